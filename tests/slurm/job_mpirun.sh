#!/bin/bash
# Job script of tests/slurm/slurm.sh, submitted with `sbatch --overcommit -n 4`: mpirun inside
# the allocation. Prints one line per check; the test reads them from the job's output file.
# KR_JOB_BUILDDIR is the build tree (exported by the test; sbatch passes the environment on).
B=$KR_JOB_BUILDDIR
MPIRUN=$B/launcher/mpirun/mpirun
# In the build tree the daemon is not next to mpirun, as it is once installed.
export KURIR_DAEMON=$B/launcher/daemon/kurir-daemon
ok=1
w=$(mktemp -d /tmp/krtest-job.XXXXXX) && cd "$w" || exit 1
trap 'rm -rf "$w"' EXIT
echo "job $SLURM_JOB_ID: nodes $SLURM_JOB_NODELIST, tasks per node $SLURM_TASKS_PER_NODE"

# Hosts and slots from the allocation: 4 ranks without -n.
"$MPIRUN" "$B/examples/hello" >hello.$$ 2>&1 || ok=0
grep '^hello:' hello.$$

# The daemon through srun: this one node counts as remote when forced.
KURIR_FORCE_REMOTE=1 KURIR_LOG=info "$MPIRUN" "$B/examples/ring" >ring.$$ 2>&1 || ok=0
sed -n 's/^ring:/srun-daemon: ring:/p' ring.$$
if grep -q 'started the daemon for host [^ ]* (pid [0-9]*): srun ' ring.$$; then
    echo "step: kurir-daemon started by srun"
else
    ok=0
    sed 's/^/  ring: /' ring.$$
fi

# No more ranks than the allocation has slots, unless asked.
if "$MPIRUN" -n 5 "$B/examples/hello" >over.$$ 2>&1; then
    ok=0
    echo "oversubscribe: -n 5 ran on 4 slots"
else
    echo "oversubscribe: refused: $(grep -m1 mpirun over.$$)"
fi
"$MPIRUN" -n 5 --oversubscribe "$B/examples/hello" >over2.$$ 2>&1 || ok=0
sed -n 's/^hello:/oversubscribed: hello:/p' over2.$$

# Explicit hosts win over the allocation.
"$MPIRUN" -H localhost:1 "$B/examples/hello" >explicit.$$ 2>&1 || ok=0
sed -n 's/^hello:/explicit: hello:/p' explicit.$$

# MPI_Abort on a rank under an srun-started daemon: mpirun exits with the code.
KURIR_FORCE_REMOTE=1 "$MPIRUN" -n 2 "$B/tests/integration/progs/abort_rank" >abort.$$ 2>&1
st=$?
echo "abort: status $st"
[ $st -eq 7 ] || { ok=0; sed 's/^/  abort: /' abort.$$; }

[ $ok -eq 1 ] && echo "job: all ok"
[ $ok -eq 1 ]

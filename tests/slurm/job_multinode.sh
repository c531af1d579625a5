#!/bin/bash
# Job script of tests/slurm/slurm_multinode.sh, submitted with `sbatch -N 2 --ntasks-per-node=2`:
# plain `mpirun PROG` on the first node, with no -H and no hostfile, so that mpirun takes the
# nodes and slots from the allocation and starts the second node's daemon with srun.
#   job_multinode.sh hello   examples/hello and a ring + allreduce (mh_prog gate) across nodes
#   job_multinode.sh fail    rank 3 (second node) exits 3
#   job_multinode.sh block   every rank blocks in MPI_Recv until the test cancels the job
# Prints "<what>: status N" after each mpirun; the job's status is the last mpirun's.
# KR_JOB_BUILDDIR is the build tree (exported by the test; sbatch passes the environment on).
B=$KR_JOB_BUILDDIR
MPIRUN=$B/launcher/mpirun/mpirun
MH=$B/tests/multihost/mh_prog
# In the build tree the daemon is not next to mpirun, as it is once installed.
export KURIR_DAEMON=$B/launcher/daemon/kurir-daemon
w=$(mktemp -d /tmp/krtest-job.XXXXXX) && cd "$w" || exit 1
trap 'rm -rf "$w"' EXIT
echo "job $SLURM_JOB_ID on $(hostname): nodes $SLURM_JOB_NODELIST, tasks per node" \
    "$SLURM_TASKS_PER_NODE"
case $1 in
hello)
    KURIR_LOG=info "$MPIRUN" --report-transports "$B/examples/hello" 2>hello.err
    st=$?
    echo "hello: status $st"
    grep -E '^kurir: rank|started the daemon' hello.err
    [ $st -eq 0 ] || cat hello.err
    [ $st -eq 0 ] || exit $st
    # The fake nodes share the machine's cores: binding each node's ranks would stack them.
    "$MPIRUN" --bind-to none "$MH" gate /dev/null
    st=$?
    echo "gate: status $st"
    ;;
fail)
    "$MPIRUN" --bind-to none "$MH" exit 3 3
    st=$?
    echo "fail: status $st"
    ;;
block)
    "$MPIRUN" --bind-to none "$MH" block
    st=$?
    echo "block: status $st"
    ;;
*)
    echo "job_multinode.sh: unknown mode '$1'" >&2
    st=2
    ;;
esac
exit $st

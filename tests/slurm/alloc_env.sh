#!/bin/bash
# mpirun inside a batch allocation without the batch system: the variables Slurm and PBS set
# are faked, with this machine as the allocation's only node, so the hosts, slots, limits and
# messages are checked on any machine (tests/slurm/slurm.sh does it under a real Slurm).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../integration/lib.sh"

EX=$KURIR_BUILDDIR/examples
self=$(hostname -s)
unset SLURM_JOB_ID SLURM_JOBID SLURM_JOB_NODELIST SLURM_NODELIST SLURM_TASKS_PER_NODE \
    SLURM_JOB_CPUS_PER_NODE SLURMD_NODENAME PBS_NODEFILE KURIR_FORCE_REMOTE KURIR_RSH
slurm_env="SLURM_JOB_ID=77 SLURM_JOB_NODELIST=$self SLURM_TASKS_PER_NODE=3 SLURMD_NODENAME=$self"

# shellcheck disable=SC2086 # the variable lists are meant to split into words
kr_run 60 env $slurm_env "$MPIRUN" "$EX/hello"
kr_expect "Slurm: -n defaults to the allocation's 3 slots" \
    grep -q "^hello: 3 ranks.*: ok$" "$kr_out"
# shellcheck disable=SC2086
kr_run 60 env $slurm_env "$MPIRUN" -n 4 "$EX/hello"
kr_expect "Slurm: more ranks than slots refused (status $kr_rc)" [ "$kr_rc" -eq 2 ]
kr_expect "... with the counts" grep -q "^mpirun: 4 ranks requested but only 3 slots" "$kr_err"
# shellcheck disable=SC2086
kr_run 60 env $slurm_env "$MPIRUN" -n 4 --oversubscribe "$EX/hello"
kr_expect "Slurm: --oversubscribe allows it" grep -q "^hello: 4 ranks.*: ok$" "$kr_out"
# shellcheck disable=SC2086
kr_run 60 env $slurm_env "$MPIRUN" -H localhost:2 "$EX/hello"
kr_expect "Slurm: -H wins over the allocation" grep -q "^hello: 2 ranks.*: ok$" "$kr_out"
kr_run 60 env SLURM_JOB_ID=77 SLURM_JOB_NODELIST="$self[1-2" SLURM_TASKS_PER_NODE=1 \
    "$MPIRUN" "$EX/hello"
kr_expect "Slurm: a bad node list is a usage error naming the variable" \
    [ "$kr_rc" -eq 2 -a "$(grep -c "^mpirun: SLURM_JOB_NODELIST: unbalanced '\['" "$kr_err")" -eq 1 ]
kr_run 60 env SLURM_JOB_ID=77 SLURM_JOB_NODELIST="$self" "$MPIRUN" "$EX/hello"
kr_expect "Slurm: a missing SLURM_TASKS_PER_NODE is named" \
    grep -q "^mpirun: SLURM_JOB_ID is set but SLURM_TASKS_PER_NODE is not" "$kr_err"
# A node that is not this one gets a daemon through srun: with a fake srun that fails, mpirun
# must say which host and agent failed, and end.
fake=$(mktemp -d /tmp/krtest-fakesrun.XXXXXX)
printf '#!/bin/sh\necho "srun: error: fake srun: $*" >&2\nexit 1\n' >"$fake/srun"
chmod +x "$fake/srun"
kr_run 60 env PATH="$fake:$PATH" SLURM_JOB_ID=77 SLURM_JOB_NODELIST="$self,othernode" \
    SLURM_TASKS_PER_NODE="1(x2)" SLURM_JOB_CPUS_PER_NODE="2(x2)" SLURMD_NODENAME="$self" \
    "$MPIRUN" "$EX/hello"
kr_expect "Slurm: the other node's daemon is started with srun, one step on that node" \
    grep -q "fake srun: --nodes=1 --ntasks=1 --cpus-per-task=2 --nodelist othernode --overlap" \
    "$kr_err"
kr_expect "Slurm: a failed srun ends the job naming host and agent (status $kr_rc)" \
    [ "$kr_rc" -ne 0 -a "$(grep -c 'othernode.*srun\|srun.*othernode' "$kr_err")" -ge 1 ]
rm -rf "$fake"

nodefile=$(mktemp /tmp/krtest-nodefile.XXXXXX)
printf '%s\n%s\n' "$self" "$self" >"$nodefile"
kr_run 60 env PBS_NODEFILE="$nodefile" "$MPIRUN" "$EX/hello"
kr_expect "PBS: one slot per line of PBS_NODEFILE" grep -q "^hello: 2 ranks.*: ok$" "$kr_out"
kr_run 60 env PBS_NODEFILE="$nodefile" "$MPIRUN" -n 3 "$EX/hello"
kr_expect "PBS: more ranks than lines refused" [ "$kr_rc" -eq 2 ]
rm -f "$nodefile"
kr_run 60 env PBS_NODEFILE=/nonexistent/nodefile "$MPIRUN" "$EX/hello"
kr_expect "PBS: an unreadable node file is named" \
    grep -q "^mpirun: cannot read PBS_NODEFILE '/nonexistent/nodefile'" "$kr_err"

kr_finish

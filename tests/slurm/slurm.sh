#!/bin/bash
# Kurir under a real (private, one-node) Slurm: direct launch by `srun --mpi=pmi2` at np 1..4
# (examples and integration programs; the ranks find each other on one host and use shared
# memory), MPI_Abort and a crashing rank under srun, and an sbatch job whose script runs mpirun
# (hosts and slots from the allocation, a daemon started with srun, the allocation's limit).
# Needs root, slurm-wlm and munge; exits 77 with the reason when it cannot run. The cluster is
# torn down by the EXIT trap whatever happens (tests/slurm/slurm_lib.sh).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/lib.sh"
. "$here/slurm_lib.sh"

why=$(kr_slurm_can_run) || { echo "SKIP: $why"; exit 77; }
trap 'kr_slurm_down; rm -f "$kr_out" "$kr_err"' EXIT
trap 'exit 1' INT TERM HUP
kr_slurm_start >"$kr_out" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
    echo "SKIP: cannot start a private Slurm: $(tail -1 "$kr_out")"
    exit 77
fi
echo "private Slurm in $KR_SLURM_DIR (SLURM_CONF=$SLURM_CONF)"
EX=$KURIR_BUILDDIR/examples
PROGS=$KURIR_BUILDDIR/tests/integration/progs
# --overcommit: more tasks than the node's CPUs; -K: a rank that fails ends the step (without
# it Slurm leaves the other ranks blocked in MPI calls until the time limit).
SRUN="srun --mpi=pmi2 --overcommit -K"

# --- direct launch: srun --mpi=pmi2 -----------------------------------------------------------
before=$(kr_snapshot)
mark=$(kr_new_mark)
for np in 1 2 3 4; do
    KURIR_TEST_MARK=$mark kr_run 60 $SRUN -n $np "$EX/hello"
    kr_expect "srun -n $np hello" [ "$kr_rc" -eq 0 -a "$(grep -c ': ok$' "$kr_out")" -eq 1 ]
    KURIR_TEST_MARK=$mark kr_run 60 $SRUN -n $np "$EX/ring"
    kr_expect "srun -n $np ring" [ "$kr_rc" -eq 0 -a "$(grep -c ': ok$' "$kr_out")" -eq 1 ]
done
for prog in p2p_exchange p2p_huge coll_all comm_split dt_sendrecv; do
    for np in 2 4; do
        KURIR_TEST_MARK=$mark kr_run 120 $SRUN -n $np "$PROGS/$prog"
        kr_expect "srun -n $np $prog" [ "$kr_rc" -eq 0 ]
        [ "$kr_rc" -eq 0 ] || tail -n 5 "$kr_out" "$kr_err"
    done
done
KURIR_TEST_MARK=$mark kr_run 60 env KURIR_LOG=info $SRUN -n 4 "$EX/hello"
kr_expect "srun: 4 ranks on one host, in one job (PMI_process_mapping understood)" \
    [ "$(grep -c 'rank [0-3] of 4, 4 local on host 0 of 1' "$kr_err")" -eq 4 ]
kr_expect "srun: no warning from fullinit (pmijobid sent)" [ "$(grep -c 'warn\|error' "$kr_err")" -eq 0 ]

KURIR_TEST_MARK=$mark kr_run 60 $SRUN -n 4 "$PROGS/abort_rank"
kr_expect "srun: MPI_Abort ends the step with a failure" [ "$kr_rc" -ne 0 -a "$kr_timed_out" -eq 0 ]
kr_expect "srun: the aborting rank says who and why" grep -Eq \
    "^kurir: rank 3 on host [^ ]+ \(pid [0-9]+\) called MPI_Abort with error code 7$" "$kr_err"
kr_expect "srun: Slurm reports the code" grep -q "task 3: Exited with exit code 7" "$kr_err"
KURIR_TEST_MARK=$mark kr_run 60 $SRUN -n 3 "$PROGS/crash_rank"
kr_expect "srun -K: a crashing rank ends the step" [ "$kr_rc" -ne 0 -a "$kr_timed_out" -eq 0 ]
kr_expect "srun: nothing left running" kr_no_leftovers "$mark"
kr_expect "srun: no files left" [ -z "$(kr_new_files "$before" 0)" ]

# --- sbatch with a job script that runs mpirun --------------------------------------------------
out=$KR_SLURM_DIR/job.out
jobid=$(KURIR_TEST_MARK=$mark KR_JOB_BUILDDIR=$KURIR_BUILDDIR \
    sbatch --parsable --overcommit -n 4 -t 5 -o "$out" "$here/job_mpirun.sh" 2>"$kr_err")
kr_expect "sbatch accepted the job ($(head -c 200 "$kr_err"))" [ -n "$jobid" ]
if [ -n "$jobid" ]; then
    kr_sbatch_wait "$jobid" 150
    kr_expect "sbatch job finished in time and COMPLETED (state $job_state)" \
        [ "$job_state" = COMPLETED ]
    if [ "$job_state" != COMPLETED ] || [ -n "$KRTEST_VERBOSE" ]; then
        sed 's/^/  job: /' "$out"
    fi
    kr_expect "job: mpirun took 4 slots from the allocation" grep -q "^hello: 4 ranks.*: ok$" "$out"
    kr_expect "job: daemon started by srun, 4 ranks" grep -q "^srun-daemon: ring: 4 ranks.*: ok$" "$out"
    kr_expect "job: the daemon ran as a job step" grep -q "^step: kurir-daemon" "$out"
    kr_expect "job: -n 5 refused beyond the allocation" grep -q \
        "^oversubscribe: refused: .*4 slot" "$out"
    kr_expect "job: -n 5 --oversubscribe runs" grep -q "^oversubscribed: hello: 5 ranks.*: ok$" "$out"
    kr_expect "job: -H still wins" grep -q "^explicit: hello: 1 ranks.*: ok$" "$out"
    kr_expect "job: MPI_Abort through the srun daemon: status 7" grep -q "^abort: status 7$" "$out"
    kr_expect "job: every check in the script passed" grep -q "^job: all ok$" "$out"
fi
kr_expect "sbatch: nothing left running" kr_no_leftovers "$mark"

kr_finish

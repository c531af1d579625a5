#!/bin/bash
# Kurir programs under MPICH's mpiexec.hydra (its PMI-2 server): examples and integration
# programs at np 1..4, MPI_Abort (Hydra's PMI-2 server does not know `abort`: the rank prints
# the message and sends Hydra's PMI-1 abort, so mpiexec exits with the code), a fatal MPI error
# and a crashing rank, each ending the whole job with nothing left behind. Exits 77 when
# mpiexec.hydra is not installed (apt-get install mpich).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../integration/lib.sh"

if ! command -v mpiexec.hydra >/dev/null 2>&1; then
    echo "SKIP: mpiexec.hydra not installed (apt-get install mpich)"
    exit 77
fi
EX=$KURIR_BUILDDIR/examples
PROGS=$KURIR_BUILDDIR/tests/integration/progs
HYDRA="mpiexec.hydra"

before=$(kr_snapshot)
mark=$(kr_new_mark)
for np in 1 2 4; do
    for prog in hello ring; do
        kr_run 60 $HYDRA -n $np -genv KURIR_TEST_MARK $mark "$EX/$prog"
        kr_expect "hydra -n $np $prog" [ "$kr_rc" -eq 0 -a "$(grep -c ': ok$' "$kr_out")" -eq 1 ]
    done
done
for prog in p2p_huge coll_all comm_split; do
    kr_run 120 $HYDRA -n 4 -genv KURIR_TEST_MARK $mark "$PROGS/$prog"
    kr_expect "hydra -n 4 $prog" [ "$kr_rc" -eq 0 ]
done

for np in 1 4; do
    kr_run 60 $HYDRA -n $np -genv KURIR_TEST_MARK $mark "$PROGS/abort_rank"
    kr_expect "hydra -n $np MPI_Abort: mpiexec exits with the code 7 (got $kr_rc)" [ "$kr_rc" -eq 7 ]
    kr_expect "hydra -n $np MPI_Abort: the rank says who and why" grep -Eq \
        "^kurir: rank $((np - 1)) on host [^ ]+ \(pid [0-9]+\) called MPI_Abort with error code 7$" \
        "$kr_err"
    kr_expect "hydra -n $np MPI_Abort: no 'Unrecognized PMI command'" \
        [ "$(grep -c 'Unrecognized' "$kr_err")" -eq 0 ]
done
kr_run 60 $HYDRA -n 3 -genv KURIR_TEST_MARK $mark "$PROGS/errors_fatal"
kr_expect "hydra: MPI_ERRORS_ARE_FATAL exits with the error class (got $kr_rc)" [ "$kr_rc" -eq 6 ]
kr_expect "hydra: ... and names the call" grep -q "MPI_Send: destination rank" "$kr_err"
kr_run 60 $HYDRA -n 3 -genv KURIR_TEST_MARK $mark "$PROGS/crash_rank"
kr_expect "hydra: a crashing rank ends the job with its signal (got $kr_rc)" \
    [ "$kr_rc" -eq 11 -a "$kr_timed_out" -eq 0 ]
kr_expect "hydra: nothing left running" kr_no_leftovers "$mark"
kr_expect "hydra: no files left" [ -z "$(kr_new_files "$before" 0)" ]

kr_finish

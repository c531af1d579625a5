#!/bin/bash
# The PMI-2 path end to end: the library's client (boot_client, linked with libkrcore) against
# mpirun's server - key exchange, MPI_Abort, missing finalize, a rank that never fences, a PMI-1
# client - plus singleton mode, and the same client and MPI examples under MPICH's mpiexec.hydra
# when installed.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

kr_run 30 "$MPIRUN" -n 4 "$BOOTCLIENT" exchange 4
kr_expect "put/fence/get across 4 ranks" [ "$kr_rc" -eq 0 -a "$(grep -c '^rank [0-3] of 4 ok' "$kr_out")" -eq 4 ]

mark=$(kr_new_mark)
kr_run 30 "$MPIRUN" -n 4 -x KURIR_TEST_MARK=$mark "$BOOTCLIENT" abort 7
kr_expect "MPI_Abort: mpirun exits with the error code" [ "$kr_rc" -eq 7 ]
kr_expect "MPI_Abort: message with code and text" grep -Eq \
    "^mpirun: rank 1 on host $HOST \(pid [0-9]+\) called MPI_Abort with error code 7: boot_client; aborting on purpose$" "$kr_err"
kr_expect "MPI_Abort: the ranks waiting in a fence are ended" \
    grep -qx "mpirun: terminating the 3 other running ranks" "$kr_err"
kr_expect "MPI_Abort: reported once, not also as an exit" [ "$(grep -c '^mpirun: rank' "$kr_err")" -eq 1 ]
kr_expect "MPI_Abort: nothing left" kr_no_leftovers "$mark"

kr_run 30 "$MPIRUN" -n 3 "$BOOTCLIENT" nofinalize
kr_expect "exit 0 without finalize while others run: status 1" [ "$kr_rc" -eq 1 ]
kr_expect "... and says so" grep -Eq \
    "^mpirun: rank 1 on host $HOST \(pid [0-9]+\) exited without calling MPI_Finalize$" "$kr_err"

kr_run 30 "$MPIRUN" -n 3 "$BOOTCLIENT" fence-exit 5
kr_expect "rank gone while others wait in a fence: no deadlock, its status" [ "$kr_rc" -eq 5 -a "$kr_timed_out" -eq 0 ]

kr_run 30 "$MPIRUN" -n 2 "$BOOTCLIENT" pmi1
kr_expect "PMI-1 client: refused, job ended with status 1" [ "$kr_rc" -eq 1 ]
kr_expect "PMI-1 client: message says mpirun speaks PMI-2" grep -q "speaks PMI-2 only" "$kr_err"

kr_run 30 env -u PMI_FD "$BOOTCLIENT" singleton
kr_expect "singleton without a launcher" [ "$kr_rc" -eq 0 -a "$(cat "$kr_out")" = "singleton ok" ]

kr_run 30 env PMI_FD=nonsense "$BOOTCLIENT" singleton
kr_expect "bad PMI_FD is an error naming the variable" grep -q "PMI_FD=nonsense is not an integer" "$kr_err"

if command -v mpiexec.hydra >/dev/null 2>&1; then
    kr_run 60 mpiexec.hydra -n 4 "$BOOTCLIENT" exchange -1
    kr_expect "the same client under mpiexec.hydra" \
        [ "$kr_rc" -eq 0 -a "$(grep -c '^rank [0-3] of 4 ok' "$kr_out")" -eq 4 ]
    # Hydra answers kvs-fence at once; the shared-memory segment must still be there for all
    for np in 3 4; do
        for prog in hello ring; do
            kr_run 60 mpiexec.hydra -n $np "$KURIR_BUILDDIR/examples/$prog"
            kr_expect "examples/$prog at np $np under mpiexec.hydra" \
                [ "$kr_rc" -eq 0 -a "$(grep -c ': ok$' "$kr_out")" -eq 1 ]
        done
    done
else
    echo "SKIP: mpiexec.hydra not installed"
fi

kr_finish

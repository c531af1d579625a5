#!/bin/bash
# Exit status propagation and teardown: a failing rank ends the others, mpirun names it and
# exits with its status; leftovers (grandchildren, /dev/shm files) are cleaned up.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

kr_run 20 "$MPIRUN" -n 4 "$RANKPROG" exit 0
kr_expect "all ranks exit 0: status 0, no message" [ "$kr_rc" -eq 0 -a ! -s "$kr_err" ]

kr_run 20 "$MPIRUN" -n 2 sh -c 'exit 3'
kr_expect "sh -c 'exit 3' at np 2: status 3" [ "$kr_rc" -eq 3 ]
kr_expect "message names the rank and the status" \
    grep -Eq "^mpirun: rank [01] on host $HOST \(pid [0-9]+\) exited with status 3$" "$kr_err"

# Rank 2 fails while the others would run forever: they must be ended, and reported as such.
mark=$(kr_new_mark)
kr_run 30 "$MPIRUN" -n 4 -x KURIR_TEST_MARK=$mark sh -c \
    'if [ "$PMI_RANK" = 2 ]; then exit 5; fi; exec sleep 1000'
kr_expect "failing rank's status is mpirun's" [ "$kr_rc" -eq 5 ]
kr_expect "only the first failure is the cause" [ "$(grep -c 'exited with status' "$kr_err")" -eq 1 ]
kr_expect "the message names rank 2" grep -q "^mpirun: rank 2 on host $HOST (pid [0-9]*) exited with status 5$" "$kr_err"
kr_expect "says how many others were terminated" \
    grep -qx "mpirun: terminating the 3 other running ranks" "$kr_err"
kr_expect "the others are gone" kr_no_leftovers "$mark"

# A grandchild holding stdout open must neither hang mpirun nor outlive it.
mark=$(kr_new_mark)
kr_run 30 "$MPIRUN" -n 2 -x KURIR_TEST_MARK=$mark "$RANKPROG" bgchild
kr_expect "grandchild holding stdout: job ends, status 0" [ "$kr_rc" -eq 0 -a "$kr_timed_out" -eq 0 ]
kr_expect "grandchild holding stdout: output forwarded" [ "$(grep -c 'done' "$kr_out")" -eq 2 ]
kr_expect "grandchild is gone" kr_no_leftovers "$mark"

# Leftover shared-memory files of the job are removed.
kr_run 20 "$MPIRUN" -n 3 "$RANKPROG" shm
files=$(sed -n 's/^created //p' "$kr_out")
kr_expect "ranks created their /dev/shm files" [ "$(echo "$files" | grep -c '^/dev/shm/kurir-k')" -eq 3 ]
kr_expect "mpirun removed them" [ -z "$(ls $files 2>/dev/null)" ]

kr_finish

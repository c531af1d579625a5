#!/bin/bash
# --timeout: the job is ended after S seconds with a message naming the timeout, status 124.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

mark=$(kr_new_mark)
kr_run 30 "$MPIRUN" --timeout 1 -n 3 -x KURIR_TEST_MARK=$mark "$RANKPROG" ready
kr_expect "--timeout 1: status 124" [ "$kr_rc" -eq 124 -a "$kr_timed_out" -eq 0 ]
kr_expect "--timeout 1: message names the timeout" \
    grep -q "^mpirun: job timed out after 1 seconds (--timeout 1)" "$kr_err"
kr_expect "--timeout 1: took 1 s to 2 s ($kr_elapsed_ms ms)" \
    [ "$kr_elapsed_ms" -ge 1000 -a "$kr_elapsed_ms" -lt "$(printf '%.0f' "$(kr_scale 2000)")" ]
kr_expect "--timeout 1: ranks gone" kr_no_leftovers "$mark"

kr_run 30 "$MPIRUN" --timeout=20 -n 2 "$RANKPROG" exit 0
kr_expect "a job that finishes in time is not affected" [ "$kr_rc" -eq 0 -a ! -s "$kr_err" ]

kr_finish

#!/bin/bash
# stdin: mpirun's stdin goes to rank 0 only (others read /dev/null), EOF reaches rank 0, large
# input arrives intact, and a rank 0 that never reads stdin does not hang the job.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

out=$(printf 'line one\nline two\n' | timeout "$(kr_scale 20)" "$MPIRUN" -n 3 "$RANKPROG" cat)
rc=$?
kr_expect "rank 0 gets stdin, then EOF" [ $rc -eq 0 -a "$(echo "$out" | grep -c '^line ')" -eq 2 ]
kr_expect "other ranks get /dev/null" [ "$(echo "$out" | grep -c '^rank [12] read 0 bytes$')" -eq 2 ]

big=$(mktemp /tmp/krtest-big.XXXXXX)
head -c 3000000 /dev/urandom >"$big"
sum_in=$(md5sum <"$big")
sum_out=$(timeout "$(kr_scale 30)" "$MPIRUN" -n 1 "$RANKPROG" cat <"$big" | md5sum)
kr_expect "3 MB of binary stdin from a file arrive intact" [ "$sum_in" = "$sum_out" ]
sum_out=$(cat "$big" | timeout "$(kr_scale 30)" "$MPIRUN" -n 1 "$RANKPROG" cat | md5sum)
kr_expect "3 MB of binary stdin from a pipe arrive intact" [ "$sum_in" = "$sum_out" ]
rm -f "$big"

# Endless stdin that nobody reads: the job still ends when the ranks do.
start=$(kr_now_ms)
yes | timeout "$(kr_scale 20)" "$MPIRUN" -n 2 "$RANKPROG" exit 0
rc=$?
kr_expect "unread endless stdin does not hang mpirun" [ $rc -eq 0 ]

kr_finish

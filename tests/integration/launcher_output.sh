#!/bin/bash
# Output forwarding: many ranks writing long lines in random pieces never produce a mixed or
# broken line, stdout and stderr stay apart, very long lines pass whole, a trailing partial
# line is flushed, --tag-output prefixes every line with its rank.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

# check_lines FILE NRANKS NLINES PARITY: every line is "<r> <i> <len> xxx|" with the letter of
# rank r, length len, i of the given parity (0: stdout, 1: stderr), and each (r,i) once.
check_lines() {
    awk -v nr="$2" -v nl="$3" -v par="$4" '
    {
        line = $0
        if (tag != "") { if (substr(line, 1, length(tag)) != tag) { bad++; next } }
        n = split(line, f, " ")
        r = f[1]; i = f[2]; len = f[3]
        if (length(line) != len || substr(line, len, 1) != "|" || i % 2 != par) { bad++; next }
        body = substr(line, length(r " " i " " len " ") + 1, len - length(r " " i " " len " ") - 1)
        want = sprintf("%c", 97 + r % 26)
        gsub(want, "", body)
        if (body != "") { bad++; next }
        if (seen[r, i]++) { bad++; next }
        good++
    }
    END {
        expect = nr * int((nl + 1 - par) / 2)
        if (bad > 0 || good != expect) {
            printf "  %d good lines (expected %d), %d bad\n", good, expect, bad
            exit 1
        }
    }' "$1"
}

kr_run 120 "$MPIRUN" -n 8 "$RANKPROG" lines 2000 700
kr_expect "8 ranks x 1000 lines of 700 bytes on stdout, none mixed" check_lines "$kr_out" 8 2000 0
kr_expect "... and 1000 each on stderr" check_lines "$kr_err" 8 2000 1

kr_run 120 "$MPIRUN" -n 3 "$RANKPROG" longline 5000000
kr_expect "three 5 MB lines pass whole" [ "$kr_rc" -eq 0 ] && check_lines "$kr_out" 3 1 0 &&
    [ "$(wc -l <"$kr_out")" -eq 3 ]

kr_run 20 "$MPIRUN" -n 1 "$RANKPROG" partial
kr_expect "trailing partial line is flushed as is" [ "$(cat "$kr_out")" = "partial-0" ]
kr_run 20 "$MPIRUN" -n 3 "$RANKPROG" partial
kr_expect "partial lines of several ranks stay apart" \
    [ "$(sort "$kr_out" | tr '\n' ' ')" = "partial-0 partial-1 partial-2 " ]

kr_run 60 "$MPIRUN" -n 4 --tag-output "$RANKPROG" lines 200 100
tagged_ok=1
for r in 0 1 2 3; do
    n=$(grep -c "^\[$r\] $r " "$kr_out")
    [ "$n" -eq 100 ] || tagged_ok=0
done
kr_expect "--tag-output: \"[rank] \" on every stdout line, the right rank" \
    [ $tagged_ok -eq 1 -a "$(wc -l <"$kr_out")" -eq 400 ]
kr_expect "--tag-output: on stderr too" [ "$(grep -c '^\[[0-3]\] ' "$kr_err")" -eq 400 ]
kr_run 20 "$MPIRUN" -n 2 --tag-output "$RANKPROG" partial
kr_expect "--tag-output: partial line gets its tag and a newline" \
    [ "$(sort "$kr_out" | tr '\n' ' ')" = "[0] partial-0 [1] partial-1 " ]

kr_finish

#!/bin/bash
# Signals: a rank killed by a signal (message, 128+sig, the others gone within a second even
# when they ignore SIGTERM), and signals sent to mpirun itself (forwarded, 128+sig, SIGUSR1).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

# --- rank 1 of 4 raises SIGSEGV once all ranks are up; the others ignore SIGTERM -------------
mark=$(kr_new_mark)
dir=$(mktemp -d /tmp/krtest-die.XXXXXX)
kr_run 30 "$MPIRUN" -n 4 -x KURIR_TEST_MARK=$mark -x RANKPROG_DIR=$dir "$RANKPROG" die 1 11
end=$(kr_now_ms)
rm -rf "$dir"
kr_expect "killed by SIGSEGV: status 139" [ "$kr_rc" -eq 139 ]
kr_expect "message says which rank died how" grep -Eq \
    "^mpirun: rank 1 on host $HOST \(pid [0-9]+\) killed by signal 11 \(Segmentation fault\)$" "$kr_err"
died=$(sed -n 's/^ready 1 \([0-9]*\)$/\1/p' "$kr_out")
limit=$(printf '%.0f' "$(kr_scale 1000)")
kr_expect "the other 3 ranks were up" [ "$(grep -c '^ready [023]$' "$kr_out")" -eq 3 ]
kr_expect "job over within a second of the crash ($((end - ${died:-0})) ms)" \
    [ -n "$died" -a $((end - ${died:-0})) -lt "$limit" ]
kr_expect "no rank left behind" kr_no_leftovers "$mark"

# --- SIGINT to mpirun while the ranks run -------------------------------------------------------
mark=$(kr_new_mark)
fifo=$(mktemp -u /tmp/krtest-fifo.XXXXXX)
mkfifo "$fifo"
"$MPIRUN" -n 3 -x KURIR_TEST_MARK=$mark "$RANKPROG" ready >"$fifo" 2>"$kr_err" </dev/null &
pid=$!
exec 3<"$fifo"
ready=0
while [ $ready -lt 3 ] && read -r -t "$(kr_scale 20)" line <&3; do
    [[ $line == ready* ]] && ready=$((ready + 1))
done
kr_expect "3 ranks ready" [ $ready -eq 3 ]
kill -INT $pid
timeout "$(kr_scale 10)" cat <&3 >/dev/null # drain until mpirun closes its stdout
wait $pid
rc=$?
exec 3<&-
rm -f "$fifo"
kr_expect "SIGINT to mpirun: status 130 (got $rc)" [ $rc -eq 130 ]
kr_expect "SIGINT to mpirun: says so" grep -q "^mpirun: received signal 2 (Interrupt)" "$kr_err"
kr_expect "SIGINT to mpirun: ranks gone" kr_no_leftovers "$mark"

# --- SIGUSR1 is forwarded as is and the job goes on ----------------------------------------
fifo=$(mktemp -u /tmp/krtest-fifo.XXXXXX)
mkfifo "$fifo"
"$MPIRUN" -n 2 "$RANKPROG" usr1 >"$fifo" 2>"$kr_err" </dev/null &
pid=$!
exec 3<"$fifo"
ready=0
while [ $ready -lt 2 ] && read -r -t "$(kr_scale 20)" line <&3; do
    [[ $line == ready* ]] && ready=$((ready + 1))
done
kill -USR1 $pid
got=$(timeout "$(kr_scale 10)" cat <&3 | grep -c '^usr1 ')
wait $pid
rc=$?
exec 3<&-
rm -f "$fifo"
kr_expect "SIGUSR1 reaches both ranks, job ends normally" [ "$got" -eq 2 -a $rc -eq 0 ]

# --- SIGKILL to mpirun: the ranks die with it (PR_SET_PDEATHSIG) ---------------------------
mark=$(kr_new_mark)
fifo=$(mktemp -u /tmp/krtest-fifo.XXXXXX)
mkfifo "$fifo"
"$MPIRUN" -n 3 -x KURIR_TEST_MARK=$mark "$RANKPROG" ready >"$fifo" 2>/dev/null </dev/null &
pid=$!
exec 3<"$fifo"
ready=0
while [ $ready -lt 3 ] && read -r -t "$(kr_scale 20)" line <&3; do
    [[ $line == ready* ]] && ready=$((ready + 1))
done
kill -KILL $pid
wait $pid 2>/dev/null
exec 3<&-
rm -f "$fifo"
kr_expect "SIGKILL to mpirun: ranks do not outlive it" kr_no_leftovers "$mark"

kr_finish

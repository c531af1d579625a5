#!/bin/bash
# A stranger connects to a rank's TCP port while a job runs: one sends garbage, one sends 40
# zero bytes (a hello-sized message without the job's secret), one sends nothing. The rank
# must close each of them (the stranger sees EOF or a reset) and log it once, and the job must
# go on and finish correctly. The port comes from the rank's own info log line.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

PROG=$KURIR_BUILDDIR/tests/integration/progs/tcp_stranger
stop=$KURIR_BUILDDIR/tests/integration/tcp_stranger.stop.$$
log=$KURIR_BUILDDIR/tests/integration/tcp_stranger.log.$$
rm -f "$stop"
trap 'rm -f "$kr_out" "$kr_err" "$stop" "$log"' EXIT

mark=$(kr_new_mark)
timeout -k 5 "$(kr_scale 60)" "$MPIRUN" -n 2 -x KURIR_TEST_MARK="$mark" \
    -x KURIR_TRANSPORTS=tcp -x KURIR_LOG=info:tcp -x KURIR_TCP_HANDSHAKE_TIMEOUT=1000 \
    "$PROG" "$stop" >"$log" 2>&1 </dev/null &
job=$!

# Wait for rank 1 to say where it listens (polling a condition, bounded).
port=
for _ in $(seq 600); do
    port=$(sed -n 's/.*rank 1 listening on port \([0-9][0-9]*\).*/\1/p' "$log" | head -n 1)
    [ -n "$port" ] && break
    kill -0 "$job" 2>/dev/null || break
    sleep 0.05
done
kr_expect "rank 1 logged its TCP port ($port)" [ -n "$port" ]

# stranger MODE: connect, send per MODE, then read until the rank closes the connection.
# Succeeds when the rank closed it within the time limit.
stranger() {
    local mode=$1
    exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
    # The rank may close (and reset) the connection while we still write: ignore SIGPIPE.
    case $mode in
    garbage) (trap '' PIPE; for _ in $(seq 50); do printf 'GET / HTTP/1.0\r\nHost: x\r\n\r\n'; done) >&3 2>/dev/null ;;
    zeros) (trap '' PIPE; head -c 40 /dev/zero) >&3 2>/dev/null ;;
    silent) ;;
    esac
    timeout "$(kr_scale 10)" cat <&3 >/dev/null 2>&1
    local rc=$?
    exec 3<&- 3>&-
    [ "$rc" -ne 124 ]
}
if [ -n "$port" ]; then
    kr_expect "garbage stranger is closed by the rank" stranger garbage
    kr_expect "hello-sized stranger without the secret is closed" stranger zeros
    kr_expect "silent stranger is closed after the handshake time limit" stranger silent
fi
touch "$stop"
wait "$job"
rc=$?
kr_expect "the job finished correctly (status $rc)" [ "$rc" -eq 0 ]
n=$(grep -c "rank 1: closed a connection from 127\.0\.0\.1:[0-9]*: bad handshake" "$log")
kr_expect "one log line per stranger ($n of 3)" [ "$n" -eq 3 ]
kr_expect "no errors in the job's output" bash -c "! grep -E 'error|tcp_stranger:' '$log'"
kr_expect "ranks gone" kr_no_leftovers "$mark"
[ "$kr_failures" -eq 0 ] || sed 's/^/    | /' "$log" | tail -n 30
kr_finish

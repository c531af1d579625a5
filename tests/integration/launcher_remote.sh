#!/bin/bash
# Remote launch without remote hosts: the "hosts" 127.0.0.2 and 127.0.0.3 (other hosts under
# KURIR_FORCE_REMOTE=1) are reached through tests/integration/fake_rsh.sh, which runs the daemon here instead of over ssh, so every
# remote path (agent, secret, daemon, connection back, global fence, forwarded output, exits,
# teardown) runs in make check without root. KURIR_TEST_MARK is put in mpirun's own
# environment, so mpirun, the agents, the daemons and the ranks all carry it: nothing may
# outlive a job.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

AGENT=$KURIR_SRCDIR/tests/integration/fake_rsh.sh
export KURIR_DAEMON=$KURIR_BUILDDIR/launcher/daemon/kurir-daemon
unset KURIR_RSH KURIR_HEARTBEAT_TIMEOUT
# 127.0.0.2 and 127.0.0.3 are this machine: without this they would merge into one local host.
export KURIR_FORCE_REMOTE=1
H2X2=127.0.0.2:2,127.0.0.3:2

# Wait for process $1 to end (polling: it is not our child's child, and tail --pid polls 1/s).
kr_wait_pid() {
    timeout "$(kr_scale 20)" tail -s 0.02 --pid="$1" -f /dev/null
}

# The kurir-daemon process (not the shell around it) for host index $1 of the job marked $2.
daemon_pid() {
    for p in $(pgrep -x kurir-daemon); do
        grep -qsaF "KURIR_TEST_MARK=$2" /proc/$p/environ &&
            { tr '\0' ' ' </proc/$p/cmdline; } 2>/dev/null | grep -q -- "--host-index $1 " &&
            echo $p
    done | head -1
}

# Wait until $1 processes with marker $2 run command $3 (a condition with a deadline).
wait_running() {
    local want=$1 mark=$2 what=$3 deadline=$(($(kr_now_ms) + $(printf '%.0f' "$(kr_scale 20000)")))
    local n
    while :; do
        n=0
        for p in $(kr_marked_pids "$mark"); do
            { tr '\0' ' ' </proc/$p/cmdline; } 2>/dev/null | grep -q "$what" && n=$((n + 1))
        done
        [ $n -ge "$want" ] && return 0
        [ "$(kr_now_ms)" -gt $deadline ] && return 1
        sleep 0.02
    done
}

# --- a 2x2 job: PMI across hosts, global fence, layout, no leftovers ----------------------------
before=$(kr_snapshot)
mark=$(kr_new_mark)
KURIR_TEST_MARK=$mark kr_run 30 "$MPIRUN" -H $H2X2 --launch-agent "$AGENT" "$BOOTCLIENT" hosts 2
kr_expect "2x2 PMI exchange: status 0" [ "$kr_rc" -eq 0 ]
kr_expect "2x2: every rank ok, hosts 0 0 1 1" [ "$(sort "$kr_out" | tr '\n' ' ')" = \
    "rank 0 of 4 on node 0 ok rank 1 of 4 on node 0 ok rank 2 of 4 on node 1 ok rank 3 of 4 on node 1 ok " ]
kr_expect "2x2: nothing on stderr" [ ! -s "$kr_err" ]
kr_expect "2x2: nothing left running" kr_no_leftovers "$mark"
kr_expect "2x2: no files left" [ -z "$(kr_new_files "$before" 0)" ]

# mpirun runs the ranks of its own host itself; their fence joins the daemons'.
kr_run 30 "$MPIRUN" -H localhost:1,127.0.0.2:2,127.0.0.3:1 --launch-agent "$AGENT" "$BOOTCLIENT" hosts 3
kr_expect "local + 2 remote hosts: status 0, 4 ranks ok" [ "$kr_rc" -eq 0 -a "$(grep -c ' ok$' "$kr_out")" -eq 4 ]

# --- MPI programs across the two "hosts" (needs a network transport in the library) ---------
HELLO=$KURIR_BUILDDIR/examples/hello
RING=$KURIR_BUILDDIR/examples/ring
if "$MPIRUN" -n 1 "$HELLO" 2>/dev/null | grep -q 'transports:.*tcp'; then
    kr_run 60 "$MPIRUN" -H $H2X2 --launch-agent "$AGENT" "$HELLO"
    kr_expect "hello 2x2: status 0, every rank once" [ "$kr_rc" -eq 0 ] && \
        grep -q "each rank 0..3 present once: ok" "$kr_out"
    kr_expect "hello 2x2: 4 greetings" [ "$(grep -c '^hello from rank [0-3] of 4 on ' "$kr_out")" -eq 4 ]
    kr_run 60 "$MPIRUN" -H $H2X2 --launch-agent "$AGENT" "$RING"
    kr_expect "ring 2x2: status 0, ok" [ "$kr_rc" -eq 0 ] && grep -q "^ring: 4 ranks.*ok$" "$kr_out"
else
    echo "SKIP: hello/ring across hosts: this library has no network transport (branch tcp)"
fi

# --- the ranks' environment and output -----------------------------------------------------------
kr_run 30 "$MPIRUN" -H $H2X2 --launch-agent "$AGENT" -x KR_REMOTE_X=given "$RANKPROG" env KR_REMOTE_X
kr_expect "-x reaches remote ranks" [ "$(grep -c '^given$' "$kr_out")" -eq 4 ]
kr_run 30 "$MPIRUN" -H $H2X2 --launch-agent "$AGENT" "$RANKPROG" env KURIR_HOST_ADDR
kr_expect "KURIR_HOST_ADDR is an address" [ "$(grep -cE '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' "$kr_out")" -eq 4 ]
kr_expect "no warning about launcher settings in the ranks" [ ! -s "$kr_err" ]

kr_run 60 "$MPIRUN" -H $H2X2 --launch-agent "$AGENT" --tag-output "$RANKPROG" lines 200 300
bad=$(cat "$kr_out" "$kr_err" | grep -cvE '^\[([0-3])\] \1 [0-9]+ 300 [a-d]+\|$')
kr_expect "tagged remote lines arrive whole ($bad broken)" [ "$kr_rc" -eq 0 -a "$bad" -eq 0 ]
kr_expect "every line of every rank" [ "$(cat "$kr_out" "$kr_err" | wc -l)" -eq 800 ]
kr_run 30 "$MPIRUN" -H $H2X2 --launch-agent "$AGENT" --tag-output "$RANKPROG" partial
kr_expect "unfinished last lines end with a newline" \
    [ "$(grep -cE '^\[([0-3])\] partial-\1$' "$kr_out")" -eq 4 ]

# --output-filename: remote ranks write their files where they run (here: the same /tmp).
odir=$(mktemp -d /tmp/krtest-remote-out.XXXXXX)
kr_run 30 "$MPIRUN" -H $H2X2 --launch-agent "$AGENT" --output-filename "$odir" sh -c \
    'echo out $PMI_RANK; echo err $PMI_RANK >&2'
kr_expect "--output-filename on remote hosts" [ "$kr_rc" -eq 0 -a ! -s "$kr_out" ] &&
    [ "$(cat "$odir"/1/rank.3/stdout "$odir"/1/rank.3/stderr | tr '\n' ' ')" = "out 3 err 3 " ]
rm -rf "$odir"

# Rank 0 on a remote host reads mpirun's stdin.
seq 1 20000 >"$kr_out.in"
timeout "$(kr_scale 30)" "$MPIRUN" -H $H2X2 --launch-agent "$AGENT" "$RANKPROG" cat \
    <"$kr_out.in" >"$kr_out" 2>"$kr_err"
kr_expect "stdin reaches remote rank 0 intact" cmp -s <(grep -v '^rank' "$kr_out") "$kr_out.in"
rm -f "$kr_out.in"

# --- a remote rank fails ----------------------------------------------------------------------
mark=$(kr_new_mark)
KURIR_TEST_MARK=$mark kr_run 30 "$MPIRUN" -H $H2X2 --launch-agent "$AGENT" sh -c \
    'if [ "$PMI_RANK" = 3 ]; then exit 5; fi; exec sleep 1000'
kr_expect "remote exit 5: status 5" [ "$kr_rc" -eq 5 ]
kr_expect "remote exit 5: message names rank and host" \
    grep -q "^mpirun: rank 3 on host 127.0.0.3 (pid [0-9]*) exited with status 5$" "$kr_err"
kr_expect "remote exit 5: the others ended" grep -Eqx "mpirun: terminating the [1-3] other running ranks?" "$kr_err"
kr_expect "remote exit 5: nothing left" kr_no_leftovers "$mark"

mark=$(kr_new_mark)
KURIR_TEST_MARK=$mark kr_run 30 "$MPIRUN" -H $H2X2 --launch-agent "$AGENT" sh -c \
    'if [ "$PMI_RANK" = 2 ]; then kill -9 $$; fi; exec sleep 1000'
kr_expect "remote SIGKILL: status 137" [ "$kr_rc" -eq 137 ]
kr_expect "remote SIGKILL: message" grep -q "^mpirun: rank 2 on host 127.0.0.3 (pid [0-9]*) killed by signal 9 (Killed)$" "$kr_err"
kr_expect "remote SIGKILL: nothing left" kr_no_leftovers "$mark"

kr_run 30 "$MPIRUN" -H $H2X2 --launch-agent "$AGENT" "$BOOTCLIENT" abort 7
kr_expect "remote MPI_Abort: status 7, message" [ "$kr_rc" -eq 7 ] && \
    grep -q "^mpirun: rank 1 on host 127.0.0.2 (pid [0-9]*) called MPI_Abort with error code 7" "$kr_err"

# --- the agent cannot reach a host -------------------------------------------------------------
mark=$(kr_new_mark)
KURIR_TEST_MARK=$mark FAKE_RSH_FAIL=127.0.0.3 kr_run 30 "$MPIRUN" -H $H2X2 --launch-agent "$AGENT" sleep 1000
kr_expect "unreachable host: status 1" [ "$kr_rc" -eq 1 ]
kr_expect "unreachable host: message" grep -q "^mpirun: could not start the daemon on host 127.0.0.3: the launch agent (.*) exited with status 255 before it connected$" "$kr_err"
kr_expect "unreachable host: nothing left" kr_no_leftovers "$mark"

# --- a placement only the daemon can check: a usage error (2), as when mpirun finds it -------
mark=$(kr_new_mark)
n=$(($(nproc) + 1))
kr_run 30 "$MPIRUN" -H 127.0.0.2:$n --launch-agent "$AGENT" --map-by ppr:1:core -n $n \
    -x KURIR_TEST_MARK=$mark true
kr_expect "remote placement that cannot be done: status 2 like a local one (got $kr_rc)" \
    [ "$kr_rc" -eq 2 ] && grep -q "^mpirun: host .*: --map-by ppr:1:core places at most" "$kr_err"
kr_expect "remote placement that cannot be done: nothing left" kr_no_leftovers "$mark"

# --- a daemon is killed -----------------------------------------------------------------------
mark=$(kr_new_mark)
KURIR_TEST_MARK=$mark "$MPIRUN" -H $H2X2 --launch-agent "$AGENT" sleep 1000 >"$kr_out" 2>"$kr_err" </dev/null &
pid=$!
kr_expect "daemon killed: 4 ranks up" wait_running 4 "$mark" "^sleep 1000"
daemon=$(daemon_pid 1 "$mark")
start=$(kr_now_ms)
kill -9 $daemon
kr_wait_pid $pid
wait $pid
rc=$?
kr_expect "daemon killed: status 1 (got $rc)" [ $rc -eq 1 ]
kr_expect "daemon killed: message" grep -qx "mpirun: lost connection to the daemon on host 127.0.0.3" "$kr_err"
kr_expect "daemon killed: over within 3 s ($(($(kr_now_ms) - start)) ms)" \
    [ $(($(kr_now_ms) - start)) -lt "$(printf '%.0f' "$(kr_scale 3000)")" ]
kr_expect "daemon killed: nothing left" kr_no_leftovers "$mark"

# --- strangers on mpirun's port -----------------------------------------------------------------
mark=$(kr_new_mark)
dir=$(mktemp -d /tmp/krtest-remote.XXXXXX)
KURIR_TEST_MARK=$mark KURIR_LOG=info:launch "$MPIRUN" -H $H2X2 --launch-agent "$AGENT" sh -c \
    "while [ ! -e $dir/go ]; do sleep 0.02; done; echo rank \$PMI_RANK done" \
    >"$kr_out" 2>"$kr_err" </dev/null &
pid=$!
kr_expect "strangers: 4 ranks up" wait_running 4 "$mark" "^sh -c while"
port=$(sed -n 's/.* --port \([0-9]*\) .*/\1/p' "$kr_err" | head -1)
# Garbage, a wrong secret in a well-formed hello, and one that says nothing.
printf 'GET / HTTP/1.0\r\n\r\n' >/dev/tcp/127.0.0.1/$port
printf '\0\0\0\x2a\0\0\0\x01KRD1\0\0\0\x01\0\0\0\x10AAAAAAAAAAAAAAAA\0\0\0\0\0\0\0\x01\0\0\0\x02x\0' \
    >/dev/tcp/127.0.0.1/$port
exec 4<>/dev/tcp/127.0.0.1/$port
start=$(kr_now_ms)
timeout "$(kr_scale 10)" cat <&4 >/dev/null
held=$(($(kr_now_ms) - start))
exec 4<&-
kr_expect "a silent stranger is cut off within 7 s ($held ms)" [ $held -lt "$(printf '%.0f' "$(kr_scale 7000)")" ]
touch "$dir/go"
kr_wait_pid $pid
wait $pid
rc=$?
kr_expect "strangers: the job is unaffected (status $rc)" [ $rc -eq 0 -a "$(grep -c 'done$' "$kr_out")" -eq 4 ]
kr_expect "strangers: refusals are logged" [ "$(grep -c 'refused a connection from 127.0.0.1' "$kr_err")" -ge 3 ]
kr_expect "strangers: the wrong secret is named" grep -q "wrong job secret" "$kr_err"
kr_expect "strangers: nothing left" kr_no_leftovers "$mark"
rm -rf "$dir"

# --- SIGTERM to mpirun reaches every host --------------------------------------------------------
mark=$(kr_new_mark)
KURIR_TEST_MARK=$mark "$MPIRUN" -H $H2X2 --launch-agent "$AGENT" sleep 1000 >"$kr_out" 2>"$kr_err" </dev/null &
pid=$!
kr_expect "SIGTERM: 4 ranks up" wait_running 4 "$mark" "^sleep 1000"
kill -TERM $pid
kr_wait_pid $pid
wait $pid
rc=$?
kr_expect "SIGTERM to mpirun: status 143 (got $rc)" [ $rc -eq 143 ]
kr_expect "SIGTERM: forwarded to 4 ranks" grep -q "forwarding it to 4 ranks" "$kr_err"
kr_expect "SIGTERM: nothing left" kr_no_leftovers "$mark"

# --- a silent daemon (stopped): the heartbeat timeout ends the job ------------------------------
mark=$(kr_new_mark)
KURIR_TEST_MARK=$mark "$MPIRUN" -H $H2X2 --launch-agent "$AGENT" --heartbeat-timeout 2 sleep 1000 \
    >"$kr_out" 2>"$kr_err" </dev/null &
pid=$!
kr_expect "heartbeat: 4 ranks up" wait_running 4 "$mark" "^sleep 1000"
daemon=$(daemon_pid 0 "$mark")
kill -STOP $daemon
start=$(kr_now_ms)
kr_wait_pid $pid
wait $pid
rc=$?
kill -CONT $daemon 2>/dev/null
kr_expect "heartbeat: status 1 (got $rc)" [ $rc -eq 1 ]
kr_expect "heartbeat: message" grep -q "^mpirun: lost connection to the daemon on host 127.0.0.2 (no heartbeat for 2.0 s)$" "$kr_err"
kr_expect "heartbeat: over within 6 s ($(($(kr_now_ms) - start)) ms)" \
    [ $(($(kr_now_ms) - start)) -lt "$(printf '%.0f' "$(kr_scale 6000)")" ]
kr_expect "heartbeat: nothing left" kr_no_leftovers "$mark"

kr_finish

#!/bin/bash
# hosts-down.sh: remove every fake host hosts-up.sh made, whatever state it is in: processes in
# the hosts' namespaces (sshd, sessions, daemons, ranks), ssh clients using our config, the
# namespaces, veths, bridge and the state directory. Safe to run any number of times.
. "$(dirname "$0")/common.sh"

[ "$(id -u)" -eq 0 ] || krtb_die "must run as root"

# Everything that runs inside one of our namespaces, plus our ssh clients on the login node.
ours() {
    local ns
    for ns in $(krtb_ns_list); do
        ip netns pids "$ns" 2>/dev/null
    done
    pgrep -f -- "-F $KRTB_DIR/ssh_config" 2>/dev/null
}
none_left() { [ -z "$(ours)" ]; }

pids=$(ours)
if [ -n "$pids" ]; then
    kill -TERM $pids 2>/dev/null
    if ! krtb_wait_for 3 none_left; then
        pids=$(ours)
        [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
        krtb_wait_for 3 none_left || echo "hosts-down.sh: still running: $(ours)" >&2
    fi
fi

for ns in $(krtb_ns_list); do
    ip link del "$(krtb_veth "${ns#"$KRTB_PREFIX-$KRTB_HOST"}")" 2>/dev/null
    ip netns del "$ns"
done
ip link del "$KRTB_BRIDGE" 2>/dev/null

# /run/sshd goes when we made it and no other sshd needs it (ours may take a moment to be reaped).
no_sshd() { ! pgrep -x sshd >/dev/null; }
if [ -e "$KRTB_DIR/made-run-sshd" ] && krtb_wait_for 2 no_sshd; then
    rmdir /run/sshd 2>/dev/null
fi
# Only a directory hosts-up.sh made (it holds the marker) is removed.
if [ -f "$KRTB_DIR/.krtb-state" ]; then
    rm -rf "$KRTB_DIR"
fi
exit 0

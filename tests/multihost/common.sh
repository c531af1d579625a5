# Fake hosts on one machine, shared by the tests/multihost scripts and
# tests/slurm/slurm_multinode.sh (sourced, POSIX sh).
# Host i (1-based) is network namespace krtb-h<i>, address 10.78.0.(i+1)/24 on its eth0, whose
# veth peer krtb-v<i> sits on bridge krtb0 in the root namespace (10.78.0.1, the "login node"
# where mpirun runs). Its daemon (sshd here, slurmd for the Slurm suite) runs in its own UTS
# (hostname h<i>), IPC and mount namespaces (private /dev/shm, /etc/hosts naming every host);
# PIDs, CPUs, /tmp and the rest of the filesystem stay shared. State (keys, configs, pid files,
# logs) lives in $KRTB_DIR.
# Another suite sets KRTB_PREFIX, KRTB_HOST and KRTB_NET before sourcing, so that its testbed
# (e.g. krsl-n1.. on krsl0, 10.79.0.0/24) never collides with this one.

KRTB_DIR=${KRTB_DIR:-/tmp/krtb}
KRTB_PREFIX=${KRTB_PREFIX:-krtb} # namespaces <prefix>-<host>, veths <prefix>-v<i>, bridge <prefix>0
KRTB_HOST=${KRTB_HOST:-h}        # host i is named <host><i>
KRTB_NET=${KRTB_NET:-10.78.0}
KRTB_BRIDGE=${KRTB_PREFIX}0
KRTB_LOGIN=$KRTB_NET.1
KRTB_SHM_SIZE=${KRTB_SHM_SIZE:-512m}
KRTB_HERE=$(cd "$(dirname "$0")" && pwd)

krtb_name() { echo "$KRTB_HOST$1"; }              # host name (also the UTS hostname)
krtb_ns() { echo "$KRTB_PREFIX-$KRTB_HOST$1"; }    # network namespace
krtb_veth() { echo "$KRTB_PREFIX-v$1"; }           # root-side end of the host's veth
krtb_ip() { echo "$KRTB_NET.$(($1 + 1))"; }
krtb_hdir() { echo "$KRTB_DIR/$KRTB_HOST$1"; }

# Our namespaces that exist, one a line.
krtb_ns_list() {
    ip netns list 2>/dev/null | awk '{ print $1 }' | grep -E "^$KRTB_PREFIX-${KRTB_HOST}[0-9]+\$"
}

# Index of a host given as "2", "h2" or "10.78.0.3".
krtb_index() {
    case $1 in
    "$KRTB_NET".*) echo $((${1##*.} - 1)) ;;
    "$KRTB_HOST"[0-9]*) echo "${1#"$KRTB_HOST"}" ;;
    *) echo "$1" ;;
    esac
}

# Number of hosts that are up (from the state written by hosts-up.sh).
krtb_count() {
    cat "$KRTB_DIR/nhosts" 2>/dev/null || echo 0
}

# PID of host i's sshd, or nothing when it is not running.
krtb_sshd_pid() {
    _pf="$(krtb_hdir "$1")/sshd.pid"
    [ -s "$_pf" ] || return 0
    _pid=$(cat "$_pf")
    if grep -qs '^sshd' "/proc/$_pid/comm"; then
        echo "$_pid"
    fi
}

krtb_die() {
    echo "$(basename "$0"): $*" >&2
    exit 1
}

# Poll until "$@" succeeds or $1 seconds pass (deadline, not a sleep for synchronisation).
krtb_wait_for() {
    _end=$(($(date +%s) + $1))
    shift
    while ! "$@"; do
        [ "$(date +%s)" -ge "$_end" ] && return 1
        sleep 0.1
    done
}

# krtb_hosts_files N: $KRTB_DIR/hosts.fake, the /etc/hosts of a fake host (every host, and the
# login node under its own name as well), and hosts.login, the machine's plus the fake hosts.
krtb_hosts_files() {
    {
        grep -v '^[[:space:]]*$' /etc/hosts || true
        for _i in $(seq "$1"); do echo "$(krtb_ip "$_i") $(krtb_name "$_i")"; done
    } >"$KRTB_DIR/hosts.login"
    {
        echo "127.0.0.1 localhost"
        echo "$KRTB_LOGIN $KRTB_PREFIX-login $(hostname)"
        for _i in $(seq "$1"); do echo "$(krtb_ip "$_i") $(krtb_name "$_i")"; done
    } >"$KRTB_DIR/hosts.fake"
}

# krtb_net_up N: the bridge with the login node's address, and N hosts' namespaces, each with
# lo and eth0 up (IPv6 off: the tests speak IPv4 only).
krtb_net_up() {
    ip link add "$KRTB_BRIDGE" type bridge || return 1
    echo 1 >"/proc/sys/net/ipv6/conf/$KRTB_BRIDGE/disable_ipv6" 2>/dev/null || true
    ip addr add "$KRTB_LOGIN/24" dev "$KRTB_BRIDGE" || return 1
    ip link set "$KRTB_BRIDGE" up || return 1
    for _i in $(seq "$1"); do
        _ns=$(krtb_ns "$_i")
        mkdir -p "$(krtb_hdir "$_i")"
        ip netns add "$_ns" || return 1
        ip netns exec "$_ns" ip link set lo up
        ip netns exec "$_ns" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6' 2>/dev/null || true
        ip link add "$(krtb_veth "$_i")" type veth peer name eth0 netns "$_ns" || return 1
        echo 1 >"/proc/sys/net/ipv6/conf/$(krtb_veth "$_i")/disable_ipv6" 2>/dev/null || true
        ip link set "$(krtb_veth "$_i")" master "$KRTB_BRIDGE" up
        ip netns exec "$_ns" ip addr add "$(krtb_ip "$_i")/24" dev eth0 || return 1
        ip netns exec "$_ns" ip link set eth0 up || return 1
    done
}

# krtb_host_exec I CMD [ARG]...: run CMD as host I's daemon: in its network namespace and in
# UTS, IPC and mount namespaces of its own (hostname, private /dev/shm, hosts.fake as
# /etc/hosts), which everything it starts inherits. CMD is expected to daemonize or exec.
# KRTB_KEEP_SYS=1 keeps the machine's /sys (ip netns exec mounts a fresh one, without the
# cgroup hierarchies that slurmd probes at start).
krtb_host_exec() {
    _i=$1
    shift
    if [ "${KRTB_KEEP_SYS:-0}" = 1 ]; then
        _enter="nsenter --net=/run/netns/$(krtb_ns "$_i")"
    else
        _enter="ip netns exec $(krtb_ns "$_i")"
    fi
    # shellcheck disable=SC2086 # $_enter: a command and its words, none with blanks
    $_enter unshare --uts --ipc --mount --propagation private \
        /bin/sh -c "hostname '$(krtb_name "$_i")' &&
            mount -t tmpfs -o size=$KRTB_SHM_SIZE,mode=1777 krtb-shm /dev/shm &&
            mount --bind '$KRTB_DIR/hosts.fake' /etc/hosts &&
            exec \"\$@\"" krtb-host "$@"
}

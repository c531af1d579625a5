# Fake hosts on one machine, shared by the tests/multihost scripts (sourced, POSIX sh).
# Host i (1-based) is network namespace krtb-h<i>, address 10.78.0.(i+1)/24 on its eth0, whose
# veth peer krtb-v<i> sits on bridge krtb0 in the root namespace (10.78.0.1, the "login node"
# where mpirun runs). Its sshd runs in its own UTS (hostname h<i>), IPC and mount namespaces
# (private /dev/shm, /etc/hosts naming every host); PIDs, CPUs, /tmp and the rest of the
# filesystem stay shared. State (keys, configs, pid files, logs) lives in $KRTB_DIR.

KRTB_DIR=${KRTB_DIR:-/tmp/krtb}
KRTB_BRIDGE=krtb0
KRTB_NET=10.78.0
KRTB_LOGIN=$KRTB_NET.1
KRTB_SHM_SIZE=${KRTB_SHM_SIZE:-512m}
KRTB_HERE=$(cd "$(dirname "$0")" && pwd)

krtb_name() { echo "h$1"; }                      # host name (also the UTS hostname)
krtb_ns() { echo "krtb-h$1"; }                   # network namespace
krtb_veth() { echo "krtb-v$1"; }                 # root-side end of the host's veth
krtb_ip() { echo "$KRTB_NET.$(($1 + 1))"; }
krtb_hdir() { echo "$KRTB_DIR/h$1"; }

# Index of a host given as "2", "h2" or "10.78.0.3".
krtb_index() {
    case $1 in
    "$KRTB_NET".*) echo $((${1##*.} - 1)) ;;
    h[0-9]*) echo "${1#h}" ;;
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

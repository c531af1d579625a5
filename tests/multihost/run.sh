#!/bin/bash
# Multi-host runner: brings up 3 fake hosts (hosts-up.sh), runs the cases of cases.sh against
# the built Kurir (mpirun of $KURIR_BUILDDIR, like tests/integration), checks after each case
# that nothing is left on any host (processes in the hosts' namespaces other than their sshd,
# marked rank processes, ssh clients, files in the hosts' /dev/shm, new kurir files in /tmp and
# /dev/shm), prints one PASS/FAIL/SKIP line per check, and tears everything down on exit, also
# after a failure or an interrupt.
# Usage: run.sh [CASE]...   (default: all; run.sh --list names them; KRTB_VERBOSE=1 shows
# mpirun's messages of passing cases too)
# Exit: 0 all passed, 1 something failed, 77 cannot run here (the reason is printed).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
MH=$(cd "$(dirname "$0")" && pwd)
. "$MH/../integration/lib.sh"
. "$MH/common.sh"
. "$MH/cases.sh"

if [ "${1:-}" = --list ]; then
    echo "$MH_CASES"
    exit 0
fi
for c in "$@"; do
    case " $MH_CASES " in *" $c "*) ;; *) echo "run.sh: no case '$c' (cases: $MH_CASES)" >&2; exit 2 ;; esac
done

export KRTB_DIR
# In the build tree the daemon is not next to mpirun, where an installed mpirun looks for it.
if [ -z "${KURIR_DAEMON:-}" ] && [ -x "$KURIR_BUILDDIR/launcher/daemon/kurir-daemon" ]; then
    export KURIR_DAEMON=$KURIR_BUILDDIR/launcher/daemon/kurir-daemon
fi
AGENT=$MH/ssh.sh
MHPROG=$KURIR_BUILDDIR/tests/multihost/mh_prog
NHOSTS=3
skipped=0
# One run at a time on this machine: the bridge, namespaces and subnet have fixed names. The
# lock file stays (removing it would let two runs lock different files).
lock=/run/lock/krtb.lock
[ -d /run/lock ] || lock=/tmp/krtb.lock
exec 9>"$lock"
if ! flock -w "$(kr_scale 600)" 9; then
    echo "run.sh: another multi-host run holds $lock" >&2
    exit 77
fi
# (after the lock: a run that gives up waiting leaves no directory behind)
mh_tmp=$(mktemp -d /tmp/krtb-run.XXXXXX)
# job output next to the rest of this run's files
rm -f "$kr_out" "$kr_err"
kr_out=$mh_tmp/out
kr_err=$mh_tmp/err
: >"$kr_out"
: >"$kr_err"

mh_cleanup() {
    [ -n "${mh_pid:-}" ] && kill -KILL "$mh_pid" 2>/dev/null
    for i in $(seq "$NHOSTS"); do "$MH/net.sh" up "h$i" 2>/dev/null; done
    "$MH/hosts-down.sh"
    rm -rf "$mh_tmp" "$kr_out" "$kr_err"
}
trap mh_cleanup EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT TERM HUP

mh_skip() {
    skipped=$((skipped + 1))
    echo "SKIP: $*"
}

# --- starting and watching jobs --------------------------------------------------------------
# Every job runs on the login node with the fake hosts' ssh and a fresh marker, so its ranks can
# be found on any host (the PID namespace is shared).
mh_new_case() {
    mark=$(kr_new_mark)
    before=$(kr_snapshot)
    mh_pid=""
    mh_pids=""
}

# New kurir files in /tmp and the login node's /dev/shm since the case began, except those of
# other jobs on this machine (kurir-k<pid>-... of an mpirun that is not ours).
mh_new_files() {
    local f pid
    kr_snapshot | comm -13 <(echo "$before") - | while read -r f; do
        pid=$(basename "$f" | sed -n 's/^kurir-k\([0-9][0-9]*\)-.*/\1/p')
        case " $mh_pids " in
        *" $pid "*) echo "$f" ;;
        *) [ -z "$pid" ] && echo "$f" ;;
        esac
    done
}

# mh_start MPIRUN-ARGS...: start in the background; pid in $mh_pid (also kept in $mh_pids: a
# job's files are named kurir-k<mpirun pid>-..., which tells ours from other jobs' on the machine).
# The fake hosts share this machine's cores: binding each host's ranks to "its" cores would
# pile them onto the same ones.
mh_bind=()
"$MPIRUN" --help 2>&1 | grep -q -- '--bind-to' && mh_bind=(--bind-to none)
mh_start() {
    mh_start_cmd "$MH/login.sh" "$MPIRUN" --launch-agent "$AGENT" "${mh_bind[@]}" \
        -x KURIR_TEST_MARK="$mark" "$@"
}

# mh_start_cmd CMD...: the same for a command line of its own (mpirun on this host alone).
mh_start_cmd() {
    "$@" >"$kr_out" 2>"$kr_err" </dev/null &
    mh_pid=$!
    mh_pids="$mh_pids $mh_pid"
}

# mh_run SECONDS MPIRUN-ARGS...: run to completion; $kr_rc (124 and $kr_timed_out=1 when it had
# to be killed), output in $kr_out and $kr_err.
mh_run() {
    local t=$1
    shift
    mh_start "$@"
    mh_finish "$t"
}

# mh_finish SECONDS: wait for the job started last; $kr_rc and $kr_timed_out like mh_run.
mh_finish() {
    kr_timed_out=0
    mh_wait_exit "$1" || kr_timed_out=1
    kr_rc=$mh_rc
}

mh_nready() {
    local n
    n=$(grep -c '^ready ' "$kr_out" 2>/dev/null)
    echo "${n:-0}"
}

# mh_wait_ready N SECONDS: until N ranks printed "ready" (fails early when mpirun ends).
mh_wait_ready() {
    local n=$1 end=$(($(kr_now_ms) + $(printf '%.0f' "$(kr_scale "$2")") * 1000))
    while [ "$(mh_nready)" -lt "$n" ]; do
        if ! kill -0 "$mh_pid" 2>/dev/null || [ "$(kr_now_ms)" -gt "$end" ]; then
            return 1
        fi
        sleep 0.05
    done
}

# mh_wait_exit SECONDS: until mpirun ends; status in $mh_rc (or 124 and mpirun killed), and
# $mh_exit_ms the time it ended.
mh_wait_exit() {
    local end=$(($(kr_now_ms) + $(printf '%.0f' "$(kr_scale "$1")") * 1000))
    while kill -0 "$mh_pid" 2>/dev/null && [ "$(kr_now_ms)" -le "$end" ]; do
        sleep 0.05
    done
    mh_exit_ms=$(kr_now_ms)
    if kill -0 "$mh_pid" 2>/dev/null; then
        kill -KILL "$mh_pid" 2>/dev/null
        wait "$mh_pid" 2>/dev/null
        mh_rc=124
        mh_pid=""
        return 1
    fi
    wait "$mh_pid"
    mh_rc=$?
    mh_pid=""
}

# Pid of world rank $1 (from its "ready RANK HOST PID" line).
mh_rank_pid() {
    awk -v r="$1" '$1 == "ready" && $2 == r { print $4 }' "$kr_out"
}

# Host of world rank $1 as the rank saw it.
mh_rank_host() {
    awk -v r="$1" '$1 == "ready" && $2 == r { print $3 }' "$kr_out"
}

# Processes inside host $1's namespaces whose command line matches ERE $2.
mh_host_pgrep() {
    local p
    for p in $(ip netns pids "$(krtb_ns "$1")" 2>/dev/null); do
        if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -Eq -- "$2"; then
            echo "$p"
        fi
    done
}

# mh_describe WHERE PID: one line for a process, nothing when it is already gone (or a zombie
# whose parent is about to reap it).
mh_describe() {
    local cmd
    cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$2/cmdline")
    [ -n "$cmd" ] && echo "$1: process $2: $cmd"
}

# --- leftovers --------------------------------------------------------------------------------
# Everything of ours still there, one line each (nothing when clean). $1: hosts to skip (a
# host that is cut off cannot clean up until it is reconnected).
mh_leftovers_now() {
    local i p sshd
    for i in $(seq "$NHOSTS"); do
        case " $1 " in *" h$i "*) continue ;; esac
        sshd=$(cat "$KRTB_DIR/h$i/sshd.pid" 2>/dev/null)
        for p in $(ip netns pids "$(krtb_ns "$i")" 2>/dev/null); do
            [ "$p" = "$sshd" ] && continue
            mh_describe "h$i" "$p"
        done
        "$MH/on-host.sh" "h$i" find /dev/shm -mindepth 1 -maxdepth 1 2>/dev/null | sed "s|^|h$i: file |"
    done
    for p in $(kr_marked_pids "$mark") $(pgrep -f -- "-F $KRTB_DIR/ssh_config"); do
        mh_describe login "$p"
    done
    mh_new_files | sed 's|^|login: file |'
}

# mh_leftovers [SKIP-HOSTS]: succeeds when nothing is left within a few seconds (daemons, ssh
# sessions and ranks take a moment to go); otherwise prints what is left and removes it, so
# that the next case starts clean.
mh_leftovers() {
    local end=$(($(kr_now_ms) + $(printf '%.0f' "$(kr_scale 5)") * 1000)) left
    while :; do
        left=$(mh_leftovers_now "${1:-}")
        [ -z "$left" ] && return 0
        [ "$(kr_now_ms)" -gt "$end" ] && break
        sleep 0.1
    done
    printf '%s\n' "$left" | sed 's/^/    left behind: /'
    mh_scrub "${1:-}"
    return 1
}

# mh_scrub [SKIP-HOSTS]: remove what mh_leftovers_now finds.
mh_scrub() {
    local i p sshd
    for i in $(seq "$NHOSTS"); do
        case " $1 " in *" h$i "*) continue ;; esac
        sshd=$(cat "$KRTB_DIR/h$i/sshd.pid" 2>/dev/null)
        for p in $(ip netns pids "$(krtb_ns "$i")" 2>/dev/null); do
            [ "$p" != "$sshd" ] && kill -KILL "$p" 2>/dev/null
        done
        "$MH/on-host.sh" "h$i" find /dev/shm -mindepth 1 -maxdepth 1 -exec rm -rf {} + 2>/dev/null
    done
    # shellcheck disable=SC2046 # lists of pids
    kill -KILL $(kr_marked_pids "$mark") $(pgrep -f -- "-F $KRTB_DIR/ssh_config") 2>/dev/null
    mh_new_files | xargs -r rm -rf
}

# --- verdicts ---------------------------------------------------------------------------------
# mh_verdict NAME WHY [SKIP-HOSTS]: PASS when WHY is empty and nothing is left behind.
mh_verdict() {
    local name=$1 why=$2 left
    if ! left=$(mh_leftovers "${3:-}"); then
        why="${why:+$why; }left behind:
$left"
    fi
    if [ -z "$why" ]; then
        kr_pass "$name ($(mh_secs) s)"
        [ "${KRTB_VERBOSE:-0}" = 1 ] && sed 's/^/    err| /' "$kr_err" | tail -n 25
    else
        kr_fail "$name: $why"
        sed 's/^/    out| /' "$kr_out" | tail -n 15
        if grep -q 'ERROR: [A-Za-z]*Sanitizer' "$kr_err"; then
            # the report's head says what and where; its tail is the shadow-byte legend
            grep -m 2 -A 12 'ERROR: [A-Za-z]*Sanitizer' "$kr_err" | sed 's/^/    err| /'
        else
            sed 's/^/    err| /' "$kr_err" | tail -n 25
        fi
    fi
}

mh_case_start_ms=0
mh_secs() {
    awk -v ms="$(($(kr_now_ms) - mh_case_start_ms))" 'BEGIN { printf "%.1f", ms / 1000 }'
}

# --- main -------------------------------------------------------------------------------------
start=$(kr_now_ms)
if ! out=$("$MH/hosts-up.sh" "$NHOSTS" 2>&1); then
    echo "$out"
    kr_fail "bring up $NHOSTS fake hosts"
    exit 1
fi
echo "$out"
mh_cases_init
# shellcheck disable=SC2048 # case names are single words
for c in ${*:-$MH_CASES}; do
    mh_case_start_ms=$(kr_now_ms)
    mh_new_case
    "case_${c//-/_}"
done
echo "run.sh: $kr_passes passed, $kr_failures failed, $skipped skipped in $((($(kr_now_ms) - start) / 1000)) s"
[ "$kr_failures" -eq 0 ]

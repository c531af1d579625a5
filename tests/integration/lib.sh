# Shared by tests/integration/*.sh (sourced, bash). Paths, timeouts scaled by
# KURIR_TEST_TIMEOUT_MULT, leftover-process and leftover-file checks, result bookkeeping.

if [ -z "$KURIR_BUILDDIR" ]; then
    echo "set KURIR_BUILDDIR to the build directory (make check does this)" >&2
    exit 99
fi
KURIR_SRCDIR=${KURIR_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
MPIRUN=$KURIR_BUILDDIR/launcher/mpirun/mpirun
RANKPROG=$KURIR_BUILDDIR/tests/integration/progs_launch/rankprog
BOOTCLIENT=$KURIR_BUILDDIR/tests/integration/progs_boot/boot_client
MULT=${KURIR_TEST_TIMEOUT_MULT:-1}
HOST=$(hostname)
# So that the tests' own expectations hold: no inherited PMI job, default logging.
unset PMI_FD PMI_RANK PMI_SIZE PMI_JOBID KURIR_LOG

kr_failures=0
kr_passes=0

# Scale seconds (may be fractional) by MULT.
kr_scale() {
    awk -v s="$1" -v m="$MULT" 'BEGIN { printf "%g", s * m }'
}

kr_now_ms() {
    date +%s%3N
}

kr_pass() {
    kr_passes=$((kr_passes + 1))
    echo "PASS: $*"
}

kr_fail() {
    kr_failures=$((kr_failures + 1))
    echo "FAIL: $*"
}

# kr_expect DESC COND-COMMAND...: pass when the command succeeds.
kr_expect() {
    local desc=$1
    shift
    if "$@"; then
        kr_pass "$desc"
    else
        kr_fail "$desc"
    fi
}

kr_finish() {
    echo "$(basename "$0"): $kr_passes passed, $kr_failures failed"
    [ "$kr_failures" -eq 0 ]
}

# A unique marker, passed to ranks with -x, to find their processes afterwards.
kr_new_mark() {
    echo "m$$x$RANDOM$RANDOM$(kr_now_ms)"
}

# PIDs of processes whose environment holds KURIR_TEST_MARK=$1.
kr_marked_pids() {
    grep -lsaF "KURIR_TEST_MARK=$1" /proc/[0-9]*/environ | sed 's|^/proc/\([0-9]*\)/.*|\1|'
}

# Succeeds when no process with marker $1 exists. Processes killed a moment ago may still be
# exiting, so the condition gets up to a second (scaled) to become true.
kr_no_leftovers() {
    local deadline=$(($(kr_now_ms) + $(printf '%.0f' "$(kr_scale 1000)")))
    local pids
    while :; do
        pids=$(kr_marked_pids "$1")
        [ -z "$pids" ] && return 0
        if [ "$(kr_now_ms)" -gt "$deadline" ]; then
            for p in $pids; do
                echo "  left behind: pid $p: $(tr '\0' ' ' 2>/dev/null </proc/$p/cmdline)"
            done
            return 1
        fi
        sleep 0.05
    done
}

# kurir* names in /dev/shm and /tmp.
kr_snapshot() {
    ls -1d /dev/shm/kurir* /tmp/kurir* 2>/dev/null | sort
}

# The pid of the first child of process $1 (e.g. mpirun under timeout), or nothing if $1 ends
# first. Polls a condition, bounded by $1's life.
kr_child_pid() {
    local c
    while kill -0 "$1" 2>/dev/null; do
        c=$(pgrep -P "$1" | head -n 1)
        [ -n "$c" ] && { echo "$c"; return; }
        sleep 0.01
    done
}

# New entries since snapshot $1 that are this job's leftovers. $2: the pid of our mpirun, whose
# entries (kurir-k<pid>-...) always count. Another mpirun's entries count only if that mpirun
# is gone and the entry is still there afterwards (checked in that order, so a job that ends
# between our listing and our check is not blamed) and we do not know our own mpirun's pid
# ($3 empty). Names no mpirun makes (unit tests' rings, other launchers' jobs such as hydra's
# kvs_* ids) come and go with parallel `make check -j` and other users of the machine.
# An entry also counts only if it is still there a moment later (up to a second, scaled): a
# segment that a job under another launcher holds only until its ranks attach is not blamed.
kr_new_files() {
    local before=$1 ours=$2 f pid left
    local deadline=$(($(kr_now_ms) + $(printf '%.0f' "$(kr_scale 1000)")))
    left=$(kr_snapshot | comm -13 <(echo "$before") - | while read -r f; do
        pid=$(basename "$f" | sed -n 's/^kurir-k\([0-9][0-9]*\)-.*/\1/p')
        if [ -z "$pid" ]; then
            continue
        fi
        if [ "$pid" != "$ours" ] && { [ "${3:-}" = known ] || kill -0 "$pid" 2>/dev/null \
                                      || [ ! -e "$f" ]; }; then
            continue # another job's
        fi
        echo "$f"
    done)
    while [ -n "$left" ] && [ "$(kr_now_ms)" -le $deadline ]; do
        left=$(for f in $left; do [ -e "$f" ] && echo "$f"; done)
        [ -n "$left" ] && sleep 0.05
    done
    [ -n "$left" ] && echo "$left"
    return 0
}

# kr_run SECONDS CMD...: run with a scaled timeout; output in $kr_out/$kr_err, status in $kr_rc.
kr_out=$(mktemp /tmp/krtest-out.XXXXXX)
kr_err=$(mktemp /tmp/krtest-err.XXXXXX)
trap 'rm -f "$kr_out" "$kr_err"' EXIT
kr_run() {
    local t start
    t=$(kr_scale "$1")
    shift
    start=$(kr_now_ms)
    timeout -k 5 "$t" "$@" >"$kr_out" 2>"$kr_err" </dev/null
    kr_rc=$?
    kr_elapsed_ms=$(($(kr_now_ms) - start))
    # timeout(1) says 124 like mpirun --timeout does: tell them apart by the clock.
    kr_timed_out=0
    local limit_ms
    limit_ms=$(awk -v t="$t" 'BEGIN { printf "%d", t * 1000 - 50 }')
    if [ "$kr_rc" -eq 124 ] && [ "$kr_elapsed_ms" -ge "$limit_ms" ]; then
        kr_timed_out=1
    fi
}

# kr_expect_usage DESC MESSAGE ARGS...: exit 2, exactly MESSAGE on stderr, nothing on stdout.
kr_expect_usage() {
    local desc=$1 msg=$2
    shift 2
    kr_run 10 "$MPIRUN" "$@"
    if [ "$kr_rc" -eq 2 ] && [ "$(cat "$kr_err")" = "$msg" ] && [ ! -s "$kr_out" ]; then
        kr_pass "$desc"
    else
        kr_fail "$desc: status $kr_rc, stderr '$(cat "$kr_err")'"
    fi
}

#!/bin/bash
# Integration runner: launches every line of testlist with mpirun and checks the exit status,
# that no process of the job is left behind and that nothing new appears in /dev/shm or /tmp.
# Usage: run.sh [TESTLIST] [FILTER]   (FILTER: only lines containing it)
# Testlist lines (MPICH style):
#   <prog> <np> [timeout=S] [env=K=V]... [expect=CODE] [match=ERE]... [args=...]
#   match= : the job's output (stdout and stderr) must have a line matching the extended
#   regular expression (no spaces: write '.' or '[ ]'); @HOST@ stands for this host's name.
#   <prog> is tests/integration/progs/<prog>, or tests/integration/<prog> when it holds a '/';
#   args= takes the rest of the line. Default timeout 60 s, scaled by KURIR_TEST_TIMEOUT_MULT.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

list=${1:-$KURIR_SRCDIR/tests/integration/testlist}
filter=${2:-}
skipped=0

run_line() {
    local prog=$1 np=$2 timeout=60 expect=0 args="" envs=() matches=() path mark before pid rc
    local why=""
    shift 2
    while [ $# -gt 0 ]; do
        case $1 in
        timeout=*) timeout=${1#timeout=} ;;
        expect=*) expect=${1#expect=} ;;
        match=*) matches+=("${1#match=}") ;;
        env=*) envs+=(-x "${1#env=}") ;;
        args=*) args="${1#args=}${2:+ ${*:2}}"; break ;;
        *) echo "run.sh: bad testlist field '$1' in: $prog $np ..." >&2; return 2 ;;
        esac
        shift
    done
    case $prog in
    */*) path=$KURIR_BUILDDIR/tests/integration/$prog ;;
    *) path=$KURIR_BUILDDIR/tests/integration/progs/$prog ;;
    esac
    local name="$prog $np${args:+ $args}"
    if [ ! -x "$path" ]; then
        echo "SKIP: $name (not built: $path)"
        skipped=$((skipped + 1))
        return 0
    fi
    mark=$(kr_new_mark)
    before=$(kr_snapshot)
    # shellcheck disable=SC2086 # args are split like a command line on purpose
    timeout -k 5 "$(kr_scale "$timeout")" \
        "$MPIRUN" -n "$np" -x KURIR_TEST_MARK="$mark" "${envs[@]}" "$path" $args \
        >"$kr_out" 2>&1 </dev/null &
    pid=$!
    local start mpid
    start=$(kr_now_ms)
    # mpirun's pid names its job's files (kurir-k<pid>-...): learn it while the job runs.
    mpid=$(kr_child_pid "$pid")
    wait "$pid"
    rc=$?
    local limit_ms
    limit_ms=$(awk -v t="$(kr_scale "$timeout")" 'BEGIN { printf "%d", t * 1000 - 50 }')
    if [ "$rc" -eq 124 ] && [ $(($(kr_now_ms) - start)) -ge "$limit_ms" ]; then
        why="timed out after $(kr_scale "$timeout") s"
    elif [ "$rc" -ne "$expect" ]; then
        why="exit status $rc, expected $expect"
    fi
    local m
    for m in "${matches[@]}"; do
        m=${m//@HOST@/$HOST}
        if ! grep -Eq -- "$m" "$kr_out"; then
            why="${why:+$why; }no output line matches '$m'"
        fi
    done
    if ! kr_no_leftovers "$mark" >>"$kr_out"; then
        why="${why:+$why; }processes left behind"
    fi
    local new
    new=$(kr_new_files "$before" "${mpid:-$pid}" "${mpid:+known}")
    if [ -n "$new" ]; then
        why="${why:+$why; }new files: $(echo $new)"
    fi
    if [ -z "$why" ]; then
        kr_pass "$name"
    else
        kr_fail "$name: $why"
        sed 's/^/    | /' "$kr_out" | tail -n 30
    fi
}

while read -r line; do
    case $line in '' | '#'*) continue ;; esac
    [ -n "$filter" ] && [[ $line != *"$filter"* ]] && continue
    # shellcheck disable=SC2086
    run_line $line
done <"$list"
echo "run.sh: $kr_passes passed, $kr_failures failed, $skipped skipped"
[ "$kr_failures" -eq 0 ]

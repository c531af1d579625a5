#!/bin/bash
# The host's shared-memory segment has no name in /dev/shm once MPI_Init is past creating it,
# under Kurir's mpirun and under a foreign launcher (MPICH's mpiexec.hydra, which cleans up
# nothing): checked by the ranks themselves after MPI_Init, and after a job killed (kill -9)
# while its first rank waits in MPI_Init for the others.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

PROG=$KURIR_BUILDDIR/tests/integration/progs/shm_noname

# The segment label ("kurir-<jobid>-n0") mapped by process $1, polled until it appears or the
# process ends.
seg_of() {
    local label
    while kill -0 "$1" 2>/dev/null; do
        label=$(grep -o 'kurir-[^ ]*-n[0-9]*' "/proc/$1/maps" 2>/dev/null | head -n 1)
        [ -n "$label" ] && { echo "$label"; return; }
        sleep 0.02
    done
}

# launcher name, then its command prefix
check_launcher() {
    local name=$1 np label dir pid lpid mark
    shift
    for np in 2 3 4; do
        kr_run 60 "$@" -n $np "$PROG" check
        label=$(sed -n 's/^segment //p' "$kr_out")
        kr_expect "$name np $np: after MPI_Init no kurir file in /dev/shm, segment mapped" \
            [ "$kr_rc" -eq 0 -a -n "$label" ]
        [ "$kr_rc" -eq 0 ] || cat "$kr_err"
        kr_expect "$name np $np: nothing of the job left afterwards" \
            [ -z "$(ls /dev/shm/"$label"* 2>/dev/null)" ]
    done
    # Killed during MPI_Init: rank 0 created the segment and waits in the boot fence.
    dir=$(mktemp -d /tmp/krtest-shm.XXXXXX)
    mark=$(kr_new_mark)
    KURIR_TEST_MARK=$mark timeout -k 5 "$(kr_scale 60)" "$@" -n 3 "$PROG" stall "$dir" \
        >"$kr_out" 2>&1 </dev/null &
    lpid=$!
    while kill -0 "$lpid" 2>/dev/null && [ ! -s "$dir/leader.pid" ]; do
        sleep 0.02
    done
    pid=$(cat "$dir/leader.pid" 2>/dev/null)
    label=""
    [ -n "$pid" ] && label=$(seg_of "$pid")
    kr_expect "$name: killed in MPI_Init: the first rank had created its segment" [ -n "$label" ]
    kr_expect "$name: ... which has no name in /dev/shm even then" \
        [ -n "$label" -a -z "$(ls /dev/shm/"$label"* 2>/dev/null)" ]
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    wait "$lpid" 2>/dev/null
    # The ranks that never initialized may outlive a launcher that does not reap them.
    for p in $(kr_marked_pids "$mark"); do kill -9 "$p" 2>/dev/null; done
    kr_expect "$name: ... no process of the job left" kr_no_leftovers "$mark"
    kr_expect "$name: ... and nothing is left after kill -9" \
        [ -n "$label" -a -z "$(ls /dev/shm/"$label"* 2>/dev/null)" ]
    [ -n "$label" ] && rm -f /dev/shm/"$label"* # a failure leaves nothing behind either
    rm -rf "$dir"
}

check_launcher mpirun "$MPIRUN"
# The named form: gone from /dev/shm once every local rank has attached.
kr_run 60 "$MPIRUN" -n 3 -x KURIR_SHM_MEMFD=no "$PROG" check
kr_expect "KURIR_SHM_MEMFD=no: the named segment is unlinked by the end of MPI_Init" \
    [ "$kr_rc" -eq 0 ]
if command -v mpiexec.hydra >/dev/null 2>&1; then
    check_launcher mpiexec.hydra mpiexec.hydra
else
    echo "SKIP: mpiexec.hydra not installed"
fi
kr_finish

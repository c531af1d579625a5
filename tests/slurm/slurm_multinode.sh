#!/bin/bash
# Kurir under a private MULTI-node Slurm: two fake nodes n1, n2 (network namespaces krsl-n1,
# krsl-n2 on bridge krsl0, 10.79.0.0/24, each with its own hostname, IPC and /dev/shm; made by
# the tests/multihost helpers under another prefix and subnet, so the two suites never collide),
# one slurmd per node, slurmctld and munged in the root namespace (10.79.0.1).
#   (a) srun --mpi=pmi2 -N 2 -n 4: examples and integration programs; shm within a node, tcp
#       between nodes (KURIR_REPORT_TRANSPORTS=1)
#   (b) sbatch -N 2 with `mpirun PROG` and no hosts: the allocation's nodes, the second node's
#       daemon started by srun; 4 ranks on 2 hostnames, status 0
#   (c) a rank on the second node exits 3: mpirun says so and exits 3, the job ends
#   (d) scancel of a running two-node mpirun job ends everything
#   (e) mpirun in salloc's shell on the login node: both nodes' daemons started by srun
#   (f) mpirun as the one task of a job step (srun -n 1 mpirun) still uses the whole job
# After each case nothing may be left on any node: no process besides slurmd, no file in its
# /dev/shm, no marked process, no kurir file in /tmp. Needs root, slurm-wlm, munge, iproute2 and
# util-linux; exits 77 with the reason otherwise. Everything is torn down by the EXIT trap.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/lib.sh"
. "$here/slurm_lib.sh"

skip() {
    echo "SKIP: multi-node Slurm: $*"
    exit 77
}
why=$(kr_slurm_can_run) || skip "$why"
[ -x "$KURIR_BUILDDIR/tests/multihost/mh_prog" ] || skip "tests/multihost/mh_prog not built"
for t in ip unshare nsenter flock; do
    command -v $t >/dev/null 2>&1 || skip "$t not found (apt-get install iproute2 util-linux)"
done
probe=krsl-probe$$
ip netns add "$probe" 2>/dev/null || skip "cannot create a network namespace (ip netns add)"
ip netns exec "$probe" true 2>/dev/null
ok=$?
ip netns del "$probe"
[ $ok -eq 0 ] || skip "cannot enter a network namespace (ip netns exec)"

# One run at a time: the bridge, namespaces and subnet have fixed names. The lock file stays.
lock=/run/lock/krsl.lock
[ -d /run/lock ] || lock=/tmp/krsl.lock
exec 9>"$lock"
flock -w "$(kr_scale 300)" 9 || skip "another run holds $lock"

NNODES=2
KRTB_PREFIX=krsl
KRTB_HOST=n
KRTB_NET=10.79.0
KRTB_DIR=$(mktemp -d /tmp/krsl.XXXXXX) || skip "mktemp failed"
. "$here/../multihost/common.sh"
touch "$KRTB_DIR/.krtb-state" # hosts-down.sh removes only a directory marked so
# kr_slurm_on_node: slurmd of node n<i> in that fake host's namespaces, with the machine's /sys
# (slurmd probes the cgroup hierarchies at start even with proctrack/linuxproc, task/none).
kr_slurm_on_node() {
    local i=${1#"$KRTB_HOST"}
    shift
    KRTB_KEEP_SYS=1 krtb_host_exec "$i" "$@"
}
# shellcheck disable=SC2034 # read by slurm_lib.sh
KR_SLURM_NODES=$(for i in $(seq $NNODES); do printf '%s=%s ' "$(krtb_name "$i")" "$(krtb_ip "$i")"; done)
# shellcheck disable=SC2034 # read by slurm_lib.sh
KR_SLURM_CTLD_ADDR=$KRTB_LOGIN

sl_cleanup() {
    kr_slurm_down
    KRTB_PREFIX=$KRTB_PREFIX KRTB_HOST=$KRTB_HOST KRTB_NET=$KRTB_NET KRTB_DIR=$KRTB_DIR \
        "$here/../multihost/hosts-down.sh"
    rm -rf "$KRTB_DIR" "$kr_out" "$kr_err"
}
trap sl_cleanup EXIT
trap 'exit 1' INT TERM HUP

# Leftovers of an interrupted run, then the network.
KRTB_PREFIX=$KRTB_PREFIX KRTB_HOST=$KRTB_HOST KRTB_NET=$KRTB_NET KRTB_DIR=/nonexistent \
    "$here/../multihost/hosts-down.sh" >/dev/null 2>&1
krtb_hosts_files $NNODES
krtb_net_up $NNODES >"$kr_out" 2>&1 || skip "cannot set up the fake nodes' network: $(tail -1 "$kr_out")"
kr_slurm_start >"$kr_out" 2>&1 || skip "cannot start a private Slurm: $(tail -1 "$kr_out")"
echo "private Slurm in $KR_SLURM_DIR, nodes: $(sinfo -h -N -o '%N=%T' | paste -sd' ')"

EX=$KURIR_BUILDDIR/examples
PROGS=$KURIR_BUILDDIR/tests/integration/progs
SRUN="srun --mpi=pmi2 -N 2 -n 4 -K"

# --- leftovers on the nodes ------------------------------------------------------------------
sl_slurmd_pid() {
    local pf
    pf=$KR_SLURM_DIR/slurmd-$(krtb_name "$1").pid
    [ -s "$pf" ] && grep -qs slurmd "/proc/$(cat "$pf")/comm" && cat "$pf"
}

# Everything of ours left, one line each: processes in a node's namespace besides its slurmd,
# files in its /dev/shm, marked processes anywhere, new kurir files in /tmp and /dev/shm here.
sl_leftovers_now() {
    local i p sd
    for i in $(seq $NNODES); do
        sd=$(sl_slurmd_pid "$i")
        for p in $(ip netns pids "$(krtb_ns "$i")" 2>/dev/null); do
            [ "$p" = "$sd" ] && continue
            echo "$(krtb_name "$i"): process $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
        done
        [ -n "$sd" ] && nsenter -t "$sd" -m find /dev/shm -mindepth 1 -maxdepth 1 2>/dev/null |
            sed "s|^|$(krtb_name "$i"): file |"
    done
    for p in $(kr_marked_pids "$mark"); do
        echo "process $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
    done
    kr_snapshot | comm -13 <(echo "$before") - | sed 's|^|file |'
}

# Succeeds when nothing is left within a few seconds (slurmstepd and the ranks take a moment
# to go after a job ends); otherwise says what.
sl_nothing_left() {
    local end=$(($(kr_now_ms) + $(printf '%.0f' "$(kr_scale 10)") * 1000)) left
    while :; do
        left=$(sl_leftovers_now)
        [ -z "$left" ] && return 0
        [ "$(kr_now_ms)" -gt $end ] && break
        sleep 0.1
    done
    printf '%s\n' "$left" | sed 's/^/  left behind: /'
    return 1
}

sl_new_case() {
    mark=$(kr_new_mark)
    before=$(kr_snapshot)
}

# sl_two_per_node FILE: examples/hello's lines say 2 ranks on n1 and 2 on n2.
sl_two_per_node() {
    [ "$(grep -c '^hello from rank [0-3] of 4 on n1$' "$1")" -eq 2 ] &&
        [ "$(grep -c '^hello from rank [0-3] of 4 on n2$' "$1")" -eq 2 ]
}

# sl_show: the last job's output, for a failed check.
sl_show() {
    sed 's/^/  out| /' "$kr_out" | tail -n 20
    sed 's/^/  err| /' "$kr_err" | tail -n 20
}

# --- (a) direct launch across the nodes ------------------------------------------------------
sl_new_case
for prog in "$EX/hello" "$EX/ring" "$PROGS/p2p_exchange" "$PROGS/coll_all" "$PROGS/comm_split"; do
    KURIR_TEST_MARK=$mark kr_run 60 $SRUN "$prog"
    kr_expect "srun -N 2 -n 4 $(basename "$prog")" [ "$kr_rc" -eq 0 ]
    [ "$kr_rc" -eq 0 ] || sl_show
done
KURIR_TEST_MARK=$mark KURIR_REPORT_TRANSPORTS=1 kr_run 60 $SRUN "$EX/hello"
kr_expect "srun: hello with KURIR_REPORT_TRANSPORTS=1, status 0" [ "$kr_rc" -eq 0 ]
kr_expect "srun: hello reports 4 ranks, 2 on each node" sl_two_per_node "$kr_out"
# srun places blocks: ranks 0,1 on n1 and 2,3 on n2.
ok=1
for r in 0 1 2 3; do
    node=$((r / 2 + 1))
    peer=$((r ^ 1))
    others=$([ $node -eq 1 ] && echo 2-3 || echo 0-1)
    grep -q "^kurir: rank $r (host n$node): tcp→$others shm→$peer self→$r$" "$kr_err" || ok=0
done
kr_expect "srun: shm within a node, tcp between nodes" [ $ok -eq 1 ]
[ $ok -eq 1 ] || sl_show
kr_expect "srun: nothing left on any node" sl_nothing_left

# --- sbatch jobs ------------------------------------------------------------------------------
# sl_sbatch MODE: submit job_multinode.sh MODE on 2 nodes x 2 tasks; job id in $jobid, output
# file in $job_out.
sl_sbatch() {
    job_out=$KR_SLURM_DIR/job-$1.out
    jobid=$(KURIR_TEST_MARK=$mark KR_JOB_BUILDDIR=$KURIR_BUILDDIR sbatch --parsable -N 2 \
        --ntasks-per-node=2 -t 5 -o "$job_out" "$here/job_multinode.sh" "$1" 2>"$kr_err")
    kr_expect "sbatch -N 2 ($1) accepted ($(head -c 200 "$kr_err"))" [ -n "$jobid" ]
}

sl_job_show() {
    sed 's/^/  job| /' "$job_out"
}

# (b) mpirun inside the allocation, no hosts given.
sl_new_case
sl_sbatch hello
if [ -n "$jobid" ]; then
    kr_sbatch_wait "$jobid" 90
    kr_expect "sbatch hello: job COMPLETED (state $job_state, exit $job_exit)" \
        [ "$job_state" = COMPLETED ]
    kr_expect "sbatch hello: mpirun status 0" grep -q '^hello: status 0$' "$job_out"
    kr_expect "sbatch hello: 4 ranks, 2 on each node" sl_two_per_node "$job_out"
    kr_expect "sbatch hello: the daemon for n2 started by srun" \
        grep -q 'started the daemon for host n2 (pid [0-9]*): srun ' "$job_out"
    kr_expect "sbatch hello: shm within a node, tcp between nodes" [ "$(grep -Ec \
        '^kurir: rank ([01] \(host n1\): tcp→2-3 shm→[01]|[23] \(host n2\): tcp→0-1 shm→[23]) self' \
        "$job_out")" -eq 4 ]
    kr_expect "sbatch gate: ring and allreduce across the nodes" \
        [ "$(grep -c '^done [0-3]$' "$job_out")" -eq 4 ]
    kr_expect "sbatch gate: status 0" grep -q '^gate: status 0$' "$job_out"
    [ "$job_state" = COMPLETED ] && [ -z "$KRTEST_VERBOSE" ] || sl_job_show
fi
kr_expect "sbatch hello: nothing left on any node" sl_nothing_left

# (c) a rank on the second node fails.
sl_new_case
sl_sbatch fail
if [ -n "$jobid" ]; then
    kr_sbatch_wait "$jobid" 90
    kr_expect "sbatch fail: job ended FAILED with exit code 3 (state $job_state, exit $job_exit)" \
        [ "$job_state" = FAILED -a "$job_exit" = 3:0 ]
    kr_expect "sbatch fail: mpirun exited 3" grep -q '^fail: status 3$' "$job_out"
    kr_expect "sbatch fail: mpirun names rank 3 on n2 and its status" \
        grep -Eq '^mpirun: .*rank 3.*n2.*(exit|status).*3' "$job_out"
    [ "$job_state" = FAILED ] && grep -q '^fail: status 3$' "$job_out" || sl_job_show
fi
kr_expect "sbatch fail: nothing left on any node" sl_nothing_left

# (d) scancel of a running job.
sl_new_case
sl_sbatch block
if [ -n "$jobid" ]; then
    end=$(($(kr_now_ms) + $(printf '%.0f' "$(kr_scale 60)") * 1000))
    until [ "$(grep -c '^ready ' "$job_out" 2>/dev/null)" = 4 ] || [ "$(kr_now_ms)" -gt $end ]; do
        sleep 0.1
    done
    kr_expect "sbatch block: 4 ranks running on both nodes" \
        [ "$(grep -c '^ready [0-3] n[12] ' "$job_out")" -eq 4 ]
    scancel "$jobid"
    kr_sbatch_wait "$jobid" 60
    kr_expect "scancel: job CANCELLED (state $job_state)" [ "$job_state" = CANCELLED ]
    [ "$job_state" = CANCELLED ] || sl_job_show
fi
kr_expect "scancel: nothing left on any node" sl_nothing_left

# (e) mpirun on the login node (this namespace, no node of the job) in salloc's shell: every node
# is remote, both daemons start by srun at once.
sl_new_case
KURIR_TEST_MARK=$mark KURIR_DAEMON=$KURIR_BUILDDIR/launcher/daemon/kurir-daemon kr_run 60 \
    salloc -N 2 --ntasks-per-node=2 env KURIR_LOG=info "$MPIRUN" --bind-to none "$EX/hello"
kr_expect "salloc: mpirun on the login node, status 0" [ "$kr_rc" -eq 0 ]
kr_expect "salloc: 4 ranks, 2 on each node" sl_two_per_node "$kr_out"
kr_expect "salloc: a daemon started by srun on each node" [ "$(grep -c \
    'started the daemon for host n[12] (pid [0-9]*): srun ' "$kr_err")" -eq 2 ]
[ "$kr_rc" -eq 0 ] || sl_show
kr_expect "salloc: nothing left on any node" sl_nothing_left

# (f) mpirun as the one task of a job step (srun -N 1 -n 1 mpirun): SLURM_TASKS_PER_NODE is the
# step's then, the job's nodes and CPUs are still mpirun's to use.
sl_new_case
KURIR_TEST_MARK=$mark KURIR_DAEMON=$KURIR_BUILDDIR/launcher/daemon/kurir-daemon kr_run 60 \
    salloc -N 2 --ntasks-per-node=2 srun -N 1 -n 1 --overlap "$MPIRUN" --bind-to none "$EX/hello"
kr_expect "srun -n 1 mpirun: the job's 4 slots on 2 nodes, status 0" [ "$kr_rc" -eq 0 ]
kr_expect "srun -n 1 mpirun: 4 ranks, 2 on each node" sl_two_per_node "$kr_out"
[ "$kr_rc" -eq 0 ] || sl_show
kr_expect "srun -n 1 mpirun: nothing left on any node" sl_nothing_left

kr_finish

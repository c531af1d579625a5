# A private Slurm for the tests (sourced, bash): munged with its own key and socket, slurmctld
# and slurmd on 127.0.0.1 at free ports, everything (config, state, spool, logs, pid files) in
# one temporary directory that kr_slurm_down removes. Nothing system-wide is touched: the
# system's munge and Slurm, if any, keep running, and clients find ours through SLURM_CONF.
#
#   kr_slurm_can_run     0, or 77 with the reason on stdout (not root, packages missing)
#   kr_slurm_up          start; 0, or 77 with the reason (a daemon would not come up)
#   kr_slurm_start       kr_slurm_up, up to 3 tries (concurrent runs can collide on ports)
#   kr_slurm_down        cancel our jobs, stop our daemons by pid, remove the directory
#
# One node by default: this host at 127.0.0.1. A multi-node test (slurm_multinode.sh) sets
# KR_SLURM_NODES ("name=address ..."), KR_SLURM_CTLD_ADDR (where the nodes reach slurmctld)
# and redefines kr_slurm_on_node, which starts each node's slurmd (in its namespaces there).
# Every slurmd has its own pid file, log and spool directory (%n: the node's name).
#
# Every wait is a poll for a condition with a deadline, never a bare sleep.

KR_SLURM_DIR=
KR_SLURM_NODE=$(hostname -s)
KR_SLURM_NODES=${KR_SLURM_NODES:-"$KR_SLURM_NODE=127.0.0.1"}
KR_SLURM_CTLD_ADDR=${KR_SLURM_CTLD_ADDR:-127.0.0.1}

# kr_slurm_on_node NAME CMD...: run CMD (slurmd, which daemonizes) for node NAME.
kr_slurm_on_node() {
    shift
    "$@"
}

# The node names, one a line.
kr_slurm_node_names() {
    local n
    for n in $KR_SLURM_NODES; do echo "${n%%=*}"; done
}

kr_slurm_can_run() {
    local p
    if [ "$(id -u)" != 0 ]; then
        echo "not root (slurmd and munged must run as root)"
        return 77
    fi
    for p in munged munge unmunge slurmctld slurmd srun sbatch squeue scontrol scancel sinfo; do
        if ! command -v $p >/dev/null 2>&1; then
            echo "$p not installed (apt-get install slurm-wlm munge)"
            return 77
        fi
    done
    return 0
}

# kr_slurm_wait SECONDS COMMAND...: poll COMMAND every 0.1 s until it succeeds or time is up.
kr_slurm_wait() {
    local deadline=$(($(date +%s%3N) + $1 * 1000))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s%3N)" -gt $deadline ] && return 1
        sleep 0.1
    done
}

# A TCP port on 127.0.0.1 that nothing listens on, and the next one free too.
kr_slurm_free_port() {
    local p
    for _ in $(seq 50); do
        p=$((20000 + RANDOM % 30000))
        if ! ss -Htln "( sport = :$p or sport = :$((p + 1)) )" 2>/dev/null | grep -q .; then
            echo $p
            return 0
        fi
    done
    return 1
}

kr_slurm_alive() { # pidfile comm
    [ -s "$1" ] && grep -qs "$2" "/proc/$(cat "$1")/comm"
}

kr_slurm_conf() { # port
    local hw n names
    hw=$(slurmd -C 2>/dev/null | head -1)
    hw=${hw#NodeName=* }
    names=$(kr_slurm_node_names | paste -sd,)
    cat >"$KR_SLURM_DIR/slurm.conf" <<EOF
# written by tests/slurm/slurm_lib.sh
ClusterName=kurirtest
SlurmctldHost=$KR_SLURM_NODE($KR_SLURM_CTLD_ADDR)
SlurmctldPort=$1
SlurmdPort=$(($1 + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$KR_SLURM_DIR/munge/munge.socket.2
CredType=cred/munge
StateSaveLocation=$KR_SLURM_DIR/state
SlurmdSpoolDir=$KR_SLURM_DIR/spool/%n
SlurmctldPidFile=$KR_SLURM_DIR/slurmctld.pid
SlurmdPidFile=$KR_SLURM_DIR/slurmd-%n.pid
SlurmctldLogFile=$KR_SLURM_DIR/log/slurmctld.log
SlurmdLogFile=$KR_SLURM_DIR/log/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$KR_SLURM_DIR/plugstack.conf
SwitchType=switch/none
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
MinJobAge=300
KillWait=2
Waittime=0
EOF
    for n in $KR_SLURM_NODES; do
        echo "NodeName=${n%%=*} NodeAddr=${n#*=} $hw State=UNKNOWN"
    done >>"$KR_SLURM_DIR/slurm.conf"
    echo "PartitionName=debug Nodes=$names Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES" \
        >>"$KR_SLURM_DIR/slurm.conf"
    : >"$KR_SLURM_DIR/plugstack.conf"
}

# Every node has registered.
kr_slurm_node_ready() {
    [ "$(sinfo -h -N -o '%T' 2>/dev/null | grep -cE '^(idle|mixed|allocated)')" -eq \
        "$(kr_slurm_node_names | wc -l)" ]
}

kr_slurm_up() {
    local port why
    why=$(kr_slurm_can_run) || { echo "$why"; return 77; }
    KR_SLURM_DIR=$(mktemp -d /tmp/krtest-slurm.XXXXXX) || { echo "mktemp failed"; return 77; }
    chmod 755 "$KR_SLURM_DIR"
    mkdir -p "$KR_SLURM_DIR"/{munge,state,spool,log}
    chmod 700 "$KR_SLURM_DIR/state" "$KR_SLURM_DIR/spool"
    if command -v mungekey >/dev/null 2>&1; then
        mungekey -c -k "$KR_SLURM_DIR/munge/munge.key" 2>/dev/null
    else
        dd if=/dev/urandom of="$KR_SLURM_DIR/munge/munge.key" bs=1024 count=1 status=none
    fi
    chmod 600 "$KR_SLURM_DIR/munge/munge.key"
    munged --force --key-file="$KR_SLURM_DIR/munge/munge.key" \
        --socket="$KR_SLURM_DIR/munge/munge.socket.2" --pid-file="$KR_SLURM_DIR/munge/munged.pid" \
        --log-file="$KR_SLURM_DIR/log/munged.log" --seed-file="$KR_SLURM_DIR/munge/munged.seed" \
        2>>"$KR_SLURM_DIR/log/start.log"
    if ! kr_slurm_wait 10 sh -c "munge -S '$KR_SLURM_DIR/munge/munge.socket.2' -n |
                                 unmunge -S '$KR_SLURM_DIR/munge/munge.socket.2'"; then
        echo "munged did not come up: $(tail -2 "$KR_SLURM_DIR/log/munged.log" 2>/dev/null)"
        return 77
    fi
    port=$(kr_slurm_free_port) || { echo "no free port for slurmctld"; return 77; }
    kr_slurm_conf "$port"
    export SLURM_CONF=$KR_SLURM_DIR/slurm.conf
    # Variables of an enclosing allocation would point our clients at another job.
    unset SLURM_JOB_ID SLURM_JOBID SLURM_JOB_NODELIST SLURM_NODELIST SLURM_TASKS_PER_NODE \
        SLURM_STEP_ID SLURM_NTASKS PBS_NODEFILE
    slurmctld -f "$SLURM_CONF" -c 2>>"$KR_SLURM_DIR/log/start.log"
    if ! kr_slurm_wait 20 sh -c 'scontrol ping | grep -q "is UP"'; then
        echo "slurmctld did not come up: $(tail -2 "$KR_SLURM_DIR/log/slurmctld.log" 2>/dev/null)"
        return 77
    fi
    for n in $(kr_slurm_node_names); do
        mkdir -p "$KR_SLURM_DIR/spool/$n"
        chmod 700 "$KR_SLURM_DIR/spool/$n"
        kr_slurm_on_node "$n" slurmd -f "$SLURM_CONF" -N "$n" 2>>"$KR_SLURM_DIR/log/start.log"
    done
    if ! kr_slurm_wait 30 kr_slurm_node_ready; then
        scontrol update NodeName="$(kr_slurm_node_names | paste -sd,)" State=RESUME >/dev/null 2>&1
        if ! kr_slurm_wait 10 kr_slurm_node_ready; then
            echo "slurmd did not register: $(sinfo -h -N -o '%N %T' 2>/dev/null | paste -sd' ');" \
                "$(tail -q -n 2 "$KR_SLURM_DIR"/log/slurmd-*.log 2>/dev/null)"
            return 77
        fi
    fi
    return 0
}

# kr_slurm_up, tried again (with fresh ports) when a daemon would not come up: two private
# clusters started at once (make -j check) can pick the same free port before either binds it.
kr_slurm_start() {
    local i
    for i in 1 2 3; do
        kr_slurm_up && return 0
        kr_slurm_can_run >/dev/null || return 77
        kr_slurm_down
    done
    return 77
}

kr_slurm_stop() { # pidfile comm
    local pid
    kr_slurm_alive "$1" "$2" || return 0
    pid=$(cat "$1")
    kill "$pid" 2>/dev/null
    kr_slurm_wait 10 sh -c "! test -d /proc/$pid" || kill -9 "$pid" 2>/dev/null
}

kr_slurm_down() {
    local d=$KR_SLURM_DIR
    [ -n "$d" ] && [ -d "$d" ] || return 0
    if [ -f "$d/slurm.conf" ]; then
        SLURM_CONF=$d/slurm.conf scancel --quiet --full 2>/dev/null
        kr_slurm_wait 10 sh -c "test -z \"\$(SLURM_CONF=$d/slurm.conf squeue -h 2>/dev/null)\""
    fi
    for p in "$d"/slurmd-*.pid; do
        kr_slurm_stop "$p" slurmd
    done
    kr_slurm_stop "$d/slurmctld.pid" slurmctld
    kr_slurm_stop "$d/munge/munged.pid" munged
    # A step interrupted with the test: its slurmstepd and tasks carry our SLURM_CONF.
    for p in $(grep -lsaF "SLURM_CONF=$d/slurm.conf" /proc/[0-9]*/environ |
        sed 's|^/proc/\([0-9]*\)/.*|\1|'); do
        [ "$p" != $$ ] && [ "$p" != "$BASHPID" ] && grep -qs slurmstepd "/proc/$p/comm" &&
            kill -9 "$p" 2>/dev/null
    done
    [ -n "$KRTEST_SLURM_KEEP" ] && { echo "kept $d"; return 0; }
    rm -rf "$d"
    KR_SLURM_DIR=
}

# kr_sbatch_wait JOBID SECONDS: poll until the job has left the queue (scancel it past the
# deadline and return 1); its final state in $job_state, its exit code (N:SIG) in $job_exit.
kr_sbatch_wait() {
    local deadline=$(($(kr_now_ms) + $(printf '%.0f' "$(kr_scale "$2")") * 1000)) info
    while :; do
        info=$(scontrol show job "$1" 2>/dev/null)
        job_state=$(echo "$info" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
        job_exit=$(echo "$info" | sed -n 's/.* ExitCode=\([0-9:]*\).*/\1/p')
        case $job_state in
        PENDING | RUNNING | CONFIGURING | COMPLETING | "") ;;
        *) return 0 ;;
        esac
        if [ "$(kr_now_ms)" -gt $deadline ]; then
            scancel "$1" 2>/dev/null
            return 1
        fi
        sleep 0.2
    done
}

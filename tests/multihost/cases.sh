# The cases of tests/multihost/run.sh (sourced). Each case_<name> runs one scenario across the
# fake hosts h1..h3 and reports through mh_verdict (PASS only when nothing is left behind) or
# mh_skip. Every wait has a deadline scaled by KURIR_TEST_TIMEOUT_MULT; nothing sleeps to
# synchronise.
# shellcheck shell=bash disable=SC2034,SC2154,SC2016 # run.sh's and lib.sh's variables; bash -c '...'

MH_CASES="ssh ompi programs ofi placement hostfile report-transports tcp-local kill-rank kill-daemon \
cut-host sigint stranger unknown-host"
MH_H3x2="h1:2,h2:2,h3:2"
MH_HB=5 # --heartbeat-timeout of the cut-host case, seconds
MH_DAEMON_RE=${KRTB_DAEMON_RE:-kurir-daemon|kurird} # command line of the per-host daemon

# Whether this build can run MPI across hosts (a network transport), from kurir-info. Without one
# the MPI cases skip and the fault cases run mh_prog --no-mpi: the launcher's side only.
mh_has_net() {
    "$KURIR_BUILDDIR/launcher/info/kurir-info" 2>/dev/null |
        grep -Eq '(^ +transports .*tcp|KURIR_TRANSPORTS|KURIR_TCP_)'
}
MH_NONET="this build has no network transport (kurir-info lists no tcp)"

# Called by run.sh once $MHPROG is known.
mh_cases_init() {
    if mh_has_net; then
        MH_NET=1
        MH_PROG=("$MHPROG")
        MH_LEVEL=""
    else
        MH_NET=0
        MH_PROG=("$MHPROG" --no-mpi)
        MH_LEVEL=" [launcher only: no network transport in this build]"
        echo "note: $MH_NONET; the MPI cases skip, the others run without MPI"
    fi
}

# mh_supports OPTION...: mpirun accepts the options (exit status 2 means a bad command line).
mh_supports() {
    timeout -k 2 "$(kr_scale 20)" "$MPIRUN" "$@" -n 1 true >/dev/null 2>&1 </dev/null
    [ $? -ne 2 ]
}

# --- the testbed itself -----------------------------------------------------------------------
case_ssh() {
    local why="" i got
    for i in 1 2 3; do
        got=$(timeout 20 "$AGENT" "h$i" hostname 2>&1)
        [ "$got" = "h$i" ] || why="${why:+$why; }ssh h$i hostname said '$got'"
    done
    got=$(timeout 20 "$MH/on-host.sh" h1 "$AGENT" h3 'hostname; ls -A /dev/shm' 2>&1)
    [ "$got" = h3 ] || why="${why:+$why; }h1 -> h3: '$got' (expected h3 and an empty /dev/shm)"
    mh_verdict "ssh: each host answers with its own name, also host to host" "$why"
}

# Open MPI across the fake hosts, when installed: checks the testbed, not Kurir.
case_ompi() {
    local ring=$mh_tmp/ompi_ring
    if ! command -v mpirun.openmpi >/dev/null || ! command -v mpicc.openmpi >/dev/null; then
        mh_skip "ompi: Open MPI across the fake hosts (mpirun.openmpi/mpicc.openmpi not installed)"
        return
    fi
    if ! mpicc.openmpi -O1 "$KURIR_SRCDIR/examples/ring.c" -o "$ring" 2>"$kr_err"; then
        mh_verdict "ompi: compile examples/ring.c with mpicc.openmpi" "mpicc.openmpi failed"
        return
    fi
    kr_run 60 "$MH/login.sh" mpirun.openmpi --allow-run-as-root --bind-to none \
        --mca plm_rsh_agent "$AGENT" --mca oob_tcp_if_include "$KRTB_NET.0/24" \
        --mca btl_tcp_if_include "$KRTB_NET.0/24" --mca pml ob1 --mca btl tcp,self,vader \
        -H "$MH_H3x2" -n 6 "$ring"
    local why=""
    [ "$kr_rc" -eq 0 ] || why="exit status $kr_rc"
    mh_verdict "ompi: Open MPI runs examples/ring across $MH_H3x2" "$why"
}

# --- (a) MPI programs across 3 hosts x 2 ranks ------------------------------------------------
# (KRTB_PROGRAMS overrides the list: paths relative to the build directory)
MH_PROGRAMS=${KRTB_PROGRAMS:-"examples/hello examples/ring examples/pi examples/heat
tests/integration/progs/p2p_types tests/integration/progs/p2p_match
tests/integration/progs/p2p_requests tests/integration/progs/p2p_sizes
tests/integration/progs/coll_basic tests/integration/progs/coll_all"}

case_programs() {
    local p why
    if [ "$MH_NET" -eq 0 ]; then
        mh_skip "programs: MPI programs across hosts ($MH_NONET)"
        return
    fi
    for p in $MH_PROGRAMS; do
        mh_case_start_ms=$(kr_now_ms)
        mh_new_case
        if [ ! -x "$KURIR_BUILDDIR/$p" ]; then
            mh_skip "programs: $p (not built)"
            continue
        fi
        mh_run 120 -H "$MH_H3x2" -n 6 "$KURIR_BUILDDIR/$p"
        why=""
        [ "$kr_rc" -eq 0 ] || why="exit status $kr_rc"
        [ "$kr_timed_out" -eq 0 ] || why="timed out"
        mh_verdict "programs: ${p##*/} across $MH_H3x2" "$why"
    done
}

# The same programs with the hosts linked by libfabric (tcp;ofi_rxm, read rendezvous) instead of
# Kurir's TCP; shared memory within each host. p2p_types is left out: it expects shm errors.
MH_OFI_PROGRAMS=${KRTB_OFI_PROGRAMS:-"examples/ring tests/integration/progs/p2p_match
tests/integration/progs/p2p_sizes tests/integration/progs/p2p_large
tests/integration/progs/coll_basic tests/integration/progs/coll_all"}

case_ofi() {
    local p why
    if [ "$MH_NET" -eq 0 ] || ! "$KURIR_BUILDDIR/launcher/info/kurir-info" 2>/dev/null \
        | grep -q 'ofi (other hosts'; then
        mh_skip "ofi: MPI programs across hosts over libfabric (no ofi transport in this build)"
        return
    fi
    for p in $MH_OFI_PROGRAMS; do
        mh_case_start_ms=$(kr_now_ms)
        mh_new_case
        if [ ! -x "$KURIR_BUILDDIR/$p" ]; then
            mh_skip "ofi: $p (not built)"
            continue
        fi
        mh_run 120 -H "$MH_H3x2" -n 6 -x KURIR_TRANSPORTS=shm,ofi -x "KURIR_OFI_PROVIDER=tcp;ofi_rxm" \
            "$KURIR_BUILDDIR/$p"
        why=""
        [ "$kr_rc" -eq 0 ] || why="exit status $kr_rc"
        [ "$kr_timed_out" -eq 0 ] || why="timed out"
        mh_verdict "ofi: ${p##*/} across $MH_H3x2 (shm within hosts, tcp;ofi_rxm between)" "$why"
    done
}

# --- (b) placement: by slot (default) and --map-by node ---------------------------------------
# $1: expected host of each rank 0..5, as "h1 h1 h2 ...".
mh_check_placement() {
    local r=0 h why=""
    for h in $1; do
        [ "$(mh_rank_host $r)" = "$h" ] || why="${why:+$why; }rank $r on '$(mh_rank_host $r)', expected $h"
        r=$((r + 1))
    done
    echo "$why"
}

case_placement() {
    local why
    : >"$mh_tmp/open"
    mh_run 60 -H "$MH_H3x2" -n 6 "${MH_PROG[@]}" gate "$mh_tmp/open"
    why=$(mh_check_placement "h1 h1 h2 h2 h3 h3")
    [ "$kr_rc" -eq 0 ] || why="exit status $kr_rc${why:+; $why}"
    mh_verdict "placement: by slot, ranks 0-5 on h1 h1 h2 h2 h3 h3$MH_LEVEL" "$why"

    mh_case_start_ms=$(kr_now_ms)
    mh_new_case
    # an mpirun that only accepts --map-by for compatibility does not list it as an option
    if ! "$MPIRUN" --help 2>&1 | grep -Eq -- '^ +(-[[:alnum:]]+, )?--map-by'; then
        mh_skip "placement: --map-by node (mpirun --help lists no --map-by option)"
        return
    fi
    mh_run 60 -H "$MH_H3x2" --map-by node -n 6 "${MH_PROG[@]}" gate "$mh_tmp/open"
    why=$(mh_check_placement "h1 h2 h3 h1 h2 h3")
    [ "$kr_rc" -eq 0 ] || why="exit status $kr_rc${why:+; $why}"
    mh_verdict "placement: --map-by node, ranks 0-5 on h1 h2 h3 h1 h2 h3$MH_LEVEL" "$why"
}

# --- hosts from a file, the agent from KURIR_RSH, -N ----------------------------------------
case_hostfile() {
    local why hf=$mh_tmp/hostfile
    if ! "$MPIRUN" --help 2>&1 | grep -Eq -- '^ +--hostfile'; then
        mh_skip "hostfile: mpirun --help lists no --hostfile"
        return
    fi
    printf '# fake hosts\nh1 slots=2\nh3:1\n\nh2 slots=2 # two here\n' >"$hf"
    : >"$mh_tmp/open"
    mh_start_cmd env KURIR_RSH="$AGENT" "$MH/login.sh" "$MPIRUN" -x KURIR_TEST_MARK="$mark" \
        --hostfile "$hf" -n 5 "${MH_PROG[@]}" gate "$mh_tmp/open"
    mh_finish 60
    why=$(mh_check_placement "h1 h1 h3 h2 h2")
    [ "$kr_rc" -eq 0 ] || why="exit status $kr_rc${why:+; $why}"
    mh_verdict "hostfile: --hostfile (slots=, :N, comments), agent from KURIR_RSH$MH_LEVEL" "$why"

    mh_case_start_ms=$(kr_now_ms)
    mh_new_case
    mh_run 60 -H "$MH_H3x2" -N 1 "${MH_PROG[@]}" gate "$mh_tmp/open"
    why=$(mh_check_placement "h1 h2 h3")
    [ "$kr_rc" -eq 0 ] || why="exit status $kr_rc${why:+; $why}"
    [ "$(mh_nready)" -eq 3 ] || why="${why:+$why; }$(mh_nready) ranks, expected 3"
    mh_verdict "hostfile: -N 1 over h1:2,h2:2,h3:2 runs one rank per host$MH_LEVEL" "$why"
}

# --- (c) transports: shm within a host, tcp across --------------------------------------------
# Checks the "kurir: rank R (host H): shm→1 tcp→2,3" lines against the ranks' hosts: every peer
# on the same host by shm, every other by tcp. Lists may use ranges (2-5).
mh_check_transports() {
    awk -v np="$1" '
    function expand(r, list, kind,    n, a, b, i, lo, hi, k) {
        n = split(list, a, ",")
        for (i = 1; i <= n; i++) {
            if (split(a[i], b, "-") == 2) { lo = b[1]; hi = b[2] } else { lo = hi = a[i] }
            for (k = lo + 0; k <= hi + 0; k++) { via[r "," k] = kind }
        }
    }
    $1 == "ready" { host[$2] = $3 }
    /^kurir: rank [0-9]+ \(host [^)]*\):/ {
        r = $3; seen[r] = 1
        for (i = 6; i <= NF; i++) {
            if (split($i, kv, "→") == 2) { expand(r, kv[2], kv[1]) }
        }
    }
    END {
        bad = 0
        for (r = 0; r < np; r++) {
            if (!(r in seen)) { print "no transport line for rank " r; bad = 1; continue }
            for (p = 0; p < np; p++) {
                if (p == r) { continue }
                want = (host[p] == host[r]) ? "shm" : "tcp"
                if (via[r "," p] != want) {
                    print "rank " r " (" host[r] ") reaches " p " (" host[p] ") by \"" via[r "," p] "\", not " want
                    bad = 1
                }
            }
        }
        exit bad
    }' "$kr_out" "$kr_err" | head -n 5 | paste -sd ';' -
}

# Asks for the transport report by option when mpirun has it, else by the library's setting.
mh_report_opt() {
    if mh_supports --report-transports; then
        echo --report-transports
    else
        echo "-x KURIR_REPORT_TRANSPORTS=1"
    fi
}

case_report_transports() {
    local why
    if [ "$MH_NET" -eq 0 ]; then
        mh_skip "report-transports: ($MH_NONET)"
        return
    fi
    : >"$mh_tmp/open"
    # shellcheck disable=SC2046
    mh_run 60 $(mh_report_opt) -H "$MH_H3x2" -n 6 "${MH_PROG[@]}" gate "$mh_tmp/open"
    why=$(mh_check_transports 6)
    [ "$kr_rc" -eq 0 ] || why="exit status $kr_rc${why:+; $why}"
    mh_verdict "report-transports: shm within each host, tcp across hosts" "$why"
}

# --- (d) TCP forced on one host ---------------------------------------------------------------
case_tcp_local() {
    local why
    if [ "$MH_NET" -eq 0 ]; then
        mh_skip "tcp-local: ($MH_NONET)"
        return
    fi
    if ! "$KURIR_BUILDDIR/launcher/info/kurir-info" --settings 2>/dev/null | grep -q KURIR_TRANSPORTS; then
        mh_skip "tcp-local: KURIR_TRANSPORTS=tcp on one host (kurir-info --settings has no KURIR_TRANSPORTS)"
        return
    fi
    : >"$mh_tmp/open"
    # shellcheck disable=SC2046
    mh_start_cmd "$MPIRUN" -n 4 -x KURIR_TEST_MARK="$mark" -x KURIR_TRANSPORTS=tcp $(mh_report_opt) \
        "${MH_PROG[@]}" gate "$mh_tmp/open"
    mh_finish 60
    why=""
    [ "$kr_rc" -eq 0 ] || why="exit status $kr_rc"
    [ "$(grep -c '^done ' "$kr_out")" -eq 4 ] || why="${why:+$why; }not every rank finished"
    grep -Eq '^kurir: rank 0 \(host [^)]*\):.*tcp→' "$kr_out" "$kr_err" ||
        why="${why:+$why; }no 'kurir: rank 0 (host ...): ... tcp→' line"
    grep -Eq '^kurir: rank [0-9]+ \(host [^)]*\):.*shm→' "$kr_out" "$kr_err" &&
        why="${why:+$why; }a rank still uses shm"
    mh_verdict "tcp-local: KURIR_TRANSPORTS=tcp, 4 ranks on one host" "$why"
}

# mpirun's first message of the job, for failure reports.
mh_first_said() {
    grep -m 1 '^mpirun:' "$kr_err" || echo "(nothing)"
}

# --- (e) a remote rank dies -------------------------------------------------------------------
# mh_check_death RANK HOST SIG T0-MS BOUND-S: mpirun ended with 128+SIG within BOUND-S of T0 and
# named the rank and its host ("rank 3 on host h2 (pid 123) killed by signal 9 (Killed)").
mh_check_death() {
    local why="" took=$((mh_exit_ms - $4)) bound
    bound=$(printf '%.0f' "$(kr_scale "$5")")
    [ "$mh_rc" -eq $((128 + $3)) ] || why="exit status $mh_rc, expected $((128 + $3))"
    [ "$took" -le $((bound * 1000)) ] || why="${why:+$why; }mpirun ended ${took} ms after the death (bound ${bound} s)"
    grep -Eq "^mpirun: rank $1 on host $2 .*signal $3" "$kr_err" ||
        why="${why:+$why; }mpirun did not say 'rank $1 on host $2 ... signal $3' but: $(mh_first_said)"
    echo "$why"
}

case_kill_rank() {
    local why pid t0
    # rank 3 (on h2) raises SIGKILL on itself right after MPI_Init, a barrier and an allreduce;
    # the job may be over before the test sees the ready lines, so the bound is from the start
    t0=$(kr_now_ms)
    mh_start -H "$MH_H3x2" -n 6 "${MH_PROG[@]}" die 3 9
    mh_wait_exit 60
    why=$(mh_check_death 3 h2 9 "$t0" 30)
    grep -q '^ready 3 h2 ' "$kr_out" || why="${why:+$why; }rank 3 did not start on h2"
    mh_verdict "kill-rank: rank 3 on h2 kills itself; job ends, 137, message$MH_LEVEL" "$why"

    # rank 5 (on h3) killed from outside, on its host, while every rank waits in MPI_Recv
    mh_case_start_ms=$(kr_now_ms)
    mh_new_case
    mh_start -H "$MH_H3x2" -n 6 "${MH_PROG[@]}" block
    if mh_wait_ready 6 60; then
        pid=$(mh_rank_pid 5)
        t0=$(kr_now_ms)
        "$MH/on-host.sh" h3 kill -KILL "$pid"
        mh_wait_exit 60
        why=$(mh_check_death 5 h3 9 "$t0" 10)
    else
        mh_wait_exit 30
        why="the ranks did not start (exit status $mh_rc)"
    fi
    mh_verdict "kill-rank: kill -9 of rank 5 on h3 from outside; job ends, 137, message$MH_LEVEL" "$why"
}

# --- (f) a host's daemon dies -----------------------------------------------------------------
case_kill_daemon() {
    local why="" pids t0 took bound
    mh_start -H "$MH_H3x2" -n 6 "${MH_PROG[@]}" block
    if mh_wait_ready 6 60; then
        pids=$(mh_host_pgrep 2 "$MH_DAEMON_RE")
        if [ -z "$pids" ]; then
            why="no daemon process found on h2"
            kill -TERM "$mh_pid"
            mh_wait_exit 30
        else
            t0=$(kr_now_ms)
            # shellcheck disable=SC2086
            "$MH/on-host.sh" h2 kill -KILL $pids
            mh_wait_exit 60
            took=$((mh_exit_ms - t0))
            bound=$(printf '%.0f' "$(kr_scale 10)")
            [ "$mh_rc" -ne 0 ] && [ "$mh_rc" -ne 124 ] || why="exit status $mh_rc"
            [ "$took" -le $((bound * 1000)) ] || why="${why:+$why; }mpirun ended ${took} ms after the kill (bound ${bound} s)"
            grep -Eq '^mpirun: .*host h2([^0-9]|$)' "$kr_err" ||
                why="${why:+$why; }mpirun did not name host h2 but said: $(mh_first_said)"
        fi
    else
        mh_wait_exit 30
        why="the ranks did not start (exit status $mh_rc)"
    fi
    mh_verdict "kill-daemon: kill -9 of h2's daemon; job ends non-zero, message names h2$MH_LEVEL" "$why"
}

# --- (g) a host is cut off the network --------------------------------------------------------
case_cut_host() {
    local why="" t0 took bound
    if ! mh_supports --heartbeat-timeout "$MH_HB"; then
        mh_skip "cut-host: mpirun has no --heartbeat-timeout"
        return
    fi
    mh_start --heartbeat-timeout "$MH_HB" -H "$MH_H3x2" -n 6 "${MH_PROG[@]}" block
    if mh_wait_ready 6 60; then
        t0=$(kr_now_ms)
        "$MH/net.sh" down h3
        mh_wait_exit $((MH_HB * 4 + 10))
        took=$((mh_exit_ms - t0))
        bound=$(printf '%.0f' "$(kr_scale $((MH_HB * 2 + 5)))")
        [ "$mh_rc" -ne 0 ] && [ "$mh_rc" -ne 124 ] || why="exit status $mh_rc"
        [ "$took" -le $((bound * 1000)) ] || why="${why:+$why; }mpirun ended ${took} ms after the cut (bound ${bound} s)"
        grep -Eq '^mpirun: .*host h3([^0-9]|$)' "$kr_err" ||
            why="${why:+$why; }mpirun did not name host h3 but said: $(mh_first_said)"
    else
        mh_wait_exit 30
        why="the ranks did not start (exit status $mh_rc)"
    fi
    # the reachable hosts first; h3 can only notice once it is reconnected (or by its own
    # heartbeat timeout), so it gets a longer deadline
    mh_verdict "cut-host: h3's link down; job ends non-zero, message names h3$MH_LEVEL" "$why" h3
    mh_case_start_ms=$(kr_now_ms)
    "$MH/net.sh" up h3
    why=""
    local end=$(($(kr_now_ms) + $(printf '%.0f' "$(kr_scale $((MH_HB * 4 + 30)))") * 1000))
    while [ -n "$(mh_leftovers_now "h1 h2")" ] && [ "$(kr_now_ms)" -lt "$end" ]; do
        sleep 0.2
    done
    mh_verdict "cut-host: h3 reconnected; nothing of the job is left on it$MH_LEVEL" "$why"
}

# --- (h) SIGINT to mpirun ---------------------------------------------------------------------
case_sigint() {
    local why="" t0 took bound
    mh_start -H "$MH_H3x2" -n 6 "${MH_PROG[@]}" block
    if mh_wait_ready 6 60; then
        t0=$(kr_now_ms)
        kill -INT "$mh_pid"
        mh_wait_exit 60
        took=$((mh_exit_ms - t0))
        bound=$(printf '%.0f' "$(kr_scale 10)")
        [ "$mh_rc" -eq 130 ] || why="exit status $mh_rc, expected 130"
        [ "$took" -le $((bound * 1000)) ] || why="${why:+$why; }mpirun ended ${took} ms after SIGINT (bound ${bound} s)"
    else
        mh_wait_exit 30
        why="the ranks did not start (exit status $mh_rc)"
    fi
    mh_verdict "sigint: SIGINT to mpirun; 130, every host cleaned up$MH_LEVEL" "$why"
}

# --- (i) strangers write garbage to mpirun's and the ranks' ports -----------------------------
# TCP ports that processes $2... listen on, seen from network namespace $1 ("" = login node).
mh_listen_ports() {
    local ns=$1 p
    shift
    for p in "$@"; do
        ${ns:+ip netns exec "$ns"} ss -Hltnp 2>/dev/null | grep -F "pid=$p," |
            awk '{ print $4 }' | sed 's/.*://'
    done | sort -un
}

# mh_garbage NS ADDR PORT: connect from namespace NS and send several kinds of junk: random
# bytes, a PMI-looking line, a huge length prefix, and a connection that stays silent.
mh_garbage() {
    ip netns exec "$1" timeout 10 bash -c '
        send() { exec 3<>"/dev/tcp/$1/$2" || return; printf "%b" "$3" >&3; exec 3>&-; }
        send "$1" "$2" "$(head -c 3000 /dev/urandom | od -An -tx1 | tr -d " \n" | sed "s/../\\\\x&/g")"
        send "$1" "$2" "cmd=abort;code=7;\n00000000cmd=finalize\n"
        send "$1" "$2" "\xff\xff\xff\xff\xff\xff\xff\xff"
        send "$1" "$2" ""' _ "$2" "$3" 2>/dev/null
}

case_stranger() {
    local why="" ports p r n=0 host pid holders=""
    mh_start -H "$MH_H3x2" -n 6 "${MH_PROG[@]}" gate "$mh_tmp/go"
    if mh_wait_ready 6 60; then
        ports=$(mh_listen_ports "" "$mh_pid")
        [ -n "$ports" ] || why="mpirun listens on no TCP port"
        for p in $ports; do
            mh_garbage krtb-h2 "$KRTB_LOGIN" "$p"
            n=$((n + 1))
        done
        for r in 0 3 5; do
            host=$(mh_rank_host $r)
            pid=$(mh_rank_pid $r)
            for p in $(mh_listen_ports "krtb-$host" "$pid"); do
                mh_garbage krtb-h1 "$(krtb_ip "${host#h}")" "$p"
                n=$((n + 1))
            done
        done
        # shellcheck disable=SC2046 # a list of pids
        for p in $(mh_listen_ports krtb-h2 $(mh_host_pgrep 2 "$MH_DAEMON_RE")); do
            mh_garbage krtb-h1 "$(krtb_ip 2)" "$p"
            n=$((n + 1))
        done
        # and strangers that connect and stay silent until the job ends
        for p in $ports; do
            timeout 120 bash -c 'exec 3<>"/dev/tcp/$0/$1" && read -r -t 100 <&3' "$KRTB_LOGIN" "$p" \
                2>/dev/null &
            holders="$holders $!"
        done
        touch "$mh_tmp/go"
        mh_wait_exit 60
        [ "$mh_rc" -eq 0 ] || why="${why:+$why; }exit status $mh_rc"
        [ "$(grep -c '^done ' "$kr_out")" -eq 6 ] || why="${why:+$why; }not every rank finished"
    else
        mh_wait_exit 30
        why="the ranks did not start (exit status $mh_rc)"
    fi
    # shellcheck disable=SC2086
    kill $holders 2>/dev/null
    mh_verdict "stranger: junk on $n ports of mpirun, h2's daemon and ranks 0,3,5; job unaffected$MH_LEVEL" "$why"
}

# --- (j) a host name that does not resolve ----------------------------------------------------
case_unknown_host() {
    local why="" log=$KRTB_DIR/h1/sshd.log lines
    lines=$(wc -l <"$log")
    mh_run 30 -H h1:1,nosuchhost.invalid:1 -n 2 "${MH_PROG[@]}" block
    [ "$kr_rc" -ne 0 ] && [ "$kr_timed_out" -eq 0 ] || why="exit status $kr_rc"
    grep -q 'nosuchhost.invalid' "$kr_err" || why="${why:+$why; }no message names nosuchhost.invalid"
    [ "$(mh_nready)" -eq 0 ] || why="${why:+$why; }ranks started"
    # sshd logs every connection when it ends (also one closed before authentication); once
    # nothing is left, h1's log must not have grown
    mh_leftovers >/dev/null
    if [ "$(wc -l <"$log")" -ne "$lines" ]; then
        why="${why:+$why; }h1 was contacted anyway: $(tail -n +$((lines + 1)) "$log" | head -n 1)"
    fi
    mh_verdict "unknown-host: -H h1:1,nosuchhost.invalid:1; error, nothing started$MH_LEVEL" "$why"
}

#!/bin/bash
# Hosts and placement on one machine: -H and --hostfile (both dialects) with this machine's
# names, errors that exit 2 naming file:line, unknown hosts, too few slots, --oversubscribe,
# --map-by, -N, MPI_UNIVERSE_SIZE from the slots, other machines refused cleanly until the
# daemon exists, --report-transports.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

APPNUM=$KURIR_BUILDDIR/tests/integration/progs_launch/appnum
tmp=$(mktemp -d /tmp/krtest-hosts.XXXXXX)
trap 'rm -rf "$tmp" "$kr_out" "$kr_err"' EXIT

# Hostfile errors, each naming the file and line.
printf 'localhost\n# comment\n%s slots=x\n' "$HOST" >"$tmp/bad1"
kr_expect_usage "hostfile: bad slot count" "mpirun: $tmp/bad1:3: bad slot count 'x'" \
    --hostfile "$tmp/bad1" true
printf 'localhost cpus=4\n' >"$tmp/bad2"
kr_expect_usage "hostfile: unknown keyword" \
    "mpirun: $tmp/bad2:1: unknown keyword 'cpus=4' (expected slots=N or max_slots=N)" \
    --hostfile "$tmp/bad2" true
printf 'localhost:2\n\nkr-no-such-host.invalid slots=2\n' >"$tmp/bad3"
kr_run 30 "$MPIRUN" --machinefile "$tmp/bad3" true
kr_expect "hostfile: unknown host names file:line and the host" \
    [ "$kr_rc" -eq 2 -a "$(grep -c "^mpirun: $tmp/bad3:3: unknown host 'kr-no-such-host.invalid' (it does not resolve: " "$kr_err")" -eq 1 ]
printf '# nothing\n\n' >"$tmp/empty"
kr_expect_usage "hostfile: no hosts" "mpirun: $tmp/empty: no hosts in the file" \
    --hostfile "$tmp/empty" true
kr_expect_usage "hostfile: missing" \
    "mpirun: cannot read hostfile '$tmp/nope': No such file or directory" --hostfile "$tmp/nope" true
kr_expect_usage "-H: bad slot count" "mpirun: -H: bad slot count '0' in 'localhost:0'" \
    -H localhost:0 true
kr_run 30 "$MPIRUN" -H localhost,kr-no-such-host.invalid true
kr_expect "-H: unknown host" \
    [ "$kr_rc" -eq 2 -a "$(grep -c "^mpirun: -H: unknown host 'kr-no-such-host.invalid' (it does not resolve: " "$kr_err")" -eq 1 ]

# Slots: default -n is every slot; this machine's names are one host whose slots add up.
kr_run 30 "$MPIRUN" -H localhost:2 "$RANKPROG" env PMI_SIZE
kr_expect "-H localhost:2 runs 2 ranks" [ "$kr_rc" -eq 0 -a "$(sort "$kr_out" | tr '\n' ' ')" = "2 2 " ]
kr_run 30 "$MPIRUN" -H localhost:2,127.0.0.1 -H "$HOST" "$APPNUM"
kr_expect "localhost, 127.0.0.1 and the hostname are one host of 4 slots" \
    [ "$kr_rc" -eq 0 -a "$(grep -c '^rank [0-3] of 4 appnum 0 universe 4 shared 4$' "$kr_out")" -eq 4 ]
printf '# both dialects\nlocalhost slots=2   \n127.0.0.1:1\n\n%s\n' "$HOST" >"$tmp/hosts"
kr_run 30 "$MPIRUN" --hostfile "$tmp/hosts" -n 2 "$APPNUM" expect 0 4
kr_expect "hostfile in both dialects: MPI_UNIVERSE_SIZE is the 4 slots" \
    [ "$kr_rc" -eq 0 -a "$(grep -c 'universe 4 shared 2$' "$kr_out")" -eq 2 ]
kr_expect_usage "too few slots" \
    "mpirun: 3 ranks requested but only 2 slots on 1 host; use --oversubscribe or add slots" \
    -H localhost:2 -n 3 true
kr_run 30 "$MPIRUN" -H localhost:2 -n 3 --oversubscribe "$RANKPROG" env PMI_SIZE
kr_expect "--oversubscribe allows it" [ "$kr_rc" -eq 0 -a "$(sort "$kr_out" | tr '\n' ' ')" = "3 3 3 " ]
kr_run 30 "$MPIRUN" -n 5 "$RANKPROG" env PMI_SIZE
kr_expect "without hosts there is no slot limit" [ "$kr_rc" -eq 0 -a "$(wc -l <"$kr_out")" -eq 5 ]

# --map-by and -N.
kr_expect_usage "--map-by with an unknown value" \
    "mpirun: --map-by board: unknown value; valid: slot, node, core, l3cache, numa, socket (or package), ppr:N:RESOURCE" --map-by board true
kr_run 30 "$MPIRUN" -H localhost:4 --map-by node "$RANKPROG" env PMI_SIZE
kr_expect "--map-by node on one host" [ "$kr_rc" -eq 0 -a "$(sort -u "$kr_out")" = "4" ]
kr_run 30 "$MPIRUN" -H localhost:4 -N 2 "$RANKPROG" env PMI_SIZE
kr_expect "-N 2 on one host: 2 ranks" [ "$kr_rc" -eq 0 -a "$(sort "$kr_out" | tr '\n' ' ')" = "2 2 " ]
kr_expect_usage "-N beyond the slots" \
    "mpirun: -N 3 puts 3 ranks on host 'localhost', which has 2 slots; use --oversubscribe or add slots" \
    -H localhost:2 -N 3 true

# Every address of this machine's interfaces (IPv6 ones too: a name with several ':' has no
# slot count) is this machine.
addrs=$(hostname -I 2>/dev/null)
for a in $addrs; do
    kr_run 30 "$MPIRUN" -H "localhost,$a" "$APPNUM"
    kr_expect "interface address $a is this machine" \
        [ "$kr_rc" -eq 0 -a "$(grep -c 'of 2 appnum 0 universe 2 shared 2$' "$kr_out")" -eq 2 ]
done

# Another machine. A documentation address (RFC 5737) that is
# not one of ours resolves as a number and is nobody's interface here.
other=
for a in 203.0.113.77 198.51.100.77 192.0.2.77; do
    case " $addrs " in *" $a "*) ;; *) other=$a; break ;; esac
done
mark=$(kr_new_mark)
# It gets a daemon through the launch agent; an agent that fails (here: false) ends the job.
kr_run 30 "$MPIRUN" --launch-agent false -H localhost:1,$other:1 -x KURIR_TEST_MARK=$mark \
    "$RANKPROG" ready
kr_expect "a host that is not this machine: clean failure" [ "$kr_rc" -eq 1 -a "$kr_timed_out" -eq 0 ] &&
    grep -qx "mpirun: could not start the daemon on host $other: the launch agent (false) exited with status 1 before it connected" "$kr_err"
kr_expect "... and no rank is left" kr_no_leftovers "$mark"
kr_run 30 "$MPIRUN" -H localhost:1,$other:1 -n 1 "$RANKPROG" env PMI_SIZE
kr_expect "a host that gets no rank needs no daemon" [ "$kr_rc" -eq 0 -a "$(cat "$kr_out")" = "1" ]

# --report-transports only sets the variable for the library.
kr_run 30 "$MPIRUN" -n 2 --report-transports "$RANKPROG" env KURIR_REPORT_TRANSPORTS
kr_expect "--report-transports sets KURIR_REPORT_TRANSPORTS=1 in every rank" \
    [ "$kr_rc" -eq 0 -a "$(sort "$kr_out" | tr '\n' ' ')" = "1 1 " ]
kr_run 10 "$MPIRUN" --help
kr_expect "--help documents the host options" \
    grep -q -- "--hostfile" "$kr_out" && grep -q -- "--map-by slot|node" "$kr_out" &&
    grep -q -- "--report-transports" "$kr_out" && grep -q -- "--output-filename" "$kr_out"

kr_finish

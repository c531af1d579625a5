#!/bin/bash
# mpirun's command line: --version/--help, bad options (exit 2 with a precise message), the
# program checked before anything starts, -x, compatibility no-ops, arguments passed through.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

kr_run 10 "$MPIRUN" --version
kr_expect "--version" [ "$kr_rc" -eq 0 -a "$(cat "$kr_out")" = "mpirun (Kurir) $(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"/\1/p' "$KURIR_BUILDDIR/config.h")" ]
kr_run 10 "$MPIRUN" --help
kr_expect "--help documents the options" \
    grep -q -- "--tag-output" "$kr_out" && grep -q -- "--timeout" "$kr_out" && [ "$kr_rc" -eq 0 ]

kr_expect_usage "-n x" "mpirun: -n needs a positive integer, got 'x'" -n x true
kr_expect_usage "-np 0" "mpirun: -np needs a positive integer, got '0'" -np 0 true
kr_expect_usage "-n -3" "mpirun: -n needs a positive integer, got '-3'" -n -3 true
kr_expect_usage "-n=abc" "mpirun: -n needs a positive integer, got 'abc'" -n=abc true
kr_expect_usage "-n at the end" "mpirun: -n needs a positive integer, got 'nothing'" -n
kr_expect_usage "unknown option" "mpirun: unknown option '--foo' (see mpirun --help)" --foo -n 2 true
kr_expect_usage "no program" \
    "mpirun: no program given (usage: mpirun -n N program [args...]; see mpirun --help)" -n 2
kr_expect_usage "missing program" "mpirun: cannot run './nope': No such file or directory" \
    -n 2 ./nope
kr_expect_usage "program not in PATH" "mpirun: cannot run 'kurir-no-such-cmd': command not found in PATH" \
    -n 2 kurir-no-such-cmd
kr_expect_usage "directory" "mpirun: cannot run '/tmp': Is a directory" -n 2 /tmp
noexec=$(mktemp /tmp/krtest-noexec.XXXXXX)
kr_expect_usage "not executable" "mpirun: cannot run '$noexec': Permission denied" -n 1 "$noexec"
rm -f "$noexec"
kr_expect_usage "bad --timeout" "mpirun: --timeout needs a positive number of seconds, got 'soon'" \
    --timeout soon true
kr_expect_usage "bad -x" "mpirun: -x needs VAR or VAR=VALUE with a valid variable name, got '1X=2'" \
    -x 1X=2 true

# Nothing was started by the failed commands above: the checks come first.
mark=$(kr_new_mark)
kr_run 10 "$MPIRUN" -n 2 -x KURIR_TEST_MARK=$mark ./nope
kr_expect "bad program starts nothing" kr_no_leftovers "$mark"

# Options of Open MPI that are accepted silently.
kr_run 20 "$MPIRUN" --oversubscribe --allow-run-as-root --bind-to none --map-by slot -np 3 \
    "$RANKPROG" exit 0
kr_expect "compatibility flags are silent no-ops" [ "$kr_rc" -eq 0 -a ! -s "$kr_out" -a ! -s "$kr_err" ]

# -x VAR=VALUE, -x VAR copying our value, and arguments that look like options.
export KR_OPTS_COPIED="copied value"
kr_run 20 "$MPIRUN" -n 2 -x KR_A=1=2 "$RANKPROG" env KR_A
kr_expect "-x VAR=VALUE (value may hold '=')" [ "$(sort -u "$kr_out")" = "1=2" -a "$kr_rc" -eq 0 ]
kr_run 20 "$MPIRUN" -x KR_OPTS_COPIED -n 1 "$RANKPROG" env KR_OPTS_COPIED
kr_expect "-x VAR copies mpirun's value" [ "$(cat "$kr_out")" = "copied value" ]
kr_run 20 "$MPIRUN" -n 2 sh -c 'echo "$# $1 $2 $3"' sh -n 5 --foo
kr_expect "arguments after the program go to it" [ "$(sort -u "$kr_out")" = "3 -n 5 --foo" ]
kr_run 20 "$MPIRUN" -n 3 sh -c 'echo "$PMI_RANK/$PMI_SIZE $PMI_JOBID"'
kr_expect "PMI_RANK/PMI_SIZE/PMI_JOBID" [ "$(cut -d' ' -f1 "$kr_out" | sort | tr '\n' ' ')" = "0/3 1/3 2/3 " ]
kr_expect "one filename-safe job id for all ranks" \
    [ "$(cut -d' ' -f2 "$kr_out" | sort -u | grep -c '^k[0-9]*-[0-9a-f]*$')" -eq 1 ]
kr_run 20 "$MPIRUN" -n 2 hostname
kr_expect "non-MPI programs run (hostname)" [ "$kr_rc" -eq 0 -a "$(sort -u "$kr_out")" = "$HOST" ]
kr_run 20 "$MPIRUN" "$RANKPROG" env PMI_SIZE
kr_expect "default is one rank" [ "$(cat "$kr_out")" = "1" ]

kr_finish

#!/bin/bash
# Several programs in one job (':'): per-program -n, -x and -wdir, MPI_APPNUM per program,
# MPI_UNIVERSE_SIZE of the whole job, one MPI_COMM_WORLD; -wdir checks; --output-filename
# writes DIR/1/rank.N/stdout and stderr instead of the terminal.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

APPNUM=$KURIR_BUILDDIR/tests/integration/progs_launch/appnum
tmp=$(mktemp -d /tmp/krtest-mpmd.XXXXXX)
trap 'rm -rf "$tmp" "$kr_out" "$kr_err"' EXIT

kr_run 60 "$MPIRUN" -n 2 "$APPNUM" expect 0 5 : -n 3 "$APPNUM" expect 1 5
kr_expect "MPMD: both programs run in one world of 5" [ "$kr_rc" -eq 0 ]
kr_expect "MPMD: ranks 0-1 have MPI_APPNUM 0, ranks 2-4 have 1, universe 5" \
    [ "$(sort "$kr_out" | tr '\n' ';')" = "rank 0 of 5 appnum 0 universe 5 shared 5;rank 1 of 5 appnum 0 universe 5 shared 5;rank 2 of 5 appnum 1 universe 5 shared 5;rank 3 of 5 appnum 1 universe 5 shared 5;rank 4 of 5 appnum 1 universe 5 shared 5;" ]
kr_run 60 "$MPIRUN" -n 1 "$APPNUM" expect 0 3 : "$APPNUM" expect 1 3 : -n 1 "$APPNUM" expect 2 3
kr_expect "MPMD: three programs, one without -n (one rank), MPI_APPNUM 0, 1, 2" [ "$kr_rc" -eq 0 ]
kr_run 60 "$MPIRUN" -n 1 "$APPNUM" expect 0 1
kr_expect "one program: MPI_APPNUM 0, MPI_UNIVERSE_SIZE 1" [ "$kr_rc" -eq 0 ]

# -x before the first program goes to every program; after a ':' only to its program, where it
# wins over the global one.
kr_run 30 "$MPIRUN" --tag-output -x KR_G=g -x KR_F=global -n 1 "$RANKPROG" env KR_F : \
    -n 2 -x KR_F=ctx "$RANKPROG" env KR_F : -n 1 "$RANKPROG" env KR_G
kr_expect "MPMD: -x global and per program" \
    [ "$kr_rc" -eq 0 -a "$(sort "$kr_out" | tr '\n' ' ')" = "[0] global [1] ctx [2] ctx [3] g " ]
kr_run 30 "$MPIRUN" -n 1 sh -c 'echo "[$1]"' sh a -n 3 : -n 1 sh -c 'echo "($1)"' sh b
kr_expect "MPMD: arguments up to the ':' belong to the program" \
    [ "$kr_rc" -eq 0 -a "$(sort "$kr_out" | tr '\n' ' ')" = "(b) [a] " ]
kr_run 10 "$MPIRUN" -n 2 true :
kr_expect "MPMD: ':' without a program is a usage error" [ "$kr_rc" -eq 2 ] &&
    grep -q "^mpirun: no program after ':'" "$kr_err"

# -wdir: absolute, relative to mpirun's directory, per program, and checked first.
mkdir -p "$tmp/w1" "$tmp/w2/sub"
kr_run 30 "$MPIRUN" -n 2 -wdir "$tmp/w1" pwd
kr_expect "-wdir DIR: the ranks run there" [ "$kr_rc" -eq 0 -a "$(sort -u "$kr_out")" = "$tmp/w1" ]
(cd "$tmp/w2" && kr_run 30 "$MPIRUN" --wdir sub pwd && [ "$kr_rc" -eq 0 -a "$(cat "$kr_out")" = "$tmp/w2/sub" ])
kr_expect "--wdir relative to mpirun's directory" [ $? -eq 0 ]
kr_run 30 "$MPIRUN" --tag-output -wdir "$tmp/w1" -n 1 pwd : -n 1 -wdir "$tmp/w2" pwd : -n 1 pwd
kr_expect "-wdir per program (before the first program: the default of all)" \
    [ "$kr_rc" -eq 0 -a "$(sort "$kr_out" | tr '\n' ' ')" = "[0] $tmp/w1 [1] $tmp/w2 [2] $tmp/w1 " ]
(cd "$KURIR_BUILDDIR" && kr_run 30 "$MPIRUN" -n 1 -wdir "$tmp/w1" ./tests/integration/progs_launch/rankprog env PMI_RANK &&
    [ "$kr_rc" -eq 0 -a "$(cat "$kr_out")" = "0" ])
kr_expect "a ./program is found from mpirun's directory, not from -wdir" [ $? -eq 0 ]
kr_run 10 "$MPIRUN" -n 2 -wdir "$tmp/nope" true
kr_expect "-wdir that does not exist: usage error" \
    [ "$kr_rc" -eq 2 -a "$(cat "$kr_err")" = "mpirun: -wdir $tmp/nope: No such file or directory" ]

# --output-filename: Open MPI's layout, nothing on the terminal.
kr_run 60 "$MPIRUN" -n 3 --output-filename "$tmp/out" "$RANKPROG" lines 6 50
kr_expect "--output-filename: job ok, nothing on the terminal" \
    [ "$kr_rc" -eq 0 -a ! -s "$kr_out" -a ! -s "$kr_err" ]
files_ok=1
for r in 0 1 2; do
    d=$tmp/out/1/rank.$r
    [ "$(wc -l <"$d/stdout")" -eq 3 ] && [ "$(wc -l <"$d/stderr")" -eq 3 ] || files_ok=0
    [ "$(cut -d' ' -f1 "$d/stdout" | sort -u)" = "$r" ] || files_ok=0
    [ "$(cut -d' ' -f2 "$d/stdout" | tr '\n' ' ')" = "0 2 4 " ] || files_ok=0
    [ "$(cut -d' ' -f2 "$d/stderr" | tr '\n' ' ')" = "1 3 5 " ] || files_ok=0
done
kr_expect "--output-filename: DIR/1/rank.N/stdout and stderr hold each rank's own lines" [ $files_ok -eq 1 ]
kr_expect "--output-filename: nothing else in DIR" \
    [ "$(cd "$tmp/out" && find . | sort | tr '\n' ' ')" = ". ./1 ./1/rank.0 ./1/rank.0/stderr ./1/rank.0/stdout ./1/rank.1 ./1/rank.1/stderr ./1/rank.1/stdout ./1/rank.2 ./1/rank.2/stderr ./1/rank.2/stdout " ]
(cd "$tmp" && kr_run 30 "$MPIRUN" -n 1 --output-filename rel "$RANKPROG" partial && [ "$kr_rc" -eq 0 ] &&
    [ "$(cat "$tmp/rel/1/rank.0/stdout")" = "partial-0" ])
kr_expect "--output-filename relative to mpirun's directory, partial line kept" [ $? -eq 0 ]
kr_run 30 "$MPIRUN" -n 2 --output-filename "$tmp/out" "$RANKPROG" exit 3 1
kr_expect "--output-filename: failures are still reported on mpirun's stderr" \
    [ "$kr_rc" -eq 3 ] && grep -q "^mpirun: rank 1 on host $HOST (pid [0-9]*) exited with status 3$" "$kr_err"
kr_expect "--output-filename: a new job truncates the files" [ ! -s "$tmp/out/1/rank.0/stdout" ]
touch "$tmp/file"
kr_run 30 "$MPIRUN" -n 1 --output-filename "$tmp/file" true
kr_expect "--output-filename under a file: the job fails with a message" \
    [ "$kr_rc" -eq 1 ] && grep -q "cannot create $tmp/file/1/rank.0/stdout for the output of rank 0: Not a directory" "$kr_err"

kr_finish

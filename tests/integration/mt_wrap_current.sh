#!/bin/bash
# The committed MPI_THREAD_MULTIPLE wrappers (src/api/api_mt_names.h, api_mt_wrap.c) are what
# src/api/api_mt_gen.sh makes from include/mpi.h today: a function added to mpi.h without
# re-running the generator would be exported without the lock (or not at all).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

gen=$(mktemp -d /tmp/krtest-mtgen.XXXXXX)
trap 'rm -rf "$gen"; rm -f "$kr_out" "$kr_err"' EXIT

sh "$KURIR_SRCDIR/src/api/api_mt_gen.sh" "$KURIR_SRCDIR" "$gen"
kr_expect "api_mt_gen.sh runs" test $? -eq 0
for f in api_mt_names.h api_mt_wrap.c; do
    kr_expect "src/api/$f is current (run src/api/api_mt_gen.sh)" \
        cmp -s "$gen/$f" "$KURIR_SRCDIR/src/api/$f"
done
n=$(grep -c '^#pragma weak MPI_' "$gen/api_mt_wrap.c")
d=$(grep -cE '^[A-Za-z_][A-Za-z0-9_ ]*[ *]PMPI_[A-Za-z0-9_]+\(' "$KURIR_SRCDIR/include/mpi.h")
kr_expect "one wrapper per PMPI_ declaration ($n of $d)" test "$n" -eq "$d" -a "$n" -gt 400

kr_finish

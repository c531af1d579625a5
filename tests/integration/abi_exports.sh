#!/bin/bash
# The installed library as the standard ABI promises it: soname libmpi_abi.so.0, only MPI_* and
# PMPI_* exported, every function mpi.h declares present under both names, MPI_* overridable
# (weak), and mpi.h's declarations all with a PMPI_ twin.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

lib=$KURIR_BUILDDIR/src/.libs/libmpi_abi.so
hdr=$KURIR_SRCDIR/include/mpi.h

soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
kr_expect "soname is libmpi_abi.so.0 (got '$soname')" [ "$soname" = libmpi_abi.so.0 ]

others=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -vE '^P?MPI_' || true)
kr_expect "only MPI_*/PMPI_* exported${others:+ (also: $(echo $others))}" [ -z "$others" ]

# Function declarations: a return type at the start of the line, then the name and '('.
decls() {
    sed -nE "s/^[A-Za-z_][A-Za-z0-9_ ]*[ *]($1[A-Z][A-Za-z0-9_]*)\(.*/\1/p" "$hdr" | sort -u
}
declared=$(decls MPI_)
pdeclared=$(decls PMPI_ | sed 's/^P//')
kr_expect "mpi.h declares functions (found $(echo "$declared" | wc -w))" \
    [ "$(echo "$declared" | wc -w)" -gt 40 ]
kr_expect "every MPI_ declaration in mpi.h has a PMPI_ twin" [ "$declared" = "$pdeclared" ]

# Functions (text, weak or indirect symbols); the variables mpi.h declares extern
# (MPI_F_STATUS_IGNORE and friends) are data and have no PMPI_ twin.
funcs=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TWi]$/')
exported=$(echo "$funcs" | awk '$3 ~ /^MPI_/ {print $3}' | sort -u)
pexported=$(echo "$funcs" | awk '$3 ~ /^PMPI_/ {print substr($3, 2)}' | sort -u)
vars=$(sed -nE 's/^extern [A-Za-z_][A-Za-z0-9_ ]*[ *](MPI_[A-Za-z0-9_]+);.*/\1/p' "$hdr" | sort -u)
data=$(nm -D --defined-only "$lib" | awk '$2 !~ /^[TWi]$/ && $3 ~ /^P?MPI_/ {print $3}' | sort -u)
kr_expect "exported data is exactly the variables mpi.h declares (got: $(echo $data))" \
    [ "$data" = "$vars" ]
missing=$(comm -23 <(echo "$declared") <(echo "$exported"))
kr_expect "every declared function is exported${missing:+ (missing: $(echo $missing))}" \
    [ -z "$missing" ]
kr_expect "MPI_* and PMPI_* exports match" [ "$exported" = "$pexported" ]
strong=$(echo "$funcs" | awk '$3 ~ /^MPI_/ && $2 != "W" {print $3}')
kr_expect "MPI_* are weak so profilers can override them${strong:+ (strong: $(echo $strong))}" \
    [ -z "$strong" ]

wrap=$KURIR_BUILDDIR/tests/integration/progs_abi/pmpi_wrap
for np in 1 3; do
    out=$("$MPIRUN" -n $np "$wrap" 2>&1)
    rc=$?
    kr_expect "PMPI wrappers see the program's calls and none of the library's at np $np" \
        test $rc -eq 0
    [ $rc -eq 0 ] || echo "$out"
done

kr_finish

#!/bin/sh
# Checks that CMake's FindMPI finds an installed Kurir through its mpicc/mpicxx and builds C and
# C++ programs with it, then runs them if mpirun is installed. Run by hand after make install:
#     tests/integration/cmake/check-cmake.sh PREFIX
# Environment: CMAKE (default cmake), KURIR_MPIRUN (default PREFIX/bin/mpirun), KEEP=1 keeps the
# build directory. Not part of `make check`, which runs before anything is installed.

set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 PREFIX   (where Kurir is installed, e.g. \$HOME/kurir)" >&2
    exit 2
fi
prefix=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
cmake=${CMAKE:-cmake}
mpirun=${KURIR_MPIRUN:-$prefix/bin/mpirun}

for tool in "$prefix/bin/mpicc" "$prefix/bin/mpicxx"; do
    if [ ! -x "$tool" ]; then
        echo "$0: $tool not found: is Kurir installed in $prefix?" >&2
        exit 1
    fi
done
if ! command -v "$cmake" >/dev/null 2>&1; then
    echo "$0: $cmake not found (apt-get install cmake)" >&2
    exit 77
fi

# hello.c from the source tree beside this script, else the copy installed with the docs.
examples=$here/../../../examples
if [ ! -f "$examples/hello.c" ]; then
    examples=$prefix/share/doc/kurir/examples
fi

build=$(mktemp -d "${TMPDIR:-/tmp}/kurir-cmake.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
    echo "build directory: $build"
else
    trap 'rm -rf "$build"' EXIT
fi

# A fresh build directory, and no MPI hints from the environment, so that FindMPI has only the
# wrappers given here to go on.
unset MPI_HOME MPICH_CC MPICH_CXX 2>/dev/null || true
"$cmake" -S "$here" -B "$build" \
    -DMPI_C_COMPILER="$prefix/bin/mpicc" -DMPI_CXX_COMPILER="$prefix/bin/mpicxx" \
    -DKURIR_PREFIX="$prefix" -DKURIR_EXAMPLES_DIR="$examples"
"$cmake" --build "$build"

if [ -x "$mpirun" ] || command -v "$mpirun" >/dev/null 2>&1; then
    "$mpirun" -n 2 "$build/hello_c"
    "$mpirun" -n 2 "$build/hello_cxx"
else
    echo "note: $mpirun not found; built the programs but did not run them"
fi
echo "cmake check passed: FindMPI found Kurir in $prefix"

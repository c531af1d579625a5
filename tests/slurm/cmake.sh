#!/bin/bash
# CMake's FindMPI against Kurir: configure tests/integration/cmake (find_package(MPI REQUIRED))
# with -DMPI_C_COMPILER=<prefix>/bin/mpicc, build, check that FindMPI took Kurir's headers and
# libmpi_abi (not another MPI on the system), and run the programs with mpirun. Uses the
# installed wrappers when `make install` has put a current Kurir in the configured prefix (CI
# does), else the build tree's mpicc-build/mpicxx-build. Exits 77 without cmake.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../integration/lib.sh"

if ! command -v cmake >/dev/null 2>&1; then
    echo "SKIP: cmake not installed (apt-get install cmake)"
    exit 77
fi
lib=$KURIR_BUILDDIR/src/.libs/libmpi_abi.so
prefix=${KR_TEST_PREFIX:-}
if [ -n "$prefix" ] && [ -x "$prefix/bin/mpicc" ] && [ -e "$prefix/lib/libmpi_abi.so" ] &&
    ! [ "$lib" -nt "$prefix/lib/libmpi_abi.so" ]; then
    cc=$prefix/bin/mpicc cxx=$prefix/bin/mpicxx want=$prefix/lib
    echo "using the installed Kurir in $prefix"
else
    cc=$KURIR_BUILDDIR/launcher/wrappers/mpicc-build cxx=$KURIR_BUILDDIR/launcher/wrappers/mpicxx-build
    want=$KURIR_BUILDDIR/src/.libs
    echo "using the build tree's wrappers (no current install in '${prefix}')"
fi
build=$(mktemp -d /tmp/krtest-cmake.XXXXXX)
trap 'rm -rf "$build"; rm -f "$kr_out" "$kr_err"' EXIT

unset MPI_HOME MPICH_CC MPICH_CXX
# A sanitizer build of Kurir needs its runtime in every program that loads the library; FindMPI
# keeps only -I/-L/-l from the wrapper, so the program gets the wrapper's -fsanitize flags here,
# as a user of such a build would have to give them.
san=$("$cc" -show | tr ' ' '\n' | grep '^-fsanitize=' | tr '\n' ' ')
kr_run 180 cmake -S "$KURIR_SRCDIR/tests/integration/cmake" -B "$build" \
    -DMPI_C_COMPILER="$cc" -DMPI_CXX_COMPILER="$cxx" -DKURIR_EXAMPLES_DIR="$KURIR_SRCDIR/examples" \
    -DCMAKE_EXE_LINKER_FLAGS="$san"
kr_expect "cmake configures with find_package(MPI REQUIRED)" [ "$kr_rc" -eq 0 ]
[ "$kr_rc" -eq 0 ] || tail -n 20 "$kr_out" "$kr_err"
kr_expect "FindMPI links Kurir's libmpi_abi from $want" \
    grep -q "MPI_C_LIBRARIES: $want/libmpi_abi\.so" "$kr_out"
kr_run 180 cmake --build "$build"
kr_expect "cmake --build" [ "$kr_rc" -eq 0 ]
[ "$kr_rc" -eq 0 ] || tail -n 20 "$kr_out" "$kr_err"
kr_run 60 "$MPIRUN" -n 2 "$build/hello_c"
kr_expect "mpirun -n 2 hello_c (examples/hello.c built by CMake)" \
    [ "$kr_rc" -eq 0 -a "$(grep -c ': ok$' "$kr_out")" -eq 1 ]
[ "$kr_rc" -eq 0 ] || cat "$kr_out" "$kr_err"
kr_run 60 "$MPIRUN" -n 2 "$build/hello_cxx"
kr_expect "mpirun -n 2 hello_cxx (C++ built by CMake)" [ "$kr_rc" -eq 0 ]
[ "$kr_rc" -eq 0 ] || cat "$kr_out" "$kr_err"
kr_finish

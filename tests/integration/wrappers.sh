#!/bin/sh
# Checks the compiler wrappers (mpicc, mpicxx and their -build variants) and the pkg-config
# files in the build tree: what -show and -showme:* print, that compile-only runs get no link
# flags, that odd arguments reach the compiler unchanged, and that pkg-config agrees.
# Run by `make check`, which exports KURIR_BUILDDIR and KURIR_SRCDIR.

set -u
: "${KURIR_BUILDDIR:?run this through make check, or export KURIR_BUILDDIR and KURIR_SRCDIR}"
: "${KURIR_SRCDIR:?run this through make check, or export KURIR_BUILDDIR and KURIR_SRCDIR}"

w=$KURIR_BUILDDIR/launcher/wrappers
fails=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/krtest-wrappers.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}

# check NAME ACTUAL EXPECTED
check() {
    if [ "$2" = "$3" ]; then
        echo "ok: $1"
    else
        fail "$1: got [$2], expected [$3]"
    fi
}

# contains NAME TEXT WORD...: every WORD is one of TEXT's space-separated words
contains() {
    kr_name=$1
    kr_text=" $2 "
    shift 2
    for kr_word in "$@"; do
        case $kr_text in
        *" $kr_word "*) ;;
        *)
            fail "$kr_name: [$kr_word] missing from [$kr_text]"
            return
            ;;
        esac
    done
    echo "ok: $kr_name"
}

# lacks NAME TEXT PATTERN...: no word of TEXT matches a PATTERN
lacks() {
    kr_name=$1
    kr_text=$2
    shift 2
    for kr_pat in "$@"; do
        for kr_word in $kr_text; do
            # shellcheck disable=SC2254 # the pattern is meant as a pattern
            case $kr_word in
            $kr_pat)
                fail "$kr_name: [$kr_word] should not be in [$kr_text]"
                return
                ;;
            esac
        done
    done
    echo "ok: $kr_name"
}

# The arguments joined with a separator that none of the test arguments contains.
joined() {
    printf '%s|' "$@"
}

for f in mpicc mpicxx mpicc-build mpicxx-build; do
    if [ ! -x "$w/$f" ]; then
        echo "FAIL: $w/$f was not built (make all builds it)" >&2
        exit 1
    fi
done

# --- what the installed wrapper will add: compared with pkg-config's view (made by configure)
# and with the build-tree wrapper, whose directories this script knows -----------------------
set -f
cc=$("$w/mpicc" -showme:command)
incdir=$("$w/mpicc" -showme:incdirs)
libdir=$("$w/mpicc" -showme:libdirs)
check "mpicc -showme:compile" "$("$w/mpicc" -showme:compile)" "-I$incdir"
contains "mpicc -showme:link" "$("$w/mpicc" -showme:link)" \
    "-L$libdir" "-Wl,-rpath,$libdir" -lmpi_abi
check "mpicc -showme:libs" "$("$w/mpicc" -showme:libs)" "mpi_abi"
check "mpicc -compile-info" "$("$w/mpicc" -compile-info)" "$cc -I$incdir"
check "mpicc -compile_info" "$("$w/mpicc" -compile_info)" "$cc -I$incdir"
contains "mpicc -link-info" "$("$w/mpicc" -link-info)" "$cc" "-I$incdir" "-L$libdir" -lmpi_abi
contains "mpicc -link_info" "$("$w/mpicc" -link_info)" "$cc" "-I$incdir" "-L$libdir" -lmpi_abi
check "mpicc-build -showme:incdirs" "$("$w/mpicc-build" -showme:incdirs)" \
    "$KURIR_BUILDDIR/include $KURIR_SRCDIR/include"
check "mpicc-build -showme:libdirs" "$("$w/mpicc-build" -showme:libdirs)" \
    "$KURIR_BUILDDIR/src/.libs"

# --- -show: the whole command, compiler first, the user's arguments in order ---------------
show=$("$w/mpicc" -show hello.c -o hello)
check "mpicc -show starts with the compiler and the arguments" "${show%% -I*}" \
    "$cc hello.c -o hello"
contains "mpicc -show links" "$show" "-I$incdir" "-L$libdir" "-Wl,-rpath,$libdir" -lmpi_abi
check "mpicc -showme is -show" "$("$w/mpicc" -showme hello.c -o hello)" "$show"
contains "bare mpicc -show lists every flag" "$("$w/mpicc" -show)" "$cc" "-I$incdir" -lmpi_abi
for opt in -c -S -E -M -MM; do
    out=$("$w/mpicc" -show "$opt" hello.c)
    contains "mpicc -show $opt compiles" "$out" "$opt" hello.c "-I$incdir"
    lacks "mpicc -show $opt adds no link flags" "$out" '-L*' '-Wl,*' '-l*'
done
check "mpicc --version reaches the compiler alone" "$("$w/mpicc" -show --version)" "$cc --version"
contains "mpicc -showme:version" "$("$w/mpicc" -showme:version)" "Kurir"
contains "mpicxx -showme:version" "$("$w/mpicxx" -showme:version)" "(C++,"
if "$w/mpicc" -showme:no-such-thing >/dev/null 2>&1; then
    fail "mpicc -showme:no-such-thing should fail"
else
    echo "ok: unknown -showme option fails"
fi
check "KURIR_CC replaces the compiler" "$(KURIR_CC=other-cc "$w/mpicc" -showme:command)" "other-cc"
check "KURIR_CXX replaces the compiler" "$(KURIR_CXX=other-cxx "$w/mpicxx" -showme:command)" \
    "other-cxx"
set +f

# --- odd arguments: -show quotes them so that a shell reads back the same words, and a real
# run passes them to the compiler unchanged (a stand-in compiler records what it got) -------
nl='
'
cat >"$tmp/fakecc" <<'EOF'
#!/bin/sh
printf '%s|' "$@" >"$FAKECC_OUT"
EOF
chmod +x "$tmp/fakecc"
export FAKECC_OUT="$tmp/fakecc.out"
# shellcheck disable=SC2016 # '$HOME' must stay unexpanded
set -- "-DMSG=a b" "it's" 'say "hi"' '$HOME' 'back\slash' '' "two${nl}lines" '*.c' x.c -o "my prog"
KURIR_CC=$tmp/fakecc "$w/mpicc-build" "$@"
ran=$(cat "$FAKECC_OUT")
check "arguments reach the compiler unchanged" "${ran%%-I*}" "$(joined "$@")"
shown=$(KURIR_CC=$tmp/fakecc "$w/mpicc-build" -show "$@")
eval "set -- $shown"
check "-show output, read by the shell, is the command that runs" "$(joined "$@")" \
    "$tmp/fakecc|$ran"

# The same with the real compiler: a name with spaces and a macro value with a space.
mkdir "$tmp/dir with space"
cat >"$tmp/dir with space/t.c" <<'EOF'
#define KR_STR(x) #x
#define KR_XSTR(x) KR_STR(x)
_Static_assert(sizeof(KR_XSTR(KR_GREETING)) == sizeof("hello world"), "-D value was split");
int kr_t(void);
int kr_t(void)
{
    return 0;
}
EOF
if "$w/mpicc-build" -c "$tmp/dir with space/t.c" -o "$tmp/dir with space/t.o" \
    "-DKR_GREETING=hello world" && [ -f "$tmp/dir with space/t.o" ]; then
    echo "ok: mpicc -c with spaces in the file name and a -D value"
else
    fail "mpicc -c with spaces in the file name and a -D value"
fi

# --- mpi.h from C and C++; linking once the library exists ----------------------------------
cat >"$tmp/p.c" <<'EOF'
#include <mpi.h>
int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    return MPI_Finalize();
}
EOF
cp "$tmp/p.c" "$tmp/p.cpp"
# ok_if NAME COMMAND...: pass when COMMAND succeeds
ok_if() {
    kr_name=$1
    shift
    if "$@"; then
        echo "ok: $kr_name"
    else
        fail "$kr_name"
    fi
}
if [ -f "$KURIR_SRCDIR/include/mpi.h" ]; then
    ok_if "mpi.h compiles as C" "$w/mpicc-build" -c "$tmp/p.c" -o "$tmp/p_c.o"
    ok_if "mpi.h compiles as C++" "$w/mpicxx-build" -c "$tmp/p.cpp" -o "$tmp/p_cxx.o"
else
    echo "note: $KURIR_SRCDIR/include/mpi.h not there yet, not compiled"
fi
if [ -f "$KURIR_BUILDDIR/src/.libs/libmpi_abi.so" ]; then
    ok_if "mpicc links a C program" "$w/mpicc-build" "$tmp/p.c" -o "$tmp/p_c"
    # This proves that mpi.h declares the functions extern "C".
    ok_if "mpicxx links a C++ program" "$w/mpicxx-build" "$tmp/p.cpp" -o "$tmp/p_cxx"
    if command -v readelf >/dev/null 2>&1 && [ -f "$tmp/p_c" ]; then
        contains "the program finds the library without LD_LIBRARY_PATH" \
            "$(readelf -d "$tmp/p_c" | sed -n 's/.*path: \[\(.*\)\]/\1/p')" \
            "$KURIR_BUILDDIR/src/.libs"
    fi
else
    echo "note: src/.libs/libmpi_abi.so not built yet, linking not checked"
fi

# --- pkg-config, pointed at the build tree (the .pc files there describe the install) ------
pc=${PKG_CONFIG:-pkg-config}
if command -v "$pc" >/dev/null 2>&1; then
    # Keep -I/usr/include and -L/usr/lib when the prefix is /usr, so the comparison holds.
    PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1
    PKG_CONFIG_ALLOW_SYSTEM_LIBS=1
    export PKG_CONFIG_ALLOW_SYSTEM_CFLAGS PKG_CONFIG_ALLOW_SYSTEM_LIBS
    for mod in kurir mpi; do
        flags=$(PKG_CONFIG_PATH=$w "$pc" --cflags --libs "$mod")
        contains "pkg-config --cflags --libs $mod" "$flags" \
            "-I$incdir" "-L$libdir" "-Wl,-rpath,$libdir" -lmpi_abi
        check "pkg-config --cflags $mod is mpicc -showme:compile" \
            "$(PKG_CONFIG_PATH=$w "$pc" --cflags "$mod" | sed 's/ *$//')" \
            "$("$w/mpicc" -showme:compile)"
    done
    contains "pkg-config --modversion kurir" "$("$w/mpicc" -showme:version)" \
        "$(PKG_CONFIG_PATH=$w "$pc" --modversion kurir)"
else
    echo "note: $pc not found, pkg-config files not checked"
fi

if [ "$fails" -ne 0 ]; then
    echo "$fails wrapper checks failed" >&2
    exit 1
fi
echo "all wrapper checks passed"

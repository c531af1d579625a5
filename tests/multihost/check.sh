#!/bin/sh
# make check entry of the multi-host tests: runs run.sh when this machine and this mpirun can,
# otherwise exits 77 (Automake's SKIP) and says why.
if [ -z "$KURIR_BUILDDIR" ]; then
    echo "set KURIR_BUILDDIR to the build directory (make check does this)" >&2
    exit 99
fi
here=$(cd "$(dirname "$0")" && pwd)
mpirun=$KURIR_BUILDDIR/launcher/mpirun/mpirun

skip() {
    echo "SKIP: multi-host tests: $*"
    exit 77
}

[ "$(id -u)" -eq 0 ] || skip "need root (network namespaces, sshd); run make check as root"
command -v bash >/dev/null || skip "bash not found"
command -v ip >/dev/null || skip "ip not found (apt-get install iproute2)"
command -v ssh >/dev/null || skip "ssh not found (apt-get install openssh-client)"
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || skip "sshd not found (apt-get install openssh-server)"
for t in unshare nsenter flock ss; do
    command -v "$t" >/dev/null || skip "$t not found (apt-get install util-linux iproute2)"
done
probe=krtb-probe$$
ip netns add "$probe" 2>/dev/null || skip "cannot create a network namespace (ip netns add)"
ip netns exec "$probe" true 2>/dev/null
ok=$?
ip netns del "$probe"
[ "$ok" -eq 0 ] || skip "cannot enter a network namespace (ip netns exec)"
[ -x "$mpirun" ] || skip "$mpirun not built"
help=$("$mpirun" --help 2>&1)
echo "$help" | grep -q -- '--launch-agent' ||
    skip "mpirun --help has no --launch-agent (remote daemons not built yet)"
echo "$help" | grep -Eq -- '(^|[ ,])(-H|--host)[ ,=]' ||
    skip "mpirun --help has no -H/--host (multi-host placement not built yet)"

# A cap on the whole run, so that nothing hangs CI: timeout signals the run's whole process
# group, and run.sh tears the hosts down on SIGTERM.
mult=${KURIR_TEST_TIMEOUT_MULT:-1}
exec timeout -k 60 "$(awk -v m="$mult" 'BEGIN { printf "%d", 900 * m }')" bash "$here/run.sh"

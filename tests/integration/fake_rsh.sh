#!/bin/sh
# A launch agent for tests, used like ssh: fake_rsh.sh [options] HOST COMMAND... runs COMMAND
# on this machine through sh -c, as sshd would on HOST. Options before the host are skipped.
# Set FAKE_RSH_FAIL=HOST to make the agent fail for that host like an unreachable ssh (255).
while [ $# -gt 0 ]; do
    case $1 in
        -o|-F|-l|-p|-i) shift 2 ;;
        -*) shift ;;
        *) break ;;
    esac
done
host=$1
shift
if [ -n "$FAKE_RSH_FAIL" ] && [ "$FAKE_RSH_FAIL" = "$host" ]; then
    echo "fake_rsh: connect to host $host: No route to host" >&2
    exit 255
fi
exec sh -c "$*"

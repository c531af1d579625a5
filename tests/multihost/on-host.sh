#!/bin/sh
# on-host.sh HOST CMD...: run CMD "on" fake host HOST (h2, 2 or 10.78.0.3) without ssh: in the
# network, UTS, IPC and mount namespaces of its sshd, in the current directory.
. "$(dirname "$0")/common.sh"
[ $# -gt 1 ] || krtb_die "usage: on-host.sh HOST CMD [ARG]..."
i=$(krtb_index "$1")
shift
pid=$(krtb_sshd_pid "$i")
[ -n "$pid" ] || krtb_die "host h$i is not up"
exec nsenter -t "$pid" -n -u -i -m --wd="$PWD" "$@"

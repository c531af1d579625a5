#!/bin/sh
# login.sh CMD...: run CMD on the login node (the root network namespace, on bridge krtb0) where
# the fake host names resolve: a private mount namespace sees the machine's /etc/hosts plus
# h1..hN, so the real /etc/hosts is never edited.
. "$(dirname "$0")/common.sh"
[ $# -gt 0 ] || krtb_die "usage: login.sh CMD [ARG]..."
[ -s "$KRTB_DIR/hosts.login" ] || krtb_die "no fake hosts are up (run hosts-up.sh)"
exec unshare --mount --propagation private /bin/sh -c \
    'mount --bind "$0" /etc/hosts && exec "$@"' "$KRTB_DIR/hosts.login" "$@"

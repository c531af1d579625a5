#!/bin/sh
# Regenerate the build system (configure, Makefile.in) from configure.ac and Makefile.am.
#   --install-deps  first install what building and testing Kurir needs (Debian/Ubuntu, apt-get;
#                   uses sudo when not run as root)
set -e
cd "$(dirname "$0")"

# iproute2, openssh-client and openssh-server: the multi-host tests (tests/multihost), which
# make fake hosts from network namespaces with an sshd each.
KR_DEB_PACKAGES="build-essential autoconf automake libtool pkg-config libhwloc-dev hwloc \
libfabric-dev libcmocka-dev procps mpich iproute2 openssh-client openssh-server cmake \
slurm-wlm munge"

case "${1:-}" in
--install-deps)
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -q
    # shellcheck disable=SC2086 # the package list is meant to split into words
    $sudo apt-get install -y -q $KR_DEB_PACKAGES
    ;;
"") ;;
*)
    echo "usage: $0 [--install-deps]" >&2
    exit 2
    ;;
esac
autoreconf -fi

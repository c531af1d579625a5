#!/bin/bash
# The integration programs again, over TCP (KURIR_TRANSPORTS=tcp on one host, and shm + tcp
# with pretend hosts): runs testlist.tcp through run.sh.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
exec bash "$(dirname "$0")/run.sh" "${KURIR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/testlist.tcp" "$@"

#!/bin/bash
# The integration programs again, over libfabric (KURIR_TRANSPORTS=ofi on one host with
# tcp;ofi_rxm, and shm + ofi with pretend hosts): runs testlist.ofi through run.sh.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
exec bash "$(dirname "$0")/run.sh" "${KURIR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/testlist.ofi" "$@"

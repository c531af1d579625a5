#!/bin/bash
# kurir-info and libfabric: the providers found at run time (with endpoint types, RMA and
# whether Kurir can use them) and the choice Kurir makes by default and when ofi is forced.
# On a machine with only socket-based providers the default stays Kurir's tcp.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

INFO=$KURIR_BUILDDIR/launcher/info/kurir-info

kr_run 30 "$INFO"
kr_expect "kurir-info runs" [ "$kr_rc" -eq 0 ]
kr_expect "lists the providers found" grep -Eq "^  fabric providers +[0-9]+ found at run time" "$kr_out"
kr_expect "tcp;ofi_rxm: rdm, rma, usable" grep -Eq \
    "^ +tcp;ofi_rxm +endpoints rdm +rma yes +usable by kurir yes$" "$kr_out"
kr_expect "a provider Kurir cannot use says so" grep -Eq "usable by kurir no$" "$kr_out"
fast='(cxi|opx|psm3|psm2|efa|verbs|usnic)'
kr_expect "default: a high-speed provider, else none (Kurir's tcp)" grep -Eq \
    "^  ofi default +(none: no high-speed|$fast)" "$kr_out"
kr_expect "forced: a high-speed provider, else tcp;ofi_rxm" grep -Eq \
    "^  ofi when forced +(tcp;ofi_rxm|$fast)" "$kr_out"
kr_expect "the settings are listed" grep -Eq "^  KURIR_OFI_PROVIDER " "$kr_out"

kr_run 30 env KURIR_OFI_PROVIDER=sockets "$INFO"
kr_expect "a named provider becomes the default" grep -Eq "^  ofi default +sockets " "$kr_out"

kr_run 30 env KURIR_OFI_PROVIDER=bogus "$INFO"
kr_expect "a missing named provider is flagged" grep -Eq \
    "^  ofi default +the named provider 'bogus' is not available" "$kr_out"
kr_expect "... and forcing it lists what exists" grep -Eq \
    "^  ofi when forced +no usable provider \(found: .*tcp;ofi_rxm" "$kr_out"

kr_finish

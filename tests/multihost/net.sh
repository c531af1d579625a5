#!/bin/sh
# net.sh down|up HOST: cut fake host HOST off the network (its veth on the bridge goes down), or
# reconnect it. The host itself keeps running, as a host behind a failed switch port would.
. "$(dirname "$0")/common.sh"
[ $# -eq 2 ] || krtb_die "usage: net.sh down|up HOST"
veth=$(krtb_veth "$(krtb_index "$2")")
case $1 in
down) exec ip link set "$veth" down ;;
up) exec ip link set "$veth" up ;;
*) krtb_die "usage: net.sh down|up HOST" ;;
esac

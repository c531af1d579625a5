#!/bin/sh
# The ssh of the fake hosts: their names, the generated client key and known_hosts. Give it to
# mpirun as --launch-agent (or KURIR_RSH), to Open MPI as plm_rsh_agent.
exec ssh -F "${KRTB_DIR:-/tmp/krtb}/ssh_config" "$@"

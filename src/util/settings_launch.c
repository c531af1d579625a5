/* Settings of the launcher (mpirun, kurir-daemon): read by the launcher itself, listed here so
 * that kurir-info prints them and the ranks, which inherit them, do not call them unknown. */
#include "config.h"

#include "settings.h"

#include <stdbool.h>

static struct {
    const char *rsh;
    const char *daemon;
    int heartbeat_timeout;
    bool force_remote;
} launch_cfg;

const struct kr_setting kr_launch_settings[] = {
    { "RSH", KR_SET_STRING, "ssh", &launch_cfg.rsh,
      "mpirun: launch agent for remote hosts, run as CMD HOST COMMAND (--launch-agent wins)",
      NULL, 0 },
    { "DAEMON", KR_SET_STRING, "", &launch_cfg.daemon,
      "mpirun: path of kurir-daemon on the remote hosts (default: next to mpirun)", NULL, 0 },
    { "HEARTBEAT_TIMEOUT", KR_SET_INT, "20", &launch_cfg.heartbeat_timeout,
      "mpirun, kurir-daemon: seconds of silence after which a host or mpirun counts as lost "
      "(--heartbeat-timeout wins)", NULL, 0 },
    { "FORCE_REMOTE", KR_SET_BOOL, "no", &launch_cfg.force_remote,
      "mpirun: start a daemon for every host, even one that names this host (tests)", NULL,
      0 },
    { 0 }
};

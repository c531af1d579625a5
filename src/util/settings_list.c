/* The one list of every settings table in the library (kurir-info --settings prints it). */
#include "config.h"

#include "settings.h"

#include "log.h"

#include <stdio.h>

/* Declared here rather than by including each module's header: util stays at the bottom of
 * the layering and only needs the symbols. */
extern const struct kr_setting kr_boot_settings[];
extern const struct kr_setting kr_shm_settings[];
extern const struct kr_setting kr_tcp_settings[];
#if KR_HAVE_OFI
extern const struct kr_setting kr_ofi_settings[];
#endif
extern const struct kr_setting kr_pt2pt_settings[];
extern const struct kr_setting kr_coll_settings[];
extern const struct kr_setting kr_coll_shm_settings[];
extern const struct kr_setting kr_api_settings[];
extern const struct kr_setting kr_launch_settings[];
extern const struct kr_setting kr_topo_settings[];

const struct kr_setting *const kr_settings_all[] = {
    kr_util_settings,
    kr_boot_settings,
    kr_shm_settings,
    kr_tcp_settings,
#if KR_HAVE_OFI
    kr_ofi_settings,
#endif
    kr_pt2pt_settings,
    kr_coll_settings,
    kr_coll_shm_settings,
    kr_api_settings,
    kr_launch_settings,
    kr_topo_settings,
    NULL
};

/* Parallel to kr_settings_all: the MPI_T category each table becomes. */
const struct kr_settings_group kr_settings_groups[] = {
    {"util", "logging (KURIR_LOG)"},
    {"boot", "start-up and the connection to the launcher (PMI)"},
    {"shm", "shared-memory transport"},
    {"tcp", "TCP transport"},
#if KR_HAVE_OFI
    {"ofi", "libfabric (OFI) transport"},
#endif
    {"pt2pt", "point-to-point engine: matching and protocols"},
    {"coll", "collective algorithms"},
    {"coll_shm", "collectives through the node's shared area"},
    {"api", "MPI interface: argument checks and transport choice"},
    {"launch", "launcher (mpirun, kurir-daemon)"},
    {"topo", "hardware topology (hwloc)"},
    {NULL, NULL}};

int kr_settings_load(char *err, size_t errlen)
{
    extern char **environ;
    int ret;

    ret = kr_settings_load_tables(kr_settings_all, environ, err, errlen);
    if (ret != 0) {
        return ret;
    }
    ret = kr_log_configure(kr_util_log_spec, err, errlen);
    if (ret != 0) {
        char msg[256];

        snprintf(msg, sizeof(msg), "KURIR_LOG=%s: %s", kr_util_log_spec, err);
        snprintf(err, errlen, "%s", msg);
    }
    return ret;
}

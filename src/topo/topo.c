/* Topology queries. MPI_Init only needs the CPU count, which sched_getaffinity gives in
 * microseconds; the hwloc topology (several milliseconds per process) is loaded only when a
 * caller wants the full picture. */
#include "config.h"

#include "topo.h"

#include "util/log.h"

#include <errno.h>
#include <hwloc.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int kr_topo_cpus_allowed(void)
{
    cpu_set_t set;
    int n;

    if (sched_getaffinity(0, sizeof(set), &set) != 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);

        return online > 0 ? (int) online : 1;
    }
    n = CPU_COUNT(&set);
    return n > 0 ? n : 1;
}

static int topo_count(hwloc_topology_t t, hwloc_obj_type_t type)
{
    int n = hwloc_get_nbobjs_by_type(t, type);

    return n > 0 ? n : 0;
}

int kr_topo_describe(char *buf, size_t len)
{
    hwloc_topology_t t;

    if (hwloc_topology_init(&t) != 0) {
        KR_LOG_ERR(TOPO, "hwloc_topology_init failed: %s", strerror(errno));
        return -ENOMEM;
    }
    hwloc_topology_set_io_types_filter(t, HWLOC_TYPE_FILTER_KEEP_NONE);
    if (hwloc_topology_load(t) != 0) {
        KR_LOG_ERR(TOPO, "hwloc_topology_load failed: %s", strerror(errno));
        hwloc_topology_destroy(t);
        return -EIO;
    }
    snprintf(buf, len, "%d package(s), %d NUMA node(s), %d core(s), %d hardware thread(s); "
             "%d CPU(s) allowed here",
             topo_count(t, HWLOC_OBJ_PACKAGE), topo_count(t, HWLOC_OBJ_NUMANODE),
             topo_count(t, HWLOC_OBJ_CORE), topo_count(t, HWLOC_OBJ_PU),
             kr_topo_cpus_allowed());
    hwloc_topology_destroy(t);
    return 0;
}

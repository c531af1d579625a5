/* Topology: how many CPUs this process may use (cheap, at every start), the hwloc topology of
 * this host (loaded lazily, from the launcher's XML export when there is one), and which
 * hardware resource this process sits in (for MPI_Comm_split_type). */
#ifndef KR_TOPO_TOPO_H
#define KR_TOPO_TOPO_H

#include "util/settings.h"

#include <hwloc.h>
#include <stddef.h>

/* Hardware resources MPI_Comm_split_type knows, from the largest to the smallest. */
enum kr_topo_res {
    KR_TOPO_RES_HOST,          /* the host: mpi_shared_memory, Machine */
    KR_TOPO_RES_PACKAGE,       /* Package, socket */
    KR_TOPO_RES_NUMA,          /* NUMANode, numa */
    KR_TOPO_RES_L3,            /* L3Cache, l3 */
    KR_TOPO_RES_L2,            /* L2Cache, l2 */
    KR_TOPO_RES_CORE,          /* Core */
    KR_TOPO_RES_PU,            /* PU, hwthread */
    KR_TOPO_RES_COUNT,
};

/* CPUs in this process's affinity mask (>= 1). Cheap: no hwloc topology load. */
int kr_topo_cpus_allowed(void);
/* CPUs the ranks of this host share (>= 1): the cgroup cpuset, else the online CPUs; not the
 * affinity mask, which a binding launcher narrows to one core (topo_cpus.c). */
int kr_topo_cpus_host(void);
/* CPUs in a cpuset list such as "0-3,8" (0 when malformed). */
int kr_topo_cpulist_count(const char *list);

/* One line such as "1 package, 1 NUMA node, 1 L3 cache, 2 cores, 2 hardware threads" into
 * `buf`. Returns 0 or a negative errno. Loads a fresh hwloc topology (milliseconds). */
int kr_topo_describe(char *buf, size_t len);

/* The resource an info value of "mpi_hw_resource_type" names (hwloc type names and the usual
 * aliases, case-insensitive), or -1 when unknown. */
int kr_topo_res_parse(const char *name);

/* The hwloc name of resource `res` ("Machine", "Package", "NUMANode", ...). */
const char *kr_topo_res_name(enum kr_topo_res res);

/* Index (logical, >= 0) of the object of resource `res` of `t` that contains all of `set`; -1
 * when `set` spans several (an unbound process) or the topology has no such object: the process
 * then shares everything on its host. KR_TOPO_RES_HOST is always -1. */
int kr_topo_res_index(hwloc_topology_t t, hwloc_const_cpuset_t set, enum kr_topo_res res);

/* This host's topology, loaded on first use and kept until kr_topo_fini(): from the file in
 * KURIR_TOPO_XML (exported once per host by mpirun or kurir-daemon) when set and readable, else
 * discovered. 0 or -EIO (logged). Not thread-safe yet: the API layer calls it under its lock
 * once MPI_THREAD_MULTIPLE exists. */
int kr_topo_get(hwloc_topology_t *out);

/* kr_topo_res_index() for this process's current CPU binding. 0 or -EIO. */
int kr_topo_self_index(enum kr_topo_res res, int *index_out);

/* Free the topology kr_topo_get() loaded (MPI_Finalize). */
void kr_topo_fini(void);

extern const struct kr_setting kr_topo_settings[];

#endif /* KR_TOPO_TOPO_H */

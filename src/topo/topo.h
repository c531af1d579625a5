/* Topology: how many CPUs this process may use (cheap, at every start) and a description of
 * the machine from hwloc (for kurir-info; binding builds on it later). */
#ifndef KR_TOPO_TOPO_H
#define KR_TOPO_TOPO_H

#include <stddef.h>

/* CPUs in this process's affinity mask (>= 1). Cheap: no hwloc topology load. */
int kr_topo_cpus_allowed(void);

/* One line such as "1 package, 1 NUMA node, 2 cores, 2 hardware threads" into `buf`.
 * Returns 0 or a negative errno. Loads the hwloc topology (milliseconds). */
int kr_topo_describe(char *buf, size_t len);

#endif /* KR_TOPO_TOPO_H */

/* Mapping and binding of the ranks of one host: which cores each rank gets (--map-by core,
 * numa, socket, ppr:N:resource; --cpus-per-rank) and what it is bound to (--bind-to). The plan
 * (plan.h) decides which host a rank runs on; this decides where on that host, and is computed
 * on the host itself (mpirun for its own, kurir-daemon for the others), because only there is
 * the topology known. bind_map.c is pure computation over a hwloc topology (unit-tested with
 * synthetic ones); bind_host.c loads this host's topology, shares it with the ranks and fills
 * the launch entries.
 *
 * Functions that can fail return 0 or a negative errno and on -EINVAL write a one-line message
 * into err[errlen] (no "mpirun: " prefix, no newline). */
#ifndef KR_LAUNCHER_BIND_H
#define KR_LAUNCHER_BIND_H

#include "launch.h"
#include "plan.h"

#include <hwloc.h>
#include <stdbool.h>
#include <stddef.h>

/* How a host's ranks are spread over its cores, in local rank order. */
enum kr_bind_map {
    KR_BIND_MAP_CORE,          /* consecutive cores (also what slot and node mean on a host) */
    KR_BIND_MAP_L3,            /* round-robin over the L3 caches */
    KR_BIND_MAP_NUMA,          /* round-robin over the NUMA nodes */
    KR_BIND_MAP_SOCKET,        /* round-robin over the packages */
    KR_BIND_MAP_PPR,           /* `ppr` ranks on the first resource, then the next, ... */
};

/* What a rank is bound to. */
enum kr_bind_level {
    KR_BIND_DEFAULT,           /* core when the host's ranks fit its cores, else none */
    KR_BIND_NONE,
    KR_BIND_CORE,              /* its cores (cpus_per_rank of them) */
    KR_BIND_L3,                /* the L3 cache(s) that hold its cores */
    KR_BIND_NUMA,
    KR_BIND_SOCKET,
};

struct kr_bind_policy {
    enum kr_bind_map map;
    int ppr;                   /* KR_BIND_MAP_PPR: ranks per resource */
    enum kr_bind_level ppr_res; /* its resource: CORE, L3, NUMA or SOCKET */
    enum kr_bind_level level;
    int cpus_per_rank;         /* cores per rank (>= 1; 0 counts as 1) */
    bool report;               /* --report-bindings */
};

/* The binding computed for one host's ranks. */
struct kr_bind_result {
    int nranks;
    hwloc_bitmap_t *sets;      /* per local rank: the PUs it is bound to, NULL = not bound */
    enum kr_bind_level level;  /* the level applied (DEFAULT resolved) */
};

/* --map-by VALUE: slot|node (hosts, plan.h) or core|l3cache|numa|socket|package|ppr:N:RES (on
 * each host). Sets *plan_map_out and p->map/ppr/ppr_res. 0 or -EINVAL listing the choices. */
int kr_bind_parse_map(const char *text, struct kr_bind_policy *p, enum kr_plan_map *plan_map_out,
                      char *err, size_t errlen);

/* --bind-to VALUE: none|core|l3cache|numa|socket|package. 0 or -EINVAL listing the choices. */
int kr_bind_parse_level(const char *text, struct kr_bind_policy *p, char *err, size_t errlen);

/* The policy as one word for the daemons ("M.L.P.R.C.report") and back. 0 or -EINVAL. */
void kr_bind_policy_format(const struct kr_bind_policy *p, char *buf, size_t len);
int kr_bind_policy_parse(const char *text, struct kr_bind_policy *p);

/* Resources of the policy's ppr type on topology `t` (>= 1). */
int kr_bind_ppr_resources(hwloc_topology_t t, const struct kr_bind_policy *p);

/* Bind `nranks` ranks of one host with topology `t`. `warn` gets a warning ("" when none):
 * ranks that must share cores. 0, -EINVAL (ppr places fewer ranks than the host got; message in
 * warn), -ENOMEM. Free with kr_bind_result_free(). */
int kr_bind_compute(hwloc_topology_t t, const struct kr_bind_policy *p, int nranks,
                    struct kr_bind_result *out, char *warn, size_t warnlen);
void kr_bind_result_free(struct kr_bind_result *r);

/* "bound to cores 2-3 (package 0, numa 0)" (logical indexes, as lstopo shows them) or
 * "not bound" for a NULL set. */
void kr_bind_describe(hwloc_topology_t t, hwloc_const_bitmap_t set, char *buf, size_t len);

/* --- bind_host.c: this host ------------------------------------------------------------------ */

/* This host's part of a job: its topology (loaded once, shared with the ranks as XML in a
 * memfd they inherit, so that nothing is left behind even when the launcher is killed) and the
 * per-rank PU lists the launch entries point to. */
struct kr_bind_host {
    hwloc_topology_t topo;
    char **cpus;               /* per proc: "0-1" (OS PU numbers) or NULL */
    int nprocs;
    int xml_fd;                /* the memfd (close-on-exec here; the ranks inherit it: pass it
                                * in kr_launch_params.inherit_fds), valid when env_entry is set */
    char env_entry[160];       /* "KURIR_TOPO_XML=/proc/self/fd/N" for the ranks, "" when none */
};

/* Load the topology, export it for the ranks (xml_fd, env_entry), bind `procs` (their cpus fields are set) and
 * write the --report-bindings lines and warnings to stderr, prefixed with `who` ("mpirun" or
 * "kurir-daemon"). 0, -EINVAL (message in err), -ENOMEM, or -EIO when hwloc fails (err says
 * so; the caller may run unbound). */
int kr_bind_host_setup(struct kr_bind_host *bh, const struct kr_bind_policy *p, const char *host, struct kr_launch_proc *procs,
                       int nprocs, char *err, size_t errlen);

/* Close the exported topology and free everything (the launch entries' cpus become dangling). */
void kr_bind_host_free(struct kr_bind_host *bh);

/* Load this host's topology (I/O devices left out). 0 or -EIO (logged). */
int kr_bind_topology_load(hwloc_topology_t *out);

#endif /* KR_LAUNCHER_BIND_H */

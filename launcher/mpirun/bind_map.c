/* Mapping and binding of one host's ranks over its hwloc topology: option parsing, the core
 * assignment per rank, the binding set at the chosen level, and the readable description.
 * Pure computation (no system contact), so that synthetic topologies test it. */
#include "config.h"

#include "bind.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct bind_name {
    const char *name;
    int value;
};

static const struct bind_name bind_map_names[] = {
    { "core", KR_BIND_MAP_CORE }, { "l3cache", KR_BIND_MAP_L3 }, { "numa", KR_BIND_MAP_NUMA },
    { "socket", KR_BIND_MAP_SOCKET }, { "package", KR_BIND_MAP_SOCKET }, { NULL, 0 },
};

static const struct bind_name bind_level_names[] = {
    { "none", KR_BIND_NONE }, { "core", KR_BIND_CORE }, { "l3cache", KR_BIND_L3 },
    { "numa", KR_BIND_NUMA }, { "socket", KR_BIND_SOCKET }, { "package", KR_BIND_SOCKET },
    { NULL, 0 },
};

static int bind_lookup(const struct bind_name *names, const char *text, size_t len)
{
    for (; names->name != NULL; names++) {
        if (strlen(names->name) == len && strncasecmp(names->name, text, len) == 0) {
            return names->value;
        }
    }
    return -1;
}

/* ppr:N:RES */
static int bind_parse_ppr(const char *text, struct kr_bind_policy *p)
{
    const char *num = text + 4, *colon = strchr(num, ':');
    char *end;
    long n;
    int res;

    if (colon == NULL) {
        return -EINVAL;
    }
    n = strtol(num, &end, 10);
    if (end != colon || n <= 0 || n > 100000) {
        return -EINVAL;
    }
    res = bind_lookup(bind_level_names, colon + 1, strlen(colon + 1));
    if (res < 0 || res == KR_BIND_NONE) {
        return -EINVAL;
    }
    p->map = KR_BIND_MAP_PPR;
    p->ppr = (int) n;
    p->ppr_res = (enum kr_bind_level) res;
    return 0;
}

int kr_bind_parse_map(const char *text, struct kr_bind_policy *p, enum kr_plan_map *plan_map_out,
                      char *err, size_t errlen)
{
    int m;

    if (strcasecmp(text, "slot") == 0 || strcasecmp(text, "node") == 0) {
        *plan_map_out = strcasecmp(text, "slot") == 0 ? KR_PLAN_MAP_SLOT : KR_PLAN_MAP_NODE;
        p->map = KR_BIND_MAP_CORE;
        return 0;
    }
    if (strncasecmp(text, "ppr:", 4) == 0) {
        if (bind_parse_ppr(text, p) == 0) {
            *plan_map_out = KR_PLAN_MAP_SLOT;
            return 0;
        }
        snprintf(err, errlen, "--map-by %s: ppr needs ppr:N:RESOURCE with N >= 1 and RESOURCE "
                 "one of core, l3cache, numa, socket (e.g. ppr:2:socket)", text);
        return -EINVAL;
    }
    m = bind_lookup(bind_map_names, text, strlen(text));
    if (m < 0) {
        snprintf(err, errlen, "--map-by %s: unknown value; valid: slot, node, core, l3cache, "
                 "numa, socket (or package), ppr:N:RESOURCE", text);
        return -EINVAL;
    }
    *plan_map_out = KR_PLAN_MAP_SLOT;
    p->map = (enum kr_bind_map) m;
    return 0;
}

int kr_bind_parse_level(const char *text, struct kr_bind_policy *p, char *err, size_t errlen)
{
    int l = bind_lookup(bind_level_names, text, strlen(text));

    if (l < 0) {
        snprintf(err, errlen, "--bind-to %s: unknown value; valid: none, core, l3cache, numa, "
                 "socket (or package)", text);
        return -EINVAL;
    }
    p->level = (enum kr_bind_level) l;
    return 0;
}

void kr_bind_policy_format(const struct kr_bind_policy *p, char *buf, size_t len)
{
    snprintf(buf, len, "%d.%d.%d.%d.%d.%d", (int) p->map, (int) p->level, p->ppr,
             (int) p->ppr_res, p->cpus_per_rank, p->report ? 1 : 0);
}

int kr_bind_policy_parse(const char *text, struct kr_bind_policy *p)
{
    int m, l, ppr, res, cpr, rep;

    if (sscanf(text, "%d.%d.%d.%d.%d.%d", &m, &l, &ppr, &res, &cpr, &rep) != 6 || m < 0 ||
        m > KR_BIND_MAP_PPR || l < 0 || l > KR_BIND_SOCKET || res < 0 || res > KR_BIND_SOCKET ||
        cpr < 0 || ppr < 0) {
        return -EINVAL;
    }
    *p = (struct kr_bind_policy) {
        .map = (enum kr_bind_map) m, .level = (enum kr_bind_level) l, .ppr = ppr,
        .ppr_res = (enum kr_bind_level) res, .cpus_per_rank = cpr, .report = rep != 0,
    };
    return 0;
}

static hwloc_obj_type_t bind_level_type(enum kr_bind_level l)
{
    switch (l) {
    case KR_BIND_L3: return HWLOC_OBJ_L3CACHE;
    case KR_BIND_NUMA: return HWLOC_OBJ_NUMANODE;
    case KR_BIND_SOCKET: return HWLOC_OBJ_PACKAGE;
    default: return HWLOC_OBJ_CORE;
    }
}

static enum kr_bind_level bind_map_level(const struct kr_bind_policy *p)
{
    switch (p->map) {
    case KR_BIND_MAP_L3: return KR_BIND_L3;
    case KR_BIND_MAP_NUMA: return KR_BIND_NUMA;
    case KR_BIND_MAP_SOCKET: return KR_BIND_SOCKET;
    case KR_BIND_MAP_PPR: return p->ppr_res;
    default: return KR_BIND_NONE;     /* the whole machine is one resource */
    }
}

/* The cores of the host (PUs when the topology has no cores), in logical order. */
static hwloc_obj_type_t bind_core_type(hwloc_topology_t t)
{
    return hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE) > 0 ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
}

/* The resources ranks are spread over, as cpusets: objects of the map's type, or the machine. */
static int bind_resources(hwloc_topology_t t, enum kr_bind_level res, hwloc_const_bitmap_t **out)
{
    hwloc_obj_type_t type = bind_level_type(res);
    int n = res == KR_BIND_NONE ? 0 : hwloc_get_nbobjs_by_type(t, type);
    hwloc_const_bitmap_t *sets;

    if (n <= 0) {
        sets = malloc(sizeof(*sets));
        if (sets == NULL) {
            return -ENOMEM;
        }
        sets[0] = hwloc_topology_get_topology_cpuset(t);
        *out = sets;
        return 1;
    }
    sets = calloc((size_t) n, sizeof(*sets));
    if (sets == NULL) {
        return -ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        sets[i] = hwloc_get_obj_by_type(t, type, (unsigned) i)->cpuset;
    }
    *out = sets;
    return n;
}

int kr_bind_ppr_resources(hwloc_topology_t t, const struct kr_bind_policy *p)
{
    hwloc_const_bitmap_t *sets;
    int n = bind_resources(t, p->map == KR_BIND_MAP_PPR ? p->ppr_res : KR_BIND_NONE, &sets);

    if (n > 0) {
        free(sets);
    }
    return n > 0 ? n : 1;
}

/* The binding of a rank whose cores are `cores` at level `l`: the cores themselves, or every
 * object of the level's type that shares a PU with them (the machine when the type is absent). */
static int bind_level_set(hwloc_topology_t t, enum kr_bind_level l, hwloc_const_bitmap_t cores,
                          hwloc_bitmap_t set)
{
    hwloc_obj_type_t type = bind_level_type(l);
    int n;

    if (l == KR_BIND_CORE) {
        return hwloc_bitmap_copy(set, cores);
    }
    n = hwloc_get_nbobjs_by_type(t, type);
    hwloc_bitmap_zero(set);
    for (int i = 0; i < n; i++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(t, type, (unsigned) i);

        if (hwloc_bitmap_intersects(o->cpuset, cores) && hwloc_bitmap_or(set, set, o->cpuset)) {
            return -1;
        }
    }
    return hwloc_bitmap_iszero(set) ? hwloc_bitmap_copy(set, hwloc_topology_get_topology_cpuset(t))
                                    : 0;
}

/* Per resource: its cores, in logical order, and the next one to hand out. */
struct bind_res {
    int *cores;
    int ncores;
    int next;
};

static void bind_res_free(struct bind_res *res, int n)
{
    for (int i = 0; res != NULL && i < n; i++) {
        free(res[i].cores);
    }
    free(res);
}

static struct bind_res *bind_res_build(hwloc_topology_t t, hwloc_const_bitmap_t *sets, int nres)
{
    hwloc_obj_type_t ct = bind_core_type(t);
    int ncores = hwloc_get_nbobjs_by_type(t, ct);
    struct bind_res *res = calloc((size_t) nres, sizeof(*res));

    for (int r = 0; res != NULL && r < nres; r++) {
        res[r].cores = calloc((size_t) ncores + 1, sizeof(int));
        if (res[r].cores == NULL) {
            bind_res_free(res, nres);
            return NULL;
        }
        for (int c = 0; c < ncores; c++) {
            if (hwloc_bitmap_isincluded(hwloc_get_obj_by_type(t, ct, (unsigned) c)->cpuset,
                                        sets[r])) {
                res[r].cores[res[r].ncores++] = c;
            }
        }
    }
    return res;
}

/* Cores of rank i (appended to `cores` as PUs); *shared_out when its resource ran out. */
static int bind_take_cores(hwloc_topology_t t, struct bind_res *res, int cpr, hwloc_bitmap_t cores,
                           bool *shared_out)
{
    hwloc_obj_type_t ct = bind_core_type(t);

    hwloc_bitmap_zero(cores);
    if (res->ncores == 0) {
        return 0;
    }
    for (int k = 0; k < cpr; k++) {
        int c;

        if (res->next >= res->ncores) {
            *shared_out = true;
        }
        c = res->cores[res->next++ % res->ncores];
        if (hwloc_bitmap_or(cores, cores, hwloc_get_obj_by_type(t, ct, (unsigned) c)->cpuset)) {
            return -ENOMEM;
        }
    }
    return 0;
}

static int bind_assign(hwloc_topology_t t, const struct kr_bind_policy *p, struct bind_res *res,
                       int nres, struct kr_bind_result *out, bool *shared_out)
{
    int cpr = p->cpus_per_rank > 0 ? p->cpus_per_rank : 1;
    hwloc_bitmap_t cores = hwloc_bitmap_alloc();

    if (cores == NULL) {
        return -ENOMEM;
    }
    for (int i = 0; i < out->nranks; i++) {
        int r = p->map == KR_BIND_MAP_PPR ? i / p->ppr : i % nres;

        out->sets[i] = hwloc_bitmap_alloc();
        if (out->sets[i] == NULL || bind_take_cores(t, &res[r], cpr, cores, shared_out) != 0 ||
            bind_level_set(t, out->level, cores, out->sets[i]) != 0) {
            hwloc_bitmap_free(cores);
            return -ENOMEM;
        }
    }
    hwloc_bitmap_free(cores);
    return 0;
}

int kr_bind_compute(hwloc_topology_t t, const struct kr_bind_policy *p, int nranks,
                    struct kr_bind_result *out, char *warn, size_t warnlen)
{
    int cpr = p->cpus_per_rank > 0 ? p->cpus_per_rank : 1;
    int ncores = hwloc_get_nbobjs_by_type(t, bind_core_type(t));
    hwloc_const_bitmap_t *sets = NULL;
    struct bind_res *res;
    bool shared = false;
    int nres, ret;

    warn[0] = '\0';
    memset(out, 0, sizeof(*out));
    nres = bind_resources(t, bind_map_level(p), &sets);
    if (nres < 0) {
        return nres;
    }
    if (p->map == KR_BIND_MAP_PPR && nranks > p->ppr * nres) {
        snprintf(warn, warnlen, "--map-by ppr:%d:%s places at most %d rank%s here (%d %s%s), "
                 "but the host got %d", p->ppr, bind_level_names[p->ppr_res - 1].name,
                 p->ppr * nres, p->ppr * nres == 1 ? "" : "s", nres,
                 bind_level_names[p->ppr_res - 1].name, nres == 1 ? "" : "s", nranks);
        free(sets);
        return -EINVAL;
    }
    out->nranks = nranks;
    out->level = p->level;
    if (out->level == KR_BIND_DEFAULT) {
        out->level = (long) nranks * cpr <= ncores ? KR_BIND_CORE : KR_BIND_NONE;
    }
    out->sets = calloc((size_t) nranks + 1, sizeof(*out->sets));
    if (out->sets == NULL) {
        free(sets);
        return -ENOMEM;
    }
    if (out->level == KR_BIND_NONE) {
        free(sets);
        return 0;
    }
    res = bind_res_build(t, sets, nres);
    free(sets);
    ret = res != NULL ? bind_assign(t, p, res, nres, out, &shared) : -ENOMEM;
    bind_res_free(res, nres);
    if (ret != 0) {
        kr_bind_result_free(out);
        return ret;
    }
    if (shared) {
        snprintf(warn, warnlen, "%d rank%s x %d core%s do not fit the %d core%s available to "
                 "them: ranks share cores (use --bind-to none to let the OS place them; fake hosts "
                 "on one machine should always use it)", nranks, nranks == 1 ? "" : "s", cpr,
                 cpr == 1 ? "" : "s", ncores, ncores == 1 ? "" : "s");
    }
    return 0;
}

void kr_bind_result_free(struct kr_bind_result *r)
{
    for (int i = 0; r->sets != NULL && i < r->nranks; i++) {
        if (r->sets[i] != NULL) {
            hwloc_bitmap_free(r->sets[i]);
        }
    }
    free(r->sets);
    memset(r, 0, sizeof(*r));
}

/* Logical indexes of the objects of `type` that share a PU with `set`, as a list "0-1". */
static int bind_list(hwloc_topology_t t, hwloc_obj_type_t type, hwloc_const_bitmap_t set,
                     char *buf, size_t len, int *count_out)
{
    hwloc_bitmap_t idx = hwloc_bitmap_alloc();
    int n = hwloc_get_nbobjs_by_type(t, type);

    buf[0] = '\0';
    *count_out = 0;
    if (idx == NULL) {
        return -ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        if (hwloc_bitmap_intersects(hwloc_get_obj_by_type(t, type, (unsigned) i)->cpuset, set)) {
            hwloc_bitmap_set(idx, (unsigned) i);
        }
    }
    *count_out = hwloc_bitmap_weight(idx);
    hwloc_bitmap_list_snprintf(buf, len, idx);
    hwloc_bitmap_free(idx);
    return 0;
}

void kr_bind_describe(hwloc_topology_t t, hwloc_const_bitmap_t set, char *buf, size_t len)
{
    char cores[256], packs[128], numas[128];
    int nc, np, nn;

    if (set == NULL) {
        snprintf(buf, len, "not bound");
        return;
    }
    bind_list(t, bind_core_type(t), set, cores, sizeof(cores), &nc);
    bind_list(t, HWLOC_OBJ_PACKAGE, set, packs, sizeof(packs), &np);
    bind_list(t, HWLOC_OBJ_NUMANODE, set, numas, sizeof(numas), &nn);
    snprintf(buf, len, "bound to %s %s (%s %s, numa %s)",
             nc == 1 ? (bind_core_type(t) == HWLOC_OBJ_CORE ? "core" : "cpu")
                     : (bind_core_type(t) == HWLOC_OBJ_CORE ? "cores" : "cpus"),
             cores, np == 1 ? "package" : "packages", np > 0 ? packs : "-",
             nn > 0 ? numas : "-");
}

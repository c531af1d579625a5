/* Topology queries. MPI_Init only needs the CPU count, which sched_getaffinity gives in
 * microseconds; the hwloc topology is loaded only when a call needs it (MPI_Comm_split_type on
 * hardware resources), and then from the XML the launcher exported once for the whole host
 * (KURIR_TOPO_XML), which is several times faster than each rank discovering it. */
#include "config.h"

#include "topo.h"

#include "util/log.h"

#include <errno.h>
#include <hwloc/glibc-sched.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *topo_xml_path;
static hwloc_topology_t topo_cached;

const struct kr_setting kr_topo_settings[] = {
    { "TOPO_XML", KR_SET_STRING, "", &topo_xml_path,
      "set by mpirun and kurir-daemon in the ranks: a file (/proc/self/fd/N of an inherited "
      "memfd) with this host's hwloc topology as XML, read (only when a call needs it) instead "
      "of discovering the hardware in every rank", NULL, 0 },
    { 0 }
};

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

/* Discover (xml NULL) or read `xml`. 0 or -EIO. */
static int topo_load(const char *xml, hwloc_topology_t *out)
{
    hwloc_topology_t t;

    if (hwloc_topology_init(&t) != 0) {
        KR_LOG_ERR(TOPO, "hwloc_topology_init failed: %s", strerror(errno));
        return -EIO;
    }
    if (xml != NULL) {
        if (hwloc_topology_set_xml(t, xml) != 0) {
            hwloc_topology_destroy(t);
            return -EIO;
        }
        /* It describes this host: binding queries may use the system. */
        hwloc_topology_set_flags(t, HWLOC_TOPOLOGY_FLAG_IS_THISSYSTEM);
    }
    hwloc_topology_set_io_types_filter(t, HWLOC_TYPE_FILTER_KEEP_NONE);
    if (hwloc_topology_load(t) != 0) {
        if (xml == NULL) {
            KR_LOG_ERR(TOPO, "hwloc_topology_load failed: %s", strerror(errno));
        }
        hwloc_topology_destroy(t);
        return -EIO;
    }
    *out = t;
    return 0;
}

int kr_topo_describe(char *buf, size_t len)
{
    hwloc_topology_t t;
    int ret = topo_load(NULL, &t);

    if (ret != 0) {
        return ret;
    }
    snprintf(buf, len, "%d package(s), %d NUMA node(s), %d L3 cache(s), %d core(s), "
             "%d hardware thread(s); %d CPU(s) allowed here",
             topo_count(t, HWLOC_OBJ_PACKAGE), topo_count(t, HWLOC_OBJ_NUMANODE),
             topo_count(t, HWLOC_OBJ_L3CACHE), topo_count(t, HWLOC_OBJ_CORE),
             topo_count(t, HWLOC_OBJ_PU), kr_topo_cpus_allowed());
    hwloc_topology_destroy(t);
    return 0;
}

static const struct {
    const char *name;
    enum kr_topo_res res;
} topo_res_names[] = {
    { "mpi_shared_memory", KR_TOPO_RES_HOST }, { "Machine", KR_TOPO_RES_HOST },
    { "Package", KR_TOPO_RES_PACKAGE }, { "socket", KR_TOPO_RES_PACKAGE },
    { "NUMANode", KR_TOPO_RES_NUMA }, { "numa", KR_TOPO_RES_NUMA },
    { "L3Cache", KR_TOPO_RES_L3 }, { "L3", KR_TOPO_RES_L3 },
    { "L2Cache", KR_TOPO_RES_L2 }, { "L2", KR_TOPO_RES_L2 },
    { "Core", KR_TOPO_RES_CORE }, { "PU", KR_TOPO_RES_PU }, { "hwthread", KR_TOPO_RES_PU },
};

int kr_topo_res_parse(const char *name)
{
    for (size_t i = 0; i < sizeof(topo_res_names) / sizeof(topo_res_names[0]); i++) {
        if (strcasecmp(name, topo_res_names[i].name) == 0) {
            return (int) topo_res_names[i].res;
        }
    }
    return -1;
}

const char *kr_topo_res_name(enum kr_topo_res res)
{
    static const char *const names[KR_TOPO_RES_COUNT] = {
        [KR_TOPO_RES_HOST] = "Machine", [KR_TOPO_RES_PACKAGE] = "Package",
        [KR_TOPO_RES_NUMA] = "NUMANode", [KR_TOPO_RES_L3] = "L3Cache",
        [KR_TOPO_RES_L2] = "L2Cache",    [KR_TOPO_RES_CORE] = "Core",
        [KR_TOPO_RES_PU] = "PU",
    };

    return res < KR_TOPO_RES_COUNT ? names[res] : "";
}

static const hwloc_obj_type_t topo_res_type[KR_TOPO_RES_COUNT] = {
    [KR_TOPO_RES_HOST] = HWLOC_OBJ_MACHINE,   [KR_TOPO_RES_PACKAGE] = HWLOC_OBJ_PACKAGE,
    [KR_TOPO_RES_NUMA] = HWLOC_OBJ_NUMANODE,  [KR_TOPO_RES_L3] = HWLOC_OBJ_L3CACHE,
    [KR_TOPO_RES_L2] = HWLOC_OBJ_L2CACHE,     [KR_TOPO_RES_CORE] = HWLOC_OBJ_CORE,
    [KR_TOPO_RES_PU] = HWLOC_OBJ_PU,
};

int kr_topo_res_index(hwloc_topology_t t, hwloc_const_cpuset_t set, enum kr_topo_res res)
{
    hwloc_obj_type_t type;
    int n;

    if (res <= KR_TOPO_RES_HOST || res >= KR_TOPO_RES_COUNT || hwloc_bitmap_iszero(set)) {
        return -1;
    }
    type = topo_res_type[res];
    n = hwloc_get_nbobjs_by_type(t, type);
    for (int i = 0; i < n; i++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(t, type, (unsigned) i);

        if (hwloc_bitmap_isincluded(set, o->cpuset)) {
            return i;
        }
    }
    return -1;
}

int kr_topo_get(hwloc_topology_t *out)
{
    int ret;

    if (topo_cached != NULL) {
        *out = topo_cached;
        return 0;
    }
    if (topo_xml_path != NULL && topo_xml_path[0] != '\0') {
        ret = topo_load(topo_xml_path, &topo_cached);
        if (ret == 0) {
            KR_LOG_INFO(TOPO, "topology read from %s (exported by the launcher)", topo_xml_path);
            *out = topo_cached;
            return 0;
        }
        KR_LOG_WARN(TOPO, "cannot read the topology from %s, discovering it", topo_xml_path);
    }
    ret = topo_load(NULL, &topo_cached);
    if (ret != 0) {
        topo_cached = NULL;
        return ret;
    }
    KR_LOG_INFO(TOPO, "topology discovered");
    *out = topo_cached;
    return 0;
}

int kr_topo_self_index(enum kr_topo_res res, int *index_out)
{
    hwloc_topology_t t;
    hwloc_bitmap_t set;
    cpu_set_t mask;
    int ret = kr_topo_get(&t);

    if (ret != 0) {
        return ret;
    }
    set = hwloc_bitmap_alloc();
    if (set == NULL) {
        return -ENOMEM;
    }
    if (sched_getaffinity(0, sizeof(mask), &mask) != 0) {
        hwloc_bitmap_copy(set, hwloc_topology_get_topology_cpuset(t));
    } else {
        hwloc_cpuset_from_glibc_sched_affinity(t, set, &mask, sizeof(mask));
        hwloc_bitmap_and(set, set, hwloc_topology_get_topology_cpuset(t));
    }
    *index_out = kr_topo_res_index(t, set, res);
    hwloc_bitmap_free(set);
    return 0;
}

void kr_topo_fini(void)
{
    if (topo_cached != NULL) {
        hwloc_topology_destroy(topo_cached);
        topo_cached = NULL;
    }
}

/* Mapping and binding of one host's ranks (launcher/mpirun/bind_map.c) on synthetic hwloc
 * topologies: option parsing and its errors, --map-by core/numa/socket/l3cache/ppr, --bind-to
 * levels, --cpus-per-rank, the default (core when the ranks fit, none when oversubscribed),
 * the warning when ranks must share cores, the policy's wire form and the report text; and the
 * library's resource lookup for MPI_Comm_split_type (src/topo). */
#include "config.h"

#include "../../launcher/mpirun/bind.h"
#include "topo/topo.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* 2 packages x 2 NUMA nodes x 1 L3 x 4 cores x 2 PUs: 16 cores, 32 PUs; core c has PUs 2c and
 * 2c+1, NUMA node n holds cores 4n..4n+3, package p cores 8p..8p+7. */
#define TOPO_BIG "pack:2 numa:2 l3:1 core:4 pu:2"

static hwloc_topology_t topo_synthetic(const char *desc)
{
    hwloc_topology_t t;

    assert_int_equal(hwloc_topology_init(&t), 0);
    assert_int_equal(hwloc_topology_set_synthetic(t, desc), 0);
    assert_int_equal(hwloc_topology_load(t), 0);
    return t;
}

static int setup_big(void **state)
{
    *state = topo_synthetic(TOPO_BIG);
    return 0;
}

static int teardown(void **state)
{
    hwloc_topology_destroy(*state);
    return 0;
}

/* Rank i's binding as a PU list, "" when unbound. */
static const char *set_of(const struct kr_bind_result *r, int i, char *buf, size_t len)
{
    buf[0] = '\0';
    if (r->sets[i] != NULL) {
        hwloc_bitmap_list_snprintf(buf, len, r->sets[i]);
    }
    return buf;
}

static void expect_sets(hwloc_topology_t t, const struct kr_bind_policy *p, int n,
                        const char *const *want, enum kr_bind_level level, bool warned)
{
    struct kr_bind_result r;
    char warn[512], buf[128];

    assert_int_equal(kr_bind_compute(t, p, n, &r, warn, sizeof(warn)), 0);
    assert_int_equal(r.level, level);
    assert_int_equal(warn[0] != '\0', warned);
    for (int i = 0; i < n; i++) {
        assert_string_equal(set_of(&r, i, buf, sizeof(buf)), want[i]);
    }
    kr_bind_result_free(&r);
}

static void parse_values(void **state)
{
    struct kr_bind_policy p = { 0 };
    enum kr_plan_map m = KR_PLAN_MAP_NODE;
    char err[512];

    (void) state;
    assert_int_equal(kr_bind_parse_map("numa", &p, &m, err, sizeof(err)), 0);
    assert_int_equal(p.map, KR_BIND_MAP_NUMA);
    assert_int_equal(m, KR_PLAN_MAP_SLOT);
    assert_int_equal(kr_bind_parse_map("node", &p, &m, err, sizeof(err)), 0);
    assert_int_equal(m, KR_PLAN_MAP_NODE);
    assert_int_equal(p.map, KR_BIND_MAP_CORE);
    assert_int_equal(kr_bind_parse_map("ppr:2:socket", &p, &m, err, sizeof(err)), 0);
    assert_int_equal(p.map, KR_BIND_MAP_PPR);
    assert_int_equal(p.ppr, 2);
    assert_int_equal(p.ppr_res, KR_BIND_SOCKET);
    assert_int_equal(kr_bind_parse_map("PACKAGE", &p, &m, err, sizeof(err)), 0);
    assert_int_equal(p.map, KR_BIND_MAP_SOCKET);
    assert_int_equal(kr_bind_parse_level("l3cache", &p, err, sizeof(err)), 0);
    assert_int_equal(p.level, KR_BIND_L3);
    assert_int_equal(kr_bind_parse_level("none", &p, err, sizeof(err)), 0);
    assert_int_equal(p.level, KR_BIND_NONE);
}

static void parse_errors(void **state)
{
    struct kr_bind_policy p = { 0 };
    enum kr_plan_map m;
    char err[512];

    (void) state;
    assert_int_equal(kr_bind_parse_map("board", &p, &m, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "--map-by board: unknown value; valid: slot, node, core, l3cache, "
                        "numa, socket (or package), ppr:N:RESOURCE");
    assert_int_equal(kr_bind_parse_map("ppr:0:core", &p, &m, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "ppr:N:RESOURCE with N >= 1"));
    assert_int_equal(kr_bind_parse_map("ppr:2:node", &p, &m, err, sizeof(err)), -EINVAL);
    assert_int_equal(kr_bind_parse_map("ppr:2", &p, &m, err, sizeof(err)), -EINVAL);
    assert_int_equal(kr_bind_parse_map("ppr:x:core", &p, &m, err, sizeof(err)), -EINVAL);
    assert_int_equal(kr_bind_parse_map("ppr:2:none", &p, &m, err, sizeof(err)), -EINVAL);
    assert_int_equal(kr_bind_parse_level("hwthread", &p, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "--bind-to hwthread: unknown value; valid: none, core, l3cache, "
                        "numa, socket (or package)");
}

static void policy_wire(void **state)
{
    struct kr_bind_policy p = { .map = KR_BIND_MAP_PPR, .ppr = 3, .ppr_res = KR_BIND_NUMA,
                                .level = KR_BIND_L3, .cpus_per_rank = 2, .report = true };
    struct kr_bind_policy q;
    char buf[64];

    (void) state;
    kr_bind_policy_format(&p, buf, sizeof(buf));
    assert_int_equal(kr_bind_policy_parse(buf, &q), 0);
    assert_int_equal(q.map, p.map);
    assert_int_equal(q.ppr, p.ppr);
    assert_int_equal(q.ppr_res, p.ppr_res);
    assert_int_equal(q.level, p.level);
    assert_int_equal(q.cpus_per_rank, p.cpus_per_rank);
    assert_true(q.report);
    assert_int_equal(kr_bind_policy_parse("9.0.0.0.0.0", &q), -EINVAL);
    assert_int_equal(kr_bind_policy_parse("garbage", &q), -EINVAL);
}

/* Default: ranks that fit get one core each, in order. */
static void map_core_default(void **state)
{
    struct kr_bind_policy p = { 0 };

    expect_sets(*state, &p, 3, (const char *const[]) { "0-1", "2-3", "4-5" }, KR_BIND_CORE,
                false);
}

/* More ranks than cores and no --bind-to: nobody is bound, nothing to warn about. */
static void oversubscribed_default_none(void **state)
{
    struct kr_bind_policy p = { 0 };
    const char *want[17];

    for (int i = 0; i < 17; i++) {
        want[i] = "";
    }
    expect_sets(*state, &p, 17, want, KR_BIND_NONE, false);
}

/* ... but --bind-to core when oversubscribed: the cores wrap around, with a warning. */
static void oversubscribed_explicit_core_warns(void **state)
{
    struct kr_bind_policy p = { .level = KR_BIND_CORE };
    struct kr_bind_result r;
    char warn[512], buf[64];

    assert_int_equal(kr_bind_compute(*state, &p, 17, &r, warn, sizeof(warn)), 0);
    assert_string_equal(set_of(&r, 15, buf, sizeof(buf)), "30-31");
    assert_string_equal(set_of(&r, 16, buf, sizeof(buf)), "0-1");
    assert_non_null(strstr(warn, "17 ranks x 1 core do not fit the 16 cores"));
    assert_non_null(strstr(warn, "--bind-to none"));
    kr_bind_result_free(&r);
}

static void map_numa_round_robin(void **state)
{
    struct kr_bind_policy p = { .map = KR_BIND_MAP_NUMA };

    expect_sets(*state, &p, 5, (const char *const[]) { "0-1", "8-9", "16-17", "24-25", "2-3" },
                KR_BIND_CORE, false);
    p.level = KR_BIND_NUMA;
    expect_sets(*state, &p, 5, (const char *const[]) { "0-7", "8-15", "16-23", "24-31", "0-7" },
                KR_BIND_NUMA, false);
}

static void map_socket_bind_socket(void **state)
{
    struct kr_bind_policy p = { .map = KR_BIND_MAP_SOCKET, .level = KR_BIND_SOCKET };

    expect_sets(*state, &p, 3, (const char *const[]) { "0-15", "16-31", "0-15" }, KR_BIND_SOCKET,
                false);
    p.level = KR_BIND_CORE;
    expect_sets(*state, &p, 3, (const char *const[]) { "0-1", "16-17", "2-3" }, KR_BIND_CORE,
                false);
}

static void map_ppr(void **state)
{
    struct kr_bind_policy p = { .map = KR_BIND_MAP_PPR, .ppr = 2, .ppr_res = KR_BIND_SOCKET };
    struct kr_bind_result r;
    char warn[512];

    expect_sets(*state, &p, 4, (const char *const[]) { "0-1", "2-3", "16-17", "18-19" },
                KR_BIND_CORE, false);
    assert_int_equal(kr_bind_ppr_resources(*state, &p), 2);
    /* fewer ranks than the ppr allows: fine */
    expect_sets(*state, &p, 3, (const char *const[]) { "0-1", "2-3", "16-17" }, KR_BIND_CORE,
                false);
    /* more: an error naming the limit */
    assert_int_equal(kr_bind_compute(*state, &p, 5, &r, warn, sizeof(warn)), -EINVAL);
    assert_string_equal(warn, "--map-by ppr:2:socket places at most 4 ranks here (2 sockets), "
                        "but the host got 5");
    p.ppr = 1;
    p.ppr_res = KR_BIND_NUMA;
    p.level = KR_BIND_NUMA;
    assert_int_equal(kr_bind_ppr_resources(*state, &p), 4);
    expect_sets(*state, &p, 4, (const char *const[]) { "0-7", "8-15", "16-23", "24-31" },
                KR_BIND_NUMA, false);
}

/* Threaded ranks: several cores each; the default still binds when they fit. */
static void cpus_per_rank(void **state)
{
    struct kr_bind_policy p = { .cpus_per_rank = 4 };
    const char *want[5];

    expect_sets(*state, &p, 4, (const char *const[]) { "0-7", "8-15", "16-23", "24-31" },
                KR_BIND_CORE, false);
    /* 5 x 4 cores > 16: default is no binding */
    for (int i = 0; i < 5; i++) {
        want[i] = "";
    }
    expect_sets(*state, &p, 5, want, KR_BIND_NONE, false);
    /* with numa mapping, 2 ranks of 3 cores in one NUMA node of 4 cores must share */
    p.map = KR_BIND_MAP_PPR;
    p.ppr = 2;
    p.ppr_res = KR_BIND_NUMA;
    p.cpus_per_rank = 3;
    expect_sets(*state, &p, 2, (const char *const[]) { "0-5", "0-3,6-7" }, KR_BIND_CORE, true);
}

static void bind_l3_level(void **state)
{
    struct kr_bind_policy p = { .level = KR_BIND_L3, .cpus_per_rank = 2 };

    /* rank 1 takes cores 2-3 (L3 0), rank 2 cores 4-5 (L3 1) */
    expect_sets(*state, &p, 3, (const char *const[]) { "0-7", "0-7", "8-15" }, KR_BIND_L3,
                false);
}

static void explicit_none(void **state)
{
    struct kr_bind_policy p = { .level = KR_BIND_NONE };

    expect_sets(*state, &p, 2, (const char *const[]) { "", "" }, KR_BIND_NONE, false);
}

/* A topology without cores (only PUs): PUs serve as cores. */
static void no_cores_uses_pus(void **state)
{
    hwloc_topology_t t = topo_synthetic("pack:1 pu:4");
    struct kr_bind_policy p = { 0 };
    char buf[128];

    (void) state;
    expect_sets(t, &p, 2, (const char *const[]) { "0", "1" }, KR_BIND_CORE, false);
    kr_bind_describe(t, hwloc_get_obj_by_type(t, HWLOC_OBJ_PU, 1)->cpuset, buf, sizeof(buf));
    assert_string_equal(buf, "bound to cpu 1 (package 0, numa 0)");
    hwloc_topology_destroy(t);
}

static void describe(void **state)
{
    hwloc_topology_t t = *state;
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    char buf[256];

    hwloc_bitmap_set_range(set, 4, 7);
    kr_bind_describe(t, set, buf, sizeof(buf));
    assert_string_equal(buf, "bound to cores 2-3 (package 0, numa 0)");
    hwloc_bitmap_set_range(set, 8, 17);
    kr_bind_describe(t, set, buf, sizeof(buf));
    assert_string_equal(buf, "bound to cores 2-8 (packages 0-1, numa 0-2)");
    kr_bind_describe(t, NULL, buf, sizeof(buf));
    assert_string_equal(buf, "not bound");
    hwloc_bitmap_free(set);
}

/* --- the library's side: which resource a binding sits in ------------------------------------ */

static void res_names(void **state)
{
    (void) state;
    assert_int_equal(kr_topo_res_parse("mpi_shared_memory"), KR_TOPO_RES_HOST);
    assert_int_equal(kr_topo_res_parse("NUMANode"), KR_TOPO_RES_NUMA);
    assert_int_equal(kr_topo_res_parse("numa"), KR_TOPO_RES_NUMA);
    assert_int_equal(kr_topo_res_parse("Package"), KR_TOPO_RES_PACKAGE);
    assert_int_equal(kr_topo_res_parse("socket"), KR_TOPO_RES_PACKAGE);
    assert_int_equal(kr_topo_res_parse("L3Cache"), KR_TOPO_RES_L3);
    assert_int_equal(kr_topo_res_parse("core"), KR_TOPO_RES_CORE);
    assert_int_equal(kr_topo_res_parse("hwthread"), KR_TOPO_RES_PU);
    assert_int_equal(kr_topo_res_parse("board"), -1);
}

static void res_index(void **state)
{
    hwloc_topology_t t = *state;
    hwloc_bitmap_t set = hwloc_bitmap_alloc();

    /* bound to core 5 (PUs 10-11): package 0, NUMA 1, L3 1, core 5 */
    hwloc_bitmap_set_range(set, 10, 11);
    assert_int_equal(kr_topo_res_index(t, set, KR_TOPO_RES_HOST), -1);
    assert_int_equal(kr_topo_res_index(t, set, KR_TOPO_RES_PACKAGE), 0);
    assert_int_equal(kr_topo_res_index(t, set, KR_TOPO_RES_NUMA), 1);
    assert_int_equal(kr_topo_res_index(t, set, KR_TOPO_RES_L3), 1);
    assert_int_equal(kr_topo_res_index(t, set, KR_TOPO_RES_CORE), 5);
    assert_int_equal(kr_topo_res_index(t, set, KR_TOPO_RES_PU), -1);
    /* no L2 in this topology: the host */
    assert_int_equal(kr_topo_res_index(t, set, KR_TOPO_RES_L2), -1);
    /* bound to a package: inside it, but spans its NUMA nodes */
    hwloc_bitmap_set_range(set, 16, 31);
    hwloc_bitmap_clr_range(set, 10, 11);
    assert_int_equal(kr_topo_res_index(t, set, KR_TOPO_RES_PACKAGE), 1);
    assert_int_equal(kr_topo_res_index(t, set, KR_TOPO_RES_NUMA), -1);
    /* unbound: the whole host everywhere */
    hwloc_bitmap_copy(set, hwloc_topology_get_topology_cpuset(t));
    for (int r = KR_TOPO_RES_HOST; r < KR_TOPO_RES_COUNT; r++) {
        assert_int_equal(kr_topo_res_index(t, set, (enum kr_topo_res) r), -1);
    }
    hwloc_bitmap_free(set);
}

/* The CPU count that decides oversubscription comes from cpuset lists, not the affinity mask
 * a binding launcher narrows to one core. */
static void cpulist_count(void **state)
{
    (void) state;
    assert_int_equal(kr_topo_cpulist_count("0-1\n"), 2);
    assert_int_equal(kr_topo_cpulist_count("0-3,8,10-11"), 7);
    assert_int_equal(kr_topo_cpulist_count("5"), 1);
    assert_int_equal(kr_topo_cpulist_count(""), 0);
    assert_int_equal(kr_topo_cpulist_count("3-1"), 0);
    assert_int_equal(kr_topo_cpulist_count("0-x"), 0);
    assert_int_equal(kr_topo_cpulist_count("a"), 0);
    assert_true(kr_topo_cpus_host() >= kr_topo_cpus_allowed());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_values),
        cmocka_unit_test(parse_errors),
        cmocka_unit_test(policy_wire),
        cmocka_unit_test_setup_teardown(map_core_default, setup_big, teardown),
        cmocka_unit_test_setup_teardown(oversubscribed_default_none, setup_big, teardown),
        cmocka_unit_test_setup_teardown(oversubscribed_explicit_core_warns, setup_big, teardown),
        cmocka_unit_test_setup_teardown(map_numa_round_robin, setup_big, teardown),
        cmocka_unit_test_setup_teardown(map_socket_bind_socket, setup_big, teardown),
        cmocka_unit_test_setup_teardown(map_ppr, setup_big, teardown),
        cmocka_unit_test_setup_teardown(cpus_per_rank, setup_big, teardown),
        cmocka_unit_test_setup_teardown(bind_l3_level, setup_big, teardown),
        cmocka_unit_test_setup_teardown(explicit_none, setup_big, teardown),
        cmocka_unit_test(no_cores_uses_pus),
        cmocka_unit_test_setup_teardown(describe, setup_big, teardown),
        cmocka_unit_test(res_names),
        cmocka_unit_test(cpulist_count),
        cmocka_unit_test_setup_teardown(res_index, setup_big, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Node-aware collectives (src/coll/coll_hier.c) over the loopback transport: the world's
 * ranks are spread over pretend hosts in several shapes (blocks, round-robin, uneven, one
 * lone rank), and barrier, bcast, reduce, allreduce and allgather must give the flat
 * algorithms' results, with every root, in place or not. Harness: coll_world.c. */
#include "config.h"

#include "coll_world.h"

#include "util/settings.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

enum shape { SH_BLOCK, SH_CYCLIC, SH_UNEVEN, SH_LONE, SH_COUNT };

/* The host of rank r of n in `shape` with `h` hosts (2 <= h < n). */
static int shape_host(enum shape shape, int r, int n, int h)
{
    switch (shape) {
    case SH_BLOCK: return r * h / n;
    case SH_CYCLIC: return r % h;
    case SH_UNEVEN: return r < n / 2 ? 0 : 1 + (r % (h - 1)); /* half the ranks on host 0 */
    default: return r == n - 1 ? h - 1 : r % (h - 1);          /* host h-1 has one rank */
    }
}

static int job_node[NMAX];

/* Spread world n over h hosts: every rank's communicator sees the layout, and uses it. */
static struct world *world_on_hosts(int n, int h, enum shape shape)
{
    struct world *w = world_get(n);

    for (int r = 0; r < n; r++) {
        job_node[r] = shape_host(shape, r, n, h);
    }
    for (int r = 0; r < n; r++) {
        kr_coll_hier_drop(w->comm[r]);
        w->comm[r]->job_node = job_node;
        assert_non_null(kr_coll_hier_get(w->comm[r]));
    }
    return w;
}

static void world_one_host(int n)
{
    struct world *w = world_get(n);

    for (int r = 0; r < n; r++) {
        kr_coll_hier_drop(w->comm[r]);
        w->comm[r]->job_node = NULL;
    }
}

/* Every layout: 3..NMAX ranks over 2..n-1 hosts (a sample of the sizes), every shape. */
#define FOR_LAYOUTS(n, h, sh)                                                                     \
    for (int n = 3; n <= NMAX; n += (n < 12 ? 1 : 13))                                            \
        for (int h = 2; h < n; h += (h < 4 ? 1 : n / 3))                                          \
            for (int sh = 0; sh < SH_COUNT; sh++)

/* ---- barrier and bcast ------------------------------------------------------------------- */

static void hier_barrier(void **state)
{
    (void) state;
    FOR_LAYOUTS(n, h, sh) {
        run(world_on_hosts(n, h, sh), build_barrier, NULL);
    }
}

static void hier_bcast(void **state)
{
    static const size_t sizes[] = { 0, 5, 4099 };

    (void) state;
    FOR_LAYOUTS(n, h, sh) {
        for (int z = 0; z < 3; z++) {
            struct bcast_case k = { .bytes = sizes[z], .root = root_for(n, z + sh) };

            bufs_alloc(&k.b, n, 0, k.bytes);
            fill(k.b.r[k.root], k.bytes, k.root, 1);
            run(world_on_hosts(n, h, sh), build_bcast, &k);
            for (int r = 0; r < n; r++) {
                check_pat(k.b.r[r], k.bytes, k.root, 1, "hierarchical bcast");
            }
            bufs_free(&k.b, n);
        }
    }
}

/* ---- reduce and allreduce: int64 sums ---------------------------------------------------- */

struct red_case {
    int64_t *s[NMAX], *r[NMAX];
    size_t count;
    int root;                  /* -1: allreduce */
    bool inplace;
};

static int build_red(struct kr_comm *c, int r, void *arg, struct kr_sched **s_out)
{
    struct red_case *k = arg;
    const struct kr_dt *dt = kr_dt_from_handle(MPI_INT64_T);
    const struct kr_op *op = kr_op_from_handle(MPI_SUM);
    bool ip = k->inplace && (k->root < 0 || r == k->root);

    if (k->root < 0) {
        return kr_coll_allreduce_sched(c, ip ? NULL : k->s[r], k->r[r], k->count, dt, op, s_out);
    }
    return kr_coll_reduce_sched(c, ip ? NULL : k->s[r], k->r[r], k->count, dt, op, k->root,
                                s_out);
}

static int64_t red_value(int r, size_t e)
{
    return (int64_t) (mix64(((uint64_t) r << 32) ^ e) >> 20);
}

static void red_run(struct world *w, int root, size_t count, bool inplace)
{
    struct red_case k = { .count = count, .root = root, .inplace = inplace };
    int n = w->n;

    for (int r = 0; r < n; r++) {
        k.s[r] = malloc(sizeof(int64_t) * (count + 1));
        k.r[r] = malloc(sizeof(int64_t) * (count + 1));
        assert_true(k.s[r] != NULL && k.r[r] != NULL);
        for (size_t e = 0; e < count; e++) {
            k.s[r][e] = red_value(r, e);
            k.r[r][e] = inplace ? red_value(r, e) : -1;
        }
    }
    run(w, build_red, &k);
    for (int r = 0; r < n; r++) {
        if (root >= 0 && r != root) {
            continue;
        }
        for (size_t e = 0; e < count; e++) {
            int64_t want = 0;

            for (int q = 0; q < n; q++) {
                want += red_value(q, e);
            }
            if (k.r[r][e] != want) {
                fail_msg("hierarchical %s, %d ranks: element %zu on rank %d is %lld, not %lld",
                         root < 0 ? "allreduce" : "reduce", n, e, r, (long long) k.r[r][e],
                         (long long) want);
            }
        }
    }
    for (int r = 0; r < n; r++) {
        free(k.s[r]);
        free(k.r[r]);
    }
}

static void hier_reduce(void **state)
{
    (void) state;
    FOR_LAYOUTS(n, h, sh) {
        for (int z = 0; z < 2; z++) {
            red_run(world_on_hosts(n, h, sh), root_for(n, z + sh), z == 0 ? 3 : 9000, z == 1);
        }
    }
}

static void hier_allreduce(void **state)
{
    (void) state;
    FOR_LAYOUTS(n, h, sh) {
        /* 9000 elements reach Rabenseifner and the ring among the leaders */
        red_run(world_on_hosts(n, h, sh), -1, 1, false);
        red_run(world_on_hosts(n, h, sh), -1, 9000, true);
    }
}

/* Two members per host: the leader-based stages stay off (a round more than flat), but an
 * allreduce runs node-aware at any length when every host has as many members (member i of
 * each host works with member i of the others); hosts of different sizes keep the leaders
 * and their length limit. */
static void hier_allreduce_peers(void **state)
{
    static const size_t counts[] = { 1, 3, 5000, 70001 };
    int keep = kr_coll_cfg.hier_min_local;

    (void) state;
    for (int sh = SH_BLOCK; sh <= SH_CYCLIC; sh++) {
        struct world *w = world_on_hosts(4, 2, sh);

        kr_coll_cfg.hier_min_local = 3;
        assert_null(kr_coll_hier_get(w->comm[1]));
        assert_non_null(kr_coll_hier_allreduce_get(w->comm[1], 8));
        assert_non_null(kr_coll_hier_allreduce_get(w->comm[1], (size_t) 1 << 20));
        for (int z = 0; z < 4; z++) {
            red_run(w, -1, counts[z], z % 2 == 1);
        }
        kr_coll_cfg.hier_min_local = keep;
    }
    /* 3 hosts x 3: the fold of the halving leaves member 0 of each host without a part */
    for (int z = 0; z < 4; z++) {
        red_run(world_on_hosts(9, 3, SH_BLOCK), -1, counts[z], z % 2 == 0);
    }
    assert_null(kr_coll_hier_allreduce_get(world_on_hosts(5, 2, SH_BLOCK)->comm[0],
                                           kr_coll_cfg.hier_allreduce_max + 1));
}

/* ---- allgather --------------------------------------------------------------------------- */

struct gather_case {
    struct bufs b;
    size_t bytes;
    bool inplace;
};

static int build_allgather(struct kr_comm *c, int r, void *arg, struct kr_sched **s_out)
{
    struct gather_case *k = arg;

    return kr_coll_allgather_sched(c, k->inplace ? NULL : k->b.s[r], k->b.r[r], k->bytes, s_out);
}

static void hier_allgather(void **state)
{
    static const size_t sizes[] = { 0, 3, 1000 };

    (void) state;
    FOR_LAYOUTS(n, h, sh) {
        for (int z = 0; z < 3; z++) {
            struct gather_case k = { .bytes = sizes[z], .inplace = z == 1 };
            size_t total = (size_t) n * k.bytes;

            bufs_alloc(&k.b, n, k.bytes, total);
            for (int r = 0; r < n; r++) {
                fill(k.b.s[r], k.bytes, r, 2);
                if (k.inplace) {
                    fill(k.b.r[r] + (size_t) r * k.bytes, k.bytes, r, 2);
                }
            }
            run(world_on_hosts(n, h, sh), build_allgather, &k);
            for (int r = 0; r < n; r++) {
                for (int q = 0; q < n; q++) {
                    check_pat(k.b.r[r] + (size_t) q * k.bytes, k.bytes, q, 2,
                              "hierarchical allgather");
                }
                check_gap(k.b.r[r] + total, 1, "hierarchical allgather");
            }
            bufs_free(&k.b, n);
        }
    }
}

/* One rank per host, or all on one: nothing to stage, the flat algorithms run. */
static void hier_not_used(void **state)
{
    struct world *w = world_get(6);

    (void) state;
    for (int r = 0; r < 6; r++) {
        job_node[r] = r;
    }
    for (int r = 0; r < 6; r++) {
        kr_coll_hier_drop(w->comm[r]);
        w->comm[r]->job_node = job_node;
        assert_null(kr_coll_hier_get(w->comm[r]));
    }
    world_one_host(6);
    assert_null(kr_coll_hier_get(w->comm[0]));
}

int main(void)
{
    char err[256];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hier_barrier),   cmocka_unit_test(hier_bcast),
        cmocka_unit_test(hier_reduce),    cmocka_unit_test(hier_allreduce),
        cmocka_unit_test(hier_allreduce_peers),
        cmocka_unit_test(hier_allgather), cmocka_unit_test(hier_not_used),
    };
    int ret;

    /* Every shape runs staged, two members per host included (by default those stay flat). */
    setenv("KURIR_COLL_HIER_MIN_LOCAL", "2", 0);
    if (kr_settings_load(err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    ret = cmocka_run_group_tests(tests, NULL, NULL);
    worlds_free();
    return ret;
}

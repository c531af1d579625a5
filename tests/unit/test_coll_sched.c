/* Collective schedules (src/coll) over the loopback transport, data movement: n virtual
 * ranks in one process (coll_world.c); every rank's schedule is started, then the engines are
 * progressed round-robin until all complete (no threads, no blocking waits). Every algorithm
 * of barrier, bcast, gather, scatter, allgather, alltoall and the v forms runs at every size
 * 1..64, with zero counts, odd sizes, roots other than 0 and in place; plus neighbourhoods,
 * several schedules at once, and persistent restarts. Reductions: test_coll_sched_red.c. */
#include "config.h"

#include "coll_world.h"

#include "util/settings.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* ---- barrier, bcast ----------------------------------------------------------------------- */

static void coll_barrier(void **state)
{
    (void) state;
    for (int n = 1; n <= NMAX; n++) {
        run(world_get(n), build_barrier, NULL);
    }
}

static void coll_bcast(void **state)
{
    static const int algos[] = { KR_COLL_BCAST_BINOMIAL, KR_COLL_BCAST_SCATTER_ALLGATHER };
    static const size_t sizes[] = { 0, 5, 4099 };

    (void) state;
    for (int a = 0; a < 2; a++) {
        kr_coll_cfg.bcast = algos[a];
        for (int n = 1; n <= NMAX; n++) {
            for (int z = 0; z < 3; z++) {
                struct bcast_case k = { .bytes = sizes[z], .root = root_for(n, z) };

                bufs_alloc(&k.b, n, 0, k.bytes);
                fill(k.b.r[k.root], k.bytes, k.root, 1);
                run(world_get(n), build_bcast, &k);
                for (int r = 0; r < n; r++) {
                    check_pat(k.b.r[r], k.bytes, k.root, 1, "bcast");
                }
                bufs_free(&k.b, n);
            }
        }
    }
    kr_coll_cfg.bcast = KR_COLL_BCAST_AUTO;
}

/* ---- gather, scatter, allgather, alltoall: uniform blocks -------------------------------- */

enum move_kind { MV_GATHER, MV_SCATTER, MV_ALLGATHER, MV_ALLTOALL };

struct move_case {
    struct bufs b;
    enum move_kind kind;
    size_t bytes;
    int root;
    bool inplace;
};

static int build_move(struct kr_comm *c, int r, void *arg, struct kr_sched **s_out)
{
    struct move_case *k = arg;
    bool ip = k->inplace && (k->kind >= MV_ALLGATHER || r == k->root);
    const void *sb = ip ? NULL : k->b.s[r];

    switch (k->kind) {
    case MV_GATHER: return kr_coll_gather_sched(c, sb, k->b.r[r], k->bytes, k->root, s_out);
    case MV_SCATTER:
        return kr_coll_scatter_sched(c, k->b.s[r], ip ? NULL : k->b.r[r], k->bytes, k->root,
                                     s_out);
    case MV_ALLGATHER: return kr_coll_allgather_sched(c, sb, k->b.r[r], k->bytes, s_out);
    default: return kr_coll_alltoall_sched(c, sb, k->b.r[r], k->bytes, s_out);
    }
}

/* Rank r's input: its block (gather, allgather) or its n blocks, block j salted by j. */
static void move_fill(struct move_case *k, int n, int r)
{
    size_t b = k->bytes;

    if (k->kind == MV_GATHER || k->kind == MV_ALLGATHER) {
        fill(k->b.s[r], b, r, 2);
        if (k->inplace && (k->kind == MV_ALLGATHER || r == k->root)) {
            fill(k->b.r[r] + (size_t) r * b, b, r, 2);
        }
        return;
    }
    for (int j = 0; j < n; j++) {
        fill(k->b.s[r] + (size_t) j * b, b, r, 100 + (unsigned) j);
        if (k->inplace && k->kind == MV_ALLTOALL) {
            fill(k->b.r[r] + (size_t) j * b, b, r, 100 + (unsigned) j);
        }
    }
    if (k->inplace && k->kind == MV_SCATTER && r == k->root) {
        fill(k->b.r[r], b, r, 100 + (unsigned) r); /* what stays in place */
    }
}

static void move_check(struct move_case *k, int n, int r)
{
    size_t b = k->bytes;

    switch (k->kind) {
    case MV_GATHER:
    case MV_ALLGATHER:
        if (k->kind == MV_GATHER && r != k->root) {
            check_gap(k->b.r[r], 1, "gather non-root");
            return;
        }
        for (int i = 0; i < n; i++) {
            check_pat(k->b.r[r] + (size_t) i * b, b, i, 2, "gather");
        }
        break;
    case MV_SCATTER: check_pat(k->b.r[r], b, k->root, 100 + (unsigned) r, "scatter"); break;
    default:
        for (int i = 0; i < n; i++) {
            check_pat(k->b.r[r] + (size_t) i * b, b, i, 100 + (unsigned) r, "alltoall");
        }
    }
    check_gap(k->b.r[r] + (size_t) (k->kind == MV_SCATTER ? 1 : n) * b, 1, "past the end");
}

static void move_sweep(enum move_kind kind, int *cfg, const int *algos, int nalgo)
{
    static const size_t sizes[] = { 0, 1, 37 };

    for (int a = 0; a < nalgo; a++) {
        *cfg = algos[a];
        for (int n = 1; n <= NMAX; n++) {
            for (int z = 0; z < 3; z++) {
                struct move_case k = { .kind = kind, .bytes = sizes[z], .root = root_for(n, z),
                                       .inplace = ((unsigned) n + (unsigned) z) % 2 == 1 };

                bufs_alloc(&k.b, n, (size_t) n * k.bytes, (size_t) n * k.bytes);
                for (int r = 0; r < n; r++) {
                    move_fill(&k, n, r);
                }
                run(world_get(n), build_move, &k);
                for (int r = 0; r < n; r++) {
                    move_check(&k, n, r);
                }
                bufs_free(&k.b, n);
            }
        }
    }
    *cfg = 0;
}

static void coll_gather(void **state)
{
    static const int algos[] = { KR_COLL_GATHER_BINOMIAL, KR_COLL_GATHER_LINEAR };

    (void) state;
    move_sweep(MV_GATHER, &kr_coll_cfg.gather, algos, 2);
}

static void coll_scatter(void **state)
{
    static const int algos[] = { KR_COLL_SCATTER_BINOMIAL, KR_COLL_SCATTER_LINEAR };

    (void) state;
    move_sweep(MV_SCATTER, &kr_coll_cfg.scatter, algos, 2);
}

static void coll_allgather(void **state)
{
    static const int algos[] = { KR_COLL_ALLGATHER_RING, KR_COLL_ALLGATHER_RECDBL,
                                 KR_COLL_ALLGATHER_BRUCK };

    (void) state;
    move_sweep(MV_ALLGATHER, &kr_coll_cfg.allgather, algos, 3);
}

static void coll_alltoall(void **state)
{
    static const int algos[] = { KR_COLL_ALLTOALL_BRUCK, KR_COLL_ALLTOALL_POSTALL,
                                 KR_COLL_ALLTOALL_PAIRWISE };

    (void) state;
    move_sweep(MV_ALLTOALL, &kr_coll_cfg.alltoall, algos, 3);
}

/* ---- v forms: blocks of different sizes with gaps between them ---------------------------- */

struct v_case {
    struct bufs b;
    enum move_kind kind;
    int n, root;
    bool inplace;
    ptrdiff_t off[NMAX][NMAX]; /* [rank][block] in the receive (or scatter's send) buffer */
    size_t len[NMAX][NMAX];    /* [from][to] */
    ptrdiff_t soff[NMAX][NMAX];
};

/* Block sizes (0 included), symmetric so that in-place alltoallv is legal. */
static size_t v_len(int from, int to, int kind)
{
    return kind == MV_ALLTOALL ? (size_t) (from + to + 3) % 7 : (size_t) (from * 7 + 2) % 13;
}

static void v_layout(struct v_case *k)
{
    for (int r = 0; r < k->n; r++) {
        ptrdiff_t ro = 0, so = 0;

        for (int i = 0; i < k->n; i++) {
            k->len[i][r] = v_len(i, r, k->kind);
            k->off[r][i] = ro + 1; /* one guard byte before every block */
            ro += (ptrdiff_t) k->len[i][r] + 1;
            k->soff[r][i] = so;
            so += (ptrdiff_t) v_len(r, i, k->kind);
        }
    }
}

static int build_v(struct kr_comm *c, int r, void *arg, struct kr_sched **s_out)
{
    struct v_case *k = arg;
    struct kr_coll_blocks rb = { k->off[r], NULL }, sb = { k->soff[r], NULL };
    size_t rl[NMAX], sl[NMAX];
    bool ip = k->inplace && (k->kind >= MV_ALLGATHER || r == k->root);

    for (int i = 0; i < k->n; i++) {
        rl[i] = k->len[i][r];
        sl[i] = k->len[r][i];
    }
    rb.len = rl;
    sb.len = sl;
    switch (k->kind) {
    case MV_GATHER:
        return kr_coll_gatherv_sched(c, ip ? NULL : k->b.s[r], k->len[r][0], k->b.r[r], &rb,
                                     k->root, s_out);
    case MV_SCATTER: /* the root's blocks, laid out like a gatherv receive buffer */
        for (int i = 0; i < k->n; i++) {
            sl[i] = k->len[i][0];
        }
        sb.off = k->off[r];
        return kr_coll_scatterv_sched(c, k->b.r[r], &sb, ip ? NULL : k->b.s[r], k->len[r][0],
                                      k->root, s_out);
    case MV_ALLGATHER:
        return kr_coll_allgatherv_sched(c, ip ? NULL : k->b.s[r], k->len[r][0], k->b.r[r], &rb,
                                        s_out);
    default:
        return kr_coll_alltoallv_sched(c, ip ? NULL : k->b.s[r], &sb, k->b.r[r], &rb, s_out);
    }
}

static void v_fill(struct v_case *k, int r)
{
    if (k->kind == MV_SCATTER) {
        memset(k->b.s[r], 0, 16 * (size_t) k->n);
    }
    for (int i = 0; i < k->n; i++) {
        unsigned salt = k->kind == MV_ALLTOALL ? 200 + (unsigned) i : 3;

        if (k->kind == MV_ALLTOALL || (i == 0 && k->kind != MV_SCATTER)) {
            fill(k->b.s[r] + k->soff[r][i], k->len[r][i], r, salt);
        }
        if (k->kind == MV_SCATTER && r == k->root) {
            fill(k->b.r[r] + k->off[r][i], k->len[i][0], i, 3);
        }
    }
    if (k->inplace && k->kind == MV_ALLTOALL) {
        for (int i = 0; i < k->n; i++) {
            fill(k->b.r[r] + k->off[r][i], k->len[i][r], r, 200 + (unsigned) i);
        }
    } else if (k->inplace && k->kind != MV_SCATTER) {
        fill(k->b.r[r] + k->off[r][r], k->len[r][r], r, 3);
    }
}

static void v_check(struct v_case *k, int r)
{
    if (k->kind == MV_SCATTER) {
        if (!(k->inplace && r == k->root)) {
            check_pat(k->b.s[r], k->len[r][0], r, 3, "scatterv");
        }
        return;
    }
    if (k->kind == MV_GATHER && r != k->root) {
        return;
    }
    for (int i = 0; i < k->n; i++) {
        unsigned salt = k->kind == MV_ALLTOALL ? 200 + (unsigned) r : 3;

        check_gap(k->b.r[r] + k->off[r][i] - 1, 1, "v guard");
        check_pat(k->b.r[r] + k->off[r][i], k->len[i][r], i, salt, "v block");
    }
}

static void v_sweep(enum move_kind kind, int *cfg, const int *algos, int nalgo)
{
    for (int a = 0; a < nalgo; a++) {
        if (cfg != NULL) {
            *cfg = algos[a];
        }
        for (int n = 1; n <= NMAX; n++) {
            for (int z = 0; z < 2; z++) {
                struct v_case *k = calloc(1, sizeof(*k));

                assert_non_null(k);
                k->kind = kind;
                k->n = n;
                k->root = root_for(n, z);
                k->inplace = z == 1;
                v_layout(k);
                bufs_alloc(&k->b, n, 16 * (size_t) n, 16 * (size_t) n);
                for (int r = 0; r < n; r++) {
                    v_fill(k, r);
                }
                run(world_get(n), build_v, k);
                for (int r = 0; r < n; r++) {
                    v_check(k, r);
                }
                bufs_free(&k->b, n);
                free(k);
            }
        }
    }
    if (cfg != NULL) {
        *cfg = 0;
    }
}

static void coll_gatherv(void **state)
{
    (void) state;
    v_sweep(MV_GATHER, NULL, NULL, 1);
}

static void coll_scatterv(void **state)
{
    (void) state;
    v_sweep(MV_SCATTER, NULL, NULL, 1);
}

static void coll_allgatherv(void **state)
{
    (void) state;
    v_sweep(MV_ALLGATHER, NULL, NULL, 1);
}

static void coll_alltoallv(void **state)
{
    static const int algos[] = { KR_COLL_ALLTOALLV_POSTALL, KR_COLL_ALLTOALLV_PAIRWISE };

    (void) state;
    v_sweep(MV_ALLTOALL, &kr_coll_cfg.alltoallv, algos, 2);
}

/* ---- neighbourhood ------------------------------------------------------------------------ */

/* Edges d = +1, +2, -1 (and a PROC_NULL): r sends block j to r + d_j and receives slot i from
 * r - d_i. Duplicate edges (small sizes) pair up in list order, as MPI says for graphs. The
 * Cartesian case (one periodic dimension: -1 then +1) gets the opposite pairing. */
struct nb_case {
    struct bufs b;
    int n;
    bool cart;
    int src[NMAX][4], dst[NMAX][4];
    size_t bytes;
};

static int build_nb(struct kr_comm *c, int r, void *arg, struct kr_sched **s_out)
{
    struct nb_case *k = arg;
    int deg = k->cart ? 2 : 4;
    struct kr_coll_nbrs nb = { deg, deg, k->src[r], k->dst[r] };
    ptrdiff_t off[4];
    size_t len[4];
    struct kr_coll_blocks blk = { off, len };

    for (int i = 0; i < 4; i++) {
        off[i] = (ptrdiff_t) ((size_t) i * (k->bytes + 1));
        len[i] = k->bytes;
    }
    return kr_coll_neighbor_sched(c, &nb, k->b.s[r], &blk, k->b.r[r], &blk, s_out);
}

static void coll_neighbor(void **state)
{
    static const int dg[3] = { 1, 2, -1 };

    (void) state;
    for (int cart = 0; cart < 2; cart++) {
        for (int n = 1; n <= NMAX; n++) {
            struct world *w = world_get(n);
            struct kr_comm_topo topo = { .kind = KR_TOPO_CART };
            struct nb_case *k = calloc(1, sizeof(*k));

            assert_non_null(k);
            k->n = n;
            k->cart = cart;
            k->bytes = 1 + (size_t) n % 5;
            bufs_alloc(&k->b, n, 4 * (k->bytes + 1), 4 * (k->bytes + 1));
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < 3; i++) {
                    int d = cart ? (i == 0 ? -1 : 1) : dg[i];

                    k->dst[r][i] = (r + d + n) % n;
                    k->src[r][i] = (r - (cart ? -d : d) + 2 * n) % n;
                }
                k->dst[r][3] = k->src[r][3] = KR_PROC_NULL;
                for (int j = 0; j < 4; j++) {
                    fill(k->b.s[r] + (size_t) j * (k->bytes + 1), k->bytes, r, 300 + (unsigned) j);
                }
                w->comm[r]->topo = cart ? &topo : NULL;
            }
            run(w, build_nb, k);
            for (int r = 0; r < n; r++) {
                w->comm[r]->topo = NULL;
                for (int i = 0; i < (cart ? 2 : 3); i++) {
                    /* Graph: same index on both ends; Cartesian: -1 pairs with +1. */
                    unsigned j = cart ? (unsigned) (1 - i) : (unsigned) i;

                    check_pat(k->b.r[r] + (size_t) i * (k->bytes + 1), k->bytes, k->src[r][i],
                              300 + j, "neighbor");
                }
                if (!cart) {
                    check_gap(k->b.r[r] + 3 * (k->bytes + 1), k->bytes, "PROC_NULL slot");
                }
            }
            bufs_free(&k->b, n);
            free(k);
        }
    }
}

/* ---- several schedules at once on one communicator; persistent restarts ------------------ */

static void coll_concurrent(void **state)
{
    (void) state;
    for (int n = 1; n <= NMAX; n += 3) {
        struct world *w = world_get(n);
        struct kr_sched *s[3 * NMAX];
        struct kr_pt2pt *pt[3 * NMAX];
        struct bufs b[3];
        const struct kr_dt *i64 = kr_dt_from_handle(MPI_INT64_T);
        const struct kr_op *sum = kr_op_from_handle(MPI_SUM);

        for (int j = 0; j < 3; j++) {
            bufs_alloc(&b[j], n, 8 * (size_t) n, 8 * (size_t) n);
        }
        for (int r = 0; r < n; r++) {
            int64_t one = r + 1;

            memcpy(b[0].s[r], &one, 8);
            fill(b[1].s[r] + 8 * (size_t) r, 8, r, 7);
            fill(b[2].r[r], 3, r, 8);
            /* Built in the same order everywhere (tags), started in interleaved order. */
            assert_int_equal(kr_coll_allreduce_sched(w->comm[r], b[0].s[r], b[0].r[r], 1, i64,
                                                     sum, &s[r]), 0);
            assert_int_equal(kr_coll_allgather_sched(w->comm[r], NULL, b[1].s[r], 8, &s[n + r]),
                             0);
            assert_int_equal(kr_coll_bcast_sched(w->comm[r], b[2].r[r], 3, n - 1, &s[2 * n + r]),
                             0);
            pt[r] = pt[n + r] = pt[2 * n + r] = w->pt[r];
        }
        run_scheds(3 * n, pt, s);
        for (int r = 0; r < n; r++) {
            int64_t got;

            memcpy(&got, b[0].r[r], 8);
            assert_int_equal(got, (int64_t) n * (n + 1) / 2);
            for (int i = 0; i < n; i++) {
                /* allgather in place: block i is rank i's own first 8 bytes */
                check_pat(b[1].s[r] + 8 * (size_t) i, 8, i, 7, "concurrent allgather");
            }
            check_pat(b[2].r[r], 3, n - 1, 8, "concurrent bcast");
        }
        for (int j = 0; j < 3; j++) {
            bufs_free(&b[j], n);
        }
    }
}

static void coll_persistent(void **state)
{
    const struct kr_dt *i64 = kr_dt_from_handle(MPI_INT64_T);
    const struct kr_op *sum = kr_op_from_handle(MPI_SUM);

    (void) state;
    kr_coll_cfg.allreduce = KR_COLL_ALLREDUCE_RABENSEIFNER;
    for (int n = 1; n <= NMAX; n += 5) {
        struct world *w = world_get(n);
        struct kr_sched *s[NMAX];
        int64_t in[NMAX][80], out[NMAX][80];

        for (int r = 0; r < n; r++) {
            assert_int_equal(kr_coll_allreduce_sched(w->comm[r], in[r], out[r], 80, i64, sum,
                                                     &s[r]), 0);
            kr_sched_set_persistent(s[r], true);
        }
        for (int round = 0; round < 3; round++) {
            for (int r = 0; r < n; r++) {
                for (int e = 0; e < 80; e++) {
                    in[r][e] = (int64_t) (r * round + e);
                }
            }
            run_scheds(n, w->pt, s);
            for (int r = 0; r < n; r++) {
                for (int e = 0; e < 80; e++) {
                    int64_t want = (int64_t) round * n * (n - 1) / 2 + (int64_t) n * e;

                    assert_int_equal(out[r][e], want);
                }
            }
        }
        for (int r = 0; r < n; r++) {
            kr_sched_free(s[r]);
        }
    }
    kr_coll_cfg.allreduce = KR_COLL_ALLREDUCE_AUTO;
}

int main(void)
{
    char err[256];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(coll_barrier),    cmocka_unit_test(coll_bcast),
        cmocka_unit_test(coll_gather),     cmocka_unit_test(coll_scatter),
        cmocka_unit_test(coll_allgather),  cmocka_unit_test(coll_alltoall),
        cmocka_unit_test(coll_gatherv),    cmocka_unit_test(coll_scatterv),
        cmocka_unit_test(coll_allgatherv), cmocka_unit_test(coll_alltoallv),
        cmocka_unit_test(coll_neighbor),   cmocka_unit_test(coll_concurrent),
        cmocka_unit_test(coll_persistent),
    };
    int ret;

    /* Thresholds and engine limits come from the settings: use the defaults. */
    if (kr_settings_load(err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    ret = cmocka_run_group_tests(tests, NULL, NULL);
    worlds_free();
    return ret;
}

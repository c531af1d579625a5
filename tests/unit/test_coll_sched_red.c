/* Collective schedules (src/coll) over the loopback transport, reductions: reduce,
 * allreduce, reduce_scatter(_block), scan and exscan, every algorithm at every size 1..64 with
 * an int64 sum and a non-commutative user op (2x2 matrix product) on a contiguous and on a
 * holed derived type, checked against a serial reference in rank order; the intercommunicator
 * forms of every collective; user ops on packed derived types. Harness: coll_world.c. */
#include "config.h"

#include "coll_world.h"

#include "util/settings.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* ---- reductions --------------------------------------------------------------------------- */

/* Element kinds: int64 sums (commutative, predefined), and 2x2 matrices of uint32 multiplied
 * in rank order by a user op, as a contiguous derived type and as a vector type with a hole
 * (which the collectives carry packed and unpack for the op). */
enum red_kind { RK_I64, RK_MAT, RK_MATV };
enum red_coll { RC_REDUCE, RC_ALLREDUCE, RC_RSCAT, RC_RSCAT_BLOCK, RC_SCAN, RC_EXSCAN };

static struct kr_dt *mat_dt, *matv_dt;
static struct kr_op *mat_op;

/* inout = in x inout, element by element; finds the four numbers through the type's layout. */
static void mat_fn(void *in, void *inout, int *len, MPI_Datatype *h)
{
    static const int dense[4] = { 0, 1, 2, 3 }, holed[4] = { 0, 1, 3, 4 };
    const struct kr_dt *dt = kr_dt_from_handle(*h);
    const int *x = dt->extent == 16 ? dense : holed;

    for (int i = 0; i < *len; i++) {
        const uint32_t *a = (const uint32_t *) (void *) ((char *) in + i * dt->extent);
        uint32_t *b = (uint32_t *) (void *) ((char *) inout + i * dt->extent);
        uint32_t c0 = a[x[0]] * b[x[0]] + a[x[1]] * b[x[2]];
        uint32_t c1 = a[x[0]] * b[x[1]] + a[x[1]] * b[x[3]];
        uint32_t c2 = a[x[2]] * b[x[0]] + a[x[3]] * b[x[2]];
        uint32_t c3 = a[x[2]] * b[x[1]] + a[x[3]] * b[x[3]];

        b[x[0]] = c0;
        b[x[1]] = c1;
        b[x[2]] = c2;
        b[x[3]] = c3;
    }
}

static size_t red_esz(enum red_kind kind)
{
    return kind == RK_I64 ? 8 : 16; /* collective buffers: matrices travel packed */
}

static void red_value(enum red_kind kind, int r, size_t e, unsigned char *out)
{
    uint64_t x = mix64(((uint64_t) r << 32) ^ e);

    if (kind == RK_I64) {
        int64_t v = (int64_t) (x % 2001) - 1000;

        memcpy(out, &v, 8);
    } else {
        uint32_t m[4] = { (uint32_t) x, (uint32_t) (x >> 32), (uint32_t) mix64(x),
                          (uint32_t) (x >> 17) };

        memcpy(out, m, 16);
    }
}

/* b = a op b for one element. */
static void red_combine(enum red_kind kind, const unsigned char *a, unsigned char *b)
{
    if (kind == RK_I64) {
        int64_t x, y;

        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        y += x;
        memcpy(b, &y, 8);
    } else {
        int one = 1;
        MPI_Datatype h = kr_dt_to_handle(mat_dt);
        uint32_t ma[4], mb[4];

        memcpy(ma, a, 16);
        memcpy(mb, b, 16);
        mat_fn(ma, mb, &one, &h);
        memcpy(b, mb, 16);
    }
}

/* Element e reduced over ranks [lo, hi), in order. */
static void red_ref(enum red_kind kind, int lo, int hi, size_t e, unsigned char *out)
{
    unsigned char v[16];

    red_value(kind, lo, e, out);
    for (int r = lo + 1; r < hi; r++) {
        red_value(kind, r, e, v);
        red_combine(kind, out, v);
        memcpy(out, v, red_esz(kind));
    }
}

struct red_case {
    struct bufs b;
    enum red_kind kind;
    enum red_coll coll;
    size_t count;               /* elements per rank (blocks of reduce_scatter_block) */
    size_t counts[NMAX];        /* reduce_scatter */
    size_t total;               /* elements of each input vector */
    int root;
    bool inplace;
};

static const struct kr_dt *red_dt(enum red_kind kind)
{
    return kind == RK_I64 ? kr_dt_from_handle(MPI_INT64_T) : kind == RK_MAT ? mat_dt : matv_dt;
}

static int build_red(struct kr_comm *c, int r, void *arg, struct kr_sched **s_out)
{
    struct red_case *k = arg;
    const struct kr_dt *dt = red_dt(k->kind);
    const struct kr_op *op = k->kind == RK_I64 ? kr_op_from_handle(MPI_SUM) : mat_op;
    bool ip = k->inplace && (k->coll != RC_REDUCE || r == k->root);
    const void *sb = ip ? NULL : k->b.s[r];
    void *rb = k->b.r[r];

    switch (k->coll) {
    case RC_REDUCE: return kr_coll_reduce_sched(c, sb, rb, k->count, dt, op, k->root, s_out);
    case RC_ALLREDUCE: return kr_coll_allreduce_sched(c, sb, rb, k->count, dt, op, s_out);
    case RC_RSCAT: return kr_coll_reduce_scatter_sched(c, sb, rb, k->counts, dt, op, s_out);
    case RC_RSCAT_BLOCK:
        return kr_coll_reduce_scatter_block_sched(c, sb, rb, k->count, dt, op, s_out);
    case RC_SCAN: return kr_coll_scan_sched(c, sb, rb, k->count, dt, op, s_out);
    default: return kr_coll_exscan_sched(c, sb, rb, k->count, dt, op, s_out);
    }
}

static void red_check(const struct red_case *k, int n, int r)
{
    size_t esz = red_esz(k->kind), first = 0, cnt = k->count;
    unsigned char want[16];
    int lo = 0, hi = n;

    if ((k->coll == RC_REDUCE && r != k->root) || (k->coll == RC_EXSCAN && r == 0)) {
        check_gap(k->b.r[r], k->inplace ? 0 : 1, "untouched result");
        return;
    }
    if (k->coll == RC_RSCAT || k->coll == RC_RSCAT_BLOCK) {
        for (int i = 0; i < r; i++) {
            first += k->counts[i];
        }
        cnt = k->counts[r];
    } else if (k->coll == RC_SCAN || k->coll == RC_EXSCAN) {
        hi = k->coll == RC_SCAN ? r + 1 : r;
    }
    for (size_t e = 0; e < cnt; e++) {
        red_ref(k->kind, lo, hi, first + e, want);
        if (memcmp(k->b.r[r] + e * esz, want, esz) != 0) {
            fail_msg("reduction %d kind %d: element %zu on rank %d of %d is wrong", k->coll,
                     k->kind, e, r, n);
        }
    }
}

static void red_one(struct red_case *k, int n)
{
    size_t esz = red_esz(k->kind);

    k->total = k->count;
    if (k->coll == RC_RSCAT || k->coll == RC_RSCAT_BLOCK) {
        k->total = 0;
        for (int i = 0; i < n; i++) {
            k->counts[i] = k->coll == RC_RSCAT ? (size_t) (i * 3 + (int) k->count) % 5 : k->count;
            k->total += k->counts[i];
        }
    }
    bufs_alloc(&k->b, n, k->total * esz, k->total * esz);
    for (int r = 0; r < n; r++) {
        for (size_t e = 0; e < k->total; e++) {
            red_value(k->kind, r, e, k->b.s[r] + e * esz);
        }
        if (k->inplace && (k->coll != RC_REDUCE || r == k->root)) {
            memcpy(k->b.r[r], k->b.s[r], k->total * esz);
        }
    }
    run(world_get(n), build_red, k);
    for (int r = 0; r < n; r++) {
        red_check(k, n, r);
    }
    bufs_free(&k->b, n);
}

/* Every size, each element kind, counts around the sizes where algorithms switch. */
static void red_sweep(enum red_coll coll, int *cfg, const int *algos, int nalgo)
{
    static const size_t counts[] = { 0, 1, 67 };

    for (int a = 0; a < nalgo; a++) {
        if (cfg != NULL) {
            *cfg = algos[a];
        }
        for (int n = 1; n <= NMAX; n++) {
            for (int z = 0; z < 3; z++) {
                for (int kind = RK_I64; kind <= RK_MATV; kind++) {
                    struct red_case k = { .kind = (enum red_kind) kind, .coll = coll,
                                          .count = counts[z], .root = root_for(n, z + kind),
                                          .inplace = (n + z + kind) % 2 == 0 };

                    if (kind == RK_MATV && n % 4 != 1) {
                        continue; /* the packed path costs more; a sample of sizes is enough */
                    }
                    red_one(&k, n);
                }
            }
        }
    }
    if (cfg != NULL) {
        *cfg = 0;
    }
}

static void coll_reduce(void **state)
{
    static const int algos[] = { KR_COLL_REDUCE_BINOMIAL, KR_COLL_REDUCE_RABENSEIFNER };

    (void) state;
    red_sweep(RC_REDUCE, &kr_coll_cfg.reduce, algos, 2);
}

static void coll_allreduce(void **state)
{
    static const int algos[] = { KR_COLL_ALLREDUCE_RECDBL, KR_COLL_ALLREDUCE_RABENSEIFNER,
                                 KR_COLL_ALLREDUCE_RING };

    (void) state;
    red_sweep(RC_ALLREDUCE, &kr_coll_cfg.allreduce, algos, 3);
}

static void coll_reduce_scatter(void **state)
{
    static const int algos[] = { KR_COLL_REDUCE_SCATTER_RHALVING, KR_COLL_REDUCE_SCATTER_RING };

    (void) state;
    red_sweep(RC_RSCAT, &kr_coll_cfg.reduce_scatter, algos, 2);
    red_sweep(RC_RSCAT_BLOCK, &kr_coll_cfg.reduce_scatter, algos, 2);
}

static void coll_scan(void **state)
{
    (void) state;
    red_sweep(RC_SCAN, NULL, NULL, 1);
    red_sweep(RC_EXSCAN, NULL, NULL, 1);
}

/* ---- intercommunicators -------------------------------------------------------------------
 * Group A is world ranks [0, k), group B is [k, n); each rank gets an intercommunicator and
 * its local communicator, made by hand as the communicator layer would. */
struct inter {
    int n, k;
    int ranks[NMAX];            /* 0..n-1: group A's then group B's job ranks */
    struct kr_comm ic[NMAX], local[NMAX];
};

static struct inter *inter_make(struct world *w, int k)
{
    struct inter *x = calloc(1, sizeof(*x));

    assert_non_null(x);
    x->n = w->n;
    x->k = k;
    for (int r = 0; r < w->n; r++) {
        x->ranks[r] = r;
    }
    for (int r = 0; r < w->n; r++) {
        bool a = r < k;
        struct kr_comm *l = &x->local[r], *c = &x->ic[r];

        l->magic = KR_COMM_MAGIC;
        l->id = 9; /* both groups: they are disjoint */
        l->pt = w->pt[r];
        l->rank = a ? r : r - k;
        l->size = a ? k : w->n - k;
        l->ranks = a ? x->ranks : x->ranks + k;
        l->refs = 1;
        *c = *l;
        c->id = 8;
        c->inter = true;
        c->remote_size = w->n - l->size;
        c->remote_ranks = a ? x->ranks + k : x->ranks;
        c->local = l;
    }
    return x;
}

static void inter_free(struct inter *x)
{
    for (int r = 0; r < x->n; r++) {
        kr_sched_spare_drop(&x->ic[r]);
        kr_sched_spare_drop(&x->local[r]);
        kr_pt2pt_ctx_release(x->ic[r].pt, kr_comm_ctx_coll(&x->ic[r]));
        kr_pt2pt_ctx_release(x->local[r].pt, kr_comm_ctx_coll(&x->local[r]));
    }
    free(x);
}

enum inter_coll { IC_BARRIER, IC_BCAST, IC_ALLGATHER, IC_ALLTOALL, IC_GATHER, IC_SCATTER,
                  IC_REDUCE, IC_ALLREDUCE, IC_RSCAT, IC_NCOLL };

struct inter_case {
    struct inter *x;
    struct bufs b;
    enum inter_coll coll;
    enum red_kind kind;
    size_t bytes;               /* per block; elements for reductions */
    int root;                   /* world rank of the root */
    size_t counts[NMAX];        /* reduce_scatter: per local rank, each group summing to `bytes` */
};

/* The root argument rank r passes: MPI_ROOT, MPI_PROC_NULL or the root's rank in its group. */
static int inter_root(const struct inter_case *k, int r)
{
    bool same = (r < k->x->k) == (k->root < k->x->k);

    if (same) {
        return r == k->root ? MPI_ROOT : KR_PROC_NULL;
    }
    return k->root < k->x->k ? k->root : k->root - k->x->k;
}

static int build_inter(struct kr_comm *world, int r, void *arg, struct kr_sched **s_out)
{
    struct inter_case *k = arg;
    struct kr_comm *c = &k->x->ic[r];
    const struct kr_dt *dt = red_dt(k->kind);
    const struct kr_op *op = k->kind == RK_I64 ? kr_op_from_handle(MPI_SUM) : mat_op;
    size_t counts[NMAX], lo = r < k->x->k ? 0 : (size_t) k->x->k;

    (void) world;
    for (int i = 0; i < c->size; i++) {
        counts[i] = k->counts[lo + (size_t) i];
    }
    switch (k->coll) {
    case IC_BARRIER: return kr_coll_barrier_sched(c, s_out);
    case IC_BCAST: return kr_coll_bcast_sched(c, k->b.r[r], k->bytes, inter_root(k, r), s_out);
    case IC_ALLGATHER: return kr_coll_allgather_sched(c, k->b.s[r], k->b.r[r], k->bytes, s_out);
    case IC_ALLTOALL: return kr_coll_alltoall_sched(c, k->b.s[r], k->b.r[r], k->bytes, s_out);
    case IC_GATHER:
        return kr_coll_gather_sched(c, k->b.s[r], k->b.r[r], k->bytes, inter_root(k, r), s_out);
    case IC_SCATTER:
        return kr_coll_scatter_sched(c, k->b.s[r], k->b.r[r], k->bytes, inter_root(k, r), s_out);
    case IC_REDUCE:
        return kr_coll_reduce_sched(c, k->b.s[r], k->b.r[r], k->bytes, dt, op, inter_root(k, r),
                                    s_out);
    case IC_ALLREDUCE:
        return kr_coll_allreduce_sched(c, k->b.s[r], k->b.r[r], k->bytes, dt, op, s_out);
    default: return kr_coll_reduce_scatter_sched(c, k->b.s[r], k->b.r[r], counts, dt, op, s_out);
    }
}

/* World ranks of the group r is not in. */
static void inter_other(const struct inter *x, int r, int *lo_out, int *hi_out)
{
    *lo_out = r < x->k ? x->k : 0;
    *hi_out = r < x->k ? x->n : x->k;
}

static void inter_check_red(const struct inter_case *k, int r)
{
    size_t esz = red_esz(k->kind), first = 0, cnt = k->bytes;
    unsigned char want[16];
    int lo, hi;

    inter_other(k->x, r, &lo, &hi);
    if (k->coll == IC_REDUCE && r != k->root) {
        return;
    }
    if (k->coll == IC_RSCAT) {
        for (int i = r < k->x->k ? 0 : k->x->k; i < r; i++) {
            first += k->counts[i];
        }
        cnt = k->counts[r];
    }
    for (size_t e = 0; e < cnt; e++) {
        red_ref(k->kind, lo, hi, first + e, want);
        if (memcmp(k->b.r[r] + e * esz, want, esz) != 0) {
            fail_msg("intercomm reduction %d: element %zu on rank %d is wrong", k->coll, e, r);
        }
    }
}

static void inter_check(const struct inter_case *k, int r)
{
    size_t b = k->bytes;
    int lo, hi;

    inter_other(k->x, r, &lo, &hi);
    switch (k->coll) {
    case IC_BARRIER: break;
    case IC_BCAST:
        if ((r < k->x->k) != (k->root < k->x->k)) {
            check_pat(k->b.r[r], b, k->root, 5, "intercomm bcast");
        }
        break;
    case IC_ALLGATHER:
    case IC_GATHER:
        for (int i = lo; i < hi && (k->coll == IC_ALLGATHER || r == k->root); i++) {
            check_pat(k->b.r[r] + (size_t) (i - lo) * b, b, i, 6, "intercomm gather");
        }
        break;
    case IC_ALLTOALL:
        for (int i = lo; i < hi; i++) {
            unsigned me = (unsigned) (r < k->x->k ? r : r - k->x->k);

            check_pat(k->b.r[r] + (size_t) (i - lo) * b, b, i, 400 + me, "intercomm alltoall");
        }
        break;
    case IC_SCATTER:
        if ((r < k->x->k) != (k->root < k->x->k)) {
            unsigned me = (unsigned) (r < k->x->k ? r : r - k->x->k);

            check_pat(k->b.r[r], b, k->root, 400 + me, "intercomm scatter");
        }
        break;
    default: inter_check_red(k, r);
    }
}

static void inter_fill(struct inter_case *k, int r)
{
    size_t esz = red_esz(k->kind);
    int n = k->x->n;

    if (k->coll >= IC_REDUCE) {
        for (size_t e = 0; e < k->bytes; e++) {
            red_value(k->kind, r, e, k->b.s[r] + e * esz);
        }
        return;
    }
    fill(k->b.s[r], k->bytes, r, 6);
    if (k->coll == IC_BCAST && r == k->root) {
        fill(k->b.r[r], k->bytes, r, 5);
    }
    if (k->coll == IC_ALLTOALL || k->coll == IC_SCATTER) {
        for (int j = 0; j < n; j++) {
            fill(k->b.s[r] + (size_t) j * k->bytes, k->bytes, r, 400 + (unsigned) j);
        }
    }
}

static void coll_intercomm(void **state)
{
    (void) state;
    for (int n = 2; n <= NMAX; n++) {
        struct world *w = world_get(n);
        struct inter *x = inter_make(w, n / 3 > 0 ? n / 3 : 1);

        for (int coll = 0; coll < IC_NCOLL; coll++) {
            for (int kind = RK_I64; kind <= (coll >= IC_REDUCE ? RK_MAT : RK_I64); kind++) {
                struct inter_case k = { .x = x, .coll = (enum inter_coll) coll,
                                        .kind = (enum red_kind) kind,
                                        .bytes = coll >= IC_REDUCE ? 9 : (size_t) (n % 4) * 3,
                                        .root = root_for(n, coll) };
                size_t len = (size_t) n * (k.bytes + 1) * 16;

                for (int i = 0; i < n; i++) {
                    bool a = i < x->k;
                    int gs = a ? x->k : n - x->k, gi = a ? i : i - x->k;

                    k.counts[i] = kr_coll_part_off(k.bytes, gs, gi + 1)
                                  - kr_coll_part_off(k.bytes, gs, gi);
                }
                bufs_alloc(&k.b, n, len, len);
                for (int r = 0; r < n; r++) {
                    inter_fill(&k, r);
                }
                run(w, build_inter, &k);
                for (int r = 0; r < n; r++) {
                    inter_check(&k, r);
                }
                bufs_free(&k.b, n);
            }
        }
        inter_free(x);
    }
}

/* ---- conversion steps and user ops on packed derived types ------------------------------- */

static void coll_op_packed(void **state)
{
    unsigned char a[3][16], b[3][16], want[3][16];

    (void) state;
    for (size_t e = 0; e < 3; e++) {
        red_value(RK_MAT, 1, e, a[e]);
        red_value(RK_MAT, 2, e, b[e]);
        memcpy(want[e], b[e], 16);
        red_combine(RK_MAT, a[e], want[e]);
    }
    /* The vector type is packed in collective buffers: the op must see it typed. */
    assert_int_equal(kr_coll_op_apply(mat_op, matv_dt, a, b, 3), 0);
    assert_memory_equal(b, want, sizeof(want));
    assert_int_equal(kr_coll_stride(matv_dt), 16);
    assert_int_equal(kr_coll_stride(kr_dt_from_handle(MPI_DOUBLE_INT)),
                     kr_dt_from_handle(MPI_DOUBLE_INT)->extent);
}

static int setup(void **state)
{
    struct kr_dt *u32 = kr_dt_from_handle(MPI_UINT32_T);

    (void) state;
    if (kr_dt_contig_create(4, u32, false, &mat_dt) != 0 || kr_dt_commit(mat_dt) != 0
        || kr_dt_vector_create(2, 2, 3, false, u32, false, &matv_dt) != 0
        || kr_dt_commit(matv_dt) != 0 || kr_op_user_create(mat_fn, NULL, false, &mat_op) != 0) {
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void) state;
    worlds_free();
    kr_dt_release(mat_dt);
    kr_dt_release(matv_dt);
    kr_op_release(mat_op);
    return 0;
}

int main(void)
{
    char err[256];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(coll_op_packed),      cmocka_unit_test(coll_reduce),
        cmocka_unit_test(coll_allreduce),      cmocka_unit_test(coll_reduce_scatter),
        cmocka_unit_test(coll_scan),           cmocka_unit_test(coll_intercomm),
    };

    /* Thresholds and engine limits come from the settings: use the defaults. */
    if (kr_settings_load(err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}

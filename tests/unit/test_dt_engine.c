/* The derived datatype engine against a naive reference that expands the standard's type map
 * literally: bounds, pack / unpack (random offsets and fragment sizes, i.e. resumability),
 * kr_dt_iov and kr_dt_layout, Get_elements and envelope/contents round trips, for random type
 * trees of every constructor nested 1-4 deep. Hand-computed layouts are in test_dt_layout.c. */
#include "config.h"

#include "datatype/dt.h"
#include "datatype/dt_int.h"

#include <errno.h>
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

/* ---- the reference: a literal type map ---------------------------------------------------------
 * A type is its list of (displacement, basic size) entries in type-map order, the explicit
 * lb / ub markers if any, and the largest basic alignment; bounds follow the standard's
 * definitions (min / max over entries, markers override, epsilon rounds the extent). */
struct ref_ent {
    MPI_Aint disp;
    size_t size;
};

struct ref {
    struct ref_ent *e;
    size_t n;
    bool xlb, xub;
    MPI_Aint lb_mark, ub_mark;
    size_t align;
};

static void ref_push(struct ref *r, MPI_Aint disp, size_t size)
{
    r->e = realloc(r->e, (r->n + 1) * sizeof(*r->e));
    assert_non_null(r->e);
    r->e[r->n].disp = disp;
    r->e[r->n].size = size;
    r->n++;
}

static void ref_free(struct ref *r)
{
    free(r->e);
    memset(r, 0, sizeof(*r));
}

static bool ref_bounds(const struct ref *r, MPI_Aint *tlb, MPI_Aint *tub)
{
    if (r->n == 0) {
        *tlb = *tub = 0;
        return false;
    }
    *tlb = r->e[0].disp;
    *tub = r->e[0].disp + (MPI_Aint) r->e[0].size;
    for (size_t i = 1; i < r->n; i++) {
        if (r->e[i].disp < *tlb) {
            *tlb = r->e[i].disp;
        }
        if (r->e[i].disp + (MPI_Aint) r->e[i].size > *tub) {
            *tub = r->e[i].disp + (MPI_Aint) r->e[i].size;
        }
    }
    return true;
}

static MPI_Aint ref_lb(const struct ref *r)
{
    MPI_Aint tlb, tub;

    ref_bounds(r, &tlb, &tub);
    return r->xlb ? r->lb_mark : tlb;
}

static MPI_Aint ref_extent(const struct ref *r)
{
    MPI_Aint tlb, tub, lb = ref_lb(r), ub, ext;
    bool data = ref_bounds(r, &tlb, &tub);

    if (r->xub) {
        return r->ub_mark - lb;
    }
    if (!data) {
        return 0;
    }
    ub = tub;
    ext = ub - lb;
    if (ext > 0 && ext % (MPI_Aint) r->align != 0) {
        ub += (MPI_Aint) r->align - ext % (MPI_Aint) r->align;
    }
    return ub - lb;
}

static size_t ref_size(const struct ref *r)
{
    size_t s = 0;

    for (size_t i = 0; i < r->n; i++) {
        s += r->e[i].size;
    }
    return s;
}

/* Append `n` copies of `old` at d, d + step, … (markers and alignment included). */
static void ref_place(struct ref *r, const struct ref *old, MPI_Aint d, size_t n, MPI_Aint step)
{
    for (size_t k = 0; k < n; k++) {
        MPI_Aint at = d + step * (MPI_Aint) k;

        for (size_t i = 0; i < old->n; i++) {
            ref_push(r, at + old->e[i].disp, old->e[i].size);
        }
        if (old->xlb && (!r->xlb || at + old->lb_mark < r->lb_mark)) {
            r->lb_mark = at + old->lb_mark;
            r->xlb = true;
        }
        if (old->xub && (!r->xub || at + old->ub_mark > r->ub_mark)) {
            r->ub_mark = at + old->ub_mark;
            r->xub = true;
        }
    }
    if (n > 0 && old->align > r->align) {
        r->align = old->align;
    }
}

/* Basic types the random trees use, with the reference's idea of them. */
struct basic {
    MPI_Datatype h;
    size_t size, align;
    size_t size2, off2; /* a pair type's second member (size2 0: not a pair) */
};

struct pair_di {
    double v;
    int i;
};
struct pair_si {
    short v;
    int i;
};

static const struct basic basics[] = {
    {MPI_CHAR, 1, 1, 0, 0},
    {MPI_SHORT, sizeof(short), alignof(short), 0, 0},
    {MPI_INT, sizeof(int), alignof(int), 0, 0},
    {MPI_DOUBLE, sizeof(double), alignof(double), 0, 0},
    {MPI_LONG_DOUBLE, sizeof(long double), alignof(long double), 0, 0},
    {MPI_C_DOUBLE_COMPLEX, 2 * sizeof(double), alignof(double), 0, 0},
    {MPI_DOUBLE_INT, sizeof(double), alignof(struct pair_di), sizeof(int),
     offsetof(struct pair_di, i)},
    {MPI_SHORT_INT, sizeof(short), alignof(struct pair_si), sizeof(int),
     offsetof(struct pair_si, i)},
};
#define NBASICS (sizeof(basics) / sizeof(basics[0]))

static void ref_basic(struct ref *r, const struct basic *b)
{
    memset(r, 0, sizeof(*r));
    ref_push(r, 0, b->size);
    if (b->size2 > 0) {
        ref_push(r, (MPI_Aint) b->off2, b->size2);
    }
    r->align = b->align;
}

/* ---- random type trees ------------------------------------------------------------------------
 */

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int64_t rnd(int64_t lo, int64_t hi)
{
    return lo + (int64_t) (rng() % (uint64_t) (hi - lo + 1));
}

/* Caller-width integer arrays, chosen at random like the two bindings would pass them. */
struct ints_buf {
    int32_t i32[64];
    int64_t i64[64];
    bool wide;
};

static struct kr_dt_ints ints_make(struct ints_buf *b, const int64_t *v, size_t n)
{
    b->wide = rng() % 2 == 0;
    for (size_t i = 0; i < n; i++) {
        b->i32[i] = (int32_t) v[i];
        b->i64[i] = v[i];
    }
    return b->wide ? (struct kr_dt_ints){b->i64, 8} : (struct kr_dt_ints){b->i32, 4};
}

#define MAX_ENTRIES 3000

/* Build a random type of at most `depth` levels: the engine type in *dt_out, the reference in
 * *r. Falls back to a basic type when a constructor would make the type map too large. */
static void rand_type(int depth, struct kr_dt **dt_out, struct ref *r);

static void rand_leaf(struct kr_dt **dt_out, struct ref *r)
{
    const struct basic *b = &basics[rng() % NBASICS];

    ref_basic(r, b);
    *dt_out = kr_dt_from_handle(b->h);
}

static int rand_simple(int kind, struct kr_dt *old, const struct ref *oref, struct kr_dt **dt_out,
                       struct ref *r)
{
    MPI_Aint ext = ref_extent(oref);
    int64_t count = rnd(0, 5), bl = rnd(0, 3), stride = rnd(-6, 6);
    bool large = rng() % 2 == 0;

    switch (kind) {
    case 0:
        ref_place(r, oref, 0, (size_t) count, ext);
        return kr_dt_contig_create(count, old, large, dt_out);
    case 1:
    case 2: {
        MPI_Aint step = kind == 1 ? stride * ext : stride * 3 + (int64_t) rnd(-2, 2);

        for (int64_t j = 0; j < count; j++) {
            ref_place(r, oref, step * j, (size_t) bl, ext);
        }
        return kr_dt_vector_create(count, bl, kind == 1 ? stride : step, kind == 2, old, large,
                                   dt_out);
    }
    case 3: {
        MPI_Aint lb = rnd(-8, 8), extent = rnd(0, 24);

        *r = (struct ref){0};
        ref_place(r, oref, 0, 1, 0);
        r->xlb = r->xub = true;
        r->lb_mark = lb;
        r->ub_mark = lb + extent;
        return kr_dt_resized_create(old, lb, extent, large, dt_out);
    }
    default: ref_place(r, oref, 0, 1, 0); return kr_dt_dup_create(old, dt_out);
    }
}

static int rand_indexed(int kind, struct kr_dt *old, const struct ref *oref, struct kr_dt **dt_out,
                        struct ref *r)
{
    static const int combiners[] = {MPI_COMBINER_INDEXED, MPI_COMBINER_HINDEXED,
                                    MPI_COMBINER_INDEXED_BLOCK, MPI_COMBINER_HINDEXED_BLOCK};
    int combiner = combiners[kind];
    bool bytes = combiner == MPI_COMBINER_HINDEXED || combiner == MPI_COMBINER_HINDEXED_BLOCK;
    bool block = combiner == MPI_COMBINER_INDEXED_BLOCK || combiner == MPI_COMBINER_HINDEXED_BLOCK;
    int64_t n = rnd(0, 6), blk = rnd(0, 3), bl[8], d[8];
    MPI_Aint ext = ref_extent(oref);
    struct ints_buf bb, db;

    for (int64_t i = 0; i < n; i++) {
        bl[i] = block ? blk : rnd(0, 3);
        d[i] = bytes ? rnd(-40, 40) : rnd(-6, 6);
        ref_place(r, oref, bytes ? d[i] : d[i] * ext, (size_t) bl[i], ext);
    }
    return kr_dt_indexed_create(combiner, n, ints_make(&bb, bl, (size_t) n), blk,
                                ints_make(&db, d, (size_t) n), old, rng() % 2 == 0, dt_out);
}

static int rand_struct(int depth, struct kr_dt **dt_out, struct ref *r)
{
    int64_t n = rnd(1, 4), bl[4], d[4];
    MPI_Datatype types[4];
    struct kr_dt *kids[4];
    struct ints_buf bb, db;
    int ret;

    for (int64_t i = 0; i < n; i++) {
        struct ref kr = {0};

        rand_type(depth - 1, &kids[i], &kr);
        bl[i] = rnd(0, 2);
        d[i] = rnd(-32, 64);
        types[i] = kr_dt_to_handle(kids[i]);
        ref_place(r, &kr, d[i], (size_t) bl[i], ref_extent(&kr));
        ref_free(&kr);
    }
    ret = kr_dt_struct_create(n, ints_make(&bb, bl, (size_t) n), ints_make(&db, d, (size_t) n),
                              types, rng() % 2 == 0, dt_out);
    for (int64_t i = 0; i < n; i++) {
        kr_dt_release(kids[i]);
    }
    return ret;
}

/* A subarray of up to 3 dimensions, in the reference as the explicit element positions. */
static int rand_subarray(struct kr_dt *old, const struct ref *oref, struct kr_dt **dt_out,
                         struct ref *r)
{
    int nd = (int) rnd(1, 3), order = rng() % 2 ? MPI_ORDER_C : MPI_ORDER_FORTRAN;
    int64_t sz[3], sub[3], st[3], idx[3] = {0, 0, 0}, total = 1;
    MPI_Aint ext = ref_extent(oref);
    struct ints_buf a, b, c;

    for (int i = 0; i < nd; i++) {
        sz[i] = rnd(1, 4);
        sub[i] = rnd(1, sz[i]);
        st[i] = rnd(0, sz[i] - sub[i]);
        total *= sz[i];
    }
    /* subarray elements in storage order: the fastest dimension varies fastest */
    for (;;) {
        int64_t lin = 0, mul = 1;

        for (int k = 0; k < nd; k++) {
            int i = order == MPI_ORDER_C ? nd - 1 - k : k;

            lin += (st[i] + idx[i]) * mul;
            mul *= sz[i];
        }
        ref_place(r, oref, lin * ext, 1, 0);
        int k = 0;
        for (; k < nd; k++) {
            int i = order == MPI_ORDER_C ? nd - 1 - k : k;

            if (++idx[i] < sub[i]) {
                break;
            }
            idx[i] = 0;
        }
        if (k == nd) {
            break;
        }
    }
    r->xlb = r->xub = true;
    r->lb_mark = 0;
    r->ub_mark = total * ext;
    return kr_dt_subarray_create(nd, ints_make(&a, sz, (size_t) nd),
                                 ints_make(&b, sub, (size_t) nd), ints_make(&c, st, (size_t) nd),
                                 order, old, rng() % 2 == 0, dt_out);
}

/* A darray of up to 3 dimensions; the reference takes every global element in storage order
 * and keeps those whose block (index / darg) belongs to this process's grid coordinate. */
static int rand_darray(struct kr_dt *old, const struct ref *oref, struct kr_dt **dt_out,
                       struct ref *r)
{
    int nd = (int) rnd(1, 3), order = rng() % 2 ? MPI_ORDER_C : MPI_ORDER_FORTRAN;
    int dist[3], darg[3], ps[3], size = 1, rank, coord[3];
    int64_t gs[3], eff[3], idx[3] = {0, 0, 0}, total = 1;
    MPI_Aint ext = ref_extent(oref);
    struct ints_buf g;

    for (int i = 0; i < nd; i++) {
        gs[i] = rnd(1, 7);
        dist[i] = (int) rnd(MPI_DISTRIBUTE_NONE, MPI_DISTRIBUTE_CYCLIC);
        ps[i] = dist[i] == MPI_DISTRIBUTE_NONE ? 1 : (int) rnd(1, 3);
        if (dist[i] == MPI_DISTRIBUTE_NONE) {
            darg[i] = MPI_DISTRIBUTE_DFLT_DARG;
            eff[i] = gs[i];
        } else if (rng() % 2 == 0) {
            darg[i] = MPI_DISTRIBUTE_DFLT_DARG;
            eff[i] = dist[i] == MPI_DISTRIBUTE_BLOCK ? (gs[i] + ps[i] - 1) / ps[i] : 1;
        } else {
            int64_t min = dist[i] == MPI_DISTRIBUTE_BLOCK ? (gs[i] + ps[i] - 1) / ps[i] : 1;

            darg[i] = (int) rnd(min, min + 2);
            eff[i] = darg[i];
        }
        size *= ps[i];
        total *= gs[i];
    }
    rank = (int) rnd(0, size - 1);
    for (int i = nd - 1, rest = rank; i >= 0; i--) {
        coord[i] = rest % ps[i];
        rest /= ps[i];
    }
    for (;;) {
        int64_t lin = 0, mul = 1;
        bool mine = true;

        for (int k = 0; k < nd; k++) {
            int i = order == MPI_ORDER_C ? nd - 1 - k : k;

            lin += idx[i] * mul;
            mul *= gs[i];
            mine = mine && (idx[i] / eff[i]) % ps[i] == coord[i];
        }
        if (mine) {
            ref_place(r, oref, lin * ext, 1, 0);
        }
        int k = 0;
        for (; k < nd; k++) {
            int i = order == MPI_ORDER_C ? nd - 1 - k : k;

            if (++idx[i] < gs[i]) {
                break;
            }
            idx[i] = 0;
        }
        if (k == nd) {
            break;
        }
    }
    r->xlb = r->xub = true;
    r->lb_mark = 0;
    r->ub_mark = total * ext;
    r->align = r->align > oref->align ? r->align : oref->align;
    return kr_dt_darray_create(size, rank, nd, ints_make(&g, gs, (size_t) nd), dist, darg, ps,
                               order, old, rng() % 2 == 0, dt_out);
}

static void rand_type(int depth, struct kr_dt **dt_out, struct ref *r)
{
    struct kr_dt *old;
    struct ref oref;
    int kind, ret;

    if (depth <= 0 || rng() % 5 == 0) {
        rand_leaf(dt_out, r);
        return;
    }
    kind = (int) rnd(0, 11);
    if (kind == 11) {
        memset(r, 0, sizeof(*r));
        r->align = 1;
        assert_int_equal(rand_struct(depth, dt_out, r), 0);
        if (r->n > MAX_ENTRIES) {
            kr_dt_release(*dt_out);
            ref_free(r);
            rand_leaf(dt_out, r);
        }
        return;
    }
    rand_type(depth - 1, &old, &oref);
    memset(r, 0, sizeof(*r));
    r->align = 1;
    if (kind <= 4) {
        ret = rand_simple(kind, old, &oref, dt_out, r);
    } else if (kind <= 8) {
        ret = rand_indexed(kind - 5, old, &oref, dt_out, r);
    } else if (kind == 9 && oref.n * 64 <= MAX_ENTRIES) {
        ret = rand_subarray(old, &oref, dt_out, r);
    } else if (oref.n * 343 <= MAX_ENTRIES) {
        ret = rand_darray(old, &oref, dt_out, r);
    } else {
        ret = rand_simple(0, old, &oref, dt_out, r);
    }
    assert_int_equal(ret, 0);
    kr_dt_release(old);
    ref_free(&oref);
    if (r->n > MAX_ENTRIES) {
        kr_dt_release(*dt_out);
        ref_free(r);
        rand_leaf(dt_out, r);
    }
}

/* ---- reference pack and unpack ----------------------------------------------------------------
 */

/* A buffer covering every byte `count` elements touch, with guard bytes around it; `base` is
 * what the user would pass as buf. */
struct tbuf {
    unsigned char *mem;
    size_t len;
    uintptr_t base;
};

#define GUARD 16

static void tbuf_make(struct tbuf *b, const struct ref *r, size_t count)
{
    MPI_Aint ext = ref_extent(r), lo = 0, hi = 0;
    bool any = false;

    for (size_t i = 0; i < count; i++) {
        for (size_t k = 0; k < r->n; k++) {
            MPI_Aint a = (MPI_Aint) i * ext + r->e[k].disp, e = a + (MPI_Aint) r->e[k].size;

            lo = !any || a < lo ? a : lo;
            hi = !any || e > hi ? e : hi;
            any = true;
        }
    }
    b->len = (size_t) (hi - lo) + 2 * GUARD;
    b->mem = malloc(b->len);
    assert_non_null(b->mem);
    b->base = (uintptr_t) b->mem + GUARD - (uintptr_t) lo;
    for (size_t i = 0; i < b->len; i++) {
        b->mem[i] = (unsigned char) (rng() >> 24);
    }
}

/* Reference move of packed bytes [off, off + len) between stream and buffer. */
static void ref_move(const struct ref *r, size_t count, uintptr_t base, unsigned char *stream,
                     size_t off, size_t len, bool unpack)
{
    MPI_Aint ext = ref_extent(r);
    size_t pos = 0;

    for (size_t i = 0; i < count; i++) {
        for (size_t k = 0; k < r->n; k++) {
            unsigned char *p =
                (unsigned char *) (base + (uintptr_t) ((MPI_Aint) i * ext + r->e[k].disp));

            for (size_t j = 0; j < r->e[k].size; j++, pos++) {
                if (pos >= off && pos < off + len) {
                    if (unpack) {
                        p[j] = stream[pos - off];
                    } else {
                        stream[pos - off] = p[j];
                    }
                }
            }
        }
    }
}

/* Pieces and the smallest piece of the reference stream, adjacent entries merged. */
static void ref_pieces(const struct ref *r, size_t count, size_t *np_out, size_t *min_out)
{
    MPI_Aint ext = ref_extent(r), end = 0;
    size_t np = 0, cur = 0, min = SIZE_MAX;

    for (size_t i = 0; i < count; i++) {
        for (size_t k = 0; k < r->n; k++) {
            MPI_Aint a = (MPI_Aint) i * ext + r->e[k].disp;

            if (np > 0 && a == end) {
                cur += r->e[k].size;
            } else {
                if (np > 0 && cur < min) {
                    min = cur;
                }
                np++;
                cur = r->e[k].size;
            }
            end = a + (MPI_Aint) r->e[k].size;
        }
    }
    if (np > 0 && cur < min) {
        min = cur;
    }
    *np_out = np;
    *min_out = np > 0 ? min : 0;
}

/* ---- the random round trips -------------------------------------------------------------------
 */

static void check_layout(const struct kr_dt *dt, const struct ref *r)
{
    MPI_Aint tlb, tub;
    bool data = ref_bounds(r, &tlb, &tub);

    assert_int_equal(dt->size, ref_size(r));
    assert_int_equal(dt->lb, ref_lb(r));
    assert_int_equal(dt->extent, ref_extent(r));
    assert_int_equal(dt->true_lb, data ? tlb : 0);
    assert_int_equal(dt->true_extent, data ? tub - tlb : 0);
    assert_int_equal(kr_dt_nelem(dt), r->n);
}

static void check_pack(const struct kr_dt *dt, const struct ref *r, size_t count)
{
    size_t total = ref_size(r) * count, off, len, got;
    struct tbuf b;
    unsigned char *want = malloc(total + 1), *have = malloc(total + 1);

    assert_non_null(want);
    assert_non_null(have);
    tbuf_make(&b, r, count);
    ref_move(r, count, b.base, want, 0, total, false);
    /* sequential fragments of random sizes, as pt2pt sends them */
    for (off = 0; off < total; off += got) {
        len = (size_t) rnd(1, (int64_t) (total / 3 + 2));
        got = kr_dt_pack(dt, count, (const void *) b.base, off, have + off, len);
        assert_int_equal(got, len < total - off ? len : total - off);
    }
    assert_memory_equal(have, want, total);
    /* single fragments anywhere, including inside a basic element */
    for (int t = 0; t < 8 && total > 0; t++) {
        off = (size_t) rnd(0, (int64_t) total - 1);
        len = (size_t) rnd(1, (int64_t) (total - off));
        memset(have, 0, total);
        assert_int_equal(kr_dt_pack(dt, count, (const void *) b.base, off, have, len), len);
        assert_memory_equal(have, want + off, len);
    }
    assert_int_equal(kr_dt_pack(dt, count, (const void *) b.base, total, have, 5), 0);
    free(want);
    free(have);
    free(b.mem);
}

static void check_unpack(const struct kr_dt *dt, const struct ref *r, size_t count)
{
    size_t total = ref_size(r) * count, off, len, got;
    struct tbuf b;
    unsigned char *stream = malloc(total + 1), *want, *save;

    assert_non_null(stream);
    for (size_t i = 0; i < total; i++) {
        stream[i] = (unsigned char) (rng() >> 32);
    }
    tbuf_make(&b, r, count);
    want = malloc(b.len);
    save = malloc(b.len);
    assert_non_null(want);
    assert_non_null(save);
    memcpy(save, b.mem, b.len);
    memcpy(want, b.mem, b.len);
    ref_move(r, count, (uintptr_t) want + (b.base - (uintptr_t) b.mem), stream, 0, total, true);
    for (off = 0; off < total; off += got) {
        len = (size_t) rnd(1, (int64_t) (total / 3 + 2));
        got = kr_dt_unpack(dt, count, (void *) b.base, off, stream + off, len);
        assert_int_equal(got, len < total - off ? len : total - off);
    }
    /* every byte: the data where it belongs, everything else (padding, guards) untouched */
    assert_memory_equal(b.mem, want, b.len);
    /* one fragment anywhere */
    if (total > 0) {
        off = (size_t) rnd(0, (int64_t) total - 1);
        len = (size_t) rnd(1, (int64_t) (total - off));
        memcpy(b.mem, save, b.len);
        memcpy(want, save, b.len);
        ref_move(r, count, (uintptr_t) want + (b.base - (uintptr_t) b.mem), stream + off, off, len,
                 true);
        kr_dt_unpack(dt, count, (void *) b.base, off, stream + off, len);
        assert_memory_equal(b.mem, want, b.len);
    }
    free(stream);
    free(want);
    free(save);
    free(b.mem);
}

static void check_iov(const struct kr_dt *dt, const struct ref *r, size_t count)
{
    size_t total = ref_size(r) * count, off, bytes, np, min, lnp, lmin;
    struct tbuf b;
    unsigned char *want = malloc(total + 1);
    struct iovec *iov = malloc((total + 1) * sizeof(*iov));
    int n;

    assert_non_null(want);
    assert_non_null(iov);
    tbuf_make(&b, r, count);
    ref_move(r, count, b.base, want, 0, total, false);
    for (off = 0; off < total; off += bytes) {
        n = kr_dt_iov(dt, count, (const void *) b.base, off, iov, (int) rnd(1, 6), &bytes);
        assert_true(n >= 1);
        for (int i = 0, pos = 0; i < n; pos += (int) iov[i].iov_len, i++) {
            assert_memory_equal(iov[i].iov_base, want + off + (size_t) pos, iov[i].iov_len);
            if (i > 0) {
                assert_true((char *) iov[i - 1].iov_base + iov[i - 1].iov_len != iov[i].iov_base);
            }
        }
    }
    assert_int_equal(off, total);
    /* the whole stream at once: exactly the reference's merged pieces, as layout says */
    n = kr_dt_iov(dt, count, (const void *) b.base, 0, iov, (int) total + 1, &bytes);
    ref_pieces(r, count, &np, &min);
    kr_dt_layout(dt, count, &lnp, &lmin);
    assert_int_equal((size_t) n, np);
    assert_int_equal(bytes, total);
    assert_int_equal(lnp, np);
    assert_int_equal(lmin, min);
    free(want);
    free(iov);
    free(b.mem);
}

static void check_elements(const struct kr_dt *dt, const struct ref *r)
{
    size_t total = ref_size(r) * 3;
    uint64_t got;

    for (int t = 0; t < 6; t++) {
        size_t bytes = (size_t) rnd(0, (int64_t) total), pos = 0, elems = 0;
        bool exact = bytes == 0;

        for (size_t i = 0; i < 3 && pos < bytes; i++) {
            for (size_t k = 0; k < r->n && pos < bytes; k++) {
                pos += r->e[k].size;
                elems++;
                exact = pos == bytes;
            }
        }
        if (exact) {
            assert_int_equal(kr_dt_elements(dt, bytes, &got), 0);
            assert_int_equal(got, elems);
        } else {
            assert_int_equal(kr_dt_elements(dt, bytes, &got), -ERANGE);
        }
    }
}

/* Rebuild `dt` from what get_envelope / get_contents say and compare. */
static void check_contents(struct kr_dt *dt)
{
    MPI_Count ni, na, nc, nd;
    int comb, *ints;
    MPI_Aint *aints;
    MPI_Count *counts;
    MPI_Datatype *types;
    struct kr_dt *copy = NULL, *old;
    int ret;

    assert_int_equal(kr_dt_envelope(dt, true, &ni, &na, &nc, &nd, &comb), 0);
    if (comb == MPI_COMBINER_NAMED) {
        return;
    }
    ints = malloc((size_t) (ni + 1) * sizeof(*ints));
    aints = malloc((size_t) (na + 1) * sizeof(*aints));
    counts = malloc((size_t) (nc + 1) * sizeof(*counts));
    types = malloc((size_t) (nd + 1) * sizeof(*types));
    assert_int_equal(kr_dt_contents(dt, true, ints, aints, counts, types), 0);
    old = kr_dt_from_handle(types[0]);
    if (nc > 0) {
        /* built by a _c constructor: the classic query must refuse */
        assert_int_equal(kr_dt_envelope(dt, false, &ni, &na, &nc, &nd, &comb), -EOVERFLOW);
    }
    switch (comb) {
    case MPI_COMBINER_DUP: ret = kr_dt_dup_create(old, &copy); break;
    case MPI_COMBINER_RESIZED:
        ret = kr_dt_resized_create(old, nc ? counts[0] : aints[0], nc ? counts[1] : aints[1],
                                   nc > 0, &copy);
        break;
    case MPI_COMBINER_CONTIGUOUS:
        ret = kr_dt_contig_create(nc ? counts[0] : ints[0], old, nc > 0, &copy);
        break;
    case MPI_COMBINER_VECTOR:
        ret = kr_dt_vector_create(nc ? counts[0] : ints[0], nc ? counts[1] : ints[1],
                                  nc ? counts[2] : ints[2], false, old, nc > 0, &copy);
        break;
    case MPI_COMBINER_HVECTOR:
        ret = kr_dt_vector_create(nc ? counts[0] : ints[0], nc ? counts[1] : ints[1],
                                  nc ? counts[2] : aints[0], true, old, nc > 0, &copy);
        break;
    default:
        ret = 1; /* the list and array constructors: compared field by field below */
        break;
    }
    if (ret == 0) {
        assert_int_equal(copy->size, dt->size);
        assert_int_equal(copy->lb, dt->lb);
        assert_int_equal(copy->extent, dt->extent);
        assert_int_equal(copy->true_lb, dt->true_lb);
        assert_int_equal(copy->true_extent, dt->true_extent);
        kr_dt_handle_release(copy);
    }
    if (comb == MPI_COMBINER_STRUCT) {
        MPI_Count n = nc ? counts[0] : ints[0];

        assert_int_equal(nd, n);
        assert_int_equal(nc ? nc : ni + na, 2 * n + 1);
    }
    for (MPI_Count i = 0; i < nd; i++) {
        kr_dt_handle_release(kr_dt_from_handle(types[i]));
    }
    free(ints);
    free(aints);
    free(counts);
    free(types);
}

static void dt_random_trees(void **state)
{
    size_t kinds[DT_N_LIST + 1] = {0}, combiners[MPI_COMBINER_VALUE_INDEX + 1] = {0};

    (void) state;
    for (uint64_t seed = 1; seed <= 600; seed++) {
        struct kr_dt *dt;
        struct ref r;
        size_t count;

        rng_state = seed * 0x9e3779b97f4a7c15ULL;
        rand_type((int) rnd(1, 4), &dt, &r);
        if (dt->desc == NULL) {
            ref_free(&r);
            continue; /* a basic type: the predefined tests cover it */
        }
        assert_int_equal(kr_dt_commit(dt), 0);
        if (dt->desc->root != NULL) {
            kinds[dt->desc->root->kind]++;
        }
        combiners[dt->desc->combiner]++;
        check_layout(dt, &r);
        count = (size_t) rnd(1, 3);
        check_pack(dt, &r, count);
        check_unpack(dt, &r, count);
        check_iov(dt, &r, count);
        check_elements(dt, &r);
        check_contents(dt);
        assert_true(kr_dt_handle_release(dt));
        ref_free(&r);
    }
    /* the trees must have exercised every node kind and every constructor */
    for (int k = DT_N_BLOCK; k <= DT_N_LIST; k++) {
        assert_true(kinds[k] > 0);
    }
    for (int c = MPI_COMBINER_DUP; c <= MPI_COMBINER_DARRAY; c++) {
        assert_true(combiners[c] > 0 || c == MPI_COMBINER_NAMED);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dt_random_trees),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

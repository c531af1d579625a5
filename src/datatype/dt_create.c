/* Derived datatype constructors (contiguous, vector, indexed family, struct, resized, dup), the
 * bounds rules of the MPI standard's type maps, and the life cycle of a derived type: commit,
 * references, user handles, names. */
#include "config.h"

#include "dt.h"
#include "dt_int.h"

#include "util/attr.h"

#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

/* ---- bounds of a type map ---------------------------------------------------------------------
 * The standard defines a type's bounds from its type map: lb is the lowest displacement, or
 * the lowest explicit lb marker when there is one; ub is the highest data end plus the
 * padding epsilon that rounds the extent up to the largest alignment of its basic types, or
 * the highest explicit ub marker when there is one (MPI_Type_create_resized, subarray and
 * darray place markers; they are inherited by every type built from them). The true bounds
 * ignore markers and padding. A span carries these through shifts, repetitions and unions.
 *
 * The epsilon is the standard's rule, not an invention: it is why an MPI struct for C's
 * struct {int; double; char[3]} has the extent of the C struct (24, not 19), so that count > 1
 * walks an array of them; MPICH and Open MPI both apply it. A program that wants another
 * extent says so with MPI_Type_create_resized, whose markers switch the epsilon off. */
struct dt_span {
    bool data, xlb, xub, overflow;
    MPI_Aint tlb, tub; /* data extremes */
    MPI_Aint lb, ub;   /* explicit markers, when xlb / xub */
    size_t align;
};

static MPI_Aint span_add(struct dt_span *s, MPI_Aint x, MPI_Aint y)
{
    MPI_Aint r;

    if (__builtin_add_overflow(x, y, &r)) {
        s->overflow = true;
    }
    return r;
}

static MPI_Aint span_mul(struct dt_span *s, MPI_Aint x, MPI_Count n)
{
    MPI_Aint r;

    if (__builtin_mul_overflow(x, n, &r)) {
        s->overflow = true;
    }
    return r;
}

static struct dt_span span_of(const struct kr_dt *dt)
{
    struct dt_span s = {.align = dt_type_align(dt)};

    if (dt->size > 0) {
        s.data = true;
        s.tlb = dt->true_lb;
        s.tub = span_add(&s, dt->true_lb, dt->true_extent);
    }
    if (dt->desc != NULL && dt->desc->xlb) {
        s.xlb = true;
        s.lb = dt->lb;
    }
    if (dt->desc != NULL && dt->desc->xub) {
        s.xub = true;
        s.ub = span_add(&s, dt->lb, dt->extent);
    }
    return s;
}

static void span_shift(struct dt_span *s, MPI_Aint by)
{
    s->tlb = span_add(s, s->tlb, by);
    s->tub = span_add(s, s->tub, by);
    s->lb = span_add(s, s->lb, by);
    s->ub = span_add(s, s->ub, by);
}

/* n >= 1 copies, `step` bytes apart: the lowest copy and the highest copy bound it. */
static void span_rep(struct dt_span *s, MPI_Count n, MPI_Aint step)
{
    MPI_Aint far = span_mul(s, step, n - 1);
    MPI_Aint lo = far < 0 ? far : 0, hi = far > 0 ? far : 0;

    s->tlb = span_add(s, s->tlb, lo);
    s->tub = span_add(s, s->tub, hi);
    s->lb = span_add(s, s->lb, lo);
    s->ub = span_add(s, s->ub, hi);
}

static void span_union(struct dt_span *acc, const struct dt_span *s)
{
    acc->overflow |= s->overflow;
    acc->align = s->align > acc->align ? s->align : acc->align;
    if (s->data) {
        acc->tlb = !acc->data || s->tlb < acc->tlb ? s->tlb : acc->tlb;
        acc->tub = !acc->data || s->tub > acc->tub ? s->tub : acc->tub;
        acc->data = true;
    }
    if (s->xlb) {
        acc->lb = !acc->xlb || s->lb < acc->lb ? s->lb : acc->lb;
        acc->xlb = true;
    }
    if (s->xub) {
        acc->ub = !acc->xub || s->ub > acc->ub ? s->ub : acc->ub;
        acc->xub = true;
    }
}

/* n copies of `old` placed `step` apart from `d`, added to `acc`; n == 0 adds nothing, not
 * even markers (the standard: a zero count generates no entries and does not affect bounds). */
static void span_place(struct dt_span *acc, const struct kr_dt *old, MPI_Aint d, MPI_Count n,
                       MPI_Aint step)
{
    struct dt_span s;

    if (n == 0) {
        return;
    }
    s = span_of(old);
    span_rep(&s, n, step);
    span_shift(&s, d);
    span_union(acc, &s);
}

/* Bounds of `dt` from its span. */
static int span_finish(struct kr_dt *dt, struct dt_span *s)
{
    MPI_Aint lb, ub, ext;

    dt->true_lb = s->data ? s->tlb : 0;
    dt->true_extent = s->data ? span_add(s, s->tub, -s->tlb) : 0;
    lb = s->xlb ? s->lb : dt->true_lb;
    if (s->xub) {
        ub = s->ub;
    } else if (s->data) {
        ub = s->tub;
        ext = span_add(s, ub, -lb);
        if (ext > 0 && s->align > 1 && ext % (MPI_Aint) s->align != 0) {
            ub = span_add(s, ub, (MPI_Aint) s->align - ext % (MPI_Aint) s->align);
        }
    } else {
        ub = lb;
    }
    dt->lb = lb;
    dt->extent = span_add(s, ub, -lb);
    dt->desc->xlb = s->xlb;
    dt->desc->xub = s->xub;
    dt->desc->align = s->align > 0 ? s->align : 1;
    return s->overflow ? -EOVERFLOW : 0;
}

/* ---- facts of any type ----------------------------------------------------------------------- */

size_t dt_type_align(const struct kr_dt *dt)
{
    if (dt->desc != NULL) {
        return dt->desc->align;
    }
    switch (dt->kind) {
    case KR_DT_K_I16:
    case KR_DT_K_U16:
    case KR_DT_K_F16:
    case KR_DT_K_C16: return 2;
    case KR_DT_K_I32:
    case KR_DT_K_U32:
    case KR_DT_K_F32:
    case KR_DT_K_C32: return 4;
    case KR_DT_K_I64:
    case KR_DT_K_U64:
    case KR_DT_K_F64:
    case KR_DT_K_C64: return 8;
    case KR_DT_K_FLD:
    case KR_DT_K_CLD: return alignof(long double);
    case KR_DT_K_I128:
    case KR_DT_K_U128:
    case KR_DT_K_F128:
    case KR_DT_K_C128: return 16;
    case KR_DT_K_FLOAT_INT: return alignof(struct kr_dt_float_int);
    case KR_DT_K_DOUBLE_INT: return alignof(struct kr_dt_double_int);
    case KR_DT_K_LONG_INT: return alignof(struct kr_dt_long_int);
    case KR_DT_K_2INT: return alignof(struct kr_dt_2int);
    case KR_DT_K_SHORT_INT: return alignof(struct kr_dt_short_int);
    case KR_DT_K_LDOUBLE_INT: return alignof(struct kr_dt_ldouble_int);
    case KR_DT_K_2FLOAT: return alignof(struct kr_dt_2float);
    case KR_DT_K_2DOUBLE: return alignof(struct kr_dt_2double);
    default: return 1;
    }
}

uint64_t kr_dt_nelem(const struct kr_dt *dt)
{
    if (dt->desc != NULL) {
        return dt->desc->nelem;
    }
    return dt->opclass == KR_DT_C_PAIR ? 2 : 1;
}

static size_t type_ext32(const struct kr_dt *dt)
{
    return dt->desc != NULL ? dt->desc->ext32_size : dt_ext32_basic_size(dt);
}

/* ---- allocation and release ------------------------------------------------------------------ */

struct kr_dt *dt_type_alloc(int combiner, bool large, size_t nargs, size_t ntypes)
{
    struct kr_dt *dt = calloc(1, sizeof(*dt));
    struct kr_dt_desc *desc = calloc(1, sizeof(*desc));

    if (dt == NULL || desc == NULL) {
        goto err_free;
    }
    desc->args = nargs > 0 ? calloc(nargs, sizeof(*desc->args)) : NULL;
    desc->types = ntypes > 0 ? calloc(ntypes, sizeof(*desc->types)) : NULL;
    if ((nargs > 0 && desc->args == NULL) || (ntypes > 0 && desc->types == NULL)) {
        goto err_free_arrays;
    }
    desc->nargs = nargs;
    desc->ntypes = ntypes;
    desc->combiner = combiner;
    desc->large = large;
    atomic_init(&desc->handles, 1);
    dt->magic = KR_DT_MAGIC;
    dt->kind = KR_DT_K_NONE;
    dt->opclass = KR_DT_C_NONE;
    dt->handle = (MPI_Datatype) dt;
    atomic_init(&dt->refcount, 1);
    dt->desc = desc;
    return dt;

err_free_arrays:
    free(desc->args);
    free(desc->types);
err_free:
    free(desc);
    free(dt);
    return NULL;
}

static void type_free(struct kr_dt *dt)
{
    struct kr_dt_desc *desc = dt->desc;

    for (size_t i = 0; i < desc->ntypes; i++) {
        if (desc->types[i] != NULL) {
            kr_dt_release(desc->types[i]);
        }
    }
    if (desc->impl != NULL) {
        kr_dt_release(desc->impl);
    }
    dt_arena_free(&desc->arena);
    free(desc->args);
    free(desc->types);
    free(desc);
    kr_attr_list_destroy(&dt->attrs);
    free(dt->user_name);
    dt->magic = 0;
    free(dt);
}

void dt_type_discard(struct kr_dt *dt)
{
    type_free(dt);
}

void kr_dt_retain(struct kr_dt *dt)
{
    if ((dt->flags & KR_DT_F_PREDEFINED) == 0) {
        /* relaxed: taking a reference orders nothing; the release below does */
        atomic_fetch_add_explicit(&dt->refcount, 1, memory_order_relaxed);
    }
}

void kr_dt_release(struct kr_dt *dt)
{
    if ((dt->flags & KR_DT_F_PREDEFINED) != 0) {
        return;
    }
    /* acq_rel: pairs with other threads' releases so their last uses of `dt` happen before
     * the free */
    if (atomic_fetch_sub_explicit(&dt->refcount, 1, memory_order_acq_rel) == 1) {
        type_free(dt);
    }
}

void kr_dt_handle_retain(struct kr_dt *dt)
{
    if (dt->desc != NULL) {
        atomic_fetch_add_explicit(&dt->desc->handles, 1, memory_order_relaxed);
        kr_dt_retain(dt);
    }
}

bool kr_dt_handle_is_last(const struct kr_dt *dt)
{
    /* acquire: pairs with the acq_rel decrement in kr_dt_handle_release, so a handle another
     * thread just freed is seen as gone */
    return dt->desc != NULL && atomic_load_explicit(&dt->desc->handles, memory_order_acquire) == 1;
}

bool kr_dt_handle_release(struct kr_dt *dt)
{
    bool last;

    if (dt->desc == NULL) {
        return false;
    }
    /* acq_rel: pairs with kr_dt_handle_is_last's acquire and with other releases */
    last = atomic_fetch_sub_explicit(&dt->desc->handles, 1, memory_order_acq_rel) == 1;
    kr_dt_release(dt);
    return last;
}

int kr_dt_name_set(struct kr_dt *dt, const char *name)
{
    size_t n = strnlen(name, MPI_MAX_OBJECT_NAME - 1);
    char *copy = malloc(n + 1);

    if (copy == NULL) {
        return -ENOMEM;
    }
    memcpy(copy, name, n);
    copy[n] = '\0';
    free(dt->user_name);
    dt->user_name = copy;
    return 0;
}

/* ---- commit ---------------------------------------------------------------------------------- */

int kr_dt_commit(struct kr_dt *dt)
{
    struct kr_dt_desc *desc = dt->desc;
    const struct dt_node *root;
    bool ok = true;

    if (desc == NULL || (dt->flags & KR_DT_F_COMMITTED) != 0) {
        return 0;
    }
    root = desc->root;
    desc->exec = dt_prog_flatten(&desc->arena, root, &ok);
    if (!ok) {
        desc->exec = NULL;
        return -ENOMEM;
    }
    /* one piece per element and no gap to the next element: count elements are one block */
    if (dt->size == 0
        || (root->shape.np == 1 && dt->extent >= 0 && (size_t) dt->extent == dt->size)) {
        dt->flags |= KR_DT_F_CONTIG;
    }
    dt->flags |= KR_DT_F_COMMITTED;
    return 0;
}

/* ---- constructors ---------------------------------------------------------------------------- */

/* Sums of a type's size, basic elements and external32 bytes, with overflow detection. */
struct dt_sums {
    size_t size, ext32;
    uint64_t nelem;
    bool overflow;
};

static void sums_add(struct dt_sums *s, const struct kr_dt *old, MPI_Count n)
{
    size_t a, b;
    uint64_t c;

    if (__builtin_mul_overflow(old->size, (uint64_t) n, &a)
        || __builtin_mul_overflow(type_ext32(old), (uint64_t) n, &b)
        || __builtin_mul_overflow(kr_dt_nelem(old), (uint64_t) n, &c)
        || __builtin_add_overflow(s->size, a, &s->size)
        || __builtin_add_overflow(s->ext32, b, &s->ext32)
        || __builtin_add_overflow(s->nelem, c, &s->nelem) || s->size > (size_t) INTPTR_MAX) {
        s->overflow = true;
    }
}

/* Store the layout facts of a new type; on failure the type is discarded. */
static int create_finish(struct kr_dt *dt, struct dt_span *span, const struct dt_sums *sums,
                         const struct dt_node *root, bool ok, struct kr_dt **dt_out)
{
    int ret;

    dt->size = sums->size;
    dt->desc->nelem = sums->nelem;
    dt->desc->ext32_size = sums->ext32;
    dt->desc->root = root;
    ret = span_finish(dt, span);
    if (ret == 0 && sums->overflow) {
        ret = -EOVERFLOW;
    }
    if (ret == 0 && !ok) {
        ret = -ENOMEM;
    }
    if (ret != 0) {
        dt_type_discard(dt);
        return ret;
    }
    *dt_out = dt;
    return 0;
}

static void keep_type(struct kr_dt *dt, size_t i, struct kr_dt *old)
{
    kr_dt_retain(old);
    dt->desc->types[i] = old;
}

int kr_dt_contig_create(MPI_Count count, struct kr_dt *old, bool large, struct kr_dt **dt_out)
{
    struct kr_dt *dt = dt_type_alloc(MPI_COMBINER_CONTIGUOUS, large, 1, 1);
    struct dt_span span = {.align = 1};
    struct dt_sums sums = {0};
    const struct dt_node *root;
    bool ok = true;

    if (dt == NULL) {
        return -ENOMEM;
    }
    dt->desc->args[0] = count;
    keep_type(dt, 0, old);
    span_place(&span, old, 0, count, old->extent);
    sums_add(&sums, old, count);
    root = dt_type_root(old, &dt->desc->arena, &ok);
    root = dt_prog_rep(&dt->desc->arena, (size_t) count, old->extent, root, &ok);
    return create_finish(dt, &span, &sums, root, ok, dt_out);
}

int kr_dt_vector_create(MPI_Count count, MPI_Count blocklen, MPI_Count stride, bool hvector,
                        struct kr_dt *old, bool large, struct kr_dt **dt_out)
{
    struct kr_dt *dt =
        dt_type_alloc(hvector ? MPI_COMBINER_HVECTOR : MPI_COMBINER_VECTOR, large, 3, 1);
    struct dt_span span = {.align = 1}, blk;
    struct dt_sums sums = {0};
    const struct dt_node *root;
    MPI_Aint step;
    bool ok = true;

    if (dt == NULL) {
        return -ENOMEM;
    }
    dt->desc->args[0] = count;
    dt->desc->args[1] = blocklen;
    dt->desc->args[2] = stride;
    keep_type(dt, 0, old);
    step = hvector ? (MPI_Aint) stride : span_mul(&span, old->extent, stride);
    if (count > 0 && blocklen > 0) {
        MPI_Count n;

        blk = (struct dt_span){.align = 1};
        span_place(&blk, old, 0, blocklen, old->extent);
        span_rep(&blk, count, step);
        span_union(&span, &blk);
        if (__builtin_mul_overflow(count, blocklen, &n)) {
            sums.overflow = true;
        } else {
            sums_add(&sums, old, n);
        }
    }
    root = dt_type_root(old, &dt->desc->arena, &ok);
    root = dt_prog_rep(&dt->desc->arena, (size_t) blocklen, old->extent, root, &ok);
    root = dt_prog_rep(&dt->desc->arena, (size_t) count, step, root, &ok);
    return create_finish(dt, &span, &sums, root, ok, dt_out);
}

int kr_dt_indexed_create(int combiner, MPI_Count count, struct kr_dt_ints blocklens,
                         MPI_Count blocklen, struct kr_dt_ints disps, struct kr_dt *old, bool large,
                         struct kr_dt **dt_out)
{
    bool block = combiner == MPI_COMBINER_INDEXED_BLOCK || combiner == MPI_COMBINER_HINDEXED_BLOCK;
    bool bytes = combiner == MPI_COMBINER_HINDEXED || combiner == MPI_COMBINER_HINDEXED_BLOCK;
    size_t n = (size_t) count, nb = block ? 1 : n;
    struct kr_dt *dt = dt_type_alloc(combiner, large, 1 + nb + n, 1);
    struct dt_span span = {.align = 1};
    struct dt_sums sums = {0};
    const struct dt_node *root = NULL, *oldroot;
    struct dt_entry *e;
    bool ok = true;

    if (dt == NULL) {
        return -ENOMEM;
    }
    e = malloc((n > 0 ? n : 1) * sizeof(*e));
    if (e == NULL) {
        dt_type_discard(dt);
        return -ENOMEM;
    }
    keep_type(dt, 0, old);
    dt->desc->args[0] = count;
    if (block) {
        dt->desc->args[1] = blocklen;
    }
    oldroot = dt_type_root(old, &dt->desc->arena, &ok);
    for (size_t i = 0; i < n; i++) {
        MPI_Count bl = block ? blocklen : kr_dt_ints_at(blocklens, i);
        int64_t d = kr_dt_ints_at(disps, i);
        MPI_Aint at = bytes ? (MPI_Aint) d : span_mul(&span, old->extent, d);

        if (!block) {
            dt->desc->args[1 + i] = bl;
        }
        dt->desc->args[1 + nb + i] = d;
        span_place(&span, old, at, bl, old->extent);
        sums_add(&sums, old, bl);
        e[i] = (struct dt_entry){at, oldroot != NULL ? (size_t) bl : 0, old->extent, oldroot};
    }
    if (!span.overflow && !sums.overflow) {
        root = dt_prog_list(&dt->desc->arena, e, n, &ok);
    }
    free(e);
    return create_finish(dt, &span, &sums, root, ok, dt_out);
}

/* Roots of the predefined types of one struct, built once each: a struct of a million
 * MPI_INT fields needs one block node, not a million. */
#define DT_ROOT_CACHE 8

struct root_cache {
    const struct kr_dt *type[DT_ROOT_CACHE];
    const struct dt_node *root[DT_ROOT_CACHE];
    size_t n;
};

static const struct dt_node *root_cached(struct root_cache *c, const struct kr_dt *t,
                                         struct dt_arena *a, bool *ok)
{
    const struct dt_node *r;

    if (t->desc != NULL) {
        return t->desc->root;
    }
    for (size_t i = 0; i < c->n; i++) {
        if (c->type[i] == t) {
            return c->root[i];
        }
    }
    r = dt_type_root(t, a, ok);
    if (c->n < DT_ROOT_CACHE) {
        c->type[c->n] = t;
        c->root[c->n] = r;
        c->n++;
    }
    return r;
}

int kr_dt_struct_create(MPI_Count count, struct kr_dt_ints blocklens, struct kr_dt_ints disps,
                        const MPI_Datatype types[], bool large, struct kr_dt **dt_out)
{
    size_t n = (size_t) count;
    struct kr_dt *dt = dt_type_alloc(MPI_COMBINER_STRUCT, large, 1 + 2 * n, n);
    struct dt_span span = {.align = 1};
    struct dt_sums sums = {0};
    struct root_cache cache = {.n = 0};
    const struct dt_node *root = NULL;
    struct dt_entry *e;
    bool ok = true;

    if (dt == NULL) {
        return -ENOMEM;
    }
    e = malloc((n > 0 ? n : 1) * sizeof(*e));
    if (e == NULL) {
        dt_type_discard(dt);
        return -ENOMEM;
    }
    dt->desc->args[0] = count;
    for (size_t i = 0; i < n; i++) {
        struct kr_dt *t = kr_dt_from_handle(types[i]);
        MPI_Count bl = kr_dt_ints_at(blocklens, i);
        MPI_Aint d = (MPI_Aint) kr_dt_ints_at(disps, i);
        const struct dt_node *r;

        keep_type(dt, i, t);
        dt->desc->args[1 + i] = bl;
        dt->desc->args[1 + n + i] = d;
        span_place(&span, t, d, bl, t->extent);
        sums_add(&sums, t, bl);
        r = root_cached(&cache, t, &dt->desc->arena, &ok);
        e[i] = (struct dt_entry){d, r != NULL ? (size_t) bl : 0, t->extent, r};
    }
    if (!span.overflow && !sums.overflow) {
        root = dt_prog_list(&dt->desc->arena, e, n, &ok);
    }
    free(e);
    return create_finish(dt, &span, &sums, root, ok, dt_out);
}

int kr_dt_resized_create(struct kr_dt *old, MPI_Aint lb, MPI_Aint extent, bool large,
                         struct kr_dt **dt_out)
{
    struct kr_dt *dt = dt_type_alloc(MPI_COMBINER_RESIZED, large, 2, 1);
    struct dt_span span = {.align = 1};
    struct dt_sums sums = {0};
    bool ok = true;

    if (dt == NULL) {
        return -ENOMEM;
    }
    dt->desc->args[0] = lb;
    dt->desc->args[1] = extent;
    keep_type(dt, 0, old);
    /* the old markers are erased and a new pair put at lb and lb + extent */
    span_place(&span, old, 0, 1, 0);
    span.xlb = span.xub = true;
    span.lb = lb;
    span.ub = span_add(&span, lb, extent);
    sums_add(&sums, old, 1);
    return create_finish(dt, &span, &sums, dt_type_root(old, &dt->desc->arena, &ok), ok, dt_out);
}

int kr_dt_dup_create(struct kr_dt *old, struct kr_dt **dt_out)
{
    struct kr_dt *dt = dt_type_alloc(MPI_COMBINER_DUP, false, 0, 1);
    struct dt_span span = {.align = 1};
    struct dt_sums sums = {0};
    const struct dt_node *root;
    bool ok = true;
    int ret;

    if (dt == NULL) {
        return -ENOMEM;
    }
    keep_type(dt, 0, old);
    span_place(&span, old, 0, 1, 0);
    sums_add(&sums, old, 1);
    root = dt_type_root(old, &dt->desc->arena, &ok);
    ret = create_finish(dt, &span, &sums, root, ok, dt_out);
    if (ret == 0 && (old->flags & KR_DT_F_COMMITTED) != 0) {
        ret = kr_dt_commit(*dt_out);
        if (ret != 0) {
            dt_type_discard(*dt_out);
        }
    }
    return ret;
}

int dt_type_adopt(struct kr_dt *dt, struct kr_dt *impl)
{
    struct dt_span span = {.align = 1};
    struct dt_sums sums = {0};

    span_place(&span, impl, 0, 1, 0);
    sums_add(&sums, impl, 1);
    kr_dt_retain(impl);
    dt->desc->impl = impl;
    dt->size = sums.size;
    dt->desc->nelem = sums.nelem;
    dt->desc->ext32_size = sums.ext32;
    dt->desc->root = impl->desc != NULL ? impl->desc->root : NULL;
    return span_finish(dt, &span);
}

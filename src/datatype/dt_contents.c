/* Decoding derived datatypes: MPI_Type_get_envelope / get_contents from the constructor
 * arguments each type keeps, a walk of the type map in type-map order that follows those
 * arguments (external32 conversion and MPI_Get_elements use it), and basic-element counts. */
#include "config.h"

#include "dt.h"
#include "dt_int.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>

/* ---- envelope and contents -------------------------------------------------------------------
 * Every integer argument is stored in call order; where each one goes in get_contents (the
 * integers, the addresses or the large counts) depends on the constructor and on whether it
 * was the _c binding. The standard's tables, plus MPI-4's rule for _c constructors: every
 * integer-valued argument that was an MPI_Count in the call is a large count, the int ones
 * (ndims, order, darray's distributions, block arguments and grid) stay integers. */
enum dt_slot { DT_SLOT_INT, DT_SLOT_AINT, DT_SLOT_COUNT };

static enum dt_slot contents_slot(const struct kr_dt_desc *d, size_t p)
{
    switch (d->combiner) {
    case MPI_COMBINER_HVECTOR:
        return d->large ? DT_SLOT_COUNT : p == 2 ? DT_SLOT_AINT : DT_SLOT_INT;
    case MPI_COMBINER_HINDEXED:
    case MPI_COMBINER_STRUCT:
        return d->large ? DT_SLOT_COUNT : p >= 1 + (size_t) d->args[0] ? DT_SLOT_AINT : DT_SLOT_INT;
    case MPI_COMBINER_HINDEXED_BLOCK:
        return d->large ? DT_SLOT_COUNT : p >= 2 ? DT_SLOT_AINT : DT_SLOT_INT;
    case MPI_COMBINER_RESIZED: return d->large ? DT_SLOT_COUNT : DT_SLOT_AINT;
    case MPI_COMBINER_SUBARRAY:
        /* ndims, sizes, subsizes, starts, order */
        return d->large && p != 0 && p != d->nargs - 1 ? DT_SLOT_COUNT : DT_SLOT_INT;
    case MPI_COMBINER_DARRAY:
        /* size, rank, ndims, gsizes, distribs, dargs, psizes, order */
        return d->large && p >= 3 && p < 3 + (size_t) d->args[2] ? DT_SLOT_COUNT : DT_SLOT_INT;
    default:
        /* contiguous, vector, indexed, indexed_block: all integers (or all large counts) */
        return d->large ? DT_SLOT_COUNT : DT_SLOT_INT;
    }
}

int kr_dt_envelope(const struct kr_dt *dt, bool large, MPI_Count *nints_out, MPI_Count *naddrs_out,
                   MPI_Count *ncounts_out, MPI_Count *ntypes_out, int *combiner_out)
{
    const struct kr_dt_desc *d = dt->desc;
    MPI_Count n[3] = {0, 0, 0};

    if (d == NULL) {
        *nints_out = *naddrs_out = *ncounts_out = *ntypes_out = 0;
        *combiner_out = MPI_COMBINER_NAMED;
        return 0;
    }
    if (d->large && !large) {
        return -EOVERFLOW;
    }
    for (size_t p = 0; p < d->nargs; p++) {
        n[contents_slot(d, p)]++;
    }
    *nints_out = n[DT_SLOT_INT];
    *naddrs_out = n[DT_SLOT_AINT];
    *ncounts_out = n[DT_SLOT_COUNT];
    *ntypes_out = (MPI_Count) d->ntypes;
    *combiner_out = d->combiner;
    return 0;
}

int kr_dt_contents(const struct kr_dt *dt, bool large, int ints[], MPI_Aint aints[],
                   MPI_Count counts[], MPI_Datatype types[])
{
    const struct kr_dt_desc *d = dt->desc;
    size_t ni = 0, na = 0, nc = 0;

    if (d == NULL) {
        return -EINVAL;
    }
    if (d->large && !large) {
        return -EOVERFLOW;
    }
    for (size_t p = 0; p < d->nargs; p++) {
        switch (contents_slot(d, p)) {
        case DT_SLOT_INT: ints[ni++] = (int) d->args[p]; break;
        case DT_SLOT_AINT: aints[na++] = (MPI_Aint) d->args[p]; break;
        case DT_SLOT_COUNT: counts[nc++] = (MPI_Count) d->args[p]; break;
        }
    }
    for (size_t i = 0; i < d->ntypes; i++) {
        /* derived types come back as new handles the user frees; predefined ones as
         * themselves */
        kr_dt_handle_retain(d->types[i]);
        types[i] = kr_dt_to_handle(d->types[i]);
    }
    return 0;
}

/* ---- type map walk ------------------------------------------------------------------------ */

struct dt_walk {
    dt_walk_fn *fn;
    void *ctx;
};

static int walk_type(const struct kr_dt *dt, uintptr_t base, size_t count, const struct dt_walk *w);

static uintptr_t walk_at(uintptr_t base, MPI_Aint d)
{
    return base + (uintptr_t) d;
}

/* One element of a derived type at base, following its constructor. */
static int walk_derived(const struct kr_dt *dt, uintptr_t base, const struct dt_walk *w)
{
    const struct kr_dt_desc *d = dt->desc;
    const int64_t *a = d->args;
    const struct kr_dt *old = d->ntypes > 0 ? d->types[0] : NULL;
    size_t n = d->nargs > 0 ? (size_t) a[0] : 0;
    int ret = 0;

    switch (d->combiner) {
    case MPI_COMBINER_CONTIGUOUS: return walk_type(old, base, n, w);
    case MPI_COMBINER_VECTOR:
    case MPI_COMBINER_HVECTOR: {
        MPI_Aint step =
            d->combiner == MPI_COMBINER_VECTOR ? (MPI_Aint) a[2] * old->extent : (MPI_Aint) a[2];

        for (size_t j = 0; j < n && ret == 0; j++) {
            ret = walk_type(old, walk_at(base, step * (MPI_Aint) j), (size_t) a[1], w);
        }
        return ret;
    }
    case MPI_COMBINER_INDEXED:
    case MPI_COMBINER_HINDEXED:
        for (size_t j = 0; j < n && ret == 0; j++) {
            MPI_Aint at = d->combiner == MPI_COMBINER_INDEXED
                              ? (MPI_Aint) a[1 + n + j] * old->extent
                              : (MPI_Aint) a[1 + n + j];

            ret = walk_type(old, walk_at(base, at), (size_t) a[1 + j], w);
        }
        return ret;
    case MPI_COMBINER_INDEXED_BLOCK:
    case MPI_COMBINER_HINDEXED_BLOCK:
        for (size_t j = 0; j < n && ret == 0; j++) {
            MPI_Aint at = d->combiner == MPI_COMBINER_INDEXED_BLOCK
                              ? (MPI_Aint) a[2 + j] * old->extent
                              : (MPI_Aint) a[2 + j];

            ret = walk_type(old, walk_at(base, at), (size_t) a[1], w);
        }
        return ret;
    case MPI_COMBINER_STRUCT:
        for (size_t j = 0; j < n && ret == 0; j++) {
            ret = walk_type(d->types[j], walk_at(base, (MPI_Aint) a[1 + n + j]), (size_t) a[1 + j],
                            w);
        }
        return ret;
    case MPI_COMBINER_SUBARRAY:
    case MPI_COMBINER_DARRAY: return walk_type(d->impl, base, 1, w);
    default:
        /* dup and resized: the old type's map, unmoved */
        return walk_type(old, base, 1, w);
    }
}

static int walk_type(const struct kr_dt *dt, uintptr_t base, size_t count, const struct dt_walk *w)
{
    const struct kr_dt *v, *i;
    size_t ioff;
    int ret = 0;

    if (count == 0 || dt->size == 0) {
        return 0;
    }
    if (dt->desc == NULL && dt->opclass != KR_DT_C_PAIR) {
        /* consecutive basic elements: one run */
        return w->fn(w->ctx, dt, base, count);
    }
    if (dt->desc == NULL) {
        dt_pair_members(dt, &v, &i, &ioff);
        for (size_t k = 0; k < count && ret == 0; k++) {
            uintptr_t at = base + (uintptr_t) dt->extent * k;

            ret = w->fn(w->ctx, v, at, 1);
            if (ret == 0) {
                ret = w->fn(w->ctx, i, at + ioff, 1);
            }
        }
        return ret;
    }
    for (size_t k = 0; k < count && ret == 0; k++) {
        ret = walk_derived(dt, base + (uintptr_t) dt->extent * k, w);
    }
    return ret;
}

int dt_typemap_walk(const struct kr_dt *dt, size_t count, uintptr_t base, dt_walk_fn *fn, void *ctx)
{
    struct dt_walk w = {fn, ctx};

    return walk_type(dt, base, count, &w);
}

/* ---- basic elements ----------------------------------------------------------------------- */

struct elem_count {
    size_t budget; /* packed bytes still to account for */
    uint64_t elems;
    bool partial; /* the budget ended inside an element */
};

static int elem_step(void *ctx, const struct kr_dt *basic, uintptr_t addr, size_t n)
{
    struct elem_count *c = ctx;
    size_t whole = c->budget / basic->size;

    (void) addr;
    if (whole >= n) {
        c->elems += n;
        c->budget -= n * basic->size;
        return c->budget == 0;
    }
    c->elems += whole;
    c->partial = c->budget % basic->size != 0;
    c->budget = 0;
    return 1;
}

int kr_dt_elements(const struct kr_dt *dt, size_t bytes, uint64_t *elements_out)
{
    struct elem_count c = {0};
    uint64_t full;

    if (dt->size == 0) {
        if (bytes != 0) {
            return -ERANGE;
        }
        *elements_out = 0;
        return 0;
    }
    full = bytes / dt->size;
    c.budget = bytes % dt->size;
    if (c.budget > 0) {
        /* the last element arrived in part: count its basic elements in type-map order */
        dt_typemap_walk(dt, 1, 0, elem_step, &c);
        if (c.partial) {
            return -ERANGE;
        }
    }
    if (__builtin_mul_overflow(full, kr_dt_nelem(dt), elements_out)
        || __builtin_add_overflow(*elements_out, c.elems, elements_out)) {
        return -ERANGE;
    }
    return 0;
}

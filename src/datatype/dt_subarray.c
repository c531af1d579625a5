/* MPI_Type_create_subarray and MPI_Type_create_darray: both are built as the standard defines
 * them, from repetitions of the old type (hvector, contiguous), a shift and a resize to the
 * full array, and the result is wrapped in a type that reports the original constructor
 * arguments. */
#include "config.h"

#include "dt.h"
#include "dt_int.h"

#include <errno.h>
#include <stdlib.h>

/* *t = f(*t): replace a working type by one built from it, dropping the old reference. */
static int sub_step(struct kr_dt **t, int ret, struct kr_dt *next)
{
    if (ret != 0) {
        return ret;
    }
    kr_dt_release(*t);
    *t = next;
    return 0;
}

/* `t` moved `disp` bytes up, then given lb 0 and extent `extent`: the last step of both
 * constructors (the standard's lb_marker at 0 and ub_marker at the array's end). */
static int sub_place(struct kr_dt **t, MPI_Aint disp, MPI_Aint extent)
{
    struct kr_dt *next = NULL;
    int64_t d = disp;
    struct kr_dt_ints dv = {&d, 8}, none = {NULL, 8};
    int ret;

    if (disp != 0) {
        ret = kr_dt_indexed_create(MPI_COMBINER_HINDEXED_BLOCK, 1, none, 1, dv, *t, false, &next);
        ret = sub_step(t, ret, next);
        if (ret != 0) {
            return ret;
        }
    }
    ret = kr_dt_resized_create(*t, 0, extent, false, &next);
    return sub_step(t, ret, next);
}

/* The type that reports `combiner` and `args` but lays out as `impl` (which it keeps). */
static int sub_wrap(int combiner, bool large, const int64_t *args, size_t nargs, struct kr_dt *old,
                    struct kr_dt *impl, struct kr_dt **dt_out)
{
    struct kr_dt *dt = dt_type_alloc(combiner, large, nargs, 1);
    int ret;

    if (dt == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < nargs; i++) {
        dt->desc->args[i] = args[i];
    }
    kr_dt_retain(old);
    dt->desc->types[0] = old;
    ret = dt_type_adopt(dt, impl);
    if (ret != 0) {
        dt_type_discard(dt);
        return ret;
    }
    *dt_out = dt;
    return 0;
}

int kr_dt_subarray_create(int ndims, struct kr_dt_ints sizes, struct kr_dt_ints subsizes,
                          struct kr_dt_ints starts, int order, struct kr_dt *old, bool large,
                          struct kr_dt **dt_out)
{
    size_t nargs = 3 * (size_t) ndims + 2;
    int64_t *args = malloc(nargs * sizeof(*args));
    struct kr_dt *t = old, *next = NULL;
    MPI_Aint stride = old->extent, disp = 0, off;
    int ret = 0;

    if (args == NULL) {
        return -ENOMEM;
    }
    args[0] = ndims;
    for (int i = 0; i < ndims; i++) {
        args[1 + i] = kr_dt_ints_at(sizes, (size_t) i);
        args[1 + ndims + i] = kr_dt_ints_at(subsizes, (size_t) i);
        args[1 + 2 * ndims + i] = kr_dt_ints_at(starts, (size_t) i);
    }
    args[nargs - 1] = order;
    kr_dt_retain(t);
    /* from the fastest-varying dimension out: each level repeats the one inside it at the
     * stride of a full row of that level */
    for (int k = 0; k < ndims && ret == 0; k++) {
        int i = order == MPI_ORDER_C ? ndims - 1 - k : k;

        ret = kr_dt_vector_create(args[1 + ndims + i], 1, stride, true, t, false, &next);
        ret = sub_step(&t, ret, next);
        if (ret == 0
            && (__builtin_mul_overflow(args[1 + 2 * ndims + i], stride, &off)
                || __builtin_add_overflow(disp, off, &disp)
                || __builtin_mul_overflow(stride, args[1 + i], &stride))) {
            ret = -EOVERFLOW;
        }
    }
    if (ret == 0) {
        ret = sub_place(&t, disp, stride);
    }
    if (ret == 0) {
        ret = sub_wrap(MPI_COMBINER_SUBARRAY, large, args, nargs, old, t, dt_out);
    }
    kr_dt_release(t);
    free(args);
    return ret;
}

/* One dimension of a darray: the standard's cyclic(darg, gsize, r, psize, t). This process
 * owns blocks r, r + psize, r + 2 psize, … of darg elements of t, the last one possibly
 * shorter (darg_last), inside an array of gsize elements. */
static int darray_cyclic(int64_t darg, int64_t gsize, int64_t r, int64_t psize, struct kr_dt **t)
{
    MPI_Aint ex = (*t)->extent, cycle, first, extent;
    int64_t nblocks = (gsize + darg - 1) / darg, count, left, in_last, darg_last;
    struct kr_dt *next = NULL, *head = NULL, *tail = NULL;
    int ret;

    count = nblocks / psize;
    left = nblocks - count * psize;
    if (r < left) {
        count++;
    }
    in_last = gsize % (psize * darg);
    darg_last = darg;
    if (in_last != 0) {
        darg_last = in_last - darg * r;
        if (darg_last > darg || darg_last <= 0) {
            darg_last = darg;
        }
    }
    if (__builtin_mul_overflow(psize * darg, ex, &cycle)
        || __builtin_mul_overflow(r * darg, ex, &first)
        || __builtin_mul_overflow(gsize, ex, &extent)) {
        return -EOVERFLOW;
    }
    if (count == 0 || darg_last == darg) {
        ret = kr_dt_vector_create(count, darg, cycle, true, *t, false, &next);
    } else {
        /* count - 1 full blocks, then the short one, one cycle after the last full one */
        MPI_Datatype types[2];
        int64_t bl[2] = {1, 1}, d[2] = {0, (count - 1) * cycle};
        struct kr_dt_ints blv = {bl, 8}, dv = {d, 8};

        ret = kr_dt_vector_create(count - 1, darg, cycle, true, *t, false, &head);
        if (ret == 0) {
            ret = kr_dt_contig_create(darg_last, *t, false, &tail);
        }
        if (ret == 0) {
            types[0] = kr_dt_to_handle(head);
            types[1] = kr_dt_to_handle(tail);
            ret = kr_dt_struct_create(2, blv, dv, types, false, &next);
        }
        if (head != NULL) {
            kr_dt_release(head);
        }
        if (tail != NULL) {
            kr_dt_release(tail);
        }
    }
    ret = sub_step(t, ret, next);
    if (ret == 0) {
        ret = sub_place(t, count > 0 ? first : 0, extent);
    }
    return ret;
}

int kr_dt_darray_create(int size, int rank, int ndims, struct kr_dt_ints gsizes,
                        const int distribs[], const int dargs[], const int psizes[], int order,
                        struct kr_dt *old, bool large, struct kr_dt **dt_out)
{
    size_t nargs = 4 * (size_t) ndims + 4;
    int64_t *args = malloc(nargs * sizeof(*args));
    int64_t *coord = malloc(((size_t) ndims + 1) * sizeof(*coord));
    struct kr_dt *t = old;
    int64_t rest = rank, span = size;
    int ret = 0;

    if (args == NULL || coord == NULL) {
        free(args);
        free(coord);
        return -ENOMEM;
    }
    args[0] = size;
    args[1] = rank;
    args[2] = ndims;
    for (int i = 0; i < ndims; i++) {
        args[3 + i] = kr_dt_ints_at(gsizes, (size_t) i);
        args[3 + ndims + i] = distribs[i];
        args[3 + 2 * ndims + i] = dargs[i];
        args[3 + 3 * ndims + i] = psizes[i];
        /* the process grid is row-major whatever the array order */
        span /= psizes[i];
        coord[i] = rest / span;
        rest %= span;
    }
    args[nargs - 1] = order;
    kr_dt_retain(t);
    for (int k = 0; k < ndims && ret == 0; k++) {
        int i = order == MPI_ORDER_C ? ndims - 1 - k : k;
        int64_t gsize = args[3 + i], darg = dargs[i], psize = psizes[i];

        if (distribs[i] == MPI_DISTRIBUTE_NONE) {
            darg = gsize;
        } else if (darg == MPI_DISTRIBUTE_DFLT_DARG) {
            darg = distribs[i] == MPI_DISTRIBUTE_BLOCK ? (gsize + psize - 1) / psize : 1;
        }
        if (darg < 1) {
            darg = 1; /* an empty dimension: every block is empty anyway */
        }
        ret = darray_cyclic(darg, gsize, coord[i], psize, &t);
    }
    if (ret == 0) {
        ret = sub_wrap(MPI_COMBINER_DARRAY, large, args, nargs, old, t, dt_out);
    }
    kr_dt_release(t);
    free(coord);
    free(args);
    return ret;
}

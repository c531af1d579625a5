/* Reductions on collective buffers: predefined types at their extent go straight to the
 * kernels; a derived type travels packed, and a user op on it sees it typed again. */
#include "config.h"

#include "coll_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

size_t kr_coll_stride(const struct kr_dt *dt)
{
    return (dt->flags & KR_DT_F_PREDEFINED) != 0 ? (size_t) dt->extent : dt->size;
}

/* Whether packed elements of `dt` are already what the user's function expects: one block
 * per element, extent equal to size, starting at the element's origin. */
static bool coll_op_direct(const struct kr_dt *dt)
{
    return (dt->flags & KR_DT_F_PREDEFINED) != 0 || (kr_dt_is_contig(dt) && dt->true_lb == 0);
}

int kr_coll_op_apply(const struct kr_op *op, const struct kr_dt *dt, const void *in,
                     void *inout, size_t count)
{
    MPI_Aint span_lo, span_hi, step;
    size_t span, bytes;
    unsigned char *a, *b;
    uintptr_t ta, tb;
    int ret;

    if (count == 0 || coll_op_direct(dt)) {
        return kr_op_apply(op, dt, in, inout, count);
    }
    /* Typed images of both operands: element i's data lies at origin + i * extent + its type
     * map displacements, all within [true_lb, true_lb + true_extent) of that element. */
    step = (MPI_Aint) (count - 1) * dt->extent;
    span_lo = dt->true_lb + (step < 0 ? step : 0);
    span_hi = dt->true_lb + dt->true_extent + (step > 0 ? step : 0);
    span = (size_t) (span_hi - span_lo);
    a = calloc(1, span > 0 ? span : 1);
    b = calloc(1, span > 0 ? span : 1);
    if (a == NULL || b == NULL) {
        free(a);
        free(b);
        return -ENOMEM;
    }
    /* Origins may lie outside the allocations (negative lower bounds): compute them as
     * integers, as the datatype engine does. */
    ta = (uintptr_t) a - (uintptr_t) span_lo;
    tb = (uintptr_t) b - (uintptr_t) span_lo;
    bytes = kr_dt_packed_size(dt, count);
    kr_dt_unpack(dt, count, (void *) ta, 0, in, bytes);
    kr_dt_unpack(dt, count, (void *) tb, 0, inout, bytes);
    ret = kr_op_apply(op, dt, (const void *) ta, (void *) tb, count);
    if (ret == 0) {
        kr_dt_pack(dt, count, (const void *) tb, 0, inout, bytes);
    }
    free(a);
    free(b);
    return ret;
}

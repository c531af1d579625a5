/* Array datatype constructors: MPI_Type_create_subarray and MPI_Type_create_darray (and their
 * _c twins). Their arguments have the most rules of any constructor, so they get their own
 * file: every rule the standard states is checked here and reported by name. */
#include "config.h"

#include "api.h"

#include <errno.h>

static int array_fail(const char *call, int ret)
{
    if (ret == -EOVERFLOW) {
        return kr_api_error(NULL, MPI_ERR_ARG,
                            "%s: the array spans more bytes than MPI_Aint "
                            "can hold",
                            call);
    }
    if (ret == -ENOMEM) {
        return kr_api_error(NULL, MPI_ERR_NO_MEM, "%s: out of memory", call);
    }
    return kr_api_fail(NULL, call, ret);
}

static int array_order(const char *call, int order)
{
    if (order != MPI_ORDER_C && order != MPI_ORDER_FORTRAN) {
        return kr_api_error(NULL, MPI_ERR_ARG,
                            "%s: order %d is neither MPI_ORDER_C nor "
                            "MPI_ORDER_FORTRAN",
                            call, order);
    }
    return MPI_SUCCESS;
}

static int array_common(const char *call, int ndims, const void *a, const char *aname,
                        MPI_Datatype oldtype, MPI_Datatype *newtype, struct kr_dt **old_out)
{
    int ret;

    if (ndims < 1) {
        return kr_api_error(NULL, MPI_ERR_DIMS, "%s: ndims %d is not positive", call, ndims);
    }
    ret = kr_api_check_ptr(call, a, aname);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr(call, newtype, "newtype");
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_dt(call, NULL, oldtype, false, old_out);
    }
    return ret;
}

/* ---- subarray ------------------------------------------------------------------------------ */

static int dt_subarray(const char *call, int ndims, struct kr_dt_ints sizes,
                       struct kr_dt_ints subsizes, struct kr_dt_ints starts, int order,
                       MPI_Datatype oldtype, MPI_Datatype *newtype, bool large)
{
    struct kr_dt *old, *dt = NULL;
    int ret = array_common(call, ndims, sizes.p, "array_of_sizes", oldtype, newtype, &old);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr(call, subsizes.p, "array_of_subsizes");
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr(call, starts.p, "array_of_starts");
    }
    if (ret == MPI_SUCCESS) {
        ret = array_order(call, order);
    }
    for (int i = 0; i < ndims && ret == MPI_SUCCESS; i++) {
        int64_t sz = kr_dt_ints_at(sizes, (size_t) i), sub = kr_dt_ints_at(subsizes, (size_t) i);
        int64_t st = kr_dt_ints_at(starts, (size_t) i);

        if (sz < 1) {
            ret = kr_api_error(NULL, MPI_ERR_ARG,
                               "%s: array_of_sizes[%d] is %lld, which is "
                               "not positive",
                               call, i, (long long) sz);
        } else if (sub < 1 || sub > sz) {
            ret = kr_api_error(NULL, MPI_ERR_ARG,
                               "%s: array_of_subsizes[%d] is %lld, not in "
                               "1..%lld",
                               call, i, (long long) sub, (long long) sz);
        } else if (st < 0 || st > sz - sub) {
            ret = kr_api_error(NULL, MPI_ERR_ARG,
                               "%s: array_of_starts[%d] is %lld, not in "
                               "0..%lld (size %lld, subsize %lld)",
                               call, i, (long long) st, (long long) (sz - sub), (long long) sz,
                               (long long) sub);
        }
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_dt_subarray_create(ndims, sizes, subsizes, starts, order, old, large, &dt);
    if (ret != 0) {
        return array_fail(call, ret);
    }
    *newtype = kr_dt_to_handle(dt);
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Type_create_subarray)
int PMPI_Type_create_subarray(int ndims, const int array_of_sizes[], const int array_of_subsizes[],
                              const int array_of_starts[], int order, MPI_Datatype oldtype,
                              MPI_Datatype *newtype)
{
    return dt_subarray("MPI_Type_create_subarray", ndims, (struct kr_dt_ints){array_of_sizes, 4},
                       (struct kr_dt_ints){array_of_subsizes, 4},
                       (struct kr_dt_ints){array_of_starts, 4}, order, oldtype, newtype, false);
}

KR_WEAK_ALIAS(Type_create_subarray_c)
int PMPI_Type_create_subarray_c(int ndims, const MPI_Count array_of_sizes[],
                                const MPI_Count array_of_subsizes[],
                                const MPI_Count array_of_starts[], int order, MPI_Datatype oldtype,
                                MPI_Datatype *newtype)
{
    return dt_subarray("MPI_Type_create_subarray_c", ndims, (struct kr_dt_ints){array_of_sizes, 8},
                       (struct kr_dt_ints){array_of_subsizes, 8},
                       (struct kr_dt_ints){array_of_starts, 8}, order, oldtype, newtype, true);
}

/* ---- darray -------------------------------------------------------------------------------- */

/* One dimension's distribution, block argument and grid size. */
static int darray_dim(const char *call, int i, int64_t gsize, int distrib, int darg, int psize)
{
    if (gsize < 1) {
        return kr_api_error(NULL, MPI_ERR_ARG,
                            "%s: array_of_gsizes[%d] is %lld, which is not "
                            "positive",
                            call, i, (long long) gsize);
    }
    if (psize < 1) {
        return kr_api_error(NULL, MPI_ERR_ARG,
                            "%s: array_of_psizes[%d] is %d, which is not "
                            "positive",
                            call, i, psize);
    }
    switch (distrib) {
    case MPI_DISTRIBUTE_NONE:
        if (psize != 1) {
            return kr_api_error(NULL, MPI_ERR_ARG,
                                "%s: dimension %d is MPI_DISTRIBUTE_NONE "
                                "but array_of_psizes[%d] is %d, not 1",
                                call, i, i, psize);
        }
        return MPI_SUCCESS;
    case MPI_DISTRIBUTE_BLOCK:
    case MPI_DISTRIBUTE_CYCLIC: break;
    default:
        return kr_api_error(NULL, MPI_ERR_ARG,
                            "%s: array_of_distribs[%d] is %d, not "
                            "MPI_DISTRIBUTE_BLOCK, _CYCLIC or _NONE",
                            call, i, distrib);
    }
    if (darg == MPI_DISTRIBUTE_DFLT_DARG) {
        return MPI_SUCCESS;
    }
    if (darg < 1) {
        return kr_api_error(NULL, MPI_ERR_ARG,
                            "%s: array_of_dargs[%d] is %d, neither positive "
                            "nor MPI_DISTRIBUTE_DFLT_DARG",
                            call, i, darg);
    }
    if (distrib == MPI_DISTRIBUTE_BLOCK && (int64_t) darg * psize < gsize) {
        return kr_api_error(NULL, MPI_ERR_ARG,
                            "%s: block size %d times %d processes does not "
                            "cover the %lld elements of dimension %d",
                            call, darg, psize, (long long) gsize, i);
    }
    return MPI_SUCCESS;
}

static int dt_darray(const char *call, int size, int rank, int ndims, struct kr_dt_ints gsizes,
                     const int distribs[], const int dargs[], const int psizes[], int order,
                     MPI_Datatype oldtype, MPI_Datatype *newtype, bool large)
{
    struct kr_dt *old, *dt = NULL;
    int64_t grid = 1;
    int ret;

    if (size < 1 || rank < 0 || rank >= size) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: rank %d is not in 0..%d (size %d)", call, rank,
                            size - 1, size);
    }
    ret = array_common(call, ndims, gsizes.p, "array_of_gsizes", oldtype, newtype, &old);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr(call, distribs, "array_of_distribs");
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr(call, dargs, "array_of_dargs");
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr(call, psizes, "array_of_psizes");
    }
    if (ret == MPI_SUCCESS) {
        ret = array_order(call, order);
    }
    for (int i = 0; i < ndims && ret == MPI_SUCCESS; i++) {
        ret = darray_dim(call, i, kr_dt_ints_at(gsizes, (size_t) i), distribs[i], dargs[i],
                         psizes[i]);
        grid *= psizes[i];
        if (grid > size) {
            grid = (int64_t) size + 1; /* stays "too many" without overflowing */
        }
    }
    if (ret == MPI_SUCCESS && grid != size) {
        ret = kr_api_error(NULL, MPI_ERR_ARG,
                           "%s: the process grid (product of "
                           "array_of_psizes) has %s%lld processes, but size is %d",
                           call, grid > size ? "more than " : "",
                           (long long) (grid > size ? size : grid), size);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_dt_darray_create(size, rank, ndims, gsizes, distribs, dargs, psizes, order, old, large,
                              &dt);
    if (ret != 0) {
        return array_fail(call, ret);
    }
    *newtype = kr_dt_to_handle(dt);
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Type_create_darray)
int PMPI_Type_create_darray(int size, int rank, int ndims, const int array_of_gsizes[],
                            const int array_of_distribs[], const int array_of_dargs[],
                            const int array_of_psizes[], int order, MPI_Datatype oldtype,
                            MPI_Datatype *newtype)
{
    return dt_darray("MPI_Type_create_darray", size, rank, ndims,
                     (struct kr_dt_ints){array_of_gsizes, 4}, array_of_distribs, array_of_dargs,
                     array_of_psizes, order, oldtype, newtype, false);
}

KR_WEAK_ALIAS(Type_create_darray_c)
int PMPI_Type_create_darray_c(int size, int rank, int ndims, const MPI_Count array_of_gsizes[],
                              const int array_of_distribs[], const int array_of_dargs[],
                              const int array_of_psizes[], int order, MPI_Datatype oldtype,
                              MPI_Datatype *newtype)
{
    return dt_darray("MPI_Type_create_darray_c", size, rank, ndims,
                     (struct kr_dt_ints){array_of_gsizes, 8}, array_of_distribs, array_of_dargs,
                     array_of_psizes, order, oldtype, newtype, true);
}

/* Datatype constructors and commit: MPI_Type_contiguous, vector, hvector, indexed, hindexed,
 * indexed_block, hindexed_block, struct, subarray, darray, resized (each with its _c twin) and
 * MPI_Type_commit. Checks, then src/datatype does the work.
 *
 * Datatype calls do not require MPI_Init: they are local, and a program that uses sessions
 * builds types without ever initialising the world model. Errors are raised on
 * MPI_COMM_WORLD's handler when MPI is running (the process's otherwise). */
#include "config.h"

#include "api.h"

#include <errno.h>
#include <limits.h>

/* ---- shared checks ------------------------------------------------------------------------ */

static struct kr_dt_ints dt_ints32(const int *p)
{
    return (struct kr_dt_ints){p, 4};
}

static struct kr_dt_ints dt_ints64(const void *p)
{
    return (struct kr_dt_ints){p, 8};
}

/* Report a failed constructor. */
static int dt_fail(const char *call, int ret)
{
    if (ret == -EOVERFLOW) {
        return kr_api_error(NULL, MPI_ERR_ARG,
                            "%s: the new datatype would span more bytes than "
                            "MPI_Aint can hold",
                            call);
    }
    if (ret == -ENOMEM) {
        return kr_api_error(NULL, MPI_ERR_NO_MEM, "%s: out of memory", call);
    }
    return kr_api_fail(NULL, call, ret);
}

/* Hand a new type to the user. */
static int dt_done(const char *call, int ret, struct kr_dt *const *dt, MPI_Datatype *newtype)
{
    if (ret != 0) {
        return dt_fail(call, ret);
    }
    *newtype = kr_dt_to_handle(*dt);
    return MPI_SUCCESS;
}

/* What every constructor checks: a non-negative count, a valid old type (committed or not),
 * somewhere to put the new one. */
static int dt_args(const char *call, MPI_Count count, MPI_Datatype oldtype, MPI_Datatype *newtype,
                   struct kr_dt **old_out)
{
    int ret;

    if (count < 0) {
        return kr_api_error(NULL, MPI_ERR_COUNT, "%s: count %lld is negative", call,
                            (long long) count);
    }
    ret = kr_api_check_ptr(call, newtype, "newtype");
    if (ret == MPI_SUCCESS && old_out != NULL) {
        ret = kr_api_check_dt(call, NULL, oldtype, false, old_out);
    }
    return ret;
}

/* Every element of a block-length array is >= 0. */
static int dt_blocklens(const char *call, MPI_Count count, struct kr_dt_ints bl)
{
    if (count > 0 && bl.p == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: array_of_blocklengths is NULL", call);
    }
    for (MPI_Count i = 0; i < count; i++) {
        if (kr_dt_ints_at(bl, (size_t) i) < 0) {
            return kr_api_error(NULL, MPI_ERR_ARG,
                                "%s: array_of_blocklengths[%lld] is %lld, "
                                "which is negative",
                                call, (long long) i, (long long) kr_dt_ints_at(bl, (size_t) i));
        }
    }
    return MPI_SUCCESS;
}

static int dt_blocklen(const char *call, MPI_Count blocklen)
{
    if (blocklen < 0) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: blocklength %lld is negative", call,
                            (long long) blocklen);
    }
    return MPI_SUCCESS;
}

static int dt_disps(const char *call, MPI_Count count, const void *disps)
{
    if (count > 0 && disps == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: array_of_displacements is NULL", call);
    }
    return MPI_SUCCESS;
}

/* ---- contiguous, vector, hvector ---------------------------------------------------------- */

static int dt_contiguous(const char *call, MPI_Count count, MPI_Datatype oldtype,
                         MPI_Datatype *newtype, bool large)
{
    struct kr_dt *old, *dt = NULL;
    int ret = dt_args(call, count, oldtype, newtype, &old);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_dt_contig_create(count, old, large, &dt);
    return dt_done(call, ret, &dt, newtype);
}

KR_WEAK_ALIAS(Type_contiguous)
int PMPI_Type_contiguous(int count, MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    return dt_contiguous("MPI_Type_contiguous", count, oldtype, newtype, false);
}

KR_WEAK_ALIAS(Type_contiguous_c)
int PMPI_Type_contiguous_c(MPI_Count count, MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    return dt_contiguous("MPI_Type_contiguous_c", count, oldtype, newtype, true);
}

static int dt_vector(const char *call, MPI_Count count, MPI_Count blocklen, MPI_Count stride,
                     bool hvector, MPI_Datatype oldtype, MPI_Datatype *newtype, bool large)
{
    struct kr_dt *old, *dt = NULL;
    int ret = dt_args(call, count, oldtype, newtype, &old);

    if (ret == MPI_SUCCESS) {
        ret = dt_blocklen(call, blocklen);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_dt_vector_create(count, blocklen, stride, hvector, old, large, &dt);
    return dt_done(call, ret, &dt, newtype);
}

KR_WEAK_ALIAS(Type_vector)
int PMPI_Type_vector(int count, int blocklength, int stride, MPI_Datatype oldtype,
                     MPI_Datatype *newtype)
{
    return dt_vector("MPI_Type_vector", count, blocklength, stride, false, oldtype, newtype, false);
}

KR_WEAK_ALIAS(Type_vector_c)
int PMPI_Type_vector_c(MPI_Count count, MPI_Count blocklength, MPI_Count stride,
                       MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    return dt_vector("MPI_Type_vector_c", count, blocklength, stride, false, oldtype, newtype,
                     true);
}

KR_WEAK_ALIAS(Type_create_hvector)
int PMPI_Type_create_hvector(int count, int blocklength, MPI_Aint stride, MPI_Datatype oldtype,
                             MPI_Datatype *newtype)
{
    return dt_vector("MPI_Type_create_hvector", count, blocklength, stride, true, oldtype, newtype,
                     false);
}

KR_WEAK_ALIAS(Type_create_hvector_c)
int PMPI_Type_create_hvector_c(MPI_Count count, MPI_Count blocklength, MPI_Count stride,
                               MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    return dt_vector("MPI_Type_create_hvector_c", count, blocklength, stride, true, oldtype,
                     newtype, true);
}

/* ---- the indexed family ------------------------------------------------------------------- */

static int dt_indexed(const char *call, int combiner, MPI_Count count, struct kr_dt_ints bl,
                      MPI_Count blocklen, struct kr_dt_ints disps, MPI_Datatype oldtype,
                      MPI_Datatype *newtype, bool large)
{
    bool block = combiner == MPI_COMBINER_INDEXED_BLOCK || combiner == MPI_COMBINER_HINDEXED_BLOCK;
    struct kr_dt *old, *dt = NULL;
    int ret = dt_args(call, count, oldtype, newtype, &old);

    if (ret == MPI_SUCCESS) {
        ret = block ? dt_blocklen(call, blocklen) : dt_blocklens(call, count, bl);
    }
    if (ret == MPI_SUCCESS) {
        ret = dt_disps(call, count, disps.p);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_dt_indexed_create(combiner, count, bl, blocklen, disps, old, large, &dt);
    return dt_done(call, ret, &dt, newtype);
}

KR_WEAK_ALIAS(Type_indexed)
int PMPI_Type_indexed(int count, const int array_of_blocklengths[],
                      const int array_of_displacements[], MPI_Datatype oldtype,
                      MPI_Datatype *newtype)
{
    return dt_indexed("MPI_Type_indexed", MPI_COMBINER_INDEXED, count,
                      dt_ints32(array_of_blocklengths), 0, dt_ints32(array_of_displacements),
                      oldtype, newtype, false);
}

KR_WEAK_ALIAS(Type_indexed_c)
int PMPI_Type_indexed_c(MPI_Count count, const MPI_Count array_of_blocklengths[],
                        const MPI_Count array_of_displacements[], MPI_Datatype oldtype,
                        MPI_Datatype *newtype)
{
    return dt_indexed("MPI_Type_indexed_c", MPI_COMBINER_INDEXED, count,
                      dt_ints64(array_of_blocklengths), 0, dt_ints64(array_of_displacements),
                      oldtype, newtype, true);
}

KR_WEAK_ALIAS(Type_create_hindexed)
int PMPI_Type_create_hindexed(int count, const int array_of_blocklengths[],
                              const MPI_Aint array_of_displacements[], MPI_Datatype oldtype,
                              MPI_Datatype *newtype)
{
    _Static_assert(sizeof(MPI_Aint) == 8, "displacement arrays are read as 64-bit integers");
    return dt_indexed("MPI_Type_create_hindexed", MPI_COMBINER_HINDEXED, count,
                      dt_ints32(array_of_blocklengths), 0, dt_ints64(array_of_displacements),
                      oldtype, newtype, false);
}

KR_WEAK_ALIAS(Type_create_hindexed_c)
int PMPI_Type_create_hindexed_c(MPI_Count count, const MPI_Count array_of_blocklengths[],
                                const MPI_Count array_of_displacements[], MPI_Datatype oldtype,
                                MPI_Datatype *newtype)
{
    return dt_indexed("MPI_Type_create_hindexed_c", MPI_COMBINER_HINDEXED, count,
                      dt_ints64(array_of_blocklengths), 0, dt_ints64(array_of_displacements),
                      oldtype, newtype, true);
}

KR_WEAK_ALIAS(Type_create_indexed_block)
int PMPI_Type_create_indexed_block(int count, int blocklength, const int array_of_displacements[],
                                   MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    return dt_indexed("MPI_Type_create_indexed_block", MPI_COMBINER_INDEXED_BLOCK, count,
                      dt_ints32(NULL), blocklength, dt_ints32(array_of_displacements), oldtype,
                      newtype, false);
}

KR_WEAK_ALIAS(Type_create_indexed_block_c)
int PMPI_Type_create_indexed_block_c(MPI_Count count, MPI_Count blocklength,
                                     const MPI_Count array_of_displacements[], MPI_Datatype oldtype,
                                     MPI_Datatype *newtype)
{
    return dt_indexed("MPI_Type_create_indexed_block_c", MPI_COMBINER_INDEXED_BLOCK, count,
                      dt_ints64(NULL), blocklength, dt_ints64(array_of_displacements), oldtype,
                      newtype, true);
}

KR_WEAK_ALIAS(Type_create_hindexed_block)
int PMPI_Type_create_hindexed_block(int count, int blocklength,
                                    const MPI_Aint array_of_displacements[], MPI_Datatype oldtype,
                                    MPI_Datatype *newtype)
{
    return dt_indexed("MPI_Type_create_hindexed_block", MPI_COMBINER_HINDEXED_BLOCK, count,
                      dt_ints32(NULL), blocklength, dt_ints64(array_of_displacements), oldtype,
                      newtype, false);
}

KR_WEAK_ALIAS(Type_create_hindexed_block_c)
int PMPI_Type_create_hindexed_block_c(MPI_Count count, MPI_Count blocklength,
                                      const MPI_Count array_of_displacements[],
                                      MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    return dt_indexed("MPI_Type_create_hindexed_block_c", MPI_COMBINER_HINDEXED_BLOCK, count,
                      dt_ints64(NULL), blocklength, dt_ints64(array_of_displacements), oldtype,
                      newtype, true);
}

/* ---- struct ------------------------------------------------------------------------------- */

static int dt_struct(const char *call, MPI_Count count, struct kr_dt_ints bl,
                     struct kr_dt_ints disps, const MPI_Datatype types[], MPI_Datatype *newtype,
                     bool large)
{
    struct kr_dt *dt = NULL;
    int ret = dt_args(call, count, MPI_DATATYPE_NULL, newtype, NULL);

    if (ret == MPI_SUCCESS) {
        ret = dt_blocklens(call, count, bl);
    }
    if (ret == MPI_SUCCESS) {
        ret = dt_disps(call, count, disps.p);
    }
    if (ret == MPI_SUCCESS && count > 0 && types == NULL) {
        ret = kr_api_error(NULL, MPI_ERR_ARG, "%s: array_of_types is NULL", call);
    }
    for (MPI_Count i = 0; i < count && ret == MPI_SUCCESS; i++) {
        if (kr_dt_from_handle(types[i]) == NULL) {
            ret = kr_api_error(
                NULL, MPI_ERR_TYPE, "%s: array_of_types[%lld] is %s", call, (long long) i,
                types[i] == MPI_DATATYPE_NULL ? "MPI_DATATYPE_NULL" : "not a valid datatype");
        }
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_dt_struct_create(count, bl, disps, types, large, &dt);
    return dt_done(call, ret, &dt, newtype);
}

KR_WEAK_ALIAS(Type_create_struct)
int PMPI_Type_create_struct(int count, const int array_of_blocklengths[],
                            const MPI_Aint array_of_displacements[],
                            const MPI_Datatype array_of_types[], MPI_Datatype *newtype)
{
    return dt_struct("MPI_Type_create_struct", count, dt_ints32(array_of_blocklengths),
                     dt_ints64(array_of_displacements), array_of_types, newtype, false);
}

KR_WEAK_ALIAS(Type_create_struct_c)
int PMPI_Type_create_struct_c(MPI_Count count, const MPI_Count array_of_blocklengths[],
                              const MPI_Count array_of_displacements[],
                              const MPI_Datatype array_of_types[], MPI_Datatype *newtype)
{
    return dt_struct("MPI_Type_create_struct_c", count, dt_ints64(array_of_blocklengths),
                     dt_ints64(array_of_displacements), array_of_types, newtype, true);
}

/* ---- resized ------------------------------------------------------------------------------ */

static int dt_resized(const char *call, MPI_Datatype oldtype, MPI_Count lb, MPI_Count extent,
                      MPI_Datatype *newtype, bool large)
{
    struct kr_dt *old, *dt = NULL;
    int ret = dt_args(call, 0, oldtype, newtype, &old);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_dt_resized_create(old, (MPI_Aint) lb, (MPI_Aint) extent, large, &dt);
    return dt_done(call, ret, &dt, newtype);
}

KR_WEAK_ALIAS(Type_create_resized)
int PMPI_Type_create_resized(MPI_Datatype oldtype, MPI_Aint lb, MPI_Aint extent,
                             MPI_Datatype *newtype)
{
    return dt_resized("MPI_Type_create_resized", oldtype, lb, extent, newtype, false);
}

KR_WEAK_ALIAS(Type_create_resized_c)
int PMPI_Type_create_resized_c(MPI_Datatype oldtype, MPI_Count lb, MPI_Count extent,
                               MPI_Datatype *newtype)
{
    return dt_resized("MPI_Type_create_resized_c", oldtype, lb, extent, newtype, true);
}

/* ---- commit -------------------------------------------------------------------------------- */

KR_WEAK_ALIAS(Type_commit)
int PMPI_Type_commit(MPI_Datatype *datatype)
{
    struct kr_dt *dt;
    int ret = kr_api_check_ptr("MPI_Type_commit", datatype, "datatype");

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_dt("MPI_Type_commit", NULL, *datatype, false, &dt);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_dt_commit(dt);
    return ret == 0 ? MPI_SUCCESS : dt_fail("MPI_Type_commit", ret);
}

/* Datatype queries: size, extent, true extent (each in the int / MPI_Aint form, the _c form and
 * the deprecated _x form), decoding (envelope and contents), names, MPI_Type_match_size,
 * MPI_Get_elements, and address arithmetic (MPI_Get_address, MPI_Aint_add, MPI_Aint_diff). */
#include "config.h"

#include "api.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

/* The datatype argument of a query: any valid type, committed or not. */
static int info_type(const char *call, MPI_Datatype h, struct kr_dt **dt_out)
{
    return kr_api_check_dt(call, NULL, h, false, dt_out);
}

/* Two output pointers that must not be NULL. */
static int info_outs(const char *call, const void *a, const char *an, const void *b, const char *bn)
{
    int ret = kr_api_check_ptr(call, a, an);

    return ret == MPI_SUCCESS ? kr_api_check_ptr(call, b, bn) : ret;
}

/* ---- size ---------------------------------------------------------------------------------- */

KR_WEAK_ALIAS(Type_size)
int PMPI_Type_size(MPI_Datatype datatype, int *size)
{
    struct kr_dt *dt;
    int ret = info_type("MPI_Type_size", datatype, &dt);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Type_size", size, "size");
    }
    if (ret == MPI_SUCCESS) {
        /* the standard: an OUT argument too small for the value gets MPI_UNDEFINED */
        *size = dt->size > INT_MAX ? MPI_UNDEFINED : (int) dt->size;
    }
    return ret;
}

static int info_size_count(const char *call, MPI_Datatype datatype, MPI_Count *size)
{
    struct kr_dt *dt;
    int ret = info_type(call, datatype, &dt);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr(call, size, "size");
    }
    if (ret == MPI_SUCCESS) {
        *size = (MPI_Count) dt->size;
    }
    return ret;
}

KR_WEAK_ALIAS(Type_size_c)
int PMPI_Type_size_c(MPI_Datatype datatype, MPI_Count *size)
{
    return info_size_count("MPI_Type_size_c", datatype, size);
}

KR_WEAK_ALIAS(Type_size_x)
int PMPI_Type_size_x(MPI_Datatype datatype, MPI_Count *size)
{
    return info_size_count("MPI_Type_size_x", datatype, size);
}

/* ---- extents ------------------------------------------------------------------------------- */

/* lb and extent (or, with `true_`, true_lb and true_extent) of a type. MPI_Aint and MPI_Count
 * are both 64-bit in the standard ABI, so every form returns the exact value. */
static int info_extent(const char *call, MPI_Datatype datatype, bool true_, MPI_Count *lb,
                       MPI_Count *extent)
{
    struct kr_dt *dt;
    int ret = info_type(call, datatype, &dt);

    if (ret == MPI_SUCCESS) {
        ret =
            info_outs(call, lb, true_ ? "true_lb" : "lb", extent, true_ ? "true_extent" : "extent");
    }
    if (ret == MPI_SUCCESS) {
        *lb = true_ ? dt->true_lb : dt->lb;
        *extent = true_ ? dt->true_extent : dt->extent;
    }
    return ret;
}

static int info_extent_aint(const char *call, MPI_Datatype datatype, bool true_, MPI_Aint *lb,
                            MPI_Aint *extent)
{
    MPI_Count l, e;
    int ret =
        info_extent(call, datatype, true_, lb != NULL ? &l : NULL, extent != NULL ? &e : NULL);

    if (ret == MPI_SUCCESS) {
        *lb = (MPI_Aint) l;
        *extent = (MPI_Aint) e;
    }
    return ret;
}

KR_WEAK_ALIAS(Type_get_extent)
int PMPI_Type_get_extent(MPI_Datatype datatype, MPI_Aint *lb, MPI_Aint *extent)
{
    return info_extent_aint("MPI_Type_get_extent", datatype, false, lb, extent);
}

KR_WEAK_ALIAS(Type_get_extent_c)
int PMPI_Type_get_extent_c(MPI_Datatype datatype, MPI_Count *lb, MPI_Count *extent)
{
    return info_extent("MPI_Type_get_extent_c", datatype, false, lb, extent);
}

KR_WEAK_ALIAS(Type_get_extent_x)
int PMPI_Type_get_extent_x(MPI_Datatype datatype, MPI_Count *lb, MPI_Count *extent)
{
    return info_extent("MPI_Type_get_extent_x", datatype, false, lb, extent);
}

KR_WEAK_ALIAS(Type_get_true_extent)
int PMPI_Type_get_true_extent(MPI_Datatype datatype, MPI_Aint *true_lb, MPI_Aint *true_extent)
{
    return info_extent_aint("MPI_Type_get_true_extent", datatype, true, true_lb, true_extent);
}

KR_WEAK_ALIAS(Type_get_true_extent_c)
int PMPI_Type_get_true_extent_c(MPI_Datatype datatype, MPI_Count *true_lb, MPI_Count *true_extent)
{
    return info_extent("MPI_Type_get_true_extent_c", datatype, true, true_lb, true_extent);
}

KR_WEAK_ALIAS(Type_get_true_extent_x)
int PMPI_Type_get_true_extent_x(MPI_Datatype datatype, MPI_Count *true_lb, MPI_Count *true_extent)
{
    return info_extent("MPI_Type_get_true_extent_x", datatype, true, true_lb, true_extent);
}

/* ---- decoding ------------------------------------------------------------------------------ */

static int info_decode_fail(const char *call, int ret)
{
    if (ret == -EOVERFLOW) {
        return kr_api_error(NULL, MPI_ERR_TYPE,
                            "%s: the datatype was built by a large-count "
                            "(_c) constructor; decode it with the _c call",
                            call);
    }
    return kr_api_error(NULL, MPI_ERR_TYPE, "%s: a named predefined datatype has no contents",
                        call);
}

KR_WEAK_ALIAS(Type_get_envelope)
int PMPI_Type_get_envelope(MPI_Datatype datatype, int *num_integers, int *num_addresses,
                           int *num_datatypes, int *combiner)
{
    static const char call[] = "MPI_Type_get_envelope";
    MPI_Count ni, na, nc, nd;
    struct kr_dt *dt;
    int ret = info_type(call, datatype, &dt);

    if (ret == MPI_SUCCESS) {
        ret = info_outs(call, num_integers, "num_integers", num_addresses, "num_addresses");
    }
    if (ret == MPI_SUCCESS) {
        ret = info_outs(call, num_datatypes, "num_datatypes", combiner, "combiner");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_dt_envelope(dt, false, &ni, &na, &nc, &nd, combiner);
    if (ret == 0 && (ni > INT_MAX || na > INT_MAX || nd > INT_MAX)) {
        ret = -EOVERFLOW;
    }
    if (ret != 0) {
        return info_decode_fail(call, ret);
    }
    *num_integers = (int) ni;
    *num_addresses = (int) na;
    *num_datatypes = (int) nd;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Type_get_envelope_c)
int PMPI_Type_get_envelope_c(MPI_Datatype datatype, MPI_Count *num_integers,
                             MPI_Count *num_addresses, MPI_Count *num_large_counts,
                             MPI_Count *num_datatypes, int *combiner)
{
    static const char call[] = "MPI_Type_get_envelope_c";
    struct kr_dt *dt;
    int ret = info_type(call, datatype, &dt);

    if (ret == MPI_SUCCESS) {
        ret = info_outs(call, num_integers, "num_integers", num_addresses, "num_addresses");
    }
    if (ret == MPI_SUCCESS) {
        ret = info_outs(call, num_large_counts, "num_large_counts", num_datatypes, "num_datatypes");
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr(call, combiner, "combiner");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    kr_dt_envelope(dt, true, num_integers, num_addresses, num_large_counts, num_datatypes,
                   combiner);
    return MPI_SUCCESS;
}

/* The arrays get_contents fills must be as long as the envelope says, and present. */
static int info_room(const char *call, MPI_Count max, MPI_Count need, const void *arr,
                     const char *what)
{
    if (max < need) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: max_%s is %lld but the datatype has %lld", call,
                            what, (long long) max, (long long) need);
    }
    if (need > 0 && arr == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: array_of_%s is NULL", call, what);
    }
    return MPI_SUCCESS;
}

static int info_contents(const char *call, MPI_Datatype datatype, bool large,
                         const MPI_Count max[4], int ints[], MPI_Aint aints[], MPI_Count counts[],
                         MPI_Datatype types[])
{
    MPI_Count n[4];
    struct kr_dt *dt;
    int comb, ret = info_type(call, datatype, &dt);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_dt_envelope(dt, large, &n[0], &n[1], &n[2], &n[3], &comb);
    if (ret == 0 && comb == MPI_COMBINER_NAMED) {
        ret = -EINVAL;
    }
    if (ret != 0) {
        return info_decode_fail(call, ret);
    }
    ret = info_room(call, max[0], n[0], ints, "integers");
    if (ret == MPI_SUCCESS) {
        ret = info_room(call, max[1], n[1], aints, "addresses");
    }
    if (ret == MPI_SUCCESS) {
        ret = info_room(call, max[2], n[2], counts, "large_counts");
    }
    if (ret == MPI_SUCCESS) {
        ret = info_room(call, max[3], n[3], types, "datatypes");
    }
    if (ret == MPI_SUCCESS) {
        kr_dt_contents(dt, large, ints, aints, counts, types);
    }
    return ret;
}

KR_WEAK_ALIAS(Type_get_contents)
int PMPI_Type_get_contents(MPI_Datatype datatype, int max_integers, int max_addresses,
                           int max_datatypes, int array_of_integers[],
                           MPI_Aint array_of_addresses[], MPI_Datatype array_of_datatypes[])
{
    const MPI_Count max[4] = {max_integers, max_addresses, 0, max_datatypes};

    return info_contents("MPI_Type_get_contents", datatype, false, max, array_of_integers,
                         array_of_addresses, NULL, array_of_datatypes);
}

KR_WEAK_ALIAS(Type_get_contents_c)
int PMPI_Type_get_contents_c(MPI_Datatype datatype, MPI_Count max_integers, MPI_Count max_addresses,
                             MPI_Count max_large_counts, MPI_Count max_datatypes,
                             int array_of_integers[], MPI_Aint array_of_addresses[],
                             MPI_Count array_of_large_counts[], MPI_Datatype array_of_datatypes[])
{
    const MPI_Count max[4] = {max_integers, max_addresses, max_large_counts, max_datatypes};

    return info_contents("MPI_Type_get_contents_c", datatype, true, max, array_of_integers,
                         array_of_addresses, array_of_large_counts, array_of_datatypes);
}

/* ---- names --------------------------------------------------------------------------------- */

KR_WEAK_ALIAS(Type_set_name)
int PMPI_Type_set_name(MPI_Datatype datatype, const char *type_name)
{
    struct kr_dt *dt;
    int ret = info_type("MPI_Type_set_name", datatype, &dt);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Type_set_name", type_name, "type_name");
    }
    if (ret == MPI_SUCCESS && kr_dt_name_set(dt, type_name) != 0) {
        ret = kr_api_error(NULL, MPI_ERR_NO_MEM, "MPI_Type_set_name: out of memory");
    }
    return ret;
}

KR_WEAK_ALIAS(Type_get_name)
int PMPI_Type_get_name(MPI_Datatype datatype, char *type_name, int *resultlen)
{
    struct kr_dt *dt;
    size_t n;
    int ret = info_type("MPI_Type_get_name", datatype, &dt);

    if (ret == MPI_SUCCESS) {
        ret = info_outs("MPI_Type_get_name", type_name, "type_name", resultlen, "resultlen");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    n = strnlen(kr_dt_name(dt), MPI_MAX_OBJECT_NAME - 1);
    memcpy(type_name, kr_dt_name(dt), n);
    type_name[n] = '\0';
    *resultlen = (int) n;
    return MPI_SUCCESS;
}

/* ---- MPI_Type_match_size ------------------------------------------------------------------- */

KR_WEAK_ALIAS(Type_match_size)
int PMPI_Type_match_size(int typeclass, int size, MPI_Datatype *datatype)
{
    int ret = kr_api_check_ptr("MPI_Type_match_size", datatype, "datatype");
    MPI_Datatype h;

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (typeclass != MPI_TYPECLASS_INTEGER && typeclass != MPI_TYPECLASS_REAL
        && typeclass != MPI_TYPECLASS_COMPLEX) {
        return kr_api_error(NULL, MPI_ERR_ARG,
                            "MPI_Type_match_size: typeclass %d is not "
                            "MPI_TYPECLASS_INTEGER, _REAL or _COMPLEX",
                            typeclass);
    }
    h = kr_dt_match_size(typeclass, size);
    if (h == MPI_DATATYPE_NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Type_match_size: no %s type has %d bytes",
                            typeclass == MPI_TYPECLASS_INTEGER ? "integer"
                            : typeclass == MPI_TYPECLASS_REAL  ? "real"
                                                               : "complex",
                            size);
    }
    *datatype = h;
    return MPI_SUCCESS;
}

/* ---- MPI_Get_elements ---------------------------------------------------------------------- */

/* Basic elements received, from the status's byte count; -1 when they are not a whole number
 * (MPI_UNDEFINED). */
static int info_elements(const char *call, const MPI_Status *status, MPI_Datatype datatype,
                         const void *count, MPI_Count *elems_out)
{
    struct kr_dt *dt;
    uint64_t n;
    int ret = info_outs(call, status, "status", count, "count");

    if (ret == MPI_SUCCESS) {
        ret = info_type(call, datatype, &dt);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (kr_dt_elements(dt, kr_api_status_bytes(status), &n) != 0 || n > (uint64_t) INT64_MAX) {
        *elems_out = -1;
    } else {
        *elems_out = (MPI_Count) n;
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Get_elements)
int PMPI_Get_elements(const MPI_Status *status, MPI_Datatype datatype, int *count)
{
    MPI_Count n;
    int ret = info_elements("MPI_Get_elements", status, datatype, count, &n);

    if (ret == MPI_SUCCESS) {
        *count = n < 0 || n > INT_MAX ? MPI_UNDEFINED : (int) n;
    }
    return ret;
}

KR_WEAK_ALIAS(Get_elements_c)
int PMPI_Get_elements_c(const MPI_Status *status, MPI_Datatype datatype, MPI_Count *count)
{
    MPI_Count n;
    int ret = info_elements("MPI_Get_elements_c", status, datatype, count, &n);

    if (ret == MPI_SUCCESS) {
        *count = n < 0 ? MPI_UNDEFINED : n;
    }
    return ret;
}

KR_WEAK_ALIAS(Get_elements_x)
int PMPI_Get_elements_x(const MPI_Status *status, MPI_Datatype datatype, MPI_Count *count)
{
    MPI_Count n;
    int ret = info_elements("MPI_Get_elements_x", status, datatype, count, &n);

    if (ret == MPI_SUCCESS) {
        *count = n < 0 ? MPI_UNDEFINED : n;
    }
    return ret;
}

/* ---- addresses ----------------------------------------------------------------------------- */

KR_WEAK_ALIAS(Get_address)
int PMPI_Get_address(const void *location, MPI_Aint *address)
{
    int ret = kr_api_check_ptr("MPI_Get_address", address, "address");

    if (ret == MPI_SUCCESS) {
        *address = (MPI_Aint) (uintptr_t) location;
    }
    return ret;
}

/* Address arithmetic wraps like the addresses themselves (unsigned), so no overflow is
 * undefined behaviour. */
KR_WEAK_ALIAS(Aint_add)
MPI_Aint PMPI_Aint_add(MPI_Aint base, MPI_Aint disp)
{
    return (MPI_Aint) ((uintptr_t) base + (uintptr_t) disp);
}

KR_WEAK_ALIAS(Aint_diff)
MPI_Aint PMPI_Aint_diff(MPI_Aint addr1, MPI_Aint addr2)
{
    return (MPI_Aint) ((uintptr_t) addr1 - (uintptr_t) addr2);
}

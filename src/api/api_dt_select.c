/* Calls that pick one of the predefined datatypes: MPI_Type_create_f90_integer / real /
 * complex (the sized Fortran type a SELECTED_*_KIND(p, r) would give) and MPI 4.1's
 * MPI_Type_get_value_index (the MINLOC/MAXLOC pair type of a value and an index type). What
 * they return is predefined: MPI_Type_free refuses it, as the standard says. */
#include "config.h"

#include "api.h"

#include <stddef.h>

/* The sized kinds a Fortran compiler offers, smallest first, with the decimal precision and
 * exponent range of Fortran's PRECISION() and RANGE(). REAL2 (IEEE half) is left out: Fortran
 * compilers' SELECTED_REAL_KIND never gives a half-precision kind. */
struct dt_select_kind {
    int precision, range;
    MPI_Datatype real, cplx;
};

static const struct dt_select_kind dt_select_reals[] = {
    { 6, 37, MPI_REAL4, MPI_COMPLEX8 },
    { 15, 307, MPI_REAL8, MPI_COMPLEX16 },
    { 33, 4931, MPI_REAL16, MPI_COMPLEX32 },
};

static const struct {
    int range;
    MPI_Datatype type;
} dt_select_ints[] = {
    { 2, MPI_INTEGER1 }, { 4, MPI_INTEGER2 }, { 9, MPI_INTEGER4 }, { 18, MPI_INTEGER8 },
    { 38, MPI_INTEGER16 },
};

static int dt_select_out(const char *call, MPI_Datatype *newtype)
{
    return kr_api_check_ptr(call, newtype, "newtype");
}

KR_WEAK_ALIAS(Type_create_f90_integer)
int PMPI_Type_create_f90_integer(int r, MPI_Datatype *newtype)
{
    int ret;

    kr_api_check_running("MPI_Type_create_f90_integer");
    ret = dt_select_out("MPI_Type_create_f90_integer", newtype);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    for (size_t i = 0; i < sizeof(dt_select_ints) / sizeof(dt_select_ints[0]); i++) {
        if (r <= dt_select_ints[i].range) {
            *newtype = dt_select_ints[i].type;
            return MPI_SUCCESS;
        }
    }
    return kr_api_error(NULL, MPI_ERR_ARG,
                        "MPI_Type_create_f90_integer: no integer type has a decimal range of "
                        "%d digits (the largest, MPI_INTEGER16, has 38)", r);
}

/* The smallest real kind with at least precision `p` and range `r` (MPI_UNDEFINED: any). */
static int dt_select_real(const char *call, int p, int r, bool cplx, MPI_Datatype *newtype)
{
    int ret;

    kr_api_check_running(call);
    ret = dt_select_out(call, newtype);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (p == MPI_UNDEFINED && r == MPI_UNDEFINED) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: p and r are both MPI_UNDEFINED; give at "
                            "least one", call);
    }
    for (size_t i = 0; i < sizeof(dt_select_reals) / sizeof(dt_select_reals[0]); i++) {
        const struct dt_select_kind *k = &dt_select_reals[i];

        if ((p == MPI_UNDEFINED || p <= k->precision) && (r == MPI_UNDEFINED || r <= k->range)) {
            *newtype = cplx ? k->cplx : k->real;
            return MPI_SUCCESS;
        }
    }
    return kr_api_error(NULL, MPI_ERR_ARG, "%s: no %s type has precision %d and range %d (the "
                        "largest has 33 digits and range 4931)", call,
                        cplx ? "complex" : "real", p, r);
}

KR_WEAK_ALIAS(Type_create_f90_real)
int PMPI_Type_create_f90_real(int p, int r, MPI_Datatype *newtype)
{
    return dt_select_real("MPI_Type_create_f90_real", p, r, false, newtype);
}

KR_WEAK_ALIAS(Type_create_f90_complex)
int PMPI_Type_create_f90_complex(int p, int r, MPI_Datatype *newtype)
{
    return dt_select_real("MPI_Type_create_f90_complex", p, r, true, newtype);
}

/* The predefined pair types of MINLOC and MAXLOC (MPI-5.0 6.9.4). */
static const struct {
    MPI_Datatype value, index, pair;
} dt_select_pairs[] = {
    { MPI_FLOAT, MPI_INT, MPI_FLOAT_INT },
    { MPI_DOUBLE, MPI_INT, MPI_DOUBLE_INT },
    { MPI_LONG, MPI_INT, MPI_LONG_INT },
    { MPI_INT, MPI_INT, MPI_2INT },
    { MPI_SHORT, MPI_INT, MPI_SHORT_INT },
    { MPI_LONG_DOUBLE, MPI_INT, MPI_LONG_DOUBLE_INT },
    { MPI_REAL, MPI_REAL, MPI_2REAL },
    { MPI_DOUBLE_PRECISION, MPI_DOUBLE_PRECISION, MPI_2DOUBLE_PRECISION },
    { MPI_INTEGER, MPI_INTEGER, MPI_2INTEGER },
};

KR_WEAK_ALIAS(Type_get_value_index)
int PMPI_Type_get_value_index(MPI_Datatype value_type, MPI_Datatype index_type,
                              MPI_Datatype *pair_type)
{
    const char *call = "MPI_Type_get_value_index";
    struct kr_dt *dt;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_dt(call, NULL, value_type, false, &dt);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_dt(call, NULL, index_type, false, &dt);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr(call, pair_type, "pair_type");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    *pair_type = MPI_DATATYPE_NULL; /* no predefined pair: not an error */
    for (size_t i = 0; i < sizeof(dt_select_pairs) / sizeof(dt_select_pairs[0]); i++) {
        if (dt_select_pairs[i].value == value_type && dt_select_pairs[i].index == index_type) {
            *pair_type = dt_select_pairs[i].pair;
            break;
        }
    }
    return MPI_SUCCESS;
}

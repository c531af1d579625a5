/* Reduction kernels for floating-point, complex and value-index pair representations. */
#include "config.h"

#include "dt_int.h"

#include <stddef.h>

/* ---- real ---------------------------------------------------------------------------------- */

/* MIN and MAX are the plain comparisons (KR_OP_X_MIN/MAX), which compile to minps/maxps.
 * With NaNs that is not symmetric: a NaN already in inout stays, a NaN arriving in `in` is
 * dropped. fmin() would ignore NaNs on both sides but does not vectorise; the standard leaves
 * NaN handling unspecified. */
#define X_SUM(T, W, x, y) ((x) + (y))
#define X_PROD(T, W, x, y) ((x) * (y))

#define REAL_KERNELS(sfx, T)                                                                       \
    KR_OP_KERNEL(op_sum_##sfx, T, T, X_SUM)                                                        \
    KR_OP_KERNEL(op_prod_##sfx, T, T, X_PROD)                                                      \
    KR_OP_KERNEL(op_min_##sfx, T, T, KR_OP_X_MIN)                                                  \
    KR_OP_KERNEL(op_max_##sfx, T, T, KR_OP_X_MAX)

REAL_KERNELS(f32, float)
REAL_KERNELS(f64, double)
REAL_KERNELS(fld, long double)
#if KR_DT_HAVE_FLOAT16
REAL_KERNELS(f16, _Float16)
#endif
#if KR_DT_HAVE_FLOAT128
REAL_KERNELS(f128, _Float128)
#endif

/* ---- complex ------------------------------------------------------------------------------- */

/* Complex numbers as {re, im} pairs, the layout C99 _Complex and Fortran COMPLEX share.
 * The product is the textbook (ac - bd) + (ad + bc)i: C's `*` on _Complex would call
 * __mulsc3 per element to recover infinities from NaN results (C Annex G), which costs an
 * order of magnitude and which no MPI implementation's reduction promises. */
#define COMPLEX_KERNELS(sfx, T)                                                                    \
    struct op_cplx_##sfx {                                                                         \
        T re;                                                                                      \
        T im;                                                                                      \
    };                                                                                             \
                                                                                                   \
    static void op_sum_##sfx(const void *restrict in_, void *restrict inout_, size_t n)            \
    {                                                                                              \
        const struct op_cplx_##sfx *restrict a = in_;                                              \
        struct op_cplx_##sfx *restrict b = inout_;                                                 \
                                                                                                   \
        for (size_t j = 0; j < n; j++) {                                                           \
            b[j].re = a[j].re + b[j].re;                                                           \
            b[j].im = a[j].im + b[j].im;                                                           \
        }                                                                                          \
    }                                                                                              \
                                                                                                   \
    static void op_prod_##sfx(const void *restrict in_, void *restrict inout_, size_t n)           \
    {                                                                                              \
        const struct op_cplx_##sfx *restrict a = in_;                                              \
        struct op_cplx_##sfx *restrict b = inout_;                                                 \
                                                                                                   \
        for (size_t j = 0; j < n; j++) {                                                           \
            T re = a[j].re * b[j].re - a[j].im * b[j].im;                                          \
            T im = a[j].re * b[j].im + a[j].im * b[j].re;                                          \
            b[j].re = re;                                                                          \
            b[j].im = im;                                                                          \
        }                                                                                          \
    }

COMPLEX_KERNELS(c32, float)
COMPLEX_KERNELS(c64, double)
COMPLEX_KERNELS(cld, long double)
#if KR_DT_HAVE_FLOAT16
COMPLEX_KERNELS(c16, _Float16)
#endif
#if KR_DT_HAVE_FLOAT128
COMPLEX_KERNELS(c128, _Float128)
#endif

/* ---- value-index pairs --------------------------------------------------------------------- */

/* MINLOC/MAXLOC: the better value wins with its index; on a tie the smaller index wins, so
 * the result does not depend on the order in which ranks are combined. Fields are assigned
 * one by one so that padding after the index, which the caller's buffer may not have for
 * its last element, is never written. */
#define LOC_KERNEL(name, S, BETTER)                                                                \
    static void name(const void *restrict in_, void *restrict inout_, size_t n)                    \
    {                                                                                              \
        const struct S *restrict a = in_;                                                          \
        struct S *restrict b = inout_;                                                             \
                                                                                                   \
        for (size_t j = 0; j < n; j++) {                                                           \
            if (a[j].v BETTER b[j].v) {                                                            \
                b[j].v = a[j].v;                                                                   \
                b[j].i = a[j].i;                                                                   \
            } else if (a[j].v == b[j].v && a[j].i < b[j].i) {                                      \
                b[j].i = a[j].i;                                                                   \
            }                                                                                      \
        }                                                                                          \
    }

#define LOC_KERNELS(sfx, S)                                                                        \
    LOC_KERNEL(op_minloc_##sfx, S, <)                                                              \
    LOC_KERNEL(op_maxloc_##sfx, S, >)

LOC_KERNELS(float_int, kr_dt_float_int)
LOC_KERNELS(double_int, kr_dt_double_int)
LOC_KERNELS(long_int, kr_dt_long_int)
LOC_KERNELS(2int, kr_dt_2int)
LOC_KERNELS(short_int, kr_dt_short_int)
LOC_KERNELS(ldouble_int, kr_dt_ldouble_int)
LOC_KERNELS(2float, kr_dt_2float)
LOC_KERNELS(2double, kr_dt_2double)

/* ---- table --------------------------------------------------------------------------------- */

#define REAL_ENTRIES(K, sfx)                                                                       \
    [KR_OP_SUM][K] = op_sum_##sfx, [KR_OP_PROD][K] = op_prod_##sfx, [KR_OP_MIN][K] = op_min_##sfx, \
    [KR_OP_MAX][K] = op_max_##sfx

#define COMPLEX_ENTRIES(K, sfx) [KR_OP_SUM][K] = op_sum_##sfx, [KR_OP_PROD][K] = op_prod_##sfx

#define LOC_ENTRIES(K, sfx) [KR_OP_MINLOC][K] = op_minloc_##sfx, [KR_OP_MAXLOC][K] = op_maxloc_##sfx

kr_op_kernel_fn *const kr_op_fp_kernels[KR_OP_REPLACE][KR_DT_K_COUNT] = {
    REAL_ENTRIES(KR_DT_K_F32, f32),
    REAL_ENTRIES(KR_DT_K_F64, f64),
    REAL_ENTRIES(KR_DT_K_FLD, fld),
#if KR_DT_HAVE_FLOAT16
    REAL_ENTRIES(KR_DT_K_F16, f16),
    COMPLEX_ENTRIES(KR_DT_K_C16, c16),
#endif
#if KR_DT_HAVE_FLOAT128
    REAL_ENTRIES(KR_DT_K_F128, f128),
    COMPLEX_ENTRIES(KR_DT_K_C128, c128),
#endif
    COMPLEX_ENTRIES(KR_DT_K_C32, c32),
    COMPLEX_ENTRIES(KR_DT_K_C64, c64),
    COMPLEX_ENTRIES(KR_DT_K_CLD, cld),
    LOC_ENTRIES(KR_DT_K_FLOAT_INT, float_int),
    LOC_ENTRIES(KR_DT_K_DOUBLE_INT, double_int),
    LOC_ENTRIES(KR_DT_K_LONG_INT, long_int),
    LOC_ENTRIES(KR_DT_K_2INT, 2int),
    LOC_ENTRIES(KR_DT_K_SHORT_INT, short_int),
    LOC_ENTRIES(KR_DT_K_LDOUBLE_INT, ldouble_int),
    LOC_ENTRIES(KR_DT_K_2FLOAT, 2float),
    LOC_ENTRIES(KR_DT_K_2DOUBLE, 2double),
};

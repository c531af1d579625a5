/* The reduction kernels: one tight loop per (predefined op, element representation), for
 * integer, floating-point, complex and value-index pair representations, and the table
 * op.c dispatches through. */
#include "config.h"

#include "dt_int.h"

#include <stddef.h>
#include <stdint.h>

/* Defines `static void name(in, inout, n)` computing inout[j] = EXPR(T, W, in[j], inout[j]);
 * W is a wider or unsigned type that some expressions compute in.
 *
 * Why two loops: at -O2, GCC 12+ vectorises only loops whose trip count it knows to be a
 * multiple of the vector width (the "very cheap" cost model), so a plain `j < n` loop stays
 * scalar. The inner loop here always runs OP_BLOCK(T) iterations (128 bytes: whole vectors
 * for SSE, AVX and AVX-512), which qualifies; the tail of less than one block is scalar. The
 * inner index starts at 0, not at i: with `j = i; j < i + BLOCK` GCC must allow for i + BLOCK
 * wrapping and loses the constant trip count. At -O3 a plain loop would vectorise too, and
 * the blocking costs nothing there. */
#define OP_BLOCK_BYTES 128u
#define OP_BLOCK(T) (sizeof(T) >= OP_BLOCK_BYTES ? (size_t) 1 : OP_BLOCK_BYTES / sizeof(T))

#define OP_KERNEL(name, T, W, EXPR)                                                                \
    static void name(const void *restrict in_, void *restrict inout_, size_t n)                    \
    {                                                                                              \
        const T *restrict a = in_;                                                                 \
        T *restrict b = inout_;                                                                    \
        size_t i = 0;                                                                              \
                                                                                                   \
        for (; n - i >= OP_BLOCK(T); i += OP_BLOCK(T)) {                                           \
            for (size_t j = 0; j < OP_BLOCK(T); j++) {                                             \
                b[i + j] = EXPR(T, W, a[i + j], b[i + j]);                                         \
            }                                                                                      \
        }                                                                                          \
        for (; i < n; i++) {                                                                       \
            b[i] = EXPR(T, W, a[i], b[i]);                                                         \
        }                                                                                          \
    }

/* Element expressions shared by the integer and floating-point kernels. */
#define X_MIN(T, W, x, y) ((x) < (y) ? (x) : (y))
#define X_MAX(T, W, x, y) ((x) > (y) ? (x) : (y))

/* ---- integers ---------------------------------------------------------------------------- */

/* Sums and products wrap modulo 2^width, as every MPI does in practice. Signed overflow is
 * undefined in C (and trapped by -fsanitize=undefined), so both are computed in an unsigned
 * type W at least as wide as int; the conversion back to T is implementation-defined and
 * modular on GCC and Clang. W is unsigned int for 8- and 16-bit types because those promote
 * to (signed) int, where 65535 * 65535 would overflow. */
#define X_ISUM(T, W, x, y) ((T) ((W) (x) + (W) (y)))
#define X_IPROD(T, W, x, y) ((T) ((W) (x) * (W) (y)))

/* Logical ops: any non-zero value is true; the result is 1 or 0 (gfortran's .TRUE. is 1).
 * `&` and `|` on the 0/1 comparisons rather than `&&` and `||`, so there is no branch to
 * if-convert before the loop can vectorise. */
#define X_LAND(T, W, x, y) ((T) (((x) != 0) & ((y) != 0)))
#define X_LOR(T, W, x, y) ((T) (((x) != 0) | ((y) != 0)))
#define X_LXOR(T, W, x, y) ((T) (((x) != 0) ^ ((y) != 0)))

#define X_BAND(T, W, x, y) ((T) ((x) & (y)))
#define X_BOR(T, W, x, y) ((T) ((x) | (y)))
#define X_BXOR(T, W, x, y) ((T) ((x) ^ (y)))

/* All ten integer kernels for one representation. */
#define INT_KERNELS(sfx, T, W)                                                                     \
    OP_KERNEL(op_sum_##sfx, T, W, X_ISUM)                                                          \
    OP_KERNEL(op_prod_##sfx, T, W, X_IPROD)                                                        \
    OP_KERNEL(op_min_##sfx, T, W, X_MIN)                                                           \
    OP_KERNEL(op_max_##sfx, T, W, X_MAX)                                                           \
    OP_KERNEL(op_land_##sfx, T, W, X_LAND)                                                         \
    OP_KERNEL(op_lor_##sfx, T, W, X_LOR)                                                           \
    OP_KERNEL(op_lxor_##sfx, T, W, X_LXOR)                                                         \
    OP_KERNEL(op_band_##sfx, T, W, X_BAND)                                                         \
    OP_KERNEL(op_bor_##sfx, T, W, X_BOR)                                                           \
    OP_KERNEL(op_bxor_##sfx, T, W, X_BXOR)

INT_KERNELS(i8, int8_t, unsigned int)
INT_KERNELS(i16, int16_t, unsigned int)
INT_KERNELS(i32, int32_t, uint32_t)
INT_KERNELS(i64, int64_t, uint64_t)
INT_KERNELS(u8, uint8_t, unsigned int)
INT_KERNELS(u16, uint16_t, unsigned int)
INT_KERNELS(u32, uint32_t, uint32_t)
INT_KERNELS(u64, uint64_t, uint64_t)

#if KR_DT_HAVE_INT128
/* __extension__ keeps -pedantic builds quiet about the non-ISO type. */
__extension__ typedef __int128 op_i128;
__extension__ typedef unsigned __int128 op_u128;

INT_KERNELS(i128, op_i128, op_u128)
INT_KERNELS(u128, op_u128, op_u128)
#endif

/* ---- real ---------------------------------------------------------------------------------- */

/* MIN and MAX are the plain comparisons (X_MIN/MAX), which compile to minps/maxps.
 * With NaNs that is not symmetric: a NaN already in inout stays, a NaN arriving in `in` is
 * dropped. fmin() would ignore NaNs on both sides but does not vectorise; the standard leaves
 * NaN handling unspecified. */
#define X_FSUM(T, W, x, y) ((x) + (y))
#define X_FPROD(T, W, x, y) ((x) * (y))

#define REAL_KERNELS(sfx, T)                                                                       \
    OP_KERNEL(op_sum_##sfx, T, T, X_FSUM)                                                          \
    OP_KERNEL(op_prod_##sfx, T, T, X_FPROD)                                                        \
    OP_KERNEL(op_min_##sfx, T, T, X_MIN)                                                           \
    OP_KERNEL(op_max_##sfx, T, T, X_MAX)

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

/* The table row entries for one kind. */
#define INT_ENTRIES(K, sfx)                                                                        \
    [KR_OP_SUM][K] = op_sum_##sfx, [KR_OP_PROD][K] = op_prod_##sfx, [KR_OP_MIN][K] = op_min_##sfx, \
    [KR_OP_MAX][K] = op_max_##sfx, [KR_OP_LAND][K] = op_land_##sfx, [KR_OP_LOR][K] = op_lor_##sfx, \
    [KR_OP_LXOR][K] = op_lxor_##sfx, [KR_OP_BAND][K] = op_band_##sfx,                              \
    [KR_OP_BOR][K] = op_bor_##sfx, [KR_OP_BXOR][K] = op_bxor_##sfx

#define REAL_ENTRIES(K, sfx)                                                                       \
    [KR_OP_SUM][K] = op_sum_##sfx, [KR_OP_PROD][K] = op_prod_##sfx, [KR_OP_MIN][K] = op_min_##sfx, \
    [KR_OP_MAX][K] = op_max_##sfx

#define COMPLEX_ENTRIES(K, sfx) [KR_OP_SUM][K] = op_sum_##sfx, [KR_OP_PROD][K] = op_prod_##sfx

#define LOC_ENTRIES(K, sfx) [KR_OP_MINLOC][K] = op_minloc_##sfx, [KR_OP_MAXLOC][K] = op_maxloc_##sfx

kr_op_kernel_fn *const kr_op_kernels[KR_OP_REPLACE][KR_DT_K_COUNT] = {
    INT_ENTRIES(KR_DT_K_I8, i8),
    INT_ENTRIES(KR_DT_K_I16, i16),
    INT_ENTRIES(KR_DT_K_I32, i32),
    INT_ENTRIES(KR_DT_K_I64, i64),
    INT_ENTRIES(KR_DT_K_U8, u8),
    INT_ENTRIES(KR_DT_K_U16, u16),
    INT_ENTRIES(KR_DT_K_U32, u32),
    INT_ENTRIES(KR_DT_K_U64, u64),
#if KR_DT_HAVE_INT128
    INT_ENTRIES(KR_DT_K_I128, i128),
    INT_ENTRIES(KR_DT_K_U128, u128),
#endif
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

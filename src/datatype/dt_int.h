/* Private to src/datatype: the reduction kernel tables that op.c dispatches through and the
 * op_kernels*.c files fill, and which optional C types this compiler offers. */
#ifndef KR_DATATYPE_DT_INT_H
#define KR_DATATYPE_DT_INT_H

#include <stddef.h>

#include "dt.h"

/* Optional element types. Fortran's 2- and 16-byte kinds have no portable C counterpart, so
 * their kernels exist only where the compiler provides one; without it the types still have
 * a size and can be moved, but kr_op_valid_for says no to arithmetic on them. */
#if defined(__SIZEOF_INT128__)
#define KR_DT_HAVE_INT128 1
#else
#define KR_DT_HAVE_INT128 0
#endif
#if defined(__FLT16_MAX__)
#define KR_DT_HAVE_FLOAT16 1
#else
#define KR_DT_HAVE_FLOAT16 0
#endif
#if defined(__FLT128_MAX__)
#define KR_DT_HAVE_FLOAT128 1
#else
#define KR_DT_HAVE_FLOAT128 0
#endif

/* Memory layout of the MINLOC/MAXLOC pair types: the C struct the standard describes, so
 * the size, extent and padding are whatever this compiler gives that struct. */
struct kr_dt_float_int {
    float v;
    int i;
};
struct kr_dt_double_int {
    double v;
    int i;
};
struct kr_dt_long_int {
    long v;
    int i;
};
struct kr_dt_2int {
    int v;
    int i;
};
struct kr_dt_short_int {
    short v;
    int i;
};
struct kr_dt_ldouble_int {
    long double v;
    int i;
};
struct kr_dt_2float {
    float v;
    float i;
};
struct kr_dt_2double {
    double v;
    double i;
};

/* inout[i] = in[i] op inout[i] for `count` elements stored contiguously at their C type's
 * natural stride. The pointers are restrict: callers guarantee no overlap. */
typedef void kr_op_kernel_fn(const void *restrict in, void *restrict inout, size_t count);

/* Defines `static void name(in, inout, n)` computing inout[j] = EXPR(T, W, in[j], inout[j]).
 *
 * Why two loops: at -O2, GCC 12+ vectorises only loops whose trip count it knows to be a
 * multiple of the vector width (the "very cheap" cost model), so a plain `j < n` loop stays
 * scalar. The inner loop here always runs KR_OP_BLOCK(T) iterations (128 bytes: whole
 * vectors for SSE, AVX and AVX-512), which qualifies; the tail of fewer than one block is
 * scalar. The inner index starts at 0, not at i: with `j = i; j < i + BLOCK` GCC must allow
 * for i + BLOCK wrapping and loses the constant trip count. At -O3 the plain loop would vectorise
 * too, and this costs nothing there. W is the wider or unsigned type some expressions compute in.
 */
#define KR_OP_BLOCK_BYTES 128u
#define KR_OP_BLOCK(T) (sizeof(T) >= KR_OP_BLOCK_BYTES ? (size_t) 1 : KR_OP_BLOCK_BYTES / sizeof(T))

#define KR_OP_KERNEL(name, T, W, EXPR)                                                             \
    static void name(const void *restrict in_, void *restrict inout_, size_t n)                    \
    {                                                                                              \
        const T *restrict a = in_;                                                                 \
        T *restrict b = inout_;                                                                    \
        size_t i = 0;                                                                              \
                                                                                                   \
        for (; n - i >= KR_OP_BLOCK(T); i += KR_OP_BLOCK(T)) {                                     \
            for (size_t j = 0; j < KR_OP_BLOCK(T); j++) {                                          \
                b[i + j] = EXPR(T, W, a[i + j], b[i + j]);                                         \
            }                                                                                      \
        }                                                                                          \
        for (; i < n; i++) {                                                                       \
            b[i] = EXPR(T, W, a[i], b[i]);                                                         \
        }                                                                                          \
    }

/* Element expressions shared by the integer and floating-point kernels. */
#define KR_OP_X_MIN(T, W, x, y) ((x) < (y) ? (x) : (y))
#define KR_OP_X_MAX(T, W, x, y) ((x) > (y) ? (x) : (y))

/* Kernels for integer kinds (I8..U128): SUM, PROD, MIN, MAX, the logical and the bitwise ops.
 * An entry is NULL where no kernel exists. Indexed [enum kr_op_code][enum kr_dt_kind]; only
 * rows below KR_OP_MINLOC are used. */
extern kr_op_kernel_fn *const kr_op_int_kernels[KR_OP_MINLOC][KR_DT_K_COUNT];

/* Kernels for floating-point, complex and pair kinds: SUM, PROD, MIN, MAX on real kinds,
 * SUM and PROD on complex kinds, MINLOC and MAXLOC on pair kinds. */
extern kr_op_kernel_fn *const kr_op_fp_kernels[KR_OP_REPLACE][KR_DT_K_COUNT];

#endif /* KR_DATATYPE_DT_INT_H */

/* Private to src/datatype: the reduction kernel table that op.c dispatches through and
 * op_kernels.c fills, the pair-type layouts, and which optional C types this compiler offers. */
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

/* The reduction kernels, indexed [enum kr_op_code][enum kr_dt_kind]: integer kinds have
 * SUM, PROD, MIN, MAX, the logical and the bitwise ops; real kinds SUM, PROD, MIN and MAX;
 * complex kinds SUM and PROD; pair kinds MINLOC and MAXLOC. An entry is NULL where no kernel
 * exists. MPI_REPLACE and MPI_NO_OP need none, so the table stops before them. */
extern kr_op_kernel_fn *const kr_op_kernels[KR_OP_REPLACE][KR_DT_K_COUNT];

#endif /* KR_DATATYPE_DT_INT_H */

/* Reduction kernels for integer representations (C and Fortran integers, MPI_BYTE, the
 * language-neutral MPI_AINT/COUNT/OFFSET and, through their unsigned kinds, the logicals). */
#include "config.h"

#include "dt_int.h"

#include <stddef.h>
#include <stdint.h>

/* Sums and products wrap modulo 2^width, as every MPI does in practice. Signed overflow is
 * undefined in C (and trapped by -fsanitize=undefined), so both are computed in an unsigned
 * type W at least as wide as int; the conversion back to T is implementation-defined and
 * modular on GCC and Clang. W is unsigned int for 8- and 16-bit types because those promote
 * to (signed) int, where 65535 * 65535 would overflow. */
#define X_SUM(T, W, x, y) ((T) ((W) (x) + (W) (y)))
#define X_PROD(T, W, x, y) ((T) ((W) (x) * (W) (y)))

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
    KR_OP_KERNEL(op_sum_##sfx, T, W, X_SUM)                                                        \
    KR_OP_KERNEL(op_prod_##sfx, T, W, X_PROD)                                                      \
    KR_OP_KERNEL(op_min_##sfx, T, W, KR_OP_X_MIN)                                                  \
    KR_OP_KERNEL(op_max_##sfx, T, W, KR_OP_X_MAX)                                                  \
    KR_OP_KERNEL(op_land_##sfx, T, W, X_LAND)                                                      \
    KR_OP_KERNEL(op_lor_##sfx, T, W, X_LOR)                                                        \
    KR_OP_KERNEL(op_lxor_##sfx, T, W, X_LXOR)                                                      \
    KR_OP_KERNEL(op_band_##sfx, T, W, X_BAND)                                                      \
    KR_OP_KERNEL(op_bor_##sfx, T, W, X_BOR)                                                        \
    KR_OP_KERNEL(op_bxor_##sfx, T, W, X_BXOR)

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

/* The table row entries for one kind. */
#define INT_ENTRIES(K, sfx)                                                                        \
    [KR_OP_SUM][K] = op_sum_##sfx, [KR_OP_PROD][K] = op_prod_##sfx, [KR_OP_MIN][K] = op_min_##sfx, \
    [KR_OP_MAX][K] = op_max_##sfx, [KR_OP_LAND][K] = op_land_##sfx, [KR_OP_LOR][K] = op_lor_##sfx, \
    [KR_OP_LXOR][K] = op_lxor_##sfx, [KR_OP_BAND][K] = op_band_##sfx,                              \
    [KR_OP_BOR][K] = op_bor_##sfx, [KR_OP_BXOR][K] = op_bxor_##sfx

kr_op_kernel_fn *const kr_op_int_kernels[KR_OP_MINLOC][KR_DT_K_COUNT] = {
    INT_ENTRIES(KR_DT_K_I8, i8),     INT_ENTRIES(KR_DT_K_I16, i16),   INT_ENTRIES(KR_DT_K_I32, i32),
    INT_ENTRIES(KR_DT_K_I64, i64),   INT_ENTRIES(KR_DT_K_U8, u8),     INT_ENTRIES(KR_DT_K_U16, u16),
    INT_ENTRIES(KR_DT_K_U32, u32),   INT_ENTRIES(KR_DT_K_U64, u64),
#if KR_DT_HAVE_INT128
    INT_ENTRIES(KR_DT_K_I128, i128), INT_ENTRIES(KR_DT_K_U128, u128),
#endif
};

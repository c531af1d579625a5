/* Reduction ops: every (op, predefined type) pair the MPI standard allows is checked against a
 * naive scalar reference at many counts (vector tails included, and guard elements past the
 * end must stay untouched); every pair it does not allow must give -EINVAL and leave the
 * buffer alone. The validity rules below are the standard's table, written independently of
 * op.c. */
#include "config.h"

#include "datatype/dt.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Same feature tests as the library: the optional Fortran kinds are checked where the
 * compiler has a C type for them, and must be refused where it does not. */
#if defined(__SIZEOF_INT128__)
#define T_INT128 1
__extension__ typedef __int128 t_i128;
__extension__ typedef unsigned __int128 t_u128;
#else
#define T_INT128 0
#endif
#if defined(__FLT16_MAX__)
#define T_FLOAT16 1
#else
#define T_FLOAT16 0
#endif
#if defined(__FLT128_MAX__)
#define T_FLOAT128 1
#else
#define T_FLOAT128 0
#endif

#define GUARD 5 /* elements past `count` that must not change */

static const size_t counts[] = {
    0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 1000, 1031,
};
#define NCOUNTS (sizeof(counts) / sizeof(counts[0]))

/* ---- the standard's rules ------------------------------------------------------------------ */

enum tgrp { G_NONE, G_CINT, G_FINT, G_FLOAT, G_LOGICAL, G_COMPLEX, G_BYTE, G_MULTI, G_PAIR };

struct top {
    MPI_Op h;
    const char *name;
};

static const struct top ops[] = {
    {MPI_SUM, "MPI_SUM"},         {MPI_PROD, "MPI_PROD"},     {MPI_MIN, "MPI_MIN"},
    {MPI_MAX, "MPI_MAX"},         {MPI_LAND, "MPI_LAND"},     {MPI_LOR, "MPI_LOR"},
    {MPI_LXOR, "MPI_LXOR"},       {MPI_BAND, "MPI_BAND"},     {MPI_BOR, "MPI_BOR"},
    {MPI_BXOR, "MPI_BXOR"},       {MPI_MINLOC, "MPI_MINLOC"}, {MPI_MAXLOC, "MPI_MAXLOC"},
    {MPI_REPLACE, "MPI_REPLACE"}, {MPI_NO_OP, "MPI_NO_OP"},
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

static bool std_allows(MPI_Op o, enum tgrp g)
{
    if (o == MPI_REPLACE || o == MPI_NO_OP) {
        return true;
    }
    if (o == MPI_MIN || o == MPI_MAX) {
        return g == G_CINT || g == G_FINT || g == G_FLOAT || g == G_MULTI;
    }
    if (o == MPI_SUM || o == MPI_PROD) {
        return g == G_CINT || g == G_FINT || g == G_FLOAT || g == G_COMPLEX || g == G_MULTI;
    }
    if (o == MPI_LAND || o == MPI_LOR || o == MPI_LXOR) {
        return g == G_CINT || g == G_LOGICAL;
    }
    if (o == MPI_BAND || o == MPI_BOR || o == MPI_BXOR) {
        return g == G_CINT || g == G_FINT || g == G_BYTE || g == G_MULTI;
    }
    return g == G_PAIR; /* MINLOC, MAXLOC */
}

/* ---- random inputs ------------------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
    /* xorshift64: deterministic, so a failure reproduces */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);

    assert_non_null(p);
    return p;
}

struct trow;
typedef void check_fn(const struct trow *t, const struct top *op, size_t n);

struct trow {
    MPI_Datatype h;
    const char *name;
    enum tgrp grp;
    bool avail;      /* false: the C type is missing, arithmetic must be refused */
    bool bool01;     /* values must be 0 or 1 (C/C++ bool) */
    check_fn *check; /* NULL: no arithmetic op applies */
};

static void apply_ok(const struct trow *t, const struct top *op, const void *a, void *b, size_t n)
{
    int ret = kr_op_apply(kr_op_from_handle(op->h), kr_dt_from_handle(t->h), a, b, n);

    if (ret != 0) {
        fail_msg("%s on %s count %zu returned %d", op->name, t->name, n, ret);
    }
}

static void report(const struct trow *t, const struct top *op, size_t n, size_t i)
{
    fail_msg("%s on %s count %zu: element %zu wrong%s", op->name, t->name, n, i,
             i >= n ? " (past the end)" : "");
}

/* ---- integer representations --------------------------------------------------------------- */

/* The reference computes sums and products modulo 2^width through a wide unsigned type,
 * which is the result MPI programs get from every implementation. */
#define DEF_INT(sfx, T, UT)                                                                        \
    static T ref_##sfx(MPI_Op o, T x, T y)                                                         \
    {                                                                                              \
        if (o == MPI_SUM) {                                                                        \
            return (T) ((UT) x + (UT) y);                                                          \
        }                                                                                          \
        if (o == MPI_PROD) {                                                                       \
            return (T) ((UT) x * (UT) y);                                                          \
        }                                                                                          \
        if (o == MPI_MIN) {                                                                        \
            return y < x ? y : x;                                                                  \
        }                                                                                          \
        if (o == MPI_MAX) {                                                                        \
            return y > x ? y : x;                                                                  \
        }                                                                                          \
        if (o == MPI_LAND) {                                                                       \
            return (T) (x && y);                                                                   \
        }                                                                                          \
        if (o == MPI_LOR) {                                                                        \
            return (T) (x || y);                                                                   \
        }                                                                                          \
        if (o == MPI_LXOR) {                                                                       \
            return (T) (!x != !y);                                                                 \
        }                                                                                          \
        if (o == MPI_BAND) {                                                                       \
            return (T) (x & y);                                                                    \
        }                                                                                          \
        if (o == MPI_BOR) {                                                                        \
            return (T) (x | y);                                                                    \
        }                                                                                          \
        assert_true(o == MPI_BXOR);                                                                \
        return (T) (x ^ y);                                                                        \
    }                                                                                              \
                                                                                                   \
    static void fill_##sfx(T *v, size_t n, bool bool01)                                            \
    {                                                                                              \
        for (size_t i = 0; i < n; i++) {                                                           \
            UT r = (UT) rnd();                                                                     \
            if (sizeof(T) > sizeof(uint64_t)) {                                                    \
                r = ((r << 32) << 32) ^ (UT) rnd();                                                \
            }                                                                                      \
            if (bool01) {                                                                          \
                v[i] = (T) (r & 1);                                                                \
            } else if (i % 4 == 1) {                                                               \
                v[i] = 0; /* so the logical ops see both truth values */                           \
            } else {                                                                               \
                memcpy(&v[i], &r, sizeof(T));                                                      \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
                                                                                                   \
    static void check_##sfx(const struct trow *t, const struct top *op, size_t n)                  \
    {                                                                                              \
        T *a = xcalloc(n + GUARD, sizeof(T));                                                      \
        T *b = xcalloc(n + GUARD, sizeof(T));                                                      \
        T *want = xcalloc(n + GUARD, sizeof(T));                                                   \
                                                                                                   \
        fill_##sfx(a, n + GUARD, t->bool01);                                                       \
        fill_##sfx(b, n + GUARD, t->bool01);                                                       \
        memcpy(want, b, (n + GUARD) * sizeof(T));                                                  \
        for (size_t i = 0; i < n; i++) {                                                           \
            want[i] = ref_##sfx(op->h, a[i], b[i]);                                                \
        }                                                                                          \
        apply_ok(t, op, a, b, n);                                                                  \
        for (size_t i = 0; i < n + GUARD; i++) {                                                   \
            if (memcmp(&want[i], &b[i], sizeof(T)) != 0) {                                         \
                report(t, op, n, i);                                                               \
            }                                                                                      \
        }                                                                                          \
        free(a);                                                                                   \
        free(b);                                                                                   \
        free(want);                                                                                \
    }

typedef unsigned long long ull;

DEF_INT(schar, signed char, ull)
DEF_INT(uchar, unsigned char, ull)
DEF_INT(short, short, ull)
DEF_INT(ushort, unsigned short, ull)
DEF_INT(int, int, ull)
DEF_INT(uint, unsigned, ull)
DEF_INT(long, long, ull)
DEF_INT(ulong, unsigned long, ull)
DEF_INT(llong, long long, ull)
DEF_INT(ullong, unsigned long long, ull)
DEF_INT(i8, int8_t, ull)
DEF_INT(u8, uint8_t, ull)
DEF_INT(i16, int16_t, ull)
DEF_INT(u16, uint16_t, ull)
DEF_INT(i32, int32_t, ull)
DEF_INT(u32, uint32_t, ull)
DEF_INT(i64, int64_t, ull)
DEF_INT(u64, uint64_t, ull)
DEF_INT(aint, MPI_Aint, ull)
DEF_INT(count, MPI_Count, ull)
DEF_INT(offset, MPI_Offset, ull)
DEF_INT(fint, MPI_Fint, ull)
#if T_INT128
DEF_INT(i128, t_i128, t_u128)
#define CHECK_I128 check_i128
#else
#define CHECK_I128 NULL
#endif

/* ---- floating point ------------------------------------------------------------------------ */

/* Inputs are multiples of 1/8 below 128 in magnitude, so sums are exact and no NaN or
 * infinity appears; the comparison is then exact too. */
#define DEF_REAL(sfx, T)                                                                           \
    static T ref_##sfx(MPI_Op o, T x, T y)                                                         \
    {                                                                                              \
        if (o == MPI_SUM) {                                                                        \
            return x + y;                                                                          \
        }                                                                                          \
        if (o == MPI_PROD) {                                                                       \
            return x * y;                                                                          \
        }                                                                                          \
        if (o == MPI_MIN) {                                                                        \
            return y < x ? y : x;                                                                  \
        }                                                                                          \
        assert_true(o == MPI_MAX);                                                                 \
        return y > x ? y : x;                                                                      \
    }                                                                                              \
                                                                                                   \
    static void check_##sfx(const struct trow *t, const struct top *op, size_t n)                  \
    {                                                                                              \
        T *a = xcalloc(n + GUARD, sizeof(T));                                                      \
        T *b = xcalloc(n + GUARD, sizeof(T));                                                      \
        T *want = xcalloc(n + GUARD, sizeof(T));                                                   \
                                                                                                   \
        for (size_t i = 0; i < n + GUARD; i++) {                                                   \
            a[i] = (T) ((int) (rnd() % 2001) - 1000) / 8;                                          \
            b[i] = (T) ((int) (rnd() % 2001) - 1000) / 8;                                          \
            want[i] = b[i];                                                                        \
        }                                                                                          \
        for (size_t i = 0; i < n; i++) {                                                           \
            want[i] = ref_##sfx(op->h, a[i], b[i]);                                                \
        }                                                                                          \
        apply_ok(t, op, a, b, n);                                                                  \
        for (size_t i = 0; i < n + GUARD; i++) {                                                   \
            if (want[i] != b[i]) {                                                                 \
                report(t, op, n, i);                                                               \
            }                                                                                      \
        }                                                                                          \
        free(a);                                                                                   \
        free(b);                                                                                   \
        free(want);                                                                                \
    }

DEF_REAL(float, float)
DEF_REAL(double, double)
DEF_REAL(ldouble, long double)
#if T_FLOAT16
DEF_REAL(f16, _Float16)
#define CHECK_F16 check_f16
#else
#define CHECK_F16 NULL
#endif
#if T_FLOAT128
DEF_REAL(f128, _Float128)
#define CHECK_F128 check_f128
#else
#define CHECK_F128 NULL
#endif

/* ---- complex ------------------------------------------------------------------------------- */

/* The reference is C's own complex arithmetic, with small integer parts so every product is
 * exact and finite (where C's and the textbook formula agree). */
#define DEF_CPLX(sfx, T)                                                                           \
    static void check_##sfx(const struct trow *t, const struct top *op, size_t n)                  \
    {                                                                                              \
        _Complex T *a = xcalloc(n + GUARD, sizeof(*a));                                            \
        _Complex T *b = xcalloc(n + GUARD, sizeof(*b));                                            \
        _Complex T *want = xcalloc(n + GUARD, sizeof(*want));                                      \
                                                                                                   \
        for (size_t i = 0; i < n + GUARD; i++) {                                                   \
            __real__ a[i] = (T) ((int) (rnd() % 17) - 8);                                          \
            __imag__ a[i] = (T) ((int) (rnd() % 17) - 8);                                          \
            __real__ b[i] = (T) ((int) (rnd() % 17) - 8);                                          \
            __imag__ b[i] = (T) ((int) (rnd() % 17) - 8);                                          \
            want[i] = b[i];                                                                        \
        }                                                                                          \
        for (size_t i = 0; i < n; i++) {                                                           \
            want[i] = op->h == MPI_SUM ? a[i] + b[i] : a[i] * b[i];                                \
        }                                                                                          \
        assert_true(op->h == MPI_SUM || op->h == MPI_PROD);                                        \
        apply_ok(t, op, a, b, n);                                                                  \
        for (size_t i = 0; i < n + GUARD; i++) {                                                   \
            if (want[i] != b[i]) {                                                                 \
                report(t, op, n, i);                                                               \
            }                                                                                      \
        }                                                                                          \
        free(a);                                                                                   \
        free(b);                                                                                   \
        free(want);                                                                                \
    }

DEF_CPLX(cfloat, float)
DEF_CPLX(cdouble, double)
DEF_CPLX(cldouble, long double)
#if T_FLOAT16
DEF_CPLX(c16, _Float16)
#define CHECK_C16 check_c16
#else
#define CHECK_C16 NULL
#endif
#if T_FLOAT128
DEF_CPLX(c128, _Float128)
#define CHECK_C128 check_c128
#else
#define CHECK_C128 NULL
#endif

/* ---- value-index pairs --------------------------------------------------------------------- */

/* Values from {0..3} so that ties are common; the index breaks them, smaller first. */
#define DEF_PAIR(sfx, VT, IT)                                                                      \
    struct pair_##sfx {                                                                            \
        VT v;                                                                                      \
        IT i;                                                                                      \
    };                                                                                             \
                                                                                                   \
    static void check_##sfx(const struct trow *t, const struct top *op, size_t n)                  \
    {                                                                                              \
        struct pair_##sfx *a = xcalloc(n + GUARD, sizeof(*a));                                     \
        struct pair_##sfx *b = xcalloc(n + GUARD, sizeof(*b));                                     \
        struct pair_##sfx *want = xcalloc(n + GUARD, sizeof(*want));                               \
        bool max = op->h == MPI_MAXLOC;                                                            \
                                                                                                   \
        assert_true(max || op->h == MPI_MINLOC);                                                   \
        for (size_t i = 0; i < n + GUARD; i++) {                                                   \
            a[i].v = (VT) (rnd() % 4);                                                             \
            a[i].i = (IT) (rnd() % 100);                                                           \
            b[i].v = (VT) (rnd() % 4);                                                             \
            b[i].i = (IT) (rnd() % 100);                                                           \
            want[i] = b[i];                                                                        \
        }                                                                                          \
        for (size_t i = 0; i < n; i++) {                                                           \
            if (a[i].v == b[i].v) {                                                                \
                want[i].i = a[i].i < b[i].i ? a[i].i : b[i].i;                                     \
            } else if ((a[i].v > b[i].v) == max) {                                                 \
                want[i] = a[i];                                                                    \
            }                                                                                      \
        }                                                                                          \
        apply_ok(t, op, a, b, n);                                                                  \
        for (size_t i = 0; i < n + GUARD; i++) {                                                   \
            if (want[i].v != b[i].v || want[i].i != b[i].i) {                                      \
                report(t, op, n, i);                                                               \
            }                                                                                      \
        }                                                                                          \
        free(a);                                                                                   \
        free(b);                                                                                   \
        free(want);                                                                                \
    }

DEF_PAIR(float_int, float, int)
DEF_PAIR(double_int, double, int)
DEF_PAIR(long_int, long, int)
DEF_PAIR(2int, int, int)
DEF_PAIR(short_int, short, int)
DEF_PAIR(ldouble_int, long double, int)
DEF_PAIR(2real, float, float)
DEF_PAIR(2dp, double, double)
DEF_PAIR(2integer, MPI_Fint, MPI_Fint)

/* ---- every predefined type ----------------------------------------------------------------- */

#define ROW(h, g, chk)                                                                             \
    {                                                                                              \
        h, #h, g, true, false, chk                                                                 \
    }
#define ROW_OPT(h, g, chk, av)                                                                     \
    {                                                                                              \
        h, #h, g, av, false, chk                                                                   \
    }

static const struct trow types[] = {
    ROW(MPI_AINT, G_MULTI, check_aint),
    ROW(MPI_COUNT, G_MULTI, check_count),
    ROW(MPI_OFFSET, G_MULTI, check_offset),
    ROW(MPI_PACKED, G_NONE, NULL),
    ROW(MPI_BYTE, G_BYTE, check_uchar),
    ROW(MPI_CHAR, G_CINT, CHAR_MIN < 0 ? check_schar : check_uchar), /* as Open MPI, MPICH */
    ROW(MPI_WCHAR, G_NONE, NULL),
    ROW(MPI_SIGNED_CHAR, G_CINT, check_schar),
    ROW(MPI_UNSIGNED_CHAR, G_CINT, check_uchar),
    ROW(MPI_SHORT, G_CINT, check_short),
    ROW(MPI_UNSIGNED_SHORT, G_CINT, check_ushort),
    ROW(MPI_INT, G_CINT, check_int),
    ROW(MPI_UNSIGNED, G_CINT, check_uint),
    ROW(MPI_LONG, G_CINT, check_long),
    ROW(MPI_UNSIGNED_LONG, G_CINT, check_ulong),
    ROW(MPI_LONG_LONG, G_CINT, check_llong),
    ROW(MPI_UNSIGNED_LONG_LONG, G_CINT, check_ullong),
    ROW(MPI_INT8_T, G_CINT, check_i8),
    ROW(MPI_UINT8_T, G_CINT, check_u8),
    ROW(MPI_INT16_T, G_CINT, check_i16),
    ROW(MPI_UINT16_T, G_CINT, check_u16),
    ROW(MPI_INT32_T, G_CINT, check_i32),
    ROW(MPI_UINT32_T, G_CINT, check_u32),
    ROW(MPI_INT64_T, G_CINT, check_i64),
    ROW(MPI_UINT64_T, G_CINT, check_u64),
    /* bools are checked through their one-byte representation, restricted to 0 and 1 */
    {MPI_C_BOOL, "MPI_C_BOOL", G_LOGICAL, true, true, check_u8},
    {MPI_CXX_BOOL, "MPI_CXX_BOOL", G_LOGICAL, true, true, check_u8},
    ROW(MPI_FLOAT, G_FLOAT, check_float),
    ROW(MPI_DOUBLE, G_FLOAT, check_double),
    ROW(MPI_LONG_DOUBLE, G_FLOAT, check_ldouble),
    ROW(MPI_C_FLOAT_COMPLEX, G_COMPLEX, check_cfloat),
    ROW(MPI_C_DOUBLE_COMPLEX, G_COMPLEX, check_cdouble),
    ROW(MPI_C_LONG_DOUBLE_COMPLEX, G_COMPLEX, check_cldouble),
    ROW(MPI_CXX_FLOAT_COMPLEX, G_COMPLEX, check_cfloat),
    ROW(MPI_CXX_DOUBLE_COMPLEX, G_COMPLEX, check_cdouble),
    ROW(MPI_CXX_LONG_DOUBLE_COMPLEX, G_COMPLEX, check_cldouble),
    ROW(MPI_FLOAT_INT, G_PAIR, check_float_int),
    ROW(MPI_DOUBLE_INT, G_PAIR, check_double_int),
    ROW(MPI_LONG_INT, G_PAIR, check_long_int),
    ROW(MPI_2INT, G_PAIR, check_2int),
    ROW(MPI_SHORT_INT, G_PAIR, check_short_int),
    ROW(MPI_LONG_DOUBLE_INT, G_PAIR, check_ldouble_int),
    ROW(MPI_2REAL, G_PAIR, check_2real),
    ROW(MPI_2DOUBLE_PRECISION, G_PAIR, check_2dp),
    ROW(MPI_2INTEGER, G_PAIR, check_2integer),
    ROW(MPI_INTEGER, G_FINT, check_fint),
    ROW(MPI_LOGICAL, G_LOGICAL, check_fint),
    ROW(MPI_REAL, G_FLOAT, check_float),
    ROW(MPI_DOUBLE_PRECISION, G_FLOAT, check_double),
    ROW(MPI_COMPLEX, G_COMPLEX, check_cfloat),
    ROW(MPI_DOUBLE_COMPLEX, G_COMPLEX, check_cdouble),
    ROW(MPI_CHARACTER, G_NONE, NULL),
    ROW(MPI_LOGICAL1, G_LOGICAL, check_i8),
    ROW(MPI_LOGICAL2, G_LOGICAL, check_i16),
    ROW(MPI_LOGICAL4, G_LOGICAL, check_i32),
    ROW(MPI_LOGICAL8, G_LOGICAL, check_i64),
    ROW_OPT(MPI_LOGICAL16, G_LOGICAL, CHECK_I128, T_INT128),
    ROW(MPI_INTEGER1, G_FINT, check_i8),
    ROW(MPI_INTEGER2, G_FINT, check_i16),
    ROW(MPI_INTEGER4, G_FINT, check_i32),
    ROW(MPI_INTEGER8, G_FINT, check_i64),
    ROW_OPT(MPI_INTEGER16, G_FINT, CHECK_I128, T_INT128),
    ROW_OPT(MPI_REAL2, G_FLOAT, CHECK_F16, T_FLOAT16),
    ROW(MPI_REAL4, G_FLOAT, check_float),
    ROW(MPI_REAL8, G_FLOAT, check_double),
    ROW_OPT(MPI_REAL16, G_FLOAT, CHECK_F128, T_FLOAT128),
    ROW_OPT(MPI_COMPLEX4, G_COMPLEX, CHECK_C16, T_FLOAT16),
    ROW(MPI_COMPLEX8, G_COMPLEX, check_cfloat),
    ROW(MPI_COMPLEX16, G_COMPLEX, check_cdouble),
    ROW_OPT(MPI_COMPLEX32, G_COMPLEX, CHECK_C128, T_FLOAT128),
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

static bool expect_valid(const struct trow *t, const struct top *op)
{
    if (op->h == MPI_REPLACE || op->h == MPI_NO_OP) {
        return true;
    }
    return std_allows(op->h, t->grp) && t->avail;
}

/* The list covers every predefined datatype, so the loops below miss none. */
static void op_types_cover_table(void **state)
{
    size_t n = 0;

    (void) state;
    for (uintptr_t v = 0x200; v < 0x300; v++) {
        n += kr_dt_from_handle((MPI_Datatype) v) != NULL;
    }
    assert_int_equal(n, NTYPES);
}

static void op_validity_matrix(void **state)
{
    (void) state;
    for (size_t k = 0; k < NTYPES; k++) {
        const struct kr_dt *dt = kr_dt_from_handle(types[k].h);

        assert_non_null(dt);
        for (size_t o = 0; o < NOPS; o++) {
            bool want = expect_valid(&types[k], &ops[o]);

            if (kr_op_valid_for(kr_op_from_handle(ops[o].h), dt) != want) {
                fail_msg("%s on %s: valid should be %d", ops[o].name, types[k].name, want);
            }
        }
    }
}

/* Refused pairs return -EINVAL whatever the count and leave inout as it was. */
static void op_invalid_pairs_refused(void **state)
{
    unsigned char in[64], inout[64], orig[64];

    (void) state;
    for (size_t k = 0; k < NTYPES; k++) {
        for (size_t o = 0; o < NOPS; o++) {
            if (expect_valid(&types[k], &ops[o])) {
                continue;
            }
            for (size_t c = 0; c < 2; c++) {
                for (size_t i = 0; i < sizeof(in); i++) {
                    in[i] = (unsigned char) rnd();
                    inout[i] = orig[i] = (unsigned char) rnd();
                }
                assert_int_equal(kr_op_apply(kr_op_from_handle(ops[o].h),
                                             kr_dt_from_handle(types[k].h), in, inout, c),
                                 -EINVAL);
                assert_memory_equal(inout, orig, sizeof(inout));
            }
        }
    }
}

/* The core: each allowed arithmetic (op, type) pair against its reference at every count. */
static void op_allowed_pairs_match_reference(void **state)
{
    size_t checked = 0;

    (void) state;
    for (size_t k = 0; k < NTYPES; k++) {
        for (size_t o = 0; o < NOPS; o++) {
            if (ops[o].h == MPI_REPLACE || ops[o].h == MPI_NO_OP
                || !expect_valid(&types[k], &ops[o])) {
                continue;
            }
            assert_non_null(types[k].check);
            for (size_t c = 0; c < NCOUNTS; c++) {
                types[k].check(&types[k], &ops[o], counts[c]);
            }
            checked++;
        }
    }
    /* about 350 pairs on a compiler with all the optional types; this guards against a
     * table edit that silently skips most of the work */
    assert_true(checked > 300);
}

/* MPI_REPLACE copies every element's data; MPI_NO_OP changes nothing. */
static void op_replace_and_no_op(void **state)
{
    (void) state;
    for (size_t k = 0; k < NTYPES; k++) {
        const struct kr_dt *dt = kr_dt_from_handle(types[k].h);

        for (size_t c = 0; c < NCOUNTS; c++) {
            size_t n = counts[c];
            size_t bytes = (n + GUARD) * (size_t) dt->extent;
            size_t span = n == 0 ? 0 : (n - 1) * (size_t) dt->extent + (size_t) dt->true_extent;
            unsigned char *in = xcalloc(bytes, 1), *inout = xcalloc(bytes, 1);
            unsigned char *orig = xcalloc(bytes, 1);

            for (size_t i = 0; i < bytes; i++) {
                in[i] = (unsigned char) rnd();
                inout[i] = orig[i] = (unsigned char) rnd();
            }
            assert_int_equal(kr_op_apply(kr_op_from_handle(MPI_NO_OP), dt, in, inout, n), 0);
            assert_memory_equal(inout, orig, bytes);
            assert_int_equal(kr_op_apply(kr_op_from_handle(MPI_REPLACE), dt, in, inout, n), 0);
            if (span > 0) {
                assert_memory_equal(inout, in, span);
            }
            assert_memory_equal(inout + span, orig + span, bytes - span);
            free(in);
            free(inout);
            free(orig);
        }
    }
}

/* Zero elements touch no memory, so NULL buffers are fine, as MPI allows with count 0. */
static void op_count_zero(void **state)
{
    (void) state;
    for (size_t k = 0; k < NTYPES; k++) {
        for (size_t o = 0; o < NOPS; o++) {
            if (expect_valid(&types[k], &ops[o])) {
                assert_int_equal(kr_op_apply(kr_op_from_handle(ops[o].h),
                                             kr_dt_from_handle(types[k].h), NULL, NULL, 0),
                                 0);
            }
        }
    }
}

static void op_loc_ties_keep_smaller_index(void **state)
{
    struct pair_double_int in[4] = {{5.0, 7}, {5.0, 2}, {9.0, 8}, {1.0, 4}};
    struct pair_double_int io[4] = {{5.0, 3}, {5.0, 6}, {9.0, 8}, {1.0, 0}};
    struct pair_double_int in2[2] = {{2.0, 9}, {2.0, 1}};
    struct pair_double_int io2[2] = {{2.0, 4}, {2.0, 4}};

    (void) state;
    assert_int_equal(
        kr_op_apply(kr_op_from_handle(MPI_MAXLOC), kr_dt_from_handle(MPI_DOUBLE_INT), in, io, 4),
        0);
    assert_int_equal(io[0].i, 3); /* tie: inout's index is smaller */
    assert_int_equal(io[1].i, 2); /* tie: in's index is smaller */
    assert_int_equal(io[2].i, 8); /* same index on both sides */
    assert_int_equal(io[3].i, 0);
    assert_true(io[0].v == 5.0 && io[1].v == 5.0);

    assert_int_equal(
        kr_op_apply(kr_op_from_handle(MPI_MINLOC), kr_dt_from_handle(MPI_DOUBLE_INT), in2, io2, 2),
        0);
    assert_int_equal(io2[0].i, 4);
    assert_int_equal(io2[1].i, 1);
}

static void op_int_sum_wraps(void **state)
{
    int in[2] = {1, 2};
    int io[2] = {INT_MAX, INT_MIN};
    signed char sin = 2, sio = 127;

    (void) state;
    assert_int_equal(kr_op_apply(kr_op_from_handle(MPI_SUM), kr_dt_from_handle(MPI_INT), in, io, 2),
                     0);
    assert_int_equal(io[0], INT_MIN);
    assert_int_equal(io[1], INT_MIN + 2);
    assert_int_equal(
        kr_op_apply(kr_op_from_handle(MPI_PROD), kr_dt_from_handle(MPI_SIGNED_CHAR), &sin, &sio, 1),
        0);
    assert_int_equal(sio, -2);
}

/* Fortran logicals: any non-zero value is true, and the result is stored as 1. */
static void op_logical_normalises(void **state)
{
    MPI_Fint in[4] = {5, 0, -1, 0};
    MPI_Fint io[4] = {7, 3, 0, 0};

    (void) state;
    assert_int_equal(
        kr_op_apply(kr_op_from_handle(MPI_LAND), kr_dt_from_handle(MPI_LOGICAL), in, io, 4), 0);
    assert_int_equal(io[0], 1);
    assert_int_equal(io[1], 0);
    assert_int_equal(io[2], 0);
    assert_int_equal(io[3], 0);
}

static void op_handles(void **state)
{
    (void) state;
    for (size_t o = 0; o < NOPS; o++) {
        struct kr_op *op = kr_op_from_handle(ops[o].h);

        assert_non_null(op);
        assert_ptr_equal(kr_op_to_handle(op), ops[o].h);
        assert_string_equal(op->name, ops[o].name);
        assert_true(op->predefined);
        assert_int_not_equal(op->code, KR_OP_USER);
        assert_int_equal(kr_op_is_rma_only(op), ops[o].h == MPI_REPLACE || ops[o].h == MPI_NO_OP);
    }
    assert_true(kr_op_from_handle(MPI_SUM)->commute);
    assert_true(kr_op_from_handle(MPI_MAXLOC)->commute);
    assert_null(kr_op_from_handle(MPI_OP_NULL));
    assert_null(kr_op_from_handle((MPI_Op) 0));
    assert_null(kr_op_from_handle((MPI_Op) 0x25));
    assert_null(kr_op_from_handle((MPI_Op) 0x3f));
    assert_null(kr_op_from_handle((MPI_Op) 0x40));
    assert_null(kr_op_from_handle((MPI_Op) 0x209)); /* MPI_INT's value */
    assert_null(kr_op_from_handle((MPI_Op) 0xfff));
}

/* ---- user ops ------------------------------------------------------------------------------ */

static int user_calls;

static void user_sum_int(void *in, void *inout, int *len, MPI_Datatype *dt)
{
    const int *a = in;
    int *b = inout;

    assert_ptr_equal(*dt, MPI_INT);
    for (int i = 0; i < *len; i++) {
        b[i] += a[i];
    }
    user_calls++;
}

static void user_max_count(void *in, void *inout, MPI_Count *len, MPI_Datatype *dt)
{
    const double *a = in;
    double *b = inout;

    assert_ptr_equal(*dt, MPI_DOUBLE);
    for (MPI_Count i = 0; i < *len; i++) {
        b[i] = a[i] > b[i] ? a[i] : b[i];
    }
    user_calls++;
}

static void op_user_ops(void **state)
{
    struct kr_op *op, *op_c;
    int in[3] = {1, 2, 3}, io[3] = {10, 20, 30};
    double din[2] = {1.0, 5.0}, dio[2] = {2.0, 4.0};

    (void) state;
    assert_int_equal(kr_op_user_create(NULL, NULL, true, &op), -EINVAL);
    assert_int_equal(kr_op_user_create(user_sum_int, user_max_count, true, &op), -EINVAL);

    assert_int_equal(kr_op_user_create(user_sum_int, NULL, false, &op), 0);
    assert_false(op->commute);
    assert_ptr_equal(kr_op_from_handle(kr_op_to_handle(op)), op);
    /* a user op takes any type; checking is the user's business */
    assert_true(kr_op_valid_for(op, kr_dt_from_handle(MPI_CHAR)));
    user_calls = 0;
    assert_int_equal(kr_op_apply(op, kr_dt_from_handle(MPI_INT), in, io, 3), 0);
    assert_int_equal(user_calls, 1);
    assert_int_equal(io[0], 11);
    assert_int_equal(io[2], 33);
    assert_int_equal(kr_op_apply(op, kr_dt_from_handle(MPI_INT), in, io, 0), 0);
    assert_int_equal(user_calls, 1);

    assert_int_equal(kr_op_user_create(NULL, user_max_count, true, &op_c), 0);
    assert_int_equal(kr_op_apply(op_c, kr_dt_from_handle(MPI_DOUBLE), din, dio, 2), 0);
    assert_true(dio[0] == 2.0 && dio[1] == 5.0);

    /* the op survives until the last reference goes (ASan checks the rest) */
    kr_op_retain(op);
    kr_op_release(op);
    assert_int_equal(kr_op_apply(op, kr_dt_from_handle(MPI_INT), in, io, 1), 0);
    kr_op_release(op);
    kr_op_release(op_c);
    /* predefined ops ignore reference counting */
    kr_op_release(kr_op_from_handle(MPI_SUM));
    assert_non_null(kr_op_from_handle(MPI_SUM));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(op_types_cover_table),
        cmocka_unit_test(op_validity_matrix),
        cmocka_unit_test(op_invalid_pairs_refused),
        cmocka_unit_test(op_allowed_pairs_match_reference),
        cmocka_unit_test(op_replace_and_no_op),
        cmocka_unit_test(op_count_zero),
        cmocka_unit_test(op_loc_ties_keep_smaller_index),
        cmocka_unit_test(op_int_sum_wraps),
        cmocka_unit_test(op_logical_normalises),
        cmocka_unit_test(op_handles),
        cmocka_unit_test(op_user_ops),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

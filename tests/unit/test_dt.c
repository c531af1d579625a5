/* Predefined datatype table: every standard-ABI datatype resolves to a descriptor whose size
 * and extent match this compiler's C type, handles round-trip, and anything else is NULL. */
#include "config.h"

#include "datatype/dt.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

/* The test's own idea of each type: written independently of dt_predef.c. */
struct expect_dt {
    MPI_Datatype h;
    const char *name;
    size_t size; /* bytes of data */
    size_t extent;
    bool contig;
    enum kr_dt_opclass opclass;
};

/* Pair layouts, from the standard's description of MPI_DOUBLE_INT and friends. */
struct pair_float_int {
    float v;
    int i;
};
struct pair_double_int {
    double v;
    int i;
};
struct pair_long_int {
    long v;
    int i;
};
struct pair_short_int {
    short v;
    int i;
};
struct pair_ldouble_int {
    long double v;
    int i;
};

#define PLAIN(h, sz, cls)                                                                          \
    {                                                                                              \
        h, #h, sz, sz, true, cls                                                                   \
    }
#define PAIR(h, S, VT, IT)                                                                         \
    {                                                                                              \
        h, #h, sizeof(VT) + sizeof(IT), sizeof(struct S),                                          \
            sizeof(struct S) == sizeof(VT) + sizeof(IT), KR_DT_C_PAIR                              \
    }

static const struct expect_dt expected[] = {
    PLAIN(MPI_AINT, sizeof(MPI_Aint), KR_DT_C_MULTI),
    PLAIN(MPI_COUNT, sizeof(MPI_Count), KR_DT_C_MULTI),
    PLAIN(MPI_OFFSET, sizeof(MPI_Offset), KR_DT_C_MULTI),
    PLAIN(MPI_PACKED, 1, KR_DT_C_NONE),
    PLAIN(MPI_BYTE, 1, KR_DT_C_BYTE),
    PLAIN(MPI_CHAR, sizeof(char), KR_DT_C_CINT), /* reduced as a small integer (dt_predef.c) */
    PLAIN(MPI_WCHAR, sizeof(wchar_t), KR_DT_C_NONE),
    PLAIN(MPI_SIGNED_CHAR, sizeof(signed char), KR_DT_C_CINT),
    PLAIN(MPI_UNSIGNED_CHAR, sizeof(unsigned char), KR_DT_C_CINT),
    PLAIN(MPI_SHORT, sizeof(short), KR_DT_C_CINT),
    PLAIN(MPI_INT, sizeof(int), KR_DT_C_CINT),
    PLAIN(MPI_LONG, sizeof(long), KR_DT_C_CINT),
    PLAIN(MPI_LONG_LONG, sizeof(long long), KR_DT_C_CINT),
    PLAIN(MPI_UNSIGNED_SHORT, sizeof(unsigned short), KR_DT_C_CINT),
    PLAIN(MPI_UNSIGNED, sizeof(unsigned), KR_DT_C_CINT),
    PLAIN(MPI_UNSIGNED_LONG, sizeof(unsigned long), KR_DT_C_CINT),
    PLAIN(MPI_UNSIGNED_LONG_LONG, sizeof(unsigned long long), KR_DT_C_CINT),
    PLAIN(MPI_INT8_T, sizeof(int8_t), KR_DT_C_CINT),
    PLAIN(MPI_UINT8_T, sizeof(uint8_t), KR_DT_C_CINT),
    PLAIN(MPI_INT16_T, sizeof(int16_t), KR_DT_C_CINT),
    PLAIN(MPI_UINT16_T, sizeof(uint16_t), KR_DT_C_CINT),
    PLAIN(MPI_INT32_T, sizeof(int32_t), KR_DT_C_CINT),
    PLAIN(MPI_UINT32_T, sizeof(uint32_t), KR_DT_C_CINT),
    PLAIN(MPI_INT64_T, sizeof(int64_t), KR_DT_C_CINT),
    PLAIN(MPI_UINT64_T, sizeof(uint64_t), KR_DT_C_CINT),
    PLAIN(MPI_C_BOOL, sizeof(_Bool), KR_DT_C_LOGICAL),
    PLAIN(MPI_CXX_BOOL, 1, KR_DT_C_LOGICAL),
    PLAIN(MPI_FLOAT, sizeof(float), KR_DT_C_FLOAT),
    PLAIN(MPI_DOUBLE, sizeof(double), KR_DT_C_FLOAT),
    PLAIN(MPI_LONG_DOUBLE, sizeof(long double), KR_DT_C_FLOAT),
    PLAIN(MPI_C_FLOAT_COMPLEX, sizeof(float _Complex), KR_DT_C_COMPLEX),
    PLAIN(MPI_C_DOUBLE_COMPLEX, sizeof(double _Complex), KR_DT_C_COMPLEX),
    PLAIN(MPI_C_LONG_DOUBLE_COMPLEX, sizeof(long double _Complex), KR_DT_C_COMPLEX),
    PLAIN(MPI_CXX_FLOAT_COMPLEX, sizeof(float _Complex), KR_DT_C_COMPLEX),
    PLAIN(MPI_CXX_DOUBLE_COMPLEX, sizeof(double _Complex), KR_DT_C_COMPLEX),
    PLAIN(MPI_CXX_LONG_DOUBLE_COMPLEX, sizeof(long double _Complex), KR_DT_C_COMPLEX),
    PAIR(MPI_FLOAT_INT, pair_float_int, float, int),
    PAIR(MPI_DOUBLE_INT, pair_double_int, double, int),
    PAIR(MPI_LONG_INT, pair_long_int, long, int),
    {MPI_2INT, "MPI_2INT", 2 * sizeof(int), 2 * sizeof(int), true, KR_DT_C_PAIR},
    PAIR(MPI_SHORT_INT, pair_short_int, short, int),
    PAIR(MPI_LONG_DOUBLE_INT, pair_ldouble_int, long double, int),
    {MPI_2REAL, "MPI_2REAL", 2 * sizeof(float), 2 * sizeof(float), true, KR_DT_C_PAIR},
    {MPI_2DOUBLE_PRECISION, "MPI_2DOUBLE_PRECISION", 2 * sizeof(double), 2 * sizeof(double), true,
     KR_DT_C_PAIR},
    {MPI_2INTEGER, "MPI_2INTEGER", 2 * sizeof(MPI_Fint), 2 * sizeof(MPI_Fint), true, KR_DT_C_PAIR},
    PLAIN(MPI_INTEGER, sizeof(MPI_Fint), KR_DT_C_FINT),
    PLAIN(MPI_LOGICAL, sizeof(MPI_Fint), KR_DT_C_LOGICAL),
    PLAIN(MPI_REAL, sizeof(float), KR_DT_C_FLOAT),
    PLAIN(MPI_DOUBLE_PRECISION, sizeof(double), KR_DT_C_FLOAT),
    PLAIN(MPI_COMPLEX, 2 * sizeof(float), KR_DT_C_COMPLEX),
    PLAIN(MPI_DOUBLE_COMPLEX, 2 * sizeof(double), KR_DT_C_COMPLEX),
    PLAIN(MPI_CHARACTER, 1, KR_DT_C_NONE),
    PLAIN(MPI_LOGICAL1, 1, KR_DT_C_LOGICAL),
    PLAIN(MPI_LOGICAL2, 2, KR_DT_C_LOGICAL),
    PLAIN(MPI_LOGICAL4, 4, KR_DT_C_LOGICAL),
    PLAIN(MPI_LOGICAL8, 8, KR_DT_C_LOGICAL),
    PLAIN(MPI_LOGICAL16, 16, KR_DT_C_LOGICAL),
    PLAIN(MPI_INTEGER1, 1, KR_DT_C_FINT),
    PLAIN(MPI_INTEGER2, 2, KR_DT_C_FINT),
    PLAIN(MPI_INTEGER4, 4, KR_DT_C_FINT),
    PLAIN(MPI_INTEGER8, 8, KR_DT_C_FINT),
    PLAIN(MPI_INTEGER16, 16, KR_DT_C_FINT),
    PLAIN(MPI_REAL2, 2, KR_DT_C_FLOAT),
    PLAIN(MPI_REAL4, 4, KR_DT_C_FLOAT),
    PLAIN(MPI_REAL8, 8, KR_DT_C_FLOAT),
    PLAIN(MPI_REAL16, 16, KR_DT_C_FLOAT),
    PLAIN(MPI_COMPLEX4, 4, KR_DT_C_COMPLEX),
    PLAIN(MPI_COMPLEX8, 8, KR_DT_C_COMPLEX),
    PLAIN(MPI_COMPLEX16, 16, KR_DT_C_COMPLEX),
    PLAIN(MPI_COMPLEX32, 32, KR_DT_C_COMPLEX),
};

#define NEXPECTED (sizeof(expected) / sizeof(expected[0]))

static void dt_every_predefined_type(void **state)
{
    (void) state;
    for (size_t k = 0; k < NEXPECTED; k++) {
        const struct expect_dt *e = &expected[k];
        struct kr_dt *dt = kr_dt_from_handle(e->h);

        if (dt == NULL) {
            fail_msg("%s has no descriptor", e->name);
        }
        assert_string_equal(kr_dt_name(dt), e->name);
        assert_ptr_equal(kr_dt_to_handle(dt), e->h);
        assert_int_equal(dt->magic, KR_DT_MAGIC);
        assert_int_equal(dt->size, e->size);
        assert_int_equal(dt->lb, 0);
        assert_int_equal(dt->extent, e->extent);
        assert_int_equal(dt->true_lb, 0);
        assert_true(dt->true_extent <= dt->extent);
        assert_true((size_t) dt->true_extent >= dt->size);
        assert_int_equal(dt->opclass, e->opclass);
        assert_true(dt->flags & KR_DT_F_PREDEFINED);
        assert_true(dt->flags & KR_DT_F_COMMITTED);
        assert_null(dt->desc);
        if (kr_dt_is_contig(dt) != e->contig) {
            fail_msg("%s: contig should be %d", e->name, e->contig);
        }
    }
}

/* No descriptor exists that the list above does not know about. */
static void dt_table_has_nothing_else(void **state)
{
    size_t found = 0;

    (void) state;
    for (uintptr_t v = 0x200; v < 0x300; v++) {
        if (kr_dt_from_handle((MPI_Datatype) v) != NULL) {
            found++;
        }
    }
    assert_int_equal(found, NEXPECTED);
}

static void dt_pair_true_extent(void **state)
{
    (void) state;
    /* true extent runs from the value to the end of the index, padding excluded */
    assert_int_equal(kr_dt_from_handle(MPI_DOUBLE_INT)->true_extent,
                     offsetof(struct pair_double_int, i) + sizeof(int));
    assert_int_equal(kr_dt_from_handle(MPI_SHORT_INT)->true_extent,
                     offsetof(struct pair_short_int, i) + sizeof(int));
    assert_int_equal(kr_dt_from_handle(MPI_LONG_DOUBLE_INT)->true_extent,
                     offsetof(struct pair_ldouble_int, i) + sizeof(int));
}

static void dt_kinds(void **state)
{
    (void) state;
    assert_int_equal(kr_dt_from_handle(MPI_INT)->kind, KR_DT_K_I32);
    assert_int_equal(kr_dt_from_handle(MPI_INTEGER)->kind, KR_DT_K_I32);
    assert_int_equal(kr_dt_from_handle(MPI_UNSIGNED_CHAR)->kind, KR_DT_K_U8);
    assert_int_equal(kr_dt_from_handle(MPI_BYTE)->kind, KR_DT_K_U8);
    assert_int_equal(kr_dt_from_handle(MPI_LONG)->kind,
                     sizeof(long) == 8 ? KR_DT_K_I64 : KR_DT_K_I32);
    assert_int_equal(kr_dt_from_handle(MPI_AINT)->kind,
                     sizeof(MPI_Aint) == 8 ? KR_DT_K_I64 : KR_DT_K_I32);
    assert_int_equal(kr_dt_from_handle(MPI_C_BOOL)->kind, KR_DT_K_U8);
    assert_int_equal(kr_dt_from_handle(MPI_LOGICAL)->kind, KR_DT_K_U32);
    assert_int_equal(kr_dt_from_handle(MPI_DOUBLE_PRECISION)->kind, KR_DT_K_F64);
    assert_int_equal(kr_dt_from_handle(MPI_REAL16)->kind, KR_DT_K_F128);
    assert_int_equal(kr_dt_from_handle(MPI_COMPLEX)->kind, KR_DT_K_C32);
    assert_int_equal(kr_dt_from_handle(MPI_2INTEGER)->kind, KR_DT_K_2INT);
    assert_int_equal(kr_dt_from_handle(MPI_PACKED)->kind, KR_DT_K_NONE);
}

static void dt_aliases(void **state)
{
    (void) state;
    assert_ptr_equal(kr_dt_from_handle(MPI_LONG_LONG_INT), kr_dt_from_handle(MPI_LONG_LONG));
    assert_ptr_equal(kr_dt_from_handle(MPI_C_COMPLEX), kr_dt_from_handle(MPI_C_FLOAT_COMPLEX));
    /* C and C++ variants are distinct handles with the same layout */
    assert_ptr_not_equal(kr_dt_from_handle(MPI_CXX_BOOL), kr_dt_from_handle(MPI_C_BOOL));
}

static void dt_invalid_handles(void **state)
{
    static const uintptr_t bad[] = {
        0,     1,     0x1ff, 0x200 /* MPI_DATATYPE_NULL */,      0x204,
        0x211, 0x2ff, 0x300, 0x101 /* MPI_COMM_WORLD's value */, 0x21 /* MPI_SUM's value */,
        0xfff,
    };

    (void) state;
    assert_null(kr_dt_from_handle(MPI_DATATYPE_NULL));
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        if (kr_dt_from_handle((MPI_Datatype) bad[k]) != NULL) {
            fail_msg("handle value %#lx should be invalid", (unsigned long) bad[k]);
        }
    }
}

/* Handles at or above KR_HANDLE_USER_MIN are descriptor addresses, accepted while the magic
 * is intact: the path derived types will use. */
static void dt_user_handle_magic(void **state)
{
    struct kr_dt *fake = calloc(1, sizeof(*fake));

    (void) state;
    assert_non_null(fake);
    assert_true((uintptr_t) fake >= KR_HANDLE_USER_MIN);
    fake->magic = KR_DT_MAGIC;
    fake->handle = (MPI_Datatype) fake;
    assert_ptr_equal(kr_dt_from_handle((MPI_Datatype) fake), fake);
    assert_ptr_equal(kr_dt_to_handle(fake), (MPI_Datatype) fake);
    assert_string_equal(kr_dt_name(fake), "");
    fake->magic = 0;
    assert_null(kr_dt_from_handle((MPI_Datatype) fake));
    free(fake);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dt_every_predefined_type),
        cmocka_unit_test(dt_table_has_nothing_else),
        cmocka_unit_test(dt_pair_true_extent),
        cmocka_unit_test(dt_kinds),
        cmocka_unit_test(dt_aliases),
        cmocka_unit_test(dt_invalid_handles),
        cmocka_unit_test(dt_user_handle_magic),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of src/api's error-code table (classes, codes and strings the program adds), the
 * table that gives user handles Fortran integers, and the conversions and status helpers that
 * work without MPI_Init (predefined handles, status copies). */
#include "config.h"

#include "api/api.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* ---- error classes, codes and strings ---------------------------------------------------- */

static void err_predefined_classes(void **state)
{
    int cls = -1;

    (void) state;
    for (int c = MPI_SUCCESS; c <= MPI_ERR_ERRHANDLER; c++) {
        assert_int_equal(kr_api_err_class(c), c);
        assert_int_equal(PMPI_Error_class(c, &cls), MPI_SUCCESS);
        assert_int_equal(cls, c);
    }
    /* between the last class and MPI_ERR_LASTCODE nothing is defined, nor below 0 */
    assert_int_equal(kr_api_err_class(MPI_ERR_ERRHANDLER + 1), -1);
    assert_int_equal(kr_api_err_class(MPI_ERR_LASTCODE), -1);
    assert_int_equal(kr_api_err_class(-1), -1);
    assert_int_equal(kr_api_err_class(MPI_ERR_LASTCODE + 1000000), -1);
}

static void err_predefined_strings(void **state)
{
    char str[MPI_MAX_ERROR_STRING];
    int len = -1;

    (void) state;
    for (int c = MPI_SUCCESS; c <= MPI_ERR_ERRHANDLER; c++) {
        memset(str, 0, sizeof(str));
        assert_int_equal(PMPI_Error_string(c, str, &len), MPI_SUCCESS);
        assert_true(len > 0);
        assert_int_equal(len, (int) strlen(str));
        /* every class names itself: "MPI_ERR_RANK: invalid rank" */
        assert_true(strncmp(str, c == MPI_SUCCESS ? "MPI_SUCCESS: " : "MPI_ERR_", 8) == 0);
    }
    assert_int_equal(PMPI_Error_string(MPI_ERR_RANK, str, &len), MPI_SUCCESS);
    assert_string_equal(str, "MPI_ERR_RANK: invalid rank");
}

/* The table is process-wide and only grows, so each test works from kr_api_err_lastused(). */
static void err_add_class_and_codes(void **state)
{
    int first = kr_api_err_lastused(), cls = -1, code = -1, code2 = -1, rank_code = -1, out;

    (void) state;
    assert_true(first >= MPI_ERR_LASTCODE);
    assert_int_equal(kr_api_err_add_class(&cls), 0);
    assert_int_equal(cls, first + 1);
    assert_int_equal(kr_api_err_lastused(), cls);
    assert_int_equal(kr_api_err_class(cls), cls);

    assert_int_equal(kr_api_err_add_code(cls, &code), 0);
    assert_int_equal(kr_api_err_add_code(cls, &code2), 0);
    assert_int_equal(code, cls + 1);
    assert_int_equal(code2, cls + 2);
    assert_int_equal(kr_api_err_class(code), cls);
    assert_int_equal(kr_api_err_class(code2), cls);
    assert_int_equal(kr_api_err_lastused(), code2);

    /* codes may join predefined classes too, but not MPI_SUCCESS */
    assert_int_equal(kr_api_err_add_code(MPI_ERR_RANK, &rank_code), 0);
    assert_int_equal(kr_api_err_class(rank_code), MPI_ERR_RANK);
    assert_int_equal(PMPI_Error_class(rank_code, &out), MPI_SUCCESS);
    assert_int_equal(out, MPI_ERR_RANK);

    out = -7;
    assert_int_equal(kr_api_err_add_code(MPI_SUCCESS, &out), -EINVAL);
    assert_int_equal(kr_api_err_add_code(code, &out), -EINVAL); /* a code, not a class */
    assert_int_equal(kr_api_err_add_code(MPI_ERR_LASTCODE, &out), -EINVAL);
    assert_int_equal(kr_api_err_add_code(kr_api_err_lastused() + 1, &out), -EINVAL);
    assert_int_equal(kr_api_err_add_code(-3, &out), -EINVAL);
    assert_int_equal(out, -7);
    assert_int_equal(kr_api_err_lastused(), rank_code);
}

static void err_strings(void **state)
{
    char str[MPI_MAX_ERROR_STRING], big[MPI_MAX_ERROR_STRING - 1];
    int cls, code, len = -1;

    (void) state;
    assert_int_equal(kr_api_err_add_class(&cls), 0);
    assert_int_equal(kr_api_err_add_code(cls, &code), 0);

    /* nothing set yet: the empty string */
    strcpy(str, "junk");
    assert_int_equal(PMPI_Error_string(code, str, &len), MPI_SUCCESS);
    assert_int_equal(len, 0);
    assert_string_equal(str, "");

    assert_int_equal(kr_api_err_set_string(cls, "my class"), 0);
    assert_int_equal(kr_api_err_set_string(code, "first"), 0);
    assert_int_equal(kr_api_err_set_string(code, "second, replacing the first"), 0);
    assert_int_equal(PMPI_Error_string(cls, str, &len), MPI_SUCCESS);
    assert_string_equal(str, "my class");
    assert_int_equal(len, 8);
    assert_int_equal(PMPI_Error_string(code, str, &len), MPI_SUCCESS);
    assert_string_equal(str, "second, replacing the first");

    /* the longest string allowed comes back whole */
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(kr_api_err_set_string(code, big), 0);
    assert_int_equal(PMPI_Error_string(code, str, &len), MPI_SUCCESS);
    assert_int_equal(len, (int) strlen(big));
    assert_string_equal(str, big);

    /* predefined classes and values nobody added keep no strings */
    assert_int_equal(kr_api_err_set_string(MPI_ERR_RANK, "no"), -EINVAL);
    assert_int_equal(kr_api_err_set_string(MPI_ERR_LASTCODE, "no"), -EINVAL);
    assert_int_equal(kr_api_err_set_string(kr_api_err_lastused() + 1, "no"), -EINVAL);
    assert_int_equal(PMPI_Error_string(MPI_ERR_RANK, str, &len), MPI_SUCCESS);
    assert_string_equal(str, "MPI_ERR_RANK: invalid rank");
}

static void err_many_codes(void **state)
{
    int cls, code = 0, prev;

    (void) state;
    assert_int_equal(kr_api_err_add_class(&cls), 0);
    prev = cls;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(kr_api_err_add_code(cls, &code), 0);
        assert_int_equal(code, prev + 1); /* dense, increasing, never reused */
        prev = code;
    }
    assert_int_equal(kr_api_err_lastused(), code);
    assert_int_equal(kr_api_err_class(code), cls);
    assert_int_equal(kr_api_err_class(cls + 500), cls);
}

/* ---- the handle table ------------------------------------------------------------------- */

static int htab_setup(void **state)
{
    struct kr_api_htab *t = calloc(1, sizeof(*t));

    *state = t;
    return t == NULL ? -1 : 0;
}

static int htab_teardown(void **state)
{
    kr_api_htab_fini(*state);
    free(*state);
    return 0;
}

static void htab_round_trip(void **state)
{
    struct kr_api_htab *t = *state;
    char objs[4];
    void *got = NULL;
    int a, b, c, again;

    a = kr_api_htab_put(t, KR_API_H_COMM, &objs[0]);
    b = kr_api_htab_put(t, KR_API_H_COMM, &objs[1]);
    c = kr_api_htab_put(t, KR_API_H_TYPE, &objs[0]); /* same address, another kind */
    assert_true(a >= (int) KR_HANDLE_USER_MIN);
    assert_true(b >= (int) KR_HANDLE_USER_MIN);
    assert_true(c >= (int) KR_HANDLE_USER_MIN);
    assert_int_not_equal(a, b);
    assert_int_not_equal(a, c);
    again = kr_api_htab_put(t, KR_API_H_COMM, &objs[0]);
    assert_int_equal(again, a);

    assert_int_equal(kr_api_htab_get(t, KR_API_H_COMM, a, &got), 0);
    assert_ptr_equal(got, &objs[0]);
    assert_int_equal(kr_api_htab_get(t, KR_API_H_COMM, b, &got), 0);
    assert_ptr_equal(got, &objs[1]);
    assert_int_equal(kr_api_htab_get(t, KR_API_H_TYPE, c, &got), 0);
    assert_ptr_equal(got, &objs[0]);

    /* another kind's integer, the reserved range, negatives, slots never handed out */
    got = NULL;
    assert_int_equal(kr_api_htab_get(t, KR_API_H_TYPE, a, &got), -EINVAL);
    assert_int_equal(kr_api_htab_get(t, KR_API_H_COMM, 0x101, &got), -EINVAL);
    assert_int_equal(kr_api_htab_get(t, KR_API_H_COMM, 0, &got), -EINVAL);
    assert_int_equal(kr_api_htab_get(t, KR_API_H_COMM, -5, &got), -EINVAL);
    assert_int_equal(kr_api_htab_get(t, KR_API_H_COMM, (int) KR_HANDLE_USER_MIN + 100, &got),
                     -EINVAL);
    assert_int_equal(kr_api_htab_get(t, KR_API_H_COMM, 1 << KR_API_FINT_SLOT_BITS, &got), -EINVAL);
    assert_null(got);
}

static void htab_forget_and_reuse(void **state)
{
    struct kr_api_htab *t = *state;
    char objs[3];
    void *got = NULL;
    int a, b, a2;

    a = kr_api_htab_put(t, KR_API_H_REQUEST, &objs[0]);
    b = kr_api_htab_put(t, KR_API_H_REQUEST, &objs[1]);
    kr_api_htab_forget(t, KR_API_H_REQUEST, &objs[0]);
    kr_api_htab_forget(t, KR_API_H_REQUEST, &objs[0]); /* twice: no effect */
    kr_api_htab_forget(t, KR_API_H_OP, &objs[1]);      /* never put as an op: no effect */
    assert_int_equal(kr_api_htab_get(t, KR_API_H_REQUEST, a, &got), -ENOENT);
    assert_int_equal(kr_api_htab_get(t, KR_API_H_REQUEST, b, &got), 0);
    assert_ptr_equal(got, &objs[1]);

    /* the freed slot goes to the next object, under a new integer */
    a2 = kr_api_htab_put(t, KR_API_H_REQUEST, &objs[2]);
    assert_int_not_equal(a2, a);
    assert_int_equal(a2 & ((1 << KR_API_FINT_SLOT_BITS) - 1),
                     a & ((1 << KR_API_FINT_SLOT_BITS) - 1));
    assert_int_equal(kr_api_htab_get(t, KR_API_H_REQUEST, a, &got), -ENOENT);
    assert_int_equal(kr_api_htab_get(t, KR_API_H_REQUEST, a2, &got), 0);
    assert_ptr_equal(got, &objs[2]);

    /* a revived address is a new object: a new integer too */
    kr_api_htab_forget(t, KR_API_H_REQUEST, &objs[2]);
    a = kr_api_htab_put(t, KR_API_H_REQUEST, &objs[2]);
    assert_int_not_equal(a, a2);
    assert_int_equal(kr_api_htab_get(t, KR_API_H_REQUEST, a2, &got), -ENOENT);
}

/* One slot freed and reused again and again: the generation wraps but every integer stays a
 * positive int above the reserved range. */
static void htab_generations_wrap(void **state)
{
    struct kr_api_htab *t = *state;
    int first, fint = 0, prev = 0;
    char obj;

    first = kr_api_htab_put(t, KR_API_H_WIN, &obj);
    for (int i = 0; i < 2000; i++) {
        kr_api_htab_forget(t, KR_API_H_WIN, &obj);
        fint = kr_api_htab_put(t, KR_API_H_WIN, &obj);
        assert_true(fint >= (int) KR_HANDLE_USER_MIN);
        assert_int_not_equal(fint, prev);
        prev = fint;
    }
    /* 512 generations: after 2000 reuses the first integer has come round again only if
     * 2000 is a multiple of 512, which it is not */
    assert_int_not_equal(fint, first);
}

/* Many objects put and forgotten in a scrambled order (the hash grows and its runs get holes
 * punched in them); every live object must keep its integer and every dead one miss. */
static void htab_stress(void **state)
{
    enum { N = 20000 };
    struct kr_api_htab *t = *state;
    static char objs[N];
    static int fints[N];
    static bool live[N];
    uint32_t x = 12345;
    void *got;

    for (int i = 0; i < N; i++) {
        fints[i] = kr_api_htab_put(t, (enum kr_api_hkind)(i % KR_API_H_NKINDS), &objs[i]);
        assert_true(fints[i] >= (int) KR_HANDLE_USER_MIN);
        live[i] = true;
    }
    for (int round = 0; round < 4 * N; round++) {
        int i;

        x = x * 1664525u + 1013904223u;
        i = (int) ((x >> 8) % N);
        if (live[i]) {
            kr_api_htab_forget(t, (enum kr_api_hkind)(i % KR_API_H_NKINDS), &objs[i]);
            live[i] = false;
        } else {
            fints[i] = kr_api_htab_put(t, (enum kr_api_hkind)(i % KR_API_H_NKINDS), &objs[i]);
            assert_true(fints[i] >= (int) KR_HANDLE_USER_MIN);
            live[i] = true;
        }
    }
    for (int i = 0; i < N; i++) {
        enum kr_api_hkind kind = (enum kr_api_hkind)(i % KR_API_H_NKINDS);
        int ret = kr_api_htab_get(t, kind, fints[i], &got);

        if (live[i]) {
            assert_int_equal(ret, 0);
            assert_ptr_equal(got, &objs[i]);
            assert_int_equal(kr_api_htab_put(t, kind, &objs[i]), fints[i]);
        } else {
            assert_int_equal(ret, -ENOENT);
        }
    }
    /* slots are reused: never more of them than objects alive at once */
    assert_true(t->nslots <= N);
}

/* ---- conversions that need no MPI_Init ----------------------------------------------------- */

static void f2c_predefined(void **state)
{
    (void) state;
    /* MPI-5.0 21.5: a predefined handle's integer is its ABI value */
    assert_int_equal(PMPI_Comm_c2f(MPI_COMM_NULL), 0x100);
    assert_int_equal(PMPI_Comm_c2f(MPI_COMM_WORLD), 0x101);
    assert_int_equal(PMPI_Comm_c2f(MPI_COMM_SELF), 0x102);
    assert_int_equal(PMPI_Type_c2f(MPI_INT), (int) (uintptr_t) MPI_INT);
    assert_int_equal(PMPI_Type_c2f(MPI_DATATYPE_NULL), (int) (uintptr_t) MPI_DATATYPE_NULL);
    assert_int_equal(PMPI_Op_c2f(MPI_SUM), 0x21);
    assert_int_equal(PMPI_Errhandler_c2f(MPI_ERRORS_RETURN), 0x142);
    assert_int_equal(PMPI_Request_c2f(MPI_REQUEST_NULL), 0x180);
    assert_int_equal(PMPI_Info_c2f(MPI_INFO_ENV), 0x131);
    assert_int_equal(PMPI_Group_c2f(MPI_GROUP_EMPTY), 0x109);
    assert_int_equal(PMPI_Message_c2f(MPI_MESSAGE_NO_PROC), 0x129);
    assert_int_equal(PMPI_Win_c2f(MPI_WIN_NULL), 0x110);
    assert_int_equal(PMPI_File_c2f(MPI_FILE_NULL), 0x118);
    assert_int_equal(PMPI_Session_c2f(MPI_SESSION_NULL), 0x120);

    assert_ptr_equal(PMPI_Comm_f2c(0x101), MPI_COMM_WORLD);
    assert_ptr_equal(PMPI_Type_f2c((MPI_Fint) (uintptr_t) MPI_DOUBLE), MPI_DOUBLE);
    assert_ptr_equal(PMPI_Op_f2c(0x39), MPI_MAXLOC);
    assert_ptr_equal(PMPI_Errhandler_f2c(0x141), MPI_ERRORS_ARE_FATAL);
    assert_ptr_equal(PMPI_Session_f2c(0x120), MPI_SESSION_NULL);

    /* a value of another kind, or of no kind, is invalid both ways: 0 */
    assert_int_equal(PMPI_Comm_c2f((MPI_Comm) MPI_SUM), 0);
    assert_int_equal(PMPI_Type_c2f((MPI_Datatype) 0x2ff), 0);
    assert_int_equal(PMPI_Win_c2f((MPI_Win) 0x111), 0);
    assert_null(PMPI_Comm_f2c(0x21));
    assert_null(PMPI_Comm_f2c(-1));
    assert_null(PMPI_Comm_f2c(0));
    assert_null(PMPI_Op_f2c(0x101));
    assert_null(PMPI_Request_f2c(0x7fffffff));
}

static void status_copies(void **state)
{
    MPI_Status c = {3, 42, MPI_ERR_TAG, {1, 2, 3, 4, 5}}, c2;
    MPI_Fint f[MPI_F_STATUS_SIZE], f2[MPI_F_STATUS_SIZE];
    MPI_F08_status f08;

    (void) state;
    assert_non_null(MPI_F_STATUS_IGNORE);
    assert_ptr_not_equal(MPI_F_STATUS_IGNORE, MPI_F_STATUSES_IGNORE);
    assert_ptr_not_equal(MPI_F08_STATUS_IGNORE, MPI_F08_STATUSES_IGNORE);

    assert_int_equal(PMPI_Status_c2f(&c, f), MPI_SUCCESS);
    assert_int_equal(f[MPI_F_SOURCE], 3);
    assert_int_equal(f[MPI_F_TAG], 42);
    assert_int_equal(f[MPI_F_ERROR], MPI_ERR_TAG);
    assert_int_equal(PMPI_Status_f2f08(f, &f08), MPI_SUCCESS);
    assert_int_equal(f08.MPI_TAG, 42);
    assert_int_equal(f08.MPI_internal[4], 5);
    assert_int_equal(PMPI_Status_f082f(&f08, f2), MPI_SUCCESS);
    assert_memory_equal(f, f2, sizeof(f));
    memset(&c2, 0, sizeof(c2));
    assert_int_equal(PMPI_Status_f082c(&f08, &c2), MPI_SUCCESS);
    assert_memory_equal(&c, &c2, sizeof(c));
    memset(&c2, 0, sizeof(c2));
    assert_int_equal(PMPI_Status_f2c(f, &c2), MPI_SUCCESS);
    assert_memory_equal(&c, &c2, sizeof(c));
    assert_int_equal(PMPI_Status_c2f08(&c, &f08), MPI_SUCCESS);
    assert_int_equal(f08.MPI_SOURCE, 3);
}

static void status_helpers(void **state)
{
    MPI_Status st;
    int n = -1, flag = -1, v = 0;

    (void) state;
    memset(&st, 0, sizeof(st));
    assert_int_equal(PMPI_Status_set_elements(&st, MPI_DOUBLE, 7), MPI_SUCCESS);
    assert_int_equal(PMPI_Get_count(&st, MPI_DOUBLE, &n), MPI_SUCCESS);
    assert_int_equal(n, 7);
    assert_int_equal(kr_api_status_bytes(&st), 7 * sizeof(double));
    /* a count above 2^32 bytes uses both words */
    assert_int_equal(PMPI_Status_set_elements_c(&st, MPI_INT, (MPI_Count) 3 << 31), MPI_SUCCESS);
    assert_int_equal(kr_api_status_bytes(&st), ((size_t) 3 << 31) * sizeof(int));
    assert_int_equal(PMPI_Get_count(&st, MPI_INT, &n), MPI_SUCCESS);
    assert_int_equal(n, MPI_UNDEFINED); /* too many for an int */
    assert_int_equal(PMPI_Status_set_elements_x(&st, MPI_CHAR, 0), MPI_SUCCESS);
    assert_int_equal(kr_api_status_bytes(&st), 0);

    assert_int_equal(PMPI_Test_cancelled(&st, &flag), MPI_SUCCESS);
    assert_int_equal(flag, 0);
    assert_int_equal(PMPI_Status_set_cancelled(&st, 5), MPI_SUCCESS);
    assert_int_equal(PMPI_Test_cancelled(&st, &flag), MPI_SUCCESS);
    assert_int_equal(flag, 1);
    assert_int_equal(PMPI_Status_set_cancelled(&st, 0), MPI_SUCCESS);
    assert_int_equal(PMPI_Test_cancelled(&st, &flag), MPI_SUCCESS);
    assert_int_equal(flag, 0);

    assert_int_equal(PMPI_Status_set_source(&st, 4), MPI_SUCCESS);
    assert_int_equal(PMPI_Status_set_tag(&st, 99), MPI_SUCCESS);
    assert_int_equal(PMPI_Status_set_error(&st, MPI_ERR_OTHER), MPI_SUCCESS);
    assert_int_equal(PMPI_Status_get_source(&st, &v), MPI_SUCCESS);
    assert_int_equal(v, 4);
    assert_int_equal(PMPI_Status_get_tag(&st, &v), MPI_SUCCESS);
    assert_int_equal(v, 99);
    assert_int_equal(PMPI_Status_get_error(&st, &v), MPI_SUCCESS);
    assert_int_equal(v, MPI_ERR_OTHER);
    /* the setters leave the count alone */
    assert_int_equal(kr_api_status_bytes(&st), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(err_predefined_classes),
        cmocka_unit_test(err_predefined_strings),
        cmocka_unit_test(err_add_class_and_codes),
        cmocka_unit_test(err_strings),
        cmocka_unit_test(err_many_codes),
        cmocka_unit_test_setup_teardown(htab_round_trip, htab_setup, htab_teardown),
        cmocka_unit_test_setup_teardown(htab_forget_and_reuse, htab_setup, htab_teardown),
        cmocka_unit_test_setup_teardown(htab_generations_wrap, htab_setup, htab_teardown),
        cmocka_unit_test_setup_teardown(htab_stress, htab_setup, htab_teardown),
        cmocka_unit_test(f2c_predefined),
        cmocka_unit_test(status_copies),
        cmocka_unit_test(status_helpers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

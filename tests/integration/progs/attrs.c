/* attrs: communicator attributes. Keyvals whose copy and delete callbacks count their calls
 * (and check their arguments) through MPI_Comm_dup, MPI_Comm_idup, overwrite, delete and free;
 * MPI_COMM_NULL_COPY_FN and MPI_COMM_DUP_FN; a copy callback that declines and one that fails;
 * a delete callback that fails (the free fails and can be retried); keyvals freed while still
 * in use; the predefined attributes; the MPI-1 calls (MPI_Keyval_create, MPI_Attr_put/get/
 * delete, MPI_Keyval_free); and the attributes of MPI_COMM_SELF deleted by MPI_Finalize while
 * MPI still works. */
#include "check.h"

#include <limits.h>

static int rank, np;
static int copies, deletes, fail_copy, fail_delete, self_deleted;

/* The extra state every keyval of this test carries, to check it comes back. */
static int extra_magic = 4242;

static int count_copy(MPI_Comm oldcomm, int keyval, void *extra, void *in, void *out, int *flag)
{
    (void) oldcomm;
    (void) keyval;
    CHECK(extra == &extra_magic, "copy callback: extra_state %p, want %p", extra,
          (void *) &extra_magic);
    copies++;
    if (fail_copy) {
        return MPI_ERR_OTHER;
    }
    /* copies get the value plus one, so a copy is told from the original */
    *(void **) out = (char *) in + 1;
    *flag = 1;
    return MPI_SUCCESS;
}

static int decline_copy(MPI_Comm oldcomm, int keyval, void *extra, void *in, void *out, int *flag)
{
    (void) oldcomm;
    (void) keyval;
    (void) extra;
    (void) in;
    (void) out;
    copies++;
    *flag = 0;
    return MPI_SUCCESS;
}

static int count_delete(MPI_Comm comm, int keyval, void *val, void *extra)
{
    (void) comm;
    (void) keyval;
    (void) val;
    CHECK(extra == &extra_magic, "delete callback: extra_state %p", extra);
    deletes++;
    return fail_delete ? MPI_ERR_OTHER : MPI_SUCCESS;
}

/* Deleting MPI_COMM_SELF's attribute at MPI_Finalize: MPI must still be usable then. */
static int self_delete(MPI_Comm comm, int keyval, void *val, void *extra)
{
    int finalized = 1, size = -1;

    (void) keyval;
    (void) extra;
    CHECK(comm == MPI_COMM_SELF, "self_delete called for another communicator");
    CHECK(val == (void *) &self_deleted, "self_delete got value %p", val);
    CHECK_MPI(MPI_Finalized(&finalized));
    CHECK(!finalized, "MPI_COMM_SELF's attribute deleted after MPI_Finalize");
    CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &size));
    self_deleted++;
    return MPI_SUCCESS;
}

static void expect_attr(MPI_Comm comm, int keyval, void *want, const char *what)
{
    void *val = NULL;
    int flag = -1;

    CHECK_MPI(MPI_Comm_get_attr(comm, keyval, &val, &flag));
    if (want == NULL) {
        CHECK(!flag, "%s: keyval %d has value %p, want none", what, keyval, val);
    } else {
        CHECK(flag && val == want, "%s: keyval %d has %s %p, want %p", what, keyval,
              flag ? "value" : "no value", val, want);
    }
}

static void test_callbacks(void)
{
    static char base[16];
    MPI_Comm a, b, c;
    MPI_Request req;
    int kcount, knull, kdup, kdecline;

    CHECK_MPI(MPI_Comm_create_keyval(count_copy, count_delete, &kcount, &extra_magic));
    CHECK_MPI(MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, count_delete, &knull, &extra_magic));
    CHECK_MPI(
        MPI_Comm_create_keyval(MPI_COMM_DUP_FN, MPI_COMM_NULL_DELETE_FN, &kdup, &extra_magic));
    CHECK_MPI(MPI_Comm_create_keyval(decline_copy, MPI_COMM_NULL_DELETE_FN, &kdecline, NULL));
    CHECK(kcount != knull && knull != kdup && kdup != kdecline, "keyvals are not distinct");
    CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &a));
    expect_attr(a, kcount, NULL, "fresh communicator");
    CHECK_MPI(MPI_Comm_set_attr(a, kcount, base));
    CHECK_MPI(MPI_Comm_set_attr(a, knull, base + 5));
    CHECK_MPI(MPI_Comm_set_attr(a, kdup, base + 9));
    CHECK_MPI(MPI_Comm_set_attr(a, kdecline, base + 12));
    expect_attr(a, kcount, base, "a");

    /* dup: the counting copy runs (value + 1), the null copy drops, DUP_FN copies as is */
    copies = deletes = 0;
    CHECK_MPI(MPI_Comm_dup(a, &b));
    CHECK(copies == 2, "dup ran %d copy callbacks, want 2", copies);
    expect_attr(b, kcount, base + 1, "dup");
    expect_attr(b, knull, NULL, "dup (null copy)");
    expect_attr(b, kdup, base + 9, "dup (DUP_FN)");
    expect_attr(b, kdecline, NULL, "dup (declined)");
    expect_attr(a, kcount, base, "a after dup");

    /* idup copies too, at the call */
    copies = 0;
    CHECK_MPI(MPI_Comm_idup(b, &c, &req));
    CHECK(copies == 1, "idup ran %d copy callbacks at the call, want 1", copies);
    CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
    expect_attr(c, kcount, base + 2, "idup");
    expect_attr(c, kdup, base + 9, "idup (DUP_FN)");

    /* overwrite runs the old value's delete; delete_attr runs it; free runs the rest */
    deletes = 0;
    CHECK_MPI(MPI_Comm_set_attr(a, kcount, base + 3));
    CHECK(deletes == 1, "overwrite ran %d delete callbacks", deletes);
    expect_attr(a, kcount, base + 3, "overwritten");
    CHECK_MPI(MPI_Comm_delete_attr(a, kcount));
    CHECK(deletes == 2, "delete_attr ran %d delete callbacks in all", deletes);
    expect_attr(a, kcount, NULL, "deleted");
    CHECK_MPI(MPI_Comm_delete_attr(a, kcount)); /* absent: nothing to do */
    CHECK(deletes == 2, "deleting an absent attribute ran a callback");
    deletes = 0;
    CHECK_MPI(MPI_Comm_free(&a)); /* knull's value (count_delete); kdup, kdecline: none */
    CHECK(deletes == 1, "free(a) ran %d delete callbacks, want 1", deletes);

    /* a keyval freed while attributes still use it: they keep working until deleted */
    CHECK_MPI(MPI_Comm_free_keyval(&kcount));
    CHECK(kcount == MPI_KEYVAL_INVALID, "free_keyval left the keyval %d", kcount);
    deletes = 0;
    CHECK_MPI(MPI_Comm_free(&b));
    CHECK(deletes == 1, "free(b) after free_keyval ran %d delete callbacks", deletes);

    /* a failing delete callback makes free fail; the communicator stays usable */
    CHECK_MPI(MPI_Comm_set_errhandler(c, MPI_ERRORS_RETURN));
    CHECK_MPI(MPI_Comm_set_attr(c, knull, base));
    fail_delete = 1;
    CHECK(MPI_Comm_free(&c) != MPI_SUCCESS, "free with a failing delete callback succeeded");
    CHECK(c != MPI_COMM_NULL, "failed free set the handle to MPI_COMM_NULL");
    fail_delete = 0;
    CHECK_MPI(MPI_Barrier(c));
    deletes = 0;
    CHECK_MPI(MPI_Comm_free(&c));
    CHECK(deletes == 2, "free(c) ran %d delete callbacks, want 2", deletes);

    CHECK_MPI(MPI_Comm_free_keyval(&knull));
    CHECK_MPI(MPI_Comm_free_keyval(&kdup));
    CHECK_MPI(MPI_Comm_free_keyval(&kdecline));
}

/* A copy callback that fails makes the dup fail with its code. */
static void test_failing_copy(void)
{
    MPI_Comm a, b = MPI_COMM_NULL;
    int k, ret, cls;

    CHECK_MPI(MPI_Comm_create_keyval(count_copy, MPI_COMM_NULL_DELETE_FN, &k, &extra_magic));
    CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &a));
    CHECK_MPI(MPI_Comm_set_errhandler(a, MPI_ERRORS_RETURN));
    CHECK_MPI(MPI_Comm_set_attr(a, k, &k));
    fail_copy = 1;
    ret = MPI_Comm_dup(a, &b);
    fail_copy = 0;
    CHECK(ret != MPI_SUCCESS, "dup with a failing copy callback succeeded");
    CHECK_MPI(MPI_Error_class(ret, &cls));
    CHECK(cls == MPI_ERR_OTHER, "dup with a failing copy callback gave class %d", cls);
    CHECK(b == MPI_COMM_NULL, "failed dup returned a communicator");
    CHECK_MPI(MPI_Comm_free(&a));
    CHECK_MPI(MPI_Comm_free_keyval(&k));
}

static void test_predefined(void)
{
    int *v = NULL, flag = 0, ret, cls, code;

    CHECK_MPI(MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &v, &flag));
    CHECK(flag && *v == INT_MAX, "MPI_TAG_UB: flag %d value %d", flag, flag ? *v : 0);
    CHECK_MPI(MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_HOST, &v, &flag));
    CHECK(flag && *v == MPI_PROC_NULL, "MPI_HOST: flag %d value %d", flag, flag ? *v : 0);
    CHECK_MPI(MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_IO, &v, &flag));
    CHECK(flag && *v == rank, "MPI_IO: flag %d value %d", flag, flag ? *v : 0);
    CHECK_MPI(MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_WTIME_IS_GLOBAL, &v, &flag));
    CHECK(flag && *v == 0, "MPI_WTIME_IS_GLOBAL: flag %d value %d", flag, flag ? *v : 0);
    CHECK_MPI(MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_APPNUM, &v, &flag));
    CHECK(!flag || *v >= 0, "MPI_APPNUM: %d", *v);
    CHECK_MPI(MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_UNIVERSE_SIZE, &v, &flag));
    CHECK(!flag || *v >= np, "MPI_UNIVERSE_SIZE: %d with %d processes", *v, np);
    CHECK_MPI(MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_LASTUSEDCODE, &v, &flag));
    CHECK(flag && *v >= MPI_ERR_LASTCODE, "MPI_LASTUSEDCODE: %d", flag ? *v : 0);
    CHECK_MPI(MPI_Add_error_class(&cls));
    CHECK_MPI(MPI_Add_error_code(cls, &code));
    CHECK_MPI(MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_LASTUSEDCODE, &v, &flag));
    CHECK(flag && *v == code, "MPI_LASTUSEDCODE after adding code %d: %d", code, *v);
    /* any communicator answers (programs ask their own duplicates) */
    CHECK_MPI(MPI_Comm_get_attr(MPI_COMM_SELF, MPI_TAG_UB, &v, &flag));
    CHECK(flag && *v == INT_MAX, "MPI_TAG_UB on MPI_COMM_SELF: flag %d", flag);
    /* and they cannot be changed */
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    ret = MPI_Comm_set_attr(MPI_COMM_WORLD, MPI_TAG_UB, &flag);
    CHECK_MPI(MPI_Error_class(ret, &cls));
    CHECK(cls == MPI_ERR_KEYVAL, "setting MPI_TAG_UB gave class %d", cls);
    ret = MPI_Comm_delete_attr(MPI_COMM_WORLD, MPI_IO);
    CHECK_MPI(MPI_Error_class(ret, &cls));
    CHECK(cls == MPI_ERR_KEYVAL, "deleting MPI_IO gave class %d", cls);
    ret = MPI_Comm_get_attr(MPI_COMM_WORLD, 123456, &v, &flag);
    CHECK_MPI(MPI_Error_class(ret, &cls));
    CHECK(cls == MPI_ERR_KEYVAL, "an unknown keyval gave class %d", cls);
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
}

static void test_legacy(void)
{
    static int x;
    MPI_Comm a, b;
    void *val = NULL;
    int k1, k2, flag = 0;

    CHECK_MPI(MPI_Keyval_create(count_copy, count_delete, &k1, &extra_magic));
    CHECK_MPI(MPI_Keyval_create(MPI_DUP_FN, MPI_NULL_DELETE_FN, &k2, NULL));
    CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &a));
    CHECK_MPI(MPI_Attr_put(a, k1, &x));
    CHECK_MPI(MPI_Attr_put(a, k2, &k2));
    CHECK_MPI(MPI_Attr_get(a, k1, &val, &flag));
    CHECK(flag && val == &x, "MPI_Attr_get: flag %d", flag);
    copies = 0;
    CHECK_MPI(MPI_Comm_dup(a, &b));
    CHECK(copies == 1, "dup with MPI-1 keyvals ran %d copy callbacks", copies);
    CHECK_MPI(MPI_Attr_get(b, k1, &val, &flag));
    CHECK(flag && val == (char *) &x + 1, "MPI_Attr_get on the dup: flag %d", flag);
    CHECK_MPI(MPI_Attr_get(b, k2, &val, &flag));
    CHECK(flag && val == &k2, "MPI_DUP_FN: flag %d", flag);
    deletes = 0;
    CHECK_MPI(MPI_Attr_delete(b, k1));
    CHECK(deletes == 1, "MPI_Attr_delete ran %d delete callbacks", deletes);
    CHECK_MPI(MPI_Attr_get(b, k1, &val, &flag));
    CHECK(!flag, "MPI_Attr_delete left the attribute");
    /* the predefined ones through the MPI-1 call */
    CHECK_MPI(MPI_Attr_get(MPI_COMM_WORLD, MPI_TAG_UB, &val, &flag));
    CHECK(flag && *(int *) val == INT_MAX, "MPI_Attr_get(MPI_TAG_UB)");
    CHECK_MPI(MPI_Comm_free(&b));
    CHECK_MPI(MPI_Comm_free(&a));
    CHECK_MPI(MPI_Keyval_free(&k1));
    CHECK_MPI(MPI_Keyval_free(&k2));
    CHECK(k1 == MPI_KEYVAL_INVALID && k2 == MPI_KEYVAL_INVALID, "MPI_Keyval_free left keyvals");
}

int main(int argc, char **argv)
{
    int kself;

    CHECK_MPI(MPI_Init(&argc, &argv));
    check_init("attrs");
    CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &np));
    test_callbacks();
    test_failing_copy();
    test_predefined();
    test_legacy();
    CHECK_MPI(MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, self_delete, &kself, NULL));
    CHECK_MPI(MPI_Comm_set_attr(MPI_COMM_SELF, kself, &self_deleted));
    CHECK_MPI(MPI_Finalize());
    if (self_deleted != 1) {
        fprintf(stderr,
                "attrs: FAIL rank %d: MPI_Finalize ran MPI_COMM_SELF's delete callback "
                "%d times, want 1\n",
                rank, self_deleted);
        return 1;
    }
    return 0;
}

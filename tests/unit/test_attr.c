/* The attribute store (util/attr.c) through a fake glue: keyvals of each kind, set / get /
 * overwrite / delete with their callbacks, copying on dup (user function and the DUP_FN
 * sentinel), a failing delete callback, and keyvals freed while attributes still use them. */
#include "config.h"

#include "util/attr.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* MPI_ERR_OTHER's value, without including mpi.h: the store passes callback codes through. */
#define ATTR_ERR_OTHER 16

static int attr_deletes, attr_copies, attr_fail_delete;

static int fake_copy(const struct kr_keyval *kv, void *obj, void *in, void **out, int *flag)
{
    (void) kv;
    (void) obj;
    attr_copies++;
    *out = (char *) in + 1;
    *flag = 1;
    return 0;
}

static int fake_del(const struct kr_keyval *kv, void *obj, void *val)
{
    (void) kv;
    (void) obj;
    (void) val;
    attr_deletes++;
    return attr_fail_delete;
}

static void user_fn(void)
{
}

static void attr_store(void **state)
{
    static const struct kr_attr_glue glue = {fake_copy, fake_del};
    struct kr_attr_list *a = NULL, *b = NULL;
    int k1, k2, k3;
    void *v;
    bool found;

    (void) state;
    assert_int_equal(kr_attr_keyval_create(KR_ATTR_TYPE, user_fn, user_fn, NULL, &k1), 0);
    assert_int_equal(kr_attr_keyval_create(KR_ATTR_TYPE, (kr_attr_fn *) KR_ATTR_FN_DUP,
                                           (kr_attr_fn *) KR_ATTR_FN_NONE, NULL, &k2),
                     0);
    assert_int_equal(kr_attr_keyval_create(KR_ATTR_COMM, user_fn, user_fn, NULL, &k3), 0);
    assert_true(k1 >= KR_ATTR_KEYVAL_BASE && k2 != k1);
    /* a keyval of another kind is refused */
    assert_int_equal(kr_attr_set(&a, &glue, NULL, k3, KR_ATTR_TYPE, (void *) 1), -EINVAL);
    assert_int_equal(kr_attr_set(&a, &glue, NULL, k1, KR_ATTR_TYPE, (void *) 10), 0);
    assert_int_equal(kr_attr_set(&a, &glue, NULL, k2, KR_ATTR_TYPE, (void *) 20), 0);
    /* overwrite runs the delete callback */
    assert_int_equal(kr_attr_set(&a, &glue, NULL, k1, KR_ATTR_TYPE, (void *) 11), 0);
    assert_int_equal(attr_deletes, 1);
    assert_int_equal(kr_attr_get(&a, k1, KR_ATTR_TYPE, &v, &found), 0);
    assert_true(found && v == (void *) 11);
    /* dup: the user copy function for k1, plain copy for MPI_TYPE_DUP_FN */
    assert_int_equal(kr_attr_copy_all(&a, &b, &glue, NULL, NULL), 0);
    assert_int_equal(attr_copies, 1);
    assert_int_equal(kr_attr_count(&b), 2);
    assert_int_equal(kr_attr_get(&b, k1, KR_ATTR_TYPE, &v, &found), 0);
    assert_true(found && v == (void *) 12);
    /* the keyval freed while attributes use it: still deletable, no longer settable */
    assert_int_equal(kr_attr_keyval_free(k1, KR_ATTR_TYPE), 0);
    assert_int_equal(kr_attr_set(&a, &glue, NULL, k1, KR_ATTR_TYPE, (void *) 1), -EINVAL);
    /* a failing delete callback keeps the attribute */
    attr_fail_delete = ATTR_ERR_OTHER;
    assert_int_equal(kr_attr_delete_all(&b, &glue, NULL), ATTR_ERR_OTHER);
    attr_fail_delete = 0;
    assert_int_equal(kr_attr_delete_all(&b, &glue, NULL), 0);
    assert_null(b);
    assert_int_equal(kr_attr_delete(&a, &glue, NULL, k2, KR_ATTR_TYPE), 0);
    assert_int_equal(kr_attr_count(&a), 1);
    kr_attr_list_destroy(&a);
    assert_int_equal(kr_attr_keyval_free(k2, KR_ATTR_TYPE), 0);
    assert_int_equal(kr_attr_keyval_free(k3, KR_ATTR_COMM), 0);
    assert_int_equal(kr_attr_keyval_free(k3, KR_ATTR_COMM), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(attr_store),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

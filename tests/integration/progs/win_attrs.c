/* win_attrs: window attributes. MPI_Win_create_keyval / free_keyval / set_attr / get_attr /
 * delete_attr: values read back, predefined MPI_WIN_* attributes beside user ones, delete
 * callbacks run exactly once with the right window, keyval, value and extra_state (on
 * replace, delete_attr and MPI_Win_free), MPI_WIN_NULL_DELETE_FN and MPI_WIN_DUP_FN, a keyval
 * freed while in use, a failing delete callback (its error is returned, the attribute stays),
 * and the error classes of bad keyvals under MPI_ERRORS_RETURN. */
#include "check.h"

#define NLOG 8

/* What the delete callback saw, in order. */
static struct {
    int n;
    MPI_Win win[NLOG];
    int keyval[NLOG];
    void *val[NLOG];
} dlog;
static int fail_delete; /* the callback returns MPI_ERR_OTHER while set */
static int extra = 42;

static int del_fn(MPI_Win win, int keyval, void *val, void *extra_state)
{
    CHECK(extra_state == &extra, "delete callback: extra_state %p, want %p", extra_state,
          (void *) &extra);
    if (fail_delete) {
        return MPI_ERR_OTHER;
    }
    CHECK(dlog.n < NLOG, "too many delete callbacks");
    dlog.win[dlog.n] = win;
    dlog.keyval[dlog.n] = keyval;
    dlog.val[dlog.n] = val;
    dlog.n++;
    return MPI_SUCCESS;
}

static int copy_fn(MPI_Win oldwin, int keyval, void *extra_state, void *in, void *out, int *flag)
{
    (void) oldwin, (void) keyval, (void) extra_state, (void) in, (void) out, (void) flag;
    CHECK(0, "a window copy callback ran (windows are never duplicated)");
    return MPI_ERR_OTHER;
}

static void check_attr(MPI_Win win, int keyval, int want_flag, void *want)
{
    void *val = NULL;
    int flag = -1;

    CHECK_MPI(MPI_Win_get_attr(win, keyval, &val, &flag));
    CHECK(flag == want_flag && (!flag || val == want), "keyval %d: flag %d value %p, want %d %p",
          keyval, flag, val, want_flag, want);
}

static void check_class(int ret, int cls, const char *what)
{
    CHECK(ret != MPI_SUCCESS && check_errclass(ret) == cls, "%s: got %s", what,
          check_errstr(ret));
}

int main(int argc, char **argv)
{
    int mem[4], kv, kv_null, kv2, ckv, flag, *ip, ret;
    int a = 1, b = 2, c = 3;
    void *base = NULL;
    MPI_Win win, saved;

    CHECK_MPI(MPI_Init(&argc, &argv));
    check_init("win_attrs");
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    CHECK_MPI(MPI_Win_create(mem, sizeof(mem), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &win));
    CHECK_MPI(MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN));
    saved = win;

    CHECK_MPI(MPI_Win_create_keyval(copy_fn, del_fn, &kv, &extra));
    CHECK_MPI(MPI_Win_create_keyval(MPI_WIN_DUP_FN, MPI_WIN_NULL_DELETE_FN, &kv_null, NULL));
    CHECK(kv != kv_null && kv != MPI_KEYVAL_INVALID, "keyvals %d %d", kv, kv_null);

    /* nothing set yet; predefined attributes answer beside user ones */
    check_attr(win, kv, 0, NULL);
    CHECK_MPI(MPI_Win_set_attr(win, kv, &a));
    CHECK_MPI(MPI_Win_set_attr(win, kv_null, &c));
    check_attr(win, kv, 1, &a);
    check_attr(win, kv_null, 1, &c);
    CHECK_MPI(MPI_Win_get_attr(win, MPI_WIN_BASE, &base, &flag));
    CHECK(flag && base == mem, "MPI_WIN_BASE %p, want %p", base, (void *) mem);
    CHECK_MPI(MPI_Win_get_attr(win, MPI_WIN_DISP_UNIT, &ip, &flag));
    CHECK(flag && *ip == (int) sizeof(int), "MPI_WIN_DISP_UNIT %d", *ip);
    CHECK(dlog.n == 0, "%d delete callbacks before any delete", dlog.n);

    /* replacing runs the delete callback once, for the old value */
    CHECK_MPI(MPI_Win_set_attr(win, kv, &b));
    CHECK(dlog.n == 1 && dlog.val[0] == &a && dlog.keyval[0] == kv && dlog.win[0] == win,
          "replace: %d callbacks, value %p keyval %d", dlog.n, dlog.val[0], dlog.keyval[0]);
    check_attr(win, kv, 1, &b);

    /* delete_attr: once; a second delete of an absent attribute runs nothing */
    CHECK_MPI(MPI_Win_delete_attr(win, kv));
    CHECK(dlog.n == 2 && dlog.val[1] == &b, "delete_attr: %d callbacks", dlog.n);
    check_attr(win, kv, 0, NULL);
    CHECK_MPI(MPI_Win_delete_attr(win, kv));
    CHECK(dlog.n == 2, "delete of an absent attribute ran a callback");

    /* a failing delete callback: its error comes back, the attribute stays */
    CHECK_MPI(MPI_Win_set_attr(win, kv, &c));
    fail_delete = 1;
    ret = MPI_Win_delete_attr(win, kv);
    check_class(ret, MPI_ERR_OTHER, "delete_attr with a failing callback");
    check_attr(win, kv, 1, &c);
    fail_delete = 0;

    /* bad keyvals */
    check_class(MPI_Win_set_attr(win, MPI_WIN_BASE, &a), MPI_ERR_KEYVAL, "set MPI_WIN_BASE");
    check_class(MPI_Win_delete_attr(win, MPI_WIN_SIZE), MPI_ERR_KEYVAL, "delete MPI_WIN_SIZE");
    CHECK_MPI(MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, &ckv, NULL));
    check_class(MPI_Win_set_attr(win, ckv, &a), MPI_ERR_KEYVAL, "set with a comm keyval");
    check_class(MPI_Win_get_attr(win, ckv, &base, &flag), MPI_ERR_KEYVAL,
                "get with a comm keyval");
    check_class(MPI_Win_set_attr(win, 123456, &a), MPI_ERR_KEYVAL, "set with keyval 123456");
    check_class(MPI_Win_set_attr(MPI_WIN_NULL, kv, &a), MPI_ERR_WIN, "set on MPI_WIN_NULL");
    check_class(MPI_Win_create_keyval(copy_fn, del_fn, NULL, NULL), MPI_ERR_ARG,
                "create_keyval with NULL keyval");
    kv2 = MPI_WIN_MODEL;
    check_class(MPI_Win_free_keyval(&kv2), MPI_ERR_KEYVAL, "free_keyval(MPI_WIN_MODEL)");
    CHECK_MPI(MPI_Comm_free_keyval(&ckv));

    /* a keyval freed while an attribute uses it: the attribute lives on, the keyval does not */
    CHECK_MPI(MPI_Win_create_keyval(MPI_WIN_NULL_COPY_FN, del_fn, &kv2, &extra));
    CHECK_MPI(MPI_Win_set_attr(win, kv2, &a));
    ret = kv2;
    CHECK_MPI(MPI_Win_free_keyval(&kv2));
    CHECK(kv2 == MPI_KEYVAL_INVALID, "free_keyval left %d", kv2);
    check_class(MPI_Win_set_attr(win, ret, &b), MPI_ERR_KEYVAL, "set with a freed keyval");
    check_class(MPI_Win_free_keyval(&ret), MPI_ERR_KEYVAL, "second free_keyval");

    /* MPI_Win_free with a failing callback fails and keeps the window */
    fail_delete = 1;
    check_class(MPI_Win_free(&win), MPI_ERR_OTHER, "Win_free with a failing callback");
    CHECK(win == saved, "failed Win_free changed the handle");
    fail_delete = 0;

    /* MPI_Win_free: every remaining attribute's callback once, newest first */
    CHECK(dlog.n == 2, "%d callbacks before Win_free", dlog.n);
    CHECK_MPI(MPI_Win_free(&win));
    CHECK(win == MPI_WIN_NULL, "Win_free left the handle");
    CHECK(dlog.n == 4, "Win_free ran %d delete callbacks, want 2", dlog.n - 2);
    CHECK(dlog.val[2] == &a && dlog.keyval[2] == ret && dlog.win[2] == saved,
          "Win_free callback 1: value %p keyval %d", dlog.val[2], dlog.keyval[2]);
    CHECK(dlog.val[3] == &c && dlog.keyval[3] == kv && dlog.win[3] == saved,
          "Win_free callback 2: value %p keyval %d", dlog.val[3], dlog.keyval[3]);
    CHECK_MPI(MPI_Win_free_keyval(&kv));
    CHECK_MPI(MPI_Win_free_keyval(&kv_null));

    CHECK_MPI(MPI_Finalize());
    return 0;
}

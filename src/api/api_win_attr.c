/* Window attributes: MPI_Win_create_keyval, free_keyval, set_attr, get_attr (the predefined
 * MPI_WIN_BASE and friends, and user attributes), delete_attr, and the delete callbacks that
 * MPI_Win_free runs. The store is util/attr.c, shared with communicators and datatypes; this
 * file is the window glue. Windows are never duplicated, so copy callbacks never run. */
#include "config.h"

#include "api.h"

#include "api_win_int.h"

#include "util/attr.h"

#include <errno.h>

/* ---- glue ------------------------------------------------------------------------------- */

static int win_attr_copy(const struct kr_keyval *kv, void *obj, void *val_in, void **val_out,
                         int *flag_out)
{
    MPI_Win_copy_attr_function *fn = (MPI_Win_copy_attr_function *) kv->copy_fn;

    return fn((MPI_Win) obj, kv->id, kv->extra_state, val_in, val_out, flag_out);
}

static int win_attr_del(const struct kr_keyval *kv, void *obj, void *val)
{
    MPI_Win_delete_attr_function *fn = (MPI_Win_delete_attr_function *) kv->delete_fn;

    return fn((MPI_Win) obj, kv->id, val, kv->extra_state);
}

static const struct kr_attr_glue win_attr_glue = {win_attr_copy, win_attr_del};

static MPI_Win win_attr_handle(struct kr_win *w)
{
    return (MPI_Win) (void *) w;
}

/* A store result as the MPI call's return (reported on `w`, or MPI_COMM_WORLD when NULL):
 * callback errors (> 0) are passed on as they are. */
static int win_attr_done(const char *call, struct kr_win *w, int ret, int keyval)
{
    if (ret == 0) {
        return MPI_SUCCESS;
    }
    if (ret == -EINVAL) {
#define WIN_ATTR_BAD_KEYVAL "%s: %d is not a window keyval (created by MPI_Win_create_keyval " \
                            "and not freed)"
        return w != NULL ? kr_api_win_error(w, MPI_ERR_KEYVAL, WIN_ATTR_BAD_KEYVAL, call, keyval)
                         : kr_api_error(NULL, MPI_ERR_KEYVAL, WIN_ATTR_BAD_KEYVAL, call, keyval);
#undef WIN_ATTR_BAD_KEYVAL
    }
    if (ret == -ENOMEM) {
        return w != NULL ? kr_api_win_error(w, MPI_ERR_NO_MEM, "%s: out of memory", call)
                         : kr_api_error(NULL, MPI_ERR_NO_MEM, "%s: out of memory", call);
    }
    return kr_api_win_error(w, ret, "%s: the delete callback of keyval %d returned error %d", call,
                            keyval, ret);
}

static bool win_attr_is_predef(int keyval)
{
    return keyval >= MPI_WIN_BASE && keyval <= MPI_WIN_MODEL;
}

int kr_api_win_attrs_delete(struct kr_win *w, const char *call)
{
    return win_attr_done(call, w, kr_attr_delete_all(&w->attrs, &win_attr_glue,
                                                     win_attr_handle(w)), 0);
}

/* ---- keyvals ----------------------------------------------------------------------------- */

KR_WEAK_ALIAS(Win_create_keyval)
int PMPI_Win_create_keyval(MPI_Win_copy_attr_function *win_copy_attr_fn,
                           MPI_Win_delete_attr_function *win_delete_attr_fn, int *win_keyval,
                           void *extra_state)
{
    int ret;

    kr_api_check_running("MPI_Win_create_keyval");
    ret = kr_api_check_ptr("MPI_Win_create_keyval", win_keyval, "win_keyval");
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_attr_keyval_create(KR_ATTR_WIN, (kr_attr_fn *) win_copy_attr_fn,
                                (kr_attr_fn *) win_delete_attr_fn, extra_state, win_keyval);
    return win_attr_done("MPI_Win_create_keyval", NULL, ret, 0);
}

KR_WEAK_ALIAS(Win_free_keyval)
int PMPI_Win_free_keyval(int *win_keyval)
{
    int ret;

    kr_api_check_running("MPI_Win_free_keyval");
    ret = kr_api_check_ptr("MPI_Win_free_keyval", win_keyval, "win_keyval");
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (win_attr_is_predef(*win_keyval)) {
        return kr_api_error(NULL, MPI_ERR_KEYVAL,
                            "MPI_Win_free_keyval: keyval %d is predefined and cannot be freed",
                            *win_keyval);
    }
    ret = win_attr_done("MPI_Win_free_keyval", NULL, kr_attr_keyval_free(*win_keyval, KR_ATTR_WIN),
                        *win_keyval);
    if (ret == MPI_SUCCESS) {
        *win_keyval = MPI_KEYVAL_INVALID;
    }
    return ret;
}

/* ---- attributes --------------------------------------------------------------------------- */

/* The window, for set and delete: a user keyval, not a predefined one. */
static int win_attr_check(const char *call, MPI_Win h, int keyval, struct kr_win **w_out)
{
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_win(call, h, w_out);
    if (ret == MPI_SUCCESS && win_attr_is_predef(keyval)) {
        ret = kr_api_win_error(*w_out, MPI_ERR_KEYVAL,
                               "%s: keyval %d is predefined and cannot be changed", call, keyval);
    }
    return ret;
}

KR_WEAK_ALIAS(Win_set_attr)
int PMPI_Win_set_attr(MPI_Win win, int win_keyval, void *attribute_val)
{
    struct kr_win *w;
    int ret = win_attr_check("MPI_Win_set_attr", win, win_keyval, &w);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_attr_set(&w->attrs, &win_attr_glue, win, win_keyval, KR_ATTR_WIN, attribute_val);
    return win_attr_done("MPI_Win_set_attr", w, ret, win_keyval);
}

KR_WEAK_ALIAS(Win_delete_attr)
int PMPI_Win_delete_attr(MPI_Win win, int win_keyval)
{
    struct kr_win *w;
    int ret = win_attr_check("MPI_Win_delete_attr", win, win_keyval, &w);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_attr_delete(&w->attrs, &win_attr_glue, win, win_keyval, KR_ATTR_WIN);
    return win_attr_done("MPI_Win_delete_attr", w, ret, win_keyval);
}

/* Predefined attributes are pointers to values that live as long as the window (MPI_WIN_BASE
 * is the base itself); user attributes are what MPI_Win_set_attr stored. */
KR_WEAK_ALIAS(Win_get_attr)
int PMPI_Win_get_attr(MPI_Win h, int keyval, void *attribute_val, int *flag)
{
    static const int models = MPI_WIN_UNIFIED;
    struct kr_win *w;
    bool found = true;
    void *val = NULL;
    int ret;

    kr_api_check_running("MPI_Win_get_attr");
    ret = kr_api_check_win("MPI_Win_get_attr", h, &w);
    if (ret == MPI_SUCCESS && (attribute_val == NULL || flag == NULL)) {
        ret = kr_api_win_error(w, MPI_ERR_ARG, "MPI_Win_get_attr: %s is NULL",
                               flag == NULL ? "flag" : "attribute_val");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    switch (keyval) {
    case MPI_WIN_BASE: val = w->base; break;
    case MPI_WIN_SIZE: val = &w->attr_size; break;
    case MPI_WIN_DISP_UNIT: val = &w->attr_disp_unit; break;
    case MPI_WIN_CREATE_FLAVOR: val = &w->attr_flavor; break;
    case MPI_WIN_MODEL: val = (void *) &models; break;
    default:
        ret = kr_attr_get(&w->attrs, keyval, KR_ATTR_WIN, &val, &found);
        if (ret != 0) {
            return win_attr_done("MPI_Win_get_attr", w, ret, keyval);
        }
    }
    *flag = found;
    if (found) {
        /* attribute_val is really a void ** (the standard's C binding quirk) */
        *(void **) attribute_val = val;
    }
    return MPI_SUCCESS;
}

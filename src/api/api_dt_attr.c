/* Datatype attributes and the calls that run their callbacks: MPI_Type_create_keyval,
 * free_keyval, set_attr, get_attr, delete_attr, and MPI_Type_dup (copy callbacks) and
 * MPI_Type_free (delete callbacks). The store itself is util/attr.c, shared with the other
 * kinds of object; this file is the datatype glue that calls the user's functions with the
 * datatype handle. */
#include "config.h"

#include "api.h"

#include "util/attr.h"

#include <errno.h>

/* ---- glue ------------------------------------------------------------------------------------ */

static int dt_attr_copy(const struct kr_keyval *kv, void *obj, void *val_in, void **val_out,
                        int *flag_out)
{
    MPI_Type_copy_attr_function *fn = (MPI_Type_copy_attr_function *) kv->copy_fn;

    return fn((MPI_Datatype) obj, kv->id, kv->extra_state, val_in, val_out, flag_out);
}

static int dt_attr_del(const struct kr_keyval *kv, void *obj, void *val)
{
    MPI_Type_delete_attr_function *fn = (MPI_Type_delete_attr_function *) kv->delete_fn;

    return fn((MPI_Datatype) obj, kv->id, val, kv->extra_state);
}

static const struct kr_attr_glue dt_attr_glue = {dt_attr_copy, dt_attr_del};

/* A store result as the MPI call's return: callback errors (> 0) are passed on as they are. */
static int dt_attr_done(const char *call, int ret, int keyval)
{
    if (ret == 0) {
        return MPI_SUCCESS;
    }
    if (ret == -EINVAL) {
        return kr_api_error(NULL, MPI_ERR_KEYVAL,
                            "%s: %d is not a datatype keyval (created by "
                            "MPI_Type_create_keyval and not freed)",
                            call, keyval);
    }
    if (ret == -ENOMEM) {
        return kr_api_error(NULL, MPI_ERR_NO_MEM, "%s: out of memory", call);
    }
    return kr_api_error(NULL, ret, "%s: an attribute callback of keyval %d returned error %d", call,
                        keyval, ret);
}

/* ---- keyvals --------------------------------------------------------------------------------- */

KR_WEAK_ALIAS(Type_create_keyval)
int PMPI_Type_create_keyval(MPI_Type_copy_attr_function *type_copy_attr_fn,
                            MPI_Type_delete_attr_function *type_delete_attr_fn, int *type_keyval,
                            void *extra_state)
{
    int ret = kr_api_check_ptr("MPI_Type_create_keyval", type_keyval, "type_keyval");

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_attr_keyval_create(KR_ATTR_TYPE, (kr_attr_fn *) type_copy_attr_fn,
                                (kr_attr_fn *) type_delete_attr_fn, extra_state, type_keyval);
    return dt_attr_done("MPI_Type_create_keyval", ret, 0);
}

KR_WEAK_ALIAS(Type_free_keyval)
int PMPI_Type_free_keyval(int *type_keyval)
{
    int ret = kr_api_check_ptr("MPI_Type_free_keyval", type_keyval, "type_keyval");

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = dt_attr_done("MPI_Type_free_keyval", kr_attr_keyval_free(*type_keyval, KR_ATTR_TYPE),
                       *type_keyval);
    if (ret == MPI_SUCCESS) {
        *type_keyval = MPI_KEYVAL_INVALID;
    }
    return ret;
}

/* ---- attributes ------------------------------------------------------------------------------ */

KR_WEAK_ALIAS(Type_set_attr)
int PMPI_Type_set_attr(MPI_Datatype datatype, int type_keyval, void *attribute_val)
{
    struct kr_dt *dt;
    int ret = kr_api_check_dt("MPI_Type_set_attr", NULL, datatype, false, &dt);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret =
        kr_attr_set(&dt->attrs, &dt_attr_glue, datatype, type_keyval, KR_ATTR_TYPE, attribute_val);
    return dt_attr_done("MPI_Type_set_attr", ret, type_keyval);
}

KR_WEAK_ALIAS(Type_get_attr)
int PMPI_Type_get_attr(MPI_Datatype datatype, int type_keyval, void *attribute_val, int *flag)
{
    struct kr_dt *dt;
    bool found = false;
    void *val = NULL;
    int ret = kr_api_check_dt("MPI_Type_get_attr", NULL, datatype, false, &dt);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Type_get_attr", attribute_val, "attribute_val");
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Type_get_attr", flag, "flag");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_attr_get(&dt->attrs, type_keyval, KR_ATTR_TYPE, &val, &found);
    if (ret == 0) {
        *flag = found;
        if (found) {
            /* attribute_val is really a void ** (the standard's C binding quirk) */
            *(void **) attribute_val = val;
        }
    }
    return dt_attr_done("MPI_Type_get_attr", ret, type_keyval);
}

KR_WEAK_ALIAS(Type_delete_attr)
int PMPI_Type_delete_attr(MPI_Datatype datatype, int type_keyval)
{
    struct kr_dt *dt;
    int ret = kr_api_check_dt("MPI_Type_delete_attr", NULL, datatype, false, &dt);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_attr_delete(&dt->attrs, &dt_attr_glue, datatype, type_keyval, KR_ATTR_TYPE);
    return dt_attr_done("MPI_Type_delete_attr", ret, type_keyval);
}

/* ---- dup and free ---------------------------------------------------------------------------- */

KR_WEAK_ALIAS(Type_dup)
int PMPI_Type_dup(MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    struct kr_dt *old, *dt = NULL;
    int ret = kr_api_check_dt("MPI_Type_dup", NULL, oldtype, false, &old);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Type_dup", newtype, "newtype");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_dt_dup_create(old, &dt);
    if (ret != 0) {
        return kr_api_error(NULL, ret == -ENOMEM ? MPI_ERR_NO_MEM : MPI_ERR_INTERN,
                            "MPI_Type_dup: cannot duplicate the datatype (%d)", ret);
    }
    ret = kr_attr_copy_all(&old->attrs, &dt->attrs, &dt_attr_glue, oldtype, kr_dt_to_handle(dt));
    if (ret != 0) {
        kr_dt_handle_release(dt);
        return dt_attr_done("MPI_Type_dup", ret, 0);
    }
    *newtype = kr_dt_to_handle(dt);
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Type_free)
int PMPI_Type_free(MPI_Datatype *datatype)
{
    struct kr_dt *dt;
    int ret = kr_api_check_ptr("MPI_Type_free", datatype, "datatype");

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_dt("MPI_Type_free", NULL, *datatype, false, &dt);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if ((dt->flags & KR_DT_F_PREDEFINED) != 0) {
        return kr_api_error(NULL, MPI_ERR_TYPE,
                            "MPI_Type_free: %s is predefined and cannot be "
                            "freed",
                            kr_dt_name(dt));
    }
    if (kr_dt_handle_is_last(dt)) {
        /* the user's last handle: the attributes go now, even if a pending request keeps the
         * type itself alive a little longer */
        ret = kr_attr_delete_all(&dt->attrs, &dt_attr_glue, *datatype);
        if (ret != 0) {
            return dt_attr_done("MPI_Type_free", ret, 0);
        }
        kr_api_handle_forget(KR_API_H_TYPE, dt);
    }
    kr_dt_handle_release(dt);
    *datatype = MPI_DATATYPE_NULL;
    return MPI_SUCCESS;
}

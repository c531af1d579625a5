/* Communicator attributes: MPI_Comm_create_keyval, free_keyval, set_attr, get_attr,
 * delete_attr and their MPI-1 names (MPI_Keyval_create, MPI_Keyval_free, MPI_Attr_put,
 * MPI_Attr_get, MPI_Attr_delete); the predefined attributes (MPI_TAG_UB and friends); and the
 * copy and delete callbacks that MPI_Comm_dup / MPI_Comm_free run. The store is util/attr.c,
 * shared with datatypes; this file is the communicator glue. */
#include "config.h"

#include "api.h"

#include "api_comm_int.h"

#include "util/attr.h"

#include <errno.h>
#include <limits.h>

/* ---- glue ------------------------------------------------------------------------------- */

static int comm_attr_copy(const struct kr_keyval *kv, void *obj, void *val_in, void **val_out,
                          int *flag_out)
{
    MPI_Comm_copy_attr_function *fn = (MPI_Comm_copy_attr_function *) kv->copy_fn;

    return fn((MPI_Comm) obj, kv->id, kv->extra_state, val_in, val_out, flag_out);
}

static int comm_attr_del(const struct kr_keyval *kv, void *obj, void *val)
{
    MPI_Comm_delete_attr_function *fn = (MPI_Comm_delete_attr_function *) kv->delete_fn;

    return fn((MPI_Comm) obj, kv->id, val, kv->extra_state);
}

static const struct kr_attr_glue comm_attr_glue = {comm_attr_copy, comm_attr_del};

int kr_api_comm_attrs_copy(struct kr_comm *old, struct kr_comm *c)
{
    int ret = kr_attr_copy_all(&old->attrs, &c->attrs, &comm_attr_glue, kr_api_comm_handle(old),
                               kr_api_comm_handle(c));

    return ret == -ENOMEM ? MPI_ERR_NO_MEM : ret;
}

int kr_api_comm_attrs_delete(struct kr_comm *c)
{
    return kr_attr_delete_all(&c->attrs, &comm_attr_glue, kr_api_comm_handle(c));
}

/* ---- predefined attributes -------------------------------------------------------------- */

/* Values of the predefined keys. MPI_Comm_get_attr hands out their addresses (an int * each,
 * as the standard says), so they live as long as the process. */
static struct {
    int tag_ub, host, io, wtime_is_global, appnum, universe_size, lastusedcode;
} attr_predef;

static bool attr_is_predef(int keyval)
{
    return keyval >= MPI_TAG_UB && keyval <= MPI_LASTUSEDCODE;
}

/* The value of predefined key `keyval` for the calling process; *found_out false when this
 * job has none (MPI_APPNUM, MPI_UNIVERSE_SIZE when the launcher did not say). Any
 * communicator answers, not only MPI_COMM_WORLD: programs ask their own duplicates. */
static int *attr_predef_get(int keyval, bool *found_out)
{
    const struct kr_boot_job *job = kr_boot_job(kr_api.boot);

    *found_out = true;
    switch (keyval) {
    case MPI_TAG_UB:
        attr_predef.tag_ub = INT_MAX; /* any non-negative tag is accepted */
        return &attr_predef.tag_ub;
    case MPI_HOST:
        attr_predef.host = MPI_PROC_NULL; /* no process is special */
        return &attr_predef.host;
    case MPI_IO:
        attr_predef.io = kr_api.rank; /* every process can do I/O: it names itself */
        return &attr_predef.io;
    case MPI_WTIME_IS_GLOBAL: attr_predef.wtime_is_global = 0; return &attr_predef.wtime_is_global;
    case MPI_APPNUM:
        attr_predef.appnum = job->appnum;
        *found_out = job->appnum >= 0;
        return &attr_predef.appnum;
    case MPI_UNIVERSE_SIZE:
        attr_predef.universe_size = job->universe_size;
        *found_out = job->universe_size >= 0;
        return &attr_predef.universe_size;
    default: attr_predef.lastusedcode = kr_api_err_lastused(); return &attr_predef.lastusedcode;
    }
}

/* A store result as the MPI call's return: callback errors (> 0) are passed on as they are. */
static int attr_done(const char *call, struct kr_comm *comm, int ret, int keyval)
{
    if (ret == 0) {
        return MPI_SUCCESS;
    }
    if (ret == -EINVAL) {
        return kr_api_error(comm, MPI_ERR_KEYVAL,
                            "%s: %d is not a communicator keyval "
                            "(created by MPI_Comm_create_keyval and not freed)",
                            call, keyval);
    }
    if (ret == -ENOMEM) {
        return kr_api_error(comm, MPI_ERR_NO_MEM, "%s: out of memory", call);
    }
    return kr_api_error(comm, ret, "%s: an attribute callback of keyval %d returned error %d", call,
                        keyval, ret);
}

/* Predefined keys cannot be set, deleted or freed. */
static int attr_refuse_predef(const char *call, struct kr_comm *comm, int keyval)
{
    return kr_api_error(comm, MPI_ERR_KEYVAL,
                        "%s: keyval %d is predefined and cannot be "
                        "changed",
                        call, keyval);
}

/* ---- keyvals ----------------------------------------------------------------------------- */

static int attr_keyval_create(const char *call, kr_attr_fn *copy_fn, kr_attr_fn *delete_fn,
                              int *keyval, void *extra_state)
{
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_ptr(call, keyval, "comm_keyval");
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_attr_keyval_create(KR_ATTR_COMM, copy_fn, delete_fn, extra_state, keyval);
    return attr_done(call, NULL, ret, 0);
}

KR_WEAK_ALIAS(Comm_create_keyval)
int PMPI_Comm_create_keyval(MPI_Comm_copy_attr_function *comm_copy_attr_fn,
                            MPI_Comm_delete_attr_function *comm_delete_attr_fn, int *comm_keyval,
                            void *extra_state)
{
    return attr_keyval_create("MPI_Comm_create_keyval", (kr_attr_fn *) comm_copy_attr_fn,
                              (kr_attr_fn *) comm_delete_attr_fn, comm_keyval, extra_state);
}

/* MPI-1's callbacks have the same types as MPI_Comm_*_attr_function. */
KR_WEAK_ALIAS(Keyval_create)
int PMPI_Keyval_create(MPI_Copy_function *copy_fn, MPI_Delete_function *delete_fn, int *keyval,
                       void *extra_state)
{
    return attr_keyval_create("MPI_Keyval_create", (kr_attr_fn *) copy_fn, (kr_attr_fn *) delete_fn,
                              keyval, extra_state);
}

static int attr_keyval_free(const char *call, int *keyval)
{
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_ptr(call, keyval, "comm_keyval");
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (attr_is_predef(*keyval)) {
        return attr_refuse_predef(call, NULL, *keyval);
    }
    ret = attr_done(call, NULL, kr_attr_keyval_free(*keyval, KR_ATTR_COMM), *keyval);
    if (ret == MPI_SUCCESS) {
        *keyval = MPI_KEYVAL_INVALID;
    }
    return ret;
}

KR_WEAK_ALIAS(Comm_free_keyval)
int PMPI_Comm_free_keyval(int *comm_keyval)
{
    return attr_keyval_free("MPI_Comm_free_keyval", comm_keyval);
}

KR_WEAK_ALIAS(Keyval_free)
int PMPI_Keyval_free(int *keyval)
{
    return attr_keyval_free("MPI_Keyval_free", keyval);
}

/* ---- attributes --------------------------------------------------------------------------- */

static int attr_set(const char *call, MPI_Comm h, int keyval, void *val)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_comm(call, h, &comm);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (attr_is_predef(keyval)) {
        return attr_refuse_predef(call, comm, keyval);
    }
    ret = kr_attr_set(&comm->attrs, &comm_attr_glue, h, keyval, KR_ATTR_COMM, val);
    return attr_done(call, comm, ret, keyval);
}

KR_WEAK_ALIAS(Comm_set_attr)
int PMPI_Comm_set_attr(MPI_Comm comm, int comm_keyval, void *attribute_val)
{
    return attr_set("MPI_Comm_set_attr", comm, comm_keyval, attribute_val);
}

KR_WEAK_ALIAS(Attr_put)
int PMPI_Attr_put(MPI_Comm comm, int keyval, void *attribute_val)
{
    return attr_set("MPI_Attr_put", comm, keyval, attribute_val);
}

static int attr_get(const char *call, MPI_Comm h, int keyval, void *attribute_val, int *flag)
{
    struct kr_comm *comm;
    bool found = false;
    void *val = NULL;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_comm(call, h, &comm);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr(call, attribute_val, "attribute_val");
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr(call, flag, "flag");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (attr_is_predef(keyval)) {
        val = attr_predef_get(keyval, &found);
    } else {
        ret = kr_attr_get(&comm->attrs, keyval, KR_ATTR_COMM, &val, &found);
    }
    if (ret == 0) {
        *flag = found;
        if (found) {
            /* attribute_val is really a void ** (the standard's C binding quirk) */
            *(void **) attribute_val = val;
        }
    }
    return attr_done(call, comm, ret, keyval);
}

KR_WEAK_ALIAS(Comm_get_attr)
int PMPI_Comm_get_attr(MPI_Comm comm, int comm_keyval, void *attribute_val, int *flag)
{
    return attr_get("MPI_Comm_get_attr", comm, comm_keyval, attribute_val, flag);
}

KR_WEAK_ALIAS(Attr_get)
int PMPI_Attr_get(MPI_Comm comm, int keyval, void *attribute_val, int *flag)
{
    return attr_get("MPI_Attr_get", comm, keyval, attribute_val, flag);
}

static int attr_delete(const char *call, MPI_Comm h, int keyval)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_comm(call, h, &comm);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (attr_is_predef(keyval)) {
        return attr_refuse_predef(call, comm, keyval);
    }
    ret = kr_attr_delete(&comm->attrs, &comm_attr_glue, h, keyval, KR_ATTR_COMM);
    return attr_done(call, comm, ret, keyval);
}

KR_WEAK_ALIAS(Comm_delete_attr)
int PMPI_Comm_delete_attr(MPI_Comm comm, int comm_keyval)
{
    return attr_delete("MPI_Comm_delete_attr", comm, comm_keyval);
}

KR_WEAK_ALIAS(Attr_delete)
int PMPI_Attr_delete(MPI_Comm comm, int keyval)
{
    return attr_delete("MPI_Attr_delete", comm, keyval);
}

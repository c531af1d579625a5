/* MPI_T performance variables. Kurir exports none yet, so every index is invalid, but sessions
 * are real objects and each call checks its arguments in the standard's order: interface
 * initialised, then session, then handle. */
#include "config.h"

#include "api_t_int.h"

static int t_pvar_session(MPI_T_pvar_session session)
{
    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    return kr_t_obj_find(session, KR_T_PVAR_SESSION) != NULL ? MPI_SUCCESS
                                                             : MPI_T_ERR_INVALID_SESSION;
}

KR_WEAK_ALIAS(T_pvar_get_num)
int PMPI_T_pvar_get_num(int *num_pvar)
{
    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    if (num_pvar == NULL) {
        return MPI_T_ERR_INVALID;
    }
    *num_pvar = 0;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(T_pvar_get_info)
int PMPI_T_pvar_get_info(int pvar_index, char *name, int *name_len, int *verbosity,
                         int *var_class, MPI_Datatype *datatype, MPI_T_enum *enumtype,
                         char *desc, int *desc_len, int *bind, int *readonly, int *continuous,
                         int *atomic)
{
    (void) pvar_index;
    (void) name;
    (void) name_len;
    (void) verbosity;
    (void) var_class;
    (void) datatype;
    (void) enumtype;
    (void) desc;
    (void) desc_len;
    (void) bind;
    (void) readonly;
    (void) continuous;
    (void) atomic;
    return kr_t_ready() ? MPI_T_ERR_INVALID_INDEX : MPI_T_ERR_NOT_INITIALIZED;
}

KR_WEAK_ALIAS(T_pvar_get_index)
int PMPI_T_pvar_get_index(const char *name, int var_class, int *pvar_index)
{
    (void) var_class;
    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    if (name == NULL || pvar_index == NULL) {
        return MPI_T_ERR_INVALID;
    }
    return MPI_T_ERR_INVALID_NAME;
}

KR_WEAK_ALIAS(T_pvar_session_create)
int PMPI_T_pvar_session_create(MPI_T_pvar_session *session)
{
    struct kr_t_obj *o;

    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    if (session == NULL) {
        return MPI_T_ERR_INVALID;
    }
    if (kr_t_obj_new(KR_T_PVAR_SESSION, &o) != 0) {
        return MPI_T_ERR_MEMORY;
    }
    *session = (MPI_T_pvar_session) (void *) o;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(T_pvar_session_free)
int PMPI_T_pvar_session_free(MPI_T_pvar_session *session)
{
    int ret;

    if (session == NULL) {
        return kr_t_ready() ? MPI_T_ERR_INVALID : MPI_T_ERR_NOT_INITIALIZED;
    }
    ret = t_pvar_session(*session);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    kr_t_obj_free(kr_t_obj_find(*session, KR_T_PVAR_SESSION));
    *session = MPI_T_PVAR_SESSION_NULL;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(T_pvar_handle_alloc)
int PMPI_T_pvar_handle_alloc(MPI_T_pvar_session session, int pvar_index, void *obj_handle,
                             MPI_T_pvar_handle *handle, int *count)
{
    int ret = t_pvar_session(session);

    (void) pvar_index;
    (void) obj_handle;
    (void) handle;
    (void) count;
    return ret != MPI_SUCCESS ? ret : MPI_T_ERR_INVALID_INDEX;
}

KR_WEAK_ALIAS(T_pvar_handle_free)
int PMPI_T_pvar_handle_free(MPI_T_pvar_session session, MPI_T_pvar_handle *handle)
{
    int ret = t_pvar_session(session);

    (void) handle; /* no handle can have been allocated */
    return ret != MPI_SUCCESS ? ret : MPI_T_ERR_INVALID_HANDLE;
}

/* Start, stop and reset accept MPI_T_PVAR_ALL_HANDLES: all of none. */
static int t_pvar_op(MPI_T_pvar_session session, MPI_T_pvar_handle handle)
{
    int ret = t_pvar_session(session);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    return handle == MPI_T_PVAR_ALL_HANDLES ? MPI_SUCCESS : MPI_T_ERR_INVALID_HANDLE;
}

KR_WEAK_ALIAS(T_pvar_start)
int PMPI_T_pvar_start(MPI_T_pvar_session session, MPI_T_pvar_handle handle)
{
    return t_pvar_op(session, handle);
}

KR_WEAK_ALIAS(T_pvar_stop)
int PMPI_T_pvar_stop(MPI_T_pvar_session session, MPI_T_pvar_handle handle)
{
    return t_pvar_op(session, handle);
}

KR_WEAK_ALIAS(T_pvar_reset)
int PMPI_T_pvar_reset(MPI_T_pvar_session session, MPI_T_pvar_handle handle)
{
    return t_pvar_op(session, handle);
}

/* Read and write take one handle; MPI_T_PVAR_ALL_HANDLES is not one. */
static int t_pvar_rw(MPI_T_pvar_session session, MPI_T_pvar_handle handle)
{
    int ret = t_pvar_session(session);

    (void) handle;
    return ret != MPI_SUCCESS ? ret : MPI_T_ERR_INVALID_HANDLE;
}

KR_WEAK_ALIAS(T_pvar_read)
int PMPI_T_pvar_read(MPI_T_pvar_session session, MPI_T_pvar_handle handle, void *buf)
{
    (void) buf;
    return t_pvar_rw(session, handle);
}

KR_WEAK_ALIAS(T_pvar_readreset)
int PMPI_T_pvar_readreset(MPI_T_pvar_session session, MPI_T_pvar_handle handle, void *buf)
{
    (void) buf;
    return t_pvar_rw(session, handle);
}

KR_WEAK_ALIAS(T_pvar_write)
int PMPI_T_pvar_write(MPI_T_pvar_session session, MPI_T_pvar_handle handle, const void *buf)
{
    (void) buf;
    return t_pvar_rw(session, handle);
}

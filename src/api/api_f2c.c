/* Handle and status conversion between C and Fortran (MPI_X_c2f / MPI_X_f2c, MPI_Status_*2*),
 * and the MPI_F_STATUS(ES)_IGNORE / MPI_F08_STATUS(ES)_IGNORE addresses.
 *
 * Fortran integers follow MPI-5.0's handle serialization rule (section 21.5, MPI_Comm_toint):
 * a predefined handle's integer is its ABI value, and a user handle's integer is fixed for the
 * handle's life and outside the range 1..4095 the ABI reserves for predefined handles (21.3).
 * User handles are numbered by the table in api_htab.c. Integer 0 and the C handle 0 are the
 * invalid values: the ABI makes 0 no valid handle, and the conversions map invalid to invalid. */
#include "config.h"

#include "api.h"
#include "api_comm_int.h"
#include "api_file_int.h"
#include "api_req_int.h"
#include "api_win_int.h"

#include "util/log.h"

#include <errno.h>
#include <string.h>

/* The process's table. Every access is inside an MPI call, so the MPI_THREAD_MULTIPLE lock
 * (util/biglock.h) guards it. */
static struct kr_api_htab api_handles;

/* Where a Fortran binding would put MPI_STATUS(ES)_IGNORE. Kurir has no Fortran binding yet,
 * so these are addresses nothing else uses: C code can compare against them, and the status
 * conversions refuse them. */
static MPI_Fint api_f_status_ignore[MPI_F_STATUS_SIZE];
static MPI_Fint api_f_statuses_ignore[MPI_F_STATUS_SIZE];
static MPI_F08_status api_f08_status_ignore;
static MPI_F08_status api_f08_statuses_ignore;

#define API_EXPORT __attribute__((visibility("default")))
API_EXPORT MPI_Fint *MPI_F_STATUS_IGNORE = api_f_status_ignore;
API_EXPORT MPI_Fint *MPI_F_STATUSES_IGNORE = api_f_statuses_ignore;
API_EXPORT MPI_F08_status *MPI_F08_STATUS_IGNORE = &api_f08_status_ignore;
API_EXPORT MPI_F08_status *MPI_F08_STATUSES_IGNORE = &api_f08_statuses_ignore;

_Static_assert(sizeof(MPI_Status) == MPI_F_STATUS_SIZE * sizeof(MPI_Fint),
               "MPI_Status and a Fortran status must have the same size");
_Static_assert(sizeof(MPI_F08_status) == sizeof(MPI_Status),
               "MPI_F08_status and MPI_Status must have the same size");

#define F2C_INVALID 0

/* Each kind's null handle, what f2c gives for the integer of an object that has been freed. */
static const uintptr_t f2c_null[KR_API_H_NKINDS] = {
    [KR_API_H_COMM] = (uintptr_t) MPI_COMM_NULL,
    [KR_API_H_TYPE] = (uintptr_t) MPI_DATATYPE_NULL,
    [KR_API_H_GROUP] = (uintptr_t) MPI_GROUP_NULL,
    [KR_API_H_REQUEST] = (uintptr_t) MPI_REQUEST_NULL,
    [KR_API_H_OP] = (uintptr_t) MPI_OP_NULL,
    [KR_API_H_INFO] = (uintptr_t) MPI_INFO_NULL,
    [KR_API_H_ERRH] = (uintptr_t) MPI_ERRHANDLER_NULL,
    [KR_API_H_MESSAGE] = (uintptr_t) MPI_MESSAGE_NULL,
    [KR_API_H_WIN] = (uintptr_t) MPI_WIN_NULL,
    [KR_API_H_FILE] = (uintptr_t) MPI_FILE_NULL,
    [KR_API_H_SESSION] = (uintptr_t) MPI_SESSION_NULL,
};

static bool f2c_between(uintptr_t v, const void *lo, const void *hi)
{
    return v >= (uintptr_t) lo && v <= (uintptr_t) hi;
}

/* Is `v` (below KR_HANDLE_USER_MIN) a predefined handle of this kind, null included? */
static bool f2c_predef_ok(enum kr_api_hkind kind, uintptr_t v)
{
    switch (kind) {
    case KR_API_H_COMM: return f2c_between(v, MPI_COMM_NULL, MPI_COMM_SELF);
    case KR_API_H_TYPE:
        return v == (uintptr_t) MPI_DATATYPE_NULL || kr_dt_from_handle((MPI_Datatype) v) != NULL;
    case KR_API_H_GROUP: return f2c_between(v, MPI_GROUP_NULL, MPI_GROUP_EMPTY);
    case KR_API_H_OP: return v == (uintptr_t) MPI_OP_NULL || kr_op_from_handle((MPI_Op) v) != NULL;
    case KR_API_H_INFO: return f2c_between(v, MPI_INFO_NULL, MPI_INFO_ENV);
    case KR_API_H_ERRH: return f2c_between(v, MPI_ERRHANDLER_NULL, MPI_ERRORS_ABORT);
    case KR_API_H_MESSAGE: return f2c_between(v, MPI_MESSAGE_NULL, MPI_MESSAGE_NO_PROC);
    default: return v == f2c_null[kind]; /* request, win, file, session: only the null */
    }
}

/* Is `h` (at or above KR_HANDLE_USER_MIN) a live user object of this kind? Kinds without
 * user objects yet (sessions) have none to accept: each gets its check here when its objects
 * arrive. */
static bool f2c_user_ok(enum kr_api_hkind kind, void *h)
{
    switch (kind) {
    case KR_API_H_COMM: return kr_api_comm((MPI_Comm) h) != NULL;
    case KR_API_H_TYPE: return kr_dt_from_handle((MPI_Datatype) h) != NULL;
    case KR_API_H_OP: return kr_op_from_handle((MPI_Op) h) != NULL;
    case KR_API_H_ERRH: return kr_api_errh((MPI_Errhandler) h) != NULL;
    case KR_API_H_REQUEST: return kr_api_req((MPI_Request) h) != NULL;
    case KR_API_H_MESSAGE: return kr_api_msg_valid((MPI_Message) h);
    case KR_API_H_GROUP: return kr_api_group((MPI_Group) h) != NULL;
    case KR_API_H_INFO: return kr_api_info((MPI_Info) h) != NULL;
    case KR_API_H_WIN: return kr_api_win((MPI_Win) h) != NULL;
    case KR_API_H_FILE: return kr_api_file((MPI_File) h) != NULL;
    default: return false;
    }
}

static MPI_Fint f2c_to_int(enum kr_api_hkind kind, void *h, const char *call)
{
    uintptr_t v = (uintptr_t) h;
    int fint;

    if (v < KR_HANDLE_USER_MIN) {
        return f2c_predef_ok(kind, v) ? (MPI_Fint) v : F2C_INVALID;
    }
    if (!f2c_user_ok(kind, h)) {
        return F2C_INVALID;
    }
    fint = kr_api_htab_put(&api_handles, kind, h);
    if (fint < 0) {
        /* c2f has no way to return an error: say why here, once per failure */
        KR_LOG_ERR(API, "%s: no Fortran integer for handle %p: %s", call, h,
                   fint == -ENOSPC ? "every integer is in use" : strerror(-fint));
        return F2C_INVALID;
    }
    return fint;
}

static void *f2c_from_int(enum kr_api_hkind kind, MPI_Fint fint)
{
    void *obj;
    int ret;

    if (fint >= 0 && fint < (MPI_Fint) KR_HANDLE_USER_MIN) {
        return (void *) (f2c_predef_ok(kind, (uintptr_t) fint) ? (uintptr_t) fint : F2C_INVALID);
    }
    ret = kr_api_htab_get(&api_handles, kind, fint, &obj);
    if (ret == 0) {
        return obj;
    }
    return (void *) (ret == -ENOENT ? f2c_null[kind] : F2C_INVALID);
}

void kr_api_handle_forget(enum kr_api_hkind kind, const void *obj)
{
    kr_api_htab_forget(&api_handles, kind, obj);
}

KR_WEAK_ALIAS(Comm_c2f)
MPI_Fint PMPI_Comm_c2f(MPI_Comm comm)
{
    return f2c_to_int(KR_API_H_COMM, (void *) comm, "MPI_Comm_c2f");
}

KR_WEAK_ALIAS(Comm_f2c)
MPI_Comm PMPI_Comm_f2c(MPI_Fint comm)
{
    return (MPI_Comm) f2c_from_int(KR_API_H_COMM, comm);
}

KR_WEAK_ALIAS(Type_c2f)
MPI_Fint PMPI_Type_c2f(MPI_Datatype datatype)
{
    return f2c_to_int(KR_API_H_TYPE, (void *) datatype, "MPI_Type_c2f");
}

KR_WEAK_ALIAS(Type_f2c)
MPI_Datatype PMPI_Type_f2c(MPI_Fint datatype)
{
    return (MPI_Datatype) f2c_from_int(KR_API_H_TYPE, datatype);
}

KR_WEAK_ALIAS(Group_c2f)
MPI_Fint PMPI_Group_c2f(MPI_Group group)
{
    return f2c_to_int(KR_API_H_GROUP, (void *) group, "MPI_Group_c2f");
}

KR_WEAK_ALIAS(Group_f2c)
MPI_Group PMPI_Group_f2c(MPI_Fint group)
{
    return (MPI_Group) f2c_from_int(KR_API_H_GROUP, group);
}

KR_WEAK_ALIAS(Request_c2f)
MPI_Fint PMPI_Request_c2f(MPI_Request request)
{
    return f2c_to_int(KR_API_H_REQUEST, (void *) request, "MPI_Request_c2f");
}

KR_WEAK_ALIAS(Request_f2c)
MPI_Request PMPI_Request_f2c(MPI_Fint request)
{
    return (MPI_Request) f2c_from_int(KR_API_H_REQUEST, request);
}

KR_WEAK_ALIAS(Op_c2f)
MPI_Fint PMPI_Op_c2f(MPI_Op op)
{
    return f2c_to_int(KR_API_H_OP, (void *) op, "MPI_Op_c2f");
}

KR_WEAK_ALIAS(Op_f2c)
MPI_Op PMPI_Op_f2c(MPI_Fint op)
{
    return (MPI_Op) f2c_from_int(KR_API_H_OP, op);
}

KR_WEAK_ALIAS(Info_c2f)
MPI_Fint PMPI_Info_c2f(MPI_Info info)
{
    return f2c_to_int(KR_API_H_INFO, (void *) info, "MPI_Info_c2f");
}

KR_WEAK_ALIAS(Info_f2c)
MPI_Info PMPI_Info_f2c(MPI_Fint info)
{
    return (MPI_Info) f2c_from_int(KR_API_H_INFO, info);
}

KR_WEAK_ALIAS(Errhandler_c2f)
MPI_Fint PMPI_Errhandler_c2f(MPI_Errhandler errhandler)
{
    return f2c_to_int(KR_API_H_ERRH, (void *) errhandler, "MPI_Errhandler_c2f");
}

KR_WEAK_ALIAS(Errhandler_f2c)
MPI_Errhandler PMPI_Errhandler_f2c(MPI_Fint errhandler)
{
    return (MPI_Errhandler) f2c_from_int(KR_API_H_ERRH, errhandler);
}

KR_WEAK_ALIAS(Message_c2f)
MPI_Fint PMPI_Message_c2f(MPI_Message message)
{
    return f2c_to_int(KR_API_H_MESSAGE, (void *) message, "MPI_Message_c2f");
}

KR_WEAK_ALIAS(Message_f2c)
MPI_Message PMPI_Message_f2c(MPI_Fint message)
{
    return (MPI_Message) f2c_from_int(KR_API_H_MESSAGE, message);
}

KR_WEAK_ALIAS(Win_c2f)
MPI_Fint PMPI_Win_c2f(MPI_Win win)
{
    return f2c_to_int(KR_API_H_WIN, (void *) win, "MPI_Win_c2f");
}

KR_WEAK_ALIAS(Win_f2c)
MPI_Win PMPI_Win_f2c(MPI_Fint win)
{
    return (MPI_Win) f2c_from_int(KR_API_H_WIN, win);
}

KR_WEAK_ALIAS(File_c2f)
MPI_Fint PMPI_File_c2f(MPI_File file)
{
    return f2c_to_int(KR_API_H_FILE, (void *) file, "MPI_File_c2f");
}

KR_WEAK_ALIAS(File_f2c)
MPI_File PMPI_File_f2c(MPI_Fint file)
{
    return (MPI_File) f2c_from_int(KR_API_H_FILE, file);
}

KR_WEAK_ALIAS(Session_c2f)
MPI_Fint PMPI_Session_c2f(MPI_Session session)
{
    return f2c_to_int(KR_API_H_SESSION, (void *) session, "MPI_Session_c2f");
}

KR_WEAK_ALIAS(Session_f2c)
MPI_Session PMPI_Session_f2c(MPI_Fint session)
{
    return (MPI_Session) f2c_from_int(KR_API_H_SESSION, session);
}

/* ---- status conversion ----------------------------------------------------------------- */

/* The three layouts are the same eight integers (MPI_Fint is int in the ABI), so every
 * conversion is a copy; the work is refusing the IGNORE values, which hold no status. */
static int f2c_status_copy(const char *call, const void *in, const char *in_name, bool in_ignore,
                           void *out, const char *out_name, bool out_ignore)
{
    if (in == NULL || in_ignore) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: %s is %s", call, in_name,
                            in == NULL ? "NULL" : "an IGNORE value, which holds no status");
    }
    if (out == NULL || out_ignore) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: %s is %s", call, out_name,
                            out == NULL ? "NULL" : "an IGNORE value, which holds no status");
    }
    memmove(out, in, sizeof(MPI_Status));
    return MPI_SUCCESS;
}

static bool f2c_f_ignore(const MPI_Fint *f)
{
    return f == MPI_F_STATUS_IGNORE || f == MPI_F_STATUSES_IGNORE;
}

static bool f2c_f08_ignore(const MPI_F08_status *f)
{
    return f == MPI_F08_STATUS_IGNORE || f == MPI_F08_STATUSES_IGNORE;
}

KR_WEAK_ALIAS(Status_c2f)
int PMPI_Status_c2f(const MPI_Status *c_status, MPI_Fint *f_status)
{
    return f2c_status_copy("MPI_Status_c2f", c_status, "c_status", false, f_status, "f_status",
                           f2c_f_ignore(f_status));
}

KR_WEAK_ALIAS(Status_f2c)
int PMPI_Status_f2c(const MPI_Fint *f_status, MPI_Status *c_status)
{
    return f2c_status_copy("MPI_Status_f2c", f_status, "f_status", f2c_f_ignore(f_status), c_status,
                           "c_status", false);
}

KR_WEAK_ALIAS(Status_c2f08)
int PMPI_Status_c2f08(const MPI_Status *c_status, MPI_F08_status *f08_status)
{
    return f2c_status_copy("MPI_Status_c2f08", c_status, "c_status", false, f08_status,
                           "f08_status", f2c_f08_ignore(f08_status));
}

KR_WEAK_ALIAS(Status_f082c)
int PMPI_Status_f082c(const MPI_F08_status *f08_status, MPI_Status *c_status)
{
    return f2c_status_copy("MPI_Status_f082c", f08_status, "f08_status", f2c_f08_ignore(f08_status),
                           c_status, "c_status", false);
}

KR_WEAK_ALIAS(Status_f2f08)
int PMPI_Status_f2f08(const MPI_Fint *f_status, MPI_F08_status *f08_status)
{
    return f2c_status_copy("MPI_Status_f2f08", f_status, "f_status", f2c_f_ignore(f_status),
                           f08_status, "f08_status", f2c_f08_ignore(f08_status));
}

KR_WEAK_ALIAS(Status_f082f)
int PMPI_Status_f082f(const MPI_F08_status *f08_status, MPI_Fint *f_status)
{
    return f2c_status_copy("MPI_Status_f082f", f08_status, "f08_status", f2c_f08_ignore(f08_status),
                           f_status, "f_status", f2c_f_ignore(f_status));
}

/* Error classes, error handlers and the way a failed call is reported: the message names the
 * call, the argument, the rank and the host; MPI_ERRORS_ARE_FATAL (the default) then ends the
 * job, MPI_ERRORS_RETURN hands the class back to the caller. */
#include "config.h"

#include "api.h"

#include "util/errors.h"
#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const api_err_text[] = {
    [MPI_SUCCESS] = "no error",
    [MPI_ERR_BUFFER] = "invalid buffer pointer",
    [MPI_ERR_COUNT] = "invalid count argument",
    [MPI_ERR_TYPE] = "invalid datatype",
    [MPI_ERR_TAG] = "invalid tag",
    [MPI_ERR_COMM] = "invalid communicator",
    [MPI_ERR_RANK] = "invalid rank",
    [MPI_ERR_REQUEST] = "invalid request",
    [MPI_ERR_ROOT] = "invalid root",
    [MPI_ERR_GROUP] = "invalid group",
    [MPI_ERR_OP] = "invalid reduction operation",
    [MPI_ERR_TOPOLOGY] = "invalid topology",
    [MPI_ERR_DIMS] = "invalid dimension argument",
    [MPI_ERR_ARG] = "invalid argument",
    [MPI_ERR_UNKNOWN] = "unknown error",
    [MPI_ERR_TRUNCATE] = "message truncated",
    [MPI_ERR_OTHER] = "other error",
    [MPI_ERR_INTERN] = "internal error",
    [MPI_ERR_PENDING] = "pending request",
    [MPI_ERR_IN_STATUS] = "error code is in the status",
    [MPI_ERR_ACCESS] = "permission denied",
    [MPI_ERR_AMODE] = "invalid file access mode",
    [MPI_ERR_ASSERT] = "invalid assertion",
    [MPI_ERR_BAD_FILE] = "invalid file name",
    [MPI_ERR_BASE] = "invalid base",
    [MPI_ERR_CONVERSION] = "data conversion error",
    [MPI_ERR_DISP] = "invalid displacement",
    [MPI_ERR_DUP_DATAREP] = "data representation already defined",
    [MPI_ERR_FILE_EXISTS] = "file exists",
    [MPI_ERR_FILE_IN_USE] = "file in use",
    [MPI_ERR_FILE] = "invalid file handle",
    [MPI_ERR_INFO_KEY] = "invalid info key",
    [MPI_ERR_INFO_NOKEY] = "info key not found",
    [MPI_ERR_INFO_VALUE] = "invalid info value",
    [MPI_ERR_INFO] = "invalid info object",
    [MPI_ERR_IO] = "I/O error",
    [MPI_ERR_KEYVAL] = "invalid attribute key",
    [MPI_ERR_LOCKTYPE] = "invalid lock type",
    [MPI_ERR_NAME] = "name not found",
    [MPI_ERR_NO_MEM] = "out of memory",
    [MPI_ERR_NOT_SAME] = "arguments differ between processes",
    [MPI_ERR_NO_SPACE] = "out of space",
    [MPI_ERR_NO_SUCH_FILE] = "no such file",
    [MPI_ERR_PORT] = "invalid port name",
    [MPI_ERR_QUOTA] = "quota exceeded",
    [MPI_ERR_READ_ONLY] = "read-only file",
    [MPI_ERR_RMA_ATTACH] = "memory cannot be attached",
    [MPI_ERR_RMA_CONFLICT] = "conflicting window accesses",
    [MPI_ERR_RMA_RANGE] = "window access out of range",
    [MPI_ERR_RMA_SHARED] = "memory cannot be shared",
    [MPI_ERR_RMA_SYNC] = "wrong window synchronization",
    [MPI_ERR_SERVICE] = "invalid service name",
    [MPI_ERR_SIZE] = "invalid size",
    [MPI_ERR_SPAWN] = "cannot spawn processes",
    [MPI_ERR_UNSUPPORTED_DATAREP] = "unsupported data representation",
    [MPI_ERR_UNSUPPORTED_OPERATION] = "unsupported operation",
    [MPI_ERR_WIN] = "invalid window",
    [MPI_ERR_RMA_FLAVOR] = "wrong window flavor",
    [MPI_ERR_PROC_ABORTED] = "a process aborted",
    [MPI_ERR_VALUE_TOO_LARGE] = "value too large",
    [MPI_ERR_SESSION] = "invalid session",
    [MPI_ERR_ERRHANDLER] = "invalid error handler",
};

#define API_NCLASSES ((int) (sizeof(api_err_text) / sizeof(api_err_text[0])))

static const char *const api_err_names[] = {
    [MPI_SUCCESS] = "MPI_SUCCESS", [MPI_ERR_BUFFER] = "MPI_ERR_BUFFER",
    [MPI_ERR_COUNT] = "MPI_ERR_COUNT", [MPI_ERR_TYPE] = "MPI_ERR_TYPE",
    [MPI_ERR_TAG] = "MPI_ERR_TAG", [MPI_ERR_COMM] = "MPI_ERR_COMM",
    [MPI_ERR_RANK] = "MPI_ERR_RANK", [MPI_ERR_REQUEST] = "MPI_ERR_REQUEST",
    [MPI_ERR_ROOT] = "MPI_ERR_ROOT", [MPI_ERR_GROUP] = "MPI_ERR_GROUP",
    [MPI_ERR_OP] = "MPI_ERR_OP", [MPI_ERR_ARG] = "MPI_ERR_ARG",
    [MPI_ERR_UNKNOWN] = "MPI_ERR_UNKNOWN", [MPI_ERR_TRUNCATE] = "MPI_ERR_TRUNCATE",
    [MPI_ERR_OTHER] = "MPI_ERR_OTHER", [MPI_ERR_INTERN] = "MPI_ERR_INTERN",
    [MPI_ERR_IN_STATUS] = "MPI_ERR_IN_STATUS", [MPI_ERR_NO_MEM] = "MPI_ERR_NO_MEM",
    [MPI_ERR_ERRHANDLER] = "MPI_ERR_ERRHANDLER",
};

static const char *api_errclass_name(int cls)
{
    if (cls >= 0 && cls < (int) (sizeof(api_err_names) / sizeof(api_err_names[0]))
        && api_err_names[cls] != NULL) {
        return api_err_names[cls];
    }
    return "MPI error";
}

int kr_api_errclass(int ret)
{
    switch (-ret) {
    case 0: return MPI_SUCCESS;
    case KR_ETRUNC: return MPI_ERR_TRUNCATE;
    case ENOMEM: return MPI_ERR_NO_MEM;
    case EINVAL: return MPI_ERR_ARG;
    case ENOSPC: return MPI_ERR_NO_SPACE;
    case KR_EPEER: return MPI_ERR_PROC_ABORTED;
    default: return MPI_ERR_OTHER;
    }
}

void kr_api_abort(int code, const char *msg)
{
    int status = code & 0xff;

    /* An exit status of 0 would read as success: keep failure visible. */
    if (code != 0 && status == 0) {
        status = 1;
    }
    fflush(NULL);
    if (kr_api.boot != NULL) {
        kr_boot_abort(kr_api.boot, code, msg);
    }
    _exit(status);
}

void kr_api_not_running(const char *call)
{
    fprintf(stderr, "kurir: %s called %s\n", call,
            kr_api.phase == KR_API_BEFORE_INIT ? "before MPI_Init" : "after MPI_Finalize");
    fflush(NULL);
    _exit(1);
}

int kr_api_error(struct kr_comm *comm, int cls, const char *fmt, ...)
{
    MPI_Errhandler eh = MPI_ERRORS_ARE_FATAL;
    char msg[768];
    va_list ap;

    if (comm == NULL && kr_api.phase == KR_API_RUNNING) {
        comm = kr_api.world;
    }
    if (comm != NULL && comm->errh != NULL) {
        eh = comm->errh;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (eh == MPI_ERRORS_RETURN) {
        return cls;
    }
    KR_LOG_ERR(API, "%s (%s: %s) on rank %d of %s, host %s", msg, api_errclass_name(cls),
               cls < API_NCLASSES ? api_err_text[cls] : "?", kr_api.rank,
               comm != NULL ? comm->name[0] != '\0' ? comm->name : "a communicator" : "the job",
               kr_api.host[0] != '\0' ? kr_api.host : "?");
    if (eh == MPI_ERRORS_ARE_FATAL || eh == MPI_ERRORS_ABORT) {
        kr_api_abort(cls, msg);
    }
    return cls;
}

int kr_api_fail(struct kr_comm *comm, const char *call, int ret)
{
    return kr_api_error(comm, kr_api_errclass(ret), "%s: %s", call,
                        -ret == KR_ETRUNC ? "message truncated"
                        : -ret < KR_ERR_BASE ? strerror(-ret) : "internal error");
}

KR_WEAK_ALIAS(Error_class)
int PMPI_Error_class(int errorcode, int *errorclass)
{
    if (errorclass == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Error_class: errorclass is NULL");
    }
    if (errorcode < 0 || errorcode >= API_NCLASSES) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Error_class: %d is not an error code",
                            errorcode);
    }
    *errorclass = errorcode;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Error_string)
int PMPI_Error_string(int errorcode, char *string, int *resultlen)
{
    const char *text;

    if (string == NULL || resultlen == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Error_string: %s is NULL",
                            string == NULL ? "string" : "resultlen");
    }
    if (errorcode < 0 || errorcode >= API_NCLASSES || api_err_text[errorcode] == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Error_string: %d is not an error code",
                            errorcode);
    }
    text = api_err_text[errorcode];
    *resultlen = snprintf(string, MPI_MAX_ERROR_STRING, "%s: %s", api_errclass_name(errorcode),
                          text);
    if (*resultlen >= MPI_MAX_ERROR_STRING) {
        *resultlen = MPI_MAX_ERROR_STRING - 1;
    }
    return MPI_SUCCESS;
}

static bool api_errh_predefined(MPI_Errhandler eh)
{
    return eh == MPI_ERRORS_ARE_FATAL || eh == MPI_ERRORS_RETURN || eh == MPI_ERRORS_ABORT;
}

KR_WEAK_ALIAS(Comm_set_errhandler)
int PMPI_Comm_set_errhandler(MPI_Comm h, MPI_Errhandler errhandler)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Comm_set_errhandler");
    ret = kr_api_check_comm("MPI_Comm_set_errhandler", h, &comm);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (!api_errh_predefined(errhandler)) {
        return kr_api_error(comm, MPI_ERR_ARG, "MPI_Comm_set_errhandler: errhandler %p is not "
                            "a valid error handler", (void *) errhandler);
    }
    comm->errh = errhandler;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Comm_get_errhandler)
int PMPI_Comm_get_errhandler(MPI_Comm h, MPI_Errhandler *errhandler)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Comm_get_errhandler");
    ret = kr_api_check_comm("MPI_Comm_get_errhandler", h, &comm);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (errhandler == NULL) {
        return kr_api_error(comm, MPI_ERR_ARG, "MPI_Comm_get_errhandler: errhandler is NULL");
    }
    *errhandler = comm->errh;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Errhandler_free)
int PMPI_Errhandler_free(MPI_Errhandler *errhandler)
{
    kr_api_check_running("MPI_Errhandler_free");
    if (errhandler == NULL || !api_errh_predefined(*errhandler)) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Errhandler_free: not a valid error "
                            "handler");
    }
    /* Predefined handlers are never really freed; the handle becomes null as required. */
    *errhandler = MPI_ERRHANDLER_NULL;
    return MPI_SUCCESS;
}

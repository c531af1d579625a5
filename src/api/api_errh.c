/* Error handlers, and the way a failed call is reported: the message names the call, the
 * argument, the rank and the host; MPI_ERRORS_ARE_FATAL (the default) and MPI_ERRORS_ABORT
 * then end the job, MPI_ERRORS_RETURN hands the code back to the caller, and a user handler is
 * called with the object (communicator, window, file, session) and the code before the call
 * returns it. Also the handler objects and MPI_Comm_{create,set,get,call}_errhandler. */
#include "config.h"

#include "api.h"

#include "rma/rma.h"

#include "util/errors.h"
#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- running an error handler ------------------------------------------------------------ */

static bool api_errh_predefined(MPI_Errhandler eh)
{
    return eh == MPI_ERRORS_ARE_FATAL || eh == MPI_ERRORS_RETURN || eh == MPI_ERRORS_ABORT;
}

/* The communicator an error is raised on: NULL means MPI_COMM_WORLD (none before MPI_Init). */
static struct kr_comm *api_err_comm(struct kr_comm *comm)
{
    if (comm == NULL && kr_api.phase == KR_API_RUNNING) {
        return kr_api.world;
    }
    return comm;
}

static MPI_Errhandler api_err_handler(const struct kr_comm *comm)
{
    return comm != NULL && comm->errh != NULL ? comm->errh : MPI_ERRORS_ARE_FATAL;
}

/* Run handler `eh` of `comm` for `code`, whose report is `msg`; returns if the handler does.
 * Anything not a user handler or MPI_ERRORS_RETURN ends the job. */
static void api_err_run(struct kr_comm *comm, MPI_Errhandler eh, int code, const char *msg)
{
    struct kr_errh *user = kr_api_errh(eh);
    const char *name, *text;
    int cls = kr_api_err_class(code);
    MPI_Comm h;

    kr_api_err_describe(code, &name, &text);
    if (user != NULL && comm != NULL) {
        KR_LOG_INFO(API, "%s (%s: %s) on rank %d: calling the program's error handler", msg, name,
                    text, kr_api.rank);
        h = kr_api_comm_handle(comm);
        /* the handler may replace itself on the communicator: keep it alive while it runs */
        kr_api_errh_retain(user);
        user->fn.comm(&h, &code);
        kr_api_errh_release(user);
        return;
    }
    KR_LOG_ERR(API, "%s (%s: %s) on rank %d of %s, host %s%s", msg, name, text, kr_api.rank,
               comm != NULL ? comm->name[0] != '\0' ? comm->name : "a communicator" : "the job",
               kr_api.host[0] != '\0' ? kr_api.host : "?",
               eh == MPI_ERRORS_ABORT ? "; its error handler MPI_ERRORS_ABORT ends the job" : "");
    kr_api_abort(cls > 0 ? cls : MPI_ERR_OTHER, msg);
}

int kr_api_error(struct kr_comm *comm, int cls, const char *fmt, ...)
{
    MPI_Errhandler eh;
    char msg[768];
    va_list ap;

    comm = api_err_comm(comm);
    eh = api_err_handler(comm);
    if (eh == MPI_ERRORS_RETURN) {
        return cls;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    api_err_run(comm, eh, cls, msg);
    return cls;
}

void kr_api_errh_invoke(MPI_Errhandler eh, enum kr_errh_kind kind, void *handle, int code,
                        const char *msg)
{
    static const char *const what[] = { "communicator", "window", "file", "session" };
    struct kr_errh *user = kr_api_errh(eh);

    if (user == NULL || user->kind != kind || kind == KR_ERRH_COMM) {
        api_err_run(NULL, user != NULL ? MPI_ERRORS_ARE_FATAL : eh, code, msg);
        return;
    }
    KR_LOG_INFO(API, "%s on rank %d: calling the %s's error handler", msg, kr_api.rank,
                what[kind]);
    /* the handler may replace itself on its object: keep it alive while it runs */
    kr_api_errh_retain(user);
    if (kind == KR_ERRH_WIN) {
        MPI_Win h = handle;

        user->fn.win(&h, &code);
    } else if (kind == KR_ERRH_FILE) {
        MPI_File h = handle;

        user->fn.file(&h, &code);
    } else {
        MPI_Session h = handle;

        user->fn.session(&h, &code);
    }
    kr_api_errh_release(user);
}

int kr_api_obj_verror(MPI_Errhandler eh, enum kr_errh_kind kind, void *handle, int cls,
                      const char *fmt, va_list ap)
{
    char msg[768];

    if (eh == MPI_ERRORS_RETURN) {
        return cls;
    }
    vsnprintf(msg, sizeof(msg), fmt, ap);
    kr_api_errh_invoke(eh, kind, handle, cls, msg);
    return cls;
}

int kr_api_session_error(MPI_Session session, MPI_Errhandler eh, int cls, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cls = kr_api_obj_verror(eh, KR_ERRH_SESSION, session, cls, fmt, ap);
    va_end(ap);
    return cls;
}

int kr_api_win_error(struct kr_win *w, int cls, const char *fmt, ...)
{
    MPI_Errhandler eh = w != NULL && w->errh != NULL ? w->errh : MPI_ERRORS_ARE_FATAL;
    va_list ap;

    va_start(ap, fmt);
    cls = kr_api_obj_verror(eh, KR_ERRH_WIN, w != NULL ? (void *) w : MPI_WIN_NULL, cls, fmt,
                            ap);
    va_end(ap);
    return cls;
}

int kr_api_win_fail(struct kr_win *w, const char *call, int ret)
{
    return kr_api_win_error(w, kr_api_errclass(ret), "%s: %s", call,
                            -ret == KR_EPEER   ? "a peer process failed or closed its connection"
                            : -ret < KR_ERR_BASE ? strerror(-ret)
                                                 : "internal error");
}

int kr_api_fail(struct kr_comm *comm, const char *call, int ret)
{
    return kr_api_error(comm, kr_api_errclass(ret), "%s: %s", call,
                        -ret == KR_ETRUNC    ? "message truncated"
                        : -ret == KR_EPEER   ? "a peer process failed or closed its connection"
                        : -ret < KR_ERR_BASE ? strerror(-ret)
                                             : "internal error");
}

/* ---- error handler objects --------------------------------------------------------------- */

struct kr_errh *kr_api_errh(MPI_Errhandler h)
{
    struct kr_errh *eh;

    if ((uintptr_t) h < KR_HANDLE_USER_MIN) {
        return NULL;
    }
    eh = (struct kr_errh *) (void *) h;
    return eh->magic == KR_ERRH_MAGIC ? eh : NULL;
}

void kr_api_errh_retain(void *errh)
{
    struct kr_errh *eh = kr_api_errh(errh);

    if (eh != NULL) {
        eh->refs++;
    }
}

void kr_api_errh_release(void *errh)
{
    struct kr_errh *eh = kr_api_errh(errh);

    if (eh == NULL || --eh->refs > 0) {
        return;
    }
    kr_api_handle_forget(KR_API_H_ERRH, eh);
    eh->magic = 0;
    free(eh);
}

int kr_api_errh_create(const char *call, enum kr_errh_kind kind, union kr_errh_fn fn,
                       const char *fn_name, MPI_Errhandler *errhandler)
{
    struct kr_errh *eh;

    if (fn.any == NULL || errhandler == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: %s is NULL", call,
                            errhandler == NULL ? "errhandler" : fn_name);
    }
    eh = calloc(1, sizeof(*eh));
    if (eh == NULL) {
        return kr_api_fail(NULL, call, -ENOMEM);
    }
    eh->magic = KR_ERRH_MAGIC;
    eh->kind = kind;
    eh->fn = fn;
    eh->refs = 1; /* the handle returned */
    *errhandler = (MPI_Errhandler) (void *) eh;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Comm_create_errhandler)
int PMPI_Comm_create_errhandler(MPI_Comm_errhandler_function *comm_errhandler_fn,
                                MPI_Errhandler *errhandler)
{
    kr_api_check_running("MPI_Comm_create_errhandler");
    return kr_api_errh_create("MPI_Comm_create_errhandler", KR_ERRH_COMM,
                              (union kr_errh_fn) { .comm = comm_errhandler_fn },
                              "comm_errhandler_fn", errhandler);
}

KR_WEAK_ALIAS(Comm_set_errhandler)
int PMPI_Comm_set_errhandler(MPI_Comm h, MPI_Errhandler errhandler)
{
    struct kr_errh *eh = kr_api_errh(errhandler);
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Comm_set_errhandler");
    ret = kr_api_check_comm("MPI_Comm_set_errhandler", h, &comm);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (!api_errh_predefined(errhandler) && eh == NULL) {
        return kr_api_error(comm, MPI_ERR_ERRHANDLER,
                            "MPI_Comm_set_errhandler: %s is not a "
                            "valid error handler",
                            errhandler == MPI_ERRHANDLER_NULL ? "MPI_ERRHANDLER_NULL"
                                                              : "the errhandler argument");
    }
    if (eh != NULL && eh->kind != KR_ERRH_COMM) {
        return kr_api_error(comm, MPI_ERR_ERRHANDLER,
                            "MPI_Comm_set_errhandler: the handler "
                            "was not made by MPI_Comm_create_errhandler");
    }
    /* retain first: setting the handler a communicator already has must not free it */
    kr_api_errh_retain(errhandler);
    kr_api_errh_release(comm->errh);
    comm->errh = (void *) errhandler;
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
    /* a new handle to the same handler: the caller frees it with MPI_Errhandler_free */
    kr_api_errh_retain(comm->errh);
    *errhandler = api_err_handler(comm);
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Comm_call_errhandler)
int PMPI_Comm_call_errhandler(MPI_Comm h, int errorcode)
{
    struct kr_comm *comm;
    MPI_Errhandler eh;
    char msg[128];
    int ret;

    kr_api_check_running("MPI_Comm_call_errhandler");
    ret = kr_api_check_comm("MPI_Comm_call_errhandler", h, &comm);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (kr_api_err_class(errorcode) < 0) {
        return kr_api_error(comm, MPI_ERR_ARG,
                            "MPI_Comm_call_errhandler: %d is not an error "
                            "code",
                            errorcode);
    }
    eh = api_err_handler(comm);
    if (eh != MPI_ERRORS_RETURN) {
        snprintf(msg, sizeof(msg), "MPI_Comm_call_errhandler: the program raised error code %d",
                 errorcode);
        api_err_run(comm, eh, errorcode, msg);
    }
    /* MPI-4.1 9.5: success once the handler has been called and has returned */
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Errhandler_free)
int PMPI_Errhandler_free(MPI_Errhandler *errhandler)
{
    kr_api_check_running("MPI_Errhandler_free");
    if (errhandler == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Errhandler_free: errhandler is NULL");
    }
    if (!api_errh_predefined(*errhandler) && kr_api_errh(*errhandler) == NULL) {
        return kr_api_error(NULL, MPI_ERR_ERRHANDLER,
                            "MPI_Errhandler_free: %s is not a valid "
                            "error handler",
                            *errhandler == MPI_ERRHANDLER_NULL ? "MPI_ERRHANDLER_NULL"
                                                               : "the errhandler argument");
    }
    /* Objects using the handler keep it alive; predefined handlers are never freed. */
    kr_api_errh_release(*errhandler);
    *errhandler = MPI_ERRHANDLER_NULL;
    return MPI_SUCCESS;
}

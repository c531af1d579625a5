/* MPI sessions (MPI-5.0 11.3): MPI_Session_init brings the runtime up when neither MPI_Init nor
 * another session has (api_init.c), offers the process sets mpi://WORLD and mpi://SELF, and
 * keeps its own error handler, info and buffer. Communicators come from a session's groups
 * through MPI_Comm_create_from_group and MPI_Intercomm_create_from_groups (api_session_comm.c).
 * The last MPI_Session_finalize, with MPI_Init never called or finalized already, takes the
 * runtime down, which is collective over the whole job. */
#include "config.h"

#include "api.h"
#include "api_comm_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct kr_session {
    struct kr_session *next;
    uint32_t id; /* never 0; communicators record it (kr_comm.session) */
    void *errh;  /* predefined handler or struct kr_errh * (retained) */
    int thread_level;
    void *bsend; /* MPI_Session_attach_buffer's pool, or NULL */
};

static struct {
    struct kr_session *live;
    uint32_t next_id;
} sess_state;

static const char *const sess_psets[] = {"mpi://WORLD", "mpi://SELF"};
#define SESS_NPSETS 2

static const char *const sess_levels[] = {
    [MPI_THREAD_SINGLE] = "MPI_THREAD_SINGLE",
    [MPI_THREAD_FUNNELED] = "MPI_THREAD_FUNNELED",
    [MPI_THREAD_SERIALIZED] = "MPI_THREAD_SERIALIZED",
    [MPI_THREAD_MULTIPLE] = "MPI_THREAD_MULTIPLE",
};

static struct kr_session *sess_find(MPI_Session h)
{
    for (struct kr_session *s = sess_state.live; s != NULL; s = s->next) {
        if ((void *) s == (void *) h) {
            return s;
        }
    }
    return NULL;
}

void *kr_api_session_bsend(uint32_t id)
{
    for (struct kr_session *s = sess_state.live; s != NULL; s = s->next) {
        if (s->id == id) {
            return s->bsend;
        }
    }
    return NULL; /* the session was finalized: its communicators fall back to the process's */
}

/* The live session behind `h`, or NULL after reporting MPI_ERR_SESSION (on the process, as
 * there is no session to report on: MPI_COMM_WORLD's handler while the runtime is up). */
static struct kr_session *sess_check(const char *call, MPI_Session h, int *ret_out)
{
    struct kr_session *s = sess_find(h);

    *ret_out = MPI_SUCCESS;
    if (s == NULL) {
        *ret_out =
            kr_api_error(NULL, MPI_ERR_SESSION, "%s: %s is not a live session", call,
                         h == MPI_SESSION_NULL ? "MPI_SESSION_NULL" : "the session argument");
    }
    return s;
}

#define SESS_ERR(s, cls, ...)                                                                      \
    kr_api_session_error((MPI_Session) (void *) (s), (s)->errh, cls, __VA_ARGS__)

/* A handler a session may have: predefined or made by MPI_Session_create_errhandler. */
static bool sess_errh_ok(MPI_Errhandler eh)
{
    struct kr_errh *user = kr_api_errh(eh);

    return eh == MPI_ERRORS_ARE_FATAL || eh == MPI_ERRORS_RETURN || eh == MPI_ERRORS_ABORT
           || (user != NULL && user->kind == KR_ERRH_SESSION);
}

/* The thread level an info object asks for ("thread_level"), or MPI_THREAD_SINGLE. */
static int sess_info_level(MPI_Info infoh)
{
    struct kr_api_info *info = infoh != MPI_INFO_NULL ? kr_api_info(infoh) : NULL;
    const char *v = info != NULL ? kr_api_info_get(info, "thread_level") : NULL;

    for (int i = 0; v != NULL && i <= MPI_THREAD_MULTIPLE; i++) {
        if (sess_levels[i] != NULL && strcasecmp(v, sess_levels[i]) == 0) {
            return i;
        }
    }
    return MPI_THREAD_SINGLE;
}

KR_WEAK_ALIAS(Session_init)
int PMPI_Session_init(MPI_Info info, MPI_Errhandler errhandler, MPI_Session *session)
{
    const char *call = "MPI_Session_init";
    struct kr_session *s;
    int ret, provided;

    if (!sess_errh_ok(errhandler)) {
        return kr_api_error(NULL, MPI_ERR_ERRHANDLER,
                            "%s: errhandler is neither predefined nor "
                            "made by MPI_Session_create_errhandler",
                            call);
    }
    if (session == NULL) {
        return kr_api_session_error(MPI_SESSION_NULL, errhandler, MPI_ERR_ARG,
                                    "%s: session is NULL", call);
    }
    if (info != MPI_INFO_NULL && kr_api_info(info) == NULL) {
        return kr_api_session_error(MPI_SESSION_NULL, errhandler, MPI_ERR_INFO,
                                    "%s: info is not a valid info object", call);
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return kr_api_session_error(MPI_SESSION_NULL, errhandler, MPI_ERR_NO_MEM,
                                    "%s: out of memory", call);
    }
    ret = kr_api_runtime_acquire(call, sess_info_level(info), &provided);
    if (ret != MPI_SUCCESS) {
        free(s);
        return ret;
    }
    s->id = ++sess_state.next_id;
    s->errh = errhandler;
    kr_api_errh_retain(errhandler);
    s->thread_level = provided;
    s->next = sess_state.live;
    sess_state.live = s;
    *session = (MPI_Session) (void *) s;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Session_finalize)
int PMPI_Session_finalize(MPI_Session *session)
{
    const char *call = "MPI_Session_finalize";
    struct kr_session *s;
    MPI_Count size;
    void *buf;
    int ret;

    if (session == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: session is NULL", call);
    }
    s = sess_check(call, *session, &ret);
    if (s == NULL) {
        return ret;
    }
    if (s->bsend != NULL) { /* detached implicitly, once its messages have left */
        ret = kr_api_bsend_slot_detach(call, &s->bsend, &buf, &size);
        if (ret != MPI_SUCCESS) {
            return ret;
        }
    }
    for (struct kr_session **p = &sess_state.live; *p != NULL; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            break;
        }
    }
    kr_api_handle_forget(KR_API_H_SESSION, s);
    kr_api_errh_release(s->errh);
    free(s);
    *session = MPI_SESSION_NULL;
    return kr_api_runtime_release(call);
}

/* ---- process sets ------------------------------------------------------------------------ */

/* Index of pset `name` in sess_psets, or -1. */
static int sess_pset(const char *name)
{
    for (int i = 0; name != NULL && i < SESS_NPSETS; i++) {
        if (strcasecmp(name, sess_psets[i]) == 0) {
            return i;
        }
    }
    return -1;
}

KR_WEAK_ALIAS(Session_get_num_psets)
int PMPI_Session_get_num_psets(MPI_Session session, MPI_Info info, int *npset_names)
{
    struct kr_session *s;
    int ret;

    (void) info; /* no pset is selected by info */
    s = sess_check("MPI_Session_get_num_psets", session, &ret);
    if (s == NULL) {
        return ret;
    }
    if (npset_names == NULL) {
        return SESS_ERR(s, MPI_ERR_ARG, "MPI_Session_get_num_psets: npset_names is NULL");
    }
    *npset_names = SESS_NPSETS;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Session_get_nth_pset)
int PMPI_Session_get_nth_pset(MPI_Session session, MPI_Info info, int n, int *pset_len,
                              char *pset_name)
{
    struct kr_session *s;
    size_t need;
    int ret;

    (void) info;
    s = sess_check("MPI_Session_get_nth_pset", session, &ret);
    if (s == NULL) {
        return ret;
    }
    if (n < 0 || n >= SESS_NPSETS) {
        return SESS_ERR(s, MPI_ERR_ARG,
                        "MPI_Session_get_nth_pset: n is %d, there are %d "
                        "process sets",
                        n, SESS_NPSETS);
    }
    if (pset_len == NULL || (*pset_len > 0 && pset_name == NULL)) {
        return SESS_ERR(s, MPI_ERR_ARG, "MPI_Session_get_nth_pset: %s is NULL",
                        pset_len == NULL ? "pset_len" : "pset_name");
    }
    need = strlen(sess_psets[n]) + 1;
    if (*pset_len > 0) { /* 0 asks for the length only */
        snprintf(pset_name, (size_t) *pset_len, "%s", sess_psets[n]);
    }
    *pset_len = (int) need;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Session_get_pset_info)
int PMPI_Session_get_pset_info(MPI_Session session, const char *pset_name, MPI_Info *info)
{
    struct kr_api_info *n = NULL;
    struct kr_session *s;
    char size[16];
    int ret, p;

    s = sess_check("MPI_Session_get_pset_info", session, &ret);
    if (s == NULL) {
        return ret;
    }
    p = sess_pset(pset_name);
    if (p < 0 || info == NULL) {
        return SESS_ERR(s, MPI_ERR_ARG, "MPI_Session_get_pset_info: %s",
                        info == NULL ? "info is NULL"
                                     : "no such process set (try mpi://WORLD or mpi://SELF)");
    }
    snprintf(size, sizeof(size), "%d", p == 0 ? kr_api.size : 1);
    if (kr_api_info_set(&n, "mpi_size", size) != 0) {
        return SESS_ERR(s, MPI_ERR_NO_MEM, "MPI_Session_get_pset_info: out of memory");
    }
    *info = (MPI_Info) (void *) n;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Session_get_info)
int PMPI_Session_get_info(MPI_Session session, MPI_Info *info_used)
{
    struct kr_api_info *n = NULL;
    struct kr_session *s;
    int ret;

    s = sess_check("MPI_Session_get_info", session, &ret);
    if (s == NULL) {
        return ret;
    }
    if (info_used == NULL) {
        return SESS_ERR(s, MPI_ERR_ARG, "MPI_Session_get_info: info_used is NULL");
    }
    if (kr_api_info_set(&n, "thread_level", sess_levels[s->thread_level]) != 0) {
        return SESS_ERR(s, MPI_ERR_NO_MEM, "MPI_Session_get_info: out of memory");
    }
    *info_used = (MPI_Info) (void *) n;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Group_from_session_pset)
int PMPI_Group_from_session_pset(MPI_Session session, const char *pset_name, MPI_Group *newgroup)
{
    const char *call = "MPI_Group_from_session_pset";
    struct kr_session *s;
    int ret, p, me;

    s = sess_check(call, session, &ret);
    if (s == NULL) {
        return ret;
    }
    p = sess_pset(pset_name);
    if (p < 0 || newgroup == NULL) {
        return SESS_ERR(s, MPI_ERR_ARG, "%s: %s", call,
                        newgroup == NULL ? "newgroup is NULL"
                                         : "no such process set (try mpi://WORLD or mpi://SELF)");
    }
    me = kr_api.rank;
    ret =
        kr_api_group_of(call, kr_api.self, p == 0 ? NULL : &me, p == 0 ? kr_api.size : 1, newgroup);
    if (ret == MPI_SUCCESS) {
        kr_api_group(*newgroup)->session = s->id; /* its communicators use the session's buffer */
    }
    return ret;
}

/* ---- error handlers ---------------------------------------------------------------------- */

KR_WEAK_ALIAS(Session_create_errhandler)
int PMPI_Session_create_errhandler(MPI_Session_errhandler_function *session_errhandler_fn,
                                   MPI_Errhandler *errhandler)
{
    /* no session needed: the handler is made to be passed to MPI_Session_init */
    return kr_api_errh_create("MPI_Session_create_errhandler", KR_ERRH_SESSION,
                              (union kr_errh_fn) { .session = session_errhandler_fn },
                              "session_errhandler_fn", errhandler);
}

KR_WEAK_ALIAS(Session_set_errhandler)
int PMPI_Session_set_errhandler(MPI_Session session, MPI_Errhandler errhandler)
{
    struct kr_session *s;
    int ret;

    s = sess_check("MPI_Session_set_errhandler", session, &ret);
    if (s == NULL) {
        return ret;
    }
    if (!sess_errh_ok(errhandler)) {
        return SESS_ERR(s, MPI_ERR_ERRHANDLER,
                        "MPI_Session_set_errhandler: the handler is "
                        "neither predefined nor made by MPI_Session_create_errhandler");
    }
    kr_api_errh_retain(errhandler); /* first: it may be the one the session has */
    kr_api_errh_release(s->errh);
    s->errh = errhandler;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Session_get_errhandler)
int PMPI_Session_get_errhandler(MPI_Session session, MPI_Errhandler *errhandler)
{
    struct kr_session *s;
    int ret;

    s = sess_check("MPI_Session_get_errhandler", session, &ret);
    if (s == NULL) {
        return ret;
    }
    if (errhandler == NULL) {
        return SESS_ERR(s, MPI_ERR_ARG, "MPI_Session_get_errhandler: errhandler is NULL");
    }
    kr_api_errh_retain(s->errh); /* a new handle: the caller frees it */
    *errhandler = s->errh;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Session_call_errhandler)
int PMPI_Session_call_errhandler(MPI_Session session, int errorcode)
{
    struct kr_session *s;
    int ret;

    s = sess_check("MPI_Session_call_errhandler", session, &ret);
    if (s == NULL) {
        return ret;
    }
    if (kr_api_err_class(errorcode) < 0) {
        return SESS_ERR(s, MPI_ERR_ARG, "MPI_Session_call_errhandler: %d is not an error code",
                        errorcode);
    }
    (void) SESS_ERR(s, errorcode, "MPI_Session_call_errhandler: error code %d", errorcode);
    return MPI_SUCCESS; /* the call itself worked */
}

/* ---- buffers ----------------------------------------------------------------------------- */

static int sess_attach(const char *call, MPI_Session session, void *buffer, MPI_Count size)
{
    struct kr_session *s = sess_check(call, session, &(int){0});

    if (s == NULL) {
        return MPI_ERR_SESSION;
    }
    return kr_api_bsend_slot_attach(call, &s->bsend, buffer, size);
}

KR_WEAK_ALIAS(Session_attach_buffer)
int PMPI_Session_attach_buffer(MPI_Session session, void *buffer, int size)
{
    return sess_attach("MPI_Session_attach_buffer", session, buffer, size);
}

KR_WEAK_ALIAS(Session_attach_buffer_c)
int PMPI_Session_attach_buffer_c(MPI_Session session, void *buffer, MPI_Count size)
{
    return sess_attach("MPI_Session_attach_buffer_c", session, buffer, size);
}

static int sess_detach(const char *call, MPI_Session session, void *buffer_addr, MPI_Count *size)
{
    struct kr_session *s = sess_check(call, session, &(int){0});

    if (s == NULL) {
        return MPI_ERR_SESSION;
    }
    return kr_api_bsend_slot_detach(call, &s->bsend, buffer_addr, size);
}

KR_WEAK_ALIAS(Session_detach_buffer)
int PMPI_Session_detach_buffer(MPI_Session session, void *buffer_addr, int *size)
{
    MPI_Count n = 0;
    int ret =
        sess_detach("MPI_Session_detach_buffer", session, buffer_addr, size != NULL ? &n : NULL);

    if (ret == MPI_SUCCESS) {
        *size = n > INT32_MAX ? INT32_MAX : (int) n;
    }
    return ret;
}

KR_WEAK_ALIAS(Session_detach_buffer_c)
int PMPI_Session_detach_buffer_c(MPI_Session session, void *buffer_addr, MPI_Count *size)
{
    return sess_detach("MPI_Session_detach_buffer_c", session, buffer_addr, size);
}

KR_WEAK_ALIAS(Session_flush_buffer)
int PMPI_Session_flush_buffer(MPI_Session session)
{
    struct kr_session *s = sess_check("MPI_Session_flush_buffer", session, &(int){0});

    return s == NULL ? MPI_ERR_SESSION
                     : kr_api_bsend_slot_flush("MPI_Session_flush_buffer", s->bsend);
}

KR_WEAK_ALIAS(Session_iflush_buffer)
int PMPI_Session_iflush_buffer(MPI_Session session, MPI_Request *request)
{
    struct kr_session *s = sess_check("MPI_Session_iflush_buffer", session, &(int){0});

    return s == NULL ? MPI_ERR_SESSION
                     : kr_api_bsend_slot_iflush("MPI_Session_iflush_buffer", s->bsend, request);
}

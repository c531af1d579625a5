/* Generalized requests: operations the program completes itself (MPI_Grequest_start,
 * MPI_Grequest_complete), with its query, free and cancel callbacks. */
#include "config.h"

#include "api_req_int.h"

#include <errno.h>
#include <stdlib.h>

KR_WEAK_ALIAS(Grequest_start)
int PMPI_Grequest_start(MPI_Grequest_query_function *query_fn,
                        MPI_Grequest_free_function *free_fn,
                        MPI_Grequest_cancel_function *cancel_fn, void *extra_state,
                        MPI_Request *request)
{
    struct kr_api_greq *g;
    struct kr_req *req;

    kr_api_check_running("MPI_Grequest_start");
    if (query_fn == NULL || free_fn == NULL || cancel_fn == NULL || request == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Grequest_start: %s is NULL",
                            query_fn == NULL ? "query_fn" : free_fn == NULL ? "free_fn"
                            : cancel_fn == NULL ? "cancel_fn" : "request");
    }
    req = kr_req_alloc(kr_api.pt);
    g = malloc(sizeof(*g));
    if (req == NULL || g == NULL) {
        if (req != NULL) {
            kr_req_release(kr_api.pt, req);
        }
        free(g);
        return kr_api_fail(NULL, "MPI_Grequest_start", -ENOMEM);
    }
    *g = (struct kr_api_greq) { query_fn, free_fn, cancel_fn, extra_state };
    req->kind = KR_REQ_OTHER;
    req->ukind = KR_UREQ_GREQ;
    req->ext = g;
    req->owner = kr_api.world;
    *request = (MPI_Request) (void *) req;
    return MPI_SUCCESS;
}

/* Free a generalized request: now if it is complete, else when MPI_Grequest_complete comes
 * (the user freed it early). */
int kr_api_greq_free(struct kr_req *req)
{
    struct kr_api_greq *g = req->ext;
    int ret;

    kr_api_handle_forget(KR_API_H_REQUEST, req);
    if (!req->done) {
        req->flags |= KR_REQ_F_FREE_ON_DONE;
        return MPI_SUCCESS;
    }
    ret = g->free_fn(g->extra);
    free(g);
    kr_req_release(kr_api.pt, req);
    return ret;
}

KR_WEAK_ALIAS(Grequest_complete)
int PMPI_Grequest_complete(MPI_Request request)
{
    struct kr_req *req = kr_api_req(request);
    bool freed;

    kr_api_check_running("MPI_Grequest_complete");
    if (req == NULL || req->ukind != KR_UREQ_GREQ || req->done) {
        return kr_api_error(NULL, MPI_ERR_REQUEST, "MPI_Grequest_complete: not a pending "
                            "generalized request");
    }
    freed = (req->flags & KR_REQ_F_FREE_ON_DONE) != 0;
    req->done = 1;
    if (freed) {
        req->flags &= (uint16_t) ~KR_REQ_F_FREE_ON_DONE;
        return kr_api_greq_free(req);
    }
    return MPI_SUCCESS;
}

int kr_api_greq_cancel(struct kr_req *req)
{
    struct kr_api_greq *g = req->ext;

    return g->cancel(g->extra, req->done != 0);
}

/* The status is whatever the program's query callback says; its return value is the
 * operation's error code. */
int kr_api_greq_query(struct kr_req *req, MPI_Status *status)
{
    struct kr_api_greq *g = req->ext;
    MPI_Status tmp;
    struct kr_status empty = { .source = MPI_ANY_SOURCE, .tag = MPI_ANY_TAG };
    int ret;

    kr_api_status_set(&tmp, &empty);
    tmp.MPI_ERROR = MPI_SUCCESS;
    ret = g->query(g->extra, &tmp);
    if (status != MPI_STATUS_IGNORE) {
        *status = tmp;
    }
    return ret;
}

/* Completing requests: Wait, Test and their all/any/some forms. Null handles and inactive
 * persistent requests take no part (empty status); errors of multi-completion calls are
 * reported per request in MPI_ERROR and as MPI_ERR_IN_STATUS. */
#include "config.h"

#include "api_req_int.h"

#include <stdlib.h>

void kr_api_status_inactive(MPI_Status *status)
{
    struct kr_status ks = { .source = MPI_ANY_SOURCE, .tag = MPI_ANY_TAG };

    kr_api_status_set(status, &ks);
    if (status != MPI_STATUS_IGNORE) {
        status->MPI_ERROR = MPI_SUCCESS;
    }
}

int kr_api_req_complete(const char *call, MPI_Request *h, MPI_Status *status, bool quiet)
{
    struct kr_req *req = kr_api_req(*h);
    struct kr_comm *comm = req->owner;
    struct kr_status st = req->status;
    size_t cap = req->len;
    int ret = MPI_SUCCESS;

    if (req->ukind == KR_UREQ_GREQ) {
        /* The query's code is the operation's error; free runs whatever it said. */
        int fret;

        ret = kr_api_greq_query(req, status);
        *h = MPI_REQUEST_NULL;
        fret = kr_api_greq_free(req);
        if (ret == MPI_SUCCESS) {
            ret = fret;
        }
        if (ret != MPI_SUCCESS && !quiet) {
            ret = kr_api_error(comm, ret, "%s: the generalized request failed", call);
        }
        return ret;
    }
    if (req->ukind == KR_UREQ_COLL || req->ukind == KR_UREQ_PCOLL) {
        return kr_api_coll_req_complete(call, h, status, quiet); /* issue #4 */
    }
    if (req->kind == KR_REQ_RECV) {
        kr_api_status_set(status, &st);
    } else if (status != MPI_STATUS_IGNORE) {
        struct kr_status ks = { .source = MPI_ANY_SOURCE, .tag = MPI_ANY_TAG,
                                .cancelled = st.cancelled };

        kr_api_status_set(status, &ks);
    }
    if (st.error != 0) {
        ret = quiet ? kr_api_errclass(st.error) : kr_api_recv_error(call, comm, &st, cap);
    }
    if (req->ukind == KR_UREQ_PERSIST) {
        ((struct kr_api_persist *) req->ext)->active = false;
    } else {
        kr_api_handle_forget(KR_API_H_REQUEST, req);
        kr_api_req_drop_comm(req); /* after its last use above */
        kr_req_release(kr_api.pt, req);
        *h = MPI_REQUEST_NULL;
    }
    return ret;
}

static bool wait_req_done(void *arg)
{
    return ((struct kr_req *) arg)->done != 0;
}

/* Block until `req` completes. */
static int wait_one(const char *call, struct kr_req *req)
{
    int ret = kr_pt2pt_wait_until(kr_api.pt, wait_req_done, req);

    return ret == 0 ? MPI_SUCCESS : kr_api_fail(req->owner, call, ret);
}

/* Make progress once unless `req` is already done. */
static int wait_poke(const char *call, struct kr_req *req)
{
    int ret = req->done ? 0 : kr_pt2pt_progress(kr_api.pt);

    return ret >= 0 ? MPI_SUCCESS : kr_api_fail(req->owner, call, ret);
}

KR_WEAK_ALIAS(Wait)
int PMPI_Wait(MPI_Request *request, MPI_Status *status)
{
    int ret;

    kr_api_check_running("MPI_Wait");
    ret = kr_api_check_req("MPI_Wait", request, true);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (kr_api_req_inactive(*request)) {
        kr_api_status_inactive(status);
        return MPI_SUCCESS;
    }
    ret = wait_one("MPI_Wait", kr_api_req(*request));
    return ret != MPI_SUCCESS ? ret : kr_api_req_complete("MPI_Wait", request, status, false);
}

KR_WEAK_ALIAS(Test)
int PMPI_Test(MPI_Request *request, int *flag, MPI_Status *status)
{
    int ret;

    kr_api_check_running("MPI_Test");
    ret = kr_api_check_req("MPI_Test", request, true);
    if (ret == MPI_SUCCESS && flag == NULL) {
        ret = kr_api_error(NULL, MPI_ERR_ARG, "MPI_Test: flag is NULL");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (kr_api_req_inactive(*request)) {
        *flag = 1;
        kr_api_status_inactive(status);
        return MPI_SUCCESS;
    }
    ret = wait_poke("MPI_Test", kr_api_req(*request));
    *flag = ret == MPI_SUCCESS && kr_api_req(*request)->done;
    if (ret != MPI_SUCCESS || !*flag) {
        return ret;
    }
    return kr_api_req_complete("MPI_Test", request, status, false);
}

int kr_api_check_req_array(const char *call, int count, MPI_Request requests[])
{
    if (count < 0) {
        return kr_api_error(NULL, MPI_ERR_COUNT, "%s: count %d is negative", call, count);
    }
    if (count > 0 && requests == NULL) {
        return kr_api_error(NULL, MPI_ERR_REQUEST, "%s: the request array is NULL", call);
    }
    for (int i = 0; i < count; i++) {
        int ret = kr_api_check_req(call, &requests[i], true);

        if (ret != MPI_SUCCESS) {
            return ret;
        }
    }
    return MPI_SUCCESS;
}

MPI_Status *kr_api_status_at(MPI_Status statuses[], int i)
{
    return statuses == MPI_STATUSES_IGNORE ? MPI_STATUS_IGNORE : &statuses[i];
}

/* Complete request i of a multi-completion call: its status gets MPI_ERROR; the first error
 * is remembered for the MPI_ERR_IN_STATUS report. */
static void wait_finish_one(const char *call, MPI_Request requests[], int i,
                            MPI_Status *st, struct kr_comm **failed)
{
    struct kr_comm *comm = kr_api_req(requests[i])->owner;
    int ret = kr_api_req_complete(call, &requests[i], st, true);

    if (st != MPI_STATUS_IGNORE) {
        st->MPI_ERROR = ret;
    }
    if (ret != MPI_SUCCESS && *failed == NULL) {
        *failed = comm;
    }
}

static int wait_in_status(const char *call, struct kr_comm *failed)
{
    if (failed == NULL) {
        return MPI_SUCCESS;
    }
    return kr_api_error(failed, MPI_ERR_IN_STATUS, "%s: at least one request failed (see the "
                        "MPI_ERROR field of its status)", call);
}

/* Complete every active request (they are all done). */
static int wait_finish_all(const char *call, int count, MPI_Request requests[],
                           MPI_Status statuses[])
{
    struct kr_comm *failed = NULL;

    for (int i = 0; i < count; i++) {
        if (kr_api_req_inactive(requests[i])) {
            kr_api_status_inactive(kr_api_status_at(statuses, i));
            continue;
        }
        wait_finish_one(call, requests, i, kr_api_status_at(statuses, i), &failed);
    }
    return wait_in_status(call, failed);
}

KR_WEAK_ALIAS(Waitall)
int PMPI_Waitall(int count, MPI_Request requests[], MPI_Status statuses[])
{
    int ret;

    kr_api_check_running("MPI_Waitall");
    ret = kr_api_check_req_array("MPI_Waitall", count, requests);
    for (int i = 0; ret == MPI_SUCCESS && i < count; i++) {
        if (!kr_api_req_inactive(requests[i])) {
            ret = wait_one("MPI_Waitall", kr_api_req(requests[i]));
        }
    }
    return ret != MPI_SUCCESS ? ret : wait_finish_all("MPI_Waitall", count, requests, statuses);
}

KR_WEAK_ALIAS(Testall)
int PMPI_Testall(int count, MPI_Request requests[], int *flag, MPI_Status statuses[])
{
    int ret;

    kr_api_check_running("MPI_Testall");
    ret = kr_api_check_req_array("MPI_Testall", count, requests);
    if (ret == MPI_SUCCESS && flag == NULL) {
        ret = kr_api_error(NULL, MPI_ERR_ARG, "MPI_Testall: flag is NULL");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_pt2pt_progress(kr_api.pt);
    if (ret < 0) {
        return kr_api_fail(NULL, "MPI_Testall", ret);
    }
    *flag = 1;
    for (int i = 0; i < count && *flag; i++) {
        *flag = kr_api_req_inactive(requests[i]) || kr_api_req(requests[i])->done;
    }
    /* Not all done: nothing is completed or changed. */
    return *flag ? wait_finish_all("MPI_Testall", count, requests, statuses) : MPI_SUCCESS;
}

struct wait_any {
    int count;
    MPI_Request *requests;
};

static bool wait_any_done(void *arg)
{
    struct wait_any *w = arg;

    for (int i = 0; i < w->count; i++) {
        if (!kr_api_req_inactive(w->requests[i]) && kr_api_req(w->requests[i])->done) {
            return true;
        }
    }
    return false;
}

static bool wait_none_active(int count, MPI_Request requests[])
{
    for (int i = 0; i < count; i++) {
        if (!kr_api_req_inactive(requests[i])) {
            return false;
        }
    }
    return true;
}

/* Wait (block) or test (not) until one of the requests is done; complete the first one. */
static int wait_any(const char *call, int count, MPI_Request requests[], int *index,
                    int *flag, MPI_Status *status, bool block)
{
    struct wait_any w = { count, requests };
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_req_array(call, count, requests);
    if (ret == MPI_SUCCESS && index == NULL) {
        ret = kr_api_error(NULL, MPI_ERR_ARG, "%s: index is NULL", call);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    *index = MPI_UNDEFINED;
    if (wait_none_active(count, requests)) {
        *flag = 1;
        kr_api_status_inactive(status);
        return MPI_SUCCESS;
    }
    ret = block ? kr_pt2pt_wait_until(kr_api.pt, wait_any_done, &w)
                : kr_pt2pt_progress(kr_api.pt);
    if (ret < 0) {
        return kr_api_fail(NULL, call, ret);
    }
    *flag = 0;
    for (int i = 0; i < count; i++) {
        if (!kr_api_req_inactive(requests[i]) && kr_api_req(requests[i])->done) {
            *index = i;
            *flag = 1;
            return kr_api_req_complete(call, &requests[i], status, false);
        }
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Waitany)
int PMPI_Waitany(int count, MPI_Request requests[], int *index, MPI_Status *status)
{
    int flag;

    return wait_any("MPI_Waitany", count, requests, index, &flag, status, true);
}

KR_WEAK_ALIAS(Testany)
int PMPI_Testany(int count, MPI_Request requests[], int *index, int *flag, MPI_Status *status)
{
    if (flag == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Testany: flag is NULL");
    }
    return wait_any("MPI_Testany", count, requests, index, flag, status, false);
}

/* Complete every request that is done; block first until there is one if `block`. */
static int wait_some(const char *call, int incount, MPI_Request requests[], int *outcount,
                     int indices[], MPI_Status statuses[], bool block)
{
    struct wait_any w = { incount, requests };
    struct kr_comm *failed = NULL;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_req_array(call, incount, requests);
    if (ret == MPI_SUCCESS && (outcount == NULL || (incount > 0 && indices == NULL))) {
        ret = kr_api_error(NULL, MPI_ERR_ARG, "%s: %s is NULL", call,
                           outcount == NULL ? "outcount" : "indices");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (wait_none_active(incount, requests)) {
        *outcount = MPI_UNDEFINED;
        return MPI_SUCCESS;
    }
    ret = block ? kr_pt2pt_wait_until(kr_api.pt, wait_any_done, &w)
                : kr_pt2pt_progress(kr_api.pt);
    if (ret < 0) {
        return kr_api_fail(NULL, call, ret);
    }
    *outcount = 0;
    for (int i = 0; i < incount; i++) {
        if (!kr_api_req_inactive(requests[i]) && kr_api_req(requests[i])->done) {
            indices[*outcount] = i;
            wait_finish_one(call, requests, i, kr_api_status_at(statuses, *outcount), &failed);
            (*outcount)++;
        }
    }
    return wait_in_status(call, failed);
}

KR_WEAK_ALIAS(Waitsome)
int PMPI_Waitsome(int incount, MPI_Request requests[], int *outcount, int indices[],
                  MPI_Status statuses[])
{
    return wait_some("MPI_Waitsome", incount, requests, outcount, indices, statuses, true);
}

KR_WEAK_ALIAS(Testsome)
int PMPI_Testsome(int incount, MPI_Request requests[], int *outcount, int indices[],
                  MPI_Status statuses[])
{
    return wait_some("MPI_Testsome", incount, requests, outcount, indices, statuses, false);
}

/* MPI 4.1's MPI_Request_get_status_all / _any / _some: Testall / Testany / Testsome that only
 * look. A finished request is neither freed nor deactivated, so the program still completes
 * it with a wait or test call afterwards (and may ask again meanwhile). */
#include "config.h"

#include "api_req_int.h"

static bool req_status_done(MPI_Request h)
{
    return !kr_api_req_inactive(h) && kr_api_req(h)->done;
}

/* The status of finished request `h`, left as it is; returns the operation's error class. */
static int req_status_peek(MPI_Request h, MPI_Status *status)
{
    struct kr_req *req = kr_api_req(h);
    int err;

    if (req->ukind == KR_UREQ_GREQ) {
        err = kr_api_greq_query(req, status);
        if (status != MPI_STATUS_IGNORE && err != MPI_SUCCESS) {
            status->MPI_ERROR = err;
        }
        return err;
    }
    kr_api_status_set(status, &req->status);
    err = req->status.error != 0 ? kr_api_errclass(req->status.error) : MPI_SUCCESS;
    if (status != MPI_STATUS_IGNORE) {
        status->MPI_ERROR = err;
    }
    return err;
}

static int req_status_progress(const char *call)
{
    int ret = kr_pt2pt_progress(kr_api.pt);

    return ret < 0 ? kr_api_fail(NULL, call, ret) : MPI_SUCCESS;
}

static int req_status_in_status(const char *call, bool failed)
{
    if (!failed) {
        return MPI_SUCCESS;
    }
    return kr_api_error(NULL, MPI_ERR_IN_STATUS, "%s: at least one request failed (see the "
                        "MPI_ERROR field of its status)", call);
}

KR_WEAK_ALIAS(Request_get_status_all)
int PMPI_Request_get_status_all(int count, MPI_Request array_of_requests[], int *flag,
                                MPI_Status *array_of_statuses)
{
    const char *call = "MPI_Request_get_status_all";
    bool failed = false;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_req_array(call, count, array_of_requests);
    if (ret == MPI_SUCCESS && flag == NULL) {
        ret = kr_api_error(NULL, MPI_ERR_ARG, "%s: flag is NULL", call);
    }
    if (ret == MPI_SUCCESS) {
        ret = req_status_progress(call);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    for (int i = 0; i < count; i++) {
        if (!kr_api_req_inactive(array_of_requests[i]) && !kr_api_req(array_of_requests[i])->done) {
            *flag = 0; /* the statuses stay undefined, as with MPI_Testall */
            return MPI_SUCCESS;
        }
    }
    *flag = 1;
    for (int i = 0; i < count; i++) {
        MPI_Status *st = kr_api_status_at(array_of_statuses, i);

        if (kr_api_req_inactive(array_of_requests[i])) {
            kr_api_status_inactive(st);
        } else if (req_status_peek(array_of_requests[i], st) != MPI_SUCCESS) {
            failed = true;
        }
    }
    return req_status_in_status(call, failed);
}

KR_WEAK_ALIAS(Request_get_status_any)
int PMPI_Request_get_status_any(int count, MPI_Request array_of_requests[], int *indx, int *flag,
                                MPI_Status *status)
{
    const char *call = "MPI_Request_get_status_any";
    bool active = false;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_req_array(call, count, array_of_requests);
    if (ret == MPI_SUCCESS && (indx == NULL || flag == NULL)) {
        ret = kr_api_error(NULL, MPI_ERR_ARG, "%s: %s is NULL", call,
                           indx == NULL ? "indx" : "flag");
    }
    if (ret == MPI_SUCCESS) {
        ret = req_status_progress(call);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    *indx = MPI_UNDEFINED;
    for (int i = 0; i < count; i++) {
        active = active || !kr_api_req_inactive(array_of_requests[i]);
        if (req_status_done(array_of_requests[i])) {
            *indx = i;
            *flag = 1;
            ret = req_status_peek(array_of_requests[i], status);
            /* one request: its error is the call's, as MPI_Testany reports it */
            return ret == MPI_SUCCESS ? MPI_SUCCESS
                                      : kr_api_error(kr_api_req(array_of_requests[i])->owner, ret,
                                                     "%s: request %d failed", call, i);
        }
    }
    *flag = !active; /* no active request: true, with an empty status */
    if (!active) {
        kr_api_status_inactive(status);
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Request_get_status_some)
int PMPI_Request_get_status_some(int incount, MPI_Request array_of_requests[], int *outcount,
                                 int array_of_indices[], MPI_Status *array_of_statuses)
{
    const char *call = "MPI_Request_get_status_some";
    bool active = false, failed = false;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_req_array(call, incount, array_of_requests);
    if (ret == MPI_SUCCESS && (outcount == NULL || (incount > 0 && array_of_indices == NULL))) {
        ret = kr_api_error(NULL, MPI_ERR_ARG, "%s: %s is NULL", call,
                           outcount == NULL ? "outcount" : "array_of_indices");
    }
    if (ret == MPI_SUCCESS) {
        ret = req_status_progress(call);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    *outcount = 0;
    for (int i = 0; i < incount; i++) {
        active = active || !kr_api_req_inactive(array_of_requests[i]);
        if (req_status_done(array_of_requests[i])) {
            array_of_indices[*outcount] = i;
            if (req_status_peek(array_of_requests[i],
                                kr_api_status_at(array_of_statuses, *outcount))
                != MPI_SUCCESS) {
                failed = true;
            }
            (*outcount)++;
        }
    }
    if (!active) {
        *outcount = MPI_UNDEFINED;
    }
    return req_status_in_status(call, failed);
}

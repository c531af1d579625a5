/* Nonblocking send and receive, and completion of requests (Wait, Waitall, Test). */
#include "config.h"

#include "api.h"

#include "util/errors.h"

#include <errno.h>
#include <stdint.h>

static struct kr_req *req_of(MPI_Request h)
{
    return (struct kr_req *) (void *) h;
}

static int req_check(const char *call, MPI_Request *request)
{
    if (request == NULL) {
        return kr_api_error(NULL, MPI_ERR_REQUEST, "%s: request pointer is NULL", call);
    }
    if (*request != MPI_REQUEST_NULL && (uintptr_t) *request < KR_HANDLE_USER_MIN) {
        return kr_api_error(NULL, MPI_ERR_REQUEST, "%s: %p is not a valid request", call,
                            (void *) *request);
    }
    return MPI_SUCCESS;
}

/* A request that is complete from the start (peer MPI_PROC_NULL). */
static int req_null_peer(struct kr_comm *comm, enum kr_req_kind kind, MPI_Request *request)
{
    struct kr_req *req = kr_req_alloc(comm->pt);

    if (req == NULL) {
        return kr_api_fail(comm, "MPI_Isend", -ENOMEM);
    }
    req->kind = (uint8_t) kind;
    req->owner = comm;
    req->done = 1;
    req->status.source = MPI_PROC_NULL;
    req->status.tag = MPI_ANY_TAG;
    *request = (MPI_Request) (void *) req;
    return MPI_SUCCESS;
}

static int req_start(const char *call, const void *buf, int count, MPI_Datatype type, int rank,
                     int tag, MPI_Comm h, bool recv, MPI_Request *request)
{
    struct kr_comm *comm;
    struct kr_dt *dt;
    struct kr_req *req;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_comm(call, h, &comm);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_count(call, comm, count);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_type(call, comm, type, &dt);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_buf(call, comm, buf, count, dt);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_rank(call, comm, rank, recv);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_tag(call, comm, tag, recv);
    }
    if (ret == MPI_SUCCESS && request == NULL) {
        ret = kr_api_error(comm, MPI_ERR_REQUEST, "%s: request pointer is NULL", call);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (rank == MPI_PROC_NULL) {
        return req_null_peer(comm, recv ? KR_REQ_RECV : KR_REQ_SEND, request);
    }
    req = kr_req_alloc(comm->pt);
    if (req == NULL) {
        return kr_api_fail(comm, call, -ENOMEM);
    }
    req->owner = comm;
    req->owner2 = dt;
    if (recv) {
        ret = kr_pt2pt_irecv(comm->pt, req, (void *) buf, kr_api_bytes(count, dt), rank, tag,
                             kr_comm_ctx_pt2pt(comm));
    } else {
        ret = kr_pt2pt_isend(comm->pt, req, buf, kr_api_bytes(count, dt),
                             kr_comm_job_rank(comm, rank), comm->rank, tag,
                             kr_comm_ctx_pt2pt(comm));
    }
    if (ret != 0) {
        kr_req_release(comm->pt, req);
        return kr_api_fail(comm, call, ret);
    }
    *request = (MPI_Request) (void *) req;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Isend)
int PMPI_Isend(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm,
               MPI_Request *request)
{
    return req_start("MPI_Isend", buf, count, type, dest, tag, comm, false, request);
}

KR_WEAK_ALIAS(Irecv)
int PMPI_Irecv(void *buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
               MPI_Request *request)
{
    return req_start("MPI_Irecv", buf, count, type, source, tag, comm, true, request);
}

/* Report a completed request's outcome into `status`, free it, and null the handle. Returns
 * the MPI error of the operation (through the communicator's error handler unless `quiet`). */
static int req_finish(const char *call, MPI_Request *request, MPI_Status *status, bool quiet)
{
    struct kr_req *req = req_of(*request);
    struct kr_comm *comm = req->owner;
    struct kr_status st = req->status;
    size_t cap = req->len;
    bool recv = req->kind == KR_REQ_RECV;
    int ret = MPI_SUCCESS;

    if (recv) {
        kr_api_status_set(status, &st, req->owner2);
    } else if (status != MPI_STATUS_IGNORE) {
        status->MPI_internal[2] = st.cancelled;
    }
    kr_req_release(comm->pt, req);
    *request = MPI_REQUEST_NULL;
    if (st.error != 0) {
        ret = kr_api_errclass(st.error);
        if (!quiet) {
            ret = st.error == -KR_ETRUNC
                      ? kr_api_error(comm, MPI_ERR_TRUNCATE, "%s: the message from rank %d "
                                     "(tag %d) is longer than the %zu-byte receive buffer", call,
                                     st.source, st.tag, cap)
                      : kr_api_fail(comm, call, st.error);
        }
    }
    return ret;
}

static void req_status_empty(MPI_Status *status)
{
    struct kr_status ks = { .source = MPI_ANY_SOURCE, .tag = MPI_ANY_TAG };

    kr_api_status_set(status, &ks, NULL);
}

KR_WEAK_ALIAS(Wait)
int PMPI_Wait(MPI_Request *request, MPI_Status *status)
{
    struct kr_req *req;
    int ret;

    kr_api_check_running("MPI_Wait");
    ret = req_check("MPI_Wait", request);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (*request == MPI_REQUEST_NULL) {
        req_status_empty(status);
        return MPI_SUCCESS;
    }
    req = req_of(*request);
    ret = kr_pt2pt_wait(kr_api.pt, req);
    if (ret != 0) {
        return kr_api_fail(req->owner, "MPI_Wait", ret);
    }
    return req_finish("MPI_Wait", request, status, false);
}

KR_WEAK_ALIAS(Test)
int PMPI_Test(MPI_Request *request, int *flag, MPI_Status *status)
{
    int ret;

    kr_api_check_running("MPI_Test");
    ret = req_check("MPI_Test", request);
    if (ret == MPI_SUCCESS && flag == NULL) {
        ret = kr_api_error(NULL, MPI_ERR_ARG, "MPI_Test: flag is NULL");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (*request == MPI_REQUEST_NULL) {
        *flag = 1;
        req_status_empty(status);
        return MPI_SUCCESS;
    }
    if (!req_of(*request)->done) {
        ret = kr_pt2pt_progress(kr_api.pt);
        if (ret < 0) {
            return kr_api_fail(req_of(*request)->owner, "MPI_Test", ret);
        }
    }
    *flag = req_of(*request)->done != 0;
    return *flag ? req_finish("MPI_Test", request, status, false) : MPI_SUCCESS;
}

KR_WEAK_ALIAS(Waitall)
int PMPI_Waitall(int count, MPI_Request requests[], MPI_Status statuses[])
{
    struct kr_comm *failed = NULL;
    int ret;

    kr_api_check_running("MPI_Waitall");
    if (count < 0 || (count > 0 && requests == NULL)) {
        return kr_api_error(NULL, count < 0 ? MPI_ERR_COUNT : MPI_ERR_REQUEST,
                            "MPI_Waitall: %s", count < 0 ? "count is negative"
                                                         : "requests is NULL");
    }
    for (int i = 0; i < count; i++) {
        ret = req_check("MPI_Waitall", &requests[i]);
        if (ret != MPI_SUCCESS) {
            return ret;
        }
    }
    for (int i = 0; i < count; i++) {
        MPI_Status *st = statuses != MPI_STATUSES_IGNORE ? &statuses[i] : MPI_STATUS_IGNORE;
        struct kr_comm *comm;

        if (requests[i] == MPI_REQUEST_NULL) {
            req_status_empty(st);
            if (st != MPI_STATUS_IGNORE) {
                st->MPI_ERROR = MPI_SUCCESS;
            }
            continue;
        }
        comm = req_of(requests[i])->owner;
        ret = kr_pt2pt_wait(kr_api.pt, req_of(requests[i]));
        if (ret != 0) {
            return kr_api_fail(comm, "MPI_Waitall", ret);
        }
        ret = req_finish("MPI_Waitall", &requests[i], st, true);
        if (st != MPI_STATUS_IGNORE) {
            st->MPI_ERROR = ret;
        }
        if (ret != MPI_SUCCESS && failed == NULL) {
            failed = comm;
        }
    }
    if (failed != NULL) {
        return kr_api_error(failed, MPI_ERR_IN_STATUS, "MPI_Waitall: at least one request "
                            "failed (see the MPI_ERROR field of its status)");
    }
    return MPI_SUCCESS;
}

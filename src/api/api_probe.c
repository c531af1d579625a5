/* Probes: Probe and Iprobe look at a waiting message; Mprobe and Improbe take it off the
 * queue into an MPI_Message that only Mrecv/Imrecv can receive. */
#include "config.h"

#include "api_req_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#define KR_API_MSG_MAGIC 0x6b724d73u /* "krMs": a live matched message */

/* What an MPI_Message handle points to. */
struct kr_api_msg {
    uint32_t magic;
    struct kr_comm *comm;
    struct kr_pt2pt_msg *msg;
};

bool kr_api_msg_valid(MPI_Message h)
{
    const struct kr_api_msg *am = (const struct kr_api_msg *) (void *) h;

    return (uintptr_t) h >= KR_HANDLE_USER_MIN && am->magic == KR_API_MSG_MAGIC;
}

static int probe_args(const char *call, int source, int tag, MPI_Comm h,
                      struct kr_comm **comm_out)
{
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_comm(call, h, comm_out);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_rank(call, *comm_out, source, true);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_tag(call, *comm_out, tag, true);
    }
    return ret;
}

KR_WEAK_ALIAS(Iprobe)
int PMPI_Iprobe(int source, int tag, MPI_Comm h, int *flag, MPI_Status *status)
{
    struct kr_status st;
    struct kr_comm *comm;
    int ret;

    ret = probe_args("MPI_Iprobe", source, tag, h, &comm);
    if (ret == MPI_SUCCESS && flag == NULL) {
        ret = kr_api_error(comm, MPI_ERR_ARG, "MPI_Iprobe: flag is NULL");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (source == MPI_PROC_NULL) {
        *flag = 1;
        kr_api_status_empty(status);
        return MPI_SUCCESS;
    }
    ret = kr_pt2pt_iprobe(comm->pt, source, tag, kr_comm_ctx_pt2pt(comm), flag, &st);
    if (ret != 0) {
        return kr_api_fail(comm, "MPI_Iprobe", ret);
    }
    if (*flag) {
        kr_api_status_set(status, &st);
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Probe)
int PMPI_Probe(int source, int tag, MPI_Comm h, MPI_Status *status)
{
    struct kr_status st;
    struct kr_comm *comm;
    int ret;

    ret = probe_args("MPI_Probe", source, tag, h, &comm);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (source == MPI_PROC_NULL) {
        kr_api_status_empty(status);
        return MPI_SUCCESS;
    }
    ret = kr_pt2pt_probe(comm->pt, source, tag, kr_comm_ctx_pt2pt(comm), &st);
    if (ret != 0) {
        return kr_api_fail(comm, "MPI_Probe", ret);
    }
    kr_api_status_set(status, &st);
    return MPI_SUCCESS;
}

/* Wrap a dequeued message into the handle the user gets. */
static int probe_wrap(const char *call, struct kr_comm *comm, struct kr_pt2pt_msg *m,
                      MPI_Message *message)
{
    struct kr_api_msg *am = malloc(sizeof(*am));

    if (am == NULL) {
        return kr_api_fail(comm, call, -ENOMEM);
    }
    am->magic = KR_API_MSG_MAGIC;
    am->comm = comm;
    am->msg = m;
    *message = (MPI_Message) (void *) am;
    return MPI_SUCCESS;
}

static int mprobe_common(const char *call, int source, int tag, MPI_Comm h, int *flag,
                         MPI_Message *message, MPI_Status *status)
{
    struct kr_pt2pt_msg *m = NULL;
    struct kr_status st;
    struct kr_comm *comm;
    int ret, found = 1;

    ret = probe_args(call, source, tag, h, &comm);
    if (ret == MPI_SUCCESS && message == NULL) {
        ret = kr_api_error(comm, MPI_ERR_ARG, "%s: message is NULL", call);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (source == MPI_PROC_NULL) {
        *message = MPI_MESSAGE_NO_PROC;
        kr_api_status_empty(status);
        if (flag != NULL) {
            *flag = 1;
        }
        return MPI_SUCCESS;
    }
    ret = flag != NULL ? kr_pt2pt_improbe(comm->pt, source, tag, kr_comm_ctx_pt2pt(comm),
                                          &found, &m, &st)
                       : kr_pt2pt_mprobe(comm->pt, source, tag, kr_comm_ctx_pt2pt(comm), &m,
                                         &st);
    if (ret != 0) {
        return kr_api_fail(comm, call, ret);
    }
    if (flag != NULL) {
        *flag = found;
    }
    if (!found) {
        return MPI_SUCCESS;
    }
    kr_api_status_set(status, &st);
    return probe_wrap(call, comm, m, message);
}

KR_WEAK_ALIAS(Mprobe)
int PMPI_Mprobe(int source, int tag, MPI_Comm comm, MPI_Message *message, MPI_Status *status)
{
    return mprobe_common("MPI_Mprobe", source, tag, comm, NULL, message, status);
}

KR_WEAK_ALIAS(Improbe)
int PMPI_Improbe(int source, int tag, MPI_Comm comm, int *flag, MPI_Message *message,
                 MPI_Status *status)
{
    if (flag == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Improbe: flag is NULL");
    }
    return mprobe_common("MPI_Improbe", source, tag, comm, flag, message, status);
}

/* Start receiving `*message` into a request (from the pool, or the caller's). On return the
 * message handle is MPI_MESSAGE_NULL; *comm_out tells which communicator it came from, NULL
 * for MPI_MESSAGE_NO_PROC (no request was started then). */
static int mrecv_start(const char *call, void *buf, MPI_Count count, MPI_Datatype type,
                       MPI_Message *message, struct kr_req *req, struct kr_comm **comm_out,
                       struct kr_dt **dt_out)
{
    struct kr_api_msg *am;
    int ret;

    kr_api_check_running(call);
    if (message == NULL || *message == MPI_MESSAGE_NULL) {
        return kr_api_error(NULL, MPI_ERR_REQUEST, "%s: %s", call,
                            message == NULL ? "message is NULL" : "message is MPI_MESSAGE_NULL");
    }
    if (*message == MPI_MESSAGE_NO_PROC) {
        *message = MPI_MESSAGE_NULL;
        *comm_out = NULL;
        return MPI_SUCCESS;
    }
    am = (struct kr_api_msg *) (void *) *message;
    if (!kr_api_msg_valid(*message)) {
        return kr_api_error(NULL, MPI_ERR_REQUEST, "%s: not a message from MPI_Mprobe or "
                            "MPI_Improbe", call);
    }
    ret = kr_api_check_count(call, am->comm, count);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_type(call, am->comm, type, dt_out);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_buf(call, am->comm, buf, count, *dt_out);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    void *base;
    size_t cap;

    req->owner = am->comm;
    req->dt = *dt_out;
    cap = kr_api_msg_prep(req, *dt_out, count, buf, &base);
    kr_pt2pt_imrecv(am->comm->pt, req, base, cap, am->msg);
    *comm_out = am->comm;
    kr_api_handle_forget(KR_API_H_MESSAGE, am);
    am->magic = 0;
    free(am);
    *message = MPI_MESSAGE_NULL;
    return MPI_SUCCESS;
}

static int mrecv_common(const char *call, void *buf, MPI_Count count, MPI_Datatype type,
                        MPI_Message *message, MPI_Status *status)
{
    struct kr_comm *comm;
    struct kr_dt *dt;
    struct kr_req req;
    int ret;

    kr_req_init(&req, KR_REQ_RECV);
    ret = mrecv_start(call, buf, count, type, message, &req, &comm, &dt);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (comm == NULL) {
        kr_api_status_empty(status);
        return MPI_SUCCESS;
    }
    ret = kr_pt2pt_wait(comm->pt, &req);
    if (ret != 0) {
        return kr_api_fail(comm, call, ret);
    }
    kr_api_status_set(status, &req.status);
    return req.status.error == 0 ? MPI_SUCCESS
                                 : kr_api_recv_error(call, comm, &req.status, req.len);
}

KR_WEAK_ALIAS(Mrecv)
int PMPI_Mrecv(void *buf, int count, MPI_Datatype type, MPI_Message *message,
               MPI_Status *status)
{
    return mrecv_common("MPI_Mrecv", buf, count, type, message, status);
}

KR_WEAK_ALIAS(Mrecv_c)
int PMPI_Mrecv_c(void *buf, MPI_Count count, MPI_Datatype type, MPI_Message *message,
                 MPI_Status *status)
{
    return mrecv_common("MPI_Mrecv_c", buf, count, type, message, status);
}

static int imrecv_common(const char *call, void *buf, MPI_Count count, MPI_Datatype type,
                         MPI_Message *message, MPI_Request *request)
{
    struct kr_comm *comm;
    struct kr_dt *dt;
    struct kr_req *req;
    int ret;

    kr_api_check_running(call);
    if (request == NULL) {
        return kr_api_error(NULL, MPI_ERR_REQUEST, "%s: request is NULL", call);
    }
    req = kr_req_alloc(kr_api.pt);
    if (req == NULL) {
        return kr_api_fail(NULL, call, -ENOMEM);
    }
    ret = mrecv_start(call, buf, count, type, message, req, &comm, &dt);
    if (ret != MPI_SUCCESS) {
        kr_req_release(kr_api.pt, req);
        return ret;
    }
    if (comm != NULL && !req->done) {
        kr_api_req_hold_dt(req, dt);
    }
    if (comm == NULL) {
        /* MPI_MESSAGE_NO_PROC: a request that is complete from the start. */
        req->kind = KR_REQ_RECV;
        req->owner = kr_api.world;
        req->done = 1;
        req->status.source = MPI_PROC_NULL;
        req->status.tag = MPI_ANY_TAG;
    }
    *request = (MPI_Request) (void *) req;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Imrecv)
int PMPI_Imrecv(void *buf, int count, MPI_Datatype type, MPI_Message *message,
                MPI_Request *request)
{
    return imrecv_common("MPI_Imrecv", buf, count, type, message, request);
}

KR_WEAK_ALIAS(Imrecv_c)
int PMPI_Imrecv_c(void *buf, MPI_Count count, MPI_Datatype type, MPI_Message *message,
                  MPI_Request *request)
{
    return imrecv_common("MPI_Imrecv_c", buf, count, type, message, request);
}

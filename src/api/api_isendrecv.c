/* MPI_Isendrecv and MPI_Isendrecv_replace (and their _c twins): a receive and a send under one
 * user request, which completes (with the receive's status) once both halves have. The
 * replace form packs the outgoing message first, so the receive may land in the same buffer
 * at once. */
#include "config.h"

#include "api_req_int.h"

#include <errno.h>
#include <stdlib.h>

/* The two halves (kr_req.ext of a KR_UREQ_SENDRECV request until it completes). */
struct isr {
    struct kr_req *user;
    struct kr_req sreq, rreq;   /* engine requests; `owner` points back here */
    int left;                   /* halves running, +1 while starting */
    bool rnull;                 /* the source is MPI_PROC_NULL */
    struct kr_dt *sdt, *rdt;    /* held until completion */
    void *tmp;                  /* replace: the packed outgoing message */
};

static void isr_finish(struct isr *x)
{
    struct kr_req *u = x->user;
    struct kr_comm *comm = u->owner;

    u->status = x->rnull ? (struct kr_status) { .source = MPI_PROC_NULL, .tag = MPI_ANY_TAG }
                         : x->rreq.status;
    if (u->status.error == 0) {
        u->status.error = x->sreq.status.error;
    }
    u->len = x->rreq.len; /* the capacity, for a truncation message */
    u->ext = NULL;
    kr_dt_release(x->sdt);
    kr_dt_release(x->rdt);
    free(x->tmp);
    free(x);
    kr_req_complete(comm->pt, u);
}

/* Called by the engine when a half completes; the last one completes the user's request (the
 * engine touches neither half after its callback, so freeing them here is safe). */
static void isr_half_done(struct kr_req *half)
{
    struct isr *x = half->owner;

    if (--x->left == 0) {
        isr_finish(x);
    }
}

static void isr_half_init(struct isr *x, struct kr_req *half, enum kr_req_kind kind)
{
    kr_req_init(half, kind);
    half->owner = x;
    half->done_cb = isr_half_done;
}

/* Post the receive, then start the send. A send that cannot start counts as a completed half
 * with its error, which the request reports when it completes. */
static int isr_start(struct kr_comm *comm, struct isr *x, const void *sbuf, MPI_Count scount,
                     int dest, int stag, void *rbuf, MPI_Count rcount, int source, int rtag)
{
    void *base;
    size_t len;
    int ret;

    x->left = 1;
    isr_half_init(x, &x->rreq, KR_REQ_RECV);
    isr_half_init(x, &x->sreq, KR_REQ_SEND);
    x->rnull = source == MPI_PROC_NULL;
    if (!x->rnull) {
        len = kr_api_msg_prep(&x->rreq, x->rdt, rcount, rbuf, &base);
        x->left++;
        ret = kr_pt2pt_irecv(comm->pt, &x->rreq, base, len, source, rtag,
                             kr_comm_ctx_pt2pt(comm));
        if (ret != 0) {
            return ret;
        }
    }
    if (dest != MPI_PROC_NULL) {
        len = kr_api_msg_prep(&x->sreq, x->sdt, scount, sbuf, &base);
        x->left++;
        ret = kr_pt2pt_isend(comm->pt, &x->sreq, base, len, kr_comm_job_rank(comm, dest),
                             comm->rank, stag, kr_comm_ctx_pt2pt(comm));
        if (ret != 0) {
            x->sreq.status.error = ret;
            x->left--;
        }
    }
    if (--x->left == 0) {
        isr_finish(x);
    }
    return 0;
}

static int isr_call(const char *call, struct kr_comm *comm, const void *sbuf, MPI_Count scount,
                    struct kr_dt *sdt, int dest, int stag, void *rbuf, MPI_Count rcount,
                    struct kr_dt *rdt, int source, int rtag, void *tmp, MPI_Request *request)
{
    struct kr_req *u = kr_req_alloc(comm->pt);
    struct isr *x = calloc(1, sizeof(*x));
    int ret;

    if (u == NULL || x == NULL) {
        if (u != NULL) {
            kr_req_release(comm->pt, u);
        }
        free(x);
        free(tmp);
        return kr_api_fail(comm, call, -ENOMEM);
    }
    u->kind = KR_REQ_RECV;
    u->ukind = KR_UREQ_SENDRECV;
    u->owner = comm;
    u->ext = x;
    x->user = u;
    x->tmp = tmp;
    kr_dt_retain(sdt);
    kr_dt_retain(rdt);
    x->sdt = sdt;
    x->rdt = rdt;
    ret = isr_start(comm, x, sbuf, scount, dest, stag, rbuf, rcount, source, rtag);
    if (ret != 0) {
        /* Nothing was posted (the receive failed first): undo everything. */
        kr_dt_release(sdt);
        kr_dt_release(rdt);
        free(tmp);
        free(x);
        kr_req_release(comm->pt, u);
        return kr_api_fail(comm, call, ret);
    }
    *request = (MPI_Request) (void *) u;
    return MPI_SUCCESS;
}

int kr_api_sendrecv_cancel(struct kr_req *req)
{
    struct isr *x = req->ext;

    /* Only the receive can be withdrawn; the request then completes as cancelled. */
    if (!req->done && x != NULL && !x->rnull && !x->rreq.done) {
        kr_pt2pt_cancel(((struct kr_comm *) req->owner)->pt, &x->rreq);
    }
    return MPI_SUCCESS;
}

static int isr_args(const char *call, const void *sbuf, MPI_Count scount, MPI_Datatype stype,
                    int dest, int stag, void *rbuf, MPI_Count rcount, MPI_Datatype rtype,
                    int source, int rtag, MPI_Comm h, MPI_Request *request)
{
    struct kr_comm *comm;
    struct kr_dt *sdt, *rdt;
    int ret;

    ret = kr_api_check_p2p(call, h, sbuf, scount, stype, dest, stag, false, &comm, &sdt);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_p2p(call, h, rbuf, rcount, rtype, source, rtag, true, &comm, &rdt);
    }
    if (ret == MPI_SUCCESS && request == NULL) {
        ret = kr_api_error(comm, MPI_ERR_REQUEST, "%s: request pointer is NULL", call);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    return isr_call(call, comm, sbuf, scount, sdt, dest, stag, rbuf, rcount, rdt, source, rtag,
                    NULL, request);
}

KR_WEAK_ALIAS(Isendrecv)
int PMPI_Isendrecv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, int dest,
                   int sendtag, void *recvbuf, int recvcount, MPI_Datatype recvtype, int source,
                   int recvtag, MPI_Comm comm, MPI_Request *request)
{
    return isr_args("MPI_Isendrecv", sendbuf, sendcount, sendtype, dest, sendtag, recvbuf,
                    recvcount, recvtype, source, recvtag, comm, request);
}

KR_WEAK_ALIAS(Isendrecv_c)
int PMPI_Isendrecv_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, int dest,
                     int sendtag, void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                     int source, int recvtag, MPI_Comm comm, MPI_Request *request)
{
    return isr_args("MPI_Isendrecv_c", sendbuf, sendcount, sendtype, dest, sendtag, recvbuf,
                    recvcount, recvtype, source, recvtag, comm, request);
}

static int isr_replace(const char *call, void *buf, MPI_Count count, MPI_Datatype type, int dest,
                       int stag, int source, int rtag, MPI_Comm h, MPI_Request *request)
{
    struct kr_dt *dt, *bytes = kr_dt_from_handle(MPI_BYTE);
    struct kr_comm *comm;
    size_t len = 0;
    void *tmp = NULL;
    int ret;

    ret = kr_api_check_p2p(call, h, buf, count, type, dest, stag, false, &comm, &dt);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_rank(call, comm, source, true);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_tag(call, comm, rtag, true);
    }
    if (ret == MPI_SUCCESS && request == NULL) {
        ret = kr_api_error(comm, MPI_ERR_REQUEST, "%s: request pointer is NULL", call);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (dest != MPI_PROC_NULL) {
        len = kr_dt_packed_size(dt, (size_t) count);
        tmp = malloc(len + 1);
        if (tmp == NULL) {
            return kr_api_error(comm, MPI_ERR_NO_MEM, "%s: no memory for a %zu-byte copy of the "
                                "message", call, len);
        }
        kr_dt_pack(dt, (size_t) count, buf, 0, tmp, len);
    }
    return isr_call(call, comm, tmp, (MPI_Count) len, bytes, dest, stag, buf, count, dt, source,
                    rtag, tmp, request);
}

KR_WEAK_ALIAS(Isendrecv_replace)
int PMPI_Isendrecv_replace(void *buf, int count, MPI_Datatype datatype, int dest, int sendtag,
                           int source, int recvtag, MPI_Comm comm, MPI_Request *request)
{
    return isr_replace("MPI_Isendrecv_replace", buf, count, datatype, dest, sendtag, source,
                       recvtag, comm, request);
}

KR_WEAK_ALIAS(Isendrecv_replace_c)
int PMPI_Isendrecv_replace_c(void *buf, MPI_Count count, MPI_Datatype datatype, int dest,
                             int sendtag, int source, int recvtag, MPI_Comm comm,
                             MPI_Request *request)
{
    return isr_replace("MPI_Isendrecv_replace_c", buf, count, datatype, dest, sendtag, source,
                       recvtag, comm, request);
}

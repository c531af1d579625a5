/* Starting requests: nonblocking sends in every mode and receives, persistent requests
 * (Send_init ... Recv_init, Start, Startall), Request_free, Cancel, Request_get_status. */
#include "config.h"

#include "api_req_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The datatype engine behind pt2pt's layout callbacks. */
static size_t req_dt_pack(const void *type, size_t count, const void *buf, size_t off,
                          void *dst, size_t len)
{
    return kr_dt_pack(type, count, buf, off, dst, len);
}

static size_t req_dt_unpack(const void *type, size_t count, void *buf, size_t off,
                            const void *src, size_t len)
{
    return kr_dt_unpack(type, count, buf, off, src, len);
}

static int req_dt_iov(const void *type, size_t count, const void *buf, size_t off,
                      struct iovec *iov, int max, size_t *bytes_out)
{
    return kr_dt_iov(type, count, buf, off, iov, max, bytes_out);
}

static void req_dt_shape(const void *type, size_t count, size_t *pieces_out,
                         size_t *min_piece_out)
{
    kr_dt_layout(type, count, pieces_out, min_piece_out);
}

static void req_set_done(struct kr_req *req, struct kr_comm *comm, enum kr_req_kind kind);

static const struct kr_layout_ops req_dt_layout = {
    .pack = req_dt_pack,
    .unpack = req_dt_unpack,
    .iov = req_dt_iov,
    .shape = req_dt_shape,
};

size_t kr_api_msg_prep(struct kr_req *req, const struct kr_dt *dt, MPI_Count count,
                       const void *buf, void **base_out)
{
    if (kr_dt_is_contig(dt)) {
        *base_out = (char *) buf + dt->true_lb;
    } else {
        kr_req_set_layout(req, &req_dt_layout, dt, (size_t) count);
        *base_out = (void *) buf;
    }
    return kr_dt_packed_size(dt, (size_t) count);
}

void kr_api_layout(const struct kr_dt *dt, MPI_Count count, const void *buf,
                   struct kr_layout *lay_out, void **base_out)
{
    if (kr_dt_is_contig(dt)) {
        *lay_out = (struct kr_layout) { NULL, NULL, 0 };
        *base_out = (char *) buf + dt->true_lb;
    } else {
        *lay_out = (struct kr_layout) { &req_dt_layout, dt, (size_t) count };
        *base_out = (void *) buf;
    }
}

void kr_api_req_done_set(struct kr_req *req, struct kr_comm *comm, bool recv)
{
    req_set_done(req, comm, recv ? KR_REQ_RECV : KR_REQ_SEND);
}

void kr_api_req_hold_comm(struct kr_req *req, struct kr_comm *comm)
{
    kr_comm_retain(comm);
    req->owner = comm;
    req->flags |= KR_REQ_F_COMM_HELD;
}

void kr_api_req_drop_comm(struct kr_req *req)
{
    if ((req->flags & KR_REQ_F_COMM_HELD) != 0) {
        req->flags &= (uint16_t) ~KR_REQ_F_COMM_HELD;
        kr_comm_release(req->owner); /* the program may have freed it: this may be the end */
    }
}

/* Completion of a plain request: the datatype goes at once; the communicator too when the
 * program freed the request while active (nobody looks at it again). */
static void req_plain_done(struct kr_req *req)
{
    if ((req->flags & KR_REQ_F_DT_HELD) != 0) {
        req->flags &= (uint16_t) ~KR_REQ_F_DT_HELD;
        kr_dt_release((struct kr_dt *) req->dt);
    }
    if ((req->flags & KR_REQ_F_FREE_ON_DONE) != 0) {
        kr_api_req_drop_comm(req);
    }
}

void kr_api_req_hold_dt(struct kr_req *req, struct kr_dt *dt)
{
    if ((dt->flags & KR_DT_F_PREDEFINED) == 0) {
        kr_dt_retain(dt);
        req->flags |= KR_REQ_F_DT_HELD;
        req->done_cb = req_plain_done;
    }
}

int kr_api_check_req(const char *call, MPI_Request *h, bool null_ok)
{
    if (h == NULL) {
        return kr_api_error(NULL, MPI_ERR_REQUEST, "%s: request pointer is NULL", call);
    }
    if (*h == MPI_REQUEST_NULL && null_ok) {
        return MPI_SUCCESS;
    }
    if (kr_api_req(*h) == NULL) {
        return kr_api_error(NULL, MPI_ERR_REQUEST, "%s: %s is not an active request", call,
                            *h == MPI_REQUEST_NULL ? "MPI_REQUEST_NULL" : "the request");
    }
    return MPI_SUCCESS;
}

int kr_api_send_start(const char *call, struct kr_comm *comm, struct kr_req *req,
                      const void *buf, MPI_Count count, struct kr_dt *dt, int dest, int tag,
                      enum kr_api_send_mode mode)
{
    void *base;
    size_t len;
    int ret;

    req->owner = comm;
    req->dt = dt;
    if (mode == KR_SEND_SYNC) {
        req->flags |= KR_REQ_F_SYNC;
    }
    len = kr_api_msg_prep(req, dt, count, buf, &base);
    ret = kr_pt2pt_isend(comm->pt, req, base, len, kr_comm_job_rank(comm, dest), comm->rank, tag,
                         kr_comm_ctx_pt2pt(comm));
    return ret == 0 ? MPI_SUCCESS : kr_api_fail(comm, call, ret);
}

/* A request that is complete from the start (peer MPI_PROC_NULL, or a buffered send, which
 * completes once the message is copied). */
static void req_set_done(struct kr_req *req, struct kr_comm *comm, enum kr_req_kind kind)
{
    req->kind = (uint8_t) kind;
    req->owner = comm;
    req->done = 1;
    req->status.source = MPI_PROC_NULL;
    req->status.tag = MPI_ANY_TAG;
    req->status.count = 0;
    req->status.error = 0;
}

/* Start `req` as described by the arguments; PROC_NULL and buffered sends complete at once. */
static int req_start_op(const char *call, struct kr_comm *comm, struct kr_req *req,
                        const void *buf, MPI_Count count, struct kr_dt *dt, int rank, int tag,
                        bool recv, enum kr_api_send_mode mode)
{
    int ret;

    if (rank == MPI_PROC_NULL) {
        req_set_done(req, comm, recv ? KR_REQ_RECV : KR_REQ_SEND);
        return MPI_SUCCESS;
    }
    if (recv) {
        void *base;
        size_t len;

        req->owner = comm;
        req->dt = dt;
        len = kr_api_msg_prep(req, dt, count, buf, &base);
        ret = kr_pt2pt_irecv(comm->pt, req, base, len, rank, tag, kr_comm_ctx_pt2pt(comm));
        return ret == 0 ? MPI_SUCCESS : kr_api_fail(comm, call, ret);
    }
    if (mode == KR_SEND_BUFFERED) {
        ret = kr_api_bsend(call, comm, buf, count, dt, rank, tag);
        if (ret == MPI_SUCCESS) {
            req_set_done(req, comm, KR_REQ_SEND);
        }
        return ret;
    }
    return kr_api_send_start(call, comm, req, buf, count, dt, rank, tag, mode);
}

static int req_nonblocking(const char *call, const void *buf, MPI_Count count,
                           MPI_Datatype type, int rank, int tag, MPI_Comm h, bool recv,
                           enum kr_api_send_mode mode, MPI_Request *request)
{
    struct kr_comm *comm;
    struct kr_dt *dt;
    struct kr_req *req;
    int ret;

    ret = kr_api_check_p2p_req(call, h, buf, count, type, rank, tag, recv, request, &comm,
                               &dt);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    req = kr_req_alloc(comm->pt);
    if (req == NULL) {
        return kr_api_fail(comm, call, -ENOMEM);
    }
    ret = req_start_op(call, comm, req, buf, count, dt, rank, tag, recv, mode);
    if (ret != MPI_SUCCESS) {
        kr_req_release(comm->pt, req);
        return ret;
    }
    if (!req->done) { /* completion comes from progress, after this */
        kr_api_req_hold_dt(req, dt);
        kr_api_req_hold_comm(req, comm);
        req->done_cb = req_plain_done;
    }
    *request = (MPI_Request) (void *) req;
    return MPI_SUCCESS;
}

/* One definition per send call and its MPI_Count twin: `fn` is req_nonblocking (Isend and
 * friends) or req_persistent (Send_init and friends). */
#define REQ_SEND_PAIR(name, fn, mode)                                                         \
    KR_WEAK_ALIAS(name)                                                                       \
    int PMPI_##name(const void *buf, int count, MPI_Datatype type, int dest, int tag,         \
                    MPI_Comm comm, MPI_Request *request)                                      \
    {                                                                                         \
        return fn("MPI_" #name, buf, count, type, dest, tag, comm, false, mode, request);     \
    }                                                                                         \
    KR_WEAK_ALIAS(name##_c)                                                                   \
    int PMPI_##name##_c(const void *buf, MPI_Count count, MPI_Datatype type, int dest,        \
                        int tag, MPI_Comm comm, MPI_Request *request)                         \
    {                                                                                         \
        return fn("MPI_" #name "_c", buf, count, type, dest, tag, comm, false, mode,          \
                  request);                                                                   \
    }

REQ_SEND_PAIR(Isend, req_nonblocking, KR_SEND_STANDARD)
REQ_SEND_PAIR(Issend, req_nonblocking, KR_SEND_SYNC)
REQ_SEND_PAIR(Ibsend, req_nonblocking, KR_SEND_BUFFERED)
REQ_SEND_PAIR(Irsend, req_nonblocking, KR_SEND_READY)

KR_WEAK_ALIAS(Irecv)
int PMPI_Irecv(void *buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
               MPI_Request *request)
{
    return req_nonblocking("MPI_Irecv", buf, count, type, source, tag, comm, true,
                           KR_SEND_STANDARD, request);
}

KR_WEAK_ALIAS(Irecv_c)
int PMPI_Irecv_c(void *buf, MPI_Count count, MPI_Datatype type, int source, int tag,
                 MPI_Comm comm, MPI_Request *request)
{
    return req_nonblocking("MPI_Irecv_c", buf, count, type, source, tag, comm, true,
                           KR_SEND_STANDARD, request);
}

/* --- persistent requests -------------------------------------------------------------- */

/* A persistent request freed by the user while active goes back to the pool when it
 * completes; its arguments go with it. (It stays active for the user until a completion call
 * sees it: only those deactivate it.) */
static void req_persist_done(struct kr_req *req)
{
    struct kr_api_persist *p = req->ext;

    if (p->partitions > 0) {
        req->status.tag = p->tag; /* the user's tag, not the partitioned wire tag */
    }
    if ((req->flags & KR_REQ_F_FREE_ON_DONE) != 0) {
        kr_dt_release(p->dt);
        free(p);
        req->ext = NULL;
        kr_api_req_drop_comm(req);
    }
}

int kr_api_persist_new(const char *call, struct kr_comm *comm, const struct kr_api_persist *args,
                       size_t extra, MPI_Request *request)
{
    struct kr_req *req = kr_req_alloc(comm->pt);
    /* one allocation, so that whoever frees a persistent request's arguments frees it all */
    struct kr_api_persist *p = malloc(sizeof(*p) + extra);

    if (req == NULL || p == NULL) {
        if (req != NULL) {
            kr_req_release(comm->pt, req);
        }
        free(p);
        return kr_api_fail(comm, call, -ENOMEM);
    }
    kr_dt_retain(args->dt); /* the user may free the type while the request lives */
    *p = *args;
    p->ready = extra > 0 ? (uint8_t *) (p + 1) : NULL;
    if (extra > 0) {
        memset(p->ready, 0, extra);
    }
    req->kind = p->recv ? KR_REQ_RECV : KR_REQ_SEND;
    req->ukind = KR_UREQ_PERSIST;
    req->ext = p;
    kr_api_req_hold_comm(req, comm);
    req->dt = p->dt;
    req->done = 1;
    *request = (MPI_Request) (void *) req;
    return MPI_SUCCESS;
}

static int req_persistent(const char *call, const void *buf, MPI_Count count, MPI_Datatype type,
                          int rank, int tag, MPI_Comm h, bool recv, enum kr_api_send_mode mode,
                          MPI_Request *request)
{
    struct kr_comm *comm;
    struct kr_dt *dt;
    int ret;

    ret = kr_api_check_p2p_req(call, h, buf, count, type, rank, tag, recv, request, &comm,
                               &dt);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    return kr_api_persist_new(call, comm,
                              &(struct kr_api_persist) { .buf = buf, .count = count, .dt = dt,
                                                         .peer = rank, .tag = tag, .mode = mode,
                                                         .recv = recv },
                              0, request);
}

REQ_SEND_PAIR(Send_init, req_persistent, KR_SEND_STANDARD)
REQ_SEND_PAIR(Ssend_init, req_persistent, KR_SEND_SYNC)
REQ_SEND_PAIR(Bsend_init, req_persistent, KR_SEND_BUFFERED)
REQ_SEND_PAIR(Rsend_init, req_persistent, KR_SEND_READY)

KR_WEAK_ALIAS(Recv_init)
int PMPI_Recv_init(void *buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
                   MPI_Request *request)
{
    return req_persistent("MPI_Recv_init", buf, count, type, source, tag, comm, true,
                          KR_SEND_STANDARD, request);
}

KR_WEAK_ALIAS(Recv_init_c)
int PMPI_Recv_init_c(void *buf, MPI_Count count, MPI_Datatype type, int source, int tag,
                     MPI_Comm comm, MPI_Request *request)
{
    return req_persistent("MPI_Recv_init_c", buf, count, type, source, tag, comm, true,
                          KR_SEND_STANDARD, request);
}

static int req_start_one(const char *call, MPI_Request *request)
{
    struct kr_api_persist *p;
    struct kr_req *req;
    int ret;

    ret = kr_api_check_req(call, request, false);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    req = kr_api_req(*request);
    if (req->ukind == KR_UREQ_PCOLL) {
        return kr_api_coll_req_start(call, req); /* persistent collective (issue #4) */
    }
    p = req->ext;
    if (req->ukind != KR_UREQ_PERSIST || p->active) {
        return kr_api_error(req->owner, MPI_ERR_REQUEST, "%s: the request is %s", call,
                            req->ukind != KR_UREQ_PERSIST ? "not persistent" : "already active");
    }
    req->status = (struct kr_status) { 0 };
    req->flags &= (uint16_t) ~KR_REQ_F_SYNC;
    req->done_cb = req_persist_done;
    p->active = true;
    if (p->partitions > 0) {
        ret = kr_api_part_start(call, req);
        if (ret != MPI_SUCCESS) {
            p->active = false;
        }
        return ret;
    }
    ret = req_start_op(call, req->owner, req, p->buf, p->count, p->dt, p->peer, p->tag, p->recv,
                       p->mode);
    if (ret != MPI_SUCCESS) {
        p->active = false;
    }
    return ret;
}

KR_WEAK_ALIAS(Start)
int PMPI_Start(MPI_Request *request)
{
    kr_api_check_running("MPI_Start");
    return req_start_one("MPI_Start", request);
}

KR_WEAK_ALIAS(Startall)
int PMPI_Startall(int count, MPI_Request requests[])
{
    kr_api_check_running("MPI_Startall");
    if (count < 0 || (count > 0 && requests == NULL)) {
        return kr_api_error(NULL, count < 0 ? MPI_ERR_COUNT : MPI_ERR_REQUEST,
                            "MPI_Startall: %s", count < 0 ? "count is negative"
                                                          : "requests is NULL");
    }
    for (int i = 0; i < count; i++) {
        int ret = req_start_one("MPI_Startall", &requests[i]);

        if (ret != MPI_SUCCESS) {
            return ret;
        }
    }
    return MPI_SUCCESS;
}

/* --- freeing, cancelling, peeking ----------------------------------------------------- */

KR_WEAK_ALIAS(Request_free)
int PMPI_Request_free(MPI_Request *request)
{
    struct kr_req *req;
    int ret;

    kr_api_check_running("MPI_Request_free");
    ret = kr_api_check_req("MPI_Request_free", request, false);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    req = kr_api_req(*request);
    *request = MPI_REQUEST_NULL;
    kr_api_handle_forget(KR_API_H_REQUEST, req);
    if (req->ukind == KR_UREQ_GREQ) {
        return kr_api_greq_free(req);
    }
    if (req->ukind == KR_UREQ_PCOLL || req->ukind == KR_UREQ_COLL) {
        return kr_api_coll_req_free(req); /* collectives hold their communicator (issue #4) */
    }
    if (!req->done) {
        /* Still in flight (an active send, typically): the engine recycles it when done. */
        req->flags |= KR_REQ_F_FREE_ON_DONE;
        return MPI_SUCCESS;
    }
    if (req->ukind == KR_UREQ_PERSIST) {
        struct kr_api_persist *p = req->ext;

        kr_dt_release(p->dt);
        free(p);
    }
    kr_api_req_drop_comm(req);
    kr_req_release(kr_api.pt, req);
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Cancel)
int PMPI_Cancel(MPI_Request *request)
{
    struct kr_req *req;
    int ret;

    kr_api_check_running("MPI_Cancel");
    ret = kr_api_check_req("MPI_Cancel", request, false);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    req = kr_api_req(*request);
    if (kr_api_req_inactive(*request)) {
        return kr_api_error(req->owner, MPI_ERR_REQUEST, "MPI_Cancel: the persistent request "
                            "is not active");
    }
    if (req->ukind == KR_UREQ_GREQ) {
        return kr_api_greq_cancel(req);
    }
    /* issue #4: collectives cannot be cancelled; an Isendrecv cancels its receive half. */
    if (req->ukind == KR_UREQ_COLL || req->ukind == KR_UREQ_PCOLL) {
        return kr_api_error(req->owner, MPI_ERR_REQUEST, "MPI_Cancel: a collective operation "
                            "cannot be cancelled");
    }
    if (req->ukind == KR_UREQ_SENDRECV) {
        return kr_api_sendrecv_cancel(req);
    }
    if (req->ukind == KR_UREQ_PERSIST && ((struct kr_api_persist *) req->ext)->partitions > 0) {
        /* a send may not be posted yet (partitions outstanding): nothing to withdraw */
        return kr_api_error(req->owner, MPI_ERR_REQUEST,
                            "MPI_Cancel: partitioned requests "
                            "cannot be cancelled");
    }
    /* A receive not matched yet is withdrawn; anything else completes normally and
     * MPI_Test_cancelled then says false, as the standard allows. */
    kr_pt2pt_cancel(kr_api.pt, req);
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Request_get_status)
int PMPI_Request_get_status(MPI_Request request, int *flag, MPI_Status *status)
{
    struct kr_req *req;
    int ret;

    kr_api_check_running("MPI_Request_get_status");
    if (flag == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Request_get_status: flag is NULL");
    }
    if (kr_api_req_inactive(request)) {
        if (request != MPI_REQUEST_NULL && kr_api_req(request) == NULL) {
            return kr_api_error(NULL, MPI_ERR_REQUEST, "MPI_Request_get_status: not a "
                                "request");
        }
        *flag = 1;
        kr_api_status_inactive(status);
        return MPI_SUCCESS;
    }
    req = kr_api_req(request);
    if (!req->done) {
        ret = kr_pt2pt_progress(kr_api.pt);
        if (ret < 0) {
            return kr_api_fail(req->owner, "MPI_Request_get_status", ret);
        }
    }
    *flag = req->done != 0;
    if (*flag) {
        if (req->ukind == KR_UREQ_GREQ) {
            return kr_api_greq_query(req, status);
        }
        kr_api_status_set(status, &req->status);
    }
    return MPI_SUCCESS;
}

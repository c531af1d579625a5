/* Blocking point-to-point entry points: sends in every mode, receive, Sendrecv(_replace),
 * Get_count; each with its MPI_Count (_c) twin. */
#include "config.h"

#include "api_req_int.h"

#include "util/errors.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

int kr_api_check_p2p(const char *call, MPI_Comm h, const void *buf, MPI_Count count,
                     MPI_Datatype type, int rank, int tag, bool recv, struct kr_comm **comm_out,
                     struct kr_dt **dt_out)
{
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_comm(call, h, comm_out);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_count(call, *comm_out, count);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_type(call, *comm_out, type, dt_out);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_buf(call, *comm_out, buf, count, *dt_out);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_rank(call, *comm_out, rank, recv);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_tag(call, *comm_out, tag, recv);
    }
    return ret;
}

int kr_api_recv_error(const char *call, struct kr_comm *comm, const struct kr_status *st,
                      size_t cap)
{
    if (st->error == -KR_ETRUNC) {
        return kr_api_error(comm, MPI_ERR_TRUNCATE, "%s: the message from rank %d (tag %d) is "
                            "longer than the %zu-byte receive buffer", call, st->source,
                            st->tag, cap);
    }
    return kr_api_fail(comm, call, st->error);
}

static int p2p_send(const char *call, const void *buf, MPI_Count count, MPI_Datatype type,
                    int dest, int tag, MPI_Comm h, enum kr_api_send_mode mode)
{
    struct kr_comm *comm;
    struct kr_dt *dt;
    struct kr_req req;
    int ret;

    ret = kr_api_check_p2p(call, h, buf, count, type, dest, tag, false, &comm, &dt);
    if (ret != MPI_SUCCESS || dest == MPI_PROC_NULL) {
        return ret;
    }
    if (mode == KR_SEND_BUFFERED) {
        return kr_api_bsend(call, comm, buf, count, dt, dest, tag);
    }
    if (mode != KR_SEND_SYNC && kr_dt_is_contig(dt)) {
        /* Standard and ready mode: the engine's fast path needs no request. */
        ret = kr_pt2pt_send(comm->pt, (const char *) buf + dt->true_lb,
                            kr_dt_packed_size(dt, (size_t) count), kr_comm_job_rank(comm, dest),
                            comm->rank, tag, kr_comm_ctx_pt2pt(comm));
        return ret == 0 ? MPI_SUCCESS : kr_api_fail(comm, call, ret);
    }
    kr_req_init(&req, KR_REQ_SEND);
    ret = kr_api_send_start(call, comm, &req, buf, count, dt, dest, tag, mode);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_pt2pt_wait(comm->pt, &req);
    if (ret == 0) {
        ret = req.status.error;
    }
    return ret == 0 ? MPI_SUCCESS : kr_api_fail(comm, call, ret);
}

/* A blocking send call and its MPI_Count twin. */
#define P2P_SEND_PAIR(name, mode)                                                             \
    KR_WEAK_ALIAS(name)                                                                       \
    int PMPI_##name(const void *buf, int count, MPI_Datatype type, int dest, int tag,         \
                    MPI_Comm comm)                                                            \
    {                                                                                         \
        return p2p_send("MPI_" #name, buf, count, type, dest, tag, comm, mode);               \
    }                                                                                         \
    KR_WEAK_ALIAS(name##_c)                                                                   \
    int PMPI_##name##_c(const void *buf, MPI_Count count, MPI_Datatype type, int dest,        \
                        int tag, MPI_Comm comm)                                               \
    {                                                                                         \
        return p2p_send("MPI_" #name "_c", buf, count, type, dest, tag, comm, mode);          \
    }

P2P_SEND_PAIR(Send, KR_SEND_STANDARD)
P2P_SEND_PAIR(Ssend, KR_SEND_SYNC)
P2P_SEND_PAIR(Bsend, KR_SEND_BUFFERED)
P2P_SEND_PAIR(Rsend, KR_SEND_READY)

static int p2p_recv(const char *call, void *buf, MPI_Count count, MPI_Datatype type, int source,
                    int tag, MPI_Comm h, MPI_Status *status)
{
    struct kr_comm *comm;
    struct kr_dt *dt;
    struct kr_req req;
    void *base;
    size_t cap;
    int ret;

    ret = kr_api_check_p2p(call, h, buf, count, type, source, tag, true, &comm, &dt);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (source == MPI_PROC_NULL) {
        kr_api_status_empty(status);
        return MPI_SUCCESS;
    }
    kr_req_init(&req, KR_REQ_RECV);
    cap = kr_api_msg_prep(&req, dt, count, buf, &base);
    ret = kr_pt2pt_irecv(comm->pt, &req, base, cap, source, tag, kr_comm_ctx_pt2pt(comm));
    if (ret == 0) {
        ret = kr_pt2pt_wait(comm->pt, &req);
    }
    if (ret != 0) {
        return kr_api_fail(comm, call, ret);
    }
    kr_api_status_set(status, &req.status);
    return req.status.error == 0 ? MPI_SUCCESS : kr_api_recv_error(call, comm, &req.status, cap);
}

KR_WEAK_ALIAS(Recv)
int PMPI_Recv(void *buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
              MPI_Status *status)
{
    return p2p_recv("MPI_Recv", buf, count, type, source, tag, comm, status);
}

KR_WEAK_ALIAS(Recv_c)
int PMPI_Recv_c(void *buf, MPI_Count count, MPI_Datatype type, int source, int tag,
                MPI_Comm comm, MPI_Status *status)
{
    return p2p_recv("MPI_Recv_c", buf, count, type, source, tag, comm, status);
}

/* One side of a Sendrecv: `count` elements of `dt` at `buf`. */
struct p2p_side {
    const void *buf;
    MPI_Count count;
    const struct kr_dt *dt;
    int rank, tag;
};

/* Post the receive, start the send, wait for both: neither side can block the other, so a
 * Sendrecv of any size never deadlocks. */
static int p2p_sendrecv(const char *call, struct kr_comm *comm, const struct p2p_side *s,
                        const struct p2p_side *r, struct kr_status *st_out, size_t *cap_out)
{
    struct kr_req sreq, rreq;
    int ret = 0, wret;
    void *base;
    size_t len;

    kr_req_init(&rreq, KR_REQ_RECV);
    kr_req_init(&sreq, KR_REQ_SEND);
    rreq.done = r->rank == MPI_PROC_NULL;
    sreq.done = s->rank == MPI_PROC_NULL;
    *cap_out = kr_api_msg_prep(&rreq, r->dt, r->count, r->buf, &base);
    if (r->rank != MPI_PROC_NULL) {
        ret = kr_pt2pt_irecv(comm->pt, &rreq, base, *cap_out, r->rank, r->tag,
                             kr_comm_ctx_pt2pt(comm));
        if (ret != 0) {
            return kr_api_fail(comm, call, ret);
        }
    }
    if (s->rank != MPI_PROC_NULL) {
        len = kr_api_msg_prep(&sreq, s->dt, s->count, s->buf, &base);
        ret = kr_pt2pt_isend(comm->pt, &sreq, base, len, kr_comm_job_rank(comm, s->rank),
                             comm->rank, s->tag, kr_comm_ctx_pt2pt(comm));
        if (ret != 0 && !rreq.done) {
            /* The receive sits on our stack: withdraw it before returning. */
            kr_pt2pt_cancel(comm->pt, &rreq);
        }
    }
    if (ret == 0) {
        ret = kr_pt2pt_wait(comm->pt, &sreq);
    }
    wret = kr_pt2pt_wait(comm->pt, &rreq);
    if (ret == 0) {
        ret = wret != 0 ? wret : sreq.status.error;
    }
    if (ret != 0) {
        return kr_api_fail(comm, call, ret);
    }
    *st_out = rreq.status;
    if (r->rank == MPI_PROC_NULL) {
        *st_out = (struct kr_status) { .source = MPI_PROC_NULL, .tag = MPI_ANY_TAG };
    }
    return MPI_SUCCESS;
}

static int p2p_sendrecv_args(const char *call, const void *sendbuf, MPI_Count sendcount,
                             MPI_Datatype sendtype, int dest, int sendtag, void *recvbuf,
                             MPI_Count recvcount, MPI_Datatype recvtype, int source, int recvtag,
                             MPI_Comm h, MPI_Status *status)
{
    struct kr_comm *comm;
    struct kr_dt *sdt, *rdt;
    struct kr_status st;
    size_t cap;
    int ret;

    ret = kr_api_check_p2p(call, h, sendbuf, sendcount, sendtype, dest, sendtag, false, &comm,
                           &sdt);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_p2p(call, h, recvbuf, recvcount, recvtype, source, recvtag, true,
                               &comm, &rdt);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    struct p2p_side s = { sendbuf, sendcount, sdt, dest, sendtag };
    struct p2p_side r = { recvbuf, recvcount, rdt, source, recvtag };

    ret = p2p_sendrecv(call, comm, &s, &r, &st, &cap);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    kr_api_status_set(status, &st);
    return st.error == 0 ? MPI_SUCCESS : kr_api_recv_error(call, comm, &st, cap);
}

KR_WEAK_ALIAS(Sendrecv)
int PMPI_Sendrecv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, int dest,
                  int sendtag, void *recvbuf, int recvcount, MPI_Datatype recvtype, int source,
                  int recvtag, MPI_Comm comm, MPI_Status *status)
{
    return p2p_sendrecv_args("MPI_Sendrecv", sendbuf, sendcount, sendtype, dest, sendtag,
                             recvbuf, recvcount, recvtype, source, recvtag, comm, status);
}

KR_WEAK_ALIAS(Sendrecv_c)
int PMPI_Sendrecv_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, int dest,
                    int sendtag, void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                    int source, int recvtag, MPI_Comm comm, MPI_Status *status)
{
    return p2p_sendrecv_args("MPI_Sendrecv_c", sendbuf, sendcount, sendtype, dest, sendtag,
                             recvbuf, recvcount, recvtype, source, recvtag, comm, status);
}

/* The message arrives in a scratch buffer while ours is being sent, then replaces it. */
static int p2p_sendrecv_replace(const char *call, void *buf, MPI_Count count, MPI_Datatype type,
                                int dest, int sendtag, int source, int recvtag, MPI_Comm h,
                                MPI_Status *status)
{
    struct kr_comm *comm;
    struct kr_dt *dt;
    struct kr_status st;
    size_t len;
    void *tmp;
    int ret;

    ret = kr_api_check_p2p(call, h, buf, count, type, dest, sendtag, false, &comm, &dt);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_rank(call, comm, source, true);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_tag(call, comm, recvtag, true);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    len = kr_dt_packed_size(dt, (size_t) count);
    tmp = malloc(len + 1);
    if (tmp == NULL) {
        return kr_api_error(comm, MPI_ERR_NO_MEM, "%s: no memory for a %zu-byte scratch buffer",
                            call, len);
    }
    /* The message arrives packed into `tmp` (as bytes), then is unpacked over `buf`. */
    struct p2p_side s = { buf, count, dt, dest, sendtag };
    struct p2p_side r = { tmp, (MPI_Count) len, kr_dt_from_handle(MPI_BYTE), source, recvtag };

    ret = p2p_sendrecv(call, comm, &s, &r, &st, &len);
    if (ret == MPI_SUCCESS && source != MPI_PROC_NULL && st.count > 0) {
        kr_dt_unpack(dt, (size_t) count, buf, 0, tmp, st.count);
    }
    free(tmp);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    kr_api_status_set(status, &st);
    return st.error == 0 ? MPI_SUCCESS : kr_api_recv_error(call, comm, &st, len);
}

KR_WEAK_ALIAS(Sendrecv_replace)
int PMPI_Sendrecv_replace(void *buf, int count, MPI_Datatype type, int dest, int sendtag,
                          int source, int recvtag, MPI_Comm comm, MPI_Status *status)
{
    return p2p_sendrecv_replace("MPI_Sendrecv_replace", buf, count, type, dest, sendtag, source,
                                recvtag, comm, status);
}

KR_WEAK_ALIAS(Sendrecv_replace_c)
int PMPI_Sendrecv_replace_c(void *buf, MPI_Count count, MPI_Datatype type, int dest,
                            int sendtag, int source, int recvtag, MPI_Comm comm,
                            MPI_Status *status)
{
    return p2p_sendrecv_replace("MPI_Sendrecv_replace_c", buf, count, type, dest, sendtag,
                                source, recvtag, comm, status);
}

/* Elements of `type` the status counts, or -1 when it is not a whole number. */
static MPI_Count p2p_count(const MPI_Status *status, const struct kr_dt *dt)
{
    size_t bytes = kr_api_status_bytes(status);

    if (dt->size == 0) {
        return 0;
    }
    return bytes % dt->size != 0 ? -1 : (MPI_Count) (bytes / dt->size);
}

static int p2p_get_count_args(const char *call, const MPI_Status *status, MPI_Datatype type,
                              const void *count, struct kr_dt **dt_out)
{
    if (status == NULL || count == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: %s is NULL", call,
                            status == NULL ? "status" : "count");
    }
    return kr_api_check_type(call, NULL, type, dt_out);
}

KR_WEAK_ALIAS(Get_count)
int PMPI_Get_count(const MPI_Status *status, MPI_Datatype type, int *count)
{
    struct kr_dt *dt;
    MPI_Count n;
    int ret;

    ret = p2p_get_count_args("MPI_Get_count", status, type, count, &dt);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    n = p2p_count(status, dt);
    *count = n < 0 || n > INT_MAX ? MPI_UNDEFINED : (int) n;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Get_count_c)
int PMPI_Get_count_c(const MPI_Status *status, MPI_Datatype type, MPI_Count *count)
{
    struct kr_dt *dt;
    MPI_Count n;
    int ret;

    ret = p2p_get_count_args("MPI_Get_count_c", status, type, count, &dt);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    n = p2p_count(status, dt);
    *count = n < 0 ? MPI_UNDEFINED : n;
    return MPI_SUCCESS;
}

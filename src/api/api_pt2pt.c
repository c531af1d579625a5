/* Point-to-point entry points: blocking and nonblocking send and receive, probe, Get_count. */
#include "config.h"

#include "api.h"

#include "util/errors.h"

#include <limits.h>

/* Checks shared by every send and receive. */
static int pt2pt_args(const char *call, MPI_Comm h, const void *buf, MPI_Count count,
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

static int pt2pt_recv_error(const char *call, struct kr_comm *comm, const struct kr_status *st,
                            size_t cap)
{
    if (st->error == -KR_ETRUNC) {
        return kr_api_error(comm, MPI_ERR_TRUNCATE, "%s: the message from rank %d (tag %d) is "
                            "longer than the %zu-byte receive buffer", call, st->source,
                            st->tag, cap);
    }
    return kr_api_fail(comm, call, st->error);
}

KR_WEAK_ALIAS(Send)
int PMPI_Send(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm h)
{
    struct kr_comm *comm;
    struct kr_dt *dt;
    int ret;

    ret = pt2pt_args("MPI_Send", h, buf, count, type, dest, tag, false, &comm, &dt);
    if (ret != MPI_SUCCESS || dest == MPI_PROC_NULL) {
        return ret;
    }
    ret = kr_pt2pt_send(comm->pt, buf, kr_api_bytes(count, dt), kr_comm_job_rank(comm, dest),
                        comm->rank, tag, kr_comm_ctx_pt2pt(comm));
    return ret == 0 ? MPI_SUCCESS : kr_api_fail(comm, "MPI_Send", ret);
}

KR_WEAK_ALIAS(Recv)
int PMPI_Recv(void *buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm h,
              MPI_Status *status)
{
    struct kr_status st;
    struct kr_comm *comm;
    struct kr_dt *dt;
    size_t cap;
    int ret;

    ret = pt2pt_args("MPI_Recv", h, buf, count, type, source, tag, true, &comm, &dt);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (source == MPI_PROC_NULL) {
        kr_api_status_empty(status);
        return MPI_SUCCESS;
    }
    cap = kr_api_bytes(count, dt);
    ret = kr_pt2pt_recv(comm->pt, buf, cap, source, tag, kr_comm_ctx_pt2pt(comm), &st);
    if (ret != 0) {
        return kr_api_fail(comm, "MPI_Recv", ret);
    }
    kr_api_status_set(status, &st, dt);
    return st.error == 0 ? MPI_SUCCESS : pt2pt_recv_error("MPI_Recv", comm, &st, cap);
}

KR_WEAK_ALIAS(Sendrecv)
int PMPI_Sendrecv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, int dest,
                  int sendtag, void *recvbuf, int recvcount, MPI_Datatype recvtype, int source,
                  int recvtag, MPI_Comm h, MPI_Status *status)
{
    struct kr_req sreq, rreq;
    struct kr_comm *comm;
    struct kr_dt *sdt, *rdt;
    size_t cap;
    int ret;

    ret = pt2pt_args("MPI_Sendrecv", h, sendbuf, sendcount, sendtype, dest, sendtag, false,
                     &comm, &sdt);
    if (ret == MPI_SUCCESS) {
        ret = pt2pt_args("MPI_Sendrecv", h, recvbuf, recvcount, recvtype, source, recvtag, true,
                         &comm, &rdt);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    cap = kr_api_bytes(recvcount, rdt);
    kr_req_init(&rreq, KR_REQ_RECV);
    kr_req_init(&sreq, KR_REQ_SEND);
    rreq.done = source == MPI_PROC_NULL;
    sreq.done = dest == MPI_PROC_NULL;
    if (source != MPI_PROC_NULL) {
        ret = kr_pt2pt_irecv(comm->pt, &rreq, recvbuf, cap, source, recvtag,
                             kr_comm_ctx_pt2pt(comm));
    }
    if (ret == 0 && dest != MPI_PROC_NULL) {
        ret = kr_pt2pt_isend(comm->pt, &sreq, sendbuf, kr_api_bytes(sendcount, sdt),
                             kr_comm_job_rank(comm, dest), comm->rank, sendtag,
                             kr_comm_ctx_pt2pt(comm));
    }
    if (ret == 0) {
        ret = kr_pt2pt_wait(comm->pt, &sreq);
    }
    if (ret == 0) {
        ret = kr_pt2pt_wait(comm->pt, &rreq);
    }
    if (ret == 0) {
        ret = sreq.status.error;
    }
    if (ret != 0) {
        return kr_api_fail(comm, "MPI_Sendrecv", ret);
    }
    if (source == MPI_PROC_NULL) {
        kr_api_status_empty(status);
        return MPI_SUCCESS;
    }
    kr_api_status_set(status, &rreq.status, rdt);
    return rreq.status.error == 0 ? MPI_SUCCESS
                                  : pt2pt_recv_error("MPI_Sendrecv", comm, &rreq.status, cap);
}

KR_WEAK_ALIAS(Get_count)
int PMPI_Get_count(const MPI_Status *status, MPI_Datatype type, int *count)
{
    struct kr_dt *dt;
    size_t bytes;
    int ret;

    if (status == NULL || count == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Get_count: %s is NULL",
                            status == NULL ? "status" : "count");
    }
    ret = kr_api_check_type("MPI_Get_count", NULL, type, &dt);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    bytes = kr_api_status_bytes(status);
    if (dt->size == 0) {
        *count = 0;
    } else if (bytes % dt->size != 0 || bytes / dt->size > INT_MAX) {
        *count = MPI_UNDEFINED;
    } else {
        *count = (int) (bytes / dt->size);
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Iprobe)
int PMPI_Iprobe(int source, int tag, MPI_Comm h, int *flag, MPI_Status *status)
{
    struct kr_status st;
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Iprobe");
    ret = kr_api_check_comm("MPI_Iprobe", h, &comm);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_rank("MPI_Iprobe", comm, source, true);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_tag("MPI_Iprobe", comm, tag, true);
    }
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
        kr_api_status_set(status, &st, NULL);
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Probe)
int PMPI_Probe(int source, int tag, MPI_Comm h, MPI_Status *status)
{
    struct kr_status st;
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Probe");
    ret = kr_api_check_comm("MPI_Probe", h, &comm);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_rank("MPI_Probe", comm, source, true);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_tag("MPI_Probe", comm, tag, true);
    }
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
    kr_api_status_set(status, &st, NULL);
    return MPI_SUCCESS;
}

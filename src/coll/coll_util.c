/* Point-to-point in the collective context, and the collective settings. */
#include "config.h"

#include "coll_int.h"

#include <errno.h>

struct kr_coll_cfg kr_coll_cfg;

static const char *const coll_barrier_algos[] = { "auto", "shm", "dissemination", NULL };
static const char *const coll_bcast_algos[] = { "auto", "shm", "binomial", "scatter_allgather",
                                                NULL };
static const char *const coll_reduce_algos[] = { "auto", "shm", "binomial", NULL };
static const char *const coll_allreduce_algos[] = { "auto", "shm", "recursive_doubling", "ring",
                                                    NULL };
static const char *const coll_alltoall_algos[] = { "auto", "postall", "pairwise", NULL };
static const char *const coll_allgather_algos[] = { "auto", "ring", "recursive_doubling",
                                                    NULL };

const struct kr_setting kr_coll_settings[] = {
    { "COLL_BARRIER", KR_SET_ENUM, "auto", &kr_coll_cfg.barrier,
      "barrier algorithm", coll_barrier_algos, 0 },
    { "COLL_BCAST", KR_SET_ENUM, "auto", &kr_coll_cfg.bcast,
      "broadcast algorithm", coll_bcast_algos, 0 },
    { "COLL_REDUCE", KR_SET_ENUM, "auto", &kr_coll_cfg.reduce,
      "reduce algorithm", coll_reduce_algos, 0 },
    { "COLL_ALLREDUCE", KR_SET_ENUM, "auto", &kr_coll_cfg.allreduce,
      "allreduce algorithm", coll_allreduce_algos, 0 },
    { "COLL_ALLTOALL", KR_SET_ENUM, "auto", &kr_coll_cfg.alltoall,
      "alltoall algorithm", coll_alltoall_algos, 0 },
    { "COLL_ALLGATHER", KR_SET_ENUM, "auto", &kr_coll_cfg.allgather,
      "allgather algorithm", coll_allgather_algos, 0 },
    { "COLL_ALLREDUCE_RING_MIN", KR_SET_SIZE, "64k", &kr_coll_cfg.allreduce_ring_min,
      "message size from which the automatic allreduce uses the ring", NULL, 0 },
    { "COLL_BCAST_PIPELINE_MIN", KR_SET_SIZE, "512k", &kr_coll_cfg.bcast_pipeline_min,
      "message size from which the automatic broadcast uses scatter + allgather", NULL, 0 },
    { "COLL_BCAST_SHM_MIN", KR_SET_SIZE, "8k", &kr_coll_cfg.bcast_shm_min,
      "message size from which a broadcast among ranks of one host goes through shared "
      "memory (smaller ones use a binomial tree of messages)", NULL, 0 },
    { "COLL_ALLTOALL_PAIRWISE_MIN", KR_SET_SIZE, "32k", &kr_coll_cfg.alltoall_pairwise_min,
      "block size from which the automatic alltoall exchanges pairwise", NULL, 0 },
    { 0 }
};

int kr_coll_tag(struct kr_comm *comm)
{
    return (int) (comm->coll_seq++ & 0x3fffffffu);
}

int kr_coll_send(struct kr_comm *comm, const void *buf, size_t len, int dst, int tag)
{
    return kr_pt2pt_send(comm->pt, buf, len, kr_comm_job_rank(comm, dst), comm->rank, tag,
                         kr_comm_ctx_coll(comm));
}

int kr_coll_recv(struct kr_comm *comm, void *buf, size_t len, int src, int tag)
{
    struct kr_status st;
    int ret;

    ret = kr_pt2pt_recv(comm->pt, buf, len, src, tag, kr_comm_ctx_coll(comm), &st);
    return ret != 0 ? ret : st.error;
}

int kr_coll_sendrecv(struct kr_comm *comm, const void *sbuf, size_t slen, int dst, void *rbuf,
                     size_t rlen, int src, int tag)
{
    struct kr_req rreq, sreq;
    int ret;

    kr_req_init(&rreq, KR_REQ_RECV);
    kr_req_init(&sreq, KR_REQ_SEND);
    ret = kr_pt2pt_irecv(comm->pt, &rreq, rbuf, rlen, src, tag, kr_comm_ctx_coll(comm));
    if (ret != 0) {
        return ret;
    }
    ret = kr_pt2pt_isend(comm->pt, &sreq, sbuf, slen, kr_comm_job_rank(comm, dst), comm->rank,
                         tag, kr_comm_ctx_coll(comm));
    if (ret == 0) {
        ret = kr_pt2pt_wait(comm->pt, &sreq);
    }
    /* The receive was posted: it must complete before its stack slot goes away. */
    if (kr_pt2pt_wait(comm->pt, &rreq) != 0 && ret == 0) {
        ret = -EIO;
    }
    if (ret == 0) {
        ret = sreq.status.error != 0 ? sreq.status.error : rreq.status.error;
    }
    return ret;
}

/* Partitioned communication (MPI_Psend_init, MPI_Precv_init, MPI_Pready*, MPI_Parrived). A
 * partitioned request is a persistent request (api_req.c) whose message is all partitions at
 * once: the receive is posted by MPI_Start, the send goes out when the last partition is
 * marked ready, and every partition arrives when the whole message has. The message travels on
 * the communicator's collective context with a negative tag of its own, which neither
 * point-to-point (even MPI_ANY_TAG receives) nor collectives can match. */
#include "config.h"

#include "api.h"
#include "api_req_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The wire tag of user tag `tag` (>= 0): the range comm_int.h keeps for partitioned messages
 * on the collective context, clear of the communicator layer's own negative tags. Tags that
 * differ by a multiple of 2^28 share a wire tag. */
static int part_wire_tag(int tag)
{
    return -(1 << 29) + (tag & ((1 << 28) - 1));
}

static int part_init(const char *call, const void *buf, int partitions, MPI_Count count,
                     MPI_Datatype type, int rank, int tag, MPI_Comm h, bool recv,
                     MPI_Request *request)
{
    struct kr_comm *comm;
    struct kr_dt *dt;
    int ret;

    kr_api_check_running(call);
    if (partitions < 1) {
        ret = kr_api_check_comm(call, h, &comm);
        return ret != MPI_SUCCESS ? ret
                                  : kr_api_error(comm, MPI_ERR_ARG,
                                                 "%s: partitions is %d, must "
                                                 "be at least 1",
                                                 call, partitions);
    }
    if (count >= 0 && count > (MPI_Count) (((size_t) 1 << 40) / (size_t) partitions)) {
        ret = kr_api_check_comm(call, h, &comm);
        return ret != MPI_SUCCESS ? ret
                                  : kr_api_error(comm, MPI_ERR_COUNT,
                                                 "%s: %d partitions of "
                                                 "%lld elements are too many",
                                                 call, partitions, (long long) count);
    }
    /* no wildcards: a partitioned receive names its sender and tag (like a send's checks) */
    ret = kr_api_check_p2p_req(call, h, buf, count * partitions, type, rank, tag, false,
                               request, &comm, &dt);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    return kr_api_persist_new(call, comm,
                              &(struct kr_api_persist) { .buf = buf, .count = count, .dt = dt,
                                                         .peer = rank, .tag = tag,
                                                         .mode = KR_SEND_STANDARD, .recv = recv,
                                                         .partitions = partitions },
                              (size_t) partitions, request);
}

KR_WEAK_ALIAS(Psend_init)
int PMPI_Psend_init(const void *buf, int partitions, MPI_Count count, MPI_Datatype datatype,
                    int dest, int tag, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints */
    return part_init("MPI_Psend_init", buf, partitions, count, datatype, dest, tag, comm, false,
                     request);
}

KR_WEAK_ALIAS(Precv_init)
int PMPI_Precv_init(void *buf, int partitions, MPI_Count count, MPI_Datatype datatype, int source,
                    int tag, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void) info;
    return part_init("MPI_Precv_init", buf, partitions, count, datatype, source, tag, comm, true,
                     request);
}

/* Post the whole message: the receive at MPI_Start, the send once all partitions are ready. */
static int part_post(const char *call, struct kr_req *req, struct kr_api_persist *p)
{
    struct kr_comm *comm = req->owner;
    MPI_Count total = p->count * p->partitions;
    void *base;
    size_t len;
    int ret;

    if (p->peer == MPI_PROC_NULL) {
        kr_api_req_done_set(req, comm, p->recv);
        return MPI_SUCCESS;
    }
    req->dt = p->dt;
    len = kr_api_msg_prep(req, p->dt, total, p->buf, &base);
    if (p->recv) {
        ret = kr_pt2pt_irecv(comm->pt, req, base, len, p->peer, part_wire_tag(p->tag),
                             kr_comm_ctx_coll(comm));
    } else {
        ret = kr_pt2pt_isend(comm->pt, req, base, len, kr_comm_job_rank(comm, p->peer), comm->rank,
                             part_wire_tag(p->tag), kr_comm_ctx_coll(comm));
    }
    return ret == 0 ? MPI_SUCCESS : kr_api_fail(comm, call, ret);
}

int kr_api_part_start(const char *call, struct kr_req *req)
{
    struct kr_api_persist *p = req->ext;

    memset(p->ready, 0, (size_t) p->partitions);
    p->nready = 0;
    if (p->recv) {
        return part_post(call, req, p);
    }
    req->done = 0; /* active and incomplete until the last MPI_Pready sends it */
    return MPI_SUCCESS;
}

/* The partitioned request of kind `recv` behind `h` (active unless `idle_ok`), or NULL after
 * reporting why. */
static struct kr_req *part_req(const char *call, MPI_Request h, bool recv, bool idle_ok,
                               int *ret_out)
{
    struct kr_req *req = kr_api_req(h);
    struct kr_api_persist *p = req != NULL && req->ukind == KR_UREQ_PERSIST ? req->ext : NULL;

    if (p == NULL || p->partitions == 0 || p->recv != recv) {
        *ret_out = kr_api_error(req != NULL ? req->owner : NULL, MPI_ERR_REQUEST,
                                "%s: the request is not a partitioned %s", call,
                                recv ? "receive (MPI_Precv_init)" : "send (MPI_Psend_init)");
        return NULL;
    }
    if (!p->active && !idle_ok) {
        *ret_out = kr_api_error(req->owner, MPI_ERR_REQUEST,
                                "%s: the request is not active "
                                "(MPI_Start it first)",
                                call);
        return NULL;
    }
    *ret_out = MPI_SUCCESS;
    return req;
}

/* Mark partitions [lo, hi] ready (`list` instead when not NULL); send when all are. */
static int part_ready(const char *call, MPI_Request h, int lo, int hi, const int *list)
{
    struct kr_api_persist *p;
    struct kr_req *req;
    int ret, n = list != NULL ? lo : hi - lo + 1;

    kr_api_check_running(call);
    req = part_req(call, h, false, false, &ret);
    if (req == NULL) {
        return ret;
    }
    p = req->ext;
    for (int i = 0; i < n; i++) {
        int part = list != NULL ? list[i] : lo + i;

        if (part < 0 || part >= p->partitions) {
            return kr_api_error(req->owner, MPI_ERR_ARG, "%s: partition %d is not in [0, %d)", call,
                                part, p->partitions);
        }
        if (p->ready[part]) {
            return kr_api_error(req->owner, MPI_ERR_ARG, "%s: partition %d is already ready", call,
                                part);
        }
    }
    for (int i = 0; i < n; i++) {
        p->ready[list != NULL ? list[i] : lo + i] = 1;
    }
    p->nready += n;
    return p->nready == p->partitions ? part_post(call, req, p) : MPI_SUCCESS;
}

KR_WEAK_ALIAS(Pready)
int PMPI_Pready(int partition, MPI_Request request)
{
    return part_ready("MPI_Pready", request, partition, partition, NULL);
}

KR_WEAK_ALIAS(Pready_range)
int PMPI_Pready_range(int partition_low, int partition_high, MPI_Request request)
{
    if (partition_high < partition_low) {
        kr_api_check_running("MPI_Pready_range");
        return kr_api_error(NULL, MPI_ERR_ARG,
                            "MPI_Pready_range: partition_high %d is below "
                            "partition_low %d",
                            partition_high, partition_low);
    }
    return part_ready("MPI_Pready_range", request, partition_low, partition_high, NULL);
}

KR_WEAK_ALIAS(Pready_list)
int PMPI_Pready_list(int length, const int array_of_partitions[], MPI_Request request)
{
    if (length < 0 || (length > 0 && array_of_partitions == NULL)) {
        kr_api_check_running("MPI_Pready_list");
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Pready_list: %s",
                            length < 0 ? "length is negative" : "array_of_partitions is NULL");
    }
    return part_ready("MPI_Pready_list", request, length, 0, array_of_partitions);
}

KR_WEAK_ALIAS(Parrived)
int PMPI_Parrived(MPI_Request request, int partition, int *flag)
{
    struct kr_api_persist *p;
    struct kr_req *req;
    int ret;

    kr_api_check_running("MPI_Parrived");
    req = part_req("MPI_Parrived", request, true, true, &ret);
    if (req == NULL) {
        return ret;
    }
    p = req->ext;
    if (partition < 0 || partition >= p->partitions) {
        return kr_api_error(req->owner, MPI_ERR_ARG,
                            "MPI_Parrived: partition %d is not in "
                            "[0, %d)",
                            partition, p->partitions);
    }
    if (flag == NULL) {
        return kr_api_error(req->owner, MPI_ERR_ARG, "MPI_Parrived: flag is NULL");
    }
    /* an inactive request has nothing left to arrive (MPI-4.1 4.2.2) */
    if (p->active && !req->done) {
        ret = kr_pt2pt_progress(kr_api.pt); /* polling Parrived must move the message */
        if (ret < 0) {
            return kr_api_fail(req->owner, "MPI_Parrived", ret);
        }
    }
    *flag = req->done != 0;
    return MPI_SUCCESS;
}

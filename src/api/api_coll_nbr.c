/* Neighbourhood collectives over a communicator's process topology: Neighbor_allgather(v) and
 * Neighbor_alltoall(v,w), blocking, nonblocking (Ineighbor_) and persistent (_init), each with
 * its _c twin. One core builds a schedule that posts every transfer to and from the
 * neighbours kr_comm_neighbors lists (MPI_PROC_NULL ones skipped). */
#include "config.h"

#include "api_coll_int.h"

#include <errno.h>

/* Checks of one side: its count(s) and datatype(s). */
static int nbr_side_args(struct kr_api_coll *c, const struct kr_api_side *sd, int deg,
                         struct kr_dt **dt_out)
{
    int ret;

    if (sd->counts.p == NULL) {
        return kr_api_coll_type(c, sd->buf, sd->count, sd->type, dt_out);
    }
    ret = kr_api_coll_vtype(c, deg, sd->counts, sd->type, sd->types, dt_out);
    return ret == MPI_SUCCESS ? kr_api_coll_array(c, deg, sd->displs.p, "a displacements array")
                              : ret;
}

/* The send side's collective buffer and blocks: `deg` blocks, or one block for every
 * destination (`same`). */
static void *nbr_send_buf(struct kr_api_coll *c, const struct kr_api_side *sd,
                          const struct kr_dt *dt, int deg, bool same, struct kr_coll_blocks *b)
{
    struct kr_coll_blocks *u;
    void *p;

    if (sd->counts.p != NULL) {
        return kr_api_coll_blocks(c, (void *) sd->buf, deg, sd->counts, sd->displs,
                                  sd->types != NULL, dt, sd->types, true, false, b);
    }
    p = kr_api_coll_buf(c, (void *) sd->buf, dt, same ? sd->count : sd->count * deg, 0);
    u = kr_api_coll_uniform(c, deg, kr_dt_packed_size(dt, (size_t) sd->count), same);
    if (u != NULL) {
        *b = *u;
    }
    return p;
}

/* The receive side's, block by block: a block from MPI_PROC_NULL counts as empty, so that
 * unpacking derived types leaves it alone. */
static void *nbr_recv_buf(struct kr_api_coll *c, const struct kr_api_side *sd,
                          const struct kr_dt *dt, const struct kr_coll_nbrs *nb,
                          struct kr_coll_blocks *b)
{
    MPI_Count *counts = kr_api_coll_alloc(c, sizeof(*counts) * (size_t) (nb->indeg + 1));
    MPI_Aint *displs = kr_api_coll_alloc(c, sizeof(*displs) * (size_t) (nb->indeg + 1));
    bool v = sd->counts.p != NULL;

    if (counts == NULL || displs == NULL) {
        return NULL;
    }
    for (int i = 0; i < nb->indeg; i++) {
        counts[i] = nb->sources[i] == KR_PROC_NULL ? 0
                    : v ? kr_dt_ints_at(sd->counts, (size_t) i) : sd->count;
        displs[i] = v ? (MPI_Aint) kr_dt_ints_at(sd->displs, (size_t) i)
                      : (MPI_Aint) (i * sd->count);
    }
    return kr_api_coll_blocks(c, (void *) sd->buf, nb->indeg, KR_API_INTS(counts),
                              KR_API_INTS(displs), sd->types != NULL, dt, sd->types, false, true,
                              b);
}

int kr_api_neighbor(const struct kr_api_how *how, MPI_Comm h, const struct kr_api_side *snd,
                    const struct kr_api_side *rcv, bool bcast)
{
    struct kr_coll_blocks sb = { NULL, NULL }, rb = { NULL, NULL };
    struct kr_dt *sdt = NULL, *rdt = NULL;
    struct kr_sched *s = NULL;
    struct kr_coll_nbrs nb;
    struct kr_api_coll c;
    void *sp, *rp;
    int ret = kr_api_coll_begin(&c, how, h);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_coll_nbrs(&c, &nb);
    }
    if (ret == MPI_SUCCESS && (snd->buf == MPI_IN_PLACE || rcv->buf == MPI_IN_PLACE)) {
        ret = kr_api_coll_inplace_error(&c, snd->buf == MPI_IN_PLACE ? "the send buffer"
                                                                     : "the receive buffer",
                                        NULL);
    }
    if (ret == MPI_SUCCESS) {
        ret = nbr_side_args(&c, snd, nb.outdeg, &sdt);
    }
    if (ret == MPI_SUCCESS) {
        ret = nbr_side_args(&c, rcv, nb.indeg, &rdt);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    sp = nbr_send_buf(&c, snd, sdt, nb.outdeg, bcast, &sb);
    rp = nbr_recv_buf(&c, rcv, rdt, &nb, &rb);
    if (sb.len == NULL || rb.len == NULL) {
        return kr_api_coll_abandon(&c, kr_api_fail(c.comm, c.call, -ENOMEM));
    }
    ret = kr_coll_neighbor_sched(c.comm, &nb, sp, &sb, rp, &rb, &s);
    return kr_api_coll_finish(&c, s, ret);
}

/* ---- bindings ------------------------------------------------------------------------------ */

KR_WEAK_ALIAS(Neighbor_allgather)
int PMPI_Neighbor_allgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                            void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm)
{
    return kr_api_neighbor(KR_API_HOW("MPI_Neighbor_allgather", KR_API_BLOCKING, NULL), comm,
                           KR_API_SIDE(sendbuf, sendcount, sendtype),
                           KR_API_SIDE(recvbuf, recvcount, recvtype), true);
}

KR_WEAK_ALIAS(Neighbor_allgather_c)
int PMPI_Neighbor_allgather_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                              void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                              MPI_Comm comm)
{
    return kr_api_neighbor(KR_API_HOW("MPI_Neighbor_allgather_c", KR_API_BLOCKING, NULL), comm,
                           KR_API_SIDE(sendbuf, sendcount, sendtype),
                           KR_API_SIDE(recvbuf, recvcount, recvtype), true);
}

KR_WEAK_ALIAS(Neighbor_allgatherv)
int PMPI_Neighbor_allgatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                             void *recvbuf, const int recvcounts[], const int displs[],
                             MPI_Datatype recvtype, MPI_Comm comm)
{
    return kr_api_neighbor(KR_API_HOW("MPI_Neighbor_allgatherv", KR_API_BLOCKING, NULL), comm,
                           KR_API_SIDE(sendbuf, sendcount, sendtype),
                           KR_API_SIDEV(recvbuf, recvcounts, displs, recvtype), true);
}

KR_WEAK_ALIAS(Neighbor_allgatherv_c)
int PMPI_Neighbor_allgatherv_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                               void *recvbuf, const MPI_Count recvcounts[], const MPI_Aint displs[],
                               MPI_Datatype recvtype, MPI_Comm comm)
{
    return kr_api_neighbor(KR_API_HOW("MPI_Neighbor_allgatherv_c", KR_API_BLOCKING, NULL), comm,
                           KR_API_SIDE(sendbuf, sendcount, sendtype),
                           KR_API_SIDEV(recvbuf, recvcounts, displs, recvtype), true);
}

KR_WEAK_ALIAS(Neighbor_alltoall)
int PMPI_Neighbor_alltoall(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                           int recvcount, MPI_Datatype recvtype, MPI_Comm comm)
{
    return kr_api_neighbor(KR_API_HOW("MPI_Neighbor_alltoall", KR_API_BLOCKING, NULL), comm,
                           KR_API_SIDE(sendbuf, sendcount, sendtype),
                           KR_API_SIDE(recvbuf, recvcount, recvtype), false);
}

KR_WEAK_ALIAS(Neighbor_alltoall_c)
int PMPI_Neighbor_alltoall_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                             void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                             MPI_Comm comm)
{
    return kr_api_neighbor(KR_API_HOW("MPI_Neighbor_alltoall_c", KR_API_BLOCKING, NULL), comm,
                           KR_API_SIDE(sendbuf, sendcount, sendtype),
                           KR_API_SIDE(recvbuf, recvcount, recvtype), false);
}

KR_WEAK_ALIAS(Neighbor_alltoallv)
int PMPI_Neighbor_alltoallv(const void *sendbuf, const int sendcounts[], const int sdispls[],
                            MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
                            const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm)
{
    return kr_api_neighbor(KR_API_HOW("MPI_Neighbor_alltoallv", KR_API_BLOCKING, NULL), comm,
                           KR_API_SIDEV(sendbuf, sendcounts, sdispls, sendtype),
                           KR_API_SIDEV(recvbuf, recvcounts, rdispls, recvtype), false);
}

KR_WEAK_ALIAS(Neighbor_alltoallv_c)
int PMPI_Neighbor_alltoallv_c(const void *sendbuf, const MPI_Count sendcounts[],
                              const MPI_Aint sdispls[], MPI_Datatype sendtype, void *recvbuf,
                              const MPI_Count recvcounts[], const MPI_Aint rdispls[],
                              MPI_Datatype recvtype, MPI_Comm comm)
{
    return kr_api_neighbor(KR_API_HOW("MPI_Neighbor_alltoallv_c", KR_API_BLOCKING, NULL), comm,
                           KR_API_SIDEV(sendbuf, sendcounts, sdispls, sendtype),
                           KR_API_SIDEV(recvbuf, recvcounts, rdispls, recvtype), false);
}

KR_WEAK_ALIAS(Neighbor_alltoallw)
int PMPI_Neighbor_alltoallw(const void *sendbuf, const int sendcounts[], const MPI_Aint sdispls[],
                            const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[],
                            const MPI_Aint rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm)
{
    return kr_api_neighbor(KR_API_HOW("MPI_Neighbor_alltoallw", KR_API_BLOCKING, NULL), comm,
                           KR_API_SIDEW(sendbuf, sendcounts, sdispls, sendtypes),
                           KR_API_SIDEW(recvbuf, recvcounts, rdispls, recvtypes), false);
}

KR_WEAK_ALIAS(Neighbor_alltoallw_c)
int PMPI_Neighbor_alltoallw_c(const void *sendbuf, const MPI_Count sendcounts[],
                              const MPI_Aint sdispls[], const MPI_Datatype sendtypes[],
                              void *recvbuf, const MPI_Count recvcounts[], const MPI_Aint rdispls[],
                              const MPI_Datatype recvtypes[], MPI_Comm comm)
{
    return kr_api_neighbor(KR_API_HOW("MPI_Neighbor_alltoallw_c", KR_API_BLOCKING, NULL), comm,
                           KR_API_SIDEW(sendbuf, sendcounts, sdispls, sendtypes),
                           KR_API_SIDEW(recvbuf, recvcounts, rdispls, recvtypes), false);
}

KR_WEAK_ALIAS(Ineighbor_allgather)
int PMPI_Ineighbor_allgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                             void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                             MPI_Request *request)
{
    return kr_api_neighbor(KR_API_HOW("MPI_Ineighbor_allgather", KR_API_NONBLOCKING, request), comm,
                           KR_API_SIDE(sendbuf, sendcount, sendtype),
                           KR_API_SIDE(recvbuf, recvcount, recvtype), true);
}

KR_WEAK_ALIAS(Ineighbor_allgather_c)
int PMPI_Ineighbor_allgather_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                               void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                               MPI_Comm comm, MPI_Request *request)
{
    return kr_api_neighbor(KR_API_HOW("MPI_Ineighbor_allgather_c", KR_API_NONBLOCKING, request),
                           comm, KR_API_SIDE(sendbuf, sendcount, sendtype),
                           KR_API_SIDE(recvbuf, recvcount, recvtype), true);
}

KR_WEAK_ALIAS(Ineighbor_allgatherv)
int PMPI_Ineighbor_allgatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                              void *recvbuf, const int recvcounts[], const int displs[],
                              MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request)
{
    return kr_api_neighbor(KR_API_HOW("MPI_Ineighbor_allgatherv", KR_API_NONBLOCKING, request),
                           comm, KR_API_SIDE(sendbuf, sendcount, sendtype),
                           KR_API_SIDEV(recvbuf, recvcounts, displs, recvtype), true);
}

KR_WEAK_ALIAS(Ineighbor_allgatherv_c)
int PMPI_Ineighbor_allgatherv_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                                void *recvbuf, const MPI_Count recvcounts[],
                                const MPI_Aint displs[], MPI_Datatype recvtype, MPI_Comm comm,
                                MPI_Request *request)
{
    return kr_api_neighbor(KR_API_HOW("MPI_Ineighbor_allgatherv_c", KR_API_NONBLOCKING, request),
                           comm, KR_API_SIDE(sendbuf, sendcount, sendtype),
                           KR_API_SIDEV(recvbuf, recvcounts, displs, recvtype), true);
}

KR_WEAK_ALIAS(Ineighbor_alltoall)
int PMPI_Ineighbor_alltoall(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                            void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                            MPI_Request *request)
{
    return kr_api_neighbor(KR_API_HOW("MPI_Ineighbor_alltoall", KR_API_NONBLOCKING, request), comm,
                           KR_API_SIDE(sendbuf, sendcount, sendtype),
                           KR_API_SIDE(recvbuf, recvcount, recvtype), false);
}

KR_WEAK_ALIAS(Ineighbor_alltoall_c)
int PMPI_Ineighbor_alltoall_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                              void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                              MPI_Comm comm, MPI_Request *request)
{
    return kr_api_neighbor(KR_API_HOW("MPI_Ineighbor_alltoall_c", KR_API_NONBLOCKING, request),
                           comm, KR_API_SIDE(sendbuf, sendcount, sendtype),
                           KR_API_SIDE(recvbuf, recvcount, recvtype), false);
}

KR_WEAK_ALIAS(Ineighbor_alltoallv)
int PMPI_Ineighbor_alltoallv(const void *sendbuf, const int sendcounts[], const int sdispls[],
                             MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
                             const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm,
                             MPI_Request *request)
{
    return kr_api_neighbor(KR_API_HOW("MPI_Ineighbor_alltoallv", KR_API_NONBLOCKING, request), comm,
                           KR_API_SIDEV(sendbuf, sendcounts, sdispls, sendtype),
                           KR_API_SIDEV(recvbuf, recvcounts, rdispls, recvtype), false);
}

KR_WEAK_ALIAS(Ineighbor_alltoallv_c)
int PMPI_Ineighbor_alltoallv_c(const void *sendbuf, const MPI_Count sendcounts[],
                               const MPI_Aint sdispls[], MPI_Datatype sendtype, void *recvbuf,
                               const MPI_Count recvcounts[], const MPI_Aint rdispls[],
                               MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request)
{
    return kr_api_neighbor(KR_API_HOW("MPI_Ineighbor_alltoallv_c", KR_API_NONBLOCKING, request),
                           comm, KR_API_SIDEV(sendbuf, sendcounts, sdispls, sendtype),
                           KR_API_SIDEV(recvbuf, recvcounts, rdispls, recvtype), false);
}

KR_WEAK_ALIAS(Ineighbor_alltoallw)
int PMPI_Ineighbor_alltoallw(const void *sendbuf, const int sendcounts[], const MPI_Aint sdispls[],
                             const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[],
                             const MPI_Aint rdispls[], const MPI_Datatype recvtypes[],
                             MPI_Comm comm, MPI_Request *request)
{
    return kr_api_neighbor(KR_API_HOW("MPI_Ineighbor_alltoallw", KR_API_NONBLOCKING, request), comm,
                           KR_API_SIDEW(sendbuf, sendcounts, sdispls, sendtypes),
                           KR_API_SIDEW(recvbuf, recvcounts, rdispls, recvtypes), false);
}

KR_WEAK_ALIAS(Ineighbor_alltoallw_c)
int PMPI_Ineighbor_alltoallw_c(const void *sendbuf, const MPI_Count sendcounts[],
                               const MPI_Aint sdispls[], const MPI_Datatype sendtypes[],
                               void *recvbuf, const MPI_Count recvcounts[],
                               const MPI_Aint rdispls[], const MPI_Datatype recvtypes[],
                               MPI_Comm comm, MPI_Request *request)
{
    return kr_api_neighbor(KR_API_HOW("MPI_Ineighbor_alltoallw_c", KR_API_NONBLOCKING, request),
                           comm, KR_API_SIDEW(sendbuf, sendcounts, sdispls, sendtypes),
                           KR_API_SIDEW(recvbuf, recvcounts, rdispls, recvtypes), false);
}

KR_WEAK_ALIAS(Neighbor_allgather_init)
int PMPI_Neighbor_allgather_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                                 void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                                 MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_neighbor(KR_API_HOW("MPI_Neighbor_allgather_init", KR_API_PERSISTENT, request),
                           comm, KR_API_SIDE(sendbuf, sendcount, sendtype),
                           KR_API_SIDE(recvbuf, recvcount, recvtype), true);
}

KR_WEAK_ALIAS(Neighbor_allgather_init_c)
int PMPI_Neighbor_allgather_init_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                                   void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                                   MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_neighbor(KR_API_HOW("MPI_Neighbor_allgather_init_c", KR_API_PERSISTENT, request),
                           comm, KR_API_SIDE(sendbuf, sendcount, sendtype),
                           KR_API_SIDE(recvbuf, recvcount, recvtype), true);
}

KR_WEAK_ALIAS(Neighbor_allgatherv_init)
int PMPI_Neighbor_allgatherv_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                                  void *recvbuf, const int recvcounts[], const int displs[],
                                  MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                                  MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_neighbor(KR_API_HOW("MPI_Neighbor_allgatherv_init", KR_API_PERSISTENT, request),
                           comm, KR_API_SIDE(sendbuf, sendcount, sendtype),
                           KR_API_SIDEV(recvbuf, recvcounts, displs, recvtype), true);
}

KR_WEAK_ALIAS(Neighbor_allgatherv_init_c)
int PMPI_Neighbor_allgatherv_init_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                                    void *recvbuf, const MPI_Count recvcounts[],
                                    const MPI_Aint displs[], MPI_Datatype recvtype, MPI_Comm comm,
                                    MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_neighbor(KR_API_HOW("MPI_Neighbor_allgatherv_init_c", KR_API_PERSISTENT, request),
                           comm, KR_API_SIDE(sendbuf, sendcount, sendtype),
                           KR_API_SIDEV(recvbuf, recvcounts, displs, recvtype), true);
}

KR_WEAK_ALIAS(Neighbor_alltoall_init)
int PMPI_Neighbor_alltoall_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype,
                                void *recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                                MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_neighbor(KR_API_HOW("MPI_Neighbor_alltoall_init", KR_API_PERSISTENT, request),
                           comm, KR_API_SIDE(sendbuf, sendcount, sendtype),
                           KR_API_SIDE(recvbuf, recvcount, recvtype), false);
}

KR_WEAK_ALIAS(Neighbor_alltoall_init_c)
int PMPI_Neighbor_alltoall_init_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                                  void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                                  MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_neighbor(KR_API_HOW("MPI_Neighbor_alltoall_init_c", KR_API_PERSISTENT, request),
                           comm, KR_API_SIDE(sendbuf, sendcount, sendtype),
                           KR_API_SIDE(recvbuf, recvcount, recvtype), false);
}

KR_WEAK_ALIAS(Neighbor_alltoallv_init)
int PMPI_Neighbor_alltoallv_init(const void *sendbuf, const int sendcounts[], const int sdispls[],
                                 MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
                                 const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm,
                                 MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_neighbor(KR_API_HOW("MPI_Neighbor_alltoallv_init", KR_API_PERSISTENT, request),
                           comm, KR_API_SIDEV(sendbuf, sendcounts, sdispls, sendtype),
                           KR_API_SIDEV(recvbuf, recvcounts, rdispls, recvtype), false);
}

KR_WEAK_ALIAS(Neighbor_alltoallv_init_c)
int PMPI_Neighbor_alltoallv_init_c(const void *sendbuf, const MPI_Count sendcounts[],
                                   const MPI_Aint sdispls[], MPI_Datatype sendtype, void *recvbuf,
                                   const MPI_Count recvcounts[], const MPI_Aint rdispls[],
                                   MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                                   MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_neighbor(KR_API_HOW("MPI_Neighbor_alltoallv_init_c", KR_API_PERSISTENT, request),
                           comm, KR_API_SIDEV(sendbuf, sendcounts, sdispls, sendtype),
                           KR_API_SIDEV(recvbuf, recvcounts, rdispls, recvtype), false);
}

KR_WEAK_ALIAS(Neighbor_alltoallw_init)
int PMPI_Neighbor_alltoallw_init(const void *sendbuf, const int sendcounts[],
                                 const MPI_Aint sdispls[], const MPI_Datatype sendtypes[],
                                 void *recvbuf, const int recvcounts[], const MPI_Aint rdispls[],
                                 const MPI_Datatype recvtypes[], MPI_Comm comm, MPI_Info info,
                                 MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_neighbor(KR_API_HOW("MPI_Neighbor_alltoallw_init", KR_API_PERSISTENT, request),
                           comm, KR_API_SIDEW(sendbuf, sendcounts, sdispls, sendtypes),
                           KR_API_SIDEW(recvbuf, recvcounts, rdispls, recvtypes), false);
}

KR_WEAK_ALIAS(Neighbor_alltoallw_init_c)
int PMPI_Neighbor_alltoallw_init_c(const void *sendbuf, const MPI_Count sendcounts[],
                                   const MPI_Aint sdispls[], const MPI_Datatype sendtypes[],
                                   void *recvbuf, const MPI_Count recvcounts[],
                                   const MPI_Aint rdispls[], const MPI_Datatype recvtypes[],
                                   MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_neighbor(KR_API_HOW("MPI_Neighbor_alltoallw_init_c", KR_API_PERSISTENT, request),
                           comm, KR_API_SIDEW(sendbuf, sendcounts, sdispls, sendtypes),
                           KR_API_SIDEW(recvbuf, recvcounts, rdispls, recvtypes), false);
}

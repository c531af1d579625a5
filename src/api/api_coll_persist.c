/* Persistent collectives (MPI-4: MPI_Barrier_init ... MPI_Exscan_init and their _c twins): the
 * schedule is built once; MPI_Start runs it, MPI_Wait/Test complete it, MPI_Request_free frees
 * it (api_coll_util.c). The buffers and arguments are those given here, every time. */
#include "config.h"

#include "api_coll_int.h"

KR_WEAK_ALIAS(Barrier_init)
int PMPI_Barrier_init(MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_barrier(KR_API_HOW("MPI_Barrier_init", KR_API_PERSISTENT, request), comm);
}

KR_WEAK_ALIAS(Bcast_init)
int PMPI_Bcast_init(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm,
                    MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_bcast(KR_API_HOW("MPI_Bcast_init", KR_API_PERSISTENT, request), comm, buffer,
                        count, datatype, root);
}

KR_WEAK_ALIAS(Bcast_init_c)
int PMPI_Bcast_init_c(void *buffer, MPI_Count count, MPI_Datatype datatype, int root, MPI_Comm comm,
                      MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_bcast(KR_API_HOW("MPI_Bcast_init_c", KR_API_PERSISTENT, request), comm, buffer,
                        count, datatype, root);
}

KR_WEAK_ALIAS(Gather_init)
int PMPI_Gather_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                     int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Info info,
                     MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_gather(KR_API_HOW("MPI_Gather_init", KR_API_PERSISTENT, request), comm, sendbuf,
                         sendcount, sendtype, recvbuf, recvcount, recvtype, root);
}

KR_WEAK_ALIAS(Gather_init_c)
int PMPI_Gather_init_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                       void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype, int root,
                       MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_gather(KR_API_HOW("MPI_Gather_init_c", KR_API_PERSISTENT, request), comm, sendbuf,
                         sendcount, sendtype, recvbuf, recvcount, recvtype, root);
}

KR_WEAK_ALIAS(Gatherv_init)
int PMPI_Gatherv_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                      const int recvcounts[], const int displs[], MPI_Datatype recvtype, int root,
                      MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_gatherv(KR_API_HOW("MPI_Gatherv_init", KR_API_PERSISTENT, request), comm, sendbuf,
                          sendcount, sendtype, recvbuf, KR_API_INTS(recvcounts),
                          KR_API_INTS(displs), recvtype, root);
}

KR_WEAK_ALIAS(Gatherv_init_c)
int PMPI_Gatherv_init_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                        void *recvbuf, const MPI_Count recvcounts[], const MPI_Aint displs[],
                        MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Info info,
                        MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_gatherv(KR_API_HOW("MPI_Gatherv_init_c", KR_API_PERSISTENT, request), comm,
                          sendbuf, sendcount, sendtype, recvbuf, KR_API_INTS(recvcounts),
                          KR_API_INTS(displs), recvtype, root);
}

KR_WEAK_ALIAS(Scatter_init)
int PMPI_Scatter_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                      int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Info info,
                      MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_scatter(KR_API_HOW("MPI_Scatter_init", KR_API_PERSISTENT, request), comm, sendbuf,
                          sendcount, sendtype, recvbuf, recvcount, recvtype, root);
}

KR_WEAK_ALIAS(Scatter_init_c)
int PMPI_Scatter_init_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                        void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype, int root,
                        MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_scatter(KR_API_HOW("MPI_Scatter_init_c", KR_API_PERSISTENT, request), comm,
                          sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root);
}

KR_WEAK_ALIAS(Scatterv_init)
int PMPI_Scatterv_init(const void *sendbuf, const int sendcounts[], const int displs[],
                       MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype,
                       int root, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_scatterv(KR_API_HOW("MPI_Scatterv_init", KR_API_PERSISTENT, request), comm,
                           sendbuf, KR_API_INTS(sendcounts), KR_API_INTS(displs), sendtype, recvbuf,
                           recvcount, recvtype, root);
}

KR_WEAK_ALIAS(Scatterv_init_c)
int PMPI_Scatterv_init_c(const void *sendbuf, const MPI_Count sendcounts[], const MPI_Aint displs[],
                         MPI_Datatype sendtype, void *recvbuf, MPI_Count recvcount,
                         MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Info info,
                         MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_scatterv(KR_API_HOW("MPI_Scatterv_init_c", KR_API_PERSISTENT, request), comm,
                           sendbuf, KR_API_INTS(sendcounts), KR_API_INTS(displs), sendtype, recvbuf,
                           recvcount, recvtype, root);
}

KR_WEAK_ALIAS(Allgather_init)
int PMPI_Allgather_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                        int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                        MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_allgather(KR_API_HOW("MPI_Allgather_init", KR_API_PERSISTENT, request), comm,
                            sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype);
}

KR_WEAK_ALIAS(Allgather_init_c)
int PMPI_Allgather_init_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                          void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                          MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_allgather(KR_API_HOW("MPI_Allgather_init_c", KR_API_PERSISTENT, request), comm,
                            sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype);
}

KR_WEAK_ALIAS(Allgatherv_init)
int PMPI_Allgatherv_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                         const int recvcounts[], const int displs[], MPI_Datatype recvtype,
                         MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_allgatherv(KR_API_HOW("MPI_Allgatherv_init", KR_API_PERSISTENT, request), comm,
                             sendbuf, sendcount, sendtype, recvbuf, KR_API_INTS(recvcounts),
                             KR_API_INTS(displs), recvtype);
}

KR_WEAK_ALIAS(Allgatherv_init_c)
int PMPI_Allgatherv_init_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                           void *recvbuf, const MPI_Count recvcounts[], const MPI_Aint displs[],
                           MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                           MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_allgatherv(KR_API_HOW("MPI_Allgatherv_init_c", KR_API_PERSISTENT, request), comm,
                             sendbuf, sendcount, sendtype, recvbuf, KR_API_INTS(recvcounts),
                             KR_API_INTS(displs), recvtype);
}

KR_WEAK_ALIAS(Alltoall_init)
int PMPI_Alltoall_init(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                       int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                       MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_alltoall(KR_API_HOW("MPI_Alltoall_init", KR_API_PERSISTENT, request), comm,
                           sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype);
}

KR_WEAK_ALIAS(Alltoall_init_c)
int PMPI_Alltoall_init_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                         void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                         MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_alltoall(KR_API_HOW("MPI_Alltoall_init_c", KR_API_PERSISTENT, request), comm,
                           sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype);
}

KR_WEAK_ALIAS(Alltoallv_init)
int PMPI_Alltoallv_init(const void *sendbuf, const int sendcounts[], const int sdispls[],
                        MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
                        const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                        MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_alltoallv(KR_API_HOW("MPI_Alltoallv_init", KR_API_PERSISTENT, request), comm,
                            sendbuf, KR_API_INTS(sendcounts), KR_API_INTS(sdispls), sendtype, NULL,
                            recvbuf, KR_API_INTS(recvcounts), KR_API_INTS(rdispls), recvtype, NULL);
}

KR_WEAK_ALIAS(Alltoallv_init_c)
int PMPI_Alltoallv_init_c(const void *sendbuf, const MPI_Count sendcounts[],
                          const MPI_Aint sdispls[], MPI_Datatype sendtype, void *recvbuf,
                          const MPI_Count recvcounts[], const MPI_Aint rdispls[],
                          MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_alltoallv(KR_API_HOW("MPI_Alltoallv_init_c", KR_API_PERSISTENT, request), comm,
                            sendbuf, KR_API_INTS(sendcounts), KR_API_INTS(sdispls), sendtype, NULL,
                            recvbuf, KR_API_INTS(recvcounts), KR_API_INTS(rdispls), recvtype, NULL);
}

KR_WEAK_ALIAS(Alltoallw_init)
int PMPI_Alltoallw_init(const void *sendbuf, const int sendcounts[], const int sdispls[],
                        const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[],
                        const int rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm,
                        MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_alltoallv(KR_API_HOW("MPI_Alltoallw_init", KR_API_PERSISTENT, request), comm,
                            sendbuf, KR_API_INTS(sendcounts), KR_API_INTS(sdispls),
                            MPI_DATATYPE_NULL, sendtypes, recvbuf, KR_API_INTS(recvcounts),
                            KR_API_INTS(rdispls), MPI_DATATYPE_NULL, recvtypes);
}

KR_WEAK_ALIAS(Alltoallw_init_c)
int PMPI_Alltoallw_init_c(const void *sendbuf, const MPI_Count sendcounts[],
                          const MPI_Aint sdispls[], const MPI_Datatype sendtypes[], void *recvbuf,
                          const MPI_Count recvcounts[], const MPI_Aint rdispls[],
                          const MPI_Datatype recvtypes[], MPI_Comm comm, MPI_Info info,
                          MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_alltoallv(KR_API_HOW("MPI_Alltoallw_init_c", KR_API_PERSISTENT, request), comm,
                            sendbuf, KR_API_INTS(sendcounts), KR_API_INTS(sdispls),
                            MPI_DATATYPE_NULL, sendtypes, recvbuf, KR_API_INTS(recvcounts),
                            KR_API_INTS(rdispls), MPI_DATATYPE_NULL, recvtypes);
}

KR_WEAK_ALIAS(Reduce_init)
int PMPI_Reduce_init(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype,
                     MPI_Op op, int root, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_reduce(KR_API_HOW("MPI_Reduce_init", KR_API_PERSISTENT, request), comm, sendbuf,
                         recvbuf, count, datatype, op, root);
}

KR_WEAK_ALIAS(Reduce_init_c)
int PMPI_Reduce_init_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                       MPI_Op op, int root, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_reduce(KR_API_HOW("MPI_Reduce_init_c", KR_API_PERSISTENT, request), comm, sendbuf,
                         recvbuf, count, datatype, op, root);
}

KR_WEAK_ALIAS(Allreduce_init)
int PMPI_Allreduce_init(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype,
                        MPI_Op op, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_allreduce(KR_API_HOW("MPI_Allreduce_init", KR_API_PERSISTENT, request), comm,
                            sendbuf, recvbuf, count, datatype, op);
}

KR_WEAK_ALIAS(Allreduce_init_c)
int PMPI_Allreduce_init_c(const void *sendbuf, void *recvbuf, MPI_Count count,
                          MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info,
                          MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_allreduce(KR_API_HOW("MPI_Allreduce_init_c", KR_API_PERSISTENT, request), comm,
                            sendbuf, recvbuf, count, datatype, op);
}

KR_WEAK_ALIAS(Reduce_scatter_init)
int PMPI_Reduce_scatter_init(const void *sendbuf, void *recvbuf, const int recvcounts[],
                             MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info,
                             MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_reduce_scatter(KR_API_HOW("MPI_Reduce_scatter_init", KR_API_PERSISTENT, request),
                                 comm, sendbuf, recvbuf, KR_API_INTS(recvcounts), 0, datatype, op);
}

KR_WEAK_ALIAS(Reduce_scatter_init_c)
int PMPI_Reduce_scatter_init_c(const void *sendbuf, void *recvbuf, const MPI_Count recvcounts[],
                               MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info,
                               MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_reduce_scatter(
        KR_API_HOW("MPI_Reduce_scatter_init_c", KR_API_PERSISTENT, request), comm, sendbuf, recvbuf,
        KR_API_INTS(recvcounts), 0, datatype, op);
}

KR_WEAK_ALIAS(Reduce_scatter_block_init)
int PMPI_Reduce_scatter_block_init(const void *sendbuf, void *recvbuf, int recvcount,
                                   MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info,
                                   MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_reduce_scatter(
        KR_API_HOW("MPI_Reduce_scatter_block_init", KR_API_PERSISTENT, request), comm, sendbuf,
        recvbuf, KR_API_NO_INTS, recvcount, datatype, op);
}

KR_WEAK_ALIAS(Reduce_scatter_block_init_c)
int PMPI_Reduce_scatter_block_init_c(const void *sendbuf, void *recvbuf, MPI_Count recvcount,
                                     MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info,
                                     MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_reduce_scatter(
        KR_API_HOW("MPI_Reduce_scatter_block_init_c", KR_API_PERSISTENT, request), comm, sendbuf,
        recvbuf, KR_API_NO_INTS, recvcount, datatype, op);
}

KR_WEAK_ALIAS(Scan_init)
int PMPI_Scan_init(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                   MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_scan(KR_API_HOW("MPI_Scan_init", KR_API_PERSISTENT, request), comm, sendbuf,
                       recvbuf, count, datatype, op, false);
}

KR_WEAK_ALIAS(Scan_init_c)
int PMPI_Scan_init_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                     MPI_Op op, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_scan(KR_API_HOW("MPI_Scan_init_c", KR_API_PERSISTENT, request), comm, sendbuf,
                       recvbuf, count, datatype, op, false);
}

KR_WEAK_ALIAS(Exscan_init)
int PMPI_Exscan_init(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype,
                     MPI_Op op, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_scan(KR_API_HOW("MPI_Exscan_init", KR_API_PERSISTENT, request), comm, sendbuf,
                       recvbuf, count, datatype, op, true);
}

KR_WEAK_ALIAS(Exscan_init_c)
int PMPI_Exscan_init_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                       MPI_Op op, MPI_Comm comm, MPI_Info info, MPI_Request *request)
{
    (void) info; /* no hints are understood */
    return kr_api_scan(KR_API_HOW("MPI_Exscan_init_c", KR_API_PERSISTENT, request), comm, sendbuf,
                       recvbuf, count, datatype, op, true);
}

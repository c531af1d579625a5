/* Blocking collective entry points, each with its MPI_Count (_c) twin: thin bindings of the
 * cores in api_coll_move.c and api_coll_red.c, which the nonblocking (api_coll_nb.c) and
 * persistent (api_coll_persist.c) forms share. */
#include "config.h"

#include "api_coll_int.h"

KR_WEAK_ALIAS(Barrier)
int PMPI_Barrier(MPI_Comm comm)
{
    return kr_api_barrier(KR_API_HOW("MPI_Barrier", KR_API_BLOCKING, NULL), comm);
}

KR_WEAK_ALIAS(Bcast)
int PMPI_Bcast(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm)
{
    return kr_api_bcast(KR_API_HOW("MPI_Bcast", KR_API_BLOCKING, NULL), comm, buffer, count,
                        datatype, root);
}

KR_WEAK_ALIAS(Bcast_c)
int PMPI_Bcast_c(void *buffer, MPI_Count count, MPI_Datatype datatype, int root, MPI_Comm comm)
{
    return kr_api_bcast(KR_API_HOW("MPI_Bcast_c", KR_API_BLOCKING, NULL), comm, buffer, count,
                        datatype, root);
}

KR_WEAK_ALIAS(Gather)
int PMPI_Gather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm)
{
    return kr_api_gather(KR_API_HOW("MPI_Gather", KR_API_BLOCKING, NULL), comm, sendbuf, sendcount,
                         sendtype, recvbuf, recvcount, recvtype, root);
}

KR_WEAK_ALIAS(Gather_c)
int PMPI_Gather_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, void *recvbuf,
                  MPI_Count recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm)
{
    return kr_api_gather(KR_API_HOW("MPI_Gather_c", KR_API_BLOCKING, NULL), comm, sendbuf,
                         sendcount, sendtype, recvbuf, recvcount, recvtype, root);
}

KR_WEAK_ALIAS(Gatherv)
int PMPI_Gatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                 const int recvcounts[], const int displs[], MPI_Datatype recvtype, int root,
                 MPI_Comm comm)
{
    return kr_api_gatherv(KR_API_HOW("MPI_Gatherv", KR_API_BLOCKING, NULL), comm, sendbuf,
                          sendcount, sendtype, recvbuf, KR_API_INTS(recvcounts),
                          KR_API_INTS(displs), recvtype, root);
}

KR_WEAK_ALIAS(Gatherv_c)
int PMPI_Gatherv_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, void *recvbuf,
                   const MPI_Count recvcounts[], const MPI_Aint displs[], MPI_Datatype recvtype,
                   int root, MPI_Comm comm)
{
    return kr_api_gatherv(KR_API_HOW("MPI_Gatherv_c", KR_API_BLOCKING, NULL), comm, sendbuf,
                          sendcount, sendtype, recvbuf, KR_API_INTS(recvcounts),
                          KR_API_INTS(displs), recvtype, root);
}

KR_WEAK_ALIAS(Scatter)
int PMPI_Scatter(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                 int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm)
{
    return kr_api_scatter(KR_API_HOW("MPI_Scatter", KR_API_BLOCKING, NULL), comm, sendbuf,
                          sendcount, sendtype, recvbuf, recvcount, recvtype, root);
}

KR_WEAK_ALIAS(Scatter_c)
int PMPI_Scatter_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, void *recvbuf,
                   MPI_Count recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm)
{
    return kr_api_scatter(KR_API_HOW("MPI_Scatter_c", KR_API_BLOCKING, NULL), comm, sendbuf,
                          sendcount, sendtype, recvbuf, recvcount, recvtype, root);
}

KR_WEAK_ALIAS(Scatterv)
int PMPI_Scatterv(const void *sendbuf, const int sendcounts[], const int displs[],
                  MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype,
                  int root, MPI_Comm comm)
{
    return kr_api_scatterv(KR_API_HOW("MPI_Scatterv", KR_API_BLOCKING, NULL), comm, sendbuf,
                           KR_API_INTS(sendcounts), KR_API_INTS(displs), sendtype, recvbuf,
                           recvcount, recvtype, root);
}

KR_WEAK_ALIAS(Scatterv_c)
int PMPI_Scatterv_c(const void *sendbuf, const MPI_Count sendcounts[], const MPI_Aint displs[],
                    MPI_Datatype sendtype, void *recvbuf, MPI_Count recvcount,
                    MPI_Datatype recvtype, int root, MPI_Comm comm)
{
    return kr_api_scatterv(KR_API_HOW("MPI_Scatterv_c", KR_API_BLOCKING, NULL), comm, sendbuf,
                           KR_API_INTS(sendcounts), KR_API_INTS(displs), sendtype, recvbuf,
                           recvcount, recvtype, root);
}

KR_WEAK_ALIAS(Allgather)
int PMPI_Allgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                   int recvcount, MPI_Datatype recvtype, MPI_Comm comm)
{
    return kr_api_allgather(KR_API_HOW("MPI_Allgather", KR_API_BLOCKING, NULL), comm, sendbuf,
                            sendcount, sendtype, recvbuf, recvcount, recvtype);
}

KR_WEAK_ALIAS(Allgather_c)
int PMPI_Allgather_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, void *recvbuf,
                     MPI_Count recvcount, MPI_Datatype recvtype, MPI_Comm comm)
{
    return kr_api_allgather(KR_API_HOW("MPI_Allgather_c", KR_API_BLOCKING, NULL), comm, sendbuf,
                            sendcount, sendtype, recvbuf, recvcount, recvtype);
}

KR_WEAK_ALIAS(Allgatherv)
int PMPI_Allgatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                    const int recvcounts[], const int displs[], MPI_Datatype recvtype,
                    MPI_Comm comm)
{
    return kr_api_allgatherv(KR_API_HOW("MPI_Allgatherv", KR_API_BLOCKING, NULL), comm, sendbuf,
                             sendcount, sendtype, recvbuf, KR_API_INTS(recvcounts),
                             KR_API_INTS(displs), recvtype);
}

KR_WEAK_ALIAS(Allgatherv_c)
int PMPI_Allgatherv_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                      void *recvbuf, const MPI_Count recvcounts[], const MPI_Aint displs[],
                      MPI_Datatype recvtype, MPI_Comm comm)
{
    return kr_api_allgatherv(KR_API_HOW("MPI_Allgatherv_c", KR_API_BLOCKING, NULL), comm, sendbuf,
                             sendcount, sendtype, recvbuf, KR_API_INTS(recvcounts),
                             KR_API_INTS(displs), recvtype);
}

KR_WEAK_ALIAS(Alltoall)
int PMPI_Alltoall(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                  int recvcount, MPI_Datatype recvtype, MPI_Comm comm)
{
    return kr_api_alltoall(KR_API_HOW("MPI_Alltoall", KR_API_BLOCKING, NULL), comm, sendbuf,
                           sendcount, sendtype, recvbuf, recvcount, recvtype);
}

KR_WEAK_ALIAS(Alltoall_c)
int PMPI_Alltoall_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, void *recvbuf,
                    MPI_Count recvcount, MPI_Datatype recvtype, MPI_Comm comm)
{
    return kr_api_alltoall(KR_API_HOW("MPI_Alltoall_c", KR_API_BLOCKING, NULL), comm, sendbuf,
                           sendcount, sendtype, recvbuf, recvcount, recvtype);
}

KR_WEAK_ALIAS(Alltoallv)
int PMPI_Alltoallv(const void *sendbuf, const int sendcounts[], const int sdispls[],
                   MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
                   const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm)
{
    return kr_api_alltoallv(KR_API_HOW("MPI_Alltoallv", KR_API_BLOCKING, NULL), comm, sendbuf,
                            KR_API_INTS(sendcounts), KR_API_INTS(sdispls), sendtype, NULL, recvbuf,
                            KR_API_INTS(recvcounts), KR_API_INTS(rdispls), recvtype, NULL);
}

KR_WEAK_ALIAS(Alltoallv_c)
int PMPI_Alltoallv_c(const void *sendbuf, const MPI_Count sendcounts[], const MPI_Aint sdispls[],
                     MPI_Datatype sendtype, void *recvbuf, const MPI_Count recvcounts[],
                     const MPI_Aint rdispls[], MPI_Datatype recvtype, MPI_Comm comm)
{
    return kr_api_alltoallv(KR_API_HOW("MPI_Alltoallv_c", KR_API_BLOCKING, NULL), comm, sendbuf,
                            KR_API_INTS(sendcounts), KR_API_INTS(sdispls), sendtype, NULL, recvbuf,
                            KR_API_INTS(recvcounts), KR_API_INTS(rdispls), recvtype, NULL);
}

KR_WEAK_ALIAS(Alltoallw)
int PMPI_Alltoallw(const void *sendbuf, const int sendcounts[], const int sdispls[],
                   const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[],
                   const int rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm)
{
    return kr_api_alltoallv(KR_API_HOW("MPI_Alltoallw", KR_API_BLOCKING, NULL), comm, sendbuf,
                            KR_API_INTS(sendcounts), KR_API_INTS(sdispls), MPI_DATATYPE_NULL,
                            sendtypes, recvbuf, KR_API_INTS(recvcounts), KR_API_INTS(rdispls),
                            MPI_DATATYPE_NULL, recvtypes);
}

KR_WEAK_ALIAS(Alltoallw_c)
int PMPI_Alltoallw_c(const void *sendbuf, const MPI_Count sendcounts[], const MPI_Aint sdispls[],
                     const MPI_Datatype sendtypes[], void *recvbuf, const MPI_Count recvcounts[],
                     const MPI_Aint rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm)
{
    return kr_api_alltoallv(KR_API_HOW("MPI_Alltoallw_c", KR_API_BLOCKING, NULL), comm, sendbuf,
                            KR_API_INTS(sendcounts), KR_API_INTS(sdispls), MPI_DATATYPE_NULL,
                            sendtypes, recvbuf, KR_API_INTS(recvcounts), KR_API_INTS(rdispls),
                            MPI_DATATYPE_NULL, recvtypes);
}

KR_WEAK_ALIAS(Reduce)
int PMPI_Reduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                int root, MPI_Comm comm)
{
    return kr_api_reduce(KR_API_HOW("MPI_Reduce", KR_API_BLOCKING, NULL), comm, sendbuf, recvbuf,
                         count, datatype, op, root);
}

KR_WEAK_ALIAS(Reduce_c)
int PMPI_Reduce_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                  MPI_Op op, int root, MPI_Comm comm)
{
    return kr_api_reduce(KR_API_HOW("MPI_Reduce_c", KR_API_BLOCKING, NULL), comm, sendbuf, recvbuf,
                         count, datatype, op, root);
}

KR_WEAK_ALIAS(Allreduce)
int PMPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                   MPI_Comm comm)
{
    return kr_api_allreduce(KR_API_HOW("MPI_Allreduce", KR_API_BLOCKING, NULL), comm, sendbuf,
                            recvbuf, count, datatype, op);
}

KR_WEAK_ALIAS(Allreduce_c)
int PMPI_Allreduce_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                     MPI_Op op, MPI_Comm comm)
{
    return kr_api_allreduce(KR_API_HOW("MPI_Allreduce_c", KR_API_BLOCKING, NULL), comm, sendbuf,
                            recvbuf, count, datatype, op);
}

KR_WEAK_ALIAS(Reduce_scatter)
int PMPI_Reduce_scatter(const void *sendbuf, void *recvbuf, const int recvcounts[],
                        MPI_Datatype datatype, MPI_Op op, MPI_Comm comm)
{
    return kr_api_reduce_scatter(KR_API_HOW("MPI_Reduce_scatter", KR_API_BLOCKING, NULL), comm,
                                 sendbuf, recvbuf, KR_API_INTS(recvcounts), 0, datatype, op);
}

KR_WEAK_ALIAS(Reduce_scatter_c)
int PMPI_Reduce_scatter_c(const void *sendbuf, void *recvbuf, const MPI_Count recvcounts[],
                          MPI_Datatype datatype, MPI_Op op, MPI_Comm comm)
{
    return kr_api_reduce_scatter(KR_API_HOW("MPI_Reduce_scatter_c", KR_API_BLOCKING, NULL), comm,
                                 sendbuf, recvbuf, KR_API_INTS(recvcounts), 0, datatype, op);
}

KR_WEAK_ALIAS(Reduce_scatter_block)
int PMPI_Reduce_scatter_block(const void *sendbuf, void *recvbuf, int recvcount,
                              MPI_Datatype datatype, MPI_Op op, MPI_Comm comm)
{
    return kr_api_reduce_scatter(KR_API_HOW("MPI_Reduce_scatter_block", KR_API_BLOCKING, NULL),
                                 comm, sendbuf, recvbuf, KR_API_NO_INTS, recvcount, datatype, op);
}

KR_WEAK_ALIAS(Reduce_scatter_block_c)
int PMPI_Reduce_scatter_block_c(const void *sendbuf, void *recvbuf, MPI_Count recvcount,
                                MPI_Datatype datatype, MPI_Op op, MPI_Comm comm)
{
    return kr_api_reduce_scatter(KR_API_HOW("MPI_Reduce_scatter_block_c", KR_API_BLOCKING, NULL),
                                 comm, sendbuf, recvbuf, KR_API_NO_INTS, recvcount, datatype, op);
}

KR_WEAK_ALIAS(Scan)
int PMPI_Scan(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
              MPI_Comm comm)
{
    return kr_api_scan(KR_API_HOW("MPI_Scan", KR_API_BLOCKING, NULL), comm, sendbuf, recvbuf, count,
                       datatype, op, false);
}

KR_WEAK_ALIAS(Scan_c)
int PMPI_Scan_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                MPI_Op op, MPI_Comm comm)
{
    return kr_api_scan(KR_API_HOW("MPI_Scan_c", KR_API_BLOCKING, NULL), comm, sendbuf, recvbuf,
                       count, datatype, op, false);
}

KR_WEAK_ALIAS(Exscan)
int PMPI_Exscan(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                MPI_Comm comm)
{
    return kr_api_scan(KR_API_HOW("MPI_Exscan", KR_API_BLOCKING, NULL), comm, sendbuf, recvbuf,
                       count, datatype, op, true);
}

KR_WEAK_ALIAS(Exscan_c)
int PMPI_Exscan_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                  MPI_Op op, MPI_Comm comm)
{
    return kr_api_scan(KR_API_HOW("MPI_Exscan_c", KR_API_BLOCKING, NULL), comm, sendbuf, recvbuf,
                       count, datatype, op, true);
}

/* Nonblocking collectives (MPI_Ibarrier ... MPI_Iexscan and their _c twins): the same cores as
 * the blocking forms; each builds its schedule and starts it on a new request, which
 * progresses with everything else and completes through MPI_Wait/Test. */
#include "config.h"

#include "api_coll_int.h"

KR_WEAK_ALIAS(Ibarrier)
int PMPI_Ibarrier(MPI_Comm comm, MPI_Request *request)
{
    return kr_api_barrier(KR_API_HOW("MPI_Ibarrier", KR_API_NONBLOCKING, request), comm);
}

KR_WEAK_ALIAS(Ibcast)
int PMPI_Ibcast(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm,
                MPI_Request *request)
{
    return kr_api_bcast(KR_API_HOW("MPI_Ibcast", KR_API_NONBLOCKING, request), comm, buffer, count,
                        datatype, root);
}

KR_WEAK_ALIAS(Ibcast_c)
int PMPI_Ibcast_c(void *buffer, MPI_Count count, MPI_Datatype datatype, int root, MPI_Comm comm,
                  MPI_Request *request)
{
    return kr_api_bcast(KR_API_HOW("MPI_Ibcast_c", KR_API_NONBLOCKING, request), comm, buffer,
                        count, datatype, root);
}

KR_WEAK_ALIAS(Igather)
int PMPI_Igather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                 int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm,
                 MPI_Request *request)
{
    return kr_api_gather(KR_API_HOW("MPI_Igather", KR_API_NONBLOCKING, request), comm, sendbuf,
                         sendcount, sendtype, recvbuf, recvcount, recvtype, root);
}

KR_WEAK_ALIAS(Igather_c)
int PMPI_Igather_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, void *recvbuf,
                   MPI_Count recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm,
                   MPI_Request *request)
{
    return kr_api_gather(KR_API_HOW("MPI_Igather_c", KR_API_NONBLOCKING, request), comm, sendbuf,
                         sendcount, sendtype, recvbuf, recvcount, recvtype, root);
}

KR_WEAK_ALIAS(Igatherv)
int PMPI_Igatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                  const int recvcounts[], const int displs[], MPI_Datatype recvtype, int root,
                  MPI_Comm comm, MPI_Request *request)
{
    return kr_api_gatherv(KR_API_HOW("MPI_Igatherv", KR_API_NONBLOCKING, request), comm, sendbuf,
                          sendcount, sendtype, recvbuf, KR_API_INTS(recvcounts),
                          KR_API_INTS(displs), recvtype, root);
}

KR_WEAK_ALIAS(Igatherv_c)
int PMPI_Igatherv_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, void *recvbuf,
                    const MPI_Count recvcounts[], const MPI_Aint displs[], MPI_Datatype recvtype,
                    int root, MPI_Comm comm, MPI_Request *request)
{
    return kr_api_gatherv(KR_API_HOW("MPI_Igatherv_c", KR_API_NONBLOCKING, request), comm, sendbuf,
                          sendcount, sendtype, recvbuf, KR_API_INTS(recvcounts),
                          KR_API_INTS(displs), recvtype, root);
}

KR_WEAK_ALIAS(Iscatter)
int PMPI_Iscatter(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                  int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm,
                  MPI_Request *request)
{
    return kr_api_scatter(KR_API_HOW("MPI_Iscatter", KR_API_NONBLOCKING, request), comm, sendbuf,
                          sendcount, sendtype, recvbuf, recvcount, recvtype, root);
}

KR_WEAK_ALIAS(Iscatter_c)
int PMPI_Iscatter_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, void *recvbuf,
                    MPI_Count recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm,
                    MPI_Request *request)
{
    return kr_api_scatter(KR_API_HOW("MPI_Iscatter_c", KR_API_NONBLOCKING, request), comm, sendbuf,
                          sendcount, sendtype, recvbuf, recvcount, recvtype, root);
}

KR_WEAK_ALIAS(Iscatterv)
int PMPI_Iscatterv(const void *sendbuf, const int sendcounts[], const int displs[],
                   MPI_Datatype sendtype, void *recvbuf, int recvcount, MPI_Datatype recvtype,
                   int root, MPI_Comm comm, MPI_Request *request)
{
    return kr_api_scatterv(KR_API_HOW("MPI_Iscatterv", KR_API_NONBLOCKING, request), comm, sendbuf,
                           KR_API_INTS(sendcounts), KR_API_INTS(displs), sendtype, recvbuf,
                           recvcount, recvtype, root);
}

KR_WEAK_ALIAS(Iscatterv_c)
int PMPI_Iscatterv_c(const void *sendbuf, const MPI_Count sendcounts[], const MPI_Aint displs[],
                     MPI_Datatype sendtype, void *recvbuf, MPI_Count recvcount,
                     MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Request *request)
{
    return kr_api_scatterv(KR_API_HOW("MPI_Iscatterv_c", KR_API_NONBLOCKING, request), comm,
                           sendbuf, KR_API_INTS(sendcounts), KR_API_INTS(displs), sendtype, recvbuf,
                           recvcount, recvtype, root);
}

KR_WEAK_ALIAS(Iallgather)
int PMPI_Iallgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                    int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request)
{
    return kr_api_allgather(KR_API_HOW("MPI_Iallgather", KR_API_NONBLOCKING, request), comm,
                            sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype);
}

KR_WEAK_ALIAS(Iallgather_c)
int PMPI_Iallgather_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                      void *recvbuf, MPI_Count recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                      MPI_Request *request)
{
    return kr_api_allgather(KR_API_HOW("MPI_Iallgather_c", KR_API_NONBLOCKING, request), comm,
                            sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype);
}

KR_WEAK_ALIAS(Iallgatherv)
int PMPI_Iallgatherv(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                     const int recvcounts[], const int displs[], MPI_Datatype recvtype,
                     MPI_Comm comm, MPI_Request *request)
{
    return kr_api_allgatherv(KR_API_HOW("MPI_Iallgatherv", KR_API_NONBLOCKING, request), comm,
                             sendbuf, sendcount, sendtype, recvbuf, KR_API_INTS(recvcounts),
                             KR_API_INTS(displs), recvtype);
}

KR_WEAK_ALIAS(Iallgatherv_c)
int PMPI_Iallgatherv_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                       void *recvbuf, const MPI_Count recvcounts[], const MPI_Aint displs[],
                       MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request)
{
    return kr_api_allgatherv(KR_API_HOW("MPI_Iallgatherv_c", KR_API_NONBLOCKING, request), comm,
                             sendbuf, sendcount, sendtype, recvbuf, KR_API_INTS(recvcounts),
                             KR_API_INTS(displs), recvtype);
}

KR_WEAK_ALIAS(Ialltoall)
int PMPI_Ialltoall(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                   int recvcount, MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request)
{
    return kr_api_alltoall(KR_API_HOW("MPI_Ialltoall", KR_API_NONBLOCKING, request), comm, sendbuf,
                           sendcount, sendtype, recvbuf, recvcount, recvtype);
}

KR_WEAK_ALIAS(Ialltoall_c)
int PMPI_Ialltoall_c(const void *sendbuf, MPI_Count sendcount, MPI_Datatype sendtype, void *recvbuf,
                     MPI_Count recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                     MPI_Request *request)
{
    return kr_api_alltoall(KR_API_HOW("MPI_Ialltoall_c", KR_API_NONBLOCKING, request), comm,
                           sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype);
}

KR_WEAK_ALIAS(Ialltoallv)
int PMPI_Ialltoallv(const void *sendbuf, const int sendcounts[], const int sdispls[],
                    MPI_Datatype sendtype, void *recvbuf, const int recvcounts[],
                    const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm, MPI_Request *request)
{
    return kr_api_alltoallv(KR_API_HOW("MPI_Ialltoallv", KR_API_NONBLOCKING, request), comm,
                            sendbuf, KR_API_INTS(sendcounts), KR_API_INTS(sdispls), sendtype, NULL,
                            recvbuf, KR_API_INTS(recvcounts), KR_API_INTS(rdispls), recvtype, NULL);
}

KR_WEAK_ALIAS(Ialltoallv_c)
int PMPI_Ialltoallv_c(const void *sendbuf, const MPI_Count sendcounts[], const MPI_Aint sdispls[],
                      MPI_Datatype sendtype, void *recvbuf, const MPI_Count recvcounts[],
                      const MPI_Aint rdispls[], MPI_Datatype recvtype, MPI_Comm comm,
                      MPI_Request *request)
{
    return kr_api_alltoallv(KR_API_HOW("MPI_Ialltoallv_c", KR_API_NONBLOCKING, request), comm,
                            sendbuf, KR_API_INTS(sendcounts), KR_API_INTS(sdispls), sendtype, NULL,
                            recvbuf, KR_API_INTS(recvcounts), KR_API_INTS(rdispls), recvtype, NULL);
}

KR_WEAK_ALIAS(Ialltoallw)
int PMPI_Ialltoallw(const void *sendbuf, const int sendcounts[], const int sdispls[],
                    const MPI_Datatype sendtypes[], void *recvbuf, const int recvcounts[],
                    const int rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm,
                    MPI_Request *request)
{
    return kr_api_alltoallv(KR_API_HOW("MPI_Ialltoallw", KR_API_NONBLOCKING, request), comm,
                            sendbuf, KR_API_INTS(sendcounts), KR_API_INTS(sdispls),
                            MPI_DATATYPE_NULL, sendtypes, recvbuf, KR_API_INTS(recvcounts),
                            KR_API_INTS(rdispls), MPI_DATATYPE_NULL, recvtypes);
}

KR_WEAK_ALIAS(Ialltoallw_c)
int PMPI_Ialltoallw_c(const void *sendbuf, const MPI_Count sendcounts[], const MPI_Aint sdispls[],
                      const MPI_Datatype sendtypes[], void *recvbuf, const MPI_Count recvcounts[],
                      const MPI_Aint rdispls[], const MPI_Datatype recvtypes[], MPI_Comm comm,
                      MPI_Request *request)
{
    return kr_api_alltoallv(KR_API_HOW("MPI_Ialltoallw_c", KR_API_NONBLOCKING, request), comm,
                            sendbuf, KR_API_INTS(sendcounts), KR_API_INTS(sdispls),
                            MPI_DATATYPE_NULL, sendtypes, recvbuf, KR_API_INTS(recvcounts),
                            KR_API_INTS(rdispls), MPI_DATATYPE_NULL, recvtypes);
}

KR_WEAK_ALIAS(Ireduce)
int PMPI_Ireduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                 int root, MPI_Comm comm, MPI_Request *request)
{
    return kr_api_reduce(KR_API_HOW("MPI_Ireduce", KR_API_NONBLOCKING, request), comm, sendbuf,
                         recvbuf, count, datatype, op, root);
}

KR_WEAK_ALIAS(Ireduce_c)
int PMPI_Ireduce_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                   MPI_Op op, int root, MPI_Comm comm, MPI_Request *request)
{
    return kr_api_reduce(KR_API_HOW("MPI_Ireduce_c", KR_API_NONBLOCKING, request), comm, sendbuf,
                         recvbuf, count, datatype, op, root);
}

KR_WEAK_ALIAS(Iallreduce)
int PMPI_Iallreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                    MPI_Comm comm, MPI_Request *request)
{
    return kr_api_allreduce(KR_API_HOW("MPI_Iallreduce", KR_API_NONBLOCKING, request), comm,
                            sendbuf, recvbuf, count, datatype, op);
}

KR_WEAK_ALIAS(Iallreduce_c)
int PMPI_Iallreduce_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                      MPI_Op op, MPI_Comm comm, MPI_Request *request)
{
    return kr_api_allreduce(KR_API_HOW("MPI_Iallreduce_c", KR_API_NONBLOCKING, request), comm,
                            sendbuf, recvbuf, count, datatype, op);
}

KR_WEAK_ALIAS(Ireduce_scatter)
int PMPI_Ireduce_scatter(const void *sendbuf, void *recvbuf, const int recvcounts[],
                         MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Request *request)
{
    return kr_api_reduce_scatter(KR_API_HOW("MPI_Ireduce_scatter", KR_API_NONBLOCKING, request),
                                 comm, sendbuf, recvbuf, KR_API_INTS(recvcounts), 0, datatype, op);
}

KR_WEAK_ALIAS(Ireduce_scatter_c)
int PMPI_Ireduce_scatter_c(const void *sendbuf, void *recvbuf, const MPI_Count recvcounts[],
                           MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Request *request)
{
    return kr_api_reduce_scatter(KR_API_HOW("MPI_Ireduce_scatter_c", KR_API_NONBLOCKING, request),
                                 comm, sendbuf, recvbuf, KR_API_INTS(recvcounts), 0, datatype, op);
}

KR_WEAK_ALIAS(Ireduce_scatter_block)
int PMPI_Ireduce_scatter_block(const void *sendbuf, void *recvbuf, int recvcount,
                               MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                               MPI_Request *request)
{
    return kr_api_reduce_scatter(
        KR_API_HOW("MPI_Ireduce_scatter_block", KR_API_NONBLOCKING, request), comm, sendbuf,
        recvbuf, KR_API_NO_INTS, recvcount, datatype, op);
}

KR_WEAK_ALIAS(Ireduce_scatter_block_c)
int PMPI_Ireduce_scatter_block_c(const void *sendbuf, void *recvbuf, MPI_Count recvcount,
                                 MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                                 MPI_Request *request)
{
    return kr_api_reduce_scatter(
        KR_API_HOW("MPI_Ireduce_scatter_block_c", KR_API_NONBLOCKING, request), comm, sendbuf,
        recvbuf, KR_API_NO_INTS, recvcount, datatype, op);
}

KR_WEAK_ALIAS(Iscan)
int PMPI_Iscan(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
               MPI_Comm comm, MPI_Request *request)
{
    return kr_api_scan(KR_API_HOW("MPI_Iscan", KR_API_NONBLOCKING, request), comm, sendbuf, recvbuf,
                       count, datatype, op, false);
}

KR_WEAK_ALIAS(Iscan_c)
int PMPI_Iscan_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                 MPI_Op op, MPI_Comm comm, MPI_Request *request)
{
    return kr_api_scan(KR_API_HOW("MPI_Iscan_c", KR_API_NONBLOCKING, request), comm, sendbuf,
                       recvbuf, count, datatype, op, false);
}

KR_WEAK_ALIAS(Iexscan)
int PMPI_Iexscan(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op,
                 MPI_Comm comm, MPI_Request *request)
{
    return kr_api_scan(KR_API_HOW("MPI_Iexscan", KR_API_NONBLOCKING, request), comm, sendbuf,
                       recvbuf, count, datatype, op, true);
}

KR_WEAK_ALIAS(Iexscan_c)
int PMPI_Iexscan_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype datatype,
                   MPI_Op op, MPI_Comm comm, MPI_Request *request)
{
    return kr_api_scan(KR_API_HOW("MPI_Iexscan_c", KR_API_NONBLOCKING, request), comm, sendbuf,
                       recvbuf, count, datatype, op, true);
}

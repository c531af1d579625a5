/* Collective entry points: argument checks, MPI_IN_PLACE, then the algorithms in src/coll. */
#include "config.h"

#include "api.h"

#include "coll/coll.h"

/* Comm, count, datatype and buffer checks every collective shares. */
static int coll_args(const char *call, MPI_Comm h, const void *buf, MPI_Count count,
                     MPI_Datatype type, struct kr_comm **comm_out, struct kr_dt **dt_out)
{
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_comm(call, h, comm_out);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_count(call, *comm_out, count);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_coll_type(call, *comm_out, type, dt_out);
    }
    if (ret == MPI_SUCCESS && buf != MPI_IN_PLACE) {
        ret = kr_api_check_buf(call, *comm_out, buf, count, *dt_out);
    }
    return ret;
}

static int coll_done(struct kr_comm *comm, const char *call, int ret)
{
    return ret == 0 ? MPI_SUCCESS : kr_api_fail(comm, call, ret);
}

KR_WEAK_ALIAS(Barrier)
int PMPI_Barrier(MPI_Comm h)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Barrier");
    ret = kr_api_check_comm("MPI_Barrier", h, &comm);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    return coll_done(comm, "MPI_Barrier", kr_coll_barrier(comm));
}

KR_WEAK_ALIAS(Bcast)
int PMPI_Bcast(void *buf, int count, MPI_Datatype type, int root, MPI_Comm h)
{
    struct kr_comm *comm;
    struct kr_dt *dt;
    int ret;

    ret = coll_args("MPI_Bcast", h, buf, count, type, &comm, &dt);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_root("MPI_Bcast", comm, root);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    return coll_done(comm, "MPI_Bcast", kr_coll_bcast(comm, buf, kr_api_bytes(count, dt), root));
}

KR_WEAK_ALIAS(Reduce)
int PMPI_Reduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype type, MPI_Op oph,
                int root, MPI_Comm h)
{
    struct kr_comm *comm;
    struct kr_dt *dt;
    struct kr_op *op;
    int ret;

    ret = coll_args("MPI_Reduce", h, sendbuf, count, type, &comm, &dt);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_root("MPI_Reduce", comm, root);
    }
    if (ret == MPI_SUCCESS && comm->rank == root) {
        ret = kr_api_check_buf("MPI_Reduce", comm, recvbuf, count, dt);
    }
    if (ret == MPI_SUCCESS && sendbuf == MPI_IN_PLACE && comm->rank != root) {
        ret = kr_api_error(comm, MPI_ERR_BUFFER, "MPI_Reduce: MPI_IN_PLACE is only allowed on "
                           "the root (rank %d)", root);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_op("MPI_Reduce", comm, oph, dt, &op);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_coll_reduce(comm, sendbuf == MPI_IN_PLACE ? NULL : sendbuf, recvbuf,
                         (size_t) count, dt, op, root);
    return coll_done(comm, "MPI_Reduce", ret);
}

KR_WEAK_ALIAS(Allreduce)
int PMPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype type,
                   MPI_Op oph, MPI_Comm h)
{
    struct kr_comm *comm;
    struct kr_dt *dt;
    struct kr_op *op;
    int ret;

    ret = coll_args("MPI_Allreduce", h, sendbuf, count, type, &comm, &dt);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_buf("MPI_Allreduce", comm, recvbuf, count, dt);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_op("MPI_Allreduce", comm, oph, dt, &op);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_coll_allreduce(comm, sendbuf == MPI_IN_PLACE ? NULL : sendbuf, recvbuf,
                            (size_t) count, dt, op);
    return coll_done(comm, "MPI_Allreduce", ret);
}

/* Send and receive sides of Allgather/Alltoall must describe the same number of bytes. */
static int coll_pair_args(const char *call, MPI_Comm h, const void *sbuf, int scount,
                          MPI_Datatype stype, void *rbuf, int rcount, MPI_Datatype rtype,
                          struct kr_comm **comm_out, size_t *bytes_out)
{
    struct kr_dt *sdt, *rdt;
    int ret;

    ret = coll_args(call, h, rbuf, rcount, rtype, comm_out, &rdt);
    if (ret == MPI_SUCCESS && sbuf != MPI_IN_PLACE) {
        ret = coll_args(call, h, sbuf, scount, stype, comm_out, &sdt);
        if (ret == MPI_SUCCESS && kr_api_bytes(scount, sdt) != kr_api_bytes(rcount, rdt)) {
            ret = kr_api_error(*comm_out, MPI_ERR_TRUNCATE, "%s: the send side has %zu bytes "
                               "per rank but the receive side %zu", call,
                               kr_api_bytes(scount, sdt), kr_api_bytes(rcount, rdt));
        }
    }
    if (ret == MPI_SUCCESS) {
        *bytes_out = kr_api_bytes(rcount, rdt);
    }
    return ret;
}

KR_WEAK_ALIAS(Allgather)
int PMPI_Allgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                   int recvcount, MPI_Datatype recvtype, MPI_Comm h)
{
    struct kr_comm *comm;
    size_t bytes;
    int ret;

    ret = coll_pair_args("MPI_Allgather", h, sendbuf, sendcount, sendtype, recvbuf, recvcount,
                         recvtype, &comm, &bytes);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_coll_allgather(comm, sendbuf == MPI_IN_PLACE ? NULL : sendbuf, recvbuf, bytes);
    return coll_done(comm, "MPI_Allgather", ret);
}

KR_WEAK_ALIAS(Alltoall)
int PMPI_Alltoall(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf,
                  int recvcount, MPI_Datatype recvtype, MPI_Comm h)
{
    struct kr_comm *comm;
    size_t bytes;
    int ret;

    ret = coll_pair_args("MPI_Alltoall", h, sendbuf, sendcount, sendtype, recvbuf, recvcount,
                         recvtype, &comm, &bytes);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_coll_alltoall(comm, sendbuf == MPI_IN_PLACE ? NULL : sendbuf, recvbuf, bytes);
    return coll_done(comm, "MPI_Alltoall", ret);
}

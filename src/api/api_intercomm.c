/* Intercommunicator entry points: MPI_Intercomm_create, MPI_Intercomm_merge,
 * MPI_Comm_remote_size (MPI_Comm_remote_group is with the groups, MPI_Comm_test_inter with the
 * other queries). Point-to-point on an intercommunicator addresses the remote group; see
 * struct kr_comm. */
#include "config.h"

#include "api.h"

#include "api_comm_int.h"

#include <errno.h>

/* The arguments only the local leader uses: peer communicator, remote leader, tag. */
static int inter_leader_args(const char *call, struct kr_comm *local, MPI_Comm peer_h,
                             int remote_leader, int tag, struct kr_comm **peer_out)
{
    int ret = kr_api_check_comm(call, peer_h, peer_out);

    if (ret == MPI_SUCCESS
        && (remote_leader < 0 || remote_leader >= kr_comm_peer_size(*peer_out))) {
        ret = kr_api_error(local, MPI_ERR_RANK,
                           "%s: remote_leader %d is not in 0..%d (ranks "
                           "of peer_comm)",
                           call, remote_leader, kr_comm_peer_size(*peer_out) - 1);
    }
    if (ret == MPI_SUCCESS && kr_comm_job_rank(*peer_out, remote_leader) == kr_api.rank) {
        ret = kr_api_error(local, MPI_ERR_RANK,
                           "%s: remote_leader %d of peer_comm is this "
                           "process, which leads the local group",
                           call, remote_leader);
    }
    if (ret == MPI_SUCCESS && tag < 0) {
        ret = kr_api_error(local, MPI_ERR_TAG, "%s: tag %d is negative", call, tag);
    }
    return ret;
}

KR_WEAK_ALIAS(Intercomm_create)
int PMPI_Intercomm_create(MPI_Comm local_comm, int local_leader, MPI_Comm peer_comm,
                          int remote_leader, int tag, MPI_Comm *newintercomm)
{
    const char *call = "MPI_Intercomm_create";
    struct kr_comm *local, *peer = NULL, *c;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_intra(call, local_comm, &local);
    if (ret == MPI_SUCCESS && (local_leader < 0 || local_leader >= local->size)) {
        ret = kr_api_error(local, MPI_ERR_RANK, "%s: local_leader %d is not in 0..%d", call,
                           local_leader, local->size - 1);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr(call, newintercomm, "newintercomm");
    }
    /* peer_comm, remote_leader and tag are significant only at the local leader */
    if (ret == MPI_SUCCESS && local->rank == local_leader) {
        ret = inter_leader_args(call, local, peer_comm, remote_leader, tag, &peer);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_comm_intercomm_create(local, local_leader, peer, remote_leader, tag, &kr_api.ids, &c);
    if (ret == -EINVAL) {
        return kr_api_error(local, MPI_ERR_COMM,
                            "%s: the local and the remote group overlap "
                            "(they must be disjoint)",
                            call);
    }
    if (ret != 0) {
        return kr_api_fail(local, call, ret);
    }
    return kr_api_comm_adopt(call, local, c, NULL, false, newintercomm);
}

KR_WEAK_ALIAS(Intercomm_merge)
int PMPI_Intercomm_merge(MPI_Comm intercomm, int high, MPI_Comm *newintracomm)
{
    const char *call = "MPI_Intercomm_merge";
    struct kr_comm *inter, *c;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_comm(call, intercomm, &inter);
    if (ret == MPI_SUCCESS && !inter->inter) {
        ret = kr_api_error(inter, MPI_ERR_COMM,
                           "%s: the communicator is not an "
                           "intercommunicator",
                           call);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr(call, newintracomm, "newintracomm");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_comm_intercomm_merge(inter, high != 0, &kr_api.ids, &c);
    if (ret != 0) {
        return kr_api_fail(inter, call, ret);
    }
    return kr_api_comm_adopt(call, inter, c, NULL, false, newintracomm);
}

KR_WEAK_ALIAS(Comm_remote_size)
int PMPI_Comm_remote_size(MPI_Comm h, int *size)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Comm_remote_size");
    ret = kr_api_check_comm("MPI_Comm_remote_size", h, &comm);
    if (ret == MPI_SUCCESS && !comm->inter) {
        ret = kr_api_error(comm, MPI_ERR_COMM,
                           "MPI_Comm_remote_size: the communicator is not "
                           "an intercommunicator");
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Comm_remote_size", size, "size");
    }
    if (ret == MPI_SUCCESS) {
        *size = comm->remote_size;
    }
    return ret;
}

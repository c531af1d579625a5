/* Communicator entry points: size, rank, dup, split, free, names. */
#include "config.h"

#include "api.h"

#include <stdio.h>
#include <string.h>

KR_WEAK_ALIAS(Comm_size)
int PMPI_Comm_size(MPI_Comm h, int *size)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Comm_size");
    ret = kr_api_check_comm("MPI_Comm_size", h, &comm);
    if (ret == MPI_SUCCESS && size == NULL) {
        ret = kr_api_error(comm, MPI_ERR_ARG, "MPI_Comm_size: size is NULL");
    }
    if (ret == MPI_SUCCESS) {
        *size = comm->size;
    }
    return ret;
}

KR_WEAK_ALIAS(Comm_rank)
int PMPI_Comm_rank(MPI_Comm h, int *rank)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Comm_rank");
    ret = kr_api_check_comm("MPI_Comm_rank", h, &comm);
    if (ret == MPI_SUCCESS && rank == NULL) {
        ret = kr_api_error(comm, MPI_ERR_ARG, "MPI_Comm_rank: rank is NULL");
    }
    if (ret == MPI_SUCCESS) {
        *rank = comm->rank;
    }
    return ret;
}

/* A new communicator inherits its parent's error handler (and holds a reference to it). */
static void comm_inherit(struct kr_comm *parent, struct kr_comm *child)
{
    child->errh = parent->errh;
    kr_api_errh_retain(child->errh);
}

KR_WEAK_ALIAS(Comm_dup)
int PMPI_Comm_dup(MPI_Comm h, MPI_Comm *newcomm)
{
    struct kr_comm *comm, *c;
    int ret;

    kr_api_check_running("MPI_Comm_dup");
    ret = kr_api_check_comm("MPI_Comm_dup", h, &comm);
    if (ret == MPI_SUCCESS && newcomm == NULL) {
        ret = kr_api_error(comm, MPI_ERR_ARG, "MPI_Comm_dup: newcomm is NULL");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_comm_dup(comm, &kr_api.ids, &c);
    if (ret != 0) {
        return kr_api_fail(comm, "MPI_Comm_dup", ret);
    }
    comm_inherit(comm, c);
    *newcomm = kr_api_comm_handle(c);
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Comm_split)
int PMPI_Comm_split(MPI_Comm h, int color, int key, MPI_Comm *newcomm)
{
    struct kr_comm *comm, *c;
    int ret;

    kr_api_check_running("MPI_Comm_split");
    ret = kr_api_check_comm("MPI_Comm_split", h, &comm);
    if (ret == MPI_SUCCESS && newcomm == NULL) {
        ret = kr_api_error(comm, MPI_ERR_ARG, "MPI_Comm_split: newcomm is NULL");
    }
    if (ret == MPI_SUCCESS && color < 0 && color != MPI_UNDEFINED) {
        ret = kr_api_error(comm, MPI_ERR_ARG, "MPI_Comm_split: color %d is negative and not "
                           "MPI_UNDEFINED", color);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_comm_split(comm, &kr_api.ids, color == MPI_UNDEFINED ? -1 : color, key, &c);
    if (ret != 0) {
        return kr_api_fail(comm, "MPI_Comm_split", ret);
    }
    if (c == NULL) {
        *newcomm = MPI_COMM_NULL;
        return MPI_SUCCESS;
    }
    comm_inherit(comm, c);
    *newcomm = kr_api_comm_handle(c);
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Comm_free)
int PMPI_Comm_free(MPI_Comm *h)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Comm_free");
    if (h == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Comm_free: comm is NULL");
    }
    ret = kr_api_check_comm("MPI_Comm_free", *h, &comm);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (comm == kr_api.world || comm == kr_api.self) {
        return kr_api_error(comm, MPI_ERR_COMM, "MPI_Comm_free: %s cannot be freed",
                            comm == kr_api.world ? "MPI_COMM_WORLD" : "MPI_COMM_SELF");
    }
    kr_api_errh_release(comm->errh);
    kr_api_handle_forget(KR_API_H_COMM, comm);
    kr_comm_free(comm, &kr_api.ids);
    *h = MPI_COMM_NULL;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Comm_set_name)
int PMPI_Comm_set_name(MPI_Comm h, const char *name)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Comm_set_name");
    ret = kr_api_check_comm("MPI_Comm_set_name", h, &comm);
    if (ret == MPI_SUCCESS && name == NULL) {
        ret = kr_api_error(comm, MPI_ERR_ARG, "MPI_Comm_set_name: name is NULL");
    }
    if (ret == MPI_SUCCESS) {
        snprintf(comm->name, sizeof(comm->name), "%s", name);
    }
    return ret;
}

KR_WEAK_ALIAS(Comm_get_name)
int PMPI_Comm_get_name(MPI_Comm h, char *name, int *resultlen)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Comm_get_name");
    ret = kr_api_check_comm("MPI_Comm_get_name", h, &comm);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (name == NULL || resultlen == NULL) {
        return kr_api_error(comm, MPI_ERR_ARG, "MPI_Comm_get_name: %s is NULL",
                            name == NULL ? "comm_name" : "resultlen");
    }
    snprintf(name, MPI_MAX_OBJECT_NAME, "%s", comm->name);
    *resultlen = (int) strlen(name);
    return MPI_SUCCESS;
}

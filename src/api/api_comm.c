/* Communicator entry points: size, rank, dup, split, free, names; and what every call that
 * makes or frees a communicator does around the communicator layer (api_comm_int.h). */
#include "config.h"

#include "api.h"

#include "api_comm_int.h"

#include "util/attr.h"

#include <errno.h>
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

int kr_api_check_intra(const char *call, MPI_Comm h, struct kr_comm **comm_out)
{
    int ret = kr_api_check_comm(call, h, comm_out);

    if (ret == MPI_SUCCESS && (*comm_out)->inter) {
        ret = kr_api_error(*comm_out, MPI_ERR_COMM,
                           "%s: the communicator is an "
                           "intercommunicator; this call needs an intracommunicator",
                           call);
    }
    return ret;
}

/* The handler stays until the struct goes: a pending request still reports through it. */
static void api_comm_gone(struct kr_comm *c)
{
    kr_api_errh_release(c->errh);
}

void kr_api_comm_destroy(struct kr_comm *c)
{
    c->on_destroy = api_comm_gone;
    kr_api_info_free(c->info);
    c->info = NULL;
    kr_api_handle_forget(KR_API_H_COMM, c);
    kr_comm_free(c, &kr_api.ids);
}

int kr_api_comm_adopt(const char *call, struct kr_comm *parent, struct kr_comm *c,
                      const struct kr_api_info *info, bool dup, MPI_Comm *newcomm)
{
    struct kr_api_info *copy = NULL;
    int ret = MPI_SUCCESS;

    /* the new communicator holds a reference to its parent's handler */
    c->errh = parent->errh;
    kr_api_errh_retain(c->errh);
    c->session = parent->session; /* derived communicators stay in their session */
    if (info != NULL && kr_api_info_dup(info, &copy) != 0) {
        ret = MPI_ERR_NO_MEM;
    }
    c->info = copy;
    if (ret == MPI_SUCCESS && dup) {
        ret = kr_api_comm_attrs_copy(parent, c);
    }
    if (ret != MPI_SUCCESS) {
        kr_api_comm_destroy(c);
        *newcomm = MPI_COMM_NULL;
        return ret == MPI_ERR_NO_MEM
                   ? kr_api_error(parent, ret, "%s: out of memory", call)
                   : kr_api_error(parent, ret, "%s: an attribute copy callback returned error %d",
                                  call, ret);
    }
    *newcomm = kr_api_comm_handle(c);
    return MPI_SUCCESS;
}

int kr_api_comm_created(const char *call, struct kr_comm *parent, int ret, struct kr_comm *c,
                        const struct kr_api_info *info, MPI_Comm *newcomm)
{
    if (ret != 0) {
        return kr_api_fail(parent, call, ret);
    }
    if (c == NULL) {
        *newcomm = MPI_COMM_NULL;
        return MPI_SUCCESS;
    }
    return kr_api_comm_adopt(call, parent, c, info, false, newcomm);
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
    return kr_api_comm_adopt("MPI_Comm_dup", comm, c, comm->info, true, newcomm);
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
    color = color == MPI_UNDEFINED ? -1 : color;
    ret = comm->inter ? kr_comm_inter_split(comm, &kr_api.ids, color, key, &c)
                      : kr_comm_split(comm, &kr_api.ids, color, key, &c);
    if (ret != 0) {
        return kr_api_fail(comm, "MPI_Comm_split", ret);
    }
    if (c == NULL) {
        *newcomm = MPI_COMM_NULL;
        return MPI_SUCCESS;
    }
    return kr_api_comm_adopt("MPI_Comm_split", comm, c, NULL, false, newcomm);
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
    /* A delete callback that fails keeps the communicator (and its remaining attributes). */
    ret = kr_api_comm_attrs_delete(comm);
    if (ret != MPI_SUCCESS) {
        return kr_api_error(comm, ret,
                            "MPI_Comm_free: an attribute delete callback returned "
                            "error %d",
                            ret);
    }
    ret = kr_api_bsend_comm_free(comm, "MPI_Comm_free");
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    kr_api_comm_destroy(comm);
    *h = MPI_COMM_NULL;
    return MPI_SUCCESS;
}

void kr_api_comm_finalize(void)
{
    struct kr_comm *keep[2] = {kr_api.self, kr_api.world};

    /* MPI_COMM_SELF's attributes go first, as if it were freed; then MPI_COMM_WORLD's, so
     * that no delete callback is skipped. A failing callback is reported, but finalizing goes
     * on. */
    for (int i = 0; i < 2; i++) {
        int ret = kr_api_comm_attrs_delete(keep[i]);

        if (ret != MPI_SUCCESS) {
            kr_api_error(keep[i], ret,
                         "MPI_Finalize: an attribute delete callback of %s "
                         "returned error %d",
                         keep[i]->name, ret);
        }
        kr_api_info_free(keep[i]->info);
        keep[i]->info = NULL;
        kr_api_bsend_comm_free(keep[i], "MPI_Finalize"); /* reports its own failure */
    }
    kr_api_info_env_free();
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

/* More ways to make communicators: MPI_Comm_dup_with_info, MPI_Comm_idup(_with_info),
 * MPI_Comm_create, MPI_Comm_create_group, MPI_Comm_split_type; and the calls that look at one:
 * MPI_Comm_compare, MPI_Comm_test_inter, MPI_Comm_set_info, MPI_Comm_get_info. */
#include "config.h"

#include "api.h"

#include "api_comm_int.h"
#include "api_req_int.h"

#include "topo/topo.h"
#include "util/attr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Checks of the creation calls: a communicator (an intracommunicator when `intra`), and the
 * output pointer. */
static int create_args(const char *call, MPI_Comm h, bool intra, const void *newcomm,
                       struct kr_comm **comm_out)
{
    int ret;

    kr_api_check_running(call);
    ret = intra ? kr_api_check_intra(call, h, comm_out) : kr_api_check_comm(call, h, comm_out);
    if (ret == MPI_SUCCESS && newcomm == NULL) {
        ret = kr_api_error(*comm_out, MPI_ERR_ARG, "%s: newcomm is NULL", call);
    }
    return ret;
}

KR_WEAK_ALIAS(Comm_dup_with_info)
int PMPI_Comm_dup_with_info(MPI_Comm h, MPI_Info infoh, MPI_Comm *newcomm)
{
    struct kr_api_info *info;
    struct kr_comm *comm, *c;
    int ret;

    ret = create_args("MPI_Comm_dup_with_info", h, false, newcomm, &comm);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_info("MPI_Comm_dup_with_info", comm, infoh, true, &info);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_comm_dup(comm, &kr_api.ids, &c);
    if (ret != 0) {
        return kr_api_fail(comm, "MPI_Comm_dup_with_info", ret);
    }
    return kr_api_comm_adopt("MPI_Comm_dup_with_info", comm, c, info, true, newcomm);
}

/* ---- MPI_Comm_idup ------------------------------------------------------------------------ */

/* The idup request completed (inside progress). On failure the communicator stays unusable:
 * drop its hints and attributes (their delete callbacks are not run: the copies belong to a
 * communicator the program never had). It keeps its error handler, which reports the failure
 * (the request's owner is the new communicator, so the parent may be freed meanwhile). */
static void create_idup_done(struct kr_req *req)
{
    struct kr_comm *c = req->ext;

    req->ext = NULL;
    if (req->status.error != 0) {
        kr_api_info_free(c->info);
        c->info = NULL;
        kr_attr_list_destroy(&c->attrs);
    }
}

/* An intercommunicator is duplicated by the blocking dup, and the request is complete at
 * once. TODO(#4): a nonblocking agreement over two groups. */
static int create_idup_inter(const char *call, struct kr_comm *comm, const struct kr_api_info *info,
                             MPI_Comm *newcomm, MPI_Request *request)
{
    struct kr_req *req = kr_req_alloc(kr_api.pt);
    struct kr_comm *c;
    int ret;

    if (req == NULL) {
        return kr_api_error(comm, MPI_ERR_NO_MEM, "%s: out of memory", call);
    }
    ret = kr_comm_dup(comm, &kr_api.ids, &c);
    if (ret == 0) {
        ret = kr_api_comm_adopt(call, comm, c, info, true, newcomm);
    } else {
        ret = kr_api_fail(comm, call, ret);
    }
    if (ret != MPI_SUCCESS) {
        kr_req_release(kr_api.pt, req);
        return ret;
    }
    req->owner = comm;
    req->status = (struct kr_status){.source = MPI_ANY_SOURCE, .tag = MPI_ANY_TAG};
    req->done = 1;
    *request = (MPI_Request) (void *) req;
    return MPI_SUCCESS;
}

/* The new communicator of an idup gets what adoption gives (kr_api_comm_adopt), but now,
 * before its id is agreed: the handler, a copy of the hints, and the copy callbacks' results on
 * the attributes the parent has at the call. */
static int create_idup_adopt(struct kr_comm *comm, struct kr_comm *c,
                             const struct kr_api_info *info)
{
    struct kr_api_info *copy = NULL;

    c->errh = comm->errh;
    kr_api_errh_retain(c->errh);
    if (info != NULL && kr_api_info_dup(info, &copy) != 0) {
        return MPI_ERR_NO_MEM;
    }
    c->info = copy;
    return kr_api_comm_attrs_copy(comm, c);
}

static int create_idup(const char *call, MPI_Comm h, MPI_Info infoh, bool with_info,
                       MPI_Comm *newcomm, MPI_Request *request)
{
    struct kr_api_info *info = NULL;
    struct kr_comm *comm, *c;
    struct kr_req *req;
    const char *why;
    int ret;

    ret = create_args(call, h, false, newcomm, &comm);
    if (ret == MPI_SUCCESS && request == NULL) {
        ret = kr_api_error(comm, MPI_ERR_REQUEST, "%s: request pointer is NULL", call);
    }
    if (ret == MPI_SUCCESS && with_info) {
        ret = kr_api_check_info(call, comm, infoh, true, &info);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    info = with_info ? info : comm->info;
    if (comm->inter) {
        return create_idup_inter(call, comm, info, newcomm, request);
    }
    c = kr_comm_idup_new(comm);
    req = kr_req_alloc(kr_api.pt);
    ret = c == NULL || req == NULL ? MPI_ERR_NO_MEM : create_idup_adopt(comm, c, info);
    why = ret == MPI_ERR_NO_MEM ? "out of memory" : "an attribute copy callback failed";
    if (ret == MPI_SUCCESS) {
        req->owner = c;
        req->ext = c;
        req->done_cb = create_idup_done;
        ret = kr_comm_idup_start(comm, &kr_api.ids, c, req);
        why = ret == -ENOMEM ? "out of memory" : "the context id agreement could not start";
        ret = ret != 0 ? kr_api_errclass(ret) : MPI_SUCCESS;
    }
    if (ret != MPI_SUCCESS) {
        if (c != NULL) {
            kr_attr_list_destroy(&c->attrs);
            kr_api_errh_release(c->errh);
            kr_api_info_free(c->info);
            kr_comm_discard(c);
        }
        if (req != NULL) {
            kr_req_release(kr_api.pt, req);
        }
        return kr_api_error(comm, ret, "%s: %s (error %d)", call, why, ret);
    }
    *newcomm = (MPI_Comm) (void *) c;
    *request = (MPI_Request) (void *) req;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Comm_idup)
int PMPI_Comm_idup(MPI_Comm comm, MPI_Comm *newcomm, MPI_Request *request)
{
    return create_idup("MPI_Comm_idup", comm, MPI_INFO_NULL, false, newcomm, request);
}

KR_WEAK_ALIAS(Comm_idup_with_info)
int PMPI_Comm_idup_with_info(MPI_Comm comm, MPI_Info info, MPI_Comm *newcomm, MPI_Request *request)
{
    return create_idup("MPI_Comm_idup_with_info", comm, info, true, newcomm, request);
}

/* ---- from groups -------------------------------------------------------------------------- */

/* Every member of `g` must be a member of `comm`. */
static int create_check_subset(const char *call, struct kr_comm *comm, const struct kr_group *g)
{
    int *ranks = malloc(sizeof(int) * (size_t) comm->size);
    struct kr_group *cg = NULL;
    struct kr_group *outside = NULL;
    int ret = MPI_SUCCESS;

    for (int i = 0; ranks != NULL && i < comm->size; i++) {
        ranks[i] = kr_comm_member(comm, i);
    }
    cg = ranks != NULL ? kr_group_create(ranks, comm->size) : NULL;
    outside = cg != NULL ? kr_group_difference(g, cg) : NULL;

    if (outside == NULL) {
        ret = kr_api_error(comm, MPI_ERR_NO_MEM, "%s: out of memory", call);
    } else if (outside->size > 0) {
        ret = kr_api_error(comm, MPI_ERR_GROUP,
                           "%s: the group has %d process(es) that are not "
                           "in the communicator (the first is process %d of MPI_COMM_WORLD)",
                           call, outside->size, outside->ranks[0]);
    }
    if (outside != NULL) {
        kr_group_release(outside);
    }
    if (cg != NULL) {
        kr_group_release(cg);
    }
    free(ranks);
    return ret;
}

KR_WEAK_ALIAS(Comm_create)
int PMPI_Comm_create(MPI_Comm h, MPI_Group group, MPI_Comm *newcomm)
{
    struct kr_comm *comm, *c = NULL;
    struct kr_group *g;
    int ret;

    ret = create_args("MPI_Comm_create", h, false, newcomm, &comm);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_group("MPI_Comm_create", comm, group, &g);
    }
    if (ret == MPI_SUCCESS) {
        ret = create_check_subset("MPI_Comm_create", comm, g);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = comm->inter ? kr_comm_inter_create(comm, &kr_api.ids, g->ranks, g->size, &c)
                      : kr_comm_create(comm, &kr_api.ids, g->ranks, g->size, &c);
    return kr_api_comm_created("MPI_Comm_create", comm, ret, c, NULL, newcomm);
}

KR_WEAK_ALIAS(Comm_create_group)
int PMPI_Comm_create_group(MPI_Comm h, MPI_Group group, int tag, MPI_Comm *newcomm)
{
    struct kr_comm *comm, *c = NULL;
    struct kr_group *g;
    int ret;

    ret = create_args("MPI_Comm_create_group", h, true, newcomm, &comm);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_group("MPI_Comm_create_group", comm, group, &g);
    }
    if (ret == MPI_SUCCESS && tag < 0) {
        ret = kr_api_error(comm, MPI_ERR_TAG, "MPI_Comm_create_group: tag %d is negative", tag);
    }
    if (ret == MPI_SUCCESS) {
        ret = create_check_subset("MPI_Comm_create_group", comm, g);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_comm_create_group(comm, &kr_api.ids, g->ranks, g->size, tag, &c);
    return kr_api_comm_created("MPI_Comm_create_group", comm, ret, c, NULL, newcomm);
}

/* ---- MPI_Comm_split_type ------------------------------------------------------------------- */

/*
 * The split types. Every member computes its own color from what it knows locally: its host
 * (the launcher's layout) and, for hardware resources, the object of that type that contains
 * its CPU binding in this host's topology (loaded on first use, from the launcher's XML). The
 * split itself then groups equal colors, so no exchange of cpusets is needed. A process whose
 * binding spans several objects of the type (an unbound one) gets the whole host.
 * - MPI_COMM_TYPE_SHARED: the ranks of this host (they share memory);
 * - MPI_COMM_TYPE_HW_GUIDED and MPI_COMM_TYPE_RESOURCE_GUIDED: the resource named by the info
 *   key "mpi_hw_resource_type" (hwloc names and aliases, kr_topo_res_parse; the standard's
 *   "mpi_shared_memory" is the host); an unknown name gives MPI_COMM_NULL;
 * - MPI_COMM_TYPE_HW_UNGUIDED: the largest resource, from the host down to the hardware thread,
 *   that strictly subdivides comm; MPI_COMM_NULL when none does.
 * Every member takes part in the split, also those that get MPI_COMM_NULL. As MPI-4.1 asks, the
 * new communicator's info says which resource it is: "mpi_hw_resource_type" is the hwloc name
 * of the one an unguided split chose, and the value given for a guided one.
 */
static int create_res_color(enum kr_topo_res res, int *color_out)
{
    int node = kr_boot_job(kr_api.boot)->node, idx = -1;

    /* Without a topology (logged where it failed) the process counts as unbound: failing here
     * alone would leave the other members waiting in the split. */
    if (res != KR_TOPO_RES_HOST && kr_topo_self_index(res, &idx) != 0) {
        idx = -1;
    }
    /* node and index in one non-negative int: 2^15 hosts x 2^16 objects */
    *color_out = node * 65536 + (idx >= 0 ? idx % 65535 + 1 : 0);
    return MPI_SUCCESS;
}

static int create_split_color(const char *call, struct kr_comm *comm, int split_type,
                              const struct kr_api_info *info, int *color_out)
{
    const char *name = kr_api_info_get(info, "mpi_hw_resource_type");
    int res;

    switch (split_type) {
    case MPI_UNDEFINED: *color_out = -1; break;
    case MPI_COMM_TYPE_SHARED:
    case MPI_COMM_TYPE_HW_UNGUIDED:
        return create_res_color(KR_TOPO_RES_HOST, color_out);
    case MPI_COMM_TYPE_HW_GUIDED:
    case MPI_COMM_TYPE_RESOURCE_GUIDED:
        res = name != NULL ? kr_topo_res_parse(name) : -1;
        if (res < 0) {
            *color_out = -1;
            break;
        }
        return create_res_color((enum kr_topo_res) res, color_out);
    default:
        return kr_api_error(comm, MPI_ERR_ARG,
                            "%s: split_type %d is not MPI_UNDEFINED or an "
                            "MPI_COMM_TYPE_* value",
                            call, split_type);
    }
    return MPI_SUCCESS;
}

/* HW_UNGUIDED: split by each resource in turn until the result is a strict subset. Each split
 * either leaves one group of comm's size (seen alike by every member, so all go on) or only
 * smaller groups (all stop). */
static int create_split_unguided(struct kr_comm *comm, int key, struct kr_comm **c_out,
                                 int *res_out)
{
    struct kr_comm *c = NULL;
    int color, ret;

    for (int res = KR_TOPO_RES_HOST; res < KR_TOPO_RES_COUNT; res++) {
        ret = create_res_color((enum kr_topo_res) res, &color);
        if (ret != MPI_SUCCESS) {
            return ret;
        }
        ret = kr_comm_split(comm, &kr_api.ids, color, key, &c);
        if (ret != 0) {
            return ret;
        }
        if (c != NULL && c->size < comm->size) {
            *c_out = c;
            *res_out = res;
            return 0;
        }
        if (c != NULL) {
            kr_comm_free(c, &kr_api.ids);
            c = NULL;
        }
    }
    *c_out = NULL;
    return 0;
}

KR_WEAK_ALIAS(Comm_split_type)
int PMPI_Comm_split_type(MPI_Comm h, int split_type, int key, MPI_Info infoh, MPI_Comm *newcomm)
{
    const char *call = "MPI_Comm_split_type";
    struct kr_api_info *info = NULL;
    struct kr_comm *comm, *c = NULL;
    int color = -1, res = -1, ret;

    ret = create_args(call, h, true, newcomm, &comm);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_info(call, comm, infoh, true, &info);
    }
    if (ret == MPI_SUCCESS && split_type != MPI_COMM_TYPE_HW_UNGUIDED) {
        ret = create_split_color(call, comm, split_type, info, &color);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (split_type == MPI_COMM_TYPE_HW_UNGUIDED) {
        ret = create_split_unguided(comm, key, &c, &res);
    } else {
        ret = kr_comm_split(comm, &kr_api.ids, color, key, &c);
    }
    ret = kr_api_comm_created(call, comm, ret, c, info, newcomm);
    if (ret == MPI_SUCCESS && c != NULL
        && (split_type == MPI_COMM_TYPE_HW_GUIDED || split_type == MPI_COMM_TYPE_HW_UNGUIDED)) {
        const char *name = res >= 0 ? kr_topo_res_name((enum kr_topo_res) res)
                                    : kr_api_info_get(info, "mpi_hw_resource_type");
        struct kr_api_info *ci = c->info;

        ret = kr_api_info_set(&ci, "mpi_hw_resource_type", name);
        c->info = ci;
        if (ret != 0) {
            kr_api_comm_destroy(c);
            *newcomm = MPI_COMM_NULL;
            return kr_api_error(comm, MPI_ERR_NO_MEM, "%s: out of memory", call);
        }
    }
    return ret;
}

/* ---- looking at communicators -----------------------------------------------------------------
 */

KR_WEAK_ALIAS(Comm_compare)
int PMPI_Comm_compare(MPI_Comm comm1, MPI_Comm comm2, int *result)
{
    struct kr_comm *a, *b;
    int ret;

    kr_api_check_running("MPI_Comm_compare");
    ret = kr_api_check_comm("MPI_Comm_compare", comm1, &a);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_comm("MPI_Comm_compare", comm2, &b);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Comm_compare", result, "result");
    }
    if (ret == MPI_SUCCESS) {
        *result = MPI_IDENT + (int) kr_comm_compare(a, b);
    }
    return ret;
}

KR_WEAK_ALIAS(Comm_test_inter)
int PMPI_Comm_test_inter(MPI_Comm h, int *flag)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Comm_test_inter");
    ret = kr_api_check_comm("MPI_Comm_test_inter", h, &comm);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Comm_test_inter", flag, "flag");
    }
    if (ret == MPI_SUCCESS) {
        *flag = comm->inter;
    }
    return ret;
}

/* Every hint set is kept and given back by MPI_Comm_get_info: none changes what Kurir does
 * yet, and the standard lets an implementation return the hints it was given. */
KR_WEAK_ALIAS(Comm_set_info)
int PMPI_Comm_set_info(MPI_Comm h, MPI_Info infoh)
{
    struct kr_api_info *info, *copy;
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Comm_set_info");
    ret = kr_api_check_comm("MPI_Comm_set_info", h, &comm);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_info("MPI_Comm_set_info", comm, infoh, false, &info);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (kr_api_info_dup(info, &copy) != 0) {
        return kr_api_error(comm, MPI_ERR_NO_MEM, "MPI_Comm_set_info: out of memory");
    }
    kr_api_info_free(comm->info);
    comm->info = copy;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Comm_get_info)
int PMPI_Comm_get_info(MPI_Comm h, MPI_Info *info_used)
{
    struct kr_api_info *copy;
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Comm_get_info");
    ret = kr_api_check_comm("MPI_Comm_get_info", h, &comm);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Comm_get_info", info_used, "info_used");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (kr_api_info_dup(comm->info, &copy) != 0) {
        return kr_api_error(comm, MPI_ERR_NO_MEM, "MPI_Comm_get_info: out of memory");
    }
    *info_used = (MPI_Info) (void *) copy;
    return MPI_SUCCESS;
}

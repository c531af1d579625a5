/* Communicators without a parent (MPI_Comm_create_from_group, MPI_Intercomm_create_from_groups).
 * Kurir builds them on its internal world communicator, which exists whether or not MPI_Init
 * was called: only the group's members take part (kr_comm_create_group), and they find each
 * other's messages by a tag derived from the string tag and the group. Two disjoint groups
 * never exchange a message, so they may create at once whatever their tags; overlapping groups
 * must create in the same order, as the standard asks. */
#include "config.h"

#include "api.h"
#include "api_comm_int.h"

#include <errno.h>
#include <string.h>

/* FNV-1a over the string tag, then the members: a tag (>= 0) that only the same call on the
 * same group gives. */
static int sc_tag(const char *stringtag, const struct kr_group *g)
{
    uint32_t h = 2166136261u;

    for (const unsigned char *p = (const unsigned char *) stringtag; *p != '\0'; p++) {
        h = (h ^ *p) * 16777619u;
    }
    for (int i = 0; g != NULL && i < g->size; i++) {
        h = (h ^ (uint32_t) g->ranks[i]) * 16777619u;
    }
    return (int) (h & 0x3fffffffu);
}

/* Position of this process in `g`, or -1. */
static int sc_my_index(const struct kr_group *g)
{
    for (int i = 0; i < g->size; i++) {
        if (g->ranks[i] == kr_api.rank) {
            return i;
        }
    }
    return -1;
}

/* A handler for a new communicator: predefined or made by MPI_Comm_create_errhandler. */
static bool sc_errh_ok(MPI_Errhandler eh)
{
    struct kr_errh *user = kr_api_errh(eh);

    return eh == MPI_ERRORS_ARE_FATAL || eh == MPI_ERRORS_RETURN || eh == MPI_ERRORS_ABORT
           || (user != NULL && user->kind == KR_ERRH_COMM);
}

/* Arguments every creation call checks; errors go to `eh` when it is usable. */
static int sc_args(const char *call, MPI_Group h, const char *stringtag, MPI_Info info,
                   MPI_Errhandler eh, const void *out, struct kr_group **g_out)
{
    MPI_Errhandler rep = sc_errh_ok(eh) ? eh : MPI_ERRORS_ARE_FATAL;
    struct kr_group *g;

    kr_api_check_running(call);
    if (!sc_errh_ok(eh)) {
        return kr_api_error(NULL, MPI_ERR_ERRHANDLER,
                            "%s: errhandler is neither predefined "
                            "nor made by MPI_Comm_create_errhandler",
                            call);
    }
    g = kr_api_group(h);
    if (g == NULL || g->size == 0) {
        return kr_api_session_error(MPI_SESSION_NULL, rep, MPI_ERR_GROUP, "%s: %s", call,
                                    g == NULL ? "group is not a valid group" : "group is empty");
    }
    if (sc_my_index(g) < 0) {
        return kr_api_session_error(MPI_SESSION_NULL, rep, MPI_ERR_GROUP,
                                    "%s: the calling "
                                    "process is not in group",
                                    call);
    }
    if (stringtag == NULL || out == NULL) {
        return kr_api_session_error(MPI_SESSION_NULL, rep, MPI_ERR_ARG, "%s: %s is NULL", call,
                                    stringtag == NULL ? "stringtag" : "the output handle");
    }
    if (info != MPI_INFO_NULL && kr_api_info(info) == NULL) {
        return kr_api_session_error(MPI_SESSION_NULL, rep, MPI_ERR_INFO,
                                    "%s: info is not a "
                                    "valid info object",
                                    call);
    }
    *g_out = g;
    return MPI_SUCCESS;
}

/* The new communicator `c` becomes the program's, with handler `eh` and hints `info`, in the
 * session of group `g`. */
static int sc_adopt(const char *call, struct kr_comm *c, const struct kr_group *g, MPI_Info info,
                    MPI_Errhandler eh, MPI_Comm *newcomm)
{
    struct kr_comm *nc;
    int ret;

    ret = kr_api_comm_created(call, kr_api.world, 0, c,
                              info != MPI_INFO_NULL ? kr_api_info(info) : NULL, newcomm);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    nc = kr_api_comm(*newcomm);
    kr_api_errh_retain(eh);
    kr_api_errh_release(nc->errh);
    nc->errh = eh;
    nc->session = g->session;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Comm_create_from_group)
int PMPI_Comm_create_from_group(MPI_Group group, const char *stringtag, MPI_Info info,
                                MPI_Errhandler errhandler, MPI_Comm *newcomm)
{
    const char *call = "MPI_Comm_create_from_group";
    struct kr_comm *c = NULL;
    struct kr_group *g;
    int ret;

    ret = sc_args(call, group, stringtag, info, errhandler, newcomm, &g);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_comm_create_group(kr_api.world, &kr_api.ids, g->ranks, g->size, sc_tag(stringtag, g),
                               &c);
    if (ret != 0) {
        return kr_api_session_error(MPI_SESSION_NULL, errhandler, kr_api_errclass(ret),
                                    "%s: the members could not agree on a communicator", call);
    }
    return sc_adopt(call, c, g, info, errhandler, newcomm);
}

KR_WEAK_ALIAS(Intercomm_create_from_groups)
int PMPI_Intercomm_create_from_groups(MPI_Group local_group, int local_leader,
                                      MPI_Group remote_group, int remote_leader,
                                      const char *stringtag, MPI_Info info,
                                      MPI_Errhandler errhandler, MPI_Comm *newintercomm)
{
    const char *call = "MPI_Intercomm_create_from_groups";
    struct kr_comm *local = NULL, *c = NULL;
    struct kr_group *g, *rg = kr_api_group(remote_group);
    int ret;

    ret = sc_args(call, local_group, stringtag, info, errhandler, newintercomm, &g);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (rg == NULL || local_leader < 0 || local_leader >= g->size || remote_leader < 0
        || remote_leader >= rg->size) {
        return kr_api_session_error(MPI_SESSION_NULL, errhandler,
                                    rg == NULL ? MPI_ERR_GROUP : MPI_ERR_RANK, "%s: %s", call,
                                    rg == NULL ? "remote_group is not a valid group"
                                               : "a leader is not a rank of its group");
    }
    /* the local group's own communicator first (its tag names the local group), then the
     * leaders meet over the world with a tag both sides derive from the string tag alone */
    ret = kr_comm_create_group(kr_api.world, &kr_api.ids, g->ranks, g->size, sc_tag(stringtag, g),
                               &local);
    if (ret == 0) {
        ret = kr_comm_intercomm_create(local, local_leader, kr_api.world, rg->ranks[remote_leader],
                                       sc_tag(stringtag, NULL), &kr_api.ids, &c);
        kr_comm_free(local, &kr_api.ids);
    }
    if (ret != 0) {
        return kr_api_session_error(
            MPI_SESSION_NULL, errhandler, ret == -EINVAL ? MPI_ERR_GROUP : kr_api_errclass(ret),
            "%s: %s", call,
            ret == -EINVAL ? "the local and the remote group overlap"
                           : "the groups could not agree on a communicator");
    }
    return sc_adopt(call, c, g, info, errhandler, newintercomm);
}

/* Group entry points: MPI_Group_size, rank, incl, excl, range_incl, range_excl, union,
 * intersection, difference, translate_ranks, compare, free, and MPI_Comm_group /
 * MPI_Comm_remote_group. A group handle is the address of a struct kr_group; MPI_GROUP_EMPTY
 * (the ABI constant) stands for a static empty group, and every empty result is handed out as
 * MPI_GROUP_EMPTY, which MPI_Group_free accepts like any other group. */
#include "config.h"

#include "api.h"

#include "api_comm_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

_Static_assert(KR_GROUP_UNDEFINED == MPI_UNDEFINED, "a non-member's rank is MPI_UNDEFINED");
_Static_assert(KR_PROC_NULL == MPI_PROC_NULL, "the communicator layer's MPI_PROC_NULL");
_Static_assert(KR_COMM_IDENT == MPI_IDENT - MPI_IDENT
                   && KR_COMM_CONGRUENT == MPI_CONGRUENT - MPI_IDENT
                   && KR_COMM_SIMILAR == MPI_SIMILAR - MPI_IDENT
                   && KR_COMM_UNEQUAL == MPI_UNEQUAL - MPI_IDENT,
               "comparison results map to MPI_IDENT.. by an offset");

static struct kr_group api_group_empty = {.magic = KR_GROUP_MAGIC, .refs = 1, .size = 0};

struct kr_group *kr_api_group(MPI_Group h)
{
    struct kr_group *g = (struct kr_group *) (void *) h;

    if (h == MPI_GROUP_EMPTY) {
        return &api_group_empty;
    }
    if ((uintptr_t) h < KR_HANDLE_USER_MIN || g->magic != KR_GROUP_MAGIC) {
        return NULL;
    }
    return g;
}

int kr_api_check_group(const char *call, struct kr_comm *comm, MPI_Group h,
                       struct kr_group **group_out)
{
    struct kr_group *g = kr_api_group(h);

    if (g == NULL) {
        return kr_api_error(comm, MPI_ERR_GROUP, "%s: %s is not a valid group", call,
                            h == MPI_GROUP_NULL ? "MPI_GROUP_NULL" : "the group argument");
    }
    *group_out = g;
    return MPI_SUCCESS;
}

/* Hand a new group to the user: an empty one is MPI_GROUP_EMPTY. */
static int group_out(const char *call, struct kr_group *g, MPI_Group *newgroup)
{
    if (g == NULL) {
        return kr_api_error(NULL, MPI_ERR_NO_MEM, "%s: out of memory", call);
    }
    if (g->size == 0) {
        kr_group_release(g);
        *newgroup = MPI_GROUP_EMPTY;
    } else {
        *newgroup = (MPI_Group) (void *) g;
    }
    return MPI_SUCCESS;
}

/* Group handle argument, and an output pointer that must not be NULL. */
static int group_args(const char *call, MPI_Group h, struct kr_group **g_out, const void *out,
                      const char *out_name)
{
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_group(call, NULL, h, g_out);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr(call, out, out_name);
    }
    return ret;
}

KR_WEAK_ALIAS(Group_size)
int PMPI_Group_size(MPI_Group group, int *size)
{
    struct kr_group *g = NULL;
    int ret = group_args("MPI_Group_size", group, &g, size, "size");

    if (ret == MPI_SUCCESS) {
        *size = g->size;
    }
    return ret;
}

KR_WEAK_ALIAS(Group_rank)
int PMPI_Group_rank(MPI_Group group, int *rank)
{
    struct kr_group *g = NULL;
    int ret = group_args("MPI_Group_rank", group, &g, rank, "rank");

    if (ret == MPI_SUCCESS) {
        *rank = kr_group_rank_of(g, kr_api.rank);
    }
    return ret;
}

/* n ranks of g, each valid and all distinct (incl/excl). */
static int group_check_ranks(const char *call, const struct kr_group *g, int n, const int *ranks)
{
    bool *seen;
    int ret = MPI_SUCCESS;

    if (n < 0 || n > g->size) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: n %d is not in 0..%d (the group size)", call, n,
                            g->size);
    }
    if (n > 0 && ranks == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: ranks is NULL", call);
    }
    seen = calloc((size_t) (g->size > 0 ? g->size : 1), sizeof(bool));
    if (seen == NULL) {
        return kr_api_error(NULL, MPI_ERR_NO_MEM, "%s: out of memory", call);
    }
    for (int i = 0; i < n && ret == MPI_SUCCESS; i++) {
        if (ranks[i] < 0 || ranks[i] >= g->size) {
            ret = kr_api_error(NULL, MPI_ERR_RANK, "%s: ranks[%d] = %d is not in 0..%d", call, i,
                               ranks[i], g->size - 1);
        } else if (seen[ranks[i]]) {
            ret = kr_api_error(NULL, MPI_ERR_RANK, "%s: rank %d appears twice in ranks", call,
                               ranks[i]);
        } else {
            seen[ranks[i]] = true;
        }
    }
    free(seen);
    return ret;
}

static int group_incl_excl(const char *call, MPI_Group group, int n, const int ranks[],
                           MPI_Group *newgroup, bool excl)
{
    struct kr_group *g = NULL;
    int ret = group_args(call, group, &g, newgroup, "newgroup");

    if (ret == MPI_SUCCESS) {
        ret = group_check_ranks(call, g, n, ranks);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    return group_out(call, excl ? kr_group_excl(g, ranks, n) : kr_group_incl(g, ranks, n),
                     newgroup);
}

KR_WEAK_ALIAS(Group_incl)
int PMPI_Group_incl(MPI_Group group, int n, const int ranks[], MPI_Group *newgroup)
{
    return group_incl_excl("MPI_Group_incl", group, n, ranks, newgroup, false);
}

KR_WEAK_ALIAS(Group_excl)
int PMPI_Group_excl(MPI_Group group, int n, const int ranks[], MPI_Group *newgroup)
{
    return group_incl_excl("MPI_Group_excl", group, n, ranks, newgroup, true);
}

/* How many ranks the triplet (first, last, stride) names: first, first + stride, ... up to
 * last; none when last lies behind first in the stride's direction. */
static int group_range_len(int first, int last, int stride)
{
    if ((stride > 0 && first > last) || (stride < 0 && first < last)) {
        return 0;
    }
    return (last - first) / stride + 1;
}

/* The ranks n triplets (first, last, stride) name, in order, into *ranks_out (malloc'ed) and
 * *count_out; each first and last must be a rank of g and stride non-zero. Distinctness is
 * checked by the caller. */
static int group_ranges(const char *call, const struct kr_group *g, int n, int ranges[][3],
                        int **ranks_out, int *count_out)
{
    long long total = 0;
    int *ranks, k = 0;

    if (n < 0 || (n > 0 && ranges == NULL)) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: %s", call,
                            n < 0 ? "n is negative" : "ranges is NULL");
    }
    for (int i = 0; i < n; i++) {
        int first = ranges[i][0], last = ranges[i][1], stride = ranges[i][2];

        if (stride == 0 || first < 0 || first >= g->size || last < 0 || last >= g->size) {
            return kr_api_error(NULL, stride == 0 ? MPI_ERR_ARG : MPI_ERR_RANK,
                                "%s: range %d (%d, %d, %d) %s", call, i, first, last, stride,
                                stride == 0 ? "has stride 0" : "names a rank outside the group");
        }
        total += group_range_len(first, last, stride);
        if (total > g->size) {
            return kr_api_error(NULL, MPI_ERR_RANK,
                                "%s: the ranges name more ranks than the "
                                "group has (%d), so some twice",
                                call, g->size);
        }
    }
    ranks = malloc(sizeof(int) * (size_t) (total > 0 ? total : 1));
    if (ranks == NULL) {
        return kr_api_error(NULL, MPI_ERR_NO_MEM, "%s: out of memory", call);
    }
    for (int i = 0; i < n; i++) {
        int first = ranges[i][0], last = ranges[i][1], stride = ranges[i][2];

        for (int j = 0; j < group_range_len(first, last, stride); j++) {
            ranks[k++] = first + j * stride;
        }
    }
    *ranks_out = ranks;
    *count_out = k;
    return MPI_SUCCESS;
}

static int group_range_incl_excl(const char *call, MPI_Group group, int n, int ranges[][3],
                                 MPI_Group *newgroup, bool excl)
{
    struct kr_group *g = NULL;
    int *ranks = NULL, count = 0, ret = group_args(call, group, &g, newgroup, "newgroup");

    if (ret == MPI_SUCCESS) {
        ret = group_ranges(call, g, n, ranges, &ranks, &count);
    }
    if (ret == MPI_SUCCESS) {
        ret = group_check_ranks(call, g, count, ranks);
    }
    if (ret == MPI_SUCCESS) {
        ret = group_out(
            call, excl ? kr_group_excl(g, ranks, count) : kr_group_incl(g, ranks, count), newgroup);
    }
    free(ranks);
    return ret;
}

KR_WEAK_ALIAS(Group_range_incl)
int PMPI_Group_range_incl(MPI_Group group, int n, int ranges[][3], MPI_Group *newgroup)
{
    return group_range_incl_excl("MPI_Group_range_incl", group, n, ranges, newgroup, false);
}

KR_WEAK_ALIAS(Group_range_excl)
int PMPI_Group_range_excl(MPI_Group group, int n, int ranges[][3], MPI_Group *newgroup)
{
    return group_range_incl_excl("MPI_Group_range_excl", group, n, ranges, newgroup, true);
}

enum group_setop { GROUP_UNION, GROUP_INTERSECTION, GROUP_DIFFERENCE };

static int group_setop(const char *call, MPI_Group group1, MPI_Group group2, MPI_Group *newgroup,
                       enum group_setop op)
{
    struct kr_group *a = NULL, *b = NULL, *ng;
    int ret = group_args(call, group1, &a, newgroup, "newgroup");

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_group(call, NULL, group2, &b);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    switch (op) {
    case GROUP_UNION: ng = kr_group_union(a, b); break;
    case GROUP_INTERSECTION: ng = kr_group_intersection(a, b); break;
    default: ng = kr_group_difference(a, b); break;
    }
    return group_out(call, ng, newgroup);
}

KR_WEAK_ALIAS(Group_union)
int PMPI_Group_union(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup)
{
    return group_setop("MPI_Group_union", group1, group2, newgroup, GROUP_UNION);
}

KR_WEAK_ALIAS(Group_intersection)
int PMPI_Group_intersection(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup)
{
    return group_setop("MPI_Group_intersection", group1, group2, newgroup, GROUP_INTERSECTION);
}

KR_WEAK_ALIAS(Group_difference)
int PMPI_Group_difference(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup)
{
    return group_setop("MPI_Group_difference", group1, group2, newgroup, GROUP_DIFFERENCE);
}

KR_WEAK_ALIAS(Group_translate_ranks)
int PMPI_Group_translate_ranks(MPI_Group group1, int n, const int ranks1[], MPI_Group group2,
                               int ranks2[])
{
    const char *call = "MPI_Group_translate_ranks";
    struct kr_group *a = NULL, *b = NULL;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_group(call, NULL, group1, &a);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_group(call, NULL, group2, &b);
    }
    if (ret == MPI_SUCCESS && (n < 0 || (n > 0 && (ranks1 == NULL || ranks2 == NULL)))) {
        ret = kr_api_error(NULL, MPI_ERR_ARG, "%s: %s", call,
                           n < 0 ? "n is negative" : "ranks1 or ranks2 is NULL");
    }
    for (int i = 0; ret == MPI_SUCCESS && i < n; i++) {
        if (ranks1[i] != MPI_PROC_NULL && (ranks1[i] < 0 || ranks1[i] >= a->size)) {
            ret = kr_api_error(NULL, MPI_ERR_RANK,
                               "%s: ranks1[%d] = %d is not in 0..%d or "
                               "MPI_PROC_NULL",
                               call, i, ranks1[i], a->size - 1);
        }
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (kr_group_translate(a, ranks1, n, b, ranks2) != 0) {
        return kr_api_error(NULL, MPI_ERR_NO_MEM, "%s: out of memory", call);
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Group_compare)
int PMPI_Group_compare(MPI_Group group1, MPI_Group group2, int *result)
{
    struct kr_group *a = NULL, *b = NULL;
    int ret = group_args("MPI_Group_compare", group1, &a, result, "result");

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_group("MPI_Group_compare", NULL, group2, &b);
    }
    if (ret == MPI_SUCCESS) {
        *result = MPI_IDENT + (int) kr_group_compare(a, b);
    }
    return ret;
}

KR_WEAK_ALIAS(Group_free)
int PMPI_Group_free(MPI_Group *group)
{
    struct kr_group *g = NULL;
    int ret;

    kr_api_check_running("MPI_Group_free");
    ret = kr_api_check_ptr("MPI_Group_free", group, "group");
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_group("MPI_Group_free", NULL, *group, &g);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (g != &api_group_empty) {
        kr_api_handle_forget(KR_API_H_GROUP, g);
        kr_group_release(g);
    }
    *group = MPI_GROUP_NULL;
    return MPI_SUCCESS;
}

/* A new group over `n` job ranks (ranks NULL: 0..n-1). */
int kr_api_group_of(const char *call, struct kr_comm *comm, const int *ranks, int n,
                    MPI_Group *group)
{
    int *all = NULL;
    struct kr_group *g = NULL;

    if (ranks == NULL) {
        all = malloc(sizeof(int) * (size_t) (n > 0 ? n : 1));
        if (all == NULL) {
            return kr_api_error(comm, MPI_ERR_NO_MEM, "%s: out of memory", call);
        }
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
    }
    g = kr_group_create(ranks != NULL ? ranks : all, n);
    free(all);
    return group_out(call, g, group);
}

KR_WEAK_ALIAS(Comm_group)
int PMPI_Comm_group(MPI_Comm h, MPI_Group *group)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Comm_group");
    ret = kr_api_check_comm("MPI_Comm_group", h, &comm);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Comm_group", group, "group");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    return kr_api_group_of("MPI_Comm_group", comm, comm->ranks, comm->size, group);
}

KR_WEAK_ALIAS(Comm_remote_group)
int PMPI_Comm_remote_group(MPI_Comm h, MPI_Group *group)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Comm_remote_group");
    ret = kr_api_check_comm("MPI_Comm_remote_group", h, &comm);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Comm_remote_group", group, "group");
    }
    if (ret == MPI_SUCCESS && !comm->inter) {
        ret = kr_api_error(comm, MPI_ERR_COMM,
                           "MPI_Comm_remote_group: the communicator is "
                           "not an intercommunicator");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    return kr_api_group_of("MPI_Comm_remote_group", comm, comm->remote_ranks, comm->remote_size,
                           group);
}

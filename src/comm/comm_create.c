/* Communicators from groups: MPI_Comm_create (collective over the parent, which agrees on one
 * id for every subgroup at once) and MPI_Comm_create_group (collective over the group only:
 * its members agree among themselves), and comparing communicators. */
#include "config.h"

#include "comm.h"

#include "comm_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* This process's index in ranks[0..n), or -1. */
static int create_my_index(const struct kr_comm *comm, const int *ranks, int n)
{
    int me = kr_pt2pt_rank(comm->pt);

    for (int i = 0; i < n; i++) {
        if (ranks[i] == me) {
            return i;
        }
    }
    return -1;
}

/* A communicator over ranks[0..n) with id `id` (taken), this process being member `me`. */
static int create_build(struct kr_comm *comm, struct kr_comm_ids *ids, const int *ranks, int n,
                        int me, uint32_t id, struct kr_comm **comm_out)
{
    int *copy = malloc(sizeof(int) * (size_t) n);
    struct kr_comm *c;

    if (copy == NULL) {
        kr_comm_ids_put(ids, id);
        return -ENOMEM;
    }
    memcpy(copy, ranks, sizeof(int) * (size_t) n);
    c = kr_comm_new(comm->pt, id, me, n, copy);
    if (c == NULL) {
        kr_comm_ids_put(ids, id);
        free(copy);
        return -ENOMEM;
    }
    return kr_comm_finish(comm, c, ids, comm_out);
}

int kr_comm_create(struct kr_comm *comm, struct kr_comm_ids *ids, const int *ranks, int n,
                   struct kr_comm **comm_out)
{
    int me = create_my_index(comm, ranks, n), ret;
    uint32_t id;

    /* Disjoint subgroups may share the id: it is free in every member of the parent. */
    ret = kr_comm_ids_agree_intra(comm, ids, &id);
    if (ret != 0) {
        return ret;
    }
    if (me < 0) {
        kr_comm_ids_put(ids, id);
        *comm_out = NULL;
        return 0;
    }
    return create_build(comm, ids, ranks, n, me, id, comm_out);
}

int kr_comm_create_group(struct kr_comm *comm, struct kr_comm_ids *ids, const int *ranks, int n,
                         int tag, struct kr_comm **comm_out)
{
    struct kr_comm_and_group g = {
        .pt = comm->pt,
        .ranks = ranks,
        .size = n,
        .rank = create_my_index(comm, ranks, n),
        .ctx = kr_comm_ctx_coll(comm),
        .tag = COMM_TAG_GROUP(tag),
    };
    uint32_t id;
    int ret;

    if (g.rank < 0) {
        *comm_out = NULL;
        return 0;
    }
    /* members of the group only: the parent's agreement count is not theirs to share */
    ret = kr_comm_ids_agree(ids, kr_comm_ids_key(KR_IDS_GROUP, comm->id, (uint32_t) tag),
                            kr_comm_and_group, &g, 1, &id);
    if (ret != 0) {
        return ret;
    }
    return create_build(comm, ids, ranks, n, g.rank, id, comm_out);
}

/* Compare the local groups (which = 0) or the remote groups (which = 1). */
static enum kr_comm_cmp compare_groups(const struct kr_comm *a, const struct kr_comm *b, int which)
{
    int *ra, *rb;
    enum kr_comm_cmp cmp = KR_COMM_UNEQUAL;

    if (which == 1) {
        return kr_comm_ranks_compare(a->remote_ranks, a->remote_size, b->remote_ranks,
                                     b->remote_size);
    }
    ra = kr_comm_ranks_copy(a);
    rb = kr_comm_ranks_copy(b);
    if (ra != NULL && rb != NULL) {
        cmp = kr_comm_ranks_compare(ra, a->size, rb, b->size);
    }
    free(ra);
    free(rb);
    return cmp;
}

enum kr_comm_cmp kr_comm_compare(const struct kr_comm *a, const struct kr_comm *b)
{
    enum kr_comm_cmp cmp;

    if (a == b) {
        return KR_COMM_IDENT;
    }
    if (a->inter != b->inter) {
        return KR_COMM_UNEQUAL;
    }
    cmp = compare_groups(a, b, 0);
    if (a->inter) {
        enum kr_comm_cmp rcmp = compare_groups(a, b, 1);

        cmp = rcmp > cmp ? rcmp : cmp;
    }
    /* distinct communicators over the same ordered group(s) are congruent */
    return cmp == KR_COMM_IDENT ? KR_COMM_CONGRUENT : cmp;
}

/* The core of communicators: world and self, dup, split, free, and building the struct. */
#include "config.h"

#include "comm.h"

#include "comm_int.h"

#include "coll/coll.h"
#include "util/attr.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kr_comm_ids_init(struct kr_comm_ids *ids)
{
    memset(ids->free, 0xff, sizeof(ids->free));
    memset(ids->lent, 0, sizeof(ids->lent));
    ids->free[0] &= ~(uint64_t) 3; /* world and self */
}

struct kr_comm *kr_comm_new(struct kr_pt2pt *pt, uint32_t id, int rank, int size, int *ranks)
{
    struct kr_comm *c = calloc(1, sizeof(*c));

    if (c == NULL) {
        return NULL;
    }
    c->magic = KR_COMM_MAGIC;
    c->id = id;
    c->rank = rank;
    c->size = size;
    c->ranks = ranks;
    c->pt = pt;
    c->refs = 1;
    return c;
}

int *kr_comm_ranks_copy(const struct kr_comm *comm)
{
    int *ranks = malloc(sizeof(int) * (size_t) (comm->size > 0 ? comm->size : 1));

    if (ranks != NULL) {
        for (int i = 0; i < comm->size; i++) {
            ranks[i] = kr_comm_member(comm, i);
        }
    }
    return ranks;
}

int kr_comm_create_world(struct kr_pt2pt *pt, int size, struct kr_comm **comm_out)
{
    struct kr_comm *c = kr_comm_new(pt, 0, kr_pt2pt_rank(pt), size, NULL);

    if (c == NULL) {
        return -ENOMEM;
    }
    snprintf(c->name, sizeof(c->name), "MPI_COMM_WORLD");
    *comm_out = c;
    return 0;
}

int kr_comm_create_self(struct kr_pt2pt *pt, int job_rank, struct kr_comm **comm_out)
{
    int *ranks = malloc(sizeof(int));
    struct kr_comm *c;

    if (ranks == NULL) {
        return -ENOMEM;
    }
    ranks[0] = job_rank;
    c = kr_comm_new(pt, 1, 0, 1, ranks);
    if (c == NULL) {
        free(ranks);
        return -ENOMEM;
    }
    snprintf(c->name, sizeof(c->name), "MPI_COMM_SELF");
    *comm_out = c;
    return 0;
}

int kr_comm_finish(struct kr_comm *parent, struct kr_comm *c, struct kr_comm_ids *ids,
                   struct kr_comm **comm_out)
{
    int ret;

    c->host = parent->host;
    c->job_node = parent->job_node;
    ret = kr_coll_shm_attach(c, false);
    if (ret != 0) {
        kr_comm_ids_put(ids, c->id);
        kr_comm_topo_free(c->topo);
        free(c->ranks);
        free(c);
        return ret;
    }
    *comm_out = c;
    return 0;
}

/* Duplicate an intercommunicator: both groups agree on two ids (the new intercommunicator's
 * and its local communicator's), the leaders bridging over the old one's collective context. */
static int comm_dup_inter(struct kr_comm *comm, struct kr_comm_ids *ids, struct kr_comm **comm_out)
{
    struct kr_comm_xchg x = {
        .pt = comm->pt,
        .peer_job = comm->remote_ranks[0],
        .me = 0,
        .peer = 0,
        .ctx = kr_comm_ctx_coll(comm),
        .tag = COMM_TAG_INTER_DUP,
    };
    struct kr_comm_and_bridge b = {.local = comm->local, .leader = 0, .x = &x};
    uint32_t id[2];
    int ret;

    ret = kr_comm_ids_agree(ids, kr_comm_ids_key(KR_IDS_INTER_DUP, comm->id, comm->nagree++),
                            kr_comm_and_bridge, &b, 2, id);
    if (ret != 0) {
        return ret;
    }
    return kr_comm_inter_build(comm->local, comm->remote_ranks, comm->remote_size, id, ids,
                               comm_out);
}

int kr_comm_dup(struct kr_comm *comm, struct kr_comm_ids *ids, struct kr_comm **comm_out)
{
    int *ranks = NULL;
    struct kr_comm *c;
    uint32_t id;
    int ret;

    if (comm->inter) {
        return comm_dup_inter(comm, ids, comm_out);
    }
    ret = kr_comm_ids_agree_intra(comm, ids, &id);
    if (ret != 0) {
        return ret;
    }
    if (comm->ranks != NULL) {
        ranks = kr_comm_ranks_copy(comm);
        if (ranks == NULL) {
            kr_comm_ids_put(ids, id);
            return -ENOMEM;
        }
    }
    c = kr_comm_new(comm->pt, id, comm->rank, comm->size, ranks);
    if (c == NULL || (comm->topo != NULL && (c->topo = kr_comm_topo_dup(comm->topo)) == NULL)) {
        kr_comm_ids_put(ids, id);
        free(c);
        free(ranks);
        return -ENOMEM;
    }
    return kr_comm_finish(comm, c, ids, comm_out);
}

struct comm_split_entry {
    int color, key, rank;
};

static int comm_split_cmp(const void *a, const void *b)
{
    const struct comm_split_entry *x = a, *y = b;

    if (x->key != y->key) {
        return x->key < y->key ? -1 : 1;
    }
    return x->rank < y->rank ? -1 : (x->rank > y->rank);
}

int kr_comm_split(struct kr_comm *comm, struct kr_comm_ids *ids, int color, int key,
                  struct kr_comm **comm_out)
{
    struct comm_split_entry *all, mine = {color, key, comm->rank};
    int n = 0, myrank = -1, *ranks = NULL;
    struct kr_comm *c;
    uint32_t id;
    int ret;

    all = malloc(sizeof(*all) * (size_t) comm->size);
    if (all == NULL) {
        return -ENOMEM;
    }
    ret = kr_coll_allgather(comm, &mine, all, sizeof(mine));
    if (ret == 0) {
        ret = kr_comm_ids_agree_intra(comm, ids, &id);
    }
    if (ret != 0 || color < 0) {
        if (ret == 0) {
            kr_comm_ids_put(ids, id);
        }
        free(all);
        *comm_out = NULL;
        return ret;
    }
    for (int i = 0; i < comm->size; i++) {
        if (all[i].color == color) {
            all[n++] = all[i];
        }
    }
    qsort(all, (size_t) n, sizeof(*all), comm_split_cmp);
    ranks = malloc(sizeof(int) * (size_t) n);
    if (ranks == NULL) {
        kr_comm_ids_put(ids, id);
        free(all);
        return -ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        ranks[i] = kr_comm_member(comm, all[i].rank);
        if (all[i].rank == comm->rank) {
            myrank = i;
        }
    }
    free(all);
    c = kr_comm_new(comm->pt, id, myrank, n, ranks);
    if (c == NULL) {
        kr_comm_ids_put(ids, id);
        free(ranks);
        return -ENOMEM;
    }
    return kr_comm_finish(comm, c, ids, comm_out);
}

/* The last reference went: everything kr_comm_free promised. */
static void comm_destroy(struct kr_comm *comm)
{
    struct kr_comm_ids *ids = comm->ids_freed;

    if (comm->local != NULL) {
        kr_comm_free(comm->local, ids);
    }
    kr_coll_shm_detach(comm);
    kr_sched_spare_drop(comm);
    kr_coll_hier_drop(comm);
    kr_pt2pt_ctx_release(comm->pt, kr_comm_ctx_pt2pt(comm));
    kr_pt2pt_ctx_release(comm->pt, kr_comm_ctx_coll(comm));
    kr_comm_ids_put(ids, comm->id);
    kr_comm_topo_free(comm->topo);
    kr_attr_list_destroy(&comm->attrs);
    if (comm->on_destroy != NULL) {
        comm->on_destroy(comm);
    }
    free(comm->remote_ranks);
    free(comm->ranks);
    free(comm);
}

void kr_comm_retain(struct kr_comm *comm)
{
    comm->refs++;
}

void kr_comm_release(struct kr_comm *comm)
{
    if (--comm->refs == 0) {
        comm_destroy(comm);
    }
}

void kr_comm_free(struct kr_comm *comm, struct kr_comm_ids *ids)
{
    comm->magic = 0;
    comm->ids_freed = ids;
    kr_comm_release(comm);
}

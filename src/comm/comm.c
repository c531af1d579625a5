/* Communicator creation (world, self, dup, split) and context-id agreement. */
#include "config.h"

#include "comm.h"

#include "coll/coll.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kr_comm_ids_init(struct kr_comm_ids *ids)
{
    memset(ids->free, 0xff, sizeof(ids->free));
    ids->free[0] &= ~(uint64_t) 3; /* world and self */
}

static struct kr_comm *comm_new(struct kr_pt2pt *pt, uint32_t id, int rank, int size,
                                int *ranks)
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

int kr_comm_create_world(struct kr_pt2pt *pt, int size, struct kr_comm **comm_out)
{
    struct kr_comm *c = comm_new(pt, 0, kr_pt2pt_rank(pt), size, NULL);

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
    c = comm_new(pt, 1, 0, 1, ranks);
    if (c == NULL) {
        free(ranks);
        return -ENOMEM;
    }
    snprintf(c->name, sizeof(c->name), "MPI_COMM_SELF");
    *comm_out = c;
    return 0;
}

/* Agree on the lowest context id free in every member of `comm`: an AND-allreduce of the
 * members' free bitmaps. Members of disjoint communicators may pick the same id, which is
 * fine: an id only has to be unique within each process. */
static int comm_id_agree(struct kr_comm *comm, struct kr_comm_ids *ids, uint32_t *id_out)
{
    uint64_t mask[KR_COMM_IDS / 64];
    int ret;

    memcpy(mask, ids->free, sizeof(mask));
    ret = kr_coll_allreduce_band_u64(comm, mask, KR_COMM_IDS / 64);
    if (ret != 0) {
        return ret;
    }
    for (uint32_t w = 0; w < KR_COMM_IDS / 64; w++) {
        if (mask[w] != 0) {
            uint32_t bit = (uint32_t) __builtin_ctzll(mask[w]);

            *id_out = w * 64 + bit;
            return 0;
        }
    }
    KR_LOG_ERR(COMM, "all %d communicator ids are in use (free some communicators)",
               KR_COMM_IDS);
    return -ENOSPC;
}

static void comm_id_take(struct kr_comm_ids *ids, uint32_t id)
{
    ids->free[id / 64] &= ~((uint64_t) 1 << (id % 64));
}

/* A new communicator shares its parent's host state and gets a shared area if it can (a
 * collective over the new communicator's members). */
static int comm_attach_host(struct kr_comm *parent, struct kr_comm *c, struct kr_comm **comm_out)
{
    int ret;

    c->host = parent->host;
    ret = kr_coll_shm_attach(c, false);
    if (ret != 0) {
        free(c->ranks);
        free(c);
        return ret;
    }
    *comm_out = c;
    return 0;
}

int kr_comm_dup(struct kr_comm *comm, struct kr_comm_ids *ids, struct kr_comm **comm_out)
{
    int *ranks = NULL;
    struct kr_comm *c;
    uint32_t id;
    int ret;

    ret = comm_id_agree(comm, ids, &id);
    if (ret != 0) {
        return ret;
    }
    if (comm->ranks != NULL) {
        ranks = malloc(sizeof(int) * (size_t) comm->size);
        if (ranks == NULL) {
            return -ENOMEM;
        }
        memcpy(ranks, comm->ranks, sizeof(int) * (size_t) comm->size);
    }
    c = comm_new(comm->pt, id, comm->rank, comm->size, ranks);
    if (c == NULL) {
        free(ranks);
        return -ENOMEM;
    }
    ret = comm_attach_host(comm, c, comm_out);
    if (ret == 0) {
        comm_id_take(ids, id);
    }
    return ret;
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
    struct comm_split_entry *all, mine = { color, key, comm->rank };
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
        ret = comm_id_agree(comm, ids, &id);
    }
    if (ret != 0 || color < 0) {
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
        free(all);
        return -ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        ranks[i] = kr_comm_job_rank(comm, all[i].rank);
        if (all[i].rank == comm->rank) {
            myrank = i;
        }
    }
    free(all);
    c = comm_new(comm->pt, id, myrank, n, ranks);
    if (c == NULL) {
        free(ranks);
        return -ENOMEM;
    }
    ret = comm_attach_host(comm, c, comm_out);
    if (ret == 0) {
        comm_id_take(ids, id);
    }
    return ret;
}

void kr_comm_free(struct kr_comm *comm, struct kr_comm_ids *ids)
{
    kr_coll_shm_detach(comm);
    kr_pt2pt_ctx_release(comm->pt, kr_comm_ctx_pt2pt(comm));
    kr_pt2pt_ctx_release(comm->pt, kr_comm_ctx_coll(comm));
    if (comm->id > 1) {
        ids->free[comm->id / 64] |= (uint64_t) 1 << (comm->id % 64);
    }
    comm->magic = 0;
    free(comm->ranks);
    free(comm);
}

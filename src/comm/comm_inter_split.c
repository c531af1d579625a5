/* Smaller intercommunicators from one (MPI_Comm_split and MPI_Comm_create on an
 * intercommunicator). Each group first makes its new local communicator with the intra
 * machinery, the leaders swap what the remote side needs to know, and both groups agree on
 * the new intercommunicator's context id over the old one. A process whose part has no
 * counterpart on the other side gets no communicator, as the standard says. */
#include "config.h"

#include "comm.h"

#include "comm_int.h"

#include "coll/coll.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The leaders (rank 0 of each group) of `inter`, over its collective context. */
static struct kr_comm_xchg isplit_leaders(const struct kr_comm *inter)
{
    return (struct kr_comm_xchg){
        .pt = inter->pt,
        .peer_job = inter->remote_ranks[0],
        .me = 0,
        .peer = 0,
        .ctx = kr_comm_ctx_coll(inter),
        .tag = COMM_TAG_INTER_SPLIT,
    };
}

/* The leaders swap `mine` (`mlen` bytes) for the remote leader's (up to `rlen` bytes into
 * `theirs`), which every member of the local group then learns. */
static int isplit_swap(const struct kr_comm *inter, const struct kr_comm_xchg *x,
                       const void *mine, size_t mlen, void *theirs, size_t rlen)
{
    int ret = 0;

    if (inter->rank == 0) {
        ret = kr_comm_xchg(x, mine, mlen, theirs, rlen);
    }
    return ret != 0 ? ret : kr_coll_bcast(inter->local, theirs, rlen, 0);
}

/* The common end: agree on the id over both groups, then keep it only when this process has a
 * new local communicator `sub` and the remote part is not empty. Consumes `sub` and `remote`. */
static int isplit_finish(struct kr_comm *inter, struct kr_comm_ids *ids, struct kr_comm *sub,
                         int *remote, int nremote, struct kr_comm **comm_out)
{
    struct kr_comm_xchg x = isplit_leaders(inter);
    struct kr_comm_and_bridge b = {.local = inter->local, .leader = 0, .x = &x};
    int *ranks = NULL, ret;
    struct kr_comm *c = NULL;
    uint32_t id;

    *comm_out = NULL;
    ret = kr_comm_ids_agree(ids, kr_comm_ids_key(KR_IDS_INTER_SPLIT, inter->id, inter->nagree++),
                            kr_comm_and_bridge, &b, 1, &id);
    if (ret == 0 && sub != NULL && nremote > 0) {
        ranks = kr_comm_ranks_copy(sub);
        c = ranks != NULL ? kr_comm_new(inter->pt, id, sub->rank, sub->size, ranks) : NULL;
        if (c == NULL) {
            ret = -ENOMEM;
            kr_comm_ids_put(ids, id);
        }
    } else if (ret == 0) {
        kr_comm_ids_put(ids, id);
    }
    if (c == NULL) {
        if (sub != NULL) {
            kr_comm_free(sub, ids);
        }
        free(ranks);
        free(remote);
        return ret;
    }
    c->inter = true;
    c->remote_size = nremote;
    c->remote_ranks = remote;
    c->host = inter->host;
    c->job_node = inter->job_node;
    c->local = sub;
    *comm_out = c;
    return 0;
}

struct isplit_entry {
    int color, key, rank;
};

static int isplit_cmp(const void *a, const void *b)
{
    const struct isplit_entry *x = a, *y = b;

    if (x->key != y->key) {
        return x->key < y->key ? -1 : 1;
    }
    return x->rank < y->rank ? -1 : (x->rank > y->rank);
}

/* The job ranks of the remote processes that chose `color`, ordered by key then rank. */
static int *isplit_remote(const struct kr_comm *inter, struct isplit_entry *all, int color,
                          int *n_out)
{
    int n = 0, *ranks;

    for (int i = 0; i < inter->remote_size; i++) {
        if (color >= 0 && all[i].color == color) {
            all[n++] = all[i];
        }
    }
    qsort(all, (size_t) n, sizeof(*all), isplit_cmp);
    ranks = malloc(sizeof(int) * (size_t) (n > 0 ? n : 1));
    for (int i = 0; ranks != NULL && i < n; i++) {
        ranks[i] = inter->remote_ranks[all[i].rank];
    }
    *n_out = n;
    return ranks;
}

int kr_comm_inter_split(struct kr_comm *inter, struct kr_comm_ids *ids, int color, int key,
                        struct kr_comm **comm_out)
{
    struct isplit_entry mine = {color, key, inter->rank};
    struct isplit_entry *local = malloc(sizeof(*local) * (size_t) inter->size);
    struct isplit_entry *remote = malloc(sizeof(*remote) * (size_t) inter->remote_size);
    struct kr_comm_xchg x = isplit_leaders(inter);
    struct kr_comm *sub = NULL;
    int *rranks = NULL, nremote = 0, ret;

    ret = local == NULL || remote == NULL ? -ENOMEM : 0;
    if (ret == 0) {
        ret = kr_coll_allgather(inter->local, &mine, local, sizeof(mine));
    }
    if (ret == 0) {
        ret = isplit_swap(inter, &x, local, sizeof(*local) * (size_t) inter->size, remote,
                          sizeof(*remote) * (size_t) inter->remote_size);
    }
    if (ret == 0) {
        ret = kr_comm_split(inter->local, ids, color, key, &sub);
    }
    if (ret == 0 && (rranks = isplit_remote(inter, remote, color, &nremote)) == NULL) {
        ret = -ENOMEM;
    }
    free(local);
    free(remote);
    if (ret != 0) {
        /* an error here is already a broken collective; leave what was made to the caller's
         * error handling rather than a second, mismatched agreement */
        if (sub != NULL) {
            kr_comm_free(sub, ids);
        }
        free(rranks);
        return ret;
    }
    return isplit_finish(inter, ids, sub, rranks, nremote, comm_out);
}

int kr_comm_inter_create(struct kr_comm *inter, struct kr_comm_ids *ids, const int *ranks, int n,
                         struct kr_comm **comm_out)
{
    struct kr_comm_xchg x = isplit_leaders(inter);
    struct kr_comm *sub = NULL;
    int nremote = 0, *remote = NULL, ret;

    /* the sizes first, then the lists: the remote group may be any size */
    ret = isplit_swap(inter, &x, &n, sizeof(n), &nremote, sizeof(nremote));
    if (ret == 0) {
        remote = malloc(sizeof(int) * (size_t) (nremote > 0 ? nremote : 1));
        ret = remote == NULL ? -ENOMEM : 0;
    }
    if (ret == 0) {
        ret = isplit_swap(inter, &x, ranks, sizeof(int) * (size_t) n, remote,
                          sizeof(int) * (size_t) nremote);
    }
    if (ret == 0) {
        ret = kr_comm_create(inter->local, ids, ranks, n, &sub);
    }
    if (ret != 0) {
        if (sub != NULL) {
            kr_comm_free(sub, ids);
        }
        free(remote);
        return ret;
    }
    return isplit_finish(inter, ids, sub, remote, nremote, comm_out);
}

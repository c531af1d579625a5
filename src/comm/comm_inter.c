/* Intercommunicators: creating one from two groups whose leaders can talk over a peer
 * communicator (MPI_Intercomm_create), and merging one into an intracommunicator
 * (MPI_Intercomm_merge). Both groups agree on the context id through their leaders: an
 * allreduce in each group, a swap between the leaders, a broadcast in each group. */
#include "config.h"

#include "comm.h"

#include "comm_int.h"

#include "coll/coll.h"
#include "util/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int kr_comm_inter_build(struct kr_comm *local, const int *remote, int nremote, const uint32_t *id,
                        struct kr_comm_ids *ids, struct kr_comm **comm_out)
{
    int *lr = kr_comm_ranks_copy(local), *lr2 = kr_comm_ranks_copy(local);
    int *rr = malloc(sizeof(int) * (size_t) nremote);
    struct kr_comm *c = NULL, *l = NULL;
    int ret = -ENOMEM;

    if (lr != NULL && lr2 != NULL && rr != NULL) {
        c = kr_comm_new(local->pt, id[0], local->rank, local->size, lr);
        l = kr_comm_new(local->pt, id[1], local->rank, local->size, lr2);
    }
    if (c == NULL || l == NULL) {
        goto err_free;
    }
    memcpy(rr, remote, sizeof(int) * (size_t) nremote);
    c->inter = true;
    c->remote_size = nremote;
    c->remote_ranks = rr;
    c->host = local->host;
    c->job_node = local->job_node;
    /* kr_comm_finish gives id[1] back and frees l when it fails */
    ret = kr_comm_finish(local, l, ids, &c->local);
    if (ret != 0) {
        kr_comm_ids_put(ids, id[0]);
        free(c);
        free(lr);
        free(rr);
        return ret;
    }
    *comm_out = c;
    return 0;

err_free:
    kr_comm_ids_put(ids, id[0]);
    kr_comm_ids_put(ids, id[1]);
    free(c);
    free(l);
    free(lr);
    free(lr2);
    free(rr);
    return ret;
}

static int inter_int_cmp(const void *a, const void *b)
{
    int x = *(const int *) a, y = *(const int *) b;

    return x < y ? -1 : (x > y);
}

/* Whether a process is in both groups (the standard requires them disjoint). */
static int inter_overlap(const struct kr_comm *local, const int *remote, int nremote, bool *out)
{
    int *sorted = malloc(sizeof(int) * (size_t) (nremote > 0 ? nremote : 1));

    if (sorted == NULL) {
        return -ENOMEM;
    }
    memcpy(sorted, remote, sizeof(int) * (size_t) nremote);
    qsort(sorted, (size_t) nremote, sizeof(int), inter_int_cmp);
    *out = false;
    for (int i = 0; i < local->size && !*out; i++) {
        int job = kr_comm_member(local, i);

        *out = bsearch(&job, sorted, (size_t) nremote, sizeof(int), inter_int_cmp) != NULL;
    }
    free(sorted);
    return 0;
}

/* The leaders swap their groups' job ranks; every member of the local group learns the remote
 * group (*remote_out, malloc'ed, *nremote_out entries). */
static int inter_learn_remote(struct kr_comm *local, int leader, const struct kr_comm_xchg *x,
                              int **remote_out, int *nremote_out)
{
    int nremote = 0, *mine = NULL, *remote;
    int ret = 0;

    if (local->rank == leader) {
        ret = kr_comm_xchg(x, &local->size, sizeof(int), &nremote, sizeof(int));
    }
    if (ret == 0) {
        ret = kr_coll_bcast(local, &nremote, sizeof(int), leader);
    }
    if (ret != 0) {
        return ret;
    }
    remote = malloc(sizeof(int) * (size_t) (nremote > 0 ? nremote : 1));
    if (remote == NULL) {
        return -ENOMEM;
    }
    if (local->rank == leader) {
        mine = kr_comm_ranks_copy(local);
        ret = mine == NULL ? -ENOMEM
                           : kr_comm_xchg(x, mine, sizeof(int) * (size_t) local->size, remote,
                                          sizeof(int) * (size_t) nremote);
        free(mine);
    }
    if (ret == 0) {
        ret = kr_coll_bcast(local, remote, sizeof(int) * (size_t) nremote, leader);
    }
    if (ret != 0) {
        free(remote);
        return ret;
    }
    *remote_out = remote;
    *nremote_out = nremote;
    return 0;
}

/* MPI_Intercomm_create's agreement key: what both groups know alike, the lowest job rank of
 * either group and the tag. */
static uint64_t inter_key(const struct kr_comm *local, const int *remote, int nremote, int tag)
{
    int low = kr_comm_member(local, 0);

    for (int i = 1; i < local->size; i++) {
        low = kr_comm_member(local, i) < low ? kr_comm_member(local, i) : low;
    }
    for (int i = 0; i < nremote; i++) {
        low = remote[i] < low ? remote[i] : low;
    }
    return kr_comm_ids_key(KR_IDS_INTERCOMM, (uint32_t) low, (uint32_t) tag);
}

int kr_comm_intercomm_create(struct kr_comm *local_comm, int local_leader, struct kr_comm *peer,
                             int remote_leader, int tag, struct kr_comm_ids *ids,
                             struct kr_comm **comm_out)
{
    struct kr_comm_xchg x = {.pt = local_comm->pt};
    struct kr_comm_and_bridge b = {.local = local_comm, .leader = local_leader, .x = &x};
    int nremote, *remote, ret;
    uint32_t id[2];
    bool overlap;

    if (local_comm->rank == local_leader) {
        x.peer_job = kr_comm_job_rank(peer, remote_leader);
        x.me = peer->rank;
        x.peer = remote_leader;
        x.ctx = kr_comm_ctx_coll(peer);
        x.tag = COMM_TAG_INTERCOMM(tag);
    }
    ret = inter_learn_remote(local_comm, local_leader, &x, &remote, &nremote);
    if (ret != 0) {
        return ret;
    }
    ret = inter_overlap(local_comm, remote, nremote, &overlap);
    if (ret == 0 && overlap) {
        KR_LOG_DBG(COMM, "intercommunicator groups overlap");
        ret = -EINVAL;
    }
    if (ret == 0) {
        ret = kr_comm_ids_agree(ids, inter_key(local_comm, remote, nremote, tag),
                                kr_comm_and_bridge, &b, 2, id);
    }
    if (ret == 0) {
        ret = kr_comm_inter_build(local_comm, remote, nremote, id, ids, comm_out);
    }
    free(remote);
    return ret;
}

int kr_comm_intercomm_merge(struct kr_comm *inter, bool high, struct kr_comm_ids *ids,
                            struct kr_comm **comm_out)
{
    struct kr_comm_xchg x = {
        .pt = inter->pt,
        .peer_job = inter->remote_ranks[0],
        .me = 0,
        .peer = 0,
        .ctx = kr_comm_ctx_coll(inter),
        .tag = COMM_TAG_MERGE,
    };
    struct kr_comm_and_bridge b = {.local = inter->local, .leader = 0, .x = &x};
    int mine = high, theirs = 0, n = inter->size + inter->remote_size, *ranks, ret = 0;
    struct kr_comm *c;
    uint32_t id;
    bool first;

    if (inter->rank == 0) {
        ret = kr_comm_xchg(&x, &mine, sizeof(int), &theirs, sizeof(int));
    }
    if (ret == 0) {
        ret = kr_coll_bcast(inter->local, &theirs, sizeof(int), 0);
    }
    if (ret == 0) {
        ret = kr_comm_ids_agree(ids, kr_comm_ids_key(KR_IDS_MERGE, inter->id, inter->nagree++),
                                kr_comm_and_bridge, &b, 1, &id);
    }
    if (ret != 0) {
        return ret;
    }
    first = mine != theirs ? !high : kr_comm_member(inter, 0) < inter->remote_ranks[0];
    ranks = malloc(sizeof(int) * (size_t) n);
    if (ranks == NULL) {
        kr_comm_ids_put(ids, id);
        return -ENOMEM;
    }
    for (int i = 0; i < inter->size; i++) {
        ranks[first ? i : inter->remote_size + i] = kr_comm_member(inter, i);
    }
    memcpy(ranks + (first ? inter->size : 0), inter->remote_ranks,
           sizeof(int) * (size_t) inter->remote_size);
    c = kr_comm_new(inter->pt, id, first ? inter->rank : inter->remote_size + inter->rank, n,
                    ranks);
    if (c == NULL) {
        kr_comm_ids_put(ids, id);
        free(ranks);
        return -ENOMEM;
    }
    return kr_comm_finish(inter, c, ids, comm_out);
}

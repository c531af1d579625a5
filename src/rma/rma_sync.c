/* Synchronisation. Local completion is our own requests finishing (local_pending); remote
 * completion is a FLUSH / UNLOCK answered by the target once everything we sent it has been
 * applied (it queues the request while a payload of ours is still arriving). Fence is remote
 * completion towards every target followed by a barrier; PSCW is POST and COMPLETE notices. */
#include "config.h"

#include "rma/rma_int.h"

#include "coll/coll.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool rma_local_done(struct kr_win *w, int rank)
{
    if (rank >= 0) {
        return w->peers[rank].local_pending == 0;
    }
    for (int i = 0; i < w->size; i++) {
        if (w->peers[i].local_pending != 0) {
            return false;
        }
    }
    return true;
}

int kr_rma_flush_local(struct kr_win *w, int rank)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* direct copies are visible from here on */
    return kr_rma_wait_for(w, rma_local_done, rank);
}

static bool rma_answered(struct kr_win *w, int rank)
{
    for (int i = rank < 0 ? 0 : rank; i < (rank < 0 ? w->size : rank + 1); i++) {
        uint32_t have = w->want_grants ? w->peers[i].grants : w->peers[i].acks;

        if ((int32_t) (have - w->want[i]) < 0) {
            return false;
        }
    }
    return rma_local_done(w, rank);
}

/* Send `type` to `rank` (every rank when negative; with `only_dirty`, only those with
 * operations not yet confirmed) and wait for the answers. */
static int rma_ask(struct kr_win *w, int rank, enum rma_type type, int lock, bool only_dirty)
{
    struct rma_hdr h = { .type = (uint8_t) type, .lock = (uint16_t) lock };
    uint32_t *want = calloc((size_t) w->size, sizeof(*want));
    bool grants = type == RMA_LOCK;
    int ret = 0;

    if (want == NULL) {
        return -ENOMEM;
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* direct copies before the answers */
    for (int i = 0; i < w->size; i++) {
        struct kr_rma_peer *p = &w->peers[i];

        want[i] = grants ? p->grants : p->acks; /* nothing asked: already there */
        if ((rank >= 0 && i != rank) || (only_dirty && !p->dirty)) {
            continue;
        }
        if (type != RMA_LOCK) {
            /* a payload still leaving must be out before the target can count it */
            ret = kr_rma_flush_local(w, i);
        }
        /* an unlock after nothing but completed gets and direct copies needs no answer */
        h.flags = type == RMA_UNLOCK && !p->dirty ? RMA_F_NOACK : 0;
        if (ret == 0) {
            ret = kr_rma_ctl_send(w, i, &h);
        }
        if (ret != 0) {
            break;
        }
        want[i] += h.flags == 0;
        p->dirty = false;
    }
    if (ret == 0) {
        w->want = want;
        w->want_grants = grants;
        ret = kr_rma_wait_for(w, rma_answered, rank);
        w->want = NULL;
    }
    free(want);
    return ret;
}

int kr_rma_flush(struct kr_win *w, int rank)
{
    return rma_ask(w, rank, RMA_FLUSH, 0, true);
}

int kr_rma_fence(struct kr_win *w, bool noprecede)
{
    int ret = noprecede ? kr_rma_flush_local(w, -1) : kr_rma_flush(w, -1);

    return ret != 0 ? ret : kr_coll_barrier(w->comm);
}

int kr_rma_lock(struct kr_win *w, int type, int rank)
{
    int ret = w->direct ? kr_rma_direct_lock(w, type, rank)
                        : rma_ask(w, rank, RMA_LOCK, type, false);

    for (int i = 0; ret == 0 && i < w->size; i++) {
        if (rank < 0 || i == rank) {
            w->peers[i].lock_type = type;
        }
    }
    return ret;
}

int kr_rma_unlock(struct kr_win *w, int rank)
{
    int ret = 0;

    if (w->direct) {
        kr_rma_direct_unlock(w, rank); /* every operation on it is complete already */
    } else {
        ret = rma_ask(w, rank, RMA_UNLOCK, 0, false);
    }

    for (int i = 0; i < w->size; i++) {
        if (rank < 0 || i == rank) {
            w->peers[i].lock_type = 0;
        }
    }
    return ret;
}

static int *rma_group_copy(const int *ranks, int n)
{
    int *g = malloc((size_t) (n > 0 ? n : 1) * sizeof(*g));

    if (g != NULL && n > 0) {
        memcpy(g, ranks, (size_t) n * sizeof(*g));
    }
    return g;
}

int kr_rma_post(struct kr_win *w, const int *ranks, int n)
{
    struct rma_hdr h = { .type = RMA_POST };
    int ret = 0;

    w->post_group = rma_group_copy(ranks, n);
    if (w->post_group == NULL) {
        return -ENOMEM;
    }
    w->npost = n;
    for (int i = 0; i < n && ret == 0; i++) {
        ret = kr_rma_ctl_send(w, ranks[i], &h);
    }
    return ret;
}

static bool rma_posted(struct kr_win *w, int unused)
{
    (void) unused;
    for (int i = 0; i < w->nstart; i++) {
        if (w->peers[w->start_group[i]].posts == 0) {
            return false;
        }
    }
    return true;
}

int kr_rma_start(struct kr_win *w, const int *ranks, int n)
{
    int ret;

    w->start_group = rma_group_copy(ranks, n);
    if (w->start_group == NULL) {
        return -ENOMEM;
    }
    w->nstart = n;
    ret = kr_rma_wait_for(w, rma_posted, 0);
    for (int i = 0; ret == 0 && i < n; i++) {
        w->peers[ranks[i]].posts--;
    }
    return ret;
}

int kr_rma_complete(struct kr_win *w)
{
    struct rma_hdr h = { .type = RMA_COMPLETE };
    int ret = 0;

    for (int i = 0; i < w->nstart && ret == 0; i++) {
        int t = w->start_group[i];

        ret = kr_rma_flush_local(w, t);
        if (ret == 0) {
            ret = kr_rma_ctl_send(w, t, &h);
        }
        w->peers[t].dirty = false;
    }
    free(w->start_group);
    w->start_group = NULL;
    w->nstart = 0;
    return ret;
}

static bool rma_completed(struct kr_win *w, int unused)
{
    (void) unused;
    for (int i = 0; i < w->npost; i++) {
        if (w->peers[w->post_group[i]].completes == 0) {
            return false;
        }
    }
    return true;
}

static void rma_post_end(struct kr_win *w)
{
    for (int i = 0; i < w->npost; i++) {
        w->peers[w->post_group[i]].completes--;
    }
    free(w->post_group);
    w->post_group = NULL;
    w->npost = 0;
}

int kr_rma_wait(struct kr_win *w)
{
    int ret = kr_rma_wait_for(w, rma_completed, 0);

    if (ret == 0) {
        rma_post_end(w);
    }
    return ret;
}

int kr_rma_test(struct kr_win *w, bool *flag_out)
{
    int ret = kr_pt2pt_progress(w->pt);

    *flag_out = ret >= 0 && rma_completed(w, 0);
    if (*flag_out) {
        rma_post_end(w);
    }
    return ret < 0 ? ret : 0;
}

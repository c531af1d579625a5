/* Windows: creation over a duplicate of the user's communicator, the posted receive that
 * feeds requests to the target side, dynamic regions, and freeing. */
#include "config.h"

#include "rma/rma.h"

#include "coll/coll.h"
#include "rma/rma_int.h"
#include "util/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* What every member tells the others at creation. */
struct rma_card {
    uint64_t base, size;
    int64_t disp_unit;
};

static void rma_rx_done(struct kr_req *req);

void kr_rma_rx_post(struct kr_win *w)
{
    struct rma_rx *rx = w->rx;
    int ret;

    kr_req_init(&rx->req, KR_REQ_RECV);
    rx->req.owner = rx;
    rx->req.done_cb = rma_rx_done;
    ret = kr_pt2pt_irecv(w->pt, &rx->req, rx->buf, sizeof(rx->buf), KR_ANY_SOURCE, RMA_TAG_REQ,
                         kr_comm_ctx_pt2pt(w->comm));
    if (ret != 0) {
        KR_LOG_ERR(COMM, "window: cannot post the request receive (%d)", ret);
    }
}

/* A request arrived. Handling may post receives that complete at once and a repost may find
 * the next request already waiting: nested completions only flag `again`, and this loop
 * handles them, so the stack never grows with the number of queued requests. */
static void rma_rx_done(struct kr_req *req)
{
    struct rma_rx *rx = req->owner;
    struct kr_win *w = rx->w;

    if (rx->busy) {
        rx->again = true;
        return;
    }
    rx->busy = true;
    do {
        rx->again = false;
        if (rx->req.status.cancelled || rx->closing) {
            break;
        }
        if (rx->req.status.error != 0 || rx->req.status.count < sizeof(struct rma_hdr)) {
            KR_LOG_ERR(COMM, "window: bad request from rank %d (%zu bytes, error %d)",
                       rx->req.status.source, rx->req.status.count, rx->req.status.error);
        } else {
            kr_rma_target_handle(w, (const struct rma_hdr *) (void *) rx->buf,
                                 rx->buf + sizeof(struct rma_hdr),
                                 rx->req.status.count - sizeof(struct rma_hdr),
                                 rx->req.status.source);
        }
        kr_rma_rx_post(w);
    } while (rx->again);
    rx->busy = false;
}

struct rma_ctl {
    struct kr_req req;
    struct rma_hdr hdr;
};

static void rma_ctl_done(struct kr_req *req)
{
    free(req->owner);
}

int kr_rma_ctl_send(struct kr_win *w, int rank, const struct rma_hdr *h)
{
    struct rma_ctl *c = malloc(sizeof(*c));
    int ret;

    if (c == NULL) {
        return -ENOMEM;
    }
    c->hdr = *h;
    kr_req_init(&c->req, KR_REQ_SEND);
    c->req.owner = c;
    c->req.done_cb = rma_ctl_done;
    ret = kr_pt2pt_isend(w->pt, &c->req, &c->hdr, sizeof(c->hdr), kr_comm_job_rank(w->comm, rank),
                         w->rank, RMA_TAG_REQ, kr_comm_ctx_pt2pt(w->comm));
    if (ret != 0) {
        free(c);
    }
    return ret;
}

struct rma_waiter {
    struct kr_win *w;
    bool (*pred)(struct kr_win *w, int arg);
    int arg;
};

static bool rma_waiter_done(void *arg)
{
    struct rma_waiter *wt = arg;

    return wt->pred(wt->w, wt->arg);
}

int kr_rma_wait_for(struct kr_win *w, bool (*pred)(struct kr_win *w, int arg), int arg)
{
    struct rma_waiter wt = { w, pred, arg };

    if (pred(w, arg)) {
        return 0;
    }
    return kr_pt2pt_wait_until(w->pt, rma_waiter_done, &wt);
}

int kr_rma_win_create(struct kr_comm *comm, struct kr_comm_ids *ids, enum kr_win_flavor flavor,
                      void *base, size_t size, int64_t disp_unit, void **base_out,
                      struct kr_win **win_out)
{
    struct rma_card mine, *all = NULL;
    struct kr_win *w = calloc(1, sizeof(*w));
    int ret;

    if (w == NULL) {
        return -ENOMEM;
    }
    w->flavor = flavor;
    w->lock_excl = -1;
    w->disp_unit = disp_unit;
    ret = kr_comm_dup(comm, ids, &w->comm);
    if (ret != 0) {
        free(w);
        return ret;
    }
    w->pt = w->comm->pt;
    w->rank = w->comm->rank;
    w->size = w->comm->size;
    w->peers = calloc((size_t) w->size, sizeof(*w->peers));
    w->rx = calloc(1, sizeof(*w->rx));
    all = calloc((size_t) w->size, sizeof(*all));
    ret = w->peers == NULL || w->rx == NULL || all == NULL ? -ENOMEM : 0;
    if (flavor == KR_WIN_ALLOCATE && w->size > 1 && kr_rma_shm_one_host(w->comm)) {
        /* one host: allocate in a shared segment, so puts and gets are plain copies */
        flavor = KR_WIN_SHARED;
    }
    if (ret == 0 && flavor == KR_WIN_ALLOCATE) {
        base = NULL;
        if (size > 0 && posix_memalign(&base, 64, size) != 0) {
            ret = -ENOMEM;
        }
        w->own_base = true;
    }
    if (flavor == KR_WIN_SHARED) {
        ret = kr_rma_shm_create(w, size, ret);
        base = w->peers != NULL && w->rank < w->size && ret == 0 ? w->peers[w->rank].shm : NULL;
        w->direct = ret == 0;
    }
    if (flavor == KR_WIN_DYNAMIC) {
        base = NULL;
        size = 0;
    }
    w->base = base;
    w->size_bytes = size;
    /* everyone learns everyone's window, and whether all of them succeeded */
    mine = (struct rma_card) { (uint64_t) (uintptr_t) base, ret == 0 ? size : UINT64_MAX,
                               disp_unit };
    if (all != NULL) {
        int r2 = kr_coll_allgather(w->comm, &mine, all, sizeof(mine));

        ret = ret != 0 ? ret : r2;
        for (int i = 0; ret == 0 && i < w->size; i++) {
            if (all[i].size == UINT64_MAX) {
                ret = -ENOMEM;
                break;
            }
            w->peers[i].base = all[i].base;
            w->peers[i].size = all[i].size;
            w->peers[i].disp_unit = all[i].disp_unit;
        }
    }
    free(all);
    if (ret != 0) {
        if (w->own_base) {
            free(base);
        }
        kr_rma_shm_free(w);
        free(w->peers);
        free(w->rx);
        kr_comm_free(w->comm, ids);
        free(w);
        return ret;
    }
    w->rx->w = w;
    kr_rma_rx_post(w);
    w->magic = KR_WIN_MAGIC;
    if (base_out != NULL) {
        *base_out = base;
    }
    *win_out = w;
    return 0;
}

int kr_rma_win_free(struct kr_win *w, struct kr_comm_ids *ids)
{
    /* Every epoch is closed, so all requests to us arrived once everyone is here. */
    int ret = kr_coll_barrier(w->comm);
    struct rma_defer *d, *next;

    w->rx->closing = true;
    if (kr_pt2pt_cancel(w->pt, &w->rx->req) != 0 && !w->rx->req.done) {
        KR_LOG_ERR(COMM, "window: the request receive could not be withdrawn");
    }
    for (d = w->defer_head; d != NULL; d = next) {
        next = d->next;
        free(d);
    }
    while (w->regions != NULL) {
        struct rma_region *r = w->regions;

        w->regions = r->next;
        free(r);
    }
    if (w->own_base) {
        free(w->base);
    }
    kr_rma_shm_free(w);
    w->magic = 0;
    kr_comm_free(w->comm, ids);
    free(w->start_group);
    free(w->post_group);
    free(w->peers);
    free(w->rx);
    free(w);
    return ret;
}

int kr_rma_attach(struct kr_win *w, void *base, size_t size)
{
    uint64_t b = (uint64_t) (uintptr_t) base;
    struct rma_region *r;

    for (r = w->regions; r != NULL; r = r->next) {
        if (b < r->base + r->size && r->base < b + size) {
            return -EEXIST;
        }
    }
    r = malloc(sizeof(*r));
    if (r == NULL) {
        return -ENOMEM;
    }
    r->base = b;
    r->size = size;
    r->next = w->regions;
    w->regions = r;
    return 0;
}

int kr_rma_detach(struct kr_win *w, const void *base)
{
    uint64_t b = (uint64_t) (uintptr_t) base;

    for (struct rma_region **p = &w->regions; *p != NULL; p = &(*p)->next) {
        if ((*p)->base == b) {
            struct rma_region *r = *p;

            *p = r->next;
            free(r);
            return 0;
        }
    }
    return -ENOENT;
}

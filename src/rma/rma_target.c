/* The target side: requests are applied from inside progress, in arrival order per origin.
 * Accumulates are applied whole, at one moment, by the one thread that runs progress, which
 * makes them atomic with respect to each other. Nothing here waits. */
#include "config.h"

#include "rma/rma_int.h"

#include "util/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The target memory [addr, addr + len), or NULL when it is outside the window. */
static void *rma_target_mem(struct kr_win *w, uint64_t addr, uint64_t len)
{
    if (w->flavor == KR_WIN_DYNAMIC) {
        for (const struct rma_region *r = w->regions; r != NULL; r = r->next) {
            if (addr >= r->base && len <= r->size && addr - r->base <= r->size - len) {
                return (void *) (uintptr_t) addr;
            }
        }
        return NULL;
    }
    if (len > w->size_bytes || addr > w->size_bytes - len) {
        return NULL;
    }
    return (char *) w->base + addr;
}

/* A send or receive the target started on behalf of an origin. */
struct rma_tio {
    struct kr_req req;
    struct kr_win *w;
    struct rma_hdr hdr;
    int src;
    void *mem;      /* target memory */
    void *tmp;      /* accumulate data, or the old contents on their way back */
};

static void rma_tio_free(struct kr_req *req)
{
    struct rma_tio *t = req->owner;

    free(t->tmp);
    free(t);
}

static struct rma_tio *rma_tio_new(struct kr_win *w, const struct rma_hdr *h, int src, void *mem,
                                   kr_req_done_fn done, enum kr_req_kind kind)
{
    struct rma_tio *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        KR_LOG_ERR(COMM, "window: out of memory for a request from rank %d", src);
        return NULL;
    }
    t->w = w;
    t->hdr = *h;
    t->src = src;
    t->mem = mem;
    kr_req_init(&t->req, kind);
    t->req.owner = t;
    t->req.done_cb = done;
    return t;
}

/* Send `len` bytes at `buf` to `src` with `tag`; `tmp` (may be NULL) is freed afterwards. */
static void rma_reply(struct kr_win *w, int src, int32_t tag, const void *buf, size_t len,
                      void *tmp)
{
    struct rma_hdr none = { 0 };
    struct rma_tio *t = rma_tio_new(w, &none, src, NULL, rma_tio_free, KR_REQ_SEND);
    int ret;

    if (t == NULL) {
        free(tmp);
        return;
    }
    t->tmp = tmp;
    ret = kr_pt2pt_isend(w->pt, &t->req, buf, len, kr_comm_job_rank(w->comm, src), w->rank, tag,
                         kr_comm_ctx_pt2pt(w->comm));
    if (ret != 0) {
        KR_LOG_ERR(COMM, "window: reply to rank %d failed (%d)", src, ret);
        rma_tio_free(&t->req);
    }
}

/* Apply an accumulate (and send back the old contents for get_accumulate). */
static void rma_acc_apply(struct kr_win *w, const struct rma_hdr *h, void *mem, const void *data,
                          int src)
{
    const struct kr_dt *dt = kr_dt_from_handle((MPI_Datatype) (uintptr_t) h->dt);
    const struct kr_op *op = kr_op_from_handle((MPI_Op) (uintptr_t) h->op);
    void *old = NULL;
    int ret = 0;

    if (h->type == RMA_GACC) {
        old = malloc(h->len > 0 ? h->len : 1);
        if (old == NULL) {
            KR_LOG_ERR(COMM, "window: out of memory for get_accumulate from rank %d", src);
            return;
        }
        memcpy(old, mem, h->len);
    }
    if (dt != NULL && op != NULL && dt->size > 0) {
        ret = kr_op_apply(op, dt, data, mem, h->len / (size_t) dt->extent);
    } else if ((h->flags & RMA_F_NODATA) == 0) {
        ret = -EINVAL;
    }
    if (ret != 0) {
        KR_LOG_ERR(COMM, "window: accumulate from rank %d: op not valid for the type", src);
    }
    if (h->type == RMA_GACC) {
        rma_reply(w, src, h->tag, old, h->len, old);
    }
}

/* A separate payload arrived. */
static void rma_data_done(struct kr_req *req)
{
    struct rma_tio *t = req->owner;
    struct kr_win *w = t->w;
    int src = t->src;

    if (t->hdr.type != RMA_PUT && t->mem != NULL) {
        rma_acc_apply(w, &t->hdr, t->mem, t->tmp, src);
    }
    w->peers[src].pending_in--;
    rma_tio_free(req);
    if (w->peers[src].pending_in == 0 && w->defer_head != NULL) {
        kr_rma_defer_run(w);
    }
}

static void rma_data_post(struct kr_win *w, const struct rma_hdr *h, void *mem, int src)
{
    struct rma_tio *t = rma_tio_new(w, h, src, mem, rma_data_done, KR_REQ_RECV);
    void *dst = mem;
    int ret;

    if (t == NULL) {
        return;
    }
    if (h->type != RMA_PUT) {
        t->tmp = malloc(h->len > 0 ? h->len : 1);
        if (t->tmp == NULL) {
            KR_LOG_ERR(COMM, "window: out of memory for accumulate data from rank %d", src);
            free(t);
            return;
        }
        dst = t->tmp;
    }
    w->peers[src].pending_in++;
    ret = kr_pt2pt_irecv(w->pt, &t->req, dst, h->len, src, h->tag + 1,
                         kr_comm_ctx_pt2pt(w->comm));
    if (ret != 0) {
        KR_LOG_ERR(COMM, "window: receive from rank %d failed (%d)", src, ret);
        w->peers[src].pending_in--;
        rma_tio_free(&t->req);
    }
}

/* A target address outside the window: the origin checked what it could (not dynamic
 * windows), so say so here and keep the protocol going with no data touched. */
static void rma_bad_range(struct kr_win *w, const struct rma_hdr *h, int src)
{
    KR_LOG_ERR(COMM, "window: rank %d accessed %llu bytes at %#llx, outside the window of rank %d",
               src, (unsigned long long) h->len, (unsigned long long) h->addr, w->rank);
    if (h->type == RMA_GET || h->type == RMA_GACC || h->type == RMA_CAS) {
        rma_reply(w, src, h->tag, NULL, 0, NULL);
    }
    if ((h->flags & (RMA_F_INLINE | RMA_F_NODATA)) == 0 && h->type != RMA_GET
        && h->type != RMA_CAS) {
        struct rma_hdr drop = *h;

        drop.type = RMA_ACC; /* into a scratch buffer, then dropped: NO_OP never applies */
        drop.op = (int32_t) (uintptr_t) MPI_NO_OP;
        rma_data_post(w, &drop, NULL, src);
    }
}

static void rma_ack(struct kr_win *w, int src, enum rma_type type)
{
    struct rma_hdr a = { .type = (uint8_t) type };

    if (kr_rma_ctl_send(w, src, &a) != 0) {
        KR_LOG_ERR(COMM, "window: cannot answer rank %d", src);
    }
}

/* Try a request that may have to wait; false when it still must. */
static bool rma_try(struct kr_win *w, const struct rma_hdr *h, int src)
{
    switch (h->type) {
    case RMA_LOCK:
        if (h->lock == KR_RMA_LOCK_EXCL) {
            if (w->lock_excl >= 0 || w->lock_shared > 0) {
                return false;
            }
            w->lock_excl = src;
        } else {
            if (w->lock_excl >= 0) {
                return false;
            }
            w->lock_shared++;
        }
        rma_ack(w, src, RMA_GRANT);
        return true;
    case RMA_UNLOCK:
    case RMA_FLUSH:
    case RMA_COMPLETE:
        if (w->peers[src].pending_in > 0) {
            return false;
        }
        if (h->type == RMA_COMPLETE) {
            w->peers[src].completes++;
            return true;
        }
        if (h->type == RMA_UNLOCK) {
            if (w->lock_excl == src) {
                w->lock_excl = -1;
            } else if (w->lock_shared > 0) {
                w->lock_shared--;
            }
        }
        if ((h->flags & RMA_F_NOACK) == 0) {
            rma_ack(w, src, RMA_ACK);
        }
        if (h->type == RMA_UNLOCK && w->defer_head != NULL) {
            kr_rma_defer_run(w);
        }
        return true;
    default:
        return true;
    }
}

static void rma_defer(struct kr_win *w, const struct rma_hdr *h, int src)
{
    struct rma_defer *d = malloc(sizeof(*d));

    if (d == NULL) {
        KR_LOG_ERR(COMM, "window: out of memory queueing a request from rank %d", src);
        return;
    }
    d->next = NULL;
    d->hdr = *h;
    d->src = src;
    if (w->defer_tail != NULL) {
        w->defer_tail->next = d;
    } else {
        w->defer_head = d;
    }
    w->defer_tail = d;
}

void kr_rma_defer_run(struct kr_win *w)
{
    static int depth;
    struct rma_defer *d, *prev, *next;
    bool progress = true;

    if (depth > 0) {
        return; /* an unlock inside the loop below: the loop goes round again */
    }
    depth++;
    /* an unlock late in the queue may free the lock an earlier request waits for */
    while (progress) {
        progress = false;
        prev = NULL;
        for (d = w->defer_head; d != NULL; d = next) {
            next = d->next;
            if (!rma_try(w, &d->hdr, d->src)) {
                prev = d;
                continue;
            }
            progress = true;
            if (prev != NULL) {
                prev->next = next;
            } else {
                w->defer_head = next;
            }
            if (w->defer_tail == d) {
                w->defer_tail = prev;
            }
            free(d);
        }
    }
    depth--;
}

static void rma_cas(struct kr_win *w, const struct rma_hdr *h, void *mem, const void *payload,
                    int src)
{
    void *old = malloc(h->len > 0 ? h->len : 1);

    if (old == NULL) {
        KR_LOG_ERR(COMM, "window: out of memory for compare_and_swap from rank %d", src);
        return;
    }
    memcpy(old, mem, h->len);
    if (memcmp(mem, (const char *) payload + h->len, h->len) == 0) {
        memcpy(mem, payload, h->len);
    }
    rma_reply(w, src, h->tag, old, h->len, old);
}

void kr_rma_target_handle(struct kr_win *w, const struct rma_hdr *h, const void *payload,
                          size_t n, int src)
{
    void *mem = NULL;

    if (src < 0 || src >= w->size) {
        return;
    }
    if (h->type <= RMA_CAS) {
        mem = rma_target_mem(w, h->addr, h->len);
        if (mem == NULL && h->len > 0) {
            rma_bad_range(w, h, src);
            return;
        }
        if ((h->flags & RMA_F_INLINE) != 0 && n < h->len) {
            KR_LOG_ERR(COMM, "window: short request from rank %d", src);
            return;
        }
    }
    switch (h->type) {
    case RMA_PUT:
        if ((h->flags & RMA_F_INLINE) != 0) {
            memcpy(mem, payload, h->len);
        } else {
            rma_data_post(w, h, mem, src);
        }
        break;
    case RMA_GET:
        rma_reply(w, src, h->tag, mem, h->len, NULL);
        break;
    case RMA_ACC:
    case RMA_GACC:
        if ((h->flags & (RMA_F_INLINE | RMA_F_NODATA)) != 0) {
            rma_acc_apply(w, h, mem, payload, src);
        } else {
            rma_data_post(w, h, mem, src);
        }
        break;
    case RMA_CAS:
        rma_cas(w, h, mem, payload, src);
        break;
    case RMA_POST:
        w->peers[src].posts++;
        break;
    case RMA_GRANT:
        w->peers[src].grants++;
        break;
    case RMA_ACK:
        w->peers[src].acks++;
        break;
    default:
        /* a request waits behind earlier waiting ones of any origin: locks stay in order */
        if (w->defer_head != NULL || !rma_try(w, h, src)) {
            rma_defer(w, h, src);
            kr_rma_defer_run(w);
        }
        break;
    }
}

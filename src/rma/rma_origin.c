/* The origin side of put, get, accumulate, get_accumulate and compare_and_swap: a request
 * message to the target (with the payload inside when small), a separate payload message
 * (tag + 1) when large, and a receive posted beforehand for anything that comes back (tag). */
#include "config.h"

#include "rma/rma_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A payload send or reply receive in flight; counted in its target's local_pending. */
struct rma_oreq {
    struct kr_req req;
    struct kr_win *w;
    int rank;
};

static void rma_oreq_done(struct kr_req *req)
{
    struct rma_oreq *o = req->owner;

    o->w->peers[o->rank].local_pending--;
    free(o);
}

static struct rma_oreq *rma_oreq_new(struct kr_win *w, int rank, const struct kr_rma_buf *b,
                                     enum kr_req_kind kind)
{
    struct rma_oreq *o = malloc(sizeof(*o));

    if (o == NULL) {
        return NULL;
    }
    o->w = w;
    o->rank = rank;
    kr_req_init(&o->req, kind);
    o->req.owner = o;
    o->req.done_cb = rma_oreq_done;
    if (b->lay.ops != NULL) {
        kr_req_set_layout(&o->req, b->lay.ops, b->lay.type, b->lay.count);
    }
    w->peers[rank].local_pending++;
    return o;
}

static void rma_oreq_fail(struct rma_oreq *o)
{
    o->w->peers[o->rank].local_pending--;
    free(o);
}

/* Receive what the target sends back with `tag` into `b`. */
static int rma_expect(struct kr_win *w, int rank, const struct kr_rma_buf *b, int32_t tag)
{
    struct rma_oreq *o = rma_oreq_new(w, rank, b, KR_REQ_RECV);
    int ret;

    if (o == NULL) {
        return -ENOMEM;
    }
    ret = kr_pt2pt_irecv(w->pt, &o->req, b->base, b->len, rank, tag, kr_comm_ctx_pt2pt(w->comm));
    if (ret != 0) {
        rma_oreq_fail(o);
    }
    return ret;
}

/* Send `b` as the separate payload of a request with `tag`. */
static int rma_payload(struct kr_win *w, int rank, const struct kr_rma_buf *b, int32_t tag)
{
    struct rma_oreq *o = rma_oreq_new(w, rank, b, KR_REQ_SEND);
    int ret;

    if (o == NULL) {
        return -ENOMEM;
    }
    ret = kr_pt2pt_isend(w->pt, &o->req, b->base, b->len, kr_comm_job_rank(w->comm, rank),
                         w->rank, tag + 1, kr_comm_ctx_pt2pt(w->comm));
    if (ret != 0) {
        rma_oreq_fail(o);
    }
    return ret;
}

/* Send request `h`, with `b` (if any) inside it when small enough, else after it. */
static int rma_request(struct kr_win *w, int rank, struct rma_hdr *h, const struct kr_rma_buf *b)
{
    _Alignas(16) unsigned char msg[sizeof(*h) + RMA_INLINE];
    size_t n = sizeof(*h);
    int ret;

    if (b != NULL && b->len <= RMA_INLINE) {
        h->flags |= RMA_F_INLINE;
        if (b->lay.ops != NULL) {
            b->lay.ops->pack(b->lay.type, b->lay.count, b->base, 0, msg + n, b->len);
        } else {
            memcpy(msg + n, b->base, b->len);
        }
        n += b->len;
    }
    memcpy(msg, h, sizeof(*h));
    ret = kr_pt2pt_send(w->pt, msg, n, kr_comm_job_rank(w->comm, rank), w->rank, RMA_TAG_REQ,
                        kr_comm_ctx_pt2pt(w->comm));
    if (ret == 0 && b != NULL && (h->flags & RMA_F_INLINE) == 0) {
        ret = rma_payload(w, rank, b, h->tag);
    }
    return ret;
}

/* The target memory of `t` in our mapping of a direct window (NULL when it has none). */
static void *rma_mapped(struct kr_win *w, const struct kr_rma_tgt *t)
{
    char *p = w->peers[t->rank].shm;

    return p != NULL ? p + t->addr : NULL;
}

/* Copy between the origin buffer and target memory mapped here. Complete at once: the
 * synchronisation calls order it with a memory fence (unified model). */
static void rma_direct(const struct kr_rma_buf *o, void *mem, bool put)
{
    if (o->len == 0 || mem == NULL) {
        return;
    }
    if (o->lay.ops == NULL) {
        memcpy(put ? mem : o->base, put ? o->base : mem, o->len);
    } else if (put) {
        o->lay.ops->pack(o->lay.type, o->lay.count, o->base, 0, mem, o->len);
    } else {
        o->lay.ops->unpack(o->lay.type, o->lay.count, o->base, 0, mem, o->len);
    }
}

int kr_rma_put(struct kr_win *w, const struct kr_rma_buf *o, const struct kr_rma_tgt *t)
{
    struct rma_hdr h = { .type = RMA_PUT, .addr = t->addr, .len = t->len, .tag = kr_rma_tag(w) };

    if (w->direct) {
        rma_direct(o, rma_mapped(w, t), true);
        return 0;
    }
    w->peers[t->rank].dirty = true;
    return rma_request(w, t->rank, &h, o);
}

int kr_rma_get(struct kr_win *w, const struct kr_rma_buf *o, const struct kr_rma_tgt *t)
{
    struct rma_hdr h = { .type = RMA_GET, .addr = t->addr, .len = t->len, .tag = kr_rma_tag(w) };
    int ret;

    if (w->direct) {
        rma_direct(o, rma_mapped(w, t), false);
        return 0;
    }
    ret = rma_expect(w, t->rank, o, h.tag);

    return ret != 0 ? ret : rma_request(w, t->rank, &h, NULL);
}

static void rma_acc_hdr(struct rma_hdr *h, const struct kr_rma_tgt *t, const struct kr_op *op)
{
    h->addr = t->addr;
    h->len = t->len;
    h->dt = (int32_t) (uintptr_t) kr_dt_to_handle(t->dt);
    h->op = (int32_t) (uintptr_t) kr_op_to_handle(op);
}

int kr_rma_acc(struct kr_win *w, const struct kr_rma_buf *o, const struct kr_rma_tgt *t,
               const struct kr_op *op)
{
    struct rma_hdr h = { .type = RMA_ACC, .tag = kr_rma_tag(w) };

    if (w->direct) {
        return kr_rma_direct_acc(w, o, NULL, t, op);
    }
    rma_acc_hdr(&h, t, op);
    w->peers[t->rank].dirty = true;
    return rma_request(w, t->rank, &h, o);
}

int kr_rma_get_acc(struct kr_win *w, const struct kr_rma_buf *o, const struct kr_rma_buf *res,
                   const struct kr_rma_tgt *t, const struct kr_op *op)
{
    struct rma_hdr h = { .type = RMA_GACC, .tag = kr_rma_tag(w) };
    int ret;

    if (w->direct) {
        return kr_rma_direct_acc(w, o, res, t, op);
    }
    rma_acc_hdr(&h, t, op);
    if (o == NULL) {
        h.flags |= RMA_F_NODATA;
    } else {
        w->peers[t->rank].dirty = true;
    }
    ret = rma_expect(w, t->rank, res, h.tag);
    return ret != 0 ? ret : rma_request(w, t->rank, &h, o);
}

int kr_rma_cas(struct kr_win *w, const void *origin, const void *compare, void *result,
               const struct kr_rma_tgt *t)
{
    struct rma_hdr h = { .type = RMA_CAS, .addr = t->addr, .len = t->len, .tag = kr_rma_tag(w) };
    unsigned char both[2 * 64];
    struct kr_rma_buf in = { both, 2 * t->len, { 0 } };
    struct kr_rma_buf out = { result, t->len, { 0 } };
    int ret;

    if (t->len > 64) {
        return -EINVAL;
    }
    if (w->direct) {
        return kr_rma_direct_cas(w, origin, compare, result, t);
    }
    memcpy(both, origin, t->len);
    memcpy(both + t->len, compare, t->len);
    w->peers[t->rank].dirty = true;
    ret = rma_expect(w, t->rank, &out, h.tag);
    return ret != 0 ? ret : rma_request(w, t->rank, &h, &in);
}

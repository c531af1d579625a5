/* The operations upper layers call: send, receive, probe. */
#include "config.h"

#include "pt2pt_int.h"

#include <errno.h>

int kr_pt2pt_isend(struct kr_pt2pt *pt, struct kr_req *req, const void *buf, size_t len,
                   int peer, int src, int tag, uint32_t ctx)
{
    req->kind = KR_REQ_SEND;
    req->done = 0;
    req->buf = (void *) buf;
    req->len = len;
    req->peer = peer;
    req->src = src;
    req->tag = tag;
    req->ctx = ctx;
    req->status.error = 0;
    req->status.cancelled = false;
    return kr_proto_send_start(pt, req);
}

int kr_pt2pt_irecv(struct kr_pt2pt *pt, struct kr_req *req, void *buf, size_t cap, int src,
                   int tag, uint32_t ctx)
{
    struct pt2pt_match_ctx *mc = kr_match_ctx_get(pt, ctx);
    struct pt2pt_unexp *u;

    if (mc == NULL) {
        return -ENOMEM;
    }
    req->kind = KR_REQ_RECV;
    req->done = 0;
    req->buf = buf;
    req->len = cap;
    req->src = src;
    req->tag = tag;
    req->ctx = ctx;
    req->status.error = 0;
    req->status.count = 0;
    req->status.cancelled = false;
    u = kr_match_unexp_find(mc, src, tag);
    if (u != NULL) {
        kr_proto_deliver_unexp(pt, req, u);
        return 0;
    }
    req->state = PT2PT_ST_RECV_POSTED;
    return kr_match_posted_add(mc, req);
}

int kr_pt2pt_send(struct kr_pt2pt *pt, const void *buf, size_t len, int peer, int src, int tag,
                  uint32_t ctx)
{
    struct pt2pt_peer *p;
    struct kr_req req;
    int ret;

    ret = kr_proto_peer_connect(pt, peer, &p);
    if (ret != 0) {
        return ret;
    }
    /* Fast path: a small message with nothing queued ahead of it needs no request. */
    if (len <= p->max_eager && kr_list_empty(&p->sendq) && kr_list_empty(&p->ctrlq)
        && kr_proto_credit_take(p, len)) {
        struct kr_wire_hdr hdr = {
            .type = PT2PT_EAGER, .ctx = ctx, .src = src, .tag = tag, .len = len,
        };
        struct iovec iov = { (void *) buf, len };

        ret = p->tp->ops->send_eager(p->ep, &hdr, &iov, 1);
        if (ret != -EAGAIN) {
            return ret;
        }
        p->credit += (int64_t) (len + PT2PT_UNEXP_COST); /* the request path takes it again */
    }
    kr_req_init(&req, KR_REQ_SEND);
    ret = kr_pt2pt_isend(pt, &req, buf, len, peer, src, tag, ctx);
    if (ret != 0) {
        return ret;
    }
    ret = kr_pt2pt_wait(pt, &req);
    return ret != 0 ? ret : req.status.error;
}

int kr_pt2pt_recv(struct kr_pt2pt *pt, void *buf, size_t cap, int src, int tag, uint32_t ctx,
                  struct kr_status *st_out)
{
    struct kr_req req;
    int ret;

    kr_req_init(&req, KR_REQ_RECV);
    ret = kr_pt2pt_irecv(pt, &req, buf, cap, src, tag, ctx);
    if (ret != 0) {
        return ret;
    }
    ret = kr_pt2pt_wait(pt, &req);
    if (ret != 0) {
        return ret;
    }
    *st_out = req.status;
    return 0;
}

static int ops_probe_now(struct kr_pt2pt *pt, int src, int tag, uint32_t ctx, int *flag_out,
                         struct kr_status *st_out)
{
    struct pt2pt_match_ctx *mc = kr_match_ctx_get(pt, ctx);
    struct pt2pt_unexp *u;

    if (mc == NULL) {
        return -ENOMEM;
    }
    u = kr_match_unexp_find(mc, src, tag);
    *flag_out = u != NULL;
    if (u != NULL) {
        st_out->source = u->src;
        st_out->tag = u->tag;
        st_out->error = 0;
        st_out->count = u->len;
        st_out->cancelled = false;
    }
    return 0;
}

int kr_pt2pt_iprobe(struct kr_pt2pt *pt, int src, int tag, uint32_t ctx, int *flag_out,
                    struct kr_status *st_out)
{
    int ret = kr_pt2pt_progress(pt);

    if (ret < 0) {
        return ret;
    }
    return ops_probe_now(pt, src, tag, ctx, flag_out, st_out);
}

struct ops_probe_wait {
    struct kr_pt2pt *pt;
    int src, tag, flag;
    uint32_t ctx;
    struct kr_status *st;
};

static bool ops_probe_found(void *arg)
{
    struct ops_probe_wait *w = arg;

    return ops_probe_now(w->pt, w->src, w->tag, w->ctx, &w->flag, w->st) != 0 || w->flag;
}

int kr_pt2pt_probe(struct kr_pt2pt *pt, int src, int tag, uint32_t ctx,
                   struct kr_status *st_out)
{
    struct ops_probe_wait w = { pt, src, tag, 0, ctx, st_out };

    return kr_pt2pt_wait_until(pt, ops_probe_found, &w);
}

int kr_pt2pt_cancel(struct kr_pt2pt *pt, struct kr_req *req)
{
    if (req->done) {
        return -EBUSY;
    }
    if (req->kind == KR_REQ_SEND && req->state == PT2PT_ST_SEND_WAIT_FIN) {
        /* At the receiver already: ask for it back. */
        return (req->flags & KR_REQ_F_CANCELLING) != 0 ? 0 : kr_proto_send_cancel(pt, req);
    }
    if (!(req->kind == KR_REQ_RECV && req->state == PT2PT_ST_RECV_POSTED)
        && !(req->kind == KR_REQ_SEND && req->state == PT2PT_ST_SEND_QUEUED)) {
        return -EBUSY;
    }
    /* Still only ours: off the posted queue or the peer's send queue, and done. */
    kr_list_del(&req->link);
    req->status.cancelled = true;
    req->status.error = 0;
    req->status.count = 0;
    kr_req_finish(pt, req);
    return 0;
}

int kr_pt2pt_improbe(struct kr_pt2pt *pt, int src, int tag, uint32_t ctx, int *flag_out,
                     struct kr_pt2pt_msg **msg_out, struct kr_status *st_out)
{
    struct pt2pt_match_ctx *mc;
    struct pt2pt_unexp *u;
    int ret = kr_pt2pt_progress(pt);

    if (ret < 0) {
        return ret;
    }
    mc = kr_match_ctx_get(pt, ctx);
    if (mc == NULL) {
        return -ENOMEM;
    }
    u = kr_match_unexp_find(mc, src, tag);
    *flag_out = u != NULL;
    if (u != NULL) {
        kr_match_unexp_remove(u);
        st_out->source = u->src;
        st_out->tag = u->tag;
        st_out->error = 0;
        st_out->count = u->len;
        st_out->cancelled = false;
        *msg_out = (struct kr_pt2pt_msg *) (void *) u;
    }
    return 0;
}

struct ops_mprobe_wait {
    struct kr_pt2pt *pt;
    int src, tag, flag, ret;
    uint32_t ctx;
    struct kr_pt2pt_msg **msg;
    struct kr_status *st;
};

static bool ops_mprobe_found(void *arg)
{
    struct ops_mprobe_wait *w = arg;
    struct pt2pt_match_ctx *mc = kr_match_ctx_get(w->pt, w->ctx);
    struct pt2pt_unexp *u;

    if (mc == NULL) {
        w->ret = -ENOMEM;
        return true;
    }
    u = kr_match_unexp_find(mc, w->src, w->tag);
    if (u == NULL) {
        return false;
    }
    kr_match_unexp_remove(u);
    *w->st = (struct kr_status) { .source = u->src, .tag = u->tag, .count = u->len };
    *w->msg = (struct kr_pt2pt_msg *) (void *) u;
    return true;
}

int kr_pt2pt_mprobe(struct kr_pt2pt *pt, int src, int tag, uint32_t ctx,
                    struct kr_pt2pt_msg **msg_out, struct kr_status *st_out)
{
    struct ops_mprobe_wait w = { pt, src, tag, 0, 0, ctx, msg_out, st_out };
    int ret = kr_pt2pt_wait_until(pt, ops_mprobe_found, &w);

    return ret != 0 ? ret : w.ret;
}

int kr_pt2pt_imrecv(struct kr_pt2pt *pt, struct kr_req *req, void *buf, size_t cap,
                    struct kr_pt2pt_msg *msg)
{
    struct pt2pt_unexp *u = (struct pt2pt_unexp *) (void *) msg;

    req->kind = KR_REQ_RECV;
    req->done = 0;
    req->buf = buf;
    req->len = cap;
    req->src = u->src;
    req->tag = u->tag;
    req->status.error = 0;
    req->status.count = 0;
    req->status.cancelled = false;
    kr_proto_deliver_unexp(pt, req, u);
    return 0;
}

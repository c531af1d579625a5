/* Protocols: eager (the message travels with its header), rendezvous by single copy (RTS,
 * the receiver reads the sender's buffer, FIN), and rendezvous by copy when the transport
 * cannot read remote memory (RTS, CTS, DATA fragments pushed by the sender). */
#include "config.h"

#include "pt2pt_int.h"

#include "util/log.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

int kr_proto_peer_connect(struct kr_pt2pt *pt, int rank, struct pt2pt_peer **peer_out)
{
    struct pt2pt_peer *peer = &pt->peers[rank];

    if (peer->ep == NULL) {
        int ret;

        if (peer->tp == NULL) {
            KR_LOG_ERR(CORE, "no transport reaches rank %d", rank);
            return -EHOSTUNREACH;
        }
        ret = peer->tp->ops->connect(peer->tp, rank, &peer->ep);
        if (ret != 0) {
            return ret;
        }
        peer->max_eager = peer->tp->ops->max_eager(peer->ep);
        peer->max_frag = peer->tp->ops->max_frag != NULL ? peer->tp->ops->max_frag(peer->ep)
                                                         : peer->max_eager;
    }
    *peer_out = peer;
    return 0;
}

static void proto_peer_busy(struct kr_pt2pt *pt, struct pt2pt_peer *peer)
{
    if (!peer->busy) {
        peer->busy = true;
        kr_list_push_back(&pt->busy, &peer->busy_link);
    }
}

bool kr_proto_credit_take(struct pt2pt_peer *peer, size_t len)
{
    int64_t cost = (int64_t) (len + PT2PT_UNEXP_COST);

    if (peer->credit < cost) {
        return false;
    }
    peer->credit -= cost;
    return true;
}

static void proto_credit_refund(struct pt2pt_peer *peer, size_t len)
{
    peer->credit += (int64_t) (len + PT2PT_UNEXP_COST);
}

static int proto_send_ctrl(struct kr_pt2pt *pt, int rank, uint8_t type, const void *payload,
                           size_t plen);

/* An eager message from `rank` was matched: give its cost back to the sender, in batches. */
static void proto_credit_return(struct kr_pt2pt *pt, int rank, size_t len)
{
    struct pt2pt_peer *peer = &pt->peers[rank];

    peer->owed += len + PT2PT_UNEXP_COST;
    if (peer->owed >= (uint64_t) pt->credit_limit / 4) {
        uint64_t amount = peer->owed;

        peer->owed = 0;
        proto_send_ctrl(pt, rank, PT2PT_CREDIT, &amount, sizeof(amount));
    }
}

static int proto_send_ctrl(struct kr_pt2pt *pt, int rank, uint8_t type, const void *payload,
                           size_t plen)
{
    struct kr_wire_hdr hdr = { .type = type };
    struct iovec iov = { (void *) payload, plen };
    struct pt2pt_peer *peer;
    struct pt2pt_ctrl *c;
    int ret;

    ret = kr_proto_peer_connect(pt, rank, &peer);
    if (ret != 0) {
        return ret;
    }
    if (kr_list_empty(&peer->ctrlq)) {
        ret = peer->tp->ops->send_eager(peer->ep, &hdr, &iov, 1);
        if (ret != -EAGAIN) {
            return ret;
        }
    }
    c = malloc(sizeof(*c));
    if (c == NULL) {
        return -ENOMEM;
    }
    c->hdr = hdr;
    c->plen = plen;
    memcpy(c->payload, payload, plen);
    kr_list_push_back(&peer->ctrlq, &c->link);
    proto_peer_busy(pt, peer);
    return 0;
}

/* Packs stream bytes [off, off + len) of a non-contiguous send into the transport's buffer. */
struct proto_pack_arg {
    const struct kr_req *req;
    size_t off;
};

static size_t proto_pack_fill(void *arg, void *dst, size_t len)
{
    const struct proto_pack_arg *a = arg;
    const struct kr_layout *l = &a->req->lay;

    return l->ops->pack(l->type, l->count, a->req->buf, a->off, dst, len);
}

/* Send `head`, then stream bytes [off, off + n) of the request's buffer. */
static int proto_send_data(struct pt2pt_peer *peer, const struct kr_wire_hdr *hdr,
                           struct iovec *head, int nhead, const struct kr_req *req, size_t off,
                           size_t n)
{
    struct proto_pack_arg a = { req, off };

    if (req->lay.ops == NULL) {
        head[nhead].iov_base = (char *) req->buf + off;
        head[nhead].iov_len = n;
        return peer->tp->ops->send_eager(peer->ep, hdr, head, nhead + 1);
    }
    return peer->tp->ops->send_fill(peer->ep, hdr, head, nhead, n, proto_pack_fill, &a);
}

/* Push DATA fragments of a send the receiver asked for with CTS. 1 = all pushed. */
static int proto_push(struct pt2pt_peer *peer, struct kr_req *req)
{
    struct kr_wire_hdr hdr = { .type = PT2PT_DATA };
    size_t frag = peer->max_frag - sizeof(struct pt2pt_data_hdr);

    while (req->moved < req->len) {
        struct pt2pt_data_hdr dh = { req->remote, req->moved };
        size_t n = req->len - req->moved < frag ? req->len - req->moved : frag;
        struct iovec iov[2] = { { &dh, sizeof(dh) } };
        int ret = proto_send_data(peer, &hdr, iov, 1, req, req->moved, n);

        if (ret != 0) {
            return ret;
        }
        req->moved += n;
    }
    return 1;
}

/* Put a send on the wire. 1 = finished (eager, or all fragments pushed), 0 = RTS out and
 * waiting for the receiver, -EAGAIN = no space now, other < 0 = error. */
static int proto_send_try(struct pt2pt_peer *peer, struct kr_req *req)
{
    struct kr_wire_hdr hdr = {
        .ctx = req->ctx, .src = req->src, .tag = req->tag, .len = req->len,
    };
    int ret;

    if (req->state == PT2PT_ST_SEND_PUSH) {
        return proto_push(peer, req);
    }
    if ((req->flags & KR_REQ_F_SYNC) != 0 && req->len + sizeof(uint64_t) <= peer->max_eager
        && kr_proto_credit_take(peer, req->len)) {
        uint64_t cookie = (uint64_t) (uintptr_t) req;
        struct iovec iov[2] = { { &cookie, sizeof(cookie) } };

        /* Synchronous: the message goes now, the send completes when the ACK comes back. */
        hdr.type = PT2PT_EAGER_SYNC;
        req->state = PT2PT_ST_SEND_WAIT_FIN;
        ret = proto_send_data(peer, &hdr, iov, 1, req, 0, req->len);
        if (ret != 0) {
            req->state = PT2PT_ST_SEND_QUEUED;
            proto_credit_refund(peer, req->len);
        }
        return ret;
    }
    if ((req->flags & KR_REQ_F_SYNC) == 0 && req->len <= peer->max_eager
        && kr_proto_credit_take(peer, req->len)) {
        struct iovec iov[1];

        hdr.type = PT2PT_EAGER;
        ret = proto_send_data(peer, &hdr, iov, 0, req, 0, req->len);
        if (ret != 0) {
            proto_credit_refund(peer, req->len);
        }
        return ret == 0 ? 1 : ret;
    } else {
        struct pt2pt_rts rts = {
            .sreq = (uint64_t) (uintptr_t) req,
            .key = { .addr = (uint64_t) (uintptr_t) req->buf, .len = req->len },
            .flags = req->lay.ops == NULL ? PT2PT_RTS_F_CONTIG : 0,
        };
        struct iovec iov = { &rts, sizeof(rts) };

        /* A contiguous buffer the network can read: the receiver may fetch it itself. */
        if (req->lay.ops == NULL && req->len > 0 && peer->tp->ops->rndv_expose != NULL
            && peer->tp->ops->rndv_expose(peer->ep, req->buf, req->len, &rts.key,
                                          &req->exposed) != 0) {
            rts.key.flags = 0;
        }
        hdr.type = PT2PT_RTS;
        req->state = PT2PT_ST_SEND_WAIT_FIN;
        ret = peer->tp->ops->send_eager(peer->ep, &hdr, &iov, 1);
        if (ret != 0) {
            req->state = PT2PT_ST_SEND_QUEUED;
        } else {
            req->flags |= KR_REQ_F_RNDV;
            peer->rndv_out++;
            peer->rndv_sends++;
        }
        if (ret != 0 && ret != -EAGAIN && req->exposed != NULL) {
            peer->tp->ops->rndv_unexpose(peer->ep, req->exposed);
            req->exposed = NULL;
        }
        return ret;
    }
}

int kr_proto_send_start(struct kr_pt2pt *pt, struct kr_req *req)
{
    struct pt2pt_peer *peer;
    int ret;

    ret = kr_proto_peer_connect(pt, req->peer, &peer);
    if (ret != 0) {
        return ret;
    }
    req->state = PT2PT_ST_SEND_QUEUED;
    if (kr_list_empty(&peer->sendq) && kr_list_empty(&peer->ctrlq)) {
        ret = proto_send_try(peer, req);
        if (ret == 1) {
            kr_req_finish(pt, req);
            return 0;
        }
        if (ret != -EAGAIN) {
            return ret;
        }
    }
    kr_list_push_back(&peer->sendq, &req->link);
    proto_peer_busy(pt, peer);
    return 0;
}

/* Send what is queued for `peer` until the transport pushes back. Returns items sent. */
int kr_proto_sendq_drain(struct kr_pt2pt *pt, struct pt2pt_peer *peer)
{
    int n = 0;

    while (!kr_list_empty(&peer->ctrlq)) {
        struct pt2pt_ctrl *c = kr_list_first(&peer->ctrlq, struct pt2pt_ctrl, link);
        struct iovec iov = { c->payload, c->plen };
        int ret = peer->tp->ops->send_eager(peer->ep, &c->hdr, &iov, 1);

        if (ret == -EAGAIN) {
            return n;
        }
        kr_list_del(&c->link);
        free(c);
        n++;
    }
    while (!kr_list_empty(&peer->sendq)) {
        struct kr_req *req = kr_list_first(&peer->sendq, struct kr_req, link);
        int ret = proto_send_try(peer, req);

        if (ret == -EAGAIN) {
            return n;
        }
        kr_list_del(&req->link);
        if (ret < 0) {
            req->status.error = ret;
            kr_req_finish(pt, req);
        } else if (ret == 1) {
            kr_req_finish(pt, req);
        }
        n++;
    }
    if (peer->busy) {
        peer->busy = false;
        kr_list_del(&peer->busy_link);
    }
    return n;
}

/* The copy is done (or failed): tell the sender and complete the receive. */
static void proto_rndv_finish(struct kr_pt2pt *pt, struct kr_req *req, uint64_t sreq, int err)
{
    int ret = proto_send_ctrl(pt, req->peer, PT2PT_FIN, &sreq, sizeof(sreq));

    if (err == 0) {
        err = ret;
    }
    if (err != 0) {
        req->status.error = err;
    }
    kr_req_finish(pt, req);
}

/* Large transfer: ask the sender to help, copy our share, and finish now or from progress.
 * Returns -EBUSY (no slot) or -ENOSYS when the transport cannot; the caller falls back. */
static int proto_rndv_coop(struct kr_pt2pt *pt, struct pt2pt_peer *peer, struct kr_req *req,
                           const struct pt2pt_rts *rts, size_t n)
{
    struct kr_rndv_key key = rts->key;
    struct pt2pt_cts_coop cc = { rts->sreq, 0 };
    int ret, done;

    key.len = n;
    ret = peer->tp->ops->coop_open(peer->ep, &key, req->buf, &cc.ticket);
    if (ret != 0) {
        return ret;
    }
    req->ticket = cc.ticket;
    req->remote = rts->sreq;
    ret = proto_send_ctrl(pt, req->peer, PT2PT_CTS_COOP, &cc, sizeof(cc));
    if (ret == 0) {
        ret = peer->tp->ops->coop_work(peer->ep, cc.ticket, NULL);
    }
    done = peer->tp->ops->coop_done(peer->ep, cc.ticket);
    if (ret < 0 || done != 0) {
        proto_rndv_finish(pt, req, rts->sreq, ret < 0 ? ret : done < 0 ? done : 0);
        return 0;
    }
    req->state = PT2PT_ST_RECV_COOP;
    kr_list_push_back(&pt->coop, &req->link);
    return 0;
}

/* Receives whose sender still copies its last chunks: complete those that landed. */
int kr_proto_coop_poll(struct kr_pt2pt *pt)
{
    struct kr_list *pos, *tmp;
    int n = 0;

    kr_list_for_each_safe(pos, tmp, &pt->coop) {
        struct kr_req *req = kr_container_of(pos, struct kr_req, link);
        struct pt2pt_peer *peer = &pt->peers[req->peer];
        int done = peer->tp->ops->coop_done(peer->ep, req->ticket);

        if (done != 0) {
            kr_list_del(&req->link);
            proto_rndv_finish(pt, req, req->remote, done < 0 ? done : 0);
            n++;
        }
    }
    return n;
}

/* A matched RTS: read the data in one copy if the transport can (with the sender's help for
 * large messages), else ask for a push. */
/* Single copy of the first `n` bytes of the sender's contiguous buffer into ours: directly,
 * or by scatter list when our buffer is made of large pieces. -ENOSYS: not worth it or not
 * possible here (the caller uses the copy protocol). */
static int proto_rndv_get(struct pt2pt_peer *peer, struct kr_req *req,
                          const struct pt2pt_rts *rts, size_t n)
{
    const struct kr_layout *l = &req->lay;
    struct kr_rndv_key key = { .addr = rts->key.addr, .len = n };
    size_t pieces, min_piece, bytes;
    struct iovec one = { req->buf, n }, *iov;
    int ret, cnt;

    if (l->ops == NULL) {
        return peer->tp->ops->rndv_get(peer->ep, &key, &one, 1);
    }
    l->ops->shape(l->type, l->count, &pieces, &min_piece);
    if (min_piece < PT2PT_IOV_MIN_PIECE || pieces > INT_MAX) {
        return -ENOSYS;
    }
    iov = malloc(sizeof(*iov) * pieces);
    if (iov == NULL) {
        return -ENOSYS;
    }
    cnt = l->ops->iov(l->type, l->count, req->buf, 0, iov, (int) pieces, &bytes);
    /* A truncated receive takes only the first n bytes of its pieces. */
    for (int i = 0; i < cnt; i++) {
        if (n <= iov[i].iov_len) {
            iov[i].iov_len = n;
            cnt = i + 1;
            break;
        }
        n -= iov[i].iov_len;
    }
    ret = peer->tp->ops->rndv_get(peer->ep, &key, iov, cnt);
    free(iov);
    return ret;
}

/* Is the transport's cooperative copy the way to move this message? Always for a buffer the
 * sender exposed for remote reads, and where it is the transport's only large-message path
 * (no single copy: tcp, ofi). Where single copy exists (shm), the sender's help pays only
 * with a core that would otherwise idle: not from a sender busy pulling our own large message
 * (an exchange: each side then copies alone, in parallel), and not on an oversubscribed host,
 * where every core has work and chunked copies cost more per byte than one single copy. */
static bool proto_coop_pays(const struct kr_pt2pt *pt, const struct pt2pt_peer *peer,
                            const struct pt2pt_rts *rts, size_t n)
{
    if ((rts->key.flags & KR_RNDV_KEY_REMOTE) != 0) {
        return true;
    }
    if (n < kr_pt2pt_coop_min) {
        return false;
    }
    return peer->tp->ops->rndv_get == NULL || (peer->rndv_out == 0 && !pt->oversubscribed);
}

static void proto_rndv_pull(struct kr_pt2pt *pt, struct kr_req *req, const struct pt2pt_rts *rts)
{
    bool contig = (rts->flags & PT2PT_RTS_F_CONTIG) != 0;
    struct pt2pt_peer *peer;
    size_t n = req->status.count;
    int ret;

    ret = kr_proto_peer_connect(pt, req->peer, &peer);
    if (ret == 0 && contig && req->lay.ops == NULL && peer->tp->ops->coop_open != NULL
        && kr_pt2pt_coop_min > 0 && proto_coop_pays(pt, peer, rts, n)
        && proto_rndv_coop(pt, peer, req, rts, n) == 0) {
        return;
    }
    if (ret == 0 && contig && peer->tp->ops->rndv_get != NULL && n > 0) {
        ret = proto_rndv_get(peer, req, rts, n);
        if (ret != -ENOSYS && ret != -EPERM) {
            proto_rndv_finish(pt, req, rts->sreq, ret);
            return;
        }
        ret = 0;
    }
    if (ret != 0) {
        req->status.error = ret;
        kr_req_finish(pt, req);
        return;
    }
    if (n == 0) {
        proto_rndv_finish(pt, req, rts->sreq, 0);
        return;
    }
    struct pt2pt_cts cts = { rts->sreq, (uint64_t) (uintptr_t) req, n };

    req->state = PT2PT_ST_RECV_PULL;
    req->moved = 0;
    ret = proto_send_ctrl(pt, req->peer, PT2PT_CTS, &cts, sizeof(cts));
    if (ret != 0) {
        req->status.error = ret;
        kr_req_finish(pt, req);
    }
}

/* Stream bytes [off, off + n) of a message arrived at `src`: into the receive buffer. */
static void proto_unpack(struct kr_req *req, size_t off, const void *src, size_t n)
{
    const struct kr_layout *l = &req->lay;

    if (n == 0) {
        return;
    }
    if (l->ops == NULL) {
        memcpy((char *) req->buf + off, src, n);
    } else {
        l->ops->unpack(l->type, l->count, req->buf, off, src, n);
    }
}

/* A receive met its message: eager data (whose sender may want an ACK: `sync`) or an RTS. */
static void proto_matched(struct kr_pt2pt *pt, struct kr_req *req, int peer,
                          const struct kr_wire_hdr *hdr, const void *payload, uint64_t sync)
{
    size_t n = hdr->len <= req->len ? hdr->len : req->len;

    req->peer = peer;
    req->status.source = hdr->src;
    req->status.tag = hdr->tag;
    req->status.count = n;
    req->status.error = hdr->len > req->len ? -KR_ETRUNC : 0;
    if (hdr->type == PT2PT_EAGER) {
        proto_unpack(req, 0, payload, n);
        if (sync != 0) {
            proto_send_ctrl(pt, peer, PT2PT_ACK, &sync, sizeof(sync));
        }
        proto_credit_return(pt, peer, hdr->len);
        kr_req_finish(pt, req);
    } else {
        /* a transport's payload need not be aligned for the struct (TCP frames are packed) */
        struct pt2pt_rts rts;

        memcpy(&rts, payload, sizeof(rts));
        proto_rndv_pull(pt, req, &rts);
    }
}

/* Memory for an unexpected message carrying `len` bytes (NULL when out of memory). */
static struct pt2pt_unexp *proto_unexp_alloc(struct kr_pt2pt *pt, size_t len)
{
    struct pt2pt_unexp *u = pt->unexp_cells;

    if (len > PT2PT_UNEXP_CELL) {
        u = malloc(sizeof(*u) + len);
        if (u != NULL) {
            u->cell = false;
        }
        return u;
    }
    if (u != NULL) {
        pt->unexp_cells = u->next_free;
        pt->unexp_cells_idle--;
        return u;
    }
    u = malloc(sizeof(*u) + PT2PT_UNEXP_CELL);
    if (u != NULL) {
        u->cell = true;
    }
    return u;
}

void kr_proto_unexp_release(struct kr_pt2pt *pt, struct pt2pt_unexp *u)
{
    if (u->cell && pt->unexp_cells_idle < PT2PT_UNEXP_CACHED) {
        u->next_free = pt->unexp_cells;
        pt->unexp_cells = u;
        pt->unexp_cells_idle++;
    } else {
        free(u);
    }
}

void kr_proto_unexp_cells_free(struct kr_pt2pt *pt)
{
    while (pt->unexp_cells != NULL) {
        struct pt2pt_unexp *u = pt->unexp_cells;

        pt->unexp_cells = u->next_free;
        free(u);
    }
    pt->unexp_cells_idle = 0;
}

static void proto_deliver(struct kr_pt2pt *pt, struct kr_req *req, struct pt2pt_unexp *u)
{
    struct kr_wire_hdr hdr = {
        .type = u->type, .src = u->src, .tag = u->tag, .len = u->len,
    };

    proto_matched(pt, req, u->peer, &hdr, u->type == PT2PT_EAGER ? (void *) u->data
                                                                  : (void *) &u->rts, u->sync);
    kr_proto_unexp_release(pt, u);
}

/* A receive posted for a message that is already here. A large one is pulled from the next
 * progress call, not now: the caller usually posts its own sends first (Sendrecv, exchange
 * rounds of collectives), so both directions then copy at once instead of one after the
 * other. */
void kr_proto_deliver_unexp(struct kr_pt2pt *pt, struct kr_req *req, struct pt2pt_unexp *u)
{
    kr_match_unexp_remove(u);
    if (u->type != PT2PT_RTS) {
        proto_deliver(pt, req, u);
        return;
    }
    req->state = PT2PT_ST_RECV_DEFER;
    req->remote = (uint64_t) (uintptr_t) u; /* the RTS, until the pull */
    kr_list_push_back(&pt->pulls, &req->link);
}

int kr_proto_pulls_run(struct kr_pt2pt *pt)
{
    int n = 0;

    while (!kr_list_empty(&pt->pulls)) {
        struct kr_req *req = kr_container_of(pt->pulls.next, struct kr_req, link);

        kr_list_del(&req->link);
        proto_deliver(pt, req, (struct pt2pt_unexp *) (uintptr_t) req->remote);
        n++;
    }
    return n;
}

static void proto_recv_msg(struct kr_pt2pt *pt, int peer, const struct kr_wire_hdr *wire,
                           const void *payload, size_t len)
{
    struct pt2pt_match_ctx *mc = kr_match_ctx_get(pt, wire->ctx);
    struct kr_wire_hdr h = *wire, *hdr = &h;
    struct pt2pt_unexp *u;
    struct kr_req *req;
    uint64_t sync = 0;

    if (mc == NULL) {
        KR_LOG_ERR(MATCH, "out of memory matching a message from rank %d", peer);
        abort();
    }
    if (h.type == PT2PT_EAGER_SYNC) {
        /* From here on a synchronous message is an eager one with a cookie to ACK. */
        memcpy(&sync, payload, sizeof(sync));
        payload = (const char *) payload + sizeof(sync);
        len -= sizeof(sync);
        h.type = PT2PT_EAGER;
    }
    req = kr_match_posted_take(mc, hdr->src, hdr->tag);
    if (req != NULL) {
        proto_matched(pt, req, peer, hdr, payload, sync);
        return;
    }
    pt->unexp_msgs++;
    u = proto_unexp_alloc(pt, hdr->type == PT2PT_EAGER ? len : 0);
    if (u == NULL) {
        KR_LOG_ERR(MATCH, "out of memory queuing an unexpected message of %zu bytes from rank "
                   "%d", len, peer);
        abort();
    }
    u->src = hdr->src;
    u->tag = hdr->tag;
    u->peer = peer;
    u->type = hdr->type;
    u->sync = sync;
    u->len = hdr->len;
    if (hdr->type == PT2PT_EAGER) {
        if (len > 0) {
            memcpy(u->data, payload, len);
        }
    } else {
        memcpy(&u->rts, payload, sizeof(u->rts));
    }
    if (kr_match_unexp_add(mc, u) != 0) {
        KR_LOG_ERR(MATCH, "out of memory queuing a message from rank %d", peer);
        abort();
    }
}

static void proto_recv_data(struct kr_pt2pt *pt, const void *payload, size_t len)
{
    struct pt2pt_data_hdr dh;
    struct kr_req *req;
    size_t n = len - sizeof(dh);

    memcpy(&dh, payload, sizeof(dh));
    req = (struct kr_req *) (uintptr_t) dh.rreq;
    proto_unpack(req, dh.offset, (const char *) payload + sizeof(dh), n);
    req->moved += n;
    if (req->moved >= req->status.count) {
        kr_req_finish(pt, req);
    }
}

/* The receiver asks us to help copy a large message: copy chunks until none is left. The
 * send completes when FIN arrives (the receiver's chunks may still be landing now). */
static void proto_recv_cts_coop(struct kr_pt2pt *pt, int src, const void *payload)
{
    struct pt2pt_peer *peer = &pt->peers[src];
    struct pt2pt_cts_coop cc;
    struct kr_req *req;
    int ret;

    memcpy(&cc, payload, sizeof(cc));
    req = (struct kr_req *) (uintptr_t) cc.sreq;
    ret = peer->tp->ops->coop_work(peer->ep, cc.ticket, req->buf);
    if (ret < 0) {
        KR_LOG_ERR(CORE, "copying a %zu-byte message to rank %d failed: %s", req->len, src,
                   strerror(-ret));
    }
}

static void proto_recv_cts(struct kr_pt2pt *pt, int src, const void *payload)
{
    struct pt2pt_cts cts;
    struct pt2pt_peer *peer = &pt->peers[src];
    struct kr_req *req;

    memcpy(&cts, payload, sizeof(cts));
    req = (struct kr_req *) (uintptr_t) cts.sreq;
    req->state = PT2PT_ST_SEND_PUSH;
    req->remote = cts.rreq;
    req->moved = 0;
    req->len = cts.want;
    kr_list_push_back(&peer->sendq, &req->link);
    proto_peer_busy(pt, peer);
}

int kr_proto_send_cancel(struct kr_pt2pt *pt, struct kr_req *req)
{
    struct pt2pt_cancel c = { (uint64_t) (uintptr_t) req, req->ctx, req->src };

    req->flags |= KR_REQ_F_CANCELLING;
    return proto_send_ctrl(pt, req->peer, PT2PT_CANCEL, &c, sizeof(c));
}

/* A sender wants its message back: drop it if nothing matched it yet, and say so. */
static void proto_recv_cancel(struct kr_pt2pt *pt, int peer, const void *payload)
{
    struct pt2pt_cancel_ack ack = { 0, 0 };
    struct pt2pt_match_ctx *mc;
    struct pt2pt_cancel c;
    struct kr_list *pos, *tmp;

    memcpy(&c, payload, sizeof(c));
    ack.sreq = c.sreq;
    mc = c.ctx < KR_CTX_MAX ? pt->ctxs[c.ctx] : NULL;
    if (mc != NULL && c.src >= 0 && c.src < pt->size && mc->bins[c.src] != NULL) {
        kr_list_for_each_safe(pos, tmp, &mc->bins[c.src]->unexp) {
            struct pt2pt_unexp *u = kr_container_of(pos, struct pt2pt_unexp, by_src);

            if (u->peer == peer && ((u->type == PT2PT_RTS && u->rts.sreq == c.sreq)
                                    || (u->type == PT2PT_EAGER && u->sync == c.sreq))) {
                kr_match_unexp_remove(u);
                if (u->type == PT2PT_EAGER) {
                    proto_credit_return(pt, peer, u->len);
                }
                kr_proto_unexp_release(pt, u);
                ack.dropped = 1;
                break;
            }
        }
    }
    proto_send_ctrl(pt, peer, PT2PT_CANCEL_ACK, &ack, sizeof(ack));
}

/* The answer to our cancel: a dropped message completes the send as cancelled; otherwise it
 * was matched and completes normally (the request may even be finished and reused by now, so
 * it is not touched). */
static void proto_recv_cancel_ack(struct kr_pt2pt *pt, const void *payload)
{
    struct pt2pt_cancel_ack ack;
    struct kr_req *req;

    memcpy(&ack, payload, sizeof(ack));
    if (!ack.dropped) {
        return;
    }
    req = (struct kr_req *) (uintptr_t) ack.sreq;
    req->status.cancelled = true;
    kr_req_finish(pt, req);
}

/* The transports' arrival callback (kr_tport_cb.recv). */
void kr_proto_recv_cb(void *ctx, int src, const struct kr_wire_hdr *hdr, const void *payload,
                      size_t len)
{
    struct kr_pt2pt *pt = ctx;
    uint64_t cookie;

    switch (hdr->type) {
    case PT2PT_EAGER:
    case PT2PT_EAGER_SYNC:
    case PT2PT_RTS:
        proto_recv_msg(pt, src, hdr, payload, len);
        break;
    case PT2PT_CREDIT:
        memcpy(&cookie, payload, sizeof(cookie));
        pt->peers[src].credit += (int64_t) cookie;
        break;
    case PT2PT_ACK:
    case PT2PT_FIN:
        memcpy(&cookie, payload, sizeof(cookie));
        kr_req_finish(pt, (struct kr_req *) (uintptr_t) cookie);
        break;
    case PT2PT_CTS:
        proto_recv_cts(pt, src, payload);
        break;
    case PT2PT_DATA:
        proto_recv_data(pt, payload, len);
        break;
    case PT2PT_CTS_COOP:
        proto_recv_cts_coop(pt, src, payload);
        break;
    case PT2PT_CANCEL:
        proto_recv_cancel(pt, src, payload);
        break;
    case PT2PT_CANCEL_ACK:
        proto_recv_cancel_ack(pt, payload);
        break;
    default:
        KR_LOG_ERR(CORE, "unknown message type %u from rank %d", hdr->type, src);
        break;
    }
}

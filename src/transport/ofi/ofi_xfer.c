/* Moving bytes over libfabric: eager messages through pre-posted receive buffers (one tag, so
 * they match in send order), bulk transfers straight from the sender's buffer into the
 * receiver's, either read by the receiver (fi_read of the exposed buffer) or as tagged chunks
 * the sender sends (a window of chunks in flight per transfer), and the completion queue that
 * drives them all. */
#include "config.h"

#include "ofi_int.h"

#include "util/errors.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OFI_CQ_BATCH 16
#define OFI_XFER_ID_BITS 19
#define OFI_TICKET_LEN_MASK (((uint64_t) 1 << 40) - 1)
#define OFI_TICKET_READ ((uint64_t) 1 << 63)    /* the receiver reads: the sender idles */

int kr_ofi_ep_addr(struct ofi_tport *ot, struct ofi_tep *ep)
{
    char key[64], val[KR_OFI_CARD_TEXT_MAX];
    struct ofi_card card;
    int ret = -ENOENT;

    if (ep->have_addr) {
        return 0;
    }
    snprintf(key, sizeof(key), "kurir-ofi-%d", ep->peer);
    if (ot->have_kvs) {
        ret = ot->kvs.get(ot->kvs.ctx, key, val, sizeof(val));
    }
    if (ret == 0) {
        ret = kr_ofi_card_parse(val, &card);
    }
    if (ret == -ENOENT) {
        return ret;             /* logged by the caller if it needed this peer */
    }
    if (ret != 0) {
        KR_LOG_ERR(OFI, "rank %d: no valid ofi address of rank %d (%s)", ot->rank, ep->peer,
                   strerror(-ret));
        return ret;
    }
    if (strcmp(card.prov, ot->info->fabric_attr->prov_name) != 0) {
        KR_LOG_ERR(OFI, "rank %d uses provider %s, rank %d uses %s: set KURIR_OFI_PROVIDER "
                   "alike everywhere", ep->peer, card.prov, ot->rank,
                   ot->info->fabric_attr->prov_name);
        return -EPROTO;
    }
    ret = fi_av_insert(ot->av, card.addr, 1, &ep->fiaddr, 0, NULL);
    if (ret != 1) {
        KR_LOG_ERR(OFI, "rank %d: cannot add rank %d to the address vector: %s", ot->rank,
                   ep->peer, fi_strerror(ret < 0 ? -ret : FI_EINVAL));
        return -EHOSTUNREACH;
    }
    ep->have_addr = true;
    return 0;
}

int kr_ofi_rx_post(struct ofi_tport *ot, struct ofi_op *op)
{
    ssize_t ret;

    do {
        ret = fi_trecv(ot->ep, op->buf, ot->buf_size, ot->slab_desc, FI_ADDR_UNSPEC,
                       OFI_TAG_MSG, 0, &op->fctx);
        if (ret == -FI_EAGAIN) {
            fi_cq_read(ot->cq, NULL, 0);        /* progress, then retry */
        }
    } while (ret == -FI_EAGAIN);
    if (ret != 0) {
        KR_LOG_ERR(OFI, "posting a receive buffer failed: %s", fi_strerror((int) -ret));
        return -EIO;
    }
    return 0;
}

/* Hand a copied send to the provider. 1 = taken, 0 = refused for now (EAGAIN), or -errno. */
static int ofi_send_post(struct ofi_tport *ot, struct ofi_op *op)
{
    ssize_t ret = fi_tsend(ot->ep, op->buf, op->len, ot->slab_desc, op->dest->fiaddr,
                           OFI_TAG_MSG, &op->fctx);

    if (ret == -FI_EAGAIN) {
        return 0;
    }
    if (ret != 0) {
        KR_LOG_ERR(OFI, "rank %d: sending to rank %d failed: %s", ot->rank, op->dest->peer,
                   fi_strerror((int) -ret));
        if (ot->error == 0) {
            ot->error = -KR_EPEER;
        }
        return -KR_EPEER;
    }
    ot->tx_inflight++;
    return 1;
}

int kr_ofi_send_pending(struct ofi_tport *ot)
{
    int n = 0;

    while (ot->pend_head != NULL) {
        struct ofi_op *op = ot->pend_head;
        int ret = ofi_send_post(ot, op);

        if (ret == 0) {
            break;
        }
        ot->pend_head = op->next;
        if (ot->pend_head == NULL) {
            ot->pend_tail = &ot->pend_head;
        }
        if (ret < 0) {
            op->next = ot->tx_free;
            ot->tx_free = op;
            return ret;
        }
        n++;
    }
    return n;
}

/* Copy the frame and payload into a send buffer and post it. A send the provider cannot take
 * yet (ofi_rxm says EAGAIN while it connects) waits, copied, in the pending queue behind
 * which every later send lines up, so order holds and the caller's buffers are free at once.
 * -EAGAIN only when every send buffer is in use. */
int kr_ofi_send_frame(struct ofi_tep *ep, const struct ofi_frame *fr, const struct iovec *iov,
                      int iovcnt, size_t flen, kr_tport_fill_fn fill, void *arg)
{
    struct ofi_tport *ot = (struct ofi_tport *) (void *) ep->base.tp;
    struct ofi_op *op;
    size_t off = sizeof(*fr);
    int ret;

    if (ot->error != 0) {
        return ot->error;
    }
    op = ot->tx_free;
    if (op == NULL) {
        kr_ofi_cq_poll(ot);
        op = ot->tx_free;
        if (op == NULL) {
            return -EAGAIN;
        }
    }
    ot->tx_free = op->next;
    memcpy(op->buf, fr, sizeof(*fr));
    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].iov_len > 0) { /* a zero-length payload may have no buffer at all */
            memcpy(op->buf + off, iov[i].iov_base, iov[i].iov_len);
        }
        off += iov[i].iov_len;
    }
    if (fill != NULL && flen > 0) {
        off += fill(arg, op->buf + off, flen);
    }
    op->len = off;
    op->dest = ep;
    op->next = NULL;
    ep->touched = true;
    ot->hot = 256;
    ret = ot->pend_head == NULL ? ofi_send_post(ot, op) : 0;
    if (ret == 0) {
        *ot->pend_tail = op;
        ot->pend_tail = &op->next;
        kr_ofi_cq_poll(ot);     /* drives the provider's connection setup */
        kr_ofi_send_pending(ot);
        return 0;
    }
    if (ret < 0) {
        op->next = ot->tx_free;
        ot->tx_free = op;
        return ret;
    }
    return 0;
}

static void *ofi_xfer_desc(struct ofi_xfer *x)
{
    return x->mr != NULL ? fi_mr_desc(x->mr->handle) : NULL;
}

static uint64_t ofi_xfer_tag(uint32_t id, uint32_t idx)
{
    return OFI_TAG_BULK | (uint64_t) id << 32 | idx;
}

/* Post the transfer's next chunks while the window has room. 0, or -errno (failed). */
static int ofi_xfer_post(struct ofi_tport *ot, struct ofi_xfer *x)
{
    while (x->posted < x->nchunks && x->inflight < OFI_BULK_WINDOW) {
        uint64_t off = (uint64_t) x->posted * x->chunk;
        size_t n = x->len - off < x->chunk ? (size_t) (x->len - off) : x->chunk;
        struct ofi_op *op = &x->ops[x->posted % OFI_BULK_WINDOW];
        uint64_t tag = ofi_xfer_tag(x->id, x->posted);
        ssize_t ret;

        op->type = x->send ? OFI_OP_BULK_TX : x->read ? OFI_OP_BULK_READ : OFI_OP_BULK_RX;
        op->xfer = x;
        if (x->read) {
            ret = fi_read(ot->ep, x->buf + off, n, ofi_xfer_desc(x), x->ep->fiaddr,
                          x->raddr + off, x->rkey, &op->fctx);
        } else if (x->send) {
            ret = fi_tsend(ot->ep, x->buf + off, n, ofi_xfer_desc(x), x->ep->fiaddr, tag,
                           &op->fctx);
        } else {
            ret = fi_trecv(ot->ep, x->buf + off, n, ofi_xfer_desc(x), FI_ADDR_UNSPEC, tag, 0,
                           &op->fctx);
        }
        if (ret == -FI_EAGAIN) {
            return 0;           /* the next progress call tries again */
        }
        if (ret != 0) {
            KR_LOG_ERR(OFI, "rank %d: bulk %s rank %d failed: %s", ot->rank,
                       x->send ? "send to" : x->read ? "read from" : "receive from", x->ep->peer,
                       fi_strerror((int) -ret));
            x->error = -KR_EPEER;
            return x->error;
        }
        x->posted++;
        x->inflight++;
    }
    return 0;
}

static struct ofi_xfer *ofi_xfer_new(struct ofi_tep *ep, bool send, void *buf, uint64_t len)
{
    struct ofi_tport *ot = (struct ofi_tport *) (void *) ep->base.tp;
    struct ofi_xfer *x = calloc(1, sizeof(*x));

    if (x == NULL) {
        return NULL;
    }
    x->ep = ep;
    x->send = send;
    x->buf = buf;
    x->len = len;
    x->chunk = ot->chunk;
    x->nchunks = (uint32_t) ((len + x->chunk - 1) / x->chunk);
    if (ot->mr_local && kr_ofi_mr_get(&ot->mrc, buf, (size_t) len, &x->mr) != 0) {
        free(x);
        return NULL;
    }
    return x;
}

static void ofi_xfer_free(struct ofi_tport *ot, struct ofi_xfer *x)
{
    if (x->mr != NULL) {
        kr_ofi_mr_put(&ot->mrc, x->mr);
    }
    free(x);
}

/* Ticket: whether the receiver reads (1 bit), transfer id (19 bits), log2 of the chunk size
 * (4 bits, from 64 KiB), length (40). The receiver reads when the sender exposed its buffer
 * and this side uses reads (ofi_fabric_find decided). */
int kr_ofi_bulk_recv_open(struct ofi_tep *ep, const struct kr_rndv_key *key, void *dst,
                          uint64_t *ticket_out)
{
    struct ofi_tport *ot = (struct ofi_tport *) (void *) ep->base.tp;
    uint64_t len = key->len;
    struct ofi_xfer *x;
    int shift = 0;

    if (ot->error != 0) {
        return ot->error;
    }
    if (len == 0 || len > OFI_TICKET_LEN_MASK) {
        return -EBUSY;
    }
    x = ofi_xfer_new(ep, false, dst, len);
    if (x == NULL) {
        return -EBUSY;
    }
    while (((size_t) 65536 << shift) < x->chunk) {
        shift++;
    }
    x->read = ot->rndv_read && (key->flags & KR_RNDV_KEY_REMOTE) != 0;
    x->raddr = key->raddr;
    x->rkey = key->rkey;
    x->id = ot->next_xfer++ & ((1u << OFI_XFER_ID_BITS) - 1);
    x->ticket = (x->read ? OFI_TICKET_READ : 0) | (uint64_t) x->id << 44
                | (uint64_t) shift << 40 | len;
    ot->hot = 256;
    if (ofi_xfer_post(ot, x) != 0) {
        ofi_xfer_free(ot, x);
        return -EBUSY;
    }
    x->next = ep->rx_xfers;
    ep->rx_xfers = x;
    ot->nrx_xfers++;
    if (x->read) {
        ot->nread++;
    } else {
        ot->nchunked++;
    }
    ot->rx_backlog += x->posted < x->nchunks;
    *ticket_out = x->ticket;
    return 0;
}

int kr_ofi_bulk_send(struct ofi_tep *ep, uint64_t ticket, const void *src)
{
    struct ofi_tport *ot = (struct ofi_tport *) (void *) ep->base.tp;
    struct ofi_xfer *x;
    int ret;

    if (ot->error != 0) {
        return ot->error;
    }
    if ((ticket & OFI_TICKET_READ) != 0) {
        return 0;               /* the receiver reads our exposed buffer; FIN ends it */
    }
    x = ofi_xfer_new(ep, true, (void *) src, ticket & OFI_TICKET_LEN_MASK);
    if (x == NULL) {
        return -ENOMEM;
    }
    /* The receiver's chunk size rules (the ticket says it), whatever ours is. */
    x->chunk = (size_t) 65536 << ((ticket >> 40) & 0xf);
    x->nchunks = (uint32_t) ((x->len + x->chunk - 1) / x->chunk);
    x->id = (uint32_t) (ticket >> 44) & ((1u << OFI_XFER_ID_BITS) - 1);
    x->ticket = ticket;
    x->next = ot->tx_xfers;
    ot->tx_xfers = x;
    ep->touched = true;
    ot->hot = 256;
    ret = ofi_xfer_post(ot, x);
    return ret < 0 ? ret : 1;
}

int kr_ofi_bulk_recv_done(struct ofi_tep *ep, uint64_t ticket)
{
    struct ofi_tport *ot = (struct ofi_tport *) (void *) ep->base.tp;

    for (struct ofi_xfer **p = &ep->rx_xfers; *p != NULL; p = &(*p)->next) {
        struct ofi_xfer *x = *p;
        int ret;

        if (x->ticket != ticket) {
            continue;
        }
        if (x->error == 0 && x->done < x->nchunks) {
            return 0;
        }
        if (x->inflight > 0) {
            return 0;           /* failed: wait until the provider gives the buffers back */
        }
        ret = x->error != 0 ? x->error : 1;
        ot->rx_backlog -= x->posted < x->nchunks;
        ot->nrx_xfers--;
        *p = x->next;
        ofi_xfer_free(ot, x);
        return ret;
    }
    return 1;
}

/* Post chunks that did not fit the window before; free finished sends. */
int kr_ofi_bulk_pump(struct ofi_tport *ot)
{
    int n = 0;

    for (struct ofi_xfer **p = &ot->tx_xfers; *p != NULL;) {
        struct ofi_xfer *x = *p;

        if ((x->done == x->nchunks || x->error != 0) && x->inflight == 0) {
            *p = x->next;
            ofi_xfer_free(ot, x);
            n++;
            continue;
        }
        if (x->error == 0) {
            ofi_xfer_post(ot, x);
        }
        p = &x->next;
    }
    for (int r = 0; r < ot->size && ot->rx_backlog > 0; r++) {
        for (struct ofi_xfer *x = ot->eps[r].rx_xfers; x != NULL; x = x->next) {
            if (x->error == 0 && x->posted < x->nchunks) {
                ofi_xfer_post(ot, x);
                ot->rx_backlog -= x->posted == x->nchunks;
            }
        }
    }
    return n;
}

/* An eager buffer arrived: hand the message up, then post the buffer again. */
static int ofi_cq_rx(struct ofi_tport *ot, struct ofi_op *op, size_t len)
{
    struct ofi_frame fr;

    if (len < sizeof(fr)) {
        KR_LOG_ERR(OFI, "rank %d: a %zu-byte message is too short for a frame", ot->rank, len);
    } else {
        memcpy(&fr, op->buf, sizeof(fr));
        if (fr.src >= 0 && fr.src < ot->size) {
            ot->eps[fr.src].touched = true;
            if (fr.kind == OFI_F_BYE) {
                ot->eps[fr.src].bye_seen = true;
            } else if (fr.kind == OFI_F_MSG) {
                ot->cb.recv(ot->cb.ctx, fr.src, &fr.msg, op->buf + sizeof(fr),
                            len - sizeof(fr));
            }
        }
    }
    return kr_ofi_rx_post(ot, op);
}

static void ofi_cq_done(struct ofi_tport *ot, struct ofi_op *op, size_t len, int err)
{
    switch (op->type) {
    case OFI_OP_RX:
        if (err == 0) {
            ofi_cq_rx(ot, op, len);
        }
        break;
    case OFI_OP_TX:
        op->next = ot->tx_free;
        ot->tx_free = op;
        ot->tx_inflight--;
        break;
    case OFI_OP_BULK_RX:
    case OFI_OP_BULK_READ:
    case OFI_OP_BULK_TX:
        op->xfer->inflight--;
        if (err != 0) {
            op->xfer->error = err;
        } else {
            op->xfer->done++;
        }
        break;
    }
}

/* Read a failed completion: say what failed, and fail the transport unless it was a cancel. */
static int ofi_cq_error(struct ofi_tport *ot)
{
    struct fi_cq_err_entry e = { 0 };
    char buf[256];

    if (fi_cq_readerr(ot->cq, &e, 0) != 1) {
        return 0;
    }
    if (e.err == FI_ECANCELED) {
        ofi_cq_done(ot, e.op_context, 0, -ECANCELED);
        return 0;
    }
    KR_LOG_ERR(OFI, "rank %d: a transfer failed: %s (%s)", ot->rank, fi_strerror(e.err),
               fi_cq_strerror(ot->cq, e.prov_errno, e.err_data, buf, sizeof(buf)));
    if (e.op_context != NULL) {
        ofi_cq_done(ot, e.op_context, 0, -KR_EPEER);
    }
    if (ot->error == 0) {
        ot->error = -KR_EPEER;
    }
    return 0;
}

int kr_ofi_cq_poll(struct ofi_tport *ot)
{
    struct fi_cq_tagged_entry ev[OFI_CQ_BATCH];
    int total = 0;

    if (ot->in_poll) {
        /* Called from a delivery (pt2pt sending from its recv callback): drive the provider
         * but dispatch nothing, or a later message could overtake the one being delivered. */
        fi_cq_read(ot->cq, NULL, 0);
        return 0;
    }
    ot->in_poll = true;

    for (;;) {
        ssize_t n = fi_cq_read(ot->cq, ev, OFI_CQ_BATCH);

        if (n == -FI_EAVAIL) {
            ofi_cq_error(ot);
            total++;
            continue;
        }
        if (n <= 0) {
            break;
        }
        for (ssize_t i = 0; i < n; i++) {
            ofi_cq_done(ot, ev[i].op_context, ev[i].len, 0);
        }
        total += (int) n;
        if (n < OFI_CQ_BATCH) {
            break;
        }
    }
    ot->in_poll = false;
    return total;
}

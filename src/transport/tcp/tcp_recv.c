/* TCP receive path: bytes are read into the connection's buffer and every complete frame is
 * handed to pt2pt in place (no copy for messages that fit); a message larger than the buffer
 * is read into memory of its own, and bulk data is read straight into the receive buffer the
 * engine gave coop_open. */
#include "config.h"

#include "tcp_int.h"

#include "util/errors.h"
#include "util/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Read up to `len` bytes; returns bytes (> 0), 0 when nothing is there, or -errno (EOF is
 * -ECONNRESET unless the peer said BYE, then -EPIPE). */
static ssize_t tcp_recv_some(struct tcp_conn *c, void *buf, size_t len)
{
    ssize_t n;

    do {
        n = recv(c->fd, buf, len, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        return n;
    }
    if (n == 0) {
        return c->peer_bye ? -EPIPE : -ECONNRESET;
    }
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
}

static struct tcp_xfer *tcp_recv_xfer_find(struct tcp_tep *ep, uint64_t ticket)
{
    struct tcp_xfer *x = kr_tcp_xfer_find(ep, (uint32_t) (ticket >> 40));

    return x != NULL && !x->landed ? x : NULL;
}

/* A bulk frame's header arrived: point the reader at its transfer. */
static void tcp_recv_bulk_begin(struct tcp_conn *c, const struct tcp_frame *fr)
{
    struct tcp_xfer *x = tcp_recv_xfer_find(c->ep, fr->u.bulk.ticket);

    c->rx_frame = *fr;
    c->rx_need = fr->len;
    c->rx_got = 0;
    c->rx_xfer = x;
    if (x == NULL || fr->len != x->len) {
        KR_LOG_ERR(TCP, "rank %d sent %llu bytes of bulk data nobody waits for; discarded",
                   c->ep->peer, (unsigned long long) fr->len);
        c->rx_xfer = NULL;
        c->rx_mode = TCP_RX_SINK;
        return;
    }
    c->rx_dst = x->dst;
    c->rx_mode = TCP_RX_BULK;
    /* Bulk data answers ours and we have nothing queued: a ping-pong, not a stream. */
    if (c->ep->sq_head == NULL && c->ep->up != NULL) {
        kr_tcp_conn_stream(c->ep->up, false);
    }
}

/* Bytes of the current BIG/BULK/SINK frame arrived (`n` at rx_dst + rx_got, or discarded).
 * Returns 1 when the frame is complete and was handled. */
static int tcp_recv_body_done(struct tcp_tport *tt, struct tcp_conn *c, size_t n)
{
    c->rx_got += n;
    if (c->rx_got < c->rx_need) {
        return 0;
    }
    if (c->rx_mode == TCP_RX_BULK) {
        c->rx_xfer->got = c->rx_got;
        c->rx_xfer->landed = true;
        c->ep->xfers_waiting--;
    } else if (c->rx_mode == TCP_RX_BIG) {
        unsigned char *big = c->rx_dst;

        c->rx_mode = TCP_RX_FRAMES;
        c->rx_dst = NULL;
        tt->cb.recv(tt->cb.ctx, c->ep->peer, &c->rx_frame.u.msg, big, c->rx_need);
        free(big);
        return 1;
    }
    c->rx_mode = TCP_RX_FRAMES;
    c->rx_dst = NULL;
    return 1;
}

/* Take `avail` buffered bytes at `src` into the current body frame. Returns bytes taken. */
static size_t tcp_recv_body_from_buf(struct tcp_tport *tt, struct tcp_conn *c,
                                     const unsigned char *src, size_t avail, int *done_out)
{
    size_t n = c->rx_need - c->rx_got < avail ? (size_t) (c->rx_need - c->rx_got) : avail;

    if (c->rx_mode != TCP_RX_SINK && n > 0) {
        memcpy(c->rx_dst + c->rx_got, src, n);
    }
    *done_out = tcp_recv_body_done(tt, c, n);
    return n;
}

/* Handle the complete frames in rxbuf. Returns messages delivered, or -errno. */
static int tcp_recv_parse(struct tcp_tport *tt, struct tcp_conn *c)
{
    int delivered = 0;

    while (c->fd >= 0 && c->rx_mode == TCP_RX_FRAMES) {
        size_t avail = c->rx_end - c->rx_start;
        struct tcp_frame fr;
        int done;

        if (avail < sizeof(fr)) {
            break;
        }
        memcpy(&fr, c->rxbuf + c->rx_start, sizeof(fr));
        if (kr_tcp_frame_check(&fr, tt->max_frag + 64) != 0) {
            kr_tcp_ep_fail(tt, c->ep, -EPROTO, "sent a malformed frame");
            return -EPROTO;
        }
        if (fr.kind == TCP_F_BYE) {
            c->peer_bye = true;
            c->rx_start += sizeof(fr);
            continue;
        }
        if (fr.kind == TCP_F_BULK) {
            c->rx_start += sizeof(fr);
            tcp_recv_bulk_begin(c, &fr);
            c->rx_start += tcp_recv_body_from_buf(tt, c, c->rxbuf + c->rx_start,
                                                  c->rx_end - c->rx_start, &done);
            delivered += done;
            continue;
        }
        if (avail >= sizeof(fr) + fr.len) {
            c->rx_start += sizeof(fr) + fr.len;
            tt->cb.recv(tt->cb.ctx, c->ep->peer, &fr.u.msg,
                        c->rxbuf + c->rx_start - fr.len, fr.len);
            delivered++;
            continue;
        }
        if (sizeof(fr) + fr.len <= tt->rxbuf_size) {
            break;              /* fits once more bytes arrive */
        }
        c->rx_dst = malloc(fr.len);
        if (c->rx_dst == NULL) {
            return -ENOMEM;
        }
        c->rx_frame = fr;
        c->rx_need = fr.len;
        c->rx_got = 0;
        c->rx_mode = TCP_RX_BIG;
        c->rx_start += sizeof(fr);
        c->rx_start += tcp_recv_body_from_buf(tt, c, c->rxbuf + c->rx_start,
                                              c->rx_end - c->rx_start, &done);
        delivered += done;
    }
    if (c->rx_start == c->rx_end) {
        c->rx_start = c->rx_end = 0;
    } else if (c->rx_start > 0) {
        /* Keep a partial frame at the front, so the whole frame always fits. */
        memmove(c->rxbuf, c->rxbuf + c->rx_start, c->rx_end - c->rx_start);
        c->rx_end -= c->rx_start;
        c->rx_start = 0;
    }
    return delivered;
}

static int tcp_recv_eof(struct tcp_tport *tt, struct tcp_conn *c, int err)
{
    struct tcp_tep *ep = c->ep;

    if (err == -EPIPE) {
        /* The peer finalized (BYE, then EOF): nothing more will come. */
        ep->state = TCP_EP_CLOSED;
        ep->up = NULL;
        kr_tcp_conn_close(tt, c);
        return 0;
    }
    kr_tcp_ep_fail(tt, ep, -KR_EPEER, err == -ECONNRESET ? "was closed by the peer"
                                                         : "failed");
    return -KR_EPEER;
}

int kr_tcp_recv_ready(struct tcp_tport *tt, struct tcp_conn *c)
{
    int delivered = 0;

    for (int rounds = 0; rounds < 16 && c->fd >= 0; rounds++) {
        ssize_t n;
        size_t want;

        if (c->rx_mode == TCP_RX_FRAMES) {
            size_t have = c->rx_end - c->rx_start;

            want = tt->rxbuf_size - c->rx_end;
            if (c->ep->xfers_waiting > 0 && have < sizeof(struct tcp_frame)) {
                /* Bulk frames are coming: read a header alone, so that bulk data lands in
                 * its buffer straight away instead of being read here and copied. */
                want = sizeof(struct tcp_frame) - have;
            }
            if (want == 0) {
                break;          /* cannot happen: a buffered frame always fits */
            }
            n = tcp_recv_some(c, c->rxbuf + c->rx_end, want);
            if (n > 0) {
                int ret;

                c->rx_end += (size_t) n;
                ret = tcp_recv_parse(tt, c);
                if (ret < 0) {
                    return ret;
                }
                delivered += ret;
            }
        } else {
            uint64_t left = c->rx_need - c->rx_got;
            void *dst = c->rx_mode == TCP_RX_SINK ? c->rxbuf : c->rx_dst + c->rx_got;

            want = c->rx_mode == TCP_RX_SINK && left > tt->rxbuf_size ? tt->rxbuf_size
                                                                       : (size_t) left;
            n = tcp_recv_some(c, dst, want);
            if (n > 0) {
                /* Bytes of a large message count as progress even before it is whole: a
                 * receiver whose data is streaming in keeps reading instead of going to
                 * sleep and being woken for every segment. */
                tcp_recv_body_done(tt, c, (size_t) n);
                delivered++;
            }
        }
        if (n < 0) {
            int ret = tcp_recv_eof(tt, c, (int) n);

            return ret < 0 ? ret : delivered;
        }
        if ((size_t) n < want) {
            break;              /* the socket is drained */
        }
    }
    return delivered;
}

/* TCP send path: a frame goes straight to the socket when nothing is queued ahead of it
 * (sendmsg gathers the header and the caller's buffers, no copy); whatever the socket does
 * not take is queued per endpoint, copied for messages (the caller may reuse its buffers at
 * once) and by reference for bulk data (the sender's buffer stays put until the receiver's
 * FIN), and written from progress when the socket has room. */
#include "config.h"

#include "tcp_int.h"

#include "util/errors.h"
#include "util/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TCP_IOV_MAX 64
#define TCP_SQ_LIMIT (4u << 20)   /* queued bytes past which messages are refused (-EAGAIN) */

static void tcp_sq_append(struct tcp_tep *ep, struct tcp_sitem *it)
{
    it->next = NULL;
    *ep->sq_tail = it;
    ep->sq_tail = &it->next;
    ep->sq_bytes += sizeof(it->fr) + it->dlen - it->off;
}

void kr_tcp_sq_free(struct tcp_tep *ep)
{
    while (ep->sq_head != NULL) {
        struct tcp_sitem *it = ep->sq_head;

        ep->sq_head = it->next;
        free(it);
    }
    ep->sq_tail = &ep->sq_head;
    ep->sq_bytes = 0;
}

/* Write `iov` once; returns bytes written (0 when the socket is full) or -errno. */
static ssize_t tcp_send_iov(int fd, struct iovec *iov, int cnt)
{
    struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t) cnt };
    ssize_t n;

    do {
        n = sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
    }
    return n;
}

int kr_tcp_flush(struct tcp_tport *tt, struct tcp_tep *ep)
{
    while (ep->sq_head != NULL && ep->state == TCP_EP_UP) {
        struct iovec iov[TCP_IOV_MAX];
        struct tcp_sitem *it;
        size_t want = 0;
        bool full;
        int cnt = 0;
        ssize_t n;

        for (it = ep->sq_head; it != NULL && cnt + 2 <= TCP_IOV_MAX; it = it->next) {
            const unsigned char *data = it->ext != NULL ? it->ext : it->inl;
            size_t hlen = sizeof(it->fr);

            if (it->off < hlen) {
                iov[cnt].iov_base = (unsigned char *) &it->fr + it->off;
                iov[cnt++].iov_len = hlen - it->off;
            }
            if (it->dlen > 0) {
                size_t d = it->off > hlen ? it->off - hlen : 0;

                iov[cnt].iov_base = (void *) (data + d);
                iov[cnt++].iov_len = it->dlen - d;
            }
        }
        for (int i = 0; i < cnt; i++) {
            want += iov[i].iov_len;
        }
        n = tcp_send_iov(ep->up->fd, iov, cnt);
        if (n < 0) {
            kr_tcp_ep_fail(tt, ep, -KR_EPEER, "send failed");
            return -KR_EPEER;
        }
        if (n == 0) {
            break;
        }
        ep->sq_bytes -= (size_t) n;
        /* A short write means the socket is full: asking again would only hear EAGAIN. */
        full = (size_t) n < want;

        while (n > 0) {
            it = ep->sq_head;
            size_t left = sizeof(it->fr) + it->dlen - it->off;

            if ((size_t) n < left) {
                it->off += (size_t) n;
                break;
            }
            n -= (ssize_t) left;
            ep->sq_head = it->next;
            if (ep->sq_head == NULL) {
                ep->sq_tail = &ep->sq_head;
            }
            free(it);
        }
        if (full) {
            break;
        }
    }
    if (ep->state == TCP_EP_UP) {
        kr_tcp_conn_want_out(tt, ep->up, ep->sq_head != NULL);
    }
    return 0;
}

/* Nothing queued and the connection up: try the socket directly. Returns bytes written (all
 * of them means done) or -errno. */
static ssize_t tcp_send_direct(struct tcp_tep *ep, const struct tcp_frame *fr,
                               const struct iovec *data, int cnt)
{
    struct iovec iov[8];

    iov[0].iov_base = (void *) fr;
    iov[0].iov_len = sizeof(*fr);
    for (int i = 0; i < cnt; i++) {
        iov[i + 1] = data[i];
    }
    return tcp_send_iov(ep->up->fd, iov, cnt + 1);
}

/* Endpoint not usable for sending: connect first use, or say why not. 1 = go on. */
static int tcp_send_ready(struct tcp_tport *tt, struct tcp_tep *ep)
{
    switch (ep->state) {
    case TCP_EP_IDLE:
        return kr_tcp_ep_start_connect(tt, ep) == 0 ? 1 : ep->error;
    case TCP_EP_DEAD:
        return ep->error;
    case TCP_EP_CLOSED:
        return 0;               /* the peer has finalized: nothing it could still want */
    default:
        return 1;
    }
}

int kr_tcp_send(struct tcp_tep *ep, const struct tcp_frame *fr, const struct iovec *iov,
                int iovcnt, size_t dlen, kr_tport_fill_fn fill, void *fill_arg)
{
    struct tcp_tport *tt = (struct tcp_tport *) (void *) ep->base.tp;
    size_t written = 0, off = 0;
    struct tcp_sitem *it;
    int ret = tcp_send_ready(tt, ep);

    if (ret <= 0) {
        return ret;
    }
    if (ep->sq_head == NULL && ep->state == TCP_EP_UP && fill == NULL && iovcnt < 8) {
        ssize_t n = tcp_send_direct(ep, fr, iov, iovcnt);

        if (n < 0) {
            kr_tcp_ep_fail(tt, ep, -KR_EPEER, "send failed");
            return -KR_EPEER;
        }
        if ((size_t) n == sizeof(*fr) + dlen) {
            return 0;
        }
        written = (size_t) n;
    } else if (ep->sq_bytes >= TCP_SQ_LIMIT) {
        return -EAGAIN;
    }
    it = malloc(sizeof(*it) + dlen);
    if (it == NULL) {
        return -ENOMEM;
    }
    it->fr = *fr;
    it->ext = NULL;
    it->dlen = dlen;
    it->off = 0;
    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].iov_len > 0) { /* a zero-length payload may have no buffer at all */
            memcpy(it->inl + off, iov[i].iov_base, iov[i].iov_len);
        }
        off += iov[i].iov_len;
    }
    if (fill != NULL && dlen > off) {
        fill(fill_arg, it->inl + off, dlen - off);
    }
    tcp_sq_append(ep, it);
    /* A partial direct write: account for what went, then keep the rest queued. */
    it->off = written;
    ep->sq_bytes -= written;
    return ep->state == TCP_EP_UP ? kr_tcp_flush(tt, ep) : 0;
}

int kr_tcp_send_bulk(struct tcp_tep *ep, uint64_t ticket, const void *buf, size_t len)
{
    struct tcp_tport *tt = (struct tcp_tport *) (void *) ep->base.tp;
    struct tcp_frame fr = { .kind = TCP_F_BULK, .len = len };
    struct tcp_sitem *it;
    size_t written = 0;
    int ret = tcp_send_ready(tt, ep);

    if (ret <= 0) {
        return ret;
    }
    fr.u.bulk.ticket = ticket;
    if (ep->sq_head != NULL && ep->state == TCP_EP_UP) {
        kr_tcp_conn_stream(ep->up, true);
    } else if (ep->state == TCP_EP_UP) {
        struct iovec d = { (void *) buf, len };
        ssize_t n = tcp_send_direct(ep, &fr, &d, 1);

        if (n < 0) {
            kr_tcp_ep_fail(tt, ep, -KR_EPEER, "send failed");
            return -KR_EPEER;
        }
        if ((size_t) n == sizeof(fr) + len) {
            return 0;
        }
        written = (size_t) n;
    }
    /* Bulk data is never refused: the engine has no queue for it, and it stays in the
     * sender's buffer, so queuing it costs only this item. */
    it = malloc(sizeof(*it));
    if (it == NULL) {
        return -ENOMEM;
    }
    it->fr = fr;
    it->ext = buf;
    it->dlen = len;
    it->off = 0;
    tcp_sq_append(ep, it);
    it->off = written;
    ep->sq_bytes -= written;
    return ep->state == TCP_EP_UP ? kr_tcp_flush(tt, ep) : 0;
}

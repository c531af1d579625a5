/* TCP connections: the listener, nonblocking connects tried address by address with a
 * deadline each, and the hello exchange that opens every connection. The initiator sends a
 * CONNECT hello with the job secret; the acceptor answers ACCEPT or REJECT, and frames flow
 * only after ACCEPT, so a losing connection never carries a message. When two ranks connect
 * to each other at once, the lower rank's connection wins: each side decides alike from the
 * two rank numbers. A connection that does not say the right hello in time is closed and
 * logged, and nothing else happens. */
#include "config.h"

#include "tcp_int.h"

#include "util/errors.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TCP_BAD_LOG_MAX 20      /* strangers logged before we stop saying so */
#define TCP_CONNECT_WAIT_MS 100 /* how long connect waits in place for the TCP handshake */

uint64_t kr_tcp_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

const char *kr_tcp_addr_str(const struct sockaddr_in *sa, char *buf, size_t len)
{
    char a[INET_ADDRSTRLEN];

    inet_ntop(AF_INET, &sa->sin_addr, a, sizeof(a));
    snprintf(buf, len, "%s:%u", a, (unsigned) ntohs(sa->sin_port));
    return buf;
}

static void tcp_conn_pending_add(struct tcp_tport *tt, struct tcp_conn *c, int timeout_ms)
{
    c->deadline_ms = kr_tcp_now_ms() + (uint64_t) timeout_ms;
    if (!c->listed) {
        c->listed = true;
        c->next = tt->pending;
        tt->pending = c;
    }
}

static void tcp_conn_pending_del(struct tcp_tport *tt, struct tcp_conn *c)
{
    if (!c->listed) {
        return;
    }
    for (struct tcp_conn **p = &tt->pending; *p != NULL; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            break;
        }
    }
    c->listed = false;
    c->next = NULL;
}

static int tcp_conn_epoll(struct tcp_tport *tt, struct tcp_conn *c, int op, uint32_t events)
{
    struct epoll_event ev = { .events = events, .data.ptr = c };

    return epoll_ctl(tt->epfd, op, c->fd, &ev) == 0 ? 0 : -errno;
}

void kr_tcp_conn_want_out(struct tcp_tport *tt, struct tcp_conn *c, bool on)
{
    if (c == NULL || c->fd < 0 || c->want_out == on) {
        return;
    }
    c->want_out = on;
    tt->nout += on ? 1 : -1;
    tcp_conn_epoll(tt, c, EPOLL_CTL_MOD, EPOLLIN | (on ? EPOLLOUT : 0u));
}

void kr_tcp_conn_close(struct tcp_tport *tt, struct tcp_conn *c)
{
    if (c->dead) {
        return;
    }
    c->dead = true;
    tcp_conn_pending_del(tt, c);
    if (c->state == TCP_C_UP) {
        tt->nup--;
        for (int i = 0; i < tt->ndirect; i++) {
            if (tt->direct[i] == c) {
                tt->direct[i] = tt->direct[--tt->ndirect];
                break;
            }
        }
    }
    if (c->want_out) {
        tt->nout--;
        c->want_out = false;
    }
    if (c->fd >= 0) {
        epoll_ctl(tt->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
    }
    /* Freed later, with its buffers: an epoll batch, a receive loop or the pt2pt callback
     * reading a payload in rxbuf may still hold it. */
    c->next = tt->graveyard;
    tt->graveyard = c;
}

/* The peer's card, read from the key-value space on first need. 0 or -errno. */
int kr_tcp_ep_card(struct tcp_tport *tt, struct tcp_tep *ep)
{
    char key[64], val[KR_TCP_CARD_TEXT_MAX];
    int ret = -ENOENT;

    if (ep->have_card) {
        return 0;
    }
    snprintf(key, sizeof(key), "kurir-tcp-%d", ep->peer);
    if (tt->have_kvs) {
        ret = tt->kvs.get(tt->kvs.ctx, key, val, sizeof(val));
    }
    if (ret == 0) {
        ret = kr_tcp_card_parse(val, &ep->card);
    }
    ep->have_card = ret == 0;
    return ret;
}

void kr_tcp_ep_fail(struct tcp_tport *tt, struct tcp_tep *ep, int err, const char *what)
{
    if (ep->state == TCP_EP_DEAD) {
        return;
    }
    kr_tcp_ep_card(tt, ep);     /* for the host name in the message */
    KR_LOG_ERR(TCP, "rank %d: connection to rank %d (host %s) %s", tt->rank, ep->peer,
               ep->have_card ? ep->card.host : "unknown", what);
    ep->state = TCP_EP_DEAD;
    ep->error = err;
    if (ep->up != NULL) {
        kr_tcp_conn_close(tt, ep->up);
        ep->up = NULL;
    }
    if (ep->out != NULL) {
        kr_tcp_conn_close(tt, ep->out);
        ep->out = NULL;
    }
    kr_tcp_sq_free(ep);
    kr_tcp_xfer_fail_all(ep, err);
    if (tt->error == 0) {
        tt->error = err;
    }
}

static struct tcp_conn *tcp_conn_new(struct tcp_tport *tt, int fd, enum tcp_conn_state st)
{
    struct tcp_conn *c = calloc(1, sizeof(*c));

    if (c == NULL) {
        close(fd);
        return NULL;
    }
    c->tt = tt;
    c->fd = fd;
    c->state = st;
    return c;
}

/* Options of a connection's socket: no Nagle (latency), and a fixed send buffer
 * (KURIR_TCP_SNDBUF) towards another host: the data in flight then stays in cache, which
 * doubled the bandwidth and halved 1 MiB latency between testbed hosts (network namespaces
 * over veth). Over loopback a small buffer makes a lone transfer wait for the receiver's
 * window updates (1 MiB latency 130 -> 150 us), so there the kernel's autotuning stays until
 * a stream of transfers shows up (kr_tcp_conn_stream). Returns whether the buffer is left
 * to adapt. */
static bool tcp_conn_sockopts(int fd, const struct sockaddr_in *peer)
{
    int one = 1, snd = (int) kr_tcp_cfg.sndbuf;

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (snd <= 0) {
        return false;
    }
    if ((ntohl(peer->sin_addr.s_addr) >> 24) == 127) {
        return true;
    }
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
    return false;
}

/* A loopback connection streams bulk transfers back to back (one queued behind another):
 * give it the small buffer (4 MiB streaming 4.7 -> 5.4-5.9 GB/s: the data in flight stays in
 * cache) until bulk data comes back while nothing of ours is queued (a ping-pong), which
 * gets the size autotuning had reached. Leaving it only then keeps a stream whose queue
 * runs dry between transfers from flipping back and forth. */
void kr_tcp_conn_stream(struct tcp_conn *c, bool on)
{
    int size;

    if (!c->sndbuf_adapt || c->sndbuf_stream == on) {
        return;
    }
    if (on && c->sndbuf_lone == 0) {
        socklen_t len = sizeof(size);

        if (getsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &size, &len) != 0) {
            return;
        }
        c->sndbuf_lone = size / 2; /* the kernel doubles what it is given */
    }
    size = on ? (int) kr_tcp_cfg.sndbuf : c->sndbuf_lone;
    setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    c->sndbuf_stream = on;
}

int kr_tcp_listen(struct tcp_tport *tt, bool loopback_only)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t len = sizeof(sa);
    int fd, ret;

    sa.sin_addr.s_addr = htonl(loopback_only ? INADDR_LOOPBACK : INADDR_ANY);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        ret = -errno;
        KR_LOG_ERR(TCP, "socket failed: %s", strerror(errno));
        return ret;
    }
    if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) != 0 || listen(fd, SOMAXCONN) != 0
        || getsockname(fd, (struct sockaddr *) &sa, &len) != 0) {
        ret = -errno;
        KR_LOG_ERR(TCP, "cannot listen on a TCP port: %s", strerror(errno));
        close(fd);
        return ret;
    }
    tt->listener.tt = tt;
    tt->listener.fd = fd;
    tt->listener.state = TCP_C_LISTEN;
    tt->self.port = ntohs(sa.sin_port);
    ret = tcp_conn_epoll(tt, &tt->listener, EPOLL_CTL_ADD, EPOLLIN);
    if (ret != 0) {
        KR_LOG_ERR(TCP, "epoll_ctl failed: %s", strerror(-ret));
        close(fd);
        tt->listener.fd = -1;
    }
    return ret;
}

static void tcp_conn_bad(struct tcp_tport *tt, struct tcp_conn *c, const char *why)
{
    char a[64];

    if (tt->bad_logged < TCP_BAD_LOG_MAX) {
        KR_LOG_WARN(TCP, "rank %d: closed a connection from %s: %s", tt->rank,
                    kr_tcp_addr_str(&c->peer_addr, a, sizeof(a)), why);
    } else if (tt->bad_logged == TCP_BAD_LOG_MAX) {
        KR_LOG_WARN(TCP, "rank %d: more bad connections; no longer logged", tt->rank);
    }
    tt->bad_logged++;
    kr_tcp_conn_close(tt, c);
}

void kr_tcp_accept_ready(struct tcp_tport *tt)
{
    for (;;) {
        struct sockaddr_in sa;
        socklen_t len = sizeof(sa);
        struct tcp_conn *c;
        bool adapt;
        int fd = accept4(tt->listener.fd, (struct sockaddr *) &sa, &len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR
                && errno != ECONNABORTED) {
                KR_LOG_WARN(TCP, "accept failed: %s", strerror(errno));
            }
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            return;
        }
        adapt = tcp_conn_sockopts(fd, &sa);
        c = tcp_conn_new(tt, fd, TCP_C_WAIT_HELLO);
        if (c == NULL) {
            continue;
        }
        c->sndbuf_adapt = adapt;
        c->peer_addr = sa;
        if (tcp_conn_epoll(tt, c, EPOLL_CTL_ADD, EPOLLIN) != 0) {
            close(fd);
            free(c);
            continue;
        }
        tcp_conn_pending_add(tt, c, kr_tcp_cfg.handshake_timeout_ms);
    }
}

/* Write the rest of hs_out. 1 = all out, 0 = more later, < 0 = error. */
static int tcp_conn_hs_write(struct tcp_tport *tt, struct tcp_conn *c)
{
    while (c->hs_out_sent < sizeof(c->hs_out)) {
        ssize_t n = send(c->fd, (char *) &c->hs_out + c->hs_out_sent,
                         sizeof(c->hs_out) - c->hs_out_sent, MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            kr_tcp_conn_want_out(tt, c, true);
            return 0;
        }
        if (n < 0) {
            return -errno;
        }
        c->hs_out_sent += (size_t) n;
    }
    kr_tcp_conn_want_out(tt, c, false);
    return 1;
}

/* Read the rest of hs_in. 1 = complete, 0 = more later, < 0 = error or EOF. */
static int tcp_conn_hs_read(struct tcp_conn *c)
{
    while (c->hs_in_got < sizeof(c->hs_in)) {
        ssize_t n = recv(c->fd, (char *) &c->hs_in + c->hs_in_got,
                         sizeof(c->hs_in) - c->hs_in_got, MSG_DONTWAIT);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        }
        if (n <= 0) {
            return n == 0 ? -ECONNRESET : -errno;
        }
        c->hs_in_got += (size_t) n;
    }
    return 1;
}

/* The connection carries `ep`'s frames from now on. */
static int tcp_conn_up(struct tcp_tport *tt, struct tcp_tep *ep, struct tcp_conn *c)
{
    tcp_conn_pending_del(tt, c);
    c->rxbuf = malloc(tt->rxbuf_size);
    if (c->rxbuf == NULL) {
        kr_tcp_ep_fail(tt, ep, -ENOMEM, "has no receive buffer (out of memory)");
        return -ENOMEM;
    }
    c->state = TCP_C_UP;
    tt->nup++;
    if (tt->ndirect < TCP_DIRECT_MAX) {
        tt->direct[tt->ndirect++] = c;
    }
    c->ep = ep;
    ep->up = c;
    if (ep->out == c) {
        ep->out = NULL;
    }
    ep->state = TCP_EP_UP;
    KR_LOG_INFO(TCP, "rank %d: connected to rank %d", tt->rank, ep->peer);
    /* Bytes that came right behind the hello are read by the next poll (level-triggered). */
    return kr_tcp_flush(tt, ep);
}

static void tcp_conn_connected(struct tcp_tport *tt, struct tcp_conn *c);

/* A connect in flight usually completes within a round trip (well under a millisecond on a
 * LAN): wait that long for it, bounded, so the hello goes out at once. */
static bool tcp_conn_wait_connected(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    int ms = kr_tcp_cfg.connect_timeout_ms < TCP_CONNECT_WAIT_MS ? kr_tcp_cfg.connect_timeout_ms
                                                                 : TCP_CONNECT_WAIT_MS;
    int n;

    do {
        n = poll(&p, 1, ms);
    } while (n < 0 && errno == EINTR);
    return n == 1;
}

/* Ours: try the endpoint's addresses from c->addr_idx on. */
static void tcp_conn_try_next(struct tcp_tport *tt, struct tcp_conn *c, const char *why)
{
    struct tcp_tep *ep = c->ep;
    char a[64];

    if (why != NULL) {
        KR_LOG_INFO(TCP, "rank %d: connecting to rank %d at %s: %s", tt->rank, ep->peer,
                    kr_tcp_addr_str(&c->peer_addr, a, sizeof(a)), why);
    }
    while (c->addr_idx < ep->card.naddrs) {
        int fd, ret;

        memset(&c->peer_addr, 0, sizeof(c->peer_addr));
        c->peer_addr.sin_family = AF_INET;
        c->peer_addr.sin_port = htons(ep->card.port);
        c->peer_addr.sin_addr = ep->card.addrs[c->addr_idx++];
        if (c->fd >= 0) {
            epoll_ctl(tt->epfd, EPOLL_CTL_DEL, c->fd, NULL);
            close(c->fd);
            c->fd = -1;
        }
        if (c->want_out) {
            c->want_out = false;
            tt->nout--;
        }
        c->hs_out_sent = c->hs_in_got = 0;
        fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            break;
        }
        c->sndbuf_adapt = tcp_conn_sockopts(fd, &c->peer_addr);
        c->sndbuf_stream = false;
        c->sndbuf_lone = 0;
        c->fd = fd;
        c->state = TCP_C_CONNECTING;
        if (tcp_conn_epoll(tt, c, EPOLL_CTL_ADD, EPOLLIN) != 0) {
            continue;
        }
        ret = connect(fd, (struct sockaddr *) &c->peer_addr, sizeof(c->peer_addr));
        if (ret == 0 || errno == EINPROGRESS) {
            tcp_conn_pending_add(tt, c, kr_tcp_cfg.connect_timeout_ms);
            kr_tcp_conn_want_out(tt, c, true);
            if (tcp_conn_wait_connected(fd)) {
                /* Say hello now: the acceptor gives a silent connection only
                 * KURIR_TCP_HANDSHAKE_TIMEOUT, and our program may compute for longer
                 * than that before its next MPI call. */
                tcp_conn_connected(tt, c);
            }
            return;
        }
        KR_LOG_INFO(TCP, "rank %d: connect to rank %d at %s failed: %s", tt->rank, ep->peer,
                    kr_tcp_addr_str(&c->peer_addr, a, sizeof(a)), strerror(errno));
    }
    ep->out = NULL;
    kr_tcp_conn_close(tt, c);
    kr_tcp_ep_fail(tt, ep, -EHOSTUNREACH, "cannot be made: no published address answered "
                   "(check KURIR_TCP_IF and firewalls)");
}

int kr_tcp_ep_start_connect(struct tcp_tport *tt, struct tcp_tep *ep)
{
    struct tcp_conn *c;

    if (ep->state != TCP_EP_IDLE) {
        return ep->state == TCP_EP_DEAD ? ep->error : 0;
    }
    if (!ep->have_card) {
        int ret = kr_tcp_ep_card(tt, ep);

        if (ret != 0) {
            ep->state = TCP_EP_DEAD;
            ep->error = -EHOSTUNREACH;
            KR_LOG_ERR(TCP, "rank %d: rank %d published no usable TCP address (%s)",
                       tt->rank, ep->peer, strerror(-ret));
            return ep->error;
        }
    }
    c = tcp_conn_new(tt, -1, TCP_C_CONNECTING);
    if (c == NULL) {
        return -ENOMEM;
    }
    c->ep = ep;
    ep->out = c;
    ep->state = TCP_EP_CONNECTING;
    tcp_conn_try_next(tt, c, NULL);
    return ep->state == TCP_EP_DEAD ? ep->error : 0;
}

/* Ours: the connect finished (or failed); say hello. */
static void tcp_conn_connected(struct tcp_tport *tt, struct tcp_conn *c)
{
    int err = 0, ret;
    socklen_t len = sizeof(err);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
        err = errno;
    }
    if (err != 0) {
        tcp_conn_try_next(tt, c, strerror(err));
        return;
    }
    kr_tcp_hello_make(&c->hs_out, TCP_HELLO_CONNECT, tt->rank, c->ep->peer, tt->secret);
    c->state = TCP_C_HELLO_SENT;
    /* No deadline from here on: the peer answers when it next makes progress, which may be
     * after a long computation; if it dies instead, the connection breaks. */
    tcp_conn_pending_del(tt, c);
    ret = tcp_conn_hs_write(tt, c);
    if (ret < 0) {
        tcp_conn_try_next(tt, c, strerror(-ret));
    }
}

/* Ours: the acceptor's answer. */
static void tcp_conn_answer_in(struct tcp_tport *tt, struct tcp_conn *c)
{
    struct tcp_tep *ep = c->ep;
    int ret = tcp_conn_hs_read(c);

    if (ret == 0) {
        return;
    }
    if (ret < 0 || kr_tcp_hello_check(&c->hs_in, tt->secret, tt->rank, tt->size,
                                      TCP_HELLO_ACCEPT | TCP_HELLO_REJECT) != 0
        || c->hs_in.from != ep->peer) {
        /* Not our peer at this address (or it went away): try the next one. */
        tcp_conn_try_next(tt, c, ret < 0 ? strerror(-ret) : "no valid answer");
        return;
    }
    if (c->hs_in.flags & TCP_HELLO_REJECT) {
        /* Its connection to us wins (lower rank); it is on its way or already up. */
        ep->out = NULL;
        kr_tcp_conn_close(tt, c);
        return;
    }
    tcp_conn_up(tt, ep, c);
}

/* Theirs: a complete, valid CONNECT hello from `peer`. Decide, answer. */
static void tcp_conn_decide(struct tcp_tport *tt, struct tcp_conn *c, int peer)
{
    struct tcp_tep *ep = &tt->eps[peer];
    bool take = false;
    int ret;

    if (ep->state == TCP_EP_IDLE) {
        take = true;
    } else if (ep->state == TCP_EP_CONNECTING && ep->out != NULL) {
        /* Both connected at once: the lower rank's connection wins, on both sides. */
        take = peer < tt->rank;
        tt->races++;
        KR_LOG_INFO(TCP, "rank %d: rank %d and we connected at once; %s connection wins",
                    tt->rank, peer, take ? "its" : "our");
    } else if (ep->state == TCP_EP_CONNECTING) {
        take = true;            /* ours lost already; this is theirs */
    }
    c->ep = ep;
    kr_tcp_hello_make(&c->hs_out, take ? TCP_HELLO_ACCEPT : TCP_HELLO_REJECT, tt->rank, peer,
                      tt->secret);
    c->reject_after = !take;
    if (take && ep->out != NULL) {
        kr_tcp_conn_close(tt, ep->out);
        ep->out = NULL;
    }
    if (take) {
        ep->state = TCP_EP_CONNECTING;
    }
    c->state = TCP_C_ANSWERING;
    ret = tcp_conn_hs_write(tt, c);
    if (ret < 0 && take) {
        kr_tcp_ep_fail(tt, ep, -KR_EPEER, "failed during the handshake");
        kr_tcp_conn_close(tt, c);
    } else if (ret < 0 || (ret == 1 && !take)) {
        kr_tcp_conn_close(tt, c);
    } else if (ret == 1) {
        tcp_conn_up(tt, ep, c);
    }
}

static void tcp_conn_hello_in(struct tcp_tport *tt, struct tcp_conn *c)
{
    int ret = tcp_conn_hs_read(c);

    if (ret == 0) {
        return;
    }
    if (ret < 0 && c->hs_in_got == 0) {
        /* Closed before saying anything: a peer whose own connection to us won meanwhile
         * (or a port probe). Nothing to report. */
        kr_tcp_conn_close(tt, c);
        return;
    }
    if (ret < 0 || kr_tcp_hello_check(&c->hs_in, tt->secret, tt->rank, tt->size,
                                      TCP_HELLO_CONNECT) != 0) {
        tcp_conn_bad(tt, c, "bad handshake");
        return;
    }
    tcp_conn_decide(tt, c, c->hs_in.from);
}

void kr_tcp_conn_event(struct tcp_tport *tt, struct tcp_conn *c, uint32_t events)
{
    int ret;

    if (c->dead) {
        return;                 /* closed earlier in this batch */
    }
    switch (c->state) {
    case TCP_C_CONNECTING:
        tcp_conn_connected(tt, c);
        break;
    case TCP_C_HELLO_SENT:
        if ((events & EPOLLOUT) != 0 && c->hs_out_sent < sizeof(c->hs_out)) {
            ret = tcp_conn_hs_write(tt, c);
            if (ret < 0) {
                tcp_conn_try_next(tt, c, strerror(-ret));
                break;
            }
        }
        if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) {
            tcp_conn_answer_in(tt, c);
        }
        break;
    case TCP_C_WAIT_HELLO:
        tcp_conn_hello_in(tt, c);
        break;
    case TCP_C_ANSWERING:
        ret = tcp_conn_hs_write(tt, c);
        if (ret < 0 || (ret == 1 && c->reject_after)) {
            kr_tcp_conn_close(tt, c);
        } else if (ret == 1) {
            tcp_conn_up(tt, c->ep, c);
        }
        break;
    default:
        break;
    }
}

void kr_tcp_check_deadlines(struct tcp_tport *tt, uint64_t now_ms)
{
    struct tcp_conn *c = tt->pending, *next;

    for (; c != NULL; c = next) {
        next = c->next;
        if (now_ms < c->deadline_ms) {
            continue;
        }
        switch (c->state) {
        case TCP_C_CONNECTING:
        case TCP_C_HELLO_SENT:
            tcp_conn_try_next(tt, c, "timed out");
            break;
        case TCP_C_WAIT_HELLO:
            tcp_conn_bad(tt, c, "bad handshake (none within the time limit)");
            break;
        default:
            kr_tcp_conn_close(tt, c);
            break;
        }
        /* The list may have changed under us: start over. Every connection handled has
         * left the list or got a later deadline, so this ends. */
        next = tt->pending;
    }
}

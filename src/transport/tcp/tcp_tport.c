/* The TCP transport: ops over the connections (tcp_conn.c), send queues (tcp_send.c) and the
 * receive path (tcp_recv.c); the business card and job secret in the PMI key-value space;
 * progress by epoll, sleeping in epoll_wait, and a watch thread for a process that sleeps on
 * the shared-memory futex instead. */
#include "config.h"

#include "tcp_int.h"

#include "util/errors.h"
#include "util/log.h"
#include "util/settings.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TCP_EVENTS      32
#define TCP_POLL_EVERY  16      /* progress calls per epoll_wait while nothing happens */
#define TCP_POLL_NS     20000   /* ... or this long, whichever comes first */
#define TCP_HOT_POLLS   256     /* epoll_waits on every call after an event */
#define TCP_BULK_MAX    ((uint64_t) 1 << 40)
#define TCP_CLOSE_MS    3000    /* how long close waits for peers' orderly goodbyes */
#define TCP_SECRET_KEY  "kurir-tcp-secret"

struct tcp_cfg kr_tcp_cfg;

const struct kr_setting kr_tcp_settings[] = {
    { "TCP_IF", KR_SET_STRING, "", &kr_tcp_cfg.ifspec,
      "network interfaces for TCP, as names or IPv4 networks, comma-separated "
      "(eth0,10.1.0.0/16); empty: the launcher's address (KURIR_HOST_ADDR) when set, else "
      "every interface that is up and is not loopback or a container/VM bridge; a job on one "
      "host uses loopback", NULL, 0 },
    { "HOST_ADDR", KR_SET_STRING, "", &kr_tcp_cfg.host_addr,
      "this host's address as the launcher reached it (set by kurir-daemon); TCP publishes it "
      "when KURIR_TCP_IF is not set", NULL, 0 },
    { "TCP_EAGER_LIMIT", KR_SET_SIZE, "64k", &kr_tcp_cfg.eager_limit,
      "largest message sent with its header over TCP; larger ones use rendezvous and are "
      "streamed from the sender's buffer into the receiver's", NULL, 0 },
    { "TCP_SNDBUF", KR_SET_SIZE, "256k", &kr_tcp_cfg.sndbuf,
      "socket send buffer of TCP connections to other hosts (the kernel doubles it): small "
      "enough that the data in flight stays in cache; 0 leaves it to the kernel's autotuning "
      "(for links with a large bandwidth x delay); loopback always autotunes",
      NULL, 0 },
    { "TCP_CONNECT_TIMEOUT", KR_SET_INT, "2000", &kr_tcp_cfg.connect_timeout_ms,
      "milliseconds a TCP connect to one of a peer's addresses may take before the next is "
      "tried", NULL, 0 },
    { "TCP_HANDSHAKE_TIMEOUT", KR_SET_INT, "5000", &kr_tcp_cfg.handshake_timeout_ms,
      "milliseconds an incoming TCP connection has to present the job's secret before it is "
      "closed", NULL, 0 },
    { 0 }
};

static struct tcp_tport *tcp_tport_of(struct kr_tport *tp)
{
    return (struct tcp_tport *) (void *) tp;
}

static struct tcp_tep *tcp_tep_of(struct kr_tep *ep)
{
    return (struct tcp_tep *) (void *) ep;
}

/* The addresses this rank publishes, in the order peers should try them. */
static int tcp_tport_addrs(const struct kr_tport_job *job, struct tcp_card *card,
                           bool *loopback_only_out)
{
    struct tcp_ifaddr cand[64];
    struct tcp_if_rule rules[TCP_IF_RULES_MAX];
    int nrules = 0, ncand;
    char err[256];

    *loopback_only_out = false;
    if (kr_tcp_cfg.ifspec[0] == '\0' && job->nnodes <= 1) {
        /* One host: loopback always works and never leaves the machine. */
        card->addrs[0].s_addr = htonl(INADDR_LOOPBACK);
        card->naddrs = 1;
        *loopback_only_out = true;
        return 0;
    }
    if (kr_tcp_cfg.ifspec[0] == '\0' && kr_tcp_cfg.host_addr[0] != '\0') {
        if (inet_pton(AF_INET, kr_tcp_cfg.host_addr, &card->addrs[0]) != 1) {
            KR_LOG_ERR(TCP, "KURIR_HOST_ADDR=%s is not an IPv4 address", kr_tcp_cfg.host_addr);
            return -EINVAL;
        }
        card->naddrs = 1;
        return 0;
    }
    if (kr_tcp_cfg.ifspec[0] != '\0') {
        nrules = kr_tcp_if_parse(kr_tcp_cfg.ifspec, rules, TCP_IF_RULES_MAX, err, sizeof(err));
        if (nrules < 0) {
            KR_LOG_ERR(TCP, "%s", err);
            return nrules;
        }
    }
    ncand = kr_tcp_if_list(cand, 64);
    if (ncand < 0) {
        KR_LOG_ERR(TCP, "cannot list network interfaces: %s", strerror(-ncand));
        return ncand;
    }
    card->naddrs = kr_tcp_if_choose(cand, ncand, rules, nrules, card->addrs,
                                    TCP_CARD_ADDRS_MAX);
    if (card->naddrs == 0) {
        if (nrules > 0) {
            KR_LOG_ERR(TCP, "KURIR_TCP_IF=%s matches no IPv4 interface that is up",
                       kr_tcp_cfg.ifspec);
        } else {
            KR_LOG_ERR(TCP, "no usable IPv4 interface (up, not loopback, not a bridge) for a "
                       "job on %d hosts; set KURIR_TCP_IF", job->nnodes);
        }
        return -EADDRNOTAVAIL;
    }
    return 0;
}

/* Rank 0 draws the job's secret; everyone reads it after the fence (start). */
static int tcp_tport_publish(struct tcp_tport *tt)
{
    char key[64], val[KR_TCP_CARD_TEXT_MAX], addrs[KR_TCP_CARD_TEXT_MAX];
    int ret;

    ret = kr_tcp_card_format(&tt->self, val, sizeof(val));
    if (ret != 0) {
        return ret;
    }
    snprintf(addrs, sizeof(addrs), "%s", strrchr(val, '|') + 1);
    KR_LOG_INFO(TCP, "rank %d listening on port %u at %s", tt->rank, (unsigned) tt->self.port,
                addrs);
    if (!tt->have_kvs) {
        return 0;
    }
    snprintf(key, sizeof(key), "kurir-tcp-%d", tt->rank);
    ret = tt->kvs.put(tt->kvs.ctx, key, val);
    if (ret == 0 && tt->rank == 0) {
        char hex[2 * TCP_SECRET_LEN + 1];

        if (getrandom(tt->secret, sizeof(tt->secret), 0) != (ssize_t) sizeof(tt->secret)) {
            ret = -errno;
            KR_LOG_ERR(TCP, "getrandom failed: %s", strerror(errno));
            return ret;
        }
        kr_tcp_secret_hex(tt->secret, hex);
        ret = tt->kvs.put(tt->kvs.ctx, TCP_SECRET_KEY, hex);
    }
    return ret;
}

static int tcp_tport_open(const struct kr_tport_job *job, const struct kr_tport_cb *cb,
                          struct kr_tport **tp_out)
{
    struct tcp_tport *tt;
    bool loopback_only;
    int ret;

    tt = calloc(1, sizeof(*tt));
    if (tt == NULL) {
        return -ENOMEM;
    }
    tt->eps = calloc((size_t) job->size, sizeof(*tt->eps));
    if (tt->eps == NULL) {
        ret = -ENOMEM;
        goto err_free;
    }
    tt->base.ops = &kr_tcp_tport_ops;
    tt->cb = *cb;
    tt->rank = job->rank;
    tt->size = job->size;
    tt->listener.fd = -1;
    tt->wake.fd = -1;
    tt->max_eager = kr_tcp_cfg.eager_limit < 4096 ? 4096 : kr_tcp_cfg.eager_limit;
    tt->max_frag = tt->max_eager;
    tt->rxbuf_size = tt->max_frag + sizeof(struct tcp_frame) + 64 + 4096;
    if (job->kvs != NULL) {
        tt->kvs = *job->kvs;
        tt->have_kvs = true;
    }
    for (int r = 0; r < job->size; r++) {
        tt->eps[r].base.tp = &tt->base;
        tt->eps[r].peer = r;
        tt->eps[r].sq_tail = &tt->eps[r].sq_head;
    }
    if (gethostname(tt->self.host, sizeof(tt->self.host)) != 0) {
        snprintf(tt->self.host, sizeof(tt->self.host), "unknown");
    }
    tt->self.host[sizeof(tt->self.host) - 1] = '\0';
    tt->self.host[strcspn(tt->self.host, "|;=")] = '\0';
    ret = tcp_tport_addrs(job, &tt->self, &loopback_only);
    if (ret != 0) {
        goto err_free;
    }
    tt->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (tt->epfd < 0) {
        ret = -errno;
        KR_LOG_ERR(TCP, "epoll_create1 failed: %s", strerror(errno));
        goto err_free;
    }
    ret = kr_tcp_listen(tt, loopback_only);
    if (ret == 0) {
        ret = tcp_tport_publish(tt);
    }
    if (ret != 0) {
        goto err_close;
    }
    *tp_out = &tt->base;
    return 0;

err_close:
    if (tt->listener.fd >= 0) {
        close(tt->listener.fd);
    }
    close(tt->epfd);
err_free:
    free(tt->eps);
    free(tt);
    return ret;
}

static int tcp_tport_start(struct kr_tport *tp)
{
    struct tcp_tport *tt = tcp_tport_of(tp);
    char hex[64];
    int ret;

    if (!tt->have_kvs) {
        return 0;
    }
    ret = tt->kvs.get(tt->kvs.ctx, TCP_SECRET_KEY, hex, sizeof(hex));
    if (ret == 0) {
        ret = kr_tcp_secret_parse(hex, tt->secret);
    }
    if (ret != 0) {
        KR_LOG_ERR(TCP, "rank %d: no valid job secret from rank 0 (%s)", tt->rank,
                   strerror(-ret));
    }
    return ret;
}

static int tcp_tport_connect(struct kr_tport *tp, int peer, struct kr_tep **ep_out)
{
    struct tcp_tport *tt = tcp_tport_of(tp);
    struct tcp_tep *ep = &tt->eps[peer];
    int ret = kr_tcp_ep_start_connect(tt, ep);

    if (ret != 0) {
        return ret;
    }
    *ep_out = &ep->base;
    return 0;
}

static size_t tcp_tport_max_eager(struct kr_tep *ep)
{
    return tcp_tport_of(ep->tp)->max_eager;
}

static size_t tcp_tport_max_frag(struct kr_tep *ep)
{
    return tcp_tport_of(ep->tp)->max_frag;
}

static int tcp_tport_send_fill(struct kr_tep *ep, const struct kr_wire_hdr *hdr,
                               const struct iovec *iov, int iovcnt, size_t len,
                               kr_tport_fill_fn fill, void *arg)
{
    struct tcp_frame fr = { .kind = TCP_F_MSG };
    size_t plen = len;

    for (int i = 0; i < iovcnt; i++) {
        plen += iov[i].iov_len;
    }
    fr.len = plen;
    fr.u.msg = *hdr;
    return kr_tcp_send(tcp_tep_of(ep), &fr, iov, iovcnt, plen, fill, arg);
}

static int tcp_tport_send_eager(struct kr_tep *ep, const struct kr_wire_hdr *hdr,
                                const struct iovec *iov, int iovcnt)
{
    return tcp_tport_send_fill(ep, hdr, iov, iovcnt, 0, NULL, NULL);
}

/* Rendezvous over TCP uses the cooperative-copy interface: the receiver opens a transfer
 * into its buffer (the ticket carries its id and length), the sender's coop_work streams its
 * buffer as one bulk frame, and the receiver's reader puts the bytes straight into place. */
static int tcp_tport_coop_open(struct kr_tep *ep, const struct kr_rndv_key *key, void *dst,
                               uint64_t *ticket_out)
{
    struct tcp_tep *te = tcp_tep_of(ep);
    struct tcp_xfer *x;

    if (te->state == TCP_EP_DEAD) {
        return te->error;
    }
    if (key->len == 0 || key->len >= TCP_BULK_MAX) {
        return -EBUSY;
    }
    if (kr_tcp_xfer_open(te, dst, key->len, &x) != 0) {
        return -EBUSY;
    }
    *ticket_out = (uint64_t) x->id << 40 | key->len;
    return 0;
}

static int tcp_tport_coop_work(struct kr_tep *ep, uint64_t ticket, const void *src)
{
    int ret;

    if (src == NULL) {
        return 0;               /* the receiver's bytes arrive through progress */
    }
    ret = kr_tcp_send_bulk(tcp_tep_of(ep), ticket, src, (size_t) (ticket & (TCP_BULK_MAX - 1)));
    return ret < 0 ? ret : 1;
}

static int tcp_tport_coop_done(struct kr_tep *ep, uint64_t ticket)
{
    struct tcp_tep *te = tcp_tep_of(ep);
    struct tcp_xfer *x = kr_tcp_xfer_find(te, (uint32_t) (ticket >> 40));
    int ret;

    if (x == NULL) {
        return 1;
    }
    if (!x->landed && x->error == 0) {
        return 0;
    }
    ret = x->error != 0 ? x->error : 1;
    kr_tcp_xfer_drop(te, x);
    return ret;
}

static void tcp_tport_reap(struct tcp_tport *tt)
{
    while (tt->graveyard != NULL) {
        struct tcp_conn *c = tt->graveyard;

        tt->graveyard = c->next;
        free(c->rxbuf);
        if (c->rx_mode == TCP_RX_BIG) {
            free(c->rx_dst);
        }
        free(c);
    }
}

static int tcp_tport_dispatch(struct tcp_tport *tt, struct tcp_conn *c, uint32_t events)
{
    int n = 0, ret;

    if (c == &tt->listener) {
        kr_tcp_accept_ready(tt);
        return 1;
    }
    if (c == &tt->wake || c->dead) {
        return 0;
    }
    if (c->state != TCP_C_UP) {
        kr_tcp_conn_event(tt, c, events);
        return 1;
    }
    if ((events & EPOLLOUT) != 0) {
        ret = kr_tcp_flush(tt, c->ep);
        if (ret < 0) {
            return ret;
        }
        n++;
    }
    if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0 && !c->dead) {
        ret = kr_tcp_recv_ready(tt, c);
        if (ret < 0) {
            return ret;
        }
        n += ret;
    }
    return n;
}

/* Busy, with a few connections and nothing else going on: read each of them directly. The
 * listener and anything else epoll watches get their turn every TCP_POLL_EVERY calls. */
static int tcp_tport_progress_direct(struct tcp_tport *tt)
{
    struct tcp_conn *conns[TCP_DIRECT_MAX];
    int n = tt->ndirect, done = 0;

    /* A copy: a callback may close a connection and reorder direct[]. */
    memcpy(conns, tt->direct, sizeof(conns[0]) * (size_t) n);
    for (int i = 0; i < n && tt->error == 0; i++) {
        int ret;

        if (conns[i]->dead) {
            continue;
        }
        ret = kr_tcp_recv_ready(tt, conns[i]);
        if (ret < 0) {
            break;
        }
        done += ret;
    }
    if (done > 0) {
        tt->hot = TCP_HOT_POLLS;
    }
    tcp_tport_reap(tt);
    if (tt->error != 0) {
        int err = tt->error;

        tt->error = 0;
        return err;
    }
    return done;
}

static uint64_t tcp_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static int tcp_tport_progress(struct kr_tport *tp)
{
    struct tcp_tport *tt = tcp_tport_of(tp);
    struct epoll_event ev[TCP_EVENTS];
    int n, done = 0;

    /* epoll_wait costs a system call: do it on every call only while TCP is busy, else every
     * few calls or microseconds. The clock matters when calls are far apart: a rank that
     * yields its core between calls (oversubscribed) would otherwise look at its sockets only
     * every few milliseconds. */
    if (tt->hot > 0) {
        tt->hot--;
    } else if (++tt->poll_tick < TCP_POLL_EVERY
               && atomic_load_explicit(&tt->force_poll, memory_order_relaxed) == 0
               && tt->error == 0 && tcp_now_ns() - tt->polled_ns < TCP_POLL_NS) {
        return 0;
    }
    tt->poll_tick = 0;
    tt->polled_ns = tcp_now_ns();
    if (tt->hot > 0 && tt->nup > 0 && tt->ndirect == tt->nup && tt->nout == 0
        && tt->pending == NULL && (++tt->direct_tick % TCP_POLL_EVERY) != 0
        && atomic_load_explicit(&tt->force_poll, memory_order_relaxed) == 0) {
        return tcp_tport_progress_direct(tt);
    }
    atomic_store_explicit(&tt->force_poll, 0, memory_order_relaxed);
    n = epoll_wait(tt->epfd, ev, TCP_EVENTS, 0);
    for (int i = 0; i < n && tt->error == 0; i++) {
        int ret = tcp_tport_dispatch(tt, ev[i].data.ptr, ev[i].events);

        if (ret < 0) {
            break;
        }
        done += ret;
    }
    if (tt->pending != NULL) {
        kr_tcp_check_deadlines(tt, kr_tcp_now_ms());
    }
    tcp_tport_reap(tt);
    if (n > 0 || tt->nout > 0 || tt->pending != NULL) {
        tt->hot = TCP_HOT_POLLS;
    }
    if (tt->error != 0) {
        int err = tt->error;

        tt->error = 0;
        return err;
    }
    return done;
}

/* Sleep until a socket has something (or can take queued output), a handshake deadline
 * passes, or `timeout_ms` does. Level-triggered epoll keeps what arrived before we got here,
 * so no wakeup is lost. */
static int tcp_tport_wait(struct kr_tport *tp, int timeout_ms, bool (*ready)(void *arg),
                          void *arg)
{
    struct tcp_tport *tt = tcp_tport_of(tp);
    struct epoll_event ev;
    int n;

    if (ready(arg)) {
        return 0;
    }
    if (tt->pending != NULL) {
        uint64_t now = kr_tcp_now_ms();

        for (struct tcp_conn *c = tt->pending; c != NULL; c = c->next) {
            int left = c->deadline_ms > now ? (int) (c->deadline_ms - now) : 0;

            timeout_ms = left < timeout_ms ? left + 1 : timeout_ms;
        }
    }
    n = epoll_wait(tt->epfd, &ev, 1, timeout_ms);
    atomic_store_explicit(&tt->force_poll, 1, memory_order_relaxed);
    return n < 0 && errno != EINTR ? -errno : 0;
}

static long tcp_futex(_Atomic uint32_t *addr, int op, uint32_t val)
{
    return syscall(SYS_futex, (uint32_t *) addr, op, val, NULL, NULL, 0);
}

/* The watch thread: each time the main thread arms it (watch_gen moves), wait until a socket
 * has something, then tell the sleeper. It never spins: after one report it waits for the
 * next arming. */
static void *tcp_watch_main(void *arg)
{
    struct tcp_tport *tt = arg;
    uint32_t seen = 0;

    for (;;) {
        uint32_t gen = atomic_load_explicit(&tt->watch_gen, memory_order_acquire);
        struct epoll_event ev;
        int n;

        if (atomic_load_explicit(&tt->watch_stop, memory_order_acquire) != 0) {
            break;
        }
        if (gen == seen) {
            tcp_futex(&tt->watch_gen, FUTEX_WAIT_PRIVATE, seen);
            continue;
        }
        seen = gen;
        n = epoll_wait(tt->epfd, &ev, 1, -1);
        if (atomic_load_explicit(&tt->watch_stop, memory_order_acquire) != 0) {
            break;
        }
        if (n > 0) {
            atomic_store_explicit(&tt->force_poll, 1, memory_order_relaxed);
            /* Publish, fence, then kick: pairs with the sleeper's announce-fence-check. */
            atomic_store_explicit(tt->watch_flag, 1, memory_order_seq_cst);
            atomic_thread_fence(memory_order_seq_cst);
            tt->watch_kick(tt->watch_kick_arg);
        }
    }
    return NULL;
}

static int tcp_tport_watch(struct kr_tport *tp, atomic_int *flag, void (*kick)(void *arg),
                           void *kick_arg)
{
    struct tcp_tport *tt = tcp_tport_of(tp);

    if (!tt->watch_running) {
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &tt->wake };
        int ret;

        tt->wake.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (tt->wake.fd < 0 || epoll_ctl(tt->epfd, EPOLL_CTL_ADD, tt->wake.fd, &ev) != 0) {
            ret = -errno;
            KR_LOG_ERR(TCP, "cannot set up the watch thread: %s", strerror(errno));
            return ret;
        }
        tt->wake.state = TCP_C_WAKE;
        tt->watch_flag = flag;
        tt->watch_kick = kick;
        tt->watch_kick_arg = kick_arg;
        ret = pthread_create(&tt->watch_thread, NULL, tcp_watch_main, tt);
        if (ret != 0) {
            KR_LOG_ERR(TCP, "cannot start the watch thread: %s", strerror(ret));
            return -ret;
        }
        tt->watch_running = true;
    }
    atomic_fetch_add_explicit(&tt->watch_gen, 1, memory_order_release);
    tcp_futex(&tt->watch_gen, FUTEX_WAKE_PRIVATE, 1);
    return 0;
}

static void tcp_tport_watch_stop(struct tcp_tport *tt)
{
    uint64_t one = 1;

    if (!tt->watch_running) {
        return;
    }
    atomic_store_explicit(&tt->watch_stop, 1, memory_order_release);
    atomic_fetch_add_explicit(&tt->watch_gen, 1, memory_order_release);
    tcp_futex(&tt->watch_gen, FUTEX_WAKE_PRIVATE, 1);
    if (write(tt->wake.fd, &one, sizeof(one)) < 0) {
        KR_LOG_WARN(TCP, "cannot stop the watch thread: %s", strerror(errno));
    }
    pthread_join(tt->watch_thread, NULL);
    tt->watch_running = false;
}

/* One round of the goodbye: every endpoint that is up gets BYE, its queue flushed and our
 * side shut; endpoints still connecting count as open. Returns how many are still open. */
static int tcp_tport_goodbye_round(struct tcp_tport *tt)
{
    struct tcp_frame bye = { .kind = TCP_F_BYE };
    int open = 0;

    for (int r = 0; r < tt->size; r++) {
        struct tcp_tep *ep = &tt->eps[r];

        if (ep->state == TCP_EP_CONNECTING) {
            open++;
        }
        if (ep->state != TCP_EP_UP) {
            continue;
        }
        if (!ep->bye_sent) {
            ep->bye_sent = true;
            kr_tcp_send(ep, &bye, NULL, 0, 0, NULL, NULL);
        }
        kr_tcp_flush(tt, ep);
        if (ep->state == TCP_EP_UP && ep->sq_head == NULL && !ep->shut) {
            ep->shut = true;
            shutdown(ep->up->fd, SHUT_WR);
        }
        open += ep->state == TCP_EP_UP;
    }
    return open;
}

/* Read and drop what an up connection still brings in the goodbye; EOF closes it. */
static void tcp_tport_goodbye_drain(struct tcp_tport *tt, struct tcp_conn *c)
{
    char sink[4096];
    ssize_t got;

    do {
        got = recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT);
    } while (got > 0);
    if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        c->ep->state = TCP_EP_CLOSED;
        c->ep->up = NULL;
        kr_tcp_conn_close(tt, c);
    }
}

/* Orderly goodbye: finish connections still being made (a message may wait in their queue),
 * send BYE, flush, shut our side, and read until every peer did the same, so no peer sees a
 * reset or takes our close for a failure. Bounded by TCP_CLOSE_MS. */
static void tcp_tport_goodbye(struct tcp_tport *tt)
{
    uint64_t end = kr_tcp_now_ms() + TCP_CLOSE_MS;

    while (kr_tcp_now_ms() < end && tcp_tport_goodbye_round(tt) > 0) {
        struct epoll_event ev[TCP_EVENTS];
        int n = epoll_wait(tt->epfd, ev, TCP_EVENTS, 100);

        for (int i = 0; i < n; i++) {
            struct tcp_conn *c = ev[i].data.ptr;

            if (c == &tt->listener) {
                kr_tcp_accept_ready(tt);
            } else if (c == &tt->wake || c->dead) {
                continue;
            } else if (c->state != TCP_C_UP) {
                kr_tcp_conn_event(tt, c, ev[i].events);
            } else if ((ev[i].events & EPOLLOUT) != 0 && c->ep->sq_head != NULL) {
                kr_tcp_flush(tt, c->ep);
            } else {
                tcp_tport_goodbye_drain(tt, c);
            }
        }
        if (tt->pending != NULL) {
            kr_tcp_check_deadlines(tt, kr_tcp_now_ms());
        }
        tcp_tport_reap(tt);
    }
}

static void tcp_tport_close(struct kr_tport *tp)
{
    struct tcp_tport *tt = tcp_tport_of(tp);

    tcp_tport_watch_stop(tt);
    tcp_tport_goodbye(tt);
    for (int r = 0; r < tt->size; r++) {
        struct tcp_tep *ep = &tt->eps[r];

        if (ep->up != NULL) {
            kr_tcp_conn_close(tt, ep->up);
        }
        if (ep->out != NULL) {
            kr_tcp_conn_close(tt, ep->out);
        }
        kr_tcp_sq_free(ep);
        kr_tcp_xfer_free_all(ep);
    }
    while (tt->pending != NULL) {
        kr_tcp_conn_close(tt, tt->pending);
    }
    tcp_tport_reap(tt);
    if (tt->wake.fd >= 0) {
        close(tt->wake.fd);
    }
    if (tt->listener.fd >= 0) {
        close(tt->listener.fd);
    }
    close(tt->epfd);
    free(tt->eps);
    free(tt);
}

const struct kr_tport_ops kr_tcp_tport_ops = {
    .name       = "tcp",
    .open       = tcp_tport_open,
    .start      = tcp_tport_start,
    .connect    = tcp_tport_connect,
    .max_eager  = tcp_tport_max_eager,
    .max_frag   = tcp_tport_max_frag,
    .send_eager = tcp_tport_send_eager,
    .send_fill  = tcp_tport_send_fill,
    .coop_open  = tcp_tport_coop_open,
    .coop_work  = tcp_tport_coop_work,
    .coop_done  = tcp_tport_coop_done,
    .progress   = tcp_tport_progress,
    .wait       = tcp_tport_wait,
    .watch      = tcp_tport_watch,
    .close      = tcp_tport_close,
};

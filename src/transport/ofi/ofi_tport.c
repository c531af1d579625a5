/* The libfabric (OFI) transport: ops over a reliable-datagram endpoint of one provider, the
 * business card (fi_getname) in the PMI key-value space, eager buffers, progress by polling
 * the completion queue, sleeping on its wait fd, a watch thread for a process that sleeps on
 * the shared-memory futex instead, and an orderly goodbye at close. */
#include "config.h"

#include "ofi_int.h"

#include "util/errors.h"
#include "util/log.h"
#include "util/settings.h"

#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define OFI_NRX         64      /* eager receive buffers posted */
#define OFI_NTX         64      /* eager send buffers */
#define OFI_POLL_EVERY  16      /* progress calls per CQ poll while idle (next to shm) */
#define OFI_HOT_POLLS   256
#define OFI_CLOSE_MS    3000
#define OFI_NAP_US      200     /* a wait without a wait fd */

struct ofi_cfg kr_ofi_cfg;

static const char *const ofi_rndv_modes[] = { "auto", "read", "send", NULL };

const struct kr_setting kr_ofi_settings[] = {
    { "OFI_PROVIDER", KR_SET_STRING, "", &kr_ofi_cfg.provider,
      "libfabric provider for the ofi transport (verbs, efa, psm3, cxi, tcp;ofi_rxm, ...); "
      "empty: FI_PROVIDER if set, else a high-speed provider when one is present (Kurir's "
      "tcp otherwise), or tcp;ofi_rxm when KURIR_TRANSPORTS forces ofi", NULL, 0 },
    { "FI_PROVIDER", KR_SET_STRING, "", &kr_ofi_cfg.fi_provider,
      "libfabric's own provider filter; Kurir uses it as the provider when "
      "KURIR_OFI_PROVIDER is empty", NULL, KR_SET_VERBATIM },
    { "OFI_DOMAIN", KR_SET_STRING, "", &kr_ofi_cfg.domain,
      "libfabric domain (device or interface, e.g. mlx5_0, eth0) to use; empty: the "
      "provider's first", NULL, 0 },
    { "OFI_EAGER_LIMIT", KR_SET_SIZE, "16k", &kr_ofi_cfg.eager_limit,
      "largest message (with Kurir's 32-byte header) sent eagerly through the ofi "
      "transport's receive buffers; larger ones use rendezvous", NULL, 0 },
    { "OFI_CHUNK", KR_SET_SIZE, "1m", &kr_ofi_cfg.chunk,
      "size of the tagged chunks a rendezvous moves from the sender's buffer into the "
      "receiver's (rounded up to a power of two from 64k; 8 in flight per transfer)", NULL, 0 },
    { "OFI_MR_CACHE", KR_SET_INT, "64", &kr_ofi_cfg.mr_cache,
      "memory registrations of user buffers kept for reuse (only for providers that need "
      "local registration, FI_MR_LOCAL, and for senders of read rendezvous); 0 registers "
      "per transfer", NULL, 0 },
    { "OFI_RNDV", KR_SET_ENUM, "auto", &kr_ofi_cfg.rndv,
      "how the ofi transport moves large messages: read (the receiver fi_reads the sender's "
      "registered buffer; needs FI_RMA, else send), send (tagged chunks pipelined from the "
      "sender's buffer), auto (read when the provider offers FI_RMA)", ofi_rndv_modes, 0 },
    { 0 }
};

static struct ofi_tport *ofi_tport_of(struct kr_tport *tp)
{
    return (struct ofi_tport *) (void *) tp;
}

static struct ofi_tep *ofi_tep_of(struct kr_tep *ep)
{
    return (struct ofi_tep *) (void *) ep;
}

static uint64_t ofi_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

/* The eager buffers: one slab for all, registered once when the provider wants it. */
static int ofi_tport_buffers(struct ofi_tport *ot)
{
    size_t n = OFI_NRX + OFI_NTX;
    void *handle;
    int ret;

    ot->slab = aligned_alloc(4096, (n * ot->buf_size + 4095) & ~(size_t) 4095);
    ot->rx_ops = calloc(n, sizeof(*ot->rx_ops));
    if (ot->slab == NULL || ot->rx_ops == NULL) {
        return -ENOMEM;
    }
    ot->tx_ops = ot->rx_ops + OFI_NRX;
    if (ot->mr_local) {
        ret = kr_ofi_mr_reg(ot, ot->slab, n * ot->buf_size, &handle);
        if (ret != 0) {
            return ret;
        }
        ot->slab_mr = handle;
        ot->slab_desc = fi_mr_desc(ot->slab_mr);
    }
    for (size_t i = 0; i < n; i++) {
        struct ofi_op *op = &ot->rx_ops[i];

        op->buf = ot->slab + i * ot->buf_size;
        if (i < OFI_NRX) {
            op->type = OFI_OP_RX;
            ret = kr_ofi_rx_post(ot, op);
            if (ret != 0) {
                return ret;
            }
            ot->nrx++;
        } else {
            op->type = OFI_OP_TX;
            op->next = ot->tx_free;
            ot->tx_free = op;
        }
    }
    return 0;
}

/* fi_getname into the card, published as kurir-ofi-<rank>. */
static int ofi_tport_publish(struct ofi_tport *ot)
{
    char key[64], val[KR_OFI_CARD_TEXT_MAX];
    struct ofi_card card = { .addrlen = KR_OFI_ADDR_MAX };
    int ret;

    snprintf(card.prov, sizeof(card.prov), "%s", ot->info->fabric_attr->prov_name);
    ret = fi_getname(&ot->ep->fid, card.addr, &card.addrlen);
    if (ret != 0) {
        KR_LOG_ERR(OFI, "fi_getname failed: %s", fi_strerror(-ret));
        return -EIO;
    }
    ret = kr_ofi_card_format(&card, val, sizeof(val));
    if (ret != 0) {
        KR_LOG_ERR(OFI, "the endpoint name of provider %s does not fit a card", card.prov);
        return ret;
    }
    KR_LOG_INFO(OFI, "rank %d on provider %s, domain %s, mr_mode 0x%x, large messages by %s",
                ot->rank, card.prov, ot->info->domain_attr->name,
                (unsigned) ot->info->domain_attr->mr_mode,
                ot->rndv_read ? "fi_read" : "tagged chunks");
    if (!ot->have_kvs) {
        return 0;
    }
    snprintf(key, sizeof(key), "kurir-ofi-%d", ot->rank);
    return ot->kvs.put(ot->kvs.ctx, key, val);
}

static void ofi_tport_free(struct ofi_tport *ot)
{
    if (ot->ep != NULL) {
        fi_close(&ot->ep->fid); /* first: it holds the buffers and registrations */
        ot->ep = NULL;
    }
    kr_ofi_mr_cache_fini(&ot->mrc);
    if (ot->slab_mr != NULL) {
        fi_close(&ot->slab_mr->fid);
    }
    kr_ofi_fabric_close(ot);
    if (ot->stop_fd >= 0) {
        close(ot->stop_fd);
    }
    free(ot->slab);
    free(ot->rx_ops);
    free(ot->eps);
    free(ot);
}

/* Which provider this job's ofi transport uses: named, or chosen. Every rank decides the
 * same way from the same facts (homogeneous hosts); a card from another provider is an error
 * naming both. */
static int ofi_tport_provider(const struct kr_tport_job *job, char *prov, size_t len)
{
    char have[512];
    const char *want = kr_ofi_tport_wanted();

    (void) job;
    if (kr_ofi_fabric_choose(true, prov, len, have, sizeof(have)) == 0) {
        return 0;
    }
    if (want[0] != '\0') {
        KR_LOG_ERR(OFI, "libfabric provider '%s' is not available for reliable tagged "
                   "messages here (providers found: %s)", want, have);
    } else {
        KR_LOG_ERR(OFI, "no libfabric provider offers reliable tagged messages here "
                   "(providers found: %s)", have);
    }
    return -ENOENT;
}

const char *kr_ofi_tport_wanted(void)
{
    return kr_ofi_cfg.provider[0] != '\0' ? kr_ofi_cfg.provider : kr_ofi_cfg.fi_provider;
}

int kr_ofi_tport_probe(bool forced, char *prov, size_t len, char *have, size_t havelen)
{
    return kr_ofi_fabric_choose(forced, prov, len, have, havelen);
}

static int ofi_tport_open(const struct kr_tport_job *job, const struct kr_tport_cb *cb,
                          struct kr_tport **tp_out)
{
    struct ofi_tport *ot;
    char prov[KR_OFI_PROV_MAX];
    size_t chunk = 65536;
    int ret;

    ret = ofi_tport_provider(job, prov, sizeof(prov));
    if (ret != 0) {
        return ret;
    }
    ot = calloc(1, sizeof(*ot));
    if (ot == NULL) {
        return -ENOMEM;
    }
    ot->stop_fd = -1;
    ot->wait_fd = -1;
    ot->pend_tail = &ot->pend_head;
    ot->eps = calloc((size_t) job->size, sizeof(*ot->eps));
    if (ot->eps == NULL) {
        ret = -ENOMEM;
        goto err_free;
    }
    ot->base.ops = &kr_ofi_tport_ops;
    ot->cb = *cb;
    ot->rank = job->rank;
    ot->size = job->size;
    if (job->kvs != NULL) {
        ot->kvs = *job->kvs;
        ot->have_kvs = true;
    }
    for (int r = 0; r < job->size; r++) {
        ot->eps[r].base.tp = &ot->base;
        ot->eps[r].peer = r;
    }
    ret = kr_ofi_fabric_open(ot, prov);
    if (ret != 0) {
        goto err_free;
    }
    /* The limit counts our frame header too: 16 KiB wire messages stay within ofi_rxm's
     * eager buffers (FI_OFI_RXM_BUFFER_SIZE), where a larger one would cost its rendezvous. */
    ot->max_eager = (kr_ofi_cfg.eager_limit < 1024 ? 1024 : kr_ofi_cfg.eager_limit)
                    - sizeof(struct ofi_frame);
    ot->buf_size = sizeof(struct ofi_frame) + ot->max_eager;
    while (chunk < kr_ofi_cfg.chunk && chunk < ((size_t) 65536 << 15)
           && chunk * 2 <= ot->info->ep_attr->max_msg_size) {
        chunk *= 2;
    }
    ot->chunk = chunk;
    ot->mr_next_key = 1;
    kr_ofi_mr_cache_init(&ot->mrc, kr_ofi_cfg.mr_cache, kr_ofi_mr_reg, kr_ofi_mr_dereg, ot);
    ret = ofi_tport_buffers(ot);
    if (ret == 0) {
        ret = ofi_tport_publish(ot);
    }
    if (ret != 0) {
        goto err_free;
    }
    *tp_out = &ot->base;
    return 0;

err_free:
    ofi_tport_free(ot);
    return ret;
}

/* After the fence: every peer's address into the address vector, in rank order, before any
 * traffic. ofi_rxm copes badly with a peer that connects before we inserted its address (two
 * ranks connecting to each other at once then fail with FI_EADDRNOTAVAIL), so no lazy
 * insertion. Ranks that published no card (no ofi peer) are skipped. TODO: one exchange of
 * all cards instead of size key-value reads, for large jobs. */
static int ofi_tport_start(struct kr_tport *tp)
{
    struct ofi_tport *ot = ofi_tport_of(tp);

    for (int r = 0; r < ot->size && ot->have_kvs; r++) {
        int ret;

        if (r == ot->rank) {
            continue;
        }
        ret = kr_ofi_ep_addr(ot, &ot->eps[r]);
        if (ret != 0 && ret != -ENOENT) {
            return ret;
        }
    }
    return 0;
}

static int ofi_tport_connect(struct kr_tport *tp, int peer, struct kr_tep **ep_out)
{
    struct ofi_tport *ot = ofi_tport_of(tp);
    struct ofi_tep *ep = &ot->eps[peer];
    int ret = kr_ofi_ep_addr(ot, ep);

    if (ret == -ENOENT) {
        KR_LOG_ERR(OFI, "rank %d: rank %d published no ofi address", ot->rank, peer);
    }
    if (ret != 0) {
        return ret;
    }
    *ep_out = &ep->base;
    return 0;
}

static size_t ofi_tport_max_eager(struct kr_tep *ep)
{
    return ofi_tport_of(ep->tp)->max_eager;
}

static int ofi_tport_send_fill(struct kr_tep *ep, const struct kr_wire_hdr *hdr,
                               const struct iovec *iov, int iovcnt, size_t len,
                               kr_tport_fill_fn fill, void *arg)
{
    struct ofi_tep *oe = ofi_tep_of(ep);
    struct ofi_frame fr = { .kind = OFI_F_MSG, .src = ofi_tport_of(ep->tp)->rank, .msg = *hdr };

    return kr_ofi_send_frame(oe, &fr, iov, iovcnt, len, fill, arg);
}

static int ofi_tport_send_eager(struct kr_tep *ep, const struct kr_wire_hdr *hdr,
                                const struct iovec *iov, int iovcnt)
{
    return ofi_tport_send_fill(ep, hdr, iov, iovcnt, 0, NULL, NULL);
}

/* Rendezvous: the receiver reads the sender's exposed buffer (fi_read) or posts tagged
 * receives for the chunks straight into its buffer (coop_open); in the second case the
 * sender's coop_work sends the chunks from its buffer. */
static int ofi_tport_coop_open(struct kr_tep *ep, const struct kr_rndv_key *key, void *dst,
                               uint64_t *ticket_out)
{
    return kr_ofi_bulk_recv_open(ofi_tep_of(ep), key, dst, ticket_out);
}

static int ofi_tport_coop_work(struct kr_tep *ep, uint64_t ticket, const void *src)
{
    if (src == NULL) {
        return 0;               /* the receiver's chunks or reads land through progress */
    }
    return kr_ofi_bulk_send(ofi_tep_of(ep), ticket, src);
}

static int ofi_tport_coop_done(struct kr_tep *ep, uint64_t ticket)
{
    return kr_ofi_bulk_recv_done(ofi_tep_of(ep), ticket);
}

static int ofi_tport_progress(struct kr_tport *tp)
{
    struct ofi_tport *ot = ofi_tport_of(tp);
    int n;

    /* Polling costs a system call on socket-based providers: on every call only while busy
     * (or when this is the only transport: then hot never cools down, see wait). */
    if (ot->hot > 0) {
        ot->hot--;
    } else if (++ot->poll_tick < OFI_POLL_EVERY
               && atomic_load_explicit(&ot->force_poll, memory_order_relaxed) == 0
               && ot->error == 0) {
        return 0;
    }
    ot->poll_tick = 0;
    atomic_store_explicit(&ot->force_poll, 0, memory_order_relaxed);
    n = kr_ofi_cq_poll(ot);
    if (ot->pend_head != NULL) {
        int ret = kr_ofi_send_pending(ot);

        n += ret > 0 ? ret : 0;
    }
    if (ot->tx_xfers != NULL || ot->rx_backlog > 0) {
        n += kr_ofi_bulk_pump(ot);
    }
    /* Exposed buffers too: with manual progress a peer's reads move only while we poll. */
    if (n > 0 || ot->tx_inflight > 0 || ot->tx_xfers != NULL || ot->pend_head != NULL
        || ot->nexposed > 0 || ot->nrx_xfers > 0) {
        ot->hot = OFI_HOT_POLLS;
    }
    if (ot->error != 0) {
        return ot->error;
    }
    return n;
}

/* A peer reads our exposed buffer and the provider moves data only when we call it (manual
 * progress: ofi_rxm over tcp serves a read request inside our fi_cq_read, and that request
 * does not wake the CQ's fd). Then waits nap instead of sleeping on the fd. */
static bool ofi_tport_serving(const struct ofi_tport *ot)
{
    return ot->nexposed > 0 && ot->info->domain_attr->data_progress != FI_PROGRESS_AUTO;
}

/* Sleep until the completion queue may have something, or timeout_ms. fi_trywait says
 * whether the fd can be trusted (nothing is pending inside the provider); without a wait fd
 * the wait is a short nap, so an oversubscribed host never spins. */
static int ofi_tport_wait(struct kr_tport *tp, int timeout_ms, bool (*ready)(void *arg),
                          void *arg)
{
    struct ofi_tport *ot = ofi_tport_of(tp);
    struct fid *fids[1] = { &ot->cq->fid };
    struct pollfd p = { .fd = ot->wait_fd, .events = POLLIN };

    atomic_store_explicit(&ot->force_poll, 1, memory_order_relaxed);
    if (ready(arg)) {
        return 0;
    }
    if (ot->wait_fd < 0 || ot->pend_head != NULL || ofi_tport_serving(ot)) {
        usleep(OFI_NAP_US);     /* no fd, sends to retry or reads to serve: nap, never spin */
        return 0;
    }
    if (fi_trywait(ot->fabric, fids, 1) != FI_SUCCESS) {
        return 0;
    }
    if (poll(&p, 1, timeout_ms) < 0 && errno != EINTR) {
        return -errno;
    }
    return 0;
}

static long ofi_futex(_Atomic uint32_t *addr, int op, uint32_t val)
{
    return syscall(SYS_futex, (uint32_t *) addr, op, val, NULL, NULL, 0);
}

/* The watch thread: when armed, block on the CQ's wait fd (and the stop fd), then tell the
 * sleeper. After one report it waits for the next arming, so it never spins. */
static void *ofi_watch_main(void *arg)
{
    struct ofi_tport *ot = arg;
    uint32_t seen = 0;

    for (;;) {
        uint32_t gen = atomic_load_explicit(&ot->watch_gen, memory_order_acquire);
        struct pollfd p[2] = { { ot->wait_fd, POLLIN, 0 }, { ot->stop_fd, POLLIN, 0 } };

        if (atomic_load_explicit(&ot->watch_stop, memory_order_acquire) != 0) {
            break;
        }
        if (gen == seen) {
            ofi_futex(&ot->watch_gen, FUTEX_WAIT_PRIVATE, seen);
            continue;
        }
        seen = gen;
        if (poll(p, 2, -1) > 0 && (p[0].revents & POLLIN) != 0) {
            atomic_store_explicit(&ot->force_poll, 1, memory_order_relaxed);
            /* Publish, fence, then kick: pairs with the sleeper's announce-fence-check. */
            atomic_store_explicit(ot->watch_flag, 1, memory_order_seq_cst);
            atomic_thread_fence(memory_order_seq_cst);
            ot->watch_kick(ot->watch_kick_arg);
        }
    }
    return NULL;
}

static int ofi_tport_watch(struct kr_tport *tp, atomic_int *flag, void (*kick)(void *arg),
                           void *kick_arg)
{
    struct ofi_tport *ot = ofi_tport_of(tp);
    struct fid *fids[1] = { &ot->cq->fid };

    if (ot->wait_fd < 0 || ofi_tport_serving(ot)) {
        return -ENOSYS;         /* the engine naps instead */
    }
    if (fi_trywait(ot->fabric, fids, 1) != FI_SUCCESS) {
        /* Something is pending already: report it at once. */
        atomic_store_explicit(&ot->force_poll, 1, memory_order_relaxed);
        atomic_store_explicit(flag, 1, memory_order_seq_cst);
        return 0;
    }
    if (!ot->watch_running) {
        int ret;

        ot->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (ot->stop_fd < 0) {
            ret = -errno;
            KR_LOG_ERR(OFI, "cannot set up the watch thread: %s", strerror(errno));
            return ret;
        }
        ot->watch_flag = flag;
        ot->watch_kick = kick;
        ot->watch_kick_arg = kick_arg;
        ret = pthread_create(&ot->watch_thread, NULL, ofi_watch_main, ot);
        if (ret != 0) {
            KR_LOG_ERR(OFI, "cannot start the watch thread: %s", strerror(ret));
            return -ret;
        }
        ot->watch_running = true;
    }
    atomic_fetch_add_explicit(&ot->watch_gen, 1, memory_order_release);
    ofi_futex(&ot->watch_gen, FUTEX_WAKE_PRIVATE, 1);
    return 0;
}

static void ofi_tport_watch_stop(struct ofi_tport *ot)
{
    uint64_t one = 1;

    if (!ot->watch_running) {
        return;
    }
    atomic_store_explicit(&ot->watch_stop, 1, memory_order_release);
    atomic_fetch_add_explicit(&ot->watch_gen, 1, memory_order_release);
    ofi_futex(&ot->watch_gen, FUTEX_WAKE_PRIVATE, 1);
    if (write(ot->stop_fd, &one, sizeof(one)) < 0) {
        KR_LOG_WARN(OFI, "cannot stop the watch thread: %s", strerror(errno));
    }
    pthread_join(ot->watch_thread, NULL);
    ot->watch_running = false;
}

/* Orderly goodbye: every peer we talked with gets BYE, and we wait (bounded) for its BYE and
 * for our sends to complete, so that no peer loses the last bytes we sent when our endpoint
 * closes, and we take no peer's close for a failure. */
static void ofi_tport_goodbye(struct ofi_tport *ot)
{
    struct ofi_frame bye = { .kind = OFI_F_BYE, .src = ot->rank };
    uint64_t end = ofi_now_ms() + OFI_CLOSE_MS;
    bool sent_all = false;

    while (ofi_now_ms() < end && ot->error == 0) {
        int open = 0;

        kr_ofi_cq_poll(ot);
        kr_ofi_send_pending(ot);
        kr_ofi_bulk_pump(ot);
        if (!sent_all) {
            sent_all = true;
            for (int r = 0; r < ot->size; r++) {
                struct ofi_tep *ep = &ot->eps[r];

                if (ep->touched && kr_ofi_ep_addr(ot, ep) == 0
                    && !ep->bye_sent) {
                    int ret = kr_ofi_send_frame(ep, &bye, NULL, 0, 0, NULL, NULL);

                    ep->bye_sent = ret != -EAGAIN;
                    sent_all = sent_all && ep->bye_sent;
                }
            }
        }
        for (int r = 0; r < ot->size; r++) {
            open += ot->eps[r].touched && !ot->eps[r].bye_seen;
        }
        if (sent_all && open == 0 && ot->tx_inflight == 0 && ot->tx_xfers == NULL
            && ot->pend_head == NULL) {
            return;
        }
    }
}

static void ofi_tport_close(struct kr_tport *tp)
{
    struct ofi_tport *ot = ofi_tport_of(tp);

    ofi_tport_watch_stop(ot);
    ofi_tport_goodbye(ot);
    KR_LOG_INFO(OFI, "rank %d: large messages received: %llu by fi_read, %llu by tagged chunks",
                ot->rank, (unsigned long long) ot->nread, (unsigned long long) ot->nchunked);
    for (int r = 0; r < ot->size; r++) {
        while (ot->eps[r].rx_xfers != NULL) {
            struct ofi_xfer *x = ot->eps[r].rx_xfers;

            ot->eps[r].rx_xfers = x->next;
            if (x->mr != NULL) {
                kr_ofi_mr_put(&ot->mrc, x->mr);
            }
            free(x);
        }
    }
    while (ot->tx_xfers != NULL) {
        struct ofi_xfer *x = ot->tx_xfers;

        ot->tx_xfers = x->next;
        if (x->mr != NULL) {
            kr_ofi_mr_put(&ot->mrc, x->mr);
        }
        free(x);
    }
    ofi_tport_free(ot);
}

const struct kr_tport_ops kr_ofi_tport_ops = {
    .name       = "ofi",
    .open       = ofi_tport_open,
    .start      = ofi_tport_start,
    .connect    = ofi_tport_connect,
    .max_eager  = ofi_tport_max_eager,
    .max_frag   = ofi_tport_max_eager,
    .send_eager = ofi_tport_send_eager,
    .send_fill  = ofi_tport_send_fill,
    .rndv_expose = kr_ofi_rndv_expose,
    .rndv_unexpose = kr_ofi_rndv_unexpose,
    .coop_open  = ofi_tport_coop_open,
    .coop_work  = ofi_tport_coop_work,
    .coop_done  = ofi_tport_coop_done,
    .progress   = ofi_tport_progress,
    .wait       = ofi_tport_wait,
    .watch      = ofi_tport_watch,
    .close      = ofi_tport_close,
};

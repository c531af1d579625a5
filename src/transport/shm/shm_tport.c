/* The shared-memory transport: ops over the per-host segment (shm_seg.c), the inbound rings
 * (shm_ring.c) and single-copy reads (shm_cma.c). */
#include "config.h"

#include "shm_int.h"

#include "util/log.h"
#include "util/settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SHM_POLL_BUDGET 64

static struct shm_cfg {
    size_t ring_size;
    size_t eager_limit;
    bool cma;
    bool memfd;
} shm_cfg;

const struct kr_setting kr_shm_settings[] = {
    { "SHM_RING_SIZE", KR_SET_SIZE, "256k", &shm_cfg.ring_size,
      "bytes of each local rank's inbound ring in the host's shared segment (power of two; "
      "the segment grows linearly with the ranks on the host)", NULL, 0 },
    { "SHM_EAGER_LIMIT", KR_SET_SIZE, "8k", &shm_cfg.eager_limit,
      "largest message copied through the ring; larger ones use rendezvous (single copy with "
      "process_vm_readv, or pipelined copy through the ring when that is not permitted)",
      NULL, 0 },
    { "SHM_CMA", KR_SET_BOOL, "yes", &shm_cfg.cma,
      "use process_vm_readv for large messages (falls back to copying if denied)", NULL, 0 },
    { "SHM_MEMFD", KR_SET_BOOL, "yes", &shm_cfg.memfd,
      "make the host's segment an anonymous memory file the other local ranks open through "
      "/proc/<pid>/fd of the first one, so it never has a name in /dev/shm; no: a named "
      "/dev/shm file, unlinked once every local rank has attached", NULL, 0 },
    { 0 }
};

/* Read by peers through process_vm_readv to find out whether CMA is permitted. */
static const uint64_t shm_probe_word = SHM_SEG_MAGIC;

struct shm_tep {
    struct kr_tep base;
    struct shm_ring ring;       /* the peer's inbound ring; we are one of its producers */
    pid_t pid;
    bool ready;
    size_t refused;             /* payload bytes the ring last refused, 0 after a success */
};

struct shm_tport {
    struct kr_tport base;
    struct kr_tport_cb cb;
    struct shm_seg seg;
    struct shm_inbox inbox;
    struct shm_ctl *ctl;        /* ours */
    int rank, nlocal, local_rank;
    int *local_of;              /* job rank -> local index, or -1 (job size entries) */
    struct shm_tep *eps;        /* by local index */
    int nrefused;               /* endpoints whose `refused` is set */
    size_t max_eager;
    bool cma;
    bool anon;                  /* the segment is a memfd found through the launcher's KVS */
    struct kr_tport_kvs kvs;
    char seg_key[64];           /* KVS key of the leader's "<pid> <fd>" (anon) */
};

/* `base` is the first member of both structs, so these casts are exact. */
static struct shm_tport *shm_tport_of(struct kr_tport *tp)
{
    return (struct shm_tport *) (void *) tp;
}

static struct shm_tep *shm_tep_of(struct kr_tep *ep)
{
    return (struct shm_tep *) (void *) ep;
}

static pid_t shm_tep_pid(struct shm_tep *se)
{
    if (se->pid == 0) {
        se->pid = (pid_t) se->ring.ctl->pid;
    }
    return se->pid;
}

static void shm_tport_segname(const struct kr_tport_job *job, char *buf, size_t len)
{
    snprintf(buf, len, "/kurir-%s-n%d", job->jobid, job->node);
}

static bool shm_is_pow2(size_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

static void shm_tport_publish_self(struct shm_tport *st)
{
    st->ctl->pid = (int32_t) getpid();
    st->ctl->job_rank = st->rank;
    st->ctl->probe_addr = (uint64_t) (uintptr_t) &shm_probe_word;
    kr_shm_inbox_init(&st->inbox, st->ctl, kr_shm_seg_ring(&st->seg, (uint32_t) st->local_rank),
                      shm_cfg.ring_size);
}

static int shm_tport_open(const struct kr_tport_job *job, const struct kr_tport_cb *cb,
                          struct kr_tport **tp_out)
{
    struct shm_tport *st;
    char name[256];
    int ret;

    if (!shm_is_pow2(shm_cfg.ring_size) || shm_cfg.ring_size < 64 * SHM_SLOT) {
        KR_LOG_ERR(SHM, "KURIR_SHM_RING_SIZE=%zu must be a power of two of at least %d",
                   shm_cfg.ring_size, 64 * SHM_SLOT);
        return -EINVAL;
    }
    st = calloc(1, sizeof(*st));
    if (st == NULL) {
        return -ENOMEM;
    }
    st->local_of = malloc(sizeof(int) * (size_t) job->size);
    st->eps = calloc((size_t) job->nlocal, sizeof(*st->eps));
    if (st->local_of == NULL || st->eps == NULL) {
        ret = -ENOMEM;
        goto err_free;
    }
    for (int r = 0; r < job->size; r++) {
        st->local_of[r] = -1;
    }
    for (int i = 0; i < job->nlocal; i++) {
        st->local_of[job->local_ranks[i]] = i;
    }
    st->base.ops = &kr_shm_tport_ops;
    st->cb = *cb;
    st->rank = job->rank;
    st->nlocal = job->nlocal;
    st->local_rank = job->local_rank;
    st->cma = shm_cfg.cma;
    st->max_eager = shm_cfg.eager_limit;
    shm_tport_segname(job, name, sizeof(name));
    snprintf(st->seg.name, sizeof(st->seg.name), "%s", name);
    st->seg.anon_fd = -1;
    /* The others learn where the leader's memfd is from the KVS; without one, a name. */
    st->anon = shm_cfg.memfd && job->kvs != NULL;
    if (st->anon) {
        st->kvs = *job->kvs;
        snprintf(st->seg_key, sizeof(st->seg_key), "kurir-shm-n%d", job->node);
    }
    if (job->local_rank == 0) {
        ret = st->anon ? kr_shm_seg_create_anon(&st->seg, name, (uint32_t) job->nlocal,
                                                shm_cfg.ring_size, job->host_shared_bytes)
                       : kr_shm_seg_create(&st->seg, name, (uint32_t) job->nlocal,
                                           shm_cfg.ring_size, job->host_shared_bytes);
        if (ret == 0 && st->anon) {
            char val[64];

            snprintf(val, sizeof(val), "%ld %d", (long) getpid(), st->seg.anon_fd);
            ret = st->kvs.put(st->kvs.ctx, st->seg_key, val);
            if (ret != 0) {
                KR_LOG_ERR(SHM, "cannot publish the host's segment (%s)", strerror(-ret));
                kr_shm_seg_detach(&st->seg);
            }
        }
        if (ret != 0) {
            goto err_free;
        }
        st->ctl = kr_shm_seg_ctl(&st->seg, 0);
        shm_tport_publish_self(st);
    }
    *tp_out = &st->base;
    return 0;

err_free:
    free(st->eps);
    free(st->local_of);
    free(st);
    return ret;
}

/* The leader published "<pid> <fd>" of its memfd before the fence. */
static int shm_tport_attach_anon(struct shm_tport *st)
{
    char val[64];
    long pid;
    int fd, ret;

    ret = st->kvs.get(st->kvs.ctx, st->seg_key, val, sizeof(val));
    if (ret != 0) {
        KR_LOG_ERR(SHM, "the first rank on this host did not publish its segment (%s)",
                   strerror(-ret));
        return ret;
    }
    if (sscanf(val, "%ld %d", &pid, &fd) != 2 || pid <= 0 || fd < 0) {
        KR_LOG_ERR(SHM, "bad segment location '%s' from the first rank on this host", val);
        return -EPROTO;
    }
    return kr_shm_seg_attach_anon(&st->seg, pid, fd, (uint32_t) st->nlocal);
}

/* After the boot fence the leader's segment exists: attach, then probe CMA against it. */
static int shm_tport_start(struct kr_tport *tp)
{
    struct shm_tport *st = shm_tport_of(tp);
    struct shm_ctl *leader;
    int ret;

    if (st->local_rank == 0) {
        return 0;
    }
    ret = st->anon ? shm_tport_attach_anon(st)
                   : kr_shm_seg_attach(&st->seg, st->seg.name, (uint32_t) st->nlocal);
    if (ret != 0) {
        return ret;
    }
    st->ctl = kr_shm_seg_ctl(&st->seg, (uint32_t) st->local_rank);
    shm_tport_publish_self(st);
    kr_shm_seg_mark_attached(&st->seg, (uint32_t) st->nlocal);
    leader = kr_shm_seg_ctl(&st->seg, 0);
    if (st->cma) {
        ret = kr_shm_cma_probe(leader->pid, leader->probe_addr);
        if (ret != 0) {
            KR_LOG_INFO(SHM, "process_vm_readv not permitted (%s); large messages are copied "
                        "through shared memory", strerror(-ret));
            st->cma = false;
        }
    }
    return 0;
}

static int shm_tport_connect(struct kr_tport *tp, int peer, struct kr_tep **ep_out)
{
    struct shm_tport *st = shm_tport_of(tp);
    struct shm_tep *ep;
    int local = st->local_of[peer];

    if (local < 0) {
        return -EHOSTUNREACH;
    }
    ep = &st->eps[local];
    if (!ep->ready) {
        struct shm_ctl *ctl = kr_shm_seg_ctl(&st->seg, (uint32_t) local);

        ep->base.tp = tp;
        kr_shm_ring_init(&ep->ring, ctl, kr_shm_seg_ring(&st->seg, (uint32_t) local),
                         shm_cfg.ring_size);
        ep->ready = true;
    }
    *ep_out = &ep->base;
    return 0;
}

static size_t shm_tport_max_eager(struct kr_tep *ep)
{
    struct shm_tep *se = shm_tep_of(ep);
    size_t ring_max = kr_shm_ring_max_payload(&se->ring);
    size_t lim = shm_tport_of(ep->tp)->max_eager;

    return lim < ring_max ? lim : ring_max;
}

static size_t shm_tport_max_frag(struct kr_tep *ep)
{
    return kr_shm_ring_max_payload(&shm_tep_of(ep)->ring);
}

static int shm_tport_send_fill(struct kr_tep *ep, const struct kr_wire_hdr *hdr,
                               const struct iovec *iov, int iovcnt, size_t len,
                               kr_tport_fill_fn fill, void *arg)
{
    struct shm_tep *se = shm_tep_of(ep);
    struct shm_tport *st = shm_tport_of(ep->tp);
    size_t plen = len;
    int ret;

    for (int i = 0; i < iovcnt; i++) {
        plen += iov[i].iov_len;
    }
    ret = kr_shm_ring_push_fill(&se->ring, st->rank, hdr, iov, iovcnt, plen, fill, arg);
    if (ret == -EAGAIN) {
        st->nrefused += se->refused == 0;
        se->refused = plen + 1; /* + 1: a refused empty payload still counts */
    } else if (se->refused != 0) {
        st->nrefused--;
        se->refused = 0;
    }
    return ret;
}

static int shm_tport_send_eager(struct kr_tep *ep, const struct kr_wire_hdr *hdr,
                                const struct iovec *iov, int iovcnt)
{
    return shm_tport_send_fill(ep, hdr, iov, iovcnt, 0, NULL, NULL);
}

static int shm_tport_rndv_get(struct kr_tep *ep, const struct kr_rndv_key *key,
                              const struct iovec *dst, int ndst)
{
    struct shm_tep *se = shm_tep_of(ep);
    struct shm_tport *st = shm_tport_of(ep->tp);
    int ret;

    if (!st->cma) {
        return -ENOSYS;
    }
    ret = kr_shm_cma_get(shm_tep_pid(se), key, dst, ndst);
    if (ret == -EPERM || ret == -ENOSYS) {
        KR_LOG_INFO(SHM, "process_vm_readv from pid %d refused (%s); copying through shared "
                    "memory from now on", (int) se->pid, strerror(-ret));
        st->cma = false;
    } else if (ret != 0) {
        KR_LOG_ERR(SHM, "process_vm_readv of %llu bytes from pid %d failed: %s",
                   (unsigned long long) key->len, (int) se->pid, strerror(-ret));
    }
    return ret;
}

static int shm_tport_coop_open(struct kr_tep *ep, const struct kr_rndv_key *key, void *dst,
                               uint64_t *ticket_out)
{
    struct shm_tport *st = shm_tport_of(ep->tp);

    if (!st->cma) {
        return -ENOSYS;
    }
    return kr_shm_coop_open(st->ctl, key, dst, ticket_out);
}

static int shm_tport_coop_work(struct kr_tep *ep, uint64_t ticket, const void *src)
{
    struct shm_tep *se = shm_tep_of(ep);
    struct shm_tport *st = shm_tport_of(ep->tp);
    /* The slot lives with the receiver: our own control block, or the peer's. */
    struct shm_ctl *owner = src == NULL ? st->ctl : se->ring.ctl;
    int n = kr_shm_coop_work(owner, ticket, shm_tep_pid(se), src);

    if (src != NULL && n > 0) {
        /* The receiver may have gone to sleep waiting for our chunks: publish (done counts,
         * released above), fence, then wake it (pairs with the fence in shm_tport_wait). */
        atomic_thread_fence(memory_order_seq_cst);
        if (atomic_load_explicit(&owner->sleeping, memory_order_relaxed) != 0) {
            kr_shm_ctl_ring_doorbell(owner);
        }
    }
    return n;
}

static int shm_tport_coop_done(struct kr_tep *ep, uint64_t ticket)
{
    return kr_shm_coop_done(shm_tport_of(ep->tp)->ctl, ticket);
}

static void shm_tport_deliver(void *arg, int src, const struct kr_wire_hdr *hdr,
                              const void *payload, size_t len)
{
    struct shm_tport *st = arg;

    st->cb.recv(st->cb.ctx, src, hdr, payload, len);
}

/* A producer that found our ring full may be asleep waiting for space: wake the sleepers. */
static void shm_tport_wake_space_waiters(struct shm_tport *st)
{
    /* Order our head update before reading space_wanted (pairs with the fence in
     * shm_tport_wait on the producer side). */
    atomic_thread_fence(memory_order_seq_cst);
    /* One atomic read-and-clear, so a flag set meanwhile is never wiped unseen. Acquire pairs
     * with the waiters' release: their `sleeping` flags are visible too. */
    if (atomic_exchange_explicit(&st->ctl->space_wanted, 0, memory_order_acq_rel) == 0) {
        return;
    }
    for (int i = 0; i < st->nlocal; i++) {
        struct shm_ctl *c = kr_shm_seg_ctl(&st->seg, (uint32_t) i);

        if (i != st->local_rank && atomic_load_explicit(&c->sleeping, memory_order_relaxed)) {
            kr_shm_ctl_ring_doorbell(c);
        }
    }
}

static int shm_tport_progress(struct kr_tport *tp)
{
    struct shm_tport *st = shm_tport_of(tp);
    int n;

    if (st->ctl == NULL) {
        return 0;
    }
    n = kr_shm_inbox_poll(&st->inbox, SHM_POLL_BUDGET, shm_tport_deliver, st);
    if (n > 0) {
        shm_tport_wake_space_waiters(st);
    }
    return n;
}

/* Ask the consumers of every ring that refused us to wake us when they free space; true if
 * one already has room for what it refused. */
static bool shm_tport_space_back(struct shm_tport *st)
{
    bool back = false;

    for (int i = 0; st->nrefused > 0 && i < st->nlocal; i++) {
        struct shm_tep *ep = &st->eps[i];

        if (ep->refused != 0) {
            /* Release: whoever sees space_wanted also sees our `sleeping` flag. */
            atomic_exchange_explicit(&ep->ring.ctl->space_wanted, 1, memory_order_acq_rel);
        }
    }
    atomic_thread_fence(memory_order_seq_cst);
    for (int i = 0; st->nrefused > 0 && i < st->nlocal && !back; i++) {
        struct shm_tep *ep = &st->eps[i];

        back = ep->refused != 0 && kr_shm_ring_has_space(&ep->ring, ep->refused - 1);
    }
    return back;
}

/* Sleep protocol: read the doorbell, announce that we sleep, re-check for work, then wait
 * for the doorbell to move. A producer publishes, fences, then reads `sleeping`; with our
 * fence between announcing and re-checking, one of us always sees the other. */
static int shm_tport_wait(struct kr_tport *tp, int timeout_ms, bool (*ready)(void *arg),
                          void *arg)
{
    struct shm_tport *st = shm_tport_of(tp);
    uint32_t seen;
    int ret = 0;

    if (st->ctl == NULL) {
        return 0;
    }
    seen = atomic_load_explicit(&st->ctl->doorbell, memory_order_acquire);
    atomic_store_explicit(&st->ctl->sleeping, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
    /* ready() last: a caller may release a lock in it (tport.h). */
    if (!shm_tport_space_back(st) && !kr_shm_inbox_ready(&st->inbox)
        && !kr_shm_coop_landed(st->ctl) && !ready(arg)) {
        ret = kr_shm_ctl_sleep(st->ctl, seen, timeout_ms);
    }
    atomic_store_explicit(&st->ctl->sleeping, 0, memory_order_relaxed);
    return ret;
}

static void shm_tport_wake(struct kr_tport *tp, int local)
{
    struct shm_ctl *c = kr_shm_seg_ctl(&shm_tport_of(tp)->seg, (uint32_t) local);

    /* The caller published what the sleeper waits for and fenced (seq_cst) before this. */
    if (atomic_load_explicit(&c->sleeping, memory_order_relaxed) != 0) {
        kr_shm_ctl_ring_doorbell(c);
    }
}

static void shm_tport_kick(struct kr_tport *tp)
{
    struct shm_tport *st = shm_tport_of(tp);

    if (st->ctl != NULL) {
        shm_tport_wake(tp, st->local_rank);
    }
}

static int shm_tport_host_shared(struct kr_tport *tp, struct kr_host_shared *hs_out)
{
    struct shm_tport *st = shm_tport_of(tp);

    if (st->seg.base == NULL) {
        return -ENOENT;
    }
    hs_out->base = kr_shm_seg_shared(&st->seg, &hs_out->len);
    hs_out->tp = tp;
    hs_out->wake = shm_tport_wake;
    return 0;
}

static void shm_tport_close(struct kr_tport *tp)
{
    struct shm_tport *st = shm_tport_of(tp);

    kr_shm_seg_detach(&st->seg);
    free(st->eps);
    free(st->local_of);
    free(st);
}

const struct kr_tport_ops kr_shm_tport_ops = {
    .name        = "shm",
    .open        = shm_tport_open,
    .start       = shm_tport_start,
    .connect     = shm_tport_connect,
    .max_eager   = shm_tport_max_eager,
    .max_frag    = shm_tport_max_frag,
    .send_eager  = shm_tport_send_eager,
    .send_fill   = shm_tport_send_fill,
    .rndv_get    = shm_tport_rndv_get,
    .coop_open   = shm_tport_coop_open,
    .coop_work   = shm_tport_coop_work,
    .coop_done   = shm_tport_coop_done,
    .progress    = shm_tport_progress,
    .wait        = shm_tport_wait,
    .kick        = shm_tport_kick,
    .host_shared = shm_tport_host_shared,
    .close       = shm_tport_close,
};

/* The inbound ring of a local rank: a bounded multi-producer, single-consumer queue of
 * variable-length records made of 64-byte slots (layout and roles in shm_int.h). */
#include "config.h"

#include "shm_int.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static inline struct shm_rec *ring_rec(unsigned char *slots, uint64_t nslots, uint64_t pos)
{
    return (struct shm_rec *) (void *) (slots + (pos & (nslots - 1)) * SHM_SLOT);
}

void kr_shm_ring_format(unsigned char *slots, size_t ring_bytes)
{
    uint64_t n = ring_bytes / SHM_SLOT;

    for (uint64_t i = 0; i < n; i++) {
        atomic_init(&ring_rec(slots, n, i)->ready, SHM_FREE);
    }
}

void kr_shm_ring_init(struct shm_ring *r, struct shm_ctl *ctl, unsigned char *slots,
                      size_t ring_bytes)
{
    r->ctl = ctl;
    r->slots = slots;
    r->nslots = ring_bytes / SHM_SLOT;
    r->cached_head = atomic_load_explicit(&ctl->head, memory_order_acquire);
}

size_t kr_shm_ring_max_payload(const struct shm_ring *r)
{
    /* A quarter of the ring, so one large record cannot starve the other producers. */
    return (size_t) (r->nslots / 4) * SHM_SLOT - SHM_REC_HDR;
}

/* True when a record of `need` slots ending at `end` fits; refreshes the cached head. */
static bool ring_fits(struct shm_ring *r, uint64_t end)
{
    if (end - r->cached_head <= r->nslots) {
        return true;
    }
    /* Acquire pairs with the consumer's release store of head in kr_shm_inbox_poll: the
     * consumer's reads and clears of those slots happen before we overwrite them. */
    r->cached_head = atomic_load_explicit(&r->ctl->head, memory_order_acquire);
    return end - r->cached_head <= r->nslots;
}

bool kr_shm_ring_has_space(struct shm_ring *r, size_t plen)
{
    uint64_t pos = atomic_load_explicit(&r->ctl->tail, memory_order_relaxed);

    /* Worst case includes padding to the end of the ring. */
    return ring_fits(r, pos + 2 * shm_rec_slots((uint32_t) plen));
}

static void ring_write_payload(unsigned char *dst, const struct iovec *iov, int iovcnt)
{
    for (int i = 0; i < iovcnt; i++) {
        if (iov[i].iov_len > 0) {
            memcpy(dst, iov[i].iov_base, iov[i].iov_len);
            dst += iov[i].iov_len;
        }
    }
}

int kr_shm_ring_push(struct shm_ring *r, int src, const struct kr_wire_hdr *hdr,
                     const struct iovec *iov, int iovcnt, size_t plen)
{
    return kr_shm_ring_push_fill(r, src, hdr, iov, iovcnt, plen, NULL, NULL);
}

int kr_shm_ring_push_fill(struct shm_ring *r, int src, const struct kr_wire_hdr *hdr,
                          const struct iovec *iov, int iovcnt, size_t plen,
                          kr_tport_fill_fn fill, void *arg)
{
    uint32_t need = shm_rec_slots((uint32_t) plen), pad;
    uint64_t pos, end;
    struct shm_rec *rec;

    pos = atomic_load_explicit(&r->ctl->tail, memory_order_relaxed);
    do {
        uint64_t off = pos & (r->nslots - 1);

        pad = off + need > r->nslots ? (uint32_t) (r->nslots - off) : 0;
        end = pos + pad + need;
        if (!ring_fits(r, end)) {
            return -EAGAIN;
        }
    } while (!atomic_compare_exchange_weak_explicit(&r->ctl->tail, &pos, end,
                                                    memory_order_relaxed,
                                                    memory_order_relaxed));
    if (pad != 0) {
        rec = ring_rec(r->slots, r->nslots, pos);
        rec->src = -1;
        rec->plen = pad * SHM_SLOT - SHM_REC_HDR;
        /* Release pairs with the consumer's acquire load of `ready`. */
        atomic_store_explicit(&rec->ready, pos, memory_order_release);
        pos += pad;
    }
    rec = ring_rec(r->slots, r->nslots, pos);
    rec->src = src;
    rec->plen = (uint32_t) plen;
    rec->hdr = *hdr;
    ring_write_payload(rec->payload, iov, iovcnt);
    if (fill != NULL) {
        size_t head = 0;

        for (int i = 0; i < iovcnt; i++) {
            head += iov[i].iov_len;
        }
        fill(arg, rec->payload + head, plen - head);
    }
    /* Release pairs with the consumer's acquire load of `ready`: header and payload are
     * visible before the record is. */
    atomic_store_explicit(&rec->ready, pos, memory_order_release);
    /* Order the publication before reading `sleeping` (pairs with the fence in
     * kr_shm_ctl_sleep): either the consumer sees our record or we see it sleeping. */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&r->ctl->sleeping, memory_order_relaxed) != 0) {
        kr_shm_ctl_ring_doorbell(r->ctl);
    }
    return 0;
}

void kr_shm_inbox_init(struct shm_inbox *in, struct shm_ctl *ctl, unsigned char *slots,
                       size_t ring_bytes)
{
    in->ctl = ctl;
    in->slots = slots;
    in->nslots = ring_bytes / SHM_SLOT;
    in->head = atomic_load_explicit(&ctl->head, memory_order_relaxed);
}

bool kr_shm_inbox_ready(const struct shm_inbox *in)
{
    const struct shm_rec *rec = ring_rec(in->slots, in->nslots, in->head);

    return atomic_load_explicit(&rec->ready, memory_order_acquire) == in->head;
}

int kr_shm_inbox_poll(struct shm_inbox *in, int budget, kr_shm_deliver_fn fn, void *arg)
{
    uint64_t h = in->head;
    int n = 0;

    while (n < budget) {
        struct shm_rec *rec = ring_rec(in->slots, in->nslots, h);
        uint32_t ns;

        /* Acquire pairs with the producer's release store of `ready`. */
        if (atomic_load_explicit(&rec->ready, memory_order_acquire) != h) {
            break;
        }
        ns = shm_rec_slots(rec->plen);
        if (rec->src >= 0) {
            fn(arg, rec->src, &rec->hdr, rec->payload, rec->plen);
            n++;
            /* A later record may start on any slot: clear the first word of the slots our
             * payload covered, so stale payload never looks like a published position. The
             * first slot keeps its own (old) position, which can never match again, and a
             * padding record writes nothing beyond its first slot. */
            for (uint32_t i = 1; i < ns; i++) {
                atomic_store_explicit(&ring_rec(in->slots, in->nslots, h + i)->ready, SHM_FREE,
                                      memory_order_relaxed);
            }
        }
        h += ns;
    }
    if (h != in->head) {
        in->head = h;
        /* Release pairs with the producers' acquire load in ring_fits. */
        atomic_store_explicit(&in->ctl->head, h, memory_order_release);
    }
    return n;
}

static long shm_futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, (uint32_t *) addr, op, val, ts, NULL, 0);
}

void kr_shm_ctl_ring_doorbell(struct shm_ctl *ctl)
{
    atomic_fetch_add_explicit(&ctl->doorbell, 1, memory_order_release);
    shm_futex(&ctl->doorbell, FUTEX_WAKE, INT_MAX, NULL);
}

/* Sleep on our own doorbell unless it moved since `seen` was read (the caller read it, then
 * set sleeping, then re-checked for work). */
int kr_shm_ctl_sleep(struct shm_ctl *ctl, uint32_t seen, int timeout_ms)
{
    struct timespec ts = { timeout_ms / 1000, (long) (timeout_ms % 1000) * 1000000L };

    if (shm_futex(&ctl->doorbell, FUTEX_WAIT, seen, timeout_ms >= 0 ? &ts : NULL) != 0
        && errno != EAGAIN && errno != ETIMEDOUT && errno != EINTR) {
        return -errno;
    }
    return 0;
}

/* Private to the shared-memory transport: segment layout, the per-rank inbound ring, the
 * doorbell used to sleep and wake, and the single-copy (CMA) path. */
#ifndef KR_SHM_INT_H
#define KR_SHM_INT_H

#include "transport/tport.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SHM_LINE      64
#define SHM_SLOT      64                    /* ring granule: one cache line */
#define SHM_FREE      UINT64_MAX            /* `ready` word of a slot nobody published */
#define SHM_SEG_MAGIC 0x4b5552495253484dULL /* "KURIRSHM" */
#define SHM_SEG_VERSION 1

/*
 * One segment per host, created by the host's first rank (the leader) and sized
 * O(local ranks): a header, one control block per local rank, and one inbound ring per local
 * rank. Everything inside is addressed by offsets from the segment base, since every process
 * maps it at a different address.
 *
 *   [shm_seg_hdr][shm_ctl x nlocal][ring 0][ring 1]...[ring nlocal-1][host-shared region]
 *
 * The host-shared region (zeroed, page aligned) belongs to the layers above (collectives).
 * Ring i is written by every other local rank (multi-producer) and read only by local rank i
 * (single consumer). A message is one record of 1..n consecutive slots; a record never wraps:
 * a producer that would cross the end first reserves the rest of the ring as a padding record.
 */
struct shm_seg_hdr {
    uint64_t magic;             /* written last by the leader */
    uint32_t version;
    uint32_t nlocal;
    uint64_t ring_bytes;        /* size of each ring, a power of two >= 64 slots */
    uint64_t shared_bytes;      /* size of the host-shared region */
    uint64_t seg_bytes;
    _Atomic uint32_t attached;  /* processes that mapped the segment; the last one unlinks */
};

#define SHM_COOP_SLOTS 8                    /* cooperative copies a rank can receive at once */
#define SHM_COOP_CHUNK (64 * 1024)          /* bytes claimed and copied at a time */

/*
 * A cooperative copy into the memory of the slot's owner, the receiver (shm_coop.c). The owner
 * fills the fields, then publishes `claim` = gen << 32 (release). Either process then claims
 * chunk indexes by compare-and-swap on `claim` (acquire), which also checks the generation: a
 * stale ticket never claims anything. A process that claimed chunk i copies it (the receiver
 * with process_vm_readv, the sender with process_vm_writev) and adds 1 to `done` (release);
 * the owner reuses the slot only when `done` reached `nchunks` (acquire), so no copy is in
 * flight then. `busy` and the generation counter are the owner's own bookkeeping.
 */
struct shm_coop {
    alignas(SHM_LINE) _Atomic uint64_t claim;
    _Atomic uint32_t done;
    _Atomic int32_t error;      /* first -errno a chunk met, else 0 */
    uint32_t nchunks;
    uint32_t gen;
    uint64_t len;
    uint64_t raddr;             /* destination, in the owner's address space */
    uint64_t saddr;             /* source, in the sender's address space */
    bool busy;
};

/*
 * Control block of local rank i (the consumer of ring i). Each group of fields that changes
 * hands sits on its own cache line so producers and the consumer do not false-share:
 *  - tail: reserved by producers with compare-and-swap; the consumer never touches it;
 *  - head: released positions, published by the consumer (release) after it has finished
 *    reading and clearing slots; producers read it (acquire) only when their cached copy
 *    says the ring is full; space_wanted is set by a producer that found the ring full and is
 *    about to sleep, so the consumer rings everyone's doorbell once it frees space;
 *  - doorbell/sleeping: the consumer sets sleeping before it sleeps on the doorbell futex;
 *    a producer that publishes a record while sleeping is set bumps the doorbell and wakes.
 */
struct shm_ctl {
    alignas(SHM_LINE) _Atomic uint64_t tail;
    alignas(SHM_LINE) _Atomic uint64_t head;
    _Atomic uint32_t space_wanted;
    alignas(SHM_LINE) _Atomic uint32_t doorbell;
    _Atomic uint32_t sleeping;
    int32_t pid;                /* for process_vm_readv */
    int32_t job_rank;
    uint64_t probe_addr;        /* address of a word holding SHM_SEG_MAGIC, for the CMA probe */
    struct shm_coop coop[SHM_COOP_SLOTS]; /* cooperative copies into this rank */
};

/* First slot of a record. `ready` is the record's ring position once it is complete. */
struct shm_rec {
    _Atomic uint64_t ready;
    int32_t src;                /* sender's job rank; -1 marks padding */
    uint32_t plen;              /* payload bytes after the header */
    struct kr_wire_hdr hdr;
    unsigned char payload[];
};

#define SHM_REC_HDR ((uint32_t) sizeof(struct shm_rec))

static inline uint32_t shm_rec_slots(uint32_t plen)
{
    return (SHM_REC_HDR + plen + SHM_SLOT - 1) / SHM_SLOT;
}

/* A mapped segment. */
struct shm_seg {
    void *base;
    size_t len;
    char name[256];
    bool linked;                /* still has a name in /dev/shm (we may need to unlink it) */
    bool anon;                  /* a memfd: never had a name in /dev/shm */
    int anon_fd;                /* leader of an anonymous segment: its memfd, kept open so the
                                 * others can open /proc/<pid>/fd/<anon_fd>; else -1 */
};

/* Producer-side view of one ring, private to the producing process. */
struct shm_ring {
    struct shm_ctl *ctl;
    unsigned char *slots;
    uint64_t nslots;            /* power of two */
    uint64_t cached_head;       /* producer: last head seen; a lower bound of the real one */
};

/* shm_seg.c */
size_t kr_shm_seg_size(uint32_t nlocal, size_t ring_bytes, size_t shared_bytes);
int kr_shm_seg_create(struct shm_seg *seg, const char *name, uint32_t nlocal, size_t ring_bytes,
                      size_t shared_bytes);
int kr_shm_seg_attach(struct shm_seg *seg, const char *name, uint32_t nlocal);
/* The anonymous form: a memfd (never in /dev/shm) the others open as /proc/<pid>/fd/<fd> of
 * the leader, which keeps seg->anon_fd open until it detaches. */
int kr_shm_seg_create_anon(struct shm_seg *seg, const char *name, uint32_t nlocal,
                           size_t ring_bytes, size_t shared_bytes);
int kr_shm_seg_attach_anon(struct shm_seg *seg, long pid, int fd, uint32_t nlocal);
void kr_shm_seg_mark_attached(struct shm_seg *seg, uint32_t nlocal);
void kr_shm_seg_detach(struct shm_seg *seg);
struct shm_ctl *kr_shm_seg_ctl(const struct shm_seg *seg, uint32_t local);
unsigned char *kr_shm_seg_ring(const struct shm_seg *seg, uint32_t local);
void *kr_shm_seg_shared(const struct shm_seg *seg, size_t *len_out);

/* shm_ring.c */
void kr_shm_ring_init(struct shm_ring *r, struct shm_ctl *ctl, unsigned char *slots,
                      size_t ring_bytes);
void kr_shm_ring_format(unsigned char *slots, size_t ring_bytes);
int kr_shm_ring_push(struct shm_ring *r, int src, const struct kr_wire_hdr *hdr,
                     const struct iovec *iov, int iovcnt, size_t plen);
/* The same, with the payload's tail (plen minus the iovecs) written by `fill`. */
int kr_shm_ring_push_fill(struct shm_ring *r, int src, const struct kr_wire_hdr *hdr,
                          const struct iovec *iov, int iovcnt, size_t plen,
                          kr_tport_fill_fn fill, void *arg);
size_t kr_shm_ring_max_payload(const struct shm_ring *r);

/* Consumer side: what the owner of a ring keeps about it. */
struct shm_inbox {
    struct shm_ctl *ctl;
    unsigned char *slots;
    uint64_t nslots;
    uint64_t head;              /* next position to read */
};

typedef void (*kr_shm_deliver_fn)(void *arg, int src, const struct kr_wire_hdr *hdr,
                                  const void *payload, size_t len);

void kr_shm_inbox_init(struct shm_inbox *in, struct shm_ctl *ctl, unsigned char *slots,
                       size_t ring_bytes);
bool kr_shm_inbox_ready(const struct shm_inbox *in);
int kr_shm_inbox_poll(struct shm_inbox *in, int budget, kr_shm_deliver_fn fn, void *arg);
bool kr_shm_ring_has_space(struct shm_ring *r, size_t plen);

/* Doorbell: wake the owner of `ctl` if it sleeps. */
void kr_shm_ctl_ring_doorbell(struct shm_ctl *ctl);
int kr_shm_ctl_sleep(struct shm_ctl *ctl, uint32_t seen, int timeout_ms);

/* shm_coop.c */
int kr_shm_coop_open(struct shm_ctl *mine, const struct kr_rndv_key *key, void *dst,
                     uint64_t *ticket_out);
int kr_shm_coop_work(struct shm_ctl *owner, uint64_t ticket, pid_t peer, const void *src);
int kr_shm_coop_done(struct shm_ctl *mine, uint64_t ticket);
bool kr_shm_coop_landed(struct shm_ctl *mine);

/* shm_cma.c */
int kr_shm_cma_get(pid_t pid, const struct kr_rndv_key *key, const struct iovec *dst, int ndst);
int kr_shm_cma_probe(pid_t pid, uint64_t addr);

#endif /* KR_SHM_INT_H */

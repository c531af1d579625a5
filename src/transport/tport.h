/* The transport interface: one ops struct per transport (shm, loop, later tcp and ofi). A
 * transport moves bytes between processes and reports arrivals upward through the callback it
 * was given at open; the pt2pt layer above owns matching and protocols. */
#ifndef KR_TRANSPORT_TPORT_H
#define KR_TRANSPORT_TPORT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Header carried in front of every message. pt2pt fills it; the transport only copies it. */
struct kr_wire_hdr {
    uint8_t  type;      /* pt2pt protocol message type */
    uint8_t  flags;
    uint16_t resv;
    uint32_t ctx;       /* context id (communicator + pt2pt/collective space) */
    int32_t  src;       /* sender's rank in that communicator */
    int32_t  tag;
    uint64_t len;       /* bytes of the whole user message */
};

/* Where a rendezvous sender's data lives, as the receiver needs it for a single-copy get. */
struct kr_rndv_key {
    uint64_t addr;      /* address in the sender's address space */
    uint64_t len;
    /* Set by the sender's rndv_expose (flags KR_RNDV_KEY_REMOTE): the network may read the
     * buffer as `len` bytes at remote address `raddr` with key `rkey` (e.g. libfabric RMA). */
    uint64_t rkey;
    uint64_t raddr;
    uint64_t flags;
};

#define KR_RNDV_KEY_REMOTE 0x1u

/* Writes `len` bytes of payload into `dst` (the transport's own buffer), e.g. by packing a
 * non-contiguous user buffer. Returns the bytes written (== len). */
typedef size_t (*kr_tport_fill_fn)(void *arg, void *dst, size_t len);

struct kr_tport;        /* a transport instance; each transport embeds it first */
struct kr_tep;          /* an endpoint to one peer; each transport embeds it first */

struct kr_tport_cb {
    void *ctx;          /* passed back unchanged (the pt2pt engine) */
    /* A message arrived from job rank `src`. `payload` (`len` bytes) is only valid during the
     * call; the callee copies what it needs. Called only from inside ops->progress. */
    void (*recv)(void *ctx, int src, const struct kr_wire_hdr *hdr, const void *payload,
                 size_t len);
};

/* The job's key-value space (PMI), for business cards: values put before the boot fence are
 * readable by every rank after it. Keys and values are printable ASCII without ';' or '='. */
struct kr_tport_kvs {
    void *ctx;
    int (*put)(void *ctx, const char *key, const char *value);
    /* Returns 0, -ENOENT when nobody published `key`, or another -errno. May block briefly. */
    int (*get)(void *ctx, const char *key, char *value, size_t len);
};

/* What a transport learns about the job when it opens. */
struct kr_tport_job {
    int rank, size;             /* this process in the job */
    const char *jobid;          /* filename-safe, unique per job */
    int node;                   /* this host's index */
    int nlocal, local_rank;     /* ranks on this host; index of this one among them */
    const int *local_ranks;     /* job ranks on this host, ascending */
    int ncores;                 /* cores this host offers (for wait policy), >= 1 */
    size_t host_shared_bytes;   /* memory to share among this host's ranks for upper layers
                                 * (collectives); 0 = none wanted */
    int nnodes;                 /* hosts in the job */
    const int *node_of;         /* node_of[r]: host index of job rank r */
    const struct kr_tport_kvs *kvs; /* NULL when there is no launcher (singleton, unit tests) */
};

/* Memory every rank of this host maps (zeroed at creation), offered by a transport that has
 * it, and a way to wake a local rank that sleeps in the transport's wait(). */
struct kr_host_shared {
    void *base;
    size_t len;
    struct kr_tport *tp;
    /* Wake local rank `local` (index into the job's local ranks) if it sleeps in wait(). */
    void (*wake)(struct kr_tport *tp, int local);
};

struct kr_tport_ops {
    const char *name;           /* "shm", "loop", ... */

    /* Create transport state; `cb` is how received data goes up. Runs before the job-wide
     * boot fence and may block briefly. Returns 0 or -errno (logged). */
    int (*open)(const struct kr_tport_job *job, const struct kr_tport_cb *cb,
                struct kr_tport **tp_out);
    /* Called once after the job-wide fence: finish wiring up (e.g. attach to segments other
     * ranks created in open). NULL when nothing is left to do. */
    int (*start)(struct kr_tport *tp);
    /* Endpoint to job rank `peer`, created on first use. Must not block. */
    int (*connect)(struct kr_tport *tp, int peer, struct kr_tep **ep_out);
    /* Largest message this endpoint sends eagerly (the rendezvous threshold). */
    size_t (*max_eager)(struct kr_tep *ep);
    /* Largest payload send_eager accepts in one call (>= max_eager), for streamed fragments. */
    size_t (*max_frag)(struct kr_tep *ep);
    /* Queue header + payload (iov, total <= max_eager). Returns 0 (copied: the caller may
     * reuse its buffers) or -EAGAIN (no space: the caller retries after progress). Never
     * blocks. */
    int (*send_eager)(struct kr_tep *ep, const struct kr_wire_hdr *hdr,
                      const struct iovec *iov, int iovcnt);
    /* Like send_eager, but the payload is `head` followed by `len` bytes that `fill` writes
     * straight into the transport's buffer (no intermediate copy of packed data). */
    int (*send_fill)(struct kr_tep *ep, const struct kr_wire_hdr *hdr, const struct iovec *head,
                     int nhead, size_t len, kr_tport_fill_fn fill, void *arg);
    /* Copy `key->len` bytes (or fewer: what fits in `dst`) of the peer's memory described by
     * `key` into `dst[0..ndst)`, synchronously. Returns 0, or -EPERM/-ENOSYS when single
     * copy is not possible with this peer (the caller falls back to a copy protocol), or
     * another -errno. NULL when the transport has no single-copy path. */
    int (*rndv_get)(struct kr_tep *ep, const struct kr_rndv_key *key,
                    const struct iovec *dst, int ndst);
    /* Optional, sender side of a rendezvous: make the contiguous [buf, buf+len) readable by
     * the peer over the network and describe it in `key` (rkey, raddr, KR_RNDV_KEY_REMOTE),
     * until rndv_unexpose(*handle). A retried RTS calls again with *handle set: only `key` is
     * filled then. Returns 0, or -ENOSYS when the transport will not (the key stays without
     * KR_RNDV_KEY_REMOTE; nothing to release). NULL when the transport cannot. */
    int (*rndv_expose)(struct kr_tep *ep, const void *buf, size_t len, struct kr_rndv_key *key,
                       void **handle_inout);
    /* Release what rndv_expose set up; the peer will not read it any more (FIN came, or the
     * send completed another way). */
    void (*rndv_unexpose)(struct kr_tep *ep, void *handle);
    /* Cooperative single copy, for large contiguous transfers: both processes copy at once.
     * The receiver opens a transfer of the peer's buffer `key` into `dst` and sends the
     * returned ticket to the peer; then each side calls coop_work, which claims chunks one at
     * a time and copies them (the receiver reads, the sender writes) until none is left; the
     * receiver polls coop_done until every claimed chunk has landed. With shm the receiver
     * never depends on the sender taking part: if it does not, the receiver copies
     * everything. With tcp the sender's coop_work is what moves the data (it streams its
     * buffer, which stays put until FIN, straight into `dst`), and the receiver's coop_work
     * does nothing; pt2pt always calls the sender's on CTS_COOP, so both work alike.
     * coop_open returns -EBUSY when no transfer slot is free (use rndv_get). NULL when the
     * transport cannot do this. With a key the sender exposed (KR_RNDV_KEY_REMOTE) the
     * receiver may read the data itself (ofi: fi_read) and the sender's coop_work does
     * nothing; that is the transport's choice, carried in the ticket. */
    int (*coop_open)(struct kr_tep *ep, const struct kr_rndv_key *key, void *dst,
                     uint64_t *ticket_out);
    /* Copy chunks of `ticket`: the receiver passes src NULL, the sender its buffer. Returns
     * the chunks copied (0 for a ticket that is already finished or stale) or -errno. */
    int (*coop_work)(struct kr_tep *ep, uint64_t ticket, const void *src);
    /* Receiver: 1 when every chunk has landed (the ticket is closed then), 0 if not yet, or
     * -errno if a chunk failed. */
    int (*coop_done)(struct kr_tep *ep, uint64_t ticket);
    /* Deliver arrived messages through cb->recv; returns how many (>= 0; a piece of a large
     * message that landed counts too, so the waiter keeps polling while data streams) or
     * -errno. Never sleeps. */
    int (*progress)(struct kr_tport *tp);
    /* Sleep until something may have arrived for this process, or another rank woke us
     * (kr_host_shared.wake), or `timeout_ms` passes. After announcing that it sleeps, the
     * transport checks its own queues and `ready(arg)` and returns at once if either has
     * something: whoever makes `ready` true publishes it, fences (seq_cst) and then wakes
     * us, so no wakeup is lost. For waits that have stopped spinning. A transport with `kick`
     * calls ready() last, after its own checks, and touches only atomics after it: under
     * MPI_THREAD_MULTIPLE the sleeper's ready() drops the process lock (progress.c). */
    int (*wait)(struct kr_tport *tp, int timeout_ms, bool (*ready)(void *arg), void *arg);
    /* Optional, for a process that sleeps in another transport's wait(): arm a one-shot
     * background watch of this transport (a helper thread). When something may have arrived
     * for it, or queued output can move, the watch stores 1 in *flag (seq_cst), fences and
     * calls kick(kick_arg) once, from the helper thread. The sleeper's ready() checks *flag,
     * so no wakeup is lost. NULL when the transport has no events of its own to watch. */
    int (*watch)(struct kr_tport *tp, atomic_int *flag, void (*kick)(void *arg),
                 void *kick_arg);
    /* Optional: wake this process if it sleeps in this transport's wait(). Safe to call from
     * any thread; the caller published and fenced (seq_cst) what the sleeper waits for. */
    void (*kick)(struct kr_tport *tp);
    /* The host-shared memory asked for with host_shared_bytes. NULL when the transport has
     * none. Valid after start(). */
    int (*host_shared)(struct kr_tport *tp, struct kr_host_shared *hs_out);
    /* Free everything, unlink anything named in the file system. */
    void (*close)(struct kr_tport *tp);
};

struct kr_tport {
    const struct kr_tport_ops *ops;
};

struct kr_tep {
    struct kr_tport *tp;
};

extern const struct kr_tport_ops kr_shm_tport_ops;
extern const struct kr_tport_ops kr_loop_tport_ops;
extern const struct kr_tport_ops kr_tcp_tport_ops;
/* Only in builds with libfabric (KR_HAVE_OFI). */
extern const struct kr_tport_ops kr_ofi_tport_ops;

/* Would the ofi transport be used by default (a high-speed provider is present, or the user
 * named one) or, with `forced`, can it run at all? 0 and the provider's name in `prov`, or
 * -ENOENT with the providers that exist listed in `have` (for the error message). Loads
 * libfabric's providers: call it only when some peer could use ofi. */
int kr_ofi_tport_probe(bool forced, char *prov, size_t len, char *have, size_t havelen);
/* Device nodes of a high-speed fabric exist here (ofi_hw.c): worth asking libfabric. */
bool kr_ofi_hw_present(void);
/* The provider the user named (KURIR_OFI_PROVIDER, else FI_PROVIDER), or "". */
const char *kr_ofi_tport_wanted(void);

#endif /* KR_TRANSPORT_TPORT_H */

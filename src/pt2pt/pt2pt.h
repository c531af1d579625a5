/* Point-to-point engine: requests, matching (posted and unexpected queues per context),
 * eager and rendezvous protocols over the transports, and the progress/wait loop. Works on
 * bytes: datatypes are resolved above. One engine per process (or per virtual rank in unit
 * tests); nothing here is global. */
#ifndef KR_PT2PT_PT2PT_H
#define KR_PT2PT_PT2PT_H

#include "transport/tport.h"
#include "util/list.h"
#include "util/settings.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KR_ANY_SOURCE (-1)
#define KR_ANY_TAG    (-2)
#define KR_CTX_MAX    16384     /* context ids are 0..KR_CTX_MAX-1 */

struct kr_pt2pt;

/* What a completed receive (or probe) reports. */
struct kr_status {
    int source;                 /* sender's rank in the communicator */
    int tag;
    int error;                  /* 0, -KR_ETRUNC, or another negative error */
    size_t count;               /* bytes received */
    bool cancelled;
};

/* How a message's bytes map to a non-contiguous user buffer. The packed stream (what travels)
 * is produced and consumed through these callbacks of an upper layer (the datatype engine),
 * so pt2pt stays below it; `type` and `count` are passed back unchanged. */
struct kr_layout_ops {
    /* Packed-stream bytes [off, off + len) of the buffer into dst; returns bytes written. */
    size_t (*pack)(const void *type, size_t count, const void *buf, size_t off, void *dst,
                   size_t len);
    /* The reverse: packed bytes from src into the buffer at stream offset off. */
    size_t (*unpack)(const void *type, size_t count, void *buf, size_t off, const void *src,
                     size_t len);
    /* Up to `max` contiguous pieces covering the stream from `off`; see kr_dt_iov. */
    int (*iov)(const void *type, size_t count, const void *buf, size_t off, struct iovec *iov,
               int max, size_t *bytes_out);
    /* How many pieces the whole buffer has and the smallest one, in bytes. */
    void (*shape)(const void *type, size_t count, size_t *pieces_out, size_t *min_piece_out);
};

struct kr_layout {
    const struct kr_layout_ops *ops; /* NULL: the buffer is `len` contiguous bytes */
    const void *type;
    size_t count;
};

enum kr_req_kind {
    KR_REQ_SEND = 1,
    KR_REQ_RECV,
    KR_REQ_OTHER,               /* completed by an upper layer (collectives, generalized) */
};

struct kr_req;
typedef void (*kr_req_done_fn)(struct kr_req *req);

#define KR_REQ_MAGIC 0x6b725271u /* "krRq": a request handed out by kr_req_alloc */

/*
 * A communication request. The engine owns the fields below `ext`; upper layers set `done_cb`
 * and their own fields before starting the request. A request is complete when `done` is set;
 * after that the engine no longer touches it (unless the API layer marked it
 * KR_REQ_F_FREE_ON_DONE, in which case the engine returns it to the pool on completion).
 */
struct kr_req {
    uint32_t magic;             /* KR_REQ_MAGIC while allocated from the pool */
    uint8_t kind;               /* enum kr_req_kind */
    uint8_t state;              /* protocol state, pt2pt-private */
    uint16_t flags;             /* KR_REQ_F_* */
    volatile int done;
    struct kr_status status;
    kr_req_done_fn done_cb;     /* called once on completion, from inside progress */
    /* upper layer's */
    void *owner;                /* the communicator */
    const void *dt;             /* datatype of a receive buffer, for status counts */
    void *ext;                  /* per-kind extension (persistent arguments, ...) */
    uint8_t ukind;              /* what the user holds: a plain, persistent, ... request */

    /* engine-private */
    void *buf;
    size_t len;                 /* send: bytes to send; receive: capacity (packed bytes) */
    struct kr_layout lay;       /* non-contiguous buffer, set by kr_req_set_layout */
    size_t moved;               /* bytes pushed/received so far in the copy protocol */
    uint32_t ctx;
    int src, tag;               /* send: our rank in the comm; receive: wanted source/tag */
    int peer;                   /* job rank on the other side */
    uint64_t seq;               /* posting order, for ANY_SOURCE matching */
    uint64_t remote;            /* cookie of the peer's request in rendezvous */
    uint64_t ticket;            /* transport's cooperative-copy ticket (receiver side) */
    void *exposed;              /* send: the transport's rndv_expose handle, until completion */
    struct kr_list link;        /* posted queue, or a peer's send queue */
    struct kr_req *pool_next;
};

#define KR_REQ_F_POOLED       0x1   /* allocated by kr_req_alloc */
#define KR_REQ_F_FREE_ON_DONE 0x2   /* the user freed it while active: recycle on completion */
#define KR_REQ_F_SYNC         0x4   /* send: complete only once the receive has matched it */
#define KR_REQ_F_CANCELLING   0x8   /* send: the receiver was asked to drop the message */
#define KR_REQ_F_RNDV         0x10  /* send: an RTS is out; counted in its peer's rndv_out */

/* Create an engine for job rank `rank` of `size`. */
int kr_pt2pt_create(int rank, int size, struct kr_pt2pt **pt_out);
/* Close nothing: the caller closes transports after destroying the engine. */
void kr_pt2pt_destroy(struct kr_pt2pt *pt);

/* Counters since kr_pt2pt_create, for MPI_T performance variables: messages that arrived before
 * a receive matched them, and sends that went by rendezvous (summed over peers on each call). */
struct kr_pt2pt_stats {
    uint64_t unexpected;
    uint64_t rndv_sends;
};
void kr_pt2pt_stats_get(const struct kr_pt2pt *pt, struct kr_pt2pt_stats *out);

/* The callback block transports must be opened with so arrivals reach this engine. */
void kr_pt2pt_tport_cb(struct kr_pt2pt *pt, struct kr_tport_cb *cb_out);
/* Poll `tp` in progress; sleep on it when waits back off (the last one added that can). */
int kr_pt2pt_add_tport(struct kr_pt2pt *pt, struct kr_tport *tp);
/* Route messages to job rank `peer` through `tp` (connected on first use). */
void kr_pt2pt_set_route(struct kr_pt2pt *pt, int peer, struct kr_tport *tp);
/* The transport that reaches job rank `peer` (NULL: none). */
struct kr_tport *kr_pt2pt_route(const struct kr_pt2pt *pt, int peer);
/* Tell the wait loop that this host runs more ranks than it has cores. */
void kr_pt2pt_set_oversubscribed(struct kr_pt2pt *pt, bool oversubscribed);
bool kr_pt2pt_oversubscribed(const struct kr_pt2pt *pt);

int kr_pt2pt_rank(const struct kr_pt2pt *pt);

/* Requests from the engine's pool; kr_req_release returns one (it must be complete or never
 * started). */
struct kr_req *kr_req_alloc(struct kr_pt2pt *pt);
void kr_req_release(struct kr_pt2pt *pt, struct kr_req *req);
/* Prepare a caller-owned request (e.g. on the stack) for one operation. */
void kr_req_init(struct kr_req *req, enum kr_req_kind kind);
/* Say that the buffer of the next isend/irecv on `req` is `count` elements of a
 * non-contiguous `type`, mapped by `ops`; `len` of that call is then the packed size. */
void kr_req_set_layout(struct kr_req *req, const struct kr_layout_ops *ops, const void *type,
                       size_t count);
/* Mark an upper-layer request (kind KR_REQ_OTHER) complete and run its callback. */
void kr_req_complete(struct kr_pt2pt *pt, struct kr_req *req);

/* Start sending `len` bytes at `buf` to job rank `peer`, matched as (src, tag, ctx). `req`
 * was initialised by kr_req_init or kr_req_alloc. Returns 0 or a negative error. */
int kr_pt2pt_isend(struct kr_pt2pt *pt, struct kr_req *req, const void *buf, size_t len,
                   int peer, int src, int tag, uint32_t ctx);
/* Post a receive of up to `cap` bytes for (src or KR_ANY_SOURCE, tag or KR_ANY_TAG, ctx). */
int kr_pt2pt_irecv(struct kr_pt2pt *pt, struct kr_req *req, void *buf, size_t cap, int src,
                   int tag, uint32_t ctx);
/* Blocking forms; the send avoids a request for messages that go out at once. */
int kr_pt2pt_send(struct kr_pt2pt *pt, const void *buf, size_t len, int peer, int src, int tag,
                  uint32_t ctx);
int kr_pt2pt_recv(struct kr_pt2pt *pt, void *buf, size_t cap, int src, int tag, uint32_t ctx,
                  struct kr_status *st_out);
/* Withdraw an operation that has not matched yet. A posted receive completes at once with
 * status.cancelled; a send still queued here too; a send already at the receiver (rendezvous
 * or synchronous) is withdrawn there if unmatched, and completes when the answer comes
 * (cancelled, or normally). Returns 0, or -EBUSY when it is too late. */
int kr_pt2pt_cancel(struct kr_pt2pt *pt, struct kr_req *req);

/* A message taken off the unexpected queue by a matched probe; only kr_pt2pt_imrecv may
 * receive it. */
struct kr_pt2pt_msg;

/* Matched probe: like iprobe, but a found message is dequeued into *msg_out, so no other
 * receive can take it. */
int kr_pt2pt_improbe(struct kr_pt2pt *pt, int src, int tag, uint32_t ctx, int *flag_out,
                     struct kr_pt2pt_msg **msg_out, struct kr_status *st_out);
int kr_pt2pt_mprobe(struct kr_pt2pt *pt, int src, int tag, uint32_t ctx,
                    struct kr_pt2pt_msg **msg_out, struct kr_status *st_out);
/* Receive the message `msg` (consumed) into `buf`. */
int kr_pt2pt_imrecv(struct kr_pt2pt *pt, struct kr_req *req, void *buf, size_t cap,
                    struct kr_pt2pt_msg *msg);

/* Is a matching message waiting? Sets *flag_out and, if so, its envelope in *st_out. */
int kr_pt2pt_iprobe(struct kr_pt2pt *pt, int src, int tag, uint32_t ctx, int *flag_out,
                    struct kr_status *st_out);
int kr_pt2pt_probe(struct kr_pt2pt *pt, int src, int tag, uint32_t ctx,
                   struct kr_status *st_out);

/* Make progress once without blocking; returns events handled (>= 0) or a negative error. */
int kr_pt2pt_progress(struct kr_pt2pt *pt);
/* Wait for `req` to complete: spin briefly, then yield, then sleep until woken. */
int kr_pt2pt_wait(struct kr_pt2pt *pt, struct kr_req *req);
/* Wait, as above, until done(arg) returns true. `done` must be cheap and must not make
 * progress itself. When another process makes it true, that process must publish, fence
 * (seq_cst) and then wake this one (kr_host_shared.wake), or a sleeping waiter may miss it. */
int kr_pt2pt_wait_until(struct kr_pt2pt *pt, bool (*done)(void *arg), void *arg);

/* Drop the matching state of context `ctx` (its communicator was freed). */
void kr_pt2pt_ctx_release(struct kr_pt2pt *pt, uint32_t ctx);

extern const struct kr_setting kr_pt2pt_settings[];

#endif /* KR_PT2PT_PT2PT_H */

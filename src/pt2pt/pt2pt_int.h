/* Private to pt2pt: the engine, peers, matching queues and the wire protocol. */
#ifndef KR_PT2PT_INT_H
#define KR_PT2PT_INT_H

#include "pt2pt.h"

#include "util/errors.h"

/* Wire message types (kr_wire_hdr.type). */
enum pt2pt_wire_type {
    PT2PT_EAGER = 1,    /* payload: the whole message */
    PT2PT_RTS,          /* payload: struct pt2pt_rts; asks the receiver to fetch the data */
    PT2PT_FIN,          /* payload: sender's cookie; the receiver has the data */
    PT2PT_CTS,          /* payload: struct pt2pt_cts; no single copy: please push the data */
    PT2PT_DATA,         /* payload: struct pt2pt_data_hdr + bytes of a pushed message */
    PT2PT_CTS_COOP,     /* payload: struct pt2pt_cts_coop; help copy, then wait for FIN */
    PT2PT_EAGER_SYNC,   /* payload: sender's cookie (8 bytes) + the message; answer ACK */
    PT2PT_ACK,          /* payload: sender's cookie; an EAGER_SYNC message was matched */
    PT2PT_CREDIT,       /* payload: 8-byte count of eager bytes the receiver has consumed */
    PT2PT_CANCEL,       /* payload: struct pt2pt_cancel; drop this unmatched message */
    PT2PT_CANCEL_ACK,   /* payload: struct pt2pt_cancel_ack; whether it was dropped */
};

struct pt2pt_cancel {
    uint64_t sreq;
    uint32_t ctx;
    int32_t src;                /* the sender's rank in the communicator */
};

struct pt2pt_cancel_ack {
    uint64_t sreq;
    uint64_t dropped;
};

/* What one eager message costs the receiver while it waits unexpected, beyond its bytes. */
#define PT2PT_UNEXP_COST 128

struct pt2pt_cts_coop {
    uint64_t sreq;
    uint64_t ticket;            /* the transport's cooperative-copy ticket */
};

struct pt2pt_rts {
    uint64_t sreq;              /* sender's request, echoed back in FIN/CTS */
    struct kr_rndv_key key;
    uint64_t flags;             /* PT2PT_RTS_F_* */
};

/* The sender's data is one contiguous block at key.addr: the receiver may copy it directly. */
#define PT2PT_RTS_F_CONTIG 0x1u

/* Smallest piece of a non-contiguous receive buffer worth a direct copy by scatter list;
 * below it, the sender packs and the receiver unpacks through the transport. */
#define PT2PT_IOV_MIN_PIECE 4096

struct pt2pt_cts {
    uint64_t sreq;
    uint64_t rreq;
    uint64_t want;              /* bytes the receiver takes (less than the message if truncated) */
};

struct pt2pt_data_hdr {
    uint64_t rreq;
    uint64_t offset;
};

/* Protocol states of a request (kr_req.state). */
enum pt2pt_state {
    PT2PT_ST_IDLE = 0,
    PT2PT_ST_SEND_QUEUED,       /* eager or RTS waiting in the peer's send queue */
    PT2PT_ST_SEND_WAIT_FIN,     /* RTS sent; waiting for FIN or CTS */
    PT2PT_ST_SEND_PUSH,         /* CTS received; pushing DATA fragments */
    PT2PT_ST_RECV_POSTED,       /* in the posted queue */
    PT2PT_ST_RECV_PULL,         /* matched an RTS, CTS sent, waiting for DATA */
    PT2PT_ST_RECV_COOP,         /* matched an RTS, copying together with the sender */
    PT2PT_ST_RECV_DEFER,        /* matched an RTS when posted; pulls from the next progress */
};

/* A control message that could not go out at once (FIN, CTS): queued until there is space. */
struct pt2pt_ctrl {
    struct kr_list link;
    struct kr_wire_hdr hdr;
    size_t plen;
    uint64_t payload[3];
};

/*
 * Eager credit: a receiver cannot refuse what arrives, so a sender may have at most `credit`
 * bytes (message plus PT2PT_UNEXP_COST each) of eager messages to this peer that the peer has
 * not matched yet; past that it sends by rendezvous, which costs the receiver almost nothing
 * until the receive is posted. The receiver counts what it matched in `owed` and returns it in
 * a CREDIT message once that is a quarter of the allowance.
 */
struct pt2pt_peer {
    struct kr_tport *tp;        /* route; NULL = unreachable */
    struct kr_tep *ep;          /* connected lazily */
    size_t max_eager;
    size_t max_frag;            /* largest payload of one DATA fragment */
    int64_t credit;             /* sender side: eager bytes we may still send to this peer */
    uint64_t rndv_sends;        /* sends to this peer that went by rendezvous (MPI_T) */
    uint64_t owed;              /* receiver side: matched bytes not yet returned to it */
    uint32_t rndv_out;          /* our rendezvous sends to this peer not finished yet */
    struct kr_list ctrlq;       /* struct pt2pt_ctrl waiting for space; go first */
    struct kr_list sendq;       /* kr_req.link: sends in posting order */
    struct kr_list busy_link;   /* in engine->busy while either queue is not empty */
    bool busy;
};

/* An arrived message nobody has asked for yet. */
struct pt2pt_unexp {
    struct kr_list by_src;      /* in its source's bin */
    struct kr_list all;         /* in the context's arrival-order list */
    int src, tag;               /* communicator rank, tag */
    int peer;                   /* job rank of the sender */
    uint8_t type;               /* PT2PT_EAGER or PT2PT_RTS */
    uint64_t sync;              /* sender's cookie to ACK once matched (EAGER_SYNC), or 0 */
    size_t len;                 /* message length */
    bool cell;                  /* from the engine's cache (room for PT2PT_UNEXP_CELL bytes) */
    struct pt2pt_unexp *next_free; /* in that cache while unused */
    struct pt2pt_rts rts;       /* PT2PT_RTS only */
    unsigned char data[];       /* PT2PT_EAGER only: len bytes */
};

/* Unexpected messages up to this many bytes get cells the engine keeps for reuse (at most
 * PT2PT_UNEXP_CACHED idle): a receiver that runs behind its sender, as every non-root of a
 * stream of small broadcasts does, would otherwise pay a malloc and a free per message. Cells
 * stay small: a receiver may hold 100000 unexpected messages (p2p_flood_credit). */
#define PT2PT_UNEXP_CELL   64
#define PT2PT_UNEXP_CACHED 64

/* Per-source queues of one context, allocated when the source first appears. */
struct pt2pt_bin {
    struct kr_list posted;      /* kr_req.link, posting order */
    struct kr_list unexp;       /* pt2pt_unexp.by_src, arrival order */
};

struct pt2pt_match_ctx {
    struct pt2pt_bin **bins;    /* by source rank; job size entries */
    struct kr_list posted_any;  /* ANY_SOURCE receives, posting order */
    struct kr_list unexp_all;   /* every unexpected message, arrival order */
    uint64_t next_seq;
};

struct kr_pt2pt {
    int rank, size;
    struct pt2pt_peer *peers;
    struct kr_tport *tports[4];
    int ntports;
    struct kr_tport *sleeper;   /* transport whose wait() we block in */
    struct kr_tport *watcher;   /* another transport that wakes the sleeper via watch() */
    atomic_int watch_flag;      /* set by the watcher's thread: it has something for us */
    bool mt_in_tport;           /* MPI_THREAD_MULTIPLE: a thread sleeps in the sleeper's wait()
                                 * (one at a time; the others sleep in kr_biglock_sleep) */
    struct pt2pt_match_ctx *ctxs[KR_CTX_MAX];
    struct kr_list busy;        /* peers with queued sends */
    struct kr_list coop;        /* receives whose cooperative copy may still be landing */
    struct kr_list pulls;       /* PT2PT_ST_RECV_DEFER receives, in matching order */
    int64_t credit_limit;       /* eager allowance each receiver gives each sender */
    struct kr_req *pool;        /* free requests */
    struct pt2pt_unexp *unexp_cells; /* idle unexpected-message cells */
    int unexp_cells_idle;
    struct pt2pt_req_chunk *chunks; /* every block of requests ever allocated */
    bool oversubscribed;
    uint64_t unexp_msgs;        /* messages that arrived before their receive (MPI_T) */
    int spin_budget;            /* empty polls the next wait spins through (adaptive; 0: the
                                 * setting's value) */
    uint64_t contended_until;   /* CLOCK_MONOTONIC us until which waits keep spins short (a
                                 * contended core, see wait_until); 0: not contended */
};

/* match.c */
struct pt2pt_match_ctx *kr_match_ctx_get(struct kr_pt2pt *pt, uint32_t ctx);
struct kr_req *kr_match_posted_take(struct pt2pt_match_ctx *mc, int src, int tag);
int kr_match_posted_add(struct pt2pt_match_ctx *mc, struct kr_req *req);
struct pt2pt_unexp *kr_match_unexp_find(struct pt2pt_match_ctx *mc, int src, int tag);
int kr_match_unexp_add(struct pt2pt_match_ctx *mc, struct pt2pt_unexp *u);
void kr_match_unexp_remove(struct pt2pt_unexp *u);
void kr_match_ctx_free(struct pt2pt_match_ctx *mc, int nbins);

/* proto.c */
void kr_proto_recv_cb(void *ctx, int src, const struct kr_wire_hdr *hdr, const void *payload,
                      size_t len);
void kr_proto_deliver_unexp(struct kr_pt2pt *pt, struct kr_req *req, struct pt2pt_unexp *u);
/* An unexpected message's memory goes back to the cache or to malloc; at teardown, the
 * cache's too. */
void kr_proto_unexp_release(struct kr_pt2pt *pt, struct pt2pt_unexp *u);
void kr_proto_unexp_cells_free(struct kr_pt2pt *pt);
int kr_proto_send_start(struct kr_pt2pt *pt, struct kr_req *req);
int kr_proto_sendq_drain(struct kr_pt2pt *pt, struct pt2pt_peer *peer);
int kr_proto_peer_connect(struct kr_pt2pt *pt, int rank, struct pt2pt_peer **peer_out);
int kr_proto_coop_poll(struct kr_pt2pt *pt);
int kr_proto_pulls_run(struct kr_pt2pt *pt);
/* Ask the receiver of the unmatched send `req` to drop it (PT2PT_CANCEL). */
int kr_proto_send_cancel(struct kr_pt2pt *pt, struct kr_req *req);
/* May an eager message of `len` bytes go to `peer` now? Takes the credit if so. */
bool kr_proto_credit_take(struct pt2pt_peer *peer, size_t len);

/* progress.c */
extern size_t kr_pt2pt_coop_min;
extern size_t kr_pt2pt_unexp_limit;

/* req.c */
void kr_req_finish(struct kr_pt2pt *pt, struct kr_req *req);
void kr_req_pool_free(struct kr_pt2pt *pt);

#endif /* KR_PT2PT_INT_H */

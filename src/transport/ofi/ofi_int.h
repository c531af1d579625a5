/* Private to the libfabric (OFI) transport: provider ranking, business cards, the memory
 * registration cache (pure parts, unit-tested), and the transport's state. */
#ifndef KR_OFI_INT_H
#define KR_OFI_INT_H

#include "transport/tport.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ofi_dl.h" /* before the libfabric headers */

#include <rdma/fabric.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_rma.h>
#include <rdma/fi_tagged.h>

/* ---- provider ranking (ofi_prov.c): pure functions over provider names ------------------- */

/* How a provider counts when Kurir picks one without being told. */
enum kr_ofi_prov_class {
    KR_OFI_PROV_FAST = 2,       /* a high-speed network: worth preferring to Kurir's TCP */
    KR_OFI_PROV_SLOW = 1,       /* sockets in disguise (tcp, sockets, udp, net): Kurir's own
                                 * TCP is as good, so only when ofi is forced */
    KR_OFI_PROV_NEVER = 0,      /* not a network between processes (shm, hooks, utility only) */
};

/* The class of `name` ("verbs;ofi_rxm", "tcp", ...) and a rank inside it (higher is better). */
enum kr_ofi_prov_class kr_ofi_prov_class(const char *name, int *rank_out);
/* Does `name` satisfy the user's `want`: equal, or `want` names the core provider
 * ("verbs" matches "verbs;ofi_rxm"), case-insensitively? */
bool kr_ofi_prov_matches(const char *name, const char *want);
/*
 * Pick from `names[0..n)` (RDM endpoints that can do what Kurir needs):
 * - `want` non-empty: the first that matches it;
 * - else `forced` (KURIR_TRANSPORTS names only ofi): the best by class and rank, preferring
 *   "tcp;ofi_rxm" among the slow ones;
 * - else the best high-speed one, or none.
 * Returns the index, or -1 when nothing fits.
 */
int kr_ofi_prov_pick(const char *const *names, int n, const char *want, bool forced);

/* ---- business cards (ofi_card.c) ----------------------------------------------------------- */

#define KR_OFI_ADDR_MAX  128    /* bytes of an endpoint name (fi_getname) we carry */
#define KR_OFI_PROV_MAX  64
#define KR_OFI_CARD_TEXT_MAX (16 + KR_OFI_PROV_MAX + 2 * KR_OFI_ADDR_MAX)

/* A rank's ofi card: its provider and endpoint name. Text "1|tcp+ofi_rxm|0a1b...": the
 * provider's ';' becomes '+' because the key-value space forbids ';'. */
struct ofi_card {
    char prov[KR_OFI_PROV_MAX];
    size_t addrlen;
    uint8_t addr[KR_OFI_ADDR_MAX];
};

/* Format `c` into `buf`; -ENOSPC when it does not fit, -EINVAL for an unusable name. */
int kr_ofi_card_format(const struct ofi_card *c, char *buf, size_t len);
/* Parse a card; -EINVAL if malformed. */
int kr_ofi_card_parse(const char *text, struct ofi_card *c_out);

/* ---- memory registration cache (ofi_mr.c) ------------------------------------------------- */

/*
 * Registrations of user buffers, for providers that need them (FI_MR_LOCAL). Keyed by the
 * exact range (address, length); a hit needs the same range. At most `max` entries; when full,
 * the least recently used entry nobody holds is deregistered. An entry in use (refs > 0) is
 * never evicted. The cache does not know when the program frees memory, so a buffer freed and
 * a new one allocated at the same range would hit a stale registration: providers that pin
 * pages (verbs, efa) watch for that themselves (their own MR cache monitors munmap), and
 * KURIR_OFI_MR_CACHE=0 registers per transfer and deregisters at its end.
 */
struct ofi_mr_entry {
    struct ofi_mr_entry *prev, *next;   /* LRU list, most recent first */
    uintptr_t addr;
    size_t len;
    int refs;
    void *handle;                       /* what reg() returned (a struct fid_mr *) */
};

struct ofi_mr_cache {
    struct ofi_mr_entry *head, *tail;
    int count, max;
    /* Register [addr, addr+len): 0 and *handle_out, or -errno. */
    int (*reg)(void *ctx, void *addr, size_t len, void **handle_out);
    void (*dereg)(void *ctx, void *handle);
    void *ctx;
    uint64_t hits, misses;
};

void kr_ofi_mr_cache_init(struct ofi_mr_cache *mc, int max,
                          int (*reg)(void *ctx, void *addr, size_t len, void **handle_out),
                          void (*dereg)(void *ctx, void *handle), void *ctx);
/* A held registration of exactly [addr, addr+len), from the cache or new. Returns 0 or the
 * reg() error (-ENOMEM included). Release it with kr_ofi_mr_put. */
int kr_ofi_mr_get(struct ofi_mr_cache *mc, void *addr, size_t len, struct ofi_mr_entry **e_out);
/* Drop a hold. With max == 0 (no caching) the registration goes at once. */
void kr_ofi_mr_put(struct ofi_mr_cache *mc, struct ofi_mr_entry *e);
/* Deregister everything (held entries too: only at close). */
void kr_ofi_mr_cache_fini(struct ofi_mr_cache *mc);

/* ---- the transport ------------------------------------------------------------------------ */

/* Tags: the top 4 bits say what a message is. Eager messages all share one tag, so with
 * FI_ORDER_SAS they match the receive buffers in the order they were sent. Bulk chunks carry
 * the receiver's transfer id and the chunk index. */
#define OFI_TAG_KIND_SHIFT 60
#define OFI_TAG_MSG   ((uint64_t) 1 << OFI_TAG_KIND_SHIFT)
#define OFI_TAG_BULK  ((uint64_t) 2 << OFI_TAG_KIND_SHIFT)

/* Frame kinds (ofi_frame.kind). */
enum ofi_frame_kind {
    OFI_F_MSG = 1,              /* one pt2pt message: the header, then its payload */
    OFI_F_BYE,                  /* the sender is closing; nothing follows from it */
};

/* Head of every eager buffer. */
struct ofi_frame {
    uint32_t kind;
    int32_t src;                /* the sender's job rank (no FI_SOURCE needed) */
    struct kr_wire_hdr msg;
};

/* What an operation's completion refers to; struct fi_context2 first (FI_CONTEXT2 mode). */
enum ofi_op_type { OFI_OP_RX = 1, OFI_OP_TX, OFI_OP_BULK_RX, OFI_OP_BULK_TX, OFI_OP_BULK_READ };

struct ofi_op {
    struct fi_context2 fctx;
    enum ofi_op_type type;
    struct ofi_op *next;        /* free list (RX/TX buffers) */
    struct ofi_xfer *xfer;      /* BULK */
    unsigned char *buf;         /* RX/TX: frame + payload */
    size_t len;                 /* TX: bytes of buf to send */
    struct ofi_tep *dest;       /* TX: to whom */
};

#define OFI_BULK_WINDOW 8       /* chunks of one transfer in flight at once */

/* A bulk transfer: receive side (coop_open) or send side (coop_work). A receive side either
 * posts tagged receives for the sender's chunks, or (`read`) fetches the chunks itself with
 * fi_read from the sender's exposed buffer (raddr, rkey). */
struct ofi_xfer {
    struct ofi_xfer *next;
    struct ofi_tep *ep;
    bool send;
    bool read;
    uint64_t raddr, rkey;
    uint32_t id;
    uint64_t ticket;
    unsigned char *buf;         /* receive buffer, or the sender's buffer */
    uint64_t len;
    size_t chunk;
    uint32_t nchunks, posted, done;
    int inflight;
    int error;
    struct ofi_mr_entry *mr;    /* FI_MR_LOCAL providers */
    struct ofi_op ops[OFI_BULK_WINDOW];
};

struct ofi_tep {
    struct kr_tep base;
    int peer;
    fi_addr_t fiaddr;
    bool have_addr;
    bool touched;               /* we sent to it or heard from it (goodbye at close) */
    bool bye_seen, bye_sent;
    struct ofi_xfer *rx_xfers;  /* transfers we receive from this peer */
};

struct ofi_tport {
    struct kr_tport base;
    struct kr_tport_cb cb;
    struct kr_tport_kvs kvs;
    bool have_kvs;
    int rank, size;
    struct fi_info *info;
    struct fid_fabric *fabric;
    struct fid_domain *domain;
    struct fid_av *av;
    struct fid_cq *cq;
    struct fid_ep *ep;
    int wait_fd;                /* the CQ's wait fd, or -1 (then waits nap) */
    bool mr_local;              /* the provider wants local buffers registered */
    bool rndv_read;             /* rendezvous by fi_read (FI_RMA and KURIR_OFI_RNDV allow) */
    bool mr_virt;               /* FI_MR_VIRT_ADDR: remote reads name virtual addresses */
    uint64_t mr_access;         /* access flags of every registration */
    int nexposed;               /* sender buffers a peer may be reading */
    int nrx_xfers;              /* receive transfers open */
    uint64_t nread, nchunked;   /* receive transfers by fi_read / by tagged chunks (logged) */
    struct ofi_tep *eps;
    size_t max_eager, buf_size, chunk, inject;
    /* eager buffers: one slab, registered once when the provider needs it */
    unsigned char *slab;
    struct fid_mr *slab_mr;
    void *slab_desc;
    struct ofi_op *rx_ops, *tx_ops, *tx_free;
    struct ofi_op *pend_head, **pend_tail;  /* copied sends the provider refused (EAGAIN) */
    int nrx, ntx, tx_inflight;
    struct ofi_xfer *tx_xfers;  /* bulk sends with chunks still to post or complete */
    uint32_t next_xfer;
    struct ofi_mr_cache mrc;
    uint64_t mr_next_key;
    int poll_tick, hot;
    bool in_poll;               /* dispatching completions: no nested dispatch */
    int rx_backlog;             /* receive transfers with chunks not yet posted */
    int error;
    _Atomic int force_poll;
    /* the watch thread (started on first watch()) */
    pthread_t watch_thread;
    bool watch_running;
    int stop_fd;
    _Atomic uint32_t watch_gen;
    _Atomic int watch_stop;
    atomic_int *watch_flag;
    void (*watch_kick)(void *arg);
    void *watch_kick_arg;
};

struct ofi_cfg {
    const char *provider;       /* KURIR_OFI_PROVIDER */
    const char *fi_provider;    /* FI_PROVIDER (libfabric's own) */
    const char *domain;         /* KURIR_OFI_DOMAIN */
    size_t eager_limit;
    size_t chunk;
    int mr_cache;
    int rndv;                   /* enum ofi_rndv_mode */
};

/* KURIR_OFI_RNDV: how large messages move (the order of the setting's choices). */
enum ofi_rndv_mode {
    OFI_RNDV_AUTO = 0,          /* fi_read when the provider has FI_RMA, else tagged chunks */
    OFI_RNDV_READ,              /* fi_read; tagged chunks only when the provider has no RMA */
    OFI_RNDV_SEND,              /* always tagged chunks (pipelined sends) */
};
extern struct ofi_cfg kr_ofi_cfg;

/* ofi_fabric.c: finding and opening a provider */
/* The fi_info list Kurir can use (RDM, tagged, ordered sends); NULL when none (fi_getinfo's
 * error in *err_out). The caller frees it with fi_freeinfo. */
struct fi_info *kr_ofi_fabric_query(const char *prov_name, int *err_out);
/* The same, also asking for `caps` (e.g. FI_RMA | FI_READ | FI_REMOTE_READ). */
struct fi_info *kr_ofi_fabric_query_caps(const char *prov_name, uint64_t caps, int *err_out);
/* Which provider Kurir would use: `want` (or FI_PROVIDER), else by kr_ofi_prov_pick. Copies the
 * name into out; 0, or -ENOENT (nothing fits) with the providers that exist listed in `have`.
 */
int kr_ofi_fabric_choose(bool forced, char *out, size_t len, char *have, size_t havelen);
int kr_ofi_fabric_open(struct ofi_tport *ot, const char *prov);
void kr_ofi_fabric_close(struct ofi_tport *ot);

/* ofi_xfer.c: eager messages, bulk transfers and completions */
int kr_ofi_rx_post(struct ofi_tport *ot, struct ofi_op *op);
int kr_ofi_send_frame(struct ofi_tep *ep, const struct ofi_frame *fr, const struct iovec *iov,
                      int iovcnt, size_t flen, kr_tport_fill_fn fill, void *arg);
int kr_ofi_bulk_recv_open(struct ofi_tep *ep, const struct kr_rndv_key *key, void *dst,
                          uint64_t *ticket_out);
/* The sender's part: 1 when its chunks are on their way, 0 when the receiver reads. */
int kr_ofi_bulk_send(struct ofi_tep *ep, uint64_t ticket, const void *src);
int kr_ofi_bulk_recv_done(struct ofi_tep *ep, uint64_t ticket);
int kr_ofi_bulk_pump(struct ofi_tport *ot);
int kr_ofi_send_pending(struct ofi_tport *ot);
int kr_ofi_cq_poll(struct ofi_tport *ot);
int kr_ofi_ep_addr(struct ofi_tport *ot, struct ofi_tep *ep);

/* ofi_rma.c: the read rendezvous (sender side) and registrations */
/* Register [addr, addr+len) with the transport's access flags (a kr_ofi_mr_cache callback). */
int kr_ofi_mr_reg(void *ctx, void *addr, size_t len, void **handle_out);
void kr_ofi_mr_dereg(void *ctx, void *handle);
/* rndv_expose / rndv_unexpose of struct kr_tport_ops. */
int kr_ofi_rndv_expose(struct kr_tep *tep, const void *buf, size_t len, struct kr_rndv_key *key,
                       void **handle_inout);
void kr_ofi_rndv_unexpose(struct kr_tep *tep, void *handle);

#endif /* KR_OFI_INT_H */

/* Private to src/rma: the wire format of window messages and the target-side machinery. */
#ifndef KR_RMA_RMA_INT_H
#define KR_RMA_RMA_INT_H

#include "rma/rma.h"

#include <stdbool.h>
#include <stdint.h>

/* Requests travel on the window communicator's point-to-point context with tag RMA_TAG_REQ
 * (one posted receive takes them all); separate payloads and replies use tags from
 * RMA_TAG_DATA up, chosen by the origin, which never collide with requests. */
#define RMA_TAG_REQ  1
#define RMA_TAG_DATA 16
#define RMA_TAG_SPAN (1u << 29)

/* Payloads up to this many bytes travel inside the request message. */
#define RMA_INLINE 4096

enum rma_type {
    RMA_PUT = 1,
    RMA_GET,        /* target sends `len` bytes back with `tag` */
    RMA_ACC,
    RMA_GACC,       /* accumulate, old contents back with `tag` */
    RMA_CAS,        /* payload: new value then compare value; old value back with `tag` */
    RMA_LOCK,       /* `lock` = KR_RMA_LOCK_*; answered by RMA_GRANT */
    RMA_UNLOCK,     /* after the sender's operations complete; answered by RMA_ACK */
    RMA_FLUSH,      /* answered by RMA_ACK once the sender's operations completed */
    RMA_COMPLETE,   /* PSCW: the sender's access epoch ended (counted once its data arrived) */
    RMA_POST,       /* PSCW: the sender exposes its window to us */
    RMA_GRANT,
    RMA_ACK,
};

#define RMA_F_INLINE 0x1 /* the payload follows the header */
#define RMA_F_NODATA 0x2 /* get_accumulate with MPI_NO_OP: no origin data */
#define RMA_F_NOACK  0x4 /* UNLOCK: the sender has nothing to wait for, send no ACK */

struct rma_hdr {
    uint8_t type;       /* enum rma_type */
    uint8_t flags;      /* RMA_F_* */
    uint16_t lock;
    int32_t tag;        /* separate payload or reply */
    uint64_t addr;      /* target offset (absolute address in a dynamic window) */
    uint64_t len;       /* bytes at the target */
    int32_t dt;         /* accumulates: predefined element type (ABI value) */
    int32_t op;         /* accumulates: predefined op (ABI value) */
};
_Static_assert(sizeof(struct rma_hdr) == 32, "payload after the header stays 16-aligned");

/* The receive every window keeps posted for requests. */
struct rma_rx {
    struct kr_req req;
    struct kr_win *w;
    bool busy, again, closing;
    _Alignas(16) unsigned char buf[sizeof(struct rma_hdr) + RMA_INLINE];
};

/* A request that has to wait: a lock not free yet, or a FLUSH / UNLOCK / COMPLETE whose
 * sender still has data on the way. */
struct rma_defer {
    struct rma_defer *next;
    struct rma_hdr hdr;
    int src;
};

struct rma_region {
    struct rma_region *next;
    uint64_t base, size;
};

/* rma_target.c: handle the request in w->rx (from window rank `src`, `n` bytes). */
void kr_rma_target_handle(struct kr_win *w, const struct rma_hdr *h, const void *payload,
                          size_t n, int src);
/* Retry the waiting requests (a lock was released or an origin's data arrived). */
void kr_rma_defer_run(struct kr_win *w);
/* Post the request receive (again). */
void kr_rma_rx_post(struct kr_win *w);

/* Send a control message (nonblocking; the header is copied). Safe inside progress. */
int kr_rma_ctl_send(struct kr_win *w, int rank, const struct rma_hdr *h);

/* The next tag for a reply; tag + 1 carries a separate payload (get_accumulate has both, and
 * to itself an origin would otherwise match its own payload with its reply receive). */
static inline int32_t kr_rma_tag(struct kr_win *w)
{
    w->next_tag = (w->next_tag + 2) % RMA_TAG_SPAN;
    return (int32_t) (RMA_TAG_DATA + w->next_tag);
}

/* rma_shm.c, collective: map one segment shared by all members (all on one host), each
 * member's `size` bytes at its own offset, setting peers[i].shm. `ret` is this member's state
 * so far (it takes part even when it already failed). Returns 0, -ENOTSUP when the members
 * are on more than one host, -ENOMEM, or another negative error. */
int kr_rma_shm_create(struct kr_win *w, size_t size, int ret);
void kr_rma_shm_free(struct kr_win *w);
/* True when every member of `c` runs on this host. */
bool kr_rma_shm_one_host(const struct kr_comm *c);

/* rma_direct.c: accumulate (with the old contents into `res` when not NULL; `o` NULL for
 * MPI_NO_OP) and compare_and_swap on a window mapped here (kr_win.direct), done by the origin. */
int kr_rma_direct_acc(struct kr_win *w, const struct kr_rma_buf *o, const struct kr_rma_buf *res,
                      const struct kr_rma_tgt *t, const struct kr_op *op);
int kr_rma_direct_cas(struct kr_win *w, const void *origin, const void *compare, void *result,
                      const struct kr_rma_tgt *t);

/* Window locks of a direct window: a word in the shared segment instead of the target's
 * state (rank < 0: every member). Unlock releases what peers[].lock_type says we hold. */
int kr_rma_direct_lock(struct kr_win *w, int type, int rank);
void kr_rma_direct_unlock(struct kr_win *w, int rank);

/* Wait until pred(w, arg) holds, making progress. */
int kr_rma_wait_for(struct kr_win *w, bool (*pred)(struct kr_win *w, int arg), int arg);

#endif /* KR_RMA_RMA_INT_H */

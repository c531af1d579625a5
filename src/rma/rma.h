/* One-sided communication (RMA windows) on the point-to-point engine. Every operation is a
 * message on the window's own communicator (a duplicate of the user's), and the target applies
 * it from inside its progress, so RMA works over every transport. Works on bytes, predefined
 * element types and reduction ops; MPI handles and error classes are the API layer's. */
#ifndef KR_RMA_RMA_H
#define KR_RMA_RMA_H

#include "comm/comm.h"
#include "datatype/dt.h"
#include "pt2pt/pt2pt.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KR_WIN_MAGIC 0x6b725769u /* "krWi": a live window */

enum kr_win_flavor { KR_WIN_CREATE = 1, KR_WIN_ALLOCATE, KR_WIN_DYNAMIC, KR_WIN_SHARED };

/* What this process knows of one member of the window (indexed by rank in the window). */
struct kr_rma_peer {
    uint64_t base;              /* its window's address (its own address space) */
    uint64_t size;              /* bytes */
    int64_t disp_unit;
    void *shm;                  /* shared windows: its part, mapped here */
    int *acc_lock;              /* shared windows: the lock its accumulates take (in the
                                 * segment); acc_lock[1] is its window lock */
    /* as origin towards this target */
    int local_pending;          /* our requests with it not complete yet */
    bool dirty;                 /* operations sent since it last confirmed completion */
    uint32_t acks;              /* FLUSH/UNLOCK confirmations received */
    uint32_t grants;            /* lock grants received */
    uint32_t posts;             /* MPI_Win_post notices received, not consumed by a start */
    int lock_type;              /* lock we hold on it: 0 or KR_RMA_LOCK_* */
    /* as target of this origin */
    int pending_in;             /* its operations whose data has not all arrived */
    uint32_t completes;         /* MPI_Win_complete notices received, not consumed by a wait */
};

#define KR_RMA_LOCK_EXCL   1
#define KR_RMA_LOCK_SHARED 2

struct rma_rx;                  /* the posted receive for requests (rma_int.h) */
struct rma_defer;               /* requests waiting for a lock or for data (rma_int.h) */
struct rma_region;              /* dynamic windows: attached memory (rma_int.h) */

struct kr_win {
    uint32_t magic;             /* KR_WIN_MAGIC while alive */
    enum kr_win_flavor flavor;
    struct kr_comm *comm;       /* the window's own communicator (a duplicate) */
    struct kr_pt2pt *pt;
    int rank, size;
    void *base;
    size_t size_bytes;
    int64_t disp_unit;
    bool own_base;              /* allocated by us (MPI_Win_allocate) */
    bool direct;                /* every member's memory is mapped here (peers[].shm): puts
                                 * and gets are copies by the origin */
    void *shm_map;              /* shared windows: the whole mapped segment */
    size_t shm_len;
    struct kr_rma_peer *peers;
    struct rma_rx *rx;
    struct rma_defer *defer_head, *defer_tail;
    struct rma_region *regions; /* dynamic windows */
    uint32_t next_tag;          /* data and reply messages: tags that do not repeat soon */
    /* target's lock */
    int lock_excl;              /* rank holding it exclusively, or -1 */
    int lock_shared;            /* holders of the shared lock */
    /* epochs, for the API layer's synchronisation checks */
    bool fence_open;            /* a fence opened an epoch (no MPI_MODE_NOSUCCEED) */
    bool lock_all;
    int nlocks;                 /* targets locked one by one */
    int *start_group;           /* PSCW access group (window ranks); NULL when not started */
    int nstart;
    int *post_group;            /* PSCW exposure group; NULL when not posted */
    int npost;
    uint32_t *want;             /* answers (acks, or grants with want_grants) a wait needs */
    bool want_grants;
    /* the API layer's */
    void *errh;
    void *info;
    struct kr_attr_list *attrs; /* user attributes (MPI_Win_set_attr) */
    char name[128];
    int64_t attr_size;          /* what MPI_Win_get_attr points to */
    int attr_disp_unit, attr_flavor;
};

/* Collective over `comm`: a window of `flavor`. `base`/`size` describe this process's memory
 * (for KR_WIN_ALLOCATE and KR_WIN_SHARED, `size` bytes are allocated and *base_out set; for
 * KR_WIN_DYNAMIC both are ignored). Returns 0, -ENOMEM, -ENOTSUP (a shared window across
 * hosts), or another negative error. */
int kr_rma_win_create(struct kr_comm *comm, struct kr_comm_ids *ids, enum kr_win_flavor flavor,
                      void *base, size_t size, int64_t disp_unit, void **base_out,
                      struct kr_win **win_out);
/* Collective: wait for everything aimed at this process, then free the window. */
int kr_rma_win_free(struct kr_win *w, struct kr_comm_ids *ids);

/* Dynamic windows: expose / withdraw memory. attach: 0, -ENOMEM, -EEXIST (overlaps an
 * attached region); detach: 0 or -ENOENT (not the start of an attached region). */
int kr_rma_attach(struct kr_win *w, void *base, size_t size);
int kr_rma_detach(struct kr_win *w, const void *base);

/* An origin buffer: `len` packed bytes at `base`, read or written through `lay` when it is
 * not contiguous. */
struct kr_rma_buf {
    void *base;
    size_t len;
    struct kr_layout lay;
};

/* Where an operation lands: window rank, byte offset from the target's base (absolute address
 * in a dynamic window), bytes, and for accumulates the predefined element type and count. */
struct kr_rma_tgt {
    int rank;
    uint64_t addr;
    size_t len;
    const struct kr_dt *dt;
    size_t count;
};

/* Start the operations. Each returns once the origin buffer may be reused for puts and
 * accumulates, or once the request is out for gets (flush or flush_local completes them).
 * `res` receives the target's previous contents (get_acc, cas). */
int kr_rma_put(struct kr_win *w, const struct kr_rma_buf *o, const struct kr_rma_tgt *t);
int kr_rma_get(struct kr_win *w, const struct kr_rma_buf *o, const struct kr_rma_tgt *t);
int kr_rma_acc(struct kr_win *w, const struct kr_rma_buf *o, const struct kr_rma_tgt *t,
               const struct kr_op *op);
/* `o` NULL for MPI_NO_OP. */
int kr_rma_get_acc(struct kr_win *w, const struct kr_rma_buf *o, const struct kr_rma_buf *res,
                   const struct kr_rma_tgt *t, const struct kr_op *op);
/* One element of t->dt: replace the target's value by *origin when it equals *compare. */
int kr_rma_cas(struct kr_win *w, const void *origin, const void *compare, void *result,
               const struct kr_rma_tgt *t);

/* Synchronisation (rma_sync.c). Ranks are window ranks. */
int kr_rma_flush(struct kr_win *w, int rank);         /* rank < 0: every target */
int kr_rma_flush_local(struct kr_win *w, int rank);   /* rank < 0: every target */
int kr_rma_fence(struct kr_win *w, bool noprecede);
int kr_rma_lock(struct kr_win *w, int type, int rank); /* rank < 0: lock_all (shared) */
int kr_rma_unlock(struct kr_win *w, int rank);         /* rank < 0: unlock_all */
/* PSCW: the groups are window ranks, copied. */
int kr_rma_post(struct kr_win *w, const int *ranks, int n);
int kr_rma_start(struct kr_win *w, const int *ranks, int n);
int kr_rma_complete(struct kr_win *w);
int kr_rma_wait(struct kr_win *w);
int kr_rma_test(struct kr_win *w, bool *flag_out);

#endif /* KR_RMA_RMA_H */

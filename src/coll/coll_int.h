/* Private to the collectives: tags, the algorithm selection settings, the builder pieces one
 * collective's file lends another (and the intercommunicator forms), and the recursive
 * halving core that reduce, allreduce and reduce-scatter share. */
#ifndef KR_COLL_INT_H
#define KR_COLL_INT_H

#include "coll.h"
#include "sched.h"

#include <stddef.h>

/* A tag for the next collective on `comm`: every member calls collectives in the same order,
 * so they all draw the same number. */
int kr_coll_tag(struct kr_comm *comm);

/* End of a schedule builder: on an error free the schedule (which may be NULL) and return the
 * error; else hand the schedule out. */
int kr_coll_built(struct kr_sched *s, int ret, struct kr_sched **s_out);

/* Blocking run of a schedule a builder returned with `ret`. */
int kr_coll_run(struct kr_sched *s, int ret);

/* Small blocking collectives without a schedule (coll_direct.c), for intracommunicators:
 * a binomial broadcast of at most KR_COLL_DIRECT_MAX_BYTES, and an alltoall that posts
 * everything at once on communicators of at most KR_COLL_DIRECT_MAX_RANKS (not in place). */
#define KR_COLL_DIRECT_MAX_BYTES 2048
#define KR_COLL_DIRECT_MAX_RANKS 16
int kr_coll_direct_bcast(struct kr_comm *comm, void *buf, size_t bytes, int root);
int kr_coll_direct_alltoall(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes);

/* Offset of part i when `total` units are cut into n near-equal parts (the first total % n
 * parts get one more). */
size_t kr_coll_part_off(size_t total, int n, int i);

/* Add "acc = acc op tmp" in rank order to the current round's local steps: a reduction step
 * computes inout = in op inout, so the lower ranks' data (acc) goes in as `in` and the result
 * lands in tmp; the builder's names are then swapped, so *acc is the result buffer. */
int kr_coll_reduce_ordered(struct kr_sched *s, const struct kr_dt *dt, const struct kr_op *op,
                           unsigned char **acc, unsigned char **tmp, size_t count);

/* True when a shared-memory round may run on `comm` now: it has an area, and this rank's
 * running schedules on it have finished (waits for them). */
bool kr_coll_shm_ready(struct kr_comm *comm);

/* Shared-memory algorithms (coll_shm_ops.c); usable when comm->shm is set. */
int kr_coll_shm_barrier(struct kr_comm *comm);
/* Whether reductions of `dt` can go through the area (an element must fit in a slot). */
bool kr_coll_shm_reduce_ok(const struct kr_comm *comm, const struct kr_dt *dt);
/* Reduce to `root`, or allreduce when root < 0; any length, any op, rank order kept. */
int kr_coll_shm_reduce(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                       const struct kr_dt *dt, const struct kr_op *op, int root);
int kr_coll_shm_bcast(struct kr_comm *comm, void *buf, size_t bytes, int root);
/* Whether an alltoall of `bytes` per pair goes through the area under algorithm setting
 * `algo` (auto, shm or adapt): never unless all blocks fit in a slot; always when they are
 * short or shm is forced; by measured time on an oversubscribed host, or whenever adapt is
 * forced (ADAPT: kr_coll_shm_alltoall_adapt runs the call, through the area or `posted`).
 * kr_coll_shm_alltoall is the exchange itself. */
enum kr_shm_a2a { KR_SHM_A2A_NO = 0, KR_SHM_A2A_YES, KR_SHM_A2A_ADAPT };
typedef int kr_coll_alltoall_fn(struct kr_comm *comm, const void *sbuf, void *rbuf,
                                size_t bytes);
enum kr_shm_a2a kr_coll_shm_alltoall_way(const struct kr_comm *comm, size_t bytes, int algo);
int kr_coll_shm_alltoall(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes);
int kr_coll_shm_alltoall_adapt(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes,
                               kr_coll_alltoall_fn *posted);

/* ---- builder pieces: append to `s`, over the group kr_sched_size/rank describe ----------
 * Each starts a new round first, so whatever `s` holds already completes before it. */
int kr_coll_bcast_add(struct kr_sched *s, void *buf, size_t bytes, int root);
int kr_coll_gatherv_add(struct kr_sched *s, const void *sbuf, size_t sbytes, void *rbuf,
                        const struct kr_coll_blocks *rb, int root);
int kr_coll_scatterv_add(struct kr_sched *s, const void *sbuf, const struct kr_coll_blocks *sb,
                         void *rbuf, size_t rbytes, int root);
int kr_coll_reduce_add(struct kr_sched *s, const void *sbuf, void *rbuf, size_t count,
                       const struct kr_dt *dt, const struct kr_op *op, int root);
int kr_coll_barrier_add(struct kr_sched *s);
int kr_coll_allreduce_add(struct kr_sched *s, const void *sbuf, void *rbuf, size_t count,
                          const struct kr_dt *dt, const struct kr_op *op);
/* Blocks anywhere in rbuf; a NULL sbuf means this rank's block is in place already. */
int kr_coll_allgatherv_add(struct kr_sched *s, const void *sbuf, void *rbuf,
                           const struct kr_coll_blocks *rb);

/* ---- node-aware forms (coll_hier.c) -------------------------------------------------------
 * kr_coll_hier_get gives the host layout of intracommunicator `comm` when staging by host is
 * worth it (members on two hosts or more, some host with two or more; KURIR_COLL_HIER on), or
 * NULL. The builders then stage the collective: within each host, among one leader per host,
 * within each host again. Reductions need a commutative op (the stages regroup operands). */
struct kr_coll_hier;
const struct kr_coll_hier *kr_coll_hier_get(struct kr_comm *comm);
/* The layout for an allreduce of `bytes`: also with two members per host and at any length
 * when every host has as many members (they then work in parallel, see coll_hier.c). */
const struct kr_coll_hier *kr_coll_hier_allreduce_get(struct kr_comm *comm, size_t bytes);
int kr_coll_hier_bcast(struct kr_sched *s, const struct kr_coll_hier *h, void *buf, size_t bytes,
                       int root);
int kr_coll_hier_reduce(struct kr_sched *s, const struct kr_coll_hier *h, const void *sbuf,
                        void *rbuf, size_t count, const struct kr_dt *dt, const struct kr_op *op,
                        int root);
int kr_coll_hier_allreduce(struct kr_sched *s, const struct kr_coll_hier *h, const void *sbuf,
                           void *rbuf, size_t count, const struct kr_dt *dt,
                           const struct kr_op *op);
int kr_coll_hier_barrier(struct kr_sched *s, const struct kr_coll_hier *h);
int kr_coll_hier_allgather(struct kr_sched *s, const struct kr_coll_hier *h, const void *sbuf,
                           void *rbuf, size_t bytes);

/* Intercommunicator forms (coll_inter.c); arguments as the builders in coll.h. */
int kr_coll_inter_barrier(struct kr_sched *s);
int kr_coll_inter_bcast(struct kr_sched *s, void *buf, size_t bytes, int root);
int kr_coll_inter_gatherv(struct kr_sched *s, const void *sbuf, size_t sbytes, void *rbuf,
                          const struct kr_coll_blocks *rb, int root);
int kr_coll_inter_scatterv(struct kr_sched *s, const void *sbuf,
                           const struct kr_coll_blocks *sb, void *rbuf, size_t rbytes, int root);
int kr_coll_inter_allgatherv(struct kr_sched *s, const void *sbuf, size_t sbytes, void *rbuf,
                             const struct kr_coll_blocks *rb);
int kr_coll_inter_alltoallv(struct kr_sched *s, const void *sbuf,
                            const struct kr_coll_blocks *sb, void *rbuf,
                            const struct kr_coll_blocks *rb);
int kr_coll_inter_reduce(struct kr_sched *s, const void *sbuf, void *rbuf, size_t count,
                         const struct kr_dt *dt, const struct kr_op *op, int root);
int kr_coll_inter_allreduce(struct kr_sched *s, const void *sbuf, void *rbuf, size_t count,
                            const struct kr_dt *dt, const struct kr_op *op);
int kr_coll_inter_reduce_scatter(struct kr_sched *s, const void *sbuf, void *rbuf,
                                 const size_t *counts, const struct kr_dt *dt,
                                 const struct kr_op *op);

/* Uniform blocks (`bytes` each, back to back) for `n` ranks in scratch of `s`: the v form of
 * a regular collective. NULL when out of memory. */
struct kr_coll_blocks *kr_coll_blocks_uniform(struct kr_sched *s, int n, size_t bytes);

/* ---- recursive halving (coll_rhalving.c) --------------------------------------------------
 * Ranks beyond the largest power of two p ≤ n first fold: each even rank r < 2(n-p) hands its
 * vector to r + 1, which combines "r op r+1" and plays virtual rank (r+1)/2; ranks from 2(n-p)
 * on play r - (n-p). The p virtual ranks then halve: in the step with distance m = 1, 2, ...,
 * p/2 partners v and v^m split the window of positions both hold, each keeps one half and
 * combines the partner's contribution to it, the lower group's operand first. Operands are
 * always in rank order (non-commutative ops are fine). Afterwards virtual rank v holds the
 * fully reduced elements of position bitrev(v) (bits reversed over log2 p). */
struct kr_coll_rh {
    int n, r;                   /* group size, this rank */
    int p, rem;                 /* largest power of two <= n, n - p */
    int v;                      /* virtual rank; -1 when folded out */
    const size_t *voff;         /* p + 1 element offsets: position k is [voff[k], voff[k+1]) */
    unsigned char *acc;         /* the whole vector, reduced in place */
    size_t stride;
    const struct kr_dt *dt;
    const struct kr_op *op;
    int a, len;                 /* after halving: the window of positions this rank holds */
};

/* Fill in the geometry of `rh` for this rank of `s` (everything but voff, acc, dt, op). */
void kr_coll_rh_init(struct kr_sched *s, struct kr_coll_rh *rh);
/* Real rank playing virtual rank v. */
int kr_coll_rh_real(const struct kr_coll_rh *rh, int v);
/* The fold, then the halving steps (rh->acc holds this rank's vector before). */
int kr_coll_rh_reduce_scatter(struct kr_sched *s, struct kr_coll_rh *rh);
/* Undo the halving: every virtual rank ends with the whole reduced vector (allgather by
 * recursive doubling, steps in reverse), then the folded-out ranks get it from their partner. */
int kr_coll_rh_allgather(struct kr_sched *s, struct kr_coll_rh *rh);
/* Gather the positions to virtual rank 0 (binomial, steps in reverse); returns its real rank
 * in *holder_out, which then holds the whole vector in acc. */
int kr_coll_rh_gather(struct kr_sched *s, struct kr_coll_rh *rh, int *holder_out);
/* p + 1 offsets cutting `count` elements into p near-equal positions (scratch of `s`). */
size_t *kr_coll_rh_even(struct kr_sched *s, const struct kr_coll_rh *rh, size_t count);

/* ---- algorithm choices ------------------------------------------------------------------
 * Enums below; AUTO picks by communicator and message size. A forced algorithm that cannot
 * run a given call (recursive doubling allgather on a size that is not a power of two, a ring
 * with a non-commutative op, ...) falls back to the automatic choice; a forced shared-memory
 * algorithm does too where there is no shared area. */
struct kr_coll_cfg {
    int barrier;
    int bcast;
    int reduce;
    int allreduce;
    int alltoall;
    int alltoallv;
    int allgather;
    int gather;
    int scatter;
    int reduce_scatter;
    bool hier;                  /* node-aware algorithms on communicators that span hosts */
    size_t hier_allreduce_max;  /* largest allreduce that goes node-aware */
    int hier_min_local;         /* node-aware only with a host holding this many members */
    size_t allreduce_ring_min;  /* bytes from which allreduce uses the ring */
    size_t allreduce_rsag_min;  /* bytes from which allreduce uses Rabenseifner */
    size_t reduce_rsag_min;     /* bytes from which reduce uses reduce-scatter + gather */
    size_t bcast_pipeline_min;
    size_t bcast_shm_min;       /* bytes from which a broadcast goes through shared memory */
    size_t alltoall_pairwise_min;
    size_t alltoall_bruck_max;
    size_t alltoallv_pairwise_min;
    size_t allgather_ring_min;
    size_t gather_linear_min;
    size_t scatter_linear_min;
    size_t reduce_scatter_ring_min;
};

extern struct kr_coll_cfg kr_coll_cfg;

enum { KR_COLL_BARRIER_AUTO, KR_COLL_BARRIER_SHM, KR_COLL_BARRIER_DISSEMINATION };
enum {
    KR_COLL_BCAST_AUTO, KR_COLL_BCAST_SHM, KR_COLL_BCAST_BINOMIAL, KR_COLL_BCAST_SCATTER_ALLGATHER
};
enum { KR_COLL_REDUCE_AUTO, KR_COLL_REDUCE_SHM, KR_COLL_REDUCE_BINOMIAL,
       KR_COLL_REDUCE_RABENSEIFNER };
enum { KR_COLL_ALLREDUCE_AUTO, KR_COLL_ALLREDUCE_SHM, KR_COLL_ALLREDUCE_RECDBL,
       KR_COLL_ALLREDUCE_RABENSEIFNER, KR_COLL_ALLREDUCE_RING };
enum { KR_COLL_ALLTOALL_AUTO, KR_COLL_ALLTOALL_BRUCK, KR_COLL_ALLTOALL_POSTALL,
       KR_COLL_ALLTOALL_PAIRWISE, KR_COLL_ALLTOALL_SHM, KR_COLL_ALLTOALL_ADAPT };
enum { KR_COLL_ALLTOALLV_AUTO, KR_COLL_ALLTOALLV_POSTALL, KR_COLL_ALLTOALLV_PAIRWISE };
enum { KR_COLL_ALLGATHER_AUTO, KR_COLL_ALLGATHER_RING, KR_COLL_ALLGATHER_RECDBL,
       KR_COLL_ALLGATHER_BRUCK };
enum { KR_COLL_GATHER_AUTO, KR_COLL_GATHER_BINOMIAL, KR_COLL_GATHER_LINEAR };
enum { KR_COLL_SCATTER_AUTO, KR_COLL_SCATTER_BINOMIAL, KR_COLL_SCATTER_LINEAR };
enum { KR_COLL_REDUCE_SCATTER_AUTO, KR_COLL_REDUCE_SCATTER_RHALVING,
       KR_COLL_REDUCE_SCATTER_RING };

#endif /* KR_COLL_INT_H */

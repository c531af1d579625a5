/* Private to the collectives: point-to-point helpers in the collective context and the
 * algorithm selection settings. */
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

/* Algorithm choices (enums below; AUTO picks by communicator and message size). A forced
 * shared-memory algorithm falls back to the automatic choice where there is no shared area. */
struct kr_coll_cfg {
    int barrier;
    int bcast;
    int reduce;
    int allreduce;
    int alltoall;
    int allgather;
    size_t allreduce_ring_min;  /* bytes from which allreduce uses the ring */
    size_t bcast_pipeline_min;
    size_t alltoall_pairwise_min;
    size_t bcast_shm_min;       /* bytes from which a broadcast goes through shared memory */
};

extern struct kr_coll_cfg kr_coll_cfg;

enum { KR_COLL_BARRIER_AUTO, KR_COLL_BARRIER_SHM, KR_COLL_BARRIER_DISSEMINATION };
enum {
    KR_COLL_BCAST_AUTO, KR_COLL_BCAST_SHM, KR_COLL_BCAST_BINOMIAL, KR_COLL_BCAST_SCATTER_ALLGATHER
};
enum { KR_COLL_REDUCE_AUTO, KR_COLL_REDUCE_SHM, KR_COLL_REDUCE_BINOMIAL };
enum { KR_COLL_ALLREDUCE_AUTO, KR_COLL_ALLREDUCE_SHM, KR_COLL_ALLREDUCE_RECDBL,
       KR_COLL_ALLREDUCE_RING };
enum { KR_COLL_ALLTOALL_AUTO, KR_COLL_ALLTOALL_POSTALL, KR_COLL_ALLTOALL_PAIRWISE };
enum { KR_COLL_ALLGATHER_AUTO, KR_COLL_ALLGATHER_RING, KR_COLL_ALLGATHER_RECDBL };

#endif /* KR_COLL_INT_H */

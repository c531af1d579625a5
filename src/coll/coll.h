/* Collective operations over a communicator, built on the pt2pt engine in the
 * communicator's collective context. Buffers are contiguous: the API layer packs derived
 * types. A NULL send buffer means "in place" (the data is already in the receive buffer). */
#ifndef KR_COLL_COLL_H
#define KR_COLL_COLL_H

#include "comm/comm.h"
#include "datatype/dt.h"
#include "util/settings.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int kr_coll_barrier(struct kr_comm *comm);
/* `bytes` at `buf` on `root` end up in `buf` everywhere. */
int kr_coll_bcast(struct kr_comm *comm, void *buf, size_t bytes, int root);
/* Combine `count` elements of `dt` with `op` into `rbuf` on `root` (rbuf ignored elsewhere). */
int kr_coll_reduce(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                   const struct kr_dt *dt, const struct kr_op *op, int root);
int kr_coll_allreduce(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                      const struct kr_dt *dt, const struct kr_op *op);
/* Every rank's `bytes` block, in rank order, into rbuf (size * bytes) everywhere. With a NULL
 * sbuf this rank's block is already at its place in rbuf. */
int kr_coll_allgather(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes);
/* Block i of sbuf goes to rank i; block j of rbuf comes from rank j. */
int kr_coll_alltoall(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes);

/* Schedule builders: the same collectives as schedules (sched.h), for the nonblocking and
 * persistent forms. Arguments as above; the buffers must stay valid until the schedule
 * completes. */
struct kr_sched;
int kr_coll_barrier_sched(struct kr_comm *comm, struct kr_sched **s_out);
int kr_coll_bcast_sched(struct kr_comm *comm, void *buf, size_t bytes, int root,
                        struct kr_sched **s_out);
int kr_coll_reduce_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                         const struct kr_dt *dt, const struct kr_op *op, int root,
                         struct kr_sched **s_out);
int kr_coll_allreduce_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                            const struct kr_dt *dt, const struct kr_op *op,
                            struct kr_sched **s_out);
int kr_coll_allgather_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes,
                            struct kr_sched **s_out);
int kr_coll_alltoall_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes,
                           struct kr_sched **s_out);

/* Shared-memory collectives (coll_shm.c). The host's ranks share kr_coll_shm_bytes() of
 * memory through the transport; kr_coll_host_create wraps it (NULL host when there is none
 * or it is too small), and communicators whose members all live on the host attach to an
 * area of it (collective over the communicator; no area is fine, the point-to-point
 * algorithms are used then). */
size_t kr_coll_shm_bytes(int nlocal);
int kr_coll_host_create(const struct kr_host_shared *hs, int job_size, int nlocal,
                        const int *local_ranks, struct kr_coll_host **host_out);
void kr_coll_host_destroy(struct kr_coll_host *host);
int kr_coll_shm_attach(struct kr_comm *comm, bool world);
void kr_coll_shm_detach(struct kr_comm *comm);
extern const struct kr_setting kr_coll_shm_settings[];

/* For the communicator layer: AND of `n` words over all members, in place. */
int kr_coll_allreduce_band_u64(struct kr_comm *comm, uint64_t *buf, size_t n);

extern const struct kr_setting kr_coll_settings[];

#endif /* KR_COLL_COLL_H */

/* Collective operations over a communicator, built on the pt2pt engine in the communicator's
 * collective context.
 *
 * Buffers are *collective buffers*: data-movement collectives move bytes (the API layer packs
 * derived datatypes into scratch first, kr_sched_pack); reductions take `count` elements of
 * `dt` laid out kr_coll_stride(dt) bytes apart: predefined types at their extent (pair types
 * keep their padding, which the kernels expect), derived types (only with user ops) packed.
 * A NULL send buffer means "in place", as each function says.
 *
 * Intercommunicators: every builder that MPI defines an intercommunicator form for accepts one
 * (comm->inter). Roots then follow MPI: MPI_ROOT on the root, MPI_PROC_NULL on the others of
 * its group, the root's rank in the remote group on the receiving group; receive buffers hold
 * remote_size blocks. In place is not allowed there (the API layer refuses it). */
#ifndef KR_COLL_COLL_H
#define KR_COLL_COLL_H

#include "comm/comm.h"
#include "datatype/dt.h"
#include "util/settings.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kr_sched;

/* Bytes one element of `dt` occupies in a reduction's buffers (see above). */
size_t kr_coll_stride(const struct kr_dt *dt);

/* inout = in op inout over `count` elements of collective buffers (kr_coll_stride apart). A
 * packed derived type (user ops only) is unpacked into typed scratch for the user's function
 * and packed back. Returns 0, -ENOMEM, or -EINVAL as kr_op_apply. */
int kr_coll_op_apply(const struct kr_op *op, const struct kr_dt *dt, const void *in,
                     void *inout, size_t count);

/* Per-rank blocks of a v/w collective: block i is len[i] bytes at byte offset off[i] of the
 * buffer. The arrays are read while the schedule is built and may be freed afterwards. */
struct kr_coll_blocks {
    const ptrdiff_t *off;
    const size_t *len;
};

/* Neighbours of a process topology (kr_comm_neighbors): receive from sources[i] into receive
 * block i, send send block j to dests[j]; MPI_PROC_NULL entries are skipped. */
struct kr_coll_nbrs {
    int indeg, outdeg;
    const int *sources, *dests;
};

/* ---- blocking forms: shared-memory algorithms where the communicator has an area -------- */

int kr_coll_barrier(struct kr_comm *comm);
/* `bytes` at `buf` on `root` end up in `buf` everywhere. */
int kr_coll_bcast(struct kr_comm *comm, void *buf, size_t bytes, int root);
/* Combine `count` elements of `dt` with `op` into `rbuf` on `root` (rbuf ignored elsewhere);
 * sbuf NULL on the root: in place. */
int kr_coll_reduce(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                   const struct kr_dt *dt, const struct kr_op *op, int root);
int kr_coll_allreduce(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                      const struct kr_dt *dt, const struct kr_op *op);
/* Every rank's `bytes` block, in rank order, into rbuf (size * bytes) everywhere. With a NULL
 * sbuf this rank's block is already at its place in rbuf. */
int kr_coll_allgather(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes);
/* Block i of sbuf goes to rank i; block j of rbuf comes from rank j. */
int kr_coll_alltoall(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes);

/* For the communicator layer: AND of `n` words over all members, in place. */
int kr_coll_allreduce_band_u64(struct kr_comm *comm, uint64_t *buf, size_t n);

/* ---- schedule builders --------------------------------------------------------------------
 * The collectives as schedules (sched.h), for the nonblocking and persistent forms (and the
 * blocking ones without a shared-memory algorithm). Each creates a schedule on `comm` (which
 * draws the collective's tag) and hands it out unstarted; the caller may add conversion steps
 * (kr_sched_pack/unpack) and scratch (kr_sched_adopt) before starting it. The buffers must stay
 * valid until the schedule completes. Returns 0, -ENOMEM, or -EINVAL for an intercommunicator
 * form MPI does not define. */

int kr_coll_barrier_sched(struct kr_comm *comm, struct kr_sched **s_out);
int kr_coll_bcast_sched(struct kr_comm *comm, void *buf, size_t bytes, int root,
                        struct kr_sched **s_out);
/* Every rank's `bytes` at sbuf into block i of the root's rbuf (size blocks); sbuf NULL on the
 * root: its block is in place. */
int kr_coll_gather_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes,
                         int root, struct kr_sched **s_out);
/* Rank i's `sbytes` into block i of `rb` at the root (rb read on the root only). */
int kr_coll_gatherv_sched(struct kr_comm *comm, const void *sbuf, size_t sbytes, void *rbuf,
                          const struct kr_coll_blocks *rb, int root, struct kr_sched **s_out);
/* Block i of the root's sbuf to rank i's rbuf; rbuf NULL on the root: in place. */
int kr_coll_scatter_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes,
                          int root, struct kr_sched **s_out);
int kr_coll_scatterv_sched(struct kr_comm *comm, const void *sbuf,
                           const struct kr_coll_blocks *sb, void *rbuf, size_t rbytes, int root,
                           struct kr_sched **s_out);
/* Intercommunicators (here and in alltoall): both groups' blocks are `bytes`; the v forms take
 * groups whose block sizes differ. */
int kr_coll_allgather_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes,
                            struct kr_sched **s_out);
/* Rank i's block goes to block i of `rb` everywhere; sbuf NULL: in place. `sbytes` is this
 * rank's block size (rb->len[rank] on an intracommunicator, where rb is what counts). */
int kr_coll_allgatherv_sched(struct kr_comm *comm, const void *sbuf, size_t sbytes, void *rbuf,
                             const struct kr_coll_blocks *rb, struct kr_sched **s_out);
int kr_coll_alltoall_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes,
                           struct kr_sched **s_out);
/* Alltoallv and alltoallw: block i of `sb` to rank i, block j of `rb` from rank j. sbuf NULL:
 * in place (the data is taken from the rb blocks of rbuf; sb is ignored). */
int kr_coll_alltoallv_sched(struct kr_comm *comm, const void *sbuf,
                            const struct kr_coll_blocks *sb, void *rbuf,
                            const struct kr_coll_blocks *rb, struct kr_sched **s_out);
int kr_coll_reduce_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                         const struct kr_dt *dt, const struct kr_op *op, int root,
                         struct kr_sched **s_out);
int kr_coll_allreduce_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                            const struct kr_dt *dt, const struct kr_op *op,
                            struct kr_sched **s_out);
/* Reduce a vector of sum(counts) elements and leave counts[i] of them, from offset
 * counts[0] + ... + counts[i-1], on rank i (at rbuf). sbuf NULL: in place, rbuf holds the whole
 * vector on entry. Intercommunicators: the vector is the remote group's; counts has one entry
 * per local rank. */
int kr_coll_reduce_scatter_sched(struct kr_comm *comm, const void *sbuf, void *rbuf,
                                 const size_t *counts, const struct kr_dt *dt,
                                 const struct kr_op *op, struct kr_sched **s_out);
int kr_coll_reduce_scatter_block_sched(struct kr_comm *comm, const void *sbuf, void *rbuf,
                                       size_t count, const struct kr_dt *dt,
                                       const struct kr_op *op, struct kr_sched **s_out);
/* Inclusive / exclusive prefix reductions in rank order (exscan leaves rank 0's rbuf alone).
 * sbuf NULL: in place. Intracommunicators only. */
int kr_coll_scan_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                       const struct kr_dt *dt, const struct kr_op *op, struct kr_sched **s_out);
int kr_coll_exscan_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                         const struct kr_dt *dt, const struct kr_op *op,
                         struct kr_sched **s_out);
/* Neighbourhood alltoallv/w (and, with every send block the same, allgather(v)): block j of
 * `sb` to nb->dests[j], block i of `rb` from nb->sources[i]. */
int kr_coll_neighbor_sched(struct kr_comm *comm, const struct kr_coll_nbrs *nb,
                           const void *sbuf, const struct kr_coll_blocks *sb, void *rbuf,
                           const struct kr_coll_blocks *rb, struct kr_sched **s_out);

/* ---- shared-memory collectives (coll_shm.c) ---------------------------------------------
 * The host's ranks share kr_coll_shm_bytes() of memory through the transport;
 * kr_coll_host_create wraps it (NULL host when there is none or it is too small), and
 * communicators whose members all live on the host attach to an area of it (collective over
 * the communicator; no area is fine, the point-to-point algorithms are used then). */
size_t kr_coll_shm_bytes(int nlocal);
int kr_coll_host_create(const struct kr_host_shared *hs, int job_size, int nlocal,
                        const int *local_ranks, struct kr_coll_host **host_out);
void kr_coll_host_destroy(struct kr_coll_host *host);
int kr_coll_shm_attach(struct kr_comm *comm, bool world);
void kr_coll_shm_detach(struct kr_comm *comm);
extern const struct kr_setting kr_coll_shm_settings[];

/* Free the schedule a communicator keeps for reuse, and its host layout (when the
 * communicator is freed). */
void kr_sched_spare_drop(struct kr_comm *comm);
void kr_coll_hier_drop(struct kr_comm *comm);

extern const struct kr_setting kr_coll_settings[];

#endif /* KR_COLL_COLL_H */

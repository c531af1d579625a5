/* Private to the collective entry points (api_coll*.c): one call being served (its mode, the
 * checks every collective shares, the collective buffers that stand in for the user's typed
 * ones, and how the finished schedule is run, started or kept), and the cores the blocking,
 * nonblocking and persistent bindings share. */
#ifndef KR_API_COLL_INT_H
#define KR_API_COLL_INT_H

#include "api_req_int.h"

#include "coll/coll.h"
#include "coll/sched.h"

#include <stdbool.h>
#include <stddef.h>

/* Count and displacement arrays in the caller's width: int, or MPI_Count / MPI_Aint (_c). */
#define KR_API_INTS(a) ((struct kr_dt_ints) { (a), sizeof(*(a)) })
#define KR_API_NO_INTS ((struct kr_dt_ints) { NULL, sizeof(int) })

enum kr_api_coll_mode { KR_API_BLOCKING, KR_API_NONBLOCKING, KR_API_PERSISTENT };

/* How a binding wants its collective: its name (for messages), the mode, and where the
 * request goes (nonblocking and persistent forms). */
struct kr_api_how {
    const char *call;
    enum kr_api_coll_mode mode;
    MPI_Request *request;
};

#define KR_API_HOW(call, mode, request) (&(const struct kr_api_how) { (call), (mode), (request) })

struct kr_api_conv;

/* One collective call. Filled by kr_api_coll_begin and the buffer helpers; kr_api_coll_finish
 * consumes it. */
struct kr_api_coll {
    const char *call;           /* "MPI_Igatherv_c", for messages */
    enum kr_api_coll_mode mode;
    MPI_Request *request;       /* nonblocking and persistent forms */
    struct kr_comm *comm;
    int err;                    /* first preparation failure (-ENOMEM) */
    void **mem;                 /* scratch made before the schedule, handed to it */
    int nmem, memcap;
    struct kr_api_conv *conv;   /* pack / unpack steps for the schedule */
    int nconv, convcap;
    struct kr_op *op;           /* a user op the schedule must keep alive, */
    struct kr_dt *dt;           /* and the derived type it works on */
};

/* Start serving `call`: MPI is running, `h` is a communicator, `request` is not NULL (unless
 * blocking). MPI_SUCCESS or the reported error. */
int kr_api_coll_begin(struct kr_api_coll *c, const struct kr_api_how *how, MPI_Comm h);

/* Count, datatype (committed; any derived type) and buffer of one side of a collective. */
int kr_api_coll_type(struct kr_api_coll *c, const void *buf, MPI_Count count, MPI_Datatype h,
                     struct kr_dt **dt_out);

/* An array argument (`what` names it) that must not be NULL when n > 0. */
int kr_api_coll_array(struct kr_api_coll *c, int n, const void *p, const char *what);

/* Per-rank counts: not NULL, not negative; the datatype `h`, or with `types` (not NULL) one
 * per rank, valid and committed. Sets *dt_out for a single type. */
int kr_api_coll_vtype(struct kr_api_coll *c, int n, struct kr_dt_ints counts, MPI_Datatype h,
                      const MPI_Datatype *types, struct kr_dt **dt_out);

/* A root argument: 0..size-1 on an intracommunicator; MPI_ROOT, MPI_PROC_NULL or a remote
 * rank on an intercommunicator. */
int kr_api_coll_root(struct kr_api_coll *c, int root);

/* MPI_IN_PLACE where the call does not allow it (`where` says where it would be allowed, or
 * NULL: nowhere, as on intercommunicators). */
int kr_api_coll_inplace_error(struct kr_api_coll *c, const char *what, const char *where);

/* The collective buffer for `count` elements of `dt` at `buf`: the data itself when dt is
 * contiguous, else scratch into which in_count elements are packed before the rounds and from
 * which out_count elements are unpacked after them (count = the larger). Never NULL (NULL
 * means "in place" to src/coll); on allocation failure c->err is set. */
void *kr_api_coll_buf(struct kr_api_coll *c, void *buf, const struct kr_dt *dt,
                      MPI_Count in_count, MPI_Count out_count);

/* The blocks of a v or w buffer: block i is counts[i] elements of types[i] (or of dt) at
 * displacement displs[i] (in extents of the type, or in bytes when `bytes`). Fills *b (arrays
 * in scratch) and returns the collective buffer their offsets are relative to; `in` / `out`
 * say whether the blocks are read and/or written. */
void *kr_api_coll_blocks(struct kr_api_coll *c, void *buf, int n, struct kr_dt_ints counts,
                         struct kr_dt_ints displs, bool bytes, const struct kr_dt *dt,
                         const MPI_Datatype *types, bool in, bool out, struct kr_coll_blocks *b);

/* Uniform blocks: `n` blocks of `bytes` back to back, or all at offset 0 (`same`). */
struct kr_coll_blocks *kr_api_coll_uniform(struct kr_api_coll *c, int n, size_t bytes,
                                           bool same);

/* Scratch that lives as long as the schedule (NULL and c->err set on failure). */
void *kr_api_coll_alloc(struct kr_api_coll *c, size_t len);

/* What a reduction computes on. User ops see the user's datatype (packed when it is not
 * contiguous); a predefined op on a derived type computes on the one predefined type the
 * derived type is made of (`count` times as many elements). */
struct kr_api_red {
    struct kr_op *op;
    struct kr_dt *udt;          /* the user's datatype */
    const struct kr_dt *dt;     /* the collective's element type */
    size_t per;                 /* elements of dt per element of udt */
};

/* Check `oph` against `dt` (MPI_ERR_OP naming both) and fill *red. */
int kr_api_coll_op(struct kr_api_coll *c, MPI_Op oph, struct kr_dt *dt, struct kr_api_red *red);

/* The collective buffer of a reduction operand, as kr_api_coll_buf (counts in elements of
 * the user's datatype). */
void *kr_api_coll_rbuf(struct kr_api_coll *c, const struct kr_api_red *red, void *buf,
                       MPI_Count in_count, MPI_Count out_count);

/* Blocking calls of the collectives that have shared-memory algorithms call kr_coll_<name>,
 * which chooses between shared memory and a schedule the same way on every rank whatever the
 * ranks' datatypes: this runs the pack steps now and says true in blocking mode (false
 * otherwise: build a schedule). kr_api_coll_done then runs the unpack steps. */
bool kr_api_coll_blocking(struct kr_api_coll *c);

/* Finish the call: the builder returned `ret` and `s`. Blocking: run and wait; nonblocking:
 * start on a new request; persistent: keep as an inactive request. Reports errors. */
int kr_api_coll_finish(struct kr_api_coll *c, struct kr_sched *s, int ret);

/* Give up after a check that failed once buffers were prepared: free them, return `ret`. */
int kr_api_coll_abandon(struct kr_api_coll *c, int ret);

/* The end of a blocking call (kr_api_coll_blocking): on success unpack, then free the scratch;
 * report `ret` (a negative errno), or MPI_SUCCESS. */
int kr_api_coll_done(struct kr_api_coll *c, int ret);

/* The neighbours of c->comm (MPI_ERR_TOPOLOGY when it has no process topology). */
int kr_api_coll_nbrs(struct kr_api_coll *c, struct kr_coll_nbrs *nb);

/* ---- the cores of every binding (api_coll_move.c, api_coll_red.c, api_coll_nbr.c) ------- */

int kr_api_barrier(const struct kr_api_how *how, MPI_Comm h);
int kr_api_bcast(const struct kr_api_how *how, MPI_Comm h, void *buf, MPI_Count count,
                 MPI_Datatype type, int root);
int kr_api_gather(const struct kr_api_how *how, MPI_Comm h, const void *sbuf, MPI_Count scount,
                  MPI_Datatype stype, void *rbuf, MPI_Count rcount, MPI_Datatype rtype, int root);
int kr_api_gatherv(const struct kr_api_how *how, MPI_Comm h, const void *sbuf, MPI_Count scount,
                   MPI_Datatype stype, void *rbuf, struct kr_dt_ints rcounts,
                   struct kr_dt_ints displs, MPI_Datatype rtype, int root);
int kr_api_scatter(const struct kr_api_how *how, MPI_Comm h, const void *sbuf, MPI_Count scount,
                   MPI_Datatype stype, void *rbuf, MPI_Count rcount, MPI_Datatype rtype, int root);
int kr_api_scatterv(const struct kr_api_how *how, MPI_Comm h, const void *sbuf,
                    struct kr_dt_ints scounts, struct kr_dt_ints displs, MPI_Datatype stype,
                    void *rbuf, MPI_Count rcount, MPI_Datatype rtype, int root);
int kr_api_allgather(const struct kr_api_how *how, MPI_Comm h, const void *sbuf, MPI_Count scount,
                     MPI_Datatype stype, void *rbuf, MPI_Count rcount, MPI_Datatype rtype);
int kr_api_allgatherv(const struct kr_api_how *how, MPI_Comm h, const void *sbuf, MPI_Count scount,
                      MPI_Datatype stype, void *rbuf, struct kr_dt_ints rcounts,
                      struct kr_dt_ints displs, MPI_Datatype rtype);
int kr_api_alltoall(const struct kr_api_how *how, MPI_Comm h, const void *sbuf, MPI_Count scount,
                    MPI_Datatype stype, void *rbuf, MPI_Count rcount, MPI_Datatype rtype);
/* Alltoallv (stypes, rtypes NULL; displacements in extents) and alltoallw (per-rank types,
 * displacements in bytes). */
int kr_api_alltoallv(const struct kr_api_how *how, MPI_Comm h, const void *sbuf,
                     struct kr_dt_ints scounts, struct kr_dt_ints sdispls, MPI_Datatype stype,
                     const MPI_Datatype *stypes, void *rbuf, struct kr_dt_ints rcounts,
                     struct kr_dt_ints rdispls, MPI_Datatype rtype, const MPI_Datatype *rtypes);
int kr_api_reduce(const struct kr_api_how *how, MPI_Comm h, const void *sbuf, void *rbuf,
                  MPI_Count count, MPI_Datatype type, MPI_Op op, int root);
int kr_api_allreduce(const struct kr_api_how *how, MPI_Comm h, const void *sbuf, void *rbuf,
                     MPI_Count count, MPI_Datatype type, MPI_Op op);
/* Reduce_scatter (counts) and, with counts.p NULL, reduce_scatter_block (`count` each). */
int kr_api_reduce_scatter(const struct kr_api_how *how, MPI_Comm h, const void *sbuf, void *rbuf,
                          struct kr_dt_ints counts, MPI_Count count, MPI_Datatype type, MPI_Op op);
int kr_api_scan(const struct kr_api_how *how, MPI_Comm h, const void *sbuf, void *rbuf,
                MPI_Count count, MPI_Datatype type, MPI_Op op, bool exclusive);
/* One side of a neighbourhood collective: `count` elements of `type` per neighbour (counts.p
 * NULL), or the v form (counts, displs in extents), or the w form (`types`, displs in bytes). */
struct kr_api_side {
    const void *buf;
    MPI_Count count;
    struct kr_dt_ints counts, displs;
    MPI_Datatype type;
    const MPI_Datatype *types;
};

#define KR_API_SIDE(buf, count, type)                                                         \
    (&(const struct kr_api_side) { (buf), (count), KR_API_NO_INTS, KR_API_NO_INTS, (type), NULL })
#define KR_API_SIDEV(buf, counts, displs, type)                                                \
    (&(const struct kr_api_side) { (buf), 0, KR_API_INTS(counts), KR_API_INTS(displs), (type),  \
                                   NULL })
#define KR_API_SIDEW(buf, counts, displs, types)                                               \
    (&(const struct kr_api_side) { (buf), 0, KR_API_INTS(counts), KR_API_INTS(displs),          \
                                   MPI_DATATYPE_NULL, (types) })

/* Neighbor_allgather(v) (`bcast`: the one send block goes to every destination) and
 * Neighbor_alltoall(v,w). */
int kr_api_neighbor(const struct kr_api_how *how, MPI_Comm h, const struct kr_api_side *snd,
                    const struct kr_api_side *rcv, bool bcast);

#endif /* KR_API_COLL_INT_H */

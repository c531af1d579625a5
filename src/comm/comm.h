/* Communicators: a group of job ranks with a context id that separates its traffic from every
 * other communicator's. Context id c carries point-to-point traffic as wire context 2c and
 * collective traffic as 2c+1, so the two can never match each other. */
#ifndef KR_COMM_COMM_H
#define KR_COMM_COMM_H

#include "pt2pt/pt2pt.h"

#include <stdbool.h>
#include <stdint.h>

#define KR_COMM_MAGIC 0x4b52434dU /* "KRCM": a live communicator */
#define KR_COMM_IDS (KR_CTX_MAX / 2)
#define KR_COMM_NAME_MAX 128
#define KR_PROC_NULL (-3) /* MPI_PROC_NULL: no process (topology edges) */

struct kr_coll_host; /* host-shared collective state (coll_shm.c) */
struct kr_coll_shm;  /* this communicator's area in it, if any */
struct kr_attr_list; /* cached attributes (util/attr.h) */
struct kr_comm_topo; /* process topology (below) */

struct kr_sched;
struct kr_coll_hier; /* node-aware collective layout (coll_hier.c) */

struct kr_comm {
    uint32_t magic;
    uint32_t id; /* context id, agreed by all members */
    int rank, size;
    int *ranks; /* job rank of each member; NULL means rank i is job rank i */
    struct kr_pt2pt *pt;
    void *errh; /* error handler, owned by the API layer */
    int refs;   /* the program's handle, running schedules, collective requests (comm.c) */
    struct kr_comm_ids *ids_freed; /* set by kr_comm_free: where the id goes back at the end */
    void (*on_destroy)(struct kr_comm *c); /* upper layer drops errh when the struct goes */
    uint32_t coll_seq;         /* collectives started, for tags that never repeat soon */
    int sched_active;          /* collective schedules running (nonblocking ones) */
    uint32_t nagree;           /* context-id agreements over this communicator (their key) */
    struct kr_coll_host *host; /* NULL when this host shares no memory among its ranks */
    struct kr_coll_shm *shm;   /* NULL when the communicator has no shared area */
    struct kr_sched *sched_spare; /* a finished schedule kept for the next collective, so
                                   * that small collectives do not allocate (coll/sched.c) */
    const int *job_node;       /* host index of each job rank (the boot layout, shared by every
                                * communicator); NULL when the job runs on one host */
    struct kr_coll_hier *hier; /* which members share a host, computed on first use */
    char name[KR_COMM_NAME_MAX];
    /*
     * Intercommunicators (inter set). rank, size and ranks describe the local group; peers of
     * point-to-point are ranks of the remote group, so kr_comm_job_rank() maps through
     * remote_ranks, and kr_comm_peer_size() is remote_size. A receive matches the sender's
     * rank in its own (local) group, which is what the wire header carries. Both groups use
     * the same context id. `local` is an intracommunicator over the local group, in the same
     * order, with its own context id (agreed over both groups, or within its group when made by
     * splitting an intercommunicator); the intercommunicator owns it. Collectives on an intercommunicator run their local
     * phases on `local` and exchange between the groups on this communicator's collective
     * context. Intracommunicators have inter false, remote_ranks and local NULL.
     */
    bool inter;
    int remote_size;
    int *remote_ranks; /* job rank of each remote member (never NULL when inter) */
    struct kr_comm *local;
    struct kr_comm_topo *topo;  /* process topology; NULL when none */
    struct kr_attr_list *attrs; /* cached attributes; the API layer runs their callbacks */
    void *info;                 /* info hints (MPI_Comm_set_info), owned by the API layer */
    void *bsend;                /* MPI_Comm_attach_buffer's buffer, owned by the API layer */
    uint32_t session;           /* id of the MPI session it derives from (API layer); 0: none */
};

static inline uint32_t kr_comm_ctx_pt2pt(const struct kr_comm *c)
{
    return c->id * 2;
}

static inline uint32_t kr_comm_ctx_coll(const struct kr_comm *c)
{
    return c->id * 2 + 1;
}

/* Job rank of point-to-point peer `r`: a member of the group, or of the remote group of an
 * intercommunicator. */
static inline int kr_comm_job_rank(const struct kr_comm *c, int r)
{
    if (__builtin_expect(c->inter, 0)) {
        return c->remote_ranks[r];
    }
    return c->ranks != NULL ? c->ranks[r] : r;
}

/* How many ranks point-to-point can address: the size, or the remote size. */
static inline int kr_comm_peer_size(const struct kr_comm *c)
{
    return __builtin_expect(c->inter, 0) ? c->remote_size : c->size;
}

/* Job rank of local member `r` (of the local group for an intercommunicator). */
static inline int kr_comm_member(const struct kr_comm *c, int r)
{
    return c->ranks != NULL ? c->ranks[r] : r;
}

/*
 * The context ids in use by this process (id 0 = world, 1 = self). An id must be unique among
 * the communicators of each process, not across the job. Members agree on an id by ANDing what
 * they offer, a few words of their map at a time (comm_ids.c); an offered id is lent to that
 * agreement until it ends, so agreements running at once on one process (MPI_Comm_idup) never
 * pick the same id.
 */
struct kr_comm_ids {
    uint64_t free[KR_COMM_IDS / 64]; /* bit set = id free */
    uint64_t lent[KR_COMM_IDS / 64]; /* bit set = offered to an agreement still running */
};

void kr_comm_ids_init(struct kr_comm_ids *ids);

/* Build MPI_COMM_WORLD (id 0) and MPI_COMM_SELF (id 1) for `pt`. */
int kr_comm_create_world(struct kr_pt2pt *pt, int size, struct kr_comm **comm_out);
int kr_comm_create_self(struct kr_pt2pt *pt, int job_rank, struct kr_comm **comm_out);

/* Collective over `comm` (both groups of an intercommunicator): a new communicator with the
 * same group(s), the same topology and a fresh context id. */
int kr_comm_dup(struct kr_comm *comm, struct kr_comm_ids *ids, struct kr_comm **comm_out);
/* Collective over intracommunicator `comm`: split by color (negative = not in any), ordered by
 * key then rank. *comm_out is NULL for a negative color. */
int kr_comm_split(struct kr_comm *comm, struct kr_comm_ids *ids, int color, int key,
                  struct kr_comm **comm_out);
/* Release the communicator (and the local communicator of an intercommunicator): its id is
 * free again, its matching state, topology and attribute list (no callbacks) dropped. MPI lets
 * a program free a communicator with operations still pending, so this only drops the
 * program's reference (and makes the communicator invalid, magic 0): whatever still uses it
 * (a running schedule, a collective request not yet completed) holds a reference with
 * kr_comm_retain, and the last kr_comm_release does the freeing, then calls on_destroy. */
void kr_comm_free(struct kr_comm *comm, struct kr_comm_ids *ids);
void kr_comm_retain(struct kr_comm *comm);
void kr_comm_release(struct kr_comm *comm);

/* ---- more ways to create communicators (comm_create.c, comm_idup.c) ------------------- */

/* Collective over intracommunicator `comm`: this process gets a communicator over the `n` job
 * ranks `ranks` (in that order) if it is one of them, else *comm_out is NULL. The lists given
 * by the members are equal or disjoint (MPI_Comm_create). -ENOSPC when no context id is free
 * everywhere, -ENOMEM. */
int kr_comm_create(struct kr_comm *comm, struct kr_comm_ids *ids, const int *ranks, int n,
                   struct kr_comm **comm_out);

/* Collective over the `n` job ranks `ranks` only, which are members of `comm`
 * (MPI_Comm_create_group): they agree on a context id by point-to-point among themselves on
 * comm's collective context, `tag` (>= 0) keeping concurrent calls on other groups apart. A
 * process not in `ranks` gets NULL without communicating. Errors as kr_comm_create. */
int kr_comm_create_group(struct kr_comm *comm, struct kr_comm_ids *ids, const int *ranks, int n,
                         int tag, struct kr_comm **comm_out);

/* MPI_Comm_idup of intracommunicator `comm`, in two steps. kr_comm_idup_new makes the new
 * communicator's struct (NULL when out of memory): same group and topology, no context id yet,
 * magic 0 (not usable). kr_comm_idup_start then agrees on the id without blocking, by
 * allreduce schedules (kr_coll_allreduce_sched) driven by progress, and completes `req` (an
 * upper-layer request, KR_REQ_OTHER, whose done_cb, owner and ext the caller keeps) when the
 * communicator is ready; req->status.error says whether it worked. After a late failure the
 * struct stays allocated with magic 0, since the program holds its address. A communicator made
 * this way has no shared-memory collective area (attaching one is a blocking collective).
 * kr_comm_idup_start returns 0, or an error before anything started: then the caller frees `c`
 * with kr_comm_discard. */
struct kr_comm *kr_comm_idup_new(const struct kr_comm *comm);
int kr_comm_idup_start(struct kr_comm *comm, struct kr_comm_ids *ids, struct kr_comm *c,
                       struct kr_req *req);
/* Free a communicator struct that never got a context id. */
void kr_comm_discard(struct kr_comm *c);

/* How two communicators relate (MPI_Comm_compare, MPI_Group_compare). */
enum kr_comm_cmp { KR_COMM_IDENT, KR_COMM_CONGRUENT, KR_COMM_SIMILAR, KR_COMM_UNEQUAL };

/* IDENT: the same communicator; CONGRUENT: the same members in the same order (both groups
 * of intercommunicators); SIMILAR: the same members; else UNEQUAL. */
enum kr_comm_cmp kr_comm_compare(const struct kr_comm *a, const struct kr_comm *b);

/* ---- intercommunicators (comm_inter.c) ------------------------------------------------ */

/* Collective over intracommunicator `local_comm` and the remote group: the leaders (rank
 * `local_leader` of local_comm and rank `remote_leader` of `peer`, which only the local leader
 * uses) exchange their groups over peer's collective context with `tag` (>= 0). -EINVAL when
 * the groups overlap, else errors as kr_comm_create. */
int kr_comm_intercomm_create(struct kr_comm *local_comm, int local_leader, struct kr_comm *peer,
                             int remote_leader, int tag, struct kr_comm_ids *ids,
                             struct kr_comm **comm_out);

/* Collective over both groups of `inter` (comm_inter_split.c): MPI_Comm_split on it. Each group
 * splits by color (negative = none) and key, and a part is joined to the remote processes of
 * the same color; *comm_out is NULL for a negative color or when no remote process chose it. */
int kr_comm_inter_split(struct kr_comm *inter, struct kr_comm_ids *ids, int color, int key,
                        struct kr_comm **comm_out);

/* Collective over both groups of `inter`: MPI_Comm_create on it. `ranks` (`n` job ranks, the
 * same list in every member of a group) is this group's part; *comm_out joins it to the remote
 * group's part, or is NULL when this process is not in `ranks` or either part is empty. */
int kr_comm_inter_create(struct kr_comm *inter, struct kr_comm_ids *ids, const int *ranks, int n,
                         struct kr_comm **comm_out);

/* Collective over both groups of `inter`: an intracommunicator over their union, the group
 * that said `high` after the other one (when both say the same, the group whose first member
 * has the lower job rank comes first). */
int kr_comm_intercomm_merge(struct kr_comm *inter, bool high, struct kr_comm_ids *ids,
                            struct kr_comm **comm_out);

/* ---- groups (comm_group.c) ------------------------------------------------------------ */

#define KR_GROUP_MAGIC 0x4b524750U  /* "KRGP": a live group */
#define KR_GROUP_UNDEFINED (-32766) /* MPI_UNDEFINED: not a member */

/* An ordered set of job ranks, immutable once built. `refs` counts its holders (the user's
 * handle, and anything keeping it past MPI_Group_free); the last release frees it. */
struct kr_group {
    uint32_t magic;
    int refs;
    int size;
    uint32_t session; /* id of the MPI session of a pset's group (API layer); 0: none */
    int ranks[]; /* job rank of each member */
};

/* A group of the `n` job ranks `ranks` (copied; n may be 0). NULL when out of memory. */
struct kr_group *kr_group_create(const int *ranks, int n);
void kr_group_retain(struct kr_group *g);
void kr_group_release(struct kr_group *g);

/* The rank of job rank `job_rank` in `g`, or KR_GROUP_UNDEFINED. */
int kr_group_rank_of(const struct kr_group *g, int job_rank);

/* Members `ranks[0..n)` of `g` in that order (incl) / every member but those (excl), keeping
 * g's order. The caller has checked that the ranks are valid and distinct. */
struct kr_group *kr_group_incl(const struct kr_group *g, const int *ranks, int n);
struct kr_group *kr_group_excl(const struct kr_group *g, const int *ranks, int n);

/* Set operations in MPI's order: the union is a's members then b's that are not in a; the
 * intersection and the difference keep a's order. NULL when out of memory. */
struct kr_group *kr_group_union(const struct kr_group *a, const struct kr_group *b);
struct kr_group *kr_group_intersection(const struct kr_group *a, const struct kr_group *b);
struct kr_group *kr_group_difference(const struct kr_group *a, const struct kr_group *b);

/* The rank in `b` of each of a's ranks `in[0..n)` (valid ranks of a): KR_GROUP_UNDEFINED when
 * that process is not in b; a negative input (MPI_PROC_NULL) is copied through. Returns 0 or
 * -ENOMEM. */
int kr_group_translate(const struct kr_group *a, const int *in, int n, const struct kr_group *b,
                       int *out);

/* IDENT (same members, same order), SIMILAR (same members) or UNEQUAL. */
enum kr_comm_cmp kr_group_compare(const struct kr_group *a, const struct kr_group *b);

/* ---- process topologies (comm_topo.c) ------------------------------------------------- */

enum kr_topo_kind { KR_TOPO_CART = 1, KR_TOPO_GRAPH, KR_TOPO_DIST_GRAPH };

/*
 * A communicator's topology, immutable once built. Every kind lists this process's neighbours
 * in the order of MPI's neighbourhood collectives (kr_comm_neighbors): Cartesian, for each
 * dimension the -1 then the +1 neighbour (KR_PROC_NULL past a non-periodic edge), as sources
 * and destinations alike; graph, the node's edges as given; distributed graph, the in-edges as
 * sources and the out-edges as destinations, with weights when `weighted`.
 */
struct kr_comm_topo {
    enum kr_topo_kind kind;
    int ndims;                    /* Cartesian: dims[i] processes along dimension i, */
    int *dims, *periods, *coords; /* periodic or not, this process's coordinates */
    int nnodes, nedges;           /* graph: the whole graph as MPI_Graph_create took it */
    int *index, *edges;
    bool weighted; /* distributed graph: weights given */
    int indeg, outdeg;
    int *sources, *sweights; /* sweights/dweights NULL unless weighted */
    int *dests, *dweights;
};

/* Build a topology for the process of rank `rank` (NULL when out of memory). The caller has
 * checked the arguments: dims[i] >= 1 (Cartesian), rank < the product or nnodes. */
struct kr_comm_topo *kr_comm_topo_cart(int ndims, const int *dims, const int *periods, int rank);
struct kr_comm_topo *kr_comm_topo_graph(int nnodes, const int *index, const int *edges, int rank);
/* Distributed graph from this process's adjacency (weights NULL when unweighted). */
struct kr_comm_topo *kr_comm_topo_dist(int indeg, const int *sources, const int *sweights,
                                       int outdeg, const int *dests, const int *dweights,
                                       bool weighted);
struct kr_comm_topo *kr_comm_topo_dup(const struct kr_comm_topo *t);
void kr_comm_topo_free(struct kr_comm_topo *t);

/* Cartesian arithmetic (row-major: the last dimension varies fastest). cart_rank wraps
 * periodic coordinates and returns -EINVAL for one outside a non-periodic dimension. */
int kr_comm_cart_rank(const struct kr_comm_topo *t, const int *coords, int *rank_out);
void kr_comm_cart_coords(const struct kr_comm_topo *t, int rank, int *coords_out);
/* Ranks `disp` steps down (source) and up (dest) along `dim`, KR_PROC_NULL past a
 * non-periodic edge. */
void kr_comm_cart_shift(const struct kr_comm_topo *t, int rank, int dim, int disp, int *source_out,
                        int *dest_out);

/* MPI_Dims_create: fill the zero entries of dims[0..ndims) so that the product is `nnodes`,
 * as close to each other as possible, in non-increasing order. -EINVAL when the fixed entries
 * do not divide nnodes (or one is negative). */
int kr_comm_dims_create(int nnodes, int ndims, int *dims);

/* Collective over intracommunicator `comm`: new communicators with a topology. Cartesian and
 * graph keep comm's first (product of dims / nnodes) ranks in order (reordering is never
 * done); the others get NULL. */
int kr_comm_cart_create(struct kr_comm *comm, struct kr_comm_ids *ids, int ndims, const int *dims,
                        const int *periods, struct kr_comm **comm_out);
/* Keep the dimensions with remain[i] set: one communicator per combination of the others. */
int kr_comm_cart_sub(struct kr_comm *comm, struct kr_comm_ids *ids, const int *remain,
                     struct kr_comm **comm_out);
int kr_comm_graph_create(struct kr_comm *comm, struct kr_comm_ids *ids, int nnodes,
                         const int *index, const int *edges, struct kr_comm **comm_out);
/* A duplicate of `comm` with distributed-graph topology `t` (consumed, even on failure). */
int kr_comm_dist_graph_adjacent(struct kr_comm *comm, struct kr_comm_ids *ids,
                                struct kr_comm_topo *t, struct kr_comm **comm_out);
/* MPI_Dist_graph_create: this process names `n` sources, each with degrees[i] destinations
 * (weights NULL when unweighted); the members exchange edges so each learns its own. */
int kr_comm_dist_graph_create(struct kr_comm *comm, struct kr_comm_ids *ids, int n,
                              const int *sources, const int *degrees, const int *dests,
                              const int *weights, bool weighted, struct kr_comm **comm_out);

/* Neighbours of a communicator with a process topology (Cartesian, graph, distributed graph)
 * in the order MPI's neighbourhood collectives use: sources (receive from) and destinations
 * (send to), as communicator ranks, KR_PROC_NULL allowed (Cartesian edges). The arrays belong
 * to the communicator. Returns 0, or -EINVAL when it has no topology. */
int kr_comm_neighbors(const struct kr_comm *comm, int *indeg_out, const int **sources_out,
                      int *outdeg_out, const int **dests_out);

#endif /* KR_COMM_COMM_H */

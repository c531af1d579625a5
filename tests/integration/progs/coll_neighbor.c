/* coll_neighbor: neighbourhood collectives on a periodic 2-D Cartesian grid (dimensions of 1
 * or 2 processes make a rank its own or its only neighbour: what goes out towards -1 must
 * arrive on the receiver's +1 side), a non-periodic ring (MPI_PROC_NULL edges), and a
 * distributed graph with repeated edges (matched in list order). Allgather(v), alltoall(v,w),
 * blocking, nonblocking and persistent, one side with a derived type. */
#include "check.h"

#include <stdbool.h>

#define MAXDEG 8
#define B 3 /* ints per block */
#define UNTOUCHED (-5)

static int rank, np;

static int val(int src, int blk, int k)
{
    return src * 10000 + blk * 100 + k + 1;
}

struct nbr {
    MPI_Comm comm;
    bool cart;
    int indeg, outdeg, src[MAXDEG], dst[MAXDEG];
};

static void nbr_load(struct nbr *t)
{
    int status, weighted;

    MPI_Topo_test(t->comm, &status);
    t->cart = status == MPI_CART;
    if (t->cart) {
        int nd;

        MPI_Cartdim_get(t->comm, &nd);
        t->indeg = t->outdeg = 2 * nd;
        for (int d = 0; d < nd; d++) {
            MPI_Cart_shift(t->comm, d, 1, &t->src[2 * d], &t->src[2 * d + 1]);
            t->dst[2 * d] = t->src[2 * d];
            t->dst[2 * d + 1] = t->src[2 * d + 1];
        }
        return;
    }
    CHECK_MPI(MPI_Dist_graph_neighbors_count(t->comm, &t->indeg, &t->outdeg, &weighted));
    {
        int sw[MAXDEG], dw[MAXDEG];

        CHECK_MPI(MPI_Dist_graph_neighbors(t->comm, MAXDEG, t->src, sw, MAXDEG, t->dst, dw));
    }
}

/* The send block index that source slot i of this rank receives: the same index on a graph;
 * on a Cartesian grid the opposite direction of the same dimension. */
static int sent_as(const struct nbr *t, int i)
{
    return t->cart ? i ^ 1 : i;
}

/* For a graph, the k-th edge from s to me pairs with s's k-th edge to me. */
static int graph_blk(const struct nbr *t, int i)
{
    (void) t;
    return i;
}

static void check_recv(const struct nbr *t, const int *r, int per_slot, bool alltoall,
                       const char *what)
{
    for (int i = 0; i < t->indeg; i++) {
        int blk = alltoall ? (t->cart ? sent_as(t, i) : graph_blk(t, i)) : 0;

        for (int k = 0; k < per_slot; k++) {
            int want = t->src[i] == MPI_PROC_NULL ? UNTOUCHED : val(t->src[i], blk, k);

            CHECK(r[i * per_slot + k] == want, "%s: slot %d (from %d) int %d is %d, not %d",
                  what, i, t->src[i], k, r[i * per_slot + k], want);
        }
    }
}

static void reset(int *r, int n)
{
    for (int i = 0; i < n; i++) {
        r[i] = UNTOUCHED;
    }
}

static void run(struct nbr *t, MPI_Datatype pair)
{
    int s[MAXDEG * B], r[MAXDEG * B], sc[MAXDEG], sd[MAXDEG], rc[MAXDEG], rd[MAXDEG];
    int ps[MAXDEG * 4];
    MPI_Aint wsd[MAXDEG], wrd[MAXDEG];
    MPI_Datatype st[MAXDEG], rt[MAXDEG];
    MPI_Request req;

    for (int j = 0; j < MAXDEG; j++) {
        for (int k = 0; k < B; k++) {
            s[j * B + k] = val(rank, j, k);
        }
    }
    /* allgather: everyone gets block 0 */
    reset(r, MAXDEG * B);
    CHECK_MPI(MPI_Neighbor_allgather(s, B, MPI_INT, r, B, MPI_INT, t->comm));
    check_recv(t, r, B, false, "neighbor_allgather");
    reset(r, MAXDEG * B);
    CHECK_MPI(MPI_Ineighbor_allgather(s, B, MPI_INT, r, B, MPI_INT, t->comm, &req));
    CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
    check_recv(t, r, B, false, "ineighbor_allgather");
    /* allgatherv into reversed slots */
    for (int i = 0; i < t->indeg; i++) {
        rc[i] = B;
        rd[i] = (t->indeg - 1 - i) * B;
    }
    reset(r, MAXDEG * B);
    CHECK_MPI(MPI_Neighbor_allgatherv(s, B, MPI_INT, r, rc, rd, MPI_INT, t->comm));
    for (int i = 0; i < t->indeg; i++) {
        int want = t->src[i] == MPI_PROC_NULL ? UNTOUCHED : val(t->src[i], 0, 0);

        CHECK(r[rd[i]] == want, "neighbor_allgatherv slot %d", i);
    }
    /* alltoall: block j to destination j */
    reset(r, MAXDEG * B);
    CHECK_MPI(MPI_Neighbor_alltoall(s, B, MPI_INT, r, B, MPI_INT, t->comm));
    check_recv(t, r, B, true, "neighbor_alltoall");
    /* alltoallv: same blocks, receive side through the persistent form */
    for (int j = 0; j < MAXDEG; j++) {
        sc[j] = rc[j] = B;
        sd[j] = rd[j] = j * B;
    }
    CHECK_MPI(MPI_Neighbor_alltoallv_init(s, sc, sd, MPI_INT, r, rc, rd, MPI_INT, t->comm,
                                          MPI_INFO_NULL, &req));
    for (int it = 0; it < 3; it++) {
        reset(r, MAXDEG * B);
        CHECK_MPI(MPI_Start(&req));
        CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
        check_recv(t, r, B, true, "neighbor_alltoallv_init");
    }
    CHECK_MPI(MPI_Request_free(&req));
    /* alltoallw: sent as B ints, received as pairs of a holed type (ints 0 and 2 of 4) */
    for (int j = 0; j < MAXDEG; j++) {
        sc[j] = 2;
        wsd[j] = (MPI_Aint) (j * B) * (MPI_Aint) sizeof(int);
        st[j] = MPI_INT;
        rc[j] = 1;
        wrd[j] = (MPI_Aint) (j * 4) * (MPI_Aint) sizeof(int);
        rt[j] = pair;
    }
    reset(ps, MAXDEG * 4);
    CHECK_MPI(MPI_Ineighbor_alltoallw(s, sc, wsd, st, ps, rc, wrd, rt, t->comm, &req));
    CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
    for (int i = 0; i < t->indeg; i++) {
        bool none = t->src[i] == MPI_PROC_NULL;
        int blk = sent_as(t, i);

        CHECK(ps[4 * i] == (none ? UNTOUCHED : val(t->src[i], blk, 0))
                  && ps[4 * i + 2] == (none ? UNTOUCHED : val(t->src[i], blk, 1))
                  && ps[4 * i + 1] == UNTOUCHED && ps[4 * i + 3] == UNTOUCHED,
              "neighbor_alltoallw slot %d (from %d): %d %d %d %d", i, t->src[i], ps[4 * i],
              ps[4 * i + 1], ps[4 * i + 2], ps[4 * i + 3]);
    }
}

int main(int argc, char **argv)
{
    int dims[2] = { 0, 0 }, periods[2] = { 1, 1 }, ring_p = 0;
    int src[3], dst[3], w[3] = { 1, 1, 1 };
    struct nbr cart = { 0 }, ring = { 0 }, graph = { 0 };
    MPI_Datatype v, pair;

    MPI_Init(&argc, &argv);
    check_init("coll_neighbor");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    CHECK_MPI(MPI_Type_vector(2, 1, 2, MPI_INT, &v));
    CHECK_MPI(MPI_Type_create_resized(v, 0, 4 * sizeof(int), &pair));
    CHECK_MPI(MPI_Type_commit(&pair));
    CHECK_MPI(MPI_Type_free(&v));

    CHECK_MPI(MPI_Dims_create(np, 2, dims));
    CHECK_MPI(MPI_Cart_create(MPI_COMM_WORLD, 2, dims, periods, 0, &cart.comm));
    nbr_load(&cart);
    run(&cart, pair);

    CHECK_MPI(MPI_Cart_create(MPI_COMM_WORLD, 1, &np, &ring_p, 0, &ring.comm));
    nbr_load(&ring);
    run(&ring, pair);

    /* edges +1, +2, -1: a rank's sources are r-1, r-2, r+1 in that order */
    for (int i = 0; i < 3; i++) {
        static const int d[3] = { 1, 2, -1 };

        dst[i] = ((rank + d[i]) % np + np) % np;
        src[i] = ((rank - d[i]) % np + np) % np;
    }
    CHECK_MPI(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 3, src, w, 3, dst, w, MPI_INFO_NULL,
                                             0, &graph.comm));
    nbr_load(&graph);
    run(&graph, pair);

    CHECK_MPI(MPI_Comm_free(&cart.comm));
    CHECK_MPI(MPI_Comm_free(&ring.comm));
    CHECK_MPI(MPI_Comm_free(&graph.comm));
    CHECK_MPI(MPI_Type_free(&pair));
    MPI_Finalize();
    return 0;
}

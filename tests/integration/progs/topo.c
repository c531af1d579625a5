/* topo: process topologies. A 2-D Cartesian grid from MPI_Dims_create (periodic in one
 * dimension): MPI_Cart_get, Cartdim_get, rank/coords both ways, shifts checked by sending along
 * them, MPI_Cart_sub into rows and columns, MPI_Cart_map, a grid smaller than the job, and a
 * duplicate that keeps the topology; a ring as an MPI_Graph_create graph (get, dims,
 * neighbours, map); distributed graphs from MPI_Dist_graph_create_adjacent (weighted ring) and
 * MPI_Dist_graph_create (edges named by other processes), their neighbours and weights; and
 * MPI_Topo_test for each kind. */
#include "check.h"

static int rank, np;
static int *volatile unweighted = MPI_UNWEIGHTED;

/* Send our rank along (source -> us -> dest) of a shift and check what arrives. */
static void check_shift_traffic(MPI_Comm cart, int dim, int disp)
{
    int src = -9, dst = -9, me, in = -1, out;
    MPI_Status st;

    CHECK_MPI(MPI_Cart_shift(cart, dim, disp, &src, &dst));
    CHECK_MPI(MPI_Comm_rank(cart, &me));
    out = me;
    CHECK_MPI(
        MPI_Sendrecv(&out, 1, MPI_INT, dst, 60 + dim, &in, 1, MPI_INT, src, 60 + dim, cart, &st));
    if (src == MPI_PROC_NULL) {
        CHECK(st.MPI_SOURCE == MPI_PROC_NULL && in == -1, "shift %d/%d: got %d from PROC_NULL", dim,
              disp, in);
    } else {
        CHECK(in == src && st.MPI_SOURCE == src, "shift %d/%d: got %d from %d, want source %d", dim,
              disp, in, st.MPI_SOURCE, src);
    }
}

static void test_cart(void)
{
    int dims[2] = {0, 0}, periods[2] = {1, 0}, gd[2], gp[2], gc[2], coords[2];
    int ndims = -1, r = -1, status = -1, src, dst, me, size, newrank;
    MPI_Comm cart, rows, cols, dup;

    CHECK_MPI(MPI_Dims_create(np, 2, dims));
    CHECK(dims[0] * dims[1] == np && dims[0] >= dims[1], "Dims_create(%d, 2) = %d x %d", np,
          dims[0], dims[1]);
    CHECK_MPI(MPI_Cart_create(MPI_COMM_WORLD, 2, dims, periods, 1, &cart));
    CHECK_MPI(MPI_Topo_test(cart, &status));
    CHECK(status == MPI_CART, "Topo_test(cart) = %d", status);
    CHECK_MPI(MPI_Cartdim_get(cart, &ndims));
    CHECK(ndims == 2, "Cartdim_get = %d", ndims);
    CHECK_MPI(MPI_Comm_rank(cart, &me));
    CHECK(me == rank, "no reordering: cart rank %d, world rank %d", me, rank);
    CHECK_MPI(MPI_Cart_get(cart, 2, gd, gp, gc));
    CHECK(gd[0] == dims[0] && gd[1] == dims[1] && gp[0] == 1 && gp[1] == 0,
          "Cart_get: dims %d x %d periods %d %d", gd[0], gd[1], gp[0], gp[1]);
    CHECK(gc[0] == rank / dims[1] && gc[1] == rank % dims[1], "Cart_get: coords %d %d", gc[0],
          gc[1]);
    for (int i = 0; i < np; i++) {
        CHECK_MPI(MPI_Cart_coords(cart, i, 2, coords));
        CHECK_MPI(MPI_Cart_rank(cart, coords, &r));
        CHECK(r == i, "Cart_rank(Cart_coords(%d)) = %d", i, r);
    }
    /* the periodic dimension wraps in Cart_rank */
    coords[0] = gc[0] + dims[0];
    coords[1] = gc[1];
    CHECK_MPI(MPI_Cart_rank(cart, coords, &r));
    CHECK(r == rank, "Cart_rank with a wrapped coordinate: %d", r);
    /* shifts: periodic dimension 0 wraps, dimension 1 ends in MPI_PROC_NULL */
    CHECK_MPI(MPI_Cart_shift(cart, 0, 1, &src, &dst));
    CHECK(src == ((gc[0] + dims[0] - 1) % dims[0]) * dims[1] + gc[1]
              && dst == ((gc[0] + 1) % dims[0]) * dims[1] + gc[1],
          "shift(0, 1): %d %d", src, dst);
    CHECK_MPI(MPI_Cart_shift(cart, 1, 1, &src, &dst));
    CHECK(src == (gc[1] == 0 ? MPI_PROC_NULL : rank - 1)
              && dst == (gc[1] == dims[1] - 1 ? MPI_PROC_NULL : rank + 1),
          "shift(1, 1): %d %d", src, dst);
    check_shift_traffic(cart, 0, 1);
    check_shift_traffic(cart, 0, -2);
    check_shift_traffic(cart, 1, 1);
    check_shift_traffic(cart, 1, -1);

    /* rows keep dimension 1, columns dimension 0 */
    CHECK_MPI(MPI_Cart_sub(cart, (const int[]){0, 1}, &rows));
    CHECK_MPI(MPI_Comm_size(rows, &size));
    CHECK_MPI(MPI_Comm_rank(rows, &me));
    CHECK(size == dims[1] && me == gc[1], "row: size %d rank %d", size, me);
    CHECK_MPI(MPI_Cart_get(rows, 1, gd, gp, gc + 1));
    CHECK(gd[0] == dims[1] && gp[0] == 0, "row: dims %d periods %d", gd[0], gp[0]);
    CHECK_MPI(MPI_Cart_sub(cart, (const int[]){1, 0}, &cols));
    CHECK_MPI(MPI_Comm_size(cols, &size));
    CHECK(size == dims[0], "column: size %d", size);
    check_shift_traffic(cols, 0, 1);
    CHECK_MPI(MPI_Comm_free(&cols));
    CHECK_MPI(MPI_Comm_free(&rows));
    CHECK_MPI(MPI_Cart_sub(cart, (const int[]){0, 0}, &rows));
    CHECK_MPI(MPI_Comm_size(rows, &size));
    CHECK_MPI(MPI_Cartdim_get(rows, &ndims));
    CHECK(size == 1 && ndims == 0, "sub with nothing kept: size %d ndims %d", size, ndims);
    CHECK_MPI(MPI_Comm_free(&rows));

    /* a duplicate keeps the topology */
    CHECK_MPI(MPI_Comm_dup(cart, &dup));
    CHECK_MPI(MPI_Topo_test(dup, &status));
    CHECK_MPI(MPI_Cart_coords(dup, rank, 2, coords));
    CHECK(status == MPI_CART && coords[0] == rank / dims[1], "dup of a grid: %d", status);
    CHECK_MPI(MPI_Comm_free(&dup));
    CHECK_MPI(MPI_Comm_free(&cart));

    /* a grid of np - 1 processes: the last one is left out */
    dims[0] = np - 1 > 0 ? np - 1 : 1;
    CHECK_MPI(MPI_Cart_map(MPI_COMM_WORLD, 1, dims, periods, &newrank));
    CHECK(newrank == (rank < dims[0] ? rank : MPI_UNDEFINED), "Cart_map: %d", newrank);
    CHECK_MPI(MPI_Cart_create(MPI_COMM_WORLD, 1, dims, periods, 0, &cart));
    CHECK((rank < dims[0]) == (cart != MPI_COMM_NULL), "grid of %d: rank %d", dims[0], rank);
    if (cart != MPI_COMM_NULL) {
        check_shift_traffic(cart, 0, 1);
        CHECK_MPI(MPI_Comm_free(&cart));
    }
    CHECK_MPI(MPI_Topo_test(MPI_COMM_WORLD, &status));
    CHECK(status == MPI_UNDEFINED, "Topo_test(world) = %d", status);
}

static void test_graph(void)
{
    int *index = malloc(sizeof(int) * (size_t) np), *edges = malloc(sizeof(int) * 2 * (size_t) np);
    int nnodes = -1, nedges = -1, n = -1, nb[2], status, newrank, gi[64], ge[128], want[2];
    MPI_Comm g;

    CHECK(index != NULL && edges != NULL, "out of memory");
    /* a ring: node i's neighbours are i - 1 and i + 1 */
    for (int i = 0; i < np; i++) {
        index[i] = 2 * (i + 1);
        edges[2 * i] = (i + np - 1) % np;
        edges[2 * i + 1] = (i + 1) % np;
    }
    CHECK_MPI(MPI_Graph_create(MPI_COMM_WORLD, np, index, edges, 0, &g));
    CHECK_MPI(MPI_Topo_test(g, &status));
    CHECK(status == MPI_GRAPH, "Topo_test(graph) = %d", status);
    CHECK_MPI(MPI_Graphdims_get(g, &nnodes, &nedges));
    CHECK(nnodes == np && nedges == 2 * np, "Graphdims_get: %d nodes %d edges", nnodes, nedges);
    if (np <= 64) {
        CHECK_MPI(MPI_Graph_get(g, np, 2 * np, gi, ge));
        for (int i = 0; i < np; i++) {
            CHECK(gi[i] == index[i] && ge[2 * i] == edges[2 * i]
                      && ge[2 * i + 1] == edges[2 * i + 1],
                  "Graph_get differs at node %d", i);
        }
    }
    for (int i = 0; i < np; i++) {
        CHECK_MPI(MPI_Graph_neighbors_count(g, i, &n));
        CHECK(n == 2, "node %d has %d neighbours", i, n);
        CHECK_MPI(MPI_Graph_neighbors(g, i, 2, nb));
        want[0] = (i + np - 1) % np;
        want[1] = (i + 1) % np;
        CHECK(nb[0] == want[0] && nb[1] == want[1], "node %d: neighbours %d %d", i, nb[0], nb[1]);
    }
    CHECK_MPI(MPI_Graph_map(MPI_COMM_WORLD, np, index, edges, &newrank));
    CHECK(newrank == rank, "Graph_map: %d", newrank);
    CHECK_MPI(MPI_Comm_free(&g));
    /* a graph of one node: the others get MPI_COMM_NULL */
    index[0] = 0;
    CHECK_MPI(MPI_Graph_create(MPI_COMM_WORLD, 1, index, edges, 0, &g));
    CHECK((rank == 0) == (g != MPI_COMM_NULL), "one-node graph on rank %d", rank);
    if (g != MPI_COMM_NULL) {
        CHECK_MPI(MPI_Graphdims_get(g, &nnodes, &nedges));
        CHECK(nnodes == 1 && nedges == 0, "one-node graph: %d %d", nnodes, nedges);
        CHECK_MPI(MPI_Comm_free(&g));
    }
    free(index);
    free(edges);
}

static void test_dist_adjacent(void)
{
    int left = (rank + np - 1) % np, right = (rank + 1) % np;
    int src[1] = {left}, sw[1] = {10 * left + rank}, dst[1] = {right};
    int dw[1] = {10 * rank + right}, indeg = -1, outdeg = -1, weighted = -1, status;
    int gs[1], gsw[1], gd[1], gdw[1];
    MPI_Comm d;

    CHECK_MPI(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 1, src, sw, 1, dst, dw, MPI_INFO_NULL,
                                             0, &d));
    CHECK_MPI(MPI_Topo_test(d, &status));
    CHECK(status == MPI_DIST_GRAPH, "Topo_test(dist graph) = %d", status);
    CHECK_MPI(MPI_Dist_graph_neighbors_count(d, &indeg, &outdeg, &weighted));
    CHECK(indeg == 1 && outdeg == 1 && weighted, "adjacent: degrees %d %d weighted %d", indeg,
          outdeg, weighted);
    CHECK_MPI(MPI_Dist_graph_neighbors(d, 1, gs, gsw, 1, gd, gdw));
    CHECK(gs[0] == left && gsw[0] == sw[0] && gd[0] == right && gdw[0] == dw[0],
          "adjacent: %d(%d) -> me -> %d(%d)", gs[0], gsw[0], gd[0], gdw[0]);
    CHECK_MPI(MPI_Comm_free(&d));
    /* unweighted, and no edges at all on odd ranks (through a volatile pointer: GCC warns
     * about reading the array at the constant MPI_UNWEIGHTED, which nothing reads) */
    CHECK_MPI(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, rank % 2 == 0 ? 1 : 0, src, unweighted,
                                             rank % 2 == 0 ? 1 : 0, dst, unweighted, MPI_INFO_NULL,
                                             0, &d));
    CHECK_MPI(MPI_Dist_graph_neighbors_count(d, &indeg, &outdeg, &weighted));
    CHECK(indeg == (rank % 2 == 0) && !weighted, "unweighted: indegree %d weighted %d", indeg,
          weighted);
    CHECK_MPI(MPI_Comm_free(&d));
}

/* Edges named by others: each rank names its ring edge rank -> rank + 1 (weight rank), and
 * rank 0 also names every edge i -> 0 for i > 0 (weight 100 + i). */
static void test_dist_create(void)
{
    int *sources = malloc(sizeof(int) * (size_t) np), *degrees = malloc(sizeof(int) * (size_t) np);
    int *dests = malloc(sizeof(int) * (size_t) np), *w = malloc(sizeof(int) * (size_t) np);
    int n = 0, indeg = -1, outdeg = -1, weighted = -1, *in, *inw, *out, *outw;
    int want_in, want_out, seen_ring = 0, seen_star = 0;
    MPI_Comm d;
    MPI_Info info;

    CHECK(sources != NULL && degrees != NULL && dests != NULL && w != NULL, "out of memory");
    sources[n] = rank;
    degrees[n] = 1;
    dests[n] = (rank + 1) % np;
    w[n++] = rank;
    for (int i = 1; rank == 0 && i < np; i++) {
        sources[n] = i;
        degrees[n] = 1;
        dests[n] = 0;
        w[n++] = 100 + i;
    }
    CHECK_MPI(MPI_Info_create(&info));
    CHECK_MPI(MPI_Info_set(info, "mpi_no_reorder", "true"));
    CHECK_MPI(MPI_Dist_graph_create(MPI_COMM_WORLD, n, sources, degrees, dests, w, info, 0, &d));
    CHECK_MPI(MPI_Info_free(&info));
    CHECK_MPI(MPI_Dist_graph_neighbors_count(d, &indeg, &outdeg, &weighted));
    want_in = 1 + (rank == 0 ? np - 1 : 0);
    want_out = 1 + (rank > 0 ? 1 : 0);
    CHECK(indeg == want_in && outdeg == want_out && weighted,
          "create: degrees %d %d (want %d %d) weighted %d", indeg, outdeg, want_in, want_out,
          weighted);
    in = malloc(sizeof(int) * (size_t) indeg);
    inw = malloc(sizeof(int) * (size_t) indeg);
    out = malloc(sizeof(int) * (size_t) outdeg);
    outw = malloc(sizeof(int) * (size_t) outdeg);
    CHECK(in != NULL && inw != NULL && out != NULL && outw != NULL, "out of memory");
    CHECK_MPI(MPI_Dist_graph_neighbors(d, indeg, in, inw, outdeg, out, outw));
    /* the order of neighbours is the implementation's: check them as sets */
    for (int i = 0; i < indeg; i++) {
        if (in[i] == (rank + np - 1) % np && inw[i] == (rank + np - 1) % np && !seen_ring) {
            seen_ring = 1;
        } else {
            CHECK(rank == 0 && in[i] > 0 && inw[i] == 100 + in[i],
                  "create: in-edge from %d "
                  "weight %d",
                  in[i], inw[i]);
            seen_star++;
        }
    }
    CHECK(seen_ring && seen_star == want_in - 1, "create: in-edges ring %d star %d", seen_ring,
          seen_star);
    for (int i = 0; i < outdeg; i++) {
        CHECK((out[i] == (rank + 1) % np && outw[i] == rank)
                  || (out[i] == 0 && outw[i] == 100 + rank),
              "create: out-edge to %d weight %d", out[i], outw[i]);
    }
    CHECK_MPI(MPI_Comm_free(&d));
    free(in);
    free(inw);
    free(out);
    free(outw);
    free(sources);
    free(degrees);
    free(dests);
    free(w);
}

int main(int argc, char **argv)
{
    CHECK_MPI(MPI_Init(&argc, &argv));
    check_init("topo");
    CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &np));
    test_cart();
    test_graph();
    test_dist_adjacent();
    test_dist_create();
    CHECK_MPI(MPI_Finalize());
    return 0;
}

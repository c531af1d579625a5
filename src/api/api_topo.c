/* Process topology entry points: MPI_Dims_create; Cartesian (MPI_Cart_create, get, rank,
 * coords, shift, sub, map, MPI_Cartdim_get), graph (MPI_Graph_create, get, neighbors,
 * neighbors_count, map, MPI_Graphdims_get) and distributed graph topologies
 * (MPI_Dist_graph_create, create_adjacent, neighbors, neighbors_count); MPI_Topo_test.
 * Reordering is never done (reorder is accepted and ignored). */
#include "config.h"

#include "api.h"

#include "api_comm_int.h"

#include <errno.h>

/* A communicator and its topology, which must be of `kind` (0: any, and none is fine). */
static int topo_args(const char *call, MPI_Comm h, enum kr_topo_kind kind,
                     struct kr_comm **comm_out, const struct kr_comm_topo **topo_out)
{
    static const char *const names[] = {"a process", "a Cartesian", "a graph",
                                        "a distributed graph"};
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_comm(call, h, comm_out);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    *topo_out = (*comm_out)->topo;
    if (kind != 0 && (*topo_out == NULL || (*topo_out)->kind != kind)) {
        return kr_api_error(*comm_out, MPI_ERR_TOPOLOGY,
                            "%s: the communicator has no %s "
                            "topology",
                            call, names[kind]);
    }
    return MPI_SUCCESS;
}

/* An output (or input) array that may be NULL only when it holds nothing. */
static int topo_check_array(const char *call, struct kr_comm *comm, const void *p, int n,
                            const char *what)
{
    if (p == NULL && n > 0) {
        return kr_api_error(comm, MPI_ERR_ARG, "%s: %s is NULL", call, what);
    }
    return MPI_SUCCESS;
}

/* Copy up to `max` of the `n` entries of `v` (neighbours, dimensions) to `out`, and with them
 * their weights when `w` has some and the caller wants them (w_out not NULL or unweighted). */
static void topo_copy(int n, int max, const int *v, const int *w, int *out, int *w_out)
{
    for (int i = 0; i < n && i < max; i++) {
        out[i] = v[i];
        if (w != NULL && w_out != MPI_UNWEIGHTED && w_out != NULL) {
            w_out[i] = w[i];
        }
    }
}

/* ---- Cartesian ---------------------------------------------------------------------------- */

KR_WEAK_ALIAS(Dims_create)
int PMPI_Dims_create(int nnodes, int ndims, int dims[])
{
    int ret;

    kr_api_check_running("MPI_Dims_create");
    if (ndims < 0 || (ndims > 0 && dims == NULL)) {
        return kr_api_error(NULL, MPI_ERR_DIMS, "MPI_Dims_create: %s",
                            ndims < 0 ? "ndims is negative" : "dims is NULL");
    }
    ret = kr_comm_dims_create(nnodes, ndims, dims);
    if (ret == -EINVAL) {
        return kr_api_error(NULL, MPI_ERR_DIMS,
                            "MPI_Dims_create: cannot split %d processes "
                            "into %d dimensions with the dimensions given (a negative one, or "
                            "fixed ones whose product does not divide it)",
                            nnodes, ndims);
    }
    return ret == 0 ? MPI_SUCCESS : kr_api_fail(NULL, "MPI_Dims_create", ret);
}

/* ndims dimensions of dims[i] >= 1 processes, at most `size` in all. */
static int topo_check_dims(const char *call, struct kr_comm *comm, int ndims, const int dims[],
                           const int periods[])
{
    long long n = 1;
    int ret;

    if (ndims < 0) {
        return kr_api_error(comm, MPI_ERR_DIMS, "%s: ndims %d is negative", call, ndims);
    }
    ret = topo_check_array(call, comm, dims, ndims, "dims");
    if (ret == MPI_SUCCESS) {
        ret = topo_check_array(call, comm, periods, ndims, "periods");
    }
    for (int i = 0; ret == MPI_SUCCESS && i < ndims; i++) {
        if (dims[i] < 1) {
            ret = kr_api_error(comm, MPI_ERR_DIMS, "%s: dims[%d] = %d is not positive", call, i,
                               dims[i]);
        } else if ((n *= dims[i]) > comm->size) {
            ret = kr_api_error(comm, MPI_ERR_TOPOLOGY,
                               "%s: the grid has more processes than "
                               "the communicator (%d)",
                               call, comm->size);
        }
    }
    return ret;
}

KR_WEAK_ALIAS(Cart_create)
int PMPI_Cart_create(MPI_Comm comm_old, int ndims, const int dims[], const int periods[],
                     int reorder, MPI_Comm *comm_cart)
{
    struct kr_comm *comm, *c = NULL;
    int ret;

    (void) reorder;
    kr_api_check_running("MPI_Cart_create");
    ret = kr_api_check_intra("MPI_Cart_create", comm_old, &comm);
    if (ret == MPI_SUCCESS) {
        ret = topo_check_dims("MPI_Cart_create", comm, ndims, dims, periods);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Cart_create", comm_cart, "comm_cart");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_comm_cart_create(comm, &kr_api.ids, ndims, dims, periods, &c);
    return kr_api_comm_created("MPI_Cart_create", comm, ret, c, NULL, comm_cart);
}

KR_WEAK_ALIAS(Cartdim_get)
int PMPI_Cartdim_get(MPI_Comm h, int *ndims)
{
    const struct kr_comm_topo *t;
    struct kr_comm *comm;
    int ret = topo_args("MPI_Cartdim_get", h, KR_TOPO_CART, &comm, &t);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Cartdim_get", ndims, "ndims");
    }
    if (ret == MPI_SUCCESS) {
        *ndims = t->ndims;
    }
    return ret;
}

KR_WEAK_ALIAS(Cart_get)
int PMPI_Cart_get(MPI_Comm h, int maxdims, int dims[], int periods[], int coords[])
{
    const struct kr_comm_topo *t;
    struct kr_comm *comm;
    int ret = topo_args("MPI_Cart_get", h, KR_TOPO_CART, &comm, &t), n;

    if (ret == MPI_SUCCESS && maxdims < 0) {
        ret = kr_api_error(comm, MPI_ERR_ARG, "MPI_Cart_get: maxdims %d is negative", maxdims);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    n = maxdims < t->ndims ? maxdims : t->ndims;
    ret = topo_check_array("MPI_Cart_get", comm, dims, n, "dims");
    if (ret == MPI_SUCCESS) {
        ret = topo_check_array("MPI_Cart_get", comm, periods, n, "periods");
    }
    if (ret == MPI_SUCCESS) {
        ret = topo_check_array("MPI_Cart_get", comm, coords, n, "coords");
    }
    if (ret == MPI_SUCCESS) {
        topo_copy(n, n, t->dims, NULL, dims, NULL);
        topo_copy(n, n, t->periods, NULL, periods, NULL);
        topo_copy(n, n, t->coords, NULL, coords, NULL);
    }
    return ret;
}

KR_WEAK_ALIAS(Cart_rank)
int PMPI_Cart_rank(MPI_Comm h, const int coords[], int *rank)
{
    const struct kr_comm_topo *t;
    struct kr_comm *comm;
    int ret = topo_args("MPI_Cart_rank", h, KR_TOPO_CART, &comm, &t);

    if (ret == MPI_SUCCESS) {
        ret = topo_check_array("MPI_Cart_rank", comm, coords, t->ndims, "coords");
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Cart_rank", rank, "rank");
    }
    if (ret == MPI_SUCCESS && kr_comm_cart_rank(t, coords, rank) != 0) {
        ret = kr_api_error(comm, MPI_ERR_ARG,
                           "MPI_Cart_rank: a coordinate is outside its "
                           "non-periodic dimension");
    }
    return ret;
}

KR_WEAK_ALIAS(Cart_coords)
int PMPI_Cart_coords(MPI_Comm h, int rank, int maxdims, int coords[])
{
    const struct kr_comm_topo *t;
    struct kr_comm *comm;
    int ret = topo_args("MPI_Cart_coords", h, KR_TOPO_CART, &comm, &t);

    if (ret == MPI_SUCCESS && (rank < 0 || rank >= comm->size)) {
        ret = kr_api_error(comm, MPI_ERR_RANK, "MPI_Cart_coords: rank %d is not in 0..%d", rank,
                           comm->size - 1);
    }
    if (ret == MPI_SUCCESS && maxdims < t->ndims) {
        ret = kr_api_error(comm, MPI_ERR_ARG,
                           "MPI_Cart_coords: maxdims %d is less than the %d "
                           "dimensions",
                           maxdims, t->ndims);
    }
    if (ret == MPI_SUCCESS) {
        ret = topo_check_array("MPI_Cart_coords", comm, coords, t->ndims, "coords");
    }
    if (ret == MPI_SUCCESS) {
        kr_comm_cart_coords(t, rank, coords);
    }
    return ret;
}

KR_WEAK_ALIAS(Cart_shift)
int PMPI_Cart_shift(MPI_Comm h, int direction, int disp, int *rank_source, int *rank_dest)
{
    const struct kr_comm_topo *t;
    struct kr_comm *comm;
    int ret = topo_args("MPI_Cart_shift", h, KR_TOPO_CART, &comm, &t);

    if (ret == MPI_SUCCESS && (direction < 0 || direction >= t->ndims)) {
        ret = kr_api_error(comm, MPI_ERR_ARG, "MPI_Cart_shift: direction %d is not in 0..%d",
                           direction, t->ndims - 1);
    }
    if (ret == MPI_SUCCESS && (rank_source == NULL || rank_dest == NULL)) {
        ret = kr_api_error(comm, MPI_ERR_ARG, "MPI_Cart_shift: %s is NULL",
                           rank_source == NULL ? "rank_source" : "rank_dest");
    }
    if (ret == MPI_SUCCESS) {
        kr_comm_cart_shift(t, comm->rank, direction, disp, rank_source, rank_dest);
    }
    return ret;
}

KR_WEAK_ALIAS(Cart_sub)
int PMPI_Cart_sub(MPI_Comm h, const int remain_dims[], MPI_Comm *newcomm)
{
    const struct kr_comm_topo *t;
    struct kr_comm *comm, *c = NULL;
    int ret = topo_args("MPI_Cart_sub", h, KR_TOPO_CART, &comm, &t);

    if (ret == MPI_SUCCESS) {
        ret = topo_check_array("MPI_Cart_sub", comm, remain_dims, t->ndims, "remain_dims");
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Cart_sub", newcomm, "newcomm");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_comm_cart_sub(comm, &kr_api.ids, remain_dims, &c);
    return kr_api_comm_created("MPI_Cart_sub", comm, ret, c, NULL, newcomm);
}

KR_WEAK_ALIAS(Cart_map)
int PMPI_Cart_map(MPI_Comm h, int ndims, const int dims[], const int periods[], int *newrank)
{
    struct kr_comm *comm;
    int ret, n = 1;

    kr_api_check_running("MPI_Cart_map");
    ret = kr_api_check_intra("MPI_Cart_map", h, &comm);
    if (ret == MPI_SUCCESS) {
        ret = topo_check_dims("MPI_Cart_map", comm, ndims, dims, periods);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Cart_map", newrank, "newrank");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    for (int i = 0; i < ndims; i++) {
        n *= dims[i];
    }
    /* no reordering: the first processes of the grid keep their ranks */
    *newrank = comm->rank < n ? comm->rank : MPI_UNDEFINED;
    return MPI_SUCCESS;
}

/* ---- graphs --------------------------------------------------------------------------------- */

/* nnodes (at most size) nodes, index non-decreasing, every edge a node. */
static int topo_check_graph(const char *call, struct kr_comm *comm, int nnodes, const int index[],
                            const int edges[])
{
    int ret = MPI_SUCCESS, nedges;

    if (nnodes < 0 || nnodes > comm->size) {
        return kr_api_error(comm, nnodes < 0 ? MPI_ERR_ARG : MPI_ERR_TOPOLOGY,
                            "%s: nnodes %d is not in 0..%d (the communicator size)", call, nnodes,
                            comm->size);
    }
    ret = topo_check_array(call, comm, index, nnodes, "index");
    for (int i = 0; ret == MPI_SUCCESS && i < nnodes; i++) {
        if (index[i] < (i > 0 ? index[i - 1] : 0)) {
            ret = kr_api_error(comm, MPI_ERR_ARG,
                               "%s: index[%d] = %d is less than the one "
                               "before it (or negative)",
                               call, i, index[i]);
        }
    }
    nedges = nnodes > 0 && ret == MPI_SUCCESS ? index[nnodes - 1] : 0;
    if (ret == MPI_SUCCESS) {
        ret = topo_check_array(call, comm, edges, nedges, "edges");
    }
    for (int i = 0; ret == MPI_SUCCESS && i < nedges; i++) {
        if (edges[i] < 0 || edges[i] >= nnodes) {
            ret = kr_api_error(comm, MPI_ERR_ARG, "%s: edges[%d] = %d is not a node (0..%d)", call,
                               i, edges[i], nnodes - 1);
        }
    }
    return ret;
}

KR_WEAK_ALIAS(Graph_create)
int PMPI_Graph_create(MPI_Comm comm_old, int nnodes, const int index[], const int edges[],
                      int reorder, MPI_Comm *comm_graph)
{
    struct kr_comm *comm, *c = NULL;
    int ret;

    (void) reorder;
    kr_api_check_running("MPI_Graph_create");
    ret = kr_api_check_intra("MPI_Graph_create", comm_old, &comm);
    if (ret == MPI_SUCCESS) {
        ret = topo_check_graph("MPI_Graph_create", comm, nnodes, index, edges);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Graph_create", comm_graph, "comm_graph");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_comm_graph_create(comm, &kr_api.ids, nnodes, index, edges, &c);
    return kr_api_comm_created("MPI_Graph_create", comm, ret, c, NULL, comm_graph);
}

KR_WEAK_ALIAS(Graphdims_get)
int PMPI_Graphdims_get(MPI_Comm h, int *nnodes, int *nedges)
{
    const struct kr_comm_topo *t;
    struct kr_comm *comm;
    int ret = topo_args("MPI_Graphdims_get", h, KR_TOPO_GRAPH, &comm, &t);

    if (ret == MPI_SUCCESS && (nnodes == NULL || nedges == NULL)) {
        ret = kr_api_error(comm, MPI_ERR_ARG, "MPI_Graphdims_get: %s is NULL",
                           nnodes == NULL ? "nnodes" : "nedges");
    }
    if (ret == MPI_SUCCESS) {
        *nnodes = t->nnodes;
        *nedges = t->nedges;
    }
    return ret;
}

KR_WEAK_ALIAS(Graph_get)
int PMPI_Graph_get(MPI_Comm h, int maxindex, int maxedges, int index[], int edges[])
{
    const struct kr_comm_topo *t;
    struct kr_comm *comm;
    int ret = topo_args("MPI_Graph_get", h, KR_TOPO_GRAPH, &comm, &t);

    if (ret == MPI_SUCCESS && (maxindex < 0 || maxedges < 0)) {
        ret = kr_api_error(comm, MPI_ERR_ARG, "MPI_Graph_get: maxindex or maxedges is negative");
    }
    if (ret == MPI_SUCCESS) {
        ret = topo_check_array("MPI_Graph_get", comm, index, maxindex, "index");
    }
    if (ret == MPI_SUCCESS) {
        ret = topo_check_array("MPI_Graph_get", comm, edges, maxedges, "edges");
    }
    if (ret == MPI_SUCCESS) {
        topo_copy(t->nnodes, maxindex, t->index, NULL, index, NULL);
        topo_copy(t->nedges, maxedges, t->edges, NULL, edges, NULL);
    }
    return ret;
}

/* The neighbours of graph node `rank`: count and first edge. */
static int topo_graph_node(const char *call, struct kr_comm *comm, const struct kr_comm_topo *t,
                           int rank, int *first_out, int *count_out)
{
    if (rank < 0 || rank >= t->nnodes) {
        return kr_api_error(comm, MPI_ERR_RANK,
                            "%s: rank %d is not a node of the graph "
                            "(0..%d)",
                            call, rank, t->nnodes - 1);
    }
    *first_out = rank > 0 ? t->index[rank - 1] : 0;
    *count_out = t->index[rank] - *first_out;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Graph_neighbors_count)
int PMPI_Graph_neighbors_count(MPI_Comm h, int rank, int *nneighbors)
{
    const struct kr_comm_topo *t;
    struct kr_comm *comm;
    int first, ret = topo_args("MPI_Graph_neighbors_count", h, KR_TOPO_GRAPH, &comm, &t);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Graph_neighbors_count", nneighbors, "nneighbors");
    }
    if (ret == MPI_SUCCESS) {
        ret = topo_graph_node("MPI_Graph_neighbors_count", comm, t, rank, &first, nneighbors);
    }
    return ret;
}

KR_WEAK_ALIAS(Graph_neighbors)
int PMPI_Graph_neighbors(MPI_Comm h, int rank, int maxneighbors, int neighbors[])
{
    const struct kr_comm_topo *t;
    struct kr_comm *comm;
    int first = 0, n = 0, ret = topo_args("MPI_Graph_neighbors", h, KR_TOPO_GRAPH, &comm, &t);

    if (ret == MPI_SUCCESS) {
        ret = topo_graph_node("MPI_Graph_neighbors", comm, t, rank, &first, &n);
    }
    if (ret == MPI_SUCCESS && maxneighbors < 0) {
        ret = kr_api_error(comm, MPI_ERR_ARG, "MPI_Graph_neighbors: maxneighbors %d is negative",
                           maxneighbors);
    }
    if (ret == MPI_SUCCESS) {
        ret = topo_check_array("MPI_Graph_neighbors", comm, neighbors,
                               n < maxneighbors ? n : maxneighbors, "neighbors");
    }
    if (ret == MPI_SUCCESS && n > 0) { /* edges may be NULL when the graph has none */
        topo_copy(n, maxneighbors, t->edges + first, NULL, neighbors, NULL);
    }
    return ret;
}

KR_WEAK_ALIAS(Graph_map)
int PMPI_Graph_map(MPI_Comm h, int nnodes, const int index[], const int edges[], int *newrank)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Graph_map");
    ret = kr_api_check_intra("MPI_Graph_map", h, &comm);
    if (ret == MPI_SUCCESS) {
        ret = topo_check_graph("MPI_Graph_map", comm, nnodes, index, edges);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Graph_map", newrank, "newrank");
    }
    if (ret == MPI_SUCCESS) {
        *newrank = comm->rank < nnodes ? comm->rank : MPI_UNDEFINED;
    }
    return ret;
}

/* ---- distributed graphs -----------------------------------------------------------------------
 */

/* n ranks of comm (`what` names them). */
static int topo_check_ranks(const char *call, struct kr_comm *comm, int n, const int ranks[],
                            const char *what)
{
    int ret;

    if (n < 0) {
        return kr_api_error(comm, MPI_ERR_ARG, "%s: the %s count %d is negative", call, what, n);
    }
    ret = topo_check_array(call, comm, ranks, n, what);
    for (int i = 0; ret == MPI_SUCCESS && i < n; i++) {
        if (ranks[i] < 0 || ranks[i] >= comm->size) {
            ret = kr_api_error(comm, MPI_ERR_RANK, "%s: %s[%d] = %d is not in 0..%d", call, what, i,
                               ranks[i], comm->size - 1);
        }
    }
    return ret;
}

/* The weights of n edges: MPI_UNWEIGHTED (*weighted_out false), MPI_WEIGHTS_EMPTY (only when
 * n is 0) or n non-negative values. */
static int topo_check_weights(const char *call, struct kr_comm *comm, int n, const int weights[],
                              const char *what, bool *weighted_out)
{
    int ret = MPI_SUCCESS;

    *weighted_out = weights != MPI_UNWEIGHTED;
    if (weights == MPI_UNWEIGHTED) {
        return MPI_SUCCESS;
    }
    if (weights == MPI_WEIGHTS_EMPTY) {
        return n == 0 ? MPI_SUCCESS
                      : kr_api_error(comm, MPI_ERR_ARG, "%s: MPI_WEIGHTS_EMPTY given for %d %s",
                                     call, n, what);
    }
    ret = topo_check_array(call, comm, weights, n, "weights");
    for (int i = 0; ret == MPI_SUCCESS && i < n; i++) {
        if (weights[i] < 0) {
            ret = kr_api_error(comm, MPI_ERR_ARG, "%s: weight %d of the %s is negative (%d)", call,
                               i, what, weights[i]);
        }
    }
    return ret;
}

/* n ranks of comm and their weights. */
static int topo_check_adj(const char *call, struct kr_comm *comm, int n, const int ranks[],
                          const int weights[], const char *what, bool *weighted_out)
{
    int ret = topo_check_ranks(call, comm, n, ranks, what);

    return ret != MPI_SUCCESS ? ret
                              : topo_check_weights(call, comm, n, weights, what, weighted_out);
}

/* Weights as the communicator layer takes them: NULL when there are none to copy. */
static const int *topo_weights(const int *w)
{
    return w == MPI_UNWEIGHTED || w == MPI_WEIGHTS_EMPTY ? NULL : w;
}

KR_WEAK_ALIAS(Dist_graph_create_adjacent)
int PMPI_Dist_graph_create_adjacent(MPI_Comm comm_old, int indegree, const int sources[],
                                    const int sourceweights[], int outdegree,
                                    const int destinations[], const int destweights[],
                                    MPI_Info infoh, int reorder, MPI_Comm *comm_dist_graph)
{
    const char *call = "MPI_Dist_graph_create_adjacent";
    struct kr_api_info *info = NULL;
    struct kr_comm *comm, *c = NULL;
    struct kr_comm_topo *t;
    bool win = false, wout = false;
    int ret;

    (void) reorder;
    kr_api_check_running(call);
    ret = kr_api_check_intra(call, comm_old, &comm);
    if (ret == MPI_SUCCESS) {
        ret = topo_check_adj(call, comm, indegree, sources, sourceweights, "sources", &win);
    }
    if (ret == MPI_SUCCESS) {
        ret =
            topo_check_adj(call, comm, outdegree, destinations, destweights, "destinations", &wout);
    }
    if (ret == MPI_SUCCESS && win != wout) {
        ret = kr_api_error(comm, MPI_ERR_ARG,
                           "%s: only one of sourceweights and destweights "
                           "is MPI_UNWEIGHTED",
                           call);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_info(call, comm, infoh, true, &info);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr(call, comm_dist_graph, "comm_dist_graph");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    t = kr_comm_topo_dist(indegree, sources, topo_weights(sourceweights), outdegree, destinations,
                          topo_weights(destweights), win);
    ret = t == NULL ? -ENOMEM : kr_comm_dist_graph_adjacent(comm, &kr_api.ids, t, &c);
    return kr_api_comm_created(call, comm, ret, c, info, comm_dist_graph);
}

KR_WEAK_ALIAS(Dist_graph_create)
int PMPI_Dist_graph_create(MPI_Comm comm_old, int n, const int sources[], const int degrees[],
                           const int destinations[], const int weights[], MPI_Info infoh,
                           int reorder, MPI_Comm *comm_dist_graph)
{
    const char *call = "MPI_Dist_graph_create";
    struct kr_api_info *info = NULL;
    struct kr_comm *comm, *c = NULL;
    int ret, nedges = 0;
    bool weighted = false;

    (void) reorder;
    kr_api_check_running(call);
    ret = kr_api_check_intra(call, comm_old, &comm);
    if (ret == MPI_SUCCESS) {
        ret = topo_check_ranks(call, comm, n, sources, "sources");
    }
    if (ret == MPI_SUCCESS) {
        ret = topo_check_array(call, comm, degrees, n, "degrees");
    }
    for (int i = 0; ret == MPI_SUCCESS && i < n; i++) {
        if (degrees[i] < 0) {
            ret = kr_api_error(comm, MPI_ERR_ARG, "%s: degrees[%d] = %d is negative", call, i,
                               degrees[i]);
        }
        nedges += degrees[i];
    }
    if (ret == MPI_SUCCESS) {
        ret = topo_check_adj(call, comm, nedges, destinations, weights, "destinations", &weighted);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_info(call, comm, infoh, true, &info);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr(call, comm_dist_graph, "comm_dist_graph");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_comm_dist_graph_create(comm, &kr_api.ids, n, sources, degrees, destinations,
                                    topo_weights(weights), weighted, &c);
    return kr_api_comm_created(call, comm, ret, c, info, comm_dist_graph);
}

KR_WEAK_ALIAS(Dist_graph_neighbors_count)
int PMPI_Dist_graph_neighbors_count(MPI_Comm h, int *indegree, int *outdegree, int *weighted)
{
    const struct kr_comm_topo *t;
    struct kr_comm *comm;
    int ret = topo_args("MPI_Dist_graph_neighbors_count", h, KR_TOPO_DIST_GRAPH, &comm, &t);

    if (ret == MPI_SUCCESS && (indegree == NULL || outdegree == NULL || weighted == NULL)) {
        ret = kr_api_error(comm, MPI_ERR_ARG, "MPI_Dist_graph_neighbors_count: %s is NULL",
                           indegree == NULL    ? "indegree"
                           : outdegree == NULL ? "outdegree"
                                               : "weighted");
    }
    if (ret == MPI_SUCCESS) {
        *indegree = t->indeg;
        *outdegree = t->outdeg;
        *weighted = t->weighted;
    }
    return ret;
}

KR_WEAK_ALIAS(Dist_graph_neighbors)
int PMPI_Dist_graph_neighbors(MPI_Comm h, int maxindegree, int sources[], int sourceweights[],
                              int maxoutdegree, int destinations[], int destweights[])
{
    const char *call = "MPI_Dist_graph_neighbors";
    const struct kr_comm_topo *t;
    struct kr_comm *comm;
    int ret = topo_args(call, h, KR_TOPO_DIST_GRAPH, &comm, &t);

    if (ret == MPI_SUCCESS && (maxindegree < 0 || maxoutdegree < 0)) {
        ret = kr_api_error(comm, MPI_ERR_ARG, "%s: maxindegree or maxoutdegree is negative", call);
    }
    if (ret == MPI_SUCCESS) {
        ret = topo_check_array(call, comm, sources, maxindegree, "sources");
    }
    if (ret == MPI_SUCCESS) {
        ret = topo_check_array(call, comm, destinations, maxoutdegree, "destinations");
    }
    if (ret == MPI_SUCCESS) {
        topo_copy(t->indeg, maxindegree, t->sources, t->sweights, sources, sourceweights);
        topo_copy(t->outdeg, maxoutdegree, t->dests, t->dweights, destinations, destweights);
    }
    return ret;
}

KR_WEAK_ALIAS(Topo_test)
int PMPI_Topo_test(MPI_Comm h, int *status)
{
    const struct kr_comm_topo *t;
    struct kr_comm *comm;
    int ret = topo_args("MPI_Topo_test", h, 0, &comm, &t);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Topo_test", status, "status");
    }
    if (ret == MPI_SUCCESS) {
        *status = t == NULL                  ? MPI_UNDEFINED
                  : t->kind == KR_TOPO_CART  ? MPI_CART
                  : t->kind == KR_TOPO_GRAPH ? MPI_GRAPH
                                             : MPI_DIST_GRAPH;
    }
    return ret;
}

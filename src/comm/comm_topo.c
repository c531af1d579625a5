/* Process topologies: Cartesian grids, graphs and distributed graphs attached to
 * communicators, their arithmetic (ranks, coordinates, shifts, MPI_Dims_create) and the
 * neighbour lists of the neighbourhood collectives. Reordering is never done: the rank in the
 * topology is the rank in the parent. */
#include "config.h"

#include "comm.h"

#include "comm_int.h"

#include "coll/coll.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A copy of n ints (n may be 0: a 1-int block, so that NULL only ever means failure). */
static int *topo_ints(const int *src, int n)
{
    int *p = malloc(sizeof(int) * (size_t) (n > 0 ? n : 1));

    if (p != NULL && n > 0 && src != NULL) {
        memcpy(p, src, sizeof(int) * (size_t) n);
    }
    return p;
}

void kr_comm_topo_free(struct kr_comm_topo *t)
{
    if (t == NULL) {
        return;
    }
    free(t->dims);
    free(t->periods);
    free(t->coords);
    free(t->index);
    free(t->edges);
    free(t->sources);
    free(t->sweights);
    free(t->dests);
    free(t->dweights);
    free(t);
}

/* ---- Cartesian arithmetic ---------------------------------------------------------------- */

int kr_comm_cart_rank(const struct kr_comm_topo *t, const int *coords, int *rank_out)
{
    int rank = 0;

    for (int i = 0; i < t->ndims; i++) {
        int c = coords[i], d = t->dims[i];

        if (t->periods[i]) {
            c %= d;
            c = c < 0 ? c + d : c;
        } else if (c < 0 || c >= d) {
            return -EINVAL;
        }
        rank = rank * d + c;
    }
    *rank_out = rank;
    return 0;
}

void kr_comm_cart_coords(const struct kr_comm_topo *t, int rank, int *coords_out)
{
    for (int i = t->ndims - 1; i >= 0; i--) {
        coords_out[i] = rank % t->dims[i];
        rank /= t->dims[i];
    }
}

/* The rank `disp` steps from `rank` along `dim`, or KR_PROC_NULL past a non-periodic edge:
 * the coordinate along dim is (rank / stride) % dims[dim]. */
static int topo_cart_step(const struct kr_comm_topo *t, int rank, int dim, long long disp)
{
    int stride = 1, d = t->dims[dim], c;
    long long nc;

    for (int i = t->ndims - 1; i > dim; i--) {
        stride *= t->dims[i];
    }
    c = rank / stride % d;
    nc = c + disp;
    if (t->periods[dim]) {
        nc %= d;
        nc = nc < 0 ? nc + d : nc;
    } else if (nc < 0 || nc >= d) {
        return KR_PROC_NULL;
    }
    return rank + ((int) nc - c) * stride;
}

void kr_comm_cart_shift(const struct kr_comm_topo *t, int rank, int dim, int disp, int *source_out,
                        int *dest_out)
{
    *source_out = topo_cart_step(t, rank, dim, -(long long) disp);
    *dest_out = topo_cart_step(t, rank, dim, disp);
}

/* ---- MPI_Dims_create ----------------------------------------------------------------------- */

/* Search state: the divisors of the number being split, ascending, and the best split so far
 * (non-increasing factors, smallest max - min; among equals the first found, which has the
 * smallest largest factor). */
struct dims_search {
    const int *div;
    int ndiv, k;
    int *cur, *best;
    int best_spread;
};

/* Place factors at positions depth..k-1 whose product is m, each at most cur[depth - 1]. */
static void dims_place(struct dims_search *s, int depth, int m)
{
    int left = s->k - depth, maxf = depth > 0 ? s->cur[depth - 1] : m;

    if (left == 1) {
        s->cur[depth] = m;
        if (m <= maxf && s->cur[0] - m < s->best_spread) {
            s->best_spread = s->cur[0] - m;
            memcpy(s->best, s->cur, sizeof(int) * (size_t) s->k);
        }
        return;
    }
    for (int i = 0; i < s->ndiv && s->div[i] <= maxf; i++) {
        int d = s->div[i];
        long long p = 1, rest = m;

        if (m % d != 0) {
            continue;
        }
        /* d is the largest of the `left` factors still to place: d^left >= m */
        for (int j = 0; j < left && p < m; j++) {
            p *= d;
        }
        if (p < m) {
            continue;
        }
        /* The smallest factor will be at least m / d^(left - 1); once d minus that bound
         * cannot beat the best spread, no larger d can. */
        for (int j = 0; depth == 0 && j < left - 1 && rest > 1; j++) {
            rest = (rest + d - 1) / d;
        }
        if (depth == 0 && d - (rest < 1 ? 1 : rest) >= s->best_spread) {
            break;
        }
        s->cur[depth] = d;
        dims_place(s, depth + 1, m / d);
    }
}

/* Split m into k >= 1 non-increasing factors, as balanced as possible. No int below 2^31 has
 * more than 1600 divisors. */
static int dims_split(int m, int k, int *out)
{
    int div[1600], ndiv = 0, *cur = topo_ints(NULL, k);
    struct dims_search s;

    if (cur == NULL) {
        return -ENOMEM;
    }
    for (int d = 1; (long long) d * d <= m; d++) {
        if (m % d == 0) {
            div[ndiv++] = d;
        }
    }
    for (int i = ndiv - 1; i >= 0; i--) {
        if (div[i] != m / div[i]) {
            div[ndiv++] = m / div[i];
        }
    }
    s = (struct dims_search){.div = div, .ndiv = ndiv, .k = k, .cur = cur, .best = out};
    s.best_spread = m; /* worse than any split (m, 1, 1, ... has m - 1) */
    dims_place(&s, 0, m);
    free(cur);
    return 0;
}

int kr_comm_dims_create(int nnodes, int ndims, int *dims)
{
    int nfree = 0, *split, ret;
    long long fixed = 1;

    if (nnodes < 1 || ndims < 0) {
        return -EINVAL;
    }
    if (ndims == 0) {
        return 0; /* nothing to fill in: leniency other implementations share */
    }
    for (int i = 0; i < ndims; i++) {
        if (dims[i] < 0) {
            return -EINVAL;
        }
        fixed *= dims[i] > 0 ? dims[i] : 1;
        nfree += dims[i] == 0;
        if (fixed > nnodes) {
            return -EINVAL;
        }
    }
    if (nnodes % fixed != 0 || (nfree == 0 && fixed != nnodes)) {
        return -EINVAL;
    }
    if (nfree == 0) {
        return 0;
    }
    split = topo_ints(NULL, nfree);
    if (split == NULL) {
        return -ENOMEM;
    }
    ret = dims_split((int) (nnodes / fixed), nfree, split);
    for (int i = 0, j = 0; ret == 0 && i < ndims; i++) {
        if (dims[i] == 0) {
            dims[i] = split[j++];
        }
    }
    free(split);
    return ret;
}

/* ---- building topologies ------------------------------------------------------------------- */

struct kr_comm_topo *kr_comm_topo_cart(int ndims, const int *dims, const int *periods, int rank)
{
    struct kr_comm_topo *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        return NULL;
    }
    t->kind = KR_TOPO_CART;
    t->ndims = ndims;
    t->dims = topo_ints(dims, ndims);
    t->periods = topo_ints(NULL, ndims);
    t->coords = topo_ints(NULL, ndims);
    t->indeg = t->outdeg = 2 * ndims;
    t->sources = topo_ints(NULL, 2 * ndims);
    t->dests = topo_ints(NULL, 2 * ndims);
    if (t->dims == NULL || t->periods == NULL || t->coords == NULL || t->sources == NULL
        || t->dests == NULL) {
        kr_comm_topo_free(t);
        return NULL;
    }
    for (int i = 0; i < ndims; i++) {
        t->periods[i] = periods[i] != 0;
    }
    kr_comm_cart_coords(t, rank, t->coords);
    for (int i = 0; i < ndims; i++) {
        kr_comm_cart_shift(t, rank, i, 1, &t->sources[2 * i], &t->sources[2 * i + 1]);
    }
    memcpy(t->dests, t->sources, sizeof(int) * (size_t) (2 * ndims));
    return t;
}

struct kr_comm_topo *kr_comm_topo_graph(int nnodes, const int *index, const int *edges, int rank)
{
    struct kr_comm_topo *t = calloc(1, sizeof(*t));
    int nedges = nnodes > 0 ? index[nnodes - 1] : 0;
    int first = rank > 0 ? index[rank - 1] : 0;

    if (t == NULL) {
        return NULL;
    }
    t->kind = KR_TOPO_GRAPH;
    t->nnodes = nnodes;
    t->nedges = nedges;
    t->index = topo_ints(index, nnodes);
    t->edges = topo_ints(edges, nedges);
    t->indeg = t->outdeg = index[rank] - first;
    t->sources = topo_ints(t->indeg > 0 ? edges + first : NULL, t->indeg);
    t->dests = topo_ints(t->indeg > 0 ? edges + first : NULL, t->indeg);
    if (t->index == NULL || t->edges == NULL || t->sources == NULL || t->dests == NULL) {
        kr_comm_topo_free(t);
        return NULL;
    }
    return t;
}

struct kr_comm_topo *kr_comm_topo_dist(int indeg, const int *sources, const int *sweights,
                                       int outdeg, const int *dests, const int *dweights,
                                       bool weighted)
{
    struct kr_comm_topo *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        return NULL;
    }
    t->kind = KR_TOPO_DIST_GRAPH;
    t->weighted = weighted;
    t->indeg = indeg;
    t->outdeg = outdeg;
    t->sources = topo_ints(sources, indeg);
    t->dests = topo_ints(dests, outdeg);
    if (weighted) {
        t->sweights = topo_ints(sweights, indeg);
        t->dweights = topo_ints(dweights, outdeg);
    }
    if (t->sources == NULL || t->dests == NULL
        || (weighted && (t->sweights == NULL || t->dweights == NULL))) {
        kr_comm_topo_free(t);
        return NULL;
    }
    return t;
}

/* Copy an optional array: *ok goes false when a present one cannot be copied. */
static int *topo_copy(const int *src, int n, bool *ok)
{
    int *p = src != NULL ? topo_ints(src, n) : NULL;

    if (src != NULL && p == NULL) {
        *ok = false;
    }
    return p;
}

struct kr_comm_topo *kr_comm_topo_dup(const struct kr_comm_topo *t)
{
    struct kr_comm_topo *n = malloc(sizeof(*n));
    bool ok = true;

    if (n == NULL) {
        return NULL;
    }
    *n = *t;
    n->dims = topo_copy(t->dims, t->ndims, &ok);
    n->periods = topo_copy(t->periods, t->ndims, &ok);
    n->coords = topo_copy(t->coords, t->ndims, &ok);
    n->index = topo_copy(t->index, t->nnodes, &ok);
    n->edges = topo_copy(t->edges, t->nedges, &ok);
    n->sources = topo_copy(t->sources, t->indeg, &ok);
    n->sweights = topo_copy(t->sweights, t->indeg, &ok);
    n->dests = topo_copy(t->dests, t->outdeg, &ok);
    n->dweights = topo_copy(t->dweights, t->outdeg, &ok);
    if (!ok) {
        kr_comm_topo_free(n);
        return NULL;
    }
    return n;
}

int kr_comm_neighbors(const struct kr_comm *comm, int *indeg_out, const int **sources_out,
                      int *outdeg_out, const int **dests_out)
{
    const struct kr_comm_topo *t = comm->topo;

    if (t == NULL) {
        return -EINVAL;
    }
    *indeg_out = t->indeg;
    *sources_out = t->sources;
    *outdeg_out = t->outdeg;
    *dests_out = t->dests;
    return 0;
}

/* ---- communicators with a topology --------------------------------------------------------- */

/* Keep comm's first `n` ranks (the others get NULL) and give the new communicator topology
 * `make(arg, new rank)`. */
static int topo_keep_first(struct kr_comm *comm, struct kr_comm_ids *ids, int n,
                           struct kr_comm_topo *(*make)(const void *arg, int rank), const void *arg,
                           struct kr_comm **comm_out)
{
    struct kr_comm *c;
    int ret = kr_comm_split(comm, ids, comm->rank < n ? 0 : -1, comm->rank, &c);

    if (ret != 0 || c == NULL) {
        *comm_out = NULL;
        return ret;
    }
    c->topo = make(arg, c->rank);
    if (c->topo == NULL) {
        kr_comm_free(c, ids);
        return -ENOMEM;
    }
    *comm_out = c;
    return 0;
}

struct topo_cart_args {
    int ndims;
    const int *dims, *periods;
};

static struct kr_comm_topo *topo_make_cart(const void *arg, int rank)
{
    const struct topo_cart_args *a = arg;

    return kr_comm_topo_cart(a->ndims, a->dims, a->periods, rank);
}

int kr_comm_cart_create(struct kr_comm *comm, struct kr_comm_ids *ids, int ndims, const int *dims,
                        const int *periods, struct kr_comm **comm_out)
{
    struct topo_cart_args a = {ndims, dims, periods};
    int n = 1;

    for (int i = 0; i < ndims; i++) {
        n *= dims[i];
    }
    return topo_keep_first(comm, ids, n, topo_make_cart, &a, comm_out);
}

struct topo_graph_args {
    int nnodes;
    const int *index, *edges;
};

static struct kr_comm_topo *topo_make_graph(const void *arg, int rank)
{
    const struct topo_graph_args *a = arg;

    return kr_comm_topo_graph(a->nnodes, a->index, a->edges, rank);
}

int kr_comm_graph_create(struct kr_comm *comm, struct kr_comm_ids *ids, int nnodes,
                         const int *index, const int *edges, struct kr_comm **comm_out)
{
    struct topo_graph_args a = {nnodes, index, edges};

    return topo_keep_first(comm, ids, nnodes, topo_make_graph, &a, comm_out);
}

int kr_comm_cart_sub(struct kr_comm *comm, struct kr_comm_ids *ids, const int *remain,
                     struct kr_comm **comm_out)
{
    const struct kr_comm_topo *t = comm->topo;
    int color = 0, nkeep = 0, *dims = topo_ints(NULL, t->ndims), *periods;
    struct kr_comm *c = NULL;
    int ret = -ENOMEM;

    periods = topo_ints(NULL, t->ndims);
    if (dims == NULL || periods == NULL) {
        goto out;
    }
    /* the color numbers the combination of the dropped coordinates */
    for (int i = 0; i < t->ndims; i++) {
        if (remain[i]) {
            dims[nkeep] = t->dims[i];
            periods[nkeep++] = t->periods[i];
        } else {
            color = color * t->dims[i] + t->coords[i];
        }
    }
    ret = kr_comm_split(comm, ids, color, comm->rank, &c);
    if (ret == 0) {
        c->topo = kr_comm_topo_cart(nkeep, dims, periods, c->rank);
        if (c->topo == NULL) {
            kr_comm_free(c, ids);
            ret = -ENOMEM;
        } else {
            *comm_out = c;
        }
    }
out:
    free(dims);
    free(periods);
    return ret;
}

int kr_comm_dist_graph_adjacent(struct kr_comm *comm, struct kr_comm_ids *ids,
                                struct kr_comm_topo *t, struct kr_comm **comm_out)
{
    struct kr_comm *c;
    int ret = kr_comm_dup(comm, ids, &c);

    if (ret != 0) {
        kr_comm_topo_free(t);
        return ret;
    }
    kr_comm_topo_free(c->topo);
    c->topo = t;
    *comm_out = c;
    return 0;
}

/* ---- MPI_Dist_graph_create: every process learns its edges from the others ------------------ */

/* What one process tells another about an edge it named. */
struct topo_edge {
    int in; /* 1: `other` -> you; 0: you -> `other` */
    int other, weight;
};

/* The edges this process named, sorted by the process each must reach: the source of an edge
 * learns it as an out-edge, its destination as an in-edge. *counts_out[p] entries go to rank p,
 * starting at (*offs_out)[p] in *edges_out. */
static int topo_edges_sort(const struct kr_comm *comm, int n, const int *sources,
                           const int *degrees, const int *dests, const int *weights,
                           struct topo_edge **edges_out, int **counts_out, int **offs_out)
{
    int *counts = calloc((size_t) comm->size, sizeof(int));
    int *offs = calloc((size_t) comm->size + 1, sizeof(int));
    struct topo_edge *e = NULL;
    int total = 0, k = 0;

    for (int i = 0; i < n; i++) {
        total += degrees[i];
    }
    e = malloc(sizeof(*e) * (size_t) (2 * total > 0 ? 2 * total : 1));
    if (counts == NULL || offs == NULL || e == NULL) {
        free(counts);
        free(offs);
        free(e);
        return -ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < degrees[i]; j++, k++) {
            counts[sources[i]]++;
            counts[dests[k]]++;
        }
    }
    for (int p = 0; p < comm->size; p++) {
        offs[p + 1] = offs[p] + counts[p];
        counts[p] = 0;
    }
    k = 0;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < degrees[i]; j++, k++) {
            int s = sources[i], d = dests[k], w = weights != NULL ? weights[k] : 1;

            e[offs[s] + counts[s]++] = (struct topo_edge){0, d, w};
            e[offs[d] + counts[d]++] = (struct topo_edge){1, s, w};
        }
    }
    *edges_out = e;
    *counts_out = counts;
    *offs_out = offs;
    return 0;
}

/* Send every rank its edges and receive ours, on comm's collective context: the counts by an
 * alltoall, the edges by point-to-point. *got_out holds, in order of the sending rank, the
 * *ngot_out edges others named that involve this process. */
static int topo_edges_swap(struct kr_comm *comm, const struct topo_edge *e, const int *counts,
                           const int *offs, struct topo_edge **got_out, int *ngot_out)
{
    int n = comm->size, *rcounts = malloc(sizeof(int) * (size_t) n), ngot = 0, ret;
    struct kr_req *reqs = malloc(sizeof(*reqs) * 2 * (size_t) n);
    struct topo_edge *got = NULL;

    ret = rcounts == NULL || reqs == NULL ? -ENOMEM
                                          : kr_coll_alltoall(comm, counts, rcounts, sizeof(int));
    for (int p = 0; ret == 0 && p < n; p++) {
        ngot += rcounts[p];
    }
    if (ret == 0 && (got = malloc(sizeof(*got) * (size_t) (ngot > 0 ? ngot : 1))) == NULL) {
        ret = -ENOMEM;
    }
    for (int i = 0; reqs != NULL && i < 2 * n; i++) {
        kr_req_init(&reqs[i], i < n ? KR_REQ_RECV : KR_REQ_SEND);
        reqs[i].done = 1; /* until posted */
    }
    for (int p = 0, at = 0; ret == 0 && p < n; at += rcounts[p], p++) {
        if (rcounts[p] > 0) {
            reqs[p].done = 0;
            ret = kr_pt2pt_irecv(comm->pt, &reqs[p], got + at, sizeof(*got) * (size_t) rcounts[p],
                                 p, COMM_TAG_DIST_GRAPH, kr_comm_ctx_coll(comm));
            reqs[p].done = ret != 0 ? 1 : reqs[p].done;
        }
    }
    for (int p = 0; ret == 0 && p < n; p++) {
        if (counts[p] > 0) {
            reqs[n + p].done = 0;
            ret = kr_pt2pt_isend(comm->pt, &reqs[n + p], e + offs[p],
                                 sizeof(*e) * (size_t) counts[p], kr_comm_job_rank(comm, p),
                                 comm->rank, COMM_TAG_DIST_GRAPH, kr_comm_ctx_coll(comm));
            reqs[n + p].done = ret != 0 ? 1 : reqs[n + p].done;
        }
    }
    /* The requests live in this frame: after a failed post, withdraw the receives already
     * posted and let the sends finish before leaving. */
    for (int i = 0; reqs != NULL && i < 2 * n; i++) {
        int wret;

        if (ret != 0 && i < n) {
            kr_pt2pt_cancel(comm->pt, &reqs[i]);
        }
        wret = reqs[i].done ? 0 : kr_pt2pt_wait(comm->pt, &reqs[i]);
        wret = wret != 0 ? wret : reqs[i].status.error;
        ret = ret != 0 ? ret : wret;
    }
    free(rcounts);
    free(reqs);
    if (ret != 0) {
        free(got);
        return ret;
    }
    *got_out = got;
    *ngot_out = ngot;
    return 0;
}

/* This process's adjacency from the edges it received. */
static struct kr_comm_topo *topo_from_edges(const struct topo_edge *got, int ngot, bool weighted)
{
    int *ids = malloc(sizeof(int) * (size_t) (ngot > 0 ? ngot : 1));
    int *w = malloc(sizeof(int) * (size_t) (ngot > 0 ? ngot : 1));
    int indeg = 0, outdeg = 0;
    struct kr_comm_topo *t = NULL;

    if (ids != NULL && w != NULL) {
        /* the in-edges, then the out-edges, each in the order they arrived */
        for (int i = 0; i < ngot; i++) {
            if (got[i].in) {
                ids[indeg] = got[i].other;
                w[indeg++] = got[i].weight;
            }
        }
        for (int i = 0; i < ngot; i++) {
            if (!got[i].in) {
                ids[indeg + outdeg] = got[i].other;
                w[indeg + outdeg++] = got[i].weight;
            }
        }
        t = kr_comm_topo_dist(indeg, ids, w, outdeg, ids + indeg, w + indeg, weighted);
    }
    free(ids);
    free(w);
    return t;
}

int kr_comm_dist_graph_create(struct kr_comm *comm, struct kr_comm_ids *ids, int n,
                              const int *sources, const int *degrees, const int *dests,
                              const int *weights, bool weighted, struct kr_comm **comm_out)
{
    struct topo_edge *e = NULL, *got = NULL;
    int *counts = NULL, *offs = NULL, ngot = 0, ret;
    struct kr_comm_topo *t;

    ret = topo_edges_sort(comm, n, sources, degrees, dests, weighted ? weights : NULL, &e, &counts,
                          &offs);
    if (ret == 0) {
        ret = topo_edges_swap(comm, e, counts, offs, &got, &ngot);
    }
    free(e);
    free(counts);
    free(offs);
    if (ret != 0) {
        return ret;
    }
    t = topo_from_edges(got, ngot, weighted);
    free(got);
    if (t == NULL) {
        return -ENOMEM;
    }
    return kr_comm_dist_graph_adjacent(comm, ids, t, comm_out);
}

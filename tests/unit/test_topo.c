/* Process topologies (src/comm/comm_topo.c) without communicators: MPI_Dims_create's balanced
 * factorisations (free and fixed dimensions, errors), Cartesian ranks, coordinates and shifts
 * (periodic and not), the neighbour lists of the neighbourhood collectives, graphs and
 * distributed graphs, and copying a topology. */
#include "config.h"

#include "comm/comm.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Dims_create(nnodes, n, dims) with `in` as the starting dims must give `want`. */
static void expect_dims(int nnodes, int n, const int *in, const int *want)
{
    int dims[8];

    for (int i = 0; i < n; i++) {
        dims[i] = in[i];
    }
    assert_int_equal(kr_comm_dims_create(nnodes, n, dims), 0);
    for (int i = 0; i < n; i++) {
        assert_int_equal(dims[i], want[i]);
    }
}

static void dims_free(void **state)
{
    (void) state;
    expect_dims(6, 2, (const int[]){0, 0}, (const int[]){3, 2});
    expect_dims(7, 2, (const int[]){0, 0}, (const int[]){7, 1});
    expect_dims(12, 3, (const int[]){0, 0, 0}, (const int[]){3, 2, 2});
    expect_dims(16, 2, (const int[]){0, 0}, (const int[]){4, 4});
    expect_dims(16, 3, (const int[]){0, 0, 0}, (const int[]){4, 2, 2});
    expect_dims(24, 3, (const int[]){0, 0, 0}, (const int[]){4, 3, 2});
    expect_dims(36, 2, (const int[]){0, 0}, (const int[]){6, 6});
    /* balanced beats greedy: 72 = 9 x 8, not 12 x 6 */
    expect_dims(72, 2, (const int[]){0, 0}, (const int[]){9, 8});
    expect_dims(1, 3, (const int[]){0, 0, 0}, (const int[]){1, 1, 1});
    expect_dims(8, 1, (const int[]){0}, (const int[]){8});
    expect_dims(5, 4, (const int[]){0, 0, 0, 0}, (const int[]){5, 1, 1, 1});
    expect_dims(1000000, 3, (const int[]){0, 0, 0}, (const int[]){100, 100, 100});
    expect_dims(2147483646, 2, (const int[]){0, 0}, (const int[]){49981, 42966});
    expect_dims(4, 0, NULL, NULL);
}

static void dims_fixed(void **state)
{
    int dims[3];

    (void) state;
    expect_dims(12, 3, (const int[]){0, 3, 0}, (const int[]){2, 3, 2});
    expect_dims(24, 3, (const int[]){2, 0, 0}, (const int[]){2, 4, 3});
    expect_dims(8, 2, (const int[]){2, 4}, (const int[]){2, 4});
    expect_dims(30, 3, (const int[]){0, 5, 0}, (const int[]){3, 5, 2});
    /* fixed dimensions that do not divide nnodes, a negative one, nothing free to fill */
    dims[0] = 4;
    dims[1] = 0;
    assert_int_equal(kr_comm_dims_create(6, 2, dims), -EINVAL);
    dims[0] = -1;
    dims[1] = 0;
    assert_int_equal(kr_comm_dims_create(6, 2, dims), -EINVAL);
    dims[0] = 2;
    dims[1] = 2;
    assert_int_equal(kr_comm_dims_create(6, 2, dims), -EINVAL);
    dims[0] = 0;
    assert_int_equal(kr_comm_dims_create(0, 1, dims), -EINVAL);
    /* large fixed dimensions must not overflow the product */
    dims[0] = 65536;
    dims[1] = 65536;
    dims[2] = 0;
    assert_int_equal(kr_comm_dims_create(4, 3, dims), -EINVAL);
}

/* A 3 x 4 grid, periodic in dimension 1 only. */
static void cart_rank_coords(void **state)
{
    struct kr_comm_topo *t = kr_comm_topo_cart(2, (const int[]){3, 4}, (const int[]){0, 1}, 6);
    int coords[2], rank = -1;

    (void) state;
    assert_non_null(t);
    assert_int_equal(t->kind, KR_TOPO_CART);
    assert_int_equal(t->coords[0], 1);
    assert_int_equal(t->coords[1], 2);
    for (int r = 0; r < 12; r++) {
        kr_comm_cart_coords(t, r, coords);
        assert_int_equal(coords[0], r / 4);
        assert_int_equal(coords[1], r % 4);
        assert_int_equal(kr_comm_cart_rank(t, coords, &rank), 0);
        assert_int_equal(rank, r);
    }
    /* periodic dimension wraps both ways; the other refuses out-of-range coordinates */
    assert_int_equal(kr_comm_cart_rank(t, (const int[]){2, -1}, &rank), 0);
    assert_int_equal(rank, 11);
    assert_int_equal(kr_comm_cart_rank(t, (const int[]){0, 9}, &rank), 0);
    assert_int_equal(rank, 1);
    assert_int_equal(kr_comm_cart_rank(t, (const int[]){3, 0}, &rank), -EINVAL);
    assert_int_equal(kr_comm_cart_rank(t, (const int[]){-1, 0}, &rank), -EINVAL);
    kr_comm_topo_free(t);
}

static void cart_shift(void **state)
{
    struct kr_comm_topo *t = kr_comm_topo_cart(2, (const int[]){3, 4}, (const int[]){0, 1}, 0);
    int src, dst;

    (void) state;
    /* rank 4 = (1, 0) */
    kr_comm_cart_shift(t, 4, 0, 1, &src, &dst);
    assert_int_equal(src, 0);
    assert_int_equal(dst, 8);
    kr_comm_cart_shift(t, 4, 0, 2, &src, &dst);
    assert_int_equal(src, KR_PROC_NULL);
    assert_int_equal(dst, KR_PROC_NULL);
    kr_comm_cart_shift(t, 4, 0, -1, &src, &dst);
    assert_int_equal(src, 8);
    assert_int_equal(dst, 0);
    kr_comm_cart_shift(t, 4, 1, 1, &src, &dst);
    assert_int_equal(src, 7);
    assert_int_equal(dst, 5);
    kr_comm_cart_shift(t, 4, 1, 5, &src, &dst);
    assert_int_equal(src, 7);
    assert_int_equal(dst, 5);
    kr_comm_cart_shift(t, 4, 1, -6, &src, &dst);
    assert_int_equal(src, 6);
    assert_int_equal(dst, 6);
    kr_comm_cart_shift(t, 4, 1, 0, &src, &dst);
    assert_int_equal(src, 4);
    assert_int_equal(dst, 4);
    /* an edge of the non-periodic dimension */
    kr_comm_cart_shift(t, 11, 0, 1, &src, &dst);
    assert_int_equal(src, 7);
    assert_int_equal(dst, KR_PROC_NULL);
    kr_comm_topo_free(t);
}

/* The neighbourhood order: per dimension the -1 then the +1 neighbour. */
static void cart_neighbors(void **state)
{
    struct kr_comm_topo *t =
        kr_comm_topo_cart(3, (const int[]){2, 3, 2}, (const int[]){1, 0, 0}, 5);
    static const int want[] = {11, 11, 3, KR_PROC_NULL, 4, KR_PROC_NULL};
    struct kr_comm c = {.topo = t};
    const int *src, *dst;
    int indeg, outdeg;

    (void) state;
    /* rank 5 = (0, 2, 1) */
    assert_int_equal(kr_comm_neighbors(&c, &indeg, &src, &outdeg, &dst), 0);
    assert_int_equal(indeg, 6);
    assert_int_equal(outdeg, 6);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(src[i], want[i]);
        assert_int_equal(dst[i], want[i]);
    }
    c.topo = NULL;
    assert_int_equal(kr_comm_neighbors(&c, &indeg, &src, &outdeg, &dst), -EINVAL);
    kr_comm_topo_free(t);
}

/* No dimensions: one process, no neighbours. */
static void cart_zero_dims(void **state)
{
    struct kr_comm_topo *t = kr_comm_topo_cart(0, NULL, NULL, 0);
    int rank = -1;

    (void) state;
    assert_non_null(t);
    assert_int_equal(t->indeg, 0);
    assert_int_equal(kr_comm_cart_rank(t, NULL, &rank), 0);
    assert_int_equal(rank, 0);
    kr_comm_topo_free(t);
}

/* A 4-node graph: 0-1, 0-3, 1-2 (both directions) and a self loop on 2. */
static void graph_neighbors(void **state)
{
    static const int index[] = {2, 4, 6, 7}, edges[] = {1, 3, 0, 2, 1, 2, 0};
    struct kr_comm_topo *t = kr_comm_topo_graph(4, index, edges, 2), *d;
    struct kr_comm c = {.topo = t};
    const int *src, *dst;
    int indeg, outdeg;

    (void) state;
    assert_non_null(t);
    assert_int_equal(t->nnodes, 4);
    assert_int_equal(t->nedges, 7);
    assert_int_equal(kr_comm_neighbors(&c, &indeg, &src, &outdeg, &dst), 0);
    assert_int_equal(indeg, 2);
    assert_int_equal(outdeg, 2);
    assert_int_equal(src[0], 1);
    assert_int_equal(src[1], 2);
    assert_int_equal(dst[1], 2);
    /* node 0 has the first edges, node 3 the last one */
    kr_comm_topo_free(t);
    t = kr_comm_topo_graph(4, index, edges, 0);
    assert_int_equal(t->indeg, 2);
    assert_int_equal(t->sources[0], 1);
    assert_int_equal(t->sources[1], 3);
    d = kr_comm_topo_dup(t);
    kr_comm_topo_free(t);
    assert_non_null(d);
    assert_int_equal(d->index[3], 7);
    assert_int_equal(d->edges[6], 0);
    assert_int_equal(d->sources[1], 3);
    kr_comm_topo_free(d);
    /* a graph without edges */
    t = kr_comm_topo_graph(2, (const int[]){0, 0}, NULL, 1);
    assert_non_null(t);
    assert_int_equal(t->indeg, 0);
    kr_comm_topo_free(t);
}

static void dist_graph(void **state)
{
    static const int src[] = {3, 1}, sw[] = {7, 9}, dst[] = {2, 0, 1}, dw[] = {1, 2, 3};
    struct kr_comm_topo *t = kr_comm_topo_dist(2, src, sw, 3, dst, dw, true), *d;

    (void) state;
    assert_non_null(t);
    assert_int_equal(t->kind, KR_TOPO_DIST_GRAPH);
    assert_true(t->weighted);
    d = kr_comm_topo_dup(t);
    kr_comm_topo_free(t);
    assert_int_equal(d->indeg, 2);
    assert_int_equal(d->outdeg, 3);
    assert_int_equal(d->sources[0], 3);
    assert_int_equal(d->sweights[1], 9);
    assert_int_equal(d->dests[2], 1);
    assert_int_equal(d->dweights[0], 1);
    kr_comm_topo_free(d);
    t = kr_comm_topo_dist(1, src, NULL, 0, NULL, NULL, false);
    assert_non_null(t);
    assert_false(t->weighted);
    assert_null(t->sweights);
    assert_int_equal(t->sources[0], 3);
    kr_comm_topo_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dims_free),        cmocka_unit_test(dims_fixed),
        cmocka_unit_test(cart_rank_coords), cmocka_unit_test(cart_shift),
        cmocka_unit_test(cart_neighbors),   cmocka_unit_test(cart_zero_dims),
        cmocka_unit_test(graph_neighbors),  cmocka_unit_test(dist_graph),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

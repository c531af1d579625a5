/* The derived datatype engine on hand-computed cases: the layout of every constructor (incl.
 * negative strides, resized, nested, subarray and darray), contiguity recognition, compactness
 * of large vectors, freeing while in use, the large-count envelope rules and external32. */
#include "config.h"

#include "datatype/dt.h"
#include "datatype/dt_int.h"

#include <errno.h>
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

/* ---- hand-computed layouts --------------------------------------------------------------------
 */

static const struct kr_dt_ints no_ints = {NULL, 4};

static struct kr_dt *T(MPI_Datatype h)
{
    return kr_dt_from_handle(h);
}

static void expect_layout(struct kr_dt *dt, size_t size, MPI_Aint lb, MPI_Aint extent,
                          MPI_Aint true_lb, MPI_Aint true_extent)
{
    assert_int_equal(dt->size, size);
    assert_int_equal(dt->lb, lb);
    assert_int_equal(dt->extent, extent);
    assert_int_equal(dt->true_lb, true_lb);
    assert_int_equal(dt->true_extent, true_extent);
}

static struct kr_dt *commit(struct kr_dt *dt)
{
    assert_int_equal(kr_dt_commit(dt), 0);
    return dt;
}

static void drop(struct kr_dt *dt)
{
    kr_dt_handle_release(dt);
}

static void dt_layout_simple(void **state)
{
    struct kr_dt *a, *b;
    int idx_bl[2] = {3, 1}, idx_d[2] = {4, 0};
    MPI_Aint hd[2] = {10, -6};

    (void) state;
    assert_int_equal(kr_dt_contig_create(3, T(MPI_INT), false, &a), 0);
    expect_layout(a, 12, 0, 12, 0, 12);
    drop(a);
    assert_int_equal(kr_dt_vector_create(3, 2, 4, false, T(MPI_INT), false, &a), 0);
    expect_layout(a, 24, 0, 40, 0, 40);
    drop(a);
    /* negative stride: blocks at 0, -16, -32 */
    assert_int_equal(kr_dt_vector_create(3, 1, -2, false, T(MPI_DOUBLE), false, &a), 0);
    expect_layout(a, 24, -32, 40, -32, 40);
    drop(a);
    /* ints at 0 and 6: the span is 10, rounded up to int alignment */
    assert_int_equal(kr_dt_vector_create(2, 1, 6, true, T(MPI_INT), false, &a), 0);
    expect_layout(a, 8, 0, 12, 0, 10);
    drop(a);
    /* the standard's indexed example over MPI_INT: 3 at element 4, 1 at element 0 */
    assert_int_equal(kr_dt_indexed_create(MPI_COMBINER_INDEXED, 2, (struct kr_dt_ints){idx_bl, 4},
                                          0, (struct kr_dt_ints){idx_d, 4}, T(MPI_INT), false, &a),
                     0);
    expect_layout(a, 16, 0, 28, 0, 28);
    drop(a);
    assert_int_equal(kr_dt_indexed_create(MPI_COMBINER_HINDEXED_BLOCK, 2, no_ints, 2,
                                          (struct kr_dt_ints){hd, 8}, T(MPI_SHORT), false, &a),
                     0);
    expect_layout(a, 8, -6, 20, -6, 20);
    drop(a);
    /* the standard's resized example: lb -3, extent 9; two of them: int at 0 and 9 */
    assert_int_equal(kr_dt_resized_create(T(MPI_INT), -3, 9, false, &a), 0);
    expect_layout(a, 4, -3, 9, 0, 4);
    assert_int_equal(kr_dt_contig_create(2, a, false, &b), 0);
    expect_layout(b, 8, -3, 18, 0, 13);
    drop(a);
    drop(b);
    /* zero counts add nothing, not even bounds */
    assert_int_equal(kr_dt_contig_create(0, T(MPI_DOUBLE), false, &a), 0);
    expect_layout(commit(a), 0, 0, 0, 0, 0);
    assert_true(kr_dt_is_contig(a));
    drop(a);
}

static void dt_layout_struct(void **state)
{
    struct kr_dt *a, *b;
    int bl[3] = {1, 1, 3};
    MPI_Aint d[3] = {0, 8, 16};
    MPI_Datatype ty[3] = {MPI_INT, MPI_DOUBLE, MPI_CHAR};
    struct s {
        int i;
        double x;
        char c[3];
    };

    (void) state;
    /* struct {int; double; char[3]}: data ends at 19, the extent rounds to double alignment,
     * which is the C struct's size */
    assert_int_equal(kr_dt_struct_create(3, (struct kr_dt_ints){bl, 4}, (struct kr_dt_ints){d, 8},
                                         ty, false, &a),
                     0);
    expect_layout(commit(a), 15, 0, (MPI_Aint) sizeof(struct s), 0, 19);
    assert_false(kr_dt_is_contig(a));
    assert_int_equal(kr_dt_nelem(a), 5);
    /* nested in a vector with a negative stride */
    assert_int_equal(kr_dt_vector_create(2, 1, -1, false, a, false, &b), 0);
    expect_layout(b, 30, -24, 48, -24, 43);
    drop(b);
    drop(a);
}

static void dt_layout_subarray_darray(void **state)
{
    struct kr_dt *a;
    int sz[2] = {4, 5}, sub[2] = {2, 3}, st[2] = {1, 2};
    int64_t g1[1] = {10};
    int dist[1] = {MPI_DISTRIBUTE_BLOCK}, darg[1] = {MPI_DISTRIBUTE_DFLT_DARG}, ps[1] = {3};
    int cyc[1] = {MPI_DISTRIBUTE_CYCLIC}, two[1] = {2};

    (void) state;
    /* C order: rows 1-2, columns 2-4 of 4x5 ints: elements 7-9 and 12-14 */
    assert_int_equal(kr_dt_subarray_create(2, (struct kr_dt_ints){sz, 4},
                                           (struct kr_dt_ints){sub, 4}, (struct kr_dt_ints){st, 4},
                                           MPI_ORDER_C, T(MPI_INT), false, &a),
                     0);
    expect_layout(a, 24, 0, 80, 28, 32);
    drop(a);
    /* Fortran order: elements 9, 10, 13, 14, 17, 18 */
    assert_int_equal(kr_dt_subarray_create(2, (struct kr_dt_ints){sz, 4},
                                           (struct kr_dt_ints){sub, 4}, (struct kr_dt_ints){st, 4},
                                           MPI_ORDER_FORTRAN, T(MPI_INT), false, &a),
                     0);
    expect_layout(a, 24, 0, 80, 36, 40);
    drop(a);
    /* block over 3 processes of 10 elements: rank 1 has 4-7 */
    assert_int_equal(kr_dt_darray_create(3, 1, 1, (struct kr_dt_ints){g1, 8}, dist, darg, ps,
                                         MPI_ORDER_C, T(MPI_INT), false, &a),
                     0);
    expect_layout(a, 16, 0, 40, 16, 16);
    drop(a);
    /* cyclic(2) over 3: rank 2 has block 2 (4, 5) only; rank 0 blocks 0 and 3 (0, 1, 6, 7) */
    assert_int_equal(kr_dt_darray_create(3, 2, 1, (struct kr_dt_ints){g1, 8}, cyc, two, ps,
                                         MPI_ORDER_C, T(MPI_INT), false, &a),
                     0);
    expect_layout(a, 8, 0, 40, 16, 8);
    drop(a);
    assert_int_equal(kr_dt_darray_create(3, 0, 1, (struct kr_dt_ints){g1, 8}, cyc, two, ps,
                                         MPI_ORDER_C, T(MPI_INT), false, &a),
                     0);
    expect_layout(a, 16, 0, 40, 0, 32);
    drop(a);
}

static void dt_contiguity(void **state)
{
    struct kr_dt *a, *b;
    int bl[2] = {1, 1};
    MPI_Aint adj[2] = {0, 4}, rev[2] = {4, 0}, one[1] = {8};
    MPI_Datatype ii[2] = {MPI_INT, MPI_INT};
    size_t np, min;

    (void) state;
    assert_int_equal(kr_dt_contig_create(4, T(MPI_INT), false, &a), 0);
    assert_int_equal(kr_dt_contig_create(3, a, false, &b), 0);
    assert_true(kr_dt_is_contig(commit(b)));
    assert_int_equal(b->desc->exec->kind, DT_N_BLOCK);
    drop(a);
    drop(b);
    /* stride equal to the block length */
    assert_int_equal(kr_dt_vector_create(5, 3, 3, false, T(MPI_DOUBLE), false, &a), 0);
    assert_true(kr_dt_is_contig(commit(a)));
    drop(a);
    /* adjacent struct fields in order: contiguous; in reverse order: two pieces */
    assert_int_equal(kr_dt_struct_create(2, (struct kr_dt_ints){bl, 4}, (struct kr_dt_ints){adj, 8},
                                         ii, false, &a),
                     0);
    assert_true(kr_dt_is_contig(commit(a)));
    drop(a);
    assert_int_equal(kr_dt_struct_create(2, (struct kr_dt_ints){bl, 4}, (struct kr_dt_ints){rev, 8},
                                         ii, false, &a),
                     0);
    assert_false(kr_dt_is_contig(commit(a)));
    kr_dt_layout(a, 10, &np, &min);
    assert_int_equal(np, 20);
    assert_int_equal(min, 4);
    drop(a);
    /* one block away from the origin: contiguous, starting at true_lb */
    assert_int_equal(kr_dt_indexed_create(MPI_COMBINER_HINDEXED_BLOCK, 1, no_ints, 2,
                                          (struct kr_dt_ints){one, 8}, T(MPI_INT), false, &a),
                     0);
    assert_true(kr_dt_is_contig(commit(a)));
    assert_int_equal(a->true_lb, 8);
    drop(a);
    /* resized with a gap: not contiguous */
    assert_int_equal(kr_dt_resized_create(T(MPI_INT), 0, 8, false, &a), 0);
    assert_false(kr_dt_is_contig(commit(a)));
    drop(a);
}

/* A vector of a million blocks stays two nodes, and seeking into it is cheap. */
static void dt_compact_vector(void **state)
{
    struct kr_dt *a;
    size_t n = 1u << 20, np, min;
    double *src = malloc(2 * n * sizeof(double)), *dst = malloc(n * sizeof(double));

    (void) state;
    assert_non_null(src);
    assert_non_null(dst);
    for (size_t i = 0; i < 2 * n; i++) {
        src[i] = (double) i;
    }
    assert_int_equal(kr_dt_vector_create((MPI_Count) n, 1, 2, false, T(MPI_DOUBLE), false, &a), 0);
    commit(a);
    assert_int_equal(a->desc->exec->kind, DT_N_VEC);
    assert_int_equal(a->desc->exec->child->kind, DT_N_BLOCK);
    kr_dt_layout(a, 1, &np, &min);
    assert_int_equal(np, n);
    assert_int_equal(min, 8);
    /* fragments of 64 KiB at increasing offsets */
    for (size_t off = 0; off < n * 8; off += 65536) {
        assert_int_equal(kr_dt_pack(a, 1, src, off, (char *) dst + off, 65536), 65536);
    }
    for (size_t i = 0; i < n; i++) {
        if (dst[i] != (double) (2 * i)) {
            fail_msg("element %zu: %g", i, dst[i]);
        }
    }
    drop(a);
    free(src);
    free(dst);
}

/* ---- life cycle -------------------------------------------------------------------------------
 */

static void dt_free_while_pending(void **state)
{
    struct kr_dt *a, *b;

    (void) state;
    assert_int_equal(kr_dt_contig_create(2, T(MPI_INT), false, &a), 0);
    assert_int_equal(kr_dt_vector_create(2, 1, 3, false, a, false, &b), 0);
    /* the user frees a (b keeps it); then b while a "request" holds it */
    assert_true(kr_dt_handle_is_last(a));
    assert_true(kr_dt_handle_release(a));
    kr_dt_retain(commit(b));
    assert_true(kr_dt_handle_release(b));
    assert_ptr_equal(kr_dt_from_handle(kr_dt_to_handle(b)), b);
    assert_int_equal(b->size, 16);
    kr_dt_release(b); /* the request completes: everything goes (ASan checks the rest) */
}

static void dt_envelope_rules(void **state)
{
    struct kr_dt *a;
    MPI_Count ni, na, nc, nd;
    int comb, ints[4];
    MPI_Aint aints[2];
    MPI_Count counts[4];
    MPI_Datatype types[1];

    (void) state;
    assert_int_equal(kr_dt_envelope(T(MPI_INT), false, &ni, &na, &nc, &nd, &comb), 0);
    assert_int_equal(comb, MPI_COMBINER_NAMED);
    assert_int_equal(kr_dt_contents(T(MPI_INT), false, ints, aints, counts, types), -EINVAL);
    /* hvector: count and blocklength are integers, the stride an address */
    assert_int_equal(kr_dt_vector_create(3, 2, 100, true, T(MPI_INT), false, &a), 0);
    assert_int_equal(kr_dt_envelope(a, false, &ni, &na, &nc, &nd, &comb), 0);
    assert_true(ni == 2 && na == 1 && nc == 0 && nd == 1 && comb == MPI_COMBINER_HVECTOR);
    assert_int_equal(kr_dt_contents(a, false, ints, aints, counts, types), 0);
    assert_true(ints[0] == 3 && ints[1] == 2 && aints[0] == 100 && types[0] == MPI_INT);
    drop(a);
    /* the same from hvector_c: three large counts, and the classic query refuses */
    assert_int_equal(kr_dt_vector_create(3, 2, 100, true, T(MPI_INT), true, &a), 0);
    assert_int_equal(kr_dt_envelope(a, true, &ni, &na, &nc, &nd, &comb), 0);
    assert_true(ni == 0 && na == 0 && nc == 3 && nd == 1);
    assert_int_equal(kr_dt_envelope(a, false, &ni, &na, &nc, &nd, &comb), -EOVERFLOW);
    assert_int_equal(kr_dt_contents(a, true, ints, aints, counts, types), 0);
    assert_true(counts[0] == 3 && counts[1] == 2 && counts[2] == 100);
    drop(a);
}

/* ---- external32 -------------------------------------------------------------------------------
 */

static void dt_external32(void **state)
{
    struct kr_dt *s;
    int bl[4] = {1, 1, 1, 1};
    struct rec {
        int i;
        long l;
        double d;
        wchar_t w;
    } r = {0x01020304, -2, 1.0, 0x263a}, back;
    MPI_Aint d[4] = {offsetof(struct rec, i), offsetof(struct rec, l), offsetof(struct rec, d),
                     offsetof(struct rec, w)};
    MPI_Datatype ty[4] = {MPI_INT, MPI_LONG, MPI_DOUBLE, MPI_WCHAR};
    static const unsigned char want[] = {
        0x01, 0x02, 0x03, 0x04,                         /* int, big-endian */
        0xff, 0xff, 0xff, 0xfe,                         /* long: 4 bytes in external32 */
        0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 1.0 */
        0x26, 0x3a,                                     /* wchar_t: 2 bytes */
    };
    unsigned char buf[32], q[16];
    long double ld = -1.5L, ld2 = 0;
    static const unsigned char want_q[16] = {0xbf, 0xff, 0x80}; /* -1.5 as binary128 */

    (void) state;
    assert_int_equal(kr_dt_struct_create(4, (struct kr_dt_ints){bl, 4}, (struct kr_dt_ints){d, 8},
                                         ty, false, &s),
                     0);
    commit(s);
    assert_int_equal(kr_dt_ext32_size(s, 1), sizeof(want));
    assert_int_equal(kr_dt_ext32_pack(s, 1, &r, buf), 0);
    assert_memory_equal(buf, want, sizeof(want));
    memset(&back, 0, sizeof(back));
    assert_int_equal(kr_dt_ext32_unpack(s, 1, &back, buf), 0);
    assert_true(back.i == r.i && back.l == r.l && back.d == r.d && back.w == r.w);
    /* a long that needs more than 4 bytes does not fit */
    if (sizeof(long) > 4) {
        r.l = (long) 1 << 40;
        assert_int_equal(kr_dt_ext32_pack(s, 1, &r, buf), -ERANGE);
    }
    drop(s);
    assert_int_equal(kr_dt_ext32_size(T(MPI_LONG_DOUBLE), 1), 16);
    assert_int_equal(kr_dt_ext32_pack(T(MPI_LONG_DOUBLE), 1, &ld, q), 0);
    assert_memory_equal(q, want_q, 16);
    assert_int_equal(kr_dt_ext32_unpack(T(MPI_LONG_DOUBLE), 1, &ld2, q), 0);
    assert_true(ld2 == ld);
    assert_int_equal(kr_dt_ext32_size(T(MPI_DOUBLE_INT), 3), 36);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dt_layout_simple),          cmocka_unit_test(dt_layout_struct),
        cmocka_unit_test(dt_layout_subarray_darray), cmocka_unit_test(dt_contiguity),
        cmocka_unit_test(dt_compact_vector),         cmocka_unit_test(dt_free_while_pending),
        cmocka_unit_test(dt_envelope_rules),         cmocka_unit_test(dt_external32),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

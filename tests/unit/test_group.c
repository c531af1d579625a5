/* Groups (src/comm/comm_group.c): inclusion and exclusion, union / intersection / difference in
 * MPI's order, rank lookup, translate_ranks (non-members and MPI_PROC_NULL), comparison, and
 * empty groups everywhere. */
#include "config.h"

#include "comm/comm.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define PROC_NULL (-3) /* MPI_PROC_NULL: translate copies it through */

/* g must be exactly the n job ranks `want`, in order. */
static void expect_group(const struct kr_group *g, const int *want, int n)
{
    assert_non_null(g);
    assert_int_equal(g->magic, KR_GROUP_MAGIC);
    assert_int_equal(g->size, n);
    for (int i = 0; i < n; i++) {
        assert_int_equal(g->ranks[i], want[i]);
    }
}

static void group_incl_excl(void **state)
{
    static const int world[] = {10, 11, 12, 13, 14, 15};
    static const int pick[] = {4, 0, 2}, want_incl[] = {14, 10, 12};
    static const int want_excl[] = {11, 13, 15};
    struct kr_group *g = kr_group_create(world, 6), *a, *b, *e;

    (void) state;
    a = kr_group_incl(g, pick, 3);
    expect_group(a, want_incl, 3);
    b = kr_group_excl(g, pick, 3);
    expect_group(b, want_excl, 3);
    e = kr_group_incl(g, NULL, 0);
    expect_group(e, NULL, 0);
    assert_int_equal(kr_group_rank_of(a, 12), 2);
    assert_int_equal(kr_group_rank_of(a, 11), KR_GROUP_UNDEFINED);
    assert_int_equal(kr_group_rank_of(e, 10), KR_GROUP_UNDEFINED);
    /* excluding everything leaves an empty group, excluding nothing a copy */
    kr_group_release(b);
    b = kr_group_excl(g, (const int[]){5, 4, 3, 2, 1, 0}, 6);
    expect_group(b, NULL, 0);
    kr_group_release(b);
    b = kr_group_excl(g, NULL, 0);
    expect_group(b, world, 6);
    kr_group_retain(b);
    kr_group_release(b);
    expect_group(b, world, 6);
    kr_group_release(b);
    kr_group_release(e);
    kr_group_release(a);
    kr_group_release(g);
}

static void group_set_algebra(void **state)
{
    static const int ra[] = {5, 1, 7, 3}, rb[] = {3, 8, 5, 9};
    static const int want_union[] = {5, 1, 7, 3, 8, 9}, want_inter[] = {5, 3};
    static const int want_diff[] = {1, 7}, want_diff_ba[] = {8, 9};
    struct kr_group *a = kr_group_create(ra, 4), *b = kr_group_create(rb, 4);
    struct kr_group *e = kr_group_create(NULL, 0), *r;

    (void) state;
    r = kr_group_union(a, b);
    expect_group(r, want_union, 6);
    kr_group_release(r);
    r = kr_group_intersection(a, b);
    expect_group(r, want_inter, 2);
    kr_group_release(r);
    r = kr_group_difference(a, b);
    expect_group(r, want_diff, 2);
    kr_group_release(r);
    r = kr_group_difference(b, a);
    expect_group(r, want_diff_ba, 2);
    kr_group_release(r);
    /* with the empty group */
    r = kr_group_union(e, a);
    expect_group(r, ra, 4);
    kr_group_release(r);
    r = kr_group_union(a, e);
    expect_group(r, ra, 4);
    kr_group_release(r);
    r = kr_group_intersection(a, e);
    expect_group(r, NULL, 0);
    kr_group_release(r);
    r = kr_group_difference(a, a);
    expect_group(r, NULL, 0);
    kr_group_release(r);
    r = kr_group_union(a, a);
    expect_group(r, ra, 4);
    kr_group_release(r);
    kr_group_release(e);
    kr_group_release(b);
    kr_group_release(a);
}

static void group_translate(void **state)
{
    static const int ra[] = {0, 1, 2, 3, 4, 5, 6, 7}, rb[] = {6, 4, 2, 0};
    static const int in[] = {0, 1, PROC_NULL, 6, 7, 2};
    static const int want[] = {3, KR_GROUP_UNDEFINED, PROC_NULL, 0, KR_GROUP_UNDEFINED, 2};
    struct kr_group *a = kr_group_create(ra, 8), *b = kr_group_create(rb, 4);
    struct kr_group *e = kr_group_create(NULL, 0);
    int out[6];

    (void) state;
    assert_int_equal(kr_group_translate(a, in, 6, b, out), 0);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(out[i], want[i]);
    }
    /* back again: every member of b is in a */
    assert_int_equal(kr_group_translate(b, (const int[]){0, 1, 2, 3}, 4, a, out), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(out[i], rb[i]);
    }
    /* into the empty group: nobody is a member */
    assert_int_equal(kr_group_translate(a, (const int[]){3, PROC_NULL}, 2, e, out), 0);
    assert_int_equal(out[0], KR_GROUP_UNDEFINED);
    assert_int_equal(out[1], PROC_NULL);
    assert_int_equal(kr_group_translate(a, NULL, 0, b, out), 0);
    kr_group_release(e);
    kr_group_release(b);
    kr_group_release(a);
}

static void group_compare(void **state)
{
    static const int r1[] = {2, 4, 6}, r2[] = {6, 2, 4}, r3[] = {2, 4, 7};
    struct kr_group *a = kr_group_create(r1, 3), *a2 = kr_group_create(r1, 3);
    struct kr_group *s = kr_group_create(r2, 3), *u = kr_group_create(r3, 3);
    struct kr_group *shorter = kr_group_create(r1, 2), *e1 = kr_group_create(NULL, 0);
    struct kr_group *e2 = kr_group_create(NULL, 0);

    (void) state;
    assert_int_equal(kr_group_compare(a, a), KR_COMM_IDENT);
    assert_int_equal(kr_group_compare(a, a2), KR_COMM_IDENT);
    assert_int_equal(kr_group_compare(a, s), KR_COMM_SIMILAR);
    assert_int_equal(kr_group_compare(s, a), KR_COMM_SIMILAR);
    assert_int_equal(kr_group_compare(a, u), KR_COMM_UNEQUAL);
    assert_int_equal(kr_group_compare(a, shorter), KR_COMM_UNEQUAL);
    assert_int_equal(kr_group_compare(e1, e2), KR_COMM_IDENT);
    assert_int_equal(kr_group_compare(e1, a), KR_COMM_UNEQUAL);
    kr_group_release(e2);
    kr_group_release(e1);
    kr_group_release(shorter);
    kr_group_release(u);
    kr_group_release(s);
    kr_group_release(a2);
    kr_group_release(a);
}

/* A large group: lookups go through a sorted index, results keep MPI's order. */
static void group_large(void **state)
{
    enum { N = 5000 };
    static int ra[N], rb[N / 2], in[N], out[N];
    struct kr_group *a, *b, *r;

    (void) state;
    for (int i = 0; i < N; i++) {
        ra[i] = (i * 7919) % N; /* a permutation of 0..N-1 */
        in[i] = i;
    }
    for (int i = 0; i < N / 2; i++) {
        rb[i] = 2 * (N / 2 - 1 - i); /* the even ranks, descending */
    }
    a = kr_group_create(ra, N);
    b = kr_group_create(rb, N / 2);
    assert_int_equal(kr_group_translate(a, in, N, b, out), 0);
    for (int i = 0; i < N; i++) {
        int job = ra[i];

        assert_int_equal(out[i], job % 2 == 0 ? N / 2 - 1 - job / 2 : KR_GROUP_UNDEFINED);
    }
    r = kr_group_intersection(a, b);
    assert_int_equal(r->size, N / 2);
    for (int i = 0, k = 0; i < N; i++) {
        if (ra[i] % 2 == 0) {
            assert_int_equal(r->ranks[k++], ra[i]);
        }
    }
    kr_group_release(r);
    kr_group_release(b);
    kr_group_release(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(group_incl_excl), cmocka_unit_test(group_set_algebra),
        cmocka_unit_test(group_translate), cmocka_unit_test(group_compare),
        cmocka_unit_test(group_large),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The measured choice between two ways of a collective (src/coll/coll_adapt.c): size buckets,
 * trying each way first, staying with the faster, trying the other now and then, following a
 * change of machine state within a few calls, and damping single outliers. */
#include "config.h"

#include "coll/coll_adapt.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void buckets_double(void **state)
{
    (void) state;
    assert_int_equal(kr_adapt_bucket(1, 4096), 0);
    assert_int_equal(kr_adapt_bucket(4096, 4096), 0);
    assert_int_equal(kr_adapt_bucket(4097, 4096), 1);
    assert_int_equal(kr_adapt_bucket(65536, 4096), 4);
    assert_int_equal(kr_adapt_bucket((size_t) 1 << 40, 4096), KR_ADAPT_BUCKETS - 1);
}

/* Run `calls` calls of bucket 0 where way 0 takes t0 and way 1 takes t1 seconds; returns how
 * many took way 1. */
static int run(struct kr_adapt *a, int calls, double t0, double t1)
{
    int ones = 0;

    for (int i = 0; i < calls; i++) {
        int way = kr_adapt_choose(a, 0);

        ones += way;
        kr_adapt_record(a, 0, way, way == 0 ? t0 : t1);
    }
    return ones;
}

static void tries_both_then_keeps_the_faster(void **state)
{
    struct kr_adapt a;

    (void) state;
    memset(&a, 0, sizeof(a));
    assert_int_equal(kr_adapt_choose(&a, 0), 0);
    kr_adapt_record(&a, 0, 0, 30e-6);
    assert_int_equal(kr_adapt_choose(&a, 0), 1); /* never timed */
    kr_adapt_record(&a, 0, 1, 60e-6);
    assert_int_equal(kr_adapt_choose(&a, 0), 0);
    /* 170 calls: the slower way only on its tries, once per KR_ADAPT_EXPLORE + 1 calls */
    int ones = run(&a, 170, 30e-6, 60e-6);

    assert_true(ones >= 170 / (KR_ADAPT_EXPLORE + 1) - 1);
    assert_true(ones <= 170 / (KR_ADAPT_EXPLORE + 1) + 1);
    /* another bucket knows nothing yet */
    assert_int_equal(kr_adapt_choose(&a, 3), 0);
}

static void follows_a_change_of_state(void **state)
{
    struct kr_adapt a;
    int ones;

    (void) state;
    memset(&a, 0, sizeof(a));
    run(&a, 100, 30e-6, 60e-6);
    assert_true(a.b[0].avg[0] < a.b[0].avg[1]);
    /* way 0 becomes 4x slower: within a few tries of way 1 it takes over */
    run(&a, 5 * (KR_ADAPT_EXPLORE + 1), 130e-6, 60e-6);
    ones = run(&a, 100, 130e-6, 60e-6);
    assert_true(ones >= 100 - 100 / (KR_ADAPT_EXPLORE + 1) - 1);
    /* and back */
    run(&a, 5 * (KR_ADAPT_EXPLORE + 1), 30e-6, 60e-6);
    ones = run(&a, 100, 30e-6, 60e-6);
    assert_true(ones <= 100 / (KR_ADAPT_EXPLORE + 1) + 1);
}

static void one_outlier_does_not_flip(void **state)
{
    struct kr_adapt a;

    (void) state;
    memset(&a, 0, sizeof(a));
    run(&a, 50, 30e-6, 45e-6);
    /* a preempted call of 5 ms on the faster way */
    kr_adapt_record(&a, 0, 0, 5e-3);
    assert_true(a.b[0].avg[0] < a.b[0].avg[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buckets_double),
        cmocka_unit_test(tries_both_then_keeps_the_faster),
        cmocka_unit_test(follows_a_change_of_state),
        cmocka_unit_test(one_outlier_does_not_flip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Choosing between two ways of a collective by measured time (see coll_adapt.h). */
#include "config.h"

#include "coll_adapt.h"

int kr_adapt_bucket(size_t bytes, size_t base)
{
    int b = 0;

    while (bytes > base && b < KR_ADAPT_BUCKETS - 1) {
        base *= 2;
        b++;
    }
    return b;
}

static int adapt_faster(const struct kr_adapt_bucket *b)
{
    return b->avg[1] < b->avg[0] ? 1 : 0;
}

int kr_adapt_preferred(const struct kr_adapt *a, int bucket)
{
    const struct kr_adapt_bucket *b = &a->b[bucket];

    return b->avg[0] == 0 || b->avg[1] == 0 ? -1 : adapt_faster(b);
}

int kr_adapt_choose(const struct kr_adapt *a, int bucket)
{
    const struct kr_adapt_bucket *b = &a->b[bucket];
    int fast;

    if (b->avg[0] == 0) {
        return 0;
    }
    if (b->avg[1] == 0) {
        return 1;
    }
    fast = adapt_faster(b);
    return b->since >= KR_ADAPT_EXPLORE ? !fast : fast;
}

void kr_adapt_record(struct kr_adapt *a, int bucket, int way, double seconds)
{
    struct kr_adapt_bucket *b = &a->b[bucket];
    double *avg = &b->avg[way];

    if (b->avg[0] != 0 && b->avg[1] != 0) {
        b->since = way == adapt_faster(b) ? b->since + 1 : 0;
    }
    if (*avg == 0) {
        *avg = seconds > 0 ? seconds : 1e-9;
        return;
    }
    /* A rank preempted in the middle of a call (oversubscribed) takes milliseconds once: such
     * an outlier moves the average at most as far as twice its value would. */
    if (seconds > 2 * *avg) {
        seconds = 2 * *avg;
    }
    *avg += (seconds - *avg) / 4;
}

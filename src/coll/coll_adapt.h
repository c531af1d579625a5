/* Choosing between two ways of running a collective by their measured times, for cases where
 * the better one depends on the machine's state more than on the arguments (an oversubscribed
 * host whose memory and caches are sometimes fast and sometimes contended: the copies through
 * the shared area win by 2x in one state and lose by 2x in the other).
 *
 * The communicator's rank 0 times each call it makes and keeps a running average per way and
 * size bucket; it tries the other way now and then, so a change of state is noticed within a
 * few calls. Every member must run the same way in the same call, so rank 0 publishes its
 * choice for call k + 2 during call k in a table that every member reads at the start of its
 * call (kr_coll_adapt_* in coll_shm.c). Pure bookkeeping here, unit-tested. */
#ifndef KR_COLL_ADAPT_H
#define KR_COLL_ADAPT_H

#include <stddef.h>
#include <stdint.h>

#define KR_ADAPT_BUCKETS 8      /* size buckets: powers of two from the first one's size */
#define KR_ADAPT_EXPLORE 16     /* calls of a bucket between two tries of the other way */

struct kr_adapt_bucket {
    double avg[2];              /* running average seconds per way; 0 = never timed */
    unsigned since;             /* calls since the other way was last tried */
};

struct kr_adapt {
    struct kr_adapt_bucket b[KR_ADAPT_BUCKETS];
};

/* Bucket of `bytes` when bucket 0 holds sizes up to `base` (each next one doubles). */
int kr_adapt_bucket(size_t bytes, size_t base);

/* A call of `bucket` ran way `way` (0 or 1) in `seconds`. */
void kr_adapt_record(struct kr_adapt *a, int bucket, int way, double seconds);

/* The faster way of `bucket` on average, or -1 until both have been timed. */
int kr_adapt_preferred(const struct kr_adapt *a, int bucket);

/* The way the next call of `bucket` should take: one never timed, the other one when it is
 * due for a try, else the faster on average. */
int kr_adapt_choose(const struct kr_adapt *a, int bucket);

#endif /* KR_COLL_ADAPT_H */

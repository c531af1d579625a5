/* Allgather: for small totals recursive doubling when the size is a power of two (log n rounds,
 * each doubling the data held) and Bruck's algorithm otherwise (ceil(log2 n) rounds for any n,
 * at the price of a final rotation); for large totals a ring (n-1 rounds of one block, each
 * link carrying every block once). */
#include "config.h"

#include "coll_int.h"

#include <errno.h>

static int allgather_ring(struct kr_sched *s, unsigned char *rbuf, size_t bytes)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), ret = 0;

    for (int st = 0; ret == 0 && st < n - 1; st++) {
        int sb = (r - st + n) % n, rb = (r - st - 1 + n) % n;

        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_recv(s, rbuf + (size_t) rb * bytes, bytes, (r - 1 + n) % n);
        }
        if (ret == 0) {
            ret = kr_sched_send(s, rbuf + (size_t) sb * bytes, bytes, (r + 1) % n);
        }
    }
    return ret;
}

/* After the round with distance d, each rank holds the aligned group of 2d blocks around it. */
static int allgather_recdbl(struct kr_sched *s, unsigned char *rbuf, size_t bytes)
{
    int r = kr_sched_rank(s), ret = 0;

    for (int d = 1; ret == 0 && d < kr_sched_size(s); d <<= 1) {
        int peer = r ^ d, mine = r & ~(d - 1), theirs = peer & ~(d - 1);

        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_recv(s, rbuf + (size_t) theirs * bytes, (size_t) d * bytes, peer);
        }
        if (ret == 0) {
            ret = kr_sched_send(s, rbuf + (size_t) mine * bytes, (size_t) d * bytes, peer);
        }
    }
    return ret;
}

/* Bruck: tmp[i] is the block of rank r + i. After the round with distance d this rank holds
 * the blocks of r .. r + 2d - 1: it gets d more from rank r + d, which holds exactly those
 * first. Rank 0's order is already the final one, so it works in rbuf. */
static int allgather_bruck(struct kr_sched *s, unsigned char *rbuf, size_t bytes)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), ret;
    unsigned char *tmp = r == 0 ? rbuf : kr_sched_alloc(s, (size_t) n * bytes);

    if (tmp == NULL) {
        return -ENOMEM;
    }
    ret = kr_sched_copy(s, rbuf + (size_t) r * bytes, tmp, bytes);
    for (int d = 1; ret == 0 && d < n; d <<= 1) {
        size_t cnt = (size_t) (d < n - d ? d : n - d) * bytes;

        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_recv(s, tmp + (size_t) d * bytes, cnt, (r + d) % n);
        }
        if (ret == 0) {
            ret = kr_sched_send(s, tmp, cnt, (r - d + n) % n);
        }
    }
    if (ret == 0 && r != 0) {
        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_copy(s, tmp, rbuf + (size_t) r * bytes, (size_t) (n - r) * bytes);
        }
        if (ret == 0) {
            ret = kr_sched_copy(s, tmp + (size_t) (n - r) * bytes, rbuf, (size_t) r * bytes);
        }
    }
    return ret;
}

static int allgather_add(struct kr_sched *s, const void *sbuf, void *rbuf, size_t bytes)
{
    int n = kr_sched_size(s), algo = kr_coll_cfg.allgather, ret = kr_sched_round(s);
    unsigned char *rb = rbuf;
    bool pof2 = (n & (n - 1)) == 0;

    if (ret == 0 && sbuf != NULL && bytes > 0) {
        ret = kr_sched_copy(s, sbuf, rb + (size_t) kr_sched_rank(s) * bytes, bytes);
    }
    if (ret != 0 || n == 1) {
        return ret;
    }
    if (algo == KR_COLL_ALLGATHER_AUTO || (algo == KR_COLL_ALLGATHER_RECDBL && !pof2)) {
        algo = (size_t) n * bytes >= kr_coll_cfg.allgather_ring_min ? KR_COLL_ALLGATHER_RING
               : pof2                                               ? KR_COLL_ALLGATHER_RECDBL
                                                                    : KR_COLL_ALLGATHER_BRUCK;
    }
    switch (algo) {
    case KR_COLL_ALLGATHER_RECDBL: return allgather_recdbl(s, rb, bytes);
    case KR_COLL_ALLGATHER_BRUCK: return allgather_bruck(s, rb, bytes);
    default: return allgather_ring(s, rb, bytes);
    }
}

int kr_coll_allgather_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes,
                            struct kr_sched **s_out)
{
    struct kr_coll_blocks *rb;
    struct kr_sched *s = NULL;
    int ret = kr_sched_create(comm, &s);

    if (ret == 0 && comm->inter) {
        rb = kr_coll_blocks_uniform(s, comm->remote_size, bytes);
        ret = rb != NULL ? kr_coll_inter_allgatherv(s, sbuf, bytes, rbuf, rb) : -ENOMEM;
    } else if (ret == 0) {
        const struct kr_coll_hier *h = kr_coll_hier_get(comm);

        ret = h != NULL ? kr_coll_hier_allgather(s, h, sbuf, rbuf, bytes)
                        : allgather_add(s, sbuf, rbuf, bytes);
    }
    return kr_coll_built(s, ret, s_out);
}

int kr_coll_allgather(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes)
{
    struct kr_sched *s = NULL;
    int ret = kr_coll_allgather_sched(comm, sbuf, rbuf, bytes, &s);

    return kr_coll_run(s, ret);
}

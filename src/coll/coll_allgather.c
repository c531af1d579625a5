/* Allgather: recursive doubling when the size is a power of two (log n rounds, each doubling
 * the data held), otherwise a ring (n-1 rounds of one block). */
#include "config.h"

#include "coll_int.h"

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

int kr_coll_allgather_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes,
                            struct kr_sched **s_out)
{
    int n = comm->size, algo = kr_coll_cfg.allgather, ret;
    unsigned char *rb = rbuf;
    struct kr_sched *s = NULL;

    ret = kr_sched_create(comm, &s);
    if (ret == 0 && sbuf != NULL && bytes > 0) {
        ret = kr_sched_copy(s, sbuf, rb + (size_t) comm->rank * bytes, bytes);
    }
    if (ret == 0 && n > 1) {
        if (algo == KR_COLL_ALLGATHER_AUTO) {
            algo = (n & (n - 1)) == 0 ? KR_COLL_ALLGATHER_RECDBL : KR_COLL_ALLGATHER_RING;
        }
        ret = algo == KR_COLL_ALLGATHER_RECDBL && (n & (n - 1)) == 0
                  ? allgather_recdbl(s, rb, bytes)
                  : allgather_ring(s, rb, bytes);
    }
    return kr_coll_built(s, ret, s_out);
}

int kr_coll_allgather(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes)
{
    struct kr_sched *s;
    int ret = kr_coll_allgather_sched(comm, sbuf, rbuf, bytes, &s);

    return ret != 0 ? ret : kr_sched_run(s);
}

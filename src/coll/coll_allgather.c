/* Allgather: recursive doubling when the size is a power of two (log n steps, each doubling
 * the data held), otherwise a ring (n-1 steps of one block). */
#include "config.h"

#include "coll_int.h"

#include <string.h>

static int allgather_ring(struct kr_comm *comm, unsigned char *rbuf, size_t bytes, int tag)
{
    int n = comm->size, r = comm->rank;

    for (int s = 0; s < n - 1; s++) {
        int sb = (r - s + n) % n, rb = (r - s - 1 + n) % n;
        int ret = kr_coll_sendrecv(comm, rbuf + (size_t) sb * bytes, bytes, (r + 1) % n,
                                   rbuf + (size_t) rb * bytes, bytes, (r - 1 + n) % n, tag);

        if (ret != 0) {
            return ret;
        }
    }
    return 0;
}

/* After the step with distance d, each rank holds the aligned group of 2d blocks around it. */
static int allgather_recdbl(struct kr_comm *comm, unsigned char *rbuf, size_t bytes, int tag)
{
    int r = comm->rank;

    for (int d = 1; d < comm->size; d <<= 1) {
        int peer = r ^ d;
        int mine = r & ~(d - 1), theirs = peer & ~(d - 1);
        int ret = kr_coll_sendrecv(comm, rbuf + (size_t) mine * bytes, (size_t) d * bytes, peer,
                                   rbuf + (size_t) theirs * bytes, (size_t) d * bytes, peer, tag);

        if (ret != 0) {
            return ret;
        }
    }
    return 0;
}

int kr_coll_allgather(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes)
{
    int n = comm->size, tag = kr_coll_tag(comm), algo = kr_coll_cfg.allgather;
    unsigned char *rb = rbuf;

    if (sbuf != NULL && bytes > 0) {
        memcpy(rb + (size_t) comm->rank * bytes, sbuf, bytes);
    }
    if (n == 1) {
        return 0;
    }
    if (algo == KR_COLL_ALLGATHER_AUTO) {
        algo = (n & (n - 1)) == 0 ? KR_COLL_ALLGATHER_RECDBL : KR_COLL_ALLGATHER_RING;
    }
    if (algo == KR_COLL_ALLGATHER_RECDBL && (n & (n - 1)) == 0) {
        return allgather_recdbl(comm, rb, bytes, tag);
    }
    return allgather_ring(comm, rb, bytes, tag);
}

/* Small blocking collectives straight on the pt2pt engine, without a schedule: for a few bytes
 * the schedule's bookkeeping costs more than the messages themselves. They run the same
 * algorithms as their schedule versions and draw the collective's tag the same way, and every
 * rank of the communicator takes the same path (the choice depends only on arguments that
 * are equal everywhere). */
#include "config.h"

#include "coll_int.h"

#include <string.h>

/* (a + b) mod n for 0 <= a, b < n, without a division: tens of cycles on a path that takes
 * about a hundred in all. */
static int direct_wrap(int a, int b, int n)
{
    return a + b >= n ? a + b - n : a + b;
}

int kr_coll_direct_bcast(struct kr_comm *comm, void *buf, size_t bytes, int root)
{
    int n = comm->size, me = direct_wrap(comm->rank, n - root, n), tag = kr_coll_tag(comm);
    uint32_t ctx = kr_comm_ctx_coll(comm);
    int mask = 1, ret = 0;

    /* Binomial tree over ranks relative to the root: hear from the parent, tell the children. */
    while (mask < n) {
        if ((me & mask) != 0) {
            struct kr_status st;

            ret = kr_pt2pt_recv(comm->pt, buf, bytes, direct_wrap(me - mask, root, n), tag, ctx,
                                &st);
            ret = ret != 0 ? ret : st.error;
            break;
        }
        mask <<= 1;
    }
    for (mask >>= 1; ret == 0 && mask > 0; mask >>= 1) {
        if (me + mask < n) {
            int child = direct_wrap(me + mask, root, n);

            ret = kr_pt2pt_send(comm->pt, buf, bytes, kr_comm_job_rank(comm, child), comm->rank,
                                tag, ctx);
        }
    }
    return ret;
}

int kr_coll_direct_alltoall(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes)
{
    struct kr_req reqs[2 * KR_COLL_DIRECT_MAX_RANKS];
    int n = comm->size, me = comm->rank, tag = kr_coll_tag(comm), nreq = 0, ret = 0;
    uint32_t ctx = kr_comm_ctx_coll(comm);
    const unsigned char *sb = sbuf;
    unsigned char *rb = rbuf;

    /* Receives first (in the order the peers send to us), then sends, then our own block. */
    for (int i = 1; i < n && ret == 0; i++) {
        int peer = (me - i + n) % n;

        kr_req_init(&reqs[nreq], KR_REQ_RECV);
        ret = kr_pt2pt_irecv(comm->pt, &reqs[nreq], rb + (size_t) peer * bytes, bytes, peer, tag,
                             ctx);
        nreq += ret == 0;
    }
    for (int i = 1; i < n && ret == 0; i++) {
        int peer = (me + i) % n;

        kr_req_init(&reqs[nreq], KR_REQ_SEND);
        ret = kr_pt2pt_isend(comm->pt, &reqs[nreq], sb + (size_t) peer * bytes, bytes,
                             kr_comm_job_rank(comm, peer), me, tag, ctx);
        nreq += ret == 0;
    }
    memcpy(rb + (size_t) me * bytes, sb + (size_t) me * bytes, bytes);
    /* Wait for everything posted even after an error: the requests live on this stack. */
    for (int i = 0; i < nreq; i++) {
        int err = kr_pt2pt_wait(comm->pt, &reqs[i]);

        err = err != 0 ? err : reqs[i].status.error;
        ret = ret != 0 ? ret : err;
    }
    return ret;
}

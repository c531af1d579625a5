/* Alltoall: for short blocks every receive and send is posted at once (the transports
 * overlap them); for long blocks ranks exchange pairwise, one partner per step, so no rank is
 * flooded by everyone at the same time. */
#include "config.h"

#include "coll_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int alltoall_postall(struct kr_comm *comm, const unsigned char *sbuf,
                            unsigned char *rbuf, size_t bytes, int tag)
{
    int n = comm->size, r = comm->rank, ret = 0, posted = 0;
    struct kr_req *reqs = malloc(sizeof(*reqs) * 2 * (size_t) n);

    if (reqs == NULL) {
        return -ENOMEM;
    }
    for (int s = 1; s < n && ret == 0; s++) {
        int src = (r - s + n) % n;

        kr_req_init(&reqs[posted], KR_REQ_RECV);
        ret = kr_pt2pt_irecv(comm->pt, &reqs[posted], rbuf + (size_t) src * bytes, bytes, src,
                             tag, kr_comm_ctx_coll(comm));
        posted += ret == 0;
    }
    for (int s = 1; s < n && ret == 0; s++) {
        int dst = (r + s) % n;

        kr_req_init(&reqs[posted], KR_REQ_SEND);
        ret = kr_pt2pt_isend(comm->pt, &reqs[posted], sbuf + (size_t) dst * bytes, bytes,
                             kr_comm_job_rank(comm, dst), r, tag, kr_comm_ctx_coll(comm));
        posted += ret == 0;
    }
    for (int i = 0; i < posted; i++) {
        int w = kr_pt2pt_wait(comm->pt, &reqs[i]);

        if (ret == 0) {
            ret = w != 0 ? w : reqs[i].status.error;
        }
    }
    free(reqs);
    return ret;
}

static int alltoall_pairwise(struct kr_comm *comm, const unsigned char *sbuf,
                             unsigned char *rbuf, size_t bytes, int tag)
{
    int n = comm->size, r = comm->rank;

    for (int s = 1; s < n; s++) {
        int dst = (r + s) % n, src = (r - s + n) % n;
        int ret = kr_coll_sendrecv(comm, sbuf + (size_t) dst * bytes, bytes, dst,
                                   rbuf + (size_t) src * bytes, bytes, src, tag);

        if (ret != 0) {
            return ret;
        }
    }
    return 0;
}

int kr_coll_alltoall(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes)
{
    int tag = kr_coll_tag(comm), algo = kr_coll_cfg.alltoall, ret;
    size_t total = (size_t) comm->size * bytes;
    const unsigned char *sb = sbuf;
    unsigned char *copy = NULL;

    if (sbuf == NULL) {
        /* In place: send from a copy so received blocks cannot overwrite unsent ones. */
        copy = malloc(total + 1);
        if (copy == NULL) {
            return -ENOMEM;
        }
        memcpy(copy, rbuf, total);
        sb = copy;
    }
    if (bytes > 0) {
        memcpy((unsigned char *) rbuf + (size_t) comm->rank * bytes,
               sb + (size_t) comm->rank * bytes, bytes);
    }
    if (algo == KR_COLL_ALLTOALL_AUTO) {
        algo = bytes >= kr_coll_cfg.alltoall_pairwise_min ? KR_COLL_ALLTOALL_PAIRWISE
                                                          : KR_COLL_ALLTOALL_POSTALL;
    }
    ret = algo == KR_COLL_ALLTOALL_PAIRWISE ? alltoall_pairwise(comm, sb, rbuf, bytes, tag)
                                            : alltoall_postall(comm, sb, rbuf, bytes, tag);
    free(copy);
    return ret;
}

/* Alltoall: for short blocks every receive and send is posted in one round (the transports
 * overlap them); for long blocks ranks exchange pairwise, one partner per round, so no rank is
 * flooded by everyone at the same time. */
#include "config.h"

#include "coll_int.h"

#include <errno.h>

static int alltoall_postall(struct kr_sched *s, const unsigned char *sbuf, unsigned char *rbuf,
                            size_t bytes)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), ret = kr_sched_round(s);

    for (int st = 1; ret == 0 && st < n; st++) {
        int src = (r - st + n) % n;

        ret = kr_sched_recv(s, rbuf + (size_t) src * bytes, bytes, src);
    }
    for (int st = 1; ret == 0 && st < n; st++) {
        int dst = (r + st) % n;

        ret = kr_sched_send(s, sbuf + (size_t) dst * bytes, bytes, dst);
    }
    return ret;
}

static int alltoall_pairwise(struct kr_sched *s, const unsigned char *sbuf,
                             unsigned char *rbuf, size_t bytes)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), ret = 0;

    for (int st = 1; ret == 0 && st < n; st++) {
        int dst = (r + st) % n, src = (r - st + n) % n;

        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_recv(s, rbuf + (size_t) src * bytes, bytes, src);
        }
        if (ret == 0) {
            ret = kr_sched_send(s, sbuf + (size_t) dst * bytes, bytes, dst);
        }
    }
    return ret;
}

int kr_coll_alltoall_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes,
                           struct kr_sched **s_out)
{
    int algo = kr_coll_cfg.alltoall, ret;
    size_t total = (size_t) comm->size * bytes, mine = (size_t) comm->rank * bytes;
    const unsigned char *sb = sbuf;
    struct kr_sched *s = NULL;

    ret = kr_sched_create(comm, &s);
    if (ret == 0 && sbuf == NULL) {
        /* In place: send from a copy so received blocks cannot overwrite unsent ones. */
        unsigned char *copy = kr_sched_alloc(s, total);

        ret = copy != NULL ? kr_sched_copy(s, rbuf, copy, total) : -ENOMEM;
        sb = copy;
    }
    if (ret == 0 && sbuf != NULL) {
        ret = kr_sched_copy(s, sb + mine, (unsigned char *) rbuf + mine, bytes);
    }
    if (ret == 0 && comm->size > 1) {
        if (algo == KR_COLL_ALLTOALL_AUTO) {
            algo = bytes >= kr_coll_cfg.alltoall_pairwise_min ? KR_COLL_ALLTOALL_PAIRWISE
                                                              : KR_COLL_ALLTOALL_POSTALL;
        }
        ret = algo == KR_COLL_ALLTOALL_PAIRWISE ? alltoall_pairwise(s, sb, rbuf, bytes)
                                                : alltoall_postall(s, sb, rbuf, bytes);
    }
    return kr_coll_built(s, ret, s_out);
}

int kr_coll_alltoall(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes)
{
    struct kr_sched *s;
    int ret = kr_coll_alltoall_sched(comm, sbuf, rbuf, bytes, &s);

    return ret != 0 ? ret : kr_sched_run(s);
}

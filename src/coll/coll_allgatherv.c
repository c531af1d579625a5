/* Allgatherv: a ring, n-1 rounds in which every rank passes on the block it received last;
 * blocks may differ in size and lie anywhere in the receive buffer. */
#include "config.h"

#include "coll_int.h"

int kr_coll_allgatherv_add(struct kr_sched *s, const void *sbuf, void *rbuf_v,
                           const struct kr_coll_blocks *rb)
{
    unsigned char *rbuf = rbuf_v;
    int n = kr_sched_size(s), r = kr_sched_rank(s), ret = kr_sched_round(s);

    if (ret == 0 && sbuf != NULL) {
        ret = kr_sched_copy(s, sbuf, rbuf + rb->off[r], rb->len[r]);
    }
    for (int st = 0; ret == 0 && st < n - 1; st++) {
        int sb = (r - st + n) % n, b = (r - st - 1 + n) % n;

        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_recv(s, rbuf + rb->off[b], rb->len[b], (r - 1 + n) % n);
        }
        if (ret == 0) {
            ret = kr_sched_send(s, rbuf + rb->off[sb], rb->len[sb], (r + 1) % n);
        }
    }
    return ret;
}

int kr_coll_allgatherv_sched(struct kr_comm *comm, const void *sbuf, size_t sbytes, void *rbuf,
                             const struct kr_coll_blocks *rb, struct kr_sched **s_out)
{
    struct kr_sched *s = NULL;
    int ret = kr_sched_create(comm, &s);

    if (ret == 0) {
        ret = comm->inter ? kr_coll_inter_allgatherv(s, sbuf, sbytes, rbuf, rb)
                          : kr_coll_allgatherv_add(s, sbuf, rbuf, rb);
    }
    return kr_coll_built(s, ret, s_out);
}

/* Alltoallv and alltoallw on packed blocks: every transfer posted in one round, or for large
 * blocks one partner per round. Each pair exchanges exactly one message either way, so ranks
 * that chose differently (their averages differ) still match. */
#include "config.h"

#include "coll_int.h"

#include <errno.h>

static int alltoallv_postall(struct kr_sched *s, const unsigned char *sbuf,
                             const struct kr_coll_blocks *sb, unsigned char *rbuf,
                             const struct kr_coll_blocks *rb)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), ret = kr_sched_round(s);

    for (int st = 1; ret == 0 && st < n; st++) {
        int src = (r - st + n) % n;

        ret = kr_sched_recv(s, rbuf + rb->off[src], rb->len[src], src);
    }
    for (int st = 1; ret == 0 && st < n; st++) {
        int dst = (r + st) % n;

        ret = kr_sched_send(s, sbuf + sb->off[dst], sb->len[dst], dst);
    }
    return ret;
}

static int alltoallv_pairwise(struct kr_sched *s, const unsigned char *sbuf,
                              const struct kr_coll_blocks *sb, unsigned char *rbuf,
                              const struct kr_coll_blocks *rb)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), ret = 0;

    for (int st = 1; ret == 0 && st < n; st++) {
        int dst = (r + st) % n, src = (r - st + n) % n;

        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_recv(s, rbuf + rb->off[src], rb->len[src], src);
        }
        if (ret == 0) {
            ret = kr_sched_send(s, sbuf + sb->off[dst], sb->len[dst], dst);
        }
    }
    return ret;
}

/* In place: copy the bytes the receive blocks span into scratch and send from there. */
static int alltoallv_inplace(struct kr_sched *s, unsigned char *rbuf,
                             const struct kr_coll_blocks *rb, const unsigned char **sbuf_out,
                             struct kr_coll_blocks *sb_out)
{
    int n = kr_sched_size(s);
    ptrdiff_t lo = 0, hi = 0, *off = kr_sched_alloc(s, sizeof(*off) * (size_t) n);
    unsigned char *copy;
    bool any = false;

    if (off == NULL) {
        return -ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        if (rb->len[i] > 0) {
            lo = !any || rb->off[i] < lo ? rb->off[i] : lo;
            hi = !any || rb->off[i] + (ptrdiff_t) rb->len[i] > hi
                     ? rb->off[i] + (ptrdiff_t) rb->len[i] : hi;
            any = true;
        }
    }
    copy = kr_sched_alloc(s, (size_t) (hi - lo));
    if (copy == NULL) {
        return -ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        off[i] = rb->off[i] - lo;
    }
    *sbuf_out = copy;
    sb_out->off = off;
    sb_out->len = rb->len;
    return kr_sched_copy(s, rbuf + lo, copy, (size_t) (hi - lo));
}

static int alltoallv_add(struct kr_sched *s, const void *sbuf, const struct kr_coll_blocks *sb,
                         void *rbuf, const struct kr_coll_blocks *rb)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), algo = kr_coll_cfg.alltoallv;
    const unsigned char *src = sbuf;
    struct kr_coll_blocks inplace;
    int ret = kr_sched_round(s);
    size_t total = 0;

    if (ret == 0 && sbuf == NULL && n > 1) {
        ret = alltoallv_inplace(s, rbuf, rb, &src, &inplace);
        sb = &inplace;
    } else if (ret == 0 && sbuf != NULL) {
        ret = kr_sched_copy(s, src + sb->off[r], (unsigned char *) rbuf + rb->off[r],
                            sb->len[r] < rb->len[r] ? sb->len[r] : rb->len[r]);
    }
    if (ret != 0 || n == 1) {
        return ret;
    }
    for (int i = 0; i < n; i++) {
        total += sb->len[i];
    }
    if (algo == KR_COLL_ALLTOALLV_AUTO) {
        algo = total / (size_t) n >= kr_coll_cfg.alltoallv_pairwise_min
                   ? KR_COLL_ALLTOALLV_PAIRWISE : KR_COLL_ALLTOALLV_POSTALL;
    }
    return algo == KR_COLL_ALLTOALLV_PAIRWISE ? alltoallv_pairwise(s, src, sb, rbuf, rb)
                                              : alltoallv_postall(s, src, sb, rbuf, rb);
}

int kr_coll_alltoallv_sched(struct kr_comm *comm, const void *sbuf,
                            const struct kr_coll_blocks *sb, void *rbuf,
                            const struct kr_coll_blocks *rb, struct kr_sched **s_out)
{
    struct kr_sched *s = NULL;
    int ret = kr_sched_create(comm, &s);

    if (ret == 0) {
        ret = comm->inter ? kr_coll_inter_alltoallv(s, sbuf, sb, rbuf, rb)
                          : alltoallv_add(s, sbuf, sb, rbuf, rb);
    }
    return kr_coll_built(s, ret, s_out);
}

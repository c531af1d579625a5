/* Gather: a binomial tree for small blocks (log n rounds; inner ranks forward their subtree's
 * blocks in one message), or every rank sending straight to the root for large ones, where
 * forwarding would only copy more. Gatherv is always linear: block sizes differ per rank, so
 * a tree would need every rank to know every count. */
#include "config.h"

#include "coll_int.h"

#include <errno.h>
#include <string.h>

/* Ranks in the binomial subtree of relative rank vr, including itself. */
static int gather_subtree(int vr, int n)
{
    int mask = 1;

    while (mask < n && (vr & mask) == 0) {
        mask <<= 1;
    }
    return vr + mask < n ? mask : n - vr;
}

/* Every rank's block travels up the tree in relative-rank order: relative rank vr's buffer
 * holds the blocks of vr .. vr + subtree - 1. The root unrotates at the end. */
static int gather_binomial(struct kr_sched *s, const unsigned char *sbuf, unsigned char *rbuf,
                           size_t bytes, int root)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), vr = (r - root + n) % n;
    int sub = gather_subtree(vr, n), ret = kr_sched_round(s);
    const unsigned char *mine = sbuf != NULL ? sbuf : rbuf + (size_t) root * bytes;
    unsigned char *tmp;

    if (ret != 0) {
        return ret;
    }
    if (sub == 1) {
        return kr_sched_send(s, sbuf, bytes, (vr - (vr & -vr) + root) % n); /* a leaf */
    }
    tmp = vr == 0 && root == 0 ? rbuf : kr_sched_alloc(s, (size_t) sub * bytes);
    if (tmp == NULL) {
        return -ENOMEM;
    }
    ret = kr_sched_copy(s, mine, tmp, bytes);
    for (int mask = 1; ret == 0 && mask < sub; mask <<= 1) {
        int k = vr + 2 * mask <= vr + sub ? mask : sub - mask;

        ret = kr_sched_recv(s, tmp + (size_t) mask * bytes, (size_t) k * bytes,
                            (vr + mask + root) % n);
    }
    if (ret == 0) {
        ret = kr_sched_round(s);
    }
    if (ret == 0 && vr != 0) {
        ret = kr_sched_send(s, tmp, (size_t) sub * bytes, (vr - (vr & -vr) + root) % n);
    } else if (ret == 0 && root != 0) {
        /* Relative block i is rank (i + root) % n's. */
        ret = kr_sched_copy(s, tmp, rbuf + (size_t) root * bytes, (size_t) (n - root) * bytes);
        if (ret == 0) {
            ret = kr_sched_copy(s, tmp + (size_t) (n - root) * bytes, rbuf,
                                (size_t) root * bytes);
        }
    }
    return ret;
}

int kr_coll_gatherv_add(struct kr_sched *s, const void *sbuf, size_t sbytes, void *rbuf,
                        const struct kr_coll_blocks *rb, int root)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), ret = kr_sched_round(s);
    unsigned char *b = rbuf;

    if (ret != 0 || r != root) {
        return ret != 0 ? ret : kr_sched_send(s, sbuf, sbytes, root);
    }
    for (int i = 0; ret == 0 && i < n; i++) {
        if (i != root) {
            ret = kr_sched_recv(s, b + rb->off[i], rb->len[i], i);
        }
    }
    if (ret == 0 && sbuf != NULL) {
        ret = kr_sched_copy(s, sbuf, b + rb->off[root],
                            sbytes < rb->len[root] ? sbytes : rb->len[root]);
    }
    return ret;
}

int kr_coll_gather_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes,
                         int root, struct kr_sched **s_out)
{
    int algo = kr_coll_cfg.gather, ret;
    struct kr_coll_blocks *rb;
    struct kr_sched *s = NULL;

    ret = kr_sched_create(comm, &s);
    if (ret != 0) {
        return ret;
    }
    if (comm->inter || algo == KR_COLL_GATHER_LINEAR
        || (algo == KR_COLL_GATHER_AUTO && bytes >= kr_coll_cfg.gather_linear_min)) {
        rb = kr_coll_blocks_uniform(s, kr_sched_size(s), bytes);
        ret = rb == NULL ? -ENOMEM
              : comm->inter ? kr_coll_inter_gatherv(s, sbuf, bytes, rbuf, rb, root)
                            : kr_coll_gatherv_add(s, sbuf, bytes, rbuf, rb, root);
    } else if (comm->size > 1) {
        ret = gather_binomial(s, sbuf, rbuf, bytes, root);
    } else if (sbuf != NULL) {
        ret = kr_sched_copy(s, sbuf, rbuf, bytes);
    }
    return kr_coll_built(s, ret, s_out);
}

int kr_coll_gatherv_sched(struct kr_comm *comm, const void *sbuf, size_t sbytes, void *rbuf,
                          const struct kr_coll_blocks *rb, int root, struct kr_sched **s_out)
{
    struct kr_sched *s = NULL;
    int ret = kr_sched_create(comm, &s);

    if (ret == 0) {
        ret = comm->inter ? kr_coll_inter_gatherv(s, sbuf, sbytes, rbuf, rb, root)
                          : kr_coll_gatherv_add(s, sbuf, sbytes, rbuf, rb, root);
    }
    return kr_coll_built(s, ret, s_out);
}

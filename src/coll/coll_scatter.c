/* Scatter: a binomial tree for small blocks (the root sends each subtree its blocks in one
 * message, log n rounds), or the root sending straight to every rank for large ones.
 * Scatterv is always linear. */
#include "config.h"

#include "coll_int.h"

#include <errno.h>
#include <string.h>

/* Ranks in the binomial subtree of relative rank vr, including itself. */
static int scatter_subtree(int vr, int n)
{
    int mask = 1;

    while (mask < n && (vr & mask) == 0) {
        mask <<= 1;
    }
    return vr + mask < n ? mask : n - vr;
}

/* The root's blocks in relative-rank order (rotated unless the root is rank 0); each rank
 * receives its subtree's blocks and passes the children theirs. */
static int scatter_binomial(struct kr_sched *s, const unsigned char *sbuf, unsigned char *rbuf,
                            size_t bytes, int root)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), vr = (r - root + n) % n;
    int sub = scatter_subtree(vr, n), ret = kr_sched_round(s);
    const unsigned char *tmp = sbuf;

    if (ret == 0 && vr != 0 && sub == 1) {
        return kr_sched_recv(s, rbuf, bytes, (vr - (vr & -vr) + root) % n);
    }
    if (ret == 0 && (vr != 0 || root != 0)) {
        unsigned char *t = kr_sched_alloc(s, (size_t) sub * bytes);

        if (t == NULL) {
            return -ENOMEM;
        }
        if (vr != 0) {
            ret = kr_sched_recv(s, t, (size_t) sub * bytes, (vr - (vr & -vr) + root) % n);
        } else {
            ret = kr_sched_copy(s, sbuf + (size_t) root * bytes, t, (size_t) (n - root) * bytes);
            if (ret == 0) {
                ret = kr_sched_copy(s, sbuf, t + (size_t) (n - root) * bytes,
                                    (size_t) root * bytes);
            }
        }
        tmp = t;
    }
    if (ret == 0) {
        ret = kr_sched_round(s);
    }
    for (int mask = 1; ret == 0 && mask < sub; mask <<= 1) {
        int k = vr + 2 * mask <= vr + sub ? mask : sub - mask;

        ret = kr_sched_send(s, tmp + (size_t) mask * bytes, (size_t) k * bytes,
                            (vr + mask + root) % n);
    }
    if (ret == 0 && rbuf != NULL) {
        ret = kr_sched_copy(s, tmp, rbuf, bytes);
    }
    return ret;
}

int kr_coll_scatterv_add(struct kr_sched *s, const void *sbuf, const struct kr_coll_blocks *sb,
                         void *rbuf, size_t rbytes, int root)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), ret = kr_sched_round(s);
    const unsigned char *b = sbuf;

    if (ret != 0 || r != root) {
        return ret != 0 ? ret : kr_sched_recv(s, rbuf, rbytes, root);
    }
    for (int i = 0; ret == 0 && i < n; i++) {
        if (i != root) {
            ret = kr_sched_send(s, b + sb->off[i], sb->len[i], i);
        }
    }
    if (ret == 0 && rbuf != NULL) {
        ret = kr_sched_copy(s, b + sb->off[root], rbuf,
                            rbytes < sb->len[root] ? rbytes : sb->len[root]);
    }
    return ret;
}

int kr_coll_scatter_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes,
                          int root, struct kr_sched **s_out)
{
    int algo = kr_coll_cfg.scatter, ret;
    struct kr_coll_blocks *sb;
    struct kr_sched *s = NULL;

    ret = kr_sched_create(comm, &s);
    if (ret != 0) {
        return ret;
    }
    if (comm->inter || algo == KR_COLL_SCATTER_LINEAR
        || (algo == KR_COLL_SCATTER_AUTO && bytes >= kr_coll_cfg.scatter_linear_min)) {
        sb = kr_coll_blocks_uniform(s, kr_sched_size(s), bytes);
        ret = sb == NULL ? -ENOMEM
              : comm->inter ? kr_coll_inter_scatterv(s, sbuf, sb, rbuf, bytes, root)
                            : kr_coll_scatterv_add(s, sbuf, sb, rbuf, bytes, root);
    } else if (comm->size > 1) {
        ret = scatter_binomial(s, sbuf, rbuf, bytes, root);
    } else if (rbuf != NULL) {
        ret = kr_sched_copy(s, sbuf, rbuf, bytes);
    }
    return kr_coll_built(s, ret, s_out);
}

int kr_coll_scatterv_sched(struct kr_comm *comm, const void *sbuf,
                           const struct kr_coll_blocks *sb, void *rbuf, size_t rbytes, int root,
                           struct kr_sched **s_out)
{
    struct kr_sched *s = NULL;
    int ret = kr_sched_create(comm, &s);

    if (ret == 0) {
        ret = comm->inter ? kr_coll_inter_scatterv(s, sbuf, sb, rbuf, rbytes, root)
                          : kr_coll_scatterv_add(s, sbuf, sb, rbuf, rbytes, root);
    }
    return kr_coll_built(s, ret, s_out);
}

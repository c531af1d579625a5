/* Intercommunicator collectives: phases inside a group run on its local communicator
 * (kr_sched_local), the groups meet through their leaders (rank 0) or, where every rank has
 * data for every remote rank anyway, directly. Roots follow MPI: MPI_ROOT on the root,
 * MPI_PROC_NULL on the rest of its group, the root's rank on the other group. */
#include "config.h"

#include "coll_int.h"

#include <errno.h>

/* Local barrier, the leaders meet, local release: nobody leaves before every rank of both
 * groups has arrived. */
int kr_coll_inter_barrier(struct kr_sched *s)
{
    int ret;

    kr_sched_local(s, true);
    ret = kr_coll_barrier_add(s);
    kr_sched_local(s, false);
    if (ret == 0 && kr_sched_rank(s) == 0) {
        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_recv(s, NULL, 0, 0);
        }
        if (ret == 0) {
            ret = kr_sched_send(s, NULL, 0, 0);
        }
    }
    kr_sched_local(s, true);
    if (ret == 0) {
        ret = kr_coll_bcast_add(s, NULL, 0, 0);
    }
    kr_sched_local(s, false);
    return ret;
}

int kr_coll_inter_bcast(struct kr_sched *s, void *buf, size_t bytes, int root)
{
    int ret = kr_sched_round(s);

    if (ret != 0 || root == KR_PROC_NULL) {
        return ret;
    }
    if (root == MPI_ROOT) {
        return kr_sched_send(s, buf, bytes, 0);
    }
    if (kr_sched_rank(s) == 0) {
        ret = kr_sched_recv(s, buf, bytes, root);
    }
    kr_sched_local(s, true);
    if (ret == 0) {
        ret = kr_coll_bcast_add(s, buf, bytes, 0);
    }
    kr_sched_local(s, false);
    return ret;
}

int kr_coll_inter_gatherv(struct kr_sched *s, const void *sbuf, size_t sbytes, void *rbuf,
                          const struct kr_coll_blocks *rb, int root)
{
    unsigned char *b = rbuf;
    int ret = kr_sched_round(s);

    if (ret != 0 || root == KR_PROC_NULL) {
        return ret;
    }
    if (root != MPI_ROOT) {
        return kr_sched_send(s, sbuf, sbytes, root);
    }
    for (int i = 0; ret == 0 && i < kr_sched_size(s); i++) {
        ret = kr_sched_recv(s, b + rb->off[i], rb->len[i], i);
    }
    return ret;
}

int kr_coll_inter_scatterv(struct kr_sched *s, const void *sbuf,
                           const struct kr_coll_blocks *sb, void *rbuf, size_t rbytes, int root)
{
    const unsigned char *b = sbuf;
    int ret = kr_sched_round(s);

    if (ret != 0 || root == KR_PROC_NULL) {
        return ret;
    }
    if (root != MPI_ROOT) {
        return kr_sched_recv(s, rbuf, rbytes, root);
    }
    for (int i = 0; ret == 0 && i < kr_sched_size(s); i++) {
        ret = kr_sched_send(s, b + sb->off[i], sb->len[i], i);
    }
    return ret;
}

/* Every rank sends its block to every remote rank: the local group never learns the other
 * local ranks' sizes (only the remote group's receive counts know them). */
int kr_coll_inter_allgatherv(struct kr_sched *s, const void *sbuf, size_t sbytes, void *rbuf,
                             const struct kr_coll_blocks *rb)
{
    unsigned char *b = rbuf;
    int n = kr_sched_size(s), ret = kr_sched_round(s);

    for (int i = 0; ret == 0 && i < n; i++) {
        ret = kr_sched_recv(s, b + rb->off[i], rb->len[i], i);
    }
    for (int i = 0; ret == 0 && i < n; i++) {
        ret = kr_sched_send(s, sbuf, sbytes, i);
    }
    return ret;
}

int kr_coll_inter_alltoallv(struct kr_sched *s, const void *sbuf,
                            const struct kr_coll_blocks *sb, void *rbuf,
                            const struct kr_coll_blocks *rb)
{
    const unsigned char *src = sbuf;
    unsigned char *dst = rbuf;
    int n = kr_sched_size(s), r = kr_sched_rank(s), ret = kr_sched_round(s);

    for (int k = 0; ret == 0 && k < n; k++) {
        int i = (r + k) % n;

        ret = kr_sched_recv(s, dst + rb->off[i], rb->len[i], i);
    }
    for (int k = 0; ret == 0 && k < n; k++) {
        int i = (r + k) % n;

        ret = kr_sched_send(s, src + sb->off[i], sb->len[i], i);
    }
    return ret;
}

/* This group's data reduced to its rank 0, in scratch (NULL elsewhere). */
static int inter_reduce_local(struct kr_sched *s, const void *sbuf, size_t count,
                              const struct kr_dt *dt, const struct kr_op *op,
                              unsigned char **acc_out)
{
    unsigned char *acc = NULL;
    int ret;

    if (kr_sched_rank(s) == 0) {
        acc = kr_sched_alloc(s, count * kr_coll_stride(dt));
        if (acc == NULL) {
            return -ENOMEM;
        }
    }
    kr_sched_local(s, true);
    ret = kr_coll_reduce_add(s, sbuf, acc, count, dt, op, 0);
    kr_sched_local(s, false);
    *acc_out = acc;
    return ret;
}

int kr_coll_inter_reduce(struct kr_sched *s, const void *sbuf, void *rbuf, size_t count,
                         const struct kr_dt *dt, const struct kr_op *op, int root)
{
    unsigned char *acc;
    int ret;

    if (root == KR_PROC_NULL) {
        return 0;
    }
    if (root == MPI_ROOT) {
        ret = kr_sched_round(s);
        return ret != 0 ? ret : kr_sched_recv(s, rbuf, count * kr_coll_stride(dt), 0);
    }
    ret = inter_reduce_local(s, sbuf, count, dt, op, &acc);
    if (ret == 0 && acc != NULL) {
        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_send(s, acc, count * kr_coll_stride(dt), root);
        }
    }
    return ret;
}

/* Reduce locally to the leaders, who swap their groups' results: each group ends up with the
 * other group's reduction, `count` elements at rbuf of the leader. */
static int inter_swap(struct kr_sched *s, const void *sbuf, void *rbuf, size_t count,
                      const struct kr_dt *dt, const struct kr_op *op)
{
    size_t bytes = count * kr_coll_stride(dt);
    unsigned char *acc;
    int ret = inter_reduce_local(s, sbuf, count, dt, op, &acc);

    if (ret == 0 && acc != NULL) {
        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_recv(s, rbuf, bytes, 0);
        }
        if (ret == 0) {
            ret = kr_sched_send(s, acc, bytes, 0);
        }
    }
    return ret;
}

int kr_coll_inter_allreduce(struct kr_sched *s, const void *sbuf, void *rbuf, size_t count,
                            const struct kr_dt *dt, const struct kr_op *op)
{
    int ret = inter_swap(s, sbuf, rbuf, count, dt, op);

    kr_sched_local(s, true);
    if (ret == 0) {
        ret = kr_coll_bcast_add(s, rbuf, count * kr_coll_stride(dt), 0);
    }
    kr_sched_local(s, false);
    return ret;
}

int kr_coll_inter_reduce_scatter(struct kr_sched *s, const void *sbuf, void *rbuf,
                                 const size_t *counts, const struct kr_dt *dt,
                                 const struct kr_op *op)
{
    int n = kr_sched_comm(s)->size, ret;
    size_t st = kr_coll_stride(dt), total = 0;
    ptrdiff_t *off = kr_sched_alloc(s, sizeof(*off) * (size_t) n);
    size_t *len = kr_sched_alloc(s, sizeof(*len) * (size_t) n);
    unsigned char *whole = NULL;
    struct kr_coll_blocks b;

    if (off == NULL || len == NULL) {
        return -ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        off[i] = (ptrdiff_t) (total * st);
        len[i] = counts[i] * st;
        total += counts[i];
    }
    if (kr_sched_rank(s) == 0 && (whole = kr_sched_alloc(s, total * st)) == NULL) {
        return -ENOMEM;
    }
    b.off = off;
    b.len = len;
    ret = inter_swap(s, sbuf, whole, total, dt, op);
    kr_sched_local(s, true);
    if (ret == 0) {
        ret = kr_coll_scatterv_add(s, whole, &b, rbuf, len[kr_sched_rank(s)], 0);
    }
    kr_sched_local(s, false);
    return ret;
}

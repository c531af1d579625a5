/* Reduce: a binomial tree (log n rounds of the whole vector) for short vectors; for long ones
 * Rabenseifner's reduce-scatter by recursive halving followed by a binomial gather of the
 * pieces, so each rank sends about the vector's size in all; through shared memory on one host.
 * Both keep operands in rank order, so they are correct for non-commutative operations (the
 * tree only when rooted at rank 0: for other roots it is built there and the result sent on). */
#include "config.h"

#include "coll_int.h"

#include <errno.h>
#include <string.h>

/* Binomial tree to rank 0 of the tree (relative rank 0 = `root`). Commutative ops may use any
 * root; the caller reroutes others through rank 0. Leaves the result in *acc_out (a schedule
 * buffer) on the root. */
static int reduce_binomial(struct kr_sched *s, const void *sbuf, const void *rbuf, size_t count,
                           const struct kr_dt *dt, const struct kr_op *op, int root,
                           unsigned char **acc_out)
{
    int n = kr_sched_size(s), vr = (kr_sched_rank(s) - root + n) % n, ret;
    size_t bytes = count * kr_coll_stride(dt);
    unsigned char *acc = kr_sched_alloc(s, bytes), *tmp = kr_sched_alloc(s, bytes);

    if (acc == NULL || tmp == NULL) {
        return -ENOMEM;
    }
    ret = kr_sched_round(s);
    if (ret == 0) {
        ret = kr_sched_copy(s, sbuf != NULL ? sbuf : rbuf, acc, bytes);
    }
    for (int mask = 1; ret == 0 && mask < n; mask <<= 1) {
        ret = kr_sched_round(s);
        if (ret != 0) {
            break;
        }
        if ((vr & mask) != 0) {
            ret = kr_sched_send(s, acc, bytes, (vr - mask + root) % n);
            break;
        }
        if (vr + mask < n) {
            ret = kr_sched_recv(s, tmp, bytes, (vr + mask + root) % n);
            if (ret == 0) {
                ret = kr_coll_reduce_ordered(s, dt, op, &acc, &tmp, count);
            }
        }
    }
    *acc_out = acc;
    return ret;
}

/* Binomial tree, rerooted at rank 0 for non-commutative operations. */
static int reduce_tree(struct kr_sched *s, const void *sbuf, void *rbuf, size_t count,
                       const struct kr_dt *dt, const struct kr_op *op, int root)
{
    size_t bytes = count * kr_coll_stride(dt);
    int r = kr_sched_rank(s), tree_root = op->commute ? root : 0, ret;
    unsigned char *acc = NULL;

    ret = reduce_binomial(s, sbuf, rbuf, count, dt, op, tree_root, &acc);
    if (ret == 0 && r == tree_root && tree_root == root) {
        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_copy(s, acc, rbuf, bytes);
        }
    } else if (ret == 0 && tree_root != root && (r == 0 || r == root)) {
        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = r == 0 ? kr_sched_send(s, acc, bytes, root) : kr_sched_recv(s, rbuf, bytes, 0);
        }
    }
    return ret;
}

/* Reduce-scatter by recursive halving, then the pieces gathered to virtual rank 0 and, if
 * that is not the root, sent on. */
static int reduce_rsag(struct kr_sched *s, const void *sbuf, void *rbuf, size_t count,
                       const struct kr_dt *dt, const struct kr_op *op, int root)
{
    size_t bytes = count * kr_coll_stride(dt);
    struct kr_coll_rh rh;
    int holder, ret;

    kr_coll_rh_init(s, &rh);
    rh.stride = kr_coll_stride(dt);
    rh.dt = dt;
    rh.op = op;
    rh.voff = kr_coll_rh_even(s, &rh, count);
    rh.acc = kr_sched_alloc(s, bytes);
    if (rh.voff == NULL || rh.acc == NULL) {
        return -ENOMEM;
    }
    ret = kr_sched_round(s);
    if (ret == 0) {
        ret = kr_sched_copy(s, sbuf != NULL ? sbuf : rbuf, rh.acc, bytes);
    }
    if (ret == 0) {
        ret = kr_coll_rh_reduce_scatter(s, &rh);
    }
    if (ret == 0) {
        ret = kr_coll_rh_gather(s, &rh, &holder);
    }
    if (ret == 0 && (rh.r == holder || rh.r == root)) {
        ret = kr_sched_round(s);
        if (ret == 0 && holder == root) {
            ret = kr_sched_copy(s, rh.acc, rbuf, bytes);
        } else if (ret == 0) {
            ret = rh.r == holder ? kr_sched_send(s, rh.acc, bytes, root)
                                 : kr_sched_recv(s, rbuf, bytes, holder);
        }
    }
    return ret;
}

int kr_coll_reduce_add(struct kr_sched *s, const void *sbuf, void *rbuf, size_t count,
                       const struct kr_dt *dt, const struct kr_op *op, int root)
{
    int n = kr_sched_size(s), algo = kr_coll_cfg.reduce;
    size_t bytes = count * kr_coll_stride(dt);

    if (n == 1) {
        int ret = kr_sched_round(s);

        return ret == 0 && sbuf != NULL ? kr_sched_copy(s, sbuf, rbuf, bytes) : ret;
    }
    if (algo != KR_COLL_REDUCE_BINOMIAL && algo != KR_COLL_REDUCE_RABENSEIFNER) {
        algo = bytes >= kr_coll_cfg.reduce_rsag_min && count >= (size_t) n
                   ? KR_COLL_REDUCE_RABENSEIFNER : KR_COLL_REDUCE_BINOMIAL;
    }
    return algo == KR_COLL_REDUCE_RABENSEIFNER ? reduce_rsag(s, sbuf, rbuf, count, dt, op, root)
                                               : reduce_tree(s, sbuf, rbuf, count, dt, op, root);
}

int kr_coll_reduce_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                         const struct kr_dt *dt, const struct kr_op *op, int root,
                         struct kr_sched **s_out)
{
    struct kr_sched *s = NULL;
    int ret = kr_sched_create(comm, &s);

    if (ret == 0) {
        const struct kr_coll_hier *h = op->commute ? kr_coll_hier_get(comm) : NULL;

        ret = comm->inter ? kr_coll_inter_reduce(s, sbuf, rbuf, count, dt, op, root)
              : h != NULL ? kr_coll_hier_reduce(s, h, sbuf, rbuf, count, dt, op, root)
                          : kr_coll_reduce_add(s, sbuf, rbuf, count, dt, op, root);
    }
    return kr_coll_built(s, ret, s_out);
}

int kr_coll_reduce(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                   const struct kr_dt *dt, const struct kr_op *op, int root)
{
    struct kr_sched *s = NULL;
    int algo = kr_coll_cfg.reduce, ret;

    if (comm->size == 1 && !comm->inter) {
        if (sbuf != NULL && count > 0) {
            memmove(rbuf, sbuf, count * kr_coll_stride(dt));
        }
        return 0;
    }
    if (!comm->inter
        && (algo == KR_COLL_REDUCE_AUTO || algo == KR_COLL_REDUCE_SHM)
        && kr_coll_shm_reduce_ok(comm, dt) && kr_coll_shm_ready(comm)) {
        return kr_coll_shm_reduce(comm, sbuf, rbuf, count, dt, op, root);
    }
    ret = kr_coll_reduce_sched(comm, sbuf, rbuf, count, dt, op, root, &s);
    return kr_coll_run(s, ret);
}

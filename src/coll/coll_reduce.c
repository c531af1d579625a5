/* Reduce (binomial tree) and allreduce (recursive doubling for short vectors, ring
 * reduce-scatter + allgather for long ones), as schedules; through shared memory on one host.
 * The binomial tree and recursive doubling keep operands in rank order, so they are correct
 * for non-commutative operations (the tree only with root 0: other roots get the result from
 * rank 0). */
#include "config.h"

#include "coll_int.h"

#include <errno.h>
#include <string.h>

/* Add "acc = acc op tmp" in rank order to the current round's local steps: kr_op_apply
 * computes inout = in op inout, so the lower ranks' data (acc) goes in as `in` and the result
 * lands in tmp; the builder then swaps which buffer is called acc. */
static int reduce_ordered(struct kr_sched *s, const struct kr_dt *dt, const struct kr_op *op,
                          unsigned char **acc, unsigned char **tmp, size_t count)
{
    unsigned char *t;
    int ret = kr_sched_reduce(s, *acc, *tmp, count, dt, op);

    t = *acc;
    *acc = *tmp;
    *tmp = t;
    return ret;
}

/* Binomial tree to rank 0 of the tree (relative rank 0 = `root`). Commutative ops may use any
 * root; the caller reroutes others through rank 0. Leaves the result in *acc_out (a schedule
 * buffer) on the root. */
static int reduce_binomial(struct kr_sched *s, const void *sbuf, const void *rbuf, size_t count,
                           const struct kr_dt *dt, const struct kr_op *op, int root,
                           unsigned char **acc_out)
{
    int n = kr_sched_size(s), vr = (kr_sched_rank(s) - root + n) % n, ret = 0;
    size_t bytes = count * (size_t) dt->extent;
    unsigned char *acc = kr_sched_alloc(s, bytes), *tmp = kr_sched_alloc(s, bytes);

    if (acc == NULL || tmp == NULL) {
        return -ENOMEM;
    }
    ret = kr_sched_copy(s, sbuf != NULL ? sbuf : rbuf, acc, bytes);
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
                ret = reduce_ordered(s, dt, op, &acc, &tmp, count);
            }
        }
    }
    *acc_out = acc;
    return ret;
}

int kr_coll_reduce_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                         const struct kr_dt *dt, const struct kr_op *op, int root,
                         struct kr_sched **s_out)
{
    size_t bytes = count * (size_t) dt->extent;
    struct kr_sched *s = NULL;
    unsigned char *acc = NULL;
    int tree_root = op->commute ? root : 0, ret;

    ret = kr_sched_create(comm, &s);
    if (ret == 0 && comm->size == 1) {
        ret = sbuf != NULL ? kr_sched_copy(s, sbuf, rbuf, bytes) : 0;
        return kr_coll_built(s, ret, s_out);
    }
    if (ret == 0) {
        ret = reduce_binomial(s, sbuf, rbuf, count, dt, op, tree_root, &acc);
    }
    if (ret == 0 && comm->rank == tree_root && tree_root == root) {
        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_copy(s, acc, rbuf, bytes);
        }
    } else if (ret == 0 && tree_root != root && (comm->rank == 0 || comm->rank == root)) {
        /* Non-commutative op: the tree is rooted at rank 0 to keep rank order. */
        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = comm->rank == 0 ? kr_sched_send(s, acc, bytes, root)
                                  : kr_sched_recv(s, rbuf, bytes, 0);
        }
    }
    return kr_coll_built(s, ret, s_out);
}

int kr_coll_reduce(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                   const struct kr_dt *dt, const struct kr_op *op, int root)
{
    struct kr_sched *s;
    int ret;

    if (comm->size > 1 && kr_coll_cfg.reduce != KR_COLL_REDUCE_BINOMIAL
        && kr_coll_shm_reduce_ok(comm, dt) && kr_coll_shm_ready(comm)) {
        return kr_coll_shm_reduce(comm, sbuf, rbuf, count, dt, op, root);
    }
    ret = kr_coll_reduce_sched(comm, sbuf, rbuf, count, dt, op, root, &s);
    return ret != 0 ? ret : kr_sched_run(s);
}

/* Recursive doubling. Ranks beyond the largest power of two p first hand their data to a
 * partner below 2*(n-p) and get the result back at the end. Operands stay in rank order. */
static int allreduce_recdbl(struct kr_sched *s, void *rbuf, size_t count, const struct kr_dt *dt,
                            const struct kr_op *op)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), p = 1, rem, vr = -1, ret = 0;
    size_t bytes = count * (size_t) dt->extent;
    unsigned char *acc = kr_sched_alloc(s, bytes), *tmp = kr_sched_alloc(s, bytes);

    if (acc == NULL || tmp == NULL) {
        return -ENOMEM;
    }
    while (p * 2 <= n) {
        p *= 2;
    }
    rem = n - p;
    ret = kr_sched_copy(s, rbuf, acc, bytes);
    if (ret == 0 && r < 2 * rem) {
        ret = kr_sched_round(s);
        if (ret == 0 && r % 2 == 0) {
            ret = kr_sched_send(s, acc, bytes, r + 1);
        } else if (ret == 0) {
            ret = kr_sched_recv(s, tmp, bytes, r - 1);
            if (ret == 0) {
                ret = kr_sched_reduce(s, tmp, acc, count, dt, op);
            }
            vr = r / 2;
        }
    } else {
        vr = r - rem;
    }
    for (int mask = 1; ret == 0 && vr >= 0 && mask < p; mask <<= 1) {
        int vpeer = vr ^ mask;
        int peer = vpeer < rem ? vpeer * 2 + 1 : vpeer + rem;

        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_recv(s, tmp, bytes, peer);
        }
        if (ret == 0) {
            ret = kr_sched_send(s, acc, bytes, peer);
        }
        if (ret == 0) {
            ret = vpeer < vr ? kr_sched_reduce(s, tmp, acc, count, dt, op)
                             : reduce_ordered(s, dt, op, &acc, &tmp, count);
        }
    }
    if (ret == 0) {
        ret = kr_sched_round(s);
    }
    if (ret == 0 && vr >= 0) {
        ret = kr_sched_copy(s, acc, rbuf, bytes);
    }
    if (ret == 0 && r < 2 * rem) {
        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = r % 2 == 0 ? kr_sched_recv(s, rbuf, bytes, r + 1)
                             : kr_sched_send(s, rbuf, bytes, r - 1);
        }
    }
    return ret;
}

/* Segment i of the vector, in elements: [seg_off(i), seg_off(i + 1)). */
static size_t allreduce_seg_off(size_t count, int n, int i)
{
    size_t q = count / (size_t) n, rem = count % (size_t) n;

    return (size_t) i * q + ((size_t) i < rem ? (size_t) i : rem);
}

/* Ring: n-1 rounds of reduce-scatter, then n-1 of allgather; each rank sends about 2 * bytes
 * in total whatever n is. Combines in ring order, so commutative ops only. */
static int allreduce_ring(struct kr_sched *s, void *rbuf, size_t count, const struct kr_dt *dt,
                          const struct kr_op *op)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), right = (r + 1) % n;
    int left = (r - 1 + n) % n, ret = 0;
    size_t ext = (size_t) dt->extent;
    unsigned char *b = rbuf, *tmp = kr_sched_alloc(s, (count / (size_t) n + 1) * ext);

    if (tmp == NULL) {
        return -ENOMEM;
    }
    for (int st = 0; ret == 0 && st < n - 1; st++) {
        int sseg = (r - st + n) % n, rseg = (r - st - 1 + n) % n;
        size_t so = allreduce_seg_off(count, n, sseg), ro = allreduce_seg_off(count, n, rseg);
        size_t sn = allreduce_seg_off(count, n, sseg + 1) - so;
        size_t rn = allreduce_seg_off(count, n, rseg + 1) - ro;

        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_recv(s, tmp, rn * ext, left);
        }
        if (ret == 0) {
            ret = kr_sched_send(s, b + so * ext, sn * ext, right);
        }
        if (ret == 0) {
            ret = kr_sched_reduce(s, tmp, b + ro * ext, rn, dt, op);
        }
    }
    for (int st = 0; ret == 0 && st < n - 1; st++) {
        int sseg = (r + 1 - st + n) % n, rseg = (r - st + n) % n;
        size_t so = allreduce_seg_off(count, n, sseg), ro = allreduce_seg_off(count, n, rseg);

        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_recv(s, b + ro * ext, (allreduce_seg_off(count, n, rseg + 1) - ro) * ext,
                                left);
        }
        if (ret == 0) {
            ret = kr_sched_send(s, b + so * ext,
                                (allreduce_seg_off(count, n, sseg + 1) - so) * ext, right);
        }
    }
    return ret;
}

int kr_coll_allreduce_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                            const struct kr_dt *dt, const struct kr_op *op,
                            struct kr_sched **s_out)
{
    size_t bytes = count * (size_t) dt->extent;
    int algo = kr_coll_cfg.allreduce, ret;
    struct kr_sched *s = NULL;

    ret = kr_sched_create(comm, &s);
    if (ret == 0 && sbuf != NULL && bytes > 0) {
        ret = kr_sched_copy(s, sbuf, rbuf, bytes);
    }
    if (ret == 0 && comm->size > 1 && count > 0) {
        if (algo != KR_COLL_ALLREDUCE_RECDBL && algo != KR_COLL_ALLREDUCE_RING) {
            algo = bytes >= kr_coll_cfg.allreduce_ring_min && count >= (size_t) comm->size
                       ? KR_COLL_ALLREDUCE_RING : KR_COLL_ALLREDUCE_RECDBL;
        }
        ret = algo == KR_COLL_ALLREDUCE_RING && op->commute && count >= (size_t) comm->size
                  ? allreduce_ring(s, rbuf, count, dt, op)
                  : allreduce_recdbl(s, rbuf, count, dt, op);
    }
    return kr_coll_built(s, ret, s_out);
}

int kr_coll_allreduce(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                      const struct kr_dt *dt, const struct kr_op *op)
{
    int algo = kr_coll_cfg.allreduce, ret;
    struct kr_sched *s;

    if (comm->size > 1 && count > 0 && kr_coll_shm_reduce_ok(comm, dt)
        && (algo == KR_COLL_ALLREDUCE_AUTO || algo == KR_COLL_ALLREDUCE_SHM)
        && kr_coll_shm_ready(comm)) {
        return kr_coll_shm_reduce(comm, sbuf, rbuf, count, dt, op, -1);
    }
    ret = kr_coll_allreduce_sched(comm, sbuf, rbuf, count, dt, op, &s);
    return ret != 0 ? ret : kr_sched_run(s);
}

int kr_coll_allreduce_band_u64(struct kr_comm *comm, uint64_t *buf, size_t n)
{
    const struct kr_dt *dt = kr_dt_from_handle(MPI_UINT64_T);
    const struct kr_op *op = kr_op_from_handle(MPI_BAND);

    return kr_coll_allreduce(comm, NULL, buf, n, dt, op);
}

/* Allreduce: recursive doubling for short vectors (log n rounds of the whole vector);
 * Rabenseifner's reduce-scatter by recursive halving + allgather by recursive doubling for
 * medium and long ones (2 log n rounds, each rank sending about twice the vector); for long
 * vectors and commutative ops a ring (reduce-scatter + allgather in 2(n-1) rounds of one
 * segment, neighbour links only); through shared memory on one host. Recursive doubling and
 * Rabenseifner keep operands in rank order (non-commutative ops are fine); the ring does not. */
#include "config.h"

#include "coll_int.h"

#include <errno.h>
#include <string.h>

/* Recursive doubling. Ranks beyond the largest power of two p first hand their data to a
 * partner below 2*(n-p) and get the result back at the end. Operands stay in rank order. */
static int allreduce_recdbl(struct kr_sched *s, void *rbuf, size_t count, const struct kr_dt *dt,
                            const struct kr_op *op)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), p = 1, rem, vr = -1, ret = 0;
    size_t bytes = count * kr_coll_stride(dt);
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
                             : kr_coll_reduce_ordered(s, dt, op, &acc, &tmp, count);
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

/* Ring: n-1 rounds of reduce-scatter, then n-1 of allgather; each rank sends about 2 * bytes
 * in total whatever n is. Combines in ring order, so commutative ops only. */
static int allreduce_ring(struct kr_sched *s, void *rbuf, size_t count, const struct kr_dt *dt,
                          const struct kr_op *op)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), right = (r + 1) % n;
    int left = (r - 1 + n) % n, ret = 0;
    size_t ext = kr_coll_stride(dt);
    unsigned char *b = rbuf, *tmp = kr_sched_alloc(s, (count / (size_t) n + 1) * ext);

    if (tmp == NULL) {
        return -ENOMEM;
    }
    for (int st = 0; ret == 0 && st < n - 1; st++) {
        int sseg = (r - st + n) % n, rseg = (r - st - 1 + n) % n;
        size_t so = kr_coll_part_off(count, n, sseg), ro = kr_coll_part_off(count, n, rseg);
        size_t sn = kr_coll_part_off(count, n, sseg + 1) - so;
        size_t rn = kr_coll_part_off(count, n, rseg + 1) - ro;

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
        size_t so = kr_coll_part_off(count, n, sseg), ro = kr_coll_part_off(count, n, rseg);

        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_recv(s, b + ro * ext, (kr_coll_part_off(count, n, rseg + 1) - ro) * ext,
                                left);
        }
        if (ret == 0) {
            ret = kr_sched_send(s, b + so * ext,
                                (kr_coll_part_off(count, n, sseg + 1) - so) * ext, right);
        }
    }
    return ret;
}

/* Rabenseifner: the halving leaves each virtual rank one reduced segment, the doubling
 * hands every segment to everyone. */
static int allreduce_rsag(struct kr_sched *s, void *rbuf, size_t count, const struct kr_dt *dt,
                          const struct kr_op *op)
{
    struct kr_coll_rh rh;
    int ret;

    kr_coll_rh_init(s, &rh);
    rh.stride = kr_coll_stride(dt);
    rh.dt = dt;
    rh.op = op;
    rh.acc = rbuf;
    rh.voff = kr_coll_rh_even(s, &rh, count);
    if (rh.voff == NULL) {
        return -ENOMEM;
    }
    ret = kr_coll_rh_reduce_scatter(s, &rh);
    return ret != 0 ? ret : kr_coll_rh_allgather(s, &rh);
}

int kr_coll_allreduce_add(struct kr_sched *s, const void *sbuf, void *rbuf, size_t count,
                          const struct kr_dt *dt, const struct kr_op *op)
{
    size_t bytes = count * kr_coll_stride(dt);
    int n = kr_sched_size(s), algo = kr_coll_cfg.allreduce, ret = kr_sched_round(s);

    if (ret == 0 && sbuf != NULL && bytes > 0) {
        ret = kr_sched_copy(s, sbuf, rbuf, bytes);
    }
    if (ret != 0 || n == 1 || count == 0) {
        return ret;
    }
    if ((algo == KR_COLL_ALLREDUCE_RING && !op->commute)
        || (algo != KR_COLL_ALLREDUCE_RECDBL && algo != KR_COLL_ALLREDUCE_RABENSEIFNER
            && algo != KR_COLL_ALLREDUCE_RING)) {
        algo = bytes >= kr_coll_cfg.allreduce_ring_min && op->commute ? KR_COLL_ALLREDUCE_RING
               : bytes >= kr_coll_cfg.allreduce_rsag_min ? KR_COLL_ALLREDUCE_RABENSEIFNER
                                                         : KR_COLL_ALLREDUCE_RECDBL;
    }
    /* Fewer elements than ranks would leave segments empty: nothing to gain. */
    if (count < (size_t) n) {
        algo = KR_COLL_ALLREDUCE_RECDBL;
    }
    switch (algo) {
    case KR_COLL_ALLREDUCE_RING: return allreduce_ring(s, rbuf, count, dt, op);
    case KR_COLL_ALLREDUCE_RABENSEIFNER: return allreduce_rsag(s, rbuf, count, dt, op);
    default: return allreduce_recdbl(s, rbuf, count, dt, op);
    }
}

int kr_coll_allreduce_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                            const struct kr_dt *dt, const struct kr_op *op,
                            struct kr_sched **s_out)
{
    struct kr_sched *s = NULL;
    int ret = kr_sched_create(comm, &s);

    if (ret == 0) {
        const struct kr_coll_hier *h
            = op->commute ? kr_coll_hier_allreduce_get(comm, count * kr_coll_stride(dt)) : NULL;

        ret = comm->inter ? kr_coll_inter_allreduce(s, sbuf, rbuf, count, dt, op)
              : h != NULL ? kr_coll_hier_allreduce(s, h, sbuf, rbuf, count, dt, op)
                          : kr_coll_allreduce_add(s, sbuf, rbuf, count, dt, op);
    }
    return kr_coll_built(s, ret, s_out);
}

int kr_coll_allreduce(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                      const struct kr_dt *dt, const struct kr_op *op)
{
    int algo = kr_coll_cfg.allreduce, ret;
    struct kr_sched *s = NULL;

    if (comm->size == 1 && !comm->inter) {
        if (sbuf != NULL && count > 0) {
            memmove(rbuf, sbuf, count * kr_coll_stride(dt));
        }
        return 0;
    }
    if (!comm->inter && count > 0 && kr_coll_shm_reduce_ok(comm, dt)
        && (algo == KR_COLL_ALLREDUCE_AUTO || algo == KR_COLL_ALLREDUCE_SHM)
        && kr_coll_shm_ready(comm)) {
        return kr_coll_shm_reduce(comm, sbuf, rbuf, count, dt, op, -1);
    }
    ret = kr_coll_allreduce_sched(comm, sbuf, rbuf, count, dt, op, &s);
    return kr_coll_run(s, ret);
}

int kr_coll_allreduce_band_u64(struct kr_comm *comm, uint64_t *buf, size_t n)
{
    const struct kr_dt *dt = kr_dt_from_handle(MPI_UINT64_T);
    const struct kr_op *op = kr_op_from_handle(MPI_BAND);

    return kr_coll_allreduce(comm, NULL, buf, n, dt, op);
}

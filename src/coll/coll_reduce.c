/* Reduce (binomial tree) and allreduce (recursive doubling for short vectors, ring
 * reduce-scatter + allgather for long ones). The binomial tree combines ranks in order, so it
 * is correct for non-commutative operations when the root is rank 0. */
#include "config.h"

#include "coll_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* a = a op b in rank order (a holds lower ranks): inout must be the higher-rank operand for
 * kr_op_apply (inout = in op inout), so reduce into b and swap the pointers. */
static int reduce_ordered(const struct kr_op *op, const struct kr_dt *dt, unsigned char **a,
                          unsigned char **b, size_t count)
{
    unsigned char *t;
    int ret = kr_op_apply(op, dt, *a, *b, count);

    t = *a;
    *a = *b;
    *b = t;
    return ret;
}

int kr_coll_reduce(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                   const struct kr_dt *dt, const struct kr_op *op, int root)
{
    int n = comm->size, vr = (comm->rank - root + n) % n, tag = kr_coll_tag(comm), ret = 0;
    size_t bytes = count * (size_t) dt->extent;
    unsigned char *acc, *tmp, *mem;

    if (n == 1) {
        if (sbuf != NULL && bytes > 0) {
            memcpy(rbuf, sbuf, bytes);
        }
        return 0;
    }
    if (kr_coll_shm_reduce_ok(comm, dt) && kr_coll_cfg.reduce != KR_COLL_REDUCE_BINOMIAL) {
        return kr_coll_shm_reduce(comm, sbuf, rbuf, count, dt, op, root);
    }
    mem = malloc(2 * bytes + 1);
    if (mem == NULL) {
        return -ENOMEM;
    }
    acc = mem;
    tmp = mem + bytes;
    memcpy(acc, sbuf != NULL ? sbuf : rbuf, bytes);
    for (int mask = 1; mask < n; mask <<= 1) {
        if ((vr & mask) != 0) {
            ret = kr_coll_send(comm, acc, bytes, (vr - mask + root) % n, tag);
            break;
        }
        if (vr + mask < n) {
            ret = kr_coll_recv(comm, tmp, bytes, (vr + mask + root) % n, tag);
            if (ret == 0) {
                ret = reduce_ordered(op, dt, &acc, &tmp, count);
            }
            if (ret != 0) {
                break;
            }
        }
    }
    if (ret == 0 && vr == 0) {
        memcpy(rbuf, acc, bytes);
    }
    free(mem);
    return ret;
}

/* Recursive doubling. Ranks beyond the largest power of two p first hand their data to a
 * partner below 2*(n-p) and get the result back at the end. Operands stay in rank order. */
static int allreduce_recdbl(struct kr_comm *comm, void *rbuf, size_t count,
                            const struct kr_dt *dt, const struct kr_op *op, int tag)
{
    int n = comm->size, r = comm->rank, p = 1, rem, vr = -1, ret = 0;
    size_t bytes = count * (size_t) dt->extent;
    unsigned char *acc, *tmp, *mem;

    while (p * 2 <= n) {
        p *= 2;
    }
    rem = n - p;
    mem = malloc(2 * bytes + 1);
    if (mem == NULL) {
        return -ENOMEM;
    }
    acc = mem;
    tmp = mem + bytes;
    memcpy(acc, rbuf, bytes);
    if (r >= 2 * rem) {
        vr = r - rem;
    } else if (r % 2 == 0) {
        ret = kr_coll_send(comm, acc, bytes, r + 1, tag);
    } else {
        ret = kr_coll_recv(comm, tmp, bytes, r - 1, tag);
        if (ret == 0) {
            ret = kr_op_apply(op, dt, tmp, acc, count);
        }
        vr = r / 2;
    }
    for (int mask = 1; ret == 0 && vr >= 0 && mask < p; mask <<= 1) {
        int vpeer = vr ^ mask;
        int peer = vpeer < rem ? vpeer * 2 + 1 : vpeer + rem;

        ret = kr_coll_sendrecv(comm, acc, bytes, peer, tmp, bytes, peer, tag);
        if (ret == 0) {
            ret = vpeer < vr ? kr_op_apply(op, dt, tmp, acc, count)
                             : reduce_ordered(op, dt, &acc, &tmp, count);
        }
    }
    if (ret == 0 && vr >= 0) {
        memcpy(rbuf, acc, bytes);
    }
    if (ret == 0 && r < 2 * rem) {
        ret = r % 2 == 0 ? kr_coll_recv(comm, rbuf, bytes, r + 1, tag)
                         : kr_coll_send(comm, rbuf, bytes, r - 1, tag);
    }
    free(mem);
    return ret;
}

/* Segment i of the vector, in elements: [seg_off(i), seg_off(i + 1)). */
static size_t allreduce_seg_off(size_t count, int n, int i)
{
    size_t q = count / (size_t) n, rem = count % (size_t) n;

    return (size_t) i * q + ((size_t) i < rem ? (size_t) i : rem);
}

/* Ring: n-1 steps of reduce-scatter, then n-1 steps of allgather; each rank sends about
 * 2 * bytes in total whatever n is. Combines in ring order, so commutative ops only. */
static int allreduce_ring(struct kr_comm *comm, void *rbuf, size_t count, const struct kr_dt *dt,
                          const struct kr_op *op, int tag)
{
    int n = comm->size, r = comm->rank, right = (r + 1) % n, left = (r - 1 + n) % n, ret = 0;
    size_t ext = (size_t) dt->extent;
    unsigned char *b = rbuf, *tmp;

    tmp = malloc((count / (size_t) n + 1) * ext);
    if (tmp == NULL) {
        return -ENOMEM;
    }
    for (int s = 0; s < n - 1 && ret == 0; s++) {
        int sseg = (r - s + n) % n, rseg = (r - s - 1 + n) % n;
        size_t so = allreduce_seg_off(count, n, sseg), ro = allreduce_seg_off(count, n, rseg);
        size_t sn = allreduce_seg_off(count, n, sseg + 1) - so;
        size_t rn = allreduce_seg_off(count, n, rseg + 1) - ro;

        ret = kr_coll_sendrecv(comm, b + so * ext, sn * ext, right, tmp, rn * ext, left, tag);
        if (ret == 0) {
            ret = kr_op_apply(op, dt, tmp, b + ro * ext, rn);
        }
    }
    for (int s = 0; s < n - 1 && ret == 0; s++) {
        int sseg = (r + 1 - s + n) % n, rseg = (r - s + n) % n;
        size_t so = allreduce_seg_off(count, n, sseg), ro = allreduce_seg_off(count, n, rseg);

        ret = kr_coll_sendrecv(comm, b + so * ext,
                               (allreduce_seg_off(count, n, sseg + 1) - so) * ext, right,
                               b + ro * ext, (allreduce_seg_off(count, n, rseg + 1) - ro) * ext,
                               left, tag);
    }
    free(tmp);
    return ret;
}

int kr_coll_allreduce(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                      const struct kr_dt *dt, const struct kr_op *op)
{
    size_t bytes = count * (size_t) dt->extent;
    int tag = kr_coll_tag(comm), algo = kr_coll_cfg.allreduce;

    if (comm->size > 1 && count > 0 && kr_coll_shm_reduce_ok(comm, dt)
        && (algo == KR_COLL_ALLREDUCE_AUTO || algo == KR_COLL_ALLREDUCE_SHM)) {
        return kr_coll_shm_reduce(comm, sbuf, rbuf, count, dt, op, -1);
    }
    if (sbuf != NULL && bytes > 0) {
        memcpy(rbuf, sbuf, bytes);
    }
    if (comm->size == 1 || count == 0) {
        return 0;
    }
    if (algo == KR_COLL_ALLREDUCE_AUTO || algo == KR_COLL_ALLREDUCE_SHM) {
        algo = bytes >= kr_coll_cfg.allreduce_ring_min && count >= (size_t) comm->size
                   && op->commute ? KR_COLL_ALLREDUCE_RING : KR_COLL_ALLREDUCE_RECDBL;
    }
    if (algo == KR_COLL_ALLREDUCE_RING && op->commute) {
        return allreduce_ring(comm, rbuf, count, dt, op, tag);
    }
    return allreduce_recdbl(comm, rbuf, count, dt, op, tag);
}

int kr_coll_allreduce_band_u64(struct kr_comm *comm, uint64_t *buf, size_t n)
{
    const struct kr_dt *dt = kr_dt_from_handle(MPI_UINT64_T);
    const struct kr_op *op = kr_op_from_handle(MPI_BAND);

    return kr_coll_allreduce(comm, NULL, buf, n, dt, op);
}

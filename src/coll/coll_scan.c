/* Scan and exscan by recursive doubling: in the step with distance m each rank swaps the
 * reduction of its aligned group of m ranks with the partner group's; the lower group's
 * total is folded into the prefix of the upper one. Operands stay in rank order, so
 * non-commutative ops are fine; sizes that are not powers of two simply skip missing partners. */
#include "config.h"

#include "coll_int.h"

#include <errno.h>

static int scan_add(struct kr_sched *s, const void *sbuf, void *rbuf, size_t count,
                    const struct kr_dt *dt, const struct kr_op *op, bool exclusive)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), ret = kr_sched_round(s);
    size_t bytes = count * kr_coll_stride(dt);
    unsigned char *total = kr_sched_alloc(s, bytes), *tmp = kr_sched_alloc(s, bytes);
    bool have = !exclusive; /* rbuf holds a prefix already */

    if (total == NULL || tmp == NULL) {
        return -ENOMEM;
    }
    if (ret == 0) {
        ret = kr_sched_copy(s, sbuf != NULL ? sbuf : rbuf, total, bytes);
    }
    if (ret == 0 && !exclusive && sbuf != NULL) {
        ret = kr_sched_copy(s, sbuf, rbuf, bytes);
    }
    for (int m = 1; ret == 0 && m < n; m <<= 1) {
        int peer = r ^ m;

        if (peer >= n) {
            continue;
        }
        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_recv(s, tmp, bytes, peer);
        }
        if (ret == 0) {
            ret = kr_sched_send(s, total, bytes, peer);
        }
        if (ret == 0 && peer < r) {
            /* The peer's group comes first: prefix = theirs op prefix, total likewise. */
            ret = have ? kr_sched_reduce(s, tmp, rbuf, count, dt, op)
                       : kr_sched_copy(s, tmp, rbuf, bytes);
            have = true;
            if (ret == 0) {
                ret = kr_sched_reduce(s, tmp, total, count, dt, op);
            }
        } else if (ret == 0) {
            ret = kr_coll_reduce_ordered(s, dt, op, &total, &tmp, count);
        }
    }
    return ret;
}

static int scan_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                      const struct kr_dt *dt, const struct kr_op *op, bool exclusive,
                      struct kr_sched **s_out)
{
    struct kr_sched *s = NULL;
    int ret;

    if (comm->inter) {
        return -EINVAL;
    }
    ret = kr_sched_create(comm, &s);
    if (ret == 0) {
        ret = scan_add(s, sbuf, rbuf, count, dt, op, exclusive);
    }
    return kr_coll_built(s, ret, s_out);
}

int kr_coll_scan_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                       const struct kr_dt *dt, const struct kr_op *op, struct kr_sched **s_out)
{
    return scan_sched(comm, sbuf, rbuf, count, dt, op, false, s_out);
}

int kr_coll_exscan_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                         const struct kr_dt *dt, const struct kr_op *op,
                         struct kr_sched **s_out)
{
    return scan_sched(comm, sbuf, rbuf, count, dt, op, true, s_out);
}

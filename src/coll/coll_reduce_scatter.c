/* Reduce-scatter (and its _block form): recursive halving (log n rounds of shrinking pieces,
 * operands in rank order, then one exchange that undoes the bit-reversed placement), or for
 * long vectors and commutative ops a ring (n-1 rounds, each rank passing on one block it has
 * added its contribution to). */
#include "config.h"

#include "coll_int.h"

#include <errno.h>
#include <stdlib.h>

/* Element offset of each rank's block, n + 1 entries (scratch of s). */
static size_t *rs_offsets(struct kr_sched *s, const size_t *counts, int n)
{
    size_t *off = kr_sched_alloc(s, sizeof(*off) * (size_t) (n + 1));

    if (off != NULL) {
        off[0] = 0;
        for (int i = 0; i < n; i++) {
            off[i + 1] = off[i] + counts[i];
        }
    }
    return off;
}

/* After the halving virtual rank v holds position a = bitrev(v): swap with virtual rank a,
 * which holds position v, then hand a folded-out partner its block. */
static int rs_deliver(struct kr_sched *s, const struct kr_coll_rh *rh, const size_t *off,
                      void *rbuf)
{
    size_t st = rh->stride;
    int v = rh->v, r = rh->r, ret = kr_sched_round(s);

    if (ret == 0 && v < 0) {
        return kr_sched_recv(s, rbuf, (off[r + 1] - off[r]) * st, r + 1);
    }
    if (ret == 0 && rh->a != v) {
        int peer = kr_coll_rh_real(rh, rh->a);

        ret = kr_sched_recv(s, rh->acc + rh->voff[v] * st, (rh->voff[v + 1] - rh->voff[v]) * st,
                            peer);
        if (ret == 0) {
            ret = kr_sched_send(s, rh->acc + rh->voff[rh->a] * st,
                                (rh->voff[rh->a + 1] - rh->voff[rh->a]) * st, peer);
        }
        if (ret == 0) {
            ret = kr_sched_round(s);
        }
    }
    if (ret == 0 && v < rh->rem) {
        ret = kr_sched_send(s, rh->acc + off[r - 1] * st, (off[r] - off[r - 1]) * st, r - 1);
    }
    if (ret == 0) {
        ret = kr_sched_copy(s, rh->acc + off[r] * st, rbuf, (off[r + 1] - off[r]) * st);
    }
    return ret;
}

static int rs_halving(struct kr_sched *s, const void *sbuf, void *rbuf, const size_t *off,
                      const struct kr_dt *dt, const struct kr_op *op)
{
    struct kr_coll_rh rh;
    size_t *voff;
    int ret;

    kr_coll_rh_init(s, &rh);
    rh.stride = kr_coll_stride(dt);
    rh.dt = dt;
    rh.op = op;
    voff = kr_sched_alloc(s, sizeof(*voff) * (size_t) (rh.p + 1));
    rh.acc = kr_sched_alloc(s, off[rh.n] * rh.stride);
    if (voff == NULL || rh.acc == NULL) {
        return -ENOMEM;
    }
    /* Position k is virtual rank k's blocks: two for a folded pair, else one. */
    for (int k = 0; k < rh.p; k++) {
        voff[k] = off[k < rh.rem ? 2 * k : k + rh.rem];
    }
    voff[rh.p] = off[rh.n];
    rh.voff = voff;
    ret = kr_sched_copy(s, sbuf != NULL ? sbuf : rbuf, rh.acc, off[rh.n] * rh.stride);
    if (ret == 0) {
        ret = kr_coll_rh_reduce_scatter(s, &rh);
    }
    return ret != 0 ? ret : rs_deliver(s, &rh, off, rbuf);
}

/* Ring: in step st rank r sends its partial sum of block r - st - 1 to the right and adds its
 * own contribution to block r - st - 2 from the left; after n - 1 steps block r is complete
 * on rank r. */
static int rs_ring(struct kr_sched *s, const void *sbuf, void *rbuf, const size_t *off,
                   const struct kr_dt *dt, const struct kr_op *op)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), ret;
    size_t st = kr_coll_stride(dt), most = 0;
    unsigned char *acc = kr_sched_alloc(s, off[n] * st), *tmp;

    for (int i = 0; i < n; i++) {
        most = off[i + 1] - off[i] > most ? off[i + 1] - off[i] : most;
    }
    tmp = kr_sched_alloc(s, most * st);
    if (acc == NULL || tmp == NULL) {
        return -ENOMEM;
    }
    ret = kr_sched_copy(s, sbuf != NULL ? sbuf : rbuf, acc, off[n] * st);
    for (int k = 0; ret == 0 && k < n - 1; k++) {
        int sb = (r - k - 1 + n) % n, rb = (r - k - 2 + 2 * n) % n;

        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_recv(s, tmp, (off[rb + 1] - off[rb]) * st, (r - 1 + n) % n);
        }
        if (ret == 0) {
            ret = kr_sched_send(s, acc + off[sb] * st, (off[sb + 1] - off[sb]) * st, (r + 1) % n);
        }
        if (ret == 0) {
            ret = kr_sched_reduce(s, tmp, acc + off[rb] * st, off[rb + 1] - off[rb], dt, op);
        }
    }
    if (ret == 0) {
        ret = kr_sched_copy(s, acc + off[r] * st, rbuf, (off[r + 1] - off[r]) * st);
    }
    return ret;
}

static int rs_add(struct kr_sched *s, const void *sbuf, void *rbuf, const size_t *counts,
                  const struct kr_dt *dt, const struct kr_op *op)
{
    int n = kr_sched_size(s), algo = kr_coll_cfg.reduce_scatter, ret = kr_sched_round(s);
    size_t *off = rs_offsets(s, counts, n);

    if (ret != 0 || off == NULL) {
        return ret != 0 ? ret : -ENOMEM;
    }
    if (n == 1) {
        return sbuf != NULL ? kr_sched_copy(s, sbuf, rbuf, counts[0] * kr_coll_stride(dt)) : 0;
    }
    if (algo != KR_COLL_REDUCE_SCATTER_RHALVING
        && (algo != KR_COLL_REDUCE_SCATTER_RING || !op->commute)) {
        algo = op->commute && off[n] * kr_coll_stride(dt) >= kr_coll_cfg.reduce_scatter_ring_min
                   ? KR_COLL_REDUCE_SCATTER_RING : KR_COLL_REDUCE_SCATTER_RHALVING;
    }
    return algo == KR_COLL_REDUCE_SCATTER_RING ? rs_ring(s, sbuf, rbuf, off, dt, op)
                                               : rs_halving(s, sbuf, rbuf, off, dt, op);
}

int kr_coll_reduce_scatter_sched(struct kr_comm *comm, const void *sbuf, void *rbuf,
                                 const size_t *counts, const struct kr_dt *dt,
                                 const struct kr_op *op, struct kr_sched **s_out)
{
    struct kr_sched *s = NULL;
    int ret = kr_sched_create(comm, &s);

    if (ret == 0) {
        ret = comm->inter ? kr_coll_inter_reduce_scatter(s, sbuf, rbuf, counts, dt, op)
                          : rs_add(s, sbuf, rbuf, counts, dt, op);
    }
    return kr_coll_built(s, ret, s_out);
}

int kr_coll_reduce_scatter_block_sched(struct kr_comm *comm, const void *sbuf, void *rbuf,
                                       size_t count, const struct kr_dt *dt,
                                       const struct kr_op *op, struct kr_sched **s_out)
{
    size_t *counts = malloc(sizeof(*counts) * (size_t) comm->size);
    int ret;

    if (counts == NULL) {
        return -ENOMEM;
    }
    for (int i = 0; i < comm->size; i++) {
        counts[i] = count;
    }
    ret = kr_coll_reduce_scatter_sched(comm, sbuf, rbuf, counts, dt, op, s_out);
    free(counts);
    return ret;
}

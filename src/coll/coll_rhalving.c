/* Recursive halving (coll_int.h): the reduce-scatter core of Rabenseifner's allreduce and
 * reduce and of the halving reduce-scatter, with the fold for sizes that are not a power of
 * two and the two ways back (allgather by recursive doubling, binomial gather). The halving
 * runs its distances upwards (1, 2, 4, ...) so that each step combines adjacent groups of
 * ranks, which keeps operands in rank order for non-commutative operations; the price is that
 * the positions end up bit-reversed, which only reduce-scatter has to undo. */
#include "config.h"

#include "coll_int.h"

#include <errno.h>

void kr_coll_rh_init(struct kr_sched *s, struct kr_coll_rh *rh)
{
    rh->n = kr_sched_size(s);
    rh->r = kr_sched_rank(s);
    rh->p = 1;
    while (rh->p * 2 <= rh->n) {
        rh->p *= 2;
    }
    rh->rem = rh->n - rh->p;
    if (rh->r < 2 * rh->rem) {
        rh->v = rh->r % 2 != 0 ? rh->r / 2 : -1;
    } else {
        rh->v = rh->r - rh->rem;
    }
    rh->a = 0;
    rh->len = rh->p;
}

int kr_coll_rh_real(const struct kr_coll_rh *rh, int v)
{
    return v < rh->rem ? 2 * v + 1 : v + rh->rem;
}

size_t *kr_coll_rh_even(struct kr_sched *s, const struct kr_coll_rh *rh, size_t count)
{
    size_t *voff = kr_sched_alloc(s, sizeof(*voff) * (size_t) (rh->p + 1));

    for (int k = 0; voff != NULL && k <= rh->p; k++) {
        voff[k] = kr_coll_part_off(count, rh->p, k);
    }
    return voff;
}

/* Elements of the window [a, a + len) of positions. */
static size_t rh_elems(const struct kr_coll_rh *rh, int a, int len)
{
    return rh->voff[a + len] - rh->voff[a];
}

/* Largest number of elements this rank receives in one step (scratch it needs). */
static size_t rh_scratch(const struct kr_coll_rh *rh)
{
    size_t most = 0;
    int a = 0, len = rh->p;

    if (rh->r < 2 * rh->rem) {
        return rh->voff[rh->p]; /* the fold receives the whole vector */
    }
    for (int m = 1; m < rh->p; m <<= 1) {
        len /= 2;
        a += (rh->v & m) != 0 ? len : 0;
        most = rh_elems(rh, a, len) > most ? rh_elems(rh, a, len) : most;
    }
    return most;
}

/* The fold: even ranks below 2 * rem hand their vector to the next rank. */
static int rh_fold(struct kr_sched *s, struct kr_coll_rh *rh, unsigned char *tmp)
{
    size_t total = rh->voff[rh->p];
    int ret = kr_sched_round(s);

    if (ret != 0 || rh->r >= 2 * rh->rem) {
        return ret;
    }
    if (rh->v < 0) {
        return kr_sched_send(s, rh->acc, total * rh->stride, rh->r + 1);
    }
    ret = kr_sched_recv(s, tmp, total * rh->stride, rh->r - 1);
    return ret != 0 ? ret : kr_sched_reduce(s, tmp, rh->acc, total, rh->dt, rh->op);
}

/* One halving step with distance m: keep one half of the window, send the other. */
static int rh_halve_step(struct kr_sched *s, struct kr_coll_rh *rh, unsigned char *tmp, int m)
{
    int half = rh->len / 2, upper = (rh->v & m) != 0;
    int keep = rh->a + (upper ? half : 0), give = rh->a + (upper ? 0 : half);
    int peer = kr_coll_rh_real(rh, rh->v ^ m);
    size_t kn = rh_elems(rh, keep, half), st = rh->stride;
    unsigned char *mine = rh->acc + rh->voff[keep] * st;
    int ret = kr_sched_round(s);

    if (ret == 0) {
        ret = kr_sched_recv(s, tmp, kn * st, peer);
    }
    if (ret == 0) {
        ret = kr_sched_send(s, rh->acc + rh->voff[give] * st, rh_elems(rh, give, half) * st,
                            peer);
    }
    if (ret == 0 && upper) {
        ret = kr_sched_reduce(s, tmp, mine, kn, rh->dt, rh->op); /* the peer's group is lower */
    } else if (ret == 0) {
        ret = kr_sched_reduce(s, mine, tmp, kn, rh->dt, rh->op);
        if (ret == 0) {
            ret = kr_sched_copy(s, tmp, mine, kn * st);
        }
    }
    rh->a = keep;
    rh->len = half;
    return ret;
}

int kr_coll_rh_reduce_scatter(struct kr_sched *s, struct kr_coll_rh *rh)
{
    unsigned char *tmp = kr_sched_alloc(s, rh_scratch(rh) * rh->stride);
    int ret;

    if (tmp == NULL) {
        return -ENOMEM;
    }
    ret = rh_fold(s, rh, tmp);
    for (int m = 1; ret == 0 && rh->v >= 0 && m < rh->p; m <<= 1) {
        ret = rh_halve_step(s, rh, tmp, m);
    }
    return ret;
}

/* The window of the partner in the reverse step with distance m: the other half of the
 * window both held before the halving step m. */
static int rh_sibling(const struct kr_coll_rh *rh, int m)
{
    return (rh->v & m) != 0 ? rh->a - rh->len : rh->a + rh->len;
}

int kr_coll_rh_allgather(struct kr_sched *s, struct kr_coll_rh *rh)
{
    size_t st = rh->stride, total = rh->voff[rh->p] * st;
    int ret = 0;

    for (int m = rh->p / 2; ret == 0 && rh->v >= 0 && m > 0; m >>= 1) {
        int sib = rh_sibling(rh, m), peer = kr_coll_rh_real(rh, rh->v ^ m);

        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_recv(s, rh->acc + rh->voff[sib] * st,
                                rh_elems(rh, sib, rh->len) * st, peer);
        }
        if (ret == 0) {
            ret = kr_sched_send(s, rh->acc + rh->voff[rh->a] * st,
                                rh_elems(rh, rh->a, rh->len) * st, peer);
        }
        rh->a = sib < rh->a ? sib : rh->a;
        rh->len *= 2;
    }
    if (ret == 0 && rh->r < 2 * rh->rem) {
        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = rh->v < 0 ? kr_sched_recv(s, rh->acc, total, rh->r + 1)
                            : kr_sched_send(s, rh->acc, total, rh->r - 1);
        }
    }
    return ret;
}

int kr_coll_rh_gather(struct kr_sched *s, struct kr_coll_rh *rh, int *holder_out)
{
    size_t st = rh->stride;
    int ret = 0;

    *holder_out = kr_coll_rh_real(rh, 0);
    for (int m = rh->p / 2; ret == 0 && rh->v >= 0 && m > 0; m >>= 1) {
        int sib = rh_sibling(rh, m), peer = kr_coll_rh_real(rh, rh->v ^ m);

        ret = kr_sched_round(s);
        if (ret == 0 && (rh->v & m) != 0) {
            return kr_sched_send(s, rh->acc + rh->voff[rh->a] * st,
                                 rh_elems(rh, rh->a, rh->len) * st, peer);
        }
        if (ret == 0) {
            ret = kr_sched_recv(s, rh->acc + rh->voff[sib] * st,
                                rh_elems(rh, sib, rh->len) * st, peer);
        }
        rh->len *= 2; /* bit m clear: this rank's window is the lower half */
    }
    return ret;
}

/* Accumulates on windows whose memory is mapped here (kr_win.direct): the origin applies them
 * itself under the target's accumulate lock, a spin lock in the shared segment that every
 * accumulate to that target takes, which keeps them atomic with respect to each other. The
 * holder never waits while holding it (one copy and one reduction), so waiters spin, and
 * yield the core so that a holder sharing it can finish. */
#include "config.h"

#include "rma/rma_int.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

static void rma_acc_lock(int *l)
{
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE) != 0) {
        for (int spins = 0; __atomic_load_n(l, __ATOMIC_RELAXED) != 0; spins++) {
            if (spins >= 64) {
                sched_yield();
                spins = 0;
            }
        }
    }
}

static void rma_acc_unlock(int *l)
{
    __atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* The bytes of `b` as one contiguous, aligned block: its own memory when it is contiguous,
 * else a packed copy in *tmp (freed by the caller). */
static const void *rma_packed(const struct kr_rma_buf *b, void **tmp)
{
    *tmp = NULL;
    if (b->lay.ops == NULL) {
        return b->base;
    }
    *tmp = malloc(b->len > 0 ? b->len : 1);
    if (*tmp != NULL) {
        b->lay.ops->pack(b->lay.type, b->lay.count, b->base, 0, *tmp, b->len);
    }
    return *tmp;
}

int kr_rma_direct_acc(struct kr_win *w, const struct kr_rma_buf *o, const struct kr_rma_buf *res,
                      const struct kr_rma_tgt *t, const struct kr_op *op)
{
    char *mem = w->peers[t->rank].shm;
    int *lock = w->peers[t->rank].acc_lock;
    void *tmp = NULL;
    const void *in = o != NULL ? rma_packed(o, &tmp) : NULL;
    int ret = 0;

    if (o != NULL && in == NULL) {
        return -ENOMEM;
    }
    if (mem == NULL || t->len == 0) {
        free(tmp);
        return 0; /* a member without memory: only empty accesses pass the range check */
    }
    mem += t->addr;
    rma_acc_lock(lock);
    if (res != NULL && res->len > 0) {
        if (res->lay.ops == NULL) {
            memcpy(res->base, mem, res->len);
        } else {
            res->lay.ops->unpack(res->lay.type, res->lay.count, res->base, 0, mem, res->len);
        }
    }
    if (in != NULL && t->count > 0) {
        ret = kr_op_apply(op, t->dt, in, mem, t->count);
    }
    rma_acc_unlock(lock);
    free(tmp);
    return ret;
}

int kr_rma_direct_cas(struct kr_win *w, const void *origin, const void *compare, void *result,
                      const struct kr_rma_tgt *t)
{
    char *mem = (char *) w->peers[t->rank].shm + t->addr;
    int *lock = w->peers[t->rank].acc_lock;

    rma_acc_lock(lock);
    memcpy(result, mem, t->len);
    if (memcmp(mem, compare, t->len) == 0) {
        memcpy(mem, origin, t->len);
    }
    rma_acc_unlock(lock);
    return 0;
}

/* Accumulates on windows whose memory is mapped here (kr_win.direct): the origin applies them
 * itself under the target's accumulate lock, a spin lock in the shared segment that every
 * accumulate to that target takes, which keeps them atomic with respect to each other. The
 * holder never waits while holding it (one copy and one reduction), so waiters spin, and
 * yield the core so that a holder sharing it can finish. */
#include "config.h"

#include "rma/rma_int.h"

#include "util/biglock.h"

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

/* Window locks on windows mapped here: a word next to the accumulate lock, with the exclusive
 * holder's bit or the number of shared holders. Nothing waits behind a message, so a waiter
 * spins (making progress, and yielding the core) instead of sleeping in the transport. */
#define RMA_LOCKW_EXCL (1 << 30)

static bool rma_lockw_try(int *l, int type)
{
    int v = __atomic_load_n(l, __ATOMIC_ACQUIRE);

    if (type == KR_RMA_LOCK_EXCL) {
        return v == 0
               && __atomic_compare_exchange_n(l, &v, RMA_LOCKW_EXCL, false, __ATOMIC_ACQ_REL,
                                              __ATOMIC_ACQUIRE);
    }
    return (v & RMA_LOCKW_EXCL) == 0
           && __atomic_compare_exchange_n(l, &v, v + 1, false, __ATOMIC_ACQ_REL,
                                          __ATOMIC_ACQUIRE);
}

int kr_rma_direct_lock(struct kr_win *w, int type, int rank)
{
    for (int i = rank < 0 ? 0 : rank; i < (rank < 0 ? w->size : rank + 1); i++) {
        int *l = w->peers[i].acc_lock + 1;

        while (!rma_lockw_try(l, type)) {
            int ret = kr_pt2pt_progress(w->pt);

            if (ret < 0) {
                return ret;
            }
            /* The holder may be another thread of this process (MPI_THREAD_MULTIPLE), which
             * needs the process lock to unlock. */
            kr_biglock_yield();
        }
    }
    return 0;
}

void kr_rma_direct_unlock(struct kr_win *w, int rank)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* our copies are visible before the lock goes */
    for (int i = rank < 0 ? 0 : rank; i < (rank < 0 ? w->size : rank + 1); i++) {
        int *l = w->peers[i].acc_lock + 1;

        if (w->peers[i].lock_type == KR_RMA_LOCK_EXCL) {
            __atomic_store_n(l, 0, __ATOMIC_RELEASE);
        } else if (w->peers[i].lock_type == KR_RMA_LOCK_SHARED) {
            __atomic_fetch_sub(l, 1, __ATOMIC_RELEASE);
        }
    }
}

/* The process-wide lock for MPI_THREAD_MULTIPLE (see biglock.h): a mutex with an owner and a
 * depth on top, a count of threads queued for it, and a futex generation for waiters that
 * sleep with the lock dropped. */
#include "config.h"

#include "util/biglock.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

atomic_bool kr_biglock_on;

static struct {
    pthread_mutex_t mu;
    atomic_uintptr_t owner;     /* the owner's thread tag; 0 when free */
    int depth;                  /* under mu */
    atomic_int queued;          /* threads blocked in pthread_mutex_lock */
    atomic_uint gen;            /* futex word of kr_biglock_sleep */
    int nsleep;                 /* under mu: threads in kr_biglock_sleep */
    void (*kick)(void *arg);    /* under mu: wakes the thread sleeping in a transport */
    void *kick_arg;
} bl = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* A thread's tag is the address of its own copy of this variable: unique while it lives. */
static _Thread_local char biglock_tag;

static inline uintptr_t biglock_self(void)
{
    return (uintptr_t) &biglock_tag;
}

void kr_biglock_enable(void)
{
    atomic_store_explicit(&kr_biglock_on, true, memory_order_release);
}

static void biglock_acquire(int depth)
{
    if (pthread_mutex_trylock(&bl.mu) != 0) {
        atomic_fetch_add_explicit(&bl.queued, 1, memory_order_relaxed);
        pthread_mutex_lock(&bl.mu);
        atomic_fetch_sub_explicit(&bl.queued, 1, memory_order_relaxed);
    }
    atomic_store_explicit(&bl.owner, biglock_self(), memory_order_relaxed);
    bl.depth = depth;
}

static void biglock_release(void)
{
    atomic_store_explicit(&bl.owner, 0, memory_order_relaxed);
    bl.depth = 0;
    pthread_mutex_unlock(&bl.mu);
}

void kr_biglock_enter_slow(void)
{
    /* Only this thread ever stores its own tag, so a stale read cannot match. */
    if (atomic_load_explicit(&bl.owner, memory_order_relaxed) == biglock_self()) {
        bl.depth++;
        return;
    }
    biglock_acquire(1);
}

void kr_biglock_leave_slow(void)
{
    if (bl.depth > 1) {
        bl.depth--;
        return;
    }
    /* An MPI call is returning: whatever it did (a send to self, MPI_Grequest_complete, ...)
     * may be what a sleeping thread waits for. */
    if (bl.nsleep > 0 || bl.kick != NULL) {
        kr_biglock_notify();
    }
    biglock_release();
}

int kr_biglock_drop(void)
{
    int depth;

    if (!atomic_load_explicit(&kr_biglock_on, memory_order_relaxed)
        || atomic_load_explicit(&bl.owner, memory_order_relaxed) != biglock_self()) {
        return 0;
    }
    depth = bl.depth;
    biglock_release();
    return depth;
}

void kr_biglock_take(int depth)
{
    if (depth > 0) {
        biglock_acquire(depth);
    }
}

bool kr_biglock_contended(void)
{
    return atomic_load_explicit(&bl.queued, memory_order_relaxed) > 0;
}

void kr_biglock_pass(void)
{
    int depth = kr_biglock_drop();

    for (int i = 0; i < 16 && depth > 0; i++) {
        if (atomic_load_explicit(&bl.owner, memory_order_relaxed) != 0
            || atomic_load_explicit(&bl.queued, memory_order_relaxed) == 0) {
            break;
        }
        sched_yield();
    }
    kr_biglock_take(depth);
}

void kr_biglock_yield(void)
{
    int depth = kr_biglock_drop();

    sched_yield();
    kr_biglock_take(depth);
}

unsigned kr_biglock_gen(void)
{
    return atomic_load_explicit(&bl.gen, memory_order_relaxed);
}

static long biglock_futex(atomic_uint *addr, int op, unsigned val, const struct timespec *ts)
{
    return syscall(SYS_futex, (uint32_t *) addr, op, val, ts, NULL, 0);
}

void kr_biglock_notify(void)
{
    /* seq_cst: a transport sleeper announces, fences, then checks the generation. */
    atomic_fetch_add_explicit(&bl.gen, 1, memory_order_seq_cst);
    if (bl.nsleep > 0) {
        biglock_futex(&bl.gen, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
    }
    if (bl.kick != NULL) {
        bl.kick(bl.kick_arg);
    }
}

void kr_biglock_wake(void)
{
    atomic_fetch_add_explicit(&bl.gen, 1, memory_order_seq_cst);
    biglock_futex(&bl.gen, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
}

void kr_biglock_sleep(unsigned gen, int timeout_ms)
{
    struct timespec ts = { timeout_ms / 1000, (long) (timeout_ms % 1000) * 1000000 };
    int depth;

    /* Counted under the lock: a notifier holds it too, so it sees us or we see its change. */
    bl.nsleep++;
    depth = kr_biglock_drop();
    biglock_futex(&bl.gen, FUTEX_WAIT_PRIVATE, gen, &ts);
    kr_biglock_take(depth);
    bl.nsleep--;
}

void kr_biglock_set_kick(void (*kick)(void *arg), void *arg)
{
    bl.kick = kick;
    bl.kick_arg = arg;
}

/* The process-wide lock that makes MPI_THREAD_MULTIPLE safe: every MPI call (the generated
 * wrappers in src/api/api_mt_wrap.c) holds it, and only when the program was granted MULTIPLE;
 * otherwise entering costs one predictable branch. It is recursive (error handlers, reduction
 * ops, attribute and generalized-request callbacks call MPI from inside MPI), and a blocking
 * wait lets go of it completely (kr_biglock_drop / kr_biglock_take) so that other threads can
 * send what the waiter waits for. Threads that wait with the lock dropped sleep on a
 * generation counter that kr_biglock_notify advances. */
#ifndef KR_UTIL_BIGLOCK_H
#define KR_UTIL_BIGLOCK_H

#include <stdatomic.h>
#include <stdbool.h>

/* True from the moment MPI_Init_thread granted MPI_THREAD_MULTIPLE. */
extern atomic_bool kr_biglock_on;

/* Turn the lock on (MPI_Init_thread, before it returns MULTIPLE). The calling thread does
 * not hold it; its call returns through a wrapper that did not take it. */
void kr_biglock_enable(void);

void kr_biglock_enter_slow(void);
void kr_biglock_leave_slow(void);

/* Take the lock if it is on; returns whether it was taken, for kr_biglock_leave. */
static inline bool kr_biglock_enter(void)
{
    if (__builtin_expect(!atomic_load_explicit(&kr_biglock_on, memory_order_relaxed), 1)) {
        return false;
    }
    kr_biglock_enter_slow();
    return true;
}

static inline void kr_biglock_leave(bool locked)
{
    if (__builtin_expect(locked, 0)) {
        kr_biglock_leave_slow();
    }
}

/* Let go of the lock completely if this thread holds it; returns the depth to hand back to
 * kr_biglock_take (0: it did not hold it, take does nothing). */
int kr_biglock_drop(void);
void kr_biglock_take(int depth);

/* True when another thread is blocked waiting for the lock (the holder should let it in). */
bool kr_biglock_contended(void);

/* Let a queued thread have the lock, then take it back at the same depth. The mutex is not
 * fair (a releaser that locks again at once usually wins), so this waits, yielding, until
 * somebody else took it or a few yields passed. */
void kr_biglock_pass(void);

/* sched_yield, with the lock dropped meanwhile if this thread holds it: for loops that wait
 * for something another thread of this process may have to do inside MPI. */
void kr_biglock_yield(void);

/* Called with the lock held after something happened that may finish another thread's wait
 * (a progress call handled events, an MPI call is returning): wakes the threads sleeping in
 * kr_biglock_sleep and, through the kick set by kr_biglock_set_kick, the one sleeping in a
 * transport. */
void kr_biglock_notify(void);

/* The same from any thread, without the lock (a transport's watch thread): advance the
 * generation and wake every kr_biglock_sleep. */
void kr_biglock_wake(void);

/* The generation sleepers compare against. Read with the lock held, before dropping it. */
unsigned kr_biglock_gen(void);

/* Called with the lock held: drop it completely, sleep until the generation moves past `gen`
 * (read under the lock before deciding to sleep) or `timeout_ms` passes, take it back. */
void kr_biglock_sleep(unsigned gen, int timeout_ms);

/* The one thread that sleeps in the transport (the others sleep in kr_biglock_sleep) names
 * how to wake it: `kick(arg)` is called by kr_biglock_notify until kr_biglock_set_kick(NULL). */
void kr_biglock_set_kick(void (*kick)(void *arg), void *arg);

#endif /* KR_UTIL_BIGLOCK_H */

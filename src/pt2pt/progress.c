/* Progress and waiting. A wait polls the transports, and when nothing happens it spins
 * briefly, then yields the CPU, then sleeps on the transport's doorbell until a peer wakes
 * it: ranks that wait never starve ranks that work, even with more ranks than cores. */
#include "config.h"

#include "pt2pt_int.h"

#include "util/biglock.h"

#include <sched.h>
#include <time.h>
#include <unistd.h>

#define WAIT_SLEEP_MS 200       /* upper bound of one sleep; wakeups normally come first */
#define WAIT_MT_NAP_MS 1        /* MULTIPLE: a sleep nothing external can cut short ends here */

static struct pt2pt_cfg {
    int spin;
    int spin_oversub;
    int yield_us;
} pt2pt_cfg;

size_t kr_pt2pt_coop_min;
size_t kr_pt2pt_unexp_limit;

const struct kr_setting kr_pt2pt_settings[] = {
    { "WAIT_SPIN", KR_SET_INT, "20000", &pt2pt_cfg.spin,
      "empty polls a waiting rank spins through before it starts yielding the CPU", NULL, 0 },
    { "WAIT_SPIN_OVERSUB", KR_SET_INT, "20", &pt2pt_cfg.spin_oversub,
      "the same when the host runs more ranks than it has cores", NULL, 0 },
    { "WAIT_YIELD_US", KR_SET_INT, "1000", &pt2pt_cfg.yield_us,
      "microseconds a waiting rank keeps yielding (sched_yield) before it sleeps until woken",
      NULL, 0 },
    { "UNEXPECTED_LIMIT", KR_SET_SIZE, "256m", &kr_pt2pt_unexp_limit,
      "memory a rank may spend on small messages that arrived before their receive was posted; "
      "each sender gets its share, and beyond it its messages wait for the receive "
      "(rendezvous)", NULL, 0 },
    { "RNDV_COOP_MIN", KR_SET_SIZE, "128k", &kr_pt2pt_coop_min,
      "message size from which sender and receiver copy a large message together (both "
      "processes move chunks at once, where the transport can); 0 turns it off", NULL, 0 },
    { 0 }
};

static inline void progress_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static uint64_t progress_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

int kr_pt2pt_progress(struct kr_pt2pt *pt)
{
    int n = 0;

    for (int i = 0; i < pt->ntports; i++) {
        int ret = pt->tports[i]->ops->progress(pt->tports[i]);

        if (ret < 0) {
            return ret;
        }
        n += ret;
    }
    if (!kr_list_empty(&pt->pulls)) {
        n += kr_proto_pulls_run(pt);
    }
    if (!kr_list_empty(&pt->coop)) {
        n += kr_proto_coop_poll(pt);
    }
    if (!kr_list_empty(&pt->busy)) {
        struct kr_list *pos, *tmp;

        kr_list_for_each_safe(pos, tmp, &pt->busy) {
            n += kr_proto_sendq_drain(pt, kr_container_of(pos, struct pt2pt_peer, busy_link));
        }
    }
    return n;
}

/* Sleeping on two transports: the sleeper's ready() also says yes once the watcher's thread
 * has seen something for the other one. */
struct progress_watch {
    bool (*done)(void *arg);
    void *arg;
    atomic_int *flag;
};

static bool progress_watch_ready(void *arg)
{
    struct progress_watch *w = arg;

    /* seq_cst: pairs with the watcher's store-fence-kick, after the sleeper announced. */
    return atomic_load_explicit(w->flag, memory_order_seq_cst) != 0 || w->done(w->arg);
}

static void progress_watch_kick(void *arg)
{
    struct kr_pt2pt *pt = arg;

    pt->sleeper->ops->kick(pt->sleeper);
}

static void progress_sleep(struct kr_pt2pt *pt, bool (*done)(void *arg), void *arg)
{
    if (pt->watcher != NULL) {
        struct progress_watch w = { done, arg, &pt->watch_flag };

        atomic_store_explicit(&pt->watch_flag, 0, memory_order_relaxed);
        if (pt->watcher->ops->watch(pt->watcher, &pt->watch_flag, progress_watch_kick, pt)
            == 0) {
            pt->sleeper->ops->wait(pt->sleeper, WAIT_SLEEP_MS, progress_watch_ready, &w);
        } else {
            usleep(1000);
        }
    } else if (pt->sleeper != NULL) {
        pt->sleeper->ops->wait(pt->sleeper, WAIT_SLEEP_MS, done, arg);
    } else {
        /* Nothing to sleep on (a singleton): waiting can only be for ourselves; nap. */
        usleep(1000);
    }
}

/*
 * MPI_THREAD_MULTIPLE: a waiter sleeps with the process lock dropped, so it cannot look at
 * its own request (done() reads state other threads change under the lock). It sleeps until
 * the lock's generation moves instead: kr_biglock_notify advances it whenever a progress call
 * handled events or an MPI call returns. Transport state is only touched under the lock, but
 * for the two waits built to run beside another thread's progress: shm's doorbell sleep and the
 * watch threads of TCP and OFI.
 * - With shm (it has kick), one thread sleeps in shm's wait(), with the other transport's
 *   watch thread armed (under the lock) as usual. It enters wait() holding the lock: shm
 *   announces the sleep and checks its queues, then asks ready() (progress_mt_ready), which
 *   drops the lock for the futex sleep. A peer's doorbell wakes it, and so does notify
 *   through kick. The other waiters sleep on the generation. Its wait over, the sleeper's
 *   MPI call returns and notifies, so another sleeper takes over the transport.
 * - TCP or OFI alone (watch, no kick): every waiter sleeps on the generation, and the
 *   transport's watch thread, armed under the lock, advances it when a socket or the CQ has
 *   something (kr_biglock_wake).
 * - Nothing to sleep on (a singleton, the loop transport): naps of WAIT_MT_NAP_MS.
 */
static void progress_mt_wake(void *arg)
{
    (void) arg;
    kr_biglock_wake();
}

/* The shm sleeper's ready(): called under the lock after shm's own checks, last before the
 * futex; if the generation has not moved, drop the lock for the sleep. */
struct progress_mt_sleep {
    unsigned gen;
    int depth;
    bool dropped;
};

static bool progress_mt_ready(void *arg)
{
    struct progress_mt_sleep *m = arg;

    if (kr_biglock_gen() != m->gen) {
        return true;
    }
    m->depth = kr_biglock_drop();
    m->dropped = true;
    return false;
}

static void progress_sleep_mt(struct kr_pt2pt *pt)
{
    struct kr_tport *s = pt->sleeper;
    struct progress_mt_sleep m = { kr_biglock_gen(), 0, false };
    bool armed = false;

    if (s == NULL || s->ops->kick == NULL) {
        if (s != NULL && s->ops->watch != NULL) {
            atomic_store_explicit(&pt->watch_flag, 0, memory_order_relaxed);
            armed = s->ops->watch(s, &pt->watch_flag, progress_mt_wake, NULL) == 0;
        }
        kr_biglock_sleep(m.gen, armed ? WAIT_SLEEP_MS : WAIT_MT_NAP_MS);
        return;
    }
    if (pt->mt_in_tport) {
        kr_biglock_sleep(m.gen, WAIT_SLEEP_MS);
        return;
    }
    pt->mt_in_tport = true;
    kr_biglock_set_kick(progress_watch_kick, pt);
    if (pt->watcher != NULL) {
        atomic_store_explicit(&pt->watch_flag, 0, memory_order_relaxed);
        armed = pt->watcher->ops->watch(pt->watcher, &pt->watch_flag, progress_watch_kick, pt)
                == 0;
    }
    if (pt->watcher == NULL) {
        s->ops->wait(s, WAIT_SLEEP_MS, progress_mt_ready, &m);
    } else if (armed) {
        struct progress_watch w = { progress_mt_ready, &m, &pt->watch_flag };

        s->ops->wait(s, WAIT_SLEEP_MS, progress_watch_ready, &w);
    } else {
        kr_biglock_sleep(m.gen, WAIT_MT_NAP_MS);
    }
    if (m.dropped) {
        kr_biglock_take(m.depth);
    }
    kr_biglock_set_kick(NULL, NULL);
    pt->mt_in_tport = false;
}

/* MULTIPLE: a spinning waiter lets queued threads in (they may be about to send what it
 * waits for); a yielding one drops the lock while it yields. */
static void progress_mt_yield(bool always)
{
    if (kr_biglock_contended()) {
        kr_biglock_pass();
    } else if (always) {
        kr_biglock_yield();
    }
}

/*
 * Spinning pays only while the peer runs on another core. The budget adapts: a wait that
 * outlasts its spin halves the next one's; a wait that ends while spinning doubles it back (up
 * to the setting), and so does one that ends while yielding if the yields came straight back:
 * nobody else wanted this core, so spinning would have cost no one and answered sooner.
 *
 * Ranks can share cores in ways the layout does not show (fake hosts on one machine, other
 * jobs). A sched_yield that hands the core to another thread takes microseconds (two context
 * switches), one that finds nobody about half of one; when a wait's yields are mostly slow the
 * core is contended, and for the next WAIT_CONTENDED_US no wait spins longer than the
 * oversubscribed budget, whatever ended the waits in between (a spinner's peer on the same
 * core could otherwise only run when the spinner's time slice ends: ~1 ms per barrier with
 * 2 fake hosts x 2 ranks on 2 cores, 25 us without the spin).
 */
#define WAIT_YIELD_SLOW_NS 1500     /* a sched_yield this long ran somebody else */
#define WAIT_CONTENDED_US 250000    /* how long a contended core keeps spins short */
#define WAIT_SPIN_MAX_NS 50000      /* longest spin, whatever the budget of polls says */

int kr_pt2pt_wait_until(struct kr_pt2pt *pt, bool (*done)(void *arg), void *arg)
{
    int max = pt->oversubscribed ? pt2pt_cfg.spin_oversub : pt2pt_cfg.spin;
    int floor = pt2pt_cfg.spin_oversub < max ? pt2pt_cfg.spin_oversub : max;
    int spin, start, idle = 0, yields = 0, slow = 0;
    uint64_t idle_since = 0, now = 0, spin_t0 = 0;
    bool mt = atomic_load_explicit(&kr_biglock_on, memory_order_relaxed);

    if (done(arg)) {
        return 0;
    }
    if (pt->contended_until != 0) {
        if (progress_now_ns() / 1000 < pt->contended_until) {
            max = floor;
        } else {
            pt->contended_until = 0;
        }
    }
    spin = start = pt->spin_budget > 0 && pt->spin_budget < max ? pt->spin_budget : max;
    while (!done(arg)) {
        int n = kr_pt2pt_progress(pt);

        if (n < 0) {
            return n;
        }
        if (n > 0) {
            if (mt) {
                kr_biglock_notify();
            }
            idle = 0;
            continue;
        }
        if (idle < spin) {
            /* The spin is bounded in time too: a budget of polls can last a millisecond, the
             * time slice a same-core peer would then wait for. */
            if (++idle == 1) {
                spin_t0 = progress_now_ns();
            } else if ((idle & 63) == 0 && progress_now_ns() - spin_t0 > WAIT_SPIN_MAX_NS) {
                spin = idle;
            }
            if (mt && (idle & 63) == 0) {
                progress_mt_yield(false);
            }
            progress_cpu_relax();
            continue;
        }
        if (idle == spin) {
            idle++;
            idle_since = now = progress_now_ns();
            spin = spin / 2 > floor ? spin / 2 : floor;
            pt->spin_budget = spin;
        }
        if (now - idle_since < (uint64_t) pt2pt_cfg.yield_us * 1000) {
            uint64_t before = now;

            if (mt) {
                progress_mt_yield(true);
            } else {
                sched_yield();
            }
            now = progress_now_ns();
            yields++;
            slow += now - before > WAIT_YIELD_SLOW_NS;
            continue;
        }
        slow = yields + 1; /* slept: nothing to learn from the yields */
        if (mt) {
            progress_sleep_mt(pt);
        } else {
            progress_sleep(pt, done, arg);
        }
    }
    /* Mostly slow (an interrupt now and then makes a lone yield slow too). */
    if (slow >= 2 && 4 * slow >= yields && slow <= yields) {
        pt->contended_until = progress_now_ns() / 1000 + WAIT_CONTENDED_US;
    }
    if ((idle <= spin || (yields > 0 && slow == 0)) && slow <= yields && start < max) {
        pt->spin_budget = 2 * start < max ? 2 * start : max;
    }
    return 0;
}

static bool progress_req_done(void *arg)
{
    return ((struct kr_req *) arg)->done != 0;
}

int kr_pt2pt_wait(struct kr_pt2pt *pt, struct kr_req *req)
{
    if (req->done) {
        return 0;
    }
    return kr_pt2pt_wait_until(pt, progress_req_done, req);
}

/* mt_multiple: MPI_THREAD_MULTIPLE. Several threads per rank at once: blocking and
 * nonblocking point-to-point with distinct tags (eager and rendezvous sizes) and with
 * MPI_ANY_SOURCE, collectives on one duplicated communicator per thread, Probe / Mprobe, a
 * thread blocked in MPI_Recv while another thread of its rank sends the request whose reply
 * it waits for, and receivers that fall asleep before a late sender (another thread of their
 * rank, or a thread of another rank) wakes them, or that another thread's
 * MPI_Grequest_complete must wake. The thread-level queries and the thread_level info key must say MULTIPLE.
 * With the argument "capped" (run with KURIR_THREAD_LEVEL=serialized) it only checks that the
 * level is capped and that Query_thread says so. */
#include "check.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#define NT 4        /* threads per rank */
#define ITER 40
#define BIG 65536   /* ints: 256 KiB, beyond the eager limit */

static int rank, np, left, right;
static pthread_barrier_t phase;
static MPI_Comm tcomm[NT];
static int *bigbuf[NT][2];

static int *mkbig(int t, int which)
{
    return bigbuf[t][which];
}

/* Thread t exchanges ITER messages with both neighbours on tag t: blocking Sendrecv-free
 * pairs (nonblocking send, blocking receive), then Isend/Irecv/Waitall, some of them big. */
static void p2p_pairs(int t)
{
    for (int i = 0; i < ITER; i++) {
        int big = i % 8 == 7, n = big ? BIG : 4, *s = mkbig(t, 0), *r = mkbig(t, 1);
        MPI_Request rq[2];
        MPI_Status st;

        for (int k = 0; k < n; k++) {
            s[k] = rank * 1000000 + t * 10000 + i * 10 + k % 7;
        }
        CHECK_MPI(MPI_Isend(s, n, MPI_INT, right, t, MPI_COMM_WORLD, &rq[0]));
        CHECK_MPI(MPI_Recv(r, n, MPI_INT, left, t, MPI_COMM_WORLD, &st));
        CHECK_MPI(MPI_Wait(&rq[0], MPI_STATUS_IGNORE));
        for (int k = 0; k < n; k++) {
            CHECK(r[k] == left * 1000000 + t * 10000 + i * 10 + k % 7,
                  "thread %d iter %d: element %d is %d from rank %d", t, i, k, r[k], left);
        }
        CHECK(st.MPI_SOURCE == left && st.MPI_TAG == t, "thread %d: status %d/%d", t,
              st.MPI_SOURCE, st.MPI_TAG);
        CHECK_MPI(MPI_Irecv(r, n, MPI_INT, right, NT + t, MPI_COMM_WORLD, &rq[1]));
        CHECK_MPI(MPI_Isend(s, n, MPI_INT, left, NT + t, MPI_COMM_WORLD, &rq[0]));
        CHECK_MPI(MPI_Waitall(2, rq, MPI_STATUSES_IGNORE));
        CHECK(r[n - 1] == right * 1000000 + t * 10000 + i * 10 + (n - 1) % 7,
              "thread %d iter %d: last element %d from rank %d", t, i, r[n - 1], right);
    }
}

/* Every thread t of every rank sends to every rank on tag 100 + t; thread t of each rank
 * takes np messages with MPI_ANY_SOURCE on its tag and must see each sender once. */
static void any_source(int t)
{
    int val = rank * 100 + t, got, seen[256] = {0};
    MPI_Request *rq = malloc(sizeof(*rq) * (size_t) np);
    MPI_Status st;

    CHECK(rq != NULL && np <= 256, "any_source: np %d", np);
    for (int d = 0; d < np; d++) {
        CHECK_MPI(MPI_Isend(&val, 1, MPI_INT, d, 100 + t, MPI_COMM_WORLD, &rq[d]));
    }
    for (int n = 0; n < np; n++) {
        CHECK_MPI(MPI_Recv(&got, 1, MPI_INT, MPI_ANY_SOURCE, 100 + t, MPI_COMM_WORLD, &st));
        CHECK(st.MPI_SOURCE >= 0 && st.MPI_SOURCE < np && !seen[st.MPI_SOURCE]
                  && got == st.MPI_SOURCE * 100 + t,
              "any_source thread %d: got %d from %d (seen %d)", t, got, st.MPI_SOURCE,
              st.MPI_SOURCE >= 0 && st.MPI_SOURCE < np ? seen[st.MPI_SOURCE] : -1);
        seen[st.MPI_SOURCE] = 1;
    }
    CHECK_MPI(MPI_Waitall(np, rq, MPI_STATUSES_IGNORE));
    free(rq);
}

/* Thread t runs collectives on its own communicator while the others run theirs. */
static void collectives(int t)
{
    MPI_Comm c = tcomm[t];

    for (int i = 0; i < ITER; i++) {
        int v = rank + i + t, sum = -1, root = i % np, b = rank == root ? 7 * i + t : -1;
        int *all = malloc(sizeof(int) * (size_t) np);

        CHECK(all != NULL, "malloc");
        CHECK_MPI(MPI_Allreduce(&v, &sum, 1, MPI_INT, MPI_SUM, c));
        CHECK(sum == np * (np - 1) / 2 + np * (i + t), "thread %d allreduce %d: %d", t, i, sum);
        CHECK_MPI(MPI_Bcast(&b, 1, MPI_INT, root, c));
        CHECK(b == 7 * i + t, "thread %d bcast %d: %d", t, i, b);
        CHECK_MPI(MPI_Allgather(&v, 1, MPI_INT, all, 1, MPI_INT, c));
        for (int k = 0; k < np; k++) {
            CHECK(all[k] == k + i + t, "thread %d allgather %d: [%d] = %d", t, i, k, all[k]);
        }
        CHECK_MPI(MPI_Barrier(c));
        free(all);
    }
}

/* Probe then receive, and Mprobe (ANY_SOURCE) then Mrecv, each thread on its own tags. */
static void probes(int t)
{
    for (int i = 0; i < ITER / 4; i++) {
        int n = i % 2 ? BIG : 3, cnt, *s = mkbig(t, 0), *r = mkbig(t, 1);
        MPI_Request rq;
        MPI_Message m;
        MPI_Status st;

        s[0] = rank * 100 + t;
        s[n - 1] = i;
        CHECK_MPI(MPI_Isend(s, n, MPI_INT, right, 200 + t, MPI_COMM_WORLD, &rq));
        CHECK_MPI(MPI_Probe(left, 200 + t, MPI_COMM_WORLD, &st));
        CHECK_MPI(MPI_Get_count(&st, MPI_INT, &cnt));
        CHECK(cnt == n, "probe thread %d: count %d, want %d", t, cnt, n);
        CHECK_MPI(MPI_Recv(r, cnt, MPI_INT, left, 200 + t, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        CHECK(r[0] == left * 100 + t && r[n - 1] == i, "probe thread %d: got %d %d", t, r[0],
              r[n - 1]);
        CHECK_MPI(MPI_Wait(&rq, MPI_STATUS_IGNORE));

        CHECK_MPI(MPI_Isend(s, n, MPI_INT, left, 300 + t, MPI_COMM_WORLD, &rq));
        CHECK_MPI(MPI_Mprobe(MPI_ANY_SOURCE, 300 + t, MPI_COMM_WORLD, &m, &st));
        CHECK(st.MPI_SOURCE == right, "mprobe thread %d: source %d", t, st.MPI_SOURCE);
        CHECK_MPI(MPI_Get_count(&st, MPI_INT, &cnt));
        CHECK_MPI(MPI_Mrecv(r, cnt, MPI_INT, &m, MPI_STATUS_IGNORE));
        CHECK(cnt == n && r[0] == right * 100 + t && r[n - 1] == i, "mprobe thread %d: %d %d %d",
              t, cnt, r[0], r[n - 1]);
        CHECK_MPI(MPI_Wait(&rq, MPI_STATUS_IGNORE));
    }
}

/* Request / reply across ranks: thread 0 blocks in MPI_Recv for the reply (tag 999) that
 * `right` sends only after thread 1 of this rank sent it the request (tag 998); thread 2
 * serves the request from `left`. Thread 1 sends once thread 0 announced it is receiving. */
static atomic_int waiting_for_reply;

static void request_reply(int t)
{
    int v;

    for (int i = 0; i < ITER; i++) {
        if (t == 0) {
            atomic_store(&waiting_for_reply, i + 1);
            CHECK_MPI(MPI_Recv(&v, 1, MPI_INT, right, 999, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
            CHECK(v == right * 1000 + i + 1, "reply %d: %d", i, v);
        } else if (t == 1) {
            while (atomic_load(&waiting_for_reply) != i + 1) {
                sched_yield();
            }
            v = i;
            CHECK_MPI(MPI_Send(&v, 1, MPI_INT, right, 998, MPI_COMM_WORLD));
        } else if (t == 2) {
            CHECK_MPI(MPI_Recv(&v, 1, MPI_INT, left, 998, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
            CHECK(v == i, "request %d: %d", i, v);
            v = rank * 1000 + i + 1;
            CHECK_MPI(MPI_Send(&v, 1, MPI_INT, left, 999, MPI_COMM_WORLD));
        }
    }
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

/* Threads 1.. wait in MPI_Recv long enough to fall asleep (spin and yield end after about a
 * millisecond); thread 0 of the sending rank sends to each of them 20 ms later. In even rounds
 * the sender is this very rank: another thread's call completes the sleeper's receive. In odd
 * rounds it is `left`: the message arrives through the transport while every thread of this
 * rank may be asleep. A lost wakeup shows as a 200 ms wait (the safety bound of one sleep). */
#define LATE_ROUNDS 8
static atomic_int late_slow;

static void late_sender(int t)
{
    for (int round = 0; round < LATE_ROUNDS; round++) {
        int v = -1, to = round % 2 ? right : rank, from = round % 2 ? left : rank;

        if (t == 0) {
            usleep(20000); /* not synchronisation: lets the receivers fall asleep */
            for (int d = 1; d < NT; d++) {
                v = round * 10 + d;
                CHECK_MPI(MPI_Send(&v, 1, MPI_INT, to, 400 + d, MPI_COMM_WORLD));
            }
        } else {
            double t0 = now_s();

            CHECK_MPI(MPI_Recv(&v, 1, MPI_INT, from, 400 + t, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
            CHECK(v == round * 10 + t, "late sender round %d thread %d: %d", round, t, v);
            if (now_s() - t0 > 0.15) {
                atomic_fetch_add(&late_slow, 1);
            }
        }
        CHECK_MPI(MPI_Barrier(tcomm[t])); /* one round at a time, all ranks */
    }
}

/* A generalized request that thread 1 waits for and thread 0 completes 20 ms later: nothing
 * arrives from any transport, only thread 0's MPI_Grequest_complete can end the wait. */
static int greq_query(void *extra, MPI_Status *st)
{
    (void) extra;
    MPI_Status_set_elements(st, MPI_BYTE, 0);
    MPI_Status_set_cancelled(st, 0);
    st->MPI_SOURCE = MPI_UNDEFINED;
    st->MPI_TAG = MPI_UNDEFINED;
    return MPI_SUCCESS;
}

static int greq_free(void *extra)
{
    (void) extra;
    return MPI_SUCCESS;
}

static int greq_cancel(void *extra, int complete)
{
    (void) extra;
    (void) complete;
    return MPI_SUCCESS;
}

static MPI_Request greq;
static atomic_int greq_round, greq_slow;

static void greq_late(int t)
{
    for (int round = 1; round <= LATE_ROUNDS / 2; round++) {
        if (t == 1) {
            double t0;

            CHECK_MPI(MPI_Grequest_start(greq_query, greq_free, greq_cancel, NULL, &greq));
            atomic_store(&greq_round, round);
            t0 = now_s();
            CHECK_MPI(MPI_Wait(&greq, MPI_STATUS_IGNORE));
            if (now_s() - t0 > 0.15) {
                atomic_fetch_add(&greq_slow, 1);
            }
        } else if (t == 0) {
            while (atomic_load(&greq_round) != round) {
                sched_yield();
            }
            usleep(20000); /* not synchronisation: lets thread 1 fall asleep */
            CHECK_MPI(MPI_Grequest_complete(greq));
        }
        pthread_barrier_wait(&phase);
    }
}

static void *worker(void *arg)
{
    int t = (int) (intptr_t) arg, flag = 1;

    CHECK_MPI(MPI_Is_thread_main(&flag));
    CHECK(!flag, "MPI_Is_thread_main says yes in thread %d", t);
    p2p_pairs(t);
    pthread_barrier_wait(&phase);
    any_source(t);
    pthread_barrier_wait(&phase);
    collectives(t);
    pthread_barrier_wait(&phase);
    probes(t);
    pthread_barrier_wait(&phase);
    request_reply(t);
    pthread_barrier_wait(&phase);
    late_sender(t);
    pthread_barrier_wait(&phase);
    greq_late(t);
    return NULL;
}

int main(int argc, char **argv)
{
    int provided = -1, level = -1, flag = 0;
    char val[64];
    pthread_t th[NT];

    CHECK_MPI(MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided));
    check_init("mt_multiple");
    CHECK_MPI(MPI_Query_thread(&level));
    CHECK(level == provided, "MPI_Query_thread %d, MPI_Init_thread provided %d", level, provided);
    CHECK_MPI(MPI_Is_thread_main(&flag));
    CHECK(flag, "MPI_Is_thread_main says no in the main thread");
    CHECK_MPI(MPI_Info_get_string(MPI_INFO_ENV, "thread_level", &(int){sizeof(val)}, val, &flag));
    if (argc > 1 && strcmp(argv[1], "capped") == 0) {
        CHECK(provided == MPI_THREAD_SERIALIZED, "capped: provided %d", provided);
        CHECK(flag && strcmp(val, "MPI_THREAD_SERIALIZED") == 0, "capped: thread_level '%s'",
              flag ? val : "(none)");
        CHECK_MPI(MPI_Finalize());
        return 0;
    }
    CHECK(provided == MPI_THREAD_MULTIPLE, "provided %d, want MPI_THREAD_MULTIPLE", provided);
    CHECK(flag && strcmp(val, "MPI_THREAD_MULTIPLE") == 0, "thread_level '%s'",
          flag ? val : "(none)");

    CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &np));
    right = (rank + 1) % np;
    left = (rank + np - 1) % np;
    for (int t = 0; t < NT; t++) {
        CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &tcomm[t]));
        for (int w = 0; w < 2; w++) {
            bigbuf[t][w] = malloc(sizeof(int) * BIG);
            CHECK(bigbuf[t][w] != NULL, "malloc");
        }
    }
    pthread_barrier_init(&phase, NULL, NT);
    for (int t = 0; t < NT; t++) {
        CHECK(pthread_create(&th[t], NULL, worker, (void *) (intptr_t) t) == 0,
              "pthread_create");
    }
    for (int t = 0; t < NT; t++) {
        pthread_join(th[t], NULL);
    }
    pthread_barrier_destroy(&phase);
    CHECK(atomic_load(&late_slow) < LATE_ROUNDS * (NT - 1) / 2,
          "%d of %d late receives took over 150 ms (lost wakeups?)", atomic_load(&late_slow),
          LATE_ROUNDS * (NT - 1));
    CHECK(atomic_load(&greq_slow) < LATE_ROUNDS / 2,
          "every wait for a request completed by another thread took over 150 ms");
    for (int t = 0; t < NT; t++) {
        CHECK_MPI(MPI_Comm_free(&tcomm[t]));
        free(bigbuf[t][0]);
        free(bigbuf[t][1]);
    }
    CHECK_MPI(MPI_Finalize());
    return 0;
}

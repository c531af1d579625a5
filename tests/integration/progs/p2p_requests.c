/* p2p_requests: nonblocking point-to-point and request completion. Isend, Issend, Ibsend and
 * Irsend of small and large messages; Wait, Waitall, Waitany, Waitsome, Test, Testall, Testany
 * and Testsome with their index / outcount rules (MPI_REQUEST_NULL entries take no part, an
 * array of only null requests gives MPI_UNDEFINED, count 0 arrays, MPI_STATUSES_IGNORE);
 * MPI_Request_get_status, which does not free the request; MPI_Request_free of an active send
 * (the message still arrives) and of a completed request; 20000 receives and 20000 sends
 * outstanding at once, completed by Waitall and by a Testsome loop; and a receive that
 * truncates inside Waitall / Waitsome / Testall / Testsome (MPI_ERR_IN_STATUS with MPI_ERROR
 * per status) and inside Wait / Waitany / Test (the error itself), under MPI_ERRORS_RETURN.
 *
 * Every rank sends to its right neighbour and receives from its left one (at np 1 both are the
 * rank itself). A "deferred" receive is one whose message cannot have been sent yet: the left
 * neighbour sends it only after this rank has told it to (release()), so the tests that need a
 * request to be still incomplete are deterministic without any sleep. */
#include "check.h"

#include <stdbool.h>

#define SMALL 100
#define LARGE (300 * 1000) /* above every eager limit and the cooperative-copy threshold */
#define GO 10000           /* tag offset of the "you may send tag T now" messages */

static int rank, np, left, right;

/* A received message: from the left neighbour with `tag`, `len` bytes of its pattern. */
#define CHECK_RECVD(st, buf, len, tag, ...)                                                        \
    check_recvd(__FILE__, __LINE__, (st), (buf), (len), (tag), __VA_ARGS__)
static void check_recvd(const char *file, int line, const MPI_Status *st, const void *buf, int len,
                        int tag, const char *what)
{
    int cnt = -1;

    CHECK_MPI(MPI_Get_count(st, MPI_BYTE, &cnt));
    if (st->MPI_SOURCE != left || st->MPI_TAG != tag || cnt != len) {
        check_fail(file, line, "%s: status source %d tag %d count %d, want %d %d %d", what,
                   st->MPI_SOURCE, st->MPI_TAG, cnt, left, tag, len);
    }
    check_pattern(file, line, buf, (size_t) len, check_seed(tag, left), "%s", what);
}

/* Let the left neighbour send its message with `tag` (len bytes) to us, and send ours to the
 * right neighbour once it lets us. Every rank calls this for the same tags in the same order. */
static void release(int tag, int len)
{
    unsigned char *out = malloc((size_t) len + 1);
    int token = tag, got = -1;
    MPI_Request r;

    CHECK(out != NULL, "out of memory");
    check_fill(out, (size_t) len, check_seed(tag, rank));
    CHECK_MPI(MPI_Isend(&token, 1, MPI_INT, left, tag + GO, MPI_COMM_WORLD, &r));
    CHECK_MPI(MPI_Recv(&got, 1, MPI_INT, right, tag + GO, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    CHECK(got == tag, "release token %d, want %d", got, tag);
    CHECK_MPI(MPI_Send(out, len, MPI_BYTE, right, tag, MPI_COMM_WORLD));
    CHECK_MPI(MPI_Wait(&r, MPI_STATUS_IGNORE));
    free(out);
}

/* Isend, Issend, Ibsend and Irsend, small and large, to the right; receives posted before
 * anyone starts sending (the barrier makes Irsend legal). Completed by one Waitall. */
static void send_modes(void)
{
    enum { NMODE = 4, NMSG = 2 * NMODE };
    const int lens[2] = {SMALL, LARGE};
    unsigned char *in[NMSG], *out[NMSG];
    MPI_Request reqs[2 * NMSG];
    MPI_Status st[2 * NMSG];
    int bsize = 2 * (LARGE + SMALL + 2 * MPI_BSEND_OVERHEAD), dsize = -1;
    unsigned char *battach = malloc((size_t) bsize);
    void *dbuf = NULL;

    CHECK(battach != NULL, "out of memory");
    CHECK_MPI(MPI_Buffer_attach(battach, bsize));
    for (int m = 0; m < NMSG; m++) {
        int len = lens[m % 2], tag = 1 + m;

        in[m] = check_alloc((size_t) len);
        out[m] = check_alloc((size_t) len);
        check_fill(out[m], (size_t) len, check_seed(tag, rank));
        CHECK_MPI(MPI_Irecv(in[m], len, MPI_BYTE, left, tag, MPI_COMM_WORLD, &reqs[NMSG + m]));
    }
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    for (int m = 0; m < NMSG; m++) {
        int len = lens[m % 2], tag = 1 + m;

        switch (m / 2) {
        case 0:
            CHECK_MPI(MPI_Isend(out[m], len, MPI_BYTE, right, tag, MPI_COMM_WORLD, &reqs[m]));
            break;
        case 1:
            CHECK_MPI(MPI_Issend(out[m], len, MPI_BYTE, right, tag, MPI_COMM_WORLD, &reqs[m]));
            break;
        case 2:
            CHECK_MPI(MPI_Ibsend(out[m], len, MPI_BYTE, right, tag, MPI_COMM_WORLD, &reqs[m]));
            break;
        default:
            CHECK_MPI(MPI_Irsend(out[m], len, MPI_BYTE, right, tag, MPI_COMM_WORLD, &reqs[m]));
            break;
        }
        CHECK(reqs[m] != MPI_REQUEST_NULL, "send mode %d gave MPI_REQUEST_NULL", m / 2);
    }
    /* A buffered send is complete once copied: its buffer may be overwritten at once. */
    for (int m = 4; m < 6; m++) {
        CHECK_MPI(MPI_Wait(&reqs[m], &st[m]));
        CHECK(reqs[m] == MPI_REQUEST_NULL, "MPI_Wait left an Ibsend request set");
        memset(out[m], 0x3c, (size_t) lens[m % 2]);
    }
    CHECK_MPI(MPI_Waitall(2 * NMSG, reqs, st));
    for (int m = 0; m < 2 * NMSG; m++) {
        CHECK(reqs[m] == MPI_REQUEST_NULL, "MPI_Waitall left request %d set", m);
    }
    for (int m = 0; m < NMSG; m++) {
        static const char *const names[] = {"Isend", "Issend", "Ibsend", "Irsend"};
        char what[64];

        snprintf(what, sizeof(what), "%s of %d bytes", names[m / 2], lens[m % 2]);
        CHECK_RECVD(&st[NMSG + m], in[m], lens[m % 2], 1 + m, what);
        CHECK_GUARD(in[m] + lens[m % 2], 16, "%s", what);
        free(in[m]);
        free(out[m]);
    }
    CHECK_MPI(MPI_Buffer_detach(&dbuf, &dsize));
    CHECK(dbuf == battach && dsize == bsize, "MPI_Buffer_detach gave %p/%d, attached %p/%d", dbuf,
          dsize, (void *) battach, bsize);
    free(battach);
}

/* Completion calls on arrays with null entries and on requests that cannot be complete yet. */
static void completion_semantics(void)
{
    enum { TA = 100, TB = 101 };
    unsigned char *a = check_alloc(SMALL), *b = check_alloc(LARGE);
    MPI_Request reqs[4] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL, MPI_REQUEST_NULL, MPI_REQUEST_NULL};
    MPI_Request keep[4];
    MPI_Status st, sts[4];
    int idx = -5, flag = -5, outcount = -5, indices[4] = {-5, -5, -5, -5};
    int seen[4] = {0};

    CHECK_MPI(MPI_Irecv(a, SMALL, MPI_BYTE, left, TA, MPI_COMM_WORLD, &reqs[1]));
    CHECK_MPI(MPI_Irecv(b, LARGE, MPI_BYTE, left, TB, MPI_COMM_WORLD, &reqs[3]));
    memcpy(keep, reqs, sizeof(keep));

    /* Nothing can be complete: the left neighbour has not sent either message. */
    CHECK_MPI(MPI_Testany(4, reqs, &idx, &flag, &st));
    CHECK(!flag && idx == MPI_UNDEFINED, "MPI_Testany with nothing complete: flag %d index %d",
          flag, idx);
    CHECK_MPI(MPI_Testsome(4, reqs, &outcount, indices, sts));
    CHECK(outcount == 0, "MPI_Testsome with nothing complete: outcount %d", outcount);
    flag = -5;
    CHECK_MPI(MPI_Testall(4, reqs, &flag, sts));
    CHECK(!flag, "MPI_Testall with nothing complete: flag %d", flag);
    flag = -5;
    CHECK_MPI(MPI_Test(&reqs[1], &flag, &st));
    CHECK(!flag, "MPI_Test of a receive whose message was not sent: flag %d", flag);
    flag = -5;
    CHECK_MPI(MPI_Request_get_status(reqs[3], &flag, &st));
    CHECK(!flag, "MPI_Request_get_status of a receive whose message was not sent: flag %d", flag);
    CHECK(memcmp(keep, reqs, sizeof(keep)) == 0, "an incomplete test changed the request array");

    release(TA, SMALL);
    release(TB, LARGE);

    /* Both may be complete now; Waitany completes one of them per call. */
    for (int k = 0; k < 2; k++) {
        idx = -5;
        memset(&st, 0x5a, sizeof(st));
        CHECK_MPI(MPI_Waitany(4, reqs, &idx, &st));
        CHECK(idx == 1 || idx == 3, "MPI_Waitany: index %d, want 1 or 3", idx);
        CHECK(!seen[idx], "MPI_Waitany completed index %d twice", idx);
        seen[idx] = 1;
        CHECK(reqs[idx] == MPI_REQUEST_NULL, "MPI_Waitany left request %d set", idx);
        if (idx == 1) {
            CHECK_RECVD(&st, a, SMALL, TA, "Waitany small");
        } else {
            CHECK_RECVD(&st, b, LARGE, TB, "Waitany large");
        }
    }
    CHECK(reqs[0] == MPI_REQUEST_NULL && reqs[2] == MPI_REQUEST_NULL, "null entries changed");

    /* Now only null requests. */
    idx = -5;
    memset(&st, 0x5a, sizeof(st));
    CHECK_MPI(MPI_Waitany(4, reqs, &idx, &st));
    CHECK(idx == MPI_UNDEFINED, "MPI_Waitany on null requests: index %d", idx);
    CHECK_EMPTY(&st, "MPI_Waitany on null requests");
    idx = -5;
    flag = 0;
    memset(&st, 0x5a, sizeof(st));
    CHECK_MPI(MPI_Testany(4, reqs, &idx, &flag, &st));
    CHECK(flag && idx == MPI_UNDEFINED, "MPI_Testany on null requests: flag %d index %d", flag,
          idx);
    CHECK_EMPTY(&st, "MPI_Testany on null requests");
    outcount = -5;
    CHECK_MPI(MPI_Waitsome(4, reqs, &outcount, indices, sts));
    CHECK(outcount == MPI_UNDEFINED, "MPI_Waitsome on null requests: outcount %d", outcount);
    outcount = -5;
    CHECK_MPI(MPI_Testsome(4, reqs, &outcount, indices, MPI_STATUSES_IGNORE));
    CHECK(outcount == MPI_UNDEFINED, "MPI_Testsome on null requests: outcount %d", outcount);
    flag = 0;
    memset(sts, 0x5a, sizeof(sts));
    CHECK_MPI(MPI_Testall(4, reqs, &flag, sts));
    CHECK(flag, "MPI_Testall on null requests: flag %d", flag);
    for (int i = 0; i < 4; i++) {
        CHECK_EMPTY(&sts[i], "MPI_Testall on null requests, status %d", i);
    }
    memset(sts, 0x5a, sizeof(sts));
    CHECK_MPI(MPI_Waitall(4, reqs, sts));
    for (int i = 0; i < 4; i++) {
        CHECK_EMPTY(&sts[i], "MPI_Waitall on null requests, status %d", i);
    }
    flag = 0;
    memset(&st, 0x5a, sizeof(st));
    CHECK_MPI(MPI_Test(&reqs[0], &flag, &st));
    CHECK(flag, "MPI_Test on MPI_REQUEST_NULL: flag %d", flag);
    CHECK_EMPTY(&st, "MPI_Test on MPI_REQUEST_NULL");
    flag = 0;
    memset(&st, 0x5a, sizeof(st));
    CHECK_MPI(MPI_Request_get_status(MPI_REQUEST_NULL, &flag, &st));
    CHECK(flag, "MPI_Request_get_status on MPI_REQUEST_NULL: flag %d", flag);
    CHECK_EMPTY(&st, "MPI_Request_get_status on MPI_REQUEST_NULL");

    /* Arrays of length 0. */
    idx = -5;
    CHECK_MPI(MPI_Waitany(0, NULL, &idx, &st));
    CHECK(idx == MPI_UNDEFINED, "MPI_Waitany of 0 requests: index %d", idx);
    idx = -5;
    flag = 0;
    CHECK_MPI(MPI_Testany(0, NULL, &idx, &flag, &st));
    CHECK(flag && idx == MPI_UNDEFINED, "MPI_Testany of 0 requests: flag %d index %d", flag, idx);
    outcount = -5;
    CHECK_MPI(MPI_Waitsome(0, NULL, &outcount, NULL, MPI_STATUSES_IGNORE));
    CHECK(outcount == MPI_UNDEFINED, "MPI_Waitsome of 0 requests: outcount %d", outcount);
    outcount = -5;
    CHECK_MPI(MPI_Testsome(0, NULL, &outcount, NULL, MPI_STATUSES_IGNORE));
    CHECK(outcount == MPI_UNDEFINED, "MPI_Testsome of 0 requests: outcount %d", outcount);
    CHECK_MPI(MPI_Waitall(0, NULL, MPI_STATUSES_IGNORE));
    flag = 0;
    CHECK_MPI(MPI_Testall(0, NULL, &flag, MPI_STATUSES_IGNORE));
    CHECK(flag, "MPI_Testall of 0 requests: flag %d", flag);
    free(a);
    free(b);
}

/* Waitsome / Testsome / Testall / Test loops over arrays with null entries: every request
 * completes exactly once, indices[k] names the request statuses[k] describes. */
static void some_loops(void)
{
    enum { N = 6, T0 = 200 };
    static const int lens[N] = {0, SMALL, LARGE, 1, LARGE + 1, SMALL};
    unsigned char *in[N];
    MPI_Request reqs[N + 3];
    MPI_Status sts[N + 3];
    int slot[N]; /* where message i sits in reqs: nulls at 0, 4 and N + 2 */

    for (int method = 0; method < 5; method++) {
        int done[N + 3] = {0}, ndone = 0, outcount, indices[N + 3], flag;

        for (int j = 0, i = 0; j < N + 3; j++) {
            reqs[j] = MPI_REQUEST_NULL;
            if (j != 0 && j != 4 && j != N + 2) {
                slot[i++] = j;
            }
        }
        for (int i = 0; i < N; i++) {
            in[i] = check_alloc((size_t) lens[i]);
            CHECK_MPI(
                MPI_Irecv(in[i], lens[i], MPI_BYTE, left, T0 + i, MPI_COMM_WORLD, &reqs[slot[i]]));
        }
        for (int i = 0; i < N; i++) {
            release(T0 + i, lens[i]);
        }
        while (ndone < N) {
            switch (method) {
            case 0: /* Waitsome with statuses */
            case 1: /* Testsome with statuses */
                outcount = -5;
                if (method == 0) {
                    CHECK_MPI(MPI_Waitsome(N + 3, reqs, &outcount, indices, sts));
                    CHECK(outcount >= 1, "MPI_Waitsome: outcount %d with %d active", outcount,
                          N - ndone);
                } else {
                    CHECK_MPI(MPI_Testsome(N + 3, reqs, &outcount, indices, sts));
                    CHECK(outcount >= 0, "MPI_Testsome: outcount %d with %d active", outcount,
                          N - ndone);
                }
                for (int k = 0; k < outcount; k++) {
                    int j = indices[k], i = -1;

                    CHECK(j >= 0 && j < N + 3 && !done[j] && j != 0 && j != 4 && j != N + 2,
                          "method %d: index %d (done before: %d)", method, j,
                          j >= 0 && j < N + 3 ? done[j] : -1);
                    done[j] = 1;
                    ndone++;
                    CHECK(reqs[j] == MPI_REQUEST_NULL, "method %d left request %d set", method, j);
                    for (int q = 0; q < N; q++) {
                        i = slot[q] == j ? q : i;
                    }
                    CHECK_RECVD(&sts[k], in[i], lens[i], T0 + i, "Wait/Testsome");
                }
                break;
            case 2: /* Testsome, statuses ignored */
                CHECK_MPI(MPI_Testsome(N + 3, reqs, &outcount, indices, MPI_STATUSES_IGNORE));
                CHECK(outcount >= 0, "MPI_Testsome: outcount %d", outcount);
                for (int k = 0; k < outcount; k++) {
                    CHECK(!done[indices[k]], "MPI_Testsome gave index %d twice", indices[k]);
                    done[indices[k]] = 1;
                    ndone++;
                }
                break;
            case 3: /* Testall, statuses ignored, then with statuses */
                flag = 0;
                CHECK_MPI(MPI_Testall(N + 3, reqs, &flag, MPI_STATUSES_IGNORE));
                if (flag) {
                    ndone = N;
                }
                break;
            default: /* Test on each */
                for (int i = 0; i < N; i++) {
                    if (reqs[slot[i]] == MPI_REQUEST_NULL) {
                        continue;
                    }
                    flag = 0;
                    CHECK_MPI(MPI_Test(&reqs[slot[i]], &flag, &sts[0]));
                    if (flag) {
                        CHECK(reqs[slot[i]] == MPI_REQUEST_NULL, "MPI_Test left it set");
                        CHECK_RECVD(&sts[0], in[i], lens[i], T0 + i, "Test loop");
                        ndone++;
                    }
                }
                break;
            }
        }
        for (int j = 0; j < N + 3; j++) {
            CHECK(reqs[j] == MPI_REQUEST_NULL, "method %d: request %d still set at the end", method,
                  j);
        }
        for (int i = 0; i < N; i++) {
            check_pattern(__FILE__, __LINE__, in[i], (size_t) lens[i], check_seed(T0 + i, left),
                          "method %d message %d", method, i);
            CHECK_GUARD(in[i] + lens[i], 16, "method %d message %d", method, i);
            free(in[i]);
        }
    }
}

/* MPI_Request_get_status reports completion without freeing: the handle stays valid, asking
 * again gives the same answer, and a later Wait completes it with the same status. */
static void get_status(void)
{
    enum { T = 300 };
    unsigned char *in = check_alloc(LARGE), out[SMALL];
    MPI_Request r, s;
    MPI_Status st, st2;
    int flag = 0;

    CHECK_MPI(MPI_Irecv(in, LARGE, MPI_BYTE, left, T, MPI_COMM_WORLD, &r));
    CHECK_MPI(MPI_Request_get_status(r, &flag, &st));
    CHECK(!flag, "MPI_Request_get_status: done before the message was sent");
    release(T, LARGE);
    while (!flag) {
        CHECK_MPI(MPI_Request_get_status(r, &flag, &st));
    }
    CHECK(r != MPI_REQUEST_NULL, "MPI_Request_get_status freed the request");
    CHECK_RECVD(&st, in, LARGE, T, "MPI_Request_get_status");
    flag = 0;
    CHECK_MPI(MPI_Request_get_status(r, &flag, &st2));
    CHECK(flag && r != MPI_REQUEST_NULL, "MPI_Request_get_status a second time: flag %d", flag);
    CHECK_RECVD(&st2, in, LARGE, T, "MPI_Request_get_status, second time");
    memset(&st2, 0, sizeof(st2));
    CHECK_MPI(MPI_Wait(&r, &st2));
    CHECK(r == MPI_REQUEST_NULL, "MPI_Wait after MPI_Request_get_status left the request set");
    CHECK_RECVD(&st2, in, LARGE, T, "MPI_Wait after MPI_Request_get_status");

    /* A send: poll until done, then MPI_Test completes it. */
    check_fill(out, SMALL, 5);
    CHECK_MPI(MPI_Isend(out, SMALL, MPI_BYTE, rank, T + 1, MPI_COMM_WORLD, &s));
    CHECK_MPI(MPI_Recv(in, SMALL, MPI_BYTE, rank, T + 1, MPI_COMM_WORLD, &st));
    CHECK_PATTERN(in, SMALL, 5, "send to self");
    flag = 0;
    while (!flag) {
        CHECK_MPI(MPI_Request_get_status(s, &flag, MPI_STATUS_IGNORE));
    }
    CHECK(s != MPI_REQUEST_NULL, "MPI_Request_get_status freed a send request");
    flag = 0;
    CHECK_MPI(MPI_Test(&s, &flag, MPI_STATUS_IGNORE));
    CHECK(flag && s == MPI_REQUEST_NULL, "MPI_Test after get_status: flag %d", flag);
    free(in);
}

/* MPI_Request_free of active sends (large: rendezvous; small; synchronous): the messages
 * still arrive. The send buffers are only touched again after the receiver said it has the
 * data. Then MPI_Request_free of requests that are complete but not yet waited for. */
static void request_free(void)
{
    enum { T = 400 };
    const int lens[3] = {LARGE, SMALL, SMALL};
    unsigned char *out[3], *in = check_alloc(LARGE);
    MPI_Request r;
    MPI_Status st;
    int ack = 0, flag = 0;

    for (int k = 0; k < 3; k++) {
        out[k] = check_alloc((size_t) lens[k]);
        check_fill(out[k], (size_t) lens[k], check_seed(T + k, rank));
        if (k == 2) {
            CHECK_MPI(MPI_Issend(out[k], lens[k], MPI_BYTE, right, T + k, MPI_COMM_WORLD, &r));
        } else {
            CHECK_MPI(MPI_Isend(out[k], lens[k], MPI_BYTE, right, T + k, MPI_COMM_WORLD, &r));
        }
        CHECK_MPI(MPI_Request_free(&r));
        CHECK(r == MPI_REQUEST_NULL, "MPI_Request_free did not set the handle to null");
    }
    for (int k = 0; k < 3; k++) {
        memset(in, CHECK_GUARD_BYTE, LARGE + 16);
        CHECK_MPI(MPI_Recv(in, lens[k], MPI_BYTE, left, T + k, MPI_COMM_WORLD, &st));
        CHECK_RECVD(&st, in, lens[k], T + k, "a message whose send request was freed");
    }
    /* "I have your messages" to the left; when the right one says so, ours are out. */
    CHECK_MPI(MPI_Sendrecv(&ack, 1, MPI_INT, left, T + 9, &ack, 1, MPI_INT, right, T + 9,
                           MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    for (int k = 0; k < 3; k++) {
        free(out[k]);
    }

    /* Complete, not yet waited for: freeing it is fine and the data is there. */
    CHECK_MPI(MPI_Irecv(in, SMALL, MPI_BYTE, left, T + 5, MPI_COMM_WORLD, &r));
    release(T + 5, SMALL);
    while (!flag) {
        CHECK_MPI(MPI_Request_get_status(r, &flag, &st));
    }
    CHECK_MPI(MPI_Request_free(&r));
    CHECK(r == MPI_REQUEST_NULL, "MPI_Request_free of a complete request left the handle set");
    CHECK_RECVD(&st, in, SMALL, T + 5, "a complete receive, then freed");
    /* A send to MPI_PROC_NULL is complete at once. */
    CHECK_MPI(MPI_Isend(in, SMALL, MPI_BYTE, MPI_PROC_NULL, T, MPI_COMM_WORLD, &r));
    CHECK_MPI(MPI_Request_free(&r));
    CHECK(r == MPI_REQUEST_NULL, "MPI_Request_free of a send to MPI_PROC_NULL");
    free(in);
}

/* 20000 receives and 20000 sends outstanding at once; every 2000th message is large. Once
 * with the receives posted first and Waitall, once with the sends first (unexpected messages)
 * and a Testsome loop. */
#define NMANY 20000
#define BIGEVERY 2000
#define BIGLEN (64 * 1024 + 8)
static void many_outstanding(void)
{
    MPI_Request *reqs = malloc(2 * NMANY * sizeof(*reqs));
    MPI_Status *sts = malloc(2 * NMANY * sizeof(*sts)), *scratch = malloc(2 * NMANY * sizeof(*sts));
    int *indices = malloc(2 * NMANY * sizeof(*indices));
    int(*out)[2] = malloc(NMANY * sizeof(*out)), (*in)[2] = malloc(NMANY * sizeof(*in));
    unsigned char *bigout = check_alloc(BIGLEN), *bigin = check_alloc((size_t) BIGLEN * (NMANY / BIGEVERY));
    char *done = calloc(2 * NMANY, 1);

    CHECK(reqs != NULL && sts != NULL && scratch != NULL && indices != NULL && out != NULL
              && in != NULL && done != NULL,
          "out of memory");
    for (int round = 0; round < 2; round++) {
        const int tag = 500 + round;
        int ndone = 0;

        check_fill(bigout, BIGLEN, check_seed(tag, rank));
        memset(bigin, 0, (size_t) BIGLEN * (NMANY / BIGEVERY));
        memset(done, 0, 2 * NMANY);
        for (int pass = 0; pass < 2; pass++) {
            bool recvs = (pass == 0) == (round == 0);

            for (int i = 0; i < NMANY; i++) {
                bool big = i % BIGEVERY == BIGEVERY / 2;

                if (recvs) {
                    in[i][0] = in[i][1] = -1;
                    if (big) {
                        CHECK_MPI(MPI_Irecv(bigin + (size_t) (i / BIGEVERY) * BIGLEN, BIGLEN,
                                            MPI_BYTE, left, tag, MPI_COMM_WORLD, &reqs[i]));
                    } else {
                        CHECK_MPI(
                            MPI_Irecv(in[i], 2, MPI_INT, left, tag, MPI_COMM_WORLD, &reqs[i]));
                    }
                } else {
                    out[i][0] = rank;
                    out[i][1] = i;
                    if (big) {
                        CHECK_MPI(MPI_Isend(bigout, BIGLEN, MPI_BYTE, right, tag, MPI_COMM_WORLD,
                                            &reqs[NMANY + i]));
                    } else {
                        CHECK_MPI(MPI_Isend(out[i], 2, MPI_INT, right, tag, MPI_COMM_WORLD,
                                            &reqs[NMANY + i]));
                    }
                }
            }
        }
        if (round == 0) {
            CHECK_MPI(MPI_Waitall(2 * NMANY, reqs, sts));
            for (int i = 0; i < 2 * NMANY; i++) {
                CHECK(reqs[i] == MPI_REQUEST_NULL, "MPI_Waitall left request %d of %d set", i,
                      2 * NMANY);
            }
        } else {
            while (ndone < 2 * NMANY) {
                int outcount = -5;

                CHECK_MPI(MPI_Testsome(2 * NMANY, reqs, &outcount, indices, scratch));
                CHECK(outcount >= 0 && outcount <= 2 * NMANY - ndone,
                      "MPI_Testsome: outcount %d with %d active", outcount, 2 * NMANY - ndone);
                for (int k = 0; k < outcount; k++) {
                    int j = indices[k];

                    CHECK(j >= 0 && j < 2 * NMANY && !done[j], "MPI_Testsome: index %d (twice?)",
                          j);
                    CHECK(reqs[j] == MPI_REQUEST_NULL, "MPI_Testsome left request %d set", j);
                    done[j] = 1;
                    sts[j] = scratch[k]; /* statuses[k] belongs to indices[k] */
                }
                ndone += outcount;
            }
            {
                int outcount = -5;

                CHECK_MPI(MPI_Testsome(2 * NMANY, reqs, &outcount, indices, sts));
                CHECK(outcount == MPI_UNDEFINED, "MPI_Testsome after all: outcount %d", outcount);
            }
        }
        for (int i = 0; i < NMANY; i++) {
            const MPI_Status *s = &sts[i];
            bool big = i % BIGEVERY == BIGEVERY / 2;
            int cnt = -1;

            CHECK_MPI(MPI_Get_count(s, MPI_BYTE, &cnt));
            CHECK(s->MPI_SOURCE == left && s->MPI_TAG == tag
                      && cnt == (big ? BIGLEN : (int) sizeof(in[i])),
                  "round %d receive %d: source %d tag %d count %d", round, i, s->MPI_SOURCE,
                  s->MPI_TAG, cnt);
            if (big) {
                CHECK_PATTERN(bigin + (size_t) (i / BIGEVERY) * BIGLEN, BIGLEN, check_seed(tag, left),
                              "round %d large message %d", round, i);
            } else {
                CHECK(in[i][0] == left && in[i][1] == i,
                      "round %d message %d is (%d,%d), want (%d,%d): out of order or lost", round,
                      i, in[i][0], in[i][1], left, i);
            }
        }
        CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    }
    free(done);
    free(bigin);
    free(bigout);
    free(in);
    free(out);
    free(indices);
    free(scratch);
    free(sts);
    free(reqs);
}

/* Receives that truncate, completed by each completion call (MPI_ERRORS_RETURN is set). */
#define TRUNC_N 5
static void truncation(void)
{
    /* message lengths and receive capacities; index 2 stays MPI_REQUEST_NULL */
    static const int mlen[TRUNC_N] = {16, 16, 0, LARGE, LARGE};
    static const int cap[TRUNC_N] = {16, 8, 0, LARGE, 100000};
    static const bool trunc[TRUNC_N] = {false, true, false, false, true};
    unsigned char *in[TRUNC_N], *out[TRUNC_N];
    MPI_Request rr[TRUNC_N], sr[TRUNC_N];
    MPI_Status st[TRUNC_N];

    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    for (int method = 0; method < 7; method++) {
        const int tag0 = 600 + 10 * method;
        int ret = MPI_SUCCESS, nerr = 0, ndone = 0, flag, idx, outcount, indices[TRUNC_N];

        for (int i = 0; i < TRUNC_N; i++) {
            in[i] = check_alloc((size_t) cap[i]);
            out[i] = check_alloc((size_t) mlen[i]);
            check_fill(out[i], (size_t) mlen[i], check_seed(tag0 + i, rank));
            rr[i] = sr[i] = MPI_REQUEST_NULL;
            if (i != 2) {
                CHECK_MPI(
                    MPI_Irecv(in[i], cap[i], MPI_BYTE, left, tag0 + i, MPI_COMM_WORLD, &rr[i]));
            }
        }
        for (int i = 0; i < TRUNC_N; i++) {
            if (i != 2) {
                CHECK_MPI(
                    MPI_Isend(out[i], mlen[i], MPI_BYTE, right, tag0 + i, MPI_COMM_WORLD, &sr[i]));
            }
        }
        memset(st, 0x5a, sizeof(st));
        switch (method) {
        case 0:
            ret = MPI_Waitall(TRUNC_N, rr, st);
            CHECK(ret == MPI_ERR_IN_STATUS,
                  "MPI_Waitall with truncated receives returned %d "
                  "(%s), want MPI_ERR_IN_STATUS",
                  ret, check_errstr(ret));
            nerr = 2;
            break;
        case 1: /* Waitsome / Testsome: the calls that complete a truncated receive fail */
        case 2:
            while (ndone < TRUNC_N - 1) {
                outcount = -5;
                ret = method == 1 ? MPI_Waitsome(TRUNC_N, rr, &outcount, indices, st)
                                  : MPI_Testsome(TRUNC_N, rr, &outcount, indices, st);
                CHECK(ret == MPI_SUCCESS || ret == MPI_ERR_IN_STATUS, "method %d returned %d (%s)",
                      method, ret, check_errstr(ret));
                CHECK(outcount >= 0 && outcount <= TRUNC_N - 1 - ndone, "method %d outcount %d",
                      method, outcount);
                for (int k = 0; k < outcount; k++) {
                    int i = indices[k];

                    CHECK(i >= 0 && i < TRUNC_N && i != 2, "method %d index %d", method, i);
                    if (trunc[i]) {
                        CHECK(ret == MPI_ERR_IN_STATUS,
                              "method %d completed truncated receive "
                              "%d but returned %d",
                              method, i, ret);
                    }
                    if (ret == MPI_ERR_IN_STATUS) {
                        int want = trunc[i] ? MPI_ERR_TRUNCATE : MPI_SUCCESS;
                        int got = st[k].MPI_ERROR;

                        CHECK((got == MPI_SUCCESS ? MPI_SUCCESS : check_errclass(got)) == want,
                              "method %d receive %d: MPI_ERROR %d (%s), want class %d", method, i,
                              got, check_errstr(got), want);
                        nerr += trunc[i];
                    }
                    CHECK(st[k].MPI_SOURCE == left && st[k].MPI_TAG == tag0 + i,
                          "method %d receive %d: source %d tag %d", method, i, st[k].MPI_SOURCE,
                          st[k].MPI_TAG);
                }
                ndone += outcount;
            }
            CHECK(nerr == 2, "method %d reported %d truncations, want 2", method, nerr);
            nerr = 0;
            break;
        case 3:
            flag = 0;
            while (!flag) {
                ret = MPI_Testall(TRUNC_N, rr, &flag, st);
                CHECK(ret == (flag ? MPI_ERR_IN_STATUS : MPI_SUCCESS),
                      "MPI_Testall returned %d (%s) with flag %d", ret, check_errstr(ret), flag);
            }
            nerr = 2;
            break;
        case 4: /* Wait: the error itself */
        case 5: /* Test */
            for (int i = 0; i < TRUNC_N; i++) {
                flag = 0;
                while (!flag) {
                    if (method == 4) {
                        ret = MPI_Wait(&rr[i], &st[i]);
                        flag = 1;
                    } else {
                        ret = MPI_Test(&rr[i], &flag, &st[i]);
                    }
                }
                CHECK(trunc[i] ? check_errclass(ret) == MPI_ERR_TRUNCATE : ret == MPI_SUCCESS,
                      "method %d receive %d returned %d (%s)", method, i, ret, check_errstr(ret));
            }
            break;
        default: /* Waitany */
            for (int k = 0; k < TRUNC_N - 1; k++) {
                MPI_Status s;

                idx = -5;
                ret = MPI_Waitany(TRUNC_N, rr, &idx, &s);
                CHECK(idx >= 0 && idx < TRUNC_N && idx != 2, "MPI_Waitany: index %d", idx);
                CHECK(trunc[idx] ? check_errclass(ret) == MPI_ERR_TRUNCATE : ret == MPI_SUCCESS,
                      "MPI_Waitany of receive %d returned %d (%s)", idx, ret, check_errstr(ret));
                st[idx] = s;
            }
            break;
        }
        for (int i = 0; i < TRUNC_N; i++) {
            if (nerr > 0 && i != 2 && st[i].MPI_ERROR == MPI_ERR_PENDING) {
                /* Waitall / Testall may stop at an error and leave other requests pending
                 * (MPI_ERR_PENDING in their status): they are still active, finish them. */
                CHECK(rr[i] != MPI_REQUEST_NULL,
                      "method %d: receive %d is MPI_ERR_PENDING "
                      "but its request is null",
                      method, i);
                ret = MPI_Wait(&rr[i], &st[i]);
                CHECK(trunc[i] ? check_errclass(ret) == MPI_ERR_TRUNCATE : ret == MPI_SUCCESS,
                      "method %d: MPI_Wait of pending receive %d returned %d (%s)", method, i, ret,
                      check_errstr(ret));
                st[i].MPI_ERROR = ret;
            }
            CHECK(rr[i] == MPI_REQUEST_NULL, "method %d: receive %d still set", method, i);
            if (i == 2) {
                continue;
            }
            if (nerr > 0) { /* Waitall / Testall: every status has MPI_ERROR */
                int got = st[i].MPI_ERROR;
                int want = trunc[i] ? MPI_ERR_TRUNCATE : MPI_SUCCESS;

                CHECK((got == MPI_SUCCESS ? MPI_SUCCESS : check_errclass(got)) == want,
                      "method %d receive %d: MPI_ERROR %d (%s), want class %d", method, i, got,
                      check_errstr(got), want);
            }
            if (method == 0 || method >= 3) {
                CHECK(st[i].MPI_SOURCE == left && st[i].MPI_TAG == tag0 + i,
                      "method %d receive %d: source %d tag %d", method, i, st[i].MPI_SOURCE,
                      st[i].MPI_TAG);
            }
            /* what fits arrives, nothing beyond the buffer is written */
            CHECK_PATTERN(in[i], (size_t) cap[i], check_seed(tag0 + i, left),
                          "method %d receive %d (capacity %d of %d)", method, i, cap[i], mlen[i]);
            CHECK_GUARD(in[i] + cap[i], 16, "method %d receive %d", method, i);
        }
        if (nerr > 0) {
            CHECK_EMPTY(&st[2], "method %d: status of the null request", method);
        }
        CHECK_MPI(MPI_Waitall(TRUNC_N, sr, MPI_STATUSES_IGNORE));
        for (int i = 0; i < TRUNC_N; i++) {
            free(in[i]);
            free(out[i]);
        }
    }
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    check_init("p2p_requests");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    left = (rank + np - 1) % np;
    right = (rank + 1) % np;

    send_modes();
    completion_semantics();
    some_loops();
    get_status();
    request_free();
    many_outstanding();
    truncation();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    MPI_Finalize();
    return 0;
}

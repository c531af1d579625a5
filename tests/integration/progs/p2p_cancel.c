/* p2p_cancel: MPI_Cancel. A posted receive that never matches is cancelled: the completion call
 * returns and MPI_Test_cancelled says true (with Wait, Test, Waitall, Request_get_status, on
 * wildcards and on a persistent receive, which can be started again), and it consumes nothing:
 * a later message with its envelope goes to the next receive. A receive that already matched
 * (complete, or matched when it was posted because the message was waiting, possibly still in
 * a rendezvous transfer) is not cancelled: MPI_Test_cancelled false and the data arrives. A send
 * may or may not be cancelled (the standard allows both): a cancelled message must never be
 * received, one that was not is received normally, and MPI_Test_cancelled must say which.
 * args=local-wait adds the standard's rule that completing a send marked for cancellation is
 * a local operation, even when the receiver posts nothing (rendezvous and synchronous sends).
 *
 * Ring pattern: send to the right neighbour, receive from the left one (np 1: itself). Receives
 * that must never match are posted on a duplicate of MPI_COMM_WORLD nobody sends on. */
#include "check.h"

#include <stdbool.h>
#include <time.h>

#define SMALL 100
#define LARGE (300 * 1000)
#define GO 10000

static int rank, np, left, right;
static MPI_Comm quiet; /* no messages are ever sent on it */



static int cancelled(const MPI_Status *st)
{
    int c = -1;

    CHECK_MPI(MPI_Test_cancelled(st, &c));
    return c;
}

/* Let the left neighbour send its message `tag` to us, and start sending ours (len bytes) to
 * the right once it lets us. The caller completes *req and frees the returned buffer. */
static unsigned char *release_start(int tag, int len, MPI_Request *req)
{
    unsigned char *out = check_alloc((size_t) len);
    int go = tag;

    check_fill(out, (size_t) len, check_seed(tag, rank));
    CHECK_MPI(MPI_Sendrecv(&go, 1, MPI_INT, left, tag + GO, &go, 1, MPI_INT, right, tag + GO,
                           MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    CHECK_MPI(MPI_Isend(out, len, MPI_BYTE, right, tag, MPI_COMM_WORLD, req));
    return out;
}

/* The same for a message our receive for is already posted: send it and finish. */
static void release(int tag, int len)
{
    MPI_Request s;
    unsigned char *out = release_start(tag, len, &s);

    CHECK_MPI(MPI_Wait(&s, MPI_STATUS_IGNORE));
    free(out);
}

static void check_msg(const MPI_Status *st, const unsigned char *in, int len, int tag,
                      const char *what)
{
    int cnt = -1;

    CHECK(!cancelled(st), "%s: MPI_Test_cancelled says true", what);
    CHECK_MPI(MPI_Get_count(st, MPI_BYTE, &cnt));
    CHECK(st->MPI_SOURCE == left && st->MPI_TAG == tag && cnt == len,
          "%s: source %d tag %d count %d, want %d %d %d", what, st->MPI_SOURCE, st->MPI_TAG, cnt,
          left, tag, len);
    CHECK_PATTERN(in, (size_t) len, check_seed(tag, left), "%s", what);
}

/* Receives that can never match, cancelled and completed in every way. */
static void cancel_unmatched(void)
{
    unsigned char *buf = check_alloc(LARGE);
    MPI_Request r[3];
    MPI_Status st[3];
    int flag;

    for (int how = 0; how < 5; how++) {
        const int src = how % 2 ? MPI_ANY_SOURCE : left;
        const int tag = how % 3 ? MPI_ANY_TAG : 7;

        CHECK_MPI(MPI_Irecv(buf, how == 4 ? LARGE : SMALL, MPI_BYTE, src, tag, quiet, &r[0]));
        flag = 1;
        CHECK_MPI(MPI_Test(&r[0], &flag, &st[0]));
        CHECK(!flag, "a receive on a communicator nobody sends on completed");
        CHECK_MPI(MPI_Cancel(&r[0]));
        CHECK(r[0] != MPI_REQUEST_NULL, "MPI_Cancel nulled the handle");
        memset(&st[0], 0, sizeof(st[0]));
        switch (how) {
        case 0: CHECK_MPI(MPI_Wait(&r[0], &st[0])); break;
        case 1:
            flag = 0;
            while (!flag) {
                CHECK_MPI(MPI_Test(&r[0], &flag, &st[0]));
            }
            break;
        case 2:
            r[1] = MPI_REQUEST_NULL;
            CHECK_MPI(MPI_Waitall(2, r, st));
            break;
        case 3:
            flag = 0;
            while (!flag) {
                CHECK_MPI(MPI_Request_get_status(r[0], &flag, &st[0]));
            }
            CHECK(r[0] != MPI_REQUEST_NULL, "MPI_Request_get_status freed the request");
            CHECK(cancelled(&st[0]), "MPI_Request_get_status of a cancelled receive: "
                                     "MPI_Test_cancelled says false");
            CHECK_MPI(MPI_Wait(&r[0], &st[0]));
            break;
        default: {
            int idx = -5;

            CHECK_MPI(MPI_Waitany(1, r, &idx, &st[0]));
            CHECK(idx == 0, "MPI_Waitany of a cancelled receive: index %d", idx);
            break;
        }
        }
        CHECK(r[0] == MPI_REQUEST_NULL,
              "completion of a cancelled receive (way %d) left the "
              "handle set",
              how);
        CHECK(cancelled(&st[0]),
              "a receive that could never match was cancelled, but "
              "MPI_Test_cancelled says false (way %d)",
              how);
        CHECK_GUARD(buf, LARGE + 16, "a cancelled receive wrote its buffer");
    }
    free(buf);
}

/* A cancelled receive consumes nothing: the message the left neighbour sends after our "go"
 * goes to the next receive with the same envelope. */
static void cancel_then_message(void)
{
    const int tag = 100;
    unsigned char *a = check_alloc(SMALL), *b = check_alloc(SMALL);
    MPI_Request r;
    MPI_Status st;

    for (int k = 0; k < 2; k++) {
        CHECK_MPI(
            MPI_Irecv(a, SMALL, MPI_BYTE, k ? MPI_ANY_SOURCE : left, tag + k, MPI_COMM_WORLD, &r));
        CHECK_MPI(MPI_Cancel(&r));
        CHECK_MPI(MPI_Wait(&r, &st));
        CHECK(cancelled(&st), "a receive whose message was not sent yet was not cancelled");
        release(tag + k, SMALL);
        CHECK_MPI(MPI_Recv(b, SMALL, MPI_BYTE, left, tag + k, MPI_COMM_WORLD, &st));
        check_msg(&st, b, SMALL, tag + k, "the message after a cancelled receive");
        CHECK_GUARD(a, SMALL + 16, "the cancelled receive got data");
    }
    free(a);
    free(b);
}

/* Receives that matched before the cancel. Complete ones cannot be cancelled: the data
 * arrives. One that matched as it was posted (the message was waiting) may still be in
 * transfer; it arrives too, or, if the cancel succeeds, leaves no trace and the message is
 * received again. */
static void cancel_matched(void)
{
    const int tag = 200, lens[2] = {SMALL, LARGE};

    for (int k = 0; k < 4; k++) {
        int len = lens[k % 2], flag = 0;
        unsigned char *in = check_alloc((size_t) len), *out = NULL;
        MPI_Request r, s = MPI_REQUEST_NULL;
        MPI_Status st;

        if (k < 2) {
            /* complete (seen by MPI_Request_get_status), then cancelled */
            CHECK_MPI(MPI_Irecv(in, len, MPI_BYTE, left, tag + k, MPI_COMM_WORLD, &r));
            release(tag + k, len);
            while (!flag) {
                CHECK_MPI(MPI_Request_get_status(r, &flag, MPI_STATUS_IGNORE));
            }
        } else {
            /* the message is waiting, so the receive matches as it is posted; a large one may
             * still be in transfer when the cancel comes */
            out = release_start(tag + k, len, &s);
            CHECK_MPI(MPI_Probe(left, tag + k, MPI_COMM_WORLD, &st));
            CHECK_MPI(MPI_Irecv(in, len, MPI_BYTE, left, tag + k, MPI_COMM_WORLD, &r));
        }
        CHECK_MPI(MPI_Cancel(&r));
        CHECK_MPI(MPI_Wait(&r, &st));
        if (k >= 2 && cancelled(&st)) {
            /* Matched but perhaps not complete: the standard lets a cancel still succeed, if
             * no part of the buffer was written and the message goes to another receive. */
            CHECK_GUARD(in, (size_t) len + 16, "a cancelled receive wrote its buffer");
            CHECK_MPI(MPI_Recv(in, len, MPI_BYTE, left, tag + k, MPI_COMM_WORLD, &st));
        }
        check_msg(&st, in, len, tag + k,
                  k < 2 ? "a receive cancelled after it completed"
                        : "a receive cancelled after it matched");
        CHECK_MPI(MPI_Wait(&s, MPI_STATUS_IGNORE));
        free(out);
        free(in);
    }
}

/* Sends may be cancelled or not: the standard allows both. Right after MPI_Cancel the sender
 * also sends a 1-byte marker with the same tag, and the receiver takes the first message with
 * that tag: the message itself if the cancel failed (then the marker follows), the marker if
 * it succeeded. Then the sender says what MPI_Test_cancelled told it, and both must agree. The
 * receiver's receive is posted while the sender completes its cancelled send, so this part does
 * not depend on that completion being local (see cancel_send_local). */
static void cancel_send(void)
{
    const int tag = 300;
    static const char *const kinds[] = {"MPI_Isend", "MPI_Issend", "persistent send"};

    for (int k = 0; k < 6; k++) {
        int len = k % 2 ? LARGE : SMALL, c = -1, theirs = -1, cnt = -1, got_msg;
        unsigned char *out = check_alloc((size_t) len), *in = check_alloc(LARGE), marker = 0x42;
        MPI_Request s, m, r;
        MPI_Status st, rst;

        check_fill(out, (size_t) len, check_seed(tag + k, rank));
        if (k < 2) {
            CHECK_MPI(MPI_Isend(out, len, MPI_BYTE, right, tag + k, MPI_COMM_WORLD, &s));
        } else if (k < 4) {
            CHECK_MPI(MPI_Issend(out, len, MPI_BYTE, right, tag + k, MPI_COMM_WORLD, &s));
        } else {
            CHECK_MPI(MPI_Send_init(out, len, MPI_BYTE, right, tag + k, MPI_COMM_WORLD, &s));
            CHECK_MPI(MPI_Start(&s));
        }
        CHECK_MPI(MPI_Cancel(&s));
        CHECK_MPI(MPI_Isend(&marker, 1, MPI_BYTE, right, tag + k, MPI_COMM_WORLD, &m));
        CHECK_MPI(MPI_Irecv(in, LARGE, MPI_BYTE, left, tag + k, MPI_COMM_WORLD, &r));
        CHECK_MPI(MPI_Wait(&s, &st));
        c = cancelled(&st);
        if (k >= 4) {
            CHECK(s != MPI_REQUEST_NULL, "MPI_Wait nulled a persistent request");
            CHECK_MPI(MPI_Request_free(&s));
        }
        CHECK_MPI(MPI_Wait(&r, &rst));
        CHECK_MPI(MPI_Get_count(&rst, MPI_BYTE, &cnt));
        got_msg = !(cnt == 1 && in[0] == marker);
        if (got_msg) {
            check_msg(&rst, in, len, tag + k, "a send whose cancel failed");
            CHECK_MPI(MPI_Recv(in, LARGE, MPI_BYTE, left, tag + k, MPI_COMM_WORLD, &rst));
            CHECK_MPI(MPI_Get_count(&rst, MPI_BYTE, &cnt));
            CHECK(cnt == 1 && in[0] == marker,
                  "after the message of a send whose cancel "
                  "failed, the next message with its tag has %d bytes, want the marker",
                  cnt);
        }
        CHECK_MPI(MPI_Wait(&m, MPI_STATUS_IGNORE));
        CHECK_MPI(MPI_Sendrecv(&c, 1, MPI_INT, right, tag + k + GO, &theirs, 1, MPI_INT, left,
                               tag + k + GO, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        CHECK(theirs == !got_msg,
              "rank %d's %s of %d bytes: MPI_Test_cancelled said %d there, "
              "but here the message %s",
              left, kinds[k / 2], len, theirs, got_msg ? "was received" : "never came");
        free(out);
        free(in);
    }
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

/* (args=local-wait) Once MPI_Cancel was called, the completion call is local: MPI_Wait "is
 * guaranteed to return, irrespective of the activities of other processes" (MPI 4.1, 3.8.4).
 * So here the sender completes its cancelled send before the receiver does anything (the
 * receiver is busy with its own cancelled send); a send that cannot be cancelled must then
 * complete on its own. MPI_Test is polled instead of calling MPI_Wait only so that a violation
 * ends in a clear message after WATCHDOG seconds instead of a hang. Then the message or the
 * marker is received as above. */
#define WATCHDOG 10.0
static void cancel_send_local(void)
{
    const int tag = 350;
    static const char *const kinds[] = {"MPI_Isend", "MPI_Issend", "persistent send"};

    for (int k = 0; k < 6; k++) {
        int len = k % 2 ? LARGE : SMALL, c = -1, theirs = -1, cnt = -1, flag = 0;
        unsigned char *out = check_alloc((size_t) len), *in = check_alloc(LARGE), marker = 0x42;
        double t0;
        MPI_Request s;
        MPI_Status st;

        check_fill(out, (size_t) len, check_seed(tag + k, rank));
        if (k < 2) {
            CHECK_MPI(MPI_Isend(out, len, MPI_BYTE, right, tag + k, MPI_COMM_WORLD, &s));
        } else if (k < 4) {
            CHECK_MPI(MPI_Issend(out, len, MPI_BYTE, right, tag + k, MPI_COMM_WORLD, &s));
        } else {
            CHECK_MPI(MPI_Send_init(out, len, MPI_BYTE, right, tag + k, MPI_COMM_WORLD, &s));
            CHECK_MPI(MPI_Start(&s));
        }
        CHECK_MPI(MPI_Cancel(&s));
        t0 = now_s();
        while (!flag) {
            CHECK_MPI(MPI_Test(&s, &flag, &st));
            CHECK(flag || now_s() - t0 < WATCHDOG,
                  "%s of %d bytes to rank %d, marked for cancellation, did not complete in %.0f "
                  "s while the receiver posts no receive: after MPI_Cancel, MPI_Wait / MPI_Test "
                  "must be local (either cancel the send or complete it)",
                  kinds[k / 2], len, right, WATCHDOG);
        }
        c = cancelled(&st);
        if (k >= 4) {
            CHECK_MPI(MPI_Request_free(&s));
        }
        CHECK_MPI(MPI_Sendrecv(&c, 1, MPI_INT, right, tag + k + GO, &theirs, 1, MPI_INT, left,
                               tag + k + GO, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        CHECK_MPI(MPI_Send(&marker, 1, MPI_BYTE, right, tag + k, MPI_COMM_WORLD));
        if (!theirs) {
            CHECK_MPI(MPI_Recv(in, LARGE, MPI_BYTE, left, tag + k, MPI_COMM_WORLD, &st));
            check_msg(&st, in, len, tag + k, "a send whose cancel failed");
        }
        CHECK_MPI(MPI_Recv(in, LARGE, MPI_BYTE, left, tag + k, MPI_COMM_WORLD, &st));
        CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &cnt));
        CHECK(cnt == 1 && in[0] == marker,
              "after a send rank %d %s, the next message with its "
              "tag has %d bytes, want the 1-byte marker",
              left, theirs ? "cancelled" : "could not cancel (received)", cnt);
        free(out);
        free(in);
    }
}

/* A persistent receive: cancelled while active, then started again and used. */
static void cancel_persistent(void)
{
    const int tag = 400;
    unsigned char *in = check_alloc(SMALL);
    MPI_Request r;
    MPI_Status st;

    CHECK_MPI(MPI_Recv_init(in, SMALL, MPI_BYTE, left, tag, MPI_COMM_WORLD, &r));
    CHECK_MPI(MPI_Start(&r));
    CHECK_MPI(MPI_Cancel(&r));
    CHECK_MPI(MPI_Wait(&r, &st));
    CHECK(r != MPI_REQUEST_NULL, "MPI_Wait nulled a persistent request");
    CHECK(cancelled(&st), "an active persistent receive whose message was not sent yet was "
                          "not cancelled");
    CHECK_MPI(MPI_Start(&r));
    release(tag, SMALL);
    CHECK_MPI(MPI_Wait(&r, &st));
    check_msg(&st, in, SMALL, tag, "a persistent receive started again after a cancel");
    CHECK_MPI(MPI_Request_free(&r));
    free(in);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    check_init("p2p_cancel");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    left = (rank + np - 1) % np;
    right = (rank + 1) % np;
    CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &quiet));

    cancel_unmatched();
    cancel_then_message();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    cancel_matched();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    cancel_persistent();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    cancel_send();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    if (argc > 1 && strcmp(argv[1], "local-wait") == 0) {
        cancel_send_local();
        CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    }
    CHECK_MPI(MPI_Comm_free(&quiet));
    MPI_Finalize();
    return 0;
}

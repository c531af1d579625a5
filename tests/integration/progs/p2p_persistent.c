/* p2p_persistent: persistent requests. Send_init, Ssend_init, Bsend_init and Rsend_init with
 * Recv_init, started many times (Start and Startall, send before or after the receive) and
 * completed by every kind of completion call; the handle stays valid and becomes inactive.
 * Wait / Test / Waitany / Testsome / Waitall / Request_get_status on inactive requests return
 * at once with an empty status; MPI_Request_free of inactive and of active requests (an active
 * send still delivers its message; an active receive still consumes its message); MPI_Start of
 * an active request is MPI_ERR_REQUEST (under MPI_ERRORS_RETURN); persistent operations with
 * MPI_PROC_NULL.
 *
 * Ring pattern: send to the right neighbour, receive from the left one (np 1: itself). */
#include "check.h"

#include <stdbool.h>

#define SMALL 100
#define LARGE (300 * 1000) /* rendezvous under every eager limit */
#define ITERS 16
#define GO 10000

static int rank, np, left, right;

/* Every completion call on inactive requests returns at once, with empty statuses, and leaves
 * the handles alone. */
static void inactive_calls(MPI_Request reqs[2], const char *what)
{
    MPI_Request keep[2] = {reqs[0], reqs[1]};
    MPI_Status st, sts[2];
    int flag, idx, outcount, indices[2];

    memset(&st, 0x5a, sizeof(st));
    CHECK_MPI(MPI_Wait(&reqs[0], &st));
    CHECK_EMPTY(&st, "%s: MPI_Wait on an inactive request", what);
    flag = 0;
    memset(&st, 0x5a, sizeof(st));
    CHECK_MPI(MPI_Test(&reqs[1], &flag, &st));
    CHECK(flag, "%s: MPI_Test on an inactive request: flag 0", what);
    CHECK_EMPTY(&st, "%s: MPI_Test on an inactive request", what);
    flag = 0;
    memset(&st, 0x5a, sizeof(st));
    CHECK_MPI(MPI_Request_get_status(reqs[0], &flag, &st));
    CHECK(flag, "%s: MPI_Request_get_status on an inactive request: flag 0", what);
    CHECK_EMPTY(&st, "%s: MPI_Request_get_status on an inactive request", what);
    idx = -5;
    CHECK_MPI(MPI_Waitany(2, reqs, &idx, &st));
    CHECK(idx == MPI_UNDEFINED, "%s: MPI_Waitany on inactive requests: index %d", what, idx);
    CHECK_EMPTY(&st, "%s: MPI_Waitany on inactive requests", what);
    idx = -5;
    flag = 0;
    CHECK_MPI(MPI_Testany(2, reqs, &idx, &flag, &st));
    CHECK(flag && idx == MPI_UNDEFINED, "%s: MPI_Testany on inactive requests: flag %d index %d",
          what, flag, idx);
    outcount = -5;
    CHECK_MPI(MPI_Testsome(2, reqs, &outcount, indices, sts));
    CHECK(outcount == MPI_UNDEFINED, "%s: MPI_Testsome on inactive requests: outcount %d", what,
          outcount);
    outcount = -5;
    CHECK_MPI(MPI_Waitsome(2, reqs, &outcount, indices, sts));
    CHECK(outcount == MPI_UNDEFINED, "%s: MPI_Waitsome on inactive requests: outcount %d", what,
          outcount);
    memset(sts, 0x5a, sizeof(sts));
    CHECK_MPI(MPI_Waitall(2, reqs, sts));
    CHECK_EMPTY(&sts[0], "%s: MPI_Waitall on inactive requests, status 0", what);
    CHECK_EMPTY(&sts[1], "%s: MPI_Waitall on inactive requests, status 1", what);
    flag = 0;
    CHECK_MPI(MPI_Testall(2, reqs, &flag, sts));
    CHECK(flag, "%s: MPI_Testall on inactive requests: flag 0", what);
    CHECK(reqs[0] == keep[0] && reqs[1] == keep[1],
          "%s: a completion call changed an inactive persistent request's handle", what);
}

/* Complete reqs[0] (receive) and reqs[1] (send) with the completion call `how` selects; the
 * receive's status goes to *rst. Handles must stay set (persistent). */
static void complete_pair(MPI_Request reqs[2], int how, MPI_Status *rst)
{
    MPI_Status sts[2];
    int flag = 0, n = 0, idx, outcount, indices[2];

    switch (how % 5) {
    case 0:
        CHECK_MPI(MPI_Waitall(2, reqs, sts));
        *rst = sts[0];
        break;
    case 1:
        while (!flag) {
            CHECK_MPI(MPI_Testall(2, reqs, &flag, sts));
        }
        *rst = sts[0];
        break;
    case 2:
        CHECK_MPI(MPI_Wait(&reqs[1], MPI_STATUS_IGNORE));
        while (!flag) {
            CHECK_MPI(MPI_Test(&reqs[0], &flag, rst));
        }
        break;
    case 3:
        while (n < 2) {
            CHECK_MPI(MPI_Waitsome(2, reqs, &outcount, indices, sts));
            CHECK(outcount >= 1 && outcount <= 2 - n, "MPI_Waitsome: outcount %d", outcount);
            for (int k = 0; k < outcount; k++) {
                if (indices[k] == 0) {
                    *rst = sts[k];
                }
            }
            n += outcount;
        }
        /* both are inactive now */
        CHECK_MPI(MPI_Waitsome(2, reqs, &outcount, indices, sts));
        CHECK(outcount == MPI_UNDEFINED, "MPI_Waitsome after both completed: outcount %d",
              outcount);
        break;
    default:
        while (n < 2) {
            idx = -5;
            CHECK_MPI(MPI_Testany(2, reqs, &idx, &flag, &sts[0]));
            if (flag) {
                CHECK(idx == 0 || idx == 1, "MPI_Testany: index %d with flag 1", idx);
                if (idx == 0) {
                    *rst = sts[0];
                }
                n++;
            }
        }
        break;
    }
    CHECK(reqs[0] != MPI_REQUEST_NULL && reqs[1] != MPI_REQUEST_NULL,
          "completion (method %d) set a persistent request to MPI_REQUEST_NULL", how % 5);
}

/* One send mode, started ITERS times with new data each time. */
static void reuse(int mode, int len)
{
    static const char *const names[] = {"Send_init", "Ssend_init", "Bsend_init", "Rsend_init"};
    const int tag = 100 + 10 * mode + (len == LARGE ? 1 : len == 0 ? 2 : 0);
    unsigned char *in = check_alloc((size_t) len), *out = check_alloc((size_t) len), *bbuf = NULL;
    /* In the ring a rank can be up to np - 1 rounds ahead of its right neighbour (the chain of
     * "received from the left" goes all the way round), so up to np + 1 of its buffered
     * messages may still wait for that neighbour. */
    int bsize = (np + 2) * (len + MPI_BSEND_OVERHEAD), dsize;
    MPI_Request reqs[2];
    char what[64];

    snprintf(what, sizeof(what), "%s, %d bytes", names[mode], len);
    if (mode == 2) {
        bbuf = malloc((size_t) bsize);
        CHECK(bbuf != NULL, "out of memory");
        CHECK_MPI(MPI_Buffer_attach(bbuf, bsize));
    }
    CHECK_MPI(MPI_Recv_init(in, len, MPI_BYTE, left, tag, MPI_COMM_WORLD, &reqs[0]));
    switch (mode) {
    case 0:
        CHECK_MPI(MPI_Send_init(out, len, MPI_BYTE, right, tag, MPI_COMM_WORLD, &reqs[1]));
        break;
    case 1:
        CHECK_MPI(MPI_Ssend_init(out, len, MPI_BYTE, right, tag, MPI_COMM_WORLD, &reqs[1]));
        break;
    case 2:
        CHECK_MPI(MPI_Bsend_init(out, len, MPI_BYTE, right, tag, MPI_COMM_WORLD, &reqs[1]));
        break;
    default:
        CHECK_MPI(MPI_Rsend_init(out, len, MPI_BYTE, right, tag, MPI_COMM_WORLD, &reqs[1]));
        break;
    }
    CHECK(reqs[0] != MPI_REQUEST_NULL && reqs[1] != MPI_REQUEST_NULL, "%s: null handle", what);
    inactive_calls(reqs, what);

    for (int it = 0; it < ITERS; it++) {
        MPI_Status st;
        int cnt = -1;

        check_fill(out, (size_t) len, check_seed(tag + it, rank));
        memset(in, CHECK_GUARD_BYTE, (size_t) len);
        if (mode == 3) {
            int tok = it;

            /* ready mode: the receive is posted and the sender knows it */
            CHECK_MPI(MPI_Start(&reqs[0]));
            CHECK_MPI(MPI_Sendrecv(&tok, 1, MPI_INT, left, tag + GO, &tok, 1, MPI_INT, right,
                                   tag + GO, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
            CHECK(tok == it, "%s: handshake %d got %d", what, it, tok);
            CHECK_MPI(MPI_Start(&reqs[1]));
        } else if (it % 3 == 0) {
            CHECK_MPI(MPI_Startall(2, reqs));
        } else if (it % 3 == 1) {
            CHECK_MPI(MPI_Start(&reqs[1]));
            CHECK_MPI(MPI_Start(&reqs[0]));
        } else {
            MPI_Request rev[2] = {reqs[1], reqs[0]};

            CHECK_MPI(MPI_Startall(2, rev));
        }
        complete_pair(reqs, it, &st);
        CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &cnt));
        CHECK(st.MPI_SOURCE == left && st.MPI_TAG == tag && cnt == len,
              "%s, round %d: source %d tag %d count %d", what, it, st.MPI_SOURCE, st.MPI_TAG, cnt);
        CHECK_PATTERN(in, (size_t) len, check_seed(tag + it, left), "%s, round %d", what, it);
        CHECK_GUARD(in + len, 16, "%s, round %d", what, it);
        if (it % 8 == 7) {
            inactive_calls(reqs, what);
        }
    }
    CHECK_MPI(MPI_Request_free(&reqs[0]));
    CHECK_MPI(MPI_Request_free(&reqs[1]));
    CHECK(reqs[0] == MPI_REQUEST_NULL && reqs[1] == MPI_REQUEST_NULL,
          "%s: MPI_Request_free of inactive requests did not null the handles", what);
    if (mode == 2) {
        void *dbuf = NULL;

        CHECK_MPI(MPI_Buffer_detach(&dbuf, &dsize));
        CHECK(dbuf == bbuf && dsize == bsize, "%s: MPI_Buffer_detach gave %p %d", what, dbuf,
              dsize);
        free(bbuf);
    }
    free(in);
    free(out);
}

/* MPI_Request_free of active persistent requests. A send still delivers (its buffer is reused
 * only after the receiver said it has the data); a receive still consumes its message: of two
 * messages with the same tag the next receive gets the second. */
static unsigned char freed_recv_buf[SMALL + 16]; /* the freed receive may write it any time */

static void free_active(void)
{
    const int tag = 200;
    unsigned char *out = check_alloc(LARGE), *in = check_alloc(LARGE), m[2][SMALL];
    MPI_Request r;
    MPI_Status st;
    int cnt = -1, go = 1;

    /* an active send */
    check_fill(out, LARGE, check_seed(tag, rank));
    CHECK_MPI(MPI_Send_init(out, LARGE, MPI_BYTE, right, tag, MPI_COMM_WORLD, &r));
    CHECK_MPI(MPI_Start(&r));
    CHECK_MPI(MPI_Request_free(&r));
    CHECK(r == MPI_REQUEST_NULL, "MPI_Request_free of an active send left the handle set");
    CHECK_MPI(MPI_Recv(in, LARGE, MPI_BYTE, left, tag, MPI_COMM_WORLD, &st));
    CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &cnt));
    CHECK(st.MPI_SOURCE == left && cnt == LARGE,
          "message of a freed active persistent send: "
          "source %d count %d",
          st.MPI_SOURCE, cnt);
    CHECK_PATTERN(in, LARGE, check_seed(tag, left), "message of a freed active persistent send");
    CHECK_MPI(MPI_Sendrecv(&go, 1, MPI_INT, left, tag + GO, &go, 1, MPI_INT, right, tag + GO,
                           MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    memset(out, 0, LARGE); /* the right neighbour has our message */

    /* an active receive: freed before its message can have been sent */
    CHECK_MPI(MPI_Recv_init(freed_recv_buf, SMALL, MPI_BYTE, left, tag + 1, MPI_COMM_WORLD, &r));
    CHECK_MPI(MPI_Start(&r));
    CHECK_MPI(MPI_Request_free(&r));
    CHECK(r == MPI_REQUEST_NULL, "MPI_Request_free of an active receive left the handle set");
    CHECK_MPI(MPI_Sendrecv(&go, 1, MPI_INT, left, tag + 1 + GO, &go, 1, MPI_INT, right,
                           tag + 1 + GO, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    for (int k = 0; k < 2; k++) {
        check_fill(m[k], SMALL, check_seed(tag + 1 + k, rank));
        CHECK_MPI(MPI_Send(m[k], SMALL, MPI_BYTE, right, tag + 1, MPI_COMM_WORLD));
    }
    CHECK_MPI(MPI_Recv(in, SMALL, MPI_BYTE, left, tag + 1, MPI_COMM_WORLD, &st));
    CHECK_PATTERN(in, SMALL, check_seed(tag + 2, left),
                  "the receive after a freed active "
                  "persistent receive must get the second message");

    /* freed before it was ever started */
    CHECK_MPI(MPI_Ssend_init(out, 1, MPI_BYTE, right, tag, MPI_COMM_WORLD, &r));
    CHECK_MPI(MPI_Request_free(&r));
    CHECK(r == MPI_REQUEST_NULL, "MPI_Request_free of a never started request");
    free(out);
    free(in);
}

/* MPI_Start / MPI_Startall of an active request: the standard only calls it erroneous; Kurir
 * detects it (MPI_ERR_REQUEST) and the request carries on. Its message cannot have been sent
 * yet (the left neighbour sends after our "go"). */
static void start_active(void)
{
    const int tag = 300;
    unsigned char in[SMALL], out[SMALL];
    MPI_Request r, two[2];
    MPI_Status st;
    int ret, flag = 1, go = 1;

    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
    CHECK_MPI(MPI_Recv_init(in, SMALL, MPI_BYTE, left, tag, MPI_COMM_WORLD, &r));
    CHECK_MPI(MPI_Start(&r));
    ret = MPI_Start(&r);
    CHECK(ret != MPI_SUCCESS && check_errclass(ret) == MPI_ERR_REQUEST,
          "MPI_Start of an active request returned %d (%s), want MPI_ERR_REQUEST", ret,
          check_errstr(ret));
    two[0] = r;
    two[1] = r;
    ret = MPI_Startall(1, two);
    CHECK(ret != MPI_SUCCESS && check_errclass(ret) == MPI_ERR_REQUEST,
          "MPI_Startall of an active request returned %d (%s), want MPI_ERR_REQUEST", ret,
          check_errstr(ret));
    CHECK(r != MPI_REQUEST_NULL, "a failed MPI_Start nulled the handle");
    CHECK_MPI(MPI_Test(&r, &flag, &st));
    CHECK(!flag, "the receive completed before its message was sent");
    CHECK_MPI(MPI_Sendrecv(&go, 1, MPI_INT, left, tag + GO, &go, 1, MPI_INT, right, tag + GO,
                           MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    check_fill(out, SMALL, check_seed(tag, rank));
    CHECK_MPI(MPI_Send(out, SMALL, MPI_BYTE, right, tag, MPI_COMM_WORLD));
    CHECK_MPI(MPI_Wait(&r, &st));
    CHECK(st.MPI_SOURCE == left && st.MPI_TAG == tag,
          "receive after the failed MPI_Start: "
          "source %d tag %d",
          st.MPI_SOURCE, st.MPI_TAG);
    CHECK_PATTERN(in, SMALL, check_seed(tag, left), "receive after the failed MPI_Start");
    CHECK_MPI(MPI_Request_free(&r));
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL));
}

/* Persistent operations with MPI_PROC_NULL: complete at once, source MPI_PROC_NULL, count 0,
 * nothing written. */
static void proc_null(void)
{
    unsigned char buf[SMALL + 16];
    MPI_Request reqs[3];
    MPI_Status sts[3];

    memset(buf, CHECK_GUARD_BYTE, sizeof(buf));
    CHECK_MPI(MPI_Recv_init(buf, SMALL, MPI_BYTE, MPI_PROC_NULL, 1, MPI_COMM_WORLD, &reqs[0]));
    CHECK_MPI(MPI_Send_init(buf, SMALL, MPI_BYTE, MPI_PROC_NULL, 1, MPI_COMM_WORLD, &reqs[1]));
    CHECK_MPI(MPI_Ssend_init(buf, SMALL, MPI_BYTE, MPI_PROC_NULL, 1, MPI_COMM_WORLD, &reqs[2]));
    for (int it = 0; it < 5; it++) {
        int cnt = -1, flag = 0;

        CHECK_MPI(MPI_Startall(3, reqs));
        if (it % 2) {
            CHECK_MPI(MPI_Waitall(3, reqs, sts));
        } else {
            CHECK_MPI(MPI_Testall(3, reqs, &flag, sts));
            CHECK(flag, "persistent operations with MPI_PROC_NULL are not complete at once");
        }
        CHECK_MPI(MPI_Get_count(&sts[0], MPI_BYTE, &cnt));
        CHECK(sts[0].MPI_SOURCE == MPI_PROC_NULL && sts[0].MPI_TAG == MPI_ANY_TAG && cnt == 0,
              "persistent receive from MPI_PROC_NULL: source %d tag %d count %d", sts[0].MPI_SOURCE,
              sts[0].MPI_TAG, cnt);
        CHECK_GUARD(buf, sizeof(buf), "persistent receive from MPI_PROC_NULL");
        for (int i = 0; i < 3; i++) {
            CHECK(reqs[i] != MPI_REQUEST_NULL, "persistent request %d nulled", i);
        }
    }
    for (int i = 0; i < 3; i++) {
        CHECK_MPI(MPI_Request_free(&reqs[i]));
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    check_init("p2p_persistent");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    left = (rank + np - 1) % np;
    right = (rank + 1) % np;

    for (int mode = 0; mode < 4; mode++) {
        reuse(mode, SMALL);
        reuse(mode, LARGE);
        reuse(mode, 0);
        CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    }
    free_active();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    start_active();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    proc_null();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    MPI_Finalize();
    return 0;
}

/* p2p_modes: the send modes. Synchronous sends complete only after the receive is posted
 * (below and above the eager limit); buffered sends with MPI_Buffer_attach / detach (detach
 * waits until the buffered messages are out and gives back the same pointer and size), the
 * MPI_BSEND_OVERHEAD budget, MPI_ERR_BUFFER for a buffer that is too small and for no buffer,
 * MPI_BUFFER_AUTOMATIC and MPI_Buffer_flush; ready sends after a handshake that guarantees the
 * receive is posted; MPI_Sendrecv_replace, small and large, with MPI_PROC_NULL.
 *
 * Every rank sends to its right neighbour and receives from its left one (at np 1 both are the
 * rank itself). Nothing sleeps: "the receive is not posted yet" is guaranteed by the left
 * neighbour posting it only after a message this rank sends later. */
#include "check.h"

#include <stdbool.h>

#define SMALL 64               /* below every eager limit the tests use (256 bytes and up) */
#define LARGE (256 * 1024 + 5) /* above every eager limit and the cooperative-copy size */
#define HUGE_LEN (2 * 1024 * 1024 + 3)
#define NTEST 2000 /* MPI_Test calls that must all see an Issend incomplete */

static int rank, np, left, right;




/* Receive `len` bytes with `tag` from the left neighbour and check them. */
static void recv_check(int len, int tag, const char *what)
{
    unsigned char *in = check_alloc((size_t) len);
    MPI_Status st;
    int cnt = -1;

    CHECK_MPI(MPI_Recv(in, len, MPI_BYTE, left, tag, MPI_COMM_WORLD, &st));
    CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &cnt));
    CHECK(st.MPI_SOURCE == left && st.MPI_TAG == tag && cnt == len,
          "%s: source %d tag %d count %d, want %d %d %d", what, st.MPI_SOURCE, st.MPI_TAG, cnt,
          left, tag, len);
    CHECK_PATTERN(in, (size_t) len, check_seed(tag, left), "%s (%d bytes)", what, len);
    CHECK_GUARD(in + len, 16, "%s", what);
    free(in);
}

/* Tell the right neighbour "go" (its receives from us may be posted now) and wait for ours. */
static int go_exchange(int tag, int value)
{
    int got = -1;

    CHECK_MPI(MPI_Sendrecv(&value, 1, MPI_INT, right, tag, &got, 1, MPI_INT, left, tag,
                           MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    return got;
}

/* An Issend stays incomplete through NTEST MPI_Test calls while the receiver cannot have
 * posted its receive (it posts it only after our "go", sent after the loop). In the same loop a
 * standard Isend of the same size to another tag, small enough to be buffered eagerly, does
 * complete: the tests do make progress. Then the blocking MPI_Ssend with the receive posted. */
static void synchronous(int len, int tag0)
{
    unsigned char *sout = check_alloc((size_t) len), *aout = check_alloc((size_t) len);
    MPI_Request sreq, areq;
    int flag, adone = -1;

    check_fill(sout, (size_t) len, check_seed(tag0, rank));
    check_fill(aout, (size_t) len, check_seed(tag0 + 1, rank));
    CHECK_MPI(MPI_Issend(sout, len, MPI_BYTE, right, tag0, MPI_COMM_WORLD, &sreq));
    CHECK_MPI(MPI_Isend(aout, len, MPI_BYTE, right, tag0 + 1, MPI_COMM_WORLD, &areq));
    for (int i = 0; i < NTEST; i++) {
        flag = -1;
        CHECK_MPI(MPI_Test(&sreq, &flag, MPI_STATUS_IGNORE));
        CHECK(!flag,
              "MPI_Issend of %d bytes completed at test %d, before rank %d could post "
              "the receive",
              len, i, right);
        if (areq != MPI_REQUEST_NULL) {
            CHECK_MPI(MPI_Test(&areq, &flag, MPI_STATUS_IGNORE));
            if (flag) {
                adone = i;
            }
        }
    }
    if (len == SMALL) {
        CHECK(adone >= 0,
              "a standard MPI_Isend of %d bytes did not complete in %d MPI_Test "
              "calls: small messages should be buffered",
              len, NTEST);
    }
    CHECK(go_exchange(tag0 + 2, len) == len, "go message");
    recv_check(len, tag0, "the Issend message");
    recv_check(len, tag0 + 1, "the Isend message");
    CHECK_MPI(MPI_Wait(&sreq, MPI_STATUS_IGNORE));
    CHECK_MPI(MPI_Wait(&areq, MPI_STATUS_IGNORE));

    /* Blocking MPI_Ssend: the receive is posted before. */
    {
        unsigned char *in = check_alloc((size_t) len);
        MPI_Request r;
        MPI_Status st;

        CHECK_MPI(MPI_Irecv(in, len, MPI_BYTE, left, tag0 + 3, MPI_COMM_WORLD, &r));
        check_fill(sout, (size_t) len, check_seed(tag0 + 3, rank));
        CHECK_MPI(MPI_Ssend(sout, len, MPI_BYTE, right, tag0 + 3, MPI_COMM_WORLD));
        CHECK_MPI(MPI_Wait(&r, &st));
        CHECK_PATTERN(in, (size_t) len, check_seed(tag0 + 3, left), "MPI_Ssend of %d bytes", len);
        free(in);
    }
    /* Synchronous sends to MPI_PROC_NULL complete at once. */
    CHECK_MPI(MPI_Ssend(sout, len, MPI_BYTE, MPI_PROC_NULL, tag0, MPI_COMM_WORLD));
    CHECK_MPI(MPI_Issend(sout, len, MPI_BYTE, MPI_PROC_NULL, tag0, MPI_COMM_WORLD, &sreq));
    CHECK_MPI(MPI_Test(&sreq, &flag, MPI_STATUS_IGNORE));
    CHECK(flag, "MPI_Issend to MPI_PROC_NULL is not complete at once");
    free(sout);
    free(aout);
}

/* Buffered sends that hold their space: rendezvous-sized messages the receiver has not asked
 * for yet (it posts receives only after our "go"), plus small ones. A buffer of exactly
 * sum(size + MPI_BSEND_OVERHEAD), starting at an odd address, holds them all. One more buffered
 * send may fail with MPI_ERR_BUFFER (the space is taken) or, if the implementation already
 * sent something, succeed: the "go" tells the receiver how many to expect. */
static void bsend_budget(void)
{
    static const int sizes[] = {LARGE, 1, 20000, 0, LARGE + 7, 100, 3};
    const int n = (int) (sizeof(sizes) / sizeof(sizes[0])), tag0 = 100;
    unsigned char *out = check_alloc(LARGE + 7), *raw, *buf, *dbuf = NULL;
    int total = 0, dsize = -1, extra, ret, sent;

    for (int i = 0; i < n; i++) {
        total += sizes[i] + MPI_BSEND_OVERHEAD;
    }
    raw = malloc((size_t) total + 2);
    CHECK(raw != NULL, "out of memory");
    buf = raw + 1;
    CHECK_MPI(MPI_Buffer_attach(buf, total));
    for (int i = 0; i < n; i++) {
        check_fill(out, (size_t) sizes[i], check_seed(tag0 + i, rank));
        ret = MPI_Bsend(out, sizes[i], MPI_BYTE, right, tag0 + i, MPI_COMM_WORLD);
        CHECK(ret == MPI_SUCCESS,
              "MPI_Bsend %d of %d (%d bytes) into a buffer of exactly "
              "sum(size + MPI_BSEND_OVERHEAD) = %d bytes returned %d (%s)",
              i, n, sizes[i], total, ret, check_errstr(ret));
        /* the data was copied: our buffer may change at once */
        memset(out, 0x77, (size_t) sizes[i]);
    }
    check_fill(out, LARGE, check_seed(tag0 + n, rank));
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    ret = MPI_Bsend(out, LARGE, MPI_BYTE, right, tag0 + n, MPI_COMM_WORLD);
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
    CHECK(ret == MPI_SUCCESS || check_errclass(ret) == MPI_ERR_BUFFER,
          "MPI_Bsend past the budget returned %d (%s)", ret, check_errstr(ret));
    sent = n + (ret == MPI_SUCCESS);
    extra = go_exchange(tag0 + 50, sent);
    for (int i = 0; i < extra; i++) {
        recv_check(i < n ? sizes[i] : LARGE, tag0 + i, "buffered message");
    }
    /* Detach waits for every buffered message to leave and gives back what was attached. */
    CHECK_MPI(MPI_Buffer_detach(&dbuf, &dsize));
    CHECK(dbuf == buf && dsize == total, "MPI_Buffer_detach gave %p and %d, attached %p and %d",
          (void *) dbuf, dsize, (void *) buf, total);
    free(raw);
    free(out);
}

/* MPI_Buffer_detach blocks until the buffered messages are delivered: the buffer is scribbled
 * over right after it returns, and the receivers still get the right data. */
static void bsend_detach_waits(void)
{
    const int tag0 = 200, lens[3] = {HUGE_LEN, SMALL, LARGE};
    int bsize = 0, dsize = -1;
    unsigned char *in[3], *out = check_alloc(HUGE_LEN), *buf, *dbuf = NULL;
    MPI_Request r[3];
    MPI_Status st[3];

    for (int i = 0; i < 3; i++) {
        bsize += lens[i] + MPI_BSEND_OVERHEAD;
        in[i] = check_alloc((size_t) lens[i]);
        CHECK_MPI(MPI_Irecv(in[i], lens[i], MPI_BYTE, left, tag0 + i, MPI_COMM_WORLD, &r[i]));
    }
    buf = malloc((size_t) bsize);
    CHECK(buf != NULL, "out of memory");
    CHECK_MPI(MPI_Buffer_attach(buf, bsize));
    for (int i = 0; i < 3; i++) {
        check_fill(out, (size_t) lens[i], check_seed(tag0 + i, rank));
        CHECK_MPI(MPI_Bsend(out, lens[i], MPI_BYTE, right, tag0 + i, MPI_COMM_WORLD));
    }
    memset(out, 0, HUGE_LEN);
    CHECK_MPI(MPI_Buffer_detach(&dbuf, &dsize));
    CHECK(dbuf == buf && dsize == bsize, "MPI_Buffer_detach gave %p and %d, attached %p and %d",
          (void *) dbuf, dsize, (void *) buf, bsize);
    memset(buf, 0xee, (size_t) bsize);
    CHECK_MPI(MPI_Waitall(3, r, st));
    for (int i = 0; i < 3; i++) {
        CHECK_PATTERN(in[i], (size_t) lens[i], check_seed(tag0 + i, left),
                      "buffered message %d (%d bytes) after the sender detached and scribbled "
                      "over its buffer",
                      i, lens[i]);
        free(in[i]);
    }
    free(buf);
    free(out);

    /* The same with MPI_Ibsend and MPI_Buffer_flush (the buffer stays attached). */
    bsize = 2 * (LARGE + MPI_BSEND_OVERHEAD);
    buf = malloc((size_t) bsize);
    out = check_alloc(LARGE);
    CHECK(buf != NULL, "out of memory");
    CHECK_MPI(MPI_Buffer_attach(buf, bsize));
    for (int round = 0; round < 3; round++) {
        MPI_Request s;

        in[0] = check_alloc(LARGE);
        CHECK_MPI(MPI_Irecv(in[0], LARGE, MPI_BYTE, left, tag0 + 10, MPI_COMM_WORLD, &r[0]));
        check_fill(out, LARGE, check_seed(tag0 + 10 + round, rank));
        CHECK_MPI(MPI_Ibsend(out, LARGE, MPI_BYTE, right, tag0 + 10, MPI_COMM_WORLD, &s));
        CHECK_MPI(MPI_Wait(&s, MPI_STATUS_IGNORE));
        memset(out, 0, LARGE);         /* complete: the message was copied */
        CHECK_MPI(MPI_Buffer_flush()); /* the buffer stays attached: MPI still owns it */
        CHECK_MPI(MPI_Wait(&r[0], &st[0]));
        CHECK_PATTERN(in[0], LARGE, check_seed(tag0 + 10 + round, left),
                      "Ibsend round %d after MPI_Buffer_flush", round);
        free(in[0]);
    }
    CHECK_MPI(MPI_Buffer_detach(&dbuf, &dsize));
    CHECK(dbuf == buf && dsize == bsize, "MPI_Buffer_detach gave %p and %d, attached %p and %d",
          (void *) dbuf, dsize, (void *) buf, bsize);
    free(buf);
    free(out);
}

/* MPI_ERR_BUFFER: no buffer attached, and a buffer too small for the message. Nothing may be
 * sent by a failed call. MPI_ERRORS_RETURN is set on MPI_COMM_WORLD (the call's communicator)
 * and MPI_COMM_SELF. */
static void bsend_errors(void)
{
    const int tag = 300;
    unsigned char *out = check_alloc(LARGE), *buf = malloc(LARGE / 2), *dbuf = NULL;
    MPI_Request r = MPI_REQUEST_NULL;
    int ret, dsize = -1, flag = 1;

    CHECK(buf != NULL, "out of memory");
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
    ret = MPI_Bsend(out, SMALL, MPI_BYTE, right, tag, MPI_COMM_WORLD);
    CHECK(ret != MPI_SUCCESS && check_errclass(ret) == MPI_ERR_BUFFER,
          "MPI_Bsend with no buffer attached returned %d (%s), want MPI_ERR_BUFFER", ret,
          check_errstr(ret));
    ret = MPI_Ibsend(out, SMALL, MPI_BYTE, right, tag, MPI_COMM_WORLD, &r);
    CHECK(ret != MPI_SUCCESS && check_errclass(ret) == MPI_ERR_BUFFER,
          "MPI_Ibsend with no buffer attached returned %d (%s), want MPI_ERR_BUFFER", ret,
          check_errstr(ret));

    CHECK_MPI(MPI_Buffer_attach(buf, LARGE / 2));
    ret = MPI_Bsend(out, LARGE, MPI_BYTE, right, tag, MPI_COMM_WORLD);
    CHECK(ret != MPI_SUCCESS && check_errclass(ret) == MPI_ERR_BUFFER,
          "MPI_Bsend of %d bytes with a %d-byte buffer returned %d (%s), want MPI_ERR_BUFFER",
          LARGE, LARGE / 2, ret, check_errstr(ret));
    ret = MPI_Ibsend(out, LARGE, MPI_BYTE, right, tag, MPI_COMM_WORLD, &r);
    CHECK(ret != MPI_SUCCESS && check_errclass(ret) == MPI_ERR_BUFFER,
          "MPI_Ibsend of %d bytes with a %d-byte buffer returned %d (%s), want MPI_ERR_BUFFER",
          LARGE, LARGE / 2, ret, check_errstr(ret));
    /* A message that fits still goes. */
    check_fill(out, SMALL, check_seed(tag + 1, rank));
    CHECK_MPI(MPI_Bsend(out, SMALL, MPI_BYTE, right, tag + 1, MPI_COMM_WORLD));
    recv_check(SMALL, tag + 1, "a buffered message after a failed one");
    CHECK_MPI(MPI_Buffer_detach(&dbuf, &dsize));
    CHECK(dbuf == buf && dsize == LARGE / 2, "MPI_Buffer_detach gave %p and %d", (void *) dbuf,
          dsize);
    /* None of the failed sends may have gone out. */
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, tag, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE));
    CHECK(!flag, "a failed buffered send delivered a message");
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL));
    free(buf);
    free(out);
}

/* MPI_BUFFER_AUTOMATIC: the library finds the space; detach gives the constant back. */
static void bsend_automatic(void)
{
    const int tag0 = 400, lens[4] = {LARGE, SMALL, HUGE_LEN, 0};
    unsigned char *out = check_alloc(HUGE_LEN);
    void *dbuf = NULL;
    int dsize = -1;

    CHECK_MPI(MPI_Buffer_attach(MPI_BUFFER_AUTOMATIC, 0));
    for (int i = 0; i < 4; i++) {
        check_fill(out, (size_t) lens[i], check_seed(tag0 + i, rank));
        CHECK_MPI(MPI_Bsend(out, lens[i], MPI_BYTE, right, tag0 + i, MPI_COMM_WORLD));
    }
    memset(out, 0, HUGE_LEN);
    for (int i = 0; i < 4; i++) {
        recv_check(lens[i], tag0 + i, "buffered message, MPI_BUFFER_AUTOMATIC");
    }
    CHECK_MPI(MPI_Buffer_detach(&dbuf, &dsize));
    CHECK(dbuf == MPI_BUFFER_AUTOMATIC && dsize == 0,
          "MPI_Buffer_detach of MPI_BUFFER_AUTOMATIC gave %p and %d", dbuf, dsize);
    free(out);
}

/* Ready sends: the receiver posts its receive, then tells the sender (a handshake through
 * Sendrecv); only then MPI_Rsend / MPI_Irsend. */
static void ready(void)
{
    const int tag0 = 500, lens[4] = {SMALL, LARGE, 0, HUGE_LEN};
    unsigned char *out = check_alloc(HUGE_LEN);

    for (int i = 0; i < 8; i++) {
        int len = lens[i % 4], tag = tag0 + i;
        unsigned char *in = check_alloc((size_t) len);
        MPI_Request r, s;
        MPI_Status st;
        int cnt = -1;

        CHECK_MPI(MPI_Irecv(in, len, MPI_BYTE, left, tag, MPI_COMM_WORLD, &r));
        /* "my receive from you is posted" to the left; the same from the right */
        CHECK_MPI(MPI_Sendrecv(&i, 1, MPI_INT, left, tag + 100, &cnt, 1, MPI_INT, right, tag + 100,
                               MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        CHECK(cnt == i, "handshake %d: got %d", i, cnt);
        check_fill(out, (size_t) len, check_seed(tag, rank));
        if (i < 4) {
            CHECK_MPI(MPI_Rsend(out, len, MPI_BYTE, right, tag, MPI_COMM_WORLD));
        } else {
            CHECK_MPI(MPI_Irsend(out, len, MPI_BYTE, right, tag, MPI_COMM_WORLD, &s));
            CHECK_MPI(MPI_Wait(&s, MPI_STATUS_IGNORE));
        }
        CHECK_MPI(MPI_Wait(&r, &st));
        CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &cnt));
        CHECK(st.MPI_SOURCE == left && st.MPI_TAG == tag && cnt == len,
              "ready send %d: source %d tag %d count %d", i, st.MPI_SOURCE, st.MPI_TAG, cnt);
        CHECK_PATTERN(in, (size_t) len, check_seed(tag, left), "%s of %d bytes",
                      i < 4 ? "MPI_Rsend" : "MPI_Irsend", len);
        free(in);
    }
    CHECK_MPI(MPI_Rsend(out, 4, MPI_BYTE, MPI_PROC_NULL, 0, MPI_COMM_WORLD));
    free(out);
}

/* MPI_Sendrecv_replace around the ring (sizes up to 2 MiB), then as a non-periodic shift whose
 * ends talk to MPI_PROC_NULL, then with both sides MPI_PROC_NULL. */
static void sendrecv_replace(void)
{
    static const int counts[] = {0, 1, 1000, 2049, 300000, HUGE_LEN / 4 + 1};
    const int tag = 600;

    for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
        size_t len = (size_t) counts[k] * sizeof(int);
        unsigned char *buf = check_alloc(len);
        int to = rank + 1 < np ? rank + 1 : MPI_PROC_NULL;
        int from = rank > 0 ? rank - 1 : MPI_PROC_NULL;
        MPI_Status st;
        int cnt = -1;

        /* ring */
        check_fill(buf, len, check_seed(tag + (int) k, rank));
        CHECK_MPI(MPI_Sendrecv_replace(buf, counts[k], MPI_INT, right, tag + (int) k, left,
                                       tag + (int) k, MPI_COMM_WORLD, &st));
        CHECK_MPI(MPI_Get_count(&st, MPI_INT, &cnt));
        CHECK(st.MPI_SOURCE == left && st.MPI_TAG == tag + (int) k && cnt == counts[k],
              "Sendrecv_replace of %d ints: source %d tag %d count %d", counts[k], st.MPI_SOURCE,
              st.MPI_TAG, cnt);
        CHECK_PATTERN(buf, len, check_seed(tag + (int) k, left), "Sendrecv_replace of %d ints",
                      counts[k]);
        CHECK_GUARD(buf + len, 16, "Sendrecv_replace of %d ints", counts[k]);

        /* shift: rank 0 receives from MPI_PROC_NULL (keeps its data), the last sends to it */
        check_fill(buf, len, check_seed(tag + 50 + (int) k, rank));
        CHECK_MPI(MPI_Sendrecv_replace(buf, counts[k], MPI_INT, to, tag + 50, from, tag + 50,
                                       MPI_COMM_WORLD, &st));
        CHECK_MPI(MPI_Get_count(&st, MPI_INT, &cnt));
        if (from == MPI_PROC_NULL) {
            CHECK(st.MPI_SOURCE == MPI_PROC_NULL && st.MPI_TAG == MPI_ANY_TAG && cnt == 0,
                  "Sendrecv_replace from MPI_PROC_NULL: source %d tag %d count %d", st.MPI_SOURCE,
                  st.MPI_TAG, cnt);
            CHECK_PATTERN(buf, len, check_seed(tag + 50 + (int) k, rank),
                          "Sendrecv_replace from MPI_PROC_NULL changed the buffer (%d ints)",
                          counts[k]);
        } else {
            CHECK(st.MPI_SOURCE == from && cnt == counts[k],
                  "Sendrecv_replace shift: source %d count %d", st.MPI_SOURCE, cnt);
            CHECK_PATTERN(buf, len, check_seed(tag + 50 + (int) k, from),
                          "Sendrecv_replace shift of %d ints", counts[k]);
        }

        /* both sides null */
        check_fill(buf, len, 9);
        CHECK_MPI(MPI_Sendrecv_replace(buf, counts[k], MPI_INT, MPI_PROC_NULL, 1, MPI_PROC_NULL, 1,
                                       MPI_COMM_WORLD, &st));
        CHECK_MPI(MPI_Get_count(&st, MPI_INT, &cnt));
        CHECK(st.MPI_SOURCE == MPI_PROC_NULL && cnt == 0,
              "Sendrecv_replace null/null: source %d count %d", st.MPI_SOURCE, cnt);
        CHECK_PATTERN(buf, len, 9, "Sendrecv_replace null/null changed the buffer");
        free(buf);
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    check_init("p2p_modes");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    left = (rank + np - 1) % np;
    right = (rank + 1) % np;

    synchronous(SMALL, 10);
    synchronous(LARGE, 20);
    synchronous(HUGE_LEN, 30);
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    bsend_budget();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    bsend_detach_waits();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    bsend_errors();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    bsend_automatic();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    ready();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    sendrecv_replace();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    MPI_Finalize();
    return 0;
}

/* p2p_match: message matching. Wildcards and the status they fill in, MPI_PROC_NULL, the
 * non-overtaking rule (also across eager and rendezvous messages and when tags are received
 * out of order), Probe/Iprobe followed by a receive of exactly that message, sends to self and
 * zero-byte messages. */
#include "check.h"

/* Larger than any eager limit, so that some messages in a stream go by rendezvous. */
#define BIG (256 * 1024)

static int rank, np, left, right;

/* Every rank, rank 0 included, sends one message to rank 0 with tag 100 + sender carrying
 * sender+1 ints; rank 0 takes them with MPI_ANY_SOURCE / MPI_ANY_TAG. */
static void any_source_any_tag(void)
{
    int sbuf[64], rbuf[64], cnt;
    MPI_Request req;
    MPI_Status st;

    for (int i = 0; i <= rank && i < 64; i++) {
        sbuf[i] = rank * 1000 + i;
    }
    CHECK_MPI(MPI_Isend(sbuf, rank + 1 < 64 ? rank + 1 : 64, MPI_INT, 0, 100 + rank, MPI_COMM_WORLD,
                        &req));
    if (rank == 0) {
        char seen[64] = {0};

        for (int n = 0; n < np; n++) {
            memset(rbuf, 0xff, sizeof(rbuf));
            CHECK_MPI(
                MPI_Recv(rbuf, 64, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st));
            CHECK(st.MPI_SOURCE >= 0 && st.MPI_SOURCE < np, "ANY_SOURCE: status source %d",
                  st.MPI_SOURCE);
            CHECK(!seen[st.MPI_SOURCE], "ANY_SOURCE: second message from rank %d", st.MPI_SOURCE);
            seen[st.MPI_SOURCE] = 1;
            CHECK(st.MPI_TAG == 100 + st.MPI_SOURCE,
                  "ANY_TAG: status tag %d from rank %d, "
                  "want %d",
                  st.MPI_TAG, st.MPI_SOURCE, 100 + st.MPI_SOURCE);
            CHECK_MPI(MPI_Get_count(&st, MPI_INT, &cnt));
            CHECK(cnt == st.MPI_SOURCE + 1, "ANY_SOURCE: count %d from rank %d, want %d", cnt,
                  st.MPI_SOURCE, st.MPI_SOURCE + 1);
            for (int i = 0; i < cnt; i++) {
                CHECK(rbuf[i] == st.MPI_SOURCE * 1000 + i,
                      "ANY_SOURCE: element %d from rank "
                      "%d is %d",
                      i, st.MPI_SOURCE, rbuf[i]);
            }
        }
    }
    CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
    /* rank 0's wildcard receives are done before anyone sends again */
    MPI_Barrier(MPI_COMM_WORLD);

    /* A specific source with MPI_ANY_TAG, and MPI_ANY_SOURCE with a specific tag. */
    sbuf[0] = rank;
    CHECK_MPI(MPI_Isend(sbuf, 1, MPI_INT, right, 7 + rank % 3, MPI_COMM_WORLD, &req));
    CHECK_MPI(MPI_Recv(rbuf, 1, MPI_INT, left, MPI_ANY_TAG, MPI_COMM_WORLD, &st));
    CHECK(st.MPI_SOURCE == left && st.MPI_TAG == 7 + left % 3 && rbuf[0] == left,
          "source %d ANY_TAG: got source %d tag %d value %d", left, st.MPI_SOURCE, st.MPI_TAG,
          rbuf[0]);
    CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
    CHECK_MPI(MPI_Isend(sbuf, 1, MPI_INT, right, 32767, MPI_COMM_WORLD, &req));
    CHECK_MPI(MPI_Recv(rbuf, 1, MPI_INT, MPI_ANY_SOURCE, 32767, MPI_COMM_WORLD, &st));
    CHECK(st.MPI_SOURCE == left && st.MPI_TAG == 32767 && rbuf[0] == left,
          "ANY_SOURCE tag 32767: got source %d tag %d value %d", st.MPI_SOURCE, st.MPI_TAG,
          rbuf[0]);
    CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
}

static void proc_null(void)
{
    int buf[4] = {11, 22, 33, 44}, cnt = -1;
    MPI_Request req;
    MPI_Status st;
    int flag = 0;

    CHECK_MPI(MPI_Send(buf, 4, MPI_INT, MPI_PROC_NULL, 1, MPI_COMM_WORLD));
    memset(&st, 0x5a, sizeof(st));
    CHECK_MPI(MPI_Recv(buf, 4, MPI_INT, MPI_PROC_NULL, 1, MPI_COMM_WORLD, &st));
    CHECK(st.MPI_SOURCE == MPI_PROC_NULL && st.MPI_TAG == MPI_ANY_TAG,
          "MPI_Recv from MPI_PROC_NULL: status source %d tag %d, want %d and %d", st.MPI_SOURCE,
          st.MPI_TAG, MPI_PROC_NULL, MPI_ANY_TAG);
    CHECK_MPI(MPI_Get_count(&st, MPI_INT, &cnt));
    CHECK(cnt == 0, "MPI_Recv from MPI_PROC_NULL: count %d", cnt);
    CHECK(buf[0] == 11 && buf[3] == 44, "MPI_Recv from MPI_PROC_NULL wrote the buffer");

    CHECK_MPI(MPI_Isend(buf, 4, MPI_INT, MPI_PROC_NULL, 1, MPI_COMM_WORLD, &req));
    CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
    CHECK(req == MPI_REQUEST_NULL, "MPI_Wait left the request of a send to MPI_PROC_NULL set");
    CHECK_MPI(MPI_Irecv(buf, 4, MPI_INT, MPI_PROC_NULL, 1, MPI_COMM_WORLD, &req));
    CHECK_MPI(MPI_Test(&req, &flag, &st));
    CHECK(flag, "MPI_Test: a receive from MPI_PROC_NULL is not complete at once");
    CHECK(st.MPI_SOURCE == MPI_PROC_NULL && st.MPI_TAG == MPI_ANY_TAG,
          "MPI_Irecv from MPI_PROC_NULL: status source %d tag %d", st.MPI_SOURCE, st.MPI_TAG);
    CHECK_MPI(MPI_Get_count(&st, MPI_INT, &cnt));
    CHECK(cnt == 0, "MPI_Irecv from MPI_PROC_NULL: count %d", cnt);

    /* Both sides null, then a non-periodic shift where the ends talk to MPI_PROC_NULL. */
    CHECK_MPI(MPI_Sendrecv(buf, 4, MPI_INT, MPI_PROC_NULL, 2, buf, 4, MPI_INT, MPI_PROC_NULL, 2,
                           MPI_COMM_WORLD, &st));
    CHECK(st.MPI_SOURCE == MPI_PROC_NULL, "MPI_Sendrecv null/null: status source %d",
          st.MPI_SOURCE);
    {
        int to = rank + 1 < np ? rank + 1 : MPI_PROC_NULL;
        int from = rank > 0 ? rank - 1 : MPI_PROC_NULL;
        int out = rank, in = -7;

        CHECK_MPI(
            MPI_Sendrecv(&out, 1, MPI_INT, to, 3, &in, 1, MPI_INT, from, 3, MPI_COMM_WORLD, &st));
        CHECK_MPI(MPI_Get_count(&st, MPI_INT, &cnt));
        if (from == MPI_PROC_NULL) {
            CHECK(in == -7 && cnt == 0 && st.MPI_SOURCE == MPI_PROC_NULL,
                  "shift from MPI_PROC_NULL: value %d count %d source %d", in, cnt, st.MPI_SOURCE);
        } else {
            CHECK(in == from && cnt == 1 && st.MPI_SOURCE == from && st.MPI_TAG == 3,
                  "shift: value %d count %d source %d tag %d, want %d", in, cnt, st.MPI_SOURCE,
                  st.MPI_TAG, from);
        }
    }
}

/* Rendezvous-sized messages in the streams below all come from one read-only buffer (several
 * sends may read one buffer at once); each has its own length, so the receiver can tell them
 * apart and see where in the order it arrived. */
static int big_out[BIG / sizeof(int)], big_in[BIG / sizeof(int)];

static void big_init(void)
{
    big_out[0] = rank;
    for (size_t j = 1; j < BIG / sizeof(int); j++) {
        big_out[j] = (int) j;
    }
}

static int big_len(int i)
{
    return (int) (BIG / sizeof(int)) - i;
}

/* Checks big_in against a big message of length `want` from rank `from`. */
static void big_check(const char *what, int i, int cnt, int want, int from)
{
    CHECK(cnt == want && big_in[0] == from && big_in[1] == 1 && big_in[cnt - 1] == cnt - 1,
          "%s: message %d has count %d, first %d, last %d; want the big message of count %d "
          "from rank %d",
          what, i, cnt, big_in[0], big_in[cnt > 0 ? cnt - 1 : 0], want, from);
}

/* N messages, same source and tag, every 16th a rendezvous-sized one: they must arrive in the
 * order sent. Received once by source and once with MPI_ANY_SOURCE. */
#define NSTREAM 1000
static void in_order(int any_source)
{
    const char *what = any_source ? "stream, ANY_SOURCE" : "stream, by source";
    static int small_out[NSTREAM][2];
    MPI_Request *reqs = malloc(NSTREAM * sizeof(*reqs));
    MPI_Status st;
    int cnt;

    CHECK(reqs != NULL, "out of memory");
    for (int i = 0; i < NSTREAM; i++) {
        small_out[i][0] = rank;
        small_out[i][1] = i;
        if (i % 16 == 5) {
            CHECK_MPI(MPI_Isend(big_out, big_len(i), MPI_INT, right, 9, MPI_COMM_WORLD, &reqs[i]));
        } else {
            CHECK_MPI(MPI_Isend(small_out[i], 2, MPI_INT, right, 9, MPI_COMM_WORLD, &reqs[i]));
        }
    }
    for (int i = 0; i < NSTREAM; i++) {
        big_in[0] = big_in[1] = -1;
        CHECK_MPI(MPI_Recv(big_in, (int) (BIG / sizeof(int)), MPI_INT,
                           any_source ? MPI_ANY_SOURCE : left, 9, MPI_COMM_WORLD, &st));
        CHECK_MPI(MPI_Get_count(&st, MPI_INT, &cnt));
        CHECK(st.MPI_SOURCE == left, "%s: message %d from rank %d, want %d", what, i, st.MPI_SOURCE,
              left);
        if (i % 16 == 5) {
            big_check(what, i, cnt, big_len(i), left);
        } else {
            CHECK(cnt == 2 && big_in[0] == left && big_in[1] == i,
                  "%s: message %d has count %d (%d,%d), want 2 (%d,%d)", what, i, cnt, big_in[0],
                  big_in[1], left, i);
        }
    }
    CHECK_MPI(MPI_Waitall(NSTREAM, reqs, MPI_STATUSES_IGNORE));

    /* Alternating small and big in one stream. */
    for (int i = 0; i < 64; i++) {
        if (i % 2 == 1) {
            CHECK_MPI(MPI_Isend(big_out, big_len(i), MPI_INT, right, 10, MPI_COMM_WORLD, &reqs[i]));
        } else {
            CHECK_MPI(MPI_Isend(small_out[i], 2, MPI_INT, right, 10, MPI_COMM_WORLD, &reqs[i]));
        }
    }
    for (int i = 0; i < 64; i++) {
        big_in[0] = big_in[1] = -1;
        CHECK_MPI(MPI_Recv(big_in, (int) (BIG / sizeof(int)), MPI_INT,
                           any_source ? MPI_ANY_SOURCE : left, 10, MPI_COMM_WORLD, &st));
        CHECK_MPI(MPI_Get_count(&st, MPI_INT, &cnt));
        if (i % 2 == 1) {
            big_check("alternating stream", i, cnt, big_len(i), left);
        } else {
            CHECK(cnt == 2 && big_in[0] == left && big_in[1] == i,
                  "alternating stream: message %d has count %d (%d,%d), want 2 (%d,%d)", i, cnt,
                  big_in[0], big_in[1], left, i);
        }
    }
    CHECK_MPI(MPI_Waitall(64, reqs, MPI_STATUSES_IGNORE));
    free(reqs);
}

/* Tags 1,2,3 sent round-robin; received all tag 3 first, then 1, then 2: within one tag the
 * order must hold. Every 7th message is rendezvous sized. */
#define ROUNDS 50
static void tags_out_of_order(void)
{
    static int bufs[3 * ROUNDS][2];
    MPI_Request reqs[3 * ROUNDS];
    MPI_Status st;
    const int order[3] = {3, 1, 2};

    for (int m = 0; m < 3 * ROUNDS; m++) {
        int tag = 1 + m % 3;
        bufs[m][0] = tag;
        bufs[m][1] = m / 3;
        if (m % 7 == 0) {
            CHECK_MPI(
                MPI_Isend(big_out, big_len(m), MPI_INT, right, tag, MPI_COMM_WORLD, &reqs[m]));
        } else {
            CHECK_MPI(MPI_Isend(bufs[m], 2, MPI_INT, right, tag, MPI_COMM_WORLD, &reqs[m]));
        }
    }
    for (int k = 0; k < 3; k++) {
        int tag = order[k];
        for (int r = 0; r < ROUNDS; r++) {
            int m = 3 * r + tag - 1, cnt;

            big_in[0] = big_in[1] = -1;
            CHECK_MPI(MPI_Recv(big_in, (int) (BIG / sizeof(int)), MPI_INT, left, tag,
                               MPI_COMM_WORLD, &st));
            CHECK_MPI(MPI_Get_count(&st, MPI_INT, &cnt));
            CHECK(st.MPI_TAG == tag, "tags out of order: asked for tag %d, status says %d", tag,
                  st.MPI_TAG);
            if (m % 7 == 0) {
                big_check("tags out of order", m, cnt, big_len(m), left);
            } else {
                CHECK(cnt == 2 && big_in[0] == tag && big_in[1] == r,
                      "tags out of order: tag %d round %d has count %d (%d,%d)", tag, r, cnt,
                      big_in[0], big_in[1]);
            }
        }
    }
    CHECK_MPI(MPI_Waitall(3 * ROUNDS, reqs, MPI_STATUSES_IGNORE));
}

/* Each rank sends to rank 0 messages of different sizes and tags; rank 0 probes (by any
 * source, then by source and any tag, and with Iprobe) and receives exactly the probed one
 * into a buffer of exactly the probed size. */
static void probe_then_recv(void)
{
    static const int sizes[] = {0, 1, 100, 2047, 2048, 2049, 65536, BIG / 4 + 3};
    const int nsizes = (int) (sizeof(sizes) / sizeof(sizes[0]));
    MPI_Request *reqs = malloc((size_t) nsizes * sizeof(*reqs));
    int **out = malloc((size_t) nsizes * sizeof(*out));
    int flag = 1;
    MPI_Status st;

    CHECK(reqs != NULL && out != NULL, "out of memory");
    /* Nobody sends tag 999: Iprobe must say so. */
    CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, 999, MPI_COMM_WORLD, &flag, &st));
    CHECK(!flag, "MPI_Iprobe found a message with tag 999 that nobody sent");
    MPI_Barrier(MPI_COMM_WORLD);

    for (int k = 0; k < nsizes; k++) {
        out[k] = malloc((size_t) sizes[k] * sizeof(int) + 1);
        CHECK(out[k] != NULL, "out of memory");
        for (int i = 0; i < sizes[k]; i++) {
            out[k][i] = rank * 1000003 + k * 1009 + i;
        }
        CHECK_MPI(MPI_Isend(out[k], sizes[k], MPI_INT, 0, 200 + k, MPI_COMM_WORLD, &reqs[k]));
    }
    if (rank == 0) {
        int next_k[64] = {0}; /* per source: next size index expected (per-tag order) */

        for (int n = 0; n < np * nsizes; n++) {
            int cnt, cnt2, *in, src, tag, k, mode = n % 3;
            MPI_Status st2;

            if (mode == 0) {
                CHECK_MPI(MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st));
            } else if (mode == 1) {
                /* Take the ranks in turn; any tag. Sources run out at different times. */
                int s = n % np;
                while (next_k[s] >= nsizes) {
                    s = (s + 1) % np;
                }
                CHECK_MPI(MPI_Probe(s, MPI_ANY_TAG, MPI_COMM_WORLD, &st));
                CHECK(st.MPI_SOURCE == s, "MPI_Probe(source %d) gave source %d", s, st.MPI_SOURCE);
            } else {
                flag = 0;
                while (!flag) {
                    CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st));
                }
            }
            src = st.MPI_SOURCE;
            tag = st.MPI_TAG;
            CHECK(src >= 0 && src < np && src < 64, "probe: source %d", src);
            k = tag - 200;
            /* Messages from one source all differ in tag, but that source sent them in
             * order of k; a probe by source with any tag must see the oldest first. */
            CHECK(k >= 0 && k < nsizes, "probe: tag %d from rank %d", tag, src);
            CHECK(k == next_k[src],
                  "probe: from rank %d got tag %d before tag %d (the "
                  "non-overtaking rule)",
                  src, tag, 200 + next_k[src]);
            next_k[src]++;
            CHECK_MPI(MPI_Get_count(&st, MPI_INT, &cnt));
            CHECK(cnt == sizes[k], "probe: rank %d tag %d count %d, want %d", src, tag, cnt,
                  sizes[k]);
            in = malloc((size_t) cnt * sizeof(int) + 1);
            CHECK(in != NULL, "out of memory");
            CHECK_MPI(MPI_Recv(in, cnt, MPI_INT, src, tag, MPI_COMM_WORLD, &st2));
            CHECK_MPI(MPI_Get_count(&st2, MPI_INT, &cnt2));
            CHECK(st2.MPI_SOURCE == src && st2.MPI_TAG == tag && cnt2 == cnt,
                  "recv after probe: source %d tag %d count %d, probe said %d %d %d",
                  st2.MPI_SOURCE, st2.MPI_TAG, cnt2, src, tag, cnt);
            for (int i = 0; i < cnt; i++) {
                CHECK(in[i] == src * 1000003 + k * 1009 + i,
                      "recv after probe: rank %d tag "
                      "%d element %d is %d",
                      src, tag, i, in[i]);
            }
            free(in);
        }
    }
    CHECK_MPI(MPI_Waitall(nsizes, reqs, MPI_STATUSES_IGNORE));
    for (int k = 0; k < nsizes; k++) {
        free(out[k]);
    }
    free(out);
    free(reqs);
}

static void self_sends(void)
{
    static const int sizes[] = {0, 1, 1000, 8191, 8192, 8193, 100000, 1 << 20};
    MPI_Request req;
    MPI_Status st;
    int cnt;

    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        size_t n = (size_t) sizes[k];
        unsigned char *a = malloc(n + 1), *b = malloc(n + 16);

        CHECK(a != NULL && b != NULL, "out of memory");
        /* Isend to self, then a blocking receive */
        check_fill(a, n, (unsigned) (k + 1));
        memset(b, CHECK_GUARD_BYTE, n + 16);
        CHECK_MPI(MPI_Isend(a, (int) n, MPI_BYTE, rank, 50, MPI_COMM_WORLD, &req));
        CHECK_MPI(MPI_Recv(b, (int) n, MPI_BYTE, rank, 50, MPI_COMM_WORLD, &st));
        CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
        CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &cnt));
        CHECK(st.MPI_SOURCE == rank && st.MPI_TAG == 50 && cnt == (int) n,
              "self Isend/Recv %zu bytes: source %d tag %d count %d", n, st.MPI_SOURCE, st.MPI_TAG,
              cnt);
        CHECK_PATTERN(b, n, (unsigned) (k + 1), "self Isend/Recv %zu bytes", n);
        CHECK_GUARD(b + n, 16, "self Isend/Recv %zu bytes", n);

        /* Irecv posted first, then a blocking send to self */
        check_fill(a, n, (unsigned) (k + 100));
        memset(b, CHECK_GUARD_BYTE, n + 16);
        CHECK_MPI(MPI_Irecv(b, (int) n, MPI_BYTE, MPI_ANY_SOURCE, 51, MPI_COMM_WORLD, &req));
        CHECK_MPI(MPI_Send(a, (int) n, MPI_BYTE, rank, 51, MPI_COMM_WORLD));
        CHECK_MPI(MPI_Wait(&req, &st));
        CHECK(st.MPI_SOURCE == rank, "self Irecv/Send: source %d", st.MPI_SOURCE);
        CHECK_PATTERN(b, n, (unsigned) (k + 100), "self Irecv/Send %zu bytes", n);
        CHECK_GUARD(b + n, 16, "self Irecv/Send %zu bytes", n);

        /* Sendrecv with self */
        check_fill(a, n, (unsigned) (k + 200));
        memset(b, CHECK_GUARD_BYTE, n + 16);
        CHECK_MPI(MPI_Sendrecv(a, (int) n, MPI_BYTE, rank, 52, b, (int) n, MPI_BYTE, rank, 52,
                               MPI_COMM_WORLD, &st));
        CHECK_PATTERN(b, n, (unsigned) (k + 200), "self Sendrecv %zu bytes", n);
        CHECK_GUARD(b + n, 16, "self Sendrecv %zu bytes", n);
        free(a);
        free(b);
    }
}

static void zero_bytes(void)
{
    int x = 5, y[4] = {9, 9, 9, 9}, cnt = -1, vals[10];
    MPI_Request req, reqs[10];
    MPI_Status st;

    /* count 0 with a NULL buffer is legal on both sides */
    CHECK_MPI(MPI_Isend(NULL, 0, MPI_INT, right, 60, MPI_COMM_WORLD, &req));
    CHECK_MPI(MPI_Recv(NULL, 0, MPI_INT, left, 60, MPI_COMM_WORLD, &st));
    CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
    CHECK_MPI(MPI_Get_count(&st, MPI_INT, &cnt));
    CHECK(cnt == 0 && st.MPI_SOURCE == left && st.MPI_TAG == 60,
          "zero bytes: count %d source %d tag %d", cnt, st.MPI_SOURCE, st.MPI_TAG);

    /* a zero-byte message into a larger buffer, matched by wildcards, leaves it alone */
    CHECK_MPI(MPI_Isend(&x, 0, MPI_INT, right, 61, MPI_COMM_WORLD, &req));
    CHECK_MPI(MPI_Recv(y, 4, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st));
    CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
    CHECK_MPI(MPI_Get_count(&st, MPI_INT, &cnt));
    CHECK(cnt == 0 && st.MPI_SOURCE == left && st.MPI_TAG == 61,
          "zero bytes, wildcards: count %d source %d tag %d", cnt, st.MPI_SOURCE, st.MPI_TAG);
    CHECK(y[0] == 9 && y[3] == 9, "a zero-byte message wrote the receive buffer");

    /* zero-byte messages keep their order among others, here sent to self */
    for (int i = 0; i < 10; i++) {
        vals[i] = i;
        CHECK_MPI(MPI_Isend(&vals[i], i % 2, MPI_INT, rank, 62, MPI_COMM_WORLD, &reqs[i]));
    }
    for (int i = 0; i < 10; i++) {
        y[0] = -1;
        CHECK_MPI(MPI_Recv(y, 1, MPI_INT, rank, 62, MPI_COMM_WORLD, &st));
        CHECK_MPI(MPI_Get_count(&st, MPI_INT, &cnt));
        CHECK(cnt == i % 2 && (cnt == 0 || y[0] == i),
              "self stream with zero-byte messages: "
              "message %d count %d value %d",
              i, cnt, y[0]);
    }
    CHECK_MPI(MPI_Waitall(10, reqs, MPI_STATUSES_IGNORE));
}

/* MPI_Wait/Waitall on MPI_REQUEST_NULL give an empty status (source MPI_ANY_SOURCE, tag
 * MPI_ANY_TAG, count 0); MPI_Get_count is MPI_UNDEFINED when the bytes are not a whole number
 * of the type. */
static void null_requests_and_counts(void)
{
    unsigned char out[7] = {1, 2, 3, 4, 5, 6, 7}, in[8];
    MPI_Request reqs[4] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL, MPI_REQUEST_NULL, MPI_REQUEST_NULL};
    MPI_Status st[4];
    int cnt = 0;

    memset(st, 0x5a, sizeof(st));
    CHECK_MPI(MPI_Wait(&reqs[0], &st[0]));
    CHECK_MPI(MPI_Get_count(&st[0], MPI_INT, &cnt));
    CHECK(st[0].MPI_SOURCE == MPI_ANY_SOURCE && st[0].MPI_TAG == MPI_ANY_TAG && cnt == 0,
          "MPI_Wait on MPI_REQUEST_NULL: status source %d tag %d count %d", st[0].MPI_SOURCE,
          st[0].MPI_TAG, cnt);

    memset(st, 0x5a, sizeof(st));
    CHECK_MPI(MPI_Irecv(in, 8, MPI_BYTE, left, 70, MPI_COMM_WORLD, &reqs[1]));
    CHECK_MPI(MPI_Isend(out, 7, MPI_BYTE, right, 70, MPI_COMM_WORLD, &reqs[2]));
    CHECK_MPI(MPI_Waitall(4, reqs, st));
    for (int i = 0; i < 4; i += 3) {
        CHECK_MPI(MPI_Get_count(&st[i], MPI_BYTE, &cnt));
        CHECK(st[i].MPI_SOURCE == MPI_ANY_SOURCE && st[i].MPI_TAG == MPI_ANY_TAG && cnt == 0,
              "MPI_Waitall: the status of null request %d has source %d tag %d count %d", i,
              st[i].MPI_SOURCE, st[i].MPI_TAG, cnt);
    }
    CHECK(st[1].MPI_SOURCE == left && st[1].MPI_TAG == 70,
          "MPI_Waitall: receive status "
          "source %d tag %d",
          st[1].MPI_SOURCE, st[1].MPI_TAG);
    CHECK_MPI(MPI_Get_count(&st[1], MPI_BYTE, &cnt));
    CHECK(cnt == 7 && memcmp(in, out, 7) == 0, "MPI_Waitall: received count %d", cnt);
    CHECK_MPI(MPI_Get_count(&st[1], MPI_INT, &cnt));
    CHECK(cnt == MPI_UNDEFINED,
          "MPI_Get_count(MPI_INT) of 7 bytes gives %d, want "
          "MPI_UNDEFINED",
          cnt);
    CHECK_MPI(MPI_Get_count(&st[1], MPI_SHORT, &cnt));
    CHECK(cnt == MPI_UNDEFINED,
          "MPI_Get_count(MPI_SHORT) of 7 bytes gives %d, want "
          "MPI_UNDEFINED",
          cnt);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    check_init("p2p_match");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    left = (rank + np - 1) % np;
    right = (rank + 1) % np;
    big_init();

    any_source_any_tag();
    MPI_Barrier(MPI_COMM_WORLD);
    proc_null();
    MPI_Barrier(MPI_COMM_WORLD);
    in_order(0);
    MPI_Barrier(MPI_COMM_WORLD);
    in_order(1);
    MPI_Barrier(MPI_COMM_WORLD);
    tags_out_of_order();
    MPI_Barrier(MPI_COMM_WORLD);
    probe_then_recv();
    MPI_Barrier(MPI_COMM_WORLD);
    self_sends();
    MPI_Barrier(MPI_COMM_WORLD);
    zero_bytes();
    MPI_Barrier(MPI_COMM_WORLD);
    null_requests_and_counts();
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}

/* p2p_probe: probes. Probe / Iprobe followed by a receive of exactly that message; matched
 * probes (Mprobe / Improbe) with Mrecv / Imrecv, including a wildcard receive posted between
 * the matched probe and its Mrecv (it must not get the matched message: no one else may take
 * it), MPI_ANY_SOURCE / MPI_ANY_TAG with several senders, MPI_PROC_NULL (MPI_MESSAGE_NO_PROC,
 * whose Mrecv gives source MPI_PROC_NULL), large (rendezvous) messages, truncation by Mrecv, and
 * Iprobe / Improbe saying "nothing" when nothing can be waiting.
 *
 * Ring pattern: each rank sends to its right neighbour and probes / receives from its left one
 * (at np 1 both are itself). A message the left neighbour sends only after our "go" cannot be
 * waiting before it, which makes the "nothing waits" checks deterministic. */
#include "check.h"

#include <stdbool.h>

#define SMALL 100
#define LARGE (1024 * 1024 + 3) /* rendezvous under every eager limit */
#define GO 10000

static int rank, np, left, right;



/* Send `len` bytes of our pattern for `tag` to the right (nonblocking; the caller waits). */
static unsigned char *isend_pat(int len, int tag, MPI_Request *req)
{
    unsigned char *out = check_alloc((size_t) len);

    check_fill(out, (size_t) len, check_seed(tag, rank));
    CHECK_MPI(MPI_Isend(out, len, MPI_BYTE, right, tag, MPI_COMM_WORLD, req));
    return out;
}

/* The status of a probe or receive of the left neighbour's message `tag` of `len` bytes. */
static void check_env(const MPI_Status *st, int len, int tag, const char *what)
{
    int cnt = -1;

    CHECK_MPI(MPI_Get_count(st, MPI_BYTE, &cnt));
    CHECK(st->MPI_SOURCE == left && st->MPI_TAG == tag && cnt == len,
          "%s: source %d tag %d count %d, want %d %d %d", what, st->MPI_SOURCE, st->MPI_TAG, cnt,
          left, tag, len);
}

static void check_proc_null_status(const MPI_Status *st, const char *what)
{
    int cnt = -1;

    CHECK_MPI(MPI_Get_count(st, MPI_BYTE, &cnt));
    CHECK(st->MPI_SOURCE == MPI_PROC_NULL && st->MPI_TAG == MPI_ANY_TAG && cnt == 0,
          "%s: source %d tag %d count %d, want MPI_PROC_NULL, MPI_ANY_TAG, 0", what, st->MPI_SOURCE,
          st->MPI_TAG, cnt);
}

/* Probe and Iprobe (by source / any source, by tag / any tag), then a receive of exactly the
 * probed size, small and large. */
static void probe_then_recv(void)
{
    const int tag0 = 100, lens[4] = {SMALL, LARGE, 0, LARGE + 1};
    unsigned char *out[4];
    MPI_Request s[4];

    for (int i = 0; i < 4; i++) {
        out[i] = isend_pat(lens[i], tag0 + i, &s[i]);
    }
    for (int i = 0; i < 4; i++) {
        MPI_Status st, st2;
        unsigned char *in;
        int cnt = -1, flag = 0;

        switch (i) {
        case 0: CHECK_MPI(MPI_Probe(left, tag0 + i, MPI_COMM_WORLD, &st)); break;
        case 1: CHECK_MPI(MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st)); break;
        case 2:
            while (!flag) {
                CHECK_MPI(MPI_Iprobe(left, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st));
            }
            break;
        default:
            while (!flag) {
                CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, tag0 + i, MPI_COMM_WORLD, &flag, &st));
            }
            break;
        }
        check_env(&st, lens[i], tag0 + i, "probe");
        /* probing again sees the same message */
        CHECK_MPI(MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st2));
        check_env(&st2, lens[i], tag0 + i, "second probe");
        CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &cnt));
        in = check_alloc((size_t) cnt);
        CHECK_MPI(MPI_Recv(in, cnt, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, &st2));
        check_env(&st2, lens[i], tag0 + i, "receive after probe");
        CHECK_PATTERN(in, (size_t) cnt, check_seed(tag0 + i, left), "receive after probe %d", i);
        CHECK_GUARD(in + cnt, 16, "receive after probe %d", i);
        free(in);
    }
    CHECK_MPI(MPI_Waitall(4, s, MPI_STATUSES_IGNORE));
    for (int i = 0; i < 4; i++) {
        free(out[i]);
    }
}

/* Mprobe / Improbe with Mrecv / Imrecv; between the matched probe and its receive another
 * receive (wildcards, blocking or not) is posted: it must get the next message, never the
 * matched one. Small and large messages. */
static void matched_probe_race(void)
{
    const int tag0 = 200;

    for (int variant = 0; variant < 8; variant++) {
        const int lens[2] = {variant & 1 ? LARGE : SMALL, variant & 2 ? LARGE : SMALL};
        const int t1 = tag0 + 10 * variant, t2 = t1 + 1;
        const bool nonblocking = variant & 4;
        unsigned char *out[2], *in1 = check_alloc((size_t) lens[0]), *in2 = check_alloc((size_t) lens[1]);
        MPI_Message msg = MPI_MESSAGE_NULL;
        MPI_Request s[2], r1, r2;
        MPI_Status st, st1, st2;
        int flag = 0;

        out[0] = isend_pat(lens[0], t1, &s[0]);
        out[1] = isend_pat(lens[1], t2, &s[1]);
        if (nonblocking) {
            while (!flag) {
                CHECK_MPI(
                    MPI_Improbe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &msg, &st));
            }
        } else {
            CHECK_MPI(MPI_Mprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &msg, &st));
        }
        CHECK(msg != MPI_MESSAGE_NULL && msg != MPI_MESSAGE_NO_PROC,
              "variant %d: matched probe gave no message", variant);
        check_env(&st, lens[0], t1, "matched probe");
        /* The other "thread of logic": a wildcard receive. It must get the second message. */
        if (nonblocking) {
            CHECK_MPI(MPI_Irecv(in2, lens[1], MPI_BYTE, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD,
                                &r2));
            CHECK_MPI(MPI_Imrecv(in1, lens[0], MPI_BYTE, &msg, &r1));
            CHECK(msg == MPI_MESSAGE_NULL, "MPI_Imrecv did not set the message to null");
            CHECK_MPI(MPI_Wait(&r2, &st2));
            CHECK_MPI(MPI_Wait(&r1, &st1));
        } else {
            CHECK_MPI(MPI_Recv(in2, lens[1], MPI_BYTE, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD,
                               &st2));
            /* The matched message is no longer visible to probes (only its tag is asked for:
             * the left neighbour may already be sending the next variant's messages). */
            CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, t1, MPI_COMM_WORLD, &flag, &st));
            CHECK(!flag,
                  "variant %d: MPI_Iprobe sees a message (source %d tag %d) that "
                  "MPI_Mprobe took",
                  variant, st.MPI_SOURCE, st.MPI_TAG);
            CHECK_MPI(MPI_Mrecv(in1, lens[0], MPI_BYTE, &msg, &st1));
            CHECK(msg == MPI_MESSAGE_NULL, "MPI_Mrecv did not set the message to null");
        }
        check_env(&st2, lens[1], t2, "wildcard receive posted after a matched probe");
        CHECK_PATTERN(in2, (size_t) lens[1], check_seed(t2, left), "variant %d wildcard receive",
                      variant);
        check_env(&st1, lens[0], t1, "Mrecv / Imrecv");
        CHECK_PATTERN(in1, (size_t) lens[0], check_seed(t1, left), "variant %d matched receive",
                      variant);
        CHECK_GUARD(in1 + lens[0], 16, "variant %d matched receive", variant);
        CHECK_MPI(MPI_Waitall(2, s, MPI_STATUSES_IGNORE));
        free(out[0]);
        free(out[1]);
        free(in1);
        free(in2);
    }
}

/* Several matched probes outstanding at once, received in the reverse order. */
static void many_matched(void)
{
    enum { N = 16 };
    const int tag = 300;
    unsigned char *out[N];
    MPI_Message msgs[N];
    MPI_Request s[N];
    int lens[N];

    for (int i = 0; i < N; i++) {
        lens[i] = i % 5 == 2 ? LARGE - i : SMALL + i;
        out[i] = check_alloc((size_t) lens[i]);
        check_fill(out[i], (size_t) lens[i], check_seed(tag + i, rank));
        CHECK_MPI(MPI_Isend(out[i], lens[i], MPI_BYTE, right, tag, MPI_COMM_WORLD, &s[i]));
    }
    for (int i = 0; i < N; i++) {
        MPI_Status st;
        int cnt = -1;

        CHECK_MPI(MPI_Mprobe(left, tag, MPI_COMM_WORLD, &msgs[i], &st));
        CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &cnt));
        CHECK(cnt == lens[i], "matched probe %d: count %d, want %d (order)", i, cnt, lens[i]);
    }
    for (int i = N - 1; i >= 0; i--) {
        unsigned char *in = check_alloc((size_t) lens[i]);
        MPI_Request r;
        MPI_Status st;

        if (i % 2) {
            CHECK_MPI(MPI_Mrecv(in, lens[i], MPI_BYTE, &msgs[i], &st));
        } else {
            CHECK_MPI(MPI_Imrecv(in, lens[i], MPI_BYTE, &msgs[i], &r));
            CHECK_MPI(MPI_Wait(&r, &st));
        }
        check_env(&st, lens[i], tag, "many matched probes");
        CHECK_PATTERN(in, (size_t) lens[i], check_seed(tag + i, left), "matched message %d", i);
        free(in);
    }
    CHECK_MPI(MPI_Waitall(N, s, MPI_STATUSES_IGNORE));
    for (int i = 0; i < N; i++) {
        free(out[i]);
    }
}

/* Every rank sends one message to rank 0 (tag 400 + sender, sender * 1000 + 1 bytes; rank 1's
 * is large); rank 0 takes them with Mprobe / Improbe on MPI_ANY_SOURCE / MPI_ANY_TAG into
 * buffers of exactly the probed size. */
static void any_source_any_tag(void)
{
    int len = rank == 1 ? LARGE : rank * 1000 + 1;
    unsigned char *out = check_alloc((size_t) len);
    MPI_Request s;

    check_fill(out, (size_t) len, check_seed(400, rank));
    CHECK_MPI(MPI_Isend(out, len, MPI_BYTE, 0, 400 + rank, MPI_COMM_WORLD, &s));
    if (rank == 0) {
        char *seen = calloc((size_t) np, 1);

        CHECK(seen != NULL, "out of memory");
        for (int n = 0; n < np; n++) {
            MPI_Message msg;
            MPI_Status st, st2;
            unsigned char *in;
            int cnt = -1, flag = 0, src;

            if (n % 2) {
                while (!flag) {
                    CHECK_MPI(
                        MPI_Improbe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &msg, &st));
                }
            } else {
                CHECK_MPI(MPI_Mprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &msg, &st));
            }
            src = st.MPI_SOURCE;
            CHECK(src >= 0 && src < np && !seen[src] && st.MPI_TAG == 400 + src,
                  "matched probe %d: source %d tag %d", n, src, st.MPI_TAG);
            seen[src] = 1;
            CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &cnt));
            CHECK(cnt == (src == 1 ? LARGE : src * 1000 + 1), "rank %d's message: count %d", src,
                  cnt);
            in = check_alloc((size_t) cnt);
            CHECK_MPI(MPI_Mrecv(in, cnt, MPI_BYTE, &msg, &st2));
            CHECK(st2.MPI_SOURCE == src && st2.MPI_TAG == 400 + src,
                  "Mrecv: source %d tag %d, probe said %d %d", st2.MPI_SOURCE, st2.MPI_TAG, src,
                  400 + src);
            CHECK_PATTERN(in, (size_t) cnt, check_seed(400, src), "rank %d's message", src);
            CHECK_GUARD(in + cnt, 16, "rank %d's message", src);
            free(in);
        }
        free(seen);
    }
    CHECK_MPI(MPI_Wait(&s, MPI_STATUS_IGNORE));
    free(out);
}

/* MPI_PROC_NULL: probes find "a message" at once, a matched probe gives MPI_MESSAGE_NO_PROC and
 * receiving it gives source MPI_PROC_NULL, count 0, buffer untouched. */
static void proc_null(void)
{
    unsigned char buf[16];
    MPI_Message msg = MPI_MESSAGE_NULL;
    MPI_Request r;
    MPI_Status st;
    int flag = 0;

    memset(buf, CHECK_GUARD_BYTE, sizeof(buf));
    memset(&st, 0x5a, sizeof(st));
    CHECK_MPI(MPI_Probe(MPI_PROC_NULL, 5, MPI_COMM_WORLD, &st));
    check_proc_null_status(&st, "MPI_Probe(MPI_PROC_NULL)");
    memset(&st, 0x5a, sizeof(st));
    CHECK_MPI(MPI_Iprobe(MPI_PROC_NULL, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st));
    CHECK(flag, "MPI_Iprobe(MPI_PROC_NULL): flag 0");
    check_proc_null_status(&st, "MPI_Iprobe(MPI_PROC_NULL)");

    memset(&st, 0x5a, sizeof(st));
    CHECK_MPI(MPI_Mprobe(MPI_PROC_NULL, 5, MPI_COMM_WORLD, &msg, &st));
    CHECK(msg == MPI_MESSAGE_NO_PROC, "MPI_Mprobe(MPI_PROC_NULL) did not give "
                                      "MPI_MESSAGE_NO_PROC");
    check_proc_null_status(&st, "MPI_Mprobe(MPI_PROC_NULL)");
    memset(&st, 0x5a, sizeof(st));
    CHECK_MPI(MPI_Mrecv(buf, 16, MPI_BYTE, &msg, &st));
    CHECK(msg == MPI_MESSAGE_NULL, "MPI_Mrecv of MPI_MESSAGE_NO_PROC did not set it to null");
    check_proc_null_status(&st, "MPI_Mrecv(MPI_MESSAGE_NO_PROC)");
    CHECK_GUARD(buf, 16, "MPI_Mrecv(MPI_MESSAGE_NO_PROC)");

    flag = 0;
    msg = MPI_MESSAGE_NULL;
    CHECK_MPI(MPI_Improbe(MPI_PROC_NULL, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &msg, &st));
    CHECK(flag && msg == MPI_MESSAGE_NO_PROC, "MPI_Improbe(MPI_PROC_NULL): flag %d, message %s",
          flag, msg == MPI_MESSAGE_NO_PROC ? "NO_PROC" : "not NO_PROC");
    check_proc_null_status(&st, "MPI_Improbe(MPI_PROC_NULL)");
    CHECK_MPI(MPI_Imrecv(buf, 16, MPI_BYTE, &msg, &r));
    CHECK(msg == MPI_MESSAGE_NULL, "MPI_Imrecv of MPI_MESSAGE_NO_PROC did not set it to null");
    memset(&st, 0x5a, sizeof(st));
    CHECK_MPI(MPI_Wait(&r, &st));
    CHECK(r == MPI_REQUEST_NULL, "MPI_Wait left the MPI_Imrecv request set");
    check_proc_null_status(&st, "MPI_Imrecv(MPI_MESSAGE_NO_PROC)");
    CHECK_GUARD(buf, 16, "MPI_Imrecv(MPI_MESSAGE_NO_PROC)");
}

/* Nothing can be waiting: Iprobe and Improbe say flag 0. A message the left neighbour sends only
 * after our "go" is used, then one nobody ever sends. */
static void nothing_waits(void)
{
    const int tag = 500;
    unsigned char in[SMALL], *out;
    MPI_Message msg = MPI_MESSAGE_NULL;
    MPI_Request s;
    MPI_Status st;
    int flag = 1, go = 1;

    for (int i = 0; i < 100; i++) {
        flag = 1;
        CHECK_MPI(MPI_Improbe(left, tag, MPI_COMM_WORLD, &flag, &msg, &st));
        CHECK(!flag, "MPI_Improbe found a message rank %d has not sent yet", left);
        flag = 1;
        CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, tag, MPI_COMM_WORLD, &flag, &st));
        CHECK(!flag, "MPI_Iprobe found a message rank %d has not sent yet", left);
    }
    CHECK_MPI(MPI_Sendrecv(&go, 1, MPI_INT, left, tag + GO, &go, 1, MPI_INT, right, tag + GO,
                           MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    out = isend_pat(SMALL, tag, &s);
    flag = 0;
    while (!flag) {
        CHECK_MPI(MPI_Improbe(left, tag, MPI_COMM_WORLD, &flag, &msg, &st));
    }
    CHECK_MPI(MPI_Mrecv(in, SMALL, MPI_BYTE, &msg, &st));
    check_env(&st, SMALL, tag, "Mrecv after Improbe");
    CHECK_PATTERN(in, SMALL, check_seed(tag, left), "Mrecv after Improbe");
    CHECK_MPI(MPI_Wait(&s, MPI_STATUS_IGNORE));
    free(out);
    CHECK_MPI(MPI_Improbe(MPI_ANY_SOURCE, 32000, MPI_COMM_WORLD, &flag, &msg, &st));
    CHECK(!flag, "MPI_Improbe found a message with a tag nobody sends");
}

/* Mrecv into a buffer smaller than the message: MPI_ERR_TRUNCATE (with MPI_ERRORS_RETURN),
 * the part that fits arrives, nothing past the buffer is written. Small and large. */
static void mrecv_truncates(void)
{
    const int tag = 600, lens[2] = {SMALL, LARGE};

    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    for (int i = 0; i < 4; i++) {
        int len = lens[i % 2], cap = len / 2, ret, cls = -1;
        unsigned char *out, *in = check_alloc((size_t) cap);
        MPI_Message msg;
        MPI_Request s, r;
        MPI_Status st;

        out = isend_pat(len, tag + i, &s);
        CHECK_MPI(MPI_Mprobe(left, tag + i, MPI_COMM_WORLD, &msg, &st));
        if (i < 2) {
            ret = MPI_Mrecv(in, cap, MPI_BYTE, &msg, &st);
        } else {
            CHECK_MPI(MPI_Imrecv(in, cap, MPI_BYTE, &msg, &r));
            ret = MPI_Wait(&r, &st);
        }
        CHECK_MPI(MPI_Error_class(ret, &cls));
        CHECK(cls == MPI_ERR_TRUNCATE, "%s of %d bytes into %d returned %d (%s)",
              i < 2 ? "MPI_Mrecv" : "MPI_Imrecv", len, cap, ret, check_errstr(ret));
        CHECK(st.MPI_SOURCE == left && st.MPI_TAG == tag + i, "truncated Mrecv: source %d tag %d",
              st.MPI_SOURCE, st.MPI_TAG);
        CHECK_PATTERN(in, (size_t) cap, check_seed(tag + i, left), "truncated Mrecv %d", i);
        CHECK_GUARD(in + cap, 16, "truncated Mrecv %d", i);
        CHECK_MPI(MPI_Wait(&s, MPI_STATUS_IGNORE));
        free(out);
        free(in);
    }
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    check_init("p2p_probe");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    left = (rank + np - 1) % np;
    right = (rank + 1) % np;

    nothing_waits();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    probe_then_recv();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    matched_probe_race();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    many_matched();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    any_source_any_tag();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    proc_null();
    mrecv_truncates();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    MPI_Finalize();
    return 0;
}

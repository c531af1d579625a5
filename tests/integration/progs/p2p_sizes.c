/* p2p_sizes: message sizes from 0 bytes to 16 MiB, closely around the eager/rendezvous
 * boundary (8 KiB by default, or KURIR_SHM_EAGER_LIMIT when set), every byte checked and the
 * bytes after the message untouched; blocking ping-pong, nonblocking ring, Sendrecv of large
 * messages in both directions at once, 1000 outstanding requests completed by Waitall, and
 * completion by polling MPI_Test. */
#include "check.h"

#include <ctype.h>

#define GUARD 32
#define MAXSIZES 96

static int rank, np, left, right, partner;
static size_t sizes[MAXSIZES];
static int nsizes;

static void add_size(size_t s)
{
    for (int i = 0; i < nsizes; i++) {
        if (sizes[i] == s) {
            return;
        }
    }
    if (nsizes < MAXSIZES) {
        sizes[nsizes++] = s;
    }
}

/* A size with an optional k/m suffix, as the library's settings take it; 0 if unparsable. */
static size_t parse_size(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);

    switch (tolower((unsigned char) *end)) {
    case 'k': v <<= 10; break;
    case 'm': v <<= 20; break;
    case '\0': break;
    default: return 0;
    }
    return (size_t) v;
}

static void add_boundary(size_t limit)
{
    for (size_t d = 0; d <= 64; d += 8) {
        if (limit > d) {
            add_size(limit - d);
        }
        add_size(limit + d);
    }
    add_size(limit - 1);
    add_size(limit + 1);
}

static void make_sizes(void)
{
    static const size_t fixed[] = {0,     1,      2,       3,       7,       8,    63,    64,
                                   65,    255,    256,     257,     1023,    1024, 4095,  4096,
                                   4097,  7900,   8000,    8100,    8200,    8300, 16384, 65536,
                                   65537, 262144, 1048576, 1048577, 16777216};
    /* The test reads the variable only to aim at the boundary it sets. */
    const char *env = getenv("KURIR_SHM_EAGER_LIMIT");

    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        add_size(fixed[i]);
    }
    add_boundary(8192);
    if (env != NULL && parse_size(env) > 0) {
        add_boundary(parse_size(env));
    }
}

static unsigned char *xmalloc(size_t n)
{
    unsigned char *p = malloc(n);

    CHECK(p != NULL, "out of memory for %zu bytes", n);
    return p;
}

static void recv_check(const unsigned char *buf, size_t n, const MPI_Status *st, int src, int tag,
                       unsigned seed, const char *what)
{
    int cnt;

    CHECK_MPI(MPI_Get_count(st, MPI_BYTE, &cnt));
    CHECK(st->MPI_SOURCE == src && st->MPI_TAG == tag && cnt == (int) n,
          "%s %zu bytes: status source %d tag %d count %d, want %d %d %zu", what, n, st->MPI_SOURCE,
          st->MPI_TAG, cnt, src, tag, n);
    CHECK_PATTERN(buf, n, seed, "%s %zu bytes from rank %d", what, n, src);
    CHECK_GUARD(buf + n, GUARD, "%s %zu bytes from rank %d", what, n, src);
}

/* Blocking Send/Recv between partners (0-1, 2-3, ...): the lower sends first, the higher
 * answers with different content. A rank without partner talks to itself through Irecv. */
static void pingpong(size_t n, int tag)
{
    unsigned char *s = xmalloc(n + 1), *r = xmalloc(n + GUARD);
    unsigned mine = (unsigned) (rank * 7919 + tag), theirs = (unsigned) (partner * 7919 + tag);
    MPI_Status st;
    MPI_Request req;

    check_fill(s, n, mine);
    memset(r, CHECK_GUARD_BYTE, n + GUARD);
    if (partner == rank) {
        CHECK_MPI(MPI_Irecv(r, (int) n, MPI_BYTE, rank, tag, MPI_COMM_WORLD, &req));
        CHECK_MPI(MPI_Send(s, (int) n, MPI_BYTE, rank, tag, MPI_COMM_WORLD));
        CHECK_MPI(MPI_Wait(&req, &st));
    } else if (rank < partner) {
        CHECK_MPI(MPI_Send(s, (int) n, MPI_BYTE, partner, tag, MPI_COMM_WORLD));
        CHECK_MPI(MPI_Recv(r, (int) n, MPI_BYTE, partner, tag, MPI_COMM_WORLD, &st));
    } else {
        CHECK_MPI(MPI_Recv(r, (int) n, MPI_BYTE, partner, tag, MPI_COMM_WORLD, &st));
        CHECK_MPI(MPI_Send(s, (int) n, MPI_BYTE, partner, tag, MPI_COMM_WORLD));
    }
    recv_check(r, n, &st, partner, tag, theirs, "blocking ping-pong");
    free(s);
    free(r);
}

/* Isend to the right, Irecv from the left, Waitall; the receive is posted after the send on
 * odd sizes so both orders are covered. */
static void ring_nonblocking(size_t n, int tag, int recv_first)
{
    unsigned char *s = xmalloc(n + 1), *r = xmalloc(n + GUARD);
    MPI_Request req[2];
    MPI_Status st[2];

    check_fill(s, n, (unsigned) (rank * 31 + tag));
    memset(r, CHECK_GUARD_BYTE, n + GUARD);
    if (recv_first) {
        CHECK_MPI(MPI_Irecv(r, (int) n, MPI_BYTE, left, tag, MPI_COMM_WORLD, &req[0]));
        CHECK_MPI(MPI_Isend(s, (int) n, MPI_BYTE, right, tag, MPI_COMM_WORLD, &req[1]));
    } else {
        CHECK_MPI(MPI_Isend(s, (int) n, MPI_BYTE, right, tag, MPI_COMM_WORLD, &req[1]));
        CHECK_MPI(MPI_Irecv(r, (int) n, MPI_BYTE, left, tag, MPI_COMM_WORLD, &req[0]));
    }
    CHECK_MPI(MPI_Waitall(2, req, st));
    CHECK(req[0] == MPI_REQUEST_NULL && req[1] == MPI_REQUEST_NULL,
          "MPI_Waitall did not set the requests to MPI_REQUEST_NULL");
    recv_check(r, n, &st[0], left, tag, (unsigned) (left * 31 + tag), "nonblocking ring");
    free(s);
    free(r);
}

/* Everyone in MPI_Sendrecv at once: to the right and from the left (a ring shift), then with
 * the partner in both directions. Large messages must not deadlock. */
static void sendrecv_both_ways(size_t n, int tag)
{
    unsigned char *s = xmalloc(n + 1), *r = xmalloc(n + GUARD);
    MPI_Status st;

    check_fill(s, n, (unsigned) (rank * 131 + tag));
    memset(r, CHECK_GUARD_BYTE, n + GUARD);
    CHECK_MPI(MPI_Sendrecv(s, (int) n, MPI_BYTE, right, tag, r, (int) n, MPI_BYTE, left, tag,
                           MPI_COMM_WORLD, &st));
    recv_check(r, n, &st, left, tag, (unsigned) (left * 131 + tag), "Sendrecv ring shift");

    memset(r, CHECK_GUARD_BYTE, n + GUARD);
    CHECK_MPI(MPI_Sendrecv(s, (int) n, MPI_BYTE, partner, tag + 1, r, (int) n, MPI_BYTE, partner,
                           tag + 1, MPI_COMM_WORLD, &st));
    recv_check(r, n, &st, partner, tag + 1, (unsigned) (partner * 131 + tag), "Sendrecv exchange");
    free(s);
    free(r);
}

/* 1000 receives outstanding at once, posted before or after the 1000 sends; sizes cycle
 * through small, eager-limit and rendezvous ones. */
#define NOUT 1000
static void many_outstanding(int recv_first)
{
    static const size_t cyc[] = {0, 1, 100, 8191, 8192, 8193, 20000, 64, 70000};
    const int ncyc = (int) (sizeof(cyc) / sizeof(cyc[0]));
    MPI_Request *req = malloc(2 * NOUT * sizeof(*req));
    MPI_Status *st = malloc(2 * NOUT * sizeof(*st));
    unsigned char **s = malloc(NOUT * sizeof(*s)), **r = malloc(NOUT * sizeof(*r));

    CHECK(req != NULL && st != NULL && s != NULL && r != NULL, "out of memory");
    for (int i = 0; i < NOUT; i++) {
        size_t n = cyc[i % ncyc];
        s[i] = xmalloc(n + 1);
        r[i] = xmalloc(n + GUARD);
        check_fill(s[i], n, (unsigned) (rank * 100003 + i));
        memset(r[i], CHECK_GUARD_BYTE, n + GUARD);
    }
    for (int pass = 0; pass < 2; pass++) {
        if ((pass == 0) == (recv_first != 0)) {
            for (int i = 0; i < NOUT; i++) {
                CHECK_MPI(MPI_Irecv(r[i], (int) cyc[i % ncyc], MPI_BYTE, left, 1000 + i,
                                    MPI_COMM_WORLD, &req[i]));
            }
        } else {
            /* sends in reverse tag order: every receive matches by tag, not by arrival */
            for (int i = NOUT - 1; i >= 0; i--) {
                CHECK_MPI(MPI_Isend(s[i], (int) cyc[i % ncyc], MPI_BYTE, right, 1000 + i,
                                    MPI_COMM_WORLD, &req[NOUT + i]));
            }
        }
    }
    CHECK_MPI(MPI_Waitall(2 * NOUT, req, st));
    for (int i = 0; i < NOUT; i++) {
        recv_check(r[i], cyc[i % ncyc], &st[i], left, 1000 + i, (unsigned) (left * 100003 + i),
                   recv_first ? "1000 outstanding, receives "
                                "first"
                              : "1000 outstanding, sends first");
        free(s[i]);
        free(r[i]);
    }
    free(s);
    free(r);
    free(req);
    free(st);
}

/* Completion by MPI_Test alone: nothing else drives progress. */
static void test_polling(size_t n, int tag)
{
    unsigned char *s = xmalloc(n + 1), *r = xmalloc(n + GUARD);
    MPI_Request rreq, sreq;
    MPI_Status st, sst;
    int rdone = 0, sdone = 0;
    long polls = 0;
    double t0 = MPI_Wtime();

    check_fill(s, n, (unsigned) (rank * 17 + tag));
    memset(r, CHECK_GUARD_BYTE, n + GUARD);
    CHECK_MPI(MPI_Irecv(r, (int) n, MPI_BYTE, left, tag, MPI_COMM_WORLD, &rreq));
    CHECK_MPI(MPI_Isend(s, (int) n, MPI_BYTE, right, tag, MPI_COMM_WORLD, &sreq));
    while (!rdone || !sdone) {
        if (!rdone) {
            CHECK_MPI(MPI_Test(&rreq, &rdone, &st));
        }
        if (!sdone) {
            CHECK_MPI(MPI_Test(&sreq, &sdone, &sst));
        }
        polls++;
        CHECK(polls % 1024 != 0 || MPI_Wtime() - t0 < 60.0,
              "MPI_Test loop on %zu bytes: no "
              "completion after 60 s and %ld polls (receive %s, send %s)",
              n, polls, rdone ? "done" : "pending", sdone ? "done" : "pending");
    }
    CHECK(rreq == MPI_REQUEST_NULL && sreq == MPI_REQUEST_NULL,
          "MPI_Test did not set completed requests to MPI_REQUEST_NULL");
    recv_check(r, n, &st, left, tag, (unsigned) (left * 17 + tag), "MPI_Test polling");
    /* A test on a null request: flag true, empty status. */
    CHECK_MPI(MPI_Test(&rreq, &rdone, &st));
    CHECK(rdone, "MPI_Test on MPI_REQUEST_NULL gives flag 0");
    free(s);
    free(r);
}

int main(int argc, char **argv)
{
    int tag = 0;

    MPI_Init(&argc, &argv);
    check_init("p2p_sizes");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    left = (rank + np - 1) % np;
    right = (rank + 1) % np;
    partner = (rank ^ 1) < np ? rank ^ 1 : rank;
    make_sizes();

    for (int i = 0; i < nsizes; i++) {
        pingpong(sizes[i], tag++);
        ring_nonblocking(sizes[i], tag++, i % 2);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    for (int i = 0; i < nsizes; i++) {
        if (sizes[i] >= 4096 || sizes[i] == 0) {
            sendrecv_both_ways(sizes[i], tag);
            tag += 2;
        }
    }
    MPI_Barrier(MPI_COMM_WORLD);
    many_outstanding(1);
    MPI_Barrier(MPI_COMM_WORLD);
    many_outstanding(0);
    MPI_Barrier(MPI_COMM_WORLD);
    for (int i = 0; i < nsizes; i++) {
        if (sizes[i] % 2 == 1 || sizes[i] >= 65536) {
            test_polling(sizes[i], tag++);
        }
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}

/* p2p_exchange: two ranks exchange messages both ways at once. 64 MiB each way with
 * MPI_Sendrecv, and with MPI_Isend + MPI_Irecv + MPI_Waitall (posting the send first and the
 * receive first): both must complete whatever the protocol. Then blocking MPI_Send in both
 * directions followed by MPI_Recv, with small messages only.
 *
 * Send-then-receive on both sides is an unsafe program: the standard lets MPI_Send wait for the
 * matching receive, and then both ranks wait for ever. It completes only because small messages
 * are buffered (eager), so only sizes far below every eager limit the tests use (256 bytes and
 * up) are tried, and never the 64 MiB case: a large blocking exchange would deadlock in Kurir
 * (rendezvous) as the standard allows, and that is not a bug.
 *
 * Ranks pair up (0-1, 2-3, ...); an odd last rank, and rank 0 at np 1, exchange with
 * themselves. Data is checked in full (word by word; the first wrong byte is named). */
#include "check.h"

#include <stdbool.h>

#define BIG ((size_t) 64 << 20)
#define ROUNDS 200

static int rank, np, partner;

/* A pattern that differs for every (seed, 8-byte word); fast enough for 64 MiB. */
static uint64_t word_pat(unsigned seed, size_t i)
{
    uint64_t x =
        ((uint64_t) i + 1) * 0x9e3779b97f4a7c15ULL ^ (uint64_t) seed * 0xc2b2ae3d27d4eb4fULL;

    return x ^ (x >> 29);
}

static void fill_big(unsigned char *buf, size_t len, unsigned seed)
{
    uint64_t *w = (uint64_t *) (void *) buf;

    for (size_t i = 0; i < len / 8; i++) {
        w[i] = word_pat(seed, i);
    }
}

#define CHECK_BIG(buf, len, seed, ...)                                                             \
    check_big(__FILE__, __LINE__, (buf), (len), (seed), __VA_ARGS__)
static void check_big(const char *file, int line, const unsigned char *buf, size_t len,
                      unsigned seed, const char *what)
{
    const uint64_t *w = (const uint64_t *) (const void *) buf;
    size_t nbad = 0, first = 0;

    for (size_t i = 0; i < len / 8; i++) {
        if (w[i] != word_pat(seed, i)) {
            if (nbad == 0) {
                first = i;
            }
            nbad++;
        }
    }
    if (nbad > 0) {
        uint64_t want = word_pat(seed, first);
        size_t b = 0;

        while (b < 8 && memcmp(buf + 8 * first + b, (const unsigned char *) &want + b, 1) == 0) {
            b++;
        }
        check_fail(file, line,
                   "%s: %zu of %zu 8-byte words wrong, first wrong byte at offset "
                   "%zu: got 0x%02x, want 0x%02x",
                   what, nbad, len / 8, 8 * first + b, buf[8 * first + b],
                   ((const unsigned char *) &want)[b]);
    }
}

static unsigned seed_of(int method, int from)
{
    return (unsigned) method * 1000u + (unsigned) from;
}

static void exchange_big(unsigned char *out, unsigned char *in)
{
    static const char *const names[] = {"MPI_Sendrecv", "MPI_Isend + MPI_Irecv + MPI_Waitall",
                                        "MPI_Irecv + MPI_Isend + MPI_Waitall"};

    for (int method = 0; method < 3; method++) {
        MPI_Request reqs[2];
        MPI_Status sts[2];
        int cnt = -1;

        fill_big(out, BIG, seed_of(method, rank));
        memset(in, 0, BIG);
        switch (method) {
        case 0:
            CHECK_MPI(MPI_Sendrecv(out, (int) BIG, MPI_BYTE, partner, 1, in, (int) BIG, MPI_BYTE,
                                   partner, 1, MPI_COMM_WORLD, &sts[1]));
            break;
        case 1:
            CHECK_MPI(MPI_Isend(out, (int) BIG, MPI_BYTE, partner, 2, MPI_COMM_WORLD, &reqs[0]));
            CHECK_MPI(MPI_Irecv(in, (int) BIG, MPI_BYTE, partner, 2, MPI_COMM_WORLD, &reqs[1]));
            CHECK_MPI(MPI_Waitall(2, reqs, sts));
            break;
        default:
            CHECK_MPI(MPI_Irecv(in, (int) BIG, MPI_BYTE, partner, 3, MPI_COMM_WORLD, &reqs[1]));
            CHECK_MPI(MPI_Isend(out, (int) BIG, MPI_BYTE, partner, 3, MPI_COMM_WORLD, &reqs[0]));
            CHECK_MPI(MPI_Waitall(2, reqs, sts));
            break;
        }
        CHECK_MPI(MPI_Get_count(&sts[1], MPI_BYTE, &cnt));
        CHECK(sts[1].MPI_SOURCE == partner && cnt == (int) BIG,
              "%s: source %d count %d, want %d %zu", names[method], sts[1].MPI_SOURCE, cnt, partner,
              BIG);
        CHECK_BIG(in, BIG, seed_of(method, partner), names[method]);
    }
}

/* Unsafe but small: both sides MPI_Send, then MPI_Recv. */
static void exchange_small_blocking(void)
{
    static const int sizes[] = {0, 1, 8, 100, 200};

    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        unsigned char out[256], in[256 + 16];

        for (int r = 0; r < ROUNDS; r++) {
            const unsigned seed = (unsigned) (k * ROUNDS + (size_t) r);
            MPI_Status st;
            int cnt = -1;

            check_fill(out, (size_t) sizes[k], seed_of(4, rank) + seed);
            memset(in, CHECK_GUARD_BYTE, sizeof(in));
            CHECK_MPI(MPI_Send(out, sizes[k], MPI_BYTE, partner, 4, MPI_COMM_WORLD));
            CHECK_MPI(MPI_Recv(in, sizes[k], MPI_BYTE, partner, 4, MPI_COMM_WORLD, &st));
            CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &cnt));
            CHECK(st.MPI_SOURCE == partner && cnt == sizes[k],
                  "blocking exchange of %d bytes, round %d: source %d count %d", sizes[k], r,
                  st.MPI_SOURCE, cnt);
            CHECK_PATTERN(in, (size_t) sizes[k], seed_of(4, partner) + seed,
                          "blocking exchange of %d bytes, round %d", sizes[k], r);
            CHECK_GUARD(in + sizes[k], 16, "blocking exchange of %d bytes", sizes[k]);
        }
    }
}

int main(int argc, char **argv)
{
    unsigned char *out, *in;

    MPI_Init(&argc, &argv);
    check_init("p2p_exchange");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    partner = (rank ^ 1) < np ? rank ^ 1 : rank;

    out = malloc(BIG);
    in = malloc(BIG);
    CHECK(out != NULL && in != NULL, "out of memory (2 x %zu bytes)", BIG);
    exchange_big(out, in);
    free(out);
    free(in);
    exchange_small_blocking();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    MPI_Finalize();
    return 0;
}

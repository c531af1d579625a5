/* p2p_large: large messages between rank pairs, aimed at rendezvous protocols (ofi's fi_read
 * and tagged-chunk paths, shm and tcp alike): every size from 1 B to 16 MiB by powers of two
 * and one byte either side, from and into buffers at odd offsets (unaligned), every byte checked
 * and the bytes after the message untouched; MPI_ERR_TRUNCATE for a large message into a
 * smaller buffer with the prefix delivered; 32 large Isend/Irecv outstanding at once in both
 * directions; and a large message matched by an MPI_ANY_SOURCE receive (rank 0 takes one from
 * every other rank, by any source, and the statuses name each sender once). */
#include "check.h"

#define GUARD 32
#define MAXLOG 24               /* 16 MiB */
#define NOUT 32
#define OUTSIZE ((1 << 20) + 17)

static int rank, np;

/* `n` bytes at an odd offset `off` of a fresh buffer with guard bytes behind. */
static unsigned char *buf_at(size_t n, size_t off, unsigned char **base_out)
{
    unsigned char *base = malloc(n + off + GUARD);

    CHECK(base != NULL, "out of memory for %zu bytes", n);
    memset(base, CHECK_GUARD_BYTE, n + off + GUARD);
    *base_out = base;
    return base + off;
}

/* Ranks pair up (0-1, 2-3, ...); a rank without partner sits out this part. */
static void sizes_unaligned(void)
{
    int partner = rank ^ 1;

    if (partner >= np) {
        return;
    }
    for (int lg = 0; lg <= MAXLOG; lg++) {
        for (int d = -1; d <= 1; d++) {
            size_t n = ((size_t) 1 << lg) + (size_t) d;
            size_t soff = (size_t) (lg % 7) + 1, roff = (size_t) ((lg + 3) % 5) + 1;
            unsigned char *sb, *rb, *s = buf_at(n, soff, &sb), *r = buf_at(n, roff, &rb);
            int tag = lg * 3 + d + 1, cnt;
            MPI_Request req;
            MPI_Status st;

            if (n == 0) {
                free(sb);
                free(rb);
                continue;
            }
            check_fill(s, n, check_seed(tag, rank));
            CHECK_MPI(MPI_Irecv(r, (int) n, MPI_BYTE, partner, tag, MPI_COMM_WORLD, &req));
            CHECK_MPI(MPI_Send(s, (int) n, MPI_BYTE, partner, tag, MPI_COMM_WORLD));
            CHECK_MPI(MPI_Wait(&req, &st));
            CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &cnt));
            CHECK(st.MPI_SOURCE == partner && st.MPI_TAG == tag && cnt == (int) n,
                  "%zu bytes: status source %d tag %d count %d", n, st.MPI_SOURCE, st.MPI_TAG,
                  cnt);
            CHECK_PATTERN(r, n, check_seed(tag, partner), "%zu bytes (offsets %zu/%zu)", n, soff,
                          roff);
            CHECK_GUARD(r + n, GUARD, "%zu bytes", n);
            free(sb);
            free(rb);
        }
    }
}

/* A 6 MiB + 5 message into 2 MiB + 3 bytes: MPI_ERR_TRUNCATE, the prefix arrives, nothing
 * past the buffer is written, the send completes normally. */
static void truncation(void)
{
    const size_t msg = (6 << 20) + 5, room = (2 << 20) + 3;
    int partner = rank ^ 1, ret;
    unsigned char *sb, *rb, *s, *r;
    MPI_Status st;

    if (partner >= np) {
        return;
    }
    s = buf_at(msg, 1, &sb);
    r = buf_at(room, 3, &rb);
    check_fill(s, msg, check_seed(999, rank));
    if (rank < partner) {
        CHECK_MPI(MPI_Send(s, (int) msg, MPI_BYTE, partner, 999, MPI_COMM_WORLD));
    } else {
        ret = MPI_Recv(r, (int) room, MPI_BYTE, partner, 999, MPI_COMM_WORLD, &st);
        CHECK(check_errclass(ret) == MPI_ERR_TRUNCATE,
              "a %zu-byte message into %zu bytes: error class %d, want MPI_ERR_TRUNCATE", msg,
              room, check_errclass(ret));
        CHECK_PATTERN(r, room, check_seed(999, partner), "truncated receive");
        CHECK_GUARD(r + room, GUARD, "truncated receive");
    }
    free(sb);
    free(rb);
}

/* NOUT large receives and NOUT large sends outstanding between partners at once, receives
 * posted in reverse tag order so matching goes by tag. */
static void many_outstanding(void)
{
    int partner = rank ^ 1;
    MPI_Request req[2 * NOUT];
    unsigned char *s[NOUT], *r[NOUT];

    if (partner >= np) {
        return;
    }
    for (int i = 0; i < NOUT; i++) {
        s[i] = malloc(OUTSIZE);
        r[i] = malloc(OUTSIZE + GUARD);
        CHECK(s[i] != NULL && r[i] != NULL, "out of memory");
        check_fill(s[i], OUTSIZE, check_seed(2000 + i, rank));
        memset(r[i], CHECK_GUARD_BYTE, OUTSIZE + GUARD);
    }
    for (int i = NOUT - 1; i >= 0; i--) {
        CHECK_MPI(MPI_Irecv(r[i], OUTSIZE, MPI_BYTE, partner, 2000 + i, MPI_COMM_WORLD, &req[i]));
    }
    for (int i = 0; i < NOUT; i++) {
        CHECK_MPI(MPI_Isend(s[i], OUTSIZE, MPI_BYTE, partner, 2000 + i, MPI_COMM_WORLD,
                            &req[NOUT + i]));
    }
    CHECK_MPI(MPI_Waitall(2 * NOUT, req, MPI_STATUSES_IGNORE));
    for (int i = 0; i < NOUT; i++) {
        CHECK_PATTERN(r[i], OUTSIZE, check_seed(2000 + i, partner), "outstanding receive %d", i);
        CHECK_GUARD(r[i] + OUTSIZE, GUARD, "outstanding receive %d", i);
        free(s[i]);
        free(r[i]);
    }
}

/* Every other rank sends rank 0 a 3 MiB + rank message; rank 0 receives them by ANY_SOURCE
 * into buffers big enough for any, and checks each by the sender its status names. */
static void any_source(void)
{
    const size_t base = 3 << 20;
    unsigned char *b, *p;

    if (rank != 0) {
        p = buf_at(base + (size_t) rank, 1, &b);
        check_fill(p, base + (size_t) rank, check_seed(3000, rank));
        CHECK_MPI(MPI_Send(p, (int) (base + (size_t) rank), MPI_BYTE, 0, 3000, MPI_COMM_WORLD));
        free(b);
        return;
    }
    {
        int seen[64] = {0};

        CHECK(np <= 64, "at most 64 ranks");
        for (int k = 1; k < np; k++) {
            MPI_Status st;
            int cnt;

            p = buf_at(base + (size_t) np, 5, &b);
            CHECK_MPI(MPI_Recv(p, (int) (base + (size_t) np), MPI_BYTE, MPI_ANY_SOURCE, 3000,
                               MPI_COMM_WORLD, &st));
            CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &cnt));
            CHECK(st.MPI_SOURCE > 0 && st.MPI_SOURCE < np && !seen[st.MPI_SOURCE]
                      && cnt == (int) (base + (size_t) st.MPI_SOURCE),
                  "ANY_SOURCE receive: source %d count %d", st.MPI_SOURCE, cnt);
            seen[st.MPI_SOURCE] = 1;
            CHECK_PATTERN(p, (size_t) cnt, check_seed(3000, st.MPI_SOURCE),
                          "ANY_SOURCE message from rank %d", st.MPI_SOURCE);
            CHECK_GUARD(p + cnt, GUARD, "ANY_SOURCE message from rank %d", st.MPI_SOURCE);
            free(b);
        }
    }
}

int main(int argc, char **argv)
{
    CHECK_MPI(MPI_Init(&argc, &argv));
    check_init("p2p_large");
    CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &np));
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    sizes_unaligned();
    truncation();
    many_outstanding();
    any_source();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    CHECK_MPI(MPI_Finalize());
    return 0;
}

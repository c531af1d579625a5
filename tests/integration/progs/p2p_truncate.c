/* p2p_truncate: with MPI_ERRORS_RETURN on MPI_COMM_WORLD, a message longer than the receive
 * buffer gives MPI_ERR_TRUNCATE from MPI_Recv and from MPI_Wait after MPI_Irecv, for eager and
 * rendezvous sizes; nothing past the receive buffer is written, the send side completes
 * normally, and the next message between the same ranks still matches and arrives intact. */
#include "check.h"

#define GUARD 64

static int rank, np, left, right;

struct tcase {
    size_t msg;  /* bytes sent */
    size_t room; /* bytes the receive buffer holds */
};

static const struct tcase cases[] = {
    {1, 0},       /* a 1-byte message into a zero-length receive */
    {100, 50},    /* eager into eager */
    {8192, 8191}, /* right at the default eager limit */
    {8193, 8192},
    {65536, 16},       /* rendezvous into a tiny buffer */
    {1 << 20, 100000}, /* rendezvous into a buffer larger than the eager limit */
    {4 << 20, (4 << 20) - 1},
};


/* A short message right after the truncated one, on the next tag: it must be received whole. */
static void follow_up(int tag, const char *what)
{
    int out[3] = {rank, tag, 12345}, in[3] = {-1, -1, -1};
    MPI_Request req;
    MPI_Status st;
    int cnt;

    CHECK_MPI(MPI_Isend(out, 3, MPI_INT, right, tag, MPI_COMM_WORLD, &req));
    CHECK_MPI(MPI_Recv(in, 3, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st));
    CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
    CHECK_MPI(MPI_Get_count(&st, MPI_INT, &cnt));
    CHECK(st.MPI_SOURCE == left && st.MPI_TAG == tag && cnt == 3 && in[0] == left && in[1] == tag
              && in[2] == 12345,
          "after %s: the next message has source %d tag %d count %d (%d,%d,%d), want source "
          "%d tag %d count 3 (%d,%d,12345)",
          what, st.MPI_SOURCE, st.MPI_TAG, cnt, in[0], in[1], in[2], left, tag, left, tag);
}

/* mode 0: Isend, then blocking MPI_Recv truncates. mode 1: Irecv, blocking Send, MPI_Wait on
 * the receive truncates. */
static void truncate_one(const struct tcase *c, int mode, int tag)
{
    unsigned char *s = malloc(c->msg + 1), *r = malloc(c->room + GUARD);
    char what[128];
    MPI_Request req;
    MPI_Status st;
    int ret;

    CHECK(s != NULL && r != NULL, "out of memory");
    snprintf(what, sizeof(what), "%s of a %zu-byte message into %zu bytes",
             mode == 0 ? "MPI_Recv" : "MPI_Irecv+MPI_Wait", c->msg, c->room);
    check_fill(s, c->msg, (unsigned) (rank + tag));
    memset(r, CHECK_GUARD_BYTE, c->room + GUARD);
    if (mode == 0) {
        CHECK_MPI(MPI_Isend(s, (int) c->msg, MPI_BYTE, right, tag, MPI_COMM_WORLD, &req));
        ret = MPI_Recv(r, (int) c->room, MPI_BYTE, left, tag, MPI_COMM_WORLD, &st);
        CHECK(ret != MPI_SUCCESS && check_errclass(ret) == MPI_ERR_TRUNCATE,
              "%s returned %d (class %d, %s), want MPI_ERR_TRUNCATE", what, ret,
              ret != MPI_SUCCESS ? check_errclass(ret) : 0, check_errstr(ret));
        ret = MPI_Wait(&req, MPI_STATUS_IGNORE);
        CHECK(ret == MPI_SUCCESS, "%s: the sender's MPI_Wait returned %d (%s)", what, ret,
              check_errstr(ret));
    } else {
        CHECK_MPI(MPI_Irecv(r, (int) c->room, MPI_BYTE, left, tag, MPI_COMM_WORLD, &req));
        ret = MPI_Send(s, (int) c->msg, MPI_BYTE, right, tag, MPI_COMM_WORLD);
        CHECK(ret == MPI_SUCCESS, "%s: the sender's MPI_Send returned %d (%s)", what, ret,
              check_errstr(ret));
        ret = MPI_Wait(&req, &st);
        CHECK(ret != MPI_SUCCESS && check_errclass(ret) == MPI_ERR_TRUNCATE,
              "%s returned %d (class %d, %s), want MPI_ERR_TRUNCATE", what, ret,
              ret != MPI_SUCCESS ? check_errclass(ret) : 0, check_errstr(ret));
        CHECK(req == MPI_REQUEST_NULL, "%s: the failed request was not freed", what);
    }
    CHECK_GUARD(r + c->room, GUARD, "%s", what);
    free(s);
    free(r);
    follow_up(tag + 1, what);
}

int main(int argc, char **argv)
{
    int tag = 10;

    MPI_Init(&argc, &argv);
    check_init("p2p_truncate");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    left = (rank + np - 1) % np;
    right = (rank + 1) % np;
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));

    for (int rep = 0; rep < 2; rep++) {
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            for (int mode = 0; mode < 2; mode++) {
                truncate_one(&cases[i], mode, tag);
                tag += 2;
            }
        }
    }
    /* Everyone still works together afterwards. */
    {
        int one = 1, sum = 0;

        CHECK_MPI(MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD));
        CHECK(sum == np, "MPI_Allreduce after the truncations gives %d, want %d", sum, np);
    }
    MPI_Finalize();
    return 0;
}

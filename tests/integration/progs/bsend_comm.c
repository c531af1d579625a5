/* bsend_comm: MPI 4.1's buffers per communicator. MPI_Comm_attach_buffer gives buffered sends
 * on that communicator their own buffer, used before the process's (a large message fits on
 * it and not on MPI_COMM_WORLD, whose buffer is small); a message held in it keeps
 * MPI_Comm_iflush_buffer's request incomplete and the buffer full until the receiver takes it
 * (the receiver waits for our go, so this is deterministic); MPI_Comm_flush_buffer,
 * MPI_Buffer_flush / MPI_Buffer_iflush; detach hands back address and size; MPI_Comm_free
 * detaches implicitly after the message has left; and the error classes of misuse under
 * MPI_ERRORS_RETURN. */
#include "check.h"

#define LARGE (300 * 1000) /* above every eager limit: the send waits for the receive */
#define GO 7

static int rank, np, left, right;

static void check_class(int ret, int cls, const char *what)
{
    CHECK(ret != MPI_SUCCESS && check_errclass(ret) == cls, "%s: got %s", what,
          ret == MPI_SUCCESS ? "MPI_SUCCESS" : check_errstr(ret));
}

/* Tell the right neighbour it may receive now, and wait for the left one's word. */
static void go(void)
{
    int dummy = 0;

    CHECK_MPI(MPI_Sendrecv(&dummy, 1, MPI_INT, right, GO, &dummy, 1, MPI_INT, left, GO,
                           MPI_COMM_WORLD, MPI_STATUS_IGNORE));
}

int main(int argc, char **argv)
{
    int size = LARGE + MPI_BSEND_OVERHEAD, small = 64 + MPI_BSEND_OVERHEAD, flag, isize;
    unsigned char *big, *in, *cbuf, *pbuf;
    void *addr;
    MPI_Count csize;
    MPI_Request r;
    MPI_Comm c, c2;

    CHECK_MPI(MPI_Init(&argc, &argv));
    check_init("bsend_comm");
    CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &np));
    left = (rank + np - 1) % np;
    right = (rank + 1) % np;
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &c));
    big = check_alloc(LARGE);
    in = check_alloc(LARGE);
    cbuf = malloc((size_t) size);
    pbuf = malloc((size_t) small);
    CHECK(cbuf != NULL && pbuf != NULL, "out of memory");
    check_fill(big, LARGE, check_seed(1, rank));

    /* nothing attached anywhere yet */
    check_class(MPI_Bsend(big, 8, MPI_BYTE, right, 1, c), MPI_ERR_BUFFER, "Bsend, no buffer");
    CHECK_MPI(MPI_Comm_detach_buffer(c, &addr, &isize));
    CHECK(addr == NULL && isize == 0, "detach with none attached: %p %d", addr, isize);
    CHECK_MPI(MPI_Comm_flush_buffer(c));
    CHECK_MPI(MPI_Buffer_iflush(&r));
    CHECK_MPI(MPI_Test(&r, &flag, MPI_STATUS_IGNORE));
    CHECK(flag && r == MPI_REQUEST_NULL, "Buffer_iflush with nothing buffered is not done");

    /* the communicator's buffer first; the process's (too small) for MPI_COMM_WORLD */
    CHECK_MPI(MPI_Buffer_attach(pbuf, small));
    CHECK_MPI(MPI_Comm_attach_buffer(c, cbuf, size));
    check_class(MPI_Comm_attach_buffer(c, cbuf, size), MPI_ERR_BUFFER, "second attach");
    check_class(MPI_Comm_attach_buffer(MPI_COMM_NULL, cbuf, size), MPI_ERR_COMM,
                "attach to MPI_COMM_NULL");
    CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &c2));
    check_class(MPI_Comm_attach_buffer(c2, cbuf, -1), MPI_ERR_COUNT, "attach size -1");
    check_class(MPI_Bsend(big, LARGE, MPI_BYTE, right, 1, MPI_COMM_WORLD), MPI_ERR_BUFFER,
                "large Bsend on MPI_COMM_WORLD (small process buffer)");
    CHECK_MPI(MPI_Bsend(big, LARGE, MPI_BYTE, right, 1, c));

    /* held until the right neighbour receives, which it does only after go() */
    CHECK_MPI(MPI_Comm_iflush_buffer(c, &r));
    CHECK_MPI(MPI_Test(&r, &flag, MPI_STATUS_IGNORE));
    CHECK(!flag, "Comm_iflush_buffer done while the message waits for its receive");
    check_class(MPI_Bsend(big, 8, MPI_BYTE, right, 2, c), MPI_ERR_BUFFER,
                "Bsend while the communicator's buffer is full");
    CHECK_MPI(MPI_Buffer_flush()); /* the process's buffer has nothing in flight */
    go();
    CHECK_MPI(MPI_Recv(in, LARGE, MPI_BYTE, left, 1, c, MPI_STATUS_IGNORE));
    CHECK_PATTERN(in, LARGE, check_seed(1, left), "message buffered on the communicator");
    CHECK_MPI(MPI_Wait(&r, MPI_STATUS_IGNORE));
    CHECK(r == MPI_REQUEST_NULL, "Wait left the iflush request");
    CHECK_MPI(MPI_Comm_flush_buffer(c));

    /* the space is back: the next message fits again */
    CHECK_MPI(MPI_Bsend(big, 8, MPI_BYTE, right, 3, c));
    CHECK_MPI(MPI_Recv(in, 8, MPI_BYTE, left, 3, c, MPI_STATUS_IGNORE));
    CHECK_MPI(MPI_Comm_detach_buffer_c(c, &addr, &csize));
    CHECK(addr == cbuf && csize == size, "detach gave %p %lld, want %p %d", addr,
          (long long) csize, (void *) cbuf, size);
    CHECK_MPI(MPI_Buffer_detach(&addr, &isize));
    CHECK(addr == pbuf && isize == small, "process detach gave %p %d", addr, isize);

    /* MPI_Comm_free detaches implicitly, once the buffered message has left */
    CHECK_MPI(MPI_Comm_attach_buffer_c(c2, cbuf, size));
    CHECK_MPI(MPI_Irecv(in, LARGE, MPI_BYTE, left, 4, c2, &r));
    CHECK_MPI(MPI_Bsend(big, LARGE, MPI_BYTE, right, 4, c2));
    CHECK_MPI(MPI_Wait(&r, MPI_STATUS_IGNORE));
    CHECK_MPI(MPI_Comm_free(&c2));
    CHECK_PATTERN(in, LARGE, check_seed(1, left), "message buffered on a freed communicator");
    memset(cbuf, 0, (size_t) size); /* ours again */

    /* MPI_Finalize detaches MPI_COMM_WORLD's */
    CHECK_MPI(MPI_Comm_attach_buffer(MPI_COMM_WORLD, cbuf, size));
    CHECK_MPI(MPI_Comm_free(&c));
    CHECK_MPI(MPI_Finalize());
    free(big);
    free(in);
    free(cbuf);
    free(pbuf);
    return 0;
}

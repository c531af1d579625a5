/* One-sided error classes through a window's error handler (MPI_ERRORS_RETURN and a user
 * handler); with argument "fatal", a put outside any epoch under the default handler, which
 * must end the job with MPI_ERR_RMA_SYNC. */
#include "check.h"

static int handler_calls, handler_code;
static MPI_Win handler_win;

static void on_error(MPI_Win *win, int *code, ...)
{
    handler_calls++;
    handler_code = *code;
    handler_win = *win;
}

static int class_of(int code)
{
    int cls;

    MPI_Error_class(code, &cls);
    return cls;
}

#define EXPECT(call, cls)                                                                          \
    do {                                                                                           \
        int got_ = class_of(call);                                                                 \
        CHECK(got_ == (cls), "%s gave class %d, not %s (%d)", #call, got_, #cls, (cls));           \
    } while (0)

static void my_op(void *in, void *inout, int *len, MPI_Datatype *dt)
{
    (void) in, (void) inout, (void) len, (void) dt;
}

int main(int argc, char **argv)
{
    int rank, size, buf[8] = { 0 }, *mem, flag;
    MPI_Errhandler eh;
    MPI_Win win, dwin;
    MPI_Group g;
    MPI_Op op;
    void *v;

    MPI_Init(&argc, &argv);
    check_init("rma_errors");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECK_MPI(MPI_Win_allocate(8 * sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &mem,
                               &win));
    if (argc > 1 && strcmp(argv[1], "fatal") == 0) {
        MPI_Put(buf, 1, MPI_INT, size - 1, 0, 1, MPI_INT, win);
        CHECK(0, "a put outside any epoch returned under MPI_ERRORS_ARE_FATAL");
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    CHECK_MPI(MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN));

    EXPECT(MPI_Put(buf, 1, MPI_INT, 0, 0, 1, MPI_INT, win), MPI_ERR_RMA_SYNC);
    EXPECT(MPI_Win_unlock(0, win), MPI_ERR_RMA_SYNC);
    EXPECT(MPI_Win_unlock_all(win), MPI_ERR_RMA_SYNC);
    EXPECT(MPI_Win_flush(0, win), MPI_ERR_RMA_SYNC);
    EXPECT(MPI_Win_complete(win), MPI_ERR_RMA_SYNC);
    EXPECT(MPI_Win_wait(win), MPI_ERR_RMA_SYNC);
    EXPECT(MPI_Win_lock(12345, 0, 0, win), MPI_ERR_LOCKTYPE);
    EXPECT(MPI_Win_fence(1 << 20, win), MPI_ERR_ASSERT);
    EXPECT(MPI_Win_lock(MPI_LOCK_SHARED, size, 0, win), MPI_ERR_RANK);
    EXPECT(MPI_Win_get_attr(win, 12345, &v, &flag), MPI_ERR_KEYVAL);
    EXPECT(MPI_Win_attach(win, buf, sizeof(buf)), MPI_ERR_RMA_FLAVOR);
    EXPECT(MPI_Win_shared_query(win, 0, &(MPI_Aint) { 0 }, &flag, &v), MPI_ERR_RMA_FLAVOR);
    EXPECT(MPI_Put(buf, 1, MPI_INT, 0, 0, 1, MPI_INT, MPI_WIN_NULL), MPI_ERR_WIN);
    EXPECT(MPI_Win_create(buf, sizeof(buf), 0, MPI_INFO_NULL, MPI_COMM_WORLD, &dwin),
           MPI_ERR_DISP);
    EXPECT(MPI_Win_create(buf, -1, 1, MPI_INFO_NULL, MPI_COMM_WORLD, &dwin), MPI_ERR_SIZE);

    CHECK_MPI(MPI_Win_lock_all(0, win));
    EXPECT(MPI_Put(buf, 1, MPI_INT, size, 0, 1, MPI_INT, win), MPI_ERR_RANK);
    EXPECT(MPI_Put(buf, 1, MPI_INT, 0, -1, 1, MPI_INT, win), MPI_ERR_DISP);
    EXPECT(MPI_Put(buf, 2, MPI_INT, 0, 7, 2, MPI_INT, win), MPI_ERR_RMA_RANGE);
    EXPECT(MPI_Get(buf, 9, MPI_INT, 0, 0, 9, MPI_INT, win), MPI_ERR_RMA_RANGE);
    EXPECT(MPI_Put(buf, 2, MPI_INT, 0, 0, 1, MPI_INT, win), MPI_ERR_TYPE);
    EXPECT(MPI_Put(buf, 1, MPI_DATATYPE_NULL, 0, 0, 1, MPI_INT, win), MPI_ERR_TYPE);
    EXPECT(MPI_Put(buf, -1, MPI_INT, 0, 0, 1, MPI_INT, win), MPI_ERR_COUNT);
    MPI_Op_create(my_op, 1, &op);
    EXPECT(MPI_Accumulate(buf, 1, MPI_INT, 0, 0, 1, MPI_INT, op, win), MPI_ERR_OP);
    EXPECT(MPI_Accumulate(buf, 1, MPI_FLOAT, 0, 0, 1, MPI_FLOAT, MPI_BAND, win), MPI_ERR_OP);
    MPI_Op_free(&op);
    EXPECT(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win), MPI_ERR_RMA_SYNC);
    EXPECT(MPI_Win_fence(0, win), MPI_ERR_RMA_SYNC);
    EXPECT(MPI_Win_free(&win), MPI_ERR_RMA_SYNC);
    /* MPI_PROC_NULL is a valid target that does nothing */
    CHECK_MPI(MPI_Put(buf, 1, MPI_INT, MPI_PROC_NULL, 0, 1, MPI_INT, win));
    CHECK_MPI(MPI_Win_unlock_all(win));

    /* a user handler sees the window and the code */
    CHECK_MPI(MPI_Win_create_errhandler(on_error, &eh));
    CHECK_MPI(MPI_Win_set_errhandler(win, eh));
    CHECK_MPI(MPI_Errhandler_free(&eh));
    MPI_Put(buf, 1, MPI_INT, 0, 0, 1, MPI_INT, win);
    CHECK(handler_calls == 1 && class_of(handler_code) == MPI_ERR_RMA_SYNC && handler_win == win,
          "user handler: %d calls, code %d", handler_calls, handler_code);
    CHECK_MPI(MPI_Win_call_errhandler(win, MPI_ERR_OTHER));
    CHECK(handler_calls == 2 && handler_code == MPI_ERR_OTHER, "call_errhandler: %d calls",
          handler_calls);
    CHECK_MPI(MPI_Win_get_errhandler(win, &eh));
    CHECK_MPI(MPI_Errhandler_free(&eh));
    CHECK_MPI(MPI_Comm_create_errhandler((MPI_Comm_errhandler_function *) (void *) on_error, &eh));
    EXPECT(MPI_Win_set_errhandler(win, eh), MPI_ERR_ERRHANDLER);
    CHECK(handler_calls == 3, "the bad set_errhandler went to the window's handler");
    MPI_Errhandler_free(&eh);

    /* PSCW group errors */
    MPI_Comm_group(MPI_COMM_WORLD, &g);
    CHECK_MPI(MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN));
    EXPECT(MPI_Win_post(MPI_GROUP_NULL, 0, win), MPI_ERR_GROUP);
    MPI_Group_free(&g);

    CHECK_MPI(MPI_Win_create_dynamic(MPI_INFO_NULL, MPI_COMM_WORLD, &dwin));
    CHECK_MPI(MPI_Win_set_errhandler(dwin, MPI_ERRORS_RETURN));
    CHECK_MPI(MPI_Win_attach(dwin, buf, sizeof(buf)));
    EXPECT(MPI_Win_attach(dwin, buf + 1, sizeof(int)), MPI_ERR_RMA_ATTACH);
    EXPECT(MPI_Win_detach(dwin, buf + 2), MPI_ERR_RMA_ATTACH);
    CHECK_MPI(MPI_Win_detach(dwin, buf));
    CHECK_MPI(MPI_Win_free(&dwin));
    CHECK_MPI(MPI_Win_free(&win));
    EXPECT(MPI_Win_free(&win), MPI_ERR_WIN);
    MPI_Finalize();
    return 0;
}

/* errors_return: with MPI_ERRORS_RETURN on MPI_COMM_WORLD, invalid arguments make each call
 * return the right error class (and leave the job working): bad rank, negative count,
 * MPI_DATATYPE_NULL, bad tag, MPI_COMM_NULL, bad root, MPI_OP_NULL or an op the type does not
 * allow, a NULL buffer with count > 0, freeing a predefined communicator. Every class returned
 * has a non-empty MPI_Error_string. */
#include "check.h"

static int rank, np, nchecked;

/* The call's return must be an error of class `want`. */
#define EXPECT(want, call) expect_class(__FILE__, __LINE__, #call, (call), (want), #want)

static void expect_class(const char *file, int line, const char *text, int ret, int want,
                         const char *want_name)
{
    char str[MPI_MAX_ERROR_STRING];
    int cls = -1, len = -1;

    if (ret == MPI_SUCCESS) {
        check_fail(file, line, "%s succeeded, want %s", text, want_name);
    }
    if (MPI_Error_class(ret, &cls) != MPI_SUCCESS) {
        check_fail(file, line, "%s returned %d, which MPI_Error_class rejects", text, ret);
    }
    if (cls != want) {
        check_fail(file, line, "%s returned class %d (%s), want %s (%d)", text, cls,
                   check_errstr(ret), want_name, want);
    }
    memset(str, 0, sizeof(str));
    if (MPI_Error_string(ret, str, &len) != MPI_SUCCESS || len <= 0 || str[0] == '\0'
        || len != (int) strlen(str) || len >= MPI_MAX_ERROR_STRING) {
        check_fail(file, line, "%s: MPI_Error_string(%d) gives length %d, \"%s\"", text, ret, len,
                   str);
    }
    nchecked++;
}

static void pt2pt_errors(MPI_Comm comm)
{
    int buf[4] = {0}, flag;
    MPI_Request req = MPI_REQUEST_NULL;
    MPI_Status st;

    EXPECT(MPI_ERR_RANK, MPI_Send(buf, 1, MPI_INT, np, 0, comm));
    EXPECT(MPI_ERR_RANK, MPI_Send(buf, 1, MPI_INT, np + 1000, 0, comm));
    EXPECT(MPI_ERR_RANK, MPI_Send(buf, 1, MPI_INT, -5, 0, comm));
    EXPECT(MPI_ERR_RANK, MPI_Send(buf, 1, MPI_INT, MPI_ANY_SOURCE, 0, comm));
    EXPECT(MPI_ERR_RANK, MPI_Recv(buf, 1, MPI_INT, np, 0, comm, &st));
    EXPECT(MPI_ERR_RANK, MPI_Isend(buf, 1, MPI_INT, np, 0, comm, &req));
    EXPECT(MPI_ERR_RANK, MPI_Irecv(buf, 1, MPI_INT, -7, 0, comm, &req));
    EXPECT(MPI_ERR_RANK, MPI_Probe(np, 0, comm, &st));
    EXPECT(MPI_ERR_RANK, MPI_Iprobe(np, 0, comm, &flag, &st));
    EXPECT(MPI_ERR_RANK,
           MPI_Sendrecv(buf, 1, MPI_INT, np, 0, buf + 1, 1, MPI_INT, rank, 0, comm, &st));

    EXPECT(MPI_ERR_COUNT, MPI_Send(buf, -1, MPI_INT, rank, 0, comm));
    EXPECT(MPI_ERR_COUNT, MPI_Recv(buf, -1, MPI_INT, rank, 0, comm, &st));
    EXPECT(MPI_ERR_COUNT, MPI_Isend(buf, -3, MPI_INT, rank, 0, comm, &req));
    EXPECT(MPI_ERR_COUNT, MPI_Irecv(buf, -3, MPI_INT, rank, 0, comm, &req));

    EXPECT(MPI_ERR_TYPE, MPI_Send(buf, 1, MPI_DATATYPE_NULL, rank, 0, comm));
    EXPECT(MPI_ERR_TYPE, MPI_Recv(buf, 1, MPI_DATATYPE_NULL, rank, 0, comm, &st));
    EXPECT(MPI_ERR_TYPE, MPI_Irecv(buf, 1, MPI_DATATYPE_NULL, rank, 0, comm, &req));

    EXPECT(MPI_ERR_TAG, MPI_Send(buf, 1, MPI_INT, rank, -1, comm));
    EXPECT(MPI_ERR_TAG, MPI_Send(buf, 1, MPI_INT, rank, MPI_ANY_TAG, comm));
    EXPECT(MPI_ERR_TAG, MPI_Isend(buf, 1, MPI_INT, rank, -100, comm, &req));
    EXPECT(MPI_ERR_TAG, MPI_Recv(buf, 1, MPI_INT, rank, -5, comm, &st));
    EXPECT(MPI_ERR_TAG, MPI_Irecv(buf, 1, MPI_INT, rank, -5, comm, &req));

    EXPECT(MPI_ERR_BUFFER, MPI_Send(NULL, 4, MPI_INT, rank, 0, comm));
    EXPECT(MPI_ERR_BUFFER, MPI_Recv(NULL, 4, MPI_INT, rank, 0, comm, &st));
    EXPECT(MPI_ERR_BUFFER, MPI_Isend(NULL, 1, MPI_INT, rank, 0, comm, &req));
    EXPECT(MPI_ERR_BUFFER, MPI_Irecv(NULL, 1, MPI_INT, rank, 0, comm, &req));

    CHECK(req == MPI_REQUEST_NULL, "a failed MPI_Isend/MPI_Irecv set the request");
}

static void comm_errors(void)
{
    MPI_Comm c = MPI_COMM_WORLD;
    int buf[2] = {0, 0}, size;
    MPI_Status st;

    /* Errors on MPI_COMM_NULL go to MPI_COMM_WORLD's handler. */
    EXPECT(MPI_ERR_COMM, MPI_Send(buf, 1, MPI_INT, 0, 0, MPI_COMM_NULL));
    EXPECT(MPI_ERR_COMM, MPI_Recv(buf, 1, MPI_INT, 0, 0, MPI_COMM_NULL, &st));
    EXPECT(MPI_ERR_COMM, MPI_Comm_size(MPI_COMM_NULL, &size));
    EXPECT(MPI_ERR_COMM, MPI_Barrier(MPI_COMM_NULL));
    EXPECT(MPI_ERR_COMM, MPI_Bcast(buf, 1, MPI_INT, 0, MPI_COMM_NULL));
    EXPECT(MPI_ERR_COMM, MPI_Allreduce(buf, buf + 1, 1, MPI_INT, MPI_SUM, MPI_COMM_NULL));
    EXPECT(MPI_ERR_COMM, MPI_Comm_dup(MPI_COMM_NULL, &c));

    c = MPI_COMM_WORLD;
    EXPECT(MPI_ERR_COMM, MPI_Comm_free(&c));
    CHECK(c == MPI_COMM_WORLD, "a failed MPI_Comm_free changed its argument");
    /* this error belongs to MPI_COMM_SELF's own handler */
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
    c = MPI_COMM_SELF;
    EXPECT(MPI_ERR_COMM, MPI_Comm_free(&c));
    CHECK(c == MPI_COMM_SELF, "a failed MPI_Comm_free changed its argument");
    c = MPI_COMM_NULL;
    EXPECT(MPI_ERR_COMM, MPI_Comm_free(&c));
}

/* Every rank makes the same mistake, so nobody is left waiting in a collective. */
static void coll_errors(MPI_Comm comm)
{
    int in[4] = {1, 1, 1, 1}, out[4];
    double din[2] = {1.0, 2.0}, dout[2];
    float fin[2] = {1.0f, 2.0f}, fout[2];

    EXPECT(MPI_ERR_ROOT, MPI_Bcast(in, 1, MPI_INT, np, comm));
    EXPECT(MPI_ERR_ROOT, MPI_Bcast(in, 1, MPI_INT, -1, comm));
    EXPECT(MPI_ERR_ROOT, MPI_Reduce(in, out, 1, MPI_INT, MPI_SUM, np + 3, comm));
    EXPECT(MPI_ERR_ROOT, MPI_Reduce(in, out, 1, MPI_INT, MPI_SUM, -2, comm));

    EXPECT(MPI_ERR_OP, MPI_Allreduce(in, out, 1, MPI_INT, MPI_OP_NULL, comm));
    EXPECT(MPI_ERR_OP, MPI_Reduce(in, out, 1, MPI_INT, MPI_OP_NULL, 0, comm));
    EXPECT(MPI_ERR_OP, MPI_Allreduce(din, dout, 2, MPI_DOUBLE, MPI_LAND, comm));
    EXPECT(MPI_ERR_OP, MPI_Allreduce(din, dout, 2, MPI_DOUBLE, MPI_BXOR, comm));
    EXPECT(MPI_ERR_OP, MPI_Reduce(fin, fout, 2, MPI_FLOAT, MPI_BAND, 0, comm));
    EXPECT(MPI_ERR_OP, MPI_Allreduce(in, out, 1, MPI_INT, MPI_MAXLOC, comm));

    EXPECT(MPI_ERR_COUNT, MPI_Bcast(in, -1, MPI_INT, 0, comm));
    EXPECT(MPI_ERR_COUNT, MPI_Allreduce(in, out, -1, MPI_INT, MPI_SUM, comm));
    EXPECT(MPI_ERR_TYPE, MPI_Bcast(in, 1, MPI_DATATYPE_NULL, 0, comm));
    EXPECT(MPI_ERR_TYPE, MPI_Allreduce(in, out, 1, MPI_DATATYPE_NULL, MPI_SUM, comm));
    EXPECT(MPI_ERR_BUFFER, MPI_Bcast(NULL, 4, MPI_INT, 0, comm));
    EXPECT(MPI_ERR_BUFFER, MPI_Allreduce(in, NULL, 1, MPI_INT, MPI_SUM, comm));
}

int main(int argc, char **argv)
{
    MPI_Errhandler eh = MPI_ERRHANDLER_NULL;
    MPI_Comm dup;
    int cls = -1, len = 0, sum = 0, one = 1;
    char str[MPI_MAX_ERROR_STRING];

    MPI_Init(&argc, &argv);
    check_init("errors_return");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);

    CHECK_MPI(MPI_Comm_get_errhandler(MPI_COMM_WORLD, &eh));
    CHECK(eh == MPI_ERRORS_ARE_FATAL,
          "MPI_COMM_WORLD starts with handler %p, want "
          "MPI_ERRORS_ARE_FATAL",
          (void *) eh);
    CHECK_MPI(MPI_Errhandler_free(&eh));
    CHECK(eh == MPI_ERRHANDLER_NULL, "MPI_Errhandler_free did not set the handle to null");
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    CHECK_MPI(MPI_Comm_get_errhandler(MPI_COMM_WORLD, &eh));
    CHECK(eh == MPI_ERRORS_RETURN,
          "MPI_Comm_get_errhandler gives %p after setting "
          "MPI_ERRORS_RETURN",
          (void *) eh);
    CHECK_MPI(MPI_Errhandler_free(&eh));

    CHECK_MPI(MPI_Error_class(MPI_SUCCESS, &cls));
    CHECK(cls == MPI_SUCCESS, "MPI_Error_class(MPI_SUCCESS) gives %d", cls);
    CHECK_MPI(MPI_Error_string(MPI_SUCCESS, str, &len));
    CHECK(len > 0 && str[0] != '\0', "MPI_Error_string(MPI_SUCCESS) is empty");

    pt2pt_errors(MPI_COMM_WORLD);
    comm_errors();
    coll_errors(MPI_COMM_WORLD);

    /* A duplicate inherits MPI_ERRORS_RETURN. */
    CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
    CHECK_MPI(MPI_Comm_get_errhandler(dup, &eh));
    CHECK(eh == MPI_ERRORS_RETURN, "MPI_Comm_dup did not copy the error handler (%p)", (void *) eh);
    CHECK_MPI(MPI_Errhandler_free(&eh));
    pt2pt_errors(dup);
    coll_errors(dup);
    CHECK_MPI(MPI_Comm_free(&dup));

    /* Nothing above sent a message or left a collective half done. */
    {
        int flag = 1;
        MPI_Status st;

        CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st));
        CHECK(!flag, "a failed call sent a message: source %d tag %d is waiting", st.MPI_SOURCE,
              st.MPI_TAG);
    }
    CHECK_MPI(MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD));
    CHECK(sum == np, "MPI_Allreduce after the errors gives %d, want %d", sum, np);
    if (rank == 0) {
        printf("errors_return: %d failing calls returned the right class\n", nchecked);
    }
    MPI_Finalize();
    return 0;
}

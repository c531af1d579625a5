/* err_handlers: user error handlers and error codes.
 *  - a handler made by MPI_Comm_create_errhandler is called with the communicator and the code
 *    of a real error (MPI_Send to a rank that does not exist), and the call returns that code;
 *  - MPI_Comm_call_errhandler calls it too, and returns MPI_SUCCESS;
 *  - MPI_Comm_dup and MPI_Comm_split pass the handler on; MPI_Comm_get_errhandler returns it;
 *  - MPI_Errhandler_free while communicators use it keeps it working for them, and a handler
 *    that replaces itself while it runs survives its own call;
 *  - MPI_ERRORS_RETURN returns without calling anything; bad handler handles are
 *    MPI_ERR_ERRHANDLER;
 *  - MPI_Add_error_class/code/string: values above MPI_ERR_LASTCODE, MPI_Error_class and
 *    MPI_Error_string give them back, the same values on every rank that adds them in the same
 *    order, and a code sent to another rank means the same there.
 * With an argument it is expected to fail instead: "abort" ends the job through
 * MPI_ERRORS_ABORT on a bad MPI_Send, "call-fatal" through MPI_Comm_call_errhandler under
 * MPI_ERRORS_ARE_FATAL. */
#include "check.h"

static int rank, np;

/* What the handlers saw. */
static int ncalls;
static MPI_Comm seen_comm;
static int seen_code;

static void record_handler(MPI_Comm *comm, int *code, ...)
{
    ncalls++;
    seen_comm = *comm;
    seen_code = *code;
}

/* Replaces itself with MPI_ERRORS_RETURN: after the program freed its handle, this drops the
 * last reference while the handler runs. */
static void replacing_handler(MPI_Comm *comm, int *code, ...)
{
    ncalls++;
    seen_comm = *comm;
    seen_code = *code;
    CHECK_MPI(MPI_Comm_set_errhandler(*comm, MPI_ERRORS_RETURN));
}

static void expect_call(const char *what, int ret, MPI_Comm comm, int want_class, int before)
{
    int cls = -1;

    CHECK(ncalls == before + 1, "%s: handler called %d times, want 1", what, ncalls - before);
    CHECK(seen_comm == comm, "%s: handler got communicator %p, want %p", what, (void *) seen_comm,
          (void *) comm);
    CHECK_MPI(MPI_Error_class(seen_code, &cls));
    CHECK(cls == want_class, "%s: handler got code %d of class %d, want class %d", what, seen_code,
          cls, want_class);
    CHECK(ret == seen_code, "%s: the call returned %d, the handler saw %d", what, ret, seen_code);
}

static void user_handler(void)
{
    MPI_Errhandler eh, got;
    MPI_Comm dup, dup2, split;
    int x = 1, ret, before;

    CHECK_MPI(MPI_Comm_create_errhandler(record_handler, &eh));
    CHECK(eh != MPI_ERRHANDLER_NULL && eh != MPI_ERRORS_RETURN, "no new handler handle");
    CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
    CHECK_MPI(MPI_Comm_set_errhandler(dup, eh));
    CHECK_MPI(MPI_Comm_get_errhandler(dup, &got));
    CHECK(got == eh, "MPI_Comm_get_errhandler gives %p, want %p", (void *) got, (void *) eh);
    CHECK_MPI(MPI_Errhandler_free(&got));
    CHECK(got == MPI_ERRHANDLER_NULL, "MPI_Errhandler_free left the handle set");

    before = ncalls;
    ret = MPI_Send(&x, 1, MPI_INT, np + 5, 0, dup);
    expect_call("MPI_Send to a bad rank", ret, dup, MPI_ERR_RANK, before);

    before = ncalls;
    ret = MPI_Comm_call_errhandler(dup, MPI_ERR_OTHER);
    CHECK(ret == MPI_SUCCESS, "MPI_Comm_call_errhandler returned %d", ret);
    CHECK(ncalls == before + 1 && seen_code == MPI_ERR_OTHER && seen_comm == dup,
          "MPI_Comm_call_errhandler: %d calls, code %d", ncalls - before, seen_code);

    /* inherited by duplicates and splits; still alive after the program frees its handle */
    CHECK_MPI(MPI_Comm_dup(dup, &dup2));
    CHECK_MPI(MPI_Comm_split(dup, rank % 2, -rank, &split));
    CHECK_MPI(MPI_Errhandler_free(&eh));
    CHECK(eh == MPI_ERRHANDLER_NULL, "MPI_Errhandler_free left the handle set");
    CHECK_MPI(MPI_Comm_get_errhandler(dup2, &got));
    CHECK(got != MPI_ERRHANDLER_NULL && got != MPI_ERRORS_ARE_FATAL,
          "MPI_Comm_dup did not pass the handler on");
    CHECK_MPI(MPI_Errhandler_free(&got));
    before = ncalls;
    ret = MPI_Recv(&x, -1, MPI_INT, 0, 0, dup2, MPI_STATUS_IGNORE);
    expect_call("MPI_Recv with count -1 on a duplicate", ret, dup2, MPI_ERR_COUNT, before);
    before = ncalls;
    ret = MPI_Bcast(&x, 1, MPI_INT, np + 1, split);
    expect_call("MPI_Bcast with a bad root on a split", ret, split, MPI_ERR_ROOT, before);

    CHECK_MPI(MPI_Comm_free(&dup));
    before = ncalls;
    ret = MPI_Send(&x, 1, MPI_DATATYPE_NULL, 0, 0, dup2);
    expect_call("MPI_Send of MPI_DATATYPE_NULL", ret, dup2, MPI_ERR_TYPE, before);
    CHECK_MPI(MPI_Comm_free(&dup2));
    CHECK_MPI(MPI_Comm_free(&split));
}

static void self_replacing_handler(void)
{
    MPI_Errhandler eh, got;
    MPI_Comm dup;
    int x = 0, ret, before;

    CHECK_MPI(MPI_Comm_create_errhandler(replacing_handler, &eh));
    CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
    CHECK_MPI(MPI_Comm_set_errhandler(dup, eh));
    CHECK_MPI(MPI_Errhandler_free(&eh));
    before = ncalls;
    ret = MPI_Send(&x, 1, MPI_INT, 0, -7, dup);
    expect_call("MPI_Send with tag -7", ret, dup, MPI_ERR_TAG, before);
    CHECK_MPI(MPI_Comm_get_errhandler(dup, &got));
    CHECK(got == MPI_ERRORS_RETURN, "the handler did not replace itself");
    before = ncalls;
    ret = MPI_Send(&x, 1, MPI_INT, 0, -7, dup);
    CHECK(ret != MPI_SUCCESS && ncalls == before, "MPI_ERRORS_RETURN called a handler");
    CHECK_MPI(MPI_Comm_free(&dup));
}

/* Errors with no communicator go to MPI_COMM_WORLD's handler, with MPI_COMM_WORLD. */
static void world_handler(void)
{
    MPI_Errhandler eh;
    int size, ret, before;

    CHECK_MPI(MPI_Comm_create_errhandler(record_handler, &eh));
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, eh));
    CHECK_MPI(MPI_Errhandler_free(&eh));
    before = ncalls;
    ret = MPI_Comm_size(MPI_COMM_NULL, &size);
    expect_call("MPI_Comm_size(MPI_COMM_NULL)", ret, MPI_COMM_WORLD, MPI_ERR_COMM, before);
    before = ncalls;
    ret = MPI_Error_class(-5, &size);
    expect_call("MPI_Error_class(-5)", ret, MPI_COMM_WORLD, MPI_ERR_ARG, before);
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
}

static void bad_handlers(void)
{
    MPI_Errhandler eh = MPI_ERRHANDLER_NULL;
    int ret, before = ncalls, x = 0;

    ret = MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRHANDLER_NULL);
    CHECK(ret == MPI_ERR_ERRHANDLER, "setting MPI_ERRHANDLER_NULL gave %d", ret);
    ret = MPI_Errhandler_free(&eh);
    CHECK(ret == MPI_ERR_ERRHANDLER, "freeing MPI_ERRHANDLER_NULL gave %d", ret);
    ret = MPI_Errhandler_free(NULL);
    CHECK(ret == MPI_ERR_ARG, "MPI_Errhandler_free(NULL) gave %d", ret);
    ret = MPI_Comm_create_errhandler(NULL, &eh);
    CHECK(ret == MPI_ERR_ARG, "creating a handler without a function gave %d", ret);
    ret = MPI_Comm_call_errhandler(MPI_COMM_NULL, MPI_ERR_OTHER);
    CHECK(ret == MPI_ERR_COMM, "MPI_Comm_call_errhandler(MPI_COMM_NULL) gave %d", ret);
    ret = MPI_Comm_call_errhandler(MPI_COMM_WORLD, MPI_ERR_LASTCODE);
    CHECK(ret == MPI_ERR_ARG, "calling the handler with no error code gave %d", ret);
    /* under MPI_ERRORS_RETURN, calling the handler just succeeds */
    CHECK_MPI(MPI_Comm_call_errhandler(MPI_COMM_WORLD, MPI_ERR_RANK));
    ret = MPI_Send(&x, 1, MPI_INT, np, 0, MPI_COMM_WORLD);
    CHECK(ret == MPI_ERR_RANK, "MPI_Send to rank %d under MPI_ERRORS_RETURN gave %d", np, ret);
    CHECK(ncalls == before, "a predefined handler called the user's");
    /* predefined handlers can be freed (as handles from get_errhandler must be) */
    eh = MPI_ERRORS_ARE_FATAL;
    CHECK_MPI(MPI_Errhandler_free(&eh));
    CHECK(eh == MPI_ERRHANDLER_NULL, "freeing a predefined handler left the handle set");
}

static void error_codes(void)
{
    char str[MPI_MAX_ERROR_STRING], want[64];
    int cls, code, code2, other, len, ret, all[3 * 64];

    CHECK_MPI(MPI_Add_error_class(&cls));
    CHECK_MPI(MPI_Add_error_code(cls, &code));
    CHECK_MPI(MPI_Add_error_code(MPI_ERR_TRUNCATE, &code2));
    CHECK(cls > MPI_ERR_LASTCODE && code > cls && code2 > code,
          "added class %d, codes %d and %d: not above MPI_ERR_LASTCODE and increasing", cls, code,
          code2);
    CHECK_MPI(MPI_Error_class(code, &other));
    CHECK(other == cls, "MPI_Error_class(%d) gives %d, want %d", code, other, cls);
    CHECK_MPI(MPI_Error_class(cls, &other));
    CHECK(other == cls, "MPI_Error_class of a new class gives %d", other);
    CHECK_MPI(MPI_Error_class(code2, &other));
    CHECK(other == MPI_ERR_TRUNCATE, "a code added to MPI_ERR_TRUNCATE has class %d", other);

    CHECK_MPI(MPI_Error_string(code, str, &len));
    CHECK(len == 0 && str[0] == '\0', "a code without a string gives \"%s\"", str);
    snprintf(want, sizeof(want), "kurir test code of rank %d", rank);
    CHECK_MPI(MPI_Add_error_string(code, want));
    CHECK_MPI(MPI_Add_error_string(cls, "kurir test class"));
    CHECK_MPI(MPI_Error_string(code, str, &len));
    CHECK(strcmp(str, want) == 0 && len == (int) strlen(want),
          "MPI_Error_string gives \"%s\" (%d), want \"%s\"", str, len, want);
    CHECK_MPI(MPI_Error_string(cls, str, &len));
    CHECK(strcmp(str, "kurir test class") == 0, "the class string is \"%s\"", str);

    ret = MPI_Add_error_string(MPI_ERR_RANK, "mine now");
    CHECK(ret == MPI_ERR_ARG, "changing a predefined string gave %d", ret);
    ret = MPI_Add_error_code(code, &other);
    CHECK(ret == MPI_ERR_ARG, "adding a code to a code gave %d", ret);
    ret = MPI_Add_error_code(MPI_SUCCESS, &other);
    CHECK(ret == MPI_ERR_ARG, "adding a code to MPI_SUCCESS gave %d", ret);
    ret = MPI_Error_class(code2 + 1000, &other);
    CHECK(ret == MPI_ERR_ARG, "MPI_Error_class of a value never added gave %d", ret);
    ret = MPI_Error_string(MPI_ERR_LASTCODE, str, &len);
    CHECK(ret == MPI_ERR_ARG, "MPI_Error_string(MPI_ERR_LASTCODE) gave %d", ret);

    /* every rank added the same in the same order, so the values agree everywhere */
    {
        int mine[3] = {cls, code, code2};

        CHECK(np <= 64, "needs at most 64 ranks");
        CHECK_MPI(MPI_Allgather(mine, 3, MPI_INT, all, 3, MPI_INT, MPI_COMM_WORLD));
        for (int r = 0; r < np; r++) {
            CHECK(memcmp(&all[3 * r], mine, sizeof(mine)) == 0,
                  "rank %d added %d %d %d, this rank %d %d %d", r, all[3 * r], all[3 * r + 1],
                  all[3 * r + 2], cls, code, code2);
        }
    }
    /* a code sent to the next rank means the same class there */
    if (np > 1) {
        int got = -1;

        CHECK_MPI(MPI_Sendrecv(&code, 1, MPI_INT, (rank + 1) % np, 9, &got, 1, MPI_INT,
                               (rank + np - 1) % np, 9, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        CHECK_MPI(MPI_Error_class(got, &other));
        CHECK(other == cls, "code %d from rank %d has class %d here, want %d", got,
              (rank + np - 1) % np, other, cls);
    }
    /* and a handler sees the program's own code */
    {
        MPI_Errhandler eh;
        MPI_Comm dup;
        int before = ncalls;

        CHECK_MPI(MPI_Comm_create_errhandler(record_handler, &eh));
        CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
        CHECK_MPI(MPI_Comm_set_errhandler(dup, eh));
        CHECK_MPI(MPI_Comm_call_errhandler(dup, code));
        CHECK(ncalls == before + 1 && seen_code == code, "the handler saw code %d, want %d",
              seen_code, code);
        CHECK_MPI(MPI_Comm_free(&dup));
        CHECK_MPI(MPI_Errhandler_free(&eh));
    }
}

/* Expected to end the job: rank np-1 passes a bad rank with MPI_ERRORS_ABORT on
 * MPI_COMM_WORLD, or raises MPI_ERR_OTHER through MPI_Comm_call_errhandler under
 * MPI_ERRORS_ARE_FATAL. The others wait for a message that never comes. */
static int fail_on_purpose(const char *mode)
{
    int x = 0;

    if (strcmp(mode, "abort") == 0) {
        CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ABORT));
    }
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == np - 1) {
        fprintf(stderr, "err_handlers: ready to fail (%s)\n", mode);
        fflush(stderr);
        if (strcmp(mode, "abort") == 0) {
            MPI_Send(&x, 1, MPI_INT, 4000, 0, MPI_COMM_WORLD);
        } else {
            MPI_Comm_call_errhandler(MPI_COMM_WORLD, MPI_ERR_OTHER);
        }
        fprintf(stderr, "err_handlers: FAIL rank %d: the job survived (%s)\n", rank, mode);
        return 99;
    }
    MPI_Recv(&x, 1, MPI_INT, MPI_ANY_SOURCE, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    return 98;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    check_init("err_handlers");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    if (argc > 1) {
        return fail_on_purpose(argv[1]);
    }

    user_handler();
    self_replacing_handler();
    world_handler();
    bad_handlers();
    error_codes();

    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0) {
        printf("err_handlers: %d handler calls checked\n", ncalls);
    }
    MPI_Finalize();
    return 0;
}

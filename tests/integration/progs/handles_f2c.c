/* handles_f2c: C <-> Fortran handle and status conversion.
 *  - every predefined handle converts to its ABI value (MPI-5.0 21.5) and back, for all eleven
 *    handle types, including those Kurir has no objects of yet (windows, files, sessions);
 *  - a value of another handle type converts to an invalid handle (0) both ways;
 *  - user handles (communicators, error handlers, requests) get integers outside 1..4095 that
 *    stay the same while the object lives and convert back to it; after the object is freed
 *    the integer converts to the null handle, and a new object never gets the old integer;
 *  - statuses convert between C, Fortran and Fortran 2008 layouts; the IGNORE addresses are
 *    refused with MPI_ERR_ARG. */
#include "check.h"

#define NCOMMS 40

static int rank, np;

#define EXPECT_PREDEF(Kind, h, v)                                                                  \
    do {                                                                                           \
        MPI_Fint f_ = MPI_##Kind##_c2f(h);                                                         \
        CHECK(f_ == (v), "MPI_" #Kind "_c2f(" #h ") gives %d, want %d", (int) f_, (int) (v));      \
        CHECK(MPI_##Kind##_f2c(f_) == (h), "MPI_" #Kind "_f2c(%d) is not " #h, (int) f_);          \
    } while (0)

static void predefined(void)
{
    static const MPI_Datatype types[] = {
        MPI_DATATYPE_NULL,    MPI_CHAR,  MPI_INT,        MPI_DOUBLE,      MPI_BYTE,  MPI_PACKED,
        MPI_INT64_T,          MPI_2INT,  MPI_DOUBLE_INT, MPI_C_BOOL,      MPI_AINT,  MPI_COUNT,
        MPI_INTEGER,          MPI_REAL8, MPI_COMPLEX16,  MPI_LONG_DOUBLE, MPI_WCHAR, MPI_UINT16_T,
        MPI_C_DOUBLE_COMPLEX,
    };
    static const MPI_Op ops[] = {
        MPI_OP_NULL, MPI_SUM, MPI_MIN,  MPI_MAX,    MPI_PROD,   MPI_BAND,    MPI_BOR,   MPI_BXOR,
        MPI_LAND,    MPI_LOR, MPI_LXOR, MPI_MINLOC, MPI_MAXLOC, MPI_REPLACE, MPI_NO_OP,
    };

    EXPECT_PREDEF(Comm, MPI_COMM_NULL, 0x100);
    EXPECT_PREDEF(Comm, MPI_COMM_WORLD, 0x101);
    EXPECT_PREDEF(Comm, MPI_COMM_SELF, 0x102);
    EXPECT_PREDEF(Group, MPI_GROUP_NULL, 0x108);
    EXPECT_PREDEF(Group, MPI_GROUP_EMPTY, 0x109);
    EXPECT_PREDEF(Win, MPI_WIN_NULL, 0x110);
    EXPECT_PREDEF(File, MPI_FILE_NULL, 0x118);
    EXPECT_PREDEF(Session, MPI_SESSION_NULL, 0x120);
    EXPECT_PREDEF(Message, MPI_MESSAGE_NULL, 0x128);
    EXPECT_PREDEF(Message, MPI_MESSAGE_NO_PROC, 0x129);
    EXPECT_PREDEF(Info, MPI_INFO_NULL, 0x130);
    EXPECT_PREDEF(Info, MPI_INFO_ENV, 0x131);
    EXPECT_PREDEF(Errhandler, MPI_ERRHANDLER_NULL, 0x140);
    EXPECT_PREDEF(Errhandler, MPI_ERRORS_ARE_FATAL, 0x141);
    EXPECT_PREDEF(Errhandler, MPI_ERRORS_RETURN, 0x142);
    EXPECT_PREDEF(Errhandler, MPI_ERRORS_ABORT, 0x143);
    EXPECT_PREDEF(Request, MPI_REQUEST_NULL, 0x180);
    EXPECT_PREDEF(Op, MPI_SUM, 0x21);
    EXPECT_PREDEF(Op, MPI_NO_OP, 0x3d);
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        MPI_Fint f = MPI_Type_c2f(types[i]);

        CHECK(f == (MPI_Fint) (intptr_t) types[i] && f > 0 && f < 0x1000,
              "MPI_Type_c2f(%p) gives %d", (void *) types[i], (int) f);
        CHECK(MPI_Type_f2c(f) == types[i], "MPI_Type_f2c(%d) does not give it back", (int) f);
    }
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        MPI_Fint f = MPI_Op_c2f(ops[i]);

        CHECK(f == (MPI_Fint) (intptr_t) ops[i], "MPI_Op_c2f(%p) gives %d", (void *) ops[i],
              (int) f);
        CHECK(MPI_Op_f2c(f) == ops[i], "MPI_Op_f2c(%d) does not give it back", (int) f);
    }

    /* the wrong type's values are invalid handles, both ways */
    CHECK(MPI_Comm_c2f((MPI_Comm) MPI_SUM) == 0, "an op converted as a communicator");
    CHECK(MPI_Win_c2f((MPI_Win) MPI_COMM_WORLD) == 0, "a communicator converted as a window");
    CHECK(MPI_Comm_f2c(0x21) == (MPI_Comm) 0, "MPI_Comm_f2c of an op's value is valid");
    CHECK(MPI_Type_f2c(0x101) == (MPI_Datatype) 0, "MPI_Type_f2c of a communicator's value");
    CHECK(MPI_Session_f2c(0x110) == (MPI_Session) 0, "MPI_Session_f2c of a window's value");
    CHECK(MPI_Comm_f2c(0) == (MPI_Comm) 0 && MPI_Comm_f2c(-3) == (MPI_Comm) 0,
          "MPI_Comm_f2c of 0 or -3 is valid");
    CHECK(MPI_Comm_f2c(0x7ffffff0) == (MPI_Comm) 0, "an integer nobody got converts");
}

static void user_comms(void)
{
    MPI_Comm comms[NCOMMS], back;
    MPI_Fint f[NCOMMS], old, g;
    int size;

    for (int i = 0; i < NCOMMS; i++) {
        CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &comms[i]));
        f[i] = MPI_Comm_c2f(comms[i]);
        CHECK(f[i] >= 0x1000, "a user communicator got Fortran integer %d", (int) f[i]);
        CHECK(MPI_Comm_c2f(comms[i]) == f[i], "the integer changed on a second conversion");
        for (int j = 0; j < i; j++) {
            CHECK(f[j] != f[i], "communicators %d and %d share integer %d", j, i, (int) f[i]);
        }
    }
    for (int i = 0; i < NCOMMS; i++) {
        back = MPI_Comm_f2c(f[i]);
        CHECK(back == comms[i], "MPI_Comm_f2c(%d) is not communicator %d", (int) f[i], i);
        CHECK_MPI(MPI_Comm_size(back, &size));
        CHECK(size == np, "the converted communicator has size %d", size);
        CHECK(MPI_Type_f2c(f[i]) == (MPI_Datatype) 0, "a communicator's integer is a type");
    }
    /* free every other one: their integers go null, the others keep theirs */
    for (int i = 0; i < NCOMMS; i += 2) {
        old = f[i];
        CHECK_MPI(MPI_Comm_free(&comms[i]));
        CHECK(MPI_Comm_f2c(old) == MPI_COMM_NULL,
              "a freed communicator's integer %d gives "
              "%p, not MPI_COMM_NULL",
              (int) old, (void *) MPI_Comm_f2c(old));
    }
    for (int i = 0; i < NCOMMS; i += 2) {
        CHECK_MPI(MPI_Comm_dup(MPI_COMM_SELF, &comms[i]));
        g = MPI_Comm_c2f(comms[i]);
        for (int j = 0; j < NCOMMS; j++) {
            CHECK(g != f[j], "a new communicator got integer %d, which %s communicator %d had",
                  (int) g, j % 2 == 0 ? "freed" : "live", j);
        }
        CHECK(MPI_Comm_f2c(g) == comms[i], "a new communicator's integer does not convert");
        CHECK(MPI_Comm_f2c(f[i]) == MPI_COMM_NULL, "an old integer reached a new object");
    }
    for (int i = 1; i < NCOMMS; i += 2) {
        CHECK(MPI_Comm_f2c(f[i]) == comms[i], "communicator %d lost its integer", i);
    }
    for (int i = 0; i < NCOMMS; i++) {
        CHECK_MPI(MPI_Comm_free(&comms[i]));
    }
}

static void handler_fn(MPI_Comm *comm, int *code, ...)
{
    (void) comm;
    (void) code;
}

static void user_errhandlers_and_requests(void)
{
    MPI_Errhandler eh, back;
    MPI_Request req[2];
    MPI_Fint f, fr[2];
    int out = rank, in = -1;

    CHECK_MPI(MPI_Comm_create_errhandler(handler_fn, &eh));
    f = MPI_Errhandler_c2f(eh);
    CHECK(f >= 0x1000, "a user error handler got integer %d", (int) f);
    back = MPI_Errhandler_f2c(f);
    CHECK(back == eh, "MPI_Errhandler_f2c does not give the handler back");
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, back));
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
    CHECK_MPI(MPI_Errhandler_free(&eh));
    CHECK(MPI_Errhandler_f2c(f) == MPI_ERRHANDLER_NULL,
          "a freed error handler's integer does not give MPI_ERRHANDLER_NULL");

    CHECK_MPI(MPI_Irecv(&in, 1, MPI_INT, MPI_ANY_SOURCE, 3, MPI_COMM_WORLD, &req[0]));
    CHECK_MPI(MPI_Isend(&out, 1, MPI_INT, (rank + 1) % np, 3, MPI_COMM_WORLD, &req[1]));
    for (int i = 0; i < 2; i++) {
        fr[i] = MPI_Request_c2f(req[i]);
        CHECK(fr[i] >= 0x1000, "a request got integer %d", (int) fr[i]);
        CHECK(MPI_Request_f2c(fr[i]) == req[i], "request %d does not convert back", i);
    }
    CHECK(fr[0] != fr[1], "two live requests share an integer");
    for (int i = 0; i < 2; i++) {
        req[i] = MPI_Request_f2c(fr[i]);
        CHECK_MPI(MPI_Wait(&req[i], MPI_STATUS_IGNORE));
    }
    CHECK(in == (rank + np - 1) % np, "received %d through converted requests", in);
}

static void statuses(void)
{
    MPI_Status st, back;
    MPI_Fint f[MPI_F_STATUS_SIZE];
    MPI_F08_status f08;
    int x = 5, y = 0, count = -1, ret;

    CHECK_MPI(MPI_Sendrecv(&x, 1, MPI_INT, 0, 17, &y, 1, MPI_INT, 0, 17, MPI_COMM_SELF, &st));
    CHECK_MPI(MPI_Status_c2f(&st, f));
    CHECK(f[MPI_F_SOURCE] == 0 && f[MPI_F_TAG] == 17, "Fortran status has source %d tag %d",
          (int) f[MPI_F_SOURCE], (int) f[MPI_F_TAG]);
    CHECK_MPI(MPI_Status_f2f08(f, &f08));
    CHECK(f08.MPI_TAG == 17, "Fortran 2008 status has tag %d", (int) f08.MPI_TAG);
    memset(&back, 0, sizeof(back));
    CHECK_MPI(MPI_Status_f082c(&f08, &back));
    CHECK_MPI(MPI_Get_count(&back, MPI_INT, &count));
    CHECK(count == 1 && back.MPI_SOURCE == 0 && back.MPI_TAG == 17,
          "status after C -> F -> F08 -> C: count %d source %d tag %d", count, back.MPI_SOURCE,
          back.MPI_TAG);

    ret = MPI_Status_c2f(&st, MPI_F_STATUS_IGNORE);
    CHECK(ret == MPI_ERR_ARG, "MPI_Status_c2f into MPI_F_STATUS_IGNORE gave %d", ret);
    ret = MPI_Status_f2c(MPI_F_STATUSES_IGNORE, &back);
    CHECK(ret == MPI_ERR_ARG, "MPI_Status_f2c from MPI_F_STATUSES_IGNORE gave %d", ret);
    ret = MPI_Status_f2c(f, MPI_STATUS_IGNORE);
    CHECK(ret == MPI_ERR_ARG, "MPI_Status_f2c into MPI_STATUS_IGNORE gave %d", ret);
    ret = MPI_Status_c2f08(&st, MPI_F08_STATUS_IGNORE);
    CHECK(ret == MPI_ERR_ARG, "MPI_Status_c2f08 into MPI_F08_STATUS_IGNORE gave %d", ret);
    ret = MPI_Status_f082f(MPI_F08_STATUSES_IGNORE, f);
    CHECK(ret == MPI_ERR_ARG, "MPI_Status_f082f from MPI_F08_STATUSES_IGNORE gave %d", ret);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    check_init("handles_f2c");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));

    predefined();
    user_comms();
    user_errhandlers_and_requests();
    statuses();

    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0) {
        printf("handles_f2c: conversions agree\n");
    }
    MPI_Finalize();
    return 0;
}

/* dynamic: the dynamic-process calls Kurir cannot serve fail with the class the standard names
 * (spawn: MPI_ERR_SPAWN with every errcode set; ports: MPI_ERR_PORT / UNSUPPORTED_OPERATION;
 * lookup of an unknown name: MPI_ERR_NAME) and leave the job working; MPI_Comm_get_parent is
 * MPI_COMM_NULL; MPI_Comm_disconnect frees a communicator collectively after its messages have
 * been received, also an intercommunicator. */
#include "check.h"

static void expect(int line, const char *what, int ret, int want)
{
    int cls = -1;

    if (ret == MPI_SUCCESS) {
        check_fail(__FILE__, line, "%s succeeded, want class %d", what, want);
    }
    CHECK_MPI(MPI_Error_class(ret, &cls));
    if (cls != want) {
        check_fail(__FILE__, line, "%s gave class %d (%s), want %d", what, cls, check_errstr(ret),
                   want);
    }
}
#define EXPECT(want, call) expect(__LINE__, #call, (call), (want))

static void spawn_fails(void)
{
    int codes[3] = {-1, -1, -1};
    char *argv[] = {NULL};
    char *cmds[2] = {"a.out", "b.out"};
    int maxp[2] = {1, 2};
    MPI_Info infos[2] = {MPI_INFO_NULL, MPI_INFO_NULL};
    MPI_Comm inter = MPI_COMM_WORLD;

    EXPECT(MPI_ERR_SPAWN,
           MPI_Comm_spawn("/bin/true", argv, 3, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &inter, codes));
    CHECK(inter == MPI_COMM_NULL, "spawn: intercomm not MPI_COMM_NULL");
    for (int i = 0; i < 3; i++) {
        CHECK(codes[i] == MPI_ERR_SPAWN, "spawn: errcode %d is %d", i, codes[i]);
    }
    EXPECT(MPI_ERR_SPAWN, MPI_Comm_spawn("/bin/true", MPI_ARGV_NULL, 1, MPI_INFO_NULL, 0,
                                         MPI_COMM_SELF, &inter, MPI_ERRCODES_IGNORE));
    codes[0] = codes[1] = codes[2] = -1;
    EXPECT(MPI_ERR_SPAWN, MPI_Comm_spawn_multiple(2, cmds, MPI_ARGVS_NULL, maxp, infos, 0,
                                                  MPI_COMM_WORLD, &inter, codes));
    for (int i = 0; i < 3; i++) {
        CHECK(codes[i] == MPI_ERR_SPAWN, "spawn_multiple: errcode %d is %d", i, codes[i]);
    }
    EXPECT(MPI_ERR_ROOT,
           MPI_Comm_spawn("/bin/true", argv, 1, MPI_INFO_NULL, -1, MPI_COMM_WORLD, &inter, codes));
    EXPECT(MPI_ERR_COMM,
           MPI_Comm_spawn("/bin/true", argv, 1, MPI_INFO_NULL, 0, MPI_COMM_NULL, &inter, codes));
}

static void ports_fail(void)
{
    char port[MPI_MAX_PORT_NAME] = "x";
    MPI_Comm c = MPI_COMM_WORLD;

    EXPECT(MPI_ERR_UNSUPPORTED_OPERATION, MPI_Open_port(MPI_INFO_NULL, port));
    EXPECT(MPI_ERR_PORT, MPI_Close_port("nope"));
    EXPECT(MPI_ERR_PORT, MPI_Comm_accept("nope", MPI_INFO_NULL, 0, MPI_COMM_WORLD, &c));
    CHECK(c == MPI_COMM_NULL, "accept: newcomm not MPI_COMM_NULL");
    c = MPI_COMM_WORLD;
    EXPECT(MPI_ERR_PORT, MPI_Comm_connect("nope", MPI_INFO_NULL, 0, MPI_COMM_WORLD, &c));
    CHECK(c == MPI_COMM_NULL, "connect: newcomm not MPI_COMM_NULL");
    EXPECT(MPI_ERR_UNSUPPORTED_OPERATION, MPI_Comm_join(0, &c));
    EXPECT(MPI_ERR_UNSUPPORTED_OPERATION, MPI_Publish_name("svc", MPI_INFO_NULL, "port"));
    EXPECT(MPI_ERR_SERVICE, MPI_Unpublish_name("svc", MPI_INFO_NULL, "port"));
    EXPECT(MPI_ERR_NAME, MPI_Lookup_name("svc", MPI_INFO_NULL, port));
}

/* Messages sent just before the disconnect arrive; the handle becomes MPI_COMM_NULL. */
static void disconnect(int rank, int np)
{
    MPI_Comm dup, half, inter;
    int v = -1, got = -1;
    MPI_Request rq;

    CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
    CHECK_MPI(MPI_Irecv(&got, 1, MPI_INT, (rank + np - 1) % np, 5, dup, &rq));
    v = rank;
    CHECK_MPI(MPI_Send(&v, 1, MPI_INT, (rank + 1) % np, 5, dup));
    CHECK_MPI(MPI_Wait(&rq, MPI_STATUS_IGNORE));
    CHECK(got == (rank + np - 1) % np, "got %d from the left", got);
    CHECK_MPI(MPI_Comm_disconnect(&dup));
    CHECK(dup == MPI_COMM_NULL, "disconnect left the handle set");
    EXPECT(MPI_ERR_COMM, MPI_Comm_disconnect(&dup));
    EXPECT(MPI_ERR_COMM, MPI_Comm_disconnect(&(MPI_Comm){MPI_COMM_WORLD}));
    if (np < 2) {
        return;
    }
    CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &half));
    CHECK_MPI(MPI_Intercomm_create(half, 0, MPI_COMM_WORLD, rank % 2 == 0 ? 1 : 0, 9, &inter));
    CHECK_MPI(MPI_Comm_disconnect(&inter));
    CHECK_MPI(MPI_Comm_disconnect(&half));
    CHECK(inter == MPI_COMM_NULL && half == MPI_COMM_NULL, "handles not reset");
}

int main(int argc, char **argv)
{
    MPI_Comm parent = MPI_COMM_WORLD;
    int rank, np;

    MPI_Init(&argc, &argv);
    check_init("dynamic");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    CHECK_MPI(MPI_Comm_get_parent(&parent));
    CHECK(parent == MPI_COMM_NULL, "MPI_Comm_get_parent is not MPI_COMM_NULL");
    spawn_fails();
    ports_fail();
    disconnect(rank, np);
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    MPI_Finalize();
    return 0;
}

/* partitioned: MPI_Psend_init / MPI_Precv_init requests restarted several times, partitions
 * marked ready one at a time, by range and by list, in any order; MPI_Parrived turns true and
 * the data and status are right; a partitioned message is not taken by an MPI_ANY_TAG receive
 * on the same communicator; a send and receive to self through MPI_Startall; errors: partition
 * out of range (MPI_ERR_ARG), MPI_Pready on a request that is not a started partitioned send,
 * MPI_Parrived on one that is no partitioned receive and MPI_Cancel (MPI_ERR_REQUEST), no
 * partitions. */
#include "check.h"

#define NPART 8
#define PCOUNT 1000 /* ints per partition: the whole message goes by rendezvous */

static void expect_class(int line, const char *what, int ret, int want)
{
    CHECK(ret != MPI_SUCCESS, "line %d: %s succeeded", line, what);
    CHECK(check_errclass(ret) == want, "line %d: %s gave %s, want class %d", line, what,
          check_errstr(ret), want);
}
#define EXPECT(want, call) expect_class(__LINE__, #call, (call), (want))

static void mark_all(MPI_Request rq, int round)
{
    int list[3] = {5, 1, 3};

    switch (round % 3) {
    case 0: /* one by one, backwards */
        for (int i = NPART - 1; i >= 0; i--) {
            CHECK_MPI(MPI_Pready(i, rq));
        }
        break;
    case 1:
        CHECK_MPI(MPI_Pready_range(0, 3, rq));
        CHECK_MPI(MPI_Pready_range(4, NPART - 1, rq));
        break;
    default:
        CHECK_MPI(MPI_Pready_list(3, list, rq));
        CHECK_MPI(MPI_Pready(0, rq));
        CHECK_MPI(MPI_Pready_range(6, 7, rq));
        CHECK_MPI(MPI_Pready(2, rq));
        CHECK_MPI(MPI_Pready(4, rq));
        break;
    }
}

/* Even ranks send to the next odd one, three rounds on the same requests. */
static void pairs(int rank, int np)
{
    int *buf = malloc(sizeof(int) * NPART * PCOUNT), peer = rank ^ 1, flag, got = -1, one = 1;
    MPI_Request rq, any;
    MPI_Status st;

    CHECK(buf != NULL, "out of memory");
    if (peer >= np) {
        free(buf);
        return;
    }
    if (rank % 2 == 0) {
        CHECK_MPI(MPI_Psend_init(buf, NPART, PCOUNT, MPI_INT, peer, 7, MPI_COMM_WORLD,
                                 MPI_INFO_NULL, &rq));
        EXPECT(MPI_ERR_REQUEST, MPI_Pready(0, rq)); /* not started */
    } else {
        CHECK_MPI(MPI_Precv_init(buf, NPART, PCOUNT, MPI_INT, peer, 7, MPI_COMM_WORLD,
                                 MPI_INFO_NULL, &rq));
        /* a wildcard receive posted first must not take the partitioned message */
        CHECK_MPI(MPI_Irecv(&got, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &any));
    }
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < NPART * PCOUNT; i++) {
            buf[i] = rank % 2 == 0 ? round * 100000 + i : -1;
        }
        CHECK_MPI(MPI_Start(&rq));
        if (rank % 2 == 0) {
            EXPECT(MPI_ERR_ARG, MPI_Pready(NPART, rq));
            EXPECT(MPI_ERR_ARG, MPI_Pready(-1, rq));
            EXPECT(MPI_ERR_REQUEST, MPI_Parrived(rq, 0, &flag));
            mark_all(rq, round);
            EXPECT(MPI_ERR_ARG, MPI_Pready(0, rq)); /* ready twice */
            CHECK_MPI(MPI_Wait(&rq, MPI_STATUS_IGNORE));
            continue;
        }
        EXPECT(MPI_ERR_ARG, MPI_Parrived(rq, NPART, &flag));
        EXPECT(MPI_ERR_REQUEST, MPI_Pready(0, rq));
        do {
            CHECK_MPI(MPI_Parrived(rq, round % NPART, &flag));
        } while (!flag);
        CHECK_MPI(MPI_Wait(&rq, &st));
        CHECK(st.MPI_SOURCE == peer && st.MPI_TAG == 7, "status source %d tag %d", st.MPI_SOURCE,
              st.MPI_TAG);
        for (int i = 0; i < NPART * PCOUNT; i++) {
            CHECK(buf[i] == round * 100000 + i, "round %d: element %d is %d", round, i, buf[i]);
        }
        CHECK_MPI(MPI_Parrived(rq, 0, &flag)); /* inactive: nothing left to arrive */
        CHECK(flag, "MPI_Parrived on an inactive request gives false");
    }
    if (rank % 2 == 0) {
        CHECK_MPI(MPI_Send(&one, 1, MPI_INT, peer, 3, MPI_COMM_WORLD));
    } else {
        CHECK_MPI(MPI_Wait(&any, &st));
        CHECK(got == 1 && st.MPI_TAG == 3, "the wildcard receive got %d tag %d", got, st.MPI_TAG);
    }
    CHECK_MPI(MPI_Request_free(&rq));
    free(buf);
}

/* A partitioned send and receive on MPI_COMM_SELF, started together. */
static void self_startall(void)
{
    double out[4 * 3], in[4 * 3];
    MPI_Request rq[2], plain;
    int flag;

    for (int i = 0; i < 12; i++) {
        out[i] = i * 0.5;
        in[i] = -1;
    }
    CHECK_MPI(MPI_Precv_init(in, 4, 3, MPI_DOUBLE, 0, 1, MPI_COMM_SELF, MPI_INFO_NULL, &rq[0]));
    CHECK_MPI(MPI_Psend_init(out, 4, 3, MPI_DOUBLE, 0, 1, MPI_COMM_SELF, MPI_INFO_NULL, &rq[1]));
    CHECK_MPI(MPI_Startall(2, rq));
    EXPECT(MPI_ERR_REQUEST, MPI_Cancel(&rq[1]));
    CHECK_MPI(MPI_Parrived(rq[0], 3, &flag));
    CHECK(!flag, "partition arrived before any was ready");
    CHECK_MPI(MPI_Pready_range(0, 3, rq[1]));
    CHECK_MPI(MPI_Waitall(2, rq, MPI_STATUSES_IGNORE));
    for (int i = 0; i < 12; i++) {
        CHECK(in[i] == i * 0.5, "self: element %d is %g", i, in[i]);
    }
    CHECK_MPI(MPI_Request_free(&rq[0]));
    CHECK_MPI(MPI_Request_free(&rq[1]));

    CHECK_MPI(MPI_Send_init(out, 1, MPI_DOUBLE, 0, 2, MPI_COMM_SELF, &plain));
    EXPECT(MPI_ERR_REQUEST, MPI_Pready(0, plain));
    EXPECT(MPI_ERR_REQUEST, MPI_Parrived(plain, 0, &flag));
    CHECK_MPI(MPI_Request_free(&plain));
    EXPECT(MPI_ERR_ARG,
           MPI_Psend_init(out, 0, 3, MPI_DOUBLE, 0, 1, MPI_COMM_SELF, MPI_INFO_NULL, &plain));
    EXPECT(MPI_ERR_RANK, MPI_Precv_init(in, 2, 3, MPI_DOUBLE, MPI_ANY_SOURCE, 1, MPI_COMM_SELF,
                                        MPI_INFO_NULL, &plain));
}

int main(int argc, char **argv)
{
    int rank, np;

    MPI_Init(&argc, &argv);
    check_init("partitioned");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    self_startall();
    pairs(rank, np);
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    MPI_Finalize();
    return 0;
}

/* tcp_slow_peer: ranks that compute for a while between MPI calls must not lose their TCP
 * connections to the handshake time limits (run with short limits). Rank 0 starts a send to
 * rank 1 and then computes without calling MPI (its hello must already be out); rank 0 then
 * connects to rank 2, which computes before its first MPI call (so its answer comes late). The
 * "computing" is a busy loop of fixed duration: it is the scenario, not synchronisation. */
#include "check.h"

#include <time.h>

static void compute_ms(int ms)
{
    struct timespec a, b;
    volatile unsigned long x = 0;

    clock_gettime(CLOCK_MONOTONIC, &a);
    do {
        for (int i = 0; i < 100000; i++) {
            x += (unsigned long) i;
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
    } while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
}

int main(int argc, char **argv)
{
    int rank, np, v = 0;
    MPI_Request req;

    MPI_Init(&argc, &argv);
    check_init("tcp_slow_peer");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    CHECK(np == 3, "needs 3 ranks");
    if (rank == 0) {
        v = 41;
        CHECK_MPI(MPI_Isend(&v, 1, MPI_INT, 1, 7, MPI_COMM_WORLD, &req));
        compute_ms(1500);
        CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
        v = 42;
        CHECK_MPI(MPI_Send(&v, 1, MPI_INT, 2, 8, MPI_COMM_WORLD));
        CHECK_MPI(MPI_Recv(&v, 1, MPI_INT, 2, 9, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        CHECK(v == 43, "rank 2 answered %d", v);
    } else if (rank == 1) {
        CHECK_MPI(MPI_Recv(&v, 1, MPI_INT, 0, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        CHECK(v == 41, "got %d from rank 0", v);
    } else {
        compute_ms(3000);
        CHECK_MPI(MPI_Recv(&v, 1, MPI_INT, 0, 8, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        CHECK(v == 42, "got %d from rank 0", v);
        v = 43;
        CHECK_MPI(MPI_Send(&v, 1, MPI_INT, 0, 9, MPI_COMM_WORLD));
    }
    MPI_Finalize();
    return 0;
}

/* errors_fatal (expected to fail): under the default handler MPI_ERRORS_ARE_FATAL, rank 1 (rank
 * 0 at np 1) calls MPI_Send with destination rank 1000, which does not exist. The job must end
 * with the error class as its exit status (MPI_ERR_RANK, 6), and stderr must name MPI_Send,
 * the bad rank 1000, the calling rank and the host. The other ranks wait in MPI_Recv for a
 * message that never comes, so the launcher has to end them. */
#include "check.h"

#define BAD_DEST 1000

int main(int argc, char **argv)
{
    int rank, np, culprit, x = 42;

    MPI_Init(&argc, &argv);
    check_init("errors_fatal");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    culprit = np > 1 ? 1 : 0;
    CHECK(np <= BAD_DEST, "needs fewer than %d ranks", BAD_DEST);
    MPI_Barrier(MPI_COMM_WORLD);

    if (rank == culprit) {
        /* Worded so that it cannot satisfy the runner's checks of the library's message. */
        fprintf(stderr, "errors_fatal: ready; the next call passes an invalid destination\n");
        fflush(stderr);
        MPI_Send(&x, 1, MPI_INT, BAD_DEST, 0, MPI_COMM_WORLD);
        fprintf(stderr,
                "errors_fatal: FAIL rank %d: MPI_Send to rank %d returned under "
                "MPI_ERRORS_ARE_FATAL\n",
                rank, BAD_DEST);
        return 99;
    }
    MPI_Recv(&x, 1, MPI_INT, MPI_ANY_SOURCE, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    fprintf(stderr, "errors_fatal: FAIL rank %d: a receive nobody sends to completed\n", rank);
    return 98;
}

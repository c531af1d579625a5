/* abort_rank (expected to fail): after a barrier the last rank calls
 * MPI_Abort(MPI_COMM_WORLD, 7) while every other rank blocks in a receive that never comes.
 * The job must exit with status 7 and no rank may be left running. */
#include "check.h"

int main(int argc, char **argv)
{
    int rank, np, x;

    MPI_Init(&argc, &argv);
    check_init("abort_rank");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    MPI_Barrier(MPI_COMM_WORLD);

    if (rank == np - 1) {
        fprintf(stderr, "abort_rank: ready to abort\n");
        fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, 7);
        fprintf(stderr, "abort_rank: FAIL rank %d: MPI_Abort returned\n", rank);
        return 99;
    }
    MPI_Recv(&x, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    fprintf(stderr, "abort_rank: FAIL rank %d: a receive nobody sends to completed\n", rank);
    return 98;
}

/* MPI_Comm_free on a communicator whose nonblocking collectives are still pending: the
 * standard lets the program free it, and the operations complete normally afterwards. Every
 * rank but 0 starts Iallreduce, Ibcast (large enough for rendezvous), Ibarrier and a persistent
 * allreduce on a duplicate, frees the duplicate, and only then tells rank 0 to join: so their
 * operations are certainly pending when the communicator goes. Rank 0 then does the same, and
 * everyone waits and checks the results. */
#include "check.h"

#define BIG (1 << 20)
#define ROUNDS 3

int main(int argc, char **argv)
{
    int rank, np, sum, go = 1, pin = 0, pout = 0;
    unsigned char *big;
    MPI_Request reqs[4], pers;
    MPI_Comm dup;

    MPI_Init(&argc, &argv);
    check_init("coll_free_pending");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    big = malloc(BIG);
    CHECK(big != NULL, "out of memory");
    for (int round = 0; round < ROUNDS; round++) {
        CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
        for (size_t i = 0; i < BIG; i++) {
            big[i] = rank == 0 ? check_pat((unsigned) round, i) : 0;
        }
        pin = rank + round;
        CHECK_MPI(MPI_Allreduce_init(&pin, &pout, 1, MPI_INT, MPI_SUM, dup, MPI_INFO_NULL, &pers));
        if (rank == 0) {
            for (int r = 1; r < np; r++) {
                CHECK_MPI(MPI_Recv(&go, 1, MPI_INT, r, round, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
            }
        }
        CHECK_MPI(MPI_Iallreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, dup, &reqs[0]));
        CHECK_MPI(MPI_Ibcast(big, BIG, MPI_BYTE, 0, dup, &reqs[1]));
        CHECK_MPI(MPI_Ibarrier(dup, &reqs[2]));
        CHECK_MPI(MPI_Start(&pers));
        reqs[3] = pers;
        CHECK_MPI(MPI_Comm_free(&dup));
        CHECK(dup == MPI_COMM_NULL, "MPI_Comm_free did not set the handle to MPI_COMM_NULL");
        if (rank != 0) {
            CHECK_MPI(MPI_Send(&go, 1, MPI_INT, 0, round, MPI_COMM_WORLD));
        }
        CHECK_MPI(MPI_Waitall(3, reqs, MPI_STATUSES_IGNORE));
        CHECK_MPI(MPI_Wait(&pers, MPI_STATUS_IGNORE));
        CHECK(sum == np * (np - 1) / 2, "round %d: Iallreduce gave %d, want %d", round, sum,
              np * (np - 1) / 2);
        for (size_t i = 0; i < BIG; i++) {
            CHECK(big[i] == check_pat((unsigned) round, i), "round %d: Ibcast byte %zu wrong",
                  round, i);
        }
        CHECK(pout == np * (np - 1) / 2 + np * round, "round %d: persistent allreduce gave %d",
              round, pout);
        /* The persistent request outlives its communicator's handle; it can run again. */
        pin = 1;
        CHECK_MPI(MPI_Start(&pers));
        CHECK_MPI(MPI_Wait(&pers, MPI_STATUS_IGNORE));
        CHECK(pout == np, "round %d: second persistent allreduce gave %d", round, pout);
        CHECK_MPI(MPI_Request_free(&pers));
    }
    free(big);
    MPI_Finalize();
    return 0;
}

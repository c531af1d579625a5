/* MPI_Comm_free with point-to-point operations still pending: the standard lets the program
 * free the communicator, and the operations complete normally afterwards. Ranks pair up (0-1,
 * 2-3, ...). In each round the receiver posts a short and a long (rendezvous) receive and a
 * persistent one on a duplicate and frees the duplicate, and only then tells the sender to go
 * (over MPI_COMM_WORLD); the sender starts an Isend it frees at once (MPI_Request_free), a long
 * one and a persistent one, and frees its duplicate too. A new duplicate made right then, which
 * may reuse the freed one's context id, carries a message with the same tag that must not be
 * mistaken for the old ones. Rounds repeat, so context ids are recycled many times. */
#include "check.h"

#define BIG (1 << 20)
#define ROUNDS 50
#define TAG 7

int main(int argc, char **argv)
{
    int rank, np, go = 1, small_in = -1, small_out, pers_in = -1, pers_out, fresh = -1;
    unsigned char *big;
    MPI_Request rq[3], pers;
    MPI_Comm dup, next;

    MPI_Init(&argc, &argv);
    check_init("p2p_free_pending");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    big = malloc(BIG);
    CHECK(big != NULL, "out of memory");
    for (int round = 0; round < ROUNDS; round++) {
        int partner = rank % 2 == 0 ? rank + 1 : rank - 1;
        int sender = rank % 2 == 0;

        CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
        if (partner >= np) {
            CHECK_MPI(MPI_Comm_free(&dup));
            CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &next));
            CHECK_MPI(MPI_Comm_free(&next));
            continue;
        }
        if (sender) {
            check_fill(big, BIG, (unsigned) round);
            small_out = round;
            pers_out = 1000 + round;
            CHECK_MPI(MPI_Send_init(&pers_out, 1, MPI_INT, partner, TAG, dup, &pers));
            CHECK_MPI(MPI_Recv(&go, 1, MPI_INT, partner, round, MPI_COMM_WORLD,
                               MPI_STATUS_IGNORE));
            CHECK_MPI(MPI_Isend(&small_out, 1, MPI_INT, partner, TAG, dup, &rq[0]));
            CHECK_MPI(MPI_Request_free(&rq[0]));
            CHECK_MPI(MPI_Isend(big, BIG, MPI_BYTE, partner, TAG, dup, &rq[1]));
            CHECK_MPI(MPI_Start(&pers));
            CHECK_MPI(MPI_Comm_free(&dup));
            CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &next));
            CHECK_MPI(MPI_Send(&round, 1, MPI_INT, partner, TAG, next));
            CHECK_MPI(MPI_Wait(&rq[1], MPI_STATUS_IGNORE));
            CHECK_MPI(MPI_Wait(&pers, MPI_STATUS_IGNORE));
        } else {
            MPI_Status st;
            int count;

            memset(big, 0, BIG);
            CHECK_MPI(MPI_Recv_init(&pers_in, 1, MPI_INT, partner, TAG, dup, &pers));
            CHECK_MPI(MPI_Irecv(&small_in, 1, MPI_INT, partner, TAG, dup, &rq[0]));
            CHECK_MPI(MPI_Irecv(big, BIG, MPI_BYTE, partner, TAG, dup, &rq[1]));
            CHECK_MPI(MPI_Start(&pers));
            CHECK_MPI(MPI_Comm_free(&dup));
            CHECK(dup == MPI_COMM_NULL, "MPI_Comm_free did not set the handle to MPI_COMM_NULL");
            CHECK_MPI(MPI_Send(&go, 1, MPI_INT, partner, round, MPI_COMM_WORLD));
            CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &next));
            CHECK_MPI(MPI_Irecv(&fresh, 1, MPI_INT, partner, TAG, next, &rq[2]));
            CHECK_MPI(MPI_Wait(&rq[0], MPI_STATUS_IGNORE));
            CHECK_MPI(MPI_Wait(&rq[1], &st));
            CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &count));
            CHECK(count == BIG, "round %d: the long message has %d bytes, not %d", round, count,
                  BIG);
            CHECK_PATTERN(big, BIG, (unsigned) round, "round %d: long message", round);
            CHECK_MPI(MPI_Wait(&pers, MPI_STATUS_IGNORE));
            CHECK_MPI(MPI_Wait(&rq[2], MPI_STATUS_IGNORE));
            CHECK(small_in == round, "round %d: the short message is %d", round, small_in);
            CHECK(pers_in == 1000 + round, "round %d: the persistent receive got %d", round,
                  pers_in);
            CHECK(fresh == round, "round %d: the new communicator's message is %d", round, fresh);
        }
        /* The persistent request outlives the communicator's handle until freed. */
        CHECK_MPI(MPI_Request_free(&pers));
        CHECK_MPI(MPI_Comm_free(&next));
    }
    free(big);
    MPI_Finalize();
    return 0;
}

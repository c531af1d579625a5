/* flood: every rank sends 100000 tiny messages (tag 1) and then one "go" message (tag 2) to its
 * right neighbour with blocking MPI_Send, before it receives anything; then it receives the
 * "go" first, skipping all the tag-1 messages, and only then the 100000, which must come in
 * order. All ranks flood at once, so a rank that waits for queue space must keep draining its
 * own incoming messages. The standard lets a small MPI_Send complete before a matching receive
 * is posted (every implementation buffers tiny messages); the point here is that buffering
 * 100000 of them neither deadlocks nor crashes. At np 1 a rank floods itself. */
#include "check.h"

#define NMSG 100000

int main(int argc, char **argv)
{
    int rank, np, left, right, msg[2], go = 0, cnt;
    MPI_Status st;

    MPI_Init(&argc, &argv);
    check_init("flood");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    left = (rank + np - 1) % np;
    right = (rank + 1) % np;

    for (int i = 0; i < NMSG; i++) {
        msg[0] = rank;
        msg[1] = i;
        CHECK_MPI(MPI_Send(msg, 2, MPI_INT, right, 1, MPI_COMM_WORLD));
    }
    go = NMSG;
    CHECK_MPI(MPI_Send(&go, 1, MPI_INT, right, 2, MPI_COMM_WORLD));

    go = -1;
    CHECK_MPI(MPI_Recv(&go, 1, MPI_INT, left, 2, MPI_COMM_WORLD, &st));
    CHECK(go == NMSG && st.MPI_TAG == 2 && st.MPI_SOURCE == left,
          "the go message: value %d tag %d source %d", go, st.MPI_TAG, st.MPI_SOURCE);
    for (int i = 0; i < NMSG; i++) {
        msg[0] = msg[1] = -1;
        CHECK_MPI(MPI_Recv(msg, 2, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st));
        CHECK_MPI(MPI_Get_count(&st, MPI_INT, &cnt));
        CHECK(st.MPI_SOURCE == left && st.MPI_TAG == 1 && cnt == 2 && msg[0] == left && msg[1] == i,
              "message %d: source %d tag %d count %d content (%d,%d)", i, st.MPI_SOURCE, st.MPI_TAG,
              cnt, msg[0], msg[1]);
    }
    /* nothing left over */
    {
        int flag = 1;

        CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
        CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st));
        CHECK(!flag, "a message is left over: source %d tag %d", st.MPI_SOURCE, st.MPI_TAG);
    }
    MPI_Finalize();
    return 0;
}

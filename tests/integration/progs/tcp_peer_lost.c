/* tcp_peer_lost (expected to fail): the last rank closes every socket it has except the one
 * to the launcher, without MPI_Finalize, and then waits to be killed, while rank 0 waits in
 * MPI_Recv from it. Over TCP rank 0 must see the connection go, and the job must end with
 * MPI_ERR_PROC_ABORTED and a message naming the peer rank and its host, not hang. */
#include "check.h"

#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int rank, np, x = 0;

    MPI_Init(&argc, &argv);
    check_init("tcp_peer_lost");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    CHECK(np >= 2, "needs at least 2 ranks");
    /* Connect everyone first, so the last rank has sockets to close. */
    MPI_Allreduce(MPI_IN_PLACE, &x, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == np - 1) {
        const char *pmi = getenv("PMI_FD");
        int keep = pmi != NULL ? atoi(pmi) : -1;

        for (int fd = 3; fd < 1024; fd++) {
            if (fd != keep) {
                close(fd);
            }
        }
        fprintf(stderr, "tcp_peer_lost: rank %d closed its sockets\n", rank);
        for (;;) {
            pause();
        }
    }
    if (rank == 0) {
        MPI_Recv(&x, 1, MPI_INT, np - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        fprintf(stderr, "tcp_peer_lost: rank 0 received from a closed peer\n");
        return 1;
    }
    MPI_Recv(&x, 1, MPI_INT, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    return 1;
}

/* tcp_stranger: ranks exchange checked messages (ring, eager and rendezvous sizes) and a
 * checked allreduce until the file named by argv[1] exists, then finalize. tcp_stranger.sh
 * connects to a rank's TCP port meanwhile and sends garbage (or nothing); the job must not
 * notice anything, and the rank must log that it closed the connection. */
#include "check.h"

#include <unistd.h>

#define BIG (256 * 1024)

int main(int argc, char **argv)
{
    int rank, np;
    unsigned char *out, *in;

    MPI_Init(&argc, &argv);
    check_init("tcp_stranger");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    CHECK(argc == 2, "usage: tcp_stranger STOPFILE");
    out = check_alloc(BIG);
    in = check_alloc(BIG);
    for (unsigned it = 0;; it++) {
        int next = (rank + 1) % np, prev = (rank + np - 1) % np, stop = 0, sum = 0;
        size_t len = it % 2 == 0 ? 8 : BIG;

        check_fill(out, len, check_seed((int) it, rank));
        MPI_Sendrecv(out, (int) len, MPI_BYTE, next, 1, in, (int) len, MPI_BYTE, prev, 1,
                     MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        CHECK_PATTERN(in, len, check_seed((int) it, prev), "iteration %u from rank %d", it,
                      prev);
        MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        CHECK(sum == np * (np - 1) / 2, "allreduce gave %d", sum);
        if (rank == 0) {
            stop = access(argv[1], F_OK) == 0;
        }
        MPI_Bcast(&stop, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (stop) {
            break;
        }
    }
    free(out);
    free(in);
    MPI_Finalize();
    return 0;
}

/* crash_rank (expected to fail): after a barrier the last rank raises SIGSEGV while every other
 * rank blocks in MPI_Recv. The launcher must report "killed by signal 11", exit with status
 * 139 (128 + 11) and leave no rank running. The crashing rank turns core dumps off first so
 * the test leaves no core file behind. */
#include "check.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>

int main(int argc, char **argv)
{
    int rank, np, x;

    MPI_Init(&argc, &argv);
    check_init("crash_rank");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    MPI_Barrier(MPI_COMM_WORLD);

    if (rank == np - 1) {
        struct rlimit none = {0, 0};

        setrlimit(RLIMIT_CORE, &none);
        /* not dumpable: no core even when core_pattern pipes to a collector */
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        fprintf(stderr, "crash_rank: rank %d raises SIGSEGV\n", rank);
        fflush(stderr);
        signal(SIGSEGV, SIG_DFL);
        raise(SIGSEGV);
        fprintf(stderr, "crash_rank: FAIL rank %d: survived SIGSEGV\n", rank);
        return 99;
    }
    MPI_Recv(&x, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    fprintf(stderr, "crash_rank: FAIL rank %d: a receive nobody sends to completed\n", rank);
    return 98;
}

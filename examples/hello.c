/* hello: the smallest useful MPI program. Every rank says where it runs, and the ranks check
 * together that the job is whole: all agree on its size and each rank 0..N-1 exists once.
 * Build: mpicc hello.c -o hello    Run: mpirun -n 4 ./hello */
#include <mpi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Print only the first line, with tabs made spaces: some libraries return several lines
 * (build options and more), and one plain line is short and easy for a test to match. */
static void print_library_version(void)
{
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    int len, major, minor;

    MPI_Get_version(&major, &minor);
    MPI_Get_library_version(lib, &len);
    lib[strcspn(lib, "\r\n")] = '\0';
    for (char *t = strchr(lib, '\t'); t != NULL; t = strchr(t, '\t')) {
        *t = ' ';
    }
    printf("library: MPI %d.%d, %s\n", major, minor, lib);
}

/* Every rank marks its own slot in a vector of `size` counters; after a sum over all ranks each
 * slot must hold exactly 1. This catches duplicate and missing ranks, which a plain sum of
 * rank numbers would not. Returns the number of bad slots (the same on every rank). */
static int count_bad_ranks(int rank, int size)
{
    int *mine = calloc((size_t) size, sizeof(int));
    int *all = malloc((size_t) size * sizeof(int));
    int bad = 0;

    if ((mine == NULL) || (all == NULL)) {
        fprintf(stderr, "hello: rank %d: out of memory for %d counters\n", rank, size);
        MPI_Abort(MPI_COMM_WORLD, 1);
        return size;
    }
    mine[rank] = 1;
    MPI_Allreduce(mine, all, size, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    for (int r = 0; r < size; r++) {
        if (all[r] != 1) {
            if (rank == 0) {
                fprintf(stderr, "hello: rank %d was reported %d times, expected once\n", r,
                        all[r]);
            }
            bad++;
        }
    }
    free(mine);
    free(all);
    return bad;
}

int main(int argc, char **argv)
{
    char host[MPI_MAX_PROCESSOR_NAME];
    int rank, size, len, size_min, size_max, bad, bad_all, flag;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Get_processor_name(host, &len);

    /* Flush at once so that lines forwarded from many ranks are not held back in a buffer. */
    printf("hello from rank %d of %d on %s\n", rank, size, host);
    fflush(stdout);
    if (rank == 0) {
        print_library_version();
        fflush(stdout);
    }

    bad = 0;
    if ((rank < 0) || (rank >= size)) {
        fprintf(stderr, "hello: rank %d is outside 0..%d\n", rank, size - 1);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Initialized(&flag);
    if (flag == 0) {
        fprintf(stderr, "hello: rank %d: MPI_Initialized says no after MPI_Init\n", rank);
        bad++;
    }

    /* If some rank saw a different size, min and max differ everywhere, so all ranks agree on
     * the verdict and exit with the same status. */
    MPI_Allreduce(&size, &size_min, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&size, &size_max, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if ((size_min != size) || (size_max != size)) {
        fprintf(stderr, "hello: rank %d: ranks disagree on the job size (%d..%d, mine %d)\n",
                rank, size_min, size_max, size);
        MPI_Finalize();
        return 1;
    }
    bad += count_bad_ranks(rank, size);
    MPI_Allreduce(&bad, &bad_all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);

    if ((rank == 0) && (bad_all == 0)) {
        printf("hello: %d ranks, each rank 0..%d present once: ok\n", size, size - 1);
    }
    MPI_Finalize();
    MPI_Finalized(&flag);
    if (flag == 0) {
        fprintf(stderr, "hello: rank %d: MPI_Finalized says no after MPI_Finalize\n", rank);
        return 1;
    }
    return (bad_all == 0) ? 0 : 1;
}

/* Non-contiguous transfer benchmark: ping-pong of a vector type (1 MiB of data in 8-byte
 * blocks at a 16-byte stride by default) between ranks 0 and 1, with the data checked. Builds
 * with any MPI's mpicc, so the same numbers come from Kurir, Open MPI and MPICH:
 *   mpicc -O2 vector_pingpong.c -o vp && mpirun -n 2 ./vp [block_bytes stride_bytes total_bytes]
 * Prints the median and best one-way time over repetitions, in microseconds. */
#include <mpi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    long block = argc > 1 ? atol(argv[1]) : 8, stride = argc > 2 ? atol(argv[2]) : 16;
    long total = argc > 3 ? atol(argv[3]) : 1 << 20, nblocks = total / block;
    int rank, size, reps = 15, iters = 50;
    double times[15];
    MPI_Datatype vec;
    char *buf;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size < 2 || block <= 0 || stride < block || nblocks <= 0) {
        if (rank == 0) {
            fprintf(stderr, "usage: mpirun -n 2 %s [block stride total] (stride >= block)\n",
                    argv[0]);
        }
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    MPI_Type_vector((int) nblocks, (int) block, (int) stride, MPI_BYTE, &vec);
    MPI_Type_commit(&vec);
    buf = malloc((size_t) (nblocks * stride));
    for (long i = 0; i < nblocks * stride; i++) {
        buf[i] = (char) (rank == 0 ? i * 7 : 0);
    }
    for (int r = -1; r < reps; r++) { /* r == -1: warm-up */
        double t0;

        MPI_Barrier(MPI_COMM_WORLD);
        t0 = MPI_Wtime();
        for (int i = 0; i < iters && rank < 2; i++) {
            if (rank == 0) {
                MPI_Send(buf, 1, vec, 1, 0, MPI_COMM_WORLD);
                MPI_Recv(buf, 1, vec, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            } else {
                MPI_Recv(buf, 1, vec, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                MPI_Send(buf, 1, vec, 0, 0, MPI_COMM_WORLD);
            }
        }
        if (r >= 0) {
            times[r] = (MPI_Wtime() - t0) / iters / 2 * 1e6;
        }
    }
    /* The blocks went back and forth: rank 1 holds rank 0's pattern in the blocks only. */
    for (long b = 0; rank == 1 && b < nblocks; b++) {
        for (long j = 0; j < block; j++) {
            if (buf[b * stride + j] != (char) ((b * stride + j) * 7)) {
                fprintf(stderr, "rank 1: byte %ld of block %ld is wrong\n", j, b);
                MPI_Abort(MPI_COMM_WORLD, 3);
            }
        }
    }
    qsort(times, (size_t) reps, sizeof(double), cmp_double);
    if (rank == 0) {
        printf("vector %ld B blocks, %ld B stride, %ld B data: median %.1f us, best %.1f us "
               "(%.0f MB/s)\n", block, stride, total, times[reps / 2], times[0],
               total / times[reps / 2]);
    }
    MPI_Type_free(&vec);
    free(buf);
    MPI_Finalize();
    return 0;
}

/* A profiler's view of the library: this program defines its own MPI_Send, MPI_Recv and
 * MPI_Barrier wrappers that count calls and forward to PMPI_*. The wrappers must see the
 * program's calls, and never the library's internal traffic (a collective must not call
 * MPI_Send/MPI_Recv inside). */
#include <mpi.h>

#include <stdio.h>

static int sends, recvs, barriers;

int MPI_Send(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm)
{
    sends++;
    return PMPI_Send(buf, count, type, dest, tag, comm);
}

int MPI_Recv(void *buf, int count, MPI_Datatype type, int src, int tag, MPI_Comm comm,
             MPI_Status *status)
{
    recvs++;
    return PMPI_Recv(buf, count, type, src, tag, comm, status);
}

int MPI_Barrier(MPI_Comm comm)
{
    barriers++;
    return PMPI_Barrier(comm);
}

int main(int argc, char **argv)
{
    int rank, size, v = 0, sum = 0, fail = 0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    /* A ring of sends through the wrappers. */
    if (size > 1) {
        if (rank == 0) {
            MPI_Send(&v, 1, MPI_INT, 1, 0, MPI_COMM_WORLD);
            MPI_Recv(&v, 1, MPI_INT, size - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(&v, 1, MPI_INT, rank - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Send(&v, 1, MPI_INT, (rank + 1) % size, 0, MPI_COMM_WORLD);
        }
    }
    /* Collectives move data internally; none of it may pass through the wrappers. */
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Bcast(&sum, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    if (sum != size * (size - 1) / 2) {
        fprintf(stderr, "rank %d: allreduce gave %d\n", rank, sum);
        fail = 1;
    }
    if (sends != (size > 1) || recvs != (size > 1) || barriers != 1) {
        fprintf(stderr, "rank %d: wrappers saw %d sends, %d receives, %d barriers; expected "
                "%d, %d, 1\n", rank, sends, recvs, barriers, size > 1, size > 1);
        fail = 1;
    }
    MPI_Finalize();
    return fail;
}

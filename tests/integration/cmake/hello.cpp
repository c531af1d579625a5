/* A C++ MPI program for the CMake check: mpi.h must work from C++ (its functions are declared
 * extern "C"), through the plain C API, since MPI has no C++ bindings. */
#include <mpi.h>

#include <cstdio>

int main(int argc, char **argv)
{
    int rank = -1, size = 0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    std::printf("hello from C++, rank %d of %d\n", rank, size);
    MPI_Finalize();
    return (rank >= 0 && rank < size) ? 0 : 1;
}

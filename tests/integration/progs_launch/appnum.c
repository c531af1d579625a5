/* appnum: an MPI program for the launcher's MPMD and host tests. Each rank prints
 * "rank R of N appnum A universe U shared S" (S: ranks of MPI_COMM_TYPE_SHARED, i.e. what the
 * launcher's PMI_process_mapping says shares this host) and, with "expect A U", exits 1 when
 * its MPI_APPNUM or MPI_UNIVERSE_SIZE differ. An allreduce checks that all programs of an MPMD
 * job share one MPI_COMM_WORLD. */
#include <mpi.h>

#include <stdio.h>
#include <stdlib.h>

static int attr(int key)
{
    int *v = NULL, flag = 0;

    MPI_Comm_get_attr(MPI_COMM_WORLD, key, &v, &flag);
    return flag ? *v : -1;
}

int main(int argc, char **argv)
{
    int rank, size, shared, appnum, universe, one = 1, total = 0, bad = 0;
    MPI_Comm node;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &shared);
    appnum = attr(MPI_APPNUM);
    universe = attr(MPI_UNIVERSE_SIZE);
    MPI_Allreduce(&one, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    printf("rank %d of %d appnum %d universe %d shared %d\n", rank, size, appnum, universe,
           shared);
    if (total != size) {
        fprintf(stderr, "appnum: rank %d: allreduce counted %d ranks, want %d\n", rank, total,
                size);
        bad = 1;
    }
    if (argc == 4 && (appnum != atoi(argv[2]) || universe != atoi(argv[3]))) {
        fprintf(stderr, "appnum: rank %d: MPI_APPNUM %d, MPI_UNIVERSE_SIZE %d; want %s and %s\n",
                rank, appnum, universe, argv[2], argv[3]);
        bad = 1;
    }
    MPI_Comm_free(&node);
    MPI_Finalize();
    return bad;
}

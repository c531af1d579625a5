/* split_hw: where the launcher put this rank and what MPI_Comm_split_type makes of it.
 *   split_hw cpus N     this rank may run on exactly N CPUs (/proc/self/status
 *                       Cpus_allowed_list) and no two ranks share one
 *   split_hw guided RES SIZE
 *                       MPI_COMM_TYPE_HW_GUIDED with mpi_hw_resource_type=RES gives every rank
 *                       a communicator of SIZE ranks (0: MPI_COMM_NULL) whose members are in
 *                       rank order and can talk
 *   split_hw unguided SIZE
 *                       the same for MPI_COMM_TYPE_HW_UNGUIDED */
#include "check.h"


static int rank, np;

/* CPUs in Cpus_allowed_list and the first of them. */
static int allowed_cpus(int *first_out)
{
    char line[4096];
    FILE *f = fopen("/proc/self/status", "r");
    int n = 0;

    CHECK(f != NULL, "cannot open /proc/self/status");
    *first_out = -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "Cpus_allowed_list:", 18) != 0) {
            continue;
        }
        for (char *p = line + 18; *p != '\0' && *p != '\n';) {
            long lo, hi;

            while (*p == ' ' || *p == '\t' || *p == ',') {
                p++;
            }
            lo = strtol(p, &p, 10);
            hi = *p == '-' ? strtol(p + 1, &p, 10) : lo;
            if (*first_out < 0) {
                *first_out = (int) lo;
            }
            n += (int) (hi - lo + 1);
        }
    }
    fclose(f);
    return n;
}

static void check_cpus(int want)
{
    int first, n = allowed_cpus(&first), *all = malloc(sizeof(int) * (size_t) np);

    CHECK(all != NULL, "out of memory");
    CHECK(n == want, "Cpus_allowed_list has %d CPUs, want %d", n, want);
    CHECK_MPI(MPI_Allgather(&first, 1, MPI_INT, all, 1, MPI_INT, MPI_COMM_WORLD));
    for (int i = 0; i < np; i++) {
        CHECK(i == rank || all[i] != first, "ranks %d and %d both run on CPU %d", i, rank, first);
    }
    free(all);
}

static void check_split(MPI_Comm c, int want, const char *what)
{
    int size, me, sum = 0, one = 1, prev = -1, *ranks;

    if (want == 0) {
        CHECK(c == MPI_COMM_NULL, "%s gave a communicator, want MPI_COMM_NULL", what);
        return;
    }
    CHECK(c != MPI_COMM_NULL, "%s gave MPI_COMM_NULL, want %d ranks", what, want);
    CHECK_MPI(MPI_Comm_size(c, &size));
    CHECK_MPI(MPI_Comm_rank(c, &me));
    CHECK(size == want, "%s: size %d, want %d", what, size, want);
    ranks = malloc(sizeof(int) * (size_t) size);
    CHECK(ranks != NULL, "out of memory");
    CHECK_MPI(MPI_Allgather(&rank, 1, MPI_INT, ranks, 1, MPI_INT, c));
    for (int i = 0; i < size; i++) {
        CHECK(ranks[i] > prev, "%s: members not in world rank order", what);
        prev = ranks[i];
    }
    CHECK(ranks[me] == rank, "%s: my rank %d is world rank %d", what, me, ranks[me]);
    CHECK_MPI(MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, c));
    CHECK(sum == size, "%s: allreduce gave %d, want %d", what, sum, size);
    free(ranks);
    CHECK_MPI(MPI_Comm_free(&c));
}

int main(int argc, char **argv)
{
    MPI_Comm c = MPI_COMM_NULL;
    MPI_Info info;

    MPI_Init(&argc, &argv);
    check_init("split_hw");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    CHECK(argc >= 3, "usage: split_hw cpus N | guided RES SIZE | unguided SIZE");
    if (strcmp(argv[1], "cpus") == 0) {
        check_cpus(atoi(argv[2]));
    } else if (strcmp(argv[1], "guided") == 0 && argc == 4) {
        CHECK_MPI(MPI_Info_create(&info));
        CHECK_MPI(MPI_Info_set(info, "mpi_hw_resource_type", argv[2]));
        CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_GUIDED, 0, info, &c));
        CHECK_MPI(MPI_Info_free(&info));
        check_split(c, atoi(argv[3]), argv[2]);
    } else if (strcmp(argv[1], "unguided") == 0) {
        CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_UNGUIDED, 0,
                                      MPI_INFO_NULL, &c));
        check_split(c, atoi(argv[2]), "unguided");
    } else {
        CHECK(0, "unknown mode '%s'", argv[1]);
    }
    MPI_Finalize();
    return 0;
}

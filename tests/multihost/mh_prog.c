/* mh_prog: the MPI program of the multi-host fault cases (tests/multihost/cases.sh). Every rank
 * joins a barrier and an allreduce (so connections between hosts exist), prints
 * "ready <rank> <host> <pid>", then does one thing per mode:
 *   block          wait forever in MPI_Recv (for kills, cuts and signals from outside)
 *   die R SIG      rank R raises SIG; the others wait forever in MPI_Recv
 *   exit R CODE    rank R exits with CODE without finalizing; the others wait forever
 *   gate FILE      wait until FILE exists (the test creates it), then check a ring exchange and
 *                  an allreduce across all hosts, print "done <rank>" and finalize
 * With --no-mpi first it never calls MPI (rank from PMI_RANK, waits in pause()): the launcher's
 * side of the same cases, for builds that cannot yet run MPI across hosts. */
#include "../integration/progs/check.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static int use_mpi = 1;

static void wait_forever(void)
{
    int x;

    if (!use_mpi) {
        for (;;) {
            pause();
        }
    }
    MPI_Recv(&x, 1, MPI_INT, MPI_ANY_SOURCE, 4242, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    CHECK(0, "MPI_Recv of a message nobody sends returned");
}

static void wait_for_file(const char *path)
{
    struct timespec tick = {0, 20 * 1000 * 1000};

    /* bounded: the test's own timeout ends a stuck job long before this */
    for (int i = 0; i < 300 * 50 && access(path, F_OK) != 0; i++) {
        nanosleep(&tick, NULL);
    }
    CHECK(access(path, F_OK) == 0, "%s did not appear within 300 s", path);
}

static void ring_and_sum(int rank, int np)
{
    int next = (rank + 1) % np, prev = (rank + np - 1) % np;
    int got = -1, sum = 0;

    CHECK_MPI(MPI_Sendrecv(&rank, 1, MPI_INT, next, 7, &got, 1, MPI_INT, prev, 7, MPI_COMM_WORLD,
                           MPI_STATUS_IGNORE));
    CHECK(got == prev, "ring: got %d from rank %d", got, prev);
    CHECK_MPI(MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD));
    CHECK(sum == np * (np - 1) / 2, "allreduce: sum %d, expected %d", sum, np * (np - 1) / 2);
}

/* Without MPI: the rank the launcher gave, and this host's name. */
static void start_without_mpi(char *host, size_t len, int *rank_out)
{
    const char *r = getenv("PMI_RANK");

    if (gethostname(host, len) != 0) {
        snprintf(host, len, "?");
    }
    *rank_out = r != NULL ? atoi(r) : 0;
}

static void start_with_mpi(int *argc, char ***argv, char *host, int *rank_out, int *np_out)
{
    int len, one = 1, n = 0;

    MPI_Init(argc, argv);
    check_init("mh_prog");
    MPI_Comm_rank(MPI_COMM_WORLD, rank_out);
    MPI_Comm_size(MPI_COMM_WORLD, np_out);
    MPI_Get_processor_name(host, &len);
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    CHECK_MPI(MPI_Allreduce(&one, &n, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD));
    CHECK(n == *np_out, "allreduce: %d, expected %d", n, *np_out);
}

int main(int argc, char **argv)
{
    char host[MPI_MAX_PROCESSOR_NAME];
    int rank = 0, np = 1;

    if (argc > 1 && strcmp(argv[1], "--no-mpi") == 0) {
        use_mpi = 0;
        argv++;
        argc--;
        start_without_mpi(host, sizeof(host), &rank);
    } else {
        start_with_mpi(&argc, &argv, host, &rank, &np);
    }
    if (argc < 2) {
        fprintf(stderr, "usage: mh_prog [--no-mpi] block | die RANK SIGNAL | exit RANK CODE | "
                "gate FILE\n");
        return 2;
    }
    printf("ready %d %s %d\n", rank, host, (int) getpid());
    fflush(stdout);

    if (strcmp(argv[1], "block") == 0) {
        wait_forever();
    } else if (strcmp(argv[1], "die") == 0 && argc > 3) {
        if (rank == atoi(argv[2])) {
            struct rlimit none = {0, 0};

            setrlimit(RLIMIT_CORE, &none);
            prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
            signal(atoi(argv[3]), SIG_DFL);
            raise(atoi(argv[3]));
        }
        wait_forever();
    } else if (strcmp(argv[1], "exit") == 0 && argc > 3) {
        if (rank == atoi(argv[2])) {
            exit(atoi(argv[3]));
        }
        wait_forever();
    } else if (strcmp(argv[1], "gate") == 0 && argc > 2) {
        wait_for_file(argv[2]);
        if (use_mpi) {
            ring_and_sum(rank, np);
        }
        printf("done %d\n", rank);
    } else {
        fprintf(stderr, "mh_prog: unknown mode %s\n", argv[1]);
        return 2;
    }
    if (use_mpi) {
        MPI_Finalize();
    }
    return 0;
}

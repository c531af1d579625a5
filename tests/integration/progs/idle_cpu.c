/* idle_cpu: ranks that wait must sleep, not spin. Rank 0 stays away from MPI for 1.5 s
 * (sleeping: the scenario, not synchronisation) while the others wait in MPI_Bcast; each
 * waiting rank measures the CPU time it used meanwhile (getrusage), and the largest must stay
 * well below what spinning would cost: under 50 ms. A sleeping waiter uses a few ms (its
 * brief spin, then a wakeup per safety timeout); a spinning one, even on a machine loaded
 * many times over, gets a share of a core (well over 100 ms here). Run oversubscribed over
 * TCP and shm + tcp. */
#include "check.h"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
           + (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
    int rank, np, x = 0;
    double c0, used, worst = 0;

    MPI_Init(&argc, &argv);
    check_init("idle_cpu");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    /* Connect everything first, so the wait below is only waiting. */
    MPI_Allreduce(MPI_IN_PLACE, &x, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    c0 = cpu_s();
    if (rank == 0) {
        usleep(1500 * 1000);
        x = 7;
    }
    MPI_Bcast(&x, 1, MPI_INT, 0, MPI_COMM_WORLD);
    used = rank == 0 ? 0 : cpu_s() - c0;
    CHECK(x == 7, "bcast gave %d", x);
    MPI_Reduce(&used, &worst, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        printf("idle_cpu: %d ranks, the busiest waiting rank used %.3f s of CPU in 1.5 s\n", np,
               worst);
        CHECK(worst < 0.05, "a waiting rank used %.3f s of CPU in 1.5 s: it spins", worst);
    }
    MPI_Finalize();
    return 0;
}

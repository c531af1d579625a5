/* pi: split a loop among ranks and combine the parts. pi is the integral of 4/(1+x^2) over
 * [0,1]; the midpoint rule's intervals are dealt out cyclically and in blocks, and each sum is
 * reduced to rank 0, which checks it. Run: mpirun -n 4 ./pi [intervals] */
#include <mpi.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* The midpoint rule over-estimates this integral by about 1/(12 n^2): 3.3e-11 here. That is
 * well inside the 1e-9 check, and still far above rounding noise, so the error printed does
 * not change with the number of ranks. */
#define PI_DEFAULT_INTERVALS 50000LL
#define PI_TOLERANCE 1e-9
#define PI_REFERENCE 3.14159265358979323846 /* M_PI is not in strict ISO C */

static double integrand(double x)
{
    return 4.0 / (1.0 + x * x);
}

/* Cyclic split: rank r takes intervals r, r+N, r+2N, ... Writes how many it took. */
static double part_cyclic(long long n, int rank, int size, long long *taken_out)
{
    double h = 1.0 / (double) n, sum = 0.0;
    long long taken = 0;

    for (long long i = rank; i < n; i += size) {
        sum += integrand(h * ((double) i + 0.5));
        taken++;
    }
    *taken_out = taken;
    return sum * h;
}

/* Block split: rank r takes one contiguous range; when N does not divide n, the first n % N
 * ranks take one interval more. Writes how many it took. */
static double part_block(long long n, int rank, int size, long long *taken_out)
{
    long long base = n / size, extra = n % size;
    long long first = rank * base + ((rank < extra) ? rank : extra);
    long long count = base + ((rank < extra) ? 1 : 0);
    double h = 1.0 / (double) n, sum = 0.0;

    for (long long i = first; i < first + count; i++) {
        sum += integrand(h * ((double) i + 0.5));
    }
    *taken_out = count;
    return sum * h;
}

/* Rank 0 reads the optional interval count and broadcasts it, so every rank works on the same
 * n whatever arguments reached it. Returns 0 on every rank when the argument is bad. */
static long long interval_count(int rank, int argc, char **argv)
{
    long long n = PI_DEFAULT_INTERVALS;

    if ((rank == 0) && (argc > 1)) {
        char *end;

        errno = 0;
        n = strtoll(argv[1], &end, 10);
        if ((errno != 0) || (end == argv[1]) || (*end != '\0') || (n < 1)) {
            fprintf(stderr, "pi: '%s' is not a positive number of intervals\n", argv[1]);
            fprintf(stderr, "usage: pi [intervals]   (default %lld)\n", PI_DEFAULT_INTERVALS);
            n = 0;
        }
    }
    MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
    return n;
}

/* Checks rank 0's totals. Returns the number of problems found and says which on stderr. */
static int check_result(long long n, const double pi[2], const long long taken[2], double tol)
{
    static const char *const split[2] = { "cyclic", "block" };
    int bad = 0;

    for (int k = 0; k < 2; k++) {
        if (taken[k] != n) {
            fprintf(stderr, "pi: the %s split covered %lld intervals, expected %lld\n", split[k],
                    taken[k], n);
            bad++;
        }
        if (!(fabs(pi[k] - PI_REFERENCE) < tol)) {
            fprintf(stderr, "pi: the %s split gives %.15f, off by %.3e (allowed %.1e)\n",
                    split[k], pi[k], pi[k] - PI_REFERENCE, tol);
            bad++;
        }
    }
    /* Same terms, different order of addition: the two may differ only by rounding. */
    if (!(fabs(pi[0] - pi[1]) < 1e-12)) {
        fprintf(stderr, "pi: cyclic %.15f and block %.15f differ by %.3e\n", pi[0], pi[1],
                pi[0] - pi[1]);
        bad++;
    }
    return bad;
}

int main(int argc, char **argv)
{
    double part[2], pi[2], tol;
    long long n, mine[2], taken[2];
    int rank, size, bad = 0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    n = interval_count(rank, argc, argv);
    if (n == 0) {
        MPI_Finalize();
        return 2;
    }

    part[0] = part_cyclic(n, rank, size, &mine[0]);
    part[1] = part_block(n, rank, size, &mine[1]);
    MPI_Reduce(part, pi, 2, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Reduce(mine, taken, 2, MPI_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);

    if (rank == 0) {
        /* With few intervals the rule itself is coarse: allow its known error, 1/(12 n^2),
         * with a factor 2 to spare, so a correct run with a small n still passes. */
        tol = 1.0 / (6.0 * (double) n * (double) n);
        if (tol < PI_TOLERANCE) {
            tol = PI_TOLERANCE;
        }
        bad = check_result(n, pi, taken, tol);
        if (bad == 0) {
            printf("pi: %.12f (error %.1e) from %lld intervals on %d ranks, cyclic and block "
                   "split: ok\n", pi[0], pi[0] - PI_REFERENCE, n, size);
        }
    }
    /* Only rank 0 knows the verdict; share it so that every rank exits with the same status. */
    MPI_Bcast(&bad, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return (bad == 0) ? 0 : 1;
}

/* heat: a 2-D Jacobi stencil with halo exchange. The grid's rows are dealt out in blocks; each
 * step a rank swaps edge rows with its neighbours (Sendrecv) and averages every point's four
 * neighbours. Rank 0 repeats the run serially and compares. Run: mpirun -n 4 ./heat */
#include <mpi.h>

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define HEAT_ROWS 64
#define HEAT_COLS 48
#define HEAT_ITERS 200
#define HEAT_MAX_POINTS (1 << 24) /* rank 0 holds three whole grids: keep them under 400 MiB */

#define HEAT_TAG_UP 1   /* a row travelling to the rank above */
#define HEAT_TAG_DOWN 2 /* a row travelling to the rank below */
#define HEAT_TAG_GATHER 3

/* Fixed (Dirichlet) edges: hot top, cold bottom, warm sides; the inside starts at 0. */
#define HEAT_TOP 100.0
#define HEAT_BOTTOM 0.0
#define HEAT_LEFT 50.0
#define HEAT_RIGHT 25.0

struct heat_params {
    int rows, cols, iters; /* whole grid, edges included */
};

/* One rank's share: global rows first..first+nrows-1, stored as array rows 1..nrows of `cur`
 * and `next`, with array rows 0 and nrows+1 holding the rows above and below (a neighbour's
 * halo, or the fixed global edge). */
struct heat_block {
    int first, nrows, cols;
    double *cur, *next;
};

/* Figures over the inside points, combined across ranks with Allreduce. */
struct heat_stats {
    double heat;   /* sum of all values: how much heat the plate holds */
    double change; /* largest change in the last step: how far from steady state */
    double vmin, vmax;
};

/* Running out of memory on one rank would leave the others waiting: stop the whole job. */
static double *grid_alloc(int nrows, int cols)
{
    double *g = malloc((size_t) nrows * (size_t) cols * sizeof(double));

    if (g == NULL) {
        fprintf(stderr, "heat: out of memory for a %dx%d grid\n", nrows, cols);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    return g;
}

/* Fill `nrows` array rows that hold global rows first_global.. with the starting values. */
static void grid_init(const struct heat_params *p, double *g, int first_global, int nrows)
{
    for (int k = 0; k < nrows; k++) {
        int i = first_global + k;

        for (int j = 0; j < p->cols; j++) {
            double v = 0.0;

            if (i == 0) {
                v = HEAT_TOP;
            } else if (i == p->rows - 1) {
                v = HEAT_BOTTOM;
            } else if (j == 0) {
                v = HEAT_LEFT;
            } else if (j == p->cols - 1) {
                v = HEAT_RIGHT;
            }
            g[(size_t) k * p->cols + j] = v;
        }
    }
}

/* Inside rows 1..rows-2 split into `nparts` blocks; when the count does not divide evenly,
 * the first blocks take one row more. */
static void block_range(const struct heat_params *p, int nparts, int part, int *first_out,
                        int *nrows_out)
{
    int inside = p->rows - 2, base = inside / nparts, extra = inside % nparts;

    *first_out = 1 + part * base + ((part < extra) ? part : extra);
    *nrows_out = base + ((part < extra) ? 1 : 0);
}

/* One Jacobi step: rows 1..nrows of `next` from their neighbours in `cur`. Columns 0 and
 * cols-1 are fixed edges and are left alone. The serial check and the ranks share this code,
 * so both do the same arithmetic in the same order and agree bit for bit.
 * Returns the largest change of any point. */
static double sweep(const double *cur, double *next, int nrows, int cols)
{
    double change = 0.0;

    for (int i = 1; i <= nrows; i++) {
        for (int j = 1; j < cols - 1; j++) {
            size_t at = (size_t) i * cols + j;
            double v = 0.25 * (cur[at - cols] + cur[at + cols] + cur[at - 1] + cur[at + 1]);

            if (fabs(v - cur[at]) > change) {
                change = fabs(v - cur[at]);
            }
            next[at] = v;
        }
    }
    return change;
}

/* Send one row to `dest` while receiving one from `src`; -1 means there is no rank on that
 * side (the global edge), so that half is skipped. Every call is then a real message, and the
 * chain of ranks never waits in a circle: the last rank only sends, the first only receives. */
static void halo_shift(double *send, int dest, double *recv, int src, int n, int tag,
                       MPI_Comm comm)
{
    MPI_Status st;

    if ((dest >= 0) && (src >= 0)) {
        MPI_Sendrecv(send, n, MPI_DOUBLE, dest, tag, recv, n, MPI_DOUBLE, src, tag, comm, &st);
    } else if (dest >= 0) {
        MPI_Send(send, n, MPI_DOUBLE, dest, tag, comm);
    } else if (src >= 0) {
        MPI_Recv(recv, n, MPI_DOUBLE, src, tag, comm, &st);
    }
}

/* Run the iterations on this rank's block. Returns the largest change in the last step. */
static double block_iterate(struct heat_block *b, int iters, MPI_Comm comm)
{
    int me, n, up, down, cols = b->cols;
    double change = 0.0, *swap;

    MPI_Comm_rank(comm, &me);
    MPI_Comm_size(comm, &n);
    up = (me > 0) ? me - 1 : -1;
    down = (me < n - 1) ? me + 1 : -1;

    for (int it = 0; it < iters; it++) {
        /* My first row goes up while the row below me arrives, then the other way round. */
        halo_shift(b->cur + cols, up, b->cur + (size_t) (b->nrows + 1) * cols, down, cols,
                   HEAT_TAG_UP, comm);
        halo_shift(b->cur + (size_t) b->nrows * cols, down, b->cur, up, cols, HEAT_TAG_DOWN,
                   comm);
        change = sweep(b->cur, b->next, b->nrows, cols);
        swap = b->cur;
        b->cur = b->next;
        b->next = swap;
    }
    return change;
}

/* Sum, minimum and maximum over array rows 1..nrows, inside columns only. */
static void grid_stats(const double *g, int nrows, int cols, double change,
                       struct heat_stats *out)
{
    struct heat_stats s = { 0.0, change, HUGE_VAL, -HUGE_VAL };

    for (int i = 1; i <= nrows; i++) {
        for (int j = 1; j < cols - 1; j++) {
            double v = g[(size_t) i * cols + j];

            s.heat += v;
            s.vmin = (v < s.vmin) ? v : s.vmin;
            s.vmax = (v > s.vmax) ? v : s.vmax;
        }
    }
    *out = s;
}

/* The reference: the whole grid on one rank, same starting values, same sweep.
 * Returns the grid (caller frees) and writes its figures. */
static double *serial_run(const struct heat_params *p, struct heat_stats *stats_out)
{
    double *cur = grid_alloc(p->rows, p->cols), *next = grid_alloc(p->rows, p->cols), *swap;
    double change = 0.0;

    grid_init(p, cur, 0, p->rows);
    grid_init(p, next, 0, p->rows);
    for (int it = 0; it < p->iters; it++) {
        change = sweep(cur, next, p->rows - 2, p->cols);
        swap = cur;
        cur = next;
        next = swap;
    }
    grid_stats(cur, p->rows - 2, p->cols, change, stats_out);
    free(next);
    return cur;
}

/* Rank 0 of `comm` collects every block into a whole grid (caller frees); the others send
 * theirs and get NULL. Blocks arrive in any order: Probe says whose is next, and Get_count
 * checks that it is as long as that rank's share. *bad_out counts wrong sizes. */
static double *gather_blocks(const struct heat_params *p, const struct heat_block *b,
                             MPI_Comm comm, int *bad_out)
{
    int me, n, count, first, nrows, bad = 0;
    double *all;
    MPI_Status st;

    MPI_Comm_rank(comm, &me);
    MPI_Comm_size(comm, &n);
    if (me != 0) {
        MPI_Send(b->cur + p->cols, b->nrows * p->cols, MPI_DOUBLE, 0, HEAT_TAG_GATHER, comm);
        *bad_out = 0;
        return NULL;
    }
    all = grid_alloc(p->rows, p->cols);
    grid_init(p, all, 0, p->rows);
    for (int k = 0; k < b->nrows * p->cols; k++) {
        all[(size_t) b->first * p->cols + k] = b->cur[p->cols + k];
    }
    for (int k = 1; k < n; k++) {
        MPI_Probe(MPI_ANY_SOURCE, HEAT_TAG_GATHER, comm, &st);
        MPI_Get_count(&st, MPI_DOUBLE, &count);
        block_range(p, n, st.MPI_SOURCE, &first, &nrows);
        if (count != nrows * p->cols) {
            fprintf(stderr, "heat: rank %d sent %d values, expected %d\n", st.MPI_SOURCE, count,
                    nrows * p->cols);
            bad++;
        }
        /* Receive at most the expected length, so a wrong size cannot overrun the grid. */
        MPI_Recv(all + (size_t) first * p->cols, nrows * p->cols, MPI_DOUBLE, st.MPI_SOURCE,
                 HEAT_TAG_GATHER, comm, &st);
    }
    *bad_out = bad;
    return all;
}

/* Rank 0's comparison of the distributed run with the serial one. Every value must agree
 * (the arithmetic is identical, so the difference is normally exactly 0), and so must the
 * figures combined by Allreduce. Returns the number of problems; writes the largest difference. */
static int check_result(const struct heat_params *p, const double *all, const double *ref,
                        const struct heat_stats *got, const struct heat_stats *want,
                        double *diff_out)
{
    size_t npoints = (size_t) p->rows * p->cols;
    double diff = 0.0, heat_tol;
    int bad = 0;

    for (size_t k = 0; k < npoints; k++) {
        /* Written so that a NaN, which compares false with everything, still counts. */
        if (!(fabs(all[k] - ref[k]) <= diff)) {
            diff = fabs(all[k] - ref[k]);
        }
    }
    *diff_out = diff;
    if (!(diff < 1e-12)) {
        fprintf(stderr, "heat: the ranks' grid differs from the serial one by up to %.3e\n", diff);
        bad++;
    }
    /* The sums add the same positive values in another order: each is within n * epsilon of
     * the exact sum (relative), so they may differ by twice that, and no more. */
    heat_tol = 2.0 * (double) npoints * DBL_EPSILON * fabs(want->heat);
    if (!(fabs(got->heat - want->heat) <= heat_tol)) {
        fprintf(stderr, "heat: total heat %.17g, serial %.17g\n", got->heat, want->heat);
        bad++;
    }
    /* A maximum does not depend on the order, so this must match exactly. */
    if (got->change != want->change) {
        fprintf(stderr, "heat: last change %.17g, serial %.17g\n", got->change, want->change);
        bad++;
    }
    /* Each new value is an average of old ones, so none can leave the range of the start. */
    if ((got->vmin < 0.0) || (got->vmax > HEAT_TOP)) {
        fprintf(stderr, "heat: values span %g..%g, outside 0..%g\n", got->vmin, got->vmax,
                HEAT_TOP);
        bad++;
    }
    return bad;
}

/* The work of one rank that holds rows: iterate, combine the figures, and on rank 0 of
 * `work` compare with the serial run and print the result. Returns rank 0's problem count. */
static int run_and_check(const struct heat_params *p, MPI_Comm work, int world_size)
{
    struct heat_stats mine, got, want;
    struct heat_block b;
    double change, diff, *all, *ref;
    int me, n, bad;

    MPI_Comm_rank(work, &me);
    MPI_Comm_size(work, &n);
    block_range(p, n, me, &b.first, &b.nrows);
    b.cols = p->cols;
    b.cur = grid_alloc(b.nrows + 2, p->cols);
    b.next = grid_alloc(b.nrows + 2, p->cols);
    grid_init(p, b.cur, b.first - 1, b.nrows + 2);
    grid_init(p, b.next, b.first - 1, b.nrows + 2);

    change = block_iterate(&b, p->iters, work);

    /* Allreduce rather than Reduce: a solver that stops at a residual needs it on every rank. */
    grid_stats(b.cur, b.nrows, p->cols, change, &mine);
    MPI_Allreduce(&mine.heat, &got.heat, 1, MPI_DOUBLE, MPI_SUM, work);
    MPI_Allreduce(&mine.change, &got.change, 1, MPI_DOUBLE, MPI_MAX, work);
    MPI_Allreduce(&mine.vmin, &got.vmin, 1, MPI_DOUBLE, MPI_MIN, work);
    MPI_Allreduce(&mine.vmax, &got.vmax, 1, MPI_DOUBLE, MPI_MAX, work);

    all = gather_blocks(p, &b, work, &bad);
    if (me == 0) {
        ref = serial_run(p, &want);
        bad += check_result(p, all, ref, &got, &want, &diff);
        if (bad == 0) {
            printf("heat: %dx%d grid, %d iterations, %d ranks (%d with rows): max diff from "
                   "serial %.1e, heat %.6f, residual %.6e: ok\n",
                   p->rows, p->cols, p->iters, world_size, n, diff, got.heat, got.change);
        }
        free(ref);
        free(all);
    }
    free(b.cur);
    free(b.next);
    return bad;
}

/* Parse a whole decimal number in min..INT_MAX. Returns 0 on success, -1 otherwise. */
static int parse_int(const char *s, int min, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if ((errno != 0) || (end == s) || (*end != '\0') || (v < min) || (v > INT_MAX)) {
        return -1;
    }
    *out = (int) v;
    return 0;
}

/* Rank 0 reads the optional grid size and step count and broadcasts them, so all ranks work
 * on the same problem. Returns -1 on every rank when the arguments are bad. */
static int read_params(int rank, int argc, char **argv, struct heat_params *p)
{
    int v[3] = { HEAT_ROWS, HEAT_COLS, HEAT_ITERS };

    if ((rank == 0) && (argc > 1)) {
        if ((argc != 4) || (parse_int(argv[1], 3, &v[0]) != 0) ||
            (parse_int(argv[2], 3, &v[1]) != 0) || (parse_int(argv[3], 0, &v[2]) != 0) ||
            ((double) v[0] * v[1] > HEAT_MAX_POINTS)) {
            fprintf(stderr, "usage: heat [rows cols iterations]   (default %d %d %d; rows and "
                    "cols at least 3, at most %d points)\n", HEAT_ROWS, HEAT_COLS, HEAT_ITERS,
                    HEAT_MAX_POINTS);
            v[0] = 0;
        }
    }
    MPI_Bcast(v, 3, MPI_INT, 0, MPI_COMM_WORLD);
    p->rows = v[0];
    p->cols = v[1];
    p->iters = v[2];
    return (v[0] == 0) ? -1 : 0;
}

int main(int argc, char **argv)
{
    struct heat_params p;
    int rank, size, nworkers, bad = 0;
    MPI_Comm work;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (read_params(rank, argc, argv, &p) != 0) {
        MPI_Finalize();
        return 2;
    }

    /* With more ranks than inside rows, the extra ranks would hold empty blocks. They are split
     * off into a communicator of their own, so the ranks that do hold rows can treat their
     * neighbours as plain rank - 1 and rank + 1. World rank 0 always holds rows. */
    nworkers = (size < p.rows - 2) ? size : p.rows - 2;
    MPI_Comm_split(MPI_COMM_WORLD, (rank < nworkers) ? 0 : 1, rank, &work);
    if (rank < nworkers) {
        bad = run_and_check(&p, work, size);
    }
    MPI_Comm_free(&work);

    /* Only rank 0 knows the verdict; share it so that every rank exits with the same status. */
    MPI_Bcast(&bad, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return (bad == 0) ? 0 : 1;
}

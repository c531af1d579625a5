/* dt_pack_bench: MPI_Pack / MPI_Unpack throughput (GB/s of packed data) for the layouts that
 * matter: a vector of 8-byte blocks at a 16-byte stride (1 MiB), a vector of 64-byte blocks,
 * an irregular indexed type, an array of struct {int; double; char[3]}, and faces of a 3-D
 * array. Only the MPI API is used, so the same file builds against Open MPI and MPICH for
 * comparison (mpicc dt_pack_bench.c -O2). Built with Kurir's internal headers
 * (KR_BENCH_INTERNAL) it also times kr_dt_pack in 64 KiB fragments, as pt2pt packs.
 *
 * Usage: dt_pack_bench [seconds per measurement, default 0.3] */
#include <mpi.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(KR_BENCH_INTERNAL) && KR_BENCH_INTERNAL
#include "datatype/dt.h"
#endif

static double bench_secs = 0.3;

struct bcase {
    const char *name;
    MPI_Datatype type;
    int count;
    size_t span; /* bytes of typed buffer the elements touch (from buf) */
};

/* Best rate over repeated runs of at least bench_secs, in GB/s of `bytes`. */
typedef void bench_fn(const struct bcase *c, void *typed, void *packed, int size);

static double bench_rate(bench_fn *fn, const struct bcase *c, void *typed, void *packed, int size)
{
    double best = 0, start = MPI_Wtime(), t0, dt;
    int reps = 1;

    while (MPI_Wtime() - start < bench_secs) {
        t0 = MPI_Wtime();
        for (int r = 0; r < reps; r++) {
            fn(c, typed, packed, size);
        }
        dt = MPI_Wtime() - t0;
        if (dt > 0 && (double) size * reps / dt / 1e9 > best) {
            best = (double) size * reps / dt / 1e9;
        }
        if (dt < 0.01) {
            reps *= 2;
        }
    }
    return best;
}

static void do_pack(const struct bcase *c, void *typed, void *packed, int size)
{
    int pos = 0;

    MPI_Pack(typed, c->count, c->type, packed, size, &pos, MPI_COMM_WORLD);
}

static void do_unpack(const struct bcase *c, void *typed, void *packed, int size)
{
    int pos = 0;

    MPI_Unpack(packed, size, &pos, typed, c->count, c->type, MPI_COMM_WORLD);
}

#if defined(KR_BENCH_INTERNAL) && KR_BENCH_INTERNAL
/* What pt2pt does with a large message: pack it in 64 KiB fragments. */
static void do_frag(const struct bcase *c, void *typed, void *packed, int size)
{
    const struct kr_dt *dt = kr_dt_from_handle(c->type);

    for (size_t off = 0; off < (size_t) size; off += 65536) {
        kr_dt_pack(dt, (size_t) c->count, typed, off, (char *) packed + off, 65536);
    }
}
#endif

static void run(struct bcase *c)
{
    unsigned char *typed, *packed;
    int size;
    double p, u;

    MPI_Type_commit(&c->type);
    MPI_Pack_size(c->count, c->type, MPI_COMM_WORLD, &size);
    typed = malloc(c->span);
    packed = malloc((size_t) size);
    if (typed == NULL || packed == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < c->span; i++) {
        typed[i] = (unsigned char) (i * 131);
    }
    memset(packed, 0, (size_t) size);
    p = bench_rate(do_pack, c, typed, packed, size);
    u = bench_rate(do_unpack, c, typed, packed, size);
    printf("%-34s %9d B   pack %6.2f GB/s   unpack %6.2f GB/s", c->name, size, p, u);
#if defined(KR_BENCH_INTERNAL) && KR_BENCH_INTERNAL
    printf("   64K fragments %6.2f GB/s", bench_rate(do_frag, c, typed, packed, size));
#endif
    printf("\n");
    MPI_Type_free(&c->type);
    free(typed);
    free(packed);
}

int main(int argc, char **argv)
{
    struct bcase c;
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int len, n, *bl, *disp, sizes[3] = {128, 128, 128};
    int face_y[3] = {128, 1, 128}, face_z[3] = {128, 128, 1}, start[3] = {0, 64, 64};
    struct rec {
        int i;
        double x;
        char s[3];
    };
    int rbl[3] = {1, 1, 3};
    MPI_Aint rd[3] = {offsetof(struct rec, i), offsetof(struct rec, x), offsetof(struct rec, s)};
    MPI_Datatype rty[3] = {MPI_INT, MPI_DOUBLE, MPI_CHAR};

    MPI_Init(&argc, &argv);
    if (argc > 1) {
        bench_secs = atof(argv[1]);
    }
    MPI_Get_library_version(version, &len);
    printf("%.*s\n", (int) strcspn(version, "\n"), version);

    c = (struct bcase){"vector 8B blocks, 16B stride, 1MiB", MPI_DATATYPE_NULL, 1,
                       (size_t) 2 * 1048576};
    MPI_Type_vector(131072, 1, 2, MPI_DOUBLE, &c.type);
    run(&c);

    c = (struct bcase){"vector 64B blocks, 128B stride, 1MiB", MPI_DATATYPE_NULL, 1,
                       (size_t) 2 * 1048576};
    MPI_Type_vector(16384, 8, 16, MPI_DOUBLE, &c.type);
    run(&c);

    /* irregular: 1..8 doubles per block, gaps of 0..7 doubles, ~1 MiB of data */
    n = 29000;
    bl = malloc((size_t) n * sizeof(int));
    disp = malloc((size_t) n * sizeof(int));
    srand(7);
    for (int i = 0, at = 0; i < n; i++) {
        bl[i] = 1 + rand() % 8;
        disp[i] = at + rand() % 8;
        at = disp[i] + bl[i];
    }
    c = (struct bcase){"indexed irregular, ~1MiB", MPI_DATATYPE_NULL, 1, 0};
    MPI_Type_indexed(n, bl, disp, MPI_DOUBLE, &c.type);
    c.span = (size_t) (disp[n - 1] + bl[n - 1]) * sizeof(double);
    run(&c);
    free(bl);
    free(disp);

    c = (struct bcase){"struct {int,double,char[3]} x 70000", MPI_DATATYPE_NULL, 70000,
                       70000 * sizeof(struct rec)};
    MPI_Type_create_struct(3, rbl, rd, rty, &c.type);
    run(&c);

    c = (struct bcase){"subarray 3-D y face (1KiB rows)", MPI_DATATYPE_NULL, 1,
                       (size_t) 128 * 128 * 128 * 8};
    start[0] = 0;
    start[2] = 0;
    MPI_Type_create_subarray(3, sizes, face_y, start, MPI_ORDER_C, MPI_DOUBLE, &c.type);
    run(&c);

    c = (struct bcase){"subarray 3-D z face (8B elements)", MPI_DATATYPE_NULL, 1,
                       (size_t) 128 * 128 * 128 * 8};
    start[1] = 0;
    start[2] = 64;
    MPI_Type_create_subarray(3, sizes, face_z, start, MPI_ORDER_C, MPI_DOUBLE, &c.type);
    run(&c);

    MPI_Finalize();
    return 0;
}

/* One-sided communication at any np: every window flavour, every synchronisation mode, put and
 * get (small, inline; large, separate payload; derived origin types), accumulates with every
 * predefined op class, get_accumulate / fetch_and_op / compare_and_swap, the request forms, and
 * the atomicity of concurrent accumulates on one location. */
#include "check.h"

#include <stdbool.h>

#define N 4096            /* ints per rank in the window */
#define BIG (64 * 1024)   /* ints in the large transfers: above the inline limit */

static int rank, size;

static int pattern(int owner, int i)
{
    return owner * 1000003 + i;
}

/* Every rank puts its pattern into slot block `rank` of its right neighbour, then reads the
 * block of its left neighbour back; `sync` is how the epochs are made. */
static void put_get(MPI_Win win, int *base, const char *sync)
{
    int right = (rank + 1) % size, left = (rank + size - 1) % size;
    int chunk = N / size, buf[N], back[N];
    MPI_Group wg, peers;
    int pr[2] = { left, right };

    for (int i = 0; i < chunk; i++) {
        buf[i] = pattern(rank, i);
    }
    memset(base, 0, N * sizeof(int));
    MPI_Win_get_group(win, &wg);
    MPI_Group_incl(wg, left == right ? 1 : 2, pr, &peers);
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    if (strcmp(sync, "fence") == 0) {
        CHECK_MPI(MPI_Win_fence(MPI_MODE_NOPRECEDE, win));
        CHECK_MPI(MPI_Put(buf, chunk, MPI_INT, right, rank * chunk, chunk, MPI_INT, win));
        CHECK_MPI(MPI_Win_fence(0, win));
    } else if (strcmp(sync, "lock") == 0) {
        CHECK_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, right, 0, win));
        CHECK_MPI(MPI_Put(buf, chunk, MPI_INT, right, rank * chunk, chunk, MPI_INT, win));
        CHECK_MPI(MPI_Win_unlock(right, win));
    } else if (strcmp(sync, "lock_all") == 0) {
        CHECK_MPI(MPI_Win_lock_all(0, win));
        CHECK_MPI(MPI_Put(buf, chunk / 2, MPI_INT, right, rank * chunk, chunk / 2, MPI_INT, win));
        CHECK_MPI(MPI_Win_flush(right, win));
        CHECK_MPI(MPI_Put(buf + chunk / 2, chunk - chunk / 2, MPI_INT, right,
                          rank * chunk + chunk / 2, chunk - chunk / 2, MPI_INT, win));
        CHECK_MPI(MPI_Win_flush_local(right, win));
        CHECK_MPI(MPI_Win_flush_all(win));
        CHECK_MPI(MPI_Win_flush_local_all(win));
        CHECK_MPI(MPI_Win_unlock_all(win));
    } else { /* pscw: expose to the left neighbour, access the right one */
        MPI_Group g_left, g_right;

        MPI_Group_incl(wg, 1, &left, &g_left);
        MPI_Group_incl(wg, 1, &right, &g_right);
        CHECK_MPI(MPI_Win_post(g_left, 0, win));
        CHECK_MPI(MPI_Win_start(g_right, 0, win));
        CHECK_MPI(MPI_Put(buf, chunk, MPI_INT, right, rank * chunk, chunk, MPI_INT, win));
        CHECK_MPI(MPI_Win_complete(win));
        if (rank % 2 == 0) {
            CHECK_MPI(MPI_Win_wait(win));
        } else {
            int flag = 0;

            while (!flag) {
                CHECK_MPI(MPI_Win_test(win, &flag));
            }
        }
        MPI_Group_free(&g_left);
        MPI_Group_free(&g_right);
    }
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    for (int i = 0; i < chunk; i++) {
        CHECK(base[left * chunk + i] == pattern(left, i), "%s: slot %d from rank %d is %d", sync,
              i, left, base[left * chunk + i]);
    }
    /* and read it back from the neighbour: what we put there */
    CHECK_MPI(MPI_Win_lock(MPI_LOCK_SHARED, right, 0, win));
    CHECK_MPI(MPI_Get(back, chunk, MPI_INT, right, rank * chunk, chunk, MPI_INT, win));
    CHECK_MPI(MPI_Win_unlock(right, win));
    for (int i = 0; i < chunk; i++) {
        CHECK(back[i] == pattern(rank, i), "%s: get slot %d is %d", sync, i, back[i]);
    }
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    MPI_Group_free(&peers);
    MPI_Group_free(&wg);
}

/* Large transfers and derived origin types, with fences. */
static void big_and_derived(void)
{
    int *mem, *src = malloc(BIG * sizeof(int)), *dst = malloc(BIG * sizeof(int));
    int right = (rank + 1) % size, left = (rank + size - 1) % size;
    int strided[2 * 64], packed[64];
    MPI_Datatype vec, con;
    MPI_Win win;

    CHECK(src != NULL && dst != NULL, "out of memory");
    CHECK_MPI(MPI_Win_allocate(BIG * sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &mem,
                               &win));
    for (int i = 0; i < BIG; i++) {
        src[i] = pattern(rank, i);
        mem[i] = -1;
    }
    CHECK_MPI(MPI_Win_fence(0, win));
    CHECK_MPI(MPI_Put(src, BIG, MPI_INT, right, 0, BIG, MPI_INT, win));
    CHECK_MPI(MPI_Win_fence(0, win));
    for (int i = 0; i < BIG; i++) {
        CHECK(mem[i] == pattern(left, i), "big put: element %d is %d", i, mem[i]);
    }
    CHECK_MPI(MPI_Get(dst, BIG, MPI_INT, right, 0, BIG, MPI_INT, win));
    CHECK_MPI(MPI_Win_fence(0, win));
    for (int i = 0; i < BIG; i++) {
        CHECK(dst[i] == pattern(rank, i), "big get: element %d is %d", i, dst[i]);
    }
    /* a vector origin (every other int) into a contiguous derived target type */
    MPI_Type_vector(64, 1, 2, MPI_INT, &vec);
    MPI_Type_commit(&vec);
    MPI_Type_contiguous(64, MPI_INT, &con);
    MPI_Type_commit(&con);
    for (int i = 0; i < 128; i++) {
        strided[i] = i % 2 == 0 ? pattern(rank, i / 2) : -7;
    }
    CHECK_MPI(MPI_Put(strided, 1, vec, right, 10, 1, con, win));
    CHECK_MPI(MPI_Win_fence(0, win));
    for (int i = 0; i < 64; i++) {
        CHECK(mem[10 + i] == pattern(left, i), "vector put: element %d is %d", i, mem[10 + i]);
    }
    memset(strided, 0, sizeof(strided));
    CHECK_MPI(MPI_Get(strided, 1, vec, right, 10, 64, MPI_INT, win));
    CHECK_MPI(MPI_Accumulate(packed, 0, MPI_INT, right, 0, 0, MPI_INT, MPI_SUM, win));
    CHECK_MPI(MPI_Win_fence(0, win));
    for (int i = 0; i < 64; i++) {
        CHECK(strided[2 * i] == pattern(rank, i) && strided[2 * i + 1] == 0,
              "vector get: element %d is %d", i, strided[2 * i]);
    }
    /* large accumulate: separate payload */
    for (int i = 0; i < BIG; i++) {
        mem[i] = 1;
    }
    CHECK_MPI(MPI_Win_fence(0, win));
    CHECK_MPI(MPI_Accumulate(src, BIG, MPI_INT, right, 0, BIG, MPI_INT, MPI_SUM, win));
    CHECK_MPI(MPI_Win_fence(0, win));
    for (int i = 0; i < BIG; i++) {
        CHECK(mem[i] == pattern(left, i) + 1, "big acc: element %d is %d", i, mem[i]);
    }
    CHECK_MPI(MPI_Win_fence(MPI_MODE_NOSUCCEED, win));
    MPI_Type_free(&vec);
    MPI_Type_free(&con);
    CHECK_MPI(MPI_Win_free(&win));
    free(src);
    free(dst);
}

/* Accumulates from everyone on rank 0's window, under shared locks: atomic per element.
 * Allocated windows on one host take the origin's direct path, created ones the target's. */
static void accumulates(bool create)
{
    enum { REPS = 50 };
    long long *mem, one = 1, got;
    double *dm, d = 0.5;
    int *im, ivals[4], res[4], cmp, newv, old;
    MPI_Win win;

    if (create) {
        mem = malloc(64 * sizeof(long long));
        CHECK_MPI(MPI_Win_create(mem, 64 * sizeof(long long), 1, MPI_INFO_NULL, MPI_COMM_WORLD,
                                 &win));
    } else {
        CHECK_MPI(MPI_Win_allocate(64 * sizeof(long long), 1, MPI_INFO_NULL, MPI_COMM_WORLD,
                                   &mem, &win));
    }
    memset(mem, 0, 64 * sizeof(long long));
    dm = (double *) (mem + 16);
    im = (int *) (mem + 32);
    for (int i = 0; i < 8; i++) {
        im[i] = 0;
    }
    im[4] = 0x0f;
    im[5] = -1;
    im[6] = 100;
    im[7] = 100;
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    CHECK_MPI(MPI_Win_lock_all(0, win));
    for (int r = 0; r < REPS; r++) {
        CHECK_MPI(MPI_Accumulate(&one, 1, MPI_LONG_LONG, 0, 0, 1, MPI_LONG_LONG, MPI_SUM, win));
        CHECK_MPI(MPI_Fetch_and_op(&one, &got, MPI_LONG_LONG, 0, 8, MPI_SUM, win));
        CHECK_MPI(MPI_Win_flush(0, win));
        CHECK(got >= 0 && got < (long long) REPS * size, "fetch_and_op gave %lld", got);
        CHECK_MPI(MPI_Accumulate(&d, 1, MPI_DOUBLE, 0, 16 * 8, 1, MPI_DOUBLE, MPI_SUM, win));
    }
    /* a ticket lock: each compare_and_swap that wins moves the counter by one */
    for (int won = 0; won < 3;) {
        CHECK_MPI(MPI_Fetch_and_op(NULL, &cmp, MPI_INT, 0, 32 * 8, MPI_NO_OP, win));
        CHECK_MPI(MPI_Win_flush(0, win));
        newv = cmp + 1;
        CHECK_MPI(MPI_Compare_and_swap(&newv, &cmp, &old, MPI_INT, 0, 32 * 8, win));
        CHECK_MPI(MPI_Win_flush(0, win));
        won += old == cmp;
    }
    ivals[0] = rank + 1;  /* MAX */
    ivals[1] = -rank - 1; /* MIN */
    ivals[2] = 1 << rank; /* BOR */
    ivals[3] = 0x0f;      /* BXOR */
    CHECK_MPI(MPI_Accumulate(&ivals[0], 1, MPI_INT, 0, 32 * 8 + 4, 1, MPI_INT, MPI_MAX, win));
    CHECK_MPI(MPI_Accumulate(&ivals[1], 1, MPI_INT, 0, 32 * 8 + 8, 1, MPI_INT, MPI_MIN, win));
    CHECK_MPI(MPI_Accumulate(&ivals[2], 1, MPI_INT, 0, 32 * 8 + 12, 1, MPI_INT, MPI_BOR, win));
    CHECK_MPI(MPI_Accumulate(&ivals[3], 1, MPI_INT, 0, 32 * 8 + 16, 1, MPI_INT, MPI_BXOR, win));
    CHECK_MPI(MPI_Accumulate(&ivals[0], 1, MPI_INT, 0, 32 * 8 + 20, 1, MPI_INT, MPI_LAND, win));
    CHECK_MPI(MPI_Win_unlock_all(win));
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0) {
        CHECK(mem[0] == (long long) REPS * size, "sum is %lld, not %lld", mem[0],
              (long long) REPS * size);
        CHECK(mem[1] == (long long) REPS * size, "fetch_and_op sum is %lld", mem[1]);
        CHECK(dm[0] == 0.5 * REPS * size, "double sum is %g", dm[0]);
        CHECK(im[0] == 3 * size, "compare_and_swap counter is %d, not %d", im[0], 3 * size);
        CHECK(im[1] == size, "max is %d", im[1]);
        CHECK(im[2] == -size, "min is %d", im[2]);
        CHECK(im[3] == (1 << (size < 31 ? size : 30)) - 1, "bor is %#x", (unsigned) im[3]);
        CHECK(im[4] == (size % 2 == 0 ? 0x0f : 0), "bxor is %#x", (unsigned) im[4]);
        CHECK(im[5] == 1, "land is %d", im[5]);
    }
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    /* get_accumulate with REPLACE is an atomic swap; NO_OP an atomic read */
    CHECK_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win));
    ivals[0] = rank;
    CHECK_MPI(MPI_Get_accumulate(&ivals[0], 1, MPI_INT, &res[0], 1, MPI_INT, 0, 32 * 8 + 24, 1,
                                 MPI_INT, MPI_REPLACE, win));
    CHECK_MPI(MPI_Win_unlock(0, win));
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    {
        MPI_Request rq;

        CHECK_MPI(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win));
        CHECK_MPI(MPI_Rget_accumulate(NULL, 0, MPI_INT, &res[1], 1, MPI_INT, 0, 32 * 8 + 24, 1,
                                      MPI_INT, MPI_NO_OP, win, &rq));
        CHECK_MPI(MPI_Wait(&rq, MPI_STATUS_IGNORE));
        CHECK_MPI(MPI_Rput(&ivals[0], 1, MPI_INT, 0, 32 * 8 + 28 + 4 * rank, 1, MPI_INT, win,
                           &rq));
        CHECK_MPI(MPI_Wait(&rq, MPI_STATUS_IGNORE));
        CHECK_MPI(MPI_Raccumulate(&one, 1, MPI_LONG_LONG, 0, 0, 1, MPI_LONG_LONG, MPI_SUM, win,
                                  &rq));
        CHECK_MPI(MPI_Wait(&rq, MPI_STATUS_IGNORE));
        CHECK_MPI(MPI_Win_flush(0, win)); /* the accumulate is done at the target */
        CHECK_MPI(MPI_Rget(&got, 1, MPI_LONG_LONG, 0, 0, 1, MPI_LONG_LONG, win, &rq));
        CHECK_MPI(MPI_Wait(&rq, MPI_STATUS_IGNORE));
        CHECK_MPI(MPI_Win_unlock(0, win));
        CHECK(got > (long long) REPS * size, "Rget after Raccumulate gave %lld", got);
        CHECK(res[1] >= 0 && res[1] < size, "swap left %d", res[1]);
    }
    /* exclusive locks exclude: a read-modify-write by get and put under them loses nothing */
    if (rank == 0) {
        CHECK_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win));
        mem[2] = 0;
        CHECK_MPI(MPI_Win_unlock(0, win));
    }
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    for (int r = 0; r < REPS; r++) {
        long long v;

        CHECK_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win));
        CHECK_MPI(MPI_Get(&v, 1, MPI_LONG_LONG, 0, 16, 1, MPI_LONG_LONG, win));
        CHECK_MPI(MPI_Win_flush(0, win));
        v++;
        CHECK_MPI(MPI_Put(&v, 1, MPI_LONG_LONG, 0, 16, 1, MPI_LONG_LONG, win));
        CHECK_MPI(MPI_Win_unlock(0, win));
    }
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0) {
        CHECK_MPI(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win));
        CHECK(mem[2] == (long long) REPS * size, "locked increments gave %lld, not %lld", mem[2],
              (long long) REPS * size);
        CHECK_MPI(MPI_Win_unlock(0, win));
    }
    CHECK_MPI(MPI_Win_free(&win));
    if (create) {
        free(mem);
    }
}

/* A shared window: neighbours' memory is directly addressable. */
static void shared(void)
{
    MPI_Comm node;
    MPI_Win win;
    int *mine, *other, du, nrank, nsize;
    MPI_Aint sz;

    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_rank(node, &nrank);
    MPI_Comm_size(node, &nsize);
    CHECK_MPI(MPI_Win_allocate_shared((nrank + 1) * sizeof(int), sizeof(int), MPI_INFO_NULL, node,
                                      &mine, &win));
    CHECK_MPI(MPI_Win_lock_all(0, win));
    for (int i = 0; i <= nrank; i++) {
        mine[i] = pattern(nrank, i);
    }
    CHECK_MPI(MPI_Win_sync(win));
    CHECK_MPI(MPI_Barrier(node));
    CHECK_MPI(MPI_Win_sync(win));
    for (int r = 0; r < nsize; r++) {
        CHECK_MPI(MPI_Win_shared_query(win, r, &sz, &du, &other));
        CHECK(sz == (MPI_Aint) ((r + 1) * sizeof(int)) && du == (int) sizeof(int),
              "shared_query of %d: size %ld, disp_unit %d", r, (long) sz, du);
        for (int i = 0; i <= r; i++) {
            CHECK(other[i] == pattern(r, i), "shared memory of %d: element %d is %d", r, i,
                  other[i]);
        }
    }
    CHECK_MPI(MPI_Win_unlock_all(win));
    CHECK_MPI(MPI_Win_free(&win));
    MPI_Comm_free(&node);
}

/* A dynamic window: memory attached after creation, addressed by absolute address. */
static void dynamic(void)
{
    int *mem = calloc(16, sizeof(int)), val = pattern(rank, 0), right = (rank + 1) % size;
    MPI_Aint addr, *all = malloc(size * sizeof(MPI_Aint));
    MPI_Win win;

    CHECK_MPI(MPI_Win_create_dynamic(MPI_INFO_NULL, MPI_COMM_WORLD, &win));
    CHECK_MPI(MPI_Win_attach(win, mem, 16 * sizeof(int)));
    MPI_Get_address(mem, &addr);
    MPI_Allgather(&addr, 1, MPI_AINT, all, 1, MPI_AINT, MPI_COMM_WORLD);
    CHECK_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, right, 0, win));
    CHECK_MPI(MPI_Put(&val, 1, MPI_INT, right, all[right] + 4, 1, MPI_INT, win));
    CHECK_MPI(MPI_Win_unlock(right, win));
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    CHECK(mem[1] == pattern((rank + size - 1) % size, 0), "dynamic put gave %d", mem[1]);
    CHECK_MPI(MPI_Win_detach(win, mem));
    CHECK_MPI(MPI_Win_free(&win));
    free(mem);
    free(all);
}

static void attrs(MPI_Win win, void *base, int flavor)
{
    void *v;
    int flag;
    char name[MPI_MAX_OBJECT_NAME];
    MPI_Info info;
    int len;

    CHECK_MPI(MPI_Win_get_attr(win, MPI_WIN_BASE, &v, &flag));
    CHECK(flag && v == base, "MPI_WIN_BASE is %p, not %p", v, base);
    CHECK_MPI(MPI_Win_get_attr(win, MPI_WIN_SIZE, &v, &flag));
    CHECK(flag && *(MPI_Aint *) v == N * (MPI_Aint) sizeof(int), "MPI_WIN_SIZE is %ld",
          (long) *(MPI_Aint *) v);
    CHECK_MPI(MPI_Win_get_attr(win, MPI_WIN_DISP_UNIT, &v, &flag));
    CHECK(flag && *(int *) v == (int) sizeof(int), "MPI_WIN_DISP_UNIT is %d", *(int *) v);
    CHECK_MPI(MPI_Win_get_attr(win, MPI_WIN_CREATE_FLAVOR, &v, &flag));
    CHECK(flag && *(int *) v == flavor, "MPI_WIN_CREATE_FLAVOR is %d", *(int *) v);
    CHECK_MPI(MPI_Win_get_attr(win, MPI_WIN_MODEL, &v, &flag));
    CHECK(flag && *(int *) v == MPI_WIN_UNIFIED, "MPI_WIN_MODEL is %d", *(int *) v);
    CHECK_MPI(MPI_Win_set_name(win, "rma-test"));
    CHECK_MPI(MPI_Win_get_name(win, name, &len));
    CHECK(strcmp(name, "rma-test") == 0 && len == 8, "name is %s", name);
    CHECK_MPI(MPI_Win_get_info(win, &info));
    MPI_Info_free(&info);
    CHECK(MPI_Win_f2c(MPI_Win_c2f(win)) == win, "c2f/f2c round trip");
}

int main(int argc, char **argv)
{
    static const char *syncs[] = { "fence", "lock", "lock_all", "pscw" };
    int *base;
    MPI_Win win;

    MPI_Init(&argc, &argv);
    check_init("rma_ops");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    base = malloc(N * sizeof(int));
    CHECK_MPI(MPI_Win_create(base, N * sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD,
                             &win));
    attrs(win, base, MPI_WIN_FLAVOR_CREATE);
    for (int s = 0; s < 4; s++) {
        put_get(win, base, syncs[s]);
    }
    CHECK_MPI(MPI_Win_free(&win));
    CHECK(win == MPI_WIN_NULL, "MPI_Win_free left the handle");
    free(base);

    CHECK_MPI(MPI_Win_allocate(N * sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &base,
                               &win));
    attrs(win, base, MPI_WIN_FLAVOR_ALLOCATE);
    for (int s = 0; s < 4; s++) {
        put_get(win, base, syncs[s]);
    }
    CHECK_MPI(MPI_Win_free(&win));

    big_and_derived();
    accumulates(false);
    accumulates(true);
    shared();
    dynamic();
    MPI_Finalize();
    return 0;
}

/* alloc_mem: MPI_Alloc_mem gives writable memory, 64-byte aligned (page aligned from 64 KiB),
 * for every size from 0 up, with MPI_INFO_NULL or MPI_INFO_ENV; that memory works as send and
 * receive buffers; MPI_Free_mem takes it back, and NULL. Under MPI_ERRORS_RETURN: a negative
 * size is MPI_ERR_SIZE, an impossible size MPI_ERR_NO_MEM, a bad info MPI_ERR_INFO and a NULL
 * baseptr MPI_ERR_ARG. */
#include "check.h"

#include <unistd.h>

static int rank, np;

static void sizes(void)
{
    static const MPI_Aint lens[] = {0, 1, 7, 63, 64, 65, 4096, 65535, 65536, 1 << 20, 3 << 20};
    uintptr_t page = (uintptr_t) sysconf(_SC_PAGESIZE);

    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        unsigned char *p = NULL;
        MPI_Info info = i % 2 == 0 ? MPI_INFO_NULL : MPI_INFO_ENV;

        CHECK_MPI(MPI_Alloc_mem(lens[i], info, &p));
        CHECK(p != NULL, "MPI_Alloc_mem(%ld) gave NULL", (long) lens[i]);
        CHECK((uintptr_t) p % 64 == 0, "MPI_Alloc_mem(%ld) gave %p, not 64-byte aligned",
              (long) lens[i], (void *) p);
        CHECK(lens[i] < 65536 || (uintptr_t) p % page == 0,
              "MPI_Alloc_mem(%ld) gave %p, not page aligned", (long) lens[i], (void *) p);
        check_fill(p, (size_t) lens[i], (unsigned) i);
        CHECK_PATTERN(p, (size_t) lens[i], (unsigned) i, "MPI_Alloc_mem(%ld)", (long) lens[i]);
        CHECK_MPI(MPI_Free_mem(p));
    }
    CHECK_MPI(MPI_Free_mem(NULL));
}

/* A ring exchange of 1 MiB between buffers from MPI_Alloc_mem. */
static void as_buffers(void)
{
    const size_t len = 1 << 20;
    double *send, *recv;
    int next = (rank + 1) % np, prev = (rank + np - 1) % np;

    CHECK_MPI(MPI_Alloc_mem((MPI_Aint) len, MPI_INFO_NULL, &send));
    CHECK_MPI(MPI_Alloc_mem((MPI_Aint) len, MPI_INFO_NULL, &recv));
    check_fill(send, len, 100 + (unsigned) rank);
    memset(recv, 0, len);
    CHECK_MPI(MPI_Sendrecv(send, (int) len, MPI_BYTE, next, 1, recv, (int) len, MPI_BYTE, prev, 1,
                           MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    CHECK_PATTERN(recv, len, 100 + (unsigned) prev, "1 MiB from rank %d", prev);
    CHECK_MPI(MPI_Free_mem(send));
    CHECK_MPI(MPI_Free_mem(recv));
}

static void errors(void)
{
    void *p = (void *) 0x1;
    int ret;

    ret = MPI_Alloc_mem(-1, MPI_INFO_NULL, &p);
    CHECK(ret == MPI_ERR_SIZE, "MPI_Alloc_mem(-1) gave %d, want MPI_ERR_SIZE", ret);
    ret = MPI_Alloc_mem(INTPTR_MAX, MPI_INFO_NULL, &p);
    CHECK(ret == MPI_ERR_NO_MEM, "MPI_Alloc_mem(INTPTR_MAX) gave %d, want MPI_ERR_NO_MEM", ret);
    ret = MPI_Alloc_mem(16, (MPI_Info) 0x135, &p);
    CHECK(ret == MPI_ERR_INFO, "MPI_Alloc_mem with a bad info gave %d, want MPI_ERR_INFO", ret);
    ret = MPI_Alloc_mem(16, MPI_INFO_NULL, NULL);
    CHECK(ret == MPI_ERR_ARG, "MPI_Alloc_mem(baseptr NULL) gave %d, want MPI_ERR_ARG", ret);
    CHECK(p == (void *) 0x1, "a failed MPI_Alloc_mem changed *baseptr");
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    check_init("alloc_mem");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));

    sizes();
    as_buffers();
    errors();

    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0) {
        printf("alloc_mem: allocations checked\n");
    }
    MPI_Finalize();
    return 0;
}

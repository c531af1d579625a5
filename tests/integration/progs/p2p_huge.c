/* p2p_huge: one message larger than 2 GiB (300M doubles, 2.24 GiB) from rank 0 to rank 1,
 * checked at the start of every 4 KiB page and at its last byte, with MPI_Get_count by type
 * (300M) and by byte (MPI_UNDEFINED: the byte count does not fit an int). Other ranks only
 * wait. Skipped, exit 0 with a note, at np 1, when the machine has less than 8 GiB available
 * or when a buffer cannot be allocated. */
#include "check.h"

#define COUNT 300000000L
#define BYTES ((size_t) COUNT * sizeof(double))
#define PAGE 4096
#define NEED_KIB (8UL << 20)

/* MemAvailable from /proc/meminfo in KiB, or 0 if it cannot be read. */
static unsigned long mem_available_kib(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    unsigned long kib = 0;

    if (f == NULL) {
        return 0;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "MemAvailable: %lu kB", &kib) == 1) {
            break;
        }
    }
    fclose(f);
    return kib;
}

static uint64_t page_word(size_t page)
{
    return (uint64_t) page * 0x9e3779b97f4a7c15ULL ^ 0x5a5a5a5a5a5a5a5aULL;
}

static unsigned char last_byte(void)
{
    return 0xc3;
}

int main(int argc, char **argv)
{
    int rank, np, ok = 1, all_ok = 0, cnt;
    unsigned char *buf = NULL;
    unsigned long avail = 0;
    MPI_Status st;

    MPI_Init(&argc, &argv);
    check_init("p2p_huge");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    if (np < 2) {
        fprintf(stderr, "p2p_huge: note: skipped, needs 2 ranks\n");
        MPI_Finalize();
        return 0;
    }

    /* Both sides must agree before anything is sent: rank 0 judges the machine, ranks 0 and 1
     * their own allocation. */
    if (rank == 0) {
        avail = mem_available_kib();
        if (avail < NEED_KIB) {
            fprintf(stderr, "p2p_huge: note: skipped, %lu MiB available, needs %lu MiB\n",
                    avail >> 10, NEED_KIB >> 10);
            ok = 0;
        }
    }
    if (ok && rank <= 1) {
        buf = malloc(BYTES);
        if (buf == NULL) {
            fprintf(stderr, "p2p_huge: note: skipped, rank %d cannot allocate %zu bytes\n", rank,
                    BYTES);
            ok = 0;
        }
    }
    CHECK_MPI(MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
    if (!all_ok) {
        free(buf);
        MPI_Finalize();
        return 0;
    }

    if (rank == 0) {
        /* Only the marked bytes are written; the rest stays as malloc left it. */
        for (size_t off = 0; off < BYTES; off += PAGE) {
            uint64_t w = page_word(off / PAGE);
            memcpy(buf + off, &w, sizeof(w));
        }
        buf[BYTES - 1] = last_byte();
        CHECK_MPI(MPI_Send(buf, (int) COUNT, MPI_DOUBLE, 1, 5, MPI_COMM_WORLD));
    } else if (rank == 1) {
        /* Make every marked byte wrong first, so a short transfer cannot pass. */
        for (size_t off = 0; off < BYTES; off += PAGE) {
            memset(buf + off, 0xee, sizeof(uint64_t));
        }
        buf[BYTES - 1] = 0xee;
        CHECK_MPI(MPI_Recv(buf, (int) COUNT, MPI_DOUBLE, 0, 5, MPI_COMM_WORLD, &st));
        CHECK(st.MPI_SOURCE == 0 && st.MPI_TAG == 5, "status source %d tag %d", st.MPI_SOURCE,
              st.MPI_TAG);
        CHECK_MPI(MPI_Get_count(&st, MPI_DOUBLE, &cnt));
        CHECK(cnt == (int) COUNT, "MPI_Get_count(MPI_DOUBLE) gives %d, want %ld", cnt, COUNT);
        CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &cnt));
        CHECK(cnt == MPI_UNDEFINED,
              "MPI_Get_count(MPI_BYTE) of %zu bytes gives %d, want "
              "MPI_UNDEFINED (%d)",
              BYTES, cnt, MPI_UNDEFINED);
        for (size_t off = 0; off < BYTES; off += PAGE) {
            uint64_t w, want = page_word(off / PAGE);
            memcpy(&w, buf + off, sizeof(w));
            CHECK(w == want,
                  "page at offset %zu (%.2f GiB) starts with 0x%016llx, want "
                  "0x%016llx",
                  off, (double) off / (1 << 30), (unsigned long long) w, (unsigned long long) want);
        }
        CHECK(buf[BYTES - 1] == last_byte(), "last byte (offset %zu) is 0x%02x, want 0x%02x",
              BYTES - 1, buf[BYTES - 1], last_byte());
    }
    free(buf);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}

/* The host's shared-memory segment never has a name a killed job could leave in /dev/shm.
 *   shm_noname check        after MPI_Init and a barrier, no segment this process maps (found
 *                           in /proc/self/maps) has a name in /dev/shm;
 *                           rank 0 prints "segment <label>" for the script
 *   shm_noname stall DIR    job rank 0 (PMI_RANK) writes DIR/leader.pid and calls MPI_Init;
 *                           the other ranks never call it, so their host's segment is created
 *                           but never attached: the script kills the job there
 * Driven by tests/integration/shm_leftover.sh. */
#include "check.h"

#include <glob.h>
#include <signal.h>
#include <unistd.h>

/* The label of this job's segment in /proc/self/maps ("kurir-<jobid>-n<node>"), or "". Fails
 * when a mapping is a file still named in /dev/shm. */
static void segment_label(char *label, size_t len)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[4096];

    CHECK(f != NULL, "cannot read /proc/self/maps");
    label[0] = '\0';
    while (fgets(line, sizeof(line), f) != NULL) {
        char *p = strstr(line, "kurir-");

        CHECK(strstr(line, "/dev/shm/kurir-") == NULL || strstr(line, "(deleted)") != NULL,
              "a segment still named in /dev/shm is mapped after MPI_Init: %s", line);
        if (p != NULL && label[0] == '\0') {
            size_t n = strcspn(p, " \n");

            snprintf(label, len, "%.*s", (int) n, p);
        }
    }
    fclose(f);
}

static int check(int argc, char **argv)
{
    char label[256], pattern[300];
    int rank, np;
    glob_t g;

    MPI_Init(&argc, &argv);
    check_init("shm_noname");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    segment_label(label, sizeof(label));
    CHECK(np == 1 || label[0] != '\0', "no shared-memory segment mapped at np %d", np);
    if (label[0] != '\0') {
        snprintf(pattern, sizeof(pattern), "/dev/shm/%s*", label);
        CHECK(glob(pattern, 0, NULL, &g) == GLOB_NOMATCH, "%s exists while the job runs",
              pattern);
        if (rank == 0) {
            printf("segment %s\n", label);
        }
    }
    /* The segment still works: a message through it. */
    if (np > 1) {
        int v = rank;

        CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD));
        CHECK(v == np * (np - 1) / 2, "allreduce gave %d", v);
    }
    MPI_Finalize();
    return 0;
}

static int stall(int argc, char **argv)
{
    const char *r = getenv("PMI_RANK");
    char path[4096];
    FILE *f;

    if (r == NULL || strcmp(r, "0") != 0) {
        for (;;) {
            pause(); /* never initialize: rank 0 waits for us in the fence */
        }
    }
    snprintf(path, sizeof(path), "%s/leader.pid", argv[2]);
    f = fopen(path, "w");
    CHECK(f != NULL, "cannot write %s", path);
    fprintf(f, "%ld\n", (long) getpid());
    fclose(f);
    /* Our mpirun's fence waits for the others forever; Hydra's lets rank 0 through, and the
     * others still never attach: wait for the kill either way. */
    MPI_Init(&argc, &argv);
    for (;;) {
        pause();
    }
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "check") == 0) {
        return check(argc, argv);
    }
    if (argc == 3 && strcmp(argv[1], "stall") == 0) {
        return stall(argc, argv);
    }
    fprintf(stderr, "usage: shm_noname check | stall DIR\n");
    return 2;
}

/* init_misc: the environment calls. MPI_Initialized / MPI_Finalized before, during and after;
 * MPI_Init_thread asked for MPI_THREAD_MULTIPLE gives a valid level that MPI_Query_thread
 * repeats; MPI_Is_thread_main; MPI_Get_version and (with the standard ABI) MPI_Abi_get_version;
 * MPI_Get_library_version; MPI_Get_processor_name against gethostname; MPI_Wtime monotonic and
 * advancing like CLOCK_MONOTONIC; MPI_Wtick; the command line survives MPI_Init. */
#include "check.h"

#include <time.h>
#include <unistd.h>

static double mono_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

static void versions(void)
{
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    int v = -1, sv = -1, len = -1;

    CHECK_MPI(MPI_Get_version(&v, &sv));
    CHECK(v == MPI_VERSION && sv == MPI_SUBVERSION,
          "MPI_Get_version gives %d.%d, mpi.h says "
          "%d.%d",
          v, sv, MPI_VERSION, MPI_SUBVERSION);
#if defined(KURIR_VERSION_MAJOR)
    CHECK(v == 5 && sv == 0, "MPI_Get_version gives %d.%d, want 5.0", v, sv);
#endif
#if defined(MPI_ABI_VERSION)
    {
        int major = -1, minor = -1;

        CHECK_MPI(MPI_Abi_get_version(&major, &minor));
        CHECK(major == MPI_ABI_VERSION && minor == MPI_ABI_SUBVERSION,
              "MPI_Abi_get_version gives %d.%d, mpi.h says %d.%d", major, minor, MPI_ABI_VERSION,
              MPI_ABI_SUBVERSION);
        CHECK(major == 1 && minor == 0, "MPI_Abi_get_version gives %d.%d, want 1.0", major, minor);
    }
#endif
    memset(lib, 'x', sizeof(lib));
    CHECK_MPI(MPI_Get_library_version(lib, &len));
    CHECK(len > 0 && len < MPI_MAX_LIBRARY_VERSION_STRING && memchr(lib, '\0', sizeof(lib)),
          "MPI_Get_library_version: length %d, or no terminating NUL", len);
    CHECK(len == (int) strlen(lib),
          "MPI_Get_library_version: length %d but the string has "
          "%zu characters",
          len, strlen(lib));
}

static void processor_name(void)
{
    char name[MPI_MAX_PROCESSOR_NAME], host[MPI_MAX_PROCESSOR_NAME];
    int len = -1;

    memset(name, 'x', sizeof(name));
    CHECK_MPI(MPI_Get_processor_name(name, &len));
    CHECK(len > 0 && len < MPI_MAX_PROCESSOR_NAME && len == (int) strlen(name),
          "MPI_Get_processor_name: length %d, string \"%.40s\"", len, name);
    CHECK(gethostname(host, sizeof(host)) == 0, "gethostname failed");
    host[sizeof(host) - 1] = '\0';
    CHECK(strcmp(name, host) == 0, "MPI_Get_processor_name gives \"%s\", gethostname \"%s\"", name,
          host);
}

static void clocks(void)
{
    double tick = MPI_Wtick(), prev = MPI_Wtime(), t0, m0, dt = 0, dm = 0;
    long advanced = 0;

    CHECK(tick > 0.0 && tick <= 0.01, "MPI_Wtick gives %g", tick);
    for (int i = 0; i < 200000; i++) {
        double t = MPI_Wtime();
        CHECK(t >= prev, "MPI_Wtime went back from %.9f to %.9f", prev, t);
        advanced += t > prev;
        prev = t;
    }
    CHECK(advanced > 0, "MPI_Wtime did not advance over 200000 calls");

    /* Over 20 ms, MPI_Wtime and CLOCK_MONOTONIC agree to within 10% + 2 ms (so Wtime counts
     * seconds). Being descheduled between two clock reads can skew one attempt on a busy
     * machine; one good attempt in five is enough. */
    for (int attempt = 0; attempt < 5; attempt++) {
        t0 = MPI_Wtime();
        m0 = mono_now();
        while (mono_now() - m0 < 0.020) {
            /* spin */
        }
        dt = MPI_Wtime() - t0;
        dm = mono_now() - m0;
        if (dt > 0.9 * dm - 0.002 && dt < 1.1 * dm + 0.002) {
            return;
        }
    }
    CHECK(0, "MPI_Wtime advanced %.6f s while CLOCK_MONOTONIC advanced %.6f s", dt, dm);
}

int main(int argc, char **argv)
{
    int flag = -1, provided = -1, queried = -1, rank, np, sum = 0, one = 1;
    int argc0 = argc;
    char **argv0 = malloc((size_t) (argc + 1) * sizeof(char *));

    CHECK(argv0 != NULL, "out of memory");
    for (int i = 0; i < argc; i++) {
        argv0[i] = strdup(argv[i]);
    }

    CHECK_MPI(MPI_Initialized(&flag));
    CHECK(flag == 0, "MPI_Initialized gives %d before MPI_Init_thread", flag);
    CHECK_MPI(MPI_Finalized(&flag));
    CHECK(flag == 0, "MPI_Finalized gives %d before MPI_Init_thread", flag);

    CHECK_MPI(MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided));
    check_init("init_misc");
    CHECK(provided == MPI_THREAD_SINGLE || provided == MPI_THREAD_FUNNELED
              || provided == MPI_THREAD_SERIALIZED || provided == MPI_THREAD_MULTIPLE,
          "MPI_Init_thread provided %d, not a thread level", provided);
    CHECK_MPI(MPI_Query_thread(&queried));
    CHECK(queried == provided, "MPI_Query_thread gives %d, MPI_Init_thread provided %d", queried,
          provided);
    CHECK_MPI(MPI_Is_thread_main(&flag));
    CHECK(flag == 1, "MPI_Is_thread_main gives %d on the thread that called MPI_Init_thread", flag);
    CHECK_MPI(MPI_Initialized(&flag));
    CHECK(flag == 1, "MPI_Initialized gives %d after MPI_Init_thread", flag);
    CHECK_MPI(MPI_Finalized(&flag));
    CHECK(flag == 0, "MPI_Finalized gives %d before MPI_Finalize", flag);

    CHECK(argc == argc0, "MPI_Init_thread changed argc from %d to %d", argc0, argc);
    for (int i = 0; i < argc; i++) {
        CHECK(strcmp(argv[i], argv0[i]) == 0,
              "argv[%d] was \"%s\", after MPI_Init_thread "
              "\"%s\"",
              i, argv0[i], argv[i]);
    }

    CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &np));
    versions();
    processor_name();
    clocks();
    CHECK_MPI(MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD));
    CHECK(sum == np, "MPI_Allreduce gives %d, want %d", sum, np);

    CHECK_MPI(MPI_Finalize());
    MPI_Initialized(&flag);
    if (flag != 1) {
        fprintf(stderr, "init_misc: FAIL rank %d: MPI_Initialized gives %d after MPI_Finalize\n",
                rank, flag);
        return 1;
    }
    MPI_Finalized(&flag);
    if (flag != 1) {
        fprintf(stderr, "init_misc: FAIL rank %d: MPI_Finalized gives %d after MPI_Finalize\n",
                rank, flag);
        return 1;
    }
    for (int i = 0; i < argc0; i++) {
        free(argv0[i]);
    }
    free(argv0);
    return 0;
}

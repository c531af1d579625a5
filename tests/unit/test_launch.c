/* The launch engine (launcher/mpirun/launch_*.c) with a rank set that is not contiguous, as a
 * per-host daemon gets under --map-by node: each entry's program, environment, working
 * directory, output files and MPI_APPNUM (answered by the PMI-2 server to the library's own
 * client, tests/integration/progs_boot/boot_client) reach the right rank. Starts real
 * processes; needs KURIR_BUILDDIR (set by make check) to find boot_client. */
#include "config.h"

#include "../../launcher/mpirun/launch.h"
#include "../../launcher/pmi/pmi_kvs.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

struct exits {
    struct kr_launch *l;
    int n;
    int rank[4];
    int status[4];
    bool init[4];
    bool fini[4];
    bool timed_out;
};

static void cb_exit(void *arg, int rank, pid_t pid, int status, bool init, bool fini)
{
    struct exits *e = arg;

    (void) pid;
    if (e->n < 4) {
        e->rank[e->n] = rank;
        e->status[e->n] = status;
        e->init[e->n] = init;
        e->fini[e->n] = fini;
        e->n++;
    }
}

static void cb_abort(void *arg, int rank, pid_t pid, int code, const char *msg)
{
    (void) arg;
    (void) pid;
    fail_msg("rank %d aborted with %d: %s", rank, code, msg);
}

static void cb_pmi_error(void *arg, int rank, pid_t pid, const char *why)
{
    (void) arg;
    (void) pid;
    fail_msg("rank %d %s", rank, why);
}

/* Run the job of `p` (with a fresh local key-value space) until every rank has exited. */
static void launch_to_end(struct kr_launch_params *p, struct exits *e)
{
    struct kr_pmi_kvs *kvs;

    assert_int_equal(kr_pmi_kvs_local_create(p->size, &kvs), 0);
    p->kvs = kvs;
    assert_int_equal(kr_launch_create(p, &e->l), 0);
    kr_launch_alarm(e->l, 30000);
    assert_int_equal(kr_launch_spawn(e->l), 0);
    assert_int_equal(kr_launch_run(e->l), 0);
    kr_launch_destroy(e->l);
    kvs->ops->destroy(kvs);
}

static void cb_signal(void *arg, int signo)
{
    (void) arg;
    (void) signo;
}

static void cb_alarm(void *arg)
{
    struct exits *e = arg;

    e->timed_out = true;
    kr_launch_terminate(e->l, SIGKILL, 0, -1);
}

static const struct kr_launch_cb test_cb = {
    .rank_exit = cb_exit, .rank_abort = cb_abort, .pmi_error = cb_pmi_error,
    .signal = cb_signal, .alarm = cb_alarm,
};

static char *slurp(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    size_t n;

    assert_non_null(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void noncontiguous_ranks(void **state)
{
    const char *bld = getenv("KURIR_BUILDDIR");
    char client[4096], dir[] = "/tmp/kr-test-launch-XXXXXX", out1[4200], out3[4200];
    char err3[4200], wdir[4200];
    char *argv1[] = { "boot_client", "info", NULL };
    char *argv3[] = { "sh", "-c",
                      "echo \"$PMI_RANK/$PMI_SIZE $KR_JOB $KR_X $(pwd)\"; echo e >&2", NULL };
    char *env3[] = { "KR_X=mine", "KR_JOB=overridden", NULL };
    char *job_env[] = { "KR_JOB=job", "KR_X=job", NULL };
    struct kr_launch_proc procs[2];
    struct exits e = { 0 };

    (void) state;
    if (bld == NULL) {
        skip();
    }
    snprintf(client, sizeof(client), "%s/tests/integration/progs_boot/boot_client", bld);
    assert_non_null(mkdtemp(dir));
    snprintf(out1, sizeof(out1), "%s/r1/out", dir);
    snprintf(out3, sizeof(out3), "%s/r3/deeper/out", dir);
    snprintf(err3, sizeof(err3), "%s/r3/deeper/err", dir);
    snprintf(wdir, sizeof(wdir), "%s", dir);
    procs[0] = (struct kr_launch_proc) { .rank = 1, .appnum = 0, .path = client,
                                         .argv = argv1, .stdout_path = out1 };
    procs[1] = (struct kr_launch_proc) { .rank = 3, .appnum = 2, .path = "/bin/sh",
                                         .argv = argv3, .env = env3, .wdir = wdir,
                                         .stdout_path = out3, .stderr_path = err3 };
    struct kr_launch_params p = {
        .nprocs = 2, .procs = procs, .size = 4, .jobid = "ktest-1", .env = job_env,
        .mapping = "(vector,(0,2,1))", .universe_size = 6, .cb = &test_cb, .cb_arg = &e,
    };

    launch_to_end(&p, &e);

    assert_false(e.timed_out);
    assert_int_equal(e.n, 2);
    for (int i = 0; i < 2; i++) {
        assert_true(WIFEXITED(e.status[i]) && WEXITSTATUS(e.status[i]) == 0);
        assert_int_equal(e.init[i], e.rank[i] == 1); /* only boot_client speaks PMI */
        assert_int_equal(e.fini[i], e.rank[i] == 1);
    }
    /* Rank 1 on node 1 of 2 by the mapping, appnum 0; the universe as given. */
    assert_string_equal(slurp(out1), "rank 1 of 4 appnum 0 universe 6 nnodes 2 node 1\n");
    {
        char want[4400];

        snprintf(want, sizeof(want), "3/4 overridden mine %s\n", dir);
        assert_string_equal(slurp(out3), want);
    }
    assert_string_equal(slurp(err3), "e\n");
    unlink(out1);
    unlink(out3);
    unlink(err3);
    snprintf(out1, sizeof(out1), "rm -r '%s'", dir);
    assert_int_equal(system(out1), 0);
}

/* The appnum travels only through PMI: a second client in another context says 2. */
static void appnum_per_rank(void **state)
{
    const char *bld = getenv("KURIR_BUILDDIR");
    char client[4096], dir[] = "/tmp/kr-test-launch-XXXXXX", out[2][4200];
    char *argv1[] = { "boot_client", "info", NULL };
    struct kr_launch_proc procs[2];
    struct exits e = { 0 };

    (void) state;
    if (bld == NULL) {
        skip();
    }
    snprintf(client, sizeof(client), "%s/tests/integration/progs_boot/boot_client", bld);
    assert_non_null(mkdtemp(dir));
    for (int i = 0; i < 2; i++) {
        snprintf(out[i], sizeof(out[i]), "%s/%d", dir, i);
        procs[i] = (struct kr_launch_proc) { .rank = 2 * i, .appnum = 2 * i, .path = client,
                                             .argv = argv1, .stdout_path = out[i] };
    }
    struct kr_launch_params p = {
        .nprocs = 2, .procs = procs, .size = 3, .jobid = "ktest-2",
        .mapping = "(vector,(0,1,3))", .universe_size = 3, .cb = &test_cb, .cb_arg = &e,
    };

    launch_to_end(&p, &e);
    assert_false(e.timed_out);
    assert_string_equal(slurp(out[0]), "rank 0 of 3 appnum 0 universe 3 nnodes 1 node 0\n");
    assert_string_equal(slurp(out[1]), "rank 2 of 3 appnum 2 universe 3 nnodes 1 node 0\n");
    unlink(out[0]);
    unlink(out[1]);
    rmdir(dir);
}

static void bad_rank_sets(void **state)
{
    char *argv[] = { "true", NULL };
    struct kr_launch_proc procs[2] = {
        { .rank = 3, .path = "/bin/true", .argv = argv },
        { .rank = 1, .path = "/bin/true", .argv = argv },
    };
    struct kr_launch_params p = {
        .nprocs = 2, .procs = procs, .size = 4, .jobid = "ktest-3", .mapping = "",
        .cb = &test_cb,
    };
    struct kr_launch *l = NULL;
    struct kr_pmi_kvs *kvs;

    (void) state;
    assert_int_equal(kr_pmi_kvs_local_create(4, &kvs), 0);
    p.kvs = kvs;
    assert_int_equal(kr_launch_create(&p, &l), -EINVAL); /* descending */
    procs[1].rank = 3;
    assert_int_equal(kr_launch_create(&p, &l), -EINVAL); /* twice */
    procs[1].rank = 4;
    assert_int_equal(kr_launch_create(&p, &l), -EINVAL); /* not in the job */
    assert_null(l);
    /* No rank at all is fine: mpirun runs none itself when every host is remote. */
    p.nprocs = 0;
    assert_int_equal(kr_launch_create(&p, &l), 0);
    assert_int_equal(kr_launch_alive(l), 0);
    kr_launch_destroy(l);
    kvs->ops->destroy(kvs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(noncontiguous_ranks),
        cmocka_unit_test(appnum_per_rank),
        cmocka_unit_test(bad_rank_sets),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

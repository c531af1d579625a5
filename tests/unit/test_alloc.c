/* Batch allocations: Slurm hostlist expressions and per-node counts, PBS nodefiles, and which
 * allocation the environment describes (launcher/mpirun/alloc_*.c). */
#include "config.h"

#include "../../launcher/mpirun/alloc.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* Expand `expr` and compare with the names in `want`, joined by spaces. */
static void expand_is(const char *expr, const char *want)
{
    char **names = NULL, err[256] = "", got[4096] = "";
    int n = -1;

    assert_int_equal(kr_alloc_hostlist_expand(expr, "T", &names, &n, err, sizeof(err)), 0);
    for (int i = 0; i < n; i++) {
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i > 0 ? " " : "",
                 names[i]);
        free(names[i]);
    }
    free(names);
    assert_string_equal(got, want);
}

/* Expansion fails with -EINVAL and a message containing `part`. */
static void expand_fails(const char *expr, const char *part)
{
    char **names = NULL, err[256] = "";
    int n = -1;

    assert_int_equal(kr_alloc_hostlist_expand(expr, "T", &names, &n, err, sizeof(err)), -EINVAL);
    if (strstr(err, part) == NULL) {
        fail_msg("'%s': message '%s' lacks '%s'", expr, err, part);
    }
    assert_ptr_equal(names, NULL);
    assert_int_equal(n, -1);
}

static void hostlist_plain(void **state)
{
    (void) state;
    expand_is("vm", "vm");
    expand_is("a,b,c", "a b c");
    expand_is("node1.example.org,node2", "node1.example.org node2");
}

static void hostlist_ranges(void **state)
{
    (void) state;
    expand_is("node[01-04,07]", "node01 node02 node03 node04 node07");
    expand_is("a[1-2],b3", "a1 a2 b3");
    expand_is("n[1-3]", "n1 n2 n3");
    expand_is("n[8-11]", "n8 n9 n10 n11");
    expand_is("n[098-101]", "n098 n099 n100 n101");
    expand_is("n[0007]", "n0007");
    expand_is("x[5]y", "x5y");
    expand_is("c[1-2]-ib", "c1-ib c2-ib");
    expand_is("r[1-2]n[1-2]", "r1n1 r1n2 r2n1 r2n2");
    expand_is("a[1-2],b[01-02],c", "a1 a2 b01 b02 c");
    expand_is("[1-2]", "1 2");
}

static void hostlist_errors(void **state)
{
    (void) state;
    expand_fails("", "empty host name");
    expand_fails("a,,b", "empty host name");
    expand_fails("a,", "empty host name");
    expand_fails(",a", "empty host name");
    expand_fails("node[1-2", "unbalanced '['");
    expand_fails("node[1-[2]]", "unbalanced '['");
    expand_fails("node1-2]", "']' without '['");
    expand_fails("node[]", "bad range ''");
    expand_fails("node[a-b]", "bad range 'a-b'");
    expand_fails("node[1-]", "bad range '1-'");
    expand_fails("node[-3]", "bad range '-3'");
    expand_fails("node[1,,2]", "bad range ''");
    expand_fails("node[5-3]", "runs backwards");
    expand_fails("node[1234567890]", "bad range");
    expand_fails("n[0-999999]m[0-9]", "more than");
}

static void counts_is(const char *text, int n, const int *want)
{
    int got[64];
    char err[256] = "";

    assert_int_equal(kr_alloc_counts_parse(text, "T", n, got, err, sizeof(err)), 0);
    assert_memory_equal(got, want, sizeof(int) * (size_t) n);
}

static void counts_fail(const char *text, int n, const char *part)
{
    int got[64];
    char err[256] = "";

    assert_int_equal(kr_alloc_counts_parse(text, "T", n, got, err, sizeof(err)), -EINVAL);
    if (strstr(err, part) == NULL) {
        fail_msg("'%s': message '%s' lacks '%s'", text, err, part);
    }
}

static void tasks_per_node(void **state)
{
    (void) state;
    counts_is("2(x3),1", 4, (const int[]) { 2, 2, 2, 1 });
    counts_is("4", 1, (const int[]) { 4 });
    counts_is("1,2,3", 3, (const int[]) { 1, 2, 3 });
    counts_is("16(x2)", 2, (const int[]) { 16, 16 });
    counts_is("1(x1),3(x2)", 3, (const int[]) { 1, 3, 3 });
    counts_fail("2(x3),1", 3, "counts more than the 3 nodes");
    counts_fail("2(x3)", 4, "counts 3 nodes, the node list has 4");
    counts_fail("", 1, "bad entry ''");
    counts_fail("0", 1, "bad entry '0'");
    counts_fail("2(3)", 1, "bad entry '2(3)'");
    counts_fail("2(x)", 1, "bad entry '2(x)'");
    counts_fail("2(x0)", 1, "bad entry '2(x0)'");
    counts_fail("2(x2", 2, "bad entry '2(x2'");
    counts_fail("a", 1, "bad entry 'a'");
    counts_fail("1,", 1, "bad entry ''");
}

static void slurm_alloc(void **state)
{
    struct kr_alloc a;
    char err[256] = "";

    (void) state;
    assert_int_equal(kr_alloc_slurm(&a, "node[01-03],gpu7", "2(x3),1", "4(x3),2", err, sizeof(err)), 0);
    assert_int_equal(a.kind, KR_ALLOC_SLURM);
    assert_int_equal(a.nhosts, 4);
    assert_int_equal(a.slots, 7);
    assert_string_equal(a.hosts[0].name, "node01");
    assert_string_equal(a.hosts[2].name, "node03");
    assert_string_equal(a.hosts[3].name, "gpu7");
    assert_int_equal(a.hosts[3].slots, 1);
    assert_int_equal(a.hosts[0].cpus, 4);
    assert_int_equal(a.hosts[3].cpus, 2);
    assert_null(a.self);
    kr_alloc_free(&a);
    assert_int_equal(a.nhosts, 0);
    assert_int_equal(kr_alloc_slurm(&a, "node[01-03]", "2", NULL, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "SLURM_TASKS_PER_NODE: '2' counts 1 node, the node list has 3"));
    assert_int_equal(a.nhosts, 0);
    assert_int_equal(kr_alloc_slurm(&a, "node[01-03", "2", NULL, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "SLURM_JOB_NODELIST: unbalanced"));
    assert_int_equal(kr_alloc_slurm(&a, "n[1-2]", "1(x2)", "2", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "SLURM_JOB_CPUS_PER_NODE: '2' counts 1 node"));
    assert_int_equal(a.nhosts, 0);
}

static void pbs_nodefile(void **state)
{
    struct kr_alloc a;
    char err[256] = "";

    (void) state;
    assert_int_equal(kr_alloc_pbs_text(&a, "nf", "n1\nn1\n  n2 \n\nn1\nn3", err, sizeof(err)), 0);
    assert_int_equal(a.kind, KR_ALLOC_PBS);
    assert_int_equal(a.nhosts, 3);
    assert_int_equal(a.slots, 5);
    assert_string_equal(a.hosts[0].name, "n1");
    assert_int_equal(a.hosts[0].slots, 3);
    assert_string_equal(a.hosts[1].name, "n2");
    assert_int_equal(a.hosts[1].slots, 1);
    assert_string_equal(a.hosts[2].name, "n3");
    kr_alloc_free(&a);
    assert_int_equal(kr_alloc_pbs_text(&a, "nf", "\n \n", err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "nf: no hosts in the file");
    assert_int_equal(kr_alloc_pbs_text(&a, "nf", "n1\nn2 slots=4\n", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "nf:2: one host name per line"));
}

/* A fake environment: "NAME=value" strings. */
static const char *env_get(void *arg, const char *name)
{
    size_t n = strlen(name);

    for (const char *const *e = arg; *e != NULL; e++) {
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
            return *e + n + 1;
        }
    }
    return NULL;
}

static void detect(void **state)
{
    const char *none[] = { "HOME=/root", NULL };
    const char *slurm[] = { "SLURM_JOB_ID=12", "SLURM_JOB_NODELIST=a[1-2]",
                            "SLURM_TASKS_PER_NODE=3(x2)", "SLURM_JOB_CPUS_PER_NODE=4(x2)",
                            "SLURMD_NODENAME=a2", "PBS_NODEFILE=/nonexistent", NULL };
    const char *old[] = { "SLURM_JOB_ID=12", "SLURM_NODELIST=b", "SLURM_TASKS_PER_NODE=1",
                          NULL };
    const char *step[] = { "SLURM_JOB_ID=12", "SLURM_JOB_NODELIST=a[1-3]",
                           "SLURM_TASKS_PER_NODE=1", "SLURM_JOB_CPUS_PER_NODE=2(x3)",
                           "SLURM_STEP_NODELIST=a1", "SLURMD_NODENAME=a1", NULL };
    const char *broken[] = { "SLURM_JOB_ID=12", "SLURM_JOB_NODELIST=a", NULL };
    const char *pbs_missing[] = { "PBS_NODEFILE=/nonexistent/nodefile", NULL };
    char path[] = "/tmp/kurir-test-alloc-XXXXXX", err[256] = "";
    const char *pbs[] = { NULL, NULL };
    char pbsvar[64];
    struct kr_alloc a;
    int fd;

    (void) state;
    assert_int_equal(kr_alloc_detect(env_get, none, &a, err, sizeof(err)), 0);
    assert_int_equal(a.kind, KR_ALLOC_NONE);
    assert_int_equal(kr_alloc_detect(env_get, slurm, &a, err, sizeof(err)), 0);
    assert_int_equal(a.kind, KR_ALLOC_SLURM);
    assert_int_equal(a.slots, 6);
    assert_string_equal(a.self, "a2");
    assert_int_equal(a.hosts[1].cpus, 4);
    kr_alloc_free(&a);
    /* inside a step of one task: the job's nodes, a slot per CPU */
    assert_int_equal(kr_alloc_detect(env_get, step, &a, err, sizeof(err)), 0);
    assert_int_equal(a.nhosts, 3);
    assert_int_equal(a.slots, 6);
    assert_int_equal(a.hosts[2].cpus, 2);
    kr_alloc_free(&a);
    assert_int_equal(kr_alloc_detect(env_get, old, &a, err, sizeof(err)), 0);
    assert_string_equal(a.hosts[0].name, "b");
    kr_alloc_free(&a);
    assert_int_equal(kr_alloc_detect(env_get, broken, &a, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "SLURM_TASKS_PER_NODE is not"));
    assert_int_equal(kr_alloc_detect(env_get, pbs_missing, &a, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "cannot read PBS_NODEFILE '/nonexistent/nodefile'"));

    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "h1\nh2\nh1\n", 9), 9);
    close(fd);
    snprintf(pbsvar, sizeof(pbsvar), "PBS_NODEFILE=%s", path);
    pbs[0] = pbsvar;
    assert_int_equal(kr_alloc_detect(env_get, pbs, &a, err, sizeof(err)), 0);
    unlink(path);
    assert_int_equal(a.kind, KR_ALLOC_PBS);
    assert_int_equal(a.nhosts, 2);
    assert_int_equal(a.hosts[0].slots, 2);
    kr_alloc_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hostlist_plain),
        cmocka_unit_test(hostlist_ranges),
        cmocka_unit_test(hostlist_errors),
        cmocka_unit_test(tasks_per_node),
        cmocka_unit_test(slurm_alloc),
        cmocka_unit_test(pbs_nodefile),
        cmocka_unit_test(detect),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The launcher's job plan (launcher/mpirun/plan_*.c, mpirun_opts.c): -H lists and hostfiles in
 * both dialects with every error naming file:line, merging of hosts, --map-by slot/node, -N,
 * oversubscription, MPMD contexts, PMI_process_mapping. Host names go through a table instead of
 * DNS, except in the one test of the system resolver. */
#include "config.h"

#include "../../launcher/mpirun/mpirun.h"
#include "../../launcher/mpirun/plan.h"
#include "boot/pmi2_wire.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

/* The pretend network: node1..node4 are other machines; localhost, 127.0.0.1, myhost, its
 * FQDN and 10.0.0.9 (an address of one of our interfaces) are this one. */
static int fake_resolve(void *arg, const char *name, bool *local_out, char *why, size_t whylen)
{
    static const char *const remote[] = { "node1", "node2", "node3", "node4", NULL };
    static const char *const local[] = { "localhost", "127.0.0.1", "myhost",
                                         "myhost.example.org", "10.0.0.9", NULL };

    (void) arg;
    for (int i = 0; remote[i] != NULL; i++) {
        if (strcasecmp(name, remote[i]) == 0) {
            *local_out = false;
            return 0;
        }
    }
    for (int i = 0; local[i] != NULL; i++) {
        if (strcasecmp(name, local[i]) == 0) {
            *local_out = true;
            return 0;
        }
    }
    snprintf(why, whylen, "it does not resolve: Name or service not known");
    return -ENOENT;
}

static const struct kr_plan_resolver fake = { .resolve = fake_resolve };

static char *prog_argv[] = { "prog", NULL };

static void hosts_ok(struct kr_plan *p, const char *list)
{
    char err[512] = "";

    assert_int_equal(kr_plan_parse_hostlist(p, list, &fake, err, sizeof(err)), 0);
}

static void hostlist_err(const char *list, const char *want)
{
    struct kr_plan p = { 0 };
    char err[512] = "";

    assert_int_equal(kr_plan_parse_hostlist(&p, list, &fake, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, want);
    kr_plan_free(&p);
}

static void hostfile_ok(struct kr_plan *p, const char *text)
{
    char err[512] = "";

    assert_int_equal(kr_plan_parse_hostfile_text(p, "hosts.txt", text, &fake, err, sizeof(err)),
                     0);
}

static void hostfile_err(const char *text, const char *want)
{
    struct kr_plan p = { 0 };
    char err[512] = "";

    assert_int_equal(kr_plan_parse_hostfile_text(&p, "hosts.txt", text, &fake, err,
                                                 sizeof(err)), -EINVAL);
    assert_string_equal(err, want);
    kr_plan_free(&p);
}

static void one_app(struct kr_plan *p, int np)
{
    p->apps = calloc(1, sizeof(*p->apps));
    assert_non_null(p->apps);
    p->napps = 1;
    p->apps[0].np = np;
    p->apps[0].argv = prog_argv;
}

/* host_of as "0 0 1 ..." */
static const char *placement(const struct kr_plan *p)
{
    static char buf[1024];
    size_t n = 0;

    buf[0] = '\0';
    for (int r = 0; r < p->np; r++) {
        n += (size_t) snprintf(buf + n, sizeof(buf) - n, "%s%d", r > 0 ? " " : "",
                               p->host_of[r]);
    }
    return buf;
}

/* Place one app of `np` ranks (0: default) on `hosts` with `map`/`npernode`/`over`. */
static const char *place(struct kr_plan *p, const char *hosts, int np, enum kr_plan_map map,
                         int npernode, bool over)
{
    char err[512] = "";

    if (hosts != NULL) {
        hosts_ok(p, hosts);
    }
    one_app(p, np);
    p->map = map;
    p->npernode = npernode;
    p->oversubscribe = over;
    assert_int_equal(kr_plan_place(p, err, sizeof(err)), 0);
    return placement(p);
}

static void place_err(const char *hosts, int np, enum kr_plan_map map, int npernode, bool over,
                      const char *want)
{
    struct kr_plan p = { 0 };
    char err[512] = "";

    hosts_ok(&p, hosts);
    one_app(&p, np);
    p.map = map;
    p.npernode = npernode;
    p.oversubscribe = over;
    assert_int_equal(kr_plan_place(&p, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, want);
    kr_plan_free(&p);
}

static void hostlist_names_and_slots(void **state)
{
    struct kr_plan p = { 0 };

    (void) state;
    hosts_ok(&p, "node1,node2:4");
    hosts_ok(&p, "node3:2");             /* -H is repeatable */
    assert_int_equal(p.nhosts, 3);
    assert_string_equal(p.hosts[0].name, "node1");
    assert_int_equal(p.hosts[0].slots, 1);
    assert_false(p.hosts[0].local);
    assert_string_equal(p.hosts[1].name, "node2");
    assert_int_equal(p.hosts[1].slots, 4);
    assert_int_equal(p.hosts[2].slots, 2);
    assert_true(p.hosts_given);
    kr_plan_free(&p);
}

static void hostlist_duplicates_merge_in_first_order(void **state)
{
    struct kr_plan p = { 0 };

    (void) state;
    hosts_ok(&p, "node2,node1:2,NODE2:3,node1");
    assert_int_equal(p.nhosts, 2);
    assert_string_equal(p.hosts[0].name, "node2");
    assert_int_equal(p.hosts[0].slots, 4);
    assert_string_equal(p.hosts[1].name, "node1");
    assert_int_equal(p.hosts[1].slots, 3);
    kr_plan_free(&p);
}

static void local_names_are_one_host(void **state)
{
    struct kr_plan p = { 0 };

    (void) state;
    hosts_ok(&p, "node1,localhost:2,127.0.0.1:2");
    hosts_ok(&p, "myhost,myhost.example.org,10.0.0.9");
    assert_int_equal(p.nhosts, 2);
    assert_false(p.hosts[0].local);
    assert_string_equal(p.hosts[1].name, "localhost");
    assert_true(p.hosts[1].local);
    assert_int_equal(p.hosts[1].slots, 7);
    kr_plan_free(&p);
}

static void hostlist_errors(void **state)
{
    (void) state;
    hostlist_err("node1:x", "-H: bad slot count 'x' in 'node1:x'");
    hostlist_err("node1:0", "-H: bad slot count '0' in 'node1:0'");
    hostlist_err("node1:-2", "-H: bad slot count '-2' in 'node1:-2'");
    hostlist_err("node1:", "-H: bad slot count '' in 'node1:'");
    hostlist_err("node1,,node2", "-H: empty host name in 'node1,,node2'");
    hostlist_err("node1,", "-H: empty host name in 'node1,'");
    hostlist_err(":4", "-H: empty host name in ':4'");
    hostlist_err("", "-H: empty host list");
    hostlist_err("node1,bogus:2",
                 "-H: unknown host 'bogus' (it does not resolve: Name or service not known)");
}

static void hostfile_both_dialects(void **state)
{
    struct kr_plan p = { 0 };

    (void) state;
    hostfile_ok(&p, "# a cluster\n"
                    "\n"
                    "node1 slots=4   \n"
                    "node2:2\n"
                    "   node3\t\n"
                    "node4 slots=2 max_slots=4   # comment\n"
                    "\tnode1 # again: adds one slot\n"
                    "localhost slots=2\r\n"
                    "127.0.0.1:1");      /* no newline at the end */
    assert_int_equal(p.nhosts, 5);
    assert_string_equal(p.hosts[0].name, "node1");
    assert_int_equal(p.hosts[0].slots, 5);
    assert_int_equal(p.hosts[1].slots, 2);
    assert_int_equal(p.hosts[2].slots, 1);
    assert_string_equal(p.hosts[3].name, "node4");
    assert_int_equal(p.hosts[3].slots, 2);
    assert_true(p.hosts[4].local);
    assert_int_equal(p.hosts[4].slots, 3);
    kr_plan_free(&p);
}

static void hostfile_errors_name_file_and_line(void **state)
{
    (void) state;
    hostfile_err("node1\nnode2\nnode3 slots=x\n", "hosts.txt:3: bad slot count 'x'");
    hostfile_err("node1 slots=0\n", "hosts.txt:1: bad slot count '0'");
    hostfile_err("node1 slots=\n", "hosts.txt:1: bad slot count ''");
    hostfile_err("node1:abc\n", "hosts.txt:1: bad slot count 'abc' in 'node1:abc'");
    hostfile_err("# x\nnode1 cpus=2\n",
                 "hosts.txt:2: unknown keyword 'cpus=2' (expected slots=N or max_slots=N)");
    hostfile_err("node1 4\n",
                 "hosts.txt:1: unknown keyword '4' (expected slots=N or max_slots=N)");
    hostfile_err("node1 slots=2 slots=3\n", "hosts.txt:1: slots given twice");
    hostfile_err("node1:2 slots=3\n",
                 "hosts.txt:1: two slot counts for 'node1:2' (write host:N or host slots=N)");
    hostfile_err("node1 slots=4 max_slots=2\n", "hosts.txt:1: max_slots 2 is less than slots 4");
    hostfile_err("node1 max_slots=y\n", "hosts.txt:1: bad max_slots count 'y'");
    hostfile_err("node1\n\n# c\nnosuch slots=2\n",
                 "hosts.txt:4: unknown host 'nosuch' (it does not resolve: Name or service not "
                 "known)");
    hostfile_err("", "hosts.txt: no hosts in the file");
    hostfile_err("# only a comment\n\n   \n", "hosts.txt: no hosts in the file");
}

static void hostfile_from_disk(void **state)
{
    char path[] = "/tmp/kr-test-plan-XXXXXX", err[512] = "";
    struct kr_plan p = { 0 };
    FILE *f;
    int fd;

    (void) state;
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    fputs("node1 slots=2\nnode2:3\n", f);
    fclose(f);
    assert_int_equal(kr_plan_parse_hostfile(&p, path, &fake, err, sizeof(err)), 0);
    assert_int_equal(p.nhosts, 2);
    assert_int_equal(p.hosts[1].slots, 3);
    kr_plan_free(&p);
    unlink(path);
    assert_int_equal(kr_plan_parse_hostfile(&p, path, &fake, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "cannot read hostfile '/tmp/kr-test-plan-"));
    assert_non_null(strstr(err, "': No such file or directory"));
    kr_plan_free(&p);
}

static void map_values(void **state)
{
    enum kr_plan_map m = KR_PLAN_MAP_NODE;
    char err[256] = "";

    (void) state;
    assert_int_equal(kr_plan_parse_map("slot", &m, err, sizeof(err)), 0);
    assert_int_equal(m, KR_PLAN_MAP_SLOT);
    assert_int_equal(kr_plan_parse_map("NODE", &m, err, sizeof(err)), 0);
    assert_int_equal(m, KR_PLAN_MAP_NODE);
    assert_int_equal(kr_plan_parse_map("core", &m, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "--map-by 'core' is not supported (valid: slot, node)");
    assert_int_equal(kr_plan_parse_map("ppr:2:node", &m, err, sizeof(err)), -EINVAL);
}

static void place_by_slot_and_node(void **state)
{
    struct kr_plan p = { 0 };

    (void) state;
    assert_string_equal(place(&p, "node1:2,node2:2", 3, KR_PLAN_MAP_SLOT, 0, false), "0 0 1");
    assert_int_equal(p.universe_size, 4);
    assert_int_equal(p.hosts[0].nranks, 2);
    assert_int_equal(p.hosts[1].nranks, 1);
    assert_int_equal(p.hosts[1].ranks[0], 2);
    assert_true(p.remote);
    kr_plan_free(&p);
    assert_string_equal(place(&p, "node1:2,node2:2", 0, KR_PLAN_MAP_SLOT, 0, false),
                        "0 0 1 1");        /* default -n: every slot */
    kr_plan_free(&p);
    assert_string_equal(place(&p, "node1:2,node2:2", 4, KR_PLAN_MAP_NODE, 0, false), "0 1 0 1");
    assert_int_equal(p.hosts[0].ranks[0], 0);
    assert_int_equal(p.hosts[0].ranks[1], 2);
    kr_plan_free(&p);
    /* A host whose slots are full is skipped. */
    assert_string_equal(place(&p, "node1:3,node2:1", 4, KR_PLAN_MAP_NODE, 0, false), "0 1 0 0");
    kr_plan_free(&p);
}

static void place_oversubscribed(void **state)
{
    struct kr_plan p = { 0 };

    (void) state;
    place_err("node1:2,node2:1", 4, KR_PLAN_MAP_SLOT, 0, false,
              "4 ranks requested but only 3 slots on 2 hosts; use --oversubscribe or add slots");
    place_err("node1", 2, KR_PLAN_MAP_NODE, 0, false,
              "2 ranks requested but only 1 slot on 1 host; use --oversubscribe or add slots");
    /* 3 extra ranks over 2 hosts: one each, the remainder to the first. */
    assert_string_equal(place(&p, "node1:2,node2:1", 6, KR_PLAN_MAP_SLOT, 0, true),
                        "0 0 0 0 1 1");
    assert_int_equal(p.universe_size, 6);
    kr_plan_free(&p);
    assert_string_equal(place(&p, "node1,node2", 5, KR_PLAN_MAP_NODE, 0, true), "0 1 0 1 0");
    kr_plan_free(&p);
}

static void place_npernode(void **state)
{
    struct kr_plan p = { 0 };

    (void) state;
    assert_string_equal(place(&p, "node1:2,node2:2,node3:2", 0, KR_PLAN_MAP_SLOT, 2, false),
                        "0 0 1 1 2 2");
    kr_plan_free(&p);
    assert_string_equal(place(&p, "node1:2,node2:2,node3:2", 0, KR_PLAN_MAP_NODE, 2, false),
                        "0 1 2 0 1 2");
    kr_plan_free(&p);
    assert_string_equal(place(&p, "node1:2,node2:2,node3:2", 3, KR_PLAN_MAP_SLOT, 2, false),
                        "0 0 1");
    assert_int_equal(p.hosts[2].nranks, 0);
    kr_plan_free(&p);
    assert_string_equal(place(&p, "node1,node2", 0, KR_PLAN_MAP_SLOT, 3, true), "0 0 0 1 1 1");
    kr_plan_free(&p);
    place_err("node1:2,node2:2", 0, KR_PLAN_MAP_SLOT, 3, false,
              "-N 3 puts 3 ranks on host 'node1', which has 2 slots; use --oversubscribe or add "
              "slots");
    place_err("node1:2,node2:2,node3:2", 4, KR_PLAN_MAP_SLOT, 1, false,
              "4 ranks requested but -N 1 on 3 hosts places only 3");
}

static void place_without_hosts(void **state)
{
    struct kr_plan p = { 0 };

    (void) state;
    assert_string_equal(place(&p, NULL, 7, KR_PLAN_MAP_SLOT, 0, false), "0 0 0 0 0 0 0");
    assert_int_equal(p.nhosts, 1);
    assert_true(p.hosts[0].local);
    assert_false(p.hosts_given);
    assert_false(p.remote);
    assert_int_equal(p.universe_size, 7);
    kr_plan_free(&p);
    assert_string_equal(place(&p, NULL, 0, KR_PLAN_MAP_SLOT, 0, false), "0");
    kr_plan_free(&p);
    assert_string_equal(place(&p, NULL, 0, KR_PLAN_MAP_NODE, 3, false), "0 0 0");
    kr_plan_free(&p);
}

static void place_remote_only_when_ranks_go_there(void **state)
{
    struct kr_plan p = { 0 };

    (void) state;
    assert_string_equal(place(&p, "localhost,node1", 1, KR_PLAN_MAP_SLOT, 0, false), "0");
    assert_false(p.remote);
    kr_plan_free(&p);
    assert_string_equal(place(&p, "localhost,node1", 2, KR_PLAN_MAP_SLOT, 0, false), "0 1");
    assert_true(p.remote);
    kr_plan_free(&p);
}

/* mapping -> node_of through the library's own parser. */
static void check_mapping(const struct kr_plan *p, const int *want, int nhosts)
{
    char buf[1024];
    int node_of[64];

    assert_true(kr_plan_mapping(p, buf, sizeof(buf)) > 0);
    assert_int_equal(kr_pmi2_mapping_parse(buf, p->np, node_of), nhosts);
    for (int r = 0; r < p->np; r++) {
        assert_int_equal(node_of[r], want[r]);
    }
}

static void mapping_describes_placement(void **state)
{
    struct kr_plan p = { 0 };

    (void) state;
    place(&p, "node1:2,node2:2", 4, KR_PLAN_MAP_NODE, 0, false);
    check_mapping(&p, (const int[]) { 0, 1, 0, 1 }, 2);
    kr_plan_free(&p);
    place(&p, "node1:2,node2:2,node3:2", 3, KR_PLAN_MAP_SLOT, 0, false);
    check_mapping(&p, (const int[]) { 0, 0, 1 }, 2); /* node3 has no rank: not a node */
    kr_plan_free(&p);
    place(&p, "localhost:2,127.0.0.1:2", 0, KR_PLAN_MAP_SLOT, 0, false);
    check_mapping(&p, (const int[]) { 0, 0, 0, 0 }, 1);
    kr_plan_free(&p);
}

/* mpirun's command line with ':' contexts. argv is modified (':' becomes the end of a program's
 * arguments), so each test builds its own. */
static void mpmd_contexts(void **state)
{
    char *argv[] = { "mpirun", "-x", "G=1", "-n", "2", "/bin/true", "a", ":", "-n", "3",
                     "-x", "FOO=1", "-wdir", "/tmp", "/bin/echo", "y", "-n", NULL };
    struct kr_mpirun_opts o;
    const struct kr_plan *p = &o.plan;

    (void) state;
    assert_int_equal(kr_mpirun_opts_parse(17, argv, &o), 0);
    assert_int_equal(p->napps, 2);
    assert_int_equal(p->np, 5);
    assert_int_equal(p->apps[0].np, 2);
    assert_int_equal(p->apps[0].first_rank, 0);
    assert_string_equal(p->apps[0].path, "/bin/true");
    assert_string_equal(p->apps[0].argv[0], "/bin/true");
    assert_string_equal(p->apps[0].argv[1], "a");
    assert_null(p->apps[0].argv[2]);
    assert_string_equal(p->apps[0].env[0], "G=1");
    assert_null(p->apps[0].env[1]);
    assert_null(p->apps[0].wdir);
    assert_int_equal(p->apps[1].np, 3);
    assert_int_equal(p->apps[1].first_rank, 2);
    assert_string_equal(p->apps[1].argv[1], "y");
    assert_string_equal(p->apps[1].argv[2], "-n"); /* after the program: its argument */
    assert_string_equal(p->apps[1].env[0], "G=1");
    assert_string_equal(p->apps[1].env[1], "FOO=1");
    assert_string_equal(p->apps[1].wdir, "/tmp");
    for (int r = 0; r < 5; r++) {
        assert_int_equal(p->app_of[r], r < 2 ? 0 : 1);
    }
    assert_int_equal(p->universe_size, 5);
    kr_mpirun_opts_free(&o);
}

static void mpmd_global_options_and_hosts(void **state)
{
    char *argv[] = { "mpirun", "-H", "localhost:2,127.0.0.1:3", "-wdir", "/", "--map-by",
                     "node", "-n", "2", "/bin/true", ":", "-n", "3", "--tag-output",
                     "/bin/true", NULL };
    struct kr_mpirun_opts o;

    (void) state;
    assert_int_equal(kr_mpirun_opts_parse(15, argv, &o), 0);
    assert_int_equal(o.plan.nhosts, 1);
    assert_int_equal(o.plan.hosts[0].slots, 5);
    assert_int_equal(o.plan.map, KR_PLAN_MAP_NODE);
    assert_true(o.tag_output);
    assert_string_equal(o.plan.apps[1].wdir, "/"); /* -wdir before the first program: all */
    assert_null(o.plan.apps[0].env);
    kr_mpirun_opts_free(&o);
}

static void mpmd_errors(void **state)
{
    char *a1[] = { "mpirun", "-n", "2", "/bin/true", ":", NULL };
    char *a2[] = { "mpirun", "/bin/true", ":", "-H", "localhost", "/bin/true", NULL };
    char *a3[] = { "mpirun", "-H", "localhost:4", "/bin/true", ":", "/bin/true", NULL };
    char *a4[] = { "mpirun", "-n", "1", "/bin/true", ":", "-n", "1", "-wdir",
                   "/kr-no-such-dir", "/bin/true", NULL };
    struct kr_mpirun_opts o;

    (void) state;
    assert_int_equal(kr_mpirun_opts_parse(5, a1, &o), KR_MPIRUN_EXIT_USAGE);
    kr_mpirun_opts_free(&o);
    assert_int_equal(kr_mpirun_opts_parse(6, a2, &o), KR_MPIRUN_EXIT_USAGE);
    kr_mpirun_opts_free(&o);
    assert_int_equal(kr_mpirun_opts_parse(6, a3, &o), KR_MPIRUN_EXIT_USAGE);
    kr_mpirun_opts_free(&o);
    assert_int_equal(kr_mpirun_opts_parse(10, a4, &o), KR_MPIRUN_EXIT_USAGE);
    kr_mpirun_opts_free(&o);
}

static void system_resolver(void **state)
{
    char host[256], why[256] = "";
    bool local = false;

    (void) state;
    assert_int_equal(kr_plan_resolver_system.resolve(NULL, "localhost", &local, why,
                                                     sizeof(why)), 0);
    assert_true(local);
    local = false;
    assert_int_equal(kr_plan_resolver_system.resolve(NULL, "127.0.0.1", &local, why,
                                                     sizeof(why)), 0);
    assert_true(local);
    local = false;
    assert_int_equal(gethostname(host, sizeof(host)), 0);
    host[sizeof(host) - 1] = '\0';
    assert_int_equal(kr_plan_resolver_system.resolve(NULL, host, &local, why, sizeof(why)), 0);
    assert_true(local);
    assert_int_equal(kr_plan_resolver_system.resolve(NULL, "kr-no-such-host.invalid", &local,
                                                     why, sizeof(why)), -ENOENT);
    assert_non_null(strstr(why, "it does not resolve: "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hostlist_names_and_slots),
        cmocka_unit_test(hostlist_duplicates_merge_in_first_order),
        cmocka_unit_test(local_names_are_one_host),
        cmocka_unit_test(hostlist_errors),
        cmocka_unit_test(hostfile_both_dialects),
        cmocka_unit_test(hostfile_errors_name_file_and_line),
        cmocka_unit_test(hostfile_from_disk),
        cmocka_unit_test(map_values),
        cmocka_unit_test(place_by_slot_and_node),
        cmocka_unit_test(place_oversubscribed),
        cmocka_unit_test(place_npernode),
        cmocka_unit_test(place_without_hosts),
        cmocka_unit_test(place_remote_only_when_ranks_go_there),
        cmocka_unit_test(mapping_describes_placement),
        cmocka_unit_test(mpmd_contexts),
        cmocka_unit_test(mpmd_global_options_and_hosts),
        cmocka_unit_test(mpmd_errors),
        cmocka_unit_test(system_resolver),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* boot_client: exercises the library's PMI-2 client (src/boot) under a launcher.
 *   exchange [U]   every rank puts two keys, fences, reads every rank's keys back, twice;
 *                  checks layout (one host), job id agreement, -ENOENT and -ENOSPC. U is the
 *                  universe size the launcher must report (-1: any)
 *   hosts N        the same exchange in a job spread over N hosts: checks that the layout
 *                  has N hosts and that this rank's host lists it; prints
 *                  "rank R of S on node K ok" 
 *   abort CODE     rank 1 calls kr_boot_abort(CODE, msg) and exits CODE; others fence
 *   nofinalize     rank 1 returns without kr_boot_finalize; others fence
 *   fence-exit C   rank 0 exits C without fencing; others fence
 *   pmi1           speak PMI-1 on PMI_FD: must be refused; exit 0 when it was
 *   unknown-cmd    after a normal init, send an unknown command: must get rc != 0 naming it
 *   singleton      no launcher: rank 0 of 1 with a working local key-value space
 *   info           print "rank R of N appnum A universe U nnodes K node X" (no fence)
 * Exit 0 = pass; otherwise it prints why. */
#include "config.h"

#include "boot/boot.h"
#include "boot/pmi2_wire.h"
#include "util/settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(cond, ...)                                                          \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "boot_client: FAIL %s:%d: ", __FILE__, __LINE__);     \
            fprintf(stderr, __VA_ARGS__);                                         \
            fprintf(stderr, "\n");                                                \
            exit(1);                                                              \
        }                                                                         \
    } while (0)

static struct kr_boot *start(void)
{
    char err[256];
    struct kr_boot *b;
    int ret;

    ret = kr_settings_load(err, sizeof(err));
    CHECK(ret == 0, "settings: %s", err);
    ret = kr_boot_init(&b);
    CHECK(ret == 0, "kr_boot_init: %s", strerror(-ret));
    return b;
}

static void exchange_round(struct kr_boot *b, int round)
{
    const struct kr_boot_job *j = kr_boot_job(b);
    char key[64], want[256], got[KR_BOOT_VALUE_MAX];
    int ret;

    snprintf(key, sizeof(key), "card-%d-%d", round, j->rank);
    snprintf(want, sizeof(want), "shm://seg-%d/tcp://10.0.0.%d:%d", round, j->rank,
             5000 + j->rank);
    CHECK(kr_boot_put(b, key, want) == 0, "put %s", key);
    snprintf(key, sizeof(key), "jobid-%d-%d", round, j->rank);
    CHECK(kr_boot_put(b, key, j->jobid) == 0, "put %s", key);
    ret = kr_boot_fence(b);
    CHECK(ret == 0, "fence round %d: %s", round, strerror(-ret));
    for (int r = 0; r < j->size; r++) {
        snprintf(key, sizeof(key), "card-%d-%d", round, r);
        snprintf(want, sizeof(want), "shm://seg-%d/tcp://10.0.0.%d:%d", round, r, 5000 + r);
        ret = kr_boot_get(b, key, got, sizeof(got));
        CHECK(ret == 0, "get %s: %s", key, strerror(-ret));
        CHECK(strcmp(got, want) == 0, "get %s: '%s', expected '%s'", key, got, want);
        snprintf(key, sizeof(key), "jobid-%d-%d", round, r);
        CHECK(kr_boot_get(b, key, got, sizeof(got)) == 0, "get %s", key);
        CHECK(strcmp(got, j->jobid) == 0, "rank %d has job id '%s', I have '%s'", r, got,
              j->jobid);
    }
}

static int do_hosts(int nnodes)
{
    struct kr_boot *b = start();
    const struct kr_boot_job *j = kr_boot_job(b);
    int mine = 0;

    CHECK(j->nnodes == nnodes && j->node >= 0 && j->node < nnodes, "nnodes %d node %d, "
          "expected %d hosts", j->nnodes, j->node, nnodes);
    for (int r = 0; r < j->size; r++) {
        mine += j->node_of[r] == j->node;
    }
    CHECK(mine == j->nlocal && j->local_ranks[j->local_rank] == j->rank, "nlocal %d, %d ranks "
          "on my node", j->nlocal, mine);
    exchange_round(b, 0);
    exchange_round(b, 1);
    printf("rank %d of %d on node %d ok\n", j->rank, j->size, j->node);
    fflush(stdout);
    kr_boot_finalize(b);
    return 0;
}

static int do_exchange(int universe)
{
    struct kr_boot *b = start();
    const struct kr_boot_job *j = kr_boot_job(b);
    char small[4];
    int ret;

    CHECK(j->size >= 1 && j->rank >= 0 && j->rank < j->size, "rank %d size %d", j->rank,
          j->size);
    CHECK(j->nnodes == 1 && j->node == 0, "nnodes %d node %d on one host", j->nnodes, j->node);
    CHECK(j->nlocal == j->size && j->local_rank == j->rank, "nlocal %d local_rank %d",
          j->nlocal, j->local_rank);
    for (int i = 0; i < j->nlocal; i++) {
        CHECK(j->local_ranks[i] == i && j->node_of[i] == 0, "local_ranks[%d] = %d", i,
              j->local_ranks[i]);
    }
    CHECK(universe < 0 || j->universe_size == universe, "universe size %d, expected %d",
          j->universe_size, universe);
    CHECK(j->jobid[0] != '\0', "empty job id");
    exchange_round(b, 0);
    exchange_round(b, 1);
    ret = kr_boot_get(b, "no-such-key", small, sizeof(small));
    CHECK(ret == -ENOENT, "missing key gave %d", ret);
    ret = kr_boot_get(b, "card-0-0", small, sizeof(small));
    CHECK(ret == -ENOSPC, "small buffer gave %d", ret);
    CHECK(kr_boot_put(b, "bad;key", "v") == -EINVAL, "bad key accepted");
    printf("rank %d of %d ok, job %s\n", j->rank, j->size, j->jobid);
    fflush(stdout);
    kr_boot_finalize(b);
    return 0;
}

static int do_blocked(const char *mode, int code)
{
    struct kr_boot *b = start();
    const struct kr_boot_job *j = kr_boot_job(b);

    if (strcmp(mode, "abort") == 0 && j->rank == 1) {
        CHECK(kr_boot_abort(b, code, "boot_client; aborting on purpose") == 0, "abort");
        exit(code);
    }
    if (strcmp(mode, "nofinalize") == 0 && j->rank == 1) {
        _exit(0); /* status 0 without finalize (and without LeakSanitizer's exit check) */
    }
    if (strcmp(mode, "fence-exit") == 0 && j->rank == 0) {
        exit(code);
    }
    /* Blocks until the launcher ends the job: a rank above is missing. */
    (void) kr_boot_fence(b);
    fprintf(stderr, "boot_client: FAIL rank %d got out of a fence another rank skipped\n",
            j->rank);
    return 1;
}

static int pmi_fd(void)
{
    const char *fd = getenv("PMI_FD");

    CHECK(fd != NULL, "no PMI_FD");
    return atoi(fd);
}

static int do_pmi1(void)
{
    static struct kr_pmi2_msg msg;
    const char *line = "cmd=init pmi_version=1 pmi_subversion=1\n";
    int fd = pmi_fd(), rc = 0;

    CHECK(kr_pmi2_write_all(fd, line, strlen(line)) == 0, "write");
    CHECK(kr_pmi2_line_read(fd, &msg) == 0, "no answer to a PMI-1 init");
    CHECK(kr_pmi2_msg_rc(&msg, &rc) == 0 && rc != 0, "PMI-1 init was not refused");
    return 0;
}

static int do_unknown(void)
{
    static struct kr_pmi2_msg msg;
    struct kr_boot *b = start();
    struct kr_pmi2_frame f;
    int fd = pmi_fd(), rc = 0;
    const char *why;

    kr_pmi2_frame_begin(&f, "spawn-everything");
    CHECK(kr_pmi2_frame_end(&f) == 0, "frame");
    CHECK(kr_pmi2_write_all(fd, f.data, f.len) == 0, "write");
    CHECK(kr_pmi2_frame_read(fd, &msg) == 0, "no answer to an unknown command");
    CHECK(kr_pmi2_msg_rc(&msg, &rc) == 0 && rc != 0, "unknown command got rc 0");
    why = kr_pmi2_msg_get(&msg, "errmsg");
    CHECK(why != NULL && strstr(why, "spawn-everything") != NULL, "errmsg does not name it");
    kr_boot_finalize(b);
    return 0;
}

static int do_info(void)
{
    struct kr_boot *b = start();
    const struct kr_boot_job *j = kr_boot_job(b);

    printf("rank %d of %d appnum %d universe %d nnodes %d node %d\n", j->rank, j->size,
           j->appnum, j->universe_size, j->nnodes, j->node);
    kr_boot_finalize(b);
    return 0;
}

static int do_singleton(void)
{
    struct kr_boot *b = start();
    const struct kr_boot_job *j = kr_boot_job(b);
    char v[64];

    CHECK(j->singleton && j->rank == 0 && j->size == 1 && j->nlocal == 1 && j->nnodes == 1,
          "not a singleton");
    CHECK(strncmp(j->jobid, "singleton-", 10) == 0, "job id '%s'", j->jobid);
    CHECK(kr_boot_put(b, "k", "v1") == 0 && kr_boot_put(b, "k", "v2") == 0, "put");
    CHECK(kr_boot_fence(b) == 0, "fence");
    CHECK(kr_boot_get(b, "k", v, sizeof(v)) == 0 && strcmp(v, "v2") == 0, "get");
    CHECK(kr_boot_get(b, "nope", v, sizeof(v)) == -ENOENT, "missing key");
    kr_boot_finalize(b);
    printf("singleton ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "exchange";
    int arg = argc > 2 ? atoi(argv[2]) : -1;

    if (strcmp(mode, "exchange") == 0) {
        return do_exchange(arg);
    }
    if (strcmp(mode, "hosts") == 0) {
        return do_hosts(arg);
    }
    if (strcmp(mode, "abort") == 0 || strcmp(mode, "nofinalize") == 0 ||
        strcmp(mode, "fence-exit") == 0) {
        return do_blocked(mode, arg);
    }
    if (strcmp(mode, "pmi1") == 0) {
        return do_pmi1();
    }
    if (strcmp(mode, "unknown-cmd") == 0) {
        return do_unknown();
    }
    if (strcmp(mode, "singleton") == 0) {
        return do_singleton();
    }
    if (strcmp(mode, "info") == 0) {
        return do_info();
    }
    fprintf(stderr, "boot_client: unknown mode '%s'\n", mode);
    return 64;
}

/* Cooperative single copy (src/transport/shm/shm_coop.c): a receiver and a forked sender move
 * one buffer together by claiming chunks. The receiver alone must always be able to finish,
 * stale tickets must claim nothing, and the data must be exact whoever copied which chunk. */
#include "config.h"

#include "transport/shm/shm_int.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#define COOP_LEN (4 * SHM_COOP_CHUNK * 16 + 123) /* many chunks, a short last one */

/* The receiver (this process) and a forked sender that owns the source buffer. */
struct coop_fx {
    struct shm_ctl *ctl;        /* the receiver's control block, shared with the child */
    unsigned char *dst;
    unsigned char *src;         /* the sender's buffer: same address in the child */
    pid_t child;
    int to_child[2], from_child[2];
};

static unsigned char pattern(size_t i, unsigned seed)
{
    return (unsigned char) ((i * 2654435761u) >> 13) ^ (unsigned char) seed;
}

static void child_reply(struct coop_fx *fx, long v)
{
    ssize_t n = write(fx->from_child[1], &v, sizeof(v));

    (void) n;
}

/* The sender: fill the source (after the fork, so the data can only come from here), then
 * obey commands: 'w' + ticket = help copy and report the chunks copied; 'q' = exit. */
static void child_main(struct coop_fx *fx)
{
    char cmd;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (size_t i = 0; i < COOP_LEN; i++) {
        fx->src[i] = pattern(i, 7);
    }
    child_reply(fx, 0);
    while (read(fx->to_child[0], &cmd, 1) == 1 && cmd == 'w') {
        uint64_t ticket;

        if (read(fx->to_child[0], &ticket, sizeof(ticket)) != sizeof(ticket)) {
            break;
        }
        child_reply(fx, kr_shm_coop_work(fx->ctl, ticket, getppid(), fx->src));
    }
    _exit(0);
}

static long fx_read(struct coop_fx *fx)
{
    long v = -1;

    assert_int_equal(read(fx->from_child[0], &v, sizeof(v)), sizeof(v));
    return v;
}

static int fx_setup(void **state)
{
    struct coop_fx *fx = calloc(1, sizeof(*fx));

    assert_non_null(fx);
    fx->ctl = mmap(NULL, sizeof(struct shm_ctl), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(fx->ctl != MAP_FAILED);
    fx->dst = malloc(COOP_LEN);
    fx->src = malloc(COOP_LEN);
    assert_non_null(fx->dst);
    assert_non_null(fx->src);
    assert_int_equal(pipe(fx->to_child), 0);
    assert_int_equal(pipe(fx->from_child), 0);
    fx->child = fork();
    assert_true(fx->child >= 0);
    if (fx->child == 0) {
        child_main(fx);
    }
    assert_int_equal(fx_read(fx), 0); /* the source is ready */
    *state = fx;
    return 0;
}

static int fx_teardown(void **state)
{
    struct coop_fx *fx = *state;
    char q = 'q';

    if (write(fx->to_child[1], &q, 1) != 1) {
        kill(fx->child, SIGKILL);
    }
    waitpid(fx->child, NULL, 0);
    close(fx->to_child[0]);
    close(fx->to_child[1]);
    close(fx->from_child[0]);
    close(fx->from_child[1]);
    munmap(fx->ctl, sizeof(struct shm_ctl));
    free(fx->dst);
    free(fx->src);
    free(fx);
    return 0;
}

static void fx_ask_help(struct coop_fx *fx, uint64_t ticket)
{
    char w = 'w';

    assert_int_equal(write(fx->to_child[1], &w, 1), 1);
    assert_int_equal(write(fx->to_child[1], &ticket, sizeof(ticket)), sizeof(ticket));
}

static uint64_t fx_open(struct coop_fx *fx)
{
    struct kr_rndv_key key = { .addr = (uint64_t) (uintptr_t) fx->src, .len = COOP_LEN };
    uint64_t ticket;

    memset(fx->dst, 0, COOP_LEN);
    assert_int_equal(kr_shm_coop_open(fx->ctl, &key, fx->dst, &ticket), 0);
    return ticket;
}

static void fx_check_data(struct coop_fx *fx)
{
    for (size_t i = 0; i < COOP_LEN; i++) {
        if (fx->dst[i] != pattern(i, 7)) {
            fail_msg("byte %zu is %u, expected %u", i, fx->dst[i], pattern(i, 7));
        }
    }
}

static uint32_t coop_chunks(void)
{
    return (uint32_t) ((COOP_LEN + SHM_COOP_CHUNK - 1) / SHM_COOP_CHUNK);
}

/* The sender never joins: the receiver claims and copies every chunk and is done. */
static void receiver_alone_finishes(void **state)
{
    struct coop_fx *fx = *state;
    uint64_t ticket = fx_open(fx);

    assert_int_equal(kr_shm_coop_done(fx->ctl, ticket), 0);
    assert_int_equal(kr_shm_coop_work(fx->ctl, ticket, fx->child, NULL), (int) coop_chunks());
    assert_int_equal(kr_shm_coop_done(fx->ctl, ticket), 1);
    fx_check_data(fx);
}

/* Both copy: the sender starts first, the receiver joins; together they copy every chunk
 * exactly once. */
static void both_sides_copy(void **state)
{
    struct coop_fx *fx = *state;
    uint64_t ticket = fx_open(fx);
    long theirs;
    int mine;

    fx_ask_help(fx, ticket);
    mine = kr_shm_coop_work(fx->ctl, ticket, fx->child, NULL);
    theirs = fx_read(fx);
    assert_true(mine >= 0);
    assert_int_equal(mine + theirs, (long) coop_chunks());
    assert_int_equal(kr_shm_coop_done(fx->ctl, ticket), 1);
    fx_check_data(fx);
}

/* A ticket of a finished transfer claims nothing, even when its slot holds a new transfer. */
static void stale_ticket_claims_nothing(void **state)
{
    struct coop_fx *fx = *state;
    uint64_t old = fx_open(fx), fresh;

    assert_int_equal(kr_shm_coop_work(fx->ctl, old, fx->child, NULL), (int) coop_chunks());
    assert_int_equal(kr_shm_coop_done(fx->ctl, old), 1);
    fresh = fx_open(fx);
    assert_true((fresh >> 32) == (old >> 32)); /* the same slot, a new generation */
    assert_true(fresh != old);
    fx_ask_help(fx, old);
    assert_int_equal(fx_read(fx), 0);
    for (size_t i = 0; i < COOP_LEN; i++) {
        assert_int_equal(fx->dst[i], 0); /* the stale helper wrote nothing */
    }
    assert_int_equal(kr_shm_coop_work(fx->ctl, fresh, fx->child, NULL), (int) coop_chunks());
    assert_int_equal(kr_shm_coop_done(fx->ctl, fresh), 1);
    fx_check_data(fx);
}

/* Every slot busy: -EBUSY, so the caller falls back to a plain single copy. */
static void slots_run_out(void **state)
{
    struct coop_fx *fx = *state;
    struct kr_rndv_key key = { .addr = (uint64_t) (uintptr_t) fx->src, .len = 100 };
    uint64_t t[SHM_COOP_SLOTS], extra;

    for (int i = 0; i < SHM_COOP_SLOTS; i++) {
        assert_int_equal(kr_shm_coop_open(fx->ctl, &key, fx->dst, &t[i]), 0);
    }
    assert_int_equal(kr_shm_coop_open(fx->ctl, &key, fx->dst, &extra), -EBUSY);
    assert_false(kr_shm_coop_landed(fx->ctl));
    assert_int_equal(kr_shm_coop_work(fx->ctl, t[3], fx->child, NULL), 1);
    assert_true(kr_shm_coop_landed(fx->ctl));
    assert_int_equal(kr_shm_coop_done(fx->ctl, t[3]), 1);
    assert_int_equal(kr_shm_coop_open(fx->ctl, &key, fx->dst, &extra), 0);
    assert_true((extra >> 32) == 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(receiver_alone_finishes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(both_sides_copy, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(stale_ticket_claims_nothing, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(slots_run_out, fx_setup, fx_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Shared-memory transport (src/transport/shm): the segment, the multi-producer rings with their
 * padding records and cached head, the doorbell sleep/wake protocol, and a multi-process stress
 * run through the transport ops. Segments get unique names and never outlive a test. */
#include "config.h"

#include "transport/shm/shm_int.h"
#include "util/settings.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

/* Declared next to the transport; settings_list.c declares it the same way. */
extern const struct kr_setting kr_shm_settings[];

#define TEST_RING_BYTES 4096 /* 64 slots: the smallest ring the transport accepts */
#define TEST_NSLOTS     (TEST_RING_BYTES / SHM_SLOT)
#define TEST_PLEN_MAX   4096 /* more than any record of the rings in these tests carries */
#define SINK_MAX        320
#define MAX_KIDS        8

/* What the consumer saw, copied out of the ring during the delivery callback. */
struct got {
    int src;
    struct kr_wire_hdr hdr;
    size_t len;
    unsigned char data[TEST_PLEN_MAX];
};

struct sink {
    struct got *v;
    int n;
    bool overflow;
};

/* Everything a test may leave behind; the teardown undoes whatever is set. */
struct fx {
    char name[64];              /* segment name in /dev/shm (ring tests) */
    char jobid[48];             /* transport tests: segment is /kurir-<jobid>-n0 */
    struct shm_seg seg, seg2;
    struct shm_ring ring;       /* producer view of ring 1 */
    struct shm_inbox inbox;     /* consumer of ring 1 */
    struct shm_ctl *ctl;        /* control block of ring 1 */
    struct sink sink;
    struct kr_tport *tp[2];
    pid_t kids[MAX_KIDS];
    int nkids;
    void *shared;               /* MAP_SHARED page for children's reports */
    void *heap;                 /* a test's own allocation */
};

static unsigned fx_counter;

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Deterministic content: the consumer regenerates it from the same seed. */
static void pattern_fill(unsigned char *p, size_t len, uint64_t seed)
{
    for (size_t i = 0; i < len; i += 8) {
        uint64_t w = mix64(seed + i);
        size_t n = len - i < 8 ? len - i : 8;

        memcpy(p + i, &w, n);
    }
}

static bool pattern_ok(const unsigned char *p, size_t len, uint64_t seed)
{
    unsigned char want[8];

    for (size_t i = 0; i < len; i += 8) {
        uint64_t w = mix64(seed + i);
        size_t n = len - i < 8 ? len - i : 8;

        memcpy(want, &w, sizeof(w));
        if (memcmp(p + i, want, n) != 0) {
            return false;
        }
    }
    return true;
}

static uint32_t fnv1a(const unsigned char *p, size_t len)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < len; i++) {
        h = (h ^ p[i]) * 16777619u;
    }
    return h;
}

static bool shm_name_exists(const char *name)
{
    char path[128];
    struct stat st;

    snprintf(path, sizeof(path), "/dev/shm%s", name);
    return stat(path, &st) == 0;
}

/* State letter of `pid` from /proc ('S' = sleeping in the kernel, e.g. on a futex). */
static char proc_state(pid_t pid)
{
    char path[64], buf[512];
    const char *p;
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
    fd = open(path, O_RDONLY);
    if (fd < 0) {
        return '?';
    }
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) {
        return '?';
    }
    buf[n] = '\0';
    p = strrchr(buf, ')');
    return p != NULL && p[1] == ' ' ? p[2] : '?';
}

/* Spin (yielding, never sleeping) until `pid` sleeps in the kernel, at most `ms`. */
static bool await_sleeping(pid_t pid, const _Atomic uint32_t *flag, uint64_t ms)
{
    uint64_t end = now_ms() + ms;

    while (now_ms() < end) {
        if ((flag == NULL || atomic_load(flag) != 0) && proc_state(pid) == 'S') {
            return true;
        }
        sched_yield();
    }
    return false;
}

/* ---- fixtures ------------------------------------------------------------------------- */

static int fx_alloc(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));

    if (fx == NULL) {
        return -1;
    }
    snprintf(fx->name, sizeof(fx->name), "/kurir-utest-ring-%d-%u", (int) getpid(),
             fx_counter);
    snprintf(fx->jobid, sizeof(fx->jobid), "utest%dx%u", (int) getpid(), fx_counter);
    fx_counter++;
    fx->sink.v = calloc(SINK_MAX, sizeof(*fx->sink.v));
    if (fx->sink.v == NULL) {
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

/* A segment with 2 local rings of TEST_RING_BYTES, already unlinked (both "ranks" count as
 * attached), so that nothing can be left in /dev/shm whatever happens next. */
static int fx_setup_ring(void **state)
{
    struct fx *fx;

    if (fx_alloc(state) != 0) {
        return -1;
    }
    fx = *state;
    if (kr_shm_seg_create(&fx->seg, fx->name, 2, TEST_RING_BYTES, 0) != 0) {
        return -1;
    }
    kr_shm_seg_mark_attached(&fx->seg, 2);
    fx->ctl = kr_shm_seg_ctl(&fx->seg, 1);
    kr_shm_ring_init(&fx->ring, fx->ctl, kr_shm_seg_ring(&fx->seg, 1), TEST_RING_BYTES);
    kr_shm_inbox_init(&fx->inbox, fx->ctl, kr_shm_seg_ring(&fx->seg, 1), TEST_RING_BYTES);
    return 0;
}

/* Transport tests: a 16 KiB ring per rank and no eager cap below the ring's own. */
static int fx_setup_tport(void **state)
{
    static const struct kr_setting *const tables[] = { kr_shm_settings, NULL };
    static char *envp[] = { "KURIR_SHM_RING_SIZE=16k", "KURIR_SHM_EAGER_LIMIT=64k", NULL };
    char err[256];

    if (kr_settings_load_tables(tables, envp, err, sizeof(err)) != 0) {
        fprintf(stderr, "settings: %s\n", err);
        return -1;
    }
    return fx_alloc(state);
}

static void fx_reap_all(struct fx *fx)
{
    for (int i = 0; i < fx->nkids; i++) {
        if (fx->kids[i] > 0) {
            kill(fx->kids[i], SIGKILL);
            while (waitpid(fx->kids[i], NULL, 0) < 0 && errno == EINTR) {
            }
            fx->kids[i] = 0;
        }
    }
}

static int fx_teardown(void **state)
{
    struct fx *fx = *state;
    char seg[96];

    fx_reap_all(fx);
    for (int i = 0; i < 2; i++) {
        if (fx->tp[i] != NULL) {
            fx->tp[i]->ops->close(fx->tp[i]);
        }
    }
    kr_shm_seg_detach(&fx->seg2);
    kr_shm_seg_detach(&fx->seg);
    /* Whatever failed above, leave nothing in /dev/shm. */
    shm_unlink(fx->name);
    snprintf(seg, sizeof(seg), "/kurir-%s-n0", fx->jobid);
    shm_unlink(seg);
    if (fx->shared != NULL) {
        munmap(fx->shared, 4096);
    }
    free(fx->heap);
    free(fx->sink.v);
    free(fx);
    return 0;
}

/* Fork a child that runs fn(arg) and exits with its result. The child must never return
 * into cmocka: it resets the signal handlers cmocka installed (they would longjmp into this
 * copy of the runner) and dies with its parent. */
static pid_t fx_spawn(struct fx *fx, int (*fn)(void *arg), void *arg)
{
    pid_t parent = getpid(), pid;

    if (fx->nkids == MAX_KIDS) {
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid == 0) {
        static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGSYS, SIGABRT };

        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
            signal(sigs[i], SIG_DFL);
        }
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(99);
        }
        _exit(fn(arg));
    }
    if (pid > 0) {
        fx->kids[fx->nkids++] = pid;
    }
    return pid;
}

/* Wait for child `pid` (at most `ms`) and return its exit code, or -1 if it did not exit
 * normally in time (it is then killed by the teardown). */
static int fx_reap(struct fx *fx, pid_t pid, uint64_t ms)
{
    uint64_t end = now_ms() + ms;
    int status;

    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);

        if (r == pid) {
            break;
        }
        if (r < 0 && errno != EINTR) {
            return -1;
        }
        if (now_ms() > end) {
            return -1;
        }
        sched_yield();
    }
    for (int i = 0; i < fx->nkids; i++) {
        if (fx->kids[i] == pid) {
            fx->kids[i] = 0;
        }
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void *fx_shared(struct fx *fx)
{
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    assert_true(p != MAP_FAILED);
    memset(p, 0, 4096);
    fx->shared = p;
    return p;
}

/* ---- ring helpers --------------------------------------------------------------------- */

static void sink_deliver(void *arg, int src, const struct kr_wire_hdr *hdr, const void *payload,
                         size_t len)
{
    struct sink *s = arg;
    struct got *g;

    /* Tests never deliver more; fail loudly (outside the callback) if one does. */
    if (s->n == SINK_MAX || len > TEST_PLEN_MAX) {
        s->overflow = true;
        return;
    }
    g = &s->v[s->n++];
    g->src = src;
    g->hdr = *hdr;
    g->len = len;
    memcpy(g->data, payload, len);
}

/* Record `i` of the last poll; it must have been delivered and kept. */
static const struct got *sink_at(const struct fx *fx, int i)
{
    assert_false(fx->sink.overflow);
    assert_true(i >= 0 && i < fx->sink.n);
    return &fx->sink.v[i];
}

static int push_iov(struct shm_ring *r, int src, int tag, const struct iovec *iov, int iovcnt)
{
    struct kr_wire_hdr hdr = { .type = 7, .flags = 3, .ctx = 42, .src = src, .tag = tag };
    size_t plen = 0;

    for (int i = 0; i < iovcnt; i++) {
        plen += iov[i].iov_len;
    }
    hdr.len = plen;
    return kr_shm_ring_push(r, src, &hdr, iov, iovcnt, plen);
}

/* Push `len` bytes of the pattern seeded by `seed`; the tag carries the seed. */
static int push_pat(struct shm_ring *r, int src, int seed, size_t len)
{
    unsigned char buf[TEST_PLEN_MAX];
    struct iovec iov = { buf, len };

    pattern_fill(buf, len, (uint64_t) seed);
    return push_iov(r, src, seed, &iov, 1);
}

static int poll_into(struct fx *fx, int budget)
{
    fx->sink.n = 0;
    return kr_shm_inbox_poll(&fx->inbox, budget, sink_deliver, &fx->sink);
}

static void check_got(const struct got *g, int src, int seed, size_t len)
{
    assert_true(len <= TEST_PLEN_MAX);
    assert_int_equal(g->src, src);
    assert_int_equal(g->hdr.type, 7);
    assert_int_equal(g->hdr.flags, 3);
    assert_int_equal(g->hdr.ctx, 42);
    assert_int_equal(g->hdr.src, src);
    assert_int_equal(g->hdr.tag, seed);
    assert_int_equal(g->hdr.len, len);
    assert_int_equal(g->len, len);
    assert_true(pattern_ok(g->data, len, (uint64_t) seed));
}

static uint64_t tail_of(const struct fx *fx)
{
    return atomic_load(&fx->ctl->tail);
}

static uint64_t head_of(const struct fx *fx)
{
    return atomic_load(&fx->ctl->head);
}

/* Where the tail must be after pushing `plen` bytes at `tail`: a record never crosses the
 * end of the ring; the rest of the ring becomes a padding record first. */
static uint64_t model_push(uint64_t tail, size_t plen, uint32_t *pad_out)
{
    uint32_t need = shm_rec_slots((uint32_t) plen);
    uint64_t off = tail % TEST_NSLOTS;
    uint32_t pad = off + need > TEST_NSLOTS ? (uint32_t) (TEST_NSLOTS - off) : 0;

    *pad_out = pad;
    return tail + pad + need;
}

static struct shm_rec *slot_at(const struct fx *fx, uint64_t pos)
{
    return (struct shm_rec *) (void *) (kr_shm_seg_ring(&fx->seg, 1)
                                        + (pos % TEST_NSLOTS) * SHM_SLOT);
}

/* After the consumer caught up, no slot may look published at any position from its head on:
 * each first word is SHM_FREE (cleared payload, never written) or an old record position. */
static void assert_all_slots_free(const struct fx *fx)
{
    uint64_t head = atomic_load(&kr_shm_seg_ctl(&fx->seg, 1)->head);

    for (uint64_t i = 0; i < TEST_NSLOTS; i++) {
        uint64_t w = atomic_load(&slot_at(fx, i)->ready);

        assert_true(w == SHM_FREE || w < head);
    }
}

/* Move an empty ring's head and tail to offset `off` (mod the ring size). */
static void ring_advance_to(struct fx *fx, uint64_t off)
{
    char b = 0;
    struct iovec iov = { &b, 1 };

    while (tail_of(fx) % TEST_NSLOTS != off) {
        assert_int_equal(push_iov(&fx->ring, 1, 0, &iov, 1), 0);
        assert_int_equal(poll_into(fx, 1), 1);
    }
    assert_true(head_of(fx) == tail_of(fx));
}

/* ---- segment ------------------------------------------------------------------------- */

static void seg_layout_attach_and_unlink(void **state)
{
    struct fx *fx = *state;
    const struct shm_seg_hdr *h;
    struct shm_ring r;
    struct shm_inbox in;
    unsigned char b[100], *shared;
    size_t shared_len;
    struct iovec iov = { b, sizeof(b) };

    assert_int_equal(kr_shm_seg_create(&fx->seg, fx->name, 3, TEST_RING_BYTES, 100), 0);
    assert_true(shm_name_exists(fx->name));
    assert_int_equal(fx->seg.len, kr_shm_seg_size(3, TEST_RING_BYTES, 100));
    h = fx->seg.base;
    assert_true(h->magic == SHM_SEG_MAGIC);
    assert_int_equal(h->nlocal, 3);
    assert_int_equal(h->ring_bytes, TEST_RING_BYTES);
    for (uint32_t i = 0; i < 3; i++) {
        unsigned char *ring = kr_shm_seg_ring(&fx->seg, i);
        uintptr_t ctl = (uintptr_t) kr_shm_seg_ctl(&fx->seg, i);

        assert_int_equal(ctl % SHM_LINE, 0);
        assert_int_equal((uintptr_t) ring % SHM_LINE, 0);
        assert_true(ring + TEST_RING_BYTES <= (unsigned char *) fx->seg.base + fx->seg.len);
        if (i > 0) {
            assert_true(ring == kr_shm_seg_ring(&fx->seg, i - 1) + TEST_RING_BYTES);
        }
        for (uint64_t s = 0; s < TEST_NSLOTS; s++) {
            const struct shm_rec *rec = (const void *) (ring + s * SHM_SLOT);

            assert_true(atomic_load(&rec->ready) == SHM_FREE);
        }
    }
    /* The host-shared region follows the rings, page aligned and zeroed. */
    shared = kr_shm_seg_shared(&fx->seg, &shared_len);
    assert_int_equal(shared_len, 100);
    assert_true(shared == kr_shm_seg_ring(&fx->seg, 2) + TEST_RING_BYTES);
    assert_int_equal((uintptr_t) shared % 4096, 0);
    assert_true(shared + 4096 == (unsigned char *) fx->seg.base + fx->seg.len);
    for (size_t i = 0; i < 4096; i++) {
        assert_int_equal(shared[i], 0);
    }
    /* The name is exclusive, and attaching checks what the creator wrote. */
    assert_int_equal(kr_shm_seg_create(&fx->seg2, fx->name, 3, TEST_RING_BYTES, 0),
                     -EEXIST);
    assert_int_equal(kr_shm_seg_attach(&fx->seg2, fx->name, 2), -EPROTO);
    assert_int_equal(kr_shm_seg_attach(&fx->seg2, fx->name, 3), 0);
    assert_ptr_not_equal(fx->seg2.base, fx->seg.base);

    /* Everything is addressed by offsets: push through one mapping, poll through the other. */
    kr_shm_ring_init(&r, kr_shm_seg_ctl(&fx->seg, 2), kr_shm_seg_ring(&fx->seg, 2),
                     TEST_RING_BYTES);
    kr_shm_inbox_init(&in, kr_shm_seg_ctl(&fx->seg2, 2), kr_shm_seg_ring(&fx->seg2, 2),
                      TEST_RING_BYTES);
    pattern_fill(b, sizeof(b), 5);
    assert_int_equal(push_iov(&r, 1, 5, &iov, 1), 0);
    fx->sink.n = 0;
    assert_int_equal(kr_shm_inbox_poll(&in, 8, sink_deliver, &fx->sink), 1);
    check_got(sink_at(fx, 0), 1, 5, sizeof(b));

    /* The creator counts as attached; the third rank to attach removes the name. */
    kr_shm_seg_mark_attached(&fx->seg2, 3);
    assert_true(shm_name_exists(fx->name));
    kr_shm_seg_mark_attached(&fx->seg2, 3);
    assert_false(shm_name_exists(fx->name));
    kr_shm_seg_detach(&fx->seg2);
    kr_shm_seg_detach(&fx->seg);
    assert_null(fx->seg.base);
}

static void seg_detach_unlinks_if_not_all_attached(void **state)
{
    struct fx *fx = *state;

    assert_int_equal(kr_shm_seg_create(&fx->seg, fx->name, 4, TEST_RING_BYTES, 0), 0);
    assert_int_equal(kr_shm_seg_attach(&fx->seg2, fx->name, 4), 0);
    kr_shm_seg_mark_attached(&fx->seg2, 4);
    assert_true(shm_name_exists(fx->name));
    /* Two ranks never came: the leader failing must not leave the segment behind. */
    kr_shm_seg_detach(&fx->seg);
    assert_false(shm_name_exists(fx->name));
}

/* ---- ring ----------------------------------------------------------------------------- */

static void ring_every_size(void **state)
{
    struct fx *fx = *state;
    size_t max = kr_shm_ring_max_payload(&fx->ring);
    unsigned wraps_seen = 0;

    /* A quarter of the ring minus the record header. */
    assert_int_equal(max, TEST_NSLOTS / 4 * SHM_SLOT - SHM_REC_HDR);
    for (size_t plen = 0; plen <= max; plen++) {
        uint64_t t0 = tail_of(fx), want;
        uint32_t pad;

        want = model_push(t0, plen, &pad);
        assert_int_equal(push_pat(&fx->ring, 1, (int) plen, plen), 0);
        assert_true(tail_of(fx) == want);
        assert_true(kr_shm_inbox_ready(&fx->inbox));
        assert_int_equal(poll_into(fx, 4), 1);
        check_got(sink_at(fx, 0), 1, (int) plen, plen);
        assert_true(head_of(fx) == want);
        assert_false(kr_shm_inbox_ready(&fx->inbox));
        wraps_seen += pad != 0;
        if (plen % 64 == 0 || plen == max) {
            assert_all_slots_free(fx);
        }
    }
    assert_true(tail_of(fx) / TEST_NSLOTS > 100);
    assert_true(wraps_seen > 50);
}

static void ring_iovec_gathers(void **state)
{
    struct fx *fx = *state;
    size_t max = kr_shm_ring_max_payload(&fx->ring);
    unsigned char whole[TEST_PLEN_MAX];
    static const size_t parts[][7] = {
        { 0, 3, 0, 61, 200, 1, 0 },
        { 0, 0, 0, 0, 0, 0, 0 },
        { 1, 1, 1, 1, 1, 1, 1 },
        { 24, 0, 0, 0, 0, 0, 0 },
        { 25, 64, 64, 64, 64, 64, 64 },
        { 500, 0, 200, 100, 84, 50, 50 }, /* 984: the largest record */
    };

    assert_int_equal(max, 984);
    for (size_t c = 0; c < sizeof(parts) / sizeof(parts[0]); c++) {
        struct iovec iov[7];
        size_t off = 0;

        pattern_fill(whole, sizeof(whole), 1000 + c);
        for (int i = 0; i < 7; i++) {
            iov[i].iov_base = whole + off;
            iov[i].iov_len = parts[c][i];
            off += parts[c][i];
        }
        assert_true(off <= max);
        assert_int_equal(push_iov(&fx->ring, 1, (int) (1000 + c), iov, 7), 0);
        assert_int_equal(poll_into(fx, 4), 1);
        check_got(sink_at(fx, 0), 1, (int) (1000 + c), off);
    }
    /* No iovec at all is an empty payload. */
    assert_int_equal(push_iov(&fx->ring, 1, 0, NULL, 0), 0);
    assert_int_equal(poll_into(fx, 4), 1);
    check_got(sink_at(fx, 0), 1, 0, 0);
}

/* Records of 3 slots do not divide a 64-slot ring: every lap ends with a 1-slot padding
 * record that the consumer skips without delivering. */
static void ring_wraps_with_padding(void **state)
{
    struct fx *fx = *state;
    unsigned pads = 0;

    for (int i = 0; i < 50 * TEST_NSLOTS / 3; i++) {
        uint64_t t0 = tail_of(fx), want;
        uint32_t pad;

        want = model_push(t0, 100, &pad);
        assert_int_equal(shm_rec_slots(100), 3);
        assert_int_equal(push_pat(&fx->ring, 1, i, 100), 0);
        assert_true(tail_of(fx) == want);
        if (pad != 0) {
            const struct shm_rec *p = slot_at(fx, t0);

            pads++;
            assert_int_equal(p->src, -1);
            assert_true(atomic_load(&p->ready) == t0);
            assert_int_equal(shm_rec_slots(p->plen), pad);
            assert_int_equal((t0 + pad) % TEST_NSLOTS, 0);
        }
        /* Every other round, let two records pile up so padding sits between them. */
        if (i % 2 == 1) {
            assert_int_equal(poll_into(fx, 8), 2);
            check_got(sink_at(fx, 0), 1, i - 1, 100);
            check_got(sink_at(fx, 1), 1, i, 100);
            assert_true(head_of(fx) == tail_of(fx));
        }
    }
    assert_int_equal(pads, tail_of(fx) / TEST_NSLOTS);
}

/* Every padding size from 1 to 15 slots, before the largest record. */
static void ring_padding_sizes(void **state)
{
    struct fx *fx = *state;
    size_t max = kr_shm_ring_max_payload(&fx->ring);

    for (uint32_t pad = 1; pad < 16; pad++) {
        uint64_t t0;

        ring_advance_to(fx, TEST_NSLOTS - pad);
        t0 = tail_of(fx);
        assert_int_equal(push_pat(&fx->ring, 1, (int) pad, max), 0);
        assert_true(tail_of(fx) == t0 + pad + 16);
        assert_int_equal(slot_at(fx, t0)->src, -1);
        assert_int_equal(poll_into(fx, 8), 1);
        check_got(sink_at(fx, 0), 1, (int) pad, max);
        assert_true(head_of(fx) == t0 + pad + 16);
        assert_all_slots_free(fx);
    }
}

static void ring_full_then_recovers(void **state)
{
    struct fx *fx = *state;
    size_t max = kr_shm_ring_max_payload(&fx->ring);
    int n = 0;

    /* One-slot records: exactly one per slot fits. */
    while (push_pat(&fx->ring, 1, n, 24) == 0) {
        n++;
        assert_true(n <= TEST_NSLOTS);
    }
    assert_int_equal(n, TEST_NSLOTS);
    assert_true(tail_of(fx) == TEST_NSLOTS);
    assert_int_equal(push_pat(&fx->ring, 1, 999, 0), -EAGAIN);
    assert_true(tail_of(fx) == TEST_NSLOTS);
    assert_false(kr_shm_ring_has_space(&fx->ring, 0));

    /* One slot freed: a one-slot record fits again (has_space is a conservative bound). */
    assert_int_equal(poll_into(fx, 1), 1);
    check_got(sink_at(fx, 0), 1, 0, 24);
    assert_int_equal(push_pat(&fx->ring, 1, n, 24), 0);
    n++;
    assert_int_equal(push_pat(&fx->ring, 1, 999, 0), -EAGAIN);

    /* The rest comes out in order. */
    assert_int_equal(poll_into(fx, 1000), TEST_NSLOTS);
    for (int i = 0; i < TEST_NSLOTS; i++) {
        check_got(sink_at(fx, i), 1, i + 1, 24);
    }
    assert_true(kr_shm_ring_has_space(&fx->ring, max));

    /* Largest records: four fill the ring. */
    ring_advance_to(fx, 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(push_pat(&fx->ring, 1, i, max), 0);
    }
    assert_int_equal(push_pat(&fx->ring, 1, 4, max), -EAGAIN);
    assert_int_equal(push_pat(&fx->ring, 1, 4, 0), -EAGAIN);
    assert_int_equal(poll_into(fx, 1), 1);
    assert_int_equal(push_pat(&fx->ring, 1, 4, max), 0);
    assert_int_equal(poll_into(fx, 100), 4);
    for (int i = 0; i < 4; i++) {
        check_got(sink_at(fx, i), 1, i + 1, max);
    }
}

/* A record that does not fit before the end of the ring, where the free space is split
 * between the end and the start: refuse it without reserving the padding. */
static void ring_full_counts_padding(void **state)
{
    struct fx *fx = *state;
    size_t max = kr_shm_ring_max_payload(&fx->ring);
    uint64_t t;

    ring_advance_to(fx, 0);
    for (int i = 0; i < 52; i++) {
        assert_int_equal(push_pat(&fx->ring, 1, i, 0), 0); /* slots 0..51 */
    }
    assert_int_equal(poll_into(fx, 8), 8); /* free: 12 slots at the end, 8 at the start */
    t = tail_of(fx);
    assert_int_equal(t % TEST_NSLOTS, 52);
    assert_int_equal(push_pat(&fx->ring, 1, 100, max), -EAGAIN);
    assert_true(tail_of(fx) == t);
    assert_true(atomic_load(&slot_at(fx, t)->ready) == SHM_FREE);
    assert_int_equal(poll_into(fx, 1000), 44);
    for (int i = 8; i < 52; i++) {
        check_got(sink_at(fx, i - 8), 1, i, 0);
    }
    assert_int_equal(push_pat(&fx->ring, 1, 100, max), 0);
    assert_true(tail_of(fx) == t + 12 + 16);
    assert_int_equal(slot_at(fx, t)->src, -1);
    assert_int_equal(poll_into(fx, 1000), 1);
    check_got(sink_at(fx, 0), 1, 100, max);
}

/* Producers read the consumer's head only when their cached copy says the ring is full. */
static void ring_cached_head(void **state)
{
    struct fx *fx = *state;
    struct shm_ring late;
    int seq = 0;

    for (int i = 0; i < 10; i++) {
        assert_int_equal(push_pat(&fx->ring, 1, seq++, 0), 0);
    }
    assert_int_equal(poll_into(fx, 100), 10);
    assert_true(head_of(fx) == 10);
    assert_true(fx->ring.cached_head == 0);

    /* Up to a full ring past the stale head, nothing is re-read. */
    while (tail_of(fx) < TEST_NSLOTS) {
        assert_int_equal(push_pat(&fx->ring, 1, seq++, 0), 0);
        assert_true(fx->ring.cached_head == 0);
    }
    /* The next push looks full with the cache, refreshes it and succeeds. */
    assert_int_equal(push_pat(&fx->ring, 1, seq++, 0), 0);
    assert_true(fx->ring.cached_head == 10);

    /* A second producer (another process) starts from the head as it was at init. */
    kr_shm_ring_init(&late, fx->ctl, kr_shm_seg_ring(&fx->seg, 1), TEST_RING_BYTES);
    assert_true(late.cached_head == 10);
    for (int i = 0; i < 9; i++) {
        assert_int_equal(push_pat(&late, 2, seq++, 0), 0);
    }
    assert_int_equal(push_pat(&late, 2, seq, 0), -EAGAIN);
    assert_int_equal(push_pat(&fx->ring, 1, seq, 0), -EAGAIN);
    assert_int_equal(poll_into(fx, 30), 30);
    assert_int_equal(push_pat(&late, 2, seq, 0), 0);
    assert_true(late.cached_head == 40);
    assert_true(fx->ring.cached_head == 10);
    assert_int_equal(poll_into(fx, 1000), 35);
    check_got(sink_at(fx, 34), 2, seq, 0);
}

static void ring_poll_budget_and_ready(void **state)
{
    struct fx *fx = *state;

    assert_false(kr_shm_inbox_ready(&fx->inbox));
    assert_int_equal(poll_into(fx, 8), 0);
    assert_true(head_of(fx) == 0);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(push_pat(&fx->ring, 1, i, (size_t) i * 50), 0);
    }
    assert_true(kr_shm_inbox_ready(&fx->inbox));
    assert_int_equal(poll_into(fx, 3), 3);
    for (int i = 0; i < 3; i++) {
        check_got(sink_at(fx, i), 1, i, (size_t) i * 50);
    }
    /* The head is published after each poll, and only up to what was consumed. */
    assert_true(head_of(fx) == shm_rec_slots(0) + shm_rec_slots(50) + shm_rec_slots(100));
    assert_true(kr_shm_inbox_ready(&fx->inbox));
    assert_int_equal(poll_into(fx, 100), 7);
    for (int i = 3; i < 10; i++) {
        check_got(sink_at(fx, i - 3), 1, i, (size_t) i * 50);
    }
    assert_true(head_of(fx) == tail_of(fx));
    assert_false(kr_shm_inbox_ready(&fx->inbox));
}

/* A record's payload may hold words that equal a later lap's positions of its slots. The
 * consumer must clear them, or a slot a producer has reserved but not yet published would
 * look ready. */
static void ring_clears_stale_positions(void **state)
{
    struct fx *fx = *state;
    size_t max = kr_shm_ring_max_payload(&fx->ring);
    unsigned char evil[TEST_PLEN_MAX];
    struct iovec iov = { evil, max };
    char b = 0;
    struct iovec one = { &b, 1 };
    uint64_t pos;

    memset(evil, 0xee, sizeof(evil));
    for (uint64_t k = 1; k < 16; k++) {
        uint64_t next_lap = k + TEST_NSLOTS;

        memcpy(evil + k * SHM_SLOT - SHM_REC_HDR, &next_lap, sizeof(next_lap));
    }
    assert_int_equal(push_iov(&fx->ring, 1, 0, &iov, 1), 0); /* slots 0..15 */
    assert_int_equal(poll_into(fx, 1), 1);
    assert_true(sink_at(fx, 0)->len == max);
    while (tail_of(fx) < TEST_NSLOTS + 1) {
        assert_int_equal(push_iov(&fx->ring, 1, 0, &one, 1), 0);
        assert_int_equal(poll_into(fx, 1), 1);
    }
    /* A producer reserves slot 1 of the next lap and has not published it yet. */
    pos = tail_of(fx);
    assert_true(pos == TEST_NSLOTS + 1);
    assert_true(atomic_compare_exchange_strong(&fx->ctl->tail, &pos, pos + 1));
    assert_false(kr_shm_inbox_ready(&fx->inbox));
    assert_int_equal(poll_into(fx, 8), 0);
    assert_true(head_of(fx) == TEST_NSLOTS + 1);
}

/* Two producers (two processes' views of one ring) interleave records of random sizes; each
 * one's records arrive in its order, intact. */
static void ring_two_producers_interleave(void **state)
{
    struct fx *fx = *state;
    size_t max = kr_shm_ring_max_payload(&fx->ring);
    struct shm_ring other;
    int sent[2] = { 0, 0 }, recvd[2] = { 0, 0 };
    uint64_t rnd = 12345;
    const int total = 20000;

    kr_shm_ring_init(&other, fx->ctl, kr_shm_seg_ring(&fx->seg, 1), TEST_RING_BYTES);
    while (recvd[0] + recvd[1] < 2 * total) {
        int p = (int) ((rnd = mix64(rnd)) & 1);
        struct shm_ring *r = p == 0 ? &fx->ring : &other;
        int seq = sent[p];
        size_t len = (size_t) (mix64((uint64_t) (p * total + seq)) % (max + 1));

        if (seq < total) {
            int ret = push_pat(r, 10 + p, p * total + seq, len);
            if (ret == 0) {
                sent[p]++;
                continue;
            }
            assert_int_equal(ret, -EAGAIN);
        }
        /* Full (there must be something to drain), or this producer is done. */
        poll_into(fx, (int) (rnd >> 60) + 1);
        assert_true(seq == total || fx->sink.n > 0);
        for (int i = 0; i < fx->sink.n; i++) {
            const struct got *g = sink_at(fx, i);
            int q = g->src - 10, s;

            assert_true(q == 0 || q == 1);
            s = q * total + recvd[q];
            check_got(g, 10 + q, s, (size_t) (mix64((uint64_t) s) % (max + 1)));
            recvd[q]++;
        }
    }
    assert_int_equal(sent[0], total);
    assert_int_equal(sent[1], total);
    assert_true(head_of(fx) == tail_of(fx));
}

/* ---- doorbell ------------------------------------------------------------------------- */

static void doorbell_rung_only_for_sleepers(void **state)
{
    struct fx *fx = *state;
    uint32_t d0 = atomic_load(&fx->ctl->doorbell);

    assert_int_equal(push_pat(&fx->ring, 1, 0, 10), 0);
    assert_int_equal(atomic_load(&fx->ctl->doorbell), d0);
    atomic_store(&fx->ctl->sleeping, 1);
    assert_int_equal(push_pat(&fx->ring, 1, 1, 10), 0);
    assert_int_equal(atomic_load(&fx->ctl->doorbell), d0 + 1);
    atomic_store(&fx->ctl->sleeping, 0);
    assert_int_equal(poll_into(fx, 8), 2);
}

static void ctl_sleep_returns_if_doorbell_moved(void **state)
{
    struct fx *fx = *state;
    uint32_t seen = atomic_load(&fx->ctl->doorbell);
    uint64_t t0;

    kr_shm_ctl_ring_doorbell(fx->ctl);
    t0 = now_ms();
    assert_int_equal(kr_shm_ctl_sleep(fx->ctl, seen, 2000), 0);
    assert_true(now_ms() - t0 < 1000);
}

static void ctl_sleep_times_out(void **state)
{
    struct fx *fx = *state;
    uint32_t seen = atomic_load(&fx->ctl->doorbell);
    uint64_t t0 = now_ms();

    assert_int_equal(kr_shm_ctl_sleep(fx->ctl, seen, 100), 0);
    assert_true(now_ms() - t0 >= 90);
}

struct wake_arg {
    struct fx *fx;
    pid_t parent;
};

/* Child: wait until the consumer sleeps on its doorbell, then publish one record. */
static int wake_producer(void *arg)
{
    struct wake_arg *a = arg;

    if (!await_sleeping(a->parent, &a->fx->ctl->sleeping, 10000)) {
        return 2;
    }
    return push_pat(&a->fx->ring, 1, 77, 300) == 0 ? 0 : 3;
}

/* The consumer side of the documented protocol: read the doorbell, announce the sleep,
 * fence, re-check for work, sleep unless the doorbell moved. A producer's push wakes it. */
static void ring_sleep_woken_by_push(void **state)
{
    struct fx *fx = *state;
    struct wake_arg a = { fx, getpid() };
    uint32_t seen;
    uint64_t t0, dt;
    pid_t kid;

    kid = fx_spawn(fx, wake_producer, &a);
    assert_true(kid > 0);
    t0 = now_ms();
    seen = atomic_load(&fx->ctl->doorbell);
    atomic_store(&fx->ctl->sleeping, 1);
    atomic_thread_fence(memory_order_seq_cst);
    if (!kr_shm_inbox_ready(&fx->inbox)) {
        assert_int_equal(kr_shm_ctl_sleep(fx->ctl, seen, 2000), 0);
    }
    atomic_store(&fx->ctl->sleeping, 0);
    dt = now_ms() - t0;
    assert_int_equal(fx_reap(fx, kid, 10000), 0);
    assert_true(dt < 1000);
    assert_true(atomic_load(&fx->ctl->doorbell) != seen);
    assert_int_equal(poll_into(fx, 8), 1);
    check_got(sink_at(fx, 0), 1, 77, 300);
}

/* ---- through the transport ops -------------------------------------------------------- */

#define TP_NMAX 4

struct tjob {
    struct kr_tport_job job;
    int local_ranks[TP_NMAX];
};

static void tjob_init(struct tjob *j, const struct fx *fx, int rank, int n)
{
    memset(j, 0, sizeof(*j));
    for (int i = 0; i < n; i++) {
        j->local_ranks[i] = i;
    }
    j->job.rank = rank;
    j->job.size = n;
    j->job.jobid = fx->jobid;
    j->job.node = 0;
    j->job.nlocal = n;
    j->job.local_rank = rank;
    j->job.local_ranks = j->local_ranks;
    j->job.ncores = 2;
}

static bool never_ready(void *arg)
{
    (void) arg;
    return false;
}

static bool always_ready(void *arg)
{
    (void) arg;
    return true;
}

static const char *tport_segname(const struct fx *fx, char *buf, size_t len)
{
    snprintf(buf, len, "/kurir-%s-n0", fx->jobid);
    return buf;
}

static int tport_open(const struct fx *fx, int rank, int n, const struct kr_tport_cb *cb,
                      struct kr_tport **tp_out)
{
    struct tjob j;

    tjob_init(&j, fx, rank, n);
    return kr_shm_tport_ops.open(&j.job, cb, tp_out);
}

static void tsink_recv(void *ctx, int src, const struct kr_wire_hdr *hdr, const void *payload,
                       size_t len)
{
    sink_deliver(ctx, src, hdr, payload, len);
}

static int tport_send(struct kr_tep *ep, int tag, size_t len)
{
    unsigned char buf[TEST_PLEN_MAX];
    struct kr_wire_hdr hdr = { .type = 7, .flags = 3, .ctx = 42, .src = 1, .tag = tag };
    struct iovec iov[2] = { { buf, len / 2 }, { buf + len / 2, len - len / 2 } };

    pattern_fill(buf, len, (uint64_t) tag);
    hdr.len = len;
    return ep->tp->ops->send_eager(ep, &hdr, iov, 2);
}

/* Two ranks of one host opened in one process: segment life cycle, limits, wait. */
static void tport_pair_in_process(void **state)
{
    struct fx *fx = *state;
    struct kr_tport_cb cb = { &fx->sink, tsink_recv };
    struct kr_tep *ep;
    char seg[96];
    uint64_t t0;
    int n = 0, got = 0;

    tport_segname(fx, seg, sizeof(seg));
    assert_int_equal(tport_open(fx, 0, 2, &cb, &fx->tp[0]), 0);
    assert_true(shm_name_exists(seg));
    assert_int_equal(tport_open(fx, 1, 2, &cb, &fx->tp[1]), 0);
    assert_int_equal(fx->tp[0]->ops->start(fx->tp[0]), 0);
    assert_int_equal(fx->tp[1]->ops->start(fx->tp[1]), 0);
    assert_false(shm_name_exists(seg)); /* both attached: nothing to leak any more */
    assert_int_equal(fx->tp[1]->ops->connect(fx->tp[1], 0, &ep), 0);
    assert_int_equal(ep->tp->ops->max_eager(ep), 16384 / 4 - SHM_REC_HDR);

    /* Idle: wait sleeps for the whole timeout. */
    t0 = now_ms();
    assert_int_equal(fx->tp[0]->ops->wait(fx->tp[0], 100, never_ready, NULL), 0);
    assert_true(now_ms() - t0 >= 90);

    /* The caller's condition holds: wait returns at once. */
    t0 = now_ms();
    assert_int_equal(fx->tp[0]->ops->wait(fx->tp[0], 2000, always_ready, NULL), 0);
    assert_true(now_ms() - t0 < 1000);

    /* Something pending: wait returns at once, progress delivers it. */
    assert_int_equal(tport_send(ep, 3, 1000), 0);
    t0 = now_ms();
    assert_int_equal(fx->tp[0]->ops->wait(fx->tp[0], 2000, never_ready, NULL), 0);
    assert_true(now_ms() - t0 < 1000);
    fx->sink.n = 0;
    assert_int_equal(fx->tp[0]->ops->progress(fx->tp[0]), 1);
    assert_int_equal(fx->sink.n, 1);
    check_got(sink_at(fx, 0), 1, 3, 1000);

    /* Fill rank 0's ring (256 one-slot records), then the sender's wait really sleeps. */
    while (tport_send(ep, n, 0) == 0) {
        n++;
        assert_true(n <= 256);
    }
    assert_int_equal(n, 256);
    t0 = now_ms();
    assert_int_equal(fx->tp[1]->ops->wait(fx->tp[1], 100, never_ready, NULL), 0);
    assert_true(now_ms() - t0 >= 90);
    while (got < n) {
        int k;

        fx->sink.n = 0;
        k = fx->tp[0]->ops->progress(fx->tp[0]);
        assert_true(k > 0 && k <= 64);
        for (int i = 0; i < k; i++) {
            check_got(sink_at(fx, i), 1, got + i, 0);
        }
        got += k;
    }
    assert_int_equal(fx->tp[0]->ops->progress(fx->tp[0]), 0);
    fx->tp[1]->ops->close(fx->tp[1]);
    fx->tp[1] = NULL;
    fx->tp[0]->ops->close(fx->tp[0]);
    fx->tp[0] = NULL;
    assert_false(shm_name_exists(seg));
}

/* A sender refused for a large record must sleep in wait() even though smaller records
 * would still fit: only the consumer can make room, and it wakes the sender when it does. */
static void tport_blocked_sender_sleeps_until_record_fits(void **state)
{
    struct fx *fx = *state;
    struct kr_tport_cb cb = { &fx->sink, tsink_recv };
    struct kr_tep *ep;
    uint64_t t0;
    size_t max;
    int n = 0;

    assert_int_equal(tport_open(fx, 0, 2, &cb, &fx->tp[0]), 0);
    assert_int_equal(tport_open(fx, 1, 2, &cb, &fx->tp[1]), 0);
    assert_int_equal(fx->tp[1]->ops->start(fx->tp[1]), 0);
    assert_int_equal(fx->tp[1]->ops->connect(fx->tp[1], 0, &ep), 0);
    max = ep->tp->ops->max_eager(ep);
    /* 246 one-slot records: 10 slots stay free, fewer than the 64 the largest record needs. */
    for (n = 0; n < 246; n++) {
        assert_int_equal(tport_send(ep, n, 0), 0);
    }
    assert_int_equal(tport_send(ep, n, max), -EAGAIN);
    assert_int_equal(tport_send(ep, n, 0), 0);
    assert_int_equal(tport_send(ep, n + 1, max), -EAGAIN);
    t0 = now_ms();
    assert_int_equal(fx->tp[1]->ops->wait(fx->tp[1], 200, never_ready, NULL), 0);
    assert_true(now_ms() - t0 >= 180);
}

struct tkid_arg {
    struct fx *fx;
    pid_t parent;
    int rank, n;
};

/* Child rank 1: attach, wait until rank 0 sleeps in its transport wait, send one message. */
static int tport_wake_sender(void *arg)
{
    struct tkid_arg *a = arg;
    struct kr_tport_cb cb = { &a->fx->sink, tsink_recv };
    struct kr_tport *tp;
    struct kr_tep *ep;
    struct shm_seg view = { 0 };
    char seg[96];
    int ret = 0;

    /* A view of the segment of our own, to watch rank 0's `sleeping` flag. */
    if (kr_shm_seg_attach(&view, tport_segname(a->fx, seg, sizeof(seg)), 2) != 0) {
        return 2;
    }
    view.linked = false;
    if (tport_open(a->fx, 1, 2, &cb, &tp) != 0 || tp->ops->start(tp) != 0
        || tp->ops->connect(tp, 0, &ep) != 0) {
        return 3;
    }
    if (!await_sleeping(a->parent, &kr_shm_seg_ctl(&view, 0)->sleeping, 10000)) {
        ret = 4;
    } else if (tport_send(ep, 9, 2000) != 0) {
        ret = 5;
    }
    tp->ops->close(tp);
    kr_shm_seg_detach(&view);
    return ret;
}

static void tport_wait_woken_by_send(void **state)
{
    struct fx *fx = *state;
    struct kr_tport_cb cb = { &fx->sink, tsink_recv };
    struct tkid_arg a = { fx, getpid(), 1, 2 };
    char seg[96];
    uint64_t t0, dt;
    pid_t kid;

    assert_int_equal(tport_open(fx, 0, 2, &cb, &fx->tp[0]), 0);
    kid = fx_spawn(fx, tport_wake_sender, &a);
    assert_true(kid > 0);
    t0 = now_ms();
    assert_int_equal(fx->tp[0]->ops->wait(fx->tp[0], 2000, never_ready, NULL), 0);
    dt = now_ms() - t0;
    fx->sink.n = 0;
    assert_int_equal(fx->tp[0]->ops->progress(fx->tp[0]), 1);
    assert_true(dt < 1000);
    check_got(sink_at(fx, 0), 1, 9, 2000);
    assert_int_equal(fx_reap(fx, kid, 10000), 0);
    assert_false(shm_name_exists(tport_segname(fx, seg, sizeof(seg))));
}

struct space_report {
    _Atomic int filled;         /* records that fit before -EAGAIN */
    _Atomic uint64_t slept_ms;
};

/* Child rank 1: fill rank 0's ring, then wait for space; rank 0's drain must wake us. */
static int tport_space_waiter(void *arg)
{
    struct tkid_arg *a = arg;
    struct space_report *rep = a->fx->shared;
    struct kr_tport_cb cb = { &a->fx->sink, tsink_recv };
    struct kr_tport *tp;
    struct kr_tep *ep;
    uint64_t t0;
    int n = 0, ret = 0;

    if (tport_open(a->fx, 1, 2, &cb, &tp) != 0 || tp->ops->start(tp) != 0
        || tp->ops->connect(tp, 0, &ep) != 0) {
        return 2;
    }
    while (tport_send(ep, n, 0) == 0) {
        n++;
    }
    atomic_store(&rep->filled, n);
    t0 = now_ms();
    tp->ops->wait(tp, 2000, never_ready, NULL);
    atomic_store(&rep->slept_ms, now_ms() - t0);
    if (tport_send(ep, n, 0) != 0) {
        ret = 3;
    }
    tp->ops->close(tp);
    return ret;
}

static void tport_space_waiter_woken_by_drain(void **state)
{
    struct fx *fx = *state;
    struct kr_tport_cb cb = { &fx->sink, tsink_recv };
    struct tkid_arg a = { fx, getpid(), 1, 2 };
    struct space_report *rep = fx_shared(fx);
    int got = 0, want;
    uint64_t end;
    pid_t kid;

    assert_int_equal(tport_open(fx, 0, 2, &cb, &fx->tp[0]), 0);
    kid = fx_spawn(fx, tport_space_waiter, &a);
    assert_true(kid > 0);
    end = now_ms() + 10000;
    while (atomic_load(&rep->filled) == 0 && now_ms() < end) {
        sched_yield();
    }
    assert_int_equal(atomic_load(&rep->filled), 256);
    assert_true(await_sleeping(kid, NULL, 10000));
    /* One poll frees 64 slots and must ring the waiter's doorbell. */
    want = 257;
    end = now_ms() + 10000;
    while (got < want && now_ms() < end) {
        int k;

        fx->sink.n = 0;
        k = fx->tp[0]->ops->progress(fx->tp[0]);
        assert_true(k >= 0);
        for (int i = 0; i < k; i++) {
            check_got(sink_at(fx, i), 1, got + i, 0);
        }
        got += k;
    }
    assert_int_equal(got, want);
    assert_int_equal(fx_reap(fx, kid, 10000), 0);
    assert_true(atomic_load(&rep->slept_ms) < 1000);
}

/* ---- stress: 3 producer processes, 1 consumer ------------------------------------------ */

#define STRESS_PRODUCERS 3
#define STRESS_RECORDS   200000
#define STRESS_WAIT_MS   1000
#define STRESS_PAUSE     50000 /* every so many records the consumer stops to let rings fill */

struct stress_report {
    _Atomic uint64_t eagain, waits, long_waits;
    _Atomic int done;
    char why[128];
};

struct stress_sink {
    uint64_t next[STRESS_PRODUCERS + 1];
    uint64_t got;
    size_t max;
    int bad;
    char why[256];
};

static size_t stress_len(int rank, uint64_t seq, size_t max)
{
    uint64_t r = mix64(((uint64_t) rank << 40) ^ seq);
    unsigned cls = (unsigned) (r % 100);

    r >>= 8;
    if (cls < 50) {
        return (size_t) (r % 65);
    }
    if (cls < 85) {
        return (size_t) (r % 513);
    }
    return (size_t) (r % (max + 1));
}

static uint64_t stress_seed(int rank, uint64_t seq)
{
    return ((uint64_t) rank << 48) ^ (seq * 0x100000001b3ULL);
}

static void stress_recv(void *ctx, int src, const struct kr_wire_hdr *hdr, const void *payload,
                        size_t len)
{
    struct stress_sink *s = ctx;
    uint64_t seq;

    if (s->bad) {
        return;
    }
    if (src < 1 || src > STRESS_PRODUCERS || hdr->src != src || hdr->type != 0xa5) {
        s->bad = 1;
        snprintf(s->why, sizeof(s->why), "bad envelope: src %d hdr src %d type %u", src,
                 hdr->src, hdr->type);
        return;
    }
    seq = s->next[src];
    if (hdr->len != seq) {
        s->bad = 1;
        snprintf(s->why, sizeof(s->why), "producer %d: got seq %llu, expected %llu", src,
                 (unsigned long long) hdr->len, (unsigned long long) seq);
        return;
    }
    if (len != stress_len(src, seq, s->max) || (size_t) hdr->tag != len) {
        s->bad = 1;
        snprintf(s->why, sizeof(s->why), "producer %d seq %llu: length %zu (tag %d)", src,
                 (unsigned long long) seq, len, hdr->tag);
        return;
    }
    if (fnv1a(payload, len) != hdr->ctx || !pattern_ok(payload, len, stress_seed(src, seq))) {
        s->bad = 1;
        snprintf(s->why, sizeof(s->why), "producer %d seq %llu: %zu bytes corrupted", src,
                 (unsigned long long) seq, len);
        return;
    }
    s->next[src]++;
    s->got++;
}

static int stress_fail(struct stress_report *rep, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int stress_fail(struct stress_report *rep, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(rep->why, sizeof(rep->why), fmt, ap);
    va_end(ap);
    return code;
}

static int stress_producer(void *arg)
{
    struct tkid_arg *a = arg;
    struct stress_report *rep = (struct stress_report *) a->fx->shared + a->rank;
    struct kr_tport_cb cb = { NULL, tsink_recv };
    unsigned char buf[16384];
    struct kr_tport *tp;
    struct kr_tep *ep;
    size_t max;
    int ret;

    ret = tport_open(a->fx, a->rank, a->n, &cb, &tp);
    if (ret == 0) {
        ret = tp->ops->start(tp);
    }
    if (ret == 0) {
        ret = tp->ops->connect(tp, 0, &ep);
    }
    if (ret != 0) {
        return stress_fail(rep, 2, "rank %d: transport setup: %s", a->rank, strerror(-ret));
    }
    max = ep->tp->ops->max_eager(ep);
    for (uint64_t seq = 0; seq < STRESS_RECORDS; seq++) {
        size_t len = stress_len(a->rank, seq, max);
        struct kr_wire_hdr hdr = { .type = 0xa5, .src = a->rank, .tag = (int32_t) len };
        struct iovec iov[2] = { { buf, len / 3 }, { buf + len / 3, len - len / 3 } };

        pattern_fill(buf, len, stress_seed(a->rank, seq));
        hdr.ctx = fnv1a(buf, len);
        hdr.len = seq;
        while ((ret = ep->tp->ops->send_eager(ep, &hdr, iov, 2)) == -EAGAIN) {
            uint64_t t0 = now_ms();

            atomic_fetch_add(&rep->eagain, 1);
            tp->ops->wait(tp, STRESS_WAIT_MS, never_ready, NULL);
            atomic_fetch_add(&rep->waits, 1);
            if (now_ms() - t0 >= STRESS_WAIT_MS * 9 / 10) {
                atomic_fetch_add(&rep->long_waits, 1);
            }
        }
        if (ret != 0) {
            tp->ops->close(tp);
            return stress_fail(rep, 3, "rank %d seq %llu: send: %s", a->rank,
                               (unsigned long long) seq, strerror(-ret));
        }
    }
    atomic_store(&rep->done, 1);
    tp->ops->close(tp);
    return 0;
}

/* Stop consuming until some producer sleeps for space (its ring is full), at most 5 s. */
static bool stress_await_producer_sleep(struct fx *fx, const struct stress_report *rep)
{
    uint64_t end = now_ms() + 5000;

    while (now_ms() < end) {
        for (int i = 0; i < STRESS_PRODUCERS; i++) {
            if (fx->kids[i] > 0 && !atomic_load(&rep[i + 1].done)
                && proc_state(fx->kids[i]) == 'S') {
                return true;
            }
        }
        sched_yield();
    }
    return false;
}

/* Reap children that exited; fail the test with the reason of any that failed. */
static int stress_check_kids(struct fx *fx, const struct stress_report *rep)
{
    int live = 0;

    for (int i = 0; i < fx->nkids; i++) {
        int status;

        if (fx->kids[i] <= 0) {
            continue;
        }
        if (waitpid(fx->kids[i], &status, WNOHANG) != fx->kids[i]) {
            live++;
            continue;
        }
        fx->kids[i] = 0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fail_msg("producer %d died (status 0x%x): %s", i + 1, (unsigned) status,
                     rep[i + 1].why);
        }
    }
    return live;
}

static void ring_stress_three_producers(void **state)
{
    struct fx *fx = *state;
    struct stress_report *rep = fx_shared(fx);
    struct stress_sink *sink = calloc(1, sizeof(*sink));
    struct kr_tport_cb cb = { sink, stress_recv };
    struct tkid_arg args[STRESS_PRODUCERS];
    const uint64_t total = (uint64_t) STRESS_PRODUCERS * STRESS_RECORDS;
    uint64_t start = now_ms(), first = 0, next_pause = STRESS_PAUSE, eagain = 0, waits = 0;
    uint64_t producer_bells = 0, long_waits = 0, cons_waits = 0, cons_long = 0;
    unsigned pauses = 0, pauses_slept = 0;
    struct kr_tep *self_ep;
    char seg[96];
    int idle = 0;

    assert_non_null(sink);
    fx->heap = sink;
    assert_true(sizeof(*rep) * (STRESS_PRODUCERS + 1) <= 4096);
    assert_int_equal(tport_open(fx, 0, STRESS_PRODUCERS + 1, &cb, &fx->tp[0]), 0);
    assert_int_equal(fx->tp[0]->ops->connect(fx->tp[0], 0, &self_ep), 0);
    sink->max = self_ep->tp->ops->max_eager(self_ep);
    assert_int_equal(sink->max, 16384 / 4 - SHM_REC_HDR);
    /* Our own view of the segment, to read every rank's doorbell counter afterwards. */
    assert_int_equal(kr_shm_seg_attach(&fx->seg, tport_segname(fx, seg, sizeof(seg)),
                                       STRESS_PRODUCERS + 1), 0);
    fx->seg.linked = false;
    for (int i = 0; i < STRESS_PRODUCERS; i++) {
        args[i] = (struct tkid_arg) { fx, getpid(), i + 1, STRESS_PRODUCERS + 1 };
        assert_true(fx_spawn(fx, stress_producer, &args[i]) > 0);
    }

    while (sink->got < total) {
        int n = fx->tp[0]->ops->progress(fx->tp[0]);

        assert_true(n >= 0);
        if (sink->bad) {
            fail_msg("%s", sink->why);
        }
        if (n > 0) {
            idle = 0;
            first = first != 0 ? first : now_ms();
            if (sink->got >= next_pause) {
                next_pause += STRESS_PAUSE;
                pauses++;
                pauses_slept += stress_await_producer_sleep(fx, rep);
            }
            continue;
        }
        if (++idle < 64) {
            continue;
        }
        if (stress_check_kids(fx, rep) == 0 && fx->tp[0]->ops->progress(fx->tp[0]) == 0) {
            fail_msg("all producers exited, %llu of %llu records arrived",
                     (unsigned long long) sink->got, (unsigned long long) total);
        }
        if (now_ms() - start > 600000) {
            fail_msg("stress run did not finish in 10 minutes (%llu of %llu records)",
                     (unsigned long long) sink->got, (unsigned long long) total);
        }
        {
            struct kr_tport *tp = fx->tp[0];
            uint64_t t0 = now_ms();

            assert_int_equal(tp->ops->wait(tp, STRESS_WAIT_MS, never_ready, NULL), 0);
            cons_waits++;
            if (first != 0 && now_ms() - t0 >= STRESS_WAIT_MS * 9 / 10) {
                cons_long++;
            }
        }
    }
    for (int i = 0; i < STRESS_PRODUCERS; i++) {
        int code = fx->kids[i] > 0 ? fx_reap(fx, fx->kids[i], 60000) : 0;

        assert_int_equal(code, 0);
        assert_int_equal(sink->next[i + 1], STRESS_RECORDS);
        eagain += atomic_load(&rep[i + 1].eagain);
        waits += atomic_load(&rep[i + 1].waits);
        long_waits += atomic_load(&rep[i + 1].long_waits);
        producer_bells += atomic_load(&kr_shm_seg_ctl(&fx->seg, (uint32_t) i + 1)->doorbell);
    }
    assert_int_equal(fx->tp[0]->ops->progress(fx->tp[0]), 0);
    printf("# stress: %llu records in %llu ms; producers: %llu -EAGAIN, %llu waits, %llu "
           "woken by the consumer, %llu timed out; consumer: %llu waits, %llu doorbells, %llu "
           "timed out; %u/%u pauses saw a sleeping producer\n",
           (unsigned long long) total, (unsigned long long) (now_ms() - start),
           (unsigned long long) eagain, (unsigned long long) waits,
           (unsigned long long) producer_bells, (unsigned long long) long_waits,
           (unsigned long long) cons_waits,
           (unsigned long long) atomic_load(&kr_shm_seg_ctl(&fx->seg, 0)->doorbell),
           (unsigned long long) cons_long, pauses_slept, pauses);
    /* Both sleep paths ran: producers slept for space and were woken by the consumer, the
     * consumer slept on an empty ring and was woken by producers; no wakeup was lost. */
    assert_true(eagain > 0);
    assert_true(producer_bells > 0);
    assert_true(atomic_load(&kr_shm_seg_ctl(&fx->seg, 0)->doorbell) > 0);
    assert_int_equal(cons_long, 0);
    assert_int_equal(long_waits, 0);
    fx->tp[0]->ops->close(fx->tp[0]);
    fx->tp[0] = NULL;
    kr_shm_seg_detach(&fx->seg);
    assert_false(shm_name_exists(seg));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(seg_layout_attach_and_unlink, fx_alloc, fx_teardown),
        cmocka_unit_test_setup_teardown(seg_detach_unlinks_if_not_all_attached, fx_alloc,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(ring_every_size, fx_setup_ring, fx_teardown),
        cmocka_unit_test_setup_teardown(ring_iovec_gathers, fx_setup_ring, fx_teardown),
        cmocka_unit_test_setup_teardown(ring_wraps_with_padding, fx_setup_ring, fx_teardown),
        cmocka_unit_test_setup_teardown(ring_padding_sizes, fx_setup_ring, fx_teardown),
        cmocka_unit_test_setup_teardown(ring_full_then_recovers, fx_setup_ring, fx_teardown),
        cmocka_unit_test_setup_teardown(ring_full_counts_padding, fx_setup_ring, fx_teardown),
        cmocka_unit_test_setup_teardown(ring_cached_head, fx_setup_ring, fx_teardown),
        cmocka_unit_test_setup_teardown(ring_poll_budget_and_ready, fx_setup_ring, fx_teardown),
        cmocka_unit_test_setup_teardown(ring_clears_stale_positions, fx_setup_ring,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(ring_two_producers_interleave, fx_setup_ring,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(doorbell_rung_only_for_sleepers, fx_setup_ring,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(ctl_sleep_returns_if_doorbell_moved, fx_setup_ring,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(ctl_sleep_times_out, fx_setup_ring, fx_teardown),
        cmocka_unit_test_setup_teardown(ring_sleep_woken_by_push, fx_setup_ring, fx_teardown),
        cmocka_unit_test_setup_teardown(tport_pair_in_process, fx_setup_tport, fx_teardown),
        cmocka_unit_test_setup_teardown(tport_blocked_sender_sleeps_until_record_fits,
                                        fx_setup_tport, fx_teardown),
        cmocka_unit_test_setup_teardown(tport_wait_woken_by_send, fx_setup_tport, fx_teardown),
        cmocka_unit_test_setup_teardown(tport_space_waiter_woken_by_drain, fx_setup_tport,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(ring_stress_three_producers, fx_setup_tport,
                                        fx_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

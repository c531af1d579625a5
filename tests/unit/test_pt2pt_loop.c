/* The pt2pt engine (src/pt2pt) over the loopback transport: several virtual ranks in one
 * process, each with its own engine, driven by the nonblocking calls and a round-robin of
 * kr_pt2pt_progress (never a blocking wait). Eager and rendezvous, with single copy and with
 * the RTS/CTS/DATA copy protocol, thousands of outstanding requests, the request pool. */
#include "config.h"

#include "pt2pt/pt2pt_int.h"
#include "util/settings.h"
#include "transport/loop/loop.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define WORLD_MAX 8
#define CTX       3
#define EAGER_MAX (64 * 1024)  /* the loop transport's largest eager message */
#define DATA_FRAG (EAGER_MAX - sizeof(struct pt2pt_data_hdr))

struct world {
    int n;
    struct kr_loop_fabric *fab;
    struct kr_pt2pt *pt[WORLD_MAX];
    struct kr_tport *tp[WORLD_MAX];
};

static int world_setup(void **state, int n, bool single_copy)
{
    struct world *w = calloc(1, sizeof(*w));

    if (w == NULL || kr_loop_fabric_create(n, &w->fab) != 0) {
        free(w);
        return -1;
    }
    kr_loop_fabric_set_single_copy(w->fab, single_copy);
    w->n = n;
    *state = w;
    for (int r = 0; r < n; r++) {
        struct kr_tport_cb cb;

        if (kr_pt2pt_create(r, n, &w->pt[r]) != 0) {
            return -1;
        }
        kr_pt2pt_tport_cb(w->pt[r], &cb);
        if (kr_loop_tport_open_in(w->fab, r, &cb, &w->tp[r]) != 0
            || kr_pt2pt_add_tport(w->pt[r], w->tp[r]) != 0) {
            return -1;
        }
        for (int p = 0; p < n; p++) {
            kr_pt2pt_set_route(w->pt[r], p, w->tp[r]);
        }
    }
    return 0;
}

static int world2(void **state)
{
    return world_setup(state, 2, true);
}

static int world2_copy(void **state)
{
    return world_setup(state, 2, false);
}

static int world5(void **state)
{
    return world_setup(state, 5, true);
}

static int world5_copy(void **state)
{
    return world_setup(state, 5, false);
}

static int world_teardown(void **state)
{
    struct world *w = *state;

    for (int r = 0; r < w->n; r++) {
        kr_pt2pt_destroy(w->pt[r]);
    }
    for (int r = 0; r < w->n; r++) {
        if (w->tp[r] != NULL) {
            w->tp[r]->ops->close(w->tp[r]);
        }
    }
    kr_loop_fabric_destroy(w->fab);
    free(w);
    return 0;
}

static bool world_single_copy(const struct world *w)
{
    struct pt2pt_peer *peer;
    struct kr_rndv_key key = { .len = 0 };
    struct iovec iov = { NULL, 0 };

    assert_int_equal(kr_proto_peer_connect(w->pt[0], 0, &peer), 0);
    return peer->tp->ops->rndv_get(peer->ep, &key, &iov, 1) == 0;
}

/* Progress every rank round-robin until a whole round handles nothing. */
static int world_pump(struct world *w)
{
    int total = 0;

    for (;;) {
        int round = 0;

        for (int r = 0; r < w->n; r++) {
            int k = kr_pt2pt_progress(w->pt[r]);

            assert_true(k >= 0);
            round += k;
        }
        if (round == 0) {
            return total;
        }
        total += round;
    }
}

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static void fill(unsigned char *p, size_t len, uint64_t seed)
{
    for (size_t i = 0; i < len; i += 8) {
        uint64_t v = mix64(seed + i);

        memcpy(p + i, &v, len - i < 8 ? len - i : 8);
    }
}

/* Offset of the first byte that differs from the pattern, or `len`. */
static size_t verify(const unsigned char *p, size_t len, uint64_t seed)
{
    for (size_t i = 0; i < len; i += 8) {
        uint64_t v = mix64(seed + i);
        size_t n = len - i < 8 ? len - i : 8;

        if (memcmp(p + i, &v, n) != 0) {
            return i;
        }
    }
    return len;
}

static unsigned char *xmalloc(size_t len)
{
    unsigned char *p = malloc(len + 1);

    assert_non_null(p);
    return p;
}

/* One message from `from` to `to`: post both sides (receive first or not), pump, check. */
static void transfer(struct world *w, int from, int to, size_t len, bool recv_first, int tag)
{
    unsigned char *sb = xmalloc(len), *rb = xmalloc(len + 16);
    struct kr_req s, r;
    uint64_t seed = mix64(len * 131 + (uint64_t) tag);

    fill(sb, len, seed);
    memset(rb, 0xcd, len + 16);
    kr_req_init(&s, KR_REQ_SEND);
    kr_req_init(&r, KR_REQ_RECV);
    if (recv_first) {
        assert_int_equal(kr_pt2pt_irecv(w->pt[to], &r, rb, len + 16, from, tag, CTX), 0);
    }
    assert_int_equal(kr_pt2pt_isend(w->pt[from], &s, sb, len, to, from, tag, CTX), 0);
    /* Eager sends are copied out at once; rendezvous ones wait for the receiver. */
    assert_int_equal(s.done, len <= EAGER_MAX);
    if (!recv_first) {
        world_pump(w);
        assert_int_equal(kr_pt2pt_irecv(w->pt[to], &r, rb, len + 16, from, tag, CTX), 0);
    }
    world_pump(w);
    assert_int_equal(s.done, 1);
    assert_int_equal(s.status.error, 0);
    assert_int_equal(r.done, 1);
    assert_int_equal(r.status.error, 0);
    assert_int_equal(r.status.count, len);
    assert_int_equal(r.status.source, from);
    assert_int_equal(r.status.tag, tag);
    assert_int_equal(verify(rb, len, seed), len);
    for (size_t i = len; i < len + 16; i++) {
        assert_int_equal(rb[i], 0xcd);
    }
    free(sb);
    free(rb);
}

/* ---- eager and rendezvous ------------------------------------------------------------- */

static void eager_sizes_both_ways(void **state)
{
    struct world *w = *state;
    static const size_t sizes[] = { 0, 1, 7, 8, 63, 64, 1000, 4096, 65535, EAGER_MAX };

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        transfer(w, 0, 1, sizes[i], true, (int) i);
        transfer(w, 1, 0, sizes[i], true, (int) i);
        transfer(w, 0, 1, sizes[i], false, (int) i);
        transfer(w, 1, 0, sizes[i], false, (int) i);
    }
}

static void rndv_sizes_both_ways(void **state)
{
    struct world *w = *state;
    static const size_t sizes[] = {
        EAGER_MAX + 1, 100000, 2 * DATA_FRAG, 2 * DATA_FRAG + 1, 1 << 20, (3 << 20) + 5,
    };

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        transfer(w, 0, 1, sizes[i], true, (int) i);
        transfer(w, 1, 0, sizes[i], false, (int) i);
    }
}

/* A rank's messages to itself go through its own loop queue. */
static void self_messages(void **state)
{
    struct world *w = *state;

    transfer(w, 0, 0, 0, true, 1);
    transfer(w, 0, 0, 5000, false, 2);
    transfer(w, 1, 1, EAGER_MAX + 1, true, 3);
    transfer(w, 1, 1, 1 << 20, false, 4);
}

/* Single copy, step by step: the receiver reads the sender's buffer when it matches the RTS
 * and completes at once; the sender completes on FIN. */
static void rndv_single_copy_steps(void **state)
{
    struct world *w = *state;
    size_t len = (1 << 20) + 3;
    unsigned char *sb = xmalloc(len), *rb = xmalloc(len);
    struct kr_req s, r;

    assert_true(world_single_copy(w));
    fill(sb, len, 42);
    kr_req_init(&s, KR_REQ_SEND);
    kr_req_init(&r, KR_REQ_RECV);
    assert_int_equal(kr_pt2pt_irecv(w->pt[1], &r, rb, len, 0, 9, CTX), 0);
    assert_int_equal(kr_pt2pt_isend(w->pt[0], &s, sb, len, 1, 0, 9, CTX), 0);
    assert_int_equal(s.done, 0);
    assert_int_equal(s.state, PT2PT_ST_SEND_WAIT_FIN);

    assert_int_equal(kr_pt2pt_progress(w->pt[1]), 1);        /* RTS; data copied; FIN out */
    assert_int_equal(r.done, 1);
    assert_int_equal(r.status.count, len);
    assert_int_equal(verify(rb, len, 42), len);
    assert_int_equal(s.done, 0);

    assert_int_equal(kr_pt2pt_progress(w->pt[0]), 1);        /* FIN */
    assert_int_equal(s.done, 1);
    assert_int_equal(s.status.error, 0);
    assert_int_equal(world_pump(w), 0);
    free(sb);
    free(rb);
}

/* Copy protocol, step by step: RTS, then CTS from the receiver, then the sender pushes the
 * message in DATA fragments of (max eager - fragment header) bytes. */
static void rndv_copy_steps(void **state)
{
    struct world *w = *state;
    size_t len = (1 << 20) + 3;
    int frags = (int) ((len + DATA_FRAG - 1) / DATA_FRAG);
    unsigned char *sb = xmalloc(len), *rb = xmalloc(len);
    struct kr_req s, r;

    assert_false(world_single_copy(w));
    fill(sb, len, 43);
    memset(rb, 0, len);
    kr_req_init(&s, KR_REQ_SEND);
    kr_req_init(&r, KR_REQ_RECV);
    assert_int_equal(kr_pt2pt_irecv(w->pt[1], &r, rb, len, 0, 9, CTX), 0);
    assert_int_equal(kr_pt2pt_isend(w->pt[0], &s, sb, len, 1, 0, 9, CTX), 0);
    assert_int_equal(s.state, PT2PT_ST_SEND_WAIT_FIN);

    assert_int_equal(kr_pt2pt_progress(w->pt[1]), 1);        /* RTS; single copy refused */
    assert_int_equal(r.done, 0);
    assert_int_equal(r.state, PT2PT_ST_RECV_PULL);

    assert_true(kr_pt2pt_progress(w->pt[0]) >= 1);           /* CTS; every fragment pushed */
    assert_int_equal(s.done, 1);
    assert_int_equal(s.status.error, 0);

    assert_int_equal(kr_pt2pt_progress(w->pt[1]), frags);    /* DATA */
    assert_int_equal(r.done, 1);
    assert_int_equal(r.status.count, len);
    assert_int_equal(r.status.error, 0);
    assert_int_equal(verify(rb, len, 43), len);
    assert_int_equal(world_pump(w), 0);
    free(sb);
    free(rb);
}

/* ---- many outstanding requests ------------------------------------------------------- */

#define PER_PAIR  200     /* messages from each rank to each rank (itself included) */
#define WILD_EACH 20      /* of which go to ANY_SOURCE receives with tag WILD_TAG */
#define WILD_BASE (PER_PAIR - WILD_EACH)
#define WILD_TAG  1000000
#define WILD_CAP  512
#define ROUNDS    3

/* One message of the all-to-all: the send and the receive, both from the pools. */
struct a2a_msg {
    int src, dst, idx;          /* idx < WILD_BASE: tag idx; else wildcard */
    size_t len;
    unsigned char *sbuf, *rbuf;
    struct kr_req *s, *r;
};

struct a2a {
    struct world *w;
    struct a2a_msg *m;          /* n * n * PER_PAIR, by (src, dst, idx) */
    int nmsg;
    struct kr_req **wild_r[WORLD_MAX];  /* wildcard receives of each rank, posting order */
    int nwild_r[WORLD_MAX];
    int wild_sent[WORLD_MAX][WORLD_MAX]; /* wildcard sends posted, by (src, dst) */
    long done_calls;
    long outstanding, peak;
    uintptr_t *seen[WORLD_MAX];         /* request addresses handed out in round 1, sorted */
    int nseen[WORLD_MAX];
};

static void a2a_done(struct kr_req *req)
{
    struct a2a *a = req->owner;

    a->done_calls++;
    a->outstanding--;
    assert_int_equal(req->done, 1);
}

static size_t a2a_len(int src, int dst, int idx, uint64_t round)
{
    uint64_t r = mix64(((uint64_t) src << 40) ^ ((uint64_t) dst << 20) ^ (uint64_t) idx
                       ^ (round << 56));

    if (idx >= WILD_BASE) {
        return 8 + (size_t) (r % (WILD_CAP - 8));
    }
    switch (r % 50) {
    case 0:
        return EAGER_MAX + 1 + (size_t) ((r >> 8) % 150000);    /* rendezvous */
    case 1:
    case 2:
    case 3:
        return (size_t) ((r >> 8) % (EAGER_MAX + 1));
    default:
        return (size_t) ((r >> 8) % 257);
    }
}

static int uintptr_cmp(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *) a, y = *(const uintptr_t *) b;

    return x < y ? -1 : x > y;
}

static struct kr_req *a2a_req(struct a2a *a, int rank, int round)
{
    struct kr_req *req = kr_req_alloc(a->w->pt[rank]);
    uintptr_t key = (uintptr_t) req;

    assert_non_null(req);
    assert_int_equal(req->flags, KR_REQ_F_POOLED);
    assert_int_equal(req->done, 0);
    /* Later rounds need no more requests than the first: the pool hands the same ones out. */
    if (round > 0) {
        assert_non_null(bsearch(&key, a->seen[rank], (size_t) a->nseen[rank], sizeof(key),
                                uintptr_cmp));
    }
    req->done_cb = a2a_done;
    req->owner = a;
    a->outstanding++;
    a->peak = a->outstanding > a->peak ? a->outstanding : a->peak;
    return req;
}

static struct a2a_msg *a2a_at(struct a2a *a, int src, int dst, int idx)
{
    return &a->m[(src * a->w->n + dst) * PER_PAIR + idx];
}

static void a2a_post_send(struct a2a *a, struct a2a_msg *m, int round)
{
    int tag = m->idx;

    if (m->idx >= WILD_BASE) {
        /* Wildcard messages of a pair go out in index order, and carry that order (their
         * sequence number) to check that ANY_SOURCE receives keep it. */
        uint32_t seq = (uint32_t) a->wild_sent[m->src][m->dst]++;

        m = a2a_at(a, m->src, m->dst, WILD_BASE + (int) seq);
        tag = WILD_TAG;
        fill(m->sbuf + 4, m->len - 4, seq);
        memcpy(m->sbuf, &seq, sizeof(seq));
    } else {
        fill(m->sbuf, m->len, mix64((uint64_t) (m - a->m) + ((uint64_t) round << 32)));
    }
    m->s = a2a_req(a, m->src, round);
    assert_int_equal(kr_pt2pt_isend(a->w->pt[m->src], m->s, m->sbuf, m->len, m->dst, m->src,
                                    tag, CTX), 0);
}

static void a2a_post_recv(struct a2a *a, struct a2a_msg *m, int round)
{
    struct kr_pt2pt *pt = a->w->pt[m->dst];

    m->r = a2a_req(a, m->dst, round);
    if (m->idx >= WILD_BASE) {
        /* Not necessarily this message: whichever ANY_SOURCE message comes next. */
        a->wild_r[m->dst][a->nwild_r[m->dst]++] = m->r;
        assert_int_equal(kr_pt2pt_irecv(pt, m->r, m->rbuf, WILD_CAP, KR_ANY_SOURCE, WILD_TAG,
                                        CTX), 0);
    } else {
        assert_int_equal(kr_pt2pt_irecv(pt, m->r, m->rbuf, m->len, m->src, m->idx, CTX), 0);
    }
}

static void a2a_check(struct a2a *a, int round)
{
    int n = a->w->n;
    int next[WORLD_MAX][WORLD_MAX];

    for (int i = 0; i < a->nmsg; i++) {
        struct a2a_msg *m = &a->m[i];
        uint64_t seed = mix64((uint64_t) i + ((uint64_t) round << 32));

        assert_int_equal(m->s->done, 1);
        assert_int_equal(m->s->status.error, 0);
        assert_int_equal(m->r->done, 1);
        if (m->idx < WILD_BASE) {
            assert_int_equal(m->r->status.source, m->src);
            assert_int_equal(m->r->status.tag, m->idx);
            assert_int_equal(m->r->status.count, m->len);
            assert_int_equal(verify(m->rbuf, m->len, seed), m->len);
        }
    }
    /* ANY_SOURCE receives, in posting order, get each source's messages in sending order. */
    memset(next, 0, sizeof(next));
    for (int d = 0; d < n; d++) {
        for (int k = 0; k < a->nwild_r[d]; k++) {
            struct kr_req *r = a->wild_r[d][k];
            const unsigned char *buf = r->buf;
            const struct a2a_msg *m;
            int s = r->status.source;
            uint32_t seq;

            assert_true(s >= 0 && s < n);
            assert_int_equal(r->status.tag, WILD_TAG);
            assert_int_equal(r->status.error, 0);
            memcpy(&seq, buf, sizeof(seq));
            assert_int_equal(seq, next[s][d]);
            next[s][d]++;
            m = a2a_at(a, s, d, WILD_BASE + (int) seq);
            assert_int_equal(r->status.count, m->len);
            assert_int_equal(verify(buf + 4, m->len - 4, seq) + 4, m->len);
        }
    }
    for (int s = 0; s < n; s++) {
        for (int d = 0; d < n; d++) {
            assert_int_equal(next[s][d], WILD_EACH);
        }
    }
}

/* Post every send and receive of an all-to-all in a random order, with progress of a random
 * rank only now and then, so thousands of requests are outstanding; then drain. */
static void a2a_round(struct a2a *a, int round)
{
    struct world *w = a->w;
    int *order = malloc(sizeof(int) * 2 * (size_t) a->nmsg);
    uint64_t rnd = 777;

    assert_non_null(order);
    for (int i = 0; i < 2 * a->nmsg; i++) {
        order[i] = i;
    }
    for (int i = 2 * a->nmsg - 1; i > 0; i--) {
        int j = (int) ((rnd = mix64(rnd)) % (uint64_t) (i + 1)), t = order[i];

        order[i] = order[j];
        order[j] = t;
    }
    memset(a->nwild_r, 0, sizeof(a->nwild_r));
    memset(a->wild_sent, 0, sizeof(a->wild_sent));
    for (int i = 0; i < a->nmsg; i++) {
        struct a2a_msg *m = &a->m[i];

        m->len = a2a_len(m->src, m->dst, m->idx, (uint64_t) round);
        m->sbuf = xmalloc(m->len);
        m->rbuf = xmalloc(m->idx >= WILD_BASE ? WILD_CAP : m->len);
    }
    for (int i = 0; i < 2 * a->nmsg; i++) {
        struct a2a_msg *m = &a->m[order[i] / 2];

        if (order[i] % 2 == 0) {
            a2a_post_send(a, m, round);
        } else {
            a2a_post_recv(a, m, round);
        }
        if ((rnd = mix64(rnd)) % 1024 == 0) {
            assert_true(kr_pt2pt_progress(w->pt[(rnd >> 8) % (uint64_t) w->n]) >= 0);
        }
    }
    world_pump(w);
    a2a_check(a, round);
    assert_int_equal(a->outstanding, 0);
    for (int i = 0; i < a->nmsg; i++) {
        struct a2a_msg *m = &a->m[i];

        kr_req_release(w->pt[m->src], m->s);
        kr_req_release(w->pt[m->dst], m->r);
        free(m->sbuf);
        free(m->rbuf);
    }
    free(order);
}

/* Remember every request each rank's pool holds after round 1. */
static void a2a_record_pool(struct a2a *a)
{
    for (int r = 0; r < a->w->n; r++) {
        int cap = 0;

        for (struct kr_req *q = a->w->pt[r]->pool; q != NULL; q = q->pool_next) {
            cap++;
        }
        a->seen[r] = malloc(sizeof(uintptr_t) * (size_t) cap);
        assert_non_null(a->seen[r]);
        a->nseen[r] = 0;
        for (struct kr_req *q = a->w->pt[r]->pool; q != NULL; q = q->pool_next) {
            a->seen[r][a->nseen[r]++] = (uintptr_t) q;
        }
        qsort(a->seen[r], (size_t) cap, sizeof(uintptr_t), uintptr_cmp);
    }
}

static void many_outstanding(void **state)
{
    struct world *w = *state;
    struct a2a a;
    int n = w->n, k = 0;

    memset(&a, 0, sizeof(a));
    a.w = w;
    a.nmsg = n * n * PER_PAIR;
    a.m = calloc((size_t) a.nmsg, sizeof(*a.m));
    assert_non_null(a.m);
    for (int d = 0; d < n; d++) {
        a.wild_r[d] = calloc((size_t) n * WILD_EACH, sizeof(struct kr_req *));
        assert_non_null(a.wild_r[d]);
    }
    for (int s = 0; s < n; s++) {
        for (int d = 0; d < n; d++) {
            for (int i = 0; i < PER_PAIR; i++) {
                a.m[k++] = (struct a2a_msg) { .src = s, .dst = d, .idx = i };
            }
        }
    }
    for (int round = 0; round < ROUNDS; round++) {
        a.done_calls = 0;
        a.peak = 0;
        a2a_round(&a, round);
        /* Every request completed exactly once, and most were in flight together. */
        assert_int_equal(a.done_calls, 2 * a.nmsg);
        print_message("round %d: %d messages, %ld requests in flight at the peak\n", round,
                      a.nmsg, a.peak);
        assert_true(a.peak > a.nmsg / 2);
        if (round == 0) {
            a2a_record_pool(&a);
        }
    }
    for (int d = 0; d < n; d++) {
        free(a.wild_r[d]);
        free(a.seen[d]);
    }
    free(a.m);
}

/* ---- the request pool ------------------------------------------------------------------ */

static int cb_calls;

static void count_done(struct kr_req *req)
{
    (void) req;
    cb_calls++;
}

static void request_pool_reuse(void **state)
{
    struct world *w = *state;
    enum { N = 1000 };
    uintptr_t *first = malloc(sizeof(uintptr_t) * N), *again = malloc(sizeof(uintptr_t) * N);
    struct kr_req *q[N], stack_req, *x;
    char buf[100] = "payload", in[100];

    assert_non_null(first);
    assert_non_null(again);
    for (int i = 0; i < N; i++) {
        q[i] = kr_req_alloc(w->pt[0]);
        assert_non_null(q[i]);
        assert_int_equal(q[i]->flags, KR_REQ_F_POOLED);
        assert_int_equal(q[i]->kind, KR_REQ_OTHER);
        first[i] = (uintptr_t) q[i];
        memset(&q[i]->status, 0x5a, sizeof(q[i]->status)); /* dirty it for the next user */
    }
    qsort(first, N, sizeof(uintptr_t), uintptr_cmp);
    for (int i = 1; i < N; i++) {
        assert_true(first[i] >= first[i - 1] + sizeof(struct kr_req));
    }
    for (int i = 0; i < N; i++) {
        kr_req_release(w->pt[0], q[i]);
    }
    for (int i = 0; i < N; i++) {
        q[i] = kr_req_alloc(w->pt[0]);
        again[i] = (uintptr_t) q[i];
        assert_int_equal(q[i]->status.count, 0);
        assert_int_equal(q[i]->done, 0);
    }
    qsort(again, N, sizeof(uintptr_t), uintptr_cmp);
    assert_memory_equal(first, again, sizeof(uintptr_t) * N);

    /* Releasing a caller-owned request is a no-op; the pool is LIFO. */
    kr_req_release(w->pt[0], q[7]);
    kr_req_init(&stack_req, KR_REQ_SEND);
    kr_req_release(w->pt[0], &stack_req);
    assert_ptr_equal(kr_req_alloc(w->pt[0]), q[7]);

    /* FREE_ON_DONE: the engine recycles the request when it completes, after its callback. */
    kr_req_release(w->pt[0], q[8]);
    x = kr_req_alloc(w->pt[0]);
    assert_ptr_equal(x, q[8]);
    x->flags |= KR_REQ_F_FREE_ON_DONE;
    x->done_cb = count_done;
    cb_calls = 0;
    assert_int_equal(kr_pt2pt_irecv(w->pt[0], x, in, sizeof(in), 1, 2, CTX), 0);
    x = kr_req_alloc(w->pt[1]);
    x->flags |= KR_REQ_F_FREE_ON_DONE;
    x->done_cb = count_done;
    assert_int_equal(kr_pt2pt_isend(w->pt[1], x, buf, sizeof(buf), 0, 1, 2, CTX), 0);
    assert_int_equal(cb_calls, 1);                       /* eager: done inside isend */
    assert_ptr_equal(kr_req_alloc(w->pt[1]), x);
    assert_int_equal(cb_calls, 1);
    world_pump(w);
    assert_int_equal(cb_calls, 2);
    assert_memory_equal(in, buf, sizeof(buf));
    assert_ptr_equal(kr_req_alloc(w->pt[0]), q[8]);
    /* Everything else goes back with the engines (the leak checker watches). */
    free(first);
    free(again);
}

int main(void)
{
    char err[256];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(eager_sizes_both_ways, world2, world_teardown),
        cmocka_unit_test_setup_teardown(rndv_sizes_both_ways, world2, world_teardown),
        cmocka_unit_test_setup_teardown(rndv_sizes_both_ways, world2_copy, world_teardown),
        cmocka_unit_test_setup_teardown(self_messages, world2, world_teardown),
        cmocka_unit_test_setup_teardown(self_messages, world2_copy, world_teardown),
        cmocka_unit_test_setup_teardown(rndv_single_copy_steps, world2, world_teardown),
        cmocka_unit_test_setup_teardown(rndv_copy_steps, world2_copy, world_teardown),
        cmocka_unit_test_setup_teardown(many_outstanding, world2, world_teardown),
        cmocka_unit_test_setup_teardown(many_outstanding, world5, world_teardown),
        cmocka_unit_test_setup_teardown(many_outstanding, world5_copy, world_teardown),
        cmocka_unit_test_setup_teardown(request_pool_reuse, world2, world_teardown),
    };

    /* The engine reads its limits (eager credit, ...) from the settings: use the defaults. */
    if (kr_settings_load(err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}

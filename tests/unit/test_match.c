/* Matching (src/pt2pt/match.c) through the pt2pt engine of three virtual ranks on the loopback
 * transport, plus the queue functions on their own: wildcards, posting and arrival order,
 * contexts, probe, zero-length messages and truncation. Rank 0 receives; 1 and 2 send. */
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

#define NRANKS    3
#define CTX       5
#define EAGER_MAX (64 * 1024)           /* the loop transport's largest eager message */
#define RNDV_LEN  (EAGER_MAX + 1000)    /* goes by rendezvous */
#define GUARD     64                    /* bytes past a receive buffer that must stay intact */
#define MAX_BUFS  4096

struct world {
    struct kr_loop_fabric *fab;
    struct kr_pt2pt *pt[NRANKS];
    struct kr_tport *tp[NRANKS];
    void *bufs[MAX_BUFS];               /* freed by the teardown, whatever happened */
    int nbufs;
};

/* One send or receive with its buffer. */
struct msg {
    struct kr_req req;
    unsigned char *buf;
    size_t len;
};

static int world_setup_mode(void **state, bool single_copy)
{
    struct world *w = calloc(1, sizeof(*w));

    if (w == NULL || kr_loop_fabric_create(NRANKS, &w->fab) != 0) {
        free(w);
        return -1;
    }
    kr_loop_fabric_set_single_copy(w->fab, single_copy);
    *state = w;
    for (int r = 0; r < NRANKS; r++) {
        struct kr_tport_cb cb;

        if (kr_pt2pt_create(r, NRANKS, &w->pt[r]) != 0) {
            return -1;
        }
        kr_pt2pt_tport_cb(w->pt[r], &cb);
        if (kr_loop_tport_open_in(w->fab, r, &cb, &w->tp[r]) != 0
            || kr_pt2pt_add_tport(w->pt[r], w->tp[r]) != 0) {
            return -1;
        }
        for (int p = 0; p < NRANKS; p++) {
            kr_pt2pt_set_route(w->pt[r], p, w->tp[r]);
        }
    }
    return 0;
}

static int world_setup(void **state)
{
    return world_setup_mode(state, true);
}

/* Rendezvous without single copy: RTS, CTS, DATA. */
static int world_setup_copy(void **state)
{
    return world_setup_mode(state, false);
}

static int world_teardown(void **state)
{
    struct world *w = *state;

    for (int r = 0; r < NRANKS; r++) {
        kr_pt2pt_destroy(w->pt[r]);
    }
    for (int r = 0; r < NRANKS; r++) {
        if (w->tp[r] != NULL) {
            w->tp[r]->ops->close(w->tp[r]);
        }
    }
    kr_loop_fabric_destroy(w->fab);
    for (int i = 0; i < w->nbufs; i++) {
        free(w->bufs[i]);
    }
    free(w);
    return 0;
}

static unsigned char *world_buf(struct world *w, size_t len)
{
    unsigned char *p = malloc(len + GUARD);

    assert_non_null(p);
    assert_true(w->nbufs < MAX_BUFS);
    w->bufs[w->nbufs++] = p;
    return p;
}

static unsigned char pat(uint32_t seed, size_t i)
{
    return (unsigned char) ((seed * 2654435761u) >> 24 ^ (i * 31 + (i >> 8)));
}

/* Progress every rank round-robin until a whole round handles nothing. */
static int world_pump(struct world *w)
{
    int total = 0;

    for (;;) {
        int round = 0;

        for (int r = 0; r < NRANKS; r++) {
            int n = kr_pt2pt_progress(w->pt[r]);

            assert_true(n >= 0);
            round += n;
        }
        if (round == 0) {
            return total;
        }
        total += round;
    }
}

/* Rank `from` sends `len` bytes of pattern `seed` to rank `to` as (from, tag, ctx). */
static void send_msg(struct world *w, struct msg *m, int from, int to, int tag, uint32_t ctx,
                     size_t len, uint32_t seed)
{
    m->buf = world_buf(w, len);
    m->len = len;
    for (size_t i = 0; i < len; i++) {
        m->buf[i] = pat(seed, i);
    }
    kr_req_init(&m->req, KR_REQ_SEND);
    assert_int_equal(kr_pt2pt_isend(w->pt[from], &m->req, m->buf, len, to, from, tag, ctx), 0);
}

static void post_recv(struct world *w, struct msg *m, int at, int src, int tag, uint32_t ctx,
                      size_t cap)
{
    m->buf = world_buf(w, cap);
    m->len = cap;
    memset(m->buf, 0xcd, cap + GUARD);
    kr_req_init(&m->req, KR_REQ_RECV);
    assert_int_equal(kr_pt2pt_irecv(w->pt[at], &m->req, m->buf, cap, src, tag, ctx), 0);
}

/* A completed receive got `count` bytes of pattern `seed` from `source` with `tag`. */
static void check_recv(const struct msg *m, int source, int tag, uint32_t seed, size_t count,
                       int error)
{
    assert_int_equal(m->req.done, 1);
    assert_int_equal(m->req.status.source, source);
    assert_int_equal(m->req.status.tag, tag);
    assert_int_equal(m->req.status.count, count);
    assert_int_equal(m->req.status.error, error);
    for (size_t i = 0; i < count; i++) {
        if (m->buf[i] != pat(seed, i)) {
            fail_msg("byte %zu of %zu differs (want message %u)", i, count, seed);
        }
    }
    /* Nothing beyond what arrived, and nothing past the buffer, was written. */
    for (size_t i = count; i < m->len + GUARD; i++) {
        if (m->buf[i] != 0xcd) {
            fail_msg("byte %zu written (message of %zu into %zu)", i, count, m->len);
        }
    }
}

/* ---- wildcards and posting order ------------------------------------------------------ */

static void any_source_posted_before_specific(void **state)
{
    struct world *w = *state;
    struct msg any, one, a, b;

    post_recv(w, &any, 0, KR_ANY_SOURCE, 5, CTX, 64);
    post_recv(w, &one, 0, 1, 5, CTX, 64);
    send_msg(w, &a, 1, 0, 5, CTX, 10, 100);
    send_msg(w, &b, 1, 0, 5, CTX, 20, 200);
    world_pump(w);
    check_recv(&any, 1, 5, 100, 10, 0);
    check_recv(&one, 1, 5, 200, 20, 0);
    assert_true(a.req.done && b.req.done);
}

static void specific_posted_before_any_source(void **state)
{
    struct world *w = *state;
    struct msg any, one, a, b;

    post_recv(w, &one, 0, 1, 5, CTX, 64);
    post_recv(w, &any, 0, KR_ANY_SOURCE, 5, CTX, 64);
    send_msg(w, &a, 1, 0, 5, CTX, 10, 100);
    send_msg(w, &b, 1, 0, 5, CTX, 20, 200);
    world_pump(w);
    check_recv(&one, 1, 5, 100, 10, 0);
    check_recv(&any, 1, 5, 200, 20, 0);
}

/* Receives for other sources or tags neither block nor take a message. */
static void any_source_mixed_sources(void **state)
{
    struct world *w = *state;
    struct msg any, two, late, x, y, z;

    post_recv(w, &any, 0, KR_ANY_SOURCE, 5, CTX, 64);
    post_recv(w, &two, 0, 2, 5, CTX, 64);
    send_msg(w, &x, 2, 0, 5, CTX, 11, 1);
    world_pump(w);
    check_recv(&any, 2, 5, 1, 11, 0);
    assert_int_equal(two.req.done, 0);
    send_msg(w, &z, 1, 0, 5, CTX, 13, 3);   /* nothing posted for rank 1 any more */
    world_pump(w);
    assert_int_equal(two.req.done, 0);
    send_msg(w, &y, 2, 0, 5, CTX, 12, 2);
    world_pump(w);
    check_recv(&two, 2, 5, 2, 12, 0);
    post_recv(w, &late, 0, KR_ANY_SOURCE, KR_ANY_TAG, CTX, 64);
    check_recv(&late, 1, 5, 3, 13, 0);
}

static void any_tag_and_tag_selection(void **state)
{
    struct world *w = *state;
    struct msg anytag, t3, t7, any_t9, s[4];

    post_recv(w, &anytag, 0, 1, KR_ANY_TAG, CTX, 64);
    post_recv(w, &t3, 0, 1, 3, CTX, 64);
    post_recv(w, &t7, 0, 1, 7, CTX, 64);
    send_msg(w, &s[0], 1, 0, 7, CTX, 8, 70);  /* the wildcard was posted first */
    send_msg(w, &s[1], 1, 0, 7, CTX, 9, 71);  /* tag 7 skips the tag-3 receive */
    send_msg(w, &s[2], 1, 0, 3, CTX, 10, 30);
    world_pump(w);
    check_recv(&anytag, 1, 7, 70, 8, 0);
    check_recv(&t7, 1, 7, 71, 9, 0);
    check_recv(&t3, 1, 3, 30, 10, 0);

    /* An earlier ANY_SOURCE receive with another tag does not take the message. */
    post_recv(w, &any_t9, 0, KR_ANY_SOURCE, 9, CTX, 64);
    post_recv(w, &anytag, 0, 1, KR_ANY_TAG, CTX, 64);
    send_msg(w, &s[3], 1, 0, 4, CTX, 5, 40);
    world_pump(w);
    check_recv(&anytag, 1, 4, 40, 5, 0);
    assert_int_equal(any_t9.req.done, 0);
    send_msg(w, &s[0], 2, 0, 9, CTX, 6, 90);
    world_pump(w);
    check_recv(&any_t9, 2, 9, 90, 6, 0);
}

/* ---- unexpected and posted ------------------------------------------------------------ */

static void unexpected_then_posted(void **state)
{
    struct world *w = *state;
    struct msg s[4], r[4];

    /* Arrival order across sources: 2, 1, 2, then a rendezvous message from 1. */
    send_msg(w, &s[0], 2, 0, 1, CTX, 100, 10);
    world_pump(w);
    send_msg(w, &s[1], 1, 0, 1, CTX, 200, 11);
    world_pump(w);
    send_msg(w, &s[2], 2, 0, 1, CTX, 300, 12);
    send_msg(w, &s[3], 1, 0, 1, CTX, RNDV_LEN, 13);
    world_pump(w);
    assert_true(s[0].req.done && s[1].req.done && s[2].req.done);
    assert_int_equal(s[3].req.done, 0); /* waits for the receiver */

    /* Eager ones complete inside irecv, taken in arrival order. */
    post_recv(w, &r[0], 0, KR_ANY_SOURCE, 1, CTX, 1000);
    check_recv(&r[0], 2, 1, 10, 100, 0);
    post_recv(w, &r[1], 0, KR_ANY_SOURCE, KR_ANY_TAG, CTX, 1000);
    check_recv(&r[1], 1, 1, 11, 200, 0);
    post_recv(w, &r[2], 0, 2, 1, CTX, 1000);
    check_recv(&r[2], 2, 1, 12, 300, 0);
    post_recv(w, &r[3], 0, 1, KR_ANY_TAG, CTX, RNDV_LEN);
    world_pump(w);
    check_recv(&r[3], 1, 1, 13, RNDV_LEN, 0);
    assert_int_equal(s[3].req.done, 1);
    assert_int_equal(s[3].req.status.error, 0);
}

static void posted_then_arrived(void **state)
{
    struct world *w = *state;
    struct msg r[2], s[2];

    post_recv(w, &r[0], 0, 2, 4, CTX, 512);
    post_recv(w, &r[1], 0, 2, 4, CTX, RNDV_LEN + 10);
    world_pump(w);
    assert_int_equal(r[0].req.done, 0);
    send_msg(w, &s[0], 2, 0, 4, CTX, 512, 1);
    send_msg(w, &s[1], 2, 0, 4, CTX, RNDV_LEN, 2);
    world_pump(w);
    check_recv(&r[0], 2, 4, 1, 512, 0);
    check_recv(&r[1], 2, 4, 2, RNDV_LEN, 0);
    assert_true(s[0].req.done && s[1].req.done);
}

/* 1000 messages with one (source, tag), eager and rendezvous mixed, half of them received
 * through posted receives and half unexpected: they match in sending order. */
static void same_source_and_tag_stay_in_order(void **state)
{
    struct world *w = *state;
    enum { N = 1000 };
    struct msg *s = calloc(N, sizeof(*s)), *r = calloc(N, sizeof(*r));
    size_t len[N];

    assert_non_null(s);
    assert_non_null(r);
    for (int i = 0; i < N; i++) {
        len[i] = i % 50 == 7 ? RNDV_LEN + (size_t) i : (size_t) (i % 7) * 100;
    }
    for (int i = 0; i < N / 2; i++) {
        post_recv(w, &r[i], 0, 1, 8, CTX, len[i]);
    }
    for (int i = 0; i < N; i++) {
        send_msg(w, &s[i], 1, 0, 8, CTX, len[i], (uint32_t) i);
        if (i % 100 == 0) {
            world_pump(w);
        }
    }
    world_pump(w);
    for (int i = N / 2; i < N; i++) {
        post_recv(w, &r[i], 0, i % 3 == 0 ? KR_ANY_SOURCE : 1, i % 2 ? KR_ANY_TAG : 8, CTX,
                  len[i]);
    }
    world_pump(w);
    for (int i = 0; i < N; i++) {
        check_recv(&r[i], 1, 8, (uint32_t) i, len[i], 0);
        assert_int_equal(s[i].req.done, 1);
    }
    free(s);
    free(r);
}

/* ---- contexts ------------------------------------------------------------------------- */

static void contexts_never_cross(void **state)
{
    struct world *w = *state;
    struct msg r3, r2, r1, s[3];
    struct kr_status st;
    int flag;

    post_recv(w, &r3, 0, KR_ANY_SOURCE, KR_ANY_TAG, 3, 64);
    send_msg(w, &s[0], 1, 0, 0, 1, 10, 1);
    send_msg(w, &s[1], 1, 0, 0, 2, 20, 2);
    world_pump(w);
    assert_int_equal(r3.req.done, 0);

    /* Same source and tag on another context: each receive sees its own context only. */
    post_recv(w, &r2, 0, 1, 0, 2, 64);
    check_recv(&r2, 1, 0, 2, 20, 0);
    assert_int_equal(kr_pt2pt_iprobe(w->pt[0], KR_ANY_SOURCE, KR_ANY_TAG, 3, &flag, &st), 0);
    assert_int_equal(flag, 0);
    assert_int_equal(kr_pt2pt_iprobe(w->pt[0], 1, 0, 1, &flag, &st), 0);
    assert_int_equal(flag, 1);
    post_recv(w, &r1, 0, KR_ANY_SOURCE, KR_ANY_TAG, 1, 64);
    check_recv(&r1, 1, 0, 1, 10, 0);

    send_msg(w, &s[2], 2, 0, 6, 3, 30, 3);
    world_pump(w);
    check_recv(&r3, 2, 6, 3, 30, 0);

    /* Releasing a context drops what waited there and leaves the others alone. */
    send_msg(w, &s[0], 1, 0, 0, 7, 40, 4);
    send_msg(w, &s[1], 1, 0, 0, 8, 50, 5);
    world_pump(w);
    kr_pt2pt_ctx_release(w->pt[0], 7);
    assert_int_equal(kr_pt2pt_iprobe(w->pt[0], 1, 0, 7, &flag, &st), 0);
    assert_int_equal(flag, 0);
    assert_int_equal(kr_pt2pt_iprobe(w->pt[0], 1, 0, 8, &flag, &st), 0);
    assert_int_equal(flag, 1);
}

/* ---- probe ---------------------------------------------------------------------------- */

static void probe_does_not_consume(void **state)
{
    struct world *w = *state;
    struct msg s[2], r[2];
    struct kr_status st;
    int flag;

    send_msg(w, &s[0], 2, 0, 4, CTX, 33, 1);
    send_msg(w, &s[1], 1, 0, 6, CTX, RNDV_LEN, 2);
    world_pump(w);
    for (int i = 0; i < 3; i++) {
        memset(&st, 0, sizeof(st));
        assert_int_equal(kr_pt2pt_iprobe(w->pt[0], KR_ANY_SOURCE, KR_ANY_TAG, CTX, &flag, &st),
                         0);
        assert_int_equal(flag, 1);
        assert_int_equal(st.source, 2);
        assert_int_equal(st.tag, 4);
        assert_int_equal(st.count, 33);
        assert_int_equal(st.error, 0);
    }
    /* A rendezvous message reports its full length before any data moved. */
    assert_int_equal(kr_pt2pt_iprobe(w->pt[0], 1, KR_ANY_TAG, CTX, &flag, &st), 0);
    assert_int_equal(flag, 1);
    assert_int_equal(st.source, 1);
    assert_int_equal(st.tag, 6);
    assert_int_equal(st.count, RNDV_LEN);
    assert_int_equal(kr_pt2pt_iprobe(w->pt[0], 1, 4, CTX, &flag, &st), 0);
    assert_int_equal(flag, 0);
    assert_int_equal(kr_pt2pt_iprobe(w->pt[0], KR_ANY_SOURCE, KR_ANY_TAG, CTX + 1, &flag, &st),
                     0);
    assert_int_equal(flag, 0);
    /* The blocking probe returns at once for a message that is there. */
    memset(&st, 0, sizeof(st));
    assert_int_equal(kr_pt2pt_probe(w->pt[0], 1, 6, CTX, &st), 0);
    assert_int_equal(st.count, RNDV_LEN);

    post_recv(w, &r[0], 0, KR_ANY_SOURCE, KR_ANY_TAG, CTX, 64);
    check_recv(&r[0], 2, 4, 1, 33, 0);
    assert_int_equal(kr_pt2pt_iprobe(w->pt[0], KR_ANY_SOURCE, KR_ANY_TAG, CTX, &flag, &st), 0);
    assert_int_equal(flag, 1);
    assert_int_equal(st.source, 1);
    post_recv(w, &r[1], 0, KR_ANY_SOURCE, KR_ANY_TAG, CTX, RNDV_LEN);
    world_pump(w);
    check_recv(&r[1], 1, 6, 2, RNDV_LEN, 0);
    assert_int_equal(s[1].req.done, 1);
    assert_int_equal(kr_pt2pt_iprobe(w->pt[0], KR_ANY_SOURCE, KR_ANY_TAG, CTX, &flag, &st), 0);
    assert_int_equal(flag, 0);
}

/* ---- zero length and truncation ------------------------------------------------------- */

static void zero_length_messages(void **state)
{
    struct world *w = *state;
    struct kr_req s[4], r[4];
    struct kr_status st;
    struct msg big;
    int flag;

    /* MPI allows a NULL buffer with count 0, posted before and after arrival. */
    kr_req_init(&r[0], KR_REQ_RECV);
    assert_int_equal(kr_pt2pt_irecv(w->pt[0], &r[0], NULL, 0, 1, 0, CTX), 0);
    kr_req_init(&s[0], KR_REQ_SEND);
    assert_int_equal(kr_pt2pt_isend(w->pt[1], &s[0], NULL, 0, 0, 1, 0, CTX), 0);
    kr_req_init(&s[1], KR_REQ_SEND);
    assert_int_equal(kr_pt2pt_isend(w->pt[2], &s[1], NULL, 0, 0, 2, 9, CTX), 0);
    assert_true(s[0].done && s[1].done);
    world_pump(w);
    assert_int_equal(r[0].done, 1);
    assert_int_equal(r[0].status.count, 0);
    assert_int_equal(r[0].status.error, 0);
    assert_int_equal(r[0].status.source, 1);

    assert_int_equal(kr_pt2pt_iprobe(w->pt[0], KR_ANY_SOURCE, KR_ANY_TAG, CTX, &flag, &st), 0);
    assert_int_equal(flag, 1);
    assert_int_equal(st.count, 0);
    assert_int_equal(st.source, 2);
    kr_req_init(&r[1], KR_REQ_RECV);
    assert_int_equal(kr_pt2pt_irecv(w->pt[0], &r[1], NULL, 0, KR_ANY_SOURCE, 9, CTX), 0);
    assert_int_equal(r[1].done, 1);
    assert_int_equal(r[1].status.count, 0);
    assert_int_equal(r[1].status.tag, 9);

    /* An empty message into a real buffer writes nothing. */
    post_recv(w, &big, 0, 1, 3, CTX, 100);
    kr_req_init(&s[2], KR_REQ_SEND);
    assert_int_equal(kr_pt2pt_isend(w->pt[1], &s[2], "x", 0, 0, 1, 3, CTX), 0);
    world_pump(w);
    check_recv(&big, 1, 3, 0, 0, 0);
}

static void truncation_delivers_prefix(void **state)
{
    struct world *w = *state;
    struct msg s[6], r[6];

    /* Eager, posted first and unexpected. */
    post_recv(w, &r[0], 0, 1, 1, CTX, 40);
    send_msg(w, &s[0], 1, 0, 1, CTX, 100, 1);
    send_msg(w, &s[1], 1, 0, 2, CTX, 100, 2);
    world_pump(w);
    check_recv(&r[0], 1, 1, 1, 40, -KR_ETRUNC);
    post_recv(w, &r[1], 0, 1, 2, CTX, 99);
    check_recv(&r[1], 1, 2, 2, 99, -KR_ETRUNC);

    /* Rendezvous into a buffer of eager size, of rendezvous size, and of no size. */
    post_recv(w, &r[2], 0, 2, 3, CTX, 1000);
    send_msg(w, &s[2], 2, 0, 3, CTX, RNDV_LEN, 3);
    send_msg(w, &s[3], 2, 0, 4, CTX, 3 * EAGER_MAX + 7, 4);
    send_msg(w, &s[4], 2, 0, 5, CTX, RNDV_LEN, 5);
    world_pump(w);
    post_recv(w, &r[3], 0, 2, 4, CTX, EAGER_MAX + 10);
    post_recv(w, &r[4], 0, 2, 5, CTX, 0);
    world_pump(w);
    check_recv(&r[2], 2, 3, 3, 1000, -KR_ETRUNC);
    check_recv(&r[3], 2, 4, 4, EAGER_MAX + 10, -KR_ETRUNC);
    check_recv(&r[4], 2, 5, 5, 0, -KR_ETRUNC);
    /* Senders of truncated messages complete normally. */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(s[i].req.done, 1);
        assert_int_equal(s[i].req.status.error, 0);
    }
    /* An exact fit is not truncation. */
    post_recv(w, &r[5], 0, 2, 6, CTX, RNDV_LEN);
    send_msg(w, &s[5], 2, 0, 6, CTX, RNDV_LEN, 6);
    world_pump(w);
    check_recv(&r[5], 2, 6, 6, RNDV_LEN, 0);
}

/* The same cases with rendezvous by RTS/CTS/DATA (the loop fabric refuses single copy). */
static void same_source_and_tag_stay_in_order_copy(void **state)
{
    same_source_and_tag_stay_in_order(state);
}

static void truncation_delivers_prefix_copy(void **state)
{
    truncation_delivers_prefix(state);
}

/* ---- the queues on their own ---------------------------------------------------------- */

static void posted_take_follows_posting_order(void **state)
{
    struct kr_pt2pt *pt;
    struct pt2pt_match_ctx *mc;
    struct kr_req q[5];
    static const int srcs[5] = { 1, KR_ANY_SOURCE, 1, KR_ANY_SOURCE, 3 };
    static const int tags[5] = { 5, 5, 5, KR_ANY_TAG, 5 };

    (void) state;
    assert_int_equal(kr_pt2pt_create(0, 4, &pt), 0);
    mc = kr_match_ctx_get(pt, 9);
    assert_non_null(mc);
    assert_ptr_equal(kr_match_ctx_get(pt, 9), mc);
    for (int i = 0; i < 5; i++) {
        kr_req_init(&q[i], KR_REQ_RECV);
        q[i].src = srcs[i];
        q[i].tag = tags[i];
        assert_int_equal(kr_match_posted_add(mc, &q[i]), 0);
    }
    /* Source 2 has no bin: only the full wildcard takes its tag 7. */
    assert_ptr_equal(kr_match_posted_take(mc, 2, 7), &q[3]);
    assert_null(kr_match_posted_take(mc, 2, 7));
    /* The source's own queue and the ANY_SOURCE queue interleave by posting order. */
    assert_ptr_equal(kr_match_posted_take(mc, 1, 5), &q[0]);
    assert_ptr_equal(kr_match_posted_take(mc, 1, 5), &q[1]);
    assert_ptr_equal(kr_match_posted_take(mc, 1, 5), &q[2]);
    assert_null(kr_match_posted_take(mc, 1, 5));
    assert_ptr_equal(kr_match_posted_take(mc, 3, 5), &q[4]);
    assert_null(kr_match_posted_take(mc, 3, 5));
    kr_pt2pt_destroy(pt);
}

static struct pt2pt_unexp *unexp_new(int src, int tag)
{
    struct pt2pt_unexp *u = calloc(1, sizeof(*u));

    assert_non_null(u);
    u->src = src;
    u->peer = src;
    u->tag = tag;
    u->type = PT2PT_EAGER;
    return u;
}

static void unexp_find_by_source_and_arrival(void **state)
{
    struct kr_pt2pt *pt;
    struct pt2pt_match_ctx *mc;
    struct pt2pt_unexp *u[4];

    (void) state;
    assert_int_equal(kr_pt2pt_create(0, 4, &pt), 0);
    mc = kr_match_ctx_get(pt, 2);
    assert_non_null(mc);
    u[0] = unexp_new(2, 1);
    u[1] = unexp_new(1, 2);
    u[2] = unexp_new(2, 2);
    u[3] = unexp_new(1, 2);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(kr_match_unexp_add(mc, u[i]), 0);
    }
    assert_ptr_equal(kr_match_unexp_find(mc, KR_ANY_SOURCE, KR_ANY_TAG), u[0]);
    assert_ptr_equal(kr_match_unexp_find(mc, KR_ANY_SOURCE, 2), u[1]);
    assert_ptr_equal(kr_match_unexp_find(mc, 2, 2), u[2]);
    assert_ptr_equal(kr_match_unexp_find(mc, 2, KR_ANY_TAG), u[0]);
    assert_null(kr_match_unexp_find(mc, 3, KR_ANY_TAG));
    assert_null(kr_match_unexp_find(mc, 1, 1));
    kr_match_unexp_remove(u[0]);
    free(u[0]);
    kr_match_unexp_remove(u[1]);
    free(u[1]);
    assert_ptr_equal(kr_match_unexp_find(mc, KR_ANY_SOURCE, KR_ANY_TAG), u[2]);
    assert_ptr_equal(kr_match_unexp_find(mc, 1, 2), u[3]);
    /* The rest goes with the engine (the leak checker of sanitizer builds watches). */
    kr_pt2pt_destroy(pt);
}

int main(void)
{
    char err[256];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(any_source_posted_before_specific, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(specific_posted_before_any_source, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(any_source_mixed_sources, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(any_tag_and_tag_selection, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(unexpected_then_posted, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(posted_then_arrived, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(same_source_and_tag_stay_in_order, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(same_source_and_tag_stay_in_order_copy,
                                        world_setup_copy, world_teardown),
        cmocka_unit_test_setup_teardown(contexts_never_cross, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(probe_does_not_consume, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(zero_length_messages, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(truncation_delivers_prefix, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(truncation_delivers_prefix_copy, world_setup_copy,
                                        world_teardown),
        cmocka_unit_test(posted_take_follows_posting_order),
        cmocka_unit_test(unexp_find_by_source_and_arrival),
    };

    /* The engine reads its limits (eager credit, ...) from the settings: use the defaults. */
    if (kr_settings_load(err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}

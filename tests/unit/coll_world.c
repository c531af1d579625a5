/* The loopback world of the collective schedule tests (coll_world.h). */
#include "config.h"

#include "coll_world.h"

#include "transport/loop/loop.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static struct world *worlds[NMAX + 1];

struct world *world_get(int n)
{
    struct world *w = worlds[n];

    if (w != NULL) {
        return w;
    }
    w = calloc(1, sizeof(*w));
    assert_non_null(w);
    assert_int_equal(kr_loop_fabric_create(n, &w->fab), 0);
    w->n = n;
    for (int r = 0; r < n; r++) {
        struct kr_tport_cb cb;

        assert_int_equal(kr_pt2pt_create(r, n, &w->pt[r]), 0);
        kr_pt2pt_tport_cb(w->pt[r], &cb);
        assert_int_equal(kr_loop_tport_open_in(w->fab, r, &cb, &w->tp[r]), 0);
        assert_int_equal(kr_pt2pt_add_tport(w->pt[r], w->tp[r]), 0);
        for (int p = 0; p < n; p++) {
            kr_pt2pt_set_route(w->pt[r], p, w->tp[r]);
        }
        assert_int_equal(kr_comm_create_world(w->pt[r], n, &w->comm[r]), 0);
    }
    worlds[n] = w;
    return w;
}

void worlds_free(void)
{
    struct kr_comm_ids ids;

    kr_comm_ids_init(&ids);
    for (int n = 1; n <= NMAX; n++) {
        struct world *w = worlds[n];

        for (int r = 0; w != NULL && r < n; r++) {
            kr_comm_free(w->comm[r], &ids);
            kr_pt2pt_destroy(w->pt[r]);
        }
        for (int r = 0; w != NULL && r < n; r++) {
            w->tp[r]->ops->close(w->tp[r]);
        }
        if (w != NULL) {
            kr_loop_fabric_destroy(w->fab);
            free(w);
        }
        worlds[n] = NULL;
    }
}

/* Start every rank's schedule, then progress all engines until every one has completed. A
 * whole sweep of progress that handles nothing while some schedule is unfinished is a hang. */
void run_scheds(int n, struct kr_pt2pt *const *pt, struct kr_sched **s)
{
    struct kr_req *req = calloc((size_t) n, sizeof(*req));
    int left = n, idle = 0;

    assert_non_null(req);
    for (int r = 0; r < n; r++) {
        kr_req_init(&req[r], KR_REQ_OTHER);
        assert_int_equal(kr_sched_start(s[r], &req[r]), 0);
    }
    while (left > 0) {
        int events = 0;

        left = 0;
        for (int r = 0; r < n; r++) {
            int k = kr_pt2pt_progress(pt[r]);

            assert_true(k >= 0);
            events += k;
            left += !req[r].done;
        }
        idle = events == 0 ? idle + 1 : 0;
        if (idle > 3 && left > 0) {
            fail_msg("%d of %d schedules hang", left, n);
        }
    }
    for (int r = 0; r < n; r++) {
        assert_int_equal(req[r].status.error, 0);
    }
    free(req);
}

void run(struct world *w, coll_build_fn *build, void *arg)
{
    struct kr_sched *s[NMAX];

    for (int r = 0; r < w->n; r++) {
        assert_int_equal(build(w->comm[r], r, arg, &s[r]), 0);
    }
    run_scheds(w->n, w->pt, s);
}

uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

unsigned char pat(int r, size_t i, unsigned salt)
{
    return (unsigned char) mix64(((uint64_t) salt << 40) ^ ((uint64_t) r << 24) ^ i);
}

void fill(unsigned char *p, size_t len, int r, unsigned salt)
{
    for (size_t i = 0; i < len; i++) {
        p[i] = pat(r, i, salt);
    }
}

void check_pat(const unsigned char *p, size_t len, int r, unsigned salt, const char *what)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != pat(r, i, salt)) {
            fail_msg("%s: byte %zu of rank %d's data is wrong", what, i, r);
        }
    }
}

void check_gap(const unsigned char *p, size_t len, const char *what)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != GAP) {
            fail_msg("%s: byte %zu between blocks was written", what, i);
        }
    }
}

int root_for(int n, int k)
{
    return (n * (2 * k + 3) / 7) % n;
}

void bufs_alloc(struct bufs *b, int n, size_t slen, size_t rlen)
{
    for (int r = 0; r < n; r++) {
        b->s[r] = malloc(slen + 1);
        b->r[r] = malloc(rlen + 1);
        assert_true(b->s[r] != NULL && b->r[r] != NULL);
        memset(b->r[r], GAP, rlen + 1);
    }
}

void bufs_free(struct bufs *b, int n)
{
    for (int r = 0; r < n; r++) {
        free(b->s[r]);
        free(b->r[r]);
    }
}

int build_barrier(struct kr_comm *c, int r, void *arg, struct kr_sched **s_out)
{
    (void) r;
    (void) arg;
    return kr_coll_barrier_sched(c, s_out);
}

int build_bcast(struct kr_comm *c, int r, void *arg, struct kr_sched **s_out)
{
    struct bcast_case *k = arg;

    return kr_coll_bcast_sched(c, k->b.r[r], k->bytes, k->root, s_out);
}

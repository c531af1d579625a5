/* p2p_grequest: generalized requests. MPI_Grequest_start / MPI_Grequest_complete with query,
 * free and cancel callbacks: how often each runs and with what, the status the query fills in
 * (MPI_Status_set_elements, MPI_Status_set_cancelled, source and tag) as every completion call
 * reports it; Test / Request_get_status / Testany / Testsome / Testall before completion
 * (nothing runs, nothing completes); Wait, Test, Waitany, Waitsome, Waitall after it, also
 * mixed with ordinary requests; MPI_Request_get_status (runs query, frees nothing);
 * MPI_Request_free before MPI_Grequest_complete (free runs at complete) and after
 * it; MPI_Cancel before and after complete (the callback's `complete` argument); a query that
 * returns an error (the completion call returns it, MPI_ERR_IN_STATUS from Waitall; free still
 * runs once), under MPI_ERRORS_RETURN. Purely local: every rank does the same on its own. */
#include "check.h"

#include <stdbool.h>

/* What one generalized request's callbacks saw. */
struct greq {
    int id;
    int nquery, nfree, ncancel;
    int cancel_complete; /* `complete` argument of the last cancel call */
    bool cancelled;      /* what the query reports: set by the cancel callback */
    bool freed;          /* free ran: query must not run after it */
    int query_ret;       /* what query returns */
};

static int query_fn(void *extra, MPI_Status *st)
{
    struct greq *g = extra;

    CHECK(!g->freed, "greq %d: query called after free", g->id);
    g->nquery++;
    CHECK_MPI(MPI_Status_set_elements(st, MPI_INT, 10 + g->id));
    CHECK_MPI(MPI_Status_set_cancelled(st, g->cancelled));
    st->MPI_SOURCE = 1000 + g->id;
    st->MPI_TAG = 2000 + g->id;
    return g->query_ret;
}

static int free_fn(void *extra)
{
    struct greq *g = extra;

    CHECK(!g->freed, "greq %d: free called twice", g->id);
    g->freed = true;
    g->nfree++;
    return MPI_SUCCESS;
}

static int cancel_fn(void *extra, int complete)
{
    struct greq *g = extra;

    g->ncancel++;
    g->cancel_complete = complete;
    if (!complete) {
        g->cancelled = true;
    }
    return MPI_SUCCESS;
}

static void start(struct greq *g, int id, MPI_Request *r)
{
    *g = (struct greq){.id = id};
    CHECK_MPI(MPI_Grequest_start(query_fn, free_fn, cancel_fn, g, r));
    CHECK(*r != MPI_REQUEST_NULL, "MPI_Grequest_start gave MPI_REQUEST_NULL");
}

#define CHECK_COUNTS(g, q, f, c)                                                                   \
    CHECK((g)->nquery == (q) && (g)->nfree == (f) && (g)->ncancel == (c),                          \
          "greq %d: query/free/cancel ran %d/%d/%d times, want %d/%d/%d", (g)->id, (g)->nquery,    \
          (g)->nfree, (g)->ncancel, (q), (f), (c))

/* The status the query of `g` fills in. */
static void check_status(const MPI_Status *st, const struct greq *g, const char *what)
{
    int cnt = -1, canc = -1;

    CHECK_MPI(MPI_Get_count(st, MPI_INT, &cnt));
    CHECK_MPI(MPI_Test_cancelled(st, &canc));
    CHECK(st->MPI_SOURCE == 1000 + g->id && st->MPI_TAG == 2000 + g->id && cnt == 10 + g->id
              && canc == g->cancelled,
          "%s: greq %d status: source %d tag %d count %d cancelled %d, want %d %d %d %d", what,
          g->id, st->MPI_SOURCE, st->MPI_TAG, cnt, canc, 1000 + g->id, 2000 + g->id, 10 + g->id,
          g->cancelled);
    CHECK_MPI(MPI_Get_count(st, MPI_BYTE, &cnt));
    CHECK(cnt == (int) sizeof(int) * (10 + g->id), "%s: MPI_Get_count(MPI_BYTE) %d", what, cnt);
}

/* Before MPI_Grequest_complete nothing completes and no callback runs; after it, Test
 * completes it: query then free, once each. */
static void test_before_after(void)
{
    struct greq g;
    MPI_Request r, keep;
    MPI_Status st, sts[2];
    int flag, idx, outcount, indices[2];

    start(&g, 1, &r);
    keep = r;
    for (int i = 0; i < 10; i++) {
        flag = 1;
        CHECK_MPI(MPI_Test(&r, &flag, &st));
        CHECK(!flag, "MPI_Test completed a generalized request before MPI_Grequest_complete");
        flag = 1;
        CHECK_MPI(MPI_Request_get_status(r, &flag, &st));
        CHECK(!flag, "MPI_Request_get_status: flag 1 before MPI_Grequest_complete");
        flag = 1;
        CHECK_MPI(MPI_Testany(1, &r, &idx, &flag, &st));
        CHECK(!flag && idx == MPI_UNDEFINED, "MPI_Testany before complete: flag %d index %d", flag,
              idx);
        CHECK_MPI(MPI_Testsome(1, &r, &outcount, indices, sts));
        CHECK(outcount == 0, "MPI_Testsome before complete: outcount %d", outcount);
        flag = 1;
        CHECK_MPI(MPI_Testall(1, &r, &flag, sts));
        CHECK(!flag, "MPI_Testall before complete: flag %d", flag);
    }
    CHECK(r == keep, "a test before completion changed the handle");
    CHECK_COUNTS(&g, 0, 0, 0);
    CHECK_MPI(MPI_Grequest_complete(r));
    CHECK_COUNTS(&g, 0, 0, 0);
    /* get_status runs query, frees nothing, leaves the handle */
    flag = 0;
    memset(&st, 0x5a, sizeof(st));
    CHECK_MPI(MPI_Request_get_status(r, &flag, &st));
    CHECK(flag && r == keep, "MPI_Request_get_status after complete: flag %d", flag);
    CHECK(g.nquery >= 1 && g.nfree == 0, "MPI_Request_get_status: query ran %d times, free %d",
          g.nquery, g.nfree);
    check_status(&st, &g, "MPI_Request_get_status");
    g.nquery = 0;
    flag = 0;
    memset(&st, 0x5a, sizeof(st));
    CHECK_MPI(MPI_Test(&r, &flag, &st));
    CHECK(flag && r == MPI_REQUEST_NULL, "MPI_Test after complete: flag %d", flag);
    CHECK_COUNTS(&g, 1, 1, 0);
    check_status(&st, &g, "MPI_Test");
}

/* MPI_Wait after complete, with a status and with MPI_STATUS_IGNORE (query still runs: its
 * return value is the operation's error code). */
static void wait_after(void)
{
    for (int k = 0; k < 2; k++) {
        struct greq g;
        MPI_Request r;
        MPI_Status st;

        start(&g, 2 + k, &r);
        CHECK_MPI(MPI_Grequest_complete(r));
        memset(&st, 0x5a, sizeof(st));
        CHECK_MPI(MPI_Wait(&r, k ? MPI_STATUS_IGNORE : &st));
        CHECK(r == MPI_REQUEST_NULL, "MPI_Wait left a generalized request set");
        CHECK_COUNTS(&g, 1, 1, 0);
        if (!k) {
            check_status(&st, &g, "MPI_Wait");
        }
    }
}

/* Several generalized requests plus a null and an ordinary receive to self, completed in a
 * scrambled order by Waitany, Waitsome, Testsome, Waitall: each reports its own query's
 * status, callbacks run once per request. */
static void multi(void)
{
    enum { N = 5 };
    struct greq g[N];
    int rank;

    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    for (int how = 0; how < 4; how++) {
        MPI_Request r[N + 2], s;
        MPI_Status sts[N + 2];
        int in = -1, out = 77 + how, done = 0, idx, outcount, indices[N + 2];
        static const int order[N] = {3, 0, 4, 2, 1};

        for (int i = 0; i < N; i++) {
            start(&g[i], 10 * (how + 1) + i, &r[i]);
        }
        r[N] = MPI_REQUEST_NULL;
        CHECK_MPI(MPI_Irecv(&in, 1, MPI_INT, rank, 5, MPI_COMM_WORLD, &r[N + 1]));
        CHECK_MPI(MPI_Isend(&out, 1, MPI_INT, rank, 5, MPI_COMM_WORLD, &s));
        CHECK_MPI(MPI_Wait(&s, MPI_STATUS_IGNORE));
        for (int k = 0; k < N; k++) {
            CHECK_MPI(MPI_Grequest_complete(r[order[k]]));
        }
        switch (how) {
        case 0:
            for (int k = 0; k < N + 1; k++) {
                MPI_Status st;

                CHECK_MPI(MPI_Waitany(N + 2, r, &idx, &st));
                CHECK(idx >= 0 && idx < N + 2 && idx != N, "MPI_Waitany: index %d", idx);
                sts[idx] = st;
            }
            CHECK_MPI(MPI_Waitany(N + 2, r, &idx, &sts[N]));
            CHECK(idx == MPI_UNDEFINED, "MPI_Waitany after all: index %d", idx);
            break;
        case 1:
        case 2:
            while (done < N + 1) {
                MPI_Status tmp[N + 2];

                if (how == 1) {
                    CHECK_MPI(MPI_Waitsome(N + 2, r, &outcount, indices, tmp));
                } else {
                    CHECK_MPI(MPI_Testsome(N + 2, r, &outcount, indices, tmp));
                }
                CHECK(outcount >= 0 && outcount <= N + 1 - done, "outcount %d", outcount);
                for (int k = 0; k < outcount; k++) {
                    CHECK(indices[k] >= 0 && indices[k] < N + 2 && indices[k] != N, "index %d",
                          indices[k]);
                    sts[indices[k]] = tmp[k];
                }
                done += outcount;
            }
            break;
        default: CHECK_MPI(MPI_Waitall(N + 2, r, sts)); break;
        }
        for (int i = 0; i < N + 2; i++) {
            CHECK(r[i] == MPI_REQUEST_NULL, "method %d: request %d still set", how, i);
        }
        for (int i = 0; i < N; i++) {
            CHECK_COUNTS(&g[i], 1, 1, 0);
            check_status(&sts[i], &g[i], "multi-completion");
        }
        CHECK(in == out && sts[N + 1].MPI_SOURCE == rank && sts[N + 1].MPI_TAG == 5,
              "method %d: the ordinary receive got %d from %d tag %d", how, in,
              sts[N + 1].MPI_SOURCE, sts[N + 1].MPI_TAG);
    }
}

/* MPI_Request_free before complete: nothing runs until MPI_Grequest_complete, which runs free
 * (nobody asks for the status, so the query need not run). After complete: free at once. */
static void free_early(void)
{
    struct greq g;
    MPI_Request r, keep;

    start(&g, 60, &r);
    keep = r;
    CHECK_MPI(MPI_Request_free(&r));
    CHECK(r == MPI_REQUEST_NULL, "MPI_Request_free did not null the handle");
    CHECK_COUNTS(&g, 0, 0, 0);
    CHECK_MPI(MPI_Grequest_complete(keep));
    CHECK(g.nfree == 1 && g.ncancel == 0,
          "freed before complete: free ran %d times at complete, cancel %d", g.nfree, g.ncancel);

    start(&g, 61, &r);
    CHECK_MPI(MPI_Grequest_complete(r));
    CHECK_MPI(MPI_Request_free(&r));
    CHECK(r == MPI_REQUEST_NULL, "MPI_Request_free did not null the handle");
    CHECK(g.nfree == 1 && g.ncancel == 0, "free after complete: free ran %d times", g.nfree);
}

/* MPI_Cancel before complete (callback gets complete = false; the query then reports the
 * status as cancelled) and after complete (complete = true). */
static void cancel(void)
{
    struct greq g;
    MPI_Request r;
    MPI_Status st;

    start(&g, 70, &r);
    CHECK_MPI(MPI_Cancel(&r));
    CHECK(g.ncancel == 1 && g.cancel_complete == 0,
          "MPI_Cancel before complete: cancel ran %d times with complete %d", g.ncancel,
          g.cancel_complete);
    CHECK(r != MPI_REQUEST_NULL, "MPI_Cancel nulled the handle");
    CHECK_MPI(MPI_Grequest_complete(r));
    CHECK_MPI(MPI_Wait(&r, &st));
    CHECK_COUNTS(&g, 1, 1, 1);
    check_status(&st, &g, "cancelled before complete");

    start(&g, 71, &r);
    CHECK_MPI(MPI_Grequest_complete(r));
    CHECK_MPI(MPI_Cancel(&r));
    CHECK(g.ncancel == 1 && g.cancel_complete != 0,
          "MPI_Cancel after complete: cancel ran %d times with complete %d", g.ncancel,
          g.cancel_complete);
    CHECK_MPI(MPI_Wait(&r, &st));
    CHECK_COUNTS(&g, 1, 1, 1);
    check_status(&st, &g, "cancelled after complete");
}

/* A query that fails: the completion call returns its code (MPI_Wait, MPI_Test) or
 * MPI_ERR_IN_STATUS with it in MPI_ERROR (MPI_Waitall); free still runs exactly once and the
 * handle is freed. */
static void query_error(void)
{
    int eclass, ecode, ret;

    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
    CHECK_MPI(MPI_Add_error_class(&eclass));
    CHECK_MPI(MPI_Add_error_code(eclass, &ecode));
    for (int how = 0; how < 3; how++) {
        struct greq g[2];
        MPI_Request r[2];
        MPI_Status sts[2];
        int flag = 0, cls = -1;

        start(&g[0], 80 + 2 * how, &r[0]);
        start(&g[1], 81 + 2 * how, &r[1]);
        g[0].query_ret = how == 0 ? MPI_ERR_OTHER : ecode;
        CHECK_MPI(MPI_Grequest_complete(r[0]));
        CHECK_MPI(MPI_Grequest_complete(r[1]));
        if (how == 0) {
            ret = MPI_Wait(&r[0], &sts[0]);
            CHECK(ret == MPI_ERR_OTHER,
                  "MPI_Wait with a failing query returned %d (%s), want "
                  "the query's MPI_ERR_OTHER",
                  ret, check_errstr(ret));
            CHECK_MPI(MPI_Wait(&r[1], &sts[1]));
        } else if (how == 1) {
            ret = MPI_Test(&r[0], &flag, &sts[0]);
            CHECK(flag && ret == ecode,
                  "MPI_Test with a failing query returned %d (%s) flag "
                  "%d, want the query's code %d",
                  ret, check_errstr(ret), flag, ecode);
            CHECK_MPI(MPI_Error_class(ret, &cls));
            CHECK(cls == eclass, "class of the query's code: %d, want %d", cls, eclass);
            CHECK_MPI(MPI_Test(&r[1], &flag, &sts[1]));
        } else {
            ret = MPI_Waitall(2, r, sts);
            CHECK(ret == MPI_ERR_IN_STATUS,
                  "MPI_Waitall with a failing query returned %d (%s), "
                  "want MPI_ERR_IN_STATUS",
                  ret, check_errstr(ret));
            CHECK(sts[0].MPI_ERROR == ecode && sts[1].MPI_ERROR == MPI_SUCCESS,
                  "MPI_Waitall: MPI_ERROR %d and %d, want %d and MPI_SUCCESS", sts[0].MPI_ERROR,
                  sts[1].MPI_ERROR, ecode);
        }
        for (int i = 0; i < 2; i++) {
            CHECK(r[i] == MPI_REQUEST_NULL, "way %d: request %d still set", how, i);
            CHECK_COUNTS(&g[i], 1, 1, 0);
            check_status(&sts[i], &g[i], "query error");
        }
    }
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL));
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    check_init("p2p_grequest");

    test_before_after();
    wait_after();
    multi();
    free_early();
    cancel();
    query_error();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    MPI_Finalize();
    return 0;
}

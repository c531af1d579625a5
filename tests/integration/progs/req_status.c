/* req_status: MPI 4.1's MPI_Request_get_status_all / _any / _some, and MPI_Pcontrol.
 * Each rank posts receives from its left neighbour that cannot complete yet (the neighbour
 * sends a tag only after this rank asked for it, so "not done" is deterministic without
 * sleeps), checks that the calls report nothing, asks for one message, and checks that the
 * calls then report it with the right status again and again without freeing or deactivating
 * the request; after that Waitall still completes every request. Null and inactive persistent
 * requests take no part; a truncated receive gives its error class (any) or MPI_ERR_IN_STATUS
 * with MPI_ERROR (all, some) under MPI_ERRORS_RETURN; bad arguments give MPI_ERR_COUNT,
 * MPI_ERR_ARG and MPI_ERR_REQUEST. */
#include "check.h"

#define GO 100 /* tag of "send me tag T now" (T is the payload) */

static int rank, np, left, right;

/* Ask the left neighbour for tag `tag` (`len` ints) and serve the right neighbour's request. */
static void release(int tag, int len)
{
    int want[2] = { tag, len }, got[2];
    int data[8];
    MPI_Request r;

    CHECK_MPI(MPI_Isend(want, 2, MPI_INT, left, GO, MPI_COMM_WORLD, &r));
    CHECK_MPI(MPI_Recv(got, 2, MPI_INT, right, GO, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    for (int i = 0; i < got[1]; i++) {
        data[i] = got[0] * 1000 + rank * 10 + i;
    }
    CHECK_MPI(MPI_Send(data, got[1], MPI_INT, right, got[0], MPI_COMM_WORLD));
    CHECK_MPI(MPI_Wait(&r, MPI_STATUS_IGNORE));
}

static void check_msg(const MPI_Status *st, int tag, int len, const char *what)
{
    int cnt = -1;

    CHECK_MPI(MPI_Get_count(st, MPI_INT, &cnt));
    CHECK(st->MPI_SOURCE == left && st->MPI_TAG == tag && cnt == len,
          "%s: status source %d tag %d count %d, want %d %d %d", what, st->MPI_SOURCE,
          st->MPI_TAG, cnt, left, tag, len);
}

static void check_payload(const int *buf, int tag, int len)
{
    for (int i = 0; i < len; i++) {
        CHECK(buf[i] == tag * 1000 + left * 10 + i, "tag %d element %d: %d", tag, i, buf[i]);
    }
}

static void test_pcontrol(void)
{
    CHECK_MPI(MPI_Pcontrol(0));
    CHECK_MPI(MPI_Pcontrol(1));
    CHECK_MPI(MPI_Pcontrol(2, "extra", 3.5)); /* the level's meaning is the profiler's */
}

static void test_pending_then_done(void)
{
    int b1[4], b2[4], flag = -1, indx = -2, outcount = -2, indices[3];
    MPI_Request r[3];
    MPI_Status st, sts[3];

    CHECK_MPI(MPI_Irecv(b1, 4, MPI_INT, left, 1, MPI_COMM_WORLD, &r[0]));
    CHECK_MPI(MPI_Irecv(b2, 4, MPI_INT, left, 2, MPI_COMM_WORLD, &r[1]));
    r[2] = MPI_REQUEST_NULL;

    /* nothing can have arrived: left sends only after release() */
    CHECK_MPI(MPI_Request_get_status_all(3, r, &flag, sts));
    CHECK(flag == 0, "get_status_all before any send: flag %d", flag);
    CHECK_MPI(MPI_Request_get_status_any(3, r, &indx, &flag, &st));
    CHECK(flag == 0 && indx == MPI_UNDEFINED, "get_status_any before any send: flag %d indx %d",
          flag, indx);
    CHECK_MPI(MPI_Request_get_status_some(3, r, &outcount, indices, sts));
    CHECK(outcount == 0, "get_status_some before any send: outcount %d", outcount);

    release(1, 3);
    flag = 0;
    while (!flag) {
        CHECK_MPI(MPI_Request_get_status_any(3, r, &indx, &flag, &st));
    }
    CHECK(indx == 0, "get_status_any: indx %d, want 0", indx);
    check_msg(&st, 1, 3, "get_status_any");
    check_payload(b1, 1, 3);
    CHECK(r[0] != MPI_REQUEST_NULL, "get_status_any freed the request");
    /* asking again gives the same answer: the request is still there, still complete */
    indx = -2;
    CHECK_MPI(MPI_Request_get_status_any(3, r, &indx, &flag, MPI_STATUS_IGNORE));
    CHECK(flag == 1 && indx == 0, "second get_status_any: flag %d indx %d", flag, indx);
    CHECK_MPI(MPI_Request_get_status_some(3, r, &outcount, indices, sts));
    CHECK(outcount == 1 && indices[0] == 0, "get_status_some: outcount %d indices[0] %d",
          outcount, indices[0]);
    check_msg(&sts[0], 1, 3, "get_status_some");
    CHECK_MPI(MPI_Request_get_status_all(3, r, &flag, sts));
    CHECK(flag == 0, "get_status_all with tag 2 not sent: flag %d", flag);

    release(2, 4);
    flag = 0;
    while (!flag) {
        CHECK_MPI(MPI_Request_get_status_all(3, r, &flag, sts));
    }
    check_msg(&sts[0], 1, 3, "get_status_all [0]");
    check_msg(&sts[1], 2, 4, "get_status_all [1]");
    CHECK_EMPTY(&sts[2], "get_status_all, null request");
    CHECK(sts[0].MPI_ERROR == MPI_SUCCESS && sts[1].MPI_ERROR == MPI_SUCCESS,
          "get_status_all: MPI_ERROR %d %d", sts[0].MPI_ERROR, sts[1].MPI_ERROR);
    CHECK(r[0] != MPI_REQUEST_NULL && r[1] != MPI_REQUEST_NULL, "get_status_all freed requests");
    CHECK_MPI(MPI_Request_get_status_some(3, r, &outcount, indices, MPI_STATUSES_IGNORE));
    CHECK(outcount == 2 && indices[0] == 0 && indices[1] == 1,
          "get_status_some: outcount %d, indices %d %d", outcount, indices[0], indices[1]);

    /* the program still completes them, with their statuses */
    CHECK_MPI(MPI_Waitall(3, r, sts));
    check_msg(&sts[0], 1, 3, "Waitall [0]");
    check_msg(&sts[1], 2, 4, "Waitall [1]");
    check_payload(b2, 2, 4);
    CHECK(r[0] == MPI_REQUEST_NULL && r[1] == MPI_REQUEST_NULL, "Waitall did not free them");

    /* only null requests: any gives flag 1 and MPI_UNDEFINED, some MPI_UNDEFINED */
    CHECK_MPI(MPI_Request_get_status_any(3, r, &indx, &flag, &st));
    CHECK(flag == 1 && indx == MPI_UNDEFINED, "all null, any: flag %d indx %d", flag, indx);
    CHECK_EMPTY(&st, "all null, get_status_any");
    CHECK_MPI(MPI_Request_get_status_some(3, r, &outcount, indices, sts));
    CHECK(outcount == MPI_UNDEFINED, "all null, some: outcount %d", outcount);
    CHECK_MPI(MPI_Request_get_status_all(0, NULL, &flag, MPI_STATUSES_IGNORE));
    CHECK(flag == 1, "count 0, all: flag %d", flag);
}

/* An inactive persistent request counts as complete with an empty status, and stays inactive. */
static void test_persistent(void)
{
    int buf[2], flag = 0;
    MPI_Request r;
    MPI_Status st;

    CHECK_MPI(MPI_Recv_init(buf, 2, MPI_INT, left, 5, MPI_COMM_WORLD, &r));
    CHECK_MPI(MPI_Request_get_status_all(1, &r, &flag, &st));
    CHECK(flag == 1, "inactive persistent, all: flag %d", flag);
    CHECK_EMPTY(&st, "inactive persistent, get_status_all");
    CHECK_MPI(MPI_Start(&r));
    release(5, 2);
    flag = 0;
    while (!flag) {
        CHECK_MPI(MPI_Request_get_status_all(1, &r, &flag, &st));
    }
    check_msg(&st, 5, 2, "persistent, get_status_all");
    CHECK_MPI(MPI_Wait(&r, &st)); /* still active until here */
    check_msg(&st, 5, 2, "persistent, Wait");
    check_payload(buf, 5, 2);
    CHECK(r != MPI_REQUEST_NULL, "Wait freed a persistent request");
    CHECK_MPI(MPI_Request_free(&r));
}

/* A receive too small for its message: the error is reported, the request stays. */
static void test_truncate(void)
{
    int small[2], flag = 0, indx = -1, outcount = -1, ret = MPI_SUCCESS;
    MPI_Request r;
    MPI_Status st;

    CHECK_MPI(MPI_Irecv(small, 2, MPI_INT, left, 6, MPI_COMM_WORLD, &r));
    release(6, 5);
    while (!flag) {
        ret = MPI_Request_get_status_any(1, &r, &indx, &flag, &st);
        CHECK(ret == MPI_SUCCESS || check_errclass(ret) == MPI_ERR_TRUNCATE,
              "get_status_any on a truncated receive: %s", check_errstr(ret));
    }
    CHECK(check_errclass(ret) == MPI_ERR_TRUNCATE && indx == 0,
          "get_status_any on a truncated receive: %s, indx %d", check_errstr(ret), indx);
    ret = MPI_Request_get_status_all(1, &r, &flag, &st);
    CHECK(ret == MPI_ERR_IN_STATUS && flag == 1 && check_errclass(st.MPI_ERROR) == MPI_ERR_TRUNCATE,
          "get_status_all on a truncated receive: %s, flag %d, MPI_ERROR %d", check_errstr(ret),
          flag, st.MPI_ERROR);
    ret = MPI_Request_get_status_some(1, &r, &outcount, &indx, &st);
    CHECK(ret == MPI_ERR_IN_STATUS && outcount == 1
              && check_errclass(st.MPI_ERROR) == MPI_ERR_TRUNCATE,
          "get_status_some on a truncated receive: %s, outcount %d", check_errstr(ret), outcount);
    CHECK(r != MPI_REQUEST_NULL, "the failed request was freed");
    ret = MPI_Wait(&r, &st);
    CHECK(check_errclass(ret) == MPI_ERR_TRUNCATE && r == MPI_REQUEST_NULL,
          "Wait after get_status: %s", check_errstr(ret));
}

static void test_bad_args(void)
{
    MPI_Request r[2] = { MPI_REQUEST_NULL, MPI_REQUEST_NULL };
    int flag, indx, outcount, indices[2], ret;

    ret = MPI_Request_get_status_all(-1, r, &flag, MPI_STATUSES_IGNORE);
    CHECK(check_errclass(ret) == MPI_ERR_COUNT, "count -1: %s", check_errstr(ret));
    ret = MPI_Request_get_status_all(2, r, NULL, MPI_STATUSES_IGNORE);
    CHECK(check_errclass(ret) == MPI_ERR_ARG, "all, flag NULL: %s", check_errstr(ret));
    ret = MPI_Request_get_status_any(2, r, NULL, &flag, MPI_STATUS_IGNORE);
    CHECK(check_errclass(ret) == MPI_ERR_ARG, "any, indx NULL: %s", check_errstr(ret));
    ret = MPI_Request_get_status_some(2, r, NULL, indices, MPI_STATUSES_IGNORE);
    CHECK(check_errclass(ret) == MPI_ERR_ARG, "some, outcount NULL: %s", check_errstr(ret));
    ret = MPI_Request_get_status_some(2, NULL, &outcount, indices, MPI_STATUSES_IGNORE);
    CHECK(check_errclass(ret) == MPI_ERR_REQUEST, "some, array NULL: %s", check_errstr(ret));
    ret = MPI_Request_get_status_any(2, r, &indx, &flag, NULL);
    CHECK(ret == MPI_SUCCESS && flag == 1 && indx == MPI_UNDEFINED,
          "any, only null requests, status NULL (MPI_STATUS_IGNORE): %s", check_errstr(ret));
}

int main(int argc, char **argv)
{
    CHECK_MPI(MPI_Init(&argc, &argv));
    check_init("req_status");
    CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &np));
    left = (rank + np - 1) % np;
    right = (rank + 1) % np;
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));

    test_pcontrol();
    test_pending_then_done();
    test_persistent();
    test_truncate();
    test_bad_args();

    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    CHECK_MPI(MPI_Finalize());
    return 0;
}

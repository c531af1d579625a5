/* comm_create: communicators from groups and by type, compared, and duplicated without
 * blocking. MPI_Comm_create (a subset, disjoint subgroups at once, the empty group),
 * MPI_Comm_create_group (every other rank, disjoint groups at once with the same tag, chains of
 * overlapping groups), MPI_Comm_split_type (shared memory, guided by info, unguided,
 * MPI_UNDEFINED), MPI_Comm_compare, MPI_Comm_dup_with_info, MPI_Comm_idup with traffic pending
 * on the parent and several idups in flight alongside blocking creations, and 5000
 * create/free cycles (context ids must be recycled and never collide). */
#include "check.h"

static int rank, np;

/* comm's members, in rank order, must be the world ranks want[0..n). */
static void check_members(MPI_Comm comm, const int *want, int n, const char *what)
{
    int size = -1, me = -1, *got = malloc(sizeof(int) * (size_t) (n > 0 ? n : 1));

    CHECK(got != NULL, "out of memory");
    CHECK_MPI(MPI_Comm_size(comm, &size));
    CHECK_MPI(MPI_Comm_rank(comm, &me));
    CHECK(size == n, "%s: size %d, want %d", what, size, n);
    CHECK(me >= 0 && me < n && want[me] == rank, "%s: world rank %d has rank %d", what, rank, me);
    CHECK_MPI(MPI_Allgather(&rank, 1, MPI_INT, got, 1, MPI_INT, comm));
    for (int i = 0; i < n; i++) {
        CHECK(got[i] == want[i], "%s: rank %d is world rank %d, want %d", what, i, got[i], want[i]);
    }
    free(got);
}

/* Point-to-point around a ring of comm with a wildcard receive, then a collective. */
static void check_works(MPI_Comm comm, int tag, const char *what)
{
    int size, me, in = -1, out, sum = 0;
    MPI_Request req[2];
    MPI_Status st;

    CHECK_MPI(MPI_Comm_size(comm, &size));
    CHECK_MPI(MPI_Comm_rank(comm, &me));
    out = 1000 * tag + me;
    CHECK_MPI(MPI_Irecv(&in, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &req[0]));
    CHECK_MPI(MPI_Isend(&out, 1, MPI_INT, (me + 1) % size, tag, comm, &req[1]));
    CHECK_MPI(MPI_Wait(&req[0], &st));
    CHECK_MPI(MPI_Wait(&req[1], MPI_STATUS_IGNORE));
    CHECK(in == 1000 * tag + (me + size - 1) % size && st.MPI_TAG == tag,
          "%s: got %d tag %d, want %d tag %d", what, in, st.MPI_TAG,
          1000 * tag + (me + size - 1) % size, tag);
    CHECK_MPI(MPI_Allreduce(&me, &sum, 1, MPI_INT, MPI_SUM, comm));
    CHECK(sum == size * (size - 1) / 2, "%s: allreduce gives %d", what, sum);
}

static void test_create(void)
{
    MPI_Group world, evens, odds, mine, empty;
    MPI_Comm c;
    int *want = malloc(sizeof(int) * (size_t) np), n = 0, r3[1][3];

    CHECK(want != NULL, "out of memory");
    CHECK_MPI(MPI_Comm_group(MPI_COMM_WORLD, &world));
    r3[0][0] = 0;
    r3[0][1] = np - 1;
    r3[0][2] = 2;
    CHECK_MPI(MPI_Group_range_incl(world, 1, r3, &evens));
    CHECK_MPI(MPI_Group_difference(world, evens, &odds));

    /* one subset: the evens get a communicator, the odds MPI_COMM_NULL */
    CHECK_MPI(MPI_Comm_create(MPI_COMM_WORLD, evens, &c));
    for (int i = 0; i < np; i += 2) {
        want[n++] = i;
    }
    if (rank % 2 == 0) {
        check_members(c, want, n, "create(evens)");
        check_works(c, 1, "create(evens)");
        CHECK_MPI(MPI_Comm_free(&c));
    } else {
        CHECK(c == MPI_COMM_NULL, "create(evens): odd rank %d got a communicator", rank);
    }

    /* disjoint subgroups in one call (MPI-2.2): each passes its own */
    mine = rank % 2 == 0 ? evens : odds;
    CHECK_MPI(MPI_Comm_create(MPI_COMM_WORLD, mine, &c));
    n = 0;
    for (int i = rank % 2; i < np; i += 2) {
        want[n++] = i;
    }
    check_members(c, want, n, "create(disjoint halves)");
    check_works(c, 2, "create(disjoint halves)");
    CHECK_MPI(MPI_Comm_free(&c));

    /* the empty group: nobody gets one */
    CHECK_MPI(MPI_Group_incl(world, 0, NULL, &empty));
    CHECK(empty == MPI_GROUP_EMPTY, "an empty group is not MPI_GROUP_EMPTY");
    CHECK_MPI(MPI_Comm_create(MPI_COMM_WORLD, MPI_GROUP_EMPTY, &c));
    CHECK(c == MPI_COMM_NULL, "create(MPI_GROUP_EMPTY) gave a communicator");
    CHECK_MPI(MPI_Group_free(&empty));

    CHECK_MPI(MPI_Group_free(&odds));
    CHECK_MPI(MPI_Group_free(&evens));
    CHECK_MPI(MPI_Group_free(&world));
    free(want);
}

static void test_create_group(void)
{
    MPI_Group world, g;
    MPI_Comm c;
    int want[2], ranks[2], n;

    CHECK_MPI(MPI_Comm_group(MPI_COMM_WORLD, &world));
    /* disjoint pairs at once, all with the same tag */
    ranks[0] = rank - rank % 2;
    ranks[1] = ranks[0] + 1;
    n = ranks[1] < np ? 2 : 1;
    CHECK_MPI(MPI_Group_incl(world, n, ranks, &g));
    for (int iter = 0; iter < 200; iter++) {
        CHECK_MPI(MPI_Comm_create_group(MPI_COMM_WORLD, g, 7, &c));
        check_members(c, ranks, n, "create_group(pairs)");
        if (iter % 50 == 0) {
            check_works(c, 3, "create_group(pairs)");
        }
        CHECK_MPI(MPI_Comm_free(&c));
    }
    CHECK_MPI(MPI_Group_free(&g));

    /* overlapping pairs one after the other, same tag: {0,1}, then {1,2}, ... Each process is
     * in two calls; a later call's messages may reach it while it is still in the earlier. */
    for (int first = 0; first + 1 < np; first++) {
        if (rank != first && rank != first + 1) {
            continue;
        }
        want[0] = first;
        want[1] = first + 1;
        CHECK_MPI(MPI_Group_incl(world, 2, want, &g));
        CHECK_MPI(MPI_Comm_create_group(MPI_COMM_WORLD, g, 9, &c));
        check_members(c, want, 2, "create_group(chain)");
        CHECK_MPI(MPI_Comm_free(&c));
        CHECK_MPI(MPI_Group_free(&g));
    }

    /* a process outside the group gets MPI_COMM_NULL without taking part */
    want[0] = 0;
    CHECK_MPI(MPI_Group_incl(world, 1, want, &g));
    CHECK_MPI(MPI_Comm_create_group(MPI_COMM_WORLD, g, 0, &c));
    CHECK((rank == 0) == (c != MPI_COMM_NULL), "create_group({0}): rank %d got %s", rank,
          c == MPI_COMM_NULL ? "MPI_COMM_NULL" : "a communicator");
    if (c != MPI_COMM_NULL) {
        check_members(c, want, 1, "create_group({0})");
        CHECK_MPI(MPI_Comm_free(&c));
    }
    CHECK_MPI(MPI_Group_free(&g));
    CHECK_MPI(MPI_Group_free(&world));
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
}

/* The resource a hardware split says it made (MPI-4.1: info key mpi_hw_resource_type). */
static void hw_resource(MPI_Comm c, char *buf, int len, const char *what)
{
    MPI_Info info;
    int flag = 0;

    CHECK_MPI(MPI_Comm_get_info(c, &info));
    CHECK_MPI(MPI_Info_get_string(info, "mpi_hw_resource_type", &len, buf, &flag));
    CHECK(flag, "%s: the new communicator has no mpi_hw_resource_type", what);
    CHECK_MPI(MPI_Info_free(&info));
}

static void test_split_type(void)
{
    char res[64];
    MPI_Comm c;
    MPI_Info info;
    int *want = malloc(sizeof(int) * (size_t) np), result;

    CHECK(want != NULL, "out of memory");
    for (int i = 0; i < np; i++) {
        want[np - 1 - i] = i;
    }
    /* every rank of this job runs on this host; key reverses the order */
    CHECK_MPI(
        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, np - rank, MPI_INFO_NULL, &c));
    check_members(c, want, np, "split_type(shared)");
    check_works(c, 4, "split_type(shared)");
    CHECK_MPI(MPI_Comm_compare(c, MPI_COMM_WORLD, &result));
    CHECK(result == (np == 1 ? MPI_CONGRUENT : MPI_SIMILAR), "compare(reversed, world) = %d",
          result);
    CHECK_MPI(MPI_Comm_free(&c));

    /* guided by the shared-memory resource: the same; by a hardware resource: a part of the
     * host (which part depends on the binding and the machine: launcher_bind.sh checks that);
     * by an unknown resource: none */
    CHECK_MPI(MPI_Info_create(&info));
    CHECK_MPI(MPI_Info_set(info, "mpi_hw_resource_type", "mpi_shared_memory"));
    CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_GUIDED, 0, info, &c));
    CHECK_MPI(MPI_Comm_compare(c, MPI_COMM_WORLD, &result));
    CHECK(result == MPI_CONGRUENT, "split_type(hw_guided shared memory) vs world: %d", result);
    hw_resource(c, res, sizeof(res), "split_type(hw_guided shared memory)");
    CHECK(strcmp(res, "mpi_shared_memory") == 0, "hw_guided shared memory says '%s'", res);
    CHECK_MPI(MPI_Comm_free(&c));
    CHECK_MPI(MPI_Info_set(info, "mpi_hw_resource_type", "NUMANode"));
    CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_GUIDED, 0, info, &c));
    CHECK(c != MPI_COMM_NULL, "split_type(hw_guided NUMANode) gave MPI_COMM_NULL");
    CHECK_MPI(MPI_Comm_size(c, &result));
    CHECK(result >= 1 && result <= np, "split_type(hw_guided NUMANode) has %d ranks", result);
    hw_resource(c, res, sizeof(res), "split_type(hw_guided NUMANode)");
    CHECK(strcmp(res, "NUMANode") == 0, "hw_guided NUMANode says '%s'", res);
    CHECK_MPI(MPI_Comm_free(&c));
    CHECK_MPI(MPI_Info_set(info, "mpi_hw_resource_type", "board"));
    CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_GUIDED, 0, info, &c));
    CHECK(c == MPI_COMM_NULL, "split_type(hw_guided board) gave a communicator");
    CHECK_MPI(MPI_Info_free(&info));

    /* unguided: a strict subset (of a finer resource than the host, on one host), or none;
     * it names its resource, and a guided split by that name makes the same groups */
    CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_UNGUIDED, 0, MPI_INFO_NULL, &c));
    if (c != MPI_COMM_NULL) {
        MPI_Comm g;

        CHECK_MPI(MPI_Comm_size(c, &result));
        CHECK(result < np, "split_type(hw_unguided) has %d of %d ranks", result, np);
        hw_resource(c, res, sizeof(res), "split_type(hw_unguided)");
        CHECK(strcmp(res, "Package") == 0 || strcmp(res, "NUMANode") == 0
                  || strcmp(res, "L3Cache") == 0 || strcmp(res, "L2Cache") == 0
                  || strcmp(res, "Core") == 0 || strcmp(res, "PU") == 0,
              "split_type(hw_unguided) on one host says '%s'", res);
        CHECK_MPI(MPI_Info_create(&info));
        CHECK_MPI(MPI_Info_set(info, "mpi_hw_resource_type", res));
        CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_GUIDED, 0, info, &g));
        CHECK_MPI(MPI_Info_free(&info));
        CHECK_MPI(MPI_Comm_compare(c, g, &result));
        CHECK(result == MPI_CONGRUENT, "hw_guided '%s' vs hw_unguided: %d", res, result);
        CHECK_MPI(MPI_Comm_free(&g));
        CHECK_MPI(MPI_Comm_free(&c));
    }
    CHECK(np > 1 || c == MPI_COMM_NULL, "split_type(hw_unguided) of one rank gave a communicator");

    /* MPI_UNDEFINED on the odd ranks only */
    CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD,
                                  rank % 2 == 0 ? MPI_COMM_TYPE_SHARED : MPI_UNDEFINED, 0,
                                  MPI_INFO_NULL, &c));
    CHECK((rank % 2 == 0) == (c != MPI_COMM_NULL), "split_type(undefined on odd) on rank %d", rank);
    if (c != MPI_COMM_NULL) {
        int n = 0;

        for (int i = 0; i < np; i += 2) {
            want[n++] = i;
        }
        check_members(c, want, n, "split_type(evens)");
        CHECK_MPI(MPI_Comm_free(&c));
    }
    free(want);
}

static void test_compare(void)
{
    MPI_Comm dup, split, rev;
    int result, flag = -1;

    CHECK_MPI(MPI_Comm_compare(MPI_COMM_WORLD, MPI_COMM_WORLD, &result));
    CHECK(result == MPI_IDENT, "compare(world, world) = %d", result);
    CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
    CHECK_MPI(MPI_Comm_compare(MPI_COMM_WORLD, dup, &result));
    CHECK(result == MPI_CONGRUENT, "compare(world, dup) = %d", result);
    CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, 0, -rank, &rev));
    CHECK_MPI(MPI_Comm_compare(dup, rev, &result));
    CHECK(result == (np == 1 ? MPI_CONGRUENT : MPI_SIMILAR), "compare(dup, reversed) = %d", result);
    CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &split));
    CHECK_MPI(MPI_Comm_compare(split, MPI_COMM_WORLD, &result));
    CHECK(result == (np == 1 ? MPI_CONGRUENT : MPI_UNEQUAL), "compare(half, world) = %d", result);
    CHECK_MPI(MPI_Comm_compare(MPI_COMM_SELF, MPI_COMM_WORLD, &result));
    CHECK(result == (np == 1 ? MPI_CONGRUENT : MPI_UNEQUAL), "compare(self, world) = %d", result);
    CHECK_MPI(MPI_Comm_test_inter(dup, &flag));
    CHECK(flag == 0, "test_inter(dup) = %d", flag);
    CHECK_MPI(MPI_Comm_free(&split));
    CHECK_MPI(MPI_Comm_free(&rev));
    CHECK_MPI(MPI_Comm_free(&dup));
}

static void test_dup_with_info(void)
{
    MPI_Comm c, d;
    MPI_Info info, used;
    char val[64];
    int flag = 0, nkeys = -1;

    CHECK_MPI(MPI_Info_create(&info));
    CHECK_MPI(MPI_Info_set(info, "mpi_assert_no_any_tag", "true"));
    CHECK_MPI(MPI_Comm_dup_with_info(MPI_COMM_WORLD, info, &c));
    CHECK_MPI(MPI_Info_free(&info));
    CHECK_MPI(MPI_Comm_get_info(c, &used));
    CHECK_MPI(MPI_Info_get(used, "mpi_assert_no_any_tag", (int) sizeof(val) - 1, val, &flag));
    CHECK(flag && strcmp(val, "true") == 0, "dup_with_info: hint %s", flag ? val : "missing");
    CHECK_MPI(MPI_Info_free(&used));
    /* a plain dup keeps the hints; set_info replaces them */
    CHECK_MPI(MPI_Comm_dup(c, &d));
    CHECK_MPI(MPI_Comm_get_info(d, &used));
    CHECK_MPI(MPI_Info_get_nkeys(used, &nkeys));
    CHECK(nkeys == 1, "dup of a communicator with one hint has %d", nkeys);
    CHECK_MPI(MPI_Info_free(&used));
    CHECK_MPI(MPI_Info_create(&info));
    CHECK_MPI(MPI_Comm_set_info(d, info));
    CHECK_MPI(MPI_Info_free(&info));
    CHECK_MPI(MPI_Comm_get_info(d, &used));
    CHECK_MPI(MPI_Info_get_nkeys(used, &nkeys));
    CHECK(nkeys == 0, "after set_info(empty) %d hints remain", nkeys);
    CHECK_MPI(MPI_Info_free(&used));
    check_works(d, 5, "dup_with_info");
    CHECK_MPI(MPI_Comm_free(&d));
    CHECK_MPI(MPI_Comm_free(&c));
}

/* idup while a wildcard receive and traffic are pending on the parent. */
static void test_idup_pending(void)
{
    MPI_Comm parent, c;
    MPI_Request rreq, sreq, dreq;
    MPI_Status st;
    int in = -1, out = 500 + rank, flag = 0, polls = 0;

    CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &parent));
    CHECK_MPI(MPI_Irecv(&in, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, parent, &rreq));
    CHECK_MPI(MPI_Comm_idup(parent, &c, &dreq));
    CHECK_MPI(MPI_Isend(&out, 1, MPI_INT, (rank + 1) % np, 11, parent, &sreq));
    CHECK_MPI(MPI_Wait(&rreq, &st));
    CHECK(in == 500 + (rank + np - 1) % np && st.MPI_TAG == 11,
          "idup pending: the parent's wildcard receive got %d tag %d", in, st.MPI_TAG);
    CHECK_MPI(MPI_Wait(&sreq, MPI_STATUS_IGNORE));
    while (!flag) {
        CHECK_MPI(MPI_Test(&dreq, &flag, MPI_STATUS_IGNORE));
        polls++;
    }
    CHECK(dreq == MPI_REQUEST_NULL, "idup request not freed by MPI_Test");
    check_works(c, 6, "idup");
    check_works(parent, 7, "idup's parent");
    CHECK_MPI(MPI_Comm_free(&c));
    CHECK_MPI(MPI_Comm_free(&parent));
}

/* Several idups in flight at once, on two parents, with blocking creations in between, and
 * completed in another order; every new communicator must be separate from all others. */
static void test_idup_many(void)
{
    enum { N = 6 };
    MPI_Comm p2, c[N], blocking[2];
    MPI_Request req[N];

    CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, 0, -rank, &p2));
    for (int i = 0; i < N; i++) {
        CHECK_MPI(MPI_Comm_idup(i % 2 == 0 ? MPI_COMM_WORLD : p2, &c[i], &req[i]));
        if (i == 2) {
            CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &blocking[0]));
        }
    }
    CHECK_MPI(MPI_Comm_split(p2, rank % 2, rank, &blocking[1]));
    for (int i = N - 1; i >= 0; i -= 2) {
        CHECK_MPI(MPI_Wait(&req[i], MPI_STATUS_IGNORE));
    }
    CHECK_MPI(MPI_Waitall(N, req, MPI_STATUSES_IGNORE));
    /* the same tag everywhere at once: only the contexts keep the messages apart */
    {
        MPI_Comm all[N + 2];
        MPI_Request r[2 * (N + 2)];
        int in[N + 2], out[N + 2];

        for (int i = 0; i < N; i++) {
            all[i] = c[i];
        }
        all[N] = blocking[0];
        all[N + 1] = blocking[1];
        for (int i = 0; i < N + 2; i++) {
            int size, me;

            CHECK_MPI(MPI_Comm_size(all[i], &size));
            CHECK_MPI(MPI_Comm_rank(all[i], &me));
            out[i] = 100 * i + me;
            in[i] = -1;
            CHECK_MPI(MPI_Irecv(&in[i], 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, all[i], &r[i]));
            CHECK_MPI(MPI_Isend(&out[i], 1, MPI_INT, (me + 1) % size, 3, all[i], &r[N + 2 + i]));
        }
        CHECK_MPI(MPI_Waitall(2 * (N + 2), r, MPI_STATUSES_IGNORE));
        for (int i = 0; i < N + 2; i++) {
            CHECK(in[i] / 100 == i, "communicator %d got a message meant for %d", i, in[i] / 100);
        }
    }
    for (int i = 0; i < N; i++) {
        check_works(c[i], 8, "idup (many)");
        CHECK_MPI(MPI_Comm_free(&c[i]));
    }
    CHECK_MPI(MPI_Comm_free(&blocking[0]));
    CHECK_MPI(MPI_Comm_free(&blocking[1]));
    CHECK_MPI(MPI_Comm_free(&p2));
}

/* Nonblocking dups of two communicators started in opposite orders on even and odd ranks (legal:
 * the order only binds collectives on the same communicator), and a blocking creation on one
 * side while the other side waits for an idup the first has in flight. */
static void test_idup_orders(void)
{
    MPI_Comm p2, a, b, blocking;
    MPI_Request req[2];

    CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &p2));
    if (rank % 2 == 0) {
        CHECK_MPI(MPI_Comm_idup(MPI_COMM_WORLD, &a, &req[0]));
        CHECK_MPI(MPI_Comm_idup(p2, &b, &req[1]));
    } else {
        CHECK_MPI(MPI_Comm_idup(p2, &b, &req[1]));
        CHECK_MPI(MPI_Comm_idup(MPI_COMM_WORLD, &a, &req[0]));
    }
    CHECK_MPI(MPI_Waitall(2, req, MPI_STATUSES_IGNORE));
    check_works(a, 12, "idup (even/odd order)");
    check_works(b, 13, "idup (odd/even order)");
    CHECK_MPI(MPI_Comm_free(&b));
    CHECK_MPI(MPI_Comm_free(&a));

    /* even ranks: idup(world), dup(p2), wait; odd ranks: idup(world), wait, dup(p2). The even
     * ranks' blocking dup waits for the odd ones, which wait for the idup: the idup must
     * complete while the even ranks are inside MPI_Comm_dup. */
    CHECK_MPI(MPI_Comm_idup(MPI_COMM_WORLD, &a, &req[0]));
    if (rank % 2 == 0) {
        CHECK_MPI(MPI_Comm_dup(p2, &blocking));
        CHECK_MPI(MPI_Wait(&req[0], MPI_STATUS_IGNORE));
    } else {
        CHECK_MPI(MPI_Wait(&req[0], MPI_STATUS_IGNORE));
        CHECK_MPI(MPI_Comm_dup(p2, &blocking));
    }
    check_works(a, 14, "idup while others block");
    check_works(blocking, 15, "dup while others wait for an idup");
    CHECK_MPI(MPI_Comm_free(&blocking));
    CHECK_MPI(MPI_Comm_free(&a));
    CHECK_MPI(MPI_Comm_free(&p2));
}

/* Groups through the API: sizes and ranks, ranges, translation with MPI_PROC_NULL, comparison,
 * and the errors the checks give. */
static void test_group_api(void)
{
    MPI_Group world, rev, odd, u, g;
    int size = -1, me = -1, result, in[3], out[3], ranges[1][3], ret, cls;

    CHECK_MPI(MPI_Comm_group(MPI_COMM_WORLD, &world));
    CHECK_MPI(MPI_Group_size(world, &size));
    CHECK_MPI(MPI_Group_rank(world, &me));
    CHECK(size == np && me == rank, "world group: size %d rank %d", size, me);
    /* reversed by a range with a negative stride */
    ranges[0][0] = np - 1;
    ranges[0][1] = 0;
    ranges[0][2] = -1;
    CHECK_MPI(MPI_Group_range_incl(world, 1, ranges, &rev));
    CHECK_MPI(MPI_Group_rank(rev, &me));
    CHECK(me == np - 1 - rank, "reversed group: rank %d", me);
    CHECK_MPI(MPI_Group_compare(world, rev, &result));
    CHECK(result == (np == 1 ? MPI_IDENT : MPI_SIMILAR), "compare(world, reversed) = %d", result);
    in[0] = 0;
    in[1] = MPI_PROC_NULL;
    in[2] = np - 1;
    CHECK_MPI(MPI_Group_translate_ranks(world, 3, in, rev, out));
    CHECK(out[0] == np - 1 && out[1] == MPI_PROC_NULL && out[2] == 0,
          "translate into the reversed group: %d %d %d", out[0], out[1], out[2]);
    /* the odd ranks by range_excl of the evens */
    ranges[0][0] = 0;
    ranges[0][1] = np - 1;
    ranges[0][2] = 2;
    CHECK_MPI(MPI_Group_range_excl(world, 1, ranges, &odd));
    CHECK_MPI(MPI_Group_size(odd, &size));
    CHECK(size == np / 2, "odd ranks: %d", size);
    CHECK_MPI(MPI_Group_rank(odd, &me));
    CHECK(me == (rank % 2 == 1 ? rank / 2 : MPI_UNDEFINED), "odd group: rank %d", me);
    CHECK_MPI(MPI_Group_translate_ranks(world, 1, &rank, odd, out));
    CHECK(out[0] == me, "translate to the odd group: %d", out[0]);
    CHECK_MPI(MPI_Group_union(odd, rev, &u));
    CHECK_MPI(MPI_Group_size(u, &size));
    CHECK(size == np, "union of odd and all: %d", size);
    CHECK_MPI(MPI_Group_free(&u));
    /* errors: a rank twice, a rank out of range, MPI_GROUP_NULL */
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    in[0] = in[1] = 0;
    ret = MPI_Group_incl(world, 2, in, &g);
    CHECK_MPI(MPI_Error_class(ret, &cls));
    CHECK(np == 1 ? cls == MPI_ERR_ARG : cls == MPI_ERR_RANK, "incl of a rank twice: class %d",
          cls);
    in[0] = np;
    ret = MPI_Group_excl(world, 1, in, &g);
    CHECK_MPI(MPI_Error_class(ret, &cls));
    CHECK(cls == MPI_ERR_RANK, "excl of rank %d: class %d", np, cls);
    ret = MPI_Group_size(MPI_GROUP_NULL, &size);
    CHECK_MPI(MPI_Error_class(ret, &cls));
    CHECK(cls == MPI_ERR_GROUP, "size of MPI_GROUP_NULL: class %d", cls);
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
    CHECK_MPI(MPI_Group_free(&odd));
    CHECK(odd == MPI_GROUP_NULL || odd == MPI_GROUP_EMPTY, "free left the group handle");
    CHECK_MPI(MPI_Group_free(&rev));
    CHECK_MPI(MPI_Group_free(&world));
}

/* Create and free 5000 times, alternating the ways; the ids must be recycled. Keep a few alive
 * across iterations so that freed ids come back in a different order. */
static void test_cycles(void)
{
    MPI_Group world;
    MPI_Comm keep[3] = {MPI_COMM_NULL, MPI_COMM_NULL, MPI_COMM_NULL}, c;
    MPI_Request req;

    CHECK_MPI(MPI_Comm_group(MPI_COMM_WORLD, &world));
    for (int i = 0; i < 5000; i++) {
        switch (i % 4) {
        case 0: CHECK_MPI(MPI_Comm_create(MPI_COMM_WORLD, world, &c)); break;
        case 1: CHECK_MPI(MPI_Comm_create_group(MPI_COMM_WORLD, world, i, &c)); break;
        case 2:
            CHECK_MPI(MPI_Comm_idup(MPI_COMM_WORLD, &c, &req));
            CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
            break;
        default: CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &c)); break;
        }
        if (keep[i % 3] != MPI_COMM_NULL) {
            CHECK_MPI(MPI_Comm_free(&keep[i % 3]));
        }
        keep[i % 3] = c;
        if (i % 1000 == 999) {
            check_works(c, 9, "cycles");
        }
    }
    for (int i = 0; i < 3; i++) {
        CHECK_MPI(MPI_Comm_free(&keep[i]));
    }
    CHECK_MPI(MPI_Group_free(&world));
}

int main(int argc, char **argv)
{
    CHECK_MPI(MPI_Init(&argc, &argv));
    check_init("comm_create");
    CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &np));
    test_create();
    test_create_group();
    test_split_type();
    test_compare();
    test_dup_with_info();
    test_idup_pending();
    test_idup_many();
    test_idup_orders();
    test_group_api();
    test_cycles();
    CHECK_MPI(MPI_Finalize());
    return 0;
}

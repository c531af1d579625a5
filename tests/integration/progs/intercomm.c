/* intercomm: intercommunicators between the two halves of MPI_COMM_WORLD (and between the
 * even and the odd ranks, with leaders that are not rank 0): sizes and remote groups,
 * point-to-point both ways with wildcards (sources are ranks of the remote group), probes,
 * MPI_PROC_NULL and the remote-size rank check, MPI_Comm_dup and MPI_Comm_compare of
 * intercommunicators, MPI_Intercomm_merge with every choice of `high`, and MPI_Comm_split and
 * MPI_Comm_create on an intercommunicator. Needs np >= 2. */
#include "check.h"

#include <stdbool.h>

static int rank, np;

/* Everything about one intercommunicator: the world ranks of its two groups. */
struct inter {
    MPI_Comm comm;
    int lsize, rsize, lrank;
    int *local, *remote; /* world ranks, in group order */
};

/* The world ranks of a group (translated through MPI_COMM_WORLD's group). */
static int *world_ranks(MPI_Group g, int n)
{
    MPI_Group world;
    int *in = malloc(sizeof(int) * (size_t) n), *out = malloc(sizeof(int) * (size_t) n);

    CHECK(in != NULL && out != NULL, "out of memory");
    for (int i = 0; i < n; i++) {
        in[i] = i;
    }
    CHECK_MPI(MPI_Comm_group(MPI_COMM_WORLD, &world));
    CHECK_MPI(MPI_Group_translate_ranks(g, n, in, world, out));
    CHECK_MPI(MPI_Group_free(&world));
    free(in);
    return out;
}

static void inter_describe(MPI_Comm comm, struct inter *x, const char *what)
{
    MPI_Group lg, rg;
    int flag = 0, gsize = -1;

    x->comm = comm;
    CHECK_MPI(MPI_Comm_test_inter(comm, &flag));
    CHECK(flag, "%s: MPI_Comm_test_inter says no", what);
    CHECK_MPI(MPI_Comm_size(comm, &x->lsize));
    CHECK_MPI(MPI_Comm_rank(comm, &x->lrank));
    CHECK_MPI(MPI_Comm_remote_size(comm, &x->rsize));
    CHECK_MPI(MPI_Comm_group(comm, &lg));
    CHECK_MPI(MPI_Comm_remote_group(comm, &rg));
    CHECK_MPI(MPI_Group_size(rg, &gsize));
    CHECK(gsize == x->rsize, "%s: remote group has %d, remote size %d", what, gsize, x->rsize);
    x->local = world_ranks(lg, x->lsize);
    x->remote = world_ranks(rg, x->rsize);
    CHECK(x->local[x->lrank] == rank, "%s: local rank %d is world rank %d, not %d", what, x->lrank,
          x->local[x->lrank], rank);
    CHECK_MPI(MPI_Group_free(&lg));
    CHECK_MPI(MPI_Group_free(&rg));
}

static void inter_release(struct inter *x)
{
    free(x->local);
    free(x->remote);
}

/* Every process sends one message to every remote process (tag = its local rank, value = its
 * world rank) and receives them all with wildcards. */
static void inter_all_to_all(const struct inter *x, const char *what)
{
    MPI_Request *req = malloc(sizeof(MPI_Request) * (size_t) x->rsize);
    int *seen = calloc((size_t) x->rsize, sizeof(int)), out = rank;

    CHECK(req != NULL && seen != NULL, "out of memory");
    for (int r = 0; r < x->rsize; r++) {
        CHECK_MPI(MPI_Isend(&out, 1, MPI_INT, r, x->lrank, x->comm, &req[r]));
    }
    for (int i = 0; i < x->rsize; i++) {
        MPI_Status st;
        int in = -1;

        CHECK_MPI(MPI_Recv(&in, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, x->comm, &st));
        CHECK(st.MPI_SOURCE >= 0 && st.MPI_SOURCE < x->rsize, "%s: source %d out of 0..%d", what,
              st.MPI_SOURCE, x->rsize - 1);
        CHECK(st.MPI_TAG == st.MPI_SOURCE && in == x->remote[st.MPI_SOURCE],
              "%s: from remote rank %d got %d with tag %d, want world rank %d", what, st.MPI_SOURCE,
              in, st.MPI_TAG, x->remote[st.MPI_SOURCE]);
        CHECK(!seen[st.MPI_SOURCE], "%s: two messages from remote rank %d", what, st.MPI_SOURCE);
        seen[st.MPI_SOURCE] = 1;
    }
    CHECK_MPI(MPI_Waitall(x->rsize, req, MPI_STATUSES_IGNORE));
    /* nobody sends the next phase's messages before everyone has had these: the wildcard
     * receives above would take them (the barrier of an intercommunicator spans both groups) */
    CHECK_MPI(MPI_Barrier(x->comm));
    free(seen);
    free(req);
}

/* Specific sources, Sendrecv, probes, MPI_PROC_NULL and a rank outside the remote group. */
static void inter_p2p_details(const struct inter *x, const char *what)
{
    int peer = x->lrank % x->rsize, in = -1, out = rank, flag = 0, count = -1, ret;
    MPI_Status st;

    /* pair local rank i with remote rank i % rsize: each sends to its partner, and receives
     * from every remote rank whose partner it is */
    CHECK_MPI(MPI_Send(&out, 1, MPI_INT, peer, 77, x->comm));
    for (int r = 0; r < x->rsize; r++) {
        if (r % x->lsize == x->lrank) {
            CHECK_MPI(MPI_Probe(r, 77, x->comm, &st));
            CHECK_MPI(MPI_Get_count(&st, MPI_INT, &count));
            CHECK(st.MPI_SOURCE == r && count == 1, "%s: probe source %d count %d", what,
                  st.MPI_SOURCE, count);
            CHECK_MPI(MPI_Recv(&in, 1, MPI_INT, r, 77, x->comm, &st));
            CHECK(in == x->remote[r], "%s: from remote %d got %d", what, r, in);
        }
    }
    /* a ring through both groups: send to the partner, receive from whoever targets us */
    CHECK_MPI(MPI_Sendrecv(&out, 1, MPI_INT, MPI_PROC_NULL, 1, &in, 1, MPI_INT, MPI_PROC_NULL, 1,
                           x->comm, &st));
    CHECK(st.MPI_SOURCE == MPI_PROC_NULL, "%s: Sendrecv with MPI_PROC_NULL: source %d", what,
          st.MPI_SOURCE);
    CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, x->comm, &flag, &st));
    CHECK(!flag, "%s: a message is left over (source %d tag %d)", what, st.MPI_SOURCE, st.MPI_TAG);
    /* ranks address the remote group: rsize is one too many */
    CHECK_MPI(MPI_Comm_set_errhandler(x->comm, MPI_ERRORS_RETURN));
    ret = MPI_Send(&out, 1, MPI_INT, x->rsize, 0, x->comm);
    CHECK(ret != MPI_SUCCESS, "%s: a send to rank %d (the remote size) succeeded", what, x->rsize);
    CHECK_MPI(MPI_Error_class(ret, &ret));
    CHECK(ret == MPI_ERR_RANK, "%s: a send to rank %d gave class %d", what, x->rsize, ret);
    CHECK_MPI(MPI_Comm_set_errhandler(x->comm, MPI_ERRORS_ARE_FATAL));
}

/* The merged communicator must hold `first`'s world ranks, then `second`'s. */
static void check_merged(MPI_Comm m, const int *first, int n1, const int *second, int n2,
                         const char *what)
{
    int size = -1, me = -1, *all = malloc(sizeof(int) * (size_t) (n1 + n2)), flag = 1;

    CHECK(all != NULL, "out of memory");
    CHECK_MPI(MPI_Comm_test_inter(m, &flag));
    CHECK(!flag, "%s: the merged communicator is an intercommunicator", what);
    CHECK_MPI(MPI_Comm_size(m, &size));
    CHECK_MPI(MPI_Comm_rank(m, &me));
    CHECK(size == n1 + n2, "%s: size %d, want %d", what, size, n1 + n2);
    CHECK_MPI(MPI_Allgather(&rank, 1, MPI_INT, all, 1, MPI_INT, m));
    for (int i = 0; i < n1 + n2; i++) {
        int want = i < n1 ? first[i] : second[i - n1];

        CHECK(all[i] == want, "%s: rank %d is world rank %d, want %d", what, i, all[i], want);
    }
    CHECK(all[me] == rank, "%s: my rank %d is world rank %d", what, me, all[me]);
    free(all);
}

static void test_merge(const struct inter *x, bool low_half)
{
    MPI_Comm m;

    /* the low half says high = 0, so it comes first */
    CHECK_MPI(MPI_Intercomm_merge(x->comm, low_half ? 0 : 1, &m));
    if (low_half) {
        check_merged(m, x->local, x->lsize, x->remote, x->rsize, "merge(low first)");
    } else {
        check_merged(m, x->remote, x->rsize, x->local, x->lsize, "merge(low first)");
    }
    CHECK_MPI(MPI_Comm_free(&m));
    /* reversed */
    CHECK_MPI(MPI_Intercomm_merge(x->comm, low_half ? 1 : 0, &m));
    if (low_half) {
        check_merged(m, x->remote, x->rsize, x->local, x->lsize, "merge(high first)");
    } else {
        check_merged(m, x->local, x->lsize, x->remote, x->rsize, "merge(high first)");
    }
    CHECK_MPI(MPI_Comm_free(&m));
    /* the same `high` on both sides: some order, the same everywhere (ours: the group with
     * the lower first world rank first, i.e. the low half) */
    CHECK_MPI(MPI_Intercomm_merge(x->comm, 1, &m));
    if (low_half) {
        check_merged(m, x->local, x->lsize, x->remote, x->rsize, "merge(same high)");
    } else {
        check_merged(m, x->remote, x->rsize, x->local, x->lsize, "merge(same high)");
    }
    CHECK_MPI(MPI_Comm_free(&m));
}

static void test_halves(void)
{
    bool low = rank < np / 2;
    MPI_Comm local, ic, dup;
    struct inter x, y;
    int result = -1;

    CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, low ? 0 : 1, rank, &local));
    CHECK_MPI(MPI_Intercomm_create(local, 0, MPI_COMM_WORLD, low ? np / 2 : 0, 42, &ic));
    inter_describe(ic, &x, "halves");
    CHECK(x.lsize == (low ? np / 2 : np - np / 2) && x.rsize == np - x.lsize,
          "halves: sizes %d and %d", x.lsize, x.rsize);
    for (int i = 0; i < x.rsize; i++) {
        CHECK(x.remote[i] == (low ? np / 2 + i : i), "halves: remote rank %d is world rank %d", i,
              x.remote[i]);
    }
    inter_all_to_all(&x, "halves");
    inter_p2p_details(&x, "halves");

    CHECK_MPI(MPI_Comm_dup(ic, &dup));
    inter_describe(dup, &y, "dup of halves");
    CHECK_MPI(MPI_Comm_compare(ic, dup, &result));
    CHECK(result == MPI_CONGRUENT, "compare(intercomm, its dup) = %d", result);
    CHECK_MPI(MPI_Comm_compare(ic, local, &result));
    CHECK(result == MPI_UNEQUAL, "compare(intercomm, intracomm) = %d", result);
    /* traffic on both at once with the same tags stays apart */
    inter_all_to_all(&y, "dup of halves");
    inter_all_to_all(&x, "halves again");
    test_merge(&x, low);
    inter_release(&y);
    CHECK_MPI(MPI_Comm_free(&dup));
    inter_release(&x);
    CHECK_MPI(MPI_Comm_free(&ic));
    CHECK_MPI(MPI_Comm_free(&local));
}

/* Even and odd ranks, the leaders being the last member of each group, the peer
 * communicator a reversed duplicate of the world. */
static void test_interleaved(void)
{
    bool even = rank % 2 == 0;
    int nloc = even ? (np + 1) / 2 : np / 2, last_even = (np - 1) / 2 * 2;
    int last_odd = np % 2 == 0 ? np - 1 : np - 2;
    MPI_Comm local, rev, ic;
    struct inter x;

    CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &local));
    CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, 0, np - rank, &rev));
    /* in `rev`, world rank w has rank np - 1 - w */
    CHECK_MPI(
        MPI_Intercomm_create(local, nloc - 1, rev, np - 1 - (even ? last_odd : last_even), 5, &ic));
    inter_describe(ic, &x, "interleaved");
    for (int i = 0; i < x.rsize; i++) {
        CHECK(x.remote[i] == 2 * i + (even ? 1 : 0), "interleaved: remote %d is world %d", i,
              x.remote[i]);
    }
    inter_all_to_all(&x, "interleaved");
    inter_p2p_details(&x, "interleaved");
    inter_release(&x);
    CHECK_MPI(MPI_Comm_free(&ic));
    CHECK_MPI(MPI_Comm_free(&rev));
    CHECK_MPI(MPI_Comm_free(&local));
}

/* Many intercommunicators, created and freed, some alive at once. */
static void test_cycles(void)
{
    bool low = rank < np / 2;
    MPI_Comm local, ic[4];
    struct inter x;

    CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, low ? 0 : 1, rank, &local));
    for (int i = 0; i < 200; i++) {
        CHECK_MPI(MPI_Intercomm_create(local, 0, MPI_COMM_WORLD, low ? np / 2 : 0, i, &ic[i % 4]));
        if (i % 4 == 3) {
            inter_describe(ic[1], &x, "cycles");
            inter_all_to_all(&x, "cycles");
            inter_release(&x);
            for (int k = 0; k < 4; k++) {
                CHECK_MPI(MPI_Comm_free(&ic[k]));
            }
        }
    }
    CHECK_MPI(MPI_Comm_free(&local));
}

/* The color a world rank chooses when the halves' intercommunicator is split: the low half
 * alternates 0, 1; the high half goes 0, 1, none. */
static int split_color(int w)
{
    int lr = w < np / 2 ? w : w - np / 2;

    return w < np / 2 ? lr % 2 : (lr % 3 == 2 ? MPI_UNDEFINED : lr % 3);
}

/* The world ranks of one half that chose `color`, by descending rank (the key is -rank). */
static int split_expect(bool low_half, int color, int *out)
{
    int n = 0, first = low_half ? 0 : np / 2, last = low_half ? np / 2 - 1 : np - 1;

    for (int w = last; w >= first; w--) {
        if (split_color(w) == color) {
            out[n++] = w;
        }
    }
    return n;
}

static void check_parts(MPI_Comm c, const int *el, int nl, const int *er, int nr, const char *what)
{
    struct inter x;

    if (nl == 0 || nr == 0) {
        CHECK(c == MPI_COMM_NULL, "%s: a communicator where one side is empty", what);
        return;
    }
    CHECK(c != MPI_COMM_NULL, "%s: MPI_COMM_NULL where both sides have members", what);
    inter_describe(c, &x, what);
    CHECK(x.lsize == nl && x.rsize == nr, "%s: sizes %d/%d, expected %d/%d", what, x.lsize,
          x.rsize, nl, nr);
    for (int i = 0; i < nl; i++) {
        CHECK(x.local[i] == el[i], "%s: local %d is world %d, expected %d", what, i, x.local[i],
              el[i]);
    }
    for (int i = 0; i < nr; i++) {
        CHECK(x.remote[i] == er[i], "%s: remote %d is world %d, expected %d", what, i, x.remote[i],
              er[i]);
    }
    inter_all_to_all(&x, what);
    inter_release(&x);
}

/* MPI_Comm_split and MPI_Comm_create on the halves' intercommunicator. */
static void test_split_create(void)
{
    bool low = rank < np / 2;
    int lrank = low ? rank : rank - np / 2;
    int *el = malloc(sizeof(int) * (size_t) np), *er = malloc(sizeof(int) * (size_t) np);
    int color = split_color(rank), nl = 0, nr = 0;
    MPI_Comm local, ic, sc, cc;
    MPI_Group lg, part;

    CHECK(el != NULL && er != NULL, "out of memory");
    CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, low ? 0 : 1, rank, &local));
    CHECK_MPI(MPI_Intercomm_create(local, 0, MPI_COMM_WORLD, low ? np / 2 : 0, 7, &ic));

    CHECK_MPI(MPI_Comm_split(ic, color, -lrank, &sc));
    if (color == MPI_UNDEFINED) {
        CHECK(sc == MPI_COMM_NULL, "split: a communicator for MPI_UNDEFINED");
    } else {
        nl = split_expect(low, color, el);
        nr = split_expect(!low, color, er);
        check_parts(sc, el, nl, er, nr, "split of an intercommunicator");
    }
    if (sc != MPI_COMM_NULL) {
        CHECK_MPI(MPI_Comm_free(&sc));
    }

    /* the low half drops its first member (all of it when it has one), the high half keeps
     * everyone */
    CHECK_MPI(MPI_Comm_group(ic, &lg));
    if (low) {
        int drop = 0;

        CHECK_MPI(MPI_Group_excl(lg, 1, &drop, &part));
    } else {
        CHECK_MPI(MPI_Comm_group(ic, &part));
    }
    CHECK_MPI(MPI_Comm_create(ic, part, &cc));
    nl = nr = 0;
    for (int w = 0; w < np; w++) {
        bool in = w < np / 2 ? w > 0 : true;

        if (in && (w < np / 2) == low) {
            el[nl++] = w;
        } else if (in) {
            er[nr++] = w;
        }
    }
    if (low && lrank == 0) {
        CHECK(cc == MPI_COMM_NULL, "create: a communicator for a process outside the group");
    } else {
        check_parts(cc, el, nl, er, nr, "create on an intercommunicator");
    }
    if (cc != MPI_COMM_NULL) {
        CHECK_MPI(MPI_Comm_free(&cc));
    }
    CHECK_MPI(MPI_Group_free(&part));
    CHECK_MPI(MPI_Group_free(&lg));
    CHECK_MPI(MPI_Comm_free(&ic));
    CHECK_MPI(MPI_Comm_free(&local));
    free(el);
    free(er);
}

int main(int argc, char **argv)
{
    CHECK_MPI(MPI_Init(&argc, &argv));
    check_init("intercomm");
    CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &np));
    CHECK(np >= 2, "needs at least 2 processes, has %d", np);
    test_halves();
    test_interleaved();
    test_cycles();
    test_split_create();
    CHECK_MPI(MPI_Finalize());
    return 0;
}

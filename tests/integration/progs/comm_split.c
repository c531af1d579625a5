/* comm_split: MPI_Comm_dup and MPI_Comm_split (by parity, reversed key, equal keys,
 * MPI_UNDEFINED giving MPI_COMM_NULL, nested), each new communicator's size, ranks and members
 * checked through Allgather; traffic and collectives in a child do not mix with the parent's
 * even with the same tags and wildcard receives pending in both; 2000 dup/free cycles (context
 * ids must be recycled); communicator names. */
#include "check.h"

static int rank, np;

/* The world ranks of comm's members in comm rank order must be exactly `want` (n of them). */
static void check_members(MPI_Comm comm, const int *want, int n, const char *what)
{
    int size = -1, me = -1, *got = malloc((size_t) n * sizeof(int));

    CHECK(got != NULL, "out of memory");
    CHECK_MPI(MPI_Comm_size(comm, &size));
    CHECK_MPI(MPI_Comm_rank(comm, &me));
    CHECK(size == n, "%s: size %d, want %d", what, size, n);
    CHECK(me >= 0 && me < n && want[me] == rank,
          "%s: world rank %d has rank %d, want the "
          "position of %d in the member list",
          what, rank, me, rank);
    CHECK_MPI(MPI_Allgather(&rank, 1, MPI_INT, got, 1, MPI_INT, comm));
    for (int i = 0; i < n; i++) {
        CHECK(got[i] == want[i], "%s: rank %d is world rank %d, want %d", what, i, got[i], want[i]);
    }
    free(got);
}

/* Within comm, ring traffic on `tag` while the same tag is in flight on `other`, and
 * collectives on comm while a wildcard receive is pending on comm itself. */
static void isolation(MPI_Comm comm, MPI_Comm other, const char *what)
{
    int size, me, left, right, oleft, oright, osize, ome;
    int in_c = -1, in_o = -1, out_c, out_o, wild = -1, sum = 0;
    MPI_Request req[4], wreq;
    MPI_Status st[4], wst;

    CHECK_MPI(MPI_Comm_size(comm, &size));
    CHECK_MPI(MPI_Comm_rank(comm, &me));
    CHECK_MPI(MPI_Comm_size(other, &osize));
    CHECK_MPI(MPI_Comm_rank(other, &ome));
    left = (me + size - 1) % size;
    right = (me + 1) % size;
    oleft = (ome + osize - 1) % osize;
    oright = (ome + 1) % osize;
    out_c = 1000 + me;
    out_o = 2000 + ome;

    /* Both receives are wildcards and posted first: only the context can tell them apart. */
    CHECK_MPI(MPI_Irecv(&in_c, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &req[0]));
    CHECK_MPI(MPI_Irecv(&in_o, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, other, &req[1]));
    CHECK_MPI(MPI_Isend(&out_o, 1, MPI_INT, oright, 5, other, &req[2]));
    CHECK_MPI(MPI_Isend(&out_c, 1, MPI_INT, right, 5, comm, &req[3]));
    CHECK_MPI(MPI_Waitall(4, req, st));
    CHECK(in_c == 1000 + left && st[0].MPI_SOURCE == left && st[0].MPI_TAG == 5,
          "%s: got %d from rank %d, want %d from rank %d", what, in_c, st[0].MPI_SOURCE,
          1000 + left, left);
    CHECK(in_o == 2000 + oleft && st[1].MPI_SOURCE == oleft,
          "%s: the other communicator got %d from rank %d, want %d from rank %d", what, in_o,
          st[1].MPI_SOURCE, 2000 + oleft, oleft);

    /* A wildcard receive pending on comm must not take the collectives' own messages. */
    CHECK_MPI(MPI_Irecv(&wild, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &wreq));
    CHECK_MPI(MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, comm));
    {
        int *all = malloc((size_t) size * sizeof(int)), want = 0, root_val = me == 0 ? 77 : 0;

        CHECK(all != NULL, "out of memory");
        CHECK_MPI(MPI_Allgather(&rank, 1, MPI_INT, all, 1, MPI_INT, comm));
        for (int i = 0; i < size; i++) {
            want += all[i];
        }
        CHECK(sum == want, "%s: MPI_Allreduce gives %d, want %d", what, sum, want);
        CHECK_MPI(MPI_Bcast(&root_val, 1, MPI_INT, 0, comm));
        CHECK(root_val == 77, "%s: MPI_Bcast gives %d", what, root_val);
        CHECK_MPI(MPI_Barrier(comm));
        CHECK_MPI(MPI_Barrier(other));
        free(all);
    }
    out_c = 3000 + me;
    CHECK_MPI(MPI_Send(&out_c, 1, MPI_INT, right, 6, comm));
    CHECK_MPI(MPI_Wait(&wreq, &wst));
    CHECK(wild == 3000 + left && wst.MPI_SOURCE == left && wst.MPI_TAG == 6,
          "%s: the wildcard receive pending during collectives got %d (source %d tag %d), "
          "want %d from %d tag 6",
          what, wild, wst.MPI_SOURCE, wst.MPI_TAG, 3000 + left, left);
}

static void dup_tests(void)
{
    MPI_Comm dup, dup2;
    int *all = malloc((size_t) np * sizeof(int));

    CHECK(all != NULL, "out of memory");
    for (int i = 0; i < np; i++) {
        all[i] = i;
    }
    CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
    CHECK(dup != MPI_COMM_WORLD && dup != MPI_COMM_NULL, "MPI_Comm_dup returned %s",
          dup == MPI_COMM_NULL ? "MPI_COMM_NULL" : "MPI_COMM_WORLD");
    check_members(dup, all, np, "dup of world");
    isolation(dup, MPI_COMM_WORLD, "dup of world");
    isolation(MPI_COMM_WORLD, dup, "world beside its dup");
    CHECK_MPI(MPI_Comm_dup(dup, &dup2));
    check_members(dup2, all, np, "dup of dup");
    isolation(dup2, dup, "dup of dup");
    CHECK_MPI(MPI_Comm_free(&dup));
    CHECK(dup == MPI_COMM_NULL, "MPI_Comm_free did not set the handle to MPI_COMM_NULL");
    /* the child outlives its parent */
    isolation(dup2, MPI_COMM_WORLD, "dup of a freed dup");
    CHECK_MPI(MPI_Comm_free(&dup2));

    CHECK_MPI(MPI_Comm_dup(MPI_COMM_SELF, &dup));
    check_members(dup, &rank, 1, "dup of self");
    isolation(dup, MPI_COMM_SELF, "dup of self");
    CHECK_MPI(MPI_Comm_free(&dup));
    free(all);
}

static void split_tests(void)
{
    int *want = malloc((size_t) np * sizeof(int)), n;
    MPI_Comm c, c2;

    CHECK(want != NULL, "out of memory");

    /* even/odd, key = rank: order kept */
    CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &c));
    n = 0;
    for (int r = rank % 2; r < np; r += 2) {
        want[n++] = r;
    }
    check_members(c, want, n, "split by parity");
    isolation(c, MPI_COMM_WORLD, "split by parity");

    /* nested: split the parity halves again by (rank / 2) % 2, reversed key */
    CHECK_MPI(MPI_Comm_split(c, (rank / 2) % 2, -rank, &c2));
    n = 0;
    for (int r = np - 1; r >= 0; r--) {
        if (r % 2 == rank % 2 && (r / 2) % 2 == (rank / 2) % 2) {
            want[n++] = r;
        }
    }
    check_members(c2, want, n, "nested split, reversed key");
    isolation(c2, c, "nested split inside its parent");
    CHECK_MPI(MPI_Comm_free(&c2));
    CHECK_MPI(MPI_Comm_free(&c));

    /* one color, reversed key */
    CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, 7, np - rank, &c));
    for (int i = 0; i < np; i++) {
        want[i] = np - 1 - i;
    }
    check_members(c, want, np, "split with reversed key");
    isolation(c, MPI_COMM_WORLD, "split with reversed key");
    CHECK_MPI(MPI_Comm_free(&c));

    /* equal keys: ties go by rank in the parent */
    CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, 0, 0, &c));
    for (int i = 0; i < np; i++) {
        want[i] = i;
    }
    check_members(c, want, np, "split with equal keys");
    CHECK_MPI(MPI_Comm_free(&c));

    /* MPI_UNDEFINED for every third rank; the others in three-way colors */
    {
        int color = rank % 3 == 2 ? MPI_UNDEFINED : rank % 3;

        CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, color, rank, &c));
        if (color == MPI_UNDEFINED) {
            CHECK(c == MPI_COMM_NULL, "MPI_UNDEFINED color did not give MPI_COMM_NULL");
        } else {
            n = 0;
            for (int r = color; r < np; r += 3) {
                want[n++] = r;
            }
            /* only part of world is here, so no isolation() against world */
            check_members(c, want, n, "split with MPI_UNDEFINED for others");
            CHECK_MPI(MPI_Comm_free(&c));
        }
    }

    /* every rank alone */
    CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, rank, 0, &c));
    check_members(c, &rank, 1, "split into singletons");
    CHECK_MPI(MPI_Comm_free(&c));
    free(want);
}

/* Context ids must come back: far more cycles than any id space a library would size for
 * live communicators. Some communicators stay alive across the cycles. */
static void dup_free_cycles(void)
{
    enum { CYCLES = 2000, KEEP = 40 };
    MPI_Comm keep[KEEP];
    int sum;

    for (int k = 0; k < KEEP; k++) {
        CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &keep[k]));
    }
    for (int i = 0; i < CYCLES; i++) {
        MPI_Comm c;

        CHECK_MPI(MPI_Comm_dup(i % 2 ? MPI_COMM_WORLD : keep[i % KEEP], &c));
        if (i % 100 == 0) {
            CHECK_MPI(MPI_Allreduce(&i, &sum, 1, MPI_INT, MPI_SUM, c));
            CHECK(sum == i * np, "cycle %d: MPI_Allreduce gives %d, want %d", i, sum, i * np);
        }
        CHECK_MPI(MPI_Comm_free(&c));
        CHECK(c == MPI_COMM_NULL, "cycle %d: MPI_Comm_free did not null the handle", i);
    }
    for (int i = 0; i < CYCLES / 4; i++) {
        MPI_Comm c;

        CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &c));
        CHECK_MPI(MPI_Comm_free(&c));
    }
    /* free in an order unlike creation */
    for (int k = 0; k < KEEP; k += 2) {
        isolation(keep[k], keep[k + 1], "communicator kept through the cycles");
        CHECK_MPI(MPI_Comm_free(&keep[k]));
    }
    for (int k = KEEP - 1; k > 0; k -= 2) {
        CHECK_MPI(MPI_Comm_free(&keep[k]));
    }
}

static void check_name(MPI_Comm c, const char *want, const char *what)
{
    char name[MPI_MAX_OBJECT_NAME];
    int len = -1;

    memset(name, 'x', sizeof(name));
    CHECK_MPI(MPI_Comm_get_name(c, name, &len));
    CHECK(len == (int) strlen(want) && strcmp(name, want) == 0,
          "%s: name \"%.*s\" (length %d), want \"%s\"", what, MPI_MAX_OBJECT_NAME - 1, name, len,
          want);
}

static void names(void)
{
    char longname[MPI_MAX_OBJECT_NAME];
    MPI_Comm c, d;

    check_name(MPI_COMM_WORLD, "MPI_COMM_WORLD", "world");
    check_name(MPI_COMM_SELF, "MPI_COMM_SELF", "self");
    CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &c));
    check_name(c, "", "a new dup (the name is not copied)");
    CHECK_MPI(MPI_Comm_set_name(c, "solver"));
    check_name(c, "solver", "dup after set_name");
    CHECK_MPI(MPI_Comm_set_name(c, "solver-2"));
    check_name(c, "solver-2", "dup after a second set_name");
    CHECK_MPI(MPI_Comm_dup(c, &d));
    check_name(d, "", "dup of a named communicator");
    CHECK_MPI(MPI_Comm_free(&d));
    /* the longest name that fits */
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    CHECK_MPI(MPI_Comm_set_name(c, longname));
    check_name(c, longname, "the longest name");
    CHECK_MPI(MPI_Comm_free(&c));
    /* predefined communicators can be renamed too */
    CHECK_MPI(MPI_Comm_set_name(MPI_COMM_WORLD, "everyone"));
    check_name(MPI_COMM_WORLD, "everyone", "renamed world");
    CHECK_MPI(MPI_Comm_set_name(MPI_COMM_WORLD, "MPI_COMM_WORLD"));
    CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, 0, rank, &c));
    check_name(c, "", "a new split");
    CHECK_MPI(MPI_Comm_free(&c));
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    check_init("comm_split");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);

    names();
    dup_tests();
    split_tests();
    dup_free_cycles();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    MPI_Finalize();
    return 0;
}

/* coll_inter: the collectives MPI defines on intercommunicators, between the even and the odd
 * ranks of MPI_COMM_WORLD: rooted ones with MPI_ROOT / MPI_PROC_NULL from either side, the
 * all-to-all forms with different block sizes on the two sides, reductions (a non-commutative
 * op too: each group gets the other group's data combined in its rank order), and the
 * nonblocking and persistent forms; MPI_IN_PLACE and scans are refused. */
#include "check.h"

#include <stdbool.h>

static int rank, np, me, nloc, nrem, side; /* side 0: even ranks, 1: odd ranks */
static MPI_Comm inter;

/* World rank of remote rank j. */
static int remote_world(int j)
{
    return 2 * j + (1 - side);
}

static int val(int w, int k)
{
    return w * 1000 + k + 1;
}

static void mat_fn(void *in, void *inout, int *len, MPI_Datatype *type)
{
    (void) type;
    for (int i = 0; i < *len; i++) {
        uint32_t *a = (uint32_t *) in + 4 * i, *b = (uint32_t *) inout + 4 * i;
        uint32_t c[4] = { a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
                          a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3] };

        for (int k = 0; k < 4; k++) {
            b[k] = c[k];
        }
    }
}

static void mat_of(int w, uint32_t m[4])
{
    m[0] = (uint32_t) w + 2;
    m[1] = (uint32_t) w * 3 + 1;
    m[2] = 7u - (uint32_t) w;
    m[3] = (uint32_t) (w * w) + 5;
}

/* Rooted collectives with the root on side `rs`, local rank `rr` there. */
static int root_arg(int rs, int rr)
{
    if (side == rs) {
        return me == rr ? MPI_ROOT : MPI_PROC_NULL;
    }
    return rr;
}

static void rooted(void)
{
    int buf[4], big[64 * 4], counts[64], displs[64];

    for (int rs = 0; rs < 2; rs++) {
        int rr = rs == 0 ? 0 : (rs == side ? nloc : nrem) - 1, root = root_arg(rs, rr);
        int rootw = 2 * rr + rs;

        for (int k = 0; k < 4; k++) {
            buf[k] = root == MPI_ROOT ? val(rank, k) : -1;
        }
        CHECK_MPI(MPI_Bcast(buf, 4, MPI_INT, root, inter));
        for (int k = 0; side != rs && k < 4; k++) {
            CHECK(buf[k] == val(rootw, k), "bcast from side %d: int %d is %d", rs, k, buf[k]);
        }
        /* gather to the root: it gets the other side's blocks */
        for (int k = 0; k < 4; k++) {
            buf[k] = val(rank, k);
        }
        CHECK_MPI(MPI_Gather(buf, 4, MPI_INT, big, 4, MPI_INT, root, inter));
        for (int j = 0; root == MPI_ROOT && j < nrem; j++) {
            for (int k = 0; k < 4; k++) {
                CHECK(big[j * 4 + k] == val(remote_world(j), k), "gather: block %d", j);
            }
        }
        /* gatherv with rank j's block at j * 5, j % 3 + 1 ints */
        for (int j = 0; j < nrem; j++) {
            counts[j] = j % 3 + 1;
            displs[j] = 5 * j;
        }
        CHECK_MPI(MPI_Gatherv(buf, me % 3 + 1, MPI_INT, big, counts, displs, MPI_INT, root,
                              inter));
        for (int j = 0; root == MPI_ROOT && j < nrem; j++) {
            for (int k = 0; k < counts[j]; k++) {
                CHECK(big[5 * j + k] == val(remote_world(j), k), "gatherv: block %d", j);
            }
        }
        /* scatter from the root: block j of its buffer to remote rank j */
        for (int j = 0; j < 64 * 4; j++) {
            big[j] = val(rank, j);
        }
        buf[0] = -1;
        CHECK_MPI(MPI_Scatter(big, 2, MPI_INT, buf, 2, MPI_INT, root, inter));
        if (side != rs) {
            CHECK(buf[0] == val(rootw, 2 * me) && buf[1] == val(rootw, 2 * me + 1), "scatter");
        }
        CHECK_MPI(MPI_Scatterv(big, counts, displs, MPI_INT, buf, me % 3 + 1, MPI_INT, root,
                               inter));
        if (side != rs) {
            CHECK(buf[0] == val(rootw, 5 * me), "scatterv: got %d", buf[0]);
        }
        /* reduce to the root: the sum over the other side */
        {
            int s = val(rank, 0), r = -1, want = 0;

            for (int j = 0; j < nrem; j++) {
                want += val(remote_world(j), 0);
            }
            CHECK_MPI(MPI_Reduce(&s, &r, 1, MPI_INT, MPI_SUM, root, inter));
            CHECK(root != MPI_ROOT || r == want, "reduce: %d, not %d", r, want);
        }
    }
}

static void all_to_all(void)
{
    int s[64 * 4], r[64 * 4], sc[64], sd[64], rc[64], rd[64], sb[64], rb[64];
    MPI_Datatype st[64], rt[64];
    /* block sizes differ per side: side 0 sends 2 ints per block, side 1 sends 3 */
    int mine = side == 0 ? 2 : 3, theirs = side == 0 ? 3 : 2;

    for (int k = 0; k < 64 * 4; k++) {
        s[k] = val(rank, k);
        r[k] = -1;
    }
    CHECK_MPI(MPI_Allgather(s, mine, MPI_INT, r, theirs, MPI_INT, inter));
    for (int j = 0; j < nrem; j++) {
        for (int k = 0; k < theirs; k++) {
            CHECK(r[j * theirs + k] == val(remote_world(j), k), "allgather block %d", j);
        }
    }
    CHECK_MPI(MPI_Alltoall(s, mine, MPI_INT, r, theirs, MPI_INT, inter));
    for (int j = 0; j < nrem; j++) {
        for (int k = 0; k < theirs; k++) {
            CHECK(r[j * theirs + k] == val(remote_world(j), me * theirs + k), "alltoall block %d",
                  j);
        }
    }
    for (int j = 0; j < nrem; j++) {
        sc[j] = mine;
        sd[j] = 4 * (nrem - 1 - j);
        rc[j] = theirs;
        rd[j] = 4 * j;
        sb[j] = sd[j] * (int) sizeof(int);
        rb[j] = rd[j] * (int) sizeof(int);
        st[j] = rt[j] = MPI_INT;
    }
    CHECK_MPI(MPI_Allgatherv(s, mine, MPI_INT, r, rc, rd, MPI_INT, inter));
    for (int j = 0; j < nrem; j++) {
        CHECK(r[4 * j] == val(remote_world(j), 0), "allgatherv block %d", j);
    }
    CHECK_MPI(MPI_Alltoallv(s, sc, sd, MPI_INT, r, rc, rd, MPI_INT, inter));
    for (int j = 0; j < nrem; j++) {
        CHECK(r[4 * j] == val(remote_world(j), 4 * (nloc - 1 - me)), "alltoallv block %d", j);
    }
    CHECK_MPI(MPI_Alltoallw(s, sc, sb, st, r, rc, rb, rt, inter));
    for (int j = 0; j < nrem; j++) {
        CHECK(r[4 * j + 1] == val(remote_world(j), 4 * (nloc - 1 - me) + 1), "alltoallw");
    }
}

static void reductions(void)
{
    int s[64 * 2], r[64 * 2], counts[64], total = nloc * nrem;
    uint32_t m[4], got[4] = { 0 }, want[4], t[4];
    MPI_Datatype mat;
    MPI_Op op;
    int one = 1;

    /* allreduce: each side gets the other's sum */
    for (int k = 0; k < 2; k++) {
        s[k] = val(rank, k);
    }
    CHECK_MPI(MPI_Allreduce(s, r, 2, MPI_INT, MPI_SUM, inter));
    for (int k = 0; k < 2; k++) {
        int w = 0;

        for (int j = 0; j < nrem; j++) {
            w += val(remote_world(j), k);
        }
        CHECK(r[k] == w, "allreduce int %d: %d, not %d", k, r[k], w);
    }
    /* non-commutative: the other side's matrices multiplied in its rank order */
    CHECK_MPI(MPI_Type_contiguous(4, MPI_UINT32_T, &mat));
    CHECK_MPI(MPI_Type_commit(&mat));
    CHECK_MPI(MPI_Op_create(mat_fn, 0, &op));
    mat_of(rank, m);
    CHECK_MPI(MPI_Allreduce(m, got, 1, mat, op, inter));
    mat_of(remote_world(0), want);
    for (int j = 1; j < nrem; j++) {
        mat_of(remote_world(j), t);
        mat_fn(want, t, &one, &mat);
        for (int k = 0; k < 4; k++) {
            want[k] = t[k];
        }
    }
    for (int k = 0; k < 4; k++) {
        CHECK(got[k] == want[k], "allreduce (matrix product) entry %d: %u, not %u", k, got[k],
              want[k]);
    }
    CHECK_MPI(MPI_Op_free(&op));
    CHECK_MPI(MPI_Type_free(&mat));
    /* reduce_scatter_block: every rank keeps as many ints as the other side has ranks, so
     * both sides' vectors have (size of side 0) x (size of side 1) ints */
    {
        int rc = nrem;

        for (int k = 0; k < total; k++) {
            s[k] = val(rank, k);
        }
        CHECK_MPI(MPI_Reduce_scatter_block(s, r, rc, MPI_INT, MPI_SUM, inter));
        for (int k = 0; k < rc; k++) {
            int w = 0;

            for (int j = 0; j < nrem; j++) {
                w += val(remote_world(j), me * rc + k);
            }
            CHECK(r[k] == w, "reduce_scatter_block int %d: %d, not %d", k, r[k], w);
        }
        /* reduce_scatter: the same vector, all of it to the local rank 0 */
        for (int i = 0; i < nloc; i++) {
            counts[i] = i == 0 ? total : 0;
        }
        CHECK_MPI(MPI_Reduce_scatter(s, r, counts, MPI_INT, MPI_SUM, inter));
        for (int k = 0; me == 0 && k < total; k++) {
            int w = 0;

            for (int j = 0; j < nrem; j++) {
                w += val(remote_world(j), k);
            }
            CHECK(r[k] == w, "reduce_scatter int %d", k);
        }
    }
}

static void nonblocking_and_persistent(void)
{
    MPI_Request req[3];
    int a = val(rank, 0), b = -1, c[64], w = 0;

    for (int j = 0; j < nrem; j++) {
        w += val(remote_world(j), 0);
    }
    CHECK_MPI(MPI_Ibarrier(inter, &req[0]));
    CHECK_MPI(MPI_Iallreduce(&a, &b, 1, MPI_INT, MPI_SUM, inter, &req[1]));
    CHECK_MPI(MPI_Iallgather(&a, 1, MPI_INT, c, 1, MPI_INT, inter, &req[2]));
    CHECK_MPI(MPI_Waitall(3, req, MPI_STATUSES_IGNORE));
    CHECK(b == w, "iallreduce: %d", b);
    for (int j = 0; j < nrem; j++) {
        CHECK(c[j] == val(remote_world(j), 0), "iallgather %d", j);
    }
    CHECK_MPI(MPI_Allreduce_init(&a, &b, 1, MPI_INT, MPI_SUM, inter, MPI_INFO_NULL, &req[0]));
    CHECK_MPI(MPI_Barrier_init(inter, MPI_INFO_NULL, &req[1]));
    for (int it = 0; it < 3; it++) {
        b = -1;
        CHECK_MPI(MPI_Startall(2, req));
        CHECK_MPI(MPI_Waitall(2, req, MPI_STATUSES_IGNORE));
        CHECK(b == w, "allreduce_init: %d", b);
    }
    CHECK_MPI(MPI_Request_free(&req[0]));
    CHECK_MPI(MPI_Request_free(&req[1]));
}

static void refusals(void)
{
    int x = 1, y, ret, cls;

    MPI_Comm_set_errhandler(inter, MPI_ERRORS_RETURN);
    ret = MPI_Allreduce(MPI_IN_PLACE, &x, 1, MPI_INT, MPI_SUM, inter);
    MPI_Error_class(ret, &cls);
    CHECK(cls == MPI_ERR_BUFFER, "MPI_IN_PLACE on an intercommunicator: class %d", cls);
    ret = MPI_Scan(&x, &y, 1, MPI_INT, MPI_SUM, inter);
    MPI_Error_class(ret, &cls);
    CHECK(cls == MPI_ERR_COMM, "MPI_Scan on an intercommunicator: class %d", cls);
    ret = MPI_Bcast(&x, 1, MPI_INT, nrem, inter);
    MPI_Error_class(ret, &cls);
    CHECK(cls == MPI_ERR_ROOT, "a root past the remote group: class %d", cls);
    MPI_Comm_set_errhandler(inter, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv)
{
    MPI_Comm local;

    MPI_Init(&argc, &argv);
    check_init("coll_inter");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    if (np < 2) {
        MPI_Finalize();
        return 0; /* an intercommunicator needs two groups */
    }
    side = rank % 2;
    CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, side, rank, &local));
    CHECK_MPI(MPI_Intercomm_create(local, 0, MPI_COMM_WORLD, 1 - side, 42, &inter));
    MPI_Comm_rank(inter, &me);
    MPI_Comm_size(inter, &nloc);
    MPI_Comm_remote_size(inter, &nrem);
    CHECK(nloc + nrem == np && me == rank / 2, "intercommunicator shape");
    for (int it = 0; it < 3; it++) {
        CHECK_MPI(MPI_Barrier(inter));
        rooted();
        all_to_all();
        reductions();
        nonblocking_and_persistent();
    }
    refusals();
    CHECK_MPI(MPI_Comm_free(&inter));
    CHECK_MPI(MPI_Comm_free(&local));
    MPI_Finalize();
    return 0;
}

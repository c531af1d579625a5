/* coll_nonblocking: many nonblocking collectives outstanding at once, several on each of three
 * communicators, with point-to-point traffic (a ring of Isend/Irecv, MPI_Isendrecv and
 * MPI_Isendrecv_replace) in between; completed with Waitall, Waitany and Test loops in
 * different orders; the derived type and the user op they use are freed right after posting. */
#include "check.h"

#include <stdbool.h>

#define NREQ 64
#define M 8

static int rank, np;

static int val(int r, int k)
{
    return r * 100 + k + 3;
}

/* inout = in + inout, for a user op the collectives must keep alive after MPI_Op_free. It is
 * only used on the vector type: two ints, at 0 and 2, of every four. */
static void add_fn(void *in, void *inout, int *len, MPI_Datatype *type)
{
    (void) type;
    for (int i = 0; i < *len; i++) {
        ((int *) inout)[4 * i] += ((int *) in)[4 * i];
        ((int *) inout)[4 * i + 2] += ((int *) in)[4 * i + 2];
    }
}

struct round {
    MPI_Request req[NREQ];
    int n;
    /* buffers per communicator */
    int bc[3][M], ar[3][M], ars[3][M], sc[3][M], rs[3][M], ag[3][64 * M];
    int a2a_s[3][64 * 2], a2a_r[3][64 * 2], vec[3][4 * M];
    int ring_s[4], ring_r[4], sr_s[4], sr_r[4], rep[4];
};

static void post(struct round *x, MPI_Comm comm, int c, int it, MPI_Datatype vect, MPI_Op add)
{
    int me, n;

    MPI_Comm_rank(comm, &me);
    MPI_Comm_size(comm, &n);
    for (int k = 0; k < M; k++) {
        x->bc[c][k] = me == it % n ? val(it, k) : -1;
        x->ar[c][k] = val(me, k);
        x->sc[c][k] = val(me, k);
        x->vec[c][4 * (k / 2) + 2 * (k % 2)] = val(me, k); /* ints 0 and 2 of each element */
    }
    for (int k = 0; k < n * M; k++) {
        x->ag[c][k] = k / M == me ? val(me, k % M) : -1;
    }
    for (int k = 0; k < n * 2; k++) {
        x->a2a_s[c][k] = val(me, k);
    }
    CHECK_MPI(MPI_Ibarrier(comm, &x->req[x->n++]));
    CHECK_MPI(MPI_Ibcast(x->bc[c], M, MPI_INT, it % n, comm, &x->req[x->n++]));
    CHECK_MPI(MPI_Iallreduce(MPI_IN_PLACE, x->ar[c], M, MPI_INT, MPI_SUM, comm, &x->req[x->n++]));
    CHECK_MPI(MPI_Iallreduce(MPI_IN_PLACE, x->vec[c], M / 2, vect, add, comm,
                             &x->req[x->n++]));
    CHECK_MPI(MPI_Iscan(MPI_IN_PLACE, x->sc[c], M, MPI_INT, MPI_SUM, comm, &x->req[x->n++]));
    CHECK_MPI(MPI_Iallgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, x->ag[c], M, MPI_INT, comm,
                             &x->req[x->n++]));
    CHECK_MPI(MPI_Ialltoall(x->a2a_s[c], 2, MPI_INT, x->a2a_r[c], 2, MPI_INT, comm,
                            &x->req[x->n++]));
    CHECK_MPI(MPI_Ireduce_scatter_block(x->a2a_s[c], x->rs[c], 2, MPI_INT, MPI_MAX, comm,
                                        &x->req[x->n++]));
}

static void check(struct round *x, MPI_Comm comm, int c, int it)
{
    int me, n;

    MPI_Comm_rank(comm, &me);
    MPI_Comm_size(comm, &n);
    for (int k = 0; k < M; k++) {
        int sum = 0, pre = 0;

        for (int i = 0; i < n; i++) {
            sum += val(i, k);
            pre += i <= me ? val(i, k) : 0;
        }
        CHECK(x->bc[c][k] == val(it, k), "ibcast comm %d: int %d is %d", c, k, x->bc[c][k]);
        CHECK(x->ar[c][k] == sum, "iallreduce comm %d: int %d is %d", c, k, x->ar[c][k]);
        CHECK(x->vec[c][4 * (k / 2) + 2 * (k % 2)] == sum, "iallreduce (vector, user op) comm "
              "%d: int %d", c, k);
        CHECK(x->sc[c][k] == pre, "iscan comm %d: int %d is %d", c, k, x->sc[c][k]);
    }
    for (int k = 0; k < n * M; k++) {
        CHECK(x->ag[c][k] == val(k / M, k % M), "iallgather comm %d: int %d", c, k);
    }
    for (int k = 0; k < n * 2; k++) {
        CHECK(x->a2a_r[c][k] == val(k / 2, me * 2 + k % 2), "ialltoall comm %d: int %d", c, k);
    }
    for (int k = 0; k < 2; k++) {
        CHECK(x->rs[c][k] == val(n - 1, me * 2 + k), "ireduce_scatter_block comm %d", c);
    }
}

/* Point-to-point in between: a ring exchange, an Isendrecv and an Isendrecv_replace. */
static void post_p2p(struct round *x, int it)
{
    int right = (rank + 1) % np, left = (rank - 1 + np) % np;

    for (int k = 0; k < 4; k++) {
        x->ring_s[k] = val(rank, it + k);
        x->sr_s[k] = -val(rank, it + k);
        x->rep[k] = 2 * val(rank, it + k);
    }
    CHECK_MPI(MPI_Irecv(x->ring_r, 4, MPI_INT, left, it, MPI_COMM_WORLD, &x->req[x->n++]));
    CHECK_MPI(MPI_Isend(x->ring_s, 4, MPI_INT, right, it, MPI_COMM_WORLD, &x->req[x->n++]));
    CHECK_MPI(MPI_Isendrecv(x->sr_s, 4, MPI_INT, left, 77, x->sr_r, 4, MPI_INT, right, 77,
                            MPI_COMM_WORLD, &x->req[x->n++]));
    CHECK_MPI(MPI_Isendrecv_replace(x->rep, 4, MPI_INT, right, 78, left, 78, MPI_COMM_WORLD,
                                    &x->req[x->n++]));
}

static void check_p2p(struct round *x, int it)
{
    int right = (rank + 1) % np, left = (rank - 1 + np) % np;

    for (int k = 0; k < 4; k++) {
        CHECK(x->ring_r[k] == val(left, it + k), "ring: int %d", k);
        CHECK(x->sr_r[k] == -val(right, it + k), "isendrecv: int %d is %d", k, x->sr_r[k]);
        CHECK(x->rep[k] == 2 * val(left, it + k), "isendrecv_replace: int %d is %d", k,
              x->rep[k]);
    }
}

/* Complete everything: all at once, one at a time in any order, or by testing. */
static void complete(struct round *x, int how)
{
    int done = 0, idx, flag;
    MPI_Status st;

    if (how == 0) {
        CHECK_MPI(MPI_Waitall(x->n, x->req, MPI_STATUSES_IGNORE));
        return;
    }
    while (done < x->n) {
        if (how == 1) {
            CHECK_MPI(MPI_Waitany(x->n, x->req, &idx, &st));
            done++;
        } else {
            CHECK_MPI(MPI_Testany(x->n, x->req, &idx, &flag, &st));
            done += flag && idx != MPI_UNDEFINED;
        }
    }
    for (int i = 0; i < x->n; i++) {
        CHECK(x->req[i] == MPI_REQUEST_NULL, "request %d not freed by completion", i);
    }
}

int main(int argc, char **argv)
{
    MPI_Comm comms[3];
    struct round *x = calloc(1, sizeof(*x));

    MPI_Init(&argc, &argv);
    check_init("coll_nonblocking");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    CHECK(np <= 64 && x != NULL, "at most 64 ranks");
    comms[0] = MPI_COMM_WORLD;
    CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &comms[1]));
    CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, rank % 2, -rank, &comms[2]));
    for (int it = 0; it < 12; it++) {
        MPI_Datatype v, vect;
        MPI_Op add;

        /* Made and freed every round: the requests keep them alive. */
        CHECK_MPI(MPI_Type_vector(2, 1, 2, MPI_INT, &v));
        CHECK_MPI(MPI_Type_create_resized(v, 0, 4 * sizeof(int), &vect));
        CHECK_MPI(MPI_Type_commit(&vect));
        CHECK_MPI(MPI_Type_free(&v));
        CHECK_MPI(MPI_Op_create(add_fn, 1, &add));
        x->n = 0;
        for (int c = 0; c < 3; c++) {
            post(x, comms[c], c, it, vect, add);
            if (c == 1) {
                post_p2p(x, it);
            }
        }
        CHECK_MPI(MPI_Type_free(&vect));
        CHECK_MPI(MPI_Op_free(&add));
        /* A blocking collective behind the nonblocking ones on the same communicator (the
         * shared-memory path must wait for them). */
        {
            int one = 1, sz;

            MPI_Comm_size(comms[it % 3], &sz);
            CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &one, 1, MPI_INT, MPI_SUM, comms[it % 3]));
            CHECK(one == sz, "blocking allreduce among nonblocking ones: %d", one);
        }
        complete(x, it % 3);
        for (int c = 0; c < 3; c++) {
            check(x, comms[c], c, it);
        }
        check_p2p(x, it);
    }
    CHECK_MPI(MPI_Comm_free(&comms[1]));
    CHECK_MPI(MPI_Comm_free(&comms[2]));
    free(x);
    MPI_Finalize();
    return 0;
}

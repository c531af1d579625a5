/* coll_persistent: every persistent collective (MPI-4 *_init) built once on MPI_COMM_WORLD and
 * on a split communicator, then started many times (MPI_Start and MPI_Startall, together with
 * persistent point-to-point requests) with new data each time, completed with Wait, Waitall
 * and Test; a derived type freed right after init; in place; then MPI_Request_free. */
#include "check.h"

#include <stdbool.h>

#define M 4
#define NP_MAX 64

static int rank, np;

enum { C_BARRIER, C_BCAST, C_REDUCE, C_ALLREDUCE, C_ALLREDUCE_VEC, C_GATHER, C_SCATTER,
       C_ALLGATHER, C_ALLTOALL, C_ALLTOALLV, C_ALLTOALLW, C_RSCAT, C_RSCAT_BLOCK, C_SCAN,
       C_EXSCAN, C_GATHERV, C_SCATTERV, C_ALLGATHERV, C_BCAST_C, C_ALLREDUCE_C, NCOLL };

static const char *const names[NCOLL] = {
    "barrier", "bcast", "reduce", "allreduce", "allreduce(vector)", "gather", "scatter",
    "allgather", "alltoall", "alltoallv", "alltoallw", "reduce_scatter", "reduce_scatter_block",
    "scan", "exscan", "gatherv", "scatterv", "allgatherv", "bcast_c", "allreduce_c"
};

/* Everything one communicator's requests point at; the buffers persist across starts. */
struct pset {
    MPI_Comm comm;
    int me, n;
    MPI_Request req[NCOLL];
    int in[NCOLL][NP_MAX * M], out[NCOLL][NP_MAX * M];
    int vec[4 * M], counts[NP_MAX], displs[NP_MAX], ones[NP_MAX], zeros[NP_MAX];
    int bytes[NP_MAX];
    MPI_Datatype types[NP_MAX];
};

static int val(int r, int k, int it)
{
    return r * 1000 + k * 10 + it;
}

static void init_all(struct pset *p)
{
    MPI_Comm c = p->comm;
    MPI_Datatype v, vect;
    MPI_Info info = MPI_INFO_NULL;
    int root = p->n - 1;

    CHECK_MPI(MPI_Type_vector(2, 1, 2, MPI_INT, &v));
    CHECK_MPI(MPI_Type_create_resized(v, 0, 4 * sizeof(int), &vect));
    CHECK_MPI(MPI_Type_commit(&vect));
    for (int i = 0; i < p->n; i++) {
        p->counts[i] = M;
        p->displs[i] = (p->n - 1 - i) * M;
        p->ones[i] = 1;
        p->zeros[i] = 0;
        p->bytes[i] = i * (int) sizeof(int);
        p->types[i] = MPI_INT;
    }
    CHECK_MPI(MPI_Barrier_init(c, info, &p->req[C_BARRIER]));
    CHECK_MPI(MPI_Bcast_init(p->out[C_BCAST], M, MPI_INT, root, c, info, &p->req[C_BCAST]));
    CHECK_MPI(MPI_Reduce_init(p->in[C_REDUCE], p->out[C_REDUCE], M, MPI_INT, MPI_SUM, 0, c, info,
                              &p->req[C_REDUCE]));
    CHECK_MPI(MPI_Allreduce_init(MPI_IN_PLACE, p->out[C_ALLREDUCE], M, MPI_INT, MPI_MAX, c, info,
                                 &p->req[C_ALLREDUCE]));
    CHECK_MPI(MPI_Allreduce_init(MPI_IN_PLACE, p->vec, M / 2, vect, MPI_SUM, c, info,
                                 &p->req[C_ALLREDUCE_VEC]));
    CHECK_MPI(MPI_Gather_init(p->in[C_GATHER], M, MPI_INT, p->out[C_GATHER], M, MPI_INT, root, c,
                              info, &p->req[C_GATHER]));
    CHECK_MPI(MPI_Scatter_init(p->in[C_SCATTER], M, MPI_INT, p->out[C_SCATTER], M, MPI_INT, 0, c,
                               info, &p->req[C_SCATTER]));
    CHECK_MPI(MPI_Allgather_init(MPI_IN_PLACE, 0, MPI_INT, p->out[C_ALLGATHER], M, MPI_INT, c,
                                 info, &p->req[C_ALLGATHER]));
    CHECK_MPI(MPI_Alltoall_init(p->in[C_ALLTOALL], M, MPI_INT, p->out[C_ALLTOALL], M, MPI_INT, c,
                                info, &p->req[C_ALLTOALL]));
    CHECK_MPI(MPI_Alltoallv_init(p->in[C_ALLTOALLV], p->ones, p->displs, MPI_INT,
                                 p->out[C_ALLTOALLV], p->ones, p->displs, MPI_INT, c, info,
                                 &p->req[C_ALLTOALLV]));
    CHECK_MPI(MPI_Alltoallw_init(p->in[C_ALLTOALLW], p->ones, p->bytes, p->types,
                                 p->out[C_ALLTOALLW], p->ones, p->bytes, p->types, c, info,
                                 &p->req[C_ALLTOALLW]));
    CHECK_MPI(MPI_Reduce_scatter_init(p->in[C_RSCAT], p->out[C_RSCAT], p->counts, MPI_INT,
                                      MPI_SUM, c, info, &p->req[C_RSCAT]));
    CHECK_MPI(MPI_Reduce_scatter_block_init(MPI_IN_PLACE, p->out[C_RSCAT_BLOCK], M, MPI_INT,
                                            MPI_MIN, c, info, &p->req[C_RSCAT_BLOCK]));
    CHECK_MPI(MPI_Scan_init(p->in[C_SCAN], p->out[C_SCAN], M, MPI_INT, MPI_SUM, c, info,
                            &p->req[C_SCAN]));
    CHECK_MPI(MPI_Exscan_init(MPI_IN_PLACE, p->out[C_EXSCAN], M, MPI_INT, MPI_SUM, c, info,
                              &p->req[C_EXSCAN]));
    CHECK_MPI(MPI_Gatherv_init(p->in[C_GATHERV], M, MPI_INT, p->out[C_GATHERV], p->counts,
                               p->displs, MPI_INT, 0, c, info, &p->req[C_GATHERV]));
    CHECK_MPI(MPI_Scatterv_init(p->in[C_SCATTERV], p->counts, p->displs, MPI_INT,
                                p->out[C_SCATTERV], M, MPI_INT, root, c, info,
                                &p->req[C_SCATTERV]));
    CHECK_MPI(MPI_Allgatherv_init(p->in[C_ALLGATHERV], M, MPI_INT, p->out[C_ALLGATHERV],
                                  p->counts, p->displs, MPI_INT, c, info, &p->req[C_ALLGATHERV]));
    CHECK_MPI(MPI_Bcast_init_c(p->out[C_BCAST_C], M, MPI_INT, 0, c, info, &p->req[C_BCAST_C]));
    CHECK_MPI(MPI_Allreduce_init_c(p->in[C_ALLREDUCE_C], p->out[C_ALLREDUCE_C], M, MPI_INT,
                                   MPI_BXOR, c, info, &p->req[C_ALLREDUCE_C]));
    /* the requests keep the type alive */
    CHECK_MPI(MPI_Type_free(&vect));
    CHECK_MPI(MPI_Type_free(&v));
}

/* New inputs for start number `it`. */
static void fill(struct pset *p, int it)
{
    for (int c = 0; c < NCOLL; c++) {
        for (int k = 0; k < p->n * M; k++) {
            p->in[c][k] = val(p->me, k, it);
            p->out[c][k] = -1;
        }
    }
    for (int k = 0; k < M; k++) {
        p->out[C_BCAST][k] = p->me == p->n - 1 ? val(p->me, k, it) : -1;
        p->out[C_BCAST_C][k] = p->me == 0 ? val(p->me, k, it) : -1;
        p->out[C_ALLREDUCE][k] = val(p->me, k, it);
        p->out[C_EXSCAN][k] = val(p->me, k, it);
        p->out[C_ALLGATHER][p->me * M + k] = val(p->me, k, it);
        p->vec[4 * (k / 2) + 2 * (k % 2)] = val(p->me, k, it);
    }
    for (int k = 0; k < p->n * M; k++) {
        p->out[C_RSCAT_BLOCK][k] = val(p->me, k, it);
    }
}

static void expect(struct pset *p, int c, int k, int got, int want)
{
    CHECK(got == want, "%s on a communicator of %d: int %d is %d, not %d", names[c], p->n, k,
          got, want);
}

static void verify(struct pset *p, int it)
{
    int me = p->me, n = p->n;

    for (int k = 0; k < M; k++) {
        int sum = 0, pre = 0, ex = 0, x = 0, rs = 0;

        for (int i = 0; i < n; i++) {
            sum += val(i, k, it);
            pre += i <= me ? val(i, k, it) : 0;
            ex += i < me ? val(i, k, it) : 0;
            x ^= val(i, k, it);
            rs += val(i, me * M + k, it);
        }
        expect(p, C_BCAST, k, p->out[C_BCAST][k], val(n - 1, k, it));
        expect(p, C_BCAST_C, k, p->out[C_BCAST_C][k], val(0, k, it));
        if (me == 0) {
            expect(p, C_REDUCE, k, p->out[C_REDUCE][k], sum);
        }
        expect(p, C_ALLREDUCE, k, p->out[C_ALLREDUCE][k], val(n - 1, k, it));
        expect(p, C_ALLREDUCE_VEC, k, p->vec[4 * (k / 2) + 2 * (k % 2)], sum);
        expect(p, C_SCATTER, k, p->out[C_SCATTER][k], val(0, me * M + k, it));
        expect(p, C_RSCAT, k, p->out[C_RSCAT][k], rs);
        expect(p, C_RSCAT_BLOCK, k, p->out[C_RSCAT_BLOCK][k], val(0, me * M + k, it));
        expect(p, C_SCAN, k, p->out[C_SCAN][k], pre);
        if (me > 0) {
            expect(p, C_EXSCAN, k, p->out[C_EXSCAN][k], ex);
        }
        expect(p, C_SCATTERV, k, p->out[C_SCATTERV][k], val(n - 1, (n - 1 - me) * M + k, it));
        expect(p, C_ALLREDUCE_C, k, p->out[C_ALLREDUCE_C][k], x);
    }
    for (int k = 0; k < n * M; k++) {
        int i = k / M, j = k % M, rev = n - 1 - i; /* v forms: rank i's block at (n-1-i) */

        if (me == n - 1) {
            expect(p, C_GATHER, k, p->out[C_GATHER][k], val(i, j, it));
        }
        expect(p, C_ALLGATHER, k, p->out[C_ALLGATHER][k], val(i, j, it));
        expect(p, C_ALLTOALL, k, p->out[C_ALLTOALL][k], val(i, me * M + j, it));
        if (me == 0) {
            expect(p, C_GATHERV, k, p->out[C_GATHERV][k], val(rev, j, it));
        }
        expect(p, C_ALLGATHERV, k, p->out[C_ALLGATHERV][k], val(rev, j, it));
    }
    for (int i = 0; i < n; i++) {
        /* alltoallv: one int, from displacement (n-1-me)*M of rank i into (n-1-i)*M */
        expect(p, C_ALLTOALLV, i, p->out[C_ALLTOALLV][(n - 1 - i) * M],
               val(i, (n - 1 - me) * M, it));
        /* alltoallw: one int at byte displacement i*4 both ways */
        expect(p, C_ALLTOALLW, i, p->out[C_ALLTOALLW][i], val(i, me, it));
    }
}

int main(int argc, char **argv)
{
    struct pset *p = calloc(2, sizeof(*p));
    MPI_Request p2p[2];
    int sbuf, rbuf;

    MPI_Init(&argc, &argv);
    check_init("coll_persistent");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    CHECK(p != NULL && np <= NP_MAX, "at most %d ranks", NP_MAX);
    p[0].comm = MPI_COMM_WORLD;
    CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, rank % 3 == 0, rank, &p[1].comm));
    for (int s = 0; s < 2; s++) {
        MPI_Comm_rank(p[s].comm, &p[s].me);
        MPI_Comm_size(p[s].comm, &p[s].n);
        init_all(&p[s]);
    }
    CHECK_MPI(MPI_Send_init(&sbuf, 1, MPI_INT, (rank + 1) % np, 5, MPI_COMM_WORLD, &p2p[0]));
    CHECK_MPI(MPI_Recv_init(&rbuf, 1, MPI_INT, (rank - 1 + np) % np, 5, MPI_COMM_WORLD, &p2p[1]));
    for (int it = 0; it < 20; it++) {
        for (int s = 0; s < 2; s++) {
            fill(&p[s], it);
        }
        sbuf = val(rank, 0, it);
        CHECK_MPI(MPI_Startall(2, p2p));
        if (it % 2 == 0) {
            CHECK_MPI(MPI_Startall(NCOLL, p[0].req));
            for (int c = 0; c < NCOLL; c++) {
                CHECK_MPI(MPI_Start(&p[1].req[c]));
            }
        } else {
            CHECK_MPI(MPI_Startall(NCOLL, p[1].req));
            CHECK_MPI(MPI_Startall(NCOLL, p[0].req));
        }
        if (it % 3 == 0) {
            int flag = 0;

            while (!flag) {
                CHECK_MPI(MPI_Testall(NCOLL, p[0].req, &flag, MPI_STATUSES_IGNORE));
            }
        } else {
            for (int c = 0; c < NCOLL; c++) {
                CHECK_MPI(MPI_Wait(&p[0].req[c], MPI_STATUS_IGNORE));
            }
        }
        CHECK_MPI(MPI_Waitall(NCOLL, p[1].req, MPI_STATUSES_IGNORE));
        CHECK_MPI(MPI_Waitall(2, p2p, MPI_STATUSES_IGNORE));
        CHECK(rbuf == val((rank - 1 + np) % np, 0, it), "persistent ring: %d", rbuf);
        for (int s = 0; s < 2; s++) {
            CHECK(p[s].req[0] != MPI_REQUEST_NULL, "a persistent request was freed by Wait");
            verify(&p[s], it);
        }
    }
    for (int s = 0; s < 2; s++) {
        for (int c = 0; c < NCOLL; c++) {
            CHECK_MPI(MPI_Request_free(&p[s].req[c]));
            CHECK(p[s].req[c] == MPI_REQUEST_NULL, "Request_free left the handle");
        }
    }
    CHECK_MPI(MPI_Request_free(&p2p[0]));
    CHECK_MPI(MPI_Request_free(&p2p[1]));
    CHECK_MPI(MPI_Comm_free(&p[1].comm));
    free(p);
    MPI_Finalize();
    return 0;
}

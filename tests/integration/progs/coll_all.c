/* coll_all: every blocking collective on MPI_COMM_WORLD and on a split communicator, with
 * MPI_INT and with a derived type that has holes (two ints of a vector, resized to four), mixed
 * on the two sides; v and w forms with gaps between blocks and zero counts; MPI_IN_PLACE
 * wherever the standard allows it; predefined ops on the derived type; the _c bindings.
 * Holes and gaps must come back untouched. */
#include "check.h"

#include <stdbool.h>

#define HOLE (-7777)   /* what holes and gaps hold; no collective may change it */
#define M 6            /* ints each rank contributes, a multiple of 2 */

static int rank, np;

/* How ints lie in a buffer of elements: `per` ints per element, element e at e * stride
 * ints, its ints at off[]. */
struct lay {
    MPI_Datatype t;
    int per, stride, off[2];
    const char *name;
};

static struct lay L_INT = { MPI_INT, 1, 1, { 0, 0 }, "MPI_INT" };
static struct lay L_VEC = { MPI_DATATYPE_NULL, 2, 4, { 0, 2 }, "vector" };
static struct lay *lays[2] = { &L_INT, &L_VEC };

static int *at(int *buf, const struct lay *l, int k)
{
    return &buf[(k / l->per) * l->stride + l->off[k % l->per]];
}

/* A buffer for `n` ints in layout l (holes set), as ints. */
static int *lay_alloc(const struct lay *l, int n)
{
    int len = (n / l->per + 1) * l->stride + 8, *b = malloc(sizeof(int) * (size_t) len);

    CHECK(b != NULL, "out of memory");
    for (int i = 0; i < len; i++) {
        b[i] = HOLE;
    }
    return b;
}

static int lay_len(const struct lay *l, int n)
{
    return (n / l->per + 1) * l->stride + 8;
}

/* Every int of the buffer that is not one of the n data ints is still HOLE. */
static void holes_ok(int *b, const struct lay *l, int n, const char *what)
{
    int len = lay_len(l, n);
    char *data = calloc((size_t) len, 1);

    for (int k = 0; k < n; k++) {
        data[at(b, l, k) - b] = 1;
    }
    for (int i = 0; i < len; i++) {
        CHECK(data[i] || b[i] == HOLE, "%s: int %d of the buffer (a hole) was written", what, i);
    }
    free(data);
}

static int val(int r, int k)
{
    return r * 1000 + k * 7 + 1;
}

static void types_make(void)
{
    MPI_Datatype v;

    CHECK_MPI(MPI_Type_vector(2, 1, 2, MPI_INT, &v));
    CHECK_MPI(MPI_Type_create_resized(v, 0, 4 * (MPI_Aint) sizeof(int), &L_VEC.t));
    CHECK_MPI(MPI_Type_commit(&L_VEC.t));
    CHECK_MPI(MPI_Type_free(&v));
}

/* ---- bcast, gather, scatter, allgather, alltoall -------------------------------------- */

static void t_bcast(MPI_Comm comm, const struct lay *l)
{
    int me, n, *b = lay_alloc(l, M);

    MPI_Comm_rank(comm, &me);
    MPI_Comm_size(comm, &n);
    for (int root = 0; root < n; root++) {
        for (int k = 0; k < M; k++) {
            *at(b, l, k) = me == root ? val(root, k) : -1;
        }
        CHECK_MPI(MPI_Bcast(b, M / l->per, l->t, root, comm));
        for (int k = 0; k < M; k++) {
            CHECK(*at(b, l, k) == val(root, k), "bcast %s root %d: int %d is %d", l->name, root,
                  k, *at(b, l, k));
        }
        holes_ok(b, l, M, "bcast");
    }
    free(b);
}

static void t_gather_scatter(MPI_Comm comm, const struct lay *sl, const struct lay *rl)
{
    int me, n, *s, *r;

    MPI_Comm_rank(comm, &me);
    MPI_Comm_size(comm, &n);
    s = lay_alloc(sl, M * n);
    r = lay_alloc(rl, M * n);
    for (int root = 0; root < n; root++) {
        for (int inplace = 0; inplace < 2; inplace++) {
            bool ip = inplace && me == root && sl == rl;

            for (int k = 0; k < M; k++) {
                *at(s, sl, k) = val(me, k);
                if (ip) {
                    *at(r, rl, me * M + k) = val(me, k);
                }
            }
            CHECK_MPI(MPI_Gather(ip ? MPI_IN_PLACE : s, M / sl->per, sl->t, r, M / rl->per, rl->t,
                                 root, comm));
            for (int k = 0; me == root && k < M * n; k++) {
                CHECK(*at(r, rl, k) == val(k / M, k % M), "gather %s->%s root %d ip %d: int %d "
                      "is %d", sl->name, rl->name, root, ip, k, *at(r, rl, k));
            }
            holes_ok(r, rl, M * n, "gather");
            /* scatter it back, from the root's gathered buffer (as a send buffer of rl) */
            for (int k = 0; k < M; k++) {
                *at(s, sl, k) = -1;
            }
            CHECK_MPI(MPI_Scatter(r, M / rl->per, rl->t, ip ? MPI_IN_PLACE : s, M / sl->per,
                                  sl->t, root, comm));
            for (int k = 0; !ip && k < M; k++) {
                CHECK(*at(s, sl, k) == val(me, k), "scatter %s->%s root %d: int %d is %d",
                      rl->name, sl->name, root, k, *at(s, sl, k));
            }
            holes_ok(s, sl, M * n, "scatter");
        }
    }
    free(s);
    free(r);
}

static void t_allgather_alltoall(MPI_Comm comm, const struct lay *sl, const struct lay *rl)
{
    int me, n, *s, *r;

    MPI_Comm_rank(comm, &me);
    MPI_Comm_size(comm, &n);
    s = lay_alloc(sl, M * n);
    r = lay_alloc(rl, M * n);
    for (int inplace = 0; inplace < 2; inplace++) {
        bool ip = inplace && sl == rl;

        for (int k = 0; k < M * n; k++) {
            *at(s, sl, k) = val(me, k);
            *at(r, rl, k) = ip && k / M == me ? val(me, k % M) : -1;
        }
        CHECK_MPI(MPI_Allgather(ip ? MPI_IN_PLACE : s, M / sl->per, sl->t, r, M / rl->per, rl->t,
                                comm));
        for (int k = 0; k < M * n; k++) {
            CHECK(*at(r, rl, k) == val(k / M, k % M), "allgather %s->%s ip %d: int %d is %d",
                  sl->name, rl->name, ip, k, *at(r, rl, k));
        }
        holes_ok(r, rl, M * n, "allgather");
        /* alltoall: block j of rank i holds val(i, j * M + k) */
        for (int k = 0; k < M * n; k++) {
            *at(r, rl, k) = ip ? val(me, k) : -1;
        }
        CHECK_MPI(MPI_Alltoall(ip ? MPI_IN_PLACE : s, M / sl->per, sl->t, r, M / rl->per, rl->t,
                               comm));
        for (int k = 0; k < M * n; k++) {
            int from = k / M, want = val(from, me * M + k % M);

            CHECK(*at(r, rl, k) == want, "alltoall %s->%s ip %d: int %d is %d, not %d", sl->name,
                  rl->name, ip, k, *at(r, rl, k), want);
        }
        holes_ok(r, rl, M * n, "alltoall");
    }
    free(s);
    free(r);
}

/* ---- v and w forms ------------------------------------------------------------------- */

/* Rank i sends vlen(i) ints (0, 2 or 4) in the v forms; blocks at the root lie 1 element apart. */
static int vlen(int i)
{
    return 2 * (i % 3);
}

static void t_gatherv_allgatherv(MPI_Comm comm, const struct lay *sl, const struct lay *rl)
{
    int me, n, *s = lay_alloc(sl, 8), *r, *counts, *displs, total = 0, span = 0;

    MPI_Comm_rank(comm, &me);
    MPI_Comm_size(comm, &n);
    counts = malloc(sizeof(int) * (size_t) n);
    displs = malloc(sizeof(int) * (size_t) n);
    for (int i = n - 1; i >= 0; i--) { /* blocks in reverse order, one element of gap each */
        counts[i] = vlen(i) / rl->per;
        displs[i] = span;
        span += counts[i] + 1;
        total += vlen(i);
    }
    r = lay_alloc(rl, span * rl->per);
    for (int k = 0; k < vlen(me); k++) {
        *at(s, sl, k) = val(me, k);
    }
    for (int root = 0; root <= n; root++) {
        bool all = root == n, ip = !all && me == root && sl == rl && me % 2 == 0;

        for (int i = 0; i < lay_len(rl, span * rl->per); i++) {
            r[i] = HOLE;
        }
        for (int k = 0; ip && k < vlen(me); k++) {
            *at(r, rl, displs[me] * rl->per + k) = val(me, k);
        }
        if (all) {
            CHECK_MPI(MPI_Allgatherv(s, vlen(me) / sl->per, sl->t, r, counts, displs, rl->t, comm));
        } else {
            CHECK_MPI(MPI_Gatherv(ip ? MPI_IN_PLACE : s, vlen(me) / sl->per, sl->t, r, counts,
                                  displs, rl->t, root, comm));
        }
        for (int i = 0; (all || me == root) && i < n; i++) {
            for (int k = 0; k < vlen(i); k++) {
                int got = *at(r, rl, displs[i] * rl->per + k);

                CHECK(got == val(i, k), "%s %s->%s: int %d of rank %d is %d",
                      all ? "allgatherv" : "gatherv", sl->name, rl->name, k, i, got);
            }
        }
        if (all || me == root) {
            /* gaps: the element after each block */
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < rl->per; j++) {
                    CHECK(*at(r, rl, (displs[i] + counts[i]) * rl->per + j) == HOLE,
                          "gatherv: the gap after rank %d's block was written", i);
                }
            }
        }
    }
    (void) total;
    free(s);
    free(r);
    free(counts);
    free(displs);
}

static void t_scatterv(MPI_Comm comm, const struct lay *sl, const struct lay *rl)
{
    int me, n, *s, *r = lay_alloc(rl, 8), *counts, *displs, span = 0;

    MPI_Comm_rank(comm, &me);
    MPI_Comm_size(comm, &n);
    counts = malloc(sizeof(int) * (size_t) n);
    displs = malloc(sizeof(int) * (size_t) n);
    for (int i = 0; i < n; i++) {
        counts[i] = vlen(i) / sl->per;
        displs[i] = span;
        span += counts[i] + 1;
    }
    s = lay_alloc(sl, span * sl->per);
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < vlen(i); k++) {
            *at(s, sl, displs[i] * sl->per + k) = val(i, k);
        }
    }
    for (int root = 0; root < n; root++) {
        for (int k = 0; k < 8; k++) {
            *at(r, rl, k) = -1;
        }
        CHECK_MPI(MPI_Scatterv(s, counts, displs, sl->t, r, vlen(me) / rl->per, rl->t, root,
                               comm));
        for (int k = 0; k < 8; k++) {
            int want = k < vlen(me) ? val(me, k) : -1;

            CHECK(*at(r, rl, k) == want, "scatterv root %d: int %d is %d", root, k,
                  *at(r, rl, k));
        }
    }
    free(s);
    free(r);
    free(counts);
    free(displs);
}

/* Alltoallv: rank i sends (i + j) % 3 * 2 ints to rank j (symmetric: in place is legal).
 * Alltoallw: the same blocks, sent as sl to even ranks and rl to odd ones (byte displs). */
static void t_alltoallv_w(MPI_Comm comm, const struct lay *sl, const struct lay *rl, bool w)
{
    int me, n, *s, *r, *sc, *sd, *rc, *rd, sspan = 0, rspan = 0;
    MPI_Datatype *st, *rt;

    MPI_Comm_rank(comm, &me);
    MPI_Comm_size(comm, &n);
    sc = malloc(sizeof(int) * 4 * (size_t) n);
    sd = sc + n;
    rc = sd + n;
    rd = rc + n;
    st = malloc(sizeof(MPI_Datatype) * 2 * (size_t) n);
    rt = st + n;
    for (int j = 0; j < n; j++) {
        const struct lay *ls = w && j % 2 ? rl : sl, *lr = w && j % 2 ? sl : rl;
        int len = (me + j) % 3 * 2;

        st[j] = ls->t;
        rt[j] = lr->t;
        sc[j] = len / ls->per;
        rc[j] = len / lr->per;
        /* displacements in elements of the 4-int vector stride (w: in bytes) */
        sd[j] = w ? sspan * 16 : sspan * 4 / ls->stride;
        rd[j] = w ? rspan * 16 : rspan * 4 / lr->stride;
        sspan += len / 2 + 1;
        rspan += len / 2 + 1;
    }
    for (int inplace = 0; inplace < 2; inplace++) {
        bool ip = inplace && (w || sl == rl);

        s = calloc((size_t) sspan * 4 + 8, sizeof(int));
        r = calloc((size_t) rspan * 4 + 8, sizeof(int));
        for (int i = 0; i < sspan * 4 + 8; i++) {
            s[i] = HOLE;
        }
        for (int i = 0; i < rspan * 4 + 8; i++) {
            r[i] = HOLE;
        }
        for (int j = 0; j < n; j++) {
            const struct lay *ls = w && j % 2 ? rl : sl, *lr = w && j % 2 ? sl : rl;
            int *sb = (int *) ((char *) s + (w ? sd[j] : sd[j] * ls->stride * 4));
            int *rb = (int *) ((char *) r + (w ? rd[j] : rd[j] * lr->stride * 4));

            for (int k = 0; k < (me + j) % 3 * 2; k++) {
                *at(sb, ls, k) = val(me, j * 10 + k);
                if (ip) {
                    *at(rb, lr, k) = val(me, j * 10 + k);
                }
            }
        }
        if (w) {
            /* in place uses the receive side for both: send as rt, which is what was filled */
            CHECK_MPI(MPI_Alltoallw(ip ? MPI_IN_PLACE : s, sc, sd, st, r, rc, rd, rt, comm));
        } else {
            CHECK_MPI(MPI_Alltoallv(ip ? MPI_IN_PLACE : s, sc, sd, sl->t, r, rc, rd, rl->t, comm));
        }
        for (int i = 0; i < n; i++) {
            const struct lay *lr = w && i % 2 ? sl : rl;
            int *rb = (int *) ((char *) r + (w ? rd[i] : rd[i] * lr->stride * 4));

            for (int k = 0; k < (me + i) % 3 * 2; k++) {
                CHECK(*at(rb, lr, k) == val(i, me * 10 + k), "alltoall%s %s/%s ip %d: int %d "
                      "from rank %d is %d", w ? "w" : "v", sl->name, rl->name, ip, k, i,
                      *at(rb, lr, k));
            }
        }
        CHECK(r[rspan * 4] == HOLE, "alltoallv: wrote past the last block");
        free(s);
        free(r);
    }
    free(sc);
    free(st);
}

/* ---- reductions ------------------------------------------------------------------------ */

static void t_reductions(MPI_Comm comm, const struct lay *l)
{
    int me, n, *s, *r, cnt = M / l->per, *counts;

    MPI_Comm_rank(comm, &me);
    MPI_Comm_size(comm, &n);
    s = lay_alloc(l, M * n);
    r = lay_alloc(l, M * n);
    counts = malloc(sizeof(int) * (size_t) n);
    for (int root = 0; root < n; root++) {
        for (int ip = 0; ip < 2; ip++) {
            bool inplace = ip && me == root;

            for (int k = 0; k < M; k++) {
                *at(s, l, k) = val(me, k);
                *at(r, l, k) = inplace ? val(me, k) : -1;
            }
            CHECK_MPI(MPI_Reduce(inplace ? MPI_IN_PLACE : s, r, cnt, l->t, MPI_SUM, root, comm));
            for (int k = 0; me == root && k < M; k++) {
                int want = 0;

                for (int i = 0; i < n; i++) {
                    want += val(i, k);
                }
                CHECK(*at(r, l, k) == want, "reduce %s root %d ip %d: int %d is %d, not %d",
                      l->name, root, ip, k, *at(r, l, k), want);
            }
            holes_ok(r, l, M * n, "reduce");
        }
    }
    for (int ip = 0; ip < 2; ip++) {
        for (int k = 0; k < M; k++) {
            *at(r, l, k) = ip ? val(me, k) : -1;
        }
        CHECK_MPI(MPI_Allreduce(ip ? MPI_IN_PLACE : s, r, cnt, l->t, MPI_MAX, comm));
        for (int k = 0; k < M; k++) {
            CHECK(*at(r, l, k) == val(n - 1, k), "allreduce max %s: int %d is %d", l->name, k,
                  *at(r, l, k));
        }
        holes_ok(r, l, M * n, "allreduce");
        /* scan and exscan of sums */
        for (int k = 0; k < M; k++) {
            *at(r, l, k) = ip ? val(me, k) : -1;
        }
        CHECK_MPI(MPI_Scan(ip ? MPI_IN_PLACE : s, r, cnt, l->t, MPI_SUM, comm));
        for (int k = 0; k < M; k++) {
            int want = 0;

            for (int i = 0; i <= me; i++) {
                want += val(i, k);
            }
            CHECK(*at(r, l, k) == want, "scan %s: int %d is %d", l->name, k, *at(r, l, k));
        }
        for (int k = 0; k < M; k++) {
            *at(r, l, k) = ip ? val(me, k) : -1;
        }
        CHECK_MPI(MPI_Exscan(ip ? MPI_IN_PLACE : s, r, cnt, l->t, MPI_SUM, comm));
        for (int k = 0; me > 0 && k < M; k++) {
            int want = 0;

            for (int i = 0; i < me; i++) {
                want += val(i, k);
            }
            CHECK(*at(r, l, k) == want, "exscan %s: int %d is %d", l->name, k, *at(r, l, k));
        }
        /* reduce_scatter_block: M ints per rank out of M * n; then reduce_scatter, rank i
         * getting vlen(i) */
        for (int k = 0; k < M * n; k++) {
            *at(s, l, k) = val(me, k);
            *at(r, l, k) = ip ? val(me, k) : -1;
        }
        CHECK_MPI(MPI_Reduce_scatter_block(ip ? MPI_IN_PLACE : s, r, cnt, l->t, MPI_SUM, comm));
        for (int k = 0; k < M; k++) {
            int want = 0;

            for (int i = 0; i < n; i++) {
                want += val(i, me * M + k);
            }
            CHECK(*at(r, l, k) == want, "reduce_scatter_block %s ip %d: int %d is %d", l->name,
                  ip, k, *at(r, l, k));
        }
        for (int i = 0; i < n; i++) {
            counts[i] = vlen(i) / l->per;
        }
        for (int k = 0; k < M * n; k++) {
            *at(r, l, k) = ip ? val(me, k) : -1;
        }
        CHECK_MPI(MPI_Reduce_scatter(ip ? MPI_IN_PLACE : s, r, counts, l->t, MPI_SUM, comm));
        for (int k = 0, first = 0; k < vlen(me); k++) {
            int want = 0;

            for (int i = 0; k == 0 && i < me; i++) {
                first += vlen(i);
            }
            for (int i = 0; i < n; i++) {
                want += val(i, first + k);
            }
            CHECK(*at(r, l, k) == want, "reduce_scatter %s ip %d: int %d is %d", l->name, ip, k,
                  *at(r, l, k));
        }
    }
    free(s);
    free(r);
    free(counts);
}

/* Ranks describe the same data with different types (odd ranks the holed vector): the
 * algorithm must not depend on that, whatever the size (shared memory above 8 KiB). */
static void t_mixed(MPI_Comm comm)
{
    static const int sizes[3] = { 6, 4096, 40000 };
    int me, n;

    MPI_Comm_rank(comm, &me);
    MPI_Comm_size(comm, &n);
    for (int z = 0; z < 3; z++) {
        const struct lay *l = lays[me % 2];
        int m = sizes[z], *b = lay_alloc(l, m), *r = lay_alloc(l, m);

        for (int k = 0; k < m; k++) {
            *at(b, l, k) = me == n - 1 ? val(n - 1, k) : -1;
        }
        CHECK_MPI(MPI_Bcast(b, m / l->per, l->t, n - 1, comm));
        for (int k = 0; k < m; k++) {
            CHECK(*at(b, l, k) == val(n - 1, k), "mixed-type bcast of %d ints: int %d is %d", m,
                  k, *at(b, l, k));
            *at(b, l, k) = val(me, k);
        }
        CHECK_MPI(MPI_Allreduce(b, r, m / l->per, l->t, MPI_SUM, comm));
        CHECK_MPI(MPI_Reduce(b, r, m / l->per, l->t, MPI_MAX, 0, comm));
        CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, b, m / l->per, l->t, MPI_MIN, comm));
        for (int k = 0; k < m; k++) {
            CHECK(*at(b, l, k) == val(0, k), "mixed-type allreduce of %d ints: int %d", m, k);
        }
        holes_ok(b, l, m, "mixed-type allreduce");
        free(b);
        free(r);
    }
}

/* ---- large-count bindings --------------------------------------------------------------- */

static void t_large_count(MPI_Comm comm)
{
    int me, n, s[4], *r;
    MPI_Count *rc;
    MPI_Aint *rd;

    MPI_Comm_rank(comm, &me);
    MPI_Comm_size(comm, &n);
    r = malloc(sizeof(int) * 4 * (size_t) n);
    rc = malloc(sizeof(MPI_Count) * (size_t) n);
    rd = malloc(sizeof(MPI_Aint) * (size_t) n);
    for (int i = 0; i < n; i++) {
        rc[i] = 2;
        rd[i] = 4 * (MPI_Aint) (n - 1 - i);
    }
    s[0] = val(me, 0);
    s[1] = val(me, 1);
    CHECK_MPI(MPI_Allgatherv_c(s, 2, MPI_INT, r, rc, rd, MPI_INT, comm));
    for (int i = 0; i < n; i++) {
        CHECK(r[rd[i]] == val(i, 0) && r[rd[i] + 1] == val(i, 1), "allgatherv_c: rank %d", i);
    }
    CHECK_MPI(MPI_Bcast_c(s, 2, MPI_INT, n - 1, comm));
    CHECK(s[0] == val(n - 1, 0), "bcast_c");
    CHECK_MPI(MPI_Allreduce_c(MPI_IN_PLACE, s, 2, MPI_INT, MPI_MIN, comm));
    CHECK(s[1] == val(n - 1, 1), "allreduce_c");
    free(r);
    free(rc);
    free(rd);
}

static void run_all(MPI_Comm comm)
{
    for (int a = 0; a < 2; a++) {
        t_bcast(comm, lays[a]);
        t_reductions(comm, lays[a]);
        for (int b = 0; b < 2; b++) {
            t_gather_scatter(comm, lays[a], lays[b]);
            t_allgather_alltoall(comm, lays[a], lays[b]);
            t_gatherv_allgatherv(comm, lays[a], lays[b]);
            t_scatterv(comm, lays[a], lays[b]);
            t_alltoallv_w(comm, lays[a], lays[b], false);
            t_alltoallv_w(comm, lays[a], lays[b], true);
        }
    }
    t_large_count(comm);
    t_mixed(comm);
    CHECK_MPI(MPI_Barrier(comm));
}

int main(int argc, char **argv)
{
    MPI_Comm half;

    MPI_Init(&argc, &argv);
    check_init("coll_all");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    types_make();
    run_all(MPI_COMM_WORLD);
    run_all(MPI_COMM_SELF);
    CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, rank % 2, np - rank, &half));
    run_all(half);
    CHECK_MPI(MPI_Comm_free(&half));
    CHECK_MPI(MPI_Type_free(&L_VEC.t));
    MPI_Finalize();
    return 0;
}

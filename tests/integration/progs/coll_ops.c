/* coll_ops: user-defined reduction operations. A non-commutative op (2x2 matrix product) must
 * combine operands in rank order in every reduction, whatever the algorithm: Reduce from every
 * root, Allreduce (short and long vectors), Reduce_scatter_block, Scan, Exscan, and the
 * nonblocking forms; on a contiguous and on a holed derived type (the op sees the type itself).
 * Also MPI_Op_create_c, MPI_Op_commutative, MPI_Op_free (of a predefined op: MPI_ERR_OP),
 * MPI_Reduce_local, and predefined ops on derived types made of one predefined type (pairs
 * with padding included). */
#include "check.h"

#include <stdbool.h>

static int rank, np;
static MPI_Datatype mat, matv; /* 4 uint32; the same with a hole after each pair (stride 3) */

/* inout[i] = in[i] x inout[i]; the layout comes from the datatype. */
static void mat_mul(void *in, void *inout, MPI_Count len, MPI_Datatype type)
{
    static const int dense[4] = { 0, 1, 2, 3 }, holed[4] = { 0, 1, 3, 4 };
    MPI_Aint lb, ext;
    const int *x;

    MPI_Type_get_extent(type, &lb, &ext);
    x = ext == 16 ? dense : holed;
    for (MPI_Count i = 0; i < len; i++) {
        const uint32_t *a = (const uint32_t *) ((char *) in + i * ext);
        uint32_t *b = (uint32_t *) ((char *) inout + i * ext);
        uint32_t c0 = a[x[0]] * b[x[0]] + a[x[1]] * b[x[2]];
        uint32_t c1 = a[x[0]] * b[x[1]] + a[x[1]] * b[x[3]];
        uint32_t c2 = a[x[2]] * b[x[0]] + a[x[3]] * b[x[2]];
        uint32_t c3 = a[x[2]] * b[x[1]] + a[x[3]] * b[x[3]];

        b[x[0]] = c0;
        b[x[1]] = c1;
        b[x[2]] = c2;
        b[x[3]] = c3;
    }
}

static void mat_fn(void *in, void *inout, int *len, MPI_Datatype *type)
{
    mat_mul(in, inout, *len, *type);
}

static void mat_fn_c(void *in, void *inout, MPI_Count *len, MPI_Datatype *type)
{
    mat_mul(in, inout, *len, *type);
}

/* The matrices of rank r, element e (dense layout). */
static void mat_val(int r, int e, uint32_t m[4])
{
    uint64_t x = (uint64_t) (r + 1) * 0x9e3779b97f4a7c15ULL ^ (uint64_t) e * 0xbf58476d1ce4e5b9ULL;

    for (int i = 0; i < 4; i++) {
        x ^= x >> 29;
        x *= 0x94d049bb133111ebULL;
        m[i] = (uint32_t) (x >> 32);
    }
}

/* Product of ranks [lo, hi)'s element e, in order. */
static void mat_ref(int lo, int hi, int e, uint32_t out[4])
{
    uint32_t m[4];

    mat_val(lo, e, out);
    for (int r = lo + 1; r < hi; r++) {
        mat_val(r, e, m);
        mat_mul(out, m, 1, mat);
        for (int i = 0; i < 4; i++) {
            out[i] = m[i];
        }
    }
}

/* Element e of a buffer of `type` (dense or holed). */
static uint32_t *mat_at(uint32_t *buf, MPI_Datatype type, int e)
{
    return buf + e * (type == mat ? 4 : 5);
}

static void mat_get(uint32_t *buf, MPI_Datatype type, int e, uint32_t m[4])
{
    uint32_t *p = mat_at(buf, type, e);

    for (int i = 0; i < 4; i++) {
        m[i] = type == mat ? p[i] : p[i < 2 ? i : i + 1];
    }
}

static void mat_put(uint32_t *buf, MPI_Datatype type, int e, const uint32_t m[4])
{
    uint32_t *p = mat_at(buf, type, e);

    for (int i = 0; i < 4; i++) {
        p[type == mat ? i : (i < 2 ? i : i + 1)] = m[i];
    }
}

static void mat_check(uint32_t *buf, MPI_Datatype type, int e, int lo, int hi, const char *what)
{
    uint32_t got[4], want[4];

    mat_get(buf, type, e, got);
    mat_ref(lo, hi, e, want);
    for (int i = 0; i < 4; i++) {
        CHECK(got[i] == want[i], "%s (%s): element %d of ranks %d..%d: entry %d is %u, not %u",
              what, type == mat ? "dense" : "holed", e, lo, hi - 1, i, got[i], want[i]);
    }
}

static void noncommutative(MPI_Op op, MPI_Datatype type, int count)
{
    size_t words = (size_t) count * (size_t) np * 5 + 5;
    uint32_t *s = calloc(words, 4), *r = calloc(words, 4);
    uint32_t m[4];
    MPI_Request req;

    for (int e = 0; e < count * np; e++) {
        mat_val(rank, e, m);
        mat_put(s, type, e, m);
    }
    for (int root = 0; root < np; root++) {
        CHECK_MPI(MPI_Reduce(s, r, count, type, op, root, MPI_COMM_WORLD));
        for (int e = 0; rank == root && e < count; e++) {
            mat_check(r, type, e, 0, np, "reduce");
        }
    }
    CHECK_MPI(MPI_Allreduce(s, r, count, type, op, MPI_COMM_WORLD));
    for (int e = 0; e < count; e++) {
        mat_check(r, type, e, 0, np, "allreduce");
    }
    CHECK_MPI(MPI_Iallreduce(MPI_IN_PLACE, s, count, type, op, MPI_COMM_WORLD, &req));
    CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
    for (int e = 0; e < count; e++) {
        mat_check(s, type, e, 0, np, "iallreduce in place");
        mat_val(rank, e, m);
        mat_put(s, type, e, m);
    }
    CHECK_MPI(MPI_Scan(s, r, count, type, op, MPI_COMM_WORLD));
    for (int e = 0; e < count; e++) {
        mat_check(r, type, e, 0, rank + 1, "scan");
    }
    CHECK_MPI(MPI_Iexscan(s, r, count, type, op, MPI_COMM_WORLD, &req));
    CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
    for (int e = 0; rank > 0 && e < count; e++) {
        mat_check(r, type, e, 0, rank, "exscan");
    }
    CHECK_MPI(MPI_Reduce_scatter_block(s, r, count, type, op, MPI_COMM_WORLD));
    for (int e = 0; e < count; e++) {
        uint32_t got[4], want[4];

        mat_get(r, type, e, got);
        mat_ref(0, np, rank * count + e, want);
        for (int i = 0; i < 4; i++) {
            CHECK(got[i] == want[i], "reduce_scatter_block: element %d entry %d", e, i);
        }
    }
    free(s);
    free(r);
}

/* Predefined ops on derived types of one predefined type (MINLOC on pairs, padded or not). */
static void predefined_on_derived(void)
{
    struct { double v; int i; } di[6], dout[6];
    int ii[12], iout[12];
    MPI_Datatype di3, ii3;

    CHECK_MPI(MPI_Type_contiguous(3, MPI_DOUBLE_INT, &di3));
    CHECK_MPI(MPI_Type_commit(&di3));
    CHECK_MPI(MPI_Type_contiguous(3, MPI_2INT, &ii3));
    CHECK_MPI(MPI_Type_commit(&ii3));
    for (int k = 0; k < 6; k++) {
        di[k].v = (double) ((rank * 7 + k * 3) % (np + 2));
        di[k].i = rank;
        ii[2 * k] = (rank * 5 + k) % (np + 1);
        ii[2 * k + 1] = rank;
    }
    CHECK_MPI(MPI_Allreduce(di, dout, 2, di3, MPI_MINLOC, MPI_COMM_WORLD));
    CHECK_MPI(MPI_Allreduce(ii, iout, 2, ii3, MPI_MAXLOC, MPI_COMM_WORLD));
    for (int k = 0; k < 6; k++) {
        double best = 1e9;
        int at = -1, ib = -1, iat = -1;

        for (int r = 0; r < np; r++) {
            double v = (double) ((r * 7 + k * 3) % (np + 2));
            int w = (r * 5 + k) % (np + 1);

            if (v < best) {
                best = v;
                at = r;
            }
            if (w > ib) {
                ib = w;
                iat = r;
            }
        }
        CHECK(dout[k].v == best && dout[k].i == at, "minloc on contiguous(3, MPI_DOUBLE_INT) "
              "element %d: %g at %d, not %g at %d", k, dout[k].v, dout[k].i, best, at);
        CHECK(iout[2 * k] == ib && iout[2 * k + 1] == iat, "maxloc on contiguous(3, MPI_2INT)");
    }
    CHECK_MPI(MPI_Type_free(&di3));
    CHECK_MPI(MPI_Type_free(&ii3));
}

static void reduce_local(MPI_Op op)
{
    uint32_t a[10], b[10], m[4];
    int x[8], y[8];
    MPI_Datatype vec;

    for (int e = 0; e < 2; e++) {
        mat_val(0, e, m);
        mat_put(a, matv, e, m);
        mat_val(1, e, m);
        mat_put(b, matv, e, m);
    }
    CHECK_MPI(MPI_Reduce_local(a, b, 2, matv, op));
    for (int e = 0; e < 2; e++) {
        mat_check(b, matv, e, 0, 2, "reduce_local");
    }
    CHECK_MPI(MPI_Type_vector(4, 1, 2, MPI_INT, &vec));
    CHECK_MPI(MPI_Type_commit(&vec));
    for (int i = 0; i < 8; i++) {
        x[i] = i;
        y[i] = 100 + i;
    }
    CHECK_MPI(MPI_Reduce_local_c(x, y, 1, vec, MPI_SUM));
    for (int i = 0; i < 8; i++) {
        CHECK(y[i] == (i % 2 == 0 ? 100 + 2 * i : 100 + i), "reduce_local on a vector: int %d "
              "is %d", i, y[i]);
    }
    CHECK_MPI(MPI_Type_free(&vec));
}

static void op_queries(MPI_Op nc, MPI_Op nc_c)
{
    MPI_Op sum = MPI_SUM, comm_op;
    int flag = -1;

    CHECK_MPI(MPI_Op_commutative(MPI_SUM, &flag));
    CHECK(flag == 1, "MPI_SUM is commutative");
    CHECK_MPI(MPI_Op_commutative(nc, &flag));
    CHECK(flag == 0, "the matrix product was created non-commutative");
    CHECK_MPI(MPI_Op_commutative(nc_c, &flag));
    CHECK(flag == 0, "the _c matrix product was created non-commutative");
    CHECK_MPI(MPI_Op_create(mat_fn, 1, &comm_op));
    CHECK_MPI(MPI_Op_commutative(comm_op, &flag));
    CHECK(flag == 1, "an op created commutative says so");
    CHECK_MPI(MPI_Op_free(&comm_op));
    CHECK(comm_op == MPI_OP_NULL, "MPI_Op_free sets MPI_OP_NULL");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    {
        int ret = MPI_Op_free(&sum), cls = -1;

        MPI_Error_class(ret, &cls);
        CHECK(cls == MPI_ERR_OP && sum == MPI_SUM, "freeing MPI_SUM gives class %d", cls);
        ret = MPI_Allreduce(&flag, &cls, 1, MPI_INT, MPI_REPLACE, MPI_COMM_WORLD);
        MPI_Error_class(ret, &cls);
        CHECK(cls == MPI_ERR_OP, "MPI_REPLACE in a reduction gives class %d", cls);
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv)
{
    MPI_Datatype v;
    MPI_Op nc, nc_c;

    MPI_Init(&argc, &argv);
    check_init("coll_ops");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    CHECK_MPI(MPI_Type_contiguous(4, MPI_UINT32_T, &mat));
    CHECK_MPI(MPI_Type_commit(&mat));
    CHECK_MPI(MPI_Type_vector(2, 2, 3, MPI_UINT32_T, &v));
    CHECK_MPI(MPI_Type_create_resized(v, 0, 20, &matv));
    CHECK_MPI(MPI_Type_commit(&matv));
    CHECK_MPI(MPI_Type_free(&v));
    CHECK_MPI(MPI_Op_create(mat_fn, 0, &nc));
    CHECK_MPI(MPI_Op_create_c(mat_fn_c, 0, &nc_c));
    for (int t = 0; t < 2; t++) {
        MPI_Datatype type = t == 0 ? mat : matv;

        noncommutative(nc, type, 1);
        noncommutative(nc_c, type, 3);
        noncommutative(nc, type, 1500); /* long: Rabenseifner / halving paths */
    }
    predefined_on_derived();
    reduce_local(nc);
    op_queries(nc, nc_c);
    CHECK_MPI(MPI_Op_free(&nc));
    CHECK_MPI(MPI_Op_free(&nc_c));
    CHECK_MPI(MPI_Type_free(&mat));
    CHECK_MPI(MPI_Type_free(&matv));
    MPI_Finalize();
    return 0;
}

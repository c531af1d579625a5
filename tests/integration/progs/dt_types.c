/* dt_types: derived datatype construction and queries through the MPI API: size, extent and
 * true extent (int, _c and _x forms), envelope and contents of every constructor (classic and
 * large-count rules), names, attributes with copy and delete callbacks, MPI_Type_match_size,
 * address arithmetic, and the error class of each kind of bad argument. Local only: every
 * rank runs the same checks. */
#include "check.h"

#include <limits.h>
#include <stdbool.h>

static void expect_bounds(MPI_Datatype t, int size, MPI_Aint lb, MPI_Aint ext, MPI_Aint tlb,
                          MPI_Aint text, const char *what)
{
    int s;
    MPI_Aint l, e;
    MPI_Count sc, lc, ec;

    CHECK_MPI(MPI_Type_size(t, &s));
    CHECK(s == size, "%s: size %d, want %d", what, s, size);
    CHECK_MPI(MPI_Type_size_c(t, &sc));
    CHECK(sc == size, "%s: size_c %lld", what, (long long) sc);
    CHECK_MPI(MPI_Type_get_extent(t, &l, &e));
    CHECK(l == lb && e == ext, "%s: lb/extent %ld/%ld, want %ld/%ld", what, (long) l, (long) e,
          (long) lb, (long) ext);
    CHECK_MPI(MPI_Type_get_extent_x(t, &lc, &ec));
    CHECK(lc == lb && ec == ext, "%s: extent_x", what);
    CHECK_MPI(MPI_Type_get_true_extent(t, &l, &e));
    CHECK(l == tlb && e == text, "%s: true lb/extent %ld/%ld, want %ld/%ld", what, (long) l,
          (long) e, (long) tlb, (long) text);
    CHECK_MPI(MPI_Type_get_true_extent_c(t, &lc, &ec));
    CHECK(lc == tlb && ec == text, "%s: true extent_c", what);
}

static void expect_envelope(MPI_Datatype t, int ni, int na, int nd, int comb, const char *what)
{
    int i, a, d, c;

    CHECK_MPI(MPI_Type_get_envelope(t, &i, &a, &d, &c));
    CHECK(i == ni && a == na && d == nd && c == comb,
          "%s: envelope %d/%d/%d combiner %d, want %d/%d/%d combiner %d", what, i, a, d, c, ni, na,
          nd, comb);
}

static void check_layouts(void)
{
    MPI_Datatype v, hv, s, r, c2;
    int bl[3] = {1, 1, 3};
    MPI_Aint d[3] = {0, 8, 16};
    MPI_Datatype ty[3] = {MPI_INT, MPI_DOUBLE, MPI_CHAR};

    CHECK_MPI(MPI_Type_vector(3, 2, 4, MPI_INT, &v));
    expect_bounds(v, 24, 0, 40, 0, 40, "vector(3,2,4,int)");
    CHECK_MPI(MPI_Type_create_hvector(3, 1, -16, MPI_DOUBLE, &hv));
    expect_bounds(hv, 24, -32, 40, -32, 40, "hvector(3,1,-16,double)");
    /* struct {int; double; char[3]}: the extent is rounded up to double's alignment */
    CHECK_MPI(MPI_Type_create_struct(3, bl, d, ty, &s));
    expect_bounds(s, 15, 0, 24, 0, 19, "struct{int,double,char[3]}");
    /* the standard's example: lb -3, extent 9 around an int; two of them */
    CHECK_MPI(MPI_Type_create_resized(MPI_INT, -3, 9, &r));
    CHECK_MPI(MPI_Type_contiguous(2, r, &c2));
    expect_bounds(c2, 8, -3, 18, 0, 13, "contiguous(2, resized int)");
    CHECK_MPI(MPI_Type_free(&v));
    CHECK(v == MPI_DATATYPE_NULL, "MPI_Type_free did not reset the handle");
    CHECK_MPI(MPI_Type_free(&hv));
    CHECK_MPI(MPI_Type_free(&s));
    CHECK_MPI(MPI_Type_free(&r));
    CHECK_MPI(MPI_Type_free(&c2));
}

/* Envelope and contents of the list constructors, including a derived old type that comes
 * back as a new handle the caller frees. */
static void check_contents(void)
{
    MPI_Datatype v, st, got[2], sub, sub_c, con_c;
    int bl[2] = {2, 1}, ints[8], sizes[2] = {4, 6}, subs[2] = {2, 3}, starts[2] = {1, 2};
    MPI_Aint d[2] = {0, 64}, addrs[4];
    MPI_Datatype ty[2];
    MPI_Count ni, na, nc, nd, counts[8], csz[2] = {4, 6}, csub[2] = {2, 3}, cst[2] = {1, 2};
    int comb;

    CHECK_MPI(MPI_Type_vector(2, 1, 3, MPI_FLOAT, &v));
    ty[0] = v;
    ty[1] = MPI_SHORT;
    CHECK_MPI(MPI_Type_create_struct(2, bl, d, ty, &st));
    expect_envelope(st, 3, 2, 2, MPI_COMBINER_STRUCT, "struct");
    CHECK_MPI(MPI_Type_get_contents(st, 3, 2, 2, ints, addrs, got));
    CHECK(ints[0] == 2 && ints[1] == 2 && ints[2] == 1, "struct contents: integers");
    CHECK(addrs[0] == 0 && addrs[1] == 64, "struct contents: addresses");
    CHECK(got[1] == MPI_SHORT, "struct contents: a predefined type comes back as itself");
    expect_envelope(got[0], 3, 0, 1, MPI_COMBINER_VECTOR, "struct contents: the vector");
    /* the returned vector is the user's to free, and freeing it leaves v and st intact */
    CHECK_MPI(MPI_Type_free(&got[0]));
    CHECK_MPI(MPI_Type_free(&v));
    expect_envelope(st, 3, 2, 2, MPI_COMBINER_STRUCT, "struct after freeing its parts");
    CHECK_MPI(MPI_Type_free(&st));

    CHECK_MPI(MPI_Type_create_subarray(2, sizes, subs, starts, MPI_ORDER_FORTRAN, MPI_INT, &sub));
    expect_envelope(sub, 8, 0, 1, MPI_COMBINER_SUBARRAY, "subarray");
    CHECK_MPI(MPI_Type_get_contents(sub, 8, 0, 1, ints, addrs, got));
    CHECK(ints[0] == 2 && ints[1] == 4 && ints[3] == 2 && ints[6] == 2
              && ints[7] == MPI_ORDER_FORTRAN && got[0] == MPI_INT,
          "subarray contents");
    CHECK_MPI(MPI_Type_free(&sub));

    /* large-count constructors: every count is a large count, and the classic query refuses */
    CHECK_MPI(MPI_Type_create_subarray_c(2, csz, csub, cst, MPI_ORDER_C, MPI_INT, &sub_c));
    CHECK_MPI(MPI_Type_get_envelope_c(sub_c, &ni, &na, &nc, &nd, &comb));
    CHECK(ni == 2 && na == 0 && nc == 6 && nd == 1 && comb == MPI_COMBINER_SUBARRAY,
          "subarray_c envelope %lld/%lld/%lld/%lld", (long long) ni, (long long) na, (long long) nc,
          (long long) nd);
    CHECK_MPI(MPI_Type_get_contents_c(sub_c, 2, 0, 6, 1, ints, addrs, counts, got));
    CHECK(ints[0] == 2 && ints[1] == MPI_ORDER_C && counts[0] == 4 && counts[5] == 2,
          "subarray_c contents");
    CHECK(MPI_Type_get_envelope(sub_c, &ints[0], &ints[1], &ints[2], &comb) == MPI_ERR_TYPE,
          "the classic envelope of a _c type must be MPI_ERR_TYPE");
    expect_bounds(sub_c, 24, 0, 96, 32, 36, "subarray_c 4x6 C order");
    CHECK_MPI(MPI_Type_free(&sub_c));
    CHECK_MPI(MPI_Type_contiguous_c(5, MPI_DOUBLE, &con_c));
    CHECK_MPI(MPI_Type_get_envelope_c(con_c, &ni, &na, &nc, &nd, &comb));
    CHECK(ni == 0 && nc == 1 && comb == MPI_COMBINER_CONTIGUOUS, "contiguous_c envelope");
    CHECK_MPI(MPI_Type_free(&con_c));

    expect_envelope(MPI_DOUBLE, 0, 0, 0, MPI_COMBINER_NAMED, "MPI_DOUBLE");
    CHECK(MPI_Type_get_contents(MPI_DOUBLE, 0, 0, 0, ints, addrs, got) == MPI_ERR_TYPE,
          "contents of a named type must be MPI_ERR_TYPE");
}

static int copies, deletes;

static int copy_fn(MPI_Datatype t, int key, void *extra, void *in, void *out, int *flag)
{
    (void) t;
    (void) key;
    (void) extra;
    copies++;
    *(void **) out = (char *) in + 1;
    *flag = 1;
    return MPI_SUCCESS;
}

static int delete_fn(MPI_Datatype t, int key, void *val, void *extra)
{
    (void) t;
    (void) key;
    (void) val;
    (void) extra;
    deletes++;
    return MPI_SUCCESS;
}

static void check_names_attrs(void)
{
    char name[MPI_MAX_OBJECT_NAME];
    int len, key, dupkey, flag;
    MPI_Datatype t, d;
    void *val;

    CHECK_MPI(MPI_Type_get_name(MPI_INT, name, &len));
    CHECK(strcmp(name, "MPI_INT") == 0 && len == 7, "MPI_INT's name is '%s'", name);
    CHECK_MPI(MPI_Type_contiguous(4, MPI_INT, &t));
    CHECK_MPI(MPI_Type_get_name(t, name, &len));
    CHECK(len == 0 && name[0] == '\0', "a new type has an empty name");
    CHECK_MPI(MPI_Type_set_name(t, "four ints"));
    CHECK_MPI(MPI_Type_get_name(t, name, &len));
    CHECK(strcmp(name, "four ints") == 0 && len == 9, "set_name then get_name: '%s'", name);

    CHECK_MPI(MPI_Type_create_keyval(copy_fn, delete_fn, &key, NULL));
    CHECK_MPI(MPI_Type_create_keyval(MPI_TYPE_DUP_FN, MPI_TYPE_NULL_DELETE_FN, &dupkey, NULL));
    CHECK_MPI(MPI_Type_set_attr(t, key, (void *) 100));
    CHECK_MPI(MPI_Type_set_attr(t, dupkey, (void *) 7));
    CHECK_MPI(MPI_Type_set_attr(t, key, (void *) 200)); /* replaces: one delete */
    CHECK(deletes == 1, "overwriting an attribute ran %d delete callbacks", deletes);
    CHECK_MPI(MPI_Type_dup(t, &d));
    CHECK(copies == 1, "MPI_Type_dup ran %d copy callbacks", copies);
    CHECK_MPI(MPI_Type_get_attr(d, key, &val, &flag));
    CHECK(flag && val == (void *) 201, "the copy callback's value on the dup");
    CHECK_MPI(MPI_Type_get_attr(d, dupkey, &val, &flag));
    CHECK(flag && val == (void *) 7, "MPI_TYPE_DUP_FN copies the value");
    CHECK_MPI(MPI_Type_free(&d));
    CHECK(deletes == 2, "freeing the dup ran the delete callback (%d)", deletes);
    CHECK_MPI(MPI_Type_delete_attr(t, key));
    CHECK(deletes == 3, "MPI_Type_delete_attr");
    CHECK_MPI(MPI_Type_get_attr(t, key, &val, &flag));
    CHECK(!flag, "a deleted attribute is gone");
    /* predefined types cache attributes too */
    CHECK_MPI(MPI_Type_set_attr(MPI_DOUBLE, key, (void *) 1));
    CHECK_MPI(MPI_Type_delete_attr(MPI_DOUBLE, key));
    CHECK(deletes == 4, "delete on a predefined type's attribute");
    CHECK_MPI(MPI_Type_free_keyval(&key));
    CHECK(key == MPI_KEYVAL_INVALID, "MPI_Type_free_keyval resets the keyval");
    CHECK_MPI(MPI_Type_free(&t)); /* dupkey's attribute goes with it (no callback) */
    CHECK_MPI(MPI_Type_free_keyval(&dupkey));
}

static void check_misc(void)
{
    MPI_Datatype t;
    double a[10];
    MPI_Aint p0, p5;

    CHECK_MPI(MPI_Type_match_size(MPI_TYPECLASS_INTEGER, sizeof(int), &t));
    CHECK(t == MPI_INT, "match_size(integer, sizeof(int))");
    CHECK_MPI(MPI_Type_match_size(MPI_TYPECLASS_REAL, 8, &t));
    CHECK(t == MPI_DOUBLE, "match_size(real, 8)");
    CHECK_MPI(MPI_Type_match_size(MPI_TYPECLASS_COMPLEX, 16, &t));
    CHECK(t == MPI_C_DOUBLE_COMPLEX, "match_size(complex, 16)");
    CHECK(MPI_Type_match_size(MPI_TYPECLASS_REAL, 3, &t) == MPI_ERR_ARG, "match_size(real, 3)");
    CHECK_MPI(MPI_Get_address(&a[0], &p0));
    CHECK_MPI(MPI_Get_address(&a[5], &p5));
    CHECK(MPI_Aint_diff(p5, p0) == 5 * (MPI_Aint) sizeof(double), "MPI_Aint_diff");
    CHECK(MPI_Aint_add(p0, 40) == p5, "MPI_Aint_add");
}

/* Each bad argument reports the class the standard gives it (MPI_ERRORS_RETURN is set). */
static void check_errors(void)
{
    MPI_Datatype t = MPI_DATATYPE_NULL, ok;
    int sizes[1] = {4}, subs[1] = {2}, bad_start[1] = {3}, bl[1] = {-1}, d[1] = {0};
    int gs[1] = {8}, dist[1] = {MPI_DISTRIBUTE_BLOCK}, darg[1] = {MPI_DISTRIBUTE_DFLT_DARG};
    int ps[1] = {2}, key = 12345;
    MPI_Aint size;

    CHECK(MPI_Type_contiguous(-1, MPI_INT, &t) == MPI_ERR_COUNT, "negative count");
    CHECK(MPI_Type_vector(2, 1, 2, MPI_DATATYPE_NULL, &t) == MPI_ERR_TYPE, "null old type");
    CHECK(MPI_Type_indexed(1, bl, d, MPI_INT, &t) == MPI_ERR_ARG, "negative block length");
    CHECK(MPI_Type_create_subarray(1, sizes, subs, bad_start, MPI_ORDER_C, MPI_INT, &t)
              == MPI_ERR_ARG,
          "subarray start out of range");
    CHECK(MPI_Type_create_subarray(1, sizes, subs, d, 99, MPI_INT, &t) == MPI_ERR_ARG, "bad order");
    CHECK(MPI_Type_create_darray(3, 0, 1, gs, dist, darg, ps, MPI_ORDER_C, MPI_INT, &t)
              == MPI_ERR_ARG,
          "darray grid of 2 for size 3");
    ok = MPI_INT;
    CHECK(MPI_Type_free(&ok) == MPI_ERR_TYPE, "freeing a predefined type");
    CHECK(MPI_Type_commit(NULL) == MPI_ERR_ARG, "commit of NULL");
    CHECK(MPI_Type_set_attr(MPI_INT, key, NULL) == MPI_ERR_KEYVAL, "unknown keyval");
    CHECK(MPI_Pack_external_size("native", 1, MPI_INT, &size) == MPI_ERR_UNSUPPORTED_DATAREP,
          "a data representation other than external32");
    CHECK(t == MPI_DATATYPE_NULL, "failed constructors leave newtype alone");
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    check_init("dt_types");
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    check_layouts();
    check_contents();
    check_names_attrs();
    check_misc();
    check_errors();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    MPI_Finalize();
    return 0;
}

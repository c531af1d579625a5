/* dt_select: MPI_Type_create_f90_integer / real / complex pick the sized Fortran type that
 * SELECTED_INT_KIND / SELECTED_REAL_KIND would (boundaries of every kind, MPI_UNDEFINED for
 * p or r), the type works in a reduction, cannot be freed, and ranges no kind has give
 * MPI_ERR_ARG; MPI_Type_get_value_index gives each MINLOC/MAXLOC pair type (used in an
 * Allreduce MINLOC), MPI_DATATYPE_NULL for pairs with no predefined type, MPI_ERR_TYPE for
 * bad handles; all under MPI_ERRORS_RETURN. */
#include "check.h"

#include <stdint.h>

static void check_int(int r, MPI_Datatype want, const char *name)
{
    MPI_Datatype t = MPI_DATATYPE_NULL;

    CHECK_MPI(MPI_Type_create_f90_integer(r, &t));
    CHECK(t == want, "f90_integer(%d) is not %s", r, name);
}

static void check_real(int p, int r, MPI_Datatype want_real, MPI_Datatype want_cplx,
                       const char *name)
{
    MPI_Datatype t = MPI_DATATYPE_NULL, c = MPI_DATATYPE_NULL;

    CHECK_MPI(MPI_Type_create_f90_real(p, r, &t));
    CHECK_MPI(MPI_Type_create_f90_complex(p, r, &c));
    CHECK(t == want_real && c == want_cplx, "f90_real/complex(%d, %d) is not %s", p, r, name);
}

static void check_arg(int ret, const char *what)
{
    CHECK(ret != MPI_SUCCESS && check_errclass(ret) == MPI_ERR_ARG, "%s: got %s", what,
          ret == MPI_SUCCESS ? "MPI_SUCCESS" : check_errstr(ret));
}

static void check_pair(MPI_Datatype v, MPI_Datatype i, MPI_Datatype want, const char *name)
{
    MPI_Datatype t = (MPI_Datatype) 0;

    CHECK_MPI(MPI_Type_get_value_index(v, i, &t));
    CHECK(t == want, "get_value_index for %s: wrong type", name);
}

int main(int argc, char **argv)
{
    MPI_Datatype t, c;
    int rank, np, size, ret;
    int64_t mine, sum;
    struct {
        double v;
        int i;
    } in, out;

    CHECK_MPI(MPI_Init(&argc, &argv));
    check_init("dt_select");
    CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &np));
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));

    /* integers: the smallest kind whose range (decimal digits) is at least r */
    check_int(0, MPI_INTEGER1, "MPI_INTEGER1");
    check_int(2, MPI_INTEGER1, "MPI_INTEGER1");
    check_int(3, MPI_INTEGER2, "MPI_INTEGER2");
    check_int(4, MPI_INTEGER2, "MPI_INTEGER2");
    check_int(5, MPI_INTEGER4, "MPI_INTEGER4");
    check_int(9, MPI_INTEGER4, "MPI_INTEGER4");
    check_int(10, MPI_INTEGER8, "MPI_INTEGER8");
    check_int(18, MPI_INTEGER8, "MPI_INTEGER8");
    check_int(19, MPI_INTEGER16, "MPI_INTEGER16");
    check_int(38, MPI_INTEGER16, "MPI_INTEGER16");
    check_arg(MPI_Type_create_f90_integer(39, &t), "f90_integer(39)");
    check_arg(MPI_Type_create_f90_integer(4, NULL), "f90_integer, newtype NULL");

    /* reals and complexes: precision and range both met */
    check_real(6, 37, MPI_REAL4, MPI_COMPLEX8, "REAL4/COMPLEX8");
    check_real(1, MPI_UNDEFINED, MPI_REAL4, MPI_COMPLEX8, "REAL4/COMPLEX8");
    check_real(7, MPI_UNDEFINED, MPI_REAL8, MPI_COMPLEX16, "REAL8/COMPLEX16");
    check_real(6, 38, MPI_REAL8, MPI_COMPLEX16, "REAL8/COMPLEX16");
    check_real(MPI_UNDEFINED, 307, MPI_REAL8, MPI_COMPLEX16, "REAL8/COMPLEX16");
    check_real(15, 307, MPI_REAL8, MPI_COMPLEX16, "REAL8/COMPLEX16");
    check_real(16, 10, MPI_REAL16, MPI_COMPLEX32, "REAL16/COMPLEX32");
    check_real(MPI_UNDEFINED, 4931, MPI_REAL16, MPI_COMPLEX32, "REAL16/COMPLEX32");
    check_arg(MPI_Type_create_f90_real(34, 10, &t), "f90_real(34, 10)");
    check_arg(MPI_Type_create_f90_complex(6, 5000, &t), "f90_complex(6, 5000)");
    check_arg(MPI_Type_create_f90_real(MPI_UNDEFINED, MPI_UNDEFINED, &t),
              "f90_real(MPI_UNDEFINED, MPI_UNDEFINED)");
    check_arg(MPI_Type_create_f90_complex(6, 37, NULL), "f90_complex, newtype NULL");

    /* what comes back is a real, predefined type */
    CHECK_MPI(MPI_Type_create_f90_real(10, MPI_UNDEFINED, &t));
    CHECK_MPI(MPI_Type_size(t, &size));
    CHECK(size == 8, "f90_real(10) has size %d", size);
    CHECK_MPI(MPI_Type_create_f90_complex(10, MPI_UNDEFINED, &c));
    CHECK_MPI(MPI_Type_size(c, &size));
    CHECK(size == 16, "f90_complex(10) has size %d", size);
    ret = MPI_Type_free(&t);
    CHECK(ret != MPI_SUCCESS && check_errclass(ret) == MPI_ERR_TYPE && t == MPI_REAL8,
          "MPI_Type_free of an f90 type: %s", ret == MPI_SUCCESS ? "freed" : check_errstr(ret));
    CHECK_MPI(MPI_Type_create_f90_integer(15, &t));
    mine = (int64_t) 1 << 40 | rank;
    CHECK_MPI(MPI_Allreduce(&mine, &sum, 1, t, MPI_SUM, MPI_COMM_WORLD));
    CHECK(sum == ((int64_t) np << 40) + (int64_t) np * (np - 1) / 2,
          "Allreduce over f90_integer(15): %lld", (long long) sum);

    /* value/index pairs */
    check_pair(MPI_FLOAT, MPI_INT, MPI_FLOAT_INT, "MPI_FLOAT_INT");
    check_pair(MPI_DOUBLE, MPI_INT, MPI_DOUBLE_INT, "MPI_DOUBLE_INT");
    check_pair(MPI_LONG, MPI_INT, MPI_LONG_INT, "MPI_LONG_INT");
    check_pair(MPI_INT, MPI_INT, MPI_2INT, "MPI_2INT");
    check_pair(MPI_SHORT, MPI_INT, MPI_SHORT_INT, "MPI_SHORT_INT");
    check_pair(MPI_LONG_DOUBLE, MPI_INT, MPI_LONG_DOUBLE_INT, "MPI_LONG_DOUBLE_INT");
    check_pair(MPI_REAL, MPI_REAL, MPI_2REAL, "MPI_2REAL");
    check_pair(MPI_DOUBLE_PRECISION, MPI_DOUBLE_PRECISION, MPI_2DOUBLE_PRECISION,
               "MPI_2DOUBLE_PRECISION");
    check_pair(MPI_INTEGER, MPI_INTEGER, MPI_2INTEGER, "MPI_2INTEGER");
    check_pair(MPI_CHAR, MPI_INT, MPI_DATATYPE_NULL, "(MPI_CHAR, MPI_INT)");
    check_pair(MPI_INT, MPI_DOUBLE, MPI_DATATYPE_NULL, "(MPI_INT, MPI_DOUBLE)");
    ret = MPI_Type_get_value_index(MPI_DATATYPE_NULL, MPI_INT, &t);
    CHECK(ret != MPI_SUCCESS && check_errclass(ret) == MPI_ERR_TYPE,
          "get_value_index(MPI_DATATYPE_NULL): %s",
          ret == MPI_SUCCESS ? "MPI_SUCCESS" : check_errstr(ret));
    check_arg(MPI_Type_get_value_index(MPI_INT, MPI_INT, NULL), "get_value_index, NULL");

    CHECK_MPI(MPI_Type_get_value_index(MPI_DOUBLE, MPI_INT, &t));
    in.v = 100.0 - rank;
    in.i = rank;
    CHECK_MPI(MPI_Allreduce(&in, &out, 1, t, MPI_MINLOC, MPI_COMM_WORLD));
    CHECK(out.v == 100.0 - (np - 1) && out.i == np - 1, "MINLOC over the pair: %g at %d", out.v,
          out.i);

    CHECK_MPI(MPI_Finalize());
    return 0;
}

/* err_remove: MPI 4.1's MPI_Remove_error_class / code / string. The order rules (a code's
 * string before the code, a class's codes before the class), what a removed value still
 * answers (MPI_Error_class refuses it, adding a code to a removed class fails), that removed
 * values are not handed out again (and all ranks agree on the values), and MPI_ERR_ARG for
 * predefined values, values never added and second removals, under MPI_ERRORS_RETURN. */
#include "check.h"

static void check_arg_error(int ret, const char *what)
{
    CHECK(ret != MPI_SUCCESS && check_errclass(ret) == MPI_ERR_ARG, "%s: got %s, want MPI_ERR_ARG",
          what, ret == MPI_SUCCESS ? "MPI_SUCCESS" : check_errstr(ret));
}

/* `code` is no longer an error code or class. */
static void check_gone(int code, const char *what)
{
    int cls = -7;

    check_arg_error(MPI_Error_class(code, &cls), what);
    CHECK(cls == -7, "%s: MPI_Error_class wrote %d", what, cls);
}

int main(int argc, char **argv)
{
    int cls, c1, c2, cls2, code2, got, len, *last, flag, lo, hi;
    char text[MPI_MAX_ERROR_STRING];

    CHECK_MPI(MPI_Init(&argc, &argv));
    check_init("err_remove");
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));

    CHECK_MPI(MPI_Add_error_class(&cls));
    CHECK_MPI(MPI_Add_error_code(cls, &c1));
    CHECK_MPI(MPI_Add_error_code(cls, &c2));
    CHECK_MPI(MPI_Add_error_string(cls, "the class"));
    CHECK_MPI(MPI_Add_error_string(c1, "code one"));

    /* order: codes before their class, a string before its code */
    check_arg_error(MPI_Remove_error_class(cls), "remove a class that has codes");
    check_arg_error(MPI_Remove_error_code(c1), "remove a code that has a string");
    check_arg_error(MPI_Remove_error_code(cls), "remove_error_code of a class");
    check_arg_error(MPI_Remove_error_class(c2), "remove_error_class of a code");
    CHECK(check_errclass(c1) == cls, "c1 lost its class after failed removals");

    CHECK_MPI(MPI_Remove_error_string(c1));
    CHECK_MPI(MPI_Error_string(c1, text, &len));
    CHECK(strstr(text, "code one") == NULL, "c1's removed string still shows: %s", text);
    check_arg_error(MPI_Remove_error_string(c1), "second remove_error_string");
    check_arg_error(MPI_Remove_error_string(c2), "remove_error_string of a code without one");
    CHECK_MPI(MPI_Remove_error_code(c1));
    check_gone(c1, "removed code c1");
    check_arg_error(MPI_Remove_error_code(c1), "second remove_error_code");
    check_arg_error(MPI_Add_error_string(c1, "again"), "add_error_string to a removed code");

    /* c2 still holds the class */
    check_arg_error(MPI_Remove_error_class(cls), "remove a class that still has c2");
    CHECK(check_errclass(c2) == cls, "c2's class is %d, want %d", check_errclass(c2), cls);
    CHECK_MPI(MPI_Remove_error_code(c2));
    CHECK_MPI(MPI_Error_string(cls, text, &len));
    CHECK(strstr(text, "the class") != NULL, "class string lost: %s", text);
    CHECK_MPI(MPI_Remove_error_class(cls)); /* its string goes with it */
    check_gone(cls, "removed class");
    check_arg_error(MPI_Remove_error_class(cls), "second remove_error_class");
    check_arg_error(MPI_Add_error_code(cls, &got), "add_error_code to a removed class");

    /* predefined values and values never added */
    check_arg_error(MPI_Remove_error_class(MPI_ERR_TRUNCATE), "remove MPI_ERR_TRUNCATE");
    check_arg_error(MPI_Remove_error_code(MPI_ERR_OTHER), "remove_error_code(MPI_ERR_OTHER)");
    check_arg_error(MPI_Remove_error_string(MPI_ERR_ARG), "remove_error_string(MPI_ERR_ARG)");
    check_arg_error(MPI_Remove_error_class(MPI_SUCCESS), "remove MPI_SUCCESS");
    check_arg_error(MPI_Remove_error_code(cls + 1000), "remove a code never added");
    check_arg_error(MPI_Remove_error_string(-5), "remove_error_string(-5)");
    CHECK(check_errclass(MPI_ERR_TRUNCATE) == MPI_ERR_TRUNCATE, "MPI_ERR_TRUNCATE changed");

    /* new values are new, and every rank has the same ones */
    CHECK_MPI(MPI_Add_error_class(&cls2));
    CHECK_MPI(MPI_Add_error_code(cls2, &code2));
    CHECK(cls2 > c2 && code2 > cls2, "after removals: class %d code %d, last removed %d", cls2,
          code2, c2);
    CHECK_MPI(MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_LASTUSEDCODE, &last, &flag));
    CHECK(flag && *last >= code2, "MPI_LASTUSEDCODE %d below %d", flag ? *last : -1, code2);
    CHECK_MPI(MPI_Allreduce(&code2, &lo, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
    CHECK_MPI(MPI_Allreduce(&code2, &hi, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
    CHECK(lo == hi, "ranks disagree on the new code: %d..%d", lo, hi);
    CHECK_MPI(MPI_Remove_error_code(code2));
    CHECK_MPI(MPI_Remove_error_class(cls2));

    CHECK_MPI(MPI_Finalize());
    return 0;
}

/* status_helpers: statuses the program fills itself.
 *  - MPI_Status_set_elements(_x/_c) then MPI_Get_count give the count back, for several types
 *    and for counts whose byte size needs more than 32 bits;
 *  - MPI_Status_set_cancelled / MPI_Test_cancelled, and a received message is not cancelled;
 *  - MPI_Status_get/set_source/tag/error, also on a status from a real receive;
 *  - errors: MPI_STATUS_IGNORE is MPI_ERR_ARG, MPI_DATATYPE_NULL MPI_ERR_TYPE, a negative count
 *    MPI_ERR_COUNT, unless KURIR_API_CHECKS=no turned that check off. */
#include "check.h"

#include <stdbool.h>

static int rank, np;

static void set_and_count(void)
{
    static const MPI_Datatype types[] = {MPI_CHAR, MPI_INT, MPI_DOUBLE, MPI_BYTE, MPI_INT64_T};
    MPI_Status st;
    int n = -1, flag = -1;

    memset(&st, 0, sizeof(st));
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        for (int want = 0; want < 1000; want += 333) {
            CHECK_MPI(MPI_Status_set_elements(&st, types[i], want));
            CHECK_MPI(MPI_Get_count(&st, types[i], &n));
            CHECK(n == want, "type %zu: set %d elements, MPI_Get_count gives %d", i, want, n);
        }
    }
    /* 2^31 doubles are 2^34 bytes: too many for MPI_Get_count's int */
    CHECK_MPI(MPI_Status_set_elements_c(&st, MPI_DOUBLE, (MPI_Count) 1 << 31));
    CHECK_MPI(MPI_Get_count(&st, MPI_DOUBLE, &n));
    CHECK(n == MPI_UNDEFINED, "2^31 doubles give count %d, want MPI_UNDEFINED", n);
    CHECK_MPI(MPI_Status_set_elements_x(&st, MPI_INT, 5));
    CHECK_MPI(MPI_Get_count(&st, MPI_INT, &n));
    CHECK(n == 5, "MPI_Status_set_elements_x(5) then MPI_Get_count gives %d", n);
    /* 5 ints are 20 bytes: not a whole number of doubles */
    CHECK_MPI(MPI_Get_count(&st, MPI_DOUBLE, &n));
    CHECK(n == MPI_UNDEFINED, "20 bytes as doubles give %d, want MPI_UNDEFINED", n);

    CHECK_MPI(MPI_Test_cancelled(&st, &flag));
    CHECK(flag == 0, "a fresh status is cancelled");
    CHECK_MPI(MPI_Status_set_cancelled(&st, 1));
    CHECK_MPI(MPI_Test_cancelled(&st, &flag));
    CHECK(flag == 1, "MPI_Status_set_cancelled(1) did not stick");
    CHECK_MPI(MPI_Get_count(&st, MPI_INT, &n));
    CHECK(n == 5, "setting the cancelled flag changed the count to %d", n);
    CHECK_MPI(MPI_Status_set_cancelled(&st, 0));
    CHECK_MPI(MPI_Test_cancelled(&st, &flag));
    CHECK(flag == 0, "MPI_Status_set_cancelled(0) did not stick");
}

static void fields_of_a_receive(void)
{
    int out[3] = {rank, rank, rank}, in[3], v = -1, n = -1, flag = -1;
    int next = (rank + 1) % np, prev = (rank + np - 1) % np;
    MPI_Status st;

    CHECK_MPI(MPI_Sendrecv(out, 3, MPI_INT, next, 40 + rank, in, 3, MPI_INT, MPI_ANY_SOURCE,
                           MPI_ANY_TAG, MPI_COMM_WORLD, &st));
    CHECK_MPI(MPI_Status_get_source(&st, &v));
    CHECK(v == prev, "MPI_Status_get_source gives %d, want %d", v, prev);
    CHECK_MPI(MPI_Status_get_tag(&st, &v));
    CHECK(v == 40 + prev, "MPI_Status_get_tag gives %d, want %d", v, 40 + prev);
    CHECK_MPI(MPI_Test_cancelled(&st, &flag));
    CHECK(flag == 0, "a received message is cancelled");

    CHECK_MPI(MPI_Status_set_source(&st, 12345));
    CHECK_MPI(MPI_Status_set_tag(&st, 777));
    CHECK_MPI(MPI_Status_set_error(&st, MPI_ERR_PENDING));
    CHECK(st.MPI_SOURCE == 12345 && st.MPI_TAG == 777 && st.MPI_ERROR == MPI_ERR_PENDING,
          "the setters wrote source %d tag %d error %d", st.MPI_SOURCE, st.MPI_TAG, st.MPI_ERROR);
    CHECK_MPI(MPI_Status_get_error(&st, &v));
    CHECK(v == MPI_ERR_PENDING, "MPI_Status_get_error gives %d", v);
    CHECK_MPI(MPI_Get_count(&st, MPI_INT, &n));
    CHECK(n == 3, "the setters changed the count to %d", n);
}

static void errors(bool checks)
{
    MPI_Status st;
    int v, ret;

    memset(&st, 0, sizeof(st));
    ret = MPI_Status_set_elements(MPI_STATUS_IGNORE, MPI_INT, 1);
    CHECK(ret == MPI_ERR_ARG, "setting elements of MPI_STATUS_IGNORE gave %d", ret);
    ret = MPI_Test_cancelled(MPI_STATUS_IGNORE, &v);
    CHECK(ret == MPI_ERR_ARG, "MPI_Test_cancelled(MPI_STATUS_IGNORE) gave %d", ret);
    ret = MPI_Test_cancelled(&st, NULL);
    CHECK(ret == MPI_ERR_ARG, "MPI_Test_cancelled with flag NULL gave %d", ret);
    ret = MPI_Status_get_tag(&st, NULL);
    CHECK(ret == MPI_ERR_ARG, "MPI_Status_get_tag with tag NULL gave %d", ret);
    ret = MPI_Status_set_source(MPI_STATUS_IGNORE, 1);
    CHECK(ret == MPI_ERR_ARG, "MPI_Status_set_source(MPI_STATUS_IGNORE) gave %d", ret);
    ret = MPI_Status_set_elements(&st, MPI_DATATYPE_NULL, 1);
    CHECK(ret == MPI_ERR_TYPE, "setting elements of MPI_DATATYPE_NULL gave %d", ret);
    ret = MPI_Status_set_elements_c(&st, MPI_INT, -2);
    CHECK(ret == (checks ? MPI_ERR_COUNT : MPI_SUCCESS),
          "a negative count gave %d with argument checks %s", ret, checks ? "on" : "off");
}

int main(int argc, char **argv)
{
    const char *env;
    bool checks;

    MPI_Init(&argc, &argv);
    check_init("status_helpers");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    env = getenv("KURIR_API_CHECKS");
    checks = env == NULL || strcmp(env, "no") != 0;

    set_and_count();
    fields_of_a_receive();
    errors(checks);

    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0) {
        printf("status_helpers: statuses checked (argument checks %s)\n", checks ? "on" : "off");
    }
    MPI_Finalize();
    return 0;
}

/* mpi.h must compile in every C dialect a user may pick. Automake builds this file twice,
 * with -std=c89 and -std=c99, both with -pedantic-errors -Werror; test_abi.c covers C11. */
#include <mpi.h>

#include <stdio.h>

/* No static assertions before C11: a negative array size stops the build instead. */
#define C_CHECK(name, cond) typedef char name[(cond) ? 1 : -1]

C_CHECK(status_size, sizeof(MPI_Status) == 32);
C_CHECK(aint_size, sizeof(MPI_Aint) == sizeof(void *));
C_CHECK(offset_size, sizeof(MPI_Offset) == 8);
C_CHECK(fint_size, sizeof(MPI_Fint) == 4);
C_CHECK(any_tag, MPI_ANY_TAG == -2);
C_CHECK(lastcode, MPI_ERR_LASTCODE == 0x3fff);

static int user_fn_seen;

/* A user reduction with the standard's callback type must convert without a cast. */
static void my_sum(void *in, void *inout, int *len, MPI_Datatype *dt)
{
    (void) in;
    (void) inout;
    (void) len;
    (void) dt;
    user_fn_seen = 1;
}

int main(void)
{
    MPI_User_function *fn = my_sum;
    MPI_Status st;
    MPI_Datatype dt = MPI_DOUBLE;
    int ok;

    st.MPI_SOURCE = MPI_ANY_SOURCE;
    st.MPI_TAG = MPI_ANY_TAG;
    st.MPI_ERROR = MPI_SUCCESS;
    fn(NULL, NULL, NULL, &dt);
    ok = user_fn_seen && st.MPI_SOURCE == -1 && dt != MPI_DATATYPE_NULL && MPI_STATUS_IGNORE == NULL
         && MPI_IN_PLACE != MPI_BOTTOM;
    printf("%d passed, %d failed\n", ok ? 1 : 0, ok ? 0 : 1);
    return ok ? 0 : 1;
}

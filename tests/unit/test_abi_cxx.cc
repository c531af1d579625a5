/* mpi.h must compile as C++ (built with -std=c++98 -pedantic-errors -Werror) and give C++
 * programs the same symbols as any other standard-ABI header: handle and callback types must
 * mangle by the ABI's struct tags, since they appear in the names of user C++ functions. */
#include <mpi.h>

#include <cstdio>
#include <cstring>
#include <typeinfo>

/* C++98 has no static_assert: a negative array size stops the build instead. */
#define CXX_CHECK(name, cond) typedef char name[(cond) ? 1 : -1]

CXX_CHECK(status_size, sizeof(MPI_Status) == 32);
CXX_CHECK(handle_size, sizeof(MPI_Comm) == sizeof(void *));
CXX_CHECK(count_size, sizeof(MPI_Count) == 8);
CXX_CHECK(undefined_value, MPI_UNDEFINED == -32766);
CXX_CHECK(thread_order, MPI_THREAD_SINGLE < MPI_THREAD_MULTIPLE);

static int failures;

static void expect_name(const char *what, const char *got, const char *want)
{
    if (std::strcmp(got, want) != 0) {
        std::printf("FAIL %s mangles as %s, expected %s\n", what, got, want);
        failures++;
    }
}

int main()
{
    int ok = 0;

    /* Integer constants must be usable where C++ deduces a type, e.g. in std::max-like
     * templates, which needs them to be plain int. */
    ok += sizeof(MPI_ANY_SOURCE) == sizeof(int);
    ok += MPI_COMM_WORLD != MPI_COMM_SELF;
    ok += MPI_IN_PLACE != MPI_BOTTOM;
    if (ok != 3) {
        std::printf("FAIL basic constants\n");
        failures++;
    }

#if defined(__GXX_ABI_VERSION)
    /* Itanium C++ ABI names (GCC, Clang): these are what C++ code linking against
     * libmpi_abi sees, so they must match every other standard-ABI mpi.h. */
    expect_name("MPI_Comm", typeid(MPI_Comm).name(), "P12MPI_ABI_Comm");
    expect_name("MPI_Datatype", typeid(MPI_Datatype).name(), "P16MPI_ABI_Datatype");
    expect_name("MPI_Op", typeid(MPI_Op).name(), "P10MPI_ABI_Op");
    expect_name("MPI_Request", typeid(MPI_Request).name(), "P15MPI_ABI_Request");
    expect_name("MPI_Session", typeid(MPI_Session).name(), "P15MPI_ABI_Session");
    expect_name("MPI_Status", typeid(MPI_Status).name(), "10MPI_Status");
    expect_name("MPI_F08_status", typeid(MPI_F08_status).name(), "14MPI_F08_status");
    expect_name("MPI_T_enum", typeid(MPI_T_enum).name(), "P12MPI_T_enum_t");
    expect_name("MPI_T_cb_safety", typeid(MPI_T_cb_safety).name(), "15MPI_T_cb_safety");
    expect_name("MPI_User_function", typeid(MPI_User_function).name(),
                "FvPvS_PiPP16MPI_ABI_DatatypeE");
    expect_name("MPI_Comm_errhandler_function", typeid(MPI_Comm_errhandler_function).name(),
                "FvPP12MPI_ABI_CommPizE");
    expect_name("MPI_Comm_copy_attr_function", typeid(MPI_Comm_copy_attr_function).name(),
                "FiP12MPI_ABI_CommiPvS1_S1_PiE");
    /* typeid does not evaluate its operand, so no library is needed to link this. */
    expect_name("MPI_Send", typeid(&MPI_Send).name(),
                "PFiPKviP16MPI_ABI_DatatypeiiP12MPI_ABI_CommE");
    expect_name("MPI_Recv", typeid(&MPI_Recv).name(),
                "PFiPviP16MPI_ABI_DatatypeiiP12MPI_ABI_CommP10MPI_StatusE");
    expect_name("MPI_Allreduce", typeid(&MPI_Allreduce).name(),
                "PFiPKvPviP16MPI_ABI_DatatypeP10MPI_ABI_OpP12MPI_ABI_CommE");
    expect_name("MPI_Get_count", typeid(&MPI_Get_count).name(),
                "PFiPK10MPI_StatusP16MPI_ABI_DatatypePiE");
    expect_name("MPI_Waitall", typeid(&PMPI_Waitall).name(),
                "PFiiPP15MPI_ABI_RequestP10MPI_StatusE");
    expect_name("MPI_Wtime", typeid(&MPI_Wtime).name(), "PFdvE");
#endif

    std::printf("%d passed, %d failed\n", failures == 0 ? 1 : 0, failures == 0 ? 0 : 1);
    return failures == 0 ? 0 : 1;
}

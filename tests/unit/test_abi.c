/* Pins the standard ABI: sizes and layouts of the public types, the type of every handle
 * constant, the value of every predefined handle and integer constant, and the exact
 * prototype of every function mpi.h declares. The expected numbers are written out here, not
 * taken from mpi.h, so any edit to mpi.h that would break binary compatibility fails. */
#include <mpi.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* The handle's C type must be exactly `type` and its value `v`. */
#define EXPECT_TYPED(h, type, v)                                                                   \
    do {                                                                                           \
        assert_true(_Generic((h), type : 1, default : 0));                                         \
        assert_int_equal((uintptr_t) (h), (uintptr_t) (v));                                        \
    } while (0)
/* The constant must be a plain int, not merely convertible to one. */
#define EXPECT_INT(c, v)                                                                           \
    do {                                                                                           \
        assert_true(_Generic((c), int : 1, default : 0));                                          \
        assert_int_equal((c), (v));                                                                \
    } while (0)
/* MPI_X and PMPI_X must both have exactly the function type `ftype`. _Generic does not
 * evaluate its operand, so this needs no definition of the function at link time. */
#define EXPECT_FN(name, ftype)                                                                     \
    do {                                                                                           \
        assert_true(_Generic(&MPI_##name, ftype * : 1, default : 0));                              \
        assert_true(_Generic(&PMPI_##name, ftype * : 1, default : 0));                             \
    } while (0)

static void abi_scalar_types(void **state)
{
    (void) state;
    assert_true(_Generic((MPI_Aint) 0, intptr_t : 1, default : 0));
    assert_true(_Generic((MPI_Offset) 0, int64_t : 1, default : 0));
    assert_true(_Generic((MPI_Count) 0, int64_t : 1, default : 0));
    assert_true(_Generic((MPI_Fint) 0, int : 1, default : 0));
    assert_int_equal(sizeof(MPI_Aint), sizeof(void *));
    assert_int_equal(sizeof(MPI_Offset), 8);
    assert_int_equal(sizeof(MPI_Count), 8);
    assert_int_equal(sizeof(MPI_Fint), 4);
    /* every handle is one pointer wide */
    assert_int_equal(sizeof(MPI_Comm), sizeof(void *));
    assert_int_equal(sizeof(MPI_Datatype), sizeof(void *));
    assert_int_equal(sizeof(MPI_Request), sizeof(void *));
}

static void abi_status_layout(void **state)
{
    (void) state;
    assert_int_equal(sizeof(MPI_Status), 32);
    assert_int_equal(offsetof(MPI_Status, MPI_SOURCE), 0);
    assert_int_equal(offsetof(MPI_Status, MPI_TAG), 4);
    assert_int_equal(offsetof(MPI_Status, MPI_ERROR), 8);
    assert_int_equal(offsetof(MPI_Status, MPI_internal), 12);
    assert_int_equal(sizeof(((MPI_Status *) 0)->MPI_internal), 5 * sizeof(int));
    assert_int_equal(sizeof(MPI_F08_status), 32);
    assert_int_equal(offsetof(MPI_F08_status, MPI_SOURCE), 0);
    assert_int_equal(offsetof(MPI_F08_status, MPI_TAG), 4);
    assert_int_equal(offsetof(MPI_F08_status, MPI_ERROR), 8);
    assert_int_equal(offsetof(MPI_F08_status, MPI_internal), 12);
}

static void abi_versions(void **state)
{
    (void) state;
    EXPECT_INT(MPI_VERSION, 5);
    EXPECT_INT(MPI_SUBVERSION, 0);
    EXPECT_INT(MPI_ABI_VERSION, 1);
    EXPECT_INT(MPI_ABI_SUBVERSION, 0);
    EXPECT_INT(KURIR_VERSION_MAJOR, 0);
    EXPECT_INT(KURIR_VERSION_MINOR, 1);
    EXPECT_INT(KURIR_VERSION_PATCH, 0);
}

static void abi_handles(void **state)
{
    (void) state;
    EXPECT_TYPED(MPI_OP_NULL, MPI_Op, 0x020);
    EXPECT_TYPED(MPI_SUM, MPI_Op, 0x021);
    EXPECT_TYPED(MPI_MIN, MPI_Op, 0x022);
    EXPECT_TYPED(MPI_MAX, MPI_Op, 0x023);
    EXPECT_TYPED(MPI_PROD, MPI_Op, 0x024);
    EXPECT_TYPED(MPI_BAND, MPI_Op, 0x028);
    EXPECT_TYPED(MPI_BOR, MPI_Op, 0x029);
    EXPECT_TYPED(MPI_BXOR, MPI_Op, 0x02a);
    EXPECT_TYPED(MPI_LAND, MPI_Op, 0x030);
    EXPECT_TYPED(MPI_LOR, MPI_Op, 0x031);
    EXPECT_TYPED(MPI_LXOR, MPI_Op, 0x032);
    EXPECT_TYPED(MPI_MINLOC, MPI_Op, 0x038);
    EXPECT_TYPED(MPI_MAXLOC, MPI_Op, 0x039);
    EXPECT_TYPED(MPI_REPLACE, MPI_Op, 0x03c);
    EXPECT_TYPED(MPI_NO_OP, MPI_Op, 0x03d);
    EXPECT_TYPED(MPI_COMM_NULL, MPI_Comm, 0x100);
    EXPECT_TYPED(MPI_COMM_WORLD, MPI_Comm, 0x101);
    EXPECT_TYPED(MPI_COMM_SELF, MPI_Comm, 0x102);
    EXPECT_TYPED(MPI_GROUP_NULL, MPI_Group, 0x108);
    EXPECT_TYPED(MPI_GROUP_EMPTY, MPI_Group, 0x109);
    EXPECT_TYPED(MPI_WIN_NULL, MPI_Win, 0x110);
    EXPECT_TYPED(MPI_FILE_NULL, MPI_File, 0x118);
    EXPECT_TYPED(MPI_SESSION_NULL, MPI_Session, 0x120);
    EXPECT_TYPED(MPI_MESSAGE_NULL, MPI_Message, 0x128);
    EXPECT_TYPED(MPI_MESSAGE_NO_PROC, MPI_Message, 0x129);
    EXPECT_TYPED(MPI_INFO_NULL, MPI_Info, 0x130);
    EXPECT_TYPED(MPI_INFO_ENV, MPI_Info, 0x131);
    EXPECT_TYPED(MPI_ERRHANDLER_NULL, MPI_Errhandler, 0x140);
    EXPECT_TYPED(MPI_ERRORS_ARE_FATAL, MPI_Errhandler, 0x141);
    EXPECT_TYPED(MPI_ERRORS_RETURN, MPI_Errhandler, 0x142);
    EXPECT_TYPED(MPI_ERRORS_ABORT, MPI_Errhandler, 0x143);
    EXPECT_TYPED(MPI_REQUEST_NULL, MPI_Request, 0x180);
    EXPECT_TYPED(MPI_T_ENUM_NULL, MPI_T_enum, 0x000);
    EXPECT_TYPED(MPI_T_CVAR_HANDLE_NULL, MPI_T_cvar_handle, 0x000);
    EXPECT_TYPED(MPI_T_PVAR_SESSION_NULL, MPI_T_pvar_session, 0x000);
    EXPECT_TYPED(MPI_T_PVAR_HANDLE_NULL, MPI_T_pvar_handle, 0x000);
    EXPECT_TYPED(MPI_T_PVAR_ALL_HANDLES, MPI_T_pvar_handle, 0x001);
}

/* Datatype handles: the type is checked once per constant through EXPECT_HANDLE. */
#define EXPECT_HANDLE(h, v) EXPECT_TYPED(h, MPI_Datatype, v)

static void abi_datatypes(void **state)
{
    (void) state;
    EXPECT_HANDLE(MPI_DATATYPE_NULL, 0x200);
    EXPECT_HANDLE(MPI_AINT, 0x201);
    EXPECT_HANDLE(MPI_COUNT, 0x202);
    EXPECT_HANDLE(MPI_OFFSET, 0x203);
    EXPECT_HANDLE(MPI_PACKED, 0x207);
    EXPECT_HANDLE(MPI_SHORT, 0x208);
    EXPECT_HANDLE(MPI_INT, 0x209);
    EXPECT_HANDLE(MPI_LONG, 0x20a);
    EXPECT_HANDLE(MPI_LONG_LONG, 0x20b);
    EXPECT_HANDLE(MPI_UNSIGNED_SHORT, 0x20c);
    EXPECT_HANDLE(MPI_UNSIGNED, 0x20d);
    EXPECT_HANDLE(MPI_UNSIGNED_LONG, 0x20e);
    EXPECT_HANDLE(MPI_UNSIGNED_LONG_LONG, 0x20f);
    EXPECT_HANDLE(MPI_FLOAT, 0x210);
    EXPECT_HANDLE(MPI_C_FLOAT_COMPLEX, 0x212);
    EXPECT_HANDLE(MPI_CXX_FLOAT_COMPLEX, 0x213);
    EXPECT_HANDLE(MPI_DOUBLE, 0x214);
    EXPECT_HANDLE(MPI_C_DOUBLE_COMPLEX, 0x216);
    EXPECT_HANDLE(MPI_CXX_DOUBLE_COMPLEX, 0x217);
    EXPECT_HANDLE(MPI_LOGICAL, 0x218);
    EXPECT_HANDLE(MPI_INTEGER, 0x219);
    EXPECT_HANDLE(MPI_REAL, 0x21a);
    EXPECT_HANDLE(MPI_COMPLEX, 0x21b);
    EXPECT_HANDLE(MPI_DOUBLE_PRECISION, 0x21c);
    EXPECT_HANDLE(MPI_DOUBLE_COMPLEX, 0x21d);
    EXPECT_HANDLE(MPI_LONG_DOUBLE, 0x220);
    EXPECT_HANDLE(MPI_C_LONG_DOUBLE_COMPLEX, 0x224);
    EXPECT_HANDLE(MPI_CXX_LONG_DOUBLE_COMPLEX, 0x225);
    EXPECT_HANDLE(MPI_FLOAT_INT, 0x228);
    EXPECT_HANDLE(MPI_DOUBLE_INT, 0x229);
    EXPECT_HANDLE(MPI_LONG_INT, 0x22a);
    EXPECT_HANDLE(MPI_2INT, 0x22b);
    EXPECT_HANDLE(MPI_SHORT_INT, 0x22c);
    EXPECT_HANDLE(MPI_LONG_DOUBLE_INT, 0x22d);
    EXPECT_HANDLE(MPI_2REAL, 0x230);
    EXPECT_HANDLE(MPI_2DOUBLE_PRECISION, 0x231);
    EXPECT_HANDLE(MPI_2INTEGER, 0x232);
    EXPECT_HANDLE(MPI_C_BOOL, 0x238);
    EXPECT_HANDLE(MPI_CXX_BOOL, 0x239);
    EXPECT_HANDLE(MPI_WCHAR, 0x23c);
    EXPECT_HANDLE(MPI_INT8_T, 0x240);
    EXPECT_HANDLE(MPI_UINT8_T, 0x241);
    EXPECT_HANDLE(MPI_CHAR, 0x243);
    EXPECT_HANDLE(MPI_SIGNED_CHAR, 0x244);
    EXPECT_HANDLE(MPI_UNSIGNED_CHAR, 0x245);
    EXPECT_HANDLE(MPI_BYTE, 0x247);
    EXPECT_HANDLE(MPI_INT16_T, 0x248);
    EXPECT_HANDLE(MPI_UINT16_T, 0x249);
    EXPECT_HANDLE(MPI_INT32_T, 0x250);
    EXPECT_HANDLE(MPI_UINT32_T, 0x251);
    EXPECT_HANDLE(MPI_INT64_T, 0x258);
    EXPECT_HANDLE(MPI_UINT64_T, 0x259);
    EXPECT_HANDLE(MPI_LOGICAL1, 0x2c0);
    EXPECT_HANDLE(MPI_INTEGER1, 0x2c1);
    EXPECT_HANDLE(MPI_CHARACTER, 0x2c3);
    EXPECT_HANDLE(MPI_LOGICAL2, 0x2c8);
    EXPECT_HANDLE(MPI_INTEGER2, 0x2c9);
    EXPECT_HANDLE(MPI_REAL2, 0x2ca);
    EXPECT_HANDLE(MPI_LOGICAL4, 0x2d0);
    EXPECT_HANDLE(MPI_INTEGER4, 0x2d1);
    EXPECT_HANDLE(MPI_REAL4, 0x2d2);
    EXPECT_HANDLE(MPI_COMPLEX4, 0x2d3);
    EXPECT_HANDLE(MPI_LOGICAL8, 0x2d8);
    EXPECT_HANDLE(MPI_INTEGER8, 0x2d9);
    EXPECT_HANDLE(MPI_REAL8, 0x2da);
    EXPECT_HANDLE(MPI_COMPLEX8, 0x2db);
    EXPECT_HANDLE(MPI_LOGICAL16, 0x2e0);
    EXPECT_HANDLE(MPI_INTEGER16, 0x2e1);
    EXPECT_HANDLE(MPI_REAL16, 0x2e2);
    EXPECT_HANDLE(MPI_COMPLEX16, 0x2e3);
    EXPECT_HANDLE(MPI_COMPLEX32, 0x2eb);
    /* aliases */
    EXPECT_HANDLE(MPI_LONG_LONG_INT, 0x20b);
    EXPECT_HANDLE(MPI_C_COMPLEX, 0x212);
}

static void abi_error_classes(void **state)
{
    (void) state;
    EXPECT_INT(MPI_F_ERROR, 2);
    EXPECT_INT(MPI_SUCCESS, 0);
    EXPECT_INT(MPI_ERR_BUFFER, 1);
    EXPECT_INT(MPI_ERR_COUNT, 2);
    EXPECT_INT(MPI_ERR_TYPE, 3);
    EXPECT_INT(MPI_ERR_TAG, 4);
    EXPECT_INT(MPI_ERR_COMM, 5);
    EXPECT_INT(MPI_ERR_RANK, 6);
    EXPECT_INT(MPI_ERR_REQUEST, 7);
    EXPECT_INT(MPI_ERR_ROOT, 8);
    EXPECT_INT(MPI_ERR_GROUP, 9);
    EXPECT_INT(MPI_ERR_OP, 10);
    EXPECT_INT(MPI_ERR_TOPOLOGY, 11);
    EXPECT_INT(MPI_ERR_DIMS, 12);
    EXPECT_INT(MPI_ERR_ARG, 13);
    EXPECT_INT(MPI_ERR_UNKNOWN, 14);
    EXPECT_INT(MPI_ERR_TRUNCATE, 15);
    EXPECT_INT(MPI_ERR_OTHER, 16);
    EXPECT_INT(MPI_ERR_INTERN, 17);
    EXPECT_INT(MPI_ERR_PENDING, 18);
    EXPECT_INT(MPI_ERR_IN_STATUS, 19);
    EXPECT_INT(MPI_ERR_ACCESS, 20);
    EXPECT_INT(MPI_ERR_AMODE, 21);
    EXPECT_INT(MPI_ERR_ASSERT, 22);
    EXPECT_INT(MPI_ERR_BAD_FILE, 23);
    EXPECT_INT(MPI_ERR_BASE, 24);
    EXPECT_INT(MPI_ERR_CONVERSION, 25);
    EXPECT_INT(MPI_ERR_DISP, 26);
    EXPECT_INT(MPI_ERR_DUP_DATAREP, 27);
    EXPECT_INT(MPI_ERR_FILE_EXISTS, 28);
    EXPECT_INT(MPI_ERR_FILE_IN_USE, 29);
    EXPECT_INT(MPI_ERR_FILE, 30);
    EXPECT_INT(MPI_ERR_INFO_KEY, 31);
    EXPECT_INT(MPI_ERR_INFO_NOKEY, 32);
    EXPECT_INT(MPI_ERR_INFO_VALUE, 33);
    EXPECT_INT(MPI_ERR_INFO, 34);
    EXPECT_INT(MPI_ERR_IO, 35);
    EXPECT_INT(MPI_ERR_KEYVAL, 36);
    EXPECT_INT(MPI_ERR_LOCKTYPE, 37);
    EXPECT_INT(MPI_ERR_NAME, 38);
    EXPECT_INT(MPI_ERR_NO_MEM, 39);
    EXPECT_INT(MPI_ERR_NOT_SAME, 40);
    EXPECT_INT(MPI_ERR_NO_SPACE, 41);
    EXPECT_INT(MPI_ERR_NO_SUCH_FILE, 42);
    EXPECT_INT(MPI_ERR_PORT, 43);
    EXPECT_INT(MPI_ERR_QUOTA, 44);
    EXPECT_INT(MPI_ERR_READ_ONLY, 45);
    EXPECT_INT(MPI_ERR_RMA_ATTACH, 46);
    EXPECT_INT(MPI_ERR_RMA_CONFLICT, 47);
    EXPECT_INT(MPI_ERR_RMA_RANGE, 48);
    EXPECT_INT(MPI_ERR_RMA_SHARED, 49);
    EXPECT_INT(MPI_ERR_RMA_SYNC, 50);
    EXPECT_INT(MPI_ERR_SERVICE, 51);
    EXPECT_INT(MPI_ERR_SIZE, 52);
    EXPECT_INT(MPI_ERR_SPAWN, 53);
    EXPECT_INT(MPI_ERR_UNSUPPORTED_DATAREP, 54);
    EXPECT_INT(MPI_ERR_UNSUPPORTED_OPERATION, 55);
    EXPECT_INT(MPI_ERR_WIN, 56);
    EXPECT_INT(MPI_ERR_RMA_FLAVOR, 57);
    EXPECT_INT(MPI_ERR_PROC_ABORTED, 58);
    EXPECT_INT(MPI_ERR_VALUE_TOO_LARGE, 59);
    EXPECT_INT(MPI_ERR_SESSION, 60);
    EXPECT_INT(MPI_ERR_ERRHANDLER, 61);
    EXPECT_INT(MPI_T_ERR_CANNOT_INIT, 1001);
    EXPECT_INT(MPI_T_ERR_NOT_ACCESSIBLE, 1002);
    EXPECT_INT(MPI_T_ERR_NOT_INITIALIZED, 1003);
    EXPECT_INT(MPI_T_ERR_NOT_SUPPORTED, 1004);
    EXPECT_INT(MPI_T_ERR_MEMORY, 1005);
    EXPECT_INT(MPI_T_ERR_INVALID, 1006);
    EXPECT_INT(MPI_T_ERR_INVALID_INDEX, 1007);
    EXPECT_INT(MPI_T_ERR_INVALID_ITEM, 1008);
    EXPECT_INT(MPI_T_ERR_INVALID_SESSION, 1009);
    EXPECT_INT(MPI_T_ERR_INVALID_HANDLE, 1010);
    EXPECT_INT(MPI_T_ERR_INVALID_NAME, 1011);
    EXPECT_INT(MPI_T_ERR_OUT_OF_HANDLES, 1012);
    EXPECT_INT(MPI_T_ERR_OUT_OF_SESSIONS, 1013);
    EXPECT_INT(MPI_T_ERR_CVAR_SET_NOT_NOW, 1014);
    EXPECT_INT(MPI_T_ERR_CVAR_SET_NEVER, 1015);
    EXPECT_INT(MPI_T_ERR_PVAR_NO_WRITE, 1016);
    EXPECT_INT(MPI_T_ERR_PVAR_NO_STARTSTOP, 1017);
    EXPECT_INT(MPI_T_ERR_PVAR_NO_ATOMIC, 1018);
    EXPECT_INT(MPI_ERR_LASTCODE, 16383);
    EXPECT_INT(MPI_T_BIND_MPI_ERRHANDLER, 4);
    EXPECT_INT(MPI_MAX_ERROR_STRING, 512);
}

static void abi_int_constants(void **state)
{
    (void) state;
    EXPECT_INT(MPI_F_STATUS_SIZE, 8);
    EXPECT_INT(MPI_F_SOURCE, 0);
    EXPECT_INT(MPI_F_TAG, 1);
    EXPECT_INT(MPI_MODE_APPEND, 1);
    EXPECT_INT(MPI_MODE_CREATE, 2);
    EXPECT_INT(MPI_MODE_DELETE_ON_CLOSE, 4);
    EXPECT_INT(MPI_MODE_EXCL, 8);
    EXPECT_INT(MPI_MODE_RDONLY, 16);
    EXPECT_INT(MPI_MODE_RDWR, 32);
    EXPECT_INT(MPI_MODE_SEQUENTIAL, 64);
    EXPECT_INT(MPI_MODE_UNIQUE_OPEN, 128);
    EXPECT_INT(MPI_MODE_WRONLY, 256);
    EXPECT_INT(MPI_MODE_NOCHECK, 1024);
    EXPECT_INT(MPI_MODE_NOPRECEDE, 2048);
    EXPECT_INT(MPI_MODE_NOPUT, 4096);
    EXPECT_INT(MPI_MODE_NOSTORE, 8192);
    EXPECT_INT(MPI_MODE_NOSUCCEED, 16384);
    EXPECT_INT(MPI_ANY_SOURCE, -1);
    EXPECT_INT(MPI_ANY_TAG, -2);
    EXPECT_INT(MPI_PROC_NULL, -3);
    EXPECT_INT(MPI_ROOT, -4);
    EXPECT_INT(MPI_UNDEFINED, -32766);
    EXPECT_INT(MPI_THREAD_SINGLE, 0);
    EXPECT_INT(MPI_THREAD_FUNNELED, 1);
    EXPECT_INT(MPI_THREAD_SERIALIZED, 2);
    EXPECT_INT(MPI_THREAD_MULTIPLE, 7);
    EXPECT_INT(MPI_ORDER_C, 12);
    EXPECT_INT(MPI_ORDER_FORTRAN, 15);
    EXPECT_INT(MPI_DISTRIBUTE_NONE, 16);
    EXPECT_INT(MPI_DISTRIBUTE_BLOCK, 17);
    EXPECT_INT(MPI_DISTRIBUTE_CYCLIC, 18);
    EXPECT_INT(MPI_DISTRIBUTE_DFLT_DARG, 19);
    EXPECT_INT(MPI_COMBINER_NAMED, 101);
    EXPECT_INT(MPI_COMBINER_DUP, 102);
    EXPECT_INT(MPI_COMBINER_CONTIGUOUS, 103);
    EXPECT_INT(MPI_COMBINER_VECTOR, 104);
    EXPECT_INT(MPI_COMBINER_HVECTOR, 105);
    EXPECT_INT(MPI_COMBINER_INDEXED, 106);
    EXPECT_INT(MPI_COMBINER_HINDEXED, 107);
    EXPECT_INT(MPI_COMBINER_INDEXED_BLOCK, 108);
    EXPECT_INT(MPI_COMBINER_HINDEXED_BLOCK, 109);
    EXPECT_INT(MPI_COMBINER_STRUCT, 110);
    EXPECT_INT(MPI_COMBINER_SUBARRAY, 111);
    EXPECT_INT(MPI_COMBINER_DARRAY, 112);
    EXPECT_INT(MPI_COMBINER_F90_INTEGER, 113);
    EXPECT_INT(MPI_COMBINER_F90_REAL, 114);
    EXPECT_INT(MPI_COMBINER_F90_COMPLEX, 115);
    EXPECT_INT(MPI_COMBINER_RESIZED, 116);
    EXPECT_INT(MPI_COMBINER_VALUE_INDEX, 117);
    EXPECT_INT(MPIX_TYPECLASS_LOGICAL, 191);
    EXPECT_INT(MPI_TYPECLASS_INTEGER, 192);
    EXPECT_INT(MPI_TYPECLASS_REAL, 193);
    EXPECT_INT(MPI_TYPECLASS_COMPLEX, 194);
    EXPECT_INT(MPI_IDENT, 201);
    EXPECT_INT(MPI_CONGRUENT, 202);
    EXPECT_INT(MPI_SIMILAR, 203);
    EXPECT_INT(MPI_UNEQUAL, 204);
    EXPECT_INT(MPI_CART, 211);
    EXPECT_INT(MPI_GRAPH, 212);
    EXPECT_INT(MPI_DIST_GRAPH, 213);
    EXPECT_INT(MPI_COMM_TYPE_SHARED, 221);
    EXPECT_INT(MPI_COMM_TYPE_HW_UNGUIDED, 222);
    EXPECT_INT(MPI_COMM_TYPE_HW_GUIDED, 223);
    EXPECT_INT(MPI_COMM_TYPE_RESOURCE_GUIDED, 224);
    EXPECT_INT(MPI_LOCK_EXCLUSIVE, 301);
    EXPECT_INT(MPI_LOCK_SHARED, 302);
    EXPECT_INT(MPI_WIN_FLAVOR_CREATE, 311);
    EXPECT_INT(MPI_WIN_FLAVOR_ALLOCATE, 312);
    EXPECT_INT(MPI_WIN_FLAVOR_DYNAMIC, 313);
    EXPECT_INT(MPI_WIN_FLAVOR_SHARED, 314);
    EXPECT_INT(MPI_WIN_UNIFIED, 321);
    EXPECT_INT(MPI_WIN_SEPARATE, 322);
    EXPECT_INT(MPI_SEEK_SET, 401);
    EXPECT_INT(MPI_SEEK_CUR, 402);
    EXPECT_INT(MPI_SEEK_END, 403);
    EXPECT_INT(MPI_KEYVAL_INVALID, 0);
    EXPECT_INT(MPI_TAG_UB, 501);
    EXPECT_INT(MPI_IO, 502);
    EXPECT_INT(MPI_HOST, 503);
    EXPECT_INT(MPI_WTIME_IS_GLOBAL, 504);
    EXPECT_INT(MPI_UNIVERSE_SIZE, 505);
    EXPECT_INT(MPI_APPNUM, 506);
    EXPECT_INT(MPI_LASTUSEDCODE, 507);
    EXPECT_INT(MPI_WIN_BASE, 601);
    EXPECT_INT(MPI_WIN_DISP_UNIT, 602);
    EXPECT_INT(MPI_WIN_SIZE, 603);
    EXPECT_INT(MPI_WIN_CREATE_FLAVOR, 604);
    EXPECT_INT(MPI_WIN_MODEL, 605);
    EXPECT_INT(MPI_T_CB_REQUIRE_NONE, 0);
    EXPECT_INT(MPI_T_CB_REQUIRE_MPI_RESTRICTED, 1);
    EXPECT_INT(MPI_T_CB_REQUIRE_THREAD_SAFE, 3);
    EXPECT_INT(MPI_T_CB_REQUIRE_ASYNC_SIGNAL_SAFE, 7);
    EXPECT_INT(MPI_T_SOURCE_ORDERED, 1);
    EXPECT_INT(MPI_T_SOURCE_UNORDERED, 2);
    EXPECT_INT(MPI_T_VERBOSITY_USER_BASIC, 9);
    EXPECT_INT(MPI_T_VERBOSITY_USER_DETAIL, 10);
    EXPECT_INT(MPI_T_VERBOSITY_USER_ALL, 12);
    EXPECT_INT(MPI_T_VERBOSITY_TUNER_BASIC, 17);
    EXPECT_INT(MPI_T_VERBOSITY_TUNER_DETAIL, 18);
    EXPECT_INT(MPI_T_VERBOSITY_TUNER_ALL, 20);
    EXPECT_INT(MPI_T_VERBOSITY_MPIDEV_BASIC, 33);
    EXPECT_INT(MPI_T_VERBOSITY_MPIDEV_DETAIL, 34);
    EXPECT_INT(MPI_T_VERBOSITY_MPIDEV_ALL, 36);
    EXPECT_INT(MPI_T_BIND_NO_OBJECT, 1);
    EXPECT_INT(MPI_T_BIND_MPI_COMM, 2);
    EXPECT_INT(MPI_T_BIND_MPI_DATATYPE, 3);
    EXPECT_INT(MPI_T_BIND_MPI_FILE, 5);
    EXPECT_INT(MPI_T_BIND_MPI_GROUP, 6);
    EXPECT_INT(MPI_T_BIND_MPI_OP, 7);
    EXPECT_INT(MPI_T_BIND_MPI_REQUEST, 8);
    EXPECT_INT(MPI_T_BIND_MPI_WIN, 9);
    EXPECT_INT(MPI_T_BIND_MPI_MESSAGE, 10);
    EXPECT_INT(MPI_T_BIND_MPI_INFO, 11);
    EXPECT_INT(MPI_T_BIND_MPI_SESSION, 12);
    EXPECT_INT(MPI_T_SCOPE_CONSTANT, 1);
    EXPECT_INT(MPI_T_SCOPE_READONLY, 2);
    EXPECT_INT(MPI_T_SCOPE_LOCAL, 3);
    EXPECT_INT(MPI_T_SCOPE_GROUP, 4);
    EXPECT_INT(MPI_T_SCOPE_GROUP_EQ, 5);
    EXPECT_INT(MPI_T_SCOPE_ALL, 6);
    EXPECT_INT(MPI_T_SCOPE_ALL_EQ, 7);
    EXPECT_INT(MPI_T_PVAR_CLASS_STATE, 1);
    EXPECT_INT(MPI_T_PVAR_CLASS_LEVEL, 2);
    EXPECT_INT(MPI_T_PVAR_CLASS_SIZE, 3);
    EXPECT_INT(MPI_T_PVAR_CLASS_PERCENTAGE, 4);
    EXPECT_INT(MPI_T_PVAR_CLASS_HIGHWATERMARK, 5);
    EXPECT_INT(MPI_T_PVAR_CLASS_LOWWATERMARK, 6);
    EXPECT_INT(MPI_T_PVAR_CLASS_COUNTER, 7);
    EXPECT_INT(MPI_T_PVAR_CLASS_AGGREGATE, 8);
    EXPECT_INT(MPI_T_PVAR_CLASS_TIMER, 9);
    EXPECT_INT(MPI_T_PVAR_CLASS_GENERIC, 10);
    EXPECT_INT(MPI_MAX_DATAREP_STRING, 128);
    EXPECT_INT(MPI_MAX_INFO_KEY, 256);
    EXPECT_INT(MPI_MAX_INFO_VAL, 1024);
    EXPECT_INT(MPI_MAX_LIBRARY_VERSION_STRING, 8192);
    EXPECT_INT(MPI_MAX_OBJECT_NAME, 128);
    EXPECT_INT(MPI_MAX_PORT_NAME, 1024);
    EXPECT_INT(MPI_MAX_PROCESSOR_NAME, 256);
    EXPECT_INT(MPI_MAX_STRINGTAG_LEN, 1024);
    EXPECT_INT(MPI_MAX_PSET_NAME_LEN, 1024);
    EXPECT_INT(MPI_BSEND_OVERHEAD, 512);
}

static void abi_pointer_constants(void **state)
{
    (void) state;
    EXPECT_TYPED(MPI_BOTTOM, void *, 0);
    EXPECT_TYPED(MPI_IN_PLACE, void *, 1);
    EXPECT_TYPED(MPI_BUFFER_AUTOMATIC, void *, 2);
    EXPECT_TYPED(MPI_ARGV_NULL, char **, 0);
    EXPECT_TYPED(MPI_ARGVS_NULL, char ***, 0);
    EXPECT_TYPED(MPI_ERRCODES_IGNORE, int *, 0);
    EXPECT_TYPED(MPI_STATUS_IGNORE, MPI_Status *, 0);
    EXPECT_TYPED(MPI_STATUSES_IGNORE, MPI_Status *, 0);
    EXPECT_TYPED(MPI_UNWEIGHTED, int *, 10);
    EXPECT_TYPED(MPI_WEIGHTS_EMPTY, int *, 11);
    assert_true(_Generic(MPI_DISPLACEMENT_CURRENT, MPI_Offset : 1, default : 0));
    assert_true(MPI_DISPLACEMENT_CURRENT == -1);

    EXPECT_TYPED(MPI_NULL_COPY_FN, MPI_Copy_function *, 0);
    EXPECT_TYPED(MPI_DUP_FN, MPI_Copy_function *, 1);
    EXPECT_TYPED(MPI_NULL_DELETE_FN, MPI_Delete_function *, 0);
    EXPECT_TYPED(MPI_COMM_NULL_COPY_FN, MPI_Comm_copy_attr_function *, 0);
    EXPECT_TYPED(MPI_COMM_DUP_FN, MPI_Comm_copy_attr_function *, 1);
    EXPECT_TYPED(MPI_COMM_NULL_DELETE_FN, MPI_Comm_delete_attr_function *, 0);
    EXPECT_TYPED(MPI_TYPE_NULL_COPY_FN, MPI_Type_copy_attr_function *, 0);
    EXPECT_TYPED(MPI_TYPE_DUP_FN, MPI_Type_copy_attr_function *, 1);
    EXPECT_TYPED(MPI_TYPE_NULL_DELETE_FN, MPI_Type_delete_attr_function *, 0);
    EXPECT_TYPED(MPI_WIN_NULL_COPY_FN, MPI_Win_copy_attr_function *, 0);
    EXPECT_TYPED(MPI_WIN_DUP_FN, MPI_Win_copy_attr_function *, 1);
    EXPECT_TYPED(MPI_WIN_NULL_DELETE_FN, MPI_Win_delete_attr_function *, 0);
    EXPECT_TYPED(MPI_CONVERSION_FN_NULL, MPI_Datarep_conversion_function *, 0);
    EXPECT_TYPED(MPI_CONVERSION_FN_NULL_C, MPI_Datarep_conversion_function_c *, 0);
}

/* Callback types as the standard defines them (function types, not pointers). */
static void abi_callback_types(void **state)
{
    MPI_User_function *user = 0;
    MPI_User_function_c *user_c = 0;
    MPI_Comm_errhandler_function *eh = 0;
    MPI_Comm_copy_attr_function *copy = 0;
    MPI_Comm_delete_attr_function *del = 0;
    MPI_Type_copy_attr_function *tcopy = 0;
    MPI_Win_delete_attr_function *wdel = 0;
    MPI_Grequest_query_function *query = 0;
    MPI_Datarep_conversion_function_c *conv = 0;
    MPI_T_event_dropped_cb_function *dropped = 0;

    (void) state;
    assert_true(_Generic(user, void (*)(void *, void *, int *, MPI_Datatype *) : 1, default : 0));
    assert_true(
        _Generic(user_c, void (*)(void *, void *, MPI_Count *, MPI_Datatype *) : 1, default : 0));
    assert_true(_Generic(eh, void (*)(MPI_Comm *, int *, ...) : 1, default : 0));
    assert_true(
        _Generic(copy, int (*)(MPI_Comm, int, void *, void *, void *, int *) : 1, default : 0));
    assert_true(_Generic(del, int (*)(MPI_Comm, int, void *, void *) : 1, default : 0));
    assert_true(_Generic(tcopy, int (*)(MPI_Datatype, int, void *, void *, void *, int *) : 1,
                         default : 0));
    assert_true(_Generic(wdel, int (*)(MPI_Win, int, void *, void *) : 1, default : 0));
    assert_true(_Generic(query, int (*)(void *, MPI_Status *) : 1, default : 0));
    assert_true(_Generic(conv,
                         int (*)(void *, MPI_Datatype, MPI_Count, void *, MPI_Offset, void *) : 1,
                         default : 0));
    assert_true(_Generic(
        dropped, void (*)(MPI_Count, MPI_T_event_registration, int, MPI_T_cb_safety, void *) : 1,
        default : 0));
    assert_int_equal(sizeof(MPI_T_cb_safety), sizeof(int));
}

typedef int fn_abi_get_version(int *, int *);
typedef int fn_abort(MPI_Comm, int);
typedef int fn_gather(const void *, int, MPI_Datatype, void *, int, MPI_Datatype, MPI_Comm);
typedef int fn_allreduce(const void *, void *, int, MPI_Datatype, MPI_Op, MPI_Comm);
typedef int fn_comm(MPI_Comm);
typedef int fn_bcast(void *, int, MPI_Datatype, int, MPI_Comm);
typedef int fn_comm_dup(MPI_Comm, MPI_Comm *);
typedef int fn_comm_free(MPI_Comm *);
typedef int fn_comm_get_eh(MPI_Comm, MPI_Errhandler *);
typedef int fn_comm_get_name(MPI_Comm, char *, int *);
typedef int fn_comm_int(MPI_Comm, int *);
typedef int fn_comm_set_eh(MPI_Comm, MPI_Errhandler);
typedef int fn_comm_set_name(MPI_Comm, const char *);
typedef int fn_comm_split(MPI_Comm, int, int, MPI_Comm *);
typedef int fn_eh_free(MPI_Errhandler *);
typedef int fn_error_class(int, int *);
typedef int fn_error_string(int, char *, int *);
typedef int fn_void(void);
typedef int fn_flag(int *);
typedef int fn_get_count(const MPI_Status *, MPI_Datatype, int *);
typedef int fn_string(char *, int *);
typedef int fn_get_version(int *, int *);
typedef int fn_init(int *, char ***);
typedef int fn_init_thread(int *, char ***, int, int *);
typedef int fn_iprobe(int, int, MPI_Comm, int *, MPI_Status *);
typedef int fn_irecv(void *, int, MPI_Datatype, int, int, MPI_Comm, MPI_Request *);
typedef int fn_isend(const void *, int, MPI_Datatype, int, int, MPI_Comm, MPI_Request *);
typedef int fn_probe(int, int, MPI_Comm, MPI_Status *);
typedef int fn_recv(void *, int, MPI_Datatype, int, int, MPI_Comm, MPI_Status *);
typedef int fn_reduce(const void *, void *, int, MPI_Datatype, MPI_Op, int, MPI_Comm);
typedef int fn_send(const void *, int, MPI_Datatype, int, int, MPI_Comm);
typedef int fn_sendrecv(const void *, int, MPI_Datatype, int, int, void *, int, MPI_Datatype, int,
                        int, MPI_Comm, MPI_Status *);
typedef int fn_test(MPI_Request *, int *, MPI_Status *);
typedef int fn_type_get_extent(MPI_Datatype, MPI_Aint *, MPI_Aint *);
typedef int fn_type_size(MPI_Datatype, int *);
typedef int fn_wait(MPI_Request *, MPI_Status *);
typedef int fn_waitall(int, MPI_Request *, MPI_Status *);
typedef double fn_time(void);
typedef int fn_add_error_class(int *);
typedef int fn_add_error_code(int, int *);
typedef int fn_add_error_string(int, const char *);
typedef int fn_alloc_mem(MPI_Aint, MPI_Info, void *);
typedef int fn_free_mem(void *);
typedef int fn_comm_call_eh(MPI_Comm, int);
typedef int fn_comm_create_eh(MPI_Comm_errhandler_function *, MPI_Errhandler *);
typedef int fn_status_int_out(MPI_Status *, int *);
typedef int fn_status_int_in(MPI_Status *, int);
typedef int fn_status_set_elements(MPI_Status *, MPI_Datatype, int);
typedef int fn_status_set_elements_c(MPI_Status *, MPI_Datatype, MPI_Count);
typedef int fn_test_cancelled(const MPI_Status *, int *);
typedef int fn_status_c2f(const MPI_Status *, MPI_Fint *);
typedef int fn_status_f2c(const MPI_Fint *, MPI_Status *);
typedef int fn_status_c2f08(const MPI_Status *, MPI_F08_status *);
typedef int fn_status_f082c(const MPI_F08_status *, MPI_Status *);
typedef int fn_status_f2f08(const MPI_Fint *, MPI_F08_status *);
typedef int fn_status_f082f(const MPI_F08_status *, MPI_Fint *);
/* MPI_X_c2f and MPI_X_f2c for every handle type X */
#define EXPECT_F2C(name, ctype)                                                                    \
    do {                                                                                           \
        typedef MPI_Fint c2f_##name(ctype);                                                        \
        typedef ctype f2c_##name(MPI_Fint);                                                        \
        EXPECT_FN(name##_c2f, c2f_##name);                                                         \
        EXPECT_FN(name##_f2c, f2c_##name);                                                         \
    } while (0)

static void abi_prototypes(void **state)
{
    (void) state;
    EXPECT_FN(Abi_get_version, fn_abi_get_version);
    EXPECT_FN(Abort, fn_abort);
    EXPECT_FN(Allgather, fn_gather);
    EXPECT_FN(Allreduce, fn_allreduce);
    EXPECT_FN(Alltoall, fn_gather);
    EXPECT_FN(Barrier, fn_comm);
    EXPECT_FN(Bcast, fn_bcast);
    EXPECT_FN(Comm_dup, fn_comm_dup);
    EXPECT_FN(Comm_free, fn_comm_free);
    EXPECT_FN(Comm_get_errhandler, fn_comm_get_eh);
    EXPECT_FN(Comm_get_name, fn_comm_get_name);
    EXPECT_FN(Comm_rank, fn_comm_int);
    EXPECT_FN(Comm_set_errhandler, fn_comm_set_eh);
    EXPECT_FN(Comm_set_name, fn_comm_set_name);
    EXPECT_FN(Comm_size, fn_comm_int);
    EXPECT_FN(Comm_split, fn_comm_split);
    EXPECT_FN(Errhandler_free, fn_eh_free);
    EXPECT_FN(Error_class, fn_error_class);
    EXPECT_FN(Error_string, fn_error_string);
    EXPECT_FN(Finalize, fn_void);
    EXPECT_FN(Finalized, fn_flag);
    EXPECT_FN(Get_count, fn_get_count);
    EXPECT_FN(Get_library_version, fn_string);
    EXPECT_FN(Get_processor_name, fn_string);
    EXPECT_FN(Get_version, fn_get_version);
    EXPECT_FN(Init, fn_init);
    EXPECT_FN(Init_thread, fn_init_thread);
    EXPECT_FN(Initialized, fn_flag);
    EXPECT_FN(Iprobe, fn_iprobe);
    EXPECT_FN(Irecv, fn_irecv);
    EXPECT_FN(Is_thread_main, fn_flag);
    EXPECT_FN(Isend, fn_isend);
    EXPECT_FN(Probe, fn_probe);
    EXPECT_FN(Query_thread, fn_flag);
    EXPECT_FN(Recv, fn_recv);
    EXPECT_FN(Reduce, fn_reduce);
    EXPECT_FN(Send, fn_send);
    EXPECT_FN(Sendrecv, fn_sendrecv);
    EXPECT_FN(Test, fn_test);
    EXPECT_FN(Type_get_extent, fn_type_get_extent);
    EXPECT_FN(Type_size, fn_type_size);
    EXPECT_FN(Wait, fn_wait);
    EXPECT_FN(Waitall, fn_waitall);
    EXPECT_FN(Wtick, fn_time);
    EXPECT_FN(Wtime, fn_time);
}

/* Error codes and handlers, memory, status helpers and handle conversions (issue #3). */
static void abi_prototypes_err_f2c(void **state)
{
    (void) state;
    EXPECT_FN(Add_error_class, fn_add_error_class);
    EXPECT_FN(Add_error_code, fn_add_error_code);
    EXPECT_FN(Add_error_string, fn_add_error_string);
    EXPECT_FN(Alloc_mem, fn_alloc_mem);
    EXPECT_FN(Free_mem, fn_free_mem);
    EXPECT_FN(Comm_call_errhandler, fn_comm_call_eh);
    EXPECT_FN(Comm_create_errhandler, fn_comm_create_eh);
    EXPECT_FN(Status_get_error, fn_status_int_out);
    EXPECT_FN(Status_get_source, fn_status_int_out);
    EXPECT_FN(Status_get_tag, fn_status_int_out);
    EXPECT_FN(Status_set_cancelled, fn_status_int_in);
    EXPECT_FN(Status_set_error, fn_status_int_in);
    EXPECT_FN(Status_set_source, fn_status_int_in);
    EXPECT_FN(Status_set_tag, fn_status_int_in);
    EXPECT_FN(Status_set_elements, fn_status_set_elements);
    EXPECT_FN(Status_set_elements_c, fn_status_set_elements_c);
    EXPECT_FN(Status_set_elements_x, fn_status_set_elements_c);
    EXPECT_FN(Test_cancelled, fn_test_cancelled);
    EXPECT_FN(Status_c2f, fn_status_c2f);
    EXPECT_FN(Status_f2c, fn_status_f2c);
    EXPECT_FN(Status_c2f08, fn_status_c2f08);
    EXPECT_FN(Status_f082c, fn_status_f082c);
    EXPECT_FN(Status_f2f08, fn_status_f2f08);
    EXPECT_FN(Status_f082f, fn_status_f082f);
    EXPECT_F2C(Comm, MPI_Comm);
    EXPECT_F2C(Type, MPI_Datatype);
    EXPECT_F2C(Group, MPI_Group);
    EXPECT_F2C(Request, MPI_Request);
    EXPECT_F2C(Op, MPI_Op);
    EXPECT_F2C(Info, MPI_Info);
    EXPECT_F2C(Errhandler, MPI_Errhandler);
    EXPECT_F2C(Message, MPI_Message);
    EXPECT_F2C(Win, MPI_Win);
    EXPECT_F2C(File, MPI_File);
    EXPECT_F2C(Session, MPI_Session);
    /* the IGNORE addresses are variables of exactly these types (not evaluated: no link) */
    assert_true(_Generic(MPI_F_STATUS_IGNORE, MPI_Fint * : 1, default : 0));
    assert_true(_Generic(MPI_F_STATUSES_IGNORE, MPI_Fint * : 1, default : 0));
    assert_true(_Generic(MPI_F08_STATUS_IGNORE, MPI_F08_status * : 1, default : 0));
    assert_true(_Generic(MPI_F08_STATUSES_IGNORE, MPI_F08_status * : 1, default : 0));
}

/* Datatype construction, decoding, attributes and packing (the derived datatype engine). */
typedef MPI_Aint fn_dt_aint_add(MPI_Aint, MPI_Aint);
typedef MPI_Aint fn_dt_aint_diff(MPI_Aint, MPI_Aint);
typedef int fn_dt_get_address(const void *, MPI_Aint *);
typedef int fn_dt_get_elements(const MPI_Status *, MPI_Datatype, int *);
typedef int fn_dt_get_elements_c(const MPI_Status *, MPI_Datatype, MPI_Count *);
typedef int fn_dt_get_elements_x(const MPI_Status *, MPI_Datatype, MPI_Count *);
typedef int fn_dt_pack(const void *, int, MPI_Datatype, void *, int, int *, MPI_Comm);
typedef int fn_dt_pack_c(const void *, MPI_Count, MPI_Datatype, void *, MPI_Count, MPI_Count *,
                         MPI_Comm);
typedef int fn_dt_pack_external(const char *, const void *, int, MPI_Datatype, void *, MPI_Aint,
                                MPI_Aint *);
typedef int fn_dt_pack_external_c(const char *, const void *, MPI_Count, MPI_Datatype, void *,
                                  MPI_Count, MPI_Count *);
typedef int fn_dt_pack_external_size(const char *, int, MPI_Datatype, MPI_Aint *);
typedef int fn_dt_pack_external_size_c(const char *, MPI_Count, MPI_Datatype, MPI_Count *);
typedef int fn_dt_pack_size(int, MPI_Datatype, MPI_Comm, int *);
typedef int fn_dt_pack_size_c(MPI_Count, MPI_Datatype, MPI_Comm, MPI_Count *);
typedef int fn_dt_type_commit(MPI_Datatype *);
typedef int fn_dt_type_contiguous(int, MPI_Datatype, MPI_Datatype *);
typedef int fn_dt_type_contiguous_c(MPI_Count, MPI_Datatype, MPI_Datatype *);
typedef int fn_dt_type_create_darray(int, int, int, const int *, const int *, const int *,
                                     const int *, int, MPI_Datatype, MPI_Datatype *);
typedef int fn_dt_type_create_darray_c(int, int, int, const MPI_Count *, const int *, const int *,
                                       const int *, int, MPI_Datatype, MPI_Datatype *);
typedef int fn_dt_type_create_hindexed(int, const int *, const MPI_Aint *, MPI_Datatype,
                                       MPI_Datatype *);
typedef int fn_dt_type_create_hindexed_block(int, int, const MPI_Aint *, MPI_Datatype,
                                             MPI_Datatype *);
typedef int fn_dt_type_create_hindexed_block_c(MPI_Count, MPI_Count, const MPI_Count *,
                                               MPI_Datatype, MPI_Datatype *);
typedef int fn_dt_type_create_hindexed_c(MPI_Count, const MPI_Count *, const MPI_Count *,
                                         MPI_Datatype, MPI_Datatype *);
typedef int fn_dt_type_create_hvector(int, int, MPI_Aint, MPI_Datatype, MPI_Datatype *);
typedef int fn_dt_type_create_hvector_c(MPI_Count, MPI_Count, MPI_Count, MPI_Datatype,
                                        MPI_Datatype *);
typedef int fn_dt_type_create_indexed_block(int, int, const int *, MPI_Datatype, MPI_Datatype *);
typedef int fn_dt_type_create_indexed_block_c(MPI_Count, MPI_Count, const MPI_Count *, MPI_Datatype,
                                              MPI_Datatype *);
typedef int fn_dt_type_create_keyval(MPI_Type_copy_attr_function *, MPI_Type_delete_attr_function *,
                                     int *, void *);
typedef int fn_dt_type_create_resized(MPI_Datatype, MPI_Aint, MPI_Aint, MPI_Datatype *);
typedef int fn_dt_type_create_resized_c(MPI_Datatype, MPI_Count, MPI_Count, MPI_Datatype *);
typedef int fn_dt_type_create_struct(int, const int *, const MPI_Aint *, const MPI_Datatype *,
                                     MPI_Datatype *);
typedef int fn_dt_type_create_struct_c(MPI_Count, const MPI_Count *, const MPI_Count *,
                                       const MPI_Datatype *, MPI_Datatype *);
typedef int fn_dt_type_create_subarray(int, const int *, const int *, const int *, int,
                                       MPI_Datatype, MPI_Datatype *);
typedef int fn_dt_type_create_subarray_c(int, const MPI_Count *, const MPI_Count *,
                                         const MPI_Count *, int, MPI_Datatype, MPI_Datatype *);
typedef int fn_dt_type_delete_attr(MPI_Datatype, int);
typedef int fn_dt_type_dup(MPI_Datatype, MPI_Datatype *);
typedef int fn_dt_type_free(MPI_Datatype *);
typedef int fn_dt_type_free_keyval(int *);
typedef int fn_dt_type_get_attr(MPI_Datatype, int, void *, int *);
typedef int fn_dt_type_get_contents(MPI_Datatype, int, int, int, int *, MPI_Aint *, MPI_Datatype *);
typedef int fn_dt_type_get_contents_c(MPI_Datatype, MPI_Count, MPI_Count, MPI_Count, MPI_Count,
                                      int *, MPI_Aint *, MPI_Count *, MPI_Datatype *);
typedef int fn_dt_type_get_envelope(MPI_Datatype, int *, int *, int *, int *);
typedef int fn_dt_type_get_envelope_c(MPI_Datatype, MPI_Count *, MPI_Count *, MPI_Count *,
                                      MPI_Count *, int *);
typedef int fn_dt_type_get_extent_c(MPI_Datatype, MPI_Count *, MPI_Count *);
typedef int fn_dt_type_get_extent_x(MPI_Datatype, MPI_Count *, MPI_Count *);
typedef int fn_dt_type_get_name(MPI_Datatype, char *, int *);
typedef int fn_dt_type_get_true_extent(MPI_Datatype, MPI_Aint *, MPI_Aint *);
typedef int fn_dt_type_get_true_extent_c(MPI_Datatype, MPI_Count *, MPI_Count *);
typedef int fn_dt_type_get_true_extent_x(MPI_Datatype, MPI_Count *, MPI_Count *);
typedef int fn_dt_type_indexed(int, const int *, const int *, MPI_Datatype, MPI_Datatype *);
typedef int fn_dt_type_indexed_c(MPI_Count, const MPI_Count *, const MPI_Count *, MPI_Datatype,
                                 MPI_Datatype *);
typedef int fn_dt_type_match_size(int, int, MPI_Datatype *);
typedef int fn_dt_type_set_attr(MPI_Datatype, int, void *);
typedef int fn_dt_type_set_name(MPI_Datatype, const char *);
typedef int fn_dt_type_size_c(MPI_Datatype, MPI_Count *);
typedef int fn_dt_type_size_x(MPI_Datatype, MPI_Count *);
typedef int fn_dt_type_vector(int, int, int, MPI_Datatype, MPI_Datatype *);
typedef int fn_dt_type_vector_c(MPI_Count, MPI_Count, MPI_Count, MPI_Datatype, MPI_Datatype *);
typedef int fn_dt_unpack(const void *, int, int *, void *, int, MPI_Datatype, MPI_Comm);
typedef int fn_dt_unpack_c(const void *, MPI_Count, MPI_Count *, void *, MPI_Count, MPI_Datatype,
                           MPI_Comm);
typedef int fn_dt_unpack_external(const char *, const void *, MPI_Aint, MPI_Aint *, void *, int,
                                  MPI_Datatype);
typedef int fn_dt_unpack_external_c(const char *, const void *, MPI_Count, MPI_Count *, void *,
                                    MPI_Count, MPI_Datatype);

static void abi_prototypes_datatypes(void **state)
{
    (void) state;
    EXPECT_FN(Aint_add, fn_dt_aint_add);
    EXPECT_FN(Aint_diff, fn_dt_aint_diff);
    EXPECT_FN(Get_address, fn_dt_get_address);
    EXPECT_FN(Get_elements, fn_dt_get_elements);
    EXPECT_FN(Get_elements_c, fn_dt_get_elements_c);
    EXPECT_FN(Get_elements_x, fn_dt_get_elements_x);
    EXPECT_FN(Pack, fn_dt_pack);
    EXPECT_FN(Pack_c, fn_dt_pack_c);
    EXPECT_FN(Pack_external, fn_dt_pack_external);
    EXPECT_FN(Pack_external_c, fn_dt_pack_external_c);
    EXPECT_FN(Pack_external_size, fn_dt_pack_external_size);
    EXPECT_FN(Pack_external_size_c, fn_dt_pack_external_size_c);
    EXPECT_FN(Pack_size, fn_dt_pack_size);
    EXPECT_FN(Pack_size_c, fn_dt_pack_size_c);
    EXPECT_FN(Type_commit, fn_dt_type_commit);
    EXPECT_FN(Type_contiguous, fn_dt_type_contiguous);
    EXPECT_FN(Type_contiguous_c, fn_dt_type_contiguous_c);
    EXPECT_FN(Type_create_darray, fn_dt_type_create_darray);
    EXPECT_FN(Type_create_darray_c, fn_dt_type_create_darray_c);
    EXPECT_FN(Type_create_hindexed, fn_dt_type_create_hindexed);
    EXPECT_FN(Type_create_hindexed_block, fn_dt_type_create_hindexed_block);
    EXPECT_FN(Type_create_hindexed_block_c, fn_dt_type_create_hindexed_block_c);
    EXPECT_FN(Type_create_hindexed_c, fn_dt_type_create_hindexed_c);
    EXPECT_FN(Type_create_hvector, fn_dt_type_create_hvector);
    EXPECT_FN(Type_create_hvector_c, fn_dt_type_create_hvector_c);
    EXPECT_FN(Type_create_indexed_block, fn_dt_type_create_indexed_block);
    EXPECT_FN(Type_create_indexed_block_c, fn_dt_type_create_indexed_block_c);
    EXPECT_FN(Type_create_keyval, fn_dt_type_create_keyval);
    EXPECT_FN(Type_create_resized, fn_dt_type_create_resized);
    EXPECT_FN(Type_create_resized_c, fn_dt_type_create_resized_c);
    EXPECT_FN(Type_create_struct, fn_dt_type_create_struct);
    EXPECT_FN(Type_create_struct_c, fn_dt_type_create_struct_c);
    EXPECT_FN(Type_create_subarray, fn_dt_type_create_subarray);
    EXPECT_FN(Type_create_subarray_c, fn_dt_type_create_subarray_c);
    EXPECT_FN(Type_delete_attr, fn_dt_type_delete_attr);
    EXPECT_FN(Type_dup, fn_dt_type_dup);
    EXPECT_FN(Type_free, fn_dt_type_free);
    EXPECT_FN(Type_free_keyval, fn_dt_type_free_keyval);
    EXPECT_FN(Type_get_attr, fn_dt_type_get_attr);
    EXPECT_FN(Type_get_contents, fn_dt_type_get_contents);
    EXPECT_FN(Type_get_contents_c, fn_dt_type_get_contents_c);
    EXPECT_FN(Type_get_envelope, fn_dt_type_get_envelope);
    EXPECT_FN(Type_get_envelope_c, fn_dt_type_get_envelope_c);
    EXPECT_FN(Type_get_extent_c, fn_dt_type_get_extent_c);
    EXPECT_FN(Type_get_extent_x, fn_dt_type_get_extent_x);
    EXPECT_FN(Type_get_name, fn_dt_type_get_name);
    EXPECT_FN(Type_get_true_extent, fn_dt_type_get_true_extent);
    EXPECT_FN(Type_get_true_extent_c, fn_dt_type_get_true_extent_c);
    EXPECT_FN(Type_get_true_extent_x, fn_dt_type_get_true_extent_x);
    EXPECT_FN(Type_indexed, fn_dt_type_indexed);
    EXPECT_FN(Type_indexed_c, fn_dt_type_indexed_c);
    EXPECT_FN(Type_match_size, fn_dt_type_match_size);
    EXPECT_FN(Type_set_attr, fn_dt_type_set_attr);
    EXPECT_FN(Type_set_name, fn_dt_type_set_name);
    EXPECT_FN(Type_size_c, fn_dt_type_size_c);
    EXPECT_FN(Type_size_x, fn_dt_type_size_x);
    EXPECT_FN(Type_vector, fn_dt_type_vector);
    EXPECT_FN(Type_vector_c, fn_dt_type_vector_c);
    EXPECT_FN(Unpack, fn_dt_unpack);
    EXPECT_FN(Unpack_c, fn_dt_unpack_c);
    EXPECT_FN(Unpack_external, fn_dt_unpack_external);
    EXPECT_FN(Unpack_external_c, fn_dt_unpack_external_c);
}

/* Groups, communicators, intercommunicators, attributes, info, process topologies (issue #4). */
typedef int fn_cm_abi_get_info(MPI_Info *);
typedef int fn_cm_attr_delete(MPI_Comm, int);
typedef int fn_cm_attr_get(MPI_Comm, int, void *, int *);
typedef int fn_cm_attr_put(MPI_Comm, int, void *);
typedef int fn_cm_cart_coords(MPI_Comm, int, int, int *);
typedef int fn_cm_cart_create(MPI_Comm, int, const int *, const int *, int, MPI_Comm *);
typedef int fn_cm_cart_get(MPI_Comm, int, int *, int *, int *);
typedef int fn_cm_cart_map(MPI_Comm, int, const int *, const int *, int *);
typedef int fn_cm_cart_rank(MPI_Comm, const int *, int *);
typedef int fn_cm_cart_shift(MPI_Comm, int, int, int *, int *);
typedef int fn_cm_cart_sub(MPI_Comm, const int *, MPI_Comm *);
typedef int fn_cm_comm_int(MPI_Comm, int *);
typedef int fn_cm_comm_compare(MPI_Comm, MPI_Comm, int *);
typedef int fn_cm_comm_create(MPI_Comm, MPI_Group, MPI_Comm *);
typedef int fn_cm_comm_create_group(MPI_Comm, MPI_Group, int, MPI_Comm *);
typedef int fn_cm_comm_create_keyval(MPI_Comm_copy_attr_function *,
                                     MPI_Comm_delete_attr_function *, int *, void *);
typedef int fn_cm_comm_dup_with_info(MPI_Comm, MPI_Info, MPI_Comm *);
typedef int fn_cm_comm_get_info(MPI_Comm, MPI_Info *);
typedef int fn_cm_comm_group(MPI_Comm, MPI_Group *);
typedef int fn_cm_comm_idup(MPI_Comm, MPI_Comm *, MPI_Request *);
typedef int fn_cm_comm_idup_with_info(MPI_Comm, MPI_Info, MPI_Comm *, MPI_Request *);
typedef int fn_cm_comm_set_info(MPI_Comm, MPI_Info);
typedef int fn_cm_comm_split_type(MPI_Comm, int, int, MPI_Info, MPI_Comm *);
typedef int fn_cm_dims_create(int, int, int *);
typedef int fn_cm_dist_graph_create(MPI_Comm, int, const int *, const int *, const int *,
                                    const int *, MPI_Info, int, MPI_Comm *);
typedef int fn_cm_dist_graph_create_adjacent(MPI_Comm, int, const int *, const int *, int,
                                             const int *, const int *, MPI_Info, int,
                                             MPI_Comm *);
typedef int fn_cm_dist_graph_neighbors(MPI_Comm, int, int *, int *, int, int *, int *);
typedef int fn_cm_dist_graph_neighbors_count(MPI_Comm, int *, int *, int *);
typedef int fn_cm_graph_create(MPI_Comm, int, const int *, const int *, int, MPI_Comm *);
typedef int fn_cm_graph_get(MPI_Comm, int, int, int *, int *);
typedef int fn_cm_graph_map(MPI_Comm, int, const int *, const int *, int *);
typedef int fn_cm_graph_neighbors(MPI_Comm, int, int, int *);
typedef int fn_cm_graph_neighbors_count(MPI_Comm, int, int *);
typedef int fn_cm_graphdims_get(MPI_Comm, int *, int *);
typedef int fn_cm_group_compare(MPI_Group, MPI_Group, int *);
typedef int fn_cm_group_setop(MPI_Group, MPI_Group, MPI_Group *);
typedef int fn_cm_group_ranks(MPI_Group, int, const int *, MPI_Group *);
typedef int fn_cm_group_free(MPI_Group *);
typedef int fn_cm_group_range(MPI_Group, int, int[][3], MPI_Group *);
typedef int fn_cm_group_int(MPI_Group, int *);
typedef int fn_cm_group_translate_ranks(MPI_Group, int, const int *, MPI_Group, int *);
typedef int fn_cm_info_create(MPI_Info *);
typedef int fn_cm_info_create_env(int, char **, MPI_Info *);
typedef int fn_cm_info_delete(MPI_Info, const char *);
typedef int fn_cm_info_dup(MPI_Info, MPI_Info *);
typedef int fn_cm_info_free(MPI_Info *);
typedef int fn_cm_info_get(MPI_Info, const char *, int, char *, int *);
typedef int fn_cm_info_get_nkeys(MPI_Info, int *);
typedef int fn_cm_info_get_nthkey(MPI_Info, int, char *);
typedef int fn_cm_info_get_string(MPI_Info, const char *, int *, char *, int *);
typedef int fn_cm_info_get_valuelen(MPI_Info, const char *, int *, int *);
typedef int fn_cm_info_set(MPI_Info, const char *, const char *);
typedef int fn_cm_intercomm_create(MPI_Comm, int, MPI_Comm, int, int, MPI_Comm *);
typedef int fn_cm_intercomm_merge(MPI_Comm, int, MPI_Comm *);
typedef int fn_cm_keyval_create(MPI_Copy_function *, MPI_Delete_function *, int *, void *);
typedef int fn_cm_keyval_free(int *);

static void abi_prototypes_comm(void **state)
{
    (void) state;
    EXPECT_FN(Abi_get_info, fn_cm_abi_get_info);
    EXPECT_FN(Attr_delete, fn_cm_attr_delete);
    EXPECT_FN(Attr_get, fn_cm_attr_get);
    EXPECT_FN(Attr_put, fn_cm_attr_put);
    EXPECT_FN(Cart_coords, fn_cm_cart_coords);
    EXPECT_FN(Cart_create, fn_cm_cart_create);
    EXPECT_FN(Cart_get, fn_cm_cart_get);
    EXPECT_FN(Cart_map, fn_cm_cart_map);
    EXPECT_FN(Cart_rank, fn_cm_cart_rank);
    EXPECT_FN(Cart_shift, fn_cm_cart_shift);
    EXPECT_FN(Cart_sub, fn_cm_cart_sub);
    EXPECT_FN(Cartdim_get, fn_cm_comm_int);
    EXPECT_FN(Comm_compare, fn_cm_comm_compare);
    EXPECT_FN(Comm_create, fn_cm_comm_create);
    EXPECT_FN(Comm_create_group, fn_cm_comm_create_group);
    EXPECT_FN(Comm_create_keyval, fn_cm_comm_create_keyval);
    EXPECT_FN(Comm_delete_attr, fn_cm_attr_delete);
    EXPECT_FN(Comm_dup_with_info, fn_cm_comm_dup_with_info);
    EXPECT_FN(Comm_free_keyval, fn_cm_keyval_free);
    EXPECT_FN(Comm_get_attr, fn_cm_attr_get);
    EXPECT_FN(Comm_get_info, fn_cm_comm_get_info);
    EXPECT_FN(Comm_group, fn_cm_comm_group);
    EXPECT_FN(Comm_idup, fn_cm_comm_idup);
    EXPECT_FN(Comm_idup_with_info, fn_cm_comm_idup_with_info);
    EXPECT_FN(Comm_remote_group, fn_cm_comm_group);
    EXPECT_FN(Comm_remote_size, fn_cm_comm_int);
    EXPECT_FN(Comm_set_attr, fn_cm_attr_put);
    EXPECT_FN(Comm_set_info, fn_cm_comm_set_info);
    EXPECT_FN(Comm_split_type, fn_cm_comm_split_type);
    EXPECT_FN(Comm_test_inter, fn_cm_comm_int);
    EXPECT_FN(Dims_create, fn_cm_dims_create);
    EXPECT_FN(Dist_graph_create, fn_cm_dist_graph_create);
    EXPECT_FN(Dist_graph_create_adjacent, fn_cm_dist_graph_create_adjacent);
    EXPECT_FN(Dist_graph_neighbors, fn_cm_dist_graph_neighbors);
    EXPECT_FN(Dist_graph_neighbors_count, fn_cm_dist_graph_neighbors_count);
    EXPECT_FN(Graph_create, fn_cm_graph_create);
    EXPECT_FN(Graph_get, fn_cm_graph_get);
    EXPECT_FN(Graph_map, fn_cm_graph_map);
    EXPECT_FN(Graph_neighbors, fn_cm_graph_neighbors);
    EXPECT_FN(Graph_neighbors_count, fn_cm_graph_neighbors_count);
    EXPECT_FN(Graphdims_get, fn_cm_graphdims_get);
    EXPECT_FN(Group_compare, fn_cm_group_compare);
    EXPECT_FN(Group_difference, fn_cm_group_setop);
    EXPECT_FN(Group_excl, fn_cm_group_ranks);
    EXPECT_FN(Group_free, fn_cm_group_free);
    EXPECT_FN(Group_incl, fn_cm_group_ranks);
    EXPECT_FN(Group_intersection, fn_cm_group_setop);
    EXPECT_FN(Group_range_excl, fn_cm_group_range);
    EXPECT_FN(Group_range_incl, fn_cm_group_range);
    EXPECT_FN(Group_rank, fn_cm_group_int);
    EXPECT_FN(Group_size, fn_cm_group_int);
    EXPECT_FN(Group_translate_ranks, fn_cm_group_translate_ranks);
    EXPECT_FN(Group_union, fn_cm_group_setop);
    EXPECT_FN(Info_create, fn_cm_info_create);
    EXPECT_FN(Info_create_env, fn_cm_info_create_env);
    EXPECT_FN(Info_delete, fn_cm_info_delete);
    EXPECT_FN(Info_dup, fn_cm_info_dup);
    EXPECT_FN(Info_free, fn_cm_info_free);
    EXPECT_FN(Info_get, fn_cm_info_get);
    EXPECT_FN(Info_get_nkeys, fn_cm_info_get_nkeys);
    EXPECT_FN(Info_get_nthkey, fn_cm_info_get_nthkey);
    EXPECT_FN(Info_get_string, fn_cm_info_get_string);
    EXPECT_FN(Info_get_valuelen, fn_cm_info_get_valuelen);
    EXPECT_FN(Info_set, fn_cm_info_set);
    EXPECT_FN(Intercomm_create, fn_cm_intercomm_create);
    EXPECT_FN(Intercomm_merge, fn_cm_intercomm_merge);
    EXPECT_FN(Keyval_create, fn_cm_keyval_create);
    EXPECT_FN(Keyval_free, fn_cm_keyval_free);
    EXPECT_FN(Topo_test, fn_cm_comm_int);
}

/* Collectives (blocking, nonblocking, persistent, neighbourhood), reduction ops and
 * Isendrecv (issue #4). */
typedef int fn_co_barrier(MPI_Comm);
typedef int fn_co_ibarrier(MPI_Comm, MPI_Request *);
typedef int fn_co_barrier_init(MPI_Comm, MPI_Info, MPI_Request *);
typedef int fn_co_bcast(void *, int, MPI_Datatype, int, MPI_Comm);
typedef int fn_co_bcast_c(void *, MPI_Count, MPI_Datatype, int, MPI_Comm);
typedef int fn_co_ibcast(void *, int, MPI_Datatype, int, MPI_Comm, MPI_Request *);
typedef int fn_co_ibcast_c(void *, MPI_Count, MPI_Datatype, int, MPI_Comm, MPI_Request *);
typedef int fn_co_bcast_init(void *, int, MPI_Datatype, int, MPI_Comm, MPI_Info, MPI_Request *);
typedef int fn_co_bcast_init_c(void *, MPI_Count, MPI_Datatype, int, MPI_Comm, MPI_Info,
                               MPI_Request *);
typedef int fn_co_gather(const void *, int, MPI_Datatype, void *, int, MPI_Datatype, int, MPI_Comm);
typedef int fn_co_gather_c(const void *, MPI_Count, MPI_Datatype, void *, MPI_Count, MPI_Datatype,
                           int, MPI_Comm);
typedef int fn_co_igather(const void *, int, MPI_Datatype, void *, int, MPI_Datatype, int, MPI_Comm,
                          MPI_Request *);
typedef int fn_co_igather_c(const void *, MPI_Count, MPI_Datatype, void *, MPI_Count, MPI_Datatype,
                            int, MPI_Comm, MPI_Request *);
typedef int fn_co_gather_init(const void *, int, MPI_Datatype, void *, int, MPI_Datatype, int,
                              MPI_Comm, MPI_Info, MPI_Request *);
typedef int fn_co_gather_init_c(const void *, MPI_Count, MPI_Datatype, void *, MPI_Count,
                                MPI_Datatype, int, MPI_Comm, MPI_Info, MPI_Request *);
typedef int fn_co_gatherv(const void *, int, MPI_Datatype, void *, const int *, const int *,
                          MPI_Datatype, int, MPI_Comm);
typedef int fn_co_gatherv_c(const void *, MPI_Count, MPI_Datatype, void *, const MPI_Count *,
                            const MPI_Aint *, MPI_Datatype, int, MPI_Comm);
typedef int fn_co_igatherv(const void *, int, MPI_Datatype, void *, const int *, const int *,
                           MPI_Datatype, int, MPI_Comm, MPI_Request *);
typedef int fn_co_igatherv_c(const void *, MPI_Count, MPI_Datatype, void *, const MPI_Count *,
                             const MPI_Aint *, MPI_Datatype, int, MPI_Comm, MPI_Request *);
typedef int fn_co_gatherv_init(const void *, int, MPI_Datatype, void *, const int *, const int *,
                               MPI_Datatype, int, MPI_Comm, MPI_Info, MPI_Request *);
typedef int fn_co_gatherv_init_c(const void *, MPI_Count, MPI_Datatype, void *, const MPI_Count *,
                                 const MPI_Aint *, MPI_Datatype, int, MPI_Comm, MPI_Info,
                                 MPI_Request *);
typedef int fn_co_scatterv(const void *, const int *, const int *, MPI_Datatype, void *, int,
                           MPI_Datatype, int, MPI_Comm);
typedef int fn_co_scatterv_c(const void *, const MPI_Count *, const MPI_Aint *, MPI_Datatype,
                             void *, MPI_Count, MPI_Datatype, int, MPI_Comm);
typedef int fn_co_iscatterv(const void *, const int *, const int *, MPI_Datatype, void *, int,
                            MPI_Datatype, int, MPI_Comm, MPI_Request *);
typedef int fn_co_iscatterv_c(const void *, const MPI_Count *, const MPI_Aint *, MPI_Datatype,
                              void *, MPI_Count, MPI_Datatype, int, MPI_Comm, MPI_Request *);
typedef int fn_co_scatterv_init(const void *, const int *, const int *, MPI_Datatype, void *, int,
                                MPI_Datatype, int, MPI_Comm, MPI_Info, MPI_Request *);
typedef int fn_co_scatterv_init_c(const void *, const MPI_Count *, const MPI_Aint *, MPI_Datatype,
                                  void *, MPI_Count, MPI_Datatype, int, MPI_Comm, MPI_Info,
                                  MPI_Request *);
typedef int fn_co_allgather(const void *, int, MPI_Datatype, void *, int, MPI_Datatype, MPI_Comm);
typedef int fn_co_allgather_c(const void *, MPI_Count, MPI_Datatype, void *, MPI_Count,
                              MPI_Datatype, MPI_Comm);
typedef int fn_co_iallgather(const void *, int, MPI_Datatype, void *, int, MPI_Datatype, MPI_Comm,
                             MPI_Request *);
typedef int fn_co_iallgather_c(const void *, MPI_Count, MPI_Datatype, void *, MPI_Count,
                               MPI_Datatype, MPI_Comm, MPI_Request *);
typedef int fn_co_allgather_init(const void *, int, MPI_Datatype, void *, int, MPI_Datatype,
                                 MPI_Comm, MPI_Info, MPI_Request *);
typedef int fn_co_allgather_init_c(const void *, MPI_Count, MPI_Datatype, void *, MPI_Count,
                                   MPI_Datatype, MPI_Comm, MPI_Info, MPI_Request *);
typedef int fn_co_allgatherv(const void *, int, MPI_Datatype, void *, const int *, const int *,
                             MPI_Datatype, MPI_Comm);
typedef int fn_co_allgatherv_c(const void *, MPI_Count, MPI_Datatype, void *, const MPI_Count *,
                               const MPI_Aint *, MPI_Datatype, MPI_Comm);
typedef int fn_co_iallgatherv(const void *, int, MPI_Datatype, void *, const int *, const int *,
                              MPI_Datatype, MPI_Comm, MPI_Request *);
typedef int fn_co_iallgatherv_c(const void *, MPI_Count, MPI_Datatype, void *, const MPI_Count *,
                                const MPI_Aint *, MPI_Datatype, MPI_Comm, MPI_Request *);
typedef int fn_co_allgatherv_init(const void *, int, MPI_Datatype, void *, const int *, const int *,
                                  MPI_Datatype, MPI_Comm, MPI_Info, MPI_Request *);
typedef int fn_co_allgatherv_init_c(const void *, MPI_Count, MPI_Datatype, void *,
                                    const MPI_Count *, const MPI_Aint *, MPI_Datatype, MPI_Comm,
                                    MPI_Info, MPI_Request *);
typedef int fn_co_alltoallv(const void *, const int *, const int *, MPI_Datatype, void *,
                            const int *, const int *, MPI_Datatype, MPI_Comm);
typedef int fn_co_alltoallv_c(const void *, const MPI_Count *, const MPI_Aint *, MPI_Datatype,
                              void *, const MPI_Count *, const MPI_Aint *, MPI_Datatype, MPI_Comm);
typedef int fn_co_ialltoallv(const void *, const int *, const int *, MPI_Datatype, void *,
                             const int *, const int *, MPI_Datatype, MPI_Comm, MPI_Request *);
typedef int fn_co_ialltoallv_c(const void *, const MPI_Count *, const MPI_Aint *, MPI_Datatype,
                               void *, const MPI_Count *, const MPI_Aint *, MPI_Datatype, MPI_Comm,
                               MPI_Request *);
typedef int fn_co_alltoallv_init(const void *, const int *, const int *, MPI_Datatype, void *,
                                 const int *, const int *, MPI_Datatype, MPI_Comm, MPI_Info,
                                 MPI_Request *);
typedef int fn_co_alltoallv_init_c(const void *, const MPI_Count *, const MPI_Aint *, MPI_Datatype,
                                   void *, const MPI_Count *, const MPI_Aint *, MPI_Datatype,
                                   MPI_Comm, MPI_Info, MPI_Request *);
typedef int fn_co_alltoallw(const void *, const int *, const int *, const MPI_Datatype *, void *,
                            const int *, const int *, const MPI_Datatype *, MPI_Comm);
typedef int fn_co_alltoallw_c(const void *, const MPI_Count *, const MPI_Aint *,
                              const MPI_Datatype *, void *, const MPI_Count *, const MPI_Aint *,
                              const MPI_Datatype *, MPI_Comm);
typedef int fn_co_ialltoallw(const void *, const int *, const int *, const MPI_Datatype *, void *,
                             const int *, const int *, const MPI_Datatype *, MPI_Comm,
                             MPI_Request *);
typedef int fn_co_ialltoallw_c(const void *, const MPI_Count *, const MPI_Aint *,
                               const MPI_Datatype *, void *, const MPI_Count *, const MPI_Aint *,
                               const MPI_Datatype *, MPI_Comm, MPI_Request *);
typedef int fn_co_alltoallw_init(const void *, const int *, const int *, const MPI_Datatype *,
                                 void *, const int *, const int *, const MPI_Datatype *, MPI_Comm,
                                 MPI_Info, MPI_Request *);
typedef int fn_co_alltoallw_init_c(const void *, const MPI_Count *, const MPI_Aint *,
                                   const MPI_Datatype *, void *, const MPI_Count *,
                                   const MPI_Aint *, const MPI_Datatype *, MPI_Comm, MPI_Info,
                                   MPI_Request *);
typedef int fn_co_reduce(const void *, void *, int, MPI_Datatype, MPI_Op, int, MPI_Comm);
typedef int fn_co_reduce_c(const void *, void *, MPI_Count, MPI_Datatype, MPI_Op, int, MPI_Comm);
typedef int fn_co_ireduce(const void *, void *, int, MPI_Datatype, MPI_Op, int, MPI_Comm,
                          MPI_Request *);
typedef int fn_co_ireduce_c(const void *, void *, MPI_Count, MPI_Datatype, MPI_Op, int, MPI_Comm,
                            MPI_Request *);
typedef int fn_co_reduce_init(const void *, void *, int, MPI_Datatype, MPI_Op, int, MPI_Comm,
                              MPI_Info, MPI_Request *);
typedef int fn_co_reduce_init_c(const void *, void *, MPI_Count, MPI_Datatype, MPI_Op, int,
                                MPI_Comm, MPI_Info, MPI_Request *);
typedef int fn_co_allreduce(const void *, void *, int, MPI_Datatype, MPI_Op, MPI_Comm);
typedef int fn_co_allreduce_c(const void *, void *, MPI_Count, MPI_Datatype, MPI_Op, MPI_Comm);
typedef int fn_co_iallreduce(const void *, void *, int, MPI_Datatype, MPI_Op, MPI_Comm,
                             MPI_Request *);
typedef int fn_co_iallreduce_c(const void *, void *, MPI_Count, MPI_Datatype, MPI_Op, MPI_Comm,
                               MPI_Request *);
typedef int fn_co_allreduce_init(const void *, void *, int, MPI_Datatype, MPI_Op, MPI_Comm,
                                 MPI_Info, MPI_Request *);
typedef int fn_co_allreduce_init_c(const void *, void *, MPI_Count, MPI_Datatype, MPI_Op, MPI_Comm,
                                   MPI_Info, MPI_Request *);
typedef int fn_co_reduce_scatter(const void *, void *, const int *, MPI_Datatype, MPI_Op, MPI_Comm);
typedef int fn_co_reduce_scatter_c(const void *, void *, const MPI_Count *, MPI_Datatype, MPI_Op,
                                   MPI_Comm);
typedef int fn_co_ireduce_scatter(const void *, void *, const int *, MPI_Datatype, MPI_Op, MPI_Comm,
                                  MPI_Request *);
typedef int fn_co_ireduce_scatter_c(const void *, void *, const MPI_Count *, MPI_Datatype, MPI_Op,
                                    MPI_Comm, MPI_Request *);
typedef int fn_co_reduce_scatter_init(const void *, void *, const int *, MPI_Datatype, MPI_Op,
                                      MPI_Comm, MPI_Info, MPI_Request *);
typedef int fn_co_reduce_scatter_init_c(const void *, void *, const MPI_Count *, MPI_Datatype,
                                        MPI_Op, MPI_Comm, MPI_Info, MPI_Request *);
typedef int fn_co_neighbor_alltoallw(const void *, const int *, const MPI_Aint *,
                                     const MPI_Datatype *, void *, const int *, const MPI_Aint *,
                                     const MPI_Datatype *, MPI_Comm);
typedef int fn_co_ineighbor_alltoallw(const void *, const int *, const MPI_Aint *,
                                      const MPI_Datatype *, void *, const int *, const MPI_Aint *,
                                      const MPI_Datatype *, MPI_Comm, MPI_Request *);
typedef int fn_co_neighbor_alltoallw_init(const void *, const int *, const MPI_Aint *,
                                          const MPI_Datatype *, void *, const int *,
                                          const MPI_Aint *, const MPI_Datatype *, MPI_Comm,
                                          MPI_Info, MPI_Request *);
typedef int fn_co_op_create(MPI_User_function *, int, MPI_Op *);
typedef int fn_co_op_create_c(MPI_User_function_c *, int, MPI_Op *);
typedef int fn_co_op_free(MPI_Op *);
typedef int fn_co_op_commutative(MPI_Op, int *);
typedef int fn_co_reduce_local(const void *, void *, int, MPI_Datatype, MPI_Op);
typedef int fn_co_reduce_local_c(const void *, void *, MPI_Count, MPI_Datatype, MPI_Op);
typedef int fn_co_isendrecv(const void *, int, MPI_Datatype, int, int, void *, int, MPI_Datatype,
                            int, int, MPI_Comm, MPI_Request *);
typedef int fn_co_isendrecv_c(const void *, MPI_Count, MPI_Datatype, int, int, void *, MPI_Count,
                              MPI_Datatype, int, int, MPI_Comm, MPI_Request *);
typedef int fn_co_isendrecv_replace(void *, int, MPI_Datatype, int, int, int, int, MPI_Comm,
                                    MPI_Request *);
typedef int fn_co_isendrecv_replace_c(void *, MPI_Count, MPI_Datatype, int, int, int, int, MPI_Comm,
                                      MPI_Request *);

static void abi_prototypes_coll(void **state)
{
    (void) state;
    EXPECT_FN(Barrier, fn_co_barrier);
    EXPECT_FN(Ibarrier, fn_co_ibarrier);
    EXPECT_FN(Barrier_init, fn_co_barrier_init);
    EXPECT_FN(Bcast, fn_co_bcast);
    EXPECT_FN(Bcast_c, fn_co_bcast_c);
    EXPECT_FN(Ibcast, fn_co_ibcast);
    EXPECT_FN(Ibcast_c, fn_co_ibcast_c);
    EXPECT_FN(Bcast_init, fn_co_bcast_init);
    EXPECT_FN(Bcast_init_c, fn_co_bcast_init_c);
    EXPECT_FN(Gather, fn_co_gather);
    EXPECT_FN(Gather_c, fn_co_gather_c);
    EXPECT_FN(Igather, fn_co_igather);
    EXPECT_FN(Igather_c, fn_co_igather_c);
    EXPECT_FN(Gather_init, fn_co_gather_init);
    EXPECT_FN(Gather_init_c, fn_co_gather_init_c);
    EXPECT_FN(Gatherv, fn_co_gatherv);
    EXPECT_FN(Gatherv_c, fn_co_gatherv_c);
    EXPECT_FN(Igatherv, fn_co_igatherv);
    EXPECT_FN(Igatherv_c, fn_co_igatherv_c);
    EXPECT_FN(Gatherv_init, fn_co_gatherv_init);
    EXPECT_FN(Gatherv_init_c, fn_co_gatherv_init_c);
    EXPECT_FN(Scatter, fn_co_gather);
    EXPECT_FN(Scatter_c, fn_co_gather_c);
    EXPECT_FN(Iscatter, fn_co_igather);
    EXPECT_FN(Iscatter_c, fn_co_igather_c);
    EXPECT_FN(Scatter_init, fn_co_gather_init);
    EXPECT_FN(Scatter_init_c, fn_co_gather_init_c);
    EXPECT_FN(Scatterv, fn_co_scatterv);
    EXPECT_FN(Scatterv_c, fn_co_scatterv_c);
    EXPECT_FN(Iscatterv, fn_co_iscatterv);
    EXPECT_FN(Iscatterv_c, fn_co_iscatterv_c);
    EXPECT_FN(Scatterv_init, fn_co_scatterv_init);
    EXPECT_FN(Scatterv_init_c, fn_co_scatterv_init_c);
    EXPECT_FN(Allgather, fn_co_allgather);
    EXPECT_FN(Allgather_c, fn_co_allgather_c);
    EXPECT_FN(Iallgather, fn_co_iallgather);
    EXPECT_FN(Iallgather_c, fn_co_iallgather_c);
    EXPECT_FN(Allgather_init, fn_co_allgather_init);
    EXPECT_FN(Allgather_init_c, fn_co_allgather_init_c);
    EXPECT_FN(Allgatherv, fn_co_allgatherv);
    EXPECT_FN(Allgatherv_c, fn_co_allgatherv_c);
    EXPECT_FN(Iallgatherv, fn_co_iallgatherv);
    EXPECT_FN(Iallgatherv_c, fn_co_iallgatherv_c);
    EXPECT_FN(Allgatherv_init, fn_co_allgatherv_init);
    EXPECT_FN(Allgatherv_init_c, fn_co_allgatherv_init_c);
    EXPECT_FN(Alltoall, fn_co_allgather);
    EXPECT_FN(Alltoall_c, fn_co_allgather_c);
    EXPECT_FN(Ialltoall, fn_co_iallgather);
    EXPECT_FN(Ialltoall_c, fn_co_iallgather_c);
    EXPECT_FN(Alltoall_init, fn_co_allgather_init);
    EXPECT_FN(Alltoall_init_c, fn_co_allgather_init_c);
    EXPECT_FN(Alltoallv, fn_co_alltoallv);
    EXPECT_FN(Alltoallv_c, fn_co_alltoallv_c);
    EXPECT_FN(Ialltoallv, fn_co_ialltoallv);
    EXPECT_FN(Ialltoallv_c, fn_co_ialltoallv_c);
    EXPECT_FN(Alltoallv_init, fn_co_alltoallv_init);
    EXPECT_FN(Alltoallv_init_c, fn_co_alltoallv_init_c);
    EXPECT_FN(Alltoallw, fn_co_alltoallw);
    EXPECT_FN(Alltoallw_c, fn_co_alltoallw_c);
    EXPECT_FN(Ialltoallw, fn_co_ialltoallw);
    EXPECT_FN(Ialltoallw_c, fn_co_ialltoallw_c);
    EXPECT_FN(Alltoallw_init, fn_co_alltoallw_init);
    EXPECT_FN(Alltoallw_init_c, fn_co_alltoallw_init_c);
    EXPECT_FN(Reduce, fn_co_reduce);
    EXPECT_FN(Reduce_c, fn_co_reduce_c);
    EXPECT_FN(Ireduce, fn_co_ireduce);
    EXPECT_FN(Ireduce_c, fn_co_ireduce_c);
    EXPECT_FN(Reduce_init, fn_co_reduce_init);
    EXPECT_FN(Reduce_init_c, fn_co_reduce_init_c);
    EXPECT_FN(Allreduce, fn_co_allreduce);
    EXPECT_FN(Allreduce_c, fn_co_allreduce_c);
    EXPECT_FN(Iallreduce, fn_co_iallreduce);
    EXPECT_FN(Iallreduce_c, fn_co_iallreduce_c);
    EXPECT_FN(Allreduce_init, fn_co_allreduce_init);
    EXPECT_FN(Allreduce_init_c, fn_co_allreduce_init_c);
    EXPECT_FN(Reduce_scatter, fn_co_reduce_scatter);
    EXPECT_FN(Reduce_scatter_c, fn_co_reduce_scatter_c);
    EXPECT_FN(Ireduce_scatter, fn_co_ireduce_scatter);
    EXPECT_FN(Ireduce_scatter_c, fn_co_ireduce_scatter_c);
    EXPECT_FN(Reduce_scatter_init, fn_co_reduce_scatter_init);
    EXPECT_FN(Reduce_scatter_init_c, fn_co_reduce_scatter_init_c);
    EXPECT_FN(Reduce_scatter_block, fn_co_allreduce);
    EXPECT_FN(Reduce_scatter_block_c, fn_co_allreduce_c);
    EXPECT_FN(Ireduce_scatter_block, fn_co_iallreduce);
    EXPECT_FN(Ireduce_scatter_block_c, fn_co_iallreduce_c);
    EXPECT_FN(Reduce_scatter_block_init, fn_co_allreduce_init);
    EXPECT_FN(Reduce_scatter_block_init_c, fn_co_allreduce_init_c);
    EXPECT_FN(Scan, fn_co_allreduce);
    EXPECT_FN(Scan_c, fn_co_allreduce_c);
    EXPECT_FN(Iscan, fn_co_iallreduce);
    EXPECT_FN(Iscan_c, fn_co_iallreduce_c);
    EXPECT_FN(Scan_init, fn_co_allreduce_init);
    EXPECT_FN(Scan_init_c, fn_co_allreduce_init_c);
    EXPECT_FN(Exscan, fn_co_allreduce);
    EXPECT_FN(Exscan_c, fn_co_allreduce_c);
    EXPECT_FN(Iexscan, fn_co_iallreduce);
    EXPECT_FN(Iexscan_c, fn_co_iallreduce_c);
    EXPECT_FN(Exscan_init, fn_co_allreduce_init);
    EXPECT_FN(Exscan_init_c, fn_co_allreduce_init_c);
    EXPECT_FN(Neighbor_allgather, fn_co_allgather);
    EXPECT_FN(Neighbor_allgather_c, fn_co_allgather_c);
    EXPECT_FN(Ineighbor_allgather, fn_co_iallgather);
    EXPECT_FN(Ineighbor_allgather_c, fn_co_iallgather_c);
    EXPECT_FN(Neighbor_allgather_init, fn_co_allgather_init);
    EXPECT_FN(Neighbor_allgather_init_c, fn_co_allgather_init_c);
    EXPECT_FN(Neighbor_allgatherv, fn_co_allgatherv);
    EXPECT_FN(Neighbor_allgatherv_c, fn_co_allgatherv_c);
    EXPECT_FN(Ineighbor_allgatherv, fn_co_iallgatherv);
    EXPECT_FN(Ineighbor_allgatherv_c, fn_co_iallgatherv_c);
    EXPECT_FN(Neighbor_allgatherv_init, fn_co_allgatherv_init);
    EXPECT_FN(Neighbor_allgatherv_init_c, fn_co_allgatherv_init_c);
    EXPECT_FN(Neighbor_alltoall, fn_co_allgather);
    EXPECT_FN(Neighbor_alltoall_c, fn_co_allgather_c);
    EXPECT_FN(Ineighbor_alltoall, fn_co_iallgather);
    EXPECT_FN(Ineighbor_alltoall_c, fn_co_iallgather_c);
    EXPECT_FN(Neighbor_alltoall_init, fn_co_allgather_init);
    EXPECT_FN(Neighbor_alltoall_init_c, fn_co_allgather_init_c);
    EXPECT_FN(Neighbor_alltoallv, fn_co_alltoallv);
    EXPECT_FN(Neighbor_alltoallv_c, fn_co_alltoallv_c);
    EXPECT_FN(Ineighbor_alltoallv, fn_co_ialltoallv);
    EXPECT_FN(Ineighbor_alltoallv_c, fn_co_ialltoallv_c);
    EXPECT_FN(Neighbor_alltoallv_init, fn_co_alltoallv_init);
    EXPECT_FN(Neighbor_alltoallv_init_c, fn_co_alltoallv_init_c);
    EXPECT_FN(Neighbor_alltoallw, fn_co_neighbor_alltoallw);
    EXPECT_FN(Neighbor_alltoallw_c, fn_co_alltoallw_c);
    EXPECT_FN(Ineighbor_alltoallw, fn_co_ineighbor_alltoallw);
    EXPECT_FN(Ineighbor_alltoallw_c, fn_co_ialltoallw_c);
    EXPECT_FN(Neighbor_alltoallw_init, fn_co_neighbor_alltoallw_init);
    EXPECT_FN(Neighbor_alltoallw_init_c, fn_co_alltoallw_init_c);
    EXPECT_FN(Op_create, fn_co_op_create);
    EXPECT_FN(Op_create_c, fn_co_op_create_c);
    EXPECT_FN(Op_free, fn_co_op_free);
    EXPECT_FN(Op_commutative, fn_co_op_commutative);
    EXPECT_FN(Reduce_local, fn_co_reduce_local);
    EXPECT_FN(Reduce_local_c, fn_co_reduce_local_c);
    EXPECT_FN(Isendrecv, fn_co_isendrecv);
    EXPECT_FN(Isendrecv_c, fn_co_isendrecv_c);
    EXPECT_FN(Isendrecv_replace, fn_co_isendrecv_replace);
    EXPECT_FN(Isendrecv_replace_c, fn_co_isendrecv_replace_c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(abi_scalar_types),       cmocka_unit_test(abi_status_layout),
        cmocka_unit_test(abi_versions),           cmocka_unit_test(abi_handles),
        cmocka_unit_test(abi_datatypes),          cmocka_unit_test(abi_error_classes),
        cmocka_unit_test(abi_int_constants),      cmocka_unit_test(abi_pointer_constants),
        cmocka_unit_test(abi_callback_types),     cmocka_unit_test(abi_prototypes),
        cmocka_unit_test(abi_prototypes_err_f2c), cmocka_unit_test(abi_prototypes_datatypes),
        cmocka_unit_test(abi_prototypes_coll),
        cmocka_unit_test(abi_prototypes_comm), /* issue #4 */
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

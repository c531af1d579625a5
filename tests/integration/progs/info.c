/* info: every info call (create, set, get_string with short and empty buffers, the deprecated
 * get and get_valuelen, get_nkeys, get_nthkey in insertion order, dup, delete, free) and their
 * errors; MPI_INFO_ENV (command, argv, maxprocs, host, arch, wdir, thread_level) and
 * MPI_Info_create_env; MPI_Abi_get_info; info objects created before MPI_Init and used by
 * MPI_Alloc_mem; Fortran integers of info and group handles. Run with arguments "one two". */
#include "check.h"

#include <unistd.h>

static int rank, np;

/* The error class of a call made under MPI_ERRORS_RETURN. */
static int err_class(int ret)
{
    int cls = -1;

    CHECK_MPI(MPI_Error_class(ret, &cls));
    return cls;
}

static void expect_value(MPI_Info info, const char *key, const char *want, const char *what)
{
    char val[MPI_MAX_INFO_VAL + 1];
    int buflen = (int) sizeof(val), flag = -1;

    CHECK_MPI(MPI_Info_get_string(info, key, &buflen, val, &flag));
    if (want == NULL) {
        CHECK(!flag, "%s: key %s has value \"%s\"", what, key, val);
        return;
    }
    CHECK(flag, "%s: key %s is missing", what, key);
    CHECK(strcmp(val, want) == 0 && buflen == (int) strlen(want) + 1,
          "%s: key %s is \"%s\" (buflen %d), want \"%s\"", what, key, val, buflen, want);
}

static void test_basic(void)
{
    MPI_Info info, dup;
    char val[16], key[MPI_MAX_INFO_KEY];
    int n = -1, flag = -1, len = -1, buflen;

    CHECK_MPI(MPI_Info_create(&info));
    CHECK_MPI(MPI_Info_get_nkeys(info, &n));
    CHECK(n == 0, "a new info object has %d keys", n);
    CHECK_MPI(MPI_Info_set(info, "zeta", "1"));
    CHECK_MPI(MPI_Info_set(info, "alpha", "a value longer than sixteen bytes"));
    CHECK_MPI(MPI_Info_set(info, "mid", ""));
    CHECK_MPI(MPI_Info_set(info, "zeta", "2")); /* replaces, keeps its place */
    CHECK_MPI(MPI_Info_get_nkeys(info, &n));
    CHECK(n == 3, "nkeys %d, want 3", n);
    CHECK_MPI(MPI_Info_get_nthkey(info, 0, key));
    CHECK(strcmp(key, "zeta") == 0, "key 0 is %s", key);
    CHECK_MPI(MPI_Info_get_nthkey(info, 1, key));
    CHECK(strcmp(key, "alpha") == 0, "key 1 is %s", key);
    CHECK_MPI(MPI_Info_get_nthkey(info, 2, key));
    CHECK(strcmp(key, "mid") == 0, "key 2 is %s", key);
    expect_value(info, "zeta", "2", "basic");
    expect_value(info, "mid", "", "basic");
    expect_value(info, "nope", NULL, "basic");

    /* a short buffer: truncated and terminated; buflen says what it needs */
    buflen = 6;
    memset(val, 'x', sizeof(val));
    CHECK_MPI(MPI_Info_get_string(info, "alpha", &buflen, val, &flag));
    CHECK(flag && strcmp(val, "a val") == 0 && buflen == 34,
          "get_string into 6 bytes: \"%s\" buflen %d", val, buflen);
    buflen = 0;
    CHECK_MPI(MPI_Info_get_string(info, "alpha", &buflen, NULL, &flag));
    CHECK(flag && buflen == 34, "get_string with buflen 0: buflen %d", buflen);

    /* the deprecated pair */
    CHECK_MPI(MPI_Info_get_valuelen(info, "alpha", &len, &flag));
    CHECK(flag && len == 33, "get_valuelen: %d", len);
    CHECK_MPI(MPI_Info_get(info, "alpha", 5, val, &flag));
    CHECK(flag && strcmp(val, "a val") == 0, "get with valuelen 5: \"%s\"", val);
    CHECK_MPI(MPI_Info_get(info, "missing", 5, val, &flag));
    CHECK(!flag, "get of a missing key found it");

    /* dup is a separate object */
    CHECK_MPI(MPI_Info_dup(info, &dup));
    CHECK_MPI(MPI_Info_delete(info, "zeta"));
    CHECK_MPI(MPI_Info_get_nkeys(info, &n));
    CHECK(n == 2, "after delete: %d keys", n);
    expect_value(dup, "zeta", "2", "dup after delete in the original");
    CHECK_MPI(MPI_Info_get_nthkey(info, 0, key));
    CHECK(strcmp(key, "alpha") == 0, "after delete key 0 is %s", key);

    CHECK_MPI(MPI_Info_free(&dup));
    CHECK(dup == MPI_INFO_NULL, "free left the handle");
    CHECK_MPI(MPI_Info_free(&info));
}

static void test_errors(void)
{
    char longkey[MPI_MAX_INFO_KEY + 8], *longval = malloc(MPI_MAX_INFO_VAL + 8), key[8];
    MPI_Info info, env = MPI_INFO_ENV;
    int ret;

    CHECK(longval != NULL, "out of memory");
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    CHECK_MPI(MPI_Info_create(&info));
    memset(longkey, 'k', sizeof(longkey) - 1);
    longkey[sizeof(longkey) - 1] = '\0';
    memset(longval, 'v', MPI_MAX_INFO_VAL + 7);
    longval[MPI_MAX_INFO_VAL + 7] = '\0';
    ret = MPI_Info_set(info, longkey, "x");
    CHECK(err_class(ret) == MPI_ERR_INFO_KEY, "a long key gave class %d", err_class(ret));
    ret = MPI_Info_set(info, "", "x");
    CHECK(err_class(ret) == MPI_ERR_INFO_KEY, "an empty key gave class %d", err_class(ret));
    ret = MPI_Info_set(info, "k", longval);
    CHECK(err_class(ret) == MPI_ERR_INFO_VALUE, "a long value gave class %d", err_class(ret));
    ret = MPI_Info_delete(info, "absent");
    CHECK(err_class(ret) == MPI_ERR_INFO_NOKEY, "deleting an absent key gave class %d",
          err_class(ret));
    ret = MPI_Info_get_nthkey(info, 0, key);
    CHECK(err_class(ret) == MPI_ERR_ARG, "nthkey 0 of an empty object gave class %d",
          err_class(ret));
    ret = MPI_Info_set(MPI_INFO_NULL, "k", "v");
    CHECK(err_class(ret) == MPI_ERR_INFO, "set on MPI_INFO_NULL gave class %d", err_class(ret));
    ret = MPI_Info_set(MPI_INFO_ENV, "k", "v");
    CHECK(err_class(ret) == MPI_ERR_INFO, "set on MPI_INFO_ENV gave class %d", err_class(ret));
    ret = MPI_Info_free(&env);
    CHECK(err_class(ret) == MPI_ERR_INFO, "freeing MPI_INFO_ENV gave class %d", err_class(ret));
    CHECK_MPI(MPI_Info_free(&info));
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
    free(longval);
}

static void test_env(int argc, char **argv)
{
    char want[64], cwd[4096], host[MPI_MAX_PROCESSOR_NAME];
    MPI_Info mine;
    int len, nkeys = 0;

    expect_value(MPI_INFO_ENV, "command", argv[0], "MPI_INFO_ENV");
    expect_value(MPI_INFO_ENV, "argv", argc == 3 ? "one two" : NULL, "MPI_INFO_ENV");
    snprintf(want, sizeof(want), "%d", np);
    expect_value(MPI_INFO_ENV, "maxprocs", want, "MPI_INFO_ENV");
    expect_value(MPI_INFO_ENV, "thread_level", "MPI_THREAD_SINGLE", "MPI_INFO_ENV");
    CHECK(getcwd(cwd, sizeof(cwd)) != NULL, "getcwd failed");
    expect_value(MPI_INFO_ENV, "wdir", cwd, "MPI_INFO_ENV");
    CHECK_MPI(MPI_Get_processor_name(host, &len));
    expect_value(MPI_INFO_ENV, "host", host, "MPI_INFO_ENV");
    CHECK_MPI(MPI_Info_get_nkeys(MPI_INFO_ENV, &nkeys));
    CHECK(nkeys >= 6, "MPI_INFO_ENV has %d keys", nkeys);
    /* MPI_Info_create_env from our own arguments */
    CHECK_MPI(MPI_Info_create_env(argc, argv, &mine));
    expect_value(mine, "command", argv[0], "create_env");
    expect_value(mine, "argv", argc == 3 ? "one two" : NULL, "create_env");
    CHECK_MPI(MPI_Info_set(mine, "extra", "ok")); /* a user object: it may change */
    CHECK_MPI(MPI_Info_free(&mine));
    /* a dup of MPI_INFO_ENV is the user's */
    CHECK_MPI(MPI_Info_dup(MPI_INFO_ENV, &mine));
    CHECK_MPI(MPI_Info_delete(mine, "command"));
    expect_value(MPI_INFO_ENV, "command", argv[0], "MPI_INFO_ENV after deleting from a dup");
    CHECK_MPI(MPI_Info_free(&mine));
}

static void test_abi_and_handles(MPI_Info early)
{
    MPI_Info abi, back;
    MPI_Group g, gback;
    MPI_Fint f;
    void *mem = NULL;
    char want[8];

    CHECK_MPI(MPI_Abi_get_info(&abi));
    snprintf(want, sizeof(want), "%d", (int) sizeof(MPI_Aint));
    expect_value(abi, "mpi_aint_size", want, "MPI_Abi_get_info");
    snprintf(want, sizeof(want), "%d", (int) sizeof(MPI_Count));
    expect_value(abi, "mpi_count_size", want, "MPI_Abi_get_info");
    snprintf(want, sizeof(want), "%d", (int) sizeof(MPI_Offset));
    expect_value(abi, "mpi_offset_size", want, "MPI_Abi_get_info");
    f = MPI_Info_c2f(abi);
    back = MPI_Info_f2c(f);
    CHECK(back == abi && f >= 4096, "info c2f/f2c: %d", (int) f);
    CHECK_MPI(MPI_Info_free(&abi));
    CHECK(MPI_Info_f2c(f) == MPI_INFO_NULL, "the integer of a freed info object still maps");
    CHECK(MPI_Info_c2f(MPI_INFO_ENV) == (MPI_Fint) (intptr_t) MPI_INFO_ENV,
          "MPI_INFO_ENV's integer");

    CHECK_MPI(MPI_Comm_group(MPI_COMM_WORLD, &g));
    f = MPI_Group_c2f(g);
    gback = MPI_Group_f2c(f);
    CHECK(gback == g && f >= 4096, "group c2f/f2c: %d", (int) f);
    CHECK_MPI(MPI_Group_free(&g));
    CHECK(MPI_Group_f2c(f) == MPI_GROUP_NULL, "the integer of a freed group still maps");
    CHECK(MPI_Group_c2f(MPI_GROUP_EMPTY) == (MPI_Fint) (intptr_t) MPI_GROUP_EMPTY,
          "MPI_GROUP_EMPTY's integer");

    /* made before MPI_Init; hints for MPI_Alloc_mem */
    expect_value(early, "made", "before init", "info from before MPI_Init");
    CHECK_MPI(MPI_Alloc_mem(64, early, &mem));
    CHECK_MPI(MPI_Free_mem(mem));
}

int main(int argc, char **argv)
{
    MPI_Info early, late;

    /* info objects work before MPI_Init and after MPI_Finalize */
    CHECK_MPI(MPI_Info_create(&early));
    CHECK_MPI(MPI_Info_set(early, "made", "before init"));
    CHECK_MPI(MPI_Init(&argc, &argv));
    check_init("info");
    CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &np));
    test_basic();
    test_errors();
    test_env(argc, argv);
    test_abi_and_handles(early);
    CHECK_MPI(MPI_Finalize());
    CHECK_MPI(MPI_Info_free(&early));
    CHECK_MPI(MPI_Info_create(&late));
    CHECK_MPI(MPI_Info_free(&late));
    return 0;
}

/* hw_info: MPI_Get_hw_resource_info. The info names a resource type split_type knows in
 * "mpi_hw_resource_type"; every other key is a resource type with this process's object index
 * (a non-negative integer), and a key is there for the smallest type only if it is there for
 * every larger one. Checked against MPI_Comm_split_type(MPI_COMM_TYPE_HW_GUIDED): for every
 * type, the ranks in this rank's group are exactly those that report the same index (or, like
 * this one, none: unbound ranks share the host). With an argument, "mpi_hw_resource_type" must
 * be that name (launcher_bind.sh: PU or Core under --bind-to core). The info is the caller's
 * to free; a NULL argument gives MPI_ERR_ARG. */
#include "check.h"

static const char *const types[] = { "Package", "NUMANode", "L3Cache", "L2Cache", "Core", "PU" };
#define NTYPES ((int) (sizeof(types) / sizeof(types[0])))

/* The value of `key`, or NULL when the info has none. */
static const char *info_value(MPI_Info info, const char *key, char *buf, int len)
{
    int buflen = len, flag = 0;

    CHECK_MPI(MPI_Info_get_string(info, key, &buflen, buf, &flag));
    CHECK(!flag || buflen <= len, "%s: value of %d bytes", key, buflen);
    return flag ? buf : NULL;
}

int main(int argc, char **argv)
{
    char val[MPI_MAX_INFO_VAL], key[MPI_MAX_INFO_KEY];
    int rank, np, nkeys, idx[NTYPES], *all, seen = 0, ret;
    const char *smallest = "Machine";
    MPI_Info info, hint;
    MPI_Comm c;

    CHECK_MPI(MPI_Init(&argc, &argv));
    check_init("hw_info");
    CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &np));
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
    all = malloc(sizeof(int) * (size_t) np);
    CHECK(all != NULL, "out of memory");

    ret = MPI_Get_hw_resource_info(NULL);
    CHECK(ret != MPI_SUCCESS && check_errclass(ret) == MPI_ERR_ARG, "NULL hw_info: %s",
          ret == MPI_SUCCESS ? "MPI_SUCCESS" : check_errstr(ret));

    CHECK_MPI(MPI_Get_hw_resource_info(&info));
    CHECK(info != MPI_INFO_NULL, "MPI_INFO_NULL returned");
    CHECK(info_value(info, "mpi_hw_resource_type", val, sizeof(val)) != NULL,
          "no mpi_hw_resource_type key");
    for (int t = 0; t < NTYPES; t++) {
        const char *v = info_value(info, types[t], val, sizeof(val));
        char *end;

        idx[t] = -1;
        if (v == NULL) {
            continue;
        }
        idx[t] = (int) strtol(v, &end, 10);
        CHECK(*end == '\0' && idx[t] >= 0, "%s: value '%s' is no index", types[t], v);
        CHECK(seen == t, "%s is there but a larger type is not", types[t]);
        seen = t + 1;
        smallest = types[t];
    }
    /* keys: the types seen and mpi_hw_resource_type, nothing else */
    CHECK_MPI(MPI_Info_get_nkeys(info, &nkeys));
    CHECK(nkeys == seen + 1, "%d keys, want %d", nkeys, seen + 1);
    for (int i = 0; i < nkeys; i++) {
        CHECK_MPI(MPI_Info_get_nthkey(info, i, key));
    }
    CHECK(strcmp(info_value(info, "mpi_hw_resource_type", val, sizeof(val)), smallest) == 0,
          "mpi_hw_resource_type %s, want the smallest type listed, %s", val, smallest);
    if (argc > 1) {
        CHECK(strcmp(val, argv[1]) == 0, "mpi_hw_resource_type %s, want %s", val, argv[1]);
    }

    /* the same view as split_type: my group is the ranks with my index (all on one host) */
    CHECK_MPI(MPI_Info_create(&hint));
    for (int t = 0; t < NTYPES; t++) {
        int size, want = 0;

        CHECK_MPI(MPI_Allgather(&idx[t], 1, MPI_INT, all, 1, MPI_INT, MPI_COMM_WORLD));
        for (int r = 0; r < np; r++) {
            want += all[r] == idx[t];
        }
        CHECK_MPI(MPI_Info_set(hint, "mpi_hw_resource_type", types[t]));
        CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_GUIDED, rank, hint, &c));
        CHECK(c != MPI_COMM_NULL, "split by %s gave MPI_COMM_NULL", types[t]);
        CHECK_MPI(MPI_Comm_size(c, &size));
        CHECK(size == want, "split by %s: %d ranks, but %d report index %d", types[t], size,
              want, idx[t]);
        CHECK_MPI(MPI_Comm_free(&c));
    }
    CHECK_MPI(MPI_Info_free(&hint));
    CHECK_MPI(MPI_Info_free(&info));
    CHECK(info == MPI_INFO_NULL, "MPI_Info_free left the handle");

    free(all);
    CHECK_MPI(MPI_Finalize());
    return 0;
}

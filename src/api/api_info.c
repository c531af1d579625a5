/* Info objects: MPI_Info_create, set, get_string (and the deprecated get and get_valuelen),
 * get_nkeys, get_nthkey, dup, delete, free; MPI_INFO_ENV and MPI_Info_create_env (how this
 * process was started); MPI_Abi_get_info. Like the standard allows, these work before MPI_Init
 * and after MPI_Finalize too. */
#include "config.h"

#include "api.h"

#include "api_comm_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Longest key and value stored: a key must fit, with its terminator, into the
 * MPI_MAX_INFO_KEY bytes MPI_Info_get_nthkey writes; a value may be MPI_MAX_INFO_VAL long. */
#define INFO_KEY_MAX (MPI_MAX_INFO_KEY - 1)
#define INFO_VAL_MAX MPI_MAX_INFO_VAL

/* MPI_INFO_ENV's object, built on first use (calls may come before MPI_Init). */
static struct kr_api_info *info_env;

static struct kr_api_info *info_new(void)
{
    struct kr_api_info *info = calloc(1, sizeof(*info));

    if (info != NULL) {
        info->magic = KR_INFO_MAGIC;
    }
    return info;
}

void kr_api_info_free(struct kr_api_info *info)
{
    if (info == NULL) {
        return;
    }
    for (int i = 0; i < info->n; i++) {
        free(info->e[i].key);
        free(info->e[i].val);
    }
    free(info->e);
    info->magic = 0;
    free(info);
}

static int info_find(const struct kr_api_info *info, const char *key)
{
    for (int i = 0; i < info->n; i++) {
        if (strcmp(info->e[i].key, key) == 0) {
            return i;
        }
    }
    return -1;
}

const char *kr_api_info_get(const struct kr_api_info *info, const char *key)
{
    int i = info != NULL ? info_find(info, key) : -1;

    return i >= 0 ? info->e[i].val : NULL;
}

/* Set key to val (replacing an old value). 0 or -ENOMEM. */
static int info_put(struct kr_api_info *info, const char *key, const char *val)
{
    int i = info_find(info, key);
    char *v = strdup(val), *k = NULL;

    if (v == NULL) {
        return -ENOMEM;
    }
    if (i >= 0) {
        free(info->e[i].val);
        info->e[i].val = v;
        return 0;
    }
    if (info->n == info->cap) {
        int cap = info->cap > 0 ? 2 * info->cap : 8;
        struct kr_api_info_ent *e = realloc(info->e, sizeof(*e) * (size_t) cap);

        if (e == NULL) {
            free(v);
            return -ENOMEM;
        }
        info->e = e;
        info->cap = cap;
    }
    k = strdup(key);
    if (k == NULL) {
        free(v);
        return -ENOMEM;
    }
    info->e[info->n++] = (struct kr_api_info_ent){k, v};
    return 0;
}

int kr_api_info_set(struct kr_api_info **info, const char *key, const char *val)
{
    if (*info == NULL && (*info = info_new()) == NULL) {
        return -ENOMEM;
    }
    return info_put(*info, key, val);
}

int kr_api_info_dup(const struct kr_api_info *src, struct kr_api_info **info_out)
{
    struct kr_api_info *info = info_new();
    int ret = info == NULL ? -ENOMEM : 0;

    for (int i = 0; ret == 0 && src != NULL && i < src->n; i++) {
        ret = info_put(info, src->e[i].key, src->e[i].val);
    }
    if (ret != 0) {
        kr_api_info_free(info);
        return ret;
    }
    *info_out = info;
    return 0;
}

/* ---- MPI_INFO_ENV ---------------------------------------------------------------------- */

/* The command line from /proc/self/cmdline: argv[0] into `cmd`, the rest joined by spaces
 * into `args`. Empty strings when it cannot be read. */
static void info_env_cmdline(char *cmd, size_t cmdlen, char *args, size_t argslen)
{
    char buf[INFO_VAL_MAX + 1];
    size_t n = 0, at = 0;
    FILE *f = fopen("/proc/self/cmdline", "r");

    cmd[0] = args[0] = '\0';
    if (f == NULL) {
        return;
    }
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    snprintf(cmd, cmdlen, "%s", buf);
    for (size_t i = strlen(buf) + 1; i < n; i += strlen(buf + i) + 1) {
        at += (size_t) snprintf(args + at, at < argslen ? argslen - at : 0, "%s%s",
                                at > 0 ? " " : "", buf + i);
        if (at >= argslen) {
            break;
        }
    }
}

/* The keys of MPI_INFO_ENV that this process can fill: command and argv (from `argv` when
 * given, else from /proc), maxprocs and thread_level once MPI runs, host, arch, wdir. */
static int info_env_fill(struct kr_api_info *info, int argc, char *argv[])
{
    static const char *const levels[] = {"MPI_THREAD_SINGLE", "MPI_THREAD_FUNNELED",
                                         "MPI_THREAD_SERIALIZED"};
    char cmd[INFO_VAL_MAX + 1], args[INFO_VAL_MAX + 1], val[INFO_VAL_MAX + 1];
    struct utsname u;
    int ret;

    if (argv != NULL && argc > 0) {
        size_t at = 0;

        snprintf(cmd, sizeof(cmd), "%s", argv[0] != NULL ? argv[0] : "");
        args[0] = '\0';
        for (int i = 1; i < argc && argv[i] != NULL && at < sizeof(args); i++) {
            at +=
                (size_t) snprintf(args + at, sizeof(args) - at, "%s%s", i > 1 ? " " : "", argv[i]);
        }
    } else {
        info_env_cmdline(cmd, sizeof(cmd), args, sizeof(args));
    }
    ret = info_put(info, "command", cmd);
    if (ret == 0 && args[0] != '\0') {
        ret = info_put(info, "argv", args);
    }
    if (ret == 0 && kr_api.phase == KR_API_RUNNING) {
        snprintf(val, sizeof(val), "%d", kr_api.size);
        ret = info_put(info, "maxprocs", val);
        if (ret == 0) {
            ret = info_put(info, "thread_level", kr_api.thread_level == MPI_THREAD_MULTIPLE
                                                     ? "MPI_THREAD_MULTIPLE"
                                                     : levels[kr_api.thread_level]);
        }
    }
    if (ret == 0 && gethostname(val, sizeof(val)) == 0) {
        val[sizeof(val) - 1] = '\0';
        ret = info_put(info, "host", val);
    }
    if (ret == 0 && uname(&u) == 0) {
        ret = info_put(info, "arch", u.machine);
    }
    if (ret == 0 && getcwd(val, sizeof(val)) != NULL) {
        ret = info_put(info, "wdir", val);
    }
    return ret;
}

static struct kr_api_info *info_env_get(void)
{
    struct kr_api_info *info;

    if (info_env != NULL) {
        return info_env;
    }
    info = info_new();
    if (info == NULL || info_env_fill(info, 0, NULL) != 0) {
        kr_api_info_free(info);
        return NULL;
    }
    info_env = info;
    return info;
}

void kr_api_info_env_free(void)
{
    kr_api_info_free(info_env);
    info_env = NULL;
}

/* ---- handles and checks ----------------------------------------------------------------- */

struct kr_api_info *kr_api_info(MPI_Info h)
{
    struct kr_api_info *info = (struct kr_api_info *) (void *) h;

    if (h == MPI_INFO_ENV) {
        return info_env_get();
    }
    if ((uintptr_t) h < KR_HANDLE_USER_MIN || info->magic != KR_INFO_MAGIC) {
        return NULL;
    }
    return info;
}

int kr_api_check_info(const char *call, struct kr_comm *comm, MPI_Info h, bool null_ok,
                      struct kr_api_info **info_out)
{
    struct kr_api_info *info;

    if (h == MPI_INFO_NULL && null_ok) {
        *info_out = NULL;
        return MPI_SUCCESS;
    }
    info = kr_api_info(h);
    if (info == NULL) {
        if (h == MPI_INFO_ENV) {
            return kr_api_error(comm, MPI_ERR_NO_MEM, "%s: out of memory for MPI_INFO_ENV", call);
        }
        return kr_api_error(comm, MPI_ERR_INFO, "%s: %s is not a valid info object", call,
                            h == MPI_INFO_NULL ? "MPI_INFO_NULL" : "the info argument");
    }
    *info_out = info;
    return MPI_SUCCESS;
}

/* An info object the call may change: not MPI_INFO_ENV. */
static int info_check_mutable(const char *call, MPI_Info h, struct kr_api_info **info_out)
{
    if (h == MPI_INFO_ENV) {
        return kr_api_error(NULL, MPI_ERR_INFO,
                            "%s: MPI_INFO_ENV is predefined and cannot be "
                            "changed",
                            call);
    }
    return kr_api_check_info(call, NULL, h, false, info_out);
}

static int info_check_key(const char *call, const char *key)
{
    if (key == NULL) {
        return kr_api_error(NULL, MPI_ERR_INFO_KEY, "%s: key is NULL", call);
    }
    if (key[0] == '\0' || strlen(key) > INFO_KEY_MAX) {
        return kr_api_error(NULL, MPI_ERR_INFO_KEY, "%s: the key is %s", call,
                            key[0] == '\0' ? "empty"
                                           : "longer than MPI_MAX_INFO_KEY - 1 "
                                             "characters");
    }
    return MPI_SUCCESS;
}

static int info_nomem(const char *call)
{
    return kr_api_error(NULL, MPI_ERR_NO_MEM, "%s: out of memory", call);
}

/* ---- calls ------------------------------------------------------------------------------- */

KR_WEAK_ALIAS(Info_create)
int PMPI_Info_create(MPI_Info *info)
{
    struct kr_api_info *n;

    if (info == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Info_create: info is NULL");
    }
    n = info_new();
    if (n == NULL) {
        return info_nomem("MPI_Info_create");
    }
    *info = (MPI_Info) (void *) n;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Info_create_env)
int PMPI_Info_create_env(int argc, char *argv[], MPI_Info *info)
{
    struct kr_api_info *n;

    if (info == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Info_create_env: info is NULL");
    }
    n = info_new();
    if (n == NULL || info_env_fill(n, argc, argv) != 0) {
        kr_api_info_free(n);
        return info_nomem("MPI_Info_create_env");
    }
    *info = (MPI_Info) (void *) n;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Info_set)
int PMPI_Info_set(MPI_Info h, const char *key, const char *value)
{
    struct kr_api_info *info;
    int ret = info_check_mutable("MPI_Info_set", h, &info);

    if (ret == MPI_SUCCESS) {
        ret = info_check_key("MPI_Info_set", key);
    }
    if (ret == MPI_SUCCESS && value == NULL) {
        ret = kr_api_error(NULL, MPI_ERR_INFO_VALUE, "MPI_Info_set: value is NULL");
    }
    if (ret == MPI_SUCCESS && strlen(value) > INFO_VAL_MAX) {
        ret = kr_api_error(NULL, MPI_ERR_INFO_VALUE,
                           "MPI_Info_set: the value of \"%s\" is "
                           "%zu characters long, more than MPI_MAX_INFO_VAL (%d)",
                           key, strlen(value), INFO_VAL_MAX);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    return info_put(info, key, value) == 0 ? MPI_SUCCESS : info_nomem("MPI_Info_set");
}

KR_WEAK_ALIAS(Info_delete)
int PMPI_Info_delete(MPI_Info h, const char *key)
{
    struct kr_api_info *info;
    int ret = info_check_mutable("MPI_Info_delete", h, &info), i;

    if (ret == MPI_SUCCESS) {
        ret = info_check_key("MPI_Info_delete", key);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    i = info_find(info, key);
    if (i < 0) {
        return kr_api_error(NULL, MPI_ERR_INFO_NOKEY, "MPI_Info_delete: no key \"%s\"", key);
    }
    free(info->e[i].key);
    free(info->e[i].val);
    memmove(&info->e[i], &info->e[i + 1], sizeof(info->e[0]) * (size_t) (info->n - i - 1));
    info->n--;
    return MPI_SUCCESS;
}

/* Checks the lookups share: info, key, flag; the value of key or NULL. */
static int info_lookup(const char *call, MPI_Info h, const char *key, const int *flag,
                       const char **val_out)
{
    struct kr_api_info *info;
    int ret = kr_api_check_info(call, NULL, h, false, &info);

    if (ret == MPI_SUCCESS) {
        ret = info_check_key(call, key);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr(call, flag, "flag");
    }
    if (ret == MPI_SUCCESS) {
        *val_out = kr_api_info_get(info, key);
    }
    return ret;
}

KR_WEAK_ALIAS(Info_get_string)
int PMPI_Info_get_string(MPI_Info h, const char *key, int *buflen, char *value, int *flag)
{
    const char *val = NULL;
    int ret = info_lookup("MPI_Info_get_string", h, key, flag, &val);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Info_get_string", buflen, "buflen");
    }
    if (ret == MPI_SUCCESS && *buflen > 0 && val != NULL && value == NULL) {
        ret = kr_api_error(NULL, MPI_ERR_ARG,
                           "MPI_Info_get_string: value is NULL but buflen "
                           "is %d",
                           *buflen);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    *flag = val != NULL;
    if (val != NULL) {
        /* a short buffer gets a truncated, terminated value; buflen says what it takes */
        if (*buflen > 0) {
            snprintf(value, (size_t) *buflen, "%s", val);
        }
        *buflen = (int) strlen(val) + 1;
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Info_get)
int PMPI_Info_get(MPI_Info h, const char *key, int valuelen, char *value, int *flag)
{
    const char *val = NULL;
    int ret = info_lookup("MPI_Info_get", h, key, flag, &val);

    if (ret == MPI_SUCCESS && valuelen < 0) {
        ret = kr_api_error(NULL, MPI_ERR_ARG, "MPI_Info_get: valuelen %d is negative", valuelen);
    }
    if (ret == MPI_SUCCESS && value == NULL) {
        ret = kr_api_error(NULL, MPI_ERR_ARG, "MPI_Info_get: value is NULL");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    *flag = val != NULL;
    if (val != NULL) {
        /* value holds valuelen characters and the terminator */
        snprintf(value, (size_t) valuelen + 1, "%s", val);
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Info_get_valuelen)
int PMPI_Info_get_valuelen(MPI_Info h, const char *key, int *valuelen, int *flag)
{
    const char *val = NULL;
    int ret = info_lookup("MPI_Info_get_valuelen", h, key, flag, &val);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Info_get_valuelen", valuelen, "valuelen");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    *flag = val != NULL;
    if (val != NULL) {
        *valuelen = (int) strlen(val);
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Info_get_nkeys)
int PMPI_Info_get_nkeys(MPI_Info h, int *nkeys)
{
    struct kr_api_info *info;
    int ret = kr_api_check_info("MPI_Info_get_nkeys", NULL, h, false, &info);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Info_get_nkeys", nkeys, "nkeys");
    }
    if (ret == MPI_SUCCESS) {
        *nkeys = info->n;
    }
    return ret;
}

KR_WEAK_ALIAS(Info_get_nthkey)
int PMPI_Info_get_nthkey(MPI_Info h, int n, char *key)
{
    struct kr_api_info *info;
    int ret = kr_api_check_info("MPI_Info_get_nthkey", NULL, h, false, &info);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Info_get_nthkey", key, "key");
    }
    if (ret == MPI_SUCCESS && (n < 0 || n >= info->n)) {
        ret = kr_api_error(NULL, MPI_ERR_ARG, "MPI_Info_get_nthkey: n %d is not in 0..%d", n,
                           info->n - 1);
    }
    if (ret == MPI_SUCCESS) {
        snprintf(key, MPI_MAX_INFO_KEY, "%s", info->e[n].key);
    }
    return ret;
}

KR_WEAK_ALIAS(Info_dup)
int PMPI_Info_dup(MPI_Info h, MPI_Info *newinfo)
{
    struct kr_api_info *info, *n;
    int ret = kr_api_check_info("MPI_Info_dup", NULL, h, false, &info);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Info_dup", newinfo, "newinfo");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (kr_api_info_dup(info, &n) != 0) {
        return info_nomem("MPI_Info_dup");
    }
    *newinfo = (MPI_Info) (void *) n;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Info_free)
int PMPI_Info_free(MPI_Info *h)
{
    struct kr_api_info *info;
    int ret = kr_api_check_ptr("MPI_Info_free", h, "info");

    if (ret == MPI_SUCCESS) {
        ret = info_check_mutable("MPI_Info_free", *h, &info);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    kr_api_handle_forget(KR_API_H_INFO, info);
    kr_api_info_free(info);
    *h = MPI_INFO_NULL;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Abi_get_info)
int PMPI_Abi_get_info(MPI_Info *info)
{
    struct kr_api_info *n;
    char val[16];
    int ret = kr_api_check_ptr("MPI_Abi_get_info", info, "info");

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    n = info_new();
    ret = n == NULL ? -ENOMEM : 0;
    if (ret == 0) {
        snprintf(val, sizeof(val), "%zu", sizeof(MPI_Aint));
        ret = info_put(n, "mpi_aint_size", val);
    }
    if (ret == 0) {
        snprintf(val, sizeof(val), "%zu", sizeof(MPI_Count));
        ret = info_put(n, "mpi_count_size", val);
    }
    if (ret == 0) {
        snprintf(val, sizeof(val), "%zu", sizeof(MPI_Offset));
        ret = info_put(n, "mpi_offset_size", val);
    }
    if (ret != 0) {
        kr_api_info_free(n);
        return info_nomem("MPI_Abi_get_info");
    }
    *info = (MPI_Info) (void *) n;
    return MPI_SUCCESS;
}

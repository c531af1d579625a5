/* Error classes and codes: the predefined ones and those the program adds (MPI_Add_error_*,
 * MPI_Remove_error_*), their names and strings (MPI_Error_class, MPI_Error_string), and leaving
 * the job. Error handlers and the way a failed call is reported are in api_errh.c. */
#include "config.h"

#include "api.h"

#include "util/errors.h"
#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- predefined classes ------------------------------------------------------------------ */

struct api_err_class {
    const char *name; /* "MPI_ERR_RANK" */
    const char *text; /* "invalid rank" */
};

#define API_CLASS(cls, text) [cls] = {#cls, text}

static const struct api_err_class api_err_classes[] = {
    API_CLASS(MPI_SUCCESS, "no error"),
    API_CLASS(MPI_ERR_BUFFER, "invalid buffer pointer"),
    API_CLASS(MPI_ERR_COUNT, "invalid count argument"),
    API_CLASS(MPI_ERR_TYPE, "invalid datatype"),
    API_CLASS(MPI_ERR_TAG, "invalid tag"),
    API_CLASS(MPI_ERR_COMM, "invalid communicator"),
    API_CLASS(MPI_ERR_RANK, "invalid rank"),
    API_CLASS(MPI_ERR_REQUEST, "invalid request"),
    API_CLASS(MPI_ERR_ROOT, "invalid root"),
    API_CLASS(MPI_ERR_GROUP, "invalid group"),
    API_CLASS(MPI_ERR_OP, "invalid reduction operation"),
    API_CLASS(MPI_ERR_TOPOLOGY, "invalid topology"),
    API_CLASS(MPI_ERR_DIMS, "invalid dimension argument"),
    API_CLASS(MPI_ERR_ARG, "invalid argument"),
    API_CLASS(MPI_ERR_UNKNOWN, "unknown error"),
    API_CLASS(MPI_ERR_TRUNCATE, "message truncated"),
    API_CLASS(MPI_ERR_OTHER, "other error"),
    API_CLASS(MPI_ERR_INTERN, "internal error"),
    API_CLASS(MPI_ERR_PENDING, "pending request"),
    API_CLASS(MPI_ERR_IN_STATUS, "error code is in the status"),
    API_CLASS(MPI_ERR_ACCESS, "permission denied"),
    API_CLASS(MPI_ERR_AMODE, "invalid file access mode"),
    API_CLASS(MPI_ERR_ASSERT, "invalid assertion"),
    API_CLASS(MPI_ERR_BAD_FILE, "invalid file name"),
    API_CLASS(MPI_ERR_BASE, "invalid base"),
    API_CLASS(MPI_ERR_CONVERSION, "data conversion error"),
    API_CLASS(MPI_ERR_DISP, "invalid displacement"),
    API_CLASS(MPI_ERR_DUP_DATAREP, "data representation already defined"),
    API_CLASS(MPI_ERR_FILE_EXISTS, "file exists"),
    API_CLASS(MPI_ERR_FILE_IN_USE, "file in use"),
    API_CLASS(MPI_ERR_FILE, "invalid file handle"),
    API_CLASS(MPI_ERR_INFO_KEY, "invalid info key"),
    API_CLASS(MPI_ERR_INFO_NOKEY, "info key not found"),
    API_CLASS(MPI_ERR_INFO_VALUE, "invalid info value"),
    API_CLASS(MPI_ERR_INFO, "invalid info object"),
    API_CLASS(MPI_ERR_IO, "I/O error"),
    API_CLASS(MPI_ERR_KEYVAL, "invalid attribute key"),
    API_CLASS(MPI_ERR_LOCKTYPE, "invalid lock type"),
    API_CLASS(MPI_ERR_NAME, "name not found"),
    API_CLASS(MPI_ERR_NO_MEM, "out of memory"),
    API_CLASS(MPI_ERR_NOT_SAME, "arguments differ between processes"),
    API_CLASS(MPI_ERR_NO_SPACE, "out of space"),
    API_CLASS(MPI_ERR_NO_SUCH_FILE, "no such file"),
    API_CLASS(MPI_ERR_PORT, "invalid port name"),
    API_CLASS(MPI_ERR_QUOTA, "quota exceeded"),
    API_CLASS(MPI_ERR_READ_ONLY, "read-only file"),
    API_CLASS(MPI_ERR_RMA_ATTACH, "memory cannot be attached"),
    API_CLASS(MPI_ERR_RMA_CONFLICT, "conflicting window accesses"),
    API_CLASS(MPI_ERR_RMA_RANGE, "window access out of range"),
    API_CLASS(MPI_ERR_RMA_SHARED, "memory cannot be shared"),
    API_CLASS(MPI_ERR_RMA_SYNC, "wrong window synchronization"),
    API_CLASS(MPI_ERR_SERVICE, "invalid service name"),
    API_CLASS(MPI_ERR_SIZE, "invalid size"),
    API_CLASS(MPI_ERR_SPAWN, "cannot spawn processes"),
    API_CLASS(MPI_ERR_UNSUPPORTED_DATAREP, "unsupported data representation"),
    API_CLASS(MPI_ERR_UNSUPPORTED_OPERATION, "unsupported operation"),
    API_CLASS(MPI_ERR_WIN, "invalid window"),
    API_CLASS(MPI_ERR_RMA_FLAVOR, "wrong window flavor"),
    API_CLASS(MPI_ERR_PROC_ABORTED, "a process aborted"),
    API_CLASS(MPI_ERR_VALUE_TOO_LARGE, "value too large"),
    API_CLASS(MPI_ERR_SESSION, "invalid session"),
    API_CLASS(MPI_ERR_ERRHANDLER, "invalid error handler"),
};

#define API_NCLASSES ((int) (sizeof(api_err_classes) / sizeof(api_err_classes[0])))

/* The codes MPI_T calls return are classes of their own (MPI-5.0 15.3.10), so that
 * MPI_Error_class and MPI_Error_string know them too. */
#define API_T_CLASS(cls, text) [cls - MPI_T_ERR_CANNOT_INIT] = {#cls, text}

static const struct api_err_class api_err_t_classes[] = {
    API_T_CLASS(MPI_T_ERR_CANNOT_INIT, "the tool interface cannot be initialized"),
    API_T_CLASS(MPI_T_ERR_NOT_ACCESSIBLE, "not accessible"),
    API_T_CLASS(MPI_T_ERR_NOT_INITIALIZED, "the tool interface is not initialized"),
    API_T_CLASS(MPI_T_ERR_NOT_SUPPORTED, "not supported"),
    API_T_CLASS(MPI_T_ERR_MEMORY, "out of memory"),
    API_T_CLASS(MPI_T_ERR_INVALID, "invalid argument or use"),
    API_T_CLASS(MPI_T_ERR_INVALID_INDEX, "invalid index"),
    API_T_CLASS(MPI_T_ERR_INVALID_ITEM, "invalid enumeration item"),
    API_T_CLASS(MPI_T_ERR_INVALID_SESSION, "invalid performance variable session"),
    API_T_CLASS(MPI_T_ERR_INVALID_HANDLE, "invalid handle"),
    API_T_CLASS(MPI_T_ERR_INVALID_NAME, "no variable, category or event of that name"),
    API_T_CLASS(MPI_T_ERR_OUT_OF_HANDLES, "no more handles"),
    API_T_CLASS(MPI_T_ERR_OUT_OF_SESSIONS, "no more sessions"),
    API_T_CLASS(MPI_T_ERR_CVAR_SET_NOT_NOW, "the control variable cannot be set now"),
    API_T_CLASS(MPI_T_ERR_CVAR_SET_NEVER, "the control variable can never be set"),
    API_T_CLASS(MPI_T_ERR_PVAR_NO_WRITE, "the performance variable cannot be written"),
    API_T_CLASS(MPI_T_ERR_PVAR_NO_STARTSTOP, "the performance variable cannot be started"),
    API_T_CLASS(MPI_T_ERR_PVAR_NO_ATOMIC, "the performance variable cannot be read and reset "
                                          "atomically"),
};

/* The entry of a predefined class (MPI_ or MPI_T_), or NULL. */
static const struct api_err_class *api_err_predef(int code)
{
    int t = code - MPI_T_ERR_CANNOT_INIT;

    if (code >= 0 && code < API_NCLASSES) {
        return &api_err_classes[code];
    }
    if (t >= 0 && t < (int) (sizeof(api_err_t_classes) / sizeof(api_err_t_classes[0]))) {
        return &api_err_t_classes[t];
    }
    return NULL;
}

/* ---- classes and codes the program adds ------------------------------------------------- */

/* Value API_ERR_DYN_FIRST + i is entry i. MPI_Remove_error_class/code mark an entry removed
 * but never hand its value out again, so ranks that add and remove in the same order still
 * agree on values, and a stale code cannot name a newer one. The cap catches a program that
 * adds codes in a loop. */
#define API_ERR_DYN_FIRST (MPI_ERR_LASTCODE + 1)
#define API_ERR_DYN_MAX 65536

struct api_err_dyn {
    int cls;      /* the code's class; a class's own value for a class */
    char *text;   /* from MPI_Add_error_string; NULL until then or after Remove_error_string */
    bool removed; /* MPI_Remove_error_class/code: no longer a value */
};

/* All the table's state in one place, so one lock can guard it later. */
static struct api_err_table {
    struct api_err_dyn *v;
    int n, cap;
} api_err_dyn;

static struct api_err_dyn *api_err_dyn_entry(int code)
{
    if (code < API_ERR_DYN_FIRST || code - API_ERR_DYN_FIRST >= api_err_dyn.n
        || api_err_dyn.v[code - API_ERR_DYN_FIRST].removed) {
        return NULL;
    }
    return &api_err_dyn.v[code - API_ERR_DYN_FIRST];
}

/* A new entry of class `cls` (-1: the entry is a class of its own). */
static int api_err_dyn_add(int cls, int *code_out)
{
    struct api_err_dyn *v;
    int cap, code;

    if (api_err_dyn.n == API_ERR_DYN_MAX) {
        return -ENOSPC;
    }
    if (api_err_dyn.n == api_err_dyn.cap) {
        cap = api_err_dyn.cap == 0 ? 16 : api_err_dyn.cap * 2;
        v = realloc(api_err_dyn.v, (size_t) cap * sizeof(*v));
        if (v == NULL) {
            return -ENOMEM;
        }
        api_err_dyn.v = v;
        api_err_dyn.cap = cap;
    }
    code = API_ERR_DYN_FIRST + api_err_dyn.n;
    api_err_dyn.v[api_err_dyn.n++] = (struct api_err_dyn){.cls = cls < 0 ? code : cls};
    *code_out = code;
    return 0;
}

int kr_api_err_add_class(int *class_out)
{
    return api_err_dyn_add(-1, class_out);
}

int kr_api_err_add_code(int errclass, int *code_out)
{
    /* MPI_SUCCESS is no class to add failures to */
    if (errclass == MPI_SUCCESS || kr_api_err_class(errclass) != errclass) {
        return -EINVAL;
    }
    return api_err_dyn_add(errclass, code_out);
}

int kr_api_err_set_string(int code, const char *text)
{
    struct api_err_dyn *e = api_err_dyn_entry(code);
    char *copy;

    if (e == NULL) {
        return -EINVAL;
    }
    copy = strdup(text);
    if (copy == NULL) {
        return -ENOMEM;
    }
    free(e->text);
    e->text = copy;
    return 0;
}

int kr_api_err_remove(int code, bool is_class)
{
    struct api_err_dyn *e = api_err_dyn_entry(code);

    if (e == NULL || (e->cls == code) != is_class) {
        return -EINVAL;
    }
    if (!is_class && e->text != NULL) {
        return -EBUSY; /* MPI-4.1 9.5: the string goes first */
    }
    for (int i = 0; is_class && i < api_err_dyn.n; i++) {
        const struct api_err_dyn *c = &api_err_dyn.v[i];

        if (!c->removed && c->cls == code && API_ERR_DYN_FIRST + i != code) {
            return -EBUSY; /* and the class's codes before the class */
        }
    }
    free(e->text);
    e->text = NULL;
    e->removed = true;
    return 0;
}

int kr_api_err_remove_string(int code)
{
    struct api_err_dyn *e = api_err_dyn_entry(code);

    if (e == NULL) {
        return -EINVAL;
    }
    if (e->text == NULL) {
        return -ENOENT;
    }
    free(e->text);
    e->text = NULL;
    return 0;
}

int kr_api_err_class(int code)
{
    const struct api_err_dyn *e;

    if (api_err_predef(code) != NULL) {
        return code;
    }
    e = api_err_dyn_entry(code);
    return e != NULL ? e->cls : -1;
}

int kr_api_err_lastused(void)
{
    return MPI_ERR_LASTCODE + api_err_dyn.n;
}

/* Name and text of `code` for messages. */
void kr_api_err_describe(int code, const char **name_out, const char **text_out)
{
    const struct api_err_dyn *e = api_err_dyn_entry(code);
    const struct api_err_class *p = api_err_predef(code);

    if (p != NULL) {
        *name_out = p->name;
        *text_out = p->text;
    } else if (e != NULL) {
        *name_out = e->cls == code ? "user-defined error class" : "user-defined error code";
        *text_out = e->text != NULL ? e->text : "no error string set";
    } else {
        *name_out = "MPI error";
        *text_out = "unknown error code";
    }
}

int kr_api_errclass(int ret)
{
    switch (-ret) {
    case 0: return MPI_SUCCESS;
    case KR_ETRUNC: return MPI_ERR_TRUNCATE;
    case ENOMEM: return MPI_ERR_NO_MEM;
    case EINVAL: return MPI_ERR_ARG;
    case ENOSPC: return MPI_ERR_NO_SPACE;
    case KR_EPEER: return MPI_ERR_PROC_ABORTED;
    default: return MPI_ERR_OTHER;
    }
}

/* ---- leaving the job --------------------------------------------------------------------- */

void kr_api_abort(int code, const char *msg)
{
    int status = code & 0xff;

    /* An exit status of 0 would read as success: keep failure visible. */
    if (code != 0 && status == 0) {
        status = 1;
    }
    fflush(NULL);
    if (kr_api.boot != NULL) {
        kr_boot_abort(kr_api.boot, code, msg);
    }
    _exit(status);
}

void kr_api_not_running(const char *call)
{
    fprintf(stderr, "kurir: %s called %s\n", call,
            kr_api.phase == KR_API_BEFORE_INIT ? "before MPI_Init" : "after MPI_Finalize");
    fflush(NULL);
    _exit(1);
}

/* ---- MPI_Error_* and MPI_Add_error_* ----------------------------------------------------- */

KR_WEAK_ALIAS(Error_class)
int PMPI_Error_class(int errorcode, int *errorclass)
{
    int cls;

    if (errorclass == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Error_class: errorclass is NULL");
    }
    cls = kr_api_err_class(errorcode);
    if (cls < 0) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Error_class: %d is not an error code",
                            errorcode);
    }
    *errorclass = cls;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Error_string)
int PMPI_Error_string(int errorcode, char *string, int *resultlen)
{
    const struct api_err_dyn *e = api_err_dyn_entry(errorcode);
    const struct api_err_class *p = api_err_predef(errorcode);
    int len;

    if (string == NULL || resultlen == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Error_string: %s is NULL",
                            string == NULL ? "string" : "resultlen");
    }
    if (p != NULL) {
        len = snprintf(string, MPI_MAX_ERROR_STRING, "%s: %s", p->name, p->text);
    } else if (e != NULL) {
        /* the program's own string, exactly; "" when it set none (MPI-4.1 9.5) */
        len = snprintf(string, MPI_MAX_ERROR_STRING, "%s", e->text != NULL ? e->text : "");
    } else {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Error_string: %d is not an error code",
                            errorcode);
    }
    *resultlen = len < MPI_MAX_ERROR_STRING ? len : MPI_MAX_ERROR_STRING - 1;
    return MPI_SUCCESS;
}

static int api_err_add_failed(const char *call, int ret)
{
    if (ret == -ENOSPC) {
        return kr_api_error(NULL, MPI_ERR_OTHER,
                            "%s: the program already added %d error "
                            "classes and codes, the most Kurir keeps",
                            call, API_ERR_DYN_MAX);
    }
    return kr_api_fail(NULL, call, ret);
}

KR_WEAK_ALIAS(Add_error_class)
int PMPI_Add_error_class(int *errorclass)
{
    int ret;

    kr_api_check_running("MPI_Add_error_class");
    if (errorclass == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Add_error_class: errorclass is NULL");
    }
    ret = kr_api_err_add_class(errorclass);
    return ret == 0 ? MPI_SUCCESS : api_err_add_failed("MPI_Add_error_class", ret);
}

KR_WEAK_ALIAS(Add_error_code)
int PMPI_Add_error_code(int errorclass, int *errorcode)
{
    int ret;

    kr_api_check_running("MPI_Add_error_code");
    if (errorcode == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Add_error_code: errorcode is NULL");
    }
    ret = kr_api_err_add_code(errorclass, errorcode);
    if (ret == -EINVAL) {
        return kr_api_error(NULL, MPI_ERR_ARG,
                            "MPI_Add_error_code: errorclass %d is not an "
                            "error class",
                            errorclass);
    }
    return ret == 0 ? MPI_SUCCESS : api_err_add_failed("MPI_Add_error_code", ret);
}

KR_WEAK_ALIAS(Add_error_string)
int PMPI_Add_error_string(int errorcode, const char *string)
{
    int ret;

    kr_api_check_running("MPI_Add_error_string");
    if (string == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Add_error_string: string is NULL");
    }
    if (strnlen(string, MPI_MAX_ERROR_STRING) == MPI_MAX_ERROR_STRING) {
        return kr_api_error(NULL, MPI_ERR_ARG,
                            "MPI_Add_error_string: string is longer than "
                            "MPI_MAX_ERROR_STRING - 1 (%d) characters",
                            MPI_MAX_ERROR_STRING - 1);
    }
    if (errorcode >= 0 && errorcode <= MPI_ERR_LASTCODE) {
        /* MPI-4.1 9.5: erroneous for any value not above MPI_ERR_LASTCODE */
        return kr_api_error(NULL, MPI_ERR_ARG,
                            "MPI_Add_error_string: error code %d is "
                            "predefined, and its string cannot change",
                            errorcode);
    }
    ret = kr_api_err_set_string(errorcode, string);
    if (ret == -EINVAL) {
        return kr_api_error(NULL, MPI_ERR_ARG,
                            "MPI_Add_error_string: %d is no error code or "
                            "class that MPI_Add_error_class/code returned",
                            errorcode);
    }
    return ret == 0 ? MPI_SUCCESS : kr_api_fail(NULL, "MPI_Add_error_string", ret);
}

/* MPI_Remove_error_*: the standard calls misuse erroneous without naming a class; Kurir
 * answers MPI_ERR_ARG, saying which rule was broken. `what` is what the call removes. */
enum api_err_what { API_ERR_CLASS, API_ERR_CODE, API_ERR_STRING };

static int api_err_remove_failed(const char *call, int code, int ret, enum api_err_what what)
{
    static const char *const added[] = {
        [API_ERR_CLASS] = "error class that MPI_Add_error_class",
        [API_ERR_CODE] = "error code that MPI_Add_error_code",
        [API_ERR_STRING] = "error class or code that MPI_Add_error_class/code",
    };

    if (code >= 0 && code <= MPI_ERR_LASTCODE) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: %d is predefined and cannot be removed",
                            call, code);
    }
    if (ret == -EBUSY) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: %d still has %s", call, code,
                            what == API_ERR_CLASS
                                ? "error codes; remove them first (MPI_Remove_error_code)"
                                : "an error string; remove it first (MPI_Remove_error_string)");
    }
    if (ret == -ENOENT) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: %d has no error string (none was added, or "
                            "it was removed)", call, code);
    }
    return kr_api_error(NULL, MPI_ERR_ARG, "%s: %d is no %s returned (or it was removed)", call,
                        code, added[what]);
}

KR_WEAK_ALIAS(Remove_error_class)
int PMPI_Remove_error_class(int errorclass)
{
    int ret;

    kr_api_check_running("MPI_Remove_error_class");
    ret = kr_api_err_remove(errorclass, true);
    return ret == 0 ? MPI_SUCCESS
                    : api_err_remove_failed("MPI_Remove_error_class", errorclass, ret,
                                            API_ERR_CLASS);
}

KR_WEAK_ALIAS(Remove_error_code)
int PMPI_Remove_error_code(int errorcode)
{
    int ret;

    kr_api_check_running("MPI_Remove_error_code");
    ret = kr_api_err_remove(errorcode, false);
    return ret == 0 ? MPI_SUCCESS
                    : api_err_remove_failed("MPI_Remove_error_code", errorcode, ret,
                                            API_ERR_CODE);
}

KR_WEAK_ALIAS(Remove_error_string)
int PMPI_Remove_error_string(int errorcode)
{
    int ret;

    kr_api_check_running("MPI_Remove_error_string");
    ret = kr_api_err_remove_string(errorcode);
    return ret == 0 ? MPI_SUCCESS
                    : api_err_remove_failed("MPI_Remove_error_string", errorcode, ret,
                                            API_ERR_STRING);
}

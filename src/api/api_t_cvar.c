/* MPI_T control variables: every KURIR_* setting of the library, under its environment name,
 * with its help text, and enumerations for the ENUM settings. Settings are read once, so a
 * write before MPI_Init takes effect at MPI_Init; after it only the settings the library reads
 * on every call (t_cvar_live) may change. Strings are never written: their memory belongs to
 * the environment or the defaults. */
#include "config.h"

#include "api_t_int.h"

#include <stdbool.h>
#include <string.h>

/* Read on every call, so a new value takes effect at once. */
static const char *const t_cvar_live[] = {"API_CHECKS", NULL};

int kr_t_cvar_first(int t, int *n_out)
{
    int first = 0, n = 0;

    for (int i = 0; i < t; i++) {
        for (const struct kr_setting *s = kr_settings_all[i]; s->name != NULL; s++) {
            first++;
        }
    }
    for (const struct kr_setting *s = kr_settings_all[t]; s->name != NULL; s++) {
        n++;
    }
    *n_out = n;
    return first;
}

int kr_t_cvar_num(void)
{
    int n = 0;

    for (int t = 0; kr_settings_all[t] != NULL; t++) {
        for (const struct kr_setting *s = kr_settings_all[t]; s->name != NULL; s++) {
            n++;
        }
    }
    return n;
}

/* The setting behind cvar `index`, or NULL. */
static const struct kr_setting *t_cvar_at(int index)
{
    if (index < 0) {
        return NULL;
    }
    for (int t = 0; kr_settings_all[t] != NULL; t++) {
        for (const struct kr_setting *s = kr_settings_all[t]; s->name != NULL; s++) {
            if (index-- == 0) {
                return s;
            }
        }
    }
    return NULL;
}

static bool t_cvar_is_live(const struct kr_setting *s)
{
    for (int i = 0; t_cvar_live[i] != NULL; i++) {
        if ((s->flags & KR_SET_VERBATIM) == 0 && strcmp(s->name, t_cvar_live[i]) == 0) {
            return true;
        }
    }
    return false;
}

static MPI_Datatype t_cvar_type(const struct kr_setting *s)
{
    switch (s->type) {
    case KR_SET_SIZE: return MPI_UNSIGNED_LONG;
    case KR_SET_STRING: return MPI_CHAR;
    default: return MPI_INT; /* INT, BOOL (0 or 1) and ENUM (index of the choice) */
    }
}

static int t_cvar_scope(const struct kr_setting *s)
{
    if (s->type == KR_SET_STRING) {
        return MPI_T_SCOPE_READONLY;
    }
    /* the rest shape how processes talk to each other: all must agree */
    return t_cvar_is_live(s) ? MPI_T_SCOPE_LOCAL : MPI_T_SCOPE_ALL_EQ;
}

static const char *t_cvar_string(const struct kr_setting *s)
{
    const char *v = *(const char *const *) s->ptr;

    return v != NULL ? v : "";
}

KR_WEAK_ALIAS(T_cvar_get_num)
int PMPI_T_cvar_get_num(int *num_cvar)
{
    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    if (num_cvar == NULL) {
        return MPI_T_ERR_INVALID;
    }
    *num_cvar = kr_t_cvar_num();
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(T_cvar_get_info)
int PMPI_T_cvar_get_info(int cvar_index, char *name, int *name_len, int *verbosity,
                         MPI_Datatype *datatype, MPI_T_enum *enumtype, char *desc, int *desc_len,
                         int *bind, int *scope)
{
    const struct kr_setting *s;
    char env[128];

    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    s = t_cvar_at(cvar_index);
    if (s == NULL) {
        return MPI_T_ERR_INVALID_INDEX;
    }
    kr_t_str_out(kr_setting_env_name(s, env, sizeof(env)), name, name_len);
    kr_t_str_out(s->help != NULL ? s->help : "", desc, desc_len);
    if (verbosity != NULL) {
        *verbosity = MPI_T_VERBOSITY_TUNER_BASIC;
    }
    if (datatype != NULL) {
        *datatype = t_cvar_type(s);
    }
    if (enumtype != NULL) {
        /* the enumeration's handle is its setting */
        *enumtype = s->type == KR_SET_ENUM ? (MPI_T_enum) (void *) (uintptr_t) s : MPI_T_ENUM_NULL;
    }
    if (bind != NULL) {
        *bind = MPI_T_BIND_NO_OBJECT;
    }
    if (scope != NULL) {
        *scope = t_cvar_scope(s);
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(T_cvar_get_index)
int PMPI_T_cvar_get_index(const char *name, int *cvar_index)
{
    char env[128];
    int i = 0;

    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    if (name == NULL || cvar_index == NULL) {
        return MPI_T_ERR_INVALID;
    }
    for (int t = 0; kr_settings_all[t] != NULL; t++) {
        for (const struct kr_setting *s = kr_settings_all[t]; s->name != NULL; s++, i++) {
            if (strcmp(kr_setting_env_name(s, env, sizeof(env)), name) == 0) {
                *cvar_index = i;
                return MPI_SUCCESS;
            }
        }
    }
    return MPI_T_ERR_INVALID_NAME;
}

KR_WEAK_ALIAS(T_cvar_handle_alloc)
int PMPI_T_cvar_handle_alloc(int cvar_index, void *obj_handle, MPI_T_cvar_handle *handle,
                             int *count)
{
    const struct kr_setting *s;
    struct kr_t_obj *o;

    (void) obj_handle; /* no variable is bound to an object */
    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    s = t_cvar_at(cvar_index);
    if (s == NULL) {
        return MPI_T_ERR_INVALID_INDEX;
    }
    if (handle == NULL || count == NULL) {
        return MPI_T_ERR_INVALID;
    }
    if (kr_t_obj_new(KR_T_CVAR_HANDLE, &o) != 0) {
        return MPI_T_ERR_MEMORY;
    }
    o->index = cvar_index;
    /* a string is read into a char buffer of this many elements, null included */
    o->count = s->type == KR_SET_STRING ? (int) strlen(t_cvar_string(s)) + 1 : 1;
    *count = o->count;
    *handle = (MPI_T_cvar_handle) (void *) o;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(T_cvar_handle_free)
int PMPI_T_cvar_handle_free(MPI_T_cvar_handle *handle)
{
    struct kr_t_obj *o;

    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    if (handle == NULL) {
        return MPI_T_ERR_INVALID;
    }
    o = kr_t_obj_find(*handle, KR_T_CVAR_HANDLE);
    if (o == NULL) {
        return MPI_T_ERR_INVALID_HANDLE;
    }
    kr_t_obj_free(o);
    *handle = MPI_T_CVAR_HANDLE_NULL;
    return MPI_SUCCESS;
}

/* The setting behind a live cvar handle, or NULL with *ret_out set. */
static const struct kr_setting *t_cvar_handle(MPI_T_cvar_handle h, const void *buf, int *ret_out)
{
    struct kr_t_obj *o;

    *ret_out = MPI_SUCCESS;
    if (!kr_t_ready()) {
        *ret_out = MPI_T_ERR_NOT_INITIALIZED;
        return NULL;
    }
    o = kr_t_obj_find(h, KR_T_CVAR_HANDLE);
    if (o == NULL) {
        *ret_out = MPI_T_ERR_INVALID_HANDLE;
        return NULL;
    }
    if (buf == NULL) {
        *ret_out = MPI_T_ERR_INVALID;
        return NULL;
    }
    return t_cvar_at(o->index);
}

KR_WEAK_ALIAS(T_cvar_read)
int PMPI_T_cvar_read(MPI_T_cvar_handle handle, void *buf)
{
    const struct kr_setting *s;
    int ret;

    s = t_cvar_handle(handle, buf, &ret);
    if (s == NULL) {
        return ret;
    }
    switch (s->type) {
    case KR_SET_SIZE: *(unsigned long *) buf = (unsigned long) *(const size_t *) s->ptr; break;
    case KR_SET_BOOL: *(int *) buf = *(const bool *) s->ptr ? 1 : 0; break;
    case KR_SET_STRING:
        /* the buffer holds the count alloc gave; the value does not change after that */
        strcpy(buf, t_cvar_string(s));
        break;
    default: *(int *) buf = *(const int *) s->ptr; break;
    }
    return MPI_SUCCESS;
}

static int t_cvar_store(const struct kr_setting *s, const void *buf)
{
    int v = *(const int *) buf, n = 0;

    switch (s->type) {
    case KR_SET_SIZE:
        *(size_t *) s->ptr = (size_t) * (const unsigned long *) buf;
        return MPI_SUCCESS;
    case KR_SET_BOOL: *(bool *) s->ptr = v != 0; return MPI_SUCCESS;
    case KR_SET_ENUM:
        while (s->choices[n] != NULL) {
            n++;
        }
        if (v < 0 || v >= n) {
            return MPI_T_ERR_INVALID; /* not one of the enumeration's values */
        }
        *(int *) s->ptr = v;
        return MPI_SUCCESS;
    default: *(int *) s->ptr = v; return MPI_SUCCESS;
    }
}

KR_WEAK_ALIAS(T_cvar_write)
int PMPI_T_cvar_write(MPI_T_cvar_handle handle, const void *buf)
{
    const struct kr_setting *s;
    int ret;

    s = t_cvar_handle(handle, buf, &ret);
    if (s == NULL) {
        return ret;
    }
    if (s->type == KR_SET_STRING) {
        return MPI_T_ERR_CVAR_SET_NEVER;
    }
    if (kr_api.phase != KR_API_BEFORE_INIT && !t_cvar_is_live(s)) {
        return MPI_T_ERR_CVAR_SET_NOT_NOW; /* read once, at MPI_Init */
    }
    return t_cvar_store(s, buf);
}

/* ---- enumerations: the choices of ENUM settings ---------------------------------------- */

/* The ENUM setting an enumeration handle names, or NULL. */
static const struct kr_setting *t_enum(MPI_T_enum e, int *ret_out)
{
    *ret_out = kr_t_ready() ? MPI_T_ERR_INVALID_HANDLE : MPI_T_ERR_NOT_INITIALIZED;
    if (!kr_t_ready() || e == MPI_T_ENUM_NULL) {
        return NULL;
    }
    for (int t = 0; kr_settings_all[t] != NULL; t++) {
        for (const struct kr_setting *s = kr_settings_all[t]; s->name != NULL; s++) {
            if ((const void *) s == (const void *) e && s->type == KR_SET_ENUM) {
                *ret_out = MPI_SUCCESS;
                return s;
            }
        }
    }
    return NULL;
}

static int t_enum_count(const struct kr_setting *s)
{
    int n = 0;

    while (s->choices[n] != NULL) {
        n++;
    }
    return n;
}

KR_WEAK_ALIAS(T_enum_get_info)
int PMPI_T_enum_get_info(MPI_T_enum enumtype, int *num, char *name, int *name_len)
{
    const struct kr_setting *s;
    char env[128];
    int ret, n;

    s = t_enum(enumtype, &ret);
    if (s == NULL) {
        return ret;
    }
    n = t_enum_count(s);
    if (num != NULL) {
        *num = n;
    }
    kr_t_str_out(kr_setting_env_name(s, env, sizeof(env)), name, name_len);
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(T_enum_get_item)
int PMPI_T_enum_get_item(MPI_T_enum enumtype, int indx, int *value, char *name, int *name_len)
{
    const struct kr_setting *s;
    int ret, n;

    s = t_enum(enumtype, &ret);
    if (s == NULL) {
        return ret;
    }
    n = t_enum_count(s);
    if (indx < 0 || indx >= n) {
        return MPI_T_ERR_INVALID_ITEM;
    }
    if (value != NULL) {
        *value = indx;
    }
    kr_t_str_out(s->choices[indx], name, name_len);
    return MPI_SUCCESS;
}

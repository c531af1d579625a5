/* The MPI tool information interface (MPI_T): initialisation, the objects it hands out,
 * categories and time sources. Control variables are in api_t_cvar.c, performance variables
 * in api_t_pvar.c, events in api_t_event.c. MPI_T works before MPI_Init and after
 * MPI_Finalize; its calls return MPI_T error codes and never run an error handler. */
#include "config.h"

#include "api_t_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct {
    int refs;              /* MPI_T_init_thread calls not yet finalized */
    struct kr_t_obj *live; /* handles and sessions handed out */
} t_state;

bool kr_t_ready(void)
{
    return t_state.refs > 0;
}

int kr_t_obj_new(enum kr_t_kind kind, struct kr_t_obj **obj_out)
{
    struct kr_t_obj *o = calloc(1, sizeof(*o));

    if (o == NULL) {
        return -ENOMEM;
    }
    o->kind = kind;
    o->next = t_state.live;
    t_state.live = o;
    *obj_out = o;
    return 0;
}

struct kr_t_obj *kr_t_obj_find(const void *h, enum kr_t_kind kind)
{
    for (struct kr_t_obj *o = t_state.live; o != NULL; o = o->next) {
        if ((const void *) o == h && o->kind == kind) {
            return o;
        }
    }
    return NULL;
}

void kr_t_obj_free(struct kr_t_obj *obj)
{
    for (struct kr_t_obj **p = &t_state.live; *p != NULL; p = &(*p)->next) {
        if (*p == obj) {
            *p = obj->next;
            free(obj);
            return;
        }
    }
}

struct kr_t_obj *kr_t_obj_first(void)
{
    return t_state.live;
}

void kr_t_str_out(const char *src, char *dst, int *len_io)
{
    size_t need = strlen(src) + 1;
    size_t n;

    if (len_io == NULL) {
        return;
    }
    if (dst == NULL || *len_io <= 0) {
        *len_io = (int) need;
        return;
    }
    n = need < (size_t) *len_io ? need - 1 : (size_t) *len_io - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    *len_io = (int) n + 1;
}

KR_WEAK_ALIAS(T_init_thread)
int PMPI_T_init_thread(int required, int *provided)
{
    char err[512];

    if (provided == NULL) {
        return MPI_T_ERR_INVALID;
    }
    /* Settings are read once per process: the values a tool sees (and writes) before MPI_Init
     * are the ones MPI_Init uses. */
    if (kr_api_settings_load(err, sizeof(err)) != 0) {
        return MPI_T_ERR_CANNOT_INIT;
    }
    t_state.refs++;
    /* MPI_T keeps process-wide state without a lock, like the rest of the library */
    *provided = required < MPI_THREAD_SERIALIZED ? required : MPI_THREAD_SERIALIZED;
    if (*provided < MPI_THREAD_SINGLE) {
        *provided = MPI_THREAD_SINGLE;
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(T_finalize)
int PMPI_T_finalize(void)
{
    if (t_state.refs == 0) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    if (--t_state.refs == 0) {
        /* handles and sessions die with the interface */
        while (t_state.live != NULL) {
            kr_t_obj_free(t_state.live);
        }
    }
    return MPI_SUCCESS;
}

/* ---- categories: one per settings table ------------------------------------------------- */

int kr_t_category_num(void)
{
    int n = 0;

    while (kr_settings_groups[n].name != NULL) {
        n++;
    }
    return n;
}

static int t_cat_check(int cat_index)
{
    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    return cat_index >= 0 && cat_index < kr_t_category_num() ? MPI_SUCCESS
                                                             : MPI_T_ERR_INVALID_INDEX;
}

KR_WEAK_ALIAS(T_category_get_num)
int PMPI_T_category_get_num(int *num_cat)
{
    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    if (num_cat == NULL) {
        return MPI_T_ERR_INVALID;
    }
    *num_cat = kr_t_category_num();
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(T_category_get_info)
int PMPI_T_category_get_info(int cat_index, char *name, int *name_len, char *desc, int *desc_len,
                             int *num_cvars, int *num_pvars, int *num_categories)
{
    int ret = t_cat_check(cat_index), n;

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    kr_t_str_out(kr_settings_groups[cat_index].name, name, name_len);
    kr_t_str_out(kr_settings_groups[cat_index].desc, desc, desc_len);
    (void) kr_t_cvar_first(cat_index, &n);
    if (num_cvars != NULL) {
        *num_cvars = n;
    }
    if (num_pvars != NULL) {
        *num_pvars = 0;
        for (int i = 0; i < kr_t_pvar_num(); i++) {
            *num_pvars += kr_t_pvar_category(i) == cat_index;
        }
    }
    if (num_categories != NULL) {
        *num_categories = 0;
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(T_category_get_index)
int PMPI_T_category_get_index(const char *name, int *cat_index)
{
    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    if (name == NULL || cat_index == NULL) {
        return MPI_T_ERR_INVALID;
    }
    for (int i = 0; kr_settings_groups[i].name != NULL; i++) {
        if (strcmp(kr_settings_groups[i].name, name) == 0) {
            *cat_index = i;
            return MPI_SUCCESS;
        }
    }
    return MPI_T_ERR_INVALID_NAME;
}

KR_WEAK_ALIAS(T_category_get_cvars)
int PMPI_T_category_get_cvars(int cat_index, int len, int indices[])
{
    int ret = t_cat_check(cat_index), first, n;

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (len < 0 || (len > 0 && indices == NULL)) {
        return MPI_T_ERR_INVALID;
    }
    first = kr_t_cvar_first(cat_index, &n);
    for (int i = 0; i < n && i < len; i++) {
        indices[i] = first + i;
    }
    return MPI_SUCCESS;
}

/* No category holds events or other categories. */
static int t_cat_none(int cat_index, int len, const int indices[])
{
    int ret = t_cat_check(cat_index);

    if (ret == MPI_SUCCESS && (len < 0 || (len > 0 && indices == NULL))) {
        ret = MPI_T_ERR_INVALID;
    }
    return ret;
}

KR_WEAK_ALIAS(T_category_get_pvars)
int PMPI_T_category_get_pvars(int cat_index, int len, int indices[])
{
    int ret = t_cat_none(cat_index, len, indices), n = 0;

    for (int i = 0; ret == MPI_SUCCESS && i < kr_t_pvar_num() && n < len; i++) {
        if (kr_t_pvar_category(i) == cat_index) {
            indices[n++] = i;
        }
    }
    return ret;
}

KR_WEAK_ALIAS(T_category_get_categories)
int PMPI_T_category_get_categories(int cat_index, int len, int indices[])
{
    return t_cat_none(cat_index, len, indices);
}

KR_WEAK_ALIAS(T_category_get_events)
int PMPI_T_category_get_events(int cat_index, int len, int indices[])
{
    return t_cat_none(cat_index, len, indices);
}

KR_WEAK_ALIAS(T_category_get_num_events)
int PMPI_T_category_get_num_events(int cat_index, int *num_events)
{
    int ret = t_cat_check(cat_index);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (num_events == NULL) {
        return MPI_T_ERR_INVALID;
    }
    *num_events = 0;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(T_category_changed)
int PMPI_T_category_changed(int *update_number)
{
    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    if (update_number == NULL) {
        return MPI_T_ERR_INVALID;
    }
    *update_number = 0; /* the tables are fixed at build time */
    return MPI_SUCCESS;
}

/* ---- time sources: one, the monotonic clock MPI_Wtime reads ----------------------------- */

static int t_source_check(int source_index)
{
    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    return source_index == 0 ? MPI_SUCCESS : MPI_T_ERR_INVALID_INDEX;
}

KR_WEAK_ALIAS(T_source_get_num)
int PMPI_T_source_get_num(int *num_sources)
{
    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    if (num_sources == NULL) {
        return MPI_T_ERR_INVALID;
    }
    *num_sources = 1;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(T_source_get_info)
int PMPI_T_source_get_info(int source_index, char *name, int *name_len, char *desc, int *desc_len,
                           MPI_T_source_order *ordering, MPI_Count *ticks_per_second,
                           MPI_Count *max_ticks, MPI_Info *info)
{
    int ret = t_source_check(source_index);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    kr_t_str_out("monotonic", name, name_len);
    kr_t_str_out("CLOCK_MONOTONIC in nanoseconds, the clock of MPI_Wtime", desc, desc_len);
    if (ordering != NULL) {
        *ordering = MPI_T_SOURCE_ORDERED;
    }
    if (ticks_per_second != NULL) {
        *ticks_per_second = 1000000000;
    }
    if (max_ticks != NULL) {
        *max_ticks = INT64_MAX;
    }
    if (info != NULL) {
        *info = MPI_INFO_NULL;
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(T_source_get_timestamp)
int PMPI_T_source_get_timestamp(int source_index, MPI_Count *timestamp)
{
    struct timespec ts;
    int ret = t_source_check(source_index);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (timestamp == NULL) {
        return MPI_T_ERR_INVALID;
    }
    clock_gettime(CLOCK_MONOTONIC, &ts);
    *timestamp = (MPI_Count) ts.tv_sec * 1000000000 + ts.tv_nsec;
    return MPI_SUCCESS;
}

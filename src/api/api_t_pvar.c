/* MPI_T performance variables: counters of the point-to-point engine (kr_pt2pt_stats_get).
 * Each handle counts on its own: started, it adds what the engine counted since its start;
 * stopped, it keeps its value; reset and write set that value. Before MPI_Init and after the
 * runtime is gone the engine counts nothing. Calls check their arguments in the standard's
 * order: interface initialised, then session, then handle. */
#include "config.h"

#include "api_t_int.h"

#include <string.h>

struct t_pvar {
    const char *name;
    const char *desc;
    uint64_t (*read)(void);
};

static uint64_t t_pvar_unexpected(void)
{
    struct kr_pt2pt_stats st = {0};

    if (kr_api.pt != NULL) {
        kr_pt2pt_stats_get(kr_api.pt, &st);
    }
    return st.unexpected;
}

static uint64_t t_pvar_rndv(void)
{
    struct kr_pt2pt_stats st = {0};

    if (kr_api.pt != NULL) {
        kr_pt2pt_stats_get(kr_api.pt, &st);
    }
    return st.rndv_sends;
}

static const struct t_pvar t_pvars[] = {
    {"kurir_pt2pt_unexpected",
     "messages that arrived before a receive matched them (each is "
     "copied once more, or waits for its rendezvous)",
     t_pvar_unexpected},
    {"kurir_pt2pt_rndv_sends",
     "sends that went by rendezvous (longer than their transport's "
     "eager limit, or synchronous)",
     t_pvar_rndv},
};

#define T_NPVARS ((int) (sizeof(t_pvars) / sizeof(t_pvars[0])))

int kr_t_pvar_num(void)
{
    return T_NPVARS;
}

int kr_t_pvar_category(int index)
{
    int cat = -1;

    (void) index; /* all count in the point-to-point engine */
    (void) PMPI_T_category_get_index("pt2pt", &cat);
    return cat;
}

static int t_pvar_session(MPI_T_pvar_session session, struct kr_t_obj **s_out)
{
    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    *s_out = kr_t_obj_find(session, KR_T_PVAR_SESSION);
    return *s_out != NULL ? MPI_SUCCESS : MPI_T_ERR_INVALID_SESSION;
}

/* The handle `h` of session `s`, or NULL. */
static struct kr_t_obj *t_pvar_handle(const struct kr_t_obj *s, MPI_T_pvar_handle h)
{
    struct kr_t_obj *o = kr_t_obj_find(h, KR_T_PVAR_HANDLE);

    return o != NULL && o->session == s ? o : NULL;
}

static uint64_t t_pvar_value(const struct kr_t_obj *o)
{
    uint64_t now = o->started ? t_pvars[o->index].read() : 0;

    /* a counter below its start means the engine it counted in is gone */
    return o->accum + (o->started && now > o->base ? now - o->base : 0);
}

KR_WEAK_ALIAS(T_pvar_get_num)
int PMPI_T_pvar_get_num(int *num_pvar)
{
    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    if (num_pvar == NULL) {
        return MPI_T_ERR_INVALID;
    }
    *num_pvar = T_NPVARS;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(T_pvar_get_info)
int PMPI_T_pvar_get_info(int pvar_index, char *name, int *name_len, int *verbosity, int *var_class,
                         MPI_Datatype *datatype, MPI_T_enum *enumtype, char *desc, int *desc_len,
                         int *bind, int *readonly, int *continuous, int *atomic)
{
    int *out[] = {verbosity, var_class, bind, readonly, continuous, atomic};
    const int val[] = {
        MPI_T_VERBOSITY_TUNER_BASIC, MPI_T_PVAR_CLASS_COUNTER, MPI_T_BIND_NO_OBJECT, 0, 0, 0};

    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    if (pvar_index < 0 || pvar_index >= T_NPVARS) {
        return MPI_T_ERR_INVALID_INDEX;
    }
    kr_t_str_out(t_pvars[pvar_index].name, name, name_len);
    kr_t_str_out(t_pvars[pvar_index].desc, desc, desc_len);
    for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
        if (out[i] != NULL) {
            *out[i] = val[i];
        }
    }
    if (datatype != NULL) {
        *datatype = MPI_UNSIGNED_LONG_LONG;
    }
    if (enumtype != NULL) {
        *enumtype = MPI_T_ENUM_NULL;
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(T_pvar_get_index)
int PMPI_T_pvar_get_index(const char *name, int var_class, int *pvar_index)
{
    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    if (name == NULL || pvar_index == NULL) {
        return MPI_T_ERR_INVALID;
    }
    for (int i = 0; i < T_NPVARS; i++) {
        if (strcmp(t_pvars[i].name, name) == 0 && var_class == MPI_T_PVAR_CLASS_COUNTER) {
            *pvar_index = i;
            return MPI_SUCCESS;
        }
    }
    return MPI_T_ERR_INVALID_NAME;
}

KR_WEAK_ALIAS(T_pvar_session_create)
int PMPI_T_pvar_session_create(MPI_T_pvar_session *session)
{
    struct kr_t_obj *o;

    if (!kr_t_ready()) {
        return MPI_T_ERR_NOT_INITIALIZED;
    }
    if (session == NULL) {
        return MPI_T_ERR_INVALID;
    }
    if (kr_t_obj_new(KR_T_PVAR_SESSION, &o) != 0) {
        return MPI_T_ERR_MEMORY;
    }
    *session = (MPI_T_pvar_session) (void *) o;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(T_pvar_session_free)
int PMPI_T_pvar_session_free(MPI_T_pvar_session *session)
{
    struct kr_t_obj *s, *o, *next;
    int ret;

    if (session == NULL) {
        return kr_t_ready() ? MPI_T_ERR_INVALID : MPI_T_ERR_NOT_INITIALIZED;
    }
    ret = t_pvar_session(*session, &s);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    for (o = kr_t_obj_first(); o != NULL; o = next) { /* its handles go with it */
        next = o->next;
        if (o->kind == KR_T_PVAR_HANDLE && o->session == s) {
            kr_t_obj_free(o);
        }
    }
    kr_t_obj_free(s);
    *session = MPI_T_PVAR_SESSION_NULL;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(T_pvar_handle_alloc)
int PMPI_T_pvar_handle_alloc(MPI_T_pvar_session session, int pvar_index, void *obj_handle,
                             MPI_T_pvar_handle *handle, int *count)
{
    struct kr_t_obj *s, *o;
    int ret = t_pvar_session(session, &s);

    (void) obj_handle; /* bound to no object */
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (pvar_index < 0 || pvar_index >= T_NPVARS) {
        return MPI_T_ERR_INVALID_INDEX;
    }
    if (handle == NULL || count == NULL) {
        return MPI_T_ERR_INVALID;
    }
    if (kr_t_obj_new(KR_T_PVAR_HANDLE, &o) != 0) {
        return MPI_T_ERR_MEMORY;
    }
    o->index = pvar_index;
    o->session = s;
    *count = 1;
    *handle = (MPI_T_pvar_handle) (void *) o;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(T_pvar_handle_free)
int PMPI_T_pvar_handle_free(MPI_T_pvar_session session, MPI_T_pvar_handle *handle)
{
    struct kr_t_obj *s, *o;
    int ret = t_pvar_session(session, &s);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (handle == NULL) {
        return MPI_T_ERR_INVALID;
    }
    o = t_pvar_handle(s, *handle);
    if (o == NULL) {
        return MPI_T_ERR_INVALID_HANDLE;
    }
    kr_t_obj_free(o);
    *handle = MPI_T_PVAR_HANDLE_NULL;
    return MPI_SUCCESS;
}

enum t_pvar_op { T_PVAR_START, T_PVAR_STOP, T_PVAR_RESET };

static void t_pvar_apply(struct kr_t_obj *o, enum t_pvar_op op)
{
    switch (op) {
    case T_PVAR_START:
        if (!o->started) {
            o->base = t_pvars[o->index].read();
            o->started = true;
        }
        break;
    case T_PVAR_STOP:
        o->accum = t_pvar_value(o);
        o->started = false;
        break;
    case T_PVAR_RESET:
        o->accum = 0;
        o->base = t_pvars[o->index].read();
        break;
    }
}

/* Start, stop and reset take one handle or MPI_T_PVAR_ALL_HANDLES of the session. */
static int t_pvar_op(MPI_T_pvar_session session, MPI_T_pvar_handle handle, enum t_pvar_op op)
{
    struct kr_t_obj *s, *o;
    int ret = t_pvar_session(session, &s);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (handle == MPI_T_PVAR_ALL_HANDLES) {
        for (o = kr_t_obj_first(); o != NULL; o = o->next) {
            if (o->kind == KR_T_PVAR_HANDLE && o->session == s) {
                t_pvar_apply(o, op);
            }
        }
        return MPI_SUCCESS;
    }
    o = t_pvar_handle(s, handle);
    if (o == NULL) {
        return MPI_T_ERR_INVALID_HANDLE;
    }
    t_pvar_apply(o, op);
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(T_pvar_start)
int PMPI_T_pvar_start(MPI_T_pvar_session session, MPI_T_pvar_handle handle)
{
    return t_pvar_op(session, handle, T_PVAR_START);
}

KR_WEAK_ALIAS(T_pvar_stop)
int PMPI_T_pvar_stop(MPI_T_pvar_session session, MPI_T_pvar_handle handle)
{
    return t_pvar_op(session, handle, T_PVAR_STOP);
}

KR_WEAK_ALIAS(T_pvar_reset)
int PMPI_T_pvar_reset(MPI_T_pvar_session session, MPI_T_pvar_handle handle)
{
    return t_pvar_op(session, handle, T_PVAR_RESET);
}

/* Read and write take one handle; MPI_T_PVAR_ALL_HANDLES is not one. */
static struct kr_t_obj *t_pvar_rw(MPI_T_pvar_session session, MPI_T_pvar_handle handle,
                                  const void *buf, int *ret_out)
{
    struct kr_t_obj *s, *o;

    *ret_out = t_pvar_session(session, &s);
    if (*ret_out != MPI_SUCCESS) {
        return NULL;
    }
    o = t_pvar_handle(s, handle);
    *ret_out = o == NULL ? MPI_T_ERR_INVALID_HANDLE : buf == NULL ? MPI_T_ERR_INVALID : 0;
    return *ret_out == MPI_SUCCESS ? o : NULL;
}

KR_WEAK_ALIAS(T_pvar_read)
int PMPI_T_pvar_read(MPI_T_pvar_session session, MPI_T_pvar_handle handle, void *buf)
{
    struct kr_t_obj *o;
    int ret;

    o = t_pvar_rw(session, handle, buf, &ret);
    if (o != NULL) {
        *(unsigned long long *) buf = t_pvar_value(o);
    }
    return ret;
}

KR_WEAK_ALIAS(T_pvar_readreset)
int PMPI_T_pvar_readreset(MPI_T_pvar_session session, MPI_T_pvar_handle handle, void *buf)
{
    int ret;

    (void) t_pvar_rw(session, handle, buf, &ret);
    /* the counters move under us: a read and a reset are never one step */
    return ret != MPI_SUCCESS ? ret : MPI_T_ERR_PVAR_NO_ATOMIC;
}

KR_WEAK_ALIAS(T_pvar_write)
int PMPI_T_pvar_write(MPI_T_pvar_session session, MPI_T_pvar_handle handle, const void *buf)
{
    struct kr_t_obj *o;
    int ret;

    o = t_pvar_rw(session, handle, buf, &ret);
    if (o != NULL) {
        o->accum = *(const unsigned long long *) buf;
        o->base = t_pvars[o->index].read();
    }
    return ret;
}

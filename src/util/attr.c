/* The attribute store: a process-wide table of keyvals and a small array of (keyval, value)
 * pairs per object, in the order attributes were first set. */
#include "config.h"

#include "attr.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

/* Keyval ids only grow, so a stale id never names a newer keyval. The lock covers the table
 * and the reference counts, the only state shared between objects. */
static struct {
    pthread_mutex_t lock;
    struct kr_keyval **tab; /* index id - KR_ATTR_KEYVAL_BASE; NULL once gone */
    size_t n, cap;
} attr_keyvals = {.lock = PTHREAD_MUTEX_INITIALIZER};

struct attr_ent {
    struct kr_keyval *kv;
    void *val;
};

struct kr_attr_list {
    size_t n, cap;
    struct attr_ent e[];
};

/* ---- keyvals --------------------------------------------------------------------------------- */

int kr_attr_keyval_create(enum kr_attr_kind kind, kr_attr_fn *copy_fn, kr_attr_fn *delete_fn,
                          void *extra_state, int *keyval_out)
{
    struct kr_keyval *kv = calloc(1, sizeof(*kv));
    int ret = 0;

    if (kv == NULL) {
        return -ENOMEM;
    }
    kv->kind = kind;
    kv->copy_fn = copy_fn;
    kv->delete_fn = delete_fn;
    kv->extra_state = extra_state;
    kv->refs = 1;
    pthread_mutex_lock(&attr_keyvals.lock);
    if (attr_keyvals.n == attr_keyvals.cap) {
        size_t cap = attr_keyvals.cap < 16 ? 16 : 2 * attr_keyvals.cap;
        struct kr_keyval **t = realloc(attr_keyvals.tab, cap * sizeof(*t));

        if (t == NULL) {
            ret = -ENOMEM;
            goto out_unlock;
        }
        attr_keyvals.tab = t;
        attr_keyvals.cap = cap;
    }
    kv->id = KR_ATTR_KEYVAL_BASE + (int) attr_keyvals.n;
    attr_keyvals.tab[attr_keyvals.n++] = kv;
    *keyval_out = kv->id;

out_unlock:
    pthread_mutex_unlock(&attr_keyvals.lock);
    if (ret != 0) {
        free(kv);
    }
    return ret;
}

/* Caller holds the lock. */
static struct kr_keyval *keyval_find(int id, enum kr_attr_kind kind)
{
    size_t i;
    struct kr_keyval *kv;

    if (id < KR_ATTR_KEYVAL_BASE) {
        return NULL;
    }
    i = (size_t) (id - KR_ATTR_KEYVAL_BASE);
    kv = i < attr_keyvals.n ? attr_keyvals.tab[i] : NULL;
    return kv != NULL && !kv->freed && kv->kind == kind ? kv : NULL;
}

const struct kr_keyval *kr_attr_keyval_get(int id, enum kr_attr_kind kind)
{
    const struct kr_keyval *kv;

    pthread_mutex_lock(&attr_keyvals.lock);
    kv = keyval_find(id, kind);
    pthread_mutex_unlock(&attr_keyvals.lock);
    return kv;
}

/* Drop one reference; the last one frees the keyval. Caller holds the lock. */
static void keyval_unref(struct kr_keyval *kv)
{
    if (--kv->refs == 0) {
        attr_keyvals.tab[kv->id - KR_ATTR_KEYVAL_BASE] = NULL;
        free(kv);
    }
}

static void keyval_ref(struct kr_keyval *kv)
{
    pthread_mutex_lock(&attr_keyvals.lock);
    kv->refs++;
    pthread_mutex_unlock(&attr_keyvals.lock);
}

static void keyval_release(struct kr_keyval *kv)
{
    pthread_mutex_lock(&attr_keyvals.lock);
    keyval_unref(kv);
    pthread_mutex_unlock(&attr_keyvals.lock);
}

int kr_attr_keyval_free(int id, enum kr_attr_kind kind)
{
    struct kr_keyval *kv;
    int ret = -EINVAL;

    pthread_mutex_lock(&attr_keyvals.lock);
    kv = keyval_find(id, kind);
    if (kv != NULL) {
        kv->freed = true;
        keyval_unref(kv);
        ret = 0;
    }
    pthread_mutex_unlock(&attr_keyvals.lock);
    return ret;
}

/* ---- attribute lists ------------------------------------------------------------------------- */

static struct attr_ent *list_find(struct kr_attr_list *l, int id)
{
    for (size_t i = 0; l != NULL && i < l->n; i++) {
        if (l->e[i].kv->id == id) {
            return &l->e[i];
        }
    }
    return NULL;
}

static int list_append(struct kr_attr_list **list, struct kr_keyval *kv, void *val)
{
    struct kr_attr_list *l = *list;

    if (l == NULL || l->n == l->cap) {
        size_t cap = l == NULL ? 4 : 2 * l->cap;
        struct kr_attr_list *nl = realloc(l, sizeof(*nl) + cap * sizeof(nl->e[0]));

        if (nl == NULL) {
            return -ENOMEM;
        }
        if (l == NULL) {
            nl->n = 0;
        }
        nl->cap = cap;
        *list = l = nl;
    }
    keyval_ref(kv);
    l->e[l->n].kv = kv;
    l->e[l->n].val = val;
    l->n++;
    return 0;
}

/* Remove entry i (keeping the order of the rest) and drop its keyval reference. */
static void list_remove(struct kr_attr_list *l, size_t i)
{
    struct kr_keyval *kv = l->e[i].kv;

    for (size_t k = i + 1; k < l->n; k++) {
        l->e[k - 1] = l->e[k];
    }
    l->n--;
    keyval_release(kv);
}

static int attr_run_delete(const struct kr_attr_glue *g, void *obj, const struct attr_ent *e)
{
    if ((uintptr_t) e->kv->delete_fn == KR_ATTR_FN_NONE) {
        return 0;
    }
    return g->del(e->kv, obj, e->val);
}

/* A keyval of `kind` usable for a new attribute, holding the lock only for the lookup. */
static struct kr_keyval *attr_keyval(int id, enum kr_attr_kind kind)
{
    struct kr_keyval *kv;

    pthread_mutex_lock(&attr_keyvals.lock);
    kv = keyval_find(id, kind);
    pthread_mutex_unlock(&attr_keyvals.lock);
    return kv;
}

int kr_attr_set(struct kr_attr_list **list, const struct kr_attr_glue *g, void *obj, int id,
                enum kr_attr_kind kind, void *val)
{
    struct kr_keyval *kv = attr_keyval(id, kind);
    struct attr_ent *e;
    int ret;

    if (kv == NULL) {
        return -EINVAL;
    }
    e = list_find(*list, id);
    if (e == NULL) {
        return list_append(list, kv, val);
    }
    ret = attr_run_delete(g, obj, e);
    if (ret == 0) {
        e->val = val;
    }
    return ret;
}

int kr_attr_get(struct kr_attr_list *const *list, int id, enum kr_attr_kind kind, void **val_out,
                bool *found_out)
{
    struct attr_ent *e;

    if (attr_keyval(id, kind) == NULL) {
        return -EINVAL;
    }
    e = list_find(*list, id);
    *found_out = e != NULL;
    if (e != NULL) {
        *val_out = e->val;
    }
    return 0;
}

int kr_attr_delete(struct kr_attr_list **list, const struct kr_attr_glue *g, void *obj, int id,
                   enum kr_attr_kind kind)
{
    struct attr_ent *e;
    int ret;

    if (attr_keyval(id, kind) == NULL) {
        return -EINVAL;
    }
    e = list_find(*list, id);
    if (e == NULL) {
        return 0;
    }
    ret = attr_run_delete(g, obj, e);
    if (ret == 0) {
        list_remove(*list, (size_t) (e - (*list)->e));
    }
    return ret;
}

int kr_attr_delete_all(struct kr_attr_list **list, const struct kr_attr_glue *g, void *obj)
{
    struct kr_attr_list *l = *list;
    int ret;

    while (l != NULL && l->n > 0) {
        ret = attr_run_delete(g, obj, &l->e[l->n - 1]);
        if (ret != 0) {
            return ret;
        }
        list_remove(l, l->n - 1);
    }
    kr_attr_list_destroy(list);
    return 0;
}

int kr_attr_copy_all(struct kr_attr_list *const *src, struct kr_attr_list **dst,
                     const struct kr_attr_glue *g, void *old_obj, void *new_obj)
{
    struct kr_attr_list *l = *src;
    int ret = 0;

    for (size_t i = 0; l != NULL && i < l->n && ret == 0; i++) {
        struct kr_keyval *kv = l->e[i].kv;
        void *val = l->e[i].val;
        int flag = 1;

        if ((uintptr_t) kv->copy_fn == KR_ATTR_FN_NONE) {
            continue;
        }
        if ((uintptr_t) kv->copy_fn != KR_ATTR_FN_DUP) {
            flag = 0;
            ret = g->copy(kv, old_obj, l->e[i].val, &val, &flag);
        }
        if (ret == 0 && flag) {
            ret = list_append(dst, kv, val);
        }
    }
    if (ret != 0) {
        /* undo: the new object never existed for the user */
        kr_attr_delete_all(dst, g, new_obj);
        kr_attr_list_destroy(dst);
    }
    return ret;
}

void kr_attr_list_destroy(struct kr_attr_list **list)
{
    struct kr_attr_list *l = *list;

    if (l == NULL) {
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        keyval_release(l->e[i].kv);
    }
    free(l);
    *list = NULL;
}

int kr_attr_count(struct kr_attr_list *const *list)
{
    return *list != NULL ? (int) (*list)->n : 0;
}

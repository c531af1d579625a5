/* The key-value store behind the PMI server. Local: all ranks of the job are served by this
 * process, so a fence completes when each of them has entered it; puts are staged and
 * committed by the fence. Distributed (per-host daemons): a fence forwards this host's staged
 * puts once its ranks have entered, and the merged set of every host commits it. */
#include "config.h"

#include "pmi_kvs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KVS_BUCKETS 1024

struct kvs_entry {
    struct kvs_entry *next;
    char *key;
    char *value;        /* committed value, NULL until the first fence after a put */
    char *pending;      /* value put since the last fence, NULL if none */
    bool staged;        /* on the staged list */
    struct kvs_entry *staged_next;
};

struct kvs_local {
    struct kr_pmi_kvs base;
    int size;
    int nlocal;                    /* ranks served here: the fence forwards once they entered */
    kr_pmi_kvs_forward_fn forward; /* NULL: the local store */
    void *forward_arg;
    int entered;                   /* ranks waiting in the current fence */
    unsigned char *in_fence;       /* per rank: 1 while waiting */
    struct kvs_entry *staged;      /* entries with a pending value */
    struct kvs_entry *buckets[KVS_BUCKETS];
};

void kr_pmi_kvs_bind(struct kr_pmi_kvs *kvs, kr_pmi_kvs_fence_done_fn fn, void *arg)
{
    kvs->fence_done = fn;
    kvs->fence_arg = arg;
}

static uint32_t kvs_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    for (; *s != '\0'; s++) {
        h = (h ^ (unsigned char) *s) * 16777619u;
    }
    return h % KVS_BUCKETS;
}

static struct kvs_entry *kvs_find(struct kvs_local *kl, const char *key)
{
    for (struct kvs_entry *e = kl->buckets[kvs_hash(key)]; e != NULL; e = e->next) {
        if (strcmp(e->key, key) == 0) {
            return e;
        }
    }
    return NULL;
}

static struct kvs_entry *kvs_entry_get(struct kvs_local *kl, const char *key)
{
    struct kvs_entry *e = kvs_find(kl, key);

    if (e != NULL) {
        return e;
    }
    e = calloc(1, sizeof(*e));
    if (e == NULL || (e->key = strdup(key)) == NULL) {
        free(e);
        return NULL;
    }
    e->next = kl->buckets[kvs_hash(key)];
    kl->buckets[kvs_hash(key)] = e;
    return e;
}

static int kvs_local_put(struct kr_pmi_kvs *kvs, int rank, const char *key, const char *value)
{
    struct kvs_local *kl = (struct kvs_local *) kvs;
    struct kvs_entry *e;
    char *v = strdup(value);

    (void) rank;
    if (v == NULL) {
        return -ENOMEM;
    }
    e = kvs_entry_get(kl, key);
    if (e == NULL) {
        free(v);
        return -ENOMEM;
    }
    free(e->pending);
    e->pending = v;
    if (!e->staged) {
        e->staged = true;
        e->staged_next = kl->staged;
        kl->staged = e;
    }
    return 0;
}

static const char *kvs_local_get(struct kr_pmi_kvs *kvs, const char *key)
{
    struct kvs_entry *e = kvs_find((struct kvs_local *) kvs, key);

    return e != NULL ? e->value : NULL;
}

/* Every local rank entered: hand this host's puts on and wait for kr_pmi_kvs_dist_complete. */
static int kvs_dist_forward(struct kvs_local *kl)
{
    const char **keys, **values;
    struct kvs_entry *e;
    int n = 0;

    for (e = kl->staged; e != NULL; e = e->staged_next) {
        n++;
    }
    keys = calloc((size_t) n + 1, sizeof(*keys));
    values = calloc((size_t) n + 1, sizeof(*values));
    if (keys == NULL || values == NULL) {
        free(keys);
        free(values);
        return -ENOMEM;
    }
    n = 0;
    for (e = kl->staged; e != NULL; e = e->staged_next) {
        keys[n] = e->key;
        values[n++] = e->pending;
    }
    kl->forward(kl->forward_arg, keys, values, n);
    free(keys);
    free(values);
    while (kl->staged != NULL) {
        e = kl->staged;
        kl->staged = e->staged_next;
        free(e->pending);
        e->pending = NULL;
        e->staged = false;
    }
    return 0;
}

static int kvs_local_fence(struct kr_pmi_kvs *kvs, int rank)
{
    struct kvs_local *kl = (struct kvs_local *) kvs;

    if (rank < 0 || rank >= kl->size || kl->in_fence[rank] != 0) {
        return -EINVAL;
    }
    kl->in_fence[rank] = 1;
    if (++kl->entered < kl->nlocal) {
        return 0;
    }
    if (kl->forward != NULL) {
        return kvs_dist_forward(kl);
    }
    while (kl->staged != NULL) {
        struct kvs_entry *e = kl->staged;

        kl->staged = e->staged_next;
        free(e->value);
        e->value = e->pending;
        e->pending = NULL;
        e->staged = false;
    }
    memset(kl->in_fence, 0, (size_t) kl->size);
    kl->entered = 0;
    if (kvs->fence_done != NULL) {
        kvs->fence_done(kvs->fence_arg, 0);
    }
    return 0;
}

static void kvs_local_destroy(struct kr_pmi_kvs *kvs)
{
    struct kvs_local *kl = (struct kvs_local *) kvs;

    for (int b = 0; b < KVS_BUCKETS; b++) {
        while (kl->buckets[b] != NULL) {
            struct kvs_entry *e = kl->buckets[b];

            kl->buckets[b] = e->next;
            free(e->key);
            free(e->value);
            free(e->pending);
            free(e);
        }
    }
    free(kl->in_fence);
    free(kl);
}

static const struct kr_pmi_kvs_ops kvs_local_ops = {
    .name    = "local",
    .put     = kvs_local_put,
    .get     = kvs_local_get,
    .fence   = kvs_local_fence,
    .destroy = kvs_local_destroy,
};

int kr_pmi_kvs_local_create(int size, struct kr_pmi_kvs **kvs_out)
{
    struct kvs_local *kl = calloc(1, sizeof(*kl));

    if (kl == NULL) {
        return -ENOMEM;
    }
    kl->in_fence = calloc((size_t) size + 1, 1);
    if (kl->in_fence == NULL) {
        free(kl);
        return -ENOMEM;
    }
    kl->base.ops = &kvs_local_ops;
    kl->size = size;
    kl->nlocal = size;
    *kvs_out = &kl->base;
    return 0;
}

int kr_pmi_kvs_dist_create(int size, int nlocal, kr_pmi_kvs_forward_fn forward, void *arg,
                           struct kr_pmi_kvs **kvs_out)
{
    struct kr_pmi_kvs *kvs;
    struct kvs_local *kl;
    int ret = kr_pmi_kvs_local_create(size, &kvs);

    if (ret != 0) {
        return ret;
    }
    kl = (struct kvs_local *) kvs;
    kl->nlocal = nlocal;
    kl->forward = forward;
    kl->forward_arg = arg;
    *kvs_out = kvs;
    return 0;
}

int kr_pmi_kvs_dist_set(struct kr_pmi_kvs *kvs, const char *key, const char *value)
{
    struct kvs_entry *e = kvs_entry_get((struct kvs_local *) kvs, key);
    char *v = strdup(value);

    if (e == NULL || v == NULL) {
        free(v);
        return -ENOMEM;
    }
    free(e->value);
    e->value = v;
    return 0;
}

void kr_pmi_kvs_dist_complete(struct kr_pmi_kvs *kvs, int err)
{
    struct kvs_local *kl = (struct kvs_local *) kvs;

    memset(kl->in_fence, 0, (size_t) kl->size);
    kl->entered = 0;
    if (kvs->fence_done != NULL) {
        kvs->fence_done(kvs->fence_arg, err);
    }
}

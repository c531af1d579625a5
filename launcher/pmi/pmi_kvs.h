/* The key-value space and fence behind the launcher's PMI server. mpirun uses the local store;
 * a per-host daemon (issue #5) can implement the same ops and forward fences to mpirun. */
#ifndef KR_LAUNCHER_PMI_KVS_H
#define KR_LAUNCHER_PMI_KVS_H

#include <stddef.h>

struct kr_pmi_kvs;

/* Called once per completed fence round: every rank of the job has entered it and every put
 * made before is visible to get. `err` is 0, or a negative errno when the fence failed. */
typedef void (*kr_pmi_kvs_fence_done_fn)(void *arg, int err);

struct kr_pmi_kvs_ops {
    const char *name;
    /* Store key=value from `rank`; visible to get after the next completed fence. Copies both
     * strings. 0, -ENOMEM. */
    int (*put)(struct kr_pmi_kvs *kvs, int rank, const char *key, const char *value);
    /* The value of `key` committed by a completed fence, or NULL. The string stays valid until
     * the next fence completes or the store is destroyed. */
    const char *(*get)(struct kr_pmi_kvs *kvs, const char *key);
    /* `rank` entered the fence. When all ranks of the job have, the store calls the bound
     * fence_done (possibly from inside this call). 0, or -EINVAL for a rank already waiting. */
    int (*fence)(struct kr_pmi_kvs *kvs, int rank);
    /* Free everything. */
    void (*destroy)(struct kr_pmi_kvs *kvs);
};

/* Common head of every store; implementations embed it first. */
struct kr_pmi_kvs {
    const struct kr_pmi_kvs_ops *ops;
    kr_pmi_kvs_fence_done_fn fence_done;
    void *fence_arg;
};

/* Tell `kvs` whom to notify of completed fences (the PMI server does this when it opens). */
void kr_pmi_kvs_bind(struct kr_pmi_kvs *kvs, kr_pmi_kvs_fence_done_fn fn, void *arg);

/* A store for a job whose `size` ranks are all served by this process. 0 or -ENOMEM. */
int kr_pmi_kvs_local_create(int size, struct kr_pmi_kvs **kvs_out);

/* The fence of a job that spans hosts. When all `nlocal` ranks served here have entered it,
 * the store hands the puts made here since the previous fence to `forward` (n pairs; the
 * strings are valid during the call only) and forgets them. Whoever merges the hosts' puts
 * then stores every pair of the job with kr_pmi_kvs_dist_set() and ends the round with
 * kr_pmi_kvs_dist_complete(). */
typedef void (*kr_pmi_kvs_forward_fn)(void *arg, const char *const *keys,
                                      const char *const *values, int n);

/* `size` ranks in the job, `nlocal` of them served here. 0 or -ENOMEM. */
int kr_pmi_kvs_dist_create(int size, int nlocal, kr_pmi_kvs_forward_fn forward, void *arg,
                           struct kr_pmi_kvs **kvs_out);
/* Commit key=value of the current round (visible to get at once). 0 or -ENOMEM. */
int kr_pmi_kvs_dist_set(struct kr_pmi_kvs *kvs, const char *key, const char *value);
/* The round is complete (`err` 0) or failed (negative errno): answer the waiting ranks. */
void kr_pmi_kvs_dist_complete(struct kr_pmi_kvs *kvs, int err);

#endif /* KR_LAUNCHER_PMI_KVS_H */

/* Broadcast: a binomial tree for short messages (log n steps, whole message each); for long
 * ones scatter + ring allgather, so every link carries about the message size once instead of
 * the root sending it log n times; through shared memory in chunks on one host. */
#include "config.h"

#include "coll_int.h"

static int bcast_binomial(struct kr_sched *s, void *buf, size_t bytes, int root)
{
    int n = kr_sched_size(s), vr = (kr_sched_rank(s) - root + n) % n, mask = 1;
    int ret = kr_sched_round(s);

    /* Receive from the parent: the rank that differs in our lowest set bit. */
    while (ret == 0 && mask < n) {
        if ((vr & mask) != 0) {
            ret = kr_sched_recv(s, buf, bytes, (vr - mask + root) % n);
            break;
        }
        mask <<= 1;
    }
    /* Send to children below that bit, after the data is here. */
    if (ret == 0) {
        ret = kr_sched_round(s);
    }
    for (mask >>= 1; ret == 0 && mask > 0; mask >>= 1) {
        if (vr + mask < n) {
            ret = kr_sched_send(s, buf, bytes, (vr + mask + root) % n);
        }
    }
    return ret;
}

/* Scatter the blocks down a binomial tree, then circulate them around a ring. */
static int bcast_scatter_allgather(struct kr_sched *s, void *buf, size_t bytes, int root)
{
    int n = kr_sched_size(s), vr = (kr_sched_rank(s) - root + n) % n, mask = 1;
    int ret = kr_sched_round(s);
    unsigned char *b = buf;

    /* Binomial scatter: the subtree under relative rank v owns blocks [v, v + extent). */
    while (ret == 0 && mask < n) {
        if ((vr & mask) != 0) {
            int hi = vr + mask < n ? vr + mask : n;
            size_t lo_off = kr_coll_part_off(bytes, n, vr);

            ret = kr_sched_recv(s, b + lo_off, kr_coll_part_off(bytes, n, hi) - lo_off,
                                (vr - mask + root) % n);
            break;
        }
        mask <<= 1;
    }
    for (mask >>= 1; ret == 0 && mask > 0; mask >>= 1) {
        if (vr + mask < n) {
            int hi = vr + 2 * mask < n ? vr + 2 * mask : n;
            size_t lo_off = kr_coll_part_off(bytes, n, vr + mask);

            ret = kr_sched_round(s);
            if (ret == 0) {
                ret = kr_sched_send(s, b + lo_off, kr_coll_part_off(bytes, n, hi) - lo_off,
                                    (vr + mask + root) % n);
            }
        }
    }
    /* Ring allgather in relative ranks: pass on the block received in the previous step. */
    for (int st = 0; ret == 0 && st < n - 1; st++) {
        int sb = (vr - st + n) % n, rb = (vr - st - 1 + n) % n;
        size_t so = kr_coll_part_off(bytes, n, sb), ro = kr_coll_part_off(bytes, n, rb);

        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_recv(s, b + ro, kr_coll_part_off(bytes, n, rb + 1) - ro,
                                (vr - 1 + n + root) % n);
        }
        if (ret == 0) {
            ret = kr_sched_send(s, b + so, kr_coll_part_off(bytes, n, sb + 1) - so,
                                (vr + 1 + root) % n);
        }
    }
    return ret;
}

int kr_coll_bcast_add(struct kr_sched *s, void *buf, size_t bytes, int root)
{
    int n = kr_sched_size(s), algo = kr_coll_cfg.bcast;

    if (n == 1) {
        return 0;
    }
    if (algo != KR_COLL_BCAST_BINOMIAL && algo != KR_COLL_BCAST_SCATTER_ALLGATHER) {
        algo = bytes >= kr_coll_cfg.bcast_pipeline_min && n > 2 ? KR_COLL_BCAST_SCATTER_ALLGATHER
                                                               : KR_COLL_BCAST_BINOMIAL;
    }
    return algo == KR_COLL_BCAST_SCATTER_ALLGATHER && bytes >= (size_t) n
               ? bcast_scatter_allgather(s, buf, bytes, root)
               : bcast_binomial(s, buf, bytes, root);
}

int kr_coll_bcast_sched(struct kr_comm *comm, void *buf, size_t bytes, int root,
                        struct kr_sched **s_out)
{
    struct kr_sched *s = NULL;
    int ret = kr_sched_create(comm, &s);

    if (ret == 0) {
        const struct kr_coll_hier *h = kr_coll_hier_get(comm);

        ret = comm->inter ? kr_coll_inter_bcast(s, buf, bytes, root)
              : h != NULL ? kr_coll_hier_bcast(s, h, buf, bytes, root)
                          : kr_coll_bcast_add(s, buf, bytes, root);
    }
    return kr_coll_built(s, ret, s_out);
}

int kr_coll_bcast(struct kr_comm *comm, void *buf, size_t bytes, int root)
{
    int algo = kr_coll_cfg.bcast, ret;
    struct kr_sched *s = NULL;

    if (comm->size == 1 && !comm->inter) {
        return 0;
    }
    /* Two ranks: one single-copy message beats two copies through shared memory. */
    if (!comm->inter
        && (algo == KR_COLL_BCAST_SHM
            || (algo == KR_COLL_BCAST_AUTO && comm->size > 2 && bytes >= kr_coll_cfg.bcast_shm_min))
        && kr_coll_shm_ready(comm)) {
        return kr_coll_shm_bcast(comm, buf, bytes, root);
    }
    if (!comm->inter && bytes <= KR_COLL_DIRECT_MAX_BYTES
        && (algo == KR_COLL_BCAST_AUTO || algo == KR_COLL_BCAST_BINOMIAL)
        && kr_coll_hier_get(comm) == NULL) {
        return kr_coll_direct_bcast(comm, buf, bytes, root);
    }
    ret = kr_coll_bcast_sched(comm, buf, bytes, root, &s);
    return kr_coll_run(s, ret);
}

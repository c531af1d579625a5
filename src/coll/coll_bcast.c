/* Broadcast: a binomial tree for short messages (log n steps, whole message each); for long
 * ones scatter + ring allgather, so every link carries about the message size once instead of
 * the root sending it log n times. */
#include "config.h"

#include "coll_int.h"

static int bcast_binomial(struct kr_comm *comm, void *buf, size_t bytes, int root, int tag)
{
    int n = comm->size, vr = (comm->rank - root + n) % n, mask = 1, ret;

    /* Receive from the parent: the rank that differs in our lowest set bit. */
    while (mask < n) {
        if ((vr & mask) != 0) {
            ret = kr_coll_recv(comm, buf, bytes, (vr - mask + root) % n, tag);
            if (ret != 0) {
                return ret;
            }
            break;
        }
        mask <<= 1;
    }
    /* Send to children below that bit. */
    for (mask >>= 1; mask > 0; mask >>= 1) {
        if (vr + mask < n) {
            ret = kr_coll_send(comm, buf, bytes, (vr + mask + root) % n, tag);
            if (ret != 0) {
                return ret;
            }
        }
    }
    return 0;
}

/* Block i of the message (in relative-rank order) is [off(i), off(i + 1)). */
static size_t bcast_block_off(size_t bytes, int n, int i)
{
    size_t q = bytes / (size_t) n, rem = bytes % (size_t) n;

    return (size_t) i * q + ((size_t) i < rem ? (size_t) i : rem);
}

/* Scatter the blocks down a binomial tree, then circulate them around a ring. */
static int bcast_scatter_allgather(struct kr_comm *comm, void *buf, size_t bytes, int root,
                                   int tag)
{
    int n = comm->size, vr = (comm->rank - root + n) % n, mask = 1, ret;
    unsigned char *b = buf;

    /* Binomial scatter: the subtree under relative rank v owns blocks [v, v + extent). */
    while (mask < n) {
        if ((vr & mask) != 0) {
            int hi = vr + mask < n ? vr + mask : n;
            size_t lo_off = bcast_block_off(bytes, n, vr);

            ret = kr_coll_recv(comm, b + lo_off, bcast_block_off(bytes, n, hi) - lo_off,
                               (vr - mask + root) % n, tag);
            if (ret != 0) {
                return ret;
            }
            break;
        }
        mask <<= 1;
    }
    for (mask >>= 1; mask > 0; mask >>= 1) {
        if (vr + mask < n) {
            int hi = vr + 2 * mask < n ? vr + 2 * mask : n;
            size_t lo_off = bcast_block_off(bytes, n, vr + mask);

            ret = kr_coll_send(comm, b + lo_off, bcast_block_off(bytes, n, hi) - lo_off,
                               (vr + mask + root) % n, tag);
            if (ret != 0) {
                return ret;
            }
        }
    }
    /* Ring allgather in relative ranks: pass on the block received in the previous step. */
    for (int s = 0; s < n - 1; s++) {
        int sb = (vr - s + n) % n, rb = (vr - s - 1 + n) % n;
        size_t so = bcast_block_off(bytes, n, sb), ro = bcast_block_off(bytes, n, rb);

        ret = kr_coll_sendrecv(comm, b + so, bcast_block_off(bytes, n, sb + 1) - so,
                               (vr + 1 + root) % n, b + ro,
                               bcast_block_off(bytes, n, rb + 1) - ro, (vr - 1 + n + root) % n,
                               tag);
        if (ret != 0) {
            return ret;
        }
    }
    return 0;
}

int kr_coll_bcast(struct kr_comm *comm, void *buf, size_t bytes, int root)
{
    int tag = kr_coll_tag(comm), algo = kr_coll_cfg.bcast;

    if (comm->size == 1) {
        return 0;
    }
    /* Two ranks: one single-copy message beats two copies through shared memory. */
    if (comm->shm != NULL && (algo == KR_COLL_BCAST_SHM
                              || (algo == KR_COLL_BCAST_AUTO && comm->size > 2
                                  && bytes >= kr_coll_cfg.bcast_shm_min))) {
        return kr_coll_shm_bcast(comm, buf, bytes, root);
    }
    if (algo == KR_COLL_BCAST_AUTO || algo == KR_COLL_BCAST_SHM) {
        algo = bytes >= kr_coll_cfg.bcast_pipeline_min && comm->size > 2
                   ? KR_COLL_BCAST_SCATTER_ALLGATHER : KR_COLL_BCAST_BINOMIAL;
    }
    if (algo == KR_COLL_BCAST_SCATTER_ALLGATHER && bytes >= (size_t) comm->size) {
        return bcast_scatter_allgather(comm, buf, bytes, root, tag);
    }
    return bcast_binomial(comm, buf, bytes, root, tag);
}

/* Alltoall: for tiny blocks on many ranks Bruck's algorithm (ceil(log2 n) rounds, each moving
 * about half the blocks one power of two further); for short blocks every receive and send
 * posted in one round (the transports overlap them); for long blocks ranks exchange pairwise,
 * one partner per round, so no rank is flooded by everyone at the same time. */
#include "config.h"

#include "coll_int.h"

#include <errno.h>

static int alltoall_postall(struct kr_sched *s, const unsigned char *sbuf, unsigned char *rbuf,
                            size_t bytes)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), ret = kr_sched_round(s);

    for (int st = 1; ret == 0 && st < n; st++) {
        int src = (r - st + n) % n;

        ret = kr_sched_recv(s, rbuf + (size_t) src * bytes, bytes, src);
    }
    for (int st = 1; ret == 0 && st < n; st++) {
        int dst = (r + st) % n;

        ret = kr_sched_send(s, sbuf + (size_t) dst * bytes, bytes, dst);
    }
    return ret;
}

static int alltoall_pairwise(struct kr_sched *s, const unsigned char *sbuf,
                             unsigned char *rbuf, size_t bytes)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), ret = 0;

    for (int st = 1; ret == 0 && st < n; st++) {
        int dst = (r + st) % n, src = (r - st + n) % n;

        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_recv(s, rbuf + (size_t) src * bytes, bytes, src);
        }
        if (ret == 0) {
            ret = kr_sched_send(s, sbuf + (size_t) dst * bytes, bytes, dst);
        }
    }
    return ret;
}

/* Copy the blocks i (1 <= i < n) with bit d set between tmp and the packed buffer `pk`. */
static int alltoall_bruck_move(struct kr_sched *s, unsigned char *tmp, unsigned char *pk,
                               size_t bytes, int d, bool to_pk)
{
    int n = kr_sched_size(s), ret = 0;
    size_t j = 0;

    for (int i = 1; ret == 0 && i < n; i++) {
        if ((i & d) != 0) {
            ret = to_pk ? kr_sched_copy(s, tmp + (size_t) i * bytes, pk + j * bytes, bytes)
                        : kr_sched_copy(s, pk + j * bytes, tmp + (size_t) i * bytes, bytes);
            j++;
        }
    }
    return ret;
}

/* Bruck: after rotating, tmp[i] is the block for rank r + i. In the round with distance d
 * every block whose index has bit d set moves to rank r + d (same index), so block i travels
 * i ranks in all and arrives; at the end tmp[i] came from rank r - i. */
static int alltoall_bruck(struct kr_sched *s, const unsigned char *sbuf, unsigned char *rbuf,
                          size_t bytes)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), ret = kr_sched_round(s);
    size_t half = (size_t) (n / 2 + 1) * bytes;
    unsigned char *tmp = kr_sched_alloc(s, (size_t) n * bytes);
    unsigned char *pk = kr_sched_alloc(s, half), *rv = kr_sched_alloc(s, half);

    if (tmp == NULL || pk == NULL || rv == NULL) {
        return -ENOMEM;
    }
    if (ret == 0) {
        ret = kr_sched_copy(s, sbuf + (size_t) r * bytes, tmp, (size_t) (n - r) * bytes);
    }
    if (ret == 0) {
        ret = kr_sched_copy(s, sbuf, tmp + (size_t) (n - r) * bytes, (size_t) r * bytes);
    }
    for (int d = 1; ret == 0 && d < n; d <<= 1) {
        size_t cnt = 0;

        for (int i = 1; i < n; i++) {
            cnt += (i & d) != 0;
        }
        ret = alltoall_bruck_move(s, tmp, pk, bytes, d, true);
        if (ret == 0) {
            ret = kr_sched_round(s);
        }
        if (ret == 0) {
            ret = kr_sched_recv(s, rv, cnt * bytes, (r - d + n) % n);
        }
        if (ret == 0) {
            ret = kr_sched_send(s, pk, cnt * bytes, (r + d) % n);
        }
        if (ret == 0) {
            ret = alltoall_bruck_move(s, tmp, rv, bytes, d, false);
        }
    }
    for (int i = 0; ret == 0 && i < n; i++) {
        ret = kr_sched_copy(s, tmp + (size_t) i * bytes, rbuf + (size_t) ((r - i + n) % n) * bytes,
                            bytes);
    }
    return ret;
}

/* The algorithm for `n` ranks exchanging `bytes` per pair (forced, or by size). */
static int alltoall_algo(int n, size_t bytes)
{
    int forced = kr_coll_cfg.alltoall;

    if (forced != KR_COLL_ALLTOALL_AUTO && forced != KR_COLL_ALLTOALL_SHM
        && forced != KR_COLL_ALLTOALL_ADAPT) {
        return forced;
    }
    return bytes >= kr_coll_cfg.alltoall_pairwise_min ? KR_COLL_ALLTOALL_PAIRWISE
           : bytes <= kr_coll_cfg.alltoall_bruck_max && n >= 8 ? KR_COLL_ALLTOALL_BRUCK
                                                               : KR_COLL_ALLTOALL_POSTALL;
}

static int alltoall_add(struct kr_sched *s, const void *sbuf, void *rbuf, size_t bytes)
{
    int n = kr_sched_size(s), algo = alltoall_algo(n, bytes), ret = kr_sched_round(s);
    size_t total = (size_t) n * bytes, mine = (size_t) kr_sched_rank(s) * bytes;
    const unsigned char *sb = sbuf;

    if (ret == 0 && n > 1 && algo == KR_COLL_ALLTOALL_BRUCK) {
        /* Bruck reads every block into scratch before writing rbuf: in place needs no copy. */
        return alltoall_bruck(s, sbuf != NULL ? sbuf : rbuf, rbuf, bytes);
    }
    if (ret == 0 && sbuf == NULL && n > 1) {
        /* In place: send from a copy so received blocks cannot overwrite unsent ones. */
        unsigned char *copy = kr_sched_alloc(s, total);

        ret = copy != NULL ? kr_sched_copy(s, rbuf, copy, total) : -ENOMEM;
        sb = copy;
    }
    if (ret == 0 && sbuf != NULL) {
        ret = kr_sched_copy(s, sb + mine, (unsigned char *) rbuf + mine, bytes);
    }
    if (ret != 0 || n == 1) {
        return ret;
    }
    return algo == KR_COLL_ALLTOALL_PAIRWISE ? alltoall_pairwise(s, sb, rbuf, bytes)
                                             : alltoall_postall(s, sb, rbuf, bytes);
}

int kr_coll_alltoall_sched(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes,
                           struct kr_sched **s_out)
{
    struct kr_coll_blocks *b;
    struct kr_sched *s = NULL;
    int ret = kr_sched_create(comm, &s);

    if (ret == 0 && comm->inter) {
        b = kr_coll_blocks_uniform(s, comm->remote_size, bytes);
        ret = b != NULL ? kr_coll_inter_alltoallv(s, sbuf, b, rbuf, b) : -ENOMEM;
    } else if (ret == 0) {
        ret = alltoall_add(s, sbuf, rbuf, bytes);
    }
    return kr_coll_built(s, ret, s_out);
}

/* Alltoall by messages: posted directly for short blocks on few ranks, else a schedule. */
static int alltoall_posted(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes)
{
    struct kr_sched *s = NULL;
    int ret;

    if (!comm->inter && sbuf != NULL && comm->size <= KR_COLL_DIRECT_MAX_RANKS
        && bytes <= KR_COLL_DIRECT_MAX_BYTES
        && alltoall_algo(comm->size, bytes) == KR_COLL_ALLTOALL_POSTALL) {
        return kr_coll_direct_alltoall(comm, sbuf, rbuf, bytes);
    }
    ret = kr_coll_alltoall_sched(comm, sbuf, rbuf, bytes, &s);
    return kr_coll_run(s, ret);
}

int kr_coll_alltoall(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes)
{
    enum kr_shm_a2a way = KR_SHM_A2A_NO;

    if (!comm->inter && (kr_coll_cfg.alltoall == KR_COLL_ALLTOALL_AUTO
                         || kr_coll_cfg.alltoall == KR_COLL_ALLTOALL_SHM
                         || kr_coll_cfg.alltoall == KR_COLL_ALLTOALL_ADAPT)) {
        way = kr_coll_shm_alltoall_way(comm, bytes, kr_coll_cfg.alltoall);
    }
    if (way == KR_SHM_A2A_ADAPT) {
        return kr_coll_shm_alltoall_adapt(comm, sbuf, rbuf, bytes, alltoall_posted);
    }
    if (way == KR_SHM_A2A_YES && kr_coll_shm_ready(comm)) {
        return kr_coll_shm_alltoall(comm, sbuf, rbuf, bytes);
    }
    return alltoall_posted(comm, sbuf, rbuf, bytes);
}

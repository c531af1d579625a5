/* Context-id agreement: the members of a new communicator AND what they offer of their maps of
 * free ids and take a common one; and the ways they combine (an allreduce over the parent,
 * messages among a group, two leaders bridging two groups).
 *
 * An attempt offers a window of COMM_ID_WINDOW words of the map, and each offered id is lent to
 * the agreement until the attempt ends: no other agreement on the process offers it meanwhile.
 * So whatever id is common to all offers is held for this agreement by every member and can be
 * taken at once, however many agreements run at the same time (MPI_Comm_idup leaves them in
 * flight while others come and go). When the window has no common id, the ids go back and the
 * next attempt offers another window. Window k starts at (start + k * stride) mod the map's
 * words, both derived from the agreement's key: the sequences visit every window, and two
 * agreements with different keys soon part ways even if they start by lending each other's
 * ids away on different processes. An agreement that blocks only ever holds one window, so a
 * nonblocking one that another process waits for can still find ids here. */
#include "config.h"

#include "comm_int.h"

#include "coll/coll.h"
#include "util/errors.h"
#include "util/log.h"

#include <errno.h>
#include <string.h>

#define IDS_WORDS (KR_COMM_IDS / 64)

uint64_t kr_comm_ids_key(enum kr_comm_ids_kind kind, uint32_t a, uint32_t b)
{
    /* splitmix64's finaliser: every input bit moves the window */
    uint64_t x = ((uint64_t) a << 32 | b) ^ ((uint64_t) kind * 0x9e3779b97f4a7c15ULL);

    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* First word of attempt k's window; an odd stride visits every start in IDS_WORDS attempts. */
static uint32_t ids_window(uint64_t key, int k)
{
    uint32_t start = (uint32_t) (key % IDS_WORDS);
    uint32_t stride = 2 * (uint32_t) ((key >> 16) % (IDS_WORDS / 2)) + 1;

    return (start + (uint32_t) k * stride) % IDS_WORDS;
}

void kr_comm_ids_lend(struct kr_comm_ids *ids, uint64_t key, int k, uint64_t *offer)
{
    uint32_t w = ids_window(key, k);

    for (int i = 0; i < COMM_ID_WINDOW; i++, w = (w + 1) % IDS_WORDS) {
        offer[i] = ids->free[w] & ~ids->lent[w];
        ids->lent[w] |= offer[i];
    }
}

void kr_comm_ids_giveback(struct kr_comm_ids *ids, uint64_t key, int k, const uint64_t *offer)
{
    uint32_t w = ids_window(key, k);

    for (int i = 0; i < COMM_ID_WINDOW; i++, w = (w + 1) % IDS_WORDS) {
        ids->lent[w] &= ~offer[i];
    }
}

int kr_comm_ids_settle(struct kr_comm_ids *ids, uint64_t key, int k, const uint64_t *offer,
                       const uint64_t *and, int nids, uint32_t *ids_out)
{
    uint32_t w0 = ids_window(key, k);
    int found = 0;

    /* in window order: every member makes the same choice from the same AND */
    for (int i = 0; i < COMM_ID_WINDOW && found < nids; i++) {
        uint64_t bits = and[i];

        while (bits != 0 && found < nids) {
            ids_out[found++] =
                ((w0 + (uint32_t) i) % IDS_WORDS) * 64 + (uint32_t) __builtin_ctzll(bits);
            bits &= bits - 1;
        }
    }
    kr_comm_ids_giveback(ids, key, k, offer);
    if (found < nids) {
        if (k + 1 >= IDS_WORDS) {
            KR_LOG_ERR(COMM,
                       "no communicator id is free in every member (%d ids per "
                       "process; free some communicators)",
                       KR_COMM_IDS);
            return -ENOSPC;
        }
        return -EAGAIN;
    }
    for (int i = 0; i < nids; i++) {
        ids->free[ids_out[i] / 64] &= ~((uint64_t) 1 << (ids_out[i] % 64));
    }
    return 0;
}

void kr_comm_ids_put(struct kr_comm_ids *ids, uint32_t id)
{
    if (id > 1) {
        ids->free[id / 64] |= (uint64_t) 1 << (id % 64);
    }
}

int kr_comm_ids_agree(struct kr_comm_ids *ids, uint64_t key, kr_comm_and_fn and, void *arg,
                      int nids, uint32_t *ids_out)
{
    uint64_t offer[COMM_ID_WINDOW], buf[COMM_ID_WINDOW];
    int ret = -EAGAIN;

    KR_ASSERT(nids >= 1 && nids <= 2);
    for (int k = 0; ret == -EAGAIN; k++) {
        kr_comm_ids_lend(ids, key, k, offer);
        memcpy(buf, offer, sizeof(buf));
        ret = and(arg, buf, COMM_ID_WINDOW);
        if (ret != 0) {
            kr_comm_ids_giveback(ids, key, k, offer);
            return ret;
        }
        ret = kr_comm_ids_settle(ids, key, k, offer, buf, nids, ids_out);
    }
    return ret;
}

/* ---- ways to AND ------------------------------------------------------------------------- */

int kr_comm_and_intra(void *arg, uint64_t *buf, size_t n)
{
    return kr_coll_allreduce_band_u64(arg, buf, n);
}

int kr_comm_ids_agree_intra(struct kr_comm *comm, struct kr_comm_ids *ids, uint32_t *id_out)
{
    uint64_t key = kr_comm_ids_key(KR_IDS_INTRA, comm->id, comm->nagree++);

    return kr_comm_ids_agree(ids, key, kr_comm_and_intra, comm, 1, id_out);
}

int kr_comm_xchg(const struct kr_comm_xchg *x, const void *sbuf, size_t slen, void *rbuf,
                 size_t rlen)
{
    struct kr_req sreq;
    struct kr_status st;
    int ret, sret;

    kr_req_init(&sreq, KR_REQ_SEND);
    ret = kr_pt2pt_isend(x->pt, &sreq, sbuf, slen, x->peer_job, x->me, x->tag, x->ctx);
    if (ret != 0) {
        return ret;
    }
    ret = kr_pt2pt_recv(x->pt, rbuf, rlen, x->peer, x->tag, x->ctx, &st);
    sret = kr_pt2pt_wait(x->pt, &sreq);
    if (ret == 0) {
        ret = st.error;
    }
    if (ret == 0) {
        ret = sret != 0 ? sret : sreq.status.error;
    }
    return ret;
}

static void and_words(uint64_t *acc, const uint64_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        acc[i] &= in[i];
    }
}

/* Swap with group member `peer` and AND its words into buf. */
static int and_group_pair(const struct kr_comm_and_group *g, int peer, uint64_t *buf, uint64_t *tmp,
                          size_t n)
{
    struct kr_comm_xchg x = {
        .pt = g->pt,
        .peer_job = g->ranks[peer],
        .me = g->ranks[g->rank],
        .peer = g->ranks[peer],
        .ctx = g->ctx,
        .tag = g->tag,
    };
    int ret = kr_comm_xchg(&x, buf, n * sizeof(*buf), tmp, n * sizeof(*tmp));

    if (ret == 0) {
        and_words(buf, tmp, n);
    }
    return ret;
}

/* Recursive doubling among the largest power of two of members; each of the first 2 * rem
 * members pairs up first (odd ones hand their words to the even one below and get the result
 * back at the end). AND is commutative and idempotent, so the order does not matter. */
int kr_comm_and_group(void *arg, uint64_t *buf, size_t n)
{
    const struct kr_comm_and_group *g = arg;
    uint64_t tmp[COMM_ID_WINDOW];
    int p = 1, rem, vr, ret = 0;

    KR_ASSERT(n <= COMM_ID_WINDOW);
    while (p * 2 <= g->size) {
        p *= 2;
    }
    rem = g->size - p;
    vr = g->rank < 2 * rem ? (g->rank % 2 == 0 ? g->rank / 2 : -1) : g->rank - rem;
    if (g->rank < 2 * rem) {
        ret = and_group_pair(g, g->rank ^ 1, buf, tmp, n);
    }
    for (int mask = 1; ret == 0 && vr >= 0 && mask < p; mask <<= 1) {
        int vp = vr ^ mask;

        ret = and_group_pair(g, vp < rem ? vp * 2 : vp + rem, buf, tmp, n);
    }
    if (ret == 0 && g->rank < 2 * rem) {
        /* the odd member gets the final words; the exchange's AND leaves them as they are */
        ret = and_group_pair(g, g->rank ^ 1, buf, tmp, n);
    }
    return ret;
}

int kr_comm_and_bridge(void *arg, uint64_t *buf, size_t n)
{
    const struct kr_comm_and_bridge *b = arg;
    uint64_t tmp[COMM_ID_WINDOW];
    int ret;

    KR_ASSERT(n <= COMM_ID_WINDOW);
    ret = kr_coll_allreduce_band_u64(b->local, buf, n);
    if (ret == 0 && b->local->rank == b->leader) {
        ret = kr_comm_xchg(b->x, buf, n * sizeof(*buf), tmp, n * sizeof(*tmp));
        if (ret == 0) {
            and_words(buf, tmp, n);
        }
    }
    if (ret == 0) {
        ret = kr_coll_bcast(b->local, buf, n * sizeof(*buf), b->leader);
    }
    return ret;
}

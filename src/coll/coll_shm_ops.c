/* Collective algorithms over a communicator's shared area (coll_shm.c): barrier, reduce and
 * allreduce (small vectors: every member combines all slots; long vectors: chunked reduce-
 * scatter + allgather through the slots), broadcast of long messages in chunks, and alltoall
 * of short blocks. */
#include "config.h"

#include "coll_shm_int.h"

#include "util/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int kr_coll_shm_barrier(struct kr_comm *comm)
{
    return kr_coll_shm_fence(comm);
}

/* Member j's contribution to a combine: its slot of round `gen` at element offset `at`, or
 * `mine` for the calling member when it did not copy its own part in. */
static const unsigned char *shm_part(struct kr_comm *comm, uint32_t gen, size_t at, size_t ext,
                                     int j, const unsigned char *mine)
{
    return mine != NULL && j == comm->rank ? mine : kr_coll_shm_slot(comm, j, gen) + at * ext;
}

/* out = part[0] op part[1] op ... op part[n-1] over `count` elements, in rank order. */
static int shm_combine(struct kr_comm *comm, uint32_t gen, size_t at, const unsigned char *mine,
                       void *out, size_t count, const struct kr_dt *dt, const struct kr_op *op)
{
    size_t ext = kr_coll_stride(dt), bytes = count * ext;
    unsigned char *tmp;
    int ret = 0;

    memcpy(out, shm_part(comm, gen, at, ext, 0, mine), bytes);
    if (op->commute) {
        /* out = s[j] op out: one sequence, the same wherever it runs. */
        for (int j = 1; j < comm->size && ret == 0; j++) {
            ret = kr_coll_op_apply(op, dt, shm_part(comm, gen, at, ext, j, mine), out, count);
        }
        return ret;
    }
    tmp = malloc(bytes);
    if (tmp == NULL) {
        return -ENOMEM;
    }
    for (int j = 1; j < comm->size && ret == 0; j++) {
        memcpy(tmp, shm_part(comm, gen, at, ext, j, mine), bytes);
        ret = kr_coll_op_apply(op, dt, out, tmp, count); /* tmp = out op s[j] */
        memcpy(out, tmp, bytes);
    }
    free(tmp);
    return ret;
}

/* One round: every member combines every slot (short vectors; no second fence needed). */
static int shm_reduce_short(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                            const struct kr_dt *dt, const struct kr_op *op, int root)
{
    uint32_t gen = comm->shm->gen;
    int ret;

    memcpy(kr_coll_shm_slot(comm, comm->rank, gen), sbuf != NULL ? sbuf : rbuf,
           count * kr_coll_stride(dt));
    ret = kr_coll_shm_fence(comm);
    if (ret == 0 && (root < 0 || root == comm->rank)) {
        ret = shm_combine(comm, gen, 0, NULL, rbuf, count, dt, op);
    }
    return ret;
}

/* Elements [part_off(j), part_off(j + 1)) of a chunk of `c` elements are combined by member j. */
static size_t shm_part_off(size_t c, int n, int j)
{
    size_t q = c / (size_t) n, rem = c % (size_t) n;

    return (size_t) j * q + ((size_t) j < rem ? (size_t) j : rem);
}

/* Long vectors, chunk by chunk: everyone copies its chunk in and fences; member j combines part
 * j of every slot into its own slot of the next round and fences; everyone (or only the root)
 * copies all parts out. Work per member is O(chunk), not O(members x chunk). A member's own
 * part is combined straight from its input, so only the other parts are copied in. */
static int shm_reduce_long(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                           const struct kr_dt *dt, const struct kr_op *op, int root)
{
    size_t ext = kr_coll_stride(dt), per = kr_coll_shm_slot_bytes() / ext;
    const unsigned char *in = sbuf != NULL ? sbuf : rbuf;
    unsigned char *out = rbuf;
    int n = comm->size, me = comm->rank, ret = 0;

    for (size_t off = 0; off < count && ret == 0; off += per) {
        size_t c = count - off < per ? count - off : per;
        size_t p0 = shm_part_off(c, n, me), pn = shm_part_off(c, n, me + 1) - p0;
        uint32_t g_in = comm->shm->gen, g_part;

        memcpy(kr_coll_shm_slot(comm, me, g_in), in + off * ext, p0 * ext);
        memcpy(kr_coll_shm_slot(comm, me, g_in) + (p0 + pn) * ext, in + (off + p0 + pn) * ext,
               (c - p0 - pn) * ext);
        ret = kr_coll_shm_fence(comm);
        g_part = comm->shm->gen;
        if (ret == 0 && pn > 0) {
            ret = shm_combine(comm, g_in, p0, in + (off + p0) * ext,
                              kr_coll_shm_slot(comm, me, g_part) + p0 * ext, pn, dt, op);
        }
        if (ret == 0) {
            ret = kr_coll_shm_fence(comm);
        }
        for (int j = 0; ret == 0 && j < n && (root < 0 || root == me); j++) {
            size_t q0 = shm_part_off(c, n, j), qn = shm_part_off(c, n, j + 1) - q0;

            memcpy(out + (off + q0) * ext, kr_coll_shm_slot(comm, j, g_part) + q0 * ext,
                   qn * ext);
        }
    }
    return ret;
}

bool kr_coll_shm_reduce_ok(const struct kr_comm *comm, const struct kr_dt *dt)
{
    return comm->shm != NULL && kr_coll_stride(dt) <= kr_coll_shm_slot_bytes();
}

int kr_coll_shm_reduce(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t count,
                       const struct kr_dt *dt, const struct kr_op *op, int root)
{
    size_t bytes = count * kr_coll_stride(dt);

    /* One round where every member combines every slot wins while that work is small; past
     * it, two rounds per chunk with each member combining only its part. */
    if (bytes <= kr_coll_shm_slot_bytes() && bytes * (size_t) comm->size <= 64 * 1024) {
        return shm_reduce_short(comm, sbuf, rbuf, count, dt, op, root);
    }
    return shm_reduce_long(comm, sbuf, rbuf, count, dt, op, root);
}

/* The root copies chunk after chunk into its slot; after each fence everyone copies it out.
 * Parity alternation lets the root fill the next chunk while others still read this one. */
int kr_coll_shm_bcast(struct kr_comm *comm, void *buf, size_t bytes, int root)
{
    size_t per = kr_coll_shm_slot_bytes();
    unsigned char *b = buf;
    int ret = 0;

    for (size_t off = 0; off < bytes && ret == 0; off += per) {
        size_t c = bytes - off < per ? bytes - off : per;
        uint32_t gen = comm->shm->gen;

        if (comm->rank == root) {
            memcpy(kr_coll_shm_slot(comm, root, gen), b + off, c);
        }
        ret = kr_coll_shm_fence(comm);
        if (ret == 0 && comm->rank != root) {
            memcpy(b + off, kr_coll_shm_slot(comm, root, gen), c);
        }
    }
    return ret;
}

/* Short blocks cost one fence instead of n - 1 messages each way. Long ones are better served
 * by single copies (reading what another core just wrote runs at ~8 GB/s here, CMA at ~13).
 * On an oversubscribed host the fence saves context switches for longer blocks too, but two
 * copies lose when memory and caches are contended, and this VM flips between such states
 * within seconds: np 4 on 2 cores, 64 KiB blocks, shm / posted messages / Open MPI 32 / 57 /
 * 51-75 us in one state, 128-138 / 65 / 58 in the other. There the choice is made by measured
 * time (coll_adapt.h); until rank 0 has timed both, blocks up to SHM_ALLTOALL_OVERSUB take the
 * area. */
#define SHM_ALLTOALL_SHORT 2048
#define SHM_ALLTOALL_OVERSUB 16384

enum kr_shm_a2a kr_coll_shm_alltoall_way(const struct kr_comm *comm, size_t bytes, int algo)
{
    if (comm->shm == NULL || bytes == 0
        || bytes * (size_t) comm->size > kr_coll_shm_slot_bytes()) {
        return KR_SHM_A2A_NO;
    }
    if (algo == KR_COLL_ALLTOALL_ADAPT) {
        return KR_SHM_A2A_ADAPT;
    }
    if (algo == KR_COLL_ALLTOALL_SHM || bytes <= SHM_ALLTOALL_SHORT) {
        return KR_SHM_A2A_YES;
    }
    return kr_pt2pt_oversubscribed(comm->pt) ? KR_SHM_A2A_ADAPT : KR_SHM_A2A_NO;
}

static double shm_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

int kr_coll_shm_alltoall_adapt(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes,
                               kr_coll_alltoall_fn *posted)
{
    struct kr_coll_shm *s = comm->shm;
    uint32_t call = s->a2a_calls++;
    int bucket = kr_adapt_bucket(bytes, 2 * SHM_ALLTOALL_SHORT);
    int way = kr_coll_shm_pick_get(comm, call, bucket), ret;
    double t0 = comm->rank == 0 ? shm_now() : 0;

    if (way < 0) {
        way = bytes <= SHM_ALLTOALL_OVERSUB ? 0 : 1;
    }
    if (way == 0 && kr_coll_shm_ready(comm)) {
        ret = kr_coll_shm_alltoall(comm, sbuf, rbuf, bytes);
    } else {
        ret = posted(comm, sbuf, rbuf, bytes);
    }
    if (comm->rank == 0) {
        int before = kr_adapt_preferred(&s->a2a, bucket), after;

        kr_adapt_record(&s->a2a, bucket, way, shm_now() - t0);
        kr_coll_shm_pick_set(comm, call + 2, &s->a2a);
        after = kr_adapt_preferred(&s->a2a, bucket);
        if (after != before && after >= 0) {
            KR_LOG_INFO(COLL, "alltoall of %zu-byte blocks over %d ranks: now %s (%.1f us "
                        "through the shared area, %.1f by messages)", bytes, comm->size,
                        after == 0 ? "through the shared area" : "by messages",
                        s->a2a.b[bucket].avg[0] * 1e6, s->a2a.b[bucket].avg[1] * 1e6);
        }
    }
    return ret;
}

/* Everyone puts its blocks into its slot and fences; then takes block `me` of every slot. A
 * second fence is not needed: the next round that reuses these slots (two rounds on) starts
 * only after everyone arrived at the one between, having finished reading. */
int kr_coll_shm_alltoall(struct kr_comm *comm, const void *sbuf, void *rbuf, size_t bytes)
{
    int n = comm->size, me = comm->rank, ret;
    uint32_t gen = comm->shm->gen;
    unsigned char *rb = rbuf;

    memcpy(kr_coll_shm_slot(comm, me, gen), sbuf != NULL ? sbuf : rbuf, (size_t) n * bytes);
    if (sbuf != NULL) {
        memcpy(rb + (size_t) me * bytes, (const unsigned char *) sbuf + (size_t) me * bytes,
               bytes);
    }
    ret = kr_coll_shm_fence(comm);
    for (int j = 0; ret == 0 && j < n; j++) {
        if (j != me) {
            memcpy(rb + (size_t) j * bytes, kr_coll_shm_slot(comm, j, gen) + (size_t) me * bytes,
                   bytes);
        }
    }
    return ret;
}

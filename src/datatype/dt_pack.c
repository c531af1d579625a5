/* Pack, unpack and scatter-gather lists over the layout program (dt_int.h): one walker, three
 * modes, resumable at any packed offset, with tight fixed-size kernels for the runs of equal
 * blocks that vectors, subarrays and indexed-block types produce. */
#include "config.h"

#include "dt.h"
#include "dt_int.h"

#include <stdint.h>
#include <string.h>

enum xf_mode { XF_PACK, XF_UNPACK, XF_IOV };

/* One walk: where the packed stream is (pack, unpack) or the list being filled (iov). */
struct dt_xfer {
    enum xf_mode mode;
    char *pk;
    struct iovec *iov;
    int niov, max;
    size_t bytes;
    bool stop; /* iov full: unwind without touching anything else */
};

/* ---- kernels ----------------------------------------------------------------------------------
 * A run is n blocks of a fixed length at a, a + step, a + 2 step…; an indexed run is n blocks
 * at a + d[i]. With the length a compile-time constant, memcpy becomes one load and one store
 * (two for 12, 24, 48), so a vector of 8-byte blocks costs a few instructions per block; the
 * length is chosen once per run, never per block. */
typedef void xf_run_fn(char *restrict pk, uintptr_t a, MPI_Aint step, size_t n, size_t len);
typedef void xf_idx_fn(char *restrict pk, uintptr_t a, const MPI_Aint *d, size_t n, size_t len);

#define XF_KERNELS(N)                                                                              \
    static void pack_run_##N(char *restrict pk, uintptr_t a, MPI_Aint step, size_t n, size_t l)    \
    {                                                                                              \
        (void) l;                                                                                  \
        for (size_t k = 0; k < n; k++, a += (uintptr_t) step) {                                    \
            memcpy(pk + k * N, (const char *) a, N);                                               \
        }                                                                                          \
    }                                                                                              \
    static void unpack_run_##N(char *restrict pk, uintptr_t a, MPI_Aint step, size_t n, size_t l)  \
    {                                                                                              \
        (void) l;                                                                                  \
        for (size_t k = 0; k < n; k++, a += (uintptr_t) step) {                                    \
            memcpy((char *) a, pk + k * N, N);                                                     \
        }                                                                                          \
    }                                                                                              \
    static void pack_idx_##N(char *restrict pk, uintptr_t a, const MPI_Aint *d, size_t n,          \
                             size_t l)                                                             \
    {                                                                                              \
        (void) l;                                                                                  \
        for (size_t k = 0; k < n; k++) {                                                           \
            memcpy(pk + k * N, (const char *) (a + (uintptr_t) d[k]), N);                          \
        }                                                                                          \
    }                                                                                              \
    static void unpack_idx_##N(char *restrict pk, uintptr_t a, const MPI_Aint *d, size_t n,        \
                               size_t l)                                                           \
    {                                                                                              \
        (void) l;                                                                                  \
        for (size_t k = 0; k < n; k++) {                                                           \
            memcpy((char *) (a + (uintptr_t) d[k]), pk + k * N, N);                                \
        }                                                                                          \
    }

XF_KERNELS(1)
XF_KERNELS(2)
XF_KERNELS(4)
XF_KERNELS(8)
XF_KERNELS(12)
XF_KERNELS(16)
XF_KERNELS(24)
XF_KERNELS(32)
XF_KERNELS(48)
XF_KERNELS(64)

/* Any other length: memcpy per block, which for long blocks is what we want anyway. */
static void pack_run_any(char *restrict pk, uintptr_t a, MPI_Aint step, size_t n, size_t l)
{
    for (size_t k = 0; k < n; k++, a += (uintptr_t) step) {
        memcpy(pk + k * l, (const char *) a, l);
    }
}

static void unpack_run_any(char *restrict pk, uintptr_t a, MPI_Aint step, size_t n, size_t l)
{
    for (size_t k = 0; k < n; k++, a += (uintptr_t) step) {
        memcpy((char *) a, pk + k * l, l);
    }
}

static void pack_idx_any(char *restrict pk, uintptr_t a, const MPI_Aint *d, size_t n, size_t l)
{
    for (size_t k = 0; k < n; k++) {
        memcpy(pk + k * l, (const char *) (a + (uintptr_t) d[k]), l);
    }
}

static void unpack_idx_any(char *restrict pk, uintptr_t a, const MPI_Aint *d, size_t n, size_t l)
{
    for (size_t k = 0; k < n; k++) {
        memcpy((char *) (a + (uintptr_t) d[k]), pk + k * l, l);
    }
}

enum {
    XF_K1,
    XF_K2,
    XF_K4,
    XF_K8,
    XF_K12,
    XF_K16,
    XF_K24,
    XF_K32,
    XF_K48,
    XF_K64,
    XF_KANY,
    XF_NKERN
};

static xf_run_fn *const xf_run_kern[2][XF_NKERN] = {
    {pack_run_1, pack_run_2, pack_run_4, pack_run_8, pack_run_12, pack_run_16, pack_run_24,
     pack_run_32, pack_run_48, pack_run_64, pack_run_any},
    {unpack_run_1, unpack_run_2, unpack_run_4, unpack_run_8, unpack_run_12, unpack_run_16,
     unpack_run_24, unpack_run_32, unpack_run_48, unpack_run_64, unpack_run_any},
};

static xf_idx_fn *const xf_idx_kern[2][XF_NKERN] = {
    {pack_idx_1, pack_idx_2, pack_idx_4, pack_idx_8, pack_idx_12, pack_idx_16, pack_idx_24,
     pack_idx_32, pack_idx_48, pack_idx_64, pack_idx_any},
    {unpack_idx_1, unpack_idx_2, unpack_idx_4, unpack_idx_8, unpack_idx_12, unpack_idx_16,
     unpack_idx_24, unpack_idx_32, unpack_idx_48, unpack_idx_64, unpack_idx_any},
};

static int xf_kern_class(size_t len)
{
    switch (len) {
    case 1: return XF_K1;
    case 2: return XF_K2;
    case 4: return XF_K4;
    case 8: return XF_K8;
    case 12: return XF_K12;
    case 16: return XF_K16;
    case 24: return XF_K24;
    case 32: return XF_K32;
    case 48: return XF_K48;
    case 64: return XF_K64;
    default: return XF_KANY;
    }
}

/* A copy of a few bytes whose length varies block to block (struct fields, irregular indexed
 * blocks): overlapping fixed-size moves instead of a call to memcpy. Short lengths are tested
 * first because struct fields are mostly short. Always inlined: as a call it costs a third of
 * the throughput of an array of small structs. */
static inline __attribute__((always_inline)) void xf_copy_small(char *restrict dst,
                                                                const char *restrict src, size_t n)
{
    if (n <= 16) {
        if (n >= 8) {
            memcpy(dst, src, 8);
            memcpy(dst + n - 8, src + n - 8, 8);
        } else if (n >= 4) {
            memcpy(dst, src, 4);
            memcpy(dst + n - 4, src + n - 4, 4);
        } else if (n > 0) {
            dst[0] = src[0];
            dst[n / 2] = src[n / 2];
            dst[n - 1] = src[n - 1];
        }
    } else if (n <= 32) {
        memcpy(dst, src, 16);
        memcpy(dst + n - 16, src + n - 16, 16);
    } else if (n <= 64) {
        memcpy(dst, src, 32);
        memcpy(dst + n - 32, src + n - 32, 32);
    } else {
        memcpy(dst, src, n);
    }
}

/* ---- leaf operations --------------------------------------------------------------------- */

static void xf_emit(struct dt_xfer *x, uintptr_t a, size_t n)
{
    struct iovec *last = x->niov > 0 ? &x->iov[x->niov - 1] : NULL;

    if (last != NULL && (uintptr_t) last->iov_base + last->iov_len == a) {
        last->iov_len += n;
    } else if (x->niov == x->max) {
        x->stop = true;
        return;
    } else {
        x->iov[x->niov].iov_base = (void *) a;
        x->iov[x->niov].iov_len = n;
        x->niov++;
    }
    x->bytes += n;
}

/* n contiguous bytes at a; `small` when they are known to be few. */
static inline void xf_bytes(struct dt_xfer *x, uintptr_t a, size_t n, bool small)
{
    switch (x->mode) {
    case XF_PACK:
        if (small) {
            xf_copy_small(x->pk, (const char *) a, n);
        } else {
            memcpy(x->pk, (const char *) a, n);
        }
        x->pk += n;
        break;
    case XF_UNPACK:
        if (small) {
            xf_copy_small((char *) a, x->pk, n);
        } else {
            memcpy((char *) a, x->pk, n);
        }
        x->pk += n;
        break;
    case XF_IOV: xf_emit(x, a, n); break;
    }
}

static void xf_run(struct dt_xfer *x, uintptr_t a, MPI_Aint step, size_t n, size_t len)
{
    if (x->mode == XF_IOV) {
        for (size_t k = 0; k < n && !x->stop; k++, a += (uintptr_t) step) {
            xf_emit(x, a, len);
        }
        return;
    }
    xf_run_kern[x->mode][xf_kern_class(len)](x->pk, a, step, n, len);
    x->pk += n * len;
}

static void xf_idx(struct dt_xfer *x, uintptr_t a, const MPI_Aint *d, size_t n, size_t len)
{
    if (x->mode == XF_IOV) {
        for (size_t k = 0; k < n && !x->stop; k++) {
            xf_emit(x, a + (uintptr_t) d[k], len);
        }
        return;
    }
    xf_idx_kern[x->mode][xf_kern_class(len)](x->pk, a, d, n, len);
    x->pk += n * len;
}

/* ---- the walk ---------------------------------------------------------------------------------
 * xf_full moves one whole instance of a node; xf_part moves bytes [skip, skip + len) of one
 * instance (0 < len, skip + len <= size). The *_vec_* forms do the same for `cnt` instances
 * of a node `step` bytes apart, which is both a VEC node and a LIST entry. Partial moves seek
 * by division and binary search, then hand the whole instances in the middle to the full
 * walk, so a fragment costs O(depth x log entries) on top of the bytes it moves. */

static void xf_full(struct dt_xfer *x, const struct dt_node *n, uintptr_t base);

/* Blocks [i0, i1) of an uneven leaf list at `base` (its disp applied), copied in one loop
 * rather than through the walk's dispatch for every block: arrays of structs and irregular
 * indexed types spend their time here. */
static void xf_hidx_range(struct dt_xfer *x, const struct dt_node *c, uintptr_t base, size_t i0,
                          size_t i1)
{
    const MPI_Aint *d = c->d;
    const size_t *bl = c->blen;
    char *pk = x->pk;

    if (x->mode == XF_PACK) {
        for (size_t i = i0; i < i1; i++) {
            xf_copy_small(pk, (const char *) (base + (uintptr_t) d[i]), bl[i]);
            pk += bl[i];
        }
    } else {
        for (size_t i = i0; i < i1; i++) {
            xf_copy_small((char *) (base + (uintptr_t) d[i]), pk, bl[i]);
            pk += bl[i];
        }
    }
    x->pk = pk;
}

static void xf_vec_full(struct dt_xfer *x, const struct dt_node *c, uintptr_t base, MPI_Aint step,
                        size_t cnt)
{
    if (c->kind == DT_N_BLOCK) {
        xf_run(x, base + (uintptr_t) c->disp, step, cnt, c->len);
        return;
    }
    if (c->kind == DT_N_HIDX && x->mode != XF_IOV) {
        for (size_t k = 0; k < cnt; k++, base += (uintptr_t) step) {
            xf_hidx_range(x, c, base + (uintptr_t) c->disp, 0, c->count);
        }
        return;
    }
    for (size_t k = 0; k < cnt && !x->stop; k++, base += (uintptr_t) step) {
        xf_full(x, c, base);
    }
}

static void xf_full(struct dt_xfer *x, const struct dt_node *n, uintptr_t base)
{
    base += (uintptr_t) n->disp;
    switch (n->kind) {
    case DT_N_BLOCK: xf_bytes(x, base, n->len, false); break;
    case DT_N_VEC: xf_vec_full(x, n->child, base, n->stride, n->count); break;
    case DT_N_BLKS: xf_idx(x, base, n->d, n->count, n->len); break;
    case DT_N_HIDX:
        if (x->mode != XF_IOV) {
            xf_hidx_range(x, n, base, 0, n->count);
            break;
        }
        for (size_t i = 0; i < n->count && !x->stop; i++) {
            xf_emit(x, base + (uintptr_t) n->d[i], n->blen[i]);
        }
        break;
    case DT_N_LIST:
        for (size_t i = 0; i < n->count && !x->stop; i++) {
            uintptr_t at = base + (uintptr_t) n->d[i];

            if (n->kid[i] == NULL) {
                xf_bytes(x, at, n->rep[i], false);
            } else {
                xf_vec_full(x, n->kid[i], at, n->step[i], n->rep[i]);
            }
        }
        break;
    }
}

/* The entry i with off[i] <= skip < off[i + 1]. */
static size_t xf_search(const size_t *off, size_t count, size_t skip)
{
    size_t lo = 0, hi = count;

    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;

        if (off[mid] <= skip) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static void xf_part(struct dt_xfer *x, const struct dt_node *n, uintptr_t base, size_t skip,
                    size_t len);

static void xf_vec_part(struct dt_xfer *x, const struct dt_node *c, uintptr_t base, MPI_Aint step,
                        size_t skip, size_t len)
{
    size_t csz = c->size, i = skip / csz, r = skip % csz, full;

    if (r != 0) {
        size_t m = csz - r < len ? csz - r : len;

        xf_part(x, c, base + (uintptr_t) step * i, r, m);
        len -= m;
        i++;
    }
    full = len / csz;
    if (full > 0 && !x->stop) {
        xf_vec_full(x, c, base + (uintptr_t) step * i, step, full);
        len -= full * csz;
        i += full;
    }
    if (len > 0 && !x->stop) {
        xf_part(x, c, base + (uintptr_t) step * i, 0, len);
    }
}

/* Blocks of a leaf list from block i, offset r into it, for len bytes; `lens` NULL means
 * every block has `blen` bytes. Whole blocks in the middle of an equal-length list go
 * through the indexed kernel. */
static void xf_leaf_part(struct dt_xfer *x, const struct dt_node *n, uintptr_t base, size_t i,
                         size_t r, size_t len)
{
    while (len > 0 && !x->stop) {
        size_t bl = n->blen != NULL ? n->blen[i] : n->len, m = bl - r < len ? bl - r : len;

        if (r == 0 && n->blen == NULL && len >= bl) {
            size_t whole = len / bl;

            xf_idx(x, base, n->d + i, whole, bl);
            i += whole;
            len -= whole * bl;
            continue;
        }
        if (r == 0 && n->blen != NULL && len >= bl && x->mode != XF_IOV) {
            /* the whole blocks up to the end of the fragment, found in the prefix sums */
            size_t end = n->off[i] + len;
            size_t j = end >= n->off[n->count] ? n->count : xf_search(n->off, n->count, end);

            xf_hidx_range(x, n, base, i, j);
            len -= n->off[j] - n->off[i];
            i = j;
            continue;
        }
        xf_bytes(x, base + (uintptr_t) n->d[i] + r, m, true);
        len -= m;
        r = 0;
        i++;
    }
}

static void xf_part(struct dt_xfer *x, const struct dt_node *n, uintptr_t base, size_t skip,
                    size_t len)
{
    size_t i;

    if (skip == 0 && len == n->size) {
        xf_full(x, n, base);
        return;
    }
    base += (uintptr_t) n->disp;
    switch (n->kind) {
    case DT_N_BLOCK: xf_bytes(x, base + skip, len, false); break;
    case DT_N_VEC: xf_vec_part(x, n->child, base, n->stride, skip, len); break;
    case DT_N_BLKS: xf_leaf_part(x, n, base, skip / n->len, skip % n->len, len); break;
    case DT_N_HIDX:
        i = xf_search(n->off, n->count, skip);
        xf_leaf_part(x, n, base, i, skip - n->off[i], len);
        break;
    case DT_N_LIST:
        i = xf_search(n->off, n->count, skip);
        skip -= n->off[i];
        while (len > 0 && !x->stop) {
            size_t es = n->off[i + 1] - n->off[i], m = es - skip < len ? es - skip : len;
            uintptr_t at = base + (uintptr_t) n->d[i];

            if (n->kid[i] == NULL) {
                xf_bytes(x, at + skip, m, false);
            } else {
                xf_vec_part(x, n->kid[i], at, n->step[i], skip, m);
            }
            len -= m;
            skip = 0;
            i++;
        }
        break;
    }
}

/* ---- entry points ------------------------------------------------------------------------ */

/* A predefined pair type with a hole (MPI_SHORT_INT): its two members as a leaf list built
 * on the caller's stack. */
struct xf_pair {
    struct dt_node node;
    MPI_Aint d[2];
    size_t blen[2], off[3];
};

static const struct dt_node *xf_root(const struct kr_dt *dt, struct xf_pair *p)
{
    const struct kr_dt *v, *i;
    size_t ioff;

    if (dt->desc != NULL) {
        return dt->desc->exec != NULL ? dt->desc->exec : dt->desc->root;
    }
    memset(p, 0, sizeof(*p));
    p->node.size = dt->size;
    p->node.nblocks = 1;
    p->node.depth = 1;
    if (dt->opclass != KR_DT_C_PAIR) {
        p->node.kind = DT_N_BLOCK;
        p->node.len = dt->size;
        p->node.shape = dt_shape_rep(
            (struct dt_shape){1, 0, (MPI_Aint) dt->size, dt->size, dt->size, SIZE_MAX}, 1, 0);
        return &p->node;
    }
    dt_pair_members(dt, &v, &i, &ioff);
    p->node.kind = DT_N_HIDX;
    p->node.count = 2;
    p->node.d = p->d;
    p->node.blen = p->blen;
    p->node.off = p->off;
    p->d[1] = (MPI_Aint) ioff;
    p->blen[0] = v->size;
    p->blen[1] = i->size;
    p->off[1] = v->size;
    p->off[2] = dt->size;
    p->node.nblocks = 2;
    p->node.shape =
        dt_shape_cat((struct dt_shape){1, 0, (MPI_Aint) v->size, v->size, v->size, SIZE_MAX},
                     (struct dt_shape){1, (MPI_Aint) ioff, (MPI_Aint) (ioff + i->size), i->size,
                                       i->size, SIZE_MAX});
    return &p->node;
}

size_t kr_dt_packed_size(const struct kr_dt *dt, size_t count)
{
    size_t n;

    return __builtin_mul_overflow(dt->size, count, &n) ? SIZE_MAX : n;
}

/* Walk packed bytes [offset, offset + len) of `count` elements at buf; returns the bytes
 * the walk covers (len clipped to the end of the stream). */
static size_t xf_walk(struct dt_xfer *x, const struct kr_dt *dt, size_t count, uintptr_t buf,
                      size_t offset, size_t len)
{
    size_t total = kr_dt_packed_size(dt, count);
    struct xf_pair pair;
    const struct dt_node *root;

    if (offset >= total || len == 0) {
        return 0;
    }
    if (len > total - offset) {
        len = total - offset;
    }
    if ((dt->flags & KR_DT_F_CONTIG) != 0) {
        xf_bytes(x, buf + (uintptr_t) dt->true_lb + offset, len, false);
        return len;
    }
    root = xf_root(dt, &pair);
    xf_vec_part(x, root, buf, dt->extent, offset, len);
    return len;
}

size_t kr_dt_pack(const struct kr_dt *dt, size_t count, const void *buf, size_t offset, void *dst,
                  size_t len)
{
    struct dt_xfer x = {.mode = XF_PACK, .pk = dst};

    return xf_walk(&x, dt, count, (uintptr_t) buf, offset, len);
}

size_t kr_dt_unpack(const struct kr_dt *dt, size_t count, void *buf, size_t offset, const void *src,
                    size_t len)
{
    struct dt_xfer x = {.mode = XF_UNPACK, .pk = (char *) (uintptr_t) src};

    return xf_walk(&x, dt, count, (uintptr_t) buf, offset, len);
}

int kr_dt_iov(const struct kr_dt *dt, size_t count, const void *buf, size_t offset,
              struct iovec *iov, int max, size_t *bytes_out)
{
    struct dt_xfer x = {.mode = XF_IOV, .iov = iov, .max = max};

    if (max > 0) {
        xf_walk(&x, dt, count, (uintptr_t) buf, offset, SIZE_MAX);
    }
    *bytes_out = x.bytes;
    return x.niov;
}

void kr_dt_layout(const struct kr_dt *dt, size_t count, size_t *pieces_out, size_t *min_piece_out)
{
    struct xf_pair pair;
    struct dt_shape s;
    size_t min;

    if (dt->size == 0 || count == 0) {
        *pieces_out = 0;
        *min_piece_out = 0;
        return;
    }
    if ((dt->flags & KR_DT_F_CONTIG) != 0) {
        *pieces_out = 1;
        *min_piece_out = kr_dt_packed_size(dt, count);
        return;
    }
    s = dt_shape_rep(xf_root(dt, &pair)->shape, count, dt->extent);
    min = s.first_len < s.last_len ? s.first_len : s.last_len;
    *pieces_out = s.np;
    *min_piece_out = s.min_mid < min ? s.min_mid : min;
}

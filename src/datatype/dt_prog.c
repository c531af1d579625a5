/* The layout program of derived datatypes (see dt_int.h): building and normalising its nodes,
 * the shape summaries kr_dt_layout combines, flattening of small programs at commit, and
 * freeing. */
#include "config.h"

#include "dt_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A list entry whose instances visit at most this many leaf blocks is expanded into raw
 * blocks: walking a short block list beats descending into a child for every instance, and
 * it is what turns struct {int; double; char[3]} into one three-block leaf. */
#define DT_INLINE_MAX 64

/* Programs whose element visits at most this many leaf blocks are flattened at commit. */
#define DT_FLAT_MAX 64

/* ---- address arithmetic ---------------------------------------------------------------------- */

/* Displacements wrap like addresses do (MPI_BOTTOM plus absolute addresses), and a wrapped
 * value is only ever added to a base, so these are done in unsigned arithmetic: no undefined
 * behaviour for the sanitizers to trip on. The type constructors have already checked that
 * the bounds the user can see fit. */
static MPI_Aint prog_add(MPI_Aint x, MPI_Aint y)
{
    return (MPI_Aint) ((uintptr_t) x + (uintptr_t) y);
}

static MPI_Aint prog_mul(MPI_Aint x, size_t n)
{
    return (MPI_Aint) ((uintptr_t) x * (uintptr_t) n);
}

static size_t prog_sat_add(size_t x, size_t y)
{
    size_t r;

    return __builtin_add_overflow(x, y, &r) ? SIZE_MAX : r;
}

static size_t prog_sat_mul(size_t x, size_t y)
{
    size_t r;

    return __builtin_mul_overflow(x, y, &r) ? SIZE_MAX : r;
}

/* ---- shapes ---------------------------------------------------------------------------------- */

static const struct dt_shape shape_none = {0, 0, 0, 0, 0, SIZE_MAX};

static struct dt_shape shape_piece(MPI_Aint start, size_t len)
{
    struct dt_shape s = {1, start, prog_add(start, (MPI_Aint) len), len, len, SIZE_MAX};

    return s;
}

static struct dt_shape shape_shift(struct dt_shape s, MPI_Aint by)
{
    if (s.np > 0) {
        s.first_start = prog_add(s.first_start, by);
        s.last_end = prog_add(s.last_end, by);
    }
    return s;
}

static size_t shape_min(size_t a, size_t b)
{
    return a < b ? a : b;
}

struct dt_shape dt_shape_cat(struct dt_shape a, struct dt_shape b)
{
    struct dt_shape r;
    size_t merged;

    if (a.np == 0) {
        return b;
    }
    if (b.np == 0) {
        return a;
    }
    r.first_start = a.first_start;
    r.last_end = b.last_end;
    if (a.last_end != b.first_start) {
        /* a's last and b's first piece become middle pieces, unless each is also its
         * sequence's first or last */
        r.np = prog_sat_add(a.np, b.np);
        r.first_len = a.first_len;
        r.last_len = b.last_len;
        r.min_mid = shape_min(a.min_mid, b.min_mid);
        if (a.np >= 2) {
            r.min_mid = shape_min(r.min_mid, a.last_len);
        }
        if (b.np >= 2) {
            r.min_mid = shape_min(r.min_mid, b.first_len);
        }
        return r;
    }
    /* a's last piece runs on into b's first: they become one */
    merged = prog_sat_add(a.last_len, b.first_len);
    r.np = prog_sat_add(a.np, b.np) - 1;
    if (a.np == 1 && b.np == 1) {
        r.first_len = r.last_len = merged;
        r.min_mid = SIZE_MAX;
    } else if (a.np == 1) {
        r.first_len = merged;
        r.last_len = b.last_len;
        r.min_mid = b.min_mid;
    } else if (b.np == 1) {
        r.first_len = a.first_len;
        r.last_len = merged;
        r.min_mid = a.min_mid;
    } else {
        r.first_len = a.first_len;
        r.last_len = b.last_len;
        r.min_mid = shape_min(shape_min(a.min_mid, b.min_mid), merged);
    }
    return r;
}

struct dt_shape dt_shape_rep(struct dt_shape s, size_t n, MPI_Aint step)
{
    struct dt_shape res = shape_none, run = s;
    size_t placed = 0, run_n = 1;

    if (s.np == 0) {
        return shape_none;
    }
    /* binary decomposition: `run` is 2^k consecutive copies; appending the runs of n's set
     * bits in increasing position keeps the copies in order */
    while (n > 0) {
        if ((n & 1) != 0) {
            res = dt_shape_cat(res, shape_shift(run, prog_mul(step, placed)));
            placed += run_n;
        }
        n >>= 1;
        if (n > 0) {
            run = dt_shape_cat(run, shape_shift(run, prog_mul(step, run_n)));
            run_n *= 2;
        }
    }
    return res;
}

/* ---- nodes ----------------------------------------------------------------------------------- */

static struct dt_node *prog_node(struct dt_arena *a, enum dt_node_kind kind, bool *ok)
{
    struct dt_node *n = calloc(1, sizeof(*n));

    if (n == NULL) {
        *ok = false;
        return NULL;
    }
    n->kind = kind;
    n->depth = 1;
    n->next_owned = a->owned;
    a->owned = n;
    return n;
}

void dt_arena_free(struct dt_arena *a)
{
    struct dt_node *n = a->owned, *next;

    while (n != NULL) {
        next = n->next_owned;
        if (!n->borrowed) {
            free(n->d);
            free(n->blen);
            free(n->rep);
            free(n->step);
            free(n->kid);
            free(n->off);
        }
        free(n);
        n = next;
    }
    a->owned = NULL;
}

const struct dt_node *dt_prog_block(struct dt_arena *a, MPI_Aint disp, size_t len, bool *ok)
{
    struct dt_node *n;

    if (len == 0) {
        return NULL;
    }
    n = prog_node(a, DT_N_BLOCK, ok);
    if (n == NULL) {
        return NULL;
    }
    n->disp = disp;
    n->len = len;
    n->size = len;
    n->nblocks = 1;
    n->shape = shape_piece(disp, len);
    return n;
}

static const struct dt_node *prog_vec(struct dt_arena *a, MPI_Aint disp, size_t count,
                                      MPI_Aint stride, const struct dt_node *child, bool *ok)
{
    struct dt_node *n = prog_node(a, DT_N_VEC, ok);

    if (n == NULL) {
        return NULL;
    }
    n->disp = disp;
    n->count = count;
    n->stride = stride;
    n->child = child;
    n->size = prog_sat_mul(count, child->size);
    n->depth = child->depth + 1;
    n->nblocks = prog_sat_mul(count, child->nblocks);
    n->shape = shape_shift(dt_shape_rep(child->shape, count, stride), disp);
    return n;
}

const struct dt_node *dt_prog_rep(struct dt_arena *a, size_t n, MPI_Aint step,
                                  const struct dt_node *child, bool *ok)
{
    if (child == NULL || n == 0) {
        return NULL;
    }
    if (n == 1) {
        return child;
    }
    if (child->kind == DT_N_BLOCK && step == (MPI_Aint) child->len) {
        return dt_prog_block(a, child->disp, prog_sat_mul(n, child->len), ok);
    }
    /* rows that tile the stride of the repetition: one longer vector of the same rows */
    if (child->kind == DT_N_VEC && step == prog_mul(child->stride, child->count)) {
        return prog_vec(a, child->disp, prog_sat_mul(n, child->count), child->stride, child->child,
                        ok);
    }
    return prog_vec(a, 0, n, step, child, ok);
}

const struct dt_node *dt_prog_shift(struct dt_arena *a, const struct dt_node *n, MPI_Aint by,
                                    bool *ok)
{
    struct dt_node *c, *next;

    if (n == NULL || by == 0) {
        return n;
    }
    c = prog_node(a, n->kind, ok);
    if (c == NULL) {
        return NULL;
    }
    next = c->next_owned;
    *c = *n;
    c->next_owned = next;
    c->borrowed = true; /* arrays still belong to n */
    c->disp = prog_add(n->disp, by);
    c->shape = shape_shift(n->shape, by);
    return c;
}

/* ---- leaf block lists ------------------------------------------------------------------------ */

/* Blocks collected in packed order, adjacent ones merged on the way in. */
struct prog_blocks {
    MPI_Aint *d;
    size_t *len;
    size_t n, cap;
    bool ok;
};

static void blocks_add(struct prog_blocks *b, MPI_Aint d, size_t len)
{
    if (len == 0 || !b->ok) {
        return;
    }
    if (b->n > 0 && prog_add(b->d[b->n - 1], (MPI_Aint) b->len[b->n - 1]) == d) {
        b->len[b->n - 1] += len;
        return;
    }
    if (b->n == b->cap) {
        size_t cap = b->cap < 16 ? 16 : 2 * b->cap;
        MPI_Aint *nd = realloc(b->d, cap * sizeof(*nd));
        size_t *nl;

        if (nd == NULL) {
            b->ok = false;
            return;
        }
        b->d = nd;
        nl = realloc(b->len, cap * sizeof(*nl));
        if (nl == NULL) {
            b->ok = false;
            return;
        }
        b->len = nl;
        b->cap = cap;
    }
    b->d[b->n] = d;
    b->len[b->n] = len;
    b->n++;
}

/* Append the leaf blocks of one instance of `n` with origin `base`. Only used on nodes with
 * few blocks (nblocks bounded by the callers). */
static void blocks_collect(struct prog_blocks *b, const struct dt_node *n, MPI_Aint base)
{
    base = prog_add(base, n->disp);
    switch (n->kind) {
    case DT_N_BLOCK: blocks_add(b, base, n->len); break;
    case DT_N_VEC:
        for (size_t i = 0; i < n->count && b->ok; i++) {
            blocks_collect(b, n->child, prog_add(base, prog_mul(n->stride, i)));
        }
        break;
    case DT_N_BLKS:
        for (size_t i = 0; i < n->count; i++) {
            blocks_add(b, prog_add(base, n->d[i]), n->len);
        }
        break;
    case DT_N_HIDX:
        for (size_t i = 0; i < n->count; i++) {
            blocks_add(b, prog_add(base, n->d[i]), n->blen[i]);
        }
        break;
    case DT_N_LIST:
        for (size_t i = 0; i < n->count && b->ok; i++) {
            MPI_Aint at = prog_add(base, n->d[i]);

            if (n->kid[i] == NULL) {
                blocks_add(b, at, n->rep[i]);
                continue;
            }
            for (size_t k = 0; k < n->rep[i] && b->ok; k++) {
                blocks_collect(b, n->kid[i], prog_add(at, prog_mul(n->step[i], k)));
            }
        }
        break;
    }
}

/* Shape and packed offsets of a leaf list, computed from its blocks. */
static void leaf_finish(struct dt_node *n, const size_t *len_or_null)
{
    struct dt_shape s = shape_none;
    size_t size = 0;

    for (size_t i = 0; i < n->count; i++) {
        size_t l = len_or_null != NULL ? len_or_null[i] : n->len;

        if (n->off != NULL) {
            n->off[i] = size;
        }
        size += l;
        s = dt_shape_cat(s, shape_piece(n->d[i], l));
    }
    if (n->off != NULL) {
        n->off[n->count] = size;
    }
    n->size = size;
    n->nblocks = n->count;
    n->shape = s;
}

/* The node for a merged block list; takes the arrays of `b` (which the caller must not free
 * afterwards when this succeeds). */
static const struct dt_node *prog_leaf(struct dt_arena *a, struct prog_blocks *b, bool *ok)
{
    struct dt_node *n;
    bool same = true, regular;
    MPI_Aint s;

    if (b->n == 0) {
        return NULL;
    }
    if (b->n == 1) {
        return dt_prog_block(a, b->d[0], b->len[0], ok);
    }
    for (size_t i = 1; i < b->n && same; i++) {
        same = b->len[i] == b->len[0];
    }
    if (same) {
        s = (MPI_Aint) ((uintptr_t) b->d[1] - (uintptr_t) b->d[0]);
        regular = true;
        for (size_t i = 2; i < b->n && regular; i++) {
            regular = b->d[i] == prog_add(b->d[0], prog_mul(s, i));
        }
        if (regular) {
            const struct dt_node *blk = dt_prog_block(a, 0, b->len[0], ok);

            return blk != NULL ? prog_vec(a, b->d[0], b->n, s, blk, ok) : NULL;
        }
    }
    n = prog_node(a, same ? DT_N_BLKS : DT_N_HIDX, ok);
    if (n == NULL) {
        return NULL;
    }
    n->count = b->n;
    n->off = same ? NULL : malloc((b->n + 1) * sizeof(*n->off));
    if (!same && n->off == NULL) {
        *ok = false;
        return NULL;
    }
    n->d = b->d;
    b->d = NULL;
    if (same) {
        n->len = b->len[0];
        leaf_finish(n, NULL);
    } else {
        n->blen = b->len;
        b->len = NULL;
        leaf_finish(n, n->blen);
    }
    return n;
}

static void blocks_free(struct prog_blocks *b)
{
    free(b->d);
    free(b->len);
}

const struct dt_node *dt_prog_flatten(struct dt_arena *a, const struct dt_node *n, bool *ok)
{
    struct prog_blocks b = {.ok = true};
    const struct dt_node *leaf;

    if (n == NULL || n->nblocks > DT_FLAT_MAX || n->depth < 2) {
        return n;
    }
    blocks_collect(&b, n, 0);
    if (!b.ok) {
        blocks_free(&b);
        *ok = false;
        return NULL;
    }
    leaf = prog_leaf(a, &b, ok);
    blocks_free(&b);
    return leaf;
}

/* ---- lists ----------------------------------------------------------------------------------- */

/* Blocks an entry expands to when inlined, or SIZE_MAX when it is too large to inline. */
static size_t entry_blocks(const struct dt_entry *e)
{
    if (e->node == NULL) {
        return 1;
    }
    if (e->node->kind == DT_N_BLOCK && (e->rep == 1 || e->step == (MPI_Aint) e->node->len)) {
        return 1;
    }
    return prog_sat_mul(e->rep, e->node->nblocks);
}

static void entry_expand(struct prog_blocks *b, const struct dt_entry *e)
{
    const struct dt_node *n = e->node;

    if (n == NULL) {
        blocks_add(b, e->d, e->rep);
    } else if (n->kind == DT_N_BLOCK && (e->rep == 1 || e->step == (MPI_Aint) n->len)) {
        blocks_add(b, prog_add(e->d, n->disp), prog_sat_mul(e->rep, n->len));
    } else {
        for (size_t k = 0; k < e->rep && b->ok; k++) {
            blocks_collect(b, n, prog_add(e->d, prog_mul(e->step, k)));
        }
    }
}

/* A LIST node from `e`, whose small entries become raw blocks (adjacent ones merged). */
static const struct dt_node *prog_list_node(struct dt_arena *a, const struct dt_entry *e, size_t ne,
                                            bool *ok)
{
    struct dt_node *n = prog_node(a, DT_N_LIST, ok);
    size_t m = 0, size = 0;
    unsigned depth = 0;
    struct dt_shape s = shape_none;

    if (n == NULL) {
        return NULL;
    }
    n->d = malloc(ne * sizeof(*n->d));
    n->rep = malloc(ne * sizeof(*n->rep));
    n->step = malloc(ne * sizeof(*n->step));
    n->kid = malloc(ne * sizeof(*n->kid));
    n->off = malloc((ne + 1) * sizeof(*n->off));
    if (n->d == NULL || n->rep == NULL || n->step == NULL || n->kid == NULL || n->off == NULL) {
        *ok = false;
        return NULL;
    }
    for (size_t i = 0; i < ne; i++) {
        const struct dt_node *kid = e[i].node;
        MPI_Aint d = e[i].d;
        size_t rep = e[i].rep;

        if (entry_blocks(&e[i]) == 1) {
            /* one raw block: a block node repeated end to end, or raw bytes */
            if (kid != NULL) {
                d = prog_add(d, kid->disp);
                rep = prog_sat_mul(rep, kid->len);
                kid = NULL;
            }
            if (m > 0 && n->kid[m - 1] == NULL
                && prog_add(n->d[m - 1], (MPI_Aint) n->rep[m - 1]) == d) {
                n->rep[m - 1] += rep;
                size += rep;
                s = dt_shape_cat(s, shape_piece(d, rep));
                continue;
            }
        }
        n->d[m] = d;
        n->rep[m] = rep;
        n->step[m] = kid != NULL ? e[i].step : 1;
        n->kid[m] = kid;
        n->off[m] = size;
        if (kid != NULL) {
            size = prog_sat_add(size, prog_sat_mul(rep, kid->size));
            s = dt_shape_cat(s, shape_shift(dt_shape_rep(kid->shape, rep, e[i].step), d));
            n->nblocks = prog_sat_add(n->nblocks, prog_sat_mul(rep, kid->nblocks));
            depth = kid->depth > depth ? kid->depth : depth;
        } else {
            size = prog_sat_add(size, rep);
            s = dt_shape_cat(s, shape_piece(d, rep));
            n->nblocks = prog_sat_add(n->nblocks, 1);
        }
        m++;
    }
    n->off[m] = size;
    n->count = m;
    n->size = size;
    n->depth = depth + 1;
    n->shape = s;
    return n;
}

const struct dt_node *dt_prog_list(struct dt_arena *a, const struct dt_entry *e, size_t n, bool *ok)
{
    struct prog_blocks b = {.ok = true};
    const struct dt_node *res;
    size_t total = 0, live = 0, last = 0;

    for (size_t i = 0; i < n; i++) {
        if (e[i].rep == 0) {
            continue;
        }
        live++;
        last = i;
        total = prog_sat_add(total, entry_blocks(&e[i]));
    }
    if (live == 0) {
        return NULL;
    }
    if (live == 1 && e[last].node != NULL) {
        return dt_prog_shift(a, dt_prog_rep(a, e[last].rep, e[last].step, e[last].node, ok),
                             e[last].d, ok);
    }
    /* every entry small: one merged leaf list (which may turn out to be one block or a
     * vector); the total bounds the work, so a million-entry indexed type of a contiguous
     * type costs one pass */
    if (total <= (n > DT_INLINE_MAX ? n : DT_INLINE_MAX) || total == live) {
        for (size_t i = 0; i < n && b.ok; i++) {
            if (e[i].rep > 0) {
                entry_expand(&b, &e[i]);
            }
        }
        res = b.ok ? prog_leaf(a, &b, ok) : NULL;
        *ok = *ok && b.ok;
        blocks_free(&b);
        return res;
    }
    /* mixed: a list whose small entries are raw blocks */
    {
        struct dt_entry *f = malloc(live * sizeof(*f));
        size_t m = 0;

        if (f == NULL) {
            *ok = false;
            return NULL;
        }
        for (size_t i = 0; i < n; i++) {
            if (e[i].rep > 0) {
                f[m++] = e[i];
            }
        }
        res = prog_list_node(a, f, m, ok);
        free(f);
        return res;
    }
}

/* ---- roots of any type ----------------------------------------------------------------------- */

const struct dt_node *dt_type_root(const struct kr_dt *dt, struct dt_arena *a, bool *ok)
{
    const struct kr_dt *v, *i;
    size_t ioff;

    if (dt->desc != NULL) {
        return dt->desc->root;
    }
    if (dt->size == 0) {
        return NULL;
    }
    if (dt->opclass != KR_DT_C_PAIR || (dt->flags & KR_DT_F_CONTIG) != 0) {
        return dt_prog_block(a, 0, dt->size, ok);
    }
    /* a pair type with padding between or after its members */
    dt_pair_members(dt, &v, &i, &ioff);
    {
        struct dt_entry e[2] = {
            {0, v->size, 1, NULL},
            {(MPI_Aint) ioff, i->size, 1, NULL},
        };

        return dt_prog_list(a, e, 2, ok);
    }
}

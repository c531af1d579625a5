/* Private to src/datatype: the reduction kernel table that op.c dispatches through and
 * op_kernels.c fills, the pair-type layouts, which optional C types this compiler offers, and
 * the derived-type internals: the layout program, the descriptor and the type-map walk. */
#ifndef KR_DATATYPE_DT_INT_H
#define KR_DATATYPE_DT_INT_H

#include <stddef.h>

#include "dt.h"

/* Optional element types. Fortran's 2- and 16-byte kinds have no portable C counterpart, so
 * their kernels exist only where the compiler provides one; without it the types still have
 * a size and can be moved, but kr_op_valid_for says no to arithmetic on them. */
#if defined(__SIZEOF_INT128__)
#define KR_DT_HAVE_INT128 1
#else
#define KR_DT_HAVE_INT128 0
#endif
#if defined(__FLT16_MAX__)
#define KR_DT_HAVE_FLOAT16 1
#else
#define KR_DT_HAVE_FLOAT16 0
#endif
#if defined(__FLT128_MAX__)
#define KR_DT_HAVE_FLOAT128 1
#else
#define KR_DT_HAVE_FLOAT128 0
#endif

/* Memory layout of the MINLOC/MAXLOC pair types: the C struct the standard describes, so
 * the size, extent and padding are whatever this compiler gives that struct. */
struct kr_dt_float_int {
    float v;
    int i;
};
struct kr_dt_double_int {
    double v;
    int i;
};
struct kr_dt_long_int {
    long v;
    int i;
};
struct kr_dt_2int {
    int v;
    int i;
};
struct kr_dt_short_int {
    short v;
    int i;
};
struct kr_dt_ldouble_int {
    long double v;
    int i;
};
struct kr_dt_2float {
    float v;
    float i;
};
struct kr_dt_2double {
    double v;
    double i;
};

/* inout[i] = in[i] op inout[i] for `count` elements stored contiguously at their C type's
 * natural stride. The pointers are restrict: callers guarantee no overlap. */
typedef void kr_op_kernel_fn(const void *restrict in, void *restrict inout, size_t count);

/* The reduction kernels, indexed [enum kr_op_code][enum kr_dt_kind]: integer kinds have
 * SUM, PROD, MIN, MAX, the logical and the bitwise ops; real kinds SUM, PROD, MIN and MAX;
 * complex kinds SUM and PROD; pair kinds MINLOC and MAXLOC. An entry is NULL where no kernel
 * exists. MPI_REPLACE and MPI_NO_OP need none, so the table stops before them. */
extern kr_op_kernel_fn *const kr_op_kernels[KR_OP_REPLACE][KR_DT_K_COUNT];

/* ---- derived datatypes: the layout program ------------------------------------------------ */

/* How the data of one element of a derived type lies in memory, as a small tree (a "loop
 * program") whose walk in order yields the packed stream. Regular patterns stay compact: a
 * vector of a million blocks is one DT_N_VEC over one DT_N_BLOCK, and only irregular levels
 * (indexed, struct) carry per-entry arrays. Every node knows its packed size, so a walk can
 * seek to any packed offset by division (VEC, BLKS) or binary search over prefix sums (HIDX,
 * LIST) at each level instead of scanning from the start.
 *
 * Nodes are immutable once built and may be shared: a type's program points into the
 * programs of the types it was built from (which it keeps alive through its constructor
 * arguments), so MPI_Type_dup and resized types cost no copy. Each node is owned by the type
 * that allocated it (`owned` list). Addresses are computed in uintptr_t because MPI_BOTTOM
 * with absolute displacements is a null base plus large offsets. */
enum dt_node_kind {
    DT_N_BLOCK, /* `len` bytes at disp */
    DT_N_VEC,   /* `count` instances of `child`, `stride` bytes apart, from disp */
    DT_N_BLKS,  /* `count` blocks of `len` bytes at disp + d[i] */
    DT_N_HIDX,  /* `count` blocks of blen[i] bytes at disp + d[i] */
    DT_N_LIST,  /* `count` entries; entry i is rep[i] instances of kid[i] (or, kid NULL, rep[i]
                 * raw bytes) from disp + d[i], step[i] bytes apart */
};

/* The contiguous pieces a node's data forms in packed order once adjacent pieces are merged,
 * summarised so that repetitions can be combined in O(1) (kr_dt_layout). */
struct dt_shape {
    size_t np;                       /* pieces; 0 when there is no data */
    MPI_Aint first_start, last_end;  /* address of the first byte / one past the last piece */
    size_t first_len, last_len;      /* the first and the last piece (the same when np == 1) */
    size_t min_mid;                  /* smallest piece other than those two; SIZE_MAX if none */
};

struct dt_node {
    enum dt_node_kind kind;
    bool borrowed;         /* arrays belong to another node (a shifted copy): do not free */
    MPI_Aint disp;         /* added to the origin before anything else */
    size_t size;           /* packed bytes of one instance */
    size_t count;          /* VEC: instances; BLKS, HIDX, LIST: entries */
    size_t len;            /* BLOCK, BLKS: bytes per block */
    MPI_Aint stride;       /* VEC */
    const struct dt_node *child;  /* VEC */
    MPI_Aint *d;           /* BLKS, HIDX, LIST: displacement of each entry */
    size_t *blen;          /* HIDX: bytes of each block */
    size_t *rep;           /* LIST: instances (or raw bytes) of each entry */
    MPI_Aint *step;        /* LIST: distance between instances of each entry */
    const struct dt_node **kid; /* LIST */
    size_t *off;           /* HIDX, LIST: packed offset where entry i starts; count + 1 */
    unsigned depth;        /* levels below and including this node */
    size_t nblocks;        /* leaf blocks one instance visits (saturating), for flattening */
    struct dt_shape shape; /* pieces of one instance */
    struct dt_node *next_owned;
};

/* The nodes one type allocated, freed together with it. */
struct dt_arena {
    struct dt_node *owned;
};

/* One entry of a list being built: `rep` instances of `node` starting `d` bytes from the
 * origin, `step` bytes apart (node NULL: `rep` raw bytes at d). */
struct dt_entry {
    MPI_Aint d;
    size_t rep;
    MPI_Aint step;
    const struct dt_node *node;
};

/* Builders (dt_prog.c). Each returns a node of the arena, a shared existing node, or NULL
 * for "no data"; *ok is cleared on allocation failure (callers check once at the end). They
 * normalise as they go: a repetition of a block whose step equals its length is one block, a
 * repetition of rows that tile their stride is one longer vector, adjacent leaf blocks merge,
 * equal blocks at a regular spacing become a vector, and small leaf lists are inlined into the
 * list that repeats them. */
const struct dt_node *dt_prog_block(struct dt_arena *a, MPI_Aint disp, size_t len, bool *ok);
const struct dt_node *dt_prog_rep(struct dt_arena *a, size_t n, MPI_Aint step,
                                  const struct dt_node *child, bool *ok);
const struct dt_node *dt_prog_shift(struct dt_arena *a, const struct dt_node *n, MPI_Aint by,
                                    bool *ok);
/* A list of the `n` entries `e` (read only), in packed order. */
const struct dt_node *dt_prog_list(struct dt_arena *a, const struct dt_entry *e, size_t n,
                                   bool *ok);
/* The leaf blocks of one instance of `n`, merged, as a single leaf node (commit-time
 * flattening of small programs); NULL with *ok cleared on failure. */
const struct dt_node *dt_prog_flatten(struct dt_arena *a, const struct dt_node *n, bool *ok);
void dt_arena_free(struct dt_arena *a);

/* Shapes: `n` copies of s placed `step` bytes apart (O(log n)); a followed by b. */
struct dt_shape dt_shape_rep(struct dt_shape s, size_t n, MPI_Aint step);
struct dt_shape dt_shape_cat(struct dt_shape a, struct dt_shape b);

/* ---- derived datatypes: the descriptor ----------------------------------------------------- */

/* Everything a derived type knows beyond struct kr_dt. The constructor arguments are kept
 * verbatim (every integer argument as int64_t in call order, the old types referenced) so
 * that MPI_Type_get_contents can return them exactly and so that typemap walks (external32,
 * MPI_Get_elements) can follow the type's definition. */
struct kr_dt_desc {
    const struct dt_node *root; /* one element; NULL when there is no data */
    const struct dt_node *exec; /* what pack and unpack walk (set at commit) */
    struct dt_arena arena;
    uint64_t nelem;    /* basic elements in one element */
    size_t ext32_size; /* bytes of one element in external32 */
    size_t align;      /* largest alignment among the basic types (the standard's k) */
    bool xlb, xub;     /* the type map has explicit lb / ub markers (resized, subarray…) */
    int combiner;      /* MPI_COMBINER_* */
    bool large;        /* built by a _c constructor */
    size_t nargs;
    int64_t *args;
    size_t ntypes;
    struct kr_dt **types;
    struct kr_dt *impl; /* subarray, darray: an equal type made of simpler constructors,
                         * which typemap walks follow */
    atomic_int handles; /* user handles (kr_dt_handle_*) */
};

/* The root node of any type: a derived type's program, or for a predefined type a node built
 * in `a` (one block, or two for a pair type with a hole). NULL for a type without data. */
const struct dt_node *dt_type_root(const struct kr_dt *dt, struct dt_arena *a, bool *ok);

/* Alignment (the standard's k) of a type: a basic type's C alignment, a derived type's
 * largest. */
size_t dt_type_align(const struct kr_dt *dt);

/* Allocate a derived type with `nargs` argument slots and `ntypes` type slots (each type
 * retained when stored by the caller), with bounds etc. zeroed. Returns NULL on failure. */
struct kr_dt *dt_type_alloc(int combiner, bool large, size_t nargs, size_t ntypes);
/* Free a type that was never handed out (constructor failure). */
void dt_type_discard(struct kr_dt *dt);

/* Walk the type map of `count` elements at `base` in order, calling `fn` for each run of
 * `n` consecutive basic elements of predefined type `basic` at address `addr` (a pair type
 * is reported as its two members). Stops and returns fn's value when it is non-zero. */
typedef int dt_walk_fn(void *ctx, const struct kr_dt *basic, uintptr_t addr, size_t n);
int dt_typemap_walk(const struct kr_dt *dt, size_t count, uintptr_t base, dt_walk_fn *fn,
                    void *ctx);

/* Give `dt` (fresh from dt_type_alloc) the layout of `impl`, which it keeps: subarray and
 * darray report their own arguments but are laid out by an equal simpler type. Returns 0 or
 * -EOVERFLOW. */
int dt_type_adopt(struct kr_dt *dt, struct kr_dt *impl);

/* Bytes of one element of a predefined type in external32 (the standard's table). */
size_t dt_ext32_basic_size(const struct kr_dt *dt);

/* For a MINLOC/MAXLOC pair type: its two member types and the offset of the second. */
void dt_pair_members(const struct kr_dt *dt, const struct kr_dt **v_out,
                     const struct kr_dt **i_out, size_t *ioff_out);

#endif /* KR_DATATYPE_DT_INT_H */

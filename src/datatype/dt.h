/* Datatype module export header: the descriptor behind every MPI_Datatype (predefined and
 * derived: constructors, commit, references, decoding), the pack / unpack / scatter-gather
 * interface pt2pt drives through callbacks, external32, the descriptor behind every MPI_Op,
 * handle conversion, and the reduction entry point the collectives and (later) one-sided
 * accumulate call. */
#ifndef KR_DATATYPE_DT_H
#define KR_DATATYPE_DT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <mpi.h>

/* ---- datatypes ----------------------------------------------------------------------------- */

/* How one element is represented in memory, as far as arithmetic cares. Reductions pick their
 * kernel from this, so types with the same representation share kernels: MPI_INT, MPI_INT32_T,
 * MPI_INTEGER and MPI_LOGICAL are all KR_DT_K_I32 or KR_DT_K_U32. Whether an op is *allowed*
 * on a type is a separate question, answered by `enum kr_dt_opclass`. C integer types map to
 * the fixed-width kind of their size (sizeof(long) decides whether MPI_LONG is I32 or I64).
 * Logical types (C bool, Fortran LOGICAL*) use the unsigned kind of their width: logical ops
 * treat any non-zero value as true and store 1 or 0. */
enum kr_dt_kind {
    KR_DT_K_NONE = 0, /* no arithmetic: MPI_PACKED, derived types */
    KR_DT_K_I8,
    KR_DT_K_I16,
    KR_DT_K_I32,
    KR_DT_K_I64,
    KR_DT_K_I128, /* INTEGER16; kernels only where the compiler has __int128 */
    KR_DT_K_U8,
    KR_DT_K_U16,
    KR_DT_K_U32,
    KR_DT_K_U64,
    KR_DT_K_U128, /* LOGICAL16 */
    KR_DT_K_F16,  /* REAL2; kernels only where the compiler has _Float16 */
    KR_DT_K_F32,
    KR_DT_K_F64,
    KR_DT_K_FLD,  /* C long double */
    KR_DT_K_F128, /* REAL16 (IEEE binary128); kernels only with _Float128 */
    KR_DT_K_C16,  /* complex of two F16: COMPLEX4 */
    KR_DT_K_C32,  /* complex of two F32 */
    KR_DT_K_C64,
    KR_DT_K_CLD,
    KR_DT_K_C128,      /* COMPLEX32 */
    KR_DT_K_FLOAT_INT, /* value-index pairs laid out as the C struct {T v; int i;} */
    KR_DT_K_DOUBLE_INT,
    KR_DT_K_LONG_INT,
    KR_DT_K_2INT, /* also MPI_2INTEGER: INTEGER is int */
    KR_DT_K_SHORT_INT,
    KR_DT_K_LDOUBLE_INT,
    KR_DT_K_2FLOAT,  /* MPI_2REAL: the index is a REAL too */
    KR_DT_K_2DOUBLE, /* MPI_2DOUBLE_PRECISION */
    KR_DT_K_COUNT
};

/* The groups into which the MPI standard sorts predefined types when it says which
 * predefined op applies to which type. KR_DT_C_NONE: only MPI_REPLACE and MPI_NO_OP apply
 * (MPI_CHAR, MPI_WCHAR, MPI_CHARACTER, MPI_PACKED). */
enum kr_dt_opclass {
    KR_DT_C_NONE = 0,
    KR_DT_C_CINT,    /* C integer, incl. signed/unsigned char and intN_t */
    KR_DT_C_FINT,    /* Fortran integer */
    KR_DT_C_FLOAT,   /* floating point, C and Fortran */
    KR_DT_C_LOGICAL, /* C bool, C++ bool, Fortran LOGICAL* */
    KR_DT_C_COMPLEX,
    KR_DT_C_BYTE,
    KR_DT_C_MULTI, /* MPI_AINT, MPI_COUNT, MPI_OFFSET */
    KR_DT_C_PAIR,  /* MINLOC/MAXLOC pair types */
    KR_DT_C_COUNT
};

/* Any value at or above this is the address of a descriptor the library allocated; below it,
 * a predefined handle from the standard ABI. */
#define KR_HANDLE_USER_MIN 0x1000u

#define KR_DT_MAGIC 0x6b724474u /* "krDt": live datatype descriptor */

#define KR_DT_F_PREDEFINED 0x1u /* static, never freed, refcount ignored */
#define KR_DT_F_COMMITTED 0x2u  /* usable for communication */
#define KR_DT_F_CONTIG                                                                             \
    0x4u /* `count` elements are count*size bytes in one                                           \
          * block starting at true_lb: no gaps, extent ==                                          \
          * size, so a plain memcpy moves them */

struct kr_dt_desc;   /* derived types: layout program and constructor arguments (dt_int.h) */
struct kr_attr_list; /* cached attributes (util/attr.h) */

/* One datatype. Predefined ones live in a static table and are never freed; derived ones
 * are heap-allocated, and the handle the user holds is their address, which is why
 * `magic` comes first. All displacements are in bytes. */
struct kr_dt {
    uint32_t magic;             /* KR_DT_MAGIC while the descriptor is alive */
    uint32_t flags;             /* KR_DT_F_* */
    enum kr_dt_kind kind;       /* representation, for reduction kernels */
    enum kr_dt_opclass opclass; /* standard group, for op validity */
    size_t size;                /* bytes of data in one element (MPI_Type_size) */
    MPI_Aint lb;                /* MPI_Type_get_extent */
    MPI_Aint extent;
    MPI_Aint true_lb; /* MPI_Type_get_true_extent */
    MPI_Aint true_extent;
    MPI_Datatype handle;     /* what kr_dt_to_handle returns */
    const char *name;        /* "MPI_INT"; derived types: NULL */
    atomic_int refcount;     /* derived types only */
    struct kr_dt_desc *desc; /* derived types: how the elements are laid out and how the
                              * type was built; NULL for predefined types */
    struct kr_attr_list *attrs; /* MPI_Type_set_attr; NULL when none (any type) */
    char *user_name;            /* MPI_Type_set_name (heap); NULL: the default name */
};

/* The descriptor for `h`, or NULL if `h` is MPI_DATATYPE_NULL, an unassigned predefined
 * value, or a user value whose descriptor is not live. Predefined handles cost one bounds
 * check and one table index. A user value is dereferenced to check its magic, so garbage at
 * or above KR_HANDLE_USER_MIN may crash, as with any MPI. */
struct kr_dt *kr_dt_from_handle(MPI_Datatype h);

/* The handle for `dt` (the ABI constant for a predefined type). */
MPI_Datatype kr_dt_to_handle(const struct kr_dt *dt);

/* True when `count` elements occupy one gap-free block of count * dt->size bytes. */
bool kr_dt_is_contig(const struct kr_dt *dt);

/* "MPI_INT" for predefined types; "" for an unnamed derived type; what MPI_Type_set_name set
 * if it was called. Never NULL. */
const char *kr_dt_name(const struct kr_dt *dt);

/* ---- derived datatypes: construction (dt_create.c, dt_subarray.c) ---------------------------- */

/* Every constructor below makes a new derived type with one reference (the user's handle),
 * uncommitted, and sets *dt_out only on success. Old types may be predefined or derived,
 * committed or not; the new type keeps a reference to each, so the caller may release them
 * at once (MPI_Type_free of an old type never affects the new one). Counts, block lengths
 * and displacements arrive exactly as the caller has them, int or 64-bit, through
 * `struct kr_dt_ints`, and are remembered for MPI_Type_get_contents; `large` says the _c
 * (large-count) binding made the call, which changes how the envelope reports them.
 * Arguments are assumed checked by the API layer (non-negative counts, valid old types).
 * Errors: -ENOMEM; -EOVERFLOW when a size, bound or extent does not fit in MPI_Aint. */

/* A read-only array of integers in the caller's width: 4 (int) or 8 (MPI_Aint, MPI_Count). */
struct kr_dt_ints {
    const void *p;
    unsigned width;
};

static inline int64_t kr_dt_ints_at(struct kr_dt_ints a, size_t i)
{
    return a.width == 4 ? (int64_t) ((const int32_t *) a.p)[i] : ((const int64_t *) a.p)[i];
}

/* MPI_Type_contiguous. */
int kr_dt_contig_create(MPI_Count count, struct kr_dt *old, bool large, struct kr_dt **dt_out);

/* MPI_Type_vector (stride in elements of old) or, with `hvector`, MPI_Type_create_hvector
 * (stride in bytes). */
int kr_dt_vector_create(MPI_Count count, MPI_Count blocklen, MPI_Count stride, bool hvector,
                        struct kr_dt *old, bool large, struct kr_dt **dt_out);

/* MPI_Type_indexed / create_hindexed / create_indexed_block / create_hindexed_block:
 * `combiner` is the matching MPI_COMBINER_*. For the _BLOCK forms `blocklens` is ignored and
 * every block has `blocklen` elements; for the others `blocklen` is ignored. Displacements
 * are in elements of old (INDEXED, INDEXED_BLOCK) or bytes (the H forms). */
int kr_dt_indexed_create(int combiner, MPI_Count count, struct kr_dt_ints blocklens,
                         MPI_Count blocklen, struct kr_dt_ints disps, struct kr_dt *old,
                         bool large, struct kr_dt **dt_out);

/* MPI_Type_create_struct. `types` are handles the caller has validated. */
int kr_dt_struct_create(MPI_Count count, struct kr_dt_ints blocklens, struct kr_dt_ints disps,
                        const MPI_Datatype types[], bool large, struct kr_dt **dt_out);

/* MPI_Type_create_resized. */
int kr_dt_resized_create(struct kr_dt *old, MPI_Aint lb, MPI_Aint extent, bool large,
                         struct kr_dt **dt_out);

/* MPI_Type_dup (attributes are the API layer's business): same layout, combiner DUP, and the
 * committed state of `old`. */
int kr_dt_dup_create(struct kr_dt *old, struct kr_dt **dt_out);

/* MPI_Type_create_subarray: `order` is MPI_ORDER_C or MPI_ORDER_FORTRAN; sizes etc. as
 * validated by the caller (1 <= subsize <= size, 0 <= start <= size - subsize). */
int kr_dt_subarray_create(int ndims, struct kr_dt_ints sizes, struct kr_dt_ints subsizes,
                          struct kr_dt_ints starts, int order, struct kr_dt *old, bool large,
                          struct kr_dt **dt_out);

/* MPI_Type_create_darray, every distribution incl. MPI_DISTRIBUTE_DFLT_DARG. The caller has
 * checked the process grid (product of psizes == size, 0 <= rank < size), the distributions
 * and the block arguments (darg * psize >= gsize for explicit BLOCK arguments). */
int kr_dt_darray_create(int size, int rank, int ndims, struct kr_dt_ints gsizes,
                        const int distribs[], const int dargs[], const int psizes[], int order,
                        struct kr_dt *old, bool large, struct kr_dt **dt_out);

/* ---- derived datatypes: life cycle ---------------------------------------------------------- */

/* MPI_Type_commit: build the representation pack/unpack walk (flattening small types, setting
 * KR_DT_F_CONTIG when `count` elements are one gap-free block). Committing twice is a no-op;
 * predefined types are always committed. Returns 0 or -ENOMEM. */
int kr_dt_commit(struct kr_dt *dt);

/* Take / drop a reference (requests in flight, types built from this one). The type is freed
 * when the last reference goes, so a type the user freed while a request still uses it lives
 * until that request releases it. Predefined types are ignored. */
void kr_dt_retain(struct kr_dt *dt);
void kr_dt_release(struct kr_dt *dt);

/* User handles to a derived type: the constructor's, plus one per handle MPI_Type_get_contents
 * returned. kr_dt_handle_retain adds one (and a reference); kr_dt_handle_release drops one
 * (and its reference) and returns true when it was the last handle, i.e. when MPI_Type_free
 * must run the attribute delete callbacks first (the API layer does that before calling,
 * after asking kr_dt_handle_is_last). Predefined types: no-ops, never "last". */
void kr_dt_handle_retain(struct kr_dt *dt);
bool kr_dt_handle_is_last(const struct kr_dt *dt);
bool kr_dt_handle_release(struct kr_dt *dt);

/* MPI_Type_set_name: copy `name` (truncated to MPI_MAX_OBJECT_NAME - 1 bytes). Predefined
 * types may be renamed too. Returns 0 or -ENOMEM. */
int kr_dt_name_set(struct kr_dt *dt, const char *name);

/* ---- typemap facts -------------------------------------------------------------------------- */

/* Basic elements in one element of `dt` (MPI_Get_elements): 1 for a basic type, 2 for a
 * MINLOC/MAXLOC pair type. */
uint64_t kr_dt_nelem(const struct kr_dt *dt);

/* Basic elements in the first `bytes` bytes of the packed form of elements of `dt`, for
 * MPI_Get_elements. Returns 0 and sets *elements_out, or -ERANGE when `bytes` ends inside a
 * basic element (the API reports MPI_UNDEFINED). */
int kr_dt_elements(const struct kr_dt *dt, size_t bytes, uint64_t *elements_out);

/* MPI_Type_get_envelope: the combiner and the number of each kind of argument. `large`
 * selects the _c binding's rules (every integer argument of a type built by a _c
 * constructor is a large count). Returns 0, or -EOVERFLOW when the classic binding asks about
 * a type built by a _c constructor (MPI_ERR_TYPE: only the _c query can describe it). */
int kr_dt_envelope(const struct kr_dt *dt, bool large, MPI_Count *nints_out,
                   MPI_Count *naddrs_out, MPI_Count *ncounts_out, MPI_Count *ntypes_out,
                   int *combiner_out);

/* MPI_Type_get_contents: fill the arrays (each at least as long as the envelope says; NULL
 * where the envelope says 0). Derived types returned in `types` are new user handles
 * (kr_dt_handle_retain), which the user frees with MPI_Type_free. Returns 0, -EINVAL for a
 * predefined type, or -EOVERFLOW as kr_dt_envelope. */
int kr_dt_contents(const struct kr_dt *dt, bool large, int ints[], MPI_Aint aints[],
                   MPI_Count counts[], MPI_Datatype types[]);

/* MPI_Type_match_size: the predefined C type of `typeclass` (MPI_TYPECLASS_*) with `size`
 * bytes, or MPI_DATATYPE_NULL when there is none. */
MPI_Datatype kr_dt_match_size(int typeclass, int size);

/* ---- pack, unpack, scatter-gather lists (dt_pack.c) ------------------------------------------
 * These are what pt2pt calls through callbacks: the packed form of `count` elements is the
 * type map's bytes in type-map order, nothing else (no header, no padding). Types must be
 * committed (predefined ones always are). */

/* Bytes of data in `count` elements (the packed size). */
size_t kr_dt_packed_size(const struct kr_dt *dt, size_t count);

/* Copy packed-stream bytes [offset, offset+len) of `count` elements of dt at `buf` into dst
 * (pack) / from src into the typed buffer (unpack). Resumable at any byte offset, including
 * in the middle of a basic element; seeking costs O(depth x log(entries)). Returns bytes
 * moved (len unless the stream ends). The typed and packed buffers must not overlap. */
size_t kr_dt_pack(const struct kr_dt *dt, size_t count, const void *buf, size_t offset,
                  void *dst, size_t len);
size_t kr_dt_unpack(const struct kr_dt *dt, size_t count, void *buf, size_t offset,
                    const void *src, size_t len);

/* Up to `max` contiguous pieces of the typed data starting at packed offset `offset`, in
 * packed order, adjacent pieces merged; returns the number written and sets *bytes_out to
 * the bytes they cover (0 pieces and 0 bytes at the end of the stream). */
int kr_dt_iov(const struct kr_dt *dt, size_t count, const void *buf, size_t offset,
              struct iovec *iov, int max, size_t *bytes_out);

/* Layout summary for protocol choice: number of contiguous pieces in `count` elements and
 * the smallest piece, in bytes (1 piece for a contiguous type; 0 and 0 when there is no
 * data). Exactly what kr_dt_iov would produce over the whole stream; O(log count). */
void kr_dt_layout(const struct kr_dt *dt, size_t count, size_t *pieces_out,
                  size_t *min_piece_out);

/* ---- external32 (dt_ext32.c) ---------------------------------------------------------------- */

/* Bytes of `count` elements in the "external32" representation (MPI_Pack_external_size). */
size_t kr_dt_ext32_size(const struct kr_dt *dt, size_t count);

/* Convert `count` elements at `buf` to external32 (big-endian, the standard's sizes) at
 * `dst`, which has room for kr_dt_ext32_size bytes; and back. Returns 0, or -ERANGE when a
 * value does not fit its external size (a native 8-byte MPI_LONG above 2^31, a wchar_t
 * beyond 16 bits): the rest is still converted, the value truncated. */
int kr_dt_ext32_pack(const struct kr_dt *dt, size_t count, const void *buf, void *dst);
int kr_dt_ext32_unpack(const struct kr_dt *dt, size_t count, void *buf, const void *src);

/* ---- reduction operations ------------------------------------------------------------------ */

/* Predefined ops in a dense order (not the ABI handle values), used to index kernel tables. */
enum kr_op_code {
    KR_OP_SUM = 0,
    KR_OP_PROD,
    KR_OP_MIN,
    KR_OP_MAX,
    KR_OP_LAND,
    KR_OP_LOR,
    KR_OP_LXOR,
    KR_OP_BAND,
    KR_OP_BOR,
    KR_OP_BXOR,
    KR_OP_MINLOC,
    KR_OP_MAXLOC,
    KR_OP_REPLACE, /* inout = in; for one-sided accumulate */
    KR_OP_NO_OP,   /* inout unchanged; for MPI_Get_accumulate */
    KR_OP_NPREDEF,
    KR_OP_USER = KR_OP_NPREDEF /* created by MPI_Op_create */
};

#define KR_OP_MAGIC 0x6b724f70u /* "krOp" */

/* One reduction operation. Predefined ops live in a static table; user ops are allocated by
 * kr_op_user_create and the user's handle is their address. */
struct kr_op {
    uint32_t magic; /* KR_OP_MAGIC while alive */
    enum kr_op_code code;
    bool commute; /* all predefined ops commute */
    bool predefined;
    MPI_Op handle;
    const char *name;           /* "MPI_SUM"; NULL for user ops */
    atomic_int refcount;        /* user ops only */
    MPI_User_function *user_fn; /* user ops: exactly one of these is set */
    MPI_User_function_c *user_fn_c;
};

/* The descriptor for `h`, or NULL for MPI_OP_NULL or an invalid value (same rules and
 * caveat as kr_dt_from_handle). */
struct kr_op *kr_op_from_handle(MPI_Op h);

MPI_Op kr_op_to_handle(const struct kr_op *op);

/* True when `op` may be applied to elements of `dt`: for predefined ops, when the standard
 * allows the pair and Kurir has a kernel for the type's representation (a REAL2, REAL16,
 * COMPLEX4, COMPLEX32, INTEGER16 or LOGICAL16 has no kernel if the compiler lacks the C type);
 * MPI_REPLACE and MPI_NO_OP apply to every predefined type; user ops apply to anything. */
bool kr_op_valid_for(const struct kr_op *op, const struct kr_dt *dt);

/* True for MPI_REPLACE and MPI_NO_OP, which the standard allows only in one-sided accumulate
 * calls: collectives must refuse them with MPI_ERR_OP even though kr_op_valid_for accepts
 * them for every predefined type. */
bool kr_op_is_rma_only(const struct kr_op *op);

/* inout[i] = in[i] op inout[i] for `count` elements of `dt`, laid out dt->extent apart.
 * Buffers must not overlap and must be aligned for the element type (copy a packed or
 * misaligned buffer first). A user op is called with at most INT_MAX elements at a time
 * (MPI_User_function takes an int) unless it was created with a large-count function.
 * Returns 0, or -EINVAL when !kr_op_valid_for(op, dt) (the API layer reports MPI_ERR_OP);
 * inout is untouched then. count == 0 is a no-op. */
int kr_op_apply(const struct kr_op *op, const struct kr_dt *dt, const void *in, void *inout,
                size_t count);

/* Allocate a user op (MPI_Op_create / MPI_Op_create_c): exactly one of `fn` and `fn_c` must be
 * non-NULL. The new op has refcount 1. Returns 0 and sets *op_out, -EINVAL for bad arguments,
 * or -ENOMEM. */
int kr_op_user_create(MPI_User_function *fn, MPI_User_function_c *fn_c, bool commute,
                      struct kr_op **op_out);

/* Drop one reference; the op is freed when the last one goes. Predefined ops are ignored.
 * Pending reductions hold their own reference, so MPI_Op_free can call this at once. */
void kr_op_release(struct kr_op *op);

/* Take a reference on a user op (no-op for predefined ones). */
void kr_op_retain(struct kr_op *op);

#endif /* KR_DATATYPE_DT_H */

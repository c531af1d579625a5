/* Datatype module export header: the descriptor behind every MPI_Datatype, the descriptor
 * behind every MPI_Op, handle conversion, and the reduction entry point the collectives and
 * (later) one-sided accumulate call. */
#ifndef KR_DATATYPE_DT_H
#define KR_DATATYPE_DT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

struct kr_dt_desc; /* type map of a derived type (not yet defined) */

/* One datatype. Predefined ones live in a static table and are never freed; derived ones
 * will be heap-allocated, and the handle the user holds is their address, which is why
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
    MPI_Datatype handle;           /* what kr_dt_to_handle returns */
    const char *name;              /* "MPI_INT"; derived types: NULL until named */
    atomic_int refcount;           /* derived types only */
    const struct kr_dt_desc *desc; /* derived types: how the elements are laid out;
                                    * NULL for predefined types */
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

/* "MPI_INT" for predefined types; "" for an unnamed derived type. Never NULL. */
const char *kr_dt_name(const struct kr_dt *dt);

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

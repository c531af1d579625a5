/* The predefined datatypes: one static descriptor per standard-ABI datatype handle, and
 * the conversions between handles and descriptors. */
#include "config.h"

#include "dt.h"
#include "dt_int.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

/* The ABI puts every predefined datatype in [0x200, 0x300). */
#define DT_PREDEF_BASE 0x200u
#define DT_PREDEF_SLOTS 0x100u

/* The table is indexed by the handle minus DT_PREDEF_BASE. The designators below use the
 * mpi.h constants themselves rather than repeating their numbers, so that mpi.h stays the
 * one place the ABI values are written. A pointer cast is not an ISO integer constant
 * expression, but GCC and Clang fold it; only -pedantic would warn. */
#define DT_SLOT(h) ((uintptr_t) (h) - (DT_PREDEF_BASE))

#define DT_FIXED (KR_DT_F_PREDEFINED | KR_DT_F_COMMITTED)

/* Fixed-width kind of a C integer type of that size and signedness. */
#define DT_SKIND(sz)                                                                               \
    ((sz) == 1    ? KR_DT_K_I8                                                                     \
     : (sz) == 2  ? KR_DT_K_I16                                                                    \
     : (sz) == 4  ? KR_DT_K_I32                                                                    \
     : (sz) == 8  ? KR_DT_K_I64                                                                    \
     : (sz) == 16 ? KR_DT_K_I128                                                                   \
                  : KR_DT_K_NONE)
#define DT_UKIND(sz)                                                                               \
    ((sz) == 1    ? KR_DT_K_U8                                                                     \
     : (sz) == 2  ? KR_DT_K_U16                                                                    \
     : (sz) == 4  ? KR_DT_K_U32                                                                    \
     : (sz) == 8  ? KR_DT_K_U64                                                                    \
     : (sz) == 16 ? KR_DT_K_U128                                                                   \
                  : KR_DT_K_NONE)
/* For char and wchar_t, whose signedness the platform chooses. */
#define DT_IKIND(T) ((T) -1 < (T) 0 ? DT_SKIND(sizeof(T)) : DT_UKIND(sizeof(T)))

/* A type whose elements are `sz` bytes with no padding. */
#define DT_PLAIN(h, sz, kind_, cls)                                                                \
    [DT_SLOT(h)] = {                                                                               \
        .magic = KR_DT_MAGIC,                                                                      \
        .flags = DT_FIXED | KR_DT_F_CONTIG,                                                        \
        .kind = (kind_),                                                                           \
        .opclass = (cls),                                                                          \
        .size = (sz),                                                                              \
        .lb = 0,                                                                                   \
        .extent = (MPI_Aint) (sz),                                                                 \
        .true_lb = 0,                                                                              \
        .true_extent = (MPI_Aint) (sz),                                                            \
        .handle = (h),                                                                             \
        .name = #h,                                                                                \
        .refcount = 1,                                                                             \
        .desc = NULL,                                                                              \
    }

/* A value-index pair laid out as struct S { VT v; IT i; }: the data is sizeof(v) +
 * sizeof(i) bytes, the extent the struct's size, and it is contiguous only without padding. */
#define DT_PAIR(h, S, kind_)                                                                       \
    [DT_SLOT(h)] = {                                                                               \
        .magic = KR_DT_MAGIC,                                                                      \
        .flags = DT_FIXED                                                                          \
                 | (sizeof(struct S) == sizeof(((struct S *) 0)->v) + sizeof(((struct S *) 0)->i)  \
                        ? KR_DT_F_CONTIG                                                           \
                        : 0u),                                                                     \
        .kind = (kind_),                                                                           \
        .opclass = KR_DT_C_PAIR,                                                                   \
        .size = sizeof(((struct S *) 0)->v) + sizeof(((struct S *) 0)->i),                         \
        .lb = 0,                                                                                   \
        .extent = (MPI_Aint) sizeof(struct S),                                                     \
        .true_lb = 0,                                                                              \
        .true_extent = (MPI_Aint) (offsetof(struct S, i) + sizeof(((struct S *) 0)->i)),           \
        .handle = (h),                                                                             \
        .name = #h,                                                                                \
        .refcount = 1,                                                                             \
        .desc = NULL,                                                                              \
    }

static struct kr_dt dt_predef[DT_PREDEF_SLOTS] = {
    /* language-neutral integers */
    DT_PLAIN(MPI_AINT, sizeof(MPI_Aint), DT_SKIND(sizeof(MPI_Aint)), KR_DT_C_MULTI),
    DT_PLAIN(MPI_COUNT, sizeof(MPI_Count), DT_SKIND(sizeof(MPI_Count)), KR_DT_C_MULTI),
    DT_PLAIN(MPI_OFFSET, sizeof(MPI_Offset), DT_SKIND(sizeof(MPI_Offset)), KR_DT_C_MULTI),

    /* bytes; MPI_BYTE takes the bitwise ops, so it gets an integer kind */
    DT_PLAIN(MPI_PACKED, 1, KR_DT_K_NONE, KR_DT_C_NONE),
    DT_PLAIN(MPI_BYTE, 1, KR_DT_K_U8, KR_DT_C_BYTE),

    /* C characters: the standard keeps MPI_CHAR and MPI_WCHAR for text, so no arithmetic,
     * but Open MPI and MPICH reduce MPI_CHAR as the small integer it is, and programs rely on
     * that (osu_allreduce's default type); the explicitly signed and unsigned chars are small
     * integers anyway */
    DT_PLAIN(MPI_CHAR, sizeof(char), DT_IKIND(char), KR_DT_C_CINT),
    DT_PLAIN(MPI_WCHAR, sizeof(wchar_t), DT_IKIND(wchar_t), KR_DT_C_NONE),
    DT_PLAIN(MPI_SIGNED_CHAR, 1, KR_DT_K_I8, KR_DT_C_CINT),
    DT_PLAIN(MPI_UNSIGNED_CHAR, 1, KR_DT_K_U8, KR_DT_C_CINT),

    /* C integers */
    DT_PLAIN(MPI_SHORT, sizeof(short), DT_SKIND(sizeof(short)), KR_DT_C_CINT),
    DT_PLAIN(MPI_INT, sizeof(int), DT_SKIND(sizeof(int)), KR_DT_C_CINT),
    DT_PLAIN(MPI_LONG, sizeof(long), DT_SKIND(sizeof(long)), KR_DT_C_CINT),
    DT_PLAIN(MPI_LONG_LONG, sizeof(long long), DT_SKIND(sizeof(long long)), KR_DT_C_CINT),
    DT_PLAIN(MPI_UNSIGNED_SHORT, sizeof(unsigned short), DT_UKIND(sizeof(unsigned short)),
             KR_DT_C_CINT),
    DT_PLAIN(MPI_UNSIGNED, sizeof(unsigned), DT_UKIND(sizeof(unsigned)), KR_DT_C_CINT),
    DT_PLAIN(MPI_UNSIGNED_LONG, sizeof(unsigned long), DT_UKIND(sizeof(unsigned long)),
             KR_DT_C_CINT),
    DT_PLAIN(MPI_UNSIGNED_LONG_LONG, sizeof(unsigned long long),
             DT_UKIND(sizeof(unsigned long long)), KR_DT_C_CINT),
    DT_PLAIN(MPI_INT8_T, 1, KR_DT_K_I8, KR_DT_C_CINT),
    DT_PLAIN(MPI_UINT8_T, 1, KR_DT_K_U8, KR_DT_C_CINT),
    DT_PLAIN(MPI_INT16_T, 2, KR_DT_K_I16, KR_DT_C_CINT),
    DT_PLAIN(MPI_UINT16_T, 2, KR_DT_K_U16, KR_DT_C_CINT),
    DT_PLAIN(MPI_INT32_T, 4, KR_DT_K_I32, KR_DT_C_CINT),
    DT_PLAIN(MPI_UINT32_T, 4, KR_DT_K_U32, KR_DT_C_CINT),
    DT_PLAIN(MPI_INT64_T, 8, KR_DT_K_I64, KR_DT_C_CINT),
    DT_PLAIN(MPI_UINT64_T, 8, KR_DT_K_U64, KR_DT_C_CINT),

    /* booleans; C++ bool is one byte on every ABI Kurir targets, like C's */
    DT_PLAIN(MPI_C_BOOL, sizeof(bool), DT_UKIND(sizeof(bool)), KR_DT_C_LOGICAL),
    DT_PLAIN(MPI_CXX_BOOL, sizeof(bool), DT_UKIND(sizeof(bool)), KR_DT_C_LOGICAL),

    /* C floating point and complex */
    DT_PLAIN(MPI_FLOAT, sizeof(float), KR_DT_K_F32, KR_DT_C_FLOAT),
    DT_PLAIN(MPI_DOUBLE, sizeof(double), KR_DT_K_F64, KR_DT_C_FLOAT),
    DT_PLAIN(MPI_LONG_DOUBLE, sizeof(long double), KR_DT_K_FLD, KR_DT_C_FLOAT),
    DT_PLAIN(MPI_C_FLOAT_COMPLEX, 2 * sizeof(float), KR_DT_K_C32, KR_DT_C_COMPLEX),
    DT_PLAIN(MPI_C_DOUBLE_COMPLEX, 2 * sizeof(double), KR_DT_K_C64, KR_DT_C_COMPLEX),
    DT_PLAIN(MPI_C_LONG_DOUBLE_COMPLEX, 2 * sizeof(long double), KR_DT_K_CLD, KR_DT_C_COMPLEX),
    DT_PLAIN(MPI_CXX_FLOAT_COMPLEX, 2 * sizeof(float), KR_DT_K_C32, KR_DT_C_COMPLEX),
    DT_PLAIN(MPI_CXX_DOUBLE_COMPLEX, 2 * sizeof(double), KR_DT_K_C64, KR_DT_C_COMPLEX),
    DT_PLAIN(MPI_CXX_LONG_DOUBLE_COMPLEX, 2 * sizeof(long double), KR_DT_K_CLD, KR_DT_C_COMPLEX),

    /* MINLOC/MAXLOC pairs */
    DT_PAIR(MPI_FLOAT_INT, kr_dt_float_int, KR_DT_K_FLOAT_INT),
    DT_PAIR(MPI_DOUBLE_INT, kr_dt_double_int, KR_DT_K_DOUBLE_INT),
    DT_PAIR(MPI_LONG_INT, kr_dt_long_int, KR_DT_K_LONG_INT),
    DT_PAIR(MPI_2INT, kr_dt_2int, KR_DT_K_2INT),
    DT_PAIR(MPI_SHORT_INT, kr_dt_short_int, KR_DT_K_SHORT_INT),
    DT_PAIR(MPI_LONG_DOUBLE_INT, kr_dt_ldouble_int, KR_DT_K_LDOUBLE_INT),
    DT_PAIR(MPI_2REAL, kr_dt_2float, KR_DT_K_2FLOAT),
    DT_PAIR(MPI_2DOUBLE_PRECISION, kr_dt_2double, KR_DT_K_2DOUBLE),
    DT_PAIR(MPI_2INTEGER, kr_dt_2int, KR_DT_K_2INT),

    /* Fortran default kinds, as gfortran lays them out: INTEGER and LOGICAL are MPI_Fint,
     * REAL is float, DOUBLE PRECISION is double */
    DT_PLAIN(MPI_INTEGER, sizeof(MPI_Fint), DT_SKIND(sizeof(MPI_Fint)), KR_DT_C_FINT),
    DT_PLAIN(MPI_LOGICAL, sizeof(MPI_Fint), DT_UKIND(sizeof(MPI_Fint)), KR_DT_C_LOGICAL),
    DT_PLAIN(MPI_REAL, sizeof(float), KR_DT_K_F32, KR_DT_C_FLOAT),
    DT_PLAIN(MPI_DOUBLE_PRECISION, sizeof(double), KR_DT_K_F64, KR_DT_C_FLOAT),
    DT_PLAIN(MPI_COMPLEX, 2 * sizeof(float), KR_DT_K_C32, KR_DT_C_COMPLEX),
    DT_PLAIN(MPI_DOUBLE_COMPLEX, 2 * sizeof(double), KR_DT_K_C64, KR_DT_C_COMPLEX),
    DT_PLAIN(MPI_CHARACTER, 1, KR_DT_K_U8, KR_DT_C_NONE),

    /* Fortran sized kinds: the size is in the name; REAL16 is IEEE binary128 */
    DT_PLAIN(MPI_LOGICAL1, 1, KR_DT_K_U8, KR_DT_C_LOGICAL),
    DT_PLAIN(MPI_LOGICAL2, 2, KR_DT_K_U16, KR_DT_C_LOGICAL),
    DT_PLAIN(MPI_LOGICAL4, 4, KR_DT_K_U32, KR_DT_C_LOGICAL),
    DT_PLAIN(MPI_LOGICAL8, 8, KR_DT_K_U64, KR_DT_C_LOGICAL),
    DT_PLAIN(MPI_LOGICAL16, 16, KR_DT_K_U128, KR_DT_C_LOGICAL),
    DT_PLAIN(MPI_INTEGER1, 1, KR_DT_K_I8, KR_DT_C_FINT),
    DT_PLAIN(MPI_INTEGER2, 2, KR_DT_K_I16, KR_DT_C_FINT),
    DT_PLAIN(MPI_INTEGER4, 4, KR_DT_K_I32, KR_DT_C_FINT),
    DT_PLAIN(MPI_INTEGER8, 8, KR_DT_K_I64, KR_DT_C_FINT),
    DT_PLAIN(MPI_INTEGER16, 16, KR_DT_K_I128, KR_DT_C_FINT),
    DT_PLAIN(MPI_REAL2, 2, KR_DT_K_F16, KR_DT_C_FLOAT),
    DT_PLAIN(MPI_REAL4, 4, KR_DT_K_F32, KR_DT_C_FLOAT),
    DT_PLAIN(MPI_REAL8, 8, KR_DT_K_F64, KR_DT_C_FLOAT),
    DT_PLAIN(MPI_REAL16, 16, KR_DT_K_F128, KR_DT_C_FLOAT),
    DT_PLAIN(MPI_COMPLEX4, 4, KR_DT_K_C16, KR_DT_C_COMPLEX),
    DT_PLAIN(MPI_COMPLEX8, 8, KR_DT_K_C32, KR_DT_C_COMPLEX),
    DT_PLAIN(MPI_COMPLEX16, 16, KR_DT_K_C64, KR_DT_C_COMPLEX),
    DT_PLAIN(MPI_COMPLEX32, 32, KR_DT_K_C128, KR_DT_C_COMPLEX),
};

/* The kinds above assume the fixed-width types have the widths their names claim. */
_Static_assert(sizeof(float) == 4 && sizeof(double) == 8, "IEEE single and double required");
_Static_assert(sizeof(MPI_Fint) == 4, "Fortran INTEGER is 4 bytes in the standard ABI");

struct kr_dt *kr_dt_from_handle(MPI_Datatype h)
{
    uintptr_t v = (uintptr_t) h;
    struct kr_dt *dt;

    if (v - DT_PREDEF_BASE < DT_PREDEF_SLOTS) {
        dt = &dt_predef[v - DT_PREDEF_BASE];
        /* unassigned slots are all-zero, MPI_DATATYPE_NULL's included */
        return dt->magic == KR_DT_MAGIC ? dt : NULL;
    }
    if (v < KR_HANDLE_USER_MIN) {
        return NULL;
    }
    dt = (struct kr_dt *) h;
    return dt->magic == KR_DT_MAGIC ? dt : NULL;
}

MPI_Datatype kr_dt_to_handle(const struct kr_dt *dt)
{
    return dt->handle;
}

bool kr_dt_is_contig(const struct kr_dt *dt)
{
    return (dt->flags & KR_DT_F_CONTIG) != 0;
}

const char *kr_dt_name(const struct kr_dt *dt)
{
    if (dt->user_name != NULL) {
        return dt->user_name;
    }
    return dt->name != NULL ? dt->name : "";
}

void dt_pair_members(const struct kr_dt *dt, const struct kr_dt **v_out,
                     const struct kr_dt **i_out, size_t *ioff_out)
{
    MPI_Datatype v = MPI_INT, i = MPI_INT;
    size_t off = offsetof(struct kr_dt_2int, i);

    switch (dt->kind) {
    case KR_DT_K_FLOAT_INT:
        v = MPI_FLOAT;
        off = offsetof(struct kr_dt_float_int, i);
        break;
    case KR_DT_K_DOUBLE_INT:
        v = MPI_DOUBLE;
        off = offsetof(struct kr_dt_double_int, i);
        break;
    case KR_DT_K_LONG_INT:
        v = MPI_LONG;
        off = offsetof(struct kr_dt_long_int, i);
        break;
    case KR_DT_K_SHORT_INT:
        v = MPI_SHORT;
        off = offsetof(struct kr_dt_short_int, i);
        break;
    case KR_DT_K_LDOUBLE_INT:
        v = MPI_LONG_DOUBLE;
        off = offsetof(struct kr_dt_ldouble_int, i);
        break;
    case KR_DT_K_2FLOAT:
        v = i = MPI_REAL;
        off = offsetof(struct kr_dt_2float, i);
        break;
    case KR_DT_K_2DOUBLE:
        v = i = MPI_DOUBLE_PRECISION;
        off = offsetof(struct kr_dt_2double, i);
        break;
    default:
        /* MPI_2INT, and MPI_2INTEGER, whose members are Fortran INTEGERs */
        if (dt->handle == MPI_2INTEGER) {
            v = i = MPI_INTEGER;
        }
        break;
    }
    *v_out = kr_dt_from_handle(v);
    *i_out = kr_dt_from_handle(i);
    *ioff_out = off;
}

MPI_Datatype kr_dt_match_size(int typeclass, int size)
{
    /* C types first, so C programs get the types they would have named; Fortran sized kinds
     * only where C has no type of that size */
    static const MPI_Datatype ints[] = { MPI_SIGNED_CHAR, MPI_SHORT, MPI_INT, MPI_LONG,
                                         MPI_LONG_LONG, MPI_INTEGER16 };
    static const MPI_Datatype reals[] = { MPI_FLOAT, MPI_DOUBLE, MPI_LONG_DOUBLE, MPI_REAL2,
                                          MPI_REAL16 };
    static const MPI_Datatype cplx[] = { MPI_C_FLOAT_COMPLEX, MPI_C_DOUBLE_COMPLEX,
                                         MPI_C_LONG_DOUBLE_COMPLEX, MPI_COMPLEX4,
                                         MPI_COMPLEX32 };
    const MPI_Datatype *list;
    size_t n;

    switch (typeclass) {
    case MPI_TYPECLASS_INTEGER:
        list = ints;
        n = sizeof(ints) / sizeof(ints[0]);
        break;
    case MPI_TYPECLASS_REAL:
        list = reals;
        n = sizeof(reals) / sizeof(reals[0]);
        break;
    case MPI_TYPECLASS_COMPLEX:
        list = cplx;
        n = sizeof(cplx) / sizeof(cplx[0]);
        break;
    default:
        return MPI_DATATYPE_NULL;
    }
    for (size_t k = 0; k < n; k++) {
        if (size > 0 && kr_dt_from_handle(list[k])->size == (size_t) size) {
            return list[k];
        }
    }
    return MPI_DATATYPE_NULL;
}

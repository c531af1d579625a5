/* Reduction operations: the predefined MPI_Op table, which op applies to which datatype,
 * and kr_op_apply, which picks the kernel for an (op, type) pair and runs it. */
#include "config.h"

#include "dt.h"
#include "dt_int.h"

#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The ABI puts every predefined op in [0x20, 0x40). */
#define OP_PREDEF_BASE 0x20u
#define OP_PREDEF_SLOTS 0x20u

/* Indexed by handle minus OP_PREDEF_BASE; see DT_SLOT in dt_predef.c for why the designators
 * are the mpi.h constants themselves. */
#define OP_SLOT(h) ((uintptr_t) (h) - (OP_PREDEF_BASE))

#define OP_PREDEF(h, code_, commute_)                                                              \
    [OP_SLOT(h)] = {                                                                               \
        .magic = KR_OP_MAGIC,                                                                      \
        .code = (code_),                                                                           \
        .commute = (commute_),                                                                     \
        .predefined = true,                                                                        \
        .handle = (h),                                                                             \
        .name = #h,                                                                                \
        .refcount = 1,                                                                             \
        .user_fn = NULL,                                                                           \
        .user_fn_c = NULL,                                                                         \
    }

static struct kr_op op_predef[OP_PREDEF_SLOTS] = {
    OP_PREDEF(MPI_SUM, KR_OP_SUM, true),
    OP_PREDEF(MPI_PROD, KR_OP_PROD, true),
    OP_PREDEF(MPI_MIN, KR_OP_MIN, true),
    OP_PREDEF(MPI_MAX, KR_OP_MAX, true),
    OP_PREDEF(MPI_LAND, KR_OP_LAND, true),
    OP_PREDEF(MPI_LOR, KR_OP_LOR, true),
    OP_PREDEF(MPI_LXOR, KR_OP_LXOR, true),
    OP_PREDEF(MPI_BAND, KR_OP_BAND, true),
    OP_PREDEF(MPI_BOR, KR_OP_BOR, true),
    OP_PREDEF(MPI_BXOR, KR_OP_BXOR, true),
    OP_PREDEF(MPI_MINLOC, KR_OP_MINLOC, true),
    OP_PREDEF(MPI_MAXLOC, KR_OP_MAXLOC, true),
    /* MPI_REPLACE keeps the later operand, so operand order matters */
    OP_PREDEF(MPI_REPLACE, KR_OP_REPLACE, false),
    OP_PREDEF(MPI_NO_OP, KR_OP_NO_OP, true),
};

/* Which of the standard's type groups each predefined op accepts (MPI-4.1 section 6.9.2).
 * Note the asymmetries: logical ops take C integers but not Fortran integers, bitwise ops
 * take MPI_BYTE but not logicals, and the language-neutral integers (MPI_AINT, MPI_COUNT,
 * MPI_OFFSET) take everything but the logical ops. */
#define CL(c) (1u << (c))
#define CL_ALL ((1u << KR_DT_C_COUNT) - 1u)

static const unsigned op_classes[KR_OP_NPREDEF] = {
    [KR_OP_SUM] = CL(KR_DT_C_CINT) | CL(KR_DT_C_FINT) | CL(KR_DT_C_FLOAT) | CL(KR_DT_C_COMPLEX)
                  | CL(KR_DT_C_MULTI),
    [KR_OP_PROD] = CL(KR_DT_C_CINT) | CL(KR_DT_C_FINT) | CL(KR_DT_C_FLOAT) | CL(KR_DT_C_COMPLEX)
                   | CL(KR_DT_C_MULTI),
    [KR_OP_MIN] = CL(KR_DT_C_CINT) | CL(KR_DT_C_FINT) | CL(KR_DT_C_FLOAT) | CL(KR_DT_C_MULTI),
    [KR_OP_MAX] = CL(KR_DT_C_CINT) | CL(KR_DT_C_FINT) | CL(KR_DT_C_FLOAT) | CL(KR_DT_C_MULTI),
    [KR_OP_LAND] = CL(KR_DT_C_CINT) | CL(KR_DT_C_LOGICAL),
    [KR_OP_LOR] = CL(KR_DT_C_CINT) | CL(KR_DT_C_LOGICAL),
    [KR_OP_LXOR] = CL(KR_DT_C_CINT) | CL(KR_DT_C_LOGICAL),
    [KR_OP_BAND] = CL(KR_DT_C_CINT) | CL(KR_DT_C_FINT) | CL(KR_DT_C_BYTE) | CL(KR_DT_C_MULTI),
    [KR_OP_BOR] = CL(KR_DT_C_CINT) | CL(KR_DT_C_FINT) | CL(KR_DT_C_BYTE) | CL(KR_DT_C_MULTI),
    [KR_OP_BXOR] = CL(KR_DT_C_CINT) | CL(KR_DT_C_FINT) | CL(KR_DT_C_BYTE) | CL(KR_DT_C_MULTI),
    [KR_OP_MINLOC] = CL(KR_DT_C_PAIR),
    [KR_OP_MAXLOC] = CL(KR_DT_C_PAIR),
    [KR_OP_REPLACE] = CL_ALL,
    [KR_OP_NO_OP] = CL_ALL,
};

struct kr_op *kr_op_from_handle(MPI_Op h)
{
    uintptr_t v = (uintptr_t) h;
    struct kr_op *op;

    if (v - OP_PREDEF_BASE < OP_PREDEF_SLOTS) {
        op = &op_predef[v - OP_PREDEF_BASE];
        /* unassigned slots are all-zero, MPI_OP_NULL's included */
        return op->magic == KR_OP_MAGIC ? op : NULL;
    }
    if (v < KR_HANDLE_USER_MIN) {
        return NULL;
    }
    op = (struct kr_op *) h;
    return op->magic == KR_OP_MAGIC ? op : NULL;
}

MPI_Op kr_op_to_handle(const struct kr_op *op)
{
    return op->handle;
}

/* The kernel for a predefined arithmetic op on a representation, or NULL. */
static kr_op_kernel_fn *op_kernel(enum kr_op_code code, enum kr_dt_kind kind)
{
    return code < KR_OP_REPLACE ? kr_op_kernels[code][kind] : NULL;
}

bool kr_op_valid_for(const struct kr_op *op, const struct kr_dt *dt)
{
    if (op->code == KR_OP_USER) {
        return true;
    }
    /* Derived types built from one predefined type will take that type's ops, applied
     * block by block; until derived types exist, only predefined types qualify. */
    if ((dt->flags & KR_DT_F_PREDEFINED) == 0) {
        return false;
    }
    if ((op_classes[op->code] & CL(dt->opclass)) == 0) {
        return false;
    }
    if (op->code == KR_OP_REPLACE || op->code == KR_OP_NO_OP) {
        return true;
    }
    return op_kernel(op->code, dt->kind) != NULL;
}

bool kr_op_is_rma_only(const struct kr_op *op)
{
    return op->code == KR_OP_REPLACE || op->code == KR_OP_NO_OP;
}

/* Hand `count` elements to the user's function, in pieces that fit its int length. */
static void op_apply_user(const struct kr_op *op, const struct kr_dt *dt, const void *in,
                          void *inout, size_t count)
{
    MPI_Datatype h = kr_dt_to_handle(dt);
    /* The callback's standard signature takes a non-const invec; it must not write it. */
    char *src = (char *) (uintptr_t) in;
    char *dst = inout;

    if (op->user_fn_c != NULL) {
        MPI_Count len = (MPI_Count) count;

        op->user_fn_c(src, dst, &len, &h);
        return;
    }
    while (count > 0) {
        int len = count > (size_t) INT_MAX ? INT_MAX : (int) count;
        size_t step = (size_t) len * (size_t) dt->extent;

        op->user_fn(src, dst, &len, &h);
        src += step;
        dst += step;
        count -= (size_t) len;
    }
}

int kr_op_apply(const struct kr_op *op, const struct kr_dt *dt, const void *in, void *inout,
                size_t count)
{
    if (!kr_op_valid_for(op, dt)) {
        return -EINVAL;
    }
    if (count == 0) {
        return 0;
    }
    switch (op->code) {
    case KR_OP_USER: op_apply_user(op, dt, in, inout, count); break;
    case KR_OP_NO_OP: break;
    case KR_OP_REPLACE:
        /* Up to the end of the last element's data, not its trailing padding, which the
         * caller's buffer need not contain. */
        memcpy((char *) inout + dt->true_lb, (const char *) in + dt->true_lb,
               (count - 1) * (size_t) dt->extent + (size_t) dt->true_extent);
        break;
    default: op_kernel(op->code, dt->kind)(in, inout, count); break;
    }
    return 0;
}

int kr_op_user_create(MPI_User_function *fn, MPI_User_function_c *fn_c, bool commute,
                      struct kr_op **op_out)
{
    struct kr_op *op;

    if ((fn == NULL) == (fn_c == NULL)) {
        return -EINVAL;
    }
    op = calloc(1, sizeof(*op));
    if (op == NULL) {
        return -ENOMEM;
    }
    op->magic = KR_OP_MAGIC;
    op->code = KR_OP_USER;
    op->commute = commute;
    op->predefined = false;
    op->handle = (MPI_Op) op;
    op->name = NULL;
    atomic_init(&op->refcount, 1);
    op->user_fn = fn;
    op->user_fn_c = fn_c;
    *op_out = op;
    return 0;
}

void kr_op_retain(struct kr_op *op)
{
    if (!op->predefined) {
        /* relaxed: taking a reference orders nothing; the release below does */
        atomic_fetch_add_explicit(&op->refcount, 1, memory_order_relaxed);
    }
}

void kr_op_release(struct kr_op *op)
{
    if (op->predefined) {
        return;
    }
    /* acq_rel: pairs with other threads' releases so their last uses of `op` happen
     * before the free below */
    if (atomic_fetch_sub_explicit(&op->refcount, 1, memory_order_acq_rel) == 1) {
        op->magic = 0; /* a stale handle now fails kr_op_from_handle's check */
        free(op);
    }
}

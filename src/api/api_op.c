/* Reduction operations: MPI_Op_create(_c), MPI_Op_free, MPI_Op_commutative, and
 * MPI_Reduce_local(_c), which applies an op to two local buffers (derived types included: a
 * predefined op works on the predefined type the derived type is made of). */
#include "config.h"

#include "api_coll_int.h"

#include <errno.h>
#include <stdlib.h>

static int op_create(const char *call, MPI_User_function *fn, MPI_User_function_c *fn_c,
                     int commute, MPI_Op *op)
{
    struct kr_op *o = NULL;
    int ret;

    kr_api_check_running(call);
    if (fn == NULL && fn_c == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: user_fn is NULL", call);
    }
    if (op == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: op is NULL", call);
    }
    ret = kr_op_user_create(fn, fn_c, commute != 0, &o);
    if (ret != 0) {
        return kr_api_fail(NULL, call, ret);
    }
    *op = kr_op_to_handle(o);
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Op_create)
int PMPI_Op_create(MPI_User_function *user_fn, int commute, MPI_Op *op)
{
    return op_create("MPI_Op_create", user_fn, NULL, commute, op);
}

KR_WEAK_ALIAS(Op_create_c)
int PMPI_Op_create_c(MPI_User_function_c *user_fn, int commute, MPI_Op *op)
{
    return op_create("MPI_Op_create_c", NULL, user_fn, commute, op);
}

/* A valid op handle (MPI_ERR_OP otherwise). */
static int op_check(const char *call, MPI_Op h, struct kr_op **op_out)
{
    struct kr_op *op = kr_op_from_handle(h);

    if (op == NULL) {
        return kr_api_error(NULL, MPI_ERR_OP, "%s: %s is not a valid operation", call,
                            h == MPI_OP_NULL ? "MPI_OP_NULL" : "the op argument");
    }
    *op_out = op;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Op_free)
int PMPI_Op_free(MPI_Op *op)
{
    struct kr_op *o = NULL;
    int ret;

    kr_api_check_running("MPI_Op_free");
    if (op == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Op_free: op is NULL");
    }
    ret = op_check("MPI_Op_free", *op, &o);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (o->predefined) {
        return kr_api_error(NULL, MPI_ERR_OP, "MPI_Op_free: %s is predefined and cannot be "
                            "freed", o->name);
    }
    /* Reductions in flight hold their own reference: the op lives until they finish. */
    kr_api_handle_forget(KR_API_H_OP, o);
    kr_op_release(o);
    *op = MPI_OP_NULL;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Op_commutative)
int PMPI_Op_commutative(MPI_Op op, int *commute)
{
    struct kr_op *o = NULL;
    int ret;

    kr_api_check_running("MPI_Op_commutative");
    ret = op_check("MPI_Op_commutative", op, &o);
    if (ret == MPI_SUCCESS && commute == NULL) {
        ret = kr_api_error(NULL, MPI_ERR_ARG, "MPI_Op_commutative: commute is NULL");
    }
    if (ret == MPI_SUCCESS) {
        *commute = o->commute;
    }
    return ret;
}

/* A predefined op on a non-contiguous derived type: both operands packed into arrays of the
 * basic type (at its extent, for pair types with padding), combined, unpacked into inout. */
static int op_local_packed(const struct kr_api_red *red, const void *in, void *inout,
                           size_t count)
{
    size_t len = kr_dt_packed_size(red->udt, count), n = count * red->per;
    size_t img = n * (size_t) red->dt->extent;
    bool pad = !kr_dt_is_contig(red->dt);
    unsigned char *a = malloc(len + 1), *b = malloc(len + 1);
    unsigned char *ia = pad ? malloc(img + 1) : a, *ib = pad ? malloc(img + 1) : b;
    int ret = -ENOMEM;

    if (a != NULL && b != NULL && ia != NULL && ib != NULL) {
        kr_dt_pack(red->udt, count, in, 0, a, len);
        kr_dt_pack(red->udt, count, inout, 0, b, len);
        if (pad) {
            kr_dt_unpack(red->dt, n, ia, 0, a, len);
            kr_dt_unpack(red->dt, n, ib, 0, b, len);
        }
        ret = kr_op_apply(red->op, red->dt, ia, ib, n);
        if (ret == 0 && pad) {
            kr_dt_pack(red->dt, n, ib, 0, b, len);
        }
        if (ret == 0) {
            kr_dt_unpack(red->udt, count, inout, 0, b, len);
        }
    }
    if (pad) {
        free(ia);
        free(ib);
    }
    free(a);
    free(b);
    return ret;
}

static int op_reduce_local(const char *call, const void *inbuf, void *inoutbuf, MPI_Count count,
                           MPI_Datatype type, MPI_Op oph)
{
    struct kr_api_coll c = { .call = call };
    struct kr_api_red red;
    struct kr_dt *dt;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_coll_type(&c, inbuf, count, type, &dt);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_buf(call, NULL, inoutbuf, count, dt);
    }
    if (ret == MPI_SUCCESS && (inbuf == MPI_IN_PLACE || inoutbuf == MPI_IN_PLACE)) {
        ret = kr_api_error(NULL, MPI_ERR_BUFFER, "%s: MPI_IN_PLACE is not allowed", call);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_coll_op(&c, oph, dt, &red);
    }
    if (ret != MPI_SUCCESS || count == 0) {
        return ret;
    }
    if (red.dt == red.udt) {
        /* A predefined type, or a user op, which gets the user's type as it is. */
        ret = kr_op_apply(red.op, dt, inbuf, inoutbuf, (size_t) count);
    } else if (kr_dt_is_contig(dt)) {
        ret = kr_op_apply(red.op, red.dt, (const char *) inbuf + dt->true_lb,
                          (char *) inoutbuf + dt->true_lb, (size_t) count * red.per);
    } else {
        ret = op_local_packed(&red, inbuf, inoutbuf, (size_t) count);
    }
    return ret == 0 ? MPI_SUCCESS : kr_api_fail(NULL, call, ret);
}

KR_WEAK_ALIAS(Reduce_local)
int PMPI_Reduce_local(const void *inbuf, void *inoutbuf, int count, MPI_Datatype datatype,
                      MPI_Op op)
{
    return op_reduce_local("MPI_Reduce_local", inbuf, inoutbuf, count, datatype, op);
}

KR_WEAK_ALIAS(Reduce_local_c)
int PMPI_Reduce_local_c(const void *inbuf, void *inoutbuf, MPI_Count count,
                        MPI_Datatype datatype, MPI_Op op)
{
    return op_reduce_local("MPI_Reduce_local_c", inbuf, inoutbuf, count, datatype, op);
}

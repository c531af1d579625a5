/* The cores of the reductions (reduce, allreduce, reduce_scatter, reduce_scatter_block, scan,
 * exscan) for every binding: argument, op and MPI_IN_PLACE checks, the element type the
 * reduction computes on (kr_api_coll_op), the collective buffers, then the schedule (or, for a
 * blocking call on plain buffers, the shared-memory path). */
#include "config.h"

#include "api_coll_int.h"

#include <errno.h>

/* Count, datatype, op and MPI_IN_PLACE checks every reduction shares: `sbuf` may be in place
 * when `inplace_ok`, and is only checked when this rank contributes. */
static int red_args(struct kr_api_coll *c, const void *sbuf, const void *rbuf, MPI_Count count,
                    MPI_Datatype type, MPI_Op oph, bool contributes, bool inplace_ok,
                    const char *where, struct kr_api_red *red)
{
    struct kr_dt *dt;
    int ret = MPI_SUCCESS;

    if (rbuf == MPI_IN_PLACE) {
        return kr_api_coll_inplace_error(c, "the receive buffer", NULL);
    }
    if (sbuf == MPI_IN_PLACE && contributes && !inplace_ok) {
        return kr_api_coll_inplace_error(c, "the send buffer", where);
    }
    ret = kr_api_coll_type(c, sbuf == MPI_IN_PLACE || !contributes ? NULL : sbuf, 0, type, &dt);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_count(c->call, c->comm, count);
    }
    if (ret == MPI_SUCCESS && contributes && sbuf != MPI_IN_PLACE) {
        ret = kr_api_check_buf(c->call, c->comm, sbuf, count, dt);
    }
    return ret == MPI_SUCCESS ? kr_api_coll_op(c, oph, dt, red) : ret;
}

int kr_api_reduce(const struct kr_api_how *how, MPI_Comm h, const void *sbuf, void *rbuf,
                  MPI_Count count, MPI_Datatype type, MPI_Op oph, int root)
{
    struct kr_api_coll c;
    struct kr_sched *s = NULL;
    struct kr_api_red red;
    bool is_root, contributes, inplace = sbuf == MPI_IN_PLACE;
    void *sp = NULL, *rp = NULL;
    size_t n;
    int ret = kr_api_coll_begin(&c, how, h);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_coll_root(&c, root);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    is_root = c.comm->inter ? root == MPI_ROOT : c.comm->rank == root;
    contributes = c.comm->inter ? root >= 0 : true;
    ret = red_args(&c, sbuf, rbuf, count, type, oph, contributes, is_root && !c.comm->inter,
                   "on the root", &red);
    if (ret == MPI_SUCCESS && is_root) {
        ret = kr_api_check_buf(c.call, c.comm, rbuf, count, red.udt);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (contributes && !inplace) {
        sp = kr_api_coll_rbuf(&c, &red, (void *) sbuf, count, 0);
    }
    if (is_root) {
        rp = kr_api_coll_rbuf(&c, &red, rbuf, inplace ? count : 0, count);
    }
    n = (size_t) count * red.per;
    if (kr_api_coll_blocking(&c)) {
        return kr_api_coll_done(&c, kr_coll_reduce(c.comm, sp, rp, n, red.dt, red.op, root));
    }
    ret = kr_coll_reduce_sched(c.comm, sp, rp, n, red.dt, red.op, root, &s);
    return kr_api_coll_finish(&c, s, ret);
}

int kr_api_allreduce(const struct kr_api_how *how, MPI_Comm h, const void *sbuf, void *rbuf,
                     MPI_Count count, MPI_Datatype type, MPI_Op oph)
{
    struct kr_api_coll c;
    struct kr_sched *s = NULL;
    struct kr_api_red red;
    bool inplace = sbuf == MPI_IN_PLACE;
    void *sp = NULL, *rp;
    size_t n;
    int ret = kr_api_coll_begin(&c, how, h);

    if (ret == MPI_SUCCESS) {
        ret = red_args(&c, sbuf, rbuf, count, type, oph, true, !c.comm->inter, NULL, &red);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_buf(c.call, c.comm, rbuf, count, red.udt);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (!inplace) {
        sp = kr_api_coll_rbuf(&c, &red, (void *) sbuf, count, 0);
    }
    rp = kr_api_coll_rbuf(&c, &red, rbuf, inplace ? count : 0, count);
    n = (size_t) count * red.per;
    if (kr_api_coll_blocking(&c)) {
        return kr_api_coll_done(&c, kr_coll_allreduce(c.comm, sp, rp, n, red.dt, red.op));
    }
    ret = kr_coll_allreduce_sched(c.comm, sp, rp, n, red.dt, red.op, &s);
    return kr_api_coll_finish(&c, s, ret);
}

int kr_api_reduce_scatter(const struct kr_api_how *how, MPI_Comm h, const void *sbuf,
                          void *rbuf, struct kr_dt_ints counts, MPI_Count count,
                          MPI_Datatype type, MPI_Op oph)
{
    struct kr_api_coll c;
    struct kr_sched *s = NULL;
    struct kr_api_red red;
    bool inplace = sbuf == MPI_IN_PLACE;
    MPI_Count total = 0, mine;
    size_t *ccounts;
    void *sp = NULL, *rp;
    int ret = kr_api_coll_begin(&c, how, h);

    if (ret == MPI_SUCCESS && counts.p != NULL) {
        ret = kr_api_coll_array(&c, c.comm->size, counts.p, "recvcounts");
    }
    for (int i = 0; ret == MPI_SUCCESS && i < c.comm->size; i++) {
        MPI_Count k = counts.p != NULL ? kr_dt_ints_at(counts, (size_t) i) : count;

        ret = kr_api_check_count(c.call, c.comm, k);
        total += k;
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    mine = counts.p != NULL ? kr_dt_ints_at(counts, (size_t) c.comm->rank) : count;
    ret = red_args(&c, sbuf, rbuf, total, type, oph, true, !c.comm->inter, NULL, &red);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_buf(c.call, c.comm, rbuf, inplace ? total : mine, red.udt);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ccounts = kr_api_coll_alloc(&c, sizeof(*ccounts) * (size_t) c.comm->size);
    for (int i = 0; ccounts != NULL && i < c.comm->size; i++) {
        MPI_Count k = counts.p != NULL ? kr_dt_ints_at(counts, (size_t) i) : count;

        ccounts[i] = (size_t) k * red.per;
    }
    if (!inplace) {
        sp = kr_api_coll_rbuf(&c, &red, (void *) sbuf, total, 0);
    }
    rp = kr_api_coll_rbuf(&c, &red, rbuf, inplace ? total : 0, mine);
    ret = ccounts == NULL ? -ENOMEM
                          : kr_coll_reduce_scatter_sched(c.comm, sp, rp, ccounts, red.dt, red.op,
                                                         &s);
    return kr_api_coll_finish(&c, s, ret);
}

int kr_api_scan(const struct kr_api_how *how, MPI_Comm h, const void *sbuf, void *rbuf,
                MPI_Count count, MPI_Datatype type, MPI_Op oph, bool exclusive)
{
    struct kr_api_coll c;
    struct kr_sched *s = NULL;
    struct kr_api_red red;
    bool inplace = sbuf == MPI_IN_PLACE;
    void *sp = NULL, *rp;
    int ret = kr_api_coll_begin(&c, how, h);

    if (ret == MPI_SUCCESS && c.comm->inter) {
        ret = kr_api_error(c.comm, MPI_ERR_COMM, "%s: not defined on an intercommunicator",
                           c.call);
    }
    if (ret == MPI_SUCCESS) {
        ret = red_args(&c, sbuf, rbuf, count, type, oph, true, true, NULL, &red);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_buf(c.call, c.comm, rbuf, count, red.udt);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (!inplace) {
        sp = kr_api_coll_rbuf(&c, &red, (void *) sbuf, count, 0);
    }
    /* Exscan leaves rank 0's receive buffer alone: nothing to unpack there. */
    rp = kr_api_coll_rbuf(&c, &red, rbuf, inplace ? count : 0,
                          exclusive && c.comm->rank == 0 ? 0 : count);
    ret = exclusive ? kr_coll_exscan_sched(c.comm, sp, rp, (size_t) count * red.per, red.dt,
                                           red.op, &s)
                    : kr_coll_scan_sched(c.comm, sp, rp, (size_t) count * red.per, red.dt,
                                         red.op, &s);
    return kr_api_coll_finish(&c, s, ret);
}

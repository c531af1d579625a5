/* One-sided operations: MPI_Put, MPI_Get, MPI_Accumulate, MPI_Get_accumulate,
 * MPI_Fetch_and_op, MPI_Compare_and_swap and the request-based MPI_R* forms. The checks are
 * here; src/rma moves the bytes. Target datatypes must be contiguous (predefined, or derived
 * with no gaps); origin datatypes may be anything. */
#include "config.h"

#include "api.h"

#include "api_req_int.h"
#include "api_win_int.h"

#include <errno.h>
#include <stdlib.h>

/* One side of an operation, as the program gave it. */
struct rma_side {
    const void *buf;
    MPI_Count count;
    MPI_Datatype type;
};

/* Everything an operation needs once checked. */
struct rma_op {
    struct kr_win *w;
    struct kr_rma_buf o, r;     /* origin and result buffers */
    struct kr_rma_tgt t;
    struct kr_op *op;
    bool procnull;
};

/* The predefined type all of `dt`'s elements are made of, or NULL when they are mixed. */
static struct kr_dt *rma_basic(struct kr_dt *dt)
{
    MPI_Count ni, na, nc, nt;
    MPI_Datatype types[64];
    struct kr_dt *basic = NULL;
    int combiner;

    if ((dt->flags & KR_DT_F_PREDEFINED) != 0) {
        return dt;
    }
    if (kr_dt_envelope(dt, true, &ni, &na, &nc, &nt, &combiner) != 0 || nt < 1 || nt > 64) {
        return NULL;
    }
    {
        int *ints = malloc((size_t) (ni + 1) * sizeof(int));
        MPI_Aint *aints = malloc((size_t) (na + 1) * sizeof(MPI_Aint));
        MPI_Count *counts = malloc((size_t) (nc + 1) * sizeof(MPI_Count));
        bool ok = ints != NULL && aints != NULL && counts != NULL
                  && kr_dt_contents(dt, true, ints, aints, counts, types) == 0;

        free(ints);
        free(aints);
        free(counts);
        if (!ok) {
            return NULL;
        }
    }
    for (MPI_Count i = 0; i < nt; i++) {
        struct kr_dt *sub = kr_dt_from_handle(types[i]);
        struct kr_dt *b = sub != NULL ? rma_basic(sub) : NULL;

        if (b == NULL || (basic != NULL && b != basic)) {
            basic = NULL;
            i = nt; /* mixed: still release the handles below */
        } else {
            basic = b;
        }
    }
    for (MPI_Count i = 0; i < nt; i++) {
        struct kr_dt *sub = kr_dt_from_handle(types[i]);

        if (sub != NULL && (sub->flags & KR_DT_F_PREDEFINED) == 0) {
            kr_dt_handle_release(sub);
        }
    }
    return basic;
}

static int rma_type(const char *call, struct kr_win *w, MPI_Datatype h, const char *what,
                    struct kr_dt **dt_out)
{
    struct kr_dt *dt = kr_dt_from_handle(h);

    *dt_out = dt;
    if (dt == NULL) {
        return kr_api_win_error(w, MPI_ERR_TYPE, "%s: %s is not a valid datatype", call,
                                h == MPI_DATATYPE_NULL ? "MPI_DATATYPE_NULL" : what);
    }
    if ((dt->flags & KR_DT_F_COMMITTED) == 0) {
        return kr_api_win_error(w, MPI_ERR_TYPE, "%s: %s is not committed", call, what);
    }
    return MPI_SUCCESS;
}

/* A buffer side: count, type, and the packed bytes it holds. */
static int rma_buf(const char *call, struct kr_win *w, const struct rma_side *s, const char *what,
                   struct kr_dt **dt_out, struct kr_rma_buf *b)
{
    int ret;

    if (s->count < 0) {
        return kr_api_win_error(w, MPI_ERR_COUNT, "%s: %s count %lld is negative", call, what,
                                (long long) s->count);
    }
    ret = rma_type(call, w, s->type, what, dt_out);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    kr_api_layout(*dt_out, s->count, s->buf, &b->lay, &b->base);
    b->len = kr_dt_packed_size(*dt_out, (size_t) s->count);
    if (b->len > 0 && s->buf == NULL) {
        return kr_api_win_error(w, MPI_ERR_BUFFER, "%s: the %s buffer is NULL", call, what);
    }
    return MPI_SUCCESS;
}

static bool rma_in_epoch(const struct kr_win *w, int rank)
{
    if (w->fence_open || w->lock_all || w->peers[rank].lock_type != 0) {
        return true;
    }
    for (int i = 0; i < w->nstart; i++) {
        if (w->start_group[i] == rank) {
            return true;
        }
    }
    return false;
}

/* Window, target rank, epoch, target type and range; `acc` wants an element type. */
static int rma_target(const char *call, MPI_Win h, int rank, MPI_Aint disp,
                      const struct rma_side *ts, bool acc, struct rma_op *a)
{
    struct kr_win *w;
    struct kr_dt *tdt;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_win(call, h, &w);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    a->w = w;
    ret = kr_api_check_win_rank(call, w, rank, true);
    if (ret != MPI_SUCCESS || rank == MPI_PROC_NULL) {
        a->procnull = true;
        return ret;
    }
    if (!rma_in_epoch(w, rank)) {
        return kr_api_win_error(w, MPI_ERR_RMA_SYNC,
                                "%s: no access epoch to rank %d is open (call MPI_Win_fence, "
                                "MPI_Win_lock, MPI_Win_lock_all or MPI_Win_start first)",
                                call, rank);
    }
    if (ts->count < 0) {
        return kr_api_win_error(w, MPI_ERR_COUNT, "%s: target count %lld is negative", call,
                                (long long) ts->count);
    }
    ret = rma_type(call, w, ts->type, "the target datatype", &tdt);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (!kr_dt_is_contig(tdt)) {
        return kr_api_win_error(w, MPI_ERR_TYPE,
                                "%s: the target datatype is not contiguous (not supported yet)",
                                call);
    }
    a->t.rank = rank;
    a->t.len = kr_dt_packed_size(tdt, (size_t) ts->count);
    if (w->flavor == KR_WIN_DYNAMIC) {
        a->t.addr = (uint64_t) disp + (uint64_t) tdt->true_lb;
    } else {
        const struct kr_rma_peer *p = &w->peers[rank];
        int64_t off = (int64_t) disp * p->disp_unit + tdt->true_lb;

        if (disp < 0) {
            return kr_api_win_error(w, MPI_ERR_DISP, "%s: target_disp %lld is negative", call,
                                    (long long) disp);
        }
        if (off < 0 || (uint64_t) off > p->size || a->t.len > p->size - (uint64_t) off) {
            return kr_api_win_error(w, MPI_ERR_RMA_RANGE,
                                    "%s: %zu bytes at displacement %lld (byte %lld) are outside "
                                    "the %llu-byte window of rank %d",
                                    call, a->t.len, (long long) disp, (long long) off,
                                    (unsigned long long) p->size, rank);
        }
        a->t.addr = (uint64_t) off;
    }
    if (acc) {
        a->t.dt = rma_basic(tdt);
        if (a->t.dt == NULL) {
            return kr_api_win_error(w, MPI_ERR_TYPE,
                                    "%s: the target datatype is not made of one predefined type",
                                    call);
        }
        a->t.count = a->t.len / (a->t.dt->size > 0 ? a->t.dt->size : 1);
    }
    return MPI_SUCCESS;
}

static int rma_check_op(const char *call, MPI_Op h, struct rma_op *a)
{
    struct kr_op *op = kr_op_from_handle(h);

    a->op = op;
    if (op == NULL || !op->predefined) {
        return kr_api_win_error(a->w, MPI_ERR_OP,
                                "%s: %s is not a predefined operation (user operations are not "
                                "allowed in accumulates)",
                                call, h == MPI_OP_NULL ? "MPI_OP_NULL" : "the op argument");
    }
    if (!kr_op_valid_for(op, a->t.dt)) {
        return kr_api_win_error(a->w, MPI_ERR_OP, "%s: %s is not defined for %s", call,
                                op->name, kr_dt_name(a->t.dt));
    }
    return MPI_SUCCESS;
}

static int rma_match(const char *call, struct rma_op *a, size_t bytes, const char *what)
{
    if (bytes != a->t.len) {
        return kr_api_win_error(a->w, MPI_ERR_TYPE,
                                "%s: the %s has %zu bytes of data, the target %zu", call, what,
                                bytes, a->t.len);
    }
    return MPI_SUCCESS;
}

/* ---- the operations ----------------------------------------------------------------------- */

enum rma_kind { RMA_K_PUT, RMA_K_GET, RMA_K_ACC, RMA_K_GACC };

/* Check and start one operation; `res` is get_accumulate's result side. */
static int rma_do(const char *call, enum rma_kind kind, const struct rma_side *os,
                  const struct rma_side *res, int rank, MPI_Aint disp, const struct rma_side *ts,
                  MPI_Op oph, MPI_Win h)
{
    struct rma_op a = { 0 };
    struct kr_dt *dt;
    bool nodata = false;
    int ret;

    ret = rma_target(call, h, rank, disp, ts, kind == RMA_K_ACC || kind == RMA_K_GACC, &a);
    if (ret != MPI_SUCCESS || a.procnull) {
        return ret;
    }
    if (kind == RMA_K_ACC || kind == RMA_K_GACC) {
        ret = rma_check_op(call, oph, &a);
        nodata = a.op->code == KR_OP_NO_OP && kind == RMA_K_GACC;
    }
    if (ret == MPI_SUCCESS && !nodata) {
        ret = rma_buf(call, a.w, os, "origin", &dt, &a.o);
        if (ret == MPI_SUCCESS) {
            ret = rma_match(call, &a, a.o.len, "origin");
        }
    }
    if (ret == MPI_SUCCESS && kind == RMA_K_GACC) {
        ret = rma_buf(call, a.w, res, "result", &dt, &a.r);
        if (ret == MPI_SUCCESS) {
            ret = rma_match(call, &a, a.r.len, "result");
        }
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    switch (kind) {
    case RMA_K_PUT: ret = kr_rma_put(a.w, &a.o, &a.t); break;
    case RMA_K_GET: ret = kr_rma_get(a.w, &a.o, &a.t); break;
    case RMA_K_ACC: ret = kr_rma_acc(a.w, &a.o, &a.t, a.op); break;
    case RMA_K_GACC: ret = kr_rma_get_acc(a.w, nodata ? NULL : &a.o, &a.r, &a.t, a.op); break;
    }
    return ret == 0 ? MPI_SUCCESS : kr_api_win_fail(a.w, call, ret);
}

/* The request-based forms complete the operation locally before returning, so the request
 * they hand out is already complete. */
static int rma_req(const char *call, int ret, MPI_Win h, int rank, MPI_Request *request)
{
    struct kr_win *w = kr_api_win(h);
    struct kr_req *req;

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (request == NULL) {
        return kr_api_win_error(w, MPI_ERR_ARG, "%s: request is NULL", call);
    }
    if (rank != MPI_PROC_NULL) {
        ret = kr_rma_flush_local(w, rank);
        if (ret != 0) {
            return kr_api_win_fail(w, call, ret);
        }
    }
    req = kr_req_alloc(w->pt);
    if (req == NULL) {
        return kr_api_win_fail(w, call, -ENOMEM);
    }
    req->ukind = KR_UREQ_PLAIN;
    kr_api_req_done_set(req, kr_api.world, false);
    *request = (MPI_Request) (void *) req;
    return MPI_SUCCESS;
}

#define RMA_SIDE(b, c, t) (&(struct rma_side) { (b), (c), (t) })

/* One definition per call and count type (the _c twins take MPI_Count), as REQ_SEND_PAIR does
 * for sends: puts and gets (`q` qualifies the origin buffer), accumulates (with an op),
 * get-accumulates (with a result buffer), and the request forms of each (R*: the operation is
 * complete when they return). */
#define RMA_ORIGIN(q, cnt) q void *origin_addr, cnt origin_count, MPI_Datatype origin_datatype
#define RMA_TARGET(cnt)                                                                           \
    int target_rank, MPI_Aint target_disp, cnt target_count, MPI_Datatype target_datatype
#define RMA_RESULT(cnt) void *result_addr, cnt result_count, MPI_Datatype result_datatype
#define RMA_DO(name, kind, result, op)                                                            \
    rma_do(name, kind, RMA_SIDE(origin_addr, origin_count, origin_datatype), result,               \
           target_rank, target_disp, RMA_SIDE(NULL, target_count, target_datatype), op, win)

#define RMA_MOVE(name, q, kind, cnt)                                                              \
    KR_WEAK_ALIAS(name)                                                                           \
    int PMPI_##name(RMA_ORIGIN(q, cnt), RMA_TARGET(cnt), MPI_Win win)                             \
    {                                                                                             \
        return RMA_DO("MPI_" #name, kind, NULL, MPI_OP_NULL);                                     \
    }
#define RMA_RMOVE(name, q, kind, cnt)                                                             \
    KR_WEAK_ALIAS(name)                                                                           \
    int PMPI_##name(RMA_ORIGIN(q, cnt), RMA_TARGET(cnt), MPI_Win win, MPI_Request *request)       \
    {                                                                                             \
        return rma_req("MPI_" #name, RMA_DO("MPI_" #name, kind, NULL, MPI_OP_NULL), win,         \
                       target_rank, request);                                                     \
    }
#define RMA_ACC(name, cnt)                                                                        \
    KR_WEAK_ALIAS(name)                                                                           \
    int PMPI_##name(RMA_ORIGIN(const, cnt), RMA_TARGET(cnt), MPI_Op op, MPI_Win win)              \
    {                                                                                             \
        return RMA_DO("MPI_" #name, RMA_K_ACC, NULL, op);                                         \
    }
#define RMA_RACC(name, cnt)                                                                       \
    KR_WEAK_ALIAS(name)                                                                           \
    int PMPI_##name(RMA_ORIGIN(const, cnt), RMA_TARGET(cnt), MPI_Op op, MPI_Win win,              \
                    MPI_Request *request)                                                         \
    {                                                                                             \
        return rma_req("MPI_" #name, RMA_DO("MPI_" #name, RMA_K_ACC, NULL, op), win, target_rank, \
                       request);                                                                  \
    }
#define RMA_GACC(name, cnt)                                                                       \
    KR_WEAK_ALIAS(name)                                                                           \
    int PMPI_##name(RMA_ORIGIN(const, cnt), RMA_RESULT(cnt), RMA_TARGET(cnt), MPI_Op op,          \
                    MPI_Win win)                                                                  \
    {                                                                                             \
        return RMA_DO("MPI_" #name, RMA_K_GACC,                                                   \
                      RMA_SIDE(result_addr, result_count, result_datatype), op);                  \
    }
#define RMA_RGACC(name, cnt)                                                                      \
    KR_WEAK_ALIAS(name)                                                                           \
    int PMPI_##name(RMA_ORIGIN(const, cnt), RMA_RESULT(cnt), RMA_TARGET(cnt), MPI_Op op,          \
                    MPI_Win win, MPI_Request *request)                                            \
    {                                                                                             \
        return rma_req("MPI_" #name,                                                              \
                       RMA_DO("MPI_" #name, RMA_K_GACC,                                           \
                              RMA_SIDE(result_addr, result_count, result_datatype), op),          \
                       win, target_rank, request);                                                \
    }

RMA_MOVE(Put, const, RMA_K_PUT, int)
RMA_MOVE(Put_c, const, RMA_K_PUT, MPI_Count)
RMA_MOVE(Get, , RMA_K_GET, int)
RMA_MOVE(Get_c, , RMA_K_GET, MPI_Count)
RMA_ACC(Accumulate, int)
RMA_ACC(Accumulate_c, MPI_Count)
RMA_GACC(Get_accumulate, int)
RMA_GACC(Get_accumulate_c, MPI_Count)
RMA_RMOVE(Rput, const, RMA_K_PUT, int)
RMA_RMOVE(Rput_c, const, RMA_K_PUT, MPI_Count)
RMA_RMOVE(Rget, , RMA_K_GET, int)
RMA_RMOVE(Rget_c, , RMA_K_GET, MPI_Count)
RMA_RACC(Raccumulate, int)
RMA_RACC(Raccumulate_c, MPI_Count)
RMA_RGACC(Rget_accumulate, int)
RMA_RGACC(Rget_accumulate_c, MPI_Count)

KR_WEAK_ALIAS(Fetch_and_op)
int PMPI_Fetch_and_op(const void *origin_addr, void *result_addr, MPI_Datatype datatype,
                      int target_rank, MPI_Aint target_disp, MPI_Op op, MPI_Win win)
{
    return rma_do("MPI_Fetch_and_op", RMA_K_GACC, RMA_SIDE(origin_addr, 1, datatype),
                  RMA_SIDE(result_addr, 1, datatype), target_rank, target_disp,
                  RMA_SIDE(NULL, 1, datatype), op, win);
}

KR_WEAK_ALIAS(Compare_and_swap)
int PMPI_Compare_and_swap(const void *origin_addr, const void *compare_addr, void *result_addr,
                          MPI_Datatype datatype, int target_rank, MPI_Aint target_disp,
                          MPI_Win win)
{
    const char *call = "MPI_Compare_and_swap";
    struct rma_op a = { 0 };
    int ret;

    ret = rma_target(call, win, target_rank, target_disp, RMA_SIDE(NULL, 1, datatype), true, &a);
    if (ret != MPI_SUCCESS || a.procnull) {
        return ret;
    }
    if ((a.t.dt->opclass != KR_DT_C_CINT && a.t.dt->opclass != KR_DT_C_FINT
         && a.t.dt->opclass != KR_DT_C_LOGICAL && a.t.dt->opclass != KR_DT_C_BYTE
         && a.t.dt->opclass != KR_DT_C_MULTI)
        || a.t.len > 64) {
        return kr_api_win_error(a.w, MPI_ERR_TYPE,
                                "%s: %s is not an integer, logical or byte type", call,
                                kr_dt_name(a.t.dt));
    }
    if (origin_addr == NULL || compare_addr == NULL || result_addr == NULL) {
        return kr_api_win_error(a.w, MPI_ERR_BUFFER, "%s: %s is NULL", call,
                                origin_addr == NULL    ? "origin_addr"
                                : compare_addr == NULL ? "compare_addr"
                                                       : "result_addr");
    }
    ret = kr_rma_cas(a.w, origin_addr, compare_addr, result_addr, &a.t);
    return ret == 0 ? MPI_SUCCESS : kr_api_win_fail(a.w, call, ret);
}

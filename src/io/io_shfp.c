/* The shared file pointer: a 64-bit counter on rank 0 of a one-sided window, changed only by
 * atomic get-accumulate operations inside an exclusive lock epoch. Nothing outlives the
 * window (no lock files, no helper processes). */
#include "config.h"

#include "io.h"

#include "coll/coll.h"
#include "rma/rma.h"

#include <errno.h>
#include <stdlib.h>

struct kr_io_shfp {
    struct kr_win *win;
};

static const struct kr_dt *shfp_i64(void)
{
    return kr_dt_from_handle(MPI_INT64_T);
}

/* One atomic get-accumulate of `op` with `val` on rank 0's counter; the old value in *old. */
static int shfp_gacc(struct kr_io_shfp *s, MPI_Op op, int64_t val, int64_t *old)
{
    struct kr_rma_buf o = { &val, sizeof(val), { NULL, NULL, 0 } };
    struct kr_rma_buf r = { old, sizeof(*old), { NULL, NULL, 0 } };
    struct kr_rma_tgt t = { 0, 0, sizeof(int64_t), shfp_i64(), 1 };
    int ret, ret2;

    ret = kr_rma_lock(s->win, KR_RMA_LOCK_EXCL, 0);
    if (ret != 0) {
        return ret;
    }
    ret = kr_rma_get_acc(s->win, op == MPI_NO_OP ? NULL : &o, &r, &t, kr_op_from_handle(op));
    ret2 = kr_rma_unlock(s->win, 0); /* completes the operation */
    return ret != 0 ? ret : ret2;
}

int kr_io_shfp_create(struct kr_comm *comm, struct kr_comm_ids *ids, int64_t initial,
                      struct kr_io_shfp **shfp_out)
{
    struct kr_io_shfp *s = calloc(1, sizeof(*s));
    void *mem = NULL;
    int ret;

    if (s == NULL) {
        return -ENOMEM;
    }
    ret = kr_rma_win_create(comm, ids, KR_WIN_ALLOCATE, NULL,
                            comm->rank == 0 ? sizeof(int64_t) : 0, 1, &mem, &s->win);
    if (ret != 0) {
        free(s);
        return ret;
    }
    if (comm->rank == 0) {
        *(int64_t *) mem = initial;
    }
    /* nobody touches the counter before its owner has set it */
    ret = kr_coll_barrier(s->win->comm);
    if (ret != 0) {
        kr_rma_win_free(s->win, ids);
        free(s);
        return ret;
    }
    *shfp_out = s;
    return 0;
}

int kr_io_shfp_fetch_add(struct kr_io_shfp *s, int64_t add, int64_t *old_out)
{
    return shfp_gacc(s, add == 0 ? MPI_NO_OP : MPI_SUM, add, old_out);
}

int kr_io_shfp_set(struct kr_io_shfp *s, int64_t val)
{
    int64_t old;

    return shfp_gacc(s, MPI_REPLACE, val, &old);
}

int kr_io_shfp_free(struct kr_io_shfp *s, struct kr_comm_ids *ids)
{
    int ret = kr_rma_win_free(s->win, ids);

    free(s);
    return ret;
}

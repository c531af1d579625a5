/* One-sided synchronisation: fence, passive target (lock, lock_all, flush*, sync) and PSCW
 * (post, start, complete, wait, test), with the epoch checks that give MPI_ERR_RMA_SYNC. */
#include "config.h"

#include "api.h"

#include "api_comm_int.h"
#include "api_win_int.h"

#include <errno.h>
#include <stdlib.h>

#define RMA_ASSERTS (MPI_MODE_NOCHECK | MPI_MODE_NOSTORE | MPI_MODE_NOPUT | MPI_MODE_NOPRECEDE \
                     | MPI_MODE_NOSUCCEED)

static int sync_win(const char *call, MPI_Win h, int assert, struct kr_win **w_out)
{
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_win(call, h, w_out);
    if (ret == MPI_SUCCESS && (assert & ~RMA_ASSERTS) != 0) {
        ret = kr_api_win_error(*w_out, MPI_ERR_ASSERT, "%s: assert %#x has unknown bits", call,
                               (unsigned) assert);
    }
    return ret;
}

static int sync_done(struct kr_win *w, const char *call, int ret)
{
    return ret == 0 ? MPI_SUCCESS : kr_api_win_fail(w, call, ret);
}

KR_WEAK_ALIAS(Win_fence)
int PMPI_Win_fence(int assert, MPI_Win h)
{
    struct kr_win *w;
    int ret = sync_win("MPI_Win_fence", h, assert, &w);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (w->lock_all || w->nlocks > 0 || w->start_group != NULL || w->post_group != NULL) {
        return kr_api_win_error(w, MPI_ERR_RMA_SYNC,
                                "MPI_Win_fence: a lock or PSCW epoch is open on the window");
    }
    ret = kr_rma_fence(w, (assert & MPI_MODE_NOPRECEDE) != 0);
    w->fence_open = (assert & MPI_MODE_NOSUCCEED) == 0;
    return sync_done(w, "MPI_Win_fence", ret);
}

KR_WEAK_ALIAS(Win_lock)
int PMPI_Win_lock(int lock_type, int rank, int assert, MPI_Win h)
{
    struct kr_win *w;
    int ret = sync_win("MPI_Win_lock", h, assert, &w);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_win_rank("MPI_Win_lock", w, rank, true);
    }
    if (ret != MPI_SUCCESS || rank == MPI_PROC_NULL) {
        return ret;
    }
    if (lock_type != MPI_LOCK_EXCLUSIVE && lock_type != MPI_LOCK_SHARED) {
        return kr_api_win_error(w, MPI_ERR_LOCKTYPE,
                                "MPI_Win_lock: lock_type %d is neither MPI_LOCK_EXCLUSIVE nor "
                                "MPI_LOCK_SHARED", lock_type);
    }
    if (w->lock_all || w->peers[rank].lock_type != 0) {
        return kr_api_win_error(w, MPI_ERR_RMA_SYNC, "MPI_Win_lock: rank %d is already locked",
                                rank);
    }
    ret = kr_rma_lock(w, lock_type == MPI_LOCK_EXCLUSIVE ? KR_RMA_LOCK_EXCL : KR_RMA_LOCK_SHARED,
                      rank);
    if (ret == 0) {
        w->nlocks++;
    }
    return sync_done(w, "MPI_Win_lock", ret);
}

KR_WEAK_ALIAS(Win_unlock)
int PMPI_Win_unlock(int rank, MPI_Win h)
{
    struct kr_win *w;
    int ret = sync_win("MPI_Win_unlock", h, 0, &w);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_win_rank("MPI_Win_unlock", w, rank, true);
    }
    if (ret != MPI_SUCCESS || rank == MPI_PROC_NULL) {
        return ret;
    }
    if (w->lock_all || w->peers[rank].lock_type == 0) {
        return kr_api_win_error(w, MPI_ERR_RMA_SYNC,
                                "MPI_Win_unlock: rank %d is not locked by MPI_Win_lock", rank);
    }
    w->nlocks--;
    return sync_done(w, "MPI_Win_unlock", kr_rma_unlock(w, rank));
}

KR_WEAK_ALIAS(Win_lock_all)
int PMPI_Win_lock_all(int assert, MPI_Win h)
{
    struct kr_win *w;
    int ret = sync_win("MPI_Win_lock_all", h, assert, &w);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (w->lock_all || w->nlocks > 0) {
        return kr_api_win_error(w, MPI_ERR_RMA_SYNC,
                                "MPI_Win_lock_all: the window is already locked");
    }
    ret = kr_rma_lock(w, KR_RMA_LOCK_SHARED, -1);
    w->lock_all = ret == 0;
    return sync_done(w, "MPI_Win_lock_all", ret);
}

KR_WEAK_ALIAS(Win_unlock_all)
int PMPI_Win_unlock_all(MPI_Win h)
{
    struct kr_win *w;
    int ret = sync_win("MPI_Win_unlock_all", h, 0, &w);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (!w->lock_all) {
        return kr_api_win_error(w, MPI_ERR_RMA_SYNC,
                                "MPI_Win_unlock_all: the window is not locked by "
                                "MPI_Win_lock_all");
    }
    w->lock_all = false;
    return sync_done(w, "MPI_Win_unlock_all", kr_rma_unlock(w, -1));
}

/* The flushes need a passive-target epoch towards `rank` (any, for the _all forms). */
static int flush_args(const char *call, MPI_Win h, int rank, bool all, struct kr_win **w_out)
{
    int ret = sync_win(call, h, 0, w_out);
    struct kr_win *w = *w_out;

    if (ret == MPI_SUCCESS && !all) {
        ret = kr_api_check_win_rank(call, w, rank, false);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (!w->lock_all && (all ? w->nlocks == 0 : w->peers[rank].lock_type == 0)) {
        return all ? kr_api_win_error(w, MPI_ERR_RMA_SYNC, "%s: the window is not locked", call)
                   : kr_api_win_error(w, MPI_ERR_RMA_SYNC, "%s: rank %d is not locked", call,
                                      rank);
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Win_flush)
int PMPI_Win_flush(int rank, MPI_Win h)
{
    struct kr_win *w;
    int ret = flush_args("MPI_Win_flush", h, rank, false, &w);

    return ret != MPI_SUCCESS ? ret : sync_done(w, "MPI_Win_flush", kr_rma_flush(w, rank));
}

KR_WEAK_ALIAS(Win_flush_all)
int PMPI_Win_flush_all(MPI_Win h)
{
    struct kr_win *w;
    int ret = flush_args("MPI_Win_flush_all", h, -1, true, &w);

    return ret != MPI_SUCCESS ? ret : sync_done(w, "MPI_Win_flush_all", kr_rma_flush(w, -1));
}

KR_WEAK_ALIAS(Win_flush_local)
int PMPI_Win_flush_local(int rank, MPI_Win h)
{
    struct kr_win *w;
    int ret = flush_args("MPI_Win_flush_local", h, rank, false, &w);

    return ret != MPI_SUCCESS ? ret
                              : sync_done(w, "MPI_Win_flush_local", kr_rma_flush_local(w, rank));
}

KR_WEAK_ALIAS(Win_flush_local_all)
int PMPI_Win_flush_local_all(MPI_Win h)
{
    struct kr_win *w;
    int ret = flush_args("MPI_Win_flush_local_all", h, -1, true, &w);

    return ret != MPI_SUCCESS ? ret
                              : sync_done(w, "MPI_Win_flush_local_all", kr_rma_flush_local(w, -1));
}

KR_WEAK_ALIAS(Win_sync)
int PMPI_Win_sync(MPI_Win h)
{
    struct kr_win *w;
    int ret = sync_win("MPI_Win_sync", h, 0, &w);

    if (ret == MPI_SUCCESS) {
        /* the unified model: only the compiler and the CPU may still hold stores back */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        kr_pt2pt_progress(w->pt);
    }
    return ret;
}

/* The window ranks of group `g`'s members (all must be in the window). */
static int pscw_ranks(const char *call, struct kr_win *w, MPI_Group gh, int **ranks_out, int *n_out)
{
    struct kr_group *g = kr_api_group(gh);
    int *r;

    if (g == NULL) {
        return kr_api_win_error(w, MPI_ERR_GROUP, "%s: %s is not a valid group", call,
                                gh == MPI_GROUP_NULL ? "MPI_GROUP_NULL" : "the group argument");
    }
    r = malloc((size_t) (g->size > 0 ? g->size : 1) * sizeof(*r));
    if (r == NULL) {
        return kr_api_win_fail(w, call, -ENOMEM);
    }
    for (int i = 0; i < g->size; i++) {
        r[i] = -1;
        for (int j = 0; j < w->size; j++) {
            if (kr_comm_member(w->comm, j) == g->ranks[i]) {
                r[i] = j;
                break;
            }
        }
        if (r[i] < 0) {
            free(r);
            return kr_api_win_error(w, MPI_ERR_GROUP,
                                    "%s: member %d of the group is not in the window", call, i);
        }
    }
    *ranks_out = r;
    *n_out = g->size;
    return MPI_SUCCESS;
}

static int pscw(const char *call, MPI_Group gh, int assert, MPI_Win h, bool post)
{
    struct kr_win *w;
    int *ranks = NULL, n = 0;
    int ret = sync_win(call, h, assert, &w);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (post ? w->post_group != NULL : w->start_group != NULL) {
        return kr_api_win_error(w, MPI_ERR_RMA_SYNC, "%s: the previous %s has not ended yet",
                                call, post ? "MPI_Win_post" : "MPI_Win_start");
    }
    ret = pscw_ranks(call, w, gh, &ranks, &n);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = post ? kr_rma_post(w, ranks, n) : kr_rma_start(w, ranks, n);
    free(ranks);
    return sync_done(w, call, ret);
}

KR_WEAK_ALIAS(Win_post)
int PMPI_Win_post(MPI_Group group, int assert, MPI_Win win)
{
    return pscw("MPI_Win_post", group, assert, win, true);
}

KR_WEAK_ALIAS(Win_start)
int PMPI_Win_start(MPI_Group group, int assert, MPI_Win win)
{
    return pscw("MPI_Win_start", group, assert, win, false);
}

KR_WEAK_ALIAS(Win_complete)
int PMPI_Win_complete(MPI_Win h)
{
    struct kr_win *w;
    int ret = sync_win("MPI_Win_complete", h, 0, &w);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (w->start_group == NULL) {
        return kr_api_win_error(w, MPI_ERR_RMA_SYNC,
                                "MPI_Win_complete: no MPI_Win_start epoch is open");
    }
    return sync_done(w, "MPI_Win_complete", kr_rma_complete(w));
}

KR_WEAK_ALIAS(Win_wait)
int PMPI_Win_wait(MPI_Win h)
{
    struct kr_win *w;
    int ret = sync_win("MPI_Win_wait", h, 0, &w);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (w->post_group == NULL) {
        return kr_api_win_error(w, MPI_ERR_RMA_SYNC, "MPI_Win_wait: no MPI_Win_post epoch is open");
    }
    return sync_done(w, "MPI_Win_wait", kr_rma_wait(w));
}

KR_WEAK_ALIAS(Win_test)
int PMPI_Win_test(MPI_Win h, int *flag)
{
    struct kr_win *w;
    bool done = false;
    int ret = sync_win("MPI_Win_test", h, 0, &w);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Win_test", flag, "flag");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (w->post_group == NULL) {
        return kr_api_win_error(w, MPI_ERR_RMA_SYNC, "MPI_Win_test: no MPI_Win_post epoch is open");
    }
    ret = kr_rma_test(w, &done);
    *flag = done;
    return sync_done(w, "MPI_Win_test", ret);
}

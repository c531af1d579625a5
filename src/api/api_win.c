/* Window objects: MPI_Win_create / allocate / allocate_shared / create_dynamic, attach and
 * detach, free, shared_query, and the window's group, name, info and error handler
 * (attributes: api_win_attr.c). The window itself is src/rma's struct kr_win; its address is the handle. */
#include "config.h"

#include "api.h"

#include "api_comm_int.h"
#include "api_win_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(((struct kr_win *) 0)->name) == MPI_MAX_OBJECT_NAME, "window name size");
_Static_assert(KR_WIN_CREATE == MPI_WIN_FLAVOR_CREATE - 310
                   && KR_WIN_SHARED == MPI_WIN_FLAVOR_SHARED - 310,
               "flavors map to MPI_WIN_FLAVOR_* by an offset");

int kr_api_check_win(const char *call, MPI_Win h, struct kr_win **win_out)
{
    *win_out = kr_api_win(h);
    if (*win_out == NULL) {
        return kr_api_error(NULL, MPI_ERR_WIN, "%s: %s is not a valid window", call,
                            h == MPI_WIN_NULL ? "MPI_WIN_NULL" : "the win argument");
    }
    return MPI_SUCCESS;
}

int kr_api_check_win_rank(const char *call, struct kr_win *w, int rank, bool procnull)
{
    if ((rank >= 0 && rank < w->size) || (procnull && rank == MPI_PROC_NULL)) {
        return MPI_SUCCESS;
    }
    return kr_api_win_error(w, MPI_ERR_RANK, "%s: target rank %d is not in 0..%d", call, rank,
                            w->size - 1);
}

/* The checks and the collective creation shared by the four constructors. */
static int win_new(const char *call, enum kr_win_flavor flavor, void *base, MPI_Aint size,
                   MPI_Aint disp_unit, MPI_Info info, MPI_Comm h, void *baseptr, MPI_Win *win)
{
    struct kr_api_info *ki = NULL;
    struct kr_comm *comm;
    struct kr_win *w;
    void *mem = NULL;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_intra(call, h, &comm);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr(call, win, "win");
    }
    if (ret == MPI_SUCCESS && baseptr == NULL
        && (flavor == KR_WIN_ALLOCATE || flavor == KR_WIN_SHARED)) {
        ret = kr_api_check_ptr(call, baseptr, "baseptr");
    }
    if (ret == MPI_SUCCESS && size < 0) {
        ret = kr_api_error(comm, MPI_ERR_SIZE, "%s: size %lld is negative", call,
                           (long long) size);
    }
    if (ret == MPI_SUCCESS && disp_unit <= 0) {
        ret = kr_api_error(comm, MPI_ERR_DISP, "%s: disp_unit %lld is not positive", call,
                           (long long) disp_unit);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_info(call, comm, info, true, &ki);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_rma_win_create(comm, &kr_api.ids, flavor, base, (size_t) size, disp_unit, &mem, &w);
    if (ret == -ENOTSUP) {
        return kr_api_error(comm, MPI_ERR_RMA_SHARED,
                            "%s: the processes of the communicator are on more than one host, "
                            "so they cannot share memory", call);
    }
    if (ret != 0) {
        return kr_api_fail(comm, call, ret);
    }
    if (ki != NULL && kr_api_info_dup(ki, (struct kr_api_info **) &w->info) != 0) {
        w->info = NULL; /* hints are advice: losing them is no error */
    }
    w->errh = MPI_ERRORS_ARE_FATAL;
    w->attr_size = flavor == KR_WIN_DYNAMIC ? 0 : (int64_t) size;
    w->attr_disp_unit = (int) disp_unit;
    w->attr_flavor = (int) flavor + 310;
    if (flavor == KR_WIN_ALLOCATE || flavor == KR_WIN_SHARED) {
        *(void **) baseptr = mem;
    }
    *win = (MPI_Win) (void *) w;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Win_create)
int PMPI_Win_create(void *base, MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm,
                    MPI_Win *win)
{
    return win_new("MPI_Win_create", KR_WIN_CREATE, base, size, disp_unit, info, comm, NULL, win);
}

KR_WEAK_ALIAS(Win_create_c)
int PMPI_Win_create_c(void *base, MPI_Aint size, MPI_Aint disp_unit, MPI_Info info,
                      MPI_Comm comm, MPI_Win *win)
{
    return win_new("MPI_Win_create_c", KR_WIN_CREATE, base, size, disp_unit, info, comm, NULL,
                   win);
}

KR_WEAK_ALIAS(Win_allocate)
int PMPI_Win_allocate(MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm, void *baseptr,
                      MPI_Win *win)
{
    return win_new("MPI_Win_allocate", KR_WIN_ALLOCATE, NULL, size, disp_unit, info, comm,
                   baseptr, win);
}

KR_WEAK_ALIAS(Win_allocate_c)
int PMPI_Win_allocate_c(MPI_Aint size, MPI_Aint disp_unit, MPI_Info info, MPI_Comm comm,
                        void *baseptr, MPI_Win *win)
{
    return win_new("MPI_Win_allocate_c", KR_WIN_ALLOCATE, NULL, size, disp_unit, info, comm,
                   baseptr, win);
}

KR_WEAK_ALIAS(Win_allocate_shared)
int PMPI_Win_allocate_shared(MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm,
                             void *baseptr, MPI_Win *win)
{
    return win_new("MPI_Win_allocate_shared", KR_WIN_SHARED, NULL, size, disp_unit, info, comm,
                   baseptr, win);
}

KR_WEAK_ALIAS(Win_allocate_shared_c)
int PMPI_Win_allocate_shared_c(MPI_Aint size, MPI_Aint disp_unit, MPI_Info info, MPI_Comm comm,
                               void *baseptr, MPI_Win *win)
{
    return win_new("MPI_Win_allocate_shared_c", KR_WIN_SHARED, NULL, size, disp_unit, info,
                   comm, baseptr, win);
}

KR_WEAK_ALIAS(Win_create_dynamic)
int PMPI_Win_create_dynamic(MPI_Info info, MPI_Comm comm, MPI_Win *win)
{
    return win_new("MPI_Win_create_dynamic", KR_WIN_DYNAMIC, NULL, 0, 1, info, comm, NULL, win);
}

KR_WEAK_ALIAS(Win_attach)
int PMPI_Win_attach(MPI_Win h, void *base, MPI_Aint size)
{
    struct kr_win *w;
    int ret;

    kr_api_check_running("MPI_Win_attach");
    ret = kr_api_check_win("MPI_Win_attach", h, &w);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (w->flavor != KR_WIN_DYNAMIC) {
        return kr_api_win_error(w, MPI_ERR_RMA_FLAVOR,
                                "MPI_Win_attach: the window was not made by "
                                "MPI_Win_create_dynamic");
    }
    if (size < 0) {
        return kr_api_win_error(w, MPI_ERR_SIZE, "MPI_Win_attach: size %lld is negative",
                                (long long) size);
    }
    if (base == NULL && size > 0) {
        return kr_api_win_error(w, MPI_ERR_BASE, "MPI_Win_attach: base is NULL");
    }
    ret = kr_rma_attach(w, base, (size_t) size);
    if (ret == -EEXIST) {
        return kr_api_win_error(w, MPI_ERR_RMA_ATTACH,
                                "MPI_Win_attach: memory at %p overlaps memory already attached",
                                base);
    }
    return ret == 0 ? MPI_SUCCESS : kr_api_win_fail(w, "MPI_Win_attach", ret);
}

KR_WEAK_ALIAS(Win_detach)
int PMPI_Win_detach(MPI_Win h, const void *base)
{
    struct kr_win *w;
    int ret;

    kr_api_check_running("MPI_Win_detach");
    ret = kr_api_check_win("MPI_Win_detach", h, &w);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (w->flavor != KR_WIN_DYNAMIC) {
        return kr_api_win_error(w, MPI_ERR_RMA_FLAVOR,
                                "MPI_Win_detach: the window was not made by "
                                "MPI_Win_create_dynamic");
    }
    if (kr_rma_detach(w, base) != 0) {
        return kr_api_win_error(w, MPI_ERR_RMA_ATTACH,
                                "MPI_Win_detach: no memory attached at %p", base);
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Win_free)
int PMPI_Win_free(MPI_Win *h)
{
    struct kr_win *w;
    int ret;

    kr_api_check_running("MPI_Win_free");
    ret = kr_api_check_ptr("MPI_Win_free", h, "win");
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_win("MPI_Win_free", *h, &w);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (w->lock_all || w->nlocks > 0 || w->start_group != NULL || w->post_group != NULL) {
        return kr_api_win_error(w, MPI_ERR_RMA_SYNC,
                                "MPI_Win_free: an epoch is still open (%s)",
                                w->lock_all || w->nlocks > 0 ? "a lock is held"
                                : w->start_group != NULL     ? "MPI_Win_start without complete"
                                                             : "MPI_Win_post without wait");
    }
    /* delete callbacks first: one that fails leaves the window as it was */
    ret = kr_api_win_attrs_delete(w, "MPI_Win_free");
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    kr_api_handle_forget(KR_API_H_WIN, w);
    kr_api_errh_release(w->errh);
    kr_api_info_free(w->info);
    w->info = NULL;
    ret = kr_rma_win_free(w, &kr_api.ids);
    *h = MPI_WIN_NULL;
    return ret == 0 ? MPI_SUCCESS : kr_api_fail(NULL, "MPI_Win_free", ret);
}

static int win_shared_query(const char *call, MPI_Win h, int rank, MPI_Aint *size,
                            MPI_Aint *disp_unit, void *baseptr)
{
    struct kr_win *w;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_win(call, h, &w);
    if (ret == MPI_SUCCESS && (size == NULL || disp_unit == NULL || baseptr == NULL)) {
        ret = kr_api_win_error(w, MPI_ERR_ARG, "%s: %s is NULL", call,
                               size == NULL ? "size" : disp_unit == NULL ? "disp_unit" : "baseptr");
    }
    if (ret == MPI_SUCCESS && w->flavor != KR_WIN_SHARED) {
        ret = kr_api_win_error(w, MPI_ERR_RMA_FLAVOR,
                               "%s: the window was not made by MPI_Win_allocate_shared", call);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_win_rank(call, w, rank, true);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (rank == MPI_PROC_NULL) {
        /* the first member with memory */
        for (rank = 0; rank < w->size - 1 && w->peers[rank].size == 0; rank++) {
        }
    }
    *size = (MPI_Aint) w->peers[rank].size;
    *disp_unit = (MPI_Aint) w->peers[rank].disp_unit;
    *(void **) baseptr = w->peers[rank].shm;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Win_shared_query)
int PMPI_Win_shared_query(MPI_Win win, int rank, MPI_Aint *size, int *disp_unit, void *baseptr)
{
    MPI_Aint du = 0;
    int ret;

    ret = win_shared_query("MPI_Win_shared_query", win, rank, size, disp_unit != NULL ? &du : NULL,
                           baseptr);
    if (ret == MPI_SUCCESS) {
        *disp_unit = (int) du;
    }
    return ret;
}

KR_WEAK_ALIAS(Win_shared_query_c)
int PMPI_Win_shared_query_c(MPI_Win win, int rank, MPI_Aint *size, MPI_Aint *disp_unit,
                            void *baseptr)
{
    return win_shared_query("MPI_Win_shared_query_c", win, rank, size, disp_unit, baseptr);
}

KR_WEAK_ALIAS(Win_get_group)
int PMPI_Win_get_group(MPI_Win h, MPI_Group *group)
{
    struct kr_win *w;
    int ret;

    kr_api_check_running("MPI_Win_get_group");
    ret = kr_api_check_win("MPI_Win_get_group", h, &w);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Win_get_group", group, "group");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    return kr_api_group_of("MPI_Win_get_group", NULL, w->comm->ranks, w->size, group);
}

KR_WEAK_ALIAS(Win_set_name)
int PMPI_Win_set_name(MPI_Win h, const char *name)
{
    struct kr_win *w;
    int ret;

    kr_api_check_running("MPI_Win_set_name");
    ret = kr_api_check_win("MPI_Win_set_name", h, &w);
    if (ret == MPI_SUCCESS && name == NULL) {
        ret = kr_api_win_error(w, MPI_ERR_ARG, "MPI_Win_set_name: win_name is NULL");
    }
    if (ret == MPI_SUCCESS) {
        snprintf(w->name, sizeof(w->name), "%s", name);
    }
    return ret;
}

KR_WEAK_ALIAS(Win_get_name)
int PMPI_Win_get_name(MPI_Win h, char *name, int *resultlen)
{
    struct kr_win *w;
    int ret;

    kr_api_check_running("MPI_Win_get_name");
    ret = kr_api_check_win("MPI_Win_get_name", h, &w);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (name == NULL || resultlen == NULL) {
        return kr_api_win_error(w, MPI_ERR_ARG, "MPI_Win_get_name: %s is NULL",
                                name == NULL ? "win_name" : "resultlen");
    }
    snprintf(name, MPI_MAX_OBJECT_NAME, "%s", w->name);
    *resultlen = (int) strlen(name);
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Win_set_info)
int PMPI_Win_set_info(MPI_Win h, MPI_Info info)
{
    struct kr_api_info *ki, *copy;
    struct kr_win *w;
    int ret;

    kr_api_check_running("MPI_Win_set_info");
    ret = kr_api_check_win("MPI_Win_set_info", h, &w);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_info("MPI_Win_set_info", NULL, info, false, &ki);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (kr_api_info_dup(ki, &copy) != 0) {
        return kr_api_win_fail(w, "MPI_Win_set_info", -ENOMEM);
    }
    kr_api_info_free(w->info);
    w->info = copy;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Win_get_info)
int PMPI_Win_get_info(MPI_Win h, MPI_Info *info_used)
{
    struct kr_api_info *copy;
    struct kr_win *w;
    int ret;

    kr_api_check_running("MPI_Win_get_info");
    ret = kr_api_check_win("MPI_Win_get_info", h, &w);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Win_get_info", info_used, "info_used");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (kr_api_info_dup(w->info, &copy) != 0) {
        return kr_api_win_fail(w, "MPI_Win_get_info", -ENOMEM);
    }
    *info_used = (MPI_Info) (void *) copy;
    return MPI_SUCCESS;
}

/* ---- error handlers ------------------------------------------------------------------------ */

KR_WEAK_ALIAS(Win_create_errhandler)
int PMPI_Win_create_errhandler(MPI_Win_errhandler_function *fn, MPI_Errhandler *errhandler)
{
    kr_api_check_running("MPI_Win_create_errhandler");
    return kr_api_errh_create("MPI_Win_create_errhandler", KR_ERRH_WIN,
                              (union kr_errh_fn) { .win = fn }, "win_errhandler_fn", errhandler);
}

KR_WEAK_ALIAS(Win_set_errhandler)
int PMPI_Win_set_errhandler(MPI_Win h, MPI_Errhandler errhandler)
{
    struct kr_errh *eh = kr_api_errh(errhandler);
    struct kr_win *w;
    int ret;

    kr_api_check_running("MPI_Win_set_errhandler");
    ret = kr_api_check_win("MPI_Win_set_errhandler", h, &w);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (eh == NULL && errhandler != MPI_ERRORS_ARE_FATAL && errhandler != MPI_ERRORS_RETURN
        && errhandler != MPI_ERRORS_ABORT) {
        return kr_api_win_error(w, MPI_ERR_ERRHANDLER,
                                "MPI_Win_set_errhandler: %s is not a valid error handler",
                                errhandler == MPI_ERRHANDLER_NULL ? "MPI_ERRHANDLER_NULL"
                                                                  : "the errhandler argument");
    }
    if (eh != NULL && eh->kind != KR_ERRH_WIN) {
        return kr_api_win_error(w, MPI_ERR_ERRHANDLER,
                                "MPI_Win_set_errhandler: the handler was not made by "
                                "MPI_Win_create_errhandler");
    }
    kr_api_errh_retain(errhandler);
    kr_api_errh_release(w->errh);
    w->errh = (void *) errhandler;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Win_get_errhandler)
int PMPI_Win_get_errhandler(MPI_Win h, MPI_Errhandler *errhandler)
{
    struct kr_win *w;
    int ret;

    kr_api_check_running("MPI_Win_get_errhandler");
    ret = kr_api_check_win("MPI_Win_get_errhandler", h, &w);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr("MPI_Win_get_errhandler", errhandler, "errhandler");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    kr_api_errh_retain(w->errh);
    *errhandler = (MPI_Errhandler) w->errh;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Win_call_errhandler)
int PMPI_Win_call_errhandler(MPI_Win h, int errorcode)
{
    struct kr_win *w;
    char msg[128];
    int ret;

    kr_api_check_running("MPI_Win_call_errhandler");
    ret = kr_api_check_win("MPI_Win_call_errhandler", h, &w);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (kr_api_err_class(errorcode) < 0) {
        return kr_api_win_error(w, MPI_ERR_ARG,
                                "MPI_Win_call_errhandler: %d is not an error code", errorcode);
    }
    if (w->errh != MPI_ERRORS_RETURN) {
        snprintf(msg, sizeof(msg), "MPI_Win_call_errhandler: the program raised error code %d",
                 errorcode);
        kr_api_errh_invoke(w->errh, KR_ERRH_WIN, w, errorcode, msg);
    }
    return MPI_SUCCESS;
}

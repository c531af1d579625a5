/* Private to the API's one-sided code (api_win.c, api_rma.c, api_rma_sync.c): window handles
 * and the checks every RMA call shares. */
#ifndef KR_API_WIN_INT_H
#define KR_API_WIN_INT_H

#include "api.h"

#include "rma/rma.h"

/* The window behind `h`; NULL for MPI_WIN_NULL or anything that is not a live window. */
static inline struct kr_win *kr_api_win(MPI_Win h)
{
    struct kr_win *w = (struct kr_win *) (void *) h;

    if ((uintptr_t) h < KR_HANDLE_USER_MIN || w->magic != KR_WIN_MAGIC) {
        return NULL;
    }
    return w;
}

/* A live window (MPI_ERR_WIN otherwise, reported on MPI_COMM_WORLD: there is no window). */
int kr_api_check_win(const char *call, MPI_Win h, struct kr_win **win_out);

/* A window rank for a target (MPI_PROC_NULL allowed when `procnull`): MPI_ERR_RANK. */
int kr_api_check_win_rank(const char *call, struct kr_win *w, int rank, bool procnull);

/* MPI_Win_free, before anything else (api_win_attr.c): run the delete callback of every
 * attribute, newest first. MPI_SUCCESS, or a callback's error as `call` reports it (the
 * attributes from the failed one on stay). */
int kr_api_win_attrs_delete(struct kr_win *w, const char *call);

#endif /* KR_API_WIN_INT_H */

/* Private to the API's MPI-IO code (api_file*.c): what an MPI_File is, its checks and its
 * error path. The engine underneath is src/io. */
#ifndef KR_API_FILE_INT_H
#define KR_API_FILE_INT_H

#include "api.h"

#include "api_comm_int.h"
#include "io/io.h"

#include <stdbool.h>
#include <stdint.h>

#define KR_FILE_MAGIC 0x6b72466cu /* "krFl": a live file */

/* A split collective in progress (MPI_File_*_begin): its result, waiting for the _end. */
struct kr_api_split {
    bool active;
    const char *end;  /* the _end call that must come next */
    const void *buf;
    MPI_Status status;
    int ret;
};

/* An open file; the user's MPI_File is its address. */
struct kr_api_file {
    uint32_t magic;
    int fd;
    int amode;
    bool atomic;
    struct kr_comm *comm;       /* a duplicate of the user's: the file's collectives */
    struct kr_io_shfp *shfp;    /* shared file pointer, in etypes of the view */
    char *path;                 /* as opened, for MPI_MODE_DELETE_ON_CLOSE */
    struct kr_io_view view;
    struct kr_dt *etype, *ftype; /* the view's types, one reference each */
    int64_t fp;                 /* individual file pointer, in etypes */
    void *errh;                 /* MPI_ERRORS_RETURN unless the program set one */
    struct kr_api_info *info;   /* hints given so far (they change nothing) */
    struct kr_api_split split;
};

/* The file behind `h`; NULL for MPI_FILE_NULL or anything that is not a live file. */
static inline struct kr_api_file *kr_api_file(MPI_File h)
{
    struct kr_api_file *f = (struct kr_api_file *) (void *) h;

    if ((uintptr_t) h < KR_HANDLE_USER_MIN || f->magic != KR_FILE_MAGIC) {
        return NULL;
    }
    return f;
}

/* Errors on a file (api_file_err.c): run the file's handler, or MPI_FILE_NULL's when `f` is
 * NULL (MPI_File_open, MPI_File_delete, invalid handles). The message names the call; the
 * rank and host are added as for every error. */
int kr_api_file_error(struct kr_api_file *f, int cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A failed internal or system call: -errno mapped to its I/O class (ENOENT ->
 * MPI_ERR_NO_SUCH_FILE, EACCES -> MPI_ERR_ACCESS, ...). `what` says what failed. */
int kr_api_file_fail(struct kr_api_file *f, const char *call, const char *what, int ret);
int kr_api_file_errno_class(int err);

/* MPI_FILE_NULL's error handler: the one a new file starts with. */
void *kr_api_file_default_errh(void);

/* A live file (MPI_ERR_FILE, on MPI_FILE_NULL's handler, otherwise). */
int kr_api_check_file(const char *call, MPI_File h, struct kr_api_file **f_out);

/* The file's collective error agreement: every rank passes its own MPI_SUCCESS or class and
 * gets the largest; a rank whose own call failed keeps its class. Returns the class this rank
 * must report (or MPI_SUCCESS); *any_out tells whether some rank failed. */
int kr_api_file_agree(struct kr_comm *comm, int cls, bool *any_out);

/* The etype size of the file's view. */
static inline size_t kr_api_file_esize(const struct kr_api_file *f)
{
    return f->etype->size;
}

/* Where MPI_File_seek / seek_shared with `offset` and `whence` lead from etype position `cur`
 * (api_file_view.c): MPI_SUCCESS and *pos_out, or the error, reported. */
int kr_api_file_seek_target(const char *call, struct kr_api_file *f, int64_t cur,
                            MPI_Offset offset, int whence, int64_t *pos_out);

/* ---- data access (api_file_rw.c) --------------------------------------------------------- */

/* Which file position a data access uses. */
enum kr_api_file_where {
    KR_FILE_AT_INDIV = 0, /* the individual file pointer, advanced */
    KR_FILE_AT_OFFSET,    /* an explicit offset (the _at calls) */
    KR_FILE_AT_SHARED,    /* the shared file pointer, advanced atomically */
    KR_FILE_AT_ORDERED,   /* the shared file pointer, collectively in rank order */
};

/* One read or write of `count` elements of `type` at `buf` (checks, position, movement,
 * status). Completes before it returns; *bytes_out (may be NULL) gets the bytes moved. */
int kr_api_file_access(const char *call, MPI_File fh, bool write,
                       enum kr_api_file_where where, MPI_Offset offset, const void *buf,
                       MPI_Count count, MPI_Datatype type, MPI_Status *status,
                       size_t *bytes_out);

/* ---- shared file pointer (api_file_shared.c) ---------------------------------------------- */

/* The etype position of a shared-pointer access of `etypes`, the pointer moved past it. */
int kr_api_file_shared_pos(const char *call, struct kr_api_file *f, int64_t etypes,
                           int64_t *pos_out);

/* Collective: the position of this rank's ordered access of `etypes` (rank order, from the
 * shared pointer, which moves past them all). `cls` and `msg` are this rank's own check: if
 * any rank's failed, every rank returns an error (this rank's own, reported, or the first
 * failing rank's). */
int kr_api_file_ordered_pos(const char *call, struct kr_api_file *f, int cls, const char *msg,
                            int64_t etypes, int64_t *pos_out);

#endif /* KR_API_FILE_INT_H */

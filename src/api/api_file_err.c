/* MPI-IO errors: the file error path (a file's handler, MPI_FILE_NULL's for calls without a
 * file), errno to I/O error classes, handle checks, collective agreement on a result, and
 * MPI_File_{create,set,get,call}_errhandler. Files default to MPI_ERRORS_RETURN, as the
 * standard says, and new files take the handler MPI_FILE_NULL has then. */
#include "config.h"

#include "api_file_int.h"

#include "coll/coll.h"
#include "util/errors.h"
#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* MPI_FILE_NULL's handler: what MPI_File_open gives new files and where errors without a
 * file go. */
static void *file_null_errh = MPI_ERRORS_RETURN;

void *kr_api_file_default_errh(void)
{
    return file_null_errh;
}

int kr_api_file_error(struct kr_api_file *f, int cls, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cls = kr_api_obj_verror((MPI_Errhandler) (f != NULL ? f->errh : file_null_errh),
                            KR_ERRH_FILE, f != NULL ? (void *) f : MPI_FILE_NULL, cls, fmt, ap);
    va_end(ap);
    return cls;
}

int kr_api_file_errno_class(int err)
{
    switch (err) {
    case 0: return MPI_SUCCESS;
    case ENOENT:
    case ENOTDIR:
    case ENAMETOOLONG: return MPI_ERR_NO_SUCH_FILE;
    case EACCES:
    case EPERM: return MPI_ERR_ACCESS;
    case EEXIST: return MPI_ERR_FILE_EXISTS;
    case ENOSPC: return MPI_ERR_NO_SPACE;
    case EDQUOT: return MPI_ERR_QUOTA;
    case EROFS: return MPI_ERR_READ_ONLY;
    case ETXTBSY:
    case EBUSY: return MPI_ERR_FILE_IN_USE;
    case ENOMEM: return MPI_ERR_NO_MEM;
    case EISDIR:
    case EBADF: return MPI_ERR_BAD_FILE;
    default: return MPI_ERR_IO;
    }
}

int kr_api_file_fail(struct kr_api_file *f, const char *call, const char *what, int ret)
{
    return kr_api_file_error(f, kr_api_file_errno_class(-ret), "%s: %s: %s", call, what,
                             -ret < KR_ERR_BASE ? strerror(-ret) : "internal error");
}

int kr_api_check_file(const char *call, MPI_File h, struct kr_api_file **f_out)
{
    *f_out = kr_api_file(h);
    if (*f_out == NULL) {
        return kr_api_file_error(NULL, MPI_ERR_FILE, "%s: %s is not an open file", call,
                                 h == MPI_FILE_NULL ? "MPI_FILE_NULL" : "the fh argument");
    }
    return MPI_SUCCESS;
}

int kr_api_file_agree(struct kr_comm *comm, int cls, bool *any_out)
{
    int in = cls, out = MPI_SUCCESS, ret;

    ret = kr_coll_allreduce(comm, &in, &out, 1, kr_dt_from_handle(MPI_INT),
                            kr_op_from_handle(MPI_MAX));
    if (ret != 0) {
        *any_out = true;
        return cls != MPI_SUCCESS ? cls : kr_api_errclass(ret);
    }
    *any_out = out != MPI_SUCCESS;
    return cls != MPI_SUCCESS ? cls : out;
}

/* ---- error handlers ------------------------------------------------------------------------ */

KR_WEAK_ALIAS(File_create_errhandler)
int PMPI_File_create_errhandler(MPI_File_errhandler_function *fn, MPI_Errhandler *errhandler)
{
    kr_api_check_running("MPI_File_create_errhandler");
    return kr_api_errh_create("MPI_File_create_errhandler", KR_ERRH_FILE,
                              (union kr_errh_fn) { .file = fn }, "file_errhandler_fn",
                              errhandler);
}

/* The handler slot of `h`: a file's, or MPI_FILE_NULL's. */
static int file_errh_slot(const char *call, MPI_File h, struct kr_api_file **f_out,
                          void ***slot_out)
{
    int ret;

    *f_out = NULL;
    if (h == MPI_FILE_NULL) {
        *slot_out = &file_null_errh;
        return MPI_SUCCESS;
    }
    ret = kr_api_check_file(call, h, f_out);
    if (ret == MPI_SUCCESS) {
        *slot_out = &(*f_out)->errh;
    }
    return ret;
}

KR_WEAK_ALIAS(File_set_errhandler)
int PMPI_File_set_errhandler(MPI_File h, MPI_Errhandler errhandler)
{
    struct kr_errh *eh = kr_api_errh(errhandler);
    struct kr_api_file *f;
    void **slot;
    int ret;

    kr_api_check_running("MPI_File_set_errhandler");
    ret = file_errh_slot("MPI_File_set_errhandler", h, &f, &slot);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (eh == NULL && errhandler != MPI_ERRORS_ARE_FATAL && errhandler != MPI_ERRORS_RETURN
        && errhandler != MPI_ERRORS_ABORT) {
        return kr_api_file_error(f, MPI_ERR_ERRHANDLER,
                                 "MPI_File_set_errhandler: %s is not a valid error handler",
                                 errhandler == MPI_ERRHANDLER_NULL ? "MPI_ERRHANDLER_NULL"
                                                                   : "the errhandler argument");
    }
    if (eh != NULL && eh->kind != KR_ERRH_FILE) {
        return kr_api_file_error(f, MPI_ERR_ERRHANDLER,
                                 "MPI_File_set_errhandler: the handler was not made by "
                                 "MPI_File_create_errhandler");
    }
    kr_api_errh_retain(errhandler);
    kr_api_errh_release(*slot);
    *slot = (void *) errhandler;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(File_get_errhandler)
int PMPI_File_get_errhandler(MPI_File h, MPI_Errhandler *errhandler)
{
    struct kr_api_file *f;
    void **slot;
    int ret;

    kr_api_check_running("MPI_File_get_errhandler");
    ret = file_errh_slot("MPI_File_get_errhandler", h, &f, &slot);
    if (ret == MPI_SUCCESS && errhandler == NULL) {
        ret = kr_api_file_error(f, MPI_ERR_ARG, "MPI_File_get_errhandler: errhandler is NULL");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    kr_api_errh_retain(*slot);
    *errhandler = (MPI_Errhandler) *slot;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(File_call_errhandler)
int PMPI_File_call_errhandler(MPI_File h, int errorcode)
{
    struct kr_api_file *f;
    void **slot;
    char msg[128];
    int ret;

    kr_api_check_running("MPI_File_call_errhandler");
    ret = file_errh_slot("MPI_File_call_errhandler", h, &f, &slot);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (kr_api_err_class(errorcode) < 0) {
        return kr_api_file_error(f, MPI_ERR_ARG,
                                 "MPI_File_call_errhandler: %d is not an error code", errorcode);
    }
    if (*slot != MPI_ERRORS_RETURN) {
        snprintf(msg, sizeof(msg), "MPI_File_call_errhandler: error code %d", errorcode);
        kr_api_errh_invoke((MPI_Errhandler) *slot, KR_ERRH_FILE,
                           f != NULL ? (void *) f : MPI_FILE_NULL, errorcode, msg);
    }
    return MPI_SUCCESS;
}

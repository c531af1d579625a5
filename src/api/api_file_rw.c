/* MPI-IO data access: the checks and positioning every read and write shares
 * (kr_api_file_access), and the blocking bindings. Collective forms (_all) move the same
 * data as the independent ones: each process's accesses touch only its own view, so no
 * exchange is needed for correctness, and every call completes before it returns. */
#include "config.h"

#include "api_file_int.h"

#include <stdio.h>

/* The checks of one access; the reason in msg. */
static int file_access_args(const char *call, struct kr_api_file *f, bool write,
                            enum kr_api_file_where where, MPI_Offset offset, const void *buf,
                            MPI_Count count, MPI_Datatype type, struct kr_dt **dt_out,
                            char *msg, size_t len)
{
    struct kr_dt *dt = kr_dt_from_handle(type);
    size_t bytes;

    *dt_out = dt;
    if (write && (f->amode & MPI_MODE_RDONLY) != 0) {
        snprintf(msg, len, "%s: the file was opened with MPI_MODE_RDONLY", call);
        return MPI_ERR_READ_ONLY;
    }
    if (!write && (f->amode & MPI_MODE_WRONLY) != 0) {
        snprintf(msg, len, "%s: the file was opened with MPI_MODE_WRONLY", call);
        return MPI_ERR_ACCESS;
    }
    if ((f->amode & MPI_MODE_SEQUENTIAL) != 0
        && (where == KR_FILE_AT_INDIV || where == KR_FILE_AT_OFFSET)) {
        snprintf(msg, len, "%s: the file was opened with MPI_MODE_SEQUENTIAL: only the shared "
                 "file pointer may be used", call);
        return MPI_ERR_UNSUPPORTED_OPERATION;
    }
    if (count < 0) {
        snprintf(msg, len, "%s: count %lld is negative", call, (long long) count);
        return MPI_ERR_COUNT;
    }
    if (dt == NULL || (dt->flags & KR_DT_F_COMMITTED) == 0) {
        snprintf(msg, len, "%s: datatype is %s", call,
                 type == MPI_DATATYPE_NULL ? "MPI_DATATYPE_NULL"
                 : dt == NULL              ? "not a valid datatype"
                                           : "not committed");
        return MPI_ERR_TYPE;
    }
    bytes = kr_dt_packed_size(dt, (size_t) count);
    if (buf == NULL && bytes > 0) {
        snprintf(msg, len, "%s: buf is NULL", call);
        return MPI_ERR_BUFFER;
    }
    if (bytes % kr_api_file_esize(f) != 0) {
        snprintf(msg, len, "%s: %zu bytes of data are not a whole number of etypes (%zu "
                 "bytes each)", call, bytes, kr_api_file_esize(f));
        return MPI_ERR_TYPE;
    }
    if (where == KR_FILE_AT_OFFSET && offset < 0) {
        snprintf(msg, len, "%s: offset %lld is negative", call, (long long) offset);
        return MPI_ERR_ARG;
    }
    return MPI_SUCCESS;
}

int kr_api_file_access(const char *call, MPI_File fh, bool write,
                       enum kr_api_file_where where, MPI_Offset offset, const void *buf,
                       MPI_Count count, MPI_Datatype type, MPI_Status *status,
                       size_t *bytes_out)
{
    struct kr_status ks = { .source = MPI_PROC_NULL, .tag = MPI_ANY_TAG };
    struct kr_api_file *f;
    struct kr_dt *dt;
    char msg[512] = "";
    int64_t pos = offset, etypes;
    size_t es;
    ssize_t r;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_file(call, fh, &f);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = file_access_args(call, f, write, where, offset, buf, count, type, &dt, msg,
                           sizeof(msg));
    es = kr_api_file_esize(f);
    etypes = ret == MPI_SUCCESS ? (int64_t) (kr_dt_packed_size(dt, (size_t) count) / es) : 0;
    if (where == KR_FILE_AT_ORDERED) {
        ret = kr_api_file_ordered_pos(call, f, ret, msg, etypes, &pos);
    } else if (ret != MPI_SUCCESS) {
        return kr_api_file_error(f, ret, "%s", msg);
    } else if (where == KR_FILE_AT_SHARED) {
        ret = kr_api_file_shared_pos(call, f, etypes, &pos);
    } else if (where == KR_FILE_AT_INDIV) {
        pos = f->fp;
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    r = write ? kr_io_write(f->fd, &f->view, (uint64_t) pos * es, dt, (size_t) count, buf,
                            f->atomic)
              : kr_io_read(f->fd, &f->view, (uint64_t) pos * es, dt, (size_t) count,
                           (void *) (uintptr_t) buf, f->atomic);
    if (r < 0) {
        return kr_api_file_fail(f, call, f->path, (int) r);
    }
    if (where == KR_FILE_AT_INDIV) {
        f->fp += (int64_t) ((size_t) r / es);
    }
    ks.count = (size_t) r;
    kr_api_status_set(status, &ks);
    if (bytes_out != NULL) {
        *bytes_out = (size_t) r;
    }
    return MPI_SUCCESS;
}

/* The blocking bindings, each with its _c twin: `q` qualifies the buffer (const for writes). */
#define FILE_RW(name, where, write, q)                                                            \
    KR_WEAK_ALIAS(File_##name)                                                                    \
    int PMPI_File_##name(MPI_File fh, q void *buf, int count, MPI_Datatype datatype,             \
                         MPI_Status *status)                                                      \
    {                                                                                             \
        return kr_api_file_access("MPI_File_" #name, fh, write, where, 0, buf, count, datatype,  \
                                  status, NULL);                                                  \
    }                                                                                             \
    KR_WEAK_ALIAS(File_##name##_c)                                                                \
    int PMPI_File_##name##_c(MPI_File fh, q void *buf, MPI_Count count, MPI_Datatype datatype,   \
                             MPI_Status *status)                                                  \
    {                                                                                             \
        return kr_api_file_access("MPI_File_" #name "_c", fh, write, where, 0, buf, count,       \
                                  datatype, status, NULL);                                        \
    }

#define FILE_RW_AT(name, write, q)                                                                \
    KR_WEAK_ALIAS(File_##name)                                                                    \
    int PMPI_File_##name(MPI_File fh, MPI_Offset offset, q void *buf, int count,                 \
                         MPI_Datatype datatype, MPI_Status *status)                               \
    {                                                                                             \
        return kr_api_file_access("MPI_File_" #name, fh, write, KR_FILE_AT_OFFSET, offset, buf,  \
                                  count, datatype, status, NULL);                                 \
    }                                                                                             \
    KR_WEAK_ALIAS(File_##name##_c)                                                                \
    int PMPI_File_##name##_c(MPI_File fh, MPI_Offset offset, q void *buf, MPI_Count count,       \
                             MPI_Datatype datatype, MPI_Status *status)                           \
    {                                                                                             \
        return kr_api_file_access("MPI_File_" #name "_c", fh, write, KR_FILE_AT_OFFSET, offset,  \
                                  buf, count, datatype, status, NULL);                            \
    }

#define FILE_NOQ

FILE_RW(read, KR_FILE_AT_INDIV, false, FILE_NOQ)
FILE_RW(write, KR_FILE_AT_INDIV, true, const)
FILE_RW(read_all, KR_FILE_AT_INDIV, false, FILE_NOQ)
FILE_RW(write_all, KR_FILE_AT_INDIV, true, const)
FILE_RW(read_shared, KR_FILE_AT_SHARED, false, FILE_NOQ)
FILE_RW(write_shared, KR_FILE_AT_SHARED, true, const)
FILE_RW(read_ordered, KR_FILE_AT_ORDERED, false, FILE_NOQ)
FILE_RW(write_ordered, KR_FILE_AT_ORDERED, true, const)
FILE_RW_AT(read_at, false, FILE_NOQ)
FILE_RW_AT(write_at, true, const)
FILE_RW_AT(read_at_all, false, FILE_NOQ)
FILE_RW_AT(write_at_all, true, const)

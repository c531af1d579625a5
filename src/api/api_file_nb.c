/* MPI-IO nonblocking accesses (MPI_File_i*) and split collectives (_begin / _end). Both do
 * the access at once: a nonblocking call hands back a request that is already complete with
 * its status, and a _begin keeps its status on the file for the matching _end. */
#include "config.h"

#include "api_file_int.h"

#include "api_req_int.h"

#include <errno.h>
#include <string.h>

static int file_iaccess(const char *call, MPI_File fh, bool write, enum kr_api_file_where where,
                        MPI_Offset offset, const void *buf, MPI_Count count,
                        MPI_Datatype type, MPI_Request *request)
{
    struct kr_req *req;
    size_t bytes = 0;
    int ret;

    kr_api_check_running(call);
    if (request == NULL) {
        return kr_api_file_error(kr_api_file(fh), MPI_ERR_ARG, "%s: request is NULL", call);
    }
    *request = MPI_REQUEST_NULL;
    ret = kr_api_file_access(call, fh, write, where, offset, buf, count, type,
                             MPI_STATUS_IGNORE, &bytes);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    req = kr_req_alloc(kr_api.pt);
    if (req == NULL) {
        return kr_api_file_fail(kr_api_file(fh), call, "a request", -ENOMEM);
    }
    req->ukind = KR_UREQ_PLAIN;
    /* a receive's kind, so that the status carries the count */
    kr_api_req_done_set(req, kr_api.world, true);
    req->status.count = bytes;
    *request = (MPI_Request) (void *) req;
    return MPI_SUCCESS;
}

#define FILE_IRW(name, where, write, q)                                                           \
    KR_WEAK_ALIAS(File_##name)                                                                    \
    int PMPI_File_##name(MPI_File fh, q void *buf, int count, MPI_Datatype datatype,             \
                         MPI_Request *request)                                                    \
    {                                                                                             \
        return file_iaccess("MPI_File_" #name, fh, write, where, 0, buf, count, datatype,        \
                            request);                                                             \
    }                                                                                             \
    KR_WEAK_ALIAS(File_##name##_c)                                                                \
    int PMPI_File_##name##_c(MPI_File fh, q void *buf, MPI_Count count, MPI_Datatype datatype,   \
                             MPI_Request *request)                                                \
    {                                                                                             \
        return file_iaccess("MPI_File_" #name "_c", fh, write, where, 0, buf, count, datatype,   \
                            request);                                                             \
    }

#define FILE_IRW_AT(name, write, q)                                                               \
    KR_WEAK_ALIAS(File_##name)                                                                    \
    int PMPI_File_##name(MPI_File fh, MPI_Offset offset, q void *buf, int count,                 \
                         MPI_Datatype datatype, MPI_Request *request)                             \
    {                                                                                             \
        return file_iaccess("MPI_File_" #name, fh, write, KR_FILE_AT_OFFSET, offset, buf, count, \
                            datatype, request);                                                   \
    }                                                                                             \
    KR_WEAK_ALIAS(File_##name##_c)                                                                \
    int PMPI_File_##name##_c(MPI_File fh, MPI_Offset offset, q void *buf, MPI_Count count,       \
                             MPI_Datatype datatype, MPI_Request *request)                         \
    {                                                                                             \
        return file_iaccess("MPI_File_" #name "_c", fh, write, KR_FILE_AT_OFFSET, offset, buf,   \
                            count, datatype, request);                                            \
    }

#define FILE_NOQ

FILE_IRW(iread, KR_FILE_AT_INDIV, false, FILE_NOQ)
FILE_IRW(iwrite, KR_FILE_AT_INDIV, true, const)
FILE_IRW(iread_all, KR_FILE_AT_INDIV, false, FILE_NOQ)
FILE_IRW(iwrite_all, KR_FILE_AT_INDIV, true, const)
FILE_IRW(iread_shared, KR_FILE_AT_SHARED, false, FILE_NOQ)
FILE_IRW(iwrite_shared, KR_FILE_AT_SHARED, true, const)
FILE_IRW_AT(iread_at, false, FILE_NOQ)
FILE_IRW_AT(iwrite_at, true, const)
FILE_IRW_AT(iread_at_all, false, FILE_NOQ)
FILE_IRW_AT(iwrite_at_all, true, const)

/* ---- split collectives ----------------------------------------------------------------------- */

static int file_begin(const char *call, const char *end, MPI_File fh, bool write,
                      enum kr_api_file_where where, MPI_Offset offset, const void *buf,
                      MPI_Count count, MPI_Datatype type)
{
    struct kr_api_file *f;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_file(call, fh, &f);
    if (ret == MPI_SUCCESS && f->split.active) {
        ret = kr_api_file_error(f, MPI_ERR_OTHER, "%s: a split collective is already active "
                                "on the file (%s must come first)", call, f->split.end);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_file_access(call, fh, write, where, offset, buf, count, type,
                                 &f->split.status, NULL);
    }
    if (ret == MPI_SUCCESS) {
        f->split.active = true;
        f->split.end = end;
        f->split.buf = buf;
    }
    return ret;
}

static int file_end(const char *call, MPI_File fh, const void *buf, MPI_Status *status)
{
    struct kr_api_file *f;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_file(call, fh, &f);
    if (ret == MPI_SUCCESS && (!f->split.active || strcmp(f->split.end, call) != 0)) {
        ret = kr_api_file_error(f, MPI_ERR_OTHER, "%s: no matching _begin call is active%s%s",
                                call, f->split.active ? "; the active one ends with " : "",
                                f->split.active ? f->split.end : "");
    }
    if (ret == MPI_SUCCESS && buf != f->split.buf) {
        ret = kr_api_file_error(f, MPI_ERR_BUFFER, "%s: buf is not the buffer the _begin call "
                                "was given", call);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    f->split.active = false;
    if (status != MPI_STATUS_IGNORE) {
        *status = f->split.status;
    }
    return MPI_SUCCESS;
}

#define FILE_SPLIT(name, where, write, q)                                                         \
    KR_WEAK_ALIAS(File_##name##_begin)                                                            \
    int PMPI_File_##name##_begin(MPI_File fh, q void *buf, int count, MPI_Datatype datatype)     \
    {                                                                                             \
        return file_begin("MPI_File_" #name "_begin", "MPI_File_" #name "_end", fh, write, where, \
                          0, buf, count, datatype);                                               \
    }                                                                                             \
    KR_WEAK_ALIAS(File_##name##_begin_c)                                                          \
    int PMPI_File_##name##_begin_c(MPI_File fh, q void *buf, MPI_Count count,                    \
                                   MPI_Datatype datatype)                                         \
    {                                                                                             \
        return file_begin("MPI_File_" #name "_begin_c", "MPI_File_" #name "_end", fh, write,     \
                          where, 0, buf, count, datatype);                                        \
    }                                                                                             \
    KR_WEAK_ALIAS(File_##name##_end)                                                              \
    int PMPI_File_##name##_end(MPI_File fh, q void *buf, MPI_Status *status)                     \
    {                                                                                             \
        return file_end("MPI_File_" #name "_end", fh, buf, status);                              \
    }

#define FILE_SPLIT_AT(name, write, q)                                                             \
    KR_WEAK_ALIAS(File_##name##_begin)                                                            \
    int PMPI_File_##name##_begin(MPI_File fh, MPI_Offset offset, q void *buf, int count,         \
                                 MPI_Datatype datatype)                                           \
    {                                                                                             \
        return file_begin("MPI_File_" #name "_begin", "MPI_File_" #name "_end", fh, write,       \
                          KR_FILE_AT_OFFSET, offset, buf, count, datatype);                       \
    }                                                                                             \
    KR_WEAK_ALIAS(File_##name##_begin_c)                                                          \
    int PMPI_File_##name##_begin_c(MPI_File fh, MPI_Offset offset, q void *buf, MPI_Count count, \
                                   MPI_Datatype datatype)                                         \
    {                                                                                             \
        return file_begin("MPI_File_" #name "_begin_c", "MPI_File_" #name "_end", fh, write,     \
                          KR_FILE_AT_OFFSET, offset, buf, count, datatype);                       \
    }                                                                                             \
    KR_WEAK_ALIAS(File_##name##_end)                                                              \
    int PMPI_File_##name##_end(MPI_File fh, q void *buf, MPI_Status *status)                     \
    {                                                                                             \
        return file_end("MPI_File_" #name "_end", fh, buf, status);                              \
    }

FILE_SPLIT(read_all, KR_FILE_AT_INDIV, false, FILE_NOQ)
FILE_SPLIT(write_all, KR_FILE_AT_INDIV, true, const)
FILE_SPLIT(read_ordered, KR_FILE_AT_ORDERED, false, FILE_NOQ)
FILE_SPLIT(write_ordered, KR_FILE_AT_ORDERED, true, const)
FILE_SPLIT_AT(read_at_all, false, FILE_NOQ)
FILE_SPLIT_AT(write_at_all, true, const)

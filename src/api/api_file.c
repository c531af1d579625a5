/* MPI-IO file objects: MPI_File_open / close / delete, size, group, access mode, hints,
 * sync and atomicity. Collective calls agree on their result (kr_api_file_agree), so an error
 * on one process is an error everywhere and nobody is left waiting. */
#include "config.h"

#include "api_file_int.h"

#include "coll/coll.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_ACCESS_BITS (MPI_MODE_RDONLY | MPI_MODE_RDWR | MPI_MODE_WRONLY)
#define FILE_ALL_BITS                                                                             \
    (FILE_ACCESS_BITS | MPI_MODE_CREATE | MPI_MODE_EXCL | MPI_MODE_DELETE_ON_CLOSE                \
     | MPI_MODE_UNIQUE_OPEN | MPI_MODE_SEQUENTIAL | MPI_MODE_APPEND)

/* ROMIO lets a file system prefix the name ("ufs:/path"); programs written for it use them. */
static const char *file_path(const char *name)
{
    if (strncmp(name, "ufs:", 4) == 0 || strncmp(name, "nfs:", 4) == 0) {
        return name + 4;
    }
    return name;
}

/* The open's arguments, checked where every process can check them; the reason in msg. */
static int file_open_args(const char *filename, int amode, char *msg, size_t len)
{
    int access = amode & FILE_ACCESS_BITS;

    if (filename == NULL) {
        snprintf(msg, len, "MPI_File_open: filename is NULL");
        return MPI_ERR_ARG;
    }
    if ((amode & ~FILE_ALL_BITS) != 0) {
        snprintf(msg, len, "MPI_File_open: amode 0x%x has bits that are no MPI_MODE_* "
                 "for files", amode);
        return MPI_ERR_AMODE;
    }
    if (access != MPI_MODE_RDONLY && access != MPI_MODE_RDWR && access != MPI_MODE_WRONLY) {
        snprintf(msg, len, "MPI_File_open: amode must have exactly one of MPI_MODE_RDONLY, "
                 "MPI_MODE_RDWR and MPI_MODE_WRONLY");
        return MPI_ERR_AMODE;
    }
    if (access == MPI_MODE_RDONLY && (amode & (MPI_MODE_CREATE | MPI_MODE_EXCL)) != 0) {
        snprintf(msg, len, "MPI_File_open: MPI_MODE_RDONLY cannot go with %s",
                 (amode & MPI_MODE_CREATE) != 0 ? "MPI_MODE_CREATE" : "MPI_MODE_EXCL");
        return MPI_ERR_AMODE;
    }
    if ((amode & MPI_MODE_SEQUENTIAL) != 0 && access == MPI_MODE_RDWR) {
        snprintf(msg, len, "MPI_File_open: MPI_MODE_SEQUENTIAL cannot go with MPI_MODE_RDWR");
        return MPI_ERR_AMODE;
    }
    return MPI_SUCCESS;
}

static int file_open_flags(int amode, bool first)
{
    int flags = O_CLOEXEC;

    flags |= (amode & MPI_MODE_RDONLY) != 0 ? O_RDONLY
             : (amode & MPI_MODE_WRONLY) != 0 ? O_WRONLY
                                              : O_RDWR;
    /* rank 0 creates (exclusively if asked); the others open what it created */
    if (first && (amode & MPI_MODE_CREATE) != 0) {
        flags |= O_CREAT | ((amode & MPI_MODE_EXCL) != 0 ? O_EXCL : 0);
    }
    return flags;
}

/* Open the file on every process: rank 0 first, then the rest. Returns the agreed class;
 * the reason is in msg on the processes that failed themselves. */
static int file_open_fds(struct kr_comm *comm, const char *path, int amode, int *fd_out,
                         char *msg, size_t len)
{
    int fd = -1, err = 0, err0 = 0, cls, ret;
    bool any;

    if (comm->rank == 0) {
        fd = open(path, file_open_flags(amode, true), 0666);
        err0 = fd < 0 ? errno : 0;
    }
    ret = comm->size > 1 ? kr_coll_bcast(comm, &err0, sizeof(err0), 0) : 0;
    if (ret != 0) {
        err0 = EIO;
    }
    if (err0 != 0) {
        snprintf(msg, len, "MPI_File_open: %s '%s': %s", comm->rank == 0 ? "cannot open"
                 : "rank 0 could not open", path, strerror(err0));
        if (fd >= 0) {
            close(fd);
        }
        return kr_api_file_errno_class(err0);
    }
    if (comm->rank != 0) {
        fd = open(path, file_open_flags(amode, false));
        err = fd < 0 ? errno : 0;
        snprintf(msg, len, "MPI_File_open: cannot open '%s': %s", path, strerror(err));
    }
    cls = kr_api_file_agree(comm, kr_api_file_errno_class(err), &any);
    if (any) {
        if (err == 0) {
            snprintf(msg, len, "MPI_File_open: another process could not open '%s'", path);
        }
        if (fd >= 0) {
            close(fd);
        }
        if (comm->rank == 0 && (amode & MPI_MODE_EXCL) != 0) {
            unlink(path); /* we made it for this open alone */
        }
        return cls;
    }
    *fd_out = fd;
    return MPI_SUCCESS;
}

static void file_destroy(struct kr_api_file *f)
{
    kr_api_handle_forget(KR_API_H_FILE, f);
    kr_api_errh_release(f->errh);
    kr_api_info_free(f->info);
    kr_dt_release(f->etype);
    kr_dt_release(f->ftype);
    if (f->comm != NULL) {
        kr_comm_free(f->comm, &kr_api.ids);
    }
    free(f->path);
    f->magic = 0;
    free(f);
}

/* Everything after the descriptors are open: the file object and its collective parts. */
static int file_setup(struct kr_comm *comm, int fd, const char *path, int amode,
                      const struct kr_api_info *ki, struct kr_api_file **f_out)
{
    struct kr_api_file *f = calloc(1, sizeof(*f));
    struct stat st;
    int64_t start = 0;
    int ret;

    if (f == NULL) {
        return -ENOMEM;
    }
    f->fd = fd;
    f->amode = amode;
    f->etype = f->ftype = kr_dt_from_handle(MPI_BYTE);
    f->view = (struct kr_io_view) { 0, f->ftype };
    f->errh = kr_api_file_default_errh();
    kr_api_errh_retain(f->errh);
    f->path = strdup(path);
    ret = f->path == NULL ? -ENOMEM : kr_api_info_dup(ki, &f->info);
    if (ret == 0 && (amode & MPI_MODE_APPEND) != 0) {
        ret = fstat(fd, &st) == 0 ? 0 : -errno;
        start = ret == 0 ? (int64_t) st.st_size : 0;
    }
    if (ret == 0) {
        ret = kr_comm_dup(comm, &kr_api.ids, &f->comm);
    }
    if (ret == 0) {
        ret = kr_io_shfp_create(f->comm, &kr_api.ids, start, &f->shfp);
    }
    if (ret != 0) {
        file_destroy(f);
        return ret;
    }
    f->fp = start;
    f->magic = KR_FILE_MAGIC;
    *f_out = f;
    return 0;
}

KR_WEAK_ALIAS(File_open)
int PMPI_File_open(MPI_Comm h, const char *filename, int amode, MPI_Info info, MPI_File *fh)
{
    const char *call = "MPI_File_open";
    struct kr_api_info *ki = NULL;
    struct kr_api_file *f = NULL;
    struct kr_comm *comm;
    char msg[512] = "";
    int ret, cls, fd = -1;
    bool any;

    kr_api_check_running(call);
    ret = kr_api_check_intra(call, h, &comm);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_ptr(call, fh, "fh");
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_info(call, comm, info, true, &ki);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    *fh = MPI_FILE_NULL;
    cls = file_open_args(filename, amode, msg, sizeof(msg));
    cls = kr_api_file_agree(comm, cls, &any);
    if (any) {
        return kr_api_file_error(NULL, cls, "%s", msg[0] != '\0' ? msg
                                 : "MPI_File_open: the arguments were wrong on another process");
    }
    cls = file_open_fds(comm, file_path(filename), amode, &fd, msg, sizeof(msg));
    if (cls != MPI_SUCCESS) {
        return kr_api_file_error(NULL, cls, "%s", msg);
    }
    ret = file_setup(comm, fd, file_path(filename), amode, ki, &f);
    if (ret != 0) {
        close(fd);
        return kr_api_file_fail(NULL, call, "setting up the file", ret);
    }
    *fh = (MPI_File) (void *) f;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(File_close)
int PMPI_File_close(MPI_File *fh)
{
    const char *call = "MPI_File_close";
    struct kr_api_file *f;
    int ret, err = 0;

    kr_api_check_running(call);
    ret = kr_api_check_ptr(call, fh, "fh");
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_file(call, *fh, &f);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    /* freeing the window is collective: everyone is done with the file after it */
    err = kr_io_shfp_free(f->shfp, &kr_api.ids);
    if (close(f->fd) != 0 && err == 0) {
        err = -errno;
    }
    if ((f->amode & MPI_MODE_DELETE_ON_CLOSE) != 0) {
        int uerr = 0;
        bool any;

        /* after everyone closed; and when close returns, the file is gone for everyone */
        if (kr_coll_barrier(f->comm) == 0 && f->comm->rank == 0 && unlink(f->path) != 0
            && errno != ENOENT) {
            uerr = errno;
        }
        kr_api_file_agree(f->comm, kr_api_file_errno_class(uerr), &any);
        if (uerr != 0 && err == 0) {
            err = -uerr;
        }
    }
    ret = err == 0 ? MPI_SUCCESS : kr_api_file_fail(f, call, f->path, err);
    file_destroy(f);
    *fh = MPI_FILE_NULL;
    return ret;
}

KR_WEAK_ALIAS(File_delete)
int PMPI_File_delete(const char *filename, MPI_Info info)
{
    const char *call = "MPI_File_delete";
    struct kr_api_info *ki;
    int ret;

    kr_api_check_running(call);
    if (filename == NULL) {
        return kr_api_file_error(NULL, MPI_ERR_ARG, "%s: filename is NULL", call);
    }
    ret = kr_api_check_info(call, NULL, info, true, &ki);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (unlink(file_path(filename)) != 0) {
        return kr_api_file_fail(NULL, call, file_path(filename), -errno);
    }
    return MPI_SUCCESS;
}

/* ---- size ---------------------------------------------------------------------------------- */

/* set_size and preallocate: rank 0 changes the file, everyone learns how it went. */
static int file_resize(const char *call, MPI_File h, MPI_Offset size, bool prealloc)
{
    struct kr_api_file *f;
    struct stat st;
    int ret, cls = MPI_SUCCESS, err = 0;
    char msg[256] = "";
    bool any;

    kr_api_check_running(call);
    ret = kr_api_check_file(call, h, &f);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (size < 0) {
        cls = MPI_ERR_ARG;
        snprintf(msg, sizeof(msg), "%s: size %lld is negative", call, (long long) size);
    } else if ((f->amode & MPI_MODE_SEQUENTIAL) != 0) {
        cls = MPI_ERR_UNSUPPORTED_OPERATION;
        snprintf(msg, sizeof(msg), "%s: the file was opened with MPI_MODE_SEQUENTIAL", call);
    } else if ((f->amode & MPI_MODE_RDONLY) != 0) {
        cls = MPI_ERR_READ_ONLY;
        snprintf(msg, sizeof(msg), "%s: the file was opened with MPI_MODE_RDONLY", call);
    }
    /* every process is done with the file as it was before rank 0 changes it */
    cls = kr_api_file_agree(f->comm, cls, &any);
    if (any) {
        return msg[0] != '\0' ? kr_api_file_error(f, cls, "%s", msg)
                              : kr_api_file_error(f, cls, "%s: wrong arguments on another "
                                                  "process", call);
    }
    if (f->comm->rank == 0) {
        if (!prealloc) {
            err = ftruncate(f->fd, (off_t) size) == 0 ? 0 : errno;
        } else if (fstat(f->fd, &st) != 0) {
            err = errno;
        } else if (size > st.st_size) {
            err = posix_fallocate(f->fd, 0, (off_t) size);
        }
        cls = kr_api_file_errno_class(err);
        snprintf(msg, sizeof(msg), "%s: %s to %lld bytes: %s", call, f->path, (long long) size,
                 strerror(err));
    }
    cls = kr_api_file_agree(f->comm, cls, &any);
    if (any) {
        return msg[0] != '\0' ? kr_api_file_error(f, cls, "%s", msg)
                              : kr_api_file_error(f, cls, "%s: failed on rank 0", call);
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(File_set_size)
int PMPI_File_set_size(MPI_File fh, MPI_Offset size)
{
    return file_resize("MPI_File_set_size", fh, size, false);
}

KR_WEAK_ALIAS(File_preallocate)
int PMPI_File_preallocate(MPI_File fh, MPI_Offset size)
{
    return file_resize("MPI_File_preallocate", fh, size, true);
}

KR_WEAK_ALIAS(File_get_size)
int PMPI_File_get_size(MPI_File fh, MPI_Offset *size)
{
    struct kr_api_file *f;
    struct stat st;
    int ret;

    kr_api_check_running("MPI_File_get_size");
    ret = kr_api_check_file("MPI_File_get_size", fh, &f);
    if (ret == MPI_SUCCESS && size == NULL) {
        ret = kr_api_file_error(f, MPI_ERR_ARG, "MPI_File_get_size: size is NULL");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (fstat(f->fd, &st) != 0) {
        return kr_api_file_fail(f, "MPI_File_get_size", f->path, -errno);
    }
    *size = (MPI_Offset) st.st_size;
    return MPI_SUCCESS;
}

/* ---- queries, hints, consistency ----------------------------------------------------------- */

/* Check the file and an output pointer. */
static int file_query(const char *call, MPI_File h, const void *out, const char *what,
                      struct kr_api_file **f_out)
{
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_file(call, h, f_out);
    if (ret == MPI_SUCCESS && out == NULL) {
        ret = kr_api_file_error(*f_out, MPI_ERR_ARG, "%s: %s is NULL", call, what);
    }
    return ret;
}

KR_WEAK_ALIAS(File_get_group)
int PMPI_File_get_group(MPI_File fh, MPI_Group *group)
{
    struct kr_api_file *f;
    int ret = file_query("MPI_File_get_group", fh, group, "group", &f);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    return kr_api_group_of("MPI_File_get_group", NULL, f->comm->ranks, f->comm->size, group);
}

KR_WEAK_ALIAS(File_get_amode)
int PMPI_File_get_amode(MPI_File fh, int *amode)
{
    struct kr_api_file *f;
    int ret = file_query("MPI_File_get_amode", fh, amode, "amode", &f);

    if (ret == MPI_SUCCESS) {
        *amode = f->amode;
    }
    return ret;
}

KR_WEAK_ALIAS(File_set_info)
int PMPI_File_set_info(MPI_File fh, MPI_Info info)
{
    struct kr_api_info *ki;
    struct kr_api_file *f;
    int ret, i;

    kr_api_check_running("MPI_File_set_info");
    ret = kr_api_check_file("MPI_File_set_info", fh, &f);
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_info("MPI_File_set_info", NULL, info, true, &ki);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    for (i = 0; ki != NULL && i < ki->n; i++) {
        if (kr_api_info_set(&f->info, ki->e[i].key, ki->e[i].val) != 0) {
            return kr_api_file_fail(f, "MPI_File_set_info", "keeping the hints", -ENOMEM);
        }
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(File_get_info)
int PMPI_File_get_info(MPI_File fh, MPI_Info *info_used)
{
    struct kr_api_info *copy;
    struct kr_api_file *f;
    int ret = file_query("MPI_File_get_info", fh, info_used, "info_used", &f);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (kr_api_info_dup(f->info, &copy) != 0) {
        return kr_api_file_fail(f, "MPI_File_get_info", "copying the hints", -ENOMEM);
    }
    *info_used = (MPI_Info) (void *) copy;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(File_sync)
int PMPI_File_sync(MPI_File fh)
{
    struct kr_api_file *f;
    int ret, cls;
    bool any;

    kr_api_check_running("MPI_File_sync");
    ret = kr_api_check_file("MPI_File_sync", fh, &f);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = fsync(f->fd) == 0 || (f->amode & MPI_MODE_RDONLY) != 0 ? 0 : errno;
    cls = kr_api_file_agree(f->comm, kr_api_file_errno_class(ret), &any);
    if (any) {
        return kr_api_file_error(f, cls, "MPI_File_sync: %s: %s", f->path,
                                 ret != 0 ? strerror(ret) : "failed on another process");
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(File_set_atomicity)
int PMPI_File_set_atomicity(MPI_File fh, int flag)
{
    struct kr_api_file *f;
    int ret;

    kr_api_check_running("MPI_File_set_atomicity");
    ret = kr_api_check_file("MPI_File_set_atomicity", fh, &f);
    if (ret == MPI_SUCCESS) {
        f->atomic = flag != 0;
    }
    return ret;
}

KR_WEAK_ALIAS(File_get_atomicity)
int PMPI_File_get_atomicity(MPI_File fh, int *flag)
{
    struct kr_api_file *f;
    int ret = file_query("MPI_File_get_atomicity", fh, flag, "flag", &f);

    if (ret == MPI_SUCCESS) {
        *flag = f->atomic;
    }
    return ret;
}

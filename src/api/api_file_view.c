/* MPI-IO views and individual file pointers: MPI_File_set_view / get_view, get_type_extent,
 * get_byte_offset, seek, get_position, and MPI_Register_datarep ("native" is the only data
 * representation: the file holds what memory holds). */
#include "config.h"

#include "api_file_int.h"

#include "coll/coll.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* A committed type with data: what an etype or filetype must be. */
static int file_view_type(const char *call, MPI_Datatype h, const char *what,
                          struct kr_dt **dt_out, char *msg, size_t len)
{
    struct kr_dt *dt = kr_dt_from_handle(h);

    *dt_out = dt;
    if (dt == NULL) {
        snprintf(msg, len, "%s: %s is not a valid datatype", call, what);
    } else if ((dt->flags & KR_DT_F_COMMITTED) == 0) {
        snprintf(msg, len, "%s: %s is not committed", call, what);
    } else if (dt->size == 0) {
        snprintf(msg, len, "%s: %s holds no data", call, what);
    } else if (dt->true_lb < 0) {
        snprintf(msg, len, "%s: %s has data below its start (a negative displacement)", call,
                 what);
    } else {
        return MPI_SUCCESS;
    }
    return MPI_ERR_TYPE;
}

static int file_datarep(const char *call, const char *datarep, char *msg, size_t len)
{
    if (datarep == NULL) {
        snprintf(msg, len, "%s: datarep is NULL", call);
        return MPI_ERR_ARG;
    }
    if (strcmp(datarep, "native") != 0) {
        snprintf(msg, len, "%s: data representation '%s' is not supported (only \"native\")",
                 call, datarep);
        return MPI_ERR_UNSUPPORTED_DATAREP;
    }
    return MPI_SUCCESS;
}

/* The local checks of set_view; the reason in msg. */
static int file_view_args(const char *call, struct kr_api_file *f, MPI_Offset disp,
                          MPI_Datatype etype, MPI_Datatype filetype, const char *datarep,
                          struct kr_dt **et_out, struct kr_dt **ft_out, char *msg, size_t len)
{
    int cls = file_view_type(call, etype, "etype", et_out, msg, len);

    if (cls == MPI_SUCCESS) {
        cls = file_view_type(call, filetype, "filetype", ft_out, msg, len);
    }
    if (cls == MPI_SUCCESS && (*ft_out)->size % (*et_out)->size != 0) {
        snprintf(msg, len, "%s: the filetype (%zu bytes of data) is not made of etypes (%zu "
                 "bytes)", call, (*ft_out)->size, (*et_out)->size);
        cls = MPI_ERR_TYPE;
    }
    if (cls == MPI_SUCCESS) {
        cls = file_datarep(call, datarep, msg, len);
    }
    if (cls == MPI_SUCCESS && disp == MPI_DISPLACEMENT_CURRENT
        && (f->amode & MPI_MODE_SEQUENTIAL) == 0) {
        snprintf(msg, len, "%s: MPI_DISPLACEMENT_CURRENT needs a file opened with "
                 "MPI_MODE_SEQUENTIAL", call);
        cls = MPI_ERR_ARG;
    } else if (cls == MPI_SUCCESS && disp < 0 && disp != MPI_DISPLACEMENT_CURRENT) {
        snprintf(msg, len, "%s: disp %lld is negative", call, (long long) disp);
        cls = MPI_ERR_ARG;
    }
    if (cls == MPI_SUCCESS && f->split.active) {
        snprintf(msg, len, "%s: a split collective is in progress (%s comes first)", call,
                 f->split.end);
        cls = MPI_ERR_OTHER;
    }
    return cls;
}

KR_WEAK_ALIAS(File_set_view)
int PMPI_File_set_view(MPI_File fh, MPI_Offset disp, MPI_Datatype etype, MPI_Datatype filetype,
                       const char *datarep, MPI_Info info)
{
    const char *call = "MPI_File_set_view";
    struct kr_dt *et = NULL, *ft = NULL;
    struct kr_api_info *ki = NULL;
    struct kr_api_file *f;
    char msg[512] = "";
    int64_t sp = 0;
    int ret, cls, i;
    bool any;

    kr_api_check_running(call);
    ret = kr_api_check_file(call, fh, &f);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    cls = file_view_args(call, f, disp, etype, filetype, datarep, &et, &ft, msg, sizeof(msg));
    if (cls == MPI_SUCCESS && kr_api_info(info) == NULL && info != MPI_INFO_NULL) {
        snprintf(msg, sizeof(msg), "%s: info is not a valid info object", call);
        cls = MPI_ERR_INFO;
    }
    if (cls == MPI_SUCCESS && disp == MPI_DISPLACEMENT_CURRENT) {
        ret = kr_io_shfp_fetch_add(f->shfp, 0, &sp);
        cls = ret == 0 ? MPI_SUCCESS : kr_api_errclass(ret);
        snprintf(msg, sizeof(msg), "%s: cannot read the shared file pointer", call);
        disp = kr_io_view_file_off(&f->view, (uint64_t) sp * kr_api_file_esize(f));
    }
    /* doubles as the barrier between reading the shared pointer and resetting it */
    cls = kr_api_file_agree(f->comm, cls, &any);
    if (any) {
        return kr_api_file_error(f, cls, "%s", msg[0] != '\0' ? msg
                                 : "MPI_File_set_view: failed on another process");
    }
    ret = f->comm->rank == 0 ? kr_io_shfp_set(f->shfp, 0) : 0;
    cls = kr_api_file_agree(f->comm, ret == 0 ? MPI_SUCCESS : kr_api_errclass(ret), &any);
    if (any) {
        return kr_api_file_error(f, cls, "%s: cannot reset the shared file pointer", call);
    }
    kr_dt_retain(et);
    kr_dt_retain(ft);
    kr_dt_release(f->etype);
    kr_dt_release(f->ftype);
    f->etype = et;
    f->ftype = ft;
    f->view = (struct kr_io_view) { disp, ft };
    f->fp = 0;
    ki = kr_api_info(info);
    for (i = 0; ki != NULL && i < ki->n; i++) {
        kr_api_info_set(&f->info, ki->e[i].key, ki->e[i].val); /* hints: losing one is fine */
    }
    return MPI_SUCCESS;
}

/* A view type for the program: derived ones are a new handle it must free. */
static MPI_Datatype file_view_handle(struct kr_dt *dt)
{
    if ((dt->flags & KR_DT_F_PREDEFINED) == 0) {
        kr_dt_handle_retain(dt);
    }
    return kr_dt_to_handle(dt);
}

KR_WEAK_ALIAS(File_get_view)
int PMPI_File_get_view(MPI_File fh, MPI_Offset *disp, MPI_Datatype *etype,
                       MPI_Datatype *filetype, char *datarep)
{
    struct kr_api_file *f;
    int ret;

    kr_api_check_running("MPI_File_get_view");
    ret = kr_api_check_file("MPI_File_get_view", fh, &f);
    if (ret == MPI_SUCCESS
        && (disp == NULL || etype == NULL || filetype == NULL || datarep == NULL)) {
        ret = kr_api_file_error(f, MPI_ERR_ARG, "MPI_File_get_view: %s is NULL",
                                disp == NULL    ? "disp"
                                : etype == NULL ? "etype"
                                : filetype == NULL ? "filetype"
                                                   : "datarep");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    *disp = f->view.disp;
    *etype = file_view_handle(f->etype);
    *filetype = file_view_handle(f->ftype);
    snprintf(datarep, MPI_MAX_DATAREP_STRING, "native");
    return MPI_SUCCESS;
}

static int file_type_extent(const char *call, MPI_File fh, MPI_Datatype type, MPI_Aint *ext)
{
    struct kr_api_file *f;
    struct kr_dt *dt;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_file(call, fh, &f);
    if (ret == MPI_SUCCESS && ext == NULL) {
        ret = kr_api_file_error(f, MPI_ERR_ARG, "%s: extent is NULL", call);
    }
    if (ret == MPI_SUCCESS && (dt = kr_dt_from_handle(type)) == NULL) {
        ret = kr_api_file_error(f, MPI_ERR_TYPE, "%s: datatype is not a valid datatype", call);
    }
    if (ret == MPI_SUCCESS) {
        *ext = dt->extent; /* "native": as in memory */
    }
    return ret;
}

KR_WEAK_ALIAS(File_get_type_extent)
int PMPI_File_get_type_extent(MPI_File fh, MPI_Datatype datatype, MPI_Aint *extent)
{
    return file_type_extent("MPI_File_get_type_extent", fh, datatype, extent);
}

KR_WEAK_ALIAS(File_get_type_extent_c)
int PMPI_File_get_type_extent_c(MPI_File fh, MPI_Datatype datatype, MPI_Count *extent)
{
    MPI_Aint e;
    int ret = file_type_extent("MPI_File_get_type_extent_c", fh, datatype,
                               extent != NULL ? &e : NULL);

    if (ret == MPI_SUCCESS) {
        *extent = e;
    }
    return ret;
}

KR_WEAK_ALIAS(File_get_byte_offset)
int PMPI_File_get_byte_offset(MPI_File fh, MPI_Offset offset, MPI_Offset *disp)
{
    struct kr_api_file *f;
    int ret;

    kr_api_check_running("MPI_File_get_byte_offset");
    ret = kr_api_check_file("MPI_File_get_byte_offset", fh, &f);
    if (ret == MPI_SUCCESS && disp == NULL) {
        ret = kr_api_file_error(f, MPI_ERR_ARG, "MPI_File_get_byte_offset: disp is NULL");
    }
    if (ret == MPI_SUCCESS && offset < 0) {
        ret = kr_api_file_error(f, MPI_ERR_ARG, "MPI_File_get_byte_offset: offset %lld is "
                                "negative", (long long) offset);
    }
    if (ret == MPI_SUCCESS) {
        *disp = kr_io_view_file_off(&f->view, (uint64_t) offset * kr_api_file_esize(f));
    }
    return ret;
}

/* ---- individual file pointer --------------------------------------------------------------- */

int kr_api_file_seek_target(const char *call, struct kr_api_file *f, int64_t cur,
                            MPI_Offset offset, int whence, int64_t *pos_out)
{
    struct stat st;
    uint64_t eof, es = kr_api_file_esize(f);
    int64_t base;

    switch (whence) {
    case MPI_SEEK_SET: base = 0; break;
    case MPI_SEEK_CUR: base = cur; break;
    case MPI_SEEK_END:
        if (fstat(f->fd, &st) != 0) {
            return kr_api_file_fail(f, call, f->path, -errno);
        }
        eof = kr_io_view_eof(&f->view, (int64_t) st.st_size);
        base = (int64_t) ((eof + es - 1) / es);
        break;
    default:
        return kr_api_file_error(f, MPI_ERR_ARG, "%s: whence %d is not MPI_SEEK_SET, "
                                 "MPI_SEEK_CUR or MPI_SEEK_END", call, whence);
    }
    if (base + offset < 0) {
        return kr_api_file_error(f, MPI_ERR_ARG, "%s: the position would be negative (%lld)",
                                 call, (long long) (base + offset));
    }
    *pos_out = base + offset;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(File_seek)
int PMPI_File_seek(MPI_File fh, MPI_Offset offset, int whence)
{
    struct kr_api_file *f;
    int ret;

    kr_api_check_running("MPI_File_seek");
    ret = kr_api_check_file("MPI_File_seek", fh, &f);
    if (ret == MPI_SUCCESS && (f->amode & MPI_MODE_SEQUENTIAL) != 0) {
        ret = kr_api_file_error(f, MPI_ERR_UNSUPPORTED_OPERATION, "MPI_File_seek: the file "
                                "was opened with MPI_MODE_SEQUENTIAL");
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_file_seek_target("MPI_File_seek", f, f->fp, offset, whence, &f->fp);
    }
    return ret;
}

KR_WEAK_ALIAS(File_get_position)
int PMPI_File_get_position(MPI_File fh, MPI_Offset *offset)
{
    struct kr_api_file *f;
    int ret;

    kr_api_check_running("MPI_File_get_position");
    ret = kr_api_check_file("MPI_File_get_position", fh, &f);
    if (ret == MPI_SUCCESS && offset == NULL) {
        ret = kr_api_file_error(f, MPI_ERR_ARG, "MPI_File_get_position: offset is NULL");
    }
    if (ret == MPI_SUCCESS) {
        *offset = f->fp;
    }
    return ret;
}

/* ---- data representations ------------------------------------------------------------------ */

static int file_register_datarep(const char *call, const char *datarep)
{
    kr_api_check_running(call);
    if (datarep == NULL) {
        return kr_api_file_error(NULL, MPI_ERR_ARG, "%s: datarep is NULL", call);
    }
    if (strcmp(datarep, "native") == 0 || strcmp(datarep, "internal") == 0
        || strcmp(datarep, "external32") == 0) {
        return kr_api_file_error(NULL, MPI_ERR_DUP_DATAREP, "%s: '%s' is a predefined data "
                                 "representation", call, datarep);
    }
    return kr_api_file_error(NULL, MPI_ERR_UNSUPPORTED_DATAREP, "%s: Kurir has no "
                             "user-defined data representations ('%s')", call, datarep);
}

KR_WEAK_ALIAS(Register_datarep)
int PMPI_Register_datarep(const char *datarep, MPI_Datarep_conversion_function *read_fn,
                          MPI_Datarep_conversion_function *write_fn,
                          MPI_Datarep_extent_function *extent_fn, void *extra_state)
{
    (void) read_fn, (void) write_fn, (void) extent_fn, (void) extra_state;
    return file_register_datarep("MPI_Register_datarep", datarep);
}

KR_WEAK_ALIAS(Register_datarep_c)
int PMPI_Register_datarep_c(const char *datarep, MPI_Datarep_conversion_function_c *read_fn,
                            MPI_Datarep_conversion_function_c *write_fn,
                            MPI_Datarep_extent_function *extent_fn, void *extra_state)
{
    (void) read_fn, (void) write_fn, (void) extent_fn, (void) extra_state;
    return file_register_datarep("MPI_Register_datarep_c", datarep);
}

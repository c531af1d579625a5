/* Explicit packing: MPI_Pack, MPI_Unpack, MPI_Pack_size (Kurir's packed format is the type
 * map's bytes in order, nothing more, so Pack_size is exact), and the portable "external32"
 * form: MPI_Pack_external, MPI_Unpack_external, MPI_Pack_external_size. Each has a _c twin. */
#include "config.h"

#include "api.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

/* ---- shared checks ------------------------------------------------------------------------- */

/* A typed buffer: NULL is MPI_BOTTOM, which derived types with absolute addresses use, so it
 * is refused only with a predefined type and data to move. */
static int pack_typed_buf(const char *call, struct kr_comm *comm, const void *buf, MPI_Count count,
                          const struct kr_dt *dt, const char *what)
{
    if (buf == NULL && count > 0 && dt->size > 0 && (dt->flags & KR_DT_F_PREDEFINED) != 0) {
        return kr_api_error(comm, MPI_ERR_BUFFER, "%s: %s is NULL but count is %lld", call, what,
                            (long long) count);
    }
    return MPI_SUCCESS;
}

/* count elements of datatype: their packed size, or an error when it does not fit. Packing
 * needs a committed type; the size queries do not. */
static int pack_count_type(const char *call, struct kr_comm *comm, MPI_Count count,
                           MPI_Datatype datatype, bool committed, struct kr_dt **dt_out,
                           size_t *bytes_out)
{
    int ret;

    if (count < 0) {
        return kr_api_error(comm, MPI_ERR_COUNT, "%s: count %lld is negative", call,
                            (long long) count);
    }
    ret = kr_api_check_dt(call, comm, datatype, committed, dt_out);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    *bytes_out = kr_dt_packed_size(*dt_out, (size_t) count);
    if (*bytes_out > (size_t) INT64_MAX) {
        return kr_api_error(comm, MPI_ERR_COUNT,
                            "%s: %lld elements of %s are more bytes than "
                            "fit in memory",
                            call, (long long) count, kr_dt_name(*dt_out));
    }
    return MPI_SUCCESS;
}

/* The packed buffer and the position in it: 0 <= position and position + need <= size. */
static int pack_room(const char *call, struct kr_comm *comm, const void *buf, MPI_Count size,
                     const MPI_Count *position, size_t need, bool unpack)
{
    if (position == NULL) {
        return kr_api_error(comm, MPI_ERR_ARG, "%s: position is NULL", call);
    }
    if (size < 0 || *position < 0 || *position > size) {
        return kr_api_error(comm, MPI_ERR_ARG,
                            "%s: position %lld is not within the %lld-byte "
                            "%s buffer",
                            call, (long long) *position, (long long) size,
                            unpack ? "input" : "output");
    }
    if ((uint64_t) (size - *position) < need) {
        return kr_api_error(comm, MPI_ERR_TRUNCATE,
                            "%s: %s %zu bytes at position %lld, but "
                            "the buffer has %lld",
                            call,
                            unpack ? "unpacking needs"
                                   : "packing "
                                     "needs",
                            need, (long long) *position, (long long) size);
    }
    if (buf == NULL && need > 0) {
        return kr_api_error(comm, MPI_ERR_BUFFER, "%s: the %s buffer is NULL", call,
                            unpack ? "input" : "output");
    }
    return MPI_SUCCESS;
}

/* ---- native ---------------------------------------------------------------------------------- */

static int pack_native(const char *call, const void *inbuf, MPI_Count incount,
                       MPI_Datatype datatype, void *outbuf, MPI_Count outsize, MPI_Count *position,
                       MPI_Comm h)
{
    struct kr_comm *comm;
    struct kr_dt *dt;
    size_t bytes;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_comm(call, h, &comm);
    if (ret == MPI_SUCCESS) {
        ret = pack_count_type(call, comm, incount, datatype, true, &dt, &bytes);
    }
    if (ret == MPI_SUCCESS) {
        ret = pack_typed_buf(call, comm, inbuf, incount, dt, "inbuf");
    }
    if (ret == MPI_SUCCESS) {
        ret = pack_room(call, comm, outbuf, outsize, position, bytes, false);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    kr_dt_pack(dt, (size_t) incount, inbuf, 0, (char *) outbuf + *position, bytes);
    *position += (MPI_Count) bytes;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Pack)
int PMPI_Pack(const void *inbuf, int incount, MPI_Datatype datatype, void *outbuf, int outsize,
              int *position, MPI_Comm comm)
{
    MPI_Count pos = position != NULL ? *position : 0;
    int ret = pack_native("MPI_Pack", inbuf, incount, datatype, outbuf, outsize,
                          position != NULL ? &pos : NULL, comm);

    if (ret == MPI_SUCCESS) {
        *position = (int) pos; /* <= outsize, an int */
    }
    return ret;
}

KR_WEAK_ALIAS(Pack_c)
int PMPI_Pack_c(const void *inbuf, MPI_Count incount, MPI_Datatype datatype, void *outbuf,
                MPI_Count outsize, MPI_Count *position, MPI_Comm comm)
{
    return pack_native("MPI_Pack_c", inbuf, incount, datatype, outbuf, outsize, position, comm);
}

static int unpack_native(const char *call, const void *inbuf, MPI_Count insize, MPI_Count *position,
                         void *outbuf, MPI_Count outcount, MPI_Datatype datatype, MPI_Comm h)
{
    struct kr_comm *comm;
    struct kr_dt *dt;
    size_t bytes;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_comm(call, h, &comm);
    if (ret == MPI_SUCCESS) {
        ret = pack_count_type(call, comm, outcount, datatype, true, &dt, &bytes);
    }
    if (ret == MPI_SUCCESS) {
        ret = pack_typed_buf(call, comm, outbuf, outcount, dt, "outbuf");
    }
    if (ret == MPI_SUCCESS) {
        ret = pack_room(call, comm, inbuf, insize, position, bytes, true);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    kr_dt_unpack(dt, (size_t) outcount, outbuf, 0, (const char *) inbuf + *position, bytes);
    *position += (MPI_Count) bytes;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Unpack)
int PMPI_Unpack(const void *inbuf, int insize, int *position, void *outbuf, int outcount,
                MPI_Datatype datatype, MPI_Comm comm)
{
    MPI_Count pos = position != NULL ? *position : 0;
    int ret = unpack_native("MPI_Unpack", inbuf, insize, position != NULL ? &pos : NULL, outbuf,
                            outcount, datatype, comm);

    if (ret == MPI_SUCCESS) {
        *position = (int) pos;
    }
    return ret;
}

KR_WEAK_ALIAS(Unpack_c)
int PMPI_Unpack_c(const void *inbuf, MPI_Count insize, MPI_Count *position, void *outbuf,
                  MPI_Count outcount, MPI_Datatype datatype, MPI_Comm comm)
{
    return unpack_native("MPI_Unpack_c", inbuf, insize, position, outbuf, outcount, datatype, comm);
}

static int pack_size(const char *call, MPI_Count incount, MPI_Datatype datatype, MPI_Comm h,
                     const void *size, size_t *bytes_out)
{
    struct kr_comm *comm;
    struct kr_dt *dt;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_comm(call, h, &comm);
    if (ret == MPI_SUCCESS && size == NULL) {
        ret = kr_api_error(comm, MPI_ERR_ARG, "%s: size is NULL", call);
    }
    if (ret == MPI_SUCCESS) {
        ret = pack_count_type(call, comm, incount, datatype, false, &dt, bytes_out);
    }
    return ret;
}

KR_WEAK_ALIAS(Pack_size)
int PMPI_Pack_size(int incount, MPI_Datatype datatype, MPI_Comm comm, int *size)
{
    size_t bytes;
    int ret = pack_size("MPI_Pack_size", incount, datatype, comm, size, &bytes);

    if (ret == MPI_SUCCESS) {
        *size = bytes > INT_MAX ? MPI_UNDEFINED : (int) bytes;
    }
    return ret;
}

KR_WEAK_ALIAS(Pack_size_c)
int PMPI_Pack_size_c(MPI_Count incount, MPI_Datatype datatype, MPI_Comm comm, MPI_Count *size)
{
    size_t bytes;
    int ret = pack_size("MPI_Pack_size_c", incount, datatype, comm, size, &bytes);

    if (ret == MPI_SUCCESS) {
        *size = (MPI_Count) bytes;
    }
    return ret;
}

/* ---- external32 ------------------------------------------------------------------------------ */

/* The only data representation these calls know. Anything else is MPI_ERR_UNSUPPORTED_DATAREP,
 * the class the standard has for a representation the implementation does not support. */
static int ext_datarep(const char *call, const char *datarep)
{
    if (datarep == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: datarep is NULL", call);
    }
    if (strcmp(datarep, "external32") != 0) {
        return kr_api_error(NULL, MPI_ERR_UNSUPPORTED_DATAREP,
                            "%s: data representation "
                            "\"%.64s\" is not supported (only \"external32\")",
                            call, datarep);
    }
    return MPI_SUCCESS;
}

static int ext_count_type(const char *call, const char *datarep, MPI_Count count,
                          MPI_Datatype datatype, bool committed, struct kr_dt **dt_out,
                          size_t *bytes_out)
{
    size_t native;
    int ret = ext_datarep(call, datarep);

    if (ret == MPI_SUCCESS) {
        ret = pack_count_type(call, NULL, count, datatype, committed, dt_out, &native);
    }
    if (ret == MPI_SUCCESS) {
        *bytes_out = kr_dt_ext32_size(*dt_out, (size_t) count);
        if (*bytes_out > (size_t) INT64_MAX) {
            ret = kr_api_error(NULL, MPI_ERR_COUNT, "%s: %lld elements are too many bytes", call,
                               (long long) count);
        }
    }
    return ret;
}

static int ext_convert_done(const char *call, int ret)
{
    if (ret == -ERANGE) {
        return kr_api_error(NULL, MPI_ERR_CONVERSION,
                            "%s: a value does not fit its "
                            "external32 size (e.g. a long beyond 32 bits); it was truncated",
                            call);
    }
    return MPI_SUCCESS;
}

static int pack_ext(const char *call, const char *datarep, const void *inbuf, MPI_Count incount,
                    MPI_Datatype datatype, void *outbuf, MPI_Count outsize, MPI_Count *position)
{
    struct kr_dt *dt;
    size_t bytes;
    int ret = ext_count_type(call, datarep, incount, datatype, true, &dt, &bytes);

    if (ret == MPI_SUCCESS) {
        ret = pack_typed_buf(call, NULL, inbuf, incount, dt, "inbuf");
    }
    if (ret == MPI_SUCCESS) {
        ret = pack_room(call, NULL, outbuf, outsize, position, bytes, false);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_dt_ext32_pack(dt, (size_t) incount, inbuf, (char *) outbuf + *position);
    *position += (MPI_Count) bytes;
    return ext_convert_done(call, ret);
}

KR_WEAK_ALIAS(Pack_external)
int PMPI_Pack_external(const char *datarep, const void *inbuf, int incount, MPI_Datatype datatype,
                       void *outbuf, MPI_Aint outsize, MPI_Aint *position)
{
    MPI_Count pos = position != NULL ? *position : 0;
    int ret = pack_ext("MPI_Pack_external", datarep, inbuf, incount, datatype, outbuf, outsize,
                       position != NULL ? &pos : NULL);

    if (position != NULL) {
        *position = (MPI_Aint) pos;
    }
    return ret;
}

KR_WEAK_ALIAS(Pack_external_c)
int PMPI_Pack_external_c(const char *datarep, const void *inbuf, MPI_Count incount,
                         MPI_Datatype datatype, void *outbuf, MPI_Count outsize,
                         MPI_Count *position)
{
    return pack_ext("MPI_Pack_external_c", datarep, inbuf, incount, datatype, outbuf, outsize,
                    position);
}

static int unpack_ext(const char *call, const char *datarep, const void *inbuf, MPI_Count insize,
                      MPI_Count *position, void *outbuf, MPI_Count outcount, MPI_Datatype datatype)
{
    struct kr_dt *dt;
    size_t bytes;
    int ret = ext_count_type(call, datarep, outcount, datatype, true, &dt, &bytes);

    if (ret == MPI_SUCCESS) {
        ret = pack_typed_buf(call, NULL, outbuf, outcount, dt, "outbuf");
    }
    if (ret == MPI_SUCCESS) {
        ret = pack_room(call, NULL, inbuf, insize, position, bytes, true);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = kr_dt_ext32_unpack(dt, (size_t) outcount, outbuf, (const char *) inbuf + *position);
    *position += (MPI_Count) bytes;
    return ext_convert_done(call, ret);
}

KR_WEAK_ALIAS(Unpack_external)
int PMPI_Unpack_external(const char datarep[], const void *inbuf, MPI_Aint insize,
                         MPI_Aint *position, void *outbuf, int outcount, MPI_Datatype datatype)
{
    MPI_Count pos = position != NULL ? *position : 0;
    int ret = unpack_ext("MPI_Unpack_external", datarep, inbuf, insize,
                         position != NULL ? &pos : NULL, outbuf, outcount, datatype);

    if (position != NULL) {
        *position = (MPI_Aint) pos;
    }
    return ret;
}

KR_WEAK_ALIAS(Unpack_external_c)
int PMPI_Unpack_external_c(const char datarep[], const void *inbuf, MPI_Count insize,
                           MPI_Count *position, void *outbuf, MPI_Count outcount,
                           MPI_Datatype datatype)
{
    return unpack_ext("MPI_Unpack_external_c", datarep, inbuf, insize, position, outbuf, outcount,
                      datatype);
}

KR_WEAK_ALIAS(Pack_external_size)
int PMPI_Pack_external_size(const char *datarep, int incount, MPI_Datatype datatype, MPI_Aint *size)
{
    struct kr_dt *dt;
    size_t bytes;
    int ret = kr_api_check_ptr("MPI_Pack_external_size", size, "size");

    if (ret == MPI_SUCCESS) {
        ret = ext_count_type("MPI_Pack_external_size", datarep, incount, datatype, false, &dt,
                             &bytes);
    }
    if (ret == MPI_SUCCESS) {
        *size = (MPI_Aint) bytes;
    }
    return ret;
}

KR_WEAK_ALIAS(Pack_external_size_c)
int PMPI_Pack_external_size_c(const char *datarep, MPI_Count incount, MPI_Datatype datatype,
                              MPI_Count *size)
{
    struct kr_dt *dt;
    size_t bytes;
    int ret = kr_api_check_ptr("MPI_Pack_external_size_c", size, "size");

    if (ret == MPI_SUCCESS) {
        ret = ext_count_type("MPI_Pack_external_size_c", datarep, incount, datatype, false, &dt,
                             &bytes);
    }
    if (ret == MPI_SUCCESS) {
        *size = (MPI_Count) bytes;
    }
    return ret;
}

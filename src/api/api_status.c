/* Status objects the program reads or fills itself: MPI_Status_set_elements(_x/_c),
 * MPI_Status_set_cancelled, MPI_Test_cancelled and MPI-4.1's get/set of source, tag and error
 * (for generalized requests and layered libraries). The layout of MPI_internal is
 * kr_api_status_set's: bytes of data in words 0-1, the cancelled flag in word 2. */
#include "config.h"

#include "api.h"

#include <stdint.h>

static int status_check(const char *call, const void *status, const void *out, const char *out_name)
{
    if (status == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: status is NULL (MPI_STATUS_IGNORE)", call);
    }
    if (out == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: %s is NULL", call, out_name);
    }
    return MPI_SUCCESS;
}

/* MPI_Get_count and MPI_Get_elements of the same type then give `count` back. */
static int status_set_elements(const char *call, MPI_Status *status, MPI_Datatype h,
                               MPI_Count count)
{
    struct kr_dt *dt = kr_dt_from_handle(h);
    uint64_t bytes;
    int ret;

    ret = status_check(call, status, status, "status");
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (dt == NULL) {
        return kr_api_error(NULL, MPI_ERR_TYPE, "%s: %s is not a valid datatype", call,
                            h == MPI_DATATYPE_NULL ? "MPI_DATATYPE_NULL" : "the datatype");
    }
    if (kr_api_cfg.check_args && count < 0) {
        return kr_api_error(NULL, MPI_ERR_COUNT, "%s: count %lld is negative", call,
                            (long long) count);
    }
    if (kr_api_cfg.check_args && dt->size > 0 && (uint64_t) count > INT64_MAX / dt->size) {
        return kr_api_error(NULL, MPI_ERR_COUNT,
                            "%s: %lld elements of %s are more bytes "
                            "than a status holds",
                            call, (long long) count, kr_dt_name(dt));
    }
    bytes = (uint64_t) count * dt->size;
    status->MPI_internal[0] = (int) (uint32_t) bytes;
    status->MPI_internal[1] = (int) (uint32_t) (bytes >> 32);
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Status_set_elements)
int PMPI_Status_set_elements(MPI_Status *status, MPI_Datatype datatype, int count)
{
    return status_set_elements("MPI_Status_set_elements", status, datatype, count);
}

KR_WEAK_ALIAS(Status_set_elements_x)
int PMPI_Status_set_elements_x(MPI_Status *status, MPI_Datatype datatype, MPI_Count count)
{
    return status_set_elements("MPI_Status_set_elements_x", status, datatype, count);
}

KR_WEAK_ALIAS(Status_set_elements_c)
int PMPI_Status_set_elements_c(MPI_Status *status, MPI_Datatype datatype, MPI_Count count)
{
    return status_set_elements("MPI_Status_set_elements_c", status, datatype, count);
}

KR_WEAK_ALIAS(Status_set_cancelled)
int PMPI_Status_set_cancelled(MPI_Status *status, int flag)
{
    int ret = status_check("MPI_Status_set_cancelled", status, status, "status");

    if (ret == MPI_SUCCESS) {
        status->MPI_internal[2] = flag != 0;
    }
    return ret;
}

KR_WEAK_ALIAS(Test_cancelled)
int PMPI_Test_cancelled(const MPI_Status *status, int *flag)
{
    int ret = status_check("MPI_Test_cancelled", status, flag, "flag");

    if (ret == MPI_SUCCESS) {
        *flag = status->MPI_internal[2] != 0;
    }
    return ret;
}

KR_WEAK_ALIAS(Status_get_source)
int PMPI_Status_get_source(MPI_Status *status, int *source)
{
    int ret = status_check("MPI_Status_get_source", status, source, "source");

    if (ret == MPI_SUCCESS) {
        *source = status->MPI_SOURCE;
    }
    return ret;
}

KR_WEAK_ALIAS(Status_get_tag)
int PMPI_Status_get_tag(MPI_Status *status, int *tag)
{
    int ret = status_check("MPI_Status_get_tag", status, tag, "tag");

    if (ret == MPI_SUCCESS) {
        *tag = status->MPI_TAG;
    }
    return ret;
}

KR_WEAK_ALIAS(Status_get_error)
int PMPI_Status_get_error(MPI_Status *status, int *error)
{
    int ret = status_check("MPI_Status_get_error", status, error, "error");

    if (ret == MPI_SUCCESS) {
        *error = status->MPI_ERROR;
    }
    return ret;
}

/* The setters store any value: a layered library may keep its own meaning in them. */
KR_WEAK_ALIAS(Status_set_source)
int PMPI_Status_set_source(MPI_Status *status, int source)
{
    int ret = status_check("MPI_Status_set_source", status, status, "status");

    if (ret == MPI_SUCCESS) {
        status->MPI_SOURCE = source;
    }
    return ret;
}

KR_WEAK_ALIAS(Status_set_tag)
int PMPI_Status_set_tag(MPI_Status *status, int tag)
{
    int ret = status_check("MPI_Status_set_tag", status, status, "status");

    if (ret == MPI_SUCCESS) {
        status->MPI_TAG = tag;
    }
    return ret;
}

KR_WEAK_ALIAS(Status_set_error)
int PMPI_Status_set_error(MPI_Status *status, int error)
{
    int ret = status_check("MPI_Status_set_error", status, status, "status");

    if (ret == MPI_SUCCESS) {
        status->MPI_ERROR = error;
    }
    return ret;
}

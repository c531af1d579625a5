/* MPI_Alloc_mem and MPI_Free_mem: memory the program may later use for one-sided
 * communication. Today it is ordinary heap memory, aligned for the fastest copies. */
#include "config.h"

#include "api.h"

#include "api_comm_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A cache line, so no two buffers share one and vector copies start aligned. */
#define API_MEM_ALIGN 64
/* From this size on, page alignment: registration for RMA and CMA works on whole pages. */
#define API_MEM_PAGE_FROM (64 * 1024)

KR_WEAK_ALIAS(Alloc_mem)
int PMPI_Alloc_mem(MPI_Aint size, MPI_Info info, void *baseptr)
{
    size_t align = API_MEM_ALIGN;
    long page;
    void *p;
    int ret;

    kr_api_check_running("MPI_Alloc_mem");
    if (baseptr == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Alloc_mem: baseptr is NULL");
    }
    if (size < 0) {
        return kr_api_error(NULL, MPI_ERR_SIZE, "MPI_Alloc_mem: size %lld is negative",
                            (long long) size);
    }
    /* Hints are ignored, but the handle must be valid. */
    if (info != MPI_INFO_NULL && kr_api_info(info) == NULL) {
        return kr_api_error(NULL, MPI_ERR_INFO,
                            "MPI_Alloc_mem: the info argument is not a "
                            "valid info object");
    }
    /* Refuse what no address space holds before asking the allocator, which under a sanitizer
     * would end the process instead of failing. */
    if ((uintptr_t) size > PTRDIFF_MAX / 2) {
        return kr_api_error(NULL, MPI_ERR_NO_MEM,
                            "MPI_Alloc_mem: %lld bytes are more than "
                            "this process can address",
                            (long long) size);
    }
    page = sysconf(_SC_PAGESIZE);
    if (size >= API_MEM_PAGE_FROM && page > API_MEM_ALIGN) {
        align = (size_t) page;
    }
    /* size 0 still gets a unique pointer, which MPI_Free_mem takes back like any other */
    ret = posix_memalign(&p, align, size > 0 ? (size_t) size : 1);
    if (ret != 0) {
        return kr_api_error(NULL, MPI_ERR_NO_MEM,
                            "MPI_Alloc_mem: cannot allocate %lld bytes: "
                            "%s",
                            (long long) size, strerror(ret));
    }
    /* baseptr is a void ** typed void * (so &ptr of any pointer type converts silently) */
    memcpy(baseptr, &p, sizeof(p));
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Free_mem)
int PMPI_Free_mem(void *base)
{
    kr_api_check_running("MPI_Free_mem");
    free(base);
    return MPI_SUCCESS;
}

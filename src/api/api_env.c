/* Environment queries: versions, processor name, clocks; and MPI_Pcontrol. */
#include "config.h"

#include "api.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

KR_WEAK_ALIAS(Get_version)
int PMPI_Get_version(int *version, int *subversion)
{
    if (version == NULL || subversion == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Get_version: %s is NULL",
                            version == NULL ? "version" : "subversion");
    }
    *version = MPI_VERSION;
    *subversion = MPI_SUBVERSION;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Abi_get_version)
int PMPI_Abi_get_version(int *abi_major, int *abi_minor)
{
    if (abi_major == NULL || abi_minor == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Abi_get_version: %s is NULL",
                            abi_major == NULL ? "abi_major" : "abi_minor");
    }
    *abi_major = MPI_ABI_VERSION;
    *abi_minor = MPI_ABI_SUBVERSION;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Get_library_version)
int PMPI_Get_library_version(char *version, int *resultlen)
{
    int n;

    if (version == NULL || resultlen == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Get_library_version: %s is NULL",
                            version == NULL ? "version" : "resultlen");
    }
    n = snprintf(version, MPI_MAX_LIBRARY_VERSION_STRING,
                 "Kurir %s (MPI %d.%d, standard ABI %d.%d; transports: shm, tcp, ofi)", PACKAGE_VERSION,
                 MPI_VERSION, MPI_SUBVERSION, MPI_ABI_VERSION, MPI_ABI_SUBVERSION);
    *resultlen = n < MPI_MAX_LIBRARY_VERSION_STRING ? n : MPI_MAX_LIBRARY_VERSION_STRING - 1;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Get_processor_name)
int PMPI_Get_processor_name(char *name, int *resultlen)
{
    if (name == NULL || resultlen == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Get_processor_name: %s is NULL",
                            name == NULL ? "name" : "resultlen");
    }
    if (gethostname(name, MPI_MAX_PROCESSOR_NAME) != 0) {
        snprintf(name, MPI_MAX_PROCESSOR_NAME, "unknown");
    }
    name[MPI_MAX_PROCESSOR_NAME - 1] = '\0';
    *resultlen = (int) strlen(name);
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Wtime)
double PMPI_Wtime(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

KR_WEAK_ALIAS(Wtick)
double PMPI_Wtick(void)
{
    struct timespec ts;

    if (clock_getres(CLOCK_MONOTONIC, &ts) != 0) {
        return 1e-9;
    }
    return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

/* Profiling control: a profiling library defines MPI_Pcontrol to take the levels; without one
 * it has no effect (MPI-5.0 15.2.4), whatever the level and the further arguments. */
KR_WEAK_ALIAS(Pcontrol)
int PMPI_Pcontrol(const int level, ...)
{
    (void) level;
    return MPI_SUCCESS;
}

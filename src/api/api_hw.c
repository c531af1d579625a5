/* MPI 4.1's MPI_Get_hw_resource_info: the hardware this process is confined to, as an info
 * object. The same view MPI_Comm_split_type(MPI_COMM_TYPE_HW_GUIDED) takes (topo/): for each
 * resource type in which the process's CPU binding lies within one object, the key is the
 * type's hwloc name ("Package", "NUMANode", "L3Cache", "L2Cache", "Core", "PU") and the value
 * that object's logical index on this host; "mpi_hw_resource_type" names the smallest of them,
 * or "Machine" when no object smaller than the host holds all its CPUs (it may run anywhere on
 * its host). Those names are what the split's "mpi_hw_resource_type" hint accepts. */
#include "config.h"

#include "api.h"

#include "api_comm_int.h"

#include "topo/topo.h"

#include <stdio.h>

static int hw_info_fill(struct kr_api_info **info)
{
    enum kr_topo_res smallest = KR_TOPO_RES_HOST;
    char val[16];
    int ret;

    for (int res = KR_TOPO_RES_HOST + 1; res < KR_TOPO_RES_COUNT; res++) {
        int idx = -1;

        /* no topology (logged where it failed): report what is known, the host */
        if (kr_topo_self_index((enum kr_topo_res) res, &idx) != 0 || idx < 0) {
            continue;
        }
        snprintf(val, sizeof(val), "%d", idx);
        ret = kr_api_info_set(info, kr_topo_res_name((enum kr_topo_res) res), val);
        if (ret != 0) {
            return ret;
        }
        smallest = (enum kr_topo_res) res;
    }
    return kr_api_info_set(info, "mpi_hw_resource_type", kr_topo_res_name(smallest));
}

KR_WEAK_ALIAS(Get_hw_resource_info)
int PMPI_Get_hw_resource_info(MPI_Info *hw_info)
{
    struct kr_api_info *info = NULL;
    int ret;

    kr_api_check_running("MPI_Get_hw_resource_info");
    ret = kr_api_check_ptr("MPI_Get_hw_resource_info", hw_info, "hw_info");
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    ret = hw_info_fill(&info);
    if (ret != 0) {
        kr_api_info_free(info);
        return kr_api_error(NULL, MPI_ERR_NO_MEM, "MPI_Get_hw_resource_info: out of memory");
    }
    *hw_info = (MPI_Info) (void *) info;
    return MPI_SUCCESS;
}

/* Is there fabric hardware for a high-speed libfabric provider on this host? Asking libfabric
 * itself (fi_getinfo) loads and initialises every provider it was built with, which costs
 * about half a second per rank on a machine with nothing but Ethernet; the device nodes those
 * providers drive are a few stat calls away. */
#include "config.h"

#include "transport/tport.h"

#include <dirent.h>
#include <glob.h>
#include <stdbool.h>
#include <string.h>

/* A directory with at least one entry besides . and .. */
static bool ofi_hw_dir_has_entries(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    bool found = false;

    if (d == NULL) {
        return false;
    }
    while (!found && (e = readdir(d)) != NULL) {
        found = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    }
    closedir(d);
    return found;
}

static bool ofi_hw_glob(const char *pattern)
{
    glob_t g;
    bool found = glob(pattern, GLOB_NOSORT, NULL, &g) == 0 && g.gl_pathc > 0;

    globfree(&g);
    return found;
}

bool kr_ofi_hw_present(void)
{
    /* RDMA devices (verbs, efa, psm3 over RoCE, usnic), Omni-Path (psm2, opx), Slingshot (cxi) */
    return ofi_hw_dir_has_entries("/sys/class/infiniband") || ofi_hw_glob("/dev/hfi1*")
           || ofi_hw_dir_has_entries("/sys/class/cxi") || ofi_hw_glob("/dev/cxi*");
}

/* Safety net after crashes, for mpirun and kurir-daemon alike: ranks that fall back to named
 * segments call them /dev/shm/kurir-<jobid>-<something>; remove what a dead job left. */
#include "config.h"

#include "launch.h"

#include "util/log.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LAUNCH_SHM_DIR "/dev/shm"

void kr_launch_shm_cleanup(const char *jobid)
{
    char prefix[96], path[512];
    struct dirent *de;
    size_t n;
    DIR *d;

    n = (size_t) snprintf(prefix, sizeof(prefix), "kurir-%s", jobid);
    d = opendir(LAUNCH_SHM_DIR);
    if (d == NULL) {
        return;
    }
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, prefix, n) == 0 &&
            (de->d_name[n] == '\0' || de->d_name[n] == '-' || de->d_name[n] == '.')) {
            snprintf(path, sizeof(path), LAUNCH_SHM_DIR "/%s", de->d_name);
            if (unlink(path) == 0) {
                KR_LOG_INFO(LAUNCH, "removed leftover %s", path);
            }
        }
    }
    closedir(d);
}

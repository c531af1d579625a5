/* How many CPUs the ranks of this host share. Not this process's affinity mask: a launcher that
 * binds each rank to its own core (ours by default when the ranks fit, srun --cpu-bind) leaves
 * one CPU in it, and every bound job would look oversubscribed. The job's cgroup cpuset (a
 * batch system's allocation) bounds what the ranks can use; without one, the online CPUs. */
#include "config.h"

#include "topo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* CPUs in a list like "0-3,8,10-11"; 0 when it does not parse. */
int kr_topo_cpulist_count(const char *list)
{
    int n = 0;
    const char *p = list;

    while (*p != '\0' && *p != '\n') {
        char *end;
        long lo = strtol(p, &end, 10), hi = lo;

        if (end == p || lo < 0) {
            return 0;
        }
        p = end;
        if (*p == '-') {
            hi = strtol(p + 1, &end, 10);
            if (end == p + 1 || hi < lo) {
                return 0;
            }
            p = end;
        }
        n += (int) (hi - lo + 1);
        if (*p == ',') {
            p++;
        } else if (*p != '\0' && *p != '\n') {
            return 0;
        }
    }
    return n;
}

/* The cpuset of this process's cgroup: cgroup v2 (/sys/fs/cgroup<path>/cpuset.cpus.effective)
 * or v1 (/sys/fs/cgroup/cpuset<path>/cpuset.effective_cpus); 0 when neither is readable. */
static int topo_cgroup_cpus(void)
{
    char line[512], v1[700] = "", v2[700] = "", cpus[4096];
    FILE *f = fopen("/proc/self/cgroup", "r");
    int n = 0;

    if (f == NULL) {
        return 0;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char *rest = strchr(line, ':');

        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "0::", 3) == 0) {
            snprintf(v2, sizeof(v2), "/sys/fs/cgroup%s/cpuset.cpus.effective", line + 3);
        } else if (rest != NULL && strncmp(rest, ":cpuset:", 8) == 0) {
            snprintf(v1, sizeof(v1), "/sys/fs/cgroup/cpuset%s/cpuset.effective_cpus", rest + 8);
        }
    }
    fclose(f);
    for (int i = 0; i < 2 && n == 0; i++) {
        f = fopen(i == 0 ? v1 : v2, "r");
        if (f != NULL) {
            if (fgets(cpus, sizeof(cpus), f) != NULL) {
                n = kr_topo_cpulist_count(cpus);
            }
            fclose(f);
        }
    }
    return n;
}

int kr_topo_cpus_host(void)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int cg = topo_cgroup_cpus();

    if (cg > 0 && (online <= 0 || cg < online)) {
        return cg;
    }
    return online > 0 ? (int) online : kr_topo_cpus_allowed();
}

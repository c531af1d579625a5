/* This host's part of mapping and binding: load the topology once, export it as XML for the
 * ranks (which then load it instead of discovering it themselves), compute each local rank's
 * binding and report it. The binding itself is applied in the child after fork (launch_spawn.c). */
#include "config.h"

#include "bind.h"

#include "boot/pmi2_wire.h"
#include "util/log.h"

#include <errno.h>
#include <hwloc/glibc-sched.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>
#include <unistd.h>

/* Ranks inherit the launcher's affinity (taskset, a batch system's binding): place them inside
 * it, never on CPUs the launcher was kept off. */
static void bind_topology_restrict(hwloc_topology_t t)
{
    hwloc_bitmap_t mine = hwloc_bitmap_alloc();
    cpu_set_t mask;

    if (mine == NULL || sched_getaffinity(0, sizeof(mask), &mask) != 0) {
        hwloc_bitmap_free(mine);
        return;
    }
    hwloc_cpuset_from_glibc_sched_affinity(t, mine, &mask, sizeof(mask));
    hwloc_bitmap_and(mine, mine, hwloc_topology_get_topology_cpuset(t));
    if (!hwloc_bitmap_iszero(mine) &&
        !hwloc_bitmap_isequal(mine, hwloc_topology_get_topology_cpuset(t)) &&
        hwloc_topology_restrict(t, mine, 0) != 0) {
        KR_LOG_WARN(LAUNCH, "cannot restrict the topology to this process's CPUs: %s",
                    strerror(errno));
    }
    hwloc_bitmap_free(mine);
}

int kr_bind_topology_load(hwloc_topology_t *out)
{
    hwloc_topology_t t;

    if (hwloc_topology_init(&t) != 0) {
        KR_LOG_ERR(LAUNCH, "hwloc_topology_init failed: %s", strerror(errno));
        return -EIO;
    }
    hwloc_topology_set_io_types_filter(t, HWLOC_TYPE_FILTER_KEEP_NONE);
    if (hwloc_topology_load(t) != 0) {
        KR_LOG_ERR(LAUNCH, "hwloc_topology_load failed: %s", strerror(errno));
        hwloc_topology_destroy(t);
        return -EIO;
    }
    bind_topology_restrict(t);
    *out = t;
    return 0;
}

/* The XML in a memfd: the ranks read it through /proc/self/fd/N (a fresh open, so each has its
 * own offset) and it disappears with the last process holding it, however the job ends. */
static void bind_host_export(struct kr_bind_host *bh)
{
    char *xml = NULL;
    int len = 0, fd;
    ssize_t n = 0;

    if (hwloc_topology_export_xmlbuffer(bh->topo, &xml, &len, 0) != 0 || len <= 0) {
        KR_LOG_WARN(LAUNCH, "cannot export the topology as XML: %s", strerror(errno));
        return; /* not fatal: the ranks then discover it themselves */
    }
    fd = memfd_create("kurir-topo", MFD_CLOEXEC);
    if (fd >= 0) {
        n = kr_pmi2_write_all(fd, xml, (size_t) len) == 0 ? len : -1;
    }
    if (fd < 0 || n != len) {
        KR_LOG_WARN(LAUNCH, "cannot pass the topology to the ranks: %s", strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        hwloc_free_xmlbuffer(bh->topo, xml);
        return;
    }
    hwloc_free_xmlbuffer(bh->topo, xml);
    bh->xml_fd = fd;
    snprintf(bh->env_entry, sizeof(bh->env_entry), "KURIR_TOPO_XML=/proc/self/fd/%d", fd);
}

static void bind_host_say(const char *line)
{
    (void) kr_pmi2_write_all(STDERR_FILENO, line, strlen(line));
}

static int bind_host_apply(struct kr_bind_host *bh, const struct kr_bind_result *res,
                           const struct kr_bind_policy *p, const char *host,
                           struct kr_launch_proc *procs)
{
    for (int i = 0; i < bh->nprocs; i++) {
        char what[512], line[768];

        if (res->sets[i] != NULL) {
            if (hwloc_bitmap_list_asprintf(&bh->cpus[i], res->sets[i]) < 0) {
                return -ENOMEM;
            }
            procs[i].cpus = bh->cpus[i];
        }
        if (p->report) {
            kr_bind_describe(bh->topo, res->sets[i], what, sizeof(what));
            snprintf(line, sizeof(line), "kurir: rank %d on host %s %s%s\n", procs[i].rank,
                     host, what, res->sets[i] == NULL ? (p->level == KR_BIND_DEFAULT
                                                             ? " (more ranks than cores)"
                                                             : " (--bind-to none)") : "");
            bind_host_say(line);
        }
    }
    return 0;
}

int kr_bind_host_setup(struct kr_bind_host *bh, const struct kr_bind_policy *p, const char *host, struct kr_launch_proc *procs,
                       int nprocs, char *err, size_t errlen)
{
    struct kr_bind_result res;
    char warn[512];
    int ret;

    memset(bh, 0, sizeof(*bh));
    err[0] = '\0';
    ret = kr_bind_topology_load(&bh->topo);
    if (ret != 0) {
        snprintf(err, errlen, "cannot load the hardware topology of host %s", host);
        return ret;
    }
    bind_host_export(bh);
    bh->nprocs = nprocs;
    bh->cpus = calloc((size_t) nprocs + 1, sizeof(*bh->cpus));
    if (bh->cpus == NULL) {
        return -ENOMEM;
    }
    ret = kr_bind_compute(bh->topo, p, nprocs, &res, warn, sizeof(warn));
    if (ret == -EINVAL) {
        snprintf(err, errlen, "host %s: %s", host, warn);
        return ret;
    }
    if (ret != 0) {
        return ret;
    }
    if (warn[0] != '\0') {
        char line[768];

        snprintf(line, sizeof(line), "kurir: warning: host %s: %s\n", host, warn);
        bind_host_say(line);
    }
    ret = bind_host_apply(bh, &res, p, host, procs);
    kr_bind_result_free(&res);
    return ret;
}

void kr_bind_host_free(struct kr_bind_host *bh)
{
    if (bh->env_entry[0] != '\0') {
        close(bh->xml_fd);
    }
    for (int i = 0; bh->cpus != NULL && i < bh->nprocs; i++) {
        free(bh->cpus[i]);
    }
    free(bh->cpus);
    if (bh->topo != NULL) {
        hwloc_topology_destroy(bh->topo);
    }
    memset(bh, 0, sizeof(*bh));
}

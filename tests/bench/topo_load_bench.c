/* How long a process takes to get this host's hwloc topology: discovering it (what each rank
 * would do on its own) against loading the XML the launcher exports once per host
 * (KURIR_TOPO_XML). Usage: topo_load_bench [N]; prints the median and minimum of N loads each. */
#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}

/* One load as the library does it; xml NULL: discovery. */
static double load_once(const char *xml)
{
    hwloc_topology_t t;
    double t0 = now_us(), t1;

    if (hwloc_topology_init(&t) != 0) {
        exit(1);
    }
    if (xml != NULL && hwloc_topology_set_xml(t, xml) != 0) {
        exit(1);
    }
    if (xml != NULL) {
        hwloc_topology_set_flags(t, HWLOC_TOPOLOGY_FLAG_IS_THISSYSTEM);
    }
    hwloc_topology_set_io_types_filter(t, HWLOC_TYPE_FILTER_KEEP_NONE);
    if (hwloc_topology_load(t) != 0) {
        exit(1);
    }
    t1 = now_us();
    hwloc_topology_destroy(t);
    return t1 - t0;
}

static void report(const char *what, double *v, int n)
{
    qsort(v, (size_t) n, sizeof(*v), cmp);
    printf("%-32s median %8.1f us   min %8.1f us   (%d loads)\n", what, v[n / 2], v[0], n);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 50;
    double *v = calloc((size_t) (n > 0 ? n : 1), sizeof(double));
    char path[128];
    hwloc_topology_t t;

    if (v == NULL || n <= 0) {
        return 1;
    }
    snprintf(path, sizeof(path), "/dev/shm/kurir-bench-%d-topo.xml", (int) getpid());
    if (hwloc_topology_init(&t) != 0) {
        return 1;
    }
    hwloc_topology_set_io_types_filter(t, HWLOC_TYPE_FILTER_KEEP_NONE);
    if (hwloc_topology_load(t) != 0 || hwloc_topology_export_xml(t, path, 0) != 0) {
        return 1;
    }
    hwloc_topology_destroy(t);
    for (int i = 0; i < n; i++) {
        v[i] = load_once(NULL);
    }
    report("discovery (each rank alone)", v, n);
    for (int i = 0; i < n; i++) {
        v[i] = load_once(path);
    }
    report("XML from /dev/shm (shared)", v, n);
    unlink(path);
    free(v);
    return 0;
}

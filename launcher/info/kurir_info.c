/* kurir-info: what this Kurir build is (version, configure options, transports, topology)
 * and every KURIR_* setting with its current value, default and meaning. */
#include "config.h"

#include <mpi.h>

#include "topo/topo.h"
#include "util/settings.h"

#include <stdio.h>
#include <string.h>

#if KR_HAVE_OFI
#include "transport/tport.h"

#include <stdbool.h>

#include <rdma/fabric.h>
#endif

static void info_usage(FILE *f)
{
    fprintf(f, "usage: kurir-info [--settings | --version | --help]\n"
               "  (no option)  build, transports, topology and settings\n"
               "  --settings   only the KURIR_* settings: name, value, default, meaning\n"
               "  --version    the version number\n");
}

static void info_settings(void)
{
    char name[96], val[256];

    printf("Settings (environment variables; value shown is the one in effect here):\n");
    for (int t = 0; kr_settings_all[t] != NULL; t++) {
        for (const struct kr_setting *s = kr_settings_all[t]; s->name != NULL; s++) {
            printf("  %-28s %s (default %s)\n", kr_setting_env_name(s, name, sizeof(name)),
                   kr_setting_format(s, val, sizeof(val)), s->defval);
            printf("      %s\n", s->help);
            if (s->type == KR_SET_ENUM) {
                printf("      one of:");
                for (int i = 0; s->choices[i] != NULL; i++) {
                    printf(" %s", s->choices[i]);
                }
                printf("\n");
            }
        }
    }
}

#if KR_HAVE_OFI
/* One provider as kurir-info lists it: endpoint types seen and whether any entry has RMA. */
struct info_prov {
    char name[64];
    bool msg, rdm, dgram, rma, kurir;
};

static int info_prov_find(struct info_prov *p, int n, const char *name)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(p[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

/* The providers fi_getinfo reports at run time, and which Kurir can use (reliable tagged
 * endpoints with ordered sends: kr_ofi_tport_probe's query). */
static void info_ofi(void)
{
    struct info_prov prov[64];
    struct fi_info *all = NULL;
    char pick[64], have[512];
    int n = 0;

    printf("  libfabric           %u.%u (built against %u.%u)\n", FI_MAJOR(fi_version()),
           FI_MINOR(fi_version()), FI_MAJOR_VERSION, FI_MINOR_VERSION);
    if (fi_getinfo(FI_VERSION(1, 10), NULL, NULL, 0, NULL, &all) != 0) {
        all = NULL;
    }
    for (struct fi_info *i = all; i != NULL; i = i->next) {
        int k = info_prov_find(prov, n, i->fabric_attr->prov_name);

        if (k < 0 && n < 64) {
            k = n++;
            memset(&prov[k], 0, sizeof(prov[k]));
            snprintf(prov[k].name, sizeof(prov[k].name), "%s", i->fabric_attr->prov_name);
        }
        if (k < 0) {
            continue;
        }
        prov[k].msg |= i->ep_attr->type == FI_EP_MSG;
        prov[k].rdm |= i->ep_attr->type == FI_EP_RDM;
        prov[k].dgram |= i->ep_attr->type == FI_EP_DGRAM;
        prov[k].rma |= (i->caps & FI_RMA) != 0;
    }
    fi_freeinfo(all);
    if (kr_ofi_tport_probe(true, pick, sizeof(pick), have, sizeof(have)) == 0
        || strcmp(have, "none") != 0) {
        /* `have` lists the providers Kurir's query accepts */
        for (int k = 0; k < n; k++) {
            size_t l = strlen(prov[k].name);

            for (const char *p = strstr(have, prov[k].name); p != NULL && !prov[k].kurir;
                 p = strstr(p + 1, prov[k].name)) {
                prov[k].kurir = (p == have || p[-1] == ' ') && (p[l] == ',' || p[l] == '\0');
            }
        }
    }
    printf("  fabric providers    %d found at run time (fi_getinfo):\n", n);
    for (int k = 0; k < n; k++) {
        char eps[32];

        snprintf(eps, sizeof(eps), "%s%s%s", prov[k].msg ? "msg " : "",
                 prov[k].rdm ? "rdm " : "", prov[k].dgram ? "dgram " : "");
        printf("      %-18s endpoints %-14s rma %-4s usable by kurir %s\n", prov[k].name, eps,
               prov[k].rma ? "yes" : "no", prov[k].kurir ? "yes" : "no");
    }
    if (kr_ofi_tport_probe(false, pick, sizeof(pick), have, sizeof(have)) == 0) {
        printf("  ofi default         %s (used between hosts instead of Kurir's tcp)\n", pick);
    } else if (kr_ofi_tport_wanted()[0] != '\0') {
        printf("  ofi default         the named provider '%s' is not available: MPI_Init "
               "fails\n", kr_ofi_tport_wanted());
    } else {
        printf("  ofi default         none: no high-speed provider, so Kurir's tcp is used "
               "between hosts\n");
    }
    if (kr_ofi_tport_probe(true, pick, sizeof(pick), have, sizeof(have)) == 0) {
        printf("  ofi when forced     %s (KURIR_TRANSPORTS=ofi)\n", pick);
    } else {
        printf("  ofi when forced     no usable provider (found: %s)\n", have);
    }
}
#endif

static void info_build(void)
{
    char topo[256];

    printf("Kurir %s\n", PACKAGE_VERSION);
    printf("  MPI standard        %d.%d, standard ABI %d.%d (libmpi_abi.so.0)\n", MPI_VERSION,
           MPI_SUBVERSION, MPI_ABI_VERSION, MPI_ABI_SUBVERSION);
    printf("  configure options   %s\n", KR_CONFIGURE_ARGS[0] != '\0' ? KR_CONFIGURE_ARGS
                                                                     : "(none)");
    printf("  debug build         %s\n", KR_DEBUG ? "yes" : "no");
    printf("  transports          shm (same host: lock-free rings, process_vm_readv single "
           "copy), tcp (other hosts, or\n"
           "                      every peer with KURIR_TRANSPORTS=tcp: epoll, per-job secret, "
           "streamed rendezvous),\n"
           "%s"
           "                      loop (a rank to itself); chosen per peer, see "
           "KURIR_TRANSPORTS\n",
           KR_HAVE_OFI ? "                      ofi (other hosts over a high-speed libfabric "
                         "provider, or every peer with KURIR_TRANSPORTS=ofi),\n" : "");
#if KR_HAVE_OFI
    info_ofi();
#else
    printf("  libfabric           not built in (--without-ofi)\n");
#endif
    if (kr_topo_describe(topo, sizeof(topo)) == 0) {
        printf("  this host           %s\n", topo);
    }
}

int main(int argc, char **argv)
{
    char err[512];

    if (argc > 2 || (argc == 2 && strcmp(argv[1], "--settings") != 0
                     && strcmp(argv[1], "--version") != 0 && strcmp(argv[1], "--help") != 0)) {
        fprintf(stderr, "kurir-info: unknown argument '%s'\n", argv[1]);
        info_usage(stderr);
        return 2;
    }
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        info_usage(stdout);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("kurir-info (Kurir) %s\n", PACKAGE_VERSION);
        return 0;
    }
    if (kr_settings_load(err, sizeof(err)) != 0) {
        fprintf(stderr, "kurir-info: %s\n", err);
        return 1;
    }
    if (argc == 1) {
        info_build();
        printf("\n");
    }
    info_settings();
    return 0;
}

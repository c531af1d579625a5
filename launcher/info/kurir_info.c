/* kurir-info: what this Kurir build is (version, configure options, transports, topology)
 * and every KURIR_* setting with its current value, default and meaning. */
#include "config.h"

#include <mpi.h>

#include "topo/topo.h"
#include "util/settings.h"

#include <stdio.h>
#include <string.h>

#if KR_HAVE_OFI
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
           "                      loop (a rank to itself); chosen per peer, see "
           "KURIR_TRANSPORTS\n");
#if KR_HAVE_OFI
    printf("  libfabric           %u.%u found at build time (network transport: not yet "
           "available)\n", FI_MAJOR(fi_version()), FI_MINOR(fi_version()));
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

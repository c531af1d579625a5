/* Provider ranking: which libfabric provider Kurir uses when nobody names one. High-speed
 * networks beat Kurir's own TCP; providers that are sockets underneath (tcp, sockets, udp,
 * net) do not, so they are used only when ofi is forced. Pure functions (test_ofi.c). */
#include "config.h"

#include "ofi_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Core providers by preference inside their class (first is best). */
static const char *const ofi_prov_fast[] = {
    "cxi", "opx", "psm3", "psm2", "efa", "verbs", "usnic", "gni", "bgq", NULL
};
static const char *const ofi_prov_slow[] = {
    "tcp", "sockets", "net", "udp", NULL
};

/* The core provider of a layered name: "verbs;ofi_rxm" -> "verbs" (into buf). */
static const char *ofi_prov_core(const char *name, char *buf, size_t len)
{
    size_t n = strcspn(name, ";");

    if (n >= len) {
        n = len - 1;
    }
    memcpy(buf, name, n);
    buf[n] = '\0';
    return buf;
}

static int ofi_prov_index(const char *const *list, const char *core)
{
    for (int i = 0; list[i] != NULL; i++) {
        if (strcasecmp(list[i], core) == 0) {
            return i;
        }
    }
    return -1;
}

enum kr_ofi_prov_class kr_ofi_prov_class(const char *name, int *rank_out)
{
    char core[KR_OFI_PROV_MAX];
    int i;

    ofi_prov_core(name, core, sizeof(core));
    *rank_out = 0;
    i = ofi_prov_index(ofi_prov_fast, core);
    if (i >= 0) {
        *rank_out = 100 - i;
        return KR_OFI_PROV_FAST;
    }
    i = ofi_prov_index(ofi_prov_slow, core);
    if (i >= 0) {
        /* Kurir wants reliable ordered messages: tcp;ofi_rxm is the tested combination. */
        *rank_out = 100 - 2 * i + (strcasecmp(name, "tcp;ofi_rxm") == 0);
        return KR_OFI_PROV_SLOW;
    }
    return KR_OFI_PROV_NEVER;
}

bool kr_ofi_prov_matches(const char *name, const char *want)
{
    char core[KR_OFI_PROV_MAX];

    if (strcasecmp(name, want) == 0) {
        return true;
    }
    return strchr(want, ';') == NULL
           && strcasecmp(ofi_prov_core(name, core, sizeof(core)), want) == 0;
}

int kr_ofi_prov_pick(const char *const *names, int n, const char *want, bool forced)
{
    int best = -1, best_class = 0, best_rank = 0;

    for (int i = 0; i < n; i++) {
        int rank;
        enum kr_ofi_prov_class c;

        if (want != NULL && want[0] != '\0') {
            if (kr_ofi_prov_matches(names[i], want)) {
                return i;
            }
            continue;
        }
        c = kr_ofi_prov_class(names[i], &rank);
        if (c == KR_OFI_PROV_NEVER || (c == KR_OFI_PROV_SLOW && !forced)) {
            continue;
        }
        if (best < 0 || (int) c > best_class || ((int) c == best_class && rank > best_rank)) {
            best = i;
            best_class = (int) c;
            best_rank = rank;
        }
    }
    return best;
}

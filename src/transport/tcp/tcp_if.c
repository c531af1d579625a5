/* Which local IPv4 addresses a rank publishes: KURIR_TCP_IF rules (interface names or CIDR
 * networks), or every address of an interface that is up and is neither loopback nor a
 * container/VM bridge. Parsing and filtering are pure (unit-tested); only kr_tcp_if_list
 * asks the kernel. */
#include "config.h"

#include "tcp_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Interfaces that exist for containers or VMs on this host; traffic between hosts never
 * flows there, and trying them costs a connect timeout each. */
static const char *const tcp_if_bridges[] = {
    "docker", "br-", "virbr", "veth", "lxcbr", "lxdbr", "cni", "flannel", "podman", NULL
};

static int tcp_if_parse_net(const char *text, struct tcp_if_rule *r)
{
    char a[INET_ADDRSTRLEN];
    const char *slash = strchr(text, '/');
    struct in_addr in;
    char *end;
    long bits;

    if (slash == NULL || (size_t) (slash - text) >= sizeof(a)) {
        return -EINVAL;
    }
    memcpy(a, text, (size_t) (slash - text));
    a[slash - text] = '\0';
    if (inet_pton(AF_INET, a, &in) != 1) {
        return -EINVAL;
    }
    bits = strtol(slash + 1, &end, 10);
    if (end == slash + 1 || *end != '\0' || bits < 0 || bits > 32) {
        return -EINVAL;
    }
    r->is_net = true;
    r->mask = bits == 0 ? 0 : ~(uint32_t) 0 << (32 - bits);
    r->net = ntohl(in.s_addr) & r->mask;
    return 0;
}

int kr_tcp_if_parse(const char *spec, struct tcp_if_rule *rules, int max, char *err,
                    size_t errlen)
{
    const char *p = spec;
    int n = 0;

    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        char item[64];
        struct tcp_if_rule r;

        memset(&r, 0, sizeof(r));
        if (len == 0 || len >= sizeof(item)) {
            snprintf(err, errlen, "KURIR_TCP_IF=%s: empty or overlong entry", spec);
            return -EINVAL;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        if (n == max) {
            snprintf(err, errlen, "KURIR_TCP_IF=%s: more than %d entries", spec, max);
            return -EINVAL;
        }
        if (strchr(item, '/') != NULL) {
            if (tcp_if_parse_net(item, &r) != 0) {
                snprintf(err, errlen, "KURIR_TCP_IF=%s: '%s' is not an IPv4 network "
                         "(a.b.c.d/bits)", spec, item);
                return -EINVAL;
            }
        } else if (len >= sizeof(r.name) || strspn(item, "0123456789.") == len) {
            snprintf(err, errlen, "KURIR_TCP_IF=%s: '%s' is neither an interface name nor "
                     "a network a.b.c.d/bits", spec, item);
            return -EINVAL;
        } else {
            memcpy(r.name, item, len + 1);
        }
        rules[n++] = r;
        p += len;
        if (*p == ',') {
            p++;
            if (*p == '\0') {
                snprintf(err, errlen, "KURIR_TCP_IF=%s: trailing comma", spec);
                return -EINVAL;
            }
        }
    }
    if (n == 0) {
        snprintf(err, errlen, "KURIR_TCP_IF is empty");
        return -EINVAL;
    }
    return n;
}

bool kr_tcp_if_usable(const struct tcp_ifaddr *ia)
{
    if (!ia->up || ia->loopback) {
        return false;
    }
    for (int i = 0; tcp_if_bridges[i] != NULL; i++) {
        if (strncmp(ia->name, tcp_if_bridges[i], strlen(tcp_if_bridges[i])) == 0) {
            return false;
        }
    }
    return true;
}

static bool tcp_if_rule_match(const struct tcp_if_rule *r, const struct tcp_ifaddr *ia)
{
    if (r->is_net) {
        return (ntohl(ia->addr.s_addr) & r->mask) == r->net;
    }
    return strcmp(r->name, ia->name) == 0;
}

int kr_tcp_if_choose(const struct tcp_ifaddr *cand, int ncand, const struct tcp_if_rule *rules,
                     int nrules, struct in_addr *out, int max)
{
    int n = 0;

    /* Rules keep their order: the first entry of KURIR_TCP_IF is tried first by peers. */
    for (int r = 0; r < nrules; r++) {
        for (int i = 0; i < ncand && n < max; i++) {
            bool dup = false;

            if (!cand[i].up || !tcp_if_rule_match(&rules[r], &cand[i])) {
                continue;
            }
            for (int j = 0; j < n; j++) {
                dup = dup || out[j].s_addr == cand[i].addr.s_addr;
            }
            if (!dup) {
                out[n++] = cand[i].addr;
            }
        }
    }
    if (nrules > 0) {
        return n;
    }
    for (int i = 0; i < ncand && n < max; i++) {
        if (kr_tcp_if_usable(&cand[i])) {
            out[n++] = cand[i].addr;
        }
    }
    return n;
}

int kr_tcp_if_list(struct tcp_ifaddr *out, int max)
{
    struct ifaddrs *ifa, *p;
    int n = 0;

    if (getifaddrs(&ifa) != 0) {
        return -errno;
    }
    for (p = ifa; p != NULL && n < max; p = p->ifa_next) {
        if (p->ifa_addr == NULL || p->ifa_addr->sa_family != AF_INET) {
            continue;
        }
        memset(&out[n], 0, sizeof(out[n]));
        snprintf(out[n].name, sizeof(out[n].name), "%s", p->ifa_name);
        out[n].addr = ((const struct sockaddr_in *) (const void *) p->ifa_addr)->sin_addr;
        out[n].up = (p->ifa_flags & IFF_UP) != 0 && (p->ifa_flags & IFF_RUNNING) != 0;
        out[n].loopback = (p->ifa_flags & IFF_LOOPBACK) != 0;
        n++;
    }
    freeifaddrs(ifa);
    return n;
}

/* The system's answer to "does this host name exist, and is it this machine?": getaddrinfo()
 * for existence, the hostname and the interface addresses (getifaddrs) for locality. */
#include "config.h"

#include "plan.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* `name` is this machine's hostname, its first label, or its canonical (fully qualified) name. */
static bool resolve_is_hostname(const char *name)
{
    struct addrinfo hints = { .ai_flags = AI_CANONNAME, .ai_family = AF_UNSPEC };
    struct addrinfo *ai = NULL;
    char host[256];
    size_t shortlen;
    bool same = false;

    if (gethostname(host, sizeof(host)) != 0) {
        return false;
    }
    host[sizeof(host) - 1] = '\0';
    shortlen = strcspn(host, ".");
    if (strcasecmp(name, host) == 0 ||
        (strlen(name) == shortlen && strncasecmp(name, host, shortlen) == 0)) {
        return true;
    }
    if (strchr(name, '.') == NULL) {
        return false;              /* a short name that is not ours: no need to ask DNS */
    }
    if (getaddrinfo(host, NULL, &hints, &ai) == 0 && ai != NULL && ai->ai_canonname != NULL) {
        same = strcasecmp(name, ai->ai_canonname) == 0;
    }
    if (ai != NULL) {
        freeaddrinfo(ai);
    }
    return same;
}

static bool resolve_same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
    if (a == NULL || b == NULL || a->sa_family != b->sa_family) {
        return false;
    }
    if (a->sa_family == AF_INET) {
        return ((const struct sockaddr_in *) (const void *) a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *) (const void *) b)->sin_addr.s_addr;
    }
    if (a->sa_family == AF_INET6) {
        return memcmp(&((const struct sockaddr_in6 *) (const void *) a)->sin6_addr,
                      &((const struct sockaddr_in6 *) (const void *) b)->sin6_addr,
                      sizeof(struct in6_addr)) == 0;
    }
    return false;
}

static bool resolve_is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *) (const void *) sa;

        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) (const void *) sa;

        return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
               (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127);
    }
    return false;
}

/* Any address of `ai` is a loopback address or one of our interfaces'. */
static bool resolve_addrs_local(const struct addrinfo *ai)
{
    struct ifaddrs *ifs = NULL;
    bool local = false;

    for (const struct addrinfo *a = ai; a != NULL && !local; a = a->ai_next) {
        local = resolve_is_loopback(a->ai_addr);
    }
    if (local || getifaddrs(&ifs) != 0) {
        return local;
    }
    for (const struct addrinfo *a = ai; a != NULL && !local; a = a->ai_next) {
        for (const struct ifaddrs *i = ifs; i != NULL && !local; i = i->ifa_next) {
            local = resolve_same_addr(a->ai_addr, i->ifa_addr);
        }
    }
    freeifaddrs(ifs);
    return local;
}

/* KURIR_FORCE_REMOTE=1: only "localhost" and this host's names are this machine; every other
 * name, even a loopback address or one of our interfaces, is a host of its own that gets a
 * daemon. Lets the tests run multi-host jobs on one machine through a fake launch agent. */
static bool resolve_force_remote(void)
{
    extern char **environ;
    static const char *const yes[] = { "1", "yes", "true", "on", NULL };

    for (char **e = environ; *e != NULL; e++) {
        if (strncmp(*e, "KURIR_FORCE_REMOTE=", 19) == 0) {
            for (int i = 0; yes[i] != NULL; i++) {
                if (strcasecmp(*e + 19, yes[i]) == 0) {
                    return true;
                }
            }
        }
    }
    return false;
}

static int resolve_system(void *arg, const char *name, bool *local_out, char *why,
                          size_t whylen)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    struct addrinfo *ai = NULL;
    int ret;

    (void) arg;
    if (strcasecmp(name, "localhost") == 0 || resolve_is_hostname(name)) {
        *local_out = true;
        return 0;
    }
    if (resolve_force_remote()) {
        /* Tests: 127.0.0.2 and 127.0.0.3 become two "other" hosts, each with a daemon. */
        *local_out = false;
        return 0;
    }
    ret = getaddrinfo(name, NULL, &hints, &ai);
    if (ret != 0) {
        snprintf(why, whylen, "it does not resolve: %s",
                 ret == EAI_SYSTEM ? strerror(errno) : gai_strerror(ret));
        return -ENOENT;
    }
    *local_out = resolve_addrs_local(ai);
    freeaddrinfo(ai);
    return 0;
}

const struct kr_plan_resolver kr_plan_resolver_system = { .resolve = resolve_system };

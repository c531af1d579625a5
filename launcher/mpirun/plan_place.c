/* Placing the ranks on the hosts: rank counts per application context, the slot check,
 * --map-by slot (fill a host, then the next) or node (round-robin), -N, and the resulting
 * PMI_process_mapping. */
#include "config.h"

#include "plan.h"

#include "boot/pmi2_wire.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int place_bad(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int place_bad(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static const char *place_s(long n)
{
    return n == 1 ? "" : "s";
}

int kr_plan_parse_map(const char *text, enum kr_plan_map *map_out, char *err, size_t errlen)
{
    if (strcasecmp(text, "slot") == 0 || strcasecmp(text, "byslot") == 0) {
        *map_out = KR_PLAN_MAP_SLOT;
        return 0;
    }
    if (strcasecmp(text, "node") == 0 || strcasecmp(text, "bynode") == 0) {
        *map_out = KR_PLAN_MAP_NODE;
        return 0;
    }
    return place_bad(err, errlen, "--map-by '%s' is not supported (valid: slot, node)", text);
}

static long place_total_slots(const struct kr_plan *plan)
{
    long total = 0;

    for (int i = 0; i < plan->nhosts; i++) {
        total += plan->hosts[i].slots;
    }
    return total;
}

/* apps[].np defaults and their sum. */
static int place_app_sizes(struct kr_plan *plan, char *err, size_t errlen)
{
    long np = 0, def;

    if (!plan->hosts_given) {
        def = plan->npernode > 0 ? plan->npernode : 1;
    } else {
        def = plan->npernode > 0 ? (long) plan->npernode * plan->nhosts
                                 : place_total_slots(plan);
    }
    for (int a = 0; a < plan->napps; a++) {
        if (plan->apps[a].np == 0 && plan->hosts_given && plan->napps > 1) {
            return place_bad(err, errlen, "program %d ('%s') needs -n: when hosts are given "
                             "and there are several programs, each one says how many ranks "
                             "it runs", a + 1, plan->apps[a].argv[0]);
        }
        if (plan->apps[a].np == 0) {
            plan->apps[a].np = (int) (def < 1000000 ? def : 1000000);
        }
        plan->apps[a].first_rank = (int) np;
        np += plan->apps[a].np;
        if (np > 1000000) {
            return place_bad(err, errlen, "%ld ranks requested; at most 1000000 are supported",
                             np);
        }
    }
    plan->np = (int) np;
    return 0;
}

/* With -N: how many ranks each host gets (in host order), or an error. */
static int place_npernode(struct kr_plan *plan, int *count, char *err, size_t errlen)
{
    long n = plan->npernode, cap = n * plan->nhosts, left = plan->np;

    if (plan->np > cap) {
        return place_bad(err, errlen, "%d ranks requested but -N %ld on %d host%s places only "
                         "%ld", plan->np, n, plan->nhosts, place_s(plan->nhosts), cap);
    }
    for (int h = 0; h < plan->nhosts; h++) {
        const struct kr_plan_host *host = &plan->hosts[h];

        if (plan->hosts_given && !plan->oversubscribe && n > host->slots) {
            return place_bad(err, errlen, "-N %ld puts %ld ranks on host '%s', which has %d "
                             "slot%s; use --oversubscribe or add slots", n, n, host->name,
                             host->slots, place_s(host->slots));
        }
        if (plan->map == KR_PLAN_MAP_SLOT) {
            count[h] = (int) (left < n ? left : n);
            left -= count[h];
        }
    }
    if (plan->map == KR_PLAN_MAP_NODE) {
        for (long r = 0; r < plan->np; r++) {
            count[r % plan->nhosts]++;     /* every host has room for N: plain round-robin */
        }
    }
    return 0;
}

/* --map-by slot without -N: fill each host's slots in turn; when oversubscribed, the ranks
 * beyond the slots are spread evenly, earlier hosts taking the remainder (as Open MPI does). */
static void place_by_slot(const struct kr_plan *plan, int *count)
{
    long total = place_total_slots(plan), left = plan->np;

    if (plan->np <= total) {
        for (int h = 0; h < plan->nhosts; h++) {
            count[h] = (int) (left < plan->hosts[h].slots ? left : plan->hosts[h].slots);
            left -= count[h];
        }
        return;
    }
    for (int h = 0; h < plan->nhosts; h++) {
        long extra = plan->np - total;

        count[h] = plan->hosts[h].slots + (int) (extra / plan->nhosts) +
                   (h < extra % plan->nhosts ? 1 : 0);
    }
}

/* --map-by node without -N: round-robin over the hosts that still have a free slot; once none
 * has, round-robin over all of them. Fills host_of directly. */
static void place_by_node(struct kr_plan *plan, int *count)
{
    int h = 0;

    for (int r = 0; r < plan->np; r++) {
        int tries = 0;

        while (tries < plan->nhosts && count[h] >= plan->hosts[h].slots) {
            h = (h + 1) % plan->nhosts;
            tries++;
        }
        /* All full: tries == nhosts and h is back where it started, so plain round-robin. */
        plan->host_of[r] = h;
        count[h]++;
        h = (h + 1) % plan->nhosts;
    }
}

/* host_of from each host's rank count: consecutive blocks in host order, or (`rr`, where the
 * counts came from a plain round-robin) rank r on host r mod nhosts. */
static void place_assign(struct kr_plan *plan, const int *count, bool rr)
{
    int h = 0, given = 0;

    for (int r = 0; r < plan->np; r++) {
        if (rr) {
            plan->host_of[r] = r % plan->nhosts;
            continue;
        }
        while (given == count[h]) {
            h++;
            given = 0;
        }
        plan->host_of[r] = h;
        given++;
    }
}

/* The job's single implicit host when no hosts were given: this machine, no slot limit. */
static int place_implicit_host(struct kr_plan *plan)
{
    plan->hosts = calloc(1, sizeof(*plan->hosts));
    if (plan->hosts == NULL) {
        return -ENOMEM;
    }
    plan->hosts[0].name = strdup("localhost");
    if (plan->hosts[0].name == NULL) {
        return -ENOMEM;
    }
    plan->hosts[0].local = true;
    plan->nhosts = 1;
    return 0;
}

/* From host_of: each host's rank list, app_of, remote, universe_size. */
static int place_finish(struct kr_plan *plan)
{
    for (int h = 0; h < plan->nhosts; h++) {
        struct kr_plan_host *host = &plan->hosts[h];

        host->nranks = 0;
        for (int r = 0; r < plan->np; r++) {
            host->nranks += plan->host_of[r] == h;
        }
        free(host->ranks);
        host->ranks = calloc((size_t) (host->nranks > 0 ? host->nranks : 1), sizeof(int));
        if (host->ranks == NULL) {
            return -ENOMEM;
        }
        host->nranks = 0;
        for (int r = 0; r < plan->np; r++) {
            if (plan->host_of[r] == h) {
                host->ranks[host->nranks++] = r;
            }
        }
        plan->remote |= host->nranks > 0 && !host->local;
    }
    for (int a = 0; a < plan->napps; a++) {
        for (int r = 0; r < plan->apps[a].np; r++) {
            plan->app_of[plan->apps[a].first_rank + r] = a;
        }
    }
    plan->universe_size = plan->np;
    if (plan->hosts_given && place_total_slots(plan) > plan->np) {
        plan->universe_size = (int) place_total_slots(plan);
    }
    return 0;
}

int kr_plan_place(struct kr_plan *plan, char *err, size_t errlen)
{
    long total;
    int *count, ret;

    if (!plan->hosts_given && plan->nhosts == 0 && place_implicit_host(plan) != 0) {
        return -ENOMEM;
    }
    ret = place_app_sizes(plan, err, errlen);
    if (ret != 0) {
        return ret;
    }
    total = place_total_slots(plan);
    if (plan->hosts_given && plan->npernode == 0 && !plan->oversubscribe && plan->np > total) {
        return place_bad(err, errlen, "%d ranks requested but only %ld slot%s on %d host%s; use "
                         "--oversubscribe or add slots", plan->np, total, place_s(total),
                         plan->nhosts, place_s(plan->nhosts));
    }
    free(plan->host_of);
    free(plan->app_of);
    plan->host_of = calloc((size_t) plan->np, sizeof(int));
    plan->app_of = calloc((size_t) plan->np, sizeof(int));
    count = calloc((size_t) plan->nhosts, sizeof(int));
    if (plan->host_of == NULL || plan->app_of == NULL || count == NULL) {
        free(count);
        return -ENOMEM;
    }
    /* The implicit host has 0 slots and no limit: the same code places everything on it. */
    if (plan->npernode > 0) {
        ret = place_npernode(plan, count, err, errlen);
        if (ret == 0) {
            place_assign(plan, count, plan->map == KR_PLAN_MAP_NODE);
        }
    } else if (plan->map == KR_PLAN_MAP_SLOT) {
        place_by_slot(plan, count);
        place_assign(plan, count, false);
    } else {
        place_by_node(plan, count);
    }
    free(count);
    return ret != 0 ? ret : place_finish(plan);
}

int kr_plan_mapping(const struct kr_plan *plan, char *buf, size_t len)
{
    int *dense = calloc((size_t) plan->nhosts, sizeof(int));
    int *node_of = calloc((size_t) (plan->np > 0 ? plan->np : 1), sizeof(int));
    int ret = -ENOMEM, next = 0;

    if (dense != NULL && node_of != NULL) {
        for (int h = 0; h < plan->nhosts; h++) {
            dense[h] = plan->hosts[h].nranks > 0 ? next++ : -1;
        }
        for (int r = 0; r < plan->np; r++) {
            node_of[r] = dense[plan->host_of[r]];
        }
        ret = kr_pmi2_mapping_encode(node_of, plan->np, buf, len);
    }
    free(dense);
    free(node_of);
    return ret;
}

void kr_plan_free(struct kr_plan *plan)
{
    for (int h = 0; h < plan->nhosts; h++) {
        free(plan->hosts[h].name);
        free(plan->hosts[h].ranks);
    }
    for (int a = 0; a < plan->napps; a++) {
        for (char **e = plan->apps[a].env; e != NULL && *e != NULL; e++) {
            free(*e);
        }
        free(plan->apps[a].env);
        free(plan->apps[a].wdir);
    }
    free(plan->hosts);
    free(plan->apps);
    free(plan->host_of);
    free(plan->app_of);
    memset(plan, 0, sizeof(*plan));
}

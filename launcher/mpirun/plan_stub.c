/* STOPGAP until branch hosts lands the real job plan (plan_*.c): `-H name[:slots],...`, ranks
 * placed by slot in the order given (-n defaults to the sum of the slots), one program. A host
 * is local when its name is this host's name or "localhost". Delete this file at the merge. */
#include "config.h"

#include "mpirun.h"
#include "plan.h"
#include "remote.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int stub_bad(const char *what)
{
    fprintf(stderr, "mpirun: %s\n", what);
    return KR_MPIRUN_EXIT_USAGE;
}

static int stub_hosts(const char *text, struct kr_plan *plan)
{
    char *copy = strdup(text), *save = NULL, self[256] = "";

    if (copy == NULL) {
        return stub_bad("out of memory");
    }
    (void) gethostname(self, sizeof(self) - 1);
    for (char *h = strtok_r(copy, ",", &save); h != NULL; h = strtok_r(NULL, ",", &save)) {
        struct kr_plan_host *ph;
        char *colon = strchr(h, ':');

        plan->hosts = realloc(plan->hosts, sizeof(*plan->hosts) * (size_t) (plan->nhosts + 1));
        if (plan->hosts == NULL) {
            free(copy);
            return stub_bad("out of memory");
        }
        ph = &plan->hosts[plan->nhosts++];
        memset(ph, 0, sizeof(*ph));
        ph->slots = 1;
        if (colon != NULL) {
            *colon = '\0';
            ph->slots = atoi(colon + 1);
        }
        ph->name = strdup(h);
        if (ph->name == NULL || h[0] == '\0' || ph->slots <= 0) {
            free(copy);
            return stub_bad("-H needs name[:slots],... with slots > 0");
        }
        ph->local = strcmp(h, self) == 0 || strcmp(h, "localhost") == 0;
    }
    free(copy);
    return 0;
}

static int stub_place(const struct kr_mpirun_opts *o, struct kr_plan *plan)
{
    int slots = 0, h = 0, used = 0;

    for (int i = 0; i < plan->nhosts; i++) {
        slots += plan->hosts[i].slots;
        plan->hosts[i].ranks = calloc((size_t) (o->np_set ? o->np : slots) + 1, sizeof(int));
        if (plan->hosts[i].ranks == NULL) {
            return stub_bad("out of memory");
        }
    }
    plan->np = o->np_set ? o->np : slots;
    plan->host_of = calloc((size_t) plan->np, sizeof(int));
    plan->app_of = calloc((size_t) plan->np, sizeof(int));
    if (plan->host_of == NULL || plan->app_of == NULL) {
        return stub_bad("out of memory");
    }
    for (int r = 0; r < plan->np; r++) {
        if (used == plan->hosts[h].slots) {
            used = 0;
            h = (h + 1) % plan->nhosts; /* past the last: oversubscribe, round-robin */
        }
        plan->host_of[r] = h;
        plan->hosts[h].ranks[plan->hosts[h].nranks++] = r;
        used++;
    }
    return 0;
}

int kr_mpirun_plan_stub(const struct kr_mpirun_opts *o, struct kr_plan *plan)
{
    int ret;

    memset(plan, 0, sizeof(*plan));
    ret = stub_hosts(o->hosts != NULL ? o->hosts : "localhost", plan);
    if (ret == 0) {
        ret = stub_place(o, plan);
    }
    if (ret != 0) {
        return ret;
    }
    plan->napps = 1;
    plan->apps = calloc(1, sizeof(*plan->apps));
    if (plan->apps == NULL) {
        return stub_bad("out of memory");
    }
    plan->apps[0].np = plan->np;
    snprintf(plan->apps[0].path, sizeof(plan->apps[0].path), "%s", o->path);
    plan->apps[0].argv = o->argv;
    plan->apps[0].env = o->env;
    for (int i = 0; i < plan->nhosts; i++) {
        plan->remote = plan->remote || !plan->hosts[i].local;
    }
    return 0;
}

void kr_plan_free(struct kr_plan *plan)
{
    for (int i = 0; i < plan->nhosts; i++) {
        free(plan->hosts[i].name);
        free(plan->hosts[i].ranks);
    }
    free(plan->hosts);
    free(plan->apps);
    free(plan->host_of);
    free(plan->app_of);
    memset(plan, 0, sizeof(*plan));
}

/* The job plan: which hosts take part, which program each rank runs, and where every rank is
 * placed. mpirun builds it from the command line (-H, --hostfile, --map-by, -N, MPMD ':')
 * before anything starts (plan_*.c); the launch side (local engine, per-host daemons) only
 * reads it. Pure data and pure functions, so that it is unit-tested without launching. */
#ifndef KR_LAUNCHER_PLAN_H
#define KR_LAUNCHER_PLAN_H

#include <limits.h>
#include <stdbool.h>

/* One host of the job, in the order the user named it (first mention wins). */
struct kr_plan_host {
    char *name;                /* as written: a host name or an address */
    int slots;                 /* ranks it takes before it counts as oversubscribed */
    bool local;                /* mpirun's own host: ranks are started without a daemon */
    int nranks;                /* ranks placed here */
    int *ranks;                /* their world ranks, ascending (nranks entries) */
};

/* One application context: `mpirun -n 2 a : -n 3 b` has two. Its ranks are consecutive in
 * MPI_COMM_WORLD and its index is the rank's MPI_APPNUM. */
struct kr_plan_app {
    int first_rank;
    int np;
    char path[PATH_MAX];       /* resolved on mpirun's host; the name as given when it is not
                                * found there but remote hosts may have it */
    char **argv;               /* program name and arguments, NULL-terminated */
    char **env;                /* "NAME=value" from -x (global and per context), NULL-terminated */
    char *wdir;                /* -wdir, or NULL: mpirun's working directory */
};

enum kr_plan_map {
    KR_PLAN_MAP_SLOT,          /* fill each host's slots before the next (the default) */
    KR_PLAN_MAP_NODE,          /* round-robin over the hosts */
};

struct kr_plan {
    int np;                    /* ranks in the job */
    int nhosts;
    struct kr_plan_host *hosts;
    int napps;
    struct kr_plan_app *apps;
    int *host_of;              /* host_of[rank]: index into hosts (np entries) */
    int *app_of;               /* app_of[rank]: index into apps (np entries) */
    enum kr_plan_map map;
    int npernode;              /* -N: ranks per host, 0 = not given */
    bool oversubscribe;        /* more ranks than slots allowed */
    bool remote;               /* some host is not local: daemons are needed */
};

void kr_plan_free(struct kr_plan *plan);

#endif /* KR_LAUNCHER_PLAN_H */

/* The job plan: which hosts take part, which program each rank runs, and where every rank is
 * placed. mpirun builds it from the command line (-H, --hostfile, --map-by, -N, MPMD ':')
 * before anything starts (plan_*.c); the launch side (local engine, per-host daemons) only
 * reads it. Pure data and pure functions, so that it is unit-tested without launching; the one
 * contact with the system, resolving host names, goes through a resolver the caller passes
 * (kr_plan_resolver_system in production, a table in the tests).
 *
 * Functions that can fail return 0 or a negative errno (-EINVAL for bad input, -ENOMEM) and
 * on -EINVAL write a one-line message into err[errlen], without a "mpirun: " prefix and without
 * a newline, e.g. "hosts.txt:3: bad slot count 'x'". */
#ifndef KR_LAUNCHER_PLAN_H
#define KR_LAUNCHER_PLAN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/* One host of the job, in the order the user named it (first mention wins). Names of the same
 * host merge: the same name again (case-insensitive), and every name of mpirun's own machine
 * (localhost, 127.x, its hostname, its addresses) into one local host. Merged mentions add
 * their slots, as in Open MPI. */
struct kr_plan_host {
    char *name;                /* as first written: a host name or an address */
    int slots;                 /* ranks it takes before it counts as oversubscribed */
    bool local;                /* mpirun's own host: ranks are started without a daemon */
    int nranks;                /* ranks placed here */
    int *ranks;                /* their world ranks, ascending (nranks entries) */
};

/* One application context: `mpirun -n 2 a : -n 3 b` has two. Its ranks are consecutive in
 * MPI_COMM_WORLD and its index is the rank's MPI_APPNUM. */
struct kr_plan_app {
    int first_rank;
    int np;                    /* 0 before kr_plan_place() when -n was not given */
    char path[PATH_MAX];       /* resolved on mpirun's host; the name as given when it is not
                                * found there but remote hosts may have it */
    char **argv;               /* program name and arguments, NULL-terminated (borrowed from
                                * main's argv) */
    char **env;                /* "NAME=value" from -x (global, then this context's, so that
                                * the context's win), NULL-terminated, or NULL when there is
                                * none; owned */
    char *wdir;                /* -wdir as an absolute path, or NULL: mpirun's working
                                * directory; owned */
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
    bool remote;               /* some host that got ranks is not local: daemons are needed */
    bool hosts_given;          /* -H or --hostfile named the hosts; without them the job runs
                                * on one implicit local host with no slot limit */
    int universe_size;         /* MPI_UNIVERSE_SIZE: the slots when hosts were given (at
                                * least np), else np */
};

/* How host names are checked. `resolve` returns 0 and whether `name` is this machine, or
 * -ENOENT when the name does not resolve, with the reason in why[whylen]. */
struct kr_plan_resolver {
    int (*resolve)(void *arg, const char *name, bool *local_out, char *why, size_t whylen);
    void *arg;
};

/* getaddrinfo() for existence; local when the name is "localhost", the hostname (short or
 * fully qualified) or resolves to a loopback address or one of this machine's interface
 * addresses (getifaddrs). plan_resolve.c. */
extern const struct kr_plan_resolver kr_plan_resolver_system;

/* Add `slots` slots of host `name` (merging as described above). `where` prefixes error
 * messages ("hosts.txt:3" or "-H"). 0, -EINVAL (unknown host), -ENOMEM. */
int kr_plan_host_add(struct kr_plan *plan, const char *name, int slots, const char *where,
                     const struct kr_plan_resolver *res, char *err, size_t errlen);

/* -H / --host: "a,b:4,c" (a bare name is one slot). 0, -EINVAL, -ENOMEM. */
int kr_plan_parse_hostlist(struct kr_plan *plan, const char *list,
                           const struct kr_plan_resolver *res, char *err, size_t errlen);

/* A hostfile's text; `fname` names it in messages. One host per line, in either dialect:
 * "host", "host slots=4" (Open MPI; max_slots=N is accepted and not enforced) or "host:4"
 * (MPICH); '#' starts a comment; blank lines and surrounding blanks are ignored. Errors name
 * fname:line. 0, -EINVAL, -ENOMEM. */
int kr_plan_parse_hostfile_text(struct kr_plan *plan, const char *fname, const char *text,
                                const struct kr_plan_resolver *res, char *err, size_t errlen);

/* The same, reading the file `path`. -EINVAL also when it cannot be read or names no host. */
int kr_plan_parse_hostfile(struct kr_plan *plan, const char *path,
                           const struct kr_plan_resolver *res, char *err, size_t errlen);

/* --map-by VALUE: "slot" or "node". 0 or -EINVAL. */
int kr_plan_parse_map(const char *text, enum kr_plan_map *map_out, char *err, size_t errlen);

/* Place the ranks. Reads apps[].np (0: the default), hosts, map, npernode, oversubscribe and
 * hosts_given; fills apps[].first_rank and np, np, host_of, app_of, hosts[].nranks/ranks,
 * remote and universe_size. Without hosts_given, one local host "localhost" is added that takes
 * every rank. Defaults: an app without -n gets 1 rank without hosts (-N N: N ranks), and with
 * hosts, when it is the only app, every slot (-N N: N per host). 0, -EINVAL, -ENOMEM. */
int kr_plan_place(struct kr_plan *plan, char *err, size_t errlen);

/* PMI_process_mapping of the placement (hosts numbered densely in host order, skipping hosts
 * without ranks). The string length, or -ENOSPC, -ENOMEM. */
int kr_plan_mapping(const struct kr_plan *plan, char *buf, size_t len);

/* Frees everything the plan owns (not the struct itself) and zeroes it. */
void kr_plan_free(struct kr_plan *plan);

#endif /* KR_LAUNCHER_PLAN_H */

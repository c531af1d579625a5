/* mpirun's side of multi-host jobs: one kurir-daemon per remote host, started through the
 * launch agent (ssh) all at once, connected back to a listening socket and authenticated with
 * the job's secret; their events reach mpirun's job policy through callbacks, and the global
 * PMI fence is merged here. Runs inside the local launch engine's event loop. */
#ifndef KR_LAUNCHER_REMOTE_H
#define KR_LAUNCHER_REMOTE_H

#include "../pmi/pmi_kvs.h"
#include "bind.h"
#include "launch.h"
#include "plan.h"

#include <stdbool.h>
#include <sys/types.h>

#define KR_REMOTE_HEARTBEAT_MS   1000
#define KR_REMOTE_HB_TIMEOUT_MS  20000   /* default of --heartbeat-timeout */
#define KR_REMOTE_CONNECT_MS     60000   /* a daemon must have connected back by then */
#define KR_REMOTE_AUTH_MS        5000    /* a connection must authenticate within this */
#define KR_REMOTE_PENDING_MAX    32      /* unauthenticated connections held at once */
#define KR_REMOTE_TEARDOWN_MS    5000    /* after the grace: daemons not done are given up */
#define KR_REMOTE_AGENT_EXIT_MS  3000    /* an agent still running this long after its daemon
                                          * finished is killed */
#define KR_REMOTE_GRACE_AGENT_MS 1000    /* a lost host's agent: SIGTERM, then SIGKILL */

struct kr_remote;

/* What happens on the remote hosts, for mpirun's job policy. `host` is the name as given. */
struct kr_remote_cb {
    void (*rank_exit)(void *arg, const char *host, int rank, pid_t pid, int status,
                      bool pmi_init, bool pmi_fini);
    void (*rank_abort)(void *arg, const char *host, int rank, pid_t pid, int code,
                       const char *msg);
    void (*pmi_error)(void *arg, const char *host, int rank, pid_t pid, const char *why);
    /* A whole host failed (agent failed, daemon error, connection or heartbeat lost); `msg`
     * is the complete line to print ("mpirun: lost connection to the daemon on host kh2"),
     * `status` mpirun's exit status for it (2 for a usage error the daemon found, else 1). */
    void (*host_fail)(void *arg, int status, const char *msg);
};

struct kr_remote_params {
    const struct kr_plan *plan;
    const bool *remote;            /* per plan host: true = runs through a daemon */
    const char *jobid;
    const char *mapping;           /* PMI_process_mapping of the whole job */
    bool tag_output;
    const char *output_dir;        /* --output-filename: ranks write DIR/1/rank.R/std{out,err} */
    const char *agent;             /* launch agent command line, split at blanks ("ssh");
                                    * "srun" starts each daemon as a Slurm job step */
    const int *host_cpus;          /* per plan host: CPUs for the srun step, 0 or NULL: one */
    const char *daemon;            /* kurir-daemon's path on the remote hosts */
    long heartbeat_ms;             /* silence after which a daemon counts as lost */
    int nlocal;                    /* ranks mpirun runs itself: their fence joins the rest */
    const struct kr_bind_policy *bind; /* mapping and binding on each host (bind.h) */
    const struct kr_remote_cb *cb;
    void *cb_arg;
};

/* Listening socket and secret; starts nothing yet. 0 or -errno (logged). */
int kr_remote_create(const struct kr_remote_params *p, struct kr_remote **remote_out);

/* The kvs forward function for mpirun's own ranks (kr_pmi_kvs_dist_create with the remote
 * object as its argument): their puts join the global fence. */
void kr_remote_local_fence(void *arg, const char *const *keys, const char *const *values,
                           int n);

/* Start every daemon through the agent, in parallel, and hook into `l`'s event loop; `kvs`
 * is the store of mpirun's own ranks (committed when a global fence completes). 0 or -errno
 * (a host that cannot be started is reported through cb->host_fail instead). */
int kr_remote_start(struct kr_remote *r, struct kr_launch *l, struct kr_pmi_kvs *kvs);

/* End the remote part: `signo` to every remote rank (except `spare`), SIGKILL `grace_ms`
 * later, daemons that do not finish in time are given up. Returns the remote ranks alive. */
int kr_remote_terminate(struct kr_remote *r, int signo, int grace_ms, int spare);

/* Send `signo` to every remote rank (SIGUSR1/2). */
void kr_remote_signal(struct kr_remote *r, int signo);

/* Remote ranks started or starting and not yet known to have ended. */
int kr_remote_alive(const struct kr_remote *r);

/* The engine reaped child `pid`: true when it was one of our agents. */
bool kr_remote_child_exit(struct kr_remote *r, pid_t pid, int status);

/* Close everything, kill and reap agents still running, free `r`. */
void kr_remote_destroy(struct kr_remote *r);

#endif /* KR_LAUNCHER_REMOTE_H */

/* kurir-daemon, the per-host agent of a multi-host job: started by mpirun through ssh (or
 * another launch agent), it connects back, authenticates with the job's secret, starts this
 * host's ranks with the launch engine and serves their PMI-2 requests, with fences made global
 * through mpirun. daemon_main.c: start-up (arguments, secret, connection, launch spec);
 * daemon_job.c: the job itself inside the engine's event loop. */
#ifndef KR_LAUNCHER_DAEMON_H
#define KR_LAUNCHER_DAEMON_H

#include "../mpirun/bind.h"
#include "../mpirun/launch.h"
#include "../pmi/pmi_kvs.h"
#include "../proto/proto.h"

#include <stdbool.h>
#include <stddef.h>

#define KR_DAEMON_GRACE_MS      500    /* SIGTERM to SIGKILL, as mpirun */
#define KR_DAEMON_HEARTBEAT_MS  1000
#define KR_DAEMON_STDIN_CHUNK   65536

/* The launch spec received from mpirun (pointers into `msg`, which it owns). */
struct daemon_spec {
    char *msg;                     /* the LAUNCH payload, kept for the pointers below */
    const char *jobid;
    int size;
    int universe;
    const char *mapping;
    bool tag_output;
    bool stdin_rank0;              /* mpirun forwards its stdin to rank 0, which runs here */
    long heartbeat_ms;             /* silence from mpirun this long means it is lost */
    const char **env;              /* mpirun's environment, NULL-terminated */
    int napps;
    const char **app_path;         /* per app */
    const char **app_wdir;
    const char ***app_argv;
    const char ***app_env;
    int nranks;
    int *rank;                     /* world ranks, ascending */
    int *rank_app;
    const char **rank_out;         /* per rank: stdout file, NULL: forwarded to mpirun */
    const char **rank_err;
    const char *bind;              /* mapping and binding policy (kr_bind_policy_format) */
    struct kr_bind_policy bind_policy;
};

struct kr_daemon {
    int host_index;
    char host[256];                /* our host name, for messages */
    char jobid[64];                /* from the command line: for cleanup even without a spec */
    struct kr_proto_conn conn;     /* to mpirun; fd -1 once lost */
    char local_addr[64];           /* our address on that connection: KURIR_HOST_ADDR */
    struct daemon_spec spec;
    char **env;                    /* what the engine sets in every rank */
    char **paths;                  /* per app: its program as found on this host */
    struct kr_launch_proc *procs;  /* the ranks of this host for the engine */
    struct kr_pmi_kvs *kvs;
    struct kr_bind_host bind;      /* this host's topology and the ranks' CPUs */
    struct kr_launch *launch;
    long long last_rx;             /* monotonic ms of the last message from mpirun */
    bool lost;                     /* mpirun is gone: end the ranks and leave */
    int stdin_pipe[2];             /* rank 0's forwarded stdin: [0] read by the engine */
    char *stdin_buf;               /* a chunk from mpirun not yet written to the pipe */
    size_t stdin_off;
    size_t stdin_len;
    bool stdin_eof;
};

/* daemon_main.c: say `msg` to mpirun as an ERROR message (or on stderr when there is no
 * connection) — the daemon cannot run its part. `status` is what mpirun exits with: 1, or
 * KR_DAEMON_EXIT_USAGE for what mpirun reports as a usage error when it finds it itself (a
 * program that cannot run, a placement that cannot be done). */
#define KR_DAEMON_EXIT_USAGE 2
void kr_daemon_error(struct kr_daemon *d, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* daemon_job.c: start the ranks of `d->spec` and run them to the end. Returns the daemon's
 * exit status. */
int kr_daemon_job_run(struct kr_daemon *d);

#endif /* KR_LAUNCHER_DAEMON_H */

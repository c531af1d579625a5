/* mpirun's own parts: command-line options (mpirun_opts.c) and the job policy that turns the
 * launch engine's events into messages, teardown and an exit status (mpirun_job.c). */
#ifndef KR_LAUNCHER_MPIRUN_H
#define KR_LAUNCHER_MPIRUN_H

#include "bind.h"
#include "plan.h"

#include <limits.h>
#include <stdbool.h>

#define KR_MPIRUN_EXIT_USAGE   2   /* bad command line */
#define KR_MPIRUN_EXIT_TIMEOUT 124 /* --timeout expired, like timeout(1) */
#define KR_MPIRUN_GRACE_MS     500 /* SIGTERM to SIGKILL */

struct kr_mpirun_opts {
    bool tag_output;
    double timeout_s;              /* 0: none */
    const char *timeout_text;      /* as the user wrote it, for the message */
    char *output_dir;              /* --output-filename as an absolute path, or NULL */
    bool report_transports;        /* --report-transports: KURIR_REPORT_TRANSPORTS=1 in ranks */
    struct kr_plan plan;           /* hosts, programs (MPMD contexts) and the placement */
    const char *launch_agent;      /* --launch-agent: how daemons are started (ssh) */
    bool in_slurm;                 /* the hosts came from a Slurm allocation: daemons are
                                    * started with srun unless an agent is named */
    int *host_cpus;                /* per plan host: CPUs of the allocation there (srun step
                                    * size), NULL when not known */
    double heartbeat_s;            /* --heartbeat-timeout, 0: not given */
    struct kr_bind_policy bind;    /* --map-by (on each host), --bind-to, --cpus-per-rank,
                                    * --report-bindings: applied on every host (bind.h) */
};

/* Parse the command line: options, the application contexts separated by ':', the hosts, the
 * placement, and checks that each program (and -wdir) exists where a rank of it runs on this
 * host. Returns 0 to run the job, 1 after printing --help or --version (exit 0), or
 * KR_MPIRUN_EXIT_USAGE after printing what is wrong. `o` is to be freed in every case. */
int kr_mpirun_opts_parse(int argc, char **argv, struct kr_mpirun_opts *o);
void kr_mpirun_opts_free(struct kr_mpirun_opts *o);

/* Run the job described by `o` to the end and return mpirun's exit status. */
int kr_mpirun_job_run(const struct kr_mpirun_opts *o);

#endif /* KR_LAUNCHER_MPIRUN_H */

/* The batch system's allocation: when mpirun runs inside a Slurm job (SLURM_JOB_ID) or a PBS /
 * Torque job (PBS_NODEFILE) and the user named no hosts, the hosts and their slots come from
 * there. The parsers are pure functions (unit-tested); kr_alloc_detect reads the environment
 * through a getter the caller passes.
 *
 * Functions that can fail return 0 or a negative errno (-EINVAL for bad input, -ENOMEM) and on
 * -EINVAL write a one-line message into err[errlen] without a "mpirun: " prefix and without a
 * newline, e.g. "SLURM_JOB_NODELIST: unbalanced '[' in 'node[1-2'". */
#ifndef KR_LAUNCHER_ALLOC_H
#define KR_LAUNCHER_ALLOC_H

#include <stddef.h>

#define KR_ALLOC_HOSTS_MAX 1000000 /* a larger hostlist is refused as a mistake */

struct kr_alloc_host {
    char *name;                    /* Slurm: the node's NodeName, which srun --nodelist takes */
    int slots;
    int cpus;                      /* CPUs the job has there (Slurm), 0: not known */
};

enum kr_alloc_kind {
    KR_ALLOC_NONE,
    KR_ALLOC_SLURM,                /* daemons are started with srun */
    KR_ALLOC_PBS,                  /* daemons are started with the usual agent (ssh) */
};

struct kr_alloc {
    enum kr_alloc_kind kind;
    int nhosts;
    struct kr_alloc_host *hosts;   /* in the batch system's order */
    int slots;                     /* sum over the hosts */
    char *self;                    /* Slurm: the node mpirun runs on (SLURMD_NODENAME), NULL
                                    * outside the allocation (salloc's shell on a login node) */
};

/* Expand a Slurm hostlist expression ("node[01-04,07]", "a[1-2],b3", "r[1-2]n[1-2]") into
 * names, zero padding kept (the width of a range is the width of its lower bound). Several
 * bracket groups in one name expand left to right, the leftmost varying slowest. On success
 * *names_out is a malloc'ed array of *n_out malloc'ed strings. `what` names the input in
 * messages. 0, -EINVAL, -ENOMEM. */
int kr_alloc_hostlist_expand(const char *expr, const char *what, char ***names_out, int *n_out,
                             char *err, size_t errlen);

/* Slurm's per-node counts ("2(x3),1" is 2,2,2,1) for exactly `n` nodes into counts[n]. */
int kr_alloc_counts_parse(const char *text, const char *what, int n, int *counts, char *err,
                          size_t errlen);

/* Both of the above: SLURM_JOB_NODELIST and SLURM_TASKS_PER_NODE into `a`; `cpus`
 * (SLURM_JOB_CPUS_PER_NODE, same syntax) may be NULL. */
int kr_alloc_slurm(struct kr_alloc *a, const char *nodelist, const char *tasks,
                   const char *cpus, char *err, size_t errlen);

/* A PBS nodefile's text (one line per slot; a host's slots are its lines, hosts in the order
 * of their first line; blank lines and surrounding blanks are ignored); `fname` names it in
 * messages. -EINVAL also when it names no host. */
int kr_alloc_pbs_text(struct kr_alloc *a, const char *fname, const char *text, char *err,
                      size_t errlen);

/* The allocation mpirun runs in, from the environment as `get(arg, name)` reports it (NULL when
 * unset): Slurm when SLURM_JOB_ID is set (SLURM_JOB_NODELIST, SLURM_TASKS_PER_NODE, and
 * SLURM_JOB_CPUS_PER_NODE and SLURMD_NODENAME when set; inside a job step, SLURM_STEP_NODELIST
 * set, the slots are SLURM_JOB_CPUS_PER_NODE: SLURM_TASKS_PER_NODE is the step's then), else
 * PBS when PBS_NODEFILE is; kind KR_ALLOC_NONE and 0 when neither is. */
int kr_alloc_detect(const char *(*get)(void *arg, const char *name), void *arg,
                    struct kr_alloc *a, char *err, size_t errlen);

/* Frees what `a` owns and zeroes it. */
void kr_alloc_free(struct kr_alloc *a);

#endif /* KR_LAUNCHER_ALLOC_H */

/* mpirun's job policy: what a rank's exit, abort or PMI error means for the job, signals and
 * the timeout, the messages the user sees, the exit status, and the cleanup afterwards. */
#include "config.h"

#include "mpirun.h"

#include "../pmi/pmi_kvs.h"
#include "boot/pmi2_wire.h"
#include "launch.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define JOB_SHM_DIR "/dev/shm"

struct mpirun_job {
    const struct kr_mpirun_opts *o;
    struct kr_launch *launch;
    char jobid[64];
    bool failed;                   /* the first failure is recorded; later ones are effects */
    int exit_code;
    int abort_rank;                /* rank that called MPI_Abort, or -1 */
    int stop_signals;              /* SIGINT/TERM/HUP/QUIT received */
};

static void job_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One write per message, so it cannot land inside a forwarded line. */
static void job_say(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof(msg) - 1, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    n = n < (int) sizeof(msg) - 1 ? n : (int) sizeof(msg) - 2;
    msg[n++] = '\n';
    (void) kr_pmi2_write_all(STDERR_FILENO, msg, (size_t) n);
}

/* Record the first failure and end every other rank. */
static void job_fail(struct mpirun_job *job, int code, int spare, int signo)
{
    int n;

    if (job->failed) {
        return;
    }
    job->failed = true;
    job->exit_code = code;
    n = kr_launch_terminate(job->launch, signo, KR_MPIRUN_GRACE_MS, spare);
    if (n > 0 && signo == SIGTERM) {
        job_say("mpirun: terminating the %d other running rank%s", n, n == 1 ? "" : "s");
    }
}

static void job_rank_exit(void *arg, int rank, pid_t pid, int status, bool pmi_init,
                          bool pmi_fini)
{
    struct mpirun_job *job = arg;
    const char *host = kr_launch_host(job->launch);

    if (job->failed) {
        return; /* ended by us, or after the cause was already reported */
    }
    if (WIFSIGNALED(status)) {
        job_say("mpirun: rank %d on host %s (pid %d) killed by signal %d (%s)", rank, host,
                (int) pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
        job_fail(job, 128 + WTERMSIG(status), -1, SIGTERM);
    } else if (WEXITSTATUS(status) != 0) {
        job_say("mpirun: rank %d on host %s (pid %d) exited with status %d", rank, host,
                (int) pid, WEXITSTATUS(status));
        job_fail(job, WEXITSTATUS(status), -1, SIGTERM);
    } else if (pmi_init && !pmi_fini && kr_launch_alive(job->launch) > 0) {
        /* The others may be waiting for it forever. */
        job_say("mpirun: rank %d on host %s (pid %d) exited without calling MPI_Finalize",
                rank, host, (int) pid);
        job_fail(job, 1, -1, SIGTERM);
    }
}

static void job_rank_abort(void *arg, int rank, pid_t pid, int code, const char *msg)
{
    struct mpirun_job *job = arg;
    int status;

    if (job->failed) {
        return;
    }
    job_say("mpirun: rank %d on host %s (pid %d) called MPI_Abort with error code %d%s%s", rank,
            kr_launch_host(job->launch), (int) pid, code, msg[0] != '\0' ? ": " : "", msg);
    /* Exit with the code, but never report success for an aborted job. */
    status = code & 0xff;
    job->abort_rank = rank;
    job_fail(job, status != 0 ? status : 1, rank, SIGTERM);
}

static void job_pmi_error(void *arg, int rank, pid_t pid, const char *why)
{
    struct mpirun_job *job = arg;

    if (job->failed) {
        return;
    }
    job_say("mpirun: rank %d on host %s (pid %d) %s", rank, kr_launch_host(job->launch),
            (int) pid, why);
    /* It was answered with an error and is expected to exit; SIGKILL after the grace if not. */
    job_fail(job, 1, rank, SIGTERM);
}

static void job_signal(void *arg, int signo)
{
    struct mpirun_job *job = arg;
    int n;

    if (signo == SIGUSR1 || signo == SIGUSR2) {
        kr_launch_signal(job->launch, signo);
        return;
    }
    if (++job->stop_signals > 1) {
        /* Asked again: do not wait for the grace period. */
        kr_launch_terminate(job->launch, SIGKILL, 0, -1);
        return;
    }
    n = kr_launch_alive(job->launch);
    job_say("mpirun: received signal %d (%s); forwarding it to %d rank%s, SIGKILL follows in "
            "%.1f s", signo, strsignal(signo), n, n == 1 ? "" : "s",
            KR_MPIRUN_GRACE_MS / 1000.0);
    if (!job->failed) {
        job->failed = true;
        job->exit_code = 128 + signo;
    }
    kr_launch_terminate(job->launch, signo, KR_MPIRUN_GRACE_MS, -1);
}

static void job_alarm(void *arg)
{
    struct mpirun_job *job = arg;
    int n = kr_launch_alive(job->launch);

    if (job->failed) {
        return;
    }
    job_say("mpirun: job timed out after %s seconds (--timeout %s); terminating %d rank%s",
            job->o->timeout_text, job->o->timeout_text, n, n == 1 ? "" : "s");
    job->failed = true;
    job->exit_code = KR_MPIRUN_EXIT_TIMEOUT;
    kr_launch_terminate(job->launch, SIGTERM, KR_MPIRUN_GRACE_MS, -1);
}

static const struct kr_launch_cb job_cb = {
    .rank_exit  = job_rank_exit,
    .rank_abort = job_rank_abort,
    .pmi_error  = job_pmi_error,
    .signal     = job_signal,
    .alarm      = job_alarm,
};

/* "k<pid>-<8 hex>": unique on this host and safe in file names (/dev/shm/kurir-<jobid>-...). */
static void job_make_id(struct mpirun_job *job)
{
    unsigned int rnd = 0;

    if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t) sizeof(rnd)) {
        rnd = (unsigned int) time(NULL) ^ ((unsigned int) getpid() << 16);
    }
    snprintf(job->jobid, sizeof(job->jobid), "k%d-%08x", (int) getpid(), rnd);
}

/* Safety net after crashes: ranks name their segments /kurir-<jobid>-<something>. */
static void job_shm_cleanup(const char *jobid)
{
    char prefix[96], path[512];
    struct dirent *de;
    size_t n;
    DIR *d;

    n = (size_t) snprintf(prefix, sizeof(prefix), "kurir-%s", jobid);
    d = opendir(JOB_SHM_DIR);
    if (d == NULL) {
        return;
    }
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, prefix, n) == 0 &&
            (de->d_name[n] == '\0' || de->d_name[n] == '-' || de->d_name[n] == '.')) {
            snprintf(path, sizeof(path), JOB_SHM_DIR "/%s", de->d_name);
            if (unlink(path) == 0) {
                KR_LOG_INFO(LAUNCH, "removed leftover %s", path);
            }
        }
    }
    closedir(d);
}

/* Each rank costs us about 4 descriptors: raise the soft limit as far as allowed. */
static int job_check_fds(int np)
{
    struct rlimit rl;
    rlim_t need = (rlim_t) np * 4 + 32;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        return 0;
    }
    if (rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
        (void) setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < need) {
        job_say("mpirun: -n %d needs about %llu open files, but the limit is %llu (ulimit -n)",
                np, (unsigned long long) need, (unsigned long long) rl.rlim_cur);
        return -EMFILE;
    }
    return 0;
}

/* Starting the ranks of the hosts that are not this machine: the per-host daemon's job. Until
 * it exists, say so and start nothing. */
static int job_start_remote(struct mpirun_job *job)
{
    const struct kr_plan *plan = &job->o->plan;

    for (int h = 0; h < plan->nhosts; h++) {
        if (!plan->hosts[h].local && plan->hosts[h].nranks > 0) {
            job_say("mpirun: host '%s' is not this machine; starting ranks on other hosts needs "
                    "the daemon (not built in this branch)", plan->hosts[h].name);
            return -ENOSYS;
        }
    }
    return 0;
}

/* The launch entries of the ranks placed on host `h`: what the local engine gets for this
 * machine, and what a daemon will get for its host. Output file names are allocated into
 * names[2 * i] and names[2 * i + 1] (freed by the caller, also on error). */
static int job_host_procs(const struct kr_mpirun_opts *o, int h, struct kr_launch_proc *procs,
                          char **names, int *nprocs_out)
{
    const struct kr_plan *plan = &o->plan;
    const struct kr_plan_host *host = &plan->hosts[h];

    for (int i = 0; i < host->nranks; i++) {
        int r = host->ranks[i];
        const struct kr_plan_app *app = &plan->apps[plan->app_of[r]];

        procs[i] = (struct kr_launch_proc) {
            .rank = r, .appnum = plan->app_of[r], .path = app->path, .argv = app->argv,
            .env = app->env, .wdir = app->wdir,
        };
        if (o->output_dir == NULL) {
            continue;
        }
        if (asprintf(&names[2 * i], "%s/1/rank.%d/stdout", o->output_dir, r) < 0) {
            names[2 * i] = NULL;
            return -ENOMEM;
        }
        if (asprintf(&names[2 * i + 1], "%s/1/rank.%d/stderr", o->output_dir, r) < 0) {
            names[2 * i + 1] = NULL;
            return -ENOMEM;
        }
        procs[i].stdout_path = names[2 * i];
        procs[i].stderr_path = names[2 * i + 1];
    }
    *nprocs_out = host->nranks;
    return 0;
}

/* This machine's host in the plan (every name of it merged into one), or -1. */
static int job_local_host(const struct kr_plan *plan)
{
    for (int h = 0; h < plan->nhosts; h++) {
        if (plan->hosts[h].local) {
            return h;
        }
    }
    return -1;
}

static char *const job_env_transports[] = { "KURIR_REPORT_TRANSPORTS=1", NULL };

/* Start the local ranks (after the remote ones) and run the job to its end. */
static void job_run_local(struct mpirun_job *job, struct kr_launch_params *lp)
{
    int ret = kr_launch_create(lp, &job->launch);

    if (ret != 0) {
        job_say("mpirun: cannot set up the launcher: %s", strerror(-ret));
        job->failed = true;
        job->exit_code = 1;
        return;
    }
    if (job->o->timeout_s > 0) {
        kr_launch_alarm(job->launch, (long) (job->o->timeout_s * 1000.0 + 0.5));
    }
    ret = kr_launch_spawn(job->launch);
    if (ret != 0) {
        job_say("mpirun: cannot start the ranks: %s", strerror(-ret));
        job->failed = true;
        job->exit_code = 1;
    }
    ret = kr_launch_run(job->launch);
    if (ret != 0 && !job->failed) {
        job->failed = true;
        job->exit_code = 1;
    }
    kr_launch_destroy(job->launch);
    job->launch = NULL;
}

int kr_mpirun_job_run(const struct kr_mpirun_opts *o)
{
    const struct kr_plan *plan = &o->plan;
    struct mpirun_job job = { .o = o, .abort_rank = -1 };
    struct kr_launch_params lp = {
        .size = plan->np, .env = o->report_transports ? job_env_transports : NULL,
        .tag_output = o->tag_output, .forward_stdin = true,
        .universe_size = plan->universe_size, .cb = &job_cb, .cb_arg = &job,
    };
    struct kr_launch_proc *procs = calloc((size_t) plan->np, sizeof(*procs));
    char **names = calloc((size_t) plan->np * 2, sizeof(char *));
    struct kr_pmi_kvs *kvs = NULL;
    int local = job_local_host(plan);
    char mapping[8192];
    int ret;

    job_make_id(&job);
    if (procs == NULL || names == NULL ||
        (local >= 0 && job_host_procs(o, local, procs, names, &lp.nprocs) != 0) ||
        kr_plan_mapping(plan, mapping, sizeof(mapping)) < 0 ||
        kr_pmi_kvs_local_create(plan->np, &kvs) != 0) {
        job_say("mpirun: out of memory setting up the job");
        job.failed = true;
        job.exit_code = 1;
        goto out;
    }
    if (job_check_fds(lp.nprocs) != 0) {
        job.failed = true;
        job.exit_code = 1;
        goto out;
    }
    lp.procs = procs;
    lp.jobid = job.jobid;
    lp.mapping = mapping;
    lp.kvs = kvs;
    ret = plan->remote ? job_start_remote(&job) : 0;
    if (ret != 0) {
        job.failed = true;
        job.exit_code = 1;
        goto out;
    }
    if (lp.nprocs > 0) {
        job_run_local(&job, &lp);
    }
    job_shm_cleanup(job.jobid);
out:
    if (kvs != NULL) {
        kvs->ops->destroy(kvs);
    }
    for (int i = 0; names != NULL && i < 2 * plan->np; i++) {
        free(names[i]);
    }
    free(names);
    free(procs);
    return job.failed ? job.exit_code : 0;
}

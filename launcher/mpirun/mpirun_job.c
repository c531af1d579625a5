/* mpirun's job policy: what a rank's exit, abort or PMI error means for the job, signals and
 * the timeout, the messages the user sees, the exit status, and the cleanup afterwards. */
#include "config.h"

#include "mpirun.h"

#include "../pmi/pmi_kvs.h"
#include "boot/pmi2_wire.h"
#include "bind.h"
#include "launch.h"
#include "plan.h"
#include "remote.h"
#include "util/log.h"

#include <mpi.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


struct mpirun_job {
    const struct kr_mpirun_opts *o;
    struct kr_launch *launch;
    char jobid[64];
    bool failed;                   /* the first failure is recorded; later ones are effects */
    int exit_code;
    int abort_rank;                /* rank that called MPI_Abort, or -1 */
    int stop_signals;              /* SIGINT/TERM/HUP/QUIT received */
    struct kr_remote *remote;      /* ranks on other hosts, or NULL */
    char daemon[PATH_MAX];         /* kurir-daemon's path; `remote` keeps a pointer to it */
    long long timeout_at;          /* --timeout deadline (monotonic ms), 0 = none */
    /*
     * A rank that aborts because a peer vanished (MPI_ERR_PROC_ABORTED) is an echo of a
     * failure elsewhere, which its own report (a rank killed on another host, a lost daemon)
     * may still be on its way. The first echo is held for JOB_ECHO_MS: the cause, if it comes,
     * is reported instead; echoing ranks' own exits are not failures of their own.
     */
    struct {
        bool held;
        long long until;
        char host[256];
        int rank, code;
        pid_t pid;
        char msg[512];
    } echo;
    bool *echoed;                  /* per rank: aborted as an echo */
};

#define JOB_ECHO_MS 1500

static void job_alarm_arm(struct mpirun_job *job);

extern char **environ;

/* Ranks not yet reaped, here and on the other hosts. */
static int job_alive(const struct mpirun_job *job)
{
    return kr_launch_alive(job->launch) + (job->remote != NULL ? kr_remote_alive(job->remote)
                                                               : 0);
}

static int job_terminate(struct mpirun_job *job, int signo, int grace_ms, int spare)
{
    int n = kr_launch_terminate(job->launch, signo, grace_ms, spare);

    if (job->remote != NULL) {
        n += kr_remote_terminate(job->remote, signo, grace_ms, spare);
    }
    return n;
}

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
    n = job_terminate(job, signo, KR_MPIRUN_GRACE_MS, spare);
    if (n > 0 && signo == SIGTERM) {
        job_say("mpirun: terminating the %d other running rank%s", n, n == 1 ? "" : "s");
    }
}

static void job_rank_exit_on(void *arg, const char *host, int rank, pid_t pid, int status,
                             bool pmi_init, bool pmi_fini)
{
    struct mpirun_job *job = arg;

    if (job->failed) {
        return; /* ended by us, or after the cause was already reported */
    }
    if (job->echoed != NULL && job->echoed[rank]) {
        return; /* it aborted as an echo; the hold decides what is reported */
    }
    if (WIFSIGNALED(status)) {
        job_say("mpirun: rank %d on host %s (pid %d) killed by signal %d (%s)", rank, host,
                (int) pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
        job_fail(job, 128 + WTERMSIG(status), -1, SIGTERM);
    } else if (WEXITSTATUS(status) != 0) {
        job_say("mpirun: rank %d on host %s (pid %d) exited with status %d", rank, host,
                (int) pid, WEXITSTATUS(status));
        job_fail(job, WEXITSTATUS(status), -1, SIGTERM);
    } else if (pmi_init && !pmi_fini && job_alive(job) > 0) {
        /* The others may be waiting for it forever. */
        job_say("mpirun: rank %d on host %s (pid %d) exited without calling MPI_Finalize",
                rank, host, (int) pid);
        job_fail(job, 1, -1, SIGTERM);
    }
}

static void job_rank_exit(void *arg, int rank, pid_t pid, int status, bool pmi_init,
                          bool pmi_fini)
{
    struct mpirun_job *job = arg;

    job_rank_exit_on(arg, kr_launch_host(job->launch), rank, pid, status, pmi_init, pmi_fini);
}

/* Say that rank `rank` called MPI_Abort and end the job with its code. */
static void job_report_abort(struct mpirun_job *job, const char *host, int rank, pid_t pid,
                             int code, const char *msg)
{
    int status = code & 0xff;

    job_say("mpirun: rank %d on host %s (pid %d) called MPI_Abort with error code %d%s%s", rank,
            host, (int) pid, code, msg[0] != '\0' ? ": " : "", msg);
    /* Exit with the code, but never report success for an aborted job. */
    job->abort_rank = rank;
    job_fail(job, status != 0 ? status : 1, rank, SIGTERM);
}

static void job_rank_abort_on(void *arg, const char *host, int rank, pid_t pid, int code,
                              const char *msg)
{
    struct mpirun_job *job = arg;

    if (job->failed) {
        return;
    }
    if (code != MPI_ERR_PROC_ABORTED || job->echoed == NULL) {
        job_report_abort(job, host, rank, pid, code, msg);
        return;
    }
    job->echoed[rank] = true;
    if (!job->echo.held) {
        job->echo.held = true;
        job->echo.until = kr_launch_now_ms() + JOB_ECHO_MS;
        snprintf(job->echo.host, sizeof(job->echo.host), "%s", host);
        snprintf(job->echo.msg, sizeof(job->echo.msg), "%s", msg);
        job->echo.rank = rank;
        job->echo.pid = pid;
        job->echo.code = code;
        job_alarm_arm(job);
    }
}

static void job_rank_abort(void *arg, int rank, pid_t pid, int code, const char *msg)
{
    struct mpirun_job *job = arg;

    job_rank_abort_on(arg, kr_launch_host(job->launch), rank, pid, code, msg);
}

static void job_pmi_error_on(void *arg, const char *host, int rank, pid_t pid, const char *why)
{
    struct mpirun_job *job = arg;

    if (job->failed) {
        return;
    }
    job_say("mpirun: rank %d on host %s (pid %d) %s", rank, host, (int) pid, why);
    /* It was answered with an error and is expected to exit; SIGKILL after the grace if not. */
    job_fail(job, 1, rank, SIGTERM);
}

static void job_pmi_error(void *arg, int rank, pid_t pid, const char *why)
{
    struct mpirun_job *job = arg;

    job_pmi_error_on(arg, kr_launch_host(job->launch), rank, pid, why);
}

/* A remote host failed as a whole: the message says which and how. */
static void job_host_fail(void *arg, int status, const char *msg)
{
    struct mpirun_job *job = arg;

    if (job->failed) {
        return;
    }
    job_say("%s", msg);
    job_fail(job, status, -1, SIGTERM);
}

static void job_child_exit(void *arg, pid_t pid, int status)
{
    struct mpirun_job *job = arg;

    if (job->remote != NULL) {
        (void) kr_remote_child_exit(job->remote, pid, status);
    }
}

static void job_signal(void *arg, int signo)
{
    struct mpirun_job *job = arg;
    int n;

    if (signo == SIGUSR1 || signo == SIGUSR2) {
        kr_launch_signal(job->launch, signo);
        if (job->remote != NULL) {
            kr_remote_signal(job->remote, signo);
        }
        return;
    }
    if (++job->stop_signals > 1) {
        /* Asked again: do not wait for the grace period. */
        job_terminate(job, SIGKILL, 0, -1);
        return;
    }
    n = job_alive(job);
    job_say("mpirun: received signal %d (%s); forwarding it to %d rank%s, SIGKILL follows in "
            "%.1f s", signo, strsignal(signo), n, n == 1 ? "" : "s",
            KR_MPIRUN_GRACE_MS / 1000.0);
    if (!job->failed) {
        job->failed = true;
        job->exit_code = 128 + signo;
    }
    job_terminate(job, signo, KR_MPIRUN_GRACE_MS, -1);
}

static void job_alarm(void *arg)
{
    struct mpirun_job *job = arg;
    long long now = kr_launch_now_ms();
    int n = job_alive(job);

    if (job->failed) {
        return;
    }
    if (job->echo.held && now >= job->echo.until) {
        /* no other cause came: the echo is all there is to say */
        job->echo.held = false;
        job_report_abort(job, job->echo.host, job->echo.rank, job->echo.pid, job->echo.code,
                         job->echo.msg);
        return;
    }
    if (job->timeout_at == 0 || now < job->timeout_at) {
        job_alarm_arm(job);
        return;
    }
    job_say("mpirun: job timed out after %s seconds (--timeout %s); terminating %d rank%s",
            job->o->timeout_text, job->o->timeout_text, n, n == 1 ? "" : "s");
    job->failed = true;
    job->exit_code = KR_MPIRUN_EXIT_TIMEOUT;
    job_terminate(job, SIGTERM, KR_MPIRUN_GRACE_MS, -1);
}

/* One engine alarm serves both deadlines: the earlier of --timeout and a held echo. */
static void job_alarm_arm(struct mpirun_job *job)
{
    long long at = job->timeout_at;

    if (job->echo.held && (at == 0 || job->echo.until < at)) {
        at = job->echo.until;
    }
    if (at != 0) {
        long long left = at - kr_launch_now_ms();

        kr_launch_alarm(job->launch, left > 0 ? (long) left : 0);
    }
}

static const struct kr_launch_cb job_cb = {
    .rank_exit  = job_rank_exit,
    .rank_abort = job_rank_abort,
    .pmi_error  = job_pmi_error,
    .signal     = job_signal,
    .alarm      = job_alarm,
    .child_exit = job_child_exit,
};

static const struct kr_remote_cb job_remote_cb = {
    .rank_exit  = job_rank_exit_on,
    .rank_abort = job_rank_abort_on,
    .pmi_error  = job_pmi_error_on,
    .host_fail  = job_host_fail,
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

static const char *job_env(const char *name)
{
    size_t n = strlen(name);

    for (char **e = environ; *e != NULL; e++) {
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
            return *e + n + 1;
        }
    }
    return NULL;
}

/* kurir-daemon: $KURIR_DAEMON, else next to this mpirun (same path on every host). */
static void job_daemon_path(char *buf, size_t len)
{
    const char *env = job_env("KURIR_DAEMON");
    char self[PATH_MAX];
    ssize_t n;

    if (env != NULL && env[0] != '\0') {
        snprintf(buf, len, "%s", env);
        return;
    }
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    self[n > 0 ? n : 0] = '\0';
    if (strrchr(self, '/') != NULL) {
        *strrchr(self, '/') = '\0';
    }
    if (strlen(self) + sizeof("/kurir-daemon") > len) {
        self[0] = '\0';
    }
    snprintf(buf, len, "%.*s/kurir-daemon", (int) (len - sizeof("/kurir-daemon")), self);
}

static long job_heartbeat_ms(const struct kr_mpirun_opts *o)
{
    const char *env = job_env("KURIR_HEARTBEAT_TIMEOUT");
    double s = o->heartbeat_s;

    if (s <= 0 && env != NULL) {
        s = atof(env);
        if (s < 1) {
            job_say("mpirun: ignoring KURIR_HEARTBEAT_TIMEOUT=%s (seconds, at least 1)", env);
        }
    }
    return s >= 1 ? (long) (s * 1000.0) : KR_REMOTE_HB_TIMEOUT_MS;
}

/* The ranks of the hosts that are not this machine: one kurir-daemon each (remote_*.c). */
static int job_remote_create(struct mpirun_job *job, const bool *remote, int nlocal,
                             const char *mapping, char *daemon, size_t daemon_len)
{
    const char *agent = job->o->launch_agent != NULL ? job->o->launch_agent
                                                     : job_env("KURIR_RSH");
    struct kr_remote_params rp = {
        .plan = &job->o->plan, .remote = remote, .jobid = job->jobid, .mapping = mapping,
        .tag_output = job->o->tag_output, .output_dir = job->o->output_dir,
        .agent = agent != NULL && agent[0] != '\0' ? agent : job->o->in_slurm ? "srun" : "ssh",
        .host_cpus = job->o->host_cpus, .daemon = daemon,
        .heartbeat_ms = job_heartbeat_ms(job->o), .nlocal = nlocal, .bind = &job->o->bind,
        .cb = &job_remote_cb,
        .cb_arg = job,
    };
    int ret;

    job_daemon_path(daemon, daemon_len);
    ret = kr_remote_create(&rp, &job->remote);
    if (ret != 0) {
        job_say("mpirun: cannot prepare the remote hosts: %s", strerror(-ret));
    }
    return ret;
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

/* Bind this host's ranks and share its topology with them (bind.h). A topology that cannot be
 * loaded leaves the ranks unbound; a placement that cannot be done is a usage error. */
static int job_bind(struct mpirun_job *job, struct kr_bind_host *bh, struct kr_launch_proc *procs,
                    int nprocs)
{
    char host[256], err[768];
    int ret;

    if (gethostname(host, sizeof(host)) != 0) {
        snprintf(host, sizeof(host), "localhost");
    }
    host[sizeof(host) - 1] = '\0';
    ret = kr_bind_host_setup(bh, &job->o->bind, host, procs, nprocs, err, sizeof(err));
    if (ret == -EIO) {
        job_say("mpirun: warning: %s; the ranks run unbound", err);
        return 0;
    }
    if (ret == -EINVAL) {
        job_say("mpirun: %s", err);
        job->failed = true;
        job->exit_code = KR_MPIRUN_EXIT_USAGE;
        return ret;
    }
    if (ret != 0) {
        job_say("mpirun: out of memory binding the ranks");
        job->failed = true;
        job->exit_code = 1;
    }
    return ret;
}

/* The store behind the PMI server: local, or with the fence spanning the daemons. */
static int job_kvs_create(struct mpirun_job *job, const bool *remote, int nlocal,
                          const char *mapping, struct kr_pmi_kvs **kvs_out)
{
    const struct kr_plan *plan = &job->o->plan;
    int ret;

    if (!plan->remote) {
        return kr_pmi_kvs_local_create(plan->np, kvs_out);
    }
    ret = job_remote_create(job, remote, nlocal, mapping, job->daemon, sizeof(job->daemon));
    if (ret != 0) {
        return ret;
    }
    return kr_pmi_kvs_dist_create(plan->np, nlocal, kr_remote_local_fence, job->remote,
                                  kvs_out);
}

/* Start the daemons (all at once) and the local ranks and run the job to its end. */
static void job_run(struct mpirun_job *job, struct kr_launch_params *lp)
{
    int ret = kr_launch_create(lp, &job->launch);

    if (ret != 0) {
        job_say("mpirun: cannot set up the launcher: %s", strerror(-ret));
        job->failed = true;
        job->exit_code = 1;
        return;
    }
    if (job->o->timeout_s > 0) {
        job->timeout_at = kr_launch_now_ms() + (long long) (job->o->timeout_s * 1000.0 + 0.5);
        job_alarm_arm(job);
    }
    ret = job->remote != NULL ? kr_remote_start(job->remote, job->launch, lp->kvs) : 0;
    if (ret == 0) {
        ret = kr_launch_spawn(job->launch);
    }
    if (ret != 0 && !job->failed) {
        job_say("mpirun: cannot start the ranks: %s", strerror(-ret));
        job_fail(job, 1, -1, SIGKILL);
    }
    ret = kr_launch_run(job->launch);
    if (ret != 0 && !job->failed) {
        job->failed = true;
        job->exit_code = 1;
    }
    kr_remote_destroy(job->remote);
    job->remote = NULL;
    kr_launch_destroy(job->launch);
    job->launch = NULL;
}

int kr_mpirun_job_run(const struct kr_mpirun_opts *o)
{
    const struct kr_plan *plan = &o->plan;
    struct mpirun_job job = { .o = o, .abort_rank = -1 };
    struct kr_launch_params lp = {
        .size = plan->np,
        .tag_output = o->tag_output, .forward_stdin = plan->hosts[plan->host_of[0]].local,
        .universe_size = plan->universe_size, .cb = &job_cb, .cb_arg = &job,
    };
    struct kr_launch_proc *procs = calloc((size_t) plan->np + 1, sizeof(*procs));
    char **names = calloc((size_t) plan->np * 2 + 1, sizeof(char *));
    bool *remote = calloc((size_t) plan->nhosts + 1, sizeof(bool));
    struct kr_pmi_kvs *kvs = NULL;
    struct kr_bind_host bh = { 0 };
    char *env[3] = { NULL, NULL, NULL };
    int nenv = 0;
    int local = job_local_host(plan);
    char mapping[8192];
    int ret;

    job_make_id(&job);
    job.echoed = calloc((size_t) plan->np + 1, sizeof(bool));
    /* in mpirun's own environment, which every rank inherits, also through the daemons */
    if (o->report_transports) {
        setenv("KURIR_REPORT_TRANSPORTS", "1", 1);
    }
    if (procs == NULL || names == NULL || remote == NULL || job.echoed == NULL ||
        (local >= 0 && job_host_procs(o, local, procs, names, &lp.nprocs) != 0) ||
        kr_plan_mapping(plan, mapping, sizeof(mapping)) < 0) {
        job_say("mpirun: out of memory setting up the job");
        job.failed = true;
        job.exit_code = 1;
        goto out;
    }
    if (lp.nprocs > 0 && job_bind(&job, &bh, procs, lp.nprocs) != 0) {
        goto out;
    }
    if (o->report_transports) {
        env[nenv++] = "KURIR_REPORT_TRANSPORTS=1";
    }
    if (bh.env_entry[0] != '\0') {
        env[nenv++] = bh.env_entry;
        lp.inherit_fds = &bh.xml_fd;
        lp.ninherit = 1;
    }
    for (int h = 0; h < plan->nhosts; h++) {
        remote[h] = !plan->hosts[h].local;
    }
    ret = job_check_fds(lp.nprocs) != 0 ? -EMFILE
                                        : job_kvs_create(&job, remote, lp.nprocs, mapping, &kvs);
    if (ret != 0) {
        job.failed = true;
        job.exit_code = 1;
        goto out;
    }
    lp.env = env;
    lp.procs = procs;
    lp.jobid = job.jobid;
    lp.mapping = mapping;
    lp.kvs = kvs;
    job_run(&job, &lp);
out:
    kr_bind_host_free(&bh);
    kr_launch_shm_cleanup(job.jobid);
    kr_remote_destroy(job.remote);
    if (kvs != NULL) {
        kvs->ops->destroy(kvs);
    }
    for (int i = 0; names != NULL && i < 2 * plan->np; i++) {
        free(names[i]);
    }
    free(names);
    free(procs);
    free(remote);
    free(job.echoed);
    return job.failed ? job.exit_code : 0;
}

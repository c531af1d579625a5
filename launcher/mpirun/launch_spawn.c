/* Starting one rank: its pipes and PMI socketpair, fork, and in the child the process group,
 * parent-death signal, environment and exec. */
#include "config.h"

#include "launch_int.h"

#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* The descriptors a child needs; parent ends are O_CLOEXEC and nonblocking. */
struct spawn_fds {
    int pmi[2];                    /* [0] ours, [1] the rank's PMI_FD */
    int out[2];                    /* pipe: [0] ours, [1] the rank's stdout */
    int err[2];
    int in[2];                     /* rank 0 with forwarded stdin: [0] its stdin, [1] ours */
    int devnull;                   /* stdin of the other ranks */
};

static void spawn_fds_close(struct spawn_fds *f)
{
    int *all[] = { &f->pmi[0], &f->pmi[1], &f->out[0], &f->out[1], &f->err[0], &f->err[1],
                   &f->in[0],  &f->in[1],  &f->devnull };

    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (*all[i] >= 0) {
            close(*all[i]);
            *all[i] = -1;
        }
    }
}

/* mkdir -p of the directory part of `path`. 0 or -errno. */
static int spawn_mkdirs(const char *path)
{
    char dir[PATH_MAX];
    size_t n = strlen(path);

    if (n >= sizeof(dir)) {
        return -ENAMETOOLONG;
    }
    memcpy(dir, path, n + 1);
    for (char *p = dir + 1; *p != '\0'; p++) {
        if (*p != '/') {
            continue;
        }
        *p = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            return -errno;
        }
        *p = '/';
    }
    return 0;
}

/* The write end for one output of `r`: a file when the proc names one, else a pipe whose read
 * end (ours) is fds[0]. */
static int spawn_output_open(struct launch_rank *r, const char *file, int fds[2])
{
    int ret;

    if (file == NULL) {
        if (pipe2(fds, O_CLOEXEC) != 0) {
            ret = -errno;
            KR_LOG_ERR(LAUNCH, "cannot create the pipes for rank %d: %s (ulimit -n?)", r->rank,
                       strerror(errno));
            return ret;
        }
        return 0;
    }
    ret = spawn_mkdirs(file);
    if (ret == 0) {
        fds[1] = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ret = fds[1] < 0 ? -errno : 0;
    }
    if (ret != 0) {
        KR_LOG_ERR(LAUNCH, "cannot create %s for the output of rank %d: %s", file, r->rank,
                   strerror(-ret));
    }
    return ret;
}

static int spawn_fds_open(struct kr_launch *l, struct launch_rank *r, struct spawn_fds *f)
{
    bool want_in = l->p.forward_stdin && r->rank == 0 && l->in.src >= 0;
    int ret;

    memset(f, 0xff, sizeof(*f)); /* every descriptor -1 */
    ret = spawn_output_open(r, r->proc->stdout_path, f->out);
    if (ret == 0) {
        ret = spawn_output_open(r, r->proc->stderr_path, f->err);
    }
    if (ret != 0) {
        spawn_fds_close(f);
        return ret;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->pmi) != 0 ||
        (want_in && pipe2(f->in, O_CLOEXEC) != 0) ||
        (!want_in && (f->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)) {
        ret = -errno;
        KR_LOG_ERR(LAUNCH, "cannot create the pipes for rank %d: %s (ulimit -n?)", r->rank,
                   strerror(errno));
        spawn_fds_close(f);
        return ret;
    }
    (void) fcntl(f->pmi[0], F_SETFL, O_NONBLOCK);
    if (f->out[0] >= 0) {
        (void) fcntl(f->out[0], F_SETFL, O_NONBLOCK);
    }
    if (f->err[0] >= 0) {
        (void) fcntl(f->err[0], F_SETFL, O_NONBLOCK);
    }
    if (want_in) {
        (void) fcntl(f->in[1], F_SETFL, O_NONBLOCK);
    }
    return 0;
}

static void spawn_child_die(const char *what, int rank, int err)
{
    char msg[PATH_MAX + 256];
    int n = snprintf(msg, sizeof(msg), "mpirun: rank %d: %s: %s\n", rank, what, strerror(err));
    ssize_t ignored;

    n = n < (int) sizeof(msg) ? n : (int) sizeof(msg) - 1;
    ignored = write(STDERR_FILENO, msg, (size_t) n);
    (void) ignored;
    _exit(127);
}

/* "0-1,4" into `set`, without allocating (we are between fork and exec). 0 or -EINVAL. */
static int spawn_cpus_parse(const char *list, cpu_set_t *set)
{
    const char *p = list;

    CPU_ZERO(set);
    while (*p != '\0') {
        long lo = 0, hi;

        if (*p < '0' || *p > '9') {
            return -EINVAL;
        }
        while (*p >= '0' && *p <= '9') {
            lo = lo * 10 + (*p++ - '0');
        }
        hi = lo;
        if (*p == '-') {
            p++;
            hi = 0;
            while (*p >= '0' && *p <= '9') {
                hi = hi * 10 + (*p++ - '0');
            }
        }
        if (hi < lo || hi >= CPU_SETSIZE || (*p != ',' && *p != '\0')) {
            return -EINVAL;
        }
        for (long c = lo; c <= hi; c++) {
            CPU_SET((int) c, set);
        }
        p += (*p == ',');
    }
    return 0;
}

/* Bind the child: a failure is said and the rank runs unbound (a container may refuse). */
static void spawn_child_bind(const struct launch_rank *r)
{
    cpu_set_t set;
    char msg[256];
    ssize_t ignored;
    int n;

    if (r->proc->cpus == NULL) {
        return;
    }
    if (spawn_cpus_parse(r->proc->cpus, &set) != 0) {
        errno = EINVAL;
    } else if (sched_setaffinity(0, sizeof(set), &set) == 0) {
        return;
    }
    n = snprintf(msg, sizeof(msg), "kurir: warning: rank %d: cannot bind to CPUs %s: %s; it "
                 "runs unbound\n", r->rank, r->proc->cpus, strerror(errno));
    n = n < (int) sizeof(msg) ? n : (int) sizeof(msg) - 1;
    ignored = write(STDERR_FILENO, msg, (size_t) n);
    (void) ignored;
}

/* In the child, between fork and exec: only async-signal-safe work and setenv (the launcher is
 * single-threaded, so the environment is not being changed under us). */
static void spawn_child(struct kr_launch *l, struct launch_rank *r, struct spawn_fds *f)
{
    char num[16];
    int stdin_fd = f->in[0] >= 0 ? f->in[0] : f->devnull;

    setpgid(0, 0);
    /* SIGKILL when mpirun dies, even by SIGKILL; if it died before this line, go now. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != l->self) {
        _exit(127);
    }
    if (dup2(stdin_fd, STDIN_FILENO) < 0 || dup2(f->out[1], STDOUT_FILENO) < 0 ||
        dup2(f->err[1], STDERR_FILENO) < 0) {
        spawn_child_die("cannot set up stdin/stdout/stderr", r->rank, errno);
    }
    if (fcntl(f->pmi[1], F_SETFD, 0) != 0) { /* the PMI end survives exec */
        spawn_child_die("cannot pass the PMI socket", r->rank, errno);
    }
    for (int i = 0; i < l->p.ninherit; i++) {
        if (fcntl(l->p.inherit_fds[i], F_SETFD, 0) != 0) {
            spawn_child_die("cannot pass a descriptor", r->rank, errno);
        }
    }
    snprintf(num, sizeof(num), "%d", f->pmi[1]);
    setenv("PMI_FD", num, 1);
    snprintf(num, sizeof(num), "%d", r->rank);
    setenv("PMI_RANK", num, 1);
    snprintf(num, sizeof(num), "%d", l->p.size);
    setenv("PMI_SIZE", num, 1);
    setenv("PMI_JOBID", l->p.jobid, 1);
    for (char *const *e = l->p.env; e != NULL && *e != NULL; e++) {
        putenv(*e);
    }
    for (char *const *e = r->proc->env; e != NULL && *e != NULL; e++) {
        putenv(*e);
    }
    spawn_child_bind(r);
    if (r->proc->wdir != NULL && chdir(r->proc->wdir) != 0) {
        char what[PATH_MAX + 64];

        snprintf(what, sizeof(what), "cannot change to working directory %s", r->proc->wdir);
        spawn_child_die(what, r->rank, errno);
    }
    /* Undo what the launcher changed: its blocked signals and ignored SIGPIPE. */
    sigaction(SIGPIPE, &l->old_pipe, NULL);
    sigprocmask(SIG_SETMASK, &l->old_mask, NULL);
    execv(r->proc->path, r->proc->argv);
    spawn_child_die(r->proc->path, r->rank, errno);
}

int kr_launch_rank_spawn(struct kr_launch *l, struct launch_rank *r)
{
    struct spawn_fds f;
    pid_t pid;
    int ret;

    ret = spawn_fds_open(l, r, &f);
    if (ret != 0) {
        return ret;
    }
    pid = fork();
    if (pid < 0) {
        ret = -errno;
        KR_LOG_ERR(LAUNCH, "cannot start rank %d: fork failed: %s", r->rank, strerror(errno));
        spawn_fds_close(&f);
        return ret;
    }
    if (pid == 0) {
        spawn_child(l, r, &f);
    }
    /* Also here, so that the group exists before we could ever signal it. */
    (void) setpgid(pid, pid);
    r->pid = pid;
    l->alive++;
    r->pmi_fd = f.pmi[0];
    f.pmi[0] = -1;
    (void) kr_launch_stream_open(&r->out, f.out[0], STDOUT_FILENO);
    (void) kr_launch_stream_open(&r->err, f.err[0], STDERR_FILENO);
    f.out[0] = f.err[0] = -1;
    if (f.in[1] >= 0) {
        l->in.dst = f.in[1];
        f.in[1] = -1;
    }
    spawn_fds_close(&f);
    return 0;
}

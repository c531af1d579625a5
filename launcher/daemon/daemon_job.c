/* kurir-daemon's job: the launch engine runs this host's ranks; their PMI fences, output, exits
 * and aborts go to mpirun over the connection, mpirun's requests (fence results, stdin for rank
 * 0, signals, termination) come back. Heartbeats both ways; mpirun lost (connection closed,
 * silent for the heartbeat timeout, or the agent's stdin closed) means: SIGTERM to every rank,
 * SIGKILL after the grace, remove the job's /dev/shm files, exit. */
#include "config.h"

#include "daemon.h"

#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


/* Names that describe the host or the session, not the job: each host keeps its own, like
 * Hydra does. */
static const char *const job_env_skip[] = {
    "HOSTNAME", "DISPLAY", "PWD", "OLDPWD", "SHLVL", "_", "TERM", "XAUTHORITY", "TMUX",
    "PMI_FD", "PMI_RANK", "PMI_SIZE", "PMI_JOBID", "KURIR_HOST_ADDR", NULL,
};

static bool job_env_skipped(const char *entry)
{
    size_t n = strcspn(entry, "=");

    if (strncmp(entry, "SSH_", 4) == 0 || entry[n] != '=') {
        return true;
    }
    for (int i = 0; job_env_skip[i] != NULL; i++) {
        if (strlen(job_env_skip[i]) == n && strncmp(entry, job_env_skip[i], n) == 0) {
            return true;
        }
    }
    return false;
}

/* mpirun's environment without host-specific names, then KURIR_TOPO_XML and KURIR_HOST_ADDR.
 * The -x variables are each rank's own environment (struct kr_launch_proc), applied after
 * this. */
static int job_env_build(struct kr_daemon *d)
{
    size_t n = 0, k = 0;
    char *addr;

    for (const char **e = d->spec.env; e != NULL && *e != NULL; e++) {
        n++;
    }
    d->env = calloc(n + 3, sizeof(*d->env));
    if (d->env == NULL || asprintf(&addr, "KURIR_HOST_ADDR=%s", d->local_addr) < 0) {
        return -ENOMEM;
    }
    for (const char **e = d->spec.env; e != NULL && *e != NULL; e++) {
        if (!job_env_skipped(*e)) {
            d->env[k++] = (char *) *e;
        }
    }
    if (d->bind.env_entry[0] != '\0') {
        d->env[k++] = d->bind.env_entry; /* KURIR_TOPO_XML: owned by d->bind */
    }
    d->env[k] = addr;   /* last, so that it wins; freed by job_env_free */
    return 0;
}

static void job_env_free(struct kr_daemon *d)
{
    size_t k = 0;

    if (d->env == NULL) {
        return;
    }
    while (d->env[k] != NULL) {
        k++;
    }
    if (k > 0 && strncmp(d->env[k - 1], "KURIR_HOST_ADDR=", 16) == 0) {
        free(d->env[k - 1]);
    }
    free(d->env);
    d->env = NULL;
}

static void job_conn_watch(struct kr_daemon *d);

/* mpirun is gone: nothing of the job may outlive it. */
static void job_lost(struct kr_daemon *d, const char *why)
{
    int n;

    if (d->lost) {
        return;
    }
    d->lost = true;
    if (d->conn.fd >= 0) {
        kr_launch_unwatch(d->launch, d->conn.fd);
        kr_proto_conn_close(&d->conn);
    }
    kr_launch_unwatch(d->launch, STDIN_FILENO);
    n = kr_launch_terminate(d->launch, SIGTERM, KR_DAEMON_GRACE_MS, -1);
    KR_LOG_WARN(LAUNCH, "lost mpirun (%s): ending %d rank%s", why, n, n == 1 ? "" : "s");
}

static void job_send(struct kr_daemon *d, uint32_t type, const struct kr_proto_buf *b)
{
    int ret;

    if (d->lost) {
        return;
    }
    ret = b != NULL && b->err != 0 ? b->err
                                   : kr_proto_conn_send(&d->conn, type, b ? b->data : NULL,
                                                        b ? b->len : 0);
    if (ret == -ENOMEM) {
        job_lost(d, "out of memory queueing a message");
        return;
    }
    if (ret != 0) {
        job_lost(d, strerror(-ret));
        return;
    }
    job_conn_watch(d);
}

/* --- engine callbacks ---------------------------------------------------------------------- */

static void job_rank_exit(void *arg, int rank, pid_t pid, int status, bool pmi_init,
                          bool pmi_fini)
{
    struct kr_daemon *d = arg;
    struct kr_proto_buf b;

    kr_proto_buf_init(&b);
    kr_proto_put_u32(&b, (uint32_t) rank);
    kr_proto_put_u32(&b, (uint32_t) pid);
    kr_proto_put_u32(&b, (uint32_t) status);
    kr_proto_put_u32(&b, (pmi_init ? 1u : 0u) | (pmi_fini ? 2u : 0u));
    job_send(d, KR_PROTO_EXIT, &b);
    kr_proto_buf_free(&b);
}

static void job_rank_abort(void *arg, int rank, pid_t pid, int code, const char *msg)
{
    struct kr_daemon *d = arg;
    struct kr_proto_buf b;

    kr_proto_buf_init(&b);
    kr_proto_put_u32(&b, (uint32_t) rank);
    kr_proto_put_u32(&b, (uint32_t) pid);
    kr_proto_put_u32(&b, (uint32_t) code);
    kr_proto_put_str(&b, msg);
    job_send(d, KR_PROTO_ABORT, &b);
    kr_proto_buf_free(&b);
}

static void job_pmi_error(void *arg, int rank, pid_t pid, const char *why)
{
    struct kr_daemon *d = arg;
    struct kr_proto_buf b;

    kr_proto_buf_init(&b);
    kr_proto_put_u32(&b, (uint32_t) rank);
    kr_proto_put_u32(&b, (uint32_t) pid);
    kr_proto_put_str(&b, why);
    job_send(d, KR_PROTO_PMI_ERROR, &b);
    kr_proto_buf_free(&b);
}

/* SIGTERM/SIGINT/SIGHUP to the daemon (sshd hanging up, an admin): end the ranks. mpirun
 * learns it from their exits and our leaving. */
static void job_signal(void *arg, int signo)
{
    struct kr_daemon *d = arg;

    if (signo == SIGUSR1 || signo == SIGUSR2) {
        kr_launch_signal(d->launch, signo);
        return;
    }
    kr_launch_terminate(d->launch, SIGTERM, KR_DAEMON_GRACE_MS, -1);
}

static void job_alarm(void *arg)
{
    (void) arg;
}

static void job_output(void *arg, int rank, int dst, const struct iovec *iov, int iovcnt,
                       bool whole)
{
    struct kr_daemon *d = arg;
    struct kr_proto_buf b;
    size_t total = 0;

    for (int i = 0; i < iovcnt; i++) {
        total += iov[i].iov_len;
    }
    kr_proto_buf_init(&b);
    kr_proto_put_u32(&b, (uint32_t) rank);
    kr_proto_put_u32(&b, (uint32_t) dst);
    kr_proto_put_u32(&b, whole ? 1u : 0u);
    kr_proto_put_u32(&b, (uint32_t) total);
    for (int i = 0; i < iovcnt; i++) {
        kr_proto_put_raw(&b, iov[i].iov_base, iov[i].iov_len);
    }
    job_send(d, KR_PROTO_OUTPUT, &b);
    kr_proto_buf_free(&b);
}

static const struct kr_launch_cb job_cb = {
    .rank_exit  = job_rank_exit,
    .rank_abort = job_rank_abort,
    .pmi_error  = job_pmi_error,
    .signal     = job_signal,
    .alarm      = job_alarm,
    .output     = job_output,
};

/* Every local rank entered the fence: send our puts to mpirun, which merges all hosts'. */
static void job_forward(void *arg, const char *const *keys, const char *const *values, int n)
{
    struct kr_daemon *d = arg;
    struct kr_proto_buf b;

    kr_proto_buf_init(&b);
    kr_proto_put_u32(&b, (uint32_t) n);
    for (int i = 0; i < n; i++) {
        kr_proto_put_str(&b, keys[i]);
        kr_proto_put_str(&b, values[i]);
    }
    job_send(d, KR_PROTO_FENCE, &b);
    kr_proto_buf_free(&b);
}

/* --- messages from mpirun ------------------------------------------------------------------ */

static void job_fence_done(struct kr_daemon *d, struct kr_proto_rd *r)
{
    int err = (int) kr_proto_get_u32(r);
    uint32_t n = kr_proto_get_u32(r);

    for (uint32_t i = 0; i < n && !r->bad; i++) {
        const char *key = kr_proto_get_str(r), *value = kr_proto_get_str(r);

        if (key != NULL && value != NULL && kr_pmi_kvs_dist_set(d->kvs, key, value) != 0) {
            err = ENOMEM;
        }
    }
    kr_pmi_kvs_dist_complete(d->kvs, r->bad ? -EPROTO : -err);
}

static void job_stdin_watch(struct kr_daemon *d);

static void job_stdin_ready(void *arg, int fd, short revents)
{
    struct kr_daemon *d = arg;

    (void) revents;
    while (d->stdin_len > 0) {
        ssize_t n = write(fd, d->stdin_buf + d->stdin_off, d->stdin_len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            return;
        }
        if (n < 0) {
            d->stdin_len = 0; /* rank 0 closed its stdin: drop the rest */
            d->stdin_eof = true;
            break;
        }
        d->stdin_off += (size_t) n;
        d->stdin_len -= (size_t) n;
    }
    job_stdin_watch(d);
    job_send(d, KR_PROTO_STDIN_ACK, NULL);
}

static void job_stdin_watch(struct kr_daemon *d)
{
    if (d->stdin_pipe[1] < 0) {
        return;
    }
    if (d->stdin_len > 0) {
        kr_launch_watch(d->launch, d->stdin_pipe[1], POLLOUT, job_stdin_ready, d);
        return;
    }
    kr_launch_unwatch(d->launch, d->stdin_pipe[1]);
    if (d->stdin_eof) {
        close(d->stdin_pipe[1]);
        d->stdin_pipe[1] = -1;
    }
}

static void job_stdin_msg(struct kr_daemon *d, struct kr_proto_rd *r)
{
    size_t len;
    const char *data = kr_proto_get_bytes(r, &len);
    char *buf;

    if (d->stdin_pipe[1] < 0) {
        job_send(d, KR_PROTO_STDIN_ACK, NULL);
        return;
    }
    if (len == 0) {
        d->stdin_eof = true;
        job_stdin_watch(d);
        return;
    }
    buf = realloc(d->stdin_buf, len);
    if (buf == NULL) {
        job_lost(d, "out of memory for stdin");
        return;
    }
    memcpy(buf, data, len);
    d->stdin_buf = buf;
    d->stdin_off = 0;
    d->stdin_len = len;
    job_stdin_watch(d);
}

static void job_message(struct kr_daemon *d, uint32_t type, const char *data, size_t len)
{
    struct kr_proto_rd r;
    int signo, grace, spare;

    kr_proto_rd_init(&r, data, len);
    switch (type) {
    case KR_PROTO_FENCE_DONE:
        job_fence_done(d, &r);
        break;
    case KR_PROTO_STDIN:
        job_stdin_msg(d, &r);
        break;
    case KR_PROTO_SIGNAL:
        signo = (int) kr_proto_get_u32(&r);
        if (!r.bad && signo > 0 && signo < NSIG) {
            kr_launch_signal(d->launch, signo);
        }
        break;
    case KR_PROTO_TERMINATE:
        signo = (int) kr_proto_get_u32(&r);
        grace = (int) kr_proto_get_u32(&r);
        spare = (int) kr_proto_get_u32(&r);
        if (!r.bad && signo > 0 && signo < NSIG) {
            kr_launch_terminate(d->launch, signo, grace, spare);
        }
        break;
    case KR_PROTO_HEARTBEAT:
        break;
    default:
        KR_LOG_WARN(LAUNCH, "ignoring a %s message from mpirun", kr_proto_type_name(type));
        break;
    }
}

static void job_conn_ready(void *arg, int fd, short revents)
{
    struct kr_daemon *d = arg;
    const char *data;
    uint32_t type;
    size_t len;
    int ret = 0, fill = 0;

    (void) fd;
    if ((revents & POLLOUT) != 0 && kr_proto_conn_flush(&d->conn) != 0) {
        job_lost(d, "connection broken");
        return;
    }
    if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        fill = kr_proto_conn_fill(&d->conn);
    }
    while (!d->lost && (ret = kr_proto_conn_next(&d->conn, &type, &data, &len)) == 1) {
        d->last_rx = kr_launch_now_ms();
        job_message(d, type, data, len);
    }
    if (d->lost) {
        return;
    }
    if (ret < 0 || fill != 0) {
        job_lost(d, ret < 0 ? "protocol error" : fill == -EPIPE ? "connection closed"
                                                                : strerror(-fill));
        return;
    }
    job_conn_watch(d);
}

static void job_conn_watch(struct kr_daemon *d)
{
    if (!d->lost && d->conn.fd >= 0) {
        kr_launch_watch(d->launch, d->conn.fd, kr_proto_conn_events(&d->conn), job_conn_ready,
                        d);
    }
}

/* The agent's channel (ssh): nothing more is sent on it, so anything but silence is its end. */
static void job_agent_ready(void *arg, int fd, short revents)
{
    struct kr_daemon *d = arg;
    char buf[256];
    ssize_t n = (revents & POLLIN) != 0 ? read(fd, buf, sizeof(buf)) : 0;

    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return;
    }
    if (n <= 0) {
        kr_launch_unwatch(d->launch, fd);
        job_lost(d, "the launch agent's session ended");
    }
}

static void job_tick(void *arg)
{
    struct kr_daemon *d = arg;

    if (d->lost) {
        return;
    }
    if (kr_launch_now_ms() - d->last_rx > d->spec.heartbeat_ms) {
        char why[96];

        snprintf(why, sizeof(why), "no heartbeat for %.1f s", d->spec.heartbeat_ms / 1000.0);
        job_lost(d, why);
        return;
    }
    job_send(d, KR_PROTO_HEARTBEAT, NULL);
}

/* --- start-up ------------------------------------------------------------------------------ */

static const char *job_spec_env(const struct daemon_spec *s, const char *name)
{
    size_t n = strlen(name);

    for (const char **e = s->env; e != NULL && *e != NULL; e++) {
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
            return *e + n + 1;
        }
    }
    return NULL;
}

/* `path` of an app as this host sees it: a bare name through mpirun's PATH, a relative path
 * from the app's working directory. 0, or -errno and the path tried in `out`. */
static int job_resolve(const struct daemon_spec *s, int app, char *out, size_t len)
{
    const char *prog = s->app_path[app], *path = job_spec_env(s, "PATH");
    struct stat st;
    int err = ENOENT;

    if (strchr(prog, '/') != NULL) {
        snprintf(out, len, "%s%s%s", prog[0] == '/' ? "" : s->app_wdir[app],
                 prog[0] == '/' ? "" : "/", prog);
        if (stat(out, &st) != 0) {
            return -errno;
        }
        return S_ISDIR(st.st_mode) ? -EISDIR : access(out, X_OK) == 0 ? 0 : -errno;
    }
    for (const char *p = path != NULL ? path : "/usr/local/bin:/usr/bin:/bin"; *p != '\0';) {
        size_t n = strcspn(p, ":");

        snprintf(out, len, "%.*s/%s", (int) n, n == 0 ? "." : p, prog);
        if (stat(out, &st) == 0 && !S_ISDIR(st.st_mode)) {
            if (access(out, X_OK) == 0) {
                return 0;
            }
            err = errno;
        }
        p += n;
        p += (*p == ':');
    }
    snprintf(out, len, "%s", prog);
    return -err;
}

/* Every app this host runs: its working directory exists, its program can be run here. Said
 * clearly to mpirun before anything starts. Fills d->paths. */
static int job_check_spec(struct kr_daemon *d)
{
    const struct daemon_spec *s = &d->spec;
    struct stat st;

    d->paths = calloc((size_t) s->napps, sizeof(*d->paths));
    if (d->paths == NULL) {
        kr_daemon_error(d, 1, "out of memory on host %s", d->host);
        return -ENOMEM;
    }
    for (int i = 0; i < s->nranks; i++) {
        int app = s->rank_app[i], ret;
        const char *wdir = s->app_wdir[app];

        if (d->paths[app] != NULL) {
            continue;
        }
        ret = stat(wdir, &st) != 0 ? errno : !S_ISDIR(st.st_mode) ? ENOTDIR : 0;
        if (ret != 0) {
            kr_daemon_error(d, KR_DAEMON_EXIT_USAGE,
                            "working directory %s does not exist on host %s%s%s", wdir, d->host,
                            ret != ENOENT ? ": " : "", ret != ENOENT ? strerror(ret) : "");
            return -ret;
        }
        d->paths[app] = malloc(PATH_MAX);
        if (d->paths[app] == NULL) {
            return -ENOMEM;
        }
        ret = job_resolve(s, app, d->paths[app], PATH_MAX);
        if (ret != 0) {
            kr_daemon_error(d, KR_DAEMON_EXIT_USAGE, "cannot run '%s' on host %s (from %s): %s",
                            d->paths[app], d->host, wdir, strerror(-ret));
            return ret;
        }
    }
    return 0;
}

/* This host's topology (shared with the ranks) and the ranks' CPUs, computed here because
 * only here is the topology known. A topology that cannot be loaded leaves them unbound. */
static int job_bind(struct kr_daemon *d)
{
    char err[768];
    int ret = kr_bind_host_setup(&d->bind, &d->spec.bind_policy, d->host, d->procs,
                                 d->spec.nranks, err, sizeof(err));

    if (ret == -EIO) {
        KR_LOG_WARN(LAUNCH, "%s; the ranks run unbound", err);
        return 0;
    }
    if (ret == -EINVAL) {
        kr_daemon_error(d, KR_DAEMON_EXIT_USAGE, "%s", err); /* a placement: usage */
    } else if (ret != 0) {
        kr_daemon_error(d, 1, "cannot bind the ranks on host %s: %s", d->host, strerror(-ret));
    }
    return ret;
}

static int job_create(struct kr_daemon *d)
{
    const struct daemon_spec *s = &d->spec;
    struct kr_launch_params lp = {
        .nprocs = s->nranks, .size = s->size, .jobid = s->jobid, .tag_output = s->tag_output,
        .forward_stdin = s->stdin_rank0 && s->rank[0] == 0, .mapping = s->mapping,
        .universe_size = s->universe, .cb = &job_cb, .cb_arg = d,
    };
    int ret;

    d->procs = calloc((size_t) s->nranks, sizeof(*d->procs));
    ret = d->procs != NULL ? 0 : -ENOMEM;
    for (int i = 0; ret == 0 && i < s->nranks; i++) {
        int app = s->rank_app[i];

        d->procs[i] = (struct kr_launch_proc) {
            .rank = s->rank[i], .appnum = app, .path = d->paths[app],
            .argv = (char *const *) s->app_argv[app], .env = (char *const *) s->app_env[app],
            .wdir = s->app_wdir[app], .stdout_path = s->rank_out[i],
            .stderr_path = s->rank_err[i],
        };
    }
    if (ret == 0) {
        ret = job_bind(d);
        if (ret != 0) {
            return ret;
        }
        ret = job_env_build(d);
    }
    if (ret == 0) {
        ret = kr_pmi_kvs_dist_create(s->size, s->nranks, job_forward, d, &d->kvs);
    }
    if (ret == 0 && lp.forward_stdin) {
        ret = pipe2(d->stdin_pipe, O_CLOEXEC) == 0 ? 0 : -errno;
        (void) fcntl(d->stdin_pipe[1], F_SETFL, O_NONBLOCK);
        lp.stdin_fd = d->stdin_pipe[0];
    }
    if (ret != 0) {
        kr_daemon_error(d, 1, "cannot set up the job on host %s: %s", d->host, strerror(-ret));
        return ret;
    }
    lp.procs = d->procs;
    lp.env = d->env;
    if (d->bind.env_entry[0] != '\0') {
        lp.inherit_fds = &d->bind.xml_fd;
        lp.ninherit = 1;
    }
    lp.kvs = d->kvs;
    ret = kr_launch_create(&lp, &d->launch);
    if (ret != 0) {
        kr_daemon_error(d, 1, "cannot set up the launcher on host %s: %s", d->host,
                        strerror(-ret));
    }
    return ret;
}

static void job_destroy(struct kr_daemon *d)
{
    kr_launch_destroy(d->launch);
    d->launch = NULL;
    if (d->kvs != NULL) {
        d->kvs->ops->destroy(d->kvs);
    }
    for (int i = 0; i < 2; i++) {
        if (d->stdin_pipe[i] >= 0) {
            close(d->stdin_pipe[i]);
        }
    }
    free(d->stdin_buf);
    job_env_free(d);
    kr_bind_host_free(&d->bind);
}

static void job_paths_free(struct kr_daemon *d)
{
    for (int i = 0; d->paths != NULL && i < d->spec.napps; i++) {
        free(d->paths[i]);
    }
    free(d->paths);
    d->paths = NULL;
    free(d->procs);
    d->procs = NULL;
}

int kr_daemon_job_run(struct kr_daemon *d)
{
    int ret = job_check_spec(d);

    if (ret == 0) {
        ret = job_create(d);
    }
    if (ret != 0) {
        job_env_free(d);
        kr_bind_host_free(&d->bind);
        job_paths_free(d);
        kr_launch_shm_cleanup(d->jobid);
        return 1;
    }
    d->last_rx = kr_launch_now_ms();
    job_conn_watch(d);
    (void) fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
    kr_launch_watch(d->launch, STDIN_FILENO, POLLIN, job_agent_ready, d);
    kr_launch_tick(d->launch, KR_DAEMON_HEARTBEAT_MS, job_tick, d);
    ret = kr_launch_spawn(d->launch);
    if (ret != 0) {
        kr_daemon_error(d, 1, "cannot start the ranks on host %s: %s", d->host, strerror(-ret));
    }
    /* Messages that came with the launch spec (stdin for rank 0) wait in the buffer, where
     * poll() cannot see them. */
    job_conn_ready(d, d->conn.fd, 0);
    if (kr_launch_run(d->launch) != 0) {
        ret = -EIO;
    }
    if (!d->lost) {
        job_send(d, KR_PROTO_DONE, NULL);
        if (!d->lost) {
            (void) kr_proto_conn_drain(&d->conn, 5000);
        }
    }
    job_destroy(d);
    job_paths_free(d);
    kr_launch_shm_cleanup(d->jobid);
    return d->lost || ret != 0 ? 1 : 0;
}

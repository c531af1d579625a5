/* The remote part of a job as mpirun sees it: the launch spec each daemon gets, the daemons'
 * messages turned into the job policy's callbacks, the global PMI fence (every host's puts
 * merged and sent back to all), heartbeats both ways, mpirun's stdin for a remote rank 0, and
 * termination with a deadline so that a silent host cannot keep mpirun waiting. */
#include "config.h"

#include "remote_int.h"

#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define JOB_STDIN_CHUNK 65536

extern char **environ;

static void rjob_conn_watch(struct kr_remote *r, struct remote_host *h);
static void rjob_conn_ready(void *arg, int fd, short revents);

static void rjob_release(struct kr_remote *r, struct remote_host *h)
{
    if (h->held && h->agent == 0 && (h->state == REMOTE_DONE || h->state == REMOTE_LOST)) {
        h->held = false;
        kr_launch_hold(r->launch, -1);
    }
}

static void rjob_stdin_stop(struct kr_remote *r)
{
    if (r->stdin_open) {
        r->stdin_open = false;
        kr_launch_unwatch(r->launch, STDIN_FILENO);
    }
}

/* The host is finished (DONE) or failed (LOST, with `msg` for the job policy). */
void kr_remote_host_end(struct kr_remote *r, struct remote_host *h, enum remote_state state,
                        const char *msg)
{
    long long now = kr_launch_now_ms();

    if (h->state == REMOTE_DONE || h->state == REMOTE_LOST) {
        return;
    }
    h->state = state;
    h->alive = 0;
    if (h->conn.fd >= 0) {
        kr_launch_unwatch(r->launch, h->conn.fd);
        if (state == REMOTE_LOST) {
            (void) kr_proto_conn_flush(&h->conn);
        }
        kr_proto_conn_close(&h->conn);
    }
    if (h == r->rank0) {
        rjob_stdin_stop(r);
    }
    /* Done: the agent ends by itself once the daemon has left. Lost: end it now. */
    if (state == REMOTE_DONE) {
        kr_remote_agent_kill(h, 0, now + KR_REMOTE_AGENT_EXIT_MS);
    } else {
        kr_remote_agent_kill(h, SIGTERM, now + KR_REMOTE_GRACE_AGENT_MS);
    }
    if (msg != NULL) {
        r->p.cb->host_fail(r->p.cb_arg, h->fail_status != 0 ? h->fail_status : 1, msg);
    }
    rjob_release(r, h);
}

static void rjob_send(struct kr_remote *r, struct remote_host *h, uint32_t type,
                      const struct kr_proto_buf *b)
{
    char msg[512];
    int ret;

    if (h->state != REMOTE_RUNNING) {
        return;
    }
    ret = b != NULL && b->err != 0 ? b->err
                                   : kr_proto_conn_send(&h->conn, type, b ? b->data : NULL,
                                                        b ? b->len : 0);
    if (ret != 0) {
        snprintf(msg, sizeof(msg), "mpirun: lost connection to the daemon on host %s (%s)",
                 h->name, strerror(-ret));
        kr_remote_host_end(r, h, REMOTE_LOST, msg);
        return;
    }
    rjob_conn_watch(r, h);
}

/* --- launch spec ----------------------------------------------------------------------------- */

static void rjob_spec(struct kr_remote *r, struct remote_host *h, struct kr_proto_buf *b)
{
    const struct kr_plan *plan = r->p.plan;
    const struct kr_plan_host *ph = &plan->hosts[h->index];
    char bind[64];

    kr_proto_put_str(b, r->p.jobid);
    kr_proto_put_u32(b, (uint32_t) plan->np);
    kr_proto_put_u32(b, (uint32_t) plan->universe_size);
    kr_proto_put_str(b, r->p.mapping);
    kr_proto_put_u32(b, (r->p.tag_output ? 1u : 0u) | (h == r->rank0 ? 2u : 0u));
    kr_proto_put_u32(b, (uint32_t) r->p.heartbeat_ms);
    kr_proto_put_list(b, environ);
    kr_proto_put_u32(b, (uint32_t) plan->napps);
    for (int a = 0; a < plan->napps; a++) {
        kr_proto_put_str(b, plan->apps[a].path);
        kr_proto_put_str(b, plan->apps[a].wdir != NULL ? plan->apps[a].wdir : r->cwd);
        kr_proto_put_list(b, plan->apps[a].argv);
        kr_proto_put_list(b, plan->apps[a].env);
    }
    kr_proto_put_u32(b, (uint32_t) ph->nranks);
    for (int i = 0; i < ph->nranks; i++) {
        kr_proto_put_u32(b, (uint32_t) ph->ranks[i]);
        kr_proto_put_u32(b, (uint32_t) plan->app_of[ph->ranks[i]]);
        for (int fd = 1; fd <= 2; fd++) {
            char file[4096] = "";

            if (r->p.output_dir != NULL) {
                snprintf(file, sizeof(file), "%s/1/rank.%d/%s", r->p.output_dir, ph->ranks[i],
                         fd == 1 ? "stdout" : "stderr");
            }
            kr_proto_put_str(b, file);
        }
    }
    /* Mapping and binding on the host: the daemon computes them with its own topology. */
    kr_bind_policy_format(r->p.bind, bind, sizeof(bind));
    kr_proto_put_str(b, bind);
}

static void rjob_stdin_watch(struct kr_remote *r);

/* Authenticated: send the launch spec and watch the connection. */
void kr_remote_host_running(struct kr_remote *r, struct remote_host *h)
{
    struct kr_proto_buf b;

    h->state = REMOTE_RUNNING;
    h->last_rx = kr_launch_now_ms();
    kr_proto_buf_init(&b);
    rjob_spec(r, h, &b);
    rjob_send(r, h, KR_PROTO_LAUNCH, &b);
    kr_proto_buf_free(&b);
    if (h == r->rank0) {
        rjob_stdin_watch(r);
    }
    KR_LOG_INFO(LAUNCH, "the daemon on host %s connected", h->name);
    if (h->conn.in_len > 0) {
        rjob_conn_ready(r, h->conn.fd, 0); /* it said more than hello already */
    }
}

/* --- stdin for a remote rank 0: one chunk in flight, the next read after its ack ---------- */

static void rjob_stdin_ready(void *arg, int fd, short revents)
{
    struct kr_remote *r = arg;
    char buf[JOB_STDIN_CHUNK];
    struct kr_proto_buf b;
    ssize_t n;

    (void) revents;
    n = read(fd, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return;
    }
    kr_proto_buf_init(&b);
    kr_proto_put_bytes(&b, buf, n > 0 ? (size_t) n : 0);
    rjob_send(r, r->rank0, KR_PROTO_STDIN, &b);
    kr_proto_buf_free(&b);
    if (n <= 0) {
        rjob_stdin_stop(r); /* end of input, told as an empty chunk */
        return;
    }
    r->stdin_inflight = true;
    rjob_stdin_watch(r);
}

static void rjob_stdin_watch(struct kr_remote *r)
{
    if (!r->stdin_open || r->rank0 == NULL || r->rank0->state != REMOTE_RUNNING) {
        return;
    }
    kr_launch_watch(r->launch, STDIN_FILENO, r->stdin_inflight ? 0 : POLLIN, rjob_stdin_ready,
                    r);
}

/* --- global fence ---------------------------------------------------------------------------- */

static void rjob_fence_add(struct kr_remote *r, struct kr_proto_rd *rd)
{
    uint32_t n = kr_proto_get_u32(rd);

    for (uint32_t i = 0; i < n && !rd->bad; i++) {
        const char *key = kr_proto_get_str(rd), *value = kr_proto_get_str(rd);

        if (key != NULL && value != NULL) {
            kr_proto_put_str(&r->fence_pairs, key);
            kr_proto_put_str(&r->fence_pairs, value);
            r->fence_npairs++;
        }
    }
}

/* Every host entered: the merged puts go to every daemon and into mpirun's own store. */
static void rjob_fence_complete(struct kr_remote *r)
{
    struct kr_proto_buf b;
    struct kr_proto_rd rd;
    int err = r->fence_pairs.err;

    kr_proto_buf_init(&b);
    kr_proto_put_u32(&b, err != 0 ? (uint32_t) -err : 0u);
    kr_proto_put_u32(&b, err != 0 ? 0u : r->fence_npairs);
    if (err == 0) {
        kr_proto_put_raw(&b, r->fence_pairs.data, r->fence_pairs.len);
    }
    for (int i = 0; i < r->nhosts; i++) {
        r->hosts[i].fenced = false;
        rjob_send(r, &r->hosts[i], KR_PROTO_FENCE_DONE, &b);
    }
    kr_proto_buf_free(&b);
    if (r->p.nlocal > 0 && r->kvs != NULL) {
        kr_proto_rd_init(&rd, r->fence_pairs.data, r->fence_pairs.len);
        for (uint32_t i = 0; i < r->fence_npairs && err == 0; i++) {
            const char *key = kr_proto_get_str(&rd), *value = kr_proto_get_str(&rd);

            err = kr_pmi_kvs_dist_set(r->kvs, key, value);
        }
        kr_pmi_kvs_dist_complete(r->kvs, err);
    }
    kr_proto_buf_free(&r->fence_pairs);
    r->fence_npairs = 0;
    r->fence_entered = 0;
}

static void rjob_fence_enter(struct kr_remote *r)
{
    if (++r->fence_entered >= r->fence_need) {
        rjob_fence_complete(r);
    }
}

void kr_remote_local_fence(void *arg, const char *const *keys, const char *const *values,
                           int n)
{
    struct kr_remote *r = arg;

    for (int i = 0; i < n; i++) {
        kr_proto_put_str(&r->fence_pairs, keys[i]);
        kr_proto_put_str(&r->fence_pairs, values[i]);
        r->fence_npairs++;
    }
    rjob_fence_enter(r);
}

/* --- the daemons' messages ------------------------------------------------------------------ */

static void rjob_rank_exit(struct kr_remote *r, struct remote_host *h, struct kr_proto_rd *rd)
{
    int rank = (int) kr_proto_get_u32(rd);
    pid_t pid = (pid_t) kr_proto_get_u32(rd);
    int status = (int) kr_proto_get_u32(rd);
    uint32_t flags = kr_proto_get_u32(rd);

    if (rd->bad) {
        return;
    }
    if (h->alive > 0) {
        h->alive--;
    }
    if (rank == 0 && h == r->rank0) {
        rjob_stdin_stop(r);
    }
    r->p.cb->rank_exit(r->p.cb_arg, h->name, rank, pid, status, (flags & 1) != 0,
                       (flags & 2) != 0);
}

static void rjob_message(struct kr_remote *r, struct remote_host *h, uint32_t type,
                         const char *data, size_t len)
{
    struct kr_proto_rd rd;
    char msg[1200];
    const char *text;
    size_t n;
    int rank, fd, whole, code;
    pid_t pid;

    kr_proto_rd_init(&rd, data, len);
    switch (type) {
    case KR_PROTO_OUTPUT:
        rank = (int) kr_proto_get_u32(&rd);
        fd = (int) kr_proto_get_u32(&rd);
        whole = (int) kr_proto_get_u32(&rd);
        text = kr_proto_get_bytes(&rd, &n);
        if (!rd.bad) {
            kr_launch_output(r->launch, rank, fd, text, n, whole != 0);
        }
        break;
    case KR_PROTO_FENCE:
        if (!h->fenced) {
            h->fenced = true;
            rjob_fence_add(r, &rd);
            rjob_fence_enter(r);
        }
        break;
    case KR_PROTO_EXIT:
        rjob_rank_exit(r, h, &rd);
        break;
    case KR_PROTO_ABORT:
        rank = (int) kr_proto_get_u32(&rd);
        pid = (pid_t) kr_proto_get_u32(&rd);
        code = (int) kr_proto_get_u32(&rd);
        text = kr_proto_get_str(&rd);
        if (!rd.bad) {
            r->p.cb->rank_abort(r->p.cb_arg, h->name, rank, pid, code, text);
        }
        break;
    case KR_PROTO_PMI_ERROR:
        rank = (int) kr_proto_get_u32(&rd);
        pid = (pid_t) kr_proto_get_u32(&rd);
        text = kr_proto_get_str(&rd);
        if (!rd.bad) {
            r->p.cb->pmi_error(r->p.cb_arg, h->name, rank, pid, text);
        }
        break;
    case KR_PROTO_STDIN_ACK:
        r->stdin_inflight = false;
        rjob_stdin_watch(r);
        break;
    case KR_PROTO_HEARTBEAT:
        break;
    case KR_PROTO_DONE:
        kr_remote_host_end(r, h, REMOTE_DONE, NULL);
        break;
    case KR_PROTO_ERROR:
        text = kr_proto_get_str(&rd);
        h->fail_status = (int) kr_proto_get_u32(&rd);
        snprintf(msg, sizeof(msg), "mpirun: %s", text != NULL ? text : "the daemon failed");
        kr_remote_host_end(r, h, REMOTE_LOST, msg);
        break;
    default:
        KR_LOG_WARN(LAUNCH, "ignoring a %s message from the daemon on host %s",
                    kr_proto_type_name(type), h->name);
        break;
    }
}

static struct remote_host *rjob_host_of_fd(struct kr_remote *r, int fd)
{
    for (int i = 0; i < r->nhosts; i++) {
        if (r->hosts[i].conn.fd == fd && r->hosts[i].state == REMOTE_RUNNING) {
            return &r->hosts[i];
        }
    }
    return NULL;
}

static void rjob_conn_ready(void *arg, int fd, short revents)
{
    struct kr_remote *r = arg;
    struct remote_host *h = rjob_host_of_fd(r, fd);
    char msg[512];
    const char *data;
    uint32_t type;
    size_t len;
    int ret = 0, fill = 0;

    if (h == NULL) {
        kr_launch_unwatch(r->launch, fd);
        return;
    }
    if ((revents & POLLOUT) != 0 && kr_proto_conn_flush(&h->conn) != 0) {
        fill = -EPIPE;
    }
    if (fill == 0 && (revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        fill = kr_proto_conn_fill(&h->conn);
    }
    while (h->state == REMOTE_RUNNING &&
           (ret = kr_proto_conn_next(&h->conn, &type, &data, &len)) == 1) {
        h->last_rx = kr_launch_now_ms();
        rjob_message(r, h, type, data, len);
    }
    if (h->state != REMOTE_RUNNING) {
        return;
    }
    if (ret < 0 || fill != 0) {
        snprintf(msg, sizeof(msg), "mpirun: lost connection to the daemon on host %s%s",
                 h->name, ret < 0 ? " (protocol error)" : "");
        kr_remote_host_end(r, h, REMOTE_LOST, msg);
        return;
    }
    rjob_conn_watch(r, h);
}

static void rjob_conn_watch(struct kr_remote *r, struct remote_host *h)
{
    if (h->state == REMOTE_RUNNING && h->conn.fd >= 0) {
        kr_launch_watch(r->launch, h->conn.fd, kr_proto_conn_events(&h->conn),
                        rjob_conn_ready, r);
    }
}

/* --- time: heartbeats, deadlines ------------------------------------------------------------ */

static void rjob_tick_host(struct kr_remote *r, struct remote_host *h, long long now)
{
    char msg[512];

    if (h->agent > 0 && h->agent_kill_at != 0 && now >= h->agent_kill_at) {
        (void) kill(h->agent, SIGKILL);
    }
    if (h->state == REMOTE_STARTING && now >= r->connect_deadline) {
        snprintf(msg, sizeof(msg), "mpirun: the daemon on host %s did not connect within %d s",
                 h->name, KR_REMOTE_CONNECT_MS / 1000);
        kr_remote_host_end(r, h, REMOTE_LOST, msg);
    } else if (h->state == REMOTE_RUNNING && now - h->last_rx > r->p.heartbeat_ms) {
        snprintf(msg, sizeof(msg), "mpirun: lost connection to the daemon on host %s (no "
                 "heartbeat for %.1f s)", h->name, r->p.heartbeat_ms / 1000.0);
        kr_remote_host_end(r, h, REMOTE_LOST, msg);
    } else if (h->state == REMOTE_RUNNING && r->terminating && now >= r->teardown_at) {
        snprintf(msg, sizeof(msg), "mpirun: the daemon on host %s did not finish after the "
                 "job was ended; giving up on it", h->name);
        kr_remote_host_end(r, h, REMOTE_LOST, NULL);
        fprintf(stderr, "%s\n", msg);
    } else if (h->state == REMOTE_RUNNING) {
        rjob_send(r, h, KR_PROTO_HEARTBEAT, NULL);
    }
}

void kr_remote_tick(void *arg)
{
    struct kr_remote *r = arg;
    long long now = kr_launch_now_ms();

    kr_remote_pending_expire(r, now);
    for (int i = 0; i < r->nhosts; i++) {
        rjob_tick_host(r, &r->hosts[i], now);
    }
}

/* --- the interface --------------------------------------------------------------------------- */

int kr_remote_create(const struct kr_remote_params *p, struct kr_remote **remote_out)
{
    struct kr_remote *r = calloc(1, sizeof(*r));
    int ret;

    if (r == NULL) {
        return -ENOMEM;
    }
    r->p = *p;
    r->listen_fd = -1;
    for (int i = 0; i < KR_REMOTE_PENDING_MAX; i++) {
        kr_proto_conn_init(&r->pending[i].conn, -1, KR_PROTO_HELLO_MAX);
    }
    r->hosts = calloc((size_t) p->plan->nhosts + 1, sizeof(*r->hosts));
    if (r->hosts == NULL) {
        free(r);
        return -ENOMEM;
    }
    for (int i = 0; i < p->plan->nhosts; i++) {
        struct remote_host *h = &r->hosts[r->nhosts];

        if (!p->remote[i] || p->plan->hosts[i].nranks == 0) {
            continue;
        }
        h->index = i;
        h->name = p->plan->hosts[i].name;
        h->agent_in = -1;
        h->alive = p->plan->hosts[i].nranks;
        kr_proto_conn_init(&h->conn, -1, KR_PROTO_MAX_MSG);
        if (p->plan->host_of[0] == i) {
            r->rank0 = h;
        }
        r->nhosts++;
    }
    r->fence_need = r->nhosts + (p->nlocal > 0 ? 1 : 0);
    if (getcwd(r->cwd, sizeof(r->cwd)) == NULL) {
        ret = -errno;
        KR_LOG_ERR(LAUNCH, "cannot tell the working directory for the remote hosts: %s",
                   strerror(errno));
        free(r->hosts);
        free(r);
        return ret;
    }
    kr_proto_buf_init(&r->fence_pairs);
    ret = kr_remote_listen(r);
    if (ret != 0) {
        free(r->hosts);
        free(r);
        return ret;
    }
    *remote_out = r;
    return 0;
}

int kr_remote_start(struct kr_remote *r, struct kr_launch *l, struct kr_pmi_kvs *kvs)
{
    int ret;

    r->launch = l;
    r->kvs = kvs;
    ret = kr_launch_watch(l, r->listen_fd, POLLIN, kr_remote_accept_ready, r);
    if (ret != 0) {
        return ret;
    }
    kr_launch_tick(l, KR_REMOTE_HEARTBEAT_MS, kr_remote_tick, r);
    r->connect_deadline = kr_launch_now_ms() + KR_REMOTE_CONNECT_MS;
    r->stdin_open = r->rank0 != NULL && fcntl(STDIN_FILENO, F_GETFD) >= 0;
    for (int i = 0; i < r->nhosts; i++) {
        r->hosts[i].held = true;
        kr_launch_hold(l, 1);
    }
    return kr_remote_agents_start(r);
}

int kr_remote_terminate(struct kr_remote *r, int signo, int grace_ms, int spare)
{
    struct kr_proto_buf b;
    int n = 0;

    kr_proto_buf_init(&b);
    kr_proto_put_u32(&b, (uint32_t) signo);
    kr_proto_put_u32(&b, (uint32_t) grace_ms);
    kr_proto_put_u32(&b, (uint32_t) spare);
    if (!r->terminating) {
        r->terminating = true;
        r->teardown_at = kr_launch_now_ms() + grace_ms + KR_REMOTE_TEARDOWN_MS;
    }
    for (int i = 0; i < r->nhosts; i++) {
        struct remote_host *h = &r->hosts[i];

        if (h->state == REMOTE_STARTING) {
            kr_remote_host_end(r, h, REMOTE_LOST, NULL); /* nothing runs there yet */
            continue;
        }
        n += h->state == REMOTE_RUNNING ? h->alive : 0;
        if (h->state == REMOTE_RUNNING && h->alive > 0 && spare >= 0 &&
            spare < r->p.plan->np && r->p.plan->host_of[spare] == h->index) {
            n--; /* the spare gets no signal now */
        }
        rjob_send(r, h, KR_PROTO_TERMINATE, &b);
    }
    kr_proto_buf_free(&b);
    rjob_stdin_stop(r);
    return n;
}

void kr_remote_signal(struct kr_remote *r, int signo)
{
    struct kr_proto_buf b;

    kr_proto_buf_init(&b);
    kr_proto_put_u32(&b, (uint32_t) signo);
    for (int i = 0; i < r->nhosts; i++) {
        rjob_send(r, &r->hosts[i], KR_PROTO_SIGNAL, &b);
    }
    kr_proto_buf_free(&b);
}

int kr_remote_alive(const struct kr_remote *r)
{
    int n = 0;

    for (int i = 0; i < r->nhosts; i++) {
        if (r->hosts[i].state == REMOTE_STARTING || r->hosts[i].state == REMOTE_RUNNING) {
            n += r->hosts[i].alive;
        }
    }
    return n;
}

bool kr_remote_child_exit(struct kr_remote *r, pid_t pid, int status)
{
    char msg[1200];

    for (int i = 0; i < r->nhosts; i++) {
        struct remote_host *h = &r->hosts[i];

        if (h->agent != pid) {
            continue;
        }
        h->agent = 0;
        if (h->state == REMOTE_STARTING) {
            snprintf(msg, sizeof(msg), "mpirun: could not start the daemon on host %s: the "
                     "launch agent (%s) %s %d before it connected", h->name, r->p.agent,
                     WIFSIGNALED(status) ? "was killed by signal" : "exited with status",
                     WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
            kr_remote_host_end(r, h, REMOTE_LOST, msg);
        }
        if (h->agent_in >= 0) {
            close(h->agent_in);
            h->agent_in = -1;
        }
        rjob_release(r, h);
        return true;
    }
    return false;
}

void kr_remote_destroy(struct kr_remote *r)
{
    if (r == NULL) {
        return;
    }
    for (int i = 0; i < r->nhosts; i++) {
        struct remote_host *h = &r->hosts[i];

        kr_proto_conn_close(&h->conn);
        if (h->agent_in >= 0) {
            close(h->agent_in);
        }
        if (h->agent > 0) {
            (void) kill(h->agent, SIGKILL);
            (void) waitpid(h->agent, NULL, 0);
        }
    }
    for (int i = 0; i < KR_REMOTE_PENDING_MAX; i++) {
        kr_proto_conn_close(&r->pending[i].conn);
    }
    if (r->listen_fd >= 0) {
        close(r->listen_fd);
    }
    kr_proto_buf_free(&r->fence_pairs);
    free(r->hosts);
    free(r);
}

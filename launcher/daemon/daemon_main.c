/* kurir-daemon start-up: arguments, the job secret from stdin, the connection back to mpirun
 * (every address mpirun offered is tried at once, the first to answer wins), the hello and the
 * launch spec. Run by mpirun through the launch agent, never by hand:
 *   kurir-daemon --mpirun ADDR[,ADDR...] --port P --host-index I --jobid J
 * with the 32 hex digits of the secret and a newline on stdin. stdin stays open afterwards:
 * it is the agent's channel (ssh), and its end means mpirun's side is gone. */
#include "config.h"

#include "daemon.h"

#include "util/log.h"
#include "util/settings.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAIN_SECRET_MS   30000   /* the secret must arrive this soon */
#define MAIN_CONNECT_MS  15000   /* reaching mpirun on one of its addresses */
#define MAIN_MAX_ADDRS   32
#define MAIN_FIRST_MS    250     /* head start of mpirun's preferred address */

extern char **environ;

struct main_args {
    char *addrs;
    int port;
    int host_index;
    const char *jobid;
};

void kr_daemon_error(struct kr_daemon *d, int status, const char *fmt, ...)
{
    struct kr_proto_buf b;
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (d->conn.fd < 0) {
        fprintf(stderr, "kurir-daemon on %s: %s\n", d->host, msg);
        return;
    }
    kr_proto_buf_init(&b);
    kr_proto_put_str(&b, msg);
    kr_proto_put_u32(&b, (uint32_t) status);
    if (b.err != 0 || kr_proto_conn_send(&d->conn, KR_PROTO_ERROR, b.data, b.len) != 0 ||
        kr_proto_conn_drain(&d->conn, 5000) != 0) {
        fprintf(stderr, "kurir-daemon on %s: %s\n", d->host, msg);
    }
    kr_proto_buf_free(&b);
}

static int main_args_parse(int argc, char **argv, struct main_args *a)
{
    static const struct option opts[] = {
        { "mpirun", required_argument, NULL, 'm' },
        { "port", required_argument, NULL, 'p' },
        { "host-index", required_argument, NULL, 'i' },
        { "jobid", required_argument, NULL, 'j' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    memset(a, 0, sizeof(*a));
    a->host_index = -1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'm': a->addrs = optarg; break;
        case 'p': a->port = atoi(optarg); break;
        case 'i': a->host_index = atoi(optarg); break;
        case 'j': a->jobid = optarg; break;
        default: return -EINVAL;
        }
    }
    if (a->addrs == NULL || a->port <= 0 || a->port > 65535 || a->host_index < 0 ||
        a->jobid == NULL || strlen(a->jobid) >= 64 || strchr(a->jobid, '/') != NULL) {
        return -EINVAL;
    }
    return 0;
}

static int main_hexval(int ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    return -1;
}

/* One byte at a time, so that nothing after the newline is taken from the agent's channel. */
static int main_secret_read(unsigned char secret[KR_PROTO_SECRET_LEN])
{
    char hex[2 * KR_PROTO_SECRET_LEN + 1];
    size_t n = 0;

    while (n < sizeof(hex)) {
        struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
        ssize_t r;
        int ret = poll(&pfd, 1, MAIN_SECRET_MS);

        if (ret < 0 && errno == EINTR) {
            continue;
        }
        if (ret <= 0) {
            return -ETIMEDOUT;
        }
        r = read(STDIN_FILENO, hex + n, 1);
        if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (r <= 0) {
            return -EPIPE;
        }
        n++;
    }
    if (hex[sizeof(hex) - 1] != '\n') {
        return -EPROTO;
    }
    for (int i = 0; i < KR_PROTO_SECRET_LEN; i++) {
        int hi = main_hexval(hex[2 * i]), lo = main_hexval(hex[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            return -EPROTO;
        }
        secret[i] = (unsigned char) (hi << 4 | lo);
    }
    return 0;
}

static int main_connect_one(const char *addr, int port, int *err)
{
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
    int fd;

    if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
        *err = EINVAL;
        return -1;
    }
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *err = errno;
        return -1;
    }
    if (connect(fd, (struct sockaddr *) &sin, sizeof(sin)) != 0 && errno != EINPROGRESS) {
        *err = errno;
        close(fd);
        return -1;
    }
    return fd;
}

/* mpirun's first address is the one that routes to us: try it alone for a moment, then every
 * other address at once (a host may reach mpirun only on another network); the first
 * connection to complete wins. The fd, or -errno of the last failure. */
static int main_connect(const char *addrs_arg, int port)
{
    char addrs[1024];
    struct pollfd pfds[MAIN_MAX_ADDRS];
    char *addr[MAIN_MAX_ADDRS], *save = NULL;
    int naddr = 0, n = 0, err = EHOSTUNREACH, winner = -1, live = 0;
    long long end = kr_launch_now_ms() + MAIN_CONNECT_MS;

    snprintf(addrs, sizeof(addrs), "%s", addrs_arg); /* strtok must not edit our argv */
    for (char *a = strtok_r(addrs, ",", &save); a != NULL && naddr < MAIN_MAX_ADDRS;
         a = strtok_r(NULL, ",", &save)) {
        addr[naddr++] = a;
    }
    while (winner < 0 && kr_launch_now_ms() < end) {
        int wait, ret;

        /* Start the first address, and the others once it had its head start. */
        for (; n < naddr && (n == 0 || live == 0 || kr_launch_now_ms() >= end -
                             MAIN_CONNECT_MS + MAIN_FIRST_MS); n++) {
            pfds[n] = (struct pollfd) { .fd = main_connect_one(addr[n], port, &err),
                                        .events = POLLOUT };
            live += pfds[n].fd >= 0;
        }
        if (live == 0 && n == naddr) {
            break;
        }
        wait = n < naddr ? MAIN_FIRST_MS : (int) (end - kr_launch_now_ms());
        ret = poll(pfds, (nfds_t) n, wait > 0 ? wait : 0);
        if (ret < 0 && errno != EINTR) {
            err = errno;
            break;
        }
        for (int i = 0; i < n && ret > 0 && winner < 0; i++) {
            int soerr = 0;
            socklen_t len = sizeof(soerr);

            if (pfds[i].fd < 0 || pfds[i].revents == 0) {
                continue;
            }
            getsockopt(pfds[i].fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
            if (soerr == 0) {
                winner = pfds[i].fd;
            } else {
                err = soerr;
                close(pfds[i].fd);
                live--;
            }
            pfds[i].fd = -1;
        }
    }
    for (int i = 0; i < n; i++) {
        if (pfds[i].fd >= 0) {
            close(pfds[i].fd);
        }
    }
    if (winner < 0 && kr_launch_now_ms() >= end) {
        err = ETIMEDOUT;
    }
    return winner >= 0 ? winner : -err;
}

static int main_hello(struct kr_daemon *d, const unsigned char *secret)
{
    struct kr_proto_buf b;
    int ret;

    kr_proto_buf_init(&b);
    kr_proto_put_u32(&b, KR_PROTO_MAGIC);
    kr_proto_put_u32(&b, KR_PROTO_VERSION);
    kr_proto_put_bytes(&b, secret, KR_PROTO_SECRET_LEN);
    kr_proto_put_u32(&b, (uint32_t) d->host_index);
    kr_proto_put_u32(&b, (uint32_t) getpid());
    kr_proto_put_str(&b, d->host);
    ret = b.err != 0 ? b.err : kr_proto_conn_send(&d->conn, KR_PROTO_HELLO, b.data, b.len);
    kr_proto_buf_free(&b);
    return ret != 0 ? ret : kr_proto_conn_drain(&d->conn, MAIN_CONNECT_MS);
}

static void main_spec_free(struct daemon_spec *s)
{
    for (int i = 0; i < s->napps && s->app_argv != NULL; i++) {
        free(s->app_argv[i]);
        free(s->app_env[i]);
    }
    free(s->env);
    free(s->app_path);
    free(s->app_wdir);
    free(s->app_argv);
    free(s->app_env);
    free(s->rank);
    free(s->rank_app);
    free(s->rank_out);
    free(s->rank_err);
    free(s->msg);
    memset(s, 0, sizeof(*s));
}

static int main_spec_apps(struct daemon_spec *s, struct kr_proto_rd *r)
{
    s->napps = (int) kr_proto_get_u32(r);
    if (r->bad || s->napps <= 0 || (size_t) s->napps > r->left / 12) {
        return -EPROTO;
    }
    s->app_path = calloc((size_t) s->napps, sizeof(*s->app_path));
    s->app_wdir = calloc((size_t) s->napps, sizeof(*s->app_wdir));
    s->app_argv = calloc((size_t) s->napps, sizeof(*s->app_argv));
    s->app_env = calloc((size_t) s->napps, sizeof(*s->app_env));
    if (s->app_path == NULL || s->app_wdir == NULL || s->app_argv == NULL ||
        s->app_env == NULL) {
        return -ENOMEM;
    }
    for (int i = 0; i < s->napps && !r->bad; i++) {
        s->app_path[i] = kr_proto_get_str(r);
        s->app_wdir[i] = kr_proto_get_str(r);
        s->app_argv[i] = kr_proto_get_list(r);
        s->app_env[i] = kr_proto_get_list(r);
    }
    return r->bad ? -EPROTO : 0;
}

static int main_spec_parse(struct daemon_spec *s, const char *data, size_t len)
{
    struct kr_proto_rd r;
    uint32_t flags;
    int ret;

    s->msg = malloc(len + 1);
    if (s->msg == NULL) {
        return -ENOMEM;
    }
    memcpy(s->msg, data, len);
    kr_proto_rd_init(&r, s->msg, len);
    s->jobid = kr_proto_get_str(&r);
    s->size = (int) kr_proto_get_u32(&r);
    s->universe = (int) kr_proto_get_u32(&r);
    s->mapping = kr_proto_get_str(&r);
    flags = kr_proto_get_u32(&r);
    s->tag_output = (flags & 1) != 0;
    s->stdin_rank0 = (flags & 2) != 0;
    s->heartbeat_ms = (long) kr_proto_get_u32(&r);
    s->env = kr_proto_get_list(&r);
    if (r.bad) {
        return -EPROTO;
    }
    ret = main_spec_apps(s, &r);
    if (ret != 0) {
        return ret;
    }
    s->nranks = (int) kr_proto_get_u32(&r);
    if (r.bad || s->nranks <= 0 || (size_t) s->nranks > r.left / 18 || s->size <= 0) {
        return -EPROTO;
    }
    s->rank = calloc((size_t) s->nranks, sizeof(int));
    s->rank_app = calloc((size_t) s->nranks, sizeof(int));
    s->rank_out = calloc((size_t) s->nranks, sizeof(char *));
    s->rank_err = calloc((size_t) s->nranks, sizeof(char *));
    if (s->rank == NULL || s->rank_app == NULL || s->rank_out == NULL || s->rank_err == NULL) {
        return -ENOMEM;
    }
    for (int i = 0; i < s->nranks; i++) {
        s->rank[i] = (int) kr_proto_get_u32(&r);
        s->rank_app[i] = (int) kr_proto_get_u32(&r);
        s->rank_out[i] = kr_proto_get_str(&r);
        s->rank_err[i] = kr_proto_get_str(&r);
        if (r.bad) {
            return -EPROTO;
        }
        s->rank_out[i] = s->rank_out[i][0] != '\0' ? s->rank_out[i] : NULL;
        s->rank_err[i] = s->rank_err[i][0] != '\0' ? s->rank_err[i] : NULL;
        if (s->rank[i] < 0 || s->rank[i] >= s->size || s->rank_app[i] < 0 ||
            s->rank_app[i] >= s->napps || (i > 0 && s->rank[i] <= s->rank[i - 1])) {
            return -EPROTO;
        }
    }
    s->bind = kr_proto_get_str(&r);
    if (s->bind == NULL || kr_bind_policy_parse(s->bind, &s->bind_policy) != 0) {
        return -EPROTO;
    }
    return r.bad ? -EPROTO : 0;
}

/* Wait for the launch spec (mpirun sends it right after it accepted our hello). */
static int main_spec_receive(struct kr_daemon *d)
{
    for (;;) {
        struct pollfd pfd = { .fd = d->conn.fd, .events = POLLIN };
        const char *data;
        uint32_t type;
        size_t len;
        int ret = kr_proto_conn_next(&d->conn, &type, &data, &len);

        if (ret < 0) {
            return ret;
        }
        if (ret == 1 && type == KR_PROTO_LAUNCH) {
            return main_spec_parse(&d->spec, data, len);
        }
        if (ret == 1) {
            continue; /* a heartbeat or a terminate before the spec: nothing to end yet */
        }
        ret = poll(&pfd, 1, MAIN_CONNECT_MS);
        if (ret < 0 && errno == EINTR) {
            continue;
        }
        if (ret == 0) {
            return -ETIMEDOUT;
        }
        ret = kr_proto_conn_fill(&d->conn);
        if (ret != 0) {
            return ret;
        }
    }
}

static void main_log_setup(void)
{
    const char *spec = NULL;
    char err[256];

    for (const struct kr_setting *s = kr_util_settings; s->name != NULL; s++) {
        if (strcmp(s->name, "LOG") == 0) {
            spec = kr_setting_env_value(s, environ);
        }
    }
    kr_log_set_identity("kurir-daemon", -1);
    if (spec != NULL) {
        (void) kr_log_configure(spec, err, sizeof(err));
    }
}

static int main_connect_back(struct kr_daemon *d, struct main_args *a)
{
    unsigned char secret[KR_PROTO_SECRET_LEN];
    struct sockaddr_in local;
    socklen_t slen = sizeof(local);
    int one = 1, fd, ret;

    ret = main_secret_read(secret);
    if (ret != 0) {
        fprintf(stderr, "kurir-daemon on %s: no job secret on stdin: %s\n", d->host,
                strerror(-ret));
        return ret;
    }
    fd = main_connect(a->addrs, a->port);
    if (fd < 0) {
        fprintf(stderr, "kurir-daemon on %s: cannot reach mpirun at %s port %d: %s\n",
                d->host, a->addrs, a->port, strerror(-fd));
        return fd;
    }
    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (getsockname(fd, (struct sockaddr *) &local, &slen) == 0) {
        inet_ntop(AF_INET, &local.sin_addr, d->local_addr, sizeof(d->local_addr));
    }
    kr_proto_conn_init(&d->conn, fd, KR_PROTO_MAX_MSG);
    ret = main_hello(d, secret);
    memset(secret, 0, sizeof(secret));
    if (ret == 0) {
        ret = main_spec_receive(d);
    }
    if (ret != 0) {
        fprintf(stderr, "kurir-daemon on %s: no launch request from mpirun: %s\n", d->host,
                strerror(-ret));
    }
    return ret;
}

int main(int argc, char **argv)
{
    struct kr_daemon d;
    struct main_args a;
    int ret;

    memset(&d, 0, sizeof(d));
    d.conn.fd = -1;
    d.stdin_pipe[0] = d.stdin_pipe[1] = -1;
    if (gethostname(d.host, sizeof(d.host)) != 0) {
        snprintf(d.host, sizeof(d.host), "localhost");
    }
    d.host[sizeof(d.host) - 1] = '\0';
    main_log_setup();
    if (main_args_parse(argc, argv, &a) != 0) {
        fprintf(stderr, "kurir-daemon: started by mpirun for multi-host jobs; not meant to be "
                "run by hand\n");
        return 2;
    }
    d.host_index = a.host_index;
    snprintf(d.jobid, sizeof(d.jobid), "%s", a.jobid);
    ret = main_connect_back(&d, &a);
    if (ret == 0) {
        ret = kr_daemon_job_run(&d);
    } else {
        ret = 1;
    }
    kr_proto_conn_close(&d.conn);
    main_spec_free(&d.spec);
    return ret;
}

/* Starting the daemons: mpirun's listening socket and the addresses it offers, the launch
 * agents (all forked at once, so 16 hosts cost one ssh handshake time, not 16), the secret on
 * each agent's stdin, and the authentication of incoming connections. A stranger's connection
 * is closed and logged; it never touches the job, and it can hold a slot for at most
 * KR_REMOTE_AUTH_MS. */
#include "config.h"

#include "remote_int.h"

#include "util/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define START_MAX_ARGS 64

int kr_remote_listen(struct kr_remote *r)
{
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
    socklen_t len = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), ret;

    if (fd < 0) {
        ret = -errno;
        KR_LOG_ERR(LAUNCH, "cannot create the daemons' socket: %s", strerror(errno));
        return ret;
    }
    if (bind(fd, (struct sockaddr *) &sin, sizeof(sin)) != 0 || listen(fd, 128) != 0 ||
        getsockname(fd, (struct sockaddr *) &sin, &len) != 0) {
        ret = -errno;
        KR_LOG_ERR(LAUNCH, "cannot listen for the daemons: %s", strerror(errno));
        close(fd);
        return ret;
    }
    r->listen_fd = fd;
    r->port = ntohs(sin.sin_port);
    if (getrandom(r->secret, sizeof(r->secret), 0) != (ssize_t) sizeof(r->secret)) {
        ret = -errno;
        KR_LOG_ERR(LAUNCH, "cannot draw the job secret: %s", strerror(errno));
        close(fd);
        r->listen_fd = -1;
        return ret;
    }
    return 0;
}

static void start_addr_add(char *list, size_t len, const char *addr)
{
    size_t n = strlen(list), a = strlen(addr);

    for (const char *p = list; (p = strstr(p, addr)) != NULL; p += a) {
        if ((p == list || p[-1] == ',') && (p[a] == ',' || p[a] == '\0')) {
            return; /* already there */
        }
    }
    if (n + a + 2 < len) {
        snprintf(list + n, len - n, "%s%s", n > 0 ? "," : "", addr);
    }
}

/* The local address the kernel would use to reach `host` (no packet is sent). */
static void start_route_addr(const char *host, char *out, size_t len)
{
    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_DGRAM }, *ai;
    struct sockaddr_in local;
    socklen_t slen = sizeof(local);
    int fd;

    out[0] = '\0';
    if (getaddrinfo(host, "9", &hints, &ai) != 0) {
        return;
    }
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
        getsockname(fd, (struct sockaddr *) &local, &slen) == 0) {
        inet_ntop(AF_INET, &local.sin_addr, out, (socklen_t) len);
    }
    if (fd >= 0) {
        close(fd);
    }
    freeaddrinfo(ai);
}

/* Every IPv4 address of ours that is up, loopback last (asked once per job). */
static void start_local_addrs(char *list, size_t len)
{
    struct ifaddrs *ifa, *i;
    char addr[INET_ADDRSTRLEN];

    list[0] = '\0';
    if (getifaddrs(&ifa) != 0) {
        start_addr_add(list, len, "127.0.0.1");
        return;
    }
    for (int loop = 0; loop < 2; loop++) {
        for (i = ifa; i != NULL; i = i->ifa_next) {
            if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
                (i->ifa_flags & IFF_UP) == 0 || ((i->ifa_flags & IFF_LOOPBACK) != 0) != loop) {
                continue;
            }
            inet_ntop(AF_INET, &((struct sockaddr_in *) i->ifa_addr)->sin_addr, addr,
                      sizeof(addr));
            start_addr_add(list, len, addr);
        }
    }
    freeifaddrs(ifa);
}

/* The address that routes to the host first, then every other address of ours (the daemon
 * tries them all once the first had a head start). */
static void start_addrs(const char *host, const char *all, char *list, size_t len)
{
    char addr[INET_ADDRSTRLEN], copy[512], *save = NULL;

    list[0] = '\0';
    start_route_addr(host, addr, sizeof(addr));
    if (addr[0] != '\0') {
        start_addr_add(list, len, addr);
    }
    snprintf(copy, sizeof(copy), "%s", all);
    for (char *a = strtok_r(copy, ",", &save); a != NULL; a = strtok_r(NULL, ",", &save)) {
        start_addr_add(list, len, a);
    }
}

/* 'text' for the remote shell (ssh joins its arguments and hands them to a shell). */
static void start_quote(char *buf, size_t len, const char *text)
{
    size_t n = 0;

    if (n + 1 < len) {
        buf[n++] = '\'';
    }
    for (const char *p = text; *p != '\0' && n + 5 < len; p++) {
        if (*p == '\'') {
            memcpy(buf + n, "'\\''", 4);
            n += 4;
        } else {
            buf[n++] = *p;
        }
    }
    if (n + 1 < len) {
        buf[n++] = '\'';
    }
    buf[n] = '\0';
}

static void start_agent_child(char **argv, int in_fd)
{
    sigset_t none;
    int null = open("/dev/null", O_WRONLY);

    setpgid(0, 0); /* a Ctrl-C at the terminal reaches mpirun, which tears down in order */
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* mpirun gone: the agent goes, its daemon notices */
    if (dup2(in_fd, STDIN_FILENO) < 0 || (null >= 0 && dup2(null, STDOUT_FILENO) < 0)) {
        _exit(127);
    }
    signal(SIGPIPE, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execvp(argv[0], argv);
    fprintf(stderr, "mpirun: cannot run the launch agent '%s': %s\n", argv[0],
            strerror(errno));
    _exit(127);
}

static bool start_agent_is(const char *argv0, const char *name)
{
    const char *base = strrchr(argv0, '/');

    return strcmp(base != NULL ? base + 1 : argv0, name) == 0;
}

/* srun as the agent (mpirun inside a Slurm allocation): one job step per host, the daemon run
 * by slurmstepd without a shell, the secret on the step's stdin like ssh's. --overlap so that
 * the step never waits for CPUs an enclosing step holds (mpirun itself run by srun); all the
 * job's CPUs on that node (SLURM_JOB_CPUS_PER_NODE), so that a task plugin that confines or
 * binds a step (task/cgroup, task/affinity) leaves the ranks the whole node; --kill-on-bad-exit
 * so that a failed daemon ends its step. `words` holds argument text. */
static int start_srun_argv(struct kr_remote *r, struct remote_host *h, char **argv, int argc,
                           char (*words)[64])
{
    int cpus = r->p.host_cpus != NULL ? r->p.host_cpus[h->index] : 0;

    if (argc + 20 > START_MAX_ARGS) {
        return -E2BIG;
    }
    snprintf(words[0], sizeof(words[0]), "--cpus-per-task=%d", cpus > 0 ? cpus : 1);
    snprintf(words[1], sizeof(words[1]), "%d", r->port);
    snprintf(words[2], sizeof(words[2]), "%d", h->index);
    argv[argc++] = "--nodes=1";
    argv[argc++] = "--ntasks=1";
    argv[argc++] = words[0];
    argv[argc++] = "--nodelist";
    argv[argc++] = (char *) h->name;
    argv[argc++] = "--overlap";
    argv[argc++] = "--kill-on-bad-exit";
    argv[argc++] = "--mpi=none";
    argv[argc++] = "--quiet";
    argv[argc++] = (char *) r->p.daemon;
    argv[argc++] = "--mpirun";
    argv[argc++] = h->addrs;
    argv[argc++] = "--port";
    argv[argc++] = words[1];
    argv[argc++] = "--host-index";
    argv[argc++] = words[2];
    argv[argc++] = "--jobid";
    argv[argc++] = (char *) r->p.jobid;
    argv[argc] = NULL;
    return argc;
}

static int start_agent(struct kr_remote *r, struct remote_host *h, const char *all)
{
    char agent[1024], cmd[4096], qdaemon[2048], secret[2 * KR_PROTO_SECRET_LEN + 2];
    char *argv[START_MAX_ARGS], *save = NULL, words[3][64];
    int argc = 0, in[2];
    pid_t pid;

    snprintf(agent, sizeof(agent), "%s", r->p.agent);
    for (char *w = strtok_r(agent, " \t", &save); w != NULL && argc < START_MAX_ARGS - 5;
         w = strtok_r(NULL, " \t", &save)) {
        argv[argc++] = w;
    }
    if (argc == 0) {
        return -EINVAL;
    }
    start_addrs(h->name, all, h->addrs, sizeof(h->addrs));
    if (start_agent_is(argv[0], "srun")) {
        argc = start_srun_argv(r, h, argv, argc, words);
        if (argc < 0) {
            return argc;
        }
        snprintf(cmd, sizeof(cmd), "%s", r->p.daemon);
    } else {
        if (start_agent_is(argv[0], "ssh")) {
            argv[argc++] = "-o";
            argv[argc++] = "BatchMode=yes";
        }
        start_quote(qdaemon, sizeof(qdaemon), r->p.daemon);
        snprintf(cmd, sizeof(cmd), "%s --mpirun %s --port %d --host-index %d --jobid %s",
                 qdaemon, h->addrs, r->port, h->index, r->p.jobid);
        argv[argc++] = (char *) h->name;
        argv[argc++] = cmd;
        argv[argc] = NULL;
    }
    for (int i = 0; i < KR_PROTO_SECRET_LEN; i++) {
        snprintf(secret + 2 * i, 3, "%02x", r->secret[i]);
    }
    secret[2 * KR_PROTO_SECRET_LEN] = '\n';
    if (pipe2(in, O_CLOEXEC) != 0) {
        return -errno;
    }
    pid = fork();
    if (pid < 0) {
        close(in[0]);
        close(in[1]);
        return -errno;
    }
    if (pid == 0) {
        start_agent_child(argv, in[0]);
    }
    close(in[0]);
    h->agent = pid;
    h->agent_in = in[1];
    /* 33 bytes always fit in an empty pipe: this write does not block. It fails only when
     * the agent is already gone, and its exit status says why. */
    (void) !write(in[1], secret, 2 * KR_PROTO_SECRET_LEN + 1);
    KR_LOG_INFO(LAUNCH, "started the daemon for host %s (pid %d): %s ... %s", h->name,
                (int) pid, argv[0], cmd);
    return 0;
}

int kr_remote_agents_start(struct kr_remote *r)
{
    char msg[512], all[512];

    start_local_addrs(all, sizeof(all));
    for (int i = 0; i < r->nhosts; i++) {
        int ret = start_agent(r, &r->hosts[i], all);

        if (ret != 0) {
            snprintf(msg, sizeof(msg), "mpirun: cannot start the launch agent '%s' for host "
                     "%s: %s", r->p.agent, r->hosts[i].name, strerror(-ret));
            kr_remote_host_end(r, &r->hosts[i], REMOTE_LOST, msg);
        }
    }
    return 0;
}

void kr_remote_agent_kill(struct remote_host *h, int signo, long long kill_at)
{
    if (h->agent_in >= 0) {
        close(h->agent_in);
        h->agent_in = -1;
    }
    if (h->agent > 0 && signo != 0) {
        (void) kill(h->agent, signo);
    }
    if (h->agent > 0 && (h->agent_kill_at == 0 || kill_at < h->agent_kill_at)) {
        h->agent_kill_at = kill_at;
    }
}

/* --- authentication ------------------------------------------------------------------------ */

static void start_pending_drop(struct kr_remote *r, struct remote_pending *pc, const char *why)
{
    if (pc->conn.in_len == 0 && pc->conn.in_off == 0 && strstr(why, "closed") != NULL) {
        /* Connected and left without a byte: a daemon's spare connection to another of our
         * addresses, or a port probe. Nothing to warn about. */
        KR_LOG_INFO(LAUNCH, "a connection from %s closed before authenticating", pc->peer);
    } else {
        KR_LOG_WARN(LAUNCH, "refused a connection from %s: %s", pc->peer, why);
    }
    kr_launch_unwatch(r->launch, pc->conn.fd);
    kr_proto_conn_close(&pc->conn);
}

/* 0 and the host it is, or a reason to refuse. Compares the whole secret every time. */
static const char *start_hello_check(struct kr_remote *r, const char *data, size_t len,
                                     struct remote_host **host_out)
{
    struct kr_proto_rd rd;
    const unsigned char *secret;
    unsigned char diff = 0;
    uint32_t magic, version, index;
    size_t slen;

    kr_proto_rd_init(&rd, data, len);
    magic = kr_proto_get_u32(&rd);
    version = kr_proto_get_u32(&rd);
    secret = (const unsigned char *) kr_proto_get_bytes(&rd, &slen);
    index = kr_proto_get_u32(&rd);
    (void) kr_proto_get_u32(&rd);
    (void) kr_proto_get_str(&rd);
    if (rd.bad || magic != KR_PROTO_MAGIC || slen != KR_PROTO_SECRET_LEN) {
        return "not a Kurir daemon";
    }
    if (version != KR_PROTO_VERSION) {
        return "daemon of another Kurir version";
    }
    for (size_t i = 0; i < KR_PROTO_SECRET_LEN; i++) {
        diff |= (unsigned char) (secret[i] ^ r->secret[i]);
    }
    if (diff != 0) {
        return "wrong job secret";
    }
    for (int i = 0; i < r->nhosts; i++) {
        if (r->hosts[i].index == (int) index) {
            if (r->hosts[i].state != REMOTE_STARTING) {
                return "its host is already connected or given up";
            }
            *host_out = &r->hosts[i];
            return NULL;
        }
    }
    return "unknown host index";
}

static void start_pending_ready(void *arg, int fd, short revents)
{
    struct kr_remote *r = arg;
    struct remote_pending *pc = NULL;
    struct remote_host *h = NULL;
    const char *data, *why;
    uint32_t type;
    size_t len;
    int ret, fill;

    (void) revents;
    for (int i = 0; i < KR_REMOTE_PENDING_MAX && pc == NULL; i++) {
        if (r->pending[i].conn.fd == fd) {
            pc = &r->pending[i];
        }
    }
    if (pc == NULL) {
        kr_launch_unwatch(r->launch, fd);
        return;
    }
    fill = kr_proto_conn_fill(&pc->conn);
    ret = kr_proto_conn_next(&pc->conn, &type, &data, &len);
    if (ret == 0 && fill == 0) {
        return; /* not all of it yet */
    }
    if (ret < 0 || (ret == 1 && type != KR_PROTO_HELLO)) {
        start_pending_drop(r, pc, "it did not start with a valid hello");
        return;
    }
    if (ret == 0) {
        start_pending_drop(r, pc, "it closed before authenticating");
        return;
    }
    why = start_hello_check(r, data, len, &h);
    if (why != NULL) {
        start_pending_drop(r, pc, why);
        return;
    }
    kr_launch_unwatch(r->launch, fd);
    h->conn = pc->conn;            /* the connection moves to its host */
    h->conn.max_msg = KR_PROTO_MAX_MSG;
    pc->conn.fd = -1;
    pc->conn.in = pc->conn.out = NULL;
    kr_remote_host_running(r, h);
}

void kr_remote_pending_expire(struct kr_remote *r, long long now)
{
    for (int i = 0; i < KR_REMOTE_PENDING_MAX; i++) {
        if (r->pending[i].conn.fd >= 0 && now >= r->pending[i].deadline) {
            start_pending_drop(r, &r->pending[i], "no hello in time");
        }
    }
}

void kr_remote_accept_ready(void *arg, int fd, short revents)
{
    struct kr_remote *r = arg;

    (void) revents;
    for (;;) {
        struct sockaddr_in peer;
        socklen_t plen = sizeof(peer);
        struct remote_pending *pc = NULL;
        int one = 1, cfd = accept4(fd, (struct sockaddr *) &peer, &plen,
                                   SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (cfd < 0) {
            return; /* EAGAIN, or an error of that one connection */
        }
        for (int i = 0; i < KR_REMOTE_PENDING_MAX && pc == NULL; i++) {
            if (r->pending[i].conn.fd < 0) {
                pc = &r->pending[i];
            }
        }
        if (pc == NULL) {
            /* Full of strangers: the oldest goes, so that a flood cannot lock the daemons out. */
            pc = &r->pending[0];
            for (int i = 1; i < KR_REMOTE_PENDING_MAX; i++) {
                if (r->pending[i].deadline < pc->deadline) {
                    pc = &r->pending[i];
                }
            }
            start_pending_drop(r, pc, "too many unauthenticated connections");
        }
        (void) setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        kr_proto_conn_init(&pc->conn, cfd, KR_PROTO_HELLO_MAX);
        pc->deadline = kr_launch_now_ms() + KR_REMOTE_AUTH_MS;
        snprintf(pc->peer, sizeof(pc->peer), "%s:%d", inet_ntoa(peer.sin_addr),
                 ntohs(peer.sin_port));
        if (kr_launch_watch(r->launch, cfd, POLLIN, start_pending_ready, r) != 0) {
            kr_proto_conn_close(&pc->conn);
        }
    }
}

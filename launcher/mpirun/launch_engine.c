/* The local launch engine's event loop: poll() over the ranks' PMI sockets and output pipes,
 * our stdin and a signalfd; reaping, termination with a SIGKILL deadline, and an alarm. */
#include "config.h"

#include "launch_int.h"

#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* What a pollfd stands for: a rank's PMI socket, stdout or stderr (slot = rank index * 4 +
 * kind), or one of the fixed slots below. */
enum { SLOT_PMI, SLOT_OUT, SLOT_ERR, SLOT_KINDS = 4 };
#define SLOT_SIGNAL    (-1)
#define SLOT_STDIN_SRC (-2)
#define SLOT_STDIN_DST (-3)
#define SLOT_WATCH     (-100)  /* SLOT_WATCH - i: l->watches[i] */

static const int launch_signals[] = { SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT,
                                      SIGUSR1, SIGUSR2 };

long long kr_launch_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The PMI server only reports ranks it serves, which are ours: the search always finds it. */
static struct launch_rank *launch_rank_of(struct kr_launch *l, int rank)
{
    int lo = 0, hi = l->nprocs - 1;

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;

        if (l->ranks[mid].rank < rank) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return &l->ranks[lo];
}

static void launch_pmi_close(struct launch_rank *r)
{
    if (r->pmi_fd >= 0) {
        close(r->pmi_fd);
        r->pmi_fd = -1;
    }
    r->pmi_out_len = 0;
}

static void launch_pmi_flush(struct launch_rank *r)
{
    size_t off = 0;

    while (r->pmi_fd >= 0 && off < r->pmi_out_len) {
        ssize_t n = write(r->pmi_fd, r->pmi_out + off, r->pmi_out_len - off);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        }
        if (n < 0) {
            launch_pmi_close(r); /* the rank is gone; its exit is reported when reaped */
            return;
        }
        off += (size_t) n;
    }
    r->pmi_out_len -= off;
    memmove(r->pmi_out, r->pmi_out + off, r->pmi_out_len);
}

/* PMI server callbacks. */
static void launch_pmi_send(void *arg, int rank, const char *data, size_t len)
{
    struct launch_rank *r = launch_rank_of(arg, rank);

    if (r->pmi_fd < 0) {
        return;
    }
    if (r->pmi_out_cap - r->pmi_out_len < len) {
        size_t cap = r->pmi_out_len + len + 4096;
        char *buf = realloc(r->pmi_out, cap);

        if (buf == NULL) {
            KR_LOG_ERR(LAUNCH, "out of memory queueing a PMI reply for rank %d", rank);
            launch_pmi_close(r);
            return;
        }
        r->pmi_out = buf;
        r->pmi_out_cap = cap;
    }
    memcpy(r->pmi_out + r->pmi_out_len, data, len);
    r->pmi_out_len += len;
    launch_pmi_flush(r);
}

static void launch_pmi_fullinit(void *arg, int rank)
{
    launch_rank_of(arg, rank)->pmi_init = true;
}

static void launch_pmi_finalize(void *arg, int rank)
{
    launch_rank_of(arg, rank)->pmi_fini = true;
}

static void launch_pmi_abort(void *arg, int rank, int code, const char *msg)
{
    struct kr_launch *l = arg;

    l->p.cb->rank_abort(l->p.cb_arg, rank, launch_rank_of(l, rank)->pid, code, msg);
}

static void launch_pmi_error(void *arg, int rank, const char *why)
{
    struct kr_launch *l = arg;

    l->p.cb->pmi_error(l->p.cb_arg, rank, launch_rank_of(l, rank)->pid, why);
}

static const struct kr_pmi2_server_cb launch_pmi_cb = {
    .send     = launch_pmi_send,
    .fullinit = launch_pmi_fullinit,
    .finalize = launch_pmi_finalize,
    .abort    = launch_pmi_abort,
    .error    = launch_pmi_error,
};

/* Read what the rank sent on its PMI socket: once, or until EAGAIN when `drain`. */
static void launch_pmi_read(struct kr_launch *l, struct launch_rank *r, bool drain)
{
    char buf[4096];

    while (r->pmi_fd >= 0) {
        ssize_t n = read(r->pmi_fd, buf, sizeof(buf));

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        if (n <= 0) {
            launch_pmi_close(r);
            return;
        }
        if (kr_pmi2_server_input(l->pmi, r->rank, buf, (size_t) n) != 0) {
            launch_pmi_close(r);
            return;
        }
        if (!drain) {
            return;
        }
    }
}

static void launch_reaped(struct kr_launch *l, struct launch_rank *r, int status)
{
    /* Handle everything it said before dying, so an abort is not mistaken for a plain exit
     * and its last lines come out before the message about it. */
    launch_pmi_read(l, r, true);
    kr_launch_stream_read(l, r, &r->out, true);
    kr_launch_stream_read(l, r, &r->err, true);
    launch_pmi_close(r);
    r->reaped = true;
    l->alive--;
    if (r->rank == 0) {
        kr_launch_stdin_close(l);
    }
    if (l->alive == 0) {
        l->drain_until = kr_launch_now_ms() + KR_LAUNCH_DRAIN_MS;
    }
    l->p.cb->rank_exit(l->p.cb_arg, r->rank, r->pid, status, r->pmi_init, r->pmi_fini);
}

static void launch_reap(struct kr_launch *l)
{
    for (;;) {
        siginfo_t si = { .si_pid = 0 };
        struct launch_rank *r = NULL;
        int status = 0;

        /* Peek first: while the zombie exists its pid, and so its process group id, cannot be
         * reused, so killing what is left of the group cannot hit a stranger. */
        if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid == 0) {
            return;
        }
        for (int i = 0; i < l->nprocs && r == NULL; i++) {
            if (l->ranks[i].pid == si.si_pid && !l->ranks[i].reaped) {
                r = &l->ranks[i];
            }
        }
        if (r != NULL) {
            (void) kill(-r->pid, SIGKILL); /* its leftover children go with it */
        }
        if (waitpid(si.si_pid, &status, 0) != si.si_pid) {
            continue;
        }
        if (r != NULL) {
            launch_reaped(l, r, status);
        } else if (l->p.cb->child_exit != NULL) {
            l->p.cb->child_exit(l->p.cb_arg, si.si_pid, status);
        }
    }
}

static void launch_signal_read(struct kr_launch *l)
{
    struct signalfd_siginfo si;

    while (read(l->sigfd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
        if (si.ssi_signo == SIGCHLD) {
            launch_reap(l);
        } else {
            l->p.cb->signal(l->p.cb_arg, (int) si.ssi_signo);
        }
    }
    launch_reap(l); /* SIGCHLDs coalesce: never trust one to mean one child */
}

static int launch_poll_build(struct kr_launch *l)
{
    int n = 0;

    for (int i = 0; i < l->nprocs; i++) {
        struct launch_rank *r = &l->ranks[i];
        int fds[SLOT_KINDS] = { r->pmi_fd, r->out.fd, r->err.fd, -1 };

        for (int k = 0; k < SLOT_ERR + 1; k++) {
            if (fds[k] >= 0) {
                short ev = POLLIN;

                if (k == SLOT_PMI && r->pmi_out_len > 0) {
                    ev |= POLLOUT;
                }
                l->pfds[n] = (struct pollfd) { .fd = fds[k], .events = ev };
                l->slots[n++] = i * SLOT_KINDS + k;
            }
        }
    }
    if (kr_launch_stdin_events(l, true) != 0) {
        l->pfds[n] = (struct pollfd) { .fd = l->in.src, .events = POLLIN };
        l->slots[n++] = SLOT_STDIN_SRC;
    }
    if (kr_launch_stdin_events(l, false) != 0) {
        l->pfds[n] = (struct pollfd) { .fd = l->in.dst, .events = POLLOUT };
        l->slots[n++] = SLOT_STDIN_DST;
    }
    for (int i = 0; i < l->nwatches; i++) {
        if (l->watches[i].fd >= 0 && l->watches[i].events != 0) {
            l->pfds[n] = (struct pollfd) { .fd = l->watches[i].fd,
                                           .events = l->watches[i].events };
            l->slots[n++] = SLOT_WATCH - i;
        }
    }
    /* Last, so that output and PMI messages of a poll round are handled before exits. */
    l->pfds[n] = (struct pollfd) { .fd = l->sigfd, .events = POLLIN };
    l->slots[n++] = SLOT_SIGNAL;
    return n;
}

static void launch_poll_dispatch(struct kr_launch *l, int n)
{
    for (int i = 0; i < n; i++) {
        short rev = l->pfds[i].revents;
        struct launch_rank *r;

        if (rev == 0) {
            continue;
        }
        switch (l->slots[i]) {
        case SLOT_SIGNAL:
            launch_signal_read(l);
            continue;
        case SLOT_STDIN_SRC:
            kr_launch_stdin_ready(l, true, rev);
            continue;
        case SLOT_STDIN_DST:
            kr_launch_stdin_ready(l, false, rev);
            continue;
        default:
            break;
        }
        if (l->slots[i] <= SLOT_WATCH) {
            struct launch_watch *w = &l->watches[SLOT_WATCH - l->slots[i]];

            /* A callback earlier in this round may have unwatched or replaced it. */
            if (w->fd == l->pfds[i].fd) {
                w->fn(w->arg, w->fd, rev);
            }
            continue;
        }
        r = &l->ranks[l->slots[i] / SLOT_KINDS];
        switch (l->slots[i] % SLOT_KINDS) {
        case SLOT_PMI:
            if ((rev & POLLOUT) != 0) {
                launch_pmi_flush(r);
            }
            if ((rev & (POLLIN | POLLHUP | POLLERR)) != 0) {
                launch_pmi_read(l, r, false);
            }
            break;
        case SLOT_OUT:
            kr_launch_stream_read(l, r, &r->out, false);
            break;
        default:
            kr_launch_stream_read(l, r, &r->err, false);
            break;
        }
    }
}

static bool launch_streams_open(const struct kr_launch *l)
{
    for (int i = 0; i < l->nprocs; i++) {
        if (l->ranks[i].out.fd >= 0 || l->ranks[i].err.fd >= 0) {
            return true;
        }
    }
    return false;
}

/* Fire due timers; returns the poll timeout until the next one (-1: none). */
static int launch_timers(struct kr_launch *l)
{
    long long now = kr_launch_now_ms(), next = -1;

    if (l->kill_at != 0 && now >= l->kill_at) {
        l->kill_at = 0;
        for (int i = 0; i < l->nprocs; i++) {
            if (l->ranks[i].pid > 0 && !l->ranks[i].reaped) {
                (void) kill(-l->ranks[i].pid, SIGKILL);
            }
        }
    }
    if (l->alarm_at != 0 && now >= l->alarm_at) {
        l->alarm_at = 0;
        l->p.cb->alarm(l->p.cb_arg);
    }
    if (l->tick_at != 0 && now >= l->tick_at) {
        l->tick_at = now + l->tick_ms;
        l->tick_fn(l->tick_arg);
    }
    long long at[] = { l->kill_at, l->alarm_at, l->alive == 0 ? l->drain_until : 0,
                       l->tick_at };

    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        if (at[i] != 0 && (next < 0 || at[i] - now < next)) {
            next = at[i] > now ? at[i] - now : 0;
        }
    }
    return (int) next;
}

int kr_launch_run(struct kr_launch *l)
{
    for (;;) {
        int timeout = launch_timers(l), n;

        if (l->alive == 0 && l->holds <= 0 &&
            (!launch_streams_open(l) || kr_launch_now_ms() >= l->drain_until)) {
            break;
        }
        n = launch_poll_build(l);
        if (poll(l->pfds, (nfds_t) n, timeout) < 0) {
            if (errno == EINTR) {
                continue;
            }
            KR_LOG_ERR(LAUNCH, "poll failed: %s", strerror(errno));
            return -errno;
        }
        launch_poll_dispatch(l, n);
    }
    /* Output still open now belongs to processes that left the ranks' process groups. */
    for (int i = 0; i < l->nprocs; i++) {
        kr_launch_stream_close(l, &l->ranks[i], &l->ranks[i].out);
        kr_launch_stream_close(l, &l->ranks[i], &l->ranks[i].err);
    }
    return 0;
}

int kr_launch_signal(struct kr_launch *l, int signo)
{
    int n = 0;

    for (int i = 0; i < l->nprocs; i++) {
        if (l->ranks[i].pid > 0 && !l->ranks[i].reaped) {
            (void) kill(-l->ranks[i].pid, signo);
            n++;
        }
    }
    return n;
}

int kr_launch_terminate(struct kr_launch *l, int signo, int grace_ms, int spare)
{
    long long at = kr_launch_now_ms() + grace_ms;
    int n = 0;

    for (int i = 0; i < l->nprocs; i++) {
        struct launch_rank *r = &l->ranks[i];

        if (r->pid <= 0 || r->reaped) {
            continue;
        }
        if (r->rank != spare) {
            (void) kill(-r->pid, signo);
            n++;
        }
    }
    if (l->kill_at == 0 || at < l->kill_at) {
        l->kill_at = at;
    }
    return n;
}

void kr_launch_alarm(struct kr_launch *l, long ms)
{
    l->alarm_at = kr_launch_now_ms() + (ms > 0 ? ms : 0);
    if (l->alarm_at == 0) {
        l->alarm_at = 1;
    }
}

int kr_launch_alive(const struct kr_launch *l)
{
    return l->alive;
}

static int launch_pfds_reserve(struct kr_launch *l, size_t extra)
{
    size_t need = (size_t) l->nprocs * SLOT_KINDS + 4 + extra;
    struct pollfd *pfds;
    int *slots;

    if (need <= l->npfds) {
        return 0;
    }
    pfds = realloc(l->pfds, need * sizeof(*pfds));
    if (pfds == NULL) {
        return -ENOMEM;
    }
    l->pfds = pfds;
    slots = realloc(l->slots, need * sizeof(*slots));
    if (slots == NULL) {
        return -ENOMEM;
    }
    l->slots = slots;
    l->npfds = need;
    return 0;
}

int kr_launch_watch(struct kr_launch *l, int fd, short events, kr_launch_fd_fn fn, void *arg)
{
    struct launch_watch *w = NULL, *grown;

    for (int i = 0; i < l->nwatches && w == NULL; i++) {
        if (l->watches[i].fd == fd) {
            w = &l->watches[i];
        }
    }
    for (int i = 0; i < l->nwatches && w == NULL; i++) {
        if (l->watches[i].fd < 0) {
            w = &l->watches[i];
        }
    }
    if (w == NULL) {
        if (launch_pfds_reserve(l, (size_t) l->nwatches + 1) != 0) {
            return -ENOMEM;
        }
        grown = realloc(l->watches, ((size_t) l->nwatches + 1) * sizeof(*grown));
        if (grown == NULL) {
            return -ENOMEM;
        }
        l->watches = grown;
        w = &l->watches[l->nwatches++];
    }
    *w = (struct launch_watch) { .fd = fd, .events = events, .fn = fn, .arg = arg };
    return 0;
}

void kr_launch_unwatch(struct kr_launch *l, int fd)
{
    for (int i = 0; i < l->nwatches; i++) {
        if (l->watches[i].fd == fd) {
            l->watches[i].fd = -1;
        }
    }
}

void kr_launch_tick(struct kr_launch *l, long ms, void (*fn)(void *arg), void *arg)
{
    l->tick_ms = ms;
    l->tick_fn = fn;
    l->tick_arg = arg;
    l->tick_at = ms > 0 ? kr_launch_now_ms() + ms : 0;
}

void kr_launch_hold(struct kr_launch *l, int delta)
{
    l->holds += delta;
}

const char *kr_launch_host(const struct kr_launch *l)
{
    return l->host;
}

int kr_launch_spawn(struct kr_launch *l)
{
    for (int i = 0; i < l->nprocs; i++) {
        int ret = kr_launch_rank_spawn(l, &l->ranks[i]);

        if (ret != 0) {
            kr_launch_terminate(l, SIGKILL, 0, -1);
            return ret;
        }
    }
    return 0;
}

static int launch_signals_setup(struct kr_launch *l)
{
    struct sigaction ign = { .sa_handler = SIG_IGN };
    sigset_t mask;

    sigemptyset(&mask);
    for (size_t i = 0; i < sizeof(launch_signals) / sizeof(launch_signals[0]); i++) {
        sigaddset(&mask, launch_signals[i]);
    }
    if (sigprocmask(SIG_BLOCK, &mask, &l->old_mask) != 0) {
        return -errno;
    }
    l->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (l->sigfd < 0) {
        int ret = -errno;

        KR_LOG_ERR(LAUNCH, "signalfd failed: %s", strerror(errno));
        sigprocmask(SIG_SETMASK, &l->old_mask, NULL);
        return ret;
    }
    /* A rank that closed its stdin or PMI socket must not kill us with SIGPIPE. */
    sigaction(SIGPIPE, &ign, &l->old_pipe);
    return 0;
}

static int launch_stdin_setup(struct kr_launch *l)
{
    l->in.src = -1;
    l->in.dst = -1;
    if (l->p.forward_stdin && l->nprocs > 0 && l->ranks[0].rank == 0 &&
        fcntl(l->p.stdin_fd, F_GETFD) >= 0) {
        l->in.src = l->p.stdin_fd;
    }
    return 0;
}

/* l->procs from p->procs, or from the first_rank/nranks shorthand; checks the order. */
static int launch_procs_init(struct kr_launch *l, const struct kr_launch_params *p)
{
    int n = p->procs != NULL ? p->nprocs : p->nranks;

    /* No rank at all is fine: mpirun runs none itself when every host is remote. */
    if (n < 0) {
        return -EINVAL;
    }
    l->procs = calloc((size_t) n + 1, sizeof(*l->procs));
    if (l->procs == NULL) {
        return -ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        if (p->procs != NULL) {
            l->procs[i] = p->procs[i];
        } else {
            l->procs[i] = (struct kr_launch_proc) {
                .rank = p->first_rank + i, .path = p->path, .argv = p->argv,
            };
        }
        if (l->procs[i].rank < 0 || l->procs[i].rank >= p->size ||
            (i > 0 && l->procs[i].rank <= l->procs[i - 1].rank)) {
            KR_LOG_ERR(LAUNCH, "rank %d out of order or out of range (job size %d)",
                       l->procs[i].rank, p->size);
            free(l->procs);
            l->procs = NULL;
            return -EINVAL;
        }
    }
    l->nprocs = n;
    return 0;
}

/* The PMI server's view: which world ranks it serves and their application numbers. */
static int launch_pmi_create(struct kr_launch *l)
{
    struct kr_pmi2_server_params sp = {
        .jobid = l->p.jobid, .size = l->p.size, .nranks = l->nprocs,
        .mapping = l->p.mapping, .universe_size = l->p.universe_size, .kvs = l->p.kvs,
    };
    int *ranks = calloc((size_t) l->nprocs + 1, sizeof(int));
    int *appnums = calloc((size_t) l->nprocs + 1, sizeof(int));
    int ret = -ENOMEM;

    if (ranks != NULL && appnums != NULL) {
        for (int i = 0; i < l->nprocs; i++) {
            ranks[i] = l->procs[i].rank;
            appnums[i] = l->procs[i].appnum;
        }
        sp.ranks = ranks;
        sp.appnums = appnums;
        ret = kr_pmi2_server_create(&sp, &launch_pmi_cb, l, &l->pmi);
    }
    free(ranks);
    free(appnums);
    return ret;
}

int kr_launch_create(const struct kr_launch_params *p, struct kr_launch **launch_out)
{
    struct kr_launch *l = calloc(1, sizeof(*l));
    int ret;

    if (l == NULL) {
        return -ENOMEM;
    }
    l->p = *p;
    l->self = getpid();
    l->sigfd = -1;
    l->dangling[0] = l->dangling[1] = l->dangling[2] = -1;
    if (gethostname(l->host, sizeof(l->host)) != 0) {
        snprintf(l->host, sizeof(l->host), "localhost");
    }
    l->host[sizeof(l->host) - 1] = '\0';
    ret = launch_procs_init(l, p);
    if (ret != 0) {
        free(l);
        return ret;
    }
    l->p.procs = l->procs;
    l->p.nprocs = l->nprocs;
    l->ranks = calloc((size_t) l->nprocs + 1, sizeof(*l->ranks));
    if (l->ranks == NULL || launch_pfds_reserve(l, 0) != 0) {
        ret = -ENOMEM;
        goto err_free;
    }
    for (int i = 0; i < l->nprocs; i++) {
        l->ranks[i].rank = l->procs[i].rank;
        l->ranks[i].proc = &l->procs[i];
        l->ranks[i].pmi_fd = -1;
        kr_launch_stream_open(&l->ranks[i].out, -1, STDOUT_FILENO);
        kr_launch_stream_open(&l->ranks[i].err, -1, STDERR_FILENO);
    }
    ret = launch_pmi_create(l);
    if (ret != 0) {
        goto err_free;
    }
    launch_stdin_setup(l);
    ret = launch_signals_setup(l);
    if (ret != 0) {
        goto err_server;
    }
    *launch_out = l;
    return 0;

err_server:
    kr_pmi2_server_destroy(l->pmi);
err_free:
    free(l->ranks);
    free(l->pfds);
    free(l->slots);
    free(l->procs);
    free(l);
    return ret;
}

void kr_launch_destroy(struct kr_launch *l)
{
    if (l == NULL) {
        return;
    }
    for (int i = 0; i < l->nprocs; i++) {
        struct launch_rank *r = &l->ranks[i];

        if (r->pid > 0 && !r->reaped) {
            (void) kill(-r->pid, SIGKILL);
            (void) waitpid(r->pid, NULL, 0);
        }
        launch_pmi_close(r);
        free(r->pmi_out);
        kr_launch_stream_close(l, r, &r->out);
        kr_launch_stream_close(l, r, &r->err);
    }
    kr_launch_stdin_close(l);
    kr_pmi2_server_destroy(l->pmi);
    close(l->sigfd);
    sigaction(SIGPIPE, &l->old_pipe, NULL);
    sigprocmask(SIG_SETMASK, &l->old_mask, NULL);
    free(l->ranks);
    free(l->pfds);
    free(l->slots);
    free(l->watches);
    free(l->procs);
    free(l);
}

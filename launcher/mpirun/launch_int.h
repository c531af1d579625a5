/* Private state of the local launch engine, shared by launch_engine.c (loop, signals, reaping,
 * PMI connections), launch_spawn.c (fork/exec) and launch_iofwd.c (stdout/stderr/stdin). */
#ifndef KR_LAUNCHER_LAUNCH_INT_H
#define KR_LAUNCHER_LAUNCH_INT_H

#include "launch.h"

#include "../pmi/pmi2_server.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define KR_LAUNCH_LINE_MAX   (16u << 20) /* a longer line is forwarded in pieces */
#define KR_LAUNCH_STDIN_BUF  65536
#define KR_LAUNCH_DRAIN_MS   2000        /* output still open this long after the last exit */

/* One output pipe of a rank: bytes read but not yet forwarded (at most one partial line). */
struct launch_stream {
    int fd;                        /* read end, -1 after EOF */
    int dst;                       /* STDOUT_FILENO or STDERR_FILENO */
    bool midline;                  /* a piece of an over-long line was already forwarded */
    char *buf;
    size_t len;
    size_t cap;
};

struct launch_rank {
    int rank;                      /* world rank */
    const struct kr_launch_proc *proc; /* what to start (in kr_launch.procs) */
    pid_t pid;                     /* 0 until spawned; also its process group id */
    bool reaped;
    bool pmi_init;
    bool pmi_fini;
    bool spare;                    /* excluded from the SIGTERM of kr_launch_terminate */
    int pmi_fd;                    /* our end of its PMI socketpair, -1 when closed */
    char *pmi_out;                 /* replies not yet written */
    size_t pmi_out_len;
    size_t pmi_out_cap;
    struct launch_stream out;
    struct launch_stream err;
};

/* mpirun's stdin forwarded to rank 0: read only when the buffer is empty, so a rank that does
 * not read holds us back instead of filling our memory. */
struct launch_stdin {
    int src;                       /* our stdin, -1 when done */
    int dst;                       /* write end of rank 0's stdin pipe, -1 when closed */
    size_t off;
    size_t len;
    char buf[KR_LAUNCH_STDIN_BUF];
};

/* An extra descriptor in the loop (kr_launch_watch); fd -1 marks a free entry. */
struct launch_watch {
    int fd;
    short events;
    kr_launch_fd_fn fn;
    void *arg;
};

struct kr_launch {
    struct kr_launch_params p;
    int nprocs;
    struct kr_launch_proc *procs;  /* copy of p.procs, or built from the shorthand */
    char host[256];
    pid_t self;
    struct launch_rank *ranks;     /* nprocs entries, ascending world ranks */
    int alive;                     /* spawned and not reaped */
    int sigfd;
    sigset_t old_mask;
    struct sigaction old_pipe;
    struct kr_pmi2_server *pmi;
    struct launch_stdin in;
    int dangling[3];               /* per dst fd: rank whose partial line ends the output, or -1 */
    bool dst_broken[3];            /* writing to this dst failed (EPIPE): output is discarded */
    long long alarm_at;            /* monotonic ms, 0 = none */
    long long kill_at;
    long long drain_until;
    struct pollfd *pfds;
    int *slots;                    /* what each pollfd is, see launch_engine.c */
    size_t npfds;                  /* capacity of pfds and slots */
    struct launch_watch *watches;
    int nwatches;
    int holds;                     /* kr_launch_hold() */
    long tick_ms;
    long long tick_at;
    void (*tick_fn)(void *arg);
    void *tick_arg;
};

/* launch_spawn.c: fork and exec `r`. 0 or -errno (logged). */
int kr_launch_rank_spawn(struct kr_launch *l, struct launch_rank *r);

/* launch_iofwd.c */
int kr_launch_stream_open(struct launch_stream *s, int fd, int dst);
/* Read once (or until EAGAIN when `drain`) and forward every complete line. At EOF the
 * trailing partial line is forwarded and the stream closed. */
void kr_launch_stream_read(struct kr_launch *l, struct launch_rank *r, struct launch_stream *s,
                           bool drain);
/* Forward what is left and close. */
void kr_launch_stream_close(struct kr_launch *l, struct launch_rank *r, struct launch_stream *s);
short kr_launch_stdin_events(const struct kr_launch *l, bool src);
void kr_launch_stdin_ready(struct kr_launch *l, bool src, short revents);
void kr_launch_stdin_close(struct kr_launch *l);

#endif /* KR_LAUNCHER_LAUNCH_INT_H */

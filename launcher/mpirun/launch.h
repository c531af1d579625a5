/* The local launch engine: starts ranks on this host, forwards their stdout/stderr line by line
 * and mpirun's stdin to rank 0, serves their PMI-2 connections, reaps them and ends them on
 * request. It has no job policy: it reports events through callbacks and the caller (mpirun
 * today, the per-host daemon of issue #5 later) decides what they mean. One poll() loop over
 * nonblocking descriptors, signals through a signalfd, no threads. */
#ifndef KR_LAUNCHER_LAUNCH_H
#define KR_LAUNCHER_LAUNCH_H

#include "../pmi/pmi_kvs.h"

#include <stdbool.h>
#include <sys/types.h>
#include <sys/uio.h>

struct kr_launch;

struct kr_launch_cb {
    /* Rank `rank` (pid `pid`) was reaped; its remaining output and PMI messages were handled
     * first. `status` is as from waitpid(). `pmi_init`: it completed PMI fullinit;
     * `pmi_fini`: it sent PMI finalize. */
    void (*rank_exit)(void *arg, int rank, pid_t pid, int status, bool pmi_init, bool pmi_fini);
    /* Rank `rank` sent PMI abort with `code` (-1 if none) and `msg` ("" if none). */
    void (*rank_abort)(void *arg, int rank, pid_t pid, int code, const char *msg);
    /* Rank `rank` broke the PMI protocol; `why` is a phrase that follows "rank N". */
    void (*pmi_error)(void *arg, int rank, pid_t pid, const char *why);
    /* The launcher received `signo` (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2). */
    void (*signal)(void *arg, int signo);
    /* The alarm set by kr_launch_alarm() went off. */
    void (*alarm)(void *arg);
    /* Optional: a child that is not a rank (a launch agent) was reaped with `status`. */
    void (*child_exit)(void *arg, pid_t pid, int status);
    /* Optional: when set, the ranks' output goes here instead of to our stdout/stderr (the
     * per-host daemon sends it to mpirun). `dst` is STDOUT_FILENO or STDERR_FILENO; the iovecs
     * hold complete lines, tagged when asked, except when `whole` is false: then the last
     * piece is the start of a line that continues in a later call. */
    void (*output)(void *arg, int rank, int dst, const struct iovec *iov, int iovcnt,
                   bool whole);
};

/* One process the engine starts. The strings and arrays are borrowed: they must stay valid
 * until kr_launch_destroy(). */
struct kr_launch_proc {
    int rank;                      /* world rank (PMI_RANK) */
    int appnum;                    /* its application context: MPI_APPNUM (0 without MPMD) */
    const char *path;              /* executable, already resolved and checked */
    char *const *argv;             /* argv[0] is what the program sees as its name */
    char *const *env;              /* "NAME=value" for this rank only, applied after the job's
                                    * env (so it wins), NULL-terminated or NULL */
    const char *wdir;              /* working directory, NULL: the launcher's */
    const char *stdout_path;       /* NULL: forwarded to the launcher's stdout. Else a file that
                                    * gets the rank's stdout instead (created, truncated, its
                                    * missing parent directories made, mode 0644) */
    const char *stderr_path;       /* the same for stderr */
    const char *cpus;              /* NULL: not bound. Else the CPUs (OS numbers, a list such as
                                    * "0-1,4") the rank is bound to with sched_setaffinity
                                    * between fork and exec (bind.h computes it) */
};

struct kr_launch_params {
    /* The ranks started here: `nprocs` entries in ascending world-rank order, each rank once,
     * not necessarily contiguous (a daemon under --map-by node gets 1, 5, 9, ...). The array is
     * copied; what its entries point to is borrowed. */
    int nprocs;
    const struct kr_launch_proc *procs;
    /* Shorthand when `procs` is NULL: ranks first_rank .. first_rank+nranks-1, all running
     * `path` with `argv`, appnum 0, no wdir or output files. Ignored when `procs` is set. */
    int first_rank;
    int nranks;
    const char *path;
    char *const *argv;

    int size;                      /* ranks in the whole job */
    const char *jobid;             /* PMI_JOBID and the PMI job id */
    char *const *env;              /* "NAME=value" set in every rank, NULL-terminated or NULL */
    bool tag_output;               /* prefix every forwarded line with "[rank] " */
    bool forward_stdin;            /* our stdin goes to world rank 0 if it runs here */
    int stdin_fd;                  /* where that stdin is read from (0: STDIN_FILENO) */
    const char *mapping;           /* PMI_process_mapping */
    int universe_size;
    struct kr_pmi_kvs *kvs;        /* borrowed */
    const int *inherit_fds;        /* descriptors every rank inherits (the topology memfd);
                                    * close-on-exec in the launcher, cleared in the child */
    int ninherit;
    const struct kr_launch_cb *cb;
    void *cb_arg;
};

/* Set up signal handling (blocks the handled signals and reads them through a signalfd) and
 * the PMI server. Spawns nothing yet. 0, -EINVAL (procs not in ascending rank order, a rank
 * outside 0..size-1, or no ranks) or another -errno (logged). */
int kr_launch_create(const struct kr_launch_params *p, struct kr_launch **launch_out);

/* Fork and exec every rank: own process group, PMI_FD/PMI_RANK/PMI_SIZE/PMI_JOBID plus the job's
 * and then the rank's extra environment, its working directory and output files, SIGKILL when
 * the launcher dies. If an output file cannot be opened or a fork fails, the ranks already
 * started are killed. 0 or -errno (logged). A rank whose wdir or exec fails exits with 127
 * after saying why on its stderr. */
int kr_launch_spawn(struct kr_launch *l);

/* Run the event loop until every rank has been reaped and their output is drained. 0 or
 * -errno when the loop itself failed. */
int kr_launch_run(struct kr_launch *l);

/* Send `signo` to the process group of every rank not yet reaped. Returns how many. */
int kr_launch_signal(struct kr_launch *l, int signo);

/* End the job: `signo` (normally SIGTERM) to every rank's process group now, SIGKILL to those
 * still alive `grace_ms` later. `spare` (or -1) is a rank that gets only the SIGKILL, e.g. one
 * that is exiting on its own after MPI_Abort. Returns how many ranks got `signo`. */
int kr_launch_terminate(struct kr_launch *l, int signo, int grace_ms, int spare);

/* Call cb->alarm once, `ms` milliseconds from now (replaces an earlier alarm). */
void kr_launch_alarm(struct kr_launch *l, long ms);

/* Number of ranks not yet reaped. */
int kr_launch_alive(const struct kr_launch *l);

/* Extra descriptors in the event loop (the daemon's connection, mpirun's listening socket):
 * fn(arg, fd, revents) when poll() reports one of `events` on `fd`. Calling it again for a
 * watched fd replaces its events, fn and arg. 0 or -ENOMEM. */
typedef void (*kr_launch_fd_fn)(void *arg, int fd, short revents);
int kr_launch_watch(struct kr_launch *l, int fd, short events, kr_launch_fd_fn fn, void *arg);
/* Stop watching `fd` (does not close it). Safe from inside a watch callback. */
void kr_launch_unwatch(struct kr_launch *l, int fd);

/* Call fn(arg) every `ms` milliseconds from inside the loop (heartbeats, deadlines). One tick
 * per engine; ms <= 0 stops it. */
void kr_launch_tick(struct kr_launch *l, long ms, void (*fn)(void *arg), void *arg);

/* Keep kr_launch_run() going while the sum of holds is positive, even when no local rank is
 * left (ranks on other hosts are still running). */
void kr_launch_hold(struct kr_launch *l, int delta);

/* Write output of rank `rank` that ran elsewhere to `dst` the way local output is written:
 * `data` holds complete lines (already tagged) unless `whole` is false, and a line left
 * unfinished by another rank is ended first. */
void kr_launch_output(struct kr_launch *l, int rank, int dst, const char *data, size_t len,
                      bool whole);

/* Monotonic clock in milliseconds (the loop's timers use it). */
long long kr_launch_now_ms(void);

/* This host's name, as printed in messages. */
const char *kr_launch_host(const struct kr_launch *l);

/* Kill anything left, close every descriptor, restore the signal mask, free `l`. */
void kr_launch_destroy(struct kr_launch *l);

/* Remove /dev/shm/kurir-<jobid>* segments a crashed job left (launch_shm.c). */
void kr_launch_shm_cleanup(const char *jobid);

#endif /* KR_LAUNCHER_LAUNCH_H */

/* Private state of mpirun's remote side, shared by remote_start.c (listening socket, agents,
 * authentication) and remote_job.c (the daemons' messages, global fence, heartbeats,
 * teardown, stdin for a remote rank 0). */
#ifndef KR_LAUNCHER_REMOTE_INT_H
#define KR_LAUNCHER_REMOTE_INT_H

#include "remote.h"

#include "../proto/proto.h"

enum remote_state {
    REMOTE_STARTING,               /* agent running, daemon not authenticated yet */
    REMOTE_RUNNING,                /* connected: launch spec sent */
    REMOTE_DONE,                   /* the daemon said done: its ranks are reaped */
    REMOTE_LOST,                   /* failed or given up: its ranks count as gone */
};

struct remote_host {
    int index;                     /* into plan->hosts */
    const char *name;
    enum remote_state state;
    pid_t agent;                   /* 0 once reaped */
    int agent_in;                  /* the agent's stdin: the secret, then kept open */
    long long agent_kill_at;       /* SIGKILL the agent at this time (0: not scheduled) */
    bool held;                     /* holds the engine's loop open */
    struct kr_proto_conn conn;
    long long last_rx;
    int alive;                     /* its ranks not yet reported as exited */
    bool fenced;                   /* entered the current fence round */
    char addrs[512];               /* mpirun's addresses, the one that reaches it first */
    int fail_status;               /* mpirun's exit status if it fails (the daemon's say) */
};

/* A connection that has not authenticated yet. */
struct remote_pending {
    struct kr_proto_conn conn;     /* fd -1: free entry */
    long long deadline;
    char peer[64];
};

struct kr_remote {
    struct kr_remote_params p;
    struct kr_launch *launch;
    struct kr_pmi_kvs *kvs;
    struct remote_host *hosts;     /* the remote hosts with ranks */
    int nhosts;
    int listen_fd;
    int port;
    unsigned char secret[KR_PROTO_SECRET_LEN];
    char cwd[4096];                /* working directory of apps without -wdir */
    long long connect_deadline;
    struct remote_pending pending[KR_REMOTE_PENDING_MAX];
    /* global fence */
    struct kr_proto_buf fence_pairs;
    uint32_t fence_npairs;
    int fence_entered;
    int fence_need;
    /* stdin for a remote rank 0 */
    struct remote_host *rank0;
    bool stdin_open;               /* still reading our stdin for it */
    bool stdin_inflight;           /* a chunk is waiting for its ack */
    /* teardown */
    bool terminating;
    long long teardown_at;
};

/* remote_start.c */
int kr_remote_listen(struct kr_remote *r);
int kr_remote_agents_start(struct kr_remote *r);
void kr_remote_accept_ready(void *arg, int fd, short revents);
void kr_remote_pending_expire(struct kr_remote *r, long long now);
void kr_remote_agent_kill(struct remote_host *h, int signo, long long kill_at);

/* remote_job.c */
void kr_remote_host_running(struct kr_remote *r, struct remote_host *h);
void kr_remote_host_end(struct kr_remote *r, struct remote_host *h, enum remote_state state,
                        const char *msg);
void kr_remote_tick(void *arg);

#endif /* KR_LAUNCHER_REMOTE_INT_H */

/* The mpirun <-> kurir-daemon wire protocol: one TCP connection per daemon carrying
 * length-prefixed typed messages (control, PMI fences, forwarded output, exits, heartbeats),
 * a payload codec, and a nonblocking framed connection that both ends drive from poll(). */
#ifndef KR_LAUNCHER_PROTO_H
#define KR_LAUNCHER_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KR_PROTO_MAGIC       0x4b524431u  /* "KRD1" */
#define KR_PROTO_VERSION     1u
#define KR_PROTO_SECRET_LEN  16           /* the per-job secret: 128 random bits */
#define KR_PROTO_HDR_LEN     8            /* u32 payload length, u32 type; big-endian */
#define KR_PROTO_MAX_MSG     (64u << 20)  /* a longer message is a protocol error */
#define KR_PROTO_HELLO_MAX   512          /* limit before the peer has authenticated */

/* Message types. d = daemon, m = mpirun. Payload fields in order; u32 are big-endian,
 * "str" is u32 length (including the NUL) + bytes + NUL, "bytes" is u32 length + bytes,
 * "list" is u32 count + that many str. */
enum kr_proto_type {
    KR_PROTO_HELLO = 1,    /* d->m  u32 magic, u32 version, secret[16], u32 host index, u32 pid,
                            *       str hostname. Must be the first message. */
    KR_PROTO_LAUNCH,       /* m->d  str jobid, u32 size, u32 universe, str mapping,
                            *       u32 flags (bit 0 tag output, bit 1 rank 0's stdin is
                            *       forwarded), u32 heartbeat timeout ms, list env (common),
                            *       u32 napps, per app: str path, str wdir, list argv,
                            *       list env; u32 nranks, per rank: u32 rank, u32 app,
                            *       str stdout file, str stderr file ("": forwarded) */
    KR_PROTO_FENCE,        /* d->m  every local rank entered the fence: u32 n, n x (str key,
                            *       str value) put since the previous fence */
    KR_PROTO_FENCE_DONE,   /* m->d  u32 err (0 or positive errno), u32 n, n x (str, str):
                            *       every put of the whole job in this round */
    KR_PROTO_OUTPUT,       /* d->m  u32 rank, u32 fd (1 stdout, 2 stderr), u32 whole (ends a
                            *       line), bytes: lines already tagged when asked */
    KR_PROTO_EXIT,         /* d->m  u32 rank, u32 pid, u32 waitpid status, u32 flags
                            *       (bit 0 PMI fullinit, bit 1 PMI finalize) */
    KR_PROTO_ABORT,        /* d->m  u32 rank, u32 pid, u32 code (as int), str message */
    KR_PROTO_PMI_ERROR,    /* d->m  u32 rank, u32 pid, str why */
    KR_PROTO_STDIN,        /* m->d  bytes for rank 0; empty = end of input */
    KR_PROTO_STDIN_ACK,    /* d->m  the last STDIN chunk was passed on (one chunk in flight) */
    KR_PROTO_SIGNAL,       /* m->d  u32 signo: send to every rank (SIGUSR1/2) */
    KR_PROTO_TERMINATE,    /* m->d  u32 signo, u32 grace ms, u32 spare rank (as int, -1) */
    KR_PROTO_HEARTBEAT,    /* both  empty; any message also counts as a sign of life */
    KR_PROTO_DONE,         /* d->m  every rank was reaped and its output sent; the daemon
                            *       cleans up and exits */
    KR_PROTO_ERROR,        /* d->m  str, u32: the daemon cannot run its part of the job
                            *       (said after "host H: "), and mpirun's exit status for it
                            *       (2: a usage error, as when mpirun finds it itself); its
                            *       ranks are not running */
    KR_PROTO_TYPE_MAX,
};

const char *kr_proto_type_name(uint32_t type);

/* --- payload codec ------------------------------------------------------------------------ */

/* A growing payload. Errors (out of memory) are sticky: check `err` once at the end. */
struct kr_proto_buf {
    char *data;
    size_t len;
    size_t cap;
    int err;                       /* 0 or -ENOMEM */
};

void kr_proto_buf_init(struct kr_proto_buf *b);
void kr_proto_buf_free(struct kr_proto_buf *b);
void kr_proto_put_u32(struct kr_proto_buf *b, uint32_t v);
void kr_proto_put_bytes(struct kr_proto_buf *b, const void *data, size_t len);
/* Append `len` bytes without a length (after a u32 length put by the caller). */
void kr_proto_put_raw(struct kr_proto_buf *b, const void *data, size_t len);
void kr_proto_put_str(struct kr_proto_buf *b, const char *s);
/* u32 count, then each string of the NULL-terminated `list` (NULL: none). */
void kr_proto_put_list(struct kr_proto_buf *b, char *const *list);

/* Reading a received payload in place. A short or malformed field sets `bad` and returns 0,
 * NULL or an empty result; check `bad` once at the end. */
struct kr_proto_rd {
    const char *p;
    size_t left;
    bool bad;
};

void kr_proto_rd_init(struct kr_proto_rd *r, const char *data, size_t len);
uint32_t kr_proto_get_u32(struct kr_proto_rd *r);
/* A pointer into the payload and its length (*len_out). */
const char *kr_proto_get_bytes(struct kr_proto_rd *r, size_t *len_out);
/* A NUL-terminated string inside the payload, or NULL (and `bad`). */
const char *kr_proto_get_str(struct kr_proto_rd *r);
/* A list as a freshly allocated NULL-terminated array of pointers into the payload (free only
 * the array), or NULL (and `bad`, also for out of memory). */
const char **kr_proto_get_list(struct kr_proto_rd *r);

/* --- nonblocking framed connection --------------------------------------------------------- */

struct kr_proto_conn {
    int fd;                        /* nonblocking socket; -1 once closed */
    size_t max_msg;                /* larger incoming payloads are a protocol error */
    char *in;                      /* received bytes not yet consumed */
    size_t in_off;
    size_t in_len;
    size_t in_cap;
    char *out;                     /* queued bytes not yet written */
    size_t out_off;
    size_t out_len;
    size_t out_cap;
};

/* Take over `fd` (made nonblocking). `max_msg`: largest payload accepted. */
void kr_proto_conn_init(struct kr_proto_conn *c, int fd, size_t max_msg);
/* Close the socket and free the buffers. */
void kr_proto_conn_close(struct kr_proto_conn *c);

/* Queue a message and write as much as the socket takes now. Never blocks. 0, -ENOMEM, or
 * -EPIPE/-errno when the connection is broken. */
int kr_proto_conn_send(struct kr_proto_conn *c, uint32_t type, const void *payload, size_t len);
/* Write queued bytes until the socket is full. 0 or -errno (broken). */
int kr_proto_conn_flush(struct kr_proto_conn *c);
/* Bytes queued and not yet written. */
size_t kr_proto_conn_queued(const struct kr_proto_conn *c);
/* poll() events the connection wants: POLLIN, plus POLLOUT while bytes are queued. */
short kr_proto_conn_events(const struct kr_proto_conn *c);
/* Flush with poll() until everything is written or `timeout_ms` passes. 0, -ETIMEDOUT or
 * -errno. For the last words before closing. */
int kr_proto_conn_drain(struct kr_proto_conn *c, int timeout_ms);

/* Read what the socket has (up to about 1 MiB per call). 0 when bytes or nothing arrived,
 * -EPIPE at end of stream, -errno on error. Messages already complete stay readable by
 * kr_proto_conn_next() after an error. */
int kr_proto_conn_fill(struct kr_proto_conn *c);
/* The next complete message: 1 and its type and payload (valid until the next call on `c`),
 * 0 when none is complete, -EPROTO when the peer sent an oversize message. */
int kr_proto_conn_next(struct kr_proto_conn *c, uint32_t *type_out, const char **data_out,
                       size_t *len_out);

#endif /* KR_LAUNCHER_PROTO_H */

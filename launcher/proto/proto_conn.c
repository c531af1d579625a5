/* A nonblocking framed connection: outgoing messages are queued and written as the socket
 * takes them, incoming bytes are buffered until a whole message is there. Partial reads and
 * writes are the normal case; nothing here blocks except kr_proto_conn_drain(). */
#include "config.h"

#include "proto.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CONN_READ_CHUNK  65536
#define CONN_READ_BUDGET (1u << 20)   /* per fill, so one busy peer cannot starve the others */

void kr_proto_conn_init(struct kr_proto_conn *c, int fd, size_t max_msg)
{
    memset(c, 0, sizeof(*c));
    c->fd = fd;
    c->max_msg = max_msg;
    if (fd >= 0) {
        (void) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
}

void kr_proto_conn_close(struct kr_proto_conn *c)
{
    if (c->fd >= 0) {
        close(c->fd);
    }
    free(c->in);
    free(c->out);
    kr_proto_conn_init(c, -1, c->max_msg);
}

int kr_proto_conn_flush(struct kr_proto_conn *c)
{
    while (c->out_len > 0) {
        ssize_t n;

        if (c->fd < 0) {
            return -EPIPE;
        }
        n = send(c->fd, c->out + c->out_off, c->out_len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        }
        if (n < 0) {
            return -errno;
        }
        c->out_off += (size_t) n;
        c->out_len -= (size_t) n;
    }
    c->out_off = 0;
    return 0;
}

static int conn_out_room(struct kr_proto_conn *c, size_t n)
{
    char *buf;
    size_t cap;

    if (c->out_off > 0 && c->out_cap - c->out_off - c->out_len < n) {
        memmove(c->out, c->out + c->out_off, c->out_len);
        c->out_off = 0;
    }
    if (c->out_cap - c->out_off - c->out_len >= n) {
        return 0;
    }
    cap = c->out_cap == 0 ? 4096 : c->out_cap;
    while (cap - c->out_len < n) {
        cap *= 2;
    }
    buf = realloc(c->out, cap);
    if (buf == NULL) {
        return -ENOMEM;
    }
    c->out = buf;
    c->out_cap = cap;
    return 0;
}

static void conn_put_u32(char *p, uint32_t v)
{
    p[0] = (char) (v >> 24);
    p[1] = (char) (v >> 16);
    p[2] = (char) (v >> 8);
    p[3] = (char) v;
}

static uint32_t conn_get_u32(const char *s)
{
    const unsigned char *p = (const unsigned char *) s;

    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

int kr_proto_conn_send(struct kr_proto_conn *c, uint32_t type, const void *payload, size_t len)
{
    char *p;

    if (c->fd < 0) {
        return -EPIPE;
    }
    if (len > KR_PROTO_MAX_MSG || conn_out_room(c, KR_PROTO_HDR_LEN + len) != 0) {
        return -ENOMEM;
    }
    p = c->out + c->out_off + c->out_len;
    conn_put_u32(p, (uint32_t) len);
    conn_put_u32(p + 4, type);
    if (len > 0) {
        memcpy(p + KR_PROTO_HDR_LEN, payload, len);
    }
    c->out_len += KR_PROTO_HDR_LEN + len;
    return kr_proto_conn_flush(c);
}

size_t kr_proto_conn_queued(const struct kr_proto_conn *c)
{
    return c->out_len;
}

short kr_proto_conn_events(const struct kr_proto_conn *c)
{
    return (short) (POLLIN | (c->out_len > 0 ? POLLOUT : 0));
}

static long long conn_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int kr_proto_conn_drain(struct kr_proto_conn *c, int timeout_ms)
{
    long long end = conn_now_ms() + timeout_ms;

    for (;;) {
        struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
        long long left = end - conn_now_ms();
        int ret = kr_proto_conn_flush(c);

        if (ret != 0 || c->out_len == 0) {
            return ret;
        }
        if (left <= 0) {
            return -ETIMEDOUT;
        }
        if (poll(&pfd, 1, (int) left) < 0 && errno != EINTR) {
            return -errno;
        }
    }
}

int kr_proto_conn_fill(struct kr_proto_conn *c)
{
    size_t budget = CONN_READ_BUDGET;

    if (c->in_off > 0) {
        memmove(c->in, c->in + c->in_off, c->in_len);
        c->in_off = 0;
    }
    while (budget > 0) {
        ssize_t n;

        if (c->fd < 0) {
            return -EPIPE;
        }
        if (c->in_cap - c->in_len < CONN_READ_CHUNK) {
            size_t cap = c->in_cap == 0 ? 2 * CONN_READ_CHUNK : 2 * c->in_cap;
            char *buf = realloc(c->in, cap);

            if (buf == NULL) {
                return -ENOMEM;
            }
            c->in = buf;
            c->in_cap = cap;
        }
        n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        }
        if (n < 0) {
            return -errno;
        }
        if (n == 0) {
            return -EPIPE;
        }
        c->in_len += (size_t) n;
        budget = budget > (size_t) n ? budget - (size_t) n : 0;
    }
    return 0;
}

int kr_proto_conn_next(struct kr_proto_conn *c, uint32_t *type_out, const char **data_out,
                       size_t *len_out)
{
    const char *p = c->in + c->in_off;
    uint32_t len;

    if (c->in_len < KR_PROTO_HDR_LEN) {
        return 0;
    }
    len = conn_get_u32(p);
    if (len > c->max_msg) {
        return -EPROTO;
    }
    if (c->in_len - KR_PROTO_HDR_LEN < len) {
        return 0;
    }
    *type_out = conn_get_u32(p + 4);
    *data_out = p + KR_PROTO_HDR_LEN;
    *len_out = len;
    c->in_off += KR_PROTO_HDR_LEN + len;
    c->in_len -= KR_PROTO_HDR_LEN + len;
    return 1;
}

/* I/O forwarding: each rank's stdout/stderr is read from a pipe and written to ours whole lines
 * at a time, so lines of different ranks never mix; our stdin is copied to rank 0. */
#include "config.h"

#include "launch_int.h"

#include "util/log.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define IOFWD_READ_MIN  65536          /* buffer room kept free for one read */
#define IOFWD_BATCH     64             /* lines per writev */

int kr_launch_stream_open(struct launch_stream *s, int fd, int dst)
{
    s->fd = fd;
    s->dst = dst;
    s->midline = false;
    s->buf = NULL;
    s->len = 0;
    s->cap = 0;
    return 0;
}

/* Write every byte of `iov` to `fd`, waiting when it is full; our stdout is the user's, so
 * they may have made it nonblocking. A broken pipe discards the rest of that stream. */
static void iofwd_writev_all(struct kr_launch *l, int fd, struct iovec *iov, int n)
{
    while (n > 0 && !l->dst_broken[fd]) {
        ssize_t w = writev(fd, iov, n < IOV_MAX ? n : IOV_MAX);

        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                struct pollfd pfd = { .fd = fd, .events = POLLOUT };

                (void) poll(&pfd, 1, 1000);
                continue;
            }
            l->dst_broken[fd] = true;
            return;
        }
        while (n > 0 && (size_t) w >= iov->iov_len) {
            w -= (ssize_t) iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *) iov->iov_base + w;
            iov->iov_len -= (size_t) w;
        }
    }
}

/* Hand lines to the output callback when there is one (the daemon), else write them. */
static void iofwd_put(struct kr_launch *l, int rank, int dst, struct iovec *iov, int n,
                      bool whole)
{
    if (l->p.cb->output != NULL) {
        l->p.cb->output(l->p.cb_arg, rank, dst, iov, n, whole);
        return;
    }
    iofwd_writev_all(l, dst, iov, n);
}

void kr_launch_output(struct kr_launch *l, int rank, int dst, const char *data, size_t len,
                      bool whole)
{
    static char newline[] = "\n";
    struct iovec iov[2];
    int n = 0;

    if ((dst != STDOUT_FILENO && dst != STDERR_FILENO) || len == 0) {
        return;
    }
    if (l->dangling[dst] >= 0 && l->dangling[dst] != rank) {
        iov[n++] = (struct iovec) { .iov_base = newline, .iov_len = 1 };
    }
    iov[n++] = (struct iovec) { .iov_base = (void *) data, .iov_len = len };
    iofwd_writev_all(l, dst, iov, n);
    l->dangling[dst] = whole ? -1 : rank;
}

/* Forward buf[0..len) of rank `r` to `s->dst`; `whole` says it ends with a complete line. */
static void iofwd_emit(struct kr_launch *l, struct launch_rank *r, struct launch_stream *s,
                       const char *buf, size_t len, bool whole)
{
    struct iovec iov[2 * IOFWD_BATCH + 1];
    char prefix[IOFWD_BATCH][24];
    static char newline[] = "\n";
    const char *p = buf, *end = buf + len;
    int n = 0, nlines = 0;

    if (l->p.cb->output == NULL && l->dangling[s->dst] >= 0 &&
        l->dangling[s->dst] != r->rank) {
        /* Another rank's output ended without a newline: end that line before ours. */
        iov[n++] = (struct iovec) { .iov_base = newline, .iov_len = 1 };
    }
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t) (end - p));
        const char *stop = nl != NULL ? nl + 1 : end;

        if (l->p.tag_output && !s->midline) {
            snprintf(prefix[nlines], sizeof(prefix[nlines]), "[%d] ", r->rank);
            iov[n++] = (struct iovec) { .iov_base = prefix[nlines],
                                        .iov_len = strlen(prefix[nlines]) };
        }
        s->midline = false;
        iov[n++] = (struct iovec) { .iov_base = (void *) p, .iov_len = (size_t) (stop - p) };
        p = stop;
        if (++nlines == IOFWD_BATCH || p == end) {
            iofwd_put(l, r->rank, s->dst, iov, n, p != end || whole);
            n = 0;
            nlines = 0;
        }
    }
    if (!whole && len > 0) {
        s->midline = true;
        l->dangling[s->dst] = r->rank;
    } else if (len > 0) {
        l->dangling[s->dst] = -1;
    }
}

/* Forward the complete lines in the buffer and keep the rest. Bytes before `fresh` are known
 * to hold no newline, so a long line costs one scan, not one per read. */
static void iofwd_lines(struct kr_launch *l, struct launch_rank *r, struct launch_stream *s,
                        size_t fresh)
{
    char *last = NULL;

    for (size_t i = s->len; i > fresh; i--) {
        if (s->buf[i - 1] == '\n') {
            last = s->buf + i;
            break;
        }
    }
    if (last == NULL && s->len == KR_LAUNCH_LINE_MAX) {
        last = s->buf + s->len; /* a line longer than we hold: forward this piece now */
        iofwd_emit(l, r, s, s->buf, s->len, false);
    } else if (last != NULL) {
        iofwd_emit(l, r, s, s->buf, (size_t) (last - s->buf), true);
    } else {
        return;
    }
    s->len -= (size_t) (last - s->buf);
    memmove(s->buf, last, s->len);
}

static int iofwd_room(struct launch_stream *s)
{
    size_t cap = s->cap;
    char *buf;

    while (cap - s->len < IOFWD_READ_MIN && cap < KR_LAUNCH_LINE_MAX) {
        cap = cap == 0 ? 2 * IOFWD_READ_MIN : 2 * cap;
    }
    if (cap > KR_LAUNCH_LINE_MAX) {
        cap = KR_LAUNCH_LINE_MAX;
    }
    if (cap != s->cap) {
        buf = realloc(s->buf, cap);
        if (buf == NULL) {
            return -ENOMEM;
        }
        s->buf = buf;
        s->cap = cap;
    }
    return 0;
}

void kr_launch_stream_close(struct kr_launch *l, struct launch_rank *r, struct launch_stream *s)
{
    if (s->len > 0) {
        /* The rank's last line had no newline: forward it as it is; in tagged output end it
         * so that the next tag starts a line. */
        iofwd_emit(l, r, s, s->buf, s->len, false);
        if (l->p.tag_output) {
            struct iovec nl = { .iov_base = "\n", .iov_len = 1 };

            iofwd_put(l, r->rank, s->dst, &nl, 1, true);
            l->dangling[s->dst] = -1;
        }
        s->len = 0;
    }
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    free(s->buf);
    s->buf = NULL;
    s->cap = 0;
}

void kr_launch_stream_read(struct kr_launch *l, struct launch_rank *r, struct launch_stream *s,
                           bool drain)
{
    if (s->fd >= 0 && l->dst_broken[s->dst]) {
        /* Whoever read our output is gone (`mpirun ... | head`): close the rank's pipe too, so
         * that it gets EPIPE like the last command of a shell pipeline would. */
        s->len = 0;
        kr_launch_stream_close(l, r, s);
        return;
    }
    do {
        ssize_t n;

        if (s->fd < 0) {
            return;
        }
        if (iofwd_room(s) != 0) {
            KR_LOG_ERR(LAUNCH, "out of memory buffering output of rank %d", r->rank);
            iofwd_lines(l, r, s, 0);
            return;
        }
        n = read(s->fd, s->buf + s->len, s->cap - s->len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        if (n <= 0) {
            kr_launch_stream_close(l, r, s); /* EOF, or an error we can do nothing about */
            return;
        }
        s->len += (size_t) n;
        iofwd_lines(l, r, s, s->len - (size_t) n);
    } while (drain);
}

short kr_launch_stdin_events(const struct kr_launch *l, bool src)
{
    if (src) {
        return (l->in.src >= 0 && l->in.len == 0) ? POLLIN : 0;
    }
    return (l->in.dst >= 0 && l->in.len > 0) ? POLLOUT : 0;
}

void kr_launch_stdin_close(struct kr_launch *l)
{
    if (l->in.dst >= 0) {
        close(l->in.dst);
        l->in.dst = -1;
    }
    l->in.src = -1; /* stop reading: nobody takes it any more */
    l->in.len = 0;
}

void kr_launch_stdin_ready(struct kr_launch *l, bool src, short revents)
{
    struct launch_stdin *in = &l->in;
    ssize_t n;

    if (src) {
        n = read(in->src, in->buf, sizeof(in->buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            return;
        }
        if (n <= 0) {
            /* EOF on our stdin: rank 0 sees EOF once it has read what is buffered. */
            in->src = -1;
            if (in->len == 0 && in->dst >= 0) {
                close(in->dst);
                in->dst = -1;
            }
            return;
        }
        in->off = 0;
        in->len = (size_t) n;
        return;
    }
    if ((revents & (POLLERR | POLLHUP)) != 0 && (revents & POLLOUT) == 0) {
        kr_launch_stdin_close(l); /* rank 0 closed its stdin */
        return;
    }
    n = write(in->dst, in->buf + in->off, in->len);
    if (n < 0) {
        if (errno != EINTR && errno != EAGAIN) {
            kr_launch_stdin_close(l);
        }
        return;
    }
    in->off += (size_t) n;
    in->len -= (size_t) n;
    if (in->len == 0 && in->src < 0) {
        close(in->dst);
        in->dst = -1;
    }
}

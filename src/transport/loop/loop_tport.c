/* Loopback transport: a per-rank FIFO of heap-allocated messages inside one process. */
#include "config.h"

#include "loop.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define LOOP_MAX_EAGER (64 * 1024)

struct loop_msg {
    struct loop_msg *next;
    int src;
    struct kr_wire_hdr hdr;
    size_t len;
    unsigned char payload[];
};

struct loop_tep {
    struct kr_tep base;
    int peer;
};

struct loop_tport {
    struct kr_tport base;
    struct kr_tport_cb cb;
    struct kr_loop_fabric *fabric;
    bool own_fabric;            /* opened through ops->open for self-messages */
    int rank;
    struct loop_tep *eps;       /* eps[v]: our endpoint toward virtual rank v */
    struct loop_msg *head, **tailp;
};


struct kr_loop_fabric {
    int nranks;
    int base_rank;              /* job rank of virtual rank 0 */
    bool no_single_copy;        /* rndv_get refuses (-ENOSYS): exercise the copy protocol */
    struct loop_tport **members;
};

/* `base` is the first member of the transport and endpoint structs. */
static struct loop_tport *loop_tport_of(struct kr_tport *tp)
{
    return (struct loop_tport *) (void *) tp;
}

int kr_loop_fabric_create(int nranks, struct kr_loop_fabric **fabric_out)
{
    struct kr_loop_fabric *f = calloc(1, sizeof(*f));

    if (f == NULL) {
        return -ENOMEM;
    }
    f->nranks = nranks;
    f->members = calloc((size_t) nranks, sizeof(*f->members));
    if (f->members == NULL) {
        free(f);
        return -ENOMEM;
    }
    *fabric_out = f;
    return 0;
}

int kr_loop_fabric_set_single_copy(struct kr_loop_fabric *fabric, bool on)
{
    fabric->no_single_copy = !on;
    return 0;
}

void kr_loop_fabric_destroy(struct kr_loop_fabric *fabric)
{
    if (fabric == NULL) {
        return;
    }
    free(fabric->members);
    free(fabric);
}

int kr_loop_tport_open_in(struct kr_loop_fabric *fabric, int rank, const struct kr_tport_cb *cb,
                          struct kr_tport **tp_out)
{
    struct loop_tport *lt;

    if (rank < 0 || rank >= fabric->nranks || fabric->members[rank] != NULL) {
        return -EINVAL;
    }
    lt = calloc(1, sizeof(*lt));
    if (lt == NULL) {
        return -ENOMEM;
    }
    lt->eps = calloc((size_t) fabric->nranks, sizeof(*lt->eps));
    if (lt->eps == NULL) {
        free(lt);
        return -ENOMEM;
    }
    for (int v = 0; v < fabric->nranks; v++) {
        lt->eps[v].base.tp = &lt->base;
        lt->eps[v].peer = v;
    }
    lt->base.ops = &kr_loop_tport_ops;
    lt->cb = *cb;
    lt->fabric = fabric;
    lt->rank = rank;
    lt->tailp = &lt->head;
    fabric->members[rank] = lt;
    *tp_out = &lt->base;
    return 0;
}

/* Through the generic ops: a one-member fabric carrying this rank's messages to itself. */
static int loop_tport_open(const struct kr_tport_job *job, const struct kr_tport_cb *cb,
                           struct kr_tport **tp_out)
{
    struct kr_loop_fabric *f;
    int ret;

    ret = kr_loop_fabric_create(1, &f);
    if (ret != 0) {
        return ret;
    }
    f->base_rank = job->rank;
    ret = kr_loop_tport_open_in(f, 0, cb, tp_out);
    if (ret != 0) {
        kr_loop_fabric_destroy(f);
        return ret;
    }
    loop_tport_of(*tp_out)->own_fabric = true;
    return 0;
}

static int loop_tport_connect(struct kr_tport *tp, int peer, struct kr_tep **ep_out)
{
    struct loop_tport *lt = loop_tport_of(tp);
    int v = peer - lt->fabric->base_rank;

    if (v < 0 || v >= lt->fabric->nranks) {
        return -EHOSTUNREACH;
    }
    *ep_out = &lt->eps[v].base;
    return 0;
}

static size_t loop_tport_max_eager(struct kr_tep *ep)
{
    (void) ep;
    return LOOP_MAX_EAGER;
}

static size_t loop_tport_max_frag(struct kr_tep *ep)
{
    (void) ep;
    return LOOP_MAX_EAGER;
}

static int loop_tport_send_fill(struct kr_tep *ep, const struct kr_wire_hdr *hdr,
                                const struct iovec *iov, int iovcnt, size_t fill_len,
                                kr_tport_fill_fn fill, void *arg);

static int loop_tport_send_eager(struct kr_tep *ep, const struct kr_wire_hdr *hdr,
                                 const struct iovec *iov, int iovcnt)
{
    return loop_tport_send_fill(ep, hdr, iov, iovcnt, 0, NULL, NULL);
}

static int loop_tport_send_fill(struct kr_tep *ep, const struct kr_wire_hdr *hdr,
                                const struct iovec *iov, int iovcnt, size_t fill_len,
                                kr_tport_fill_fn fill, void *arg)
{
    struct loop_tport *self = loop_tport_of(ep->tp);
    struct loop_tep *le = (struct loop_tep *) (void *) ep;
    struct loop_tport *dst = self->fabric->members[le->peer];
    struct loop_msg *m;
    size_t len = fill_len, off = 0;

    if (dst == NULL) {
        return -EHOSTUNREACH;
    }
    for (int i = 0; i < iovcnt; i++) {
        len += iov[i].iov_len;
    }
    m = malloc(sizeof(*m) + len);
    if (m == NULL) {
        return -EAGAIN;
    }
    m->next = NULL;
    m->src = self->fabric->base_rank + self->rank;
    m->hdr = *hdr;
    m->len = len;
    for (int i = 0; i < iovcnt; i++) {
        /* An empty piece may have a NULL base (MPI allows it with count 0): no memcpy. */
        if (iov[i].iov_len > 0) {
            memcpy(m->payload + off, iov[i].iov_base, iov[i].iov_len);
            off += iov[i].iov_len;
        }
    }
    if (fill != NULL) {
        fill(arg, m->payload + off, fill_len);
    }
    *dst->tailp = m;
    dst->tailp = &m->next;
    return 0;
}

/* Same address space: the "remote" buffer is directly readable. */
static int loop_tport_rndv_get(struct kr_tep *ep, const struct kr_rndv_key *key,
                               const struct iovec *dst, int ndst)
{
    const unsigned char *src = (const unsigned char *) (uintptr_t) key->addr;
    size_t left = key->len;

    if (loop_tport_of(ep->tp)->fabric->no_single_copy) {
        return -ENOSYS;
    }
    for (int i = 0; i < ndst && left > 0; i++) {
        size_t n = dst[i].iov_len < left ? dst[i].iov_len : left;

        memcpy(dst[i].iov_base, src, n);
        src += n;
        left -= n;
    }
    return 0;
}

static int loop_tport_progress(struct kr_tport *tp)
{
    struct loop_tport *lt = loop_tport_of(tp);
    int n = 0;

    /* Deliver only what is queued now: callbacks may queue more for us. */
    struct loop_msg *m = lt->head;

    lt->head = NULL;
    lt->tailp = &lt->head;
    while (m != NULL) {
        struct loop_msg *next = m->next;

        lt->cb.recv(lt->cb.ctx, m->src, &m->hdr, m->payload, m->len);
        free(m);
        m = next;
        n++;
    }
    return n;
}

static int loop_tport_wait(struct kr_tport *tp, int timeout_ms, bool (*ready)(void *arg),
                           void *arg)
{
    (void) tp;
    (void) timeout_ms;
    (void) ready;
    (void) arg;
    return 0; /* nothing to sleep on: everything arrives from this very process */
}

static void loop_tport_close(struct kr_tport *tp)
{
    struct loop_tport *lt = loop_tport_of(tp);

    while (lt->head != NULL) {
        struct loop_msg *next = lt->head->next;

        free(lt->head);
        lt->head = next;
    }
    lt->fabric->members[lt->rank] = NULL;
    if (lt->own_fabric) {
        kr_loop_fabric_destroy(lt->fabric);
    }
    free(lt->eps);
    free(lt);
}

const struct kr_tport_ops kr_loop_tport_ops = {
    .name       = "loop",
    .open       = loop_tport_open,
    .connect    = loop_tport_connect,
    .max_eager  = loop_tport_max_eager,
    .max_frag   = loop_tport_max_frag,
    .send_eager = loop_tport_send_eager,
    .send_fill  = loop_tport_send_fill,
    .rndv_get   = loop_tport_rndv_get,
    .progress   = loop_tport_progress,
    .wait       = loop_tport_wait,
    .close      = loop_tport_close,
};

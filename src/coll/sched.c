/* The schedule engine (sched.h): rounds of posted sends and receives, then local steps. */
#include "config.h"

#include "sched.h"

#include "coll_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum sched_kind { SCHED_SEND, SCHED_RECV, SCHED_REDUCE, SCHED_COPY };

struct sched_step {
    uint8_t kind;
    int peer;
    const void *src;
    void *dst;
    size_t len;                 /* bytes (send, recv, copy) or elements (reduce) */
    const struct kr_dt *dt;
    const struct kr_op *op;
    struct kr_req req;          /* send and receive steps */
    struct kr_sched *s;
};

struct kr_sched {
    struct kr_comm *comm;
    int tag;
    struct sched_step *steps;
    int nsteps, cap;
    int *rounds;                /* index of each round's first step */
    int nrounds, rcap;
    int cur;                    /* round running */
    int pending;                /* its communication steps not complete (+1 while posting) */
    int error;
    bool persistent;
    struct kr_req *req;
    void **bufs;
    int nbufs;
    struct kr_op *held_op;
    struct kr_dt *held_dt;
};

int kr_sched_create(struct kr_comm *comm, struct kr_sched **s_out)
{
    struct kr_sched *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        return -ENOMEM;
    }
    s->comm = comm;
    s->tag = kr_coll_tag(comm);
    if (kr_sched_round(s) != 0) {
        free(s);
        return -ENOMEM;
    }
    *s_out = s;
    return 0;
}

int kr_sched_size(const struct kr_sched *s)
{
    return s->comm->size;
}

int kr_sched_rank(const struct kr_sched *s)
{
    return s->comm->rank;
}

int kr_sched_round(struct kr_sched *s)
{
    if (s->nrounds > 0 && s->rounds[s->nrounds - 1] == s->nsteps) {
        return 0; /* the current round is still empty: keep it */
    }
    if (s->nrounds == s->rcap) {
        int cap = s->rcap != 0 ? 2 * s->rcap : 8;
        int *r = realloc(s->rounds, sizeof(*r) * (size_t) cap);

        if (r == NULL) {
            s->error = -ENOMEM;
            return -ENOMEM;
        }
        s->rounds = r;
        s->rcap = cap;
    }
    s->rounds[s->nrounds++] = s->nsteps;
    return 0;
}

static struct sched_step *sched_add(struct kr_sched *s, enum sched_kind kind)
{
    struct sched_step *st;

    if (s->nsteps == s->cap) {
        int cap = s->cap != 0 ? 2 * s->cap : 8;
        struct sched_step *n = realloc(s->steps, sizeof(*n) * (size_t) cap);

        if (n == NULL) {
            s->error = -ENOMEM;
            return NULL;
        }
        s->steps = n;
        s->cap = cap;
    }
    st = &s->steps[s->nsteps++];
    memset(st, 0, sizeof(*st));
    st->kind = (uint8_t) kind;
    st->s = s;
    return st;
}

int kr_sched_send(struct kr_sched *s, const void *buf, size_t len, int peer)
{
    struct sched_step *st = sched_add(s, SCHED_SEND);

    if (st == NULL) {
        return -ENOMEM;
    }
    st->src = buf;
    st->len = len;
    st->peer = peer;
    return 0;
}

int kr_sched_recv(struct kr_sched *s, void *buf, size_t len, int peer)
{
    struct sched_step *st = sched_add(s, SCHED_RECV);

    if (st == NULL) {
        return -ENOMEM;
    }
    st->dst = buf;
    st->len = len;
    st->peer = peer;
    return 0;
}

int kr_sched_reduce(struct kr_sched *s, const void *in, void *inout, size_t count,
                    const struct kr_dt *dt, const struct kr_op *op)
{
    struct sched_step *st = sched_add(s, SCHED_REDUCE);

    if (st == NULL) {
        return -ENOMEM;
    }
    st->src = in;
    st->dst = inout;
    st->len = count;
    st->dt = dt;
    st->op = op;
    return 0;
}

int kr_sched_copy(struct kr_sched *s, const void *src, void *dst, size_t len)
{
    struct sched_step *st = sched_add(s, SCHED_COPY);

    if (st == NULL) {
        return -ENOMEM;
    }
    st->src = src;
    st->dst = dst;
    st->len = len;
    return 0;
}

void *kr_sched_alloc(struct kr_sched *s, size_t len)
{
    void **bufs = realloc(s->bufs, sizeof(*bufs) * (size_t) (s->nbufs + 1));
    void *p;

    if (bufs == NULL) {
        s->error = -ENOMEM;
        return NULL;
    }
    s->bufs = bufs;
    p = malloc(len > 0 ? len : 1);
    if (p == NULL) {
        s->error = -ENOMEM;
        return NULL;
    }
    s->bufs[s->nbufs++] = p;
    return p;
}

void kr_sched_hold(struct kr_sched *s, struct kr_op *op, struct kr_dt *dt)
{
    if (op != NULL && s->held_op == NULL) {
        kr_op_retain(op);
        s->held_op = op;
    }
    if (dt != NULL && s->held_dt == NULL) {
        kr_dt_retain(dt);
        s->held_dt = dt;
    }
}

void kr_sched_set_persistent(struct kr_sched *s, bool persistent)
{
    s->persistent = persistent;
}

void kr_sched_free(struct kr_sched *s)
{
    if (s == NULL) {
        return;
    }
    for (int i = 0; i < s->nbufs; i++) {
        free(s->bufs[i]);
    }
    if (s->held_op != NULL) {
        kr_op_release(s->held_op);
    }
    if (s->held_dt != NULL) {
        kr_dt_release(s->held_dt);
    }
    free(s->bufs);
    free(s->steps);
    free(s->rounds);
    free(s);
}

static void sched_advance(struct kr_sched *s);

static void sched_step_done(struct kr_req *req)
{
    struct sched_step *st = req->owner;
    struct kr_sched *s = st->s;

    if (req->status.error != 0 && s->error == 0) {
        s->error = req->status.error;
    }
    if (--s->pending == 0) {
        sched_advance(s);
    }
}

/* Post the current round's receives, then its sends. */
static void sched_post(struct kr_sched *s, int first, int end)
{
    uint32_t ctx = kr_comm_ctx_coll(s->comm);

    for (int pass = 0; pass < 2; pass++) {
        for (int i = first; i < end; i++) {
            struct sched_step *st = &s->steps[i];
            int ret;

            if (st->kind != (pass == 0 ? SCHED_RECV : SCHED_SEND)) {
                continue;
            }
            kr_req_init(&st->req, pass == 0 ? KR_REQ_RECV : KR_REQ_SEND);
            st->req.owner = st;
            st->req.done_cb = sched_step_done;
            s->pending++;
            ret = pass == 0
                      ? kr_pt2pt_irecv(s->comm->pt, &st->req, st->dst, st->len, st->peer, s->tag,
                                       ctx)
                      : kr_pt2pt_isend(s->comm->pt, &st->req, st->src, st->len,
                                       kr_comm_job_rank(s->comm, st->peer), s->comm->rank,
                                       s->tag, ctx);
            if (ret != 0) {
                s->pending--;
                s->error = s->error != 0 ? s->error : ret;
            }
        }
    }
}

static void sched_locals(struct kr_sched *s, int first, int end)
{
    for (int i = first; i < end && s->error == 0; i++) {
        struct sched_step *st = &s->steps[i];

        if (st->kind == SCHED_REDUCE) {
            int ret = kr_op_apply(st->op, st->dt, st->src, st->dst, st->len);

            if (ret != 0) {
                s->error = ret;
            }
        } else if (st->kind == SCHED_COPY && st->len > 0) {
            memmove(st->dst, st->src, st->len);
        }
    }
}

static void sched_complete(struct kr_sched *s)
{
    struct kr_req *req = s->req;
    struct kr_pt2pt *pt = s->comm->pt;

    s->comm->sched_active--;
    req->status.error = s->error;
    if (!s->persistent) {
        kr_sched_free(s);
    }
    kr_req_complete(pt, req);
}

/* Finish rounds whose communication is done and start the next; loops instead of recursing
 * when rounds complete at once (eager sends, empty rounds). */
static void sched_advance(struct kr_sched *s)
{
    while (s->pending == 0) {
        int first = s->rounds[s->cur];
        int end = s->cur + 1 < s->nrounds ? s->rounds[s->cur + 1] : s->nsteps;

        sched_locals(s, first, end);
        if (++s->cur == s->nrounds || s->error != 0) {
            sched_complete(s);
            return;
        }
        first = s->rounds[s->cur];
        end = s->cur + 1 < s->nrounds ? s->rounds[s->cur + 1] : s->nsteps;
        /* Hold one extra count while posting, so completions during posting cannot advance
         * the schedule underneath us. */
        s->pending = 1;
        sched_post(s, first, end);
        s->pending--;
    }
}

int kr_sched_start(struct kr_sched *s, struct kr_req *req)
{
    int first = s->rounds[0];
    int end = s->nrounds > 1 ? s->rounds[1] : s->nsteps;

    req->done = 0;
    req->status.error = 0;
    s->req = req;
    s->cur = 0;
    s->comm->sched_active++;
    if (s->error != 0) {
        /* Building failed: complete at once with the error. */
        s->pending = 0;
        sched_complete(s);
        return 0;
    }
    s->pending = 1;
    sched_post(s, first, end);
    s->pending--;
    if (s->pending == 0) {
        sched_advance(s);
    }
    return 0;
}

int kr_sched_run(struct kr_sched *s)
{
    struct kr_pt2pt *pt = s->comm->pt;
    struct kr_req req;
    int ret;

    kr_req_init(&req, KR_REQ_OTHER);
    kr_sched_start(s, &req);
    ret = kr_pt2pt_wait(pt, &req);
    return ret != 0 ? ret : req.status.error;
}

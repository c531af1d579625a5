/* The schedule engine (sched.h): rounds of posted sends and receives, then local steps, with
 * conversion steps before the first round and after the last. */
#include "config.h"

#include "sched.h"

#include "coll_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Local phases of intercommunicator collectives run on kr_comm.local under the schedule's tag
 * with this bit set: kr_coll_tag never sets it, so they cannot meet the local communicator's
 * own collectives. */
#define SCHED_TAG_LOCAL 0x40000000

enum sched_kind { SCHED_SEND, SCHED_RECV, SCHED_REDUCE, SCHED_COPY, SCHED_PACK, SCHED_UNPACK };

struct sched_step {
    uint8_t kind;
    bool local;                 /* intercommunicator: a peer in the local group */
    int peer;
    const void *src;
    void *dst;
    size_t len;                 /* bytes (send, recv, copy) or elements (reduce, pack, unpack) */
    const struct kr_dt *dt;
    const struct kr_op *op;
    struct kr_req req;          /* send and receive steps */
    struct kr_sched *s;
};

/* A growing array of steps. */
struct sched_list {
    struct sched_step *v;
    int n, cap;
};

struct kr_sched {
    struct kr_comm *comm;
    int tag;
    bool local;                 /* steps added now go to the local group (intercommunicators) */
    const int *view;            /* steps added now talk to this subgroup (comm ranks), or NULL */
    int view_n, view_me;
    struct sched_list steps;    /* the rounds' steps */
    struct sched_list before;   /* conversions before the first round */
    struct sched_list after;    /* conversions after the last round */
    int *rounds;                /* index of each round's first step */
    int nrounds, rcap;
    int cur;                    /* round running */
    int pending;                /* its communication steps not complete (+1 while posting) */
    int error;                  /* first error of this run */
    int build_error;            /* a builder call failed (allocation): every start fails */
    bool persistent;
    struct kr_req *req;
    void **bufs;
    int nbufs;
    struct sched_held {
        struct kr_op *op;
        struct kr_dt *dt;
    } *held;
    int nheld;
};

static void sched_destroy(struct kr_sched *s);

int kr_sched_create(struct kr_comm *comm, struct kr_sched **s_out)
{
    struct kr_sched *s = comm->sched_spare;

    if (s != NULL) {
        /* Reuse: keep the arrays (and their capacity), forget the contents. */
        comm->sched_spare = NULL;
        s->steps.n = s->before.n = s->after.n = 0;
        s->nrounds = 0;
        s->local = false;
        s->view = NULL;
        s->build_error = 0;
        s->persistent = false;
    } else {
        s = calloc(1, sizeof(*s));
        if (s == NULL) {
            return -ENOMEM;
        }
    }
    s->comm = comm;
    s->tag = kr_coll_tag(comm);
    if (kr_sched_round(s) != 0) {
        sched_destroy(s);
        return -ENOMEM;
    }
    *s_out = s;
    return 0;
}

struct kr_comm *kr_sched_comm(const struct kr_sched *s)
{
    return s->comm;
}

int kr_sched_size(const struct kr_sched *s)
{
    if (s->view != NULL) {
        return s->view_n;
    }
    if (s->comm->inter) {
        return s->local ? s->comm->local->size : s->comm->remote_size;
    }
    return s->comm->size;
}

int kr_sched_rank(const struct kr_sched *s)
{
    if (s->view != NULL) {
        return s->view_me;
    }
    return s->comm->rank; /* the same in the local communicator */
}

void kr_sched_view(struct kr_sched *s, const int *members, int n, int me)
{
    s->view = s->comm->inter ? NULL : members;
    s->view_n = n;
    s->view_me = me;
}

void kr_sched_local(struct kr_sched *s, bool on)
{
    s->local = on && s->comm->inter;
}

int kr_sched_round(struct kr_sched *s)
{
    if (s->nrounds > 0 && s->rounds[s->nrounds - 1] == s->steps.n) {
        return 0; /* the current round is still empty: keep it */
    }
    if (s->nrounds == s->rcap) {
        int cap = s->rcap != 0 ? 2 * s->rcap : 8;
        int *r = realloc(s->rounds, sizeof(*r) * (size_t) cap);

        if (r == NULL) {
            s->build_error = -ENOMEM;
            return -ENOMEM;
        }
        s->rounds = r;
        s->rcap = cap;
    }
    s->rounds[s->nrounds++] = s->steps.n;
    return 0;
}

static struct sched_step *sched_add(struct kr_sched *s, struct sched_list *l, enum sched_kind kind)
{
    struct sched_step *st;

    if (l->n == l->cap) {
        int cap = l->cap != 0 ? 2 * l->cap : 8;
        struct sched_step *n = realloc(l->v, sizeof(*n) * (size_t) cap);

        if (n == NULL) {
            s->build_error = -ENOMEM;
            return NULL;
        }
        l->v = n;
        l->cap = cap;
    }
    st = &l->v[l->n++];
    memset(st, 0, sizeof(*st));
    st->kind = (uint8_t) kind;
    st->local = s->local;
    st->s = s;
    return st;
}

static int sched_xfer(struct kr_sched *s, enum sched_kind kind, const void *src, void *dst,
                      size_t len, int peer)
{
    struct sched_step *st = sched_add(s, &s->steps, kind);

    if (st == NULL) {
        return -ENOMEM;
    }
    st->src = src;
    st->dst = dst;
    st->len = len;
    st->peer = s->view != NULL ? s->view[peer] : peer;
    return 0;
}

int kr_sched_send(struct kr_sched *s, const void *buf, size_t len, int peer)
{
    return sched_xfer(s, SCHED_SEND, buf, NULL, len, peer);
}

int kr_sched_recv(struct kr_sched *s, void *buf, size_t len, int peer)
{
    return sched_xfer(s, SCHED_RECV, NULL, buf, len, peer);
}

int kr_sched_reduce(struct kr_sched *s, const void *in, void *inout, size_t count,
                    const struct kr_dt *dt, const struct kr_op *op)
{
    struct sched_step *st = sched_add(s, &s->steps, SCHED_REDUCE);

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
    return sched_xfer(s, SCHED_COPY, src, dst, len, 0);
}

static int sched_convert(struct kr_sched *s, enum kr_sched_when when, enum sched_kind kind,
                         const struct kr_dt *dt, size_t count, const void *src, void *dst)
{
    struct sched_step *st;

    if (count == 0 || dt->size == 0) {
        return 0;
    }
    st = sched_add(s, when == KR_SCHED_BEFORE ? &s->before : &s->after, kind);
    if (st == NULL) {
        return -ENOMEM;
    }
    st->src = src;
    st->dst = dst;
    st->len = count;
    st->dt = dt;
    return 0;
}

int kr_sched_pack(struct kr_sched *s, enum kr_sched_when when, const struct kr_dt *dt,
                  size_t count, const void *typed, void *packed)
{
    return sched_convert(s, when, SCHED_PACK, dt, count, typed, packed);
}

int kr_sched_unpack(struct kr_sched *s, enum kr_sched_when when, const struct kr_dt *dt,
                    size_t count, const void *packed, void *typed)
{
    return sched_convert(s, when, SCHED_UNPACK, dt, count, packed, typed);
}

int kr_sched_adopt(struct kr_sched *s, void *p)
{
    void **bufs;

    if (p == NULL) {
        return 0;
    }
    bufs = realloc(s->bufs, sizeof(*bufs) * (size_t) (s->nbufs + 1));
    if (bufs == NULL) {
        free(p);
        s->build_error = -ENOMEM;
        return -ENOMEM;
    }
    s->bufs = bufs;
    s->bufs[s->nbufs++] = p;
    return 0;
}

void *kr_sched_alloc(struct kr_sched *s, size_t len)
{
    void *p = malloc(len > 0 ? len : 1);

    if (p == NULL) {
        s->build_error = -ENOMEM;
        return NULL;
    }
    return kr_sched_adopt(s, p) == 0 ? p : NULL;
}

void kr_sched_hold(struct kr_sched *s, struct kr_op *op, struct kr_dt *dt)
{
    struct sched_held *h;

    if ((op == NULL || op->predefined) && (dt == NULL || (dt->flags & KR_DT_F_PREDEFINED) != 0)) {
        return;
    }
    h = realloc(s->held, sizeof(*h) * (size_t) (s->nheld + 1));
    if (h == NULL) {
        s->build_error = -ENOMEM;
        return;
    }
    s->held = h;
    h[s->nheld].op = op;
    h[s->nheld].dt = dt;
    s->nheld++;
    if (op != NULL) {
        kr_op_retain(op);
    }
    if (dt != NULL) {
        kr_dt_retain(dt);
    }
}

void kr_sched_set_persistent(struct kr_sched *s, bool persistent)
{
    s->persistent = persistent;
}

/* What a run accumulated beyond the step arrays: scratch buffers and held references. */
static void sched_release(struct kr_sched *s)
{
    for (int i = 0; i < s->nbufs; i++) {
        free(s->bufs[i]);
    }
    for (int i = 0; i < s->nheld; i++) {
        if (s->held[i].op != NULL) {
            kr_op_release(s->held[i].op);
        }
        if (s->held[i].dt != NULL) {
            kr_dt_release(s->held[i].dt);
        }
    }
    s->nbufs = 0;
    s->nheld = 0;
}

static void sched_destroy(struct kr_sched *s)
{
    sched_release(s);
    free(s->held);
    free(s->bufs);
    free(s->steps.v);
    free(s->before.v);
    free(s->after.v);
    free(s->rounds);
    free(s);
}

void kr_sched_free(struct kr_sched *s)
{
    if (s == NULL) {
        return;
    }
    /* One spare per communicator, and only a modest one: a huge alltoall's arrays are not
     * worth keeping. Persistent schedules may be freed after their communicator: never
     * touch it for them. */
    if (!s->persistent && s->comm->sched_spare == NULL && s->steps.cap <= 256
        && s->rcap <= 64) {
        sched_release(s);
        s->comm->sched_spare = s;
        return;
    }
    sched_destroy(s);
}

void kr_sched_spare_drop(struct kr_comm *comm)
{
    if (comm->sched_spare != NULL) {
        sched_destroy(comm->sched_spare);
        comm->sched_spare = NULL;
    }
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

/* Start one send or receive step. */
static int sched_post_step(struct kr_sched *s, struct sched_step *st)
{
    struct kr_comm *c = st->local ? s->comm->local : s->comm;
    int tag = st->local ? s->tag | SCHED_TAG_LOCAL : s->tag;

    kr_req_init(&st->req, st->kind == SCHED_RECV ? KR_REQ_RECV : KR_REQ_SEND);
    st->req.owner = st;
    st->req.done_cb = sched_step_done;
    if (st->kind == SCHED_RECV) {
        return kr_pt2pt_irecv(c->pt, &st->req, st->dst, st->len, st->peer, tag,
                              kr_comm_ctx_coll(c));
    }
    return kr_pt2pt_isend(c->pt, &st->req, st->src, st->len, kr_comm_job_rank(c, st->peer),
                          c->rank, tag, kr_comm_ctx_coll(c));
}

/* Post the current round's receives, then its sends. */
static void sched_post(struct kr_sched *s, int first, int end)
{
    for (int pass = 0; pass < 2; pass++) {
        for (int i = first; i < end; i++) {
            struct sched_step *st = &s->steps.v[i];
            int ret;

            if (st->kind != (pass == 0 ? SCHED_RECV : SCHED_SEND)) {
                continue;
            }
            s->pending++;
            ret = sched_post_step(s, st);
            if (ret != 0) {
                s->pending--;
                s->error = s->error != 0 ? s->error : ret;
            }
        }
    }
}

/* Run the local steps [first, end) of `l` in order; stop at the first error. */
static void sched_locals(struct kr_sched *s, const struct sched_list *l, int first, int end)
{
    for (int i = first; i < end && s->error == 0; i++) {
        const struct sched_step *st = &l->v[i];
        size_t bytes;

        switch (st->kind) {
        case SCHED_REDUCE:
            s->error = kr_coll_op_apply(st->op, st->dt, st->src, st->dst, st->len);
            break;
        case SCHED_COPY:
            if (st->len > 0 && st->src != st->dst) {
                memmove(st->dst, st->src, st->len);
            }
            break;
        case SCHED_PACK:
            bytes = kr_dt_packed_size(st->dt, st->len);
            kr_dt_pack(st->dt, st->len, st->src, 0, st->dst, bytes);
            break;
        case SCHED_UNPACK:
            bytes = kr_dt_packed_size(st->dt, st->len);
            kr_dt_unpack(st->dt, st->len, st->dst, 0, st->src, bytes);
            break;
        default: break;
        }
    }
}

static void sched_complete(struct kr_sched *s)
{
    struct kr_req *req = s->req;
    struct kr_comm *comm = s->comm;
    struct kr_pt2pt *pt = comm->pt;

    if (s->error == 0) {
        sched_locals(s, &s->after, 0, s->after.n);
    }
    comm->sched_active--;
    req->status.error = s->error;
    if (!s->persistent) {
        kr_sched_free(s);
    }
    kr_comm_release(comm); /* the program may have freed it meanwhile: this may be the end */
    kr_req_complete(pt, req);
}

static int sched_round_end(const struct kr_sched *s, int r)
{
    return r + 1 < s->nrounds ? s->rounds[r + 1] : s->steps.n;
}

/* Finish rounds whose communication is done and start the next; loops instead of recursing
 * when rounds complete at once (eager sends, empty rounds). */
static void sched_advance(struct kr_sched *s)
{
    while (s->pending == 0) {
        sched_locals(s, &s->steps, s->rounds[s->cur], sched_round_end(s, s->cur));
        if (++s->cur == s->nrounds || s->error != 0) {
            sched_complete(s);
            return;
        }
        /* Hold one extra count while posting, so completions during posting cannot advance
         * the schedule underneath us. */
        s->pending = 1;
        sched_post(s, s->rounds[s->cur], sched_round_end(s, s->cur));
        s->pending--;
    }
}

int kr_sched_start(struct kr_sched *s, struct kr_req *req)
{
    req->done = 0;
    req->status.error = 0;
    s->req = req;
    s->cur = 0;
    s->error = s->build_error;
    s->comm->sched_active++;
    kr_comm_retain(s->comm); /* until sched_complete, even if the program frees it */
    if (s->error == 0) {
        sched_locals(s, &s->before, 0, s->before.n);
    }
    if (s->error != 0) {
        /* Building failed: complete at once with the error. */
        s->pending = 0;
        sched_complete(s);
        return 0;
    }
    s->pending = 1;
    sched_post(s, s->rounds[0], sched_round_end(s, 0));
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

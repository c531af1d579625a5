/* What every collective entry point shares: argument checks, collective buffers standing in
 * for typed ones (pack before, unpack after), the element type of reductions on derived
 * types, and running, starting or keeping the schedule; plus the collective request kinds
 * (completion, MPI_Start, MPI_Request_free). */
#include "config.h"

#include "api_coll_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A pack or unpack step waiting for the schedule to exist. */
struct kr_api_conv {
    enum kr_sched_when when;
    bool pack;
    struct kr_dt *dt;
    size_t count;
    void *typed, *packed;
};

/* The address handed to src/coll for a buffer without data (never NULL, which means in
 * place there). */
static unsigned char coll_nothing;

int kr_api_coll_begin(struct kr_api_coll *c, const struct kr_api_how *how, MPI_Comm h)
{
    int ret;

    /* Field by field: clearing the whole struct (rep stos) costs more than a small call. */
    c->call = how->call;
    c->mode = how->mode;
    c->request = how->request;
    c->comm = NULL;
    c->err = 0;
    c->mem = NULL;
    c->nmem = c->memcap = 0;
    c->conv = NULL;
    c->nconv = c->convcap = 0;
    c->op = NULL;
    c->dt = NULL;
    kr_api_check_running(c->call);
    ret = kr_api_check_comm(c->call, h, &c->comm);
    if (ret == MPI_SUCCESS && c->mode != KR_API_BLOCKING && c->request == NULL) {
        ret = kr_api_error(c->comm, MPI_ERR_REQUEST, "%s: request pointer is NULL", c->call);
    }
    return ret;
}

int kr_api_coll_type(struct kr_api_coll *c, const void *buf, MPI_Count count, MPI_Datatype h,
                     struct kr_dt **dt_out)
{
    int ret = kr_api_check_count(c->call, c->comm, count);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_dt(c->call, c->comm, h, true, dt_out);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_check_buf(c->call, c->comm, buf, count, *dt_out);
    }
    return ret;
}

int kr_api_coll_array(struct kr_api_coll *c, int n, const void *p, const char *what)
{
    if (n > 0 && p == NULL) {
        return kr_api_error(c->comm, MPI_ERR_ARG, "%s: %s is NULL", c->call, what);
    }
    return MPI_SUCCESS;
}

int kr_api_coll_vtype(struct kr_api_coll *c, int n, struct kr_dt_ints counts, MPI_Datatype h,
                      const MPI_Datatype *types, struct kr_dt **dt_out)
{
    struct kr_dt *dt;
    int ret = kr_api_coll_array(c, n, counts.p, "the counts array");

    if (ret == MPI_SUCCESS && types == NULL) {
        ret = kr_api_check_dt(c->call, c->comm, h, true, dt_out);
    } else if (ret == MPI_SUCCESS) {
        ret = kr_api_coll_array(c, n, types, "the datatypes array");
    }
    for (int i = 0; ret == MPI_SUCCESS && i < n; i++) {
        if (kr_dt_ints_at(counts, (size_t) i) < 0 && kr_api_cfg.check_args) {
            return kr_api_error(c->comm, MPI_ERR_COUNT, "%s: count %lld for rank %d is negative",
                                c->call, (long long) kr_dt_ints_at(counts, (size_t) i), i);
        }
        /* a block without data may name any type (MPI_DATATYPE_NULL, typically) */
        if (types != NULL && kr_dt_ints_at(counts, (size_t) i) > 0) {
            ret = kr_api_check_dt(c->call, c->comm, types[i], true, &dt);
        }
    }
    return ret;
}

int kr_api_coll_root(struct kr_api_coll *c, int root)
{
    if (!c->comm->inter) {
        return kr_api_check_root(c->call, c->comm, root);
    }
    if (root == MPI_ROOT || root == MPI_PROC_NULL || (root >= 0 && root < c->comm->remote_size)) {
        return MPI_SUCCESS;
    }
    return kr_api_error(c->comm, MPI_ERR_ROOT, "%s: root %d is not MPI_ROOT, MPI_PROC_NULL or a "
                        "rank of the remote group (0..%d)", c->call, root,
                        c->comm->remote_size - 1);
}

int kr_api_coll_inplace_error(struct kr_api_coll *c, const char *what, const char *where)
{
    if (where == NULL) {
        return kr_api_error(c->comm, MPI_ERR_BUFFER, "%s: MPI_IN_PLACE is not allowed as %s%s",
                            c->call, what, c->comm->inter ? " on an intercommunicator" : "");
    }
    return kr_api_error(c->comm, MPI_ERR_BUFFER, "%s: MPI_IN_PLACE is only allowed as %s %s",
                        c->call, what, where);
}

void *kr_api_coll_alloc(struct kr_api_coll *c, size_t len)
{
    void *p = malloc(len > 0 ? len : 1);

    if (p != NULL && c->nmem == c->memcap) {
        int cap = c->memcap != 0 ? 2 * c->memcap : 8;
        void **m = realloc(c->mem, sizeof(*m) * (size_t) cap);

        if (m == NULL) {
            free(p);
            p = NULL;
        } else {
            c->mem = m;
            c->memcap = cap;
        }
    }
    if (p == NULL) {
        c->err = -ENOMEM;
        return NULL;
    }
    c->mem[c->nmem++] = p;
    return p;
}

static void coll_conv(struct kr_api_coll *c, enum kr_sched_when when, bool pack,
                      const struct kr_dt *dt, size_t count, void *typed, void *packed)
{
    if (count == 0 || dt->size == 0) {
        return;
    }
    if (c->nconv == c->convcap) {
        int cap = c->convcap != 0 ? 2 * c->convcap : 8;
        struct kr_api_conv *v = realloc(c->conv, sizeof(*v) * (size_t) cap);

        if (v == NULL) {
            c->err = -ENOMEM;
            return;
        }
        c->conv = v;
        c->convcap = cap;
    }
    c->conv[c->nconv++] = (struct kr_api_conv) { when, pack, (struct kr_dt *) dt, count, typed,
                                                 packed };
}

void *kr_api_coll_buf(struct kr_api_coll *c, void *buf, const struct kr_dt *dt,
                      MPI_Count in_count, MPI_Count out_count)
{
    size_t count = (size_t) (in_count > out_count ? in_count : out_count);
    unsigned char *p;

    if (kr_dt_is_contig(dt)) {
        p = (unsigned char *) buf + dt->true_lb;
        return p != NULL ? p : &coll_nothing;
    }
    p = kr_api_coll_alloc(c, kr_dt_packed_size(dt, count));
    if (p == NULL) {
        return &coll_nothing;
    }
    coll_conv(c, KR_SCHED_BEFORE, true, dt, (size_t) in_count, buf, p);
    coll_conv(c, KR_SCHED_AFTER, false, dt, (size_t) out_count, buf, p);
    return p;
}

struct kr_coll_blocks *kr_api_coll_uniform(struct kr_api_coll *c, int n, size_t bytes,
                                           bool same)
{
    struct kr_coll_blocks *b = kr_api_coll_alloc(c, sizeof(*b));
    ptrdiff_t *off = kr_api_coll_alloc(c, sizeof(*off) * (size_t) (n > 0 ? n : 1));
    size_t *len = kr_api_coll_alloc(c, sizeof(*len) * (size_t) (n > 0 ? n : 1));

    if (b == NULL || off == NULL || len == NULL) {
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        off[i] = same ? 0 : (ptrdiff_t) ((size_t) i * bytes);
        len[i] = bytes;
    }
    b->off = off;
    b->len = len;
    return b;
}

/* The type of block i (NULL for an empty block of a w form, whose type need not be valid). */
static const struct kr_dt *coll_block_type(struct kr_dt_ints counts, const struct kr_dt *dt,
                                           const MPI_Datatype *types, int i)
{
    if (types == NULL) {
        return dt;
    }
    return kr_dt_ints_at(counts, (size_t) i) > 0 ? kr_dt_from_handle(types[i]) : NULL;
}

/* Whether every block can be used where it lies. */
static bool coll_blocks_direct(int n, struct kr_dt_ints counts, const struct kr_dt *dt,
                               const MPI_Datatype *types)
{
    for (int i = 0; types != NULL && i < n; i++) {
        const struct kr_dt *t = coll_block_type(counts, dt, types, i);

        if (t != NULL && !kr_dt_is_contig(t)) {
            return false;
        }
    }
    return types != NULL || kr_dt_is_contig(dt);
}

void *kr_api_coll_blocks(struct kr_api_coll *c, void *buf, int n, struct kr_dt_ints counts,
                         struct kr_dt_ints displs, bool bytes, const struct kr_dt *dt,
                         const MPI_Datatype *types, bool in, bool out, struct kr_coll_blocks *b)
{
    ptrdiff_t *off = kr_api_coll_alloc(c, sizeof(*off) * (size_t) (n > 0 ? n : 1));
    size_t *len = kr_api_coll_alloc(c, sizeof(*len) * (size_t) (n > 0 ? n : 1)), total = 0;
    bool direct = coll_blocks_direct(n, counts, dt, types);
    unsigned char *base = buf, *scratch;

    if (off == NULL || len == NULL) {
        return &coll_nothing;
    }
    b->off = off;
    b->len = len;
    for (int i = 0; i < n; i++) {
        const struct kr_dt *t = coll_block_type(counts, dt, types, i);
        size_t cnt = (size_t) kr_dt_ints_at(counts, (size_t) i);
        ptrdiff_t at;

        if (t == NULL) {
            len[i] = 0;
            off[i] = (ptrdiff_t) total;
            continue;
        }
        at = (ptrdiff_t) kr_dt_ints_at(displs, (size_t) i) * (bytes ? 1 : t->extent);
        len[i] = kr_dt_packed_size(t, cnt);
        off[i] = direct ? at + t->true_lb : (ptrdiff_t) total;
        total += len[i];
    }
    if (direct) {
        return base != NULL ? base : &coll_nothing;
    }
    scratch = kr_api_coll_alloc(c, total);
    for (int i = 0; scratch != NULL && i < n; i++) {
        const struct kr_dt *t = coll_block_type(counts, dt, types, i);
        size_t cnt = (size_t) kr_dt_ints_at(counts, (size_t) i);
        unsigned char *typed;

        if (t == NULL) {
            continue;
        }
        typed = base + kr_dt_ints_at(displs, (size_t) i) * (bytes ? 1 : t->extent);
        coll_conv(c, KR_SCHED_BEFORE, true, t, in ? cnt : 0, typed, scratch + off[i]);
        coll_conv(c, KR_SCHED_AFTER, false, t, out ? cnt : 0, typed, scratch + off[i]);
    }
    return scratch != NULL ? scratch : &coll_nothing;
}

/* ---- reductions ---------------------------------------------------------------------------- */

/* The one predefined type every basic element of `dt` is, or NULL (mixed types). Walks the
 * constructors' arguments. */
static struct kr_dt *coll_dt_basic(const struct kr_dt *dt)
{
    MPI_Count ni, na, nc, nt;
    struct kr_dt *basic = NULL;
    MPI_Datatype *types;
    int comb, *ints;
    MPI_Aint *aints;
    MPI_Count *counts;
    bool got, ok;

    if ((dt->flags & KR_DT_F_PREDEFINED) != 0) {
        return (struct kr_dt *) dt;
    }
    if (kr_dt_envelope(dt, true, &ni, &na, &nc, &nt, &comb) != 0) {
        return NULL;
    }
    types = malloc(sizeof(*types) * (size_t) (nt + 1));
    ints = malloc(sizeof(*ints) * (size_t) (ni + 1));
    aints = malloc(sizeof(*aints) * (size_t) (na + 1));
    counts = malloc(sizeof(*counts) * (size_t) (nc + 1));
    got = types != NULL && ints != NULL && aints != NULL && counts != NULL
          && kr_dt_contents(dt, true, ints, aints, counts, types) == 0;
    ok = got;
    for (MPI_Count i = 0; ok && i < nt; i++) {
        struct kr_dt *t = coll_dt_basic(kr_dt_from_handle(types[i]));

        ok = t != NULL && (basic == NULL || t == basic);
        basic = t;
    }
    /* Derived types that get_contents returned are new handles: give them back. */
    for (MPI_Count i = 0; got && i < nt; i++) {
        kr_dt_handle_release(kr_dt_from_handle(types[i]));
    }
    free(types);
    free(ints);
    free(aints);
    free(counts);
    return ok ? basic : NULL;
}

int kr_api_coll_op(struct kr_api_coll *c, MPI_Op oph, struct kr_dt *dt, struct kr_api_red *red)
{
    struct kr_op *op = kr_op_from_handle(oph);
    const struct kr_dt *basic = dt;

    if (op == NULL) {
        return kr_api_error(c->comm, MPI_ERR_OP, "%s: %s is not a valid operation", c->call,
                            oph == MPI_OP_NULL ? "MPI_OP_NULL" : "the op argument");
    }
    if (kr_op_is_rma_only(op)) {
        return kr_api_error(c->comm, MPI_ERR_OP, "%s: %s is only for one-sided accumulate",
                            c->call, op->name);
    }
    if (!op->predefined) {
        *red = (struct kr_api_red) { op, dt, dt, 1 };
        c->op = op;
        c->dt = (dt->flags & KR_DT_F_PREDEFINED) == 0 ? dt : NULL;
        return MPI_SUCCESS;
    }
    if ((dt->flags & KR_DT_F_PREDEFINED) == 0) {
        basic = coll_dt_basic(dt);
        if (basic == NULL) {
            return kr_api_error(c->comm, MPI_ERR_OP, "%s: %s applies to derived datatypes made "
                                "of one predefined type only; %s mixes types", c->call,
                                op->name, kr_dt_name(dt)[0] != '\0' ? kr_dt_name(dt)
                                                                     : "the datatype");
        }
    }
    if (!kr_op_valid_for(op, basic)) {
        return kr_api_error(c->comm, MPI_ERR_OP, "%s: %s is not defined for datatype %s",
                            c->call, op->name, kr_dt_name(basic));
    }
    *red = (struct kr_api_red) { op, dt, basic, basic->size > 0 ? dt->size / basic->size : 0 };
    return MPI_SUCCESS;
}

void *kr_api_coll_rbuf(struct kr_api_coll *c, const struct kr_api_red *red, void *buf,
                       MPI_Count in_count, MPI_Count out_count)
{
    size_t count = (size_t) (in_count > out_count ? in_count : out_count) * red->per;
    unsigned char *packed, *img;

    if (red->dt == red->udt || kr_dt_is_contig(red->udt)) {
        /* The type itself (predefined at its extent, user op packed) or its basic elements
         * lying contiguously where they are. */
        if ((red->udt->flags & KR_DT_F_PREDEFINED) != 0) {
            return buf != NULL ? buf : &coll_nothing;
        }
        return kr_api_coll_buf(c, buf, red->udt, in_count, out_count);
    }
    packed = kr_api_coll_buf(c, buf, red->udt, in_count, out_count);
    if (kr_dt_is_contig(red->dt)) {
        return packed; /* the packed stream is an array of the basic type */
    }
    /* A basic pair type with padding (MPI_DOUBLE_INT): the kernels want it at its extent. */
    img = kr_api_coll_alloc(c, count * (size_t) red->dt->extent);
    if (img == NULL) {
        return &coll_nothing;
    }
    coll_conv(c, KR_SCHED_BEFORE, false, red->dt, (size_t) in_count * red->per, img, packed);
    coll_conv(c, KR_SCHED_AFTER, true, red->dt, (size_t) out_count * red->per, img, packed);
    /* The unpack of the user's type must come after this pack: move it behind. */
    for (int i = 0; i < c->nconv - 1; i++) {
        if (c->conv[i].when == KR_SCHED_AFTER && c->conv[i].packed == packed) {
            struct kr_api_conv t = c->conv[i];

            memmove(&c->conv[i], &c->conv[i + 1], sizeof(t) * (size_t) (c->nconv - 1 - i));
            c->conv[c->nconv - 1] = t;
            break;
        }
    }
    return img;
}

/* ---- running the schedule -------------------------------------------------------------- */

/* Run the conversion steps of one phase now (blocking calls that skip the schedule). */
static void coll_convert_now(struct kr_api_coll *c, enum kr_sched_when when)
{
    for (int i = 0; i < c->nconv; i++) {
        struct kr_api_conv *v = &c->conv[i];
        size_t len = kr_dt_packed_size(v->dt, v->count);

        if (v->when != when) {
            continue;
        }
        if (v->pack) {
            kr_dt_pack(v->dt, v->count, v->typed, 0, v->packed, len);
        } else {
            kr_dt_unpack(v->dt, v->count, v->typed, 0, v->packed, len);
        }
    }
}

bool kr_api_coll_blocking(struct kr_api_coll *c)
{
    if (c->mode != KR_API_BLOCKING || c->err != 0) {
        return false;
    }
    coll_convert_now(c, KR_SCHED_BEFORE);
    return true;
}

static void coll_free(struct kr_api_coll *c, bool mem_too)
{
    if (c->mem == NULL && c->conv == NULL) {
        return; /* the common case of plain buffers */
    }
    for (int i = 0; mem_too && i < c->nmem; i++) {
        free(c->mem[i]);
    }
    free(c->mem);
    free(c->conv);
}

int kr_api_coll_abandon(struct kr_api_coll *c, int ret)
{
    coll_free(c, true);
    return ret;
}

int kr_api_coll_done(struct kr_api_coll *c, int ret)
{
    if (ret == 0) {
        coll_convert_now(c, KR_SCHED_AFTER);
    }
    coll_free(c, true);
    return ret == 0 ? MPI_SUCCESS : kr_api_fail(c->comm, c->call, ret);
}

/* Give the schedule its scratch, conversions and references. */
static int coll_equip(struct kr_api_coll *c, struct kr_sched *s)
{
    int ret = 0;

    for (int i = 0; i < c->nmem; i++) {
        int r = kr_sched_adopt(s, c->mem[i]);

        ret = ret != 0 ? ret : r;
    }
    c->nmem = 0;
    for (int i = 0; ret == 0 && i < c->nconv; i++) {
        struct kr_api_conv *v = &c->conv[i];

        ret = v->pack ? kr_sched_pack(s, v->when, v->dt, v->count, v->typed, v->packed)
                      : kr_sched_unpack(s, v->when, v->dt, v->count, v->packed, v->typed);
        if (c->mode != KR_API_BLOCKING) {
            kr_sched_hold(s, NULL, v->dt);
        }
    }
    if (c->mode != KR_API_BLOCKING) {
        kr_sched_hold(s, c->op, c->dt);
    }
    return ret;
}

/* A new user request for `s`: nonblocking (started now) or persistent (inactive). */
static int coll_request(struct kr_api_coll *c, struct kr_sched *s)
{
    struct kr_req *req = kr_req_alloc(c->comm->pt);
    struct kr_api_pcoll *p = NULL;

    if (req == NULL || (c->mode == KR_API_PERSISTENT && (p = malloc(sizeof(*p))) == NULL)) {
        if (req != NULL) {
            kr_req_release(c->comm->pt, req);
        }
        kr_sched_free(s);
        return -ENOMEM;
    }
    req->owner = c->comm;
    kr_comm_retain(c->comm); /* the request may outlive the program's handle */
    req->status.source = MPI_ANY_SOURCE;
    req->status.tag = MPI_ANY_TAG;
    if (c->mode == KR_API_PERSISTENT) {
        kr_sched_set_persistent(s, true);
        *p = (struct kr_api_pcoll) { s, false };
        req->ukind = KR_UREQ_PCOLL;
        req->ext = p;
        req->done = 1;
    } else {
        req->ukind = KR_UREQ_COLL;
        kr_sched_start(s, req);
    }
    *c->request = (MPI_Request) (void *) req;
    return 0;
}

int kr_api_coll_finish(struct kr_api_coll *c, struct kr_sched *s, int ret)
{
    if (ret == 0 && c->err != 0) {
        kr_sched_free(s);
        ret = c->err;
    }
    if (ret != 0) {
        return kr_api_coll_done(c, ret); /* the builder freed its schedule */
    }
    ret = coll_equip(c, s);
    coll_free(c, false);
    if (ret != 0) {
        kr_sched_free(s);
    } else if (c->mode == KR_API_BLOCKING) {
        ret = kr_sched_run(s);
    } else {
        ret = coll_request(c, s);
    }
    return ret == 0 ? MPI_SUCCESS : kr_api_fail(c->comm, c->call, ret);
}

int kr_api_coll_nbrs(struct kr_api_coll *c, struct kr_coll_nbrs *nb)
{
    if (c->comm->inter
        || kr_comm_neighbors(c->comm, &nb->indeg, &nb->sources, &nb->outdeg, &nb->dests) != 0) {
        return kr_api_error(c->comm, MPI_ERR_TOPOLOGY, "%s: the communicator has no process "
                            "topology", c->call);
    }
    return MPI_SUCCESS;
}

/* ---- collective requests ------------------------------------------------------------------ */

int kr_api_coll_req_complete(const char *call, MPI_Request *h, MPI_Status *status, bool quiet)
{
    struct kr_req *req = kr_api_req(*h);
    struct kr_comm *comm = req->owner;
    int err = req->status.error;

    bool gone = false;
    int ret = MPI_SUCCESS;

    kr_api_status_inactive(status);
    if (req->ukind == KR_UREQ_PCOLL) {
        ((struct kr_api_pcoll *) req->ext)->active = false;
    } else {
        kr_api_handle_forget(KR_API_H_REQUEST, req);
        kr_req_release(comm->pt, req);
        *h = MPI_REQUEST_NULL;
        gone = true;
    }
    if (err != 0) {
        ret = quiet ? kr_api_errclass(err) : kr_api_fail(comm, call, err);
    }
    if (gone) {
        kr_comm_release(comm);
    }
    return ret;
}

int kr_api_coll_req_start(const char *call, struct kr_req *req)
{
    struct kr_api_pcoll *p = req->ext;

    if (p->active) {
        return kr_api_error(req->owner, MPI_ERR_REQUEST, "%s: the persistent collective "
                            "request is already active", call);
    }
    p->active = true;
    req->status = (struct kr_status) { .source = MPI_ANY_SOURCE, .tag = MPI_ANY_TAG };
    return kr_sched_start(p->s, req) == 0 ? MPI_SUCCESS : kr_api_fail(req->owner, call, -EIO);
}

/* What a collective request holds beyond itself: a persistent one's schedule, and the
 * communicator reference of each. */
static void coll_req_drop(struct kr_req *req)
{
    struct kr_api_pcoll *p = req->ext;

    if (req->ukind == KR_UREQ_PCOLL) {
        kr_sched_free(p->s);
        free(p);
        req->ext = NULL;
    }
    kr_comm_release(req->owner);
}

int kr_api_coll_req_free(struct kr_req *req)
{
    if (!req->done) {
        /* Freed while active: it goes when its schedule completes. */
        req->done_cb = coll_req_drop;
        req->flags |= KR_REQ_F_FREE_ON_DONE;
        return MPI_SUCCESS;
    }
    coll_req_drop(req);
    kr_req_release(kr_api.pt, req);
    return MPI_SUCCESS;
}

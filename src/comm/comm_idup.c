/* MPI_Comm_idup: the attempts of kr_comm_ids_agree (comm_ids.c) as a chain of allreduce
 * schedules, each started from the previous one's completion callback, so the agreement
 * advances inside progress while the program goes on.
 *
 * Tags: every member takes one collective tag of the parent when it calls MPI_Comm_idup (in
 * the same order as its other collectives on the parent), and all attempts use it. Later
 * attempts start whenever each member's previous one ends, so they cannot draw tags of their
 * own; one tag is enough because a member's messages of attempt k + 1 to a peer follow all its
 * attempt-k messages to it, and receives from a given peer are posted in attempt order. The
 * attempts run on a shadow of the parent (its members and context, no shared area) whose tag
 * counter this file sets, so they never wait for or delay the parent's own collectives. The
 * shadow points at the new communicator's copy of the members, and the agreement holds a
 * reference on the parent (whose context it uses), so the program may free the parent while
 * the agreement runs. */
#include "config.h"

#include "comm.h"

#include "comm_int.h"

#include "coll/coll.h"
#include "coll/sched.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct comm_idup {
    struct kr_comm shadow; /* the parent's members and context, for the schedules */
    struct kr_comm *parent; /* referenced until the end: its context carries the agreement */
    struct kr_comm *c;     /* the new communicator */
    struct kr_comm_ids *ids;
    struct kr_req step; /* completion of the running schedule */
    struct kr_req *req; /* the caller's */
    uint32_t seq;       /* the parent's collective counter when the call was made */
    uint64_t key;
    int k; /* attempt */
    uint64_t offer[COMM_ID_WINDOW], buf[COMM_ID_WINDOW];
};

static void idup_step_done(struct kr_req *step);

/* Lend attempt k's window and start ANDing it. Once this returns 0, `d` may already be gone
 * (the schedule can complete at once and its callback finish the agreement). */
static int idup_attempt(struct comm_idup *d)
{
    struct kr_sched *s;
    int ret;

    kr_comm_ids_lend(d->ids, d->key, d->k, d->offer);
    memcpy(d->buf, d->offer, sizeof(d->buf));
    d->shadow.coll_seq = d->seq; /* the schedule draws the parent's tag of the call again */
    ret = kr_coll_allreduce_sched(&d->shadow, NULL, d->buf, COMM_ID_WINDOW,
                                  kr_dt_from_handle(MPI_UINT64_T), kr_op_from_handle(MPI_BAND), &s);
    if (ret != 0) {
        kr_comm_ids_giveback(d->ids, d->key, d->k, d->offer);
        return ret;
    }
    kr_req_init(&d->step, KR_REQ_OTHER);
    d->step.owner = d;
    d->step.done_cb = idup_step_done;
    return kr_sched_start(s, &d->step);
}

/* The agreement is over: free the state, then complete the caller's request. */
static void idup_finish(struct comm_idup *d, int ret, uint32_t id)
{
    struct kr_req *req = d->req;
    struct kr_comm *c = d->c;
    struct kr_pt2pt *pt = c->pt;

    if (ret == 0) {
        c->id = id;
        c->magic = KR_COMM_MAGIC;
    }
    kr_sched_spare_drop(&d->shadow);
    kr_comm_release(d->parent);
    free(d);
    req->status = (struct kr_status){.source = KR_ANY_SOURCE, .tag = KR_ANY_TAG, .error = ret};
    kr_req_complete(pt, req);
}

/* Runs inside progress. Starting the next attempt or finishing is the last thing done. */
static void idup_step_done(struct kr_req *step)
{
    struct comm_idup *d = step->owner;
    int ret = step->status.error;
    uint32_t id = 0;

    if (ret != 0) {
        kr_comm_ids_giveback(d->ids, d->key, d->k, d->offer);
    } else {
        ret = kr_comm_ids_settle(d->ids, d->key, d->k, d->offer, d->buf, 1, &id);
    }
    if (ret == -EAGAIN) {
        d->k++;
        ret = idup_attempt(d);
        if (ret == 0) {
            return;
        }
    }
    idup_finish(d, ret, id);
}

struct kr_comm *kr_comm_idup_new(const struct kr_comm *comm)
{
    int *ranks = NULL;
    struct kr_comm *c;

    if (comm->ranks != NULL && (ranks = kr_comm_ranks_copy(comm)) == NULL) {
        return NULL;
    }
    c = kr_comm_new(comm->pt, 0, comm->rank, comm->size, ranks);
    if (c == NULL || (comm->topo != NULL && (c->topo = kr_comm_topo_dup(comm->topo)) == NULL)) {
        free(c);
        free(ranks);
        return NULL;
    }
    c->magic = 0;
    c->host = comm->host;
    c->job_node = comm->job_node;
    return c;
}

int kr_comm_idup_start(struct kr_comm *comm, struct kr_comm_ids *ids, struct kr_comm *c,
                       struct kr_req *req)
{
    struct comm_idup *d = calloc(1, sizeof(*d));
    int ret;

    if (d == NULL) {
        return -ENOMEM;
    }
    d->shadow.id = comm->id;
    d->shadow.rank = comm->rank;
    d->shadow.size = comm->size;
    d->shadow.ranks = c->ranks;
    d->shadow.pt = comm->pt;
    d->shadow.refs = 1; /* owned by `d`: the schedules' references never free it */
    d->parent = comm;
    kr_comm_retain(comm);
    d->c = c;
    d->ids = ids;
    d->req = req;
    d->seq = comm->coll_seq++; /* one collective of the parent, as every member counts it */
    d->key = kr_comm_ids_key(KR_IDS_IDUP, comm->id, d->seq);
    req->done = 0;
    ret = idup_attempt(d);
    if (ret != 0) {
        kr_sched_spare_drop(&d->shadow);
        kr_comm_release(comm);
        free(d);
    }
    return ret;
}

void kr_comm_discard(struct kr_comm *c)
{
    kr_comm_topo_free(c->topo);
    free(c->ranks);
    free(c);
}

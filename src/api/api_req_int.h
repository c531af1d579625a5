/* Private to the API's request code (api_req.c, api_wait.c, api_bsend.c, api_greq.c,
 * api_probe.c, api_pt2pt.c): what a user's MPI_Request is, send modes, completion. */
#ifndef KR_API_REQ_INT_H
#define KR_API_REQ_INT_H

#include "api.h"

#include <stdbool.h>
#include <stdint.h>

/* What the user holds (kr_req.ukind). */
enum kr_api_ukind {
    KR_UREQ_PLAIN = 0,          /* freed by the call that completes it */
    KR_UREQ_PERSIST,            /* persistent: completion makes it inactive, Start restarts */
    KR_UREQ_GREQ,               /* generalized: completed by MPI_Grequest_complete */
    /* issue #4, collectives (api_coll_util.c, api_isendrecv.c): */
    KR_UREQ_COLL,               /* nonblocking collective: its schedule completes it; freed by
                                 * the call that completes it, like PLAIN */
    KR_UREQ_PCOLL,              /* persistent collective: ext is a struct kr_api_pcoll */
    KR_UREQ_SENDRECV,           /* MPI_Isendrecv(_replace): completes when both halves have;
                                 * a receive for status purposes, freed like PLAIN */
};

enum kr_api_send_mode {
    KR_SEND_STANDARD = 0,
    KR_SEND_SYNC,
    KR_SEND_BUFFERED,
    KR_SEND_READY,
};

/* Arguments a persistent request restarts with (kr_req.ext). */
struct kr_api_persist {
    const void *buf;
    MPI_Count count;
    struct kr_dt *dt;
    int peer, tag;              /* communicator rank, tag (or the wildcards for a receive) */
    enum kr_api_send_mode mode;
    bool recv;
    bool active;                /* started and not completed yet */
    /* Partitioned (api_part.c) when `partitions` > 0: `count` elements per partition, and
     * `ready` (one byte per partition, in the same allocation) marks MPI_Pready'd ones. */
    int partitions, nready;
    uint8_t *ready;
};

/* A new inactive persistent request on `comm` for `args` (taking a reference on its type),
 * with `extra` zeroed bytes after the arguments for `ready` (partitioned requests). */
int kr_api_persist_new(const char *call, struct kr_comm *comm, const struct kr_api_persist *args,
                       size_t extra, MPI_Request *request);

/* MPI_Start of a partitioned request (api_part.c): a receive is posted at once, a send waits
 * until every partition is ready. Returns an MPI error code. */
int kr_api_part_start(const char *call, struct kr_req *req);

/* A persistent collective (kr_req.ext of KR_UREQ_PCOLL): its schedule, started by MPI_Start. */
struct kr_sched;
struct kr_api_pcoll {
    struct kr_sched *s;
    bool active;                /* started and not completed yet */
};

/* Collective and Isendrecv requests (api_coll_util.c, api_isendrecv.c; issue #4). Start a
 * persistent collective (MPI_Start); free one (MPI_Request_free: an active one is freed when
 * it completes); complete a KR_UREQ_COLL or KR_UREQ_PCOLL request as kr_api_req_complete
 * does; cancel the receive half of an Isendrecv. Each returns an MPI error code. */
int kr_api_coll_req_start(const char *call, struct kr_req *req);
int kr_api_coll_req_free(struct kr_req *req);
int kr_api_coll_req_complete(const char *call, MPI_Request *h, MPI_Status *status, bool quiet);
int kr_api_sendrecv_cancel(struct kr_req *req);

/* A generalized request's callbacks (kr_req.ext). */
struct kr_api_greq {
    MPI_Grequest_query_function *query;
    MPI_Grequest_free_function *free_fn;
    MPI_Grequest_cancel_function *cancel;
    void *extra;
};

/* Upper-layer flags on a request: it holds a reference on its derived datatype (req->dt), on
 * its communicator (req->owner). */
#define KR_REQ_F_DT_HELD 0x100
#define KR_REQ_F_COMM_HELD 0x200

/* A point-to-point request keeps its communicator while the program may still use it: MPI lets
 * the program free the communicator with operations pending, which then complete normally
 * (and its context id must not serve a new communicator before). Hold when the operation
 * starts (persistent: when the request is made); drop when the request goes back to the
 * pool, after the last use of req->owner. */
void kr_api_req_hold_comm(struct kr_req *req, struct kr_comm *comm);
void kr_api_req_drop_comm(struct kr_req *req);

/* Get `req` ready to carry `count` elements of `dt` at `buf`: a non-contiguous type gets the
 * datatype engine as its layout. Returns the packed length; *base_out is what to pass to
 * pt2pt as the buffer. */
size_t kr_api_msg_prep(struct kr_req *req, const struct kr_dt *dt, MPI_Count count,
                       const void *buf, void **base_out);

/* The same for a buffer that is not a request's (one-sided operations): *lay_out is empty
 * for a contiguous type, and *base_out what to move bytes from or to. */
void kr_api_layout(const struct kr_dt *dt, MPI_Count count, const void *buf,
                   struct kr_layout *lay_out, void **base_out);

/* Make `req` a request that completed already, with an empty status (MPI_Rput and friends,
 * which complete their operation locally before they return). */
void kr_api_req_done_set(struct kr_req *req, struct kr_comm *comm, bool recv);

/* A nonblocking operation on a derived type keeps the type alive until it completes, even if
 * the user frees it meanwhile. Call after starting it, when it is not complete yet. */
void kr_api_req_hold_dt(struct kr_req *req, struct kr_dt *dt);

/* The request behind a user handle: NULL for MPI_REQUEST_NULL or anything that is not a live
 * request. */
static inline struct kr_req *kr_api_req(MPI_Request h)
{
    struct kr_req *req = (struct kr_req *) (void *) h;

    if (h == MPI_REQUEST_NULL || (uintptr_t) h < KR_HANDLE_USER_MIN
        || req->magic != KR_REQ_MAGIC) {
        return NULL;
    }
    return req;
}

/* Check a request handle argument (the pointer and what it points to). `null_ok`: the
 * handle may be MPI_REQUEST_NULL. */
int kr_api_check_req(const char *call, MPI_Request *h, bool null_ok);

/* Array arguments of the calls on many requests (the wait/test family, get_status): a
 * non-negative count, an array when it is positive, and a valid or null handle in each. */
int kr_api_check_req_array(const char *call, int count, MPI_Request requests[]);
/* Where the status of request i goes (MPI_STATUS_IGNORE for MPI_STATUSES_IGNORE). */
MPI_Status *kr_api_status_at(MPI_Status statuses[], int i);

/* True for a request that takes no part in completion calls: a null handle or an inactive
 * persistent request. */
static inline bool kr_api_req_inactive(MPI_Request h)
{
    struct kr_req *req = kr_api_req(h);

    return req == NULL
           || (req->ukind == KR_UREQ_PERSIST && !((struct kr_api_persist *) req->ext)->active)
           || (req->ukind == KR_UREQ_PCOLL && !((struct kr_api_pcoll *) req->ext)->active);
}

/* The request behind `h` completed: fill `status` (may be MPI_STATUS_IGNORE), free or
 * deactivate the request and update the handle. Returns the operation's MPI error; reported
 * through the communicator's error handler unless `quiet` (multi-completion calls report
 * MPI_ERR_IN_STATUS themselves). */
int kr_api_req_complete(const char *call, MPI_Request *h, MPI_Status *status, bool quiet);

/* The empty status of a null or inactive request. */
void kr_api_status_inactive(MPI_Status *status);

/* Start a send in `mode` of `count` elements on a fresh or persistent request. */
int kr_api_send_start(const char *call, struct kr_comm *comm, struct kr_req *req,
                      const void *buf, MPI_Count count, struct kr_dt *dt, int dest, int tag,
                      enum kr_api_send_mode mode);

/* Buffered send: copy the message into the attached buffer and send it from there; the copy
 * is released when the send completes. 0 or an MPI error (already reported). */
int kr_api_bsend(const char *call, struct kr_comm *comm, const void *buf, MPI_Count count,
                 struct kr_dt *dt, int dest, int tag);

/* Checks every send and receive shares: communicator, count, datatype, buffer, rank, tag. */
int kr_api_check_p2p(const char *call, MPI_Comm h, const void *buf, MPI_Count count,
                     MPI_Datatype type, int rank, int tag, bool recv, struct kr_comm **comm_out,
                     struct kr_dt **dt_out);

/* The same for a call that starts a request: also a place for the request handle. */
static inline int kr_api_check_p2p_req(const char *call, MPI_Comm h, const void *buf,
                                       MPI_Count count, MPI_Datatype type, int rank, int tag,
                                       bool recv, MPI_Request *request,
                                       struct kr_comm **comm_out, struct kr_dt **dt_out)
{
    int ret = kr_api_check_p2p(call, h, buf, count, type, rank, tag, recv, comm_out, dt_out);

    if (ret == MPI_SUCCESS && request == NULL) {
        ret = kr_api_error(*comm_out, MPI_ERR_REQUEST, "%s: request pointer is NULL", call);
    }
    return ret;
}

/* Generalized requests (api_greq.c): free, cancel, and the status their query gives. */
int kr_api_greq_free(struct kr_req *req);
int kr_api_greq_cancel(struct kr_req *req);
int kr_api_greq_query(struct kr_req *req, MPI_Status *status);

/* Is `h` a live message from MPI_Mprobe/MPI_Improbe? */
bool kr_api_msg_valid(MPI_Message h);

/* Report a receive that failed (truncation names sizes). */
int kr_api_recv_error(const char *call, struct kr_comm *comm, const struct kr_status *st,
                      size_t cap);

#endif /* KR_API_REQ_INT_H */

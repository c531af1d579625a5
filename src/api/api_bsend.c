/* Buffered sends: MPI_Buffer_attach/detach/flush/iflush (the process's buffer), MPI 4.1's
 * MPI_Comm_attach/detach/flush/iflush_buffer (a communicator's own, used before the process's
 * by sends on that communicator), and the allocator that places each buffered message, with
 * its bookkeeping, in the user's buffer. A buffered send copies the message, starts an
 * ordinary send from the copy and returns; the space comes back when that send completes.
 * Every message needs MPI_BSEND_OVERHEAD bytes beyond its data, as the standard tells users
 * to budget. */
#include "config.h"

#include "api_req_int.h"

#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BSEND_ALIGN 64

struct bsend_pool;

/*
 * A block of an attached buffer. Blocks tile the buffer in address order (`next`); a busy
 * block holds one message in flight and the request that sends it, then its data.
 */
struct bsend_blk {
    struct bsend_blk *next;
    struct bsend_pool *pool;    /* the buffer it belongs to */
    size_t size;                /* bytes of the block, header included */
    bool busy;
    struct kr_req req;          /* the send of this block's message */
    alignas(BSEND_ALIGN) unsigned char data[];
};

_Static_assert(sizeof(struct bsend_blk) <= MPI_BSEND_OVERHEAD,
               "a buffered message's bookkeeping must fit in MPI_BSEND_OVERHEAD");

/* A request of MPI_Buffer_iflush / MPI_Comm_iflush_buffer, completed when the pool empties. */
struct bsend_waiter {
    struct bsend_waiter *next;
    struct kr_req *req;
};

/* One attached buffer: the process's (static) or a communicator's (allocated on attach). */
struct bsend_pool {
    void *user;                 /* what the user attached (MPI_BUFFER_AUTOMATIC too) */
    MPI_Count user_size;
    struct bsend_blk *first;    /* NULL for MPI_BUFFER_AUTOMATIC */
    bool automatic;             /* each message gets its own heap block */
    int inflight;
    struct bsend_waiter *waiters;
};

static struct bsend_pool bsend_proc;

static size_t bsend_round(size_t n)
{
    return (n + BSEND_ALIGN - 1) & ~(size_t) (BSEND_ALIGN - 1);
}

/* ---- attach, detach, flush ------------------------------------------------------------------ */

/* Lay out `buffer` of `size` bytes (or MPI_BUFFER_AUTOMATIC) as pool `p`, which is empty. */
static int bsend_attach(const char *call, struct kr_comm *comm, struct bsend_pool *p,
                        void *buffer, MPI_Count size)
{
    uintptr_t start, end;

    if (buffer == MPI_BUFFER_AUTOMATIC) {
        *p = (struct bsend_pool) { .user = buffer, .automatic = true };
        return MPI_SUCCESS;
    }
    if (size < 0 || (buffer == NULL && size > 0)) {
        return kr_api_error(comm, size < 0 ? MPI_ERR_COUNT : MPI_ERR_BUFFER, "%s: %s", call,
                            size < 0 ? "size is negative" : "buffer is NULL");
    }
    *p = (struct bsend_pool) { .user = buffer, .user_size = size };
    start = ((uintptr_t) buffer + BSEND_ALIGN - 1) & ~(uintptr_t) (BSEND_ALIGN - 1);
    end = (uintptr_t) buffer + (uintptr_t) size;
    if (end > start && end - start >= sizeof(struct bsend_blk) + BSEND_ALIGN) {
        p->first = (struct bsend_blk *) start;
        *p->first = (struct bsend_blk) { .pool = p,
                                         .size = (end - start) & ~(uintptr_t) (BSEND_ALIGN - 1) };
    }
    return MPI_SUCCESS;
}

static bool bsend_idle(void *arg)
{
    const struct bsend_pool *p = arg;

    return p->inflight == 0;
}

/* Wait until every message buffered in `p` has left. */
static int bsend_flush(const char *call, struct kr_comm *comm, struct bsend_pool *p)
{
    int ret = kr_pt2pt_wait_until(kr_api.pt, bsend_idle, p);

    return ret == 0 ? MPI_SUCCESS : kr_api_fail(comm, call, ret);
}

/* Wait for every buffered message of `p` to leave, then hand the buffer back (NULL and 0 when
 * none is attached). */
static int bsend_detach(const char *call, struct kr_comm *comm, struct bsend_pool *p,
                        void *buffer_addr, MPI_Count *size)
{
    int ret;

    if (buffer_addr == NULL || size == NULL) {
        return kr_api_error(comm, MPI_ERR_ARG, "%s: %s is NULL", call,
                            buffer_addr == NULL ? "buffer_addr" : "size");
    }
    if (p != NULL) {
        ret = bsend_flush(call, comm, p);
        if (ret != MPI_SUCCESS) {
            return ret;
        }
    }
    *(void **) buffer_addr = p != NULL ? p->user : NULL;
    *size = p != NULL ? p->user_size : 0;
    if (p != NULL) {
        *p = (struct bsend_pool) { 0 };
    }
    return MPI_SUCCESS;
}

/* A request that completes when `p` has no message left in flight (at once if none is). */
static int bsend_iflush(const char *call, struct kr_comm *comm, struct bsend_pool *p,
                        MPI_Request *request)
{
    struct bsend_waiter *w = NULL;
    struct kr_req *req;

    if (request == NULL) {
        return kr_api_error(comm, MPI_ERR_ARG, "%s: request is NULL", call);
    }
    req = kr_req_alloc(kr_api.pt);
    if (req != NULL && p != NULL && p->inflight > 0) {
        w = malloc(sizeof(*w));
        if (w == NULL) {
            kr_req_release(kr_api.pt, req);
            req = NULL;
        }
    }
    if (req == NULL) {
        return kr_api_error(comm, MPI_ERR_NO_MEM, "%s: out of memory", call);
    }
    req->ukind = KR_UREQ_PLAIN;
    kr_api_req_done_set(req, comm, false);
    if (w != NULL) {
        req->kind = KR_REQ_OTHER;
        req->done = 0; /* until bsend_done empties the pool */
        *w = (struct bsend_waiter) { p->waiters, req };
        p->waiters = w;
    }
    *request = (MPI_Request) (void *) req;
    return MPI_SUCCESS;
}

/* ---- the process's buffer ------------------------------------------------------------------ */

static int bsend_proc_attach(const char *call, void *buffer, MPI_Count size)
{
    kr_api_check_running(call);
    if (bsend_proc.user != NULL) {
        return kr_api_error(NULL, MPI_ERR_BUFFER, "%s: a buffer is already attached (detach it "
                            "first)", call);
    }
    return bsend_attach(call, NULL, &bsend_proc, buffer, size);
}

KR_WEAK_ALIAS(Buffer_attach)
int PMPI_Buffer_attach(void *buffer, int size)
{
    return bsend_proc_attach("MPI_Buffer_attach", buffer, size);
}

KR_WEAK_ALIAS(Buffer_attach_c)
int PMPI_Buffer_attach_c(void *buffer, MPI_Count size)
{
    return bsend_proc_attach("MPI_Buffer_attach_c", buffer, size);
}

KR_WEAK_ALIAS(Buffer_detach)
int PMPI_Buffer_detach(void *buffer_addr, int *size)
{
    MPI_Count n = 0;
    int ret;

    kr_api_check_running("MPI_Buffer_detach");
    ret = bsend_detach("MPI_Buffer_detach", NULL, &bsend_proc, buffer_addr,
                       size != NULL ? &n : NULL);
    if (ret == MPI_SUCCESS) {
        *size = n > INT32_MAX ? INT32_MAX : (int) n;
    }
    return ret;
}

KR_WEAK_ALIAS(Buffer_detach_c)
int PMPI_Buffer_detach_c(void *buffer_addr, MPI_Count *size)
{
    kr_api_check_running("MPI_Buffer_detach_c");
    return bsend_detach("MPI_Buffer_detach_c", NULL, &bsend_proc, buffer_addr, size);
}

KR_WEAK_ALIAS(Buffer_flush)
int PMPI_Buffer_flush(void)
{
    kr_api_check_running("MPI_Buffer_flush");
    return bsend_flush("MPI_Buffer_flush", NULL, &bsend_proc);
}

KR_WEAK_ALIAS(Buffer_iflush)
int PMPI_Buffer_iflush(MPI_Request *request)
{
    kr_api_check_running("MPI_Buffer_iflush");
    return bsend_iflush("MPI_Buffer_iflush", kr_api.world, &bsend_proc, request);
}

/* ---- a communicator's buffer --------------------------------------------------------------- */

static int bsend_comm_attach(const char *call, MPI_Comm h, void *buffer, MPI_Count size)
{
    struct kr_comm *comm;
    struct bsend_pool *p;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_comm(call, h, &comm);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (comm->bsend != NULL) {
        return kr_api_error(comm, MPI_ERR_BUFFER, "%s: a buffer is already attached to this "
                            "communicator (detach it first)", call);
    }
    p = malloc(sizeof(*p));
    if (p == NULL) {
        return kr_api_error(comm, MPI_ERR_NO_MEM, "%s: out of memory", call);
    }
    ret = bsend_attach(call, comm, p, buffer, size);
    if (ret != MPI_SUCCESS) {
        free(p);
        return ret;
    }
    comm->bsend = p;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Comm_attach_buffer)
int PMPI_Comm_attach_buffer(MPI_Comm comm, void *buffer, int size)
{
    return bsend_comm_attach("MPI_Comm_attach_buffer", comm, buffer, size);
}

KR_WEAK_ALIAS(Comm_attach_buffer_c)
int PMPI_Comm_attach_buffer_c(MPI_Comm comm, void *buffer, MPI_Count size)
{
    return bsend_comm_attach("MPI_Comm_attach_buffer_c", comm, buffer, size);
}

static int bsend_comm_detach(const char *call, MPI_Comm h, void *buffer_addr, MPI_Count *size)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_comm(call, h, &comm);
    if (ret == MPI_SUCCESS) {
        ret = bsend_detach(call, comm, comm->bsend, buffer_addr, size);
    }
    if (ret == MPI_SUCCESS) {
        free(comm->bsend);
        comm->bsend = NULL;
    }
    return ret;
}

KR_WEAK_ALIAS(Comm_detach_buffer)
int PMPI_Comm_detach_buffer(MPI_Comm comm, void *buffer_addr, int *size)
{
    MPI_Count n = 0;
    int ret = bsend_comm_detach("MPI_Comm_detach_buffer", comm, buffer_addr,
                                size != NULL ? &n : NULL);

    if (ret == MPI_SUCCESS) {
        *size = n > INT32_MAX ? INT32_MAX : (int) n;
    }
    return ret;
}

KR_WEAK_ALIAS(Comm_detach_buffer_c)
int PMPI_Comm_detach_buffer_c(MPI_Comm comm, void *buffer_addr, MPI_Count *size)
{
    return bsend_comm_detach("MPI_Comm_detach_buffer_c", comm, buffer_addr, size);
}

KR_WEAK_ALIAS(Comm_flush_buffer)
int PMPI_Comm_flush_buffer(MPI_Comm h)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Comm_flush_buffer");
    ret = kr_api_check_comm("MPI_Comm_flush_buffer", h, &comm);
    if (ret != MPI_SUCCESS || comm->bsend == NULL) {
        return ret; /* no buffer: nothing to flush */
    }
    return bsend_flush("MPI_Comm_flush_buffer", comm, comm->bsend);
}

KR_WEAK_ALIAS(Comm_iflush_buffer)
int PMPI_Comm_iflush_buffer(MPI_Comm h, MPI_Request *request)
{
    struct kr_comm *comm;
    int ret;

    kr_api_check_running("MPI_Comm_iflush_buffer");
    ret = kr_api_check_comm("MPI_Comm_iflush_buffer", h, &comm);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    return bsend_iflush("MPI_Comm_iflush_buffer", comm, comm->bsend, request);
}

/* ---- a session's buffer ------------------------------------------------------------------- */

int kr_api_bsend_slot_attach(const char *call, void **slot, void *buffer, MPI_Count size)
{
    struct bsend_pool *p;
    int ret;

    if (*slot != NULL) {
        return kr_api_error(NULL, MPI_ERR_BUFFER,
                            "%s: a buffer is already attached to this "
                            "session (detach it first)",
                            call);
    }
    p = malloc(sizeof(*p));
    if (p == NULL) {
        return kr_api_error(NULL, MPI_ERR_NO_MEM, "%s: out of memory", call);
    }
    ret = bsend_attach(call, NULL, p, buffer, size);
    if (ret != MPI_SUCCESS) {
        free(p);
        return ret;
    }
    *slot = p;
    return MPI_SUCCESS;
}

int kr_api_bsend_slot_detach(const char *call, void **slot, void *buffer_addr, MPI_Count *size)
{
    int ret = bsend_detach(call, NULL, *slot, buffer_addr, size);

    if (ret == MPI_SUCCESS) {
        free(*slot);
        *slot = NULL;
    }
    return ret;
}

int kr_api_bsend_slot_flush(const char *call, void *slot)
{
    return slot != NULL ? bsend_flush(call, NULL, slot) : MPI_SUCCESS;
}

int kr_api_bsend_slot_iflush(const char *call, void *slot, MPI_Request *request)
{
    return bsend_iflush(call, kr_api.self, slot, request);
}

int kr_api_bsend_comm_free(struct kr_comm *comm, const char *call)
{
    int ret;

    if (comm->bsend == NULL) {
        return MPI_SUCCESS;
    }
    ret = bsend_flush(call, comm, comm->bsend);
    if (ret == MPI_SUCCESS) {
        free(comm->bsend);
        comm->bsend = NULL;
    }
    return ret;
}

/* ---- the allocator ------------------------------------------------------------------------- */

/* First fit in address order; the rest of a large free block becomes a block of its own. */
static struct bsend_blk *bsend_alloc(struct bsend_pool *p, size_t data)
{
    size_t need = sizeof(struct bsend_blk) + bsend_round(data);

    if (p->automatic) {
        struct bsend_blk *b = aligned_alloc(BSEND_ALIGN, bsend_round(need));

        if (b != NULL) {
            *b = (struct bsend_blk) { .pool = p, .size = need, .busy = true };
        }
        return b;
    }
    for (struct bsend_blk *b = p->first; b != NULL; b = b->next) {
        if (b->busy || b->size < need) {
            continue;
        }
        if (b->size - need >= sizeof(struct bsend_blk) + BSEND_ALIGN) {
            struct bsend_blk *rest = (struct bsend_blk *) ((char *) b + need);

            *rest = (struct bsend_blk) { .next = b->next, .pool = p, .size = b->size - need };
            b->next = rest;
            b->size = need;
        }
        b->busy = true;
        return b;
    }
    return NULL;
}

/* The pool has nothing in flight any more: complete its iflush requests. */
static void bsend_wake(struct bsend_pool *p)
{
    while (p->waiters != NULL) {
        struct bsend_waiter *w = p->waiters;

        p->waiters = w->next;
        kr_req_complete(kr_api.pt, w->req);
        free(w);
    }
}

/* The send of a buffered message completed (from progress): give its block back and merge
 * free neighbours. */
static void bsend_done(struct kr_req *req)
{
    struct bsend_blk *blk = kr_container_of(req, struct bsend_blk, req);
    struct bsend_pool *p = blk->pool;

    p->inflight--;
    if (p->automatic) {
        free(blk);
    } else {
        blk->busy = false;
        for (struct bsend_blk *b = p->first; b != NULL; b = b->next) {
            while (!b->busy && b->next != NULL && !b->next->busy) {
                b->size += b->next->size;
                b->next = b->next->next;
            }
        }
    }
    if (p->inflight == 0) {
        bsend_wake(p);
    }
}

static size_t bsend_free_bytes(const struct bsend_pool *p)
{
    size_t best = 0;

    for (const struct bsend_blk *b = p->first; b != NULL; b = b->next) {
        if (!b->busy && b->size > best) {
            best = b->size;
        }
    }
    return best > sizeof(struct bsend_blk) ? best - sizeof(struct bsend_blk) : 0;
}

int kr_api_bsend(const char *call, struct kr_comm *comm, const void *buf, MPI_Count count,
                 struct kr_dt *dt, int dest, int tag)
{
    /* the communicator's buffer first, then its session's or the process's (MPI-4.1 3.6) */
    struct bsend_pool *p = comm->bsend;
    size_t len = kr_dt_packed_size(dt, (size_t) count);
    struct bsend_blk *blk;
    int ret;

    if (p == NULL && comm->session != 0) {
        p = kr_api_session_bsend(comm->session);
    }
    if (p == NULL) {
        p = &bsend_proc;
    }
    if (p->user == NULL) {
        return kr_api_error(comm, MPI_ERR_BUFFER, "%s: no buffer is attached (call "
                            "MPI_Buffer_attach or MPI_Comm_attach_buffer first)", call);
    }
    blk = bsend_alloc(p, len);
    if (blk == NULL) {
        return kr_api_error(comm, MPI_ERR_BUFFER,
                            "%s: the attached %s buffer has room for %zu "
                            "bytes but this message needs %zu (each buffered message also "
                            "needs MPI_BSEND_OVERHEAD = %d bytes; attach a larger buffer)",
                            call,
                            p == &bsend_proc   ? "process's"
                            : p == comm->bsend ? "communicator's"
                                               : "session's",
                            bsend_free_bytes(p), len, MPI_BSEND_OVERHEAD);
    }
    /* The copy is the message packed: it travels as plain bytes. */
    kr_dt_pack(dt, (size_t) count, buf, 0, blk->data, len);
    kr_req_init(&blk->req, KR_REQ_SEND);
    blk->req.done_cb = bsend_done;
    p->inflight++;
    ret = kr_api_send_start(call, comm, &blk->req, blk->data, (MPI_Count) len,
                            kr_dt_from_handle(MPI_BYTE), dest, tag, KR_SEND_STANDARD);
    if (ret != MPI_SUCCESS) {
        bsend_done(&blk->req);
    }
    return ret;
}

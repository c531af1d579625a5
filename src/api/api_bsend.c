/* Buffered sends: MPI_Buffer_attach/detach and the allocator that places each buffered
 * message, with its bookkeeping, in the user's buffer. A buffered send copies the message,
 * starts an ordinary send from the copy and returns; the space comes back when that send
 * completes. Every message needs MPI_BSEND_OVERHEAD bytes beyond its data, as the standard
 * tells users to budget. */
#include "config.h"

#include "api_req_int.h"

#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BSEND_ALIGN 64

/*
 * A block of the attached buffer. Blocks tile the buffer in address order (`next`); a busy
 * block holds one message in flight and the request that sends it, then its data.
 */
struct bsend_blk {
    struct bsend_blk *next;
    size_t size;                /* bytes of the block, header included */
    bool busy;
    struct kr_req req;          /* the send of this block's message */
    alignas(BSEND_ALIGN) unsigned char data[];
};

_Static_assert(sizeof(struct bsend_blk) <= MPI_BSEND_OVERHEAD,
               "a buffered message's bookkeeping must fit in MPI_BSEND_OVERHEAD");

static struct bsend_pool {
    void *user;                 /* what the user attached (MPI_BUFFER_AUTOMATIC too) */
    MPI_Count user_size;
    struct bsend_blk *first;    /* NULL for MPI_BUFFER_AUTOMATIC */
    bool automatic;             /* each message gets its own heap block */
    int inflight;
} bsend;

static size_t bsend_round(size_t n)
{
    return (n + BSEND_ALIGN - 1) & ~(size_t) (BSEND_ALIGN - 1);
}

static int bsend_attach(const char *call, void *buffer, MPI_Count size)
{
    uintptr_t start, end;

    kr_api_check_running(call);
    if (bsend.user != NULL) {
        return kr_api_error(NULL, MPI_ERR_BUFFER, "%s: a buffer is already attached (detach it "
                            "first)", call);
    }
    if (buffer == MPI_BUFFER_AUTOMATIC) {
        bsend = (struct bsend_pool) { .user = buffer, .automatic = true };
        return MPI_SUCCESS;
    }
    if (size < 0 || (buffer == NULL && size > 0)) {
        return kr_api_error(NULL, size < 0 ? MPI_ERR_COUNT : MPI_ERR_BUFFER,
                            "%s: %s", call, size < 0 ? "size is negative" : "buffer is NULL");
    }
    bsend = (struct bsend_pool) { .user = buffer, .user_size = size };
    start = ((uintptr_t) buffer + BSEND_ALIGN - 1) & ~(uintptr_t) (BSEND_ALIGN - 1);
    end = (uintptr_t) buffer + (uintptr_t) size;
    if (end > start && end - start >= sizeof(struct bsend_blk) + BSEND_ALIGN) {
        bsend.first = (struct bsend_blk *) start;
        *bsend.first = (struct bsend_blk) { .size = (end - start) & ~(uintptr_t) (BSEND_ALIGN - 1) };
    }
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Buffer_attach)
int PMPI_Buffer_attach(void *buffer, int size)
{
    return bsend_attach("MPI_Buffer_attach", buffer, size);
}

KR_WEAK_ALIAS(Buffer_attach_c)
int PMPI_Buffer_attach_c(void *buffer, MPI_Count size)
{
    return bsend_attach("MPI_Buffer_attach_c", buffer, size);
}

static bool bsend_idle(void *arg)
{
    (void) arg;
    return bsend.inflight == 0;
}

/* Wait for every buffered message to leave, then hand the buffer back. */
static int bsend_detach(const char *call, void *buffer_addr, MPI_Count *size)
{
    int ret;

    kr_api_check_running(call);
    if (buffer_addr == NULL || size == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: %s is NULL", call,
                            buffer_addr == NULL ? "buffer_addr" : "size");
    }
    ret = kr_pt2pt_wait_until(kr_api.pt, bsend_idle, NULL);
    if (ret != 0) {
        return kr_api_fail(NULL, call, ret);
    }
    *(void **) buffer_addr = bsend.user;
    *size = bsend.user_size;
    bsend = (struct bsend_pool) { 0 };
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Buffer_detach)
int PMPI_Buffer_detach(void *buffer_addr, int *size)
{
    MPI_Count n = 0;
    int ret = bsend_detach("MPI_Buffer_detach", buffer_addr, size != NULL ? &n : NULL);

    if (ret == MPI_SUCCESS) {
        *size = n > INT32_MAX ? INT32_MAX : (int) n;
    }
    return ret;
}

KR_WEAK_ALIAS(Buffer_detach_c)
int PMPI_Buffer_detach_c(void *buffer_addr, MPI_Count *size)
{
    return bsend_detach("MPI_Buffer_detach_c", buffer_addr, size);
}

KR_WEAK_ALIAS(Buffer_flush)
int PMPI_Buffer_flush(void)
{
    int ret;

    kr_api_check_running("MPI_Buffer_flush");
    ret = kr_pt2pt_wait_until(kr_api.pt, bsend_idle, NULL);
    return ret == 0 ? MPI_SUCCESS : kr_api_fail(NULL, "MPI_Buffer_flush", ret);
}

/* First fit in address order; the rest of a large free block becomes a block of its own. */
static struct bsend_blk *bsend_alloc(size_t data)
{
    size_t need = sizeof(struct bsend_blk) + bsend_round(data);

    if (bsend.automatic) {
        struct bsend_blk *b = aligned_alloc(BSEND_ALIGN, bsend_round(need));

        if (b != NULL) {
            *b = (struct bsend_blk) { .size = need, .busy = true };
        }
        return b;
    }
    for (struct bsend_blk *b = bsend.first; b != NULL; b = b->next) {
        if (b->busy || b->size < need) {
            continue;
        }
        if (b->size - need >= sizeof(struct bsend_blk) + BSEND_ALIGN) {
            struct bsend_blk *rest = (struct bsend_blk *) ((char *) b + need);

            *rest = (struct bsend_blk) { .next = b->next, .size = b->size - need };
            b->next = rest;
            b->size = need;
        }
        b->busy = true;
        return b;
    }
    return NULL;
}

/* The send of a buffered message completed (from progress): give its block back and merge
 * free neighbours. */
static void bsend_done(struct kr_req *req)
{
    struct bsend_blk *blk = kr_container_of(req, struct bsend_blk, req);

    bsend.inflight--;
    if (bsend.automatic) {
        free(blk);
        return;
    }
    blk->busy = false;
    for (struct bsend_blk *b = bsend.first; b != NULL; b = b->next) {
        while (!b->busy && b->next != NULL && !b->next->busy) {
            b->size += b->next->size;
            b->next = b->next->next;
        }
    }
}

static size_t bsend_free_bytes(void)
{
    size_t best = 0;

    for (struct bsend_blk *b = bsend.first; b != NULL; b = b->next) {
        if (!b->busy && b->size > best) {
            best = b->size;
        }
    }
    return best > sizeof(struct bsend_blk) ? best - sizeof(struct bsend_blk) : 0;
}

int kr_api_bsend(const char *call, struct kr_comm *comm, const void *buf, MPI_Count count,
                 struct kr_dt *dt, int dest, int tag)
{
    size_t len = kr_dt_packed_size(dt, (size_t) count);
    struct bsend_blk *blk;
    int ret;

    if (bsend.user == NULL) {
        return kr_api_error(comm, MPI_ERR_BUFFER, "%s: no buffer is attached (call "
                            "MPI_Buffer_attach first)", call);
    }
    blk = bsend_alloc(len);
    if (blk == NULL) {
        return kr_api_error(comm, MPI_ERR_BUFFER, "%s: the attached buffer has room for %zu "
                            "bytes but this message needs %zu (each buffered message also "
                            "needs MPI_BSEND_OVERHEAD = %d bytes; attach a larger buffer)",
                            call, bsend_free_bytes(), len, MPI_BSEND_OVERHEAD);
    }
    /* The copy is the message packed: it travels as plain bytes. */
    kr_dt_pack(dt, (size_t) count, buf, 0, blk->data, len);
    kr_req_init(&blk->req, KR_REQ_SEND);
    blk->req.done_cb = bsend_done;
    bsend.inflight++;
    ret = kr_api_send_start(call, comm, &blk->req, blk->data, (MPI_Count) len,
                            kr_dt_from_handle(MPI_BYTE), dest, tag, KR_SEND_STANDARD);
    if (ret != MPI_SUCCESS) {
        bsend_done(&blk->req);
    }
    return ret;
}

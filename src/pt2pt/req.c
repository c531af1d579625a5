/* Request pool and completion. */
#include "config.h"

#include "pt2pt_int.h"

#include <stdlib.h>
#include <string.h>

#define REQ_CHUNK 64

struct pt2pt_req_chunk {
    struct pt2pt_req_chunk *next;
    struct kr_req reqs[REQ_CHUNK];
};

void kr_req_init(struct kr_req *req, enum kr_req_kind kind)
{
    memset(req, 0, sizeof(*req));
    req->kind = (uint8_t) kind;
    kr_list_init(&req->link);
}

/* Requests come from chunks that are only returned to malloc when the engine goes: a job that
 * once had tens of thousands in flight keeps them for reuse. */
struct kr_req *kr_req_alloc(struct kr_pt2pt *pt)
{
    struct kr_req *req = pt->pool;

    if (req == NULL) {
        struct pt2pt_req_chunk *chunk = malloc(sizeof(*chunk));

        if (chunk == NULL) {
            return NULL;
        }
        chunk->next = pt->chunks;
        pt->chunks = chunk;
        for (int i = 1; i < REQ_CHUNK; i++) {
            chunk->reqs[i].pool_next = pt->pool;
            pt->pool = &chunk->reqs[i];
        }
        req = &chunk->reqs[0];
    } else {
        pt->pool = req->pool_next;
    }
    kr_req_init(req, KR_REQ_OTHER);
    req->flags = KR_REQ_F_POOLED;
    req->magic = KR_REQ_MAGIC;
    return req;
}

void kr_req_release(struct kr_pt2pt *pt, struct kr_req *req)
{
    if ((req->flags & KR_REQ_F_POOLED) == 0) {
        return;
    }
    req->magic = 0;
    req->pool_next = pt->pool;
    pt->pool = req;
}

void kr_req_finish(struct kr_pt2pt *pt, struct kr_req *req)
{
    /* Read before the callback: it may hand the request's memory back to its owner. */
    bool recycle = (req->flags & KR_REQ_F_FREE_ON_DONE) != 0;

    if ((req->flags & KR_REQ_F_RNDV) != 0) {
        req->flags &= (uint16_t) ~KR_REQ_F_RNDV;
        pt->peers[req->peer].rndv_out--;
    }
    if (req->exposed != NULL) {
        /* A send whose buffer the peer could read: the peer has finished with it. */
        struct pt2pt_peer *peer = &pt->peers[req->peer];

        peer->tp->ops->rndv_unexpose(peer->ep, req->exposed);
        req->exposed = NULL;
    }
    req->state = PT2PT_ST_IDLE;
    req->done = 1;
    if (req->done_cb != NULL) {
        req->done_cb(req);
    }
    if (recycle) {
        kr_req_release(pt, req);
    }
}

void kr_req_set_layout(struct kr_req *req, const struct kr_layout_ops *ops, const void *type,
                       size_t count)
{
    req->lay = (struct kr_layout) { ops, type, count };
}

void kr_req_complete(struct kr_pt2pt *pt, struct kr_req *req)
{
    kr_req_finish(pt, req);
}

void kr_req_pool_free(struct kr_pt2pt *pt)
{
    while (pt->chunks != NULL) {
        struct pt2pt_req_chunk *next = pt->chunks->next;

        free(pt->chunks);
        pt->chunks = next;
    }
    pt->pool = NULL;
}

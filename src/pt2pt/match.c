/* Matching: per context, posted receives and unexpected messages binned by source, plus the
 * ANY_SOURCE receives and an arrival-order list for ANY_SOURCE lookups. MPI's non-overtaking
 * rule holds because each transport delivers one sender's messages in order and both queues
 * keep that order. */
#include "config.h"

#include "pt2pt_int.h"

#include "util/log.h"

#include <errno.h>
#include <stdlib.h>

static bool match_tag(int want, int tag)
{
    return want == KR_ANY_TAG || want == tag;
}

struct pt2pt_match_ctx *kr_match_ctx_get(struct kr_pt2pt *pt, uint32_t ctx)
{
    struct pt2pt_match_ctx *mc = pt->ctxs[ctx];

    if (mc != NULL) {
        return mc;
    }
    mc = calloc(1, sizeof(*mc));
    if (mc == NULL) {
        return NULL;
    }
    mc->bins = calloc((size_t) pt->size, sizeof(*mc->bins));
    if (mc->bins == NULL) {
        free(mc);
        return NULL;
    }
    kr_list_init(&mc->posted_any);
    kr_list_init(&mc->unexp_all);
    pt->ctxs[ctx] = mc;
    return mc;
}

static struct pt2pt_bin *match_bin(struct pt2pt_match_ctx *mc, int src)
{
    struct pt2pt_bin *b = mc->bins[src];

    if (b == NULL) {
        b = malloc(sizeof(*b));
        if (b == NULL) {
            return NULL;
        }
        kr_list_init(&b->posted);
        kr_list_init(&b->unexp);
        mc->bins[src] = b;
    }
    return b;
}

static struct kr_req *match_first_posted(struct kr_list *head, int tag)
{
    struct kr_list *pos, *tmp;

    kr_list_for_each_safe(pos, tmp, head) {
        struct kr_req *r = kr_container_of(pos, struct kr_req, link);

        if (match_tag(r->tag, tag)) {
            return r;
        }
    }
    return NULL;
}

/* The earliest-posted receive that matches a message from `src` with `tag`, dequeued. */
struct kr_req *kr_match_posted_take(struct pt2pt_match_ctx *mc, int src, int tag)
{
    struct pt2pt_bin *b = mc->bins[src];
    struct kr_req *r1 = b != NULL ? match_first_posted(&b->posted, tag) : NULL;
    struct kr_req *r2 = match_first_posted(&mc->posted_any, tag);
    struct kr_req *r;

    if (r1 == NULL) {
        r = r2;
    } else if (r2 == NULL) {
        r = r1;
    } else {
        r = r1->seq < r2->seq ? r1 : r2;
    }
    if (r != NULL) {
        kr_list_del(&r->link);
    }
    return r;
}

int kr_match_posted_add(struct pt2pt_match_ctx *mc, struct kr_req *req)
{
    struct kr_list *q = &mc->posted_any;

    if (req->src != KR_ANY_SOURCE) {
        struct pt2pt_bin *b = match_bin(mc, req->src);

        if (b == NULL) {
            return -ENOMEM;
        }
        q = &b->posted;
    }
    req->seq = mc->next_seq++;
    kr_list_push_back(q, &req->link);
    return 0;
}

struct pt2pt_unexp *kr_match_unexp_find(struct pt2pt_match_ctx *mc, int src, int tag)
{
    struct kr_list *pos, *tmp;

    if (src == KR_ANY_SOURCE) {
        kr_list_for_each_safe(pos, tmp, &mc->unexp_all) {
            struct pt2pt_unexp *u = kr_container_of(pos, struct pt2pt_unexp, all);

            if (match_tag(tag, u->tag)) {
                return u;
            }
        }
        return NULL;
    }
    if (mc->bins[src] == NULL) {
        return NULL;
    }
    kr_list_for_each_safe(pos, tmp, &mc->bins[src]->unexp) {
        struct pt2pt_unexp *u = kr_container_of(pos, struct pt2pt_unexp, by_src);

        if (match_tag(tag, u->tag)) {
            return u;
        }
    }
    return NULL;
}

int kr_match_unexp_add(struct pt2pt_match_ctx *mc, struct pt2pt_unexp *u)
{
    struct pt2pt_bin *b = match_bin(mc, u->src);

    if (b == NULL) {
        return -ENOMEM;
    }
    kr_list_push_back(&mc->unexp_all, &u->all);
    kr_list_push_back(&b->unexp, &u->by_src);
    KR_LOG_DBG(MATCH, "unexpected src %d tag %d len %zu queued", u->src, u->tag, u->len);
    return 0;
}

void kr_match_unexp_remove(struct pt2pt_unexp *u)
{
    kr_list_del(&u->all);
    kr_list_del(&u->by_src);
}

void kr_match_ctx_free(struct pt2pt_match_ctx *mc, int nbins)
{
    struct kr_list *pos, *tmp;

    kr_list_for_each_safe(pos, tmp, &mc->unexp_all) {
        struct pt2pt_unexp *u = kr_container_of(pos, struct pt2pt_unexp, all);

        kr_match_unexp_remove(u);
        free(u);
    }
    for (int i = 0; i < nbins; i++) {
        free(mc->bins[i]);
    }
    free(mc->bins);
    free(mc);
}

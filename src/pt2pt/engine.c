/* Engine lifetime and wiring: peers, routes to transports, context release. */
#include "config.h"

#include "pt2pt_int.h"

#include <errno.h>
#include <stdlib.h>

int kr_pt2pt_create(int rank, int size, struct kr_pt2pt **pt_out)
{
    struct kr_pt2pt *pt = calloc(1, sizeof(*pt));

    if (pt == NULL) {
        return -ENOMEM;
    }
    pt->peers = calloc((size_t) size, sizeof(*pt->peers));
    if (pt->peers == NULL) {
        free(pt);
        return -ENOMEM;
    }
    for (int i = 0; i < size; i++) {
        kr_list_init(&pt->peers[i].ctrlq);
        kr_list_init(&pt->peers[i].sendq);
        kr_list_init(&pt->peers[i].busy_link);
    }
    pt->rank = rank;
    pt->size = size;
    /* Every sender may fill its share of the unexpected-message budget, never less than a
     * few eager messages' worth. */
    pt->credit_limit = (int64_t) (kr_pt2pt_unexp_limit / (size_t) (size > 1 ? size - 1 : 1));
    if (pt->credit_limit < 64 * 1024) {
        pt->credit_limit = 64 * 1024;
    }
    for (int i = 0; i < size; i++) {
        pt->peers[i].credit = pt->credit_limit;
    }
    kr_list_init(&pt->busy);
    kr_list_init(&pt->coop);
    kr_list_init(&pt->pulls);
    *pt_out = pt;
    return 0;
}

void kr_pt2pt_destroy(struct kr_pt2pt *pt)
{
    if (pt == NULL) {
        return;
    }
    for (uint32_t c = 0; c < KR_CTX_MAX; c++) {
        kr_pt2pt_ctx_release(pt, c);
    }
    for (int i = 0; i < pt->size; i++) {
        struct kr_list *pos, *tmp;

        kr_list_for_each_safe(pos, tmp, &pt->peers[i].ctrlq) {
            kr_list_del(pos);
            free(kr_container_of(pos, struct pt2pt_ctrl, link));
        }
    }
    kr_req_pool_free(pt);
    kr_proto_unexp_cells_free(pt);
    free(pt->peers);
    free(pt);
}

void kr_pt2pt_tport_cb(struct kr_pt2pt *pt, struct kr_tport_cb *cb_out)
{
    cb_out->ctx = pt;
    cb_out->recv = kr_proto_recv_cb;
}

int kr_pt2pt_add_tport(struct kr_pt2pt *pt, struct kr_tport *tp)
{
    if (pt->ntports == (int) (sizeof(pt->tports) / sizeof(pt->tports[0]))) {
        return -ENOSPC;
    }
    pt->tports[pt->ntports++] = tp;
    if (tp->ops == &kr_loop_tport_ops || tp->ops->wait == NULL) {
        return 0;
    }
    /* The first transport that can sleep is slept in; a later one with events of its own
     * (sockets) watches them from a helper thread and kicks the sleeper, so a waiting rank
     * sleeps on both at once. Without a second one nothing of this costs anything. */
    if (pt->sleeper == NULL) {
        pt->sleeper = tp;
    } else if (pt->watcher == NULL && tp->ops->watch != NULL && pt->sleeper->ops->kick != NULL) {
        pt->watcher = tp;
    }
    return 0;
}

void kr_pt2pt_set_route(struct kr_pt2pt *pt, int peer, struct kr_tport *tp)
{
    pt->peers[peer].tp = tp;
    pt->peers[peer].ep = NULL;
}

struct kr_tport *kr_pt2pt_route(const struct kr_pt2pt *pt, int peer)
{
    return pt->peers[peer].tp;
}

void kr_pt2pt_set_oversubscribed(struct kr_pt2pt *pt, bool oversubscribed)
{
    pt->oversubscribed = oversubscribed;
}

bool kr_pt2pt_oversubscribed(const struct kr_pt2pt *pt)
{
    return pt->oversubscribed;
}

int kr_pt2pt_rank(const struct kr_pt2pt *pt)
{
    return pt->rank;
}

void kr_pt2pt_ctx_release(struct kr_pt2pt *pt, uint32_t ctx)
{
    if (ctx < KR_CTX_MAX && pt->ctxs[ctx] != NULL) {
        kr_match_ctx_free(pt->ctxs[ctx], pt->size);
        pt->ctxs[ctx] = NULL;
    }
}

void kr_pt2pt_stats_get(const struct kr_pt2pt *pt, struct kr_pt2pt_stats *out)
{
    out->unexpected = pt->unexp_msgs;
    out->rndv_sends = 0;
    for (int i = 0; i < pt->size; i++) {
        out->rndv_sends += pt->peers[i].rndv_sends;
    }
}

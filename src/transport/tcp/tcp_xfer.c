/* The bulk transfers a rank receives from one peer, by id: a window of large messages keeps
 * dozens open at once, and the engine asks about each of them on every progress call, so a
 * lookup must not walk a list (a 64-message window spent 10% of the receiver's time there). */
#include "config.h"

#include "tcp_int.h"

#include <errno.h>
#include <stdlib.h>

static struct tcp_xfer **tcp_xfer_bucket(struct tcp_tep *ep, uint32_t id)
{
    return &ep->xtab[id % TCP_XFER_BUCKETS];
}

int kr_tcp_xfer_open(struct tcp_tep *ep, unsigned char *dst, uint64_t len,
                     struct tcp_xfer **x_out)
{
    struct tcp_xfer *x, **b;

    if (ep->xtab == NULL) {
        ep->xtab = calloc(TCP_XFER_BUCKETS, sizeof(*ep->xtab));
        if (ep->xtab == NULL) {
            return -ENOMEM;
        }
    }
    x = calloc(1, sizeof(*x));
    if (x == NULL) {
        return -ENOMEM;
    }
    x->id = ep->next_xfer++ & TCP_XFER_ID_MASK;
    x->dst = dst;
    x->len = len;
    b = tcp_xfer_bucket(ep, x->id);
    x->next = *b;
    *b = x;
    ep->xfers_waiting++;
    *x_out = x;
    return 0;
}

struct tcp_xfer *kr_tcp_xfer_find(struct tcp_tep *ep, uint32_t id)
{
    if (ep->xtab == NULL) {
        return NULL;
    }
    for (struct tcp_xfer *x = *tcp_xfer_bucket(ep, id); x != NULL; x = x->next) {
        if (x->id == id) {
            return x;
        }
    }
    return NULL;
}

void kr_tcp_xfer_drop(struct tcp_tep *ep, struct tcp_xfer *x)
{
    for (struct tcp_xfer **p = tcp_xfer_bucket(ep, x->id); *p != NULL; p = &(*p)->next) {
        if (*p == x) {
            *p = x->next;
            ep->xfers_waiting -= !x->landed;
            free(x);
            return;
        }
    }
}

void kr_tcp_xfer_fail_all(struct tcp_tep *ep, int err)
{
    for (int i = 0; ep->xtab != NULL && i < TCP_XFER_BUCKETS; i++) {
        for (struct tcp_xfer *x = ep->xtab[i]; x != NULL; x = x->next) {
            x->error = err;
        }
    }
}

void kr_tcp_xfer_free_all(struct tcp_tep *ep)
{
    for (int i = 0; ep->xtab != NULL && i < TCP_XFER_BUCKETS; i++) {
        while (ep->xtab[i] != NULL) {
            struct tcp_xfer *x = ep->xtab[i];

            ep->xtab[i] = x->next;
            free(x);
        }
    }
    free(ep->xtab);
    ep->xtab = NULL;
    ep->xfers_waiting = 0;
}

/* The memory registration cache: held registrations of exact ranges, least recently used
 * first out, in-use entries never evicted. Registration itself is a callback, so the logic
 * is tested without a provider (test_ofi.c). */
#include "config.h"

#include "ofi_int.h"

#include <errno.h>
#include <stdlib.h>

void kr_ofi_mr_cache_init(struct ofi_mr_cache *mc, int max,
                          int (*reg)(void *ctx, void *addr, size_t len, void **handle_out),
                          void (*dereg)(void *ctx, void *handle), void *ctx)
{
    mc->head = mc->tail = NULL;
    mc->count = 0;
    mc->max = max < 0 ? 0 : max;
    mc->reg = reg;
    mc->dereg = dereg;
    mc->ctx = ctx;
    mc->hits = mc->misses = 0;
}

static void ofi_mr_unlink(struct ofi_mr_cache *mc, struct ofi_mr_entry *e)
{
    if (e->prev != NULL) {
        e->prev->next = e->next;
    } else {
        mc->head = e->next;
    }
    if (e->next != NULL) {
        e->next->prev = e->prev;
    } else {
        mc->tail = e->prev;
    }
    e->prev = e->next = NULL;
    mc->count--;
}

static void ofi_mr_push_front(struct ofi_mr_cache *mc, struct ofi_mr_entry *e)
{
    e->prev = NULL;
    e->next = mc->head;
    if (mc->head != NULL) {
        mc->head->prev = e;
    } else {
        mc->tail = e;
    }
    mc->head = e;
    mc->count++;
}

static void ofi_mr_release(struct ofi_mr_cache *mc, struct ofi_mr_entry *e)
{
    mc->dereg(mc->ctx, e->handle);
    free(e);
}

/* Make room for one more: evict idle entries from the cold end while at the limit. */
static void ofi_mr_evict(struct ofi_mr_cache *mc)
{
    struct ofi_mr_entry *e = mc->tail;

    while (e != NULL && mc->count >= mc->max) {
        struct ofi_mr_entry *prev = e->prev;

        if (e->refs == 0) {
            ofi_mr_unlink(mc, e);
            ofi_mr_release(mc, e);
        }
        e = prev;
    }
}

int kr_ofi_mr_get(struct ofi_mr_cache *mc, void *addr, size_t len, struct ofi_mr_entry **e_out)
{
    struct ofi_mr_entry *e;
    int ret;

    for (e = mc->head; e != NULL; e = e->next) {
        if (e->addr == (uintptr_t) addr && e->len == len) {
            ofi_mr_unlink(mc, e);
            ofi_mr_push_front(mc, e);
            e->refs++;
            mc->hits++;
            *e_out = e;
            return 0;
        }
    }
    mc->misses++;
    e = calloc(1, sizeof(*e));
    if (e == NULL) {
        return -ENOMEM;
    }
    ret = mc->reg(mc->ctx, addr, len, &e->handle);
    if (ret != 0) {
        free(e);
        return ret;
    }
    e->addr = (uintptr_t) addr;
    e->len = len;
    e->refs = 1;
    ofi_mr_evict(mc);
    ofi_mr_push_front(mc, e);
    *e_out = e;
    return 0;
}

void kr_ofi_mr_put(struct ofi_mr_cache *mc, struct ofi_mr_entry *e)
{
    if (--e->refs > 0) {
        return;
    }
    if (mc->max == 0 || mc->count > mc->max) {
        ofi_mr_unlink(mc, e);
        ofi_mr_release(mc, e);
    }
}

void kr_ofi_mr_cache_fini(struct ofi_mr_cache *mc)
{
    while (mc->head != NULL) {
        struct ofi_mr_entry *e = mc->head;

        ofi_mr_unlink(mc, e);
        ofi_mr_release(mc, e);
    }
}

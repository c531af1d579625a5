/* Intrusive circular doubly-linked list: the node lives inside the object, so queuing never
 * allocates. An empty list's head points at itself. */
#ifndef KR_UTIL_LIST_H
#define KR_UTIL_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct kr_list {
    struct kr_list *next, *prev;
};

#define KR_LIST_INIT(name) { &(name), &(name) }

#define kr_container_of(ptr, type, member) \
    ((type *) (void *) ((char *) (ptr) - offsetof(type, member)))

static inline void kr_list_init(struct kr_list *h)
{
    h->next = h;
    h->prev = h;
}

static inline bool kr_list_empty(const struct kr_list *h)
{
    return h->next == h;
}

static inline void kr_list_insert_between(struct kr_list *n, struct kr_list *prev,
                                          struct kr_list *next)
{
    n->prev = prev;
    n->next = next;
    prev->next = n;
    next->prev = n;
}

static inline void kr_list_push_back(struct kr_list *h, struct kr_list *n)
{
    kr_list_insert_between(n, h->prev, h);
}

static inline void kr_list_push_front(struct kr_list *h, struct kr_list *n)
{
    kr_list_insert_between(n, h, h->next);
}

static inline void kr_list_del(struct kr_list *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->next = n;
    n->prev = n;
}

#define kr_list_first(h, type, member) \
    (kr_list_empty(h) ? NULL : kr_container_of((h)->next, type, member))

/* Iterate; safe against removal of the current node. */
#define kr_list_for_each_safe(pos, tmp, h) \
    for ((pos) = (h)->next, (tmp) = (pos)->next; (pos) != (h); (pos) = (tmp), (tmp) = (pos)->next)

#endif /* KR_UTIL_LIST_H */

/* The table that gives user handles, which are addresses, the small integers Fortran (and
 * MPI_X_c2f) needs: slots indexed by the integer, and a hash from address to slot. */
#include "config.h"

#include "api.h"

#include <errno.h>
#include <stdlib.h>

#define HTAB_GEN_MASK 0x1ffu /* 31 - KR_API_FINT_SLOT_BITS bits of generation */
#define HTAB_SLOT_MASK ((1u << KR_API_FINT_SLOT_BITS) - 1)
#define HTAB_MIN_SLOTS 64u
#define HTAB_MIN_BUCKETS 128u

/* One slot: the object it stands for, or the next free slot when it stands for none. */
struct kr_api_hslot {
    void *obj;          /* NULL while free */
    uint32_t next_free; /* free slots only: next free slot + 1, 0 = last */
    uint16_t gen;       /* bumped on every free, so old integers stop matching */
    uint8_t kind;       /* enum kr_api_hkind of obj */
};

static uint32_t htab_home(const struct kr_api_htab *t, enum kr_api_hkind kind, const void *obj)
{
    uint64_t x = ((uint64_t) (uintptr_t) obj >> 4) ^ ((uint64_t) kind << 56);

    x *= 0x9e3779b97f4a7c15ULL; /* Fibonacci hashing: the high bits are well mixed */
    return (uint32_t) (x >> 32) & t->hmask;
}

static int htab_fint(const struct kr_api_htab *t, uint32_t slot)
{
    return (int) (((uint32_t) t->slots[slot].gen << KR_API_FINT_SLOT_BITS)
                  | (slot + KR_HANDLE_USER_MIN));
}

/* The bucket holding (kind, obj), or the empty bucket that ends its probe sequence. */
static uint32_t htab_find(const struct kr_api_htab *t, enum kr_api_hkind kind, const void *obj)
{
    uint32_t b = htab_home(t, kind, obj);

    while (t->hash[b] != 0) {
        const struct kr_api_hslot *s = &t->slots[t->hash[b] - 1];

        if (s->obj == obj && s->kind == kind) {
            break;
        }
        b = (b + 1) & t->hmask;
    }
    return b;
}

/* Keep the load factor at or below one half. */
static int htab_hash_grow(struct kr_api_htab *t)
{
    uint32_t nb = t->hmask == 0 ? HTAB_MIN_BUCKETS : (t->hmask + 1) * 2;
    uint32_t *old = t->hash;
    uint32_t *nh;

    nh = calloc(nb, sizeof(*nh));
    if (nh == NULL) {
        return -ENOMEM;
    }
    t->hash = nh;
    t->hmask = nb - 1;
    for (uint32_t i = 0; i < t->nslots; i++) {
        if (t->slots[i].obj != NULL) {
            t->hash[htab_find(t, t->slots[i].kind, t->slots[i].obj)] = i + 1;
        }
    }
    free(old);
    return 0;
}

/* A free slot: a recycled one if there is any, else a new one. */
static int htab_slot_take(struct kr_api_htab *t, uint32_t *slot_out)
{
    struct kr_api_hslot *ns;
    uint32_t cap;

    if (t->free_head != 0) {
        *slot_out = t->free_head - 1;
        t->free_head = t->slots[*slot_out].next_free;
        return 0;
    }
    if (t->nslots == KR_API_FINT_MAX_SLOTS) {
        return -ENOSPC;
    }
    if (t->nslots == t->cap) {
        cap = t->cap == 0 ? HTAB_MIN_SLOTS : t->cap * 2;
        if (cap > KR_API_FINT_MAX_SLOTS) {
            cap = KR_API_FINT_MAX_SLOTS;
        }
        ns = realloc(t->slots, (size_t) cap * sizeof(*ns));
        if (ns == NULL) {
            return -ENOMEM;
        }
        t->slots = ns;
        t->cap = cap;
    }
    t->slots[t->nslots].gen = 0;
    *slot_out = t->nslots++;
    return 0;
}

int kr_api_htab_put(struct kr_api_htab *t, enum kr_api_hkind kind, void *obj)
{
    uint32_t b, slot;
    int ret;

    if (t->hmask != 0) {
        b = htab_find(t, kind, obj);
        if (t->hash[b] != 0) {
            return htab_fint(t, t->hash[b] - 1);
        }
    }
    if ((t->nlive + 1) * 2 > t->hmask + 1) {
        ret = htab_hash_grow(t);
        if (ret != 0) {
            return ret;
        }
    }
    ret = htab_slot_take(t, &slot);
    if (ret != 0) {
        return ret;
    }
    t->slots[slot].obj = obj;
    t->slots[slot].kind = (uint8_t) kind;
    t->slots[slot].next_free = 0;
    t->hash[htab_find(t, kind, obj)] = slot + 1;
    t->nlive++;
    return htab_fint(t, slot);
}

int kr_api_htab_get(const struct kr_api_htab *t, enum kr_api_hkind kind, int fint, void **obj_out)
{
    uint32_t low, slot;
    const struct kr_api_hslot *s;

    if (fint < (int) KR_HANDLE_USER_MIN) {
        return -EINVAL;
    }
    low = (uint32_t) fint & HTAB_SLOT_MASK;
    if (low < KR_HANDLE_USER_MIN || low - KR_HANDLE_USER_MIN >= t->nslots) {
        return -EINVAL;
    }
    slot = low - KR_HANDLE_USER_MIN;
    s = &t->slots[slot];
    if (s->gen != ((uint32_t) fint >> KR_API_FINT_SLOT_BITS) || s->obj == NULL) {
        return -ENOENT;
    }
    if (s->kind != kind) {
        return -EINVAL;
    }
    *obj_out = s->obj;
    return 0;
}

/* Linear probing without tombstones: after emptying bucket `hole`, pull back every later
 * entry of the same run that can no longer be reached from its home bucket. */
static void htab_hash_remove(struct kr_api_htab *t, uint32_t hole)
{
    uint32_t b = hole, home;

    t->hash[hole] = 0;
    for (;;) {
        b = (b + 1) & t->hmask;
        if (t->hash[b] == 0) {
            return;
        }
        home = htab_home(t, t->slots[t->hash[b] - 1].kind, t->slots[t->hash[b] - 1].obj);
        /* the entry stays if its home lies cyclically in (hole, b] */
        if (((b - home) & t->hmask) < ((b - hole) & t->hmask)) {
            continue;
        }
        t->hash[hole] = t->hash[b];
        t->hash[b] = 0;
        hole = b;
    }
}

void kr_api_htab_forget(struct kr_api_htab *t, enum kr_api_hkind kind, const void *obj)
{
    struct kr_api_hslot *s;
    uint32_t b, slot;

    if (t->nlive == 0) {
        return;
    }
    b = htab_find(t, kind, obj);
    if (t->hash[b] == 0) {
        return;
    }
    slot = t->hash[b] - 1;
    htab_hash_remove(t, b);
    s = &t->slots[slot];
    s->obj = NULL;
    s->gen = (uint16_t) ((s->gen + 1) & HTAB_GEN_MASK);
    s->next_free = t->free_head;
    t->free_head = slot + 1;
    t->nlive--;
}

void kr_api_htab_fini(struct kr_api_htab *t)
{
    free(t->slots);
    free(t->hash);
    *t = (struct kr_api_htab){0};
}

/* Groups: ordered sets of job ranks and MPI's algebra on them (inclusion, exclusion, union,
 * intersection, difference, rank translation, comparison). Membership tests sort a copy of
 * one group once and binary-search it, so every operation is O(n log n). */
#include "config.h"

#include "comm.h"

#include "comm_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A group of n members, ranks not filled in yet. */
static struct kr_group *group_alloc(int n)
{
    struct kr_group *g = malloc(sizeof(*g) + sizeof(int) * (size_t) n);

    if (g != NULL) {
        g->magic = KR_GROUP_MAGIC;
        g->refs = 1;
        g->size = n;
        g->session = 0;
    }
    return g;
}

struct kr_group *kr_group_create(const int *ranks, int n)
{
    struct kr_group *g = group_alloc(n);

    if (g != NULL && n > 0) {
        memcpy(g->ranks, ranks, sizeof(int) * (size_t) n);
    }
    return g;
}

void kr_group_retain(struct kr_group *g)
{
    g->refs++;
}

void kr_group_release(struct kr_group *g)
{
    if (--g->refs == 0) {
        g->magic = 0;
        free(g);
    }
}

/* A member's job rank and its rank in the group, sorted by job rank for lookups. */
struct group_ent {
    int job, idx;
};

static int group_ent_cmp(const void *a, const void *b)
{
    const struct group_ent *x = a, *y = b;

    return x->job < y->job ? -1 : (x->job > y->job);
}

/* g's members sorted by job rank (NULL when out of memory; g may be empty). */
static struct group_ent *group_index(const int *ranks, int n)
{
    struct group_ent *e = malloc(sizeof(*e) * (size_t) (n > 0 ? n : 1));

    if (e == NULL) {
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        e[i] = (struct group_ent){ranks[i], i};
    }
    qsort(e, (size_t) n, sizeof(*e), group_ent_cmp);
    return e;
}

/* Rank of `job` in an index of n entries, or KR_GROUP_UNDEFINED. */
static int group_find(const struct group_ent *e, int n, int job)
{
    struct group_ent key = {job, 0};
    const struct group_ent *hit = bsearch(&key, e, (size_t) n, sizeof(*e), group_ent_cmp);

    return hit != NULL ? hit->idx : KR_GROUP_UNDEFINED;
}

int kr_group_rank_of(const struct kr_group *g, int job_rank)
{
    for (int i = 0; i < g->size; i++) {
        if (g->ranks[i] == job_rank) {
            return i;
        }
    }
    return KR_GROUP_UNDEFINED;
}

struct kr_group *kr_group_incl(const struct kr_group *g, const int *ranks, int n)
{
    struct kr_group *ng = group_alloc(n);

    for (int i = 0; ng != NULL && i < n; i++) {
        ng->ranks[i] = g->ranks[ranks[i]];
    }
    return ng;
}

/* The members of `g` whose `drop` flag is not set, in g's order. */
static struct kr_group *group_keep(const struct kr_group *g, const bool *drop)
{
    struct kr_group *ng = group_alloc(g->size);
    int n = 0;

    if (ng == NULL) {
        return NULL;
    }
    for (int i = 0; i < g->size; i++) {
        if (!drop[i]) {
            ng->ranks[n++] = g->ranks[i];
        }
    }
    ng->size = n;
    return ng;
}

struct kr_group *kr_group_excl(const struct kr_group *g, const int *ranks, int n)
{
    bool *drop = calloc((size_t) (g->size > 0 ? g->size : 1), sizeof(bool));
    struct kr_group *ng;

    if (drop == NULL) {
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        drop[ranks[i]] = true;
    }
    ng = group_keep(g, drop);
    free(drop);
    return ng;
}

/* Keep a's members that are (want_in) or are not (!want_in) in b. */
static struct kr_group *group_filter(const struct kr_group *a, const struct kr_group *b,
                                     bool want_in)
{
    struct group_ent *e = group_index(b->ranks, b->size);
    bool *drop = calloc((size_t) (a->size > 0 ? a->size : 1), sizeof(bool));
    struct kr_group *ng = NULL;

    if (e != NULL && drop != NULL) {
        for (int i = 0; i < a->size; i++) {
            bool in = group_find(e, b->size, a->ranks[i]) != KR_GROUP_UNDEFINED;

            drop[i] = in != want_in;
        }
        ng = group_keep(a, drop);
    }
    free(drop);
    free(e);
    return ng;
}

struct kr_group *kr_group_intersection(const struct kr_group *a, const struct kr_group *b)
{
    return group_filter(a, b, true);
}

struct kr_group *kr_group_difference(const struct kr_group *a, const struct kr_group *b)
{
    return group_filter(a, b, false);
}

struct kr_group *kr_group_union(const struct kr_group *a, const struct kr_group *b)
{
    struct kr_group *extra = kr_group_difference(b, a), *ng;

    if (extra == NULL) {
        return NULL;
    }
    ng = group_alloc(a->size + extra->size);
    if (ng != NULL) {
        memcpy(ng->ranks, a->ranks, sizeof(int) * (size_t) a->size);
        memcpy(ng->ranks + a->size, extra->ranks, sizeof(int) * (size_t) extra->size);
    }
    kr_group_release(extra);
    return ng;
}

int kr_group_translate(const struct kr_group *a, const int *in, int n, const struct kr_group *b,
                       int *out)
{
    struct group_ent *e = group_index(b->ranks, b->size);

    if (e == NULL) {
        return -ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        out[i] = in[i] < 0 ? in[i] : group_find(e, b->size, a->ranks[in[i]]);
    }
    free(e);
    return 0;
}

enum kr_comm_cmp kr_comm_ranks_compare(const int *a, int na, const int *b, int nb)
{
    struct group_ent *ea, *eb;
    enum kr_comm_cmp cmp = KR_COMM_SIMILAR;

    if (na != nb) {
        return KR_COMM_UNEQUAL;
    }
    if (na == 0 || memcmp(a, b, sizeof(int) * (size_t) na) == 0) {
        return KR_COMM_IDENT;
    }
    ea = group_index(a, na);
    eb = group_index(b, nb);
    /* out of memory: "unequal" is the answer that promises nothing */
    if (ea == NULL || eb == NULL) {
        cmp = KR_COMM_UNEQUAL;
    }
    for (int i = 0; cmp == KR_COMM_SIMILAR && i < na; i++) {
        if (ea[i].job != eb[i].job) {
            cmp = KR_COMM_UNEQUAL;
        }
    }
    free(ea);
    free(eb);
    return cmp;
}

enum kr_comm_cmp kr_group_compare(const struct kr_group *a, const struct kr_group *b)
{
    return kr_comm_ranks_compare(a->ranks, a->size, b->ranks, b->size);
}

/* Batch allocations as text: Slurm hostlist expressions and per-node counts, PBS nodefiles.
 * Pure functions (no environment, no files), so every corner is unit-tested. */
#include "config.h"

#include "alloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALLOC_NAME_MAX 256
#define ALLOC_DIGITS_MAX 9         /* a range bound fits an int with room for the loop */
#define ALLOC_SLOTS_MAX 1000000

static int alloc_bad(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int alloc_bad(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* A growing array of names. */
struct alloc_names {
    char **v;
    int n;
    int cap;
};

static int alloc_names_push(struct alloc_names *names, const char *name)
{
    if (names->n == names->cap) {
        int cap = names->cap == 0 ? 16 : 2 * names->cap;
        char **v = realloc(names->v, sizeof(*v) * (size_t) cap);

        if (v == NULL) {
            return -ENOMEM;
        }
        names->v = v;
        names->cap = cap;
    }
    names->v[names->n] = strdup(name);
    if (names->v[names->n] == NULL) {
        return -ENOMEM;
    }
    names->n++;
    return 0;
}

static void alloc_names_free(struct alloc_names *names)
{
    for (int i = 0; i < names->n; i++) {
        free(names->v[i]);
    }
    free(names->v);
    memset(names, 0, sizeof(*names));
}

/* What one hostlist item is being expanded in, for messages and limits. */
struct alloc_expand {
    const char *what;              /* "SLURM_JOB_NODELIST" */
    const char *item;              /* the whole item, for messages */
    struct alloc_names *names;
    char *err;
    size_t errlen;
};

/* A decimal bound of at most ALLOC_DIGITS_MAX digits: its value and its width. */
static int alloc_bound(const char *s, size_t len, long *value_out)
{
    long v = 0;

    if (len == 0 || len > ALLOC_DIGITS_MAX) {
        return -EINVAL;
    }
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char) s[i])) {
            return -EINVAL;
        }
        v = v * 10 + (s[i] - '0');
    }
    *value_out = v;
    return 0;
}

static int alloc_expand(struct alloc_expand *x, char *prefix, size_t plen, const char *rest);

/* The bracket group `body` (between '[' and ']', blen bytes): each number of each range,
 * appended to the prefix, then the rest of the item. */
static int alloc_group(struct alloc_expand *x, char *prefix, size_t plen, const char *body,
                       size_t blen, const char *rest)
{
    const char *p = body, *end = body + blen;

    for (;;) {
        const char *comma = memchr(p, ',', (size_t) (end - p));
        const char *stop = comma != NULL ? comma : end;
        const char *dash = memchr(p, '-', (size_t) (stop - p));
        size_t lolen = (size_t) ((dash != NULL ? dash : stop) - p);
        long lo, hi;
        int ret;

        if (alloc_bound(p, lolen, &lo) != 0 ||
            (dash != NULL && alloc_bound(dash + 1, (size_t) (stop - dash - 1), &hi) != 0)) {
            return alloc_bad(x->err, x->errlen, "%s: bad range '%.*s' in '%s' (expected N or "
                             "N-M, decimal)", x->what, (int) (stop - p), p, x->item);
        }
        if (dash == NULL) {
            hi = lo;
        }
        if (hi < lo) {
            return alloc_bad(x->err, x->errlen, "%s: range '%.*s' in '%s' runs backwards",
                             x->what, (int) (stop - p), p, x->item);
        }
        if (hi - lo >= KR_ALLOC_HOSTS_MAX - x->names->n) {
            return alloc_bad(x->err, x->errlen, "%s: more than %d hosts in '%s'", x->what,
                             KR_ALLOC_HOSTS_MAX, x->item);
        }
        for (long v = lo; v <= hi; v++) {
            int n = snprintf(prefix + plen, ALLOC_NAME_MAX - plen, "%0*ld", (int) lolen, v);

            if (n < 0 || plen + (size_t) n >= ALLOC_NAME_MAX) {
                return alloc_bad(x->err, x->errlen, "%s: host name too long in '%s'", x->what,
                                 x->item);
            }
            ret = alloc_expand(x, prefix, plen + (size_t) n, rest);
            if (ret != 0) {
                return ret;
            }
        }
        if (comma == NULL) {
            return 0;
        }
        p = comma + 1;
    }
}

/* Expand `rest` behind the `plen` bytes already in prefix[ALLOC_NAME_MAX]. */
static int alloc_expand(struct alloc_expand *x, char *prefix, size_t plen, const char *rest)
{
    size_t lit = strcspn(rest, "[]");
    const char *close;

    if (plen + lit >= ALLOC_NAME_MAX) {
        return alloc_bad(x->err, x->errlen, "%s: host name too long in '%s'", x->what, x->item);
    }
    memcpy(prefix + plen, rest, lit);
    plen += lit;
    prefix[plen] = '\0';
    if (rest[lit] == '\0') {
        if (plen == 0) {
            return alloc_bad(x->err, x->errlen, "%s: empty host name in '%s'", x->what,
                             x->item);
        }
        return alloc_names_push(x->names, prefix);
    }
    if (rest[lit] == ']') {
        return alloc_bad(x->err, x->errlen, "%s: ']' without '[' in '%s'", x->what, x->item);
    }
    close = strchr(rest + lit + 1, ']');
    if (close == NULL || memchr(rest + lit + 1, '[', (size_t) (close - rest - lit - 1)) != NULL) {
        return alloc_bad(x->err, x->errlen, "%s: unbalanced '[' in '%s'", x->what, x->item);
    }
    return alloc_group(x, prefix, plen, rest + lit + 1, (size_t) (close - rest - lit - 1),
                       close + 1);
}

int kr_alloc_hostlist_expand(const char *expr, const char *what, char ***names_out, int *n_out,
                             char *err, size_t errlen)
{
    struct alloc_names names = { 0 };
    char prefix[ALLOC_NAME_MAX], *item = NULL;
    const char *p = expr;
    int ret = 0;

    while (ret == 0) {
        size_t len = 0;
        int depth = 0;

        /* An item ends at a comma outside brackets. */
        while (p[len] != '\0' && (p[len] != ',' || depth > 0)) {
            depth += p[len] == '[' ? 1 : p[len] == ']' ? -1 : 0;
            len++;
        }
        free(item);
        item = strndup(p, len);
        if (item == NULL) {
            ret = -ENOMEM;
            break;
        }
        if (len == 0 || strspn(item, " \t") == len) {
            ret = alloc_bad(err, errlen, "%s: empty host name in '%s'", what, expr);
            break;
        }
        struct alloc_expand x = { .what = what, .item = item, .names = &names, .err = err,
                                  .errlen = errlen };

        ret = alloc_expand(&x, prefix, 0, item);
        if (p[len] == '\0') {
            break;
        }
        p += len + 1;
    }
    free(item);
    if (ret != 0) {
        alloc_names_free(&names);
        return ret;
    }
    *names_out = names.v;
    *n_out = names.n;
    return 0;
}

/* A positive count of at most ALLOC_SLOTS_MAX. */
static int alloc_count(const char *s, size_t len, int *out)
{
    long v;

    if (alloc_bound(s, len, &v) != 0 || v <= 0 || v > ALLOC_SLOTS_MAX) {
        return -EINVAL;
    }
    *out = (int) v;
    return 0;
}

int kr_alloc_counts_parse(const char *text, const char *what, int n, int *counts, char *err,
                          size_t errlen)
{
    const char *p = text;
    int have = 0;

    for (;;) {
        size_t len = strcspn(p, ",");
        const char *paren = memchr(p, '(', len);
        size_t clen = paren != NULL ? (size_t) (paren - p) : len;
        int count, times = 1;

        if (alloc_count(p, clen, &count) != 0 ||
            (paren != NULL && (len < clen + 4 || paren[1] != 'x' || p[len - 1] != ')' ||
                               alloc_count(paren + 2, len - clen - 3, &times) != 0))) {
            return alloc_bad(err, errlen, "%s: bad entry '%.*s' in '%s' (expected N or N(xM))",
                             what, (int) len, p, text);
        }
        if (times > n - have) {
            return alloc_bad(err, errlen, "%s: '%s' counts more than the %d node%s", what,
                             text, n, n == 1 ? "" : "s");
        }
        for (int i = 0; i < times; i++) {
            counts[have++] = count;
        }
        if (p[len] == '\0') {
            break;
        }
        p += len + 1;
    }
    if (have != n) {
        return alloc_bad(err, errlen, "%s: '%s' counts %d node%s, the node list has %d", what,
                         text, have, have == 1 ? "" : "s", n);
    }
    return 0;
}

static int alloc_host_add(struct kr_alloc *a, const char *name, int slots)
{
    struct kr_alloc_host *hosts;

    for (int i = 0; i < a->nhosts; i++) {
        if (strcmp(a->hosts[i].name, name) == 0) {
            a->hosts[i].slots += slots;
            a->slots += slots;
            return 0;
        }
    }
    hosts = realloc(a->hosts, sizeof(*hosts) * (size_t) (a->nhosts + 1));
    if (hosts == NULL) {
        return -ENOMEM;
    }
    a->hosts = hosts;
    hosts[a->nhosts].name = strdup(name);
    if (hosts[a->nhosts].name == NULL) {
        return -ENOMEM;
    }
    hosts[a->nhosts].slots = slots;
    hosts[a->nhosts].cpus = 0;
    a->nhosts++;
    a->slots += slots;
    return 0;
}

int kr_alloc_slurm(struct kr_alloc *a, const char *nodelist, const char *tasks,
                   const char *cpus, char *err, size_t errlen)
{
    char **names = NULL;
    int *counts = NULL, *ncpus = NULL, n = 0, ret;

    memset(a, 0, sizeof(*a));
    a->kind = KR_ALLOC_SLURM;
    ret = kr_alloc_hostlist_expand(nodelist, "SLURM_JOB_NODELIST", &names, &n, err, errlen);
    if (ret != 0) {
        return ret;
    }
    counts = calloc((size_t) n, sizeof(*counts));
    ncpus = calloc((size_t) n, sizeof(*ncpus));
    ret = counts == NULL || ncpus == NULL
              ? -ENOMEM
              : kr_alloc_counts_parse(tasks, "SLURM_TASKS_PER_NODE", n, counts, err, errlen);
    if (ret == 0 && cpus != NULL) {
        ret = kr_alloc_counts_parse(cpus, "SLURM_JOB_CPUS_PER_NODE", n, ncpus, err, errlen);
    }
    for (int i = 0; ret == 0 && i < n; i++) {
        ret = alloc_host_add(a, names[i], counts[i]);
        if (ret == 0) {
            a->hosts[a->nhosts - 1].cpus = ncpus[i];
        }
    }
    for (int i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
    free(counts);
    free(ncpus);
    if (ret != 0) {
        kr_alloc_free(a);
    }
    return ret;
}

int kr_alloc_pbs_text(struct kr_alloc *a, const char *fname, const char *text, char *err,
                      size_t errlen)
{
    static const char blanks[] = " \t\r\f\v";
    char name[ALLOC_NAME_MAX];
    const char *line = text;
    int ret = 0, lineno = 0;

    memset(a, 0, sizeof(*a));
    a->kind = KR_ALLOC_PBS;
    while (ret == 0 && *line != '\0') {
        size_t len = strcspn(line, "\n");
        const char *h = line + strspn(line, blanks);
        size_t hlen = strcspn(h, " \t\r\f\v\n");
        const char *after = h + hlen + strspn(h + hlen, blanks);

        lineno++;
        if (hlen > 0 && *after != '\n' && *after != '\0') {
            ret = alloc_bad(err, errlen, "%s:%d: one host name per line expected, got '%.*s'",
                            fname, lineno, (int) len, line);
        } else if (hlen >= sizeof(name)) {
            ret = alloc_bad(err, errlen, "%s:%d: host name too long", fname, lineno);
        } else if (hlen > 0) {
            memcpy(name, h, hlen);
            name[hlen] = '\0';
            ret = alloc_host_add(a, name, 1);
        }
        line += len + (line[len] == '\n');
    }
    if (ret == 0 && a->nhosts == 0) {
        ret = alloc_bad(err, errlen, "%s: no hosts in the file", fname);
    }
    if (ret != 0) {
        kr_alloc_free(a);
    }
    return ret;
}

void kr_alloc_free(struct kr_alloc *a)
{
    for (int i = 0; i < a->nhosts; i++) {
        free(a->hosts[i].name);
    }
    free(a->hosts);
    free(a->self);
    memset(a, 0, sizeof(*a));
}

/* The job's hosts: -H lists and hostfiles in the Open MPI ("host slots=4") and MPICH ("host:4")
 * dialects, merged so that each machine appears once, in the order of its first mention. */
#include "config.h"

#include "plan.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PLAN_SLOTS_MAX 1000000

static int plan_bad(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int plan_bad(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* A slot count: a positive decimal integer. */
static int plan_slots(const char *text, size_t len, int *out)
{
    long v = 0;

    if (len == 0 || len > 7) {
        return -EINVAL;
    }
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char) text[i])) {
            return -EINVAL;
        }
        v = v * 10 + (text[i] - '0');
    }
    if (v <= 0 || v > PLAN_SLOTS_MAX) {
        return -EINVAL;
    }
    *out = (int) v;
    return 0;
}

static int plan_host_find(const struct kr_plan *plan, const char *name, bool local)
{
    for (int i = 0; i < plan->nhosts; i++) {
        if (strcasecmp(plan->hosts[i].name, name) == 0 || (local && plan->hosts[i].local)) {
            return i;
        }
    }
    return -1;
}

int kr_plan_host_add(struct kr_plan *plan, const char *name, int slots, const char *where,
                     const struct kr_plan_resolver *res, char *err, size_t errlen)
{
    struct kr_plan_host *hosts;
    char why[256] = "";
    bool local = false;
    int i = plan_host_find(plan, name, false);

    if (i < 0) {
        if (res->resolve(res->arg, name, &local, why, sizeof(why)) != 0) {
            return plan_bad(err, errlen, "%s: unknown host '%s' (%s)", where, name, why);
        }
        i = plan_host_find(plan, name, local);
    }
    plan->hosts_given = true;
    if (i >= 0) {
        plan->hosts[i].slots = plan->hosts[i].slots > PLAN_SLOTS_MAX - slots
                                   ? PLAN_SLOTS_MAX
                                   : plan->hosts[i].slots + slots;
        return 0;
    }
    hosts = realloc(plan->hosts, sizeof(*hosts) * (size_t) (plan->nhosts + 1));
    if (hosts == NULL) {
        return -ENOMEM;
    }
    plan->hosts = hosts;
    hosts[plan->nhosts] = (struct kr_plan_host) { .name = strdup(name), .slots = slots,
                                                  .local = local };
    if (hosts[plan->nhosts].name == NULL) {
        return -ENOMEM;
    }
    plan->nhosts++;
    return 0;
}

/* "name" or "name:slots" (a name with several ':' is an IPv6 address without a count). */
static int plan_host_spec(struct kr_plan *plan, const char *spec, size_t len, const char *where,
                          const struct kr_plan_resolver *res, char *err, size_t errlen)
{
    const char *colon = memchr(spec, ':', len);
    size_t namelen = len;
    char name[256];
    int slots = 1;

    if (colon != NULL && memchr(colon + 1, ':', len - (size_t) (colon + 1 - spec)) == NULL) {
        namelen = (size_t) (colon - spec);
        if (plan_slots(colon + 1, len - namelen - 1, &slots) != 0) {
            return plan_bad(err, errlen, "%s: bad slot count '%.*s' in '%.*s'", where,
                            (int) (len - namelen - 1), colon + 1, (int) len, spec);
        }
    }
    if (namelen == 0) {
        return plan_bad(err, errlen, "%s: empty host name in '%.*s'", where, (int) len, spec);
    }
    if (namelen >= sizeof(name)) {
        return plan_bad(err, errlen, "%s: host name too long: '%.40s...'", where, spec);
    }
    memcpy(name, spec, namelen);
    name[namelen] = '\0';
    return kr_plan_host_add(plan, name, slots, where, res, err, errlen);
}

int kr_plan_parse_hostlist(struct kr_plan *plan, const char *list,
                           const struct kr_plan_resolver *res, char *err, size_t errlen)
{
    const char *p = list;

    if (*p == '\0') {
        return plan_bad(err, errlen, "-H: empty host list");
    }
    for (;;) {
        size_t n = strcspn(p, ",");
        int ret;

        if (n == 0) {
            return plan_bad(err, errlen, "-H: empty host name in '%s'", list);
        }
        ret = plan_host_spec(plan, p, n, "-H", res, err, errlen);
        if (ret != 0) {
            return ret;
        }
        if (p[n] == '\0') {
            return 0;
        }
        p += n + 1;
    }
}

/* One word after the host name on a hostfile line: slots=N or max_slots=N. */
static int plan_hostfile_keyword(const char *word, size_t len, const char *where, int *slots,
                                 int *max_slots, char *err, size_t errlen)
{
    const char *eq = memchr(word, '=', len);
    size_t klen = eq != NULL ? (size_t) (eq - word) : len;
    const char *val = eq != NULL ? eq + 1 : word + len;
    size_t vlen = len - klen - (eq != NULL ? 1 : 0);
    int *dst;

    if (eq != NULL && klen == 5 && strncmp(word, "slots", 5) == 0) {
        dst = slots;
    } else if (eq != NULL && klen == 9 &&
               (strncmp(word, "max_slots", 9) == 0 || strncmp(word, "max-slots", 9) == 0)) {
        dst = max_slots;
    } else {
        return plan_bad(err, errlen, "%s: unknown keyword '%.*s' (expected slots=N or "
                        "max_slots=N)", where, (int) len, word);
    }
    if (*dst > 0) {
        return plan_bad(err, errlen, "%s: %.*s given twice", where, (int) klen, word);
    }
    if (plan_slots(val, vlen, dst) != 0) {
        return plan_bad(err, errlen, "%s: bad %s '%.*s'", where,
                        dst == slots ? "slot count" : "max_slots count", (int) vlen, val);
    }
    return 0;
}

/* One hostfile line without its comment; `where` is "file:line". *nhosts_io counts the lines
 * that name a host. */
static int plan_hostfile_line(struct kr_plan *plan, char *line, const char *where,
                              int *nhosts_io, const struct kr_plan_resolver *res, char *err,
                              size_t errlen)
{
    static const char blanks[] = " \t\r\f\v";
    char *host = line + strspn(line, blanks), *p;
    size_t hlen = strcspn(host, blanks);
    int slots = 0, max_slots = 0, ret;

    if (hlen == 0) {
        return 0;                  /* blank line */
    }
    ++*nhosts_io;
    for (p = host + hlen; *(p += strspn(p, blanks)) != '\0'; p += strcspn(p, blanks)) {
        ret = plan_hostfile_keyword(p, strcspn(p, blanks), where, &slots, &max_slots, err,
                                    errlen);
        if (ret != 0) {
            return ret;
        }
    }
    host[hlen] = '\0';
    if (slots > 0 && strchr(host, ':') != NULL && strchr(host, ':') == strrchr(host, ':')) {
        return plan_bad(err, errlen, "%s: two slot counts for '%s' (write host:N or host "
                        "slots=N)", where, host);
    }
    if (slots > 0 && max_slots > 0 && max_slots < slots) {
        return plan_bad(err, errlen, "%s: max_slots %d is less than slots %d", where, max_slots,
                        slots);
    }
    if (slots > 0) {
        return kr_plan_host_add(plan, host, slots, where, res, err, errlen);
    }
    return plan_host_spec(plan, host, hlen, where, res, err, errlen);
}

int kr_plan_parse_hostfile_text(struct kr_plan *plan, const char *fname, const char *text,
                                const struct kr_plan_resolver *res, char *err, size_t errlen)
{
    char where[PATH_MAX + 32];
    int lineno = 0, nhosts = 0, ret = 0;
    char *copy = strdup(text), *line, *next;

    if (copy == NULL) {
        return -ENOMEM;
    }
    for (line = copy; line != NULL && ret == 0; line = next) {
        next = strchr(line, '\n');
        if (next != NULL) {
            *next++ = '\0';
        }
        line[strcspn(line, "#")] = '\0';
        lineno++;
        snprintf(where, sizeof(where), "%s:%d", fname, lineno);
        ret = plan_hostfile_line(plan, line, where, &nhosts, res, err, errlen);
    }
    free(copy);
    if (ret == 0 && nhosts == 0) {
        ret = plan_bad(err, errlen, "%s: no hosts in the file", fname);
    }
    return ret;
}

int kr_plan_parse_hostfile(struct kr_plan *plan, const char *path,
                           const struct kr_plan_resolver *res, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char *text = NULL;
    size_t len = 0, cap = 0;
    int ret;

    if (f == NULL) {
        return plan_bad(err, errlen, "cannot read hostfile '%s': %s", path, strerror(errno));
    }
    for (;;) {
        if (cap - len < 4096) {
            char *t = realloc(text, cap + 65536);

            if (t == NULL) {
                free(text);
                fclose(f);
                return -ENOMEM;
            }
            text = t;
            cap += 65536;
        }
        size_t n = fread(text + len, 1, cap - len - 1, f);

        len += n;
        if (n == 0) {
            break;
        }
    }
    if (ferror(f)) {
        ret = plan_bad(err, errlen, "cannot read hostfile '%s': %s", path, strerror(errno));
    } else if (memchr(text, '\0', len) != NULL) {
        ret = plan_bad(err, errlen, "%s: not a text file", path);
    } else {
        text[len] = '\0';
        ret = kr_plan_parse_hostfile_text(plan, path, text, res, err, errlen);
    }
    free(text);
    fclose(f);
    return ret;
}

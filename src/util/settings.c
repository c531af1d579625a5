/* Settings registry: parsing typed values from KURIR_* variables, unknown-name warnings. */
#include "config.h"

#include "settings.h"

#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SETTINGS_PREFIX "KURIR_"

const char *kr_util_log_spec;

const struct kr_setting kr_util_settings[] = {
    { "LOG", KR_SET_STRING, "warn", &kr_util_log_spec,
      "log level, optionally per subsystem: warn, info:shm,boot, debug (levels: none error "
      "warn info debug trace; subsystems: core api comm coll dt match shm tcp ofi boot topo "
      "launch)", NULL, 0 },
    { 0 }
};

const char *kr_setting_env_name(const struct kr_setting *s, char *buf, size_t len)
{
    if ((s->flags & KR_SET_VERBATIM) != 0) {
        snprintf(buf, len, "%s", s->name);
    } else {
        snprintf(buf, len, SETTINGS_PREFIX "%s", s->name);
    }
    return buf;
}

int kr_parse_size(const char *text, size_t *out)
{
    char *end;
    unsigned long long v;
    unsigned shift = 0;

    while (isspace((unsigned char) *text)) {
        text++;
    }
    if (!isdigit((unsigned char) *text)) {
        return -EINVAL;
    }
    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno != 0) {
        return -EINVAL;
    }
    switch (tolower((unsigned char) *end)) {
    case 'k': shift = 10; end++; break;
    case 'm': shift = 20; end++; break;
    case 'g': shift = 30; end++; break;
    case 't': shift = 40; end++; break;
    default: break;
    }
    if (shift != 0 && tolower((unsigned char) *end) == 'b') {
        end++;
    }
    if (*end != '\0' || (shift != 0 && v > (SIZE_MAX >> shift))) {
        return -EINVAL;
    }
    *out = (size_t) (v << shift);
    return 0;
}

static int settings_parse_bool(const char *text, bool *out)
{
    static const char *const yes[] = { "1", "yes", "true", "on", "y" };
    static const char *const no[] = { "0", "no", "false", "off", "n" };

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -EINVAL;
}

static int settings_parse_int(const char *text, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(text, &end, 0);
    if (errno != 0 || end == text || *end != '\0' || v < INT_MIN || v > INT_MAX) {
        return -EINVAL;
    }
    *out = (int) v;
    return 0;
}

static void settings_choices_join(const struct kr_setting *s, char *buf, size_t len)
{
    size_t off = 0;

    buf[0] = '\0';
    for (int i = 0; s->choices[i] != NULL && off < len; i++) {
        off += (size_t) snprintf(buf + off, len - off, "%s%s", i > 0 ? ", " : "", s->choices[i]);
    }
}

int kr_setting_parse(const struct kr_setting *s, const char *text, char *err, size_t errlen)
{
    char name[96], allowed[256];
    int ret = 0;

    kr_setting_env_name(s, name, sizeof(name));
    switch (s->type) {
    case KR_SET_SIZE:
        ret = kr_parse_size(text, (size_t *) s->ptr);
        if (ret != 0) {
            snprintf(err, errlen, "%s=%s is not a size (use e.g. 4096, 64k, 1m, 2g)", name, text);
        }
        break;
    case KR_SET_BOOL:
        ret = settings_parse_bool(text, (bool *) s->ptr);
        if (ret != 0) {
            snprintf(err, errlen, "%s=%s is not a boolean (use yes, no, 1, 0, true, false)",
                     name, text);
        }
        break;
    case KR_SET_INT:
        ret = settings_parse_int(text, (int *) s->ptr);
        if (ret != 0) {
            snprintf(err, errlen, "%s=%s is not an integer", name, text);
        }
        break;
    case KR_SET_STRING:
        *(const char **) s->ptr = text;
        break;
    case KR_SET_ENUM:
        ret = -EINVAL;
        for (int i = 0; s->choices[i] != NULL; i++) {
            if (strcasecmp(text, s->choices[i]) == 0) {
                *(int *) s->ptr = i;
                ret = 0;
                break;
            }
        }
        if (ret != 0) {
            settings_choices_join(s, allowed, sizeof(allowed));
            snprintf(err, errlen, "%s=%s is not one of: %s", name, text, allowed);
        }
        break;
    }
    return ret;
}

const char *kr_setting_env_value(const struct kr_setting *s, char *const *envp)
{
    char name[96];
    size_t n;

    kr_setting_env_name(s, name, sizeof(name));
    n = strlen(name);
    for (char *const *e = envp; e != NULL && *e != NULL; e++) {
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
            return *e + n + 1;
        }
    }
    return NULL;
}

/* Edit distance, for suggesting the closest name to a misspelt variable. */
static size_t settings_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

    if (lb >= 64) {
        return SIZE_MAX;
    }
    for (size_t j = 0; j <= lb; j++) {
        prev[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof(size_t) * (lb + 1));
    }
    return prev[lb];
}

static const struct kr_setting *settings_find(const struct kr_setting *const *tables,
                                              const char *name, size_t n,
                                              const struct kr_setting **closest_out)
{
    char full[96], want[96];
    size_t best = SIZE_MAX;

    snprintf(want, sizeof(want), "%.*s", (int) n, name);
    *closest_out = NULL;
    for (int t = 0; tables[t] != NULL; t++) {
        for (const struct kr_setting *s = tables[t]; s->name != NULL; s++) {
            size_t d;

            kr_setting_env_name(s, full, sizeof(full));
            if (strcmp(full, want) == 0) {
                return s;
            }
            d = settings_distance(want, full);
            if (d < best) {
                best = d;
                *closest_out = s;
            }
        }
    }
    if (best > 4) {
        *closest_out = NULL;
    }
    return NULL;
}

static void settings_warn_unknown(const struct kr_setting *const *tables, char *const *envp)
{
    for (char *const *e = envp; e != NULL && *e != NULL; e++) {
        const struct kr_setting *closest;
        size_t n;
        char name[96];

        if (strncmp(*e, SETTINGS_PREFIX, strlen(SETTINGS_PREFIX)) != 0) {
            continue;
        }
        n = strcspn(*e, "=");
        /* KURIR_TEST_*, KURIR_BUILDDIR and KURIR_SRCDIR belong to the test harness. */
        if (strncmp(*e, "KURIR_TEST_", 11) == 0 || strncmp(*e, "KURIR_BUILDDIR=", 15) == 0
            || strncmp(*e, "KURIR_SRCDIR=", 13) == 0 || settings_find(tables, *e, n, &closest)) {
            continue;
        }
        if (closest != NULL) {
            KR_LOG_WARN(CORE, "unknown setting %.*s (did you mean %s?)", (int) n, *e,
                        kr_setting_env_name(closest, name, sizeof(name)));
        } else {
            KR_LOG_WARN(CORE, "unknown setting %.*s (kurir-info --settings lists them)",
                        (int) n, *e);
        }
    }
}

int kr_settings_load_tables(const struct kr_setting *const *tables, char *const *envp,
                            char *err, size_t errlen)
{
    for (int t = 0; tables[t] != NULL; t++) {
        for (const struct kr_setting *s = tables[t]; s->name != NULL; s++) {
            const char *text = kr_setting_env_value(s, envp);
            int ret;

            ret = kr_setting_parse(s, s->defval, err, errlen);
            if (ret != 0) {
                return ret; /* a bad default is a bug; report it like a bad value */
            }
            if (text != NULL) {
                ret = kr_setting_parse(s, text, err, errlen);
                if (ret != 0) {
                    return ret;
                }
            }
        }
    }
    settings_warn_unknown(tables, envp);
    return 0;
}

const char *kr_setting_format(const struct kr_setting *s, char *buf, size_t len)
{
    switch (s->type) {
    case KR_SET_SIZE:
        snprintf(buf, len, "%zu", *(size_t *) s->ptr);
        break;
    case KR_SET_BOOL:
        snprintf(buf, len, "%s", *(bool *) s->ptr ? "yes" : "no");
        break;
    case KR_SET_INT:
        snprintf(buf, len, "%d", *(int *) s->ptr);
        break;
    case KR_SET_STRING:
        snprintf(buf, len, "%s", *(const char **) s->ptr != NULL ? *(const char **) s->ptr : "");
        break;
    case KR_SET_ENUM:
        snprintf(buf, len, "%s", s->choices[*(int *) s->ptr]);
        break;
    }
    return buf;
}

/* Log line formatting and KURIR_LOG parsing. */
#include "config.h"

#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

unsigned char kr_log_levels[KR_SUB_COUNT] = {
    [0 ... KR_SUB_COUNT - 1] = KR_LOG_LVL_WARN,
};

static const char *const log_subsys_names[KR_SUB_COUNT] = {
    [KR_SUB_CORE] = "core", [KR_SUB_API] = "api",     [KR_SUB_COMM] = "comm",
    [KR_SUB_COLL] = "coll", [KR_SUB_DT] = "dt",       [KR_SUB_MATCH] = "match",
    [KR_SUB_SHM] = "shm",   [KR_SUB_TCP] = "tcp",     [KR_SUB_OFI] = "ofi",
    [KR_SUB_BOOT] = "boot", [KR_SUB_TOPO] = "topo",   [KR_SUB_LAUNCH] = "launch",
};

static const char *const log_level_names[] = {
    [KR_LOG_LVL_NONE] = "none", [KR_LOG_LVL_ERR] = "error", [KR_LOG_LVL_WARN] = "warn",
    [KR_LOG_LVL_INFO] = "info", [KR_LOG_LVL_DBG] = "debug", [KR_LOG_LVL_TRACE] = "trace",
};

static char log_tag[128] = "kurir";

const char *kr_log_subsys_name(enum kr_log_subsys sub)
{
    return log_subsys_names[sub];
}

void kr_log_set_identity(const char *prog, int rank)
{
    char host[64];

    if (gethostname(host, sizeof(host)) != 0) {
        strcpy(host, "?");
    }
    host[sizeof(host) - 1] = '\0';
    if (rank >= 0) {
        snprintf(log_tag, sizeof(log_tag), "%s[%s:%d:r%d]", prog, host, (int) getpid(), rank);
    } else {
        snprintf(log_tag, sizeof(log_tag), "%s[%s:%d]", prog, host, (int) getpid());
    }
}

static int log_level_parse(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof(log_level_names) / sizeof(log_level_names[0]); i++) {
        if (strlen(log_level_names[i]) == n && strncasecmp(s, log_level_names[i], n) == 0) {
            return (int) i;
        }
    }
    if (n == 3 && strncasecmp(s, "err", 3) == 0) {
        return KR_LOG_LVL_ERR;
    }
    return -1;
}

static int log_subsys_parse(const char *s, size_t n)
{
    for (int i = 0; i < KR_SUB_COUNT; i++) {
        if (strlen(log_subsys_names[i]) == n && strncasecmp(s, log_subsys_names[i], n) == 0) {
            return i;
        }
    }
    return -1;
}

int kr_log_configure(const char *spec, char *err, size_t errlen)
{
    unsigned char levels[KR_SUB_COUNT];
    const char *colon = strchr(spec, ':');
    size_t lvl_len = colon != NULL ? (size_t) (colon - spec) : strlen(spec);
    int lvl = log_level_parse(spec, lvl_len);

    if (lvl < 0) {
        if (err != NULL) {
            snprintf(err, errlen, "unknown log level '%.*s' (use none, error, warn, info, "
                     "debug or trace)", (int) lvl_len, spec);
        }
        return -EINVAL;
    }
    if (colon == NULL) {
        memset(levels, lvl, sizeof(levels));
    } else {
        memset(levels, KR_LOG_LVL_WARN, sizeof(levels));
        for (const char *p = colon + 1; *p != '\0';) {
            size_t n = strcspn(p, ",");
            int sub = log_subsys_parse(p, n);

            if (sub < 0) {
                if (err != NULL) {
                    snprintf(err, errlen, "unknown log subsystem '%.*s'", (int) n, p);
                }
                return -EINVAL;
            }
            levels[sub] = (unsigned char) lvl;
            p += n;
            p += (*p == ',');
        }
    }
    memcpy(kr_log_levels, levels, sizeof(levels));
    return 0;
}

void kr_log_emit(enum kr_log_level level, enum kr_log_subsys sub, const char *file, int line,
                 const char *fmt, ...)
{
    char msg[1024];
    int off;
    va_list ap;

    off = snprintf(msg, sizeof(msg), "%s %s %s: ", log_tag, log_subsys_names[sub],
                   log_level_names[level]);
    va_start(ap, fmt);
    if (off >= 0 && (size_t) off < sizeof(msg)) {
        off += vsnprintf(msg + off, sizeof(msg) - (size_t) off, fmt, ap);
    }
    va_end(ap);
    if (off < 0) {
        return;
    }
    if ((size_t) off >= sizeof(msg) - 1) {
        off = (int) sizeof(msg) - 2;
    }
    if (level >= KR_LOG_LVL_DBG && (size_t) off < sizeof(msg) - 64) {
        off += snprintf(msg + off, sizeof(msg) - (size_t) off, " (%s:%d)", file, line);
        if ((size_t) off >= sizeof(msg) - 1) {
            off = (int) sizeof(msg) - 2;
        }
    }
    msg[off++] = '\n';
    /* One write per line so lines from ranks and threads never interleave. */
    ssize_t ignored = write(STDERR_FILENO, msg, (size_t) off);
    (void) ignored;
}

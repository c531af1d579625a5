/* Logging for the library and the launcher: one macro family over kr_log_emit(), levels and
 * subsystems set by KURIR_LOG (e.g. "warn", "debug:tcp,match"). Lines go to stderr as
 * "kurir[host:pid:r3] shm warn: ...". */
#ifndef KR_UTIL_LOG_H
#define KR_UTIL_LOG_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

enum kr_log_level {
    KR_LOG_LVL_NONE = 0,
    KR_LOG_LVL_ERR,
    KR_LOG_LVL_WARN,
    KR_LOG_LVL_INFO,
    KR_LOG_LVL_DBG,
    KR_LOG_LVL_TRACE,
};

enum kr_log_subsys {
    KR_SUB_CORE,
    KR_SUB_API,
    KR_SUB_COMM,
    KR_SUB_COLL,
    KR_SUB_DT,
    KR_SUB_MATCH,
    KR_SUB_SHM,
    KR_SUB_TCP,
    KR_SUB_OFI,
    KR_SUB_BOOT,
    KR_SUB_TOPO,
    KR_SUB_LAUNCH,
    KR_SUB_COUNT
};

/* Per-subsystem level thresholds; written only by kr_log_configure(). */
extern unsigned char kr_log_levels[KR_SUB_COUNT];

static inline bool kr_log_enabled(enum kr_log_level level, enum kr_log_subsys sub)
{
    return level <= kr_log_levels[sub];
}

/* Parse a KURIR_LOG spec: "LEVEL" or "LEVEL:sub1,sub2" (others stay at warn). Returns 0 or
 * -EINVAL, in which case `err` (if not NULL) describes the problem. */
int kr_log_configure(const char *spec, char *err, size_t errlen);

/* Set the "host:pid:rN" tag printed on every line; rank < 0 prints no rank. `prog` names the
 * emitter ("kurir" in ranks, "mpirun" in the launcher). */
void kr_log_set_identity(const char *prog, int rank);

const char *kr_log_subsys_name(enum kr_log_subsys sub);

void kr_log_emit(enum kr_log_level level, enum kr_log_subsys sub, const char *file, int line,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define KR_LOG_(lvl, sub, ...)                                                   \
    do {                                                                         \
        if (kr_log_enabled(lvl, KR_SUB_##sub)) {                                 \
            int kr_log_saved_errno_ = errno;                                     \
            kr_log_emit(lvl, KR_SUB_##sub, __FILE__, __LINE__, __VA_ARGS__);     \
            errno = kr_log_saved_errno_;                                         \
        }                                                                        \
    } while (0)

#define KR_LOG_ERR(sub, ...)  KR_LOG_(KR_LOG_LVL_ERR, sub, __VA_ARGS__)
#define KR_LOG_WARN(sub, ...) KR_LOG_(KR_LOG_LVL_WARN, sub, __VA_ARGS__)
#define KR_LOG_INFO(sub, ...) KR_LOG_(KR_LOG_LVL_INFO, sub, __VA_ARGS__)

#if KR_DEBUG
#define KR_LOG_DBG(sub, ...) KR_LOG_(KR_LOG_LVL_DBG, sub, __VA_ARGS__)
#define KR_TRACE(sub, ...)   KR_LOG_(KR_LOG_LVL_TRACE, sub, __VA_ARGS__)
#define KR_ASSERT(cond)                                                          \
    do {                                                                         \
        if (!(cond)) {                                                           \
            kr_log_emit(KR_LOG_LVL_ERR, KR_SUB_CORE, __FILE__, __LINE__,         \
                        "assertion failed: %s", #cond);                          \
            abort();                                                             \
        }                                                                        \
    } while (0)
#else
#define KR_LOG_DBG(sub, ...) do { } while (0)
#define KR_TRACE(sub, ...)   do { } while (0)
#define KR_ASSERT(cond)      do { (void) sizeof(cond); } while (0)
#endif

#endif /* KR_UTIL_LOG_H */

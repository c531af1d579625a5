/* check.h: the few helpers every MPI integration program shares. A failed check prints the
 * program, the rank, file:line and what was wrong on stderr, then ends the whole job with
 * MPI_Abort (exit status 1) so that no other rank is left waiting for it. */
#ifndef KR_TEST_CHECK_H
#define KR_TEST_CHECK_H

#include <mpi.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *check_prog = "?";
static int check_rank = -1;

/* Call right after MPI_Init: names the program and rank in every failure message. */
static inline void check_init(const char *prog)
{
    check_prog = prog;
    MPI_Comm_rank(MPI_COMM_WORLD, &check_rank);
}

static inline void check_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

static inline void check_fail(const char *file, int line, const char *fmt, ...)
{
    char msg[1024];
    int inited = 0, finalized = 0;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: FAIL rank %d (%s:%d): %s\n", check_prog, check_rank, file, line, msg);
    fflush(NULL);
    MPI_Initialized(&inited);
    MPI_Finalized(&finalized);
    if (inited && !finalized) {
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    exit(1);
}

/* CHECK(cond, "printf format", ...): fail with the message when cond is false. */
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            check_fail(__FILE__, __LINE__, __VA_ARGS__);                                           \
        }                                                                                          \
    } while (0)

/* CHECK_MPI(call): the call must return MPI_SUCCESS. */
#define CHECK_MPI(call)                                                                            \
    do {                                                                                           \
        int check_ret_ = (call);                                                                   \
        if (check_ret_ != MPI_SUCCESS) {                                                           \
            check_fail(__FILE__, __LINE__, "%s returned %d (%s)", #call, check_ret_,               \
                       check_errstr(check_ret_));                                                  \
        }                                                                                          \
    } while (0)

/* The text of an error code, for messages. Not reentrant. */
static inline const char *check_errstr(int code)
{
    static char text[MPI_MAX_ERROR_STRING];
    int len = 0;

    if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) {
        snprintf(text, sizeof(text), "no error string for %d", code);
    }
    return text;
}

/* A byte pattern that differs for every (seed, offset), so a misplaced or shifted block shows
 * up anywhere in a buffer. */
static inline unsigned char check_pat(unsigned seed, size_t off)
{
    uint64_t x = (uint64_t) off * 0x9e3779b97f4a7c15ULL + (uint64_t) seed * 0x100000001b3ULL;

    return (unsigned char) ((x >> 32) ^ (x >> 17) ^ (off >> 12));
}

static inline void check_fill(void *buf, size_t len, unsigned seed)
{
    unsigned char *p = buf;

    for (size_t i = 0; i < len; i++) {
        p[i] = check_pat(seed, i);
    }
}

/* Compares buf against check_fill(seed); fails naming the first wrong offset and how many
 * bytes differ. `what` says which message this was. */
#define CHECK_PATTERN(buf, len, seed, ...)                                                         \
    check_pattern(__FILE__, __LINE__, (buf), (len), (seed), __VA_ARGS__)

static inline void check_pattern(const char *file, int line, const void *buf, size_t len,
                                 unsigned seed, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static inline void check_pattern(const char *file, int line, const void *buf, size_t len,
                                 unsigned seed, const char *fmt, ...)
{
    const unsigned char *p = buf;
    size_t first = 0, nbad = 0;
    char what[512];
    va_list ap;

    for (size_t i = 0; i < len; i++) {
        if (p[i] != check_pat(seed, i)) {
            if (nbad == 0) {
                first = i;
            }
            nbad++;
        }
    }
    if (nbad == 0) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    check_fail(file, line,
               "%s: %zu of %zu bytes wrong, first at offset %zu: got 0x%02x, "
               "want 0x%02x",
               what, nbad, len, first, p[first], check_pat(seed, first));
}

/* Bytes that must stay untouched: fill with a guard value, check later. */
#define CHECK_GUARD_BYTE 0xa5

#define CHECK_GUARD(buf, len, ...)                                                                 \
    do {                                                                                           \
        const unsigned char *check_g_ = (const unsigned char *) (buf);                             \
        for (size_t check_i_ = 0; check_i_ < (size_t) (len); check_i_++) {                         \
            if (check_g_[check_i_] != CHECK_GUARD_BYTE) {                                          \
                char check_w_[256];                                                                \
                snprintf(check_w_, sizeof(check_w_), __VA_ARGS__);                                 \
                check_fail(__FILE__, __LINE__,                                                     \
                           "%s: byte %zu past the end was written "                                \
                           "(0x%02x)",                                                             \
                           check_w_, check_i_, check_g_[check_i_]);                                \
            }                                                                                      \
        }                                                                                          \
    } while (0)

/* `n` bytes plus 16 guard bytes past the end, all set to CHECK_GUARD_BYTE. */
static inline unsigned char *check_alloc(size_t n)
{
    unsigned char *p = (unsigned char *) malloc(n + 16);

    CHECK(p != NULL, "out of memory (%zu bytes)", n);
    memset(p, CHECK_GUARD_BYTE, n + 16);
    return p;
}

/* The error class of `code`. */
static inline int check_errclass(int code)
{
    int cls = -1;

    CHECK_MPI(MPI_Error_class(code, &cls));
    return cls;
}

/* A pattern seed per (tag, sender), so a message delivered to the wrong receive shows. */
static inline unsigned check_seed(int tag, int from)
{
    return (unsigned) tag * 1000u + (unsigned) from;
}

/* CHECK_EMPTY(status, "printf format", ...): the status of a null or inactive request, source
 * MPI_ANY_SOURCE, tag MPI_ANY_TAG, count 0, not cancelled. */
#define CHECK_EMPTY(st, ...) check_empty(__FILE__, __LINE__, (st), __VA_ARGS__)
static inline void check_empty(const char *file, int line, const MPI_Status *st,
                               const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static inline void check_empty(const char *file, int line, const MPI_Status *st,
                               const char *fmt, ...)
{
    int cnt = -1, canc = -1;
    char what[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    CHECK_MPI(MPI_Get_count(st, MPI_BYTE, &cnt));
    CHECK_MPI(MPI_Test_cancelled(st, &canc));
    if (st->MPI_SOURCE != MPI_ANY_SOURCE || st->MPI_TAG != MPI_ANY_TAG || cnt != 0 || canc) {
        check_fail(file, line,
                   "%s: want an empty status, got source %d tag %d count %d cancelled %d", what,
                   st->MPI_SOURCE, st->MPI_TAG, cnt, canc);
    }
}

#endif /* KR_TEST_CHECK_H */

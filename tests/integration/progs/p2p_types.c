/* p2p_types: every predefined C datatype goes around a ring (rank r to r+1) at several counts,
 * eager and rendezvous sized, and is checked element by element, together with MPI_Type_size,
 * MPI_Type_get_extent, MPI_Get_count (with the type and with MPI_BYTE) and the bytes past the
 * message, which must stay untouched. */
#include "check.h"

#include <complex.h>
#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

struct float_int {
    float v;
    int i;
};
struct double_int {
    double v;
    int i;
};
struct long_int {
    long v;
    int i;
};
struct two_int {
    int v;
    int i;
};
struct short_int {
    short v;
    int i;
};
struct ldouble_int {
    long double v;
    int i;
};

/* The value element i of a message carries; differs per seed (sender and type). */
static uint64_t val(int i, unsigned seed)
{
    uint64_t x = ((uint64_t) i + 1) * 0x9e3779b97f4a7c15ULL ^ ((uint64_t) seed << 40);

    return x ^ (x >> 29);
}

/* Floating values that every floating type holds exactly: multiples of 1/4 in +-8192. */
static double fval(uint64_t v)
{
    return ((double) (int) (v & 0xffff) - 32768.0) / 4.0;
}

/* The long double value also uses bits a double cannot hold, so a transfer through double
 * would show. */
static long double ldval(uint64_t v)
{
    return (long double) fval(v) + (long double) ((v >> 20) & 0xff) / 1099511627776.0L;
}

#define INT_TYPE(NAME, T)                                                                          \
    static void fill_##NAME(void *b, int n, unsigned seed)                                         \
    {                                                                                              \
        T *p = b;                                                                                  \
        for (int i = 0; i < n; i++) {                                                              \
            p[i] = (T) val(i, seed);                                                               \
        }                                                                                          \
    }                                                                                              \
    static bool eq_##NAME(const void *a, const void *b, int i)                                     \
    {                                                                                              \
        return ((const T *) a)[i] == ((const T *) b)[i];                                           \
    }

/* Types whose value is GEN(v) converted: floating types, wchar_t and bool. */
#define GEN_TYPE(NAME, T, GEN)                                                                     \
    static void fill_##NAME(void *b, int n, unsigned seed)                                         \
    {                                                                                              \
        T *p = b;                                                                                  \
        for (int i = 0; i < n; i++) {                                                              \
            p[i] = (T) GEN(val(i, seed));                                                          \
        }                                                                                          \
    }                                                                                              \
    static bool eq_##NAME(const void *a, const void *b, int i)                                     \
    {                                                                                              \
        return ((const T *) a)[i] == ((const T *) b)[i];                                           \
    }

#define CPLX_TYPE(NAME, T, R, GEN)                                                                 \
    static void fill_##NAME(void *b, int n, unsigned seed)                                         \
    {                                                                                              \
        R *p = b;                                                                                  \
        for (int i = 0; i < n; i++) {                                                              \
            p[2 * i] = (R) GEN(val(i, seed));                                                      \
            p[2 * i + 1] = (R) GEN(val(i, seed) >> 16);                                            \
        }                                                                                          \
    }                                                                                              \
    static bool eq_##NAME(const void *a, const void *b, int i)                                     \
    {                                                                                              \
        return ((const T *) a)[i] == ((const T *) b)[i];                                           \
    }

#define PAIR_TYPE(NAME, S, GEN)                                                                    \
    static void fill_##NAME(void *b, int n, unsigned seed)                                         \
    {                                                                                              \
        struct S *p = b;                                                                           \
        for (int i = 0; i < n; i++) {                                                              \
            p[i].v = GEN(val(i, seed));                                                            \
            p[i].i = (int) (val(i, seed) >> 32);                                                   \
        }                                                                                          \
    }                                                                                              \
    static bool eq_##NAME(const void *a, const void *b, int i)                                     \
    {                                                                                              \
        const struct S *x = a, *y = b;                                                             \
        return x[i].v == y[i].v && x[i].i == y[i].i;                                               \
    }

#define BOOL_GEN(v) (((v) >> 7) & 1)
#define WCHAR_GEN(v) ((v) &0x7fffffff)

INT_TYPE(char, char)
INT_TYPE(schar, signed char)
INT_TYPE(uchar, unsigned char)
INT_TYPE(short, short)
INT_TYPE(ushort, unsigned short)
INT_TYPE(int, int)
INT_TYPE(uint, unsigned)
INT_TYPE(long, long)
INT_TYPE(ulong, unsigned long)
INT_TYPE(llong, long long)
INT_TYPE(ullong, unsigned long long)
INT_TYPE(i8, int8_t)
INT_TYPE(u8, uint8_t)
INT_TYPE(i16, int16_t)
INT_TYPE(u16, uint16_t)
INT_TYPE(i32, int32_t)
INT_TYPE(u32, uint32_t)
INT_TYPE(i64, int64_t)
INT_TYPE(u64, uint64_t)
INT_TYPE(aint, MPI_Aint)
INT_TYPE(count, MPI_Count)
INT_TYPE(offset, MPI_Offset)
GEN_TYPE(wchar, wchar_t, WCHAR_GEN)
GEN_TYPE(bool, bool, BOOL_GEN)
GEN_TYPE(float, float, fval)
GEN_TYPE(double, double, fval)
GEN_TYPE(ldouble, long double, ldval)
CPLX_TYPE(fcplx, float _Complex, float, fval)
CPLX_TYPE(dcplx, double _Complex, double, fval)
CPLX_TYPE(ldcplx, long double _Complex, long double, ldval)
PAIR_TYPE(float_int, float_int, fval)
PAIR_TYPE(double_int, double_int, fval)
PAIR_TYPE(long_int, long_int, (long) )
PAIR_TYPE(two_int, two_int, (int) )
PAIR_TYPE(short_int, short_int, (short) )
PAIR_TYPE(ldouble_int, ldouble_int, ldval)

struct tinfo {
    MPI_Datatype dt;
    const char *name;
    size_t extent; /* C size of one element, the stride in the buffer */
    size_t size;   /* bytes of data in one element: MPI_Type_size */
    void (*fill)(void *b, int n, unsigned seed);
    bool (*eq)(const void *a, const void *b, int i);
};

#define T_SCALAR(DT, NAME, T)                                                                      \
    {                                                                                              \
        DT, #DT, sizeof(T), sizeof(T), fill_##NAME, eq_##NAME                                      \
    }
#define T_PAIR(DT, NAME, S, VT)                                                                    \
    {                                                                                              \
        DT, #DT, sizeof(struct S), sizeof(VT) + sizeof(int), fill_##NAME, eq_##NAME                \
    }

static const struct tinfo types[] = {
    T_SCALAR(MPI_CHAR, char, char),
    T_SCALAR(MPI_SIGNED_CHAR, schar, signed char),
    T_SCALAR(MPI_UNSIGNED_CHAR, uchar, unsigned char),
    T_SCALAR(MPI_BYTE, uchar, unsigned char),
    T_SCALAR(MPI_WCHAR, wchar, wchar_t),
    T_SCALAR(MPI_SHORT, short, short),
    T_SCALAR(MPI_UNSIGNED_SHORT, ushort, unsigned short),
    T_SCALAR(MPI_INT, int, int),
    T_SCALAR(MPI_UNSIGNED, uint, unsigned),
    T_SCALAR(MPI_LONG, long, long),
    T_SCALAR(MPI_UNSIGNED_LONG, ulong, unsigned long),
    T_SCALAR(MPI_LONG_LONG, llong, long long),
    T_SCALAR(MPI_LONG_LONG_INT, llong, long long),
    T_SCALAR(MPI_UNSIGNED_LONG_LONG, ullong, unsigned long long),
    T_SCALAR(MPI_INT8_T, i8, int8_t),
    T_SCALAR(MPI_UINT8_T, u8, uint8_t),
    T_SCALAR(MPI_INT16_T, i16, int16_t),
    T_SCALAR(MPI_UINT16_T, u16, uint16_t),
    T_SCALAR(MPI_INT32_T, i32, int32_t),
    T_SCALAR(MPI_UINT32_T, u32, uint32_t),
    T_SCALAR(MPI_INT64_T, i64, int64_t),
    T_SCALAR(MPI_UINT64_T, u64, uint64_t),
    T_SCALAR(MPI_AINT, aint, MPI_Aint),
    T_SCALAR(MPI_COUNT, count, MPI_Count),
    T_SCALAR(MPI_OFFSET, offset, MPI_Offset),
    T_SCALAR(MPI_C_BOOL, bool, bool),
    T_SCALAR(MPI_FLOAT, float, float),
    T_SCALAR(MPI_DOUBLE, double, double),
    T_SCALAR(MPI_LONG_DOUBLE, ldouble, long double),
    T_SCALAR(MPI_C_COMPLEX, fcplx, float _Complex),
    T_SCALAR(MPI_C_FLOAT_COMPLEX, fcplx, float _Complex),
    T_SCALAR(MPI_C_DOUBLE_COMPLEX, dcplx, double _Complex),
    T_SCALAR(MPI_C_LONG_DOUBLE_COMPLEX, ldcplx, long double _Complex),
    T_PAIR(MPI_FLOAT_INT, float_int, float_int, float),
    T_PAIR(MPI_DOUBLE_INT, double_int, double_int, double),
    T_PAIR(MPI_LONG_INT, long_int, long_int, long),
    T_PAIR(MPI_2INT, two_int, two_int, int),
    T_PAIR(MPI_SHORT_INT, short_int, short_int, short),
    T_PAIR(MPI_LONG_DOUBLE_INT, ldouble_int, ldouble_int, long double),
};

#define NTYPES ((int) (sizeof(types) / sizeof(types[0])))
#define GUARD 64

/* 20000 elements of the widest type is 640 KiB: every type is also sent by rendezvous. */
static const int counts[] = {0, 1, 17, 1000, 20000};

static void hexdump(char *out, size_t len, const void *p, size_t n)
{
    const unsigned char *b = p;
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < n && used + 3 < len; i++) {
        used += (size_t) snprintf(out + used, len - used, "%02x", b[i]);
    }
}

static void check_props(const struct tinfo *t)
{
    MPI_Aint lb = -1, extent = -1;
    int size = -1;

    CHECK_MPI(MPI_Type_size(t->dt, &size));
    CHECK(size == (int) t->size, "MPI_Type_size(%s) is %d, want %zu", t->name, size, t->size);
    CHECK_MPI(MPI_Type_get_extent(t->dt, &lb, &extent));
    CHECK(lb == 0 && extent == (MPI_Aint) t->extent,
          "MPI_Type_get_extent(%s) gives lb %ld extent %ld, want 0 and %zu", t->name, (long) lb,
          (long) extent, t->extent);
}

/* One message of t with n elements from left, one to right; blocking send or receive by
 * turns so both paths are covered. */
static void exchange(const struct tinfo *t, int n, int tag, int rank, int left, int right,
                     int blocking_send)
{
    size_t bytes = (size_t) n * t->extent;
    unsigned char *sbuf = malloc(bytes + 1), *rbuf = malloc(bytes + GUARD);
    unsigned char *want = malloc(bytes + 1);
    unsigned sseed = (unsigned) (rank * 1000 + tag), rseed = (unsigned) (left * 1000 + tag);
    MPI_Request req;
    MPI_Status st;
    int cnt;

    CHECK(sbuf != NULL && rbuf != NULL && want != NULL, "out of memory for %zu bytes", bytes);
    memset(sbuf, 0, bytes + 1);
    memset(want, 0, bytes + 1);
    memset(rbuf, CHECK_GUARD_BYTE, bytes + GUARD);
    t->fill(sbuf, n, sseed);
    t->fill(want, n, rseed);

    if (blocking_send) {
        CHECK_MPI(MPI_Irecv(rbuf, n, t->dt, left, tag, MPI_COMM_WORLD, &req));
        CHECK_MPI(MPI_Send(sbuf, n, t->dt, right, tag, MPI_COMM_WORLD));
        CHECK_MPI(MPI_Wait(&req, &st));
    } else {
        CHECK_MPI(MPI_Isend(sbuf, n, t->dt, right, tag, MPI_COMM_WORLD, &req));
        CHECK_MPI(MPI_Recv(rbuf, n, t->dt, left, tag, MPI_COMM_WORLD, &st));
        CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
    }

    CHECK(st.MPI_SOURCE == left && st.MPI_TAG == tag,
          "%s count %d: status source %d tag %d, want %d and %d", t->name, n, st.MPI_SOURCE,
          st.MPI_TAG, left, tag);
    CHECK_MPI(MPI_Get_count(&st, t->dt, &cnt));
    CHECK(cnt == n, "%s count %d: MPI_Get_count with the type gives %d", t->name, n, cnt);
    CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &cnt));
    CHECK(cnt == (int) (n * t->size),
          "%s count %d: MPI_Get_count with MPI_BYTE gives %d, "
          "want %zu",
          t->name, n, cnt, n * t->size);
    for (int i = 0; i < n; i++) {
        if (!t->eq(rbuf, want, i)) {
            char got[80], exp[80];
            hexdump(got, sizeof(got), rbuf + (size_t) i * t->extent, t->extent);
            hexdump(exp, sizeof(exp), want + (size_t) i * t->extent, t->extent);
            CHECK(0, "%s count %d from rank %d: element %d is %s, want %s", t->name, n, left, i,
                  got, exp);
        }
    }
    CHECK_GUARD(rbuf + bytes, GUARD, "%s count %d from rank %d", t->name, n, left);
    free(sbuf);
    free(rbuf);
    free(want);
}

int main(int argc, char **argv)
{
    int rank, np, left, right, tag = 0;

    MPI_Init(&argc, &argv);
    check_init("p2p_types");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    left = (rank + np - 1) % np;
    right = (rank + 1) % np;

    for (int t = 0; t < NTYPES; t++) {
        check_props(&types[t]);
        for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
            exchange(&types[t], counts[c], tag, rank, left, right, (int) ((t + c) % 2));
            tag++;
        }
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}

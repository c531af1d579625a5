/* coll_basic: the collectives on MPI_COMM_WORLD (and MPI_COMM_SELF). Barrier; Bcast of 0 bytes
 * to 4 MiB from every root; Reduce and Allreduce with every predefined op on every type the
 * standard allows it on, at counts 0, 1, 7, 1000 and 300000 (the ring algorithm), from every
 * root and with MPI_IN_PLACE, results exact (inputs are chosen so even floating sums are);
 * Allgather and Alltoall with blocks of 0 to 64 KiB, also in place. */
#include "check.h"

#include <complex.h>
#include <stdbool.h>

static int rank, np;

/* ---- ops ---------------------------------------------------------------------------------- */

enum {
    O_SUM,
    O_PROD,
    O_MIN,
    O_MAX,
    O_LAND,
    O_LOR,
    O_LXOR,
    O_BAND,
    O_BOR,
    O_BXOR,
    O_MAXLOC,
    O_MINLOC,
    NOPS
};

static MPI_Op op_handle(int o)
{
    static const MPI_Op h[NOPS] = {MPI_SUM,  MPI_PROD, MPI_MIN, MPI_MAX,  MPI_LAND,   MPI_LOR,
                                   MPI_LXOR, MPI_BAND, MPI_BOR, MPI_BXOR, MPI_MAXLOC, MPI_MINLOC};
    return h[o];
}

static const char *const op_name[NOPS] = {"MPI_SUM",  "MPI_PROD", "MPI_MIN",    "MPI_MAX",
                                          "MPI_LAND", "MPI_LOR",  "MPI_LXOR",   "MPI_BAND",
                                          "MPI_BOR",  "MPI_BXOR", "MPI_MAXLOC", "MPI_MINLOC"};

#define OPS_INT                                                                                    \
    ((1u << O_SUM) | (1u << O_PROD) | (1u << O_MIN) | (1u << O_MAX) | (1u << O_LAND)               \
     | (1u << O_LOR) | (1u << O_LXOR) | (1u << O_BAND) | (1u << O_BOR) | (1u << O_BXOR))
/* MPI_AINT, MPI_OFFSET, MPI_COUNT: every integer op except the logical ones */
#define OPS_MULTI (OPS_INT & ~((1u << O_LAND) | (1u << O_LOR) | (1u << O_LXOR)))
#define OPS_FLT ((1u << O_SUM) | (1u << O_PROD) | (1u << O_MIN) | (1u << O_MAX))
#define OPS_CPLX ((1u << O_SUM) | (1u << O_PROD))
#define OPS_LOGIC ((1u << O_LAND) | (1u << O_LOR) | (1u << O_LXOR))
#define OPS_BITS ((1u << O_BAND) | (1u << O_BOR) | (1u << O_BXOR))
#define OPS_LOC ((1u << O_MAXLOC) | (1u << O_MINLOC))

/* ---- inputs: exact results for np up to 8 (and well beyond for most) --------------------- */

static uint64_t hash(int i, int r, int salt)
{
    uint64_t x = ((uint64_t) i * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t) (r + 1) << 48)
                 ^ ((uint64_t) salt << 24);

    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ULL;
    return x ^ (x >> 29);
}

/* Small integers in [-15, 15] (signed) or [0, 30]: a sum over 8 ranks fits in 8 bits. */
static int small(int i, int r, int is_signed)
{
    int v = (int) (hash(i, r, 1) % 31);

    return is_signed ? v - 15 : v;
}

/* 1, 2 or (signed) -1; at most ceil(np/5) twos per element, so 8 ranks multiply to <= 4. */
static int prodval(int i, int r, int is_signed)
{
    if ((i + r) % 5 == 0) {
        return 2;
    }
    return is_signed && (i * 3 + r) % 7 == 0 ? -1 : 1;
}

/* Truth values: zero for some ranks, and nonzero for every rank at i % 4 == 0, so LAND has
 * true results too. Nonzero values other than 1 check that the result is normalised. */
static int truth(int i, int r)
{
    if (i % 4 == 0) {
        return 1 + (r % 3);
    }
    return (hash(i, r, 2) % 3 == 0) ? 0 : (int) (hash(i, r, 3) % 5) + 1;
}

static uint64_t bits(int i, int r, int o)
{
    uint64_t a = hash(i, r, 4), b = hash(i, r, 5);

    return o == O_BAND ? (a | b) : o == O_BOR ? (a & b) : a;
}

/* Multiples of 1/4 in [-8192, 8192): sums and the minimum/maximum are exact in float. */
static double fsmall(int i, int r)
{
    return (double) small(i, r, 1) * 0.25 + (double) (r % 3);
}

static double fwide(int i, int r)
{
    return ((double) (int) (hash(i, r, 6) & 0xffff) - 32768.0) / 4.0;
}

static double fprod(int i, int r)
{
    switch ((i + 2 * r) % 7) {
    case 0: return 2.0;
    case 3: return 0.5;
    case 5: return -1.0;
    default: return 1.0;
    }
}

/* ---- per type: input, combine, compare, print --------------------------------------------- */

struct rtype {
    MPI_Datatype dt;
    const char *name;
    unsigned ops;
    size_t extent;
    void (*input)(void *b, int n, int r, int o);
    void (*combine)(void *acc, const void *in, int n, int o);
    bool (*eq)(const void *a, const void *b, int i);
    void (*show)(char *out, size_t len, const void *b, int i);
};

#define INT_R(NAME, T, SIGNED, FMT, CAST)                                                          \
    static void in_##NAME(void *b, int n, int r, int o)                                            \
    {                                                                                              \
        T *p = b;                                                                                  \
        for (int i = 0; i < n; i++) {                                                              \
            switch (o) {                                                                           \
            case O_SUM: p[i] = (T) small(i, r, SIGNED); break;                                     \
            case O_PROD: p[i] = (T) prodval(i, r, SIGNED); break;                                  \
            case O_LAND:                                                                           \
            case O_LOR:                                                                            \
            case O_LXOR: p[i] = (T) truth(i, r); break;                                            \
            default: p[i] = (T) bits(i, r, o); break;                                              \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    static void comb_##NAME(void *acc, const void *in, int n, int o)                               \
    {                                                                                              \
        T *a = acc;                                                                                \
        const T *b = in;                                                                           \
        for (int i = 0; i < n; i++) {                                                              \
            switch (o) {                                                                           \
            case O_SUM: a[i] = (T) (a[i] + b[i]); break;                                           \
            case O_PROD: {                                                                         \
                long long m_ = (long long) a[i] * (long long) b[i];                                \
                a[i] = (T) m_;                                                                     \
            } break;                                                                               \
            case O_MIN: a[i] = b[i] < a[i] ? b[i] : a[i]; break;                                   \
            case O_MAX: a[i] = b[i] > a[i] ? b[i] : a[i]; break;                                   \
            case O_LAND: a[i] = (T) (a[i] && b[i]); break;                                         \
            case O_LOR: a[i] = (T) (a[i] || b[i]); break;                                          \
            case O_LXOR: a[i] = (T) (!a[i] != !b[i]); break;                                       \
            case O_BAND: a[i] = (T) (a[i] & b[i]); break;                                          \
            case O_BOR: a[i] = (T) (a[i] | b[i]); break;                                           \
            case O_BXOR: a[i] = (T) (a[i] ^ b[i]); break;                                          \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    static bool eq_##NAME(const void *a, const void *b, int i)                                     \
    {                                                                                              \
        return ((const T *) a)[i] == ((const T *) b)[i];                                           \
    }                                                                                              \
    static void show_##NAME(char *out, size_t len, const void *b, int i)                           \
    {                                                                                              \
        snprintf(out, len, FMT, (CAST) ((const T *) b)[i]);                                        \
    }

#define FLT_R(NAME, T)                                                                             \
    static void in_##NAME(void *b, int n, int r, int o)                                            \
    {                                                                                              \
        T *p = b;                                                                                  \
        for (int i = 0; i < n; i++) {                                                              \
            p[i] = (T) (o == O_SUM ? fsmall(i, r) : o == O_PROD ? fprod(i, r) : fwide(i, r));      \
        }                                                                                          \
    }                                                                                              \
    static void comb_##NAME(void *acc, const void *in, int n, int o)                               \
    {                                                                                              \
        T *a = acc;                                                                                \
        const T *b = in;                                                                           \
        for (int i = 0; i < n; i++) {                                                              \
            switch (o) {                                                                           \
            case O_SUM: a[i] += b[i]; break;                                                       \
            case O_PROD: a[i] *= b[i]; break;                                                      \
            case O_MIN: a[i] = b[i] < a[i] ? b[i] : a[i]; break;                                   \
            case O_MAX: a[i] = b[i] > a[i] ? b[i] : a[i]; break;                                   \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    static bool eq_##NAME(const void *a, const void *b, int i)                                     \
    {                                                                                              \
        return ((const T *) a)[i] == ((const T *) b)[i];                                           \
    }                                                                                              \
    static void show_##NAME(char *out, size_t len, const void *b, int i)                           \
    {                                                                                              \
        snprintf(out, len, "%.21Lg", (long double) ((const T *) b)[i]);                            \
    }

/* Products use factors 1, i, -1 and 2 only, so every partial product is exact. */
#define CPLX_R(NAME, T, R)                                                                         \
    static void in_##NAME(void *b, int n, int r, int o)                                            \
    {                                                                                              \
        R *p = b;                                                                                  \
        for (int i = 0; i < n; i++) {                                                              \
            if (o == O_SUM) {                                                                      \
                p[2 * i] = (R) fsmall(i, r);                                                       \
                p[2 * i + 1] = (R) fsmall(i + 7, r);                                               \
            } else {                                                                               \
                int k = (i + 3 * r) % 5;                                                           \
                p[2 * i] = (R) (k == 0 ? 1 : k == 2 ? -1 : k == 4 ? 2 : 0);                        \
                p[2 * i + 1] = (R) (k == 1 ? 1 : k == 3 ? 1 : 0);                                  \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    static void comb_##NAME(void *acc, const void *in, int n, int o)                               \
    {                                                                                              \
        R *a = acc;                                                                                \
        const R *b = in;                                                                           \
        for (int i = 0; i < n; i++) {                                                              \
            R ar = a[2 * i], ai = a[2 * i + 1], br = b[2 * i], bi = b[2 * i + 1];                  \
            if (o == O_SUM) {                                                                      \
                a[2 * i] = ar + br;                                                                \
                a[2 * i + 1] = ai + bi;                                                            \
            } else {                                                                               \
                a[2 * i] = ar * br - ai * bi;                                                      \
                a[2 * i + 1] = ar * bi + ai * br;                                                  \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    static bool eq_##NAME(const void *a, const void *b, int i)                                     \
    {                                                                                              \
        return ((const T *) a)[i] == ((const T *) b)[i];                                           \
    }                                                                                              \
    static void show_##NAME(char *out, size_t len, const void *b, int i)                           \
    {                                                                                              \
        const R *p = b;                                                                            \
        snprintf(out, len, "(%Lg,%Lg)", (long double) p[2 * i], (long double) p[2 * i + 1]);       \
    }

/* Values with many ties, and indices that fall as the rank rises: the tie must go to the
 * smallest index, which is the highest rank, not the first one combined. */
#define PAIR_R(NAME, VT, FMT)                                                                      \
    struct NAME {                                                                                  \
        VT v;                                                                                      \
        int i;                                                                                     \
    };                                                                                             \
    static void in_##NAME(void *b, int n, int r, int o)                                            \
    {                                                                                              \
        struct NAME *p = b;                                                                        \
        (void) o;                                                                                  \
        for (int i = 0; i < n; i++) {                                                              \
            p[i].v = (VT) ((int) (hash(i, r, 7) % 3) - 1);                                         \
            p[i].i = 1000 - 3 * r + (i % 5);                                                       \
        }                                                                                          \
    }                                                                                              \
    static void comb_##NAME(void *acc, const void *in, int n, int o)                               \
    {                                                                                              \
        struct NAME *a = acc;                                                                      \
        const struct NAME *b = in;                                                                 \
        for (int i = 0; i < n; i++) {                                                              \
            bool better = o == O_MAXLOC ? b[i].v > a[i].v : b[i].v < a[i].v;                       \
            if (better || (b[i].v == a[i].v && b[i].i < a[i].i)) {                                 \
                a[i] = b[i];                                                                       \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    static bool eq_##NAME(const void *a, const void *b, int i)                                     \
    {                                                                                              \
        const struct NAME *x = a, *y = b;                                                          \
        return x[i].v == y[i].v && x[i].i == y[i].i;                                               \
    }                                                                                              \
    static void show_##NAME(char *out, size_t len, const void *b, int i)                           \
    {                                                                                              \
        const struct NAME *p = b;                                                                  \
        snprintf(out, len, "(" FMT ",%d)", p[i].v, p[i].i);                                        \
    }

INT_R(schar, signed char, 1, "%lld", long long)
INT_R(uchar, unsigned char, 0, "%llu", unsigned long long)
INT_R(short, short, 1, "%lld", long long)
INT_R(ushort, unsigned short, 0, "%llu", unsigned long long)
INT_R(int, int, 1, "%lld", long long)
INT_R(uint, unsigned, 0, "%llu", unsigned long long)
INT_R(long, long, 1, "%lld", long long)
INT_R(ulong, unsigned long, 0, "%llu", unsigned long long)
INT_R(llong, long long, 1, "%lld", long long)
INT_R(ullong, unsigned long long, 0, "%llu", unsigned long long)
INT_R(i8, int8_t, 1, "%lld", long long)
INT_R(u8, uint8_t, 0, "%llu", unsigned long long)
INT_R(i16, int16_t, 1, "%lld", long long)
INT_R(u16, uint16_t, 0, "%llu", unsigned long long)
INT_R(i32, int32_t, 1, "%lld", long long)
INT_R(u32, uint32_t, 0, "%llu", unsigned long long)
INT_R(i64, int64_t, 1, "%lld", long long)
INT_R(u64, uint64_t, 0, "%llu", unsigned long long)
INT_R(aint, MPI_Aint, 1, "%lld", long long)
INT_R(count, MPI_Count, 1, "%lld", long long)
INT_R(offset, MPI_Offset, 1, "%lld", long long)
INT_R(cbool, bool, 0, "%llu", unsigned long long)
INT_R(byte, unsigned char, 0, "0x%llx", unsigned long long)
FLT_R(float, float)
FLT_R(double, double)
FLT_R(ldouble, long double)
CPLX_R(fcplx, float _Complex, float)
CPLX_R(dcplx, double _Complex, double)
CPLX_R(ldcplx, long double _Complex, long double)
PAIR_R(float_int, float, "%g")
PAIR_R(double_int, double, "%g")
PAIR_R(long_int, long, "%ld")
PAIR_R(two_int, int, "%d")
PAIR_R(short_int, short, "%d")
PAIR_R(ldouble_int, long double, "%Lg")

#define R(DT, NAME, T, OPS)                                                                        \
    {                                                                                              \
        DT, #DT, OPS, sizeof(T), in_##NAME, comb_##NAME, eq_##NAME, show_##NAME                    \
    }

static const struct rtype rtypes[] = {
    R(MPI_SIGNED_CHAR, schar, signed char, OPS_INT),
    R(MPI_UNSIGNED_CHAR, uchar, unsigned char, OPS_INT),
    R(MPI_SHORT, short, short, OPS_INT),
    R(MPI_UNSIGNED_SHORT, ushort, unsigned short, OPS_INT),
    R(MPI_INT, int, int, OPS_INT),
    R(MPI_UNSIGNED, uint, unsigned, OPS_INT),
    R(MPI_LONG, long, long, OPS_INT),
    R(MPI_UNSIGNED_LONG, ulong, unsigned long, OPS_INT),
    R(MPI_LONG_LONG, llong, long long, OPS_INT),
    R(MPI_UNSIGNED_LONG_LONG, ullong, unsigned long long, OPS_INT),
    R(MPI_INT8_T, i8, int8_t, OPS_INT),
    R(MPI_UINT8_T, u8, uint8_t, OPS_INT),
    R(MPI_INT16_T, i16, int16_t, OPS_INT),
    R(MPI_UINT16_T, u16, uint16_t, OPS_INT),
    R(MPI_INT32_T, i32, int32_t, OPS_INT),
    R(MPI_UINT32_T, u32, uint32_t, OPS_INT),
    R(MPI_INT64_T, i64, int64_t, OPS_INT),
    R(MPI_UINT64_T, u64, uint64_t, OPS_INT),
    R(MPI_AINT, aint, MPI_Aint, OPS_MULTI),
    R(MPI_COUNT, count, MPI_Count, OPS_MULTI),
    R(MPI_OFFSET, offset, MPI_Offset, OPS_MULTI),
    R(MPI_C_BOOL, cbool, bool, OPS_LOGIC),
    R(MPI_BYTE, byte, unsigned char, OPS_BITS),
    R(MPI_FLOAT, float, float, OPS_FLT),
    R(MPI_DOUBLE, double, double, OPS_FLT),
    R(MPI_LONG_DOUBLE, ldouble, long double, OPS_FLT),
    R(MPI_C_FLOAT_COMPLEX, fcplx, float _Complex, OPS_CPLX),
    R(MPI_C_DOUBLE_COMPLEX, dcplx, double _Complex, OPS_CPLX),
    R(MPI_C_LONG_DOUBLE_COMPLEX, ldcplx, long double _Complex, OPS_CPLX),
    R(MPI_FLOAT_INT, float_int, struct float_int, OPS_LOC),
    R(MPI_2INT, two_int, struct two_int, OPS_LOC),
    R(MPI_DOUBLE_INT, double_int, struct double_int, OPS_LOC),
    R(MPI_LONG_INT, long_int, struct long_int, OPS_LOC),
    R(MPI_SHORT_INT, short_int, struct short_int, OPS_LOC),
    R(MPI_LONG_DOUBLE_INT, ldouble_int, struct ldouble_int, OPS_LOC),
};

#define NRTYPES ((int) (sizeof(rtypes) / sizeof(rtypes[0])))

/* ---- reduce / allreduce ------------------------------------------------------------------- */

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n > 0 ? n : 1, sz);

    CHECK(p != NULL, "out of memory for %zu x %zu bytes", n, sz);
    return p;
}

static void compare(const struct rtype *t, int o, int n, const void *got, const void *want,
                    const char *call, int root, int in_place)
{
    for (int i = 0; i < n; i++) {
        if (!t->eq(got, want, i)) {
            char g[128], w[128];
            t->show(g, sizeof(g), got, i);
            t->show(w, sizeof(w), want, i);
            CHECK(0, "%s %s on %s count %d root %d%s: element %d is %s, want %s", call, op_name[o],
                  t->name, n, root, in_place ? " in place" : "", i, g, w);
        }
    }
}

/* The inputs of one (type, op, count): this rank's, and the result every rank combined. */
struct rcase {
    const struct rtype *t;
    int o, n;
    unsigned char *send, *want;
};

static void rcase_init(struct rcase *c, const struct rtype *t, int o, int n)
{
    unsigned char *tmp = xcalloc((size_t) n, t->extent);

    c->t = t;
    c->o = o;
    c->n = n;
    c->send = xcalloc((size_t) n, t->extent);
    c->want = xcalloc((size_t) n, t->extent);
    t->input(c->send, n, rank, o);
    t->input(c->want, n, 0, o);
    for (int r = 1; r < np; r++) {
        t->input(tmp, n, r, o);
        t->combine(c->want, tmp, n, o);
    }
    free(tmp);
}

static void rcase_fini(struct rcase *c)
{
    free(c->send);
    free(c->want);
}

/* One Reduce (root >= 0) or Allreduce (root < 0); checks the result wherever one is defined.
 * At non-roots the receive buffer is NULL when `null_recv` is set. */
static void reduce_one(const struct rcase *c, int root, int in_place, int null_recv)
{
    const struct rtype *t = c->t;
    size_t bytes = (size_t) c->n * t->extent;
    unsigned char *recv = xcalloc((size_t) c->n, t->extent);
    const char *call = root < 0 ? "MPI_Allreduce" : "MPI_Reduce";
    int mine = root < 0 || rank == root;

    if (in_place && mine) {
        memcpy(recv, c->send, bytes);
    }
    if (root < 0) {
        CHECK_MPI(MPI_Allreduce(in_place ? MPI_IN_PLACE : c->send, recv, c->n, t->dt,
                                op_handle(c->o), MPI_COMM_WORLD));
    } else {
        void *sb = in_place && mine ? MPI_IN_PLACE : (void *) c->send;
        void *rb = !mine && null_recv ? NULL : (void *) recv;
        CHECK_MPI(MPI_Reduce(sb, rb, c->n, t->dt, op_handle(c->o), root, MPI_COMM_WORLD));
    }
    if (mine) {
        compare(t, c->o, c->n, recv, c->want, call, root, in_place);
    }
    free(recv);
}

static const struct rtype *find_type(MPI_Datatype dt)
{
    for (int k = 0; k < NRTYPES; k++) {
        if (rtypes[k].dt == dt) {
            return &rtypes[k];
        }
    }
    CHECK(0, "type missing from the table");
    return NULL;
}

static void reductions(void)
{
    static const int counts[] = {1, 7, 1000}; /* 0 is covered below */
    const int ncounts = (int) (sizeof(counts) / sizeof(counts[0]));
    int combo = 0;

    /* Every valid (type, op) at small counts: Allreduce, and Reduce at a root that moves. */
    for (int k = 0; k < NRTYPES; k++) {
        const struct rtype *t = &rtypes[k];

        for (int o = 0; o < NOPS; o++) {
            if (!(t->ops & (1u << o))) {
                continue;
            }
            for (int c = 0; c < ncounts; c++) {
                struct rcase rc;

                rcase_init(&rc, t, o, counts[c]);
                reduce_one(&rc, -1, (combo + c) % 2, 0);
                reduce_one(&rc, (combo + c) % np, (combo + c + 1) % 2, (combo + c) % 3 == 0);
                rcase_fini(&rc);
            }
            combo++;
        }
    }

    /* Every root, in place or not, for a few (type, op) pairs at every count. */
    {
        /* `big`: also at the large count, which takes the longest */
        static const struct {
            MPI_Datatype dt;
            int op, big;
        } some[] = {
            {MPI_INT, O_SUM, 1},     {MPI_DOUBLE, O_MAX, 0},       {MPI_UINT8_T, O_BXOR, 0},
            {MPI_2INT, O_MAXLOC, 1}, {MPI_FLOAT_INT, O_MINLOC, 0},
        };
        static const int all_counts[] = {0, 1, 7, 1000, 300000};

        for (size_t s = 0; s < sizeof(some) / sizeof(some[0]); s++) {
            const struct rtype *t = find_type(some[s].dt);
            for (size_t c = 0; c < sizeof(all_counts) / sizeof(all_counts[0]); c++) {
                struct rcase rc;

                if (all_counts[c] > 1000 && !some[s].big) {
                    continue;
                }

                rcase_init(&rc, t, some[s].op, all_counts[c]);
                for (int root = 0; root < np; root++) {
                    for (int ip = 0; ip < 2; ip++) {
                        reduce_one(&rc, root, ip, (root + ip) % 2);
                    }
                }
                reduce_one(&rc, -1, 0, 0);
                reduce_one(&rc, -1, 1, 0);
                rcase_fini(&rc);
            }
        }
    }

    /* Large counts, where a ring or pipelined algorithm takes over: every op once. */
    {
        static const struct {
            MPI_Datatype dt;
            int op;
        } big[] = {
            {MPI_LONG_LONG, O_SUM},
            {MPI_INT, O_PROD},
            {MPI_SHORT, O_MIN},
            {MPI_UNSIGNED, O_MAX},
            {MPI_INT, O_LAND},
            {MPI_C_BOOL, O_LOR},
            {MPI_UNSIGNED_CHAR, O_LXOR},
            {MPI_BYTE, O_BAND},
            {MPI_UINT64_T, O_BOR},
            {MPI_INT16_T, O_BXOR},
            {MPI_DOUBLE, O_SUM},
            {MPI_FLOAT, O_PROD},
            {MPI_LONG_DOUBLE, O_MIN},
            {MPI_C_DOUBLE_COMPLEX, O_SUM},
            {MPI_C_FLOAT_COMPLEX, O_PROD},
            {MPI_DOUBLE_INT, O_MAXLOC},
            {MPI_2INT, O_MINLOC},
        };

        for (size_t s = 0; s < sizeof(big) / sizeof(big[0]); s++) {
            const struct rtype *t = find_type(big[s].dt);
            struct rcase rc;

            rcase_init(&rc, t, big[s].op, 300000);
            reduce_one(&rc, -1, (int) (s % 2), 0);
            reduce_one(&rc, (int) s % np, (int) (s + 1) % 2, 0);
            rcase_fini(&rc);
        }
    }
}

/* ---- bcast, allgather, alltoall ----------------------------------------------------------- */

static void bcasts(void)
{
    static const size_t sizes[] = {0, 1, 7, 100, 8191, 8192, 8193, 65536, 1 << 20, (4 << 20) + 3};

    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t n = sizes[s];
        unsigned char *buf = malloc(n + 16);

        CHECK(buf != NULL, "out of memory");
        for (int root = 0; root < np; root++) {
            unsigned seed = (unsigned) (root * 100 + s);

            if (rank == root) {
                check_fill(buf, n, seed);
            } else {
                memset(buf, 0, n);
            }
            memset(buf + n, CHECK_GUARD_BYTE, 16);
            CHECK_MPI(MPI_Bcast(buf, (int) n, MPI_BYTE, root, MPI_COMM_WORLD));
            CHECK_PATTERN(buf, n, seed, "MPI_Bcast of %zu bytes from root %d", n, root);
            CHECK_GUARD(buf + n, 16, "MPI_Bcast of %zu bytes from root %d", n, root);
        }
        /* The same bytes as doubles: a typed count */
        if (n % sizeof(double) == 0 && n > 0) {
            int root = (int) s % np;
            unsigned seed = (unsigned) (root * 100 + s + 50);
            if (rank == root) {
                check_fill(buf, n, seed);
            } else {
                memset(buf, 0, n);
            }
            CHECK_MPI(MPI_Bcast(buf, (int) (n / sizeof(double)), MPI_DOUBLE, root, MPI_COMM_WORLD));
            CHECK_PATTERN(buf, n, seed, "MPI_Bcast of %zu doubles from root %d", n / sizeof(double),
                          root);
        }
        free(buf);
    }
}

static unsigned block_seed(int from, int to, size_t blk)
{
    return (unsigned) (from * 65599 + to * 257 + (int) blk);
}

static void allgathers(void)
{
    static const size_t blocks[] = {0, 8, 1024, 65536};

    for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
        size_t blk = blocks[b], total = blk * (size_t) np;
        int cnt = (int) (blk / sizeof(int));
        unsigned char *mine = malloc(blk + 1), *all = malloc(total + 16);

        CHECK(mine != NULL && all != NULL, "out of memory");
        for (int in_place = 0; in_place < 2; in_place++) {
            for (int as_int = 0; as_int < 2; as_int++) {
                MPI_Datatype dt = as_int ? MPI_INT : MPI_BYTE;
                int c = as_int ? cnt : (int) blk;

                memset(all, 0, total);
                memset(all + total, CHECK_GUARD_BYTE, 16);
                check_fill(mine, blk, block_seed(rank, 0, blk));
                if (in_place) {
                    memcpy(all + (size_t) rank * blk, mine, blk);
                    CHECK_MPI(MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all, c, dt,
                                            MPI_COMM_WORLD));
                } else {
                    CHECK_MPI(MPI_Allgather(mine, c, dt, all, c, dt, MPI_COMM_WORLD));
                }
                for (int r = 0; r < np; r++) {
                    CHECK_PATTERN(all + (size_t) r * blk, blk, block_seed(r, 0, blk),
                                  "MPI_Allgather%s of %zu-byte blocks as %s: block of rank %d",
                                  in_place ? " in place" : "", blk, as_int ? "MPI_INT" : "MPI_BYTE",
                                  r);
                }
                CHECK_GUARD(all + total, 16, "MPI_Allgather of %zu-byte blocks", blk);
            }
        }
        free(mine);
        free(all);
    }
}

static void alltoalls(void)
{
    static const size_t blocks[] = {0, 8, 1024, 65536};

    for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
        size_t blk = blocks[b], total = blk * (size_t) np;
        unsigned char *out = malloc(total + 1), *in = malloc(total + 16);

        CHECK(out != NULL && in != NULL, "out of memory");
        for (int in_place = 0; in_place < 2; in_place++) {
            for (int as_int = 0; as_int < 2; as_int++) {
                MPI_Datatype dt = as_int ? MPI_INT : MPI_BYTE;
                int c = as_int ? (int) (blk / sizeof(int)) : (int) blk;

                for (int to = 0; to < np; to++) {
                    check_fill(out + (size_t) to * blk, blk, block_seed(rank, to, blk));
                }
                memset(in + total, CHECK_GUARD_BYTE, 16);
                if (in_place) {
                    memcpy(in, out, total);
                    CHECK_MPI(MPI_Alltoall(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, in, c, dt,
                                           MPI_COMM_WORLD));
                } else {
                    memset(in, 0, total);
                    CHECK_MPI(MPI_Alltoall(out, c, dt, in, c, dt, MPI_COMM_WORLD));
                }
                for (int from = 0; from < np; from++) {
                    CHECK_PATTERN(in + (size_t) from * blk, blk, block_seed(from, rank, blk),
                                  "MPI_Alltoall%s of %zu-byte blocks as %s: block from rank %d",
                                  in_place ? " in place" : "", blk, as_int ? "MPI_INT" : "MPI_BYTE",
                                  from);
                }
                CHECK_GUARD(in + total, 16, "MPI_Alltoall of %zu-byte blocks", blk);
            }
        }
        free(out);
        free(in);
    }
}

/* The same operations over MPI_COMM_SELF: a communicator of one. */
static void on_self(void)
{
    int in[3] = {rank, 2, 3}, out[3] = {0, 0, 0};

    CHECK_MPI(MPI_Barrier(MPI_COMM_SELF));
    CHECK_MPI(MPI_Allreduce(in, out, 3, MPI_INT, MPI_SUM, MPI_COMM_SELF));
    CHECK(out[0] == rank && out[1] == 2 && out[2] == 3,
          "MPI_Allreduce on MPI_COMM_SELF "
          "gives %d %d %d",
          out[0], out[1], out[2]);
    CHECK_MPI(MPI_Reduce(in, out, 3, MPI_INT, MPI_PROD, 0, MPI_COMM_SELF));
    CHECK(out[0] == rank && out[1] == 2, "MPI_Reduce on MPI_COMM_SELF gives %d %d", out[0], out[1]);
    CHECK_MPI(MPI_Bcast(in, 3, MPI_INT, 0, MPI_COMM_SELF));
    CHECK_MPI(MPI_Allgather(in, 3, MPI_INT, out, 3, MPI_INT, MPI_COMM_SELF));
    CHECK(out[0] == rank && out[2] == 3, "MPI_Allgather on MPI_COMM_SELF gives %d %d", out[0],
          out[2]);
    CHECK_MPI(MPI_Alltoall(in, 3, MPI_INT, out, 3, MPI_INT, MPI_COMM_SELF));
    CHECK(out[0] == rank && out[2] == 3, "MPI_Alltoall on MPI_COMM_SELF gives %d %d", out[0],
          out[2]);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    check_init("coll_basic");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);

    for (int i = 0; i < 20; i++) {
        CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    }
    bcasts();
    reductions();
    allgathers();
    alltoalls();
    on_self();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    MPI_Finalize();
    return 0;
}

/* dt_pack: MPI_Pack / MPI_Unpack of derived datatypes (vector, indexed, struct with holes,
 * 3-D subarray face, darray, resized with a negative lb), checked against the positions the
 * test computes itself; bytes outside the type map must stay untouched. The packed bytes also
 * travel to the next rank as MPI_PACKED and are unpacked there. Then external32 (big-endian,
 * MPI_LONG as 4 bytes), absolute addresses from MPI_BOTTOM, MPI_Pack_size, and MPI_Get_elements
 * on a received message. */
#include "check.h"

#include <stdbool.h>
#include <stddef.h>

#define NBYTES 65536 /* the typed buffer every case lives in */

/* One case: a type over a byte buffer, and the offsets (in type-map order) of its bytes. */
struct pcase {
    const char *name;
    MPI_Datatype type;
    int count;
    size_t origin; /* where buf points inside the byte buffer */
    size_t *map;   /* byte offsets from the buffer start, in packed order */
    size_t n;
};

static void map_add(struct pcase *c, size_t off, size_t len)
{
    c->map = realloc(c->map, (c->n + len) * sizeof(*c->map));
    CHECK(c->map != NULL, "out of memory");
    for (size_t i = 0; i < len; i++) {
        c->map[c->n++] = off + i;
    }
}

static void make_vector(struct pcase *c)
{
    /* 8-byte blocks, 16-byte stride: the benchmark's pattern */
    c->name = "vector 8B/16B";
    c->count = 2;
    CHECK_MPI(MPI_Type_vector(1000, 1, 2, MPI_DOUBLE, &c->type));
    for (int k = 0; k < c->count; k++) {
        for (int i = 0; i < 1000; i++) {
            map_add(c, (size_t) k * 15992 + (size_t) i * 16, 8);
        }
    }
}

static void make_indexed(struct pcase *c)
{
    int bl[5] = {3, 1, 7, 2, 1}, d[5] = {40, 0, 9, 100, 1};

    c->name = "indexed (out of order)";
    c->count = 3;
    CHECK_MPI(MPI_Type_indexed(5, bl, d, MPI_INT, &c->type));
    /* the blocks span ints 0 .. 101, so elements are 102 ints apart */
    for (int k = 0; k < c->count; k++) {
        for (int b = 0; b < 5; b++) {
            map_add(c, (size_t) k * 408 + (size_t) d[b] * 4, (size_t) bl[b] * 4);
        }
    }
}

struct rec {
    int i;
    double x;
    char s[3];
};

static void make_struct(struct pcase *c)
{
    int bl[3] = {1, 1, 3};
    MPI_Aint d[3] = {offsetof(struct rec, i), offsetof(struct rec, x), offsetof(struct rec, s)};
    MPI_Datatype ty[3] = {MPI_INT, MPI_DOUBLE, MPI_CHAR};

    c->name = "struct {int, double, char[3]}";
    c->count = 50;
    CHECK_MPI(MPI_Type_create_struct(3, bl, d, ty, &c->type));
    for (int k = 0; k < c->count; k++) {
        size_t at = (size_t) k * sizeof(struct rec);

        map_add(c, at + d[0], 4);
        map_add(c, at + d[1], 8);
        map_add(c, at + d[2], 3);
    }
}

static void make_subarray(struct pcase *c)
{
    /* the x = 3 face of a 10 x 12 x 14 array of floats, C order */
    int sizes[3] = {10, 12, 14}, subs[3] = {1, 12, 14}, starts[3] = {3, 0, 0};

    c->name = "subarray 3-D face";
    c->count = 1;
    CHECK_MPI(MPI_Type_create_subarray(3, sizes, subs, starts, MPI_ORDER_C, MPI_FLOAT, &c->type));
    for (int y = 0; y < 12; y++) {
        map_add(c, ((size_t) 3 * 12 * 14 + (size_t) y * 14) * 4, 14 * 4);
    }
}

static void make_darray(struct pcase *c, int rank, int size)
{
    /* a 6 x 8 grid of ints, rows cyclic(2) over all ranks, columns not distributed */
    int gs[2] = {6, 8}, dist[2] = {MPI_DISTRIBUTE_CYCLIC, MPI_DISTRIBUTE_NONE};
    int darg[2] = {2, MPI_DISTRIBUTE_DFLT_DARG}, ps[2] = {size, 1};

    c->name = "darray cyclic(2) x none";
    c->count = 1;
    CHECK_MPI(
        MPI_Type_create_darray(size, rank, 2, gs, dist, darg, ps, MPI_ORDER_C, MPI_INT, &c->type));
    for (int row = 0; row < 6; row++) {
        if ((row / 2) % size == rank) {
            map_add(c, (size_t) row * 8 * 4, 8 * 4);
        }
    }
}

static void make_resized(struct pcase *c)
{
    MPI_Datatype pair;
    int bl[2] = {1, 1};
    MPI_Aint d[2] = {0, 12};
    MPI_Datatype ty[2] = {MPI_SHORT, MPI_SHORT};

    /* two shorts 12 bytes apart, re-based so that lb is -4 and elements are 20 bytes apart */
    c->name = "resized, negative lb";
    c->count = 4;
    c->origin = 64;
    CHECK_MPI(MPI_Type_create_struct(2, bl, d, ty, &pair));
    CHECK_MPI(MPI_Type_create_resized(pair, -4, 20, &c->type));
    CHECK_MPI(MPI_Type_free(&pair));
    for (int k = 0; k < c->count; k++) {
        map_add(c, 64 + (size_t) k * 20, 2);
        map_add(c, 64 + (size_t) k * 20 + 12, 2);
    }
}

/* Pack case c from a patterned buffer, check the packed bytes, unpack into a guarded buffer
 * and check every byte. Returns the packed bytes (caller frees) for the ring exchange. */
static unsigned char *run_case(struct pcase *c, unsigned seed, int *packed_len)
{
    static unsigned char src[NBYTES], dst[NBYTES];
    unsigned char *packed;
    int size, pos = 0, pos2 = 0;

    CHECK_MPI(MPI_Type_commit(&c->type));
    CHECK_MPI(MPI_Pack_size(c->count, c->type, MPI_COMM_WORLD, &size));
    CHECK((size_t) size == c->n, "%s: MPI_Pack_size %d, want %zu", c->name, size, c->n);
    packed = malloc((size_t) size + 1);
    CHECK(packed != NULL, "out of memory");
    check_fill(src, sizeof(src), seed);
    CHECK_MPI(MPI_Pack(src + c->origin, c->count, c->type, packed, size, &pos, MPI_COMM_WORLD));
    CHECK(pos == size, "%s: position %d after MPI_Pack, want %d", c->name, pos, size);
    for (size_t i = 0; i < c->n; i++) {
        CHECK(packed[i] == check_pat(seed, c->map[i]), "%s: packed byte %zu (from offset %zu)",
              c->name, i, c->map[i]);
    }
    memset(dst, CHECK_GUARD_BYTE, sizeof(dst));
    CHECK_MPI(MPI_Unpack(packed, size, &pos2, dst + c->origin, c->count, c->type, MPI_COMM_WORLD));
    CHECK(pos2 == size, "%s: position %d after MPI_Unpack", c->name, pos2);
    for (size_t i = 0; i < c->n; i++) {
        dst[c->map[i]] ^= CHECK_GUARD_BYTE ^ 0x5a; /* mark as seen; untouched bytes stay */
        CHECK((dst[c->map[i]] ^ 0x5a ^ CHECK_GUARD_BYTE) == check_pat(seed, c->map[i]),
              "%s: unpacked byte at offset %zu", c->name, c->map[i]);
        dst[c->map[i]] = CHECK_GUARD_BYTE;
    }
    CHECK_GUARD(dst, sizeof(dst), "%s: MPI_Unpack wrote outside the type map", c->name);
    *packed_len = size;
    return packed;
}

/* Rank r's packed bytes go to r + 1 as MPI_PACKED; the receiver unpacks them with the same
 * type and must find rank r - 1's pattern. */
static void ring(struct pcase *c, unsigned char *mine, int len, int rank, int size)
{
    static unsigned char got[NBYTES];
    unsigned char *in = malloc((size_t) len + 1);
    int pos = 0, from = (rank + size - 1) % size;

    CHECK(in != NULL, "out of memory");
    CHECK_MPI(MPI_Sendrecv(mine, len, MPI_PACKED, (rank + 1) % size, 7, in, len, MPI_PACKED, from,
                           7, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    memset(got, 0, sizeof(got));
    CHECK_MPI(MPI_Unpack(in, len, &pos, got + c->origin, c->count, c->type, MPI_COMM_WORLD));
    for (size_t i = 0; i < c->n; i++) {
        CHECK(got[c->map[i]] == check_pat(100 + (unsigned) from, c->map[i]),
              "%s: byte at offset %zu from rank %d", c->name, c->map[i], from);
    }
    free(in);
}

static void check_external32(void)
{
    int vals[2] = {1, -2};
    long l = -3;
    unsigned char buf[16];
    MPI_Aint pos = 0, sz;
    static const unsigned char want[12] = {0,    0,    0,    1,    0xff, 0xff,
                                           0xff, 0xfe, 0xff, 0xff, 0xff, 0xfd};
    int back[2];
    long lback;

    CHECK_MPI(MPI_Pack_external_size("external32", 1, MPI_LONG, &sz));
    CHECK(sz == 4, "MPI_LONG is %ld bytes in external32, want 4", (long) sz);
    CHECK_MPI(MPI_Pack_external("external32", vals, 2, MPI_INT, buf, sizeof(buf), &pos));
    CHECK_MPI(MPI_Pack_external("external32", &l, 1, MPI_LONG, buf, sizeof(buf), &pos));
    CHECK(pos == 12 && memcmp(buf, want, 12) == 0, "external32 bytes (position %ld)", (long) pos);
    pos = 0;
    CHECK_MPI(MPI_Unpack_external("external32", buf, 12, &pos, back, 2, MPI_INT));
    CHECK_MPI(MPI_Unpack_external("external32", buf, 12, &pos, &lback, 1, MPI_LONG));
    CHECK(back[0] == 1 && back[1] == -2 && lback == -3, "external32 round trip");
    pos = 0;
    CHECK(MPI_Pack_external("external32", vals, 2, MPI_INT, buf, 4, &pos) == MPI_ERR_TRUNCATE,
          "packing past outsize must fail");
}

/* A struct of absolute addresses (MPI_Get_address) packed from and unpacked to MPI_BOTTOM. */
static void check_bottom(void)
{
    int i = 42, i2 = 0;
    double x[3] = { 1.5, 2.5, 3.5 }, x2[3] = { 0, 0, 0 };
    int bl[2] = { 1, 3 }, pos = 0;
    MPI_Aint d[2];
    MPI_Datatype ty[2] = { MPI_INT, MPI_DOUBLE }, abs_t, back_t;
    unsigned char buf[64];

    CHECK_MPI(MPI_Get_address(&i, &d[0]));
    CHECK_MPI(MPI_Get_address(x, &d[1]));
    CHECK_MPI(MPI_Type_create_struct(2, bl, d, ty, &abs_t));
    CHECK_MPI(MPI_Type_commit(&abs_t));
    CHECK_MPI(MPI_Pack(MPI_BOTTOM, 1, abs_t, buf, sizeof(buf), &pos, MPI_COMM_WORLD));
    CHECK(pos == 28, "absolute struct packs to %d bytes, want 28", pos);
    CHECK_MPI(MPI_Get_address(&i2, &d[0]));
    CHECK_MPI(MPI_Get_address(x2, &d[1]));
    CHECK_MPI(MPI_Type_create_struct(2, bl, d, ty, &back_t));
    CHECK_MPI(MPI_Type_commit(&back_t));
    pos = 0;
    CHECK_MPI(MPI_Unpack(buf, 28, &pos, MPI_BOTTOM, 1, back_t, MPI_COMM_WORLD));
    CHECK(i2 == 42 && x2[0] == 1.5 && x2[2] == 3.5, "MPI_BOTTOM round trip");
    CHECK_MPI(MPI_Type_free(&abs_t));
    CHECK_MPI(MPI_Type_free(&back_t));
}

/* MPI_Get_elements counts basic elements of the receive type, also part of one element. */
static void check_elements(void)
{
    MPI_Datatype three, st;
    int out[5] = {1, 2, 3, 4, 5}, in[8], n, bl[2] = {1, 1};
    MPI_Aint d[2] = {0, 8};
    MPI_Datatype ty[2] = {MPI_INT, MPI_DOUBLE};
    MPI_Status status;

    CHECK_MPI(MPI_Type_contiguous(3, MPI_INT, &three));
    CHECK_MPI(MPI_Type_commit(&three));
    CHECK_MPI(MPI_Sendrecv(out, 5, MPI_INT, 0, 3, in, 8, MPI_INT, 0, 3, MPI_COMM_SELF, &status));
    CHECK_MPI(MPI_Get_elements(&status, three, &n));
    CHECK(n == 5, "MPI_Get_elements: %d, want 5", n);
    CHECK_MPI(MPI_Get_count(&status, three, &n));
    CHECK(n == MPI_UNDEFINED, "MPI_Get_count of 5 ints as triples: %d", n);
    /* 16 bytes as struct {int; double}: one element (12 bytes) and one int */
    CHECK_MPI(MPI_Type_create_struct(2, bl, d, ty, &st));
    CHECK_MPI(MPI_Type_commit(&st));
    CHECK_MPI(MPI_Sendrecv(out, 4, MPI_INT, 0, 4, in, 8, MPI_INT, 0, 4, MPI_COMM_SELF, &status));
    CHECK_MPI(MPI_Get_elements(&status, st, &n));
    CHECK(n == 3, "MPI_Get_elements of 16 bytes as {int, double}: %d, want 3", n);
    CHECK_MPI(MPI_Type_free(&three));
    CHECK_MPI(MPI_Type_free(&st));
}

int main(int argc, char **argv)
{
    struct pcase cases[6];
    int rank, size, len;

    MPI_Init(&argc, &argv);
    check_init("dt_pack");
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    memset(cases, 0, sizeof(cases));
    make_vector(&cases[0]);
    make_indexed(&cases[1]);
    make_struct(&cases[2]);
    make_subarray(&cases[3]);
    make_darray(&cases[4], rank, size);
    make_resized(&cases[5]);
    for (int k = 0; k < 6; k++) {
        unsigned char *mine;

        free(run_case(&cases[k], 1 + (unsigned) k, &len));
        free(run_case(&cases[k], 1 + (unsigned) k, &len)); /* a committed type commits again */
        if (k == 4) {
            continue; /* each rank's darray has its own shape */
        }
        mine = malloc(NBYTES);
        CHECK(mine != NULL, "out of memory");
        {
            static unsigned char src[NBYTES];
            int pos = 0;

            check_fill(src, sizeof(src), 100 + (unsigned) rank);
            CHECK_MPI(MPI_Pack(src + cases[k].origin, cases[k].count, cases[k].type, mine, NBYTES,
                               &pos, MPI_COMM_WORLD));
            ring(&cases[k], mine, pos, rank, size);
        }
        free(mine);
    }
    for (int k = 0; k < 6; k++) {
        CHECK_MPI(MPI_Type_free(&cases[k].type));
        free(cases[k].map);
    }
    check_external32();
    check_bottom();
    check_elements();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    MPI_Finalize();
    return 0;
}

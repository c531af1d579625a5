/* dt_sendrecv: point-to-point with derived datatypes around a ring (rank r to r + 1): a send
 * type and a different receive type with the same type signature (vector to contiguous,
 * indexed to vector, one subarray face to another), structs whose holes must stay untouched,
 * a 1 MiB vector of 8-byte blocks (rendezvous sized), MPI_Get_count / MPI_Get_elements with
 * the receive type, and a type freed while its nonblocking send is pending. */
#include "check.h"

#include <stdbool.h>
#include <stddef.h>

static int rank, size, next, prev;

static double dval(unsigned seed, size_t i)
{
    return (double) (seed * 1000003u + (unsigned) i) * 0.5;
}

/* vector of n doubles at stride 2 out, n contiguous doubles in */
static void vector_to_contiguous(int n, int tag)
{
    double *src = malloc(2 * (size_t) n * sizeof(double)), *dst = malloc((size_t) n * 8 + 8);
    MPI_Datatype vec;
    MPI_Status st;
    int cnt;

    CHECK(src != NULL && dst != NULL, "out of memory");
    for (int i = 0; i < 2 * n; i++) {
        src[i] = dval((unsigned) rank, (size_t) i);
    }
    CHECK_MPI(MPI_Type_vector(n, 1, 2, MPI_DOUBLE, &vec));
    CHECK_MPI(MPI_Type_commit(&vec));
    memset(dst, 0, (size_t) n * 8 + 8);
    CHECK_MPI(
        MPI_Sendrecv(src, 1, vec, next, tag, dst, n, MPI_DOUBLE, prev, tag, MPI_COMM_WORLD, &st));
    for (int i = 0; i < n; i++) {
        CHECK(dst[i] == dval((unsigned) prev, 2 * (size_t) i), "vector(%d) element %d: %g", n, i,
              dst[i]);
    }
    CHECK(dst[n] == 0.0, "vector(%d): a double past the message was written", n);
    CHECK_MPI(MPI_Get_count(&st, MPI_DOUBLE, &cnt));
    CHECK(cnt == n, "MPI_Get_count %d, want %d", cnt, n);
    /* and back: contiguous out, vector in; the gaps keep their values */
    for (int i = 0; i < 2 * n; i++) {
        src[i] = -1.0;
    }
    CHECK_MPI(MPI_Sendrecv(dst, n, MPI_DOUBLE, prev, tag + 1, src, 1, vec, next, tag + 1,
                           MPI_COMM_WORLD, &st));
    for (int i = 0; i < n; i++) {
        CHECK(src[2 * i] == dval((unsigned) rank, 2 * (size_t) i) && src[2 * i + 1] == -1.0,
              "contiguous to vector(%d): element %d", n, i);
    }
    CHECK_MPI(MPI_Get_count(&st, vec, &cnt));
    CHECK(cnt == 1, "MPI_Get_count with the vector type: %d", cnt);
    CHECK_MPI(MPI_Get_elements(&st, vec, &cnt));
    CHECK(cnt == n, "MPI_Get_elements with the vector type: %d", cnt);
    CHECK_MPI(MPI_Type_free(&vec));
    free(src);
    free(dst);
}

struct rec {
    int i;
    double x;
    char s[3];
};

static void structs(void)
{
    struct rec out[40], in[40];
    int bl[3] = {1, 1, 3};
    MPI_Aint d[3] = {offsetof(struct rec, i), offsetof(struct rec, x), offsetof(struct rec, s)};
    MPI_Datatype ty[3] = {MPI_INT, MPI_DOUBLE, MPI_CHAR}, st;

    CHECK_MPI(MPI_Type_create_struct(3, bl, d, ty, &st));
    CHECK_MPI(MPI_Type_commit(&st));
    memset(out, 0x11, sizeof(out));
    for (int k = 0; k < 40; k++) {
        out[k].i = rank * 100 + k;
        out[k].x = dval((unsigned) rank, (size_t) k);
        memcpy(out[k].s, "abc", 3);
        out[k].s[2] = (char) ('a' + k % 26);
    }
    memset(in, CHECK_GUARD_BYTE, sizeof(in));
    CHECK_MPI(MPI_Sendrecv(out, 40, st, next, 20, in, 40, st, prev, 20, MPI_COMM_WORLD,
                           MPI_STATUS_IGNORE));
    for (int k = 0; k < 40; k++) {
        unsigned char *p = (unsigned char *) &in[k];

        CHECK(in[k].i == prev * 100 + k && in[k].x == dval((unsigned) prev, (size_t) k)
                  && in[k].s[0] == 'a' && in[k].s[2] == (char) ('a' + k % 26),
              "struct element %d", k);
        /* the holes (after i, after s) are not part of the type: untouched */
        CHECK(p[sizeof(int)] == CHECK_GUARD_BYTE && p[sizeof(struct rec) - 1] == CHECK_GUARD_BYTE,
              "struct element %d: padding was written", k);
    }
    CHECK_MPI(MPI_Type_free(&st));
}

/* Faces of an 8 x 8 x 8 int array: the sender's x = 2 face lands in the receiver's y = 5
 * face of b, then the sender's z = 3 face (single ints 32 bytes apart) in the x = 6 face of c.
 * Each face is 64 ints in C order, so element l of one is element l of the other. */
static void faces(void)
{
    static int a[8][8][8], b[8][8][8], c[8][8][8];
    int sizes[3] = {8, 8, 8};
    int xs[3] = {1, 8, 8}, ys[3] = {8, 1, 8}, zs[3] = {8, 8, 1};
    int x2[3] = {2, 0, 0}, y5[3] = {0, 5, 0}, z3[3] = {0, 0, 3}, x6[3] = {6, 0, 0};
    MPI_Datatype xface, yface, zface, xface6;

    for (int x = 0; x < 8; x++) {
        for (int y = 0; y < 8; y++) {
            for (int z = 0; z < 8; z++) {
                a[x][y][z] = rank * 10000 + x * 100 + y * 10 + z;
                b[x][y][z] = -1;
                c[x][y][z] = -1;
            }
        }
    }
    CHECK_MPI(MPI_Type_create_subarray(3, sizes, xs, x2, MPI_ORDER_C, MPI_INT, &xface));
    CHECK_MPI(MPI_Type_create_subarray(3, sizes, ys, y5, MPI_ORDER_C, MPI_INT, &yface));
    CHECK_MPI(MPI_Type_create_subarray(3, sizes, zs, z3, MPI_ORDER_C, MPI_INT, &zface));
    CHECK_MPI(MPI_Type_create_subarray(3, sizes, xs, x6, MPI_ORDER_C, MPI_INT, &xface6));
    CHECK_MPI(MPI_Type_commit(&xface));
    CHECK_MPI(MPI_Type_commit(&yface));
    CHECK_MPI(MPI_Type_commit(&zface));
    CHECK_MPI(MPI_Type_commit(&xface6));
    CHECK_MPI(MPI_Sendrecv(a, 1, xface, next, 30, b, 1, yface, prev, 30, MPI_COMM_WORLD,
                           MPI_STATUS_IGNORE));
    CHECK_MPI(MPI_Sendrecv(a, 1, zface, next, 31, c, 1, xface6, prev, 31, MPI_COMM_WORLD,
                           MPI_STATUS_IGNORE));
    for (int i = 0; i < 8; i++) {
        for (int k = 0; k < 8; k++) {
            CHECK(b[i][5][k] == prev * 10000 + 200 + i * 10 + k, "x to y face (%d, 5, %d): %d", i,
                  k, b[i][5][k]);
            CHECK(c[6][i][k] == prev * 10000 + i * 100 + k * 10 + 3, "z to x face (6, %d, %d)", i,
                  k);
        }
    }
    CHECK(b[0][0][0] == -1 && b[7][4][7] == -1 && c[5][7][7] == -1 && c[7][0][0] == -1,
          "bytes outside the faces were written");
    CHECK_MPI(MPI_Type_free(&xface));
    CHECK_MPI(MPI_Type_free(&yface));
    CHECK_MPI(MPI_Type_free(&zface));
    CHECK_MPI(MPI_Type_free(&xface6));
}

/* A type freed right after MPI_Isend: the send still completes with the right data. */
static void free_while_pending(void)
{
    int src[64], dst[32];
    int bl[4] = {1, 2, 3, 2}, d[4] = {60, 0, 10, 20};
    MPI_Datatype idx, vec;
    MPI_Request req[2];

    for (int i = 0; i < 64; i++) {
        src[i] = rank * 1000 + i;
    }
    CHECK_MPI(MPI_Type_indexed(4, bl, d, MPI_INT, &idx));
    CHECK_MPI(MPI_Type_commit(&idx));
    CHECK_MPI(MPI_Type_vector(8, 1, 4, MPI_INT, &vec)); /* 8 ints, receive side */
    CHECK_MPI(MPI_Type_commit(&vec));
    memset(dst, 0xff, sizeof(dst));
    CHECK_MPI(MPI_Irecv(dst, 1, vec, prev, 40, MPI_COMM_WORLD, &req[0]));
    CHECK_MPI(MPI_Isend(src, 1, idx, next, 40, MPI_COMM_WORLD, &req[1]));
    CHECK_MPI(MPI_Type_free(&idx));
    CHECK_MPI(MPI_Type_free(&vec));
    CHECK_MPI(MPI_Waitall(2, req, MPI_STATUSES_IGNORE));
    {
        static const int order[8] = {60, 0, 1, 10, 11, 12, 20, 21};

        for (int i = 0; i < 8; i++) {
            CHECK(dst[4 * i] == prev * 1000 + order[i], "indexed to vector element %d: %d", i,
                  dst[4 * i]);
            CHECK(i == 7 || dst[4 * i + 1] == -1, "vector gap after element %d written", i);
        }
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    check_init("dt_sendrecv");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    next = (rank + 1) % size;
    prev = (rank + size - 1) % size;
    vector_to_contiguous(10, 1);
    vector_to_contiguous(1000, 3);
    vector_to_contiguous(131072, 5); /* 1 MiB of 8-byte blocks at a 16-byte stride */
    structs();
    faces();
    free_while_pending();
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    MPI_Finalize();
    return 0;
}

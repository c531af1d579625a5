/* MPI-IO: open modes and their errors, contiguous and strided views (each rank's blocks
 * interleaved through a vector filetype), collective, explicit-offset, nonblocking and split
 * accesses, the shared file pointer and ordered accesses (file contents checked byte by byte),
 * sizes, DELETE_ON_CLOSE, error classes and handlers, c2f/f2c. Files live in a temporary
 * directory that rank 0 removes at the end, which fails if anything was left in it. */
#include "check.h"

#include <errno.h>
#include <unistd.h>

static int rank, size;
static char dir[256];

static int class_of(int code)
{
    int cls;

    MPI_Error_class(code, &cls);
    return cls;
}

#define EXPECT(call, cls)                                                                          \
    do {                                                                                           \
        int got_ = class_of(call);                                                                 \
        CHECK(got_ == (cls), "%s gave class %d, not %s (%d)", #call, got_, #cls, (cls));           \
    } while (0)

static const char *path(const char *name)
{
    static char p[4][320];
    static int i;

    i = (i + 1) % 4;
    snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
    return p[i];
}

static void check_count(const MPI_Status *st, MPI_Datatype dt, int want, const char *what)
{
    int n = -1;

    CHECK_MPI(MPI_Get_count(st, dt, &n));
    CHECK(n == want, "%s: MPI_Get_count %d, expected %d", what, n, want);
}

static void test_errors(void)
{
    MPI_Errhandler eh;
    MPI_File fh;
    MPI_Offset sz;

    CHECK_MPI(MPI_File_get_errhandler(MPI_FILE_NULL, &eh));
    CHECK(eh == MPI_ERRORS_RETURN, "MPI_FILE_NULL's handler is not MPI_ERRORS_RETURN");
    EXPECT(MPI_File_open(MPI_COMM_WORLD, path("missing"), MPI_MODE_RDONLY, MPI_INFO_NULL, &fh),
           MPI_ERR_NO_SUCH_FILE);
    CHECK(fh == MPI_FILE_NULL, "a failed open left a handle");
    EXPECT(MPI_File_open(MPI_COMM_WORLD, path("x"), MPI_MODE_RDONLY | MPI_MODE_RDWR,
                         MPI_INFO_NULL, &fh), MPI_ERR_AMODE);
    EXPECT(MPI_File_open(MPI_COMM_WORLD, path("x"), MPI_MODE_RDONLY | MPI_MODE_CREATE,
                         MPI_INFO_NULL, &fh), MPI_ERR_AMODE);
    EXPECT(MPI_File_open(MPI_COMM_WORLD, path("x"), MPI_MODE_CREATE, MPI_INFO_NULL, &fh),
           MPI_ERR_AMODE);
    EXPECT(MPI_File_get_size(MPI_FILE_NULL, &sz), MPI_ERR_FILE);
    /* EXCL: rank 0 creates, the others open it, nobody sees "exists" */
    CHECK_MPI(MPI_File_open(MPI_COMM_WORLD, path("excl"),
                            MPI_MODE_CREATE | MPI_MODE_EXCL | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh));
    CHECK_MPI(MPI_File_close(&fh));
    CHECK(fh == MPI_FILE_NULL, "close did not set MPI_FILE_NULL");
    EXPECT(MPI_File_open(MPI_COMM_WORLD, path("excl"),
                         MPI_MODE_CREATE | MPI_MODE_EXCL | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh),
           MPI_ERR_FILE_EXISTS);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        CHECK_MPI(MPI_File_delete(path("excl"), MPI_INFO_NULL));
        EXPECT(MPI_File_delete(path("excl"), MPI_INFO_NULL), MPI_ERR_NO_SUCH_FILE);
    }
    EXPECT(MPI_Register_datarep("mine", MPI_CONVERSION_FN_NULL, MPI_CONVERSION_FN_NULL, NULL,
                                NULL), MPI_ERR_UNSUPPORTED_DATAREP);
    MPI_Barrier(MPI_COMM_WORLD);
}

static int handler_calls, handler_code;

static void count_handler(MPI_File *fh, int *code, ...)
{
    (void) fh;
    handler_calls++;
    handler_code = *code;
}

/* Access modes, handlers, queries, c2f/f2c, hints, sizes. */
static void test_modes(void)
{
    MPI_File fh, back;
    MPI_Errhandler eh;
    MPI_Group g, wg;
    MPI_Info info, used;
    MPI_Offset sz;
    MPI_Fint fi;
    char c = 'x', val[64];
    int amode, flag, cmp;

    CHECK_MPI(MPI_File_open(MPI_COMM_WORLD, path("modes"), MPI_MODE_CREATE | MPI_MODE_WRONLY,
                            MPI_INFO_NULL, &fh));
    EXPECT(MPI_File_read_at(fh, 0, &c, 1, MPI_CHAR, MPI_STATUS_IGNORE), MPI_ERR_ACCESS);
    CHECK_MPI(MPI_File_create_errhandler(count_handler, &eh));
    CHECK_MPI(MPI_File_set_errhandler(fh, eh));
    CHECK_MPI(MPI_Errhandler_free(&eh));
    EXPECT(MPI_File_read(fh, &c, 1, MPI_CHAR, MPI_STATUS_IGNORE), MPI_ERR_ACCESS);
    CHECK(handler_calls == 1 && class_of(handler_code) == MPI_ERR_ACCESS,
          "the file's handler ran %d times (code %d)", handler_calls, handler_code);
    CHECK_MPI(MPI_File_call_errhandler(fh, MPI_ERR_IO));
    CHECK(handler_calls == 2 && handler_code == MPI_ERR_IO, "MPI_File_call_errhandler");
    CHECK_MPI(MPI_File_set_errhandler(fh, MPI_ERRORS_RETURN));
    CHECK_MPI(MPI_File_get_amode(fh, &amode));
    CHECK(amode == (MPI_MODE_CREATE | MPI_MODE_WRONLY), "amode %d", amode);
    CHECK_MPI(MPI_File_get_group(fh, &g));
    MPI_Comm_group(MPI_COMM_WORLD, &wg);
    MPI_Group_compare(g, wg, &cmp);
    CHECK(cmp == MPI_IDENT, "the file's group is not MPI_COMM_WORLD's");
    MPI_Group_free(&g);
    MPI_Group_free(&wg);
    fi = MPI_File_c2f(fh);
    back = MPI_File_f2c(fi);
    CHECK(back == fh, "MPI_File_f2c(MPI_File_c2f(fh)) is not fh");
    MPI_Info_create(&info);
    MPI_Info_set(info, "access_style", "write_once");
    CHECK_MPI(MPI_File_set_info(fh, info));
    MPI_Info_free(&info);
    CHECK_MPI(MPI_File_get_info(fh, &used));
    CHECK_MPI(MPI_Info_get_string(used, "access_style", &(int) { sizeof(val) }, val, &flag));
    CHECK(flag && strcmp(val, "write_once") == 0, "the hint did not round-trip");
    MPI_Info_free(&used);
    CHECK_MPI(MPI_File_set_atomicity(fh, 1));
    CHECK_MPI(MPI_File_get_atomicity(fh, &flag));
    CHECK(flag == 1, "atomicity not set");
    CHECK_MPI(MPI_File_set_size(fh, 100));
    CHECK_MPI(MPI_File_get_size(fh, &sz));
    CHECK(sz == 100, "size %lld after set_size(100)", (long long) sz);
    CHECK_MPI(MPI_File_set_size(fh, 10));
    CHECK_MPI(MPI_File_get_size(fh, &sz));
    CHECK(sz == 10, "size %lld after set_size(10)", (long long) sz);
    CHECK_MPI(MPI_File_preallocate(fh, 50));
    CHECK_MPI(MPI_File_get_size(fh, &sz));
    CHECK(sz == 50, "size %lld after preallocate(50)", (long long) sz);
    CHECK_MPI(MPI_File_close(&fh));
    CHECK(MPI_File_f2c(fi) == MPI_FILE_NULL, "f2c of a closed file's integer is not null");

    CHECK_MPI(MPI_File_open(MPI_COMM_WORLD, path("modes"), MPI_MODE_RDONLY, MPI_INFO_NULL, &fh));
    {
        int cls = class_of(MPI_File_write_at(fh, 0, &c, 1, MPI_CHAR, MPI_STATUS_IGNORE));

        CHECK(cls == MPI_ERR_READ_ONLY || cls == MPI_ERR_ACCESS, "write on RDONLY: class %d", cls);
    }
    EXPECT(MPI_File_set_view(fh, 0, MPI_BYTE, MPI_BYTE, "external32", MPI_INFO_NULL),
           MPI_ERR_UNSUPPORTED_DATAREP);
    CHECK_MPI(MPI_File_close(&fh));
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        CHECK_MPI(MPI_File_delete(path("modes"), MPI_INFO_NULL));
    }
    /* DELETE_ON_CLOSE */
    CHECK_MPI(MPI_File_open(MPI_COMM_WORLD, path("doc"),
                            MPI_MODE_CREATE | MPI_MODE_RDWR | MPI_MODE_DELETE_ON_CLOSE,
                            MPI_INFO_NULL, &fh));
    CHECK_MPI(MPI_File_write_at(fh, rank, &c, 1, MPI_CHAR, MPI_STATUS_IGNORE));
    CHECK_MPI(MPI_File_close(&fh));
    CHECK(access(path("doc"), F_OK) != 0 && errno == ENOENT,
          "MPI_MODE_DELETE_ON_CLOSE left the file");
}

/* Contiguous blocks by explicit offset, the individual pointer, nonblocking and split forms. */
static void test_contig(void)
{
    enum { N = 1000 };
    int *mine = malloc(N * sizeof(int)), *all = malloc((size_t) size * N * sizeof(int));
    MPI_Request req[2];
    MPI_Status st;
    MPI_Offset sz, pos;
    MPI_File fh;
    int flag = 0;

    for (int i = 0; i < N; i++) {
        mine[i] = rank * 1000000 + i;
    }
    CHECK_MPI(MPI_File_open(MPI_COMM_WORLD, path("contig"), MPI_MODE_CREATE | MPI_MODE_RDWR,
                            MPI_INFO_NULL, &fh));
    CHECK_MPI(MPI_File_write_at_all(fh, (MPI_Offset) rank * N * 4, mine, N, MPI_INT, &st));
    check_count(&st, MPI_INT, N, "write_at_all");
    CHECK_MPI(MPI_File_sync(fh));
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK_MPI(MPI_File_sync(fh));
    CHECK_MPI(MPI_File_get_size(fh, &sz));
    CHECK(sz == (MPI_Offset) size * N * 4, "size %lld", (long long) sz);
    CHECK_MPI(MPI_File_read_at(fh, 0, all, size * N, MPI_INT, &st));
    check_count(&st, MPI_INT, size * N, "read_at");
    for (int i = 0; i < size * N; i++) {
        CHECK(all[i] == (i / N) * 1000000 + i % N, "int %d is %d", i, all[i]);
    }
    /* past the end: a short read, counted */
    CHECK_MPI(MPI_File_read_at(fh, sz - 8, all, 10, MPI_INT, &st));
    check_count(&st, MPI_INT, 2, "read_at over the end");
    MPI_Barrier(MPI_COMM_WORLD);

    /* individual pointer: rank r writes its block at r*N with seek + nonblocking write */
    CHECK_MPI(MPI_File_seek(fh, (MPI_Offset) rank * N * 4, MPI_SEEK_SET));
    for (int i = 0; i < N; i++) {
        mine[i] = -(rank * 1000000 + i);
    }
    CHECK_MPI(MPI_File_iwrite(fh, mine, N, MPI_INT, &req[0]));
    CHECK_MPI(MPI_Wait(&req[0], &st));
    CHECK(req[0] == MPI_REQUEST_NULL, "MPI_Wait did not free the request");
    check_count(&st, MPI_INT, N, "iwrite");
    CHECK_MPI(MPI_File_get_position(fh, &pos));
    CHECK(pos == (MPI_Offset) (rank + 1) * N * 4, "position %lld", (long long) pos);
    CHECK_MPI(MPI_File_seek(fh, -N * 4, MPI_SEEK_CUR));
    memset(all, 0, (size_t) N * sizeof(int));
    CHECK_MPI(MPI_File_iread(fh, all, N / 2, MPI_INT, &req[0]));
    CHECK_MPI(MPI_File_iread_at(fh, (MPI_Offset) (rank * N + N / 2) * 4, all + N / 2, N / 2,
                                MPI_INT, &req[1]));
    while (!flag) {
        CHECK_MPI(MPI_Testall(2, req, &flag, MPI_STATUSES_IGNORE));
    }
    for (int i = 0; i < N; i++) {
        CHECK(all[i] == mine[i], "iread: int %d is %d", i, all[i]);
    }
    CHECK_MPI(MPI_File_seek(fh, 0, MPI_SEEK_END));
    CHECK_MPI(MPI_File_get_position(fh, &pos));
    CHECK(pos == sz, "SEEK_END gave %lld, size %lld", (long long) pos, (long long) sz);
    EXPECT(MPI_File_seek(fh, -1, MPI_SEEK_SET), MPI_ERR_ARG);

    /* split collectives, over the blocks everyone wrote above */
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK_MPI(MPI_File_write_at_all_begin(fh, (MPI_Offset) rank * 4, &rank, 1, MPI_INT));
    EXPECT(MPI_File_read_all_begin(fh, all, 1, MPI_INT), MPI_ERR_OTHER);
    CHECK_MPI(MPI_File_write_at_all_end(fh, &rank, &st));
    check_count(&st, MPI_INT, 1, "write_at_all_end");
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK_MPI(MPI_File_seek(fh, 0, MPI_SEEK_SET));
    CHECK_MPI(MPI_File_read_all_begin(fh, all, size, MPI_INT));
    CHECK_MPI(MPI_File_read_all_end(fh, all, &st));
    check_count(&st, MPI_INT, size, "read_all_end");
    for (int i = 0; i < size; i++) {
        CHECK(all[i] == i, "split: int %d is %d", i, all[i]);
    }
    CHECK_MPI(MPI_File_close(&fh));
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        CHECK_MPI(MPI_File_delete(path("contig"), MPI_INFO_NULL));
    }
    free(mine);
    free(all);
}

/* Each rank's blocks of B ints interleaved with the others' through a vector filetype; the
 * memory side strided too. */
static void test_strided(void)
{
    enum { B = 3, K = 5, TILES = 2 };
    int n = B * K * TILES, total = n * size;
    int *mine = malloc(2 * (size_t) n * sizeof(int)), *all = malloc((size_t) total * sizeof(int));
    MPI_Datatype vec, ftype, mtype, et, ft;
    MPI_Offset disp, off;
    char rep[MPI_MAX_DATAREP_STRING];
    MPI_Status st;
    MPI_File fh;

    MPI_Type_vector(K, B, B * size, MPI_INT, &vec);
    MPI_Type_create_resized(vec, 0, (MPI_Aint) K * B * size * 4, &ftype);
    MPI_Type_commit(&ftype);
    MPI_Type_free(&vec);
    MPI_Type_vector(n, 1, 2, MPI_INT, &mtype); /* every other int of mine */
    MPI_Type_commit(&mtype);
    for (int i = 0; i < n; i++) {
        mine[2 * i] = rank * 1000000 + i;
        mine[2 * i + 1] = -1;
    }
    CHECK_MPI(MPI_File_open(MPI_COMM_WORLD, path("strided"), MPI_MODE_CREATE | MPI_MODE_RDWR,
                            MPI_INFO_NULL, &fh));
    CHECK_MPI(MPI_File_set_view(fh, (MPI_Offset) rank * B * 4, MPI_INT, ftype, "native",
                                MPI_INFO_NULL));
    MPI_Type_free(&ftype); /* the view keeps it */
    CHECK_MPI(MPI_File_get_view(fh, &disp, &et, &ft, rep));
    CHECK(disp == rank * B * 4 && et == MPI_INT && strcmp(rep, "native") == 0, "get_view");
    MPI_Type_free(&ft);
    CHECK_MPI(MPI_File_get_byte_offset(fh, B + 1, &off));
    CHECK(off == disp + (MPI_Offset) (B * size + 1) * 4, "byte offset of etype %d: %lld",
          B + 1, (long long) off);
    CHECK_MPI(MPI_File_write_all(fh, mine, 1, mtype, &st));
    check_count(&st, mtype, 1, "write_all strided");
    CHECK_MPI(MPI_File_sync(fh));
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK_MPI(MPI_File_sync(fh));
    memset(mine, 0, 2 * (size_t) n * sizeof(int));
    CHECK_MPI(MPI_File_seek(fh, 0, MPI_SEEK_SET));
    CHECK_MPI(MPI_File_read_all(fh, mine, n, MPI_INT, &st));
    check_count(&st, MPI_INT, n, "read_all strided");
    for (int i = 0; i < n; i++) {
        CHECK(mine[i] == rank * 1000000 + i, "read_all: int %d is %d", i, mine[i]);
    }
    /* the whole file through the default view: rank r's block b at (b * size + r) * B */
    CHECK_MPI(MPI_File_set_view(fh, 0, MPI_BYTE, MPI_BYTE, "native", MPI_INFO_NULL));
    CHECK_MPI(MPI_File_read_at_all(fh, 0, all, total, MPI_INT, &st));
    check_count(&st, MPI_INT, total, "read_at_all whole file");
    for (int j = 0; j < total; j++) {
        int blk = j / B, r = blk % size, i = (blk / size) * B + j % B;

        CHECK(all[j] == r * 1000000 + i, "file int %d is %d, expected rank %d's %d", j, all[j],
              r, i);
    }
    CHECK_MPI(MPI_File_close(&fh));
    MPI_Type_free(&mtype);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        CHECK_MPI(MPI_File_delete(path("strided"), MPI_INFO_NULL));
    }
    free(mine);
    free(all);
}

/* The shared file pointer: records in some order, then ordered blocks in rank order. */
static void test_shared(void)
{
    enum { R = 64 };
    unsigned char rec[R], *file;
    int olen = rank + 1, otot = size * (size + 1) / 2, seen = 0;
    MPI_Offset pos, sz;
    MPI_Request req;
    MPI_Status st;
    MPI_File fh;

    CHECK_MPI(MPI_File_open(MPI_COMM_WORLD, path("shared"), MPI_MODE_CREATE | MPI_MODE_RDWR,
                            MPI_INFO_NULL, &fh));
    memset(rec, 'A' + rank, R);
    if (rank % 2 == 0) {
        CHECK_MPI(MPI_File_write_shared(fh, rec, R, MPI_BYTE, &st));
    } else {
        CHECK_MPI(MPI_File_iwrite_shared(fh, rec, R, MPI_BYTE, &req));
        CHECK_MPI(MPI_Wait(&req, &st));
    }
    check_count(&st, MPI_BYTE, R, "write_shared");
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK_MPI(MPI_File_get_position_shared(fh, &pos));
    CHECK(pos == (MPI_Offset) size * R, "shared position %lld", (long long) pos);
    memset(rec, '0' + rank, R);
    CHECK_MPI(MPI_File_write_ordered(fh, rec, olen, MPI_BYTE, &st));
    check_count(&st, MPI_BYTE, olen, "write_ordered");
    CHECK_MPI(MPI_File_write_ordered_begin(fh, rec, olen, MPI_BYTE));
    CHECK_MPI(MPI_File_write_ordered_end(fh, rec, &st));
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK_MPI(MPI_File_get_size(fh, &sz));
    CHECK(sz == (MPI_Offset) size * R + 2 * otot, "size %lld", (long long) sz);
    file = malloc((size_t) sz);
    CHECK_MPI(MPI_File_read_at(fh, 0, file, (int) sz, MPI_BYTE, &st));
    for (int r = 0; r < size; r++) { /* each record once, whole */
        unsigned char *p = file + (size_t) r * R;

        for (int i = 1; i < R; i++) {
            CHECK(p[i] == p[0], "record %d is torn at byte %d", r, i);
        }
        CHECK(p[0] >= 'A' && p[0] < 'A' + size && !(seen & (1 << (p[0] - 'A'))),
              "record %d is from '%c'", r, p[0]);
        seen |= 1 << (p[0] - 'A');
    }
    for (int k = 0, at = size * R; k < 2; k++) { /* ordered: rank r's r+1 bytes in order */
        for (int r = 0; r < size; r++) {
            for (int i = 0; i <= r; i++, at++) {
                CHECK(file[at] == '0' + r, "ordered byte %d is '%c', expected '%c'", at,
                      file[at], '0' + r);
            }
        }
    }
    /* back to the ordered part; read it in order */
    CHECK_MPI(MPI_File_seek_shared(fh, (MPI_Offset) size * R, MPI_SEEK_SET));
    memset(rec, 0, R);
    CHECK_MPI(MPI_File_read_ordered(fh, rec, olen, MPI_BYTE, &st));
    check_count(&st, MPI_BYTE, olen, "read_ordered");
    for (int i = 0; i < olen; i++) {
        CHECK(rec[i] == '0' + rank, "read_ordered byte %d is '%c'", i, rec[i]);
    }
    CHECK_MPI(MPI_File_get_position_shared(fh, &pos));
    CHECK(pos == (MPI_Offset) size * R + otot, "shared position after read_ordered %lld",
          (long long) pos);
    CHECK_MPI(MPI_File_seek_shared(fh, 0, MPI_SEEK_SET));
    CHECK_MPI(MPI_File_read_shared(fh, rec, R, MPI_BYTE, &st));
    check_count(&st, MPI_BYTE, R, "read_shared");
    for (int i = 1; i < R; i++) {
        CHECK(rec[i] == rec[0], "read_shared record is torn");
    }
    free(file);
    CHECK_MPI(MPI_File_close(&fh));
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        CHECK_MPI(MPI_File_delete(path("shared"), MPI_INFO_NULL));
    }
}

/* MPI_MODE_SEQUENTIAL (shared pointer only), MPI_MODE_APPEND (pointers start at the end),
 * large-count forms and atomic mode with a strided view. */
static void test_seq_append(void)
{
    MPI_Datatype ftype;
    MPI_Offset pos, sz;
    MPI_Status st;
    MPI_File fh;
    MPI_Count n = -1;
    char c = (char) ('a' + rank), buf[64];
    int iv[4] = { rank, rank, rank, rank }, back[4];

    CHECK_MPI(MPI_File_open(MPI_COMM_WORLD, path("seq"),
                            MPI_MODE_CREATE | MPI_MODE_WRONLY | MPI_MODE_SEQUENTIAL,
                            MPI_INFO_NULL, &fh));
    EXPECT(MPI_File_write_at(fh, 0, &c, 1, MPI_CHAR, MPI_STATUS_IGNORE),
           MPI_ERR_UNSUPPORTED_OPERATION);
    EXPECT(MPI_File_seek(fh, 0, MPI_SEEK_SET), MPI_ERR_UNSUPPORTED_OPERATION);
    CHECK_MPI(MPI_File_write_ordered_c(fh, &c, 1, MPI_CHAR, &st));
    CHECK_MPI(MPI_Get_count_c(&st, MPI_CHAR, &n));
    CHECK(n == 1, "write_ordered_c count %lld", (long long) n);
    CHECK_MPI(MPI_File_close(&fh));

    CHECK_MPI(MPI_File_open(MPI_COMM_WORLD, path("seq"), MPI_MODE_RDWR | MPI_MODE_APPEND,
                            MPI_INFO_NULL, &fh));
    CHECK_MPI(MPI_File_get_position(fh, &pos));
    CHECK(pos == size, "APPEND: individual pointer %lld, expected %d", (long long) pos, size);
    CHECK_MPI(MPI_File_get_position_shared(fh, &pos));
    CHECK(pos == size, "APPEND: shared pointer %lld, expected %d", (long long) pos, size);
    CHECK_MPI(MPI_File_read_at_c(fh, 0, buf, size, MPI_CHAR, &st));
    for (int i = 0; i < size; i++) {
        CHECK(buf[i] == 'a' + i, "sequential ordered byte %d is '%c'", i, buf[i]);
    }
    /* atomic mode, strided: each rank's ints at every size-th place after the text */
    MPI_Type_create_resized(MPI_INT, 0, (MPI_Aint) size * 4, &ftype);
    MPI_Type_commit(&ftype);
    CHECK_MPI(MPI_File_set_atomicity(fh, 1));
    CHECK_MPI(MPI_File_set_view(fh, size + rank * 4, MPI_INT, ftype, "native", MPI_INFO_NULL));
    MPI_Type_free(&ftype);
    CHECK_MPI(MPI_File_write_all_c(fh, iv, 4, MPI_INT, &st));
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK_MPI(MPI_File_get_size(fh, &sz));
    CHECK(sz == size + 16 * size, "size %lld after the atomic writes", (long long) sz);
    CHECK_MPI(MPI_File_seek(fh, 0, MPI_SEEK_END));
    CHECK_MPI(MPI_File_get_position(fh, &pos));
    CHECK(pos == 4, "SEEK_END in a strided view: %lld etypes, expected 4", (long long) pos);
    CHECK_MPI(MPI_File_read_at_all(fh, 0, back, 4, MPI_INT, &st));
    for (int i = 0; i < 4; i++) {
        CHECK(back[i] == rank, "atomic strided int %d is %d", i, back[i]);
    }
    CHECK_MPI(MPI_File_close(&fh));
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        CHECK_MPI(MPI_File_delete(path("seq"), MPI_INFO_NULL));
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    check_init("file_io");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc > 1 && strcmp(argv[1], "fatal") == 0) {
        /* new files and file-less errors take MPI_FILE_NULL's handler; nothing is created */
        MPI_File fh;

        MPI_File_set_errhandler(MPI_FILE_NULL, MPI_ERRORS_ARE_FATAL);
        MPI_File_open(MPI_COMM_WORLD, "/nonexistent-kurir-dir/f", MPI_MODE_RDONLY,
                      MPI_INFO_NULL, &fh);
        CHECK(0, "MPI_File_open of a missing file returned under MPI_ERRORS_ARE_FATAL");
    }
    if (rank == 0) {
        const char *tmp = getenv("TMPDIR");

        snprintf(dir, sizeof(dir), "%s/kurir-file-io-XXXXXX", tmp != NULL ? tmp : "/tmp");
        CHECK(mkdtemp(dir) != NULL, "mkdtemp %s: %s", dir, strerror(errno));
    }
    MPI_Bcast(dir, sizeof(dir), MPI_CHAR, 0, MPI_COMM_WORLD);

    test_errors();
    test_modes();
    test_contig();
    test_strided();
    test_shared();
    test_seq_append();

    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        CHECK(rmdir(dir) == 0, "removing %s: %s (files left behind?)", dir, strerror(errno));
    }
    MPI_Finalize();
    return 0;
}

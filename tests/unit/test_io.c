/* The MPI-IO engine (src/io) on hand-computed cases: file pieces of contiguous, vector and
 * resized filetypes at any view position, byte offsets and the view's end of file, and data
 * moved through strided views and strided memory, checked against the raw file. The file is a
 * memfd: nothing is left behind. */
#include "config.h"

#include "datatype/dt.h"
#include "io/io.h"
#include "io/io_int.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

static struct kr_dt *T(MPI_Datatype h)
{
    return kr_dt_from_handle(h);
}

/* vector(count, blocklen, stride) of ints, resized to `extent` bytes when > 0, committed */
static struct kr_dt *vec(int count, int blocklen, int stride, MPI_Aint extent)
{
    struct kr_dt *v, *r;

    assert_int_equal(kr_dt_vector_create(count, blocklen, stride, false, T(MPI_INT), false, &v),
                     0);
    if (extent > 0) {
        assert_int_equal(kr_dt_resized_create(v, 0, extent, false, &r), 0);
        kr_dt_handle_release(v);
        v = r;
    }
    assert_int_equal(kr_dt_commit(v), 0);
    return v;
}

static void io_pieces_contig(void **state)
{
    struct kr_io_view v = { 100, T(MPI_INT) };
    struct kr_io_piece p[4];
    size_t got;

    (void) state;
    assert_int_equal(kr_io_view_pieces(&v, 6, 50, p, 4, &got), 1);
    assert_int_equal(p[0].off, 106);
    assert_int_equal(p[0].len, 50);
    assert_int_equal(got, 50);
    assert_int_equal(kr_io_view_file_off(&v, 0), 100);
    assert_int_equal(kr_io_view_eof(&v, 99), 0);
    assert_int_equal(kr_io_view_eof(&v, 130), 30);
}

static void io_pieces_vector(void **state)
{
    /* 2 blocks of 2 ints, 4 ints apart, tiles 32 bytes apart: data at 0-7, 16-23 of each tile */
    struct kr_dt *ft = vec(2, 2, 4, 32);
    struct kr_io_view v = { 8, ft };
    struct kr_io_piece p[8];
    size_t got;
    int n;

    (void) state;
    /* from view byte 4 (inside the first block), 20 bytes: 4 + 8 + 8 */
    n = kr_io_view_pieces(&v, 4, 20, p, 8, &got);
    assert_int_equal(n, 3);
    assert_int_equal(got, 20);
    assert_int_equal(p[0].off, 8 + 4);
    assert_int_equal(p[0].len, 4);
    assert_int_equal(p[1].off, 8 + 16);
    assert_int_equal(p[1].len, 8);
    assert_int_equal(p[2].off, 8 + 32);
    assert_int_equal(p[2].len, 8);
    /* max pieces runs out: only what they hold */
    n = kr_io_view_pieces(&v, 0, 64, p, 2, &got);
    assert_int_equal(n, 2);
    assert_int_equal(got, 16);
    /* view byte 40 = tile 2, second block */
    assert_int_equal(kr_io_view_file_off(&v, 40), 8 + 64 + 16);
    /* end of file inside tile 1's second block (file byte 8+32+16+3): 16 + 8 + 3 view bytes */
    assert_int_equal(kr_io_view_eof(&v, 8 + 32 + 16 + 3), 27);
    /* in a hole: everything before it */
    assert_int_equal(kr_io_view_eof(&v, 8 + 32 + 12), 24);
    kr_dt_handle_release(ft);
}

static void io_move_strided(void **state)
{
    struct kr_dt *ft = vec(1, 2, 2, 24); /* 8 bytes of data every 24 */
    struct kr_dt *mt = vec(6, 1, 2, 0);  /* every other int of 12 */
    struct kr_io_view v = { 4, ft };
    int mem[12], back[12], raw[20];
    int fd = memfd_create("kr-test-io", MFD_CLOEXEC);
    ssize_t r;

    (void) state;
    assert_true(fd >= 0);
    for (int i = 0; i < 12; i++) {
        mem[i] = i % 2 == 0 ? 100 + i / 2 : -1;
    }
    r = kr_io_write(fd, &v, 0, mt, 1, mem, false);
    assert_int_equal(r, 24);
    /* ints 100,101 at file byte 4, 102,103 at 28, 104,105 at 52; zeros between */
    memset(raw, 0x55, sizeof(raw));
    assert_int_equal(pread(fd, raw, sizeof(raw), 0), 60);
    assert_int_equal(raw[1], 100);
    assert_int_equal(raw[2], 101);
    assert_int_equal(raw[3], 0);
    assert_int_equal(raw[7], 102);
    assert_int_equal(raw[8], 103);
    assert_int_equal(raw[13], 104);
    assert_int_equal(raw[14], 105);
    /* read back from view byte 8 in atomic mode: a short read at the end of the file */
    memset(back, 0, sizeof(back));
    r = kr_io_read(fd, &v, 8, T(MPI_INT), 6, back, true);
    assert_int_equal(r, 16);
    assert_int_equal(back[0], 102);
    assert_int_equal(back[3], 105);
    /* strided memory on the read side */
    memset(back, 0, sizeof(back));
    assert_int_equal(kr_io_read(fd, &v, 0, mt, 1, back, false), 24);
    for (int i = 0; i < 12; i++) {
        assert_int_equal(back[i], i % 2 == 0 ? 100 + i / 2 : 0);
    }
    close(fd);
    kr_dt_handle_release(ft);
    kr_dt_handle_release(mt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(io_pieces_contig),
        cmocka_unit_test(io_pieces_vector),
        cmocka_unit_test(io_move_strided),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

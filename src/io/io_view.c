/* File views: where the bytes a process sees through its filetype live in the file. The
 * datatype engine's scatter-gather walk does the work; it is run on a made-up base address,
 * so the "addresses" it returns are file offsets plus that base. */
#include "config.h"

#include "io_int.h"

#include <sys/uio.h>

/* Far from 0 and from the top of the address space: filetype offsets (>= 0, below 2^46)
 * added to it never wrap, and no null pointer is offset. */
#define IO_FAKE_BASE ((uintptr_t) 1 << 46)

int kr_io_view_pieces(const struct kr_io_view *v, uint64_t pos, size_t len,
                      struct kr_io_piece *p, int max, size_t *bytes_out)
{
    const struct kr_dt *ft = v->ftype;
    struct iovec iov[64];
    size_t tiles, got, done = 0;
    int n = 0, k, i;

    if (len == 0 || max <= 0) {
        *bytes_out = 0;
        return 0;
    }
    if (kr_dt_is_contig(ft)) {
        p[0].off = v->disp + ft->true_lb + (int64_t) pos;
        p[0].len = len;
        *bytes_out = len;
        return 1;
    }
    tiles = (size_t) ((pos + len) / ft->size + 1);
    while (n < max && done < len) {
        k = kr_dt_iov(ft, tiles, (const void *) IO_FAKE_BASE, (size_t) pos + done, iov,
                      max - n < 64 ? max - n : 64, &got);
        if (k == 0) {
            break;
        }
        for (i = 0; i < k && done < len; i++) {
            size_t l = iov[i].iov_len < len - done ? iov[i].iov_len : len - done;

            p[n].off = v->disp + (int64_t) ((uintptr_t) iov[i].iov_base - IO_FAKE_BASE);
            p[n].len = l;
            n++;
            done += l;
        }
    }
    *bytes_out = done;
    return n;
}

int64_t kr_io_view_file_off(const struct kr_io_view *v, uint64_t pos)
{
    struct kr_io_piece p;
    size_t got;

    kr_io_view_pieces(v, pos, 1, &p, 1, &got);
    return p.off;
}

uint64_t kr_io_view_eof(const struct kr_io_view *v, int64_t fsize)
{
    const struct kr_dt *ft = v->ftype;
    struct kr_io_piece p[64];
    uint64_t pos, tiles;
    size_t got;
    int n, i;

    if (fsize <= v->disp + ft->true_lb) {
        return 0;
    }
    if (kr_dt_is_contig(ft)) {
        return (uint64_t) (fsize - v->disp - ft->true_lb);
    }
    /* whole tiles below the end, then the part of the next tile whose bytes are in the file */
    tiles = ft->extent > 0 ? (uint64_t) (fsize - v->disp) / (uint64_t) ft->extent : 0;
    pos = tiles * ft->size;
    for (;;) {
        n = kr_io_view_pieces(v, pos, ft->size, p, 64, &got);
        for (i = 0; i < n; i++) {
            if (p[i].off >= fsize) {
                return pos;
            }
            if (p[i].off + (int64_t) p[i].len > fsize) {
                return pos + (uint64_t) (fsize - p[i].off);
            }
            pos += p[i].len;
        }
        if (n == 0 || ft->extent <= 0) { /* no tiling forward: nothing more to find */
            return pos;
        }
    }
}

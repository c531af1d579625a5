/* Moving data between typed memory and a file view with pread/pwrite: contiguous memory goes
 * straight to the file pieces; other memory is packed or unpacked through a bounce buffer a
 * chunk at a time. */
#include "config.h"

#include "io_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#define IO_CHUNK ((size_t) 4 << 20) /* bounce buffer for non-contiguous memory */
#define IO_PIECES 64

/* Move `len` packed bytes between `mem` and view bytes from `pos`. Returns bytes moved (short
 * only when a read meets the end of the file) or -errno. */
static ssize_t io_view_xfer(int fd, const struct kr_io_view *v, uint64_t pos, char *mem,
                            size_t len, bool write)
{
    struct kr_io_piece p[IO_PIECES];
    size_t done = 0, got;
    int n, i;

    while (done < len) {
        n = kr_io_view_pieces(v, pos + done, len - done, p, IO_PIECES, &got);
        if (n == 0) {
            break;
        }
        for (i = 0; i < n; i++) {
            size_t at = 0;

            while (at < p[i].len) {
                ssize_t r = write ? pwrite(fd, mem + done + at, p[i].len - at, p[i].off + at)
                                  : pread(fd, mem + done + at, p[i].len - at, p[i].off + at);

                if (r < 0 && errno == EINTR) {
                    continue;
                }
                if (r < 0) {
                    return -errno;
                }
                if (r == 0) { /* end of file (pwrite never returns 0 for len > 0) */
                    return (ssize_t) (done + at);
                }
                at += (size_t) r;
            }
            done += p[i].len;
        }
    }
    return (ssize_t) done;
}

/* An open-file-description lock over the file from the view position on: atomic mode. */
static int io_lock(int fd, const struct kr_io_view *v, uint64_t pos, short type)
{
    struct flock fl = { .l_type = type, .l_whence = SEEK_SET };

    fl.l_start = type == F_UNLCK ? 0 : kr_io_view_file_off(v, pos);
    fl.l_len = 0; /* to the end, however far the access goes */
    while (fcntl(fd, F_OFD_SETLKW, &fl) < 0) {
        if (errno != EINTR) {
            return -errno;
        }
    }
    return 0;
}

static ssize_t io_move(int fd, const struct kr_io_view *v, uint64_t pos,
                       const struct kr_dt *mtype, size_t count, char *buf, bool write,
                       bool atomic)
{
    size_t len = kr_dt_packed_size(mtype, count), done = 0;
    ssize_t r = 0;
    char *bounce;

    if (len == 0) {
        return 0;
    }
    if (atomic && (r = io_lock(fd, v, pos, write ? F_WRLCK : F_RDLCK)) < 0) {
        return r;
    }
    if (kr_dt_is_contig(mtype)) {
        r = io_view_xfer(fd, v, pos, buf + mtype->true_lb, len, write);
    } else if ((bounce = malloc(len < IO_CHUNK ? len : IO_CHUNK)) == NULL) {
        r = -ENOMEM;
    } else {
        while (done < len) {
            size_t chunk = len - done < IO_CHUNK ? len - done : IO_CHUNK;

            if (write) {
                kr_dt_pack(mtype, count, buf, done, bounce, chunk);
            }
            r = io_view_xfer(fd, v, pos + done, bounce, chunk, write);
            if (r < 0) {
                break;
            }
            if (!write) {
                kr_dt_unpack(mtype, count, buf, done, bounce, (size_t) r);
            }
            done += (size_t) r;
            if ((size_t) r < chunk) { /* the end of the file */
                break;
            }
        }
        if (r >= 0) {
            r = (ssize_t) done;
        }
        free(bounce);
    }
    if (atomic) {
        io_lock(fd, v, pos, F_UNLCK);
    }
    return r;
}

ssize_t kr_io_read(int fd, const struct kr_io_view *v, uint64_t pos, const struct kr_dt *mtype,
                   size_t count, void *buf, bool atomic)
{
    return io_move(fd, v, pos, mtype, count, buf, false, atomic);
}

ssize_t kr_io_write(int fd, const struct kr_io_view *v, uint64_t pos,
                    const struct kr_dt *mtype, size_t count, const void *buf, bool atomic)
{
    return io_move(fd, v, pos, mtype, count, (char *) (uintptr_t) buf, true, atomic);
}

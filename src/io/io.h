/* MPI-IO engine: file views mapped onto POSIX files, and the shared file pointer. Works on
 * bytes, datatype descriptors and negative errno values; MPI handles, error classes and
 * collective agreement are the API layer's (src/api/api_file*.c). */
#ifndef KR_IO_IO_H
#define KR_IO_IO_H

#include "comm/comm.h"
#include "datatype/dt.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A file view: the data a process sees is the packed data of filetype tiles laid end to end
 * (filetype extent apart) from byte `disp` of the file. Positions in the view are counted in
 * bytes of that packed data (etype offsets times the etype size). The filetype is committed,
 * holds data (size > 0) and has no data below its start (true_lb >= 0). */
struct kr_io_view {
    int64_t disp;
    const struct kr_dt *ftype;
};

/* The file offset of view byte `pos` (MPI_File_get_byte_offset). */
int64_t kr_io_view_file_off(const struct kr_io_view *v, uint64_t pos);

/* View bytes that lie in the first `fsize` bytes of the file: where MPI_SEEK_END points. */
uint64_t kr_io_view_eof(const struct kr_io_view *v, int64_t fsize);

/* Move `count` elements of `mtype` at `buf` to (write) or from (read) the view's bytes from
 * `pos` on. `atomic` takes a POSIX record lock over the range for the call's duration, so
 * other processes' atomic accesses see all of it or none. Returns the bytes moved (a read
 * stops short at the end of the file) or -errno. */
ssize_t kr_io_read(int fd, const struct kr_io_view *v, uint64_t pos, const struct kr_dt *mtype,
                   size_t count, void *buf, bool atomic);
ssize_t kr_io_write(int fd, const struct kr_io_view *v, uint64_t pos,
                    const struct kr_dt *mtype, size_t count, const void *buf, bool atomic);

/* ---- shared file pointer (io_shfp.c) -----------------------------------------------------
 * One 64-bit counter in a one-sided window on a duplicate of the file's communicator, held
 * by rank 0 and updated with an atomic fetch-and-add under an exclusive lock: no file, no
 * server process. */
struct kr_io_shfp;

/* Collective over `comm`: a counter set to `initial` (the same on every rank). */
int kr_io_shfp_create(struct kr_comm *comm, struct kr_comm_ids *ids, int64_t initial,
                      struct kr_io_shfp **shfp_out);
/* Atomically add `add` (0: just read) and return the previous value. */
int kr_io_shfp_fetch_add(struct kr_io_shfp *s, int64_t add, int64_t *old_out);
/* Atomically replace the value (one process at a time: the callers are collective). */
int kr_io_shfp_set(struct kr_io_shfp *s, int64_t val);
/* Collective: free the counter and its window. */
int kr_io_shfp_free(struct kr_io_shfp *s, struct kr_comm_ids *ids);

#endif /* KR_IO_IO_H */

/* Private to src/io: view pieces shared by the mapping queries and the data movers. */
#ifndef KR_IO_IO_INT_H
#define KR_IO_IO_INT_H

#include "io.h"

/* A run of bytes in the file. */
struct kr_io_piece {
    int64_t off;
    size_t len;
};

/* Up to `max` file pieces holding view bytes [pos, pos + len), in view order; returns how
 * many and sets *bytes_out to the bytes they hold (less than len when `max` ran out). */
int kr_io_view_pieces(const struct kr_io_view *v, uint64_t pos, size_t len,
                      struct kr_io_piece *p, int max, size_t *bytes_out);

#endif /* KR_IO_IO_INT_H */

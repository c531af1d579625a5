/* Single-copy transfers between local processes with process_vm_readv (Cross Memory Attach). */
#include "config.h"

#include "shm_int.h"

#include <errno.h>
#include <sys/uio.h>

/* The kernel caps one call at IOV_MAX segments and may return short counts (e.g. for
 * multi-GiB transfers), so this loops until everything that fits in `dst` has arrived. */
int kr_shm_cma_get(pid_t pid, const struct kr_rndv_key *key, const struct iovec *dst, int ndst)
{
    struct iovec local[64];
    struct iovec remote;
    size_t want = 0, done = 0;
    int i0 = 0;
    size_t off0 = 0;

    for (int i = 0; i < ndst; i++) {
        want += dst[i].iov_len;
    }
    if (want > key->len) {
        want = key->len;
    }
    while (done < want) {
        int n = 0;
        size_t chunk = 0;
        ssize_t got;

        /* Build up to 64 local segments starting at (i0, off0). */
        for (int i = i0; i < ndst && n < 64 && done + chunk < want; i++) {
            size_t off = i == i0 ? off0 : 0;
            size_t len = dst[i].iov_len - off;

            if (len > want - done - chunk) {
                len = want - done - chunk;
            }
            local[n].iov_base = (char *) dst[i].iov_base + off;
            local[n].iov_len = len;
            chunk += len;
            n++;
        }
        remote.iov_base = (void *) (uintptr_t) (key->addr + done);
        remote.iov_len = chunk;
        got = process_vm_readv(pid, local, (unsigned long) n, &remote, 1, 0);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (got == 0) {
            return -EIO;
        }
        done += (size_t) got;
        /* Advance (i0, off0) by `got` bytes. */
        for (size_t left = (size_t) got; left > 0 && i0 < ndst;) {
            size_t avail = dst[i0].iov_len - off0;

            if (left < avail) {
                off0 += left;
                left = 0;
            } else {
                left -= avail;
                i0++;
                off0 = 0;
            }
        }
    }
    return 0;
}

/* Can we read `pid`'s memory at all? ptrace policy (Yama) or a container's seccomp filter
 * may forbid it; the answer decides between single copy and copy-in/copy-out. */
int kr_shm_cma_probe(pid_t pid, uint64_t addr)
{
    uint64_t word = 0;
    struct iovec l = { &word, sizeof(word) };
    struct iovec r = { (void *) (uintptr_t) addr, sizeof(word) };

    if (process_vm_readv(pid, &l, 1, &r, 1, 0) != (ssize_t) sizeof(word)) {
        return -errno;
    }
    return word == SHM_SEG_MAGIC ? 0 : -EPROTO;
}

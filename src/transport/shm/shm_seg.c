/* The per-host shared-memory segment: create (leader), attach (others). Under a launcher the
 * segment is an anonymous memory file (memfd) that the others open through the leader's
 * /proc/<pid>/fd, so it never has a name a crash could leave behind. The named form (no
 * launcher to tell the others where the leader is, or KURIR_SHM_MEMFD=no) lives in /dev/shm
 * until every local rank has it mapped; the last one to attach unlinks it. */
#include "config.h"

#include "shm_int.h"

#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define SHM_HDR_BYTES 4096

static size_t shm_seg_ctl_bytes(uint32_t nlocal)
{
    return ((size_t) nlocal * sizeof(struct shm_ctl) + 4095) & ~(size_t) 4095;
}

static size_t shm_seg_page_up(size_t b)
{
    return (b + 4095) & ~(size_t) 4095;
}

size_t kr_shm_seg_size(uint32_t nlocal, size_t ring_bytes, size_t shared_bytes)
{
    return SHM_HDR_BYTES + shm_seg_ctl_bytes(nlocal) + (size_t) nlocal * ring_bytes
           + shm_seg_page_up(shared_bytes);
}

struct shm_ctl *kr_shm_seg_ctl(const struct shm_seg *seg, uint32_t local)
{
    return (struct shm_ctl *) ((char *) seg->base + SHM_HDR_BYTES) + local;
}

unsigned char *kr_shm_seg_ring(const struct shm_seg *seg, uint32_t local)
{
    const struct shm_seg_hdr *h = seg->base;

    return (unsigned char *) seg->base + SHM_HDR_BYTES + shm_seg_ctl_bytes(h->nlocal)
           + (size_t) local * h->ring_bytes;
}

void *kr_shm_seg_shared(const struct shm_seg *seg, size_t *len_out)
{
    const struct shm_seg_hdr *h = seg->base;

    *len_out = h->shared_bytes;
    return kr_shm_seg_ring(seg, h->nlocal);
}

/* Fail early, with the number a user needs, rather than with SIGBUS on first touch. */
static int shm_seg_check_space(size_t need)
{
    struct statvfs st;
    size_t avail;

    if (statvfs("/dev/shm", &st) != 0) {
        return 0; /* cannot tell; posix_fallocate below still catches a full file system */
    }
    avail = (size_t) st.f_bavail * st.f_frsize;
    if (avail < need) {
        KR_LOG_ERR(SHM, "/dev/shm has %zu KiB free but this host's ranks need %zu KiB of shared "
                   "memory (free space there, enlarge it, or lower KURIR_SHM_RING_SIZE)",
                   avail >> 10, (need + 1023) >> 10);
        return -ENOSPC;
    }
    return 0;
}

/* Size `fd` to the segment, map it, and format it as the leader. */
static int shm_seg_format(struct shm_seg *seg, int fd, const char *name, uint32_t nlocal,
                          size_t ring_bytes, size_t shared_bytes)
{
    size_t len = kr_shm_seg_size(nlocal, ring_bytes, shared_bytes);
    struct shm_seg_hdr *h;
    void *base;
    int ret;

    /* posix_fallocate reserves the pages now, so a full /dev/shm is an error here and not a
     * SIGBUS in the middle of a message. */
    ret = posix_fallocate(fd, 0, (off_t) len);
    if (ret != 0) {
        KR_LOG_ERR(SHM, "cannot reserve %zu KiB of shared memory for %s: %s", len >> 10, name,
                   strerror(ret));
        return -ret;
    }
    base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        ret = -errno;
        KR_LOG_ERR(SHM, "mmap %s (%zu bytes) failed: %s", name, len, strerror(errno));
        return ret;
    }
    h = base;
    h->version = SHM_SEG_VERSION;
    h->nlocal = nlocal;
    h->ring_bytes = ring_bytes;
    h->shared_bytes = shared_bytes;
    h->seg_bytes = len;
    atomic_init(&h->attached, 1);
    seg->base = base;
    seg->len = len;
    if (seg->name != name) {
        snprintf(seg->name, sizeof(seg->name), "%s", name);
    }
    for (uint32_t i = 0; i < nlocal; i++) {
        kr_shm_ring_format(kr_shm_seg_ring(seg, i), ring_bytes);
    }
    /* Release: attachers read the magic (acquire) before anything else in the segment. */
    atomic_store_explicit((_Atomic uint64_t *) &h->magic, SHM_SEG_MAGIC, memory_order_release);
    return 0;
}

int kr_shm_seg_create(struct shm_seg *seg, const char *name, uint32_t nlocal, size_t ring_bytes,
                      size_t shared_bytes)
{
    int fd, ret;

    ret = shm_seg_check_space(kr_shm_seg_size(nlocal, ring_bytes, shared_bytes));
    if (ret != 0) {
        return ret;
    }
    fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) {
        ret = -errno;
        KR_LOG_ERR(SHM, "shm_open %s failed: %s", name, strerror(errno));
        return ret;
    }
    ret = shm_seg_format(seg, fd, name, nlocal, ring_bytes, shared_bytes);
    close(fd);
    if (ret != 0) {
        shm_unlink(name);
        return ret;
    }
    seg->linked = true;
    seg->anon = false;
    seg->anon_fd = -1;
    if (nlocal == 1) {
        kr_shm_seg_mark_attached(seg, nlocal);
    }
    return 0;
}

int kr_shm_seg_create_anon(struct shm_seg *seg, const char *name, uint32_t nlocal,
                           size_t ring_bytes, size_t shared_bytes)
{
    int fd, ret;

    ret = shm_seg_check_space(kr_shm_seg_size(nlocal, ring_bytes, shared_bytes));
    if (ret != 0) {
        return ret;
    }
    /* The name only labels the file in /proc/<pid>/maps; it never appears in /dev/shm. */
    fd = memfd_create(name[0] == '/' ? name + 1 : name, MFD_CLOEXEC);
    if (fd < 0) {
        ret = -errno;
        KR_LOG_ERR(SHM, "memfd_create %s failed: %s", name, strerror(errno));
        return ret;
    }
    ret = shm_seg_format(seg, fd, name, nlocal, ring_bytes, shared_bytes);
    if (ret != 0) {
        close(fd);
        return ret;
    }
    seg->linked = false;
    seg->anon = true;
    seg->anon_fd = fd;
    return 0;
}

/* Map the segment open on `fd` (named `what` in messages) and check it is the leader's. */
static int shm_seg_map(struct shm_seg *seg, int fd, const char *what, uint32_t nlocal)
{
    struct stat st;
    struct shm_seg_hdr *h;
    void *base;
    int ret;

    if (fstat(fd, &st) != 0) {
        ret = -errno;
        KR_LOG_ERR(SHM, "fstat %s failed: %s", what, strerror(errno));
        return ret;
    }
    base = mmap(NULL, (size_t) st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) {
        ret = -errno;
        KR_LOG_ERR(SHM, "mmap %s failed: %s", what, strerror(errno));
        return ret;
    }
    h = base;
    if (atomic_load_explicit((_Atomic uint64_t *) &h->magic, memory_order_acquire)
            != SHM_SEG_MAGIC || h->version != SHM_SEG_VERSION || h->nlocal != nlocal
        || h->seg_bytes != (uint64_t) st.st_size) {
        KR_LOG_ERR(SHM, "segment %s is not a Kurir segment for %u local ranks", what, nlocal);
        munmap(base, (size_t) st.st_size);
        return -EPROTO;
    }
    seg->base = base;
    seg->len = (size_t) st.st_size;
    seg->anon_fd = -1;
    return 0;
}

int kr_shm_seg_attach(struct shm_seg *seg, const char *name, uint32_t nlocal)
{
    int fd, ret;

    fd = shm_open(name, O_RDWR, 0600);
    if (fd < 0) {
        ret = -errno;
        KR_LOG_ERR(SHM, "cannot open the host's segment %s: %s (did the first rank on this "
                   "host fail?)", name, strerror(errno));
        return ret;
    }
    ret = shm_seg_map(seg, fd, name, nlocal);
    close(fd);
    if (ret != 0) {
        return ret;
    }
    if (seg->name != name) { /* callers may pass seg->name itself; snprintf must not overlap */
        snprintf(seg->name, sizeof(seg->name), "%s", name);
    }
    seg->linked = true;
    seg->anon = false;
    return 0;
}

int kr_shm_seg_attach_anon(struct shm_seg *seg, long pid, int fd, uint32_t nlocal)
{
    char path[64];
    int myfd, ret;

    snprintf(path, sizeof(path), "/proc/%ld/fd/%d", pid, fd);
    myfd = open(path, O_RDWR | O_CLOEXEC);
    if (myfd < 0) {
        ret = -errno;
        KR_LOG_ERR(SHM, "cannot open the host's segment through %s: %s (is the first rank on "
                   "this host gone, or in another PID namespace? KURIR_SHM_MEMFD=no uses a "
                   "named /dev/shm segment instead)", path, strerror(errno));
        return ret;
    }
    ret = shm_seg_map(seg, myfd, path, nlocal);
    close(myfd);
    if (ret == 0) {
        seg->linked = false;
        seg->anon = true;
    }
    return ret;
}

/* Count this process as attached; the last of the host's ranks removes the name. */
void kr_shm_seg_mark_attached(struct shm_seg *seg, uint32_t nlocal)
{
    struct shm_seg_hdr *h = seg->base;
    uint32_t n = nlocal == 1 ? 1 : atomic_fetch_add(&h->attached, 1) + 1;

    if (n == nlocal && !seg->anon) {
        if (shm_unlink(seg->name) != 0 && errno != ENOENT) {
            KR_LOG_WARN(SHM, "shm_unlink %s failed: %s", seg->name, strerror(errno));
        }
        KR_LOG_DBG(SHM, "all %u local ranks attached; %s unlinked", nlocal, seg->name);
    }
    seg->linked = false;
}

void kr_shm_seg_detach(struct shm_seg *seg)
{
    if (seg->base == NULL) {
        return;
    }
    if (seg->linked) {
        /* Still named: we failed before everyone attached; do not leave it behind. */
        shm_unlink(seg->name);
        seg->linked = false;
    }
    if (seg->anon_fd >= 0) {
        close(seg->anon_fd);
        seg->anon_fd = -1;
    }
    munmap(seg->base, seg->len);
    seg->base = NULL;
}

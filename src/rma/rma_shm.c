/* MPI_Win_allocate_shared: one memfd segment for all members of a one-host window, made by
 * rank 0 and opened by the others through /proc/<pid>/fd (it never appears in /dev/shm, and
 * disappears with the last mapping). A cache line per member comes first: its accumulate lock
 * (rma_direct.c). Members' parts follow in rank order, each rounded up to 64 bytes, so the
 * program may address a neighbour's part from its own. */
#include "config.h"

#include "rma/rma_int.h"

#include "coll/coll.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define RMA_SHM_ALIGN 64

struct rma_shm_card {
    int64_t pid;
    int32_t fd;
    int32_t ok;
};

bool kr_rma_shm_one_host(const struct kr_comm *c)
{
    if (c->job_node == NULL) {
        return true;
    }
    for (int i = 1; i < c->size; i++) {
        if (c->job_node[kr_comm_member(c, i)] != c->job_node[kr_comm_member(c, 0)]) {
            return false;
        }
    }
    return true;
}

int kr_rma_shm_create(struct kr_win *w, size_t size, int ret)
{
    uint64_t mine = ret == 0 ? (uint64_t) size : UINT64_MAX;
    uint64_t *sizes = calloc((size_t) w->size, sizeof(*sizes));
    struct rma_shm_card card = { (int64_t) getpid(), -1, 1 };
    size_t head = (size_t) w->size * RMA_SHM_ALIGN, total = head, off = head;
    int r2;

    if (!kr_rma_shm_one_host(w->comm)) {
        free(sizes);
        return ret != 0 ? ret : -ENOTSUP; /* every member sees the same layout: no exchange */
    }
    if (sizes == NULL) {
        ret = -ENOMEM; /* still take part, with no sizes known */
    }
    r2 = kr_coll_allgather(w->comm, &mine, sizes != NULL ? sizes : &mine,
                           sizes != NULL ? sizeof(mine) : 0);
    ret = ret != 0 ? ret : r2;
    for (int i = 0; ret == 0 && i < w->size; i++) {
        if (sizes[i] == UINT64_MAX) {
            ret = -ENOMEM;
        } else {
            total += (sizes[i] + RMA_SHM_ALIGN - 1) / RMA_SHM_ALIGN * RMA_SHM_ALIGN;
        }
    }
    if (w->rank == 0 && ret == 0 && total > 0) {
        card.fd = memfd_create("kurir-win", MFD_CLOEXEC);
        if (card.fd < 0 || ftruncate(card.fd, (off_t) total) != 0) {
            card.ok = 0;
        }
    }
    card.ok = card.ok && ret == 0;
    r2 = kr_coll_bcast(w->comm, &card, sizeof(card), 0);
    ret = ret != 0 ? ret : r2 != 0 ? r2 : card.ok ? 0 : -ENOMEM;
    if (ret == 0 && total > 0) {
        int fd = card.fd;

        if (w->rank != 0) {
            char path[64];

            snprintf(path, sizeof(path), "/proc/%lld/fd/%d", (long long) card.pid, card.fd);
            fd = open(path, O_RDWR | O_CLOEXEC);
        }
        w->shm_map = fd < 0 ? MAP_FAILED
                            : mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (w->shm_map == MAP_FAILED) {
            KR_LOG_ERR(COMM, "shared window: cannot map the segment: %s", strerror(errno));
            w->shm_map = NULL;
            ret = -ENOMEM;
        } else {
            w->shm_len = total;
        }
        if (w->rank != 0 && fd >= 0) {
            close(fd);
        }
    }
    /* rank 0 keeps its descriptor until everyone has opened it */
    r2 = kr_coll_barrier(w->comm);
    ret = ret != 0 ? ret : r2;
    if (w->rank == 0 && card.fd >= 0) {
        close(card.fd);
    }
    for (int i = 0; ret == 0 && i < w->size; i++) {
        w->peers[i].shm = sizes[i] > 0 ? (char *) w->shm_map + off : NULL;
        w->peers[i].acc_lock = (int *) (void *) ((char *) w->shm_map + (size_t) i * RMA_SHM_ALIGN);
        off += (sizes[i] + RMA_SHM_ALIGN - 1) / RMA_SHM_ALIGN * RMA_SHM_ALIGN;
    }
    free(sizes);
    return ret;
}

void kr_rma_shm_free(struct kr_win *w)
{
    if (w->shm_map != NULL) {
        munmap(w->shm_map, w->shm_len);
        w->shm_map = NULL;
    }
}

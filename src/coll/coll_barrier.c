/* Barrier by dissemination: ceil(log2 n) rounds; in round k each rank signals rank + 2^k and
 * hears from rank - 2^k, so after the last round everyone has (transitively) heard from all. */
#include "config.h"

#include "coll_int.h"

int kr_coll_barrier(struct kr_comm *comm)
{
    int n = comm->size, r = comm->rank, tag = kr_coll_tag(comm);

    if (comm->shm != NULL && kr_coll_cfg.barrier != KR_COLL_BARRIER_DISSEMINATION) {
        return kr_coll_shm_barrier(comm);
    }
    for (int k = 1; k < n; k <<= 1) {
        int ret = kr_coll_sendrecv(comm, NULL, 0, (r + k) % n, NULL, 0, (r - k + n) % n, tag);

        if (ret != 0) {
            return ret;
        }
    }
    return 0;
}

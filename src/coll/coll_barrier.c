/* Barrier: one shared-memory round for ranks of one host, else dissemination: ceil(log2 n)
 * rounds; in round k each rank signals rank + 2^k and hears from rank - 2^k, so after the
 * last round everyone has (transitively) heard from all. */
#include "config.h"

#include "coll_int.h"

int kr_coll_barrier_sched(struct kr_comm *comm, struct kr_sched **s_out)
{
    int n = comm->size, r = comm->rank, ret;
    struct kr_sched *s = NULL;

    ret = kr_sched_create(comm, &s);
    for (int k = 1; ret == 0 && k < n; k <<= 1) {
        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_recv(s, NULL, 0, (r - k + n) % n);
        }
        if (ret == 0) {
            ret = kr_sched_send(s, NULL, 0, (r + k) % n);
        }
    }
    return kr_coll_built(s, ret, s_out);
}

int kr_coll_barrier(struct kr_comm *comm)
{
    struct kr_sched *s;
    int ret;

    if (kr_coll_shm_ready(comm) && kr_coll_cfg.barrier != KR_COLL_BARRIER_DISSEMINATION) {
        return kr_coll_shm_barrier(comm);
    }
    ret = kr_coll_barrier_sched(comm, &s);
    return ret != 0 ? ret : kr_sched_run(s);
}

/* Barrier: one shared-memory round for ranks of one host, else dissemination: ceil(log2 n)
 * rounds; in round k each rank signals rank + 2^k and hears from rank - 2^k, so after the
 * last round everyone has (transitively) heard from all. */
#include "config.h"

#include "coll_int.h"

int kr_coll_barrier_add(struct kr_sched *s)
{
    int n = kr_sched_size(s), r = kr_sched_rank(s), ret = 0;

    for (int k = 1; ret == 0 && k < n; k <<= 1) {
        ret = kr_sched_round(s);
        if (ret == 0) {
            ret = kr_sched_recv(s, NULL, 0, (r - k + n) % n);
        }
        if (ret == 0) {
            ret = kr_sched_send(s, NULL, 0, (r + k) % n);
        }
    }
    return ret;
}

int kr_coll_barrier_sched(struct kr_comm *comm, struct kr_sched **s_out)
{
    struct kr_sched *s = NULL;
    int ret = kr_sched_create(comm, &s);

    if (ret == 0) {
        const struct kr_coll_hier *h = kr_coll_hier_get(comm);

        ret = comm->inter ? kr_coll_inter_barrier(s)
              : h != NULL ? kr_coll_hier_barrier(s, h)
                          : kr_coll_barrier_add(s);
    }
    return kr_coll_built(s, ret, s_out);
}

int kr_coll_barrier(struct kr_comm *comm)
{
    struct kr_sched *s = NULL;
    int ret;

    if (comm->size == 1 && !comm->inter) {
        return 0;
    }
    if (!comm->inter && kr_coll_cfg.barrier != KR_COLL_BARRIER_DISSEMINATION
        && kr_coll_shm_ready(comm)) {
        return kr_coll_shm_barrier(comm);
    }
    ret = kr_coll_barrier_sched(comm, &s);
    return kr_coll_run(s, ret);
}

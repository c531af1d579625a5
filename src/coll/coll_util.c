/* Collective settings, tags, and the helpers schedule builders share. */
#include "config.h"

#include "coll_int.h"

#include <errno.h>

static bool coll_no_schedules(void *arg)
{
    return ((struct kr_comm *) arg)->sched_active == 0;
}

/* Shared-memory rounds and schedules must not interleave on one communicator: every member
 * issues collectives in the same order, so waiting for this rank's running schedules keeps
 * the shared rounds in step. */
bool kr_coll_shm_ready(struct kr_comm *comm)
{
    if (comm->shm == NULL) {
        return false;
    }
    return comm->sched_active == 0
           || kr_pt2pt_wait_until(comm->pt, coll_no_schedules, comm) == 0;
}

int kr_coll_built(struct kr_sched *s, int ret, struct kr_sched **s_out)
{
    if (ret != 0) {
        kr_sched_free(s);
        return ret;
    }
    *s_out = s;
    return 0;
}

struct kr_coll_cfg kr_coll_cfg;

static const char *const coll_barrier_algos[] = { "auto", "shm", "dissemination", NULL };
static const char *const coll_bcast_algos[] = { "auto", "shm", "binomial", "scatter_allgather",
                                                NULL };
static const char *const coll_reduce_algos[] = { "auto", "shm", "binomial", NULL };
static const char *const coll_allreduce_algos[] = { "auto", "shm", "recursive_doubling", "ring",
                                                    NULL };
static const char *const coll_alltoall_algos[] = { "auto", "postall", "pairwise", NULL };
static const char *const coll_allgather_algos[] = { "auto", "ring", "recursive_doubling",
                                                    NULL };

const struct kr_setting kr_coll_settings[] = {
    { "COLL_BARRIER", KR_SET_ENUM, "auto", &kr_coll_cfg.barrier,
      "barrier algorithm", coll_barrier_algos, 0 },
    { "COLL_BCAST", KR_SET_ENUM, "auto", &kr_coll_cfg.bcast,
      "broadcast algorithm", coll_bcast_algos, 0 },
    { "COLL_REDUCE", KR_SET_ENUM, "auto", &kr_coll_cfg.reduce,
      "reduce algorithm", coll_reduce_algos, 0 },
    { "COLL_ALLREDUCE", KR_SET_ENUM, "auto", &kr_coll_cfg.allreduce,
      "allreduce algorithm", coll_allreduce_algos, 0 },
    { "COLL_ALLTOALL", KR_SET_ENUM, "auto", &kr_coll_cfg.alltoall,
      "alltoall algorithm", coll_alltoall_algos, 0 },
    { "COLL_ALLGATHER", KR_SET_ENUM, "auto", &kr_coll_cfg.allgather,
      "allgather algorithm", coll_allgather_algos, 0 },
    { "COLL_ALLREDUCE_RING_MIN", KR_SET_SIZE, "64k", &kr_coll_cfg.allreduce_ring_min,
      "message size from which the automatic allreduce uses the ring", NULL, 0 },
    { "COLL_BCAST_PIPELINE_MIN", KR_SET_SIZE, "512k", &kr_coll_cfg.bcast_pipeline_min,
      "message size from which the automatic broadcast uses scatter + allgather", NULL, 0 },
    { "COLL_BCAST_SHM_MIN", KR_SET_SIZE, "8k", &kr_coll_cfg.bcast_shm_min,
      "message size from which a broadcast among ranks of one host goes through shared "
      "memory (smaller ones use a binomial tree of messages)", NULL, 0 },
    { "COLL_ALLTOALL_PAIRWISE_MIN", KR_SET_SIZE, "32k", &kr_coll_cfg.alltoall_pairwise_min,
      "block size from which the automatic alltoall exchanges pairwise", NULL, 0 },
    { 0 }
};

int kr_coll_tag(struct kr_comm *comm)
{
    return (int) (comm->coll_seq++ & 0x3fffffffu);
}

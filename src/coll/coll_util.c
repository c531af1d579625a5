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

int kr_coll_run(struct kr_sched *s, int ret)
{
    return ret != 0 ? ret : kr_sched_run(s);
}

size_t kr_coll_part_off(size_t total, int n, int i)
{
    size_t q = total / (size_t) n, rem = total % (size_t) n;

    return (size_t) i * q + ((size_t) i < rem ? (size_t) i : rem);
}

int kr_coll_reduce_ordered(struct kr_sched *s, const struct kr_dt *dt, const struct kr_op *op,
                           unsigned char **acc, unsigned char **tmp, size_t count)
{
    unsigned char *t;
    int ret = kr_sched_reduce(s, *acc, *tmp, count, dt, op);

    t = *acc;
    *acc = *tmp;
    *tmp = t;
    return ret;
}

struct kr_coll_blocks *kr_coll_blocks_uniform(struct kr_sched *s, int n, size_t bytes)
{
    struct kr_coll_blocks *b = kr_sched_alloc(s, sizeof(*b));
    ptrdiff_t *off = kr_sched_alloc(s, sizeof(*off) * (size_t) n);
    size_t *len = kr_sched_alloc(s, sizeof(*len) * (size_t) n);

    if (b == NULL || off == NULL || len == NULL) {
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        off[i] = (ptrdiff_t) ((size_t) i * bytes);
        len[i] = bytes;
    }
    b->off = off;
    b->len = len;
    return b;
}

int kr_coll_tag(struct kr_comm *comm)
{
    return (int) (comm->coll_seq++ & 0x3fffffffu);
}

struct kr_coll_cfg kr_coll_cfg;

static const char *const coll_barrier_algos[] = { "auto", "shm", "dissemination", NULL };
static const char *const coll_bcast_algos[] = { "auto", "shm", "binomial", "scatter_allgather",
                                                NULL };
static const char *const coll_reduce_algos[] = { "auto", "shm", "binomial", "rabenseifner",
                                                 NULL };
static const char *const coll_allreduce_algos[] = { "auto", "shm", "recursive_doubling",
                                                    "rabenseifner", "ring", NULL };
static const char *const coll_alltoall_algos[] = { "auto", "bruck", "postall", "pairwise",
                                                   "shm", "adaptive", NULL };
static const char *const coll_alltoallv_algos[] = { "auto", "postall", "pairwise", NULL };
static const char *const coll_allgather_algos[] = { "auto", "ring", "recursive_doubling",
                                                    "bruck", NULL };
static const char *const coll_gather_algos[] = { "auto", "binomial", "linear", NULL };
static const char *const coll_scatter_algos[] = { "auto", "binomial", "linear", NULL };
static const char *const coll_reduce_scatter_algos[] = { "auto", "recursive_halving", "ring",
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
    { "COLL_ALLTOALLV", KR_SET_ENUM, "auto", &kr_coll_cfg.alltoallv,
      "alltoallv and alltoallw algorithm", coll_alltoallv_algos, 0 },
    { "COLL_ALLGATHER", KR_SET_ENUM, "auto", &kr_coll_cfg.allgather,
      "allgather algorithm", coll_allgather_algos, 0 },
    { "COLL_GATHER", KR_SET_ENUM, "auto", &kr_coll_cfg.gather,
      "gather algorithm (gatherv is always linear)", coll_gather_algos, 0 },
    { "COLL_SCATTER", KR_SET_ENUM, "auto", &kr_coll_cfg.scatter,
      "scatter algorithm (scatterv is always linear)", coll_scatter_algos, 0 },
    { "COLL_REDUCE_SCATTER", KR_SET_ENUM, "auto", &kr_coll_cfg.reduce_scatter,
      "reduce_scatter and reduce_scatter_block algorithm", coll_reduce_scatter_algos, 0 },
    { "COLL_HIER", KR_SET_BOOL, "yes", &kr_coll_cfg.hier,
      "node-aware barrier, bcast, reduce, allreduce and allgather on communicators whose "
      "members span hosts: a stage within each host, one among a leader per host (allreduce "
      "with as many members on every host: among the members facing each other), one within "
      "each host again", NULL, 0 },
    { "COLL_HIER_MIN_LOCAL", KR_SET_INT, "3", &kr_coll_cfg.hier_min_local,
      "leader-based node-aware collectives only when some host holds at least this many of "
      "the communicator's members (with two per host the stages cost a round more than the "
      "flat algorithms)", NULL, 0 },
    { "COLL_HIER_ALLREDUCE_MAX", KR_SET_SIZE, "256k", &kr_coll_cfg.hier_allreduce_max,
      "largest leader-based allreduce (hosts of different sizes): beyond it the flat "
      "algorithms, whose every rank uses its own network connections at once, beat the "
      "leaders' single exchange", NULL, 0 },
    { "COLL_ALLREDUCE_RING_MIN", KR_SET_SIZE, "64k", &kr_coll_cfg.allreduce_ring_min,
      "message size from which the automatic allreduce uses the ring (commutative ops)",
      NULL, 0 },
    { "COLL_ALLREDUCE_RABENSEIFNER_MIN", KR_SET_SIZE, "8k", &kr_coll_cfg.allreduce_rsag_min,
      "message size from which the automatic allreduce uses Rabenseifner's reduce-scatter + "
      "allgather instead of recursive doubling", NULL, 0 },
    { "COLL_REDUCE_RABENSEIFNER_MIN", KR_SET_SIZE, "64k", &kr_coll_cfg.reduce_rsag_min,
      "message size from which the automatic reduce uses reduce-scatter + gather instead of "
      "a binomial tree", NULL, 0 },
    { "COLL_BCAST_PIPELINE_MIN", KR_SET_SIZE, "512k", &kr_coll_cfg.bcast_pipeline_min,
      "message size from which the automatic broadcast uses scatter + allgather", NULL, 0 },
    { "COLL_BCAST_SHM_MIN", KR_SET_SIZE, "8k", &kr_coll_cfg.bcast_shm_min,
      "message size from which a broadcast among ranks of one host goes through shared "
      "memory (smaller ones use a binomial tree of messages)", NULL, 0 },
    { "COLL_ALLTOALL_PAIRWISE_MIN", KR_SET_SIZE, "32k", &kr_coll_cfg.alltoall_pairwise_min,
      "block size from which the automatic alltoall exchanges pairwise", NULL, 0 },
    { "COLL_ALLTOALL_BRUCK_MAX", KR_SET_SIZE, "256", &kr_coll_cfg.alltoall_bruck_max,
      "largest block size for which the automatic alltoall uses Bruck's algorithm (log n "
      "rounds, more bytes moved) on 8 ranks or more", NULL, 0 },
    { "COLL_ALLTOALLV_PAIRWISE_MIN", KR_SET_SIZE, "32k", &kr_coll_cfg.alltoallv_pairwise_min,
      "average block size from which the automatic alltoallv/w exchanges pairwise", NULL, 0 },
    { "COLL_ALLGATHER_RING_MIN", KR_SET_SIZE, "512k", &kr_coll_cfg.allgather_ring_min,
      "gathered size from which the automatic allgather uses the ring (below: recursive "
      "doubling on powers of two, Bruck otherwise)", NULL, 0 },
    { "COLL_GATHER_LINEAR_MIN", KR_SET_SIZE, "16k", &kr_coll_cfg.gather_linear_min,
      "block size from which the automatic gather receives from every rank directly", NULL,
      0 },
    { "COLL_SCATTER_LINEAR_MIN", KR_SET_SIZE, "16k", &kr_coll_cfg.scatter_linear_min,
      "block size from which the automatic scatter sends to every rank directly", NULL, 0 },
    { "COLL_REDUCE_SCATTER_RING_MIN", KR_SET_SIZE, "64k", &kr_coll_cfg.reduce_scatter_ring_min,
      "vector size from which the automatic reduce_scatter uses the ring (commutative ops)",
      NULL, 0 },
    { 0 }
};

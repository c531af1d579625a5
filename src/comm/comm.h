/* Communicators: a group of job ranks with a context id that separates its traffic from every
 * other communicator's. Context id c carries point-to-point traffic as wire context 2c and
 * collective traffic as 2c+1, so the two can never match each other. */
#ifndef KR_COMM_COMM_H
#define KR_COMM_COMM_H

#include "pt2pt/pt2pt.h"

#include <stdbool.h>
#include <stdint.h>

#define KR_COMM_MAGIC   0x4b52434dU /* "KRCM": a live communicator */
#define KR_COMM_IDS     (KR_CTX_MAX / 2)
#define KR_COMM_NAME_MAX 128

struct kr_coll_host;            /* host-shared collective state (coll_shm.c) */
struct kr_coll_shm;             /* this communicator's area in it, if any */

struct kr_comm {
    uint32_t magic;
    uint32_t id;                /* context id, agreed by all members */
    int rank, size;
    int *ranks;                 /* job rank of each member; NULL means rank i is job rank i */
    struct kr_pt2pt *pt;
    void *errh;                 /* error handler, owned by the API layer */
    int refs;
    uint32_t coll_seq;          /* collectives started, for tags that never repeat soon */
    int sched_active;           /* collective schedules running (nonblocking ones) */
    struct kr_coll_host *host;  /* NULL when this host shares no memory among its ranks */
    struct kr_coll_shm *shm;    /* NULL when the communicator has no shared area */
    char name[KR_COMM_NAME_MAX];
};

static inline uint32_t kr_comm_ctx_pt2pt(const struct kr_comm *c)
{
    return c->id * 2;
}

static inline uint32_t kr_comm_ctx_coll(const struct kr_comm *c)
{
    return c->id * 2 + 1;
}

static inline int kr_comm_job_rank(const struct kr_comm *c, int r)
{
    return c->ranks != NULL ? c->ranks[r] : r;
}

/* The context ids in use by this process (one bitmap per engine user; id 0 = world,
 * 1 = self). */
struct kr_comm_ids {
    uint64_t free[KR_COMM_IDS / 64];   /* bit set = id free */
};

void kr_comm_ids_init(struct kr_comm_ids *ids);

/* Build MPI_COMM_WORLD (id 0) and MPI_COMM_SELF (id 1) for `pt`. */
int kr_comm_create_world(struct kr_pt2pt *pt, int size, struct kr_comm **comm_out);
int kr_comm_create_self(struct kr_pt2pt *pt, int job_rank, struct kr_comm **comm_out);

/* Collective over `comm`: a new communicator with the same group and a fresh context id. */
int kr_comm_dup(struct kr_comm *comm, struct kr_comm_ids *ids, struct kr_comm **comm_out);
/* Collective over `comm`: split by color (negative = not in any), ordered by key then rank.
 * *comm_out is NULL for a negative color. */
int kr_comm_split(struct kr_comm *comm, struct kr_comm_ids *ids, int color, int key,
                  struct kr_comm **comm_out);
/* Release the communicator: its id is free again and its matching state dropped. */
void kr_comm_free(struct kr_comm *comm, struct kr_comm_ids *ids);

/* Neighbours of a communicator with a process topology (Cartesian, graph, distributed graph)
 * in the order MPI's neighbourhood collectives use: sources (receive from) and destinations
 * (send to), as communicator ranks, MPI_PROC_NULL allowed (Cartesian edges). The arrays belong
 * to the communicator. Returns 0, or -EINVAL when it has no topology. */
int kr_comm_neighbors(const struct kr_comm *comm, int *indeg_out, const int **sources_out,
                      int *outdeg_out, const int **dests_out);

#endif /* KR_COMM_COMM_H */

/* Private to src/comm: building communicator structs, agreeing on context ids, and the
 * point-to-point messages the communicator layer exchanges on a parent's collective context. */
#ifndef KR_COMM_COMM_INT_H
#define KR_COMM_COMM_INT_H

#include "comm.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Tags of the communicator layer's own messages, which travel on a parent communicator's
 * collective context. All are negative: collectives draw their tags from 0..2^30-1, and -1
 * and -2 are the wildcards' values, so neither a collective nor a pending wildcard receive
 * (which only the pt2pt context sees) can take them. User tags of MPI_Intercomm_create and
 * MPI_Comm_create_group are folded into ranges of their own; two calls whose tags differ by
 * a multiple of 2^29 (2^30) are told apart by the order of their messages only.
 */
#define COMM_TAG_MERGE (-3)      /* MPI_Intercomm_merge */
#define COMM_TAG_DIST_GRAPH (-4) /* MPI_Dist_graph_create's edge exchange */
#define COMM_TAG_INTER_DUP (-5)  /* duplicating an intercommunicator */
#define COMM_TAG_INTER_SPLIT (-6) /* splitting an intercommunicator */
#define COMM_TAG_INTERCOMM(t) (-(1 << 30) + ((t) & ((1 << 29) - 1)))
#define COMM_TAG_GROUP(t) (INT_MIN + ((t) & ((1 << 30) - 1)))
/* [-(1 << 29), -(1 << 28)) on the collective context carries partitioned messages
 * (src/api/api_part.c). */

#define COMM_ID_WORDS (KR_COMM_IDS / 64)

/* A communicator struct with one reference and no topology, attributes or info; `ranks` (may
 * be NULL: rank i is job rank i) becomes its own. NULL when out of memory. */
struct kr_comm *kr_comm_new(struct kr_pt2pt *pt, uint32_t id, int rank, int size, int *ranks);

/* Finish a new intracommunicator `c` made from `parent` whose context id `c->id` this process
 * has taken: share the parent's host and attach a shared-memory area (a collective over c's
 * members). On failure the id is given back and c freed. */
int kr_comm_finish(struct kr_comm *parent, struct kr_comm *c, struct kr_comm_ids *ids,
                   struct kr_comm **comm_out);

/* A copy of comm's job ranks (the local group), or NULL when out of memory. */
int *kr_comm_ranks_copy(const struct kr_comm *comm);

/* How two lists of job ranks compare: IDENT (same order), SIMILAR (same members), UNEQUAL.
 * Lists have no duplicates. */
enum kr_comm_cmp kr_comm_ranks_compare(const int *a, int na, const int *b, int nb);

/* Build an intercommunicator over this process's group (that of intracommunicator `local`)
 * and the `nremote` job ranks `remote` (copied), with ids id[0] (itself) and id[1] (its local
 * communicator), which this process has taken. Collective over the local group (it attaches
 * the local communicator's shared area). On failure both ids are given back. */
int kr_comm_inter_build(struct kr_comm *local, const int *remote, int nremote, const uint32_t *id,
                        struct kr_comm_ids *ids, struct kr_comm **comm_out);

/* ---- context ids (comm_ids.c) --------------------------------------------------------- */

/* Words of the id map one attempt of an agreement offers. */
#define COMM_ID_WINDOW 4

/* What an agreement is for; part of its key. */
enum kr_comm_ids_kind {
    KR_IDS_INTRA = 1, /* dup, split, create, topologies: collective over the parent */
    KR_IDS_GROUP,     /* MPI_Comm_create_group: over the group, with the user's tag */
    KR_IDS_INTERCOMM, /* MPI_Intercomm_create */
    KR_IDS_INTER_DUP, /* duplicating an intercommunicator */
    KR_IDS_MERGE,     /* MPI_Intercomm_merge */
    KR_IDS_IDUP,      /* MPI_Comm_idup, with the parent's collective counter */
    KR_IDS_INTER_SPLIT, /* splitting an intercommunicator (MPI_Comm_split, MPI_Comm_create) */
};

/* The key of an agreement: every member computes the same one, and two agreements that can run
 * at once on a process have different ones (the windows they offer follow the key). */
uint64_t kr_comm_ids_key(enum kr_comm_ids_kind kind, uint32_t a, uint32_t b);

/* The members' combination step of an agreement: AND of every member's `n` words, in place,
 * blocking. Each kind of creation brings its own (an allreduce over the parent, messages among
 * a group, leaders bridging two groups). */
typedef int (*kr_comm_and_fn)(void *arg, uint64_t *buf, size_t n);

/* Agree on `nids` (1 or 2) context ids free in every member, with key `key`. They are taken
 * here; a member that does not build a communicator gives them back with kr_comm_ids_put.
 * Returns 0, -ENOSPC, or what `and` returned. */
int kr_comm_ids_agree(struct kr_comm_ids *ids, uint64_t key, kr_comm_and_fn and, void *arg,
                      int nids, uint32_t *ids_out);
void kr_comm_ids_put(struct kr_comm_ids *ids, uint32_t id);

/* One attempt, in steps (for the nonblocking agreement, comm_idup.c). kr_comm_ids_lend fills
 * `offer` (COMM_ID_WINDOW words) with the free ids of attempt `k`'s window that no other
 * agreement holds, and lends them to this one. kr_comm_ids_settle takes the lowest `nids` ids
 * of `and` (the members' ANDed offers), gives back the rest of `offer`, and returns 0 (ids in
 * *ids_out), -EAGAIN when there are not enough (try k + 1), or -ENOSPC after every window. */
void kr_comm_ids_lend(struct kr_comm_ids *ids, uint64_t key, int k, uint64_t *offer);
int kr_comm_ids_settle(struct kr_comm_ids *ids, uint64_t key, int k, const uint64_t *offer,
                       const uint64_t *and, int nids, uint32_t *ids_out);
/* The attempt failed before its AND: give the window back. */
void kr_comm_ids_giveback(struct kr_comm_ids *ids, uint64_t key, int k, const uint64_t *offer);

/* AND over an intracommunicator's members: an allreduce (arg: the struct kr_comm). */
int kr_comm_and_intra(void *arg, uint64_t *buf, size_t n);

/* The agreement of a creation collective over intracommunicator `comm` (dup, split, create,
 * topologies): kr_comm_ids_agree with kr_comm_and_intra and a key that changes with every
 * such agreement on comm, so that their first windows spread over the map. */
int kr_comm_ids_agree_intra(struct kr_comm *comm, struct kr_comm_ids *ids, uint32_t *id_out);

/* AND by point-to-point among the members of a group (recursive doubling): messages on
 * context `ctx` with `tag`, the sender's job rank as its rank. Job ranks, not indexes in the
 * group: a later call on an overlapping group may use the same tag, and its messages can
 * arrive while this one runs; only the sender's identity keeps them apart (MPI allows that for
 * MPI_Comm_create_group; per pair of processes, messages keep their order). */
struct kr_comm_and_group {
    struct kr_pt2pt *pt;
    const int *ranks; /* job ranks of the members */
    int size, rank;   /* members, this one's index */
    uint32_t ctx;
    int tag;
};
int kr_comm_and_group(void *arg, uint64_t *buf, size_t n);

/* AND over two groups: an allreduce in each, the two leaders swap their results, then each
 * leader broadcasts the combination in its group. */
struct kr_comm_and_bridge {
    struct kr_comm *local;  /* intracommunicator over this group */
    int leader;             /* the leader's rank in `local` */
    struct kr_comm_xchg *x; /* how the leaders reach each other (leader only) */
};
int kr_comm_and_bridge(void *arg, uint64_t *buf, size_t n);

/* A point-to-point path between two processes: send to job rank `peer_job` as rank `me`,
 * receive from the one that sends as rank `peer`, on context `ctx` with `tag`. */
struct kr_comm_xchg {
    struct kr_pt2pt *pt;
    int peer_job, me, peer;
    uint32_t ctx;
    int tag;
};

/* Send `slen` bytes and receive up to `rlen` at once (neither side can block the other).
 * Returns 0 or a negative error (-KR_ETRUNC for a longer message). */
int kr_comm_xchg(const struct kr_comm_xchg *x, const void *sbuf, size_t slen, void *rbuf,
                 size_t rlen);

#endif /* KR_COMM_COMM_INT_H */

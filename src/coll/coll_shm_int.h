/* Private to the shared-memory collectives: a communicator's area and its rounds (coll_shm.c),
 * used by the algorithms in coll_shm_ops.c. */
#ifndef KR_COLL_SHM_INT_H
#define KR_COLL_SHM_INT_H

#include "coll_adapt.h"
#include "coll_int.h"

#include <stddef.h>
#include <stdint.h>

struct shm_area_hdr;

struct kr_coll_shm {
    struct shm_area_hdr *hdr;
    unsigned char *slots;
    int *local;                 /* local index of each member, for wakeups */
    uint32_t gen;               /* rounds this member completed */
    uint32_t a2a_calls;         /* adaptive alltoalls this member started */
    struct kr_adapt a2a;        /* rank 0: their times */
};

#define SHM_PICK_ROWS 4

/* Adaptive collectives (coll_adapt.h): the way rank 0 chose for call number `call` in
 * `bucket` (0 or 1), or -1 when it has not said yet; and rank 0 publishing its choices for
 * call number `call`. */
int kr_coll_shm_pick_get(const struct kr_comm *comm, uint32_t call, int bucket);
void kr_coll_shm_pick_set(const struct kr_comm *comm, uint32_t call, const struct kr_adapt *a);

/* Bytes of one slot (KURIR_COLL_SHM_SIZE rounded to a cache line). */
size_t kr_coll_shm_slot_bytes(void);

/* Slot of `member` for the round that will end at fence number `gen` (its parity). Data a
 * member writes before a fence goes in the slots of that fence's generation; everyone may read
 * them between that fence and the next. */
unsigned char *kr_coll_shm_slot(const struct kr_comm *comm, int member, uint32_t gen);

/* Arrive at the current round and wait until every member has (comm->shm->gen advances). */
int kr_coll_shm_fence(struct kr_comm *comm);

#endif /* KR_COLL_SHM_INT_H */

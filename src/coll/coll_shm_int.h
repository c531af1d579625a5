/* Private to the shared-memory collectives: a communicator's area and its rounds (coll_shm.c),
 * used by the algorithms in coll_shm_ops.c. */
#ifndef KR_COLL_SHM_INT_H
#define KR_COLL_SHM_INT_H

#include "coll_int.h"

#include <stddef.h>
#include <stdint.h>

struct shm_area_hdr;

struct kr_coll_shm {
    struct shm_area_hdr *hdr;
    unsigned char *slots;
    int *local;                 /* local index of each member, for wakeups */
    uint32_t gen;               /* rounds this member completed */
};

/* Bytes of one slot (KURIR_COLL_SHM_SIZE rounded to a cache line). */
size_t kr_coll_shm_slot_bytes(void);

/* Slot of `member` for the round that will end at fence number `gen` (its parity). Data a
 * member writes before a fence goes in the slots of that fence's generation; everyone may read
 * them between that fence and the next. */
unsigned char *kr_coll_shm_slot(const struct kr_comm *comm, int member, uint32_t gen);

/* Arrive at the current round and wait until every member has (comm->shm->gen advances). */
int kr_coll_shm_fence(struct kr_comm *comm);

#endif /* KR_COLL_SHM_INT_H */

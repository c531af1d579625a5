/* Collectives through memory shared by the ranks of one host: a flat "arrive and wait"
 * fence on a counter, with data slots beside it. One round costs each rank one atomic
 * increment and one wait, whatever the order in which ranks are scheduled, which is what
 * matters when the host runs more ranks than it has cores. */
#include "config.h"

#include "coll_shm_int.h"

#include "util/log.h"

#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SHM_AREA_LINE 64

/*
 * The host-shared region holds `nareas` areas; area 0 belongs to MPI_COMM_WORLD when all of
 * its ranks are on this host, the others are claimed by communicators at creation.
 *
 *   area: [shm_area_hdr][slot(member 0, parity 0)][slot(0, 1)][slot(1, 0)]...
 *
 * - claimed: 0 = free; otherwise the number of members still holding the area. The creating
 *   communicator's rank 0 claims it with compare-and-swap; each member releases its share
 *   when it frees the communicator, so the area is reused only once nobody reads it.
 * - arrived: members that reached the current round; the last one resets it and bumps gen.
 * - gen: completed rounds. The bump is a release store after the last arrival (whose
 *   acquire-release increment saw every member's slot writes), waiters load it with
 *   acquire: after the wait every member's data of this round is visible.
 * Round g writes slots of parity g & 1: a member can write the slots of round g + 2 only
 * after every member arrived at round g + 1, i.e. finished reading round g.
 */
struct shm_area_hdr {
    alignas(SHM_AREA_LINE) _Atomic uint32_t claimed;
    alignas(SHM_AREA_LINE) _Atomic uint32_t arrived;
    alignas(SHM_AREA_LINE) _Atomic uint32_t gen;
    /* rank 0's choices for adaptive collectives: row call % SHM_PICK_ROWS, 0 = none, else
     * way + 1 (coll_adapt.h) */
    alignas(SHM_AREA_LINE) _Atomic uint8_t pick[SHM_PICK_ROWS][KR_ADAPT_BUCKETS];
};


struct kr_coll_host {
    struct kr_host_shared hs;
    int nlocal;
    int *local_of;              /* job rank -> local index, or -1 */
    size_t area_bytes;
    int nareas;
};


static struct coll_shm_cfg {
    bool enable;
    size_t slot;
    int nareas;
} shm_cfg;

const struct kr_setting kr_coll_shm_settings[] = {
    { "COLL_SHM", KR_SET_BOOL, "yes", &shm_cfg.enable,
      "barrier, reduce and allreduce through memory shared by the ranks of a host", NULL, 0 },
    { "COLL_SHM_SIZE", KR_SET_SIZE, "0", &shm_cfg.slot,
      "bytes each local rank can put into a shared collective area per round (longer messages "
      "go in chunks); each rank gets twice this per area; 0: 1 MiB divided among the host's "
      "ranks, from 32 KiB to 512 KiB", NULL, 0 },
    { "COLL_SHM_AREAS", KR_SET_INT, "8", &shm_cfg.nareas,
      "shared collective areas per host: MPI_COMM_WORLD plus this many minus one other "
      "communicators at a time", NULL, 0 },
    { 0 }
};

/* The automatic slot: few ranks get big slots (a 1 MiB allreduce in 4 rounds rather than 32),
 * while the area of a host with many ranks stays as small as with 32 KiB slots. Every rank of a
 * host computes it from the same count, at start-up (kr_coll_shm_bytes). */
#define SHM_SLOT_BUDGET (1u << 20)
#define SHM_SLOT_MIN (32u << 10)
#define SHM_SLOT_MAX (512u << 10)

static size_t shm_slot_auto = SHM_SLOT_MIN;

size_t kr_coll_shm_slot_bytes(void)
{
    size_t slot = shm_cfg.slot != 0 ? shm_cfg.slot : shm_slot_auto;

    return (slot + SHM_AREA_LINE - 1) & ~(size_t) (SHM_AREA_LINE - 1);
}

size_t kr_coll_shm_bytes(int nlocal)
{
    if (!shm_cfg.enable || nlocal < 2 || shm_cfg.nareas < 1) {
        return 0;
    }
    shm_slot_auto = SHM_SLOT_BUDGET / (size_t) nlocal;
    shm_slot_auto = shm_slot_auto < SHM_SLOT_MIN   ? SHM_SLOT_MIN
                    : shm_slot_auto > SHM_SLOT_MAX ? SHM_SLOT_MAX
                                                   : shm_slot_auto;
    return (size_t) shm_cfg.nareas
           * (sizeof(struct shm_area_hdr) + (size_t) nlocal * 2 * kr_coll_shm_slot_bytes());
}

int kr_coll_host_create(const struct kr_host_shared *hs, int job_size, int nlocal,
                        const int *local_ranks, struct kr_coll_host **host_out)
{
    struct kr_coll_host *h;

    if (kr_coll_shm_bytes(nlocal) == 0 || hs->len < kr_coll_shm_bytes(nlocal)) {
        *host_out = NULL;
        return 0;
    }
    h = calloc(1, sizeof(*h));
    if (h == NULL) {
        return -ENOMEM;
    }
    h->local_of = malloc(sizeof(int) * (size_t) job_size);
    if (h->local_of == NULL) {
        free(h);
        return -ENOMEM;
    }
    for (int r = 0; r < job_size; r++) {
        h->local_of[r] = -1;
    }
    for (int i = 0; i < nlocal; i++) {
        h->local_of[local_ranks[i]] = i;
    }
    h->hs = *hs;
    h->nlocal = nlocal;
    h->nareas = shm_cfg.nareas;
    h->area_bytes = sizeof(struct shm_area_hdr) + (size_t) nlocal * 2 * kr_coll_shm_slot_bytes();
    *host_out = h;
    return 0;
}

void kr_coll_host_destroy(struct kr_coll_host *host)
{
    if (host != NULL) {
        free(host->local_of);
        free(host);
    }
}

static struct shm_area_hdr *shm_area(const struct kr_coll_host *h, int i)
{
    return (struct shm_area_hdr *) (void *) ((unsigned char *) h->hs.base
                                             + (size_t) i * h->area_bytes);
}

/* Area index of `comm` if all its members are on this host and one is free: -1 otherwise.
 * Run by the communicator's rank 0 only. */
static int shm_area_claim(struct kr_comm *comm, bool world)
{
    struct kr_coll_host *h = comm->host;

    if (world) {
        return 0; /* reserved for MPI_COMM_WORLD: nothing else ever claims area 0 */
    }
    for (int i = 1; i < h->nareas; i++) {
        struct shm_area_hdr *a = shm_area(h, i);
        uint32_t free_val = 0;

        if (atomic_compare_exchange_strong(&a->claimed, &free_val, (uint32_t) comm->size)) {
            atomic_store_explicit(&a->arrived, 0, memory_order_relaxed);
            atomic_store_explicit(&a->gen, 0, memory_order_relaxed);
            memset((void *) a->pick, 0, sizeof(a->pick));
            return i;
        }
    }
    return -1;
}

static bool shm_all_local(struct kr_comm *comm)
{
    for (int r = 0; r < comm->size; r++) {
        if (comm->host->local_of[kr_comm_job_rank(comm, r)] < 0) {
            return false;
        }
    }
    return true;
}

int kr_coll_shm_attach(struct kr_comm *comm, bool world)
{
    struct kr_coll_shm *s;
    int32_t area = -1;
    int ret;

    if (comm->host == NULL || comm->size < 2 || !shm_all_local(comm)) {
        return 0;
    }
    if (comm->rank == 0) {
        area = shm_area_claim(comm, world);
    }
    /* The claim (and its reset of the area) happens before this message, so every member
     * that receives the index sees a clean area. */
    if (!world) {
        ret = kr_coll_bcast(comm, &area, sizeof(area), 0);
        if (ret != 0) {
            return ret;
        }
    } else {
        area = 0;
    }
    if (area < 0) {
        return 0;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL || (s->local = malloc(sizeof(int) * (size_t) comm->size)) == NULL) {
        free(s);
        return -ENOMEM;
    }
    s->hdr = shm_area(comm->host, area);
    s->slots = (unsigned char *) s->hdr + sizeof(struct shm_area_hdr);
    for (int r = 0; r < comm->size; r++) {
        s->local[r] = comm->host->local_of[kr_comm_job_rank(comm, r)];
    }
    comm->shm = s;
    return 0;
}

void kr_coll_shm_detach(struct kr_comm *comm)
{
    struct kr_coll_shm *s = comm->shm;

    if (s == NULL) {
        return;
    }
    if (s->hdr != shm_area(comm->host, 0)) {
        atomic_fetch_sub_explicit(&s->hdr->claimed, 1, memory_order_release);
    }
    free(s->local);
    free(s);
    comm->shm = NULL;
}

/* Rank 0 writes the row of call k + 2 during call k; every member reads the row of call k as
 * it starts call k. Rank 0 cannot be in call k before every member entered call k - 1 (the
 * collectives using this need everyone's data), so the row it overwrites, that of call k - 2,
 * has been read by all; and a member starts call k + 2 only after rank 0 took part in call
 * k + 1, so it sees what rank 0 wrote during call k (the messages or fence in between order
 * the stores). */
int kr_coll_shm_pick_get(const struct kr_comm *comm, uint32_t call, int bucket)
{
    uint8_t v = atomic_load_explicit(&comm->shm->hdr->pick[call % SHM_PICK_ROWS][bucket],
                                     memory_order_acquire);

    return (int) v - 1;
}

void kr_coll_shm_pick_set(const struct kr_comm *comm, uint32_t call, const struct kr_adapt *a)
{
    for (int b = 0; b < KR_ADAPT_BUCKETS; b++) {
        atomic_store_explicit(&comm->shm->hdr->pick[call % SHM_PICK_ROWS][b],
                              (uint8_t) (kr_adapt_choose(a, b) + 1), memory_order_release);
    }
}

unsigned char *kr_coll_shm_slot(const struct kr_comm *comm, int member, uint32_t gen)
{
    return comm->shm->slots + ((size_t) member * 2 + (gen & 1)) * kr_coll_shm_slot_bytes();
}

struct shm_wait {
    struct shm_area_hdr *hdr;
    uint32_t gen;
};

static bool shm_round_done(void *arg)
{
    struct shm_wait *w = arg;

    return atomic_load_explicit(&w->hdr->gen, memory_order_acquire) != w->gen;
}

/* Arrive at this round and wait until every member has. */
int kr_coll_shm_fence(struct kr_comm *comm)
{
    struct kr_coll_shm *s = comm->shm;
    struct shm_wait w = { s->hdr, s->gen };
    uint32_t before;
    int ret = 0;

    before = atomic_fetch_add_explicit(&s->hdr->arrived, 1, memory_order_acq_rel);
    if (before == (uint32_t) comm->size - 1) {
        atomic_store_explicit(&s->hdr->arrived, 0, memory_order_relaxed);
        atomic_store_explicit(&s->hdr->gen, w.gen + 1, memory_order_release);
        /* Pairs with the fence in the transport's wait: a member either sees the new gen
         * or is seen sleeping here. */
        atomic_thread_fence(memory_order_seq_cst);
        for (int r = 0; r < comm->size; r++) {
            if (r != comm->rank) {
                comm->host->hs.wake(comm->host->hs.tp, s->local[r]);
            }
        }
    } else {
        ret = kr_pt2pt_wait_until(comm->pt, shm_round_done, &w);
    }
    s->gen = w.gen + 1;
    return ret;
}

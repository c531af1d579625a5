/* Node-aware collectives. On a communicator whose members live on several hosts, some of them
 * with more than one member, a collective runs in stages: among the members of each host
 * (point-to-point there goes through shared memory), among one leader per host (the network),
 * and within each host again, so that far fewer messages cross the network. Each stage is a
 * flat builder run on a subgroup of the communicator (kr_sched_view); the leader of a host is
 * its lowest rank, or the root when the root lives there. */
#include "config.h"

#include "coll_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct kr_coll_hier {
    int nhosts;  /* hosts the members live on */
    int *leader; /* per host (in the order of their lowest member): that member's comm rank */
    int *host_of; /* per comm rank: its host (index into leader) */
    int *first;  /* per host: where its members start in host-major order (nhosts + 1) */
    int *order;  /* comm ranks in host-major order, ascending within each host */
    int *mine;   /* comm ranks on this rank's host, ascending (order + first[its host]) */
    int nmine, me; /* how many, and this rank's index among them */
    int *peers;  /* uniform only: the member with index me on each host, by host */
    bool uniform; /* every host has nmine members */
};

static void hier_free(struct kr_coll_hier *h)
{
    if (h != NULL) {
        free(h->leader);
        free(h->host_of);
        free(h->first);
        free(h->order);
        free(h->peers);
        free(h);
    }
}

void kr_coll_hier_drop(struct kr_comm *comm)
{
    hier_free(comm->hier);
    comm->hier = NULL;
}

/* Where each host's members go in host-major order, and which of them face this rank. */
static void hier_order(struct kr_coll_hier *h, int n, int myhost)
{
    int *at = h->peers; /* borrowed as per-host fill counters until the end */

    for (int i = 0; i < h->nhosts; i++) {
        h->first[i + 1] += h->first[i];
        at[i] = h->first[i];
    }
    for (int r = 0; r < n; r++) {
        h->order[at[h->host_of[r]]++] = r;
    }
    h->mine = h->order + h->first[myhost];
    h->nmine = h->first[myhost + 1] - h->first[myhost];
    h->uniform = true;
    for (int i = 0; i < h->nhosts; i++) {
        h->uniform = h->uniform && h->first[i + 1] - h->first[i] == h->nmine;
    }
    for (int i = 0; h->uniform && i < h->nhosts; i++) {
        h->peers[i] = h->order[h->first[i] + h->me];
    }
}

/* The layout of `comm` from the job's host of each rank. */
static struct kr_coll_hier *hier_build(const struct kr_comm *comm)
{
    int n = comm->size, maxnode = 0, mynode = -1;
    struct kr_coll_hier *h = calloc(1, sizeof(*h));
    int *local = NULL;

    for (int r = 0; r < n; r++) {
        int node = comm->job_node[kr_comm_member(comm, r)];

        maxnode = node > maxnode ? node : maxnode;
    }
    if (h != NULL) {
        local = malloc(sizeof(int) * (size_t) (maxnode + 1));
        h->leader = malloc(sizeof(int) * (size_t) n);
        h->host_of = malloc(sizeof(int) * (size_t) n);
        h->first = calloc((size_t) n + 1, sizeof(int));
        h->order = malloc(sizeof(int) * (size_t) n);
        h->peers = malloc(sizeof(int) * (size_t) n);
    }
    if (h == NULL || local == NULL || h->leader == NULL || h->host_of == NULL
        || h->first == NULL || h->order == NULL || h->peers == NULL) {
        free(local);
        hier_free(h);
        return NULL;
    }
    for (int i = 0; i <= maxnode; i++) {
        local[i] = -1;
    }
    mynode = comm->job_node[kr_comm_member(comm, comm->rank)];
    for (int r = 0; r < n; r++) {
        int node = comm->job_node[kr_comm_member(comm, r)];

        if (local[node] < 0) {
            local[node] = h->nhosts;
            h->leader[h->nhosts++] = r;
        }
        h->host_of[r] = local[node];
        h->first[local[node] + 1]++;
        h->me += node == mynode && r < comm->rank;
    }
    hier_order(h, n, local[mynode]);
    free(local);
    return h;
}

/* The layout of `comm` when it spans hosts and some host has two members or more. */
static const struct kr_coll_hier *hier_layout(struct kr_comm *comm)
{
    if (comm->inter || comm->job_node == NULL || !kr_coll_cfg.hier) {
        return NULL;
    }
    if (comm->hier == NULL) {
        comm->hier = hier_build(comm);
        if (comm->hier == NULL) {
            return NULL; /* out of memory: the flat algorithms still work */
        }
    }
    return comm->hier->nhosts < 2 || comm->hier->nhosts == comm->size ? NULL : comm->hier;
}

const struct kr_coll_hier *kr_coll_hier_get(struct kr_comm *comm)
{
    const struct kr_coll_hier *h = hier_layout(comm);

    /* With two per host the stages would only add rounds: recursive doubling and
     * dissemination cross hosts in their last rounds anyway, with every member at once
     * (2 testbed hosts x 2: allreduce 8 B staged 95-111 us, flat 52-84 us). */
    for (int i = 0; h != NULL && i < h->nhosts; i++) {
        if (h->first[i + 1] - h->first[i] >= kr_coll_cfg.hier_min_local) {
            return h;
        }
    }
    return NULL;
}

const struct kr_coll_hier *kr_coll_hier_allreduce_get(struct kr_comm *comm, size_t bytes)
{
    const struct kr_coll_hier *h = hier_layout(comm);

    if (h != NULL && h->uniform) {
        return h; /* members in parallel: no round more than flat, 1/L of the data between hosts */
    }
    return bytes <= kr_coll_cfg.hier_allreduce_max ? kr_coll_hier_get(comm) : NULL;
}

/* The leaders for a collective rooted at `root` (the root leads its own host), in schedule
 * scratch; *li_out is this rank's index among them, or -1. */
static int *hier_leaders(struct kr_sched *s, const struct kr_coll_hier *h, int root, int *li_out)
{
    int *lead = kr_sched_alloc(s, sizeof(int) * (size_t) h->nhosts);
    int me = h->mine[h->me];

    if (lead == NULL) {
        return NULL;
    }
    memcpy(lead, h->leader, sizeof(int) * (size_t) h->nhosts);
    if (root >= 0) {
        lead[h->host_of[root]] = root;
    }
    *li_out = lead[h->host_of[me]] == me ? h->host_of[me] : -1;
    return lead;
}

/* Index among this host's members of the one that leads it in `lead`. */
static int hier_local_root(const struct kr_coll_hier *h, const int *lead)
{
    int r = lead[h->host_of[h->mine[h->me]]];

    for (int i = 0; i < h->nmine; i++) {
        if (h->mine[i] == r) {
            return i;
        }
    }
    return 0; /* not reached: every host's leader is one of its members */
}

/* The next steps talk to this host's members, from a new round. */
static int hier_on_host(struct kr_sched *s, const struct kr_coll_hier *h)
{
    kr_sched_view(s, h->mine, h->nmine, h->me);
    return kr_sched_round(s);
}

/* The next steps talk to the leaders, from a new round. */
static int hier_on_leaders(struct kr_sched *s, const struct kr_coll_hier *h, const int *lead,
                           int li)
{
    kr_sched_view(s, lead, h->nhosts, li);
    return kr_sched_round(s);
}

/* The next steps talk to the member facing this rank on each host, from a new round. */
static int hier_on_peers(struct kr_sched *s, const struct kr_coll_hier *h)
{
    kr_sched_view(s, h->peers, h->nhosts, h->host_of[h->mine[h->me]]);
    return kr_sched_round(s);
}

static int hier_done(struct kr_sched *s, int ret)
{
    kr_sched_view(s, NULL, 0, 0);
    return ret;
}

int kr_coll_hier_bcast(struct kr_sched *s, const struct kr_coll_hier *h, void *buf, size_t bytes,
                       int root)
{
    int li, *lead = hier_leaders(s, h, root, &li), ret = 0;

    if (lead == NULL) {
        return -ENOMEM;
    }
    if (li >= 0) {
        ret = hier_on_leaders(s, h, lead, li);
        ret = ret != 0 ? ret : kr_coll_bcast_add(s, buf, bytes, h->host_of[root]);
    }
    if (ret == 0) {
        ret = hier_on_host(s, h);
        ret = ret != 0 ? ret : kr_coll_bcast_add(s, buf, bytes, hier_local_root(h, lead));
    }
    return hier_done(s, ret);
}

int kr_coll_hier_reduce(struct kr_sched *s, const struct kr_coll_hier *h, const void *sbuf,
                        void *rbuf, size_t count, const struct kr_dt *dt, const struct kr_op *op,
                        int root)
{
    int li, *lead = hier_leaders(s, h, root, &li), ret;
    bool is_root = h->mine[h->me] == root;
    void *part = rbuf;

    if (lead == NULL) {
        return -ENOMEM;
    }
    /* a leader that is not the root keeps its host's part in scratch */
    if (li >= 0 && !is_root && (part = kr_sched_alloc(s, count * kr_coll_stride(dt))) == NULL) {
        return -ENOMEM;
    }
    ret = hier_on_host(s, h);
    ret = ret != 0 ? ret
                   : kr_coll_reduce_add(s, sbuf, part, count, dt, op, hier_local_root(h, lead));
    if (ret == 0 && li >= 0) {
        ret = hier_on_leaders(s, h, lead, li);
        ret = ret != 0 ? ret
                       : kr_coll_reduce_add(s, is_root ? NULL : part, part, count, dt, op,
                                            h->host_of[root]);
    }
    return hier_done(s, ret);
}

/* Every host has L members: member i of each host works with member i of every other host.
 * Short vectors: allreduce within the host, then among the peers (log L + log H rounds, as
 * flat recursive doubling, but the host's rounds stay in shared memory whatever the rank
 * order). Long ones: reduce-scatter within the host, so that member i holds part i of its
 * host's sum; allreduce of that part among the peers, all L parts crossing the network at
 * once; allgather within the host. Each member sends 1/L of the vector between hosts. */
static int hier_allreduce_peers(struct kr_sched *s, const struct kr_coll_hier *h,
                                const void *sbuf, void *rbuf, size_t count,
                                const struct kr_dt *dt, const struct kr_op *op)
{
    size_t st = kr_coll_stride(dt);
    struct kr_coll_rh rh;
    int ret = hier_on_host(s, h);

    if (count * st < kr_coll_cfg.allreduce_rsag_min || count < (size_t) h->nmine) {
        ret = ret != 0 ? ret : kr_coll_allreduce_add(s, sbuf, rbuf, count, dt, op);
        ret = ret != 0 ? ret : hier_on_peers(s, h);
        return ret != 0 ? ret : kr_coll_allreduce_add(s, NULL, rbuf, count, dt, op);
    }
    if (ret == 0 && sbuf != NULL) {
        ret = kr_sched_copy(s, sbuf, rbuf, count * st);
    }
    kr_coll_rh_init(s, &rh);
    rh.stride = st;
    rh.dt = dt;
    rh.op = op;
    rh.acc = rbuf;
    rh.voff = kr_coll_rh_even(s, &rh, count);
    ret = ret != 0 ? ret : rh.voff == NULL ? -ENOMEM : kr_coll_rh_reduce_scatter(s, &rh);
    if (ret == 0 && rh.v >= 0) { /* ranks folded out of the halving hold no part */
        size_t from = rh.voff[rh.a], to = rh.voff[rh.a + rh.len];

        ret = hier_on_peers(s, h);
        ret = ret != 0 ? ret
                       : kr_coll_allreduce_add(s, NULL, (unsigned char *) rbuf + from * st,
                                               to - from, dt, op);
    }
    ret = ret != 0 ? ret : hier_on_host(s, h);
    return ret != 0 ? ret : kr_coll_rh_allgather(s, &rh);
}

/* Hosts of different sizes: reduce to each host's leader, allreduce among the leaders,
 * broadcast within each host. */
static int hier_allreduce_leaders(struct kr_sched *s, const struct kr_coll_hier *h,
                                  const void *sbuf, void *rbuf, size_t count,
                                  const struct kr_dt *dt, const struct kr_op *op)
{
    int li, *lead = hier_leaders(s, h, -1, &li), ret;

    if (lead == NULL) {
        return -ENOMEM;
    }
    /* the host's lowest member is its leader and mine[0] */
    ret = hier_on_host(s, h);
    ret = ret != 0 ? ret : kr_coll_reduce_add(s, sbuf, rbuf, count, dt, op, 0);
    if (ret == 0 && li >= 0) {
        ret = hier_on_leaders(s, h, lead, li);
        ret = ret != 0 ? ret : kr_coll_allreduce_add(s, NULL, rbuf, count, dt, op);
    }
    if (ret == 0) {
        ret = hier_on_host(s, h);
        ret = ret != 0 ? ret : kr_coll_bcast_add(s, rbuf, count * kr_coll_stride(dt), 0);
    }
    return ret;
}

int kr_coll_hier_allreduce(struct kr_sched *s, const struct kr_coll_hier *h, const void *sbuf,
                           void *rbuf, size_t count, const struct kr_dt *dt,
                           const struct kr_op *op)
{
    int ret = h->uniform ? hier_allreduce_peers(s, h, sbuf, rbuf, count, dt, op)
                         : hier_allreduce_leaders(s, h, sbuf, rbuf, count, dt, op);

    return hier_done(s, ret);
}

/* Every member of this host signals its leader (fan-in), or the leader signals every member
 * (fan-out), in one round. */
static int hier_fan(struct kr_sched *s, const struct kr_coll_hier *h, bool in)
{
    int ret = hier_on_host(s, h);

    if (h->me != 0) {
        return ret != 0 ? ret : in ? kr_sched_send(s, NULL, 0, 0) : kr_sched_recv(s, NULL, 0, 0);
    }
    for (int i = 1; ret == 0 && i < h->nmine; i++) {
        ret = in ? kr_sched_recv(s, NULL, 0, i) : kr_sched_send(s, NULL, 0, i);
    }
    return ret;
}

int kr_coll_hier_barrier(struct kr_sched *s, const struct kr_coll_hier *h)
{
    int li, *lead = hier_leaders(s, h, -1, &li), ret;

    if (lead == NULL) {
        return -ENOMEM;
    }
    ret = hier_fan(s, h, true);
    if (ret == 0 && li >= 0) {
        ret = hier_on_leaders(s, h, lead, li);
        ret = ret != 0 ? ret : kr_coll_barrier_add(s);
    }
    ret = ret != 0 ? ret : hier_fan(s, h, false);
    return hier_done(s, ret);
}

/* The leaders collect their hosts' blocks in host-major order (scratch), exchange them, and
 * put every block in its rank's place; then each host gets the whole result from its leader. */
int kr_coll_hier_allgather(struct kr_sched *s, const struct kr_coll_hier *h, const void *sbuf,
                           void *rbuf, size_t bytes)
{
    int n = kr_sched_size(s), li, *lead = hier_leaders(s, h, -1, &li), host, ret;
    unsigned char *rb = rbuf, *all = NULL;
    const void *mine = sbuf != NULL ? sbuf : rb + (size_t) h->mine[h->me] * bytes;
    struct kr_coll_blocks *hb = NULL, *lb = NULL;

    if (lead == NULL) {
        return -ENOMEM;
    }
    host = h->host_of[h->mine[h->me]];
    if (li >= 0) {
        ptrdiff_t *off = kr_sched_alloc(s, sizeof(ptrdiff_t) * (size_t) h->nhosts);
        size_t *len = kr_sched_alloc(s, sizeof(size_t) * (size_t) h->nhosts);

        all = kr_sched_alloc(s, (size_t) n * bytes);
        hb = kr_coll_blocks_uniform(s, h->nmine, bytes);
        lb = kr_sched_alloc(s, sizeof(*lb));
        if (off == NULL || len == NULL || all == NULL || hb == NULL || lb == NULL) {
            return -ENOMEM;
        }
        for (int i = 0; i < h->nhosts; i++) {
            off[i] = (ptrdiff_t) ((size_t) h->first[i] * bytes);
            len[i] = (size_t) (h->first[i + 1] - h->first[i]) * bytes;
        }
        lb->off = off;
        lb->len = len;
    }
    ret = hier_on_host(s, h);
    ret = ret != 0 ? ret
                   : kr_coll_gatherv_add(s, mine, bytes,
                                         all != NULL ? all + (size_t) h->first[host] * bytes : NULL,
                                         hb, 0);
    if (ret == 0 && li >= 0) {
        int *seen = kr_sched_alloc(s, sizeof(int) * (size_t) h->nhosts);

        ret = hier_on_leaders(s, h, lead, li);
        ret = ret != 0 ? ret : kr_coll_allgatherv_add(s, NULL, all, lb);
        ret = ret != 0 ? ret : seen == NULL ? -ENOMEM : kr_sched_round(s);
        for (int i = 0; ret == 0 && i < h->nhosts; i++) {
            seen[i] = 0;
        }
        for (int r = 0; ret == 0 && r < n; r++) {
            int at = h->first[h->host_of[r]] + seen[h->host_of[r]]++;

            ret = kr_sched_copy(s, all + (size_t) at * bytes, rb + (size_t) r * bytes, bytes);
        }
    }
    if (ret == 0) {
        ret = hier_on_host(s, h);
        ret = ret != 0 ? ret : kr_coll_bcast_add(s, rbuf, (size_t) n * bytes, 0);
    }
    return hier_done(s, ret);
}

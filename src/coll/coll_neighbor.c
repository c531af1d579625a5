/* Neighbourhood collectives over a process topology: one round in which every receive from a
 * source and every send to a destination is posted. Several edges between the same two ranks
 * are matched in list order, which is the order MPI defines for graphs. A Cartesian dimension
 * that is periodic with 1 or 2 processes has the same rank as its -1 and +1 neighbour: what a
 * rank sends towards -1 arrives from the receiver's +1 side, so each dimension's two receives
 * are posted +1 first, which makes the in-order matching pair them that way. */
#include "config.h"

#include "coll_int.h"

static int neighbor_add(struct kr_sched *s, const struct kr_coll_nbrs *nb, const void *sbuf,
                        const struct kr_coll_blocks *sb, void *rbuf,
                        const struct kr_coll_blocks *rb)
{
    const unsigned char *src = sbuf;
    unsigned char *dst = rbuf;
    int ret = kr_sched_round(s);

    const struct kr_comm_topo *t = kr_sched_comm(s)->topo;
    bool cart = t != NULL && t->kind == KR_TOPO_CART && nb->indeg % 2 == 0;

    for (int k = 0; ret == 0 && k < nb->indeg; k++) {
        int i = cart ? k ^ 1 : k;

        if (nb->sources[i] != KR_PROC_NULL) {
            ret = kr_sched_recv(s, dst + rb->off[i], rb->len[i], nb->sources[i]);
        }
    }
    for (int j = 0; ret == 0 && j < nb->outdeg; j++) {
        if (nb->dests[j] != KR_PROC_NULL) {
            ret = kr_sched_send(s, src + sb->off[j], sb->len[j], nb->dests[j]);
        }
    }
    return ret;
}

int kr_coll_neighbor_sched(struct kr_comm *comm, const struct kr_coll_nbrs *nb,
                           const void *sbuf, const struct kr_coll_blocks *sb, void *rbuf,
                           const struct kr_coll_blocks *rb, struct kr_sched **s_out)
{
    struct kr_sched *s = NULL;
    int ret = kr_sched_create(comm, &s);

    if (ret == 0) {
        ret = neighbor_add(s, nb, sbuf, sb, rbuf, rb);
    }
    return kr_coll_built(s, ret, s_out);
}

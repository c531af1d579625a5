/* The cores of the data-movement collectives (barrier, bcast, gather, scatter, allgather,
 * alltoall and their v/w forms) for every binding: argument checks and MPI_IN_PLACE rules, the
 * collective buffers (packing derived types), then the schedule from src/coll. */
#include "config.h"

#include "api_coll_int.h"

/* Where this rank stands in a rooted collective. */
struct move_role {
    bool root;                  /* the root (MPI_ROOT on an intercommunicator) */
    bool idle;                  /* MPI_PROC_NULL: the root's group on an intercommunicator */
    int n;                      /* blocks at the root: the (remote) group's size */
};

static struct move_role move_role(const struct kr_api_coll *c, int root)
{
    struct kr_comm *comm = c->comm;

    if (comm->inter) {
        return (struct move_role) { root == MPI_ROOT, root == MPI_PROC_NULL, comm->remote_size };
    }
    return (struct move_role) { comm->rank == root, false, comm->size };
}

/* The (remote) group whose blocks a non-rooted collective receives. */
static int move_peers(const struct kr_api_coll *c)
{
    return c->comm->inter ? c->comm->remote_size : c->comm->size;
}

/* Both sides of this rank's own block must describe the same bytes. */
static int move_same(struct kr_api_coll *c, size_t sbytes, size_t rbytes)
{
    if (sbytes == rbytes) {
        return MPI_SUCCESS;
    }
    return kr_api_error(c->comm, MPI_ERR_TRUNCATE, "%s: this rank's send data has %zu bytes "
                        "but its receive block %zu", c->call, sbytes, rbytes);
}

int kr_api_barrier(const struct kr_api_how *how, MPI_Comm h)
{
    struct kr_api_coll c;
    struct kr_sched *s = NULL;
    int ret = kr_api_coll_begin(&c, how, h);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (kr_api_coll_blocking(&c)) {
        return kr_api_coll_done(&c, kr_coll_barrier(c.comm));
    }
    ret = kr_coll_barrier_sched(c.comm, &s);
    return kr_api_coll_finish(&c, s, ret);
}

int kr_api_bcast(const struct kr_api_how *how, MPI_Comm h, void *buf, MPI_Count count,
                 MPI_Datatype type, int root)
{
    struct kr_api_coll c;
    struct kr_sched *s = NULL;
    struct move_role role;
    struct kr_dt *dt;
    void *p;
    int ret = kr_api_coll_begin(&c, how, h);

    if (ret == MPI_SUCCESS) {
        ret = kr_api_coll_root(&c, root);
    }
    if (ret == MPI_SUCCESS && buf == MPI_IN_PLACE) {
        ret = kr_api_coll_inplace_error(&c, "the buffer", NULL);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_coll_type(&c, buf, count, type, &dt);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    role = move_role(&c, root);
    p = role.idle ? kr_api_coll_buf(&c, buf, dt, 0, 0)
                  : kr_api_coll_buf(&c, buf, dt, role.root ? count : 0, role.root ? 0 : count);
    if (kr_api_coll_blocking(&c)) {
        return kr_api_coll_done(&c, kr_coll_bcast(c.comm, p, kr_dt_packed_size(dt, (size_t) count),
                                                  root));
    }
    ret = kr_coll_bcast_sched(c.comm, p, kr_dt_packed_size(dt, (size_t) count), root, &s);
    return kr_api_coll_finish(&c, s, ret);
}

/* Send side of a rooted collective (gather) or receive side (scatter) of a non-root, and the
 * root's whole-buffer side; in place only on an intracommunicator's root. Fills the types. */
static int move_rooted_args(struct kr_api_coll *c, int root, const void *sbuf, MPI_Count scount,
                            MPI_Datatype stype, const void *rbuf, MPI_Count rcount,
                            MPI_Datatype rtype, bool gather, struct kr_dt **sdt_out,
                            struct kr_dt **rdt_out)
{
    const void *own = gather ? sbuf : rbuf, *whole = gather ? rbuf : sbuf;
    struct move_role role;
    int ret = kr_api_coll_root(c, root);

    if (ret != MPI_SUCCESS) {
        return ret;
    }
    role = move_role(c, root);
    if (whole == MPI_IN_PLACE) {
        return kr_api_coll_inplace_error(c, gather ? "the receive buffer" : "the send buffer",
                                         NULL);
    }
    if (own == MPI_IN_PLACE && (c->comm->inter || !role.root)) {
        return kr_api_coll_inplace_error(c, gather ? "the send buffer" : "the receive buffer",
                                         c->comm->inter ? NULL : "on the root");
    }
    if (!role.idle && !(role.root && (c->comm->inter || own == MPI_IN_PLACE))) {
        ret = gather ? kr_api_coll_type(c, sbuf, scount, stype, sdt_out)
                     : kr_api_coll_type(c, rbuf, rcount, rtype, rdt_out);
    }
    if (ret == MPI_SUCCESS && role.root) {
        ret = gather ? kr_api_check_dt(c->call, c->comm, rtype, true, rdt_out)
                     : kr_api_check_dt(c->call, c->comm, stype, true, sdt_out);
    }
    return ret;
}

int kr_api_gather(const struct kr_api_how *how, MPI_Comm h, const void *sbuf, MPI_Count scount,
                  MPI_Datatype stype, void *rbuf, MPI_Count rcount, MPI_Datatype rtype, int root)
{
    struct kr_api_coll c;
    struct kr_dt *sdt = NULL, *rdt = NULL;
    struct kr_sched *s = NULL;
    struct move_role role;
    void *sp = NULL, *rp = NULL;
    bool inplace = sbuf == MPI_IN_PLACE;
    size_t bytes = 0;
    int ret = kr_api_coll_begin(&c, how, h);

    if (ret == MPI_SUCCESS) {
        ret = move_rooted_args(&c, root, sbuf, scount, stype, rbuf, rcount, rtype, true, &sdt,
                               &rdt);
    }
    if (ret == MPI_SUCCESS && rdt != NULL) {
        ret = kr_api_coll_type(&c, rbuf, rcount, rtype, &rdt);
    }
    if (ret == MPI_SUCCESS && rdt != NULL && sdt != NULL) {
        ret = move_same(&c, kr_dt_packed_size(sdt, (size_t) scount),
                        kr_dt_packed_size(rdt, (size_t) rcount));
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    role = move_role(&c, root);
    if (sdt != NULL) {
        sp = kr_api_coll_buf(&c, (void *) sbuf, sdt, scount, 0);
        bytes = kr_dt_packed_size(sdt, (size_t) scount);
    }
    if (role.root) {
        MPI_Count all = rcount * role.n;

        rp = kr_api_coll_buf(&c, rbuf, rdt, inplace ? all : 0, all);
        bytes = kr_dt_packed_size(rdt, (size_t) rcount);
    }
    ret = kr_coll_gather_sched(c.comm, sp, rp, bytes, root, &s);
    return kr_api_coll_finish(&c, s, ret);
}

int kr_api_gatherv(const struct kr_api_how *how, MPI_Comm h, const void *sbuf, MPI_Count scount,
                   MPI_Datatype stype, void *rbuf, struct kr_dt_ints rcounts,
                   struct kr_dt_ints displs, MPI_Datatype rtype, int root)
{
    struct kr_api_coll c;
    struct kr_dt *sdt = NULL, *rdt = NULL;
    struct kr_coll_blocks rb = { NULL, NULL };
    struct kr_sched *s = NULL;
    struct move_role role;
    void *sp = NULL, *rp = NULL;
    int ret = kr_api_coll_begin(&c, how, h);

    if (ret == MPI_SUCCESS) {
        ret = move_rooted_args(&c, root, sbuf, scount, stype, rbuf, 0, rtype, true, &sdt, &rdt);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    role = move_role(&c, root);
    if (role.root) {
        ret = kr_api_coll_vtype(&c, role.n, rcounts, rtype, NULL, &rdt);
    }
    if (ret == MPI_SUCCESS && role.root) {
        ret = kr_api_coll_array(&c, role.n, displs.p, "displs");
    }
    if (ret == MPI_SUCCESS && role.root && sdt != NULL) {
        ret = move_same(&c, kr_dt_packed_size(sdt, (size_t) scount),
                        kr_dt_packed_size(rdt, (size_t) kr_dt_ints_at(rcounts,
                                                                     (size_t) c.comm->rank)));
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (sdt != NULL) {
        sp = kr_api_coll_buf(&c, (void *) sbuf, sdt, scount, 0);
    }
    if (role.root) {
        rp = kr_api_coll_blocks(&c, rbuf, role.n, rcounts, displs, false, rdt, NULL,
                                sbuf == MPI_IN_PLACE, true, &rb);
    }
    ret = kr_coll_gatherv_sched(c.comm, sp, sdt != NULL ? kr_dt_packed_size(sdt, (size_t) scount)
                                                        : 0, rp, &rb, root, &s);
    return kr_api_coll_finish(&c, s, ret);
}

int kr_api_scatter(const struct kr_api_how *how, MPI_Comm h, const void *sbuf, MPI_Count scount,
                   MPI_Datatype stype, void *rbuf, MPI_Count rcount, MPI_Datatype rtype,
                   int root)
{
    struct kr_api_coll c;
    struct kr_dt *sdt = NULL, *rdt = NULL;
    struct kr_sched *s = NULL;
    struct move_role role;
    void *sp = NULL, *rp = NULL;
    size_t bytes = 0;
    int ret = kr_api_coll_begin(&c, how, h);

    if (ret == MPI_SUCCESS) {
        ret = move_rooted_args(&c, root, sbuf, scount, stype, rbuf, rcount, rtype, false, &sdt,
                               &rdt);
    }
    if (ret == MPI_SUCCESS && sdt != NULL) {
        ret = kr_api_coll_type(&c, sbuf, scount, stype, &sdt);
    }
    if (ret == MPI_SUCCESS && rdt != NULL && sdt != NULL) {
        ret = move_same(&c, kr_dt_packed_size(sdt, (size_t) scount),
                        kr_dt_packed_size(rdt, (size_t) rcount));
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    role = move_role(&c, root);
    if (rdt != NULL) {
        rp = kr_api_coll_buf(&c, rbuf, rdt, 0, rcount);
        bytes = kr_dt_packed_size(rdt, (size_t) rcount);
    }
    if (role.root) {
        sp = kr_api_coll_buf(&c, (void *) sbuf, sdt, scount * role.n, 0);
        bytes = kr_dt_packed_size(sdt, (size_t) scount);
    }
    ret = kr_coll_scatter_sched(c.comm, sp, rp, bytes, root, &s);
    return kr_api_coll_finish(&c, s, ret);
}

int kr_api_scatterv(const struct kr_api_how *how, MPI_Comm h, const void *sbuf,
                    struct kr_dt_ints scounts, struct kr_dt_ints displs, MPI_Datatype stype,
                    void *rbuf, MPI_Count rcount, MPI_Datatype rtype, int root)
{
    struct kr_api_coll c;
    struct kr_dt *sdt = NULL, *rdt = NULL;
    struct kr_coll_blocks sb = { NULL, NULL };
    struct kr_sched *s = NULL;
    struct move_role role;
    void *sp = NULL, *rp = NULL;
    int ret = kr_api_coll_begin(&c, how, h);

    if (ret == MPI_SUCCESS) {
        ret = move_rooted_args(&c, root, sbuf, 0, stype, rbuf, rcount, rtype, false, &sdt, &rdt);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    role = move_role(&c, root);
    if (role.root) {
        ret = kr_api_coll_vtype(&c, role.n, scounts, stype, NULL, &sdt);
    }
    if (ret == MPI_SUCCESS && role.root) {
        ret = kr_api_coll_array(&c, role.n, displs.p, "displs");
    }
    if (ret == MPI_SUCCESS && role.root && rdt != NULL) {
        ret = move_same(&c, kr_dt_packed_size(sdt, (size_t) kr_dt_ints_at(scounts,
                                                                         (size_t) c.comm->rank)),
                        kr_dt_packed_size(rdt, (size_t) rcount));
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    if (rdt != NULL) {
        rp = kr_api_coll_buf(&c, rbuf, rdt, 0, rcount);
    }
    if (role.root) {
        sp = kr_api_coll_blocks(&c, (void *) sbuf, role.n, scounts, displs, false, sdt, NULL,
                                true, false, &sb);
    }
    ret = kr_coll_scatterv_sched(c.comm, sp, &sb, rp,
                                 rdt != NULL ? kr_dt_packed_size(rdt, (size_t) rcount) : 0, root,
                                 &s);
    return kr_api_coll_finish(&c, s, ret);
}

/* Send and receive sides of the non-rooted collectives; in place only on intracommunicators. */
static int move_all_args(struct kr_api_coll *c, const void *sbuf, MPI_Count scount,
                         MPI_Datatype stype, const void *rbuf, MPI_Count rcount,
                         MPI_Datatype rtype, bool vrecv, struct kr_dt **sdt_out,
                         struct kr_dt **rdt_out)
{
    int ret = MPI_SUCCESS;

    if (rbuf == MPI_IN_PLACE) {
        return kr_api_coll_inplace_error(c, "the receive buffer", NULL);
    }
    if (sbuf == MPI_IN_PLACE && c->comm->inter) {
        return kr_api_coll_inplace_error(c, "the send buffer", NULL);
    }
    if (!vrecv) {
        ret = kr_api_coll_type(c, rbuf, rcount, rtype, rdt_out);
    }
    if (ret == MPI_SUCCESS && sbuf != MPI_IN_PLACE) {
        ret = kr_api_coll_type(c, sbuf, scount, stype, sdt_out);
    }
    return ret;
}

int kr_api_allgather(const struct kr_api_how *how, MPI_Comm h, const void *sbuf,
                     MPI_Count scount, MPI_Datatype stype, void *rbuf, MPI_Count rcount,
                     MPI_Datatype rtype)
{
    struct kr_api_coll c;
    struct kr_dt *sdt = NULL, *rdt = NULL;
    struct kr_sched *s = NULL;
    struct kr_coll_blocks *rb;
    MPI_Count all;
    size_t sbytes = 0, rbytes;
    void *sp = NULL, *rp;
    int ret = kr_api_coll_begin(&c, how, h);

    if (ret == MPI_SUCCESS) {
        ret = move_all_args(&c, sbuf, scount, stype, rbuf, rcount, rtype, false, &sdt, &rdt);
    }
    rbytes = ret == MPI_SUCCESS ? kr_dt_packed_size(rdt, (size_t) rcount) : 0;
    if (ret == MPI_SUCCESS && sdt != NULL) {
        sbytes = kr_dt_packed_size(sdt, (size_t) scount);
        ret = c.comm->inter ? MPI_SUCCESS : move_same(&c, sbytes, rbytes);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    all = rcount * move_peers(&c);
    rp = kr_api_coll_buf(&c, rbuf, rdt, sdt == NULL ? all : 0, all);
    if (sdt != NULL) {
        sp = kr_api_coll_buf(&c, (void *) sbuf, sdt, scount, 0);
    }
    if (!c.comm->inter) {
        ret = kr_coll_allgather_sched(c.comm, sp, rp, rbytes, &s);
    } else if ((rb = kr_api_coll_uniform(&c, move_peers(&c), rbytes, false)) != NULL) {
        /* The two groups' block sizes may differ. */
        ret = kr_coll_allgatherv_sched(c.comm, sp, sbytes, rp, rb, &s);
    }
    return kr_api_coll_finish(&c, s, ret);
}

int kr_api_allgatherv(const struct kr_api_how *how, MPI_Comm h, const void *sbuf,
                      MPI_Count scount, MPI_Datatype stype, void *rbuf, struct kr_dt_ints rcounts,
                      struct kr_dt_ints displs, MPI_Datatype rtype)
{
    struct kr_api_coll c;
    struct kr_dt *sdt = NULL, *rdt = NULL;
    struct kr_coll_blocks rb = { NULL, NULL };
    struct kr_sched *s = NULL;
    size_t sbytes = 0;
    void *sp = NULL, *rp;
    int ret = kr_api_coll_begin(&c, how, h);

    if (ret == MPI_SUCCESS) {
        ret = move_all_args(&c, sbuf, scount, stype, rbuf, 0, rtype, true, &sdt, &rdt);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_coll_vtype(&c, move_peers(&c), rcounts, rtype, NULL, &rdt);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_coll_array(&c, move_peers(&c), displs.p, "displs");
    }
    if (ret == MPI_SUCCESS && sdt != NULL) {
        sbytes = kr_dt_packed_size(sdt, (size_t) scount);
        if (!c.comm->inter) {
            ret = move_same(&c, sbytes,
                            kr_dt_packed_size(rdt, (size_t) kr_dt_ints_at(rcounts,
                                                                         (size_t) c.comm->rank)));
        }
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    rp = kr_api_coll_blocks(&c, rbuf, move_peers(&c), rcounts, displs, false, rdt, NULL,
                            sdt == NULL, true, &rb);
    if (sdt != NULL) {
        sp = kr_api_coll_buf(&c, (void *) sbuf, sdt, scount, 0);
    } else if (rb.len != NULL) {
        sbytes = rb.len[c.comm->rank];
    }
    ret = kr_coll_allgatherv_sched(c.comm, sp, sbytes, rp, &rb, &s);
    return kr_api_coll_finish(&c, s, ret);
}

int kr_api_alltoall(const struct kr_api_how *how, MPI_Comm h, const void *sbuf,
                    MPI_Count scount, MPI_Datatype stype, void *rbuf, MPI_Count rcount,
                    MPI_Datatype rtype)
{
    struct kr_api_coll c;
    struct kr_dt *sdt = NULL, *rdt = NULL;
    struct kr_coll_blocks *sb, *rb;
    struct kr_sched *s = NULL;
    size_t sbytes = 0, rbytes;
    void *sp = NULL, *rp;
    MPI_Count all;
    int ret = kr_api_coll_begin(&c, how, h);

    if (ret == MPI_SUCCESS) {
        ret = move_all_args(&c, sbuf, scount, stype, rbuf, rcount, rtype, false, &sdt, &rdt);
    }
    rbytes = ret == MPI_SUCCESS ? kr_dt_packed_size(rdt, (size_t) rcount) : 0;
    if (ret == MPI_SUCCESS && sdt != NULL) {
        sbytes = kr_dt_packed_size(sdt, (size_t) scount);
        ret = c.comm->inter ? MPI_SUCCESS : move_same(&c, sbytes, rbytes);
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    all = rcount * move_peers(&c);
    rp = kr_api_coll_buf(&c, rbuf, rdt, sdt == NULL ? all : 0, all);
    if (sdt != NULL) {
        sp = kr_api_coll_buf(&c, (void *) sbuf, sdt, scount * move_peers(&c), 0);
    }
    if (!c.comm->inter && kr_api_coll_blocking(&c)) {
        return kr_api_coll_done(&c, kr_coll_alltoall(c.comm, sp, rp, rbytes));
    }
    if (!c.comm->inter) {
        ret = kr_coll_alltoall_sched(c.comm, sp, rp, rbytes, &s);
    } else {
        sb = kr_api_coll_uniform(&c, move_peers(&c), sbytes, false);
        rb = kr_api_coll_uniform(&c, move_peers(&c), rbytes, false);
        if (sb != NULL && rb != NULL) {
            ret = kr_coll_alltoallv_sched(c.comm, sp, sb, rp, rb, &s);
        }
    }
    return kr_api_coll_finish(&c, s, ret);
}

int kr_api_alltoallv(const struct kr_api_how *how, MPI_Comm h, const void *sbuf,
                     struct kr_dt_ints scounts, struct kr_dt_ints sdispls, MPI_Datatype stype,
                     const MPI_Datatype *stypes, void *rbuf, struct kr_dt_ints rcounts,
                     struct kr_dt_ints rdispls, MPI_Datatype rtype, const MPI_Datatype *rtypes)
{
    struct kr_api_coll c;
    struct kr_dt *sdt = NULL, *rdt = NULL;
    struct kr_coll_blocks sb = { NULL, NULL }, rb = { NULL, NULL };
    struct kr_sched *s = NULL;
    bool inplace = sbuf == MPI_IN_PLACE, w = rtypes != NULL;
    void *sp = NULL, *rp;
    int n, ret = kr_api_coll_begin(&c, how, h);

    if (ret == MPI_SUCCESS && rbuf == MPI_IN_PLACE) {
        ret = kr_api_coll_inplace_error(&c, "the receive buffer", NULL);
    }
    if (ret == MPI_SUCCESS && inplace && c.comm->inter) {
        ret = kr_api_coll_inplace_error(&c, "the send buffer", NULL);
    }
    n = ret == MPI_SUCCESS ? move_peers(&c) : 0;
    if (ret == MPI_SUCCESS) {
        ret = kr_api_coll_vtype(&c, n, rcounts, rtype, rtypes, &rdt);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_coll_array(&c, n, rdispls.p, "rdispls");
    }
    if (ret == MPI_SUCCESS && !inplace) {
        ret = kr_api_coll_vtype(&c, n, scounts, stype, stypes, &sdt);
    }
    if (ret == MPI_SUCCESS && !inplace) {
        ret = kr_api_coll_array(&c, n, sdispls.p, "sdispls");
    }
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    rp = kr_api_coll_blocks(&c, rbuf, n, rcounts, rdispls, w, rdt, rtypes, inplace, true, &rb);
    if (!inplace) {
        sp = kr_api_coll_blocks(&c, (void *) sbuf, n, scounts, sdispls, w, sdt, stypes, true,
                                false, &sb);
        if (!c.comm->inter && sb.len != NULL && rb.len != NULL) {
            ret = move_same(&c, sb.len[c.comm->rank], rb.len[c.comm->rank]);
        }
    }
    if (ret != MPI_SUCCESS) {
        return kr_api_coll_abandon(&c, ret);
    }
    ret = kr_coll_alltoallv_sched(c.comm, sp, &sb, rp, &rb, &s);
    return kr_api_coll_finish(&c, s, ret);
}

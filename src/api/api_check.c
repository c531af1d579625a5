/* Handle conversion and argument checks shared by the MPI entry points. Each check reports
 * through kr_api_error, naming the call and the offending argument. */
#include "config.h"

#include "api.h"

#include <limits.h>
#include <stdint.h>

struct kr_api_cfg kr_api_cfg;

static const char *const api_thread_levels[] = { "single", "funneled", "serialized",
                                                 "multiple", NULL };

const struct kr_setting kr_api_settings[] = {
    { "API_CHECKS", KR_SET_BOOL, "yes", &kr_api_cfg.check_args,
      "check the arguments of every MPI call (no: skip the checks that cost time: counts, "
      "tags, buffer sizes; handles, NULL pointers and error-code values are always checked, "
      "since a bad one would crash)", NULL, 0 },
    { "TRANSPORTS", KR_SET_STRING, "shm,ofi,tcp", &kr_api_cfg.transports,
      "transports ranks may use, comma-separated (shm, ofi, tcp): a peer on the same host "
      "goes through shm when listed; a peer on another host through ofi when a high-speed "
      "libfabric provider is present (or KURIR_OFI_PROVIDER names one), else tcp. Without shm "
      "every peer but self goes over the network transport: KURIR_TRANSPORTS=tcp forces TCP, "
      "KURIR_TRANSPORTS=ofi forces libfabric (tcp;ofi_rxm unless a provider is named)", NULL,
      0 },
    { "THREAD_LEVEL", KR_SET_ENUM, "multiple", &kr_api_cfg.thread_level,
      "the highest thread level MPI_Init_thread grants (single, funneled, serialized, "
      "multiple); multiple makes every MPI call take a process-wide lock, and only in "
      "programs that asked for MPI_THREAD_MULTIPLE", api_thread_levels, 0 },
    { "REPORT_TRANSPORTS", KR_SET_BOOL, "no", &kr_api_cfg.report_transports,
      "each rank prints one line after MPI_Init saying which transport reaches which ranks "
      "(mpirun --report-transports sets it)", NULL, 0 },
    { 0 }
};

MPI_Comm kr_api_comm_handle(struct kr_comm *c)
{
    if (c == kr_api.world) {
        return MPI_COMM_WORLD;
    }
    if (c == kr_api.self) {
        return MPI_COMM_SELF;
    }
    return (MPI_Comm) (void *) c;
}

int kr_api_comm_invalid(const char *call, MPI_Comm h)
{
    return kr_api_error(NULL, MPI_ERR_COMM, "%s: %s is not a valid communicator", call,
                        h == MPI_COMM_NULL ? "MPI_COMM_NULL" : "the communicator argument");
}

int kr_api_check_count_slow(const char *call, struct kr_comm *comm, MPI_Count count)
{
    if (count < 0 && kr_api_cfg.check_args) {
        return kr_api_error(comm, MPI_ERR_COUNT, "%s: count %lld is negative", call,
                            (long long) count);
    }
    return MPI_SUCCESS;
}

int kr_api_check_type(const char *call, struct kr_comm *comm, MPI_Datatype h,
                      struct kr_dt **dt_out)
{
    return kr_api_check_dt(call, comm, h, true, dt_out);
}

int kr_api_check_buf_slow(const char *call, struct kr_comm *comm, const void *buf, MPI_Count count,
                     const struct kr_dt *dt)
{
    size_t bytes;

    /* NULL is MPI_BOTTOM: fine with a derived type whose displacements are absolute. */
    if (kr_api_cfg.check_args && buf == NULL && count > 0 && dt->size > 0
        && (dt->flags & KR_DT_F_PREDEFINED) != 0) {
        return kr_api_error(comm, MPI_ERR_BUFFER, "%s: buffer is NULL but count is %lld", call,
                            (long long) count);
    }
    if (kr_api_cfg.check_args
        && __builtin_mul_overflow((size_t) count, kr_api_stride(dt), &bytes)) {
        return kr_api_error(comm, MPI_ERR_COUNT, "%s: %lld elements of %s do not fit in "
                            "memory", call, (long long) count, kr_dt_name(dt));
    }
    return MPI_SUCCESS;
}

int kr_api_check_rank_slow(const char *call, struct kr_comm *comm, int rank, bool any)
{
    if (rank == MPI_PROC_NULL || (any && rank == MPI_ANY_SOURCE)) {
        return MPI_SUCCESS;
    }
    /* on an intercommunicator, peers are ranks of the remote group */
    if (rank < 0 || rank >= kr_comm_peer_size(comm)) {
        return kr_api_error(comm, MPI_ERR_RANK, "%s: %s rank %d is not in 0..%d%s", call,
                            any ? "source" : "destination", rank, kr_comm_peer_size(comm) - 1,
                            comm->inter ? " (the remote group)" : "");
    }
    return MPI_SUCCESS;
}

int kr_api_check_root(const char *call, struct kr_comm *comm, int root)
{
    if (root < 0 || root >= comm->size) {
        return kr_api_error(comm, MPI_ERR_ROOT, "%s: root %d is not in 0..%d", call, root,
                            comm->size - 1);
    }
    return MPI_SUCCESS;
}

int kr_api_check_tag_slow(const char *call, struct kr_comm *comm, int tag, bool any)
{
    if (tag >= 0 || (any && tag == MPI_ANY_TAG) || !kr_api_cfg.check_args) {
        return MPI_SUCCESS;
    }
    return kr_api_error(comm, MPI_ERR_TAG, "%s: tag %d is not in 0..%d%s", call, tag, INT_MAX,
                        any ? " or MPI_ANY_TAG" : "");
}

int kr_api_check_op(const char *call, struct kr_comm *comm, MPI_Op h, const struct kr_dt *dt,
                    struct kr_op **op_out)
{
    struct kr_op *op = kr_op_from_handle(h);

    if (op == NULL) {
        return kr_api_error(comm, MPI_ERR_OP, "%s: %s is not a valid operation", call,
                            h == MPI_OP_NULL ? "MPI_OP_NULL" : "the op argument");
    }
    if (kr_op_is_rma_only(op)) {
        return kr_api_error(comm, MPI_ERR_OP, "%s: %s is only for one-sided accumulate", call,
                            op->name);
    }
    if (!kr_op_valid_for(op, dt)) {
        return kr_api_error(comm, MPI_ERR_OP, "%s: %s is not defined for datatype %s", call,
                            op->name != NULL ? op->name : "the user operation",
                            kr_dt_name(dt));
    }
    *op_out = op;
    return MPI_SUCCESS;
}

void kr_api_status_set(MPI_Status *st, const struct kr_status *ks)
{
    uint64_t count = ks->count;

    if (st == MPI_STATUS_IGNORE) {
        return;
    }
    st->MPI_SOURCE = ks->source;
    st->MPI_TAG = ks->tag;
    st->MPI_internal[0] = (int) (uint32_t) count;
    st->MPI_internal[1] = (int) (uint32_t) (count >> 32);
    st->MPI_internal[2] = ks->cancelled;
}

/* The status of a receive from MPI_PROC_NULL. */
void kr_api_status_empty(MPI_Status *st)
{
    struct kr_status ks = { .source = MPI_PROC_NULL, .tag = MPI_ANY_TAG };

    kr_api_status_set(st, &ks);
}

size_t kr_api_status_bytes(const MPI_Status *st)
{
    return (size_t) ((uint64_t) (uint32_t) st->MPI_internal[0]
                     | (uint64_t) (uint32_t) st->MPI_internal[1] << 32);
}

/* ---- datatype checks ----------------------------------------------------------------------
 * Shared by the datatype calls (api_dt*.c, api_pack.c) and by kr_api_check_type above. */

bool kr_api_dt_supported(const struct kr_dt *dt)
{
    return (dt->flags & KR_DT_F_PREDEFINED) != 0 || (kr_dt_is_contig(dt) && dt->true_lb == 0);
}

int kr_api_check_dt(const char *call, struct kr_comm *comm, MPI_Datatype h, bool committed,
                    struct kr_dt **dt_out)
{
    struct kr_dt *dt = kr_dt_from_handle(h);

    if (dt == NULL) {
        return kr_api_error(comm, MPI_ERR_TYPE, "%s: %s is not a valid datatype", call,
                            h == MPI_DATATYPE_NULL ? "MPI_DATATYPE_NULL" : "the datatype");
    }
    if (committed && (dt->flags & KR_DT_F_COMMITTED) == 0) {
        return kr_api_error(comm, MPI_ERR_TYPE, "%s: datatype %s is not committed (call "
                            "MPI_Type_commit first)", call, kr_dt_name(dt)[0] != '\0'
                            ? kr_dt_name(dt) : "(unnamed)");
    }
    *dt_out = dt;
    return MPI_SUCCESS;
}

int kr_api_check_ptr(const char *call, const void *p, const char *what)
{
    if (p == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "%s: %s is NULL", call, what);
    }
    return MPI_SUCCESS;
}

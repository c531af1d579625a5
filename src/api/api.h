/* Private to src/api: process-wide MPI state, handle conversion, argument checks and the
 * error-handler path. Only this layer knows MPI handles and error classes. */
#ifndef KR_API_H
#define KR_API_H

/* Everything mpi.h declares is exported; the rest of the library stays hidden. */
#pragma GCC visibility push(default)
#include <mpi.h>
#pragma GCC visibility pop

#include "boot/boot.h"
#include "comm/comm.h"
#include "datatype/dt.h"
#include "pt2pt/pt2pt.h"

#include <pthread.h>
#include <stdbool.h>

/* Define MPI_<name> as a weak alias of PMPI_<name>, so a profiler can supply MPI_<name> and
 * still reach ours through PMPI_<name>. The library itself never calls MPI_* names. */
#define KR_PRAGMA(x) _Pragma(#x)
#define KR_WEAK_ALIAS(name) KR_PRAGMA(weak MPI_##name = PMPI_##name)

enum kr_api_phase { KR_API_BEFORE_INIT = 0, KR_API_RUNNING, KR_API_FINALIZED };

struct kr_api_state {
    enum kr_api_phase phase;
    int thread_level;
    pthread_t main_thread;
    struct kr_boot *boot;
    struct kr_pt2pt *pt;
    struct kr_tport *tports[4];
    int ntports;
    struct kr_comm *world, *self;
    struct kr_coll_host *coll_host;
    struct kr_comm_ids ids;
    int rank, size;
    char host[MPI_MAX_PROCESSOR_NAME];
};

extern struct kr_api_state kr_api;

/* Settings of the API layer. */
struct kr_api_cfg {
    bool check_args;            /* KURIR_API_CHECKS */
};
extern struct kr_api_cfg kr_api_cfg;
extern const struct kr_setting kr_api_settings[];

/* --- errors (api_err.c) ---------------------------------------------------------------- */

/* Report error class `cls` on `comm` (NULL = MPI_COMM_WORLD, or the process when MPI is not
 * running): format the message (which starts with the MPI call's name), add rank and host,
 * and run the communicator's error handler. Returns what the MPI call must return (when the
 * handler returns at all). */
int kr_api_error(struct kr_comm *comm, int cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The MPI error class for a negative internal error. */
int kr_api_errclass(int ret);

/* Report a failed internal call `ret` from `call` on `comm`. */
int kr_api_fail(struct kr_comm *comm, const char *call, int ret);

/* The call was made before MPI_Init or after MPI_Finalize: print why and end the process. */
void kr_api_not_running(const char *call) __attribute__((noreturn));

static inline void kr_api_check_running(const char *call)
{
    if (__builtin_expect(kr_api.phase != KR_API_RUNNING, 0)) {
        kr_api_not_running(call);
    }
}

/* Leave the job with `code`, telling the launcher why (MPI_Abort, fatal errors). */
void kr_api_abort(int code, const char *msg) __attribute__((noreturn));

/* --- handles (api_handle.c) ------------------------------------------------------------ */

struct kr_comm *kr_api_comm(MPI_Comm h);           /* NULL if invalid or MPI_COMM_NULL */
MPI_Comm kr_api_comm_handle(struct kr_comm *c);

/* --- argument checks (api_check.c); each returns MPI_SUCCESS or reports the error ------ */

int kr_api_check_comm(const char *call, MPI_Comm h, struct kr_comm **comm_out);
int kr_api_check_count(const char *call, struct kr_comm *comm, MPI_Count count);
int kr_api_check_type(const char *call, struct kr_comm *comm, MPI_Datatype h,
                      struct kr_dt **dt_out);
int kr_api_check_buf(const char *call, struct kr_comm *comm, const void *buf, MPI_Count count,
                     const struct kr_dt *dt);
/* A destination (or, with `any` set, a source that may be MPI_ANY_SOURCE) rank. */
int kr_api_check_rank(const char *call, struct kr_comm *comm, int rank, bool any);
int kr_api_check_root(const char *call, struct kr_comm *comm, int root);
/* A send tag (or, with `any` set, a receive tag that may be MPI_ANY_TAG). */
int kr_api_check_tag(const char *call, struct kr_comm *comm, int tag, bool any);
int kr_api_check_op(const char *call, struct kr_comm *comm, MPI_Op h, const struct kr_dt *dt,
                    struct kr_op **op_out);

/* Bytes one element occupies in a buffer. Types accepted so far are contiguous, or predefined
 * pair types whose padding (MPI_DOUBLE_INT: 12 bytes of data in 16) travels along: both sides
 * share the layout, so moving count * extent bytes is exact. TODO(#3): derived types. */
static inline size_t kr_api_stride(const struct kr_dt *dt)
{
    return (dt->flags & KR_DT_F_PREDEFINED) != 0 ? (size_t) dt->extent : dt->size;
}

/* Bytes of `count` elements (the checks made sure it fits in size_t). */
static inline size_t kr_api_bytes(MPI_Count count, const struct kr_dt *dt)
{
    return (size_t) count * kr_api_stride(dt);
}

/* --- status ---------------------------------------------------------------------------- */

/* MPI_Status.MPI_internal holds the count in bytes of data (words 0-1) and the cancelled flag
 * (word 2). `dt` is the receive's datatype (NULL: count the bytes as they arrived): padding of
 * pair types travels on the wire but is not data. */
void kr_api_status_set(MPI_Status *st, const struct kr_status *ks, const struct kr_dt *dt);
void kr_api_status_empty(MPI_Status *st);
size_t kr_api_status_bytes(const MPI_Status *st);

#endif /* KR_API_H */

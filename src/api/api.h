/* Private to src/api: process-wide MPI state, handle conversion, argument checks and the
 * error-handler path. Only this layer knows MPI handles and error classes. */
#ifndef KR_API_H
#define KR_API_H

/* The api files define each MPI function as kr_impl_<name> (written PMPI_<name>, renamed
 * here, prototypes included); the generated api_mt_wrap.c exports PMPI_<name>, which takes the
 * MPI_THREAD_MULTIPLE lock around kr_impl_<name>, and MPI_<name>. So the declarations seen
 * here stay hidden; the variables mpi.h declares are exported where they are defined. */
#include "api_mt_names.h"
#include <mpi.h>

#include "boot/boot.h"
#include "comm/comm.h"
#include "datatype/dt.h"
#include "pt2pt/pt2pt.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

/* Marks an MPI function's definition. MPI_<name> is a weak alias of PMPI_<name>, so a
 * profiler can supply MPI_<name> and still reach ours through PMPI_<name>; both are defined in
 * api_mt_wrap.c, generated from mpi.h (src/api/api_mt_gen.sh). The library itself never calls
 * MPI_* names. */
#define KR_WEAK_ALIAS(name)

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
    const char *transports;     /* KURIR_TRANSPORTS */
    bool report_transports;     /* KURIR_REPORT_TRANSPORTS */
    int thread_level;           /* KURIR_THREAD_LEVEL: 0 single .. 3 multiple */
};
extern struct kr_api_cfg kr_api_cfg;
extern const struct kr_setting kr_api_settings[];

/* kr_settings_load, once per process: MPI_T_init_thread may read (and a tool write) the
 * settings before MPI_Init, which then keeps them (api_init.c). */
int kr_api_settings_load(char *err, size_t errlen);

/* The runtime for a session (api_init.c): MPI_Session_init acquires it, bringing it up when
 * neither MPI_Init nor another session has (thread level from `required`, the level in use in
 * *provided_out); MPI_Session_finalize releases it, and the last user takes it down, which is
 * collective over the whole job. MPI_SUCCESS or the error reported (MPI_ERR_OTHER once the
 * runtime was taken down: it cannot come up again). */
int kr_api_runtime_acquire(const char *call, int required, int *provided_out);
int kr_api_runtime_release(const char *call);

/* --- errors (api_err.c) ---------------------------------------------------------------- */

/* Report error class `cls` on `comm` (NULL = MPI_COMM_WORLD, or the process when MPI is not
 * running): format the message (which starts with the MPI call's name), add rank and host,
 * and run the communicator's error handler. Returns what the MPI call must return (when the
 * handler returns at all). */
int kr_api_error(struct kr_comm *comm, int cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Report error class `cls` through error handler `eh` of `session` (MPI_SESSION_NULL when the
 * call has none yet): MPI_ERRORS_RETURN returns, a session handler is called, any other ends
 * the job like MPI_ERRORS_ARE_FATAL (api_err.c). Returns `cls`. */
int kr_api_session_error(MPI_Session session, MPI_Errhandler eh, int cls, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The MPI error class for a negative internal error. */
int kr_api_errclass(int ret);

/* Report a failed internal call `ret` from `call` on `comm`. */
int kr_api_fail(struct kr_comm *comm, const char *call, int ret);

/* Errors on a window (api_err.c): like kr_api_error and kr_api_fail, through the window's
 * error handler (MPI_ERRORS_ARE_FATAL unless the program set one). */
struct kr_win;
int kr_api_win_error(struct kr_win *w, int cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int kr_api_win_fail(struct kr_win *w, const char *call, int ret);

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

/* Error classes and codes the program adds (MPI_Add_error_class/code/string). Values above
 * MPI_ERR_LASTCODE, handed out in order and never reused. Each returns 0 or a negative errno:
 * -EINVAL for an argument that names no suitable class or code (a predefined one, for
 * kr_api_err_set_string), -ENOSPC when the table is full, -ENOMEM. */
int kr_api_err_add_class(int *class_out);
int kr_api_err_add_code(int errclass, int *code_out);
int kr_api_err_set_string(int code, const char *text);

/* MPI_Remove_error_class (`is_class`) and MPI_Remove_error_code: -EINVAL when `code` is not a
 * live added class (code), -EBUSY while the class still has codes or the code a string. The
 * value is not handed out again. kr_api_err_remove_string: -EINVAL when `code` is not a live
 * added class or code, -ENOENT when it has no string. */
int kr_api_err_remove(int code, bool is_class);
int kr_api_err_remove_string(int code);

/* Name and text of error code `code`, for messages (api_err.c). */
void kr_api_err_describe(int code, const char **name_out, const char **text_out);

/* The class of `code` (a predefined class maps to itself), or -1 if `code` is no error code. */
int kr_api_err_class(int code);

/* The largest error code or class in use: MPI_ERR_LASTCODE until the program adds one. This
 * is the value of MPI_COMM_WORLD's MPI_LASTUSEDCODE attribute. */
int kr_api_err_lastused(void);

/* --- error handlers (api_err.c) -------------------------------------------------------- */

#define KR_ERRH_MAGIC 0x6b724568u /* "krEh": a live user error handler */

/* The kind of object a user handler may be attached to: the kind of its create call. */
enum kr_errh_kind { KR_ERRH_COMM = 0, KR_ERRH_WIN, KR_ERRH_FILE, KR_ERRH_SESSION };

/* The program's function behind a user handler, by kind (`any` to test it for NULL). */
union kr_errh_fn {
    void (*any)(void);
    MPI_Comm_errhandler_function *comm;
    MPI_Win_errhandler_function *win;
    MPI_File_errhandler_function *file;
    MPI_Session_errhandler_function *session;
};

/* A user error handler (MPI_Comm_create_errhandler and, later, its Win/File/Session
 * siblings); the user's MPI_Errhandler is its address. Predefined handlers are not objects:
 * they stay their ABI constants wherever a handler is stored. `refs` counts the user's handles
 * (create and every get_errhandler give one; MPI_Errhandler_free drops one) and every object
 * the handler is attached to; the last release frees it. */
struct kr_errh {
    uint32_t magic; /* KR_ERRH_MAGIC while alive */
    enum kr_errh_kind kind;
    union kr_errh_fn fn;
    int refs;
};

/* MPI_{Comm,Win,File,Session}_create_errhandler: a new handler of `kind` calling `fn` (whose
 * parameter is named `fn_name` in messages), or the error reported on the process. */
int kr_api_errh_create(const char *call, enum kr_errh_kind kind, union kr_errh_fn fn,
                       const char *fn_name, MPI_Errhandler *errhandler);

/* The error path of objects other than communicators (windows, files, sessions): handler `eh`
 * for error `code` of the object whose handle is `handle` (its null handle when the call has
 * none), report `msg`. A user handler made for `kind` is called with the handle; anything else
 * but MPI_ERRORS_RETURN ends the job as MPI_ERRORS_ARE_FATAL does. kr_api_obj_verror formats
 * the report first (only when it is needed) and returns `cls`. */
void kr_api_errh_invoke(MPI_Errhandler eh, enum kr_errh_kind kind, void *handle, int code,
                        const char *msg);
int kr_api_obj_verror(MPI_Errhandler eh, enum kr_errh_kind kind, void *handle, int cls,
                      const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

/* The user handler behind `h`, or NULL for a predefined, null or invalid handle. */
struct kr_errh *kr_api_errh(MPI_Errhandler h);

/* Take or drop one reference on the handler an object stores in its `errh` (a predefined
 * MPI_Errhandler value or a struct kr_errh *; predefined ones are not counted). Whoever
 * copies a handler into an object (MPI_Comm_dup, MPI_Comm_split, ...) retains it, and whoever
 * destroys the object releases it. */
void kr_api_errh_retain(void *errh);
void kr_api_errh_release(void *errh);

/* --- handles (api_check.c) ------------------------------------------------------------- */

/* The communicator behind `h`; NULL if invalid or MPI_COMM_NULL. */
static inline struct kr_comm *kr_api_comm(MPI_Comm h)
{
    struct kr_comm *c;

    if (h == MPI_COMM_WORLD) {
        return kr_api.world;
    }
    if (h == MPI_COMM_SELF) {
        return kr_api.self;
    }
    if ((uintptr_t) h < KR_HANDLE_USER_MIN) {
        return NULL;
    }
    c = (struct kr_comm *) (void *) h;
    return c->magic == KR_COMM_MAGIC ? c : NULL;
}
MPI_Comm kr_api_comm_handle(struct kr_comm *c);

/* MPI_Finalize, first thing (api_comm.c; issue #4): run the attribute delete callbacks of
 * MPI_COMM_SELF, then MPI_COMM_WORLD, and free their info hints and MPI_INFO_ENV. Groups, info
 * objects and the rest of the communicator internals are in api_comm_int.h. */
void kr_api_comm_finalize(void);

/* A session's buffer (api_bsend.c, for api_session.c): the pool lives in *slot (NULL: none).
 * Attach, detach (waits for its messages), flush and iflush as for a communicator's; each
 * returns an MPI error code, reported on the process. kr_api_session_bsend is the pool of
 * session `id` for sends on its communicators, or NULL (api_session.c). */
int kr_api_bsend_slot_attach(const char *call, void **slot, void *buffer, MPI_Count size);
int kr_api_bsend_slot_detach(const char *call, void **slot, void *buffer_addr, MPI_Count *size);
int kr_api_bsend_slot_flush(const char *call, void *slot);
int kr_api_bsend_slot_iflush(const char *call, void *slot, MPI_Request *request);
void *kr_api_session_bsend(uint32_t id);

/* MPI_Comm_free and MPI_Finalize (api_bsend.c): a buffer still attached to `comm`
 * (MPI_Comm_attach_buffer) is detached implicitly, after its messages have left. MPI_SUCCESS
 * or the error `call` reported. */
int kr_api_bsend_comm_free(struct kr_comm *comm, const char *call);

/* --- Fortran integers for handles (api_htab.c, api_f2c.c) ------------------------------ */

/* Handle kinds, for the table that gives user handles (addresses) Fortran integers. */
enum kr_api_hkind {
    KR_API_H_COMM = 0,
    KR_API_H_TYPE,
    KR_API_H_GROUP,
    KR_API_H_REQUEST,
    KR_API_H_OP,
    KR_API_H_INFO,
    KR_API_H_ERRH,
    KR_API_H_MESSAGE,
    KR_API_H_WIN,
    KR_API_H_FILE,
    KR_API_H_SESSION,
    KR_API_H_NKINDS
};

/* A predefined handle's Fortran integer is its ABI value (1..4095). A user handle's is
 * (generation << KR_API_FINT_SLOT_BITS) | (KR_HANDLE_USER_MIN + slot): never in the reserved
 * range, always a positive int, and the generation (bumped when a slot is freed) makes an
 * integer kept after its object died miss the slot's next occupant, for 512 reuses. */
#define KR_API_FINT_SLOT_BITS 22
#define KR_API_FINT_MAX_SLOTS ((1u << KR_API_FINT_SLOT_BITS) - KR_HANDLE_USER_MIN)

struct kr_api_hslot;

/* Slots (index -> object) grow on demand; freed slots are reused first; an open-addressing
 * hash finds an object's slot. All state is in the struct, so one lock can guard it later.
 * Zero-initialised is empty. */
struct kr_api_htab {
    struct kr_api_hslot *slots;
    uint32_t nslots, cap; /* slots handed out so far, slots allocated */
    uint32_t free_head;   /* first free slot + 1; 0 when none */
    uint32_t *hash;       /* per bucket: slot + 1, 0 = empty */
    uint32_t hmask;       /* buckets - 1; 0 before the first insert */
    uint32_t nlive;       /* objects in the table */
};

/* The Fortran integer of `obj` (>= KR_HANDLE_USER_MIN), giving it a slot on first use; the
 * same object of the same kind gets the same integer until it is forgotten. Returns
 * -ENOSPC when every slot is taken, -ENOMEM. */
int kr_api_htab_put(struct kr_api_htab *t, enum kr_api_hkind kind, void *obj);
/* The object whose integer is `fint`: 0, -ENOENT if its object was forgotten since, or -EINVAL
 * if `fint` was never a user integer of this kind. *obj_out is set only on success. */
int kr_api_htab_get(const struct kr_api_htab *t, enum kr_api_hkind kind, int fint, void **obj_out);
/* `obj` is dying: free its slot (nothing happens if it never had one). */
void kr_api_htab_forget(struct kr_api_htab *t, enum kr_api_hkind kind, const void *obj);
/* Free the table's memory; it is empty and usable again afterwards. */
void kr_api_htab_fini(struct kr_api_htab *t);

/* The process's table (api_f2c.c). Every free of a user object that MPI_X_c2f may have seen
 * calls this, so that MPI_X_f2c of its integer gives the null handle, not a dangling one. */
void kr_api_handle_forget(enum kr_api_hkind kind, const void *obj);

/* --- argument checks (api_check.c); each returns MPI_SUCCESS or reports the error ------ */

/* The checks below run on every call: the common, valid case is inline, reporting is not. */
int kr_api_comm_invalid(const char *call, MPI_Comm h);

static inline int kr_api_check_comm(const char *call, MPI_Comm h, struct kr_comm **comm_out)
{
    struct kr_comm *c = kr_api_comm(h);

    *comm_out = c; /* NULL on failure: callers may not use it then, but it is set */
    if (__builtin_expect(c == NULL, 0)) {
        return kr_api_comm_invalid(call, h);
    }
    return MPI_SUCCESS;
}
int kr_api_check_count_slow(const char *call, struct kr_comm *comm, MPI_Count count);

static inline int kr_api_check_count(const char *call, struct kr_comm *comm, MPI_Count count)
{
    return __builtin_expect(count >= 0, 1) ? MPI_SUCCESS
                                           : kr_api_check_count_slow(call, comm, count);
}
int kr_api_check_type(const char *call, struct kr_comm *comm, MPI_Datatype h,
                      struct kr_dt **dt_out);
int kr_api_check_buf_slow(const char *call, struct kr_comm *comm, const void *buf,
                          MPI_Count count, const struct kr_dt *dt);

/* A real buffer and a count whose byte size fits in memory (checked in the slow path). */
static inline int kr_api_check_buf(const char *call, struct kr_comm *comm, const void *buf,
                                   MPI_Count count, const struct kr_dt *dt)
{
    if (__builtin_expect(buf != NULL && (size_t) count <= ((size_t) 1 << 40)
                             && dt->extent <= (1 << 20), 1)) {
        return MPI_SUCCESS;
    }
    return kr_api_check_buf_slow(call, comm, buf, count, dt);
}
/* A destination (or, with `any` set, a source that may be MPI_ANY_SOURCE) rank. */
int kr_api_check_rank_slow(const char *call, struct kr_comm *comm, int rank, bool any);

static inline int kr_api_check_rank(const char *call, struct kr_comm *comm, int rank, bool any)
{
    if (__builtin_expect(rank >= 0 && rank < comm->size && !comm->inter, 1)) {
        return MPI_SUCCESS;
    }
    return kr_api_check_rank_slow(call, comm, rank, any);
}
int kr_api_check_root(const char *call, struct kr_comm *comm, int root);
/* A send tag (or, with `any` set, a receive tag that may be MPI_ANY_TAG). */
int kr_api_check_tag_slow(const char *call, struct kr_comm *comm, int tag, bool any);

static inline int kr_api_check_tag(const char *call, struct kr_comm *comm, int tag, bool any)
{
    return __builtin_expect(tag >= 0, 1) ? MPI_SUCCESS
                                         : kr_api_check_tag_slow(call, comm, tag, any);
}
int kr_api_check_op(const char *call, struct kr_comm *comm, MPI_Op h, const struct kr_dt *dt,
                    struct kr_op **op_out);

/* --- datatype checks (api_check.c, datatype block) ------------------------------------- */

/* True when point-to-point and collectives can move `dt` today: predefined types, and
 * contiguous derived types whose data starts at the buffer address (true_lb 0), which the
 * byte-moving paths handle as they are. kr_api_check_type refuses the rest as "not supported
 * yet". TODO(#3): widen this as pt2pt and coll learn to pack through kr_dt_pack/kr_dt_iov. */
bool kr_api_dt_supported(const struct kr_dt *dt);

/* A valid datatype handle (MPI_ERR_TYPE otherwise, naming MPI_DATATYPE_NULL when it is);
 * with `committed`, it must also be committed. Accepts every derived type: for the calls that
 * do not communicate (Pack, Get_elements, Type_* constructors and queries). */
int kr_api_check_dt(const char *call, struct kr_comm *comm, MPI_Datatype h, bool committed,
                    struct kr_dt **dt_out);

/* An argument that must not be NULL (`what` names it): MPI_ERR_ARG otherwise. */
int kr_api_check_ptr(const char *call, const void *p, const char *what);

/* Bytes one element occupies in a reduction's buffer (the same rule as kr_coll_stride):
 * predefined types at their extent (pair types keep their padding), derived types packed.
 * Collectives move packed data otherwise, and so does point-to-point (kr_api_msg_prep). */
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
 * (word 2). */
void kr_api_status_set(MPI_Status *st, const struct kr_status *ks);
void kr_api_status_empty(MPI_Status *st);
size_t kr_api_status_bytes(const MPI_Status *st);

#endif /* KR_API_H */

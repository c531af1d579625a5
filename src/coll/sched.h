/* The schedule engine: a collective is built as a list of rounds; a round's sends and
 * receives are posted together, and when all of them have completed its local steps (reduce,
 * copy) run and the next round starts. Completions arrive through the pt2pt engine's request
 * callbacks, so schedules advance from inside progress: blocking collectives start one and
 * wait, nonblocking ones return its request, persistent ones restart it. */
#ifndef KR_COLL_SCHED_H
#define KR_COLL_SCHED_H

#include "comm/comm.h"
#include "datatype/dt.h"
#include "pt2pt/pt2pt.h"

#include <stdbool.h>
#include <stddef.h>

struct kr_sched;

/* A schedule for a collective on `comm` (its collective context). Returns 0 or -ENOMEM. */
int kr_sched_create(struct kr_comm *comm, struct kr_sched **s_out);

/* The communicator's size and this rank in it. */
int kr_sched_size(const struct kr_sched *s);
int kr_sched_rank(const struct kr_sched *s);

/* Begin a new round; the steps added next belong to it. The first round begins implicitly. */
int kr_sched_round(struct kr_sched *s);

/* Communication steps of the current round (ranks are communicator ranks). */
int kr_sched_send(struct kr_sched *s, const void *buf, size_t len, int peer);
int kr_sched_recv(struct kr_sched *s, void *buf, size_t len, int peer);

/* Local steps, run in order once the round's communication is done. */
int kr_sched_reduce(struct kr_sched *s, const void *in, void *inout, size_t count,
                    const struct kr_dt *dt, const struct kr_op *op);
int kr_sched_copy(struct kr_sched *s, const void *src, void *dst, size_t len);

/* Scratch memory that lives as long as the schedule (NULL on failure). */
void *kr_sched_alloc(struct kr_sched *s, size_t len);

/* Take a reference on `op` / `dt` for the schedule's life (user ops and derived types may be
 * freed by the program while a nonblocking collective still uses them). */
void kr_sched_hold(struct kr_sched *s, struct kr_op *op, struct kr_dt *dt);

/* Run the schedule; `req` (kind KR_REQ_OTHER, from kr_req_alloc or the caller's stack)
 * completes when the last round has, with status.error set to the first error. A persistent
 * schedule survives completion and can be started again; others free themselves. */
int kr_sched_start(struct kr_sched *s, struct kr_req *req);
void kr_sched_set_persistent(struct kr_sched *s, bool persistent);

/* Free a schedule that was never started, or a persistent one that is not running. */
void kr_sched_free(struct kr_sched *s);

/* Blocking form: start `s` and wait for it. Returns 0 or the first error. */
int kr_sched_run(struct kr_sched *s);

#endif /* KR_COLL_SCHED_H */

/* The schedule engine: a collective is built as a list of rounds; a round's sends and
 * receives are posted together, and when all of them have completed its local steps (reduce,
 * copy) run and the next round starts. Completions arrive through the pt2pt engine's request
 * callbacks, so schedules advance from inside progress: blocking collectives start one and
 * wait, nonblocking ones return its request, persistent ones restart it.
 *
 * Besides its rounds a schedule has steps that run once before the first round is posted
 * (packing a derived datatype into scratch) and once after the last round (unpacking), so that
 * the rounds only ever see contiguous bytes, and every start of a persistent schedule packs
 * the user's buffer afresh. */
#ifndef KR_COLL_SCHED_H
#define KR_COLL_SCHED_H

#include "comm/comm.h"
#include "datatype/dt.h"
#include "pt2pt/pt2pt.h"

#include <stdbool.h>
#include <stddef.h>

struct kr_sched;

/* A schedule for a collective on `comm` (its collective context); draws the collective's tag.
 * Returns 0 or -ENOMEM. */
int kr_sched_create(struct kr_comm *comm, struct kr_sched **s_out);

/* The communicator the schedule was created on. */
struct kr_comm *kr_sched_comm(const struct kr_sched *s);

/* The size of the group the steps added next talk to, and this rank in it: the
 * communicator's, or the local group's while kr_sched_local is on (intercommunicators). */
int kr_sched_size(const struct kr_sched *s);
int kr_sched_rank(const struct kr_sched *s);

/* Intercommunicators: with `on`, the communication steps added next go to the local group
 * (kr_comm.local, in its collective context under a tag of their own); without, to the remote
 * group. Intracommunicators ignore this. */
void kr_sched_local(struct kr_sched *s, bool on);

/* Intracommunicators: with `members` (n comm ranks, this rank being members[me]; the array
 * must outlive the building), the steps added next talk to that subgroup: kr_sched_size and
 * kr_sched_rank describe it and peers are its indices, so any builder piece runs on part of
 * the communicator (node-aware collectives). NULL goes back to the whole communicator. */
void kr_sched_view(struct kr_sched *s, const int *members, int n, int me);

/* Begin a new round; the steps added next belong to it. The first round begins implicitly,
 * and an empty round is never added twice, so builders may call this freely. */
int kr_sched_round(struct kr_sched *s);

/* Communication steps of the current round (ranks are group ranks, see kr_sched_size). The
 * steps of one round to the same peer are matched in the order added. */
int kr_sched_send(struct kr_sched *s, const void *buf, size_t len, int peer);
int kr_sched_recv(struct kr_sched *s, void *buf, size_t len, int peer);

/* Local steps, run in order once the round's communication is done. A reduction works on
 * collective buffers (kr_coll_stride apart; see coll.h): inout = in op inout. */
int kr_sched_reduce(struct kr_sched *s, const void *in, void *inout, size_t count,
                    const struct kr_dt *dt, const struct kr_op *op);
int kr_sched_copy(struct kr_sched *s, const void *src, void *dst, size_t len);

/* When a conversion step runs: before the first round is posted, or after the last round. */
enum kr_sched_when { KR_SCHED_BEFORE, KR_SCHED_AFTER };

/* Conversion steps between `count` elements of `dt` in a typed buffer and their packed form
 * (kr_dt_pack / kr_dt_unpack), run in the order added within their phase. */
int kr_sched_pack(struct kr_sched *s, enum kr_sched_when when, const struct kr_dt *dt,
                  size_t count, const void *typed, void *packed);
int kr_sched_unpack(struct kr_sched *s, enum kr_sched_when when, const struct kr_dt *dt,
                    size_t count, const void *packed, void *typed);

/* Scratch memory that lives as long as the schedule (NULL on failure, which the schedule
 * also remembers: starting it then fails with -ENOMEM). */
void *kr_sched_alloc(struct kr_sched *s, size_t len);

/* Hand `p` (from malloc; NULL is ignored) to the schedule, which frees it with itself. For
 * scratch a caller had to allocate before the schedule existed. Returns 0, or -ENOMEM after
 * freeing `p`. */
int kr_sched_adopt(struct kr_sched *s, void *p);

/* Take a reference on `op` and/or `dt` (either may be NULL) for the schedule's life: user ops
 * and derived types may be freed by the program while a nonblocking collective still uses
 * them. Any number may be held. */
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

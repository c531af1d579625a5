/* The in-process loopback transport: messages between ranks that live in one process. Used
 * for a rank's messages to itself, and by unit tests that run many virtual ranks (each with
 * its own pt2pt engine) in one process. */
#ifndef KR_TRANSPORT_LOOP_H
#define KR_TRANSPORT_LOOP_H

#include "transport/tport.h"

#include <stdbool.h>

struct kr_loop_fabric;

/* A fabric joining `nranks` virtual ranks 0..nranks-1 of one process. */
int kr_loop_fabric_create(int nranks, struct kr_loop_fabric **fabric_out);
/* Free the fabric; every transport opened on it must be closed first. */
void kr_loop_fabric_destroy(struct kr_loop_fabric *fabric);
/* Let rndv_get read the sender's buffer directly (`on`, the default), or make it refuse with
 * -ENOSYS so that pt2pt falls back to its copy protocol (RTS/CTS/DATA); for tests of that path.
 * Returns 0. */
int kr_loop_fabric_set_single_copy(struct kr_loop_fabric *fabric, bool on);
/* Open the transport of virtual rank `rank` on `fabric`. */
int kr_loop_tport_open_in(struct kr_loop_fabric *fabric, int rank, const struct kr_tport_cb *cb,
                          struct kr_tport **tp_out);

#endif /* KR_TRANSPORT_LOOP_H */

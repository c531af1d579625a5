/* Two ranks of one transport opened in one test process (test_tcp.c, test_ofi.c): the receive
 * callback checks that rank 1 - r's messages arrive in order with the payload pattern
 * byte i = tag + i, where the tag counts the messages. */
#ifndef KR_TEST_TPORT_PAIR_H
#define KR_TEST_TPORT_PAIR_H

#include "transport/tport.h"

#include <stdbool.h>

struct pair_rank {
    struct kr_tport *tp;
    struct kr_tep *ep;
    int rank;
    int got;                    /* messages received, in order */
    bool order_ok;
};

/* kr_tport_cb.recv with ctx = the receiving struct pair_rank. */
void pair_recv(void *ctx, int src, const struct kr_wire_hdr *hdr, const void *payload,
               size_t len);

/* One progress call on each of pr[0] and pr[1], asserting neither fails. */
void progress_both(struct pair_rank *pr);

#endif /* KR_TEST_TPORT_PAIR_H */

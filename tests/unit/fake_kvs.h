/* An in-process stand-in for the launcher's key-value space (struct kr_tport_kvs), for unit
 * tests that open several transports in one process: what one puts, all get at once. */
#ifndef KR_TEST_FAKE_KVS_H
#define KR_TEST_FAKE_KVS_H

#include "transport/tport.h"

/* put and get over one table shared by the whole test program; ctx is unused. */
extern const struct kr_tport_kvs fake_kvs;

/* Forget every key (before opening a new set of transports). */
void fake_kvs_clear(void);

#endif /* KR_TEST_FAKE_KVS_H */

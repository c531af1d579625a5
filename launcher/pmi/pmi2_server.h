/* The launcher's PMI-2 server: speaks the protocol with the ranks this process started. It owns
 * no file descriptors: the caller feeds it the bytes each rank sent and it hands back replies
 * through a callback, so mpirun and a per-host daemon can drive it from their own loops. */
#ifndef KR_LAUNCHER_PMI2_SERVER_H
#define KR_LAUNCHER_PMI2_SERVER_H

#include "pmi_kvs.h"

#include <stddef.h>

struct kr_pmi2_server;

struct kr_pmi2_server_cb {
    /* Queue a reply for `rank`'s connection (a complete line or frame; copy it). */
    void (*send)(void *arg, int rank, const char *data, size_t len);
    /* `rank` completed fullinit (it is an MPI process from now on). */
    void (*fullinit)(void *arg, int rank);
    /* `rank` sent finalize (and was answered). */
    void (*finalize)(void *arg, int rank);
    /* `rank` sent abort with exit code `code` (-1 when it gave none) and message `msg`. */
    void (*abort)(void *arg, int rank, int code, const char *msg);
    /* `rank`'s connection is unusable; `why` says what it did, as a phrase that follows "rank N"
     * ("asked for PMI version 1, ..."). The caller should stop feeding it and end the job. */
    void (*error)(void *arg, int rank, const char *why);
};

struct kr_pmi2_server_params {
    const char *jobid;             /* answered to job-getid */
    int size;                      /* ranks in the job */
    int nranks;                    /* ranks served here */
    const int *ranks;              /* their world ranks, ascending (nranks entries); NULL: the
                                    * contiguous first_rank .. first_rank+nranks-1 */
    int first_rank;
    const int *appnums;            /* each served rank's MPI_APPNUM, answered in fullinit
                                    * (nranks entries, same order as ranks); NULL: all 0 */
    const char *mapping;           /* PMI_process_mapping value */
    int universe_size;
    struct kr_pmi_kvs *kvs;        /* borrowed; the server binds its fence notification */
};

/* 0, -ENOMEM. The parameter strings and arrays are copied. */
int kr_pmi2_server_create(const struct kr_pmi2_server_params *p,
                          const struct kr_pmi2_server_cb *cb, void *arg,
                          struct kr_pmi2_server **srv_out);

/* Bytes that `rank` (one of the served ranks) sent. Complete messages are answered through cb->send at once (or, for a
 * fence, when it completes). Returns 0, or -EPROTO after calling cb->error: the connection must
 * not be fed again. */
int kr_pmi2_server_input(struct kr_pmi2_server *srv, int rank, const char *data, size_t len);

void kr_pmi2_server_destroy(struct kr_pmi2_server *srv);

#endif /* KR_LAUNCHER_PMI2_SERVER_H */

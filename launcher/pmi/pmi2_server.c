/* The launcher's PMI-2 server: one protocol state per rank, commands dispatched to one handler
 * each; key-value and fence go through struct kr_pmi_kvs. */
#include "config.h"

#include "pmi2_server.h"

#include "boot/pmi2_wire.h"
#include "util/log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pmi2_conn {
    struct kr_pmi2_decoder dec;
    bool dead;                     /* protocol error seen: ignore further input */
    bool in_fence;
};

struct kr_pmi2_server {
    struct kr_pmi2_server_params p;
    struct kr_pmi2_server_cb cb;
    void *arg;
    int *ranks;                    /* served world ranks, ascending (nranks entries) */
    int *appnums;                  /* their MPI_APPNUM */
    struct pmi2_conn *conns;       /* nranks entries, same order */
    struct kr_pmi2_msg msg;        /* message being handled */
    struct kr_pmi2_frame frame;    /* reply being built */
    char reply_cmd[80];            /* its cmd, for the error reply when it overflows */
};

/* Index of served `rank` (the caller only passes served ranks). */
static int pmi2_srv_index(const struct kr_pmi2_server *srv, int rank)
{
    int lo = 0, hi = srv->p.nranks - 1;

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;

        if (srv->ranks[mid] < rank) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static void pmi2_srv_reply(struct kr_pmi2_server *srv, int rank)
{
    if (kr_pmi2_frame_end(&srv->frame) != 0) {
        /* Only a value longer than a frame gets here; answer with an error instead. */
        kr_pmi2_frame_begin(&srv->frame, srv->reply_cmd);
        kr_pmi2_frame_add_int(&srv->frame, "rc", -1);
        kr_pmi2_frame_add(&srv->frame, "errmsg", "reply does not fit in a PMI-2 frame");
        (void) kr_pmi2_frame_end(&srv->frame);
    }
    srv->cb.send(srv->arg, rank, srv->frame.data, srv->frame.len);
}

/* Start a reply "cmd=<cmd>-response;rc=<rc>;". rc goes first, like Slurm's replies. */
static void pmi2_srv_begin(struct kr_pmi2_server *srv, const char *cmd, int rc)
{
    snprintf(srv->reply_cmd, sizeof(srv->reply_cmd), "%s-response", cmd);
    kr_pmi2_frame_begin(&srv->frame, srv->reply_cmd);
    kr_pmi2_frame_add_int(&srv->frame, "rc", rc);
}

static int pmi2_srv_fail(struct kr_pmi2_server *srv, int rank, const char *why)
{
    srv->conns[pmi2_srv_index(srv, rank)].dead = true;
    srv->cb.error(srv->arg, rank, why);
    return -EPROTO;
}

static int pmi2_srv_init_line(struct kr_pmi2_server *srv, int rank)
{
    char line[128], why[256];
    int version = -1, n;

    if (strcmp(kr_pmi2_msg_cmd(&srv->msg), "init") != 0) {
        snprintf(why, sizeof(why), "sent '%s' before the PMI init handshake",
                 kr_pmi2_msg_cmd(&srv->msg));
        return pmi2_srv_fail(srv, rank, why);
    }
    (void) kr_pmi2_msg_get_int(&srv->msg, "pmi_version", &version);
    if (version != 2) {
        /* Answer so that the client fails cleanly instead of waiting forever. */
        n = snprintf(line, sizeof(line), "cmd=response_to_init pmi_version=2 "
                     "pmi_subversion=0 rc=-1\n");
        srv->cb.send(srv->arg, rank, line, (size_t) n);
        snprintf(why, sizeof(why), "asked for PMI version %d, but Kurir's launcher speaks "
                 "PMI-2 only (was the program built with another MPI?)", version);
        return pmi2_srv_fail(srv, rank, why);
    }
    n = kr_pmi2_init_response_encode(line, sizeof(line), 0);
    srv->cb.send(srv->arg, rank, line, (size_t) n);
    return 0;
}

static void pmi2_srv_fullinit(struct kr_pmi2_server *srv, int rank)
{
    int claimed;

    if (kr_pmi2_msg_get_int(&srv->msg, "pmirank", &claimed) == 0 && claimed >= 0 &&
        claimed != rank) {
        KR_LOG_WARN(LAUNCH, "rank %d says it is rank %d in fullinit; its connection decides",
                    rank, claimed);
    }
    pmi2_srv_begin(srv, "fullinit", 0);
    kr_pmi2_frame_add(&srv->frame, "pmi-version", "2");
    kr_pmi2_frame_add(&srv->frame, "pmi-subversion", "0");
    kr_pmi2_frame_add_int(&srv->frame, "rank", rank);
    kr_pmi2_frame_add_int(&srv->frame, "size", srv->p.size);
    kr_pmi2_frame_add_int(&srv->frame, "appnum", srv->appnums[pmi2_srv_index(srv, rank)]);
    kr_pmi2_frame_add_bool(&srv->frame, "debugged", false);
    kr_pmi2_frame_add_bool(&srv->frame, "pmiverbose", false);
    /* Not in PMI-2: tells the library that this launcher reports MPI_Abort itself. */
    kr_pmi2_frame_add_bool(&srv->frame, "kurir", true);
    pmi2_srv_reply(srv, rank);
    srv->cb.fullinit(srv->arg, rank);
}

static void pmi2_srv_jobattr(struct kr_pmi2_server *srv, int rank)
{
    const char *key = kr_pmi2_msg_get(&srv->msg, "key");
    char text[16];
    const char *value = NULL;

    if (key != NULL && strcmp(key, "PMI_process_mapping") == 0) {
        value = srv->p.mapping;
    } else if (key != NULL && strcmp(key, "universeSize") == 0) {
        snprintf(text, sizeof(text), "%d", srv->p.universe_size);
        value = text;
    }
    pmi2_srv_begin(srv, "info-getjobattr", 0);
    kr_pmi2_frame_add_bool(&srv->frame, "found", value != NULL);
    if (value != NULL) {
        kr_pmi2_frame_add(&srv->frame, "value", value);
    }
    pmi2_srv_reply(srv, rank);
}

static void pmi2_srv_put(struct kr_pmi2_server *srv, int rank)
{
    const char *key = kr_pmi2_msg_get(&srv->msg, "key");
    const char *value = kr_pmi2_msg_get(&srv->msg, "value");
    int ret;

    if (key == NULL || value == NULL) {
        pmi2_srv_begin(srv, "kvs-put", -1);
        kr_pmi2_frame_add(&srv->frame, "errmsg", "kvs-put needs key and value");
    } else {
        ret = srv->p.kvs->ops->put(srv->p.kvs, rank, key, value);
        pmi2_srv_begin(srv, "kvs-put", ret);
        if (ret != 0) {
            kr_pmi2_frame_add(&srv->frame, "errmsg", strerror(-ret));
        }
    }
    pmi2_srv_reply(srv, rank);
}

static void pmi2_srv_get(struct kr_pmi2_server *srv, int rank)
{
    const char *key = kr_pmi2_msg_get(&srv->msg, "key");
    const char *value = key != NULL ? srv->p.kvs->ops->get(srv->p.kvs, key) : NULL;

    pmi2_srv_begin(srv, "kvs-get", key != NULL ? 0 : -1);
    kr_pmi2_frame_add_bool(&srv->frame, "found", value != NULL);
    if (value != NULL) {
        kr_pmi2_frame_add(&srv->frame, "value", value);
    }
    if (key == NULL) {
        kr_pmi2_frame_add(&srv->frame, "errmsg", "kvs-get needs a key");
    }
    pmi2_srv_reply(srv, rank);
}

static void pmi2_srv_fence_done(void *arg, int err)
{
    struct kr_pmi2_server *srv = arg;

    for (int i = 0; i < srv->p.nranks; i++) {
        if (srv->conns[i].in_fence) {
            srv->conns[i].in_fence = false;
            pmi2_srv_begin(srv, "kvs-fence", err);
            pmi2_srv_reply(srv, srv->ranks[i]);
        }
    }
}

static void pmi2_srv_fence(struct kr_pmi2_server *srv, int rank)
{
    struct pmi2_conn *c = &srv->conns[pmi2_srv_index(srv, rank)];
    int ret;

    c->in_fence = true;
    ret = srv->p.kvs->ops->fence(srv->p.kvs, rank);
    if (ret != 0) {
        c->in_fence = false;
        pmi2_srv_begin(srv, "kvs-fence", ret);
        kr_pmi2_frame_add(&srv->frame, "errmsg", "rank is already in this fence");
        pmi2_srv_reply(srv, rank);
    }
}

static void pmi2_srv_abort(struct kr_pmi2_server *srv, int rank)
{
    const char *msg = kr_pmi2_msg_get(&srv->msg, "msg");
    int code = -1;

    (void) kr_pmi2_msg_get_int(&srv->msg, "code", &code);
    srv->cb.abort(srv->arg, rank, code, msg != NULL ? msg : "");
}

static void pmi2_srv_unknown(struct kr_pmi2_server *srv, int rank, const char *cmd)
{
    char why[160];

    snprintf(why, sizeof(why), "unknown command '%s' (Kurir's launcher serves fullinit, "
             "job-getid, info-getjobattr, kvs-put, kvs-get, kvs-fence, abort, finalize)", cmd);
    KR_LOG_WARN(LAUNCH, "rank %d sent %s", rank, why);
    pmi2_srv_begin(srv, cmd[0] != '\0' ? cmd : "unknown", -1);
    kr_pmi2_frame_add(&srv->frame, "errmsg", why);
    pmi2_srv_reply(srv, rank);
}

static int pmi2_srv_dispatch(struct kr_pmi2_server *srv, int rank)
{
    const char *cmd = kr_pmi2_msg_cmd(&srv->msg);

    if (strcmp(cmd, "fullinit") == 0) {
        pmi2_srv_fullinit(srv, rank);
    } else if (strcmp(cmd, "job-getid") == 0) {
        pmi2_srv_begin(srv, "job-getid", 0);
        kr_pmi2_frame_add(&srv->frame, "jobid", srv->p.jobid);
        pmi2_srv_reply(srv, rank);
    } else if (strcmp(cmd, "info-getjobattr") == 0) {
        pmi2_srv_jobattr(srv, rank);
    } else if (strcmp(cmd, "kvs-put") == 0) {
        pmi2_srv_put(srv, rank);
    } else if (strcmp(cmd, "kvs-get") == 0) {
        pmi2_srv_get(srv, rank);
    } else if (strcmp(cmd, "kvs-fence") == 0) {
        pmi2_srv_fence(srv, rank);
    } else if (strcmp(cmd, "abort") == 0) {
        pmi2_srv_abort(srv, rank);
    } else if (strcmp(cmd, "finalize") == 0) {
        pmi2_srv_begin(srv, "finalize", 0);
        pmi2_srv_reply(srv, rank);
        srv->cb.finalize(srv->arg, rank);
    } else {
        pmi2_srv_unknown(srv, rank, cmd);
    }
    return 0;
}

int kr_pmi2_server_input(struct kr_pmi2_server *srv, int rank, const char *data, size_t len)
{
    struct pmi2_conn *c = &srv->conns[pmi2_srv_index(srv, rank)];
    char why[160];

    while (!c->dead && len > 0) {
        bool was_line = c->dec.line_mode;
        size_t used = 0;
        int ret = kr_pmi2_decoder_feed(&c->dec, data, len, &used, &srv->msg);

        data += used;
        len -= used;
        if (ret < 0) {
            snprintf(why, sizeof(why), "sent a malformed PMI-2 %s",
                     was_line ? "init line" : "frame");
            return pmi2_srv_fail(srv, rank, why);
        }
        if (ret == 1) {
            ret = was_line ? pmi2_srv_init_line(srv, rank) : pmi2_srv_dispatch(srv, rank);
            if (ret != 0) {
                return ret;
            }
        }
    }
    return c->dead ? -EPROTO : 0;
}

int kr_pmi2_server_create(const struct kr_pmi2_server_params *p,
                          const struct kr_pmi2_server_cb *cb, void *arg,
                          struct kr_pmi2_server **srv_out)
{
    struct kr_pmi2_server *srv = calloc(1, sizeof(*srv));

    if (srv == NULL) {
        return -ENOMEM;
    }
    srv->p = *p;
    srv->cb = *cb;
    srv->arg = arg;
    srv->p.jobid = strdup(p->jobid);
    srv->p.mapping = strdup(p->mapping);
    srv->conns = calloc((size_t) p->nranks + 1, sizeof(*srv->conns));
    srv->ranks = calloc((size_t) p->nranks + 1, sizeof(int));
    srv->appnums = calloc((size_t) p->nranks + 1, sizeof(int));
    if (srv->p.jobid == NULL || srv->p.mapping == NULL || srv->conns == NULL ||
        srv->ranks == NULL || srv->appnums == NULL) {
        kr_pmi2_server_destroy(srv);
        return -ENOMEM;
    }
    for (int i = 0; i < p->nranks; i++) {
        srv->ranks[i] = p->ranks != NULL ? p->ranks[i] : p->first_rank + i;
        srv->appnums[i] = p->appnums != NULL ? p->appnums[i] : 0;
    }
    srv->p.ranks = srv->ranks;
    srv->p.appnums = srv->appnums;
    for (int i = 0; i < p->nranks; i++) {
        kr_pmi2_decoder_init(&srv->conns[i].dec, true);
    }
    kr_pmi_kvs_bind(p->kvs, pmi2_srv_fence_done, srv);
    *srv_out = srv;
    return 0;
}

void kr_pmi2_server_destroy(struct kr_pmi2_server *srv)
{
    if (srv == NULL) {
        return;
    }
    free((char *) srv->p.jobid);
    free((char *) srv->p.mapping);
    free(srv->conns);
    free(srv->ranks);
    free(srv->appnums);
    free(srv);
}

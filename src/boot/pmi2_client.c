/* The library's PMI-2 client: handshake with the launcher over PMI_FD (our mpirun, srun
 * --mpi=pmi2 or mpiexec.hydra), job layout, key-value space and fences; singleton without one. */
#include "config.h"

#include "boot/boot.h"

#include "boot/pmi2_wire.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BOOT_HOST_KEY "kurir-host-%d" /* hostname exchange when there is no process mapping */

/* Values of the launcher's environment variables, read through the settings registry. */
static struct boot_env {
    int fd;
    int rank;
    int size;
    const char *jobid;
    int fake_hosts;
} boot_env;

const struct kr_setting kr_boot_settings[] = {
    { "PMI_FD", KR_SET_INT, "-1", &boot_env.fd,
      "socket to the PMI-2 server, set by the launcher (mpirun, srun --mpi=pmi2, "
      "mpiexec.hydra); unset means a singleton job", NULL, KR_SET_VERBATIM },
    { "PMI_RANK", KR_SET_INT, "-1", &boot_env.rank,
      "this process's rank, set by the launcher", NULL, KR_SET_VERBATIM },
    { "PMI_SIZE", KR_SET_INT, "-1", &boot_env.size,
      "number of ranks, set by the launcher", NULL, KR_SET_VERBATIM },
    { "PMI_JOBID", KR_SET_STRING, "", &boot_env.jobid,
      "job id sent back in fullinit (Slurm requires it; Hydra sets none)", NULL,
      KR_SET_VERBATIM },
    { "BOOT_FAKE_HOSTS", KR_SET_INT, "0", &boot_env.fake_hosts,
      "testing only: pretend the job runs on this many hosts (blocks of consecutive ranks), so "
      "one machine exercises multi-host paths (shm within a pretend host, tcp between them); "
      "0 = the real layout", NULL, 0 },
    { 0 }
};

/* Singleton key-value table: puts are visible at once, as if fenced. */
struct boot_kv {
    char *key;
    char *value;
};

struct kr_boot {
    struct kr_boot_job job;
    int fd;                        /* -1 for a singleton */
    unsigned nfences;              /* fences so far (names each fence's marker key) */
    int *node_of;
    int *local_ranks;
    struct boot_kv *kv;
    int nkv;
    struct kr_pmi2_frame frame;    /* request being built */
    struct kr_pmi2_msg resp;       /* last response */
};

/* Send the request in b->frame and read the reply into b->resp; it must be `want` with rc 0. */
static int boot_call(struct kr_boot *b, const char *what, const char *want)
{
    const char *why;
    int ret, rc;

    ret = kr_pmi2_frame_end(&b->frame);
    if (ret != 0) {
        KR_LOG_ERR(BOOT, "pmi-2 %s: request does not fit in a frame: %s", what, strerror(-ret));
        return ret;
    }
    ret = kr_pmi2_write_all(b->fd, b->frame.data, b->frame.len);
    if (ret != 0) {
        KR_LOG_ERR(BOOT, "pmi-2 %s: cannot write to the launcher on fd %d: %s", what, b->fd,
                   strerror(-ret));
        return ret;
    }
    ret = kr_pmi2_frame_read(b->fd, &b->resp);
    if (ret == -EPIPE) {
        KR_LOG_ERR(BOOT, "pmi-2 %s: the launcher closed the connection", what);
        return ret;
    }
    if (ret != 0) {
        KR_LOG_ERR(BOOT, "pmi-2 %s: cannot read the launcher's reply: %s", what,
                   ret == -EPROTO ? "malformed frame" : strerror(-ret));
        return ret;
    }
    if (strcmp(kr_pmi2_msg_cmd(&b->resp), want) != 0) {
        KR_LOG_ERR(BOOT, "pmi-2 %s: expected %s, the launcher answered '%s'", what, want,
                   kr_pmi2_msg_cmd(&b->resp));
        return -EPROTO;
    }
    if (kr_pmi2_msg_rc(&b->resp, &rc) != 0) {
        KR_LOG_ERR(BOOT, "pmi-2 %s: reply has a malformed rc '%s'", what,
                   kr_pmi2_msg_get(&b->resp, "rc"));
        return -EPROTO;
    }
    if (rc != 0) {
        why = kr_pmi2_msg_get(&b->resp, "errmsg");
        why = why != NULL ? why : kr_pmi2_msg_get(&b->resp, "msg");
        KR_LOG_ERR(BOOT, "pmi-2 %s failed: the launcher answered rc %d%s%s", what, rc,
                   why != NULL ? ": " : "", why != NULL ? why : "");
        return -EPROTO;
    }
    return 0;
}

static int boot_handshake(struct kr_boot *b)
{
    char line[128];
    int ret, n, rc, version;

    n = kr_pmi2_init_encode(line, sizeof(line));
    ret = kr_pmi2_write_all(b->fd, line, (size_t) n);
    if (ret != 0) {
        KR_LOG_ERR(BOOT, "pmi-2 init: cannot write to PMI_FD %d: %s (is the launcher gone?)",
                   b->fd, strerror(-ret));
        return ret;
    }
    ret = kr_pmi2_line_read(b->fd, &b->resp);
    if (ret != 0) {
        KR_LOG_ERR(BOOT, "pmi-2 init: no valid reply from the launcher on fd %d: %s", b->fd,
                   ret == -EPIPE ? "connection closed" : ret == -EPROTO ? "malformed line"
                                                                        : strerror(-ret));
        return ret;
    }
    if (strcmp(kr_pmi2_msg_cmd(&b->resp), "response_to_init") != 0 ||
        kr_pmi2_msg_rc(&b->resp, &rc) != 0 ||
        kr_pmi2_msg_get_int(&b->resp, "pmi_version", &version) != 0) {
        KR_LOG_ERR(BOOT, "pmi-2 init: unexpected reply '%s' from the launcher",
                   kr_pmi2_msg_cmd(&b->resp));
        return -EPROTO;
    }
    if (rc != 0 || version != 2) {
        KR_LOG_ERR(BOOT, "pmi-2 init: the launcher refused PMI version 2 (rc %d, offers "
                   "version %d)", rc, version);
        return -EPROTO;
    }
    return 0;
}

static int boot_fullinit(struct kr_boot *b)
{
    const char *appnum = NULL;
    int ret;

    kr_pmi2_frame_begin(&b->frame, "fullinit");
    if (boot_env.jobid != NULL && boot_env.jobid[0] != '\0') {
        kr_pmi2_frame_add(&b->frame, "pmijobid", boot_env.jobid);
    }
    kr_pmi2_frame_add_int(&b->frame, "pmirank", boot_env.rank);
    kr_pmi2_frame_add_bool(&b->frame, "threaded", false);
    ret = boot_call(b, "fullinit", "fullinit-response");
    if (ret != 0) {
        return ret;
    }
    if (kr_pmi2_msg_get_int(&b->resp, "rank", &b->job.rank) != 0 ||
        kr_pmi2_msg_get_int(&b->resp, "size", &b->job.size) != 0 ||
        b->job.size <= 0 || b->job.rank < 0 || b->job.rank >= b->job.size) {
        KR_LOG_ERR(BOOT, "pmi-2 fullinit: the launcher gave no valid rank/size (rank '%s', "
                   "size '%s')", kr_pmi2_msg_get(&b->resp, "rank"),
                   kr_pmi2_msg_get(&b->resp, "size"));
        return -EPROTO;
    }
    if (boot_env.rank >= 0 && boot_env.rank != b->job.rank) {
        KR_LOG_WARN(BOOT, "PMI_RANK is %d but the launcher says rank %d; using %d",
                    boot_env.rank, b->job.rank, b->job.rank);
    }
    /* Our launcher says so in fullinit; Slurm and Hydra do not (unknown keys are ignored). */
    if (kr_pmi2_msg_get_bool(&b->resp, "kurir", &b->job.kurir_launcher) != 0) {
        b->job.kurir_launcher = false;
    }
    /* Slurm says -1, Hydra and our mpirun 0; both are fine. */
    appnum = kr_pmi2_msg_get(&b->resp, "appnum");
    b->job.appnum = -1;
    if (appnum != NULL && kr_pmi2_msg_get_int(&b->resp, "appnum", &b->job.appnum) != 0) {
        b->job.appnum = -1;
    }
    return 0;
}

static int boot_jobid(struct kr_boot *b)
{
    const char *jobid;
    int ret;

    kr_pmi2_frame_begin(&b->frame, "job-getid");
    ret = boot_call(b, "job-getid", "job-getid-response");
    if (ret != 0) {
        return ret;
    }
    jobid = kr_pmi2_msg_get(&b->resp, "jobid");
    if (jobid == NULL || jobid[0] == '\0' || strlen(jobid) >= sizeof(b->job.jobid)) {
        KR_LOG_ERR(BOOT, "pmi-2 job-getid: missing or too long job id '%s'",
                   jobid != NULL ? jobid : "");
        return -EPROTO;
    }
    snprintf(b->job.jobid, sizeof(b->job.jobid), "%s", jobid);
    return 0;
}

/* info-getjobattr: 0 and the value in b->resp, -ENOENT when the launcher has no such key. */
static int boot_jobattr(struct kr_boot *b, const char *key, const char **value_out)
{
    bool found = false;
    int ret;

    kr_pmi2_frame_begin(&b->frame, "info-getjobattr");
    kr_pmi2_frame_add(&b->frame, "key", key);
    ret = boot_call(b, key, "info-getjobattr-response");
    if (ret != 0) {
        return ret;
    }
    if (kr_pmi2_msg_get_bool(&b->resp, "found", &found) != 0 || !found ||
        kr_pmi2_msg_get(&b->resp, "value") == NULL) {
        return -ENOENT;
    }
    *value_out = kr_pmi2_msg_get(&b->resp, "value");
    return 0;
}

/* No PMI_process_mapping: publish our hostname and number hosts in order of first rank. */
static int boot_hosts_exchange(struct kr_boot *b)
{
    char key[32], host[256], (*names)[256];
    int ret, nnodes = 0;

    if (gethostname(host, sizeof(host)) != 0) {
        ret = -errno;
        KR_LOG_ERR(BOOT, "gethostname failed: %s", strerror(errno));
        return ret;
    }
    host[sizeof(host) - 1] = '\0';
    names = calloc((size_t) b->job.size, sizeof(*names));
    if (names == NULL) {
        return -ENOMEM;
    }
    snprintf(key, sizeof(key), BOOT_HOST_KEY, b->job.rank);
    ret = kr_boot_put(b, key, host);
    if (ret == 0) {
        ret = kr_boot_fence(b);
    }
    for (int r = 0; ret == 0 && r < b->job.size; r++) {
        snprintf(key, sizeof(key), BOOT_HOST_KEY, r);
        ret = kr_boot_get(b, key, names[r], sizeof(names[r]));
        b->node_of[r] = nnodes; /* a new host, unless an earlier rank named it */
        for (int n = 0; ret == 0 && n < r; n++) {
            if (strcmp(names[n], names[r]) == 0) {
                b->node_of[r] = b->node_of[n];
                break;
            }
        }
        nnodes += (b->node_of[r] == nnodes);
    }
    free(names);
    if (ret != 0) {
        KR_LOG_ERR(BOOT, "cannot learn which ranks share a host: %s", strerror(-ret));
        return ret;
    }
    return nnodes;
}

static int boot_layout(struct kr_boot *b)
{
    const char *value;
    int ret, nnodes = -1;

    b->node_of = calloc((size_t) b->job.size, sizeof(int));
    if (b->node_of == NULL) {
        return -ENOMEM;
    }
    ret = boot_jobattr(b, "PMI_process_mapping", &value);
    if (ret == 0) {
        nnodes = kr_pmi2_mapping_parse(value, b->job.size, b->node_of);
        if (nnodes < 0) {
            KR_LOG_WARN(BOOT, "cannot parse PMI_process_mapping '%s'; exchanging hostnames",
                        value);
        }
    } else if (ret != -ENOENT) {
        return ret;
    }
    if (nnodes < 0) {
        nnodes = boot_hosts_exchange(b);
        if (nnodes < 0) {
            return nnodes;
        }
    }
    if (boot_env.fake_hosts > 0) {
        int per = (b->job.size + boot_env.fake_hosts - 1) / boot_env.fake_hosts;

        for (int r = 0; r < b->job.size; r++) {
            b->node_of[r] = r / per;
        }
        nnodes = (b->job.size + per - 1) / per;
    }
    b->job.nnodes = nnodes;
    b->job.node_of = b->node_of;
    ret = boot_jobattr(b, "universeSize", &value);
    if (ret == 0) {
        if (kr_pmi2_msg_get_int(&b->resp, "value", &b->job.universe_size) != 0) {
            b->job.universe_size = -1;
        }
    } else if (ret != -ENOENT) {
        return ret;
    }
    return 0;
}

static int boot_locals(struct kr_boot *b)
{
    struct kr_boot_job *j = &b->job;
    int n = 0;

    j->node = b->node_of[j->rank];
    b->local_ranks = malloc(sizeof(int) * (size_t) j->size);
    if (b->local_ranks == NULL) {
        return -ENOMEM;
    }
    for (int r = 0; r < j->size; r++) {
        if (b->node_of[r] == j->node) {
            if (r == j->rank) {
                j->local_rank = n;
            }
            b->local_ranks[n++] = r;
        }
    }
    j->nlocal = n;
    j->local_ranks = b->local_ranks;
    return 0;
}

static int boot_singleton(struct kr_boot *b)
{
    b->node_of = calloc(1, sizeof(int));
    if (b->node_of == NULL) {
        return -ENOMEM;
    }
    b->job.rank = 0;
    b->job.size = 1;
    b->job.appnum = 0;
    b->job.universe_size = 1;
    b->job.singleton = true;
    b->job.nnodes = 1;
    b->job.node_of = b->node_of;
    snprintf(b->job.jobid, sizeof(b->job.jobid), "singleton-%d", (int) getpid());
    return 0;
}

static void boot_free(struct kr_boot *b)
{
    for (int i = 0; i < b->nkv; i++) {
        free(b->kv[i].key);
        free(b->kv[i].value);
    }
    free(b->kv);
    free(b->node_of);
    free(b->local_ranks);
    if (b->fd >= 0) {
        close(b->fd);
    }
    free(b);
}

int kr_boot_init(struct kr_boot **boot_out)
{
    struct kr_boot *b;
    int ret;

    b = calloc(1, sizeof(*b));
    if (b == NULL) {
        return -ENOMEM;
    }
    b->fd = -1;
    b->job.universe_size = -1;
    if (boot_env.fd < 0) {
        ret = boot_singleton(b);
    } else {
        if (fcntl(boot_env.fd, F_SETFD, FD_CLOEXEC) != 0) {
            ret = -errno;
            KR_LOG_ERR(BOOT, "PMI_FD %d is not an open descriptor: %s", boot_env.fd,
                       strerror(errno));
            goto err_free;
        }
        b->fd = boot_env.fd;
        ret = boot_handshake(b);
        ret = ret != 0 ? ret : boot_fullinit(b);
        ret = ret != 0 ? ret : boot_jobid(b);
        ret = ret != 0 ? ret : boot_layout(b);
    }
    ret = ret != 0 ? ret : boot_locals(b);
    if (ret != 0) {
        goto err_free;
    }
    KR_LOG_INFO(BOOT, "job %s rank %d of %d, %d local on host %d of %d", b->job.jobid,
                b->job.rank, b->job.size, b->job.nlocal, b->job.node, b->job.nnodes);
    *boot_out = b;
    return 0;

err_free:
    boot_free(b);
    return ret;
}

const struct kr_boot_job *kr_boot_job(const struct kr_boot *boot)
{
    return &boot->job;
}

static int boot_kv_check(const char *key, const char *value)
{
    if (key[0] == '\0' || strpbrk(key, ";= \n") != NULL) {
        KR_LOG_ERR(BOOT, "invalid key '%s' (empty, or holds ';', '=', space or newline)", key);
        return -EINVAL;
    }
    if (strlen(value) >= KR_BOOT_VALUE_MAX) {
        KR_LOG_ERR(BOOT, "value for key %s is %zu bytes, longer than the %d allowed", key,
                   strlen(value), KR_BOOT_VALUE_MAX - 1);
        return -EINVAL;
    }
    return 0;
}

static int boot_local_put(struct kr_boot *b, const char *key, const char *value)
{
    struct boot_kv *kv;
    char *v = strdup(value), *k = NULL;

    for (int i = 0; v != NULL && i < b->nkv; i++) {
        if (strcmp(b->kv[i].key, key) == 0) {
            free(b->kv[i].value);
            b->kv[i].value = v;
            return 0;
        }
    }
    kv = v != NULL ? realloc(b->kv, sizeof(*kv) * (size_t) (b->nkv + 1)) : NULL;
    k = kv != NULL ? strdup(key) : NULL;
    if (k == NULL) {
        if (kv != NULL) {
            b->kv = kv;
        }
        free(v);
        return -ENOMEM;
    }
    b->kv = kv;
    b->kv[b->nkv].key = k;
    b->kv[b->nkv].value = v;
    b->nkv++;
    return 0;
}

int kr_boot_put(struct kr_boot *boot, const char *key, const char *value)
{
    int ret = boot_kv_check(key, value);

    if (ret != 0) {
        return ret;
    }
    if (boot->fd < 0) {
        return boot_local_put(boot, key, value);
    }
    kr_pmi2_frame_begin(&boot->frame, "kvs-put");
    kr_pmi2_frame_add(&boot->frame, "key", key);
    kr_pmi2_frame_add(&boot->frame, "value", value);
    return boot_call(boot, "kvs-put", "kvs-put-response");
}

/* Slurm and our own launcher answer kvs-fence once every rank has fenced. Hydra answers at once
 * and instead holds back a kvs-get until every rank has reached that fence. Reading a key that
 * another rank put before the fence gives barrier semantics under both (one more round trip):
 * rank 0 puts the marker everyone else reads, the last rank the one rank 0 reads (its own
 * would be answered from its own cache). */
int kr_boot_fence(struct kr_boot *boot)
{
    int last = boot->job.size - 1, me = boot->job.rank;
    char key[40], value[8];
    int ret = 0;

    if (boot->fd < 0) {
        return 0;
    }
    snprintf(key, sizeof(key), "kurir-fence-%u-%d", boot->nfences, last);
    if (me == last) {
        ret = kr_boot_put(boot, key, "1");
    }
    snprintf(key, sizeof(key), "kurir-fence-%u-0", boot->nfences++);
    if (ret == 0 && me == 0 && last > 0) {
        ret = kr_boot_put(boot, key, "1");
    }
    if (me == 0) {
        snprintf(key, sizeof(key), "kurir-fence-%u-%d", boot->nfences - 1, last);
    }
    if (ret == 0) {
        kr_pmi2_frame_begin(&boot->frame, "kvs-fence");
        ret = boot_call(boot, "kvs-fence", "kvs-fence-response");
    }
    return ret != 0 ? ret : kr_boot_get(boot, key, value, sizeof(value));
}

static int boot_copy_value(const char *key, const char *v, char *value, size_t len)
{
    if (strlen(v) >= len) {
        KR_LOG_ERR(BOOT, "value of key %s is %zu bytes, the buffer holds %zu", key, strlen(v),
                   len);
        return -ENOSPC;
    }
    memcpy(value, v, strlen(v) + 1);
    return 0;
}

int kr_boot_get(struct kr_boot *boot, const char *key, char *value, size_t len)
{
    bool found = false;
    int ret;

    if (boot->fd < 0) {
        for (int i = 0; i < boot->nkv; i++) {
            if (strcmp(boot->kv[i].key, key) == 0) {
                return boot_copy_value(key, boot->kv[i].value, value, len);
            }
        }
        return -ENOENT;
    }
    kr_pmi2_frame_begin(&boot->frame, "kvs-get");
    kr_pmi2_frame_add(&boot->frame, "jobid", boot->job.jobid);
    kr_pmi2_frame_add_int(&boot->frame, "srcid", -1);
    kr_pmi2_frame_add(&boot->frame, "key", key);
    ret = boot_call(boot, "kvs-get", "kvs-get-response");
    if (ret != 0) {
        return ret;
    }
    if (kr_pmi2_msg_get_bool(&boot->resp, "found", &found) != 0 || !found ||
        kr_pmi2_msg_get(&boot->resp, "value") == NULL) {
        return -ENOENT;
    }
    return boot_copy_value(key, kr_pmi2_msg_get(&boot->resp, "value"), value, len);
}

/* Which launcher hears of an abort, and how. Ours reports it (rank, host, code, message) and
 * ends the job with the code. Slurm's slurmstepd understands the PMI-2 `abort` and cancels the
 * step, but prints nothing (the API layer prints the message then). Hydra's PMI-2 server does
 * not know `abort` ("Unrecognized PMI command"), gives up on the whole job and exits 255,
 * losing the code; it does read a PMI-1 line on the same socket (it tells the two apart per
 * message by the leading "cmd="), and its PMI-1 `abort exitcode=N` ends every rank and makes
 * mpiexec exit with N. Hydra is the PMI-2 server that sets no PMI_JOBID. */
static int boot_abort_pmi1(struct kr_boot *boot, int code)
{
    char line[64];
    int n = snprintf(line, sizeof(line), "cmd=abort exitcode=%d\n", code);

    return kr_pmi2_write_all(boot->fd, line, (size_t) n);
}

/* Another launcher kills the job at once and may not have read what we just wrote to stderr
 * (Hydra loses the last lines of a one-rank job): give it up to 200 ms to empty the pipe. */
static void boot_stderr_drain(void)
{
    struct timespec ms = { .tv_sec = 0, .tv_nsec = 1000000 };
    struct stat st;
    int pending = 0;

    if (fstat(STDERR_FILENO, &st) != 0 || !S_ISFIFO(st.st_mode)) {
        return;
    }
    for (int i = 0; i < 200; i++) {
        if (ioctl(STDERR_FILENO, FIONREAD, &pending) != 0 || pending == 0) {
            return;
        }
        nanosleep(&ms, NULL);
    }
}

int kr_boot_abort(struct kr_boot *boot, int code, const char *msg)
{
    int ret;

    if (boot->fd < 0) {
        return 0;
    }
    if (!boot->job.kurir_launcher) {
        boot_stderr_drain();
        if (boot_env.jobid == NULL || boot_env.jobid[0] == '\0') {
            return boot_abort_pmi1(boot, code);
        }
    }
    kr_pmi2_frame_begin(&boot->frame, "abort");
    kr_pmi2_frame_add_bool(&boot->frame, "isworld", true);
    kr_pmi2_frame_add(&boot->frame, "msg", msg != NULL ? msg : "");
    /* Not in the PMI-2 standard: our mpirun reports it, other servers ignore unknown keys. */
    kr_pmi2_frame_add_int(&boot->frame, "code", code);
    ret = kr_pmi2_frame_end(&boot->frame);
    if (ret == -EMSGSIZE) {
        /* A huge message must not stop the abort itself: send it without the text. */
        kr_pmi2_frame_begin(&boot->frame, "abort");
        kr_pmi2_frame_add_bool(&boot->frame, "isworld", true);
        kr_pmi2_frame_add_int(&boot->frame, "code", code);
        ret = kr_pmi2_frame_end(&boot->frame);
    }
    if (ret == 0) {
        /* No reply: the launcher ends the job once we exit. */
        ret = kr_pmi2_write_all(boot->fd, boot->frame.data, boot->frame.len);
    }
    if (ret != 0) {
        KR_LOG_ERR(BOOT, "pmi-2 abort: cannot tell the launcher: %s", strerror(-ret));
    }
    return ret;
}

void kr_boot_finalize(struct kr_boot *boot)
{
    if (boot == NULL) {
        return;
    }
    if (boot->fd >= 0) {
        kr_pmi2_frame_begin(&boot->frame, "finalize");
        (void) boot_call(boot, "finalize", "finalize-response"); /* logs if it fails */
    }
    boot_free(boot);
}

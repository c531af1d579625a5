/* MPI_Init / MPI_Finalize / MPI_Abort and the thread-level queries: bringing the layers up
 * (settings, bootstrap, transports, engine, communicators) and down again. */
#include "config.h"

#include "api.h"

#include "coll/coll.h"
#include "topo/topo.h"
#include "transport/tport.h"
#include "util/biglock.h"
#include "util/errors.h"
#include "util/log.h"
#include "util/settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct kr_api_state kr_api;

static int init_tport(const struct kr_tport_ops *ops, const struct kr_tport_job *tj)
{
    struct kr_tport_cb cb;
    struct kr_tport *tp;
    int ret;

    kr_pt2pt_tport_cb(kr_api.pt, &cb);
    ret = ops->open(tj, &cb, &tp);
    if (ret != 0) {
        return ret;
    }
    kr_api.tports[kr_api.ntports++] = tp;
    return kr_pt2pt_add_tport(kr_api.pt, tp);
}

/* The PMI key-value space, as transports see it. */
static int init_kvs_put(void *ctx, const char *key, const char *value)
{
    return kr_boot_put(ctx, key, value);
}

static int init_kvs_get(void *ctx, const char *key, char *value, size_t len)
{
    return kr_boot_get(ctx, key, value, len);
}

enum { INIT_T_SHM = 0x1, INIT_T_TCP = 0x2, INIT_T_OFI = 0x4 };

/* KURIR_TRANSPORTS as a mask; -EINVAL (logged) for an unknown or unavailable name. */
static int init_transport_mask(const char *spec)
{
    const char *p = spec;
    int mask = 0;

    while (*p != '\0') {
        size_t n = strcspn(p, ",");

        if (n == 3 && strncmp(p, "shm", 3) == 0) {
            mask |= INIT_T_SHM;
        } else if (n == 3 && strncmp(p, "tcp", 3) == 0) {
            mask |= INIT_T_TCP;
        } else if (n == 3 && strncmp(p, "ofi", 3) == 0 && KR_HAVE_OFI) {
            mask |= INIT_T_OFI;
        } else if ((n == 4 && strncmp(p, "self", 4) == 0) || (n == 4 && strncmp(p, "loop", 4) == 0)) {
            /* always there */
        } else {
            KR_LOG_ERR(CORE, "KURIR_TRANSPORTS=%s: '%.*s' is not a transport of this build "
                       "(available: shm, %stcp)", spec, (int) n, p,
                       KR_HAVE_OFI ? "ofi, " : "");
            return -EINVAL;
        }
        p += n;
        p += *p == ',';
    }
    return mask;
}

/* May the network peers use ofi? Forced (ofi listed without tcp): it must work, else the
 * error names the providers found. Otherwise only when a high-speed provider is present or
 * the user named one (a named one that is missing is an error too). Asked only when some peer
 * needs the network, so shm-only jobs never load libfabric, and only on hosts with fabric
 * devices, so Ethernet-only clusters do not pay for libfabric's provider scan. */
static int init_ofi_usable(int mask)
{
#if KR_HAVE_OFI
    bool forced = (mask & INIT_T_TCP) == 0;
    char prov[64], have[512];

    if (!forced && kr_ofi_tport_wanted()[0] == '\0' && !kr_ofi_hw_present()) {
        return 0;
    }
    if (kr_ofi_tport_probe(forced, prov, sizeof(prov), have, sizeof(have)) == 0) {
        return 1;
    }
    if (forced) {
        KR_LOG_ERR(CORE, "KURIR_TRANSPORTS=%s: no usable libfabric provider%s%s (providers "
                   "found: %s)", kr_api_cfg.transports, kr_ofi_tport_wanted()[0] != '\0'
                   ? " named " : "", kr_ofi_tport_wanted(), have);
        return -ENOENT;
    }
    if (kr_ofi_tport_wanted()[0] != '\0') {
        KR_LOG_ERR(CORE, "libfabric provider '%s' is not available here (providers found: %s)",
                   kr_ofi_tport_wanted(), have);
        return -ENOENT;
    }
#else
    (void) mask;
#endif
    return 0;
}

/* Which transport reaches each peer: self -> loop; same host -> shm if allowed; otherwise ofi
 * when it may be used (init_ofi_usable), else tcp. Every rank computes the same answer from
 * the same facts (hosts with the same libfabric providers). */
static int init_choose(const struct kr_boot_job *job, int mask, int *use_out)
{
    int use = 0, ofi = -1;

    for (int r = 0; r < job->size; r++) {
        bool local = job->node_of[r] == job->node;

        if (r == job->rank) {
            continue;
        }
        if (local && (mask & INIT_T_SHM) != 0) {
            use |= INIT_T_SHM;
            continue;
        }
        if (ofi < 0 && (mask & INIT_T_OFI) != 0) {
            ofi = init_ofi_usable(mask);
            if (ofi < 0) {
                return ofi;
            }
        }
        if (ofi > 0) {
            use |= INIT_T_OFI;
        } else if ((mask & INIT_T_TCP) != 0) {
            use |= INIT_T_TCP;
        } else {
            KR_LOG_ERR(CORE, "KURIR_TRANSPORTS=%s leaves no way to reach rank %d (on %s)",
                       kr_api_cfg.transports, r, local ? "this host" : "another host");
            return -EHOSTUNREACH;
        }
    }
    *use_out = use;
    return 0;
}

/* Open the transports this job needs and route every peer through one of them. */
static int init_transports(const struct kr_boot_job *job)
{
    static struct kr_tport_kvs kvs;
    struct kr_tport_job tj = {
        .rank = job->rank, .size = job->size, .jobid = job->jobid, .node = job->node,
        .nlocal = job->nlocal, .local_rank = job->local_rank, .local_ranks = job->local_ranks,
        .ncores = kr_topo_cpus_host(),
        .host_shared_bytes = kr_coll_shm_bytes(job->nlocal),
        .nnodes = job->nnodes, .node_of = job->node_of,
    };
    struct kr_tport *shm = NULL, *net = NULL;
    int mask, use, ret;

    kvs.ctx = kr_api.boot;
    kvs.put = init_kvs_put;
    kvs.get = init_kvs_get;
    tj.kvs = job->singleton ? NULL : &kvs;
    mask = init_transport_mask(kr_api_cfg.transports);
    if (mask < 0) {
        return mask;
    }
    ret = init_choose(job, mask, &use);
    if (ret != 0) {
        return ret;
    }
    ret = init_tport(&kr_loop_tport_ops, &tj);
    if (ret != 0) {
        return ret;
    }
    kr_pt2pt_set_route(kr_api.pt, job->rank, kr_api.tports[0]);
    /* shm before tcp: the first transport that can sleep is the one waits sleep in. */
    if ((use & INIT_T_SHM) != 0) {
        ret = init_tport(&kr_shm_tport_ops, &tj);
        if (ret != 0) {
            return ret;
        }
        shm = kr_api.tports[kr_api.ntports - 1];
    }
    if ((use & INIT_T_TCP) != 0) {
        ret = init_tport(&kr_tcp_tport_ops, &tj);
        if (ret != 0) {
            return ret;
        }
        net = kr_api.tports[kr_api.ntports - 1];
    }
#if KR_HAVE_OFI
    if ((use & INIT_T_OFI) != 0) {
        ret = init_tport(&kr_ofi_tport_ops, &tj);
        if (ret != 0) {
            return ret;
        }
        net = kr_api.tports[kr_api.ntports - 1];
    }
#endif
    for (int r = 0; r < job->size; r++) {
        if (r != job->rank) {
            bool local = job->node_of[r] == job->node;

            kr_pt2pt_set_route(kr_api.pt, r, local && shm != NULL ? shm : net);
        }
    }
    kr_pt2pt_set_oversubscribed(kr_api.pt, job->nlocal > tj.ncores);
    return 0;
}

/* "2,4-7": the ranks in `ranks` (ascending, n of them) as compact ranges. */
static void init_ranges(const int *ranks, int n, char *buf, size_t len)
{
    size_t off = 0;

    buf[0] = '\0';
    for (int i = 0; i < n && off < len; i++) {
        int j = i;

        while (j + 1 < n && ranks[j + 1] == ranks[j] + 1) {
            j++;
        }
        off += (size_t) snprintf(buf + off, len - off, j > i ? "%s%d-%d" : "%s%d",
                                 off > 0 ? "," : "", ranks[i], ranks[j]);
        i = j;
    }
}

/* KURIR_REPORT_TRANSPORTS: one line per rank, "kurir: rank 0 (host a): shm→1 tcp→2,3
 * self→0". Printed with fprintf, not the log: it is output the user asked for, not a
 * diagnostic, and must appear whatever KURIR_LOG says. */
static void init_report_transports(void)
{
    char line[4096], ranges[2048];
    int *ranks = malloc(sizeof(int) * (size_t) kr_api.size);
    size_t off;

    if (ranks == NULL) {
        return;
    }
    off = (size_t) snprintf(line, sizeof(line), "kurir: rank %d (host %s):", kr_api.rank,
                            kr_api.host);
    for (int t = kr_api.ntports - 1; t >= 0 && off < sizeof(line); t--) {
        struct kr_tport *tp = kr_api.tports[t];
        int n = 0;

        for (int r = 0; r < kr_api.size; r++) {
            if (kr_pt2pt_route(kr_api.pt, r) == tp) {
                ranks[n++] = r;
            }
        }
        if (n == 0) {
            continue;
        }
        init_ranges(ranks, n, ranges, sizeof(ranges));
        off += (size_t) snprintf(line + off, sizeof(line) - off, " %s\u2192%s",
                                 tp->ops == &kr_loop_tport_ops ? "self" : tp->ops->name,
                                 ranges);
    }
    free(ranks);
    fprintf(stderr, "%s\n", line);
    fflush(stderr);
}

/* Transports finish wiring up once every rank has opened them (the boot fence). */
static int init_start_transports(const struct kr_boot_job *job)
{
    int ret;

    if (job->size > 1) {
        ret = kr_boot_fence(kr_api.boot);
        if (ret != 0) {
            return ret;
        }
    }
    for (int i = 0; i < kr_api.ntports; i++) {
        if (kr_api.tports[i]->ops->start != NULL) {
            ret = kr_api.tports[i]->ops->start(kr_api.tports[i]);
            if (ret != 0) {
                return ret;
            }
        }
    }
    return 0;
}

/* Communicators of ranks on this host share memory for collectives when a transport offers
 * it. */
static int init_comms(const struct kr_boot_job *job)
{
    struct kr_host_shared hs;
    int ret;

    ret = kr_comm_create_world(kr_api.pt, job->size, &kr_api.world);
    if (ret == 0) {
        ret = kr_comm_create_self(kr_api.pt, job->rank, &kr_api.self);
    }
    if (ret != 0) {
        return ret;
    }
    kr_comm_ids_init(&kr_api.ids);
    kr_api.world->errh = MPI_ERRORS_ARE_FATAL;
    kr_api.self->errh = MPI_ERRORS_ARE_FATAL;
    for (int i = 0; i < kr_api.ntports; i++) {
        struct kr_tport *tp = kr_api.tports[i];

        if (tp->ops->host_shared != NULL && tp->ops->host_shared(tp, &hs) == 0) {
            ret = kr_coll_host_create(&hs, job->size, job->nlocal, job->local_ranks,
                                      &kr_api.coll_host);
            if (ret != 0) {
                return ret;
            }
            break;
        }
    }
    kr_api.world->host = kr_api.coll_host;
    kr_api.self->host = kr_api.coll_host;
    /* communicators made from the world inherit the layout (node-aware collectives) */
    kr_api.world->job_node = job->nnodes > 1 ? job->node_of : NULL;
    return kr_coll_shm_attach(kr_api.world, true);
}

int kr_api_settings_load(char *err, size_t errlen)
{
    static bool loaded;
    int ret;

    if (loaded) {
        return 0;
    }
    ret = kr_settings_load(err, errlen);
    loaded = ret == 0;
    return ret;
}

static int init_runtime(void)
{
    const struct kr_boot_job *job;
    char err[512];
    int ret;

    ret = kr_api_settings_load(err, sizeof(err));
    if (ret != 0) {
        fprintf(stderr, "kurir: %s\n", err);
        return ret;
    }
    kr_log_set_identity("kurir", -1);
    ret = kr_boot_init(&kr_api.boot);
    if (ret != 0) {
        return ret;
    }
    job = kr_boot_job(kr_api.boot);
    kr_api.rank = job->rank;
    kr_api.size = job->size;
    kr_log_set_identity("kurir", job->rank);
    ret = kr_pt2pt_create(job->rank, job->size, &kr_api.pt);
    if (ret == 0) {
        ret = init_transports(job);
    }
    if (ret == 0) {
        ret = init_start_transports(job);
    }
    if (ret == 0) {
        ret = init_comms(job);
    }
    if (ret != 0) {
        return ret;
    }
    if (gethostname(kr_api.host, sizeof(kr_api.host)) != 0) {
        snprintf(kr_api.host, sizeof(kr_api.host), "unknown");
    }
    kr_api.host[sizeof(kr_api.host) - 1] = '\0';
    if (kr_api_cfg.report_transports) {
        init_report_transports();
    }
    return 0;
}

/* Who uses the runtime: the world model (MPI_Init .. MPI_Finalize) and live sessions. The
 * runtime comes up with the first of them and goes down when the last is done; it cannot come
 * up a second time in a process (the launcher connection is used once). */
static struct {
    bool world;      /* MPI_Init was called */
    bool world_done; /* MPI_Finalize was called */
    bool attrs_done; /* kr_api_comm_finalize ran */
    int sessions;
} init_users;

/* The level granted for `required`: what was asked for, up to KURIR_THREAD_LEVEL. Any level
 * is safe without a lock but MPI_THREAD_MULTIPLE, which turns on the process lock; a value
 * that names no level counts as MPI_THREAD_SINGLE, as MPI asks. */
static int init_level(int required)
{
    static const int levels[] = { MPI_THREAD_SINGLE, MPI_THREAD_FUNNELED, MPI_THREAD_SERIALIZED,
                                  MPI_THREAD_MULTIPLE };
    int cap = levels[kr_api_cfg.thread_level];

    if (required != MPI_THREAD_FUNNELED && required != MPI_THREAD_SERIALIZED
        && required != MPI_THREAD_MULTIPLE) {
        required = MPI_THREAD_SINGLE;
    }
    return required < cap ? required : cap;
}

/* Grant `required` (as init_level caps it) on top of what earlier users got: the process runs
 * at the highest level any user asked for, and MPI_THREAD_MULTIPLE turns the process lock on
 * (util/biglock.h; whoever asks runs at a lower level until then, so no other thread is inside
 * MPI). Returns the level this user gets. */
static int init_grant(int required)
{
    int level = init_level(required);

    if (level > kr_api.thread_level) {
        kr_api.thread_level = level;
        if (level == MPI_THREAD_MULTIPLE) {
            kr_biglock_enable();
        }
    }
    return level;
}

/* Bring the runtime up if it is not; MPI_SUCCESS or the error reported. */
static int init_up(const char *call, int required)
{
    int ret;

    if (kr_api.phase == KR_API_FINALIZED) {
        return kr_api_error(NULL, MPI_ERR_OTHER,
                            "%s: MPI was finalized and cannot be started "
                            "again in this process",
                            call);
    }
    if (kr_api.phase == KR_API_RUNNING) {
        return MPI_SUCCESS;
    }
    ret = init_runtime();
    if (ret != 0) {
        char msg[128];

        snprintf(msg, sizeof(msg), "%s failed: %s", call,
                 ret > -KR_ERR_BASE ? strerror(-ret) : "internal error");
        KR_LOG_ERR(CORE, "%s", msg);
        if (kr_api.boot != NULL) {
            kr_api_abort(1, msg);
        }
        exit(1);
    }
    kr_api.main_thread = pthread_self();
    kr_api.thread_level = MPI_THREAD_SINGLE;
    init_grant(required);
    kr_api.phase = KR_API_RUNNING;
    return MPI_SUCCESS;
}

static int init_common(const char *call, int required, int *provided)
{
    int ret;

    if (init_users.world) {
        return kr_api_error(NULL, MPI_ERR_OTHER, "%s: MPI is already %s", call,
                            init_users.world_done ? "finalized" : "initialized");
    }
    ret = init_up(call, required);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    init_users.world = true;
    /* a later user may ask for more than the first one got */
    ret = init_grant(required);
    if (provided != NULL) {
        *provided = ret;
    }
    return MPI_SUCCESS;
}

int kr_api_runtime_acquire(const char *call, int required, int *provided_out)
{
    int ret = init_up(call, required);

    if (ret == MPI_SUCCESS) {
        init_users.sessions++;
        *provided_out = init_grant(required);
    }
    return ret;
}

/* Everything MPI_Init built, taken down; collective over the job (a barrier on the world). */
static int init_down(const char *call)
{
    int ret;

    if (!init_users.attrs_done) {
        init_users.attrs_done = true;
        kr_api_comm_finalize(); /* issue #4: MPI_COMM_SELF's attributes are deleted first */
    }
    /* Finalize is collective: once everyone is here, all traffic between us is complete and
     * queued control messages have gone out. */
    ret = kr_coll_barrier(kr_api.world);
    if (ret != 0) {
        return kr_api_fail(kr_api.world, call, ret);
    }
    kr_api.phase = KR_API_FINALIZED;
    kr_api_errh_release(kr_api.world->errh);
    kr_api_errh_release(kr_api.self->errh);
    kr_comm_free(kr_api.world, &kr_api.ids);
    kr_comm_free(kr_api.self, &kr_api.ids);
    kr_coll_host_destroy(kr_api.coll_host);
    kr_api.coll_host = NULL;
    /* Transports close before the engine goes: a watch thread armed by the last sleep may
     * still report into the engine, and a goodbye may deliver a late message to it. */
    for (int i = kr_api.ntports - 1; i >= 0; i--) {
        kr_api.tports[i]->ops->close(kr_api.tports[i]);
    }
    kr_api.ntports = 0;
    kr_pt2pt_destroy(kr_api.pt);
    kr_api.pt = NULL;
    kr_boot_finalize(kr_api.boot);
    kr_topo_fini();
    kr_api.boot = NULL;
    return MPI_SUCCESS;
}

int kr_api_runtime_release(const char *call)
{
    init_users.sessions--;
    if (init_users.sessions > 0 || (init_users.world && !init_users.world_done)) {
        return MPI_SUCCESS;
    }
    return init_down(call);
}

KR_WEAK_ALIAS(Init)
int PMPI_Init(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    return init_common("MPI_Init", MPI_THREAD_SINGLE, NULL);
}

KR_WEAK_ALIAS(Init_thread)
int PMPI_Init_thread(int *argc, char ***argv, int required, int *provided)
{
    (void) argc;
    (void) argv;
    if (provided == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Init_thread: provided is NULL");
    }
    return init_common("MPI_Init_thread", required, provided);
}

KR_WEAK_ALIAS(Finalize)
int PMPI_Finalize(void)
{
    if (kr_api.phase != KR_API_RUNNING) {
        kr_api_not_running("MPI_Finalize");
    }
    if (!init_users.world || init_users.world_done) {
        return kr_api_error(NULL, MPI_ERR_OTHER, "MPI_Finalize: %s",
                            init_users.world_done ? "MPI is already finalized"
                                                  : "MPI_Init was not called");
    }
    /* MPI_COMM_SELF's attributes are deleted first, while MPI_Finalized still says false */
    init_users.attrs_done = true;
    kr_api_comm_finalize();
    init_users.world_done = true;
    if (init_users.sessions > 0) {
        return MPI_SUCCESS; /* sessions keep the runtime: only the world model ends */
    }
    return init_down("MPI_Finalize");
}

KR_WEAK_ALIAS(Initialized)
int PMPI_Initialized(int *flag)
{
    if (flag == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Initialized: flag is NULL");
    }
    *flag = init_users.world; /* sessions alone do not initialize the world model */
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Finalized)
int PMPI_Finalized(int *flag)
{
    if (flag == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Finalized: flag is NULL");
    }
    *flag = init_users.world_done;
    return MPI_SUCCESS;
}

/* Kurir's mpirun prints who aborted; under srun, mpiexec.hydra or as a singleton the rank
 * says it itself, or the job would end without a word. */
static void api_abort_say(int errorcode)
{
    const struct kr_boot_job *job = kr_api.boot != NULL ? kr_boot_job(kr_api.boot) : NULL;
    char host[256] = "?";

    if (job != NULL && job->kurir_launcher) {
        return;
    }
    (void) gethostname(host, sizeof(host));
    host[sizeof(host) - 1] = '\0';
    fprintf(stderr, "kurir: rank %d on host %s (pid %d) called MPI_Abort with error code %d\n",
            job != NULL ? job->rank : 0, host, (int) getpid(), errorcode);
}

KR_WEAK_ALIAS(Abort)
int PMPI_Abort(MPI_Comm comm, int errorcode)
{
    char msg[128];

    (void) comm; /* the whole job ends, whatever the communicator */
    snprintf(msg, sizeof(msg), "MPI_Abort called with error code %d", errorcode);
    api_abort_say(errorcode);
    kr_api_abort(errorcode, msg);
}

KR_WEAK_ALIAS(Query_thread)
int PMPI_Query_thread(int *provided)
{
    kr_api_check_running("MPI_Query_thread");
    if (provided == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Query_thread: provided is NULL");
    }
    *provided = kr_api.thread_level;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Is_thread_main)
int PMPI_Is_thread_main(int *flag)
{
    kr_api_check_running("MPI_Is_thread_main");
    if (flag == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Is_thread_main: flag is NULL");
    }
    *flag = pthread_equal(pthread_self(), kr_api.main_thread);
    return MPI_SUCCESS;
}

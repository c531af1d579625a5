/* MPI_Init / MPI_Finalize / MPI_Abort and the thread-level queries: bringing the layers up
 * (settings, bootstrap, transports, engine, communicators) and down again. */
#include "config.h"

#include "api.h"

#include "coll/coll.h"
#include "topo/topo.h"
#include "transport/tport.h"
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

/* Open the transports this job needs and route every peer through one of them. */
static int init_transports(const struct kr_boot_job *job)
{
    struct kr_tport_job tj = {
        .rank = job->rank, .size = job->size, .jobid = job->jobid, .node = job->node,
        .nlocal = job->nlocal, .local_rank = job->local_rank, .local_ranks = job->local_ranks,
        .ncores = kr_topo_cpus_allowed(),
        .host_shared_bytes = kr_coll_shm_bytes(job->nlocal),
    };
    int ret;

    if (job->nnodes > 1) {
        KR_LOG_ERR(CORE, "this job spans %d hosts, but this Kurir build has no network "
                   "transport yet", job->nnodes);
        return -EHOSTUNREACH;
    }
    ret = init_tport(&kr_loop_tport_ops, &tj);
    if (ret != 0) {
        return ret;
    }
    kr_pt2pt_set_route(kr_api.pt, job->rank, kr_api.tports[0]);
    if (job->nlocal > 1) {
        ret = init_tport(&kr_shm_tport_ops, &tj);
        if (ret != 0) {
            return ret;
        }
        for (int i = 0; i < job->nlocal; i++) {
            if (job->local_ranks[i] != job->rank) {
                kr_pt2pt_set_route(kr_api.pt, job->local_ranks[i], kr_api.tports[1]);
            }
        }
    }
    kr_pt2pt_set_oversubscribed(kr_api.pt, job->nlocal > tj.ncores);
    return 0;
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

static int init_runtime(void)
{
    const struct kr_boot_job *job;
    char err[512];
    int ret;

    ret = kr_settings_load(err, sizeof(err));
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
    return 0;
}

static int init_common(const char *call, int required, int *provided)
{
    int ret;

    if (kr_api.phase != KR_API_BEFORE_INIT) {
        return kr_api_error(NULL, MPI_ERR_OTHER, "%s: MPI is already %s", call,
                            kr_api.phase == KR_API_RUNNING ? "initialized" : "finalized");
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
    /* No hidden thread-unsafe state is touched from a thread that does not hold the right to
     * call MPI, so serialized calls from any thread are fine; concurrent ones are not yet. */
    kr_api.thread_level = required < MPI_THREAD_SERIALIZED ? required : MPI_THREAD_SERIALIZED;
    if (kr_api.thread_level < MPI_THREAD_SINGLE) {
        kr_api.thread_level = MPI_THREAD_SINGLE;
    }
    if (provided != NULL) {
        *provided = kr_api.thread_level;
    }
    kr_api.phase = KR_API_RUNNING;
    return MPI_SUCCESS;
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
    int ret;

    kr_api_check_running("MPI_Finalize");
    kr_api_comm_finalize(); /* issue #4: MPI_COMM_SELF's attributes are deleted first */
    /* Finalize is collective: once everyone is here, all traffic between us is complete and
     * queued control messages have gone out. */
    ret = kr_coll_barrier(kr_api.world);
    if (ret != 0) {
        return kr_api_fail(kr_api.world, "MPI_Finalize", ret);
    }
    kr_api.phase = KR_API_FINALIZED;
    kr_api_errh_release(kr_api.world->errh);
    kr_api_errh_release(kr_api.self->errh);
    kr_comm_free(kr_api.world, &kr_api.ids);
    kr_comm_free(kr_api.self, &kr_api.ids);
    kr_coll_host_destroy(kr_api.coll_host);
    kr_api.coll_host = NULL;
    kr_pt2pt_destroy(kr_api.pt);
    kr_api.pt = NULL;
    for (int i = kr_api.ntports - 1; i >= 0; i--) {
        kr_api.tports[i]->ops->close(kr_api.tports[i]);
    }
    kr_api.ntports = 0;
    kr_boot_finalize(kr_api.boot);
    kr_api.boot = NULL;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Initialized)
int PMPI_Initialized(int *flag)
{
    if (flag == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Initialized: flag is NULL");
    }
    *flag = kr_api.phase != KR_API_BEFORE_INIT;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(Finalized)
int PMPI_Finalized(int *flag)
{
    if (flag == NULL) {
        return kr_api_error(NULL, MPI_ERR_ARG, "MPI_Finalized: flag is NULL");
    }
    *flag = kr_api.phase == KR_API_FINALIZED;
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

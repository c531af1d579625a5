/* Bootstrap: the library's PMI-2 wire-protocol client. Gives each process its rank, the job
 * size, which ranks share its host, and a key-value space with fences for business cards.
 * Without PMI_FD in the environment the process is a singleton (rank 0 of 1). */
#ifndef KR_BOOT_BOOT_H
#define KR_BOOT_BOOT_H

#include "util/settings.h"

#include <stdbool.h>
#include <stddef.h>

#define KR_BOOT_JOBID_MAX 128
#define KR_BOOT_VALUE_MAX 1024 /* longest value kr_boot_put/get carry */

struct kr_boot;

/* What the launcher told us about the job. Arrays are owned by the kr_boot handle. */
struct kr_boot_job {
    int rank;              /* this process, 0..size-1 */
    int size;              /* ranks in the job */
    int appnum;            /* -1 when the launcher does not say */
    int universe_size;     /* -1 when unknown */
    bool singleton;        /* started without a launcher */
    bool kurir_launcher;   /* the launcher is Kurir's mpirun: it reports MPI_Abort itself */
    char jobid[KR_BOOT_JOBID_MAX];
    int nnodes;            /* hosts in the job */
    int node;              /* this process's host index, 0..nnodes-1 */
    const int *node_of;    /* node_of[r]: host index of rank r (size entries) */
    int nlocal;            /* ranks on this host (including this one) */
    int local_rank;        /* index of this rank among them */
    const int *local_ranks; /* world ranks on this host, ascending (nlocal entries) */
};

/* Connect to the launcher (PMI_FD/PMI_RANK/PMI_SIZE, PMI_JOBID under Slurm), run the PMI-2
 * handshake and learn the job layout (PMI_process_mapping, or a hostname exchange through the
 * key-value space when the launcher has no mapping). Blocks. Returns 0, or a negative errno
 * after logging what went wrong (-EPROTO for a malformed or refused exchange). */
int kr_boot_init(struct kr_boot **boot_out);

const struct kr_boot_job *kr_boot_job(const struct kr_boot *boot);

/* Publish key=value for the other ranks; visible to them after the next fence. Keys and
 * values are printable ASCII without ';' or '=' (values up to KR_BOOT_VALUE_MAX - 1). */
int kr_boot_put(struct kr_boot *boot, const char *key, const char *value);

/* Collective over all ranks of the job: returns once every rank has called it, and makes
 * every earlier put visible. */
int kr_boot_fence(struct kr_boot *boot);

/* Read a value published by any rank before the last fence. Returns 0, -ENOENT when no
 * rank published `key`, -ENOSPC when `len` is too small. */
int kr_boot_get(struct kr_boot *boot, const char *key, char *value, size_t len);

/* Tell the launcher that this rank aborts the job with `code` and reason `msg`; the caller
 * exits with `code` afterwards. Kurir's launcher and Slurm get PMI-2 `abort`, Hydra (whose
 * PMI-2 server lacks it) its PMI-1 `abort exitcode=`; under a foreign launcher stderr is given
 * a moment to drain first. Safe to call at any time after kr_boot_init. */
int kr_boot_abort(struct kr_boot *boot, int code, const char *msg);

/* Say goodbye to the launcher (PMI-2 finalize) and free the handle. */
void kr_boot_finalize(struct kr_boot *boot);

/* Settings read by the bootstrap (PMI_* variables set by launchers). */
extern const struct kr_setting kr_boot_settings[];

#endif /* KR_BOOT_BOOT_H */

/* Which batch allocation mpirun runs in: Slurm (SLURM_JOB_ID with SLURM_JOB_NODELIST and
 * SLURM_TASKS_PER_NODE) or PBS / Torque (PBS_NODEFILE), read through the caller's getter. */
#include "config.h"

#include "alloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DETECT_FILE_MAX (64 << 20)

static const char *detect_get(const char *(*get)(void *, const char *), void *arg,
                              const char *name)
{
    const char *v = get(arg, name);

    return v != NULL && v[0] != '\0' ? v : NULL;
}

static int detect_slurm(const char *(*get)(void *, const char *), void *arg,
                        struct kr_alloc *a, char *err, size_t errlen)
{
    const char *nodes = detect_get(get, arg, "SLURM_JOB_NODELIST");
    const char *tasks = detect_get(get, arg, "SLURM_TASKS_PER_NODE");
    const char *cpus = detect_get(get, arg, "SLURM_JOB_CPUS_PER_NODE");
    const char *self;
    int ret;

    /* mpirun run by srun inside the job (`srun -N 1 -n 1 mpirun ...`): srun replaced
     * SLURM_TASKS_PER_NODE with its step's layout, while SLURM_JOB_NODELIST still names all
     * the job's nodes. The job's CPUs per node are then the slots. */
    if (detect_get(get, arg, "SLURM_STEP_NODELIST") != NULL && cpus != NULL) {
        tasks = cpus;
    }

    if (nodes == NULL) {
        nodes = detect_get(get, arg, "SLURM_NODELIST"); /* older Slurm */
    }
    if (nodes == NULL || tasks == NULL) {
        snprintf(err, errlen, "SLURM_JOB_ID is set but %s is not (use -H or --hostfile, or "
                 "unset SLURM_JOB_ID to run on this host only)",
                 nodes == NULL ? "SLURM_JOB_NODELIST" : "SLURM_TASKS_PER_NODE");
        return -EINVAL;
    }
    self = detect_get(get, arg, "SLURMD_NODENAME");
    ret = kr_alloc_slurm(a, nodes, tasks, cpus, err, errlen);
    if (ret == 0 && self != NULL) {
        a->self = strdup(self);
        if (a->self == NULL) {
            kr_alloc_free(a);
            ret = -ENOMEM;
        }
    }
    return ret;
}

static int detect_pbs(const char *path, struct kr_alloc *a, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char *text;
    size_t len;
    int ret;

    if (f == NULL) {
        snprintf(err, errlen, "cannot read PBS_NODEFILE '%s': %s", path, strerror(errno));
        return -EINVAL;
    }
    text = malloc(DETECT_FILE_MAX + 1);
    if (text == NULL) {
        fclose(f);
        return -ENOMEM;
    }
    len = fread(text, 1, DETECT_FILE_MAX, f);
    if (ferror(f) || memchr(text, '\0', len) != NULL) {
        snprintf(err, errlen, "cannot read PBS_NODEFILE '%s': %s", path,
                 ferror(f) ? strerror(errno) : "not a text file");
        ret = -EINVAL;
    } else {
        text[len] = '\0';
        ret = kr_alloc_pbs_text(a, path, text, err, errlen);
    }
    free(text);
    fclose(f);
    return ret;
}

int kr_alloc_detect(const char *(*get)(void *arg, const char *name), void *arg,
                    struct kr_alloc *a, char *err, size_t errlen)
{
    const char *pbs;

    memset(a, 0, sizeof(*a));
    if (detect_get(get, arg, "SLURM_JOB_ID") != NULL) {
        return detect_slurm(get, arg, a, err, errlen);
    }
    pbs = detect_get(get, arg, "PBS_NODEFILE");
    if (pbs != NULL) {
        return detect_pbs(pbs, a, err, errlen);
    }
    return 0;
}

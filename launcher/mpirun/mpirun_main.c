/* mpirun (also installed as mpiexec): Kurir's launcher for jobs on this host. */
#include "config.h"

#include "mpirun.h"

#include "util/log.h"
#include "util/settings.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* Closed stdin/stdout/stderr would be handed out as pipe or socket descriptors and confuse
 * everything that follows: park /dev/null on them first. */
static void mpirun_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) < 0) {
            int nfd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);

            if (nfd >= 0 && nfd != fd) {
                dup2(nfd, fd);
                close(nfd);
            }
        }
    }
}

/* KURIR_LOG for mpirun itself. Only util's settings are read: the library's KURIR_* variables
 * are meant for the ranks, which inherit them, so they are not warned about here. */
static int mpirun_log_setup(void)
{
    const char *spec = NULL;
    char err[256];

    for (const struct kr_setting *s = kr_util_settings; s->name != NULL; s++) {
        if (strcmp(s->name, "LOG") == 0) {
            spec = kr_setting_env_value(s, environ);
        }
    }

    kr_log_set_identity("mpirun", -1);
    if (spec != NULL && kr_log_configure(spec, err, sizeof(err)) != 0) {
        fprintf(stderr, "mpirun: KURIR_LOG=%s: %s\n", spec, err);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct kr_mpirun_opts o;
    int ret;

    mpirun_std_fds();
    if (mpirun_log_setup() != 0) {
        return KR_MPIRUN_EXIT_USAGE;
    }
    ret = kr_mpirun_opts_parse(argc, argv, &o);
    if (ret != 0) {
        kr_mpirun_opts_free(&o);
        return ret == 1 ? 0 : ret;
    }
    ret = kr_mpirun_job_run(&o);
    kr_mpirun_opts_free(&o);
    return ret;
}

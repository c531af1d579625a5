/* mpirun's command line: options, Open MPI compatibility no-ops, and checking that the
 * program can be run before anything is started. */
#include "config.h"

#include "mpirun.h"

#include "alloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static const char opts_usage[] =
    "Usage: mpirun [options] program [args...]     (also installed as mpiexec)\n"
    "       mpirun [global options] [-n N] [-x VAR] [-wdir DIR] prog1 [args] : [-n N] [-x VAR]\n"
    "              [-wdir DIR] prog2 [args] : ...\n"
    "\n"
    "Start N copies of program as one MPI job. Everything after the program name (up to a\n"
    "lone ':') is passed to the program. With ':' several programs share one MPI_COMM_WORLD\n"
    "(MPMD): their ranks follow each other and each program's index is its ranks' MPI_APPNUM.\n"
    "\n"
    "Options of each program (before it; before the first program -x and -wdir apply to all):\n"
    "  -n N, -np N        number of ranks (default 1; with -H/--hostfile and one program,\n"
    "                     every slot); more ranks than cores is fine\n"
    "  -x VAR[=VALUE]     set VAR in the ranks; VAR alone passes mpirun's value (repeatable)\n"
    "  -wdir DIR, --wdir DIR\n"
    "                     run the ranks in DIR (also -wd); it must exist; a relative DIR or\n"
    "                     ./program is taken from mpirun's working directory\n"
    "\n"
    "Options of the whole job:\n"
    "  -H, --host LIST    hosts and their slots: \"a,b:4\" (bare name: 1 slot; repeatable)\n"
    "  --hostfile F, --machinefile F\n"
    "                     hosts from file F, one per line: \"host\", \"host slots=4\" or\n"
    "                     \"host:4\"; '#' starts a comment. Names of this machine (localhost,\n"
    "                     127.x, its hostname or addresses) are one host; repeats add slots\n"
    "  --map-by slot|node fill each host's slots in turn (slot, the default) or place ranks\n"
    "                     round-robin over the hosts (node); on each host the ranks then\n"
    "                     take consecutive cores\n"
    "  --map-by core|l3cache|numa|socket|ppr:N:RES\n"
    "                     hosts are filled as with slot; on each host the ranks take\n"
    "                     consecutive cores (core), go round-robin over the L3 caches, NUMA\n"
    "                     nodes or packages (socket), or N at a time on each RES (core,\n"
    "                     l3cache, numa, socket), e.g. ppr:2:socket; without -n and -H,\n"
    "                     ppr starts N ranks per RES of this host\n"
    "  --bind-to none|core|l3cache|numa|socket\n"
    "                     bind each rank to its cores, or to the cache, NUMA node or package\n"
    "                     that holds them. Default: core when a host's ranks x cpus-per-rank\n"
    "                     fit its cores, else none (oversubscribed). Fake hosts sharing one\n"
    "                     machine's CPUs (tests) should use --bind-to none\n"
    "  --cpus-per-rank N  cores per rank for threaded ranks (default: $OMP_NUM_THREADS when\n"
    "                     set, else 1); a warning says when ranks must share cores\n"
    "  --report-bindings  one line per rank on stderr, e.g. \"kurir: rank 3 on host a bound\n"
    "                     to cores 2-3 (package 0, numa 0)\" (logical indexes, as lstopo)\n"
    "  -N N, --npernode N N ranks on each host (default -n: N times the hosts)\n"
    "  --oversubscribe    allow more ranks than slots on the given hosts\n"
    "  --output-filename DIR\n"
    "                     write each rank's stdout and stderr to DIR/1/rank.R/stdout and\n"
    "                     DIR/1/rank.R/stderr (Open MPI's layout) instead of the terminal\n"
    "  --tag-output       prefix every line the ranks write with \"[RANK] \", e.g.\n"
    "                     \"[3] hello\" (stdout lines stay on stdout, stderr on stderr)\n"
    "  --timeout S        end the job after S seconds; mpirun then exits with 124\n"
    "  --report-transports\n"
    "                     each rank reports which transport it uses to reach each peer\n"
    "                     (sets KURIR_REPORT_TRANSPORTS=1 in the ranks)\n"
    "  --launch-agent CMD how kurir-daemon is started on the other hosts: CMD HOST COMMAND\n"
    "                     (default: $KURIR_RSH, else srun inside a Slurm allocation, else\n"
    "                     ssh, which gets -o BatchMode=yes); CMD may carry arguments, e.g.\n"
    "                     \"ssh -F my_config\"; srun gets one job step per host\n"
    "  --heartbeat-timeout S\n"
    "                     a host silent for S seconds counts as lost and the job ends\n"
    "                     (default 20, or $KURIR_HEARTBEAT_TIMEOUT)\n"
    "  -h, --help         print this help\n"
    "  -V, --version      print the version\n"
    "\n"
    "Without -H or --hostfile every rank runs on this host, with no slot limit. On every\n"
    "other host, mpirun starts one kurir-daemon (found next to mpirun, or $KURIR_DAEMON),\n"
    "all hosts at once, through the launch agent; it connects back and proves the job's\n"
    "secret, which travels on the agent's stdin, never on a command line.\n"
    "Inside a batch job, without -H or --hostfile, the hosts and slots are the allocation's:\n"
    "Slurm (SLURM_JOB_ID set: SLURM_JOB_NODELIST, SLURM_TASKS_PER_NODE) or PBS/Torque\n"
    "(PBS_NODEFILE, one line per slot); -n defaults to every slot, and more ranks than slots\n"
    "need --oversubscribe. Under Slurm the daemons are started with srun, one job step per\n"
    "node, unless --launch-agent or KURIR_RSH names another agent.\n"
    "Accepted for Open MPI compatibility and ignored: --allow-run-as-root.\n"
    "Long options may be written with one or two dashes and as --opt=value.\n"
    "\n"
    "Behaviour:\n"
    "  Output of the ranks is forwarded line by line; lines of different ranks never mix.\n"
    "  mpirun's stdin goes to rank 0; the other ranks get /dev/null.\n"
    "  If a rank fails (non-zero exit, signal, MPI_Abort, or exit without MPI_Finalize\n"
    "  while others still run) the other ranks get SIGTERM, then SIGKILL 0.5 s later;\n"
    "  mpirun says which rank failed and how, and exits with its status (128+N for\n"
    "  signal N, the MPI_Abort error code, 1 for a missing MPI_Finalize).\n"
    "  SIGINT, SIGTERM, SIGHUP and SIGQUIT to mpirun are forwarded to the ranks, which\n"
    "  are killed 0.5 s later; mpirun exits with 128+signal. SIGUSR1/SIGUSR2 are forwarded.\n"
    "  Exit status 2 means a bad command line (including bad hosts and too few slots).\n"
    "  Remote ranks get mpirun's environment (except host-specific names such as\n"
    "  HOSTNAME, DISPLAY, PWD, SSH_*), the -x variables and KURIR_HOST_ADDR, and start in\n"
    "  mpirun's working directory (or -wdir), which must exist on their host. A rank that\n"
    "  fails there ends the job as here; so does a daemon that dies, loses its connection\n"
    "  or stays silent for the heartbeat timeout (\"mpirun: lost connection to the daemon on\n"
    "  host H\"). A daemon that loses mpirun ends its ranks and removes their files.\n"
    "\n"
    "Environment: KURIR_LOG=LEVEL[:subsys,...] sets mpirun's and the ranks' logging.\n"
    "  KURIR_RSH=CMD launch agent; KURIR_DAEMON=PATH the daemon's path on the hosts;\n"
    "  KURIR_HEARTBEAT_TIMEOUT=S; KURIR_FORCE_REMOTE=1 treats addresses of this machine\n"
    "  (127.0.0.2, ...) as other hosts, so tests can run daemons here.\n";

static int opts_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int opts_oom(void)
{
    fprintf(stderr, "mpirun: out of memory\n");
    return KR_MPIRUN_EXIT_USAGE;
}

static int opts_bad(const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "mpirun: %s\n", msg);
    return KR_MPIRUN_EXIT_USAGE;
}

/* "-n"/"--n" and "-np"/"--np" etc.: the name without its dashes and without "=value". */
static const char *opts_name(const char *arg, char *buf, size_t len, const char **inline_out)
{
    const char *name = arg + (arg[1] == '-' ? 2 : 1);
    const char *eq = strchr(name, '=');

    *inline_out = NULL;
    if (eq != NULL) {
        snprintf(buf, len, "%.*s", (int) (eq - name), name);
        *inline_out = eq + 1;
        return buf;
    }
    snprintf(buf, len, "%s", name);
    return buf;
}

static const char *opts_env_lookup(const char *name)
{
    size_t n = strlen(name);

    for (char **e = environ; *e != NULL; e++) {
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
            return *e + n + 1;
        }
    }
    return NULL;
}

/* An environment list being built: "NAME=value" strings, NULL-terminated. */
struct opts_env {
    char **v;
    int n;
};

static int opts_env_push(struct opts_env *e, const char *entry)
{
    char **v = realloc(e->v, sizeof(*v) * (size_t) (e->n + 2));
    char *copy = strdup(entry);

    if (v == NULL || copy == NULL) {
        e->v = v != NULL ? v : e->v;
        free(copy);
        return -ENOMEM;
    }
    e->v = v;
    e->v[e->n++] = copy;
    e->v[e->n] = NULL;
    return 0;
}

static int opts_add_env(struct opts_env *env, const char *spec)
{
    size_t namelen = strcspn(spec, "=");
    const char *value;
    char *entry, name[256];
    int ret;

    if (namelen == 0 || namelen >= sizeof(name) ||
        !(isalpha((unsigned char) spec[0]) || spec[0] == '_')) {
        return opts_bad("-x needs VAR or VAR=VALUE with a valid variable name, got '%s'", spec);
    }
    for (size_t i = 0; i < namelen; i++) {
        if (!isalnum((unsigned char) spec[i]) && spec[i] != '_') {
            return opts_bad("-x needs VAR or VAR=VALUE with a valid variable name, got '%s'", spec);
        }
    }
    memcpy(name, spec, namelen);
    name[namelen] = '\0';
    value = spec[namelen] == '=' ? spec + namelen + 1 : opts_env_lookup(name);
    if (value == NULL) {
        fprintf(stderr, "mpirun: warning: -x %s: %s is not set here, so it is not passed on\n",
                name, name);
        return 0;
    }
    if (asprintf(&entry, "%s=%s", name, value) < 0) {
        return opts_oom();
    }
    ret = opts_env_push(env, entry);
    free(entry);
    return ret != 0 ? opts_oom() : 0;
}

static int opts_positive(const char *opt, const char *text, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = text != NULL ? strtol(text, &end, 10) : 0;
    if (text == NULL || errno != 0 || end == text || *end != '\0' || v <= 0 || v > 1000000) {
        return opts_bad("%s needs a positive integer, got '%s'", opt,
                        text != NULL ? text : "nothing");
    }
    *out = (int) v;
    return 0;
}

static int opts_timeout(struct kr_mpirun_opts *o, const char *text)
{
    char *end;
    double v;

    errno = 0;
    v = text != NULL ? strtod(text, &end) : 0;
    if (text == NULL || errno != 0 || end == text || *end != '\0' || !(v > 0) || v > 1e7) {
        return opts_bad("--timeout needs a positive number of seconds, got '%s'",
                        text != NULL ? text : "nothing");
    }
    o->timeout_s = v;
    o->timeout_text = text;
    return 0;
}

/* `path` made absolute against our working directory (malloc'd), or NULL. */
static char *opts_absolute(const char *path)
{
    char cwd[PATH_MAX], *abs;

    if (path[0] == '/') {
        return strdup(path);
    }
    if (getcwd(cwd, sizeof(cwd)) == NULL || asprintf(&abs, "%s/%s", cwd, path) < 0) {
        return NULL;
    }
    return abs;
}

/* Find `prog` like execvp() would and check that it can be run; the result is absolute when
 * `prog` holds a '/', so that -wdir does not change which file it is. */
static int opts_resolve(char *out, size_t outlen, const char *prog)
{
    const char *path = opts_env_lookup("PATH");
    struct stat st;
    int err = ENOENT;

    if (strchr(prog, '/') != NULL) {
        char *abs = NULL;

        if (stat(prog, &st) != 0) {
            err = errno;
        } else if (S_ISDIR(st.st_mode)) {
            err = EISDIR;
        } else if (access(prog, X_OK) != 0) {
            err = errno;
        } else if ((abs = opts_absolute(prog)) == NULL || strlen(abs) >= outlen) {
            free(abs);
            return opts_bad("cannot run '%s': path too long", prog);
        } else {
            snprintf(out, outlen, "%s", abs);
            free(abs);
            return 0;
        }
        return opts_bad("cannot run '%s': %s", prog, strerror(err));
    }
    for (const char *p = path != NULL ? path : "/usr/local/bin:/usr/bin:/bin"; *p != '\0';) {
        size_t n = strcspn(p, ":");

        snprintf(out, outlen, "%.*s/%s", (int) n, n == 0 ? "." : p, prog);
        if (stat(out, &st) == 0 && !S_ISDIR(st.st_mode)) {
            if (access(out, X_OK) == 0) {
                return 0;
            }
            err = errno;
        }
        p += n;
        p += (*p == ':');
    }
    if (err == ENOENT) {
        return opts_bad("cannot run '%s': command not found in PATH", prog);
    }
    return opts_bad("cannot run '%s': %s", prog, strerror(err));
}

/* What the options of one application context set; section 0 (before the first program) also
 * holds the job-wide -x and -wdir. */
struct opts_ctx {
    int np;                        /* 0: not given */
    struct opts_env env;
    char *wdir;                    /* absolute, or NULL */
};

static int opts_hosts(struct kr_mpirun_opts *o, const char *name, const char *opt,
                      const char *value, int section)
{
    char err[PATH_MAX + 512];
    int ret;

    if (section > 0) {
        return opts_bad("%s applies to the whole job: give it before the first program", opt);
    }
    if (strcmp(name, "H") == 0 || strcmp(name, "host") == 0) {
        ret = kr_plan_parse_hostlist(&o->plan, value, &kr_plan_resolver_system, err,
                                     sizeof(err));
    } else {
        ret = kr_plan_parse_hostfile(&o->plan, value, &kr_plan_resolver_system, err,
                                     sizeof(err));
    }
    if (ret == -ENOMEM) {
        return opts_oom();
    }
    return ret != 0 ? opts_bad("%s", err) : 0;
}

static bool opts_is(const char *name, const char *const *names)
{
    for (; *names != NULL; names++) {
        if (strcmp(name, *names) == 0) {
            return true;
        }
    }
    return false;
}

static const char *const opts_with_value[] = {
    "n", "np", "x", "wdir", "wd", "timeout", "bind-to", "map-by", "H", "host", "hostfile",
    "machinefile", "N", "npernode", "output-filename", "launch-agent", "heartbeat-timeout",
    "cpus-per-rank", "cpus-per-proc", NULL
};

/* Options of one application context. 0, a usage status, or -1 when `name` is not one. */
static int opts_ctx_one(struct opts_ctx *c, const char *name, const char *opt,
                        const char *value)
{
    char *abs;

    if (strcmp(name, "n") == 0 || strcmp(name, "np") == 0) {
        return opts_positive(opt, value, &c->np);
    }
    if (strcmp(name, "x") == 0) {
        return value != NULL ? opts_add_env(&c->env, value)
                             : opts_bad("-x needs VAR or VAR=VALUE");
    }
    if (strcmp(name, "wdir") == 0 || strcmp(name, "wd") == 0) {
        if (value == NULL || value[0] == '\0') {
            return opts_bad("%s needs a directory", opt);
        }
        abs = opts_absolute(value);
        if (abs == NULL) {
            return opts_oom();
        }
        free(c->wdir);
        c->wdir = abs;
        return 0;
    }
    return -1;
}

/* How remote hosts are reached (the daemon's options). */
static int opts_remote(struct kr_mpirun_opts *o, const char *name, const char *value)
{
    char *end;

    if (strcmp(name, "launch-agent") == 0) {
        if (value[strspn(value, " \t")] == '\0') {
            return opts_bad("--launch-agent needs a command");
        }
        o->launch_agent = value;
        return 0;
    }
    errno = 0;
    o->heartbeat_s = strtod(value, &end);
    if (errno != 0 || end == value || *end != '\0' || !(o->heartbeat_s >= 1) ||
        o->heartbeat_s > 86400) {
        return opts_bad("--heartbeat-timeout needs seconds between 1 and 86400, got '%s'",
                        value);
    }
    return 0;
}

/* Job-wide options that take a value. 0, a usage status, or -1 when `name` is not one. */
static int opts_job_value(struct kr_mpirun_opts *o, const char *name, const char *opt,
                          const char *value, int section)
{
    char err[512];

    if (value == NULL && opts_is(name, opts_with_value)) {
        return opts_bad("%s needs a value", opt);
    }
    if (strcmp(name, "timeout") == 0) {
        return opts_timeout(o, value);
    }
    if (strcmp(name, "bind-to") == 0) {
        return kr_bind_parse_level(value, &o->bind, err, sizeof(err)) != 0
                   ? opts_bad("%s", err) : 0;
    }
    if (strcmp(name, "map-by") == 0) {
        return kr_bind_parse_map(value, &o->bind, &o->plan.map, err, sizeof(err)) != 0
                   ? opts_bad("%s", err) : 0;
    }
    if (strcmp(name, "cpus-per-rank") == 0 || strcmp(name, "cpus-per-proc") == 0) {
        return opts_positive(opt, value, &o->bind.cpus_per_rank);
    }
    if (strcmp(name, "N") == 0 || strcmp(name, "npernode") == 0) {
        return opts_positive(opt, value, &o->plan.npernode);
    }
    if (opts_is(name, (const char *const[]) { "H", "host", "hostfile", "machinefile", NULL })) {
        return opts_hosts(o, name, opt, value, section);
    }
    if (strcmp(name, "launch-agent") == 0 || strcmp(name, "heartbeat-timeout") == 0) {
        return opts_remote(o, name, value);
    }
    if (strcmp(name, "output-filename") == 0) {
        free(o->output_dir);
        o->output_dir = value[0] != '\0' ? opts_absolute(value) : NULL;
        return o->output_dir != NULL ? 0 : opts_bad("--output-filename needs a directory");
    }
    return -1;
}

/* Job-wide flags. 0, 1 after --help/--version, or -1 when `name` is not one. */
static int opts_job_flag(struct kr_mpirun_opts *o, const char *name)
{
    if (strcmp(name, "tag-output") == 0) {
        o->tag_output = true;
    } else if (strcmp(name, "oversubscribe") == 0) {
        o->plan.oversubscribe = true;
    } else if (strcmp(name, "report-bindings") == 0) {
        o->bind.report = true;
    } else if (strcmp(name, "report-transports") == 0) {
        o->report_transports = true;
    } else if (strcmp(name, "allow-run-as-root") == 0) {
        return 0;
    } else if (strcmp(name, "h") == 0 || strcmp(name, "help") == 0) {
        fputs(opts_usage, stdout);
        return 1;
    } else if (strcmp(name, "V") == 0 || strcmp(name, "version") == 0) {
        printf("mpirun (Kurir) %s\n", PACKAGE_VERSION);
        return 1;
    } else {
        return -1;
    }
    return 0;
}

/* One option at argv[*i]; advances *i past its value. */
static int opts_one(struct kr_mpirun_opts *o, struct opts_ctx *c, int section, int argc,
                    char **argv, int *i)
{
    char buf[64], opt[64];
    const char *inl, *name = opts_name(argv[*i], buf, sizeof(buf), &inl);
    const char *value = inl;
    int ret;

    snprintf(opt, sizeof(opt), "%.*s", (int) strcspn(argv[*i], "="), argv[*i]);
    if (opts_is(name, opts_with_value)) {
        if (value == NULL && *i + 1 < argc) {
            value = argv[++*i];
        }
        ret = opts_ctx_one(c, name, opt, value);
        if (ret < 0) {
            ret = opts_job_value(o, name, opt, value, section);
        }
        return ret;
    }
    ret = inl == NULL ? opts_job_flag(o, name) : -1;
    return ret >= 0 ? ret : opts_bad("unknown option '%s' (see mpirun --help)", argv[*i]);
}

/* Context `c` with its program at argv[0..] (already cut at the next ':') becomes an app. */
static int opts_app_add(struct kr_mpirun_opts *o, const struct opts_ctx *global,
                        struct opts_ctx *c, char **argv)
{
    struct kr_plan_app *apps, *app;
    struct opts_env env = { 0 };

    apps = realloc(o->plan.apps, sizeof(*apps) * (size_t) (o->plan.napps + 1));
    if (apps == NULL) {
        return opts_oom();
    }
    o->plan.apps = apps;
    app = &apps[o->plan.napps++];
    memset(app, 0, sizeof(*app));
    app->np = c->np;
    app->argv = argv;
    snprintf(app->path, sizeof(app->path), "%s", argv[0]);
    for (int k = 0; k < global->env.n; k++) {
        if (opts_env_push(&env, global->env.v[k]) != 0) {
            goto err_oom;
        }
    }
    for (int k = 0; c != global && k < c->env.n; k++) {
        if (opts_env_push(&env, c->env.v[k]) != 0) {
            goto err_oom;
        }
    }
    app->env = env.v;
    if (c->wdir != NULL || global->wdir != NULL) {
        app->wdir = strdup(c->wdir != NULL ? c->wdir : global->wdir);
        if (app->wdir == NULL) {
            return opts_oom();
        }
    }
    return 0;

err_oom:
    for (int k = 0; k < env.n; k++) {
        free(env.v[k]);
    }
    free(env.v);
    return opts_oom();
}

static void opts_ctx_clear(struct opts_ctx *c)
{
    for (int k = 0; k < c->env.n; k++) {
        free(c->env.v[k]);
    }
    free(c->env.v);
    free(c->wdir);
    memset(c, 0, sizeof(*c));
}

static bool opts_app_is_local(const struct kr_plan *plan, int a)
{
    const struct kr_plan_app *app = &plan->apps[a];

    for (int r = app->first_rank; r < app->first_rank + app->np; r++) {
        if (plan->hosts[plan->host_of[r]].local) {
            return true;
        }
    }
    return false;
}

/* Each program and -wdir must exist here when one of its ranks runs here; a program that runs
 * only on other hosts keeps its name when it is not found here (those hosts may have it). */
static int opts_check_apps(struct kr_mpirun_opts *o)
{
    struct stat st;

    for (int a = 0; a < o->plan.napps; a++) {
        struct kr_plan_app *app = &o->plan.apps[a];
        int ret;

        if (!opts_app_is_local(&o->plan, a)) {
            continue;
        }
        ret = opts_resolve(app->path, sizeof(app->path), app->argv[0]);
        if (ret != 0) {
            return ret;
        }
        if (app->wdir != NULL && stat(app->wdir, &st) != 0) {
            return opts_bad("-wdir %s: %s", app->wdir, strerror(errno));
        }
        if (app->wdir != NULL && !S_ISDIR(st.st_mode)) {
            return opts_bad("-wdir %s: %s", app->wdir, strerror(ENOTDIR));
        }
    }
    return 0;
}

/* The application contexts: options, then a program and its arguments up to a lone ':'. */
static int opts_contexts(struct kr_mpirun_opts *o, int argc, char **argv)
{
    struct opts_ctx global = { 0 }, ctx = { 0 };
    int i = 1, ret = 0;

    for (int section = 0; ret == 0; section++) {
        struct opts_ctx *c = section == 0 ? &global : &ctx;
        int prog;

        for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
            if (strcmp(argv[i], "--") == 0) {
                i++;
                break;
            }
            ret = opts_one(o, c, section, argc, argv, &i);
            if (ret != 0) {
                goto out;
            }
        }
        if (i >= argc || strcmp(argv[i], ":") == 0) {
            ret = section == 0 ? opts_bad("no program given (usage: mpirun -n N program "
                                          "[args...]; see mpirun --help)")
                               : opts_bad("no program after ':' (usage: mpirun -n N prog1 : "
                                          "-n M prog2; see mpirun --help)");
            goto out;
        }
        for (prog = i; i < argc && strcmp(argv[i], ":") != 0; i++) {
        }
        if (i >= argc) {
            ret = opts_app_add(o, &global, c, argv + prog);
            break;
        }
        argv[i++] = NULL;          /* the ':' ends this program's argv */
        ret = opts_app_add(o, &global, c, argv + prog);
        opts_ctx_clear(&ctx);
    }
out:
    opts_ctx_clear(&global);
    opts_ctx_clear(&ctx);
    return ret;
}

/* Threaded ranks: OMP_NUM_THREADS gives the cores per rank unless --cpus-per-rank did. */
static int opts_bind_defaults(struct kr_mpirun_opts *o)
{
    const char *omp = opts_env_lookup("OMP_NUM_THREADS");
    char *end;
    long n;

    if (o->bind.cpus_per_rank == 0 && omp != NULL && omp[0] != '\0') {
        n = strtol(omp, &end, 10);    /* "4,2" (nested levels): the first */
        if (n <= 0 || n > 100000 || (*end != '\0' && *end != ',')) {
            return opts_bad("OMP_NUM_THREADS=%s is not a positive number of threads", omp);
        }
        o->bind.cpus_per_rank = (int) n;
    }
    return 0;
}

/* --map-by ppr:N:RES without -n on this host alone: N ranks per RES of this host. */
static int opts_ppr_np(struct kr_mpirun_opts *o)
{
    hwloc_topology_t t;

    if (o->bind.map != KR_BIND_MAP_PPR || o->plan.hosts_given || o->plan.napps != 1 ||
        o->plan.apps[0].np != 0 || o->plan.npernode != 0) {
        return 0;
    }
    if (kr_bind_topology_load(&t) != 0) {
        return opts_bad("--map-by ppr: cannot load this host's topology; give -n");
    }
    o->plan.apps[0].np = o->bind.ppr * kr_bind_ppr_resources(t, &o->bind);
    hwloc_topology_destroy(t);
    return 0;
}

/* The environment lookup the allocation parsers take (alloc.h). */
static const char *opts_env(void *arg, const char *name)
{
    (void) arg;
    return opts_env_lookup(name);
}

/* A Slurm node name is Slurm's (srun --nodelist takes it, the daemon connects back), so it is
 * not looked up: the node is this machine when it is the one the job script runs on
 * (SLURMD_NODENAME), or, without that (salloc's shell on a login node), when it is this
 * machine's short hostname. KURIR_FORCE_REMOTE=1 makes every node remote, so that tests start
 * a daemon with srun on a one-node cluster. */
static int opts_slurm_resolve(void *arg, const char *name, bool *local_out, char *why,
                              size_t whylen)
{
    const char *self = arg, *force = opts_env(NULL, "KURIR_FORCE_REMOTE");
    bool forced = force != NULL && (strcmp(force, "1") == 0 || strcasecmp(force, "yes") == 0 ||
                                    strcasecmp(force, "true") == 0 ||
                                    strcasecmp(force, "on") == 0);
    char host[256] = "";

    (void) why;
    (void) whylen;
    if (self == NULL && gethostname(host, sizeof(host) - 1) == 0) {
        host[strcspn(host, ".")] = '\0';
        self = host;
    }
    *local_out = !forced && self != NULL && strcmp(name, self) == 0;
    return 0;
}

/* No -H and no --hostfile: the hosts and slots of the batch allocation mpirun runs in, if any
 * (alloc.h). They count as given hosts: no more ranks than slots without --oversubscribe. */
static int opts_allocation(struct kr_mpirun_opts *o)
{
    struct kr_plan_resolver slurm = { .resolve = opts_slurm_resolve };
    const struct kr_plan_resolver *res = &kr_plan_resolver_system;
    const char *where = "PBS_NODEFILE";
    struct kr_alloc a;
    char err[512];
    int ret = kr_alloc_detect(opts_env, NULL, &a, err, sizeof(err));

    if (ret == -EINVAL) {
        return opts_bad("%s", err);
    }
    if (ret != 0 || a.kind == KR_ALLOC_NONE) {
        return ret == 0 ? 0 : opts_oom();
    }
    if (a.kind == KR_ALLOC_SLURM) {
        slurm.arg = a.self;
        res = &slurm;
        where = "SLURM_JOB_NODELIST";
        o->in_slurm = true;
        o->host_cpus = calloc((size_t) a.nhosts, sizeof(int));
        ret = o->host_cpus == NULL ? -ENOMEM : 0;
    }
    for (int i = 0; ret == 0 && i < a.nhosts; i++) {
        ret = kr_plan_host_add(&o->plan, a.hosts[i].name, a.hosts[i].slots, where, res, err,
                               sizeof(err));
        if (ret == 0 && o->host_cpus != NULL) {
            o->host_cpus[o->plan.nhosts - 1] = a.hosts[i].cpus;
        }
    }
    kr_alloc_free(&a);
    if (ret != 0) {
        return ret == -ENOMEM ? opts_oom() : opts_bad("%s", err);
    }
    return 0;
}

int kr_mpirun_opts_parse(int argc, char **argv, struct kr_mpirun_opts *o)
{
    char err[512];
    int ret;

    memset(o, 0, sizeof(*o));
    ret = opts_contexts(o, argc, argv);
    if (ret == 0) {
        ret = opts_bind_defaults(o);
    }
    if (ret == 0) {
        ret = opts_ppr_np(o);
    }
    if (ret != 0) {
        return ret > KR_MPIRUN_EXIT_USAGE ? KR_MPIRUN_EXIT_USAGE : ret;
    }
    if (!o->plan.hosts_given) {
        ret = opts_allocation(o);
        if (ret != 0) {
            return ret;
        }
    }
    ret = kr_plan_place(&o->plan, err, sizeof(err));
    if (ret == -ENOMEM) {
        return opts_oom();
    }
    if (ret != 0) {
        return opts_bad("%s", err);
    }
    return opts_check_apps(o);
}

void kr_mpirun_opts_free(struct kr_mpirun_opts *o)
{
    free(o->output_dir);
    o->output_dir = NULL;
    free(o->host_cpus);
    o->host_cpus = NULL;
    kr_plan_free(&o->plan);
}

/* mpirun's command line: options, Open MPI compatibility no-ops, and checking that the
 * program can be run before anything is started. */
#include "config.h"

#include "mpirun.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static const char opts_usage[] =
    "Usage: mpirun [options] program [args...]     (also installed as mpiexec)\n"
    "\n"
    "Start N copies of program on this host as one MPI job. Everything after the program\n"
    "name is passed to the program.\n"
    "\n"
    "Options:\n"
    "  -n N, -np N        number of ranks (default 1); more ranks than cores is fine\n"
    "  -x VAR[=VALUE]     set VAR in every rank; VAR alone passes mpirun's value (repeatable)\n"
    "  --tag-output       prefix every line the ranks write with \"[RANK] \", e.g.\n"
    "                     \"[3] hello\" (stdout lines stay on stdout, stderr on stderr)\n"
    "  --timeout S        end the job after S seconds; mpirun then exits with 124\n"
    "  -H, --host LIST    run on these hosts: name[:slots],... (ranks fill each host's slots\n"
    "                     in order; -n defaults to the total). Remote hosts get a\n"
    "                     kurir-daemon started through the launch agent\n"
    "  --launch-agent CMD how daemons are started: CMD HOST COMMAND (default: $KURIR_RSH,\n"
    "                     else ssh; ssh gets -o BatchMode=yes). CMD may have arguments\n"
    "  --heartbeat-timeout S  a remote host silent for S seconds is lost and the job ends\n"
    "                     (default 20, or $KURIR_HEARTBEAT_TIMEOUT)\n"
    "  -h, --help         print this help\n"
    "  -V, --version      print the version\n"
    "\n"
    "Accepted for Open MPI compatibility and ignored: --oversubscribe, --allow-run-as-root,\n"
    "--bind-to X, --map-by X. Long options may be written with one or two dashes and as\n"
    "--opt=value.\n"
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
    "  Exit status 2 means a bad command line.\n"
    "\n"
    "  Remote hosts: every daemon is started at once; each connects back and proves the\n"
    "  job's secret (passed on the agent's stdin). Ranks there get mpirun's environment\n"
    "  (except host-specific names such as HOSTNAME, DISPLAY, SSH_*), the -x variables and\n"
    "  KURIR_HOST_ADDR, and run in mpirun's working directory, which must exist there.\n"
    "  A lost daemon or host ends the job like a failed rank.\n"
    "\n"
    "Environment: KURIR_LOG=LEVEL[:subsys,...] sets mpirun's and the ranks' logging.\n"
    "  KURIR_RSH=CMD launch agent; KURIR_DAEMON=PATH the daemon (default: kurir-daemon next\n"
    "  to mpirun); KURIR_HEARTBEAT_TIMEOUT=S; KURIR_FORCE_REMOTE=1 starts a daemon even for\n"
    "  hosts that name this one (tests).\n";

static int opts_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

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

static int opts_add_env(struct kr_mpirun_opts *o, const char *spec)
{
    size_t namelen = strcspn(spec, "=");
    const char *value;
    char **env, *entry, name[256];

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
    env = realloc(o->env, sizeof(*env) * (size_t) (o->nenv + 2));
    if (env == NULL || asprintf(&entry, "%s=%s", name, value) < 0) {
        o->env = env != NULL ? env : o->env;
        fprintf(stderr, "mpirun: out of memory\n");
        return 1 + KR_MPIRUN_EXIT_USAGE;
    }
    o->env = env;
    o->env[o->nenv++] = entry;
    o->env[o->nenv] = NULL;
    return 0;
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

/* Find `prog` like execvp() would and check that it can be run. */
static int opts_resolve(struct kr_mpirun_opts *o, const char *prog)
{
    const char *path = opts_env_lookup("PATH");
    struct stat st;
    int err = ENOENT;

    if (strchr(prog, '/') != NULL) {
        if (stat(prog, &st) != 0) {
            err = errno;
        } else if (S_ISDIR(st.st_mode)) {
            err = EISDIR;
        } else if (access(prog, X_OK) != 0) {
            err = errno;
        } else {
            snprintf(o->path, sizeof(o->path), "%s", prog);
            return 0;
        }
        return opts_bad("cannot run '%s': %s", prog, strerror(err));
    }
    for (const char *p = path != NULL ? path : "/usr/local/bin:/usr/bin:/bin"; *p != '\0';) {
        size_t n = strcspn(p, ":");

        snprintf(o->path, sizeof(o->path), "%.*s/%s", (int) n, n == 0 ? "." : p, prog);
        if (stat(o->path, &st) == 0 && !S_ISDIR(st.st_mode)) {
            if (access(o->path, X_OK) == 0) {
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

/* Options of remote launch (branch daemon). */
static bool opts_remote_takes_value(const char *name)
{
    return strcmp(name, "H") == 0 || strcmp(name, "host") == 0 ||
           strcmp(name, "launch-agent") == 0 || strcmp(name, "heartbeat-timeout") == 0;
}

static int opts_remote(struct kr_mpirun_opts *o, const char *name, const char *value)
{
    char *end;

    if (value == NULL) {
        return opts_bad("--%s needs a value", name);
    }
    if (strcmp(name, "launch-agent") == 0) {
        o->launch_agent = value;
        return 0;
    }
    if (strcmp(name, "heartbeat-timeout") == 0) {
        errno = 0;
        o->heartbeat_s = strtod(value, &end);
        if (errno != 0 || end == value || *end != '\0' || !(o->heartbeat_s >= 1) ||
            o->heartbeat_s > 86400) {
            return opts_bad("--heartbeat-timeout needs seconds between 1 and 86400, got '%s'",
                            value);
        }
        return 0;
    }
    o->hosts = value;
    return 0;
}

/* One option at argv[*i]; advances *i past its value. */
static int opts_one(struct kr_mpirun_opts *o, int argc, char **argv, int *i)
{
    char buf[64], opt[64];
    const char *inl, *name = opts_name(argv[*i], buf, sizeof(buf), &inl);
    const char *value = inl;
    bool takes_value = strcmp(name, "n") == 0 || strcmp(name, "np") == 0 ||
                       strcmp(name, "x") == 0 || strcmp(name, "timeout") == 0 ||
                       strcmp(name, "bind-to") == 0 || strcmp(name, "map-by") == 0 ||
                       opts_remote_takes_value(name);

    snprintf(opt, sizeof(opt), "%.*s", (int) strcspn(argv[*i], "="), argv[*i]);
    if (takes_value && value == NULL && *i + 1 < argc) {
        value = argv[++*i];
    }
    if (strcmp(name, "n") == 0 || strcmp(name, "np") == 0) {
        o->np_set = true;
        return opts_positive(opt, value, &o->np);
    }
    if (opts_remote_takes_value(name)) {
        return opts_remote(o, name, value);
    }
    if (strcmp(name, "x") == 0) {
        return value != NULL ? opts_add_env(o, value)
                             : opts_bad("-x needs VAR or VAR=VALUE");
    }
    if (strcmp(name, "timeout") == 0) {
        return opts_timeout(o, value);
    }
    if (strcmp(name, "bind-to") == 0 || strcmp(name, "map-by") == 0) {
        return value != NULL ? 0 : opts_bad("--%s needs a value", name);
    }
    if (inl == NULL && strcmp(name, "tag-output") == 0) {
        o->tag_output = true;
        return 0;
    }
    if (inl == NULL &&
        (strcmp(name, "oversubscribe") == 0 || strcmp(name, "allow-run-as-root") == 0)) {
        return 0;
    }
    if (inl == NULL && (strcmp(name, "h") == 0 || strcmp(name, "help") == 0)) {
        fputs(opts_usage, stdout);
        return 1;
    }
    if (inl == NULL && (strcmp(name, "V") == 0 || strcmp(name, "version") == 0)) {
        printf("mpirun (Kurir) %s\n", PACKAGE_VERSION);
        return 1;
    }
    return opts_bad("unknown option '%s' (see mpirun --help)", argv[*i]);
}

int kr_mpirun_opts_parse(int argc, char **argv, struct kr_mpirun_opts *o)
{
    int i, ret;

    memset(o, 0, sizeof(*o));
    o->np = 1;
    for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        ret = opts_one(o, argc, argv, &i);
        if (ret != 0) {
            return ret > KR_MPIRUN_EXIT_USAGE ? KR_MPIRUN_EXIT_USAGE : ret;
        }
    }
    if (i >= argc) {
        return opts_bad("no program given (usage: mpirun -n N program [args...]; see "
                        "mpirun --help)");
    }
    o->argv = argv + i;
    return opts_resolve(o, argv[i]);
}

void kr_mpirun_opts_free(struct kr_mpirun_opts *o)
{
    for (int i = 0; i < o->nenv; i++) {
        free(o->env[i]);
    }
    free(o->env);
    o->env = NULL;
    o->nenv = 0;
}

/* The settings registry: every KURIR_* environment variable is declared in a table next to
 * the code it configures, listed in settings_list.c, and read once by kr_settings_load(). */
#ifndef KR_UTIL_SETTINGS_H
#define KR_UTIL_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

enum kr_setting_type {
    KR_SET_SIZE,   /* size_t; accepts 4096, 4k, 1m, 2g (powers of 1024) */
    KR_SET_BOOL,   /* bool; yes/no/1/0/true/false/on/off */
    KR_SET_INT,    /* int */
    KR_SET_STRING, /* const char *; points into the environment or at the default */
    KR_SET_ENUM,   /* int: index into `choices` */
};

/* The variable's name is used as written (e.g. PMI_FD) instead of KURIR_<name>. */
#define KR_SET_VERBATIM 0x1u

struct kr_setting {
    const char *name;             /* without the KURIR_ prefix unless KR_SET_VERBATIM */
    enum kr_setting_type type;
    const char *defval;           /* default, in the same syntax as the environment */
    void *ptr;                    /* where the parsed value goes; type as above */
    const char *help;
    const char *const *choices;   /* KR_SET_ENUM only: NULL-terminated names */
    unsigned flags;
};

/* NULL-terminated list of every table of the MPI library (settings_list.c, in libkrcore). */
extern const struct kr_setting *const kr_settings_all[];

/* One entry per table of kr_settings_all, in the same order (MPI_T categories). */
struct kr_settings_group {
    const char *name; /* "tcp" */
    const char *desc;
};
extern const struct kr_settings_group kr_settings_groups[];

/* Parse `text` as `s` and store it. Returns 0 or -EINVAL with a message naming the variable
 * and the accepted values in `err`. */
int kr_setting_parse(const struct kr_setting *s, const char *text, char *err, size_t errlen);

/* Apply defaults, then the environment `envp`, to every table in `tables`. A bad value is an
 * error (-EINVAL, message in `err`). Unknown KURIR_* variables are warned about with the
 * closest known name. */
int kr_settings_load_tables(const struct kr_setting *const *tables, char *const *envp,
                            char *err, size_t errlen);

/* kr_settings_load_tables(kr_settings_all, environ, ...), then apply KURIR_LOG (libkrcore). */
int kr_settings_load(char *err, size_t errlen);

/* Full variable name of `s` ("KURIR_SHM_EAGER_LIMIT") into `buf`. */
const char *kr_setting_env_name(const struct kr_setting *s, char *buf, size_t len);

/* The raw environment text of `s`, or NULL when unset. */
const char *kr_setting_env_value(const struct kr_setting *s, char *const *envp);

/* Format the current value of `s` into `buf` (for kurir-info). */
const char *kr_setting_format(const struct kr_setting *s, char *buf, size_t len);

/* Parse a size with an optional k/m/g suffix. Returns 0 or -EINVAL. */
int kr_parse_size(const char *text, size_t *out);

/* The launcher's settings (settings_launch.c): KURIR_RSH, KURIR_DAEMON, ... */
extern const struct kr_setting kr_launch_settings[];

/* Settings owned by util itself (KURIR_LOG). */
extern const struct kr_setting kr_util_settings[];
extern const char *kr_util_log_spec;

#endif /* KR_UTIL_SETTINGS_H */

/* Settings registry (src/util/settings.c) and KURIR_LOG parsing (src/util/log.c): typed values,
 * defaults, errors that name the variable, warnings for unknown KURIR_* names. */
#include "config.h"

#include "util/log.h"
#include "util/settings.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static struct {
    size_t eager;
    bool cma;
    int retries;
    int mode;
    const char *name;
    int fd;
} cfg;

static const char *const modes[] = { "auto", "shm", "tcp", NULL };

static const struct kr_setting test_table[] = {
    { "EAGER_LIMIT", KR_SET_SIZE, "4k", &cfg.eager, "eager limit", NULL, 0 },
    { "XCMA", KR_SET_BOOL, "yes", &cfg.cma, "use cma", NULL, 0 },
    { "RETRIES", KR_SET_INT, "3", &cfg.retries, "retries", NULL, 0 },
    { "MODE", KR_SET_ENUM, "auto", &cfg.mode, "mode", modes, 0 },
    { "NAME", KR_SET_STRING, "dflt", &cfg.name, "a name", NULL, 0 },
    { "PMI_FD", KR_SET_INT, "-1", &cfg.fd, "verbatim", NULL, KR_SET_VERBATIM },
    { 0 }
};

static const struct kr_setting *const test_tables[] = { test_table, NULL };

static char err[256];

static int load(char **envp)
{
    err[0] = '\0';
    return kr_settings_load_tables(test_tables, envp, err, sizeof(err));
}

static void defaults_apply(void **state)
{
    char *envp[] = { NULL };

    (void) state;
    assert_int_equal(load(envp), 0);
    assert_int_equal(cfg.eager, 4096);
    assert_true(cfg.cma);
    assert_int_equal(cfg.retries, 3);
    assert_int_equal(cfg.mode, 0);
    assert_string_equal(cfg.name, "dflt");
    assert_int_equal(cfg.fd, -1);
}

static void sizes_with_suffixes(void **state)
{
    static const struct { const char *text; size_t want; } ok[] = {
        { "4096", 4096 }, { "64k", 65536 }, { "64K", 65536 }, { "1m", 1u << 20 },
        { "2g", (size_t) 2 << 30 }, { "8kb", 8192 }, { "0", 0 },
    };
    static const char *const bad[] = { "", "k", "-1", "4x", "1.5m", "4k4", "99999999999999999g" };
    size_t v;

    (void) state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(kr_parse_size(ok[i].text, &v), 0);
        assert_int_equal(v, ok[i].want);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(kr_parse_size(bad[i], &v), -EINVAL);
    }
}

static void environment_overrides(void **state)
{
    char *envp[] = { "KURIR_EAGER_LIMIT=1m", "KURIR_XCMA=off", "KURIR_RETRIES=0x10",
                     "KURIR_MODE=TCP", "KURIR_NAME=hello", "PMI_FD=7", "OTHER=1", NULL };
    char buf[64];

    (void) state;
    assert_int_equal(load(envp), 0);
    assert_int_equal(cfg.eager, 1u << 20);
    assert_false(cfg.cma);
    assert_int_equal(cfg.retries, 16);
    assert_int_equal(cfg.mode, 2);
    assert_string_equal(cfg.name, "hello");
    assert_int_equal(cfg.fd, 7);
    assert_string_equal(kr_setting_format(&test_table[3], buf, sizeof(buf)), "tcp");
    assert_string_equal(kr_setting_env_name(&test_table[5], buf, sizeof(buf)), "PMI_FD");
    assert_string_equal(kr_setting_env_name(&test_table[0], buf, sizeof(buf)),
                        "KURIR_EAGER_LIMIT");
}

static void bools_accept_all_spellings(void **state)
{
    static const char *const yes[] = { "1", "yes", "TRUE", "on", "y" };
    static const char *const no[] = { "0", "No", "false", "OFF", "n" };

    (void) state;
    for (size_t i = 0; i < 5; i++) {
        cfg.cma = false;
        assert_int_equal(kr_setting_parse(&test_table[1], yes[i], err, sizeof(err)), 0);
        assert_true(cfg.cma);
        assert_int_equal(kr_setting_parse(&test_table[1], no[i], err, sizeof(err)), 0);
        assert_false(cfg.cma);
    }
}

/* A bad value fails the load and the message names the variable and what is allowed. */
static void bad_values_name_the_variable(void **state)
{
    static const struct { const char *env; const char *needle; } cases[] = {
        { "KURIR_EAGER_LIMIT=lots", "KURIR_EAGER_LIMIT=lots is not a size" },
        { "KURIR_XCMA=maybe", "KURIR_XCMA=maybe is not a boolean" },
        { "KURIR_RETRIES=3.5", "KURIR_RETRIES=3.5 is not an integer" },
        { "KURIR_RETRIES=99999999999", "KURIR_RETRIES" },
        { "KURIR_MODE=ofi", "KURIR_MODE=ofi is not one of: auto, shm, tcp" },
        { "PMI_FD=abc", "PMI_FD=abc" },
    };

    (void) state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *envp[] = { (char *) cases[i].env, NULL };

        assert_int_equal(load(envp), -EINVAL);
        if (strstr(err, cases[i].needle) == NULL) {
            fail_msg("message '%s' does not contain '%s'", err, cases[i].needle);
        }
    }
}

/* Run a load with stderr captured into `out`. */
static int load_capturing(char **envp, char *out, size_t len)
{
    FILE *tmp = tmpfile();
    int saved = dup(STDERR_FILENO), ret;
    size_t n;

    assert_non_null(tmp);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
    ret = load(envp);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    n = fread(out, 1, len - 1, tmp);
    out[n] = '\0';
    fclose(tmp);
    return ret;
}

static void unknown_variables_warn_only(void **state)
{
    char *envp[] = { "KURIR_RETRIEZ=4", "KURIR_COMPLETELY_DIFFERENT_THING=1",
                     "KURIR_TEST_TIMEOUT_MULT=3", NULL };
    char out[2048];

    (void) state;
    assert_int_equal(kr_log_configure("warn", NULL, 0), 0);
    assert_int_equal(load_capturing(envp, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "unknown setting KURIR_RETRIEZ (did you mean KURIR_RETRIES?)"));
    assert_non_null(strstr(out, "unknown setting KURIR_COMPLETELY_DIFFERENT_THING"));
    assert_null(strstr(out, "KURIR_TEST_TIMEOUT_MULT")); /* the test harness's own */
}

static void log_spec_parsing(void **state)
{
    char e[128];

    (void) state;
    assert_int_equal(kr_log_configure("warn", e, sizeof(e)), 0);
    assert_true(kr_log_enabled(KR_LOG_LVL_WARN, KR_SUB_TCP));
    assert_false(kr_log_enabled(KR_LOG_LVL_INFO, KR_SUB_TCP));
    assert_int_equal(kr_log_configure("debug:tcp,MATCH", e, sizeof(e)), 0);
    assert_true(kr_log_enabled(KR_LOG_LVL_DBG, KR_SUB_TCP));
    assert_true(kr_log_enabled(KR_LOG_LVL_DBG, KR_SUB_MATCH));
    assert_false(kr_log_enabled(KR_LOG_LVL_INFO, KR_SUB_SHM));
    assert_true(kr_log_enabled(KR_LOG_LVL_WARN, KR_SUB_SHM));
    assert_int_equal(kr_log_configure("none", e, sizeof(e)), 0);
    assert_false(kr_log_enabled(KR_LOG_LVL_ERR, KR_SUB_BOOT));
    assert_int_equal(kr_log_configure("err", e, sizeof(e)), 0);
    assert_true(kr_log_enabled(KR_LOG_LVL_ERR, KR_SUB_BOOT));
    assert_int_equal(kr_log_configure("loud", e, sizeof(e)), -EINVAL);
    assert_non_null(strstr(e, "unknown log level 'loud'"));
    assert_int_equal(kr_log_configure("info:tcp,bogus", e, sizeof(e)), -EINVAL);
    assert_non_null(strstr(e, "unknown log subsystem 'bogus'"));
    /* A failed spec leaves the previous levels alone. */
    assert_true(kr_log_enabled(KR_LOG_LVL_ERR, KR_SUB_BOOT));
    assert_false(kr_log_enabled(KR_LOG_LVL_WARN, KR_SUB_BOOT));
    assert_int_equal(kr_log_configure("warn", e, sizeof(e)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_apply),
        cmocka_unit_test(sizes_with_suffixes),
        cmocka_unit_test(environment_overrides),
        cmocka_unit_test(bools_accept_all_spellings),
        cmocka_unit_test(bad_values_name_the_variable),
        cmocka_unit_test(unknown_variables_warn_only),
        cmocka_unit_test(log_spec_parsing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

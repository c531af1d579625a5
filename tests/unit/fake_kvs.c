/* The fake key-value space of fake_kvs.h: a small table of copied strings. */
#include "config.h"

#include "fake_kvs.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define FAKE_KVS_MAX 16

static struct {
    char *key, *value;
} fake_kvs_tab[FAKE_KVS_MAX];
static int fake_kvs_n;

static int fake_kvs_put(void *ctx, const char *key, const char *value)
{
    (void) ctx;
    assert_true(fake_kvs_n < FAKE_KVS_MAX);
    fake_kvs_tab[fake_kvs_n].key = strdup(key);
    fake_kvs_tab[fake_kvs_n].value = strdup(value);
    assert_non_null(fake_kvs_tab[fake_kvs_n].key);
    assert_non_null(fake_kvs_tab[fake_kvs_n].value);
    fake_kvs_n++;
    return 0;
}

static int fake_kvs_get(void *ctx, const char *key, char *value, size_t len)
{
    (void) ctx;
    for (int i = 0; i < fake_kvs_n; i++) {
        if (strcmp(fake_kvs_tab[i].key, key) == 0) {
            snprintf(value, len, "%s", fake_kvs_tab[i].value);
            return 0;
        }
    }
    return -ENOENT;
}

const struct kr_tport_kvs fake_kvs = { NULL, fake_kvs_put, fake_kvs_get };

void fake_kvs_clear(void)
{
    for (int i = 0; i < fake_kvs_n; i++) {
        free(fake_kvs_tab[i].key);
        free(fake_kvs_tab[i].value);
    }
    fake_kvs_n = 0;
}

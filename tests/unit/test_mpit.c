/* The MPI_T tool interface without a running job (src/api/api_t*.c): the MPI_T string rule,
 * and control variables and categories over the real settings registry (every cvar's name
 * finds its own index, every cvar is in exactly one category, types match the settings). */
#include "config.h"

#include "api/api_t_int.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void str_out_rules(void **state)
{
    char buf[8];
    int len;

    (void) state;
    len = 0; /* length only */
    kr_t_str_out("abcdef", buf, &len);
    assert_int_equal(len, 7);
    len = 5;
    kr_t_str_out("abcdef", NULL, &len); /* no buffer: length only */
    assert_int_equal(len, 7);
    len = 4; /* truncated to len - 1 characters */
    memset(buf, 'x', sizeof(buf));
    kr_t_str_out("abcdef", buf, &len);
    assert_string_equal(buf, "abc");
    assert_int_equal(len, 4);
    len = sizeof(buf); /* fits */
    kr_t_str_out("abcdef", buf, &len);
    assert_string_equal(buf, "abcdef");
    assert_int_equal(len, 7);
    kr_t_str_out("abcdef", buf, NULL); /* nothing happens */
}

static void cvars_match_settings(void **state)
{
    char name[128];
    int provided, n, idx, len, ncat, total = 0, first, cnt;
    int *seen;

    (void) state;
    assert_int_equal(PMPI_T_cvar_get_num(&n), MPI_T_ERR_NOT_INITIALIZED);
    assert_int_equal(PMPI_T_init_thread(MPI_THREAD_SINGLE, &provided), MPI_SUCCESS);
    assert_int_equal(PMPI_T_cvar_get_num(&n), MPI_SUCCESS);
    assert_int_equal(n, kr_t_cvar_num());
    for (int i = 0; i < n; i++) {
        MPI_Datatype dt;

        len = sizeof(name);
        assert_int_equal(
            PMPI_T_cvar_get_info(i, name, &len, NULL, &dt, NULL, NULL, NULL, NULL, NULL),
            MPI_SUCCESS);
        assert_int_equal(len, (int) strlen(name) + 1);
        assert_true(dt == MPI_INT || dt == MPI_UNSIGNED_LONG || dt == MPI_CHAR);
        assert_int_equal(PMPI_T_cvar_get_index(name, &idx), MPI_SUCCESS);
        assert_int_equal(idx, i);
    }
    ncat = kr_t_category_num();
    seen = calloc((size_t) n, sizeof(int));
    assert_non_null(seen);
    for (int c = 0; c < ncat; c++) {
        first = kr_t_cvar_first(c, &cnt);
        assert_int_equal(first, total); /* categories tile the cvars in order */
        for (int i = first; i < first + cnt; i++) {
            assert_int_equal(seen[i], 0);
            seen[i] = 1;
        }
        total += cnt;
    }
    assert_int_equal(total, n);
    free(seen);
    assert_int_equal(PMPI_T_finalize(), MPI_SUCCESS);
    assert_int_equal(PMPI_T_finalize(), MPI_T_ERR_NOT_INITIALIZED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(str_out_rules),
        cmocka_unit_test(cvars_match_settings),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* PMI-2 wire codec: round trips, both length justifications seen in the wild, ';;' escaping,
 * malformed and oversize input, the incremental decoder fed byte by byte, process mappings. */
#include "config.h"

#include "boot/pmi2_wire.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

static struct kr_pmi2_msg msg; /* 16 KiB: keep it off the stack */

static void parse_str(const char *body, int want)
{
    assert_int_equal(kr_pmi2_msg_parse(body, strlen(body), &msg), want);
}

static void frame_round_trip(void **state)
{
    struct kr_pmi2_frame f;
    int rc = -5, len;

    (void) state;
    kr_pmi2_frame_begin(&f, "kvs-put");
    kr_pmi2_frame_add(&f, "key", "addr-0");
    kr_pmi2_frame_add(&f, "value", "tcp://vm:5000");
    kr_pmi2_frame_add_int(&f, "rc", 0);
    kr_pmi2_frame_add_bool(&f, "found", true);
    assert_int_equal(kr_pmi2_frame_end(&f), 0);
    assert_string_equal(f.data,
                        "59    cmd=kvs-put;key=addr-0;value=tcp://vm:5000;rc=0;found=TRUE;");
    len = kr_pmi2_len_parse(f.data);
    assert_int_equal(len, (int) f.len - KR_PMI2_LEN_DIGITS);
    assert_int_equal(kr_pmi2_msg_parse(f.data + 6, (size_t) len, &msg), 0);
    assert_int_equal(msg.npairs, 5);
    assert_string_equal(kr_pmi2_msg_cmd(&msg), "kvs-put");
    assert_string_equal(kr_pmi2_msg_get(&msg, "value"), "tcp://vm:5000");
    assert_int_equal(kr_pmi2_msg_rc(&msg, &rc), 0);
    assert_int_equal(rc, 0);
    assert_null(kr_pmi2_msg_get(&msg, "nope"));
}

static void length_both_justifications(void **state)
{
    (void) state;
    assert_int_equal(kr_pmi2_len_parse("114   "), 114);  /* Slurm */
    assert_int_equal(kr_pmi2_len_parse("   113"), 113);  /* Hydra */
    assert_int_equal(kr_pmi2_len_parse("  42  "), 42);
    assert_int_equal(kr_pmi2_len_parse("16384 "), 16384);
    assert_int_equal(kr_pmi2_len_parse("      "), -EPROTO);
    assert_int_equal(kr_pmi2_len_parse("1 2   "), -EPROTO);
    assert_int_equal(kr_pmi2_len_parse("12x   "), -EPROTO);
    assert_int_equal(kr_pmi2_len_parse("-12   "), -EPROTO);
    assert_int_equal(kr_pmi2_len_parse("0     "), -EPROTO);
    assert_int_equal(kr_pmi2_len_parse("999999"), -EPROTO); /* oversize */
    assert_int_equal(kr_pmi2_len_parse("16385 "), -EPROTO);
}

static void real_server_replies(void **state)
{
    int rc = -1, rank = -1, size = -1, appnum = 7;
    bool found = false;

    (void) state;
    /* Hydra: rc last, appnum 0. */
    parse_str("cmd=fullinit-response;pmi-version=2;pmi-subversion=0;rank=1;size=2;appnum=0;"
              "debugged=FALSE;pmiverbose=FALSE;rc=0;", 0);
    assert_int_equal(kr_pmi2_msg_rc(&msg, &rc), 0);
    assert_int_equal(rc, 0);
    assert_int_equal(kr_pmi2_msg_get_int(&msg, "rank", &rank), 0);
    assert_int_equal(kr_pmi2_msg_get_int(&msg, "size", &size), 0);
    assert_int_equal(kr_pmi2_msg_get_int(&msg, "appnum", &appnum), 0);
    assert_int_equal(rank * 10 + size, 12);
    assert_int_equal(appnum, 0);
    /* Slurm: rc first, appnum -1, and a refused fullinit. */
    parse_str("cmd=fullinit-response;rc=3;pmi-version=2;appnum=-1;", 0);
    assert_int_equal(kr_pmi2_msg_rc(&msg, &rc), 0);
    assert_int_equal(rc, 3);
    assert_int_equal(kr_pmi2_msg_get_int(&msg, "appnum", &appnum), 0);
    assert_int_equal(appnum, -1);
    parse_str("cmd=info-getjobattr-response;found=FALSE;rc=0;", 0);
    assert_int_equal(kr_pmi2_msg_get_bool(&msg, "found", &found), 0);
    assert_false(found);
    assert_int_equal(kr_pmi2_msg_get_int(&msg, "cmd", &rc), -EPROTO);
    assert_int_equal(kr_pmi2_msg_get_int(&msg, "missing", &rc), -ENOENT);
    parse_str("cmd=x;rc=zero;", 0);
    assert_int_equal(kr_pmi2_msg_rc(&msg, &rc), -EPROTO);
}

static void semicolon_escaping(void **state)
{
    struct kr_pmi2_frame f;
    const char *v = "a;b;;c;";

    (void) state;
    kr_pmi2_frame_begin(&f, "kvs-put");
    kr_pmi2_frame_add(&f, "value", v);
    kr_pmi2_frame_add(&f, "key", "k");
    assert_int_equal(kr_pmi2_frame_end(&f), 0);
    assert_non_null(strstr(f.data, "value=a;;b;;;;c;;;key=k;"));
    assert_int_equal(kr_pmi2_msg_parse(f.data + 6, f.len - 6, &msg), 0);
    assert_string_equal(kr_pmi2_msg_get(&msg, "value"), v);
    assert_string_equal(kr_pmi2_msg_get(&msg, "key"), "k");
    parse_str("cmd=x;msg=;", 0);
    assert_string_equal(kr_pmi2_msg_get(&msg, "msg"), "");
    parse_str("cmd=x;v=a=b;", 0); /* '=' inside a value is data */
    assert_string_equal(kr_pmi2_msg_get(&msg, "v"), "a=b");
}

static void malformed_bodies(void **state)
{
    char big[KR_PMI2_BODY_MAX + 16];
    char many[64 * 8];
    size_t off = 0;

    (void) state;
    parse_str("cmd=x", -EPROTO);          /* no terminating ';' */
    parse_str("cmd=x;junk;", -EPROTO);    /* pair without '=' */
    parse_str("=x;", -EPROTO);            /* empty key */
    parse_str("cmd=x;k=a;;", -EPROTO);    /* escaped ';' then no terminator */
    assert_int_equal(kr_pmi2_msg_parse("cmd=a\0b;", 8, &msg), -EPROTO);
    memset(big, 'a', sizeof(big));
    memcpy(big, "cmd=", 4);
    big[sizeof(big) - 1] = ';';
    assert_int_equal(kr_pmi2_msg_parse(big, sizeof(big), &msg), -EPROTO);
    for (int i = 0; i < KR_PMI2_PAIRS_MAX + 1; i++) {
        off += (size_t) snprintf(many + off, sizeof(many) - off, "k%d=v;", i);
    }
    assert_int_equal(kr_pmi2_msg_parse(many, off, &msg), -EPROTO);
}

static void builder_errors(void **state)
{
    static struct kr_pmi2_frame f;
    static char huge[KR_PMI2_BODY_MAX];

    (void) state;
    kr_pmi2_frame_begin(&f, "x");
    kr_pmi2_frame_add(&f, "bad;key", "v");
    kr_pmi2_frame_add(&f, "fine", "v");
    assert_int_equal(kr_pmi2_frame_end(&f), -EINVAL);
    kr_pmi2_frame_begin(&f, "x");
    kr_pmi2_frame_add(&f, "", "v");
    assert_int_equal(kr_pmi2_frame_end(&f), -EINVAL);
    memset(huge, 'v', sizeof(huge) - 1);
    kr_pmi2_frame_begin(&f, "x");
    kr_pmi2_frame_add(&f, "k", huge);
    assert_int_equal(kr_pmi2_frame_end(&f), -EMSGSIZE);
}

static void init_lines(void **state)
{
    char buf[128];
    int n, rc = -1, version = 0;

    (void) state;
    n = kr_pmi2_init_encode(buf, sizeof(buf));
    assert_string_equal(buf, "cmd=init pmi_version=2 pmi_subversion=0\n");
    assert_int_equal(n, (int) strlen(buf));
    assert_int_equal(kr_pmi2_line_parse(buf, (size_t) n, &msg), 0);
    assert_string_equal(kr_pmi2_msg_cmd(&msg), "init");
    assert_int_equal(kr_pmi2_msg_get_int(&msg, "pmi_version", &version), 0);
    assert_int_equal(version, 2);
    n = kr_pmi2_init_response_encode(buf, sizeof(buf), 0);
    assert_string_equal(buf, "cmd=response_to_init pmi_version=2 pmi_subversion=0 rc=0\n");
    /* rc anywhere: Slurm puts it first. */
    snprintf(buf, sizeof(buf), "cmd=response_to_init rc=0 pmi_version=2 pmi_subversion=0\n");
    assert_int_equal(kr_pmi2_line_parse(buf, strlen(buf), &msg), 0);
    assert_int_equal(kr_pmi2_msg_rc(&msg, &rc), 0);
    assert_int_equal(rc, 0);
    assert_int_equal(kr_pmi2_line_parse("cmd=init junk\n", 14, &msg), -EPROTO);
    assert_int_equal(kr_pmi2_line_parse("\n", 1, &msg), -EPROTO);
    assert_int_equal(kr_pmi2_init_encode(buf, 10), -ENOSPC);
}

/* Feed `in` one byte at a time; collect the messages' cmds joined by ','. */
static int feed_bytewise(struct kr_pmi2_decoder *d, const char *in, size_t len, char *cmds,
                         size_t cmdlen)
{
    cmds[0] = '\0';
    for (size_t i = 0; i < len; i++) {
        size_t used = 0;
        int ret = kr_pmi2_decoder_feed(d, in + i, 1, &used, &msg);

        if (ret < 0) {
            return ret;
        }
        assert_int_equal(used, 1);
        if (ret == 1) {
            strncat(cmds, kr_pmi2_msg_cmd(&msg), cmdlen - strlen(cmds) - 2);
            strcat(cmds, ",");
        }
    }
    return 0;
}

static void decoder_byte_by_byte(void **state)
{
    static struct kr_pmi2_decoder d;
    const char *stream = "cmd=init pmi_version=2 pmi_subversion=0\n"
                         "38    cmd=fullinit;pmirank=1;threaded=FALSE;"
                         "    58cmd=job-getid-response;jobid=kvs_6836_0_228651637_vm;rc=0;"
                         "14    cmd=kvs-fence;";
    char cmds[256];

    (void) state;
    kr_pmi2_decoder_init(&d, true);
    assert_int_equal(feed_bytewise(&d, stream, strlen(stream), cmds, sizeof(cmds)), 0);
    assert_string_equal(cmds, "init,fullinit,job-getid-response,kvs-fence,");
}

static void decoder_whole_buffer(void **state)
{
    static struct kr_pmi2_decoder d;
    const char *stream = "13    cmd=finalize;14    cmd=kvs-fence;";
    size_t used, off = 0;
    int n = 0;

    (void) state;
    kr_pmi2_decoder_init(&d, false);
    while (off < strlen(stream)) {
        int ret = kr_pmi2_decoder_feed(&d, stream + off, strlen(stream) - off, &used, &msg);

        assert_true(ret >= 0);
        off += used;
        n += ret;
    }
    assert_int_equal(n, 2);
    assert_string_equal(kr_pmi2_msg_cmd(&msg), "kvs-fence");
}

static void decoder_rejects_garbage(void **state)
{
    static struct kr_pmi2_decoder d;
    char cmds[64], longline[KR_PMI2_LINE_MAX + 8];

    (void) state;
    kr_pmi2_decoder_init(&d, false);
    assert_int_equal(feed_bytewise(&d, "abcdefcmd=x;", 12, cmds, sizeof(cmds)), -EPROTO);
    kr_pmi2_decoder_init(&d, false);
    assert_int_equal(feed_bytewise(&d, "999999", 6, cmds, sizeof(cmds)), -EPROTO);
    kr_pmi2_decoder_init(&d, false);
    assert_int_equal(feed_bytewise(&d, "5     cmd=x", 11, cmds, sizeof(cmds)), -EPROTO);
    kr_pmi2_decoder_init(&d, true);
    memset(longline, 'a', sizeof(longline));
    assert_int_equal(feed_bytewise(&d, longline, sizeof(longline), cmds, sizeof(cmds)),
                     -EPROTO);
}

static void blocking_read_over_socket(void **state)
{
    struct kr_pmi2_frame f;
    int sv[2];
    const char *line = "cmd=response_to_init pmi_version=2 pmi_subversion=0 rc=0\n";

    (void) state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    kr_pmi2_frame_begin(&f, "kvs-get-response");
    kr_pmi2_frame_add(&f, "value", "x;y");
    assert_int_equal(kr_pmi2_frame_end(&f), 0);
    assert_int_equal(kr_pmi2_write_all(sv[0], line, strlen(line)), 0);
    assert_int_equal(kr_pmi2_write_all(sv[0], f.data, f.len), 0);
    assert_int_equal(kr_pmi2_write_all(sv[0], "   113", 6), 0);
    assert_int_equal(kr_pmi2_line_read(sv[1], &msg), 0);
    assert_string_equal(kr_pmi2_msg_cmd(&msg), "response_to_init");
    assert_int_equal(kr_pmi2_frame_read(sv[1], &msg), 0);
    assert_string_equal(kr_pmi2_msg_get(&msg, "value"), "x;y");
    close(sv[0]);
    assert_int_equal(kr_pmi2_frame_read(sv[1], &msg), -EPIPE); /* truncated, then EOF */
    close(sv[1]);
}

static void mapping_parse(void **state)
{
    int node_of[8];

    (void) state;
    assert_int_equal(kr_pmi2_mapping_parse("(vector,(0,1,2))", 2, node_of), 1);
    assert_int_equal(node_of[0] + node_of[1], 0);
    /* Hydra describes 2 local ranks as (0,1,1): the vector repeats. */
    assert_int_equal(kr_pmi2_mapping_parse("(vector,(0,1,1))", 2, node_of), 1);
    assert_int_equal(node_of[1], 0);
    assert_int_equal(kr_pmi2_mapping_parse("(vector,(0,2,2))", 4, node_of), 2);
    assert_int_equal(node_of[1] * 1000 + node_of[2] * 100 + node_of[3] * 10 + node_of[0], 110);
    /* Cyclic: 2 hosts, 1 per host, repeated. */
    assert_int_equal(kr_pmi2_mapping_parse("(vector,(0,2,1))", 4, node_of), 2);
    assert_int_equal(node_of[0] * 1000 + node_of[1] * 100 + node_of[2] * 10 + node_of[3], 101);
    /* Two blocks, sparse host ids renumbered densely. */
    assert_int_equal(kr_pmi2_mapping_parse(" ( vector, (4,1,3), (9,1,1) ) ", 4, node_of), 2);
    assert_int_equal(node_of[0] + node_of[2], 0);
    assert_int_equal(node_of[3], 1);
    assert_int_equal(kr_pmi2_mapping_parse("(vector)", 2, node_of), -EPROTO);
    assert_int_equal(kr_pmi2_mapping_parse("(vector,(0,0,0))", 2, node_of), -EPROTO);
    assert_int_equal(kr_pmi2_mapping_parse("(vector,(0,1,2)", 2, node_of), -EPROTO);
    assert_int_equal(kr_pmi2_mapping_parse("(vector,(0,1,2))x", 2, node_of), -EPROTO);
    assert_int_equal(kr_pmi2_mapping_parse("(list,(0,1,2))", 2, node_of), -EPROTO);
    assert_int_equal(kr_pmi2_mapping_parse("(vector,(0,1,x))", 2, node_of), -EPROTO);
}

static void mapping_round_trip(void **state)
{
    static const int layouts[][8] = {
        { 0, 0, 0, 0, 0, 0, 0, 0 }, { 0, 0, 1, 1, 2, 2, 3, 3 }, { 0, 0, 0, 1, 1, 2, 2, 2 },
        { 0, 1, 2, 3, 0, 1, 2, 3 }, { 1, 0, 1, 0, 1, 0, 1, 0 }, { 0, 1, 1, 1, 1, 1, 1, 2 },
    };
    char buf[256];
    int back[8];

    (void) state;
    assert_true(kr_pmi2_mapping_encode(layouts[0], 8, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, "(vector,(0,1,8))");
    assert_true(kr_pmi2_mapping_encode(layouts[1], 8, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, "(vector,(0,4,2))");
    for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
        assert_true(kr_pmi2_mapping_encode(layouts[i], 8, buf, sizeof(buf)) > 0);
        assert_true(kr_pmi2_mapping_parse(buf, 8, back) > 0);
        assert_memory_equal(back, layouts[i], sizeof(back));
    }
    assert_int_equal(kr_pmi2_mapping_encode(layouts[3], 8, buf, 12), -ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(frame_round_trip),
        cmocka_unit_test(length_both_justifications),
        cmocka_unit_test(real_server_replies),
        cmocka_unit_test(semicolon_escaping),
        cmocka_unit_test(malformed_bodies),
        cmocka_unit_test(builder_errors),
        cmocka_unit_test(init_lines),
        cmocka_unit_test(decoder_byte_by_byte),
        cmocka_unit_test(decoder_whole_buffer),
        cmocka_unit_test(decoder_rejects_garbage),
        cmocka_unit_test(blocking_read_over_socket),
        cmocka_unit_test(mapping_parse),
        cmocka_unit_test(mapping_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

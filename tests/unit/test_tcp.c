/* TCP transport (src/transport/tcp): hello and frame checks, the job secret and business
 * cards, KURIR_TCP_IF parsing and address filtering, and two transports in one process
 * connecting to each other at the same time over loopback (the lower rank's connection wins,
 * nothing is lost or duplicated, bulk data lands in place, alone and as a window of 100
 * transfers with messages between them). */
#include "config.h"

#include "fake_kvs.h"
#include "tport_pair.h"
#include "transport/tcp/tcp_int.h"
#include "util/settings.h"

#include <arpa/inet.h>
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

extern const struct kr_setting kr_tcp_settings[];

static const uint8_t secret_a[TCP_SECRET_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
                                                  14, 15, 16 };

/* ---- wire ---------------------------------------------------------------------------------- */

static void hello_round_trip(void **state)
{
    struct tcp_hello h;

    (void) state;
    kr_tcp_hello_make(&h, TCP_HELLO_CONNECT, 3, 1, secret_a);
    assert_int_equal(kr_tcp_hello_check(&h, secret_a, 1, 4, TCP_HELLO_CONNECT), 0);
    /* an answer is not a request, and vice versa */
    assert_int_equal(kr_tcp_hello_check(&h, secret_a, 1, 4,
                                        TCP_HELLO_ACCEPT | TCP_HELLO_REJECT), -EPROTO);
    kr_tcp_hello_make(&h, TCP_HELLO_REJECT, 1, 3, secret_a);
    assert_int_equal(kr_tcp_hello_check(&h, secret_a, 3, 4,
                                        TCP_HELLO_ACCEPT | TCP_HELLO_REJECT), 0);
}

static void hello_rejects_strangers(void **state)
{
    uint8_t other[TCP_SECRET_LEN];
    struct tcp_hello h, bad;

    (void) state;
    memcpy(other, secret_a, sizeof(other));
    other[15] ^= 0x80;
    kr_tcp_hello_make(&h, TCP_HELLO_CONNECT, 0, 1, secret_a);
    assert_int_equal(kr_tcp_hello_check(&h, other, 1, 2, TCP_HELLO_CONNECT), -EPROTO);
    bad = h;
    bad.magic ^= 1;
    assert_int_equal(kr_tcp_hello_check(&bad, secret_a, 1, 2, TCP_HELLO_CONNECT), -EPROTO);
    bad = h;
    bad.version = 99;
    assert_int_equal(kr_tcp_hello_check(&bad, secret_a, 1, 2, TCP_HELLO_CONNECT), -EPROTO);
    /* meant for another rank, from outside the job, from ourselves */
    assert_int_equal(kr_tcp_hello_check(&h, secret_a, 2, 3, TCP_HELLO_CONNECT), -EPROTO);
    kr_tcp_hello_make(&bad, TCP_HELLO_CONNECT, 7, 1, secret_a);
    assert_int_equal(kr_tcp_hello_check(&bad, secret_a, 1, 2, TCP_HELLO_CONNECT), -EPROTO);
    kr_tcp_hello_make(&bad, TCP_HELLO_CONNECT, 1, 1, secret_a);
    assert_int_equal(kr_tcp_hello_check(&bad, secret_a, 1, 2, TCP_HELLO_CONNECT), -EPROTO);
    kr_tcp_hello_make(&bad, TCP_HELLO_CONNECT | TCP_HELLO_ACCEPT, 0, 1, secret_a);
    assert_int_equal(kr_tcp_hello_check(&bad, secret_a, 1, 2, TCP_HELLO_CONNECT), -EPROTO);
    memset(&bad, 0, sizeof(bad));
    assert_int_equal(kr_tcp_hello_check(&bad, secret_a, 1, 2, TCP_HELLO_CONNECT), -EPROTO);
    memset(&bad, 'G', sizeof(bad));
    assert_int_equal(kr_tcp_hello_check(&bad, secret_a, 1, 2, TCP_HELLO_CONNECT), -EPROTO);
}

static void frame_checks(void **state)
{
    struct tcp_frame f = { .kind = TCP_F_MSG, .len = 100 };

    (void) state;
    assert_int_equal(sizeof(f), 40);
    assert_int_equal(kr_tcp_frame_check(&f, 100), 0);
    f.len = 101;
    assert_int_equal(kr_tcp_frame_check(&f, 100), -EPROTO);
    f.kind = TCP_F_BULK;
    f.len = (uint64_t) 3 << 32;
    assert_int_equal(kr_tcp_frame_check(&f, 100), 0);
    f.kind = TCP_F_BYE;
    assert_int_equal(kr_tcp_frame_check(&f, 100), -EPROTO);
    f.len = 0;
    assert_int_equal(kr_tcp_frame_check(&f, 100), 0);
    f.kind = 0;
    assert_int_equal(kr_tcp_frame_check(&f, 100), -EPROTO);
    f.kind = 77;
    assert_int_equal(kr_tcp_frame_check(&f, 100), -EPROTO);
}

static void secret_hex_round_trip(void **state)
{
    char hex[2 * TCP_SECRET_LEN + 1];
    uint8_t back[TCP_SECRET_LEN];

    (void) state;
    kr_tcp_secret_hex(secret_a, hex);
    assert_string_equal(hex, "0102030405060708090a0b0c0d0e0f10");
    assert_int_equal(kr_tcp_secret_parse(hex, back), 0);
    assert_memory_equal(back, secret_a, sizeof(back));
    assert_int_equal(kr_tcp_secret_parse("0102", back), -EINVAL);
    assert_int_equal(kr_tcp_secret_parse("0102030405060708090a0b0c0d0e0fzz", back), -EINVAL);
}

static void card_round_trip(void **state)
{
    struct tcp_card c = { .port = 4242, .naddrs = 2 }, back;
    char buf[KR_TCP_CARD_TEXT_MAX];

    (void) state;
    snprintf(c.host, sizeof(c.host), "node-7");
    inet_pton(AF_INET, "10.1.2.3", &c.addrs[0]);
    inet_pton(AF_INET, "192.168.0.9", &c.addrs[1]);
    assert_int_equal(kr_tcp_card_format(&c, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "4242|node-7|10.1.2.3,192.168.0.9");
    assert_int_equal(kr_tcp_card_parse(buf, &back), 0);
    assert_int_equal(back.port, 4242);
    assert_int_equal(back.naddrs, 2);
    assert_string_equal(back.host, "node-7");
    assert_int_equal(back.addrs[1].s_addr, c.addrs[1].s_addr);
    assert_int_equal(kr_tcp_card_format(&c, buf, 10), -ENOSPC);
}

static void card_malformed(void **state)
{
    static const char *const bad[] = {
        "", "0|h|1.2.3.4", "70000|h|1.2.3.4", "x|h|1.2.3.4", "12|h|", "12||1.2.3.4",
        "12|h|1.2.3", "12|h|1.2.3.4,", "12|h|1.2.3.4,,5.6.7.8", "12|h", "12|h|300.1.1.1", NULL
    };
    struct tcp_card c;

    (void) state;
    for (int i = 0; bad[i] != NULL; i++) {
        assert_int_equal(kr_tcp_card_parse(bad[i], &c), -EINVAL);
    }
}

/* ---- interfaces ---------------------------------------------------------------------------- */

static void if_parse_names_and_networks(void **state)
{
    struct tcp_if_rule r[TCP_IF_RULES_MAX];
    char err[256];

    (void) state;
    assert_int_equal(kr_tcp_if_parse("eth0", r, TCP_IF_RULES_MAX, err, sizeof(err)), 1);
    assert_false(r[0].is_net);
    assert_string_equal(r[0].name, "eth0");
    assert_int_equal(kr_tcp_if_parse("ib0,10.1.0.0/16,lo", r, TCP_IF_RULES_MAX, err,
                                     sizeof(err)), 3);
    assert_true(r[1].is_net);
    assert_int_equal(r[1].net, 0x0a010000u);
    assert_int_equal(r[1].mask, 0xffff0000u);
    assert_string_equal(r[2].name, "lo");
    /* host bits in the network are ignored; /0 and /32 are fine */
    assert_int_equal(kr_tcp_if_parse("10.1.2.3/8,0.0.0.0/0,1.2.3.4/32", r, TCP_IF_RULES_MAX,
                                     err, sizeof(err)), 3);
    assert_int_equal(r[0].net, 0x0a000000u);
    assert_int_equal(r[1].mask, 0u);
    assert_int_equal(r[2].mask, 0xffffffffu);
}

static void if_parse_errors(void **state)
{
    static const char *const bad[] = {
        "", ",", "eth0,", ",eth0", "eth0,,eth1", "10.0.0.0/33", "10.0.0/8", "10.0.0.0/",
        "10.0.0.0/x", "10.0.0.1", "averyveryveryveryverylonginterfacename0", NULL
    };
    struct tcp_if_rule r[TCP_IF_RULES_MAX];
    char err[256];

    (void) state;
    for (int i = 0; bad[i] != NULL; i++) {
        err[0] = '\0';
        assert_int_equal(kr_tcp_if_parse(bad[i], r, TCP_IF_RULES_MAX, err, sizeof(err)),
                         -EINVAL);
        assert_non_null(strstr(err, "KURIR_TCP_IF"));
    }
    assert_int_equal(kr_tcp_if_parse("a,b,c", r, 2, err, sizeof(err)), -EINVAL);
}

static struct tcp_ifaddr ifa(const char *name, const char *addr, bool up, bool loopback)
{
    struct tcp_ifaddr ia;

    memset(&ia, 0, sizeof(ia));
    snprintf(ia.name, sizeof(ia.name), "%s", name);
    inet_pton(AF_INET, addr, &ia.addr);
    ia.up = up;
    ia.loopback = loopback;
    return ia;
}

static const char *addr_of(const struct in_addr *a, char *buf)
{
    return inet_ntop(AF_INET, a, buf, INET_ADDRSTRLEN);
}

static void if_choose_default_skips_bridges(void **state)
{
    struct tcp_ifaddr cand[] = {
        ifa("lo", "127.0.0.1", true, true),
        ifa("docker0", "172.17.0.1", true, false),
        ifa("eth0", "192.0.2.2", true, false),
        ifa("virbr0", "192.168.122.1", true, false),
        ifa("veth1234", "169.254.3.3", true, false),
        ifa("br-5f2a", "172.18.0.1", true, false),
        ifa("eth1", "10.9.0.5", false, false),
        ifa("ib0", "10.10.0.5", true, false),
    };
    struct in_addr out[8];
    char a[INET_ADDRSTRLEN];

    (void) state;
    assert_false(kr_tcp_if_usable(&cand[0]));
    assert_false(kr_tcp_if_usable(&cand[1]));
    assert_false(kr_tcp_if_usable(&cand[6]));
    assert_true(kr_tcp_if_usable(&cand[2]));
    assert_int_equal(kr_tcp_if_choose(cand, 8, NULL, 0, out, 8), 2);
    assert_string_equal(addr_of(&out[0], a), "192.0.2.2");
    assert_string_equal(addr_of(&out[1], a), "10.10.0.5");
    /* at most `max` */
    assert_int_equal(kr_tcp_if_choose(cand, 8, NULL, 0, out, 1), 1);
    /* nothing usable: nothing chosen (the transport then says to set KURIR_TCP_IF) */
    assert_int_equal(kr_tcp_if_choose(cand, 2, NULL, 0, out, 8), 0);
}

static void if_choose_explicit_rules(void **state)
{
    struct tcp_ifaddr cand[] = {
        ifa("lo", "127.0.0.1", true, true),
        ifa("eth0", "192.0.2.2", true, false),
        ifa("ib0", "10.10.0.5", true, false),
        ifa("ib1", "10.10.1.5", false, false),
        ifa("docker0", "172.17.0.1", true, false),
    };
    struct tcp_if_rule r[TCP_IF_RULES_MAX];
    struct in_addr out[8];
    char err[256], a[INET_ADDRSTRLEN];
    int n;

    (void) state;
    /* rule order is preference order; an explicit rule may name loopback or a bridge */
    n = kr_tcp_if_parse("10.10.0.0/16,eth0,lo,docker0", r, TCP_IF_RULES_MAX, err, sizeof(err));
    assert_int_equal(kr_tcp_if_choose(cand, 5, r, n, out, 8), 4);
    assert_string_equal(addr_of(&out[0], a), "10.10.0.5");   /* ib1 is down */
    assert_string_equal(addr_of(&out[1], a), "192.0.2.2");
    assert_string_equal(addr_of(&out[2], a), "127.0.0.1");
    assert_string_equal(addr_of(&out[3], a), "172.17.0.1");
    /* a rule matching nothing chooses nothing, even though usable interfaces exist */
    n = kr_tcp_if_parse("nosuch0", r, TCP_IF_RULES_MAX, err, sizeof(err));
    assert_int_equal(kr_tcp_if_choose(cand, 5, r, n, out, 8), 0);
    /* the same address named twice is published once */
    n = kr_tcp_if_parse("eth0,192.0.2.0/24", r, TCP_IF_RULES_MAX, err, sizeof(err));
    assert_int_equal(kr_tcp_if_choose(cand, 5, r, n, out, 8), 1);
}

static void if_list_has_loopback(void **state)
{
    struct tcp_ifaddr list[64];
    int n = kr_tcp_if_list(list, 64);
    bool lo = false;

    (void) state;
    assert_true(n > 0);
    for (int i = 0; i < n; i++) {
        lo = lo || list[i].loopback;
    }
    assert_true(lo);
}

/* ---- two transports in one process --------------------------------------------------------- */

#define NMSG 200

static size_t msg_len(int i)
{
    static const size_t sizes[] = { 0, 1, 8, 100, 4096, 65536, 17 };

    return sizes[i % 7];
}

/* A window of bulk transfers, more than the table has buckets, sent in the reverse order of
 * their ids with a small message after each: every one lands in place (the reader takes
 * headers alone while transfers are open) and the messages all arrive. */
#define NWIN 100
#define WIN_LEN 30000

static void bulk_window_lands_in_place(struct pair_rank *pr, unsigned char *src,
                                       unsigned char *dst)
{
    static uint64_t tickets[NWIN];
    struct tcp_tep *te = (struct tcp_tep *) (void *) pr[1].ep;
    struct kr_rndv_key key = { .len = WIN_LEN };
    int got0 = pr[1].got, left = NWIN, spins = 0;

    memset(dst, 0, (size_t) NWIN * WIN_LEN);
    for (int i = 0; i < NWIN; i++) {
        assert_int_equal(kr_tcp_tport_ops.coop_open(pr[1].ep, &key, dst + i * WIN_LEN,
                                                    &tickets[i]), 0);
    }
    assert_int_equal(te->xfers_waiting, NWIN);
    for (int i = NWIN - 1; i >= 0; i--) {
        struct kr_wire_hdr hdr = { .type = 1, .tag = NMSG + (NWIN - 1 - i), .len = 8 };
        unsigned char msg[8];
        struct iovec iov = { msg, sizeof(msg) };

        for (int k = 0; k < 8; k++) {
            msg[k] = (unsigned char) (hdr.tag + k);
        }

        assert_int_equal(kr_tcp_tport_ops.coop_work(pr[0].ep, tickets[i], src + i * WIN_LEN),
                         1);
        assert_int_equal(kr_tcp_tport_ops.send_eager(pr[0].ep, &hdr, &iov, 1), 0);
    }
    while (left > 0 && spins++ < 10000000) {
        progress_both(pr);
        for (int i = 0; i < NWIN; i++) {
            int d = tickets[i] != 0 ? kr_tcp_tport_ops.coop_done(pr[1].ep, tickets[i]) : 0;

            assert_true(d >= 0);
            if (d == 1) {
                tickets[i] = 0;
                left--;
            }
        }
    }
    assert_int_equal(left, 0);
    assert_int_equal(te->xfers_waiting, 0);
    while (pr[1].got < got0 + NWIN && spins++ < 10000000) {
        progress_both(pr);
    }
    assert_int_equal(pr[1].got, got0 + NWIN);
    assert_true(pr[1].order_ok);
    assert_memory_equal(src, dst, (size_t) NWIN * WIN_LEN);
}

static void simultaneous_connect_loses_nothing(void **state)
{
    static unsigned char buf[65536], big_src[3 << 20], big_dst[3 << 20];
    struct pair_rank pr[2];
    int node_of[2] = { 0, 0 }, local[2] = { 0, 1 };
    struct kr_tport_kvs kvs = fake_kvs;
    struct kr_rndv_key key = { .len = sizeof(big_src) };
    uint64_t ticket;
    int spins = 0, done = 0;

    (void) state;
    fake_kvs_clear();
    for (int r = 0; r < 2; r++) {
        struct kr_tport_job job = {
            .rank = r, .size = 2, .jobid = "unit", .node = 0, .nlocal = 2, .local_rank = r,
            .local_ranks = local, .ncores = 2, .nnodes = 1, .node_of = node_of, .kvs = &kvs,
        };
        struct kr_tport_cb cb = { &pr[r], pair_recv };

        memset(&pr[r], 0, sizeof(pr[r]));
        pr[r].rank = r;
        pr[r].order_ok = true;
        assert_int_equal(kr_tcp_tport_ops.open(&job, &cb, &pr[r].tp), 0);
    }
    for (int r = 0; r < 2; r++) {
        assert_int_equal(kr_tcp_tport_ops.start(pr[r].tp), 0);
    }
    /* Both connect before either has looked at its listener: a simultaneous connect. */
    for (int r = 0; r < 2; r++) {
        assert_int_equal(kr_tcp_tport_ops.connect(pr[r].tp, 1 - r, &pr[r].ep), 0);
    }
    for (int i = 0; i < NMSG; i++) {
        for (int r = 0; r < 2; r++) {
            struct kr_wire_hdr hdr = { .type = 1, .tag = i, .len = msg_len(i) };
            struct iovec iov = { buf, msg_len(i) };
            int ret;

            for (size_t k = 0; k < iov.iov_len; k++) {
                buf[k] = (unsigned char) (i + (int) k);
            }
            while ((ret = kr_tcp_tport_ops.send_eager(pr[r].ep, &hdr, &iov, 1)) == -EAGAIN) {
                progress_both(pr);
            }
            assert_int_equal(ret, 0);
        }
    }
    while ((pr[0].got < NMSG || pr[1].got < NMSG) && spins++ < 10000000) {
        progress_both(pr);
    }
    for (int r = 0; r < 2; r++) {
        struct tcp_tport *tt = (struct tcp_tport *) (void *) pr[r].tp;

        assert_int_equal(pr[r].got, NMSG);
        assert_true(pr[r].order_ok);
        /* both saw the race, and one connection survived: rank 0's */
        assert_int_equal(tt->races, 1);
        assert_int_equal(tt->eps[1 - r].state, TCP_EP_UP);
        assert_null(tt->eps[1 - r].out);
    }
    /* Bulk: rank 1 receives 3 MiB straight into big_dst, streamed from big_src. */
    for (size_t k = 0; k < sizeof(big_src); k++) {
        big_src[k] = (unsigned char) (k * 7 + 3);
    }
    assert_int_equal(kr_tcp_tport_ops.coop_open(pr[1].ep, &key, big_dst, &ticket), 0);
    assert_int_equal(kr_tcp_tport_ops.coop_work(pr[1].ep, ticket, NULL), 0);
    assert_int_equal(kr_tcp_tport_ops.coop_work(pr[0].ep, ticket, big_src), 1);
    for (spins = 0; done == 0 && spins < 10000000; spins++) {
        progress_both(pr);
        done = kr_tcp_tport_ops.coop_done(pr[1].ep, ticket);
    }
    assert_int_equal(done, 1);
    assert_memory_equal(big_src, big_dst, sizeof(big_src));
    bulk_window_lands_in_place(pr, big_src, big_dst);
    for (int r = 1; r >= 0; r--) {
        kr_tcp_tport_ops.close(pr[r].tp);
    }
}

/* A loopback connection's send buffer: the small fixed size while it streams, then back to
 * the size autotuning had reached; a connection with a fixed buffer is left alone. */
static void stream_buffer_switches(void **state)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), scratch = socket(AF_INET, SOCK_STREAM, 0);
    int snd = (int) kr_tcp_cfg.sndbuf, tuned, small, now;
    socklen_t len = sizeof(int);
    struct tcp_conn c = { .fd = fd, .sndbuf_adapt = true };
    struct tcp_conn fixed = { .fd = scratch };

    (void) state;
    assert_true(fd >= 0 && scratch >= 0 && snd > 0);
    assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &tuned, &len), 0);
    assert_int_equal(setsockopt(scratch, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd)), 0);
    assert_int_equal(getsockopt(scratch, SOL_SOCKET, SO_SNDBUF, &small, &len), 0);

    kr_tcp_conn_stream(&c, true);
    assert_true(c.sndbuf_stream);
    assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &now, &len), 0);
    assert_int_equal(now, small);
    kr_tcp_conn_stream(&c, false);
    assert_false(c.sndbuf_stream);
    assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &now, &len), 0);
    assert_int_equal(now, tuned);
    /* the autotuned size is taken once, on the first switch */
    assert_int_equal(c.sndbuf_lone, tuned / 2);

    snd = 123456;
    assert_int_equal(setsockopt(scratch, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd)), 0);
    kr_tcp_conn_stream(&fixed, true);
    assert_false(fixed.sndbuf_stream);
    assert_int_equal(getsockopt(scratch, SOL_SOCKET, SO_SNDBUF, &now, &len), 0);
    assert_int_equal(now, 2 * snd);
    close(fd);
    close(scratch);
}

static int load_defaults(void **state)
{
    static const struct kr_setting *const tables[] = { kr_tcp_settings, NULL };
    static char *const env[] = { NULL };
    char err[256];

    (void) state;
    return kr_settings_load_tables(tables, env, err, sizeof(err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hello_round_trip),
        cmocka_unit_test(hello_rejects_strangers),
        cmocka_unit_test(frame_checks),
        cmocka_unit_test(secret_hex_round_trip),
        cmocka_unit_test(card_round_trip),
        cmocka_unit_test(card_malformed),
        cmocka_unit_test(if_parse_names_and_networks),
        cmocka_unit_test(if_parse_errors),
        cmocka_unit_test(if_choose_default_skips_bridges),
        cmocka_unit_test(if_choose_explicit_rules),
        cmocka_unit_test(if_list_has_loopback),
        cmocka_unit_test(simultaneous_connect_loses_nothing),
        cmocka_unit_test(stream_buffer_switches),
    };

    return cmocka_run_group_tests(tests, load_defaults, NULL);
}

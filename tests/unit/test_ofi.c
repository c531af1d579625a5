/* libfabric transport (src/transport/ofi): provider ranking and choice from lists of names,
 * business cards, the memory registration cache (with counting fake registrations), and two
 * transports in one process over tcp;ofi_rxm: eager messages in order, a bulk transfer of
 * many chunks landing in place, and the read rendezvous (fi_read of an exposed buffer). */
#include "config.h"

#include "fake_kvs.h"
#include "tport_pair.h"
#include "transport/ofi/ofi_int.h"
#include "util/settings.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

extern const struct kr_setting kr_ofi_settings[];

/* ---- provider ranking ---------------------------------------------------------------------- */

static void prov_classes(void **state)
{
    int a, b;

    (void) state;
    assert_int_equal(kr_ofi_prov_class("verbs;ofi_rxm", &a), KR_OFI_PROV_FAST);
    assert_int_equal(kr_ofi_prov_class("efa", &a), KR_OFI_PROV_FAST);
    assert_int_equal(kr_ofi_prov_class("cxi", &b), KR_OFI_PROV_FAST);
    assert_true(b > a);                         /* cxi before efa */
    assert_int_equal(kr_ofi_prov_class("tcp;ofi_rxm", &a), KR_OFI_PROV_SLOW);
    assert_int_equal(kr_ofi_prov_class("tcp", &b), KR_OFI_PROV_SLOW);
    assert_true(a > b);                         /* rxm layered beats the bare name */
    assert_int_equal(kr_ofi_prov_class("sockets", &a), KR_OFI_PROV_SLOW);
    assert_int_equal(kr_ofi_prov_class("udp;ofi_rxd", &a), KR_OFI_PROV_SLOW);
    assert_int_equal(kr_ofi_prov_class("shm", &a), KR_OFI_PROV_NEVER);
    assert_int_equal(kr_ofi_prov_class("ofi_hook_perf", &a), KR_OFI_PROV_NEVER);
}

static void prov_matches(void **state)
{
    (void) state;
    assert_true(kr_ofi_prov_matches("tcp;ofi_rxm", "tcp;ofi_rxm"));
    assert_true(kr_ofi_prov_matches("verbs;ofi_rxm", "verbs"));
    assert_true(kr_ofi_prov_matches("VERBS;ofi_rxm", "verbs"));
    assert_false(kr_ofi_prov_matches("verbs;ofi_rxm", "verbs;ofi_rxd"));
    assert_false(kr_ofi_prov_matches("tcp;ofi_rxm", "tc"));
    assert_false(kr_ofi_prov_matches("sockets", "tcp"));
}

static void prov_pick_default(void **state)
{
    /* This machine: only socket-based providers. By default nothing: Kurir's TCP wins. */
    const char *here[] = { "tcp;ofi_rxm", "sockets", "shm", "udp;ofi_rxd", "net;ofi_rxm" };
    const char *fast[] = { "tcp;ofi_rxm", "shm", "verbs;ofi_rxm", "psm3", "sockets" };

    (void) state;
    assert_int_equal(kr_ofi_prov_pick(here, 5, "", false), -1);
    assert_int_equal(kr_ofi_prov_pick(here, 5, NULL, false), -1);
    assert_int_equal(kr_ofi_prov_pick(fast, 5, "", false), 3);   /* psm3 over verbs */
    assert_int_equal(kr_ofi_prov_pick(fast, 2, "", false), -1);
    assert_int_equal(kr_ofi_prov_pick(here, 0, "", true), -1);
}

static void prov_pick_forced(void **state)
{
    const char *here[] = { "sockets", "shm", "udp;ofi_rxd", "tcp;ofi_rxm", "tcp" };
    const char *fast[] = { "tcp;ofi_rxm", "efa", "sockets" };
    const char *only_shm[] = { "shm" };

    (void) state;
    assert_int_equal(kr_ofi_prov_pick(here, 5, "", true), 3);    /* tcp;ofi_rxm */
    assert_int_equal(kr_ofi_prov_pick(fast, 3, "", true), 1);    /* a fast one first */
    assert_int_equal(kr_ofi_prov_pick(only_shm, 1, "", true), -1);
}

static void prov_pick_named(void **state)
{
    const char *here[] = { "sockets", "shm", "udp;ofi_rxd", "tcp;ofi_rxm" };

    (void) state;
    assert_int_equal(kr_ofi_prov_pick(here, 4, "sockets", false), 0);
    assert_int_equal(kr_ofi_prov_pick(here, 4, "udp", true), 2);
    assert_int_equal(kr_ofi_prov_pick(here, 4, "shm", true), 1);  /* named: allowed */
    assert_int_equal(kr_ofi_prov_pick(here, 4, "verbs", true), -1);
    assert_int_equal(kr_ofi_prov_pick(here, 4, "bogus", false), -1);
}

/* ---- cards --------------------------------------------------------------------------------- */

static void card_round_trip(void **state)
{
    struct ofi_card c = { .prov = "tcp;ofi_rxm", .addrlen = 16 }, d;
    char text[KR_OFI_CARD_TEXT_MAX];

    (void) state;
    for (size_t i = 0; i < c.addrlen; i++) {
        c.addr[i] = (uint8_t) (i * 37 + 1);
    }
    assert_int_equal(kr_ofi_card_format(&c, text, sizeof(text)), 0);
    assert_null(strchr(text, ';'));             /* the key-value space forbids it */
    assert_null(strchr(text, '='));
    assert_int_equal(strncmp(text, "1|tcp+ofi_rxm|0126", 18), 0);
    assert_int_equal(kr_ofi_card_parse(text, &d), 0);
    assert_string_equal(d.prov, "tcp;ofi_rxm");
    assert_int_equal(d.addrlen, 16);
    assert_memory_equal(d.addr, c.addr, 16);
    c.addrlen = KR_OFI_ADDR_MAX;
    assert_int_equal(kr_ofi_card_format(&c, text, sizeof(text)), 0);
    assert_int_equal(kr_ofi_card_format(&c, text, 40), -ENOSPC);
    c.addrlen = 0;
    assert_int_equal(kr_ofi_card_format(&c, text, sizeof(text)), -EINVAL);
}

static void card_malformed(void **state)
{
    struct ofi_card c;
    char long_addr[2 * KR_OFI_ADDR_MAX + 20];

    (void) state;
    assert_int_equal(kr_ofi_card_parse("", &c), -EINVAL);
    assert_int_equal(kr_ofi_card_parse("2|tcp|00", &c), -EINVAL);     /* version */
    assert_int_equal(kr_ofi_card_parse("1||00", &c), -EINVAL);        /* no provider */
    assert_int_equal(kr_ofi_card_parse("1|tcp|", &c), -EINVAL);       /* no address */
    assert_int_equal(kr_ofi_card_parse("1|tcp|0", &c), -EINVAL);      /* odd digits */
    assert_int_equal(kr_ofi_card_parse("1|tcp|0g", &c), -EINVAL);     /* not hex */
    assert_int_equal(kr_ofi_card_parse("1|tcp", &c), -EINVAL);
    snprintf(long_addr, sizeof(long_addr), "1|tcp|");
    memset(long_addr + 6, 'a', 2 * KR_OFI_ADDR_MAX + 2);
    long_addr[6 + 2 * KR_OFI_ADDR_MAX + 2] = '\0';
    assert_int_equal(kr_ofi_card_parse(long_addr, &c), -EINVAL);
}

/* ---- MR cache ------------------------------------------------------------------------------ */

struct fake_reg {
    int live, regs, fail_next;
};

static int fake_reg(void *ctx, void *addr, size_t len, void **handle_out)
{
    struct fake_reg *f = ctx;

    (void) len;
    if (f->fail_next) {
        f->fail_next = 0;
        return -ENOMEM;
    }
    f->live++;
    f->regs++;
    *handle_out = addr;
    return 0;
}

static void fake_dereg(void *ctx, void *handle)
{
    struct fake_reg *f = ctx;

    (void) handle;
    f->live--;
}

static void mr_cache_hits_and_lru(void **state)
{
    static char buf[8][4096];
    struct fake_reg f = { 0 };
    struct ofi_mr_cache mc;
    struct ofi_mr_entry *e[8], *again;

    (void) state;
    kr_ofi_mr_cache_init(&mc, 3, fake_reg, fake_dereg, &f);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(kr_ofi_mr_get(&mc, buf[i], 4096, &e[i]), 0);
        kr_ofi_mr_put(&mc, e[i]);
    }
    assert_int_equal(f.live, 3);
    /* same range: a hit; a different length is a different entry */
    assert_int_equal(kr_ofi_mr_get(&mc, buf[0], 4096, &again), 0);
    assert_ptr_equal(again, e[0]);
    assert_int_equal(f.regs, 3);
    kr_ofi_mr_put(&mc, again);
    /* a fourth range evicts the least recently used: buf[1] (buf[0] was just used) */
    assert_int_equal(kr_ofi_mr_get(&mc, buf[3], 4096, &e[3]), 0);
    kr_ofi_mr_put(&mc, e[3]);
    assert_int_equal(f.live, 3);
    assert_int_equal(kr_ofi_mr_get(&mc, buf[0], 4096, &again), 0);
    kr_ofi_mr_put(&mc, again);
    assert_int_equal(f.regs, 4);
    assert_int_equal(kr_ofi_mr_get(&mc, buf[1], 4096, &again), 0);  /* was evicted */
    kr_ofi_mr_put(&mc, again);
    assert_int_equal(f.regs, 5);
    assert_int_equal(mc.hits, 2);
    kr_ofi_mr_cache_fini(&mc);
    assert_int_equal(f.live, 0);
}

static void mr_cache_never_evicts_held(void **state)
{
    static char buf[6][64];
    struct fake_reg f = { 0 };
    struct ofi_mr_cache mc;
    struct ofi_mr_entry *e[6];

    (void) state;
    kr_ofi_mr_cache_init(&mc, 2, fake_reg, fake_dereg, &f);
    for (int i = 0; i < 4; i++) {               /* all held: the cache grows past max */
        assert_int_equal(kr_ofi_mr_get(&mc, buf[i], 64, &e[i]), 0);
    }
    assert_int_equal(f.live, 4);
    for (int i = 0; i < 4; i++) {               /* released over the limit: dropped */
        kr_ofi_mr_put(&mc, e[i]);
    }
    assert_int_equal(f.live, 2);
    f.fail_next = 1;
    assert_int_equal(kr_ofi_mr_get(&mc, buf[5], 64, &e[5]), -ENOMEM);
    assert_int_equal(f.live, 2);
    kr_ofi_mr_cache_fini(&mc);
    assert_int_equal(f.live, 0);
}

static void mr_cache_off_registers_per_use(void **state)
{
    static char buf[64];
    struct fake_reg f = { 0 };
    struct ofi_mr_cache mc;
    struct ofi_mr_entry *e, *e2;

    (void) state;
    kr_ofi_mr_cache_init(&mc, 0, fake_reg, fake_dereg, &f);
    assert_int_equal(kr_ofi_mr_get(&mc, buf, 64, &e), 0);
    assert_int_equal(kr_ofi_mr_get(&mc, buf, 64, &e2), 0);  /* shared while held */
    assert_ptr_equal(e, e2);
    kr_ofi_mr_put(&mc, e2);
    assert_int_equal(f.live, 1);
    kr_ofi_mr_put(&mc, e);
    assert_int_equal(f.live, 0);
    assert_int_equal(kr_ofi_mr_get(&mc, buf, 64, &e), 0);
    kr_ofi_mr_put(&mc, e);
    assert_int_equal(f.regs, 2);
    kr_ofi_mr_cache_fini(&mc);
}

/* ---- two transports in one process over tcp;ofi_rxm --------------------------------------- */

#define NMSG 300

static void pair_open(struct pair_rank *pr, struct kr_tport_kvs *kvs)
{
    static int node_of[2] = { 0, 0 }, local[2] = { 0, 1 };

    fake_kvs_clear();
    for (int r = 0; r < 2; r++) {
        struct kr_tport_job job = {
            .rank = r, .size = 2, .jobid = "unit", .node = 0, .nlocal = 2, .local_rank = r,
            .local_ranks = local, .ncores = 2, .nnodes = 1, .node_of = node_of, .kvs = kvs,
        };
        struct kr_tport_cb cb = { &pr[r], pair_recv };

        memset(&pr[r], 0, sizeof(pr[r]));
        pr[r].rank = r;
        pr[r].order_ok = true;
        assert_int_equal(kr_ofi_tport_ops.open(&job, &cb, &pr[r].tp), 0);
    }
    for (int r = 0; r < 2; r++) {
        assert_int_equal(kr_ofi_tport_ops.connect(pr[r].tp, 1 - r, &pr[r].ep), 0);
    }
}

static void pair_eager_in_order(void **state)
{
    static unsigned char buf[16384];
    struct kr_tport_kvs kvs = fake_kvs;
    struct pair_rank pr[2];
    size_t max = 0;
    long spins = 0;

    (void) state;
    pair_open(pr, &kvs);
    max = kr_ofi_tport_ops.max_eager(pr[0].ep);
    assert_true(max >= 4096);
    for (int i = 0; i < NMSG; i++) {
        for (int r = 0; r < 2; r++) {
            size_t sizes[] = { 0, 1, 8, 100, 4096, max, 17 };
            struct kr_wire_hdr hdr = { .type = 1, .tag = i, .len = sizes[i % 7] };
            struct iovec iov = { buf, sizes[i % 7] };
            int ret;

            for (size_t k = 0; k < iov.iov_len; k++) {
                buf[k] = (unsigned char) (i + (int) k);
            }
            while ((ret = kr_ofi_tport_ops.send_eager(pr[r].ep, &hdr, &iov, 1)) == -EAGAIN) {
                progress_both(pr);
            }
            assert_int_equal(ret, 0);
        }
    }
    while ((pr[0].got < NMSG || pr[1].got < NMSG) && spins++ < 100000000L) {
        progress_both(pr);
    }
    for (int r = 0; r < 2; r++) {
        assert_int_equal(pr[r].got, NMSG);
        assert_true(pr[r].order_ok);
    }
    for (int r = 1; r >= 0; r--) {
        kr_ofi_tport_ops.close(pr[r].tp);
    }
}

static void pair_bulk_lands_in_place(void **state)
{
    static unsigned char src[(3 << 20) + 123], dst[(3 << 20) + 123 + 16], dst2[100000 + 16];
    struct kr_tport_kvs kvs = fake_kvs;
    struct kr_rndv_key key = { .len = sizeof(src) };
    struct pair_rank pr[2];
    uint64_t ticket, ticket2;
    long spins;
    int done = 0, done2 = 0;

    (void) state;
    pair_open(pr, &kvs);
    for (size_t k = 0; k < sizeof(src); k++) {
        src[k] = (unsigned char) (k * 7 + 3);
    }
    memset(dst, 0xee, sizeof(dst));
    memset(dst2, 0xee, sizeof(dst2));
    /* 64 KiB chunks (KURIR_OFI_CHUNK below): 49 chunks through a window of 8; and a transfer
     * the other way at the same time (truncated: the receiver takes 100000 bytes). */
    assert_int_equal(kr_ofi_tport_ops.coop_open(pr[1].ep, &key, dst, &ticket), 0);
    key.len = 100000;
    assert_int_equal(kr_ofi_tport_ops.coop_open(pr[0].ep, &key, dst2, &ticket2), 0);
    assert_int_equal(kr_ofi_tport_ops.coop_work(pr[1].ep, ticket, NULL), 0);
    assert_int_equal(kr_ofi_tport_ops.coop_done(pr[1].ep, ticket), 0);
    assert_int_equal(kr_ofi_tport_ops.coop_work(pr[0].ep, ticket, src), 1);
    assert_int_equal(kr_ofi_tport_ops.coop_work(pr[1].ep, ticket2, src), 1);
    for (spins = 0; (done == 0 || done2 == 0) && spins < 100000000L; spins++) {
        progress_both(pr);
        if (done == 0) {
            done = kr_ofi_tport_ops.coop_done(pr[1].ep, ticket);
        }
        if (done2 == 0) {
            done2 = kr_ofi_tport_ops.coop_done(pr[0].ep, ticket2);
        }
    }
    assert_int_equal(done, 1);
    assert_int_equal(done2, 1);
    assert_memory_equal(src, dst, sizeof(src));
    assert_int_equal(dst[sizeof(src)], 0xee);
    assert_memory_equal(src, dst2, 100000);
    assert_int_equal(dst2[100000], 0xee);
    for (int r = 1; r >= 0; r--) {
        kr_ofi_tport_ops.close(pr[r].tp);
    }
}

/* Read rendezvous: rank 0 exposes an unaligned buffer, rank 1 reads it in 64 KiB pieces
 * (8 in flight) straight into an unaligned destination, whole and truncated; the sender's
 * coop_work has nothing to do. With KURIR_OFI_RNDV=send nothing is exposed. */
static void pair_read_lands_in_place(void **state)
{
    static unsigned char src[(3 << 20) + 200], dst[(3 << 20) + 200], dst2[70001 + 16];
    const size_t len = (3 << 20) + 123;
    struct kr_tport_kvs kvs = fake_kvs;
    struct kr_rndv_key key = { .len = len }, again = { .len = len };
    struct pair_rank pr[2];
    void *handle = NULL, *h2;
    uint64_t ticket[2];
    int done[2] = { 0, 0 };
    long spins;

    (void) state;
    pair_open(pr, &kvs);
    for (size_t k = 0; k < len; k++) {
        src[1 + k] = (unsigned char) (k * 13 + 5);
    }
    memset(dst, 0xee, sizeof(dst));
    memset(dst2, 0xee, sizeof(dst2));
    assert_int_equal(kr_ofi_tport_ops.rndv_expose(pr[0].ep, src + 1, len, &key, &handle), 0);
    assert_non_null(handle);
    assert_true((key.flags & KR_RNDV_KEY_REMOTE) != 0);
    /* A retried RTS: same registration, same key. */
    h2 = handle;
    assert_int_equal(kr_ofi_tport_ops.rndv_expose(pr[0].ep, src + 1, len, &again, &h2), 0);
    assert_ptr_equal(h2, handle);
    assert_true(again.rkey == key.rkey && again.raddr == key.raddr);

    assert_int_equal(kr_ofi_tport_ops.coop_open(pr[1].ep, &key, dst + 3, &ticket[0]), 0);
    key.len = 70001;            /* a truncated receive of the same buffer */
    assert_int_equal(kr_ofi_tport_ops.coop_open(pr[1].ep, &key, dst2 + 1, &ticket[1]), 0);
    assert_int_equal(kr_ofi_tport_ops.coop_work(pr[0].ep, ticket[0], src + 1), 0);
    assert_int_equal(kr_ofi_tport_ops.coop_work(pr[0].ep, ticket[1], src + 1), 0);
    for (spins = 0; (done[0] == 0 || done[1] == 0) && spins < 100000000L; spins++) {
        progress_both(pr);
        for (int i = 0; i < 2; i++) {
            if (done[i] == 0) {
                done[i] = kr_ofi_tport_ops.coop_done(pr[1].ep, ticket[i]);
            }
        }
    }
    assert_int_equal(done[0], 1);
    assert_int_equal(done[1], 1);
    assert_memory_equal(src + 1, dst + 3, len);
    assert_int_equal(dst[2], 0xee);
    assert_int_equal(dst[3 + len], 0xee);
    assert_memory_equal(src + 1, dst2 + 1, 70001);
    assert_int_equal(dst2[0], 0xee);
    assert_int_equal(dst2[1 + 70001], 0xee);
    kr_ofi_tport_ops.rndv_unexpose(pr[0].ep, handle);
    for (int r = 1; r >= 0; r--) {
        kr_ofi_tport_ops.close(pr[r].tp);
    }

    /* Forced pipelined sends: no exposure, and a key without it means tagged chunks. */
    kr_ofi_cfg.rndv = OFI_RNDV_SEND;
    pair_open(pr, &kvs);
    handle = NULL;
    key = (struct kr_rndv_key) { .len = len };
    assert_int_equal(kr_ofi_tport_ops.rndv_expose(pr[0].ep, src + 1, len, &key, &handle),
                     -ENOSYS);
    assert_null(handle);
    assert_true((key.flags & KR_RNDV_KEY_REMOTE) == 0);
    for (int r = 1; r >= 0; r--) {
        kr_ofi_tport_ops.close(pr[r].tp);
    }
    kr_ofi_cfg.rndv = OFI_RNDV_AUTO;
}

static int load_settings(void **state)
{
    static const struct kr_setting *const tables[] = { kr_ofi_settings, NULL };
    static char *const env[] = { "KURIR_OFI_PROVIDER=tcp;ofi_rxm", "KURIR_OFI_CHUNK=64k",
                                 NULL };
    char err[256];

    (void) state;
    return kr_settings_load_tables(tables, env, err, sizeof(err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prov_classes),
        cmocka_unit_test(prov_matches),
        cmocka_unit_test(prov_pick_default),
        cmocka_unit_test(prov_pick_forced),
        cmocka_unit_test(prov_pick_named),
        cmocka_unit_test(card_round_trip),
        cmocka_unit_test(card_malformed),
        cmocka_unit_test(mr_cache_hits_and_lru),
        cmocka_unit_test(mr_cache_never_evicts_held),
        cmocka_unit_test(mr_cache_off_registers_per_use),
        cmocka_unit_test(pair_eager_in_order),
        cmocka_unit_test(pair_bulk_lands_in_place),
        cmocka_unit_test(pair_read_lands_in_place),
    };

    return cmocka_run_group_tests(tests, load_settings, NULL);
}

/* Two ranks of one transport in one test process (tport_pair.h). */
#include "config.h"

#include "tport_pair.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

void pair_recv(void *ctx, int src, const struct kr_wire_hdr *hdr, const void *payload,
               size_t len)
{
    struct pair_rank *pr = ctx;
    const unsigned char *p = payload;
    bool ok = src == 1 - pr->rank && hdr->tag == pr->got && len == hdr->len;

    for (size_t i = 0; ok && i < len; i++) {
        ok = p[i] == (unsigned char) (hdr->tag + i);
    }
    pr->order_ok = pr->order_ok && ok;
    pr->got++;
}

void progress_both(struct pair_rank *pr)
{
    for (int r = 0; r < 2; r++) {
        assert_true(pr[r].tp->ops->progress(pr[r].tp) >= 0);
    }
}

/* The ofi business card: provider name and endpoint name (fi_getname) as printable text for
 * the PMI key-value space. Pure functions (test_ofi.c). */
#include "config.h"

#include "ofi_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define OFI_CARD_VERSION 1

int kr_ofi_card_format(const struct ofi_card *c, char *buf, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    size_t off;
    int n;

    if (c->prov[0] == '\0' || c->addrlen == 0 || c->addrlen > KR_OFI_ADDR_MAX
        || strpbrk(c->prov, "|+=") != NULL) {
        return -EINVAL;
    }
    n = snprintf(buf, len, "%d|%s|", OFI_CARD_VERSION, c->prov);
    if (n < 0 || (size_t) n >= len || len - (size_t) n < 2 * c->addrlen + 1) {
        return -ENOSPC;
    }
    for (char *p = buf; *p != '\0'; p++) {
        if (*p == ';') {
            *p = '+';
        }
    }
    off = (size_t) n;
    for (size_t i = 0; i < c->addrlen; i++) {
        buf[off++] = digits[c->addr[i] >> 4];
        buf[off++] = digits[c->addr[i] & 0xf];
    }
    buf[off] = '\0';
    return 0;
}

static int ofi_card_nibble(char ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    return -1;
}

int kr_ofi_card_parse(const char *text, struct ofi_card *c_out)
{
    struct ofi_card c;
    const char *p, *bar;
    size_t n, hex;

    memset(&c, 0, sizeof(c));
    if (strncmp(text, "1|", 2) != 0) {
        return -EINVAL;
    }
    p = text + 2;
    bar = strchr(p, '|');
    if (bar == NULL || bar == p || (size_t) (bar - p) >= sizeof(c.prov)) {
        return -EINVAL;
    }
    n = (size_t) (bar - p);
    for (size_t i = 0; i < n; i++) {
        c.prov[i] = p[i] == '+' ? ';' : p[i];
    }
    p = bar + 1;
    hex = strlen(p);
    if (hex == 0 || hex % 2 != 0 || hex / 2 > KR_OFI_ADDR_MAX) {
        return -EINVAL;
    }
    for (size_t i = 0; i < hex / 2; i++) {
        int hi = ofi_card_nibble(p[2 * i]), lo = ofi_card_nibble(p[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            return -EINVAL;
        }
        c.addr[i] = (uint8_t) (hi << 4 | lo);
    }
    c.addrlen = hex / 2;
    *c_out = c;
    return 0;
}

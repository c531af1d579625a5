/* TCP wire formats: the hello that opens every connection, frame headers, the job secret in
 * hex and the business card. Pure functions, no sockets (unit-tested in test_tcp.c). */
#include "config.h"

#include "tcp_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kr_tcp_hello_make(struct tcp_hello *h, uint32_t flags, int from, int to,
                       const uint8_t *secret)
{
    memset(h, 0, sizeof(*h));
    h->magic = TCP_HELLO_MAGIC;
    h->version = TCP_HELLO_VERSION;
    h->flags = flags;
    h->from = from;
    h->to = to;
    memcpy(h->secret, secret, TCP_SECRET_LEN);
}

int kr_tcp_hello_check(const struct tcp_hello *h, const uint8_t *secret, int me, int size,
                       uint32_t want)
{
    uint8_t diff = 0;
    uint32_t f = h->flags & want;

    /* Compare all of the secret whatever differs, so timing tells a stranger nothing. */
    for (int i = 0; i < TCP_SECRET_LEN; i++) {
        diff |= (uint8_t) (h->secret[i] ^ secret[i]);
    }
    if (h->magic != TCP_HELLO_MAGIC || h->version != TCP_HELLO_VERSION || diff != 0) {
        return -EPROTO;
    }
    if (h->to != me || h->from < 0 || h->from >= size || h->from == me) {
        return -EPROTO;
    }
    if (f == 0 || (f & (f - 1)) != 0 || (h->flags & ~want) != 0) {
        return -EPROTO;
    }
    return 0;
}

int kr_tcp_frame_check(const struct tcp_frame *f, uint64_t max_msg)
{
    switch (f->kind) {
    case TCP_F_MSG:
        return f->len <= max_msg ? 0 : -EPROTO;
    case TCP_F_BULK:
        return 0;
    case TCP_F_BYE:
        return f->len == 0 ? 0 : -EPROTO;
    default:
        return -EPROTO;
    }
}

void kr_tcp_secret_hex(const uint8_t *secret, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (int i = 0; i < TCP_SECRET_LEN; i++) {
        out[2 * i] = digits[secret[i] >> 4];
        out[2 * i + 1] = digits[secret[i] & 0xf];
    }
    out[2 * TCP_SECRET_LEN] = '\0';
}

static int tcp_wire_nibble(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int kr_tcp_secret_parse(const char *hex, uint8_t *secret_out)
{
    uint8_t s[TCP_SECRET_LEN];

    if (strlen(hex) != 2 * TCP_SECRET_LEN) {
        return -EINVAL;
    }
    for (int i = 0; i < TCP_SECRET_LEN; i++) {
        int hi = tcp_wire_nibble(hex[2 * i]), lo = tcp_wire_nibble(hex[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            return -EINVAL;
        }
        s[i] = (uint8_t) (hi << 4 | lo);
    }
    memcpy(secret_out, s, sizeof(s));
    return 0;
}

int kr_tcp_card_format(const struct tcp_card *c, char *buf, size_t len)
{
    size_t off;
    int n;

    n = snprintf(buf, len, "%u|%s|", (unsigned) c->port, c->host);
    if (n < 0 || (size_t) n >= len) {
        return -ENOSPC;
    }
    off = (size_t) n;
    for (int i = 0; i < c->naddrs; i++) {
        char a[INET_ADDRSTRLEN];

        inet_ntop(AF_INET, &c->addrs[i], a, sizeof(a));
        n = snprintf(buf + off, len - off, "%s%s", i > 0 ? "," : "", a);
        if (n < 0 || (size_t) n >= len - off) {
            return -ENOSPC;
        }
        off += (size_t) n;
    }
    return 0;
}

int kr_tcp_card_parse(const char *text, struct tcp_card *c_out)
{
    struct tcp_card c;
    const char *p = text, *bar;
    char *end;
    unsigned long port;

    memset(&c, 0, sizeof(c));
    port = strtoul(p, &end, 10);
    if (end == p || *end != '|' || port == 0 || port > 65535) {
        return -EINVAL;
    }
    c.port = (uint16_t) port;
    p = end + 1;
    bar = strchr(p, '|');
    if (bar == NULL || bar == p || (size_t) (bar - p) >= sizeof(c.host)) {
        return -EINVAL;
    }
    memcpy(c.host, p, (size_t) (bar - p));
    p = bar + 1;
    while (*p != '\0') {
        char a[INET_ADDRSTRLEN];
        size_t n = strcspn(p, ",");

        if (n == 0 || n >= sizeof(a) || c.naddrs == TCP_CARD_ADDRS_MAX) {
            return -EINVAL;
        }
        memcpy(a, p, n);
        a[n] = '\0';
        if (inet_pton(AF_INET, a, &c.addrs[c.naddrs]) != 1) {
            return -EINVAL;
        }
        c.naddrs++;
        p += n;
        if (*p == ',') {
            p++;
            if (*p == '\0') {
                return -EINVAL;
            }
        }
    }
    if (c.naddrs == 0) {
        return -EINVAL;
    }
    *c_out = c;
    return 0;
}

/* The payload codec of the mpirun <-> daemon protocol: big-endian u32, length-prefixed bytes
 * and NUL-terminated strings, lists of strings; reads are bounds-checked in place. */
#include "config.h"

#include "proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const proto_names[KR_PROTO_TYPE_MAX] = {
    [KR_PROTO_HELLO] = "hello",         [KR_PROTO_LAUNCH] = "launch",
    [KR_PROTO_FENCE] = "fence",         [KR_PROTO_FENCE_DONE] = "fence-done",
    [KR_PROTO_OUTPUT] = "output",       [KR_PROTO_EXIT] = "exit",
    [KR_PROTO_ABORT] = "abort",         [KR_PROTO_PMI_ERROR] = "pmi-error",
    [KR_PROTO_STDIN] = "stdin",         [KR_PROTO_STDIN_ACK] = "stdin-ack",
    [KR_PROTO_SIGNAL] = "signal",       [KR_PROTO_TERMINATE] = "terminate",
    [KR_PROTO_HEARTBEAT] = "heartbeat", [KR_PROTO_DONE] = "done",
    [KR_PROTO_ERROR] = "error",
};

const char *kr_proto_type_name(uint32_t type)
{
    if (type < KR_PROTO_TYPE_MAX && proto_names[type] != NULL) {
        return proto_names[type];
    }
    return "unknown";
}

void kr_proto_buf_init(struct kr_proto_buf *b)
{
    memset(b, 0, sizeof(*b));
}

void kr_proto_buf_free(struct kr_proto_buf *b)
{
    free(b->data);
    kr_proto_buf_init(b);
}

static char *proto_buf_room(struct kr_proto_buf *b, size_t n)
{
    if (b->err != 0) {
        return NULL;
    }
    if (b->cap - b->len < n) {
        size_t cap = b->cap == 0 ? 256 : b->cap;
        char *data;

        while (cap - b->len < n) {
            cap *= 2;
        }
        data = realloc(b->data, cap);
        if (data == NULL) {
            b->err = -ENOMEM;
            return NULL;
        }
        b->data = data;
        b->cap = cap;
    }
    b->len += n;
    return b->data + b->len - n;
}

void kr_proto_put_u32(struct kr_proto_buf *b, uint32_t v)
{
    unsigned char *p = (unsigned char *) proto_buf_room(b, 4);

    if (p != NULL) {
        p[0] = (unsigned char) (v >> 24);
        p[1] = (unsigned char) (v >> 16);
        p[2] = (unsigned char) (v >> 8);
        p[3] = (unsigned char) v;
    }
}

void kr_proto_put_raw(struct kr_proto_buf *b, const void *data, size_t len)
{
    char *p = proto_buf_room(b, len);

    if (p != NULL && len > 0) {
        memcpy(p, data, len);
    }
}

void kr_proto_put_bytes(struct kr_proto_buf *b, const void *data, size_t len)
{
    kr_proto_put_u32(b, (uint32_t) len);
    kr_proto_put_raw(b, data, len);
}

void kr_proto_put_str(struct kr_proto_buf *b, const char *s)
{
    kr_proto_put_bytes(b, s, strlen(s) + 1);
}

void kr_proto_put_list(struct kr_proto_buf *b, char *const *list)
{
    uint32_t n = 0;

    while (list != NULL && list[n] != NULL) {
        n++;
    }
    kr_proto_put_u32(b, n);
    for (uint32_t i = 0; i < n; i++) {
        kr_proto_put_str(b, list[i]);
    }
}

void kr_proto_rd_init(struct kr_proto_rd *r, const char *data, size_t len)
{
    r->p = data;
    r->left = len;
    r->bad = false;
}

uint32_t kr_proto_get_u32(struct kr_proto_rd *r)
{
    const unsigned char *p = (const unsigned char *) r->p;

    if (r->bad || r->left < 4) {
        r->bad = true;
        return 0;
    }
    r->p += 4;
    r->left -= 4;
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

const char *kr_proto_get_bytes(struct kr_proto_rd *r, size_t *len_out)
{
    uint32_t n = kr_proto_get_u32(r);
    const char *p = r->p;

    if (r->bad || r->left < n) {
        r->bad = true;
        *len_out = 0;
        return "";
    }
    r->p += n;
    r->left -= n;
    *len_out = n;
    return p;
}

const char *kr_proto_get_str(struct kr_proto_rd *r)
{
    size_t n;
    const char *s = kr_proto_get_bytes(r, &n);

    if (r->bad || n == 0 || s[n - 1] != '\0' || memchr(s, '\0', n) != s + n - 1) {
        r->bad = true;
        return NULL;
    }
    return s;
}

const char **kr_proto_get_list(struct kr_proto_rd *r)
{
    uint32_t n = kr_proto_get_u32(r);
    const char **list;

    /* Each entry takes at least 5 bytes: a count beyond that is a lie, not a big list. */
    if (r->bad || n > r->left / 5) {
        r->bad = true;
        return NULL;
    }
    list = calloc((size_t) n + 1, sizeof(*list));
    if (list == NULL) {
        r->bad = true;
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        list[i] = kr_proto_get_str(r);
        if (list[i] == NULL) {
            free(list);
            return NULL;
        }
    }
    return list;
}

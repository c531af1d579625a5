/* PMI-2 wire codec: frame and init-line encoding/parsing, the incremental decoder used by the
 * launcher, the blocking reads used by the client, and the PMI_process_mapping format. */
#include "config.h"

#include "boot/pmi2_wire.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static int pmi2_msg_add(struct kr_pmi2_msg *msg, const char *key, const char *value)
{
    if (msg->npairs >= KR_PMI2_PAIRS_MAX) {
        return -EPROTO;
    }
    msg->pairs[msg->npairs].key = key;
    msg->pairs[msg->npairs].value = value;
    msg->npairs++;
    return 0;
}

int kr_pmi2_msg_parse(const char *body, size_t len, struct kr_pmi2_msg *msg_out)
{
    char *out = msg_out->store;
    size_t i = 0;

    msg_out->npairs = 0;
    if (len > KR_PMI2_BODY_MAX || memchr(body, '\0', len) != NULL) {
        return -EPROTO;
    }
    while (i < len) {
        const char *key = out, *value;

        /* Key: up to '='; ';' before '=' means a pair without a value. */
        while (i < len && body[i] != '=' && body[i] != ';') {
            *out++ = body[i++];
        }
        if (i == len || body[i] != '=' || out == key) {
            return -EPROTO;
        }
        *out++ = '\0';
        i++;
        value = out;
        /* Value: up to a ';' that is not the first half of an escaped ";;". */
        for (;;) {
            if (i == len) {
                return -EPROTO;
            }
            if (body[i] == ';') {
                if (i + 1 < len && body[i + 1] == ';') {
                    *out++ = ';';
                    i += 2;
                    continue;
                }
                i++;
                break;
            }
            *out++ = body[i++];
        }
        *out++ = '\0';
        if (pmi2_msg_add(msg_out, key, value) != 0) {
            return -EPROTO;
        }
    }
    return 0;
}

int kr_pmi2_line_parse(const char *line, size_t len, struct kr_pmi2_msg *msg_out)
{
    char *out = msg_out->store;
    size_t i = 0;

    msg_out->npairs = 0;
    if (len > 0 && line[len - 1] == '\n') {
        len--;
    }
    if (len >= KR_PMI2_LINE_MAX || memchr(line, '\0', len) != NULL ||
        memchr(line, '\n', len) != NULL) {
        return -EPROTO;
    }
    while (i < len) {
        const char *key, *value;

        while (i < len && line[i] == ' ') {
            i++;
        }
        if (i == len) {
            break;
        }
        key = out;
        while (i < len && line[i] != '=' && line[i] != ' ') {
            *out++ = line[i++];
        }
        if (i == len || line[i] != '=' || out == key) {
            return -EPROTO;
        }
        *out++ = '\0';
        i++;
        value = out;
        while (i < len && line[i] != ' ') {
            *out++ = line[i++];
        }
        *out++ = '\0';
        if (pmi2_msg_add(msg_out, key, value) != 0) {
            return -EPROTO;
        }
    }
    return msg_out->npairs > 0 ? 0 : -EPROTO;
}

const char *kr_pmi2_msg_get(const struct kr_pmi2_msg *msg, const char *key)
{
    for (int i = 0; i < msg->npairs; i++) {
        if (strcmp(msg->pairs[i].key, key) == 0) {
            return msg->pairs[i].value;
        }
    }
    return NULL;
}

const char *kr_pmi2_msg_cmd(const struct kr_pmi2_msg *msg)
{
    const char *cmd = kr_pmi2_msg_get(msg, "cmd");

    return cmd != NULL ? cmd : "";
}

int kr_pmi2_msg_get_int(const struct kr_pmi2_msg *msg, const char *key, int *value_out)
{
    const char *text = kr_pmi2_msg_get(msg, key);
    char *end;
    long v;

    if (text == NULL) {
        return -ENOENT;
    }
    errno = 0;
    v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < INT_MIN || v > INT_MAX) {
        return -EPROTO;
    }
    *value_out = (int) v;
    return 0;
}

int kr_pmi2_msg_get_bool(const struct kr_pmi2_msg *msg, const char *key, bool *value_out)
{
    const char *text = kr_pmi2_msg_get(msg, key);

    if (text == NULL) {
        return -ENOENT;
    }
    if (strcasecmp(text, "TRUE") == 0) {
        *value_out = true;
        return 0;
    }
    if (strcasecmp(text, "FALSE") == 0) {
        *value_out = false;
        return 0;
    }
    return -EPROTO;
}

int kr_pmi2_msg_rc(const struct kr_pmi2_msg *msg, int *rc_out)
{
    int ret = kr_pmi2_msg_get_int(msg, "rc", rc_out);

    if (ret == -ENOENT) {
        *rc_out = 0;
        return 0;
    }
    return ret;
}

void kr_pmi2_frame_begin(struct kr_pmi2_frame *f, const char *cmd)
{
    memset(f->data, ' ', KR_PMI2_LEN_DIGITS);
    f->len = KR_PMI2_LEN_DIGITS;
    f->err = 0;
    kr_pmi2_frame_add(f, "cmd", cmd);
}

static void pmi2_frame_put(struct kr_pmi2_frame *f, char c)
{
    if (f->len >= KR_PMI2_LEN_DIGITS + KR_PMI2_BODY_MAX) {
        if (f->err == 0) {
            f->err = -EMSGSIZE;
        }
        return;
    }
    f->data[f->len++] = c;
}

void kr_pmi2_frame_add(struct kr_pmi2_frame *f, const char *key, const char *value)
{
    if (f->err != 0) {
        return;
    }
    if (key[0] == '\0' || strpbrk(key, ";= ") != NULL) {
        f->err = -EINVAL;
        return;
    }
    for (const char *p = key; *p != '\0'; p++) {
        pmi2_frame_put(f, *p);
    }
    pmi2_frame_put(f, '=');
    for (const char *p = value; *p != '\0'; p++) {
        pmi2_frame_put(f, *p);
        if (*p == ';') {
            pmi2_frame_put(f, ';');
        }
    }
    pmi2_frame_put(f, ';');
}

void kr_pmi2_frame_add_int(struct kr_pmi2_frame *f, const char *key, int value)
{
    char text[16];

    snprintf(text, sizeof(text), "%d", value);
    kr_pmi2_frame_add(f, key, text);
}

void kr_pmi2_frame_add_bool(struct kr_pmi2_frame *f, const char *key, bool value)
{
    kr_pmi2_frame_add(f, key, value ? "TRUE" : "FALSE");
}

int kr_pmi2_frame_end(struct kr_pmi2_frame *f)
{
    char field[KR_PMI2_LEN_DIGITS + 1];

    if (f->err != 0) {
        return f->err;
    }
    /* Left-justified like Slurm's and MPICH's clients; both servers accept it. */
    snprintf(field, sizeof(field), "%-6zu", f->len - KR_PMI2_LEN_DIGITS);
    memcpy(f->data, field, KR_PMI2_LEN_DIGITS);
    f->data[f->len] = '\0';
    return 0;
}

int kr_pmi2_len_parse(const char field[KR_PMI2_LEN_DIGITS])
{
    int i = 0, v = 0, digits = 0;

    while (i < KR_PMI2_LEN_DIGITS && field[i] == ' ') {
        i++;
    }
    while (i < KR_PMI2_LEN_DIGITS && isdigit((unsigned char) field[i])) {
        v = v * 10 + (field[i] - '0');
        digits++;
        i++;
    }
    while (i < KR_PMI2_LEN_DIGITS && field[i] == ' ') {
        i++;
    }
    if (i != KR_PMI2_LEN_DIGITS || digits == 0 || v == 0 || v > KR_PMI2_BODY_MAX) {
        return -EPROTO;
    }
    return v;
}

int kr_pmi2_init_encode(char *buf, size_t len)
{
    int n = snprintf(buf, len, "cmd=init pmi_version=2 pmi_subversion=0\n");

    return (n < 0 || (size_t) n >= len) ? -ENOSPC : n;
}

int kr_pmi2_init_response_encode(char *buf, size_t len, int rc)
{
    int n = snprintf(buf, len, "cmd=response_to_init pmi_version=2 pmi_subversion=0 rc=%d\n", rc);

    return (n < 0 || (size_t) n >= len) ? -ENOSPC : n;
}

void kr_pmi2_decoder_init(struct kr_pmi2_decoder *d, bool line_first)
{
    d->line_mode = line_first;
    d->have = 0;
    d->need = 0;
}

static int pmi2_decoder_line(struct kr_pmi2_decoder *d, const char *data, size_t len,
                             size_t *used_out, struct kr_pmi2_msg *msg_out)
{
    const char *nl = memchr(data, '\n', len);
    size_t take = nl != NULL ? (size_t) (nl - data) + 1 : len;

    if (d->have + take > KR_PMI2_LINE_MAX) {
        return -EPROTO;
    }
    memcpy(d->buf + d->have, data, take);
    d->have += take;
    *used_out = take;
    if (nl == NULL) {
        return 0;
    }
    take = d->have;
    d->line_mode = false;
    d->have = 0;
    return kr_pmi2_line_parse(d->buf, take, msg_out) == 0 ? 1 : -EPROTO;
}

static int pmi2_decoder_frame(struct kr_pmi2_decoder *d, const char *data, size_t len,
                              size_t *used_out, struct kr_pmi2_msg *msg_out)
{
    size_t want = d->need != 0 ? d->need : KR_PMI2_LEN_DIGITS;
    size_t take = want - d->have < len ? want - d->have : len;
    int body;

    memcpy(d->buf + d->have, data, take);
    d->have += take;
    *used_out = take;
    if (d->have < want) {
        return 0;
    }
    if (d->need == 0) {
        body = kr_pmi2_len_parse(d->buf);
        if (body < 0) {
            return -EPROTO;
        }
        d->need = KR_PMI2_LEN_DIGITS + (size_t) body;
        return 0;
    }
    body = (int) (d->need - KR_PMI2_LEN_DIGITS);
    d->have = 0;
    d->need = 0;
    if (kr_pmi2_msg_parse(d->buf + KR_PMI2_LEN_DIGITS, (size_t) body, msg_out) != 0) {
        return -EPROTO;
    }
    return 1;
}

int kr_pmi2_decoder_feed(struct kr_pmi2_decoder *d, const char *data, size_t len,
                         size_t *used_out, struct kr_pmi2_msg *msg_out)
{
    size_t used = 0;

    while (used < len) {
        size_t n = 0;
        int ret;

        if (d->line_mode) {
            ret = pmi2_decoder_line(d, data + used, len - used, &n, msg_out);
        } else {
            ret = pmi2_decoder_frame(d, data + used, len - used, &n, msg_out);
        }
        used += n;
        if (ret != 0) {
            *used_out = used;
            return ret;
        }
    }
    *used_out = used;
    return 0;
}

int kr_pmi2_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                struct pollfd pfd = { .fd = fd, .events = POLLOUT };

                (void) poll(&pfd, 1, -1);
                continue;
            }
            return -errno;
        }
        p += n;
        len -= (size_t) n;
    }
    return 0;
}

static int pmi2_read_full(int fd, char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = read(fd, buf, len);

        if (n == 0) {
            return -EPIPE;
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };

                (void) poll(&pfd, 1, -1);
                continue;
            }
            return -errno;
        }
        buf += n;
        len -= (size_t) n;
    }
    return 0;
}

int kr_pmi2_line_read(int fd, struct kr_pmi2_msg *msg_out)
{
    char line[KR_PMI2_LINE_MAX];
    size_t n = 0;
    int ret;

    /* One byte at a time: the line has no length prefix, and reading past its '\n' would steal
     * bytes of the next frame from kr_pmi2_frame_read(). It happens once per process. */
    do {
        if (n == sizeof(line)) {
            return -EPROTO;
        }
        ret = pmi2_read_full(fd, line + n, 1);
        if (ret != 0) {
            return ret;
        }
    } while (line[n++] != '\n');
    return kr_pmi2_line_parse(line, n, msg_out);
}

int kr_pmi2_frame_read(int fd, struct kr_pmi2_msg *msg_out)
{
    char field[KR_PMI2_LEN_DIGITS];
    char body[KR_PMI2_BODY_MAX];
    int len, ret;

    ret = pmi2_read_full(fd, field, sizeof(field));
    if (ret != 0) {
        return ret;
    }
    len = kr_pmi2_len_parse(field);
    if (len < 0) {
        return len;
    }
    ret = pmi2_read_full(fd, body, (size_t) len);
    if (ret != 0) {
        return ret;
    }
    return kr_pmi2_msg_parse(body, (size_t) len, msg_out);
}

/* Mapping parser state: a cursor over the text, whitespace skipped between tokens. */
static bool pmi2_map_eat(const char **p, char c)
{
    while (isspace((unsigned char) **p)) {
        (*p)++;
    }
    if (**p != c) {
        return false;
    }
    (*p)++;
    return true;
}

static bool pmi2_map_num(const char **p, int *out)
{
    char *end;
    long v;

    while (isspace((unsigned char) **p)) {
        (*p)++;
    }
    if (!isdigit((unsigned char) **p)) {
        return false;
    }
    errno = 0;
    v = strtol(*p, &end, 10);
    if (errno != 0 || v > (1 << 24)) {
        return false;
    }
    *p = end;
    *out = (int) v;
    return true;
}

#define PMI2_MAP_BLOCKS_MAX 4096

struct pmi2_map_block {
    int start, nnodes, per_node;
};

static int pmi2_map_blocks(const char *text, struct pmi2_map_block *blk, int max)
{
    const char *p = text;
    int n = 0;

    if (!pmi2_map_eat(&p, '(')) {
        return -EPROTO;
    }
    while (isspace((unsigned char) *p)) {
        p++;
    }
    if (strncmp(p, "vector", 6) != 0) {
        return -EPROTO;
    }
    p += 6;
    while (pmi2_map_eat(&p, ',')) {
        if (n == max || !pmi2_map_eat(&p, '(') || !pmi2_map_num(&p, &blk[n].start) ||
            !pmi2_map_eat(&p, ',') || !pmi2_map_num(&p, &blk[n].nnodes) ||
            !pmi2_map_eat(&p, ',') || !pmi2_map_num(&p, &blk[n].per_node) ||
            !pmi2_map_eat(&p, ')')) {
            return -EPROTO;
        }
        if (blk[n].nnodes > 0 && blk[n].per_node > 0) {
            n++;
        }
    }
    if (!pmi2_map_eat(&p, ')') || !pmi2_map_eat(&p, '\0') || n == 0) {
        return -EPROTO;
    }
    return n;
}

static int pmi2_int_cmp(const void *a, const void *b)
{
    int x = *(const int *) a, y = *(const int *) b;

    return (x > y) - (x < y);
}

int kr_pmi2_mapping_parse(const char *text, int size, int *node_of)
{
    struct pmi2_map_block *blk;
    int *ids, nblk, r = 0, nids = 0;

    if (size <= 0) {
        return -EPROTO;
    }
    blk = malloc(sizeof(*blk) * PMI2_MAP_BLOCKS_MAX);
    ids = malloc(sizeof(*ids) * (size_t) size);
    if (blk == NULL || ids == NULL) {
        free(blk);
        free(ids);
        return -ENOMEM;
    }
    nblk = pmi2_map_blocks(text, blk, PMI2_MAP_BLOCKS_MAX);
    /* Place ranks block by block, repeating the vector until every rank has a host. */
    for (int b = 0; nblk > 0 && r < size; b = (b + 1) % nblk) {
        for (int node = 0; node < blk[b].nnodes && r < size; node++) {
            for (int k = 0; k < blk[b].per_node && r < size; k++) {
                node_of[r++] = blk[b].start + node;
            }
        }
    }
    if (nblk > 0) {
        /* Renumber host ids densely: sort a copy, drop duplicates, then look each one up. */
        memcpy(ids, node_of, sizeof(*ids) * (size_t) size);
        qsort(ids, (size_t) size, sizeof(*ids), pmi2_int_cmp);
        for (int i = 0; i < size; i++) {
            if (nids == 0 || ids[nids - 1] != ids[i]) {
                ids[nids++] = ids[i];
            }
        }
        for (int i = 0; i < size; i++) {
            int *hit = bsearch(&node_of[i], ids, (size_t) nids, sizeof(*ids), pmi2_int_cmp);

            node_of[i] = (int) (hit - ids);
        }
    }
    free(blk);
    free(ids);
    return nblk < 0 ? nblk : nids;
}

static int pmi2_map_run(const int *node_of, int size, int r)
{
    int n = 1;

    while (r + n < size && node_of[r + n] == node_of[r]) {
        n++;
    }
    return n;
}

int kr_pmi2_mapping_encode(const int *node_of, int size, char *buf, size_t len)
{
    size_t off;
    int r = 0, n;

    n = snprintf(buf, len, "(vector");
    if (n < 0 || (size_t) n >= len) {
        return -ENOSPC;
    }
    off = (size_t) n;
    while (r < size) {
        int start = node_of[r], per = pmi2_map_run(node_of, size, r), nodes = 1;

        /* One block covers consecutive hosts that hold equally long runs of ranks. */
        r += per;
        while (r < size && node_of[r] == start + nodes && pmi2_map_run(node_of, size, r) == per) {
            r += per;
            nodes++;
        }
        n = snprintf(buf + off, len - off, ",(%d,%d,%d)", start, nodes, per);
        if (n < 0 || (size_t) n >= len - off) {
            return -ENOSPC;
        }
        off += (size_t) n;
    }
    n = snprintf(buf + off, len - off, ")");
    if (n < 0 || (size_t) n >= len - off) {
        return -ENOSPC;
    }
    return (int) (off + (size_t) n);
}

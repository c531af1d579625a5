/* PMI-2 wire codec, shared by the library's PMI client and the launcher's PMI server: the
 * PMI-1-style init line, 6-byte length-prefixed "key=value;" frames (';' in a value is sent as
 * ";;"), an incremental decoder for nonblocking sockets and blocking helpers for the client. */
#ifndef KR_BOOT_PMI2_WIRE_H
#define KR_BOOT_PMI2_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#define KR_PMI2_LEN_DIGITS 6       /* ASCII length field in front of every frame body */
#define KR_PMI2_BODY_MAX   16384   /* largest frame body we send or accept */
#define KR_PMI2_LINE_MAX   1024    /* largest newline-terminated (init) line, with '\n' */
#define KR_PMI2_PAIRS_MAX  32      /* key=value pairs in one message */

struct kr_pmi2_pair {
    const char *key;               /* NUL-terminated, points into the message's storage */
    const char *value;             /* unescaped, NUL-terminated */
};

/* A parsed message: frame body or init line. Self-contained (owns copies of the strings). */
struct kr_pmi2_msg {
    int npairs;
    struct kr_pmi2_pair pairs[KR_PMI2_PAIRS_MAX];
    char store[KR_PMI2_BODY_MAX + KR_PMI2_PAIRS_MAX];
};

/* A complete outgoing frame under construction: the length field is filled in by
 * kr_pmi2_frame_end(). Errors are sticky, so callers check once at the end. */
struct kr_pmi2_frame {
    size_t len;                    /* bytes in data, length field included */
    int err;                       /* first error seen by an add, or 0 */
    char data[KR_PMI2_LEN_DIGITS + KR_PMI2_BODY_MAX + 1];
};

/* Incremental decoder for one connection: in line mode it collects one '\n'-terminated init
 * line, then switches to frame mode for good. Partial input is kept between calls. */
struct kr_pmi2_decoder {
    bool line_mode;
    size_t have;                   /* bytes collected for the current message */
    size_t need;                   /* frame mode: total bytes of the current frame, 0 = unknown */
    char buf[KR_PMI2_LEN_DIGITS + KR_PMI2_BODY_MAX + 1];
};

/* Parse a frame body ("cmd=x;a=1;b=2;", ';;' inside values unescaped) into `msg_out`. Every pair
 * must end in ';' and have a non-empty key. Returns 0, or -EPROTO for malformed input (missing
 * '=' or ';', NUL byte, too many pairs, body longer than KR_PMI2_BODY_MAX). */
int kr_pmi2_msg_parse(const char *body, size_t len, struct kr_pmi2_msg *msg_out);

/* Parse a PMI-1-style line ("cmd=init pmi_version=2 pmi_subversion=0\n": space-separated pairs,
 * the '\n' is optional). Returns 0 or -EPROTO. */
int kr_pmi2_line_parse(const char *line, size_t len, struct kr_pmi2_msg *msg_out);

/* Value of the first pair named `key`, or NULL. */
const char *kr_pmi2_msg_get(const struct kr_pmi2_msg *msg, const char *key);

/* Value of "cmd", or "" when the message has none. */
const char *kr_pmi2_msg_cmd(const struct kr_pmi2_msg *msg);

/* Integer value of `key`: 0, -ENOENT when absent, -EPROTO when not a decimal int. */
int kr_pmi2_msg_get_int(const struct kr_pmi2_msg *msg, const char *key, int *value_out);

/* TRUE/FALSE value of `key` (case-insensitive): 0, -ENOENT, or -EPROTO. */
int kr_pmi2_msg_get_bool(const struct kr_pmi2_msg *msg, const char *key, bool *value_out);

/* The response's "rc" wherever it appears (servers put it first or last); a response without
 * rc counts as rc 0. Returns 0 and the rc, or -EPROTO when rc is not an integer. */
int kr_pmi2_msg_rc(const struct kr_pmi2_msg *msg, int *rc_out);

/* Start a frame whose first pair is cmd=`cmd`. */
void kr_pmi2_frame_begin(struct kr_pmi2_frame *f, const char *cmd);

/* Append key=value; (';' in the value escaped as ";;"). A key that is empty or holds ';' or '='
 * sets -EINVAL; running out of room sets -EMSGSIZE. */
void kr_pmi2_frame_add(struct kr_pmi2_frame *f, const char *key, const char *value);
void kr_pmi2_frame_add_int(struct kr_pmi2_frame *f, const char *key, int value);
void kr_pmi2_frame_add_bool(struct kr_pmi2_frame *f, const char *key, bool value);

/* Fill in the left-justified length field. Returns 0 (f->data/f->len is the whole frame) or
 * the first error an add met. */
int kr_pmi2_frame_end(struct kr_pmi2_frame *f);

/* Parse the 6-byte length field, allowing spaces on either side of the digits ("114   ",
 * "   113"). Returns the body length (1..KR_PMI2_BODY_MAX) or -EPROTO. */
int kr_pmi2_len_parse(const char field[KR_PMI2_LEN_DIGITS]);

/* The client's handshake line "cmd=init pmi_version=2 pmi_subversion=0\n" into `buf`. Returns
 * its length, or -ENOSPC. */
int kr_pmi2_init_encode(char *buf, size_t len);

/* The server's answer "cmd=response_to_init pmi_version=2 pmi_subversion=0 rc=R\n". Returns its
 * length or -ENOSPC. */
int kr_pmi2_init_response_encode(char *buf, size_t len, int rc);

/* Reset `d`; `line_first` makes it expect the init line before frames (servers). */
void kr_pmi2_decoder_init(struct kr_pmi2_decoder *d, bool line_first);

/* Feed up to `len` bytes. Consumes bytes up to the end of at most one message and stores the
 * count in *used_out. Returns 1 when a message was completed into `msg_out` (call again with the
 * rest), 0 when every byte was consumed without completing one, or -EPROTO (bad length field,
 * oversize frame or line, malformed body); the decoder is unusable after an error. */
int kr_pmi2_decoder_feed(struct kr_pmi2_decoder *d, const char *data, size_t len,
                         size_t *used_out, struct kr_pmi2_msg *msg_out);

/* Write all `len` bytes to `fd` (retries EINTR, waits out EAGAIN). 0 or -errno. */
int kr_pmi2_write_all(int fd, const void *buf, size_t len);

/* Blocking reads for the client. kr_pmi2_line_read() reads one '\n'-terminated line and parses
 * it; kr_pmi2_frame_read() reads one length-prefixed frame and parses it. 0, -EPIPE on EOF,
 * -EPROTO for malformed input, or another -errno from read(). */
int kr_pmi2_line_read(int fd, struct kr_pmi2_msg *msg_out);
int kr_pmi2_frame_read(int fd, struct kr_pmi2_msg *msg_out);

/* PMI_process_mapping, "(vector,(start,nnodes,ranks_per_node),...)": the blocks are applied in
 * order and repeated until `size` ranks are placed. Host indices are renumbered densely in
 * ascending order of the ids in the string. Fills node_of[0..size-1] and returns the number of
 * hosts, or -EPROTO. */
int kr_pmi2_mapping_parse(const char *text, int size, int *node_of);

/* Encode node_of[0..size-1] (dense host indices) as a PMI_process_mapping vector. Returns the
 * string length or -ENOSPC. */
int kr_pmi2_mapping_encode(const int *node_of, int size, char *buf, size_t len);

#endif /* KR_BOOT_PMI2_WIRE_H */

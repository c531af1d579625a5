/* Private to the TCP transport: wire formats (frames, hello), business cards, interface
 * choice, and the transport's state (listener, endpoints, connections, send queues). */
#ifndef KR_TCP_INT_H
#define KR_TCP_INT_H

#include "transport/tport.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- wire (tcp_wire.c): pure encoders and checks, unit-tested ---------------------------- */

#define TCP_SECRET_LEN   16
#define TCP_HELLO_MAGIC  0x5043544952554b31ULL  /* "1KURITCP": also catches byte order */
#define TCP_HELLO_VERSION 1

/* Flags of a hello: what the initiator asks, what the acceptor answers. */
#define TCP_HELLO_CONNECT 0x1u     /* initiator: please take this connection */
#define TCP_HELLO_ACCEPT  0x2u     /* acceptor: taken, send frames */
#define TCP_HELLO_REJECT  0x4u     /* acceptor: no (ours to you wins, by rank order) */

/*
 * First bytes on every connection, both ways: the initiator sends a CONNECT hello; the acceptor
 * checks it and answers with ACCEPT or REJECT. Both carry the job secret, so neither side talks
 * to a process outside the job. Native byte order: the magic fails on a mismatch.
 */
struct tcp_hello {
    uint64_t magic;
    uint32_t version;
    uint32_t flags;
    int32_t from;               /* sender's job rank */
    int32_t to;                 /* the rank the sender believes it talks to */
    uint8_t secret[TCP_SECRET_LEN];
};

/* Frame kinds. */
enum tcp_frame_kind {
    TCP_F_MSG = 1,              /* u.msg, then len bytes of payload: one pt2pt message */
    TCP_F_BULK,                 /* u.bulk, then len bytes straight into a receive buffer */
    TCP_F_BYE,                  /* the sender closes after this: its EOF is no failure */
};

/* Header of every frame after the hello. */
struct tcp_frame {
    uint32_t kind;
    uint32_t resv;
    uint64_t len;               /* bytes that follow the header */
    union {
        struct kr_wire_hdr msg;
        struct {
            uint64_t ticket;    /* the receiver's transfer (tcp_tport coop_open) */
            uint64_t resv[2];
        } bulk;
    } u;
};

void kr_tcp_hello_make(struct tcp_hello *h, uint32_t flags, int from, int to,
                       const uint8_t *secret);
/* Check a received hello: magic, version, secret (constant time), `to` == me and `from`
 * within 0..size-1 and != me, and exactly one of `want` flags set. Returns 0 or -EPROTO. */
int kr_tcp_hello_check(const struct tcp_hello *h, const uint8_t *secret, int me, int size,
                       uint32_t want);
/* Check a frame header: known kind, and a length the kind allows (MSG payloads at most
 * `max_msg`). Returns 0 or -EPROTO. */
int kr_tcp_frame_check(const struct tcp_frame *f, uint64_t max_msg);

/* The secret as 32 hex digits (out has 33 bytes) and back (-EINVAL if malformed). */
void kr_tcp_secret_hex(const uint8_t *secret, char *out);
int kr_tcp_secret_parse(const char *hex, uint8_t *secret_out);

#define TCP_CARD_ADDRS_MAX 8
#define KR_TCP_CARD_TEXT_MAX 256
#define TCP_HOST_MAX 64

/* A rank's business card: where it listens. Text form "port|host|a.b.c.d,e.f.g.h". */
struct tcp_card {
    uint16_t port;
    int naddrs;
    struct in_addr addrs[TCP_CARD_ADDRS_MAX];
    char host[TCP_HOST_MAX];
};

/* Format `c` into `buf`; -ENOSPC if it does not fit. */
int kr_tcp_card_format(const struct tcp_card *c, char *buf, size_t len);
/* Parse a card; -EINVAL if malformed. */
int kr_tcp_card_parse(const char *text, struct tcp_card *c_out);

/* ---- interface choice (tcp_if.c) ---------------------------------------------------------- */

#define TCP_IF_RULES_MAX 16

/* One entry of KURIR_TCP_IF: an interface name, or an IPv4 network in CIDR form. */
struct tcp_if_rule {
    bool is_net;
    char name[32];              /* !is_net */
    uint32_t net, mask;         /* is_net; host byte order */
};

/* One IPv4 address of a local interface (from getifaddrs, or made up by tests). */
struct tcp_ifaddr {
    char name[32];
    struct in_addr addr;
    bool up, loopback;
};

/* Parse "name|cidr,..." into rules. Returns the number of rules, or -EINVAL with a message in
 * err. */
int kr_tcp_if_parse(const char *spec, struct tcp_if_rule *rules, int max, char *err,
                    size_t errlen);
/* Is this interface one a job's traffic should use without being told? (up, not loopback, not
 * a container or VM bridge: docker*, br-*, virbr*, veth*, lxcbr*, cni*, flannel*). */
bool kr_tcp_if_usable(const struct tcp_ifaddr *ia);
/* Choose addresses from `cand`: those matching `rules` when nrules > 0 (an explicit choice
 * may name loopback or a bridge), else every usable one. Returns how many went to out. */
int kr_tcp_if_choose(const struct tcp_ifaddr *cand, int ncand, const struct tcp_if_rule *rules,
                     int nrules, struct in_addr *out, int max);
/* The local IPv4 addresses (getifaddrs). Returns how many, or -errno. */
int kr_tcp_if_list(struct tcp_ifaddr *out, int max);

/* ---- transport state ---------------------------------------------------------------------- */

struct tcp_tport;
struct tcp_tep;

enum tcp_conn_state {
    TCP_C_LISTEN = 1,           /* the listening socket */
    TCP_C_CONNECTING,           /* ours: nonblocking connect to cand[addr_idx] in flight */
    TCP_C_HELLO_SENT,           /* ours: CONNECT hello (partly) sent, waiting for the answer */
    TCP_C_WAIT_HELLO,           /* theirs: accepted, waiting for their CONNECT hello */
    TCP_C_ANSWERING,            /* theirs: sending our ACCEPT/REJECT answer */
    TCP_C_UP,                   /* carrying frames for its endpoint */
    TCP_C_WAKE,                 /* the eventfd that stops the watch thread */
};

/* How the receive side of an UP connection is consuming bytes. */
enum tcp_rx_mode {
    TCP_RX_FRAMES = 0,          /* parsing frames in rxbuf */
    TCP_RX_BIG,                 /* a message larger than rxbuf: reading its payload into big */
    TCP_RX_BULK,                /* bulk data: reading straight into the receive buffer */
    TCP_RX_SINK,                /* bulk data nobody wants (stale ticket): discarding */
};

struct tcp_conn {
    struct tcp_conn *next;      /* in the transport's list of handshaking connections */
    struct tcp_tport *tt;
    struct tcp_tep *ep;         /* our endpoint (ours from the start; theirs once known) */
    int fd;
    enum tcp_conn_state state;
    int addr_idx;               /* ours: which address of the card we try */
    uint64_t deadline_ms;       /* connect / handshake deadline */
    struct sockaddr_in peer_addr;
    /* handshake bytes */
    struct tcp_hello hs_in, hs_out;
    size_t hs_in_got, hs_out_sent;
    bool reject_after;          /* theirs: close once the REJECT answer is out */
    bool want_out;              /* EPOLLOUT is registered */
    bool listed;                /* on tt->pending */
    bool dead;                  /* closed; on tt->graveyard until the end of progress */
    bool sndbuf_adapt;          /* loopback: small send buffer only while streaming */
    bool sndbuf_stream;         /* it has the small one now */
    int sndbuf_lone;            /* the autotuned size to go back to (0: not locked yet) */
    /* receive side (TCP_C_UP) */
    enum tcp_rx_mode rx_mode;
    unsigned char *rxbuf;
    size_t rx_start, rx_end;    /* unparsed bytes are rxbuf[rx_start, rx_end) */
    struct tcp_frame rx_frame;  /* the frame being read in BIG/BULK/SINK modes */
    unsigned char *rx_dst;      /* BIG: malloc'd payload; BULK: the receive buffer */
    uint64_t rx_need, rx_got;   /* payload bytes of the frame, and read so far */
    struct tcp_xfer *rx_xfer;   /* BULK: the transfer being filled */
    bool peer_bye;              /* BYE arrived: EOF is an orderly close */
};

/* An item of an endpoint's send queue: a frame header plus payload, either copied (inline,
 * after the struct) or the caller's memory (ext, for bulk data that stays put until FIN). */
struct tcp_sitem {
    struct tcp_sitem *next;
    struct tcp_frame fr;
    size_t off;                 /* bytes of header + data written so far */
    const unsigned char *ext;   /* bulk: the sender's buffer, not copied */
    size_t dlen;                /* data bytes (inline or ext) */
    unsigned char inl[];
};

/* A bulk transfer this rank receives (coop_open): the ticket names it to the sender. */
struct tcp_xfer {
    struct tcp_xfer *next;
    uint32_t id;
    unsigned char *dst;
    uint64_t len, got;
    int error;
    bool landed;
};

enum tcp_ep_state {
    TCP_EP_IDLE = 0,            /* never used */
    TCP_EP_CONNECTING,          /* our connection (or theirs) is being set up */
    TCP_EP_UP,                  /* `up` carries frames */
    TCP_EP_CLOSED,              /* the peer said BYE and closed */
    TCP_EP_DEAD,                /* failed: error set */
};

struct tcp_tep {
    struct kr_tep base;
    int peer;
    enum tcp_ep_state state;
    int error;                  /* -errno once DEAD */
    struct tcp_conn *out;       /* our connection attempt, until it is up or loses */
    struct tcp_conn *up;        /* the connection frames travel on */
    struct tcp_card card;
    bool have_card;
    bool bye_sent, shut;        /* close: BYE queued; our side shut down */
    struct tcp_sitem *sq_head, **sq_tail;
    size_t sq_bytes;            /* queued bytes not yet written */
    struct tcp_xfer **xtab;     /* bulk transfers we receive from this peer, by id
                                 * (TCP_XFER_BUCKETS chains; allocated on first use) */
    int xfers_waiting;          /* of which not landed yet: bulk frames are coming */
    uint32_t next_xfer;
};

/* Up to this many connections, a busy progress reads each socket directly (one system call
 * when data is there) instead of asking epoll first (two). */
#define TCP_DIRECT_MAX 4

struct tcp_tport {
    struct kr_tport base;
    struct kr_tport_cb cb;
    struct kr_tport_kvs kvs;
    bool have_kvs;
    int rank, size;
    int epfd;
    struct tcp_conn listener;
    struct tcp_conn wake;       /* eventfd: stops the watch thread at close */
    struct tcp_tep *eps;        /* by job rank, size entries */
    struct tcp_conn *pending;   /* connections still handshaking (deadlines) */
    struct tcp_conn *graveyard; /* closed, freed at the end of progress */
    uint8_t secret[TCP_SECRET_LEN];
    struct tcp_card self;       /* what we published */
    size_t max_eager, max_frag, rxbuf_size;
    int poll_tick;              /* progress calls since the last epoll_wait */
    uint64_t polled_ns;         /* when the last epoll_wait ran (CLOCK_MONOTONIC) */
    unsigned direct_tick;       /* direct reads since the last epoll_wait */
    int nup;                    /* connections carrying frames */
    int ndirect;                /* of which in direct[] */
    struct tcp_conn *direct[TCP_DIRECT_MAX]; /* read without epoll while they are all */
    int hot;                    /* epoll_waits left to do on every progress call */
    int nout;                   /* connections with output queued (EPOLLOUT wanted) */
    int bad_logged;             /* strangers logged so far (rate limit) */
    int races;                  /* simultaneous connects settled here (for tests, debugging) */
    int error;                  /* a failure to report from the next progress call */
    _Atomic int force_poll;     /* the watch thread saw an event: poll at once */
    /* the watch thread (started on first watch()) */
    pthread_t watch_thread;
    bool watch_running;
    _Atomic uint32_t watch_gen; /* bumped by watch(); the thread futex-waits on it */
    _Atomic int watch_stop;
    atomic_int *watch_flag;
    void (*watch_kick)(void *arg);
    void *watch_kick_arg;
};

/* Settings (tcp_tport.c). */
struct tcp_cfg {
    const char *ifspec;         /* KURIR_TCP_IF */
    const char *host_addr;      /* KURIR_HOST_ADDR */
    size_t eager_limit;
    size_t sndbuf;              /* KURIR_TCP_SNDBUF: 0 = kernel autotuning */
    int connect_timeout_ms;
    int handshake_timeout_ms;
};
extern struct tcp_cfg kr_tcp_cfg;

/* tcp_conn.c: connections, handshake, simultaneous connects */
int kr_tcp_listen(struct tcp_tport *tt, bool loopback_only);
void kr_tcp_accept_ready(struct tcp_tport *tt);
int kr_tcp_ep_start_connect(struct tcp_tport *tt, struct tcp_tep *ep);
void kr_tcp_conn_event(struct tcp_tport *tt, struct tcp_conn *c, uint32_t events);
void kr_tcp_check_deadlines(struct tcp_tport *tt, uint64_t now_ms);
void kr_tcp_conn_close(struct tcp_tport *tt, struct tcp_conn *c);
void kr_tcp_conn_want_out(struct tcp_tport *tt, struct tcp_conn *c, bool on);
/* Bulk transfers queue up behind each other (on), or answer a lone one (off). */
void kr_tcp_conn_stream(struct tcp_conn *c, bool on);
int kr_tcp_ep_card(struct tcp_tport *tt, struct tcp_tep *ep);
void kr_tcp_ep_fail(struct tcp_tport *tt, struct tcp_tep *ep, int err, const char *what);
uint64_t kr_tcp_now_ms(void);
const char *kr_tcp_addr_str(const struct sockaddr_in *sa, char *buf, size_t len);

/* tcp_xfer.c: open bulk transfers of an endpoint, by id */
#define TCP_XFER_BUCKETS 64
#define TCP_XFER_ID_MASK 0xffffffu  /* ids travel in the ticket's top 24 bits */
int kr_tcp_xfer_open(struct tcp_tep *ep, unsigned char *dst, uint64_t len,
                     struct tcp_xfer **x_out);
struct tcp_xfer *kr_tcp_xfer_find(struct tcp_tep *ep, uint32_t id);
void kr_tcp_xfer_drop(struct tcp_tep *ep, struct tcp_xfer *x);
void kr_tcp_xfer_fail_all(struct tcp_tep *ep, int err);
void kr_tcp_xfer_free_all(struct tcp_tep *ep);

/* tcp_send.c: send queues */
int kr_tcp_send(struct tcp_tep *ep, const struct tcp_frame *fr, const struct iovec *iov,
                int iovcnt, size_t dlen, kr_tport_fill_fn fill, void *fill_arg);
int kr_tcp_send_bulk(struct tcp_tep *ep, uint64_t ticket, const void *buf, size_t len);
/* Write what the endpoint's queue holds until the socket pushes back; 0 or -errno. */
int kr_tcp_flush(struct tcp_tport *tt, struct tcp_tep *ep);
void kr_tcp_sq_free(struct tcp_tep *ep);

/* tcp_recv.c: receive path of UP connections; returns messages delivered or -errno */
int kr_tcp_recv_ready(struct tcp_tport *tt, struct tcp_conn *c);

#endif /* KR_TCP_INT_H */

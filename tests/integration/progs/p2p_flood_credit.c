/* p2p_flood_credit: a sender floods a receiver that is not receiving, and the receiver's memory
 * stays bounded by KURIR_UNEXPECTED_LIMIT (eager credit: past its share a sender's messages wait
 * as rendezvous, so its blocking MPI_Send waits for the receiver).
 *
 * Ranks pair up (0 floods 1, 2 floods 3, ...; an odd last rank idles, at np 1 rank 0 floods
 * itself in phase A). The sender uses blocking MPI_Send for every message, then sends "go" with
 * another tag. Streams: 100000 messages of 8 bytes and 2000 of 4 KiB (and, with args=limited,
 * 12000 of 8 KiB, 94 MiB in all). Order and content are checked for every message.
 *
 * Phase A (default settings only): the receiver first MPI_Recv's the "go" message, and only then
 * the flood. The standard does not promise that this completes (the program relies on MPI_Send
 * buffering); Kurir buffers small messages eagerly up to KURIR_UNEXPECTED_LIMIT (256m, split
 * among senders), which these streams fit, so it must complete. Under a small limit the sender
 * blocks in MPI_Send once its credit is used up and phase A would deadlock by design: it is not
 * run with args=limited.
 *
 * Phase B (always, np >= 2): a receiver that is correct under any buffering. It posts an
 * MPI_Irecv for "go" and loops: MPI_Improbe takes every message that has arrived off the queue
 * into an MPI_Message handle (kept in arrival order, not received), and only when nothing new
 * has arrived does it MPI_Mrecv the oldest one (when it holds none, it blocks in MPI_Mprobe for
 * the next: fewer than all have come, so one will). So it receives only when the sender cannot
 * push anything more, the unexpected messages pile up as far as the library lets them, and a sender
 * blocked in MPI_Send (credit used up: its message waits as rendezvous) is always released
 * eventually. With args=limited (run it with KURIR_UNEXPECTED_LIMIT=1m) at most
 * LIMITED_HELD_MIB of messages may wait unreceived at once, and the receiver's peak resident
 * memory (VmHWM in /proc/self/status; not checked under AddressSanitizer) may grow by at most
 * LIMITED_GROWTH_MIB during phase B, although the 8 KiB stream alone is 94 MiB: without the
 * credit most of it would pile up. */
#include "check.h"

#include <stdbool.h>

#define NSMALL 100000
#define NMID 2000
#define MIDLEN 4096
#define NBIG 12000
#define BIGLEN 8192
#define TAG_DATA 1
#define TAG_GO 2
#define LIMITED_GROWTH_MIB 32
#define LIMITED_HELD_MIB 16

/* AddressSanitizer keeps freed blocks in quarantine instead of reusing them, so there resident
 * memory grows with everything ever allocated and says nothing about what is live. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_MEANINGFUL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_MEANINGFUL 0
#endif
#endif
#ifndef RSS_MEANINGFUL
#define RSS_MEANINGFUL 1
#endif

static int rank, np;

/* Peak resident set size of this process in KiB (VmHWM in /proc/self/status): unlike VmRSS it
 * also catches a peak between two samples. */
static long peak_rss_kib(void)
{
    char line[256];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "r");

    CHECK(f != NULL, "cannot open /proc/self/status");
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "VmHWM:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
        }
    }
    fclose(f);
    CHECK(kib > 0, "no VmHWM line in /proc/self/status");
    return kib;
}

/* Message i of a stream of `len`-byte messages. 8-byte messages carry (i, ~i). */
static void fill_msg(unsigned char *buf, int len, int i)
{
    if (len == 8) {
        int v[2] = {i, ~i};

        memcpy(buf, v, sizeof(v));
    } else {
        check_fill(buf, (size_t) len, (unsigned) i + 1);
    }
}

static void check_msg(const unsigned char *buf, const MPI_Status *st, int from, int len, int i,
                      const char *phase)
{
    int cnt = -1;

    CHECK_MPI(MPI_Get_count(st, MPI_BYTE, &cnt));
    CHECK(st->MPI_SOURCE == from && st->MPI_TAG == TAG_DATA && cnt == len,
          "%s, %d-byte stream: message %d has source %d tag %d count %d", phase, len, i,
          st->MPI_SOURCE, st->MPI_TAG, cnt);
    if (len == 8) {
        int v[2];

        memcpy(v, buf, sizeof(v));
        CHECK(v[0] == i && v[1] == ~i,
              "%s, 8-byte stream: message %d carries (%d,%d): lost, "
              "duplicated or out of order",
              phase, i, v[0], v[1]);
    } else {
        CHECK_PATTERN(buf, (size_t) len, (unsigned) i + 1, "%s, %d-byte stream, message %d", phase,
                      len, i);
    }
}

static void send_stream(int to, int n, int len)
{
    unsigned char *buf = malloc((size_t) len);
    int go = n;

    CHECK(buf != NULL, "out of memory");
    for (int i = 0; i < n; i++) {
        fill_msg(buf, len, i);
        CHECK_MPI(MPI_Send(buf, len, MPI_BYTE, to, TAG_DATA, MPI_COMM_WORLD));
    }
    CHECK_MPI(MPI_Send(&go, 1, MPI_INT, to, TAG_GO, MPI_COMM_WORLD));
    free(buf);
}

/* Phase A receiver: "go" first, then the stream. */
static void recv_go_first(int from, int n, int len)
{
    unsigned char *buf = malloc((size_t) len + 16);
    MPI_Status st;
    int go = -1, flag = 1;

    CHECK(buf != NULL, "out of memory");
    CHECK_MPI(MPI_Recv(&go, 1, MPI_INT, from, TAG_GO, MPI_COMM_WORLD, &st));
    CHECK(go == n, "phase A: the go message says %d, want %d", go, n);
    for (int i = 0; i < n; i++) {
        CHECK_MPI(MPI_Recv(buf, len, MPI_BYTE, from, TAG_DATA, MPI_COMM_WORLD, &st));
        check_msg(buf, &st, from, len, i, "phase A");
    }
    CHECK_MPI(MPI_Iprobe(from, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st));
    CHECK(!flag, "phase A: a message is left over (tag %d)", st.MPI_TAG);
    free(buf);
}

/* Phase B receiver: see the top of the file. Returns the most messages it held at once. */
static int recv_lazy(int from, int n, int len)
{
    MPI_Message *held = malloc((size_t) n * sizeof(*held));
    unsigned char *buf = malloc((size_t) len + 16);
    int head = 0, tail = 0, got = 0, maxheld = 0, go = -1, flag;
    MPI_Request goreq;
    MPI_Status st;

    CHECK(held != NULL && buf != NULL, "out of memory");
    memset(held, 0, (size_t) n * sizeof(*held));
    CHECK_MPI(MPI_Irecv(&go, 1, MPI_INT, from, TAG_GO, MPI_COMM_WORLD, &goreq));
    while (got < n) {
        flag = 0;
        if (head == tail) {
            /* nothing held and fewer than n seen: another message will come; wait for it
             * without spinning (ranks that spin starve the senders when cores are few) */
            CHECK_MPI(MPI_Mprobe(from, TAG_DATA, MPI_COMM_WORLD, &held[tail], &st));
            flag = 1;
        } else if (tail < n) {
            CHECK_MPI(MPI_Improbe(from, TAG_DATA, MPI_COMM_WORLD, &flag, &held[tail], &st));
        }
        if (flag) {
            int cnt = -1;

            CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &cnt));
            CHECK(st.MPI_SOURCE == from && cnt == len,
                  "phase B: matched probe of message %d: "
                  "source %d count %d",
                  tail, st.MPI_SOURCE, cnt);
            tail++;
            maxheld = tail - head > maxheld ? tail - head : maxheld;
            continue;
        }
        if (head < tail) {
            CHECK_MPI(MPI_Mrecv(buf, len, MPI_BYTE, &held[head], &st));
            CHECK(held[head] == MPI_MESSAGE_NULL, "MPI_Mrecv did not null the message");
            check_msg(buf, &st, from, len, head, "phase B");
            head++;
            got++;
        }
    }
    CHECK_MPI(MPI_Wait(&goreq, &st));
    CHECK(go == n && st.MPI_TAG == TAG_GO, "phase B: the go message says %d (tag %d), want %d", go,
          st.MPI_TAG, n);
    CHECK_MPI(MPI_Iprobe(from, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st));
    CHECK(!flag, "phase B: a message is left over (tag %d)", st.MPI_TAG);
    free(buf);
    free(held);
    return maxheld;
}

int main(int argc, char **argv)
{
    bool limited = argc > 1 && strcmp(argv[1], "limited") == 0;
    const int nstreams = limited ? 3 : 2;
    const int counts[3] = {NSMALL, NMID, NBIG}, lens[3] = {8, MIDLEN, BIGLEN};
    int partner;

    MPI_Init(&argc, &argv);
    check_init("p2p_flood_credit");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    partner = (rank ^ 1) < np ? rank ^ 1 : (np == 1 ? 0 : -1);

    /* Phase A. */
    for (int s = 0; !limited && s < 2; s++) {
        if (partner == rank) {
            send_stream(rank, counts[s], lens[s]);
            recv_go_first(rank, counts[s], lens[s]);
        } else if (partner >= 0 && rank % 2 == 0) {
            send_stream(partner, counts[s], lens[s]);
        } else if (partner >= 0) {
            recv_go_first(partner, counts[s], lens[s]);
        }
        CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    }

    /* Phase B. */
    if (np >= 2) {
        long hwm0 = 0;

        if (rank % 2 == 1) {
            hwm0 = peak_rss_kib();
        }
        for (int s = 0; s < nstreams; s++) {
            if (partner >= 0 && rank % 2 == 0) {
                send_stream(partner, counts[s], lens[s]);
            } else if (partner >= 0) {
                int maxheld = recv_lazy(partner, counts[s], lens[s]);
                long growth = peak_rss_kib() - hwm0;

                if (limited) {
                    /* What was waiting unreceived at once: under the limit about 1 MiB (and
                     * one rendezvous message); without it most of the stream. */
                    CHECK((long) maxheld * lens[s] < LIMITED_HELD_MIB * 1024L * 1024L,
                          "phase B, %d-byte stream from rank %d: up to %d messages (%ld KiB of "
                          "data) were waiting unreceived at once (limit %d MiB): the "
                          "unexpected-message limit is not enforced",
                          lens[s], partner, maxheld, (long) maxheld * lens[s] / 1024,
                          LIMITED_HELD_MIB);
                    CHECK(!RSS_MEANINGFUL || growth < LIMITED_GROWTH_MIB * 1024L,
                          "phase B, %d-byte stream from rank %d: peak resident memory grew by "
                          "%ld KiB (limit %d MiB) while at most %d messages (%ld KiB of data) "
                          "were waiting unreceived: memory kept for unexpected messages is not "
                          "bounded",
                          lens[s], partner, growth, LIMITED_GROWTH_MIB, maxheld,
                          (long) maxheld * lens[s] / 1024);
                }
            }
            CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
        }
    }
    MPI_Finalize();
    return 0;
}

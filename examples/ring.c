/* ring: point-to-point messaging. A token travels several laps around the ranks with blocking
 * Send/Recv, then every rank swaps buffers with both neighbours using Isend/Irecv/Waitall.
 * Both parts check what arrived; rank 0 prints one line. Run: mpirun -n 4 ./ring */
#include <mpi.h>

#include <stdio.h>
#include <stdlib.h>

#define RING_LAPS 3
#define RING_TAG_TOKEN 100 /* lap L uses tag RING_TAG_TOKEN + L, so a stray lap is caught */
#define RING_TAG_RIGHTWARD 1
#define RING_TAG_LEFTWARD 2
#define RING_BIG_COUNT 65536 /* 256 KiB: large enough to leave any eager path */

/* Check that a receive came from the expected rank with the expected tag and size.
 * Returns the number of mismatches and says which on stderr. */
static int check_status(const char *what, int rank, const MPI_Status *st, MPI_Datatype type,
                        int src, int tag, int count)
{
    int got, bad = 0;

    MPI_Get_count(st, type, &got);
    if ((st->MPI_SOURCE != src) || (st->MPI_TAG != tag) || (got != count)) {
        fprintf(stderr,
                "ring: rank %d: %s came from rank %d tag %d with %d items, "
                "expected rank %d tag %d with %d\n",
                rank, what, st->MPI_SOURCE, st->MPI_TAG, got, src, tag, count);
        bad++;
    }
    return bad;
}

/* A ring of one rank sends to itself. A blocking Send to self may wait forever for its own
 * Recv, so the single rank uses Sendrecv, which posts both halves at once. */
static int token_laps_alone(long long *token)
{
    MPI_Status st;
    long long in;
    int bad = 0;

    for (int lap = 0; lap < RING_LAPS; lap++) {
        int tag = RING_TAG_TOKEN + lap;

        MPI_Sendrecv(token, 1, MPI_LONG_LONG, 0, tag, &in, 1, MPI_LONG_LONG, 0, tag,
                     MPI_COMM_WORLD, &st);
        bad += check_status("token", 0, &st, MPI_LONG_LONG, 0, tag, 1);
        *token = in; /* rank 0 adds 0 each lap */
    }
    return bad;
}

/* Rank 0 starts each lap and sees the token come back from the last rank; every other rank
 * receives from its left neighbour, adds its rank and passes the token on. After L laps the
 * token is L * (0 + 1 + ... + N-1). Returns this rank's number of errors. */
static int token_laps(int rank, int size, long long *token_out)
{
    long long token = 0, lap_sum = (long long) size * (size - 1) / 2;
    int right = (rank + 1) % size, left = (rank + size - 1) % size;
    MPI_Status st;
    int bad = 0;

    if (size == 1) {
        bad = token_laps_alone(&token);
        *token_out = token;
        return bad;
    }
    for (int lap = 0; lap < RING_LAPS; lap++) {
        int tag = RING_TAG_TOKEN + lap;

        if (rank == 0) {
            MPI_Send(&token, 1, MPI_LONG_LONG, right, tag, MPI_COMM_WORLD);
            MPI_Recv(&token, 1, MPI_LONG_LONG, left, tag, MPI_COMM_WORLD, &st);
            bad += check_status("token", rank, &st, MPI_LONG_LONG, left, tag, 1);
            if (token != (lap + 1) * lap_sum) {
                fprintf(stderr, "ring: after lap %d the token is %lld, expected %lld\n", lap + 1,
                        token, (lap + 1) * lap_sum);
                bad++;
            }
        } else {
            MPI_Recv(&token, 1, MPI_LONG_LONG, left, tag, MPI_COMM_WORLD, &st);
            bad += check_status("token", rank, &st, MPI_LONG_LONG, left, tag, 1);
            token += rank;
            MPI_Send(&token, 1, MPI_LONG_LONG, right, tag, MPI_COMM_WORLD);
        }
    }
    *token_out = token;
    return bad;
}

/* The value a rank puts at index i of what it sends in one direction. It depends on the sender
 * and the direction, so data delivered to the wrong buffer or from the wrong rank shows up.
 * Unsigned, because the arithmetic is meant to wrap. */
static unsigned int pattern(int src, int dir, int i)
{
    return ((unsigned int) src * 65599u + (unsigned int) dir) * 2654435761u + (unsigned int) i;
}

static int check_buffer(int rank, const char *from, const unsigned int *buf, int count, int src,
                        int dir)
{
    for (int i = 0; i < count; i++) {
        if (buf[i] != pattern(src, dir, i)) {
            fprintf(stderr, "ring: rank %d: item %d of %d from the %s neighbour (rank %d) "
                    "is wrong\n", rank, i, count, from, src);
            return 1;
        }
    }
    return 0;
}

/* Every rank sends `count` items to both neighbours and receives from both at once. All four
 * operations are posted before any is waited for, so no ordering between ranks is needed and
 * it cannot deadlock, even with one rank (both neighbours are itself; the tags tell the two
 * messages apart) or two (both neighbours are the same rank). Returns the number of errors. */
static int neighbour_exchange(int rank, int size, int count)
{
    int right = (rank + 1) % size, left = (rank + size - 1) % size;
    unsigned int *to_left, *to_right, *from_left, *from_right;
    MPI_Request req[4];
    MPI_Status st[4];
    int bad = 0;

    /* Without the buffers this rank cannot take part, and its neighbours would wait for it
     * forever: stop the whole job instead. */
    to_left = malloc(4 * (size_t) count * sizeof(unsigned int));
    if (to_left == NULL) {
        fprintf(stderr, "ring: rank %d: out of memory for %d items\n", rank, 4 * count);
        MPI_Abort(MPI_COMM_WORLD, 1);
        return 1;
    }
    to_right = to_left + count;
    from_left = to_right + count;
    from_right = from_left + count;
    for (int i = 0; i < count; i++) {
        to_left[i] = pattern(rank, RING_TAG_LEFTWARD, i);
        to_right[i] = pattern(rank, RING_TAG_RIGHTWARD, i);
        from_left[i] = 0;
        from_right[i] = 0;
    }

    /* What the left neighbour sends rightwards arrives here, and vice versa. */
    MPI_Irecv(from_left, count, MPI_UNSIGNED, left, RING_TAG_RIGHTWARD, MPI_COMM_WORLD, &req[0]);
    MPI_Irecv(from_right, count, MPI_UNSIGNED, right, RING_TAG_LEFTWARD, MPI_COMM_WORLD, &req[1]);
    MPI_Isend(to_right, count, MPI_UNSIGNED, right, RING_TAG_RIGHTWARD, MPI_COMM_WORLD, &req[2]);
    MPI_Isend(to_left, count, MPI_UNSIGNED, left, RING_TAG_LEFTWARD, MPI_COMM_WORLD, &req[3]);
    MPI_Waitall(4, req, st);

    bad += check_status("left buffer", rank, &st[0], MPI_UNSIGNED, left, RING_TAG_RIGHTWARD,
                        count);
    bad += check_status("right buffer", rank, &st[1], MPI_UNSIGNED, right, RING_TAG_LEFTWARD,
                        count);
    bad += check_buffer(rank, "left", from_left, count, left, RING_TAG_RIGHTWARD);
    bad += check_buffer(rank, "right", from_right, count, right, RING_TAG_LEFTWARD);
    free(to_left);
    return bad;
}

int main(int argc, char **argv)
{
    long long token, expect;
    int rank, size, bad, bad_all;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    bad = token_laps(rank, size, &token);
    bad += neighbour_exchange(rank, size, 1);
    bad += neighbour_exchange(rank, size, RING_BIG_COUNT);

    /* Everyone learns whether anyone failed, so all ranks exit with the same status. */
    MPI_Allreduce(&bad, &bad_all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    expect = RING_LAPS * ((long long) size * (size - 1) / 2);
    if ((rank == 0) && (bad_all == 0)) {
        printf("ring: %d ranks, %d laps, token %lld (expected %lld); "
               "neighbour exchange of 1 and %d ints: ok\n",
               size, RING_LAPS, token, expect, RING_BIG_COUNT);
    } else if ((rank == 0) && (bad_all != 0)) {
        fprintf(stderr, "ring: %d errors in total (see above)\n", bad_all);
    }
    MPI_Finalize();
    return (bad_all == 0) ? 0 : 1;
}

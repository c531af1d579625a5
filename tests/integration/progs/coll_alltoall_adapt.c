/* Alltoall whose way (through the shared area or by messages) is chosen per call by measured
 * time (KURIR_COLL_ALLTOALL=adaptive, and auto on an oversubscribed host): hundreds of calls
 * of sizes in every bucket, so both ways run and the choice changes between calls, each
 * result checked; in place every fifth call; a second communicator and a nonblocking alltoall
 * in between, so calls on one communicator never see another's choices. */
#include "check.h"

#include <stdbool.h>

#define CALLS 240

static const size_t sizes[] = { 3000, 8192, 20000, 65536 };

static unsigned char val(int from, int to, int call, size_t i)
{
    return (unsigned char) (from * 31 + to * 7 + call + (int) (i % 251));
}

static void check_call(MPI_Comm comm, int call, size_t bytes, unsigned char *sb,
                       unsigned char *rb, bool in_place)
{
    int rank, np;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &np);
    for (int to = 0; to < np; to++) {
        for (size_t i = 0; i < bytes; i++) {
            (in_place ? rb : sb)[(size_t) to * bytes + i] = val(rank, to, call, i);
        }
    }
    if (in_place) {
        CHECK_MPI(MPI_Alltoall(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, rb, (int) bytes, MPI_BYTE,
                               comm));
    } else {
        CHECK_MPI(MPI_Alltoall(sb, (int) bytes, MPI_BYTE, rb, (int) bytes, MPI_BYTE, comm));
    }
    for (int from = 0; from < np; from++) {
        for (size_t i = 0; i < bytes; i++) {
            CHECK(rb[(size_t) from * bytes + i] == val(from, rank, call, i),
                  "call %d (%zu bytes%s): byte %zu from rank %d wrong", call, bytes,
                  in_place ? ", in place" : "", i, from);
        }
    }
}

int main(int argc, char **argv)
{
    int np, rank;
    unsigned char *sb, *rb, *sb2, *rb2;
    MPI_Comm dup;
    MPI_Request req;

    MPI_Init(&argc, &argv);
    check_init("coll_alltoall_adapt");
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    sb = malloc(65536 * (size_t) np);
    rb = malloc(65536 * (size_t) np);
    sb2 = malloc(8192 * (size_t) np);
    rb2 = malloc(8192 * (size_t) np);
    CHECK(sb != NULL && rb != NULL && sb2 != NULL && rb2 != NULL, "out of memory");
    CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
    for (int call = 0; call < CALLS; call++) {
        size_t bytes = sizes[(call / 3) % 4];

        check_call(MPI_COMM_WORLD, call, bytes, sb, rb, call % 5 == 4);
        if (call % 7 == 0) {
            check_call(dup, call, 8192, sb2, rb2, false);
        }
        if (call % 11 == 0) {
            for (size_t i = 0; i < 8192 * (size_t) np; i++) {
                sb2[i] = (unsigned char) (i / 8192 + (size_t) rank * 3 + (size_t) call);
            }
            CHECK_MPI(MPI_Ialltoall(sb2, 8192, MPI_BYTE, rb2, 8192, MPI_BYTE, MPI_COMM_WORLD,
                                    &req));
            CHECK_MPI(MPI_Wait(&req, MPI_STATUS_IGNORE));
            for (int from = 0; from < np; from++) {
                CHECK(rb2[(size_t) from * 8192] == (unsigned char) (rank + from * 3 + call),
                      "call %d: Ialltoall block from %d wrong", call, from);
            }
        }
    }
    CHECK_MPI(MPI_Comm_free(&dup));
    free(sb);
    free(rb);
    free(sb2);
    free(rb2);
    MPI_Finalize();
    return 0;
}

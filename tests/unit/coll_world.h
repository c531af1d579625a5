/* The loopback world the collective schedule tests run in (coll_world.c): n virtual ranks in
 * one process, each with its own pt2pt engine and communicator over one loop fabric, and the
 * helpers both test programs share. */
#ifndef KR_TEST_COLL_WORLD_H
#define KR_TEST_COLL_WORLD_H

#include "coll/coll_int.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NMAX 64
#define GAP 0xee /* bytes between blocks that no collective may write */

struct world {
    int n;
    struct kr_loop_fabric *fab;
    struct kr_pt2pt *pt[NMAX];
    struct kr_tport *tp[NMAX];
    struct kr_comm *comm[NMAX];
};

/* The world of n ranks, built on first use and kept until worlds_free. */
struct world *world_get(int n);
void worlds_free(void);

/* Start every schedule s[i] (on engine pt[i]), then progress all engines round-robin until
 * every one has completed; fails the test on a hang or an error. */
void run_scheds(int n, struct kr_pt2pt *const *pt, struct kr_sched **s);

/* Build one schedule per rank of `w` with `build`, run them all. */
typedef int coll_build_fn(struct kr_comm *c, int r, void *arg, struct kr_sched **s_out);
void run(struct world *w, coll_build_fn *build, void *arg);

uint64_t mix64(uint64_t x);
/* Byte i of rank r's data for a test with `salt`; fill and check a buffer with it. */
unsigned char pat(int r, size_t i, unsigned salt);
void fill(unsigned char *p, size_t len, int r, unsigned salt);
void check_pat(const unsigned char *p, size_t len, int r, unsigned salt, const char *what);
/* `len` bytes still GAP. */
void check_gap(const unsigned char *p, size_t len, const char *what);
/* A root that differs with the size (and is not always 0 or n - 1). */
int root_for(int n, int k);

/* Per-rank buffers of one test case (receive buffers filled with GAP). */
struct bufs {
    unsigned char *s[NMAX], *r[NMAX];
};

void bufs_alloc(struct bufs *b, int n, size_t slen, size_t rlen);
void bufs_free(struct bufs *b, int n);

/* Builders shared by the schedule tests: a barrier (arg unused) and a broadcast of
 * b.r[rank] (arg: struct bcast_case). */
struct bcast_case {
    struct bufs b;
    size_t bytes;
    int root;
};

int build_barrier(struct kr_comm *c, int r, void *arg, struct kr_sched **s_out);
int build_bcast(struct kr_comm *c, int r, void *arg, struct kr_sched **s_out);

#endif /* KR_TEST_COLL_WORLD_H */

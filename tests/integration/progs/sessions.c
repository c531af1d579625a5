/* sessions: the sessions model, with or without MPI_Init (args: "alone", "mixed": MPI_Init
 * first, "init-later": a session first, then MPI_Init and MPI_Finalize while it lives). Psets
 * mpi://WORLD and mpi://SELF with their info; groups and communicators from them (point to
 * point, collectives, buffered sends through the session's buffer, a dup); disjoint groups
 * creating with the same string tag at once; an intercommunicator from two groups; session info
 * (thread level), error handlers (a user one counts its calls), argument errors; "fatal":
 * MPI_ERRORS_ARE_FATAL on a session ends the job with the class and a message. */
#include "check.h"

static int handler_calls, handler_last;

static void sess_handler(MPI_Session *s, int *code, ...)
{
    (void) s;
    handler_calls++;
    handler_last = *code;
}

static void psets(MPI_Session s, int np)
{
    char name[64], val[16];
    int n, len, flag;
    MPI_Info info;

    CHECK_MPI(MPI_Session_get_num_psets(s, MPI_INFO_NULL, &n));
    CHECK(n == 2, "%d psets", n);
    len = 0;
    CHECK_MPI(MPI_Session_get_nth_pset(s, MPI_INFO_NULL, 0, &len, NULL));
    CHECK(len == (int) strlen("mpi://WORLD") + 1, "pset 0 length %d", len);
    len = sizeof(name);
    CHECK_MPI(MPI_Session_get_nth_pset(s, MPI_INFO_NULL, 1, &len, name));
    CHECK(strcmp(name, "mpi://SELF") == 0, "pset 1 is %s", name);
    CHECK_MPI(MPI_Session_get_pset_info(s, "mpi://WORLD", &info));
    CHECK_MPI(MPI_Info_get_string(info, "mpi_size", &(int){sizeof(val)}, val, &flag));
    CHECK(flag && atoi(val) == np, "mpi://WORLD mpi_size '%s'", val);
    CHECK_MPI(MPI_Info_free(&info));
    CHECK_MPI(MPI_Session_get_info(s, &info));
    CHECK_MPI(MPI_Info_get_string(info, "thread_level", &(int){sizeof(val) + 16}, name, &flag));
    CHECK(flag && strcmp(name, "MPI_THREAD_FUNNELED") == 0, "thread_level '%s'", name);
    CHECK_MPI(MPI_Info_free(&info));
}

/* Communication on a communicator made from the world pset. */
static void world_comm(MPI_Session s, int *rank_out, int *np_out)
{
    MPI_Group g;
    MPI_Comm c, d;
    int rank, np, left, right, got = -1, sum = 0, *bbuf, bsize;
    MPI_Status st;

    CHECK_MPI(MPI_Group_from_session_pset(s, "mpi://WORLD", &g));
    CHECK_MPI(MPI_Comm_create_from_group(g, "org.kurir.test.world", MPI_INFO_NULL,
                                         MPI_ERRORS_RETURN, &c));
    CHECK_MPI(MPI_Group_free(&g));
    CHECK_MPI(MPI_Comm_rank(c, &rank));
    CHECK_MPI(MPI_Comm_size(c, &np));
    left = (rank + np - 1) % np;
    right = (rank + 1) % np;
    CHECK_MPI(MPI_Sendrecv(&rank, 1, MPI_INT, right, 1, &got, 1, MPI_INT, left, 1, c, &st));
    CHECK(got == left, "ring: got %d from %d", got, left);
    CHECK_MPI(MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, c));
    CHECK(sum == np * (np - 1) / 2, "allreduce %d", sum);

    /* a buffered send uses the session's buffer */
    bsize = 4 * (MPI_BSEND_OVERHEAD + (int) sizeof(int));
    bbuf = malloc((size_t) bsize);
    CHECK(bbuf != NULL, "out of memory");
    CHECK_MPI(MPI_Session_attach_buffer(s, bbuf, bsize));
    CHECK_MPI(MPI_Comm_dup(c, &d));
    CHECK_MPI(MPI_Bsend(&rank, 1, MPI_INT, right, 2, d));
    CHECK_MPI(MPI_Recv(&got, 1, MPI_INT, left, 2, d, MPI_STATUS_IGNORE));
    CHECK(got == left, "bsend: got %d", got);
    CHECK_MPI(MPI_Session_flush_buffer(s));
    {
        void *back;
        int n;

        CHECK_MPI(MPI_Session_detach_buffer(s, &back, &n));
        CHECK(back == bbuf && n == bsize, "detach gave %p %d", back, n);
    }
    free(bbuf);
    CHECK_MPI(MPI_Comm_free(&d));
    CHECK_MPI(MPI_Comm_free(&c));
    *rank_out = rank;
    *np_out = np;
}

/* Even and odd ranks build communicators with the same string tag at the same time. */
static void disjoint(MPI_Session s, int rank, int np)
{
    int ranks[64], n = 0, sum = 0, csize;
    MPI_Group w, half;
    MPI_Comm c, inter;

    for (int r = rank % 2; r < np; r += 2) {
        ranks[n++] = r;
    }
    CHECK_MPI(MPI_Group_from_session_pset(s, "mpi://WORLD", &w));
    CHECK_MPI(MPI_Group_incl(w, n, ranks, &half));
    CHECK_MPI(MPI_Comm_create_from_group(half, "org.kurir.test.half", MPI_INFO_NULL,
                                         MPI_ERRORS_RETURN, &c));
    CHECK_MPI(MPI_Comm_size(c, &csize));
    CHECK(csize == n, "half has %d members, want %d", csize, n);
    CHECK_MPI(MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, c));
    {
        int want = 0;

        for (int i = 0; i < n; i++) {
            want += ranks[i];
        }
        CHECK(sum == want, "half allreduce %d, want %d", sum, want);
    }
    CHECK_MPI(MPI_Comm_free(&c));
    if (np >= 2) {
        int oranks[64], on = 0, rsize, x = rank, y = -1;
        MPI_Group other;

        for (int r = 1 - rank % 2; r < np; r += 2) {
            oranks[on++] = r;
        }
        CHECK_MPI(MPI_Group_incl(w, on, oranks, &other));
        CHECK_MPI(MPI_Intercomm_create_from_groups(half, 0, other, 0, "org.kurir.test.inter",
                                                   MPI_INFO_NULL, MPI_ERRORS_RETURN, &inter));
        CHECK_MPI(MPI_Comm_remote_size(inter, &rsize));
        CHECK(rsize == on, "remote size %d, want %d", rsize, on);
        /* the two leaders swap their world ranks */
        if (ranks[0] == rank) {
            CHECK_MPI(
                MPI_Sendrecv(&x, 1, MPI_INT, 0, 4, &y, 1, MPI_INT, 0, 4, inter, MPI_STATUS_IGNORE));
            CHECK(y == oranks[0], "the other leader is %d, want %d", y, oranks[0]);
        }
        CHECK_MPI(MPI_Comm_free(&inter));
        CHECK_MPI(MPI_Group_free(&other));
    }
    CHECK_MPI(MPI_Group_free(&half));
    CHECK_MPI(MPI_Group_free(&w));
}

static void errors(MPI_Session s)
{
    MPI_Errhandler eh, got;
    MPI_Group g;
    int n = 99, len = 8;

    CHECK_MPI(MPI_Session_create_errhandler(sess_handler, &eh));
    CHECK_MPI(MPI_Session_set_errhandler(s, eh));
    CHECK_MPI(MPI_Session_get_errhandler(s, &got));
    CHECK(got == eh, "get_errhandler gave another handler");
    CHECK_MPI(MPI_Errhandler_free(&got));
    CHECK(MPI_Group_from_session_pset(s, "mpi://NOPE", &g) == MPI_ERR_ARG,
          "unknown pset not MPI_ERR_ARG");
    CHECK(handler_calls == 1 && handler_last == MPI_ERR_ARG, "handler: %d calls, last %d",
          handler_calls, handler_last);
    CHECK(MPI_Session_get_nth_pset(s, MPI_INFO_NULL, 2, &len, (char[8]){0}) == MPI_ERR_ARG,
          "pset 2 not MPI_ERR_ARG");
    CHECK_MPI(MPI_Session_call_errhandler(s, MPI_ERR_OTHER));
    CHECK(handler_calls == 3 && handler_last == MPI_ERR_OTHER, "handler: %d calls, last %d",
          handler_calls, handler_last);
    CHECK_MPI(MPI_Session_set_errhandler(s, MPI_ERRORS_RETURN));
    CHECK_MPI(MPI_Errhandler_free(&eh));
    CHECK(MPI_Session_get_num_psets(s, MPI_INFO_NULL, NULL) == MPI_ERR_ARG, "NULL not refused");
    CHECK(n == 99, "n changed");
    CHECK(MPI_Session_set_errhandler(s, MPI_ERRHANDLER_NULL) == MPI_ERR_ERRHANDLER,
          "MPI_ERRHANDLER_NULL accepted");
}

static MPI_Session start(void)
{
    MPI_Session s = MPI_SESSION_NULL;
    MPI_Info info;

    CHECK_MPI(MPI_Info_create(&info));
    CHECK_MPI(MPI_Info_set(info, "thread_level", "MPI_THREAD_FUNNELED"));
    CHECK_MPI(MPI_Session_init(info, MPI_ERRORS_RETURN, &s));
    CHECK_MPI(MPI_Info_free(&info));
    CHECK(s != MPI_SESSION_NULL, "no session");
    return s;
}

static void with_session(void)
{
    MPI_Session s = start(), s2 = start();
    int rank, np, inited = -1;

    CHECK_MPI(MPI_Session_finalize(&s2)); /* a second session, gone again */
    CHECK(s2 == MPI_SESSION_NULL, "finalize left the handle");
    world_comm(s, &rank, &np);
    check_rank = rank;
    psets(s, np);
    disjoint(s, rank, np);
    errors(s);
    CHECK_MPI(MPI_Initialized(&inited));
    CHECK(inited == 0 || strcmp(check_prog, "sessions") == 0, "initialized %d", inited);
    CHECK_MPI(MPI_Session_finalize(&s));
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "alone";
    int flag = -1;

    check_prog = "sessions";
    if (strcmp(mode, "alone") == 0) {
        check_prog = "sessions alone";
        CHECK_MPI(MPI_Initialized(&flag));
        CHECK(flag == 0, "initialized before anything");
        with_session();
        CHECK_MPI(MPI_Initialized(&flag));
        CHECK(flag == 0, "sessions initialized the world model");
        return 0;
    }
    if (strcmp(mode, "mixed") == 0) {
        MPI_Init(&argc, &argv);
        check_init("sessions");
        with_session();
        CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
        MPI_Finalize();
        return 0;
    }
    if (strcmp(mode, "init-later") == 0) {
        MPI_Session s = start();
        MPI_Group g;
        MPI_Comm c;
        int sum = 0, np;

        int provided = -1;

        CHECK_MPI(MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided));
        check_init("sessions");
        CHECK(provided == MPI_THREAD_SERIALIZED, "provided %d", provided);
        CHECK_MPI(MPI_Query_thread(&provided));
        CHECK(provided == MPI_THREAD_SERIALIZED, "MPI_Query_thread %d", provided);
        MPI_Comm_size(MPI_COMM_WORLD, &np);
        CHECK_MPI(MPI_Group_from_session_pset(s, "mpi://SELF", &g));
        CHECK_MPI(MPI_Comm_create_from_group(g, "self", MPI_INFO_NULL, MPI_ERRORS_RETURN, &c));
        CHECK_MPI(MPI_Group_free(&g));
        MPI_Finalize(); /* the session keeps the runtime */
        CHECK_MPI(MPI_Finalized(&flag));
        CHECK(flag == 1, "not finalized");
        CHECK_MPI(MPI_Allreduce(&np, &sum, 1, MPI_INT, MPI_SUM, c));
        CHECK(sum == np, "self allreduce %d", sum);
        CHECK_MPI(MPI_Comm_free(&c));
        CHECK_MPI(MPI_Session_finalize(&s));
        return 0;
    }
    if (strcmp(mode, "fatal") == 0) {
        /* MPI_ERRORS_ARE_FATAL on the session: the last rank names a bad pset and the job ends
         * while the others wait for it in a collective */
        MPI_Session s;
        MPI_Group g;
        MPI_Comm c;
        int size;

        CHECK_MPI(MPI_Session_init(MPI_INFO_NULL, MPI_ERRORS_ARE_FATAL, &s));
        CHECK_MPI(MPI_Group_from_session_pset(s, "mpi://WORLD", &g));
        CHECK_MPI(MPI_Group_size(g, &size));
        CHECK_MPI(MPI_Group_rank(g, &check_rank));
        if (check_rank == size - 1) {
            MPI_Group_from_session_pset(s, "mpi://BOGUS", &g);
            CHECK(0, "a bad pset name under MPI_ERRORS_ARE_FATAL returned");
        }
        MPI_Comm_create_from_group(g, "never", MPI_INFO_NULL, MPI_ERRORS_ARE_FATAL, &c);
        CHECK(0, "created a communicator without the last rank");
    }
    fprintf(stderr, "sessions: unknown mode %s\n", mode);
    return 2;
}

/* mpit: the MPI_T tool interface. Before MPI_T_init_thread every call says
 * MPI_T_ERR_NOT_INITIALIZED; init is reference counted and works before MPI_Init and after
 * MPI_Finalize. Control variables are Kurir's settings under their KURIR_* names with the
 * right types (KURIR_SHM_EAGER_LIMIT unsigned long, KURIR_API_CHECKS int, KURIR_TRANSPORTS
 * string, KURIR_COLL_BARRIER an enumeration), values as the environment set them, writes as
 * the scope says; categories hold every cvar once; the pt2pt counters count an unexpected
 * message and a rendezvous send, stop, reset and write; no events; one time source; the
 * right error for each kind of bad argument. */
#include "check.h"

#define T_EXPECT(want, call)                                                                       \
    do {                                                                                           \
        int t_ret_ = (call);                                                                       \
        CHECK(t_ret_ == (want), "%s returned %d, want %s (%d)", #call, t_ret_, #want, (want));     \
    } while (0)

static void not_initialized(void)
{
    int n;
    MPI_T_cvar_handle h = MPI_T_CVAR_HANDLE_NULL;
    MPI_T_pvar_session s;

    T_EXPECT(MPI_T_ERR_NOT_INITIALIZED, MPI_T_finalize());
    T_EXPECT(MPI_T_ERR_NOT_INITIALIZED, MPI_T_cvar_get_num(&n));
    T_EXPECT(MPI_T_ERR_NOT_INITIALIZED, MPI_T_cvar_handle_alloc(0, NULL, &h, &n));
    T_EXPECT(MPI_T_ERR_NOT_INITIALIZED, MPI_T_category_get_num(&n));
    T_EXPECT(MPI_T_ERR_NOT_INITIALIZED, MPI_T_pvar_session_create(&s));
    T_EXPECT(MPI_T_ERR_NOT_INITIALIZED, MPI_T_event_get_num(&n));
    T_EXPECT(MPI_T_ERR_NOT_INITIALIZED, MPI_T_source_get_num(&n));
}

static int cvar_index(const char *name)
{
    int idx = -1;

    CHECK_MPI(MPI_T_cvar_get_index(name, &idx));
    return idx;
}

/* Name round-trips, datatype and scope of one cvar. */
static void cvar_info(const char *name, MPI_Datatype want_type, int want_scope, MPI_T_enum *e)
{
    char got[128], desc[256];
    int idx = cvar_index(name), len = sizeof(got), dlen = sizeof(desc), verb, bind, scope;
    MPI_Datatype dt;

    CHECK_MPI(MPI_T_cvar_get_info(idx, got, &len, &verb, &dt, e, desc, &dlen, &bind, &scope));
    CHECK(strcmp(got, name) == 0 && len == (int) strlen(name) + 1, "cvar %d is %s (len %d)", idx,
          got, len);
    CHECK(dlen > 1 && strlen(desc) + 1 == (size_t) dlen, "%s: description '%s' length %d", name,
          desc, dlen);
    CHECK(dt == want_type, "%s: wrong datatype", name);
    CHECK(scope == want_scope, "%s: scope %d, want %d", name, scope, want_scope);
    CHECK(bind == MPI_T_BIND_NO_OBJECT, "%s: bind %d", name, bind);
    /* length only, then a truncated copy */
    len = 0;
    CHECK_MPI(MPI_T_cvar_get_info(idx, NULL, &len, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
    CHECK(len == (int) strlen(name) + 1, "%s: length query gave %d", name, len);
    len = 6;
    CHECK_MPI(MPI_T_cvar_get_info(idx, got, &len, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
    CHECK(len == 6 && strcmp(got, "KURIR") == 0, "%s: truncated to '%s' (len %d)", name, got, len);
}

static void cvars(int running)
{
    MPI_T_cvar_handle h, h2;
    MPI_T_enum e;
    unsigned long eager = 0;
    char str[256], ename[128];
    int n, count, v, num, elen = sizeof(ename);

    CHECK_MPI(MPI_T_cvar_get_num(&n));
    CHECK(n > 20, "only %d cvars", n);
    cvar_info("KURIR_SHM_EAGER_LIMIT", MPI_UNSIGNED_LONG, MPI_T_SCOPE_ALL_EQ, NULL);
    cvar_info("KURIR_API_CHECKS", MPI_INT, MPI_T_SCOPE_LOCAL, NULL);
    cvar_info("KURIR_TRANSPORTS", MPI_CHAR, MPI_T_SCOPE_READONLY, NULL);
    cvar_info("KURIR_COLL_BARRIER", MPI_INT, MPI_T_SCOPE_ALL_EQ, &e);

    /* the test list sets KURIR_SHM_EAGER_LIMIT=2k and KURIR_TRANSPORTS=shm,tcp */
    CHECK_MPI(MPI_T_cvar_handle_alloc(cvar_index("KURIR_SHM_EAGER_LIMIT"), NULL, &h, &count));
    CHECK(count == 1, "eager limit count %d", count);
    CHECK_MPI(MPI_T_cvar_read(h, &eager));
    CHECK(eager == 2048, "KURIR_SHM_EAGER_LIMIT reads %lu, want 2048", eager);
    eager = 4096;
    T_EXPECT(running ? MPI_T_ERR_CVAR_SET_NOT_NOW : MPI_SUCCESS, MPI_T_cvar_write(h, &eager));
    if (!running) {
        eager = 2048; /* put it back before MPI_Init reads it */
        CHECK_MPI(MPI_T_cvar_write(h, &eager));
    }
    CHECK_MPI(MPI_T_cvar_handle_free(&h));
    CHECK(h == MPI_T_CVAR_HANDLE_NULL, "handle_free left the handle");
    T_EXPECT(MPI_T_ERR_INVALID_HANDLE, MPI_T_cvar_handle_free(&h));

    CHECK_MPI(MPI_T_cvar_handle_alloc(cvar_index("KURIR_TRANSPORTS"), NULL, &h, &count));
    CHECK(count == (int) strlen("shm,tcp") + 1, "KURIR_TRANSPORTS count %d", count);
    CHECK_MPI(MPI_T_cvar_read(h, str));
    CHECK(strcmp(str, "shm,tcp") == 0, "KURIR_TRANSPORTS reads '%s'", str);
    T_EXPECT(MPI_T_ERR_CVAR_SET_NEVER, MPI_T_cvar_write(h, "tcp"));

    CHECK_MPI(MPI_T_cvar_handle_alloc(cvar_index("KURIR_API_CHECKS"), NULL, &h2, &count));
    CHECK_MPI(MPI_T_cvar_read(h2, &v));
    CHECK(v == 1, "KURIR_API_CHECKS reads %d", v);
    v = 0;
    CHECK_MPI(MPI_T_cvar_write(h2, &v));
    CHECK_MPI(MPI_T_cvar_read(h2, &v));
    CHECK(v == 0, "KURIR_API_CHECKS reads %d after writing 0", v);
    v = 1;
    CHECK_MPI(MPI_T_cvar_write(h2, &v));
    CHECK_MPI(MPI_T_cvar_handle_free(&h2));
    /* h is left allocated: the last MPI_T_finalize frees it */

    CHECK(e != MPI_T_ENUM_NULL, "KURIR_COLL_BARRIER has no enumeration");
    CHECK_MPI(MPI_T_enum_get_info(e, &num, ename, &elen));
    CHECK(num >= 2 && strcmp(ename, "KURIR_COLL_BARRIER") == 0, "enum %s has %d items", ename, num);
    elen = sizeof(ename);
    CHECK_MPI(MPI_T_enum_get_item(e, 0, &v, ename, &elen));
    CHECK(v == 0 && strcmp(ename, "auto") == 0, "item 0 is %d '%s'", v, ename);
    T_EXPECT(MPI_T_ERR_INVALID_ITEM, MPI_T_enum_get_item(e, num, &v, ename, &elen));
    T_EXPECT(MPI_T_ERR_INVALID_HANDLE, MPI_T_enum_get_info(MPI_T_ENUM_NULL, &num, NULL, NULL));

    T_EXPECT(MPI_T_ERR_INVALID_INDEX,
             MPI_T_cvar_get_info(n, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
    T_EXPECT(MPI_T_ERR_INVALID_INDEX, MPI_T_cvar_handle_alloc(-1, NULL, &h2, &count));
    T_EXPECT(MPI_T_ERR_INVALID_NAME, MPI_T_cvar_get_index("KURIR_NO_SUCH", &v));
    T_EXPECT(MPI_T_ERR_INVALID_HANDLE, MPI_T_cvar_read((MPI_T_cvar_handle) &v, &v));
}

/* Every cvar is in exactly one category; the tcp and shm categories exist. */
static void categories(void)
{
    int ncat, ncvar, total = 0, idx, nc, np, nsub, len, *seen, *ind;
    char name[64];

    CHECK_MPI(MPI_T_category_get_num(&ncat));
    CHECK_MPI(MPI_T_cvar_get_num(&ncvar));
    seen = calloc((size_t) ncvar, sizeof(int));
    CHECK(seen != NULL, "out of memory");
    for (int c = 0; c < ncat; c++) {
        len = sizeof(name);
        CHECK_MPI(MPI_T_category_get_info(c, name, &len, NULL, NULL, &nc, &np, &nsub));
        CHECK(np == (strcmp(name, "pt2pt") == 0 ? 2 : 0) && nsub == 0,
              "category %s: %d pvars %d subcategories", name, np, nsub);
        CHECK_MPI(MPI_T_category_get_index(name, &idx));
        CHECK(idx == c, "category %s: index %d, want %d", name, idx, c);
        ind = calloc((size_t) nc + 1, sizeof(int));
        CHECK(ind != NULL, "out of memory");
        CHECK_MPI(MPI_T_category_get_cvars(c, nc, ind));
        for (int i = 0; i < nc; i++) {
            CHECK(ind[i] >= 0 && ind[i] < ncvar && !seen[ind[i]], "category %s: cvar %d", name,
                  ind[i]);
            seen[ind[i]] = 1;
        }
        total += nc;
        free(ind);
    }
    CHECK(total == ncvar, "categories hold %d cvars of %d", total, ncvar);
    free(seen);
    CHECK_MPI(MPI_T_category_get_index("tcp", &idx));
    CHECK_MPI(MPI_T_category_get_index("shm", &idx));
    T_EXPECT(MPI_T_ERR_INVALID_NAME, MPI_T_category_get_index("nope", &idx));
    T_EXPECT(MPI_T_ERR_INVALID_INDEX,
             MPI_T_category_get_info(ncat, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
    CHECK_MPI(MPI_T_category_get_num_events(0, &nc));
    CHECK(nc == 0, "%d events in category 0", nc);
    CHECK_MPI(MPI_T_category_changed(&nc));
}

/* Rank 1 probes before it receives, so the message is unexpected; rank 0's 64 KiB message
 * goes by rendezvous (the test list sets a 2 KiB eager limit). */
static void traffic(int rank, int np)
{
    static char big[65536];
    int v = 0;

    if (np < 2 || rank > 1) {
        return;
    }
    if (rank == 0) {
        CHECK_MPI(MPI_Send(&v, 1, MPI_INT, 1, 9, MPI_COMM_WORLD));
        CHECK_MPI(MPI_Send(big, sizeof(big), MPI_CHAR, 1, 10, MPI_COMM_WORLD));
    } else {
        CHECK_MPI(MPI_Probe(0, 9, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        CHECK_MPI(MPI_Recv(&v, 1, MPI_INT, 0, 9, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        CHECK_MPI(MPI_Recv(big, sizeof(big), MPI_CHAR, 0, 10, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    }
}

static void pvars(int rank, int np)
{
    MPI_T_pvar_session s, s2, bad;
    MPI_T_pvar_handle hu, hr, h2;
    unsigned long long u0, u1, r1, w = 5;
    char name[64];
    int n, count, v, idx, cls, ro, cont, atomic, len = sizeof(name);
    MPI_Datatype dt;

    CHECK_MPI(MPI_T_pvar_get_num(&n));
    CHECK(n == 2, "%d pvars", n);
    CHECK_MPI(MPI_T_pvar_get_index("kurir_pt2pt_unexpected", MPI_T_PVAR_CLASS_COUNTER, &idx));
    CHECK_MPI(MPI_T_pvar_get_info(idx, name, &len, NULL, &cls, &dt, NULL, NULL, NULL, NULL, &ro,
                                  &cont, &atomic));
    CHECK(strcmp(name, "kurir_pt2pt_unexpected") == 0 && cls == MPI_T_PVAR_CLASS_COUNTER
              && dt == MPI_UNSIGNED_LONG_LONG && !ro && !cont && !atomic,
          "pvar %d: %s class %d ro %d cont %d atomic %d", idx, name, cls, ro, cont, atomic);
    T_EXPECT(MPI_T_ERR_INVALID_NAME,
             MPI_T_pvar_get_index("kurir_pt2pt_unexpected", MPI_T_PVAR_CLASS_LEVEL, &v));
    T_EXPECT(MPI_T_ERR_INVALID_INDEX, MPI_T_pvar_get_info(n, NULL, NULL, NULL, NULL, NULL, NULL,
                                                          NULL, NULL, NULL, NULL, NULL, NULL));
    T_EXPECT(MPI_T_ERR_INVALID_NAME, MPI_T_pvar_get_index("x", MPI_T_PVAR_CLASS_COUNTER, &v));

    CHECK_MPI(MPI_T_pvar_session_create(&s));
    CHECK_MPI(MPI_T_pvar_handle_alloc(s, idx, NULL, &hu, &count));
    CHECK(count == 1, "count %d", count);
    CHECK_MPI(MPI_T_pvar_get_index("kurir_pt2pt_rndv_sends", MPI_T_PVAR_CLASS_COUNTER, &idx));
    CHECK_MPI(MPI_T_pvar_handle_alloc(s, idx, NULL, &hr, &count));
    T_EXPECT(MPI_T_ERR_INVALID_INDEX, MPI_T_pvar_handle_alloc(s, n, NULL, &h2, &count));
    CHECK_MPI(MPI_T_pvar_read(s, hu, &u0));
    CHECK(u0 == 0, "a handle not started reads %llu", u0);
    CHECK_MPI(MPI_T_pvar_start(s, MPI_T_PVAR_ALL_HANDLES));
    traffic(rank, np);
    CHECK_MPI(MPI_T_pvar_read(s, hu, &u1));
    CHECK_MPI(MPI_T_pvar_read(s, hr, &r1));
    CHECK(rank != 1 || np < 2 || u1 >= 1, "rank 1 counted %llu unexpected messages", u1);
    CHECK(rank != 0 || np < 2 || r1 >= 1, "rank 0 counted %llu rendezvous sends", r1);
    CHECK_MPI(MPI_T_pvar_stop(s, hu));
    traffic(rank, np);
    CHECK_MPI(MPI_T_pvar_read(s, hu, &u0));
    CHECK(u0 == u1, "a stopped handle moved from %llu to %llu", u1, u0);
    CHECK_MPI(MPI_T_pvar_reset(s, hu));
    CHECK_MPI(MPI_T_pvar_read(s, hu, &u0));
    CHECK(u0 == 0, "reset left %llu", u0);
    CHECK_MPI(MPI_T_pvar_write(s, hu, &w));
    CHECK_MPI(MPI_T_pvar_read(s, hu, &u0));
    CHECK(u0 == 5, "wrote 5, read %llu", u0);
    T_EXPECT(MPI_T_ERR_PVAR_NO_ATOMIC, MPI_T_pvar_readreset(s, hu, &u0));
    T_EXPECT(MPI_T_ERR_INVALID_HANDLE, MPI_T_pvar_read(s, MPI_T_PVAR_ALL_HANDLES, &u0));

    /* handles belong to their session */
    CHECK_MPI(MPI_T_pvar_session_create(&s2));
    T_EXPECT(MPI_T_ERR_INVALID_HANDLE, MPI_T_pvar_read(s2, hu, &u0));
    T_EXPECT(MPI_T_ERR_INVALID_HANDLE, MPI_T_pvar_start(s2, hr));
    CHECK_MPI(MPI_T_pvar_start(s2, MPI_T_PVAR_ALL_HANDLES)); /* none */
    CHECK_MPI(MPI_T_pvar_session_free(&s2));
    bad = (MPI_T_pvar_session) &v;
    T_EXPECT(MPI_T_ERR_INVALID_SESSION, MPI_T_pvar_handle_alloc(bad, 0, NULL, &h2, &count));
    T_EXPECT(MPI_T_ERR_INVALID_SESSION, MPI_T_pvar_start(bad, MPI_T_PVAR_ALL_HANDLES));
    T_EXPECT(MPI_T_ERR_INVALID_HANDLE, MPI_T_pvar_start(s, (MPI_T_pvar_handle) &v));
    CHECK_MPI(MPI_T_pvar_handle_free(s, &hu));
    CHECK(hu == MPI_T_PVAR_HANDLE_NULL, "handle_free left the handle");
    T_EXPECT(MPI_T_ERR_INVALID_HANDLE, MPI_T_pvar_handle_free(s, &hu));
    CHECK_MPI(MPI_T_pvar_session_free(&s)); /* frees hr with it */
    CHECK(s == MPI_T_PVAR_SESSION_NULL, "session_free left the handle");
    T_EXPECT(MPI_T_ERR_INVALID_SESSION, MPI_T_pvar_session_free(&s));
}

static void events_sources(void)
{
    MPI_T_event_registration reg;
    MPI_Count t1, t2, tps, maxt;
    MPI_T_source_order ord;
    int n, v;

    CHECK_MPI(MPI_T_event_get_num(&n));
    CHECK(n == 0, "%d event types", n);
    T_EXPECT(MPI_T_ERR_INVALID_INDEX, MPI_T_event_handle_alloc(0, NULL, MPI_INFO_NULL, &reg));
    T_EXPECT(MPI_T_ERR_INVALID_NAME, MPI_T_event_get_index("x", &v));
    T_EXPECT(MPI_T_ERR_INVALID_HANDLE,
             MPI_T_event_handle_free((MPI_T_event_registration) &v, NULL, NULL));

    CHECK_MPI(MPI_T_source_get_num(&n));
    CHECK(n == 1, "%d sources", n);
    CHECK_MPI(MPI_T_source_get_info(0, NULL, NULL, NULL, NULL, &ord, &tps, &maxt, NULL));
    CHECK(ord == MPI_T_SOURCE_ORDERED && tps == 1000000000, "source: order %d, %lld ticks/s",
          (int) ord, (long long) tps);
    CHECK_MPI(MPI_T_source_get_timestamp(0, &t1));
    CHECK_MPI(MPI_T_source_get_timestamp(0, &t2));
    CHECK(t2 >= t1 && t1 > 0, "timestamps %lld then %lld", (long long) t1, (long long) t2);
    T_EXPECT(MPI_T_ERR_INVALID_INDEX, MPI_T_source_get_timestamp(1, &t1));
}

int main(int argc, char **argv)
{
    int provided, rank, np;

    not_initialized();
    CHECK_MPI(MPI_T_init_thread(MPI_THREAD_SINGLE, &provided));
    CHECK(provided == MPI_THREAD_SINGLE, "provided %d", provided);
    cvars(0); /* before MPI_Init: writes are taken */
    MPI_Init(&argc, &argv);
    check_init("mpit");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    CHECK_MPI(MPI_T_init_thread(MPI_THREAD_SINGLE, &provided)); /* nested */
    cvars(1);
    CHECK(check_errclass(MPI_T_ERR_INVALID_INDEX) == MPI_T_ERR_INVALID_INDEX,
          "MPI_Error_class does not know MPI_T_ERR_INVALID_INDEX");
    CHECK(strstr(check_errstr(MPI_T_ERR_CVAR_SET_NEVER), "MPI_T_ERR_CVAR_SET_NEVER") != NULL,
          "MPI_Error_string(MPI_T_ERR_CVAR_SET_NEVER) is '%s'",
          check_errstr(MPI_T_ERR_CVAR_SET_NEVER));
    categories();
    pvars(rank, np);
    events_sources();
    CHECK_MPI(MPI_T_finalize());
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD)); /* still usable, and MPI works */
    MPI_Finalize();
    {
        int n;

        CHECK_MPI(MPI_T_cvar_get_num(&n)); /* after MPI_Finalize, still initialised */
        CHECK_MPI(MPI_T_finalize());
        T_EXPECT(MPI_T_ERR_NOT_INITIALIZED, MPI_T_cvar_get_num(&n));
        CHECK_MPI(MPI_T_init_thread(MPI_THREAD_MULTIPLE, &provided)); /* again, after all */
        CHECK(provided >= MPI_THREAD_SINGLE, "provided %d", provided);
        CHECK_MPI(MPI_T_finalize());
    }
    (void) rank;
    return 0;
}

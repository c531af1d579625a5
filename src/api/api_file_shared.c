/* The shared file pointer as the program sees it: positions for the _shared and _ordered
 * accesses, MPI_File_seek_shared and MPI_File_get_position_shared. The counter itself is
 * src/io's (a one-sided window); ordered accesses take their places in rank order from one
 * gather of every rank's size and one fetch-and-add by rank 0. */
#include "config.h"

#include "api_file_int.h"

#include "coll/coll.h"

#include <errno.h>
#include <stdlib.h>

int kr_api_file_shared_pos(const char *call, struct kr_api_file *f, int64_t etypes,
                           int64_t *pos_out)
{
    int ret = kr_io_shfp_fetch_add(f->shfp, etypes, pos_out);

    return ret == 0 ? MPI_SUCCESS
                    : kr_api_file_fail(f, call, "updating the shared file pointer", ret);
}

int kr_api_file_ordered_pos(const char *call, struct kr_api_file *f, int cls, const char *msg,
                            int64_t etypes, int64_t *pos_out)
{
    struct kr_comm *comm = f->comm;
    int64_t mine = cls != MPI_SUCCESS ? -(int64_t) cls : etypes, prefix = 0, total = 0;
    int64_t res[2] = { 0, 0 }; /* the pointer before, and rank 0's error */
    int64_t *all = malloc((size_t) comm->size * sizeof(*all));
    int ret, i, bad = -1;

    if (all == NULL) {
        return kr_api_file_fail(f, call, "gathering the sizes", -ENOMEM);
    }
    ret = kr_coll_allgather(comm, &mine, all, sizeof(mine));
    for (i = 0; ret == 0 && i < comm->size; i++) {
        if (all[i] < 0 && bad < 0) {
            bad = i;
        }
        prefix += i < comm->rank ? all[i] : 0;
        total += all[i];
    }
    if (ret != 0 || bad >= 0) {
        cls = cls != MPI_SUCCESS ? cls : ret != 0 ? kr_api_errclass(ret) : (int) -all[bad];
        free(all);
        return kr_api_file_error(f, cls, "%s", msg[0] != '\0' ? msg
                                 : "MPI_File_*_ordered: another process's arguments were wrong");
    }
    free(all);
    if (comm->rank == 0) {
        ret = kr_io_shfp_fetch_add(f->shfp, total, &res[0]);
        res[1] = ret;
    }
    ret = kr_coll_bcast(comm, res, sizeof(res), 0);
    if (ret != 0 || res[1] != 0) {
        return kr_api_file_fail(f, call, "updating the shared file pointer",
                                ret != 0 ? ret : (int) res[1]);
    }
    *pos_out = res[0] + prefix;
    return MPI_SUCCESS;
}

KR_WEAK_ALIAS(File_seek_shared)
int PMPI_File_seek_shared(MPI_File fh, MPI_Offset offset, int whence)
{
    const char *call = "MPI_File_seek_shared";
    struct kr_api_file *f;
    int64_t cur = 0, pos = 0;
    int ret, cls = MPI_SUCCESS;
    bool any;

    kr_api_check_running(call);
    ret = kr_api_check_file(call, fh, &f);
    if (ret != MPI_SUCCESS) {
        return ret;
    }
    /* everyone's earlier shared accesses are done before rank 0 reads the pointer */
    kr_api_file_agree(f->comm, MPI_SUCCESS, &any);
    if (f->comm->rank == 0) {
        ret = kr_io_shfp_fetch_add(f->shfp, 0, &cur);
        cls = ret != 0 ? kr_api_file_fail(f, call, "reading the shared file pointer", ret)
                       : kr_api_file_seek_target(call, f, cur, offset, whence, &pos);
        ret = cls == MPI_SUCCESS ? kr_io_shfp_set(f->shfp, pos) : 0;
        if (ret != 0) {
            cls = kr_api_file_fail(f, call, "setting the shared file pointer", ret);
        }
    }
    ret = kr_api_file_agree(f->comm, cls, &any);
    if (any && cls == MPI_SUCCESS) { /* rank 0 reported its own */
        return kr_api_file_error(f, ret, "%s: failed on rank 0 (offset %lld, whence %d)", call,
                                 (long long) offset, whence);
    }
    return ret;
}

KR_WEAK_ALIAS(File_get_position_shared)
int PMPI_File_get_position_shared(MPI_File fh, MPI_Offset *offset)
{
    const char *call = "MPI_File_get_position_shared";
    struct kr_api_file *f;
    int64_t pos;
    int ret;

    kr_api_check_running(call);
    ret = kr_api_check_file(call, fh, &f);
    if (ret == MPI_SUCCESS && offset == NULL) {
        ret = kr_api_file_error(f, MPI_ERR_ARG, "%s: offset is NULL", call);
    }
    if (ret == MPI_SUCCESS) {
        ret = kr_api_file_shared_pos(call, f, 0, &pos);
    }
    if (ret == MPI_SUCCESS) {
        *offset = pos;
    }
    return ret;
}

/* Private to the API's communicator code (api_comm*.c, api_intercomm.c, api_group.c,
 * api_attr.c, api_info.c, api_topo.c): info objects, groups as handles, and what every call
 * that creates or frees a communicator does around the communicator layer (error handler,
 * info hints, attributes, handle table). */
#ifndef KR_API_COMM_INT_H
#define KR_API_COMM_INT_H

#include "api.h"

#include <stdbool.h>

/* ---- info objects (api_info.c) ---------------------------------------------------------- */

#define KR_INFO_MAGIC 0x6b72496eu /* "krIn": a live info object */

struct kr_api_info_ent {
    char *key, *val;
};

/* An MPI_Info: (key, value) strings in the order keys were first set. The user's handle is its
 * address; MPI_INFO_ENV is one built on first use and kept until MPI_Finalize. */
struct kr_api_info {
    uint32_t magic;
    int n, cap;
    struct kr_api_info_ent *e;
};

/* The info object behind `h` (MPI_INFO_ENV included), or NULL for MPI_INFO_NULL or anything
 * that is not a live info object. */
struct kr_api_info *kr_api_info(MPI_Info h);

/* Check an info argument: a live object, or MPI_INFO_NULL when `null_ok` (*info_out NULL). */
int kr_api_check_info(const char *call, struct kr_comm *comm, MPI_Info h, bool null_ok,
                      struct kr_api_info **info_out);

/* A new object with the entries of `src` (NULL: empty). Returns 0 or -ENOMEM. */
int kr_api_info_dup(const struct kr_api_info *src, struct kr_api_info **info_out);
void kr_api_info_free(struct kr_api_info *info);

/* Set `key` to `val` in *info, creating the object when *info is NULL. 0 or -ENOMEM. */
int kr_api_info_set(struct kr_api_info **info, const char *key, const char *val);

/* The value of `key`, or NULL. */
const char *kr_api_info_get(const struct kr_api_info *info, const char *key);

/* Free MPI_INFO_ENV's object (MPI_Finalize). */
void kr_api_info_env_free(void);

/* ---- groups (api_group.c) -------------------------------------------------------------- */

/* The group behind `h`: MPI_GROUP_EMPTY is a static empty group; NULL for MPI_GROUP_NULL and
 * anything that is not a live group. */
struct kr_group *kr_api_group(MPI_Group h);

/* A new group handle of the `n` job ranks `ranks` (NULL: 0..n-1) into *group (MPI_Comm_group,
 * MPI_Win_get_group). */
int kr_api_group_of(const char *call, struct kr_comm *comm, const int *ranks, int n,
                    MPI_Group *group);

int kr_api_check_group(const char *call, struct kr_comm *comm, MPI_Group h,
                       struct kr_group **group_out);

/* ---- communicators (api_comm.c) --------------------------------------------------------- */

/* Like kr_api_check_comm, and the communicator must be an intracommunicator (MPI_ERR_COMM). */
int kr_api_check_intra(const char *call, MPI_Comm h, struct kr_comm **comm_out);

/* A communicator the communicator layer made from `parent` for `call` becomes the user's: it
 * inherits parent's error handler, gets a copy of `info` as its hints (NULL: none), and, when
 * `dup`, the parent's attributes through their copy callbacks. On failure (a copy callback's
 * error, no memory) `c` is freed, *newcomm set to MPI_COMM_NULL and the error reported on
 * parent. */
int kr_api_comm_adopt(const char *call, struct kr_comm *parent, struct kr_comm *c,
                      const struct kr_api_info *info, bool dup, MPI_Comm *newcomm);

/* The end of a creation call: report the communicator layer's error `ret` on parent, or give
 * the program MPI_COMM_NULL (c NULL: not a member) or `c`, adopted (not a dup). */
int kr_api_comm_created(const char *call, struct kr_comm *parent, int ret, struct kr_comm *c,
                        const struct kr_api_info *info, MPI_Comm *newcomm);

/* What adopt added to `c`, undone without callbacks, then the communicator freed. */
void kr_api_comm_destroy(struct kr_comm *c);

/* ---- attributes (api_attr.c) -------------------------------------------------------------- */

/* Run the copy callbacks of old's attributes for new communicator `c`. 0, or the MPI error
 * (a callback's code, MPI_ERR_NO_MEM), not reported yet. */
int kr_api_comm_attrs_copy(struct kr_comm *old, struct kr_comm *c);

/* Run the delete callbacks of every attribute of `c` (MPI_Comm_free, MPI_Finalize for
 * MPI_COMM_SELF). 0, or the first callback's error (not reported yet). */
int kr_api_comm_attrs_delete(struct kr_comm *c);

#endif /* KR_API_COMM_INT_H */

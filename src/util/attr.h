/* Attribute caching for MPI objects (MPI_Type_set_attr, MPI_Comm_set_attr, MPI_Win_set_attr):
 * the process-wide keyval table and the attribute list each object carries. It knows nothing
 * of handles: the user's callbacks are stored as opaque function pointers and called through
 * the glue the API layer passes for its kind of object, which casts them to their real type
 * and hands them the object's handle. So datatypes, communicators and windows share one
 * store, and it can be tested without MPI. */
#ifndef KR_UTIL_ATTR_H
#define KR_UTIL_ATTR_H

#include <stdbool.h>
#include <stdint.h>

/* Keyvals are created for one kind of object and refused on the others. */
enum kr_attr_kind { KR_ATTR_COMM, KR_ATTR_TYPE, KR_ATTR_WIN };

/* The MPI ABI's predefined callbacks are these values cast to function pointers:
 * MPI_*_NULL_COPY_FN and MPI_*_NULL_DELETE_FN are 0 (do nothing), MPI_*_DUP_FN is 1 (copy the
 * value). The store acts on them itself; every other value is a user function. */
#define KR_ATTR_FN_NONE ((uintptr_t) 0)
#define KR_ATTR_FN_DUP ((uintptr_t) 1)

/* Storage type for callbacks; the glue casts back to the MPI function type. */
typedef void kr_attr_fn(void);

/* User keyvals are numbered from here, above the fixed values of predefined attribute keys
 * (MPI_TAG_UB 501 and friends, MPI_WIN_BASE 601 and friends), so they never collide. */
#define KR_ATTR_KEYVAL_BASE 1024

struct kr_keyval {
    int id;
    enum kr_attr_kind kind;
    kr_attr_fn *copy_fn;
    kr_attr_fn *delete_fn;
    void *extra_state;
    int refs;   /* the creator's, until *_free_keyval, plus one per attribute using it */
    bool freed; /* the user freed it: no new attributes, lookups fail */
};

/* How the store calls a keyval's callbacks on one kind of object. `obj` is whatever the
 * caller passed along (the API layer passes the handle). Each returns what the user's
 * callback returned: 0 (MPI_SUCCESS) or an MPI error code. */
struct kr_attr_glue {
    int (*copy)(const struct kr_keyval *kv, void *obj, void *val_in, void **val_out, int *flag_out);
    int (*del)(const struct kr_keyval *kv, void *obj, void *val);
};

/* The attributes of one object; NULL is the empty list. */
struct kr_attr_list;

/* Create a keyval. Returns 0 and sets *keyval_out, or -ENOMEM. */
int kr_attr_keyval_create(enum kr_attr_kind kind, kr_attr_fn *copy_fn, kr_attr_fn *delete_fn,
                          void *extra_state, int *keyval_out);

/* The live keyval `id` of `kind`, or NULL (unknown, freed, or of another kind). */
const struct kr_keyval *kr_attr_keyval_get(int id, enum kr_attr_kind kind);

/* The user frees keyval `id`: it can no longer be used, but attributes that still use it
 * keep it until they are deleted. Returns 0 or -EINVAL (no such live keyval of `kind`). */
int kr_attr_keyval_free(int id, enum kr_attr_kind kind);

/* Set attribute `id` of `obj` to `val`, first deleting the old value through the delete
 * callback. Returns 0, -EINVAL (bad keyval), -ENOMEM, or the callback's error code (> 0),
 * in which case the old value stays. */
int kr_attr_set(struct kr_attr_list **list, const struct kr_attr_glue *g, void *obj, int id,
                enum kr_attr_kind kind, void *val);

/* The value of attribute `id`: *found_out false when the object has none. Returns 0 or
 * -EINVAL (bad keyval). */
int kr_attr_get(struct kr_attr_list *const *list, int id, enum kr_attr_kind kind, void **val_out,
                bool *found_out);

/* Delete attribute `id` (a no-op when absent) through its delete callback. Returns 0,
 * -EINVAL (bad keyval) or the callback's error code (> 0; the attribute stays). */
int kr_attr_delete(struct kr_attr_list **list, const struct kr_attr_glue *g, void *obj, int id,
                   enum kr_attr_kind kind);

/* Object duplication: run every copy callback of `src` (attributes of `old_obj`) and put
 * what they return on *dst. On a callback error (> 0) or -ENOMEM, the attributes copied so
 * far are deleted again and *dst is left empty. */
int kr_attr_copy_all(struct kr_attr_list *const *src, struct kr_attr_list **dst,
                     const struct kr_attr_glue *g, void *old_obj, void *new_obj);

/* Object free: delete every attribute, newest first. Returns 0, or the first callback error
 * (> 0), leaving that attribute and the older ones in place. */
int kr_attr_delete_all(struct kr_attr_list **list, const struct kr_attr_glue *g, void *obj);

/* Free the list's memory without running callbacks (objects freed internally). */
void kr_attr_list_destroy(struct kr_attr_list **list);

/* Number of attributes on the list (tests, debugging). */
int kr_attr_count(struct kr_attr_list *const *list);

#endif /* KR_UTIL_ATTR_H */

/* Private to the MPI_T files (api_t*.c): the tool interface's reference count, the objects it
 * hands out, and the MPI_T rules for returning strings. */
#ifndef KR_API_T_INT_H
#define KR_API_T_INT_H

#include "api.h"

#include "util/settings.h"

#include <stdbool.h>
#include <stdint.h>

/* Objects handed to tools. Handles are addresses of these; a handle is valid while it is on
 * the live list, so a stale or made-up handle is refused without being dereferenced. */
enum kr_t_kind { KR_T_CVAR_HANDLE = 1, KR_T_PVAR_SESSION, KR_T_PVAR_HANDLE };

struct kr_t_obj {
    struct kr_t_obj *next;
    enum kr_t_kind kind;
    int index;                /* cvar or pvar index (handles) */
    int count;                /* elements a read gives (cvar handles) */
    struct kr_t_obj *session; /* pvar handles: the session they belong to */
    bool started;             /* pvar handles: counting */
    uint64_t accum, base;     /* pvar handles: value while stopped; counter at the start */
};

/* True between the first MPI_T_init_thread and the matching last MPI_T_finalize. */
bool kr_t_ready(void);

/* Allocate an object of `kind` on the live list: 0 or -ENOMEM. */
int kr_t_obj_new(enum kr_t_kind kind, struct kr_t_obj **obj_out);
/* The live object of `kind` at address `h`, or NULL. */
struct kr_t_obj *kr_t_obj_find(const void *h, enum kr_t_kind kind);
/* Take `obj` off the live list and free it. */
void kr_t_obj_free(struct kr_t_obj *obj);
/* The first live object (follow ->next for the others), or NULL. */
struct kr_t_obj *kr_t_obj_first(void);

/* The MPI_T string rule: with *len_io 0 (or `dst` NULL) only the length needed, including the
 * terminating null, is returned; otherwise `src` is copied, truncated to *len_io - 1
 * characters, and *len_io becomes what was written including the null. `len_io` NULL: nothing
 * happens. */
void kr_t_str_out(const char *src, char *dst, int *len_io);

/* Control variables (api_t_cvar.c): one per setting of kr_settings_all, numbered across the
 * tables in order; table t is category t. */
int kr_t_cvar_num(void);
/* First cvar index of table `t`, and how many it has. */
int kr_t_cvar_first(int t, int *n_out);

/* Performance variables (api_t_pvar.c): how many, and the category of pvar `index`. */
int kr_t_pvar_num(void);
int kr_t_pvar_category(int index);

/* Categories: one per settings table (kr_settings_groups). */
int kr_t_category_num(void);

#endif /* KR_API_T_INT_H */

/* Loading libfabric at run time (see ofi_dl.h). The real functions are resolved once, at the
 * symbol versions the headers were written for; without libfabric on the host every call
 * fails the way libfabric itself fails when it has no provider. */
#include "config.h"

#include "ofi_dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#include <rdma/fabric.h>
#include <rdma/fi_errno.h>

#define OFI_DL_LIB "libfabric.so.1"

static struct {
    int (*getinfo)(uint32_t, const char *, const char *, uint64_t, const struct fi_info *,
                   struct fi_info **);
    void (*freeinfo)(struct fi_info *);
    struct fi_info *(*dupinfo)(const struct fi_info *);
    int (*fabric)(struct fi_fabric_attr *, struct fid_fabric **, void *);
    const char *(*strerror)(int);
} ofi_dl;

static pthread_once_t ofi_dl_once = PTHREAD_ONCE_INIT;

static void *ofi_dl_sym(void *lib, const char *name, const char *version)
{
    void *f = dlvsym(lib, name, version);

    return f != NULL ? f : dlsym(lib, name);
}

static void ofi_dl_load(void)
{
    void *lib = dlopen(OFI_DL_LIB, RTLD_NOW | RTLD_LOCAL);

    if (lib == NULL) {
        return;
    }
    *(void **) &ofi_dl.getinfo = ofi_dl_sym(lib, "fi_getinfo", "FABRIC_1.3");
    *(void **) &ofi_dl.freeinfo = ofi_dl_sym(lib, "fi_freeinfo", "FABRIC_1.3");
    *(void **) &ofi_dl.dupinfo = ofi_dl_sym(lib, "fi_dupinfo", "FABRIC_1.3");
    *(void **) &ofi_dl.fabric = ofi_dl_sym(lib, "fi_fabric", "FABRIC_1.1");
    *(void **) &ofi_dl.strerror = ofi_dl_sym(lib, "fi_strerror", "FABRIC_1.0");
}

int fi_getinfo(uint32_t version, const char *node, const char *service, uint64_t flags,
               const struct fi_info *hints, struct fi_info **info)
{
    pthread_once(&ofi_dl_once, ofi_dl_load);
    return ofi_dl.getinfo != NULL ? ofi_dl.getinfo(version, node, service, flags, hints, info)
                                  : -FI_ENODATA;
}

void fi_freeinfo(struct fi_info *info)
{
    pthread_once(&ofi_dl_once, ofi_dl_load);
    if (ofi_dl.freeinfo != NULL) {
        ofi_dl.freeinfo(info);
    }
}

struct fi_info *fi_dupinfo(const struct fi_info *info)
{
    pthread_once(&ofi_dl_once, ofi_dl_load);
    return ofi_dl.dupinfo != NULL ? ofi_dl.dupinfo(info) : NULL;
}

int fi_fabric(struct fi_fabric_attr *attr, struct fid_fabric **fabric, void *context)
{
    pthread_once(&ofi_dl_once, ofi_dl_load);
    return ofi_dl.fabric != NULL ? ofi_dl.fabric(attr, fabric, context) : -FI_ENOSYS;
}

const char *fi_strerror(int errnum)
{
    pthread_once(&ofi_dl_once, ofi_dl_load);
    return ofi_dl.strerror != NULL ? ofi_dl.strerror(errnum) : "libfabric is not available";
}

/* Registrations and the sender's side of the read rendezvous: a large contiguous send
 * registers its buffer through the MR cache (remote read access), the RTS carries address,
 * length and remote key, the receiver fi_reads the data (ofi_xfer.c) and answers FIN, and the
 * registration is released when the send completes. */
#include "config.h"

#include "ofi_int.h"

#include "util/log.h"

#include <errno.h>

int kr_ofi_mr_reg(void *ctx, void *addr, size_t len, void **handle_out)
{
    struct ofi_tport *ot = ctx;
    struct fid_mr *mr;
    int ret;

    /* The requested key matters only without FI_MR_PROV_KEY; fi_mr_key reads it either way. */
    ret = fi_mr_reg(ot->domain, addr, len, ot->mr_access, 0, ot->mr_next_key++, 0, &mr, NULL);
    if (ret == 0 && (ot->info->domain_attr->mr_mode & FI_MR_ENDPOINT) != 0) {
        ret = fi_mr_bind(mr, &ot->ep->fid, 0);
        if (ret == 0) {
            ret = fi_mr_enable(mr);
        }
        if (ret != 0) {
            fi_close(&mr->fid);
        }
    }
    if (ret != 0) {
        KR_LOG_ERR(OFI, "registering %zu bytes failed: %s", len, fi_strerror(-ret));
        return -ENOMEM;
    }
    *handle_out = mr;
    return 0;
}

void kr_ofi_mr_dereg(void *ctx, void *handle)
{
    (void) ctx;
    fi_close(&((struct fid_mr *) handle)->fid);
}

/* Fill the key from a held registration: the remote address is the virtual one with
 * FI_MR_VIRT_ADDR, else the offset into the registration (0: it starts at the buffer). */
static int ofi_rma_key(const struct ofi_tport *ot, struct ofi_mr_entry *e,
                       struct kr_rndv_key *key)
{
    uint64_t rkey = fi_mr_key(e->handle);

    if (rkey == FI_KEY_NOTAVAIL) {
        return -ENOSYS;         /* raw keys (FI_MR_RAW) are not carried in an RTS */
    }
    key->rkey = rkey;
    key->raddr = ot->mr_virt ? (uint64_t) e->addr : 0;
    key->flags |= KR_RNDV_KEY_REMOTE;
    return 0;
}

int kr_ofi_rndv_expose(struct kr_tep *tep, const void *buf, size_t len, struct kr_rndv_key *key,
                       void **handle_inout)
{
    struct ofi_tport *ot = (struct ofi_tport *) (void *) tep->tp;
    struct ofi_mr_entry *e = *handle_inout;
    int ret;

    if (!ot->rndv_read || len == 0) {
        return -ENOSYS;
    }
    if (e == NULL) {
        ret = kr_ofi_mr_get(&ot->mrc, (void *) buf, len, &e);
        if (ret != 0) {
            return -ENOSYS;     /* logged; the pipelined path needs no remote access */
        }
        ret = ofi_rma_key(ot, e, key);
        if (ret != 0) {
            kr_ofi_mr_put(&ot->mrc, e);
            return ret;
        }
        ot->nexposed++;
        *handle_inout = e;
        return 0;
    }
    return ofi_rma_key(ot, e, key);
}

void kr_ofi_rndv_unexpose(struct kr_tep *tep, void *handle)
{
    struct ofi_tport *ot = (struct ofi_tport *) (void *) tep->tp;

    ot->nexposed--;
    kr_ofi_mr_put(&ot->mrc, handle);
}

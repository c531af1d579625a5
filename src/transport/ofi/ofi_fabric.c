/* Finding a provider (fi_getinfo with what Kurir needs: reliable datagram endpoints, tagged
 * messages, send-after-send ordering) and opening it: fabric, domain, completion queue with a
 * wait fd when the provider has one, address vector, endpoint. */
#include "config.h"

#include "ofi_int.h"

#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OFI_API_VERSION FI_VERSION(1, 10)
#define OFI_NAMES_MAX 64

struct fi_info *kr_ofi_fabric_query(const char *prov_name, int *err_out)
{
    return kr_ofi_fabric_query_caps(prov_name, 0, err_out);
}

struct fi_info *kr_ofi_fabric_query_caps(const char *prov_name, uint64_t caps, int *err_out)
{
    struct fi_info *hints = fi_allocinfo(), *info = NULL;
    int ret;

    if (hints == NULL) {
        *err_out = -ENOMEM;
        return NULL;
    }
    hints->ep_attr->type = FI_EP_RDM;
    hints->caps = FI_TAGGED | FI_MSG | caps;
    hints->mode = FI_CONTEXT | FI_CONTEXT2;
    hints->tx_attr->msg_order = FI_ORDER_SAS;
    hints->rx_attr->msg_order = FI_ORDER_SAS;
    hints->domain_attr->mr_mode = FI_MR_LOCAL | FI_MR_VIRT_ADDR | FI_MR_ALLOCATED
                                  | FI_MR_PROV_KEY | FI_MR_ENDPOINT;
    hints->domain_attr->threading = FI_THREAD_DOMAIN;
    hints->addr_format = FI_FORMAT_UNSPEC;
    if (prov_name != NULL && prov_name[0] != '\0') {
        hints->fabric_attr->prov_name = strdup(prov_name);
    }
    ret = fi_getinfo(OFI_API_VERSION, NULL, NULL, 0, hints, &info);
    fi_freeinfo(hints);
    *err_out = ret;
    return ret == 0 ? info : NULL;
}

/* Distinct provider names of a list, in order. */
static int ofi_fabric_names(const struct fi_info *info, const char **names, int max)
{
    int n = 0;

    for (const struct fi_info *i = info; i != NULL && n < max; i = i->next) {
        bool seen = false;

        for (int k = 0; k < n && !seen; k++) {
            seen = strcmp(names[k], i->fabric_attr->prov_name) == 0;
        }
        if (!seen) {
            names[n++] = i->fabric_attr->prov_name;
        }
    }
    return n;
}

int kr_ofi_fabric_choose(bool forced, char *out, size_t len, char *have, size_t havelen)
{
    const char *want = kr_ofi_cfg.provider[0] != '\0' ? kr_ofi_cfg.provider
                                                      : kr_ofi_cfg.fi_provider;
    const char *names[OFI_NAMES_MAX];
    struct fi_info *info;
    int n, pick, err;
    size_t off = 0;

    have[0] = '\0';
    info = kr_ofi_fabric_query(NULL, &err);
    n = info != NULL ? ofi_fabric_names(info, names, OFI_NAMES_MAX) : 0;
    pick = kr_ofi_prov_pick(names, n, want, forced);
    if (pick >= 0) {
        snprintf(out, len, "%s", names[pick]);
    }
    for (int i = 0; i < n && off < havelen; i++) {
        off += (size_t) snprintf(have + off, havelen - off, "%s%s", i > 0 ? ", " : "",
                                 names[i]);
    }
    if (n == 0) {
        snprintf(have, havelen, "none");
    }
    fi_freeinfo(info);
    return pick >= 0 ? 0 : -ENOENT;
}

/* The first entry of the provider, or the one on KURIR_OFI_DOMAIN. */
static struct fi_info *ofi_fabric_entry(struct fi_info *info)
{
    for (struct fi_info *i = info; i != NULL; i = i->next) {
        if (kr_ofi_cfg.domain[0] == '\0' || strcmp(i->domain_attr->name, kr_ofi_cfg.domain) == 0) {
            return i;
        }
    }
    return NULL;
}

static int ofi_fabric_cq(struct ofi_tport *ot)
{
    struct fi_cq_attr attr = {
        .format = FI_CQ_FORMAT_TAGGED, .wait_obj = FI_WAIT_FD,
        .size = ot->info->rx_attr->size + ot->info->tx_attr->size,
    };
    int ret;

    ret = fi_cq_open(ot->domain, &attr, &ot->cq, NULL);
    if (ret == 0 && fi_control(&ot->cq->fid, FI_GETWAIT, &ot->wait_fd) != 0) {
        ot->wait_fd = -1;
    }
    if (ret != 0) {
        /* No wait fd here: waits nap instead (KR_LOG at info, it is no fault). */
        attr.wait_obj = FI_WAIT_NONE;
        ot->wait_fd = -1;
        ret = fi_cq_open(ot->domain, &attr, &ot->cq, NULL);
        KR_LOG_INFO(OFI, "%s: completion queue without a wait fd; waiting ranks nap",
                    ot->info->fabric_attr->prov_name);
    }
    return ret;
}

/* The provider's entry, with RMA reads when KURIR_OFI_RNDV allows them and the provider has
 * them (optional: without, the same query without RMA). The one place where the rendezvous
 * protocol is chosen: ot->rndv_read. */
static struct fi_info *ofi_fabric_find(struct ofi_tport *ot, const char *prov, int *err_out)
{
    const uint64_t rma = FI_RMA | FI_READ | FI_REMOTE_READ;
    struct fi_info *all = NULL, *entry = NULL;

    if (kr_ofi_cfg.rndv != OFI_RNDV_SEND) {
        all = kr_ofi_fabric_query_caps(prov, rma, err_out);
        entry = all != NULL ? ofi_fabric_entry(all) : NULL;
        if (entry == NULL) {
            fi_freeinfo(all);
            if (kr_ofi_cfg.rndv == OFI_RNDV_READ) {
                KR_LOG_WARN(OFI, "KURIR_OFI_RNDV=read, but provider %s offers no RMA reads: "
                            "large messages go as tagged chunks", prov);
            }
        }
    }
    if (entry == NULL) {
        all = kr_ofi_fabric_query(prov, err_out);
        entry = all != NULL ? ofi_fabric_entry(all) : NULL;
    }
    entry = entry != NULL ? fi_dupinfo(entry) : NULL;
    fi_freeinfo(all);
    if (entry != NULL) {
        ot->rndv_read = (entry->caps & FI_RMA) != 0 && kr_ofi_cfg.rndv != OFI_RNDV_SEND;
    }
    return entry;
}

int kr_ofi_fabric_open(struct ofi_tport *ot, const char *prov)
{
    struct fi_av_attr av_attr = { .type = FI_AV_TABLE };
    struct fi_info *entry;
    const char *what;
    int ret = 0;

    entry = ofi_fabric_find(ot, prov, &ret);
    if (entry == NULL) {
        KR_LOG_ERR(OFI, "provider %s offers no reliable tagged endpoint%s%s (%s)", prov,
                   kr_ofi_cfg.domain[0] != '\0' ? " on domain " : "", kr_ofi_cfg.domain,
                   ret != 0 ? fi_strerror(-ret) : "no match");
        return -ENOENT;
    }
    ot->info = entry;
    ot->mr_local = (ot->info->domain_attr->mr_mode & FI_MR_LOCAL) != 0;
    ot->mr_virt = (ot->info->domain_attr->mr_mode & FI_MR_VIRT_ADDR) != 0;
    ot->mr_access = FI_SEND | FI_RECV;
    if (ot->rndv_read) {
        ot->mr_access |= FI_READ | FI_REMOTE_READ;
    }
    what = "fi_fabric";
    ret = fi_fabric(ot->info->fabric_attr, &ot->fabric, NULL);
    if (ret == 0) {
        what = "fi_domain";
        ret = fi_domain(ot->fabric, ot->info, &ot->domain, NULL);
    }
    if (ret == 0) {
        what = "fi_cq_open";
        ret = ofi_fabric_cq(ot);
    }
    if (ret == 0) {
        what = "fi_av_open";
        ret = fi_av_open(ot->domain, &av_attr, &ot->av, NULL);
    }
    if (ret == 0) {
        what = "fi_endpoint";
        ret = fi_endpoint(ot->domain, ot->info, &ot->ep, NULL);
    }
    if (ret == 0) {
        what = "fi_ep_bind";
        ret = fi_ep_bind(ot->ep, &ot->cq->fid, FI_TRANSMIT | FI_RECV);
    }
    if (ret == 0) {
        ret = fi_ep_bind(ot->ep, &ot->av->fid, 0);
    }
    if (ret == 0) {
        what = "fi_enable";
        ret = fi_enable(ot->ep);
    }
    if (ret != 0) {
        KR_LOG_ERR(OFI, "%s on provider %s failed: %s", what, prov, fi_strerror(-ret));
        kr_ofi_fabric_close(ot);
        return -EIO;
    }
    return 0;
}

void kr_ofi_fabric_close(struct ofi_tport *ot)
{
    if (ot->ep != NULL) {
        fi_close(&ot->ep->fid);
        ot->ep = NULL;
    }
    if (ot->av != NULL) {
        fi_close(&ot->av->fid);
        ot->av = NULL;
    }
    if (ot->cq != NULL) {
        fi_close(&ot->cq->fid);
        ot->cq = NULL;
    }
    if (ot->domain != NULL) {
        fi_close(&ot->domain->fid);
        ot->domain = NULL;
    }
    if (ot->fabric != NULL) {
        fi_close(&ot->fabric->fid);
        ot->fabric = NULL;
    }
    fi_freeinfo(ot->info);
    ot->info = NULL;
}

/* libfabric is loaded on first use (ofi_dl.c), not linked: on Debian its dependencies include
 * PSM libraries whose constructors calibrate timers for ~200 ms in every process that loads
 * them, shm-only and TCP jobs included. Included before the libfabric headers, these names
 * turn the few real functions the transport calls (the rest are inline wrappers over the
 * provider's ops tables) into Kurir's loaders. */
#ifndef KR_OFI_DL_H
#define KR_OFI_DL_H

#define fi_getinfo  kr_fi_getinfo
#define fi_freeinfo kr_fi_freeinfo
#define fi_dupinfo  kr_fi_dupinfo
#define fi_fabric   kr_fi_fabric
#define fi_strerror kr_fi_strerror

#endif /* KR_OFI_DL_H */

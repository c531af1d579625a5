/* Kurir-specific error codes, returned negated like errno values (-KR_ETRUNC). The API layer
 * maps them to MPI error classes. */
#ifndef KR_UTIL_ERRORS_H
#define KR_UTIL_ERRORS_H

#define KR_ERR_BASE 4096

enum kr_err {
    KR_ETRUNC = KR_ERR_BASE, /* message longer than the receive buffer */
    KR_EPEER,                /* a peer process failed */
};

#endif /* KR_UTIL_ERRORS_H */

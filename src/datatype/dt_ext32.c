/* The "external32" data representation (MPI_Pack_external and friends): every basic element
 * big-endian, at the size the standard's table gives it whatever the native size (MPI_LONG is
 * 4 bytes, MPI_WCHAR 2, MPI_LONG_DOUBLE a 16-byte IEEE binary128), packed with no padding in
 * type-map order. Not a hot path: it walks the type map element run by element run. */
#include "config.h"

#include "dt.h"
#include "dt_int.h"

#include <errno.h>
#include <float.h>
#include <string.h>

/* How one basic element converts: its `units` parts (2 for complex) are each `nat` native
 * bytes and `ext` external bytes, converted as `conv` says. */
enum ext_conv {
    EXT_SWAP, /* same width: byte order only */
    EXT_SINT, /* signed integer of another width: sign-extend or range-check */
    EXT_UINT, /* unsigned integer (and wchar_t code units) of another width */
    EXT_LDBL, /* C long double <-> IEEE binary128 */
};

struct ext_info {
    enum ext_conv conv;
    size_t nat, ext;
    unsigned units;
};

/* The external size of a basic type whose width is not simply its native size. */
static size_t ext_fixed_size(MPI_Datatype h, size_t native)
{
    if (h == MPI_LONG || h == MPI_UNSIGNED_LONG) {
        return 4;
    }
    if (h == MPI_WCHAR) {
        return 2;
    }
    if (h == MPI_LONG_DOUBLE) {
        return 16;
    }
    if (h == MPI_C_LONG_DOUBLE_COMPLEX || h == MPI_CXX_LONG_DOUBLE_COMPLEX) {
        return 32;
    }
    if (h == MPI_AINT || h == MPI_COUNT || h == MPI_OFFSET) {
        return 8;
    }
    return native;
}

static struct ext_info ext_info_of(const struct kr_dt *dt)
{
    struct ext_info x = {EXT_SWAP, dt->size, ext_fixed_size(dt->handle, dt->size), 1};

    switch (dt->kind) {
    case KR_DT_K_C16:
    case KR_DT_K_C32:
    case KR_DT_K_C64:
    case KR_DT_K_C128:
        x.units = 2;
        x.nat /= 2;
        x.ext /= 2;
        break;
    case KR_DT_K_CLD:
        x.units = 2;
        x.nat /= 2;
        x.ext /= 2;
        x.conv = EXT_LDBL;
        break;
    case KR_DT_K_FLD: x.conv = EXT_LDBL; break;
    case KR_DT_K_I8:
    case KR_DT_K_I16:
    case KR_DT_K_I32:
    case KR_DT_K_I64:
        if (x.nat != x.ext) {
            x.conv = dt->handle == MPI_WCHAR ? EXT_UINT : EXT_SINT;
        }
        break;
    case KR_DT_K_U8:
    case KR_DT_K_U16:
    case KR_DT_K_U32:
    case KR_DT_K_U64:
        if (x.nat != x.ext) {
            x.conv = EXT_UINT;
        }
        break;
    default: break;
    }
    return x;
}

size_t dt_ext32_basic_size(const struct kr_dt *dt)
{
    const struct kr_dt *v, *i;
    size_t ioff;

    if (dt->opclass == KR_DT_C_PAIR) {
        dt_pair_members(dt, &v, &i, &ioff);
        return dt_ext32_basic_size(v) + dt_ext32_basic_size(i);
    }
    return ext_fixed_size(dt->handle, dt->size);
}

size_t kr_dt_ext32_size(const struct kr_dt *dt, size_t count)
{
    size_t one = dt->desc != NULL ? dt->desc->ext32_size : dt_ext32_basic_size(dt), n;

    return __builtin_mul_overflow(one, count, &n) ? SIZE_MAX : n;
}

/* ---- byte order and integer widths ----------------------------------------------------------- */

/* `n` bytes from src to dst in the opposite byte order (little-endian host) or as they are. */
static void ext_swap(unsigned char *dst, const unsigned char *src, size_t n)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (size_t k = 0; k < n; k++) {
        dst[k] = src[n - 1 - k];
    }
#else
    memcpy(dst, src, n);
#endif
}

static uint64_t ext_get_be(const unsigned char *p, size_t n)
{
    uint64_t v = 0;

    for (size_t k = 0; k < n; k++) {
        v = v << 8 | p[k];
    }
    return v;
}

static void ext_put_be(unsigned char *p, uint64_t v, size_t n)
{
    for (size_t k = n; k-- > 0;) {
        p[k] = (unsigned char) v;
        v >>= 8;
    }
}

/* A native integer of `n` bytes, as a 64-bit value (sign-extended when `sign`). */
static uint64_t ext_get_native(const void *p, size_t n, bool sign)
{
    int8_t i8;
    int16_t i16;
    int32_t i32;
    uint64_t u64;

    switch (n) {
    case 1: memcpy(&i8, p, 1); return sign ? (uint64_t) (int64_t) i8 : (uint8_t) i8;
    case 2: memcpy(&i16, p, 2); return sign ? (uint64_t) (int64_t) i16 : (uint16_t) i16;
    case 4: memcpy(&i32, p, 4); return sign ? (uint64_t) (int64_t) i32 : (uint32_t) i32;
    default: memcpy(&u64, p, 8); return u64;
    }
}

static void ext_put_native(void *p, uint64_t v, size_t n)
{
    uint8_t u8 = (uint8_t) v;
    uint16_t u16 = (uint16_t) v;
    uint32_t u32 = (uint32_t) v;

    switch (n) {
    case 1: memcpy(p, &u8, 1); break;
    case 2: memcpy(p, &u16, 2); break;
    case 4: memcpy(p, &u32, 4); break;
    default: memcpy(p, &v, 8); break;
    }
}

/* Whether v (sign-extended from 64 bits when `sign`) fits in `n` bytes. */
static bool ext_fits(uint64_t v, size_t n, bool sign)
{
    unsigned bits = (unsigned) n * 8;

    if (bits >= 64) {
        return true;
    }
    if (sign) {
        int64_t s = (int64_t) v, lim = (int64_t) 1 << (bits - 1);

        return s >= -lim && s < lim;
    }
    return v >> bits == 0;
}

/* ---- long double <-> binary128 --------------------------------------------------------------- */

/* binary128 as two 64-bit halves: sign, 15-bit exponent, 112-bit fraction. */
static void ldbl_to_q(const unsigned char *p, uint64_t *hi, uint64_t *lo)
{
#if LDBL_MANT_DIG == 64
    /* x87 extended: 64-bit significand with an explicit integer bit, then sign and exponent;
     * the exponent bias is the same as binary128's, so only the fraction moves */
    uint64_t m, se16;
    uint16_t se;

    memcpy(&m, p, 8);
    memcpy(&se, p + 8, 2);
    se16 = se;
    if ((se16 & 0x7fff) == 0 && (m >> 63) != 0) {
        se16 |= 1; /* pseudo-denormal: the same value as the smallest normal exponent */
    }
    m &= ~((uint64_t) 1 << 63);
    *hi = se16 << 48 | m >> 15;
    *lo = m << 49;
#elif LDBL_MANT_DIG == 113
    uint64_t w[2];

    memcpy(w, p, 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    *hi = w[1];
    *lo = w[0];
#else
    *hi = w[0];
    *lo = w[1];
#endif
#else
    /* long double is a double: widen the exponent, shift the fraction */
    double d;
    uint64_t b, e, f;

    memcpy(&d, p, sizeof(d));
    memcpy(&b, &d, 8);
    e = b >> 52 & 0x7ff;
    f = b & (((uint64_t) 1 << 52) - 1);
    if (e == 0x7ff) {
        e = 0x7fff;
    } else if (e != 0) {
        e += 16383 - 1023;
    } else if (f != 0) {
        e = 16383 - 1022;
        while ((f >> 52) == 0) {
            f <<= 1;
            e--;
        }
        f &= ((uint64_t) 1 << 52) - 1;
    }
    *hi = (b >> 63) << 63 | e << 48 | f >> 4;
    *lo = f << 60;
#endif
}

/* Returns false when the value does not fit (only possible for a double long double). */
static bool q_to_ldbl(uint64_t hi, uint64_t lo, unsigned char *p)
{
#if LDBL_MANT_DIG == 64
    uint64_t e = hi >> 48 & 0x7fff, m = (hi & (((uint64_t) 1 << 48) - 1)) << 15 | lo >> 49;
    uint16_t se = (uint16_t) (hi >> 48);

    if (e != 0) {
        m |= (uint64_t) 1 << 63; /* normal, infinity, NaN: the integer bit is explicit */
    }
    memset(p, 0, sizeof(long double));
    memcpy(p, &m, 8);
    memcpy(p + 8, &se, 2);
    return true;
#elif LDBL_MANT_DIG == 113
    uint64_t w[2];

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    w[0] = lo;
    w[1] = hi;
#else
    w[0] = hi;
    w[1] = lo;
#endif
    memcpy(p, w, 16);
    return true;
#else
    int64_t e = (int64_t) (hi >> 48 & 0x7fff);
    uint64_t f = (hi & (((uint64_t) 1 << 48) - 1)) << 4 | lo >> 60, b = (hi >> 63) << 63;
    bool ok = true;
    double d;

    if (e == 0x7fff) {
        b |= (uint64_t) 0x7ff << 52 | f;
    } else if (e != 0) {
        e -= 16383 - 1023;
        if (e >= 0x7ff) {
            ok = false;
            b |= (uint64_t) 0x7ff << 52;
        } else if (e > 0) {
            b |= (uint64_t) e << 52 | f;
        }
        /* below double's range: flushed to zero */
    }
    memcpy(&d, &b, 8);
    memcpy(p, &d, sizeof(d));
    return ok;
#endif
}

/* ---- conversion walks ------------------------------------------------------------------------ */

struct ext_walk {
    unsigned char *ext; /* position in the external stream */
    bool unpack;
    bool range; /* a value did not fit */
};

/* One part (a whole element, or half a complex) between native `nat` and external `ext`. */
static void ext_part(struct ext_walk *w, const struct ext_info *x, unsigned char *nat)
{
    uint64_t v, hi, lo;
    bool sign = x->conv == EXT_SINT;

    switch (x->conv) {
    case EXT_SWAP:
        if (w->unpack) {
            ext_swap(nat, w->ext, x->nat);
        } else {
            ext_swap(w->ext, nat, x->nat);
        }
        break;
    case EXT_SINT:
    case EXT_UINT:
        if (w->unpack) {
            v = ext_get_be(w->ext, x->ext);
            if (sign && x->ext < 8 && (v >> (x->ext * 8 - 1)) != 0) {
                v |= ~(uint64_t) 0 << (x->ext * 8);
            }
            w->range |= !ext_fits(v, x->nat, sign);
            ext_put_native(nat, v, x->nat);
        } else {
            v = ext_get_native(nat, x->nat, sign);
            w->range |= !ext_fits(v, x->ext, sign);
            ext_put_be(w->ext, v, x->ext);
        }
        break;
    case EXT_LDBL:
        if (w->unpack) {
            hi = ext_get_be(w->ext, 8);
            lo = ext_get_be(w->ext + 8, 8);
            w->range |= !q_to_ldbl(hi, lo, nat);
        } else {
            ldbl_to_q(nat, &hi, &lo);
            ext_put_be(w->ext, hi, 8);
            ext_put_be(w->ext + 8, lo, 8);
        }
        break;
    }
    w->ext += x->ext;
}

static int ext_run(void *ctx, const struct kr_dt *basic, uintptr_t addr, size_t n)
{
    struct ext_walk *w = ctx;
    struct ext_info x = ext_info_of(basic);

    for (size_t k = 0; k < n; k++) {
        unsigned char *nat = (unsigned char *) (addr + k * basic->size);

        for (unsigned u = 0; u < x.units; u++) {
            ext_part(w, &x, nat + u * x.nat);
        }
    }
    return 0;
}

int kr_dt_ext32_pack(const struct kr_dt *dt, size_t count, const void *buf, void *dst)
{
    struct ext_walk w = {dst, false, false};

    dt_typemap_walk(dt, count, (uintptr_t) buf, ext_run, &w);
    return w.range ? -ERANGE : 0;
}

int kr_dt_ext32_unpack(const struct kr_dt *dt, size_t count, void *buf, const void *src)
{
    struct ext_walk w = {(unsigned char *) (uintptr_t) src, true, false};

    dt_typemap_walk(dt, count, (uintptr_t) buf, ext_run, &w);
    return w.range ? -ERANGE : 0;
}

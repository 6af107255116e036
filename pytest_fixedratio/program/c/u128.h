/*
 * 128-bit unsigned arithmetic written by hand: upstream LLVM's BPF backend cannot multiply, divide or
 * shift __int128 by a variable amount ("built-in function __multi3 is not supported"), and the FRT math
 * widens u64 x u64 to u128 (swap output, rent). Kept always-inline so no call overhead and no extra stack
 * frame is spent on them.
 */
#ifndef FRT_U128_H
#define FRT_U128_H

#include "sol.h"

typedef struct {
    uint64_t hi;
    uint64_t lo;
} u128;

/* Full product of two u64 from four 32x32 partial products. */
INLINE u128 mul_u64_u64(uint64_t a, uint64_t b) {
    uint64_t a_lo = a & 0xFFFFFFFFULL, a_hi = a >> 32;
    uint64_t b_lo = b & 0xFFFFFFFFULL, b_hi = b >> 32;
    uint64_t ll = a_lo * b_lo;
    uint64_t lh = a_lo * b_hi;
    uint64_t hl = a_hi * b_lo;
    uint64_t hh = a_hi * b_hi;
    uint64_t mid = (ll >> 32) + (lh & 0xFFFFFFFFULL) + (hl & 0xFFFFFFFFULL);
    u128 r;
    r.lo = (mid << 32) | (ll & 0xFFFFFFFFULL);
    r.hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
    return r;
}

typedef struct {
    uint64_t quotient;
    uint64_t remainder;
    bool overflow; /* quotient does not fit in a u64 (then quotient/remainder are meaningless) */
} DivResult;

/* n / d for d != 0, when the quotient fits in a u64 (n.hi < d); otherwise reports overflow. Fast path for
 * n.hi == 0 (one native division); else restoring long division over the 64 low bits. */
INLINE DivResult div_u128_u64(u128 n, uint64_t d) {
    DivResult r = {0, 0, false};
    if (n.hi == 0) {
        r.quotient = n.lo / d;
        r.remainder = n.lo % d;
        return r;
    }
    if (n.hi >= d) {
        r.overflow = true;
        return r;
    }
    uint64_t rem = n.hi;
    uint64_t q = 0;
    for (int i = 63; i >= 0; i--) {
        uint64_t carry = rem >> 63; /* rem << 1 would drop this bit: then rem*2 + bit >= 2^64 > d */
        rem = (rem << 1) | ((n.lo >> i) & 1);
        q <<= 1;
        if (carry || rem >= d) {
            rem -= d;
            q |= 1;
        }
    }
    r.quotient = q;
    r.remainder = rem;
    return r;
}

/* Number of significant bits (0 for zero). */
INLINE uint32_t bitlen_u64(uint64_t v) {
    uint32_t n = 0;
    while (v != 0) {
        v >>= 1;
        n++;
    }
    return n;
}

INLINE uint32_t bitlen_u128(u128 v) {
    return v.hi != 0 ? 64 + bitlen_u64(v.hi) : bitlen_u64(v.lo);
}

/* v >> s for 0 <= s < 128. */
INLINE u128 shr_u128(u128 v, uint32_t s) {
    u128 r;
    if (s == 0) {
        return v;
    }
    if (s >= 64) {
        r.hi = 0;
        r.lo = v.hi >> (s - 64);
        return r;
    }
    r.hi = v.hi >> s;
    r.lo = (v.lo >> s) | (v.hi << (64 - s));
    return r;
}

/* Bit i of v (i < 128), and whether any of the `count` lowest bits is set: the round and sticky bits of
 * round-to-nearest-even. */
INLINE bool bit_u128(u128 v, uint32_t i) {
    return i >= 64 ? (bool)((v.hi >> (i - 64)) & 1) : (bool)((v.lo >> i) & 1);
}

INLINE bool low_bits_nonzero_u128(u128 v, uint32_t count) {
    if (count == 0) {
        return false;
    }
    if (count >= 64) {
        uint64_t hi_mask = count >= 128 ? ~0ULL : (count == 64 ? 0 : ((1ULL << (count - 64)) - 1));
        return v.lo != 0 || (v.hi & hi_mask) != 0;
    }
    return (v.lo & ((1ULL << count) - 1)) != 0;
}

#endif

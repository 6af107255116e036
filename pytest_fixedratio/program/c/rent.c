/*
 * Rent::minimum_balance without floating point.
 *
 * solana-program computes ((128 + data_len) * lamports_per_byte_year) as f64 * exemption_threshold, then
 * `as u64`. SBPF has no FPU instructions we may use, so the IEEE-754 steps are emulated exactly on integers:
 * u64 -> f64 (round to nearest even), one f64 multiply (exact product, then round to nearest even), and the
 * saturating truncation of `as u64` (NaN and negatives -> 0, too large -> u64::MAX). Underflow into
 * subnormals cannot change the result, which truncates to 0 anyway.
 */
#include "frt.h"
#include "u128.h"

#define ACCOUNT_STORAGE_OVERHEAD 128
#define F64_MANTISSA_BITS 53

typedef struct {
    uint64_t mantissa; /* < 2^53 */
    int64_t exponent;  /* value = mantissa * 2^exponent */
} Float;

/* Rounds a 128-bit integer to 53 significant bits, ties to even. */
INLINE Float round_u128(u128 v) {
    Float f = {0, 0};
    uint32_t bits = bitlen_u128(v);
    if (bits <= F64_MANTISSA_BITS) {
        f.mantissa = v.lo;
        return f;
    }
    uint32_t shift = bits - F64_MANTISSA_BITS;
    uint64_t m = shr_u128(v, shift).lo;
    bool round = bit_u128(v, shift - 1);
    bool sticky = low_bits_nonzero_u128(v, shift - 1);
    if (round && (sticky || (m & 1))) {
        m++;
        if (m >> F64_MANTISSA_BITS) {
            m >>= 1;
            shift++;
        }
    }
    f.mantissa = m;
    f.exponent = shift;
    return f;
}

/* `(x as f64 * threshold) as u64` for the double whose bits are given. */
static uint64_t scale_by_double(uint64_t x, uint64_t bits) {
    bool negative = bits >> 63;
    int64_t biased = (int64_t)((bits >> 52) & 0x7FF);
    uint64_t fraction = bits & ((1ULL << 52) - 1);
    if (biased == 0x7FF) { /* infinity or NaN */
        if (fraction != 0 || x == 0 || negative) {
            return 0; /* NaN, inf * 0 = NaN, -inf */
        }
        return ~0ULL;
    }
    Float t;
    t.mantissa = biased == 0 ? fraction : (fraction | (1ULL << 52));
    t.exponent = (biased == 0 ? 1 : biased) - 1075;
    u128 wide_x = {0, x};
    Float fx = round_u128(wide_x);
    Float p = round_u128(mul_u64_u64(fx.mantissa, t.mantissa));
    int64_t exponent = p.exponent + fx.exponent + t.exponent;
    if (p.mantissa == 0) {
        return 0;
    }
    if (negative) {
        return 0;
    }
    if (exponent >= 0) {
        if ((int64_t)bitlen_u64(p.mantissa) + exponent > 64) {
            return ~0ULL;
        }
        return p.mantissa << exponent;
    }
    if (exponent <= -64) {
        return 0;
    }
    return p.mantissa >> (-exponent);
}

uint64_t rent_minimum_balance(const Rent *rent, uint64_t data_len) {
    uint64_t bytes = ACCOUNT_STORAGE_OVERHEAD + data_len;
    return scale_by_double(bytes * rent->lamports_per_byte_year, rent->exemption_threshold_bits);
}

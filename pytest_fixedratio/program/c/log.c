/* Log-line builder: decimal and base58 formatting without a C library. */
#include "log.h"

void log_text(LogLine *line, const char *text, uint64_t len) {
    for (uint64_t i = 0; i < len && line->len < LOG_CAPACITY; i++) {
        line->buf[line->len++] = text[i];
    }
}

void log_u64(LogLine *line, uint64_t value) {
    char digits[20];
    uint64_t n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (n > 0 && line->len < LOG_CAPACITY) {
        line->buf[line->len++] = digits[--n];
    }
}

void log_i64(LogLine *line, int64_t value) {
    if (value < 0) {
        LOG_LIT(line, "-");
        log_u64(line, 0 - (uint64_t)value); /* two's complement: also right for INT64_MIN */
        return;
    }
    log_u64(line, (uint64_t)value);
}

#define B58_CHUNK 656356768ULL /* 58^5: below 2^32, so (remainder << 32 | limb) fits in a u64 */

/* Repeated division of the 256-bit big-endian number (eight u32 limbs) by 58^5 gives five base-58 digits
 * per pass: about 9 passes of 8 native divisions instead of 44x32 byte steps of the textbook algorithm.
 * Leading zero bytes become leading '1's, as in Bitcoin/Solana base58. */
uint64_t base58_encode32(const uint8_t *bytes, char *out) {
    static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    uint32_t limbs[8];
    for (int i = 0; i < 8; i++) {
        limbs[i] = ((uint32_t)bytes[4 * i] << 24) | ((uint32_t)bytes[4 * i + 1] << 16) |
                   ((uint32_t)bytes[4 * i + 2] << 8) | (uint32_t)bytes[4 * i + 3];
    }
    uint8_t digits[50]; /* least significant first */
    uint64_t n = 0;
    int first = 0; /* index of the first non-zero limb */
    while (first < 8 && limbs[first] == 0) {
        first++;
    }
    while (first < 8) {
        uint64_t rem = 0;
        for (int i = first; i < 8; i++) {
            uint64_t cur = (rem << 32) | limbs[i];
            limbs[i] = (uint32_t)(cur / B58_CHUNK);
            rem = cur % B58_CHUNK;
        }
        for (int k = 0; k < 5; k++) {
            digits[n++] = (uint8_t)(rem % 58);
            rem /= 58;
        }
        while (first < 8 && limbs[first] == 0) {
            first++;
        }
    }
    while (n > 0 && digits[n - 1] == 0) {
        n--;
    }
    uint64_t len = 0;
    for (int i = 0; i < PUBKEY_LEN && bytes[i] == 0; i++) {
        out[len++] = '1';
    }
    while (n > 0) {
        out[len++] = alphabet[digits[--n]];
    }
    return len;
}

void log_pubkey(LogLine *line, const SolPubkey *key) {
    char text[44];
    uint64_t len = base58_encode32(key->x, text);
    log_text(line, text, len);
}

void log_flush(const LogLine *line) {
    sol_log_(line->buf, line->len);
}

void log_value_line(const char *label, uint64_t label_len, LogKind kind, const uint8_t *at) {
    LogLine line = {.len = 0};
    log_text(&line, label, label_len);
    switch (kind) {
    case LOG_PUBKEY:
        log_pubkey(&line, (const SolPubkey *)at);
        break;
    case LOG_U64:
        log_u64(&line, load_u64(at));
        break;
    case LOG_I64:
        log_i64(&line, (int64_t)load_u64(at));
        break;
    case LOG_U8:
        log_u64(&line, at[0]);
        break;
    case LOG_LAMPORTS:
        log_u64(&line, load_u64(at));
        LOG_LIT(&line, " lamports");
        break;
    case LOG_BOOL:
        if (at[0]) {
            LOG_LIT(&line, "true");
        } else {
            LOG_LIT(&line, "false");
        }
        break;
    }
    log_flush(&line);
}

void log_fields(const uint8_t *data, const LogField *fields, uint64_t count) {
    for (uint64_t i = 0; i < count; i++) {
        const LogField *f = &fields[i];
        log_value_line(f->label, f->label_len, (LogKind)f->kind, data + f->offset);
    }
}

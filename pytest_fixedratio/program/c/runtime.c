/* Input deserializer, memory helpers and pubkey helpers (see sol.h for why they are hand-written). */
#include "sol.h"

#define NON_DUP_MARKER 0xFF
#define MAX_PERMITTED_DATA_INCREASE (10 * 1024)

/* The aligned v0 layout: u64 count; per account either a duplicate marker (index of the original, then 7
 * bytes of padding) or 0xFF, is_signer, is_writable, executable, 4 bytes of padding, key, owner, lamports,
 * data_len, data, 10 KiB of realloc room, padding to 8, rent_epoch; then u64 data length, the instruction
 * data and the program id. Every account is walked (the instruction data follows them all); only the first
 * MAX_ACCOUNTS are kept. */
void sol_deserialize(const uint8_t *input, SolParameters *params) {
    uint64_t num = *(const uint64_t *)input;
    input += sizeof(uint64_t);
    params->ka_num = num;
    for (uint64_t i = 0; i < num; i++) {
        uint8_t dup = *input;
        input += 8;
        if (dup != NON_DUP_MARKER) {
            if (i < MAX_ACCOUNTS) { /* the runtime only points back: dup < i */
                params->ka[i] = params->ka[dup];
            }
            continue;
        }
        SolAccountInfo *a = i < MAX_ACCOUNTS ? &params->ka[i] : NULL;
        const uint8_t *flags = input - 7;
        SolPubkey *key = (SolPubkey *)input;
        input += sizeof(SolPubkey);
        SolPubkey *owner = (SolPubkey *)input;
        input += sizeof(SolPubkey);
        uint64_t *lamports = (uint64_t *)input;
        input += sizeof(uint64_t);
        uint64_t data_len = *(const uint64_t *)input;
        input += sizeof(uint64_t);
        uint8_t *data = (uint8_t *)input;
        input += data_len + MAX_PERMITTED_DATA_INCREASE;
        input = (const uint8_t *)(((uint64_t)input + 7) & ~7ULL);
        uint64_t rent_epoch = *(const uint64_t *)input;
        input += sizeof(uint64_t);
        if (a != NULL) {
            a->is_signer = flags[0] != 0;
            a->is_writable = flags[1] != 0;
            a->executable = flags[2] != 0;
            a->key = key;
            a->owner = owner;
            a->lamports = lamports;
            a->data_len = data_len;
            a->data = data;
            a->rent_epoch = rent_epoch;
        }
    }
    params->data_len = *(const uint64_t *)input;
    input += sizeof(uint64_t);
    params->data = input;
    input += params->data_len;
    params->program_id = (const SolPubkey *)input;
}

void *memcpy(void *dst, const void *src, unsigned long n) {
    sol_memcpy_(dst, src, n);
    return dst;
}

void *memmove(void *dst, const void *src, unsigned long n) {
    sol_memmove_(dst, src, n);
    return dst;
}

void *memset(void *dst, int value, unsigned long n) {
    sol_memset_(dst, (uint8_t)value, n);
    return dst;
}

/* Compared as four u64 words: cheaper than a syscall for 32 bytes. */
bool pubkey_eq(const SolPubkey *a, const SolPubkey *b) {
    for (int i = 0; i < PUBKEY_LEN; i += 8) {
        if (load_u64(&a->x[i]) != load_u64(&b->x[i])) {
            return false;
        }
    }
    return true;
}

bool pubkey_is_zero(const SolPubkey *a) {
    for (int i = 0; i < PUBKEY_LEN; i += 8) {
        if (load_u64(&a->x[i]) != 0) {
            return false;
        }
    }
    return true;
}

bool pubkey_lt(const SolPubkey *a, const SolPubkey *b) {
    for (int i = 0; i < PUBKEY_LEN; i++) {
        if (a->x[i] != b->x[i]) {
            return a->x[i] < b->x[i];
        }
    }
    return false;
}

void sol_abort(const char *why, uint64_t len) {
    sol_panic_(why, len, 0, 0);
    __builtin_unreachable();
}

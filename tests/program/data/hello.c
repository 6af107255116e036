/*
 * Test program for the project's SBF linker (tests/program/test_linker.py).
 *
 * It exercises every kind of relocation the linker resolves: rodata strings loaded with lddw, a rodata table
 * of string pointers and a rodata table of function pointers (R_BPF_64_ABS64, the latter called through
 * callx), direct internal calls (R_BPF_64_32 against text) and syscalls (R_BPF_64_32 against undefined
 * symbols, turned into dynamic relocations).
 *
 * Instruction data: one command byte, then its argument.
 *   0 "greet":  logs the three rodata strings starting at index data[1] (so the pointer table must be read at
 *               run time), logs mix(data[1], data[2]) through sol_log_64_, returns "hello" as return data.
 *   1 "pda":    derives the PDA of seeds ["fixture", data[1..]] and returns address || bump.
 *   2 "fail":   fails with custom error data[1] (or 1 when missing).
 *   3 "table":  calls operations[data[1]] through a function pointer, returns the u64 result.
 */
#include <stdint.h>

typedef struct {
    uint8_t bytes[32];
} Pubkey;

typedef struct {
    const uint8_t *addr;
    uint64_t len;
} SignerSeed;

extern void sol_log_(const char *message, uint64_t len);
extern void sol_log_64_(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e);
extern uint64_t sol_try_find_program_address(const SignerSeed *seeds, uint64_t seeds_len,
                                             const Pubkey *program_id, Pubkey *address, uint8_t *bump);
extern void sol_set_return_data(const uint8_t *data, uint64_t len);

#define ACCOUNT_DATA_PADDING 10240u
#define NON_DUP_MARKER 0xffu
#define CUSTOM_ERROR_ON_BAD_COMMAND 77u

/* Placed in .data.rel.ro, where -fPIC code would put it: the linker must merge it into .rodata. */
static const char *const GREETINGS[] __attribute__((section(".data.rel.ro.greetings"))) = {
    "hello from rodata", "second string", "third and last"};
#define GREETING_COUNT (sizeof(GREETINGS) / sizeof(GREETINGS[0]))

static const char PDA_SEED[] = "fixture";

typedef uint64_t (*Operation)(uint64_t);

static uint64_t __attribute__((noinline)) op_double(uint64_t x) { return x * 2; }
static uint64_t __attribute__((noinline)) op_square(uint64_t x) { return x * x; }
static uint64_t __attribute__((noinline)) op_negate(uint64_t x) { return ~x; }

static const Operation OPERATIONS[] = {op_double, op_square, op_negate};
#define OPERATION_COUNT (sizeof(OPERATIONS) / sizeof(OPERATIONS[0]))

static uint64_t string_length(const char *text) {
    uint64_t n = 0;
    while (text[n] != 0) {
        n++;
    }
    return n;
}

static void log_text(const char *text) { sol_log_(text, string_length(text)); }

/* An internal function the entrypoint calls directly; noinline so the call survives -O2. */
uint64_t __attribute__((noinline)) mix(uint64_t a, uint64_t b) { return (a * 31u) ^ (b + 7u); }

/* Returns the instruction data and program id that follow the serialized accounts. */
static const uint8_t *skip_accounts(const uint8_t *input) {
    uint64_t count = *(const uint64_t *)input;
    input += sizeof(uint64_t);
    for (uint64_t i = 0; i < count; i++) {
        if (input[0] != NON_DUP_MARKER) {
            input += 8;
            continue;
        }
        uint64_t data_len = *(const uint64_t *)(input + 8 + 32 + 32 + 8);
        input += 8 + 32 + 32 + 8 + 8 + data_len + ACCOUNT_DATA_PADDING;
        input += (8 - ((uintptr_t)input & 7u)) & 7u;
        input += sizeof(uint64_t); /* rent epoch */
    }
    return input;
}

static uint64_t greet(const uint8_t *data, uint64_t len) {
    uint64_t a = len > 1 ? data[1] : 0;
    uint64_t b = len > 2 ? data[2] : 0;
    for (uint64_t i = 0; i < GREETING_COUNT; i++) {
        log_text(GREETINGS[(a + i) % GREETING_COUNT]);
    }
    sol_log_64_(a, b, mix(a, b), GREETING_COUNT, 0);
    static const uint8_t reply[] = {'h', 'e', 'l', 'l', 'o'};
    sol_set_return_data(reply, sizeof(reply));
    return 0;
}

static uint64_t pda(const uint8_t *data, uint64_t len, const Pubkey *program_id) {
    SignerSeed seeds[2] = {{(const uint8_t *)PDA_SEED, sizeof(PDA_SEED) - 1}, {data + 1, len - 1}};
    struct {
        Pubkey address;
        uint8_t bump;
    } reply;
    uint64_t status = sol_try_find_program_address(seeds, 2, program_id, &reply.address, &reply.bump);
    if (status != 0) {
        return status;
    }
    sol_set_return_data((const uint8_t *)&reply, sizeof(Pubkey) + 1);
    return 0;
}

static uint64_t table(const uint8_t *data, uint64_t len) {
    if (len < 2 || data[1] >= OPERATION_COUNT) {
        return CUSTOM_ERROR_ON_BAD_COMMAND;
    }
    uint64_t result = OPERATIONS[data[1]](len);
    sol_set_return_data((const uint8_t *)&result, sizeof(result));
    return 0;
}

uint64_t entrypoint(const uint8_t *input) {
    const uint8_t *cursor = skip_accounts(input);
    uint64_t len = *(const uint64_t *)cursor;
    const uint8_t *data = cursor + sizeof(uint64_t);
    const Pubkey *program_id = (const Pubkey *)(data + len);
    if (len == 0) {
        return CUSTOM_ERROR_ON_BAD_COMMAND;
    }
    switch (data[0]) {
    case 0:
        return greet(data, len);
    case 1:
        return pda(data, len, program_id);
    case 2:
        log_text("failing on request");
        return len > 1 && data[1] != 0 ? data[1] : 1;
    case 3:
        return table(data, len);
    default:
        return CUSTOM_ERROR_ON_BAD_COMMAND;
    }
}

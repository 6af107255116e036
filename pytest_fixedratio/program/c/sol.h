/*
 * Minimal Solana runtime for an SBPFv0 program written in C (no SDK headers exist here).
 *
 * Why hand-written: the official toolchain is not available, so the ABI the loader and the syscalls expect
 * is reproduced here: the aligned v0 input serialization, the C CPI structures of sol_invoke_signed_c and the
 * syscall prototypes (each resolved by the loader through the murmur3 hash of its name).
 * Rules this code lives by: no mutable globals (there is no writable data section), at most 5 arguments per
 * call, 4 KiB stack frames, no floating point, no 128-bit multiply/divide (see u128.h).
 */
#ifndef FRT_SOL_H
#define FRT_SOL_H

typedef unsigned char uint8_t;
typedef unsigned short uint16_t;
typedef unsigned int uint32_t;
typedef unsigned long long uint64_t;
typedef long long int64_t;
typedef int int32_t;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

#define INLINE static inline __attribute__((always_inline))

#define PUBKEY_LEN 32
typedef struct {
    uint8_t x[PUBKEY_LEN];
} SolPubkey;

/* One account as the program sees it; identical in layout to the C ABI struct sol_invoke_signed_c reads,
 * so an array of these can be handed to the CPI syscall. Every pointer points into the input buffer, which
 * the runtime updates after each CPI (lamports, owner, data and the serialized data length). */
typedef struct {
    SolPubkey *key;
    uint64_t *lamports;
    uint64_t data_len; /* length at entry; after a CPI that resized the account use acc_data_len() */
    uint8_t *data;
    SolPubkey *owner;
    uint64_t rent_epoch;
    bool is_signer;
    bool is_writable;
    bool executable;
} SolAccountInfo;

/* Accounts kept from the input; more can be passed, they are counted but not stored. */
#define MAX_ACCOUNTS 24

typedef struct {
    SolAccountInfo ka[MAX_ACCOUNTS];
    uint64_t ka_num; /* number of accounts passed (may exceed MAX_ACCOUNTS) */
    const uint8_t *data;
    uint64_t data_len;
    const SolPubkey *program_id;
} SolParameters;

typedef struct {
    SolPubkey *pubkey;
    bool is_writable;
    bool is_signer;
} SolAccountMeta;

typedef struct {
    const SolPubkey *program_id;
    const SolAccountMeta *accounts;
    uint64_t account_len;
    const uint8_t *data;
    uint64_t data_len;
} SolInstruction;

typedef struct {
    const uint8_t *addr;
    uint64_t len;
} SolSignerSeed;

typedef struct {
    const SolSignerSeed *addr;
    uint64_t len;
} SolSignerSeeds;

/* Syscalls (names must match the runtime's registry exactly). */
void sol_log_(const char *message, uint64_t len);
void sol_log_64_(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e);
void sol_log_pubkey(const SolPubkey *key);
void sol_panic_(const char *file, uint64_t len, uint64_t line, uint64_t column);
uint64_t sol_try_find_program_address(const SolSignerSeed *seeds, uint64_t seeds_len,
                                      const SolPubkey *program_id, SolPubkey *address, uint8_t *bump);
uint64_t sol_create_program_address(const SolSignerSeed *seeds, uint64_t seeds_len,
                                    const SolPubkey *program_id, SolPubkey *address);
uint64_t sol_invoke_signed_c(const SolInstruction *instruction, const SolAccountInfo *account_infos,
                             uint64_t account_infos_len, const SolSignerSeeds *signers_seeds,
                             uint64_t signers_seeds_len);
uint64_t sol_get_clock_sysvar(void *clock);
uint64_t sol_get_rent_sysvar(void *rent);
void sol_set_return_data(const uint8_t *data, uint64_t len);
void sol_memcpy_(void *dst, const void *src, uint64_t n);
void sol_memmove_(void *dst, const void *src, uint64_t n);
void sol_memset_(void *dst, uint8_t value, uint64_t n);
void sol_memcmp_(const void *a, const void *b, uint64_t n, int32_t *result);

/* ProgramError -> u64 as the SBF entrypoint returns it (solana-program 1.18 program_error.rs):
 * Custom(n) = n, builtin errors occupy the upper 32 bits. */
#define BUILTIN(n) ((uint64_t)(n) << 32)
#define SUCCESS 0ULL
#define ERR_INVALID_ARGUMENT BUILTIN(2)
#define ERR_INVALID_INSTRUCTION_DATA BUILTIN(3)
#define ERR_INVALID_ACCOUNT_DATA BUILTIN(4)
#define ERR_ACCOUNT_DATA_TOO_SMALL BUILTIN(5)
#define ERR_INSUFFICIENT_FUNDS BUILTIN(6)
#define ERR_INCORRECT_PROGRAM_ID BUILTIN(7)
#define ERR_MISSING_REQUIRED_SIGNATURES BUILTIN(8)
#define ERR_ACCOUNT_ALREADY_INITIALIZED BUILTIN(9)
#define ERR_UNINITIALIZED_ACCOUNT BUILTIN(10)
#define ERR_NOT_ENOUGH_ACCOUNT_KEYS BUILTIN(11)
#define ERR_BORSH_IO_ERROR BUILTIN(15)
#define ERR_ARITHMETIC_OVERFLOW BUILTIN(24)

/* Clock sysvar (sol_get_clock_sysvar). */
typedef struct {
    uint64_t slot;
    int64_t epoch_start_timestamp;
    uint64_t epoch;
    uint64_t leader_schedule_epoch;
    int64_t unix_timestamp;
} SolClock;

/* Fills params from the loader's input. */
void sol_deserialize(const uint8_t *input, SolParameters *params);

/* Current data length of an account: the serialized length the runtime keeps up to date after a CPI. */
INLINE uint64_t acc_data_len(const SolAccountInfo *a) {
    return *(const uint64_t *)(a->data - sizeof(uint64_t));
}

/* Freestanding replacements of the C library the compiler may call (implemented with syscalls). */
void *memcpy(void *dst, const void *src, unsigned long n);
void *memmove(void *dst, const void *src, unsigned long n);
void *memset(void *dst, int value, unsigned long n);

bool pubkey_eq(const SolPubkey *a, const SolPubkey *b);
bool pubkey_is_zero(const SolPubkey *a);
/* Rust `Pubkey` ordering: lexicographic comparison of the raw bytes. */
bool pubkey_lt(const SolPubkey *a, const SolPubkey *b);

/* Little-endian access to Borsh/SPL fields, which have no alignment. SBPF performs unaligned loads and
 * stores (the VM reads host memory unaligned), so a plain 64-bit access is used: byte-by-byte code would
 * cost eight times the instructions. may_alias keeps the compiler's aliasing assumptions honest. */
typedef uint64_t __attribute__((may_alias)) u64_alias;
typedef uint32_t __attribute__((may_alias)) u32_alias;

INLINE uint64_t load_u64(const uint8_t *p) {
    return *(const u64_alias *)p;
}

INLINE void store_u64(uint8_t *p, uint64_t v) {
    *(u64_alias *)p = v;
}

INLINE uint32_t load_u32(const uint8_t *p) {
    return *(const u32_alias *)p;
}

/* Aborts the program (ProgramFailedToComplete), as a Rust panic does. */
__attribute__((noreturn)) void sol_abort(const char *why, uint64_t len);
#define PANIC(msg) sol_abort(msg, sizeof(msg) - 1)

#endif

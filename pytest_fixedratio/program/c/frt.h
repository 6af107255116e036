/*
 * Fixed Ratio Trading v0.17.1070, phase 1: constants, state layouts and the helpers the processors share.
 * Byte offsets and error codes follow /work/shared/design/frt-contract.md (sections 3, 6 and 7).
 */
#ifndef FRT_FRT_H
#define FRT_FRT_H

#include "sol.h"

#define CONTRACT_NAME "fixed-ratio-trading"
#define CONTRACT_VERSION "0.17.1070"

/* Fees, lamports. */
#define REGISTRATION_FEE 1150000000ULL
#define DEPOSIT_WITHDRAWAL_FEE 13000000ULL
#define SWAP_CONTRACT_FEE 271500ULL

/* Custom errors (src/error.rs). */
#define ERR_POOL_ARITHMETIC_OVERFLOW 1019ULL
#define ERR_SYSTEM_PAUSED 1023ULL
#define ERR_SYSTEM_ALREADY_PAUSED 1024ULL
#define ERR_SYSTEM_NOT_PAUSED 1025ULL
#define ERR_POOL_SWAPS_PAUSED 1027ULL
#define ERR_SWAP_ACCESS_RESTRICTED 1028ULL
#define ERR_INSUFFICIENT_FEE_BALANCE 1031ULL
#define ERR_FEE_VALIDATION_FAILED 1033ULL
#define ERR_TREASURY_VALIDATION_FAILED 1034ULL
#define ERR_POOL_LIQUIDITY_PAUSED 1035ULL
#define ERR_INVALID_FEE_UPDATE_FLAGS 1043ULL
#define ERR_INVALID_LIQUIDITY_FEE 1044ULL
#define ERR_INVALID_SWAP_FEE 1045ULL
#define ERR_AMOUNT_MISMATCH 1047ULL
#define ERR_UNSUPPORTED_RATIO_TYPE 1049ULL
#define ERR_STRICT_LP_MINT_VIOLATION 3001ULL
#define ERR_MISSING_LP_ACCOUNT 4001ULL

/* Pool flags (PoolState.flags). */
#define POOL_FLAG_SIMPLE_RATIO 1
#define POOL_FLAG_LIQUIDITY_PAUSED 2
#define POOL_FLAG_SWAPS_PAUSED 4
#define POOL_FLAG_SWAP_FOR_OWNERS_ONLY 32
#define POOL_FLAG_EXACT_EXCHANGE_REQUIRED 64
#define POOL_CREATION_FLAGS_MASK (POOL_FLAG_SWAP_FOR_OWNERS_ONLY | POOL_FLAG_EXACT_EXCHANGE_REQUIRED)

/* PoolState, 438 bytes (section 3.1). */
#define POOL_STATE_LEN 438
#define POOL_OWNER 0
#define POOL_TOKEN_A_MINT 32
#define POOL_TOKEN_B_MINT 64
#define POOL_TOKEN_A_VAULT 96
#define POOL_TOKEN_B_VAULT 128
#define POOL_LP_TOKEN_A_MINT 160
#define POOL_LP_TOKEN_B_MINT 192
#define POOL_RATIO_A 224
#define POOL_RATIO_B 232
#define POOL_TOTAL_A 240
#define POOL_TOTAL_B 248
#define POOL_BUMP 256
#define POOL_VAULT_A_BUMP 257
#define POOL_VAULT_B_BUMP 258
#define POOL_LP_A_BUMP 259
#define POOL_LP_B_BUMP 260
#define POOL_FLAGS 261
#define POOL_CONTRACT_LIQUIDITY_FEE 262
#define POOL_SWAP_CONTRACT_FEE 270
#define POOL_COLLECTED_LIQUIDITY_FEES 310
#define POOL_COLLECTED_SWAP_CONTRACT_FEES 318
#define POOL_TOTAL_SOL_FEES_COLLECTED 326
#define POOL_LAST_CONSOLIDATION_TIMESTAMP 334
#define POOL_TOTAL_CONSOLIDATIONS 342
#define POOL_TOTAL_FEES_CONSOLIDATED 350

/* SystemState, 83-byte account with an Option inside (section 3.2). */
#define SYSTEM_STATE_LEN 83
#define SYSTEM_IS_PAUSED 0
#define SYSTEM_PAUSE_TIMESTAMP 1
#define SYSTEM_PAUSE_REASON 9
#define SYSTEM_ADMIN 10
#define SYSTEM_PENDING_TAG 42
#define SYSTEM_PENDING_ADMIN 43
#define SYSTEM_MIN_DECODED_LEN 51 /* 43 + 8 with pending = None */

/* MainTreasuryState, 136 bytes, 17 u64/i64 fields (section 3.3). */
#define TREASURY_LEN 136
#define TREASURY_TOTAL_BALANCE 0
#define TREASURY_RENT_EXEMPT_MINIMUM 8
#define TREASURY_TOTAL_WITHDRAWN 16
#define TREASURY_POOL_CREATION_COUNT 24
#define TREASURY_LIQUIDITY_OPERATION_COUNT 32
#define TREASURY_REGULAR_SWAP_COUNT 40
#define TREASURY_WITHDRAWAL_COUNT 48
#define TREASURY_FAILED_OPERATION_COUNT 56
#define TREASURY_TOTAL_POOL_CREATION_FEES 64
#define TREASURY_TOTAL_LIQUIDITY_FEES 72
#define TREASURY_TOTAL_REGULAR_SWAP_FEES 80
#define TREASURY_TOTAL_SWAP_CONTRACT_FEES 88
#define TREASURY_LAST_UPDATE_TIMESTAMP 96
#define TREASURY_TOTAL_CONSOLIDATIONS 104
#define TREASURY_LAST_WITHDRAWAL_TIMESTAMP 112
#define TREASURY_DONATION_COUNT 120
#define TREASURY_TOTAL_DONATIONS 128

/* SPL Token layouts (section 3.4). */
#define TOKEN_ACCOUNT_LEN 165
#define TOKEN_ACCOUNT_MINT 0
#define TOKEN_ACCOUNT_OWNER 32
#define TOKEN_ACCOUNT_AMOUNT 64
#define TOKEN_ACCOUNT_DELEGATE_TAG 72
#define TOKEN_ACCOUNT_STATE 108
#define TOKEN_ACCOUNT_IS_NATIVE_TAG 109
#define TOKEN_ACCOUNT_DELEGATED_AMOUNT 121
#define TOKEN_ACCOUNT_CLOSE_AUTHORITY_TAG 129
#define TOKEN_STATE_FROZEN 2
#define MINT_LEN 82
#define MINT_AUTHORITY_TAG 0
#define MINT_AUTHORITY 4
#define MINT_DECIMALS 44
#define MINT_IS_INITIALIZED 45
#define MINT_FREEZE_AUTHORITY_TAG 46

/* Well-known program and sysvar ids (common.c). */
extern const SolPubkey SYSTEM_PROGRAM_ID;
extern const SolPubkey TOKEN_PROGRAM_ID;
extern const SolPubkey BPF_LOADER_UPGRADEABLE_ID;
extern const SolPubkey RENT_SYSVAR_ID;

/* Seeds. */
extern const char SEED_SYSTEM_STATE[12];
extern const char SEED_MAIN_TREASURY[13];
extern const char SEED_POOL_STATE[10];
extern const char SEED_TOKEN_A_VAULT[13];
extern const char SEED_TOKEN_B_VAULT[13];
extern const char SEED_LP_TOKEN_A_MINT[15];
extern const char SEED_LP_TOKEN_B_MINT[15];
#define SEED(s) ((const uint8_t *)(s)), sizeof(s)

/* Logs a reason and returns the error, so every failure path explains itself in the transaction logs. */
uint64_t fail(uint64_t error, const char *why, uint64_t len);
#define FAIL(error, why) fail((error), (why), sizeof(why) - 1)

/* PDAs. */
typedef struct {
    SolPubkey key;
    uint8_t bump;
} Pda;

/* Canonical PDA of seeds under program_id (Pubkey::find_program_address). */
void find_pda(const SolSignerSeed *seeds, uint64_t count, const SolPubkey *program_id, Pda *out);
/* The single-seed PDAs of the program. */
void find_pda1(const uint8_t *seed, uint64_t len, const SolPubkey *program_id, Pda *out);
/* A pool-scoped PDA: (seed, pool key). */
void find_pda_of_pool(const uint8_t *seed, uint64_t len, const SolPubkey *pool, const SolPubkey *program_id,
                      Pda *out);

/* The seeds of a pool PDA ("pool_state", mint A, mint B, ra LE, rb LE), with room for the bump that signs with
 * them: InitializePool derives and signs with them, GetPoolStatePDA derives them. Seeds point into the struct,
 * so it must not be copied once filled. */
typedef struct {
    uint8_t ratio_a[8];
    uint8_t ratio_b[8];
    SolSignerSeed seeds[6];
} PoolSeeds;
#define POOL_PDA_SEED_COUNT 5
void pool_seeds(const SolPubkey *mint_a, const SolPubkey *mint_b, uint64_t ratio_a, uint64_t ratio_b,
                PoolSeeds *out);

/* Rent sysvar account (Rent::from_account_info): InvalidArgument unless the key and data are right. */
typedef struct {
    uint64_t lamports_per_byte_year;
    uint64_t exemption_threshold_bits; /* IEEE-754 double, decoded without floating point */
} Rent;
uint64_t rent_from_account(const SolAccountInfo *account, Rent *out);
uint64_t rent_minimum_balance(const Rent *rent, uint64_t data_len);

int64_t clock_unix_timestamp(void);

/* SystemState checks shared by every user operation (validate_system_not_paused_secure). */
uint64_t load_system_state(const SolAccountInfo *account, const SolPubkey *program_id);
uint64_t check_system_not_paused(const SolAccountInfo *account, const SolPubkey *program_id);

/* PoolState validation (validate_and_deserialize_pool_state_secure): owner, key == pool_id, decodable,
 * non-zero mints and ratios. On success the state is read and written in place in account->data. */
uint64_t load_pool_state(const SolAccountInfo *account, const SolPubkey *pool_id, const SolPubkey *program_id);

/* Accounts 0-6, the same in Deposit, Withdraw and Swap (frt-contract.md 2.3); 7-10 differ per instruction. */
enum {
    ACC_USER = 0,
    ACC_SYSTEM_PROGRAM = 1,
    ACC_SYSTEM_STATE = 2,
    ACC_POOL = 3,
    ACC_TOKEN_PROGRAM = 4,
    ACC_VAULT_A = 5,
    ACC_VAULT_B = 6,
};

/* The opening checks of Deposit/Withdraw/Swap: user (account 0) signs, system (account 2) not paused. */
uint64_t check_signer_and_pause(const SolParameters *params);

/* SOL fee from the user to the pool PDA and its bookkeeping (collect_fee_to_pool_state). */
typedef enum { FEE_LIQUIDITY, FEE_SWAP } FeeKind;
typedef struct {
    const SolAccountInfo *payer;
    const SolAccountInfo *pool;
    const SolAccountInfo *system_program;
    FeeKind kind;
} FeeCollection;
uint64_t collect_pool_fee(const FeeCollection *fee);
/* total_token_x_liquidity += amount, checked (ArithmeticOverflow). */
uint64_t add_liquidity(uint8_t *total, uint64_t amount);

/* Signer seeds of a pool PDA ("pool_state", mint A, mint B, ra LE, rb LE, bump): every seed after the
 * prefix is a field of the PoolState itself, so the seeds point straight into the account data. */
typedef struct {
    SolSignerSeed seeds[6];
    SolSignerSeeds signer;
} PoolSigner;
void pool_signer_from_state(const uint8_t *pool_data, PoolSigner *out);

/* validate_program_upgrade_authority, the admin-check bypass included (system.c). */
uint64_t validate_upgrade_authority(const SolPubkey *program_id, const SolAccountInfo *program_data,
                                    const SolAccountInfo *authority);
/* validate_admin_authority: the signer is SystemState's admin, else the upgrade authority (admin.c). */
uint64_t validate_admin(const SolPubkey *program_id, const SolAccountInfo *admin, const SolAccountInfo *system_state,
                        const SolAccountInfo *program_data);

#define RESTART_PENALTY_S 255600 /* 71 h: UnpauseSystem's treasury-withdrawal block */
#define PAUSE_FLAG_LIQUIDITY 1   /* PausePool/UnpausePool argument bits */
#define PAUSE_FLAG_SWAPS 2
#define FEE_UPDATE_LIQUIDITY 1 /* UpdatePoolFees argument bits */
#define FEE_UPDATE_SWAP 2
#define MIN_LIQUIDITY_FEE 100000ULL
#define MAX_LIQUIDITY_FEE 100000000ULL
#define MIN_SWAP_FEE 10000ULL
#define MAX_SWAP_FEE 10000000ULL

/* Processors. data points at the instruction's fields (after the variant byte). */
uint64_t process_initialize_program(const SolParameters *params, const uint8_t *data);
uint64_t process_initialize_pool(const SolParameters *params, const uint8_t *data);
uint64_t process_deposit(const SolParameters *params, const uint8_t *data);
uint64_t process_withdraw(const SolParameters *params, const uint8_t *data);
uint64_t process_swap(const SolParameters *params, const uint8_t *data);
uint64_t process_get_version(void);
uint64_t process_pause_system(const SolParameters *params, const uint8_t *data);
uint64_t process_unpause_system(const SolParameters *params);
uint64_t process_pool_pause(const SolParameters *params, const uint8_t *data, bool pause);
uint64_t process_withdraw_treasury_fees(const SolParameters *params, const uint8_t *data);
uint64_t process_set_swap_owner_only(const SolParameters *params, const uint8_t *data);
uint64_t process_update_pool_fees(const SolParameters *params, const uint8_t *data);
uint64_t process_donate_sol(const SolParameters *params, const uint8_t *data);
uint64_t process_admin_change(const SolParameters *params, const uint8_t *data);
uint64_t process_consolidate_pool_fees(const SolParameters *params, const uint8_t *data);

/* ConsolidatePoolFees' rules, which GetConsolidationStatus reports without moving anything (consolidation.c). */
#define MAX_POOLS_PER_CONSOLIDATION 20
/* What each pool keeps: the rent of size_of::<PoolState>() = 440 bytes (quirk 8.7). */
uint64_t consolidation_rent_minimum(void);
/* total_sol_fees_collected - total_fees_consolidated, saturating at 0. */
uint64_t pool_pending_sol_fees(const uint8_t *pool_data);
/* Outside a system pause only pools with both pause flags are consolidated; under one, every pool. */
bool pool_consolidation_eligible(const uint8_t *pool_data, bool system_paused);
/* What a consolidation of an eligible pool moves: its pending fees, at most its lamports above `rent_min`. */
uint64_t pool_consolidatable(const SolAccountInfo *pool, uint64_t rent_min);

/* The log-only views (views.c): they read, log and change nothing, and a system pause does not stop them. */
uint64_t process_get_pool_state_pda(const SolParameters *params, const uint8_t *data);
uint64_t process_get_token_vault_pdas(const SolParameters *params, const uint8_t *data);
uint64_t process_get_pool_info(const SolParameters *params);
uint64_t process_get_pool_pause_status(const SolParameters *params);
uint64_t process_get_liquidity_info(const SolParameters *params);
uint64_t process_get_fee_info(const SolParameters *params);
uint64_t process_get_pool_sol_balance(const SolParameters *params);
uint64_t process_get_treasury_info(const SolParameters *params);
uint64_t process_get_consolidation_status(const SolParameters *params, const uint8_t *data);

#endif

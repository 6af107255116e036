/* Ids, seeds, PDAs, sysvars, and the SystemState / PoolState / fee helpers every processor shares. */
#include "frt.h"
#include "log.h"
#include "token.h"

const SolPubkey SYSTEM_PROGRAM_ID = {{0}};
const SolPubkey TOKEN_PROGRAM_ID = {{0x06, 0xdd, 0xf6, 0xe1, 0xd7, 0x65, 0xa1, 0x93, 0xd9, 0xcb, 0xe1,
                                     0x46, 0xce, 0xeb, 0x79, 0xac, 0x1c, 0xb4, 0x85, 0xed, 0x5f, 0x5b,
                                     0x37, 0x91, 0x3a, 0x8c, 0xf5, 0x85, 0x7e, 0xff, 0x00, 0xa9}};
const SolPubkey BPF_LOADER_UPGRADEABLE_ID = {{0x02, 0xa8, 0xf6, 0x91, 0x4e, 0x88, 0xa1, 0xb0, 0xe2, 0x10, 0x15,
                                              0x3e, 0xf7, 0x63, 0xae, 0x2b, 0x00, 0xc2, 0xb9, 0x3d, 0x16, 0xc1,
                                              0x24, 0xd2, 0xc0, 0x53, 0x7a, 0x10, 0x04, 0x80, 0x00, 0x00}};
const SolPubkey RENT_SYSVAR_ID = {{0x06, 0xa7, 0xd5, 0x17, 0x19, 0x2c, 0x5c, 0x51, 0x21, 0x8c, 0xc9,
                                   0x4c, 0x3d, 0x4a, 0xf1, 0x7f, 0x58, 0xda, 0xee, 0x08, 0x9b, 0xa1,
                                   0xfd, 0x44, 0xe3, 0xdb, 0xd9, 0x8a, 0x00, 0x00, 0x00, 0x00}};

const char SEED_SYSTEM_STATE[12] = "system_state";
const char SEED_MAIN_TREASURY[13] = "main_treasury";
const char SEED_POOL_STATE[10] = "pool_state";
const char SEED_TOKEN_A_VAULT[13] = "token_a_vault";
const char SEED_TOKEN_B_VAULT[13] = "token_b_vault";
const char SEED_LP_TOKEN_A_MINT[15] = "lp_token_a_mint";
const char SEED_LP_TOKEN_B_MINT[15] = "lp_token_b_mint";

uint64_t fail(uint64_t error, const char *why, uint64_t len) {
    LogLine line = {.len = 0};
    LOG_LIT(&line, "\xe2\x9d\x8c "); /* "❌ " */
    log_text(&line, why, len);
    log_flush(&line);
    return error;
}

void find_pda(const SolSignerSeed *seeds, uint64_t count, const SolPubkey *program_id, Pda *out) {
    if (sol_try_find_program_address(seeds, count, program_id, &out->key, &out->bump) != 0) {
        PANIC("Unable to find a viable program address bump seed");
    }
}

void find_pda1(const uint8_t *seed, uint64_t len, const SolPubkey *program_id, Pda *out) {
    SolSignerSeed seeds[1] = {{seed, len}};
    find_pda(seeds, 1, program_id, out);
}

void find_pda_of_pool(const uint8_t *seed, uint64_t len, const SolPubkey *pool, const SolPubkey *program_id,
                      Pda *out) {
    SolSignerSeed seeds[2] = {{seed, len}, {pool->x, PUBKEY_LEN}};
    find_pda(seeds, 2, program_id, out);
}

void pool_seeds(const SolPubkey *mint_a, const SolPubkey *mint_b, uint64_t ratio_a, uint64_t ratio_b,
                PoolSeeds *out) {
    store_u64(out->ratio_a, ratio_a);
    store_u64(out->ratio_b, ratio_b);
    out->seeds[0] = (SolSignerSeed){SEED(SEED_POOL_STATE)};
    out->seeds[1] = (SolSignerSeed){mint_a->x, PUBKEY_LEN};
    out->seeds[2] = (SolSignerSeed){mint_b->x, PUBKEY_LEN};
    out->seeds[3] = (SolSignerSeed){out->ratio_a, 8};
    out->seeds[4] = (SolSignerSeed){out->ratio_b, 8};
    out->seeds[5] = (SolSignerSeed){NULL, 0};
}

uint64_t rent_from_account(const SolAccountInfo *account, Rent *out) {
    /* bincode Rent { lamports_per_byte_year: u64, exemption_threshold: f64, burn_percent: u8 } */
    if (!pubkey_eq(account->key, &RENT_SYSVAR_ID) || acc_data_len(account) < 17) {
        return FAIL(ERR_INVALID_ARGUMENT, "Invalid Rent sysvar account");
    }
    out->lamports_per_byte_year = load_u64(account->data);
    out->exemption_threshold_bits = load_u64(account->data + 8);
    return SUCCESS;
}

int64_t clock_unix_timestamp(void) {
    SolClock clock;
    sol_get_clock_sysvar(&clock);
    return clock.unix_timestamp;
}

uint64_t load_system_state(const SolAccountInfo *account, const SolPubkey *program_id) {
    Pda pda;
    find_pda1(SEED(SEED_SYSTEM_STATE), program_id, &pda);
    if (!pubkey_eq(account->key, &pda.key)) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Invalid SystemState PDA");
    }
    uint64_t len = acc_data_len(account);
    if (len == 0) {
        return FAIL(ERR_UNINITIALIZED_ACCOUNT, "SystemState not initialized");
    }
    if (!pubkey_eq(account->owner, program_id)) {
        return FAIL(ERR_INCORRECT_PROGRAM_ID, "SystemState not owned by program");
    }
    const uint8_t *d = account->data;
    if (len < SYSTEM_MIN_DECODED_LEN || d[SYSTEM_IS_PAUSED] > 1 || d[SYSTEM_PENDING_TAG] > 1 ||
        (d[SYSTEM_PENDING_TAG] == 1 && len < SYSTEM_STATE_LEN)) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "SystemState cannot be decoded");
    }
    return SUCCESS;
}

uint64_t check_system_not_paused(const SolAccountInfo *account, const SolPubkey *program_id) {
    uint64_t err = load_system_state(account, program_id);
    if (err != SUCCESS) {
        return err;
    }
    if (account->data[SYSTEM_IS_PAUSED]) {
        return FAIL(ERR_SYSTEM_PAUSED, "SYSTEM PAUSED: All operations blocked");
    }
    return SUCCESS;
}

uint64_t load_pool_state(const SolAccountInfo *account, const SolPubkey *pool_id, const SolPubkey *program_id) {
    if (!pubkey_eq(account->owner, program_id)) {
        return FAIL(ERR_INCORRECT_PROGRAM_ID, "Pool state account not owned by program");
    }
    if (!pubkey_eq(account->key, pool_id)) {
        return FAIL(ERR_TREASURY_VALIDATION_FAILED, "Pool ID mismatch");
    }
    const uint8_t *d = account->data;
    if (acc_data_len(account) < POOL_STATE_LEN) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Failed to deserialize pool state");
    }
    if (pubkey_is_zero((const SolPubkey *)(d + POOL_TOKEN_A_MINT)) ||
        pubkey_is_zero((const SolPubkey *)(d + POOL_TOKEN_B_MINT))) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Pool contains invalid token mints");
    }
    if (load_u64(d + POOL_RATIO_A) == 0 || load_u64(d + POOL_RATIO_B) == 0) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Pool contains invalid ratios");
    }
    return SUCCESS;
}

uint64_t check_signer_and_pause(const SolParameters *params) {
    if (!params->ka[ACC_USER].is_signer) {
        return FAIL(ERR_MISSING_REQUIRED_SIGNATURES, "User must be a signer");
    }
    return check_system_not_paused(&params->ka[ACC_SYSTEM_STATE], params->program_id);
}

/* Adds to a u64 field; false on overflow. */
static bool add_field(uint8_t *field, uint64_t amount) {
    uint64_t v = load_u64(field);
    if (v + amount < v) {
        return false;
    }
    store_u64(field, v + amount);
    return true;
}

uint64_t add_liquidity(uint8_t *total, uint64_t amount) {
    if (!add_field(total, amount)) {
        return FAIL(ERR_ARITHMETIC_OVERFLOW, "Pool liquidity overflow");
    }
    return SUCCESS;
}

uint64_t collect_pool_fee(const FeeCollection *fee) {
    uint8_t *d = fee->pool->data;
    bool liquidity = fee->kind == FEE_LIQUIDITY;
    uint64_t amount = load_u64(d + (liquidity ? POOL_CONTRACT_LIQUIDITY_FEE : POOL_SWAP_CONTRACT_FEE));
    if (*fee->payer->lamports < amount) {
        return FAIL(ERR_INSUFFICIENT_FEE_BALANCE, "Insufficient SOL for the contract fee");
    }
    if (!fee->pool->is_writable) {
        return FAIL(ERR_FEE_VALIDATION_FAILED, "Pool state account is not writable");
    }
    SystemTransfer transfer = {fee->payer, fee->pool, fee->system_program, amount};
    uint64_t err = cpi_system_transfer(&transfer);
    if (err != SUCCESS) {
        return err;
    }
    uint8_t *counter = d + (liquidity ? POOL_COLLECTED_LIQUIDITY_FEES : POOL_COLLECTED_SWAP_CONTRACT_FEES);
    if (!add_field(counter, amount) || !add_field(d + POOL_TOTAL_SOL_FEES_COLLECTED, amount)) {
        return FAIL(ERR_FEE_VALIDATION_FAILED, "Fee counter overflow");
    }
    return SUCCESS;
}

void pool_signer_from_state(const uint8_t *pool_data, PoolSigner *out) {
    out->seeds[0] = (SolSignerSeed){SEED(SEED_POOL_STATE)};
    out->seeds[1] = (SolSignerSeed){pool_data + POOL_TOKEN_A_MINT, PUBKEY_LEN};
    out->seeds[2] = (SolSignerSeed){pool_data + POOL_TOKEN_B_MINT, PUBKEY_LEN};
    out->seeds[3] = (SolSignerSeed){pool_data + POOL_RATIO_A, 8};
    out->seeds[4] = (SolSignerSeed){pool_data + POOL_RATIO_B, 8};
    out->seeds[5] = (SolSignerSeed){pool_data + POOL_BUMP, 1};
    out->signer = (SolSignerSeeds){out->seeds, 6};
}

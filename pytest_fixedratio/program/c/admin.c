/* The admin instructions: PauseSystem (12), UnpauseSystem (13), PausePool (19), UnpausePool (20)
 * (processors/system.rs, processors/pool.rs, utils/program_authority.rs). */
#include "frt.h"
#include "log.h"

/* validate_admin_authority. The order is this program's reading of the spec, which names the outcomes but not
 * their order (README, "Phase 2"): the admin signs, SystemState is the program's, then the signer is its
 * admin_authority or else passes the upgrade-authority check (the bypass of 8.3 included). A failed check is
 * InvalidAccountData. */
uint64_t validate_admin(const SolPubkey *program_id, const SolAccountInfo *admin, const SolAccountInfo *system_state,
                        const SolAccountInfo *program_data) {
    if (!admin->is_signer) {
        return FAIL(ERR_MISSING_REQUIRED_SIGNATURES, "Admin must be a signer");
    }
    uint64_t err = load_system_state(system_state, program_id);
    if (err != SUCCESS) {
        return err;
    }
    if (pubkey_eq(admin->key, (const SolPubkey *)(system_state->data + SYSTEM_ADMIN))) {
        return SUCCESS;
    }
    return validate_upgrade_authority(program_id, program_data, admin);
}

uint64_t process_pause_system(const SolParameters *params, const uint8_t *data) {
    if (params->ka_num < 3) {
        PANIC("PauseSystem: index out of bounds (fewer than 3 accounts)");
    }
    const SolAccountInfo *system_state = &params->ka[1];
    uint64_t err = validate_admin(params->program_id, &params->ka[0], system_state, &params->ka[2]);
    if (err != SUCCESS) {
        return err;
    }
    if (!system_state->is_writable) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "SystemState must be writable");
    }
    uint8_t *s = system_state->data;
    if (s[SYSTEM_IS_PAUSED]) {
        return FAIL(ERR_SYSTEM_ALREADY_PAUSED, "System already paused");
    }
    s[SYSTEM_IS_PAUSED] = 1;
    store_u64(s + SYSTEM_PAUSE_TIMESTAMP, (uint64_t)clock_unix_timestamp());
    s[SYSTEM_PAUSE_REASON] = data[0];
    MSG("\xe2\x8f\xb8\xef\xb8\x8f SYSTEM PAUSED");
    return SUCCESS;
}

uint64_t process_unpause_system(const SolParameters *params) {
    if (params->ka_num < 4) {
        return FAIL(ERR_NOT_ENOUGH_ACCOUNT_KEYS, "UnpauseSystem needs 4 accounts");
    }
    const SolAccountInfo *system_state = &params->ka[1];
    const SolAccountInfo *treasury = &params->ka[2];
    uint64_t err = validate_admin(params->program_id, &params->ka[0], system_state, &params->ka[3]);
    if (err != SUCCESS) {
        return err;
    }
    if (!system_state->is_writable) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "SystemState must be writable");
    }
    Pda treasury_pda;
    find_pda1(SEED(SEED_MAIN_TREASURY), params->program_id, &treasury_pda);
    if (!pubkey_eq(treasury->key, &treasury_pda.key) || !treasury->is_writable ||
        acc_data_len(treasury) < TREASURY_LEN) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Invalid main treasury account");
    }
    uint8_t *s = system_state->data;
    if (!s[SYSTEM_IS_PAUSED]) {
        return FAIL(ERR_SYSTEM_NOT_PAUSED, "System is not paused");
    }
    s[SYSTEM_IS_PAUSED] = 0;
    store_u64(s + SYSTEM_PAUSE_TIMESTAMP, 0);
    s[SYSTEM_PAUSE_REASON] = 0;
    int64_t now = clock_unix_timestamp();
    store_u64(treasury->data + TREASURY_LAST_WITHDRAWAL_TIMESTAMP, (uint64_t)(now + RESTART_PENALTY_S));
    store_u64(treasury->data + TREASURY_LAST_UPDATE_TIMESTAMP, (uint64_t)now);
    MSG("\xe2\x96\xb6\xef\xb8\x8f SYSTEM UNPAUSED: treasury withdrawals blocked for 71 hours");
    return SUCCESS;
}

/* PausePool (19) / UnpausePool (20): exact 4 accounts; admin*, not while the system is paused; argument bit 1
 * is the pool's LIQUIDITY_PAUSED flag, bit 2 its SWAPS_PAUSED flag, other bits ignored, 0 a no-op. */
uint64_t process_pool_pause(const SolParameters *params, const uint8_t *data, bool pause) {
    if (params->ka_num != 4) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Wrong number of accounts");
    }
    const SolAccountInfo *system_state = &params->ka[1];
    const SolAccountInfo *pool = &params->ka[2];
    uint64_t err = validate_admin(params->program_id, &params->ka[0], system_state, &params->ka[3]);
    if (err != SUCCESS) {
        return err;
    }
    if (system_state->data[SYSTEM_IS_PAUSED]) {
        return FAIL(ERR_SYSTEM_PAUSED, "SYSTEM PAUSED: All operations blocked");
    }
    err = load_pool_state(pool, (const SolPubkey *)(data + 1), params->program_id);
    if (err != SUCCESS) {
        return err;
    }
    if (!pool->is_writable) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Pool state must be writable");
    }
    uint8_t bits = 0;
    if (data[0] & PAUSE_FLAG_LIQUIDITY) {
        bits |= POOL_FLAG_LIQUIDITY_PAUSED;
    }
    if (data[0] & PAUSE_FLAG_SWAPS) {
        bits |= POOL_FLAG_SWAPS_PAUSED;
    }
    uint8_t *flags = pool->data + POOL_FLAGS;
    *flags = pause ? (uint8_t)(*flags | bits) : (uint8_t)(*flags & ~bits);
    if (pause) {
        MSG("\xe2\x8f\xb8\xef\xb8\x8f POOL PAUSED");
    } else {
        MSG("\xe2\x96\xb6\xef\xb8\x8f POOL UNPAUSED");
    }
    return SUCCESS;
}

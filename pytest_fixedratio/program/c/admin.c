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

/* The opening of the admin instructions on one pool (PausePool, UnpausePool, SetSwapOwnerOnly, UpdatePoolFees):
 * admin* (accounts 0, 1, 3), not while the system is paused, then the pool (account 2) is `pool_id`'s and
 * writable. */
static uint64_t open_admin_pool(const SolParameters *params, const uint8_t *pool_id) {
    const SolAccountInfo *system_state = &params->ka[1];
    const SolAccountInfo *pool = &params->ka[2];
    uint64_t err = validate_admin(params->program_id, &params->ka[0], system_state, &params->ka[3]);
    if (err != SUCCESS) {
        return err;
    }
    if (system_state->data[SYSTEM_IS_PAUSED]) {
        return FAIL(ERR_SYSTEM_PAUSED, "SYSTEM PAUSED: All operations blocked");
    }
    err = load_pool_state(pool, (const SolPubkey *)pool_id, params->program_id);
    if (err != SUCCESS) {
        return err;
    }
    if (!pool->is_writable) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Pool state must be writable");
    }
    return SUCCESS;
}

/* PausePool (19) / UnpausePool (20): exact 4 accounts; argument bit 1 is the pool's LIQUIDITY_PAUSED flag, bit 2
 * its SWAPS_PAUSED flag, other bits ignored, 0 a no-op. */
uint64_t process_pool_pause(const SolParameters *params, const uint8_t *data, bool pause) {
    if (params->ka_num != 4) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Wrong number of accounts");
    }
    uint64_t err = open_admin_pool(params, data + 1);
    if (err != SUCCESS) {
        return err;
    }
    uint8_t bits = 0;
    if (data[0] & PAUSE_FLAG_LIQUIDITY) {
        bits |= POOL_FLAG_LIQUIDITY_PAUSED;
    }
    if (data[0] & PAUSE_FLAG_SWAPS) {
        bits |= POOL_FLAG_SWAPS_PAUSED;
    }
    uint8_t *flags = params->ka[2].data + POOL_FLAGS;
    *flags = pause ? (uint8_t)(*flags | bits) : (uint8_t)(*flags & ~bits);
    if (pause) {
        MSG("\xe2\x8f\xb8\xef\xb8\x8f POOL PAUSED");
    } else {
        MSG("\xe2\x96\xb6\xef\xb8\x8f POOL UNPAUSED");
    }
    return SUCCESS;
}

/* SetSwapOwnerOnly (21): exact 4 accounts; enabling sets flag 32 and makes `designated_owner` the pool's owner,
 * disabling clears the flag and keeps the owner (8.4). */
uint64_t process_set_swap_owner_only(const SolParameters *params, const uint8_t *data) {
    if (params->ka_num != 4) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Wrong number of accounts");
    }
    uint64_t err = open_admin_pool(params, data + 1 + PUBKEY_LEN);
    if (err != SUCCESS) {
        return err;
    }
    uint8_t *d = params->ka[2].data;
    if (data[0]) {
        d[POOL_FLAGS] |= POOL_FLAG_SWAP_FOR_OWNERS_ONLY;
        memcpy(d + POOL_OWNER, data + 1, PUBKEY_LEN);
    } else {
        d[POOL_FLAGS] &= (uint8_t)~POOL_FLAG_SWAP_FOR_OWNERS_ONLY;
    }
    MSG("\xf0\x9f\x94\x92 SWAP OWNER-ONLY MODE UPDATED");
    return SUCCESS;
}

/* UpdatePoolFees (22): at least 4 accounts; flags 1 (liquidity fee), 2 (swap fee) or 3 (both), else 1043; only
 * the named fees are range-checked (1044, 1045) and set (4.10). */
uint64_t process_update_pool_fees(const SolParameters *params, const uint8_t *data) {
    if (params->ka_num < 4) {
        return FAIL(ERR_NOT_ENOUGH_ACCOUNT_KEYS, "UpdatePoolFees needs 4 accounts");
    }
    uint64_t err = open_admin_pool(params, data + 17);
    if (err != SUCCESS) {
        return err;
    }
    uint8_t flags = data[0];
    uint64_t liquidity = load_u64(data + 1), swap = load_u64(data + 9);
    if (flags < FEE_UPDATE_LIQUIDITY || flags > (FEE_UPDATE_LIQUIDITY | FEE_UPDATE_SWAP)) {
        return FAIL(ERR_INVALID_FEE_UPDATE_FLAGS, "Fee update flags must be 1, 2 or 3");
    }
    if ((flags & FEE_UPDATE_LIQUIDITY) && (liquidity < MIN_LIQUIDITY_FEE || liquidity > MAX_LIQUIDITY_FEE)) {
        return FAIL(ERR_INVALID_LIQUIDITY_FEE, "Liquidity fee out of range");
    }
    if ((flags & FEE_UPDATE_SWAP) && (swap < MIN_SWAP_FEE || swap > MAX_SWAP_FEE)) {
        return FAIL(ERR_INVALID_SWAP_FEE, "Swap fee out of range");
    }
    uint8_t *d = params->ka[2].data;
    if (flags & FEE_UPDATE_LIQUIDITY) {
        store_u64(d + POOL_CONTRACT_LIQUIDITY_FEE, liquidity);
    }
    if (flags & FEE_UPDATE_SWAP) {
        store_u64(d + POOL_SWAP_CONTRACT_FEE, swap);
    }
    MSG("\xf0\x9f\x92\xb2 POOL FEES UPDATED");
    return SUCCESS;
}

#define ADMIN_CHANGE_TIMELOCK_S 259200 /* 72 h */
#define SYSTEM_CHANGE_TIMESTAMP_IF_NONE 43 /* admin_change_timestamp follows the Option<Pubkey> */
#define SYSTEM_CHANGE_TIMESTAMP_IF_SOME 75

/* The pending admin and its timestamp as an Option<Pubkey> then an i64, the way Borsh lays them out: writing
 * None rewrites the first 51 bytes only, leaving stale bytes after (frt-contract.md 3.2). */
static void set_pending_admin(uint8_t *s, const uint8_t *pending, int64_t timestamp) {
    if (pending == NULL) {
        s[SYSTEM_PENDING_TAG] = 0;
        store_u64(s + SYSTEM_CHANGE_TIMESTAMP_IF_NONE, (uint64_t)timestamp);
        return;
    }
    s[SYSTEM_PENDING_TAG] = 1;
    memcpy(s + SYSTEM_PENDING_ADMIN, pending, PUBKEY_LEN);
    store_u64(s + SYSTEM_CHANGE_TIMESTAMP_IF_SOME, (uint64_t)timestamp);
}

/* ProcessAdminChange (24): exact 3 accounts; admin*, not while the system is paused (4.9). Naming the current
 * admin cancels a pending change; naming the pending admin 72 h after it was proposed completes the change;
 * anything else proposes `new_admin` (again: the timer restarts). */
uint64_t process_admin_change(const SolParameters *params, const uint8_t *data) {
    if (params->ka_num != 3) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Wrong number of accounts");
    }
    const SolAccountInfo *system_state = &params->ka[1];
    uint64_t err = validate_admin(params->program_id, &params->ka[0], system_state, &params->ka[2]);
    if (err != SUCCESS) {
        return err;
    }
    uint8_t *s = system_state->data;
    if (s[SYSTEM_IS_PAUSED]) {
        return FAIL(ERR_SYSTEM_PAUSED, "SYSTEM PAUSED: All operations blocked");
    }
    if (!system_state->is_writable) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "SystemState must be writable");
    }
    int64_t now = clock_unix_timestamp();
    const SolPubkey *new_admin = (const SolPubkey *)data;
    if (pubkey_eq(new_admin, (const SolPubkey *)(s + SYSTEM_ADMIN))) {
        set_pending_admin(s, NULL, 0);
        MSG("Admin change cancelled");
        return SUCCESS;
    }
    bool pending = s[SYSTEM_PENDING_TAG] == 1;
    if (pending && pubkey_eq(new_admin, (const SolPubkey *)(s + SYSTEM_PENDING_ADMIN)) &&
        now - (int64_t)load_u64(s + SYSTEM_CHANGE_TIMESTAMP_IF_SOME) >= ADMIN_CHANGE_TIMELOCK_S) {
        memcpy(s + SYSTEM_ADMIN, data, PUBKEY_LEN);
        set_pending_admin(s, NULL, 0);
        MSG("Admin change completed");
        return SUCCESS;
    }
    set_pending_admin(s, data, now);
    MSG("Admin change proposed: 72 hour timelock started");
    return SUCCESS;
}

/* ConsolidatePoolFees (17): processors/consolidation.rs::perform_batch_consolidation (frt-contract.md 4.7, 4.10,
 * 8.7). Pending SOL fees move from pool PDAs into the MainTreasury, keeping each pool at the rent of
 * size_of::<PoolState>() = 440 bytes, not of its 438-byte account: the residue of 8.7. */
#include "frt.h"
#include "log.h"
#include "u128.h"

#define POOL_STATE_IN_MEMORY_LEN 440 /* size_of::<PoolState>() in Rust: what upstream keeps rent for */

enum { C_ADMIN = 0, C_SYSTEM_STATE = 1, C_TREASURY = 2, C_PROGRAM_DATA = 3, C_FIRST_POOL = 4 };

typedef struct {
    uint64_t liquidity;
    uint64_t swap;
} FeeSplit;

/* `moved` of the pool's `liquidity` + `swap` pending fees, split in proportion: each part floored, the lamport
 * left over to the part with the larger remainder (liquidity on a tie), never beyond its counter. */
static FeeSplit split_fees(uint64_t moved, uint64_t liquidity, uint64_t swap) {
    FeeSplit split = {0, 0};
    uint64_t total = liquidity + swap;
    if (total == 0) {
        return split;
    }
    DivResult liq = div_u128_u64(mul_u64_u64(moved, liquidity), total);
    DivResult swp = div_u128_u64(mul_u64_u64(moved, swap), total);
    split.liquidity = liq.quotient;
    split.swap = swp.quotient;
    uint64_t left = moved - split.liquidity - split.swap;
    if (left > 0) {
        bool to_liquidity = liq.remainder >= swp.remainder;
        if (to_liquidity && split.liquidity + left > liquidity) {
            to_liquidity = false;
        } else if (!to_liquidity && split.swap + left > swap) {
            to_liquidity = true;
        }
        if (to_liquidity) {
            split.liquidity += left;
        } else {
            split.swap += left;
        }
    }
    return split;
}

static void add_u64(uint8_t *field, uint64_t amount) {
    store_u64(field, load_u64(field) + amount);
}

uint64_t consolidation_rent_minimum(void) {
    uint64_t rent_sysvar[3]; /* Rent { lamports_per_byte_year, exemption_threshold: f64, burn_percent }, aligned */
    sol_get_rent_sysvar(rent_sysvar);
    Rent rent = {rent_sysvar[0], rent_sysvar[1]};
    return rent_minimum_balance(&rent, POOL_STATE_IN_MEMORY_LEN);
}

uint64_t pool_pending_sol_fees(const uint8_t *pool_data) {
    uint64_t collected = load_u64(pool_data + POOL_TOTAL_SOL_FEES_COLLECTED);
    uint64_t consolidated = load_u64(pool_data + POOL_TOTAL_FEES_CONSOLIDATED);
    return collected > consolidated ? collected - consolidated : 0;
}

bool pool_consolidation_eligible(const uint8_t *pool_data, bool system_paused) {
    uint8_t both = POOL_FLAG_LIQUIDITY_PAUSED | POOL_FLAG_SWAPS_PAUSED;
    return system_paused || (pool_data[POOL_FLAGS] & both) == both;
}

uint64_t pool_consolidatable(const SolAccountInfo *pool, uint64_t rent_min) {
    uint64_t pending = pool_pending_sol_fees(pool->data);
    uint64_t lamports = *pool->lamports;
    uint64_t above_rent = lamports > rent_min ? lamports - rent_min : 0;
    return pending < above_rent ? pending : above_rent;
}

/* One pool: its pending fees above its rent go to the treasury (none when it is ineligible). */
static void consolidate_pool(const SolAccountInfo *pool, const SolAccountInfo *treasury, bool system_paused,
                                 uint64_t rent_min, int64_t now) {
    uint8_t *d = pool->data;
    if (!pool_consolidation_eligible(d, system_paused)) {
        return;
    }
    uint64_t pending = pool_pending_sol_fees(d);
    uint64_t moved = pool_consolidatable(pool, rent_min);
    if (moved == 0) {
        return;
    }
    uint64_t liquidity = load_u64(d + POOL_COLLECTED_LIQUIDITY_FEES), swap = load_u64(d + POOL_COLLECTED_SWAP_CONTRACT_FEES);
    FeeSplit split = {liquidity, swap};
    if (moved < pending) {
        split = split_fees(moved, liquidity, swap);
    }
    store_u64(d + POOL_COLLECTED_LIQUIDITY_FEES, liquidity - split.liquidity);
    store_u64(d + POOL_COLLECTED_SWAP_CONTRACT_FEES, swap - split.swap);
    add_u64(d + POOL_TOTAL_FEES_CONSOLIDATED, moved);
    store_u64(d + POOL_LAST_CONSOLIDATION_TIMESTAMP, (uint64_t)now);
    add_u64(d + POOL_TOTAL_CONSOLIDATIONS, 1);
    *pool->lamports -= moved;
    *treasury->lamports += moved;
    uint8_t *t = treasury->data;
    add_u64(t + TREASURY_TOTAL_LIQUIDITY_FEES, split.liquidity);
    add_u64(t + TREASURY_TOTAL_REGULAR_SWAP_FEES, split.swap);
    add_u64(t + TREASURY_TOTAL_SWAP_CONTRACT_FEES, split.swap);
    add_u64(t + TREASURY_LIQUIDITY_OPERATION_COUNT, split.liquidity / DEPOSIT_WITHDRAWAL_FEE);
    add_u64(t + TREASURY_REGULAR_SWAP_COUNT, split.swap / SWAP_CONTRACT_FEE);
}

uint64_t process_consolidate_pool_fees(const SolParameters *params, const uint8_t *data) {
    uint64_t count = data[0];
    if (params->ka_num < C_FIRST_POOL + count) {
        PANIC("ConsolidatePoolFees: index out of bounds (fewer accounts than 4 + pool_count)");
    }
    if (count == 0 || count > MAX_POOLS_PER_CONSOLIDATION) {
        return FAIL(ERR_INVALID_ARGUMENT, "pool_count must be 1 to 20");
    }
    if (params->ka_num != C_FIRST_POOL + count) {
        return FAIL(ERR_NOT_ENOUGH_ACCOUNT_KEYS, "ConsolidatePoolFees takes exactly 4 + pool_count accounts");
    }
    const SolAccountInfo *system_state = &params->ka[C_SYSTEM_STATE];
    const SolAccountInfo *treasury = &params->ka[C_TREASURY];
    uint64_t err = validate_admin(params->program_id, &params->ka[C_ADMIN], system_state,
                                  &params->ka[C_PROGRAM_DATA]);
    if (err != SUCCESS) {
        return err;
    }
    Pda treasury_pda;
    find_pda1(SEED(SEED_MAIN_TREASURY), params->program_id, &treasury_pda);
    if (!pubkey_eq(treasury->key, &treasury_pda.key) || !treasury->is_writable) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Invalid main treasury account");
    }
    if (acc_data_len(treasury) != TREASURY_LEN) {
        return FAIL(ERR_BORSH_IO_ERROR, "MainTreasuryState cannot be decoded");
    }
    for (uint64_t i = 0; i < count; i++) {
        const SolAccountInfo *pool = &params->ka[C_FIRST_POOL + i];
        if (!pubkey_eq(pool->owner, params->program_id)) {
            return FAIL(ERR_INCORRECT_PROGRAM_ID, "Pool state account not owned by program");
        }
        if (acc_data_len(pool) < POOL_STATE_LEN || !pool->is_writable) {
            return FAIL(ERR_INVALID_ACCOUNT_DATA, "Pool state cannot be consolidated");
        }
    }
    uint64_t rent_min = consolidation_rent_minimum();
    bool system_paused = system_state->data[SYSTEM_IS_PAUSED] != 0;
    int64_t now = clock_unix_timestamp();
    for (uint64_t i = 0; i < count; i++) {
        consolidate_pool(&params->ka[C_FIRST_POOL + i], treasury, system_paused, rent_min, now);
    }
    uint8_t *t = treasury->data;
    add_u64(t + TREASURY_TOTAL_CONSOLIDATIONS, 1);
    store_u64(t + TREASURY_LAST_UPDATE_TIMESTAMP, (uint64_t)now);
    store_u64(t + TREASURY_TOTAL_BALANCE, *treasury->lamports);
    MSG("\xf0\x9f\x94\x84 POOL FEES CONSOLIDATED");
    return SUCCESS;
}

/*
 * The log-only views: GetPoolStatePDA (5), GetTokenVaultPDAs (6), GetPoolInfo (7), GetPoolPauseStatus (8),
 * GetLiquidityInfo (9), GetFeeInfo (10), GetPoolSolBalance (11), GetTreasuryInfo (16) and
 * GetConsolidationStatus (18) (frt-contract.md 2.3 "Views", 7, 8.12).
 *
 * They answer only through "<Label>: <value>" log lines (no return data), write no account and do not look at
 * SystemState, so a system pause does not stop them. The line formats and the checks the contract leaves open
 * are this program's choices, listed in README.md.
 */
#include "frt.h"
#include "log.h"

/* declare_id! of the upstream build (default feature "localnet"): 4aeVqtWhrUh6wpX8acNj2hpWXKEQwxjA3PYb2sHhNyCn.
 * GetPoolInfo, GetLiquidityInfo and GetFeeInfo compare the PoolState owner with it instead of the runtime id
 * (section 7), so deployed anywhere else they fail with IncorrectProgramId. */
static const SolPubkey DECLARED_PROGRAM_ID = {{0x35, 0x31, 0xa0, 0x34, 0x7f, 0x4a, 0x39, 0xde, 0xd2, 0xbf, 0xf8,
                                               0x6a, 0x4f, 0xd2, 0xcc, 0x20, 0x0e, 0x14, 0x7f, 0x60, 0xdf, 0xce,
                                               0xaf, 0x63, 0xe1, 0xed, 0xe6, 0x4a, 0xe2, 0x2a, 0x0f, 0x53}};

#define VIEW_POOL_INFO_ACCOUNT 2 /* GetPoolInfo: [0], [1], [3] are not read */

/* Account `index` is the PoolState a view reads: present (else the panic of upstream's slice index), owned by
 * `owner` (IncorrectProgramId) and long enough to decode (InvalidAccountData; longer accounts are read from the
 * front, as every processor here reads a PoolState). */
static uint64_t view_pool(const SolParameters *params, uint64_t index, const SolPubkey *owner,
                          const SolAccountInfo **out) {
    if (params->ka_num <= index) {
        PANIC("View: index out of bounds (the PoolState account is missing)");
    }
    const SolAccountInfo *pool = &params->ka[index];
    if (!pubkey_eq(pool->owner, owner)) {
        return FAIL(ERR_INCORRECT_PROGRAM_ID, "Pool state account not owned by program");
    }
    if (acc_data_len(pool) < POOL_STATE_LEN) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Failed to deserialize pool state");
    }
    *out = pool;
    return SUCCESS;
}

/* The first line of every pool view, so the output of several views in one transaction stays attributable. */
static void log_pool_key(const SolAccountInfo *pool) {
    LOG_VALUE("Pool State PDA: ", LOG_PUBKEY, pool->key);
}

static void log_u64_value(const char *label, uint64_t label_len, LogKind kind, uint64_t value) {
    uint8_t bytes[8];
    store_u64(bytes, value);
    log_value_line(label, label_len, kind, bytes);
}
#define LOG_NUMBER(label, kind, value) log_u64_value((label), sizeof(label) - 1, (kind), (value))

static void log_flag(const char *label, uint64_t label_len, const uint8_t *pool_data, uint8_t flag) {
    uint8_t set = (pool_data[POOL_FLAGS] & flag) != 0;
    log_value_line(label, label_len, LOG_BOOL, &set);
}
#define LOG_FLAG(label, data, flag) log_flag((label), sizeof(label) - 1, (data), (flag))

/* The pause block of GetPoolInfo and GetPoolPauseStatus. "Deposits: ENABLED" whatever LIQUIDITY_PAUSED says:
 * upstream's quirk 8.12, reproduced on purpose. */
static void log_pause_status(const uint8_t *d) {
    LOG_FLAG("Liquidity Paused: ", d, POOL_FLAG_LIQUIDITY_PAUSED);
    LOG_FLAG("Swaps Paused: ", d, POOL_FLAG_SWAPS_PAUSED);
    MSG("Deposits: ENABLED");
}

static const LogField RATIO_FIELDS[] = {
    LOG_FIELD("Ratio A Numerator: ", LOG_U64, POOL_RATIO_A),
    LOG_FIELD("Ratio B Denominator: ", LOG_U64, POOL_RATIO_B),
};
#define COUNT(table) (sizeof(table) / sizeof((table)[0]))

uint64_t process_get_pool_state_pda(const SolParameters *params, const uint8_t *data) {
    const SolPubkey *multiple = (const SolPubkey *)data;
    const SolPubkey *base = (const SolPubkey *)(data + PUBKEY_LEN);
    uint64_t multiple_per_base = load_u64(data + 2 * PUBKEY_LEN);
    /* The legacy mapping of 2.2: (N, 1) when the multiple token sorts first, else (1, N); equal mints take the
     * second branch, as Rust's `multiple < base` is false for them. */
    bool multiple_is_a = pubkey_lt(multiple, base);
    const SolPubkey *mint_a = multiple_is_a ? multiple : base;
    const SolPubkey *mint_b = multiple_is_a ? base : multiple;
    uint64_t ratio_a = multiple_is_a ? multiple_per_base : 1;
    uint64_t ratio_b = multiple_is_a ? 1 : multiple_per_base;
    PoolSeeds seeds;
    pool_seeds(mint_a, mint_b, ratio_a, ratio_b, &seeds);
    Pda pool;
    find_pda(seeds.seeds, POOL_PDA_SEED_COUNT, params->program_id, &pool);
    LOG_VALUE("Pool State PDA: ", LOG_PUBKEY, &pool.key);
    LOG_VALUE("Pool State PDA Bump Seed: ", LOG_U8, &pool.bump);
    LOG_VALUE("Token A Mint: ", LOG_PUBKEY, mint_a);
    LOG_VALUE("Token B Mint: ", LOG_PUBKEY, mint_b);
    LOG_NUMBER("Ratio A Numerator: ", LOG_U64, ratio_a);
    LOG_NUMBER("Ratio B Denominator: ", LOG_U64, ratio_b);
    return SUCCESS;
}

uint64_t process_get_token_vault_pdas(const SolParameters *params, const uint8_t *data) {
    const SolPubkey *pool = (const SolPubkey *)data;
    Pda vault_a, vault_b;
    find_pda_of_pool(SEED(SEED_TOKEN_A_VAULT), pool, params->program_id, &vault_a);
    find_pda_of_pool(SEED(SEED_TOKEN_B_VAULT), pool, params->program_id, &vault_b);
    LOG_VALUE("Token A Vault PDA: ", LOG_PUBKEY, &vault_a.key);
    LOG_VALUE("Token A Vault Bump Seed: ", LOG_U8, &vault_a.bump);
    LOG_VALUE("Token B Vault PDA: ", LOG_PUBKEY, &vault_b.key);
    LOG_VALUE("Token B Vault Bump Seed: ", LOG_U8, &vault_b.bump);
    return SUCCESS;
}

static const LogField POOL_INFO_FIELDS[] = {
    LOG_FIELD("Owner: ", LOG_PUBKEY, POOL_OWNER),
    LOG_FIELD("Token A Mint: ", LOG_PUBKEY, POOL_TOKEN_A_MINT),
    LOG_FIELD("Token B Mint: ", LOG_PUBKEY, POOL_TOKEN_B_MINT),
    LOG_FIELD("Token A Vault: ", LOG_PUBKEY, POOL_TOKEN_A_VAULT),
    LOG_FIELD("Token B Vault: ", LOG_PUBKEY, POOL_TOKEN_B_VAULT),
    LOG_FIELD("LP Token A Mint: ", LOG_PUBKEY, POOL_LP_TOKEN_A_MINT),
    LOG_FIELD("LP Token B Mint: ", LOG_PUBKEY, POOL_LP_TOKEN_B_MINT),
    LOG_FIELD("Ratio A Numerator: ", LOG_U64, POOL_RATIO_A),
    LOG_FIELD("Ratio B Denominator: ", LOG_U64, POOL_RATIO_B),
    LOG_FIELD("Pool Authority Bump Seed: ", LOG_U8, POOL_BUMP),
    LOG_FIELD("Flags: ", LOG_U8, POOL_FLAGS),
};

uint64_t process_get_pool_info(const SolParameters *params) {
    const SolAccountInfo *pool;
    uint64_t err = view_pool(params, VIEW_POOL_INFO_ACCOUNT, &DECLARED_PROGRAM_ID, &pool);
    if (err != SUCCESS) {
        return err;
    }
    log_pool_key(pool);
    log_fields(pool->data, POOL_INFO_FIELDS, COUNT(POOL_INFO_FIELDS));
    log_pause_status(pool->data);
    return SUCCESS;
}

uint64_t process_get_pool_pause_status(const SolParameters *params) {
    const SolAccountInfo *pool;
    uint64_t err = view_pool(params, 0, params->program_id, &pool);
    if (err != SUCCESS) {
        return err;
    }
    log_pool_key(pool);
    log_pause_status(pool->data);
    return SUCCESS;
}

static const LogField LIQUIDITY_FIELDS[] = {
    LOG_FIELD("Total Token A Liquidity: ", LOG_U64, POOL_TOTAL_A),
    LOG_FIELD("Total Token B Liquidity: ", LOG_U64, POOL_TOTAL_B),
};

uint64_t process_get_liquidity_info(const SolParameters *params) {
    const SolAccountInfo *pool;
    uint64_t err = view_pool(params, 0, &DECLARED_PROGRAM_ID, &pool);
    if (err != SUCCESS) {
        return err;
    }
    log_pool_key(pool);
    log_fields(pool->data, LIQUIDITY_FIELDS, COUNT(LIQUIDITY_FIELDS));
    log_fields(pool->data, RATIO_FIELDS, COUNT(RATIO_FIELDS));
    return SUCCESS;
}

static const LogField FEE_FIELDS[] = {
    LOG_FIELD("Contract Liquidity Fee: ", LOG_LAMPORTS, POOL_CONTRACT_LIQUIDITY_FEE),
    LOG_FIELD("Swap Contract Fee: ", LOG_LAMPORTS, POOL_SWAP_CONTRACT_FEE),
    LOG_FIELD("Collected Liquidity Fees: ", LOG_LAMPORTS, POOL_COLLECTED_LIQUIDITY_FEES),
    LOG_FIELD("Collected Swap Contract Fees: ", LOG_LAMPORTS, POOL_COLLECTED_SWAP_CONTRACT_FEES),
    LOG_FIELD("Total SOL Fees Collected: ", LOG_LAMPORTS, POOL_TOTAL_SOL_FEES_COLLECTED),
    LOG_FIELD("Total Fees Consolidated: ", LOG_LAMPORTS, POOL_TOTAL_FEES_CONSOLIDATED),
    LOG_FIELD("Total Consolidations: ", LOG_U64, POOL_TOTAL_CONSOLIDATIONS),
    LOG_FIELD("Last Consolidation Timestamp: ", LOG_I64, POOL_LAST_CONSOLIDATION_TIMESTAMP),
};

uint64_t process_get_fee_info(const SolParameters *params) {
    const SolAccountInfo *pool;
    uint64_t err = view_pool(params, 0, &DECLARED_PROGRAM_ID, &pool);
    if (err != SUCCESS) {
        return err;
    }
    log_pool_key(pool);
    log_fields(pool->data, FEE_FIELDS, COUNT(FEE_FIELDS));
    LOG_NUMBER("Pending SOL Fees: ", LOG_LAMPORTS, pool_pending_sol_fees(pool->data));
    return SUCCESS;
}

uint64_t process_get_pool_sol_balance(const SolParameters *params) {
    const SolAccountInfo *pool;
    uint64_t err = view_pool(params, 0, params->program_id, &pool);
    if (err != SUCCESS) {
        return err;
    }
    log_pool_key(pool);
    LOG_NUMBER("Pool SOL Balance: ", LOG_LAMPORTS, *pool->lamports);
    LOG_NUMBER("Pending SOL Fees: ", LOG_LAMPORTS, pool_pending_sol_fees(pool->data));
    return SUCCESS;
}

/* MainTreasuryState (section 3.3), every field labelled with its name. */
static const LogField TREASURY_FIELDS[] = {
    LOG_FIELD("Total Balance: ", LOG_U64, TREASURY_TOTAL_BALANCE),
    LOG_FIELD("Rent Exempt Minimum: ", LOG_U64, TREASURY_RENT_EXEMPT_MINIMUM),
    LOG_FIELD("Total Withdrawn: ", LOG_U64, TREASURY_TOTAL_WITHDRAWN),
    LOG_FIELD("Pool Creation Count: ", LOG_U64, TREASURY_POOL_CREATION_COUNT),
    LOG_FIELD("Liquidity Operation Count: ", LOG_U64, TREASURY_LIQUIDITY_OPERATION_COUNT),
    LOG_FIELD("Regular Swap Count: ", LOG_U64, TREASURY_REGULAR_SWAP_COUNT),
    LOG_FIELD("Treasury Withdrawal Count: ", LOG_U64, TREASURY_WITHDRAWAL_COUNT),
    LOG_FIELD("Failed Operation Count: ", LOG_U64, TREASURY_FAILED_OPERATION_COUNT),
    LOG_FIELD("Total Pool Creation Fees: ", LOG_U64, TREASURY_TOTAL_POOL_CREATION_FEES),
    LOG_FIELD("Total Liquidity Fees: ", LOG_U64, TREASURY_TOTAL_LIQUIDITY_FEES),
    LOG_FIELD("Total Regular Swap Fees: ", LOG_U64, TREASURY_TOTAL_REGULAR_SWAP_FEES),
    LOG_FIELD("Total Swap Contract Fees: ", LOG_U64, TREASURY_TOTAL_SWAP_CONTRACT_FEES),
    LOG_FIELD("Last Update Timestamp: ", LOG_I64, TREASURY_LAST_UPDATE_TIMESTAMP),
    LOG_FIELD("Total Consolidations Performed: ", LOG_U64, TREASURY_TOTAL_CONSOLIDATIONS),
    LOG_FIELD("Last Withdrawal Timestamp: ", LOG_I64, TREASURY_LAST_WITHDRAWAL_TIMESTAMP),
    LOG_FIELD("Donation Count: ", LOG_U64, TREASURY_DONATION_COUNT),
    LOG_FIELD("Total Donations: ", LOG_U64, TREASURY_TOTAL_DONATIONS),
};

uint64_t process_get_treasury_info(const SolParameters *params) {
    if (params->ka_num < 1) {
        PANIC("GetTreasuryInfo: index out of bounds (the MainTreasury account is missing)");
    }
    const SolAccountInfo *treasury = &params->ka[0];
    if (!pubkey_eq(treasury->owner, params->program_id)) {
        return FAIL(ERR_INCORRECT_PROGRAM_ID, "Main treasury account not owned by program");
    }
    Pda treasury_pda;
    find_pda1(SEED(SEED_MAIN_TREASURY), params->program_id, &treasury_pda);
    if (!pubkey_eq(treasury->key, &treasury_pda.key)) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Invalid main treasury account");
    }
    /* A treasury that does not decode is read as MainTreasuryState::default(), every field 0 (section 3.3). */
    uint8_t fallback[TREASURY_LEN] = {0};
    const uint8_t *t = acc_data_len(treasury) == TREASURY_LEN ? treasury->data : fallback;
    LOG_VALUE("Main Treasury PDA: ", LOG_PUBKEY, treasury->key);
    LOG_NUMBER("Treasury SOL Balance: ", LOG_LAMPORTS, *treasury->lamports);
    log_fields(t, TREASURY_FIELDS, COUNT(TREASURY_FIELDS));
    return SUCCESS;
}

static void log_pool_consolidation(const SolAccountInfo *pool, uint64_t consolidatable, bool eligible) {
    LogLine line = {.len = 0};
    LOG_LIT(&line, "Pool ");
    log_pubkey(&line, pool->key);
    LOG_LIT(&line, ": Pending SOL Fees: ");
    log_u64(&line, pool_pending_sol_fees(pool->data));
    LOG_LIT(&line, " lamports, Consolidatable: ");
    log_u64(&line, consolidatable);
    if (eligible) {
        LOG_LIT(&line, " lamports, Eligible: true");
    } else {
        LOG_LIT(&line, " lamports, Eligible: false");
    }
    log_flush(&line);
}

/* What ConsolidatePoolFees would do with these pools outside a system pause: per pool its pending fees, what a
 * consolidation would move (pending fees above the rent of 440 bytes) and whether it would be taken (both pause
 * flags); then how many would be taken and how much would move. Without SystemState it cannot see a system
 * pause, under which every pool would be taken. */
uint64_t process_get_consolidation_status(const SolParameters *params, const uint8_t *data) {
    uint64_t count = data[0];
    if (params->ka_num < count) {
        PANIC("GetConsolidationStatus: index out of bounds (fewer accounts than pool_count)");
    }
    if (count == 0 || count > MAX_POOLS_PER_CONSOLIDATION) {
        return FAIL(ERR_INVALID_ARGUMENT, "pool_count must be 1 to 20");
    }
    for (uint64_t i = 0; i < count; i++) {
        const SolAccountInfo *pool;
        uint64_t err = view_pool(params, i, params->program_id, &pool);
        if (err != SUCCESS) {
            return err;
        }
    }
    uint64_t rent_min = consolidation_rent_minimum();
    uint64_t eligible_pools = 0, total = 0;
    LOG_NUMBER("Pool Count: ", LOG_U64, count);
    for (uint64_t i = 0; i < count; i++) {
        const SolAccountInfo *pool = &params->ka[i];
        bool eligible = pool_consolidation_eligible(pool->data, false);
        uint64_t consolidatable = pool_consolidatable(pool, rent_min);
        log_pool_consolidation(pool, consolidatable, eligible);
        if (eligible) {
            eligible_pools++;
            total = total + consolidatable < total ? ~0ULL : total + consolidatable;
        }
    }
    LOG_NUMBER("Eligible Pools: ", LOG_U64, eligible_pools);
    LOG_NUMBER("Total Consolidatable: ", LOG_LAMPORTS, total);
    return SUCCESS;
}

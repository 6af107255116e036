/* InitializePool (1): processors/pool.rs::process_pool_initialize and utils/validation.rs::get_ratio_type. */
#include "frt.h"
#include "log.h"
#include "token.h"
#include "u128.h"

#define TOKEN_IX_INITIALIZE_MINT 0
#define TOKEN_IX_INITIALIZE_ACCOUNT 1

typedef enum { RATIO_SIMPLE, RATIO_DECIMAL, RATIO_ENGINEERING } RatioType;

/* 10^n with u64 wrap-around, as `10_u64.pow(n)` in a release build without overflow checks. */
static uint64_t pow10_wrapping(uint8_t n) {
    uint64_t v = 1;
    for (uint8_t i = 0; i < n; i++) {
        v *= 10;
    }
    return v;
}

static uint64_t saturating_mul(uint64_t a, uint64_t b) {
    u128 p = mul_u64_u64(a, b);
    return p.hi != 0 ? ~0ULL : p.lo;
}

/* Legacy rescale of "display unit" inputs (r < f and not a multiple of f -> r * f), then: SimpleRatio when
 * one side is floor-exactly one display unit and both are whole, DecimalRatio when one side is one unit but
 * a side is fractional, EngineeringRatio otherwise (section 4.6). */
static RatioType ratio_type(uint64_t ratio, uint64_t other_ratio, uint8_t decimals, uint8_t other_decimals) {
    uint64_t ratios[2] = {ratio, other_ratio};
    uint8_t decs[2] = {decimals, other_decimals};
    bool whole = true, one = false;
    for (int i = 0; i < 2; i++) {
        uint64_t factor = pow10_wrapping(decs[i]);
        if (factor == 0) {
            PANIC("attempt to calculate the remainder with a divisor of zero");
        }
        uint64_t r = ratios[i];
        if (factor > 1 && r < factor && r % factor != 0) {
            r = saturating_mul(r, factor);
        }
        whole = whole && r % factor == 0;
        one = one || r / factor == 1;
    }
    if (!one) {
        return RATIO_ENGINEERING;
    }
    return whole ? RATIO_SIMPLE : RATIO_DECIMAL;
}

/* The pool's five PDAs. */
typedef struct {
    Pda pool;
    Pda vault_a;
    Pda vault_b;
    Pda lp_a;
    Pda lp_b;
} PoolPdas;

typedef struct {
    const SolParameters *params;
    const SolAccountInfo *mint_a; /* the account holding the byte-smaller mint */
    const SolAccountInfo *mint_b;
    uint64_t ratio_a;
    uint64_t ratio_b;
    uint8_t flags;
    Rent rent;
    PoolPdas pdas;
} PoolInit;

/* Fee, treasury PDA/writable checks and bookkeeping (validate_fee_payment, validate_treasury_account,
 * MainTreasuryState::add_pool_creation_fee + sync_balance_with_account). */
static uint64_t collect_registration_fee(const SolParameters *params) {
    const SolAccountInfo *payer = &params->ka[0];
    const SolAccountInfo *treasury = &params->ka[5];
    int64_t now = clock_unix_timestamp();
    if (*payer->lamports < REGISTRATION_FEE) {
        return FAIL(ERR_INSUFFICIENT_FEE_BALANCE, "Insufficient SOL for the pool registration fee");
    }
    Pda expected;
    find_pda1(SEED(SEED_MAIN_TREASURY), params->program_id, &expected);
    if (!pubkey_eq(treasury->key, &expected.key)) {
        return FAIL(ERR_TREASURY_VALIDATION_FAILED, "Main treasury PDA mismatch");
    }
    if (!treasury->is_writable) {
        return FAIL(ERR_FEE_VALIDATION_FAILED, "Treasury account is not writable");
    }
    SystemTransfer transfer = {payer, treasury, &params->ka[1], REGISTRATION_FEE};
    uint64_t err = cpi_system_transfer(&transfer);
    if (err != SUCCESS) {
        return err;
    }
    if (acc_data_len(treasury) != TREASURY_LEN) {
        return FAIL(ERR_BORSH_IO_ERROR, "MainTreasuryState cannot be decoded");
    }
    uint8_t *t = treasury->data;
    store_u64(t + TREASURY_POOL_CREATION_COUNT, load_u64(t + TREASURY_POOL_CREATION_COUNT) + 1);
    store_u64(t + TREASURY_TOTAL_POOL_CREATION_FEES,
              load_u64(t + TREASURY_TOTAL_POOL_CREATION_FEES) + REGISTRATION_FEE);
    store_u64(t + TREASURY_LAST_UPDATE_TIMESTAMP, (uint64_t)now);
    store_u64(t + TREASURY_TOTAL_BALANCE, *treasury->lamports);
    return SUCCESS;
}

/* Pool PDA (sorted mints, ratios as passed), then vaults and LP mints; each must be the account passed. */
static uint64_t check_pool_pdas(PoolInit *init) {
    const SolParameters *params = init->params;
    const SolPubkey *program_id = params->program_id;
    PoolSeeds seeds;
    pool_seeds(init->mint_a->key, init->mint_b->key, init->ratio_a, init->ratio_b, &seeds);
    PoolPdas *p = &init->pdas;
    find_pda(seeds.seeds, POOL_PDA_SEED_COUNT, program_id, &p->pool);
    const SolPubkey *pool = params->ka[3].key;
    if (!pubkey_eq(pool, &p->pool.key)) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Pool State PDA does not match expected derived PDA");
    }
    if (acc_data_len(&params->ka[3]) > 0) {
        return FAIL(ERR_ACCOUNT_ALREADY_INITIALIZED, "Pool already exists");
    }
    find_pda_of_pool(SEED(SEED_TOKEN_A_VAULT), pool, program_id, &p->vault_a);
    find_pda_of_pool(SEED(SEED_TOKEN_B_VAULT), pool, program_id, &p->vault_b);
    find_pda_of_pool(SEED(SEED_LP_TOKEN_A_MINT), pool, program_id, &p->lp_a);
    find_pda_of_pool(SEED(SEED_LP_TOKEN_B_MINT), pool, program_id, &p->lp_b);
    const Pda *expected[4] = {&p->vault_a, &p->vault_b, &p->lp_a, &p->lp_b};
    for (int i = 0; i < 4; i++) {
        if (!pubkey_eq(params->ka[9 + i].key, &expected[i]->key)) {
            return FAIL(ERR_INVALID_ACCOUNT_DATA, "Vault or LP mint PDA does not match expected derived PDA");
        }
    }
    return SUCCESS;
}

/* CreateAccount of one pool PDA, signed by its own seeds. */
typedef struct {
    const PoolInit *init;
    const SolAccountInfo *account;
    const SolSignerSeeds *signer;
    uint64_t space;
    const SolPubkey *owner;
} PdaAccount;

static uint64_t create_pda_account(const PdaAccount *a) {
    const SolParameters *params = a->init->params;
    CreateAccount create = {
        .payer = &params->ka[0],
        .account = a->account,
        .system_program = &params->ka[1],
        .lamports = rent_minimum_balance(&a->init->rent, a->space),
        .space = a->space,
        .owner = a->owner,
        .signer = a->signer,
    };
    return cpi_create_account(&create);
}

/* A vault or LP mint: ("seed", pool, bump). */
static uint64_t create_pool_child(const PoolInit *init, int index, const uint8_t *seed, uint64_t seed_len,
                                  uint64_t space) {
    const SolParameters *params = init->params;
    const Pda *pdas[4] = {&init->pdas.vault_a, &init->pdas.vault_b, &init->pdas.lp_a, &init->pdas.lp_b};
    SolSignerSeed seeds[3] = {{seed, seed_len}, {params->ka[3].key->x, PUBKEY_LEN},
                              {&pdas[index]->bump, 1}};
    SolSignerSeeds signer = {seeds, 3};
    PdaAccount child = {init, &params->ka[9 + index], &signer, space, &TOKEN_PROGRAM_ID};
    return create_pda_account(&child);
}

static uint64_t initialize_vault(const PoolInit *init, int index, const SolAccountInfo *mint) {
    const SolParameters *params = init->params;
    uint8_t data[1] = {TOKEN_IX_INITIALIZE_ACCOUNT};
    TokenCall call = {
        &params->ka[4],
        {&params->ka[9 + index], mint, &params->ka[3], &params->ka[6]},
        {true, false, false, false},
        {false, false, false, false},
        4,
        data,
        sizeof(data),
        NULL,
    };
    return cpi_token(&call);
}

static uint64_t initialize_lp_mint(const PoolInit *init, int index, uint8_t decimals) {
    const SolParameters *params = init->params;
    uint8_t data[35]; /* tag, decimals, mint authority, COption<freeze authority> = None */
    data[0] = TOKEN_IX_INITIALIZE_MINT;
    data[1] = decimals;
    memcpy(data + 2, params->ka[3].key, PUBKEY_LEN);
    data[34] = 0;
    TokenCall call = {
        &params->ka[4],
        {&params->ka[9 + index], &params->ka[6], NULL, NULL},
        {true, false, false, false},
        {false, false, false, false},
        2,
        data,
        sizeof(data),
        NULL,
    };
    return cpi_token(&call);
}

/* Pool state account, two vaults, two LP mints (LP decimals from accounts [7]/[8] as passed: quirk 8.2). */
static uint64_t create_pool_accounts(const PoolInit *init, uint8_t decimals7, uint8_t decimals8) {
    const SolParameters *params = init->params;
    PoolSeeds seeds;
    pool_seeds(init->mint_a->key, init->mint_b->key, init->ratio_a, init->ratio_b, &seeds);
    seeds.seeds[POOL_PDA_SEED_COUNT] = (SolSignerSeed){&init->pdas.pool.bump, 1};
    SolSignerSeeds pool_signer = {seeds.seeds, POOL_PDA_SEED_COUNT + 1};
    PdaAccount pool = {init, &params->ka[3], &pool_signer, POOL_STATE_LEN, params->program_id};
    uint64_t err = create_pda_account(&pool);
    if (err == SUCCESS) {
        err = create_pool_child(init, 0, SEED(SEED_TOKEN_A_VAULT), TOKEN_ACCOUNT_LEN);
    }
    if (err == SUCCESS) {
        err = initialize_vault(init, 0, init->mint_a);
    }
    if (err == SUCCESS) {
        err = create_pool_child(init, 1, SEED(SEED_TOKEN_B_VAULT), TOKEN_ACCOUNT_LEN);
    }
    if (err == SUCCESS) {
        err = initialize_vault(init, 1, init->mint_b);
    }
    if (err == SUCCESS) {
        err = create_pool_child(init, 2, SEED(SEED_LP_TOKEN_A_MINT), MINT_LEN);
    }
    if (err == SUCCESS) {
        err = initialize_lp_mint(init, 2, decimals7);
    }
    if (err == SUCCESS) {
        err = create_pool_child(init, 3, SEED(SEED_LP_TOKEN_B_MINT), MINT_LEN);
    }
    if (err == SUCCESS) {
        err = initialize_lp_mint(init, 3, decimals8);
    }
    return err;
}

static void write_pool_state(const PoolInit *init, RatioType type) {
    const SolParameters *params = init->params;
    const PoolPdas *p = &init->pdas;
    uint8_t *d = params->ka[3].data;
    memset(d, 0, POOL_STATE_LEN);
    memcpy(d + POOL_OWNER, params->ka[0].key, PUBKEY_LEN);
    memcpy(d + POOL_TOKEN_A_MINT, init->mint_a->key, PUBKEY_LEN);
    memcpy(d + POOL_TOKEN_B_MINT, init->mint_b->key, PUBKEY_LEN);
    memcpy(d + POOL_TOKEN_A_VAULT, &p->vault_a.key, PUBKEY_LEN);
    memcpy(d + POOL_TOKEN_B_VAULT, &p->vault_b.key, PUBKEY_LEN);
    memcpy(d + POOL_LP_TOKEN_A_MINT, &p->lp_a.key, PUBKEY_LEN);
    memcpy(d + POOL_LP_TOKEN_B_MINT, &p->lp_b.key, PUBKEY_LEN);
    store_u64(d + POOL_RATIO_A, init->ratio_a);
    store_u64(d + POOL_RATIO_B, init->ratio_b);
    d[POOL_BUMP] = p->pool.bump;
    d[POOL_VAULT_A_BUMP] = p->vault_a.bump;
    d[POOL_VAULT_B_BUMP] = p->vault_b.bump;
    d[POOL_LP_A_BUMP] = p->lp_a.bump;
    d[POOL_LP_B_BUMP] = p->lp_b.bump;
    d[POOL_FLAGS] = (type == RATIO_SIMPLE ? POOL_FLAG_SIMPLE_RATIO : 0) | (init->flags & POOL_CREATION_FLAGS_MASK);
    store_u64(d + POOL_CONTRACT_LIQUIDITY_FEE, DEPOSIT_WITHDRAWAL_FEE);
    store_u64(d + POOL_SWAP_CONTRACT_FEE, SWAP_CONTRACT_FEE);
}

static void log_pool_created(const PoolInit *init, RatioType type) {
    LogLine line = {.len = 0};
    LOG_LIT(&line, "\xf0\x9f\x8e\xaf POOL_ID: "); /* "🎯 " */
    log_pubkey(&line, init->params->ka[3].key);
    LOG_LIT(&line, " | Ratio: ");
    log_u64(&line, init->ratio_a);
    LOG_LIT(&line, ":");
    log_u64(&line, init->ratio_b);
    if (type == RATIO_SIMPLE) {
        LOG_LIT(&line, " | Type: Simple");
    } else {
        LOG_LIT(&line, " | Type: Decimal");
    }
    log_flush(&line);
}

static void log_pool_creation(uint8_t decimals7, uint8_t decimals8) {
    LogLine line = {.len = 0};
    LOG_LIT(&line, "\xf0\x9f\x8f\x8a POOL CREATION | TokenA decimals: "); /* "🏊 " */
    log_u64(&line, decimals7);
    LOG_LIT(&line, " | TokenB decimals: ");
    log_u64(&line, decimals8);
    LOG_LIT(&line, " | Registration: 1.15 SOL");
    log_flush(&line);
}

/* Checks up to the fee, in the normative order of section 2.3. */
static uint64_t validate_pool_request(PoolInit *init, uint8_t *decimals7, uint8_t *decimals8) {
    const SolParameters *params = init->params;
    const SolAccountInfo *mint7 = &params->ka[7];
    const SolAccountInfo *mint8 = &params->ka[8];
    if (!params->ka[0].is_signer) {
        return FAIL(ERR_MISSING_REQUIRED_SIGNATURES, "User authority must be a signer");
    }
    uint64_t err = check_system_not_paused(&params->ka[2], params->program_id);
    if (err == SUCCESS) {
        err = rent_from_account(&params->ka[6], &init->rent);
    }
    if (err == SUCCESS) {
        err = mint_decimals(mint7, decimals7);
    }
    if (err == SUCCESS) {
        err = mint_decimals(mint8, decimals8);
    }
    if (err != SUCCESS) {
        return err;
    }
    log_pool_creation(*decimals7, *decimals8);
    if (init->ratio_a == 0 || init->ratio_b == 0) {
        return FAIL(ERR_INVALID_ARGUMENT, "Ratio values cannot be zero");
    }
    if (pubkey_eq(mint7->key, mint8->key)) {
        return FAIL(ERR_INVALID_ARGUMENT, "Token A and token B mints must differ");
    }
    if (!pubkey_eq(mint7->owner, &TOKEN_PROGRAM_ID) || !pubkey_eq(mint8->owner, &TOKEN_PROGRAM_ID) ||
        !pubkey_eq(params->ka[4].key, &TOKEN_PROGRAM_ID)) {
        return FAIL(ERR_INCORRECT_PROGRAM_ID, "Mints and token program must be classic SPL Token");
    }
    return SUCCESS;
}

uint64_t process_initialize_pool(const SolParameters *params, const uint8_t *data) {
    PoolInit init;
    init.params = params;
    init.ratio_a = load_u64(data);
    init.ratio_b = load_u64(data + 8);
    init.flags = data[16];
    uint8_t decimals7, decimals8;
    uint64_t err = validate_pool_request(&init, &decimals7, &decimals8);
    if (err == SUCCESS) {
        err = collect_registration_fee(params);
    }
    if (err != SUCCESS) {
        return err;
    }
    bool seven_is_a = pubkey_lt(params->ka[7].key, params->ka[8].key);
    init.mint_a = seven_is_a ? &params->ka[7] : &params->ka[8];
    init.mint_b = seven_is_a ? &params->ka[8] : &params->ka[7];
    err = check_pool_pdas(&init);
    if (err == SUCCESS) {
        err = create_pool_accounts(&init, decimals7, decimals8);
    }
    if (err != SUCCESS) {
        return err;
    }
    uint8_t decimals_a = seven_is_a ? decimals7 : decimals8;
    uint8_t decimals_b = seven_is_a ? decimals8 : decimals7;
    RatioType type = ratio_type(init.ratio_a, init.ratio_b, decimals_a, decimals_b);
    if (type == RATIO_ENGINEERING) {
        return FAIL(ERR_UNSUPPORTED_RATIO_TYPE, "REJECTED: EngineeringRatio pools are not supported");
    }
    write_pool_state(&init, type);
    log_pool_created(&init, type);
    return SUCCESS;
}

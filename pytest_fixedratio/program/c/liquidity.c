/* Deposit (2) and Withdraw (3): processors/liquidity.rs. Single-sided, 1:1 LP, SOL fee to the pool PDA. */
#include "frt.h"
#include "log.h"
#include "token.h"

/* Accounts 7-10 of Deposit and Withdraw (0-6 are in frt.h). */
enum {
    ACC_USER_7 = 7, /* deposit: source token account; withdraw: LP token account */
    ACC_USER_8 = 8, /* deposit: LP token account; withdraw: destination token account */
    ACC_LP_MINT_A = 9,
    ACC_LP_MINT_B = 10,
};

/* Instruction fields (after the variant byte): mint, amount, pool_id. */
#define FIELD_MINT 0
#define FIELD_AMOUNT 32
#define FIELD_POOL_ID 40

/* The pool side an operation works on, with that side's accounts and state fields. */
typedef struct {
    bool is_a;
    const SolPubkey *mint;       /* pool.token_X_mint */
    const SolPubkey *vault_key;  /* pool.token_X_vault */
    const SolPubkey *lp_mint_key; /* pool.lp_token_X_mint */
    const SolAccountInfo *vault;
    const SolAccountInfo *lp_mint;
    uint8_t *total; /* pool.total_token_X_liquidity */
} Side;

/* Side of `mint` in the pool; false when the mint is neither A nor B. */
static bool side_of(const SolParameters *params, const SolPubkey *mint, Side *side) {
    uint8_t *d = params->ka[ACC_POOL].data;
    if (pubkey_eq(mint, (const SolPubkey *)(d + POOL_TOKEN_A_MINT))) {
        side->is_a = true;
    } else if (pubkey_eq(mint, (const SolPubkey *)(d + POOL_TOKEN_B_MINT))) {
        side->is_a = false;
    } else {
        return false;
    }
    bool a = side->is_a;
    side->mint = (const SolPubkey *)(d + (a ? POOL_TOKEN_A_MINT : POOL_TOKEN_B_MINT));
    side->vault_key = (const SolPubkey *)(d + (a ? POOL_TOKEN_A_VAULT : POOL_TOKEN_B_VAULT));
    side->lp_mint_key = (const SolPubkey *)(d + (a ? POOL_LP_TOKEN_A_MINT : POOL_LP_TOKEN_B_MINT));
    side->vault = &params->ka[a ? ACC_VAULT_A : ACC_VAULT_B];
    side->lp_mint = &params->ka[a ? ACC_LP_MINT_A : ACC_LP_MINT_B];
    side->total = d + (a ? POOL_TOTAL_A : POOL_TOTAL_B);
    return true;
}

/* The side's vault (key from the pool state, SPL-owned, owned by the pool PDA, right mint) and LP mint
 * (mint authority = pool PDA). */
static uint64_t check_side_accounts(const SolParameters *params, const Side *side) {
    const SolPubkey *pool = params->ka[ACC_POOL].key;
    if (!pubkey_eq(side->vault->key, side->vault_key)) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Vault does not match the pool state");
    }
    uint64_t err = validate_vault(side->vault, pool, side->mint);
    if (err != SUCCESS) {
        return err;
    }
    return validate_lp_mint_authority(side->lp_mint, pool);
}

static uint64_t common_prefix(const SolParameters *params, const uint8_t *data) {
    uint64_t err = load_pool_state(&params->ka[ACC_POOL], (const SolPubkey *)(data + FIELD_POOL_ID),
                                   params->program_id);
    if (err != SUCCESS) {
        return err;
    }
    if (params->ka[ACC_POOL].data[POOL_FLAGS] & POOL_FLAG_LIQUIDITY_PAUSED) {
        return FAIL(ERR_POOL_LIQUIDITY_PAUSED, "Pool liquidity operations are paused");
    }
    return SUCCESS;
}

static uint64_t collect_liquidity_fee(const SolParameters *params) {
    FeeCollection fee = {&params->ka[ACC_USER], &params->ka[ACC_POOL], &params->ka[ACC_SYSTEM_PROGRAM],
                         FEE_LIQUIDITY};
    return collect_pool_fee(&fee);
}

/* "<prefix><amount><middle><amount><suffix>": the success lines of Deposit and Withdraw. */
typedef struct {
    const char *prefix;
    const char *middle;
    const char *suffix;
} AmountLine;

static void log_amounts(const AmountLine *text, uint64_t amount) {
    LogLine line = {.len = 0};
    const char *parts[3] = {text->prefix, text->middle, text->suffix};
    for (int i = 0; i < 3; i++) {
        uint64_t len = 0;
        while (parts[i][len] != 0) {
            len++;
        }
        log_text(&line, parts[i], len);
        if (i < 2) {
            log_u64(&line, amount);
        }
    }
    log_flush(&line);
}

/* Everything Deposit checks before moving value. */
static uint64_t validate_deposit(const SolParameters *params, const uint8_t *data, Side *side) {
    const SolAccountInfo *user = &params->ka[ACC_USER];
    const SolAccountInfo *source = &params->ka[ACC_USER_7];
    const SolAccountInfo *lp_account = &params->ka[ACC_USER_8];
    const SolPubkey *mint = (const SolPubkey *)(data + FIELD_MINT);
    uint64_t amount = load_u64(data + FIELD_AMOUNT);
    uint64_t err = check_signer_and_pause(params);
    if (err != SUCCESS) {
        return err;
    }
    if (amount == 0) {
        return FAIL(ERR_INVALID_ARGUMENT, "Deposit amount cannot be zero");
    }
    err = common_prefix(params, data);
    if (err != SUCCESS) {
        return err;
    }
    if (!side_of(params, mint, side)) {
        return FAIL(ERR_INVALID_INSTRUCTION_DATA, "Invalid deposit token mint");
    }
    if (!pubkey_eq(side->lp_mint->key, side->lp_mint_key)) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "LP token mint PDA mismatch");
    }
    err = validate_user_token_account(source, user->key);
    if (err != SUCCESS) {
        return err;
    }
    if (!pubkey_eq(token_mint_of(source), mint)) {
        return FAIL(ERR_INVALID_INSTRUCTION_DATA, "Deposit mint does not match the source token account");
    }
    err = check_side_accounts(params, side);
    if (err != SUCCESS) {
        return err;
    }
    if (validate_user_token_account(lp_account, user->key) != SUCCESS) {
        return FAIL(ERR_MISSING_LP_ACCOUNT, "User LP token account missing or invalid: create it first");
    }
    if (!pubkey_eq(token_mint_of(lp_account), side->lp_mint_key)) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "User LP token account mint mismatch");
    }
    if (token_amount_of(source) < amount) {
        return FAIL(ERR_INSUFFICIENT_FUNDS, "Insufficient token balance for deposit");
    }
    return SUCCESS;
}

uint64_t process_deposit(const SolParameters *params, const uint8_t *data) {
    Side side;
    uint64_t err = validate_deposit(params, data, &side);
    if (err == SUCCESS) {
        err = collect_liquidity_fee(params);
    }
    if (err != SUCCESS) {
        return err;
    }
    uint64_t amount = load_u64(data + FIELD_AMOUNT);
    const SolAccountInfo *user = &params->ka[ACC_USER];
    const SolAccountInfo *lp_account = &params->ka[ACC_USER_8];
    const SolAccountInfo *token_program = &params->ka[ACC_TOKEN_PROGRAM];
    TokenTransfer in = {token_program, &params->ka[ACC_USER_7], side.vault, user, amount, NULL};
    err = cpi_token_transfer(&in);
    if (err != SUCCESS) {
        return err;
    }
    err = add_liquidity(side.total, amount);
    if (err != SUCCESS) {
        return err;
    }
    uint64_t lp_before = token_amount_of(lp_account);
    PoolSigner signer;
    pool_signer_from_state(params->ka[ACC_POOL].data, &signer);
    TokenTransfer mint = {token_program, side.lp_mint, lp_account, &params->ka[ACC_POOL], amount, &signer.signer};
    err = cpi_token_mint_to(&mint);
    if (err != SUCCESS) {
        return err;
    }
    if (token_amount_of(lp_account) - lp_before != amount) {
        return FAIL(ERR_STRICT_LP_MINT_VIOLATION, "LP tokens minted differ from the deposit");
    }
    AmountLine text = {"✅ DEPOSIT SUCCESS: ", " tokens → ", " LP tokens"};
    log_amounts(&text, amount);
    return SUCCESS;
}

/* Everything Withdraw checks before moving value. */
static uint64_t validate_withdraw(const SolParameters *params, const uint8_t *data, Side *side) {
    const SolAccountInfo *user = &params->ka[ACC_USER];
    const SolAccountInfo *lp_account = &params->ka[ACC_USER_7];
    const SolAccountInfo *destination = &params->ka[ACC_USER_8];
    const SolPubkey *mint = (const SolPubkey *)(data + FIELD_MINT);
    if (load_u64(data + FIELD_AMOUNT) == 0) {
        return FAIL(ERR_INVALID_ARGUMENT, "Withdraw amount cannot be zero");
    }
    uint64_t err = check_signer_and_pause(params);
    if (err == SUCCESS) {
        err = common_prefix(params, data);
    }
    if (err != SUCCESS) {
        return err;
    }
    const uint8_t *d = params->ka[ACC_POOL].data;
    if (!pubkey_eq(params->ka[ACC_LP_MINT_A].key, (const SolPubkey *)(d + POOL_LP_TOKEN_A_MINT)) ||
        !pubkey_eq(params->ka[ACC_LP_MINT_B].key, (const SolPubkey *)(d + POOL_LP_TOKEN_B_MINT))) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "LP token mint PDA mismatch");
    }
    err = validate_user_token_account(destination, user->key);
    if (err == SUCCESS) {
        err = validate_user_token_account(lp_account, user->key);
    }
    if (err != SUCCESS) {
        return err;
    }
    if (!pubkey_eq(token_mint_of(destination), mint)) {
        return FAIL(ERR_INVALID_INSTRUCTION_DATA, "Withdraw mint does not match the destination account");
    }
    if (!side_of(params, mint, side)) {
        return FAIL(ERR_INVALID_ARGUMENT, "Withdraw mint is not in the pool");
    }
    if (!pubkey_eq(token_mint_of(lp_account), side->lp_mint_key)) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "LP token account is not of the withdrawn side");
    }
    return check_side_accounts(params, side);
}

uint64_t process_withdraw(const SolParameters *params, const uint8_t *data) {
    Side side;
    uint64_t err = validate_withdraw(params, data, &side);
    if (err == SUCCESS) {
        err = collect_liquidity_fee(params);
    }
    if (err != SUCCESS) {
        return err;
    }
    uint64_t amount = load_u64(data + FIELD_AMOUNT);
    const SolAccountInfo *token_program = &params->ka[ACC_TOKEN_PROGRAM];
    TokenTransfer burn = {token_program, &params->ka[ACC_USER_7], side.lp_mint, &params->ka[ACC_USER], amount,
                          NULL};
    err = cpi_token_burn(&burn);
    if (err != SUCCESS) {
        return err;
    }
    PoolSigner signer;
    pool_signer_from_state(params->ka[ACC_POOL].data, &signer);
    TokenTransfer out = {token_program, side.vault, &params->ka[ACC_USER_8], &params->ka[ACC_POOL], amount,
                         &signer.signer};
    err = cpi_token_transfer(&out);
    if (err != SUCCESS) {
        return err;
    }
    uint64_t total = load_u64(side.total);
    if (total < amount) {
        return FAIL(ERR_ARITHMETIC_OVERFLOW, "Tracked liquidity below the withdrawn amount");
    }
    store_u64(side.total, total - amount);
    AmountLine text = {"✅ WITHDRAW SUCCESS: ", " LP tokens → ", " tokens"};
    log_amounts(&text, amount);
    return SUCCESS;
}

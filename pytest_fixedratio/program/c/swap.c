/* Swap (4): processors/swap.rs::process_swap_execute. Fixed-ratio output, exact expected amount. */
#include "frt.h"
#include "log.h"
#include "token.h"
#include "u128.h"

/* Accounts 7-10 of Swap (0-6 are in frt.h). */
enum {
    ACC_USER_INPUT = 7,
    ACC_USER_OUTPUT = 8,
    ACC_INPUT_MINT = 9,
    ACC_OUTPUT_MINT = 10,
};

/* Instruction fields after the variant byte. The input mint field (offset 0) is ignored: quirk 8.8. */
#define FIELD_AMOUNT_IN 32
#define FIELD_EXPECTED_OUT 40
#define FIELD_POOL_ID 48

typedef struct {
    bool a_to_b;
    const SolPubkey *out_mint;
    const SolAccountInfo *vault_in;
    const SolAccountInfo *vault_out;
    uint8_t *total_in;
    uint8_t *total_out;
    uint64_t amount_out;
} SwapPlan;

/* out = floor(x * r_out / r_in) in 128 bits (section 4.2): 1019 if it exceeds u64, 1047 if the pool
 * requires exact exchange and there is a remainder, InvalidArgument if it floors to zero. */
static uint64_t swap_output(const uint8_t *pool, bool a_to_b, uint64_t amount_in, uint64_t *out) {
    uint64_t ratio_a = load_u64(pool + POOL_RATIO_A);
    uint64_t ratio_b = load_u64(pool + POOL_RATIO_B);
    uint64_t r_in = a_to_b ? ratio_a : ratio_b;
    uint64_t r_out = a_to_b ? ratio_b : ratio_a;
    DivResult q = div_u128_u64(mul_u64_u64(amount_in, r_out), r_in);
    if (q.overflow) {
        return FAIL(ERR_POOL_ARITHMETIC_OVERFLOW, "Swap output exceeds u64");
    }
    if ((pool[POOL_FLAGS] & POOL_FLAG_EXACT_EXCHANGE_REQUIRED) && q.remainder != 0) {
        return FAIL(ERR_AMOUNT_MISMATCH, "Exact exchange required: input leaves a remainder");
    }
    if (q.quotient == 0) {
        return FAIL(ERR_INVALID_ARGUMENT, "Swap output would be zero");
    }
    *out = q.quotient;
    return SUCCESS;
}

/* Pool gates, user token accounts, direction and vaults. */
static uint64_t validate_accounts(const SolParameters *params, SwapPlan *plan) {
    const SolAccountInfo *user = &params->ka[ACC_USER];
    const SolAccountInfo *input = &params->ka[ACC_USER_INPUT];
    const SolAccountInfo *output = &params->ka[ACC_USER_OUTPUT];
    uint8_t *d = params->ka[ACC_POOL].data;
    if (d[POOL_FLAGS] & POOL_FLAG_SWAPS_PAUSED) {
        return FAIL(ERR_POOL_SWAPS_PAUSED, "Pool swaps are paused");
    }
    if ((d[POOL_FLAGS] & POOL_FLAG_SWAP_FOR_OWNERS_ONLY) &&
        !pubkey_eq(user->key, (const SolPubkey *)(d + POOL_OWNER))) {
        return FAIL(ERR_SWAP_ACCESS_RESTRICTED, "Swaps restricted to the pool owner");
    }
    uint64_t err = validate_user_token_account(input, user->key);
    if (err == SUCCESS) {
        err = validate_user_token_account(output, user->key);
    }
    if (err != SUCCESS) {
        return err;
    }
    const SolPubkey *mint_a = (const SolPubkey *)(d + POOL_TOKEN_A_MINT);
    const SolPubkey *mint_b = (const SolPubkey *)(d + POOL_TOKEN_B_MINT);
    if (pubkey_eq(token_mint_of(input), mint_a)) {
        plan->a_to_b = true;
    } else if (pubkey_eq(token_mint_of(input), mint_b)) {
        plan->a_to_b = false;
    } else {
        return FAIL(ERR_INVALID_ARGUMENT, "Input token mint is not in the pool");
    }
    const SolAccountInfo *vault_a = &params->ka[ACC_VAULT_A];
    const SolAccountInfo *vault_b = &params->ka[ACC_VAULT_B];
    if (!pubkey_eq(vault_a->key, (const SolPubkey *)(d + POOL_TOKEN_A_VAULT)) ||
        !pubkey_eq(vault_b->key, (const SolPubkey *)(d + POOL_TOKEN_B_VAULT))) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Invalid pool vault accounts");
    }
    const SolPubkey *pool = params->ka[ACC_POOL].key;
    err = validate_vault(vault_a, pool, mint_a);
    if (err == SUCCESS) {
        err = validate_vault(vault_b, pool, mint_b);
    }
    if (err != SUCCESS) {
        return err;
    }
    bool a_to_b = plan->a_to_b;
    plan->out_mint = a_to_b ? mint_b : mint_a;
    plan->vault_in = a_to_b ? vault_a : vault_b;
    plan->vault_out = a_to_b ? vault_b : vault_a;
    plan->total_in = d + (a_to_b ? POOL_TOTAL_A : POOL_TOTAL_B);
    plan->total_out = d + (a_to_b ? POOL_TOTAL_B : POOL_TOTAL_A);
    return SUCCESS;
}

/* Everything Swap checks before moving value, in the order of section 2.3. */
static uint64_t validate_swap(const SolParameters *params, const uint8_t *data, SwapPlan *plan) {
    const SolAccountInfo *input = &params->ka[ACC_USER_INPUT];
    const SolAccountInfo *output = &params->ka[ACC_USER_OUTPUT];
    uint64_t amount_in = load_u64(data + FIELD_AMOUNT_IN);
    if (amount_in == 0) {
        return FAIL(ERR_INVALID_ARGUMENT, "Swap amount cannot be zero");
    }
    uint64_t err = check_signer_and_pause(params);
    if (err == SUCCESS) {
        err = load_pool_state(&params->ka[ACC_POOL], (const SolPubkey *)(data + FIELD_POOL_ID),
                              params->program_id);
    }
    if (err == SUCCESS) {
        err = validate_accounts(params, plan);
    }
    if (err != SUCCESS) {
        return err;
    }
    if (!pubkey_eq(token_mint_of(output), plan->out_mint)) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "User output token account mint mismatch");
    }
    if (token_amount_of(input) < amount_in) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Insufficient balance in the user input token account");
    }
    if (!pubkey_eq(params->ka[ACC_TOKEN_PROGRAM].key, &TOKEN_PROGRAM_ID)) {
        return FAIL(ERR_INCORRECT_PROGRAM_ID, "Invalid SPL Token Program ID");
    }
    if (!pubkey_eq(params->ka[ACC_INPUT_MINT].key, token_mint_of(input)) ||
        !pubkey_eq(params->ka[ACC_OUTPUT_MINT].key, token_mint_of(output))) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Mint accounts do not match the user token accounts");
    }
    const uint8_t *pool = params->ka[ACC_POOL].data;
    err = swap_output(pool, plan->a_to_b, amount_in, &plan->amount_out);
    if (err != SUCCESS) {
        return err;
    }
    if (plan->amount_out != load_u64(data + FIELD_EXPECTED_OUT)) {
        return FAIL(ERR_AMOUNT_MISMATCH, "Swap output differs from expected_amount_out");
    }
    if (plan->amount_out > load_u64(plan->total_out)) {
        return FAIL(ERR_INSUFFICIENT_FUNDS, "Insufficient pool liquidity for the swap output");
    }
    return SUCCESS;
}

static void log_summary(uint64_t amount_in, uint64_t amount_out, uint64_t fee) {
    LogLine line = {.len = 0};
    LOG_LIT(&line, "📈 SUMMARY: ");
    log_u64(&line, amount_in);
    LOG_LIT(&line, " → ");
    log_u64(&line, amount_out);
    LOG_LIT(&line, " tokens, Fee: ");
    log_u64(&line, fee);
    LOG_LIT(&line, " lamports");
    log_flush(&line);
}

uint64_t process_swap(const SolParameters *params, const uint8_t *data) {
    SwapPlan plan;
    uint64_t err = validate_swap(params, data, &plan);
    if (err != SUCCESS) {
        return err;
    }
    const SolAccountInfo *pool = &params->ka[ACC_POOL];
    uint64_t fee = load_u64(pool->data + POOL_SWAP_CONTRACT_FEE);
    FeeCollection collection = {&params->ka[ACC_USER], pool, &params->ka[ACC_SYSTEM_PROGRAM], FEE_SWAP};
    err = collect_pool_fee(&collection);
    if (err != SUCCESS) {
        return err;
    }
    uint64_t amount_in = load_u64(data + FIELD_AMOUNT_IN);
    const SolAccountInfo *token_program = &params->ka[ACC_TOKEN_PROGRAM];
    TokenTransfer in = {token_program, &params->ka[ACC_USER_INPUT], plan.vault_in, &params->ka[ACC_USER],
                        amount_in, NULL};
    err = cpi_token_transfer(&in);
    if (err != SUCCESS) {
        return err;
    }
    PoolSigner signer;
    pool_signer_from_state(pool->data, &signer);
    TokenTransfer out = {token_program, plan.vault_out, &params->ka[ACC_USER_OUTPUT], pool, plan.amount_out,
                         &signer.signer};
    err = cpi_token_transfer(&out);
    if (err != SUCCESS) {
        return err;
    }
    err = add_liquidity(plan.total_in, amount_in);
    if (err != SUCCESS) {
        return err;
    }
    store_u64(plan.total_out, load_u64(plan.total_out) - plan.amount_out);
    log_summary(amount_in, plan.amount_out, fee);
    return SUCCESS;
}

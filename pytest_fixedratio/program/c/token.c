/* SPL Token checks and the System / SPL Token CPIs. */
#include "token.h"

#define TOKEN_IX_TRANSFER 3
#define TOKEN_IX_MINT_TO 7
#define TOKEN_IX_BURN 8
#define SYSTEM_IX_CREATE_ACCOUNT 0
#define SYSTEM_IX_TRANSFER 2

/* COption<T> in SPL layouts: a u32 tag 0 (None) or 1 (Some). */
INLINE bool coption_tag_valid(const uint8_t *tag) {
    return load_u32(tag) <= 1;
}

uint64_t token_account_check_layout(const SolAccountInfo *account) {
    const uint8_t *d = account->data;
    if (acc_data_len(account) < TOKEN_ACCOUNT_LEN) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Token account data too short");
    }
    if (!coption_tag_valid(d + TOKEN_ACCOUNT_DELEGATE_TAG) || d[TOKEN_ACCOUNT_STATE] > TOKEN_STATE_FROZEN ||
        !coption_tag_valid(d + TOKEN_ACCOUNT_IS_NATIVE_TAG) ||
        !coption_tag_valid(d + TOKEN_ACCOUNT_CLOSE_AUTHORITY_TAG)) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Token account data cannot be unpacked");
    }
    return SUCCESS;
}

uint64_t validate_user_token_account(const SolAccountInfo *account, const SolPubkey *user) {
    if (acc_data_len(account) == 0) {
        return FAIL(ERR_UNINITIALIZED_ACCOUNT, "User token account has no data");
    }
    if (!pubkey_eq(account->owner, &TOKEN_PROGRAM_ID)) {
        return FAIL(ERR_INCORRECT_PROGRAM_ID, "User token account not owned by SPL Token");
    }
    uint64_t err = token_account_check_layout(account);
    if (err != SUCCESS) {
        return err;
    }
    const uint8_t *d = account->data;
    if (!pubkey_eq(token_owner_of(account), user)) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "User token account owner mismatch");
    }
    if (load_u32(d + TOKEN_ACCOUNT_DELEGATE_TAG) == 1 && load_u64(d + TOKEN_ACCOUNT_DELEGATED_AMOUNT) > 0) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "User token account has an active delegate");
    }
    if (d[TOKEN_ACCOUNT_STATE] == TOKEN_STATE_FROZEN) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "User token account is frozen");
    }
    return SUCCESS;
}

uint64_t validate_vault(const SolAccountInfo *vault, const SolPubkey *pool, const SolPubkey *mint) {
    if (!pubkey_eq(vault->owner, &TOKEN_PROGRAM_ID)) {
        return FAIL(ERR_INCORRECT_PROGRAM_ID, "Vault not owned by SPL Token");
    }
    uint64_t err = token_account_check_layout(vault);
    if (err != SUCCESS) {
        return err;
    }
    if (!pubkey_eq(token_owner_of(vault), pool)) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Invalid vault owner");
    }
    if (!pubkey_eq(token_mint_of(vault), mint)) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Vault mint mismatch");
    }
    return SUCCESS;
}

/* Mint::unpack_from_slice: both COption tags and is_initialized must decode. */
static uint64_t mint_check_layout(const SolAccountInfo *mint) {
    const uint8_t *d = mint->data;
    if (acc_data_len(mint) < MINT_LEN) {
        PANIC("mint data shorter than 82 bytes");
    }
    if (!coption_tag_valid(d + MINT_AUTHORITY_TAG) || d[MINT_IS_INITIALIZED] > 1 ||
        !coption_tag_valid(d + MINT_FREEZE_AUTHORITY_TAG)) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Mint data cannot be unpacked");
    }
    return SUCCESS;
}

uint64_t validate_lp_mint_authority(const SolAccountInfo *mint, const SolPubkey *pool) {
    if (!pubkey_eq(mint->owner, &TOKEN_PROGRAM_ID)) {
        return FAIL(ERR_INCORRECT_PROGRAM_ID, "LP mint not owned by SPL Token");
    }
    uint64_t err = mint_check_layout(mint);
    if (err != SUCCESS) {
        return err;
    }
    if (load_u32(mint->data + MINT_AUTHORITY_TAG) != 1 ||
        !pubkey_eq((const SolPubkey *)(mint->data + MINT_AUTHORITY), pool)) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Invalid LP mint authority");
    }
    return SUCCESS;
}

uint64_t mint_decimals(const SolAccountInfo *mint, uint8_t *decimals) {
    uint64_t err = mint_check_layout(mint);
    if (err != SUCCESS) {
        return err;
    }
    *decimals = mint->data[MINT_DECIMALS];
    return SUCCESS;
}

/* Copies the referenced accounts into one contiguous array, as sol_invoke_signed_c wants them. Each
 * data_len is refreshed from the serialized length: an earlier CPI (CreateAccount) may have resized the
 * account, and a stale length would read to the runtime as this program resizing an account it does not own. */
static uint64_t invoke(const SolInstruction *ix, const SolAccountInfo *const *accounts, uint64_t count,
                       const SolSignerSeeds *signer) {
    SolAccountInfo infos[4];
    for (uint64_t i = 0; i < count; i++) {
        infos[i] = *accounts[i];
        infos[i].data_len = acc_data_len(accounts[i]);
    }
    return sol_invoke_signed_c(ix, infos, count, signer, signer != NULL ? 1 : 0);
}

uint64_t cpi_create_account(const CreateAccount *args) {
    uint8_t data[52]; /* u32 variant, lamports, space, owner */
    data[0] = SYSTEM_IX_CREATE_ACCOUNT;
    data[1] = data[2] = data[3] = 0;
    store_u64(data + 4, args->lamports);
    store_u64(data + 12, args->space);
    memcpy(data + 20, args->owner, PUBKEY_LEN);
    SolAccountMeta metas[2] = {{args->payer->key, true, true}, {args->account->key, true, true}};
    SolInstruction ix = {&SYSTEM_PROGRAM_ID, metas, 2, data, sizeof(data)};
    const SolAccountInfo *accounts[3] = {args->payer, args->account, args->system_program};
    return invoke(&ix, accounts, 3, args->signer);
}

uint64_t cpi_system_transfer(const SystemTransfer *args) {
    uint8_t data[12];
    data[0] = SYSTEM_IX_TRANSFER;
    data[1] = data[2] = data[3] = 0;
    store_u64(data + 4, args->lamports);
    SolAccountMeta metas[2] = {{args->from->key, true, true}, {args->to->key, true, false}};
    SolInstruction ix = {&SYSTEM_PROGRAM_ID, metas, 2, data, sizeof(data)};
    const SolAccountInfo *accounts[3] = {args->from, args->to, args->system_program};
    return invoke(&ix, accounts, 3, NULL);
}

uint64_t cpi_token(const TokenCall *call) {
    if (!pubkey_eq(call->token_program->key, &TOKEN_PROGRAM_ID)) {
        return FAIL(ERR_INCORRECT_PROGRAM_ID, "Not the SPL Token program");
    }
    SolAccountMeta metas[4];
    for (uint64_t i = 0; i < call->account_count; i++) {
        metas[i].pubkey = call->accounts[i]->key;
        metas[i].is_writable = call->writable[i];
        metas[i].is_signer = call->signer[i];
    }
    SolInstruction ix = {call->token_program->key, metas, call->account_count, call->data, call->data_len};
    return invoke(&ix, call->accounts, call->account_count, call->signer_seeds);
}

/* Transfer, MintTo and Burn share one shape: [tag, amount u64] over (writable, writable, signer). */
static uint64_t token_amount_call(const TokenTransfer *args, uint8_t tag) {
    uint8_t data[9];
    data[0] = tag;
    store_u64(data + 1, args->amount);
    TokenCall call = {
        args->token_program,
        {args->source, args->destination, args->authority, NULL},
        {true, true, false, false},
        {false, false, true, false},
        3,
        data,
        sizeof(data),
        args->signer_seeds,
    };
    return cpi_token(&call);
}

uint64_t cpi_token_transfer(const TokenTransfer *args) {
    return token_amount_call(args, TOKEN_IX_TRANSFER);
}

uint64_t cpi_token_mint_to(const TokenTransfer *args) {
    return token_amount_call(args, TOKEN_IX_MINT_TO);
}

uint64_t cpi_token_burn(const TokenTransfer *args) {
    return token_amount_call(args, TOKEN_IX_BURN);
}

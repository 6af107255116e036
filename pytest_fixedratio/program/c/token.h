/*
 * SPL Token account/mint checks (spl-token 3.5 unpack rules) and the CPIs FRT makes into the System and
 * SPL Token programs.
 */
#ifndef FRT_TOKEN_H
#define FRT_TOKEN_H

#include "frt.h"

/* TokenAccount::unpack_from_slice: COption tags must be 0 or 1 and the state 0..2, else InvalidAccountData.
 * (Upstream panics on a short buffer; this returns InvalidAccountData instead, see README.) */
uint64_t token_account_check_layout(const SolAccountInfo *account);

/* The user-side checks of Deposit/Withdraw/Swap: has data (UninitializedAccount), owned by SPL Token
 * (IncorrectProgramId), decodable, owned by `user`, no active delegation, not frozen (InvalidAccountData). */
uint64_t validate_user_token_account(const SolAccountInfo *account, const SolPubkey *user);

/* A pool vault: owned by SPL Token (IncorrectProgramId), decodable, token owner = pool PDA and the expected
 * mint (InvalidAccountData). */
uint64_t validate_vault(const SolAccountInfo *vault, const SolPubkey *pool, const SolPubkey *mint);

/* validate_lp_mint_authority: owned by SPL Token (IncorrectProgramId), decodable with mint authority
 * Some(pool) (InvalidAccountData). */
uint64_t validate_lp_mint_authority(const SolAccountInfo *mint, const SolPubkey *pool);

/* Mint::unpack_from_slice: decimals of a mint (short data panics as upstream does). */
uint64_t mint_decimals(const SolAccountInfo *mint, uint8_t *decimals);

INLINE const SolPubkey *token_mint_of(const SolAccountInfo *account) {
    return (const SolPubkey *)(account->data + TOKEN_ACCOUNT_MINT);
}

INLINE const SolPubkey *token_owner_of(const SolAccountInfo *account) {
    return (const SolPubkey *)(account->data + TOKEN_ACCOUNT_OWNER);
}

INLINE uint64_t token_amount_of(const SolAccountInfo *account) {
    return load_u64(account->data + TOKEN_ACCOUNT_AMOUNT);
}

/* CPIs. `signer` may be NULL (no PDA signature needed). */
typedef struct {
    const SolAccountInfo *payer;
    const SolAccountInfo *account;
    const SolAccountInfo *system_program;
    uint64_t lamports;
    uint64_t space;
    const SolPubkey *owner;
    const SolSignerSeeds *signer; /* seeds of the new account (a PDA) */
} CreateAccount;
uint64_t cpi_create_account(const CreateAccount *args);

typedef struct {
    const SolAccountInfo *from;
    const SolAccountInfo *to;
    const SolAccountInfo *system_program;
    uint64_t lamports;
} SystemTransfer;
uint64_t cpi_system_transfer(const SystemTransfer *args);

/* One SPL Token instruction with up to four accounts. token_program is checked the way
 * spl_token::instruction builders do (IncorrectProgramId unless it is the SPL Token program). */
typedef struct {
    const SolAccountInfo *token_program;
    const SolAccountInfo *accounts[4];
    bool writable[4];
    bool signer[4];
    uint64_t account_count;
    const uint8_t *data;
    uint64_t data_len;
    const SolSignerSeeds *signer_seeds; /* NULL when no PDA signs */
} TokenCall;
uint64_t cpi_token(const TokenCall *call);

typedef struct {
    const SolAccountInfo *token_program;
    const SolAccountInfo *source;
    const SolAccountInfo *destination;
    const SolAccountInfo *authority;
    uint64_t amount;
    const SolSignerSeeds *signer_seeds;
} TokenTransfer;
uint64_t cpi_token_transfer(const TokenTransfer *args);
/* MintTo (mint = source, account = destination) and Burn (account = source, mint = destination). */
uint64_t cpi_token_mint_to(const TokenTransfer *args);
uint64_t cpi_token_burn(const TokenTransfer *args);

#endif

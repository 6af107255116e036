/* InitializeProgram (0) and GetVersion (14): processors/system.rs, utils/program_authority.rs. */
#include "frt.h"
#include "log.h"
#include "token.h"

#define PROGRAM_DATA_TAG 3 /* UpgradeableLoaderState::ProgramData, bincode u32 */
#define PROGRAM_DATA_AUTHORITY_TAG 12 /* after the u32 tag and the u64 slot */
#define PROGRAM_DATA_AUTHORITY 13

/* validate_program_upgrade_authority, quirk included (README, "admin-check bypass"): a "program data"
 * account not owned by the upgradeable loader accepts any signer. Otherwise the account must be the
 * program's ProgramData PDA and its upgrade authority (bincode Option<Pubkey>) must be the signer. */
uint64_t validate_upgrade_authority(const SolPubkey *program_id, const SolAccountInfo *program_data,
                                    const SolAccountInfo *authority) {
    if (!pubkey_eq(program_data->owner, &BPF_LOADER_UPGRADEABLE_ID)) {
        if (!authority->is_signer) {
            return FAIL(ERR_MISSING_REQUIRED_SIGNATURES, "Program authority must be a signer");
        }
        MSG("\xe2\x9a\xa0\xef\xb8\x8f  Program data account not owned by upgradeable loader");
        return SUCCESS;
    }
    Pda expected;
    SolSignerSeed seeds[1] = {{program_id->x, PUBKEY_LEN}};
    find_pda(seeds, 1, &BPF_LOADER_UPGRADEABLE_ID, &expected);
    if (!pubkey_eq(program_data->key, &expected.key)) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Invalid program data account provided");
    }
    const uint8_t *d = program_data->data;
    uint64_t len = acc_data_len(program_data);
    if (len < PROGRAM_DATA_AUTHORITY || load_u32(d) != PROGRAM_DATA_TAG) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Invalid program data state");
    }
    uint8_t tag = d[PROGRAM_DATA_AUTHORITY_TAG];
    if (tag > 1 || (tag == 1 && len < PROGRAM_DATA_AUTHORITY + PUBKEY_LEN)) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Invalid program data state");
    }
    if (tag == 0) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Program has no upgrade authority");
    }
    if (!pubkey_eq(authority->key, (const SolPubkey *)(d + PROGRAM_DATA_AUTHORITY))) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "UNAUTHORIZED: not the program upgrade authority");
    }
    if (!authority->is_signer) {
        return FAIL(ERR_MISSING_REQUIRED_SIGNATURES, "Program upgrade authority must be a signer");
    }
    return SUCCESS;
}

/* Creates a program-owned PDA account of `space` bytes paid by `payer`, signed by its own seed and bump. */
typedef struct {
    const SolParameters *params;
    const SolAccountInfo *payer;
    const SolAccountInfo *account;
    const Rent *rent;
    const uint8_t *seed;
    uint64_t seed_len;
    uint8_t bump;
    uint64_t space;
} SingletonAccount;

static uint64_t create_singleton(const SingletonAccount *s) {
    uint8_t bump[1] = {s->bump};
    SolSignerSeed seeds[2] = {{s->seed, s->seed_len}, {bump, 1}};
    SolSignerSeeds signer = {seeds, 2};
    CreateAccount create = {
        .payer = s->payer,
        .account = s->account,
        .system_program = &s->params->ka[1],
        .lamports = rent_minimum_balance(s->rent, s->space),
        .space = s->space,
        .owner = s->params->program_id,
        .signer = &signer,
    };
    return cpi_create_account(&create);
}

uint64_t process_initialize_program(const SolParameters *params, const uint8_t *data) {
    const SolAccountInfo *payer = &params->ka[0];
    const SolAccountInfo *system_state = &params->ka[3];
    const SolAccountInfo *treasury = &params->ka[4];
    const SolPubkey *program_id = params->program_id;
    MSG("\xf0\x9f\x9a\x80 INITIALIZING PROGRAM: Creating system infrastructure");
    Rent rent;
    uint64_t err = rent_from_account(&params->ka[2], &rent);
    if (err != SUCCESS) {
        return err;
    }
    err = validate_upgrade_authority(program_id, &params->ka[5], payer);
    if (err != SUCCESS) {
        return err;
    }
    Pda state_pda, treasury_pda;
    find_pda1(SEED(SEED_SYSTEM_STATE), program_id, &state_pda);
    if (!pubkey_eq(system_state->key, &state_pda.key)) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "System State PDA does not match expected derived PDA");
    }
    if (acc_data_len(system_state) > 0) {
        return FAIL(ERR_ACCOUNT_ALREADY_INITIALIZED, "Program already initialized (SystemState exists)");
    }
    find_pda1(SEED(SEED_MAIN_TREASURY), program_id, &treasury_pda);
    if (!pubkey_eq(treasury->key, &treasury_pda.key)) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Main Treasury PDA does not match expected derived PDA");
    }
    SingletonAccount state_account = {
        params, payer, system_state, &rent, SEED(SEED_SYSTEM_STATE), state_pda.bump, SYSTEM_STATE_LEN,
    };
    err = create_singleton(&state_account);
    if (err != SUCCESS) {
        return err;
    }
    /* SystemState::new(admin) with pending_admin = Some(admin) and admin_change_timestamp = now. */
    uint8_t *s = system_state->data;
    memset(s, 0, SYSTEM_STATE_LEN);
    memcpy(s + SYSTEM_ADMIN, data, PUBKEY_LEN);
    s[SYSTEM_PENDING_TAG] = 1;
    memcpy(s + SYSTEM_PENDING_ADMIN, data, PUBKEY_LEN);
    store_u64(s + SYSTEM_PENDING_ADMIN + PUBKEY_LEN, (uint64_t)clock_unix_timestamp());
    SingletonAccount treasury_account = {
        params, payer, treasury, &rent, SEED(SEED_MAIN_TREASURY), treasury_pda.bump, TREASURY_LEN,
    };
    err = create_singleton(&treasury_account);
    if (err != SUCCESS) {
        return err;
    }
    memset(treasury->data, 0, TREASURY_LEN); /* MainTreasuryState::new(): every field 0 */
    MSG("\xe2\x9c\x85 PROGRAM INITIALIZED SUCCESSFULLY");
    return SUCCESS;
}

uint64_t process_get_version(void) {
    MSG("=== SMART CONTRACT VERSION ===");
    MSG("Contract Name: " CONTRACT_NAME);
    MSG("Contract Version: " CONTRACT_VERSION);
    MSG("Contract Description: Fixed Ratio Trading Smart Contract for Solana");
    MSG("Schema Version: v2");
    MSG("Solana Program: Yes");
    MSG("License: Apache-2.0");
    MSG("Program ID: 4aeVqtWhrUh6wpX8acNj2hpWXKEQwxjA3PYb2sHhNyCn");
    MSG("===============================");
    return SUCCESS;
}

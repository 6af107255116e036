/*
 * Entrypoint and instruction decoding (src/lib.rs::process_instruction).
 *
 * The instruction is a Borsh enum decoded with try_from_slice: empty data is InvalidInstructionData (the
 * explicit size check comes first), an unknown variant, a short buffer, trailing bytes, a bool that is not
 * 0/1 or a String that is not UTF-8 are BorshIoError. Every variant of v0.17.1070 has a processor.
 */
#include "frt.h"
#include "log.h"

enum {
    IX_INITIALIZE_PROGRAM = 0,
    IX_INITIALIZE_POOL = 1,
    IX_DEPOSIT = 2,
    IX_WITHDRAW = 3,
    IX_SWAP = 4,
    IX_GET_POOL_STATE_PDA = 5,
    IX_GET_TOKEN_VAULT_PDAS = 6,
    IX_GET_POOL_INFO = 7,
    IX_GET_POOL_PAUSE_STATUS = 8,
    IX_GET_LIQUIDITY_INFO = 9,
    IX_GET_FEE_INFO = 10,
    IX_GET_POOL_SOL_BALANCE = 11,
    IX_PAUSE_SYSTEM = 12,
    IX_UNPAUSE_SYSTEM = 13,
    IX_WITHDRAW_TREASURY_FEES = 15,
    IX_GET_TREASURY_INFO = 16,
    IX_CONSOLIDATE_POOL_FEES = 17,
    IX_GET_CONSOLIDATION_STATUS = 18,
    IX_PAUSE_POOL = 19,
    IX_UNPAUSE_POOL = 20,
    IX_SET_SWAP_OWNER_ONLY = 21,
    IX_UPDATE_POOL_FEES = 22,
    IX_DONATE_SOL = 23,
    IX_PROCESS_ADMIN_CHANGE = 24,
    IX_GET_VERSION = 14,
    IX_VARIANT_COUNT = 25,
};

/* Encoded length of each variant with fixed-size fields (variant byte included); 0 = variable (DonateSol). */
static const uint8_t VARIANT_LEN[IX_VARIANT_COUNT] = {
    33, /* 0 InitializeProgram { admin_authority } */
    18, /* 1 InitializePool { ratio_a, ratio_b, flags } */
    73, /* 2 Deposit { mint, amount, pool_id } */
    73, /* 3 Withdraw { mint, lp_amount, pool_id } */
    81, /* 4 Swap { input_mint, amount_in, expected_amount_out, pool_id } */
    73, /* 5 GetPoolStatePDA { multiple_mint, base_mint, multiple_per_base } */
    33, /* 6 GetTokenVaultPDAs { pool_state_pda } */
    1,  /* 7 GetPoolInfo */
    1,  /* 8 GetPoolPauseStatus */
    1,  /* 9 GetLiquidityInfo */
    1,  /* 10 GetFeeInfo */
    1,  /* 11 GetPoolSolBalance */
    2,  /* 12 PauseSystem { reason_code } */
    1,  /* 13 UnpauseSystem */
    1,  /* 14 GetVersion */
    9,  /* 15 WithdrawTreasuryFees { amount } */
    1,  /* 16 GetTreasuryInfo */
    2,  /* 17 ConsolidatePoolFees { pool_count } */
    2,  /* 18 GetConsolidationStatus { pool_count } */
    34, /* 19 PausePool { flags, pool_id } */
    34, /* 20 UnpausePool { flags, pool_id } */
    66, /* 21 SetSwapOwnerOnly { enable: bool, designated_owner, pool_id } */
    50, /* 22 UpdatePoolFees { flags, liquidity_fee, swap_fee, pool_id } */
    0,  /* 23 DonateSol { amount, message: String } */
    33, /* 24 ProcessAdminChange { new_admin } */
};

/* Exact account count of the phase-1 instructions that check it (validate_account_count). */
static const uint8_t EXACT_ACCOUNTS[IX_SWAP + 1] = {6, 13, 11, 11, 11};

#define DONATE_FIXED_LEN 13 /* variant, amount u64, u32 string length */

/* std::str::from_utf8 rules: shortest encodings only, no surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const uint8_t *s, uint64_t len) {
    uint64_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        uint64_t extra;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            if (c == 0xE0) {
                lo = 0xA0;
            } else if (c == 0xED) {
                hi = 0x9F;
            }
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            if (c == 0xF0) {
                lo = 0x90;
            } else if (c == 0xF4) {
                hi = 0x8F;
            }
        } else {
            return false;
        }
        if (i + extra >= len) {
            return false;
        }
        if (s[i + 1] < lo || s[i + 1] > hi) {
            return false;
        }
        for (uint64_t k = 2; k <= extra; k++) {
            if (s[i + k] < 0x80 || s[i + k] > 0xBF) {
                return false;
            }
        }
        i += extra + 1;
    }
    return true;
}

/* try_from_slice of the whole enum: SUCCESS or the decoding error. */
static uint64_t check_encoding(const uint8_t *data, uint64_t len) {
    uint8_t variant = data[0];
    if (variant >= IX_VARIANT_COUNT) {
        return FAIL(ERR_BORSH_IO_ERROR, "Unknown instruction variant");
    }
    if (variant == IX_DONATE_SOL) {
        if (len < DONATE_FIXED_LEN) {
            return FAIL(ERR_BORSH_IO_ERROR, "Instruction data too short");
        }
        uint64_t text_len = load_u32(data + 9);
        if (len != DONATE_FIXED_LEN + text_len) {
            return FAIL(ERR_BORSH_IO_ERROR, "Instruction data length mismatch");
        }
        if (!utf8_valid(data + DONATE_FIXED_LEN, text_len)) {
            return FAIL(ERR_BORSH_IO_ERROR, "Message is not UTF-8");
        }
        return SUCCESS;
    }
    if (len != VARIANT_LEN[variant]) {
        return FAIL(ERR_BORSH_IO_ERROR, "Instruction data length mismatch");
    }
    if (variant == IX_SET_SWAP_OWNER_ONLY && data[1] > 1) {
        return FAIL(ERR_BORSH_IO_ERROR, "Invalid bool");
    }
    return SUCCESS;
}

static uint64_t dispatch(const SolParameters *params) {
    if (params->data_len < 1) {
        return FAIL(ERR_INVALID_INSTRUCTION_DATA, "Empty instruction data");
    }
    uint64_t err = check_encoding(params->data, params->data_len);
    if (err != SUCCESS) {
        return err;
    }
    uint8_t variant = params->data[0];
    const uint8_t *fields = params->data + 1;
    if (variant <= IX_SWAP && params->ka_num != EXACT_ACCOUNTS[variant]) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Wrong number of accounts");
    }
    switch (variant) {
    case IX_INITIALIZE_PROGRAM:
        return process_initialize_program(params, fields);
    case IX_INITIALIZE_POOL:
        return process_initialize_pool(params, fields);
    case IX_DEPOSIT:
        return process_deposit(params, fields);
    case IX_WITHDRAW:
        return process_withdraw(params, fields);
    case IX_SWAP:
        return process_swap(params, fields);
    case IX_GET_VERSION:
        return process_get_version();
    case IX_PAUSE_SYSTEM:
        return process_pause_system(params, fields);
    case IX_UNPAUSE_SYSTEM:
        return process_unpause_system(params);
    case IX_WITHDRAW_TREASURY_FEES:
        return process_withdraw_treasury_fees(params, fields);
    case IX_CONSOLIDATE_POOL_FEES:
        return process_consolidate_pool_fees(params, fields);
    case IX_SET_SWAP_OWNER_ONLY:
        return process_set_swap_owner_only(params, fields);
    case IX_UPDATE_POOL_FEES:
        return process_update_pool_fees(params, fields);
    case IX_DONATE_SOL:
        return process_donate_sol(params, fields);
    case IX_PROCESS_ADMIN_CHANGE:
        return process_admin_change(params, fields);
    case IX_PAUSE_POOL:
        return process_pool_pause(params, fields, true);
    case IX_UNPAUSE_POOL:
        return process_pool_pause(params, fields, false);
    case IX_GET_POOL_STATE_PDA:
        return process_get_pool_state_pda(params, fields);
    case IX_GET_TOKEN_VAULT_PDAS:
        return process_get_token_vault_pdas(params, fields);
    case IX_GET_POOL_INFO:
        return process_get_pool_info(params);
    case IX_GET_POOL_PAUSE_STATUS:
        return process_get_pool_pause_status(params);
    case IX_GET_LIQUIDITY_INFO:
        return process_get_liquidity_info(params);
    case IX_GET_FEE_INFO:
        return process_get_fee_info(params);
    case IX_GET_POOL_SOL_BALANCE:
        return process_get_pool_sol_balance(params);
    case IX_GET_TREASURY_INFO:
        return process_get_treasury_info(params);
    case IX_GET_CONSOLIDATION_STATUS:
        return process_get_consolidation_status(params, fields);
    default: /* unreachable: check_encoding refused every other variant */
        return FAIL(ERR_INVALID_INSTRUCTION_DATA, "Unknown instruction");
    }
}

uint64_t entrypoint(const uint8_t *input) {
    SolParameters params;
    sol_deserialize(input, &params);
    return dispatch(&params);
}

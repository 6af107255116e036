/* WithdrawTreasuryFees (15): processors/treasury.rs::process_treasury_withdraw_fees and
 * MainTreasuryState::validate_withdrawal_rate_limit (frt-contract.md 4.8, 4.10). */
#include "frt.h"
#include "log.h"
#include "token.h"

#define MIN_WITHDRAWAL 10000000ULL           /* 0.01 SOL */
#define BASE_HOURLY_RATE 10000000000ULL      /* 10 SOL, x 10 per tier */
#define MAX_DRAIN_TIME_HOURS 48
#define RATE_WINDOW_S 3600
#define U64_MAX 0xFFFFFFFFFFFFFFFFULL

enum { W_ADMIN = 0, W_TREASURY = 1, W_RENT = 2, W_DESTINATION = 3, W_SYSTEM_STATE = 4, W_PROGRAM_DATA = 5 };

/* The hourly cap: 10 SOL, times 10 while the cached balance above the cached rent exceeds 48 caps. */
static uint64_t hourly_cap(const uint8_t *t) {
    uint64_t balance = load_u64(t + TREASURY_TOTAL_BALANCE), rent = load_u64(t + TREASURY_RENT_EXEMPT_MINIMUM);
    uint64_t above = balance > rent ? balance - rent : 0;
    uint64_t cap = BASE_HOURLY_RATE;
    while (cap <= U64_MAX / (10 * MAX_DRAIN_TIME_HOURS) && above > MAX_DRAIN_TIME_HOURS * cap) {
        cap *= 10;
    }
    return cap;
}

uint64_t process_withdraw_treasury_fees(const SolParameters *params, const uint8_t *data) {
    if (params->ka_num < 6) {
        PANIC("WithdrawTreasuryFees: index out of bounds (fewer than 6 accounts)");
    }
    const SolAccountInfo *treasury = &params->ka[W_TREASURY];
    const SolAccountInfo *destination = &params->ka[W_DESTINATION];
    const SolAccountInfo *system_state = &params->ka[W_SYSTEM_STATE];
    uint64_t err = validate_admin(params->program_id, &params->ka[W_ADMIN], system_state,
                                  &params->ka[W_PROGRAM_DATA]);
    if (err != SUCCESS) {
        return err;
    }
    if (system_state->data[SYSTEM_IS_PAUSED]) {
        return FAIL(ERR_SYSTEM_PAUSED, "SYSTEM PAUSED: All operations blocked");
    }
    Pda treasury_pda;
    find_pda1(SEED(SEED_MAIN_TREASURY), params->program_id, &treasury_pda);
    if (!pubkey_eq(treasury->key, &treasury_pda.key) || !pubkey_eq(treasury->owner, params->program_id)) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Invalid main treasury account");
    }
    if (!treasury->is_writable || !destination->is_writable) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Treasury and destination must be writable");
    }
    Rent rent;
    err = rent_from_account(&params->ka[W_RENT], &rent);
    if (err != SUCCESS) {
        return err;
    }
    /* A treasury that does not decode is taken as MainTreasuryState::default() (every field 0). */
    uint8_t fallback[TREASURY_LEN] = {0};
    bool decodes = acc_data_len(treasury) == TREASURY_LEN;
    uint8_t *t = decodes ? treasury->data : fallback;
    uint64_t reserve = rent_minimum_balance(&rent, TREASURY_LEN);
    uint64_t lamports = *treasury->lamports;
    uint64_t available = lamports > reserve ? lamports - reserve : 0;
    uint64_t amount = load_u64(data);
    if (amount == 0) {
        if (available == 0) {
            return FAIL(ERR_INSUFFICIENT_FUNDS, "No fees available to withdraw");
        }
        amount = available;
    } else if (amount < MIN_WITHDRAWAL) {
        return FAIL(ERR_INVALID_INSTRUCTION_DATA, "Withdrawal below the 0.01 SOL minimum");
    } else if (amount > available) {
        return FAIL(ERR_INSUFFICIENT_FUNDS, "Withdrawal exceeds the available fees");
    }
    int64_t now = clock_unix_timestamp();
    int64_t last = (int64_t)load_u64(t + TREASURY_LAST_WITHDRAWAL_TIMESTAMP);
    if (last > now) {
        return FAIL(ERR_INVALID_INSTRUCTION_DATA, "Treasury withdrawals blocked: system restart penalty active");
    }
    if (amount > hourly_cap(t)) {
        return FAIL(ERR_INVALID_INSTRUCTION_DATA, "Withdrawal exceeds the hourly rate limit");
    }
    if (last != 0 && now - last < RATE_WINDOW_S) {
        return FAIL(ERR_INVALID_INSTRUCTION_DATA, "One treasury withdrawal per hour");
    }
    *treasury->lamports -= amount;
    *destination->lamports += amount;
    if (decodes) {
        store_u64(t + TREASURY_WITHDRAWAL_COUNT, load_u64(t + TREASURY_WITHDRAWAL_COUNT) + 1);
        store_u64(t + TREASURY_TOTAL_WITHDRAWN, load_u64(t + TREASURY_TOTAL_WITHDRAWN) + amount);
        store_u64(t + TREASURY_LAST_WITHDRAWAL_TIMESTAMP, (uint64_t)now);
        store_u64(t + TREASURY_LAST_UPDATE_TIMESTAMP, (uint64_t)now);
        store_u64(t + TREASURY_TOTAL_BALANCE, *treasury->lamports);
    }
    MSG("\xf0\x9f\x92\xb0 TREASURY WITHDRAWAL COMPLETED");
    return SUCCESS;
}

#define MIN_DONATION 100000000ULL /* 0.1 SOL */

enum { D_DONOR = 0, D_TREASURY = 1, D_SYSTEM_STATE = 2, D_SYSTEM_PROGRAM = 3 };

/* DonateSol (23): exact 4 accounts; anyone, not while the system is paused, at least 0.1 SOL, moved by a System
 * Program transfer; the message is only logged. A treasury that does not decode takes the lamports unbooked. */
uint64_t process_donate_sol(const SolParameters *params, const uint8_t *data) {
    if (params->ka_num != 4) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Wrong number of accounts");
    }
    const SolAccountInfo *donor = &params->ka[D_DONOR];
    const SolAccountInfo *treasury = &params->ka[D_TREASURY];
    if (!donor->is_signer) {
        return FAIL(ERR_MISSING_REQUIRED_SIGNATURES, "Donor must be a signer");
    }
    uint64_t err = check_system_not_paused(&params->ka[D_SYSTEM_STATE], params->program_id);
    if (err != SUCCESS) {
        return err;
    }
    if (!pubkey_eq(params->ka[D_SYSTEM_PROGRAM].key, &SYSTEM_PROGRAM_ID)) {
        return FAIL(ERR_INCORRECT_PROGRAM_ID, "Account 3 must be the System Program");
    }
    Pda treasury_pda;
    find_pda1(SEED(SEED_MAIN_TREASURY), params->program_id, &treasury_pda);
    if (!pubkey_eq(treasury->key, &treasury_pda.key) || !treasury->is_writable) {
        return FAIL(ERR_INVALID_ACCOUNT_DATA, "Invalid main treasury account");
    }
    uint64_t amount = load_u64(data);
    if (amount < MIN_DONATION) {
        return FAIL(ERR_INVALID_ARGUMENT, "A donation is at least 0.1 SOL");
    }
    if (*donor->lamports < amount) {
        return FAIL(ERR_INSUFFICIENT_FUNDS, "Donor balance below the donation");
    }
    SystemTransfer transfer = {donor, treasury, &params->ka[D_SYSTEM_PROGRAM], amount};
    err = cpi_system_transfer(&transfer);
    if (err != SUCCESS) {
        return err;
    }
    if (acc_data_len(treasury) == TREASURY_LEN) {
        uint8_t *t = treasury->data;
        store_u64(t + TREASURY_DONATION_COUNT, load_u64(t + TREASURY_DONATION_COUNT) + 1);
        store_u64(t + TREASURY_TOTAL_DONATIONS, load_u64(t + TREASURY_TOTAL_DONATIONS) + amount);
        store_u64(t + TREASURY_TOTAL_BALANCE, *treasury->lamports);
        store_u64(t + TREASURY_LAST_UPDATE_TIMESTAMP, (uint64_t)clock_unix_timestamp());
    }
    MSG("\xf0\x9f\x8e\x81 DONATION RECEIVED");
    return SUCCESS;
}

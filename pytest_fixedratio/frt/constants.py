"""Constants of FRT v0.17: program ids, seeds, fees, limits, sizes and flags (frt-contract.md sections 2, 4 and 7).

The ids and sizes of the Solana programs FRT calls are not FRT's; they are in `sol.ids`.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag, StrEnum
from typing import Final

from pytest_fixedratio.sol.address import Address

# FRT program ids (feature-selected `declare_id!` upstream). The program works at any address.
PROGRAM_ID_LOCALNET: Final = Address.from_base58("4aeVqtWhrUh6wpX8acNj2hpWXKEQwxjA3PYb2sHhNyCn")
PROGRAM_ID_DEVNET: Final = Address.from_base58("9iqh69RqeG3RRrFBNZVoE77TMRvYboFUtC2sykaFVzB7")
PROGRAM_ID_MAINNET: Final = Address.from_base58("quXSYkeZ8ByTCtYY1J1uxQmE36UZ3LmNGgE3CYMFixD")
PROGRAM_IDS: Final = {"localnet": PROGRAM_ID_LOCALNET, "devnet": PROGRAM_ID_DEVNET, "mainnet": PROGRAM_ID_MAINNET}

CONTRACT_NAME: Final = "fixed-ratio-trading"
CONTRACT_VERSION: Final = "0.17.1070"

# PDA seeds (src/constants.rs).
SYSTEM_STATE_SEED: Final = b"system_state"
MAIN_TREASURY_SEED: Final = b"main_treasury"
POOL_STATE_SEED: Final = b"pool_state"
TOKEN_A_VAULT_SEED: Final = b"token_a_vault"
TOKEN_B_VAULT_SEED: Final = b"token_b_vault"
LP_TOKEN_A_MINT_SEED: Final = b"lp_token_a_mint"
LP_TOKEN_B_MINT_SEED: Final = b"lp_token_b_mint"

# Fees and limits, lamports (section 7).
REGISTRATION_FEE: Final = 1_150_000_000
DEPOSIT_WITHDRAWAL_FEE: Final = 13_000_000
SWAP_CONTRACT_FEE: Final = 271_500
MIN_LIQUIDITY_FEE: Final = 100_000
MAX_LIQUIDITY_FEE: Final = 100_000_000
MIN_SWAP_FEE: Final = 10_000
MAX_SWAP_FEE: Final = 10_000_000
MIN_DONATION_AMOUNT: Final = 100_000_000
MIN_TREASURY_WITHDRAWAL_AMOUNT: Final = 10_000_000
TREASURY_WITHDRAWAL_RATE_LIMIT_WINDOW: Final = 3_600
TREASURY_BASE_HOURLY_RATE: Final = 10_000_000_000
TREASURY_MAX_DRAIN_TIME_HOURS: Final = 48
TREASURY_SYSTEM_RESTART_PENALTY_SECONDS: Final = 255_600
ADMIN_CHANGE_TIMELOCK: Final = 259_200
MAX_POOLS_PER_CONSOLIDATION_BATCH: Final = 20
PAUSE_REASON_CONSOLIDATION: Final = 15

# Account sizes.
POOL_STATE_LEN: Final = 438
POOL_STATE_RUST_SIZE: Final = 440  # size_of::<PoolState>() used by consolidation's rent figure (section 4.7)
SYSTEM_STATE_LEN: Final = 83
MAIN_TREASURY_LEN: Final = 136


class PoolFlag(IntFlag):
    """Bits of PoolState.flags."""

    SIMPLE_RATIO = 1
    LIQUIDITY_PAUSED = 2
    SWAPS_PAUSED = 4
    WITHDRAWAL_PROTECTION = 8
    SINGLE_LP_TOKEN = 16
    SWAP_FOR_OWNERS_ONLY = 32
    EXACT_EXCHANGE_REQUIRED = 64


CREATION_FLAGS_MASK: Final = PoolFlag.SWAP_FOR_OWNERS_ONLY | PoolFlag.EXACT_EXCHANGE_REQUIRED


class PauseFlag(IntFlag):
    """Arguments of PausePool / UnpausePool."""

    LIQUIDITY = 1
    SWAPS = 2
    ALL = 3


class FeeUpdateFlag(IntEnum):
    """Arguments of UpdatePoolFees (exactly one of these values, else 1043)."""

    LIQUIDITY = 1
    SWAP = 2
    BOTH = 3


class RatioType(IntEnum):
    """Ratio classification at pool creation (utils/validation.rs::get_ratio_type)."""

    SIMPLE = 0
    DECIMAL = 1
    ENGINEERING = 2


class Side(StrEnum):
    """One side of a pool: token A (the byte-smaller mint) or token B."""

    A = "A"
    B = "B"

    @property
    def other(self) -> Side:
        return Side.B if self is Side.A else Side.A

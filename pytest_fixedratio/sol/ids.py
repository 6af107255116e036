"""Addresses of Solana's built-in programs and sysvars, and the fixed sizes and prices around them.

These are the cluster's, not FRT's: every program the harness touches, FRT included, is called with them and
every rent or fee figure starts from them, so they live below `frt/` and `chain/` alike.
"""

from __future__ import annotations

from typing import Final

from pytest_fixedratio.sol.address import Address

# Programs.
SYSTEM_PROGRAM_ID: Final = Address(bytes(32))
TOKEN_PROGRAM_ID: Final = Address.from_base58("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
TOKEN_2022_PROGRAM_ID: Final = Address.from_base58("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")
ASSOCIATED_TOKEN_PROGRAM_ID: Final = Address.from_base58("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL")
BPF_LOADER_UPGRADEABLE_ID: Final = Address.from_base58("BPFLoaderUpgradeab1e11111111111111111111111")
COMPUTE_BUDGET_PROGRAM_ID: Final = Address.from_base58("ComputeBudget111111111111111111111111111111")

# Sysvars.
RENT_SYSVAR_ID: Final = Address.from_base58("SysvarRent111111111111111111111111111111111")
CLOCK_SYSVAR_ID: Final = Address.from_base58("SysvarC1ock11111111111111111111111111111111")

# Wrapped SOL: the SPL Token mint whose accounts hold lamports.
NATIVE_MINT: Final = Address.from_base58("So11111111111111111111111111111111111111112")

# SPL Token account sizes.
TOKEN_ACCOUNT_LEN: Final = 165
MINT_LEN: Final = 82

# Default rent (3480 lamports/byte-year, 2 years exemption threshold) as LiteSVM and validators use.
LAMPORTS_PER_BYTE_YEAR: Final = 3_480
EXEMPTION_THRESHOLD_YEARS: Final = 2
ACCOUNT_STORAGE_OVERHEAD: Final = 128
LAMPORTS_PER_SIGNATURE: Final = 5_000
LAMPORTS_PER_SOL: Final = 1_000_000_000

"""Every program-derived address FRT uses (frt-contract.md 2.1), and the pool's full address set.

The seeds and their order are FRT's; the derivation itself is Solana's and lives in `sol.pda`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.pda import find_program_address


def u64_seed(value: int) -> bytes:
    return value.to_bytes(8, "little")


def sort_mints(mint1: Address, mint2: Address) -> tuple[Address, Address]:
    """(token A, token B): A is the mint whose raw bytes compare smaller (Rust `Pubkey` order)."""
    return (mint1, mint2) if bytes(mint1) < bytes(mint2) else (mint2, mint1)


def system_state(program_id: Address) -> tuple[Address, int]:
    return find_program_address((c.SYSTEM_STATE_SEED,), program_id)


def main_treasury(program_id: Address) -> tuple[Address, int]:
    return find_program_address((c.MAIN_TREASURY_SEED,), program_id)


def pool_state(program_id: Address, token_a_mint: Address, token_b_mint: Address, ratio_a: int, ratio_b: int
               ) -> tuple[Address, int]:
    """Pool PDA; the mints must already be sorted (the program seeds with its normalized A/B)."""
    seeds = (c.POOL_STATE_SEED, bytes(token_a_mint), bytes(token_b_mint), u64_seed(ratio_a), u64_seed(ratio_b))
    return find_program_address(seeds, program_id)


def token_a_vault(program_id: Address, pool: Address) -> tuple[Address, int]:
    return find_program_address((c.TOKEN_A_VAULT_SEED, bytes(pool)), program_id)


def token_b_vault(program_id: Address, pool: Address) -> tuple[Address, int]:
    return find_program_address((c.TOKEN_B_VAULT_SEED, bytes(pool)), program_id)


def lp_token_a_mint(program_id: Address, pool: Address) -> tuple[Address, int]:
    return find_program_address((c.LP_TOKEN_A_MINT_SEED, bytes(pool)), program_id)


def lp_token_b_mint(program_id: Address, pool: Address) -> tuple[Address, int]:
    return find_program_address((c.LP_TOKEN_B_MINT_SEED, bytes(pool)), program_id)


def program_data(program_id: Address) -> tuple[Address, int]:
    """The upgradeable loader's ProgramData account of a program."""
    return find_program_address((bytes(program_id),), ids.BPF_LOADER_UPGRADEABLE_ID)


@dataclass(frozen=True, slots=True)
class PoolAddresses:
    """Every address of one pool, derived from (program, sorted mints, ratio)."""

    program_id: Address
    token_a_mint: Address
    token_b_mint: Address
    ratio_a: int
    ratio_b: int
    pool: Address
    pool_bump: int
    token_a_vault: Address
    token_a_vault_bump: int
    token_b_vault: Address
    token_b_vault_bump: int
    lp_a_mint: Address
    lp_a_mint_bump: int
    lp_b_mint: Address
    lp_b_mint_bump: int

    @classmethod
    def derive(cls, program_id: Address, mint1: Address, mint2: Address, ratio_a: int, ratio_b: int
               ) -> PoolAddresses:
        """Derive from two mints in any order; (ratio_a, ratio_b) refer to the *sorted* A and B."""
        mint_a, mint_b = sort_mints(mint1, mint2)
        pool, pool_bump = pool_state(program_id, mint_a, mint_b, ratio_a, ratio_b)
        va, va_bump = token_a_vault(program_id, pool)
        vb, vb_bump = token_b_vault(program_id, pool)
        la, la_bump = lp_token_a_mint(program_id, pool)
        lb, lb_bump = lp_token_b_mint(program_id, pool)
        return cls(program_id, mint_a, mint_b, ratio_a, ratio_b, pool, pool_bump, va, va_bump, vb, vb_bump,
                   la, la_bump, lb, lb_bump)

    def vault(self, side: c.Side) -> Address:
        return self.token_a_vault if side is c.Side.A else self.token_b_vault

    def lp_mint(self, side: c.Side) -> Address:
        return self.lp_a_mint if side is c.Side.A else self.lp_b_mint

    def mint(self, side: c.Side) -> Address:
        return self.token_a_mint if side is c.Side.A else self.token_b_mint


class PoolRole(StrEnum):
    """The accounts of one pool a snapshot reads, named as reports print them."""

    POOL = "pool"
    VAULT_A = "vault A"
    VAULT_B = "vault B"
    LP_MINT_A = "LP mint A"
    LP_MINT_B = "LP mint B"
    TOKEN_MINT_A = "token mint A"
    TOKEN_MINT_B = "token mint B"


def pool_roles(addresses: PoolAddresses) -> dict[PoolRole, Address]:
    return {
        PoolRole.POOL: addresses.pool,
        PoolRole.VAULT_A: addresses.token_a_vault,
        PoolRole.VAULT_B: addresses.token_b_vault,
        PoolRole.LP_MINT_A: addresses.lp_a_mint,
        PoolRole.LP_MINT_B: addresses.lp_b_mint,
        PoolRole.TOKEN_MINT_A: addresses.token_a_mint,
        PoolRole.TOKEN_MINT_B: addresses.token_b_mint,
    }


def pool_watch_list(addresses: PoolAddresses) -> tuple[Address, ...]:
    """Every address a pool snapshot needs: read these, or pass them as a transaction's ``watch=``."""
    return tuple(pool_roles(addresses).values())

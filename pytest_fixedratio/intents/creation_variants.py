"""Adversarial variants of InitializeProgram and InitializePool, and of every trading instruction sent to a
program that is not initialised yet.

Why: the harness creates its pools and initialises the program correctly, so a build that skipped any check of
those two instructions (the signer and upgrade authority, the Rent sysvar, the mints, the ratios, the fee payer,
the treasury, the PDAs, an existing pool, the ratio classification) would pass every run. Each variant here
breaks one of them and is predicted by `adversary.Adversarial`, which walks the program's checks over the
accounts as passed (`_Program.initialize_program`, `_Program.initialize_pool`) before the honest model's
creations, so the exact error is known, CPI failures of the System program included.

Three groups, by the state that answers them:
- `UNINITIALIZED`: sent before InitializeProgram. Every instruction that loads the SystemState must then fail
  with UninitializedAccount, and two InitializeProgram checks can only be reached while no SystemState exists
  (the treasury key comes after "already initialised"; an authority that cannot pay the rent).
- `INITIALIZED`: InitializeProgram variants sent once the program exists (`engine.bootstrap` sends both groups
  around the real InitializeProgram).
- `POOL_VARIANTS`: InitializePool variants an adversary worker sends during the run, built from its pool.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Final, TypeAlias

from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import instruction_data as ixd
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.intents.adversary import (
    MINT_7,
    MINT_8,
    POOL,
    POOL_RENT,
    PROGRAM_DATA,
    PROGRAM_RENT,
    PROGRAM_STATE,
    PROGRAM_TREASURY,
    SYSTEM_STATE,
    TOKEN_PROGRAM,
    TREASURY,
    USER,
    Adversarial,
    Trading,
    with_account,
)
from pytest_fixedratio.intents.pool_ops import Deposit, InitializePool, InitializeProgram, Swap, Withdraw
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import AccountMeta, Instruction, ro, rw
from pytest_fixedratio.sol.pda import associated_token_address

VAULT_A, VAULT_B, LP_A, LP_B = range(9, 13)
"""InitializePool's vault and LP mint accounts."""


def _at(instruction: Instruction, index: int, address: Address) -> Instruction:
    """Account `index` replaced by `address`, with the marks of the account it replaces."""
    return with_account(instruction, index, replace(instruction.accounts[index], address=address))


def _exchanged(instruction: Instruction, first: int, second: int) -> Instruction:
    accounts = list(instruction.accounts)
    accounts[first], accounts[second] = accounts[second], accounts[first]
    return replace(instruction, accounts=tuple(accounts))


def _marked(instruction: Instruction, index: int, meta: Callable[[Address], AccountMeta]) -> Instruction:
    """Account `index` kept, its signer and writable marks set by `meta` (`ro`, `rw`, `signer`)."""
    return with_account(instruction, index, meta(instruction.accounts[index].address))


# ---------------------------------------------------------------------------------------------------------
# InitializeProgram, and the program before it


@dataclass(frozen=True, slots=True)
class ProgramTarget:
    """`payer` pays every variant and signs where account 0 is its own; `authority` is the upgrade authority,
    which signs the variants that name it as a signer; `pauper` signs as an authority holding
    `pauper_lamports()` and no more; `stranger` never signs. `dummy_pool` is a pool of two addresses that are
    no mints, for the trading variants sent before anything exists."""

    program_id: Address
    payer: Address
    authority: Address
    pauper: Address
    stranger: Address

    @property
    def dummy_pool(self) -> PoolAddresses:
        return PoolAddresses.derive(self.program_id, ids.RENT_SYSVAR_ID, ids.CLOCK_SYSVAR_ID, 1, 1)

    @staticmethod
    def pauper_lamports() -> int:
        """One lamport short of both accounts' rent: the SystemState is created, the MainTreasury is not."""
        return frt_math.rent(c.SYSTEM_STATE_LEN) + frt_math.rent(c.MAIN_TREASURY_LEN) - 1


ProgramBuild: TypeAlias = Callable[[ProgramTarget], Adversarial]


def _program(name: str, tamper: Callable[[ProgramTarget, Instruction], Instruction], *,
             authority: Callable[[ProgramTarget], Address] = lambda t: t.authority) -> ProgramBuild:
    """InitializeProgram by `authority(target)` (signing, with the real ProgramData), changed by `tamper`."""
    def build(t: ProgramTarget) -> Adversarial:
        honest = InitializeProgram(t.program_id, authority(t), authority(t))
        return Adversarial(name, honest, tamper(t, honest.instructions()[0]))
    return build


def _bypassing(ix: Instruction) -> Instruction:
    """The System Program passed as "program data": the loader does not own it, so any signer passes (8.3)."""
    return _at(ix, PROGRAM_DATA, ids.SYSTEM_PROGRAM_ID)


def _uninitialized(kind: str, honest: Callable[[ProgramTarget], Trading | InitializePool]) -> ProgramBuild:
    def build(t: ProgramTarget) -> Adversarial:
        op = honest(t)
        return Adversarial(f"{kind}.program_uninitialized", op, op.instructions()[0])
    return build


def _named(builds: dict[str, Callable[[str], ProgramBuild]]) -> dict[str, ProgramBuild]:
    """Each build given its own name, in name order."""
    return {name: make(name) for name, make in sorted(builds.items())}


_BEFORE_ANYTHING: Final[dict[str, Callable[[ProgramTarget], Trading | InitializePool]]] = {
    "deposit": lambda t: Deposit(t.dummy_pool, t.payer, Side.A, 1),
    "withdraw": lambda t: Withdraw(t.dummy_pool, t.payer, Side.A, 1),
    "swap": lambda t: Swap(t.dummy_pool, t.payer, Side.A, 1, 1),
    "initialize_pool": lambda t: InitializePool(t.payer, t.dummy_pool),
}
"""Valid-looking operations on a pool that does not exist: the missing SystemState refuses them first."""

UNINITIALIZED: Final[dict[str, ProgramBuild]] = {
    **{f"{kind}.program_uninitialized": _uninitialized(kind, honest) for kind, honest in _BEFORE_ANYTHING.items()},
    **_named({
        "initialize_program.treasury_wrong": lambda n: _program(n, lambda t, ix: _at(ix, PROGRAM_TREASURY, t.stranger)),
        "initialize_program.authority_short_of_rent": lambda n: _program(
            n, lambda _, ix: _bypassing(ix), authority=lambda t: t.pauper),
    }),
}
"""Variants only a program without SystemState answers as named, by name."""

INITIALIZED: Final[dict[str, ProgramBuild]] = _named({
    "initialize_program.already_initialized": lambda n: _program(n, lambda _, ix: ix),
    "initialize_program.already_initialized_bypass": lambda n: _program(
        n, lambda _, ix: _bypassing(ix), authority=lambda t: t.payer),
    "initialize_program.missing_signer": lambda n: _program(n, lambda _, ix: _marked(ix, USER, rw)),
    "initialize_program.not_upgrade_authority": lambda n: _program(n, lambda _, ix: ix, authority=lambda t: t.payer),
    "initialize_program.program_data_wrong": lambda n: _program(n, lambda t, ix: _at(ix, PROGRAM_DATA, t.program_id)),
    "initialize_program.bypass_missing_signer": lambda n: _program(
        n, lambda _, ix: _marked(_bypassing(ix), USER, rw), authority=lambda t: t.stranger),
    "initialize_program.rent_sysvar_wrong": lambda n: _program(n, lambda _, ix: _at(ix, PROGRAM_RENT,
                                                                                    ids.CLOCK_SYSVAR_ID)),
    "initialize_program.system_state_wrong": lambda n: _program(
        n, lambda t, ix: _at(ix, PROGRAM_STATE, pdas.main_treasury(t.program_id)[0])),
    "initialize_program.too_few_accounts": lambda n: _program(n, lambda _, ix: replace(ix, accounts=ix.accounts[:-1])),
})
"""InitializeProgram variants a program with SystemState answers, by name."""


# ---------------------------------------------------------------------------------------------------------
# InitializePool


@dataclass(frozen=True, slots=True)
class PoolTarget:
    """What an InitializePool variant is built from. `creator` pays and signs; `pool` is an existing pool whose
    mints have `decimals_a` and `decimals_b`; `stranger` has a System account and never signs; `pauper` signs
    holding nothing, `short_creator` signs holding `short_creator_lamports` (funded by the caller)."""

    creator: Address
    pool: PoolAddresses
    decimals_a: int
    decimals_b: int
    stranger: Address
    pauper: Address
    short_creator: Address

    def _ratio(self, units_a: int, units_b: int, extra_b: int = 0) -> PoolAddresses:
        """The pool of the same mints at `units_a` display units of A to `units_b` of B plus `extra_b` base units."""
        fa, fb = 10 ** self.decimals_a, 10 ** self.decimals_b
        p = self.pool
        return PoolAddresses.derive(p.program_id, p.token_a_mint, p.token_b_mint, units_a * fa, units_b * fb + extra_b)

    @property
    def fresh(self) -> PoolAddresses:
        """A pool of the same mints nobody creates: 1 A to a little over 7919 B, accepted (Simple or Decimal)."""
        return self._ratio(1, 7919, 1)

    @property
    def doomed(self) -> PoolAddresses:
        """Another such pool, whose vault A address the caller funds beforehand (`in_use_address`), so its
        creation always fails there."""
        return self._ratio(1, 7919, 2)

    @property
    def engineering(self) -> PoolAddresses:
        """2 A to 3 B: neither side is one display unit, an EngineeringRatio (1049)."""
        return self._ratio(2, 3)

    @property
    def in_use_address(self) -> Address:
        return self.doomed.token_a_vault

    @staticmethod
    def short_creator_lamports() -> int:
        """The fee and every account's rent but the last LP mint's, which fails one lamport short."""
        return (c.REGISTRATION_FEE + frt_math.rent(c.POOL_STATE_LEN) + 2 * frt_math.rent(ids.TOKEN_ACCOUNT_LEN)
                + 2 * frt_math.rent(ids.MINT_LEN) - 1)

    def token_account(self, side: Side) -> Address:
        return associated_token_address(self.creator, self.pool.mint(side))


PoolBuild: TypeAlias = Callable[[PoolTarget], Adversarial]
_PoolBreak: TypeAlias = Callable[[PoolTarget, Instruction], Instruction]


def _pool(name: str, tamper: _PoolBreak, *, pool: Callable[[PoolTarget], PoolAddresses] = lambda t: t.fresh,
          creator: Callable[[PoolTarget], Address] = lambda t: t.creator) -> PoolBuild:
    """InitializePool of `pool(target)` by `creator(target)`, changed by `tamper`."""
    def build(t: PoolTarget) -> Adversarial:
        honest = InitializePool(creator(t), pool(t))
        return Adversarial(name, honest, tamper(t, honest.instructions()[0]))
    return build


def _ratios(ratio_a: Callable[[int], int], ratio_b: Callable[[int], int]) -> _PoolBreak:
    def change(_: PoolTarget, ix: Instruction) -> Instruction:
        data = ixd.decode_instruction(ix.data)
        assert isinstance(data, ixd.InitializePool)
        return replace(ix, data=replace(data, ratio_a_numerator=ratio_a(data.ratio_a_numerator),
                                        ratio_b_denominator=ratio_b(data.ratio_b_denominator)).encode())
    return change


_POOL_BUILDS: Final[dict[str, Callable[[str], PoolBuild]]] = {
    "missing_signer": lambda n: _pool(n, lambda _, ix: _marked(ix, USER, rw), creator=lambda t: t.stranger),
    "system_state_wrong": lambda n: _pool(n, lambda t, ix: _at(ix, SYSTEM_STATE,
                                                               pdas.main_treasury(t.pool.program_id)[0])),
    "rent_sysvar_wrong": lambda n: _pool(n, lambda _, ix: _at(ix, POOL_RENT, ids.CLOCK_SYSVAR_ID)),
    "mint_is_token_account": lambda n: _pool(n, lambda t, ix: _at(ix, MINT_8, t.token_account(Side.B))),
    "mint_is_system_account": lambda n: _pool(n, lambda t, ix: _at(ix, MINT_7, t.stranger)),
    "mint_is_program_account": lambda n: _pool(n, lambda t, ix: _at(ix, MINT_7,
                                                                    pdas.system_state(t.pool.program_id)[0])),
    "zero_ratio_a": lambda n: _pool(n, _ratios(lambda _: 0, lambda r: r)),
    "zero_ratio_b": lambda n: _pool(n, _ratios(lambda r: r, lambda _: 0)),
    "same_mint": lambda n: _pool(n, lambda t, ix: _at(ix, MINT_8, t.pool.token_a_mint)),
    "token_program_wrong": lambda n: _pool(n, lambda _, ix: _at(ix, TOKEN_PROGRAM, ids.SYSTEM_PROGRAM_ID)),
    "creator_without_fee": lambda n: _pool(n, lambda _, ix: ix, creator=lambda t: t.pauper),
    "treasury_wrong": lambda n: _pool(n, lambda t, ix: _at(ix, TREASURY, pdas.system_state(t.pool.program_id)[0])),
    "treasury_read_only": lambda n: _pool(n, lambda _, ix: _marked(ix, TREASURY, ro)),
    "pool_exists": lambda n: _pool(n, lambda _, ix: ix, pool=lambda t: t.pool),
    "pool_pda_wrong": lambda n: _pool(n, lambda t, ix: _at(ix, POOL, t.pool.pool)),
    "vaults_swapped": lambda n: _pool(n, lambda _, ix: _exchanged(ix, VAULT_A, VAULT_B)),
    "lp_mints_swapped": lambda n: _pool(n, lambda _, ix: _exchanged(ix, LP_A, LP_B)),
    "creator_short_of_rent": lambda n: _pool(n, lambda _, ix: ix, creator=lambda t: t.short_creator),
    "vault_address_in_use": lambda n: _pool(n, lambda _, ix: ix, pool=lambda t: t.doomed),
    "engineering_ratio": lambda n: _pool(n, lambda _, ix: ix, pool=lambda t: t.engineering),
    "too_few_accounts": lambda n: _pool(n, lambda _, ix: replace(ix, accounts=ix.accounts[:-1])),
}

POOL_VARIANTS: Final[dict[str, PoolBuild]] = {
    f"initialize_pool.{name}": make(f"initialize_pool.{name}") for name, make in sorted(_POOL_BUILDS.items())}
"""InitializePool variants by name ("initialize_pool.treasury_wrong"), built from a `PoolTarget`."""


def signers(variant: Adversarial) -> frozenset[Address]:
    """The accounts a variant marks as signers: the caller signs with each (and pays with its own wallet)."""
    return frozenset(meta.address for meta in variant.instruction.accounts if meta.is_signer)

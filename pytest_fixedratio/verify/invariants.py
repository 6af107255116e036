"""Pool and program invariants over snapshots (frt-contract.md section 5, service-features.md 8.2).

Each check is a pure function of snapshots (and of what the harness itself recorded) returning a
`CheckOutcome`. `PoolWatch` carries what a check needs from earlier: the baseline taken when the pool was
created, and the previous snapshot for the monotone quantities (I2's S, the fee counters).

"Strict" forms assume no third party sends tokens or SOL straight into the pool's accounts, which holds on an
in-process chain the harness owns; against a shared validator use `strict=False`, the safe forms (>=).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from pytest_fixedratio.chain.base import AccountMap
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.frt.state import AccountLayout, PoolState
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.verify.report import Check, CheckOutcome, Violation, ViolationContext
from pytest_fixedratio.verify.snapshot import GlobalSnapshot, PoolSnapshot, SnapshotError, pool_snapshot

NEVER_SET_FLAGS: Final = PoolFlag.WITHDRAWAL_PROTECTION | PoolFlag.SINGLE_LP_TOKEN
CREATION_ONLY_FLAGS: Final = PoolFlag.SIMPLE_RATIO | PoolFlag.EXACT_EXCHANGE_REQUIRED
"""Bit 0 is fixed by the ratio classification, bit 6 by the creation flags (frt-contract.md 8.5)."""
UNUSED_POOL_FIELDS: Final = (
    "collected_fees_token_a", "collected_fees_token_b", "total_fees_withdrawn_token_a",
    "total_fees_withdrawn_token_b", "max_swap_amount", "min_swap_amount", "max_deposit_amount",
    "min_deposit_amount", "max_withdrawal_amount", "min_withdrawal_amount",
)
"""PoolState fields v0.17 never writes (section 3.1): anything but 0 there is corruption."""
MONOTONE_FEE_FIELDS: Final = ("total_sol_fees_collected", "total_fees_consolidated", "total_consolidations")


def _outcome(check: Check, problems: Iterable[str], details: Callable[[], dict[str, Any]]) -> CheckOutcome:
    """One violation per problem, all sharing the evidence `details()` (built only when something failed)."""
    found = list(problems)
    evidence = details() if found else {}
    return CheckOutcome.of(check, (Violation(check, problem, evidence) for problem in found))


def _compare(name: str, observed: int, required: int, *, strict: bool) -> list[str]:
    """`observed == required` (strict) or `observed >= required` (safe form), as a problem list."""
    if observed == required or (not strict and observed > required):
        return []
    relation = "==" if strict else ">="
    return [f"{name} is {observed}, must be {relation} {required} (difference {observed - required:+})"]


# ---------------------------------------------------------------------------------------------------------
# Per pool


@dataclass(frozen=True, slots=True)
class PoolBaseline:
    """What a pool must keep for life, taken from the harness's own derivation and the creation snapshot."""

    addresses: PoolAddresses
    flags: PoolFlag
    """Flags at creation; only `CREATION_ONLY_FLAGS` of them are compared later."""
    token_decimals: tuple[int, int]
    immutable_fields: dict[str, object]
    """PoolState fields and the values they keep for life (derived once: checked after every operation)."""

    @classmethod
    def take(cls, snapshot: PoolSnapshot) -> PoolBaseline:
        return cls(snapshot.addresses, snapshot.state.flags,
                   (snapshot.token_mint_a.decimals, snapshot.token_mint_b.decimals),
                   _immutable_fields(snapshot.addresses))


def check_vault_tracking(snap: PoolSnapshot, *, strict: bool = True) -> CheckOutcome:
    """I1: each vault holds exactly (safe form: at least) the pool's tracked liquidity of its side."""
    problems = [p for side in Side for p in _compare(
        f"vault {side} amount (tracked total {snap.state.liquidity(side)})", snap.vault(side).amount,
        snap.state.liquidity(side), strict=strict)]
    return _outcome(Check.I1, problems, snap.describe)


def check_value_conservation(snap: PoolSnapshot, *, previous: int | None = None,
                             surplus_added: int | None = None) -> CheckOutcome:
    """I2: S >= 0; S never decreases; S grows by exactly `surplus_added` since `previous` when the caller
    knows the swaps in between; S == 0 forever in an exact-exchange pool."""
    s = snap.surplus
    problems = [] if s >= 0 else [f"S = rb·(TA−LA) + ra·(TB−LB) is {s} < 0: LP tokens redeem more than the pool"
                                  f" tracks (TA {snap.state.total_token_a_liquidity}, LA {snap.lp_mint_a.supply}, "
                                  f"TB {snap.state.total_token_b_liquidity}, LB {snap.lp_mint_b.supply})"]
    if previous is not None and surplus_added is not None:
        if s - previous != surplus_added:
            problems.append(f"S moved {s - previous:+} (from {previous} to {s}); the operations add {surplus_added}")
    elif previous is not None and s < previous:
        problems.append(f"S decreased from {previous} to {s}")
    if PoolFlag.EXACT_EXCHANGE_REQUIRED in snap.state.flags and s != 0:
        problems.append(f"S is {s} in an exact-exchange pool, must stay 0")
    return _outcome(Check.I2, problems, snap.describe)


def _immutable_fields(a: PoolAddresses) -> dict[str, object]:
    """PoolState fields that must keep these values for the pool's life."""
    return {
        "ratio_a_numerator": a.ratio_a, "ratio_b_denominator": a.ratio_b,
        "token_a_mint": a.token_a_mint, "token_b_mint": a.token_b_mint,
        "token_a_vault": a.token_a_vault, "token_b_vault": a.token_b_vault,
        "lp_token_a_mint": a.lp_a_mint, "lp_token_b_mint": a.lp_b_mint,
        "pool_authority_bump_seed": a.pool_bump, "token_a_vault_bump_seed": a.token_a_vault_bump,
        "token_b_vault_bump_seed": a.token_b_vault_bump, "lp_token_a_mint_bump_seed": a.lp_a_mint_bump,
        "lp_token_b_mint_bump_seed": a.lp_b_mint_bump,
        **dict.fromkeys(UNUSED_POOL_FIELDS, 0), "reserved": (0, 0, 0, 0),
    }


def _immutable_problems(snap: PoolSnapshot, baseline: PoolBaseline) -> list[str]:
    s = snap.state
    problems = [f"PoolState.{name} is {getattr(s, name)}, must be {want}"
                for name, want in baseline.immutable_fields.items() if getattr(s, name) != want]
    for side, decimals in zip(Side, baseline.token_decimals, strict=True):
        problems.extend(_side_problems(snap, side, decimals))
    return problems


def _side_problems(snap: PoolSnapshot, side: Side, token_decimals: int) -> list[str]:
    """Authorities, owners and decimals of one side's vault and LP mint."""
    pool, vault, lp = snap.addresses.pool, snap.vault(side), snap.lp_mint(side)
    checks: tuple[tuple[str, object, object], ...] = (
        ("vault {} token owner", vault.owner, pool),
        ("vault {} mint", vault.mint, snap.addresses.mint(side)),
        ("vault {} delegate", vault.delegate, None),
        ("vault {} close authority", vault.close_authority, None),
        ("LP mint {} mint authority", lp.mint_authority, pool),
        ("LP mint {} freeze authority", lp.freeze_authority, None),
        ("LP mint {} decimals", lp.decimals, token_decimals),
        ("token mint {} decimals", snap.token_mint(side).decimals, token_decimals),
    )
    problems = [f"{name.format(side)} is {got}, must be {want}" for name, got, want in checks if got != want]
    if vault.is_frozen:
        problems.append(f"vault {side} is frozen")
    return problems


def check_immutables(snap: PoolSnapshot, baseline: PoolBaseline) -> CheckOutcome:
    """I6: ratios, mints, vaults, LP mints and bumps as derived at creation; vault owner and LP mint
    authority = pool PDA, no freeze authority, LP decimals = token decimals; unused fields stay 0."""
    return _outcome(Check.I6, _immutable_problems(snap, baseline), snap.describe)


def check_fee_bookkeeping(snap: PoolSnapshot, *, previous: PoolState | None = None) -> CheckOutcome:
    """I7: pending counters add up to collected − consolidated; consolidated <= collected; the lifetime
    counters never decrease."""
    s = snap.state
    pending = s.total_sol_fees_collected - s.total_fees_consolidated
    problems = _compare("collected_liquidity_fees + collected_swap_contract_fees",
                        s.collected_liquidity_fees + s.collected_swap_contract_fees, pending, strict=True)
    if pending < 0:
        problems.append(f"total_fees_consolidated {s.total_fees_consolidated} exceeds total_sol_fees_collected "
                        f"{s.total_sol_fees_collected}")
    if previous is not None:
        problems.extend(f"{name} decreased from {getattr(previous, name)} to {getattr(s, name)}"
                        for name in MONOTONE_FEE_FIELDS if getattr(s, name) < getattr(previous, name))
    return _outcome(Check.I7, problems, snap.describe)


def check_pool_lamports(snap: PoolSnapshot, *, pool_rent: int, strict: bool = True) -> CheckOutcome:
    """I8: the pool PDA holds its rent plus the pending SOL fees, nothing more (safe form: at least)."""
    pending = snap.state.pending_sol_fees
    problems = _compare(f"pool PDA lamports (rent {pool_rent} + pending fees {pending})", snap.pool_lamports,
                        pool_rent + pending, strict=strict)
    return _outcome(Check.I8, problems, snap.describe)


def check_flags(snap: PoolSnapshot, baseline: PoolBaseline) -> CheckOutcome:
    """I10: bits 3 and 4 never set; bits 0 and 6 as at creation."""
    flags = snap.state.flags
    problems = []
    if flags & NEVER_SET_FLAGS:
        problems.append(f"flags {int(flags):#04x} set unused bit(s) {int(flags & NEVER_SET_FLAGS):#04x}")
    fixed_now, fixed_then = flags & CREATION_ONLY_FLAGS, baseline.flags & CREATION_ONLY_FLAGS
    if fixed_now != fixed_then:
        problems.append(f"creation-only flag bits are {int(fixed_now):#04x}, were {int(fixed_then):#04x}")
    return _outcome(Check.I10, problems, snap.describe)


def default_pool_rent() -> int:
    """rent(438) on default rent; pass the chain's `rent_exempt_minimum(438)` where rent may differ."""
    return frt_math.rent(c.POOL_STATE_LEN)


class PoolWatch:
    """Checks every new snapshot of one pool against its baseline and against the previous snapshot."""

    __slots__ = ("_previous", "baseline", "pool_rent", "strict")

    def __init__(self, baseline: PoolBaseline, *, pool_rent: int | None = None, strict: bool = True) -> None:
        self.baseline = baseline
        self.pool_rent = default_pool_rent() if pool_rent is None else pool_rent
        self.strict = strict
        self._previous: PoolSnapshot | None = None

    @classmethod
    def start(cls, snapshot: PoolSnapshot, *, pool_rent: int | None = None, strict: bool = True) -> PoolWatch:
        """Watch a pool from `snapshot` on, taken as its baseline (typically right after creation)."""
        return cls(PoolBaseline.take(snapshot), pool_rent=pool_rent, strict=strict)

    @property
    def previous(self) -> PoolSnapshot | None:
        return self._previous

    def check(self, snap: PoolSnapshot, *, surplus_added: int | None = None) -> CheckOutcome:
        """Every pool invariant on `snap`; `surplus_added` is the ledger's total I2 increase since the last
        check, if the caller saw every operation in between. `snap` becomes the previous snapshot."""
        previous = self._previous
        self._previous = snap
        outcome = CheckOutcome.combine((
            check_vault_tracking(snap, strict=self.strict),
            check_value_conservation(snap, previous=None if previous is None else previous.surplus,
                                     surplus_added=surplus_added),
            check_immutables(snap, self.baseline),
            check_fee_bookkeeping(snap, previous=None if previous is None else previous.state),
            check_pool_lamports(snap, pool_rent=self.pool_rent, strict=self.strict),
            check_flags(snap, self.baseline),
        ))
        return outcome.in_context(ViolationContext(pool=str(self.baseline.addresses.pool)))

    def check_accounts(self, accounts: AccountMap, *, surplus_added: int | None = None,
                       known: Mapping[Address, AccountLayout] | None = None) -> CheckOutcome:
        """`check` on accounts as read or watched; accounts that no longer form the pool (missing, owned
        by another program, undecodable) violate I6."""
        try:
            snap = pool_snapshot(self.baseline.addresses, accounts, known)
        except SnapshotError as exc:
            violations = [Violation(Check.I6, problem) for problem in exc.problems]
            context = ViolationContext(pool=str(self.baseline.addresses.pool))
            return CheckOutcome.of(Check.I6, violations).in_context(context)
        return self.check(snap, surplus_added=surplus_added)


# ---------------------------------------------------------------------------------------------------------
# Program-wide


@dataclass(frozen=True, slots=True)
class TreasuryHistory:
    """What the harness itself did to the MainTreasury, in lamports and counts (G1, G2)."""

    pools_created: int = 0
    donations: int = 0
    consolidated: int = 0
    withdrawn: int = 0


def default_treasury_rent() -> int:
    return frt_math.rent(c.MAIN_TREASURY_LEN)


def check_treasury_balance(snap: GlobalSnapshot, history: TreasuryHistory, *, treasury_rent: int,
                           strict: bool = True) -> CheckOutcome:
    """G1: treasury lamports == rent(136) + 1.15 SOL × pools + donations + consolidated − withdrawn."""
    required = (treasury_rent + c.REGISTRATION_FEE * history.pools_created + history.donations
                + history.consolidated - history.withdrawn)
    problems = _compare(f"MainTreasury lamports ({history})", snap.treasury_lamports, required, strict=strict)
    return _outcome(Check.G1, problems, snap.describe)


def check_creation_counters(snap: GlobalSnapshot, history: TreasuryHistory) -> CheckOutcome:
    """G2: pool_creation_count == pools created; total_pool_creation_fees == 1.15 SOL × count."""
    t = snap.treasury
    problems = _compare("pool_creation_count", t.pool_creation_count, history.pools_created, strict=True)
    problems += _compare("total_pool_creation_fees", t.total_pool_creation_fees,
                         c.REGISTRATION_FEE * t.pool_creation_count, strict=True)
    return _outcome(Check.G2, problems, snap.describe)


def check_consolidation_totals(snap: GlobalSnapshot, pools: Sequence[PoolState]) -> CheckOutcome:
    """G3: Σ pools' total_fees_consolidated == treasury liquidity + regular swap fees; the two swap fee
    totals are equal. `pools` must be every pool of the program."""
    t = snap.treasury
    problems = _compare("total_liquidity_fees + total_regular_swap_fees",
                        t.total_liquidity_fees + t.total_regular_swap_fees,
                        sum(p.total_fees_consolidated for p in pools), strict=True)
    problems += _compare("total_swap_contract_fees", t.total_swap_contract_fees, t.total_regular_swap_fees,
                         strict=True)
    return _outcome(Check.G3, problems, snap.describe)


def check_balance_synced(snap: GlobalSnapshot) -> CheckOutcome:
    """G4: right after InitializePool, WithdrawTreasuryFees, DonateSol or ConsolidatePoolFees the cached
    total_balance equals the treasury's lamports (it is stale at other times)."""
    problems = _compare("MainTreasury.total_balance", snap.treasury.total_balance, snap.treasury_lamports,
                        strict=True)
    return _outcome(Check.G4, problems, snap.describe)


def check_global(snap: GlobalSnapshot, history: TreasuryHistory, *, treasury_rent: int | None = None,
                 pools: Sequence[PoolState] | None = None, synced: bool = False, strict: bool = True
                 ) -> CheckOutcome:
    """G1 and G2; G3 when every pool's state is given; G4 when the last treasury operation syncs it."""
    rent = default_treasury_rent() if treasury_rent is None else treasury_rent
    outcomes = [check_treasury_balance(snap, history, treasury_rent=rent, strict=strict),
                check_creation_counters(snap, history)]
    if pools is not None:
        outcomes.append(check_consolidation_totals(snap, pools))
    if synced:
        outcomes.append(check_balance_synced(snap))
    return CheckOutcome.combine(outcomes)

"""What every target does before it signs: the compute budget, the payer and the signer set.

Shared by all targets so they accept and reject exactly the same calls. Misuse is caught here, in Python,
before any backend sees it (solders panics on a wrong signer set instead of raising).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from pytest_fixedratio.chain.base import MAX_COMPUTE_UNIT_LIMIT
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.frt.errors import TransactionFailure
from pytest_fixedratio.sol import ids, programs
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import Instruction
from pytest_fixedratio.sol.keys import Wallet


@dataclass(frozen=True, slots=True)
class TransactionPlan:
    """The instructions as sent (compute budget first, if any), the payer and every signer, payer first."""

    instructions: tuple[Instruction, ...]
    payer: Wallet
    signers: tuple[Wallet, ...]
    prepended: int
    """How many instructions the target put before the caller's (to report the caller's indices)."""

    def caller_index(self, index: int | None) -> int | None:
        return _caller_index(index, self.prepended)


def caller_failure(failure: TransactionFailure, prepended: int) -> TransactionFailure:
    """`failure` with its instruction counted among the caller's: the `prepended` ones (the compute budget the
    target put first) left out. A transaction found by its signature alone (after a crash) has no plan."""
    return replace(failure, instruction_index=_caller_index(failure.instruction_index, prepended))


def _caller_index(index: int | None, prepended: int) -> int | None:
    return None if index is None else index - prepended


def plan_transaction(instructions: Sequence[Instruction], signers: Sequence[Wallet], *,
                     payer: Wallet | None = None, compute_unit_limit: int | None = None) -> TransactionPlan:
    """Validate a `Chain.send` call and lay the transaction out; raises `InvalidArgument` on misuse."""
    if not instructions or isinstance(instructions, Instruction):
        raise InvalidArgument(f"pass a non-empty sequence of instructions, got {instructions!r}")
    chosen = payer if payer is not None else _first_signer(signers)
    ordered = _unique((chosen, *signers))
    _check_signers(instructions, ordered)
    prefix = _compute_budget(instructions, compute_unit_limit)
    return TransactionPlan((*prefix, *instructions), chosen, ordered, len(prefix))


def _first_signer(signers: Sequence[Wallet]) -> Wallet:
    if not signers:
        raise InvalidArgument("a transaction needs a fee payer: pass at least one signer or payer=")
    return signers[0]


def _unique(wallets: Sequence[Wallet]) -> tuple[Wallet, ...]:
    seen: dict[Address, Wallet] = {}
    for wallet in wallets:
        seen.setdefault(wallet.address, wallet)
    return tuple(seen.values())


def _check_signers(instructions: Sequence[Instruction], signers: tuple[Wallet, ...]) -> None:
    required = {meta.address for ix in instructions for meta in ix.accounts if meta.is_signer}
    required.add(signers[0].address)
    given = {wallet.address for wallet in signers}
    if missing := required - given:
        raise InvalidArgument(f"accounts marked as signers have no Wallet among the signers: "
                              f"{sorted(map(str, missing))}; pass their wallets in signers=")
    if extra := given - required:
        raise InvalidArgument(f"wallets {sorted(map(str, extra))} are not signers of any instruction; "
                              f"drop them from signers= (a transaction carries only the signatures it needs)")


def _compute_budget(instructions: Sequence[Instruction], limit: int | None) -> tuple[Instruction, ...]:
    if limit is None:
        return ()
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 < limit <= MAX_COMPUTE_UNIT_LIMIT:
        raise InvalidArgument(f"compute_unit_limit must be an integer in [1, {MAX_COMPUTE_UNIT_LIMIT}], "
                              f"got {limit!r}")
    if any(_sets_unit_limit(ix) for ix in instructions):
        raise InvalidArgument("compute_unit_limit= given while the instructions already set a compute unit "
                              "limit; pass one or the other (the runtime rejects two)")
    return (programs.set_compute_unit_limit(limit),)


def _sets_unit_limit(instruction: Instruction) -> bool:
    return (instruction.program_id == ids.COMPUTE_BUDGET_PROGRAM_ID
            and instruction.data[:1] == bytes([programs.ComputeBudgetInstruction.SET_COMPUTE_UNIT_LIMIT]))

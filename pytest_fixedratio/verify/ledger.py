"""Per-operation predictions: what a transaction must do to every watched account, checked against a receipt.

From the accounts before a transaction and the operations it carries, `predict` computes the complete
after-state of every watched account: token amounts, mint supplies, lamports (program fee and network fee
included) and PoolState fields (totals, collected fees, `total_sol_fees_collected`). Swap outputs come from
`frt.math` over the ratio stored on chain. Everything not predicted to change must stay byte-for-byte equal.
`verify_receipt` then compares the prediction with the receipt:

- success: the observed after-state equals the prediction (`Check.DELTA`: frt-contract.md section 5 I3-I5 and
  service-features.md 8.1), and the contract allowed the operation at all (`Check.ACCEPT`: no zero amount,
  no wrong expected output, no overdraft, no paused pool ...);
- failure: nothing changed except the fee payer's lamports, by the network fee (`Check.I9`).

What each operation does is modelled in `verify.operations`; predictions work on decoded accounts and
re-encode them, so they are exact to the byte.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from pytest_fixedratio.chain.base import AccountMap, AccountState, Receipt
from pytest_fixedratio.errors import DecodeError
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.verify.operations import Book, Change, Operation, Rejected
from pytest_fixedratio.verify.report import Check, CheckOutcome, Violation, ViolationContext
from pytest_fixedratio.verify.snapshot import describe_account, layout_of, plain


def _labels(operations: Sequence[Operation], fee_payer: Address | None) -> dict[Address, str]:
    """Every account of the transaction, named by all its roles ("fee payer / user")."""
    roles: dict[Address, list[str]] = {} if fee_payer is None else {fee_payer: ["fee payer"]}
    for op in operations:
        for address, role in op.labels().items():
            names = roles.setdefault(address, [])
            if role not in names:
                names.append(role)
    return {address: " / ".join(names) for address, names in roles.items()}


def watch_list(operations: Sequence[Operation], fee_payer: Address | None = None) -> tuple[Address, ...]:
    """Every account `verify_receipt` needs before and after: pass it as the transaction's ``watch=``."""
    return tuple(_labels(operations, fee_payer))


@dataclass(frozen=True, slots=True)
class Expectation:
    """The ledger's prediction for one transaction, printable next to what the chain reports.

    `rejection` is set when the contract must reject the transaction; `predicted` is then what a failed
    transaction leaves (only the network fee charged). `surplus_added` is the increase of each pool's I2
    quantity S, for `PoolWatch`.
    """

    operations: tuple[Operation, ...]
    before: AccountMap
    predicted: AccountMap
    labels: Mapping[Address, str]
    changes: tuple[Change, ...] = ()
    rejection: str | None = None
    surplus_added: Mapping[Address, int] = field(default_factory=dict)

    def describe(self) -> str:
        ops = "; ".join(str(op) for op in self.operations) or "no operation"
        if self.rejection is not None:
            return f"{ops}: must fail ({self.rejection})"
        return f"{ops}: " + (", ".join(map(str, self.changes)) or "no change")


def _book(before: AccountMap, operations: Sequence[Operation], fee_payer: Address | None
          ) -> tuple[Book, dict[Address, str]]:
    labels = _labels(operations, fee_payer)
    return Book(before, labels), labels


def predict(before: AccountMap, operations: Sequence[Operation], *, fee_payer: Address | None,
            network_fee: int) -> Expectation:
    """Charge `network_fee` to the fee payer, then apply each operation in order to the watched `before`
    state. If the contract must reject the transaction, the prediction is `predict_failure`'s, with the
    reason in `rejection`."""
    book, labels = _book(before, operations, fee_payer)
    try:
        _charge(book, fee_payer, network_fee)
        for op in operations:
            op.apply(book)
    except Rejected as rejected:
        failed = predict_failure(before, operations, fee_payer=fee_payer, network_fee=network_fee)
        return Expectation(failed.operations, before, failed.predicted, labels, rejection=str(rejected))
    return Expectation(tuple(operations), before, book.accounts, labels, tuple(book.changes),
                       surplus_added=dict(book.surplus_added))


def predict_failure(before: AccountMap, operations: Sequence[Operation], *, fee_payer: Address | None,
                    network_fee: int) -> Expectation:
    """What a failed transaction leaves (I9): the fee payer charged `network_fee`, nothing else changed."""
    book, labels = _book(before, operations, fee_payer)
    try:
        _charge(book, fee_payer, network_fee)
    except Rejected as rejected:
        return Expectation(tuple(operations), before, before, labels, rejection=str(rejected))
    return Expectation(tuple(operations), before, book.accounts, labels, tuple(book.changes))


def _charge(book: Book, fee_payer: Address | None, network_fee: int) -> None:
    if fee_payer is not None and network_fee:
        book.add_lamports(fee_payer, -network_fee)


def _field_differences(predicted: AccountState, observed: AccountState) -> list[str]:
    """Named differences in account data: decoded fields when both decode with one layout, else bytes."""
    layout = layout_of(predicted)
    if layout is not None and layout is layout_of(observed):
        try:
            want, got = layout.decode(predicted.data), layout.decode(observed.data)
        except DecodeError:
            pass
        else:
            named = [f"{f.name} predicted {plain(getattr(want, f.name))}, observed {plain(getattr(got, f.name))}"
                     for f in fields(want) if getattr(want, f.name) != getattr(got, f.name)]  # type: ignore[arg-type]
            if named or predicted.data == observed.data:
                return named
    first = next((i for i, (a, b) in enumerate(zip(predicted.data, observed.data, strict=False)) if a != b),
                 min(len(predicted.data), len(observed.data)))
    return [f"data differs from byte {first} ({len(predicted.data)} bytes predicted, {len(observed.data)} observed)"]


def account_differences(predicted: AccountState | None, observed: AccountState | None) -> list[str]:
    """Every way `observed` differs from `predicted`, each naming both values."""
    if predicted is None or observed is None:
        return [] if predicted is observed else [
            f"predicted {'no account' if predicted is None else 'an account'}, "
            f"observed {'no account' if observed is None else 'an account'}"]
    found = [f"{name} predicted {plain(getattr(predicted, name))}, observed {plain(getattr(observed, name))}"
             for name in ("lamports", "owner", "executable") if getattr(predicted, name) != getattr(observed, name)]
    if predicted.data != observed.data:
        found.extend(_field_differences(predicted, observed))
    return found


def compare(expectation: Expectation, observed: AccountMap, check: Check) -> CheckOutcome:
    """One violation per watched account whose observed state differs from the prediction."""
    violations = []
    for address, predicted in expectation.predicted.items():
        if address not in observed:
            continue
        differences = account_differences(predicted, observed[address])
        if differences:
            label = expectation.labels.get(address, "account")
            details: dict[str, Any] = {
                "address": str(address), "label": label, "prediction": expectation.describe(),
                "before": describe_account(expectation.before.get(address)),
                "predicted": describe_account(predicted), "observed": describe_account(observed[address])}
            violations.append(Violation(check, f"{label} {address}: " + "; ".join(differences), details))
    return CheckOutcome.of(check, violations)


@dataclass(frozen=True, slots=True)
class ReceiptCheck:
    """A verified receipt: the ledger's prediction (for reports and for `PoolWatch`'s I2 bookkeeping) and
    the outcome of comparing it with what the chain reported."""

    expectation: Expectation
    outcome: CheckOutcome

    @property
    def surplus_added(self) -> Mapping[Address, int]:
        """Increase of each pool's S by this transaction: none unless it succeeded as predicted."""
        return self.expectation.surplus_added


def verify_receipt(receipt: Receipt, operations: Sequence[Operation], *, fee_payer: Address | None
                   ) -> ReceiptCheck:
    """Check one receipt against the ledger: DELTA and ACCEPT for a success, I9 for a failure. The receipt
    must watch `watch_list(operations, fee_payer)`."""
    if not receipt.ok:
        failed = predict_failure(receipt.before, operations, fee_payer=fee_payer, network_fee=receipt.fee)
        return _checked(receipt, failed, compare(failed, receipt.after, Check.I9))
    expectation = predict(receipt.before, operations, fee_payer=fee_payer, network_fee=receipt.fee)
    if expectation.rejection is not None:
        violation = Violation(Check.ACCEPT, f"the transaction succeeded but must fail: {expectation.rejection}",
                              {"before": {str(a): describe_account(s) for a, s in receipt.before.items()},
                               "after": {str(a): describe_account(s) for a, s in receipt.after.items()}})
        return _checked(receipt, expectation, CheckOutcome((Check.ACCEPT, Check.DELTA), (violation,)))
    return _checked(receipt, expectation,
                    CheckOutcome.of(Check.ACCEPT) + compare(expectation, receipt.after, Check.DELTA))


def _checked(receipt: Receipt, expectation: Expectation, outcome: CheckOutcome) -> ReceiptCheck:
    """Attach the operation and signature to any violation (formatted only then: base58 is not free)."""
    if not outcome.ok:
        operation = "; ".join(str(op) for op in expectation.operations) or None
        outcome = outcome.in_context(ViolationContext(operation=operation, signature=receipt.signature))
    return ReceiptCheck(expectation, outcome)

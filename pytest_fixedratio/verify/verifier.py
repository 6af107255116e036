"""The one verifier: every receipt of every transaction the harness sends, compared once with its intent.

`Verifier.verify(intent, receipt)` predicts from the accounts the receipt shows just before the transaction and
checks, in one pass:
- the outcome: success where success is predicted (else OUTCOME), the exact predicted error and failing
  instruction where a failure is (else ERROR), no success where the contract forbids one (ACCEPT);
- the accounts: the complete after-state of every watched account (DELTA), or nothing but the network fee
  changed by a failure (I9); this covers program accounts whole: pool, treasury and system state, timestamps
  included;
- the success log lines clients parse (LOGS);
- continuity: a pool's own accounts are exactly as the harness last saw them;
- the pool invariants (I1, I2 with its exact increase, I6, I7, I8, I10) on the after-state of the pool the
  intent trades on, every `verify_every` operations.
On a chain other clients share (`shared`), pool accounts change between the harness's own transactions: there is
no continuity, I2's increase is only bounded below (others swap too), and the program-wide checks count the
pools the treasury says were created. A receipt marked contended (another client touched its accounts between
the reads around it, `chain.executed`) has exact lamports and token amounts only: its prediction starts from them,
with the pool's tracked liquidity taken from its vaults (I1, which every pool check asserts), no data is compared
but token accounts' and mints' (the program's own state is as read, later), and the pool invariants run on the
after-read, which is consistent.
It returns what it found and keeps only its own bookkeeping (baselines, last-seen states, pending surplus); it
never reads the chain and never writes into engine objects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from pytest_fixedratio.chain.base import AccountMap, AccountState, Receipt
from pytest_fixedratio.chain.executed import exact_data
from pytest_fixedratio.frt.errors import ClassifiedError, classify
from pytest_fixedratio.frt.pdas import PoolAddresses, pool_watch_list
from pytest_fixedratio.frt.state import AccountLayout, PoolState, TokenAccount
from pytest_fixedratio.intents.intent import Intent, Prediction
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.verify.diff import account_differences
from pytest_fixedratio.verify.invariants import PoolWatch, TreasuryHistory, check_global
from pytest_fixedratio.verify.report import Check, CheckOutcome, VerificationLog, Violation, ViolationContext
from pytest_fixedratio.verify.snapshot import GlobalSnapshot, describe_account

_LOG_PREFIX = "Program log: "


@dataclass(frozen=True, slots=True)
class Verification:
    """One receipt, verified. `error` is the classified failure (None for a success); `expected_failure` is
    True for a failure the intent predicted (with the right error); `findings` are the violations."""

    intent: Intent
    prediction: Prediction
    error: ClassifiedError | None
    expected_failure: bool
    findings: tuple[Violation, ...]
    finding: Literal["present", "absent"] | None = None
    """Of a probe (an intent with a `finding` and alternatives): "present" when the chain did what the intent
    predicts and no alternative, "absent" when it did what an alternative predicts (a fixed build), else None."""

    @property
    def unexpected_failure(self) -> bool:
        return self.error is not None and not self.expected_failure


class Verifier:
    """`shared`: on a chain other clients use (see the module's docstring)."""

    def __init__(self, program_id: Address, *, verify_every: int = 1, shared: bool = False) -> None:
        self.program_id = program_id
        self.verify_every = verify_every
        self.shared = shared
        self.contended = 0
        """Receipts verified as contended (see the module's docstring)."""
        self.log = VerificationLog()
        self.watches: dict[Address, PoolWatch] = {}
        self.treasury = TreasuryHistory()
        """What the harness's own successful transactions did to the MainTreasury (their predictions' `flows`):
        pools created, donations, consolidations and withdrawals, for G1 and G2."""
        self._surplus: Counter[Address] = Counter()
        self._ops_since_check: Counter[Address] = Counter()
        self._checked: dict[Address, AccountMap] = {}
        """Each pool's accounts as its invariants were last checked on them."""
        self._known: dict[Address, AccountState | None] = {}

    # ------------------------------------------------------------------ pools
    def track_pool(self, addresses: PoolAddresses, accounts: AccountMap, *, pool_rent: int
                   ) -> tuple[Violation, ...]:
        """Start watching a pool from `accounts` (its pool_watch_list, read now), taken as its baseline."""
        from pytest_fixedratio.verify.snapshot import pool_snapshot

        self.watches[addresses.pool] = PoolWatch.start(pool_snapshot(addresses, accounts), pool_rent=pool_rent)
        own = (addresses.pool, addresses.token_a_vault, addresses.token_b_vault, addresses.lp_a_mint,
               addresses.lp_b_mint)
        self._known.update({a: accounts[a] for a in own})
        return ()

    def forget_pool(self, pool: Address) -> None:
        watch = self.watches.pop(pool, None)
        self._checked.pop(pool, None)
        if watch is not None:
            a = watch.baseline.addresses
            for address in (a.pool, a.token_a_vault, a.token_b_vault, a.lp_a_mint, a.lp_b_mint):
                self._known.pop(address, None)

    def check_pool(self, pool: Address, accounts: AccountMap, where: str,
                   known: Mapping[Address, AccountLayout] | None = None) -> tuple[Violation, ...]:
        """Every pool invariant on `accounts` (a pool_watch_list read or watched at one point in time);
        `known` holds some of them already decoded."""
        watch = self.watches[pool]
        breaks = self._continuity(accounts, where)
        self._remember(accounts)
        surplus = self._surplus.pop(pool, 0)
        self._ops_since_check[pool] = 0
        self._checked[pool] = accounts
        outcome = watch.check_accounts(accounts, surplus_added=None if self.shared else surplus, known=known)
        return self.log.record(outcome + breaks).violations

    def pool_states(self) -> list[PoolState]:
        return [w.previous.state for w in self.watches.values() if w.previous is not None]

    def check_program(self, snapshot: GlobalSnapshot, *, treasury_rent: int, synced: bool = False
                      ) -> tuple[Violation, ...]:
        """The program-wide invariants (G1, G2, G3; G4 when `synced`: the last transaction syncs the treasury's
        cached balance) over every pool this verifier watches; on a shared chain, G1 in its safe form over the
        pools the treasury counts and everything withdrawn from it, and no G3 (other clients' pools are not
        watched)."""
        if self.shared:  # others' creations, donations and consolidations only add; their withdrawals the
            # treasury counts in total_withdrawn, with ours
            treasury = snapshot.treasury
            history = replace(self.treasury,
                              pools_created=max(self.treasury.pools_created, treasury.pool_creation_count),
                              withdrawn=max(self.treasury.withdrawn, treasury.total_withdrawn))
            outcome = check_global(snapshot, history, treasury_rent=treasury_rent, strict=False, synced=synced)
        else:
            outcome = check_global(snapshot, self.treasury, treasury_rent=treasury_rent, pools=self.pool_states(),
                                   synced=synced)
        return self.log.record(outcome).violations

    @property
    def pools_created(self) -> int:
        return self.treasury.pools_created

    # ------------------------------------------------------------------ transactions
    def verify(self, intent: Intent, receipt: Receipt, *, restored: AccountMap | None = None) -> Verification:
        """`restored`: accounts set back right after the transaction (a forged-state scenario,
        `Session.execute_forged`): taken as seen, and the pool invariants are checked on them, not on the
        forged after-state."""
        breaks = self._continuity(receipt.before, f"before {receipt.signature}")
        self._remember(receipt.after)
        if restored:
            self._remember(restored)
        self.contended += receipt.contended
        if receipt.contended and intent.pool in self.watches:
            receipt = replace(receipt, before=_tracked_from_vaults(receipt.before,
                                                                   self.watches[intent.pool].baseline.addresses))
        prediction = intent.predict(receipt.before, network_fee=receipt.fee, now=receipt.unix_timestamp)
        error = None if receipt.ok else classify(receipt.failure, receipt.logs, self.program_id)  # type: ignore[arg-type]
        outcome, expected_failure = self._outcome(intent, prediction, receipt, error)
        finding: Literal["present", "absent"] | None = None
        if intent.alternatives:
            judged = [self._judge(a, receipt, error) for a in intent.alternatives]
            matching = [j for j in judged if not j[1].violations]
            if outcome.violations and matching:
                prediction, outcome, expected_failure = matching[0]
                finding = "absent"
            elif not outcome.violations and not matching:
                finding = "present"
        if receipt.ok and not prediction.fails:
            self._surplus.update(prediction.surplus)
            if any(prediction.flows.values()):  # most transactions book nothing to the treasury
                self.treasury = replace(self.treasury, **{name: getattr(self.treasury, name) + amount
                                                          for name, amount in prediction.flows.items()})
        findings = self.log.record(outcome + breaks).violations
        if intent.pool is not None and intent.pool in self.watches:
            findings += self._after_pool_operation(intent.pool, receipt, prediction, restored or {})
        if findings:  # formatting the operation costs base58 text: only when there is something to report
            context = ViolationContext(operation=str(intent), signature=receipt.signature)
            findings = tuple(f.in_context(context) for f in findings)
        return Verification(intent, prediction, error, expected_failure, findings, finding)

    def _judge(self, intent: Intent, receipt: Receipt, error: ClassifiedError | None
               ) -> tuple[Prediction, CheckOutcome, bool]:
        """A probe's alternative against the receipt: its prediction, the checks' outcome, an expected failure."""
        prediction = intent.predict(receipt.before, network_fee=receipt.fee, now=receipt.unix_timestamp)
        return (prediction, *self._outcome(intent, prediction, receipt, error))

    def _outcome(self, intent: Intent, prediction: Prediction, receipt: Receipt, error: ClassifiedError | None
                 ) -> tuple[CheckOutcome, bool]:
        if receipt.ok and prediction.fails:
            evidence = {"before": _described(receipt.before), "after": _described(receipt.after)}
            violation = Violation(Check.ACCEPT, f"the transaction succeeded but must fail with "
                                                f"{prediction.error or 'an error'}: {prediction.reason}", evidence)
            return CheckOutcome((Check.ACCEPT, Check.DELTA), (violation,)), False
        if receipt.ok:
            return (CheckOutcome.of(Check.ACCEPT) + _compare(intent, prediction, receipt, Check.DELTA)
                    + _logs(prediction, receipt)), False
        assert error is not None
        if not prediction.fails:  # its accounts are compared with what a failure leaves, not with the success
            failed = Prediction(True, None, "", intent.failed_state(receipt.before, network_fee=receipt.fee,
                                                                    now=receipt.unix_timestamp))
            unexpected = Violation(Check.OUTCOME, f"unexpected {error}", {"logs": list(receipt.logs[-6:])})
            return CheckOutcome((Check.OUTCOME,), (unexpected,)) + _compare(intent, failed, receipt,
                                                                                  Check.I9), False
        accounts = _compare(intent, prediction, receipt, Check.I9)
        if prediction.error is None or prediction.error.matches(error):
            return CheckOutcome.of(Check.ERROR) + accounts, True
        wrong = Violation(Check.ERROR, f"must fail with {prediction.error} ({prediction.reason}), failed with "
                                       f"{error} at instruction {error.instruction_index}",
                          {"logs": list(receipt.logs[-6:])})
        return CheckOutcome((Check.ERROR,), (wrong,)) + accounts, True

    def _after_pool_operation(self, pool: Address, receipt: Receipt, prediction: Prediction,
                              restored: AccountMap) -> tuple[Violation, ...]:
        """Pool operations watch the whole pool: check it on their after-state (with the `restored` accounts
        set back) every `verify_every` of them. An after-state equal to the one last checked (a refused
        operation leaves the pool as it was) gives the same outcome again and is not checked twice."""
        watched = pool_watch_list(self.watches[pool].baseline.addresses)
        after = receipt.consistent_after
        if any(a not in after for a in watched):
            return ()
        self._ops_since_check[pool] += 1
        if self._ops_since_check[pool] < self.verify_every:
            return ()
        accounts = {a: restored[a] if a in restored else after[a] for a in watched}
        if accounts == self._checked.get(pool) and not self._surplus[pool]:
            self._ops_since_check[pool] = 0
            return ()
        known = {a: prediction.decoded[a] for a in watched
                 if a in prediction.decoded and prediction.accounts.get(a) == accounts[a]}
        return self.check_pool(pool, accounts, f"pool check after {receipt.signature}", known)

    # ------------------------------------------------------------------ continuity
    def _continuity(self, accounts: AccountMap, where: str) -> CheckOutcome:
        """Pool accounts must be exactly as the harness last saw them: anything else changed them."""
        if self.shared:
            return CheckOutcome()
        known = [(a, s) for a, s in accounts.items() if a in self._known]
        if not known:
            return CheckOutcome()
        violations = [
            Violation(Check.CONTINUITY, f"{address} changed outside the harness's transactions ({where}): "
                      + "; ".join(account_differences(self._known[address], state)))
            for address, state in known if self._known[address] != state
        ]
        return CheckOutcome.of(Check.CONTINUITY, violations)

    def _remember(self, accounts: AccountMap) -> None:
        for address, state in accounts.items():
            if address in self._known:
                self._known[address] = state

    def acknowledge(self, accounts: AccountMap) -> None:
        """Accounts changed on purpose outside a transaction (a test playing an admin): take them as seen."""
        self._remember(accounts)



def _tracked_from_vaults(before: AccountMap, addresses: PoolAddresses) -> AccountMap:
    """`before` with the pool's tracked liquidity set to its vaults' amounts, which are exact (a contended
    receipt's pool state is read earlier than the transaction saw it, its vaults are not)."""
    pool, vault_a, vault_b = (before.get(a) for a in (addresses.pool, addresses.token_a_vault, addresses.token_b_vault))
    if pool is None or vault_a is None or vault_b is None:
        return before
    state = PoolState.decode(pool.data)
    tracked = replace(state, total_token_a_liquidity=TokenAccount.decode(vault_a.data).amount,
                      total_token_b_liquidity=TokenAccount.decode(vault_b.data).amount)
    data = tracked.encode()
    return {**before, addresses.pool: replace(pool, data=data + pool.data[len(data):])}


def _described(accounts: AccountMap) -> dict[str, Any]:
    return {str(a): describe_account(s) for a, s in accounts.items()}


def _compare(intent: Intent, prediction: Prediction, receipt: Receipt, check: Check) -> CheckOutcome:
    """One violation per watched account whose observed state differs from the prediction; of a contended receipt,
    the data of accounts whose data it does not have exactly is not compared (`chain.executed.exact_data`)."""
    violations = []
    labels: dict[Address, str] | None = None
    for address, predicted in prediction.accounts.items():
        observed = receipt.after.get(address, predicted)
        if receipt.contended and predicted is not None and observed is not None and not exact_data(observed):
            predicted = replace(predicted, data=observed.data)
        if observed == predicted:
            continue
        differences = account_differences(predicted, observed)
        if differences:
            labels = labels or intent.labels()
            label = labels.get(address, "account")
            details: dict[str, Any] = {
                "address": str(address), "label": label, "prediction": prediction.describe(intent),
                "before": describe_account(receipt.before.get(address)),
                "predicted": describe_account(predicted), "observed": describe_account(observed)}
            violations.append(Violation(check, f"{label} {address}: " + "; ".join(differences), details))
    return CheckOutcome.of(check, violations)


def _logs(prediction: Prediction, receipt: Receipt) -> CheckOutcome:
    """Each predicted success line, in order, among the program's log lines."""
    lines = iter(receipt.logs)
    missing = [line for line in prediction.logs if not any(log == _LOG_PREFIX + line for log in lines)]
    if not prediction.logs:
        return CheckOutcome()
    violations: Sequence[Violation] = [
        Violation(Check.LOGS, f"the success log line {line!r} is missing", {"logs": list(receipt.logs[-8:])})
        for line in missing]
    return CheckOutcome.of(Check.LOGS, violations)

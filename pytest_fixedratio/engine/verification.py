"""The engine's use of `verify/`: a ledger check on every transaction, pool invariants after operations.

`LedgerChecks` turns each engine operation into the ledger's operations (so the operator knows which
accounts to watch and how to judge the receipt), keeps one `PoolWatch` per pool, and counts every check and
violation in one `VerificationLog`. The swap surplus (invariant I2's exact increase) is summed from the
verified swaps between two pool checks (the ledger reports each one), so with a check after every operation
S is predicted exactly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pytest_fixedratio.chain.base import AccountMap, AccountState, Chain, Receipt
from pytest_fixedratio.engine.operator import Outcome
from pytest_fixedratio.engine.pools import PoolHandle
from pytest_fixedratio.frt.constants import MAIN_TREASURY_LEN, POOL_STATE_LEN, Side
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.pda import associated_token_address
from pytest_fixedratio.verify import ledger
from pytest_fixedratio.verify import operations as vops
from pytest_fixedratio.verify.invariants import PoolWatch, TreasuryHistory, check_global
from pytest_fixedratio.verify.reader import read_global, read_pool
from pytest_fixedratio.verify.report import Check, CheckOutcome, VerificationLog, Violation
from pytest_fixedratio.verify.snapshot import pool_watch_list

if TYPE_CHECKING:
    from pytest_fixedratio.engine.runtime import StressEngine


class LedgerCheck:
    """One transaction's ledger operations, checked against its receipt."""

    def __init__(self, checks: LedgerChecks, operations: Sequence[vops.Operation], fee_payer: Address,
                 extra_surplus: Mapping[Address, int] | None = None) -> None:
        self._checks = checks
        self.operations = tuple(operations)
        self.fee_payer = fee_payer
        self._extra_surplus = extra_surplus or {}

    def watch(self) -> tuple[Address, ...]:
        return ledger.watch_list(self.operations, self.fee_payer)

    def verify(self, receipt: Receipt) -> tuple[Violation, ...]:
        breaks = self._checks.continuity(receipt.before, f"before {receipt.signature}")
        self._checks.remember(receipt.after)
        result = ledger.verify_receipt(receipt, self.operations, fee_payer=self.fee_payer)
        self._checks.surplus_since_check.update(result.surplus_added)
        if receipt.ok:
            self._checks.surplus_since_check.update(self._extra_surplus)
        return self._checks.log.record(result.outcome + breaks).violations


class LedgerChecks:
    def __init__(self, chain: Chain, *, verify_every: int = 1) -> None:
        self.chain = chain
        self.verify_every = verify_every
        self.log = VerificationLog()
        self.watches: dict[Address, PoolWatch] = {}
        self.surplus_since_check: Counter[Address] = Counter()
        self._ops_since_check: Counter[Address] = Counter()
        self.pools_created = 0
        self._known: dict[Address, AccountState | None] = {}
        """The last state the harness saw of each pool's own accounts (state PDA, vaults, LP mints)."""

    # ------------------------------------------------------------------ continuity
    def continuity(self, accounts: AccountMap, where: str) -> CheckOutcome:
        """Pool accounts must be exactly as the harness last saw them: anything else changed them."""
        known = [(a, s) for a, s in accounts.items() if a in self._known]
        if not known:
            return CheckOutcome()
        violations = [
            Violation(Check.CONTINUITY, f"{address} changed outside the harness's transactions ({where}): "
                      + "; ".join(ledger.account_differences(self._known[address], state)))
            for address, state in known if self._known[address] != state
        ]
        return CheckOutcome.of(Check.CONTINUITY, violations)

    def remember(self, accounts: AccountMap) -> None:
        for address, state in accounts.items():
            if address in self._known:
                self._known[address] = state

    # ------------------------------------------------------------------ per transaction
    def _check(self, operations: Sequence[vops.Operation], payer: Address) -> list[LedgerCheck]:
        return [LedgerCheck(self, operations, payer)]

    def deposit(self, pool: PoolHandle, user: Address, side: Side, amount: int) -> list[LedgerCheck]:
        return self._check([vops.Deposit(pool.addresses, user, side, amount)], user)

    def withdraw(self, pool: PoolHandle, user: Address, side: Side, lp_amount: int) -> list[LedgerCheck]:
        return self._check([vops.Withdraw(pool.addresses, user, side, lp_amount)], user)

    def swap(self, pool: PoolHandle, user: Address, input_side: Side, amount_in: int, amount_out: int
             ) -> list[LedgerCheck]:
        return self._check([vops.Swap(pool.addresses, user, input_side, amount_in, amount_out)], user)

    def transfers(self, mint: Address, sender: Address, recipients: Sequence[tuple[Address, int]]
                  ) -> list[LedgerCheck]:
        source = associated_token_address(sender, mint)
        return self._check([vops.TokenTransfer(source, associated_token_address(r, mint), amount)
                            for r, amount in recipients], sender)

    def mint_to(self, mint: Address, owner: Address, amount: int, payer: Address) -> list[LedgerCheck]:
        return self._check([vops.MintTo(mint, associated_token_address(owner, mint), amount)], payer)

    def burns(self, owner: Address, amounts: Mapping[Address, int]) -> list[LedgerCheck]:
        """Burns; burning LP outside the program raises its pool's S (I2) by the other side's ratio per unit."""
        operations = [vops.Burn(associated_token_address(owner, m), m, a) for m, a in amounts.items() if a]
        surplus: Counter[Address] = Counter()
        for watch in self.watches.values():
            pool = watch.baseline.addresses
            surplus[pool.pool] += (amounts.get(pool.lp_a_mint, 0) * pool.ratio_b
                                   + amounts.get(pool.lp_b_mint, 0) * pool.ratio_a)
        return [LedgerCheck(self, operations, owner, +surplus)]

    def sol_transfer(self, source: Address, destination: Address, lamports: int) -> list[LedgerCheck]:
        return self._check([vops.SolTransfer(source, destination, lamports)], source)

    def create_atas(self, payer: Address, pairs: Sequence[tuple[Address, Address]], rent: int) -> list[LedgerCheck]:
        return self._check([vops.CreateTokenAccount(payer, owner, mint, rent) for owner, mint in pairs], payer)

    def leave(self, owner: Address, token_accounts: Sequence[Address], destination: Address, lamports: int
              ) -> list[LedgerCheck]:
        """A wallet closing its (empty) token accounts and sending its last lamports to `destination`."""
        closes: list[vops.Operation] = [vops.CloseTokenAccount(a, destination, owner) for a in token_accounts]
        return self._check([*closes, vops.SolTransfer(owner, destination, lamports)], owner)

    # ------------------------------------------------------------------ per pool
    async def track_pool(self, pool: PoolHandle) -> None:
        """Start watching a pool just created (its state now is the baseline of its immutables)."""
        rent = await self.chain.rent_exempt_minimum(POOL_STATE_LEN)
        self.watches[pool.address] = PoolWatch.start(await read_pool(self.chain, pool.addresses), pool_rent=rent)
        self.pools_created += 1
        a = pool.addresses
        own = (a.pool, a.token_a_vault, a.token_b_vault, a.lp_a_mint, a.lp_b_mint)
        self._known.update(await self.chain.get_accounts(own))

    async def after_operation(self, pool: PoolHandle, outcome: Outcome) -> tuple[Violation, ...]:
        """Refresh the pool's state and, every `verify_every` operations, check its invariants."""
        self._ops_since_check[pool.address] += 1
        if self._ops_since_check[pool.address] < self.verify_every:
            await pool.refresh(self.chain)
            return ()
        return await self.check_pool(pool)

    async def check_pool(self, pool: PoolHandle) -> tuple[Violation, ...]:
        accounts = await self.chain.get_accounts(pool_watch_list(pool.addresses))
        exact = self._ops_since_check[pool.address] <= 1
        surplus = self.surplus_since_check.pop(pool.address, 0)
        self._ops_since_check[pool.address] = 0
        watch = self.watches[pool.address]
        breaks = self.continuity(accounts, f"pool check of {pool.label}")
        self.remember(accounts)
        outcome = self.log.record(watch.check_accounts(accounts, surplus_added=surplus if exact else None) + breaks)
        if watch.previous is not None:
            pool.state = watch.previous.state
        return outcome.violations

    async def final_check(self, engine: StressEngine) -> list[str]:
        """Every pool once more, then the program-wide invariants (G1, G2, G3)."""
        found: list[Violation] = []
        for pool in engine.pools.values():
            found.extend(await self.check_pool(pool))
        snap = await read_global(self.chain)
        history = TreasuryHistory(pools_created=self.pools_created)
        rent = await self.chain.rent_exempt_minimum(MAIN_TREASURY_LEN)
        states = [p.state for p in engine.pools.values()]
        found.extend(self.log.record(check_global(snap, history, treasury_rent=rent, pools=states)).violations)
        return [str(v) for v in found]

    def totals(self) -> dict[str, Any]:
        return {"checks": self.log.total_checks, "violations": self.log.total_violations,
                "by_check": dict(sorted(self.log.checks.items()))}

"""Raw LiteSVM throughput of FRT swaps and deposits: the denominator every harness benchmark divides by.

The pool is set up with the harness (`LiteSvmChain` and the `frt` builders). What is timed afterwards is
only `LiteSVM.send_transaction` over transactions built and signed beforehand: one FRT instruction each (no
compute-budget instruction), all distinct (amount = 1, 2, 3 ...) so none is refused as already processed,
all under the same blockhash, which LiteSVM keeps valid until told to expire it. Every result is checked
after the clock stops.

    python -m benchmarks.baseline [N]    # prints and returns the figures of N swaps and N deposits
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import mean
from typing import Final, Literal

from solders.litesvm import LiteSVM
from solders.message import Message
from solders.transaction import Transaction
from solders.transaction_metadata import FailedTransactionMetadata, TransactionMetadata

from pytest_fixedratio.chain.base import ChainError
from pytest_fixedratio.chain.convert import to_pubkey, to_solders_instruction
from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.frt import builders
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.sol import ids, programs
from pytest_fixedratio.sol.instruction import Instruction
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.sol.pda import associated_token_address

Operation = Literal["swap", "deposit"]
OPERATIONS: Final[tuple[Operation, ...]] = ("swap", "deposit")
DECIMALS: Final = 6
RATIO_A, RATIO_B = 1_000_000, 2_000_000
"""1 A = 2 B: swaps of A pay exactly twice the input in B."""
LIQUIDITY: Final = 10**15
"""Token B in the pool: enough output for millions of swaps."""
TRADER_TOKENS: Final = 10**17
TRADER_LAMPORTS: Final = 10**6 * ids.LAMPORTS_PER_SOL
"""A deposit costs 0.013 SOL of fee: enough for tens of millions of them."""


def _wallet(label: str) -> Wallet:
    return Wallet.from_seed(label.encode().ljust(32, b"."))


async def _send(chain: LiteSvmChain, instructions: Sequence[Instruction], signers: Sequence[Wallet]) -> None:
    receipt = await chain.send(instructions, signers)
    if not receipt.ok:
        raise ChainError(f"baseline setup failed: {receipt.failure}; logs: {receipt.logs[-6:]}")


async def _open_market() -> BaselineMarket:
    chain = LiteSvmChain(program=_wallet("baseline-program"), upgrade_authority=_wallet("baseline-authority"))
    admin, trader = chain.upgrade_authority, _wallet("baseline-trader")
    await chain.airdrop(trader.address, TRADER_LAMPORTS)
    await _send(chain, [builders.initialize_program(chain.program_id, admin.address)], [admin])
    mints = [_wallet(f"baseline-mint-{i}") for i in range(2)]
    for mint in mints:
        await _send(chain, [programs.create_account(trader.address, mint.address, frt_math.rent(ids.MINT_LEN),
                                                    ids.MINT_LEN, ids.TOKEN_PROGRAM_ID),
                            programs.initialize_mint2(mint.address, DECIMALS, trader.address)], [trader, mint])
    pool = PoolAddresses.derive(chain.program_id, mints[0].address, mints[1].address, RATIO_A, RATIO_B)
    await _send(chain, [builders.initialize_pool(trader.address, pool)], [trader])
    await _send(chain, [programs.create_associated_token_account(trader.address, trader.address, mint)
                        for mint in (pool.token_a_mint, pool.token_b_mint, pool.lp_a_mint, pool.lp_b_mint)], [trader])
    await _send(chain, [programs.mint_to(mint, associated_token_address(trader.address, mint), trader.address,
                                         TRADER_TOKENS) for mint in (pool.token_a_mint, pool.token_b_mint)], [trader])
    await _send(chain, [builders.deposit(pool, trader.address, Side.B, LIQUIDITY)], [trader])
    return BaselineMarket(chain.svm, pool, trader)


@dataclass(frozen=True, slots=True)
class BaselineMarket:
    """A liquid pool on a LiteSVM and one trader funded for very long runs of swaps and deposits."""

    svm: LiteSVM
    pool: PoolAddresses
    trader: Wallet

    @classmethod
    def open(cls) -> BaselineMarket:
        return asyncio.run(_open_market())

    def instruction(self, operation: Operation, amount: int) -> Instruction:
        """A deposit of `amount` A, or a swap of `amount` A for exactly 2·amount B."""
        user = self.trader.address
        if operation == "deposit":
            return builders.deposit(self.pool, user, Side.A, amount)
        return builders.swap(self.pool, user, Side.A, amount, frt_math.swap_output(amount, RATIO_A, RATIO_B))

    def signed(self, operation: Operation, count: int, first_amount: int = 1) -> list[Transaction]:
        """`count` distinct transactions (amounts first_amount, first_amount + 1, ...), signed now."""
        blockhash = self.svm.latest_blockhash()
        payer = to_pubkey(self.trader.address)
        return [Transaction([self.trader.keypair],
                            Message.new_with_blockhash([to_solders_instruction(self.instruction(operation, amount))],
                                                       payer, blockhash), blockhash)
                for amount in range(first_amount, first_amount + count)]


Result = TransactionMetadata | FailedTransactionMetadata


def send_all(svm: LiteSVM, transactions: Sequence[Transaction]) -> list[Result]:
    """The measured loop: LiteSVM alone."""
    send = svm.send_transaction
    return [send(tx) for tx in transactions]


def compute_units(results: Sequence[Result]) -> list[int]:
    """Compute units of each transaction; raises `ChainError` if any failed (then the timing is void)."""
    failed = [result for result in results if isinstance(result, FailedTransactionMetadata)]
    if failed:
        raise ChainError(f"{len(failed)} of {len(results)} baseline transactions failed, first: {failed[0].err()}; "
                         f"logs: {failed[0].meta().logs()[-4:]}")
    return [result.compute_units_consumed() for result in results if isinstance(result, TransactionMetadata)]


def measure_baseline(n: int = 5_000, market: BaselineMarket | None = None) -> dict[str, float]:
    """Send `n` pre-signed swaps, then `n` pre-signed deposits; print and return transactions per second
    and the mean compute units of each (`<operation>_tx_per_s`, `<operation>_compute_units`)."""
    market = BaselineMarket.open() if market is None else market
    figures: dict[str, float] = {"transactions": n}
    for operation in OPERATIONS:
        transactions = market.signed(operation, n)
        start = time.perf_counter()
        results = send_all(market.svm, transactions)
        elapsed = time.perf_counter() - start
        units = compute_units(results)
        figures[f"{operation}_tx_per_s"] = n / elapsed
        figures[f"{operation}_compute_units"] = mean(units)
        print(f"raw LiteSVM baseline: {n} {operation}s in {elapsed:.3f} s = {n / elapsed:,.0f} tx/s, "
              f"{mean(units):,.0f} CU each")
    return figures


if __name__ == "__main__":
    measure_baseline(int(sys.argv[1]) if len(sys.argv) > 1 else 5_000)

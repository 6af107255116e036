"""Micro-benchmark of building and signing one transaction as the LiteSVM target does it (`_sign`: a swap
with its compute-budget instruction, as the workers send it), grouped with two references measured in the
same run: solders' own `Transaction(keypairs, message, blockhash)` on the same instructions (how the target
signed before), and a bare `Keypair.sign_message` (the ed25519 floor)."""

from __future__ import annotations

import pytest
from pytest_benchmark.fixture import BenchmarkFixture
from solders.message import Message
from solders.transaction import Transaction

from pytest_fixedratio.chain.convert import to_pubkey, to_solders_instruction
from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.chain.plan import TransactionPlan, plan_transaction
from pytest_fixedratio.frt import builders
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.sol.keys import Wallet

GROUP = "build and sign one swap"


@pytest.fixture(scope="module")
def chain() -> LiteSvmChain:
    return LiteSvmChain(program=Wallet.from_seed(b"bench-program".ljust(32, b".")))


@pytest.fixture(scope="module")
def plan(chain: LiteSvmChain) -> TransactionPlan:
    trader = Wallet.from_seed(b"bench-trader".ljust(32, b"."))
    mints = [Wallet.from_seed(f"bench-mint-{i}".encode().ljust(32, b".")).address for i in range(2)]
    pool = PoolAddresses.derive(chain.program_id, mints[0], mints[1], 1_000_000, 2_000_000)
    swap = builders.swap(pool, trader.address, Side.A, 1_000, 2_000)
    return plan_transaction([swap], [trader], compute_unit_limit=200_000)


def test_sign(benchmark: BenchmarkFixture, chain: LiteSvmChain, plan: TransactionPlan) -> None:
    benchmark.group = GROUP
    tx = benchmark(chain._sign, plan)
    tx.verify()


def test_reference_solders_transaction_constructor(benchmark: BenchmarkFixture, chain: LiteSvmChain,
                                                   plan: TransactionPlan) -> None:
    benchmark.group = GROUP
    keypairs = [wallet.keypair for wallet in plan.signers]

    def build() -> Transaction:
        blockhash = chain.svm.latest_blockhash()
        message = Message.new_with_blockhash([to_solders_instruction(ix) for ix in plan.instructions],
                                             to_pubkey(plan.payer.address), blockhash)
        return Transaction(keypairs, message, blockhash)

    assert bytes(benchmark(build)) == bytes(chain._sign(plan))


def test_floor_one_signature(benchmark: BenchmarkFixture, chain: LiteSvmChain, plan: TransactionPlan) -> None:
    benchmark.group = GROUP
    message = bytes(chain._sign(plan).message)
    benchmark(plan.payer.keypair.sign_message, message)

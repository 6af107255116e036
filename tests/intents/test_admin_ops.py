"""The phase-2 operations (`intents.admin_ops`) predict exactly what the reference program does, on LiteSVM.

Every test sends intents to the bundled program and holds each prediction to its receipt (`Sent.mismatches`): the
outcome, the exact error as `frt.errors.classify` names it from the receipt, the complete after-state of every
watched account (timestamps and the payer's lamports included) and the success log lines. Each test starts from a
fresh conformance market (an initialized program, two liquid pools that collected fees, funded users) and moves
the clock or forges accounts (`LiteSvmChain.set_account`) to reach the states the checks look at.

The models of fixed builds (`bypass=False`, `residue_len=438`, `lp_decimals_sorted=True`) must NOT match the
reference program where its quirk shows: that difference is what a security probe reads.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, TypeVar

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pytest_fixedratio.chain.base import AccountState, Receipt
from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.engine.context import COMPUTE_UNITS
from pytest_fixedratio.frt import builders, pdas
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.errors import FrtErrorCode, Raiser, classify
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.frt.state import AccountLayout, MainTreasuryState, Mint, PoolState, SystemState
from pytest_fixedratio.intents.admin_ops import (
    ADMIN_OPS,
    KINDS,
    ConsolidatePoolFees,
    DonateSol,
    PausePool,
    PauseSystem,
    ProcessAdminChange,
    SetSwapOwnerOnly,
    UnpausePool,
    UnpauseSystem,
    UpdatePoolFees,
    WithdrawTreasuryFees,
    consolidation_split,
    hourly_cap,
)
from pytest_fixedratio.intents.book import FLOW_CAUSES, no_flows
from pytest_fixedratio.intents.expected import ExpectedError
from pytest_fixedratio.intents.intent import Intent, Prediction
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.intents.pool_ops import Deposit, InitializePool
from pytest_fixedratio.intents.wallet_ops import SolTransfer
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.keys import Wallet
from tests.conformance.conftest import Market, open_market

E = ExpectedError
SOL: Final = ids.LAMPORTS_PER_SOL
HOUR: Final = 3_600
IAD: Final = E.frt_builtin("InvalidAccountData")
IID: Final = E.frt_builtin("InvalidInstructionData")
SYSTEM_PAUSED: Final = E.frt(FrtErrorCode.SystemPaused)
RESIDUE: Final = frt_math.rent(c.POOL_STATE_RUST_SIZE) - frt_math.rent(c.POOL_STATE_LEN)
SLOW: Final = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""Each example opens its own market (about 60 ms) and sends a few transactions."""
_T = TypeVar("_T")
_L = TypeVar("_L", bound=AccountLayout)


# ---------------------------------------------------------------------------------------------------------
# Sending intents and holding their predictions to the receipts


@dataclass(frozen=True)
class Sent:
    """One intent sent to the chain, its prediction from the receipt's before-state, and the receipt."""

    intent: Intent
    prediction: Prediction
    receipt: Receipt
    program_id: Address

    def predicted_by(self, *ops: Op) -> Prediction:
        """What another model of the same instructions (a fixed build's) predicts for this receipt."""
        other = replace(self.intent, ops=ops)
        assert other.instructions() == self.intent.instructions(), "a model of other instructions"
        return other.predict(self.receipt.before, network_fee=self.receipt.fee, now=self.receipt.unix_timestamp)

    def mismatches(self, prediction: Prediction | None = None) -> list[str]:
        """Every way `prediction` (default: the intent's own) differs from the receipt; empty when exact."""
        predicted, receipt = prediction or self.prediction, self.receipt
        if predicted.fails != (not receipt.ok):
            return [f"predicted {'failure ' + str(predicted.error) if predicted.fails else 'success'} "
                    f"({predicted.reason}), the chain: {receipt.failure or 'success'} {receipt.logs[-4:]}"]
        found = []
        if receipt.failure is not None:
            error = classify(receipt.failure, receipt.logs, self.program_id)
            if predicted.error is None or not predicted.error.matches(error):
                found.append(f"predicted {predicted.error} ({predicted.reason}), the chain: {error.label}")
        found += [f"{self.intent.labels()[address]}: predicted {predicted.accounts.get(address)}, "
                  f"the chain: {receipt.after.get(address)}"
                  for address in self.intent.watch() if predicted.accounts.get(address) != receipt.after.get(address)]
        if receipt.ok:
            lines = iter(receipt.logs)
            found += [f"log line {line!r} missing" for line in predicted.logs
                      if not any(log == "Program log: " + line for log in lines)]
        return found

    def outcome(self) -> str:
        """The prediction's outcome as a Hypothesis event, so `--hypothesis-show-statistics` shows which paths
        the examples reached."""
        why = re.sub(r"\d+", "N", self.prediction.reason)
        outcome = f"{self.prediction.error.name}: {why}" if self.prediction.error else "success"
        event(outcome)
        return outcome

    def exact(self, error: ExpectedError | None = None) -> Sent:
        """Assert the prediction is exact and, if given, that it is a failure with `error` (at instruction 0 unless
        the error names one); without `error` a success is asserted."""
        mismatches = self.mismatches()
        assert not mismatches, "\n".join(mismatches)
        if error is None:
            assert self.receipt.ok, self.prediction.reason
        else:
            expected = error.at(0) if error.instruction is None else error
            assert self.prediction.error == expected, (self.prediction.error, self.prediction.reason)
        return self


async def send(m: Market, *ops: Op, signers: Sequence[Wallet]) -> Sent:
    intent = Intent(_kind(ops[0]), "test", ops, tuple(signers))
    receipt = await m.bench.chain.send(intent.instructions(), list(signers), watch=intent.watch())
    prediction = intent.predict(receipt.before, network_fee=receipt.fee, now=receipt.unix_timestamp)
    return Sent(intent, prediction, receipt, m.program_id)


def _kind(op: Op) -> str:
    return KINDS.get(type(op), type(op).__name__)


def admin(m: Market) -> Wallet:
    """The program's upgrade authority, which InitializeProgram made the admin too."""
    return m.bench.chain.upgrade_authority


def chain_of(m: Market) -> LiteSvmChain:
    chain = m.bench.chain
    assert isinstance(chain, LiteSvmChain)
    return chain


def run(scenario: Callable[[Market], Awaitable[_T]]) -> _T:
    """`scenario` on a fresh in-process market: how each Hypothesis example gets a chain of its own."""
    async def opened() -> _T:
        market = await open_market("litesvm")
        try:
            return await scenario(market)
        finally:
            await market.bench.closing.aclose()
    return asyncio.run(opened())


@pytest.fixture
def market() -> Market:
    """A fresh market; the tests drive it through `asyncio.run`, so each stays a plain function (as Hypothesis's
    examples must, to get a chain of their own)."""
    return asyncio.run(open_market("litesvm"))


# ---------------------------------------------------------------------------------------------------------
# Forging accounts (the in-process chain can set any account between transactions)


async def account(m: Market, address: Address) -> AccountState:
    found = await m.bench.chain.get_account(address)
    assert found is not None, f"{address} holds no account"
    return found


async def forge(m: Market, address: Address, layout: type[_L], *, lamports: int | None = None, **fields: Any
                ) -> None:
    """Set fields (and lamports) of a decodable account."""
    now = await account(m, address)
    data = replace(layout.decode(now.data), **fields).encode() if fields else now.data  # type: ignore[type-var]
    chain_of(m).set_account(address, replace(now, data=data, lamports=now.lamports if lamports is None else lamports))


async def reshape(m: Market, address: Address, *, data: bytes | None = None, owner: Address | None = None) -> None:
    """Give an account other bytes or another owner, keeping its lamports."""
    now = await account(m, address)
    chain_of(m).set_account(address, replace(now, data=now.data if data is None else data,
                                             owner=now.owner if owner is None else owner))


def system_state(m: Market) -> Address:
    return pdas.system_state(m.program_id)[0]


def treasury(m: Market) -> Address:
    return pdas.main_treasury(m.program_id)[0]


def program_data(m: Market) -> Address:
    return pdas.program_data(m.program_id)[0]


async def decoded(m: Market, address: Address, layout: type[_L]) -> _L:
    return layout.decode((await account(m, address)).data)


async def pause_system(m: Market) -> None:
    (await send(m, PauseSystem(m.program_id, admin(m).address, 1), signers=[admin(m)])).exact()


async def swap_fees(m: Market, count: int) -> None:
    """`count` swaps A->B on the main pool by the trader: its pool collects swap fees besides liquidity fees."""
    for _ in range(count):
        await m.bench.send_ok([builders.swap(m.pool, m.trader.address, Side.A, 1_000, 2_500)], [m.trader])


# ---------------------------------------------------------------------------------------------------------
# Every admin op, built by kind


def build(kind: str, m: Market, signer: Address, *, program_data: Address | None = None, bypass: bool = True
          ) -> Op:
    """The admin op `kind` by `signer`, with arguments it can succeed with on a fresh market (UnpauseSystem needs a
    paused system first)."""
    pid, pool = m.program_id, m.pool
    builds: dict[str, Callable[[], Op]] = {
        "pause_system": lambda: PauseSystem(pid, signer, 3, program_data, bypass=bypass),
        "unpause_system": lambda: UnpauseSystem(pid, signer, program_data, bypass=bypass),
        "pause_pool": lambda: PausePool(pool, signer, c.PauseFlag.ALL, program_data, bypass=bypass),
        "unpause_pool": lambda: UnpausePool(pool, signer, c.PauseFlag.SWAPS, program_data, bypass=bypass),
        "update_pool_fees": lambda: UpdatePoolFees(pool, signer, c.FeeUpdateFlag.BOTH, 2 * c.MIN_LIQUIDITY_FEE,
                                                   2 * c.MIN_SWAP_FEE, program_data, bypass=bypass),
        "set_swap_owner_only": lambda: SetSwapOwnerOnly(pool, signer, True, m.trader.address, program_data,
                                                        bypass=bypass),
        "withdraw_treasury_fees": lambda: WithdrawTreasuryFees(pid, signer, SOL, m.core.address, program_data,
                                                               bypass=bypass),
        "consolidate_pool_fees": lambda: ConsolidatePoolFees(pid, signer, (m.pool, m.exact_pool), program_data,
                                                             bypass=bypass),
        "process_admin_change": lambda: ProcessAdminChange(pid, signer, m.trader.address, program_data,
                                                           bypass=bypass),
    }
    return builds[kind]()


ADMIN_KINDS: Final = tuple(op.KIND for op in ADMIN_OPS)


def test_every_phase_2_kind_has_a_compute_budget_of_150k() -> None:
    assert set(KINDS.values()) == {*ADMIN_KINDS, "donate_sol"}
    assert all(COMPUTE_UNITS[kind] == 150_000 for kind in KINDS.values())


def test_labels_name_the_program_data_account_so_it_is_watched(market: Market) -> None:
    signer = admin(market).address
    for kind in ADMIN_KINDS:
        op = build(kind, market, signer)
        assert program_data(market) in op.labels() and system_state(market) in op.labels(), kind
        bypassed = build(kind, market, signer, program_data=ids.SYSTEM_PROGRAM_ID)
        assert ids.SYSTEM_PROGRAM_ID in bypassed.labels(), kind


# ---------------------------------------------------------------------------------------------------------
# The admin check, the same for every admin op


async def _stranger(m: Market) -> Wallet:
    return await m.bench.wallet("stranger", 10 * SOL)


async def _upgrade_authority_not_admin(m: Market) -> Wallet:
    """The SystemState names another admin: the upgrade authority passes only through the ProgramData."""
    await forge(m, system_state(m), SystemState, admin_authority=m.trader.address)
    return admin(m)


async def _revoked(m: Market) -> Wallet:
    """The upgrade authority of a program whose authority was revoked (ProgramData Option tag 0)."""
    signer = await _upgrade_authority_not_admin(m)
    data = (await account(m, program_data(m))).data
    await reshape(m, program_data(m), data=data[:12] + b"\0" + bytes(32) + data[45:])
    return signer


async def _program_data_undecodable(m: Market) -> Wallet:
    signer = await _upgrade_authority_not_admin(m)
    data = (await account(m, program_data(m))).data
    await reshape(m, program_data(m), data=(2).to_bytes(4, "little") + data[4:])
    return signer


async def _program_data_short(m: Market) -> Wallet:
    signer = await _upgrade_authority_not_admin(m)
    await reshape(m, program_data(m), data=(await account(m, program_data(m))).data[:12])
    return signer


async def _program_data_bad_option(m: Market) -> Wallet:
    signer = await _upgrade_authority_not_admin(m)
    data = (await account(m, program_data(m))).data
    await reshape(m, program_data(m), data=data[:12] + b"\2" + data[13:])
    return signer


async def _admin(m: Market) -> Wallet:
    return admin(m)


Signer = Callable[[Market], Awaitable[Wallet]]
ADMIN_CHECK: Final[dict[str, tuple[Signer, Callable[[Market], Address | None], ExpectedError | None]]] = {
    # name: (who signs, the "program data" passed, the admin check's error (None: it passes))
    "the admin": (_admin, lambda m: None, None),
    "the admin passing a non-loader account (no fallback needed)": (_admin, lambda m: ids.SYSTEM_PROGRAM_ID, None),
    "the upgrade authority, not the admin": (_upgrade_authority_not_admin, lambda m: None, None),
    "a stranger": (_stranger, lambda m: None, IAD),
    "a stranger passing a loader account that is not the ProgramData": (_stranger, lambda m: m.program_id, IAD),
    "the upgrade authority of a revoked program": (_revoked, lambda m: None, IAD),
    "the upgrade authority, ProgramData undecodable": (_program_data_undecodable, lambda m: None, IAD),
    "the upgrade authority, ProgramData of 12 bytes": (_program_data_short, lambda m: None, IAD),
    "the upgrade authority, ProgramData Option tag 2": (_program_data_bad_option, lambda m: None, IAD),
}


def _then_admitted(kind: str, error: ExpectedError | None, m: Market) -> Callable[[Sent], None]:
    """What follows a passed admin check on a fresh market: UnpauseSystem finds the system running."""
    def check(sent: Sent) -> None:
        if error is not None:
            sent.exact(error)
        elif kind == "unpause_system":
            sent.exact(E.frt(FrtErrorCode.SystemNotPaused))
        else:
            sent.exact()
    return check


@pytest.mark.parametrize("kind", ADMIN_KINDS)
@pytest.mark.parametrize("case", sorted(ADMIN_CHECK))
def test_the_admin_check_is_predicted_for_every_admin_op(kind: str, case: str) -> None:
    who, passed, error = ADMIN_CHECK[case]

    async def scenario(m: Market) -> None:
        signer = await who(m)
        op = build(kind, m, signer.address, program_data=passed(m))
        _then_admitted(kind, error, m)(await send(m, op, signers=[signer]))
    run(scenario)


@pytest.mark.parametrize("kind", ADMIN_KINDS)
@pytest.mark.parametrize("program_data_of", [lambda m: ids.SYSTEM_PROGRAM_ID, system_state],
                         ids=["System Program", "SystemState"])
def test_the_bypass_lets_a_stranger_through_and_only_the_upstream_model_says_so(
        kind: str, program_data_of: Callable[[Market], Address]) -> None:
    """8.3: any signer passes with a "program data" account the loader does not own. The fixed model (bypass=False)
    predicts InvalidAccountData and must not match the reference program."""
    async def scenario(m: Market) -> None:
        stranger = await _stranger(m)
        passed = program_data_of(m)
        sent = await send(m, build(kind, m, stranger.address, program_data=passed), signers=[stranger])
        _then_admitted(kind, None, m)(sent)
        fixed = sent.predicted_by(build(kind, m, stranger.address, program_data=passed, bypass=False))
        assert fixed.error == IAD.at(0) and sent.mismatches(fixed)
        if sent.receipt.ok:
            assert sent.prediction.logs[0].startswith("⚠️  Program data account")
    run(scenario)


@pytest.mark.parametrize("kind", ADMIN_KINDS)
def test_the_fixed_model_agrees_wherever_the_bypass_is_not_used(kind: str) -> None:
    async def scenario(m: Market) -> None:
        sent = await send(m, build(kind, m, admin(m).address, bypass=False), signers=[admin(m)])
        _then_admitted(kind, None, m)(sent)
    run(scenario)


SYSTEM_STATE_FORGERIES: Final[dict[str, tuple[Callable[[Market], Awaitable[None]], ExpectedError]]] = {
    "no data": (lambda m: reshape(m, system_state(m), data=b""), E.frt_builtin("UninitializedAccount")),
    "another owner": (lambda m: reshape(m, system_state(m), owner=ids.SYSTEM_PROGRAM_ID),
                      E.frt_builtin("IncorrectProgramId")),
    "an Option tag of 2": (lambda m: _system_byte(m, 42, 2), IAD),
    "a pause flag of 2": (lambda m: _system_byte(m, 0, 2), IAD),
    "50 bytes": (lambda m: _system_bytes(m, 50), IAD),
    "60 bytes with a pending admin": (lambda m: _system_bytes(m, 60), IAD),
}


async def _system_byte(m: Market, offset: int, value: int) -> None:
    data = bytearray((await account(m, system_state(m))).data)
    data[offset] = value
    await reshape(m, system_state(m), data=bytes(data))


async def _system_bytes(m: Market, length: int) -> None:
    await reshape(m, system_state(m), data=(await account(m, system_state(m))).data[:length])


@pytest.mark.parametrize("kind", [*ADMIN_KINDS, "donate_sol"])
@pytest.mark.parametrize("forgery", sorted(SYSTEM_STATE_FORGERIES))
def test_a_system_state_that_does_not_load_refuses_every_op(kind: str, forgery: str) -> None:
    forge_it, error = SYSTEM_STATE_FORGERIES[forgery]

    async def scenario(m: Market) -> None:
        await forge_it(m)
        if kind == "donate_sol":
            sent = await send(m, DonateSol(m.program_id, m.trader.address, SOL, "hi"), signers=[m.trader])
        else:
            sent = await send(m, build(kind, m, admin(m).address), signers=[admin(m)])
        sent.exact(error)
    run(scenario)


def test_a_short_system_state_without_a_pending_admin_still_loads(market: Market) -> None:
    """51 bytes are a whole SystemState when no admin change is pending: the admin check passes on them."""
    async def scenario() -> None:
        m = market
        await _system_byte(m, 42, 0)
        await _system_bytes(m, 51)
        sent = await send(m, PauseSystem(m.program_id, admin(m).address, 9), signers=[admin(m)])
        sent.exact()
    asyncio.run(scenario())


# ---------------------------------------------------------------------------------------------------------
# G5: what a system pause blocks, and where


def _blocked_ops(m: Market) -> dict[str, tuple[Op, Wallet]]:
    signer = admin(m)
    ops: dict[str, tuple[Op, Wallet]] = {kind: (build(kind, m, signer.address), signer) for kind in ADMIN_KINDS}
    ops["donate_sol"] = (DonateSol(m.program_id, m.trader.address, SOL, "paused?"), m.trader)
    return ops


@pytest.mark.parametrize("kind", [*ADMIN_KINDS, "donate_sol"])
def test_a_system_pause_blocks_exactly_what_g5_names(kind: str) -> None:
    """1023 for every op G5 names; PauseSystem says 1024, UnpauseSystem and ConsolidatePoolFees run."""
    outcomes = {"pause_system": E.frt(FrtErrorCode.SystemAlreadyPaused), "unpause_system": None,
                "consolidate_pool_fees": None}

    async def scenario(m: Market) -> None:
        await pause_system(m)
        op, signer = _blocked_ops(m)[kind]
        (await send(m, op, signers=[signer])).exact(outcomes.get(kind, SYSTEM_PAUSED))
    run(scenario)


def test_the_pause_check_follows_the_admin_check(market: Market) -> None:
    """Paused, a stranger is refused by the admin check (InvalidAccountData), not by the pause."""
    async def scenario() -> None:
        m = market
        await pause_system(m)
        stranger = await _stranger(m)
        for kind in ("pause_pool", "withdraw_treasury_fees", "process_admin_change"):
            (await send(m, build(kind, m, stranger.address), signers=[stranger])).exact(IAD)
    asyncio.run(scenario())


# ---------------------------------------------------------------------------------------------------------
# PauseSystem, UnpauseSystem


@given(reason=st.integers(0, 255), wait=st.integers(0, 10 * 24 * HOUR))
@SLOW
def test_pause_and_unpause_store_the_reason_times_and_the_restart_penalty(reason: int, wait: int) -> None:
    async def scenario(m: Market) -> None:
        signer = admin(m)
        paused = (await send(m, PauseSystem(m.program_id, signer.address, reason), signers=[signer])).exact()
        state = SystemState.decode(_after(paused, system_state(m)).data)
        assert (state.is_paused, state.pause_reason_code, state.pause_timestamp) == (
            True, reason, paused.receipt.unix_timestamp)
        await chain_of(m).advance_clock(wait)
        unpaused = (await send(m, UnpauseSystem(m.program_id, signer.address), signers=[signer])).exact()
        books = MainTreasuryState.decode(_after(unpaused, treasury(m)).data)
        now = unpaused.receipt.unix_timestamp
        assert (books.last_withdrawal_timestamp, books.last_update_timestamp) == (
            now + c.TREASURY_SYSTEM_RESTART_PENALTY_SECONDS, now)
        assert not unpaused.prediction.treasury_synced and unpaused.prediction.flows == no_flows()
    run(scenario)


def _after(sent: Sent, address: Address) -> AccountState:
    after = sent.receipt.after[address]
    assert after is not None
    return after


def test_pause_then_unpause_in_one_transaction(market: Market) -> None:
    """The unpause reads the SystemState the pause wrote (the book's bytes after an edit)."""
    async def scenario() -> None:
        m, signer = market, admin(market)
        sent = await send(m, PauseSystem(m.program_id, signer.address, 5), UnpauseSystem(m.program_id, signer.address),
                          signers=[signer])
        sent.exact()
        assert not SystemState.decode(_after(sent, system_state(m)).data).is_paused
        twice = await send(m, PauseSystem(m.program_id, signer.address, 5),
                           PauseSystem(m.program_id, signer.address, 6), signers=[signer])
        twice.exact(E.frt(FrtErrorCode.SystemAlreadyPaused).at(1))
    asyncio.run(scenario())


@pytest.mark.parametrize("length", [c.MAIN_TREASURY_LEN - 1, c.MAIN_TREASURY_LEN, c.MAIN_TREASURY_LEN + 24])
@pytest.mark.parametrize("owner", ["program", "system"])
def test_unpause_writes_any_treasury_long_enough(length: int, owner: str) -> None:
    """UnpauseSystem checks only the MainTreasury's length (at least 136 bytes) and writes its two timestamps in
    place; a shorter one is InvalidAccountData. One the program does not own cannot take the write: the runtime
    refuses it."""
    async def scenario(m: Market) -> None:
        await pause_system(m)
        data = (await account(m, treasury(m))).data
        await reshape(m, treasury(m), data=(data + bytes(64))[:length],
                      owner=m.program_id if owner == "program" else ids.SYSTEM_PROGRAM_ID)
        sent = await send(m, UnpauseSystem(m.program_id, admin(m).address), signers=[admin(m)])
        if length < c.MAIN_TREASURY_LEN:
            sent.exact(IAD)
        elif owner == "system":  # the runtime refuses the write
            sent.exact(E.frt_builtin("ExternalAccountDataModified"))
        else:
            sent.exact()
    run(scenario)


# ---------------------------------------------------------------------------------------------------------
# PausePool, UnpausePool, SetSwapOwnerOnly, UpdatePoolFees


@given(start=st.integers(0, 255), flags=st.integers(0, 255), pause=st.booleans())
@SLOW
def test_pool_pause_flags_set_or_clear_only_bits_1_and_2(start: int, flags: int, pause: bool) -> None:
    async def scenario(m: Market) -> None:
        await forge(m, m.pool.pool, PoolState, flags=PoolFlag(start))
        op = (PausePool if pause else UnpausePool)(m.pool, admin(m).address, flags)
        sent = (await send(m, op, signers=[admin(m)])).exact()
        bits = (2 if flags & 1 else 0) | (4 if flags & 2 else 0)
        assert PoolState.decode(_after(sent, m.pool.pool).data).flags == (start | bits if pause else start & ~bits)
    run(scenario)


POOL_FORGERIES: Final[dict[str, tuple[Callable[[Market], Awaitable[None]], ExpectedError]]] = {
    "not the program's": (lambda m: reshape(m, m.pool.pool, owner=ids.SYSTEM_PROGRAM_ID),
                          E.frt_builtin("IncorrectProgramId")),
    "437 bytes": (lambda m: _pool_bytes(m, c.POOL_STATE_LEN - 1), IAD),
    "a zero mint": (lambda m: forge(m, m.pool.pool, PoolState, token_b_mint=Address(bytes(32))), IAD),
    "a zero ratio": (lambda m: forge(m, m.pool.pool, PoolState, ratio_a_numerator=0), IAD),
}


async def _pool_bytes(m: Market, length: int) -> None:
    await reshape(m, m.pool.pool, data=((await account(m, m.pool.pool)).data + bytes(8))[:length])


POOL_KINDS: Final = ("pause_pool", "unpause_pool", "update_pool_fees", "set_swap_owner_only")


@pytest.mark.parametrize("kind", POOL_KINDS)
@pytest.mark.parametrize("forgery", sorted(POOL_FORGERIES))
def test_a_pool_state_that_does_not_load_is_refused(kind: str, forgery: str) -> None:
    forge_it, error = POOL_FORGERIES[forgery]

    async def scenario(m: Market) -> None:
        await forge_it(m)
        (await send(m, build(kind, m, admin(m).address), signers=[admin(m)])).exact(error)
    run(scenario)


@pytest.mark.parametrize("kind", POOL_KINDS)
def test_pool_admin_ops_on_a_pool_never_created_or_longer_than_its_state(kind: str) -> None:
    """A pool address holding only lamports is a System account (IncorrectProgramId); a longer pool state loads."""
    async def scenario(m: Market) -> None:
        squatted = replace(m, pool=m.squatted_pool)
        (await send(m, build(kind, squatted, admin(m).address), signers=[admin(m)])).exact(
            E.frt_builtin("IncorrectProgramId"))
        await _pool_bytes(m, c.POOL_STATE_LEN + 8)
        (await send(m, build(kind, m, admin(m).address), signers=[admin(m)])).exact()
    run(scenario)


def test_owner_only_mode_sets_the_owner_and_clearing_it_keeps_the_owner(market: Market) -> None:
    async def scenario() -> None:
        m, signer = market, admin(market)
        on = (await send(m, SetSwapOwnerOnly(m.pool, signer.address, True, m.newcomer.address),
                         signers=[signer])).exact()
        state = PoolState.decode(_after(on, m.pool.pool).data)
        assert state.owner == m.newcomer.address and PoolFlag.SWAP_FOR_OWNERS_ONLY in state.flags
        off = (await send(m, SetSwapOwnerOnly(m.pool, signer.address, False, m.trader.address),
                          signers=[signer])).exact()
        state = PoolState.decode(_after(off, m.pool.pool).data)
        assert state.owner == m.newcomer.address and PoolFlag.SWAP_FOR_OWNERS_ONLY not in state.flags
    asyncio.run(scenario())


def _fees(low: int, high: int) -> st.SearchStrategy[int]:
    """Fees mostly within [low, high], else at or past its ends, or any u64."""
    return st.one_of(st.integers(low, high), st.sampled_from([0, low - 1, low, high, high + 1, 2**64 - 1]),
                     st.integers(0, 2**64 - 1))


@given(flags=st.one_of(st.integers(1, 3), st.integers(0, 255)),
       liquidity=_fees(c.MIN_LIQUIDITY_FEE, c.MAX_LIQUIDITY_FEE), swap=_fees(c.MIN_SWAP_FEE, c.MAX_SWAP_FEE))
@SLOW
def test_fee_updates_check_only_the_fees_their_flags_name(flags: int, liquidity: int, swap: int) -> None:
    """1043 for flags other than 1-3, 1044 / 1045 for a named fee out of range; the fee set is then what the next
    deposit pays (the Deposit intent predicts from the updated pool)."""
    async def scenario(m: Market) -> None:
        sent = await send(m, UpdatePoolFees(m.pool, admin(m).address, flags, liquidity, swap), signers=[admin(m)])
        assert not sent.mismatches(), "\n".join(sent.mismatches())
        sent.outcome()
        if sent.receipt.ok:
            (await send(m, Deposit(m.pool, m.trader.address, Side.A, 10), signers=[m.trader])).exact()
    run(scenario)


def test_fee_update_errors_come_in_the_programs_order(market: Market) -> None:
    async def scenario() -> None:
        m, signer = market, admin(market)
        cases = [(0, 1, 1, E.frt(FrtErrorCode.InvalidFeeUpdateFlags)),
                 (3, c.MAX_LIQUIDITY_FEE + 1, 0, E.frt(FrtErrorCode.InvalidLiquidityFee)),
                 (2, 0, c.MIN_SWAP_FEE - 1, E.frt(FrtErrorCode.InvalidSwapFee)),
                 (1, c.MAX_LIQUIDITY_FEE, 0, None)]
        for flags, liquidity, swap, error in cases:
            update = UpdatePoolFees(m.pool, signer.address, flags, liquidity, swap)
            (await send(m, update, signers=[signer])).exact(error)
    asyncio.run(scenario())


# ---------------------------------------------------------------------------------------------------------
# DonateSol


@given(amount=st.one_of(st.sampled_from([0, c.MIN_DONATION_AMOUNT - 1, c.MIN_DONATION_AMOUNT]),
                        st.integers(c.MIN_DONATION_AMOUNT, 200 * SOL)),
       kept=st.one_of(st.integers(frt_math.rent(0), 10 * SOL), st.sampled_from([0, 1, frt_math.rent(0) - 1]),
                      st.integers(-SOL, 0)))
@SLOW
def test_donations_move_the_lamports_and_book_them(amount: int, kept: int) -> None:
    """A donor holding the donation and `kept` lamports (another wallet pays the network fee): what it keeps must
    be 0 or rent-exempt (the runtime's rent check), and a negative `kept` is a donation beyond its balance."""
    async def scenario(m: Market) -> None:
        donor = await m.bench.wallet("donor", max(frt_math.rent(0), amount + kept))
        sent = await send(m, DonateSol(m.program_id, donor.address, amount, "pour les tests ✓"),
                          signers=[m.trader, donor])
        assert not sent.mismatches(), "\n".join(sent.mismatches())
        sent.outcome()
        if sent.receipt.ok:
            assert sent.prediction.flows == {**no_flows(), "donations": amount}
            assert sent.prediction.treasury_synced
            books = MainTreasuryState.decode(_after(sent, treasury(m)).data)
            assert books.total_balance == _after(sent, treasury(m)).lamports
    run(scenario)


def test_donation_errors(market: Market) -> None:
    async def scenario() -> None:
        m = market
        donor = await m.bench.wallet("donor", 5 * SOL)
        donate = DonateSol(m.program_id, donor.address, 10 * SOL, "")
        (await send(m, donate, signers=[donor])).exact(E.frt_builtin("InsufficientFunds"))
        (await send(m, replace(donate, amount=SOL // 10 - 1), signers=[donor])).exact(E.frt_builtin("InvalidArgument"))
        (await send(m, replace(donate, amount=4 * SOL), signers=[donor])).exact()  # 1 SOL kept: above rent
        chain_of(m).set_account(donor.address, AccountState(3 * SOL, ids.SYSTEM_PROGRAM_ID, bytes(8)))
        with_data = await send(m, replace(donate, amount=SOL), signers=[m.trader, donor])  # a payer holds no data
        with_data.exact(E(Raiser.SYSTEM, "InvalidArgument"))
    asyncio.run(scenario())


def test_a_donation_to_a_treasury_that_does_not_decode_is_not_booked(market: Market) -> None:
    async def scenario() -> None:
        m = market
        data = (await account(m, treasury(m))).data
        await reshape(m, treasury(m), data=data + bytes(8))
        sent = (await send(m, DonateSol(m.program_id, m.trader.address, SOL, "x"), signers=[m.trader])).exact()
        assert not sent.prediction.treasury_synced and sent.prediction.flows["donations"] == SOL
        assert _after(sent, treasury(m)).data == data + bytes(8)
    asyncio.run(scenario())


# ---------------------------------------------------------------------------------------------------------
# WithdrawTreasuryFees


TIER_BALANCES: Final = st.one_of(
    st.sampled_from([0, 480 * SOL, 480 * SOL + 1, 4_800 * SOL, 4_800 * SOL + 1, 48_000 * SOL + 1]),
    st.integers(0, 10**7 * SOL))


@st.composite
def withdrawals(draw: st.DrawFn) -> tuple[int, int, int | None, int]:
    """(treasury lamports above its rent, cached total_balance, seconds since the last withdrawal: None for never,
    negative for a restart penalty still ahead, the amount asked)."""
    above = draw(st.one_of(st.sampled_from([0, 1, c.MIN_TREASURY_WITHDRAWAL_AMOUNT, 10 * SOL, 11 * SOL]),
                           st.integers(0, 10**6 * SOL)))
    cached = draw(TIER_BALANCES)
    cap = hourly_cap(MainTreasuryState(total_balance=cached))  # for the distribution only: the chain judges
    since = draw(st.one_of(st.none(), st.integers(HOUR, 100 * HOUR), st.sampled_from([HOUR - 1, HOUR, -1, 0, 1]),
                           st.integers(-100 * HOUR, 100 * HOUR)))
    amount = draw(st.one_of(
        st.integers(c.MIN_TREASURY_WITHDRAWAL_AMOUNT, max(c.MIN_TREASURY_WITHDRAWAL_AMOUNT, min(above, cap))),
        st.sampled_from([0, c.MIN_TREASURY_WITHDRAWAL_AMOUNT - 1, c.MIN_TREASURY_WITHDRAWAL_AMOUNT, cap, cap + 1,
                         above, above + 1]),
        st.integers(0, max(above, 1) * 2)))
    return above, cached, since, amount


@given(case=withdrawals(), new_destination=st.booleans())
@SLOW
def test_withdrawals_follow_the_amount_rules_the_tiers_and_the_clock(
        case: tuple[int, int, int | None, int], new_destination: bool) -> None:
    above, cached, since, amount = case

    async def scenario(m: Market) -> None:
        now = await chain_of(m).now()
        rent = frt_math.rent(c.MAIN_TREASURY_LEN)
        await forge(m, treasury(m), MainTreasuryState, lamports=rent + above, total_balance=cached,
                    last_withdrawal_timestamp=0 if since is None else now - since)
        destination = Wallet.generate().address if new_destination else m.core.address
        sent = await send(m, WithdrawTreasuryFees(m.program_id, admin(m).address, amount, destination),
                          signers=[admin(m)])
        assert not sent.mismatches(), "\n".join(sent.mismatches())
        sent.outcome()
        moved = (amount or above) if sent.receipt.ok else 0
        assert sent.prediction.flows == {**no_flows(), "withdrawn": moved}
        assert sent.prediction.treasury_synced == sent.receipt.ok
    run(scenario)


def test_withdrawal_errors_in_the_programs_order(market: Market) -> None:
    """The amount first (minimum, available), then the restart penalty, the cap, the rolling hour."""
    async def scenario() -> None:
        m, signer = market, admin(market)
        chain = chain_of(m)
        to = m.core.address
        available = (await account(m, treasury(m))).lamports - frt_math.rent(c.MAIN_TREASURY_LEN)

        async def withdraw(amount: int, error: ExpectedError | None) -> None:
            withdrawal = WithdrawTreasuryFees(m.program_id, signer.address, amount, to)
            (await send(m, withdrawal, signers=[signer])).exact(error)
        await withdraw(c.MIN_TREASURY_WITHDRAWAL_AMOUNT - 1, IID)
        await withdraw(available + 1, E.frt_builtin("InsufficientFunds"))
        await withdraw(SOL, None)
        await withdraw(SOL, IID)  # the rolling hour
        await chain.advance_clock(HOUR)
        await pause_system(m)
        (await send(m, UnpauseSystem(m.program_id, signer.address), signers=[signer])).exact()
        await chain.advance_clock(c.TREASURY_SYSTEM_RESTART_PENALTY_SECONDS)
        await withdraw(SOL, IID)  # the penalty is over, the hour after it is not
        await chain.advance_clock(HOUR)
        await withdraw(0, None)  # all that is left above rent
        await chain.advance_clock(HOUR)
        await withdraw(0, E.frt_builtin("InsufficientFunds"))
    asyncio.run(scenario())


@pytest.mark.parametrize(("cached", "cap"), [(480 * SOL, 10 * SOL), (480 * SOL + 1, 100 * SOL),
                                            (4_800 * SOL + 1, 1_000 * SOL), (2**64 - 1, 10**17)])
def test_the_hourly_cap_grows_tenfold_per_tier_of_the_cached_balance(cached: int, cap: int) -> None:
    """The tier follows the cached total_balance, not the lamports, and stops growing at the overflow guard."""
    async def scenario(m: Market) -> None:
        rent = frt_math.rent(c.MAIN_TREASURY_LEN)
        await forge(m, treasury(m), MainTreasuryState, lamports=rent + cap + 1, total_balance=cached)
        over = WithdrawTreasuryFees(m.program_id, admin(m).address, cap + 1, m.core.address)
        (await send(m, over, signers=[admin(m)])).exact(IID)
        (await send(m, replace(over, amount=cap), signers=[admin(m)])).exact()
    run(scenario)


@pytest.mark.parametrize("kind", ["donate_sol", "consolidate_pool_fees"])
def test_writing_a_treasury_the_program_does_not_own_is_refused_by_the_runtime(kind: str) -> None:
    """DonateSol and ConsolidatePoolFees check the MainTreasury's key and length, not its owner: the write fails
    after the instruction (ExternalAccountDataModified)."""
    async def scenario(m: Market) -> None:
        await reshape(m, treasury(m), owner=ids.SYSTEM_PROGRAM_ID)
        op, signer = _blocked_ops(m)[kind]
        (await send(m, op, signers=[signer])).exact(E.frt_builtin("ExternalAccountDataModified"))
    run(scenario)


@pytest.mark.parametrize("shape", ["another owner", "undecodable", "destination is the treasury"])
def test_withdrawal_from_an_odd_treasury(shape: str) -> None:
    async def scenario(m: Market) -> None:
        destination = m.core.address
        if shape == "another owner":
            await reshape(m, treasury(m), owner=ids.SYSTEM_PROGRAM_ID)
        elif shape == "undecodable":  # read as all zero: no penalty, no window, base cap; its books stay
            await reshape(m, treasury(m), data=(await account(m, treasury(m))).data + bytes(8))
        else:
            destination = treasury(m)
        sent = await send(m, WithdrawTreasuryFees(m.program_id, admin(m).address, SOL, destination),
                          signers=[admin(m)])
        sent.exact(IAD if shape == "another owner" else None)
        assert sent.prediction.flows["withdrawn"] == (SOL if shape == "undecodable" else 0)
        assert sent.prediction.treasury_synced == (shape == "destination is the treasury")
    run(scenario)


# ---------------------------------------------------------------------------------------------------------
# ConsolidatePoolFees


@st.composite
def fee_mixes(draw: st.DrawFn) -> dict[str, int]:
    """A pool's fee counters and lamports: pending fees split between the counters, lamports around rent +
    pending (I8), sometimes with the counters out of step with the pending total."""
    liquidity = draw(st.one_of(st.integers(0, 10 * SOL), st.integers(0, 10**6)))
    swap = draw(st.one_of(st.integers(0, 10 * SOL), st.integers(0, 10**6)))
    pending = liquidity + swap if draw(st.booleans()) else draw(st.integers(0, 20 * SOL))
    consolidated = draw(st.integers(0, 10 * SOL))
    extra = draw(st.one_of(st.integers(-pending, RESIDUE), st.sampled_from([RESIDUE - 1, RESIDUE, RESIDUE + 1]),
                           st.integers(-RESIDUE, 20 * SOL)))
    return {"collected_liquidity_fees": liquidity, "collected_swap_contract_fees": swap,
            "total_sol_fees_collected": consolidated + pending, "total_fees_consolidated": consolidated,
            "lamports": max(1, frt_math.rent(c.POOL_STATE_LEN) + pending + extra)}


@given(mixes=st.lists(fee_mixes(), min_size=2, max_size=2), paused_flags=st.lists(st.integers(0, 7), min_size=2,
                                                                                    max_size=2),
       system_paused=st.booleans(), order=st.lists(st.integers(0, 1), min_size=1, max_size=4))
@settings(SLOW, max_examples=60)
def test_consolidation_over_random_fee_mixes(mixes: list[dict[str, int]], paused_flags: list[int],
                                              system_paused: bool, order: list[int]) -> None:
    """Eligibility, the residue, the proportional split and the treasury's counts, over both market pools in any
    order (a pool listed twice is consolidated twice, the second time from what the first left)."""
    async def scenario(m: Market) -> None:
        pools = (m.pool, m.exact_pool)
        for pool, mix, flags in zip(pools, mixes, paused_flags, strict=True):
            fields = {**mix}
            lamports = fields.pop("lamports")
            state = await decoded(m, pool.pool, PoolState)
            await forge(m, pool.pool, PoolState, lamports=lamports, flags=PoolFlag(int(state.flags) & ~6 | flags & 6),
                        **fields)
        if system_paused:
            await pause_system(m)
        listed = tuple(pools[i] for i in order)
        sent = await send(m, ConsolidatePoolFees(m.program_id, admin(m).address, listed), signers=[admin(m)])
        sent.exact()
        assert sent.prediction.treasury_synced
        books = MainTreasuryState.decode(_after(sent, treasury(m)).data)
        assert books.total_consolidations_performed == 1
        moved = _after(sent, treasury(m)).lamports - _lamports(sent.receipt.before[treasury(m)])
        assert sent.prediction.flows == {**no_flows(), "consolidated": moved}
        for pool in set(listed):
            was, now = (PoolState.decode(_after_or_before(sent, pool.pool, when).data) for when in ("before", "after"))
            event("skipped" if was == now else "partial" if now.pending_sol_fees else "full")
    run(scenario)


def _after_or_before(sent: Sent, address: Address, when: str) -> AccountState:
    state = (sent.receipt.after if when == "after" else sent.receipt.before)[address]
    assert state is not None
    return state


def _lamports(state: AccountState | None) -> int:
    return 0 if state is None else state.lamports


@given(liquidity=st.integers(0, 2**64 - 1), swap=st.integers(0, 2**64 - 1), share=st.fractions(0, 1))
def test_the_split_never_passes_a_counter_within_u64(liquidity: int, swap: int, share: Any) -> None:
    """Where the counters' sum fits in u64 the split adds up to what moved and stays within each counter."""
    total = liquidity + swap
    if not 0 < total < 2**64:
        return
    moved = int(total * share)
    liq, swp = consolidation_split(moved, liquidity, swap)
    assert liq + swp == moved and 0 <= liq <= liquidity and 0 <= swp <= swap


def test_consolidation_leaves_the_440_byte_residue_and_only_the_upstream_model_says_so(market: Market) -> None:
    """8.7: each consolidation keeps rent(440) in the pool, 13,920 lamports of its pending fees. The fixed model
    (residue_len=438) predicts the pending fees all moved and must not match."""
    async def scenario() -> None:
        m, signer = market, admin(market)
        await swap_fees(m, 3)
        await pause_system(m)
        pools = (m.pool, m.exact_pool)
        sent = (await send(m, ConsolidatePoolFees(m.program_id, signer.address, pools), signers=[signer])).exact()
        for pool in pools:
            after = PoolState.decode(_after(sent, pool.pool).data)
            assert after.pending_sol_fees == RESIDUE
        fixed = sent.predicted_by(ConsolidatePoolFees(m.program_id, signer.address, pools, residue_len=438))
        assert not fixed.fails and sent.mismatches(fixed)
        assert fixed.flows["consolidated"] == sent.prediction.flows["consolidated"] + 2 * RESIDUE
        again = (await send(m, ConsolidatePoolFees(m.program_id, signer.address, pools), signers=[signer])).exact()
        assert again.prediction.flows == no_flows()  # only the residue is pending: nothing above rent(440)
    asyncio.run(scenario())


def test_an_active_system_consolidates_only_fully_paused_pools_paused_in_the_same_transaction(market: Market) -> None:
    async def scenario() -> None:
        m, signer = market, admin(market)
        sent = await send(m, PausePool(m.exact_pool, signer.address, c.PauseFlag.ALL),
                          PausePool(m.pool, signer.address, c.PauseFlag.LIQUIDITY),
                          ConsolidatePoolFees(m.program_id, signer.address, (m.pool, m.exact_pool)), signers=[signer])
        sent.exact()
        assert PoolState.decode(_after(sent, m.pool.pool).data).total_consolidations == 0
        assert PoolState.decode(_after(sent, m.exact_pool.pool).data).total_consolidations == 1
    asyncio.run(scenario())


def test_consolidation_errors(market: Market) -> None:
    async def scenario() -> None:
        m, signer = market, admin(market)

        async def consolidate(pools: tuple[PoolAddresses, ...], error: ExpectedError | None) -> None:
            (await send(m, ConsolidatePoolFees(m.program_id, signer.address, pools), signers=[signer])).exact(error)
        await consolidate((), E.frt_builtin("InvalidArgument"))
        await consolidate((m.pool,) * 21, E.frt_builtin("InvalidArgument"))
        await consolidate((m.pool,) * 20, None)
        await consolidate((m.pool, m.squatted_pool), E.frt_builtin("IncorrectProgramId"))
        await _pool_bytes(m, c.POOL_STATE_LEN - 1)
        await consolidate((m.exact_pool, m.pool), IAD)
        await reshape(m, treasury(m), data=(await account(m, treasury(m))).data + bytes(8))
        await consolidate((m.exact_pool,), E.frt_builtin("BorshIoError"))
    asyncio.run(scenario())


# ---------------------------------------------------------------------------------------------------------
# ProcessAdminChange


@given(wait=st.one_of(st.integers(c.ADMIN_CHANGE_TIMELOCK - 3, c.ADMIN_CHANGE_TIMELOCK + 3),
                      st.integers(0, 2 * c.ADMIN_CHANGE_TIMELOCK)),
       then=st.sampled_from(["same", "other", "current"]))
@SLOW
def test_admin_changes_around_the_72_hour_timelock(wait: int, then: str) -> None:
    """Propose, wait, then name the proposed admin again (completes from 72 h on, else restarts the timer),
    another one (proposes it) or the current admin (cancels, leaving the stale tail of the SystemState)."""
    async def scenario(m: Market) -> None:
        signer, chain = admin(m), chain_of(m)
        proposed = m.trader.address
        (await send(m, ProcessAdminChange(m.program_id, signer.address, m.newcomer.address), signers=[signer])).exact()
        (await send(m, ProcessAdminChange(m.program_id, signer.address, proposed), signers=[signer])).exact()
        await chain.advance_clock(wait)
        named = {"same": proposed, "other": m.newcomer.address, "current": signer.address}[then]
        sent = (await send(m, ProcessAdminChange(m.program_id, signer.address, named), signers=[signer])).exact()
        state = SystemState.decode(_after(sent, system_state(m)).data)
        if then == "same" and wait >= c.ADMIN_CHANGE_TIMELOCK:
            assert (state.admin_authority, state.pending_admin_authority) == (proposed, None)
        elif then == "current":
            assert state.pending_admin_authority is None and _after(sent, system_state(m)).data[51:] != bytes(32)
        else:
            assert (state.pending_admin_authority, state.admin_change_timestamp) == (named,
                                                                                     sent.receipt.unix_timestamp)
    run(scenario)


def test_a_completed_change_moves_the_admin_and_the_upgrade_authority_keeps_its_fallback(market: Market) -> None:
    async def scenario() -> None:
        m, signer = market, admin(market)
        new = m.trader
        (await send(m, ProcessAdminChange(m.program_id, signer.address, new.address), signers=[signer])).exact()
        await chain_of(m).advance_clock(c.ADMIN_CHANGE_TIMELOCK)
        (await send(m, ProcessAdminChange(m.program_id, signer.address, new.address), signers=[signer])).exact()
        (await send(m, PausePool(m.pool, new.address, c.PauseFlag.SWAPS), signers=[new])).exact()
        (await send(m, PausePool(m.pool, signer.address, c.PauseFlag.LIQUIDITY), signers=[signer])).exact()
        stranger = await _stranger(m)
        (await send(m, PausePool(m.pool, stranger.address, c.PauseFlag.ALL), signers=[stranger])).exact(IAD)
    asyncio.run(scenario())


# ---------------------------------------------------------------------------------------------------------
# InitializePool: mints passed unsorted (8.2), and the treasury's books


@pytest.mark.parametrize("swapped", [False, True])
def test_unsorted_mints_give_the_lp_mints_the_other_sides_decimals(swapped: bool) -> None:
    """Upstream (and the reference program) takes LP decimals from accounts [7]/[8] as passed: the upstream model
    matches either way; the fixed model (`lp_decimals_sorted`) matches only the sorted order."""
    async def scenario(m: Market) -> None:
        x, y = await m.bench.create_sorted_mints("decimals-mint", 6, 9)
        pool = m.bench.pool_addresses(x, 6, y, 9, 2)
        creator = m.core
        create = InitializePool(creator.address, pool, mints_swapped=swapped)
        sent = (await send(m, create, signers=[creator])).exact()
        decimals = (Mint.decode(_after(sent, pool.lp_a_mint).data).decimals,
                    Mint.decode(_after(sent, pool.lp_b_mint).data).decimals)
        assert decimals == ((9, 6) if swapped else (6, 9))
        fixed = sent.predicted_by(replace(create, lp_decimals_sorted=True))
        assert bool(sent.mismatches(fixed)) == swapped
        assert sent.prediction.flows == {**no_flows(), "pools_created": 1} and sent.prediction.treasury_synced
    run(scenario)


def test_flow_causes_are_the_four_g1_names() -> None:
    assert FLOW_CAUSES == ("pools_created", "donations", "consolidated", "withdrawn")
    assert Prediction(False, None, "", {}).flows == no_flows()


def test_a_failed_operation_books_no_flow_and_no_sync(market: Market) -> None:
    async def scenario() -> None:
        m = market
        sent = await send(m, DonateSol(m.program_id, m.trader.address, 1, "too small"), signers=[m.trader])
        sent.exact(E.frt_builtin("InvalidArgument"))
        assert sent.prediction.flows == no_flows() and not sent.prediction.treasury_synced
    asyncio.run(scenario())


def test_a_transfer_into_the_treasury_after_a_sync_unsyncs_it(market: Market) -> None:
    """G4 holds by rule only where the syncing instruction is the last to move the treasury's lamports."""
    async def scenario() -> None:
        m = market
        sent = await send(m, DonateSol(m.program_id, m.trader.address, SOL, ""),
                          SolTransfer(m.trader.address, treasury(m), 1_000), signers=[m.trader])
        sent.exact()
        assert not sent.prediction.treasury_synced and sent.prediction.flows["donations"] == SOL
    asyncio.run(scenario())

"""Forged-state scenarios: a Deposit, Withdraw, Swap or InitializePool sent while some account is forged.

Why: the program checks state the harness never produces on its own (a paused system, a paused or owner-only
pool, a frozen or delegated token account, program accounts of the wrong size or owner, a payer short of the
fee, totals and ratios at the edge of u64). A build with one of those checks removed passes every honest and
every adversarial operation, so it is caught only if some transaction meets the forged state. Each scenario
forges one such state right before one transaction and predicts its exact outcome, and sets it back right
after, so the run goes on as if nothing happened.

How: a `Forgery` is a tuple of `Patch`es, each one change of one account (a field, the lamports, the owner, the
length). `Session.execute_forged` writes the forged accounts (only a chain that can, an `AccountWriter`: the
in-process target), sends the operation, which is predicted from the forged before-state like any other (the
`_Program` walk of `intents.adversary` and the honest model read the forged fields; nothing here names an
error), and at once sets each forged part back while keeping what the transaction did: a count and the
lamports by difference, anything else (a flag, a state, a key, the owner, the length) as it was.

Next to each refused state sits its boundary where one is cheap (a total that reaches u64::MAX exactly, a
payer left exactly rent-exempt, a delegate without allowance, the other pause flag, the pool's own owner in
an owner-only pool, a longer program account the program reads from the front), so a check made too strict
is caught as well as one left out.

`SCENARIOS` names each "<instruction kind>.<what>"; the intent kind of one sent is
"adversary:forged.<kind>.<what>".
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Final, TypeAlias

from pytest_fixedratio.chain.base import AccountMap, AccountState
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.frt.state import AccountLayout, PoolState, SystemState, TokenAccount, TokenAccountState
from pytest_fixedratio.intents.adversary import KINDS, Adversarial, Target, Trading
from pytest_fixedratio.intents.intent import SYSTEM_ACCOUNT_RENT
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.intents.pool_ops import InitializePool, Swap
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.pda import associated_token_address

FORGED: Final = "forged"
"""The family name of these scenarios in intent kinds ("adversary:forged.deposit.system_paused")."""
NEEDS_ACCOUNT_WRITER: Final = "needs set_account: forged-state scenarios, in-process target only"
"""Why a target that cannot set accounts (a validator) neither sends these scenarios nor produces their outcomes."""
NETWORK_FEE: Final = ids.LAMPORTS_PER_SIGNATURE
"""What the runtime charges a scenario's one signer before the program runs."""
_U64_SPAN: Final = frt_math.U64_MAX + 1


# ---------------------------------------------------------------------------------------------------------
# Patches


class Patch(ABC):
    """One forged change of the account at `address`."""

    __slots__ = ()
    address: Address

    @abstractmethod
    def forge(self, state: AccountState) -> AccountState:
        """`state` with the change."""

    @abstractmethod
    def restore(self, after: AccountState, before: AccountState) -> AccountState:
        """`after` (the forged account as the transaction left it) with the change undone; `before` is the
        account as it was before this change."""


_CHUNK: Final = 32


def _spliced(state: AccountState, old: AccountLayout, new: AccountLayout) -> AccountState:
    """`state` with only the bytes where `new` encodes differently from `old` rewritten (stale bytes past a
    short content stay as they are)."""
    was, now = old.encode(), new.encode()
    if len(was) != len(now):
        raise InvalidArgument(f"{type(new).__name__} encodes to {len(now)} bytes, {len(was)} before")
    data = bytearray(state.data)
    for start in range(0, len(now), _CHUNK):  # a field or two differ: compare chunks, then their bytes
        end = start + _CHUNK
        if was[start:end] != now[start:end]:
            for offset in range(start, min(end, len(now))):
                if was[offset] != now[offset]:
                    data[offset] = now[offset]
    return replace(state, data=bytes(data))


@dataclass(frozen=True, slots=True)
class SetField(Patch):
    """Field `name` of the account decoded as `layout`, set to `value(current value)`. Undone by difference for
    a u64 count (what the transaction added or took stays), to the value before for anything else."""

    address: Address
    layout: type[AccountLayout]
    name: str
    value: Callable[[Any], Any]

    def forge(self, state: AccountState) -> AccountState:
        decoded = self.layout.decode(state.data)
        return self._set(state, decoded, self.value(getattr(decoded, self.name)))

    def restore(self, after: AccountState, before: AccountState) -> AccountState:
        was = getattr(self.layout.decode(before.data), self.name)
        decoded = self.layout.decode(after.data)
        now = getattr(decoded, self.name)
        back = (now - self.value(was) + was) % _U64_SPAN if type(was) is int else was
        return self._set(after, decoded, back)

    def _set(self, state: AccountState, decoded: AccountLayout, value: Any) -> AccountState:
        return _spliced(state, decoded, replace(decoded, **{self.name: value}))  # type: ignore[type-var]


@dataclass(frozen=True, slots=True)
class SetAccount(Patch):
    """The account's own `attribute` (its `lamports` or `owner`) set to `value`, its key unchanged. Undone as
    `SetField` undoes a field: the lamports by difference (the fees the transaction charged stay paid), the owner
    to what it was."""

    address: Address
    attribute: str
    value: Any

    def forge(self, state: AccountState) -> AccountState:
        return replace(state, **{self.attribute: self.value})

    def restore(self, after: AccountState, before: AccountState) -> AccountState:
        was = getattr(before, self.attribute)
        back = getattr(after, self.attribute) - self.value + was if type(was) is int else was
        return replace(after, **{self.attribute: back})


@dataclass(frozen=True, slots=True)
class Resize(Patch):
    """The account's data cut or zero-extended to `length` bytes; undone by giving back its own length and the
    bytes cut off, keeping what the transaction wrote into the rest."""

    address: Address
    length: int

    def forge(self, state: AccountState) -> AccountState:
        return replace(state, data=state.data[:self.length].ljust(self.length, b"\0"))

    def restore(self, after: AccountState, before: AccountState) -> AccountState:
        length = len(before.data)
        return replace(after, data=after.data[:length] + before.data[len(after.data):])


@dataclass(frozen=True, slots=True)
class Forgery:
    """Patches applied in order (several may change one account) and undone in reverse order."""

    patches: tuple[Patch, ...]

    @property
    def addresses(self) -> tuple[Address, ...]:
        return tuple(dict.fromkeys(patch.address for patch in self.patches))

    def forge(self, accounts: AccountMap) -> dict[Address, AccountState]:
        """The forged accounts, from `accounts` (each of `addresses`, as they are before forging)."""
        return self._apply(accounts)[0]

    def restore(self, accounts: AccountMap, forged: AccountMap, after: AccountMap) -> dict[Address, AccountState]:
        """The forged accounts as `after` (the transaction's after-state) shows them, every change undone;
        `accounts` are as `forge` was given them, `forged` what it returned. An account the transaction closed
        comes back as it was, and so does one it left exactly as forged (undoing every patch of an unchanged
        account gives its bytes back: the refused operation, the common case, costs no patch)."""
        back = {address for address in self.addresses
                if after.get(address) is None or after.get(address) == forged.get(address)}
        restored = {address: _existing(accounts if address in back else after, address)
                    for address in self.addresses}
        if len(back) < len(restored):
            _, befores = self._apply(accounts)
            for patch, before in reversed(tuple(zip(self.patches, befores, strict=True))):
                if patch.address not in back:
                    restored[patch.address] = patch.restore(restored[patch.address], before)
        return restored

    def _apply(self, accounts: AccountMap) -> tuple[dict[Address, AccountState], tuple[AccountState, ...]]:
        """The forged accounts, and the state each patch was applied to."""
        states = {address: _existing(accounts, address) for address in self.addresses}
        befores = []
        for patch in self.patches:
            befores.append(states[patch.address])
            states[patch.address] = patch.forge(states[patch.address])
        return states, tuple(befores)


def _existing(accounts: AccountMap, address: Address) -> AccountState:
    state = accounts.get(address)
    if state is None:
        raise InvalidArgument(f"{address} has no account: only an existing account can be forged")
    return state


# ---------------------------------------------------------------------------------------------------------
# Scenarios


@dataclass(frozen=True, slots=True)
class Scene:
    """What a scenario is built from: the adversary's `Target` (it sends, signs and pays alone) and the pool's
    state as last seen (its fees)."""

    target: Target
    state: PoolState


@dataclass(frozen=True, slots=True)
class Forged:
    """A scenario ready to send: `op` under `forgery`."""

    name: str
    op: Op
    forgery: Forgery


Forge: TypeAlias = Callable[[Scene, Trading], tuple[Patch, ...]]
Build: TypeAlias = Callable[[Scene], Forged]


def _system(scene: Scene) -> Address:
    return pdas.system_state(scene.target.pool.program_id)[0]


def _pool(scene: Scene) -> Address:
    return scene.target.pool.pool


def _ata(target: Target, mint: Address) -> Address:
    return associated_token_address(target.user, mint)


def _constant(value: Any) -> Callable[[Any], Any]:
    return lambda _: value


def _resized(account: Callable[[Scene], Address], length: int) -> Forge:
    return lambda scene, _: (Resize(account(scene), length),)


def _owned(account: Callable[[Scene], Address], owner: Address) -> Forge:
    return lambda scene, _: (SetAccount(account(scene), "owner", owner),)


def _flags(flags: PoolFlag) -> Forge:
    return lambda scene, _: (SetField(_pool(scene), PoolState, "flags", lambda current: current | flags),)


def _payer_left(margin: int) -> Forge:
    """The payer holding the network fee, the pool's fee of the operation, and `margin` lamports more."""
    return lambda scene, op: (SetAccount(scene.target.user, "lamports",
                                         NETWORK_FEE + getattr(scene.state, op.FEE_FIELD) + margin),)


def _system_pause(scene: Scene) -> Patch:
    return SetField(_system(scene), SystemState, "is_paused", _constant(True))


def _total(side: Side) -> str:
    return f"total_token_{side.value.lower()}_liquidity"


def _total_set(value: Callable[[Target], int]) -> Forge:
    """The tracked total of the target's side set to `value(target)`."""
    return lambda scene, _: (SetField(_pool(scene), PoolState, _total(scene.target.side),
                                      _constant(value(scene.target))),)


_SHARED: Final[dict[str, Forge]] = {
    "system_paused": lambda scene, _: (_system_pause(scene),),
    "system_state_empty": _resized(_system, 0),
    "system_state_short": _resized(_system, c.SYSTEM_STATE_LEN - 1),
    "system_state_long": _resized(_system, c.SYSTEM_STATE_LEN + 1),
    "system_state_foreign_owner": _owned(_system, ids.SYSTEM_PROGRAM_ID),
    "pool_state_short": _resized(_pool, c.POOL_STATE_LEN - 1),
    "pool_state_long": _resized(_pool, c.POOL_STATE_LEN + 1),
    "pool_state_foreign_owner": _owned(_pool, ids.TOKEN_PROGRAM_ID),
    "fee_short": _payer_left(-1),
    "fee_rent_exact": _payer_left(SYSTEM_ACCOUNT_RENT),
    "fee_below_rent": _payer_left(SYSTEM_ACCOUNT_RENT - 1),
}
"""Every kind: the system state and the pool state forged (paused, emptied, one byte short or long, owned by
another program) and the payer's lamports around the fee (one short; exactly rent-exempt after; one below)."""

_USER_ACCOUNTS: Final[dict[str, dict[str, Callable[[Target], Address]]]] = {
    "deposit": {"source": lambda t: _ata(t, t.pool.mint(t.side)),
                "lp_account": lambda t: _ata(t, t.pool.lp_mint(t.side))},
    "withdraw": {"lp_account": lambda t: _ata(t, t.pool.lp_mint(t.side)),
                 "destination": lambda t: _ata(t, t.pool.mint(t.side))},
    "swap": {"input": lambda t: _ata(t, t.pool.mint(t.side)),
             "output": lambda t: _ata(t, t.pool.mint(t.side.other))},
}
"""The user's two token accounts of each kind (section 2.3 accounts 7 and 8)."""


def _token_forges(account: Callable[[Target], Address]) -> dict[str, Forge]:
    """A user token account frozen, delegated with an allowance, and delegated without one (which passes)."""
    def delegated(allowance: int) -> Forge:
        return lambda scene, _: (
            SetField(account(scene.target), TokenAccount, "delegate", _constant(scene.target.stranger)),
            SetField(account(scene.target), TokenAccount, "delegated_amount", _constant(allowance)))
    return {
        "frozen": lambda scene, _: (SetField(account(scene.target), TokenAccount, "state",
                                             _constant(TokenAccountState.FROZEN)),),
        "delegated": delegated(1),
        "delegate_without_allowance": delegated(0),
    }


def _ratio_to_limit(scene: Scene, _: Trading) -> tuple[Patch, ...]:
    """The pool's ratio forged to 1 : u64::MAX in the target's swap direction: any input of 2 or more gives an
    output past u64::MAX, an input of 1 exactly u64::MAX."""
    ratios = ("ratio_a_numerator", "ratio_b_denominator")
    r_in, r_out = ratios if scene.target.side is Side.A else ratios[::-1]
    return (SetField(_pool(scene), PoolState, r_in, _constant(1)),
            SetField(_pool(scene), PoolState, r_out, _constant(frt_math.U64_MAX)))


def _withdraw_beyond_total(scene: Scene, op: Trading) -> tuple[Patch, ...]:
    """The side's tracked total one below the amount, and the user's LP account holding the amount (the burn
    and the vault transfer come before the total's check)."""
    t = scene.target
    lp = _ata(t, t.pool.lp_mint(t.side))
    return (*_total_set(lambda target: target.amount - 1)(scene, op),
            SetField(lp, TokenAccount, "amount", lambda held: max(held, t.amount)))


_KIND_FORGES: Final[dict[str, dict[str, Forge]]] = {
    "deposit": {
        "liquidity_paused": _flags(PoolFlag.LIQUIDITY_PAUSED),
        "swaps_paused": _flags(PoolFlag.SWAPS_PAUSED),
        "total_overflow": _total_set(lambda t: frt_math.U64_MAX - t.amount + 1),
        "total_at_limit": _total_set(lambda t: frt_math.U64_MAX - t.amount),
    },
    "withdraw": {
        "liquidity_paused": _flags(PoolFlag.LIQUIDITY_PAUSED),
        "swaps_paused": _flags(PoolFlag.SWAPS_PAUSED),
        "total_below_amount": _withdraw_beyond_total,
        "total_at_amount": _total_set(lambda t: t.amount),
    },
    "swap": {
        "swaps_paused": _flags(PoolFlag.SWAPS_PAUSED),
        "liquidity_paused": _flags(PoolFlag.LIQUIDITY_PAUSED),
        "owner_only": _flags(PoolFlag.SWAP_FOR_OWNERS_ONLY),
        "owner_only_by_owner": lambda scene, op: (
            *_flags(PoolFlag.SWAP_FOR_OWNERS_ONLY)(scene, op),
            SetField(_pool(scene), PoolState, "owner", _constant(scene.target.user))),
        "output_overflow": _ratio_to_limit,
        "output_at_limit": _ratio_to_limit,
    },
}
"""Each kind's own: the pool's pause flags (its own refuses, the other's does not), owner-only swaps (refused
unless the user is the pool's owner), and the u64 edges of the tracked total or the swap output."""

_HONEST: Final[dict[str, Callable[[Target], Trading]]] = {
    "swap.output_overflow": lambda t: Swap(t.pool, t.user, t.side, max(2, t.amount), 0),
    "swap.output_at_limit": lambda t: Swap(t.pool, t.user, t.side, 1, frt_math.U64_MAX),
}
"""Scenarios whose operation is not the target's honest one: the swaps past and at the u64 output limit (their
expectation is beside the point past it, and exactly the output at it)."""


def _scenario(kind: str, what: str, forge: Forge) -> Build:
    name = f"{FORGED}.{kind}.{what}"
    honest = _HONEST.get(f"{kind}.{what}") or (lambda t: KINDS[kind](t, t.amount))

    def build(scene: Scene) -> Forged:
        op = honest(scene.target)
        return Forged(name, Adversarial(name, op, op.instructions()[0]), Forgery(forge(scene, op)))
    return build


def _initialize_pool_paused(scene: Scene) -> Forged:
    """A new pool (the target's mints, another ratio) created while the system is paused: refused before the
    creator pays anything."""
    pool = scene.target.pool
    ratio_b = pool.ratio_b + 1 if pool.ratio_b < frt_math.U64_MAX else pool.ratio_b - 1
    fresh = PoolAddresses.derive(pool.program_id, pool.token_a_mint, pool.token_b_mint, pool.ratio_a, ratio_b)
    return Forged(f"{FORGED}.initialize_pool.system_paused", InitializePool(scene.target.user, fresh),
                  Forgery((_system_pause(scene),)))


def _catalogue() -> dict[str, Build]:
    scenarios: dict[str, Build] = {"initialize_pool.system_paused": _initialize_pool_paused}
    for kind, accounts in _USER_ACCOUNTS.items():
        forges = dict(_SHARED) | _KIND_FORGES[kind]
        for role, account in accounts.items():
            forges |= {f"{role}_{what}": forge for what, forge in _token_forges(account).items()}
        scenarios |= {f"{kind}.{what}": _scenario(kind, what, forge) for what, forge in forges.items()}
    return dict(sorted(scenarios.items()))


SCENARIOS: Final[dict[str, Build]] = _catalogue()
"""Every forged-state scenario by name ("<kind>.<what>"), built from a `Scene`."""


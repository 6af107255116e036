"""Pools the engine trades on: their addresses, decimals and latest on-chain state."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from pytest_fixedratio.chain.base import Chain
from pytest_fixedratio.errors import FixedRatioError
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.frt.state import PoolState
from pytest_fixedratio.sol.address import Address


class PoolGone(FixedRatioError):
    """The pool's state account is missing or is not a PoolState."""


@dataclass
class PoolHandle:
    """One pool: derived addresses, token decimals, and the state last read from the chain."""

    addresses: PoolAddresses
    decimals_a: int
    decimals_b: int
    state: PoolState

    @property
    def address(self) -> Address:
        return self.addresses.pool

    @cached_property
    def label(self) -> str:
        return str(self.addresses.pool)

    def decimals(self, side: Side) -> int:
        return self.decimals_a if side is Side.A else self.decimals_b

    @property
    def exact(self) -> bool:
        return PoolFlag.EXACT_EXCHANGE_REQUIRED in self.state.flags

    def ratios(self, input_side: Side) -> tuple[int, int]:
        """(r_in, r_out) for a swap from `input_side`, from the on-chain ratio fields."""
        return self.state.ratio(input_side), self.state.ratio(input_side.other)

    async def refresh(self, chain: Chain) -> PoolState:
        account = await chain.get_account(self.address)
        if account is None:
            raise PoolGone(f"pool {self.label} has no account on the chain")
        self.state = PoolState.decode(account.data)
        return self.state

"""What the harness knows of the chain's accounts, for decisions (amounts, pauses, balances).

On a chain the session owns alone (in-process), every change comes through the session's own transactions,
whose receipts carry the after-state of every account they touch: the view keeps those and reads the chain
only for accounts it has never seen, so a worker's cycle costs no extra reads. On a shared chain
(`exclusive=False`) it always reads. Verification never uses the view: it predicts from the receipt's own
before-state, so a stale view can cost a wasted transaction, never a wrong verdict.
"""

from __future__ import annotations

from collections.abc import Iterable

from pytest_fixedratio.chain.base import AccountMap, AccountState, Chain
from pytest_fixedratio.sol.address import Address


class AccountView:
    def __init__(self, chain: Chain, *, exclusive: bool) -> None:
        self.chain = chain
        self.exclusive = exclusive
        self._known: dict[Address, AccountState | None] = {}

    async def get(self, addresses: Iterable[Address]) -> dict[Address, AccountState | None]:
        wanted = list(addresses)
        if not self.exclusive:
            return await self.chain.get_accounts(wanted)
        missing = [a for a in wanted if a not in self._known]
        if missing:
            self._known.update(await self.chain.get_accounts(missing))
        return {a: self._known[a] for a in wanted}

    async def one(self, address: Address) -> AccountState | None:
        return (await self.get((address,)))[address]

    def update(self, accounts: AccountMap) -> None:
        """Accounts as a transaction (or a deliberate outside change) left them."""
        if self.exclusive:
            self._known.update(accounts)

    def forget(self, addresses: Iterable[Address] | None = None) -> None:
        """Read these (default: all) from the chain next time."""
        if addresses is None:
            self._known.clear()
        else:
            for address in addresses:
                self._known.pop(address, None)

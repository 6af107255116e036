"""Everything that talks to a Solana cluster: the `Chain` protocol, its values, wallets and the targets.

The only package that imports solders / solana-py; its API speaks `frt` values. Targets live in their own
modules (`chain.litesvm`, ...) and are imported where one is chosen.
"""

from pytest_fixedratio.chain.base import AccountMap, AccountState, Chain, ChainError, Receipt
from pytest_fixedratio.chain.keys import Wallet

__all__ = ["AccountMap", "AccountState", "Chain", "ChainError", "Receipt", "Wallet"]

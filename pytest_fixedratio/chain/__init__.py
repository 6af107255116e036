"""Everything that talks to a Solana cluster: the `Chain` protocol, its values and the targets.

With `sol.keys` (a wallet wraps a solders keypair), the only code that imports solders / solana-py; its API
speaks `sol` and `frt` values. Targets live in their own modules (`chain.litesvm`, ...) and are imported where
one is chosen. Wallets are `sol.keys.Wallet`.
"""

from pytest_fixedratio.chain.base import AccountMap, AccountState, Chain, ChainError, Receipt

__all__ = ["AccountMap", "AccountState", "Chain", "ChainError", "Receipt"]

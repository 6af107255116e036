"""Tests of pytest_fixedratio.chain: wallets, conversion, the loader and the LiteSVM target."""

"""pytest-fixedratio: a pytest plugin and load-test harness for the Fixed Ratio Trading Solana program."""

__version__ = "0.1.0"

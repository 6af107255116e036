"""Persistence: the SQLite store of a data directory, atomic JSON files, and wallet key files."""

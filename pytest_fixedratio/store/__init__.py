"""Persistence: atomic JSON files for state, sessions and reports, and wallet key files."""

"""The verifier that does not trust the program: one check of every receipt against its intent's prediction,
pool and program invariants, reports.

`verifier` compares each receipt with what its intent (`pytest_fixedratio.intents`) predicts and runs the pool
invariants on the after-state; `invariants` checks snapshots of pools and of the treasury; `report` turns
findings into counted, mergeable values. Everything but `reader` is pure: it works on account snapshots, never
on a connection.
"""

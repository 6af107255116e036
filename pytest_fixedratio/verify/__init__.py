"""The verifier that does not trust the program: per-operation ledger, pool and global invariants, reports.

`ledger` predicts what each transaction must do from the FRT maths and compares it with the receipt;
`invariants` checks snapshots of pools and of the treasury; `report` turns findings into counted,
mergeable values. Everything but `reader` is pure: it works on account snapshots, never on a connection.
"""

"""Generic Solana pieces: no FRT knowledge, no I/O.

Both `frt/` (the FRT client) and `chain/` (the cluster targets) build on these, so they sit at the bottom of
the layer picture and import nothing of this project but `errors`.
"""

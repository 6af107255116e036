"""The stress engine: the session (pools, workers, core wallet, every transaction), what workers decide and how
they run, the token economy, statistics and the campaign built on a session."""

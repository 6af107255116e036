"""The stress engine: core wallet, pools, workers, token economy, statistics."""

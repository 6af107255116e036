"""Operation intents: every transaction the harness sends, described once (instructions, predicted effect on
every account it touches, predicted outcome: success or the exact error)."""

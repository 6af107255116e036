"""Throughput and micro-benchmarks (pytest-benchmark); not collected by `make test`, run with
`.venv/bin/python -m pytest benchmarks -p no:xdist --benchmark-only`."""

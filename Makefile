# The two commands a new user needs: `make stress` (the main job on the embedded target) and `make test`.
# Both create .venv from pyproject.toml when it is missing or older than pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test stress lint program bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	bash ci/pytest.sh $(BIN)/python

stress: $(STAMP)
	$(BIN)/frt-stress run $(STRESS_ARGS)

program: $(STAMP)
	$(BIN)/python -m pytest_fixedratio.program.build

bench: $(STAMP)
	$(BIN)/python -m benchmarks.throughput
	$(BIN)/python -m benchmarks.rpc_target
	$(BIN)/python -m pytest benchmarks -p no:xdist --benchmark-only -q

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

# Everything a fresh machine needs: `make run` and `make test` create .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test lint typecheck sample check-packs bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	touch $@

# The dask extra too: the test suite runs a sensitivity run on a local Dask cluster.
$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev,dask]'
	touch $@ $(VENV)/.run-installed

## run: rate the bundled sample under every sample pack; writes reports/
run: $(VENV)/.run-installed
	$(BIN)/perfassess score

## test: the whole test suite (unit, pack cases, end-to-end)
test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest

## lint: ruff over code and tests, mypy over the package, the import contracts between layers
lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests data/sample/generate.py
	$(BIN)/mypy
	$(BIN)/lint-imports

## sample: regenerate the synthetic sample data (deterministic, fixed seed)
sample: $(VENV)/.run-installed
	$(BIN)/python data/sample/generate.py

## check-packs: static checks and YAML cases of every built-in pack
check-packs: $(VENV)/.run-installed
	$(BIN)/perfassess rules check
	$(BIN)/perfassess rules test

## bench: the benchmark suite; BENCH=quick for the small scenarios only (see benchmarks/README.md)
BENCH ?= full
bench: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks --set $(BENCH) $(BENCH_ARGS)

## screenshots: PNGs of a national summary and an area page at 400 and 1280 px in docs/screenshots/
screenshots: $(VENV)/.dev-installed
	$(BIN)/python tools/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

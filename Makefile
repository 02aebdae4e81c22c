# KiotSync — the two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

# synchronous_commit=off: the test run needs no crash durability, and skips a WAL flush per commit.
SCALEOUT_DB ?= postgresql://postgres@127.0.0.1:5432/kiotsync?options=-c%20synchronous_commit%3Doff
SCALEOUT_QUEUE ?= redis://127.0.0.1:6379/15

.PHONY: demo test test-scaleout lint typecheck fmt venv clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/kiotsync demo

# The whole suite: lint, format, types, import contracts (docs/architecture.md), then every test (embedded SQLite + SqliteHuey by default;
# set KIOTSYNC_DATABASE_URL / KIOTSYNC_QUEUE_URL to run it on PostgreSQL + Redis).
test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The same suite on the scale-out stack (PostgreSQL + Redis at 127.0.0.1).
test-scaleout: $(STAMP)
	KIOTSYNC_DATABASE_URL=$(SCALEOUT_DB) KIOTSYNC_QUEUE_URL=$(SCALEOUT_QUEUE) $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) .kiotsync .pytest_cache .mypy_cache .ruff_cache

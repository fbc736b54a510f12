# FairEdge — everything installs into the project: uv into .tools/, the environment into .venv/.
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
BIN := .venv/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# uv uses this interpreter and never downloads one (registries only on the machines we run on).
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never

.PHONY: install run test lint typecheck imports pytest bench migrate clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	touch $@

install: .venv/.installed

run: install
	$(BIN)/fairedge run --host $(HOST) --port $(PORT)

migrate: install
	$(BIN)/fairedge db upgrade

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

imports: install
	$(BIN)/lint-imports

pytest: install
	$(BIN)/pytest -n 2 -q

test: lint typecheck imports pytest

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf .venv .tools var .mypy_cache .ruff_cache .pytest_cache .hypothesis

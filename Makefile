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

# Each of these packages must keep this share of its statements and branches covered by the tests.
COVERAGE_FLOOR := 90
COVERAGE_PACKAGES := pricing odds opportunities users ratelimit billing secretstore cache alerts calculator bets stream

.PHONY: install run test lint format typecheck imports pytest bench bench-api migrate clean web web-build web-client

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	touch $@

install: .venv/.installed

run: install web-build
	$(BIN)/fairedge run --host $(HOST) --port $(PORT)

migrate: install
	$(BIN)/fairedge db upgrade

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

# Fixes what ruff can and formats everything; what is left to fix by hand is printed (and fails `make lint`).
format: install
	$(BIN)/ruff check --fix --exit-zero src tests bench
	$(BIN)/ruff format src tests bench

typecheck: install
	$(BIN)/mypy

imports: install
	$(BIN)/lint-imports

# Coverage of this process and its xdist workers (servers started as subprocesses are not measured), then
# the floor checked per package: one well-tested package cannot hide an untested one. `--dist loadgroup`: tests
# sharing one server (xdist_group: the web app's end-to-end tests in Chromium, tests/web/test_e2e.py) run on one
# worker, the others spread as before.
pytest: install
	$(BIN)/pytest -n 2 --dist loadgroup -q --cov --cov-report=
	@for package in $(COVERAGE_PACKAGES); do \
		include="src/fairedge/$$package/*"; \
		if total=$$($(BIN)/coverage report --include="$$include" --format=total --fail-under=$(COVERAGE_FLOOR)); \
		then echo "coverage of fairedge.$$package: $$total %"; continue; fi; \
		echo "coverage of fairedge.$$package is under the $(COVERAGE_FLOOR) % floor; not covered:"; \
		$(BIN)/coverage report --include="$$include" --skip-covered --show-missing; \
		exit 1; \
	done

test: lint typecheck imports web pytest

# --- the web app (web/: React + TypeScript + Vite; Node 20 and npm, packages from web/package-lock.json) ----
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts \
	web/tsconfig.json web/package-lock.json
NPM := npm --prefix web --no-audit --no-fund --loglevel=error

web/node_modules/.installed: web/package.json web/package-lock.json
	$(NPM) ci
	touch $@

# Built when missing or older than its sources; `make run` serves it at / beside /api and /health.
web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	cd web && npx vite build --logLevel warn
	@touch $@

web-build:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory web/dist/index.html; \
	else echo "npm not found (Node 20 is needed for the web app): serving the API only"; fi

# The API client from the live schema: create_app().openapi() -> openapi.json -> schema.d.ts (both committed).
web-client: install web/node_modules/.installed
	$(BIN)/python web/scripts/dump_openapi.py
	cd web && npx openapi-typescript src/api/openapi.json -o src/api/schema.d.ts

# make test's web step: types, unit tests, the client regenerated (fails when it differs from the committed one),
# the production build and its first-load budget.
web: web-client
	cd web && npx tsc --noEmit -p .
	cd web && npx vitest run
	@git diff --exit-code --stat -- web/src/api \
		|| { echo "web/src/api differs from the API's schema: commit the regenerated client (make web-client)"; exit 1; }
	cd web && npx vite build --logLevel warn
	node web/scripts/check-bundle.mjs

bench: install
	$(BIN)/python -m bench

# The cached /api/opportunities beside hello world, served the same way (gunicorn, uvicorn workers), by wrk.
bench-api: install
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; } \
		|| { echo "wrk is missing and apt-get could not install it (try: sudo apt-get install wrk)"; exit 1; }
	$(BIN)/python -m bench.api

clean:
	rm -rf web/node_modules web/dist
	rm -rf .venv .tools var .mypy_cache .ruff_cache .pytest_cache .hypothesis .coverage .coverage.*

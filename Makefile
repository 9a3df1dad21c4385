# wrapbot: `make run` to chat with the bot locally, `make test` to run every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PLAYGROUND_USER := 00000000-0000-0000-0000-0000000000020

.PHONY: run test lint bench bench-attendance bench-broadcast bench-totals bench-retention install clean playground package

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

tests/e2e/node_modules/.package-lock.json: tests/e2e/package.json tests/e2e/package-lock.json
	cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error

run: $(STAMP)
	COORDINATORS="$${COORDINATORS:-$(PLAYGROUND_USER)}" $(BIN)/python -m bot --demo

test: $(STAMP) tests/e2e/node_modules/.package-lock.json
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench.turns

bench-attendance: $(STAMP)
	$(BIN)/python -m bench.attendance

package: $(STAMP)
	$(BIN)/python -m manifests.package
bench-broadcast: $(STAMP)
	$(BIN)/python -m bench.broadcast --people 5000

# Totals over 1,000,000 attendance records and 50,000 staff; PostgreSQL too when
# BENCH_DATABASE_URL names a database of your own (it is emptied first).
bench-totals: $(STAMP)
	$(BIN)/python -m bench.totals

# A retention run over 12,000 people (20 gone, or --gone more) with 300,000 audit entries.
bench-retention: $(STAMP)
	$(BIN)/python -m bench.retention

# `make playground AS=megan PLAYGROUND_PORT=56151`: another Playground, as another demo person.
AS ?=
PLAYGROUND_PORT ?= 56150
playground: tests/e2e/node_modules/.package-lock.json
	cd tests/e2e && TEAMSAPPTESTER_BROWSER=none \
		$(if $(AS),M365_AGENTS_PLAYGROUND_CONFIG_PATH=$(CURDIR)/playground/$(AS).yml) \
		npx m365agentsplayground -e http://127.0.0.1:3978/api/messages -c msteams \
		--disable-telemetry -p $(PLAYGROUND_PORT)

clean:
	rm -rf $(VENV) var build tests/e2e/node_modules

# `make run`: the app on the embedded defaults (SQLite file, offline model) at :8000.
# `make test`: lint, types, unit/integration/e2e tests (SQLite + PostgreSQL + Chromium), evals.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
JOBS ?= 2

PROCS ?= 2

.PHONY: setup run serve haproxy test lint typecheck unit evals bench browser postgres clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(VENV)/bin/rescind seed --if-empty
	RESCIND_DEMO=$${RESCIND_DEMO:-1} $(VENV)/bin/rescind serve --port $(PORT)  # demo logins on the sign-in page

# K app processes (PROCS) behind HAProxy at :PORT, sticky by cookie; DATABASE_URL should be
# PostgreSQL (README: "Several processes").
serve: setup haproxy
	$(VENV)/bin/rescind seed --if-empty
	$(PY) -m assistant.cluster --processes $(PROCS) --port $(PORT)

# Debian's HAProxy for `make serve` and benchmarks/load.py.
haproxy:
	@command -v haproxy >/dev/null || test -x /usr/sbin/haproxy || { apt-get update -qq && apt-get install -y -qq haproxy >/dev/null; }

# Debian's Chromium for the browser tests (no browser downloads work here).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# Start PostgreSQL only if it is not already running (the machine normally runs it).
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

typecheck: setup
	$(VENV)/bin/mypy assistant tools prompts store evals benchmarks

unit: setup browser postgres haproxy
	$(PY) -m pytest -n $(JOBS) -q

evals: setup
	$(VENV)/bin/rescind evals run evals/dialogs --jobs $(JOBS) --report out/evals \
		--junit out/evals/junit.xml

test: lint typecheck unit evals

bench: setup postgres
	$(PY) -m benchmarks.store_bench
	$(PY) -m benchmarks.agent_bench

clean:
	rm -rf $(VENV) var out .mypy_cache .ruff_cache .pytest_cache

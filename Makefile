# motcua — the two commands: `make demo` runs the product, `make test` runs the suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-fast lint worker scheduler clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found; set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements/base.txt pyproject.toml
	$(BIN)/pip install --quiet -r requirements/base.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements/dev.txt
	$(BIN)/pip install --quiet -r requirements/dev.txt
	touch $@

## make demo: install, migrate SQLite, load the demo province and serve http://127.0.0.1:8000
demo: $(VENV)/.installed
	DEBUG=$${DEBUG:-true} $(BIN)/motcua migrate --noinput
	DEBUG=$${DEBUG:-true} $(BIN)/motcua pki demo
	DEBUG=$${DEBUG:-true} $(BIN)/motcua load-demo --history 3
	@echo "Demo users (password below): $(BIN)/motcua demo-users"
	DEBUG=$${DEBUG:-true} $(BIN)/motcua runserver $(HOST):$(PORT)

## make browser: Debian's Chromium for the browser tests; installed with apt when missing and run as root
CHROMIUM ?= $(or $(MOTCUA_CHROMIUM),/usr/bin/chromium)
.PHONY: browser screenshots
browser:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's chromium (and a Bengali font) for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-lohit-beng-bengali >/dev/null \
	    && [ -x "$(CHROMIUM)" ] || { echo "No Chromium at $(CHROMIUM) after apt-get install chromium."; exit 1; }; \
	else \
	  echo "The browser tests need Debian's Chromium at $(CHROMIUM)."; \
	  echo "Install it as root: apt-get install chromium fonts-lohit-beng-bengali (or set MOTCUA_CHROMIUM to another Chromium)."; \
	  exit 1; \
	fi

## make test: install the dev tools and the browser, run the whole suite (DATABASE_URL chooses the database)
test: $(VENV)/.installed-dev browser
	$(BIN)/pytest -n auto --dist loadfile

## make test-fast: the suite without the tests that drive Chromium (marker `browser`); needs no browser installed
test-fast: $(VENV)/.installed-dev
	$(BIN)/pytest -n auto --dist loadfile -m "not browser"

## make screenshots: walk the journey in Chromium and write the pictures of docs/screenshots/
screenshots: $(VENV)/.installed-dev browser
	MOTCUA_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/pytest -p no:xdist -q tests/browser/test_browser_journey.py -k whole_journey

## make worker / make scheduler: background tasks beside `make demo` (database backend, no broker)
worker: $(VENV)/.installed
	DEBUG=$${DEBUG:-true} $(BIN)/motcua db_worker

scheduler: $(VENV)/.installed
	DEBUG=$${DEBUG:-true} $(BIN)/motcua scheduler --interval 60

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

## make bench-search: catalog search over 5,000 procedures in a database of its own; fails when p95 >= 20 ms (DATABASE_URL chooses the database)
.PHONY: bench-search
bench-search: $(VENV)/.installed
	$(BIN)/python bench/catalog_search.py

## make bench: ceiling, submit, act and read on PostgreSQL with gunicorn (2 workers) and wrk (16 connections,
## 20 s a run); fills BENCH_DATABASE_URL with BENCH_DOSSIERS (1,000,000) dossiers first if needed. Not part of `make test`.
.PHONY: bench
bench: bench-kpi $(VENV)/.installed
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
	@pg_isready -q -h 127.0.0.1 -p 5432 || { pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql | head -n1)" main start; \
	  for _ in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }
	$(BIN)/python bench/run.py

## make bench-kpi: Decision 766 at scale — fills KPI_BENCH_DATABASE_URL with KPI_DOSSIERS (10,000,000) dossiers
## if it has fewer, then times `kpi rebuild` (target < 60 s) and the dashboard of every unit over a year (p95 < 50 ms).
KPI_BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/motcua_kpi_bench
KPI_DOSSIERS ?= 10000000
.PHONY: bench-kpi
bench-kpi: $(VENV)/.installed
	DATABASE_URL=$(KPI_BENCH_DATABASE_URL) $(BIN)/python bench/kpi.py --dossiers $(KPI_DOSSIERS) --verify

clean:
	rm -rf $(VENV) var

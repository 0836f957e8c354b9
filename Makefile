# motcua — the two commands: `make demo` runs the product, `make test` runs the suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo demo-bd test test-fast lint worker scheduler clean

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
## (make demo PORT=8101 serves another port). PUBLIC_URL, the address the browser uses, follows HOST and PORT
## unless set: the bundled e-ID provider lives under it (OIDC_ISSUER = PUBLIC_URL/idp) and the portal is
## registered there with PUBLIC_URL's callback, so a login sent to another port would find no provider.
PUBLIC_URL ?= http://$(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
DEMO_ENV = DEBUG=$${DEBUG:-true} PUBLIC_URL=$(PUBLIC_URL)
DEMO_HISTORY ?= 3
demo: $(VENV)/.installed
	$(DEMO_ENV) $(BIN)/motcua migrate --noinput
	$(DEMO_ENV) $(BIN)/motcua pki demo
	$(DEMO_ENV) $(BIN)/motcua load-demo --history $(DEMO_HISTORY)
	@echo "Demo users (their password is on the first line):"
	@$(DEMO_ENV) $(BIN)/motcua demo-users
	@echo "Open $(PUBLIC_URL)/ (the demo e-ID provider: $(PUBLIC_URL)/idp/)"
	$(DEMO_ENV) $(BIN)/motcua runserver $(HOST):$(PORT)

## make demo-bd: the same for the Bangladesh demo country pack (countries/bd: its catalog, procedures and
## demo.yaml; Bengali first, taka, the Bangladesh holiday calendar), in its own SQLite database (var/bd)
demo-bd: $(VENV)/.installed
	$(MAKE) demo DEMO_ENV="$(DEMO_ENV) COUNTRY_DIR=countries/bd MOTCUA_VAR_DIR=$(CURDIR)/var/bd" DEMO_HISTORY=0

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

## make clamav: ClamAV's daemon for the upload scanning tests (tests/vault/test_upload_content.py starts its own
## on a test-only signature database, or uses CLAMD_ADDRESS); installed with apt when missing and run as root
.PHONY: clamav
clamav:
	@if command -v clamd >/dev/null 2>&1 || [ -x /usr/sbin/clamd ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's ClamAV (clamd) for the upload scanning tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clamav-daemon clamav-freshclam >/dev/null \
	    && [ -x /usr/sbin/clamd ] || { echo "No clamd after apt-get install clamav-daemon."; exit 1; }; \
	else \
	  echo "The upload tests need ClamAV's clamd. Install it as root: apt-get install clamav-daemon clamav-freshclam."; \
	  exit 1; \
	fi

## The independent OpenID Connect provider the e-ID login is tested against (panva's oidc-provider, in node).
## Node.js >= 18 and npm: installed with apt when missing and run as root; `npm ci` again when the lock file changes.
OIDC_PROVIDER := tests/identity/oidc_provider
.PHONY: node
node:
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Node.js and npm (Debian's) for the e-ID login tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null \
	    && command -v node >/dev/null || { echo "No node after apt-get install nodejs npm."; exit 1; }; \
	else \
	  echo "The e-ID login tests run an OpenID Connect provider in Node.js (18 or later) with npm."; \
	  echo "Install them as root: apt-get install nodejs npm (or from https://nodejs.org), then run make again."; \
	  exit 1; \
	fi
	@node -e 'process.exit(+process.versions.node.split(".")[0] >= 18 ? 0 : 1)' \
	  || { echo "Node.js $$(node --version) is too old for the e-ID login tests: 18 or later is needed."; exit 1; }

$(OIDC_PROVIDER)/node_modules/.installed: $(OIDC_PROVIDER)/package.json $(OIDC_PROVIDER)/package-lock.json | node
	cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## make test: install the dev tools, the browser and the test provider, run the whole suite (DATABASE_URL chooses the database)
test: $(VENV)/.installed-dev browser clamav $(OIDC_PROVIDER)/node_modules/.installed
	$(BIN)/pytest -n auto --dist loadfile --no-loadscope-reorder

## make test-fast: the suite without the tests that drive Chromium (marker `browser`); needs no browser installed
test-fast: $(VENV)/.installed-dev clamav $(OIDC_PROVIDER)/node_modules/.installed
	$(BIN)/pytest -n auto --dist loadfile --no-loadscope-reorder -m "not browser"

## make screenshots: walk the journey in Chromium and write the pictures of docs/screenshots/
screenshots: $(VENV)/.installed-dev browser
	MOTCUA_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/pytest -p no:xdist -q tests/browser/test_browser_journey.py tests/browser/test_browser_layout.py tests/browser/test_browser_worklist.py tests/browser/test_browser_catalog.py -k "whole_journey or layout or worklist or queues_search or procedure_written"

## make worker / make scheduler: background tasks beside `make demo` (database backend, no broker); give them the
## demo's PORT (make worker PORT=8101): the national sync pushes to PUBLIC_URL's demo portal, which follows it
worker: $(VENV)/.installed
	$(DEMO_ENV) $(BIN)/motcua db_worker

scheduler: $(VENV)/.installed
	$(DEMO_ENV) $(BIN)/motcua scheduler --interval 60

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

## make bench-search: catalog search over 5,000 procedures in a database of its own; fails when p95 >= 20 ms (DATABASE_URL chooses the database)
.PHONY: bench-search
bench-search: $(VENV)/.installed
	$(BIN)/python bench/catalog_search.py

## make bench-catalogue: a province's catalogue (issue 24): 2,000 generated procedure files imported through
## `catalog import` (a directory, then a zip of them changed) and the editor's zip import, each < 60 s; then the
## citizen's catalogue page and search API with and without diacritics (p95 < 30 ms) and the editor's list pages
## (p95 < 50 ms), with their SQL statements and CPU time; writes bench/results/catalogue-<date>-<database>.json.
## Its own database: a temporary SQLite file, or DATABASE_URL's PostgreSQL server (test_<name>, dropped after).
.PHONY: bench-catalogue
bench-catalogue: $(VENV)/.installed
	$(BIN)/python bench/catalogue_scale.py

## make bench: ceiling, submit, act, IPN and read on PostgreSQL with gunicorn (2 workers) and wrk (16 connections,
## 20 s a run); fills BENCH_DATABASE_URL with BENCH_DOSSIERS (1,000,000) dossiers first if needed. Not part of `make test`.
.PHONY: bench
bench: bench-kpi bench-outbox bench-catalogue $(VENV)/.installed
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
	@pg_isready -q -h 127.0.0.1 -p 5432 || { pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql | head -n1)" main start; \
	  for _ in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }
	$(BIN)/python bench/run.py
	$(BIN)/python bench/webhooks.py

## make bench-webhooks: webhook delivery throughput, 2 workers, a slow receiver beside a fast one (its own database:
## a temporary SQLite file, or WEBHOOK_BENCH_DATABASE_URL, an empty PostgreSQL database).
.PHONY: bench-webhooks
bench-webhooks: $(VENV)/.installed
	$(BIN)/python bench/webhooks.py

## make bench-soak: ten minutes at 70 % of the measured maximum submit rate mixed with reads (bench/soak.py);
## fails on any error or when a worker's memory grows. SOAK_SECONDS, SOAK_SHARE and the bench's variables apply.
.PHONY: bench-soak
bench-soak: $(VENV)/.installed
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
	@pg_isready -q -h 127.0.0.1 -p 5432 || { pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql | head -n1)" main start; \
	  for _ in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }
	$(BIN)/python bench/soak.py

## make bench-outbox: outbox delivery throughput (events/s), 2 workers, a fast SMTP server beside a slow SMS
## provider (50 ms); on BENCH_OUTBOX_DATABASE_URL (default postgres …/motcua_bench_outbox, recreated each run)
.PHONY: bench-outbox
bench-outbox: $(VENV)/.installed-dev
	$(BIN)/python bench/outbox.py

## make bench-kpi: Decision 766 at scale — fills KPI_BENCH_DATABASE_URL with KPI_DOSSIERS (10,000,000) dossiers
## if it has fewer, then times `kpi rebuild` (target < 60 s) and the dashboard of every unit over a year (p95 < 50 ms),
## then the insights: `insights rebuild` of the step tables (SQL, < 5 min) and the insight page of every unit (p95 < 100 ms).
KPI_BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/motcua_kpi_bench
KPI_DOSSIERS ?= 10000000
.PHONY: bench-kpi
bench-kpi: $(VENV)/.installed
	DATABASE_URL=$(KPI_BENCH_DATABASE_URL) $(BIN)/python bench/kpi.py --dossiers $(KPI_DOSSIERS) --verify

clean:
	rm -rf $(VENV) var $(OIDC_PROVIDER)/node_modules

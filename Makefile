# Gatehouse: `make run` starts the three sites; `make test` runs the whole suite on SQLite.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
FLASK   = $(BIN)/flask
TENANTS = $(basename $(notdir $(wildcard tenants/*.toml)))

.PHONY: run test test-browser screenshots lint format migrate seed install install-dev clean bench bench-quick \
        prod load load-quick faults faults-quick

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install  ## apply Accounts and tenant migrations
	$(FLASK) --app app db upgrade
	$(FLASK) --app 'app:tenant("$(firstword $(TENANTS))")' db upgrade

seed: migrate  ## demo users, org, clients, and todos on every tenant (idempotent)
	@$(FLASK) --app app seed-demo
	@for t in $(TENANTS); do $(FLASK) --app "app:tenant(\"$$t\")" seed-demo; done

run: seed  ## start Accounts, Acme and Globex; prints demo logins and URLs
	@$(BIN)/python app.py

test: install-dev  ## the whole suite (but the browser journeys) on SQLite, no services needed
	$(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

test-browser: install-dev  ## browser journeys in headless Chromium (needs /usr/bin/chromium)
	$(BIN)/pytest -m browser $(PYTEST_ARGS)

bench: install  ## the benchmark suite on PostgreSQL + Redis (3 rounds x 10 s; BENCH_ARGS="--only userinfo --scale" …)
	$(BIN)/python bench/suite.py $(BENCH_ARGS)

bench-quick: install  ## a quick bench run (1 round x 2 s), for before/after checks of a change
	$(BIN)/python bench/suite.py --quick $(BENCH_ARGS)

prod: install-dev  ## the sites like production: gunicorn, TLS, two Accounts servers, PostgreSQL + Redis
	$(BIN)/python -m operations.stack

load: install-dev  ## Locust: 50 users for 60 s against the production-like stack, then the ledger checks
	$(BIN)/python -m operations.load

load-quick: install-dev
	$(BIN)/python -m operations.load --quick

faults: install-dev  ## fault drills under load: PostgreSQL restart, Redis stop, worker kill, tenant and Accounts down
	$(BIN)/python -m operations.faults

faults-quick: install-dev
	$(BIN)/python -m operations.faults --quick

screenshots: install-dev  ## every page as each demo user sees it, desktop and phone, into screenshots/
	$(BIN)/python -m tests.browser.screenshots $(or $(SCREENSHOTS),screenshots)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

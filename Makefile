# Gatehouse: `make run` starts the three sites; `make test` runs the whole suite on SQLite.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
FLASK   = $(BIN)/flask
TENANTS = $(basename $(notdir $(wildcard tenants/*.toml)))

.PHONY: run test test-browser screenshots lint format migrate seed install install-dev clean

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

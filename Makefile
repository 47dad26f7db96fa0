# Quartierauto: `make run` starts the app with demo data, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install install-dev browser db demo lint bench clean

## Install the app and start it on SQLite with demo data at http://127.0.0.1:5000
run: install
	$(FLASK) translate compile
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) run --host $(HOST) --port $(PORT)

## Install everything and run the whole test suite (SQLite and PostgreSQL, browser, API fuzzing)
test: install-dev browser
	$(FLASK) translate compile
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -W error $(PYTEST_ARGS)
	$(BIN)/pip-audit --progress-spinner off -r requirements.txt

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { echo "python3-venv is missing; installing it"; \
	  apt-get install -y python3-venv >/dev/null && $(PYTHON) -m venv $(VENV); }
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Debian's Chromium for the browser tests (Playwright drives it; it cannot download browsers here)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); \
	  else echo "chromium is not installed and we are not root: browser tests will be skipped"; fi; }

db: install
	$(FLASK) db upgrade

lint: install-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: install-dev
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) instance test-artifacts

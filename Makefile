# The two commands: `make run` (set up and serve) and `make test` (the whole suite).
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
# Links in mail, feeds and calendars point where `make run` serves, unless set.
CASEDESK_BASE_URL ?= http://$(HOST):$(PORT)
export CASEDESK_BASE_URL
# Outside DEBUG the desk refuses to start without a real SECRET_KEY. The embedded set-up makes
# a random one once and keeps it in var/ (production sets SECRET_KEY in the environment).
KEY_FILE := $(or $(CASEDESK_VAR_DIR),var)/secret-key
export SECRET_KEY ?= $(shell mkdir -p $(dir $(KEY_FILE)) && { test -s $(KEY_FILE) || (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(64))' > $(KEY_FILE)); } && cat $(KEY_FILE))

.PHONY: run test install lint unit serve bench migrate demo structure

$(VENV)/.installed: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

demo: migrate
	$(PY) manage.py seed_demo

## Install, migrate, load demo data, serve on http://$(HOST):$(PORT)
run: demo
	$(PY) manage.py collectstatic --noinput -v0
	@echo "casedesk on http://$(HOST):$(PORT)/  (portal and console; admin at /admin/; links in mail: $(CASEDESK_BASE_URL))"
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

## The whole suite: lint, types, import layers, migrations check, then every test (browser tests included)
test: lint unit

lint: install
	mkdir -p var
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy casedesk config
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

unit: install
	$(VENV)/bin/pytest

## Benchmarks (not part of the suite): figures for the README
bench: install
	$(PY) bench/bench_calendar.py
	$(PY) bench/bench_lists.py
	$(PY) bench/bench_search.py
	$(PY) bench/bench_sweeps.py
	$(PY) bench/bench_mail.py
	$(PY) bench/bench_listener.py
	$(PY) bench/bench_status.py
	$(PY) bench/bench_kb.py

## Each package's share of the code and what it imports; fails on an import circle
structure: install
	$(PY) scripts/structure.py

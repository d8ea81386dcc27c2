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

.PHONY: run test install lint unit serve bench migrate demo structure lock lock-upgrade prod-local prod-local-stop

# Installs exactly what the lock files name, each file checked against its hash.
$(VENV)/.installed: requirements-dev.lock
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --require-hashes -r requirements-dev.lock
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

## Lock files from requirements*.txt: pins kept, only what changed is resolved (seconds)
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version 3.11
lock: install
	$(UV_COMPILE) $(LOCK_FLAGS) requirements-dev.txt -o requirements-dev.lock
	$(UV_COMPILE) $(LOCK_FLAGS) requirements.txt -c requirements-dev.lock -o requirements.lock
	$(VENV)/bin/pip install -q --require-hashes -r requirements-dev.lock
	touch $(VENV)/.installed

## The same, every package moved to its newest allowed release
lock-upgrade:
	$(MAKE) lock LOCK_FLAGS=--upgrade

## The production shape on this machine: two web processes (gunicorn, uvicorn workers) on
## PROD_WEB_PORTS, a Celery worker, Celery beat and the SMTP listener, on the local
## PostgreSQL and Redis, with the demo data; logs under var/prod-local/
PROD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/casedesk_local
PROD_REDIS_URL ?= redis://127.0.0.1:6379/0
PROD_WEB_PORTS ?= 8001,8002
PROD_ENV = DATABASE_URL=$(PROD_DATABASE_URL) REDIS_URL=$(PROD_REDIS_URL) PROD_WEB_PORTS=$(PROD_WEB_PORTS) \
	CASEDESK_BASE_URL=http://127.0.0.1:$(firstword $(subst $(comma), ,$(PROD_WEB_PORTS))) LOG_FORMAT=json
comma := ,
prod-local: install
	@psql "$(PROD_DATABASE_URL)" -c 'SELECT 1' >/dev/null 2>&1 \
	  || psql "$(dir $(PROD_DATABASE_URL))postgres" -qc "CREATE DATABASE $(notdir $(PROD_DATABASE_URL))"
	$(PROD_ENV) $(PY) manage.py migrate --noinput -v0
	$(PROD_ENV) $(PY) manage.py seed_demo >/dev/null
	$(PROD_ENV) $(PY) -m casedesk.site.shape start

prod-local-stop:
	$(PY) -m casedesk.site.shape stop

## Benchmarks (not part of the suite): figures for the README
bench: install
	$(PY) bench/bench_calendar.py
	$(PY) bench/bench_lists.py
	$(PY) bench/bench_search.py
	$(PY) bench/bench_queues.py --reuse
	$(PY) bench/bench_sweeps.py
	$(PY) bench/bench_mail.py
	$(PY) bench/bench_side.py --reuse
	$(PY) bench/bench_listener.py
	$(PY) bench/bench_status.py
	$(PY) bench/bench_inventory.py
	$(PY) bench/bench_kb.py
	$(PY) bench/bench_chat.py

## Each package's share of the code and what it imports; fails on an import circle
structure: install
	$(PY) scripts/structure.py

# The two commands: `make demo` and `make test`. Everything else serves them.
#
#   make demo       install, migrate SQLite under var/, load the demo data, serve on DEMO_ADDR (DEBUG off)
#   make test       lint, then the suite (SQLite, eager tasks); with CI=true again on the real services
#   make test-real  the suite on PostgreSQL + Redis with a Celery worker process and Chromium
#
# Needs Python 3.11+ and Node.js with npm; nothing else is installed system-wide.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_ADDR ?= 127.0.0.1:8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# CI (CI=true) runs the suite a second time against the real services.
CI_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
CI_REDIS_URL ?= redis://127.0.0.1:6379/0

# The first pass is always the embedded setup, whatever the calling shell exports.
EMBEDDED := env -u DATABASE_URL -u REDIS_URL -u REQUIRE_REAL_SERVICES
# pytest-xdist: one test process per core (each with its own test database, Celery queue
# and live server). PYTEST_WORKERS=0 runs in one process, for a debugger.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(PYTEST_WORKERS)

.PHONY: install demo migrate seed serve test test-real lint format messages bench clean

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "需要 Python 3.11 或更高版本 (Python 3.11+ required): " + sys.version)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -c requirements.lock -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "需要 Node.js 与 npm (Node.js with npm required)" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Demo: served as production is (DEBUG off, WhiteNoise serving the static files), on SQLite
# in var/db.sqlite3 with tasks run in-process. Its secret key is generated once into
# var/secret_key. Safe to run again: migrate and seed_demo leave what is there alone.
# DEMO_HOSTS: the host names the demo answers to (add the machine's address to try it on a phone).
DEMO_HOSTS ?= localhost,127.0.0.1,[::1]
DEMO_ENV = SECRET_KEY="$$(cat var/secret_key)" ALLOWED_HOSTS="$(DEMO_HOSTS)" STATIC_MANIFEST=false

var/secret_key:
	mkdir -p var/static
	umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

migrate: install var/secret_key
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput

seed: migrate
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo

serve: install var/secret_key
	@echo "打开 http://$(DEMO_ADDR)/ （Ctrl-C 停止）"
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(DEMO_ADDR)

# Seeding finishes before the server starts, even under make -j.
demo: seed
	@$(MAKE) --no-print-directory serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(EMBEDDED) $(PYTEST)
	@if [ "$$CI" = "true" ]; then $(MAKE) --no-print-directory test-real; fi

# The same suite on PostgreSQL + Redis, with a real Celery worker process and Chromium;
# REQUIRE_REAL_SERVICES turns a missing service into a failure instead of a skip.
test-real: install
	DATABASE_URL=$(CI_DATABASE_URL) REDIS_URL=$(CI_REDIS_URL) REQUIRE_REAL_SERVICES=true $(PYTEST)

# After editing locale/zh_Hans/LC_MESSAGES/django.po (the .mo is committed).
messages:
	msgfmt --check -o locale/zh_Hans/LC_MESSAGES/django.mo locale/zh_Hans/LC_MESSAGES/django.po

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .ruff_cache *.egg-info

# Customer Hub — `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run test lint format migrate seed clean bench serve worker e2e

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) ## create or update .venv with the pinned requirements

migrate: $(STAMP) ## apply database migrations
	$(BIN)/python manage.py migrate --noinput

seed: migrate ## load the demo organization (idempotent)
	$(BIN)/python manage.py seed_demo

run: seed ## install, migrate, load the demo data and serve on http://127.0.0.1:$(PORT)
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint ## lint, check migrations, run the whole pytest suite
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

clean: ## remove the virtualenv, the SQLite database and caches
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles .pytest_cache .ruff_cache

BENCH_N ?= 100000
BENCH_DB ?= both

bench: $(STAMP) ## benchmark every hot path through gunicorn (BENCH_N=100000 BENCH_DB=sqlite|postgres|both BENCH_SCENARIOS=a,b)
	$(BIN)/python bench/run.py --n $(BENCH_N) --db $(BENCH_DB)

# Production-like serving. Needs in the environment: DJANGO_SECRET_KEY (50+ random characters),
# DJANGO_ALLOWED_HOSTS, DATABASE_URL (postgres://...), REDIS_URL and CELERY_BROKER_URL (redis://...);
# docs/deploy.md lists the optional ones. GUNICORN_BIND defaults to 127.0.0.1:$(PORT).
PRODUCTION := DJANGO_SETTINGS_MODULE=config.settings.production

worker: $(STAMP) ## run a Celery worker for import/export jobs (settings from DJANGO_SETTINGS_MODULE)
	$(BIN)/celery -A config worker --loglevel INFO

serve: $(STAMP) ## production-like: check, migrate, collectstatic, then gunicorn + a Celery worker (see docs/deploy.md)
	$(PRODUCTION) $(BIN)/python manage.py check --deploy --fail-level WARNING
	$(PRODUCTION) $(BIN)/python manage.py migrate --noinput
	$(PRODUCTION) $(BIN)/python manage.py collectstatic --noinput -v 0
	$(PRODUCTION) GUNICORN_BIND=$${GUNICORN_BIND:-127.0.0.1:$(PORT)} sh -c '\
	  $(BIN)/celery -A config worker --loglevel INFO & worker=$$!; \
	  trap "kill $$worker 2>/dev/null; wait $$worker" EXIT INT TERM; \
	  $(BIN)/gunicorn -c gunicorn.conf.py config.wsgi'

e2e: $(STAMP) ## end-to-end: gunicorn + Celery on the local PostgreSQL and Redis, 20,000-row import and export
	$(BIN)/python tests/e2e/run_e2e.py

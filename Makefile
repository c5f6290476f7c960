# Realtor — common commands. `make help` lists them.
PYTHON ?= $(shell pyenv which python3.12 2>/dev/null || command -v python3.12 || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: help install run worker beat test test-pg test-celery test-browser lint format bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 12), f"Python >= 3.12 needed, found {sys.version.split()[0]}"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install pinned dependencies

run: $(STAMP) ## migrate, load demo data on first run, serve on http://127.0.0.1:$(PORT)
	$(PY) manage.py migrate --noinput -v0
	@if [ ! -f .make-demo-loaded ] || ! $(PY) manage.py shell -c "from properties.models import Listing; import sys; sys.exit(0 if Listing.objects.exists() else 1)" >/dev/null 2>&1; then \
		$(PY) manage.py load_demo && touch .make-demo-loaded; \
	else \
		echo "Demo data already loaded (python manage.py load_demo reloads it idempotently)."; \
		$(PY) manage.py shell -c "from analytics.management.commands.load_demo import DEMO_LOGINS; print(DEMO_LOGINS)" 2>/dev/null; \
	fi
	@echo "Serving on http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

worker: $(STAMP) ## run a Celery worker (needs CELERY_BROKER_URL)
	$(VENV)/bin/celery -A realtor worker -l info --concurrency=2

beat: $(STAMP) ## run Celery beat (needs CELERY_BROKER_URL)
	$(VENV)/bin/celery -A realtor beat -l info

test: $(STAMP) ## run the whole test suite (SQLite; set DATABASE_URL for PostgreSQL)
	$(PY) manage.py makemigrations --check --dry-run -v0
	$(PY) -m pytest -n 2 -m "not celery_worker and not benchmark" $(PYTEST_ARGS)

test-celery: $(STAMP) ## run the tests that need a real Celery worker (needs DATABASE_URL=postgres… and CELERY_BROKER_URL)
	$(PY) -m pytest -m celery_worker $(PYTEST_ARGS)

lint: $(STAMP) ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP) ## format the code
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP) ## run the performance benchmarks and print a table
	$(PY) -m pytest tests/benchmarks -m benchmark -s -q -p no:cacheprovider $(PYTEST_ARGS)

clean: ## remove the virtual environment and local database
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* .make-demo-loaded staticfiles .cache

# Two commands matter: `make run` (demo on SQLite at http://127.0.0.1:8000) and `make test` (every test).
# DATABASE_URL=postgres://… switches either to PostgreSQL.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: install run test lint messages bench bench-load clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv
	$(VENV)/bin/uv pip install --quiet --python $(PY) -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py setup_demo
	DEBUG=1 $(PY) manage.py runserver $(HOST)

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

messages: install
	DEBUG=1 $(PY) manage.py makemessages -l vi --no-obsolete
	@echo "Fill every msgstr in locale/vi/LC_MESSAGES/django.po, then run: msgfmt -o locale/vi/LC_MESSAGES/django.mo locale/vi/LC_MESSAGES/django.po"

bench: install
	DEBUG=1 $(PY) bench/import_5000.py
	DEBUG=1 $(PY) bench/render_pdf.py

# Start the README's gunicorn command on a loopback port and load it: guessing logins, worst-case uploads.
bench-load: install
	$(PY) bench/login_flood.py
	$(PY) bench/upload_starvation.py

clean:
	rm -rf $(VENV) .pytest_cache

# Plenary — everyday commands.  Needs GNU make, python3 and python3-venv;
# everything else is installed into ./.venv with the pinned versions in
# requirements/constraints.txt.
#
#   make run     demo on http://127.0.0.1:8000 (SQLite, tasks in-process, demo data)
#   make test    the whole test suite (extra pytest arguments: PYTEST_ARGS="...")
#   make lint    ruff check + ruff format --check + lint-imports + bandit (high severity)
#   make typecheck  mypy with the Django and DRF stubs ([tool.mypy] in pyproject.toml)
#   make messages  re-extract the strings (needs GNU gettext) and list the untranslated ones
#   make outdated  every pin in requirements/constraints.txt beside the newest release (network)

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
PORT ?= 8000
# Links in mails and exports point at the port the demo runs on (unless set already).
RUN_ENV = PLENARY_SITE_URL="$${PLENARY_SITE_URL:-http://127.0.0.1:$(PORT)}"
PYTEST_ARGS ?=
# bandit fails lint on any high-severity finding in the application code.
BANDIT_PATHS := plenary consult comments feedback stakeholders

VENV := .venv
BIN := $(VENV)/bin
CONSTRAINTS := requirements/constraints.txt
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c $(CONSTRAINTS)
# Stamps: reinstall only when the project's dependencies change.
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
# collectstatic compresses every file (about half a minute): redo it only when
# the static sources or the installed packages change.
STATIC_MANIFEST := staticfiles/staticfiles.json
STATIC_SOURCES := $(shell find static -type f 2>/dev/null)

.PHONY: help run test lint typecheck install install-dev clean messages local-secret outdated

help:
	@echo "make run    start the demo on http://127.0.0.1:$(PORT) (PORT=... to change)"
	@echo "make test   run the test suite (PYTEST_ARGS=\"-k receipt -x\" to pass arguments)"
	@echo "make lint   ruff check, ruff format --check, lint-imports and bandit (high severity)"
	@echo "make typecheck  mypy on the platform and the apps' services, selectors, permissions and access"
	@echo "make clean  remove the virtualenv stamps and collected static files"
	@echo "make messages  re-extract translatable strings; untranslated ones go to i18n-missing.json"
	@echo "make outdated  list every pin in requirements/constraints.txt beside the newest release"
	@echo "               on the package index (needs the network; changes nothing, exits 0)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP_RUN): $(BIN)/python pyproject.toml $(CONSTRAINTS)
	$(PIP_INSTALL) -e .
	@touch $@

$(STAMP_DEV): $(BIN)/python pyproject.toml $(CONSTRAINTS)
	$(PIP_INSTALL) -e '.[dev]'
	@touch $@ $(STAMP_RUN)

# With DJANGO_DEBUG off (the demo, the tests, production alike) the settings refuse
# to start without a secret key of their own (plenary/secret_key.py).  A checkout
# gets one random key, once, in .env (gitignored, never copied into the image);
# a deployment sets DJANGO_SECRET_KEY itself.
local-secret:
	@grep -qs '^DJANGO_SECRET_KEY=' .env || { \
		umask 077; \
		echo "DJANGO_SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" >> .env; \
		echo "Wrote a random DJANGO_SECRET_KEY for this checkout to .env"; }

install: $(STAMP_RUN) local-secret

install-dev: $(STAMP_DEV) local-secret

$(STATIC_MANIFEST): $(STAMP_RUN) $(STATIC_SOURCES) | local-secret
	@echo "Collecting and compressing static files (about half a minute, only when they change)"
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

# DEBUG stays off, as in production: WhiteNoise serves the collected,
# fingerprinted static files, so the demo looks exactly like a deployment.
run: $(STAMP_RUN) $(STATIC_MANIFEST) local-secret
	$(BIN)/python manage.py migrate --noinput --verbosity 0
	$(RUN_ENV) $(BIN)/python manage.py seed_demo --quiet-mail
	@echo
	@echo "Plenary is starting on http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	@echo "  secretariat@example.org / plenary-demo   secretariat of the demo consultations"
	@echo "  moderator@example.org   / plenary-demo   moderator"
	@echo "  stakeholder@example.org / plenary-demo   participant"
	@echo "  API: http://127.0.0.1:$(PORT)/api/docs/   admin: http://127.0.0.1:$(PORT)/admin/"
	@echo
	$(RUN_ENV) $(BIN)/python manage.py runserver --noreload 127.0.0.1:$(PORT)

test: $(STAMP_DEV) local-secret
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/bandit --quiet --recursive --severity-level high $(BANDIT_PATHS)

# What is checked and how strictly: [tool.mypy] in pyproject.toml.  The cache
# (.mypy_cache) makes a second run a few seconds.
typecheck: $(STAMP_DEV) local-secret
	$(BIN)/mypy

clean:
	rm -rf staticfiles $(STAMP_RUN) $(STAMP_DEV)

# Re-extract the interface strings into locale/{fr,es,pt} (GNU gettext's xgettext
# and msgmerge), then write what is untranslated or fuzzy to i18n-missing.json.
# Translate it into {"fr": {msgid: msgstr}, ...} and run
# `manage.py i18n merge FILE.json`, which also compiles the .mo files.
messages: $(STAMP_RUN) local-secret
	$(BIN)/python manage.py makemessages -l fr -l es -l pt --no-obsolete \
		--ignore=.venv --ignore=staticfiles --ignore=bench --ignore=tests --verbosity 0
	$(BIN)/python manage.py i18n missing --summary || true
	$(BIN)/python manage.py i18n missing > i18n-missing.json || true
	@echo "Untranslated strings: i18n-missing.json"

# Informational, never a gate: upgrading a pin is a deliberate step
# (docs/OPERATIONS.md, "Dependencies and security updates").  Needs the network.
outdated: $(STAMP_RUN)
	$(BIN)/python requirements/outdated.py $(CONSTRAINTS)

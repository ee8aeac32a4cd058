# make run   : install everything, build the index from corpus/, serve the chat on http://127.0.0.1:7860
# make test  : install what the tests need (incl. Debian Chromium for browser tests) and run them
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install run build test browser postgres bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

build: install
	$(PY) -m qa build

run: build
	$(PY) -m qa serve

# Browser tests drive Debian's Chromium (a browser download by Playwright is not possible offline);
# the CJK font makes screenshots readable.
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

# The admin database's storage tests start a throwaway PostgreSQL cluster (Debian's server package).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

test: install browser postgres
	$(PY) -m pytest

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) index .pytest_cache screenshots

# make run   : install everything, build the index from corpus/, serve the chat on http://127.0.0.1:7860
# make test  : install what the tests need (incl. Debian Chromium for browser tests) and run them
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: install run build test browser ocr axe bench clean

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
# the CJK font makes screenshots readable, and lets pdfium draw the test PDFs' Chinese for the OCR tests.
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

# The accessibility audit runs axe-core from npm, installed into a local folder and injected from disk
# by the browser tests (never a CDN).
AXE_VERSION := 4.14.1
axe:
	@test -f .npm-test/node_modules/axe-core/axe.min.js || { command -v npm >/dev/null 2>&1 || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }; \
		npm install --silent --no-audit --no-fund --prefix .npm-test axe-core@$(AXE_VERSION); }

# OCR (rapidocr -> OpenCV) needs libGL and GLib at run time.
ocr:
	@ldconfig -p 2>/dev/null | grep -q "libGL.so.1 " && ldconfig -p | grep -q "libglib-2.0.so.0 " || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgl1 libglib2.0-0 >/dev/null; }

test: install browser ocr axe
	$(PY) -m pytest

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) index .pytest_cache screenshots .npm-test

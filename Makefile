# townflow: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs every test.
# Both set everything up from nothing: a venv in .venv, pip packages, Debian's chromium.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SITE   ?= sites/demo
HOST   ?= 127.0.0.1
PORT   ?= 8000
SIZES  ?= 10000,100000,1000000
export TOWNFLOW_ADMIN_PASSWORD ?= admin

.PHONY: run test venv browser lint format check build bench demo clean

$(STAMP): setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[web,test]'
	touch $@

venv: $(STAMP)

# Debian's chromium (Playwright never downloads a browser here), CJK fonts for screenshots and the
# certificates' PDFs, and pango, which weasyprint renders those PDFs with.
browser:
	@command -v chromium >/dev/null 2>&1 && test -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc \
	  && ldconfig -p | grep -q libpangoft2-1.0 \
	  || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk \
	      libpango-1.0-0 libpangoft2-1.0-0)

run: venv browser
	$(BIN)/townflow check
	$(BIN)/townflow demo --site $(SITE)
	$(BIN)/townflow demo --site $(SITE) --profile seed
	$(BIN)/townflow serve --site $(SITE) --host $(HOST) --port $(PORT)

test: venv browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/townflow check
	$(BIN)/townflow build --check
	$(BIN)/pytest

lint: venv
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

check: venv
	$(BIN)/townflow check

build: venv
	$(BIN)/townflow build

bench: venv
	$(BIN)/python -m benchmarks --sizes $(SIZES)

clean:
	rm -rf $(VENV) sites .pytest_cache test-output

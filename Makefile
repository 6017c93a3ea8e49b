# Two commands set up a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# openapi-python-client pins older httpx and typer than the service: it lives in its own venv.
TOOLS := $(VENV)/tools
SDK_GENERATOR := openapi-python-client==0.29.1
# fontconfig finds the fonts; each font package gives the samples one of their faces.
DEBIAN_PACKAGES := fontconfig fonts-noto-cjk fonts-wqy-zenhei fonts-arphic-ukai
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint unit fonts chromium install migrate clean sdk-tools

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The client generator the API tour and its test use, from the same package index as .venv.
sdk-tools: $(TOOLS)/.installed

$(TOOLS)/.installed: Makefile
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet '$(SDK_GENERATOR)'
	touch $@

# Chinese fonts render the synthetic sample documents (`intake samples`, the tests):
# each package is checked by itself and only the missing ones are installed.
fonts:
	@missing=""; \
	for pkg in $(DEBIAN_PACKAGES); do \
		dpkg -s $$pkg 2>/dev/null | grep -q '^Status: install ok installed' || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# Debian's Chromium runs the reviewer-page browser tests (Playwright never downloads a browser).
chromium:
	@if ! dpkg -s chromium >/dev/null 2>&1 || ! test -x /usr/bin/chromium; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

migrate: $(STAMP)
	$(BIN)/intake db upgrade

# HOST and PORT may be given on the command line or in the environment: `make run PORT=9000`.
run: $(STAMP) fonts migrate
	$(BIN)/intake serve --host $(HOST) --port $(PORT) --print-dev-keys

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

test: $(STAMP) fonts chromium sdk-tools lint
	$(BIN)/pytest -q -n 2 --dist loadgroup

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

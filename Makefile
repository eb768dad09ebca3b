# Two commands: `make run` (serve locally on SQLite + a blob folder) and `make test` (the whole suite);
# `make test-fast` is the quick subset while editing.
VENV    := .venv
PY      := $(VENV)/bin/python
FLASK   := $(VENV)/bin/flask --app wsgi
# Two stamps: what `make run` needs (requirements.txt) and the test toolchain on top (requirements-dev.txt), so
# a first `make run` installs only the runtime; each is named after its files' checksum, so an edit reinstalls.
RUN_STAMP := $(VENV)/.installed-run-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
PIP     := $(PY) -m pip install -q --disable-pip-version-check
# The TypeScript client check's node packages (tests/test_openapi_clients.py), installed as the lockfile pins them.
NODE_TOOLS := tools/typed-client
NODE_STAMP := $(NODE_TOOLS)/node_modules/.installed-$(shell cat $(NODE_TOOLS)/package-lock.json | cksum | cut -d' ' -f1)
HOST    ?= 127.0.0.1
PORT    ?= 5000

.PHONY: run test test-fast serve worker migrate lint bench bench-setup services venv dev-venv node-tools clean

$(RUN_STAMP): requirements.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	@echo "installing the runtime requirements into $(VENV)"
	@$(PIP) -r requirements.txt
	@rm -f $(VENV)/.installed-run-* $(VENV)/.installed-[0-9]*
	@touch $@

$(DEV_STAMP): $(RUN_STAMP) requirements-dev.txt
	@echo "installing the test toolchain into $(VENV)"
	@$(PIP) -r requirements-dev.txt
	@rm -f $(VENV)/.installed-dev-*
	@touch $@

# openapi-typescript and tsc from the npm registry (npm ci: exactly the lockfile); without npm the TypeScript
# check skips and says why.
$(NODE_STAMP): $(NODE_TOOLS)/package.json $(NODE_TOOLS)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		echo "installing $(NODE_TOOLS)'s node packages"; \
		cd $(NODE_TOOLS) && npm ci --no-audit --no-fund --loglevel=error && touch $(abspath $@); \
	else \
		echo "npm not found: the TypeScript client check will be skipped"; \
	fi

venv: $(RUN_STAMP)

dev-venv: $(DEV_STAMP)

node-tools: $(NODE_STAMP)

# Creates a missing Postgres database first (or says in one line which command does), then migrates.
migrate: venv
	@mkdir -p var
	@$(FLASK) setup-database

run: migrate
	@$(FLASK) bootstrap-local
	@echo "Serving on http://$(HOST):$(PORT)  (OpenAPI: /api/v3/openapi.json, Swagger UI: /api/v3/docs)"
	@$(FLASK) run --host $(HOST) --port $(PORT) --with-threads

serve: migrate
	$(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

worker: migrate
	$(FLASK) worker --share-metrics

test: dev-venv node-tools services
	$(VENV)/bin/ruff check storyboard tests bench config.py wsgi.py
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest $(PYTEST_ARGS)

# The quick loop: SQLite only, nothing marked slow (media encoding, real workers), no Postgres or Redis.
test-fast: dev-venv
	$(VENV)/bin/ruff check storyboard tests bench config.py wsgi.py
	TEST_BACKENDS=sqlite $(PY) -m pytest -m "not slow and not postgres and not redis" $(PYTEST_ARGS)

lint: dev-venv
	$(VENV)/bin/ruff check storyboard tests bench config.py wsgi.py
	$(VENV)/bin/lint-imports --no-cache

# The one benchmark: one table of figures against anchors measured in the same run (bench/README.md).
# BENCH_ARGS passes options through, e.g. make bench BENCH_ARGS="--only reads,team --rounds 5 --baseline none".
bench: dev-venv
	$(PY) bench/run.py $(BENCH_ARGS)

# What the bench's anchors need from Debian (run as root): nginx serves the blob files, wrk drives the reads.
bench-setup:
	apt-get install -y nginx-light wrk

# Start the machine's PostgreSQL and Redis when they are installed but stopped (tests skip what is absent).
services:
	@if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 2>/dev/null; then \
		echo "starting PostgreSQL"; \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start || true; \
		for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 && break; sleep 1; done; \
	fi
	@if command -v redis-server >/dev/null 2>&1 && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then \
		echo "starting Redis"; \
		mkdir -p /var/lib/redis /var/log/redis; \
		redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
			--dir /var/lib/redis --logfile /var/log/redis/ci.log || true; \
		for i in 1 2 3 4 5; do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 1; done; \
	fi

clean:
	rm -rf $(VENV) var

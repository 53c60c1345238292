# Kezek: the newcomer's two commands are `make run` and `make test` (README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Tests run against real PostgreSQL and Redis (this machine runs both on loopback).
# DATABASE_URL and REDIS_URL, when set (as .ci/run does), are used as they are.
TEST_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/kezek)
TEST_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/15)
# `make run` always uses the embedded default, whatever the shell exports.
EMBEDDED := env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL DJANGO_ENV=development

.PHONY: run test serve drill bench backtest profile wrk lint messages debian-packages browser axe clean cluster-packages cluster cluster-down cluster-drill pitr-drill

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# Debian packages the project needs on any machine: gettext (translations), DejaVu (the PDF's font),
# nginx-light (the test of the client's address behind a proxy) and pgbouncer (the tests behind a
# transaction pooler, core/tests/test_pgbouncer.py; only its binary is used, never its service).
debian-packages:
	@command -v msgfmt >/dev/null || (command -v apt-get >/dev/null && (apt-get update -qq && apt-get install -y -qq gettext >/dev/null)) \
		|| (echo "GNU gettext (msgfmt) is needed: install the 'gettext' package" && exit 1)
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || test -n "$$PDF_FONT_PATH" \
		|| (command -v apt-get >/dev/null && apt-get update -qq && apt-get install -y -qq fonts-dejavu-core >/dev/null) \
		|| echo "No DejaVu font: install fonts-dejavu-core or set PDF_FONT_PATH for the referral PDF"
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; } \
		|| echo "nginx is not installed: the behind-nginx test will skip (under CI=true it fails)"
	@command -v pgbouncer >/dev/null || test -x /usr/sbin/pgbouncer || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null; } \
		|| echo "pgbouncer is not installed: the tests behind a pooler will skip (under CI=true they fail)"

# Browser tests drive Debian's Chromium (Playwright's own browser download cannot work offline).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| echo "Chromium is not installed: browser tests will skip (under CI=true they fail)"

# axe-core, the accessibility check the browser tests inject into each page (never served to users):
# the version pinned in core/tests/axe/package.json, from the npm registry.
AXE_DIR := core/tests/axe
axe: $(AXE_DIR)/node_modules/axe-core/axe.min.js

$(AXE_DIR)/node_modules/axe-core/axe.min.js: $(AXE_DIR)/package.json $(AXE_DIR)/package-lock.json
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; } \
		|| (echo "npm is needed for the accessibility test's axe-core: install the Debian package 'npm'" && exit 1)
	npm ci --prefix $(AXE_DIR) --no-audit --no-fund --silent
	touch $@

# The bench's page loader; the tests of its Lua script run it too.
wrk:
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } \
		|| (echo "wrk is needed (the bench's page figures and their tests): install the Debian package 'wrk'" && exit 1)

messages: debian-packages $(VENV)/.runtime
	$(MANAGE) compilemessages --ignore=.venv -v0

run: $(VENV)/.runtime messages
	mkdir -p var
	$(EMBEDDED) $(MANAGE) migrate --no-input -v0
	$(EMBEDDED) $(MANAGE) load_demo
	$(EMBEDDED) $(MANAGE) demo_api_token
	$(EMBEDDED) $(MANAGE) runserver 127.0.0.1:8000

test: $(VENV)/.dev messages browser axe wrk
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	# The app layers of docs/architecture.md (contracts in pyproject.toml): no upward import, no cycle.
	$(BIN)/lint-imports
	# Django's deploy check in production mode, with a throw-away key: no warning is allowed (docs/security.md).
	DJANGO_ENV=production SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(60))") \
		ALLOWED_HOSTS=kezek.example DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		$(MANAGE) check --deploy --fail-level WARNING
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CELERY_TASK_ALWAYS_EAGER=true \
		$(BIN)/pytest -p no:cacheprovider

# The production shape: gunicorn, a Celery worker and beat, against DATABASE_URL and REDIS_URL.
serve: $(VENV)/.runtime messages
	@test -n "$$DATABASE_URL" -a -n "$$REDIS_URL" || (echo "Set DATABASE_URL and REDIS_URL (README.md, 'Production shape')" && exit 1)
	mkdir -p var
	DJANGO_ENV=$${DJANGO_ENV:-production} $(MANAGE) migrate --no-input
	DJANGO_ENV=$${DJANGO_ENV:-production} $(MANAGE) collectstatic --no-input -v0
	PATH="$(CURDIR)/$(BIN):$$PATH" DJANGO_ENV=$${DJANGO_ENV:-production} $(BIN)/honcho start

# Fault drills (docs/security.md, "Faults and recovery"): a throw-away PostgreSQL cluster, Redis,
# gunicorn and Celery worker on free loopback ports; a few minutes, so not part of `make test`.
drill: $(VENV)/.runtime messages
	$(BIN)/python -m drills

# Issue 16: the production shape on this machine, each part in its own network namespace (root only):
# nginx, two web nodes each with its PgBouncer, a PostgreSQL primary and its streaming replica, Redis, RabbitMQ, a worker host
# with the only beat (docs/deployment.md). The servers come from Debian's packages, installed if missing.
cluster-packages:
	@for tool in ip:iproute2 nginx:nginx-light pgbouncer:pgbouncer redis-server:redis-server rabbitmq-server:rabbitmq-server; do \
		command -v $${tool%%:*} >/dev/null || test -x /usr/sbin/$${tool%%:*} || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
			&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $${tool##*:} >/dev/null; } \
		|| { echo "$${tool##*:} is needed for make cluster: install the Debian package"; exit 1; }; done
	@ls /usr/lib/postgresql/*/bin/pg_basebackup >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; } \
		|| { echo "PostgreSQL's server binaries are needed: install the Debian package 'postgresql'"; exit 1; }
	@[ "$$(id -u)" = 0 ] || { echo "make cluster makes network namespaces: run it as root"; exit 1; }

cluster: $(VENV)/.runtime messages cluster-packages
	$(BIN)/python -m drills.cluster up

# One PASS/FAIL line per drill; the last one (the primary's failover) leaves the replica as the primary.
cluster-drill: $(VENV)/.runtime
	$(BIN)/python -m drills.cluster drill

cluster-down: $(VENV)/.runtime
	$(BIN)/python -m drills.cluster down

# Backups with point-in-time recovery (docs/deployment.md): a throw-away PostgreSQL cluster on a free port
# archives its WAL, is backed up with pg_basebackup and restored to a moment before a mistake; one line.
pitr-drill: $(VENV)/.runtime
	$(BIN)/python -m drills.pitr

# Issue 7: a synthetic country in a fresh kezek_bench database (BENCH_DATABASE names another), then
# one table of figures (docs/performance.md). BENCH_ARGS=--full for a million applications, --reuse
# to keep the data.
$(VENV)/.bench: requirements.txt requirements-bench.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@ $(VENV)/.runtime

# The page figures are measured with wrk (Debian package `wrk`), the rush with locust.
bench: $(VENV)/.bench wrk
	$(BIN)/python -m bench $(BENCH_ARGS)

# Issue 12: the wait estimate back-tested on a synthetic country, in memory (docs/estimates.md); a few minutes.
backtest: $(VENV)/.runtime
	$(EMBEDDED) $(MANAGE) backtest $(BACKTEST_ARGS)

# Where a request's time goes, page by page, on the data `make bench` loaded (docs/performance.md).
profile: $(VENV)/.bench
	$(BIN)/python -m bench.profile

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var

# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
OVERSIGHT := $(VENV)/bin/oversight
DB := data/oversight.duckdb
DEMO_INBOX := data/demo/inbox
STAMP := $(VENV)/.installed
# Real published DfE figures (children in need, referrals) imported beside the synthetic returns.
CONTEXT_FILES := $(filter-out %.meta.csv,$(wildcard data/reference/context/*.csv))

.PHONY: run test bench demo-db serve install browser clean docs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Build the synthetic demo inbox and load it (skipped when the database already exists).
$(DB): | $(STAMP)
	$(OVERSIGHT) demo --out $(DEMO_INBOX)
	$(OVERSIGHT) refresh --inbox $(DEMO_INBOX) --db $(DB)

demo-db: $(DB)

# Imports the real DfE context files and seeds one demo account per role (listed on the sign-in page
# only while the data is synthetic), then serves.
run: $(STAMP) $(DB)
	$(OVERSIGHT) import-context $(CONTEXT_FILES) --db $(DB)
	$(OVERSIGHT) users seed-demo --db $(DB)
	$(OVERSIGHT) status --db $(DB)
	$(OVERSIGHT) serve --db $(DB) --inbox $(DEMO_INBOX) --host 127.0.0.1 --port 8050

# Debian's Chromium for the end-to-end tests; installed only when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
	  || { echo "Could not install chromium: run as root or install Debian's 'chromium' package"; exit 1; }; }

# Test files run on TEST_WORKERS processes, each file whole in one process (its module fixtures built
# once); `make test TEST_WORKERS=0` runs everything in this process.
TEST_WORKERS ?= 2
test: $(STAMP) browser
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

bench: $(STAMP) browser
	$(PY) -m benchmarks.run_all

docs: $(STAMP)
	$(PY) -m etl.spec.render_docs

clean:
	rm -rf $(VENV) data/demo data/oversight.duckdb data/oversight.duckdb.* data/.oversight-session-secret test-artifacts

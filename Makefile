# The two commands that matter: `make run` (everything in one process, nothing else needed)
# and `make test` (every suite). See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PACKAGES := libs/common services/identity services/tickets services/notifier services/inbound services/gateway
STAMP := $(VENV)/.installed

# Local infrastructure used by integration and e2e tests unless the environment says otherwise.
export TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
export TEST_AMQP_URL ?= amqp://guest:guest@127.0.0.1:5672//
export TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: install prerequisites run run-stack test test-unit test-integration test-e2e test-reliability fuzz bench clean

$(STAMP): $(foreach p,$(PACKAGES),$(p)/pyproject.toml) requirements-test.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(foreach p,$(PACKAGES),-e $(p)) -r requirements-test.txt
	touch $(STAMP)

install: $(STAMP)

# Debian packages the suites use (Chromium, docker-compose), installed when missing; see the script.
prerequisites:
	scripts/prerequisites.sh

run: $(STAMP)
	$(PY) scripts/embedded.py

run-stack: $(STAMP)
	$(PY) scripts/stack.py

test: prerequisites $(STAMP)
	$(PY) scripts/run_tests.py all

test-unit: $(STAMP)
	$(PY) scripts/run_tests.py unit

test-integration: prerequisites $(STAMP)
	$(PY) scripts/run_tests.py integration

test-e2e: prerequisites $(STAMP)
	$(PY) scripts/run_tests.py e2e

# The fault matrix (tests/reliability): the stack on a PostgreSQL cluster and a RabbitMQ node of its
# own, crashed, cut and refused row by row; prints the table.
test-reliability: prerequisites $(STAMP)
	$(PY) scripts/run_tests.py reliability

# The generated suites with a larger budget (make test runs them small and derandomized):
# FUZZ_EXAMPLES examples per API operation, FUZZ_SCALE times the property tests' examples, new ones each run.
FUZZ_EXAMPLES ?= 200
FUZZ_SCALE ?= 20
fuzz: $(STAMP)
	FUZZ_RANDOM=1 FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_SCALE=$(FUZZ_SCALE) $(PY) scripts/run_tests.py fuzz

# The stack, 100,000 then 1,000,000 seeded tickets, every scenario of issue 8 beside its bare reference
# (under 10 minutes); writes bench/results/<date>.{json,md,png}. BENCH_PROFILE=quick is the CI size.
BENCH_PROFILE ?= full
bench: prerequisites $(STAMP)
	$(PY) -m bench --profile $(BENCH_PROFILE)

clean:
	rm -rf var test-results

# Shouwang: the two commands a newcomer needs are `make demo` and `make test`.
# Both create the virtualenv and install exactly pinned dependencies on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: setup demo test lint bench-ingest bench-link bench-publish bench-marts bench-serving clean

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade "pip==25.3"
	$(BIN)/pip install -q -c constraints.txt -e ".[dev]"
	touch $@

setup: $(BIN)/.installed

demo: setup            ## generate a 2,000-household county and run the pipeline on it
	$(BIN)/shouwang demo

test: setup            ## lint, then the whole test suite against real PostgreSQL
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .

bench-ingest: setup    ## ingest benchmark on a generated 450k-household county (see docs/benchmarks.md)
	$(BIN)/python -m benchmarks.ingest_benchmark

bench-link: setup      ## linkage benchmark: 450k county full + incremental, Splink 5 side by side
	$(BIN)/pip install -q -c constraints.txt -e ".[bench]"
	$(BIN)/python -m benchmarks.link_benchmark

bench-publish: setup   ## feed gate, golden records, master gate and publish on the linked 450k county (after bench-link)
	$(BIN)/python -m benchmarks.publish_benchmark

bench-marts: setup     ## marts refresh and alert quality on the published 450k county (after bench-publish)
	$(BIN)/python -m benchmarks.marts_benchmark

bench-serving: setup  ## ID-number lookups through the HTTP API at 200 req/s on the published 450k county (after bench-publish)
	$(BIN)/python -m benchmarks.serving_benchmark

clean:
	rm -rf var .pytest_cache

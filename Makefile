# Two commands do everything on a fresh clone: `make demo` and `make test` (both set up first).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo lint test test-fast bench clean

# pip 24.2: newer pips refuse espnet's dependency ci_sdr (its sdist names a git URL in an extra).
# The dev extra includes train, eval and demo, so this installs everything (`pip install speech`
# alone is the runtime: synth and slu predict with the shipped models; see README).
$(STAMP): pyproject.toml constraints.txt scripts/setup-system.sh scripts/debian-packages.txt
	bash scripts/setup-system.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q "pip==24.2"
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	$(BIN)/speech assets install
	touch $@

setup: $(STAMP)

# The Gradio page on http://127.0.0.1:7860 (models/bootstrap-multilingual); pass options with
# DEMO_ARGS, e.g. make demo DEMO_ARGS="--model exp/synth --port 8080".
DEMO_ARGS ?=
demo: setup
	$(BIN)/speech demo $(DEMO_ARGS)

# The lint and type gate first (seconds), then the suite: configured in pyproject.toml.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not heavy"

# The TTS benchmark times Piper too (extra `bench`); without a shipped model it times an untrained
# stand-in with the same architecture (see benchmarks/tts.py).
BENCH_MODEL := models/bootstrap-multilingual
BENCH_STANDIN := runs/bench/standin

$(VENV)/.bench-installed: $(STAMP) pyproject.toml
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[bench]"
	touch $@

bench: setup $(VENV)/.bench-installed
	$(BIN)/python benchmarks/frontend.py
	@if [ -d $(BENCH_MODEL)/acoustic ]; then model=$(BENCH_MODEL); else model=$(BENCH_STANDIN); \
	  echo "no trained model in $(BENCH_MODEL): timing an untrained stand-in in $$model"; \
	  test -d $$model/acoustic || $(BIN)/python benchmarks/tts.py --make-standin $$model; fi; \
	$(BIN)/python benchmarks/tts.py --model $$model --require-piper --json runs/bench/tts.json

clean:
	rm -rf $(VENV) .pytest_cache

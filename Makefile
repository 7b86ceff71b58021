# Two commands do everything on a fresh clone: `make demo` and `make test` (both set up first).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test test-fast bench clean

# pip 24.2: newer pips refuse espnet's dependency ci_sdr (its sdist names a git URL in an extra).
$(STAMP): pyproject.toml constraints.txt scripts/setup-system.sh scripts/debian-packages.txt
	bash scripts/setup-system.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q "pip==24.2"
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	touch $@

setup: $(STAMP)

demo: setup
	$(BIN)/speech phonemize --lang en "I said <es>hola</es> to 3 friends, then left!"
	$(BIN)/speech phonemize --lang cmn "他长大了，在银行工作。"
	$(BIN)/speech phonemize --lang hi "नमस्ते दुनिया"

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not heavy"

bench: setup
	$(BIN)/python benchmarks/frontend.py

clean:
	rm -rf $(VENV) .pytest_cache

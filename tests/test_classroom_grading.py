"""Grading a class: `python -m nanogpt_lib.classroom grade SUBMISSIONS --out REPORT`.

A toy book (two chapters whose checkers are defined in the notebooks) keeps the bad
submissions fast: unreadable JSON, another chapter's notebook, an infinite loop, a
crashing kernel, a deleted checker cell, a student version left as it is and a
student who submitted nothing. A synthetic class of three students then submits the
real chapter 03 with different mistakes, graded by the book's own checkers.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook  # noqa: E402

from nanogpt_lib.classroom import BEGIN, END, student_notebook  # noqa: E402
from nanogpt_lib.classroom.grading import (  # noqa: E402
    grade_class,
    graded_source,
    grading_notebook,
    write_report,
)

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

COLAB = (
    "import sys\n"
    'if "google.colab" in sys.modules:\n'
    '    print("pip install nanogpt_lib")'
)
CHECKER = """\
def check_op(fn, a, b, want, hint):
    try:
        got = fn(a, b)
    except NotImplementedError:
        print("check_op: not implemented yet")
        return
    message = f"check_op [{a}, {b}]: expected {want}, got {got}"
    assert got == want, message + "\\nHint: " + hint
    print("check_op: passed")"""


def _exercise(label, name, body, check):
    meta = {"exercise": {"label": label, "difficulty": 1, "minutes": 5, "concept": "x",
                         "kind": "extend"}}  # fmt: skip
    solution = f"def {name}(a, b):\n    {BEGIN}\n    {body}\n    {END}"
    return [
        new_markdown_cell(
            f"```{{exercise}} {label}\n:label: {label}\n\nDo it.\n```",
            metadata=dict(meta),
        ),
        new_markdown_cell(
            f"```{{solution-start}} {label}\n:class: dropdown\n```",
            metadata=dict(meta),
        ),
        new_code_cell(solution, metadata={**meta, "tags": ["solution"]}),
        new_markdown_cell("```{solution-end}\n```", metadata=dict(meta)),
        new_code_cell(check, metadata={**meta, "tags": ["check"]}),
    ]


ADD = (
    "ex-add",
    "add",
    "return a + b",
    'check_op(add, 2, 3, 5, "Add, do not multiply.")',
)
MUL = ("ex-mul", "mul", "return a * b", 'check_op(mul, 2, 3, 6, "Multiply, not add.")')
SUB = ("ex-sub", "sub", "return a - b", 'check_op(sub, 5, 3, 2, "Subtract b from a.")')


def _chapter(*exercises, title="Toy"):
    cells = [
        new_markdown_cell(f"# {title}"),
        new_code_cell(COLAB),
        new_code_cell(CHECKER),
    ]
    for exercise in exercises:
        cells += _exercise(*exercise)
    return new_notebook(cells=cells)


def _with(nb, label, body):
    """A copy of the notebook whose solution for `label` has the body given."""
    nb = nbformat.from_dict(nbformat.reads(nbformat.writes(nb), as_version=4))
    for cell in nb.cells:
        meta = cell.metadata.get("exercise", {})
        if meta.get("label") == label and "solution" in cell.metadata.get("tags", []):
            head = cell.source.split("\n", 1)[0]
            cell.source = f"{head}\n    {body}"
    return nb


def _save(folder: Path, name: str, nb) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)


def _rows(rows, student):
    return {r["exercise"]: r for r in rows if r["student"] == student}


def test_graded_source_wraps_each_top_level_checker_call():
    source = "from m import check_x\n\ncheck_x(f)\nprint(f(1))\n  # check_y(g)"
    out = graded_source(source)
    assert "graded(check_x, f)" in out and "print(f(1))" in out
    assert out.startswith("from nanogpt_lib.classroom import graded\n")
    assert graded_source("check_x(f, extra=2)").endswith("graded(check_x, f, extra=2)")


def test_grading_notebook_puts_the_books_checker_where_the_students_was():
    toy = _chapter(ADD, MUL)
    submission = _with(toy, "ex-add", "return 0")
    submission.cells = [  # the student deleted ex-add's checker and edited ex-mul's
        c
        for c in submission.cells
        if not (
            c.metadata.get("exercise", {}).get("label") == "ex-add"
            and "check" in c.metadata.get("tags", [])
        )
    ]
    for cell in submission.cells:
        if "check" in cell.metadata.get("tags", []):
            cell.source = "pass  # no more checking"
    nb, notes = grading_notebook(submission, toy)
    grading = [c for c in nb.cells if "grading" in c.metadata]
    assert [c.metadata["grading"] for c in grading] == ["ex-add", "ex-mul"]
    assert all("check_op(" in c.source for c in grading)
    assert notes == {"ex-add": "checker cell deleted; graded with the book's checker"}


def test_bad_submissions_get_clear_rows_and_never_stop_the_run(tmp_path):
    book = tmp_path / "book"
    toy = _chapter(ADD, MUL)
    _save(book, "90_toy.ipynb", toy)
    _save(book, "91_other.ipynb", _chapter(SUB, title="Other"))
    subs = tmp_path / "subs"
    _save(subs / "ann", "90_toy.ipynb", toy)  # everything right
    (subs / "ben").mkdir(parents=True)
    (subs / "ben" / "90_toy.ipynb").write_text('{"cells": [', encoding="utf-8")
    _save(subs / "cat", "90_toy.ipynb", _chapter(SUB, title="Other"))
    _save(subs / "dan", "90_toy.ipynb", _with(toy, "ex-add", "while True: pass"))
    crash = _with(toy, "ex-mul", "return a * b\nimport os\nos._exit(1)")
    _save(subs / "eve", "90_toy.ipynb", crash)
    wrong = _with(toy, "ex-mul", "return a + b")
    wrong.cells = [c for c in wrong.cells if c.source != ADD[3]]  # no ex-add checker
    _save(subs / "fay", "90_toy.ipynb", wrong)
    _save(subs / "gus", "90_toy.ipynb", student_notebook(toy, "90_toy.ipynb"))
    (subs / "hal").mkdir()  # submitted nothing

    rows = grade_class(subs, book, limit=12)
    assert len(rows) == 8 * 2
    assert {r["status"] for r in _rows(rows, "ann").values()} == {"passed"}
    for student, why in [
        ("ben", "not a readable notebook"),
        ("cat", "this file holds chapter 91_other's notebook, not 90_toy's"),
    ]:
        for row in _rows(rows, student).values():
            assert row["status"] == "not graded" and why in row["detail"], row
    dan = _rows(rows, "dan")
    assert dan["ex-add"]["status"] == "not graded"
    assert "ran past the 12 s limit" in dan["ex-add"]["detail"]
    eve = _rows(rows, "eve")
    assert eve["ex-add"]["status"] == "passed"
    assert eve["ex-mul"]["status"] == "not graded"
    assert "the kernel crashed" in eve["ex-mul"]["detail"]
    fay = _rows(rows, "fay")
    assert fay["ex-add"]["status"] == "passed"
    assert "checker cell deleted" in fay["ex-add"]["detail"]
    assert fay["ex-mul"]["status"] == "wrong"
    assert fay["ex-mul"]["hint"] == "Multiply, not add."
    assert "expected 6, got 5" in fay["ex-mul"]["mistake"]
    assert {r["status"] for r in _rows(rows, "gus").values()} == {"not attempted"}
    assert {r["status"] for r in _rows(rows, "hal").values()} == {"not submitted"}

    csv_path, md_path = write_report(rows, tmp_path / "report", limit=12)
    with open(csv_path, encoding="utf-8") as f:
        assert list(csv.DictReader(f)) == rows
    md = md_path.read_text(encoding="utf-8")
    assert "| 90_toy | ex-mul | 1 | 1 | 1 | 4 | 1 |" in md
    assert "* 1 student(s) (fay): check_op [2, 3]: expected 6, got 5" in md
    assert "Hint: Multiply, not add." in md
    assert "### hal" in md


def _solution(nb, label):
    for cell in nb.cells:
        meta = cell.metadata.get("exercise", {})
        if meta.get("label") == label and "solution" in cell.metadata.get("tags", []):
            return cell
    raise AssertionError(f"no solution cell for {label}")


def _answer(nb, label, body):
    """Answer `label` with `body`: the cell keeps its first line, the `def`."""
    cell = _solution(nb, label)
    head = cell.source.split("\n", 1)[0]
    assert head.startswith("def "), head
    indented = "\n".join("    " + line for line in body.strip().split("\n"))
    cell.source = f"{head}\n{indented}"
    return nb


SOFTMAX_MIN = """\
x = np.asarray(x, dtype=np.float64)
if temperature == 0:
    best = x.argmax(axis=-1, keepdims=True)
    return (np.arange(x.shape[-1]) == best).astype(float)
z = x / temperature
z = z - z.min(axis=-1, keepdims=True)
e = np.exp(z)
return e / e.sum(axis=-1, keepdims=True)"""
ENTROPY_LOG2 = """\
p = np.asarray(p, dtype=np.float64)
logs = np.log2(np.where(p > 0, p, 1.0))
return float(-(p * logs).sum())"""
TOP_K_ZERO = """\
logits = np.asarray(logits)
kth = np.sort(logits, axis=-1)[..., -k, None]
return np.where(logits >= kth, logits, 0.0)"""


def test_a_class_of_three_gets_its_mistakes_named(tmp_path):
    """Chapter 03 for three students: the report names each one's mistakes (every
    answer right; two mistakes in one notebook; a student version with one wrong
    answer and the rest not attempted). Each student is one run of the chapter."""
    path = ROOT / "notebooks" / "03_softmax_temperature.ipynb"
    book = nbformat.read(path, as_version=4)
    student = student_notebook(book, path.name)
    subs = tmp_path / "class"

    def copy(nb):
        return nbformat.reads(nbformat.writes(nb), as_version=4)

    _save(subs / "ada", path.name, copy(book))
    both = _answer(copy(book), "ex-03-softmax", SOFTMAX_MIN)
    _save(subs / "di", path.name, _answer(both, "ex-03-top-k", TOP_K_ZERO))
    _save(subs / "ed", path.name, _answer(copy(student), "ex-03-entropy", ENTROPY_LOG2))
    report = tmp_path / "report"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "nanogpt_lib.classroom",
            "grade",
            str(subs),
            "--out",
            str(report),
            "--notebooks",
            str(ROOT / "notebooks"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    with open(report / "report.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    status = {(r["student"], r["exercise"]): r for r in rows}
    labels = [r["exercise"] for r in rows if r["student"] == "ada"]
    assert all(status["ada", label]["status"] == "passed" for label in labels)
    for student_, label, words in [
        ("di", "ex-03-softmax", "not the minimum"),
        ("di", "ex-03-top-k", "-inf"),
        ("ed", "ex-03-entropy", "np.log2"),
    ]:
        row = status[student_, label]
        assert row["status"] == "wrong" and words in row["hint"], row
    assert status["ed", "ex-03-softmax"]["status"] == "not attempted"
    md = (report / "report.md").read_text(encoding="utf-8")
    assert "3 student(s)" in md and "### Most common mistakes" in md
    print(md)  # the sample report, shown with pytest -s

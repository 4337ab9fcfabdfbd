"""An nbgrader course from the book: every chapter an assignment that autogrades.

    python -m nanogpt_lib.classroom nbgrader COURSE_DIR

writes ``COURSE_DIR/source/<chapter>/<chapter>.ipynb`` for every chapter with
exercises and ``COURSE_DIR/nbgrader_config.py``. In each notebook the solution cell
is an autograded answer (nbgrader's ClearSolutions replaces the region between the
book's markers) and the checker cell an autograded test worth the exercise's
difficulty in points, which calls the checker through `graded`, so an unanswered
exercise loses its points. The solution dropdown cells go, and the prompt becomes
plain Markdown, as in the student version.
"""

from __future__ import annotations

from pathlib import Path

from ._cells import (
    ClassroomError,
    _is_check,
    _is_solution,
    _nbformat,
)
from ._source import _drop_statements, _worked_answer
from .grading import graded_source
from .metadata import _check_unique_labels, inspect_notebook
from .student import find_notebooks, rewrite_exercises

COURSE_ID = "inside-gpt"
CONFIG = """\
# nbgrader configuration written by `python -m nanogpt_lib.classroom nbgrader`.
# Every chapter of "Inside GPT" is an assignment; run the commands in this folder.
c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "{course_id}"
c.CourseDirectory.root = "."
# Chapters build and run small models: give each cell time (seconds).
c.Execute.timeout = {timeout}
c.Execute.startup_timeout = 300  # a busy grading server starts kernels slowly
c.Execute.kernel_name = "python3"
# The stub nbgrader writes where a solution was; the book's checkers print
# "not implemented yet" for it, and `graded` turns it into lost points.
c.ClearSolutions.code_stub = {{
    "python": 'raise NotImplementedError("write your code here")',
}}
"""


def _answer_metadata(label: str) -> dict:
    return {
        "grade": False,
        "solution": True,
        "locked": False,
        "task": False,
        "grade_id": f"{label}-answer",
        "schema_version": 3,
    }


def _test_metadata(label: str, points: int) -> dict:
    return {
        "grade": True,
        "solution": False,
        "locked": True,
        "task": False,
        "points": points,
        "grade_id": f"{label}-test",
        "schema_version": 3,
    }


def _grade(cell, exercise, stubbed, tainted):
    dead = _worked_answer(cell.source, stubbed, tainted)
    if dead:  # statements that run the learner's function: not in a release
        cell.source = _drop_statements(cell.source, dead)
    if _is_solution(cell):
        cell.metadata["nbgrader"] = _answer_metadata(exercise.label)
    elif _is_check(cell):
        cell.source = graded_source(cell.source)
        cell.metadata["nbgrader"] = _test_metadata(exercise.label, exercise.difficulty)


def nbgrader_notebook(nb, name: str = "notebook"):
    """The chapter as an nbgrader source notebook (the argument is unchanged).

    Raises ClassroomError if the chapter breaks the exercise pattern.
    """
    return rewrite_exercises(nb, name, _grade)


def write_course(
    source: str | Path, course_dir: str | Path, timeout: int = 600
) -> list[Path]:
    """Write an nbgrader course: one assignment per chapter with exercises.

    Returns the notebooks written. Every chapter is checked first; if any breaks
    the exercise pattern, nothing is written.
    """
    nbformat = _nbformat()
    paths = find_notebooks(source)
    course = Path(course_dir)
    converted, problems, reports = [], [], []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        report = inspect_notebook(nb, path.name)
        reports.append(report)
        if not report.exercises and not report.problems:
            continue
        try:
            converted.append((path, nbgrader_notebook(nb, path.name)))
        except ClassroomError as exc:
            problems.append(str(exc))
    problems += _check_unique_labels(reports)
    if problems:
        raise ClassroomError("\n".join(problems))
    written = []
    for path, nb in converted:
        target = course / "source" / path.stem / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        written.append(target)
    course.mkdir(parents=True, exist_ok=True)
    (course / "nbgrader_config.py").write_text(
        CONFIG.format(course_id=COURSE_ID, timeout=timeout), encoding="utf-8"
    )
    return written


def points(nb) -> dict[str, int]:
    """grade_id -> points of every autograded test cell of an nbgrader notebook."""
    return {
        c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    }

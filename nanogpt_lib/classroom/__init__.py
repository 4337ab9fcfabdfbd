"""Classroom kit: student versions, checks of the exercises, grading, quizzes.

    python -m nanogpt_lib.classroom student notebooks/ OUTDIR
    python -m nanogpt_lib.classroom check notebooks/
    python -m nanogpt_lib.classroom nbgrader COURSE_DIR
    python -m nanogpt_lib.classroom grade SUBMISSIONS_DIR --out REPORT_DIR
    python -m nanogpt_lib.classroom quiz qti OUTDIR

A student version replaces each solution (the lines between ``### BEGIN SOLUTION``
and ``### END SOLUTION`` in a cell tagged ``solution``) by a one-line stub that raises
NotImplementedError; the checker called after it then prints "not implemented yet"
instead of failing, so the notebook still runs top to bottom. This package is a tool
on top of the library: it needs nbformat (and nbclient to grade), and the core never
imports it. One module per job:

* `metadata` checks that every exercise follows the pattern (`inspect_notebook`);
* `student` writes the student versions;
* `grading` runs checkers strictly (`graded`) and grades a class's submissions;
* `course` writes an nbgrader course; `quizzes` holds the self-check questions;
* `cli` is the command line.
"""

from __future__ import annotations

from ._cells import BEGIN, END, ClassroomError, Exercise
from ._source import stub_solution
from .cli import main
from .grading import graded
from .metadata import NotebookReport, inspect_notebook, summary_table
from .student import find_notebooks, student_notebook, write_student_versions

__all__ = [
    "BEGIN",
    "END",
    "ClassroomError",
    "Exercise",
    "NotebookReport",
    "find_notebooks",
    "graded",
    "inspect_notebook",
    "main",
    "student_notebook",
    "stub_solution",
    "summary_table",
    "write_student_versions",
]

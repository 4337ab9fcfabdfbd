"""The command line: `python -m nanogpt_lib.classroom COMMAND ...`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ._cells import ClassroomError, _nbformat
from .metadata import _check_unique_labels, inspect_notebook, summary_table
from .student import find_notebooks, write_student_versions


def _cmd_student(args) -> int:
    written = write_student_versions(args.notebooks, args.outdir)
    for path in written:
        print(f"wrote {path}")
    print(f"{len(written)} student notebook(s) in {args.outdir}")
    return 0


def _cmd_check(args) -> int:
    nbformat = _nbformat()
    reports = []
    for path in find_notebooks(args.notebooks):
        reports.append(inspect_notebook(nbformat.read(path, as_version=4), path.name))
    problems = [p for r in reports for p in r.problems]
    problems += _check_unique_labels(reports)
    print(summary_table(reports))
    notes = [n for r in reports for n in r.notes]
    if notes:
        print("\nNotes (student versions leave these demonstrations out):")
        for note in notes:
            print(f"- {note}")
    if problems:
        print(f"\n{len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"- {problem}", file=sys.stderr)
        return 1
    print("\nEvery exercise has its metadata, markers, stub and checker.")
    return 0


def _cmd_nbgrader(args) -> int:
    from .course import write_course

    written = write_course(args.notebooks, args.course_dir)
    for path in written:
        print(f"wrote {path}")
    print(
        f"{len(written)} assignment(s) and nbgrader_config.py in {args.course_dir}; "
        f"next: cd {args.course_dir} && nbgrader generate_assignment <chapter>"
    )
    return 0


def _cmd_quiz(args) -> int:
    from .quizzes import load_quizzes, write_qti

    if args.format == "list":
        for chapter, quiz in load_quizzes(args.file).items():
            print(f"{chapter}: {len(quiz.questions)} question(s), {quiz.title}")
        return 0
    written = write_qti(args.outdir, args.file)
    for path in written:
        print(f"wrote {path}")
    print(f"{len(written)} QTI package(s) in {args.outdir}, one per chapter")
    return 0


def _cmd_grade(args) -> int:
    from .grading import grade_class, write_report

    def progress(message):
        print(message, flush=True)

    rows = grade_class(args.submissions, args.notebooks, args.limit, progress)
    written = write_report(rows, args.out, args.limit)
    counts = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    print(", ".join(f"{n} {status}" for status, n in counts.items()))
    for path in written:
        print(f"wrote {path}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m nanogpt_lib.classroom",
        description=(
            "Classroom kit for the Inside GPT notebooks: write student versions "
            "(solutions replaced by stubs that raise NotImplementedError), check "
            "that every exercise follows the pattern, write an nbgrader course, "
            "grade a class's notebooks into a report of mistakes, and export the "
            "self-check quizzes for an LMS."
        ),
        epilog=(
            "examples:\n"
            "  python -m nanogpt_lib.classroom student notebooks/ student/\n"
            "  python -m nanogpt_lib.classroom student "
            "notebooks/03_softmax_temperature.ipynb student/\n"
            "  python -m nanogpt_lib.classroom check notebooks/\n"
            "  python -m nanogpt_lib.classroom nbgrader course/\n"
            "  python -m nanogpt_lib.classroom grade submissions/ --out report/\n"
            "  python -m nanogpt_lib.classroom quiz qti quizzes/\n"
            "The teaching guide in the book explains the rest (JupyterHub, Colab)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    student = sub.add_parser(
        "student",
        help="write a student version of every notebook",
        description=(
            "Write a student version of every notebook in NOTEBOOKS into OUTDIR: "
            "each '### BEGIN SOLUTION' ... '### END SOLUTION' block becomes "
            'raise NotImplementedError("Exercise <label>: ..."), the solution '
            "dropdown cells are removed, solution and checker outputs are cleared; "
            "every other cell, outputs included, is kept. Nothing is written if "
            "any notebook breaks the exercise pattern."
        ),
    )
    student.add_argument(
        "notebooks",
        metavar="NOTEBOOKS",
        help="folder of chapter notebooks, or one .ipynb",
    )
    student.add_argument(
        "outdir", metavar="OUTDIR", help="folder for the student versions (created)"
    )
    student.set_defaults(run=_cmd_student)
    check = sub.add_parser(
        "check",
        help="validate the exercises and print a summary table",
        description=(
            "Validate every exercise (metadata, markers, a stub inside a function "
            "body, a checker cell) and print a table of chapters, exercises and "
            "minutes. Exits with status 1 and lists the problems if any."
        ),
    )
    check.add_argument(
        "notebooks",
        metavar="NOTEBOOKS",
        help="folder of chapter notebooks, or one .ipynb",
    )
    check.set_defaults(run=_cmd_check)
    nbg = sub.add_parser(
        "nbgrader",
        help="write an nbgrader course that autogrades every chapter",
        description=(
            "Write COURSE_DIR/source/<chapter>/<chapter>.ipynb for every chapter with "
            "exercises, with nbgrader's cell metadata (solution cells as autograded "
            "answers, checker cells as autograded tests worth the exercise's "
            "difficulty, calling the checker through classroom.graded), and "
            "COURSE_DIR/nbgrader_config.py. Nothing is written if any notebook "
            "breaks the exercise pattern."
        ),
    )
    nbg.add_argument("course_dir", metavar="COURSE_DIR", help="the course folder")
    nbg.add_argument(
        "--notebooks",
        default="notebooks",
        metavar="NOTEBOOKS",
        help="the book's chapter notebooks, with solutions (default: notebooks)",
    )
    nbg.set_defaults(run=_cmd_nbgrader)
    grade = sub.add_parser(
        "grade",
        help="execute a class's notebooks and report each student's mistakes",
        description=(
            "Execute every notebook in SUBMISSIONS/<student>/ (one folder per "
            "student, subfolders included, so nbgrader's submitted/ works), each "
            "in its own kernel and folder with a time limit, run the "
            "book's checker for every exercise and write REPORT_DIR/report.csv and "
            "report.md: per student and exercise passed, not attempted or the "
            "mistake the checker named, and the class's most common mistakes with "
            "their hints. A notebook that cannot be read, belongs to another "
            "chapter, loops or crashes gets rows that say so."
        ),
    )
    grade.add_argument(
        "submissions", metavar="SUBMISSIONS_DIR", help="one folder per student"
    )
    grade.add_argument(
        "--out", required=True, metavar="REPORT_DIR", help="folder for the report"
    )
    grade.add_argument(
        "--notebooks",
        default="notebooks",
        metavar="NOTEBOOKS",
        help="the book's chapter notebooks, with solutions (default: notebooks)",
    )
    grade.add_argument(
        "--limit",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="time limit per notebook (default: 120)",
    )
    grade.set_defaults(run=_cmd_grade)
    quiz = sub.add_parser(
        "quiz",
        help="export the self-check quizzes for an LMS (QTI), or list them",
        description=(
            "'quiz qti OUTDIR' writes OUTDIR/quiz_<chapter>.zip, a QTI 1.2 package "
            "per chapter made by text2qti (pip install -r "
            "requirements-classroom.txt), with its text2qti source next to it; "
            "'quiz list' counts the questions per chapter. The questions are the "
            "ones the book's quiz page shows."
        ),
    )
    quiz.add_argument("format", choices=["qti", "list"], help="what to do")
    quiz.add_argument("outdir", nargs="?", default="quizzes", metavar="OUTDIR")
    quiz.add_argument(
        "--file",
        default="book/quizzes.yml",
        metavar="YAML",
        help="the quiz file (default: book/quizzes.yml)",
    )
    quiz.set_defaults(run=_cmd_quiz)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except ClassroomError as exc:
        print("error: nothing written; fix these exercises first:", file=sys.stderr)
        for problem in str(exc).split("\n"):
            print(f"- {problem}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

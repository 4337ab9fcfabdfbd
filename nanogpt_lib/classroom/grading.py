"""Grading: checkers run strictly, and a class's notebooks executed into a report.

`graded` runs one checker so that an unanswered exercise fails (for nbgrader's test
cells). `grade_class` executes every submitted notebook of a class, one folder per
student, each in its own kernel, working folder and process with a time limit, runs
the book's checker for every exercise, and writes ``report.csv`` and ``report.md``.
A notebook that cannot be read, belongs to another chapter, loops forever or crashes
its kernel gets rows that say so; the run goes on with the next one.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from ._cells import _is_check, _is_solution, _nbformat
from .metadata import inspect_notebook
from .student import find_notebooks

RESULTS_ENV = "NANOGPT_GRADE_RESULTS"
PASSED = "passed"
NOT_ATTEMPTED = "not attempted"
WRONG = "wrong"
NOT_GRADED = "not graded"
NOT_SUBMITTED = "not submitted"


class NotAnswered(RuntimeError):
    """Raised in place of a stub's NotImplementedError while a check is graded."""


def graded(
    check: Callable[..., None], candidate: Callable, *args: object, **kwargs: object
) -> None:
    """Run a checker strictly, for autograding: an unanswered exercise fails.

    In class, a stub gets a friendly "not implemented yet" line; a grader (an
    nbgrader test cell, say) wants an AssertionError instead, and gets one here.
    Further arguments go to the checker after the candidate.
    """
    if not callable(candidate):
        check(candidate, *args, **kwargs)  # the checker's TypeError names it
        return

    @functools.wraps(candidate)
    def strict(*a, **kw):
        try:
            return candidate(*a, **kw)
        except NotImplementedError as exc:
            raise NotAnswered(f"the exercise is not answered yet ({exc})") from None

    check(strict, *args, **kwargs)


# ------------------------------------------------------------ inside the kernel


def graded_source(check_source: str) -> str:
    """A checker cell's source with each top-level ``check_x(fn, ...)`` graded.

    ``check_softmax(stable_softmax)`` becomes
    ``graded(check_softmax, stable_softmax)``; other statements are kept.
    """
    tree = ast.parse(check_source)
    lines = check_source.split("\n")
    for stmt in reversed(tree.body):
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id.startswith("check_")
            and call.args
        ):
            continue
        first, last = call.lineno - 1, call.end_lineno - 1  # a call may span lines
        span = "\n".join(lines[first : last + 1])
        end = len(span) - (len(lines[last]) - call.end_col_offset)
        inner = span[call.func.end_col_offset + 1 : end - 1]
        new = span[: call.col_offset] + f"graded({call.func.id}, {inner})" + span[end:]
        lines[first : last + 1] = new.split("\n")
    return "from nanogpt_lib.classroom import graded\n" + "\n".join(lines)


def _outcome(exc: BaseException | None) -> dict[str, str]:
    """Status, mistake, hint and detail of one graded check."""
    if exc is None:
        return {"status": PASSED, "mistake": "", "hint": "", "detail": ""}
    message = str(exc).strip()
    first = message.split("\n", 1)[0]
    if (
        isinstance(exc, NotAnswered)
        or isinstance(exc.__cause__, NotAnswered)
        or "the exercise is not answered yet" in first
    ):
        return {"status": NOT_ATTEMPTED, "mistake": "", "hint": "", "detail": ""}
    if isinstance(exc, NameError):
        return {
            "status": NOT_ATTEMPTED,
            "mistake": "",
            "hint": "",
            "detail": f"{exc} (the solution cell is missing or did not run)",
        }
    if isinstance(exc, AssertionError):
        hint = getattr(exc, "hint", None) or (
            message.split("\nHint: ", 1)[1].strip() if "\nHint: " in message else ""
        )
        mistake = getattr(exc, "mistake", None) or first
        return {"status": WRONG, "mistake": mistake, "hint": hint, "detail": first}
    return {
        "status": WRONG,
        "mistake": f"the check raised {type(exc).__name__}",
        "hint": "",
        "detail": f"{type(exc).__name__}: {first}",
    }


def record(label: str, check_source: str, namespace: dict) -> None:
    """Grade one exercise in the student's namespace; append the outcome to a file.

    Called by the grading cells that `grading_notebook` inserts. The outcome (one
    JSON line) goes to the file named by the environment variable RESULTS_ENV.
    """
    code = compile(graded_source(check_source), f"<checker of {label}>", "exec")
    try:
        exec(code, namespace)
        outcome = _outcome(None)
    except Exception as exc:  # every failure is a result, never a crash
        outcome = _outcome(exc)
    outcome["exercise"] = label
    path = os.environ.get(RESULTS_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(outcome) + "\n")
    print(f"[grading] {label}: {outcome['status']}")


# ------------------------------------------------------- building and running


def _label(cell) -> str | None:
    meta = cell.get("metadata", {}).get("exercise")
    return meta.get("label") if isinstance(meta, dict) else None


def _grading_cell(nbformat, label: str, check_source: str):
    source = (
        "from nanogpt_lib.classroom.grading import record as _nanogpt_record\n"
        f"_nanogpt_record({label!r}, {check_source!r}, globals())"
    )
    return nbformat.v4.new_code_cell(source, metadata={"grading": label})


def grading_notebook(submission, chapter) -> tuple[object, dict[str, str]]:
    """The submission with the book's checker graded after each exercise.

    Each exercise's checker cell (found by its metadata label) is replaced by a
    grading cell that runs the chapter's own checker; if the student deleted the
    checker cell it goes after the solution cell, and if both are gone, at the end.
    Returns the notebook and a note per exercise whose cells were not found.
    """
    nbformat = _nbformat()
    nb = nbformat.from_dict(json.loads(json.dumps(submission)))
    checks = {_label(c): c.source for c in chapter.cells if _is_check(c) and _label(c)}
    notes: dict[str, str] = {}
    for label, source in checks.items():
        cell = _grading_cell(nbformat, label, source)
        at = [i for i, c in enumerate(nb.cells) if _label(c) == label and _is_check(c)]
        if at:
            nb.cells[at[0]] = cell
            continue
        after = [
            i for i, c in enumerate(nb.cells) if _label(c) == label and _is_solution(c)
        ]
        if after:
            notes[label] = "checker cell deleted; graded with the book's checker"
            nb.cells.insert(after[0] + 1, cell)
        else:
            notes[label] = "exercise cells deleted; graded at the end of the notebook"
            nb.cells.append(cell)
    for cell in nb.cells:
        if cell.cell_type == "code" and "grading" not in cell.metadata:
            cell.outputs = []
            cell.execution_count = None
    return nb, notes


def run_notebook(path: str, workdir: str, limit: float) -> None:
    """Execute a notebook in place (in the runner process); report on stdout.

    The last line printed is JSON: {"status": "ok"} or {"status": "crashed",
    "cell": index}. Errors in the student's cells do not stop the run.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    nbformat = _nbformat()
    nb = nbformat.read(path, as_version=4)
    current = {"cell": -1}

    def started(cell, cell_index):
        current["cell"] = cell_index

    client = NotebookClient(
        nb,
        timeout=int(limit) + 1,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": workdir}},
        on_cell_start=started,
    )
    try:
        client.execute()
        status = {"status": "ok"}
    except DeadKernelError:
        status = {"status": "crashed", "cell": current["cell"]}
    nbformat.write(nb, path)
    print(json.dumps(status))


def _execute(nb, limit: float) -> tuple[dict, list[dict]]:
    """Run a grading notebook isolated: own folder, kernel and process, time limit.

    Returns the runner's status ({"status": "ok" | "crashed" | "timeout" | ...})
    and the outcomes its grading cells recorded before it stopped.
    """
    nbformat = _nbformat()
    with tempfile.TemporaryDirectory(prefix="nanogpt-grade-") as tmp:
        path = Path(tmp) / "submission.ipynb"
        results = Path(tmp) / "results.jsonl"
        nbformat.write(nb, path)
        env = {**os.environ, RESULTS_ENV: str(results)}
        cmd = [
            sys.executable,
            "-c",
            "import sys; from nanogpt_lib.classroom.grading import run_notebook; "
            "run_notebook(sys.argv[1], sys.argv[2], float(sys.argv[3]))",
            str(path),
            tmp,
            str(limit),
        ]
        proc = subprocess.Popen(
            cmd,
            cwd=tmp,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # the kernel joins this group: one kill ends both
        )
        try:
            out, err = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            status = {"status": "timeout"}
        else:
            lines = out.strip().split("\n") if out.strip() else []
            try:
                status = json.loads(lines[-1])
            except (IndexError, ValueError):
                last = err.strip().split("\n")[-1] if err.strip() else "no output"
                status = {"status": "failed", "error": last}
        outcomes = []
        if results.exists():
            for line in results.read_text(encoding="utf-8").splitlines():
                outcomes.append(json.loads(line))
    return status, outcomes


def _why_not_graded(status: dict, limit: float) -> str:
    if status["status"] == "timeout":
        return (
            f"the notebook ran past the {limit:g} s limit before this checker "
            "(an infinite loop?)"
        )
    if status["status"] == "crashed":
        return f"the kernel crashed (in cell {status['cell']}) before this checker"
    if status["status"] == "failed":
        return f"the notebook could not be run: {status['error']}"
    return "the checker cell never ran"


def _chapter_of(nb, chapters: dict[str, dict]) -> str | None:
    """The chapter whose exercise labels the notebook's cells carry (or None)."""
    labels = {_label(c) for c in nb.cells} - {None}
    for stem, chapter in chapters.items():
        if labels & set(chapter["labels"]):
            return stem
    return None


def _row(student, notebook, exercise, status, mistake="", hint="", detail=""):
    return {
        "student": student,
        "notebook": notebook,
        "exercise": exercise,
        "status": status,
        "mistake": mistake,
        "hint": hint,
        "detail": detail,
    }


def grade_notebook(
    path: Path, student: str, chapters: dict[str, dict], limit: float
) -> list[dict]:
    """Rows of the report for one submitted notebook (never raises for bad input)."""
    nbformat = _nbformat()
    stem = path.stem
    expected = chapters.get(stem)
    labels = expected["labels"] if expected else ["-"]

    def all_rows(status, detail):
        return [_row(student, stem, ex, status, detail=detail) for ex in labels]

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # unparseable JSON, not a notebook, unreadable
        first = str(exc).strip().split("\n")[0][:200]
        return all_rows(NOT_GRADED, f"not a readable notebook ({first})")
    mine = {_label(c) for c in nb.cells} - {None}
    found = _chapter_of(nb, chapters)
    if expected is None:
        if found is None:
            return all_rows(NOT_GRADED, "not a chapter notebook of this book")
        expected, stem = chapters[found], found
        labels = expected["labels"]
    elif found is not None and not mine & set(labels):
        return all_rows(
            NOT_GRADED,
            f"this file holds chapter {found}'s notebook, not {stem}'s",
        )
    graded_nb, notes = grading_notebook(nb, expected["notebook"])
    status, outcomes = _execute(graded_nb, limit)
    by_label = {o["exercise"]: o for o in outcomes}
    rows = []
    for label in labels:
        note = notes.get(label, "")
        if label in by_label:
            o = by_label[label]
            detail = "; ".join(x for x in (o["detail"], note) if x)
            rows.append(
                _row(student, stem, label, o["status"], o["mistake"], o["hint"], detail)
            )
        else:
            detail = "; ".join(x for x in (_why_not_graded(status, limit), note) if x)
            rows.append(_row(student, stem, label, NOT_GRADED, detail=detail))
    return rows


def load_chapters(notebooks: str | Path) -> dict[str, dict]:
    """The book's chapters by stem: the notebook and its exercise labels in order."""
    nbformat = _nbformat()
    chapters = {}
    for path in find_notebooks(notebooks):
        nb = nbformat.read(path, as_version=4)
        report = inspect_notebook(nb, path.name)
        labels = [ex.label for ex in report.exercises]
        if labels:
            chapters[path.stem] = {"notebook": nb, "labels": labels}
    return chapters


def grade_class(
    submissions: str | Path,
    notebooks: str | Path,
    limit: float = 120.0,
    progress: Callable[[str], None] | None = None,
) -> list[dict]:
    """Grade every student's notebooks (one folder per student); return the rows.

    Notebooks may sit in subfolders of a student's folder, as in nbgrader's
    ``submitted/<student>/<assignment>/``.

    A chapter that some student submitted but another did not gives the latter
    "not submitted" rows, so every student has a row for every exercise graded.
    """
    root = Path(submissions)
    if not root.is_dir():
        raise FileNotFoundError(f"submissions folder {str(root)!r} does not exist")
    chapters = load_chapters(notebooks)
    students = sorted(p for p in root.iterdir() if p.is_dir())
    if not students:
        raise ValueError(f"no student folders in {str(root)!r}")
    rows: list[dict] = []
    for folder in students:
        found = sorted(folder.rglob("*.ipynb"))  # nbgrader nests one more folder
        for path in [p for p in found if ".ipynb_checkpoints" not in p.parts]:
            if progress:
                progress(f"grading {folder.name}/{path.name}")
            rows += grade_notebook(path, folder.name, chapters, limit)
    submitted = [s for s in chapters if any(r["notebook"] == s for r in rows)]
    for folder in students:
        mine = {r["notebook"] for r in rows if r["student"] == folder.name}
        for stem in submitted:
            if stem not in mine:
                rows += [
                    _row(folder.name, stem, ex, NOT_SUBMITTED)
                    for ex in chapters[stem]["labels"]
                ]
    order = {s: i for i, s in enumerate(chapters)}
    rows.sort(key=lambda r: (r["student"], order.get(r["notebook"], len(order))))
    return rows


FIELDS = ["student", "notebook", "exercise", "status", "mistake", "hint", "detail"]


def _md(text: str) -> str:
    """Text for a Markdown table cell: one line, no pipes."""
    return " ".join(str(text).split()).replace("|", "\\|")


def class_summary(rows: list[dict]) -> list[dict]:
    """Per exercise: counts by status and the mistakes, most common first."""
    exercises: dict[tuple[str, str], dict] = {}
    for r in rows:
        key = (r["notebook"], r["exercise"])
        entry = exercises.setdefault(
            key,
            {
                "notebook": r["notebook"],
                "exercise": r["exercise"],
                "counts": dict.fromkeys(STATUSES, 0),
                "mistakes": {},
            },
        )
        entry["counts"][r["status"]] += 1
        if r["status"] == WRONG:
            students, _ = entry["mistakes"].setdefault(r["mistake"], ([], r["hint"]))
            students.append(r["student"])
    out = []
    for entry in exercises.values():
        ranked = sorted(
            entry["mistakes"].items(), key=lambda kv: (-len(kv[1][0]), kv[0])
        )
        entry["mistakes"] = [
            {"mistake": m, "students": s, "hint": h} for m, (s, h) in ranked
        ]
        out.append(entry)
    return out


STATUSES = [PASSED, WRONG, NOT_ATTEMPTED, NOT_GRADED, NOT_SUBMITTED]
_SHORT = {
    PASSED: "passed",
    WRONG: "**wrong**",
    NOT_ATTEMPTED: "not attempted",
    NOT_GRADED: "not graded",
    NOT_SUBMITTED: "-",
}


def report_markdown(rows: list[dict], limit: float) -> str:
    """The class report: summary, common mistakes with hints, one table per student."""
    students = sorted({r["student"] for r in rows})
    summary = class_summary(rows)
    lines = [
        "# Grading report",
        "",
        f"{len(students)} student(s), {len(summary)} exercise(s); each notebook "
        f"ran in its own kernel with a limit of {limit:g} s.",
        "",
        "## Class summary",
        "",
        "| notebook | exercise | " + " | ".join(STATUSES) + " |",
        "|---|---|" + "---:|" * len(STATUSES),
    ]
    for e in summary:
        counts = " | ".join(str(e["counts"][s]) for s in STATUSES)
        lines.append(f"| {e['notebook']} | {e['exercise']} | {counts} |")
    lines += ["", "### Most common mistakes", ""]
    any_mistake = False
    for e in summary:
        if not e["mistakes"]:
            continue
        any_mistake = True
        lines.append(f"**{e['exercise']}** ({e['notebook']})")
        lines.append("")
        for m in e["mistakes"]:
            who = ", ".join(m["students"])
            lines.append(
                f"* {len(m['students'])} student(s) ({who}): {_md(m['mistake'])}"
            )
            if m["hint"] and m["hint"] != m["mistake"]:
                lines.append(f"  Hint: {_md(m['hint'])}")
        lines.append("")
    if not any_mistake:
        lines += ["No wrong answers.", ""]
    lines += ["## Students", ""]
    for student in students:
        lines += [
            f"### {student}",
            "",
            "| notebook | exercise | result | mistake or reason |",
            "|---|---|---|---|",
        ]
        for r in rows:
            if r["student"] != student:
                continue
            why = r["mistake"] if r["status"] == WRONG else r["detail"]
            lines.append(
                f"| {r['notebook']} | {r['exercise']} | {_SHORT[r['status']]} "
                f"| {_md(why)} |"
            )
        lines.append("")
    return "\n".join(lines)


def write_report(rows: list[dict], outdir: str | Path, limit: float) -> list[Path]:
    """Write report.csv (one row per student and exercise) and report.md."""
    import csv

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = out / "report.csv", out / "report.md"
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    md_path.write_text(report_markdown(rows, limit) + "\n", encoding="utf-8")
    return [csv_path, md_path]

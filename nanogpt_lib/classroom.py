"""Classroom kit: student versions of the chapter notebooks, and an exercise summary.

    python -m nanogpt_lib.classroom student notebooks/ OUTDIR
    python -m nanogpt_lib.classroom check notebooks/

A student version replaces each solution (the lines between ``### BEGIN SOLUTION``
and ``### END SOLUTION`` in a cell tagged ``solution``) by a one-line stub that raises
NotImplementedError; the checker called after it then prints "not implemented yet"
instead of failing, so the notebook still runs top to bottom. This module is a tool
on top of the library: it needs nbformat, and the core never imports it.
"""

from __future__ import annotations

import argparse
import ast
import copy
import functools
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = 'raise NotImplementedError("Exercise {label}: write your code here")'
YOUR_TURN = (
    "*Your turn:* replace the `raise NotImplementedError(...)` line in the next cell "
    "with your code, run that cell, then run the checker below it."
)

_FENCE = r"(?P<fence>`{3,}|:{3,})"
_EXERCISE = re.compile(
    r"\A\s*" + _FENCE + r"\{exercise\}[ \t]*(?P<title>[^\n]*)\n(?P<inner>.*?)"
    r"^(?P=fence)[ \t]*$(?P<after>.*)\Z",
    re.DOTALL | re.MULTILINE,
)
_OPTION = re.compile(r"^:(?P<key>[\w-]+):[ \t]*(?P<value>.*)$")
_START = re.compile(r"\A\s*(`{3,}|:{3,})\{solution-start\}[ \t]*(?P<label>\S*)")
_END = re.compile(r"\A\s*(`{3,}|:{3,})\{solution-end\}")
_CHECK_CALL = re.compile(r"\bcheck_\w+\(")


class ClassroomError(ValueError):
    """A notebook's exercises do not follow the book's pattern (see CONTRIBUTING.md)."""


@dataclass(frozen=True)
class Exercise:
    """One exercise of a chapter, as its metadata and solution cell describe it."""

    label: str
    title: str
    difficulty: int
    minutes: int
    concept: str
    functions: tuple[str, ...]  # the functions whose bodies become stubs


@dataclass
class NotebookReport:
    """What `inspect_notebook` found: the exercises, and every problem with them."""

    name: str
    title: str
    exercises: list[Exercise] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # fine, but worth knowing

    @property
    def minutes(self) -> int:
        return sum(ex.minutes for ex in self.exercises)


def _nbformat():
    try:
        import nbformat
    except ImportError as exc:  # pragma: no cover - nbformat ships with Jupyter
        raise ImportError(
            "nanogpt_lib.classroom needs nbformat: pip install nbformat "
            "(it comes with Jupyter)"
        ) from exc
    return nbformat


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _is_exercise(cell) -> bool:
    return cell.cell_type == "markdown" and bool(
        re.match(r"\A\s*(`{3,}|:{3,})\{exercise\}", cell.source)
    )


def _is_start(cell) -> bool:
    return cell.cell_type == "markdown" and bool(_START.match(cell.source))


def _is_end(cell) -> bool:
    return cell.cell_type == "markdown" and bool(_END.match(cell.source))


def _is_solution(cell) -> bool:
    return cell.cell_type == "code" and "solution" in _tags(cell)


def _is_check(cell) -> bool:
    return cell.cell_type == "code" and "check" in _tags(cell)


def _parseable(source: str) -> str:
    """The source with IPython magics and shell lines blanked, so ast can parse it."""
    out = []
    for line in source.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            line = line[: len(line) - len(stripped)] + "pass"
        out.append(line)
    return "\n".join(out)


def _enclosing_functions(tree: ast.AST, lineno: int) -> list[str]:
    """Names of the functions whose body holds line `lineno`, outermost first."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.body[0].lineno <= lineno <= node.end_lineno:
                names.append((node.lineno, node.name))
    return [name for _, name in sorted(names)]


def stub_solution(source: str, label: str, where: str = "") -> tuple[str, list[str]]:
    """Replace every solution block of a cell's source by the one-line stub.

    Returns the new source and the names of the functions that now raise
    NotImplementedError. The stub takes the indentation of its BEGIN marker; a
    block that is not inside a function body raises ClassroomError, because a
    stub at top level would stop the rest of a student's notebook.
    """
    where = where or f"exercise {label}"
    lines = source.split("\n")
    out: list[str] = []
    stub_lines: list[int] = []
    begin_at = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if begin_at is not None:
                raise ClassroomError(
                    f"{where}: a second {BEGIN!r} at line {number} before the "
                    f"{END!r} of the block opened at line {begin_at}"
                )
            begin_at = number
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + STUB.format(label=label))
            stub_lines.append(len(out))
        elif stripped == END:
            if begin_at is None:
                raise ClassroomError(
                    f"{where}: {END!r} at line {number} has no {BEGIN!r} before it"
                )
            begin_at = None
        elif "BEGIN SOLUTION" in stripped or "END SOLUTION" in stripped:
            raise ClassroomError(
                f"{where}: line {number} looks like a solution marker but is not "
                f"exactly {BEGIN!r} or {END!r}: {stripped!r}"
            )
        elif begin_at is None:
            out.append(line)
    if begin_at is not None:
        raise ClassroomError(
            f"{where}: the {BEGIN!r} at line {begin_at} has no {END!r} after it"
        )
    if not stub_lines:
        raise ClassroomError(
            f"{where}: the solution cell has no {BEGIN!r} ... {END!r} block"
        )
    new_source = "\n".join(out)
    try:
        tree = ast.parse(_parseable(new_source))
    except SyntaxError as exc:
        raise ClassroomError(
            f"{where}: the cell is not valid Python once its solution is replaced "
            f"(line {exc.lineno}: {exc.msg}); put the markers on lines of their own, "
            "inside a function body"
        ) from exc
    functions: list[str] = []
    for lineno in stub_lines:
        enclosing = _enclosing_functions(tree, lineno)
        if not enclosing:
            raise ClassroomError(
                f"{where}: the solution block at line {lineno} is not inside a "
                "function body. A stub at top level would raise NotImplementedError "
                "and stop the rest of the student's notebook; put the solution "
                "inside the body of the function the learner writes"
            )
        if enclosing[0] not in functions:
            functions.append(enclosing[0])
    return new_source, functions


class _TopLevelCalls(ast.NodeVisitor):
    """Calls of the given names that run when a cell runs (not inside a def/lambda)."""

    def __init__(self, names: set[str]):
        self.names = names
        self.found: list[tuple[str, int]] = []

    def visit_FunctionDef(self, node):  # bodies run only when called
        for expr in [*node.decorator_list, *node.args.defaults]:
            self.visit(expr)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        pass

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id in self.names:
            self.found.append((node.func.id, node.lineno))
        self.generic_visit(node)


def _calls(node: ast.AST, names: set[str]) -> list[str]:
    """Names from `names` that `node` calls when it runs (not inside a def/lambda)."""
    visitor = _TopLevelCalls(names)
    visitor.visit(node)
    return [name for name, _ in visitor.found]


def _names(node: ast.AST, ctx: type) -> set[str]:
    return {
        n.id
        for n in ast.walk(node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ctx)
    }


@dataclass
class _Statement:
    """A top-level statement of a cell: its lines (1-based, inclusive) and names."""

    first: int
    last: int
    calls: list[str]  # stubbed functions it calls
    loads: set[str]
    stores: set[str]
    is_def: bool


def _statements(source: str, stubbed: set[str]) -> list[_Statement] | None:
    """The cell's top-level statements, or None if it is not Python we can read."""
    try:
        tree = ast.parse(_parseable(source))
    except SyntaxError:
        return None
    out = []
    for stmt in tree.body:
        is_def = isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        first = min(
            [stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])]
        )
        out.append(
            _Statement(
                first=first,
                last=stmt.end_lineno,
                calls=_calls(stmt, stubbed),
                loads=set() if is_def else _names(stmt, ast.Load),
                stores={stmt.name} if is_def else _names(stmt, ast.Store),
                is_def=is_def,
            )
        )
    return out


def _worked_answer(source: str, stubbed: set[str], tainted: set[str]):
    """Top-level statements of an exercise cell that run the learner's function.

    A statement is part of the worked answer if it calls a stubbed function or uses
    a name that such a statement computed (`tainted`, updated in place). Returns the
    statements, or None if the cell cannot be parsed.
    """
    statements = _statements(source, stubbed)
    if statements is None:
        return None
    dead = []
    for stmt in statements:
        if not stmt.is_def and (stmt.calls or stmt.loads & tainted):
            dead.append(stmt)
            tainted |= stmt.stores
        else:
            tainted -= stmt.stores
    return dead


def _drop_statements(source: str, dead: list[_Statement]) -> str:
    """The source without the given statements and the comment lines just above."""
    lines = source.split("\n")
    drop: set[int] = set()
    for stmt in dead:
        drop.update(range(stmt.first, stmt.last + 1))
        above = stmt.first - 1
        while above >= 1 and lines[above - 1].lstrip().startswith("#"):
            if lines[above - 1].strip() in (BEGIN, END):
                break
            drop.add(above)
            above -= 1
    kept = [line for number, line in enumerate(lines, 1) if number not in drop]
    text = re.sub(r"\n{4,}", "\n\n\n", "\n".join(kept))
    return text.rstrip()


def _short_line(line: str) -> str:
    text = line.strip()
    return text if len(text) <= 60 else text[:57] + "..."


def _title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            first = cell.source.strip().split("\n", 1)[0]
            return first.lstrip("#").strip()
    return ""


def _parse_exercise(source: str) -> tuple[str, dict[str, str], str, str] | None:
    """(title, options, body, text after the closing fence) of an exercise cell."""
    match = _EXERCISE.match(source)
    if match is None:
        return None
    inner = match["inner"].split("\n")
    options: dict[str, str] = {}
    while inner and _OPTION.match(inner[0]):
        option = _OPTION.match(inner.pop(0))
        options[option["key"]] = option["value"].strip()
    body = "\n".join(inner).strip()
    return match["title"].strip(), options, body, match["after"]


def _check_metadata(meta: Any, where: str) -> list[str]:
    if not isinstance(meta, dict):
        return [f"{where}: the cell has no metadata['exercise'] dict"]
    problems = []
    label = meta.get("label")
    if not isinstance(label, str) or not label:
        problems.append(
            f"{where}: metadata['exercise']['label'] must be a non-empty"
            f" string, got {label!r}"
        )
    difficulty = meta.get("difficulty")
    if isinstance(difficulty, bool) or difficulty not in (1, 2, 3):
        problems.append(
            f"{where}: metadata['exercise']['difficulty'] must be 1, 2 "
            f"or 3, got {difficulty!r}"
        )
    minutes = meta.get("minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        problems.append(
            f"{where}: metadata['exercise']['minutes'] must be a "
            f"positive integer, got {minutes!r}"
        )
    concept = meta.get("concept")
    if not isinstance(concept, str) or not concept.strip():
        problems.append(
            f"{where}: metadata['exercise']['concept'] must name the "
            f"concept practised, got {concept!r}"
        )
    return problems


def inspect_notebook(nb, name: str) -> NotebookReport:
    """Find a notebook's exercises and list every way they break the pattern.

    Each exercise is five cells: the ``{exercise}`` prompt (with metadata
    ``exercise``: label, difficulty 1-3, minutes, concept), ``{solution-start}``,
    the code cell tagged ``solution``, ``{solution-end}``, the cell tagged ``check``.
    """
    report = NotebookReport(name=name, title=_title(nb))
    cells = nb.cells
    owned: set[int] = set()  # indices of cells that belong to an exercise
    owner: dict[int, str] = {}  # their exercise labels
    stubbed: dict[str, str] = {}  # function name -> exercise label
    labels: list[str] = []
    for i, cell in enumerate(cells):
        if not _is_exercise(cell):
            continue
        meta = cell.get("metadata", {}).get("exercise")
        label = meta.get("label") if isinstance(meta, dict) else None
        where = f"{name}, exercise {label or f'in cell {i}'}"
        problems = _check_metadata(meta, where)
        parsed = _parse_exercise(cell.source)
        if parsed is None:
            problems.append(f"{where}: the {{exercise}} directive is not closed")
            title = ""
        else:
            title, options, _, _ = parsed
            if options.get("label") not in (None, label):
                problems.append(
                    f"{where}: the directive's :label: "
                    f"{options['label']!r} differs from the metadata's"
                )
        if label in labels:
            problems.append(f"{where}: the label is used twice in this notebook")
        roles = [
            ("{solution-start} markdown cell", _is_start),
            ("code cell tagged 'solution'", _is_solution),
            ("{solution-end} markdown cell", _is_end),
            ("code cell tagged 'check'", _is_check),
        ]
        layout_ok = True
        for offset, (what, test) in enumerate(roles, start=1):
            j = i + offset
            if j >= len(cells) or not test(cells[j]):
                problems.append(
                    f"{where}: cell {j} should be the {what} (an exercise"
                    " is prompt, solution-start, solution, solution-end,"
                    " check)"
                )
                layout_ok = False
        functions: list[str] = []
        if layout_ok:
            owned.update(range(i, i + 5))
            owner.update(dict.fromkeys(range(i, i + 5), label))
            start, solution, check = cells[i + 1], cells[i + 2], cells[i + 4]
            start_label = _START.match(start.source)["label"]
            if label and start_label != label:
                problems.append(
                    f"{where}: {{solution-start}} names {start_label!r},"
                    " not the exercise's label"
                )
            for j in range(i + 1, i + 5):
                other = cells[j].get("metadata", {}).get("exercise", {})
                if other and other.get("label") != label:
                    problems.append(
                        f"{where}: cell {j}'s metadata['exercise'] has "
                        f"label {other.get('label')!r}"
                    )
            if label:
                try:
                    _, functions = stub_solution(solution.source, label, where)
                except ClassroomError as exc:
                    problems.append(str(exc))
            if not _CHECK_CALL.search(check.source):
                problems.append(f"{where}: the check cell calls no check_<fn>(...)")
            elif functions and not any(
                re.search(rf"\b{re.escape(f)}\b", check.source) for f in functions
            ):
                problems.append(
                    f"{where}: the check cell does not pass "
                    f"{', '.join(functions)} to its checker"
                )
        for function in functions:
            stubbed[function] = label
        labels.append(label)
        report.problems.extend(problems)
        if not problems:
            report.exercises.append(
                Exercise(
                    label=label,
                    title=title,
                    difficulty=meta["difficulty"],
                    minutes=meta["minutes"],
                    concept=meta["concept"],
                    functions=tuple(functions),
                )
            )
    for i, cell in enumerate(cells):
        if i in owned:
            continue
        if _is_solution(cell) or _is_check(cell) or _is_start(cell) or _is_end(cell):
            report.problems.append(
                f"{name}: cell {i} is tagged or fenced as part of "
                "an exercise but follows no {exercise} prompt"
            )
        elif "BEGIN SOLUTION" in cell.source or "END SOLUTION" in cell.source:
            report.problems.append(
                f"{name}: cell {i} has a solution marker but is "
                "not tagged 'solution'; its solution would leak"
            )
    if not any(
        c.cell_type == "code"
        and "google.colab" in c.source
        and "nanogpt_lib" in c.source
        for c in cells
    ):
        report.problems.append(
            f"{name}: no Colab set-up cell (a code cell that "
            "installs nanogpt_lib when google.colab is importable)"
        )
    # In a student version every stubbed function raises. Exercise cells lose the
    # statements that run it (a worked answer); no other cell may run it or use
    # what those statements computed.
    tainted: set[str] = set()
    names = set(stubbed)
    for i, cell in enumerate(cells):
        if cell.cell_type != "code" or not names:
            continue
        if i in owned and (_is_solution(cell) or _is_check(cell)):
            source = cell.source
            label = owner[i]
            if _is_solution(cell):
                try:
                    source = stub_solution(source, "x")[0]
                except ClassroomError:
                    continue  # already reported
            dead = _worked_answer(source, names, tainted)
            if dead:
                lines = source.split("\n")
                shown = "; ".join(f"`{_short_line(lines[d.first - 1])}`" for d in dead)
                report.notes.append(
                    f"{name}, exercise {label}: the student version leaves out "
                    f"{len(dead)} statement(s) of cell {i} that run the learner's "
                    f"function ({shown})"
                )
            continue
        statements = _statements(cell.source, names)
        if statements is None:
            continue
        lines = cell.source.split("\n")
        for stmt in statements:
            used = sorted(stmt.loads & tainted)
            if stmt.calls or used:
                what = (
                    f"calls {stmt.calls[0]}() (exercise {stubbed[stmt.calls[0]]})"
                    if stmt.calls
                    else f"uses {', '.join(used)}, computed from a learner's function"
                )
                report.problems.append(
                    f"{name}: cell {i} {what} outside any function "
                    f"(`{_short_line(lines[stmt.first - 1])}`). In the student "
                    "version that function raises NotImplementedError, so the "
                    "notebook would stop there. Code after an exercise must use the "
                    "library's version"
                )
            tainted -= stmt.stores
    return report


def _student_prompt(cell, label: str):
    """The exercise prompt as plain Markdown: Jupyter does not render {exercise}."""
    title, _, body, after = _parse_exercise(cell.source)
    heading = f"### Exercise {label}" + (f": {title}" if title else "")
    new = copy.deepcopy(cell)
    after = after.strip()
    new.source = f"{heading}\n\n{body}\n\n{YOUR_TURN}" + (
        f"\n\n{after}" if after else ""
    )
    return new


def student_notebook(nb, name: str = "notebook"):
    """Return the student version of a chapter notebook (the argument is unchanged).

    Solution blocks become stubs, the {solution-start}/{solution-end} cells go, the
    prompt becomes plain Markdown with a "Your turn" line, and the solution and
    check cells lose their outputs. Every other cell is kept as it is.
    """
    report = inspect_notebook(nb, name)
    if report.problems:
        raise ClassroomError("\n".join(report.problems))
    by_label = {ex.label: ex for ex in report.exercises}
    stubbed = {f for ex in report.exercises for f in ex.functions}
    tainted: set[str] = set()
    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        label = cell.get("metadata", {}).get("exercise", {}).get("label")
        if label not in by_label:
            cells.append(cell)
        elif _is_exercise(cell):
            cells.append(_student_prompt(cell, label))
        elif _is_start(cell) or _is_end(cell):
            continue
        elif _is_solution(cell) or _is_check(cell):
            if _is_solution(cell):
                cell.source = stub_solution(cell.source, label, name)[0]
            dead = _worked_answer(cell.source, stubbed, tainted)
            if dead:
                cell.source = _drop_statements(cell.source, dead)
            cell.outputs = []
            cell.execution_count = None
            cells.append(cell)
        else:  # pragma: no cover - the layout check leaves no other exercise cell
            cells.append(cell)
        if cell.cell_type == "code" and not (_is_solution(cell) or _is_check(cell)):
            for stmt in _statements(cell.source, stubbed) or []:
                tainted -= stmt.stores
    out.cells = cells
    return out


def find_notebooks(source: str | Path) -> list[Path]:
    """The chapter notebooks in a folder (sorted), or the one notebook named.

    Raises FileNotFoundError for a missing path and ValueError when there is no
    notebook, with a message that says which path was given.
    """
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"notebooks folder {str(path)!r} does not exist")
    if path.is_file():
        if path.suffix != ".ipynb":
            raise ValueError(f"expected a folder or an .ipynb file, got {str(path)!r}")
        return [path]
    found = sorted(p for p in path.glob("*.ipynb") if p.is_file())
    if not found:
        raise ValueError(f"no notebooks (*.ipynb) in {str(path)!r}")
    return found


def _check_unique_labels(reports: Sequence[NotebookReport]) -> list[str]:
    seen: dict[str, str] = {}
    problems = []
    for report in reports:
        for ex in report.exercises:
            if ex.label in seen and seen[ex.label] != report.name:
                problems.append(
                    f"{report.name}, exercise {ex.label}: the label is "
                    f"also used in {seen[ex.label]} (labels are global "
                    "in the book)"
                )
            seen.setdefault(ex.label, report.name)
    return problems


def write_student_versions(source: str | Path, outdir: str | Path) -> list[Path]:
    """Write the student version of every notebook in `source` into `outdir`.

    Every notebook is checked first; if any breaks the exercise pattern, nothing
    is written and ClassroomError lists every problem.
    """
    nbformat = _nbformat()
    paths = find_notebooks(source)
    out = Path(outdir)
    if out.resolve() in {p.parent.resolve() for p in paths}:
        raise ValueError(
            f"outdir must differ from the notebooks' folder (it would overwrite the "
            f"solutions), got {str(out)!r}"
        )
    students = []
    problems = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        try:
            students.append((path.name, student_notebook(nb, path.name)))
        except ClassroomError as exc:
            problems.append(str(exc))
    if problems:
        raise ClassroomError("\n".join(problems))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, nb in students:
        target = out / filename
        nbformat.write(nb, target)
        written.append(target)
    return written


def _stars(difficulties: Sequence[int]) -> str:
    counts = [sum(1 for d in difficulties if d == level) for level in (1, 2, 3)]
    return " ".join(
        f"{'★' * level}×{n}" for level, n in zip((1, 2, 3), counts, strict=True) if n
    )


def summary_table(reports: Sequence[NotebookReport]) -> str:
    """A Markdown table: chapter, title, exercises, total minutes, difficulties."""
    rows = [
        "| chapter | title | exercises | minutes | difficulty |",
        "|---|---|---:|---:|---|",
    ]
    for r in reports:
        stem = Path(r.name).stem
        difficulty = _stars([ex.difficulty for ex in r.exercises]) or "-"
        rows.append(
            f"| {stem} | {r.title} | {len(r.exercises)} | {r.minutes} | {difficulty} |"
        )
    n = sum(len(r.exercises) for r in reports)
    minutes = sum(r.minutes for r in reports)
    rows.append(f"| **total** | | **{n}** | **{minutes}** | |")
    return "\n".join(rows)


def graded(check: Callable[[Callable], None], candidate: Callable) -> None:
    """Run a checker strictly, for autograding: an unanswered exercise fails.

    In class, a stub gets a friendly "not implemented yet" line; a grader (an
    nbgrader test cell, say) wants an AssertionError instead, and gets one here.
    """
    if not callable(candidate):
        check(candidate)  # the checker's own TypeError names what was passed
        return

    @functools.wraps(candidate)
    def strict(*args, **kwargs):
        try:
            return candidate(*args, **kwargs)
        except NotImplementedError as exc:
            raise RuntimeError(f"the exercise is not answered yet ({exc})") from None

    check(strict)


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m nanogpt_lib.classroom",
        description=(
            "Classroom kit for the Inside GPT notebooks: write student versions "
            "(solutions replaced by stubs that raise NotImplementedError) and "
            "check that every exercise follows the pattern."
        ),
        epilog=(
            "examples:\n"
            "  python -m nanogpt_lib.classroom student notebooks/ student/\n"
            "  python -m nanogpt_lib.classroom student "
            "notebooks/03_softmax_temperature.ipynb student/\n"
            "  python -m nanogpt_lib.classroom check notebooks/\n"
            "The teaching guide in the book explains the rest (nbgrader, Colab)."
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


if __name__ == "__main__":
    sys.exit(main())

"""Checks of a notebook's exercises: metadata, cell layout, markers and checkers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._cells import (
    _CHECK_CALL,
    _START,
    ClassroomError,
    Exercise,
    _is_check,
    _is_end,
    _is_exercise,
    _is_solution,
    _is_start,
    _parse_exercise,
    _title,
)
from ._source import _short_line, _statements, _worked_answer, stub_solution
from .retyped import THRESHOLD, copied_from, shown_code, solution_block, tokens

#: The kinds of exercise (issue 16): each makes the reader think in another way.
KINDS = ("predict", "debug", "extend", "by-hand", "experiment")


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
    kind = meta.get("kind")
    if kind not in KINDS:
        problems.append(
            f"{where}: metadata['exercise']['kind'] must be one of "
            f"{', '.join(KINDS)}, got {kind!r}"
        )
    return problems


def _check_prompt(cell, meta: Any, label: str | None, where: str):
    """(title, problems) of an {exercise} prompt cell: its metadata and directive."""
    problems = _check_metadata(meta, where)
    parsed = _parse_exercise(cell.source)
    if parsed is None:
        problems.append(f"{where}: the {{exercise}} directive is not closed")
        return "", problems
    title, options, _, _ = parsed
    if options.get("label") not in (None, label):
        problems.append(
            f"{where}: the directive's :label: "
            f"{options['label']!r} differs from the metadata's"
        )
    return title, problems


_ROLES = [
    ("{solution-start} markdown cell", _is_start),
    ("code cell tagged 'solution'", _is_solution),
    ("{solution-end} markdown cell", _is_end),
    ("code cell tagged 'check'", _is_check),
]


def _check_layout(cells, i: int, where: str) -> list[str]:
    """Problems with the four cells that must follow the prompt at index `i`."""
    problems = []
    for offset, (what, test) in enumerate(_ROLES, start=1):
        j = i + offset
        if j >= len(cells) or not test(cells[j]):
            problems.append(
                f"{where}: cell {j} should be the {what} (an exercise"
                " is prompt, solution-start, solution, solution-end,"
                " check)"
            )
    return problems


def _check_parts(cells, i: int, label: str | None, where: str):
    """(functions stubbed, problems) of a well laid-out exercise at index `i`."""
    problems: list[str] = []
    functions: list[str] = []
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
    return functions, problems


def _check_strays(cells, owned: set[int], name: str) -> list[str]:
    """Exercise cells outside any exercise, leaking markers, a missing Colab cell."""
    problems = []
    for i, cell in enumerate(cells):
        if i in owned:
            continue
        if _is_solution(cell) or _is_check(cell) or _is_start(cell) or _is_end(cell):
            problems.append(
                f"{name}: cell {i} is tagged or fenced as part of "
                "an exercise but follows no {exercise} prompt"
            )
        elif "BEGIN SOLUTION" in cell.source or "END SOLUTION" in cell.source:
            problems.append(
                f"{name}: cell {i} has a solution marker but is "
                "not tagged 'solution'; its solution would leak"
            )
    if not any(
        c.cell_type == "code"
        and "google.colab" in c.source
        and "nanogpt_lib" in c.source
        for c in cells
    ):
        problems.append(
            f"{name}: no Colab set-up cell (a code cell that "
            "installs nanogpt_lib when google.colab is importable)"
        )
    return problems


def _check_stub_uses(cells, owner: dict[int, str], stubbed: dict[str, str], name):
    """(problems, notes) about code that runs a learner's function.

    In a student version every stubbed function raises. Exercise cells lose the
    statements that run it (a worked answer, a note); no other cell may run it or
    use what those statements computed (a problem).
    """
    problems: list[str] = []
    notes: list[str] = []
    tainted: set[str] = set()
    names = set(stubbed)
    for i, cell in enumerate(cells):
        if cell.cell_type != "code" or not names:
            continue
        if i in owner and (_is_solution(cell) or _is_check(cell)):
            source = cell.source
            if _is_solution(cell):
                try:
                    source = stub_solution(source, "x")[0]
                except ClassroomError:
                    continue  # already reported
            dead = _worked_answer(source, names, tainted)
            if dead:
                lines = source.split("\n")
                shown = "; ".join(f"`{_short_line(lines[d.first - 1])}`" for d in dead)
                notes.append(
                    f"{name}, exercise {owner[i]}: the student version leaves out "
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
                problems.append(
                    f"{name}: cell {i} {what} outside any function "
                    f"(`{_short_line(lines[stmt.first - 1])}`). In the student "
                    "version that function raises NotImplementedError, so the "
                    "notebook would stop there. Code after an exercise must use the "
                    "library's version"
                )
            tainted -= stmt.stores
    return problems, notes


def _check_retyped(cells, i: int, kind: str | None, where: str) -> list[str]:
    """A problem when the solution at cell i+2 is mostly code shown above cell i."""
    if kind == "debug":  # the planted-bug version is shown on purpose
        return []
    solution = tokens(solution_block(cells[i + 2].source))
    earlier = [
        tokens(shown_code(c)) if not c.get("metadata", {}).get("exercise") else []
        for c in cells[:i]
    ]
    copy = copied_from(solution, earlier)
    if copy is None or copy.share < THRESHOLD:
        return []
    return [
        f"{where}: {copy.share:.0%} of the solution is code that cell {copy.cell} "
        "already shows; ask for something the chapter has not written out "
        "(debug a planted bug, extend it, predict its output)"
    ]


def inspect_notebook(nb, name: str) -> NotebookReport:
    """Find a notebook's exercises and list every way they break the pattern.

    Each exercise is five cells: the ``{exercise}`` prompt (with metadata
    ``exercise``: label, difficulty 1-3, minutes, concept, kind), ``{solution-start}``,
    the code cell tagged ``solution``, ``{solution-end}``, the cell tagged ``check``.
    """
    report = NotebookReport(name=name, title=_title(nb))
    cells = nb.cells
    owner: dict[int, str] = {}  # index of each cell of an exercise -> its label
    stubbed: dict[str, str] = {}  # function name -> exercise label
    labels: list[str] = []
    for i, cell in enumerate(cells):
        if not _is_exercise(cell):
            continue
        meta = cell.get("metadata", {}).get("exercise")
        label = meta.get("label") if isinstance(meta, dict) else None
        where = f"{name}, exercise {label or f'in cell {i}'}"
        title, problems = _check_prompt(cell, meta, label, where)
        if label in labels:
            problems.append(f"{where}: the label is used twice in this notebook")
        layout = _check_layout(cells, i, where)
        problems += layout
        functions: list[str] = []
        if not layout:
            owner.update(dict.fromkeys(range(i, i + 5), label))
            functions, more = _check_parts(cells, i, label, where)
            problems += more
            kind = meta.get("kind") if isinstance(meta, dict) else None
            problems += _check_retyped(cells, i, kind, where)
        stubbed.update(dict.fromkeys(functions, label))
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
                    kind=meta["kind"],
                )
            )
    report.problems += _check_strays(cells, set(owner), name)
    problems, notes = _check_stub_uses(cells, owner, stubbed, name)
    report.problems += problems
    report.notes += notes
    return report


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


def _stars(difficulties: Sequence[int]) -> str:
    counts = [sum(1 for d in difficulties if d == level) for level in (1, 2, 3)]
    return " ".join(
        f"{'★' * level}×{n}" for level, n in zip((1, 2, 3), counts, strict=True) if n
    )


def _kinds(kinds: Sequence[str]) -> str:
    return ", ".join(f"{k}×{kinds.count(k)}" for k in KINDS if k in kinds)


def summary_table(reports: Sequence[NotebookReport]) -> str:
    """A Markdown table: chapter, title, exercises, minutes, difficulties, kinds."""
    rows = [
        "| chapter | title | exercises | minutes | difficulty | kinds |",
        "|---|---|---:|---:|---|---|",
    ]
    for r in reports:
        stem = Path(r.name).stem
        difficulty = _stars([ex.difficulty for ex in r.exercises]) or "-"
        kinds = _kinds([ex.kind for ex in r.exercises]) or "-"
        rows.append(
            f"| {stem} | {r.title} | {len(r.exercises)} | {r.minutes} "
            f"| {difficulty} | {kinds} |"
        )
    n = sum(len(r.exercises) for r in reports)
    minutes = sum(r.minutes for r in reports)
    kinds = _kinds([ex.kind for r in reports for ex in r.exercises])
    rows.append(f"| **total** | | **{n}** | **{minutes}** | | {kinds} |")
    return "\n".join(rows)

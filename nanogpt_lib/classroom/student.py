"""Student versions: the chapter notebooks with every solution replaced by a stub."""

from __future__ import annotations

import copy
from pathlib import Path

from ._cells import (
    YOUR_TURN,
    ClassroomError,
    _is_check,
    _is_end,
    _is_exercise,
    _is_solution,
    _is_start,
    _nbformat,
    _parse_exercise,
)
from ._source import _drop_statements, _statements, _worked_answer, stub_solution
from .metadata import inspect_notebook


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


def rewrite_exercises(nb, name: str, rewrite):
    """A copy of a chapter with every exercise rewritten for a release.

    Prompts become plain Markdown with a "Your turn" line and the
    {solution-start}/{solution-end} cells go; each solution and check cell is
    passed to ``rewrite(cell, exercise, stubbed, tainted)``, which changes it in
    place (``stubbed``: the learners' function names; ``tainted``: names computed
    from them so far). Every other cell is kept as it is. Raises ClassroomError if
    the chapter breaks the exercise pattern.
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
        else:  # the layout check leaves only solution and check cells
            rewrite(cell, by_label[label], stubbed, tainted)
            cells.append(cell)
        if cell.cell_type == "code" and not (_is_solution(cell) or _is_check(cell)):
            for stmt in _statements(cell.source, stubbed) or []:
                tainted -= stmt.stores
    out.cells = cells
    return out


def _stub(cell, exercise, stubbed, tainted):
    if _is_solution(cell):
        cell.source = stub_solution(cell.source, exercise.label, exercise.label)[0]
    dead = _worked_answer(cell.source, stubbed, tainted)
    if dead:
        cell.source = _drop_statements(cell.source, dead)
    cell.outputs = []
    cell.execution_count = None


def student_notebook(nb, name: str = "notebook"):
    """Return the student version of a chapter notebook (the argument is unchanged).

    Solution blocks become stubs, the {solution-start}/{solution-end} cells go, the
    prompt becomes plain Markdown with a "Your turn" line, and the solution and
    check cells lose their outputs. Every other cell is kept as it is.
    """
    return rewrite_exercises(nb, name, _stub)


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

"""The classroom kit: student notebooks run top to bottom and give nothing away.

For every chapter notebook the student version is generated into a temporary folder,
searched for any trace of the solutions, compared with the original cell by cell, and
executed with nbclient: each checker must say "not implemented yet" and no cell may
fail. Small synthetic notebooks pin the stub's indentation and the clear errors.
"""

from __future__ import annotations

import ast
import functools
import re
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook  # noqa: E402

from nanogpt_lib import classroom  # noqa: E402
from nanogpt_lib.classroom import (  # noqa: E402
    BEGIN,
    END,
    ClassroomError,
    graded,
    inspect_notebook,
    main,
    stub_solution,
    student_notebook,
    write_student_versions,
)
from nanogpt_lib.classroom.metadata import summary_table  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


# ---------------------------------------------------------------- real chapters


def _code(line: str) -> str:
    """A line without indentation or a trailing comment."""
    return re.sub(r"\s+#.*$", "", line).strip()


def _solution_lines(nb) -> set[str]:
    """Stripped lines strictly between the markers of every solution cell."""
    lines, inside = set(), False
    for cell in nb.cells:
        if "solution" not in cell.metadata.get("tags", []):
            continue
        for line in cell.source.split("\n"):
            if line.strip() == BEGIN:
                inside = True
            elif line.strip() == END:
                inside = False
            elif inside:
                lines.add(_code(line))
    return lines


def _lines_outside_solutions(nb) -> set[str]:
    """Stripped lines of every cell of the original, solution blocks excluded."""
    lines, inside = set(), False
    for cell in nb.cells:
        for line in cell.source.split("\n"):
            if line.strip() == BEGIN:
                inside = True
            elif line.strip() == END:
                inside = False
            elif not inside:
                lines.add(_code(line))
    return lines


def _distinctive(nb) -> set[str]:
    """Solution lines that appear nowhere else in the chapter (not `return out`)."""
    return {
        line
        for line in _solution_lines(nb) - _lines_outside_solutions(nb)
        if len(line) >= 12 and not line.startswith("#")
    }


def _all_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        parts.append(cell.source)
        for out in cell.get("outputs", []):
            parts.append(str(out.get("text", "")))
            parts.append(str(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def _student(path: Path, outdir: Path):
    """Generate the student version of one notebook; return (original, student)."""
    written = write_student_versions(path, outdir)
    assert written == [outdir / path.name]
    original = nbformat.read(path, as_version=4)
    return original, nbformat.read(written[0], as_version=4)


def _n_exercises(nb) -> int:
    return sum(
        1
        for c in nb.cells
        if c.cell_type == "markdown" and c.source.lstrip().startswith("```{exercise}")
    )


def test_there_are_chapters_with_exercises():
    assert NOTEBOOKS, "no notebooks found under notebooks/"
    assert any(_n_exercises(nbformat.read(p, as_version=4)) for p in NOTEBOOKS), (
        "no chapter has exercises"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_version_keeps_no_solution_text(path, tmp_path):
    original, student = _student(path, tmp_path)
    raw = (tmp_path / path.name).read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in raw and "END SOLUTION" not in raw
    assert "{solution-start}" not in raw and "{solution-end}" not in raw
    distinctive = _distinctive(original)
    if _n_exercises(original):
        assert distinctive, "the solutions should have lines of their own"
    lines = {_code(line) for line in _all_text(student).split("\n")}
    leaked = sorted(distinctive & lines)
    assert not leaked, f"solution lines survive in the student version: {leaked}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_version_changes_only_exercise_cells(path, tmp_path):
    original, student = _student(path, tmp_path)
    assert student.metadata == original.metadata
    kept = [c for c in original.cells if "exercise" not in c.metadata]
    assert [c for c in student.cells if "exercise" not in c.metadata] == kept
    for cell in student.cells:
        if "exercise" not in cell.metadata or cell.cell_type != "code":
            continue
        assert cell.outputs == [] and cell.execution_count is None
    stubs = [c for c in student.cells if "solution" in c.metadata.get("tags", [])]
    assert len(stubs) == _n_exercises(original)
    for cell in stubs:
        label = cell.metadata["exercise"]["label"]
        stub = f'raise NotImplementedError("Exercise {label}: write your code here")'
        assert stub in cell.source
    # The Colab cell, which installs nanogpt_lib, is the original's, untouched.
    colab = [c for c in student.cells if "google.colab" in c.source]
    assert colab and "pip" in colab[0].source and "nanogpt_lib" in colab[0].source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_version_runs_top_to_bottom(path, tmp_path):
    from nbclient import NotebookClient

    original, student = _student(path, tmp_path)
    client = NotebookClient(
        student,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    for cell in student.cells:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", out.get("evalue")
    checks = [c for c in student.cells if "check" in c.metadata.get("tags", [])]
    assert len(checks) == _n_exercises(original)
    for cell in checks:
        printed = "".join(o.get("text", "") for o in cell.outputs)
        assert "not implemented yet" in printed, (cell.source, printed)


def test_the_chapters_pass_the_check_command(capsys):
    status = main(["check", str(ROOT / "notebooks")])
    out, err = capsys.readouterr()
    assert status == 0, err
    for path in NOTEBOOKS:
        assert f"| {path.stem} |" in out


# ---------------------------------------------------------- synthetic notebooks

COLAB = (
    "import sys\n"
    'if "google.colab" in sys.modules:\n'
    '    print("pip install nanogpt_lib")'
)


def _exercise(
    label, solution, check, difficulty=1, minutes=10, concept="adding", kind="extend"
):
    meta = {
        "exercise": {
            "label": label,
            "difficulty": difficulty,
            "minutes": minutes,
            "concept": concept,
            "kind": kind,
        }
    }
    return [
        new_markdown_cell(
            f"```{{exercise}} Title of {label}\n:label: {label}\n\nDo it.\n```",
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


ADD = f"def add(a, b):\n    {BEGIN}\n    total = a + b\n    return total\n    {END}"
ADD_CHECK = "check_add(add)"


def _notebook(*exercise_cells, title="Toy chapter"):
    cells = [
        new_markdown_cell(f"# {title}\n\n**Learning objectives.** add."),
        new_code_cell(COLAB, metadata={"tags": ["nbval-ignore-output"]}),
        new_code_cell(
            "def check_add(fn):\n    try:\n        fn(1, 2)\n"
            "    except NotImplementedError:\n"
            "        print('check_add: not implemented yet')",
        ),
    ]
    for group in exercise_cells:
        cells.extend(group)
    cells.append(new_markdown_cell("## Summary"))
    return new_notebook(cells=cells)


def test_stub_replaces_the_block_with_one_line_at_its_indentation():
    source = ADD + "\n\nprint('defined')"
    new, functions = stub_solution(source, "ex-toy")
    assert new == (
        "def add(a, b):\n"
        '    raise NotImplementedError("Exercise ex-toy: write your code here")\n'
        "\nprint('defined')"
    )
    assert functions == ["add"]


def test_stub_keeps_deeper_indentation_and_several_blocks():
    source = "\n".join(
        [
            "class Model:",
            "    def forward(self, x):",
            "        if x is None:",
            f"            {BEGIN}",
            "            x = 0",
            f"            {END}",
            "        return x",
            "",
            "def helper():",
            f"    {BEGIN}",
            "    return 1",
            f"    {END}",
        ]
    )
    new, functions = stub_solution(source, "ex-deep")
    stub = 'raise NotImplementedError("Exercise ex-deep: write your code here")'
    assert new.split("\n") == [
        "class Model:",
        "    def forward(self, x):",
        "        if x is None:",
        "            " + stub,
        "        return x",
        "",
        "def helper():",
        "    " + stub,
    ]
    assert functions == ["forward", "helper"]


@pytest.mark.parametrize(
    "source",
    [
        f"{BEGIN}\nanswer = 42\n{END}",
        f"if True:\n    {BEGIN}\n    answer = 42\n    {END}",
    ],
    ids=["top level", "inside a top-level if"],
)
def test_a_solution_outside_a_function_body_is_refused(source):
    nb = _notebook(_exercise("ex-top", source, "check_add(add)"))
    with pytest.raises(ClassroomError) as info:
        student_notebook(nb, "99_toy.ipynb")
    message = str(info.value)
    assert "99_toy.ipynb" in message and "ex-top" in message
    assert "not inside a function body" in message


def test_a_worked_answer_in_the_exercise_cells_is_left_out():
    solution = ADD + "\n\n# Try it:\ntotal = add(1, 2)\nprint(total)\nok = True"
    check = "check_add(add)\nprint(add(2, 3))"
    nb = _notebook(_exercise("ex-demo", solution, check))
    report = inspect_notebook(nb, "99_toy.ipynb")
    assert report.problems == []
    assert len(report.notes) == 2
    assert "leaves out 2 statement(s)" in report.notes[0]
    assert "`total = add(1, 2)`; `print(total)`" in report.notes[0]
    cells = student_notebook(nb, "99_toy.ipynb").cells
    stub = 'raise NotImplementedError("Exercise ex-demo: write your code here")'
    solution_cell = next(c for c in cells if "solution" in c.metadata.get("tags", []))
    assert solution_cell.source == f"def add(a, b):\n    {stub}\n\nok = True"
    assert cells[-2].source == "check_add(add)"


def test_other_cells_may_not_run_the_stub_or_use_what_it_computed():
    solution = ADD + "\ntotal = add(1, 2)"
    later = [
        new_code_cell("x = add(3, 4)"),
        new_code_cell("print(total)"),
        new_code_cell("total = 5\nprint(total)"),  # rebound: fine
    ]
    nb = _notebook(_exercise("ex-call", solution, ADD_CHECK), later)
    problems = inspect_notebook(nb, "99_toy.ipynb").problems
    assert len(problems) == 2
    assert "calls add() (exercise ex-call) outside any function" in problems[0]
    assert "`x = add(3, 4)`" in problems[0]
    assert "uses total, computed from a learner's function" in problems[1]
    assert all("raises NotImplementedError" in p for p in problems)
    with pytest.raises(ClassroomError, match="cell 8 calls add"):
        student_notebook(nb, "99_toy.ipynb")


def test_passing_or_wrapping_the_stub_is_allowed():
    later = new_code_cell("f = lambda: add(1, 2)\ndef g():\n    return add(1, 2)")
    nb = _notebook(_exercise("ex-ok", ADD, ADD_CHECK), [later])
    assert inspect_notebook(nb, "99_toy.ipynb").problems == []


@pytest.mark.parametrize(
    "source, expected",
    [
        (f"def f():\n    {BEGIN}\n    return 1", "has no '### END SOLUTION'"),
        (f"def f():\n    return 1\n    {END}", "has no '### BEGIN SOLUTION'"),
        (f"def f():\n    {BEGIN}\n    {BEGIN}\n    {END}", "a second"),
        ("def f():\n    ## BEGIN SOLUTION\n    return 1", "looks like a solution"),
        ("def f():\n    return 1", "has no '### BEGIN SOLUTION' ..."),
    ],
    ids=["unclosed", "no begin", "nested", "malformed", "no block"],
)
def test_broken_markers_get_clear_errors(source, expected):
    with pytest.raises(ClassroomError, match="exercise ex-m") as info:
        stub_solution(source, "ex-m")
    assert expected in str(info.value)


def test_a_marker_outside_a_solution_cell_would_leak_and_is_refused():
    leaky = new_code_cell(f"def f():\n    {BEGIN}\n    return 1\n    {END}")
    nb = _notebook(_exercise("ex-a", ADD, ADD_CHECK), [leaky])
    problems = inspect_notebook(nb, "99_toy.ipynb").problems
    assert len(problems) == 1 and "not tagged 'solution'" in problems[0]


def test_metadata_and_layout_are_validated():
    bad = _exercise(
        "ex-bad", ADD, ADD_CHECK, difficulty=4, minutes=0, concept="", kind="read"
    )
    del bad[3]  # no {solution-end}
    problems = inspect_notebook(_notebook(bad), "99_toy.ipynb").problems
    text = "\n".join(problems)
    assert "['difficulty'] must be 1, 2 or 3, got 4" in text
    assert "['minutes'] must be a positive integer, got 0" in text
    assert "['concept'] must name the concept" in text
    assert "['kind'] must be one of predict, debug, extend, by-hand, experiment" in text
    assert "should be the {solution-end} markdown cell" in text


def test_student_notebook_leaves_the_original_alone():
    nb = _notebook(_exercise("ex-a", ADD, ADD_CHECK))
    before = nbformat.writes(nb)
    student = student_notebook(nb, "99_toy.ipynb")
    assert nbformat.writes(nb) == before
    assert len(student.cells) == len(nb.cells) - 2  # solution-start/-end removed
    prompt = next(c for c in student.cells if "exercise" in c.metadata)
    assert prompt.source.startswith("### Exercise ex-a: Title of ex-a\n\nDo it.")
    assert "Your turn" in prompt.source and "```" not in prompt.source


def test_graded_fails_an_unanswered_exercise_and_passes_a_right_one(capsys):
    import numpy as np

    from nanogpt_lib.checks.softmax import check_entropy

    def entropy(p):  # the library's entropy would trip the checker's tripwire
        p = np.asarray(p, dtype=np.float64)
        return float(-(p * np.log(np.where(p > 0, p, 1.0))).sum())

    def stub(p):
        raise NotImplementedError("Exercise ex-03-entropy: write your code here")

    with pytest.raises(AssertionError, match="not answered yet"):
        graded(check_entropy, stub)
    graded(check_entropy, entropy)
    out = capsys.readouterr().out
    assert re.match(r"check_entropy: all \d+ cases passed\.\n$", out)
    with pytest.raises(AssertionError, match="expected"):
        graded(check_entropy, lambda p: -entropy(p))


# ------------------------------------------------------------------------- CLI


def _write(folder: Path, name: str, nb) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    nbformat.write(nb, path)
    return path


def test_cli_help_names_both_commands():
    result = subprocess.run(
        [sys.executable, "-m", "nanogpt_lib.classroom", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert "student" in result.stdout and "check" in result.stdout
    assert "python -m nanogpt_lib.classroom student notebooks/" in result.stdout


def test_cli_missing_folder_exits_nonzero_with_a_message(tmp_path):
    missing = tmp_path / "no_such_folder"
    result = subprocess.run(
        [sys.executable, "-m", "nanogpt_lib.classroom", "student", str(missing), "o"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert f"notebooks folder '{missing}' does not exist" in result.stderr


def test_cli_empty_folder_and_same_outdir_are_refused(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["check", str(empty)]) == 2
    assert "no notebooks (*.ipynb)" in capsys.readouterr().err
    folder = tmp_path / "nbs"
    _write(folder, "99_toy.ipynb", _notebook(_exercise("ex-a", ADD, ADD_CHECK)))
    assert main(["student", str(folder), str(folder)]) == 2
    assert "would overwrite the solutions" in capsys.readouterr().err


def test_cli_check_prints_the_summary_table(tmp_path, capsys):
    folder = tmp_path / "nbs"
    toy = _notebook(
        _exercise("ex-a", ADD, ADD_CHECK, difficulty=1, minutes=10),
        _exercise(
            "ex-b",
            ADD.replace("add", "plus"),
            "check_add(plus)",
            difficulty=2,
            minutes=15,
            kind="debug",
        ),
    )
    _write(folder, "99_toy.ipynb", toy)
    _write(folder, "98_other.ipynb", _notebook(title="Other"))
    assert main(["check", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "| 98_other | Other | 0 | 0 | - | - |" in out
    assert "| 99_toy | Toy chapter | 2 | 25 | ★×1 ★★×1 | debug×1, extend×1 |" in out
    assert "| **total** | | **2** | **25** | | debug×1, extend×1 |" in out


def test_cli_check_reports_problems_and_duplicate_labels(tmp_path, capsys):
    folder = tmp_path / "nbs"
    _write(folder, "98_a.ipynb", _notebook(_exercise("ex-same", ADD, ADD_CHECK)))
    _write(folder, "99_b.ipynb", _notebook(_exercise("ex-same", ADD, ADD_CHECK)))
    assert main(["check", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "99_b.ipynb, exercise ex-same: the label is also used in 98_a.ipynb" in err


def test_cli_student_writes_nothing_when_a_notebook_is_broken(tmp_path, capsys):
    folder = tmp_path / "nbs"
    _write(folder, "98_good.ipynb", _notebook(_exercise("ex-a", ADD, ADD_CHECK)))
    top = f"{BEGIN}\nanswer = 42\n{END}"
    _write(folder, "99_bad.ipynb", _notebook(_exercise("ex-top", top, ADD_CHECK)))
    out = tmp_path / "student"
    assert main(["student", str(folder), str(out)]) == 1
    err = capsys.readouterr().err
    assert "nothing written" in err and "99_bad.ipynb, exercise ex-top" in err
    assert not out.exists()
    assert main(["student", str(folder / "98_good.ipynb"), str(out)]) == 0
    assert (out / "98_good.ipynb").is_file()
    assert classroom.find_notebooks(out) == [out / "98_good.ipynb"]


# --------------------------------------------------------------- teaching guide

GUIDE = ROOT / "book" / "teaching_guide.md"


def _guide_sections() -> dict[str, str]:
    """The guide's text per chapter, keyed by the chapter's number ("03")."""
    text = GUIDE.read_text(encoding="utf-8")
    parts = re.split(r"^\(guide-(\w+)\)=\n", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _objectives(nb) -> list[str]:
    """The numbered learning objectives of the first cell, one string each."""
    text = nb.cells[0].source.split("Learning objectives", 1)[1]
    items = [i.split("\n\n")[0] for i in re.split(r"^\d+\. ", text, flags=re.M)[1:]]
    return [" ".join(item.split()) for item in items]


@functools.cache
def _string_constants(check: str) -> set[str]:
    """Every string literal of the checks module that defines `check`."""
    for path in sorted((ROOT / "nanogpt_lib" / "checks").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        if check in names:
            return {
                n.value
                for n in ast.walk(tree)
                if isinstance(n, ast.Constant) and isinstance(n.value, str)
            }
    raise AssertionError(f"no checks module defines {check}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_teaching_guide_has_a_section_for_every_chapter(path):
    sections = _guide_sections()
    number = path.stem.split("_")[0]
    assert number in sections, f"book/teaching_guide.md has no (guide-{number})="
    section = sections[number]
    nb = nbformat.read(path, as_version=4)
    assert f"{{doc}}`../notebooks/{path.stem}`" in section
    objectives = _objectives(nb)
    assert objectives, "the chapter's first cell lists no objectives"
    flat = " ".join(section.split())
    for objective in objectives:
        assert objective in flat, f"objective not copied: {objective[:60]}"
    minutes = int(re.search(r"\*\*Time\.\*\* (\d+) minutes", section)[1])
    assert 45 <= minutes <= 90
    assert "**Prerequisites.**" in section
    assert "### Common misconceptions" in section
    assert "### In-class activities" in section
    assert section.count(":class: dropdown") >= 5, "quiz answers in dropdowns"
    for cell in nb.cells:
        label = cell.metadata.get("exercise", {}).get("label")
        if label and cell.source.lstrip().startswith("```{exercise}"):
            assert f"{{ref}}`{label}`" in section, f"{label} is not listed"


def test_teaching_guide_quotes_the_checkers_hints_exactly():
    quoted = re.findall(r"Hint from `(check_\w+)`: ``(.+?)``", GUIDE.read_text())
    assert len(quoted) >= 3 * len(_guide_sections())
    for check, hint in quoted:
        assert hint in _string_constants(check), f"{check} has no hint {hint!r}"


def _current_exercise_table() -> str:
    reports = [
        inspect_notebook(nbformat.read(path, as_version=4), path.name)
        for path in sorted((ROOT / "notebooks").glob("*.ipynb"))
    ]
    return summary_table(reports)


def test_teaching_guide_shows_the_current_exercise_table():
    """The planning table (exercises, minutes, difficulty, kinds) is the notebooks'."""
    guide = (ROOT / "book" / "teaching_guide.md").read_text(encoding="utf-8")
    start, end = "<!-- exercise-table:start -->", "<!-- exercise-table:end -->"
    assert start in guide and end in guide
    shown = guide.split(start, 1)[1].split(end, 1)[0].strip("\n")
    assert shown == _current_exercise_table(), (
        "the teaching guide's exercise table is stale: paste the table that "
        "`python -m nanogpt_lib.classroom check notebooks/` prints "
        "(python scripts/update_exercise_table.py writes it)"
    )

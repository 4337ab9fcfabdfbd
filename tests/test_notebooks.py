"""House rules every chapter notebook follows (nbval checks the outputs themselves).

Structure: title and learning objectives first; the Colab cell tagged and pointing at
the repository set in _config.yml; executed top to bottom with no errors; a Summary and
Exercises; every exercise with its metadata, a solution between nbgrader markers and a
checker call.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
REPO_URL = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
TOC = (ROOT / "_toc.yml").read_text()


def _load(path: Path):
    return nbformat.read(path, as_version=4)


def test_there_are_notebooks():
    assert any(p.name.startswith("03_softmax_temperature") for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_named_like_a_chapter_and_in_the_toc(path):
    assert re.fullmatch(r"(\d\d|A\d)_[a-z0-9_]+\.ipynb", path.name), path.name
    assert f"notebooks/{path.stem}" in TOC, f"{path.name} is missing from _toc.yml"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_opening_cells(path):
    cells = _load(path).cells
    first = cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert "Learning objectives" in first.source
    colab = cells[1]
    assert colab.cell_type == "code" and "google.colab" in colab.source
    assert {"nbval-ignore-output", "remove-cell"} <= set(colab.metadata.get("tags", []))
    assert REPO_URL in colab.source, (
        "the Colab cell must install from _config.yml's URL"
    )
    setup = next(c for c in cells[2:] if c.cell_type == "code")
    assert "np.random.default_rng(" in setup.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_executed_in_order_without_errors(path):
    code = [c for c in _load(path).cells if c.cell_type == "code"]
    counts = [c.execution_count for c in code]
    assert None not in counts, "commit the notebook executed"
    assert counts == list(range(1, len(code) + 1)), "execute top to bottom, once"
    for cell in code:
        for out in cell.outputs:
            assert out.output_type != "error", f"error output: {out.get('evalue')}"
            if out.output_type == "stream":
                assert out.name == "stdout", f"stderr output: {out.text[:200]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_summary_then_exercises(path):
    md = [c.source for c in _load(path).cells if c.cell_type == "markdown"]
    text = "\n".join(md)
    assert "## Summary" in text and "## Exercises" in text
    assert text.index("## Summary") < text.index("## Exercises")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercises_have_metadata_solution_and_checker(path):
    cells = _load(path).cells
    labels = []
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown" and cell.source.startswith("```{exercise}"):
            meta = cell.metadata.get("exercise", {})
            assert meta.get("difficulty") in (1, 2, 3), "difficulty 1-3"
            assert isinstance(meta.get("minutes"), int) and meta["minutes"] > 0
            assert meta.get("concept"), "name the concept the exercise practises"
            solution = cells[i + 2]
            assert "solution" in solution.metadata.get("tags", [])
            assert "### BEGIN SOLUTION" in solution.source
            assert "### END SOLUTION" in solution.source
            check = cells[i + 4]
            assert "check" in check.metadata.get("tags", [])
            assert re.search(r"check_\w+\(", check.source)
            assert any("passed" in o.get("text", "") for o in check.outputs)
            labels.append(meta.get("label"))
    minimum = 3 if path.stem.startswith("03") else 4
    if path.stem.startswith(("00", "A1")):
        minimum = 0
    assert len(labels) >= minimum, f"{path.name}: {len(labels)} exercises"
    assert len(set(labels)) == len(labels), "exercise labels must be unique"

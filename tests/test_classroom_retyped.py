"""The re-typing check: an exercise must not ask for code the chapter shows above it."""

import nbformat
import pytest

from nanogpt_lib.classroom.metadata import KINDS, inspect_notebook
from nanogpt_lib.classroom.retyped import (
    MIN_TOKENS,
    THRESHOLD,
    copied_from,
    shown_code,
    solution_block,
    tokens,
)

SHOWN = """def softmax(x):
    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
"""
COPY = """def my_softmax(logits):
    ### BEGIN SOLUTION
    shifted = logits - logits.max(axis=-1, keepdims=True)
    weights = np.exp(shifted)
    return weights / weights.sum(axis=-1, keepdims=True)
    ### END SOLUTION
"""
NEW = """def top_p(logits, p):
    ### BEGIN SOLUTION
    order = np.argsort(-logits, kind="stable")
    probs = np.exp(logits[order] - logits.max())
    probs /= probs.sum()
    before = np.cumsum(probs) - probs
    out = np.full_like(logits, -np.inf)
    out[order[before < p]] = logits[order[before < p]]
    return out
    ### END SOLUTION
"""


def test_renamed_copy_is_found_and_new_code_is_not():
    shown = [tokens(SHOWN)]
    copy = copied_from(tokens(solution_block(COPY)), shown)
    assert copy is not None and copy.cell == 0 and copy.share >= THRESHOLD
    new = copied_from(tokens(solution_block(NEW)), shown)
    assert new is None or new.share < THRESHOLD


def test_local_names_are_placeholders_but_attributes_are_kept():
    assert tokens("y = np.exp(x)") == tokens("out = np.exp(logits)")
    assert tokens("y = np.exp(x)") != tokens("y = np.log(x)")


def test_one_liners_are_not_compared():
    assert len(tokens("return np.exp(x)")) < MIN_TOKENS
    assert copied_from(tokens("return np.exp(x)"), [tokens("np.exp(x)")]) is None


def test_an_f_string_is_one_token_on_every_python_version():
    """3.12 splits f-strings into pieces, 3.11 does not: the share must not change."""
    code = 'print(f"loss {loss:.3f} at step {step}", f"""two\n{lines}""")'
    assert tokens(code) == [
        "<name>", "(", 'f"loss {loss:.3f} at step {step}"', ",",
        'f"""two\n{lines}"""', ")",
    ]


def test_markdown_fences_count_as_shown_code():
    cell = nbformat.v4.new_markdown_cell(f"Here it is:\n\n```python\n{SHOWN}```\n")
    assert tokens(shown_code(cell)) == tokens(SHOWN)
    assert shown_code(nbformat.v4.new_markdown_cell("no code here")) == ""


def test_broken_code_gives_the_tokens_before_the_error():
    assert tokens("x = (1,")[:3] == ["<name>", "=", "("]


def _notebook(kind, shown=SHOWN, solution=COPY):
    meta = {"exercise": {"label": "ex-t", "difficulty": 1, "minutes": 5,
                         "concept": "softmax", "kind": kind}}  # fmt: skip
    cells = [
        nbformat.v4.new_code_cell(
            "try:\n    import google.colab\n    %pip install nanogpt_lib\nexcept"
            " ImportError:\n    pass"
        ),
        nbformat.v4.new_code_cell(shown),
        nbformat.v4.new_markdown_cell("```{exercise} T\n:label: ex-t\n\nDo it.\n```"),
        nbformat.v4.new_markdown_cell(
            "```{solution-start} ex-t\n:class: dropdown\n```"
        ),
        nbformat.v4.new_code_cell(solution),
        nbformat.v4.new_markdown_cell("```{solution-end}\n```"),
        nbformat.v4.new_code_cell("check_softmax(my_softmax)"),
    ]
    for cell in cells[2:]:
        cell.metadata.update(meta)
    cells[4].metadata["tags"] = ["solution"]
    cells[6].metadata["tags"] = ["check"]
    return nbformat.v4.new_notebook(cells=cells)


def test_inspect_notebook_reports_a_retyped_exercise():
    report = inspect_notebook(_notebook("extend"), "t.ipynb")
    assert any("already shows" in p and "cell 1" in p for p in report.problems)


def test_debug_exercises_may_show_their_buggy_version():
    report = inspect_notebook(_notebook("debug"), "t.ipynb")
    assert not report.problems, report.problems
    assert report.exercises[0].kind == "debug"


@pytest.mark.parametrize("kind", [None, "quiz", "Debug"])
def test_kind_must_be_one_of_the_five(kind):
    report = inspect_notebook(_notebook(kind, solution=NEW), "t.ipynb")
    assert any("['kind'] must be one of" in p for p in report.problems)
    assert all(k in report.problems[0] for k in KINDS)

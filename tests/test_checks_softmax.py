"""Chapter 03's checkers: what the catalogue (test_catalogue_softmax.py) does not
cover - a crash names its case, and a library call is refused however it is bound."""

import numpy as np
import pytest

import nanogpt_lib
from nanogpt_lib import softmax as lib
from nanogpt_lib.checks import CheckFailure
from nanogpt_lib.checks.softmax import check_softmax, check_top_p_logits


def test_crashing_candidate_names_the_case():
    def crash(x, t):
        raise KeyError("oops")

    with pytest.raises(AssertionError, match=r"\[random #0\]: your function raised"):
        check_softmax(crash)


@pytest.mark.parametrize(
    "call",
    [
        lambda x, t: lib.softmax(x, temperature=t),
        lambda x, t: nanogpt_lib.softmax.softmax(x, t),
        lambda x, t: nanogpt_lib.attention.softmax(x, t),  # a re-export
    ],
)
def test_softmax_refuses_the_library(call):
    with pytest.raises(CheckFailure, match="write this yourself") as info:
        check_softmax(call)
    assert info.value.mistake == "delegates"
    assert "`nanogpt_lib.softmax.softmax`" in info.value.hint
    assert nanogpt_lib.attention.softmax is lib.softmax  # restored


def test_top_p_may_use_softmax(capsys):
    """softmax is not what top-p re-implements, so an answer may call it."""

    def top_p(logits, p):
        probs = lib.softmax(np.asarray(logits, dtype=np.float64))
        order = np.argsort(-probs, kind="stable")
        keep = np.zeros(len(probs), dtype=bool)
        keep[order[np.cumsum(probs[order]) - probs[order] < p]] = True
        return np.where(keep, logits, -np.inf)

    check_top_p_logits(top_p)
    assert capsys.readouterr().out.startswith("check_top_p_logits: all")

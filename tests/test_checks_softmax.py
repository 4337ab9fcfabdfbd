"""Chapter 03's checkers: what the catalogue (test_catalogue_softmax.py) does not
cover - a crash names its case, and a library call is refused however it is bound."""

import numpy as np
import pytest

import nanogpt_lib
from nanogpt_lib import softmax as lib
from nanogpt_lib.checks import CheckFailure
from nanogpt_lib.checks.softmax import (
    check_entropy_prediction,
    check_softmax,
    check_temperature_by_hand,
    check_top_k_top_p,
)


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


def test_top_k_top_p_may_use_softmax(capsys):
    """softmax is not what the exercise re-implements, so an answer may call it."""

    def top_k_top_p(logits, k, p):
        lg = np.asarray(logits, dtype=np.float64)
        kept = np.where(lg >= np.sort(lg, axis=-1)[..., -k, None], lg, -np.inf)
        probs = lib.softmax(kept)  # renormalised over the k survivors
        order = np.argsort(-probs, axis=-1, kind="stable")
        sp = np.take_along_axis(probs, order, axis=-1)
        keep = np.empty(sp.shape, dtype=bool)
        np.put_along_axis(keep, order, np.cumsum(sp, axis=-1) - sp < p, axis=-1)
        return np.where(keep, lg, -np.inf)

    check_top_k_top_p(top_k_top_p)
    assert capsys.readouterr().out.startswith("check_top_k_top_p: all")


def test_top_k_top_p_refuses_the_library_filters():
    with pytest.raises(CheckFailure, match="write this yourself"):
        check_top_k_top_p(lambda lg, k, p: lib.top_p_logits(lib.top_k_logits(lg, k), p))


def test_by_hand_answers_are_read_once_and_may_be_rounded(capsys):
    calls = []

    def answers():
        calls.append(1)
        return {1: [0.6, 0.3, 0.1], 0.5: [0.78, 0.2, 0.02], 0: [1, 0, 0]}

    check_temperature_by_hand(answers)
    assert len(calls) == 1
    assert capsys.readouterr().out == "check_temperature_by_hand: all 3 cases passed.\n"


def test_by_hand_stub_is_not_implemented_yet(capsys):
    def stub():
        raise NotImplementedError("Exercise ex-03-by-hand: write your code here")

    check_temperature_by_hand(stub)
    assert "not implemented yet" in capsys.readouterr().out


def _entropy(p):
    p = np.asarray(p, dtype=np.float64)
    return float(-(p * np.log(np.where(p > 0, p, 1.0))).sum())


def test_a_wrong_prediction_never_fails_and_is_reported(capsys):
    check_entropy_prediction(_entropy, lambda: {0.5: 3.0, 2.0: 0.0})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "check_entropy_prediction: all 2 cases passed."
    assert out[1] == "T = 0.5: you predicted 3.00 nats, measured 0.11 (off by 2.89)"
    assert out[2] == "T = 2: you predicted 0.00 nats, measured 2.14 (off by 2.14)"


def test_a_missing_prediction_is_said(capsys):
    def no_guess():
        raise NotImplementedError("Exercise ex-03-entropy: write your code here")

    check_entropy_prediction(_entropy, no_guess)
    assert "No prediction yet" in capsys.readouterr().out


def test_a_wrong_entropy_fails_before_the_prediction(capsys):
    with pytest.raises(CheckFailure) as info:
        check_entropy_prediction(lambda p: -_entropy(p), lambda: {0.5: 0.1, 2.0: 2.1})
    assert info.value.mistake == "sign"
    assert "you predicted" not in capsys.readouterr().out

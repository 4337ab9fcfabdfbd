"""The chapter-00 checkers accept right answers and name mistakes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from nanogpt_lib import gpt
from nanogpt_lib.checks import big_picture as checks
from nanogpt_lib.softmax import softmax


def test_next_token_accepts_the_reference(capsys):
    checks.check_next_token(lambda lg: int(np.argmax(lg[-1])))
    assert capsys.readouterr().out == "check_next_token: all 6 cases passed.\n"


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda lg: int(np.argmax(lg[0])), "first position's logits"),
        (lambda lg: int(np.argmax(lg)), "whole (T, V) array"),
        (lambda lg: int(np.argmin(lg[-1])), "argmax, not argmin"),
        (lambda lg: softmax(lg[-1]), "return one integer token id"),
    ],
)
def test_next_token_names_each_mistake(wrong, hint):
    with pytest.raises(AssertionError, match=re.escape(hint)):
        checks.check_next_token(wrong)


def test_matmul_macs_accepts_the_worked_counts(capsys):
    # (6, 48) @ (48, 192): 6 * 192 outputs, each a dot product of length 48
    # -> 55,296; one head's scores (6, 16) @ (16, 6) -> 576; GPT-2's unembedding
    # of one token (1, 768) @ (768, 50257) -> 38,597,376
    checks.check_matmul_macs(
        lambda: {"mlp_up": 55_296, "scores": 576, "unembed": 38_597_376}
    )
    assert capsys.readouterr().out == "check_matmul_macs: all 3 cases passed.\n"


@pytest.mark.parametrize(
    "wrong, hint",
    [
        ({"mlp_up": 6 * 192}, "That counts the outputs"),
        ({"scores": 2 * 576}, "floating-point operations"),
        ({"scores": 6 * 48 * 6}, "D = C / H = 16"),
        ({"mlp_up": 48 * 192}, "all 6 tokens"),
    ],
)
def test_matmul_macs_names_each_mistake(wrong, hint):
    right = {"mlp_up": 55_296, "scores": 576, "unembed": 38_597_376}
    with pytest.raises(AssertionError, match=re.escape(hint)):
        checks.check_matmul_macs(lambda: {**right, **wrong})


def _shakespeare():
    from nanogpt_lib.shakespeare import load_model

    cfg, params, tok = load_model()
    return params, cfg, tok


def test_continuation_prob_worked_example(capsys):
    # P('ueen' | 'My lord, the q') = P(u) P(e | u) P(e | ue) P(n | uee), each step
    # fed the true characters; 'u' after 'q' is nearly certain, 'queen' is not
    params, cfg, tok = _shakespeare()
    steps = []
    ids = tok.encode("My lord, the q")
    for ch in "ueen":
        p = softmax(gpt.forward(params, np.array(ids), cfg)[-1])
        steps.append(float(p[tok.encode(ch)[0]]))
        ids.append(tok.encode(ch)[0])
    assert steps[0] > 0.95
    truth = float(np.prod(steps))
    assert 0.1 < truth < 0.5
    checks.check_continuation_prob(checks._continuation_reference, prediction=0.5)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "check_continuation_prob: all 6 cases passed."
    assert out[1] == (
        f"You predicted 0.5; the model says {truth:.3f} ({0.5 - truth:.3f} too high)."
    )


def test_continuation_prob_never_fails_on_a_guess(capsys):
    def stub(*args):
        raise NotImplementedError

    checks.check_continuation_prob(checks._continuation_reference, prediction=stub)
    assert capsys.readouterr().out.splitlines()[1].startswith("No prediction yet")
    checks.check_continuation_prob(checks._continuation_reference, prediction=1e9)
    assert "too high" in capsys.readouterr().out
    checks.check_continuation_prob(stub, prediction=0.3)  # a stub: no prediction line
    assert capsys.readouterr().out.count("\n") == 1


def test_next_char_accuracy_worked_example():
    # a 3-token toy: the model's favourites after tokens 0 and 1 are compared with
    # tokens 1 and 2, so the share has denominator T - 1 = 2
    params, cfg, tok = _shakespeare()
    ids = tok.encode("the")
    guess = gpt.forward(params, np.array(ids[:-1]), cfg).argmax(-1)
    expected = float(np.mean(guess == np.array(ids[1:])))
    assert checks._accuracy_reference(params, cfg, ids) == expected
    assert expected in (0.0, 0.5, 1.0)


def test_next_char_accuracy_names_the_unshifted_comparison():
    def wrong(params, cfg, ids):
        guess = gpt.forward(params, np.asarray(ids)[:-1], cfg).argmax(-1)
        return float(np.mean(guess == np.asarray(ids)[:-1]))

    with pytest.raises(AssertionError, match=re.escape("ids[t + 1]")):
        checks.check_next_char_accuracy(wrong)

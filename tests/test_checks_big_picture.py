"""The chapter-00 checkers accept right answers and name mistakes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from nanogpt_lib.checks import big_picture as checks
from nanogpt_lib.softmax import softmax


def test_next_token_accepts_the_reference(capsys):
    checks.check_next_token(lambda lg: int(np.argmax(lg[-1])))
    assert capsys.readouterr().out == "check_next_token: all 5 cases passed.\n"


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


def test_matmul_macs_accepts_the_reference(capsys):
    # (3, 2) @ (2, 4): 12 outputs, each a dot product of length 2 -> 24
    checks.check_matmul_macs(lambda a, b: a[0] * a[1] * b[1])
    assert "check_matmul_macs: all 4 cases passed." in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda a, b: a[0] * b[1], "That counts the outputs"),
        (lambda a, b: a[0] * a[1] + b[0] * b[1], "That counts the inputs"),
        (lambda a, b: 2 * a[0] * a[1] * b[1], "floating-point operations"),
        (lambda a, b: float(a[0] * a[1] * b[1]), "return an int"),
    ],
)
def test_matmul_macs_names_each_mistake(wrong, hint):
    with pytest.raises(AssertionError, match=re.escape(hint)):
        checks.check_matmul_macs(wrong)

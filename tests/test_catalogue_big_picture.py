"""Chapter 00: realistic wrong answers for each checker, and equivalent right ones."""

import numpy as np
import pytest
from _catalogue import (
    Wrong,
    assert_accepted,
    assert_catalogue_size,
    assert_rejected,
    equivalent_params,
    wrong_params,
)

from nanogpt_lib.checks.big_picture import check_matmul_macs, check_next_token
from nanogpt_lib.softmax import softmax

# ------------------------------------------------------------------ chapter 00


def next_token_softmax(logits):  # equivalent: argmax of the probabilities
    return int(np.argmax(softmax(np.asarray(logits)[-1])))


def macs_with(fn):
    return lambda a, b: fn(*a, *b)


CATALOGUE = {
    check_next_token: [
        Wrong(
            "first row",
            lambda lg: int(np.argmax(lg[0])),
            "first-position",
            "last position",
        ),
        Wrong("flat argmax", lambda lg: int(np.argmax(lg)), "flat-argmax", "whole"),
        Wrong("argmin", lambda lg: int(np.argmin(lg[-1])), "argmin", "largest"),
        Wrong(
            "row -2",
            lambda lg: int(np.argmax(lg[-2 if len(lg) > 1 else -1])),
            "second-to-last",
            "Off by one",
        ),
        Wrong(
            "axis 0", lambda lg: int(np.argmax(lg, axis=0)[-1]), "wrong-axis", "axis"
        ),
        Wrong(
            "the logit",
            lambda lg: float(np.max(lg[-1])),
            "wrong-kind",
            "integer token id",
        ),
        Wrong(
            "a list of ids",
            lambda lg: list(np.argmax(lg, axis=-1)),
            "wrong-kind",
            "integer token id",
        ),
    ],
    check_matmul_macs: [
        Wrong(
            "outputs", macs_with(lambda n, k, k2, m: n * m), "outputs-only", "outputs"
        ),
        Wrong(
            "inputs", macs_with(lambda n, k, k2, m: n * k + k2 * m), "inputs", "inputs"
        ),
        Wrong(
            "flops",
            macs_with(lambda n, k, k2, m: 2 * n * k * m),
            "flops",
            "floating-point",
        ),
        Wrong(
            "k twice",
            macs_with(lambda n, k, k2, m: n * k * k2),
            "k-twice",
            "k was used twice",
        ),
        Wrong(
            "sum",
            macs_with(lambda n, k, k2, m: n + k + m),
            "sum-not-product",
            "Multiply",
        ),
        Wrong(
            "a float", macs_with(lambda n, k, k2, m: n * k * m / 1), "wrong-kind", "int"
        ),
        Wrong(
            "n k m + n m (bias)", macs_with(lambda n, k, k2, m: n * k * m + n * m), None
        ),
    ],
}

EQUIVALENT = {
    check_next_token: [lambda lg: int(np.argmax(lg[-1])), next_token_softmax],
    check_matmul_macs: [
        macs_with(lambda n, k, k2, m: n * k * m),
        lambda a, b: int(np.prod(a)) * b[1],
    ],
}


@pytest.mark.parametrize("checker, wrong", wrong_params(CATALOGUE))
def test_wrong_answer_is_rejected(checker, wrong):
    assert_rejected(checker, wrong)


@pytest.mark.parametrize("checker, fn", equivalent_params(EQUIVALENT))
def test_equivalent_answer_passes(checker, fn, capsys):
    assert_accepted(checker, fn, capsys)


def test_catalogue_size():
    assert_catalogue_size(CATALOGUE, EQUIVALENT)

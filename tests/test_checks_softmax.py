"""Each chapter-03 checker accepts the reference and rejects known mistakes with the
hint that names the mistake."""

import numpy as np
import pytest

from nanogpt_lib import softmax as lib
from nanogpt_lib.checks.softmax import (
    check_entropy,
    check_softmax,
    check_top_k_logits,
    check_top_p_logits,
)


def test_references_pass(capsys):
    check_softmax(lambda x, t: lib.softmax(x, temperature=t))
    check_top_k_logits(lib.top_k_logits)
    check_top_p_logits(lib.top_p_logits)
    check_entropy(lib.entropy)
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "check_softmax: all 7 cases passed.",
        "check_top_k_logits: all 4 cases passed.",
        "check_top_p_logits: all 4 cases passed.",
        "check_entropy: all 3 cases passed.",
    ]


def naive_softmax(x, t):
    if t == 0:
        return lib.softmax(x, temperature=0)
    e = np.exp(np.asarray(x, dtype=np.float64) / t)
    return e / e.sum(-1, keepdims=True)


def times_t(x, t):
    if t == 0:
        return lib.softmax(x, temperature=0)
    return lib.softmax(np.asarray(x) * t)


def no_zero_case(x, t):
    z = np.asarray(x, dtype=np.float64) / t
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "wrong, hint",
    [
        (naive_softmax, "subtract the maximum"),
        (times_t, "not x \\* T"),
        (lambda x, t: lib.softmax(x), "temperature is ignored"),
        (lambda x, t: lib.softmax(x, temperature=t, axis=0), "last axis"),
        (no_zero_case, "T = 0"),
        (lambda x, t: None, "forget the `return`"),
    ],
)
def test_softmax_mistakes_get_their_hint(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_softmax(wrong)


def test_crashing_candidate_names_the_case():
    def crash(x, t):
        raise KeyError("oops")

    with pytest.raises(AssertionError, match=r"\[random #0\]: your function raised"):
        check_softmax(crash)


def keep_smallest(lg, k):
    lg = np.asarray(lg)
    kth = np.sort(lg, axis=-1)[..., k - 1 : k]
    return np.where(lg <= kth, lg, -np.inf)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (keep_smallest, "k smallest"),
        (lambda lg, k: lib.top_k_logits(lg, k + 1), "Off by one"),
        (
            lambda lg, k: np.where(
                np.isfinite(lib.top_k_logits(lg, k)), lib.top_k_logits(lg, k), 0.0
            ),
            "not 0",
        ),
    ],
)
def test_top_k_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_top_k_logits(wrong)


def top_p_strict(lg, p):
    pr = lib.softmax(lg)
    order = np.argsort(-pr, kind="stable")
    keep = np.zeros(pr.shape, bool)
    keep[order] = np.cumsum(pr[order]) <= p
    return np.where(keep, lg, -np.inf)


def test_top_p_mistake_strict_cumsum():
    with pytest.raises(AssertionError, match="crosses p"):
        check_top_p_logits(top_p_strict)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda p: -(p * np.log2(np.where(p > 0, p, 1))).sum(), "natural log"),
        (lambda p: (p * np.log(np.where(p > 0, p, 1))).sum(), "minus the sum"),
        (lambda p: -(p * np.log(p)).sum(), "0 log 0"),
    ],
)
def test_entropy_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        check_entropy(wrong)

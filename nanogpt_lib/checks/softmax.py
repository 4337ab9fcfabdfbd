"""Checkers for chapter 03's exercises: softmax, top-k, top-p, entropy."""

from __future__ import annotations

import numpy as np

from .. import softmax as lib
from ._core import Case, Mistake, run_checks

__all__ = [
    "check_softmax",
    "check_top_k_logits",
    "check_top_p_logits",
    "check_entropy",
]


def _logit_cases(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [
        rng.normal(size=5).astype(np.float32),
        (rng.normal(size=(3, 7)) * 4).astype(np.float32),
        np.array([3.0], dtype=np.float32),  # one entry
    ]


def check_softmax(candidate) -> None:
    """Check `candidate(x, temperature)`: stable softmax over the last axis."""
    cases = [Case(f"random #{i}", (x, 1.0)) for i, x in enumerate(_logit_cases())]
    cases += [
        Case("temperature 0.5", (_logit_cases()[1], 0.5)),
        Case("temperature 3", (_logit_cases()[0], 3.0)),
        Case("huge logits [1000, 999, 998]", (np.array([1000.0, 999, 998]), 1.0)),
        Case("temperature 0 (argmax)", (np.array([0.5, 2.0, -1.0]), 0.0)),
    ]

    def reference(x, t):
        return lib.softmax(x, temperature=t)

    def exp_norm(z):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            e = np.exp(z)
            return e / e.sum(axis=-1, keepdims=True)

    def no_max(x, t):
        with np.errstate(divide="ignore", invalid="ignore"):
            return exp_norm(np.asarray(x, dtype=np.float64) / t)

    def zero_t_unhandled(x, t):
        if t != 0:
            raise ValueError("only describes T = 0")
        return np.full(np.shape(x), np.nan)

    mistakes = [
        Mistake(
            "T = 0 cannot be divided by: handle it first and return a one-hot "
            "vector on the argmax.",
            zero_t_unhandled,
        ),
        Mistake(
            "Did you subtract the maximum before exp? exp(1000) overflows to inf "
            "and inf / inf is nan.",
            no_max,
        ),
        Mistake(
            "Temperature divides the logits: use x / T, not x * T.",
            lambda x, t: exp_norm(
                np.asarray(x) * t - np.max(np.asarray(x) * t, -1, keepdims=True)
            ),
        ),
        Mistake(
            "The temperature is ignored: divide the logits by T before exp.",
            lambda x, t: lib.softmax(x),
        ),
        Mistake(
            "Normalise along the last axis (axis=-1, keepdims=True), one "
            "distribution per row.",
            lambda x, t: lib.softmax(x, temperature=t, axis=0),
        ),
    ]
    run_checks("check_softmax", candidate, reference, cases, mistakes)


def check_top_k_logits(candidate) -> None:
    """Check `candidate(logits, k)`: keep the k largest scores, others -inf."""
    x = np.array([1.0, 5.0, 3.0, 4.0, 2.0], dtype=np.float32)
    rows = _logit_cases(1)[1]
    cases = [
        Case("k = 2", (x, 2)),
        Case("k = 1", (x, 1)),
        Case("k = V keeps all", (x, 5)),
        Case("rows, k = 3", (rows, 3)),
    ]

    def smallest(lg, k):
        return -lib.top_k_logits(-np.asarray(lg), k)

    def to_zero(lg, k):
        out = lib.top_k_logits(lg, k)
        return np.where(np.isfinite(out), out, 0.0)

    mistakes = [
        Mistake(
            "You kept the k smallest scores; keep the k largest.",
            lambda lg, k: np.where(np.isfinite(smallest(lg, k)), lg, -np.inf),
        ),
        Mistake(
            "Off by one: exactly k entries should survive.",
            lambda lg, k: lib.top_k_logits(lg, k + 1),
        ),
        Mistake(
            "Off by one: exactly k entries should survive.",
            lambda lg, k: lib.top_k_logits(lg, max(k - 1, 1)),
        ),
        Mistake(
            "Removed scores must become -inf (probability 0 after softmax), "
            "not 0 (which still has weight e^0).",
            to_zero,
        ),
    ]
    run_checks("check_top_k_logits", candidate, lib.top_k_logits, cases, mistakes)


def check_top_p_logits(candidate) -> None:
    """Check `candidate(logits, p)`: keep the nucleus of probability p."""
    probs = np.array([0.05, 0.5, 0.1, 0.3, 0.05])
    logits = np.log(probs)
    cases = [
        Case("p = 0.6", (logits, 0.6)),
        Case("p = 0.85", (logits, 0.85)),
        Case("p = 0.3 keeps the top token", (logits, 0.3)),
        Case("p = 1 keeps everything", (logits, 1.0)),
    ]

    def strict_below(lg, p):
        pr = lib.softmax(lg)
        order = np.argsort(-pr, kind="stable")
        keep_sorted = np.cumsum(pr[order]) <= p
        keep = np.zeros_like(keep_sorted)
        keep[order] = keep_sorted
        return np.where(keep, lg, -np.inf)

    def unsorted(lg, p):
        pr = lib.softmax(lg)
        keep = (np.cumsum(pr) - pr) < p
        return np.where(keep, lg, -np.inf)

    mistakes = [
        Mistake(
            "Keep the token that crosses p too: keep a token while the mass "
            "*before* it is below p (otherwise p=0.3 would keep nothing).",
            strict_below,
        ),
        Mistake(
            "Sort the probabilities from largest to smallest before the "
            "cumulative sum.",
            unsorted,
        ),
    ]
    run_checks("check_top_p_logits", candidate, lib.top_p_logits, cases, mistakes)


def check_entropy(candidate) -> None:
    """Check `candidate(p)`: entropy in nats of a probability vector."""
    cases = [
        Case("uniform over 4", (np.full(4, 0.25),)),
        Case("one-hot", (np.array([0.0, 1.0, 0.0]),)),
        Case("skewed", (np.array([0.7, 0.2, 0.1]),)),
    ]

    def with_nan(p):
        with np.errstate(divide="ignore", invalid="ignore"):
            return -(p * np.log(p)).sum()

    mistakes = [
        Mistake(
            "Use the natural log (nats): np.log, not np.log2.",
            lambda p: lib.entropy(p) / np.log(2),
        ),
        Mistake(
            "Entropy is minus the sum of p log p (it is never negative).",
            lambda p: -lib.entropy(p),
        ),
        Mistake(
            "0 log 0 is nan in numpy; treat it as 0 (e.g. with np.where).", with_nan
        ),
    ]
    run_checks("check_entropy", candidate, lib.entropy, cases, mistakes)

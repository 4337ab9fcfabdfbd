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


def _exp_norm(z):
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)


def _shifted(x, t, shift):
    """exp((x / T) - shift(x / T)) normalised: shift = max is right, others not."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.asarray(x, dtype=np.float64) / t
    return _exp_norm(z - shift(z))


def check_softmax(candidate) -> None:
    """Check `candidate(x, temperature)`: stable softmax over the last axis."""
    cases = [Case(f"random #{i}", (x, 1.0)) for i, x in enumerate(_logit_cases())]
    cases += [
        Case("temperature 0.5", (_logit_cases()[1], 0.5)),
        Case("temperature 3", (_logit_cases()[0], 3.0)),
        Case("huge logits [1000, 999, 998]", (np.array([1000.0, 999, 998]), 1.0)),
        Case("spread logits [700, 0, -100]", (np.array([700.0, 0, -100]), 1.0)),
        Case("one large logit [1500, 0, 0]", (np.array([1500.0, 0, 0]), 1.0)),
        Case("temperature 0 (argmax)", (np.array([0.5, 2.0, -1.0]), 0.0)),
        Case(
            "temperature 0 on 3 rows",
            (np.array([[0.5, 2.0, -1.0], [3.0, 1.0, 0.0], [-2.0, -1.0, -3.0]]), 0.0),
        ),
    ]

    def reference(x, t):
        return lib.softmax(x, temperature=t)

    def zero_t_unhandled(x, t):
        if t != 0:
            raise ValueError("only describes T = 0")
        return np.full(np.shape(x), np.nan)

    def zero_t_flat(x, t):
        if t != 0:
            raise ValueError("only describes T = 0")
        x = np.asarray(x)
        out = np.zeros(x.size)
        out[np.argmax(x)] = 1.0
        return out.reshape(x.shape)

    def zero_t_uniform(x, t):
        if t != 0:
            raise ValueError("only describes T = 0")
        return np.full(np.shape(x), 1.0 / np.shape(x)[-1])

    mistakes = [
        Mistake(
            "T = 0 cannot be divided by: handle it first and return a one-hot "
            "vector on the argmax.",
            zero_t_unhandled,
            id="t0-unhandled",
        ),
        Mistake(
            "At T = 0 take the argmax of each row (axis=-1, keepdims=True): one 1 "
            "per row, not a single 1 for the argmax of the whole array.",
            zero_t_flat,
            id="t0-flat-argmax",
        ),
        Mistake(
            "T -> 0 makes the distribution sharper, not flatter: at T = 0 all the "
            "probability goes to the largest logit (one-hot).",
            zero_t_uniform,
            id="t0-uniform",
        ),
        Mistake(
            "Subtract the maximum, not the mean: after x - mean(x) the largest "
            "entry can still be 1000, and exp(1000) overflows to inf.",
            lambda x, t: _shifted(x, t, lambda z: z.mean(-1, keepdims=True)),
            id="subtract-mean",
        ),
        Mistake(
            "Subtract the maximum, not the minimum: x - min(x) makes the largest "
            "entry even larger, and exp(800) overflows to inf.",
            lambda x, t: _shifted(x, t, lambda z: z.min(-1, keepdims=True)),
            id="subtract-min",
        ),
        Mistake(
            "Did you subtract the maximum before exp? exp(1000) overflows to inf "
            "and inf / inf is nan.",
            lambda x, t: _shifted(x, t, lambda z: 0.0),
            id="no-max",
        ),
        Mistake(
            "Subtract the maximum of each row (axis=-1, keepdims=True), not the "
            "maximum of the whole array.",
            lambda x, t: _shifted(x, t, lambda z: z.max()),
            id="global-max",
        ),
        Mistake(
            "Temperature divides the logits: use x / T, not x * T.",
            lambda x, t: _shifted(np.asarray(x, dtype=np.float64) * t, 1.0, np.max),
            id="times-t",
        ),
        Mistake(
            "The temperature is ignored: divide the logits by T before exp.",
            lambda x, t: lib.softmax(x),
            id="ignores-t",
        ),
        Mistake(
            "Normalise along the last axis (axis=-1, keepdims=True), one "
            "distribution per row.",
            lambda x, t: lib.softmax(x, temperature=t, axis=0),
            id="wrong-axis",
        ),
        Mistake(
            "Normalise each row by its own sum (axis=-1, keepdims=True), not by "
            "the sum of the whole array.",
            lambda x, t: (lambda e: e / e.sum())(
                np.exp(
                    np.asarray(x, dtype=np.float64) / t
                    - np.max(np.asarray(x, dtype=np.float64) / t, -1, keepdims=True)
                )
            ),
            id="global-sum",
        ),
    ]
    run_checks(
        "check_softmax", candidate, reference, cases, mistakes, forbid=[lib.softmax]
    )


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

    def whole_array(lg, k):
        lg = np.asarray(lg)
        kth = np.sort(lg, axis=None)[-k]
        return np.where(lg >= kth, lg, -np.inf)

    mistakes = [
        Mistake(
            "You kept the k smallest scores; keep the k largest.",
            lambda lg, k: np.where(np.isfinite(smallest(lg, k)), lg, -np.inf),
            id="smallest",
        ),
        Mistake(
            "Off by one: exactly k entries should survive, you kept k + 1. The "
            "k-th largest is np.sort(logits)[..., -k].",
            lambda lg, k: lib.top_k_logits(lg, k + 1),
            id="k-plus-one",
        ),
        Mistake(
            "Off by one: exactly k entries should survive, you kept k - 1. The "
            "k-th largest is np.sort(logits)[..., -k].",
            lambda lg, k: lib.top_k_logits(lg, max(k - 1, 1)),
            id="k-minus-one",
        ),
        Mistake(
            "Removed scores must become -inf (probability 0 after softmax), "
            "not 0 (which still has weight e^0).",
            to_zero,
            id="zero-not-inf",
        ),
        Mistake(
            "Pick the k largest of each row (sort along axis=-1), not the k "
            "largest of the whole array.",
            whole_array,
            id="whole-array",
        ),
        Mistake(
            "Return the whole row, same shape as logits, with -inf where a score "
            "is removed; not just the k surviving scores.",
            lambda lg, k: np.sort(np.asarray(lg), axis=-1)[..., ::-1][..., :k],
            id="returns-top-values",
        ),
        Mistake(
            "Return the whole row, same shape as logits, with -inf where a score "
            "is removed; not just the k surviving scores.",
            lambda lg, k: np.sort(np.asarray(lg), axis=-1)[..., -k:],
            id="returns-top-values",
        ),
        Mistake(
            "Return the scores themselves where they survive (-inf elsewhere), not "
            "a True/False mask.",
            lambda lg, k: np.isfinite(lib.top_k_logits(lg, k)),
            id="returns-mask",
        ),
    ]
    run_checks(
        "check_top_k_logits",
        candidate,
        lib.top_k_logits,
        cases,
        mistakes,
        forbid=[lib.top_k_logits],
    )


def _nucleus(lg, p, keep_rule, *, sort=True):
    lg = np.asarray(lg, dtype=np.float64)
    pr = np.exp(lg - lg.max())
    pr = pr / pr.sum()
    order = np.argsort(-pr, kind="stable") if sort else np.arange(len(pr))
    keep_sorted = keep_rule(np.cumsum(pr[order]), pr[order], p)
    keep = np.zeros(len(pr), dtype=bool)
    keep[order[keep_sorted]] = True
    return np.where(keep, lg, -np.inf)


def check_top_p_logits(candidate) -> None:
    """Check `candidate(logits, p)`: keep the nucleus of probability p."""
    probs = np.array([0.05, 0.5, 0.1, 0.3, 0.05])
    logits = np.log(probs)
    # Four equal logits: each has probability exactly 1/4, so p = 0.5 is reached
    # exactly after two tokens (which two does not matter: ties).
    flat = np.zeros(4)
    cases = [
        Case("p = 0.3 keeps the top token", (logits, 0.3)),
        Case("p = 0.6", (logits, 0.6)),
        Case("p = 0.85", (logits, 0.85)),
        Case("p = 1 keeps everything", (logits, 1.0)),
        Case("4 equal logits, p = 0.5 reached exactly", (flat, 0.5), canon=np.sort),
    ]

    def before_below(cum, pr, p):
        return cum - pr < p

    mistakes = [
        Mistake(
            "Keep the token that crosses p too: keep a token while the mass "
            "*before* it is below p (otherwise p=0.3 would keep nothing).",
            lambda lg, p: _nucleus(lg, p, lambda cum, pr, p: cum <= p),
            id="drops-crossing-token",
        ),
        Mistake(
            "Keep the token that crosses p too: keep a token while the mass "
            "*before* it is below p (otherwise p=0.3 would keep nothing).",
            lambda lg, p: _nucleus(lg, p, lambda cum, pr, p: cum < p),
            id="drops-crossing-token",
        ),
        Mistake(
            "One token too many when the mass reaches p exactly: keep a token "
            "while the mass before it is *strictly* below p (<, not <=).",
            lambda lg, p: _nucleus(lg, p, lambda cum, pr, p: cum - pr <= p),
            id="one-too-many-at-p",
        ),
        Mistake(
            "Sort the probabilities from largest to smallest before the "
            "cumulative sum.",
            lambda lg, p: _nucleus(lg, p, before_below, sort=False),
            id="unsorted",
        ),
        Mistake(
            "Sort from largest to smallest: np.argsort(-probs), not "
            "np.argsort(probs), which puts the least likely tokens first.",
            lambda lg, p: _nucleus_ascending(lg, p),
            id="ascending",
        ),
        Mistake(
            "Nothing was removed. Compare the cumulative *probabilities* with p "
            "(softmax first, not the logits, which are negative) and set every "
            "token beyond the nucleus to -inf.",
            lambda lg, p: np.asarray(lg, dtype=np.float64),
            id="keeps-all",
        ),
        Mistake(
            "Removed scores must become -inf (probability 0 after softmax), not 0.",
            lambda lg, p: np.where(
                np.isfinite(lib.top_p_logits(lg, p)), np.asarray(lg), 0.0
            ),
            id="zero-not-inf",
        ),
    ]
    run_checks(
        "check_top_p_logits",
        candidate,
        lib.top_p_logits,
        cases,
        mistakes,
        forbid=[lib.top_p_logits],
    )


def _nucleus_ascending(lg, p):
    lg = np.asarray(lg, dtype=np.float64)
    pr = np.exp(lg - lg.max())
    pr = pr / pr.sum()
    order = np.argsort(pr, kind="stable")
    keep = np.zeros(len(pr), dtype=bool)
    keep[order[np.cumsum(pr[order]) - pr[order] < p]] = True
    return np.where(keep, lg, -np.inf)


def check_entropy(candidate) -> None:
    """Check `candidate(p)`: entropy in nats of a probability vector."""
    cases = [
        Case("uniform over 4", (np.full(4, 0.25),)),
        Case("one-hot", (np.array([0.0, 1.0, 0.0]),)),
        Case("skewed", (np.array([0.7, 0.2, 0.1]),)),
        Case("with a zero", (np.array([0.5, 0.0, 0.25, 0.25]),)),
    ]

    def with_nan(p):
        with np.errstate(divide="ignore", invalid="ignore"):
            return -(p * np.log(p)).sum()

    def unweighted(p):
        with np.errstate(divide="ignore"):
            return -np.log(p).sum()

    mistakes = [
        Mistake(
            "Use the natural log (nats): np.log, not np.log2.",
            lambda p: lib.entropy(p) / np.log(2),
            id="log2",
        ),
        Mistake(
            "Use the natural log (nats): np.log, not np.log10.",
            lambda p: lib.entropy(p) / np.log(10),
            id="log10",
        ),
        Mistake(
            "Entropy is minus the sum of p log p (it is never negative).",
            lambda p: -lib.entropy(p),
            id="sign",
        ),
        Mistake(
            "0 log 0 is nan in numpy; treat it as 0 (e.g. with np.where).",
            with_nan,
            id="zero-log-zero",
        ),
        Mistake(
            "Sum p log p over the entries, don't average it: the mean divides by "
            "the number of entries.",
            lambda p: lib.entropy(p) / len(p),
            id="mean-not-sum",
        ),
        Mistake(
            "Weight each log p by its probability p: the entropy is -sum(p log p), "
            "not -sum(log p).",
            unweighted,
            id="unweighted",
        ),
    ]
    run_checks(
        "check_entropy", candidate, lib.entropy, cases, mistakes, forbid=[lib.entropy]
    )

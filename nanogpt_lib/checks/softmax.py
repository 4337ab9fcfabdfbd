"""Checkers for chapter 03's exercises: temperature by hand, a softmax to debug,
top-k on a batch, top-p given top-k, entropy and a prediction of it."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from .. import softmax as lib
from ._core import Case, CheckFailure, Mistake, _unwrap, require_callable, run_checks

__all__ = [
    "check_temperature_by_hand",
    "check_softmax",
    "check_top_k_logits",
    "check_top_k_top_p",
    "check_entropy",
    "check_entropy_prediction",
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


# ------------------------------------------------------------------ by hand

#: The by-hand exercise's logits: ln 6, ln 3, ln 1, so that softmax is 6:3:1.
BY_HAND_LOGITS = np.log(np.array([6.0, 3.0, 1.0]))
BY_HAND_TEMPERATURES = (1.0, 0.5, 0.0)


def _answers(candidate: Callable[[], dict]) -> Callable[[float], np.ndarray]:
    """The learner's dict of answers as a function of T (called once, lazily)."""

    @functools.cache
    def answers():
        got = candidate()
        if not isinstance(got, dict):
            raise TypeError(
                f"return a dict {{temperature: [three probabilities]}}, got "
                f"{type(got).__name__}"
            )
        return got

    def at(temperature):
        got = answers()
        for key, value in got.items():
            if isinstance(key, (int, float)) and float(key) == temperature:
                return np.asarray(value, dtype=np.float64)
        raise KeyError(f"no answer for T = {temperature:g}; keys are {list(got)}")

    return at


def check_temperature_by_hand(candidate) -> None:
    """Check `candidate()`, a dict of hand-computed answers: softmax of the logits
    [ln 6, ln 3, ln 1] at T = 1, 0.5 and 0 (T -> 0), three probabilities each.

    Values are compared to 0.01, so two decimals are enough.
    """
    require_callable("check_temperature_by_hand", candidate)
    z = BY_HAND_LOGITS
    cases = [Case(f"T = {t:g}", (t,)) for t in BY_HAND_TEMPERATURES]

    def reference(t):
        return lib.softmax(z, temperature=t)

    def sharpen(power):  # softmax(z / T) is p ** (1 / T), renormalised
        q = np.array([6.0, 3.0, 1.0]) ** power
        return q / q.sum()

    def by_t(fn):
        return lambda t: fn(t)

    mistakes = [
        Mistake(
            "Temperature divides the logits: at T = 0.5 the logits double, so the "
            "probabilities become 6^2 : 3^2 : 1^2 = 36 : 9 : 1. You multiplied "
            "(which takes square roots instead).",
            by_t(lambda t: sharpen(t) if t > 0 else sharpen(50)),
            id="times-t",
        ),
        Mistake(
            "Renormalise: 36, 9 and 1 are in the right ratio, but probabilities "
            "must sum to 1, so divide by 36 + 9 + 1 = 46.",
            by_t(
                lambda t: (
                    (np.array([6.0, 3.0, 1.0]) / 10) ** (1 / t)
                    if t
                    else np.array([1.0, 0, 0])
                )
            ),
            id="not-renormalised",
        ),
        Mistake(
            "Temperature acts on the logits before exp, not on the probabilities: "
            "dividing 0.6, 0.3, 0.1 by T and renormalising changes nothing.",
            by_t(lambda t: sharpen(1) if t else np.array([1.0, 0, 0])),
            id="divides-probabilities",
        ),
        Mistake(
            "T -> 0 makes the distribution sharper, not flatter: all the "
            "probability goes to the largest logit, [1, 0, 0]. A flat [1/3, 1/3, "
            "1/3] is T -> infinity.",
            by_t(lambda t: sharpen(1 / t) if t else np.full(3, 1 / 3)),
            id="t0-uniform",
        ),
        Mistake(
            "The logits are ln 6, ln 3 and ln 1, and exp undoes ln: at T = 1 the "
            "probabilities are 6 : 3 : 1, i.e. 0.6, 0.3, 0.1. You took exp of 6, "
            "3 and 1 themselves.",
            by_t(lambda t: lib.softmax(np.array([6.0, 3.0, 1.0]), temperature=t)),
            id="exp-of-ratios",
        ),
        Mistake(
            "Return a dict with one entry per temperature, {1: [...], 0.5: [...], "
            "0: [...]}, each three probabilities.",
            raises=(TypeError, KeyError),
            id="not-a-dict",
        ),
    ]
    run_checks(
        "check_temperature_by_hand",
        _answers(candidate),
        reference,
        cases,
        mistakes,
        rtol=0.0,
        atol=0.01,
    )


# ------------------------------------------------------------------ softmax


def _shifted_sum(x, t, shift, axis):
    """Shift each row by shift(row), exp, then divide by the sum along `axis`."""
    if t == 0:
        return lib.softmax(x, temperature=0)
    with np.errstate(over="ignore", invalid="ignore"):
        z = np.asarray(x, dtype=np.float64) / t
        e = np.exp(z - shift(z, axis=-1, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)


#: The chapter's own working softmaxes (cells above the debug exercise). Calling
#: one of them skips the exercise, which is to find the two planted bugs.
CHAPTER_SOFTMAXES = ("my_softmax_t", "my_softmax")


def _names_used(code) -> set[str]:
    """Global names a code object (and the functions defined in it) refers to."""
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _names_used(const)
    return names


def _calls_chapter_softmax(candidate) -> str | None:
    """The chapter softmax the candidate's code names, if any."""
    for fn in _unwrap(candidate):
        code = getattr(fn, "__code__", None)
        if code is None:
            continue
        module = getattr(fn, "__globals__", {})
        for name in CHAPTER_SOFTMAXES:
            if name in _names_used(code) and callable(module.get(name)):
                return name
    return None


def check_softmax(candidate) -> None:
    """Check `candidate(x, temperature)`: stable softmax over the last axis.

    An answer that calls the chapter's own `my_softmax_t` or `my_softmax` is
    refused (mistake "uses-chapter-softmax"): the exercise is to fix the planted
    bugs, not to call the working version shown above it.
    """
    require_callable("check_softmax", candidate)
    used = _calls_chapter_softmax(candidate)
    if used is not None:
        hint = (
            f"fix the two bugs of buggy_softmax in your own code; calling the "
            f"chapter's `{used}` skips the exercise."
        )
        raise CheckFailure(
            f"check_softmax: your function calls `{used}`, the chapter's working "
            f"softmax.\nHint: {hint}",
            checker="check_softmax",
            case="",
            mistake="uses-chapter-softmax",
            hint=hint,
        )
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
        Case(
            "temperature 0, row and column maxima apart",
            (np.array([[0.0, 1.0, 3.0], [2.0, 0.0, 1.0], [1.0, 4.0, 0.0]]), 0.0),
        ),
        Case(
            "2 rows far apart [[1000, 999, 998], [0, -1, -2]]",
            (np.array([[1000.0, 999, 998], [0, -1, -2]]), 1.0),
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
            "Both planted bugs are still there: subtract the row *maximum* (x - "
            "min(x) overflows once the logits spread by more than about 700) and "
            "divide by each row's own sum, axis=-1 (axis=0 adds up columns: right "
            "for one vector, wrong for a batch of rows).",
            lambda x, t: _shifted_sum(x, t, np.min, 0),
            id="planted-bugs",
        ),
        Mistake(
            "Divide each row by its own sum, e.sum(axis=-1, keepdims=True): axis=0 "
            "adds up columns, which is right for one vector and wrong for a batch "
            "of rows.",
            lambda x, t: _shifted_sum(x, t, np.max, 0),
            id="sum-axis-0",
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
    cube = np.random.default_rng(2).normal(size=(2, 3, 6)).astype(np.float32)
    cases = [
        Case("k = 2", (x, 2)),
        Case("k = 1", (x, 1)),
        Case("k = V keeps all", (x, 5)),
        Case("rows, k = 3", (rows, 3)),
        Case("a (2, 3, 6) batch, k = 2", (cube, 2)),
    ]

    def one_d(lg, k):  # the chapter's my_top_k, fed a batch
        lg = np.asarray(lg)
        return np.where(lg >= np.sort(lg)[-k], lg, -np.inf)

    def two_d_only(lg, k):  # [:, -k, None] works for (B, V) only
        lg = np.asarray(lg)
        if lg.ndim == 1:
            return lib.top_k_logits(lg, k)
        kth = np.sort(lg, axis=-1)[:, -k, None]
        return np.where(lg >= kth, lg, -np.inf)

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
            "This is the chapter's 1-D version fed a batch: np.sort(z)[-k] picks "
            "a whole *row* of sorted scores, not the k-th largest of each row. "
            "Sort along the last axis and index it: np.sort(z, axis=-1)[..., -k, "
            "None] (the None keeps a length-1 axis, so it broadcasts per row).",
            one_d,
            id="kth-row-not-kth-score",
        ),
        Mistake(
            "Index the last axis whatever the number of leading axes: "
            "[..., -k, None], not [:, -k, None] (which only works for 2-D input).",
            two_d_only,
            id="two-d-only",
        ),
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


def _filtered(
    lg,
    k,
    p,
    *,
    renormalise=True,
    use_k=True,
    use_p=True,
    union=False,
    crossing=True,
    fill=-np.inf,
    flat=False,
):
    """Top-k then top-p on rows of logits, with one thing done differently."""
    lg = np.asarray(lg, dtype=np.float64)
    in_k = np.isfinite(lib.top_k_logits(lg, k)) if use_k else np.ones(lg.shape, bool)
    base = np.where(in_k, lg, -np.inf) if renormalise else lg
    probs = lib.softmax(base)
    order = np.argsort(-probs, axis=-1, kind="stable")
    sorted_probs = np.take_along_axis(probs, order, axis=-1)
    if flat:  # one running sum over the whole batch
        cum = np.cumsum(sorted_probs).reshape(sorted_probs.shape)
    else:
        cum = np.cumsum(sorted_probs, axis=-1)
    keep_sorted = (cum - sorted_probs < p) if crossing else (cum <= p)
    in_p = np.empty_like(keep_sorted)
    np.put_along_axis(in_p, order, keep_sorted, axis=-1)
    if not use_p:
        in_p = np.ones(lg.shape, bool)
    keep = (in_k | in_p) if union else (in_k & in_p)
    return np.where(keep, lg, fill)


def check_top_k_top_p(candidate) -> None:
    """Check `candidate(logits, k, p)`: top-k, then top-p on what top-k kept (the
    library's order in `sample`), over the last axis of (..., V) logits."""
    four = np.log(np.array([0.4, 0.3, 0.2, 0.1]))
    rng = np.random.default_rng(3)
    rows = (rng.normal(size=(4, 9)) * 2).astype(np.float32)
    two = np.log(
        np.array(
            [[0.5, 0.2, 0.12, 0.1, 0.05, 0.03], [0.2, 0.18, 0.17, 0.16, 0.15, 0.14]]
        )
    )
    cases = [
        Case("[0.4, 0.3, 0.2, 0.1], k = 4, p = 0.95", (four, 4, 0.95)),
        Case("2 rows of 6, k = 3, p = 0.6", (two, 3, 0.6)),
        Case("[0.4, 0.3, 0.2, 0.1], k = 2, p = 0.5", (four, 2, 0.5)),
        Case("[0.4, 0.3, 0.2, 0.1], k = 3, p = 0.75", (four, 3, 0.75)),
        Case("[0.4, 0.3, 0.2, 0.1], k = 1, p = 1", (four, 1, 1.0)),
        Case("4 rows of 9, k = 5, p = 0.8", (rows, 5, 0.8)),
        Case("4 rows of 9, k = 7, p = 0.6", (rows, 7, 0.6)),
    ]

    def reference(lg, k, p):
        return lib.top_p_logits(lib.top_k_logits(lg, k), p)

    def threshold(lg, k, p):  # keeps tokens whose own probability is >= p
        kept = lib.top_k_logits(np.asarray(lg, dtype=np.float64), k)
        return np.where(lib.softmax(kept) >= p, kept, -np.inf)

    mistakes = [
        Mistake(
            "The nucleus was measured on the whole row's probabilities. After "
            "top-k only k tokens are left: renormalise over them (softmax of the "
            "filtered logits) before summing mass. Doing top-p first and top-k "
            "second makes the same mistake.",
            lambda lg, k, p: _filtered(lg, k, p, renormalise=False),
            id="not-renormalised",
        ),
        Mistake(
            "p is ignored: after keeping the k largest, keep only the nucleus of "
            "probability p among them.",
            lambda lg, k, p: _filtered(lg, k, p, use_p=False),
            id="ignores-p",
        ),
        Mistake(
            "k is ignored: keep the k largest first, then the nucleus among them.",
            lambda lg, k, p: _filtered(lg, k, p, use_k=False),
            id="ignores-k",
        ),
        Mistake(
            "A token must pass both filters (and), not either of them (or).",
            lambda lg, k, p: _filtered(lg, k, p, renormalise=False, union=True),
            id="union",
        ),
        Mistake(
            "Keep the token that crosses p too: keep a token while the mass "
            "*before* it is below p.",
            lambda lg, k, p: _filtered(lg, k, p, crossing=False),
            id="drops-crossing-token",
        ),
        Mistake(
            "One running sum per row: np.cumsum(..., axis=-1). Without the axis "
            "numpy flattens the batch and adds the rows up one after another.",
            lambda lg, k, p: _filtered(lg, k, p, flat=True),
            id="cumsum-flattens",
        ),
        # after cumsum-flattens: on 2 rows the two give the same result
        Mistake(
            "Top-p is about *cumulative* probability: keep the likeliest tokens "
            "until together they reach p (sort, cumsum), not the tokens whose "
            "own probability is at least p.",
            threshold,
            id="threshold-not-cumulative",
        ),
        Mistake(
            "Removed scores must become -inf (probability 0 after softmax), not 0.",
            lambda lg, k, p: (lambda out: np.where(np.isfinite(out), out, 0.0))(
                _filtered(lg, k, p)
            ),
            id="zero-not-inf",
        ),
    ]
    run_checks(
        "check_top_k_top_p",
        candidate,
        reference,
        cases,
        mistakes,
        forbid=[lib.top_k_logits, lib.top_p_logits],
    )


# Entropy mistakes shared by check_entropy and check_entropy_prediction.
_LOG2 = Mistake(
    "Use the natural log (nats): np.log, not np.log2.",
    lambda p: lib.entropy(p) / np.log(2),
    id="log2",
)
_NEGATIVE = Mistake(
    "Entropy is minus the sum of p log p (it is never negative).",
    lambda p: -lib.entropy(p),
    id="sign",
)


def check_entropy(candidate) -> None:
    """Check `candidate(p)`: entropy in nats of a probability vector."""
    cases = [
        Case("uniform over 4", (np.full(4, 0.25),)),
        Case("one-hot", (np.array([0.0, 1.0, 0.0]),)),
        Case("skewed", (np.array([0.7, 0.2, 0.1]),)),
        Case("with a zero", (np.array([0.5, 0.0, 0.25, 0.25]),)),
        Case("tiny probabilities", (np.array([0.999, 0.0005, 0.0004, 0.0001]),)),
    ]

    def with_nan(p):
        with np.errstate(divide="ignore", invalid="ignore"):
            return -(p * np.log(p)).sum()

    def unweighted(p):
        with np.errstate(divide="ignore"):
            return -np.log(p).sum()

    def clipped(p):
        return float(-(p * np.log(np.clip(p, 1e-3, None))).sum())

    mistakes = [
        _LOG2,
        Mistake(
            "Clipping p before the log (np.clip(p, 1e-3, ...)) changes every "
            "probability below the clip: [0.999, 0.0005, ...] loses entropy. Treat "
            "only p = 0 specially (0 log 0 = 0), e.g. np.where(p > 0, p, 1) inside "
            "the log.",
            clipped,
            id="clips-small-p",
        ),
        Mistake(
            "Use the natural log (nats): np.log, not np.log10.",
            lambda p: lib.entropy(p) / np.log(10),
            id="log10",
        ),
        _NEGATIVE,
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


# ------------------------------------------------------------------ prediction

#: The prediction exercise's prompt: a line the Shakespeare model saw in training.
PREDICTION_PROMPT = "HAMLET:\nTo be, or not to b"
PREDICTION_TEMPERATURES = (0.5, 2.0)


@functools.cache
def _prompt_logits() -> np.ndarray:
    from .. import gpt, shakespeare

    cfg, params, chars = shakespeare.load_model()
    ids = np.array(chars.encode(PREDICTION_PROMPT))
    return gpt.forward(params, ids, cfg)[-1]  # (V,) float32


def check_entropy_prediction(candidate, prediction=None) -> None:
    """Check `candidate(p)` (an entropy in nats) on the Shakespeare model's
    next-character distribution after PREDICTION_PROMPT at T = 0.5 and T = 2;
    then print how far `prediction()` (a dict {0.5: nats, 2.0: nats}, written
    before measuring) was. A wrong guess never fails the check.
    """
    require_callable("check_entropy_prediction", candidate)
    logits = _prompt_logits()
    cases = [
        Case(f"Shakespeare model, T = {t:g}", (lib.softmax(logits, temperature=t),))
        for t in PREDICTION_TEMPERATURES
    ]
    mistakes = [
        _LOG2,
        _NEGATIVE,
        Mistake(
            "Sum p log p over the entries, don't average it.",
            lambda p: lib.entropy(p) / len(p),
            id="mean-not-sum",
        ),
    ]
    stub = []

    def measured(p):
        try:
            return candidate(p)
        except NotImplementedError:
            stub.append(True)
            raise

    run_checks(
        "check_entropy_prediction",
        measured,
        lib.entropy,
        cases,
        mistakes,
        rtol=1e-4,
        atol=1e-5,
        forbid=[lib.entropy],
    )
    if stub or prediction is None:
        return
    try:
        guess = prediction()
    except NotImplementedError:
        print("No prediction yet: write yours in the prediction function first.")
        return
    for t, case in zip(PREDICTION_TEMPERATURES, cases, strict=True):
        truth = float(lib.entropy(case.args[0]))
        said = guess.get(t) if isinstance(guess, dict) else None
        if said is None:
            print(f"T = {t:g}: measured {truth:.2f} nats (no prediction for it)")
        else:
            print(
                f"T = {t:g}: you predicted {float(said):.2f} nats, measured "
                f"{truth:.2f} (off by {abs(float(said) - truth):.2f})"
            )

"""Chapter 03: realistic wrong answers for each checker, and equivalent right ones."""

import numpy as np
from _catalogue import Wrong, catalogue_tests

from nanogpt_lib.checks.softmax import (
    check_entropy,
    check_entropy_prediction,
    check_softmax,
    check_temperature_by_hand,
    check_top_k_logits,
    check_top_k_top_p,
)


def softmax_with(shift=np.max, *, zero=True, scale=lambda x, t: x / t, axis=-1):
    def fn(x, t=1.0):
        x = np.asarray(x, dtype=np.float64)
        if t == 0 and zero:
            return (np.arange(x.shape[-1]) == x.argmax(-1, keepdims=True)) * 1.0
        z = scale(x, t)
        z = z - shift(z, axis=axis, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=axis, keepdims=True)

    return fn


def zero_shift(z, axis, keepdims):
    return 0.0


def flat_argmax(x, t=1.0):
    x = np.asarray(x, dtype=np.float64)
    if t == 0:
        out = np.zeros(x.size)
        out[np.argmax(x)] = 1
        return out.reshape(x.shape)
    return softmax_with()(x, t)


def in_place(x, t=1.0):
    if t == 0:
        return softmax_with()(x, t)
    x /= t
    x -= x.max(axis=-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def global_sum(x, t=1.0):
    x = np.asarray(x, dtype=np.float64)
    if t == 0:
        return softmax_with()(x, t)
    e = np.exp(x / t - (x / t).max(-1, keepdims=True))
    return e / e.sum()


def lse(x, t=1.0):  # equivalent: through log-sum-exp
    x = np.asarray(x, dtype=np.float64)
    if t == 0:
        best = x == x.max(axis=-1, keepdims=True)
        return best / best.sum(axis=-1, keepdims=True)
    z = x / t
    m = z.max(axis=-1, keepdims=True)
    return np.exp(z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True)))


def kth(lg, k):
    return np.sort(lg, axis=-1)[..., -k, None]


def top_k_with(pick):
    def fn(logits, k):
        lg = np.asarray(logits)
        return pick(lg, k)

    return fn


def top_k_argsort(logits, k):  # equivalent: argsort then put_along_axis
    lg = np.asarray(logits)
    idx = np.argsort(-lg, axis=-1)[..., :k]
    out = np.full(lg.shape, -np.inf, dtype=lg.dtype)
    np.put_along_axis(out, idx, np.take_along_axis(lg, idx, axis=-1), axis=-1)
    return out


def top_k_in_place(logits, k):
    logits[logits < kth(logits, k)] = -np.inf
    return logits


def answers(at_1, at_half, at_0):
    """A by-hand answer: the dict the exercise's function returns."""
    return lambda: {1: at_1, 0.5: at_half, 0: at_0}


RIGHT_1, RIGHT_HALF, RIGHT_0 = [0.6, 0.3, 0.1], [36 / 46, 9 / 46, 1 / 46], [1, 0, 0]


def softmax_rows(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def nucleus_rows(z, p, *, crossing=True, axis=-1, fill=-np.inf):
    """Top-p over the last axis of (..., V) logits (-inf entries allowed)."""
    z = np.asarray(z, dtype=np.float64)
    probs = softmax_rows(z)
    order = np.argsort(-probs, axis=-1, kind="stable")
    sp = np.take_along_axis(probs, order, axis=-1)
    cum = np.cumsum(sp, axis=axis).reshape(sp.shape)
    keep_sorted = cum - sp < p if crossing else cum <= p
    keep = np.empty_like(keep_sorted)
    np.put_along_axis(keep, order, keep_sorted, axis=-1)
    return np.where(keep, z, fill)


def k_then_p(*, renormalise=True, crossing=True, axis=-1, fill=-np.inf, swap=False):
    def fn(logits, k, p):
        lg = np.asarray(logits, dtype=np.float64)
        if swap:  # top-p on the whole row first, then top-k
            out = nucleus_rows(lg, p)
            return np.where(lg >= kth(lg, k), out, -np.inf)
        top = np.where(lg >= kth(lg, k), lg, -np.inf)
        if renormalise:
            return nucleus_rows(top, p, crossing=crossing, axis=axis, fill=fill)
        in_p = np.isfinite(nucleus_rows(lg, p))
        return np.where(in_p, top, -np.inf)

    return fn


def k_then_p_loop(logits, k, p):  # equivalent: one row at a time, plain Python
    lg = np.asarray(logits, dtype=np.float64)
    out = np.full(lg.shape, -np.inf)
    for index in np.ndindex(lg.shape[:-1]):
        row = [float(v) for v in lg[index]]
        best = sorted(range(len(row)), key=lambda i: -row[i])[:k]
        m = max(row[i] for i in best)
        w = {i: np.exp(row[i] - m) for i in best}
        total, mass = sum(w.values()), 0.0
        for i in best:
            if mass >= p:
                break
            out[index + (i,)] = row[i]
            mass += w[i] / total
    return out


def planted(x, temperature=1.0):  # the exercise's buggy_softmax, left as it is
    x = np.asarray(x, dtype=np.float64)
    if temperature == 0:
        best = x.argmax(axis=-1, keepdims=True)
        return (np.arange(x.shape[-1]) == best).astype(float)
    z = x / temperature
    z = z - z.min(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=0, keepdims=True)


def one_bug_fixed(bug):
    def fn(x, temperature=1.0):
        x = np.asarray(x, dtype=np.float64)
        if temperature == 0:
            return planted(x, 0)
        z = x / temperature
        z = z - (z.min if bug == "min" else z.max)(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=0 if bug == "axis" else -1, keepdims=True)

    return fn


def entropy_clipping(p):
    np.clip(p, 1e-12, None, out=p)  # avoids log 0, but edits the caller's array
    return float(-(p * np.log(p)).sum())


def chapter_top_k(z, k):  # the chapter's 1-D my_top_k, fed a batch
    kth_largest = np.sort(z)[-k]
    return np.where(z >= kth_largest, z, -np.inf)


def entropy_with(log=np.log, reduce=np.sum, sign=-1, weighted=True, safe=True):
    def fn(p):
        p = np.asarray(p, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = log(np.where(p > 0, p, 1.0)) if safe else log(p)
            return sign * reduce(p * logs if weighted else logs)

    return fn


def entropy_list(p):  # equivalent: a Python loop over a list
    return -sum(float(q) * np.log(float(q)) for q in p if q > 0)


# Round 3 review: wrong answers that exposed a gap in the checkers.
def global_max(x, t=1.0):  # one maximum for the whole batch: a far-off row underflows
    x = np.asarray(x, dtype=np.float64)
    if t == 0:
        return softmax_with()(x, t)
    z = x / t
    e = np.exp(z - z.max())
    return e / e.sum(axis=-1, keepdims=True)


def my_softmax(z):  # the chapter's own working softmax, as a notebook defines it
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def calls_chapter(x, temperature=1.0):  # delegates to the chapter's my_softmax
    x = np.asarray(x, dtype=np.float64)
    if temperature == 0:
        return softmax_with()(x, 0)
    return my_softmax(x / temperature)


def power_after_exp(x, t=1.0):  # equivalent: exp(z - max) ** (1 / T)
    x = np.asarray(x, dtype=np.float64)
    if t == 0:
        return np.eye(x.shape[-1])[x.argmax(axis=-1)]
    e = np.exp(x - x.max(axis=-1, keepdims=True)) ** (1 / t)
    return e / e.sum(axis=-1, keepdims=True)


def top_k_partition(logits, k):  # equivalent: np.partition
    logits = np.asarray(logits)
    kth_value = np.partition(logits, -k, axis=-1)[..., -k:].min(axis=-1, keepdims=True)
    return np.where(logits >= kth_value, logits, -np.inf)


def threshold_p(logits, k, p):  # reads top-p as "probability at least p"
    kept = np.where(np.asarray(logits) >= kth(logits, k), logits, -np.inf)
    return np.where(softmax_rows(kept) >= p, kept, -np.inf)


def entropy_clip(p):  # clips before the log, far above the float floor
    p = np.asarray(p, dtype=np.float64)
    return float(-(p * np.log(np.clip(p, 1e-3, None))).sum())


CATALOGUE = {
    check_softmax: [
        Wrong("no max", softmax_with(zero_shift), "no-max", "subtract the maximum"),
        Wrong("minus min", softmax_with(np.min), "subtract-min", "not the minimum"),
        Wrong("minus mean", softmax_with(np.mean), "subtract-mean", "not the mean"),
        Wrong(
            "x times T",
            softmax_with(scale=lambda x, t: x * t),
            "times-t",
            r"not x \* T",
        ),
        Wrong("T ignored", softmax_with(scale=lambda x, t: x), "ignores-t", "ignored"),
        Wrong("axis 0", softmax_with(axis=0), "wrong-axis", "last axis"),
        Wrong("T = 0 divided", softmax_with(zero=False), "t0-unhandled", "T = 0"),
        Wrong("T = 0 flat argmax", flat_argmax, "t0-flat-argmax", "each row"),
        Wrong("in place", in_place, "mutates-input", "new list or array"),
        Wrong("whole-array sum", global_sum, "global-sum", "own sum"),
        Wrong("no return", lambda x, t=1.0: None, "no-return", "return"),
        Wrong("planted bugs left", planted, "planted-bugs", "Both planted bugs"),
        Wrong("only the axis fixed", one_bug_fixed("min"), "subtract-min", "minimum"),
        Wrong("only min fixed", one_bug_fixed("axis"), "sum-axis-0", "axis=-1"),
        Wrong("global max", global_max, "global-max", "maximum of each row"),
        Wrong("calls my_softmax", calls_chapter, "uses-chapter-softmax", "skips"),
    ],
    check_top_k_logits: [
        Wrong(
            "the chapter's 1-D version",
            chapter_top_k,
            "kth-row-not-kth-score",
            "whole \\*row\\*",
        ),
        Wrong(
            "[:, -k, None]",
            top_k_with(
                lambda lg, k: (
                    np.where(lg >= np.sort(lg, -1)[:, -k, None], lg, -np.inf)
                    if lg.ndim > 1
                    else np.where(lg >= kth(lg, k), lg, -np.inf)
                )
            ),
            "two-d-only",
            "leading axes",
        ),
        Wrong(
            "smallest",
            top_k_with(
                lambda lg, k: np.where(
                    lg <= np.sort(lg, -1)[..., k - 1, None], lg, -np.inf
                )
            ),
            "smallest",
            "k smallest",
        ),
        Wrong(
            "k+1",
            top_k_with(lambda lg, k: np.where(lg > kth(lg, k + 1), lg, -np.inf)),
            None,
        ),
        Wrong(
            "k-1 (strict >)",
            top_k_with(lambda lg, k: np.where(lg > kth(lg, k), lg, -np.inf)),
            "k-minus-one",
            "k - 1",
        ),
        Wrong(
            "zero",
            top_k_with(lambda lg, k: np.where(lg >= kth(lg, k), lg, 0.0)),
            "zero-not-inf",
            "-inf",
        ),
        Wrong(
            "whole array",
            top_k_with(
                lambda lg, k: np.where(lg >= np.sort(lg, None)[-k], lg, -np.inf)
            ),
            "whole-array",
            "each row",
        ),
        Wrong(
            "values only",
            top_k_with(lambda lg, k: np.sort(lg, axis=-1)[..., -k:]),
            "returns-top-values",
            "same shape",
        ),
        Wrong(
            "mask",
            top_k_with(lambda lg, k: lg >= kth(lg, k)),
            "returns-mask",
            "not a True/False",
        ),
        Wrong("in place", top_k_in_place, "mutates-input", "new list or array"),
    ],
    check_top_k_top_p: [
        Wrong(
            "nucleus of the whole row",
            k_then_p(renormalise=False),
            "not-renormalised",
            "renormalise",
        ),
        Wrong("top-p first", k_then_p(swap=True), "not-renormalised", "top-p first"),
        Wrong(
            "p ignored",
            lambda lg, k, p: np.where(lg >= kth(lg, k), lg, -np.inf),
            "ignores-p",
            "p is ignored",
        ),
        Wrong(
            "k ignored",
            lambda lg, k, p: nucleus_rows(lg, p),
            "ignores-k",
            "k is ignored",
        ),
        Wrong(
            "either filter",
            lambda lg, k, p: np.where(
                (lg >= kth(lg, k)) | np.isfinite(nucleus_rows(lg, p)), lg, -np.inf
            ),
            "union",
            "both filters",
        ),
        Wrong("cum <= p", k_then_p(crossing=False), "drops-crossing-token", "cross"),
        Wrong("cumsum, no axis", k_then_p(axis=None), "cumsum-flattens", "axis=-1"),
        Wrong("zero", k_then_p(fill=0.0), "zero-not-inf", "-inf"),
        Wrong(
            "kept the k smallest",
            lambda lg, k, p: nucleus_rows(
                np.where(lg <= np.sort(lg, -1)[..., k - 1, None], lg, -np.inf), p
            ),
            None,
        ),
        Wrong("threshold p", threshold_p, "threshold-not-cumulative", "cumulative"),
    ],
    check_temperature_by_hand: [
        Wrong(
            "x times T",
            answers(RIGHT_1, [0.47, 0.33, 0.19], RIGHT_0),
            "times-t",
            "divides the logits",
        ),
        Wrong(
            "36, 9, 1 not renormalised",
            answers(RIGHT_1, [0.36, 0.09, 0.01], RIGHT_0),
            "not-renormalised",
            "Renormalise",
        ),
        Wrong(
            "T on the probabilities",
            answers(RIGHT_1, RIGHT_1, RIGHT_0),
            "divides-probabilities",
            "not on the probabilities",
        ),
        Wrong(
            "T -> 0 uniform",
            answers(RIGHT_1, RIGHT_HALF, [1 / 3, 1 / 3, 1 / 3]),
            "t0-uniform",
            "sharper, not flatter",
        ),
        Wrong(
            "exp(6), exp(3), exp(1)",
            answers([0.95, 0.05, 0.01], [1.0, 0.0, 0.0], RIGHT_0),
            "exp-of-ratios",
            "exp undoes",
        ),
        Wrong(
            "T = 0.5 arithmetic slip",
            answers(RIGHT_1, [0.7, 0.25, 0.05], RIGHT_0),
            None,
        ),
        Wrong(
            "a list, not a dict",
            lambda: [RIGHT_1, RIGHT_HALF, RIGHT_0],
            "not-a-dict",
            "one entry per temperature",
        ),
        Wrong(
            "T = 0 missing",
            lambda: {1: RIGHT_1, 0.5: RIGHT_HALF},
            "not-a-dict",
            "one entry per temperature",
        ),
    ],
    check_entropy: [
        Wrong("log2", entropy_with(log=np.log2), "log2", "natural log"),
        Wrong("log10", entropy_with(log=np.log10), "log10", "natural log"),
        Wrong("sign", entropy_with(sign=1), "sign", "never negative"),
        Wrong("0 log 0", entropy_with(safe=False), "zero-log-zero", "0 log 0"),
        Wrong("mean", entropy_with(reduce=np.mean), "mean-not-sum", "average"),
        Wrong("unweighted", entropy_with(weighted=False), "unweighted", "Weight"),
        Wrong("max prob", lambda p: float(-np.log(np.max(p))), None),
        Wrong("clip at 1e-3", entropy_clip, "clips-small-p", "p = 0"),
    ],
    check_entropy_prediction: [
        Wrong("log2", entropy_with(log=np.log2), "log2", "natural log"),
        Wrong("sign", entropy_with(sign=1), "sign", "never negative"),
        Wrong("mean", entropy_with(reduce=np.mean), "mean-not-sum", "average"),
        Wrong("clips in place", entropy_clipping, "mutates-input", "new list or array"),
        Wrong(
            "library",
            lambda p: __import__("nanogpt_lib").softmax.entropy(p),
            "delegates",
            "write this yourself",
        ),
        Wrong("max prob", lambda p: float(-np.log(np.max(p))), None),
    ],
}

EQUIVALENT = {
    check_softmax: [softmax_with(), lse, power_after_exp],
    check_top_k_logits: [
        top_k_with(lambda lg, k: np.where(lg >= kth(lg, k), lg, -np.inf)),
        top_k_argsort,
        top_k_partition,
    ],
    check_top_k_top_p: [k_then_p(), k_then_p_loop],
    check_entropy: [entropy_with(), entropy_list],
    check_temperature_by_hand: [
        answers(RIGHT_1, RIGHT_HALF, RIGHT_0),
        answers(RIGHT_1, [0.78, 0.2, 0.02], [1.0, 0.0, 0.0]),
        lambda: {1.0: np.array(RIGHT_1), 0.5: np.array(RIGHT_HALF), 0.0: RIGHT_0},
    ],
    check_entropy_prediction: [entropy_with(), entropy_list],
}


(
    test_wrong_answer_is_rejected,
    test_equivalent_answer_passes,
    test_catalogue_size,
) = catalogue_tests(CATALOGUE, EQUIVALENT)

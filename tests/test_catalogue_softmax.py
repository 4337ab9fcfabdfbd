"""Chapter 03: realistic wrong answers for each checker, and equivalent right ones."""

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

from nanogpt_lib.checks.softmax import (
    check_entropy,
    check_softmax,
    check_top_k_logits,
    check_top_p_logits,
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


def nucleus(keep_rule, *, descending=True, softmax=True, fill=-np.inf):
    def fn(logits, p):
        lg = np.asarray(logits, dtype=np.float64)
        if softmax:
            pr = np.exp(lg - lg.max())
            pr /= pr.sum()
        else:
            pr = lg
        order = np.argsort(-pr if descending else pr, kind="stable")
        cum = np.cumsum(pr[order])
        keep = np.zeros(len(lg), dtype=bool)
        keep[order[keep_rule(cum, pr[order], p)]] = True
        return np.where(keep, lg, fill)

    return fn


def nucleus_loop(logits, p):  # equivalent: a plain loop, ties broken the other way
    lg = [float(v) for v in logits]
    m = max(lg)
    w = [np.exp(v - m) for v in lg]
    probs = [v / sum(w) for v in w]
    order = sorted(range(len(lg)), key=lambda i: (-probs[i], -i))
    kept, mass = set(), 0.0
    for i in order:
        if mass >= p:
            break
        kept.add(i)
        mass += probs[i]
    return np.array([v if i in kept else -np.inf for i, v in enumerate(lg)])


def entropy_with(log=np.log, reduce=np.sum, sign=-1, weighted=True, safe=True):
    def fn(p):
        p = np.asarray(p, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = log(np.where(p > 0, p, 1.0)) if safe else log(p)
            return sign * reduce(p * logs if weighted else logs)

    return fn


def entropy_list(p):  # equivalent: a Python loop over a list
    return -sum(float(q) * np.log(float(q)) for q in p if q > 0)


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
    ],
    check_top_k_logits: [
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
    check_top_p_logits: [
        Wrong(
            "cum <= p",
            nucleus(lambda c, pr, p: c <= p),
            "drops-crossing-token",
            "cross",
        ),
        Wrong(
            "before <= p",
            nucleus(lambda c, pr, p: c - pr <= p),
            "one-too-many-at-p",
            "strictly",
        ),
        Wrong(
            "ascending",
            nucleus(lambda c, pr, p: c - pr < p, descending=False),
            "ascending",
            "largest to smallest",
        ),
        Wrong(
            "logits not probs",
            nucleus(lambda c, pr, p: c - pr < p, softmax=False),
            "keeps-all",
            "softmax first",
        ),
        Wrong(
            "zero",
            nucleus(lambda c, pr, p: c - pr < p, fill=0.0),
            "zero-not-inf",
            "-inf",
        ),
        Wrong(
            "p ignored",
            lambda lg, p: np.asarray(lg, dtype=float),
            "keeps-all",
            "Nothing was removed",
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
    ],
}

EQUIVALENT = {
    check_softmax: [softmax_with(), lse],
    check_top_k_logits: [
        top_k_with(lambda lg, k: np.where(lg >= kth(lg, k), lg, -np.inf)),
        top_k_argsort,
    ],
    check_top_p_logits: [nucleus(lambda c, pr, p: c - pr < p), nucleus_loop],
    check_entropy: [entropy_with(), entropy_list],
}


@pytest.mark.parametrize("checker, wrong", wrong_params(CATALOGUE))
def test_wrong_answer_is_rejected(checker, wrong):
    assert_rejected(checker, wrong)


@pytest.mark.parametrize("checker, fn", equivalent_params(EQUIVALENT))
def test_equivalent_answer_passes(checker, fn, capsys):
    assert_accepted(checker, fn, capsys)


def test_catalogue_size():
    assert_catalogue_size(CATALOGUE, EQUIVALENT)

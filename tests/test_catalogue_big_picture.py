"""Chapter 00: realistic wrong answers for each checker, and equivalent right ones."""

import numpy as np
from _catalogue import Wrong, catalogue_tests

from nanogpt_lib import gpt
from nanogpt_lib.checks.big_picture import (
    MACS_PRODUCTS,
    check_continuation_prob,
    check_matmul_macs,
    check_next_char_accuracy,
    check_next_token,
)
from nanogpt_lib.softmax import softmax

# ------------------------------------------------------------------ chapter 00


def next_token_softmax(logits):  # equivalent: argmax of the probabilities
    return int(np.argmax(softmax(np.asarray(logits)[-1])))


def macs_with(fn, **override):
    """A by-hand answer: `fn(n, k, k2, m)` for each product, some entries replaced."""

    def answer():
        out = {key: fn(*a, *b) for key, (a, b) in MACS_PRODUCTS.items()}
        return {**out, **override}

    return answer


RIGHT = {"mlp_up": 55_296, "scores": 576, "unembed": 38_597_376}


def probs_of(params, cfg, tok, prompt, continuation, feed="truth", row=-1):
    ids = list(tok.encode(prompt))
    out = []
    for t in tok.encode(continuation):
        p = softmax(gpt.forward(params, np.array(ids), cfg)[row])
        out.append(float(p[t]))
        if feed == "truth":
            ids.append(t)
        elif feed == "argmax":
            ids.append(int(np.argmax(p)))
    return out


def cont_with(reduce=np.prod, **kw):
    return lambda *a: float(reduce(probs_of(*a, **kw)))


def cont_log_space(params, cfg, tok, prompt, continuation):
    """Equivalent: log-probabilities from logits, summed, then exp."""
    ids = tok.encode(prompt + continuation)
    n = len(tok.encode(prompt))
    if n == len(ids):
        return 1.0
    z = gpt.forward(params, np.array(ids[:-1]), cfg)[n - 1 :].astype(np.float64)
    logp = z - z.max(-1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(-1, keepdims=True))
    return float(np.exp(logp[np.arange(len(z)), ids[n:]].sum()))


def acc_with(shift=1, scale=1.0, denominator=None, last_only=False):
    def fn(params, cfg, ids):
        ids = np.asarray(ids)
        guess = gpt.forward(params, ids[:-1], cfg).argmax(-1)
        if last_only:
            return float(guess[-1] == ids[-1])
        if shift == 1:
            right = guess == ids[1:]
        elif shift == 0:
            right = guess == ids[:-1]
        else:
            right = guess[1:] == ids[:-2]
        n = len(right) if denominator is None else denominator(len(ids))
        return float(scale * right.sum() / n)

    return fn


def acc_probs(params, cfg, ids):
    """Equivalent: argmax of the probabilities, compared in a Python loop."""
    probs = softmax(gpt.forward(params, np.asarray(ids)[:-1], cfg))
    hits = [
        int(np.argmax(row)) == int(t) for row, t in zip(probs, ids[1:], strict=True)
    ]
    return sum(hits) / len(hits)


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
            "summed over positions",
            lambda lg: int(np.argmax(np.asarray(lg).sum(axis=0))),
            "summed-over-positions",
            "summed",
        ),
        Wrong(
            "sampled, not greedy",
            lambda lg: int(
                np.random.default_rng(0).choice(
                    np.shape(lg)[-1], p=softmax(np.asarray(lg, dtype=float)[-1])
                )
            ),
            None,
        ),
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
            "one token",
            macs_with(lambda n, k, k2, m: k * m),
            "one-token",
            "all 6 tokens",
        ),
        Wrong(
            "scores with C",
            lambda: {**RIGHT, "scores": 6 * 48 * 6},
            "width-c-not-d",
            "D = C / H",
        ),
        Wrong(
            "MLP width C",
            lambda: {**RIGHT, "mlp_up": 6 * 48 * 48},
            "mlp-width",
            "F = 4C",
        ),
        Wrong(
            "sum",
            macs_with(lambda n, k, k2, m: n + k + m),
            "sum-not-product",
            "Multiply",
        ),
        Wrong(
            "a float",
            lambda: {**RIGHT, "unembed": 38_597_376.0},
            "wrong-kind",
            "int",
        ),
        Wrong("a tuple", lambda: tuple(RIGHT.values()), "wrong-kind", "dict"),
        Wrong(
            "scores for all 3 heads",
            lambda: {**RIGHT, "scores": 3 * 576},
            "width-c-not-d",
            "one head",
        ),
        Wrong("scores D by D", lambda: {**RIGHT, "scores": 6 * 16 * 16}, None),
    ],
    check_continuation_prob: [
        Wrong("first only", lambda *a: probs_of(*a)[0], "first-only", "multiply"),
        Wrong("not appended", cont_with(feed=None), "not-appended", "appended"),
        Wrong(
            "model's picks", cont_with(feed="argmax"), "appended-argmax", "own picks"
        ),
        Wrong("sum", cont_with(np.sum), "sum-not-product", "multiply"),
        Wrong("mean", cont_with(np.mean), "mean-not-product", "product"),
        Wrong(
            "log",
            lambda *a: float(np.sum(np.log(probs_of(*a)))),
            "log-prob",
            "log-probability",
        ),
        Wrong("row 0", cont_with(row=0), "first-position", "last position"),
        Wrong(
            "a list",
            lambda *a: probs_of(*a),
            None,
        ),
        Wrong(
            "last character only",
            lambda *a: probs_of(*a)[-1] if a[-1] else 1.0,
            "last-only",
            "every character",
        ),
    ],
    check_next_char_accuracy: [
        Wrong("not shifted", acc_with(shift=0), "not-shifted", r"ids\[t \+ 1\]"),
        Wrong("backwards", acc_with(shift=-1), "shifted-backwards", "wrong way"),
        Wrong("count", acc_with(denominator=lambda n: 1), "count-not-share", "count"),
        Wrong("percent", acc_with(scale=100.0), "percent", "percentage"),
        Wrong("divide by T", acc_with(denominator=lambda n: n), "divide-by-t", "T - 1"),
        Wrong("last only", acc_with(last_only=True), "last-only", "every position"),
        Wrong(
            "mean probability",
            lambda p, c, ids: float(
                np.mean(
                    softmax(gpt.forward(p, np.asarray(ids)[:-1], c))[
                        np.arange(len(ids) - 1), np.asarray(ids)[1:]
                    ]
                )
            ),
            "mean-probability",
            "favourite",
        ),
        Wrong("error rate", lambda *a: 1 - acc_with()(*a), None),
    ],
}

EQUIVALENT = {
    check_next_token: [lambda lg: int(np.argmax(lg[-1])), next_token_softmax],
    check_matmul_macs: [
        macs_with(lambda n, k, k2, m: n * k * m),
        lambda: {k: np.int64(v) for k, v in reversed(RIGHT.items())},
    ],
    check_continuation_prob: [cont_with(), cont_log_space],
    check_next_char_accuracy: [acc_with(), acc_probs],
}


(
    test_wrong_answer_is_rejected,
    test_equivalent_answer_passes,
    test_catalogue_size,
) = catalogue_tests(CATALOGUE, EQUIVALENT)
